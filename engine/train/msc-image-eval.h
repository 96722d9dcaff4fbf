/* engine/train/msc-image-eval.h — image-level evaluation of a model bundle
 * (msc-analyze.h) on a manifest's cases: per-image records (abnormal and
 * malignant probability, findings at a threshold, lesion geometry, Dice
 * counts), then every headline number of a cross-validation fold from them
 * (AUCs with bootstrap intervals, ROC/PR, sensitivity at a specificity,
 * confusion matrices, lesion Dice, FROC by lesion type) as JSON and plots.
 *
 *   g_autoptr (GPtrArray) records = msc_image_eval_run (analyzer, manifest, cases, n,
 *                                                       0.5, NULL, NULL, NULL, &error);
 *   g_autoptr (MscImageEval) ev = msc_image_eval_compute (records, NULL, &error);
 *   g_autoptr (JsonNode) json = msc_image_eval_to_json (ev);   // "level": "image"
 *
 * The analyzer loop (msc_image_eval_run*) and the arithmetic
 * (msc_image_eval_compute) are separate so tests can inject records. This
 * header includes neither msc-analyze.h nor msc-metrics.h: both define an
 * MscFinding, so no file can include both (the loop lives in
 * msc-image-eval-run.c, the metrics in msc-image-eval.c).
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "msc-manifest.h"
#include "msc-plane.h"
#include "msc-train-error.h"

G_BEGIN_DECLS

typedef struct _MscAnalyzer MscAnalyzer;   /* msc-analyze.h */

/* Bootstrap defaults: 1000 stratified resamples, 95% percentile interval,
 * a fixed seed so a fold's JSON is reproducible. */
#define MSC_IMAGE_EVAL_BOOT      1000
#define MSC_IMAGE_EVAL_BOOT_SEED 20240517u

/* One finding of the model at the evaluation threshold, original pixels. */
typedef struct {
  double score;            /* highest probability in the region */
  double x, y;             /* its centre */
} MscImageEvalFinding;

/* One ground-truth lesion WITH geometry (lesions without a centre are not
 * kept: they count for the image's label, not for Dice or FROC). A finding
 * hits the lesion when its centre is inside the circle (mask == NULL) or on
 * a non-zero mask pixel (polygons are rasterised into a mask of the image,
 * so polygon and mask lesions cost one byte per image pixel while kept). */
typedef struct {
  double x, y, radius;     /* circle; for masks the centre of the mask's box, radius 0 */
  MscPlane *mask;          /* (nullable) U8, the image's size, owned */
  char *type;              /* "CIRC", "SPIC", "MISC", "CALC", ... or NULL */
  MscLabel severity;
} MscImageEvalLesion;

/* What one evaluated image contributes. */
typedef struct {
  char *path;                       /* image file */
  char *patient;
  MscLabel label;                   /* NORMAL, BENIGN or MALIGNANT */
  guint width, height;              /* image size */
  double abnormal_probability;      /* P(benign or malignant) */
  double malignant_probability;     /* P(malignant | abnormal) */
  double class_probabilities[3];    /* normal, benign, malignant */
  GArray *findings;                 /* MscImageEvalFinding, highest score first */
  GPtrArray *lesions;               /* MscImageEvalLesion, owned */
  gboolean has_overlap;             /* abnormal with lesion geometry: Dice counted */
  guint64 tp, fp, fn;               /* heatmap >= threshold vs the union of the lesions,
                                       pixels of the original grid (has_overlap only) */
} MscImageEvalRecord;

/* A record with no findings and no lesions. (transfer full) */
MscImageEvalRecord *msc_image_eval_record_new  (const char *path, const char *patient,
                                                MscLabel label);
void                msc_image_eval_record_free (MscImageEvalRecord *self);  /* NULL-safe */
/* Appends a finding (keep them in decreasing score). */
void                msc_image_eval_record_add_finding (MscImageEvalRecord *self, double score,
                                                       double x, double y);
/* Appends a circle lesion. */
void                msc_image_eval_record_add_circle  (MscImageEvalRecord *self, double x,
                                                       double y, double radius,
                                                       const char *type, MscLabel severity);
/* Takes the geometry of c's lesions on a width x height image (circles as
 * they are, polygons rasterised, masks loaded and checked against the
 * size) and, when heatmap (F32, width x height) is given and the case is
 * abnormal with some geometry, the Dice pixel counts of heatmap >=
 * threshold against the union of the lesion regions (circles rasterised:
 * pixels whose centres are within the radius). */
gboolean            msc_image_eval_record_set_truth   (MscImageEvalRecord *self,
                                                       const MscCase *c, guint width,
                                                       guint height, const MscPlane *heatmap,
                                                       double threshold, GError **error);
/* Whether a point (original pixels) lies on the lesion. */
gboolean            msc_image_eval_lesion_contains    (const MscImageEvalLesion *lesion,
                                                       double x, double y);
