/* engine/train/msc-metrics.h — evaluation metrics for lesion segmentation,
 * image-level classification and lesion detection (FROC), plus the mean and
 * spread across cross-validation folds. Pure functions over plain arrays in
 * double precision; nothing here keeps a pointer to its inputs. The
 * definitions (and how ties and empty sets count) are written next to each
 * function because the reported numbers depend on them.
 */
#pragma once

#include <glib.h>
#include "msc-plane.h"
#include "msc-rng.h"
#include "msc-train-error.h"

G_BEGIN_DECLS

/* ---- Counts ------------------------------------------------------------ */

/* A 2x2 confusion matrix: positives predicted/true. */
typedef struct {
  guint64 tp, fp, tn, fn;
} MscCounts;

/* Derived rates with the conventions used everywhere in this header when a
 * denominator is zero ("nothing to find and nothing claimed is perfect"):
 *   sensitivity (recall) = tp / (tp + fn); no positives: 1 if fp = 0, else 0
 *   specificity          = tn / (tn + fp); no negatives: 1
 *   precision (PPV)      = tp / (tp + fp); nothing predicted: 1 if fn = 0, else 0
 *   F1 = 2PR / (P + R), 0 when P + R = 0 */
double msc_metrics_sensitivity (const MscCounts *c);
double msc_metrics_specificity (const MscCounts *c);
double msc_metrics_precision   (const MscCounts *c);
double msc_metrics_f1          (const MscCounts *c);

/* ---- Segmentation ------------------------------------------------------ */

typedef struct {
  MscCounts counts;   /* pixels; foreground = positive */
  double dice;        /* 2 tp / (2 tp + fp + fn); two empty masks: 1 */
  double iou;         /* tp / (tp + fp + fn); two empty masks: 1 */
  double precision;   /* conventions of msc_metrics_precision */
  double recall;      /* msc_metrics_sensitivity */
  double f1;          /* equals dice whenever both are defined */
} MscOverlap;

/* Overlap of two U8 masks of the same size; any non-zero pixel is
 * foreground (masks hold 0/255). INVALID for another format or size. */
gboolean msc_metrics_mask_overlap (const MscPlane *predicted, const MscPlane *truth,
                                   MscOverlap *out, GError **error);
/* Overlap of an F32 probability map thresholded at `threshold` (p >= t is
 * foreground) with a U8 mask. NaN probabilities are refused (INVALID). */
gboolean msc_metrics_prob_overlap (const MscPlane *probability, double threshold,
                                   const MscPlane *truth, MscOverlap *out, GError **error);

/* ---- Image-level scores ------------------------------------------------ */

/* Every function below takes n scores (finite doubles: NaN and infinities
 * are refused with INVALID naming the index) and n labels (0 = negative,
 * anything else = positive). Curves need at least one positive and one
 * negative: otherwise EMPTY (an AUC with no positives is undefined, and a
 * silent NaN would poison fold means). n = 0 is EMPTY too.
 *
 * Thresholds: a case is called positive when score >= threshold. Equal
 * scores are one group: a curve gets one point per distinct score, never
 * a point between tied cases, so AUC with ties equals the Mann-Whitney U
 * statistic / (n_pos n_neg) (a tied positive-negative pair counts 1/2). */

/* ROC curve. Points run from (0, 0) (threshold +inf) through one point per
 * distinct score in decreasing order to (1, 1); fpr and tpr never
 * decrease. auc is the trapezoid area under these points. */
typedef struct {
  gsize n_points;
  double *fpr;         /* (n_points) false positive rate = 1 - specificity */
  double *tpr;         /* (n_points) sensitivity */
  double *thresholds;  /* (n_points) thresholds[0] = +inf */
  double auc;
  gsize n_pos, n_neg;
} MscRoc;

MscRoc  *msc_metrics_roc      (const double *scores, const guint8 *labels, gsize n,
                               GError **error);
void     msc_metrics_roc_free (MscRoc *roc);  /* NULL-safe */
/* Only the area (same definition as MscRoc.auc). */
gboolean msc_metrics_auc      (const double *scores, const guint8 *labels, gsize n,
                               double *auc, GError **error);

/* Vertical average of several ROC curves (one per fold) on a grid of n_grid
 * false positive rates 0, 1/(n_grid-1), ..., 1: each curve's tpr at a grid
 * fpr is read off its piecewise linear curve (the top of a vertical step
 * when the fpr falls on one). auc is the trapezoid area of the mean curve;
 * thresholds are NaN. n_grid >= 2, n_rocs >= 1. */
MscRoc  *msc_metrics_roc_average (const MscRoc *const *rocs, gsize n_rocs, gsize n_grid,
                                  GError **error);

/* Sensitivity at a specificity target: the highest tpr among the ROC points
 * whose specificity (1 - fpr) >= target (no interpolation between points:
 * the operating point must be reachable by a threshold). The threshold of
 * that point goes to *threshold when non-NULL. Always defined, since the
 * first point has specificity 1; target outside [0, 1] is INVALID. */
gboolean msc_metrics_sensitivity_at_specificity (const MscRoc *roc, double target,
                                                 double *sensitivity, double *threshold,
                                                 GError **error);

/* Bootstrap confidence interval of the ROC AUC: n_boot stratified
 * resamples (positives and negatives resampled separately with
 * replacement, so every resample has both classes and the class ratio of
 * the data), percentile interval at `level` (e.g. 0.95: the 2.5% and 97.5%
 * quantiles, linear interpolation between order statistics). Deterministic
 * for a given rng state; rng advances. n_boot >= 2, 0 < level < 1. */
