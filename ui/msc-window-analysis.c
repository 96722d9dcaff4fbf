/* ui/msc-window-analysis.c — the window's model and analysis: the default
 * model loaded on a worker, then the current study's views analysed one by
 * one with msc_analyze_image_async (cancellable; a newer study or run makes
 * late results stale), each view's overlay and class-panel row filled in.
 */
#include <glib/gi18n.h>
#include "msc-window-private.h"
#include "msc-analyze.h"

/* ---- model ---- */

/* MSC_DEFAULT_MODEL_DIR (tests, relocated installs), else the installed
 * bundle, else the source tree's: the order `mammoscope-cli analyze` uses. */
static char *
default_model_dir (void)
{
  const char *env = g_getenv ("MSC_DEFAULT_MODEL_DIR");
  if (env != NULL && *env != '\0')
    return g_strdup (env);
  g_autofree char *card = g_build_filename (MSC_MODEL_DIR_INSTALLED, "model.json", NULL);
  if (g_file_test (card, G_FILE_TEST_EXISTS))
    return g_strdup (MSC_MODEL_DIR_INSTALLED);
  return g_strdup (MSC_MODEL_DIR_SOURCE);
}

static void
load_model_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  g_autofree char *dir = default_model_dir ();
  GError *error = NULL;
  MscAnalyzer *analyzer = msc_analyzer_load (dir, &error);
  if (analyzer == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, analyzer, (GDestroyNotify) msc_analyzer_free);
}

static void
model_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;
  MscAnalyzer *analyzer = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  MscAppWindow *self = MSC_APP_WINDOW (source);
  self->model_done = TRUE;
  if (analyzer == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("No model: %s"), error->message);
      msc_class_panel_set_status (self->class_panel, text);
    }
  else
    {
      self->analyzer = analyzer;
      /* PNG scans carry no spacing; mini-MIAS is 0.2 mm per pixel. */
      msc_analyzer_set_assumed_spacing (analyzer, 0.2);
      msc_class_panel_set_model (self->class_panel, msc_analyzer_get_name (analyzer),
                                 msc_analyzer_get_version (analyzer),
                                 msc_analyzer_get_intended_use (analyzer));
      g_object_set (self->overlay_controls, "threshold", msc_analyzer_get_threshold (analyzer), NULL);
    }
  g_object_notify_by_pspec (G_OBJECT (self), msc_app_window_props[PROP_MODEL_READY]);
  if (self->analysis_wanted)
    msc_app_window_start_analysis (self);
}

/* ---- analysis ---- */

typedef struct {
  MscAppWindow *window;            /* strong */
  guint generation;
  MscSlot slot;
} AnalyseJob;

void
msc_app_window_update_analysis_ui (MscAppWindow *self)
{
  gtk_stack_set_visible_child_name (GTK_STACK (self->analyse_stack), self->analysing ? "cancel" : "analyse");
  GAction *cancel = g_action_map_lookup_action (G_ACTION_MAP (self), "cancel-analysis");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (cancel), self->analysing);
  GAction *analyse = g_action_map_lookup_action (G_ACTION_MAP (self), "analyse");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (analyse), !self->analysing);
}

static void
set_analysing (MscAppWindow *self, gboolean analysing)
{
  if (self->analysing == analysing)
    return;
  self->analysing = analysing;
  msc_app_window_update_analysis_ui (self);
  g_object_notify_by_pspec (G_OBJECT (self), msc_app_window_props[PROP_ANALYSING]);
}

static void analysed (GObject *source, GAsyncResult *result, gpointer data);

/* The class panel row of slot from its overlay's analysis. The overlay
 * extracts findings on a worker, so the count is refreshed on each of its
 * "changed" signals (threshold moved, findings ready). */
static void
update_class_row (MscAppWindow *self, MscSlot slot)
{
  MscOverlay *overlay = msc_study_grid_get_overlay (self->grid, slot);
  const MscAnalysis *analysis = msc_overlay_get_analysis (overlay);
  if (analysis == NULL)
    return;
  MscClassProbabilities p;
  msc_analysis_get_class_probabilities (analysis, &p);
  msc_class_panel_set_result (self->class_panel, msc_slot_to_string (slot), &p,
                              msc_analysis_get_abnormal_probability (analysis),
                              msc_analysis_get_malignant_probability (analysis),
                              msc_overlay_get_n_findings (overlay));
}

void
msc_app_window_overlay_changed (MscOverlay *overlay, gpointer data)
{
  MscAppWindow *self = MSC_APP_WINDOW (data);
  for (MscSlot slot = 0; slot < MSC_N_SLOTS; slot++)
    if (msc_study_grid_get_overlay (self->grid, slot) == overlay)
      update_class_row (self, slot);
}

/* Starts the next view from slot on, or finishes. */
/* A line the class panel keeps when the run ends (a view that failed, an
 * assumption the reader must know about). */
static void
add_note (MscAppWindow *self, const char *text)
{
  if (self->analysis_notes == NULL)
    self->analysis_notes = g_string_new (NULL);
  else
    g_string_append_c (self->analysis_notes, '\n');
  g_string_append (self->analysis_notes, text);
}

