/* tests/engine/imaging/test-morph.c — morphology with rect/ellipse/cross
 * elements against cv2.morphologyEx, hole filling against cv2.floodFill,
 * degenerate shapes, bad parameters.
 */
#include "msc-imaging-error.h"
#include "msc-imaging-test.h"
#include "msc-morph.h"
#include "msc-test-util.h"

#include <string.h>

static const char *op_names[] = { "erode", "dilate", "open", "close", "tophat", "blackhat" };
static const char *shape_names[] = { "rect", "ellipse", "cross" };

static MscPlane *
reference (const char *op, const MscPlane *plane, const char *p1, const char *p2, const char *p3)
{
  static guint counter;
  g_autofree char *in = msc_imaging_test_write_png (plane);
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *out = g_strdup_printf ("%s/morph-ref-%u.png", dir, counter++);
  const char *args[] = { op, in, out, p1, p2, p3, NULL };
  g_autofree char *text = msc_imaging_test_python ("cv-filter.py", args);
  return text ? msc_imaging_test_read_png (out) : NULL;
}

static void
check (const MscPlane *src, MscMorphOp op, MscMorphShape shape, guint radius, MscThreadPool *pool)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) ours = msc_morph_apply (src, op, shape, radius, pool, &error);
  g_assert_no_error (error);
  g_autofree char *r = g_strdup_printf ("%u", radius);
  g_autoptr (MscPlane) ref = reference ("morph", src, op_names[op], shape_names[shape], r);
  if (ref)
    msc_imaging_test_assert_close (ours, ref, 0, 0);     /* min/max are exact */
}

static MscPlane *
plane_of (MscPlaneFormat format, guint w, guint h, guint seed, guint modulo)
{
  g_autoptr (GError) error = NULL;
  MscPlane *p = msc_plane_new (format, w, h, &error);
  g_assert_no_error (error);
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  for (gsize i = 0; i < msc_plane_get_n_pixels (p); i++)
    {
      guint v = modulo ? (guint) g_rand_int_range (rand, 0, (gint32) modulo) : 0;
      if (format == MSC_PLANE_U8)
        msc_plane_u8 (p)[i] = (guint8) v;
      else
        msc_plane_u16 (p)[i] = (guint16) v;
    }
  return p;
}

static void
test_grey_all_ops (void)
{
  g_autoptr (MscThreadPool) pool = msc_thread_pool_new (2);
  g_autoptr (MscPlane) img = msc_imaging_test_mias (1);
  if (img == NULL)
    return;
  for (guint op = 0; op <= MSC_MORPH_BLACKHAT; op++)
    for (guint shape = 0; shape <= MSC_MORPH_CROSS; shape++)
      check (img, op, shape, 3, op % 2 ? pool : NULL);
}

static void
test_grey_radii (void)
{
  g_autoptr (MscThreadPool) pool = msc_thread_pool_new (2);
  g_autoptr (MscPlane) img = msc_imaging_test_mias (115);
  if (img == NULL)
    return;
  const guint radii[] = { 1, 2, 7, 20 };
  for (guint i = 0; i < G_N_ELEMENTS (radii); i++)
    for (guint shape = 0; shape <= MSC_MORPH_CROSS; shape++)
      check (img, i % 2 ? MSC_MORPH_ERODE : MSC_MORPH_DILATE, shape, radii[i], pool);
}

static void
test_masks (void)
{
  g_autoptr (MscThreadPool) pool = msc_thread_pool_new (2);
  g_autoptr (MscPlane) img = msc_imaging_test_mias (209);
  if (img == NULL)
    return;
  /* a breast-mask-like binary image: threshold at 40 */
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) mask = msc_plane_copy (img, &error);
  for (gsize i = 0; i < msc_plane_get_n_pixels (mask); i++)
    msc_plane_u8 (mask)[i] = msc_plane_peek_u8 (img)[i] > 40 ? 255 : 0;
  for (guint shape = 0; shape <= MSC_MORPH_CROSS; shape++)
    {
      check (mask, MSC_MORPH_OPEN, shape, 5, pool);
      check (mask, MSC_MORPH_CLOSE, shape, 15, pool);
    }
}

