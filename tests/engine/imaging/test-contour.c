/* tests/engine/imaging/test-contour.c — marching squares on masks and
 * probability maps, rasterisation round trips, Douglas-Peucker and
 * fillPoly against OpenCV 4.6 (cv-geometry.py), measures in mm.
 */
#include "msc-contour.h"
#include "msc-geometry.h"
#include "msc-imaging-error.h"
#include "msc-imaging-test.h"
#include "msc-plane.h"
#include "msc-test-util.h"

#include <math.h>
#include <string.h>

static MscPlane *
disk_mask (guint w, guint h, double cx, double cy, double r, double r_hole)
{
  g_autoptr (GError) error = NULL;
  MscPlane *m = msc_plane_new (MSC_PLANE_U8, w, h, &error);
  g_assert_no_error (error);
  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      {
        double d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
        if (d2 <= r * r && (r_hole < 0 || d2 > r_hole * r_hole))
          msc_plane_u8 (m)[(gsize) y * w + x] = 255;
      }
  return m;
}

static gsize
count_set (const MscPlane *m)
{
  gsize n = 0;
  for (gsize i = 0; i < msc_plane_get_n_pixels (m); i++)
    n += msc_plane_peek_u8 (m)[i] != 0;
  return n;
}

static GPtrArray *
trace (const MscPlane *m, double threshold)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *rings = msc_contour_trace (m, threshold, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < rings->len; i++)
    {
      GArray *p = g_ptr_array_index (rings, i);
      g_assert_cmpuint (p->len, >=, 3);
      for (guint k = 0; k < p->len; k++)
        {
          g_assert_true (isfinite (g_array_index (p, MscPoint, k).x));
          g_assert_true (isfinite (g_array_index (p, MscPoint, k).y));
        }
    }
  return rings;
}

static void
assert_round_trip (const MscPlane *mask, const GPtrArray *rings)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) back = msc_contour_rasterize (rings, msc_plane_get_width (mask),
                                                     msc_plane_get_height (mask), &error);
  g_assert_no_error (error);
  msc_imaging_test_assert_close (mask, back, 0, 0);
}

/* A contour through edge midpoints encloses each mask pixel's centre; the
 * enclosed area is the pixel count less 1/8 per convex corner cut plus 1/8
 * per concave one, which for a simply connected region sums to exactly
 * pixels - 1/2 (the corners' turning adds up to one full turn). */
static void
test_disks (void)
{
  const double radii[] = { 10, 25.5, 60, 200 };
  for (guint i = 0; i < G_N_ELEMENTS (radii); i++)
    {
      double r = radii[i];
      g_autoptr (MscPlane) m = disk_mask (512, 480, 250.3, 240.7, r, -1);
      g_autoptr (GPtrArray) rings = trace (m, 127.5);
      g_assert_cmpuint (rings->len, ==, 1);
      GArray *p = g_ptr_array_index (rings, 0);
      double area = msc_contour_area_mm2 (p, 1, 1), per = msc_contour_perimeter_mm (p, 1, 1);
      gsize n = count_set (m);
      g_test_message ("disk r %g: %zu px, area %.2f, perimeter %.2f (2 pi r %.2f)", r, n, area, per, 2 * G_PI * r);
      g_assert_cmpfloat (fabs (area - (n - 0.5)), <, 1e-9);
      /* Binary masks give 45-degree staircases, longer than the circle:
       * measured +5.4 % .. +5.9 % for r 10 .. 200; we allow 8 %. */
      g_assert_cmpfloat (fabs (per - 2 * G_PI * r) / (2 * G_PI * r), <, 0.08);
      assert_round_trip (m, rings);
    }
}

/* A smooth probability map: interpolation along cell edges makes the
 * contour follow the true circle to a fraction of a pixel. */
