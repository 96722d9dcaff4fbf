/* engine/imaging/msc-preprocess.c — runs a named chain of imaging steps.
 *
 * Each step is a small function over the chain's state (current plane,
 * breast mask, muscle polygon, source -> result transform). Geometry steps
 * move the mask and polygon with the pixels, so a step after a crop still
 * sees the breast where it is; steps that need the breast segmentation
 * itself (artefacts, pectoral, orient) must follow "mask" with no geometry
 * step in between, and say so when they do not.
 */
#include "msc-preprocess.h"

#include <math.h>
#include <string.h>

#include "msc-contour.h"
#include "msc-enhance.h"
#include "msc-filter.h"
#include "msc-i18n.h"
#include "msc-imaging-error.h"

struct _MscPreprocess {
  MscPlane *plane;             /* the current result */
  MscPlane *mask;              /* (nullable) U8 breast mask in result pixels */
  MscBreast *breast;           /* (nullable) valid until the next geometry step */
  MscPectoral *pectoral;       /* (nullable) as detected, where it was detected */
  GArray *muscle;              /* (nullable) MscPoint polygon in result pixels */
  MscAffine transform;         /* source pixel -> result pixel */
  double spacing_mm;           /* result pixel spacing; 0 = unknown */
  gboolean flipped;
  char *view;                  /* (nullable) "CC", "MLO"...: the muscle is sought on MLO only */
  GPtrArray *stages;           /* MscPreprocessStage */

  /* Only during a run: */
  const MscPreprocessOptions *opts;
  MscThreadPool *pool;
  char *summary;               /* the running step's one-line summary */
};

typedef gboolean (*StepFunc) (MscPreprocess *self, GError **error);

void
msc_preprocess_options_init (MscPreprocessOptions *opts)
{
  memset (opts, 0, sizeof *opts);
  opts->target_mm = 0.4;
  opts->letterbox_width = 512;
  opts->letterbox_height = 512;
  opts->clahe_clip = 2.0;
  opts->clahe_tiles = 8;
  opts->pectoral_min_confidence = 0.5;
}

static void
set_summary (MscPreprocess *self, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
set_summary (MscPreprocess *self, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_free (self->summary);
  self->summary = g_strdup_vprintf (format, args);
  va_end (args);
}

static void
replace_plane (MscPreprocess *self, MscPlane *plane)
{
  msc_plane_free (self->plane);
  self->plane = plane;
}

static gboolean
need_breast (MscPreprocess *self, const char *step, GError **error)
{
  if (self->breast != NULL)
    return TRUE;
  g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
               _("step “%s” needs “mask” before it, with no geometry step in between"), step);
  return FALSE;
}

static gboolean
need_mask (MscPreprocess *self, const char *step, GError **error)
{
  if (self->mask != NULL)
    return TRUE;
  g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
               _("step “%s” needs “mask” before it"), step);
  return FALSE;
}

/* After a geometry step produced `plane` from the current plane through
 * `step` (old pixel -> new pixel): move the mask and polygon along, chain
 * the transform, and drop the segmentation, which no longer fits. */
static gboolean
apply_geometry (MscPreprocess *self, MscPlane *plane, const MscAffine *step, GError **error)
{
  g_autoptr (MscPlane) owned = plane;
  if (self->mask != NULL)
    {
      /* Nearest neighbour keeps a mask binary; crops and flips stay exact. */
      MscPlane *mask = msc_geometry_warp (self->mask, step, msc_plane_get_width (plane),
                                          msc_plane_get_height (plane), MSC_INTERP_NEAREST,
                                          self->pool, error);
      if (mask == NULL)
        return FALSE;
      msc_plane_free (self->mask);
      self->mask = mask;
    }
  for (guint i = 0; self->muscle && i < self->muscle->len; i++)
    {
      MscPoint *p = &g_array_index (self->muscle, MscPoint, i);
      msc_affine_apply (step, p->x, p->y, &p->x, &p->y);
    }
  msc_affine_then (&self->transform, step);
  g_clear_pointer (&self->breast, msc_breast_free);
  replace_plane (self, g_steal_pointer (&owned));
  return TRUE;
}

/* ---- the steps ---------------------------------------------------------- */

static gboolean
step_median (MscPreprocess *self, GError **error)
{
  MscPlane *out = msc_filter_median (self->plane, 3, self->pool, error);
  if (out == NULL)
    return FALSE;
  replace_plane (self, out);
  set_summary (self, _("3 x 3 median"));
  return TRUE;
}

