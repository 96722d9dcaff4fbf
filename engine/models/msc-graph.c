/* engine/models/msc-graph.c — parsing, validating and writing JSON graphs.
 *
 * Ops are known through one const table (name, input count, params); shape
 * propagation runs once at load so parameter names and shapes are fixed
 * data that a weights file can be checked against.
 */
#include "msc-graph.h"
#include "msc-nn-error.h"
#include "msc-models-private.h"

#include <math.h>
#include <string.h>

typedef struct {
  gint64 d[MSC_TENSOR_MAX_DIMS];   /* -1 = unknown (batch, free H/W) */
  guint n;
} Shape;

typedef enum {
  P_POS_INT,      /* integer >= 1 */
  P_NONNEG_INT,   /* integer >= 0 */
  P_INT,
  P_BOOL,
  P_POS_NUMBER,   /* finite number > 0 */
  P_PROB,         /* 0 <= p < 1 */
} ParamKind;

typedef struct {
  const char *name;
  ParamKind kind;
  gboolean required;
} ParamSpec;

typedef struct _OpInfo OpInfo;

typedef struct {
  const char *file;
  MscGraph *graph;
  MscGraphNode *node;
  const Shape *in;                  /* shapes of the node's inputs */
} InferCtx;

struct _OpInfo {
  const char *name;
  guint min_inputs, max_inputs;
  const ParamSpec *params;          /* terminated by { NULL } */
  gboolean (*infer) (InferCtx *ctx, Shape *out, GError **error);
};

struct _MscGraphNode {
  char *name;
  const OpInfo *op;
  char **inputs;                    /* NULL-terminated */
  guint n_inputs;
  guint *input_values;              /* indices into the value table */
  JsonObject *params;
  Shape out;
};

typedef struct {
  char *name;
  Shape shape;
} Param;

struct _MscGraph {
  char *file;
  char *name;
  char *description;                /* nullable */
  char **input_names;
  Shape *input_shapes;
  guint n_inputs;
  char **outputs;
  guint n_outputs;
  MscGraphNode *nodes;
  guint n_nodes;
  guint *topo;
  GHashTable *values;               /* name -> value index + 1 (inputs first) */
  GArray *params;                   /* Param */
};

static gboolean
fail (GError **error, int code, const char *file, const char *fmt, ...) G_GNUC_PRINTF (4, 5);

static gboolean
fail (GError **error, int code, const char *file, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, MSC_NN_ERROR, code, "%s: %s", file, msg);
  return FALSE;
}

#define NODE_FAIL(ctx, error, ...) \
  node_fail ((ctx)->file, (ctx)->node, error, __VA_ARGS__)

static gboolean
node_fail (const char *file, const MscGraphNode *node, GError **error, const char *fmt, ...)
  G_GNUC_PRINTF (4, 5);

static gboolean
node_fail (const char *file, const MscGraphNode *node, GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID, "%s: node '%s' (%s): %s",
               file, node->name, node->op ? node->op->name : "?", msg);
  return FALSE;
}

static char *
shape_string (const Shape *s)
{
  GString *str = g_string_new ("(");
  for (guint i = 0; i < s->n; i++)
    {
      if (i)
        g_string_append (str, ", ");
      if (s->d[i] < 0)
        g_string_append_c (str, '?');
      else
        g_string_append_printf (str, "%" G_GINT64_FORMAT, s->d[i]);
    }
  g_string_append_c (str, ')');
  return g_string_free (str, FALSE);
}

/* ---- params ------------------------------------------------------------ */

static gint64
param_int (const MscGraphNode *node, const char *name, gint64 fallback)
{
  JsonNode *v = json_object_get_member (node->params, name);
  return v ? json_node_get_int (v) : fallback;
}

static double
param_double (const MscGraphNode *node, const char *name, double fallback)
{
  JsonNode *v = json_object_get_member (node->params, name);
  return v ? json_node_get_double (v) : fallback;
}

static gboolean
param_bool (const MscGraphNode *node, const char *name, gboolean fallback)
{
  JsonNode *v = json_object_get_member (node->params, name);
  return v ? json_node_get_boolean (v) : fallback;
}

static void
add_param (InferCtx *ctx, const char *suffix, guint n, gint64 d0, gint64 d1, gint64 d2, gint64 d3)
{
  Param p = { g_strconcat (ctx->node->name, ".", suffix, NULL), { { d0, d1, d2, d3 }, n } };
  g_array_append_val (ctx->graph->params, p);
}

/* Extents and params below 2^24 (far beyond any image) keep every product
 * in the shape arithmetic below 2^50, so hostile params cannot overflow. */
#define MAX_EXTENT (G_GINT64_CONSTANT (1) << 24)

static gboolean
need_channels (InferCtx *ctx, guint rank, GError **error)
{
  const Shape *in = &ctx->in[0];
  if (in->n != rank)
    return NODE_FAIL (ctx, error, "input '%s' has %u dimensions, expected %u",
                      ctx->node->inputs[0], in->n, rank);
  if (in->d[1] < 1)
    return NODE_FAIL (ctx, error, "input '%s' has an unknown channel count", ctx->node->inputs[0]);
  return TRUE;
}

/* ---- shape inference, one function per op family ----------------------- */