static void
test_f32_map (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) map = msc_plane_new (MSC_PLANE_F32, 200, 150, &error);
  const double r = 40;
  for (guint y = 0; y < 150; y++)
    for (guint x = 0; x < 200; x++)
      msc_plane_f32 (map)[y * 200 + x] = (float) (1.0 / (1.0 + exp ((hypot (x - 90.5, y - 70.2) - r) / 3)));
  g_autoptr (GPtrArray) rings = trace (map, 0.5);
  g_assert_cmpuint (rings->len, ==, 1);
  GArray *p = g_ptr_array_index (rings, 0);
  double area = msc_contour_area_mm2 (p, 1, 1), per = msc_contour_perimeter_mm (p, 1, 1);
  g_test_message ("f32 circle r 40: area %.3f (%.3f), perimeter %.3f (%.3f)", area, G_PI * r * r, per, 2 * G_PI * r);
  g_assert_cmpfloat (fabs (area - G_PI * r * r) / (G_PI * r * r), <, 0.002);
  g_assert_cmpfloat (fabs (per - 2 * G_PI * r) / (2 * G_PI * r), <, 0.002);
  for (guint k = 0; k < p->len; k++)
    {
      MscPoint q = g_array_index (p, MscPoint, k);
      g_assert_cmpfloat (fabs (hypot (q.x - 90.5, q.y - 70.2) - r), <, 0.05);
    }

  /* NaN counts as below the threshold: a NaN pixel inside is a hole. */
  msc_plane_f32 (map)[70 * 200 + 90] = NAN;
  g_autoptr (GPtrArray) holed = trace (map, 0.5);
  g_assert_cmpuint (holed->len, ==, 2);
  g_autoptr (MscPlane) m = msc_contour_rasterize (holed, 200, 150, &error);
  g_assert_cmpuint (msc_plane_peek_u8 (m)[70 * 200 + 90], ==, 0);
  g_assert_cmpuint (msc_plane_peek_u8 (m)[70 * 200 + 91], ==, 255);

  g_autoptr (GPtrArray) bad = msc_contour_trace (map, NAN, &error);
  g_assert_null (bad);
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
}

static void
test_shapes (void)
{
  g_autoptr (GError) error = NULL;
  /* ring: outer boundary and hole, even-odd reproduces it */
  g_autoptr (MscPlane) ring = disk_mask (100, 100, 50, 50, 30, 12);
  g_autoptr (GPtrArray) rr = trace (ring, 127.5);
  g_assert_cmpuint (rr->len, ==, 2);
  assert_round_trip (ring, rr);

  /* two blobs touching at a corner are one 8-connected region; one pixel
   * apart they are two */
  g_autoptr (MscPlane) two = msc_plane_new (MSC_PLANE_U8, 20, 20, &error);
  for (guint y = 2; y < 6; y++)
    for (guint x = 2; x < 6; x++)
      {
        msc_plane_u8 (two)[y * 20 + x] = 255;
        msc_plane_u8 (two)[(y + 4) * 20 + x + 4] = 255;
      }
  g_autoptr (GPtrArray) joined = trace (two, 127.5);
  g_assert_cmpuint (joined->len, ==, 1);
  assert_round_trip (two, joined);
  msc_plane_u8 (two)[5 * 20 + 5] = 0;
  g_autoptr (GPtrArray) apart = trace (two, 127.5);
  g_assert_cmpuint (apart->len, ==, 2);
  assert_round_trip (two, apart);

  /* region touching the border: closed along it, half a pixel out */
  g_autoptr (MscPlane) full = msc_plane_new (MSC_PLANE_U8, 7, 5, &error);
  memset (msc_plane_u8 (full), 255, 35);
  g_autoptr (GPtrArray) fr = trace (full, 127.5);
  g_assert_cmpuint (fr->len, ==, 1);
  g_assert_cmpfloat (msc_contour_area_mm2 (g_ptr_array_index (fr, 0), 1, 1), ==, 35 - 0.5);
  assert_round_trip (full, fr);

  /* single pixel: a diamond of area 1/2 around its centre */
  g_autoptr (MscPlane) one = msc_plane_new (MSC_PLANE_U8, 1, 1, &error);
  msc_plane_u8 (one)[0] = 255;
  g_autoptr (GPtrArray) or = trace (one, 127.5);
  g_assert_cmpuint (or->len, ==, 1);
  g_assert_cmpfloat (msc_contour_area_mm2 (g_ptr_array_index (or, 0), 1, 1), ==, 0.5);
  assert_round_trip (one, or);

  /* empty, 1 x 10000 line, U16 mask */
  g_autoptr (MscPlane) empty = msc_plane_new (MSC_PLANE_U8, 50, 40, &error);
  g_autoptr (GPtrArray) er = trace (empty, 127.5);
  g_assert_cmpuint (er->len, ==, 0);
  g_autoptr (MscPlane) line = msc_plane_new (MSC_PLANE_U16, 1, 10000, &error);
  for (guint i = 100; i < 9000; i++)
    msc_plane_u16 (line)[i] = 4095;
  g_autoptr (GPtrArray) lr = trace (line, 2047.5);
  g_assert_cmpuint (lr->len, ==, 1);
  g_assert_cmpfloat (fabs (msc_contour_area_mm2 (g_ptr_array_index (lr, 0), 1, 1) - 8899.5), <, 1e-9);

  g_autoptr (MscPlane) bad = msc_contour_rasterize (rr, 0, 10, &error);
  g_assert_null (bad);
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
}

