/* tests/ui/test-header-browser.c — the DICOM header browser and the image-information panel.
 *
 * Real files: a shared mammogram's tag tree (read on the worker), the search
 * filter (also inside sequences), the PNG placeholder, a read error shown
 * inline, a stale read dropped; the info panel's banner present or absent.
 */
#include "msc-header-browser.h"
#include "msc-image-info.h"
#include "msc-load.h"
#include "msc-ui-test.h"
#include "msc-test-util.h"

#include <string.h>


static gboolean
not_loading (gpointer browser)
{
  return !msc_header_browser_get_loading (browser);
}

/* The first visible row whose text starts with prefix, or -1. */
static int
find_row (MscHeaderBrowser *browser, const char *prefix)
{
  guint n = msc_header_browser_get_n_rows (browser);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *row = msc_header_browser_dup_row (browser, i);
      if (g_str_has_prefix (row, prefix))
        return (int) i;
    }
  return -1;
}

static gboolean
is_dark_text (const guint8 rgba[4], gpointer data)
{
  return rgba[0] + rgba[1] + rgba[2] < 3 * 180;   /* glyphs, dim ones included, on a light theme */
}

static MscHeaderBrowser *
browser_in_window (GtkWidget **window)
{
  *window = msc_ui_test_window_new (900, 600);
  GtkWidget *browser = msc_header_browser_new ();
  gtk_window_set_child (GTK_WINDOW (*window), browser);
  return MSC_HEADER_BROWSER (browser);
}

static GdkTexture *
shot (GtkWidget *widget, const char *name)
{
  /* The toplevel, so the window's own background is under the widget. */
  GtkWidget *root = GTK_WIDGET (gtk_widget_get_root (widget));
  msc_ui_test_wait_for_draw (widget);
  GdkTexture *texture = msc_ui_test_render (root);
  g_autofree char *path = msc_ui_test_save (texture, name);
  g_test_message ("screenshot %s", path);
  return texture;
}

static MscImage *
load (const char *relative)
{
  g_autofree char *path = msc_test_shared_path (relative);
  if (path == NULL)
    return NULL;
  g_autoptr(GError) error = NULL;
  MscImage *img = msc_image_load (path, NULL, &error);
  g_assert_no_error (error);
  return img;
}

static void
test_dicom_and_search (void)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  g_autoptr(MscImage) img = load ("dicom/mdb001-explicit-le.dcm");
  if (img == NULL)
    return;
  GtkWidget *window;
  MscHeaderBrowser *browser = browser_in_window (&window);
  msc_header_browser_set_image (browser, img);
  g_assert_true (msc_header_browser_get_loading (browser));
  g_assert_true (msc_ui_test_wait_until (not_loading, browser, 10));
  g_assert_null (msc_header_browser_get_message (browser));
  g_assert_cmpuint (msc_header_browser_get_n_rows (browser), >, 20);
  g_assert_cmpint (find_row (browser, "(0008,0060)\tModality\tCS\tMG"), >=, 0);
  g_assert_cmpint (find_row (browser, "(0028,0010)\tRows\tUS\t1024"), >=, 0);
  g_assert_cmpint (find_row (browser, "(7FE0,0010)\tPixelData\tO"), >=, 0);
  g_autoptr(GdkTexture) all = shot (GTK_WIDGET (browser), "header-browser-dicom");
  /* Rows of text fill the tree: plenty of dark glyph pixels below the entry. */
  guint text_all = msc_ui_test_count (all, 0, 60, 900, 540, is_dark_text, NULL);
  g_assert_cmpuint (text_all, >, 5000);

  msc_header_browser_set_filter (browser, "rows");
  g_assert_cmpint (find_row (browser, "(0028,0010)\tRows"), >=, 0);
  g_assert_cmpint (find_row (browser, "(0008,0060)"), <, 0);
  g_assert_cmpuint (msc_header_browser_get_n_rows (browser), <, 5);
  g_autoptr(GdkTexture) filtered = shot (GTK_WIDGET (browser), "header-browser-search-rows");
  guint text_filtered = msc_ui_test_count (filtered, 0, 60, 900, 540, is_dark_text, NULL);
  g_assert_cmpuint (text_filtered * 4, <, text_all);

  /* The tag and the value match too, case-insensitively. */
  msc_header_browser_set_filter (browser, "(0008,0060)");
  g_assert_cmpint (find_row (browser, "(0008,0060)\tModality"), ==, 0);
  msc_header_browser_set_filter (browser, "");
  g_assert_cmpint (find_row (browser, "(0008,0060)"), >=, 0);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* A match inside a sequence keeps its sequence and item rows, opened. */
