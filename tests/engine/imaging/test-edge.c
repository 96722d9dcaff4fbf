/* tests/engine/imaging/test-edge.c — Canny edges bit-exact against
 * cv2.Canny (aperture 3, L1 and L2) on MIAS images and noise; Hough lines
 * on synthetic lines with known parameters and against cv2.HoughLines on a
 * mammogram's edge map; degenerate inputs and parameter errors.
 */
#include "msc-edge.h"
#include "msc-imaging-error.h"
#include "msc-imaging-test.h"
#include "msc-test-util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static MscPlane *
cv_canny (const MscPlane *img, double low, double high, gboolean l2)
{
  g_autofree char *in = msc_imaging_test_write_png (img);
  g_autofree char *dir = msc_test_tmpdir ();
  static guint counter;
  g_autofree char *out = g_strdup_printf ("%s/canny-%u.png", dir, counter++);
  char ls[G_ASCII_DTOSTR_BUF_SIZE], hs[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_dtostr (ls, sizeof ls, low);
  g_ascii_dtostr (hs, sizeof hs, high);
  const char *args[] = { "canny", in, out, ls, hs, l2 ? "1" : "0", NULL };
  g_autofree char *res = msc_imaging_test_python ("cv-regions.py", args);
  return res ? msc_imaging_test_read_png (out) : NULL;
}

static void
check_canny (const MscPlane *img, double low, double high, gboolean l2)
{
  g_autoptr (MscPlane) ref = cv_canny (img, low, high, l2);
  if (ref == NULL)
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) got = msc_edge_canny (img, low, high, l2, &error);
  g_assert_no_error (error);
  msc_imaging_test_assert_close (got, ref, 0, 0);
}

/* Bit-exact: the Sobel sums, magnitudes and the fixed-point sector test
 * are integer arithmetic identical to OpenCV's, and the hysteresis result
 * does not depend on the order edges are grown in. */
static void
test_canny_mias (void)
{
  guint numbers[] = { 1, 23, 58, 121 };
  struct { double low, high; } th[] = { { 20, 60 }, { 50, 150 }, { 7.5, 12.25 } };
  for (guint k = 0; k < G_N_ELEMENTS (numbers); k++)
    {
      g_autoptr (MscPlane) img = msc_imaging_test_mias (numbers[k]);
      if (img == NULL)
        return;
      for (guint t = 0; t < G_N_ELEMENTS (th); t++)
        {
          check_canny (img, th[t].low, th[t].high, FALSE);
          check_canny (img, th[t].low, th[t].high, TRUE);
        }
    }
}

static MscPlane *
noise (guint w, guint h, guint32 seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  MscPlane *p = msc_plane_new (MSC_PLANE_U8, w, h, NULL);
  for (gsize i = 0; i < msc_plane_get_n_pixels (p); i++)
    msc_plane_u8 (p)[i] = (guint8) g_rand_int_range (rand, 0, 256);
  return p;
}

/* Noise exercises every sector, plateaus and borders; thin images make
 * every pixel a border pixel. */
static void
test_canny_noise (void)
{
  guint sizes[][2] = { { 97, 61 }, { 1, 500 }, { 500, 1 }, { 2, 2 }, { 1, 1 } };
  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      g_autoptr (MscPlane) img = noise (sizes[s][0], sizes[s][1], s + 1);
      check_canny (img, 100, 300, FALSE);
      check_canny (img, 100, 300, TRUE);
      check_canny (img, 0, 0, FALSE);
    }
}

static void
test_canny_degenerate (void)
{
  guint sizes[][2] = { { 1, 1 }, { 1, 10000 }, { 10000, 1 }, { 40, 30 } };
  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (guint v = 0; v <= 255; v += 255)
      {
        g_autoptr (GError) error = NULL;
        g_autoptr (MscPlane) p = msc_plane_new (MSC_PLANE_U8, sizes[s][0], sizes[s][1], &error);
        memset (msc_plane_u8 (p), (int) v, msc_plane_get_n_pixels (p));
        g_autoptr (MscPlane) e = msc_edge_canny (p, 0, 0, TRUE, &error);
        g_assert_no_error (error);
        for (gsize i = 0; i < msc_plane_get_n_pixels (p); i++)
          g_assert_cmpuint (msc_plane_peek_u8 (e)[i], ==, 0);    /* no gradient, no edge */
      }
}

static void
test_canny_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) p = noise (8, 8, 1);
  double bad[][2] = { { 100, 50 }, { -1, 10 }, { NAN, 10 }, { 10, INFINITY } };
  for (guint k = 0; k < G_N_ELEMENTS (bad); k++)
    {
      g_assert_null (msc_edge_canny (p, bad[k][0], bad[k][1], FALSE, &error));
      g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "canny"));
      g_clear_error (&error);
    }
  g_autoptr (MscPlane) q = msc_plane_convert (p, MSC_PLANE_U16, NULL);
  g_assert_null (msc_edge_canny (q, 1, 2, FALSE, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT);
}