/* cv2.findContours traces pixel centres, so its area is our area less half
 * a pixel per unit of boundary: we check |ours - cv - perimeter / 2| is
 * below 2 % of the area on MIAS-sized disks and rings. */
static void
test_vs_findcontours (void)
{
  g_autoptr (MscPlane) m = disk_mask (300, 300, 150.2, 149.6, 90, 40);
  g_autofree char *png = msc_imaging_test_write_png (m);
  const char *args[] = { "contours", png, NULL };
  g_autofree char *out = msc_imaging_test_python ("cv-geometry.py", args);
  if (out == NULL)
    return;
  g_auto (GStrv) lines = g_strsplit (g_strstrip (out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  double cv_areas[2];
  for (guint i = 0; i < 2; i++)
    cv_areas[i] = g_ascii_strtod (lines[i], NULL);
  g_autoptr (GPtrArray) rings = trace (m, 127.5);
  g_assert_cmpuint (rings->len, ==, 2);
  /* pair outer with outer and hole with hole by size */
  guint big = msc_contour_area_mm2 (g_ptr_array_index (rings, 0), 1, 1) >
              msc_contour_area_mm2 (g_ptr_array_index (rings, 1), 1, 1) ? 0 : 1;
  double cv_sorted[2] = { MAX (cv_areas[0], cv_areas[1]), MIN (cv_areas[0], cv_areas[1]) };
  for (guint i = 0; i < 2; i++)
    {
      GArray *p = g_ptr_array_index (rings, i == 0 ? big : 1 - big);
      double o = msc_contour_area_mm2 (p, 1, 1), per = msc_contour_perimeter_mm (p, 1, 1);
      /* the hole's boundary pixels are outside it: there findContours
       * traces the ring's pixel centres half a pixel outside our contour */
      double expect = i == 0 ? o - per / 2 : o + per / 2;
      g_test_message ("findContours area %.1f, ours %.1f, ours -/+ perimeter/2 %.1f", cv_sorted[i], o, expect);
      g_assert_cmpfloat (fabs (expect - cv_sorted[i]) / cv_sorted[i], <, 0.02);
    }
}

static char *
poly_arg (const GArray *p)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < p->len; i++)
    {
      MscPoint q = g_array_index (p, MscPoint, i);
      g_string_append_printf (s, "%s%.17g,%.17g", i ? ";" : "", q.x, q.y);
    }
  return g_string_free (s, FALSE);
}

static double
segment_distance (MscPoint p, MscPoint a, MscPoint b)
{
  double dx = b.x - a.x, dy = b.y - a.y, l2 = dx * dx + dy * dy;
  double t = l2 > 0 ? CLAMP (((p.x - a.x) * dx + (p.y - a.y) * dy) / l2, 0, 1) : 0;
  return hypot (p.x - a.x - t * dx, p.y - a.y - t * dy);
}

/* Random star-shaped (simple) polygons with integer vertices: cv2.fillPoly
 * also draws the boundary's pixels, we take pixel centres strictly by the
 * half-open rule, so the masks may differ only at pixels whose centre is
 * within one pixel of an edge. */
