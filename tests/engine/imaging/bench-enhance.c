/* tests/engine/imaging/bench-enhance.c — times CLAHE (2 threads) against
 * cv2 in the same run on a 1024 x 1024 U8 MIAS image and a 3328 x 4096
 * 12-bit U16 upscale. Usage: bench-enhance MIAS.png [REPEAT]; needs
 * tests/engine/imaging/cv-enhance.py next to the sources (G_TEST_SRCDIR).
 */
#include "msc-enhance.h"
#include "msc-imaging-test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
time_clahe (const MscPlane *img, MscThreadPool *pool, guint repeat)
{
  double *t = g_new (double, repeat);
  for (guint i = 0; i < repeat; i++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr (MscPlane) out = msc_enhance_clahe (img, 2.0, 8, 8, pool, NULL);
      t[i] = (g_get_monotonic_time () - start) / 1000.0;
      g_assert (out != NULL);
    }
  qsort (t, repeat, sizeof (double), cmp_double);
  double median = t[repeat / 2];
  g_free (t);
  return median;
}

static void
bench (const char *label, const char *path, guint repeat, MscThreadPool *pool)
{
  g_autoptr (MscPlane) img = msc_imaging_test_read_png (path);
  g_autofree char *rep = g_strdup_printf ("%u", repeat);
  const char *args[] = { "bench", path, "2.0", "8", "8", rep, NULL };
  g_autofree char *cv = msc_imaging_test_python ("cv-enhance.py", args);
  double ours = time_clahe (img, pool, repeat), ours1 = time_clahe (img, NULL, repeat);
  double ref = cv ? g_ascii_strtod (cv, NULL) : NAN;
  printf ("clahe 8x8 clip 2 %-12s ours %7.2f ms (1 thread %7.2f)  cv2 %7.2f ms  ratio %.2f\n",
          label, ours, ours1, ref, ours / ref);

  /* no OpenCV counterpart: absolute times, inside a mask of the brighter half */
  g_autoptr (MscPlane) mask = msc_plane_new (MSC_PLANE_U8, msc_plane_get_width (img),
                                             msc_plane_get_height (img), NULL);
  for (gsize i = 0; i < msc_plane_get_n_pixels (img); i++)
    msc_plane_u8 (mask)[i] = (i / msc_plane_get_width (img)) % 2 ? 255 : 0;
  gint64 start = g_get_monotonic_time ();
  for (guint i = 0; i < repeat; i++)
    {
      g_autoptr (MscPlane) out = msc_enhance_stretch (img, mask, 0.5, 99.5, NULL);
      g_assert (out != NULL);
    }
  double stretch_ms = (g_get_monotonic_time () - start) / 1000.0 / repeat;
  start = g_get_monotonic_time ();
  for (guint i = 0; i < repeat; i++)
    {
      g_autoptr (MscPlane) out = msc_enhance_normalize (img, mask, NULL);
      g_assert (out != NULL);
    }
  double norm_ms = (g_get_monotonic_time () - start) / 1000.0 / repeat;
  printf ("stretch %-12s %7.2f ms   normalize %7.2f ms (1 thread, mean)\n", label, stretch_ms, norm_ms);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);   /* for the reference-script lookup */
  if (argc < 2)
    {
      fprintf (stderr, "usage: %s MIAS.png [REPEAT]\n", argv[0]);
      return 2;
    }
  guint repeat = argc > 2 ? (guint) atoi (argv[2]) : 21;
  g_autoptr (MscThreadPool) pool = msc_thread_pool_new (2);
  g_autofree char *big = g_strdup_printf ("%s/bench-enhance-16.png", g_get_tmp_dir ());
  const char *args[] = { "upscale16", argv[1], big, NULL };
  g_autofree char *out = msc_imaging_test_python ("cv-enhance.py", args);
  if (out == NULL)
    {
      fprintf (stderr, "OpenCV reference unavailable\n");
      return 77;
    }
  bench ("1024^2 U8", argv[1], repeat, pool);
  bench ("3328x4096 U16", big, MAX (repeat / 3, 3), pool);
  return 0;
}
