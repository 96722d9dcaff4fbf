/* tests/ui/test-app.c — the real MscApplication driven in-process: open the
 * phantom study, wait for it to hang and for the model to analyse the four
 * views, then switch protocols, change window/level, invert, toggle the
 * heatmap and move the threshold through the window's actions, asserting on
 * rendered pixels at each step; a folder with a truncated file still opens.
 * Then the shared DICOM folder (many studies): the study chooser hangs a
 * MONOCHROME1 study and a MONOCHROME2 one, Page Down steps, user presets.
 */
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include "msc-application.h"
#include "msc-class-panel.h"
#include "msc-overlay-controls.h"
#include "msc-presets.h"
#include "msc-phantom.h"
#include "msc-test-util.h"
#include "msc-ui-test.h"
#include "msc-window.h"

static MscApplication *app;
static char *phantom_dir;

/* ---- helpers ---- */

static MscAppWindow *
the_window (void)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));
  g_assert_nonnull (windows);
  return MSC_APP_WINDOW (windows->data);
}

static gboolean
study_hung_and_analysed (gpointer data)
{
  MscAppWindow *window = the_window ();
  gboolean loading, analysing;
  guint n;
  g_object_get (window, "loading", &loading, "analysing", &analysing, "n-analysed", &n, NULL);
  return !loading && !analysing && n == GPOINTER_TO_UINT (data)
         && msc_study_grid_get_current (msc_app_window_get_grid (window)) != NULL;
}

static void
open_folder (const char *dir)
{
  g_autoptr (GFile) file = g_file_new_for_path (dir);
  g_application_open (G_APPLICATION (app), &file, 1, "");
}

static GdkTexture *
render_window (const char *name)
{
  GtkWidget *window = GTK_WIDGET (the_window ());
  msc_ui_test_wait_for_draw (window);
  GdkTexture *texture = msc_ui_test_render (window);
  g_autofree char *path = msc_ui_test_save (texture, name);
  g_test_message ("screenshot %s", path);
  return texture;
}

/* Where widget lies in the window render. */
static graphene_rect_t
bounds_in_window (GtkWidget *widget)
{
  graphene_rect_t b;
  g_assert_true (gtk_widget_compute_bounds (widget, GTK_WIDGET (the_window ()), &b));
  return b;
}

static gboolean
is_heat (const guint8 rgba[4], gpointer data)
{
  /* The heatmap's warm colours over grey tissue: red well above green and
   * blue (the yellow finding labels have green close to red). */
  return rgba[0] > rgba[2] + 60 && rgba[0] > rgba[1] + 40;
}

static gboolean
is_contour (const guint8 rgba[4], gpointer data)
{
  /* MSC_OVERLAY_CONTOUR_* is cyan: green and blue high, red low. */
  return rgba[1] > 150 && rgba[2] > 150 && rgba[0] < 110;
}

static guint
count_in_grid (GdkTexture *texture, gboolean (*pred) (const guint8 *, gpointer))
{
  graphene_rect_t b = bounds_in_window (GTK_WIDGET (msc_app_window_get_grid (the_window ())));
  return msc_ui_test_count (texture, (int) b.origin.x, (int) b.origin.y, (int) b.size.width, (int) b.size.height,
                            pred, NULL);
}

static GtkWidget *
find_widget (GtkWidget *root, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_widget (c, type);
      if (found)
        return found;
    }
  return NULL;
}

static guint
total_findings (void)
{
  MscStudyGrid *grid = msc_app_window_get_grid (the_window ());
  guint n = 0;
  for (MscSlot s = 0; s < MSC_N_SLOTS; s++)
    n += msc_overlay_get_n_findings (msc_study_grid_get_overlay (grid, s));
  return n;
}

/* Total area of the findings of all views: the region above a lower
 * threshold contains the one above a higher threshold, so this only grows
 * as the threshold falls (their number need not: regions merge). */
static double
total_area_mm2 (void)
{
  MscStudyGrid *grid = msc_app_window_get_grid (the_window ());
  double area = 0;
  for (MscSlot s = 0; s < MSC_N_SLOTS; s++)
    {
      MscOverlay *o = msc_study_grid_get_overlay (grid, s);
      for (guint i = 0; i < msc_overlay_get_n_findings (o); i++)
        area += msc_overlay_get_finding (o, i)->area_mm2;
    }
  return area;
}

/* Every view's findings are up to date with the threshold. */
static gboolean
overlays_idle (gpointer data)
{
  MscStudyGrid *grid = msc_app_window_get_grid (the_window ());
  for (MscSlot s = 0; s < MSC_N_SLOTS; s++)
    if (msc_overlay_get_busy (msc_study_grid_get_overlay (grid, s)))
      return FALSE;
  return TRUE;
}

/* ---- tests ---- */

static gboolean
not_loading (gpointer data)
{
  gboolean loading;
  g_object_get (the_window (), "loading", &loading, NULL);
  return !loading;
}