static void
test_vs_fillpoly (void)
{
  GRand *rand = g_rand_new_with_seed (42);
  for (guint trial = 0; trial < 5; trial++)
    {
      g_autoptr (GArray) p = g_array_new (FALSE, FALSE, sizeof (MscPoint));
      guint n = 5 + g_rand_int_range (rand, 0, 20);
      for (guint i = 0; i < n; i++)
        {
          double a = 2 * G_PI * i / n, r = g_rand_double_range (rand, 20, 90);
          MscPoint q = { round (100 + r * cos (a)), round (100 + r * sin (a)) };
          g_array_append_val (p, q);
        }
      g_autofree char *arg = poly_arg (p);
      g_autofree char *dir = msc_test_tmpdir ();
      g_autofree char *out = g_strdup_printf ("%s/fill.png", dir);
      const char *args[] = { "fillpoly", out, "200", "200", arg, NULL };
      g_autofree char *text = msc_imaging_test_python ("cv-geometry.py", args);
      if (text == NULL)
        break;
      g_autoptr (MscPlane) ref = msc_imaging_test_read_png (out);
      g_autoptr (GPtrArray) set = g_ptr_array_new ();
      g_ptr_array_add (set, p);
      g_autoptr (GError) error = NULL;
      g_autoptr (MscPlane) ours = msc_contour_rasterize (set, 200, 200, &error);
      g_assert_no_error (error);
      guint differ = 0;
      for (guint y = 0; y < 200; y++)
        for (guint x = 0; x < 200; x++)
          {
            gsize i = y * 200 + x;
            g_assert_cmpuint (msc_plane_peek_u8 (ours)[i] != 0, ==,
                              msc_contour_contains (p, x, y));
            if (msc_plane_peek_u8 (ours)[i] == msc_plane_peek_u8 (ref)[i])
              continue;
            differ++;
            double d = G_MAXDOUBLE;
            for (guint k = 0; k < p->len; k++)
              d = MIN (d, segment_distance ((MscPoint) { x, y }, g_array_index (p, MscPoint, k),
                                            g_array_index (p, MscPoint, (k + 1) % p->len)));
            g_assert_cmpfloat (d, <=, 1.0);
          }
      g_test_message ("fillPoly %u vertices: %u pixels differ, all on the boundary", n, differ);
    }
  g_rand_free (rand);
}

static guint
cv_approx_count (const GArray *p, double eps)
{
  g_autofree char *arg = poly_arg (p);
  g_autofree char *e = g_strdup_printf ("%g", eps);
  const char *args[] = { "approx", e, arg, NULL };
  g_autofree char *out = msc_imaging_test_python ("cv-geometry.py", args);
  return out == NULL ? 0 : (guint) g_ascii_strtoull (out, NULL, 10);
}

static void
test_simplify (void)
{
  /* contours of a square, a rotated rectangle and a ring from masks */
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) m = msc_plane_new (MSC_PLANE_U8, 120, 120, &error);
  for (guint y = 10; y < 50; y++)
    for (guint x = 10; x < 70; x++)
      msc_plane_u8 (m)[y * 120 + x] = 255;
  for (guint y = 60; y < 115; y++)
    for (guint x = 60; x < 115; x++)
      if (abs ((int) x - 87) + abs ((int) y - 87) < 25)
        msc_plane_u8 (m)[y * 120 + x] = 255;
  for (guint y = 70; y < 110; y++)          /* an L shape */
    for (guint x = 5; x < 45; x++)
      if (x < 15 || y > 100)
        msc_plane_u8 (m)[y * 120 + x] = 255;
  g_autoptr (GPtrArray) rings = trace (m, 127.5);
  g_assert_cmpuint (rings->len, ==, 3);
  g_autoptr (MscPlane) dm = disk_mask (100, 100, 50.2, 49.7, 30, -1);
  g_autoptr (GPtrArray) disk = trace (dm, 127.5);
  g_ptr_array_add (rings, g_array_ref (g_ptr_array_index (disk, 0)));
  const double eps[] = { 1.0, 2.0, 5.0 };
  for (guint i = 0; i < rings->len; i++)
    for (guint e = 0; e < G_N_ELEMENTS (eps); e++)
      {
        GArray *p = g_ptr_array_index (rings, i);
        g_autoptr (GArray) s = msc_contour_simplify (p, eps[e]);
        guint cv = cv_approx_count (p, eps[e]);
        if (cv == 0)
          return;
        g_test_message ("simplify %u points eps %g: ours %u, approxPolyDP %u", p->len, eps[e], s->len, cv);
        g_assert_cmpuint (s->len, ==, cv);
        /* every dropped point stays within eps of the simplified ring */
        for (guint k = 0; k < p->len; k++)
          {
            double d = G_MAXDOUBLE;
            for (guint j = 0; j < s->len; j++)
              d = MIN (d, segment_distance (g_array_index (p, MscPoint, k), g_array_index (s, MscPoint, j),
                                            g_array_index (s, MscPoint, (j + 1) % s->len)));
            g_assert_cmpfloat (d, <=, eps[e] + 1e-9);
          }
      }
  g_autoptr (GArray) tiny = g_array_new (FALSE, FALSE, sizeof (MscPoint));
  g_autoptr (GArray) same = msc_contour_simplify (tiny, 1);
  g_assert_cmpuint (same->len, ==, 0);
}

