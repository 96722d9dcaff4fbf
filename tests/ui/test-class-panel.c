/* tests/ui/test-class-panel.c — MscClassPanel: model, status and two view
 * rows rendered; the malignant bar of a row at P(malignant) 0.9 shows more
 * red than one at 0.1; setting a label again replaces its row; clear.
 */
#include "msc-ui-test.h"
#include "msc-class-panel.h"



/* The malignant bar colour (0.90, 0.15, 0.15), with rounding slack. */
static gboolean
is_red (const guint8 p[4], gpointer data)
{
  (void) data;
  return p[0] > 200 && p[1] < 70 && p[2] < 70;
}

static gboolean
is_green (const guint8 p[4], gpointer data)
{
  (void) data;
  return p[1] > 160 && p[0] < 110 && p[2] < 120;
}

/* The widget's rectangle inside the panel, in panel coordinates. */
static void
child_rect (GtkWidget *panel, GtkWidget *child, int *x, int *y, int *w, int *h)
{
  graphene_rect_t r;
  g_assert_true (gtk_widget_compute_bounds (child, panel, &r));
  *x = (int) r.origin.x;
  *y = (int) r.origin.y;
  *w = (int) r.size.width;
  *h = (int) r.size.height;
}

/* The n-th row box of the panel: rows are the last child box's children. */
static GtkWidget *
row_widget (GtkWidget *panel, guint n)
{
  GtkWidget *box = gtk_widget_get_first_child (panel);
  GtkWidget *rows = gtk_widget_get_last_child (box);
  GtkWidget *row = gtk_widget_get_first_child (rows);
  while (n-- > 0 && row != NULL)
    row = gtk_widget_get_next_sibling (row);
  return row;
}

static void
test_rows (void)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  GtkWidget *window = msc_ui_test_window_new (360, 520);
  GtkWidget *panel = msc_class_panel_new ();
  gtk_window_set_child (GTK_WINDOW (window), panel);
  MscClassPanel *cp = MSC_CLASS_PANEL (panel);
  msc_class_panel_set_model (cp, "mammoscope-mias-unet-tiny", "1.0",
                             "Research use: marks regions for a radiologist to look at.");
  msc_class_panel_set_status (cp, "Analysing 2 of 4…");
  MscClassProbabilities high = { 0.05, 0.05, 0.9 }, low = { 0.8, 0.1, 0.1 };
  msc_class_panel_set_result (cp, "R-CC", &high, 0.95, 0.95, 3);
  msc_class_panel_set_result (cp, "L-CC", &low, 0.2, 0.5, 0);
  g_assert_cmpuint (msc_class_panel_get_n_rows (cp), ==, 2);

  msc_ui_test_wait_for_draw (panel);
  g_autoptr (GdkTexture) tex = msc_ui_test_render (panel);
  g_autofree char *path = msc_ui_test_save (tex, "class-panel");
  g_test_message ("screenshot %s", path);

  int x, y, w, h;
  child_rect (panel, row_widget (panel, 0), &x, &y, &w, &h);
  guint red_high = msc_ui_test_count (tex, x, y, w, h, is_red, NULL);
  guint green_high = msc_ui_test_count (tex, x, y, w, h, is_green, NULL);
  child_rect (panel, row_widget (panel, 1), &x, &y, &w, &h);
  guint red_low = msc_ui_test_count (tex, x, y, w, h, is_red, NULL);
  guint green_low = msc_ui_test_count (tex, x, y, w, h, is_green, NULL);
  g_test_message ("red pixels: row 0.9 %u, row 0.1 %u; green: %u, %u",
                  red_high, red_low, green_high, green_low);
  g_assert_cmpuint (red_low, >, 0);
  g_assert_cmpuint (red_high, >, 4 * red_low);
  g_assert_cmpuint (green_low, >, 4 * green_high);

  /* R-CC again: still two rows, R-CC first, now with little red. */
  msc_class_panel_set_result (cp, "R-CC", &low, 0.2, 0.5, 1);
  g_assert_cmpuint (msc_class_panel_get_n_rows (cp), ==, 2);
  msc_ui_test_wait_for_draw (panel);
  g_autoptr (GdkTexture) again = msc_ui_test_render (panel);
  g_free (msc_ui_test_save (again, "class-panel-replaced"));
  child_rect (panel, row_widget (panel, 0), &x, &y, &w, &h);
  guint red_replaced = msc_ui_test_count (again, x, y, w, h, is_red, NULL);
  g_assert_cmpuint (red_replaced, <, red_high / 4);
  g_assert_null (row_widget (panel, 2));

  msc_class_panel_clear (cp);
  msc_class_panel_set_status (cp, NULL);
  g_assert_cmpuint (msc_class_panel_get_n_rows (cp), ==, 0);
  msc_ui_test_wait_for_draw (panel);
  g_autoptr (GdkTexture) empty = msc_ui_test_render (panel);
  g_free (msc_ui_test_save (empty, "class-panel-cleared"));
  int tw = gdk_texture_get_width (empty), th = gdk_texture_get_height (empty);
  g_assert_cmpuint (msc_ui_test_count (empty, 0, 0, tw, th, is_red, NULL), ==, 0);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* No model: the panel says so; NULL fields are accepted. */
static void
test_no_model (void)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  GtkWidget *window = msc_ui_test_window_new (360, 200);
  GtkWidget *panel = msc_class_panel_new ();
  gtk_window_set_child (GTK_WINDOW (window), panel);
  msc_class_panel_set_model (MSC_CLASS_PANEL (panel), NULL, NULL, NULL);
  msc_class_panel_set_status (MSC_CLASS_PANEL (panel), "");
  msc_ui_test_wait_for_draw (panel);
  g_autoptr (GdkTexture) tex = msc_ui_test_render (panel);
  g_free (msc_ui_test_save (tex, "class-panel-no-model"));
  int tw = gdk_texture_get_width (tex), th = gdk_texture_get_height (tex);
  /* Text is drawn (the heading), no bars. */
  g_assert_cmpfloat (msc_ui_test_mean_grey (tex, 0, 0, tw, 20), >, 0);
  g_assert_cmpuint (msc_ui_test_count (tex, 0, 0, tw, th, is_red, NULL), ==, 0);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int argc, char **argv)
{
  msc_ui_test_init (&argc, &argv);
  g_test_add_func ("/ui/class-panel/rows", test_rows);
  g_test_add_func ("/ui/class-panel/no-model", test_no_model);
  return g_test_run ();
}