/* Draws x cos(theta) + y sin(theta) = rho one pixel wide, stepping along
 * the longer axis. */
static void
draw_line (MscPlane *p, double rho, double theta)
{
  guint w = msc_plane_get_width (p), h = msc_plane_get_height (p);
  double c = cos (theta), s = sin (theta);
  if (fabs (s) > fabs (c))
    for (guint x = 0; x < w; x++)
      {
        long y = lround ((rho - x * c) / s);
        if (y >= 0 && y < (long) h)
          msc_plane_u8 (p)[(gsize) y * w + x] = 255;
      }
  else
    for (guint y = 0; y < h; y++)
      {
        long x = lround ((rho - y * s) / c);
        if (x >= 0 && x < (long) w)
          msc_plane_u8 (p)[(gsize) y * w + x] = 255;
      }
}

/* Known lines, among them a pectoral-like border across the upper left
 * corner (theta about 35 degrees) and one with negative rho; each is the
 * strongest line of its own image, within one step of rho and theta. The
 * last one's theta lies half a step between grid angles: the best grid
 * line then pivots about the line's middle, which moves rho by up to
 * (half diagonal) x (half step) = 250 x 0.0087 = 2.2 pixels, so rho is
 * allowed 3 steps there. */
static void
test_hough_synthetic (void)
{
  struct { double rho, theta, rho_tol; } cases[] = {
    { 120, 0.6, 1 }, { 50, 0, 1 }, { 200, G_PI / 2, 1 }, { -80, 2.3, 1 },
    { 333.3, 70.5 * G_PI / 180, 3 },
  };
  double rho_step = 1, theta_step = G_PI / 180;
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (MscPlane) p = msc_plane_new (MSC_PLANE_U8, 400, 300, &error);
      draw_line (p, cases[k].rho, cases[k].theta);
      g_autoptr (GArray) lines = msc_edge_hough_lines (p, rho_step, theta_step, 0, G_PI, 40, 5, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (lines->len, >=, 1);
      const MscLine *best = &g_array_index (lines, MscLine, 0);
      g_assert_cmpfloat (fabs (best->rho - cases[k].rho), <=, cases[k].rho_tol * rho_step);
      g_assert_cmpfloat (fabs (best->theta - cases[k].theta), <=, theta_step);
      for (guint i = 1; i < lines->len; i++)    /* strongest first */
        g_assert_cmpuint (g_array_index (lines, MscLine, i).votes, <=,
                          g_array_index (lines, MscLine, i - 1).votes);
    }
  /* Two lines, a restricted range that only sees one of them. */
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) p = msc_plane_new (MSC_PLANE_U8, 400, 300, &error);
  draw_line (p, 120, 0.6);
  draw_line (p, 150, 2.0);
  g_autoptr (GArray) lines = msc_edge_hough_lines (p, 1, theta_step, 0.3, 1.2, 40, 10, &error);
  g_assert_cmpuint (lines->len, >=, 1);
  for (guint i = 0; i < lines->len; i++)
    {
      const MscLine *l = &g_array_index (lines, MscLine, i);
      g_assert_cmpfloat (l->theta, >=, 0.3);
      g_assert_cmpfloat (l->theta, <, 1.2);
    }
  g_assert_cmpfloat (fabs (g_array_index (lines, MscLine, 0).theta - 0.6), <=, theta_step);
}

typedef struct { double rho, theta; guint votes; } CvLine;

/* cv2.HoughLines on our Canny map of a mammogram. Its non-maximum test
 * looks at 4 neighbours, ours at 8 (fewer near-duplicate lines), so our
 * list must be a sub-list of cv2's: every line of ours is one of cv2's
 * with the same votes (sin/cos tables agree to float rounding; a vote may
 * move to the next rho cell where r lands within 1e-6 of a half, so votes
 * may differ by 1), and the strongest line is the same. */
