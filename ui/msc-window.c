/* ui/msc-window.c — the main window: opening studies on a worker thread,
 * hanging them in the grid, and the actions behind the header bar and the
 * shortcuts. The model and the analysis are in msc-window-analysis.c,
 * the layout in msc-window.ui.
 */
#include <glib/gi18n.h>
#include <string.h>
#include "msc-window-private.h"
#include "msc-presets.h"
#include "msc-study-list.h"
#include "msc-ui-resources.h"

#define MAX_RECENT 10


GParamSpec *msc_app_window_props[N_PROPS];

G_DEFINE_FINAL_TYPE (MscAppWindow, msc_app_window, GTK_TYPE_APPLICATION_WINDOW)

void
msc_app_window_set_status (MscAppWindow *self, const char *text)
{
  gtk_label_set_text (GTK_LABEL (self->status_label), text ? text : "");
}

/* ---- loading ---- */

typedef struct {
  GPtrArray *studies;           /* MscStudy* */
  GPtrArray *problems;          /* char* "PATH: reason" */
} LoadResult;

static void
load_result_free (LoadResult *r)
{
  g_clear_pointer (&r->studies, g_ptr_array_unref);
  g_clear_pointer (&r->problems, g_ptr_array_unref);
  g_free (r);
}

static void
append_all (GPtrArray *to, GPtrArray *from)
{
  for (guint i = 0; from != NULL && i < from->len; i++)
    g_ptr_array_add (to, g_steal_pointer (&from->pdata[i]));
  if (from)
    g_ptr_array_unref (from);
}

/* Folders and DICOMDIRs are scanned one by one; loose files are grouped
 * together so four files of one study given on the command line hang as
 * one study. */
static void
load_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  char **paths = data;
  LoadResult *r = g_new0 (LoadResult, 1);
  r->studies = g_ptr_array_new_with_free_func ((GDestroyNotify) msc_study_unref);
  r->problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) files = g_ptr_array_new ();
  for (guint i = 0; paths[i] != NULL; i++)
    {
      if (g_cancellable_is_cancelled (cancellable))
        break;
      g_autofree char *base = g_path_get_basename (paths[i]);
      if (g_file_test (paths[i], G_FILE_TEST_IS_REGULAR) && g_ascii_strcasecmp (base, "DICOMDIR") != 0)
        {
          g_ptr_array_add (files, paths[i]);
          continue;
        }
      GPtrArray *problems = NULL;
      g_autoptr (GError) error = NULL;
      GPtrArray *studies = msc_study_scan (paths[i], NULL, &problems, &error);
      if (studies == NULL)
        g_ptr_array_add (r->problems, g_strdup (error->message));
      append_all (r->studies, studies);
      append_all (r->problems, problems);
    }
  if (files->len > 0 && !g_cancellable_is_cancelled (cancellable))
    {
      g_ptr_array_add (files, NULL);
      GPtrArray *problems = NULL;
      append_all (r->studies, msc_study_group ((const char * const *) files->pdata, NULL, &problems));
      append_all (r->problems, problems);
    }
  if (g_task_return_error_if_cancelled (task))
    load_result_free (r);
  else
    g_task_return_pointer (task, r, (GDestroyNotify) load_result_free);
}

static void
show_problems (MscAppWindow *self, GPtrArray *problems)
{
  if (problems == NULL || problems->len == 0)
    {
      gtk_revealer_set_reveal_child (GTK_REVEALER (self->problems_revealer), FALSE);
      return;
    }
  g_autoptr (GString) text = g_string_new (NULL);
  g_string_append_printf (text, ngettext ("%u file could not be opened:", "%u files could not be opened:",
                                          problems->len), problems->len);
  for (guint i = 0; i < problems->len; i++)
    g_string_append_printf (text, "\n%s", (const char *) problems->pdata[i]);
  gtk_label_set_text (GTK_LABEL (self->problems_label), text->str);
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->problems_revealer), TRUE);
}

static void
set_loading (MscAppWindow *self, gboolean loading)
{
  if (self->loading == loading)
    return;
  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), msc_app_window_props[PROP_LOADING]);
}

