/* tests/ui/test-image-view.c — MscImageView rendered for real: real DICOM
 * and MIAS images from ../shared/data, checked on the pixels it draws
 * (MONOCHROME1 like MONOCHROME2, window contrast, invert, mirror, fit,
 * inline error, zoom about the pointer) and on its LUT/pyramid kernels.
 */
#include <math.h>
#include <string.h>

#include "msc-display.h"
#include "msc-image-view-private.h"
#include "msc-image-view.h"
#include "msc-load.h"
#include "msc-test-util.h"
#include "msc-ui-test.h"


/* Loads a shared-data file, or NULL after a skip. mini-MIAS PNGs name no
 * view (the view would draw its "view not given" banner over the pixels
 * the cases measure); every mini-MIAS image is an MLO, so they get that. */
static MscImage *
load_shared (const char *relative)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = msc_test_shared_path (relative);
  if (!path)
    return NULL;
  MscImage *image = msc_image_load (path, NULL, &error);
  g_assert_no_error (error);
  if (g_str_has_prefix (relative, "mias/") && msc_image_get_view (image) == NULL)
    msc_image_set_view (image, "MLO");
  return image;
}

typedef struct {
  GtkWidget *window;
  MscImageView *view;
} Fixture;

static gboolean
fixture_setup (Fixture *f, int width, int height)
{
  if (!msc_ui_test_have_display ())
    {
      g_test_skip ("no display");
      return FALSE;
    }
  f->window = msc_ui_test_window_new (width, height);
  f->view = MSC_IMAGE_VIEW (msc_image_view_new ());
  gtk_window_set_child (GTK_WINDOW (f->window), GTK_WIDGET (f->view));
  msc_ui_test_wait_for_draw (GTK_WIDGET (f->view));
  return TRUE;
}

static void
fixture_teardown (Fixture *f)
{
  if (f->window)
    gtk_window_destroy (GTK_WINDOW (f->window));
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Fixture, fixture_teardown)

/* Renders, saves NAME.png and returns the texture. */
static GdkTexture *
shoot (Fixture *f, const char *name)
{
  msc_ui_test_wait_for_draw (GTK_WIDGET (f->view));
  GdkTexture *texture = msc_ui_test_render (GTK_WIDGET (f->view));
  g_autofree char *path = msc_ui_test_save (texture, name);
  g_test_message ("screenshot %s", path);
  return texture;
}

/* Standard deviation of the grey over a rectangle: contrast. */
static double
grey_stddev (GdkTexture *texture, int x0, int y0, int w, int h)
{
  int tw, th;
  g_autofree guint8 *px = msc_ui_test_pixels (texture, &tw, &th);
  double s = 0, s2 = 0;
  guint n = 0;
  for (int y = MAX (y0, 0); y < MIN (y0 + h, th); y++)
    for (int x = MAX (x0, 0); x < MIN (x0 + w, tw); x++)
      {
        const guint8 *p = px + ((gsize) y * tw + x) * 4;
        double g = (p[0] + p[1] + p[2]) / 3.0;
        s += g;
        s2 += g * g;
        n++;
      }
  g_assert_cmpuint (n, >, 0);
  return sqrt (MAX (s2 / n - (s / n) * (s / n), 0));
}

