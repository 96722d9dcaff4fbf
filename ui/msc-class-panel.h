/* ui/msc-class-panel.h — the side panel that says what the model thinks:
 * model name and version with its intended use (it supports a reading,
 * never replaces it), a status line, and one row per view with
 * P(normal/benign/malignant) as numbers and bars, the hierarchical
 * abnormal and malignant scores and the number of findings.
 */
#pragma once

#include <gtk/gtk.h>
#include "msc-analyze.h"

G_BEGIN_DECLS

#define MSC_TYPE_CLASS_PANEL (msc_class_panel_get_type ())
G_DECLARE_FINAL_TYPE (MscClassPanel, msc_class_panel, MSC, CLASS_PANEL, GtkWidget)

GtkWidget *msc_class_panel_new        (void);
/* All nullable. */
void       msc_class_panel_set_model  (MscClassPanel *self, const char *name,
                                       const char *version, const char *intended_use);
/* One row per view label ("R-CC"), replaced when set again with that label.
 * abnormal: P(abnormal); malignant: P(malignant | abnormal). */
void       msc_class_panel_set_result (MscClassPanel *self, const char *view_label,
                                       const MscClassProbabilities *p, double abnormal,
                                       double malignant, guint n_findings);
/* Removes every row (the model and status stay). */
void       msc_class_panel_clear      (MscClassPanel *self);
/* (nullable) "Analysing 2 of 4…", an error; NULL hides the line. */
void       msc_class_panel_set_status (MscClassPanel *self, const char *text);
/* Rows shown now (for tests and the window). */
guint      msc_class_panel_get_n_rows (MscClassPanel *self);
/* The status line as shown, or NULL when hidden. (transfer none) */
const char *msc_class_panel_get_status (MscClassPanel *self);

G_END_DECLS
