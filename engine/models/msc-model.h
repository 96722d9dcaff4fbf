/* engine/models/msc-model.h — running a model graph: parameters in one
 * block, forward in eval or training mode, backward over a recorded tape,
 * optimiser steps, save and load.
 *
 *   g_autoptr (MscModel) m = msc_model_load ("unet.json", "unet.safetensors", &error);
 *   msc_model_set_training (m, FALSE);              // folds batch norm into convs
 *   if (!msc_model_forward (m, image, &error))      // image: (N, C, H, W)
 *     return FALSE;
 *   const MscTensor *mask = msc_model_get_output (m, "mask_logits");   // borrowed
 *
 * Training: msc_model_set_training (m, TRUE), msc_model_zero_grad, forward,
 * write dL/doutput into msc_model_get_output_grad (m, name), backward, then
 * msc_model_step (or msc_model_train_step for all of that with a callback).
 * Activations live in an arena planned once per (input shape, mode): no
 * allocation inside a step. A model is not thread-safe; it runs its
 * kernels on its own thread pool.
 */
#pragma once

#include <glib.h>

#include "msc-graph.h"
#include "msc-optim.h"
#include "msc-rng.h"
#include "msc-tensor.h"

G_BEGIN_DECLS

typedef struct _MscModel MscModel;

/* weights_path (nullable): NULL initialises the parameters as
 * msc_model_new_from_graph with seed 0 does. Weights are checked against
 * the graph (names and shapes) before anything is used. */
MscModel   *msc_model_load           (const char *graph_path, const char *weights_path, GError **error);
/* graph: (transfer full), freed on error too. Parameters like PyTorch's
 * defaults: conv and dense weights and biases uniform in +-1/sqrt(fan_in)
 * (kaiming_uniform with a = sqrt(5)), norms gamma 1 beta 0, running mean 0
 * and var 1; reproducible from seed, which also seeds dropout. */
MscModel   *msc_model_new_from_graph (MscGraph *graph, guint64 seed, GError **error);
void        msc_model_free           (MscModel *self);              /* NULL-safe */

/* Parameters and running statistics, F32, atomically (safetensors). */
gboolean    msc_model_save           (MscModel *self, const char *weights_path, GError **error);

const MscGraph *msc_model_get_graph  (const MscModel *self);        /* (transfer none) */
/* The file name used in messages (the graph file, or the graph's name). */
const char *msc_model_get_filename   (const MscModel *self);

/* A parameter or running statistic by name: a view of *n_floats floats in
 * the model's block (transfer none), NULL when absent. Writing through it
 * is allowed; call msc_model_params_changed afterwards in eval mode. */
float      *msc_model_get_param      (MscModel *self, const char *name, gsize *n_floats);
/* Copies src into the named tensor; its shape must equal the graph's. */
gboolean    msc_model_set_param      (MscModel *self, const char *name, const MscTensor *src,
                                      GError **error);
/* The gradient of a trainable parameter (same size), NULL when absent. */
float      *msc_model_get_grad       (MscModel *self, const char *name, gsize *n_floats);
/* The flat trainable block, its gradients (both (n) floats, 64-byte
 * aligned) and the names -> offsets map (freeze by prefix there). */
float      *msc_model_get_params_block (MscModel *self, gsize *n);
float      *msc_model_get_grads_block  (MscModel *self, gsize *n);
MscParamSet *msc_model_get_param_set (MscModel *self);             /* (transfer none) */
/* Marks folded eval weights stale after parameters were written directly. */
void        msc_model_params_changed (MscModel *self);

/* Trainable floats (running statistics excluded, as PyTorch counts). */
gsize       msc_model_count_params   (const MscModel *self);
/* Floating-point operations of one inference of a (1, C, h, w) input:
 * 2 per multiply-add of conv and dense, 1 per output element elsewhere. */
gboolean    msc_model_count_flops    (MscModel *self, gint64 h, gint64 w, guint64 *flops,
                                      GError **error);

/* TRUE: batch statistics (running ones updated), dropout active, a tape is
 * recorded for backward. FALSE (the default): running statistics, dropout
 * off, batch norm folded into the preceding conv, activations freed after
 * their last consumer. */
void        msc_model_set_training   (MscModel *self, gboolean training);
gboolean    msc_model_get_training   (const MscModel *self);
/* Threads of the model's kernel pool (0 = number of processors). */
void        msc_model_set_threads    (MscModel *self, guint n_threads);

/* input: (N, C, H, W) for the graph's single input. */
gboolean    msc_model_forward        (MscModel *self, const MscTensor *input, GError **error);
/* (transfer none) (nullable): valid until the next forward. */
const MscTensor *msc_model_get_output (MscModel *self, const char *name);
/* dL/d(output) buffer after a training forward, zeroed by it: write into
 * it before msc_model_backward. (transfer none) (nullable). */
MscTensor  *msc_model_get_output_grad (MscModel *self, const char *name);
/* Replays the tape of the last training forward in reverse, ACCUMULATING
 * parameter gradients into the gradient block. */
gboolean    msc_model_backward       (MscModel *self, GError **error);
void        msc_model_zero_grad      (MscModel *self);
/* Bytes of the activation arena of the current plan (0 before a forward). */
gsize       msc_model_get_arena_bytes (const MscModel *self);

/* The optimiser the model steps with; its state is zeroed and the step
 * count reset. */
gboolean    msc_model_set_optimizer  (MscModel *self, const MscOptimConfig *cfg, GError **error);
/* One optimiser update of the trainable parameters from the gradients. */
gboolean    msc_model_step           (MscModel *self, float lr, GError **error);

/* Reads outputs (msc_model_get_output), writes dL/doutput into
 * msc_model_get_output_grad, returns the loss (NAN with error set on
 * failure). */
typedef double (*MscModelLossFunc) (MscModel *model, gpointer user_data, GError **error);

/* zero_grad, training forward, loss, backward, step; *loss (nullable). */
gboolean    msc_model_train_step     (MscModel *self, const MscTensor *input,
                                      MscModelLossFunc loss_fn, gpointer user_data,
                                      float lr, double *loss, GError **error);

/* ---- checkpoints (msc-model-checkpoint.c) ----
 * One safetensors file with everything that makes the next step what it
 * would have been without a stop: parameters, running statistics, the
 * optimiser's state ("optim.state") and step count, and the dropout RNG;
 * metadata carries the caller's strings too (config hash, data position).
 * Written atomically (temporary file renamed over path). */

/* The optimiser state block (msc_optim_state_floats floats, transfer none)
 * and step count; NULL / 0 before msc_model_set_optimizer. */
float      *msc_model_get_optim_state (MscModel *self, gsize *n_floats);
guint64     msc_model_get_optim_step  (const MscModel *self);
/* The dropout generator (transfer none). */
MscRng     *msc_model_get_rng         (MscModel *self);

/* metadata: (nullable) extra string -> string pairs; keys starting with
 * "msc." are reserved. Needs an optimiser (msc_model_set_optimizer). */
gboolean    msc_model_save_checkpoint (MscModel *self, const char *path, GHashTable *metadata,
                                       GError **error);
/* Restores everything save wrote into a model built from the same graph
 * with the same optimiser configuration; anything missing, misshapen or
 * different is refused naming the file, and the model is untouched then.
 * metadata: (out) (optional) all "__metadata__" pairs (transfer full). */
gboolean    msc_model_load_checkpoint (MscModel *self, const char *path, GHashTable **metadata,
                                       GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscModel, msc_model_free)

G_END_DECLS
