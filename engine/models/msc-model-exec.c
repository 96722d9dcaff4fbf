/* engine/models/msc-model-exec.c — the per-op table the model runs: for
 * each graph op, how its output shape, kernel params and buffer sizes
 * follow from its inputs (plan), its forward, and its backward, which
 * accumulates into input and parameter gradients as the kernels do. */
#include "msc-model-private.h"
#include "msc-nn-error.h"

#include <math.h>
#include <string.h>

gboolean
msc_exec_fail (MscModel *m, const NodeRt *n, GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE, "%s: node '%s' (%s): %s", m->file,
               msc_graph_node_get_name (n->g), n->op->name, msg);
  return FALSE;
}

/* Kernel checks report without the node; this adds it. */
static gboolean
kernel_fail (MscModel *m, const NodeRt *n, GError *local, GError **error)
{
  msc_exec_fail (m, n, error, "%s", local->message);
  g_error_free (local);
  return FALSE;
}

#define CHECK(m, n, call, error) \
  G_STMT_START { GError *local_ = NULL; \
    if (!(call)) return kernel_fail (m, n, local_, error); } G_STMT_END
#define LOCAL (&local_)

static gint64
pint (const NodeRt *n, const char *name, gint64 fallback)
{
  JsonNode *v = json_object_get_member (msc_graph_node_get_params (n->g), name);
  return v ? json_node_get_int (v) : fallback;
}

static double
pdouble (const NodeRt *n, const char *name, double fallback)
{
  JsonNode *v = json_object_get_member (msc_graph_node_get_params (n->g), name);
  return v ? json_node_get_double (v) : fallback;
}

static void
set_shape (Value *v, guint nd, gint64 d0, gint64 d1, gint64 d2, gint64 d3)
{
  gint64 d[4] = { d0, d1, d2, d3 };
  v->nd = nd;
  v->numel = 1;
  for (guint i = 0; i < 4; i++)
    {
      v->shape[i] = i < nd ? d[i] : 1;
      if (i < nd)
        v->numel *= (gsize) d[i];
    }
}

static gboolean
need_4d (MscModel *m, NodeRt *n, Value *x, GError **error)
{
  if (x->nd == 4)
    return TRUE;
  return msc_exec_fail (m, n, error, "input '%s' has %u dimensions, expected 4",
                        msc_graph_node_get_input (n->g, 0), x->nd);
}

static float *
pw (MscModel *m, gsize off)
{
  return off == NO_OFFSET ? NULL : m->param_block + off;
}

static float *
gw (MscModel *m, gsize off)
{
  return off == NO_OFFSET ? NULL : m->grad_block + off;
}

/* ---- conv2d ------------------------------------------------------------ */

static gboolean
plan_conv (MscModel *m, NodeRt *n, GError **error)
{
  Value *x = msc_exec_in (m, n, 0);
  if (!need_4d (m, n, x, error))
    return FALSE;
  gint64 k = pint (n, "kernel", 1), s = pint (n, "stride", 1), p = pint (n, "padding", 0);
  gint64 d = pint (n, "dilation", 1);
  n->k.conv = (MscConv2dParams) {
    .n = x->shape[0], .c_in = x->shape[1], .h_in = x->shape[2], .w_in = x->shape[3],
    .c_out = pint (n, "out_channels", 1), .kh = k, .kw = k, .stride_h = s, .stride_w = s,
    .pad_h = p, .pad_w = p, .dil_h = d, .dil_w = d, .groups = pint (n, "groups", 1),
  };
  CHECK (m, n, msc_conv2d_params_check (&n->k.conv, LOCAL), error);
  gint64 ho, wo;
  msc_conv2d_output_hw (&n->k.conv, &ho, &wo);
  set_shape (msc_exec_out (m, n), 4, x->shape[0], n->k.conv.c_out, ho, wo);
  /* Inference plans need forward scratch only; backward's is far larger. */
  n->scratch_floats = m->plan_training ? msc_conv2d_scratch_floats (&n->k.conv)
                                       : msc_conv2d_forward_scratch_floats (&n->k.conv);
  n->flops = 2 * msc_exec_out (m, n)->numel * (guint64) (n->k.conv.c_in / n->k.conv.groups * k * k);
  return TRUE;
}

