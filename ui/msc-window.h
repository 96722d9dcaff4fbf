/* ui/msc-window.h — the main window: header bar, study grid, side panel
 * (findings, image info, DICOM header), status line; loads studies and runs
 * the model on a worker thread.
 */
#pragma once

#include <gtk/gtk.h>
#include "msc-application.h"
#include "msc-study-grid.h"

G_BEGIN_DECLS

/* Named MscAppWindow: MscWindow is the engine's display window (msc-image.h). */
#define MSC_TYPE_APP_WINDOW (msc_app_window_get_type ())
G_DECLARE_FINAL_TYPE (MscAppWindow, msc_app_window, MSC, APP_WINDOW, GtkApplicationWindow)

MscAppWindow    *msc_app_window_new (MscApplication *application);
/* Scans files, folders or DICOMDIRs on a worker thread, then hangs the
 * first study (and a prior of the same patient if one is among them) and
 * starts the analysis. Cancels a load still running. */
void          msc_app_window_open_files (MscAppWindow *self, GFile **files, int n_files);
MscStudyGrid *msc_app_window_get_grid (MscAppWindow *self);                /* (transfer none) */

/* Every study the last open found, in scan order (the header bar's study
 * chooser lists them; Page Down / Page Up step through them). */
guint         msc_app_window_get_n_studies (MscAppWindow *self);
MscStudy     *msc_app_window_get_study (MscAppWindow *self, guint index);  /* (transfer none) (nullable) */
/* Hangs study index (with its prior by the patient rule), cancels a
 * running analysis and analyses it; the same as the "win.study" action. */
void          msc_app_window_show_study (MscAppWindow *self, guint index);
guint         msc_app_window_get_study_index (MscAppWindow *self);

/* Read-only properties for observers and tests:
 *  "loading" (bool): a scan is running;
 *  "analysing" (bool): the model is running on the views;
 *  "n-analysed" (uint): views with an analysis since the last open;
 *  "model-ready" (bool): the analyzer is loaded (or failed: see the status). */

G_END_DECLS
