/* tests/engine/test-pgm.c — the PGM (P2/P5) reader.
 *
 * Files are built in memory here, so every byte of the header and data is
 * known; failures must name the file and say which rule was broken.
 */
#include "msc-pgm.h"
#include "msc-load.h"
#include "msc-test-util.h"

#include <string.h>

static MscImage *
load_text (const char *text, GError **error)
{
  return msc_pgm_load_bytes ((const guint8 *) text, strlen (text), "t.pgm", NULL, error);
}

static void
assert_fails (const char *text, gsize size, int code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) image = msc_pgm_load_bytes ((const guint8 *) text, size, "bad.pgm", NULL, &error);
  g_assert_null (image);
  g_assert_error (error, MSC_IO_ERROR, code);
  g_assert_true (g_str_has_prefix (error->message, "bad.pgm: "));
  g_assert_null (strchr (error->message, '\n'));
}

static void
assert_pixels (MscImage *image, guint w, guint h, guint bits, const guint16 *expect)
{
  g_assert_nonnull (image);
  g_assert_cmpuint (msc_image_get_width (image), ==, w);
  g_assert_cmpuint (msc_image_get_height (image), ==, h);
  g_assert_cmpuint (msc_image_get_bits_stored (image), ==, bits);
  g_assert_cmpstr (msc_image_get_format (image), ==, "PGM");
  g_assert_cmpstr (msc_image_get_photometric (image), ==, "MONOCHROME2");
  g_assert_cmpmem (msc_image_get_pixels (image), w * h * 2, expect, w * h * 2);
}

static void
test_plain_8 (void)
{
  static const guint16 expect[6] = { 0, 1, 2, 253, 254, 255 };
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) image = load_text ("P2\n3 2\n255\n0 1 2\n253 254 255\n", &error);
  g_assert_no_error (error);
  assert_pixels (image, 3, 2, 8, expect);
  g_assert_cmpstr (msc_image_get_path (image), ==, "t.pgm");
}

static void
test_plain_16_comments (void)
{
  static const guint16 expect[4] = { 0, 4095, 1000, 7 };
  g_autoptr (GError) error = NULL;
  /* Comments between every header field, CR LF line ends, odd spacing. */
  g_autoptr (MscImage) image = load_text ("P2 # a 12-bit image\r\n# made by hand\r\n2#width\n"
                                          "  2 # height\n4095\n0\t4095\r\n1000    7", &error);
  g_assert_no_error (error);
  assert_pixels (image, 2, 2, 12, expect);
}

static void
test_raw_8 (void)
{
  static const guint8 data[] = "P5\n# comment\n4 1\n200\n\x00\x01\x0a\xc8";
  static const guint16 expect[4] = { 0, 1, 10, 200 };
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) image = msc_pgm_load_bytes (data, sizeof data - 1, "r.pgm", NULL, &error);
  g_assert_no_error (error);
  assert_pixels (image, 4, 1, 8, expect);
}

static void
test_raw_16 (void)
{
  /* Big-endian two-byte samples; maxval 65535 needs 16 bits. The raster
   * may begin with bytes that look like whitespace or '#'. */
  static const guint8 data[] = "P5 3 1 65535\n\x0a\x0d\x23\x20\xff\xff";
  static const guint16 expect[3] = { 0x0a0d, 0x2320, 0xffff };
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) image = msc_pgm_load_bytes (data, sizeof data - 1, "r.pgm", NULL, &error);
  g_assert_no_error (error);
  assert_pixels (image, 3, 1, 16, expect);
}