static void
fwd_conv (MscModel *m, NodeRt *n)
{
  gboolean folded = n->fold_bn && n->fold_bn->skip;
  const float *w = folded ? m->fold_block + n->fold_w : pw (m, n->w);
  const float *b = folded ? m->fold_block + n->fold_b : pw (m, n->b);
  msc_conv2d_forward (&n->k.conv, msc_exec_in (m, n, 0)->data, w, b, msc_exec_out (m, n)->data,
                      m->scratch, m->pool);
}

static void
bwd_conv (MscModel *m, NodeRt *n)
{
  Value *x = msc_exec_in (m, n, 0);
  msc_conv2d_backward (&n->k.conv, x->data, pw (m, n->w), msc_exec_out (m, n)->grad, x->grad,
                       gw (m, n->w), gw (m, n->b), m->scratch, m->pool);
}

static gboolean
plan_convt (MscModel *m, NodeRt *n, GError **error)
{
  Value *x = msc_exec_in (m, n, 0);
  if (!need_4d (m, n, x, error))
    return FALSE;
  gint64 k = pint (n, "kernel", 1), s = pint (n, "stride", 1), p = pint (n, "padding", 0);
  gint64 d = pint (n, "dilation", 1), op = pint (n, "output_padding", 0);
  n->k.convt = (MscConvTranspose2dParams) {
    .n = x->shape[0], .c_in = x->shape[1], .h_in = x->shape[2], .w_in = x->shape[3],
    .c_out = pint (n, "out_channels", 1), .kh = k, .kw = k, .stride_h = s, .stride_w = s,
    .pad_h = p, .pad_w = p, .out_pad_h = op, .out_pad_w = op, .dil_h = d, .dil_w = d,
    .groups = pint (n, "groups", 1),
  };
  CHECK (m, n, msc_conv_transpose2d_params_check (&n->k.convt, LOCAL), error);
  gint64 ho, wo;
  msc_conv_transpose2d_output_hw (&n->k.convt, &ho, &wo);
  set_shape (msc_exec_out (m, n), 4, x->shape[0], n->k.convt.c_out, ho, wo);
  n->scratch_floats = msc_conv_transpose2d_scratch_floats (&n->k.convt);
  n->flops = 2 * x->numel * (guint64) (n->k.convt.c_out / n->k.convt.groups * k * k);
  return TRUE;
}

static void
fwd_convt (MscModel *m, NodeRt *n)
{
  msc_conv_transpose2d_forward (&n->k.convt, msc_exec_in (m, n, 0)->data, pw (m, n->w), pw (m, n->b),
                                msc_exec_out (m, n)->data, m->scratch, m->pool);
}

static void
bwd_convt (MscModel *m, NodeRt *n)
{
  Value *x = msc_exec_in (m, n, 0);
  msc_conv_transpose2d_backward (&n->k.convt, x->data, pw (m, n->w), msc_exec_out (m, n)->grad,
                                 x->grad, gw (m, n->w), gw (m, n->b), m->scratch, m->pool);
}

/* ---- norms ------------------------------------------------------------- */

/* (N, C) counts as (N, C, 1, 1) for the norms and softmax. */
static gboolean
nchw (MscModel *m, NodeRt *n, Value *x, gint64 *d, GError **error)
{
  if (x->nd != 4 && x->nd != 2)
    return msc_exec_fail (m, n, error, "input '%s' has %u dimensions, expected 2 or 4",
                          msc_graph_node_get_input (n->g, 0), x->nd);
  for (guint i = 0; i < 4; i++)
    d[i] = x->shape[i];
  return TRUE;
}

static void
same_shape (MscModel *m, NodeRt *n)
{
  Value *x = msc_exec_in (m, n, 0), *y = msc_exec_out (m, n);
  set_shape (y, x->nd, x->shape[0], x->shape[1], x->shape[2], x->shape[3]);
  n->flops = y->numel;
}

static gboolean
plan_bn (MscModel *m, NodeRt *n, GError **error)
{
  gint64 d[4];
  if (!nchw (m, n, msc_exec_in (m, n, 0), d, error))
    return FALSE;
  n->k.bn = (MscBatchNormParams) { .n = d[0], .c = d[1], .h = d[2], .w = d[3],
                                   .eps = (float) pdouble (n, "eps", 1e-5),
                                   .momentum = (float) pdouble (n, "momentum", 0.1) };
  CHECK (m, n, msc_batch_norm_check (&n->k.bn, m->plan_training, LOCAL), error);
  same_shape (m, n);
  n->saved_floats = m->plan_training ? msc_batch_norm_scratch_floats (&n->k.bn) : 0;
  return TRUE;
}