/* Hangs studies[index] with its prior: switching study cancels the
 * running analysis and starts the new study's. Analyses are not kept per
 * study (an MscOverlay owns its MscAnalysis): switching back re-runs the
 * model, about 0.15 s a view. */
static void
hang_study (MscAppWindow *self, guint index)
{
  MscStudy *current = self->studies->pdata[index];
  MscStudy *prior = msc_study_list_pick_prior (self->studies, current);
  self->study_index = index;
  msc_app_window_cancel_analysis (self);
  self->generation++;
  g_autoptr (GPtrArray) problems = msc_study_list_problems_near (self->problems, current);
  msc_study_grid_set_studies (self->grid, current, prior, problems);
  gtk_stack_set_visible_child_name (GTK_STACK (self->main_stack), "study");
  g_autofree char *title = msc_study_list_dup_title (current);
  gtk_window_set_title (GTK_WINDOW (self), title);
  /* Studies without a description share their folder's name: the
   * position tells them apart on the button, the menu has the details. */
  g_autofree char *button = self->studies->len > 1
    ? g_strdup_printf (_("%s (%u of %u)"), title, index + 1, self->studies->len) : g_strdup (title);
  gtk_menu_button_set_label (GTK_MENU_BUTTON (self->study_button), button);
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "study");
  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_uint32 (index));
  gboolean several = self->studies->len > 1;
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "next-study")),
                               several);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "previous-study")),
                               several);
  msc_app_window_set_status (self, NULL);
  msc_app_window_start_analysis (self);
}

static void
loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;
  LoadResult *r = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;                     /* a newer open took over, or the window went */
  MscAppWindow *self = MSC_APP_WINDOW (source);
  g_clear_object (&self->load_cancellable);
  set_loading (self, FALSE);

  show_problems (self, r->problems);
  if (r->studies->len == 0)
    {
      /* Never leave the previous patient on screen under this open's
       * problems: back to the empty page. */
      msc_app_window_cancel_analysis (self);
      self->generation++;
      msc_study_grid_set_studies (self->grid, NULL, NULL, NULL);
      g_clear_pointer (&self->studies, g_ptr_array_unref);
      g_clear_pointer (&self->problems, g_ptr_array_unref);
      gtk_widget_set_visible (self->study_button, FALSE);
      gtk_window_set_title (GTK_WINDOW (self), _("Mammoscope"));
      msc_class_panel_clear (self->class_panel);
      gtk_stack_set_visible_child_name (GTK_STACK (self->main_stack), "empty");
      gtk_label_set_text (GTK_LABEL (self->empty_status), _("No mammogram found there."));
      msc_app_window_set_status (self, _("No mammogram found there."));
      load_result_free (r);
      return;
    }
  g_clear_pointer (&self->studies, g_ptr_array_unref);
  self->studies = g_steal_pointer (&r->studies);
  g_clear_pointer (&self->problems, g_ptr_array_unref);
  self->problems = g_steal_pointer (&r->problems);
  g_autoptr (GMenu) menu = msc_study_list_build_menu (self->studies);
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (self->study_button), G_MENU_MODEL (menu));
  gtk_widget_set_visible (self->study_button, TRUE);
  load_result_free (r);
  hang_study (self, msc_study_list_pick_initial (self->studies));
}

static void rebuild_recent_menu (MscAppWindow *self);

void
msc_app_window_open_files (MscAppWindow *self, GFile **files, int n_files)
{
  g_return_if_fail (MSC_IS_APP_WINDOW (self));
  g_auto (GStrv) paths = g_new0 (char *, n_files + 1);
  GtkRecentManager *recent = gtk_recent_manager_get_default ();
  int n = 0;
  for (int i = 0; i < n_files; i++)
    {
      char *path = g_file_get_path (files[i]);
      if (path == NULL)
        continue;                                   /* not a local file */
      paths[n++] = path;
      g_autofree char *uri = g_file_get_uri (files[i]);
      gtk_recent_manager_add_item (recent, uri);
    }
  if (n == 0)
    return;
  if (self->load_cancellable)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = g_cancellable_new ();
  set_loading (self, TRUE);
  msc_app_window_set_status (self, _("Opening…"));

  g_autoptr (GTask) task = g_task_new (self, self->load_cancellable, loaded, NULL);
  g_task_set_source_tag (task, msc_app_window_open_files);
  g_task_set_task_data (task, g_steal_pointer (&paths), (GDestroyNotify) g_strfreev);
  g_task_run_in_thread (task, load_thread);
  rebuild_recent_menu (self);
}