static gboolean
infer_conv (InferCtx *ctx, Shape *out, GError **error)
{
  if (!need_channels (ctx, 4, error))
    return FALSE;
  const MscGraphNode *n = ctx->node;
  gboolean transposed = n->op->name[4] == '_';
  gint64 c = ctx->in[0].d[1];
  gint64 o = param_int (n, "out_channels", 1), k = param_int (n, "kernel", 1);
  gint64 s = param_int (n, "stride", 1), p = param_int (n, "padding", 0);
  gint64 dil = param_int (n, "dilation", 1), g = param_int (n, "groups", 1);
  gint64 op = param_int (n, "output_padding", 0);
  if (MAX (MAX (o, k), MAX (MAX (s, p), MAX (dil, op))) >= MAX_EXTENT)
    return NODE_FAIL (ctx, error, "a parameter exceeds %" G_GINT64_FORMAT, MAX_EXTENT);
  if (c % g != 0 || o % g != 0)
    return NODE_FAIL (ctx, error, "groups %" G_GINT64_FORMAT " does not divide %" G_GINT64_FORMAT
                      " input and %" G_GINT64_FORMAT " output channels", g, c, o);
  if (transposed && op >= MAX (s, dil))
    return NODE_FAIL (ctx, error, "output_padding must be smaller than stride or dilation");
  *out = ctx->in[0];
  out->d[1] = o;
  for (guint i = 2; i < 4; i++)
    {
      gint64 h = ctx->in[0].d[i];
      if (h < 0)
        continue;
      if (h >= MAX_EXTENT)
        return NODE_FAIL (ctx, error, "input extent %" G_GINT64_FORMAT " is too large", h);
      out->d[i] = transposed ? (h - 1) * s - 2 * p + dil * (k - 1) + op + 1
                             : (h + 2 * p - dil * (k - 1) - 1) / s + 1;
      if (out->d[i] < 1 || (!transposed && h + 2 * p - dil * (k - 1) - 1 < 0))
        return NODE_FAIL (ctx, error, "kernel does not fit an input of extent %" G_GINT64_FORMAT, h);
    }
  if (transposed)
    add_param (ctx, "weight", 4, c, o / g, k, k);   /* PyTorch's layout (in, out/g, k, k) */
  else
    add_param (ctx, "weight", 4, o, c / g, k, k);
  if (param_bool (n, "bias", TRUE))
    add_param (ctx, "bias", 1, o, 0, 0, 0);
  return TRUE;
}

static gboolean
infer_norm (InferCtx *ctx, Shape *out, GError **error)
{
  const Shape *in = &ctx->in[0];
  if (in->n < 2 || in->d[1] < 1)
    return NODE_FAIL (ctx, error, "input '%s' needs a known channel axis", ctx->node->inputs[0]);
  gint64 c = in->d[1];
  *out = *in;
  if (strcmp (ctx->node->op->name, "group_norm") == 0)
    {
      gint64 g = param_int (ctx->node, "groups", 1);
      if (c % g != 0)
        return NODE_FAIL (ctx, error, "%" G_GINT64_FORMAT " groups do not divide %" G_GINT64_FORMAT
                          " channels", g, c);
      add_param (ctx, "weight", 1, c, 0, 0, 0);
      add_param (ctx, "bias", 1, c, 0, 0, 0);
      return TRUE;
    }
  add_param (ctx, "weight", 1, c, 0, 0, 0);
  add_param (ctx, "bias", 1, c, 0, 0, 0);
  add_param (ctx, "running_mean", 1, c, 0, 0, 0);
  add_param (ctx, "running_var", 1, c, 0, 0, 0);
  return TRUE;
}

static gboolean
infer_same (InferCtx *ctx, Shape *out, GError **error)
{
  *out = ctx->in[0];
  if (strcmp (ctx->node->op->name, "softmax") == 0)
    {
      gint64 axis = param_int (ctx->node, "axis", 1);
      if (axis < -(gint64) out->n || axis >= (gint64) out->n)
        return NODE_FAIL (ctx, error, "axis %" G_GINT64_FORMAT " is out of range for %u dimensions",
                          axis, out->n);
    }
  return TRUE;
}

static gboolean
infer_pool (InferCtx *ctx, Shape *out, GError **error)
{
  if (!need_channels (ctx, 4, error))
    return FALSE;
  gint64 k = param_int (ctx->node, "kernel", 1);
  gint64 s = param_int (ctx->node, "stride", k), p = param_int (ctx->node, "padding", 0);
  if (MAX (k, MAX (s, p)) >= MAX_EXTENT)
    return NODE_FAIL (ctx, error, "a parameter exceeds %" G_GINT64_FORMAT, MAX_EXTENT);
  /* PyTorch's rule: a window must always see at least one real pixel. */
  if (2 * p > k)
    return NODE_FAIL (ctx, error, "padding %" G_GINT64_FORMAT " exceeds half the kernel %"
                      G_GINT64_FORMAT, p, k);
  *out = ctx->in[0];
  for (guint i = 2; i < 4; i++)
    {
      gint64 h = out->d[i];
      if (h < 0)
        continue;
      if (h >= MAX_EXTENT || h + 2 * p < k)
        return NODE_FAIL (ctx, error, "kernel does not fit an input of extent %" G_GINT64_FORMAT, h);
      out->d[i] = (h + 2 * p - k) / s + 1;
    }
  return TRUE;
}

static gboolean
infer_global_pool (InferCtx *ctx, Shape *out, GError **error)
{
  if (!need_channels (ctx, 4, error))
    return FALSE;
  *out = ctx->in[0];
  out->d[2] = out->d[3] = 1;
  return TRUE;
}

static gboolean
infer_resize (InferCtx *ctx, Shape *out, GError **error)
{
  if (!need_channels (ctx, 4, error))
    return FALSE;
  gboolean has_scale = json_object_has_member (ctx->node->params, "scale");
  if ((ctx->node->n_inputs == 2) == has_scale)
    return NODE_FAIL (ctx, error, "give either \"scale\" or a second input whose size to match");
  *out = ctx->in[0];
  if (ctx->node->n_inputs == 2)
    {
      if (ctx->in[1].n != 4)
        return NODE_FAIL (ctx, error, "size input '%s' is not 4-dimensional", ctx->node->inputs[1]);
      out->d[2] = ctx->in[1].d[2];
      out->d[3] = ctx->in[1].d[3];
      return TRUE;
    }
  double scale = param_double (ctx->node, "scale", 1.0);
  for (guint i = 2; i < 4; i++)
    if (out->d[i] >= 0)
      {
        double e = floor ((double) out->d[i] * scale);
        if (e < 1 || e >= (double) MAX_EXTENT)
          return NODE_FAIL (ctx, error, "scale %g gives an output extent of %g", scale, e);
        out->d[i] = (gint64) e;
      }
  return TRUE;
}