static void
check_hough_cv (const MscPlane *edges, double theta_min, double theta_max, guint threshold)
{
  double theta_step = G_PI / 180;
  g_autofree char *path = msc_imaging_test_write_png (edges);
  char ts[G_ASCII_DTOSTR_BUF_SIZE], mins[G_ASCII_DTOSTR_BUF_SIZE], maxs[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_dtostr (ts, sizeof ts, theta_step);
  g_ascii_dtostr (mins, sizeof mins, theta_min);
  g_ascii_dtostr (maxs, sizeof maxs, theta_max);
  g_autofree char *thr = g_strdup_printf ("%u", threshold);
  const char *args[] = { "hough", path, "1", ts, mins, maxs, thr, NULL };
  g_autofree char *out = msc_imaging_test_python ("cv-regions.py", args);
  if (out == NULL)
    return;
  g_auto (GStrv) rows = g_strsplit (g_strstrip (out), "\n", -1);
  g_autoptr (GArray) cv = g_array_new (FALSE, FALSE, sizeof (CvLine));
  for (guint i = 0; rows[i] && rows[i][0]; i++)
    {
      CvLine l;
      g_assert_cmpint (sscanf (rows[i], "%lf %lf %u", &l.rho, &l.theta, &l.votes), ==, 3);
      g_array_append_val (cv, l);
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) ours = msc_edge_hough_lines (edges, 1, theta_step, theta_min, theta_max,
                                                  threshold, 20, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ours->len, >=, 1);
  g_assert_cmpuint (cv->len, >=, ours->len);
  for (guint i = 0; i < ours->len; i++)
    {
      const MscLine *l = &g_array_index (ours, MscLine, i);
      gboolean found = FALSE;
      for (guint j = 0; j < cv->len && !found; j++)
        {
          const CvLine *c = &g_array_index (cv, CvLine, j);
          found = fabs (c->rho - l->rho) < 1e-6 && fabs (c->theta - l->theta) < 1e-5 &&
                  ABS ((int) c->votes - (int) l->votes) <= 1;
        }
      if (!found)
        g_error ("hough line %u (rho %g, theta %g, %u votes) is not among cv2's", i, l->rho, l->theta, l->votes);
    }
  const CvLine *c0 = &g_array_index (cv, CvLine, 0);
  const MscLine *l0 = &g_array_index (ours, MscLine, 0);
  g_assert_cmpfloat (fabs (c0->rho - l0->rho), <, 1e-6);
  g_assert_cmpfloat (fabs (c0->theta - l0->theta), <, 1e-5);
}

static void
test_hough_mias (void)
{
  g_autoptr (MscPlane) img = msc_imaging_test_mias (1);
  if (img == NULL)
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) edges = msc_edge_canny (img, 30, 90, TRUE, &error);
  g_assert_no_error (error);
  check_hough_cv (edges, 0, G_PI, 80);
  /* The range a pectoral border takes on a view with the chest wall on the
   * left: a line falling from the top edge to the left edge. */
  check_hough_cv (edges, 0.2, 1.2, 40);
}

static void
test_hough_degenerate (void)
{
  g_autoptr (GError) error = NULL;
  guint sizes[][2] = { { 1, 1 }, { 1, 10000 }, { 10000, 1 } };
  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      g_autoptr (MscPlane) p = msc_plane_new (MSC_PLANE_U8, sizes[s][0], sizes[s][1], &error);
      g_autoptr (GArray) none = msc_edge_hough_lines (p, 1, G_PI / 180, 0, G_PI, 1, 10, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (none->len, ==, 0);
      memset (msc_plane_u8 (p), 255, msc_plane_get_n_pixels (p));
      g_autoptr (GArray) full = msc_edge_hough_lines (p, 1, G_PI / 180, 0, G_PI, 1, 10, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (full->len, >=, 1);
      g_assert_cmpuint (full->len, <=, 10);
      /* All pixels lie on one grid line (theta 0 or 90 degrees). */
      g_assert_cmpuint (g_array_index (full, MscLine, 0).votes, ==, msc_plane_get_n_pixels (p));
      g_autoptr (GArray) zero = msc_edge_hough_lines (p, 1, G_PI / 180, 0, G_PI, 1, 0, &error);
      g_assert_cmpuint (zero->len, ==, 0);
    }
}

static void
test_hough_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) p = msc_plane_new (MSC_PLANE_U8, 10, 10, &error);
  double bad[][4] = {   /* rho step, theta step, theta min, theta max */
    { 1, 0.1, 1, 1 }, { 1, 0.1, 2, 1 }, { 0, 0.1, 0, 1 }, { 1, 0, 0, 1 },
    { NAN, 0.1, 0, 1 }, { 1, 0.1, 0, INFINITY }, { 1, 1e-5, 0, 1e5 },
  };
  for (guint k = 0; k < G_N_ELEMENTS (bad); k++)
    {
      g_assert_null (msc_edge_hough_lines (p, bad[k][0], bad[k][1], bad[k][2], bad[k][3], 1, 10, &error));
      g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "hough"));
      g_clear_error (&error);
    }
  g_autoptr (MscPlane) q = msc_plane_convert (p, MSC_PLANE_F32, NULL);
  g_assert_null (msc_edge_hough_lines (q, 1, 0.1, 0, 1, 1, 10, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/imaging/edge/canny-mias", test_canny_mias);
  g_test_add_func ("/imaging/edge/canny-noise", test_canny_noise);
  g_test_add_func ("/imaging/edge/canny-degenerate", test_canny_degenerate);
  g_test_add_func ("/imaging/edge/canny-errors", test_canny_errors);
  g_test_add_func ("/imaging/edge/hough-synthetic", test_hough_synthetic);
  g_test_add_func ("/imaging/edge/hough-mias", test_hough_mias);
  g_test_add_func ("/imaging/edge/hough-degenerate", test_hough_degenerate);
  g_test_add_func ("/imaging/edge/hough-errors", test_hough_errors);
  return g_test_run ();
}