/* An open that finds nothing clears the screen: the previous study must
 * never stay up under the new open's message. */
static void
test_open_nothing (void)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  MscStudyGrid *grid = msc_app_window_get_grid (the_window ());
  g_assert_nonnull (msc_study_grid_get_current (grid));      /* the phantom, from earlier cases */
  g_autofree char *empty = msc_test_tmpdir ();
  open_folder (empty);
  g_assert_true (msc_ui_test_wait_until (not_loading, NULL, 60));
  g_assert_null (msc_study_grid_get_current (grid));
  for (MscSlot s = 0; s < MSC_N_SLOTS; s++)
    g_assert_null (msc_image_view_get_image (msc_study_grid_get_view (grid, s)));
  g_autoptr (GdkTexture) texture = render_window ("app-open-nothing");
  open_folder (phantom_dir);                                 /* later cases expect the phantom */
  g_assert_true (msc_ui_test_wait_until (study_hung_and_analysed, GUINT_TO_POINTER (4), 180));
}

/* PNG scans carry no pixel spacing: the window analyses them at an assumed
 * 0.2 mm and says so in the class panel once the run ends, per view. */
static void
test_png_assumed_spacing (void)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  const char *shared = msc_test_shared_data ();
  if (shared == NULL)
    return;
  g_autofree char *dir = msc_test_tmpdir ();
  const char *names[] = { "mdb001.png", "mdb002.png" };      /* patient 001, R and L MLO */
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *from = g_build_filename (shared, "mias", "images", names[i], NULL);
      g_autofree char *to = g_build_filename (dir, names[i], NULL);
      g_autofree char *bytes = NULL;
      gsize len = 0;
      g_assert_true (g_file_get_contents (from, &bytes, &len, NULL));
      g_assert_true (g_file_set_contents (to, bytes, (gssize) len, NULL));
    }
  open_folder (dir);
  g_assert_true (msc_ui_test_wait_until (study_hung_and_analysed, GUINT_TO_POINTER (2), 180));
  MscClassPanel *panel = MSC_CLASS_PANEL (find_widget (GTK_WIDGET (the_window ()), MSC_TYPE_CLASS_PANEL));
  const char *status = msc_class_panel_get_status (panel);
  g_test_message ("class panel status: %s", status ? status : "(none)");
  g_assert_nonnull (status);
  g_assert_nonnull (strstr (status, "R-MLO"));
  g_assert_nonnull (strstr (status, "L-MLO"));
  g_assert_nonnull (strstr (status, "0.2 mm"));
  g_assert_cmpuint (msc_class_panel_get_n_rows (panel), ==, 2);
  g_autoptr (GdkTexture) texture = render_window ("app-png-assumed-spacing");
}

static void
test_open_and_analyse (void)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  open_folder (phantom_dir);
  g_assert_true (msc_ui_test_wait_until (study_hung_and_analysed, GUINT_TO_POINTER (4), 180));
  MscStudyGrid *grid = msc_app_window_get_grid (the_window ());
  for (MscSlot s = 0; s < MSC_N_SLOTS; s++)
    {
      g_assert_nonnull (msc_image_view_get_image (msc_study_grid_get_view (grid, s)));
      g_assert_nonnull (msc_overlay_get_analysis (msc_study_grid_get_overlay (grid, s)));
    }
  g_autoptr (GdkTexture) texture = render_window ("app-4up-analysed");
  guint heat = count_in_grid (texture, is_heat);
  g_test_message ("heatmap pixels: %u, findings: %u", heat, total_findings ());
  g_assert_cmpuint (heat, >, 100);
}

/* Each finding's contour is drawn where the analysis put it: cyan pixels
 * near its first contour point, mapped through the view's transform. */
static void
test_contours_at_findings (void)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  MscStudyGrid *grid = msc_app_window_get_grid (the_window ());
  g_autoptr (GdkTexture) texture = render_window ("app-contours");
  guint checked = 0;
  for (MscSlot s = 0; s < MSC_N_SLOTS; s++)
    {
      MscImageView *view = msc_study_grid_get_view (grid, s);
      MscOverlay *overlay = msc_study_grid_get_overlay (grid, s);
      MscViewTransform t;
      msc_image_view_get_transform (view, &t);
      graphene_rect_t vb = bounds_in_window (GTK_WIDGET (view));
      for (guint i = 0; i < msc_overlay_get_n_findings (overlay); i++)
        {
          const MscFinding *f = msc_overlay_get_finding (overlay, i);
          if (f->contour == NULL || f->contour->len == 0)
            continue;
          /* The leftmost contour point: an edge, not inside a marker label. */
          const MscPoint *p = &g_array_index (f->contour, MscPoint, 0);
          double wx, wy;
          msc_view_transform_to_widget (&t, p->x, p->y, &wx, &wy);
          guint cyan = msc_ui_test_count (texture, (int) (vb.origin.x + wx) - 4, (int) (vb.origin.y + wy) - 4,
                                          9, 9, is_contour, NULL);
          g_test_message ("%s finding %u (score %.2f at %.0f,%.0f): %u contour pixels", msc_slot_to_string (s), i,
                          f->score, f->center_x, f->center_y, cyan);
          g_assert_cmpuint (cyan, >, 0);
          checked++;
        }
    }
  if (checked == 0)
    g_test_incomplete ("the model found nothing on the phantom at the default threshold");
}

