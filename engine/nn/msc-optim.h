/* engine/nn/msc-optim.h — optimisers over one flat parameter block (SGD with
 * momentum, Adam, AdamW, matching torch.optim), learning-rate schedules,
 * global-norm gradient clipping, and MscParamSet: named (offset, count)
 * views into the block with freezing by name prefix.
 *
 *   g_autoptr (MscParamSet) set = msc_param_set_new ();
 *   msc_param_set_add (set, "enc.conv1.weight", 432, &off, &error);
 *   msc_param_set_freeze_prefix (set, "enc.", TRUE);
 *   msc_optim_step (&cfg, lr, step, params, grads, state, n, set);
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MscParamSet MscParamSet;

MscParamSet *msc_param_set_new    (void);
void         msc_param_set_free   (MscParamSet *self);                /* NULL-safe */
/* Appends `count` floats named `name` at the end of the block; *offset gets
 * where. Refuses duplicate names and count < 1. */
gboolean     msc_param_set_add    (MscParamSet *self, const char *name, gsize count,
                                   gsize *offset, GError **error);
gsize        msc_param_set_total  (const MscParamSet *self);         /* floats in the block */
guint        msc_param_set_n_entries (const MscParamSet *self);
gboolean     msc_param_set_lookup (const MscParamSet *self, const char *name,
                                   gsize *offset, gsize *count);
/* Freezes (or thaws) every entry whose name starts with prefix ("" = all);
 * returns how many entries matched. */
guint        msc_param_set_freeze_prefix (MscParamSet *self, const char *prefix, gboolean frozen);
gboolean     msc_param_set_is_frozen (const MscParamSet *self, const char *name);
/* Trainable runs of the block in order, adjacent entries merged: the i-th
 * run is (*offset, *count); FALSE past the last. Optimisers loop over these. */
gboolean     msc_param_set_trainable_run (const MscParamSet *self, guint i, gsize *offset, gsize *count);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscParamSet, msc_param_set_free)

typedef enum {
  MSC_OPTIM_SGD,
  MSC_OPTIM_ADAM,         /* L2 weight decay added to the gradient */
  MSC_OPTIM_ADAMW,        /* decoupled decay: p *= 1 - lr wd */
} MscOptimKind;

typedef struct {
  MscOptimKind kind;
  float momentum;         /* SGD, dampening 0; 0 = plain SGD */
  gboolean nesterov;      /* SGD, needs momentum > 0 */
  float weight_decay;
  float beta1, beta2;     /* Adam(W), e.g. 0.9, 0.999 */
  float eps;              /* Adam(W), e.g. 1e-8 */
} MscOptimConfig;

gboolean msc_optim_check        (const MscOptimConfig *cfg, GError **error);
/* Floats of optimiser state for n parameters: SGD n (momentum buffer, 0 if
 * no momentum), Adam(W) 2n (first then second moments). Zero it before the
 * first step. */
gsize    msc_optim_state_floats (const MscOptimConfig *cfg, gsize n);
/* One update at learning rate lr; step counts from 1 (Adam's bias
 * correction). params, grads: (n); state: (msc_optim_state_floats). set may
 * be NULL (all trainable); frozen ranges keep parameters and state as they
 * are, like torch parameters with requires_grad=False. */
void     msc_optim_step (const MscOptimConfig *cfg, float lr, guint64 step,
                         float *params, const float *grads, float *state, gsize n,
                         const MscParamSet *set);

/* Scales the trainable gradients (set may be NULL) so that their global L2
 * norm is at most max_norm, like torch.nn.utils.clip_grad_norm_; returns the
 * norm before clipping. */
double   msc_clip_grad_norm (float *grads, gsize n, const MscParamSet *set, double max_norm);

typedef enum {
  MSC_LR_CONSTANT,
  MSC_LR_STEP,            /* base gamma^floor(epoch / step_size), as StepLR */
  MSC_LR_COSINE,          /* eta_min + (base - eta_min)(1 + cos(pi e / t_max)) / 2, CosineAnnealingLR */
  MSC_LR_WARMUP_COSINE,   /* base (e + 1) / warmup for e < warmup, then cosine over t_max - warmup */
} MscLrScheduleKind;

typedef struct {
  MscLrScheduleKind kind;
  double base_lr;
  guint step_size;        /* STEP */
  double gamma;           /* STEP */
  guint t_max;            /* COSINE, WARMUP_COSINE: epochs of the schedule */
  double eta_min;         /* COSINE, WARMUP_COSINE */
  guint warmup;           /* WARMUP_COSINE, < t_max */
} MscLrSchedule;

gboolean msc_lr_schedule_check (const MscLrSchedule *s, GError **error);
/* Learning rate for epoch (or step) e, counting from 0. */
double   msc_lr_schedule_at    (const MscLrSchedule *s, guint e);

G_END_DECLS