static gboolean
infer_concat (InferCtx *ctx, Shape *out, GError **error)
{
  const MscGraphNode *n = ctx->node;
  gint64 axis = param_int (n, "axis", 1);
  *out = ctx->in[0];
  if (axis < 1 || axis >= (gint64) out->n)
    return NODE_FAIL (ctx, error, "axis %" G_GINT64_FORMAT " is not a non-batch axis", axis);
  for (guint k = 1; k < n->n_inputs; k++)
    {
      const Shape *s = &ctx->in[k];
      if (s->n != out->n)
        return NODE_FAIL (ctx, error, "input '%s' has %u dimensions, '%s' has %u",
                          n->inputs[k], s->n, n->inputs[0], out->n);
      for (guint i = 1; i < s->n; i++)
        {
          if (i == axis)
            out->d[i] = (out->d[i] < 0 || s->d[i] < 0) ? -1 : out->d[i] + s->d[i];
          else if (out->d[i] >= 0 && s->d[i] >= 0 && out->d[i] != s->d[i])
            {
              g_autofree char *a = shape_string (&ctx->in[0]), *b = shape_string (s);
              return NODE_FAIL (ctx, error, "inputs %s and %s differ off the concat axis", a, b);
            }
          else if (out->d[i] < 0)
            out->d[i] = s->d[i];
        }
      if (out->d[axis] >= MAX_EXTENT)
        return NODE_FAIL (ctx, error, "concatenated extent is too large");
    }
  return TRUE;
}

/* add and mul broadcast size-1 dimensions, as squeeze-excitation needs. */
static gboolean
infer_broadcast (InferCtx *ctx, Shape *out, GError **error)
{
  const Shape *a = &ctx->in[0], *b = &ctx->in[1];
  if (a->n != b->n)
    return NODE_FAIL (ctx, error, "inputs have %u and %u dimensions", a->n, b->n);
  *out = *a;
  for (guint i = 0; i < a->n; i++)
    {
      gint64 x = a->d[i], y = b->d[i];
      if (x == 1)
        out->d[i] = y;
      else if (y == 1 || x == y)
        out->d[i] = x;
      else if (x < 0 || y < 0)
        out->d[i] = x < 0 ? y : x;   /* unknown matches at run time or fails there */
      else
        {
          g_autofree char *sa = shape_string (a), *sb = shape_string (b);
          return NODE_FAIL (ctx, error, "shapes %s and %s do not broadcast", sa, sb);
        }
    }
  return TRUE;
}

/* dense maps features: (N, F) -> (N, out), or (N, C, 1, 1) -> (N, out, 1, 1)
 * so that a pooled feature map feeds it without a flatten. */
static gboolean
infer_dense (InferCtx *ctx, Shape *out, GError **error)
{
  const Shape *in = &ctx->in[0];
  gboolean pooled = in->n == 4 && in->d[2] == 1 && in->d[3] == 1;
  if (!(in->n == 2 || pooled) || in->d[1] < 1)
    {
      g_autofree char *s = shape_string (in);
      return NODE_FAIL (ctx, error, "input %s is neither (N, F) nor (N, C, 1, 1) with known F or C", s);
    }
  gint64 o = param_int (ctx->node, "out_features", 1);
  if (o >= MAX_EXTENT)
    return NODE_FAIL (ctx, error, "out_features is too large");
  *out = *in;
  out->d[1] = o;
  add_param (ctx, "weight", 2, o, in->d[1], 0, 0);
  if (param_bool (ctx->node, "bias", TRUE))
    add_param (ctx, "bias", 1, o, 0, 0, 0);
  return TRUE;
}

static gboolean
infer_flatten (InferCtx *ctx, Shape *out, GError **error)
{
  const Shape *in = &ctx->in[0];
  if (in->n < 2)
    return NODE_FAIL (ctx, error, "input has fewer than 2 dimensions");
  gint64 f = 1;
  for (guint i = 1; i < in->n && f > 0; i++)
    f = in->d[i] < 0 || in->d[i] >= MAX_EXTENT || f * in->d[i] >= MAX_EXTENT ? -1 : f * in->d[i];
  out->n = 2;
  out->d[0] = in->d[0];
  out->d[1] = f;
  return TRUE;
}

/* ---- the op table ------------------------------------------------------ */

static const ParamSpec conv_params[] = {
  { "out_channels", P_POS_INT, TRUE }, { "kernel", P_POS_INT, TRUE },
  { "stride", P_POS_INT, FALSE }, { "padding", P_NONNEG_INT, FALSE },
  { "dilation", P_POS_INT, FALSE }, { "groups", P_POS_INT, FALSE },
  { "bias", P_BOOL, FALSE }, { NULL, 0, FALSE },
};
static const ParamSpec convt_params[] = {
  { "out_channels", P_POS_INT, TRUE }, { "kernel", P_POS_INT, TRUE },
  { "stride", P_POS_INT, FALSE }, { "padding", P_NONNEG_INT, FALSE },
  { "output_padding", P_NONNEG_INT, FALSE }, { "dilation", P_POS_INT, FALSE },
  { "groups", P_POS_INT, FALSE }, { "bias", P_BOOL, FALSE }, { NULL, 0, FALSE },
};
static const ParamSpec bn_params[] = {
  { "eps", P_POS_NUMBER, FALSE }, { "momentum", P_PROB, FALSE }, { NULL, 0, FALSE },
};
static const ParamSpec gn_params[] = {
  { "groups", P_POS_INT, TRUE }, { "eps", P_POS_NUMBER, FALSE }, { NULL, 0, FALSE },
};
static const ParamSpec no_params[] = { { NULL, 0, FALSE } };
static const ParamSpec softmax_params[] = { { "axis", P_INT, FALSE }, { NULL, 0, FALSE } };
static const ParamSpec pool_params[] = {
  { "kernel", P_POS_INT, TRUE }, { "stride", P_POS_INT, FALSE },
  { "padding", P_NONNEG_INT, FALSE }, { NULL, 0, FALSE },
};
static const ParamSpec resize_params[] = {
  { "scale", P_POS_NUMBER, FALSE }, { "align_corners", P_BOOL, FALSE }, { NULL, 0, FALSE },
};
static const ParamSpec concat_params[] = { { "axis", P_INT, FALSE }, { NULL, 0, FALSE } };
static const ParamSpec dense_params[] = {
  { "out_features", P_POS_INT, TRUE }, { "bias", P_BOOL, FALSE }, { NULL, 0, FALSE },
};
static const ParamSpec dropout_params[] = { { "p", P_PROB, FALSE }, { NULL, 0, FALSE } };

