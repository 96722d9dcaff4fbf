/* tests/engine/train/test-plot.c — the ROC, PR, FROC and training plots:
 * written at the requested size, not blank, curves at the pixels
 * msc_plot_data_to_pixel promises, atomic writes and path errors.
 * With MSC_PLOT_KEEP=DIR set, the plots are also left in DIR to look at.
 * Under ASan, tests/lsan.supp (on main) silences fontconfig's one-time config.
 */
#include <math.h>
#include <cairo.h>
#include <glib/gstdio.h>

#include "msc-metrics.h"
#include "msc-plot.h"
#include "msc-test-util.h"

typedef struct {
  cairo_surface_t *surface;
  int width, height, stride;
  const guint8 *data;
} Png;

static Png
png_load (const char *path)
{
  Png p = { .surface = cairo_image_surface_create_from_png (path) };
  g_assert_cmpint (cairo_surface_status (p.surface), ==, CAIRO_STATUS_SUCCESS);
  p.width = cairo_image_surface_get_width (p.surface);
  p.height = cairo_image_surface_get_height (p.surface);
  p.stride = cairo_image_surface_get_stride (p.surface);
  p.data = cairo_image_surface_get_data (p.surface);
  return p;
}

/* RGB of pixel (x, y); cairo keeps 0x00RRGGBB in native-endian words. */
static void
png_rgb (const Png *p, int x, int y, guint8 rgb[3])
{
  guint32 v = *(const guint32 *) (p->data + (gsize) y * p->stride + (gsize) x * 4);
  rgb[0] = (v >> 16) & 0xff;
  rgb[1] = (v >> 8) & 0xff;
  rgb[2] = v & 0xff;
}

static void
assert_colour_at (const Png *p, double px, double py, const guint8 want[3])
{
  guint8 got[3];
  png_rgb (p, (int) floor (px), (int) floor (py), got);
  if (memcmp (got, want, 3) != 0)
    g_error ("pixel (%d, %d) is %u,%u,%u, expected %u,%u,%u", (int) floor (px),
             (int) floor (py), got[0], got[1], got[2], want[0], want[1], want[2]);
}

/* Pixels of series colour `index` in the image (the curve really drawn). */
static guint
count_colour (const Png *p, guint index)
{
  guint8 want[3], got[3];
  msc_plot_series_rgb (index, want);
  guint n = 0;
  for (int y = 0; y < p->height; y++)
    for (int x = 0; x < p->width; x++)
      {
        png_rgb (p, x, y, got);
        n += memcmp (got, want, 3) == 0;
      }
  return n;
}

/* The output path: the kept-plots folder when MSC_PLOT_KEEP is set. */
static char *
out_path (const char *dir, const char *name)
{
  const char *keep = g_getenv ("MSC_PLOT_KEEP");
  return g_build_filename (keep ? keep : dir, name, NULL);
}

/* Folder holds exactly `name` (no temp file left behind). */
static void
assert_only_file (const char *dir, const char *name)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *entry;
  guint n = 0;
  while ((entry = g_dir_read_name (d)))
    {
      if (name == NULL || strcmp (entry, name) != 0)
        g_error ("unexpected file %s in %s", entry, dir);
      n++;
    }
  g_assert_cmpuint (n, ==, name ? 1 : 0);
}

/* Three folds of random scores with a signal, as ROC curves. */
static MscRoc *
fold_roc (guint64 seed, double shift)
{
  MscRng rng;
  msc_rng_init (&rng, seed);
  double s[60];
  guint8 l[60];
  for (guint i = 0; i < 60; i++)
    {
      l[i] = i % 3 == 0;
      s[i] = msc_rng_normal (&rng, l[i] ? (float) shift : 0, 1);
    }
  return msc_metrics_roc (s, l, 60, NULL);
}