static void
test_u16 (void)
{
  g_autoptr (MscThreadPool) pool = msc_thread_pool_new (2);
  g_autoptr (MscPlane) dicom = msc_imaging_test_dicom ("mdb001-explicit-le.dcm");
  if (dicom == NULL)
    return;
  check (dicom, MSC_MORPH_TOPHAT, MSC_MORPH_ELLIPSE, 6, pool);
  check (dicom, MSC_MORPH_BLACKHAT, MSC_MORPH_RECT, 4, NULL);
  g_autoptr (MscPlane) noise = plane_of (MSC_PLANE_U16, 300, 211, 7, 65536);
  for (guint shape = 0; shape <= MSC_MORPH_CROSS; shape++)
    check (noise, MSC_MORPH_CLOSE, shape, 9, pool);
}

static void
test_degenerate (void)
{
  const guint shapes[][2] = { { 1, 1 }, { 1, 10000 }, { 10000, 1 }, { 2, 5 } };
  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    for (guint f = 1; f <= 2; f++)
      {
        g_autoptr (MscPlane) p = plane_of (f, shapes[s][0], shapes[s][1], s, f == 1 ? 256 : 65536);
        check (p, MSC_MORPH_OPEN, MSC_MORPH_ELLIPSE, 5, NULL);
        check (p, MSC_MORPH_BLACKHAT, MSC_MORPH_RECT, 2, NULL);
      }
  /* all 0 / all max stay constant; radius 0 is a copy, its hats are 0 */
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) black = plane_of (MSC_PLANE_U8, 20, 30, 0, 0);
  g_autoptr (MscPlane) white = msc_plane_copy (black, &error);
  msc_plane_invert (white);
  for (guint op = 0; op <= MSC_MORPH_CLOSE; op++)
    {
      g_autoptr (MscPlane) a = msc_morph_apply (black, op, MSC_MORPH_ELLIPSE, 4, NULL, &error);
      msc_imaging_test_assert_close (a, black, 0, 0);
      g_autoptr (MscPlane) b = msc_morph_apply (white, op, MSC_MORPH_RECT, 40, NULL, &error);
      msc_imaging_test_assert_close (b, white, 0, 0);
    }
  g_autoptr (MscPlane) noise = plane_of (MSC_PLANE_U8, 9, 9, 3, 256);
  g_autoptr (MscPlane) same = msc_morph_apply (noise, MSC_MORPH_DILATE, MSC_MORPH_RECT, 0, NULL, &error);
  msc_imaging_test_assert_close (same, noise, 0, 0);
  g_autoptr (MscPlane) zero = msc_morph_apply (noise, MSC_MORPH_TOPHAT, MSC_MORPH_RECT, 0, NULL, &error);
  g_autoptr (MscPlane) zeros = plane_of (MSC_PLANE_U8, 9, 9, 0, 0);
  msc_imaging_test_assert_close (zero, zeros, 0, 0);
}

