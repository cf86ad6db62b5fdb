"""Argument validation shared by the package.

Every public constructor validates early and raises ``ValueError`` in the Keras
style: which argument, what was expected, what was received.
"""

import numbers


def check_int(name, value, minimum):
    """Raise unless ``value`` is an int (not bool) ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(
            f"Expected `{name}` to be an integer >= {minimum}. "
            f"Received: {name}={value!r} of type {type(value).__name__}"
        )
    if value < minimum:
        raise ValueError(
            f"Expected `{name}` >= {minimum}. Received: {name}={value}"
        )
    return int(value)


def check_float(name, value, *, greater_than=None, at_least=None,
                less_than=None):
    """Raise unless ``value`` is a real number in the stated range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(
            f"Expected `{name}` to be a number. "
            f"Received: {name}={value!r} of type {type(value).__name__}"
        )
    value = float(value)
    if value != value:  # NaN
        raise ValueError(f"Expected `{name}` to be a number. Received: {name}=nan")
    if greater_than is not None and not value > greater_than:
        raise ValueError(
            f"Expected `{name}` > {greater_than}. Received: {name}={value}"
        )
    if less_than is not None and not value < less_than:
        raise ValueError(
            f"Expected `{name}` < {less_than}. Received: {name}={value}"
        )
    if at_least is not None and not value >= at_least:
        raise ValueError(
            f"Expected `{name}` >= {at_least}. Received: {name}={value}"
        )
    return value


def check_choice(name, value, choices):
    """Raise unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(
            f"Expected `{name}` to be one of {sorted(map(repr, choices))}. "
            f"Received: {name}={value!r}"
        )
    return value
