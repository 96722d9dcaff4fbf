/* tests/ui/test-harness.c — tests of the UI test harness itself: a drawing
 * area paints known colours; rendering, saving, pixels, mean grey, counting
 * and waiting must give the known values, so other UI tests can trust them.
 */
#include "msc-ui-test.h"

#include <math.h>



/* The known picture, 200 x 100: left half pure red; right half green on top,
 * white at 50 % alpha below (reads 127 or 128 grey on black); a 10 x 10 hole
 * at (0, 0) left undrawn (reads black). `shift` moves everything to blue. */
typedef struct {
  gboolean blue;
} Paint;

static void
draw_known (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  Paint *paint = data;

  (void) area;
  g_assert_cmpint (width, ==, 200);
  g_assert_cmpint (height, ==, 100);
  cairo_set_operator (cr, CAIRO_OPERATOR_SOURCE);
  if (paint->blue)
    {
      cairo_set_source_rgb (cr, 0, 0, 1);
      cairo_paint (cr);
      return;
    }
  cairo_set_source_rgb (cr, 1, 0, 0);
  cairo_rectangle (cr, 0, 0, 100, 100);
  cairo_fill (cr);
  cairo_set_source_rgba (cr, 0, 0, 0, 0);
  cairo_rectangle (cr, 0, 0, 10, 10);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, 0, 1, 0);
  cairo_rectangle (cr, 100, 0, 100, 50);
  cairo_fill (cr);
  cairo_set_source_rgba (cr, 1, 1, 1, 0.5);
  cairo_rectangle (cr, 100, 50, 100, 50);
  cairo_fill (cr);
}

typedef struct {
  GtkWidget *window;
  GtkWidget *area;
  Paint paint;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  (void) data;
  if (!msc_ui_test_have_display ())
    return;
  f->window = msc_ui_test_window_new (320, 240);
  f->area = gtk_drawing_area_new ();
  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (f->area), 200);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (f->area), 100);
  gtk_widget_set_halign (f->area, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (f->area, GTK_ALIGN_CENTER);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (f->area), draw_known, &f->paint, NULL);
  gtk_window_set_child (GTK_WINDOW (f->window), f->area);
  msc_ui_test_wait_for_draw (f->area);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  (void) data;
  if (f->window != NULL)
    gtk_window_destroy (GTK_WINDOW (f->window));
  f->window = NULL;
}

static gboolean
is_red (const guint8 rgba[4], gpointer data)
{
  (void) data;
  return rgba[0] == 255 && rgba[1] == 0 && rgba[2] == 0 && rgba[3] == 255;
}

static gboolean
is_channel_max (const guint8 rgba[4], gpointer data)
{
  return rgba[GPOINTER_TO_INT (data)] == 255;
}

static void
test_pixels (Fixture *f, gconstpointer data)
{
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree guint8 *rgba = NULL;
  g_autofree char *path = NULL;
  int w, h;

  (void) data;
  MSC_UI_TEST_NEED_DISPLAY ();
  texture = msc_ui_test_render (f->area);
  path = msc_ui_test_save (texture, "harness-known-colours");
  rgba = msc_ui_test_pixels (texture, &w, &h);
  g_assert_cmpint (w, ==, 200);
  g_assert_cmpint (h, ==, 100);
  /* Row-major, stride w * 4, R G B A order, opaque everywhere. */
  const guint8 red[4] = { 255, 0, 0, 255 }, green[4] = { 0, 255, 0, 255 };
  const guint8 black[4] = { 0, 0, 0, 255 };
  g_assert_cmpmem (rgba + (50 * w + 50) * 4, 4, red, 4);
  g_assert_cmpmem (rgba + (25 * w + 150) * 4, 4, green, 4);
  g_assert_cmpmem (rgba + (5 * w + 5) * 4, 4, black, 4);
  const guint8 *half = rgba + (75 * w + 150) * 4;
  g_assert_cmpint (half[0], >=, 127);
  g_assert_cmpint (half[0], <=, 128);
  g_assert_cmpint (half[0], ==, half[1]);
  g_assert_cmpint (half[1], ==, half[2]);
  g_assert_cmpint (half[3], ==, 255);
}