static void
test_measures (void)
{
  g_autoptr (GArray) sq = g_array_new (FALSE, FALSE, sizeof (MscPoint));
  const MscPoint pts[] = { { 0, 0 }, { 10, 0 }, { 10, 10 }, { 0, 10 } };
  g_array_append_vals (sq, pts, 4);
  /* 0.1 mm between rows, 0.2 mm between columns */
  g_assert_cmpfloat (fabs (msc_contour_area_mm2 (sq, 0.1, 0.2) - 2.0), <, 1e-12);
  g_assert_cmpfloat (fabs (msc_contour_perimeter_mm (sq, 0.1, 0.2) - 6.0), <, 1e-12);
  g_assert_true (msc_contour_contains (sq, 5, 5));
  g_assert_true (msc_contour_contains (sq, 0, 5));      /* left edge in, right edge out */
  g_assert_false (msc_contour_contains (sq, 10, 5));
  g_assert_false (msc_contour_contains (sq, -1, 5));
  g_assert_false (msc_contour_contains (sq, 5, 10));
  g_assert_false (msc_contour_contains (sq, NAN, 5));
}

/* A contour traced on a downsampled mask and mapped back through the
 * inverse resize transform lands on the original disk. */
static void
test_inverse_mapping (void)
{
  g_autoptr (MscPlane) m = disk_mask (1024, 1024, 600.5, 400.5, 120, -1);
  g_autoptr (GError) error = NULL;
  MscAffine t, inv;
  g_autoptr (MscPlane) small = msc_geometry_resize (m, 256, 256, MSC_INTERP_AREA, NULL, &t, &error);
  g_assert_no_error (error);
  g_assert_true (msc_affine_invert (&t, &inv));
  g_autoptr (GPtrArray) rings = trace (small, 127.5);
  g_assert_cmpuint (rings->len, ==, 1);
  GArray *p = g_ptr_array_index (rings, 0);
  for (guint k = 0; k < p->len; k++)
    {
      MscPoint *q = &g_array_index (p, MscPoint, k);
      msc_affine_apply (&inv, q->x, q->y, &q->x, &q->y);
      /* a 4x downsampled binary edge is placed to about 2 source pixels */
      g_assert_cmpfloat (fabs (hypot (q->x - 600.5, q->y - 400.5) - 120), <, 2.5);
    }
  double area = msc_contour_area_mm2 (p, 1, 1);
  g_assert_cmpfloat (fabs (area - G_PI * 120 * 120) / (G_PI * 120 * 120), <, 0.02);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/imaging/contour/disks", test_disks);
  g_test_add_func ("/imaging/contour/f32-map", test_f32_map);
  g_test_add_func ("/imaging/contour/shapes", test_shapes);
  g_test_add_func ("/imaging/contour/vs-findcontours", test_vs_findcontours);
  g_test_add_func ("/imaging/contour/vs-fillpoly", test_vs_fillpoly);
  g_test_add_func ("/imaging/contour/simplify", test_simplify);
  g_test_add_func ("/imaging/contour/measures", test_measures);
  g_test_add_func ("/imaging/contour/inverse-mapping", test_inverse_mapping);
  return g_test_run ();
}