static void
test_protocols (void)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  MscAppWindow *window = the_window ();
  MscStudyGrid *grid = msc_app_window_get_grid (window);
  static const struct { int protocol; guint mapped; const char *name; } steps[] = {
    { MSC_PROTOCOL_2UP_CC, 2, "app-2up-cc" },
    { MSC_PROTOCOL_2UP_MLO, 2, "app-2up-mlo" },
    { MSC_PROTOCOL_1UP, 1, "app-1up" },
    { MSC_PROTOCOL_4UP, 4, "app-4up" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_action_group_activate_action (G_ACTION_GROUP (window), "protocol", g_variant_new_int32 (steps[i].protocol));
      g_assert_cmpint (msc_study_grid_get_protocol (grid), ==, steps[i].protocol);
      g_autoptr (GdkTexture) texture = render_window (steps[i].name);
      guint mapped = 0;
      for (MscSlot s = 0; s < MSC_N_SLOTS; s++)
        mapped += gtk_widget_get_mapped (GTK_WIDGET (msc_study_grid_get_view (grid, s)));
      g_assert_cmpuint (mapped, ==, steps[i].mapped);
      /* The active view is on screen and shows tissue. */
      graphene_rect_t b = bounds_in_window (GTK_WIDGET (msc_study_grid_get_active_view (grid)));
      g_assert_cmpfloat (msc_ui_test_mean_grey (texture, (int) b.origin.x, (int) b.origin.y,
                                                (int) b.size.width, (int) b.size.height), >, 15);
    }
  /* Tab in 1-up moves to the next view. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "protocol", g_variant_new_int32 (MSC_PROTOCOL_1UP));
  MscSlot before = msc_study_grid_get_active_slot (grid);
  g_action_group_activate_action (G_ACTION_GROUP (window), "cycle-view", g_variant_new_int32 (1));
  g_assert_cmpint (msc_study_grid_get_active_slot (grid), ==, (before + 1) % MSC_N_SLOTS);
  g_action_group_activate_action (G_ACTION_GROUP (window), "protocol", g_variant_new_int32 (MSC_PROTOCOL_4UP));
}

static double
active_view_grey (const char *name)
{
  MscImageView *view = msc_study_grid_get_active_view (msc_app_window_get_grid (the_window ()));
  g_autoptr (GdkTexture) texture = render_window (name);
  graphene_rect_t b = bounds_in_window (GTK_WIDGET (view));
  return msc_ui_test_mean_grey (texture, (int) b.origin.x, (int) b.origin.y, (int) b.size.width, (int) b.size.height);
}

static void
test_window_level_and_invert (void)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  MscAppWindow *window = the_window ();
  MscImageView *view = msc_study_grid_get_active_view (msc_app_window_get_grid (window));
  /* Overlays off so only the image's grey is measured. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "show-heatmap", NULL);
  double normal = active_view_grey ("app-wl-default");
  double c, w;
  msc_image_view_get_window (view, &c, &w);
  /* A window far below the tissue values: everything turns white. */
  msc_image_view_set_window (view, c - w, w / 4);
  double bright = active_view_grey ("app-wl-low-window");
  g_test_message ("mean grey: default %.1f, low window %.1f", normal, bright);
  g_assert_cmpfloat (bright, >, normal + 10);

  g_action_group_activate_action (G_ACTION_GROUP (window), "reset-window", NULL);
  double reset = active_view_grey ("app-wl-reset");
  g_assert_cmpfloat_with_epsilon (reset, normal, 1.0);

  g_action_group_activate_action (G_ACTION_GROUP (window), "invert", NULL);
  gboolean inverted = FALSE;
  g_object_get (view, "invert", &inverted, NULL);
  g_assert_true (inverted);
  double inv = active_view_grey ("app-inverted");
  g_test_message ("mean grey inverted %.1f", inv);
  g_assert_cmpfloat (fabs (inv - normal), >, 10);
  g_action_group_activate_action (G_ACTION_GROUP (window), "invert", NULL);
  g_action_group_activate_action (G_ACTION_GROUP (window), "show-heatmap", NULL);
}

