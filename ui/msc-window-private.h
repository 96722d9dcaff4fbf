/* ui/msc-window-private.h — what msc-window.c and msc-window-analysis.c
 * share: the window's fields and the analysis entry points. Not for other
 * modules (they use msc-window.h).
 */
#pragma once

#include "msc-window.h"
#include "msc-analyze.h"
#include "msc-class-panel.h"
#include "msc-header-browser.h"
#include "msc-image-info.h"
#include "msc-overlay-controls.h"

G_BEGIN_DECLS

struct _MscAppWindow {
  GtkApplicationWindow parent_instance;

  /* template children */
  MscStudyGrid *grid;
  MscClassPanel *class_panel;
  MscOverlayControls *overlay_controls;
  MscImageInfo *image_info;
  MscHeaderBrowser *header_browser;
  GtkWidget *problems_revealer, *problems_label, *problems_close;
  GtkWidget *main_stack, *side_panel, *side_stack, *empty_status;
  GtkWidget *cursor_label, *status_label, *progress, *analyse_stack;
  GtkWidget *protocol_button, *preset_button, *recent_button, *study_button;

  GSettings *settings;                  /* (nullable) the application's */
  GMenu *preset_menu, *recent_menu;
  GPtrArray *studies;                   /* MscStudy*: the last open's, for the chooser */
  GPtrArray *problems;                  /* char* "PATH: reason" of the last open */
  guint study_index;
  GCancellable *load_cancellable;       /* (nullable) a scan in flight */
  GCancellable *analysis_cancellable;   /* (nullable) an analysis in flight */
  GCancellable *model_cancellable;
  MscAnalyzer *analyzer;                /* (nullable) until loaded */
  gboolean model_done;                  /* loaded or failed */
  gboolean loading, analysing, analysis_wanted;
  guint n_analysed, n_to_analyse, generation;
  GString *analysis_notes;              /* (nullable) failures and assumptions of the running
                                           analysis: the panel keeps them after it ends */
};

enum { PROP_0, PROP_LOADING, PROP_ANALYSING, PROP_N_ANALYSED, PROP_MODEL_READY, N_PROPS };
extern GParamSpec *msc_app_window_props[N_PROPS];

/* The status line (NULL clears it). */
void msc_app_window_set_status         (MscAppWindow *self, const char *text);
/* Starts loading the default model on a worker (once, at construction). */
void msc_app_window_load_model         (MscAppWindow *self);
/* Analyses the current study's views from the start (waits for the model). */
void msc_app_window_start_analysis     (MscAppWindow *self);
void msc_app_window_cancel_analysis    (MscAppWindow *self);
/* Analyse / Cancel button and actions in step with self->analysing. */
void msc_app_window_update_analysis_ui (MscAppWindow *self);
/* An overlay's "changed" handler: refreshes its view's class-panel row. */
void msc_app_window_overlay_changed    (MscOverlay *overlay, gpointer data);

G_END_DECLS