/* Training batch norm in channel ranges on the model pool: channels are
 * independent, so the split does not change a result. */
typedef struct {
  MscModel *m;
  NodeRt *n;
  gboolean backward;
  guint tasks;
} BnJob;

static void
bn_task (guint task, gpointer data)
{
  BnJob *j = data;
  MscModel *m = j->m;
  NodeRt *n = j->n;
  gint64 C = n->k.bn.c;
  gint64 c0 = C * task / j->tasks, c1 = C * (task + 1) / j->tasks;
  if (!j->backward)
    msc_batch_norm_forward_train_channels (&n->k.bn, c0, c1, msc_exec_in (m, n, 0)->data,
                                           pw (m, n->w), pw (m, n->b), m->stat_block + n->rm,
                                           m->stat_block + n->rv, msc_exec_out (m, n)->data, n->saved);
  else
    msc_batch_norm_backward_train_channels (&n->k.bn, c0, c1, msc_exec_in (m, n, 0)->data,
                                            pw (m, n->w), n->saved, msc_exec_out (m, n)->grad,
                                            msc_exec_in (m, n, 0)->grad, gw (m, n->w), gw (m, n->b));
}

static void
bn_run (MscModel *m, NodeRt *n, gboolean backward)
{
  guint nt = msc_thread_pool_n_threads (m->pool);
  gsize numel = msc_exec_out (m, n)->numel;
  guint tasks = numel < 65536 ? 1 : (guint) MIN ((gint64) nt, n->k.bn.c);
  BnJob j = { m, n, backward, MAX (tasks, 1) };
  msc_thread_pool_run (m->pool, j.tasks, bn_task, &j);
}

static void
fwd_bn (MscModel *m, NodeRt *n)
{
  const float *x = msc_exec_in (m, n, 0)->data;
  float *y = msc_exec_out (m, n)->data;
  if (m->plan_training)
    bn_run (m, n, FALSE);
  else
    msc_batch_norm_forward_eval (&n->k.bn, x, pw (m, n->w), pw (m, n->b), m->stat_block + n->rm,
                                 m->stat_block + n->rv, y);
}

static void
bwd_bn (MscModel *m, NodeRt *n)
{
  bn_run (m, n, TRUE);
}

static gboolean
plan_gn (MscModel *m, NodeRt *n, GError **error)
{
  gint64 d[4];
  if (!nchw (m, n, msc_exec_in (m, n, 0), d, error))
    return FALSE;
  n->k.gn = (MscGroupNormParams) { .n = d[0], .c = d[1], .h = d[2], .w = d[3],
                                   .groups = pint (n, "groups", 1),
                                   .eps = (float) pdouble (n, "eps", 1e-5) };
  CHECK (m, n, msc_group_norm_check (&n->k.gn, LOCAL), error);
  same_shape (m, n);
  n->saved_floats = msc_group_norm_scratch_floats (&n->k.gn);
  return TRUE;
}

static void
fwd_gn (MscModel *m, NodeRt *n)
{
  msc_group_norm_forward (&n->k.gn, msc_exec_in (m, n, 0)->data, pw (m, n->w), pw (m, n->b),
                          msc_exec_out (m, n)->data, n->saved);
}

static void
bwd_gn (MscModel *m, NodeRt *n)
{
  Value *x = msc_exec_in (m, n, 0);
  msc_group_norm_backward (&n->k.gn, x->data, pw (m, n->w), n->saved, msc_exec_out (m, n)->grad,
                           x->grad, gw (m, n->w), gw (m, n->b));
}

/* ---- activations ------------------------------------------------------- */

static gboolean
plan_pointwise (MscModel *m, NodeRt *n, GError **error)
{
  (void) error;
  same_shape (m, n);
  return TRUE;
}

/* Pointwise ops run in contiguous chunks on the model's pool: each element
 * is computed alone, so the result does not depend on the split. */