static gboolean
step_mask (MscPreprocess *self, GError **error)
{
  MscBreast *breast = msc_breast_segment (self->plane, self->pool, error);
  if (breast == NULL)
    return FALSE;
  g_clear_pointer (&self->breast, msc_breast_free);
  self->breast = breast;
  MscPlane *mask = msc_plane_copy (breast->mask, error);
  if (mask == NULL)
    return FALSE;
  msc_plane_free (self->mask);
  self->mask = mask;

  gsize inside = 0, n = msc_plane_get_n_pixels (mask);
  const guint8 *m = msc_plane_peek_u8 (mask);
  for (gsize i = 0; i < n; i++)
    inside += m[i] != 0;
  set_summary (self, _("breast: threshold %u, %.1f%% of the image, box %u x %u at (%u, %u), chest wall on the %s"),
               breast->threshold, 100.0 * inside / n, breast->width, breast->height,
               breast->x, breast->y, breast->chest_wall_left ? _("left") : _("right"));
  return TRUE;
}

static gboolean
step_artefacts (MscPreprocess *self, GError **error)
{
  if (!need_breast (self, "artefacts", error))
    return FALSE;
  MscPlane *out = msc_breast_remove_artefacts (self->plane, self->breast, error);
  if (out == NULL)
    return FALSE;
  replace_plane (self, out);
  set_summary (self, _("everything outside the breast set to 0"));
  return TRUE;
}

static gboolean
step_pectoral (MscPreprocess *self, GError **error)
{
  if (!need_breast (self, "pectoral", error))
    return FALSE;
  if (self->view && strcmp (self->view, "MLO") != 0)
    {
      /* Only the oblique view images the muscle reliably (it may show on a
       * CC view as a sliver; a detector tuned on MLO would cut tissue). */
      set_summary (self, _("not an MLO view (%s): no muscle sought"), self->view);
      return TRUE;
    }
  MscPectoral *pectoral = msc_pectoral_detect (self->plane, self->breast, error);
  if (pectoral == NULL)
    return FALSE;
  g_clear_pointer (&self->pectoral, msc_pectoral_free);
  self->pectoral = pectoral;
  g_clear_pointer (&self->muscle, g_array_unref);

  if (!pectoral->found)
    {
      set_summary (self, _("pectoral muscle not found (confidence %.2f); mask unchanged"),
                   pectoral->confidence);
      return TRUE;
    }
  self->muscle = g_array_copy (pectoral->polygon);
  if (pectoral->confidence < self->opts->pectoral_min_confidence)
    {
      /* Never take tissue away on a guess: the muscle is reported, not removed. */
      set_summary (self, _("pectoral muscle: %.1f%% of the breast, confidence %.2f below %.2f; kept in the mask"),
                   100 * pectoral->area_fraction, pectoral->confidence,
                   self->opts->pectoral_min_confidence);
      return TRUE;
    }
  g_autoptr (GPtrArray) polygons = g_ptr_array_new ();
  g_ptr_array_add (polygons, pectoral->polygon);
  g_autoptr (MscPlane) muscle = msc_contour_rasterize (polygons, msc_plane_get_width (self->mask),
                                                       msc_plane_get_height (self->mask), error);
  if (muscle == NULL)
    return FALSE;
  guint8 *m = msc_plane_u8 (self->mask);
  const guint8 *mm = msc_plane_peek_u8 (muscle);
  for (gsize i = 0, n = msc_plane_get_n_pixels (muscle); i < n; i++)
    m[i] = mm[i] ? 0 : m[i];
  set_summary (self, _("pectoral muscle: %.1f%% of the breast, confidence %.2f; removed from the mask (pixels kept)"),
               100 * pectoral->area_fraction, pectoral->confidence);
  return TRUE;
}

static gboolean
step_orient (MscPreprocess *self, GError **error)
{
  if (!need_breast (self, "orient", error))
    return FALSE;
  gboolean flipped = FALSE;
  MscAffine step;
  MscPlane *out = msc_breast_orient (self->plane, self->breast, &flipped, &step, error);
  if (out == NULL || !apply_geometry (self, out, &step, error))
    return FALSE;
  self->flipped ^= flipped;
  set_summary (self, flipped ? _("flipped: chest wall now on the left")
                             : _("chest wall already on the left"));
  return TRUE;
}

