/* engine/models/msc-model-private.h — the model's run-time structures,
 * shared by the driver (msc-model.c: parameters, planning, the tape) and
 * the per-op table (msc-model-exec.c: shapes, forward, backward). */
#pragma once

#include "msc-activation.h"
#include "msc-conv.h"
#include "msc-dense.h"
#include "msc-elementwise.h"
#include "msc-graph-private.h"
#include "msc-model.h"
#include "msc-norm.h"
#include "msc-pool.h"
#include "msc-resize.h"
#include "msc-rng.h"
#include "msc-threadpool.h"

G_BEGIN_DECLS

#define NO_OFFSET G_MAXSIZE

/* A tensor flowing through the graph: the input, then one per node. */
typedef struct {
  gint64 shape[MSC_TENSOR_MAX_DIMS];
  guint nd;
  gsize numel;
  float *data;            /* in the arena */
  float *grad;            /* dL/d(value) in the arena, training only (nullable) */
  int gfirst;             /* the backward step that zeroes grad before first use */
} Value;

typedef struct _NodeRt NodeRt;
typedef struct _MscExecOp MscExecOp;

struct _NodeRt {
  const MscGraphNode *g;
  const MscExecOp *op;
  guint n_in;
  guint *in;              /* (n_in) value ids after aliasing (see skip) */
  guint out;              /* value id after aliasing */
  guint own_out;          /* the node's own value id */
  gsize w, b;             /* offsets in the parameter block or NO_OFFSET */
  gsize rm, rv;           /* batch norm: offsets in the statistics block */
  /* Eval-mode folding: a conv2d whose only consumer is a batch_norm uses
   * fold_w/fold_b (offsets in the fold block); the batch norm is skipped
   * and its value aliases the conv's. */
  NodeRt *fold_bn;        /* on the conv: its batch norm, or NULL */
  gsize fold_w, fold_b;
  gboolean skip;          /* this plan: the node does nothing */
  union {
    MscConv2dParams conv;
    MscConvTranspose2dParams convt;
    MscBatchNormParams bn;
    MscGroupNormParams gn;
    MscSoftmaxParams sm;
    MscPool2dParams pool;
    MscGlobalPoolParams gp;
    MscResizeParams rs;
    MscConcatParams cc;
    MscDenseParams dense;
    MscChannelScaleParams cs;
    MscDropoutParams dp;
  } k;
  gint64 *channels;       /* concat: (n_in) */
  const float **xs;       /* concat: (n_in) input pointers */
  float **dxs;            /* concat: (n_in) gradient pointers */
  int bcast;              /* add/mul: 0 same shape, 1 second input (N,C,1,1), 2 first */
  gsize saved_floats;     /* kept from forward for backward (stats, argmax, mask) */
  gsize scratch_floats;
  float *saved;
  guint64 flops;
};

struct _MscExecOp {
  const char *name;
  /* Output shape of n->own_out from its inputs' values, kernel params,
   * saved and scratch sizes and flops; errors name the node. */
  gboolean (*plan)     (MscModel *m, NodeRt *n, GError **error);
  void     (*forward)  (MscModel *m, NodeRt *n);
  /* Accumulates into the inputs' value gradients and the parameter
   * gradients; NULL for ops that have none to give. */
  void     (*backward) (MscModel *m, NodeRt *n);
};

struct _MscModel {
  MscGraph *graph;
  char *file;                     /* for messages */
  MscRng rng;                     /* dropout */
  MscThreadPool *pool;
  guint n_threads;

  MscParamSet *params;            /* trainable: weights, biases */
  float *param_block, *grad_block;
  MscParamSet *stats;             /* batch norm running statistics */
  float *stat_block;
  float *fold_block;              /* folded eval conv weights and biases */
  gsize n_fold;
  gboolean fold_stale;

  NodeRt *nodes;                  /* in topological order */
  guint n_nodes;
  Value *values;                  /* 0 .. n_inputs-1 inputs, then nodes in file order */
  guint n_values;
  gboolean *is_output;            /* per value */
  NodeRt **value_node;            /* per value: its producer, NULL for inputs */
  guint n_outputs;
  guint *out_vals;                /* per graph output: its value id */
  MscTensor **out_view;           /* per graph output, this plan (lent) */
  MscTensor **out_grad_view;      /* per graph output, training plans */

  gboolean training;
  /* The current plan: for this input shape and mode. */
  gboolean planned, plan_training;
  gint64 plan_shape[4];
  float *arena, *scratch;
  gsize arena_floats, arena_capacity;
  gboolean tape_valid;            /* a training forward ran on this plan */

  MscOptimConfig optim;
  gboolean has_optim;
  float *optim_state;
  guint64 optim_step;
};

/* Recomputes the folded eval weights (msc-model.c). */
gboolean msc_model_refold (MscModel *m, GError **error);

extern const MscExecOp msc_exec_ops[];
extern const guint msc_exec_n_ops;

const MscExecOp *msc_exec_op_lookup (const char *name);
/* "file: node 'name' (op): message" with MSC_NN_ERROR_SHAPE. */
gboolean msc_exec_fail (MscModel *m, const NodeRt *n, GError **error, const char *fmt, ...)
  G_GNUC_PRINTF (4, 5);

static inline Value *
msc_exec_in (MscModel *m, const NodeRt *n, guint i)
{
  return &m->values[n->in[i]];
}

static inline Value *
msc_exec_out (MscModel *m, const NodeRt *n)
{
  return &m->values[n->own_out];
}

G_END_DECLS