typedef struct {
  void (*fwd) (const float *x, float *y, gsize n);
  void (*bwd) (const float *a, const float *dy, float *dx, gsize n);
  const float *a, *dy;
  float *out;
  gsize n, chunk;
} PointwiseJob;

static void
pointwise_task (guint task, gpointer data)
{
  PointwiseJob *j = data;
  gsize lo = (gsize) task * j->chunk, hi = MIN (j->n, lo + j->chunk);
  if (lo >= hi)
    return;
  if (j->fwd)
    j->fwd (j->a + lo, j->out + lo, hi - lo);
  else
    j->bwd (j->a + lo, j->dy + lo, j->out + lo, hi - lo);
}

static void
pointwise_run (MscModel *m, PointwiseJob *j)
{
  guint nt = msc_thread_pool_n_threads (m->pool);
  /* Below ~64 Ki floats a pool round trip costs more than it saves. */
  guint tasks = j->n < 65536 ? 1 : MIN (nt, (guint) (j->n / 32768));
  tasks = MAX (tasks, 1);
  /* 16-float (64-byte) aligned chunk starts. */
  j->chunk = ((j->n + tasks - 1) / tasks + 15) & ~(gsize) 15;
  if (tasks == 1)
    pointwise_task (0, j);
  else
    msc_thread_pool_run (m->pool, tasks, pointwise_task, j);
}

#define POINTWISE(name, bwd_arg) \
  static void fwd_##name (MscModel *m, NodeRt *n) \
  { \
    Value *y = msc_exec_out (m, n); \
    PointwiseJob j = { .fwd = msc_##name##_forward, .a = msc_exec_in (m, n, 0)->data, \
                       .out = y->data, .n = y->numel }; \
    pointwise_run (m, &j); \
  } \
  static void bwd_##name (MscModel *m, NodeRt *n) \
  { \
    Value *x = msc_exec_in (m, n, 0), *y = msc_exec_out (m, n); \
    if (x->grad) \
      { \
        PointwiseJob j = { .bwd = msc_##name##_backward, .a = bwd_arg->data, .dy = y->grad, \
                           .out = x->grad, .n = y->numel }; \
        pointwise_run (m, &j); \
      } \
  }

POINTWISE (relu, x)
POINTWISE (silu, x)
POINTWISE (sigmoid, y)

static gboolean
plan_softmax (MscModel *m, NodeRt *n, GError **error)
{
  gint64 d[4];
  Value *x = msc_exec_in (m, n, 0);
  if (!nchw (m, n, x, d, error))
    return FALSE;
  gint64 axis = pint (n, "axis", 1);
  if (axis != 1 && axis != 1 - (gint64) x->nd)
    return msc_exec_fail (m, n, error, "softmax over axis %" G_GINT64_FORMAT " is not supported "
                          "(only the channel axis 1)", axis);
  n->k.sm = (MscSoftmaxParams) { .n = d[0], .c = d[1], .h = d[2], .w = d[3] };
  CHECK (m, n, msc_softmax_check (&n->k.sm, LOCAL), error);
  same_shape (m, n);
  return TRUE;
}

static void
fwd_softmax (MscModel *m, NodeRt *n)
{
  msc_softmax_forward (&n->k.sm, msc_exec_in (m, n, 0)->data, msc_exec_out (m, n)->data);
}

static void
bwd_softmax (MscModel *m, NodeRt *n)
{
  Value *x = msc_exec_in (m, n, 0), *y = msc_exec_out (m, n);
  if (x->grad)
    msc_softmax_backward (&n->k.sm, y->data, y->grad, x->grad);
}

/* ---- pooling and resizing ---------------------------------------------- */

static gboolean
plan_pool (MscModel *m, NodeRt *n, GError **error)
{
  Value *x = msc_exec_in (m, n, 0);
  if (!need_4d (m, n, x, error))
    return FALSE;
  gint64 k = pint (n, "kernel", 1), s = pint (n, "stride", k), p = pint (n, "padding", 0);
  n->k.pool = (MscPool2dParams) { .n = x->shape[0], .c = x->shape[1], .h = x->shape[2], .w = x->shape[3],
                                  .kh = (int) k, .kw = (int) k, .sh = (int) s, .sw = (int) s,
                                  .ph = (int) p, .pw = (int) p };
  CHECK (m, n, msc_pool2d_check (&n->k.pool, LOCAL), error);
  Value *y = msc_exec_out (m, n);
  set_shape (y, 4, x->shape[0], x->shape[1], msc_pool2d_out_h (&n->k.pool), msc_pool2d_out_w (&n->k.pool));
  /* max_pool keeps its argmax (gint32, the size of a float) for backward. */
  n->saved_floats = strcmp (n->op->name, "max_pool") == 0 ? y->numel : 0;
  n->flops = y->numel * (guint64) (k * k);
  return TRUE;
}