static void
test_heatmap_toggle (void)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  MscAppWindow *window = the_window ();
  g_autoptr (GdkTexture) on = render_window ("app-heatmap-on");
  g_action_group_activate_action (G_ACTION_GROUP (window), "show-heatmap", NULL);
  g_autoptr (GdkTexture) off = render_window ("app-heatmap-off");
  guint heat_on = count_in_grid (on, is_heat), heat_off = count_in_grid (off, is_heat);
  g_test_message ("heat pixels on %u off %u", heat_on, heat_off);
  g_assert_cmpuint (heat_off * 10, <, heat_on);
  g_action_group_activate_action (G_ACTION_GROUP (window), "show-heatmap", NULL);
  g_autoptr (GdkTexture) again = render_window ("app-heatmap-again");
  g_assert_cmpuint (count_in_grid (again, is_heat), >, heat_on / 2);

  /* Contours off: no cyan left. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "show-contours", NULL);
  g_autoptr (GdkTexture) nocontour = render_window ("app-contours-off");
  g_assert_cmpuint (count_in_grid (nocontour, is_contour), <, 20);
  g_action_group_activate_action (G_ACTION_GROUP (window), "show-contours", NULL);
}

static void
test_threshold (void)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  MscAppWindow *window = the_window ();
  GtkWidget *controls = find_widget (GTK_WIDGET (window), MSC_TYPE_OVERLAY_CONTROLS);
  g_assert_nonnull (controls);
  double threshold;
  g_object_get (controls, "threshold", &threshold, NULL);
  guint n = total_findings ();
  g_test_message ("threshold %.2f: %u findings", threshold, n);

  double area = total_area_mm2 ();
  g_object_set (controls, "threshold", 0.2, NULL);
  g_assert_true (msc_ui_test_wait_until (overlays_idle, NULL, 20));
  g_autoptr (GdkTexture) low = render_window ("app-threshold-low");
  guint n_low = total_findings ();
  double area_low = total_area_mm2 ();
  g_object_set (controls, "threshold", 0.999, NULL);
  g_assert_true (msc_ui_test_wait_until (overlays_idle, NULL, 20));
  g_autoptr (GdkTexture) high = render_window ("app-threshold-high");
  double area_high = total_area_mm2 ();
  g_test_message ("findings at 0.2: %u (%.0f mm2), at %.2f: %u (%.0f mm2), at 0.999: %u (%.0f mm2); "
                  "contour pixels %u vs %u", n_low, area_low, threshold, n, area, total_findings (),
                  area_high, count_in_grid (low, is_contour), count_in_grid (high, is_contour));
  g_assert_cmpfloat (area_low, >, area);
  g_assert_cmpfloat (area, >=, area_high);
  g_assert_cmpuint (count_in_grid (high, is_contour), <, count_in_grid (low, is_contour));
  g_object_set (controls, "threshold", threshold, NULL);
}

/* The phantom with its R-MLO replaced by a truncated copy. */
static void
test_broken_file (void)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  g_autofree char *dir = msc_test_tmpdir ();
  static const char *names[] = { "R_CC.dcm", "L_CC.dcm", "L_MLO.dcm", "R_MLO.dcm" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *from = g_build_filename (phantom_dir, names[i], NULL);
      g_autofree char *to = g_build_filename (dir, names[i], NULL);
      g_autofree char *bytes = NULL;
      gsize len = 0;
      g_assert_true (g_file_get_contents (from, &bytes, &len, NULL));
      /* R_MLO keeps its header and a little pixel data. */
      g_assert_true (g_file_set_contents (to, bytes, i == 3 ? 4096 : (gssize) len, NULL));
    }
  open_folder (dir);
  /* A new open resets the count; three views to analyse. */
  g_assert_true (msc_ui_test_wait_until (study_hung_and_analysed, GUINT_TO_POINTER (3), 180));
  MscStudyGrid *grid = msc_app_window_get_grid (the_window ());
  g_assert_true (g_str_has_prefix (msc_image_get_path (msc_image_view_get_image (
                   msc_study_grid_get_view (grid, MSC_SLOT_R_CC))), dir));
  g_assert_null (msc_image_view_get_image (msc_study_grid_get_view (grid, MSC_SLOT_R_MLO)));
  g_autoptr (GdkTexture) texture = render_window ("app-broken-file");
  /* The error tile draws its message: not the black of an empty view. */
  graphene_rect_t b = bounds_in_window (GTK_WIDGET (msc_study_grid_get_view (grid, MSC_SLOT_R_MLO)));
  g_assert_cmpfloat (msc_ui_test_mean_grey (texture, (int) b.origin.x, (int) b.origin.y,
                                            (int) b.size.width, (int) b.size.height), >, 0.5);
  for (MscSlot s = 0; s < MSC_N_SLOTS; s++)
    if (s != MSC_SLOT_R_MLO)
      {
        b = bounds_in_window (GTK_WIDGET (msc_study_grid_get_view (grid, s)));
        g_assert_cmpfloat (msc_ui_test_mean_grey (texture, (int) b.origin.x, (int) b.origin.y,
                                                  (int) b.size.width, (int) b.size.height), >, 15);
      }
}

static gboolean
not_analysing (gpointer data)
{
  gboolean analysing;
  g_object_get (the_window (), "analysing", &analysing, NULL);
  return !analysing;
}

