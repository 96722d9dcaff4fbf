/* tests/ui/test-app.c — the real MscApplication driven in-process: open the
 * phantom study, wait for it to hang and for the model to analyse the four
 * views, then switch protocols, change window/level, invert, toggle the
 * heatmap and move the threshold through the window's actions, asserting on
 * rendered pixels at each step; a folder with a truncated file still opens.
 */
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include "msc-application.h"
#include "msc-overlay-controls.h"
#include "msc-phantom.h"
#include "msc-test-util.h"
#include "msc-ui-test.h"
#include "msc-window.h"

static gboolean have_display;
static MscApplication *app;
static char *phantom_dir;

#define NEED_DISPLAY() G_STMT_START { if (!have_display) { g_test_skip ("no display"); return; } } G_STMT_END

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

typedef struct {
  guint target;
  gboolean less;
} FindingsWait;

static gboolean
findings_reached (gpointer data)
{
  FindingsWait *w = data;
  guint n = total_findings ();
  return w->less ? n < w->target : n > w->target;
}

/* ---- tests ---- */

static void
test_open_and_analyse (void)
{
  NEED_DISPLAY ();
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
  NEED_DISPLAY ();
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
  NEED_DISPLAY ();
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
  NEED_DISPLAY ();
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
  NEED_DISPLAY ();
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
  NEED_DISPLAY ();
  MscAppWindow *window = the_window ();
  GtkWidget *controls = find_widget (GTK_WIDGET (window), MSC_TYPE_OVERLAY_CONTROLS);
  g_assert_nonnull (controls);
  double threshold;
  g_object_get (controls, "threshold", &threshold, NULL);
  guint n = total_findings ();
  g_test_message ("threshold %.2f: %u findings", threshold, n);

  g_object_set (controls, "threshold", 0.2, NULL);
  FindingsWait more = { n, FALSE };
  g_assert_true (msc_ui_test_wait_until (findings_reached, &more, 20));
  g_autoptr (GdkTexture) low = render_window ("app-threshold-low");
  guint n_low = total_findings ();
  g_object_set (controls, "threshold", 0.999, NULL);
  FindingsWait fewer = { n_low, TRUE };
  g_assert_true (msc_ui_test_wait_until (findings_reached, &fewer, 20));
  g_autoptr (GdkTexture) high = render_window ("app-threshold-high");
  g_test_message ("findings at 0.2: %u, at 0.999: %u; contour pixels %u vs %u", n_low, total_findings (),
                  count_in_grid (low, is_contour), count_in_grid (high, is_contour));
  g_assert_cmpuint (count_in_grid (high, is_contour), <, count_in_grid (low, is_contour));
  g_object_set (controls, "threshold", threshold, NULL);
}

/* The phantom with its R-MLO replaced by a truncated copy. */
static void
test_broken_file (void)
{
  NEED_DISPLAY ();
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
  NEED_DISPLAY ();
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
  have_display = msc_ui_test_init (&argc, &argv);
  if (have_display)
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