/* MONOCHROME1 (stored = 4095 - 16 png) must look like its PNG source. */
static void
test_mono1_like_png (void)
{
  g_auto (Fixture) a = { 0 };
  g_auto (Fixture) b = { 0 };
  g_autoptr (MscImage) mono1 = load_shared ("dicom/mdb039-mono1.dcm");
  g_autoptr (MscImage) png = load_shared ("mias/images/mdb039.png");
  if (!mono1 || !png || !fixture_setup (&a, 512, 512) || !fixture_setup (&b, 512, 512))
    return;
  g_assert_true (msc_image_get_monochrome1 (mono1));
  msc_image_view_set_image (a.view, mono1);
  msc_image_view_set_image (b.view, png);
  g_autoptr (GdkTexture) ta = shoot (&a, "image-view-mono1");
  g_autoptr (GdkTexture) tb = shoot (&b, "image-view-mono1-png");
  /* A 4 x 4 grid of regions, clear of the annotation box at the bottom. */
  for (int gy = 0; gy < 4; gy++)
    for (int gx = 0; gx < 4; gx++)
      {
        double ma = msc_ui_test_mean_grey (ta, gx * 128, gy * 100, 128, 100);
        double mb = msc_ui_test_mean_grey (tb, gx * 128, gy * 100, 128, 100);
        g_assert_cmpfloat (fabs (ma - mb), <, 3.0);
      }
  /* And not trivially: the breast is there (bright against black). */
  g_assert_cmpfloat (grey_stddev (ta, 0, 0, 512, 400), >, 20);
}

static void
test_window_invert_presets (void)
{
  g_auto (Fixture) f = { 0 };
  double c, w, c2, w2;
  g_autoptr (MscImage) image = load_shared ("dicom/mdb001-explicit-le.dcm");
  if (!image || !fixture_setup (&f, 512, 512))
    return;
  msc_image_view_set_image (f.view, image);
  msc_image_view_get_window (f.view, &c, &w);
  g_autoptr (GdkTexture) base = shoot (&f, "image-view-window-default");
  double contrast = grey_stddev (base, 0, 0, 512, 400);

  /* Narrower window about the breast's typical value: more contrast. */
  msc_image_view_set_window (f.view, c, w / 4);
  msc_image_view_get_window (f.view, &c2, &w2);
  g_assert_cmpfloat (w2, ==, w / 4);
  g_autoptr (GdkTexture) narrow = shoot (&f, "image-view-window-narrow");
  g_assert_cmpfloat (grey_stddev (narrow, 0, 0, 512, 400), >, contrast * 1.3);

  /* Invert flips dark and light, region by region. */
  msc_image_view_reset_window (f.view);
  g_object_set (f.view, "invert", TRUE, NULL);
  g_autoptr (GdkTexture) inverted = shoot (&f, "image-view-inverted");
  for (int gx = 0; gx < 4; gx++)
    {
      double m0 = msc_ui_test_mean_grey (base, gx * 128, 100, 128, 200);
      double m1 = msc_ui_test_mean_grey (inverted, gx * 128, 100, 128, 200);
      g_assert_cmpfloat (fabs (m0 + m1 - 255), <, 3.0);
    }
  g_object_set (f.view, "invert", FALSE, NULL);

  /* Presets: the file's window(s), then "Full range" over 0..4095. */
  guint n = msc_image_view_get_n_presets (f.view);
  g_assert_cmpuint (n, ==, msc_image_get_n_windows (image) + 1);
  g_autofree char *name = msc_image_view_dup_preset_name (f.view, n - 1);
  g_assert_cmpstr (name, ==, "Full range");
  g_assert_null (msc_image_view_dup_preset_name (f.view, n));
  msc_image_view_apply_preset (f.view, n - 1);
  msc_image_view_get_window (f.view, &c2, &w2);
  g_assert_cmpfloat (c2, ==, 4095 / 2.0);
  g_assert_cmpfloat (w2, ==, 4095);
}