/* Analyse (Ctrl+Return) then Cancel (Escape) at once: the run stops
 * before the last view, the window stays usable, and a new run completes. */
static void
test_cancel (void)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  MscAppWindow *window = the_window ();
  g_action_group_activate_action (G_ACTION_GROUP (window), "analyse", NULL);
  gboolean analysing = FALSE;
  g_object_get (window, "analysing", &analysing, NULL);
  g_assert_true (analysing);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "cancel-analysis"));
  g_action_group_activate_action (G_ACTION_GROUP (window), "cancel-analysis", NULL);
  g_assert_true (msc_ui_test_wait_until (not_analysing, NULL, 30));
  guint n = 0;
  g_object_get (window, "n-analysed", &n, NULL);
  g_test_message ("views analysed before the cancel took: %u", n);
  g_assert_cmpuint (n, <, 3);
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "cancel-analysis"));
  g_autoptr (GdkTexture) texture = render_window ("app-cancelled");
  g_action_group_activate_action (G_ACTION_GROUP (window), "analyse", NULL);
  g_assert_true (msc_ui_test_wait_until (study_hung_and_analysed, GUINT_TO_POINTER (3), 180));
}

/* ---- the shared DICOM folder: many studies ---- */

static gboolean
studies_listed (gpointer data)
{
  gboolean loading;
  g_object_get (the_window (), "loading", &loading, NULL);
  return !loading && msc_app_window_get_n_studies (the_window ()) > 1;
}

/* The index of the study whose image's file name contains part. */
static int
study_with_file (const char *part)
{
  MscAppWindow *window = the_window ();
  for (guint i = 0; i < msc_app_window_get_n_studies (window); i++)
    {
      MscStudy *study = msc_app_window_get_study (window, i);
      for (guint j = 0; j < msc_study_get_n_images (study); j++)
        if (strstr (msc_image_get_path (msc_study_get_image (study, j)), part) != NULL)
          return (int) i;
    }
  return -1;
}

/* The menu button whose items activate win.study. */
static GtkWidget *
find_study_chooser (GtkWidget *root)
{
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      if (GTK_IS_MENU_BUTTON (c))
        {
          GMenuModel *menu = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (c));
          g_autofree char *action = NULL;
          if (menu && g_menu_model_get_n_items (menu) > 0
              && g_menu_model_get_item_attribute (menu, 0, G_MENU_ATTRIBUTE_ACTION, "s", &action)
              && g_str_equal (action, "win.study"))
            return c;
        }
      GtkWidget *found = find_study_chooser (c);
      if (found)
        return found;
    }
  return NULL;
}

/* Chooses a study through the win.study action and waits for its one view
 * to be analysed. */
static void
choose_study (int index)
{
  g_assert_cmpint (index, >=, 0);
  MscAppWindow *window = the_window ();
  g_action_group_change_action_state (G_ACTION_GROUP (window), "study", g_variant_new_uint32 ((guint) index));
  g_assert_cmpuint (msc_app_window_get_study_index (window), ==, (guint) index);
  g_assert_true (msc_study_grid_get_current (msc_app_window_get_grid (window))
                 == msc_app_window_get_study (window, (guint) index));
  g_assert_true (msc_ui_test_wait_until (study_hung_and_analysed, GUINT_TO_POINTER (1), 120));
}

typedef struct {
  double bright_fraction;       /* of the drawn image's pixels, grey > 100 */
  double inner_offset;          /* bright pixels' mean x minus the image centre, towards the inner edge (points) */
  double edge_grey;             /* mean grey at the middle of the image's outer edge */
} Look;

/* How the R-MLO view's image looks. "Inner" is towards the grid's vertical
 * centre line, where the chest walls meet in 2-up. mini-MIAS films are
 * padded with black to 1024 x 1024, so the tissue is measured by its
 * bright pixels rather than by fixed strips. Overlays are off. */
