/* tests/engine/test-display.c — windows, VOI LUTs and MONOCHROME1 on screen.
 *
 * Expected values are worked out by hand from DICOM PS3.3 C.11.2.1.2/3 at
 * the edges of each window; the x16 test checks a whole mammogram.
 */
#include "msc-display.h"
#include "msc-png.h"
#include "msc-test-util.h"

#include <math.h>
#include <string.h>

#define EPS 1e-9

static double
win (MscVoiFunction function, double center, double width, double x)
{
  MscWindow w = { center, width, function, NULL };
  return msc_display_apply_window (&w, x);
}

/* A 1-row image holding 0, 1, ..., n-1. */
static MscImage *
ramp (guint n, guint bits)
{
  g_autoptr (GError) error = NULL;
  MscImage *image = msc_image_new (n, 1, bits, 0, &error);
  g_assert_no_error (error);
  guint16 *px = msc_image_get_pixels_mutable (image);
  for (guint i = 0; i < n; i++)
    px[i] = i;
  return image;
}

static void
test_linear_edges (void)
{
  /* c = 100, w = 11: below 94.5 black, above 104.5 white, between
   * ((x - 99.5) / 10 + 0.5) * 255. */
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_LINEAR, 100, 11, 94), 0, EPS);
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_LINEAR, 100, 11, 94.5), 0, EPS);
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_LINEAR, 100, 11, 95), 12.75, EPS);
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_LINEAR, 100, 11, 99.5), 127.5, EPS);
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_LINEAR, 100, 11, 100), 140.25, EPS);
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_LINEAR, 100, 11, 104), 242.25, EPS);
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_LINEAR, 100, 11, 104.5), 255, EPS);
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_LINEAR, 100, 11, 105), 255, EPS);

  /* The 12-bit full window: 0 and 4095 land exactly on the ends. */
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_LINEAR, 2048, 4096, 0), 0, EPS);
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_LINEAR, 2048, 4096, 1), 255.0 / 4095, EPS);
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_LINEAR, 2048, 4096, 4095), 255, EPS);
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_LINEAR, 2048, 4096, -7), 0, EPS);
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_LINEAR, 2048, 4096, 5000), 255, EPS);
}

static void
test_linear_narrow (void)
{
  /* w = 1 is a step at c - 0.5; w < 1 is treated the same. */
  for (double w = 0.0; w <= 1.0; w += 0.25)
    {
      g_assert_cmpfloat (win (MSC_VOI_LINEAR, 10, w, 9), ==, 0);
      g_assert_cmpfloat (win (MSC_VOI_LINEAR, 10, w, 9.5), ==, 0);
      g_assert_cmpfloat (win (MSC_VOI_LINEAR, 10, w, 9.51), ==, 255);
      g_assert_cmpfloat (win (MSC_VOI_LINEAR, 10, w, 10), ==, 255);
    }
  /* w = 2: lo = c - 1, hi = c; x = c - 0.5 is mid grey exactly. */
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_LINEAR, 10, 2, 9), 0, EPS);
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_LINEAR, 10, 2, 9.5), 127.5, EPS);
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_LINEAR, 10, 2, 10), 255, EPS);
}

static void
test_linear_exact (void)
{
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_LINEAR_EXACT, 100, 10, 90), 0, EPS);
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_LINEAR_EXACT, 100, 10, 95), 0, EPS);
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_LINEAR_EXACT, 100, 10, 97.5), 63.75, EPS);
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_LINEAR_EXACT, 100, 10, 100), 127.5, EPS);
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_LINEAR_EXACT, 100, 10, 105), 255, EPS);
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_LINEAR_EXACT, 100, 10, 110), 255, EPS);
  /* Fractional width is allowed for LINEAR_EXACT (w > 0). */
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_LINEAR_EXACT, 0, 0.5, 0.125), 191.25, EPS);
  g_assert_cmpfloat (win (MSC_VOI_LINEAR_EXACT, 5, 0, 4), ==, 0);
  g_assert_cmpfloat (win (MSC_VOI_LINEAR_EXACT, 5, 0, 6), ==, 255);
}