static void
test_measure (Fixture *f, gconstpointer data)
{
  g_autoptr (GdkTexture) texture = NULL;

  (void) data;
  MSC_UI_TEST_NEED_DISPLAY ();
  texture = msc_ui_test_render (f->area);
  /* Red's grey is 255 / 3; the black hole pulls the left half down. */
  g_assert_cmpfloat_with_epsilon (msc_ui_test_mean_grey (texture, 20, 20, 50, 50), 85.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (msc_ui_test_mean_grey (texture, 0, 0, 100, 100), 85.0 * 0.99, 1e-9);
  g_assert_cmpfloat_with_epsilon (msc_ui_test_mean_grey (texture, 0, 0, 10, 10), 0.0, 1e-9);
  g_assert_cmpfloat (fabs (msc_ui_test_mean_grey (texture, 100, 50, 100, 50) - 127.5), <=, 0.5);
  g_assert_cmpuint (msc_ui_test_count (texture, 0, 0, 200, 100, is_red, NULL), ==, 100 * 100 - 10 * 10);
  g_assert_cmpuint (msc_ui_test_count (texture, 0, 0, 200, 100, is_channel_max, GINT_TO_POINTER (1)),
                    ==, 100 * 50);
  /* Rectangles are clipped to the texture; nothing left counts nothing. */
  g_assert_cmpfloat_with_epsilon (msc_ui_test_mean_grey (texture, 150, -20, 100, 60), 85.0, 1e-9);
  g_assert_cmpuint (msc_ui_test_count (texture, 50, 50, 1000, 1000, is_red, NULL), ==, 50 * 50);
  g_assert_cmpuint (msc_ui_test_count (texture, 300, 0, 10, 10, is_red, NULL), ==, 0);
  g_assert_cmpfloat (msc_ui_test_mean_grey (texture, 0, 0, 0, 10), ==, 0.0);
}

static void
test_save_roundtrip (Fixture *f, gconstpointer data)
{
  g_autoptr (GdkTexture) texture = NULL, loaded = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree guint8 *a = NULL, *b = NULL;
  int w, h, lw, lh;

  (void) data;
  MSC_UI_TEST_NEED_DISPLAY ();
  texture = msc_ui_test_render (f->area);
  path = msc_ui_test_save (texture, "harness-roundtrip");
  g_assert_true (g_str_has_suffix (path, "/harness-roundtrip.png"));
  loaded = gdk_texture_new_from_filename (path, &error);
  g_assert_no_error (error);
  a = msc_ui_test_pixels (texture, &w, &h);
  b = msc_ui_test_pixels (loaded, &lw, &lh);
  g_assert_cmpint (w, ==, lw);
  g_assert_cmpint (h, ==, lh);
  g_assert_cmpmem (a, (gsize) w * h * 4, b, (gsize) lw * lh * 4);
}

static void
test_redraw (Fixture *f, gconstpointer data)
{
  g_autoptr (GdkTexture) texture = NULL;

  (void) data;
  MSC_UI_TEST_NEED_DISPLAY ();
  f->paint.blue = TRUE;
  gtk_widget_queue_draw (f->area);
  msc_ui_test_wait_for_draw (f->area);
  texture = msc_ui_test_render (f->area);
  g_free (msc_ui_test_save (texture, "harness-redrawn"));
  g_assert_cmpuint (msc_ui_test_count (texture, 0, 0, 200, 100, is_channel_max, GINT_TO_POINTER (2)),
                    ==, 200 * 100);
  g_assert_cmpuint (msc_ui_test_count (texture, 0, 0, 200, 100, is_red, NULL), ==, 0);
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static gboolean
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_wait_until (void)
{
  gboolean flag = FALSE;
  gint64 start;
  double elapsed;

  MSC_UI_TEST_NEED_DISPLAY ();
  g_timeout_add (50, set_flag, &flag);
  g_assert_true (msc_ui_test_wait_until (flag_set, &flag, 5.0));

  /* A condition that never holds gives up after its timeout, not before
   * and not much later (the loop wakes at least every 10 ms). */
  flag = FALSE;
  start = g_get_monotonic_time ();
  g_assert_false (msc_ui_test_wait_until (flag_set, &flag, 0.2));
  elapsed = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  g_assert_cmpfloat (elapsed, >=, 0.2);
  g_assert_cmpfloat (elapsed, <, 2.0);
}

static gboolean
is_dark (const guint8 rgba[4], gpointer data)
{
  (void) data;
  return rgba[0] + rgba[1] + rgba[2] < 3 * 100;
}

/* A plain window with a label: text must render (fonts present) and no GTK
 * warning may appear (they are fatal here). */
static void
test_window_text (void)
{
  g_autoptr (GdkTexture) texture = NULL;
  GtkWidget *window, *label;
  int w, h;

  MSC_UI_TEST_NEED_DISPLAY ();
  window = msc_ui_test_window_new (300, 120);
  label = gtk_label_new ("Mammoscope WWWWWWWW");
  gtk_widget_add_css_class (label, "title-1");
  gtk_window_set_child (GTK_WINDOW (window), label);
  msc_ui_test_wait_for_draw (window);
  texture = msc_ui_test_render (window);
  g_free (msc_ui_test_save (texture, "harness-window-text"));
  w = gdk_texture_get_width (texture);
  h = gdk_texture_get_height (texture);
  g_assert_cmpint (w, >=, 300);
  g_assert_cmpint (h, >=, 120);
  /* Default light theme: a light background, dark glyphs in the middle. */
  g_assert_cmpfloat (msc_ui_test_mean_grey (texture, 0, h - 10, w, 10), >, 150.0);
  g_assert_cmpuint (msc_ui_test_count (texture, 0, h / 4, w, h / 2, is_dark, NULL), >, 100);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int argc, char **argv)
{
  msc_ui_test_init (&argc, &argv);

  g_test_add ("/ui/harness/pixels", Fixture, NULL, fixture_setup, test_pixels, fixture_teardown);
  g_test_add ("/ui/harness/measure", Fixture, NULL, fixture_setup, test_measure, fixture_teardown);
  g_test_add ("/ui/harness/save-roundtrip", Fixture, NULL, fixture_setup, test_save_roundtrip,
              fixture_teardown);
  g_test_add ("/ui/harness/redraw", Fixture, NULL, fixture_setup, test_redraw, fixture_teardown);
  g_test_add_func ("/ui/harness/wait-until", test_wait_until);
  g_test_add_func ("/ui/harness/window-text", test_window_text);
  return g_test_run ();
}