static void
fwd_max_pool (MscModel *m, NodeRt *n)
{
  msc_max_pool2d_forward (&n->k.pool, msc_exec_in (m, n, 0)->data, msc_exec_out (m, n)->data,
                          (gint32 *) n->saved);
}

static void
bwd_max_pool (MscModel *m, NodeRt *n)
{
  Value *x = msc_exec_in (m, n, 0);
  if (x->grad)
    msc_max_pool2d_backward (&n->k.pool, (const gint32 *) n->saved, msc_exec_out (m, n)->grad, x->grad);
}

static void
fwd_avg_pool (MscModel *m, NodeRt *n)
{
  msc_avg_pool2d_forward (&n->k.pool, msc_exec_in (m, n, 0)->data, msc_exec_out (m, n)->data);
}

static void
bwd_avg_pool (MscModel *m, NodeRt *n)
{
  Value *x = msc_exec_in (m, n, 0);
  if (x->grad)
    msc_avg_pool2d_backward (&n->k.pool, msc_exec_out (m, n)->grad, x->grad);
}

static gboolean
plan_gap (MscModel *m, NodeRt *n, GError **error)
{
  Value *x = msc_exec_in (m, n, 0);
  if (!need_4d (m, n, x, error))
    return FALSE;
  n->k.gp = (MscGlobalPoolParams) { .n = x->shape[0], .c = x->shape[1], .h = x->shape[2], .w = x->shape[3] };
  CHECK (m, n, msc_global_avg_pool_check (&n->k.gp, LOCAL), error);
  set_shape (msc_exec_out (m, n), 4, x->shape[0], x->shape[1], 1, 1);
  n->flops = x->numel;
  return TRUE;
}

static void
fwd_gap (MscModel *m, NodeRt *n)
{
  msc_global_avg_pool_forward (&n->k.gp, msc_exec_in (m, n, 0)->data, msc_exec_out (m, n)->data);
}

static void
bwd_gap (MscModel *m, NodeRt *n)
{
  Value *x = msc_exec_in (m, n, 0);
  if (x->grad)
    msc_global_avg_pool_backward (&n->k.gp, msc_exec_out (m, n)->grad, x->grad);
}

static gboolean
plan_resize (MscModel *m, NodeRt *n, GError **error)
{
  Value *x = msc_exec_in (m, n, 0);
  if (!need_4d (m, n, x, error))
    return FALSE;
  JsonNode *ac = json_object_get_member (msc_graph_node_get_params (n->g), "align_corners");
  if (ac && json_node_get_boolean (ac))
    return msc_exec_fail (m, n, error, "align_corners = true is not supported");
  gint64 oh, ow;
  if (n->n_in == 2)
    {
      Value *ref = msc_exec_in (m, n, 1);
      if (ref->nd != 4)
        return msc_exec_fail (m, n, error, "size input '%s' is not 4-dimensional",
                              msc_graph_node_get_input (n->g, 1));
      oh = ref->shape[2];
      ow = ref->shape[3];
    }
  else
    {
      /* The half-pixel mapping uses in/out, which equals PyTorch's use of
       * the given scale only when the output extent is exactly in * scale. */
      double scale = pdouble (n, "scale", 1.0);
      oh = (gint64) floor ((double) x->shape[2] * scale);
      ow = (gint64) floor ((double) x->shape[3] * scale);
      if ((double) oh != (double) x->shape[2] * scale || (double) ow != (double) x->shape[3] * scale)
        return msc_exec_fail (m, n, error, "scale %g does not map %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
                              " onto whole pixels", scale, x->shape[2], x->shape[3]);
    }
  n->k.rs = (MscResizeParams) { .n = x->shape[0], .c = x->shape[1], .in_h = x->shape[2],
                                .in_w = x->shape[3], .out_h = oh, .out_w = ow };
  CHECK (m, n, msc_resize_check (&n->k.rs, LOCAL), error);
  set_shape (msc_exec_out (m, n), 4, x->shape[0], x->shape[1], oh, ow);
  n->flops = msc_exec_out (m, n)->numel * 4;
  return TRUE;
}

