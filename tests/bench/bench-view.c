/* tests/bench/bench-view.c — how fast the image view shows a 4-up of
 * 3328 x 4096 phantom views: open to first paint, one window/level update
 * to its frame (median of 50), and the LUT mapping against numpy's
 * lut[img] on the same level size in the same run. Needs a display
 * (xvfb-run); exits 77 without one. Not a test: figures only.
 */
#include <gtk/gtk.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>

#include "msc-display.h"
#include "msc-image-view-private.h"
#include "msc-image-view.h"
#include "msc-phantom.h"
#include "msc-study.h"

#define N_UPDATES 50

static guint paints;
static gint64 paint_start, paint_end;   /* monotonic us of the last frame's paint phase */

static void
on_paint (GdkFrameClock *clock, gpointer data)
{
  paint_start = g_get_monotonic_time ();
}

static void
after_paint (GdkFrameClock *clock, gpointer data)
{
  paint_end = g_get_monotonic_time ();
  paints++;
}

/* Iterates until the toplevel has painted once more than `since`. */
static void
wait_paint (guint since)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (paints <= since && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  if (paints <= since)
    {
      fprintf (stderr, "bench-view: no frame painted within 20 s\n");
      exit (1);
    }
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median (double *v, int n)
{
  qsort (v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Seconds per numpy lut[img] on an h x w uint16 image (median of 50), or
 * a negative value when numpy is missing. */
static double
numpy_lut_seconds (guint w, guint h)
{
  g_autofree char *script = g_strdup_printf (
    "import time, numpy as np\n"
    "rng = np.random.default_rng(1)\n"
    "img = rng.integers(0, 4096, size=(%u, %u), dtype=np.uint16)\n"
    "lut = rng.integers(0, 256, size=4096, dtype=np.uint8)\n"
    "t = []\n"
    "for _ in range(50):\n"
    "    s = time.perf_counter(); out = lut[img]; t.append(time.perf_counter() - s)\n"
    "t.sort(); print(t[25])\n", h, w);
  const char *argv[] = { "/usr/bin/python3", "-c", script, NULL };
  g_autofree char *out = NULL;
  int status = 0;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                     &out, NULL, &status, NULL) || !g_spawn_check_wait_status (status, NULL))
    return -1;
  return g_ascii_strtod (out, NULL);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  if (!gtk_init_check ())
    {
      fprintf (stderr, "bench-view: no display (run under xvfb-run)\n");
      return 77;
    }
  g_autofree char *dir = g_dir_make_tmp ("bench-view-XXXXXX", &error);
  g_assert_no_error (error);
  MscPhantomOptions opts = { .seed = 1, .width = 3328, .height = 4096 };
  if (!msc_phantom_write_study (dir, &opts, &error))
    {
      fprintf (stderr, "bench-view: %s\n", error->message);
      return 1;
    }

  /* (a) open to first paint: scan + four set_image + the first frame. */
  GtkWidget *window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1600, 1000);
  GtkWidget *grid = gtk_grid_new ();
  gtk_grid_set_row_homogeneous (GTK_GRID (grid), TRUE);
  gtk_grid_set_column_homogeneous (GTK_GRID (grid), TRUE);
  gtk_window_set_child (GTK_WINDOW (window), grid);
  MscImageView *views[MSC_N_SLOTS];
  for (int s = 0; s < MSC_N_SLOTS; s++)
    {
      views[s] = MSC_IMAGE_VIEW (msc_image_view_new ());
      gtk_widget_set_hexpand (GTK_WIDGET (views[s]), TRUE);
      gtk_widget_set_vexpand (GTK_WIDGET (views[s]), TRUE);
      gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (views[s]), s % 2, s / 2, 1, 1);
    }
  gtk_window_present (GTK_WINDOW (window));
  while (!gtk_widget_get_mapped (window))
    g_main_context_iteration (NULL, TRUE);
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);
  g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint), NULL);
  /* Each frame starts here; the view's work happens in the paint phase. */
  g_signal_connect (clock, "before-paint", G_CALLBACK (on_paint), NULL);
  wait_paint (paints);          /* an empty window on screen first */

  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (GPtrArray) studies = msc_study_scan (dir, NULL, &problems, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (studies->len, ==, 1);
  gint64 t_scan = g_get_monotonic_time ();
  for (int s = 0; s < MSC_N_SLOTS; s++)
    {
      msc_image_view_set_image (views[s], msc_study_get_slot (studies->pdata[0], s));
      g_object_set (views[s], "mirror", s == MSC_SLOT_R_CC || s == MSC_SLOT_R_MLO, NULL);
    }
  guint before = paints;
  wait_paint (before);
  gint64 t_paint = g_get_monotonic_time ();
  printf ("open to first paint: %.3f s (scan + decode %.3f s, set_image to painted %.3f s), 4 x 3328x4096\n",
          (t_paint - t0) / 1e6, (t_scan - t0) / 1e6, (t_paint - t_scan) / 1e6);

  /* (b) window/level updates: one view, then all four, to the next frame. */
  /* Wall time includes waiting for the frame clock's next tick (vsync
   * pacing, ~16.7 ms under Xvfb); work is the paint phase itself:
   * texture rebuild, snapshot and GL render. */
  double one[N_UPDATES], four[N_UPDATES], one_work[N_UPDATES], four_work[N_UPDATES];
  for (int i = 0; i < N_UPDATES; i++)
    {
      gint64 s = g_get_monotonic_time ();
      msc_image_view_set_window (views[0], 2000 + 10 * i, 2000 + 20 * i);
      wait_paint (paints);
      one[i] = (g_get_monotonic_time () - s) / 1e3;
      one_work[i] = (paint_end - paint_start) / 1e3;
    }
  for (int i = 0; i < N_UPDATES; i++)
    {
      gint64 s = g_get_monotonic_time ();
      for (int v = 0; v < MSC_N_SLOTS; v++)
        msc_image_view_set_window (views[v], 2100 + 10 * i, 2100 + 20 * i);
      wait_paint (paints);
      four[i] = (g_get_monotonic_time () - s) / 1e3;
      four_work[i] = (paint_end - paint_start) / 1e3;
    }
  MscViewTransform t;
  msc_image_view_get_transform (views[0], &t);
  printf ("window/level update to painted frame: %.2f ms one view, %.2f ms all four (median of %d; view scale %.3f)\n",
          median (one, N_UPDATES), median (four, N_UPDATES), N_UPDATES, t.scale);
  printf ("  of which paint phase (rebuild + snapshot + render): %.2f ms one view, %.2f ms all four\n",
          median (one_work, N_UPDATES), median (four_work, N_UPDATES));

  /* (c) the mapping kernel alone vs numpy lut[img], same level size. */
  MscImage *image = msc_image_view_get_image (views[0]);
  MscViewPyramid *pyr = msc_view_pyramid_new (image);
  guint level = 0, w, h;
  while (level + 1 < msc_view_pyramid_get_n_levels (pyr) && t.scale * (1u << (level + 1)) <= 1.0)
    level++;
  msc_view_pyramid_get_level (pyr, level, &w, &h);
  guint8 lut[4096];
  MscWindow win = { .center = 2048, .width = 4096, .function = MSC_VOI_LINEAR };
  msc_display_fill_lut (image, &win, lut, 4096);
  double map[N_UPDATES];
  for (int i = 0; i < N_UPDATES; i++)
    {
      gint64 s = g_get_monotonic_time ();
      GdkTexture *tex = msc_view_pyramid_map (pyr, level, lut, 4096);
      map[i] = (g_get_monotonic_time () - s) / 1e6;
      g_object_unref (tex);
    }
  double ours = median (map, N_UPDATES);
  double ref = numpy_lut_seconds (w, h);
  printf ("LUT map of level %u (%ux%u): %.2f ms", level, w, h, ours * 1e3);
  if (ref > 0)
    printf (", numpy lut[img] %.2f ms, ratio ours/numpy %.2f\n", ref * 1e3, ours / ref);
  else
    printf (" (numpy not available: no reference)\n");
  msc_view_pyramid_free (pyr);

  gtk_window_destroy (GTK_WINDOW (window));
  g_autoptr (GFile) tmp = g_file_new_for_path (dir);
  const char *names[] = { "R_CC.dcm", "L_CC.dcm", "R_MLO.dcm", "L_MLO.dcm", "lesions.json" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *p = g_build_filename (dir, names[i], NULL);
      g_remove (p);
    }
  g_rmdir (dir);
  return 0;
}