static gboolean
step_crop (MscPreprocess *self, GError **error)
{
  if (!need_mask (self, "crop", error))
    return FALSE;
  guint x, y, w, h;
  if (!msc_geometry_mask_bbox (self->mask, 0, &x, &y, &w, &h))
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_NOT_FOUND,
                   _("crop: the breast mask is empty"));
      return FALSE;
    }
  MscAffine step;
  MscPlane *out = msc_geometry_crop (self->plane, x, y, w, h, &step, error);
  if (out == NULL || !apply_geometry (self, out, &step, error))
    return FALSE;
  set_summary (self, _("cropped to %u x %u at (%u, %u)"), w, h, x, y);
  return TRUE;
}

static gboolean
step_resample (MscPreprocess *self, GError **error)
{
  if (self->spacing_mm <= 0)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   _("resample: the image has no pixel spacing; give the source spacing"));
      return FALSE;
    }
  MscAffine step;
  double target = self->opts->target_mm;
  MscPlane *out = msc_geometry_resample (self->plane, self->spacing_mm, self->spacing_mm, target,
                                         MSC_INTERP_LINEAR, self->pool, &step, error);
  if (out == NULL || !apply_geometry (self, out, &step, error))
    return FALSE;
  set_summary (self, _("%.3f mm -> %.3f mm: %u x %u"), self->spacing_mm, target,
               msc_plane_get_width (self->plane), msc_plane_get_height (self->plane));
  self->spacing_mm = target;
  return TRUE;
}

static gboolean
step_letterbox (MscPreprocess *self, GError **error)
{
  MscAffine step;
  guint w = self->opts->letterbox_width, h = self->opts->letterbox_height;
  MscPlane *out = msc_geometry_letterbox (self->plane, w, h, MSC_INTERP_LINEAR, self->pool, &step, error);
  if (out == NULL || !apply_geometry (self, out, &step, error))
    return FALSE;
  if (self->spacing_mm > 0)
    self->spacing_mm /= step.m[0];     /* uniform scale: pixels grow as they shrink in number */
  set_summary (self, _("fitted into %u x %u (scale %.3f), zero padded"), w, h, step.m[0]);
  return TRUE;
}

static gboolean
step_stretch (MscPreprocess *self, GError **error)
{
  MscPlane *out = msc_enhance_stretch (self->plane, self->mask, 0.5, 99.5, error);
  if (out == NULL)
    return FALSE;
  replace_plane (self, out);
  set_summary (self, _("0.5-99.5 percentiles%s stretched to the full range"),
               self->mask ? _(" of the breast") : "");
  return TRUE;
}

static gboolean
step_clahe (MscPreprocess *self, GError **error)
{
  guint tiles = self->opts->clahe_tiles;
  MscPlane *out = msc_enhance_clahe (self->plane, self->opts->clahe_clip, tiles, tiles, self->pool, error);
  if (out == NULL)
    return FALSE;
  replace_plane (self, out);
  set_summary (self, _("CLAHE, clip limit %.1f, %u x %u tiles"), self->opts->clahe_clip, tiles, tiles);
  return TRUE;
}

/* Structure sizes in pixels from sizes in mm, so a 0.1 mm detector and a
 * 0.2 mm film scan are enhanced alike; 0.2 mm is assumed when unknown. */
static double
mm_to_pixels (MscPreprocess *self, double mm)
{
  return mm / (self->spacing_mm > 0 ? self->spacing_mm : 0.2);
}

static gboolean
step_morph_enhance (MscPreprocess *self, GError **error)
{
  guint radius = (guint) CLAMP (lround (mm_to_pixels (self, 2.0)), 1, 64);
  MscPlane *out = msc_enhance_morphological (self->plane, self->mask, radius, self->pool, error);
  if (out == NULL)
    return FALSE;
  replace_plane (self, out);
  set_summary (self, _("top-hat minus black-hat, disc radius %u px (2 mm), then stretched"), radius);
  return TRUE;
}

static gboolean
step_unsharp_enhance (MscPreprocess *self, GError **error)
{
  double sigma = CLAMP (mm_to_pixels (self, 0.6), 0.5, 20.0);
  MscPlane *out = msc_enhance_unsharp (self->plane, self->mask, sigma, 1.0, self->pool, error);
  if (out == NULL)
    return FALSE;
  replace_plane (self, out);
  set_summary (self, _("unsharp mask, sigma %.1f px (0.6 mm), amount 1, then stretched"), sigma);
  return TRUE;
}