/* Right MLO: tissue against the right edge; mirrored, against the left. */
static void
test_mirror (void)
{
  g_auto (Fixture) f = { 0 };
  g_autoptr (MscImage) image = load_shared ("dicom/mdb001-explicit-le.dcm");
  if (!image || !fixture_setup (&f, 512, 512))
    return;
  msc_image_view_set_image (f.view, image);
  g_autoptr (GdkTexture) plain = shoot (&f, "image-view-unmirrored");
  double left = msc_ui_test_mean_grey (plain, 0, 50, 170, 300);
  double right = msc_ui_test_mean_grey (plain, 342, 50, 170, 300);
  g_assert_cmpfloat (right, >, left + 20);

  g_object_set (f.view, "mirror", TRUE, NULL);
  g_autoptr (GdkTexture) mirrored = shoot (&f, "image-view-mirrored");
  double mleft = msc_ui_test_mean_grey (mirrored, 0, 50, 170, 300);
  double mright = msc_ui_test_mean_grey (mirrored, 342, 50, 170, 300);
  g_assert_cmpfloat (mleft, >, mright + 20);
  g_assert_cmpfloat (fabs (mleft - right), <, 2.0);

  /* The transform agrees: stored column 0 now lies at the right edge. */
  MscViewTransform t;
  double x, y;
  msc_image_view_get_transform (f.view, &t);
  g_assert_true (t.mirror);
  msc_view_transform_to_widget (&t, 0, 0, &x, &y);
  g_assert_cmpfloat (fabs (x - 512), <, 0.5);
}

/* A wide widget: the whole image, centred, black bars left and right. */
static void
test_fit_centred (void)
{
  g_auto (Fixture) f = { 0 };
  MscViewTransform t;
  g_autoptr (MscImage) image = load_shared ("mias/images/mdb005.png");
  if (!image || !fixture_setup (&f, 640, 400))
    return;
  msc_image_view_set_image (f.view, image);
  g_autoptr (GdkTexture) tex = shoot (&f, "image-view-fit");
  msc_image_view_get_transform (f.view, &t);
  g_assert_cmpfloat (fabs (t.scale - 400.0 / 1024), <, 1e-9);
  g_assert_cmpfloat (fabs (t.origin_x - 120), <, 1e-6);
  g_assert_cmpfloat (fabs (t.origin_y), <, 1e-6);
  gboolean fit;
  g_object_get (f.view, "fit", &fit, NULL);
  g_assert_true (fit);
  /* Bars (above the bottom annotation) are black; the image is not. */
  g_assert_cmpfloat (msc_ui_test_mean_grey (tex, 0, 0, 118, 330), ==, 0);
  g_assert_cmpfloat (msc_ui_test_mean_grey (tex, 522, 0, 118, 330), ==, 0);
  g_assert_cmpfloat (msc_ui_test_mean_grey (tex, 120, 0, 400, 330), >, 10);

  /* Resizing keeps fitting. */
  gtk_window_set_default_size (GTK_WINDOW (f.window), 400, 640);
  gtk_widget_set_size_request (GTK_WIDGET (f.view), 400, 640);
  msc_ui_test_wait_for_draw (GTK_WIDGET (f.view));
  msc_image_view_get_transform (f.view, &t);
  g_assert_cmpfloat (fabs (t.scale - t.widget_width / 1024), <, 1e-9);
}

static gboolean
is_error_tile (const guint8 rgba[4], gpointer data)
{
  return abs (rgba[0] - 41) <= 2 && abs (rgba[1] - 18) <= 2 && abs (rgba[2] - 18) <= 2;
}

static gboolean
is_bright (const guint8 rgba[4], gpointer data)
{
  return rgba[0] > 200 && rgba[1] > 200 && rgba[2] > 200;
}

/* set_error: a dark red tile with the message, and no image. */
static void
test_error_tile (void)
{
  g_auto (Fixture) f = { 0 };
  g_autoptr (MscImage) image = load_shared ("mias/images/mdb005.png");
  if (!image || !fixture_setup (&f, 400, 300))
    return;
  msc_image_view_set_image (f.view, image);
  msc_image_view_set_error (f.view, "broken.dcm: pixel data is 10 bytes, header declares 2097152");
  g_assert_null (msc_image_view_get_image (f.view));
  g_autoptr (GdkTexture) tex = shoot (&f, "image-view-error");
  guint tile = msc_ui_test_count (tex, 0, 0, 400, 300, is_error_tile, NULL);
  g_assert_cmpuint (tile, >, 400 * 300 / 2);
  /* The message is drawn: some white text pixels in the top part. */
  g_assert_cmpuint (msc_ui_test_count (tex, 0, 0, 400, 120, is_bright, NULL), >, 50);
  MscViewTransform t;
  msc_image_view_get_transform (f.view, &t);
  g_assert_cmpfloat (t.scale, ==, 0);

  /* A new image clears the error. */
  msc_image_view_set_image (f.view, image);
  g_autoptr (GdkTexture) back = shoot (&f, "image-view-error-cleared");
  g_assert_cmpuint (msc_ui_test_count (back, 0, 0, 400, 300, is_error_tile, NULL), <, 400 * 300 / 20);
}