MscStudyGrid *
msc_app_window_get_grid (MscAppWindow *self)
{
  g_return_val_if_fail (MSC_IS_APP_WINDOW (self), NULL);
  return self->grid;
}

guint
msc_app_window_get_n_studies (MscAppWindow *self)
{
  g_return_val_if_fail (MSC_IS_APP_WINDOW (self), 0);
  return self->studies ? self->studies->len : 0;
}

MscStudy *
msc_app_window_get_study (MscAppWindow *self, guint index)
{
  g_return_val_if_fail (MSC_IS_APP_WINDOW (self), NULL);
  return self->studies && index < self->studies->len ? self->studies->pdata[index] : NULL;
}

guint
msc_app_window_get_study_index (MscAppWindow *self)
{
  g_return_val_if_fail (MSC_IS_APP_WINDOW (self), 0);
  return self->study_index;
}

void
msc_app_window_show_study (MscAppWindow *self, guint index)
{
  g_return_if_fail (MSC_IS_APP_WINDOW (self));
  if (self->studies != NULL && index < self->studies->len)
    hang_study (self, index);
}

/* ---- recent ---- */

static int
compare_recent (gconstpointer a, gconstpointer b)
{
  GDateTime *ta = gtk_recent_info_get_modified (*(GtkRecentInfo **) a);
  GDateTime *tb = gtk_recent_info_get_modified (*(GtkRecentInfo **) b);
  return g_date_time_compare (tb, ta);          /* newest first */
}

static void
rebuild_recent_menu (MscAppWindow *self)
{
  g_menu_remove_all (self->recent_menu);
  GList *items = gtk_recent_manager_get_items (gtk_recent_manager_get_default ());
  g_autoptr (GPtrArray) ours = g_ptr_array_new ();
  const char *app_name = g_get_application_name ();
  for (GList *l = items; l != NULL; l = l->next)
    if (app_name == NULL || gtk_recent_info_has_application (l->data, app_name))
      g_ptr_array_add (ours, l->data);
  g_ptr_array_sort (ours, compare_recent);
  for (guint i = 0; i < ours->len && i < MAX_RECENT; i++)
    {
      GtkRecentInfo *info = ours->pdata[i];
      g_autoptr (GMenuItem) item = g_menu_item_new (gtk_recent_info_get_display_name (info), NULL);
      g_menu_item_set_action_and_target_value (item, "win.open-recent",
                                               g_variant_new_string (gtk_recent_info_get_uri (info)));
      g_menu_append_item (self->recent_menu, item);
    }
  if (ours->len == 0)
    g_menu_append (self->recent_menu, _("No recent studies"), "win.none");
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
}

/* ---- active view ---- */

static void
active_view_changed (MscAppWindow *self)
{
  MscImageView *view = msc_study_grid_get_active_view (self->grid);
  MscImage *image = msc_image_view_get_image (view);
  msc_image_info_set_image (self->image_info, image);
  msc_header_browser_set_image (self->header_browser, image);

  g_clear_object (&self->preset_menu);
  self->preset_menu = msc_presets_build_menu (view, self->settings);
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (self->preset_button), G_MENU_MODEL (self->preset_menu));
  gboolean invert = FALSE;
  g_object_get (view, "invert", &invert, NULL);
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "invert");
  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (invert));

  MscProtocol protocol = msc_study_grid_get_protocol (self->grid);
  gtk_menu_button_set_label (GTK_MENU_BUTTON (self->protocol_button), msc_protocol_to_string (protocol));
  action = g_action_map_lookup_action (G_ACTION_MAP (self), "protocol");
  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_int32 (protocol));
}