static void
fwd_resize (MscModel *m, NodeRt *n)
{
  msc_resize_forward (&n->k.rs, msc_exec_in (m, n, 0)->data, msc_exec_out (m, n)->data);
}

static void
bwd_resize (MscModel *m, NodeRt *n)
{
  Value *x = msc_exec_in (m, n, 0);
  if (x->grad)
    msc_resize_backward (&n->k.rs, msc_exec_out (m, n)->grad, x->grad);
}

/* ---- concat, add, mul -------------------------------------------------- */

static gboolean
plan_concat (MscModel *m, NodeRt *n, GError **error)
{
  Value *x0 = msc_exec_in (m, n, 0);
  if (pint (n, "axis", 1) != 1)
    return msc_exec_fail (m, n, error, "concat is supported along the channel axis 1 only");
  for (guint i = 0; i < n->n_in; i++)
    {
      Value *x = msc_exec_in (m, n, i);
      if (x->nd != x0->nd || x->shape[0] != x0->shape[0] || x->shape[2] != x0->shape[2]
          || x->shape[3] != x0->shape[3])
        return msc_exec_fail (m, n, error, "input '%s' does not match '%s' off the channel axis",
                              msc_graph_node_get_input (n->g, i), msc_graph_node_get_input (n->g, 0));
      n->channels[i] = x->shape[1];
    }
  n->k.cc = (MscConcatParams) { .n = x0->shape[0], .h = x0->shape[2], .w = x0->shape[3],
                                .k = n->n_in, .channels = n->channels };
  CHECK (m, n, msc_concat_check (&n->k.cc, LOCAL), error);
  set_shape (msc_exec_out (m, n), x0->nd, x0->shape[0], msc_concat_out_channels (&n->k.cc),
             x0->shape[2], x0->shape[3]);
  n->flops = msc_exec_out (m, n)->numel;
  return TRUE;
}

static void
fwd_concat (MscModel *m, NodeRt *n)
{
  for (guint i = 0; i < n->n_in; i++)
    n->xs[i] = msc_exec_in (m, n, i)->data;
  msc_concat_forward (&n->k.cc, n->xs, msc_exec_out (m, n)->data);
}

static void
bwd_concat (MscModel *m, NodeRt *n)
{
  for (guint i = 0; i < n->n_in; i++)
    n->dxs[i] = msc_exec_in (m, n, i)->grad;
  msc_concat_backward (&n->k.cc, msc_exec_out (m, n)->grad, n->dxs);
}

/* Same shapes, or one side (N, C, 1, 1) against (N, C, H, W): the
 * squeeze-excitation broadcast. Others are refused here, not guessed. */
static gboolean
plan_binary (MscModel *m, NodeRt *n, GError **error)
{
  Value *a = msc_exec_in (m, n, 0), *b = msc_exec_in (m, n, 1);
  gboolean same = a->nd == b->nd && memcmp (a->shape, b->shape, sizeof a->shape) == 0;
  gboolean b_small = a->nd == 4 && b->nd == 4 && b->shape[0] == a->shape[0] && b->shape[1] == a->shape[1]
                     && b->shape[2] == 1 && b->shape[3] == 1;
  gboolean a_small = a->nd == 4 && b->nd == 4 && b->shape[0] == a->shape[0] && b->shape[1] == a->shape[1]
                     && a->shape[2] == 1 && a->shape[3] == 1;
  n->bcast = same ? 0 : b_small ? 1 : a_small ? 2 : -1;
  if (n->bcast < 0)
    return msc_exec_fail (m, n, error, "inputs '%s' and '%s' are neither the same shape nor "
                          "(N, C, H, W) and (N, C, 1, 1)", msc_graph_node_get_input (n->g, 0),
                          msc_graph_node_get_input (n->g, 1));
  Value *big = n->bcast == 2 ? b : a;
  set_shape (msc_exec_out (m, n), big->nd, big->shape[0], big->shape[1], big->shape[2], big->shape[3]);
  n->k.cs = (MscChannelScaleParams) { .n = big->shape[0], .c = big->shape[1], .h = big->shape[2],
                                      .w = big->shape[3] };
  n->flops = big->numel;
  return TRUE;
}

