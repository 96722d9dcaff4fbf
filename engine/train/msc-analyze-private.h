/* engine/train/msc-analyze-private.h — what msc-analyze.c and
 * msc-analyze-findings.c share, and the class-probability arithmetic the
 * tests check by hand.
 */
#pragma once

#include "msc-analyze.h"

G_BEGIN_DECLS

/* heat: (transfer full) F32 map on the original grid; row_mm/col_mm the
 * image's spacing (0 when unknown: areas are then 0). */
MscAnalysis *msc_analysis_new (MscPlane *heat, const MscClassProbabilities *probs,
                               double row_mm, double col_mm, double min_area_mm2,
                               double seconds);

/* logits: {normal, benign, malignant} logits (softmax), or {abnormal,
 * malignant} logits when hierarchical: normal = 1 - pa, benign =
 * pa (1 - pm), malignant = pa pm with pa = sigmoid (a), pm = sigmoid (m). */
void msc_analyze_class_probabilities (const double *logits, gboolean hierarchical,
                                      MscClassProbabilities *out);

G_END_DECLS
