/* engine/models/msc-graph-ops.c — the op table of graph JSON: for each op
 * its input count, its params with their types, and the shape inference
 * that names the op's parameter tensors and fixes their shapes. */
#include "msc-graph-private.h"
#include "msc-nn-error.h"

#include <math.h>
#include <string.h>

#define NODE_FAIL(ctx, error, ...) \
  msc_graph_node_fail ((ctx)->file, (ctx)->node, error, __VA_ARGS__)

gboolean
msc_graph_node_fail (const char *file, const MscGraphNode *node, GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (node->op)
    g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID, "%s: node '%s' (%s): %s",
                 file, node->name, node->op->name, msg);
  else
    g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID, "%s: node '%s': %s", file, node->name, msg);
  return FALSE;
}

char *
msc_graph_shape_string (const Shape *s)
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
              g_autofree char *a = msc_graph_shape_string (&ctx->in[0]), *b = msc_graph_shape_string (s);
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
          g_autofree char *sa = msc_graph_shape_string (a), *sb = msc_graph_shape_string (b);
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
      g_autofree char *s = msc_graph_shape_string (in);
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

const OpInfo *
msc_graph_op_lookup (const char *name)
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
  return msc_graph_node_fail (file, node, error, "param \"%s\" must be %s", spec->name, wanted[spec->kind]);
}

gboolean
msc_graph_check_params (const char *file, const MscGraphNode *node, GError **error)
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
          return msc_graph_node_fail (file, node, error, "unknown param \"%s\" (allowed: %s)", key,
                            allowed->len ? allowed->str : "none");
        }
      if (!check_param_value (file, node, spec, v, error))
        return FALSE;
    }
  for (const ParamSpec *spec = op->params; spec->name; spec++)
    if (spec->required && !json_object_has_member (node->params, spec->name))
      return msc_graph_node_fail (file, node, error, "param \"%s\" is required", spec->name);
  return TRUE;
}