static const OpInfo ops[] = {
  { "conv2d", 1, 1, conv_params, infer_conv },
  { "conv_transpose2d", 1, 1, convt_params, infer_conv },
  { "batch_norm", 1, 1, bn_params, infer_norm },
  { "group_norm", 1, 1, gn_params, infer_norm },
  { "relu", 1, 1, no_params, infer_same },
  { "silu", 1, 1, no_params, infer_same },
  { "sigmoid", 1, 1, no_params, infer_same },
  { "softmax", 1, 1, softmax_params, infer_same },
  { "max_pool", 1, 1, pool_params, infer_pool },
  { "avg_pool", 1, 1, pool_params, infer_pool },
  { "global_avg_pool", 1, 1, no_params, infer_global_pool },
  { "resize_bilinear", 1, 2, resize_params, infer_resize },
  { "concat", 2, G_MAXUINT, concat_params, infer_concat },
  { "add", 2, 2, no_params, infer_broadcast },
  { "mul", 2, 2, no_params, infer_broadcast },
  { "dense", 1, 1, dense_params, infer_dense },
  { "dropout", 1, 1, dropout_params, infer_same },
  { "flatten", 1, 1, no_params, infer_flatten },
};

static const OpInfo *
op_lookup (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (ops); i++)
    if (strcmp (ops[i].name, name) == 0)
      return &ops[i];
  return NULL;
}

static gboolean
check_param_value (const char *file, const MscGraphNode *node, const ParamSpec *spec,
                   JsonNode *v, GError **error)
{
  GType t = JSON_NODE_HOLDS_VALUE (v) ? json_node_get_value_type (v) : G_TYPE_INVALID;
  gboolean is_int = t == G_TYPE_INT64;
  gboolean is_number = is_int || t == G_TYPE_DOUBLE;
  gboolean ok;
  switch (spec->kind)
    {
    case P_POS_INT: ok = is_int && json_node_get_int (v) >= 1; break;
    case P_NONNEG_INT: ok = is_int && json_node_get_int (v) >= 0; break;
    case P_INT: ok = is_int; break;
    case P_BOOL: ok = t == G_TYPE_BOOLEAN; break;
    case P_POS_NUMBER: ok = is_number && isfinite (json_node_get_double (v)) && json_node_get_double (v) > 0; break;
    case P_PROB: ok = is_number && json_node_get_double (v) >= 0 && json_node_get_double (v) < 1; break;
    default: ok = FALSE;
    }
  if (ok)
    return TRUE;
  static const char *const wanted[] = {
    "an integer >= 1", "an integer >= 0", "an integer", "true or false",
    "a positive finite number", "a number in [0, 1)",
  };
  return node_fail (file, node, error, "param \"%s\" must be %s", spec->name, wanted[spec->kind]);
}

static gboolean
check_params (const char *file, const MscGraphNode *node, GError **error)
{
  const OpInfo *op = node->op;
  JsonObjectIter it;
  const char *key;
  JsonNode *v;
  json_object_iter_init (&it, node->params);
  while (json_object_iter_next (&it, &key, &v))
    {
      const ParamSpec *spec = op->params;
      while (spec->name && strcmp (spec->name, key) != 0)
        spec++;
      if (spec->name == NULL)
        {
          g_autoptr (GString) allowed = g_string_new (NULL);
          for (spec = op->params; spec->name; spec++)
            g_string_append_printf (allowed, "%s%s", allowed->len ? ", " : "", spec->name);
          return node_fail (file, node, error, "unknown param \"%s\" (allowed: %s)", key,
                            allowed->len ? allowed->str : "none");
        }
      if (!check_param_value (file, node, spec, v, error))
        return FALSE;
    }
  for (const ParamSpec *spec = op->params; spec->name; spec++)
    if (spec->required && !json_object_has_member (node->params, spec->name))
      return node_fail (file, node, error, "param \"%s\" is required", spec->name);
  return TRUE;
}

/* ---- parsing ----------------------------------------------------------- */

void
msc_graph_free (MscGraph *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < self->n_nodes; i++)
    {
      MscGraphNode *n = &self->nodes[i];
      g_free (n->name);
      g_strfreev (n->inputs);
      g_free (n->input_values);
      g_clear_pointer (&n->params, json_object_unref);
    }
  g_free (self->nodes);
  g_strfreev (self->input_names);
  g_free (self->input_shapes);
  g_strfreev (self->outputs);
  g_free (self->topo);
  g_clear_pointer (&self->values, g_hash_table_unref);
  if (self->params)
    for (guint i = 0; i < self->params->len; i++)
      g_free (g_array_index (self->params, Param, i).name);
  g_clear_pointer (&self->params, g_array_unref);
  g_free (self->name);
  g_free (self->description);
  g_free (self->file);
  g_free (self);
}