static Look
mlo_look (GdkTexture *texture)
{
  MscStudyGrid *grid = msc_app_window_get_grid (the_window ());
  MscImageView *view = msc_study_grid_get_view (grid, MSC_SLOT_R_MLO);
  MscImage *image = msc_image_view_get_image (view);
  g_assert_nonnull (image);
  MscViewTransform t;
  msc_image_view_get_transform (view, &t);
  double x0, y0, x1, y1;
  msc_view_transform_to_widget (&t, 0, 0, &x0, &y0);
  msc_view_transform_to_widget (&t, msc_image_get_width (image), msc_image_get_height (image), &x1, &y1);
  graphene_rect_t vb = bounds_in_window (GTK_WIDGET (view));
  graphene_rect_t gb = bounds_in_window (GTK_WIDGET (grid));
  int tw = 0, th = 0;
  g_autofree guint8 *px = msc_ui_test_pixels (texture, &tw, &th);
  /* The image as drawn, clipped to the tile and the texture. */
  int left = (int) MAX (vb.origin.x + MIN (x0, x1), vb.origin.x);
  int right = (int) MIN (MIN (vb.origin.x + MAX (x0, x1), vb.origin.x + vb.size.width), tw);
  int top = (int) MAX (vb.origin.y + MIN (y0, y1), vb.origin.y);
  int bottom = (int) MIN (MIN (vb.origin.y + MAX (y0, y1), vb.origin.y + vb.size.height), th);
  g_assert_cmpint (right - left, >, 100);
  g_assert_cmpint (bottom - top, >, 100);
  gboolean inner_is_right = vb.origin.x + vb.size.width / 2 < gb.origin.x + gb.size.width / 2;
  double sum_x = 0;
  guint64 n = 0;
  for (int y = top; y < bottom; y++)
    for (int x = left; x < right; x++)
      {
        const guint8 *p = px + ((gsize) y * tw + x) * 4;
        if ((p[0] + p[1] + p[2]) / 3 > 100)
          {
            sum_x += x;
            n++;
          }
      }
  double centre = (left + right) / 2.0;
  double mean_x = n ? sum_x / n : centre;
  /* 30 points in from the edge: the active tile draws a frame, and a
   * scanned film's border is a bright line. */
  int outer_x = inner_is_right ? left + 30 : right - 50;
  Look look = {
    (double) n / ((double) (right - left) * (bottom - top)),
    inner_is_right ? mean_x - centre : centre - mean_x,
    /* Half-way down: the tile's labels sit in its corners. */
    msc_ui_test_mean_grey (texture, outer_x, (top + bottom) / 2 - 10, 20, 20),
  };
  return look;
}

static void
set_overlays (gboolean on)
{
  GtkWidget *controls = find_widget (GTK_WIDGET (the_window ()), MSC_TYPE_OVERLAY_CONTROLS);
  g_object_set (controls, "show-heatmap", on, "show-contours", on, "show-markers", on, NULL);
}

/* MONOCHROME1 (higher stored value = darker) must look like MONOCHROME2:
 * breast bright on a dark background, its chest wall on the inner edge in
 * 2-up MLO. The folder holds one R-MLO per patient (mini-MIAS), so the
 * MONOCHROME2 study is another patient's: the shared data has no MONOCHROME2
 * twin of a MONOCHROME1 file. */
static void
test_dicom_mono1_like_mono2 (void)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  const char *shared = msc_test_shared_data ();
  if (shared == NULL)
    return;
  g_autofree char *dir = g_build_filename (shared, "dicom", NULL);
  open_folder (dir);
  g_assert_true (msc_ui_test_wait_until (studies_listed, NULL, 120));
  MscAppWindow *window = the_window ();
  g_test_message ("studies in %s: %u", dir, msc_app_window_get_n_studies (window));
  g_assert_cmpuint (msc_app_window_get_n_studies (window), >=, 20);
  /* The header bar's chooser lists every study, one win.study item each. */
  GtkWidget *titlebar = gtk_window_get_titlebar (GTK_WINDOW (window));
  GtkWidget *chooser = find_study_chooser (titlebar);
  g_assert_nonnull (chooser);
  g_assert_true (gtk_widget_get_visible (chooser));
  GMenuModel *menu = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (chooser));
  g_assert_cmpint (g_menu_model_get_n_items (menu), ==, (int) msc_app_window_get_n_studies (window));
  set_overlays (FALSE);
  g_action_group_activate_action (G_ACTION_GROUP (window), "protocol", g_variant_new_int32 (MSC_PROTOCOL_2UP_MLO));

  static const struct { const char *file, *shot; gboolean mono1; } cases[] = {
    { "mdb039-mono1.dcm", "app-dicom-mono1-2up-mlo", TRUE },
    { "mdb143-mono1-jpegls.dcm", "app-dicom-mono1-jpegls-2up-mlo", TRUE },
    { "mdb001-explicit-le.dcm", "app-dicom-mono2-2up-mlo", FALSE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      choose_study (study_with_file (cases[i].file));
      MscImage *image = msc_image_view_get_image (msc_study_grid_get_view (msc_app_window_get_grid (window),
                                                                           MSC_SLOT_R_MLO));
      g_assert_cmpint (msc_image_get_monochrome1 (image), ==, cases[i].mono1);
      g_autoptr (GdkTexture) texture = render_window (cases[i].shot);
      Look look = mlo_look (texture);
      g_test_message ("%s: bright %.1f%% of the image, their centre %.0f points towards the inner edge, "
                      "outer edge grey %.1f", cases[i].file, 100 * look.bright_fraction, look.inner_offset,
                      look.edge_grey);
      /* Bright tissue on a dark background: an inverted MONOCHROME1 would
       * show the air beside the breast near white (film air here is 0-30). */
      g_assert_cmpfloat (look.bright_fraction, >, 0.03);
      g_assert_cmpfloat (look.bright_fraction, <, 0.80);
      g_assert_cmpfloat (look.edge_grey, <, 60);
      /* Mirrored so the chest wall (where the tissue is) faces the inner edge. */
      g_assert_cmpfloat (look.inner_offset, >, 5);
    }
}