/* Zoom about a widget point keeps the image point under it; panning and
 * the centre properties move it as documented. */
static void
test_zoom_about_pointer (void)
{
  g_auto (Fixture) f = { 0 };
  MscViewTransform t0, t1;
  double ix0, iy0, ix1, iy1;
  g_autoptr (MscImage) image = load_shared ("dicom/mdb001-explicit-le.dcm");
  if (!image || !fixture_setup (&f, 512, 512))
    return;
  msc_image_view_set_image (f.view, image);
  g_object_set (f.view, "mirror", TRUE, NULL);
  msc_image_view_get_transform (f.view, &t0);
  msc_view_transform_to_image (&t0, 400, 150, &ix0, &iy0);
  msc_image_view_zoom_about (f.view, 3.0, 400, 150);
  msc_image_view_get_transform (f.view, &t1);
  msc_view_transform_to_image (&t1, 400, 150, &ix1, &iy1);
  g_assert_cmpfloat (fabs (t1.scale - 3 * t0.scale), <, 1e-9);
  g_assert_cmpfloat (fabs (ix1 - ix0), <, 1e-6);
  g_assert_cmpfloat (fabs (iy1 - iy0), <, 1e-6);
  gboolean fit;
  g_object_get (f.view, "fit", &fit, NULL);
  g_assert_false (fit);
  g_autoptr (GdkTexture) tex = shoot (&f, "image-view-zoomed");
  g_assert_cmpfloat (grey_stddev (tex, 0, 0, 512, 400), >, 5);

  /* 1:1 and true size (0.2 mm pixels) keep the widget centre's point. */
  msc_image_view_get_transform (f.view, &t0);
  msc_view_transform_to_image (&t0, 256, 256, &ix0, &iy0);
  msc_image_view_zoom_actual_pixels (f.view);
  msc_image_view_get_transform (f.view, &t1);
  g_assert_cmpfloat (t1.scale * gtk_widget_get_scale_factor (GTK_WIDGET (f.view)), ==, 1.0);
  msc_view_transform_to_image (&t1, 256, 256, &ix1, &iy1);
  g_assert_cmpfloat (fabs (ix1 - ix0), <, 1e-6);
  msc_image_view_zoom_true_size (f.view);
  msc_image_view_get_transform (f.view, &t1);
  /* Monitor dpi is whatever the display says; a sane range for 0.2 mm. */
  g_assert_cmpfloat (t1.scale, >, 0.2 * 2.0);
  g_assert_cmpfloat (t1.scale, <, 0.2 * 10.0);
  g_autoptr (GdkTexture) ts = shoot (&f, "image-view-true-size");
  g_assert_cmpfloat (grey_stddev (ts, 0, 0, 512, 400), >, 5);   /* tissue, not an empty view */

  msc_image_view_zoom_fit (f.view);
  msc_image_view_get_transform (f.view, &t1);
  g_assert_cmpfloat (fabs (t1.scale - 0.5), <, 1e-9);
}

/* The texture level 0 is exactly msc_display_render; coarser levels are
 * 2x2 means (an odd size checks the edge rule). */
