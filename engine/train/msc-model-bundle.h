/* engine/train/msc-model-bundle.h — turning a finished training run into a
 * model bundle the analyzer loads: model.json (the card), the graph and
 * model.safetensors (weights only, no optimiser state).
 *
 * The card says how the model was trained so `analyze` repeats it exactly:
 * the preprocessing chain, the pixel spacing, the training patch size (the
 * class head judges patches of that size), which graph outputs play which
 * role, and what the model is for.
 */
#pragma once

#include "msc-graph.h"
#include "msc-model.h"
#include "msc-trainer.h"

G_BEGIN_DECLS

/* What a person says about the model; NULL fields take the defaults below. */
typedef struct {
  const char *name;            /* default: the graph's name */
  const char *version;         /* default: "step N" */
  const char *description;     /* default: none */
  const char *intended_use;    /* default: MSC_MODEL_BUNDLE_INTENDED_USE */
  double threshold;            /* finding threshold; 0 = 0.5 */
  /* Platt maps {a, b} for P(abnormal) and P(malignant | abnormal), fitted
   * on held-out predictions; a = 0: none written. */
  double calibration_abnormal[2];
  double calibration_malignant[2];
} MscModelBundleInfo;

#define MSC_MODEL_BUNDLE_INTENDED_USE \
  "Research use only. Marks regions for a radiologist to look at; it supports " \
  "a radiologist's reading and never replaces it."

/* Can this run become a bundle? NULL if so, else (transfer full) why not:
 * the analyzer needs a heatmap and a class head, and a preprocessing chain
 * (a run on raw values, "", has none to repeat). */
char    *msc_model_bundle_why_not (const MscGraph *graph, const MscTrainerConfig *cfg);

/* Writes dir/model.json, dir/model.safetensors and, unless it is already
 * there, dir/graph.json. model: the trained model (its graph gives the
 * output roles: "class_logits", or "abnormal_logit" + "malignant_logit");
 * cfg: the run's configuration (chain, spacing, patch size, heatmap output).
 * Files are replaced atomically. */
gboolean msc_model_bundle_write (const char *dir, MscModel *model, const MscTrainerConfig *cfg,
                                 const MscModelBundleInfo *info, guint step, GError **error);

G_END_DECLS