static void
test_bits_for_maxval (void)
{
  static const struct { guint maxval, bits; } cases[] = {
    { 1, 1 }, { 2, 2 }, { 3, 2 }, { 255, 8 }, { 256, 9 }, { 1023, 10 }, { 4095, 12 }, { 65535, 16 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf ("P2 1 1 %u %u\n", cases[i].maxval, cases[i].maxval);
      g_autoptr (GError) error = NULL;
      g_autoptr (MscImage) image = load_text (text, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (msc_image_get_bits_stored (image), ==, cases[i].bits);
      g_assert_cmpuint (msc_image_get_pixels (image)[0], ==, cases[i].maxval);
    }
}

/* Through the sniffing loader, from a file. */
static void
test_via_loader (void)
{
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "x.pgm", NULL);
  static const guint8 data[] = "P5\n2 2\n1000\n\x03\xe8\x00\x00\x00\x01\x01\x00";
  g_assert_true (g_file_set_contents (path, (const char *) data, sizeof data - 1, NULL));
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) image = msc_image_load (path, NULL, &error);
  g_assert_no_error (error);
  static const guint16 expect[4] = { 1000, 0, 1, 256 };
  assert_pixels (image, 2, 2, 10, expect);
  g_assert_cmpstr (msc_image_get_path (image), ==, path);
}

static void
test_bad_maxval (void)
{
  assert_fails ("P2 1 1 0 0\n", 11, MSC_IO_ERROR_INVALID);
  assert_fails ("P2 1 1 65536 0\n", 15, MSC_IO_ERROR_INVALID);
  assert_fails ("P5 1 1 99999999999 \x01", 20, MSC_IO_ERROR_INVALID);
  assert_fails ("P2 1 1 -5 0\n", 12, MSC_IO_ERROR_INVALID);
  assert_fails ("P2 1 1 25x 0\n", 13, MSC_IO_ERROR_INVALID);
}

static void
test_above_maxval (void)
{
  g_autoptr (GError) error = NULL;
  g_assert_null (load_text ("P2 2 2 100\n0 100 101 5\n", &error));
  g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "t.pgm: pixel (0, 1) is 101, above maxval 100");

  static const char raw8[] = "P5 2 1 100\n\x10\x65";
  assert_fails (raw8, sizeof raw8 - 1, MSC_IO_ERROR_INVALID);
  static const char raw16[] = "P5 1 1 4095\n\x10\x00";
  assert_fails (raw16, sizeof raw16 - 1, MSC_IO_ERROR_INVALID);
  assert_fails ("P2 1 1 65535 65536\n", 19, MSC_IO_ERROR_INVALID);
}

static void
test_truncated (void)
{
  static const char raw[] = "P5\n4 4\n255\n0123456789";
  g_autoptr (GError) error = NULL;
  g_assert_null (msc_pgm_load_bytes ((const guint8 *) raw, sizeof raw - 1, "t.pgm", NULL, &error));
  g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TRUNCATED);
  g_assert_cmpstr (error->message, ==, "t.pgm: pixel data is 10 bytes, header declares 16");
  g_clear_error (&error);

  /* 16-bit: one byte short. */
  static const char raw16[] = "P5 2 1 65535\n\x01\x02\x03";
  g_assert_null (msc_pgm_load_bytes ((const guint8 *) raw16, sizeof raw16 - 1, "t.pgm", NULL, &error));
  g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TRUNCATED);
  g_assert_cmpstr (error->message, ==, "t.pgm: pixel data is 3 bytes, header declares 4");
  g_clear_error (&error);

  g_assert_null (load_text ("P2 2 2 255\n1 2 3", &error));
  g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TRUNCATED);
  g_assert_cmpstr (error->message, ==, "t.pgm: pixel data has 3 values, header declares 4");
  g_clear_error (&error);

  /* Every prefix of a valid file fails cleanly. */
  static const char full[] = "P5\n# c\n3 2\n65535\n\x00\x01\x00\x02\x00\x03\x00\x04\x00\x05\x00\x06";
  for (gsize cut = 0; cut < sizeof full - 1; cut++)
    {
      int code = cut < 3 ? (cut == 0 ? MSC_IO_ERROR_TRUNCATED : MSC_IO_ERROR_UNKNOWN_FORMAT)
                         : MSC_IO_ERROR_TRUNCATED;
      assert_fails (full, cut, code);
    }
  g_autoptr (MscImage) image = msc_pgm_load_bytes ((const guint8 *) full, sizeof full - 1, "f.pgm", NULL, &error);
  g_assert_no_error (error);
}

