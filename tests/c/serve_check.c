/*
 * serve_check: load a SavedModel with TensorFlow's C API the way TF Serving's
 * C++ loader does (LoadSavedModel, tag "serve"), find a signature's tensors in
 * the MetaGraphDef that the loader returns, and run the signature.
 *
 *   serve_check EXPORT_DIR SIGNATURE INPUT_FILE OUT_DIR DIM0 [DIM1 ...]
 *
 * The signature must have exactly one input; INPUT_FILE holds its raw
 * little-endian values (float32 or int64, the dtype the signature declares)
 * of shape DIM0 x DIM1 x ... .  For every output KEY the program writes
 * OUT_DIR/KEY.bin (raw values) and prints one line
 *   output KEY TENSOR_NAME DTYPE DIM0 DIM1 ...
 * after a line "input KEY TENSOR_NAME DTYPE".  The serialized MetaGraphDef is
 * written to OUT_DIR/meta_graph_def.pb so the caller can cross-check the names
 * this program read with its own minimal protobuf parser.
 *
 * Exit status: 0 on success, 1 on any failure (message on stderr).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tensorflow/c/c_api.h"

#define MAX_KEYS 16
#define MAX_DIMS 8

/* ---- a minimal protobuf wire-format reader ------------------------------ */

typedef struct {
  const uint8_t *p, *end;
} Reader;

typedef struct {
  uint32_t field, wire;
  uint64_t value; /* varint / fixed values */
  Reader sub;     /* length-delimited payload */
} Field;

static int read_varint(Reader *r, uint64_t *out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (r->p >= r->end) return 0;
    uint8_t b = *r->p++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *out = v;
      return 1;
    }
  }
  return 0;
}

/* Reads the next field; returns 1, 0 at the end, -1 on malformed input. */
static int next_field(Reader *r, Field *f) {
  uint64_t tag, len;
  if (r->p >= r->end) return 0;
  if (!read_varint(r, &tag)) return -1;
  f->field = (uint32_t)(tag >> 3);
  f->wire = (uint32_t)(tag & 7);
  switch (f->wire) {
    case 0:
      return read_varint(r, &f->value) ? 1 : -1;
    case 1:
      if (r->end - r->p < 8) return -1;
      r->p += 8;
      return 1;
    case 2:
      if (!read_varint(r, &len) || (uint64_t)(r->end - r->p) < len) return -1;
      f->sub.p = r->p;
      f->sub.end = r->p + len;
      r->p += len;
      return 1;
    case 5:
      if (r->end - r->p < 4) return -1;
      r->p += 4;
      return 1;
    default:
      return -1;
  }
}

static char *copy_string(Reader s) {
  size_t n = (size_t)(s.end - s.p);
  char *out = malloc(n + 1);
  memcpy(out, s.p, n);
  out[n] = 0;
  return out;
}

static int equals(Reader s, const char *text) {
  size_t n = strlen(text);
  return (size_t)(s.end - s.p) == n && memcmp(s.p, text, n) == 0;
}

/* A map<string, Message> entry: key = field 1, value = field 2. */
static int map_entry(Reader entry, Reader *key, Reader *value) {
  Field f;
  int rc, got = 0;
  while ((rc = next_field(&entry, &f)) == 1) {
    if (f.wire != 2) continue;
    if (f.field == 1) *key = f.sub, got |= 1;
    if (f.field == 2) *value = f.sub, got |= 2;
  }
  if (rc < 0) return 0;
  if (!(got & 2)) value->p = value->end = key->end; /* empty message */
  return got & 1;
}

typedef struct {
  char *key, *name;
  int dtype;
} TensorRef;

/* TensorInfo: name = 1 (string), dtype = 2 (enum). */
static int tensor_info(Reader info, TensorRef *ref) {
  Field f;
  int rc;
  ref->name = NULL;
  ref->dtype = 0;
  while ((rc = next_field(&info, &f)) == 1) {
    if (f.field == 1 && f.wire == 2) ref->name = copy_string(f.sub);
    if (f.field == 2 && f.wire == 0) ref->dtype = (int)f.value;
  }
  return rc == 0 && ref->name != NULL;
}

/* Finds signature_def[signature] (MetaGraphDef field 5) and reads its
 * inputs (SignatureDef field 1) and outputs (field 2). */
static int read_signature(const TF_Buffer *meta, const char *signature,
                          TensorRef *inputs, int *n_in, TensorRef *outputs,
                          int *n_out) {
  Reader r = {meta->data, (const uint8_t *)meta->data + meta->length};
  Field f;
  int rc;
  while ((rc = next_field(&r, &f)) == 1) {
    Reader key, sig;
    if (f.field != 5 || f.wire != 2) continue;
    if (!map_entry(f.sub, &key, &sig) || !equals(key, signature)) continue;
    Field g;
    *n_in = *n_out = 0;
    while ((rc = next_field(&sig, &g)) == 1) {
      Reader k, v;
      TensorRef *list;
      int *count;
      if (g.wire != 2 || (g.field != 1 && g.field != 2)) continue;
      list = g.field == 1 ? inputs : outputs;
      count = g.field == 1 ? n_in : n_out;
      if (*count >= MAX_KEYS || !map_entry(g.sub, &k, &v) ||
          !tensor_info(v, &list[*count]))
        return 0;
      list[*count].key = copy_string(k);
      ++*count;
    }
    return rc == 0;
  }
  return 0;
}

