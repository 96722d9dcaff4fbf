/* engine/train/msc-train-eval.h — patch-level scores of a trained model on
 * chosen cases: the same fixed, unaugmented patches MscTrainer validates on
 * (lesion-centred and background at the configured share), with one score
 * and one label per patch, for ROC/PR/confusion and pixel Dice/IoU.
 * These are PATCH-level numbers, not image-level ones.
 */
#pragma once

#include "msc-metrics.h"
#include "msc-model.h"
#include "msc-trainer.h"

G_BEGIN_DECLS

typedef struct {
  gsize n;                 /* patches */
  double *scores;          /* (n) lesion probability: 1 - p(background) with a flat class
                              head, sigmoid(abnormal) with a hierarchical one, else the
                              patch's highest mask probability */
  guint8 *labels;          /* (n) 1 = the patch holds a lesion (class > 0, or any
                              target mask pixel without a class head) */
  gboolean has_mask;       /* the model has a segmentation head */
  MscCounts pixels;        /* mask pixels at p >= 0.5 vs the target (has_mask only) */
} MscPatchScores;

/* Scores n_patches patches drawn from cases (patch j from cases[j % n_cases],
 * as msc_trainer_evaluate draws them) with cfg's data settings; model is
 * used in inference mode and left so. (transfer full) */
MscPatchScores *msc_train_eval_patches (const MscTrainerConfig *cfg, MscManifest *manifest,
                                        MscModel *model, const guint *cases, guint n_cases,
                                        guint n_patches, GError **error);
void            msc_patch_scores_free  (MscPatchScores *self);   /* NULL-safe */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscPatchScores, msc_patch_scores_free)

G_END_DECLS