static void
test_sigmoid (void)
{
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_SIGMOID, 100, 10, 100), 127.5, EPS);
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_SIGMOID, 100, 10, 105), 255 / (1 + exp (-2.0)), EPS);
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_SIGMOID, 100, 10, 95), 255 / (1 + exp (2.0)), EPS);
  /* Far outside: no overflow, no NaN. */
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_SIGMOID, 0, 1, -1e6), 0, EPS);
  g_assert_cmpfloat_with_epsilon (win (MSC_VOI_SIGMOID, 0, 1, 1e6), 255, EPS);

  /* Monotone over the whole 16-bit range and symmetric about c. */
  double previous = -1;
  for (guint x = 0; x < 65536; x++)
    {
      double y = win (MSC_VOI_SIGMOID, 2000, 4000, x);
      g_assert_cmpfloat (y, >=, previous);
      g_assert_cmpfloat (y, >=, 0);
      g_assert_cmpfloat (y, <=, 255);
      previous = y;
    }
  for (double d = 0; d < 5000; d += 123)
    g_assert_cmpfloat_with_epsilon (win (MSC_VOI_SIGMOID, 2000, 4000, 2000 + d) +
                                    win (MSC_VOI_SIGMOID, 2000, 4000, 2000 - d), 255, 1e-9);
}

/* Rendering rounds apply_window to nearest, for every stored value. */
static void
test_render_rounds (void)
{
  g_autoptr (MscImage) image = ramp (4096, 12);
  const MscVoiFunction functions[] = { MSC_VOI_LINEAR, MSC_VOI_LINEAR_EXACT, MSC_VOI_SIGMOID };
  for (guint f = 0; f < G_N_ELEMENTS (functions); f++)
    {
      MscWindow w = { 1000, 777, functions[f], NULL };
      g_autofree guint8 *out = msc_display_render (image, &w);
      for (guint v = 0; v < 4096; v++)
        g_assert_cmpuint (out[v], ==, (guint) floor (msc_display_apply_window (&w, v) + 0.5));
    }
  /* By hand: c 2048, w 4096 puts 2047 at 127.47 and 2048 at 127.53. */
  MscWindow full = { 2048, 4096, MSC_VOI_LINEAR, NULL };
  g_autofree guint8 *out = msc_display_render (image, &full);
  g_assert_cmpuint (out[0], ==, 0);
  g_assert_cmpuint (out[2047], ==, 127);
  g_assert_cmpuint (out[2048], ==, 128);
  g_assert_cmpuint (out[4095], ==, 255);
}

static void
test_monochrome1 (void)
{
  g_autoptr (MscImage) image = ramp (4096, 12);
  MscWindow w = { 1500, 2000, MSC_VOI_LINEAR, NULL };
  g_autofree guint8 *plain = msc_display_render (image, &w);
  msc_image_set_monochrome1 (image, TRUE);
  g_autofree guint8 *inverted = msc_display_render (image, &w);
  for (guint v = 0; v < 4096; v++)
    g_assert_cmpuint (inverted[v], ==, 255 - plain[v]);
  g_assert_cmpuint (inverted[0], ==, 255);     /* low stored value shows white */
  g_assert_cmpuint (inverted[4095], ==, 0);
}

static MscVoiLut *
make_lut (guint n, gint first_mapped, guint bits, guint step)
{
  MscVoiLut *lut = g_new0 (MscVoiLut, 1);
  lut->n_entries = n;
  lut->first_mapped = first_mapped;
  lut->bits = bits;
  lut->data = g_new (guint16, n);
  for (guint i = 0; i < n; i++)
    lut->data[i] = i * step;
  lut->explanation = g_strdup ("test LUT");
  return lut;
}