static void
fwd_add (MscModel *m, NodeRt *n)
{
  Value *a = msc_exec_in (m, n, 0), *b = msc_exec_in (m, n, 1), *y = msc_exec_out (m, n);
  if (n->bcast == 0)
    {
      msc_add_forward (a->data, b->data, y->data, y->numel);
      return;
    }
  const float *big = n->bcast == 1 ? a->data : b->data, *small = n->bcast == 1 ? b->data : a->data;
  gsize hw = (gsize) (n->k.cs.h * n->k.cs.w);
  for (gsize p = 0; p < (gsize) (n->k.cs.n * n->k.cs.c); p++)
    for (gsize i = 0; i < hw; i++)
      y->data[p * hw + i] = big[p * hw + i] + small[p];
}

static void
bwd_add (MscModel *m, NodeRt *n)
{
  Value *a = msc_exec_in (m, n, 0), *b = msc_exec_in (m, n, 1), *y = msc_exec_out (m, n);
  if (n->bcast == 0)
    {
      msc_add_backward (y->grad, a->grad, b->grad, y->numel);
      return;
    }
  float *dbig = n->bcast == 1 ? a->grad : b->grad, *dsmall = n->bcast == 1 ? b->grad : a->grad;
  gsize hw = (gsize) (n->k.cs.h * n->k.cs.w);
  for (gsize p = 0; p < (gsize) (n->k.cs.n * n->k.cs.c); p++)
    {
      double s = 0.0;
      for (gsize i = 0; i < hw; i++)
        {
          if (dbig)
            dbig[p * hw + i] += y->grad[p * hw + i];
          s += y->grad[p * hw + i];
        }
      if (dsmall)
        dsmall[p] += (float) s;
    }
}

static void
fwd_mul (MscModel *m, NodeRt *n)
{
  Value *a = msc_exec_in (m, n, 0), *b = msc_exec_in (m, n, 1), *y = msc_exec_out (m, n);
  if (n->bcast == 0)
    msc_mul_forward (a->data, b->data, y->data, y->numel);
  else if (n->bcast == 1)
    msc_channel_scale_forward (&n->k.cs, a->data, b->data, y->data);
  else
    msc_channel_scale_forward (&n->k.cs, b->data, a->data, y->data);
}

static void
bwd_mul (MscModel *m, NodeRt *n)
{
  Value *a = msc_exec_in (m, n, 0), *b = msc_exec_in (m, n, 1), *y = msc_exec_out (m, n);
  if (n->bcast == 0)
    msc_mul_backward (a->data, b->data, y->grad, a->grad, b->grad, y->numel);
  else if (n->bcast == 1)
    msc_channel_scale_backward (&n->k.cs, a->data, b->data, y->grad, a->grad, b->grad);
  else
    msc_channel_scale_backward (&n->k.cs, b->data, a->data, y->grad, b->grad, a->grad);
}

/* ---- dense, dropout, flatten ------------------------------------------- */

static gboolean
plan_dense (MscModel *m, NodeRt *n, GError **error)
{
  Value *x = msc_exec_in (m, n, 0);
  if (!(x->nd == 2 || (x->nd == 4 && x->shape[2] == 1 && x->shape[3] == 1)))
    return msc_exec_fail (m, n, error, "input '%s' is neither (N, F) nor (N, C, 1, 1)",
                          msc_graph_node_get_input (n->g, 0));
  n->k.dense = (MscDenseParams) { .n = x->shape[0], .in = x->shape[1], .out = pint (n, "out_features", 1) };
  CHECK (m, n, msc_dense_params_check (&n->k.dense, LOCAL), error);
  set_shape (msc_exec_out (m, n), x->nd, x->shape[0], n->k.dense.out, 1, 1);
  n->flops = 2 * (guint64) (n->k.dense.n * n->k.dense.in * n->k.dense.out);
  return TRUE;
}

static void
fwd_dense (MscModel *m, NodeRt *n)
{
  msc_dense_forward (&n->k.dense, msc_exec_in (m, n, 0)->data, pw (m, n->w), pw (m, n->b),
                     msc_exec_out (m, n)->data);
}

