/* tests/engine/imaging/test-plane.c — MscPlane: allocation limits,
 * conversions between formats, PNG round trips on a real mammogram.
 */
#include "msc-imaging-error.h"
#include "msc-imaging-test.h"
#include "msc-plane.h"
#include "msc-test-util.h"

#include <math.h>

static void
test_new_limits (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) empty = msc_plane_new (MSC_PLANE_U8, 0, 10, &error);
  g_assert_null (empty);
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
  g_clear_error (&error);

  g_autoptr (MscPlane) huge = msc_plane_new (MSC_PLANE_F32, 65535, 65535, &error);
  g_assert_null (huge);
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_TOO_LARGE);
  g_clear_error (&error);

  g_autoptr (MscPlane) line = msc_plane_new (MSC_PLANE_U16, 1, 10000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msc_plane_get_n_pixels (line), ==, 10000);
  g_assert_cmpuint (msc_plane_get_max_value (line), ==, 65535);
  g_assert_cmpuint (((guintptr) msc_plane_u16 (line)) % 64, ==, 0);
  for (guint i = 0; i < 10000; i++)
    g_assert_cmpuint (msc_plane_peek_u16 (line)[i], ==, 0);
}

static void
test_convert (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) p = msc_plane_new (MSC_PLANE_U16, 4, 1, &error);
  msc_plane_set_bits (p, 12);
  guint16 *v = msc_plane_u16 (p);
  v[0] = 0; v[1] = 4095; v[2] = 2048; v[3] = 8;

  g_autoptr (MscPlane) u8 = msc_plane_convert (p, MSC_PLANE_U8, &error);
  g_assert_no_error (error);
  const guint8 *b = msc_plane_peek_u8 (u8);
  g_assert_cmpuint (b[0], ==, 0);
  g_assert_cmpuint (b[1], ==, 255);
  g_assert_cmpuint (b[2], ==, 128);   /* 2048 * 255 / 4095 = 127.55 -> 128 */
  g_assert_cmpuint (b[3], ==, 0);

  g_autoptr (MscPlane) f = msc_plane_convert (p, MSC_PLANE_F32, &error);
  g_assert_cmpfloat (msc_plane_peek_f32 (f)[1], ==, 4095.0f);
  msc_plane_f32 (f)[0] = NAN;
  msc_plane_f32 (f)[2] = -3.0f;
  msc_plane_f32 (f)[3] = 1e9f;
  g_autoptr (MscPlane) back = msc_plane_convert (f, MSC_PLANE_U16, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msc_plane_peek_u16 (back)[0], ==, 0);
  g_assert_cmpuint (msc_plane_peek_u16 (back)[1], ==, 4095);
  g_assert_cmpuint (msc_plane_peek_u16 (back)[2], ==, 0);
  g_assert_cmpuint (msc_plane_peek_u16 (back)[3], ==, 65535);

  msc_plane_invert (p);
  g_assert_cmpuint (msc_plane_peek_u16 (p)[0], ==, 4095);
  g_assert_cmpuint (msc_plane_peek_u16 (p)[1], ==, 0);
}

static void
test_mias_round_trip (void)
{
  g_autoptr (MscPlane) img = msc_imaging_test_mias (1);
  if (img == NULL)
    return;
  g_assert_cmpuint (msc_plane_get_format (img), ==, MSC_PLANE_U8);
  g_assert_cmpuint (msc_plane_get_width (img), ==, 1024);
  g_autofree char *path = msc_imaging_test_write_png (img);
  g_autoptr (MscPlane) back = msc_imaging_test_read_png (path);
  msc_imaging_test_assert_close (img, back, 0, 0);
}

static void
test_dicom_u16 (void)
{
  g_autoptr (MscPlane) img = msc_imaging_test_dicom ("mdb001-explicit-le.dcm");
  g_autoptr (MscPlane) png = msc_imaging_test_mias (1);
  if (img == NULL || png == NULL)
    return;
  g_assert_cmpuint (msc_plane_get_format (img), ==, MSC_PLANE_U16);
  g_assert_cmpuint (msc_plane_get_bits (img), ==, 12);
  /* stored = 16 x PNG value (manifest rule x16) */
  for (gsize i = 0; i < msc_plane_get_n_pixels (img); i++)
    g_assert_cmpuint (msc_plane_peek_u16 (img)[i], ==, 16u * msc_plane_peek_u8 (png)[i]);

  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) png_format = msc_plane_convert (img, MSC_PLANE_F32, &error);
  g_assert_no_error (error);
  g_assert_false (msc_plane_save_png (png_format, "/nonexistent/x.png", &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/imaging/plane/new-limits", test_new_limits);
  g_test_add_func ("/imaging/plane/convert", test_convert);
  g_test_add_func ("/imaging/plane/mias-round-trip", test_mias_round_trip);
  g_test_add_func ("/imaging/plane/dicom-u16", test_dicom_u16);
  return g_test_run ();
}