static void
test_voi_lut (void)
{
  g_autoptr (MscImage) image = ramp (256, 8);
  /* 100 entries from stored value 50, 12-bit output, entry i = 40 i. */
  msc_image_set_voi_lut (image, make_lut (100, 50, 12, 40));
  g_autofree guint8 *out = msc_display_render (image, NULL);
  for (guint v = 0; v < 256; v++)
    {
      guint i = CLAMP ((int) v - 50, 0, 99);
      g_assert_cmpuint (out[v], ==, (guint) floor (i * 40 * 255.0 / 4095 + 0.5));
    }
  g_assert_cmpuint (out[0], ==, 0);
  g_assert_cmpuint (out[51], ==, 2);           /* 40 * 255 / 4095 = 2.49 */
  g_assert_cmpuint (out[255], ==, 247);        /* 3960 * 255 / 4095 = 246.6 */

  msc_image_set_monochrome1 (image, TRUE);
  g_autofree guint8 *inverted = msc_display_render (image, NULL);
  for (guint v = 0; v < 256; v++)
    g_assert_cmpuint (inverted[v], ==, 255 - out[v]);
}

static void
test_voi_lut_negative_first (void)
{
  g_autoptr (MscImage) image = ramp (16, 4);
  /* Maps -2..5; 8-bit output is taken as it is. */
  msc_image_set_voi_lut (image, make_lut (8, -2, 8, 30));
  g_autofree guint8 *out = msc_display_render (image, NULL);
  static const guint8 expect[16] = { 60, 90, 120, 150, 180, 210, 210, 210, 210, 210, 210, 210, 210, 210, 210, 210 };
  g_assert_cmpmem (out, 16, expect, 16);
}

/* A preset wins over the LUT when no window is passed; a window passed
 * wins over both. */
static void
test_preset_precedence (void)
{
  g_autoptr (MscImage) image = ramp (256, 8);
  msc_image_set_voi_lut (image, make_lut (256, 0, 8, 0));      /* all black */
  msc_image_add_window (image, 127.5, 256, MSC_VOI_LINEAR_EXACT, "full");
  msc_image_add_window (image, 0, 1, MSC_VOI_LINEAR, "second");
  g_autofree guint8 *out = msc_display_render (image, NULL);
  for (guint v = 0; v < 256; v++)
    g_assert_cmpuint (out[v], ==, (guint) floor (((v - 127.5) / 256 + 0.5) * 255 + 0.5));

  MscWindow w;
  msc_display_default_window (image, &w);
  g_assert_cmpfloat (w.center, ==, 127.5);
  g_assert_cmpfloat (w.width, ==, 256);
  g_assert_cmpint (w.function, ==, MSC_VOI_LINEAR_EXACT);
  g_assert_cmpstr (w.explanation, ==, "full");

  MscWindow step = { 100.5, 1, MSC_VOI_LINEAR, NULL };
  g_autofree guint8 *stepped = msc_display_render (image, &step);
  g_assert_cmpuint (stepped[100], ==, 0);
  g_assert_cmpuint (stepped[101], ==, 255);
}

static void
test_default_window (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) image = msc_image_new (3, 2, 12, 0, &error);
  g_assert_no_error (error);
  guint16 *px = msc_image_get_pixels_mutable (image);
  const guint16 values[6] = { 0, 4095, 2048, 1, 4094, 300 };
  memcpy (px, values, sizeof values);

  /* No preset: the whole 12-bit range, 0 black and 4095 white. */
  MscWindow w;
  msc_display_default_window (image, &w);
  g_assert_cmpfloat (w.center, ==, 2047.5);
  g_assert_cmpfloat (w.width, ==, 4095);
  g_assert_cmpint (w.function, ==, MSC_VOI_LINEAR_EXACT);
  g_assert_null (w.explanation);
  g_autofree guint8 *out = msc_display_render (image, NULL);
  for (guint i = 0; i < 6; i++)
    g_assert_cmpuint (out[i], ==, (guint) floor (values[i] * 255.0 / 4095 + 0.5));

  /* 8-bit data renders as the identity. */
  g_autoptr (MscImage) ramp8 = ramp (256, 8);
  g_autofree guint8 *same = msc_display_render (ramp8, NULL);
  for (guint v = 0; v < 256; v++)
    g_assert_cmpuint (same[v], ==, v);
}