static gboolean
step_normalize (MscPreprocess *self, GError **error)
{
  MscPlane *out = msc_enhance_normalize (self->plane, self->mask, error);
  if (out == NULL)
    return FALSE;
  replace_plane (self, out);
  set_summary (self, _("zero mean, unit variance inside the %s"), self->mask ? _("breast") : _("image"));
  return TRUE;
}

static const struct {
  const char *name;
  StepFunc run;
} steps_table[] = {
  { "median", step_median },
  { "mask", step_mask },
  { "artefacts", step_artefacts },
  { "pectoral", step_pectoral },
  { "orient", step_orient },
  { "crop", step_crop },
  { "resample", step_resample },
  { "letterbox", step_letterbox },
  { "stretch", step_stretch },
  { "clahe", step_clahe },
  { "morph-enhance", step_morph_enhance },
  { "unsharp-enhance", step_unsharp_enhance },
  { "normalize", step_normalize },
};

/* ---- running a chain ---------------------------------------------------- */

static void
stage_free (gpointer data)
{
  MscPreprocessStage *stage = data;
  msc_plane_free (stage->plane);
  msc_plane_free (stage->mask);
  g_clear_pointer (&stage->muscle, g_array_unref);
  g_free (stage->summary);
  g_free (stage);
}

static gboolean
keep_stage (MscPreprocess *self, const char *name, double seconds, GError **error)
{
  MscPreprocessStage *stage = g_new0 (MscPreprocessStage, 1);
  g_ptr_array_add (self->stages, stage);
  stage->name = name;
  stage->seconds = seconds;
  stage->summary = g_strdup (self->summary);
  if (!self->opts->keep_stages)
    return TRUE;
  stage->plane = msc_plane_copy (self->plane, error);
  if (stage->plane == NULL)
    return FALSE;
  if (self->mask && (stage->mask = msc_plane_copy (self->mask, error)) == NULL)
    return FALSE;
  if (self->muscle)
    stage->muscle = g_array_copy (self->muscle);
  return TRUE;
}

static StepFunc
find_step (const char *name, const char **canonical)
{
  for (guint i = 0; i < G_N_ELEMENTS (steps_table); i++)
    if (strcmp (steps_table[i].name, name) == 0)
      {
        *canonical = steps_table[i].name;
        return steps_table[i].run;
      }
  return NULL;
}

static MscPreprocess *
run_plane (const MscPlane *plane, double row_mm, double col_mm, const char *view,
           const char *steps, const MscPreprocessOptions *opts,
           MscThreadPool *pool, GCancellable *cancellable, GError **error)
{

  MscPreprocessOptions defaults;
  if (opts == NULL)
    {
      msc_preprocess_options_init (&defaults);
      opts = &defaults;
    }
  g_auto (GStrv) names = g_strsplit (steps ? steps : MSC_PREPROCESS_DEFAULT_STEPS, ",", -1);
  /* Check the whole list before doing any work. */
  guint n_steps = 0;
  for (guint i = 0; names[i]; i++)
    {
      const char *canonical;
      g_strstrip (names[i]);
      if (names[i][0] == '\0')
        continue;
      if (find_step (names[i], &canonical) == NULL)
        {
          g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                       _("unknown step “%s”; the steps are %s"), names[i], MSC_PREPROCESS_STEPS);
          return NULL;
        }
      n_steps++;
    }
  if (n_steps == 0)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID, _("no steps given"));
      return NULL;
    }
  if (row_mm > 0 && col_mm > 0 && fabs (row_mm - col_mm) > 1e-6 * row_mm)
    {
      /* Resampling would have to make the pixels square first; no
       * mammography detector we know has non-square pixels. */
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   _("pixels of %g x %g mm are not square"), row_mm, col_mm);
      return NULL;
    }

  g_autoptr (MscPreprocess) self = g_new0 (MscPreprocess, 1);
  self->stages = g_ptr_array_new_with_free_func (stage_free);
  msc_affine_identity (&self->transform);
  self->spacing_mm = row_mm > 0 ? row_mm : opts->source_mm;
  self->view = g_strdup (view);
  self->opts = opts;
  self->pool = pool;
  if ((self->plane = msc_plane_copy (plane, error)) == NULL)
    return NULL;

  for (guint i = 0; names[i]; i++)
    {
      const char *name;
      StepFunc run;
      if (names[i][0] == '\0' || (run = find_step (names[i], &name)) == NULL)
        continue;
      if (g_cancellable_is_cancelled (cancellable))
        {
          g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_CANCELLED,
                       _("preprocessing cancelled before “%s”"), name);
          return NULL;
        }
      gint64 start = g_get_monotonic_time ();
      g_autoptr (GError) step_error = NULL;
      if (!run (self, &step_error))
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&step_error), "%s: ", name);
          return NULL;
        }
      if (!keep_stage (self, name, (g_get_monotonic_time () - start) / 1e6, error))
        return NULL;
    }
  self->opts = NULL;
  self->pool = NULL;
  return g_steal_pointer (&self);
}