gboolean msc_metrics_auc_bootstrap (const double *scores, const guint8 *labels, gsize n,
                                    guint n_boot, double level, MscRng *rng,
                                    double *lower, double *upper, GError **error);

/* Platt scaling: fits p' = sigmoid (a logit (p) + b) to probabilities p
 * (clamped to [1e-6, 1 - 1e-6]) and 0/1 labels by Newton's method on the
 * log-likelihood, with Platt's smoothed targets (N+ + 1) / (N+ + 2) and
 * 1 / (N- + 2) so that separable data still gives finite a, b. Needs both
 * classes; a > 0 is not enforced (a <= 0 means the scores rank backwards,
 * which the caller should refuse to apply). */
gboolean msc_metrics_platt_fit (const double *probabilities, const guint8 *labels, gsize n,
                                double *a, double *b, GError **error);

/* Precision-recall curve. Points start at recall 0, precision 1 (threshold
 * +inf) and follow the distinct scores in decreasing order. average_precision
 * = sum over points k >= 1 of (recall_k - recall_{k-1}) precision_k, the step
 * (not trapezoid) sum, which does not reward linear interpolation between
 * points (sklearn's average_precision_score). */
typedef struct {
  gsize n_points;
  double *recall;      /* (n_points) non-decreasing */
  double *precision;   /* (n_points) */
  double *thresholds;  /* (n_points) thresholds[0] = +inf */
  double average_precision;
  gsize n_pos, n_neg;
} MscPrCurve;

MscPrCurve *msc_metrics_pr      (const double *scores, const guint8 *labels, gsize n,
                                 GError **error);
void        msc_metrics_pr_free (MscPrCurve *pr);  /* NULL-safe */

/* 2x2 confusion matrix at a threshold (score >= threshold is positive). */
gboolean msc_metrics_confusion_binary (const double *scores, const guint8 *labels, gsize n,
                                       double threshold, MscCounts *out, GError **error);

/* n_classes x n_classes confusion matrix from class probabilities
 * (n, n_classes) row-major: the prediction is the argmax (ties go to the
 * lower class index, i.e. the less severe one for normal/benign/malignant).
 * counts is (n_classes, n_classes), row = true class, column = predicted,
 * overwritten. truth[i] >= n_classes or a NaN probability is INVALID.
 * 2 <= n_classes <= 16; n = 0 is EMPTY. */
gboolean msc_metrics_confusion_argmax (const double *probabilities, const guint *truth,
                                       gsize n, guint n_classes, guint64 *counts,
                                       GError **error);

/* ---- FROC ------------------------------------------------------------- */

/* Coordinates are top-down image pixels (x right, y down; MIAS rows are
 * 1023 - y_from_bottom). */
typedef struct {
  double score;
  double x, y;       /* the finding's centre */
} MscFinding;

/* A ground-truth lesion: a circle, or a U8 mask of the image (non-zero =
 * lesion) when mask is non-NULL; the mask is borrowed. */
typedef struct {
  double x, y, radius;
  const MscPlane *mask;  /* (nullable) */
} MscFrocLesion;

typedef struct {
  const MscFinding *findings;  /* (n_findings) */
  gsize n_findings;
  const MscFrocLesion *lesions;    /* (n_lesions) */
  gsize n_lesions;
} MscFrocImage;

/* FROC over a set of images. A finding hits a lesion when its centre lies
 * inside the circle ((x-cx)^2 + (y-cy)^2 <= r^2, the boundary counts) or on
 * a non-zero pixel of the mask (pixel (round(x), round(y)); outside the mask
 * is a miss). Each lesion is detected once, at the score of its
 * highest-scoring hit. A finding that hits some lesion is never a false
 * positive, even when a higher-scoring finding already took that lesion
 * (a second mark on one mass is a duplicate, not a false alarm: the
 * convention of CAD FROC studies); a finding that hits no lesion is a false
 * positive. Points: (0, 0) at threshold +inf, then one per distinct score
 * (findings and lesion scores together) in decreasing order:
 * fp_per_image = FPs with score >= t / n_images, sensitivity = lesions
 * detected with score >= t / n_lesions. Images without lesions count in
 * n_images. No lesions at all, or no images: EMPTY. */
typedef struct {
  gsize n_points;
  double *fp_per_image;  /* (n_points) non-decreasing */
  double *sensitivity;   /* (n_points) non-decreasing */
  double *thresholds;    /* (n_points) thresholds[0] = +inf */
  gsize n_images, n_lesions;
} MscFroc;

MscFroc *msc_metrics_froc      (const MscFrocImage *images, gsize n_images, GError **error);
void     msc_metrics_froc_free (MscFroc *froc);  /* NULL-safe */
/* Sensitivity at a false-positive rate, as a step: the highest sensitivity
 * among points with fp_per_image <= rate (no interpolation, so the figure is
 * reachable by one threshold). Beyond the curve's last point the final
 * sensitivity holds (lowering the threshold further adds nothing). */
double   msc_metrics_froc_sensitivity_at (const MscFroc *froc, double fp_per_image);

/* ---- Across folds ------------------------------------------------------ */

typedef struct {
  gsize n;
  double mean;
  double sd;        /* sample standard deviation (n - 1); NaN when n = 1 */
  double min, max;
} MscSummary;

/* Mean and spread of n values (one per fold). NaN values are INVALID
 * (fix the fold, do not average it away); n = 0 is EMPTY. */
gboolean msc_metrics_summarize (const double *values, gsize n, MscSummary *out,
                                GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscRoc, msc_metrics_roc_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscPrCurve, msc_metrics_pr_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscFroc, msc_metrics_froc_free)

G_END_DECLS