static void
test_kernels (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) image = load_shared ("dicom/mdb039-mono1.dcm");
  if (!image)
    return;
  if (!msc_ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }
  MscWindow window;
  msc_display_default_window (image, &window);
  guint8 lut[4096];
  msc_display_fill_lut (image, &window, lut, 4096);
  MscViewPyramid *pyr = msc_view_pyramid_new (image);
  g_autoptr (GdkTexture) tex = msc_view_pyramid_map (pyr, 0, lut, 4096);
  g_autofree guint8 *expect = msc_display_render (image, NULL);
  g_autofree guint8 *got = g_malloc (1024 * 1024 * 4);
  gdk_texture_download (tex, got, 1024 * 4);
  for (gsize i = 0; i < 1024 * 1024; i++)
    if (got[4 * i] != expect[i])
      g_error ("pixel %zu: view %u, msc_display_render %u", i, got[4 * i], expect[i]);
  msc_view_pyramid_free (pyr);

  g_autoptr (MscImage) odd = msc_image_new (5, 3, 12, 0, &error);
  g_assert_no_error (error);
  guint16 *px = msc_image_get_pixels_mutable (odd);
  for (guint i = 0; i < 15; i++)
    px[i] = (guint16) (i * 100);
  pyr = msc_view_pyramid_new (odd);
  g_assert_cmpuint (msc_view_pyramid_get_n_levels (pyr), ==, 1);   /* too small to halve */
  msc_view_pyramid_free (pyr);

  g_autoptr (MscImage) big = msc_image_new (129, 130, 12, 0, &error);
  g_assert_no_error (error);
  px = msc_image_get_pixels_mutable (big);
  for (guint i = 0; i < 129 * 130; i++)
    px[i] = (guint16) (i % 4096);
  pyr = msc_view_pyramid_new (big);
  g_assert_cmpuint (msc_view_pyramid_get_n_levels (pyr), ==, 2);
  guint w, h;
  const guint16 *l1 = msc_view_pyramid_get_level (pyr, 1, &w, &h);
  g_assert_cmpuint (w, ==, 65);
  g_assert_cmpuint (h, ==, 65);
  g_assert_cmpuint (l1[0], ==, (px[0] + px[1] + px[129] + px[130] + 2) / 4);
  g_assert_cmpuint (l1[64], ==, (px[128] + px[129 + 128] + 1) / 2);   /* odd last column */
  msc_view_pyramid_free (pyr);
}

/* A user preset is plain LINEAR even on an image whose own preset is
 * SIGMOID: the same numbers look the same on every image. */
static void
test_linear_user_window (void)
{
  g_auto (Fixture) f = { 0 };
  g_autoptr (MscImage) image = load_shared ("dicom/mdb121-sigmoid.dcm");
  if (!image || !fixture_setup (&f, 256, 256))
    return;
  msc_image_view_set_image (f.view, image);
  double c, w;
  msc_image_view_get_window (f.view, &c, &w);
  gsize n = 0;
  const guint8 *lut = msc_image_view_peek_lut (f.view, &n);
  guint8 sigmoid[4096], linear[4096];
  g_assert_cmpuint (n, ==, 4096);
  MscWindow s = { .center = c, .width = w, .function = MSC_VOI_SIGMOID };
  msc_display_fill_lut (image, &s, sigmoid, n);
  g_assert_cmpmem (lut, n, sigmoid, n);             /* the file's own preset first */
  msc_image_view_set_window_function (f.view, c, w, MSC_VOI_LINEAR);
  MscWindow l = { .center = c, .width = w, .function = MSC_VOI_LINEAR };
  msc_display_fill_lut (image, &l, linear, n);
  lut = msc_image_view_peek_lut (f.view, &n);
  g_assert_cmpmem (lut, n, linear, n);
  g_assert_true (memcmp (sigmoid, linear, n) != 0);
}

/* The readout names the pixel under a point, the modality value (stored +
 * offset: signed data reads negative) and the point in mm; off the image
 * there is none. */