/* The cases after mono1-like-mono2 work on the folder it opened; without
 * ../shared (or run alone with -p) they skip. */
static gboolean
dicom_opened (void)
{
  if (gtk_application_get_windows (GTK_APPLICATION (app)) == NULL
      || msc_app_window_get_n_studies (the_window ()) < 2)
    {
      g_test_skip ("the shared DICOM folder was not opened");
      return FALSE;
    }
  return TRUE;
}

/* Switch protocols with the actions on a real study; the one-image study
 * leaves the other tiles empty but the R-MLO on screen. */
static void
test_dicom_protocols (void)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  if (!dicom_opened ())
    return;
  MscAppWindow *window = the_window ();
  MscStudyGrid *grid = msc_app_window_get_grid (window);
  static const struct { int protocol; const char *name; } steps[] = {
    { MSC_PROTOCOL_4UP, "app-dicom-4up" }, { MSC_PROTOCOL_1UP, "app-dicom-1up" },
    { MSC_PROTOCOL_2UP_MLO, "app-dicom-2up-mlo" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_action_group_activate_action (G_ACTION_GROUP (window), "protocol", g_variant_new_int32 (steps[i].protocol));
      g_assert_cmpint (msc_study_grid_get_protocol (grid), ==, steps[i].protocol);
      if (steps[i].protocol == MSC_PROTOCOL_1UP)
        msc_study_grid_set_active_slot (grid, MSC_SLOT_R_MLO);
      g_autoptr (GdkTexture) texture = render_window (steps[i].name);
      GtkWidget *view = GTK_WIDGET (msc_study_grid_get_view (grid, MSC_SLOT_R_MLO));
      g_assert_true (gtk_widget_get_mapped (view));
      graphene_rect_t b = bounds_in_window (view);
      g_assert_cmpfloat (msc_ui_test_mean_grey (texture, (int) b.origin.x, (int) b.origin.y,
                                                (int) b.size.width, (int) b.size.height), >, 15);
    }
}

/* Page Down / Page Up step through the studies (the win.next-study and
 * win.previous-study actions behind them), wrapping around. */
static void
test_dicom_next_previous (void)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  if (!dicom_opened ())
    return;
  MscAppWindow *window = the_window ();
  guint n = msc_app_window_get_n_studies (window);
  guint start = msc_app_window_get_study_index (window);
  g_action_group_activate_action (G_ACTION_GROUP (window), "next-study", NULL);
  g_assert_cmpuint (msc_app_window_get_study_index (window), ==, (start + 1) % n);
  g_assert_true (msc_ui_test_wait_until (study_hung_and_analysed, GUINT_TO_POINTER (1), 120));
  g_autoptr (GdkTexture) texture = render_window ("app-dicom-next-study");
  g_action_group_activate_action (G_ACTION_GROUP (window), "previous-study", NULL);
  g_assert_cmpuint (msc_app_window_get_study_index (window), ==, start);
  g_action_group_activate_action (G_ACTION_GROUP (window), "previous-study", NULL);
  g_assert_cmpuint (msc_app_window_get_study_index (window), ==, (start + n - 1) % n);
  g_assert_true (msc_ui_test_wait_until (study_hung_and_analysed, GUINT_TO_POINTER (1), 120));
  choose_study ((int) start);
}

static GtkWidget *
find_save_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) w = g_list_model_get_item (toplevels, i);
      if (g_object_get_data (G_OBJECT (w), "msc-save-dialog") != NULL)
        return GTK_WIDGET (w);
    }
  return NULL;
}

static gboolean
dialog_gone (gpointer data)
{
  return find_save_dialog () == NULL;
}

/* A user preset saved from the W/L menu's dialog and applied through
 * win.user-preset: the active view takes its centre and width in stored
 * values; a window far below the tissue turns the breast white. */