static void
bwd_dense (MscModel *m, NodeRt *n)
{
  Value *x = msc_exec_in (m, n, 0);
  msc_dense_backward (&n->k.dense, x->data, pw (m, n->w), msc_exec_out (m, n)->grad, x->grad,
                      gw (m, n->w), gw (m, n->b));
}

static gboolean
plan_dropout (MscModel *m, NodeRt *n, GError **error)
{
  same_shape (m, n);
  n->k.dp = (MscDropoutParams) { .n = msc_exec_out (m, n)->numel, .p = (float) pdouble (n, "p", 0.5),
                                 .training = m->plan_training };
  CHECK (m, n, msc_dropout_check (&n->k.dp, LOCAL), error);
  n->saved_floats = m->plan_training ? n->k.dp.n : 0;   /* the mask */
  return TRUE;
}

static void
fwd_dropout (MscModel *m, NodeRt *n)
{
  msc_dropout_forward (&n->k.dp, &m->rng, msc_exec_in (m, n, 0)->data, msc_exec_out (m, n)->data, n->saved);
}

static void
bwd_dropout (MscModel *m, NodeRt *n)
{
  Value *x = msc_exec_in (m, n, 0);
  if (x->grad)
    msc_dropout_backward (&n->k.dp, n->saved, msc_exec_out (m, n)->grad, x->grad);
}

static gboolean
plan_flatten (MscModel *m, NodeRt *n, GError **error)
{
  Value *x = msc_exec_in (m, n, 0);
  if (x->nd < 2)
    return msc_exec_fail (m, n, error, "input has fewer than 2 dimensions");
  set_shape (msc_exec_out (m, n), 2, x->shape[0], (gint64) (x->numel / (gsize) x->shape[0]), 1, 1);
  return TRUE;
}

static void
fwd_flatten (MscModel *m, NodeRt *n)
{
  Value *y = msc_exec_out (m, n);
  memcpy (y->data, msc_exec_in (m, n, 0)->data, y->numel * sizeof (float));
}

static void
bwd_flatten (MscModel *m, NodeRt *n)
{
  Value *x = msc_exec_in (m, n, 0), *y = msc_exec_out (m, n);
  if (x->grad)
    for (gsize i = 0; i < y->numel; i++)
      x->grad[i] += y->grad[i];
}

/* ---- the table: the only global of the model runtime ------------------- */

const MscExecOp msc_exec_ops[] = {
  { "conv2d", plan_conv, fwd_conv, bwd_conv },
  { "conv_transpose2d", plan_convt, fwd_convt, bwd_convt },
  { "batch_norm", plan_bn, fwd_bn, bwd_bn },
  { "group_norm", plan_gn, fwd_gn, bwd_gn },
  { "relu", plan_pointwise, fwd_relu, bwd_relu },
  { "silu", plan_pointwise, fwd_silu, bwd_silu },
  { "sigmoid", plan_pointwise, fwd_sigmoid, bwd_sigmoid },
  { "softmax", plan_softmax, fwd_softmax, bwd_softmax },
  { "max_pool", plan_pool, fwd_max_pool, bwd_max_pool },
  { "avg_pool", plan_pool, fwd_avg_pool, bwd_avg_pool },
  { "global_avg_pool", plan_gap, fwd_gap, bwd_gap },
  { "resize_bilinear", plan_resize, fwd_resize, bwd_resize },
  { "concat", plan_concat, fwd_concat, bwd_concat },
  { "add", plan_binary, fwd_add, bwd_add },
  { "mul", plan_binary, fwd_mul, bwd_mul },
  { "dense", plan_dense, fwd_dense, bwd_dense },
  { "dropout", plan_dropout, fwd_dropout, bwd_dropout },
  { "flatten", plan_flatten, fwd_flatten, bwd_flatten },
};
const guint msc_exec_n_ops = G_N_ELEMENTS (msc_exec_ops);

const MscExecOp *
msc_exec_op_lookup (const char *name)
{
  for (guint i = 0; i < msc_exec_n_ops; i++)
    if (strcmp (msc_exec_ops[i].name, name) == 0)
      return &msc_exec_ops[i];
  return NULL;
}
