/* engine/nn/msc-loss.h — segmentation and classification losses on logits:
 * soft Dice, weighted sigmoid binary cross-entropy with pos_weight, softmax
 * cross-entropy with class weights, and binary focal loss. Each returns the
 * mean loss (accumulated in double) and ACCUMULATES dLoss/dlogits into
 * dlogits (NULL = loss only), so losses can be summed into one gradient.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gint64 n;               /* images */
  gint64 per_image;       /* logits and targets per image (C * H * W) */
  float smooth;           /* added to numerator and denominator, e.g. 1 */
} MscDiceParams;

gboolean msc_dice_check (const MscDiceParams *p, GError **error);
/* logits, targets, dlogits: (N, per_image); p = sigmoid(logits);
 * loss = mean_n [1 - (2 sum p t + s) / (sum p + sum t + s)]. */
double   msc_dice_loss  (const MscDiceParams *p, const float *logits, const float *targets, float *dlogits);

typedef struct {
  gint64 count;           /* elements */
  float pos_weight;       /* weight of the positive term (1 = plain BCE) */
} MscBceParams;

gboolean msc_bce_check (const MscBceParams *p, GError **error);
/* logits, targets, dlogits: (count); weight: (count) or NULL (all 1).
 * Mean over elements of -w [pw t log s(x) + (1 - t) log(1 - s(x))], as
 * torch BCEWithLogitsLoss(weight, pos_weight) with a scalar pos_weight. */
double   msc_bce_loss  (const MscBceParams *p, const float *logits, const float *targets,
                        const float *weight, float *dlogits);

typedef struct {
  gint64 n, c;            /* logits: (N, C) or (N, C, H, W) */
  gint64 hw;              /* H * W; 1 for (N, C) */
  const float *weight;    /* (C) class weights or NULL (all 1) */
} MscCrossEntropyParams;

/* targets: (N, H, W) class indices; may be NULL to check shapes only. */
gboolean msc_cross_entropy_check (const MscCrossEntropyParams *p, const gint32 *targets, GError **error);
/* Mean weighted like torch CrossEntropyLoss(weight): sum_i w[t_i] nll_i /
 * sum_i w[t_i]. Targets must have passed msc_cross_entropy_check. */
double   msc_cross_entropy_loss  (const MscCrossEntropyParams *p, const float *logits,
                                  const gint32 *targets, float *dlogits);

typedef struct {
  gint64 count;           /* elements */
  float alpha;            /* weight of positives in [0, 1]; < 0 disables */
  float gamma;            /* focusing exponent >= 0 (2 is usual) */
} MscFocalParams;

gboolean msc_focal_check (const MscFocalParams *p, GError **error);
/* Binary focal loss on logits (Lin et al. 2017; as torchvision's
 * sigmoid_focal_loss with reduction='mean'): a_t (1 - p_t)^gamma BCE. */
double   msc_focal_loss  (const MscFocalParams *p, const float *logits, const float *targets, float *dlogits);

G_END_DECLS