MscPreprocess *
msc_preprocess_run (const MscImage *image, const char *steps, const MscPreprocessOptions *opts,
                    MscThreadPool *pool, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (image != NULL, NULL);

  g_autoptr (MscPlane) plane = msc_plane_new_from_image (image, TRUE, error);
  if (plane == NULL)
    return NULL;
  if (msc_image_get_monochrome1 (image))
    msc_plane_invert (plane);          /* bright = dense, whatever the detector stored */
  double row_mm = 0, col_mm = 0;
  msc_image_get_spacing_mm (image, &row_mm, &col_mm);
  return run_plane (plane, row_mm, col_mm, msc_image_get_view (image), steps, opts, pool,
                    cancellable, error);
}

MscPreprocess *
msc_preprocess_run_plane (const MscPlane *plane, double row_mm, double col_mm,
                          const char *steps, const MscPreprocessOptions *opts,
                          MscThreadPool *pool, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (plane != NULL, NULL);
  return run_plane (plane, row_mm, col_mm, NULL, steps, opts, pool, cancellable, error);
}

typedef struct {
  MscImage *image;
  char *steps;
  MscPreprocessOptions opts;
} RunData;

static void
run_data_free (gpointer data)
{
  RunData *run = data;
  msc_image_unref (run->image);
  g_free (run->steps);
  g_free (run);
}

static void
run_in_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  RunData *run = data;
  g_autoptr (MscThreadPool) pool = msc_thread_pool_new (0);
  GError *error = NULL;
  MscPreprocess *result = msc_preprocess_run (run->image, run->steps, &run->opts, pool,
                                              cancellable, &error);
  if (result)
    g_task_return_pointer (task, result, (GDestroyNotify) msc_preprocess_free);
  else
    g_task_return_error (task, error);
}

void
msc_preprocess_run_async (const MscImage *image, const char *steps, const MscPreprocessOptions *opts,
                          GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (image != NULL);

  RunData *run = g_new0 (RunData, 1);
  run->image = msc_image_ref ((MscImage *) image);
  run->steps = g_strdup (steps);
  if (opts)
    run->opts = *opts;
  else
    msc_preprocess_options_init (&run->opts);

  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, msc_preprocess_run_async);
  g_task_set_task_data (task, run, run_data_free);
  g_task_run_in_thread (task, run_in_thread);
}

MscPreprocess *
msc_preprocess_run_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
msc_preprocess_free (MscPreprocess *self)
{
  if (self == NULL)
    return;
  msc_plane_free (self->plane);
  msc_plane_free (self->mask);
  g_clear_pointer (&self->breast, msc_breast_free);
  g_clear_pointer (&self->pectoral, msc_pectoral_free);
  g_clear_pointer (&self->muscle, g_array_unref);
  g_clear_pointer (&self->stages, g_ptr_array_unref);
  g_free (self->view);
  g_free (self->summary);
  g_free (self);
}

const MscPlane *msc_preprocess_get_plane (const MscPreprocess *self) { return self->plane; }
const MscPlane *msc_preprocess_get_mask (const MscPreprocess *self) { return self->mask; }
const GArray *msc_preprocess_get_muscle (const MscPreprocess *self) { return self->muscle; }
const MscPectoral *msc_preprocess_get_pectoral (const MscPreprocess *self) { return self->pectoral; }
const MscAffine *msc_preprocess_get_transform (const MscPreprocess *self) { return &self->transform; }
double msc_preprocess_get_spacing_mm (const MscPreprocess *self) { return self->spacing_mm; }
gboolean msc_preprocess_get_flipped (const MscPreprocess *self) { return self->flipped; }
guint msc_preprocess_get_n_stages (const MscPreprocess *self) { return self->stages->len; }

const MscPreprocessStage *
msc_preprocess_get_stage (const MscPreprocess *self, guint index)
{
  g_return_val_if_fail (index < self->stages->len, NULL);
  return self->stages->pdata[index];
}