static void
test_roc (void)
{
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *path = out_path (dir, "roc.png");
  g_autoptr (GError) error = NULL;

  /* Series 0 is a staircase through (0, 0.5) -> (0.5, 0.5) -> (0.5, 1):
   * its horizontal run is off the diagonal, so (0.25, 0.5) must be series
   * colour 0, and (0.5, 0.75) on its vertical run too. */
  const double sx[5] = { 0, 0, 0.5, 0.5, 1 }, sy[5] = { 0, 0.5, 0.5, 1, 1 };
  g_autoptr (MscRoc) f1 = fold_roc (1, 1.2);
  g_autoptr (MscRoc) f2 = fold_roc (2, 1.0);
  g_autoptr (MscRoc) f3 = fold_roc (3, 0.8);
  const MscRoc *folds[3] = { f1, f2, f3 };
  g_autoptr (MscRoc) mean = msc_metrics_roc_average (folds, 3, 101, &error);
  g_assert_no_error (error);
  const MscPlotSeries series[5] = {
    { "Staircase", sx, sy, 5, FALSE, FALSE },
    { "Fold 1", f1->fpr, f1->tpr, f1->n_points, FALSE, FALSE },
    { "Fold 2", f2->fpr, f2->tpr, f2->n_points, FALSE, FALSE },
    { "Fold 3", f3->fpr, f3->tpr, f3->n_points, FALSE, FALSE },
    { "Mean", mean->fpr, mean->tpr, mean->n_points, TRUE, FALSE },
  };
  g_assert_true (msc_plot_roc (path, 800, 600, "Normal vs abnormal", series, 5, &error));
  g_assert_no_error (error);

  Png p = png_load (path);
  g_assert_cmpint (p.width, ==, 800);
  g_assert_cmpint (p.height, ==, 600);
  guint8 c0[3];
  msc_plot_series_rgb (0, c0);
  double px, py;
  msc_plot_data_to_pixel (800, 600, FALSE, 0.25, 0.5, &px, &py);
  assert_colour_at (&p, px, py, c0);
  msc_plot_data_to_pixel (800, 600, FALSE, 0.5, 0.75, &px, &py);
  assert_colour_at (&p, px, py, c0);
  /* Every fold drawn (its colour appears, in the curve and the legend). */
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (count_colour (&p, i), >, 100);
  /* The origin maps to the frame's lower-left corner inside the image. */
  msc_plot_data_to_pixel (800, 600, FALSE, 0, 0, &px, &py);
  g_assert_cmpfloat (px, >, 40);
  g_assert_cmpfloat (py, <, 560);
  cairo_surface_destroy (p.surface);
  if (!g_getenv ("MSC_PLOT_KEEP"))
    assert_only_file (dir, "roc.png");
}

static void
test_pr_and_size (void)
{
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *path = out_path (dir, "pr.png");
  g_autoptr (GError) error = NULL;
  /* PR at another size: precision 0.5 from recall 0.1 to 0.9, so
   * (0.3, 0.5) and (0.7, 0.5) are series colour 0 at 640 x 480. */
  const double rx[4] = { 0, 0.1, 0.9, 1 }, ry[4] = { 1, 0.5, 0.5, 0.3 };
  const MscPlotSeries series[1] = { { "Fold 1 (AP 0.52)", rx, ry, 4, FALSE, FALSE } };
  g_assert_true (msc_plot_pr (path, 640, 480, NULL, series, 1, &error));
  g_assert_no_error (error);
  Png p = png_load (path);
  g_assert_cmpint (p.width, ==, 640);
  g_assert_cmpint (p.height, ==, 480);
  guint8 c0[3];
  msc_plot_series_rgb (0, c0);
  double px, py;
  msc_plot_data_to_pixel (640, 480, FALSE, 0.3, 0.5, &px, &py);
  assert_colour_at (&p, px, py, c0);
  msc_plot_data_to_pixel (640, 480, FALSE, 0.7, 0.5, &px, &py);
  assert_colour_at (&p, px, py, c0);
  cairo_surface_destroy (p.surface);
}

static void
test_froc (void)
{
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *path = out_path (dir, "froc.png");
  g_autoptr (GError) error = NULL;
  /* Sensitivity 0.6 from 0.3 to 1.5 FP/image: on the log axis (0.7, 0.6)
   * lies on it, away from the 0.25/0.5/1/2 marks. */
  const double fx[6] = { 0, 0.1, 0.3, 1.5, 4, 6 }, fy[6] = { 0, 0.3, 0.6, 0.6, 0.8, 0.85 };
  const double gx[4] = { 0, 0.2, 1, 3 }, gy[4] = { 0, 0.4, 0.5, 0.7 };
  const MscPlotSeries series[2] = { { "Masses", fx, fy, 6, FALSE, FALSE },
                                    { "All lesions", gx, gy, 4, FALSE, TRUE } };
  g_assert_true (msc_plot_froc (path, 800, 600, NULL, series, 2, &error));
  g_assert_no_error (error);
  Png p = png_load (path);
  guint8 c0[3];
  msc_plot_series_rgb (0, c0);
  double px, py;
  msc_plot_data_to_pixel (800, 600, TRUE, 0.7, 0.6, &px, &py);
  assert_colour_at (&p, px, py, c0);
  /* Log axis: 1 FP/image is the middle of the frame, 0.125 the left edge. */
  double left, mid, right;
  msc_plot_data_to_pixel (800, 600, TRUE, 0.125, 0, &left, &py);
  msc_plot_data_to_pixel (800, 600, TRUE, 1, 0, &mid, &py);
  msc_plot_data_to_pixel (800, 600, TRUE, 8, 0, &right, &py);
  g_assert_cmpfloat_with_epsilon (mid, (left + right) / 2, 1e-9);
  g_assert_cmpuint (count_colour (&p, 1), >, 50);
  cairo_surface_destroy (p.surface);
}

