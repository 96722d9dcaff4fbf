/* engine/train/msc-analyze.h — running a trained model bundle on one image:
 * preprocessing, tiled inference, the probability map mapped back onto the
 * original pixels, class probabilities and findings at a movable threshold.
 * Used by `mammoscope-cli analyze` and the viewer. It lives in engine/train
 * (not engine/models) because it needs engine/imaging's preprocessing and
 * contours, which engine/models does not depend on.
 *
 *   g_autoptr (MscAnalyzer) a = msc_analyzer_load ("data/models/default", &error);
 *   g_autoptr (MscAnalysis) r = msc_analyze_image (a, image, NULL, &error);
 *   g_autoptr (GPtrArray) findings = msc_analysis_findings (r, 0.5);  // MscFinding *
 *
 * A model bundle is a folder with model.json (the model card):
 *
 *   {"format": "mammoscope-model", "format_version": 1,
 *    "name": "mias-unet", "version": "1.0",
 *    "graph": "graph.json", "weights": "weights.safetensors",
 *    "preprocess": "mask,orient,crop,resample,clahe",
 *    "pixel_spacing_mm": 0.4,
 *    "normalization": {"mean": 0.5, "std": 0.25},
 *    "outputs": {"heatmap": "mask_logits",
 *                "abnormal": "abnormal_logit", "malignant": "malignant_logit"},
 *    "threshold": 0.5, "intended_use": "..."}
 *
 * "outputs" names either "class_logits" (3 logits: normal, benign,
 * malignant) or the hierarchical pair "abnormal" + "malignant"; "heatmap"
 * is an (N, 1, H, W) logit map. Optional: "input_multiple" (tile sides are
 * padded to a multiple of it, default 32 for 5 poolings) and
 * "min_area_mm2" (findings smaller than this are dropped, default 1.0),
 * "patch_size" (see below; a whole multiple of "input_multiple"),
 * "calibration" {"abnormal": {"a", "b"}, "malignant": {...}} (Platt maps
 * p -> sigmoid (a logit (p) + b), a > 0, fitted on held-out predictions).
 * Input normalisation: the preprocessed plane is scaled to 0..1 (U8/U16 by
 * their maximum value, F32 as it is), then (v - mean) / std.
 *
 * The heatmap output must have the input's size. Planes larger than one
 * tile run as overlapping tiles (MSC_ANALYZE_TILE, MSC_ANALYZE_OVERLAP)
 * blended with linear ramps over the overlap, so memory stays bounded.
 * Class probabilities: with "patch_size" (models trained on patches, as
 * `train` writes them) P(abnormal) is the peak of the map in the breast,
 * and P(malignant | abnormal) what the class head says of the most
 * lesion-like of the patches of that size centred on the
 * MSC_ANALYZE_CANDIDATES highest points of the map; without it
 * (whole-image heads) the tiles' logits are averaged, weighted by tile
 * area.
 * The kept probability map is at the ORIGINAL resolution (4 bytes per
 * pixel: 4 MiB for 1024 x 1024, 90 MiB for 4096 x 5600), zero outside the
 * breast when the chain computed a mask ("mask" step).
 */
#pragma once

#include <gio/gio.h>
#include "msc-contour.h"
#include "msc-image.h"
#include "msc-plane.h"
#include "msc-train-error.h"

G_BEGIN_DECLS

#define MSC_MODEL_CARD_FORMAT  "mammoscope-model"
#define MSC_MODEL_CARD_VERSION 1
/* Inference tiles: sides at most this, overlapping by the margin, blended
 * with weights that ramp down linearly over the margin. */
#define MSC_ANALYZE_TILE     512
#define MSC_ANALYZE_OVERLAP  64
/* Patch-trained class heads (cards with "patch_size") judge this many
 * patches centred on the map's most suspicious places. */
#define MSC_ANALYZE_CANDIDATES 3

typedef struct _MscAnalyzer MscAnalyzer;
typedef struct _MscAnalysis MscAnalysis;

typedef struct {
  double normal, benign, malignant;          /* sum to 1 */
} MscClassProbabilities;

/* One suspicious region of the probability map, in ORIGINAL image pixels
 * (top-down rows, pixel centres at integers). */
typedef struct {
  double score;                  /* highest probability inside the region */
  double center_x, center_y;     /* probability-weighted centroid */
  GArray *contour;               /* MscPoint, simplified (0.5 px), closed implicitly */
  double area_mm2;               /* of the contour, with the image's spacing */
  guint bbox_x, bbox_y, bbox_width, bbox_height; /* pixels at or above the threshold */
} MscFinding;

void msc_finding_free (MscFinding *finding);                   /* NULL-safe */

/* Reads and validates dir/model.json, then the graph and the weights it
 * names (checked against each other). Every problem names the file. */
MscAnalyzer *msc_analyzer_load      (const char *dir, GError **error);
void         msc_analyzer_free      (MscAnalyzer *self);       /* NULL-safe */
const char  *msc_analyzer_get_name  (const MscAnalyzer *self);
const char  *msc_analyzer_get_version (const MscAnalyzer *self);
/* Lowercase hex SHA-256 of the weights file. */
const char  *msc_analyzer_get_sha256 (const MscAnalyzer *self);
double       msc_analyzer_get_threshold (const MscAnalyzer *self);
const char  *msc_analyzer_get_intended_use (const MscAnalyzer *self);
const char  *msc_analyzer_get_preprocess (const MscAnalyzer *self);
/* Spacing (mm) assumed for images that carry none, e.g. PNG scans;
 * 0 (the default) refuses such images. */
void         msc_analyzer_set_assumed_spacing (MscAnalyzer *self, double mm);
/* Kernel threads of the model (0 = processors). */
void         msc_analyzer_set_threads (MscAnalyzer *self, guint n_threads);

/* Analyses one image. Thread-safe: calls on one analyzer are serialised. */
MscAnalysis *msc_analyze_image        (MscAnalyzer *self, const MscImage *image,
                                       GCancellable *cancellable, GError **error);
void         msc_analyze_image_async  (MscAnalyzer *self, const MscImage *image,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
MscAnalysis *msc_analyze_image_finish (MscAnalyzer *self, GAsyncResult *result, GError **error);

void         msc_analysis_free        (MscAnalysis *self);     /* NULL-safe */
/* The probability map, F32 0..1, on the original image grid (same width
 * and height as the image), 0 outside the breast. (transfer none) */
const MscPlane *msc_analysis_get_heatmap (const MscAnalysis *self);
void         msc_analysis_get_class_probabilities (const MscAnalysis *self,
                                                   MscClassProbabilities *out);
double       msc_analysis_get_abnormal_probability  (const MscAnalysis *self);
double       msc_analysis_get_malignant_probability (const MscAnalysis *self);
double       msc_analysis_get_seconds (const MscAnalysis *self);
/* Findings at threshold (re-extracted from the kept map on each call),
 * highest score first. (transfer full) GPtrArray of MscFinding, freeing them. */
GPtrArray   *msc_analysis_findings    (const MscAnalysis *self, double threshold);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscAnalyzer, msc_analyzer_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscAnalysis, msc_analysis_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscFinding, msc_finding_free)

G_END_DECLS