static void
test_dicom_user_preset (void)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  GSettings *settings = msc_application_get_settings (app);
  if (settings == NULL)
    {
      g_test_skip ("no settings schema");
      return;
    }
  if (!dicom_opened ())
    return;
  MscAppWindow *window = the_window ();
  choose_study (study_with_file ("mdb001-explicit-le.dcm"));
  MscStudyGrid *grid = msc_app_window_get_grid (window);
  msc_study_grid_set_active_slot (grid, MSC_SLOT_R_MLO);
  MscImageView *view = msc_study_grid_get_active_view (grid);
  double before = active_view_grey ("app-dicom-before-preset");
  double c, w;
  msc_image_view_get_window (view, &c, &w);

  /* Save the current window from the dialog. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "save-preset", NULL);
  GtkWidget *dialog = find_save_dialog ();
  g_assert_nonnull (dialog);
  msc_ui_test_wait_for_draw (dialog);
  GtkWidget *entry = find_widget (dialog, GTK_TYPE_ENTRY);
  gtk_editable_set_text (GTK_EDITABLE (entry), "Reading room default");
  /* Return in the entry: the dialog's default widget is Save. */
  g_signal_emit_by_name (entry, "activate");
  g_assert_true (msc_ui_test_wait_until (dialog_gone, NULL, 5));

  /* Below the tissue values (a 12-bit image under its default full-range
   * window): the breast turns white. */
  g_assert_true (msc_presets_save (settings, "Low", c / 2, w / 8, NULL));
  g_autoptr (GPtrArray) presets = msc_presets_read (settings);
  g_assert_cmpuint (presets->len, ==, 2);
  g_assert_cmpstr (((MscWindowPreset *) presets->pdata[0])->name, ==, "Reading room default");
  g_assert_cmpfloat (((MscWindowPreset *) presets->pdata[0])->center, ==, c);

  g_action_group_activate_action (G_ACTION_GROUP (window), "user-preset", g_variant_new_uint32 (1));
  double pc, pw;
  msc_image_view_get_window (view, &pc, &pw);
  g_assert_cmpfloat (pc, ==, c / 2);
  g_assert_cmpfloat (pw, ==, w / 8);
  double bright = active_view_grey ("app-dicom-user-preset-low");
  g_test_message ("mean grey of the R-MLO view: window %.0f/%.0f %.1f, user preset %.0f/%.0f %.1f",
                  c, w, before, pc, pw, bright);
  g_assert_cmpfloat (bright, >, before + 10);

  g_action_group_activate_action (G_ACTION_GROUP (window), "user-preset", g_variant_new_uint32 (0));
  g_assert_cmpfloat_with_epsilon (active_view_grey ("app-dicom-user-preset-saved"), before, 1.0);

  g_action_group_activate_action (G_ACTION_GROUP (window), "delete-preset", g_variant_new_uint32 (1));
  g_autoptr (GPtrArray) left = msc_presets_read (settings);
  g_assert_cmpuint (left->len, ==, 1);
  g_action_group_activate_action (G_ACTION_GROUP (window), "delete-preset", g_variant_new_uint32 (0));
  set_overlays (TRUE);
}

/* Settings: the schema from the build tree, kept in memory. */
static void
use_build_schema (const char *argv0)
{
  const char *builddir = g_getenv ("G_TEST_BUILDDIR");
  g_autofree char *base = builddir ? g_strdup (builddir) : g_path_get_dirname (argv0);
  static const char *ups[] = { "../data", "../../data", "data" };
  for (guint i = 0; i < G_N_ELEMENTS (ups); i++)
    {
      g_autofree char *dir = g_build_filename (base, ups[i], NULL);
      g_autofree char *compiled = g_build_filename (dir, "gschemas.compiled", NULL);
      if (g_file_test (compiled, G_FILE_TEST_EXISTS))
        {
          g_setenv ("GSETTINGS_SCHEMA_DIR", dir, TRUE);
          break;
        }
    }
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
}

int
main (int argc, char **argv)
{
  use_build_schema (argv[0]);
  msc_ui_test_init (&argc, &argv);
  if (msc_ui_test_have_display ())
    {
      phantom_dir = msc_test_tmpdir ();
      MscPhantomOptions opts = { .seed = 1 };
      g_autoptr (GError) error = NULL;
      g_assert_true (msc_phantom_write_study (phantom_dir, &opts, &error));
      app = msc_application_new ();
      g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
      g_assert_no_error (error);
      g_application_hold (G_APPLICATION (app));
    }
  g_test_add_func ("/ui/app/open-and-analyse", test_open_and_analyse);
  g_test_add_func ("/ui/app/contours-at-findings", test_contours_at_findings);
  g_test_add_func ("/ui/app/protocols", test_protocols);
  g_test_add_func ("/ui/app/window-level-invert", test_window_level_and_invert);
  g_test_add_func ("/ui/app/heatmap-toggle", test_heatmap_toggle);
  g_test_add_func ("/ui/app/threshold", test_threshold);
  g_test_add_func ("/ui/app/broken-file", test_broken_file);
  g_test_add_func ("/ui/app/cancel", test_cancel);
  g_test_add_func ("/ui/app/dicom/mono1-like-mono2", test_dicom_mono1_like_mono2);
  g_test_add_func ("/ui/app/dicom/protocols", test_dicom_protocols);
  g_test_add_func ("/ui/app/dicom/next-previous", test_dicom_next_previous);
  g_test_add_func ("/ui/app/dicom/user-preset", test_dicom_user_preset);
  g_test_add_func ("/ui/app/png-assumed-spacing", test_png_assumed_spacing);
  g_test_add_func ("/ui/app/open-nothing", test_open_nothing);
  int status = g_test_run ();
  if (app)
    {
      g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
      g_application_release (G_APPLICATION (app));
      g_clear_object (&app);
    }
  g_free (phantom_dir);
  return status;
}