static void
test_training (void)
{
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *path = out_path (dir, "training.png");
  g_autoptr (GError) error = NULL;
  double ep[30], tl[30], vl[30], td[30], vd[30];
  for (guint i = 0; i < 30; i++)
    {
      ep[i] = i + 1;
      double t = i;
      tl[i] = 1.2 * exp (-t / 8.0) + 0.05;
      vl[i] = 1.2 * exp (-t / 10.0) + 0.15 + 0.02 * sin (t);
      td[i] = 0.9 * (1 - exp (-t / 6.0));
      vd[i] = 0.7 * (1 - exp (-t / 7.0)) + 0.02 * cos (t);
    }
  const MscPlotSeries loss[2] = { { "Train", ep, tl, 30, FALSE, FALSE },
                                  { "Validation", ep, vl, 30, FALSE, TRUE } };
  const MscPlotSeries dice[2] = { { "Train", ep, td, 30, FALSE, FALSE },
                                  { "Validation", ep, vd, 30, FALSE, TRUE } };
  g_assert_true (msc_plot_training (path, 800, 600, NULL, NULL, loss, 2, "Lesion Dice",
                                    dice, 2, &error));
  g_assert_no_error (error);
  Png p = png_load (path);
  g_assert_cmpint (p.width, ==, 800);
  g_assert_cmpint (p.height, ==, 600);
  g_assert_cmpuint (count_colour (&p, 0), >, 300);
  g_assert_cmpuint (count_colour (&p, 1), >, 150);
  cairo_surface_destroy (p.surface);

  /* Metric missing (e.g. no validation yet): the panel says so, no error. */
  g_autofree char *path2 = out_path (dir, "training-loss-only.png");
  g_assert_true (msc_plot_training (path2, 800, 600, "Loss only", "Step", loss, 1, NULL,
                                    NULL, 0, &error));
  g_assert_no_error (error);
  /* From a run's log: metric NaN where no validation ran; 900 x 600 with
   * the metric drawn (the same colour count as above, both panels). */
  g_autofree char *path3 = out_path (dir, "training-log.png");
  double metric[30];
  for (guint i = 0; i < 30; i++)
    metric[i] = i % 5 == 4 ? vd[i] : NAN;
  g_assert_true (msc_plot_training_log (path3, NULL, "loss", "Dice", ep, tl, metric, 30, &error));
  g_assert_no_error (error);
  Png q = png_load (path3);
  g_assert_cmpint (q.width, ==, 900);
  g_assert_cmpint (q.height, ==, 600);
  g_assert_cmpuint (count_colour (&q, 0), >, 300);
  cairo_surface_destroy (q.surface);
}

static void
test_bad_paths (void)
{
  g_autofree char *dir = msc_test_tmpdir ();
  const double x[2] = { 0, 1 }, y[2] = { 0, 1 };
  const MscPlotSeries s[1] = { { "A", x, y, 2, FALSE, FALSE } };
  GError *error = NULL;

  /* A folder that does not exist: FAILED, naming the path. */
  g_autofree char *missing = g_build_filename (dir, "no-such-folder", "roc.png", NULL);
  g_assert_false (msc_plot_roc (missing, 800, 600, NULL, s, 1, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  /* The target is a folder: the rename fails, FAILED naming it, and the
   * temp file is gone again. */
  g_autofree char *sub = g_build_filename (dir, "sub", NULL);
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  g_assert_false (msc_plot_froc (sub, 800, 600, NULL, s, 1, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, sub));
  g_clear_error (&error);
  assert_only_file (dir, "sub");

  /* Sizes out of range and series without data are INVALID. */
  g_autofree char *ok = g_build_filename (dir, "x.png", NULL);
  g_assert_false (msc_plot_pr (ok, 10, 600, NULL, s, 1, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_clear_error (&error);
  const MscPlotSeries hollow[1] = { { "A", NULL, NULL, 2, FALSE, FALSE } };
  g_assert_false (msc_plot_training (ok, 800, 600, NULL, NULL, hollow, 1, NULL, NULL, 0,
                                     &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_clear_error (&error);
  assert_only_file (dir, "sub");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train/plot/roc", test_roc);
  g_test_add_func ("/train/plot/pr", test_pr_and_size);
  g_test_add_func ("/train/plot/froc", test_froc);
  g_test_add_func ("/train/plot/training", test_training);
  g_test_add_func ("/train/plot/bad-paths", test_bad_paths);
  int status = g_test_run ();
  /* cairo's font and surface caches, released so LeakSanitizer sees only
   * our own leaks. */
  cairo_debug_reset_static_data ();
  return status;
}