static const char *
get_string (JsonObject *obj, const char *key)
{
  JsonNode *v = json_object_get_member (obj, key);
  if (v == NULL || !JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (v);
}

static JsonArray *
get_array (JsonObject *obj, const char *key)
{
  JsonNode *v = json_object_get_member (obj, key);
  return v && JSON_NODE_HOLDS_ARRAY (v) ? json_node_get_array (v) : NULL;
}

/* Names go into one table with graph inputs first (value index i) and
 * nodes after (n_inputs + i); a name may be defined once. */
static gboolean
define_value (MscGraph *self, const char *name, guint index, GError **error)
{
  if (name[0] == '\0')
    return fail (error, MSC_NN_ERROR_INVALID, self->file, "a graph input or node has an empty name");
  if (g_hash_table_contains (self->values, name))
    return fail (error, MSC_NN_ERROR_INVALID, self->file, "name '%s' is defined twice", name);
  g_hash_table_insert (self->values, (gpointer) name, GUINT_TO_POINTER (index + 1));
  return TRUE;
}

static gboolean
parse_inputs (MscGraph *self, JsonArray *inputs, GError **error)
{
  self->n_inputs = json_array_get_length (inputs);
  if (self->n_inputs == 0 || self->n_inputs > 64)
    return fail (error, MSC_NN_ERROR_INVALID, self->file, "\"inputs\" must list 1 to 64 inputs");
  self->input_names = g_new0 (char *, self->n_inputs + 1);
  self->input_shapes = g_new0 (Shape, self->n_inputs);
  for (guint i = 0; i < self->n_inputs; i++)
    {
      JsonNode *e = json_array_get_element (inputs, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL;
      const char *name = o ? get_string (o, "name") : NULL;
      JsonArray *shape = o ? get_array (o, "shape") : NULL;
      if (name == NULL || shape == NULL || json_object_get_size (o) != 2)
        return fail (error, MSC_NN_ERROR_INVALID, self->file,
                     "input %u must be {\"name\": string, \"shape\": array}", i);
      self->input_names[i] = g_strdup (name);
      guint rank = json_array_get_length (shape);
      if (rank < 1 || rank > MSC_TENSOR_MAX_DIMS)
        return fail (error, MSC_NN_ERROR_INVALID, self->file, "input '%s' has %u dimensions; 1 to %d allowed",
                     name, rank, MSC_TENSOR_MAX_DIMS);
      Shape *s = &self->input_shapes[i];
      s->n = rank;
      for (guint d = 0; d < rank; d++)
        {
          JsonNode *v = json_array_get_element (shape, d);
          if (JSON_NODE_HOLDS_NULL (v))
            s->d[d] = -1;
          else if (JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_INT64 &&
                   json_node_get_int (v) >= 1 && json_node_get_int (v) < MAX_EXTENT)
            s->d[d] = json_node_get_int (v);
          else
            return fail (error, MSC_NN_ERROR_INVALID, self->file,
                         "input '%s': shape[%u] must be null or a positive integer", name, d);
        }
      if (!define_value (self, self->input_names[i], i, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_node (MscGraph *self, guint index, JsonNode *e, GError **error)
{
  MscGraphNode *n = &self->nodes[index];
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL;
  const char *name = o ? get_string (o, "name") : NULL;
  if (name == NULL)
    return fail (error, MSC_NN_ERROR_INVALID, self->file, "node %u has no \"name\" string", index);
  n->name = g_strdup (name);
  const char *op = get_string (o, "op");
  JsonArray *inputs = get_array (o, "inputs");
  JsonNode *params = json_object_get_member (o, "params");
  if (op == NULL || inputs == NULL || (params && !JSON_NODE_HOLDS_OBJECT (params)))
    return node_fail (self->file, n, error, "needs \"op\" (string), \"inputs\" (array) and "
                      "optionally \"params\" (object)");
  if (json_object_get_size (o) != (params ? 4u : 3u))
    return node_fail (self->file, n, error, "has members other than name, op, inputs and params");
  n->op = op_lookup (op);
  if (n->op == NULL)
    return node_fail (self->file, n, error, "unknown op \"%s\"", op);
  n->params = params ? json_object_ref (json_node_get_object (params)) : json_object_new ();
  n->n_inputs = json_array_get_length (inputs);
  if (n->n_inputs < n->op->min_inputs || n->n_inputs > n->op->max_inputs || n->n_inputs > 1024)
    return node_fail (self->file, n, error, "takes %u%s inputs, got %u", n->op->min_inputs,
                      n->op->max_inputs == n->op->min_inputs ? "" :
                      n->op->max_inputs == G_MAXUINT ? " or more" : " or 2", n->n_inputs);
  n->inputs = g_new0 (char *, n->n_inputs + 1);
  for (guint i = 0; i < n->n_inputs; i++)
    {
      JsonNode *v = json_array_get_element (inputs, i);
      if (!JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_STRING)
        return node_fail (self->file, n, error, "input %u is not a string", i);
      n->inputs[i] = g_strdup (json_node_get_string (v));
    }
  if (!check_params (self->file, n, error))
    return FALSE;
  return define_value (self, n->name, self->n_inputs + index, error);
}

static gboolean
resolve_inputs (MscGraph *self, GError **error)
{
  for (guint i = 0; i < self->n_nodes; i++)
    {
      MscGraphNode *n = &self->nodes[i];
      n->input_values = g_new (guint, n->n_inputs + 1);
      for (guint k = 0; k < n->n_inputs; k++)
        {
          guint v = GPOINTER_TO_UINT (g_hash_table_lookup (self->values, n->inputs[k]));
          if (v == 0)
            return node_fail (self->file, n, error, "input '%s' is neither a graph input nor a node",
                              n->inputs[k]);
          n->input_values[k] = v - 1;
        }
    }
  for (guint i = 0; i < self->n_outputs; i++)
    if (!g_hash_table_contains (self->values, self->outputs[i]))
      return fail (error, MSC_NN_ERROR_INVALID, self->file, "output '%s' is not a node or graph input",
                   self->outputs[i]);
  return TRUE;
}

/* Walks back along unfinished inputs from a node left over by Kahn's
 * algorithm; every such node has one, so the walk must revisit a node. */
static gboolean
report_cycle (MscGraph *self, const guint *indegree, GError **error)
{
  guint start = 0;
  while (indegree[start] == 0)
    start++;
  g_autofree guint *step = g_new0 (guint, self->n_nodes);   /* 0 = not visited */
  g_autoptr (GArray) path = g_array_new (FALSE, FALSE, sizeof (guint));
  guint cur = start;
  while (step[cur] == 0)
    {
      g_array_append_val (path, cur);
      step[cur] = path->len;
      const MscGraphNode *n = &self->nodes[cur];
      for (guint k = 0; k < n->n_inputs; k++)
        {
          guint v = n->input_values[k];
          if (v >= self->n_inputs && indegree[v - self->n_inputs] > 0)
            {
              cur = v - self->n_inputs;
              break;
            }
        }
    }
  /* path[step[cur]-1 ..] follows inputs backwards; print it in data-flow order. */
  g_autoptr (GString) s = g_string_new (self->nodes[cur].name);
  for (guint i = path->len; i-- > step[cur] - 1;)
    g_string_append_printf (s, " -> %s", self->nodes[g_array_index (path, guint, i)].name);
  return fail (error, MSC_NN_ERROR_INVALID, self->file, "cycle: %s", s->str);
}

static gboolean
sort_topologically (MscGraph *self, GError **error)
{
  guint n = self->n_nodes;
  g_autofree guint *indegree = g_new0 (guint, n + 1);
  g_autofree guint *n_users = g_new0 (guint, n + 1);
  for (guint i = 0; i < n; i++)
    for (guint k = 0; k < self->nodes[i].n_inputs; k++)
      if (self->nodes[i].input_values[k] >= self->n_inputs)
        {
          indegree[i]++;
          n_users[self->nodes[i].input_values[k] - self->n_inputs]++;
        }
  /* users in CSR form: users of node j are users[first[j] .. first[j+1]). */
  g_autofree guint *first = g_new0 (guint, n + 1);
  for (guint j = 0; j < n; j++)
    first[j + 1] = first[j] + n_users[j];
  g_autofree guint *users = g_new (guint, first[n] + 1);
  g_autofree guint *fill = g_memdup2 (first, (n + 1) * sizeof (guint));
  for (guint i = 0; i < n; i++)
    for (guint k = 0; k < self->nodes[i].n_inputs; k++)
      if (self->nodes[i].input_values[k] >= self->n_inputs)
        users[fill[self->nodes[i].input_values[k] - self->n_inputs]++] = i;

  /* Kahn's algorithm with a FIFO seeded in file order keeps the order of a
   * file that is already sorted. */
  self->topo = g_new (guint, n + 1);
  guint head = 0, tail = 0;
  for (guint i = 0; i < n; i++)
    if (indegree[i] == 0)
      self->topo[tail++] = i;
  while (head < tail)
    {
      guint j = self->topo[head++];
      for (guint u = first[j]; u < first[j + 1]; u++)
        if (--indegree[users[u]] == 0)
          self->topo[tail++] = users[u];
    }
  if (tail < n)
    return report_cycle (self, indegree, error);
  return TRUE;
}

static gboolean
infer_shapes (MscGraph *self, GError **error)
{
  for (guint t = 0; t < self->n_nodes; t++)
    {
      MscGraphNode *n = &self->nodes[self->topo[t]];
      g_autofree Shape *in = g_new0 (Shape, n->n_inputs);
      for (guint k = 0; k < n->n_inputs; k++)
        {
          guint v = n->input_values[k];
          in[k] = v < self->n_inputs ? self->input_shapes[v] : self->nodes[v - self->n_inputs].out;
        }
      InferCtx ctx = { self->file, self, n, in };
      if (!n->op->infer (&ctx, &n->out, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_root (MscGraph *self, JsonNode *root, GError **error)
{
  const char *file = self->file;
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return fail (error, MSC_NN_ERROR_INVALID, file, "not a JSON object");
  JsonObject *obj = json_node_get_object (root);
  const char *format = get_string (obj, "format");
  if (format == NULL || strcmp (format, MSC_GRAPH_FORMAT) != 0)
    return fail (error, MSC_NN_ERROR_INVALID, file, "\"format\" is not \"" MSC_GRAPH_FORMAT "\"");
  JsonNode *version = json_object_get_member (obj, "version");
  if (version == NULL || !JSON_NODE_HOLDS_VALUE (version) ||
      json_node_get_value_type (version) != G_TYPE_INT64)
    return fail (error, MSC_NN_ERROR_INVALID, file, "\"version\" is not an integer");
  if (json_node_get_int (version) != MSC_GRAPH_VERSION)
    return fail (error, MSC_NN_ERROR_UNSUPPORTED, file, "graph version %" G_GINT64_FORMAT
                 " is not supported (this build reads version %d)", json_node_get_int (version),
                 MSC_GRAPH_VERSION);
  JsonObjectIter it;
  const char *key;
  json_object_iter_init (&it, obj);
  while (json_object_iter_next (&it, &key, NULL))
    if (!g_strv_contains ((const char *const[]) { "format", "version", "name", "description",
                                                  "inputs", "outputs", "nodes", NULL }, key))
      return fail (error, MSC_NN_ERROR_INVALID, file, "unknown member \"%s\"", key);
  const char *name = get_string (obj, "name");
  const char *description = get_string (obj, "description");
  if (name == NULL || (json_object_has_member (obj, "description") && description == NULL))
    return fail (error, MSC_NN_ERROR_INVALID, file, "\"name\" (and \"description\" if given) must be strings");
  self->name = g_strdup (name);
  self->description = g_strdup (description);

  JsonArray *inputs = get_array (obj, "inputs"), *outputs = get_array (obj, "outputs");
  JsonArray *nodes = get_array (obj, "nodes");
  if (inputs == NULL || outputs == NULL || nodes == NULL)
    return fail (error, MSC_NN_ERROR_INVALID, file, "\"inputs\", \"outputs\" and \"nodes\" must be arrays");
  if (!parse_inputs (self, inputs, error))
    return FALSE;

  self->n_outputs = json_array_get_length (outputs);
  if (self->n_outputs == 0 || self->n_outputs > 64)
    return fail (error, MSC_NN_ERROR_INVALID, file, "\"outputs\" must list 1 to 64 names");
  self->outputs = g_new0 (char *, self->n_outputs + 1);
  for (guint i = 0; i < self->n_outputs; i++)
    {
      JsonNode *v = json_array_get_element (outputs, i);
      if (!JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_STRING)
        return fail (error, MSC_NN_ERROR_INVALID, file, "output %u is not a string", i);
      self->outputs[i] = g_strdup (json_node_get_string (v));
    }

  guint n_nodes = json_array_get_length (nodes);
  if (n_nodes > MSC_GRAPH_MAX_NODES)
    return fail (error, MSC_NN_ERROR_INVALID, file, "%u nodes; at most %u are allowed",
                 n_nodes, MSC_GRAPH_MAX_NODES);
  self->nodes = g_new0 (MscGraphNode, n_nodes + 1);
  for (guint i = 0; i < n_nodes; i++)
    {
      self->n_nodes = i + 1;   /* so free() sees the partly filled node */
      if (!parse_node (self, i, json_array_get_element (nodes, i), error))
        return FALSE;
    }
  return resolve_inputs (self, error) && sort_topologically (self, error) &&
         infer_shapes (self, error);
}

MscGraph *
msc_graph_load_data (const char *data, gsize length, const char *name, GError **error)
{
  g_autoptr (MscGraph) self = g_new0 (MscGraph, 1);
  self->file = g_path_get_basename (name ? name : "(memory)");
  self->values = g_hash_table_new (g_str_hash, g_str_equal);
  self->params = g_array_new (FALSE, FALSE, sizeof (Param));
  if (length > G_MAXSSIZE || !g_utf8_validate_len (data, length, NULL))
    {
      fail (error, MSC_NN_ERROR_INVALID, self->file, "not valid UTF-8 text");
      return NULL;
    }
  g_auto (MscJsonScan) scan;
  msc_models_json_scan (data, length, &scan);
  if (scan.depth > MSC_MODELS_MAX_JSON_DEPTH)
    {
      fail (error, MSC_NN_ERROR_INVALID, self->file, "JSON nests deeper than %d levels",
            MSC_MODELS_MAX_JSON_DEPTH);
      return NULL;
    }
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) local = NULL;
  if (!json_parser_load_from_data (parser, data, (gssize) length, &local))
    {
      fail (error, MSC_NN_ERROR_INVALID, self->file, "not valid JSON: %s", local->message);
      return NULL;
    }
  if (scan.duplicate || scan.trailing)
    {
      if (scan.duplicate)
        fail (error, MSC_NN_ERROR_INVALID, self->file, "key \"%s\" appears twice in one object",
              scan.duplicate);
      else
        fail (error, MSC_NN_ERROR_INVALID, self->file, "not valid JSON: text after the document");
      return NULL;
    }
  if (!parse_root (self, json_parser_get_root (parser), error))
    return NULL;
  return g_steal_pointer (&self);
}

MscGraph *
msc_graph_load (const char *path, GError **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  g_autoptr (GError) local = NULL;
  if (!g_file_get_contents (path, &data, &length, &local))
    {
      g_autofree char *file = g_path_get_basename (path);
      fail (error, MSC_NN_ERROR_IO, file, "%s", local->message);
      return NULL;
    }
  return msc_graph_load_data (data, length, path, error);
}

/* ---- accessors --------------------------------------------------------- */

const char *msc_graph_get_name (const MscGraph *self) { return self->name; }
guint msc_graph_get_n_inputs (const MscGraph *self) { return self->n_inputs; }
guint msc_graph_get_n_outputs (const MscGraph *self) { return self->n_outputs; }
guint msc_graph_get_n_nodes (const MscGraph *self) { return self->n_nodes; }
const guint *msc_graph_get_topo_order (const MscGraph *self) { return self->topo; }
guint msc_graph_get_n_params (const MscGraph *self) { return self->params->len; }

const char *
msc_graph_get_input (const MscGraph *self, guint i)
{
  g_return_val_if_fail (i < self->n_inputs, NULL);
  return self->input_names[i];
}

const char *
msc_graph_get_output (const MscGraph *self, guint i)
{
  g_return_val_if_fail (i < self->n_outputs, NULL);
  return self->outputs[i];
}

const MscGraphNode *
msc_graph_get_node (const MscGraph *self, guint i)
{
  g_return_val_if_fail (i < self->n_nodes, NULL);
  return &self->nodes[i];
}

const MscGraphNode *
msc_graph_find_node (const MscGraph *self, const char *name)
{
  guint v = GPOINTER_TO_UINT (g_hash_table_lookup (self->values, name));
  return v > self->n_inputs ? &self->nodes[v - 1 - self->n_inputs] : NULL;
}

const char *msc_graph_node_get_name (const MscGraphNode *node) { return node->name; }
const char *msc_graph_node_get_op (const MscGraphNode *node) { return node->op->name; }
guint msc_graph_node_get_n_inputs (const MscGraphNode *node) { return node->n_inputs; }
JsonObject *msc_graph_node_get_params (const MscGraphNode *node) { return node->params; }

const char *
msc_graph_node_get_input (const MscGraphNode *node, guint i)
{
  g_return_val_if_fail (i < node->n_inputs, NULL);
  return node->inputs[i];
}

guint
msc_graph_node_get_output_shape (const MscGraphNode *node, gint64 *shape)
{
  memcpy (shape, node->out.d, node->out.n * sizeof (gint64));
  return node->out.n;
}

const char *
msc_graph_get_param (const MscGraph *self, guint i, gint64 *shape, guint *n_dims)
{
  g_return_val_if_fail (i < self->params->len, NULL);
  const Param *p = &g_array_index (self->params, Param, i);
  if (shape)
    memcpy (shape, p->shape.d, p->shape.n * sizeof (gint64));
  if (n_dims)
    *n_dims = p->shape.n;
  return p->name;
}

/* ---- weights ----------------------------------------------------------- */

gboolean
msc_graph_check_weights (const MscGraph *self, MscSafetensors *weights, GError **error)
{
  g_autoptr (GString) missing = g_string_new (NULL), mismatched = g_string_new (NULL);
  g_autoptr (GString) unexpected = g_string_new (NULL);
  g_autoptr (GHashTable) expected = g_hash_table_new (g_str_hash, g_str_equal);
  guint n_bad = 0;
  for (guint i = 0; i < self->params->len; i++)
    {
      const Param *p = &g_array_index (self->params, Param, i);
      g_hash_table_add (expected, p->name);
      MscTensor *t = msc_safetensors_get (weights, p->name);
      if (t == NULL)
        {
          g_string_append_printf (missing, "%s%s", missing->len ? ", " : "", p->name);
          n_bad++;
          continue;
        }
      gboolean same = msc_tensor_n_dims (t) == p->shape.n;
      for (guint d = 0; same && d < p->shape.n; d++)
        same = msc_tensor_dim (t, d) == p->shape.d[d];
      if (!same)
        {
          g_autofree char *want = shape_string (&p->shape), *got = msc_tensor_shape_string (t);
          g_string_append_printf (mismatched, "%s%s is %s, expected %s", mismatched->len ? "; " : "",
                                  p->name, got, want);
          n_bad++;
        }
    }
  for (const char * const *name = msc_safetensors_get_names (weights); *name; name++)
    if (!g_hash_table_contains (expected, *name))
      {
        g_string_append_printf (unexpected, "%s%s", unexpected->len ? ", " : "", *name);
        n_bad++;
      }
  if (n_bad == 0)
    return TRUE;
  g_autoptr (GString) msg = g_string_new (NULL);
  if (missing->len)
    g_string_append_printf (msg, "missing tensors: %s", missing->str);
  if (unexpected->len)
    g_string_append_printf (msg, "%sunexpected tensors: %s", msg->len ? "; " : "", unexpected->str);
  if (mismatched->len)
    g_string_append_printf (msg, "%sshape mismatch: %s", msg->len ? "; " : "", mismatched->str);
  return fail (error, MSC_NN_ERROR_SHAPE, msc_safetensors_get_filename (weights),
               "does not fit graph '%s' (%s): %s", self->name, self->file, msg->str);
}

/* ---- writing ----------------------------------------------------------- */

/* The graph is written by hand rather than with JsonGenerator: json-glib
 * 1.6 writes a double such as 1e-25 as "1e-25.0", which no parser reads
 * back. The layout is tools/make-presets.py's (one node per line), so a
 * preset serialises to its own bytes. */
static void
append_string (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) s; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (out, "\\%c", *p);
      else if (*p < 0x20)
        g_string_append_printf (out, "\\u%04x", *p);
      else
        g_string_append_c (out, (char) *p);
    }
  g_string_append_c (out, '"');
}

/* Shortest of %.15g and %.17g that reads back exactly, with ".0" on
 * integral values so the type survives a round trip. */
static void
append_double (GString *out, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (buf, sizeof buf, "%.15g", v);
  if (g_ascii_strtod (buf, NULL) != v)
    g_ascii_formatd (buf, sizeof buf, "%.17g", v);
  g_string_append (out, buf);
  if (strpbrk (buf, ".eEn") == NULL)
    g_string_append (out, ".0");
}

static void
append_value (GString *out, JsonNode *v)
{
  GType t = json_node_get_value_type (v);
  if (t == G_TYPE_INT64)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (v));
  else if (t == G_TYPE_DOUBLE)
    append_double (out, json_node_get_double (v));
  else if (t == G_TYPE_BOOLEAN)
    g_string_append (out, json_node_get_boolean (v) ? "true" : "false");
  else
    append_string (out, json_node_get_string (v));
}

static void
append_node (GString *out, const MscGraphNode *n)
{
  g_string_append (out, "{\"name\": ");
  append_string (out, n->name);
  g_string_append (out, ", \"op\": ");
  append_string (out, n->op->name);
  g_string_append (out, ", \"inputs\": [");
  for (guint k = 0; k < n->n_inputs; k++)
    {
      if (k)
        g_string_append (out, ", ");
      append_string (out, n->inputs[k]);
    }
  g_string_append_c (out, ']');
  if (json_object_get_size (n->params) > 0)
    {
      /* Params are flat scalars: check_params refused anything else. */
      g_string_append (out, ", \"params\": {");
      g_autoptr (GList) members = json_object_get_members (n->params);
      for (GList *l = members; l; l = l->next)
        {
          append_string (out, l->data);
          g_string_append (out, ": ");
          append_value (out, json_object_get_member (n->params, l->data));
          if (l->next)
            g_string_append (out, ", ");
        }
      g_string_append_c (out, '}');
    }
  g_string_append_c (out, '}');
}

char *
msc_graph_to_json (const MscGraph *self, gsize *length)
{
  GString *out = g_string_new ("{\n  \"format\": \"" MSC_GRAPH_FORMAT "\",\n");
  g_string_append_printf (out, "  \"version\": %d,\n  \"name\": ", MSC_GRAPH_VERSION);
  append_string (out, self->name);
  if (self->description)
    {
      g_string_append (out, ",\n  \"description\": ");
      append_string (out, self->description);
    }
  g_string_append (out, ",\n  \"inputs\": [");
  for (guint i = 0; i < self->n_inputs; i++)
    {
      g_string_append (out, i ? ", {\"name\": " : "{\"name\": ");
      append_string (out, self->input_names[i]);
      g_string_append (out, ", \"shape\": [");
      for (guint d = 0; d < self->input_shapes[i].n; d++)
        {
          if (d)
            g_string_append (out, ", ");
          if (self->input_shapes[i].d[d] < 0)
            g_string_append (out, "null");
          else
            g_string_append_printf (out, "%" G_GINT64_FORMAT, self->input_shapes[i].d[d]);
        }
      g_string_append (out, "]}");
    }
  g_string_append (out, "],\n  \"outputs\": [");
  for (guint i = 0; i < self->n_outputs; i++)
    {
      if (i)
        g_string_append (out, ", ");
      append_string (out, self->outputs[i]);
    }
  g_string_append (out, "],\n  \"nodes\": [\n");
  for (guint i = 0; i < self->n_nodes; i++)
    {
      g_string_append (out, "    ");
      append_node (out, &self->nodes[i]);
      g_string_append (out, i + 1 < self->n_nodes ? ",\n" : "\n");
    }
  g_string_append (out, "  ]\n}\n");
  if (length)
    *length = out->len;
  return g_string_free (out, FALSE);
}

gboolean
msc_graph_save (const MscGraph *self, const char *path, GError **error)
{
  gsize length = 0;
  g_autofree char *json = msc_graph_to_json (self, &length);
  g_autoptr (GError) local = NULL;
  if (!g_file_set_contents_full (path, json, (gssize) length, G_FILE_SET_CONTENTS_CONSISTENT,
                                 0644, &local))
    {
      g_autofree char *file = g_path_get_basename (path);
      return fail (error, MSC_NN_ERROR_IO, file, "cannot write: %s", local->message);
    }
  return TRUE;
}