static void
cursor_moved (MscAppWindow *self, MscImageView *view, double x, double y, gboolean inside)
{
  MscImage *image = msc_image_view_get_image (view);
  if (!inside || image == NULL)
    {
      gtk_label_set_text (GTK_LABEL (self->cursor_label), "");
      return;
    }
  /* The view's own readout, so the two never disagree. */
  g_autofree char *text = msc_image_view_dup_readout (view, x, y);
  gtk_label_set_text (GTK_LABEL (self->cursor_label), text ? text : "");
}

/* ---- actions ---- */

static void
file_chooser_response (GtkNativeDialog *dialog, int response, gpointer data)
{
  MscAppWindow *self = MSC_APP_WINDOW (data);
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));
      guint n = g_list_model_get_n_items (files);
      g_autoptr (GPtrArray) array = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint i = 0; i < n; i++)
        g_ptr_array_add (array, g_list_model_get_item (files, i));
      msc_app_window_open_files (self, (GFile **) array->pdata, (int) array->len);
    }
  g_object_unref (dialog);
}

static void
choose (MscAppWindow *self, GtkFileChooserAction action, const char *title)
{
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (title, GTK_WINDOW (self), action, _("_Open"), NULL);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (dialog), TRUE);
  /* The dialog can outlive the window (closed, or Ctrl+Q, while it is up). */
  g_signal_connect_object (dialog, "response", G_CALLBACK (file_chooser_response), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
open_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  choose (data, GTK_FILE_CHOOSER_ACTION_OPEN, _("Open Images"));
}

static void
open_folder_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  choose (data, GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("Open Folder"));
}

static void
open_recent_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  g_autoptr (GFile) file = g_file_new_for_uri (g_variant_get_string (p, NULL));
  msc_app_window_open_files (data, &file, 1);
}

static void
protocol_changed (GSimpleAction *a, GVariant *value, gpointer data)
{
  MscAppWindow *self = data;
  int protocol = g_variant_get_int32 (value);
  if (protocol < 0 || protocol >= MSC_N_PROTOCOLS)
    return;
  msc_study_grid_set_protocol (self->grid, protocol);
  g_simple_action_set_state (a, value);
  if (self->settings)
    g_settings_set_int (self->settings, "protocol", protocol);
}

static void
cycle_view_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  msc_study_grid_cycle_active (MSC_APP_WINDOW (data)->grid, g_variant_get_int32 (p));
}

#define ACTIVE_VIEW(data) msc_study_grid_get_active_view (MSC_APP_WINDOW (data)->grid)

static void
fit_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  msc_image_view_zoom_fit (ACTIVE_VIEW (data));
}

static void
actual_pixels_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  msc_image_view_zoom_actual_pixels (ACTIVE_VIEW (data));
}

static void
true_size_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  msc_image_view_zoom_true_size (ACTIVE_VIEW (data));
}

static void
reset_window_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  msc_image_view_reset_window (ACTIVE_VIEW (data));
}

static void
preset_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  MscImageView *view = ACTIVE_VIEW (data);
  if (g_variant_get_uint32 (p) < msc_image_view_get_n_presets (view))
    msc_image_view_apply_preset (view, g_variant_get_uint32 (p));
}

static void
user_preset_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  MscAppWindow *self = data;
  g_autoptr (GPtrArray) presets = msc_presets_read (self->settings);
  guint index = g_variant_get_uint32 (p);
  MscImageView *view = ACTIVE_VIEW (data);
  if (index < presets->len && msc_image_view_get_image (view) != NULL)
    {
      MscWindowPreset *preset = presets->pdata[index];
      msc_image_view_set_window_function (view, preset->center, preset->width, MSC_VOI_LINEAR);
    }
}