static void
test_readout (void)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) image = msc_image_new (8, 4, 12, 0, &error);
  g_assert_no_error (error);
  msc_image_get_pixels_mutable (image)[1 * 8 + 2] = 24;
  msc_image_set_value_offset (image, -1000);
  msc_image_set_spacing_mm (image, 0.1, 0.1, "PixelSpacing");
  MscImageView *view = MSC_IMAGE_VIEW (g_object_ref_sink (msc_image_view_new ()));
  msc_image_view_set_image (view, image);
  g_autofree char *at = msc_image_view_dup_readout (view, 2.7, 1.2);
  g_assert_cmpstr (at, ==, "x 2  y 1  value -976  (0.3 mm, 0.1 mm)");
  g_assert_null (msc_image_view_dup_readout (view, -0.1, 1));
  g_assert_null (msc_image_view_dup_readout (view, 8, 1));
  g_assert_null (msc_image_view_dup_readout (view, 1, 4.0));
  g_object_unref (view);
}

/* An image with a VOI LUT and no window presets is shown through its LUT,
 * exactly as msc_display_render shows it (not through a full-range window);
 * a window change leaves the LUT, reset returns to it. */
static void
test_voi_lut (void)
{
  g_auto (Fixture) f = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) image = msc_image_new (256, 128, 12, 0, &error);
  g_assert_no_error (error);
  guint16 *px = msc_image_get_pixels_mutable (image);
  for (guint y = 0; y < 128; y++)
    for (guint x = 0; x < 256; x++)
      px[y * 256 + x] = (guint16) (x * 16);
  MscVoiLut *voi = g_new0 (MscVoiLut, 1);
  voi->n_entries = 4096;
  voi->bits = 16;
  voi->data = g_new (guint16, 4096);
  for (guint v = 0; v < 4096; v++)      /* a square-root curve: dark values brightened */
    voi->data[v] = (guint16) lround (65535.0 * sqrt (v / 4095.0));
  msc_image_set_voi_lut (image, voi);
  if (!fixture_setup (&f, 512, 256))
    return;
  msc_image_view_set_image (f.view, image);

  guint8 expect[4096];
  msc_display_fill_lut (image, NULL, expect, 4096);
  gsize n = 0;
  const guint8 *lut = msc_image_view_peek_lut (f.view, &n);
  g_assert_cmpuint (n, ==, 4096);
  g_assert_cmpmem (lut, n, expect, sizeof expect);
  g_assert_cmpuint (lut[1024], ==, 128);          /* sqrt (0.25) of 255, not 64 */
  g_assert_true (msc_image_view_get_shows_voi_lut (f.view));
  g_autoptr (GdkTexture) shown = shoot (&f, "image-view-voi-lut");

  msc_image_view_set_window (f.view, 2048, 4096);
  g_assert_false (msc_image_view_get_shows_voi_lut (f.view));
  lut = msc_image_view_peek_lut (f.view, &n);
  g_assert_cmpuint (lut[1024], <, 70);
  msc_image_view_reset_window (f.view);
  lut = msc_image_view_peek_lut (f.view, &n);
  g_assert_cmpmem (lut, n, expect, sizeof expect);
  /* On screen: a quarter across the ramp reads about 128 through the LUT. */
  g_assert_cmpfloat (fabs (msc_ui_test_mean_grey (shown, 126, 100, 4, 40) - 128), <, 24);
}

int
main (int argc, char **argv)
{
  msc_ui_test_init (&argc, &argv);
  g_test_add_func ("/ui/image-view/mono1-like-png", test_mono1_like_png);
  g_test_add_func ("/ui/image-view/window-invert-presets", test_window_invert_presets);
  g_test_add_func ("/ui/image-view/mirror", test_mirror);
  g_test_add_func ("/ui/image-view/fit-centred", test_fit_centred);
  g_test_add_func ("/ui/image-view/error-tile", test_error_tile);
  g_test_add_func ("/ui/image-view/zoom-about-pointer", test_zoom_about_pointer);
  g_test_add_func ("/ui/image-view/kernels", test_kernels);
  g_test_add_func ("/ui/image-view/voi-lut", test_voi_lut);
  g_test_add_func ("/ui/image-view/readout", test_readout);
  g_test_add_func ("/ui/image-view/linear-user-window", test_linear_user_window);
  return g_test_run ();
}
