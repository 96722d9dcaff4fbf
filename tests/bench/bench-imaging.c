/* tests/bench/bench-imaging.c — engine/imaging speed against OpenCV 4.6 in
 * the same run: each step on a 1024 x 1024 8-bit mammogram (mini-MIAS) and
 * a 3328 x 4096 12-bit one (the same image enlarged, x16), then the whole
 * default preprocessing chain on the large image.
 *
 * Usage: bench-imaging [--threads N] [--reps R] [--no-opencv]
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "msc-components.h"
#include "msc-edge.h"
#include "msc-enhance.h"
#include "msc-filter.h"
#include "msc-geometry.h"
#include "msc-load.h"
#include "msc-morph.h"
#include "msc-preprocess.h"
#include "msc-threshold.h"

typedef struct {
  const MscPlane *src;
  const MscPlane *mask;        /* src > mean, for the components step */
  MscThreadPool *pool;
} Input;

typedef gboolean (*StepFunc) (const Input *in, GError **error);

/* Each step returns its result only to free it: the time is what counts. */
static gboolean
done (MscPlane *plane)
{
  msc_plane_free (plane);
  return plane != NULL;
}

static gboolean b_median3 (const Input *in, GError **e) { return done (msc_filter_median (in->src, 3, in->pool, e)); }
static gboolean b_median5 (const Input *in, GError **e) { return done (msc_filter_median (in->src, 5, in->pool, e)); }
static gboolean b_gaussian (const Input *in, GError **e) { return done (msc_filter_gaussian (in->src, 2.0, 0, in->pool, e)); }
static gboolean b_otsu (const Input *in, GError **e) { guint t; return msc_threshold_otsu (in->src, NULL, &t, e); }
static gboolean b_open (const Input *in, GError **e)
{
  return done (msc_morph_apply (in->src, MSC_MORPH_OPEN, MSC_MORPH_ELLIPSE, 5, in->pool, e));
}
static gboolean b_canny (const Input *in, GError **e) { return done (msc_edge_canny (in->src, 50, 150, FALSE, e)); }
static gboolean b_clahe (const Input *in, GError **e) { return done (msc_enhance_clahe (in->src, 2.0, 8, 8, in->pool, e)); }

static gboolean
b_components (const Input *in, GError **e)
{
  MscLabels *labels = msc_components_label (in->mask, 8, e);
  msc_labels_free (labels);
  return labels != NULL;
}

static gboolean
b_resize (const Input *in, guint divisor, MscInterp interp, GError **e)
{
  guint w = msc_plane_get_width (in->src) / divisor, h = msc_plane_get_height (in->src) / divisor;
  return done (msc_geometry_resize (in->src, w, h, interp, in->pool, NULL, e));
}
static gboolean b_area2 (const Input *in, GError **e) { return b_resize (in, 2, MSC_INTERP_AREA, e); }
static gboolean b_area5 (const Input *in, GError **e) { return b_resize (in, 5, MSC_INTERP_AREA, e); }
static gboolean b_linear4 (const Input *in, GError **e) { return b_resize (in, 4, MSC_INTERP_LINEAR, e); }
static gboolean b_rotate (const Input *in, GError **e) { return done (msc_geometry_rotate (in->src, 10, MSC_INTERP_LINEAR, NULL, e)); }

static const struct {
  const char *name;            /* as bench-imaging.py prints it */
  StepFunc run;
} steps[] = {
  { "median3", b_median3 },
  { "median5", b_median5 },
  { "gaussian", b_gaussian },
  { "otsu", b_otsu },
  { "components", b_components },
  { "open-ellipse5", b_open },
  { "canny", b_canny },
  { "clahe", b_clahe },
  { "resize-area/2", b_area2 },
  { "resize-area/5", b_area5 },
  { "resize-linear/4", b_linear4 },
  { "rotate10", b_rotate },
};

static double
now (void)
{
  return g_get_monotonic_time () / 1e6;
}

/* Best of reps after a warm-up; negative when the step refuses the input. */
static double
time_step (StepFunc run, const Input *in, int reps)
{
  g_autoptr (GError) error = NULL;
  if (!run (in, &error))
    return -1;
  double best = INFINITY;
  for (int r = 0; r < reps; r++)
    {
      double t0 = now ();
      run (in, NULL);
      best = MIN (best, now () - t0);
    }
  return best;
}

/* OpenCV's times: "OP WxH SECONDS" lines, keyed "OP WxH". */
static GHashTable *
opencv_times (int threads, int reps, const char *small, const char *large)
{
  g_autofree char *t = g_strdup_printf ("%d", threads), *r = g_strdup_printf ("%d", reps);
  const char *python = g_getenv ("MSC_PYTHON") ? g_getenv ("MSC_PYTHON") : "/usr/bin/python3";
  const char *argv[] = { python, BENCH_IMAGING_PY, t, r, small, large, NULL };
  g_autofree char *out = NULL;
  int status = 0;
  GHashTable *times = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                     &status, NULL) || !g_spawn_check_wait_status (status, NULL))
    {
      g_printerr ("OpenCV reference unavailable; printing our times only\n");
      return times;
    }
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], " ", 3);
      if (g_strv_length (f) == 3)
        g_hash_table_insert (times, g_strdup_printf ("%s %s", f[0], f[1]), g_strdup (f[2]));
    }
  return times;
}