/* Lesions of the record hit by at least one of its findings. */
guint               msc_image_eval_record_lesions_hit (const MscImageEvalRecord *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscImageEvalRecord, msc_image_eval_record_free)

/* ---- the analyzer loop (msc-image-eval-run.c) ---- */

/* Called after each image: done of total, the image just analysed. */
typedef void (*MscImageEvalProgress) (guint done, guint total, const char *path,
                                      gpointer user_data);

/* Analyses cases[0..n_cases) of manifest in order and returns their
 * records (transfer full; GPtrArray of MscImageEvalRecord, freeing them).
 * UNLABELLED cases are skipped. Findings are those of the analyzer at
 * threshold (the model's own when threshold <= 0). The analyzer's assumed
 * spacing and threads are the caller's to set. Errors name the image;
 * CANCELLED when cancellable fires (checked between and inside images). */
GPtrArray *msc_image_eval_run        (MscAnalyzer *analyzer, MscManifest *manifest,
                                      const guint *cases, guint n_cases, double threshold,
                                      MscImageEvalProgress progress, gpointer user_data,
                                      GCancellable *cancellable, GError **error);

typedef struct {
  double threshold;             /* <= 0: the model card's */
  double assumed_spacing_mm;    /* for images without spacing (MIAS PNG 0.2); 0 refuses them */
  guint n_threads;              /* model kernel threads, 0 = processors */
} MscImageEvalRunOptions;

/* The same with the bundle at model_dir (model.json) loaded here, for
 * callers that cannot include msc-analyze.h. *threshold_used and *sha256
 * (weights file, transfer full) are set when non-NULL. */
GPtrArray *msc_image_eval_run_bundle (const char *model_dir, const MscImageEvalRunOptions *opts,
                                      MscManifest *manifest, const guint *cases, guint n_cases,
                                      MscImageEvalProgress progress, gpointer user_data,
                                      GCancellable *cancellable, double *threshold_used,
                                      char **sha256, GError **error);

/* ---- the metrics (msc-image-eval.c) ---- */

typedef struct {
  double threshold;       /* findings/heatmap threshold the records used, and the
                             probability threshold of the binary confusion matrices */
  guint n_boot;           /* bootstrap resamples (>= 2) */
  guint64 seed;           /* bootstrap seed */
} MscImageEvalOptions;

/* threshold 0.5, MSC_IMAGE_EVAL_BOOT resamples, MSC_IMAGE_EVAL_BOOT_SEED. */
void msc_image_eval_options_init (MscImageEvalOptions *opts);

typedef struct _MscImageEval MscImageEval;

/* Every metric from the records (GPtrArray of MscImageEvalRecord; a
 * reference is kept). A metric a subset cannot give (an AUC without
 * normal images, a FROC without calcifications) is left undefined and
 * comes out as null with a note, not as an error. EMPTY without records.
 * opts NULL: msc_image_eval_options_init. (transfer full) */
MscImageEval *msc_image_eval_compute (GPtrArray *records, const MscImageEvalOptions *opts,
                                      GError **error);
void          msc_image_eval_free    (MscImageEval *self);   /* NULL-safe */

/* The metrics JSON object, (transfer full):
 *   "level": "image", n_images, n_normal, n_abnormal, n_benign, n_malignant,
 *   threshold, bootstrap_resamples, bootstrap_seed,
 *   "abnormal" (normal vs abnormal, all images) and "malignant" (benign vs
 *   malignant, abnormal images): {n_positive, n_negative, auc, auc_ci95
 *   [lo, hi], average_precision, sensitivity_at_80_specificity,
 *   sensitivity_at_90_specificity, threshold, confusion {tp, fp, tn, fn,
 *   sensitivity, specificity} at threshold},
 *   class_confusion {classes, counts[true][predicted]} (argmax of the three
 *   class probabilities), dice {n_images, mean, pooled, pixels {tp, fp, fn}},
 *   froc {all, masses (CIRC/SPIC/MISC), calcifications (CALC)}: {n_lesions,
 *   sensitivity_at_fp {"0.25", "0.5", "1", "2"}}, mass_sensitivity_at_1fp,
 *   notes [why a value is null], per_image [{path, patient, label,
 *   abnormal_probability, malignant_probability, class_probabilities [3],
 *   findings [{score, center [x, y]}], lesions, lesions_hit, dice}].
 * Undefined numbers are null. */
JsonNode     *msc_image_eval_to_json (const MscImageEval *self);
/* roc-abnormal.png, roc-malignant.png, pr-abnormal.png and froc.png into
 * dir (created); a plot whose curve is undefined is not written and its
 * name goes to *skipped (transfer full, nullable) when given. */
gboolean      msc_image_eval_write_plots (const MscImageEval *self, const char *dir,
                                          GPtrArray **skipped, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscImageEval, msc_image_eval_free)

G_END_DECLS