static void
save_preset_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  MscAppWindow *self = data;
  MscImageView *view = ACTIVE_VIEW (data);
  if (self->settings == NULL || msc_image_view_get_image (view) == NULL)
    return;
  if (msc_image_view_get_shows_voi_lut (view))
    {
      /* The window numbers would not be what is on the screen. */
      msc_app_window_set_status (self, _("This image is shown through its VOI LUT: set a window "
                                         "(right-drag or a preset) before saving one"));
      return;
    }
  double center, width;
  msc_image_view_get_window (view, &center, &width);
  gtk_window_present (GTK_WINDOW (msc_presets_save_dialog_new (GTK_WINDOW (self), self->settings, center, width)));
}

static void
delete_preset_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  MscAppWindow *self = data;
  if (self->settings)
    msc_presets_remove (self->settings, g_variant_get_uint32 (p));
}

static void
study_changed (GSimpleAction *a, GVariant *value, gpointer data)
{
  msc_app_window_show_study (data, g_variant_get_uint32 (value));
}

static void
step_study (MscAppWindow *self, int delta)
{
  guint n = msc_app_window_get_n_studies (self);
  if (n > 1)
    hang_study (self, (self->study_index + n + delta) % n);
}

static void
next_study_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  step_study (data, 1);
}

static void
previous_study_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  step_study (data, -1);
}

static void
invert_changed (GSimpleAction *a, GVariant *value, gpointer data)
{
  g_object_set (ACTIVE_VIEW (data), "invert", g_variant_get_boolean (value), NULL);
  g_simple_action_set_state (a, value);
}

/* The tool applies to every view: it is a mode of the reader's hand. */
static void
tool_changed (GSimpleAction *a, GVariant *value, gpointer data)
{
  MscAppWindow *self = data;
  const char *name = g_variant_get_string (value, NULL);
  MscViewTool tool = g_str_equal (name, "loupe") ? MSC_VIEW_TOOL_LOUPE
                   : g_str_equal (name, "ruler") ? MSC_VIEW_TOOL_RULER : MSC_VIEW_TOOL_PAN;
  /* Pressing L or M again goes back to panning. */
  g_autoptr (GVariant) old = g_action_get_state (G_ACTION (a));
  if (tool != MSC_VIEW_TOOL_PAN && g_str_equal (g_variant_get_string (old, NULL), name))
    {
      tool = MSC_VIEW_TOOL_PAN;
      value = g_variant_new_string ("pan");
    }
  g_autoptr (GPtrArray) views = msc_study_grid_dup_views (self->grid);
  for (guint i = 0; i < views->len; i++)
    g_object_set (views->pdata[i], "tool", tool, NULL);
  g_simple_action_set_state (a, value);
}

static void
analyse_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  msc_app_window_start_analysis (data);
}

static void
cancel_analysis_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  msc_app_window_cancel_analysis (data);
}

static void
header_browser_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  MscAppWindow *self = data;
  gtk_widget_set_visible (self->side_panel, TRUE);
  gtk_stack_set_visible_child_name (GTK_STACK (self->side_stack), "header");
}

static const GActionEntry win_entries[] = {
  { .name = "open", .activate = open_activated },
  { .name = "open-folder", .activate = open_folder_activated },
  { .name = "open-recent", .activate = open_recent_activated, .parameter_type = "s" },
  { .name = "protocol", .parameter_type = "i", .state = "0", .change_state = protocol_changed },
  { .name = "cycle-view", .activate = cycle_view_activated, .parameter_type = "i" },
  { .name = "fit", .activate = fit_activated },
  { .name = "actual-pixels", .activate = actual_pixels_activated },
  { .name = "true-size", .activate = true_size_activated },
  { .name = "reset-window", .activate = reset_window_activated },
  { .name = "preset", .activate = preset_activated, .parameter_type = "u" },
  { .name = "user-preset", .activate = user_preset_activated, .parameter_type = "u" },
  { .name = "save-preset", .activate = save_preset_activated },
  { .name = "delete-preset", .activate = delete_preset_activated, .parameter_type = "u" },
  { .name = "study", .parameter_type = "u", .state = "uint32 0", .change_state = study_changed },
  { .name = "next-study", .activate = next_study_activated },
  { .name = "previous-study", .activate = previous_study_activated },
  { .name = "invert", .state = "false", .change_state = invert_changed },
  { .name = "tool", .parameter_type = "s", .state = "'pan'", .change_state = tool_changed },
  { .name = "analyse", .activate = analyse_activated },
  { .name = "cancel-analysis", .activate = cancel_analysis_activated },
  { .name = "header-browser", .activate = header_browser_activated },
};