/* ---- running the signature ---------------------------------------------- */

static TF_Output find_output(TF_Graph *graph, const char *tensor_name) {
  /* "op_name:index" */
  TF_Output out = {NULL, 0};
  char *op = strdup(tensor_name);
  char *colon = strrchr(op, ':');
  if (colon) {
    *colon = 0;
    out.index = atoi(colon + 1);
  }
  out.oper = TF_GraphOperationByName(graph, op);
  free(op);
  return out;
}

static size_t dtype_size(TF_DataType dtype) {
  return dtype == TF_INT64 ? 8 : dtype == TF_FLOAT ? 4 : 0;
}

static int fail(const char *what, TF_Status *status) {
  fprintf(stderr, "serve_check: %s: %s\n", what,
          status ? TF_Message(status) : "");
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr,
            "usage: %s EXPORT_DIR SIGNATURE INPUT_FILE OUT_DIR DIM0 "
            "[DIM1 ...]\n",
            argv[0]);
    return 1;
  }
  const char *export_dir = argv[1], *signature = argv[2], *input_file = argv[3],
             *out_dir = argv[4];
  int ndims = argc - 5;
  int64_t dims[MAX_DIMS];
  if (ndims > MAX_DIMS) return fail("too many dimensions", NULL);
  size_t n_values = 1;
  for (int i = 0; i < ndims; ++i) {
    dims[i] = atoll(argv[5 + i]);
    n_values *= (size_t)dims[i];
  }

  TF_Status *status = TF_NewStatus();
  TF_Graph *graph = TF_NewGraph();
  TF_SessionOptions *options = TF_NewSessionOptions();
  TF_Buffer *meta = TF_NewBuffer();
  const char *tags[] = {"serve"};
  TF_Session *session = TF_LoadSessionFromSavedModel(
      options, NULL, export_dir, tags, 1, graph, meta, status);
  if (TF_GetCode(status) != TF_OK) return fail("loading the SavedModel", status);

  char path[4096];
  snprintf(path, sizeof path, "%s/meta_graph_def.pb", out_dir);
  FILE *fp = fopen(path, "wb");
  if (!fp || fwrite(meta->data, 1, meta->length, fp) != meta->length)
    return fail("writing meta_graph_def.pb", NULL);
  fclose(fp);

  TensorRef inputs[MAX_KEYS], outputs[MAX_KEYS];
  int n_in = 0, n_out = 0;
  if (!read_signature(meta, signature, inputs, &n_in, outputs, &n_out))
    return fail("signature not found in the MetaGraphDef", NULL);
  if (n_in != 1 || n_out < 1)
    return fail("expected a signature with one input and some outputs", NULL);

  TF_DataType in_type = (TF_DataType)inputs[0].dtype;
  size_t in_bytes = n_values * dtype_size(in_type);
  if (in_bytes == 0 && n_values) return fail("unsupported input dtype", NULL);
  TF_Tensor *input = TF_AllocateTensor(in_type, dims, ndims, in_bytes);
  fp = fopen(input_file, "rb");
  if (!fp || fread(TF_TensorData(input), 1, in_bytes, fp) != in_bytes)
    return fail("reading the input file", NULL);
  fclose(fp);
  printf("input %s %s %d\n", inputs[0].key, inputs[0].name, inputs[0].dtype);

  TF_Output feed = find_output(graph, inputs[0].name);
  TF_Output fetches[MAX_KEYS];
  TF_Tensor *results[MAX_KEYS];
  if (!feed.oper) return fail("input tensor not in the graph", NULL);
  for (int i = 0; i < n_out; ++i) {
    fetches[i] = find_output(graph, outputs[i].name);
    if (!fetches[i].oper) return fail("output tensor not in the graph", NULL);
  }
  TF_SessionRun(session, NULL, &feed, &input, 1, fetches, results, n_out,
                NULL, 0, NULL, status);
  if (TF_GetCode(status) != TF_OK) return fail("running the signature", status);

  for (int i = 0; i < n_out; ++i) {
    TF_Tensor *t = results[i];
    snprintf(path, sizeof path, "%s/%s.bin", out_dir, outputs[i].key);
    fp = fopen(path, "wb");
    size_t bytes = TF_TensorByteSize(t);
    if (!fp || fwrite(TF_TensorData(t), 1, bytes, fp) != bytes)
      return fail("writing an output", NULL);
    fclose(fp);
    printf("output %s %s %d", outputs[i].key, outputs[i].name,
           (int)TF_TensorType(t));
    for (int d = 0; d < TF_NumDims(t); ++d) printf(" %lld", (long long)TF_Dim(t, d));
    printf("\n");
    TF_DeleteTensor(t);
  }
  TF_DeleteTensor(input);
  TF_CloseSession(session, status);
  TF_DeleteSession(session, status);
  TF_DeleteBuffer(meta);
  TF_DeleteSessionOptions(options);
  TF_DeleteGraph(graph);
  TF_DeleteStatus(status);
  return 0;
}