static void
test_sequence_filter (void)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  g_autofree char *path = msc_test_shared_path ("dicom-corpus/rtplan.dcm");
  if (path == NULL)
    return;
  /* Not an image: a blank one stands in, the browser only reads the file. */
  g_autoptr(MscImage) img = msc_image_new (4, 4, 8, 0, NULL);
  msc_image_set_path (img, path);
  msc_image_set_format (img, "DICOM");
  GtkWidget *window;
  MscHeaderBrowser *browser = browser_in_window (&window);
  msc_header_browser_set_image (browser, img);
  g_assert_true (msc_ui_test_wait_until (not_loading, browser, 10));
  guint collapsed = msc_header_browser_get_n_rows (browser);
  g_assert_cmpint (find_row (browser, "(300A,00B0)\tBeamSequence\tSQ"), >=, 0);
  g_assert_cmpint (find_row (browser, "(300A,00C2)"), <, 0);     /* BeamName: inside, closed */

  msc_header_browser_set_filter (browser, "beamname");
  int seq = find_row (browser, "(300A,00B0)\tBeamSequence");
  int item = find_row (browser, "Item 1");
  int beam_name = find_row (browser, "(300A,00C2)\tBeamName");
  g_assert_cmpint (seq, >=, 0);
  g_assert_cmpint (item, >, seq);
  g_assert_cmpint (beam_name, >, item);
  g_assert_cmpint (find_row (browser, "(0008,0060)"), <, 0);
  g_assert_cmpuint (msc_header_browser_get_n_rows (browser), <, collapsed);
  g_autoptr(GdkTexture) t = shot (GTK_WIDGET (browser), "header-browser-sequence-search");
  g_assert_cmpuint (msc_ui_test_count (t, 0, 60, 900, 540, is_dark_text, NULL), >, 200);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_png_placeholder (void)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  g_autoptr(MscImage) img = load ("mias/images/mdb001.png");
  if (img == NULL)
    return;
  GtkWidget *window;
  MscHeaderBrowser *browser = browser_in_window (&window);
  msc_header_browser_set_image (browser, img);
  g_assert_false (msc_header_browser_get_loading (browser));
  g_assert_cmpstr (msc_header_browser_get_message (browser), ==, "No DICOM header: mdb001.png is a PNG file");
  g_assert_cmpuint (msc_header_browser_get_n_rows (browser), ==, 0);
  g_autoptr(GdkTexture) t = shot (GTK_WIDGET (browser), "header-browser-png");
  /* The message is centred: glyphs in the middle band, none near the bottom. */
  g_assert_cmpuint (msc_ui_test_count (t, 200, 250, 500, 150, is_dark_text, NULL), >, 100);
  g_assert_cmpuint (msc_ui_test_count (t, 0, 500, 900, 100, is_dark_text, NULL), ==, 0);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_read_error_and_stale (void)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  g_autofree char *tmp = msc_test_tmpdir ();
  g_autofree char *bad = g_build_filename (tmp, "broken.dcm", NULL);
  g_assert_true (g_file_set_contents (bad, "DICM but not really a DICOM file at all", -1, NULL));
  g_autoptr(MscImage) img = msc_image_new (4, 4, 8, 0, NULL);
  msc_image_set_path (img, bad);
  msc_image_set_format (img, "DICOM");
  GtkWidget *window;
  MscHeaderBrowser *browser = browser_in_window (&window);
  msc_header_browser_set_image (browser, img);
  g_assert_true (msc_ui_test_wait_until (not_loading, browser, 10));
  const char *message = msc_header_browser_get_message (browser);
  g_assert_nonnull (message);
  g_assert_true (g_str_has_prefix (message, "Could not read the DICOM header: "));
  g_assert_nonnull (strstr (message, bad));
  g_autoptr(GdkTexture) t = shot (GTK_WIDGET (browser), "header-browser-error");
  g_assert_cmpuint (msc_ui_test_count (t, 0, 60, 900, 540, is_dark_text, NULL), >, 100);

  /* A read overtaken by a newer image never shows. */
  g_autoptr(MscImage) dicom = load ("dicom/mdb015-implicit-le.dcm");
  g_autoptr(MscImage) png = load ("mias/images/mdb002.png");
  if (dicom == NULL || png == NULL)
    return;
  msc_header_browser_set_image (browser, dicom);
  msc_header_browser_set_image (browser, png);
  g_assert_false (msc_header_browser_get_loading (browser));
  /* Give the dropped worker time to finish; the placeholder must stay. */
  g_usleep (G_USEC_PER_SEC / 5);
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpstr (msc_header_browser_get_message (browser), ==, "No DICOM header: mdb002.png is a PNG file");
  g_assert_cmpuint (msc_header_browser_get_n_rows (browser), ==, 0);
  msc_header_browser_set_image (browser, NULL);
  g_assert_cmpstr (msc_header_browser_get_message (browser), ==, "No image selected");
  gtk_window_destroy (GTK_WINDOW (window));
}