static void
analyse_from (MscAppWindow *self, MscSlot slot)
{
  MscStudy *study = msc_study_grid_get_current (self->grid);
  while (study != NULL && slot < MSC_N_SLOTS && msc_study_get_slot (study, slot) == NULL)
    slot++;
  if (study == NULL || slot >= MSC_N_SLOTS)
    {
      set_analysing (self, FALSE);
      g_clear_object (&self->analysis_cancellable);
      msc_class_panel_set_status (self->class_panel,
                                  self->analysis_notes ? self->analysis_notes->str : NULL);
      msc_app_window_set_status (self, _("Analysis finished"));
      return;
    }
  MscImage *image = msc_study_get_slot (study, slot);
  if (!msc_image_get_spacing_mm (image, NULL, NULL))
    {
      /* The model's input scale and every mm figure rest on it. */
      g_autofree char *note = g_strdup_printf (_("%s: the file gives no pixel spacing; analysed at an "
                                                 "assumed 0.2 mm (mini-MIAS film scans)"),
                                               msc_slot_to_string (slot));
      add_note (self, note);
    }
  guint index = self->n_analysed + 1;
  g_autofree char *text = g_strdup_printf (_("Analysing %u of %u…"), MIN (index, self->n_to_analyse),
                                           self->n_to_analyse);
  msc_class_panel_set_status (self->class_panel, text);
  msc_app_window_set_status (self, text);
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress),
                                 self->n_to_analyse ? (double) self->n_analysed / self->n_to_analyse : 0);
  AnalyseJob *job = g_new0 (AnalyseJob, 1);
  job->window = g_object_ref (self);
  job->generation = self->generation;
  job->slot = slot;
  msc_analyze_image_async (self->analyzer, image, self->analysis_cancellable, analysed, job);
}

static void
analysed (GObject *source, GAsyncResult *result, gpointer data)
{
  AnalyseJob *job = data;
  g_autoptr (MscAppWindow) self = job->window;
  MscSlot slot = job->slot;
  guint generation = job->generation;
  g_free (job);
  g_autoptr (GError) error = NULL;
  MscAnalysis *analysis = msc_analyze_image_finish ((MscAnalyzer *) source, result, &error);

  /* A newer study or a new run took over: this result is stale. */
  if (generation != self->generation)
    {
      msc_analysis_free (analysis);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      set_analysing (self, FALSE);
      g_clear_object (&self->analysis_cancellable);
      msc_class_panel_set_status (self->class_panel, _("Analysis cancelled"));
      msc_app_window_set_status (self, _("Analysis cancelled"));
      return;
    }
  const char *label = msc_slot_to_string (slot);
  if (analysis == NULL)
    {
      /* One line in the panel, no dialog: the other views go on. */
      g_autofree char *text = g_strdup_printf (_("%s: analysis failed: %s"), label, error->message);
      add_note (self, text);
    }
  else
    {
      msc_overlay_set_analysis (msc_study_grid_get_overlay (self->grid, slot), analysis);
      update_class_row (self, slot);
    }
  self->n_analysed++;
  g_object_notify_by_pspec (G_OBJECT (self), msc_app_window_props[PROP_N_ANALYSED]);
  analyse_from (self, slot + 1);
}

void
msc_app_window_cancel_analysis (MscAppWindow *self)
{
  if (self->analysis_cancellable)
    g_cancellable_cancel (self->analysis_cancellable);
}

void
msc_app_window_start_analysis (MscAppWindow *self)
{
  MscStudy *study = msc_study_grid_get_current (self->grid);
  self->analysis_wanted = TRUE;
  if (study == NULL)
    return;
  if (!self->model_done)
    {
      /* model_loaded () comes back here. */
      msc_app_window_set_status (self, _("Loading the model…"));
      return;
    }
  self->analysis_wanted = FALSE;
  if (self->analyzer == NULL)
    return;
  msc_app_window_cancel_analysis (self);
  g_clear_object (&self->analysis_cancellable);
  self->analysis_cancellable = g_cancellable_new ();
  self->generation++;
  self->n_analysed = 0;
  self->n_to_analyse = 0;
  if (self->analysis_notes)
    g_string_free (g_steal_pointer (&self->analysis_notes), TRUE);
  for (MscSlot s = 0; s < MSC_N_SLOTS; s++)
    if (msc_study_get_slot (study, s) != NULL)
      self->n_to_analyse++;
  /* A re-run starts clean: old overlays would refill the cleared panel. */
  for (MscSlot s = 0; s < MSC_N_SLOTS; s++)
    msc_overlay_set_analysis (msc_study_grid_get_overlay (self->grid, s), NULL);
  msc_class_panel_clear (self->class_panel);
  g_object_notify_by_pspec (G_OBJECT (self), msc_app_window_props[PROP_N_ANALYSED]);
  set_analysing (self, TRUE);
  analyse_from (self, 0);
}

void
msc_app_window_load_model (MscAppWindow *self)
{
  g_autoptr (GTask) task = g_task_new (self, self->model_cancellable, model_loaded, NULL);
  g_task_set_source_tag (task, load_model_thread);
  g_task_run_in_thread (task, load_model_thread);
}
