/* engine/nn/msc-norm.h — batch norm over (N, C, H, W) in training mode
 * (batch statistics, running-statistics update) and eval mode (running
 * statistics), and group norm, which MODELLING.md recommends for the small
 * batches we train with. Backward accumulates into dx, dgamma, dbeta.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gint64 n, c, h, w;      /* x, y: (N, C, H, W); gamma, beta, running_*: (C) */
  float eps;              /* added to the variance; PyTorch default 1e-5 */
  float momentum;         /* running = (1 - m) running + m batch; default 0.1 */
} MscBatchNormParams;

/* training: batch statistics need N * H * W >= 2 values per channel (the
 * unbiased variance of one value is undefined; PyTorch refuses it too). */
gboolean msc_batch_norm_check          (const MscBatchNormParams *p, gboolean training, GError **error);
/* Floats of `saved` (the README's scratch: written by the training forward,
 * read by its backward): mean and 1/std per channel, (2, C). */
gsize    msc_batch_norm_scratch_floats   (const MscBatchNormParams *p);

/* Normalises with the biased batch variance and updates running_mean and
 * running_var (either may be NULL) with the UNBIASED variance, as PyTorch
 * does. saved: (2, C) written for backward. */
void     msc_batch_norm_forward_train  (const MscBatchNormParams *p, const float *x,
                                        const float *gamma, const float *beta,
                                        float *running_mean, float *running_var,
                                        float *y, float *saved);
void     msc_batch_norm_backward_train (const MscBatchNormParams *p, const float *x,
                                        const float *gamma, const float *saved, const float *dy,
                                        float *dx, float *dgamma, float *dbeta);

/* Eval: y = gamma (x - running_mean) / sqrt(running_var + eps) + beta. */
void     msc_batch_norm_forward_eval   (const MscBatchNormParams *p, const float *x,
                                        const float *gamma, const float *beta,
                                        const float *running_mean, const float *running_var, float *y);
void     msc_batch_norm_backward_eval  (const MscBatchNormParams *p, const float *x,
                                        const float *gamma, const float *running_mean,
                                        const float *running_var, const float *dy,
                                        float *dx, float *dgamma, float *dbeta);

typedef struct {
  gint64 n, c, h, w;      /* x, y: (N, C, H, W); gamma, beta: (C) */
  gint64 groups;          /* divides C */
  float eps;              /* PyTorch default 1e-5 */
} MscGroupNormParams;

gboolean msc_group_norm_check        (const MscGroupNormParams *p, GError **error);
/* Floats of `saved` (forward writes, backward reads): mean and 1/std per
 * (image, group), (2, N, G). */
gsize    msc_group_norm_scratch_floats (const MscGroupNormParams *p);
void     msc_group_norm_forward      (const MscGroupNormParams *p, const float *x,
                                      const float *gamma, const float *beta, float *y, float *saved);
void     msc_group_norm_backward     (const MscGroupNormParams *p, const float *x,
                                      const float *gamma, const float *saved, const float *dy,
                                      float *dx, float *dgamma, float *dbeta);

/* The same computation restricted to channels [c0, c1): each channel is
 * independent, so running disjoint ranges (e.g. on threads) gives results
 * bit-identical to the whole-tensor call. Pointers are to the whole tensors. */
void msc_batch_norm_forward_train_channels  (const MscBatchNormParams *p, gint64 c0, gint64 c1,
                                             const float *x, const float *gamma, const float *beta,
                                             float *running_mean, float *running_var,
                                             float *y, float *saved);
void msc_batch_norm_backward_train_channels (const MscBatchNormParams *p, gint64 c0, gint64 c1,
                                             const float *x, const float *gamma, const float *saved,
                                             const float *dy, float *dx, float *dgamma, float *dbeta);

G_END_DECLS