/* Adwaita's warning info bar: a warm (orange/yellow) background. */
static gboolean
is_warning_colour (const guint8 rgba[4], gpointer data)
{
  return rgba[0] > 150 && rgba[0] > rgba[2] + 40 && rgba[1] > rgba[2] + 20;
}

static guint
banner_pixels (MscImageInfo *info, const char *name)
{
  g_autoptr(GdkTexture) t = shot (GTK_WIDGET (info), name);
  return msc_ui_test_count (t, 0, 0, gdk_texture_get_width (t), 80, is_warning_colour, NULL);
}

static void
test_info_banner (void)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  g_autoptr(MscImage) png = load ("mias/images/mdb001.png");
  g_autoptr(MscImage) dicom = load ("dicom/mdb039-mono1.dcm");
  if (png == NULL || dicom == NULL)
    return;
  GtkWidget *window = msc_ui_test_window_new (600, 500);
  GtkWidget *info = msc_image_info_new ();
  gtk_window_set_child (GTK_WINDOW (window), info);

  /* A DICOM file with its laterality read from the header: no banner. */
  msc_image_info_set_image (MSC_IMAGE_INFO (info), dicom);
  g_assert_false (msc_image_info_get_banner_visible (MSC_IMAGE_INFO (info)));
  g_assert_false (msc_image_get_laterality_inferred (dicom));
  guint without = banner_pixels (MSC_IMAGE_INFO (info), "image-info-dicom");
  g_assert_cmpuint (without, <, 50);

  /* A PNG has no laterality; once inferred, the banner warns. */
  msc_image_info_set_image (MSC_IMAGE_INFO (info), png);
  g_assert_false (msc_image_info_get_banner_visible (MSC_IMAGE_INFO (info)));
  msc_image_set_laterality (png, MSC_LATERALITY_LEFT, TRUE);
  msc_image_info_set_image (MSC_IMAGE_INFO (info), NULL);
  msc_image_info_set_image (MSC_IMAGE_INFO (info), png);
  g_assert_true (msc_image_info_get_banner_visible (MSC_IMAGE_INFO (info)));
  guint with = banner_pixels (MSC_IMAGE_INFO (info), "image-info-inferred");
  g_assert_cmpuint (with, >, 5000);

  /* FOR PROCESSING alone raises it too. */
  g_autoptr(MscImage) raw = msc_image_new (64, 32, 14, 0, NULL);
  msc_image_set_presentation_intent (raw, "FOR PROCESSING");
  msc_image_set_format (raw, "DICOM");
  msc_image_info_set_image (MSC_IMAGE_INFO (info), raw);
  g_assert_true (msc_image_info_get_banner_visible (MSC_IMAGE_INFO (info)));
  g_assert_cmpuint (banner_pixels (MSC_IMAGE_INFO (info), "image-info-for-processing"), >, 5000);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int argc, char **argv)
{
  msc_ui_test_init (&argc, &argv);
  g_test_add_func ("/ui/header-browser/dicom-and-search", test_dicom_and_search);
  g_test_add_func ("/ui/header-browser/sequence-filter", test_sequence_filter);
  g_test_add_func ("/ui/header-browser/png-placeholder", test_png_placeholder);
  g_test_add_func ("/ui/header-browser/read-error-and-stale", test_read_error_and_stale);
  g_test_add_func ("/ui/image-info/banner", test_info_banner);
  return g_test_run ();
}
