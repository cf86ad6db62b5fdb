"""The seed articles' claims, reproduced with the library's own losses and models.

One module per experiment; each has a `run(out_dir)` that writes
``<out_dir>/exp_<name>.png`` and returns the measured numbers as a dict, and
small importable functions that the tests call on small sizes:

* `optimal_d` -- the learned discriminator vs ``D* = p_data / (p_data + p_g)``
  and ``C(G) = -log 4`` at ``p_g = p_data``;
* `js_vs_w` -- JSD saturates at log 2 while W1 grows linearly; the WGAN-GP
  critic's estimate;
* `xy_game` -- simultaneous gradient steps on ``V = x y`` spiral outward,
  alternating ones orbit;
* `mode_collapse` -- GAN (minimax, non-saturating) vs WGAN-GP on the ring of
  8 Gaussians, scored with `keras_gan.evaluation.mode_coverage`;
* `vanishing_gradients` -- the minimax generator loss's gradient vanishes when
  D rejects the samples; the non-saturating loss's does not.
* `unrolled` -- plain GAN vs unrolled GAN (K = 5, 10) on the ring in the
  official demo's settings: snapshots and the mode histogram over time.
* `unrolled_collapse` -- the same where the plain GAN collapses onto one
  mode and moves between modes (weaker discriminator), vs K = 10.

Command line: ``python -m keras_gan.experiments {optimal-d,js-vs-w,xy-game,
mode-collapse,vanishing-gradients,unrolled,unrolled-collapse,all} --out docs/``.
"""

#: CLI name -> module name, in the order `all` runs them.
EXPERIMENTS = {
    "optimal-d": "optimal_d",
    "js-vs-w": "js_vs_w",
    "xy-game": "xy_game",
    "mode-collapse": "mode_collapse",
    "vanishing-gradients": "vanishing_gradients",
    "unrolled": "unrolled",
    "unrolled-collapse": "unrolled_collapse",
}

__all__ = ["EXPERIMENTS"]