/* ---- settings ---- */

static gboolean
close_request (GtkWindow *window)
{
  MscAppWindow *self = MSC_APP_WINDOW (window);
  if (self->settings)
    {
      int width = 0, height = 0;
      gtk_window_get_default_size (window, &width, &height);
      gboolean maximized = gtk_window_is_maximized (window);
      if (!maximized && width > 0 && height > 0)
        {
          g_settings_set_int (self->settings, "window-width", width);
          g_settings_set_int (self->settings, "window-height", height);
        }
      g_settings_set_boolean (self->settings, "window-maximized", maximized);
    }
  msc_app_window_cancel_analysis (self);
  if (self->load_cancellable)
    g_cancellable_cancel (self->load_cancellable);
  return GTK_WINDOW_CLASS (msc_app_window_parent_class)->close_request (window);
}

static void
apply_settings (MscAppWindow *self)
{
  GSettings *s = self->settings;
  if (s == NULL)
    return;
  gtk_window_set_default_size (GTK_WINDOW (self), g_settings_get_int (s, "window-width"),
                               g_settings_get_int (s, "window-height"));
  if (g_settings_get_boolean (s, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  static const char *keys[] = { "heatmap-opacity", "show-heatmap", "show-contours", "show-markers" };
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_settings_bind (s, keys[i], self->overlay_controls, keys[i], G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (s, "side-panel-visible", self->side_panel, "visible", G_SETTINGS_BIND_DEFAULT);
  g_action_group_change_action_state (G_ACTION_GROUP (self), "protocol",
                                      g_variant_new_int32 (g_settings_get_int (s, "protocol")));
}

/* ---- GObject ---- */

/* Not in constructed (): "application" is a plain GtkWindow property, so
 * GObject sets it only after constructed () has run; there the window
 * never saw the settings. */
static void
take_settings (MscAppWindow *self, MscApplication *application)
{
  if (application != NULL && msc_application_get_settings (application))
    self->settings = g_object_ref (msc_application_get_settings (application));
  apply_settings (self);
  if (self->settings)
    g_signal_connect_object (self->settings, "changed::" MSC_PRESETS_KEY, G_CALLBACK (active_view_changed), self,
                             G_CONNECT_SWAPPED);
  active_view_changed (self);
}

MscAppWindow *
msc_app_window_new (MscApplication *application)
{
  MscAppWindow *self = g_object_new (MSC_TYPE_APP_WINDOW, "application", application, NULL);
  take_settings (self, application);
  return self;
}

static void
msc_app_window_constructed (GObject *object)
{
  MscAppWindow *self = MSC_APP_WINDOW (object);
  G_OBJECT_CLASS (msc_app_window_parent_class)->constructed (object);
  rebuild_recent_menu (self);

  msc_app_window_load_model (self);
}

static void
msc_app_window_dispose (GObject *object)
{
  MscAppWindow *self = MSC_APP_WINDOW (object);
  g_cancellable_cancel (self->model_cancellable);
  /* Analyses still running hold a reference on the window and come back
   * after this: the new generation makes them drop their result. */
  self->generation++;
  msc_app_window_cancel_analysis (self);
  if (self->load_cancellable)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  g_clear_object (&self->analysis_cancellable);
  g_clear_object (&self->model_cancellable);
  g_clear_object (&self->settings);
  g_clear_object (&self->preset_menu);
  g_clear_object (&self->recent_menu);
  g_clear_pointer (&self->studies, g_ptr_array_unref);
  g_clear_pointer (&self->problems, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), MSC_TYPE_APP_WINDOW);
  G_OBJECT_CLASS (msc_app_window_parent_class)->dispose (object);
}

/* Not in dispose: a worker may still be running the analyzer until its
 * callback, which keeps the window alive, has run. */
static void
msc_app_window_finalize (GObject *object)
{
  MscAppWindow *self = MSC_APP_WINDOW (object);
  g_clear_pointer (&self->analyzer, msc_analyzer_free);
  if (self->analysis_notes)
    g_string_free (self->analysis_notes, TRUE);
  G_OBJECT_CLASS (msc_app_window_parent_class)->finalize (object);
}

static void
msc_app_window_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  MscAppWindow *self = MSC_APP_WINDOW (object);
  switch (id)
    {
    case PROP_LOADING: g_value_set_boolean (value, self->loading); break;
    case PROP_ANALYSING: g_value_set_boolean (value, self->analysing); break;
    case PROP_N_ANALYSED: g_value_set_uint (value, self->n_analysed); break;
    case PROP_MODEL_READY: g_value_set_boolean (value, self->model_done); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
msc_app_window_class_init (MscAppWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->constructed = msc_app_window_constructed;
  object_class->dispose = msc_app_window_dispose;
  object_class->finalize = msc_app_window_finalize;
  object_class->get_property = msc_app_window_get_property;
  GTK_WINDOW_CLASS (klass)->close_request = close_request;

  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  msc_app_window_props[PROP_LOADING] = g_param_spec_boolean ("loading", NULL, NULL, FALSE, ro);
  msc_app_window_props[PROP_ANALYSING] = g_param_spec_boolean ("analysing", NULL, NULL, FALSE, ro);
  msc_app_window_props[PROP_N_ANALYSED] = g_param_spec_uint ("n-analysed", NULL, NULL, 0, G_MAXUINT, 0, ro);
  msc_app_window_props[PROP_MODEL_READY] = g_param_spec_boolean ("model-ready", NULL, NULL, FALSE, ro);
  g_object_class_install_properties (object_class, N_PROPS, msc_app_window_props);

  /* Referencing the resource keeps its object file in the link. */
  (void) msc_ui_get_resource ();
  g_type_ensure (MSC_TYPE_STUDY_GRID);
  g_type_ensure (MSC_TYPE_CLASS_PANEL);
  g_type_ensure (MSC_TYPE_OVERLAY_CONTROLS);
  g_type_ensure (MSC_TYPE_IMAGE_INFO);
  g_type_ensure (MSC_TYPE_HEADER_BROWSER);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/mammoscope/Mammoscope/msc-window.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, MscAppWindow, name)
  CHILD (grid); CHILD (class_panel); CHILD (overlay_controls); CHILD (image_info); CHILD (header_browser);
  CHILD (problems_revealer); CHILD (problems_label); CHILD (problems_close);
  CHILD (main_stack); CHILD (side_panel); CHILD (side_stack); CHILD (empty_status);
  CHILD (cursor_label); CHILD (status_label); CHILD (progress); CHILD (analyse_stack);
  CHILD (protocol_button); CHILD (preset_button); CHILD (recent_button); CHILD (study_button);
#undef CHILD
}

static void
dismiss_problems (MscAppWindow *self)
{
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->problems_revealer), FALSE);
}

