/* engine/imaging/msc-preprocess.h — the preprocessing chain, step by step.
 *
 * A chain is a list of named steps ("median,mask,artefacts,pectoral,orient,
 * crop,clahe") run in the order given on one image. Geometry steps carry
 * the breast mask, the muscle polygon and the source -> result transform
 * along, so anything computed on the result (a model's heatmap, a contour)
 * maps back onto the original pixels through msc_preprocess_get_transform.
 * Every step can keep a copy of its output for the CLI's side-by-side view.
 */
#pragma once

#include <gio/gio.h>

#include "msc-breast.h"
#include "msc-geometry.h"
#include "msc-image.h"
#include "msc-pectoral.h"
#include "msc-plane.h"
#include "msc-threadpool.h"

G_BEGIN_DECLS

/* The steps a chain may name; the CLI's --steps help prints this list. */
#define MSC_PREPROCESS_STEPS \
  "median,mask,artefacts,pectoral,orient,crop,resample,letterbox,stretch,clahe," \
  "morph-enhance,unsharp-enhance,normalize"
#define MSC_PREPROCESS_DEFAULT_STEPS "median,mask,artefacts,pectoral,orient,crop,clahe"

typedef struct {
  double source_mm;            /* pixel spacing to assume when the image has none; 0 = refuse */
  double target_mm;            /* resample: target pixel spacing (default 0.4) */
  guint letterbox_width;       /* letterbox: output size (default 512 x 512) */
  guint letterbox_height;
  double clahe_clip;           /* clahe: clip limit (default 2.0) */
  guint clahe_tiles;           /* clahe: tiles per side (default 8) */
  double pectoral_min_confidence; /* pectoral: below this the muscle stays in the mask (default 0.5) */
  gboolean keep_stages;        /* keep a copy of every step's output */
} MscPreprocessOptions;

/* Fills opts with the defaults above. */
void msc_preprocess_options_init (MscPreprocessOptions *opts);

typedef struct _MscPreprocess MscPreprocess;

/* One step's output, kept when keep_stages is set. */
typedef struct {
  const char *name;            /* the step's name */
  MscPlane *plane;             /* its output (U8, U16 or F32) */
  MscPlane *mask;              /* (nullable) the breast mask at that point */
  GArray *muscle;              /* (nullable) MscPoint polygon at that point */
  double seconds;              /* wall time of the step */
  char *summary;               /* one line: what the step found or did */
} MscPreprocessStage;

/* Runs steps (comma separated; NULL = the default chain) on image. The
 * image's stored values are used as they are; MONOCHROME1 images are
 * inverted first so bright always means dense. "pectoral" does nothing on
 * views other than MLO. (transfer full) */
MscPreprocess *msc_preprocess_run (const MscImage *image, const char *steps,
                                   const MscPreprocessOptions *opts, MscThreadPool *pool,
                                   GCancellable *cancellable, GError **error);
/* The same on a plane (bright = dense) of unknown view; row_mm/col_mm 0
 * when unknown. */
MscPreprocess *msc_preprocess_run_plane (const MscPlane *plane, double row_mm, double col_mm,
                                         const char *steps, const MscPreprocessOptions *opts,
                                         MscThreadPool *pool, GCancellable *cancellable,
                                         GError **error);
void           msc_preprocess_run_async  (const MscImage *image, const char *steps,
                                          const MscPreprocessOptions *opts,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
MscPreprocess *msc_preprocess_run_finish (GAsyncResult *result, GError **error);
void           msc_preprocess_free       (MscPreprocess *self);     /* NULL-safe */

/* The final plane, (nullable) mask and muscle polygon, in result pixels. (transfer none) */
const MscPlane  *msc_preprocess_get_plane     (const MscPreprocess *self);
const MscPlane  *msc_preprocess_get_mask      (const MscPreprocess *self);
const GArray    *msc_preprocess_get_muscle    (const MscPreprocess *self);
/* (nullable) the muscle detection, if the chain ran "pectoral" (coordinates where it ran). */
const MscPectoral *msc_preprocess_get_pectoral (const MscPreprocess *self);
/* Source pixel -> result pixel; invert it to map results back. */
const MscAffine *msc_preprocess_get_transform (const MscPreprocess *self);
/* Spacing of the result pixels in mm (0 when unknown). */
double           msc_preprocess_get_spacing_mm (const MscPreprocess *self);
/* TRUE when "orient" flipped the image. */
gboolean         msc_preprocess_get_flipped   (const MscPreprocess *self);
guint            msc_preprocess_get_n_stages  (const MscPreprocess *self);
const MscPreprocessStage *msc_preprocess_get_stage (const MscPreprocess *self, guint index);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscPreprocess, msc_preprocess_free)

G_END_DECLS