/* The 1024 x 1024 8-bit image and its 3328 x 4096 12-bit enlargement. */
static gboolean
make_inputs (const char *dir, MscPlane **small, MscPlane **large, char **small_png, char **large_png)
{
  const char *shared = g_getenv ("MSC_SHARED_DATA");
  g_autofree char *path = g_build_filename (shared ? shared : "../shared/data", "mias", "images",
                                            "mdb001.png", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) image = msc_image_load (path, NULL, &error);
  if (image == NULL)
    {
      g_printerr ("bench-imaging needs ../shared/data (MSC_SHARED_DATA): %s\n", error->message);
      return FALSE;
    }
  *small = msc_plane_new_from_image (image, TRUE, &error);
  g_autoptr (MscPlane) wide = msc_plane_convert (*small, MSC_PLANE_U16, &error);
  *large = msc_geometry_resize (wide, 3328, 4096, MSC_INTERP_LINEAR, NULL, NULL, &error);
  g_assert_no_error (error);
  guint16 *p = msc_plane_u16 (*large);
  for (gsize i = 0; i < msc_plane_get_n_pixels (*large); i++)
    p[i] = (guint16) (p[i] * 16 + ((guint32) (i * 2654435761u) >> 28)); /* 12 bits, fine texture */
  msc_plane_set_bits (*large, 12);
  *small_png = g_build_filename (dir, "small.png", NULL);
  *large_png = g_build_filename (dir, "large.png", NULL);
  return msc_plane_save_png (*small, *small_png, &error) && msc_plane_save_png (*large, *large_png, &error);
}

static MscPlane *
mean_mask (const MscPlane *src)
{
  g_autoptr (MscPlane) f = msc_plane_convert (src, MSC_PLANE_F32, NULL);
  double sum = 0;
  gsize n = msc_plane_get_n_pixels (f);
  for (gsize i = 0; i < n; i++)
    sum += msc_plane_peek_f32 (f)[i];
  return msc_threshold_apply (src, sum / n, NULL);
}

int
main (int argc, char **argv)
{
  int threads = 2, reps = 5;
  gboolean no_opencv = FALSE;
  GOptionEntry entries[] = {
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Threads for both sides (default 2)", "N" },
    { "reps", 0, 0, G_OPTION_ARG_INT, &reps, "Timed repetitions, best counts (default 5)", "R" },
    { "no-opencv", 0, 0, G_OPTION_ARG_NONE, &no_opencv, "Skip the OpenCV reference", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, NULL))
    return 2;

  g_autofree char *dir = g_dir_make_tmp ("bench-imaging-XXXXXX", NULL);
  g_autoptr (MscPlane) small = NULL, large = NULL;
  g_autofree char *small_png = NULL, *large_png = NULL;
  if (!make_inputs (dir, &small, &large, &small_png, &large_png))
    return 77;
  g_autoptr (GHashTable) cv = no_opencv ? g_hash_table_new (g_str_hash, g_str_equal)
                                        : opencv_times (threads, reps, small_png, large_png);
  g_autoptr (MscThreadPool) pool = msc_thread_pool_new ((guint) threads);

  printf ("engine/imaging vs OpenCV %s, %d thread(s), best of %d\n\n", "4.6", threads, reps);
  printf ("%-16s %-10s %10s %10s %7s\n", "step", "image", "ours ms", "OpenCV ms", "ratio");
  const MscPlane *images[] = { small, large };
  for (guint k = 0; k < G_N_ELEMENTS (images); k++)
    {
      g_autoptr (MscPlane) mask = mean_mask (images[k]);
      Input in = { images[k], mask, pool };
      g_autofree char *size = g_strdup_printf ("%ux%u", msc_plane_get_width (images[k]),
                                               msc_plane_get_height (images[k]));
      for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
        {
          g_autofree char *key = g_strdup_printf ("%s %s", steps[i].name, size);
          const char *ref = g_hash_table_lookup (cv, key);
          double ours = time_step (steps[i].run, &in, reps);
          double theirs = ref && strcmp (ref, "n/a") != 0 ? g_ascii_strtod (ref, NULL) : -1;
          printf ("%-16s %-10s ", steps[i].name, size);
          if (ours >= 0)
            printf ("%10.2f ", ours * 1e3);
          else
            printf ("%10s ", "n/a");
          if (theirs > 0)
            printf ("%10.2f ", theirs * 1e3);
          else
            printf ("%10s ", "n/a");
          if (ours >= 0 && theirs > 0)
            printf ("%7.2f", ours / theirs);
          printf ("\n");
          fflush (stdout);
        }
    }

  /* The whole chain a model would use, on the large image, 0.1 mm pixels. */
  const char *chain = "median,mask,artefacts,pectoral,orient,crop,resample,clahe,normalize";
  MscPreprocessOptions opts;
  msc_preprocess_options_init (&opts);
  opts.target_mm = 0.2;
  g_autoptr (GError) error = NULL;
  double best = INFINITY;
  g_autoptr (MscPreprocess) kept = NULL;
  for (int r = 0; r <= reps; r++)
    {
      double t0 = now ();
      MscPreprocess *pre = msc_preprocess_run_plane (large, 0.1, 0.1, chain, &opts, pool, NULL, &error);
      double t = now () - t0;
      if (pre == NULL)
        {
          printf ("\nchain failed: %s\n", error->message);
          return 1;
        }
      if (r > 0)
        best = MIN (best, t);
      g_clear_pointer (&kept, msc_preprocess_free);
      kept = pre;
    }
  printf ("\nchain %s on 3328x4096 (0.1 mm -> 0.2 mm): %.1f ms (target < 1000 ms)\n", chain, best * 1e3);
  for (guint i = 0; i < msc_preprocess_get_n_stages (kept); i++)
    {
      const MscPreprocessStage *s = msc_preprocess_get_stage (kept, i);
      printf ("  %-12s %8.1f ms  %s\n", s->name, s->seconds * 1e3, s->summary);
    }

  g_unlink (small_png);
  g_unlink (large_png);
  g_rmdir (dir);
  return 0;
}