/* Unmodified keys, seen after the focus widget (an entry keeps its
 * letters); see the accelerators in msc-application.c. */
static const struct {
  const char *trigger, *action;
  const char *target;           /* GVariant text or NULL */
} single_keys[] = {
  { "1|KP_1", "win.protocol", "0" }, { "2|KP_2", "win.protocol", "1" }, { "3|KP_3", "win.protocol", "2" },
  { "4|KP_4", "win.protocol", "3" }, { "5|KP_5", "win.protocol", "4" },
  { "f", "win.fit", NULL }, { "0|KP_0", "win.actual-pixels", NULL }, { "i", "win.invert", NULL },
  { "r", "win.reset-window", NULL }, { "l", "win.tool", "'loupe'" }, { "m", "win.tool", "'ruler'" },
  { "h", "win.show-heatmap", NULL }, { "c", "win.show-contours", NULL },
  { "Escape", "win.cancel-analysis", NULL },
  { "Page_Down|KP_Page_Down", "win.next-study", NULL }, { "Page_Up|KP_Page_Up", "win.previous-study", NULL },
};

static void
add_single_keys (MscAppWindow *self)
{
  GtkEventController *controller = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_BUBBLE);
  for (guint i = 0; i < G_N_ELEMENTS (single_keys); i++)
    {
      GtkShortcut *shortcut = gtk_shortcut_new (gtk_shortcut_trigger_parse_string (single_keys[i].trigger),
                                                gtk_named_action_new (single_keys[i].action));
      if (single_keys[i].target)
        gtk_shortcut_set_arguments (shortcut, g_variant_parse (NULL, single_keys[i].target, NULL, NULL, NULL));
      gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller), shortcut);
    }
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