/* Nonsense windows and out-of-range pixels: defined output, no crash. */
static void
test_robust (void)
{
  g_autoptr (MscImage) image = ramp (256, 8);
  MscWindow nan_window = { NAN, NAN, MSC_VOI_LINEAR_EXACT, NULL };
  g_autofree guint8 *out = msc_display_render (image, &nan_window);
  g_assert_cmpuint (out[200], ==, 0);
  /* A value above 2^bits_stored - 1 displays like the top value. */
  msc_image_get_pixels_mutable (image)[3] = 60000;
  MscWindow w = { 127.5, 256, MSC_VOI_LINEAR_EXACT, NULL };
  g_autofree guint8 *clamped = msc_display_render (image, &w);
  g_assert_cmpuint (clamped[3], ==, clamped[255]);
}

/* stored = 16 x PNG value, shown through the 12-bit full window, must look
 * like the PNG; so must the MONOCHROME1 form 4095 - 16 x value. */
static void
test_x16_mammogram (void)
{
  g_autofree char *path = msc_test_shared_path ("mias/images/mdb001.png");
  if (path == NULL)
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) png = msc_png_load (path, NULL, &error);
  g_assert_no_error (error);
  guint w = msc_image_get_width (png), h = msc_image_get_height (png);
  gsize n = (gsize) w * h;
  g_autoptr (MscImage) x16 = msc_image_new (w, h, 12, 0, &error);
  g_autoptr (MscImage) inv16 = msc_image_new (w, h, 12, 0, &error);
  const guint16 *src = msc_image_get_pixels (png);
  for (gsize i = 0; i < n; i++)
    {
      msc_image_get_pixels_mutable (x16)[i] = 16 * src[i];
      msc_image_get_pixels_mutable (inv16)[i] = 4095 - 16 * src[i];
    }
  msc_image_set_monochrome1 (inv16, TRUE);
  MscWindow full = { 2048, 4096, MSC_VOI_LINEAR, NULL };
  g_autofree guint8 *a = msc_display_render (x16, &full);
  g_autofree guint8 *b = msc_display_render (inv16, &full);
  guint worst = 0;
  for (gsize i = 0; i < n; i++)
    {
      worst = MAX (worst, (guint) ABS ((int) a[i] - (int) src[i]));
      worst = MAX (worst, (guint) ABS ((int) b[i] - (int) src[i]));
    }
  g_assert_cmpuint (worst, <=, 1);
}

/* A full-field size: one table plus one pass, well under a second. */
static void
test_render_speed (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) image = msc_image_new (4096, 5600, 16, 0, &error);
  g_assert_no_error (error);
  guint16 *px = msc_image_get_pixels_mutable (image);
  for (gsize i = 0; i < (gsize) 4096 * 5600; i++)
    px[i] = (guint16) (i * 2654435761u >> 16);
  MscWindow w = { 30000, 20000, MSC_VOI_SIGMOID, NULL };
  gint64 start = g_get_monotonic_time ();
  g_autofree guint8 *out = msc_display_render (image, &w);
  double seconds = (g_get_monotonic_time () - start) / 1e6;
  g_test_message ("4096 x 5600 16-bit SIGMOID render: %.3f s", seconds);
  g_assert_cmpfloat (seconds, <, 5.0);          /* generous for sanitizer builds */
  g_assert_cmpuint (out[12345], ==, (guint) floor (msc_display_apply_window (&w, px[12345]) + 0.5));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/io/display/linear/edges", test_linear_edges);
  g_test_add_func ("/io/display/linear/narrow", test_linear_narrow);
  g_test_add_func ("/io/display/linear-exact", test_linear_exact);
  g_test_add_func ("/io/display/sigmoid", test_sigmoid);
  g_test_add_func ("/io/display/render/rounds", test_render_rounds);
  g_test_add_func ("/io/display/render/monochrome1", test_monochrome1);
  g_test_add_func ("/io/display/render/voi-lut", test_voi_lut);
  g_test_add_func ("/io/display/render/voi-lut-negative-first", test_voi_lut_negative_first);
  g_test_add_func ("/io/display/render/preset-precedence", test_preset_precedence);
  g_test_add_func ("/io/display/render/robust", test_robust);
  g_test_add_func ("/io/display/render/speed", test_render_speed);
  g_test_add_func ("/io/display/default-window", test_default_window);
  g_test_add_func ("/io/display/x16-mammogram", test_x16_mammogram);
  return g_test_run ();
}