static void
test_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) p = plane_of (MSC_PLANE_U8, 4, 4, 0, 2);
  g_autoptr (MscPlane) f = msc_plane_convert (p, MSC_PLANE_F32, &error);
  g_assert_null (msc_morph_apply (f, MSC_MORPH_ERODE, MSC_MORPH_RECT, 1, NULL, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT);
  g_clear_error (&error);
  g_assert_null (msc_morph_apply (p, 17, MSC_MORPH_RECT, 1, NULL, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (msc_morph_apply (p, MSC_MORPH_ERODE, 9, 1, NULL, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (msc_morph_apply (p, MSC_MORPH_ERODE, MSC_MORPH_RECT, 100000, NULL, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "morph: radius 100000"));
  g_clear_error (&error);
  g_assert_null (msc_morph_apply (NULL, MSC_MORPH_ERODE, MSC_MORPH_RECT, 1, NULL, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
  g_clear_error (&error);
  g_autoptr (MscPlane) u16 = plane_of (MSC_PLANE_U16, 4, 4, 0, 2);
  g_assert_null (msc_morph_fill_holes (u16, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT);
  g_clear_error (&error);
  g_assert_null (msc_morph_fill_holes (NULL, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
}

/* Draws a ring (255) between radii r0 and r1 around (cx, cy). */
static void
ring (MscPlane *m, double cx, double cy, double r0, double r1)
{
  guint w = msc_plane_get_width (m), h = msc_plane_get_height (m);
  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      {
        double d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
        if (d2 >= r0 * r0 && d2 <= r1 * r1)
          msc_plane_u8 (m)[(gsize) y * w + x] = 255;
      }
}

static void
check_fill (const MscPlane *mask)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) ours = msc_morph_fill_holes (mask, &error);
  g_assert_no_error (error);
  g_autoptr (MscPlane) ref = reference ("fill", mask, NULL, NULL, NULL);
  if (ref)
    msc_imaging_test_assert_close (ours, ref, 0, 0);
}

static void
test_fill_holes (void)
{
  g_autoptr (MscPlane) m = plane_of (MSC_PLANE_U8, 200, 150, 0, 0);
  ring (m, 60, 70, 30, 36);          /* a hole */
  ring (m, 60, 70, 10, 14);          /* nested: its own hole, and a 0 ring between (a hole too) */
  ring (m, 190, 75, 20, 25);         /* cut by the right border: its inside touches the border */
  ring (m, 140, 40, 8, 9);           /* thin ring: 8-connected gaps do not leak in 4-connectivity */
  check_fill (m);
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) filled = msc_morph_fill_holes (m, &error);
  g_assert_cmpuint (msc_plane_peek_u8 (filled)[70 * 200 + 60], ==, 255);   /* centre */
  g_assert_cmpuint (msc_plane_peek_u8 (filled)[75 * 200 + 199], ==, 0);   /* open to the border */
  g_assert_cmpuint (msc_plane_peek_u8 (filled)[0], ==, 0);

  g_autoptr (MscPlane) img = msc_imaging_test_mias (28);
  if (img)
    {
      g_autoptr (MscPlane) mask = msc_plane_copy (img, &error);
      for (gsize i = 0; i < msc_plane_get_n_pixels (mask); i++)
        msc_plane_u8 (mask)[i] = msc_plane_peek_u8 (img)[i] > 90 ? 255 : 0;
      check_fill (mask);
    }
  const guint shapes[][2] = { { 1, 1 }, { 1, 10000 }, { 10000, 1 }, { 3, 3 } };
  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    {
      g_autoptr (MscPlane) zero = plane_of (MSC_PLANE_U8, shapes[s][0], shapes[s][1], 0, 0);
      g_autoptr (MscPlane) z = msc_morph_fill_holes (zero, &error);
      msc_imaging_test_assert_close (z, zero, 0, 0);         /* all 0: nothing is a hole */
      g_autoptr (MscPlane) full = msc_plane_copy (zero, &error);
      msc_plane_invert (full);
      g_autoptr (MscPlane) f = msc_morph_fill_holes (full, &error);
      msc_imaging_test_assert_close (f, full, 0, 0);
    }
  g_autoptr (MscPlane) one_hole = plane_of (MSC_PLANE_U8, 3, 3, 0, 0);
  msc_plane_invert (one_hole);
  msc_plane_u8 (one_hole)[4] = 0;
  g_autoptr (MscPlane) closed = msc_morph_fill_holes (one_hole, &error);
  g_assert_cmpuint (msc_plane_peek_u8 (closed)[4], ==, 255);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/imaging/morph/grey/all-ops", test_grey_all_ops);
  g_test_add_func ("/imaging/morph/grey/radii", test_grey_radii);
  g_test_add_func ("/imaging/morph/masks", test_masks);
  g_test_add_func ("/imaging/morph/u16", test_u16);
  g_test_add_func ("/imaging/morph/degenerate", test_degenerate);
  g_test_add_func ("/imaging/morph/errors", test_errors);
  g_test_add_func ("/imaging/morph/fill-holes", test_fill_holes);
  return g_test_run ();
}