/* Tab / Shift+Tab step through the views in 1-up only; elsewhere, and in
 * text fields, Tab keeps moving the keyboard focus. Capture phase, because
 * the window's own focus binding would take Tab first. */
static gboolean
tab_pressed (GtkEventControllerKey *controller, guint keyval, guint keycode, GdkModifierType state, gpointer data)
{
  MscAppWindow *self = MSC_APP_WINDOW (data);
  if (keyval != GDK_KEY_Tab && keyval != GDK_KEY_ISO_Left_Tab && keyval != GDK_KEY_KP_Tab)
    return FALSE;
  if (msc_study_grid_get_protocol (self->grid) != MSC_PROTOCOL_1UP
      || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0)
    return FALSE;
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  if (focus != NULL && GTK_IS_EDITABLE (focus))
    return FALSE;
  gboolean back = keyval == GDK_KEY_ISO_Left_Tab || (state & GDK_SHIFT_MASK) != 0;
  msc_study_grid_cycle_active (self->grid, back ? -1 : 1);
  return TRUE;
}

/* Every overlay (current and prior views) follows the side panel's
 * controls, so one slider moves the threshold everywhere. */
static void
bind_overlays (MscAppWindow *self)
{
  static const char *names[] = { "threshold", "heatmap-opacity", "show-heatmap", "show-contours", "show-markers" };
  for (MscSlot slot = 0; slot < MSC_N_SLOTS; slot++)
    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      g_object_bind_property (self->overlay_controls, names[i], msc_study_grid_get_overlay (self->grid, slot),
                              names[i], G_BINDING_SYNC_CREATE);
}

static void
msc_app_window_init (MscAppWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->model_cancellable = g_cancellable_new ();

  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries, G_N_ELEMENTS (win_entries), self);
  static const char *overlay_actions[] = { "show-heatmap", "show-contours", "show-markers" };
  for (guint i = 0; i < G_N_ELEMENTS (overlay_actions); i++)
    {
      g_autoptr (GPropertyAction) action = g_property_action_new (overlay_actions[i], self->overlay_controls,
                                                                  overlay_actions[i]);
      g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (action));
    }
  g_autoptr (GPropertyAction) side = g_property_action_new ("side-panel", self->side_panel, "visible");
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (side));

  self->recent_menu = g_menu_new ();
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (self->recent_button), G_MENU_MODEL (self->recent_menu));

  add_single_keys (self);
  GtkEventController *tab = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (tab, GTK_PHASE_CAPTURE);
  g_signal_connect (tab, "key-pressed", G_CALLBACK (tab_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), tab);

  bind_overlays (self);
  for (MscSlot slot = 0; slot < MSC_N_SLOTS; slot++)
    g_signal_connect_object (msc_study_grid_get_overlay (self->grid, slot), "changed",
                             G_CALLBACK (msc_app_window_overlay_changed), self, 0);
  g_signal_connect_swapped (self->grid, "active-view-changed", G_CALLBACK (active_view_changed), self);
  g_signal_connect_swapped (self->grid, "cursor-moved", G_CALLBACK (cursor_moved), self);
  g_signal_connect_swapped (self->problems_close, "clicked", G_CALLBACK (dismiss_problems), self);
  msc_app_window_update_analysis_ui (self);
  active_view_changed (self);
}