static void
test_huge (void)
{
  g_autoptr (GError) error = NULL;
  g_assert_null (load_text ("P5 100000 100000 255\n", &error));
  g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TOO_LARGE);
  g_assert_cmpstr (error->message, ==, "t.pgm: image is 100000 x 100000, above the limit of 16384 x 16384");
  /* Numbers past 32 bits, and products past 64 bits if not checked. */
  assert_fails ("P5 4294967295 4294967295 65535\n", 31, MSC_IO_ERROR_TOO_LARGE);
  assert_fails ("P5 99999999999999999999999 1 255\n", 33, MSC_IO_ERROR_INVALID);
  assert_fails ("P2 0 5 255\n", 11, MSC_IO_ERROR_INVALID);

  MscLoadOptions opts = { .max_dimension = 8 };
  g_clear_error (&error);
  static const char text[] = "P2 9 1 255 1 2 3 4 5 6 7 8 9";
  g_assert_null (msc_pgm_load_bytes ((const guint8 *) text, sizeof text - 1, "t.pgm", &opts, &error));
  g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TOO_LARGE);
  opts.max_dimension = 9;
  g_autoptr (MscImage) image = msc_pgm_load_bytes ((const guint8 *) text, sizeof text - 1, "t.pgm", &opts, NULL);
  g_assert_nonnull (image);
}

static void
test_garbage (void)
{
  assert_fails ("", 0, MSC_IO_ERROR_TRUNCATED);
  assert_fails ("P6 1 1 255\n\x00\x00\x00", 14, MSC_IO_ERROR_UNKNOWN_FORMAT);
  assert_fails ("P5", 2, MSC_IO_ERROR_UNKNOWN_FORMAT);
  assert_fails ("P2 1 1 255 abc\n", 15, MSC_IO_ERROR_INVALID);
  assert_fails ("P2 1 1 255 12abc\n", 17, MSC_IO_ERROR_INVALID);
  assert_fails ("P2 x 1 255 0\n", 13, MSC_IO_ERROR_INVALID);
  /* P5 header must end with whitespace before the raster. */
  assert_fails ("P5 1 1 255#\x01", 12, MSC_IO_ERROR_INVALID);

  /* Random bytes after a valid magic: errors, never a crash. */
  for (guint round = 0; round < 500; round++)
    {
      guint n = g_test_rand_int_range (3, 64);
      g_autofree char *buf = g_malloc (n);
      buf[0] = 'P', buf[1] = round % 2 ? '2' : '5', buf[2] = ' ';
      for (guint i = 3; i < n; i++)
        buf[i] = "0123456789 #\n\xff"[g_test_rand_int_range (0, 15)];
      g_autoptr (GError) error = NULL;
      g_autoptr (MscImage) image = msc_pgm_load_bytes ((guint8 *) buf, n, "r.pgm", NULL, &error);
      g_assert_true (image != NULL || error != NULL);
      if (error)
        g_assert_true (g_str_has_prefix (error->message, "r.pgm: "));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/io/pgm/plain/8bit", test_plain_8);
  g_test_add_func ("/io/pgm/plain/16bit-comments", test_plain_16_comments);
  g_test_add_func ("/io/pgm/raw/8bit", test_raw_8);
  g_test_add_func ("/io/pgm/raw/16bit", test_raw_16);
  g_test_add_func ("/io/pgm/bits-for-maxval", test_bits_for_maxval);
  g_test_add_func ("/io/pgm/via-loader", test_via_loader);
  g_test_add_func ("/io/pgm/bad/maxval", test_bad_maxval);
  g_test_add_func ("/io/pgm/bad/above-maxval", test_above_maxval);
  g_test_add_func ("/io/pgm/bad/truncated", test_truncated);
  g_test_add_func ("/io/pgm/bad/huge", test_huge);
  g_test_add_func ("/io/pgm/bad/garbage", test_garbage);
  return g_test_run ();
}
