/* ui/msc-presets.h — the user's window/level presets, kept in the
 * `window-presets` settings key (a(sdd): name, centre, width in stored
 * values, so one site preset means the same numbers on every image), and
 * the small dialog that saves the active view's window as one.
 */
#pragma once

#include <gtk/gtk.h>
#include "msc-image-view.h"

G_BEGIN_DECLS

#define MSC_PRESETS_KEY "window-presets"

typedef struct {
  char *name;
  double center, width;         /* stored values; width > 0 */
} MscWindowPreset;

void       msc_window_preset_free (MscWindowPreset *preset);             /* NULL-safe */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscWindowPreset, msc_window_preset_free)

/* (transfer full) MscWindowPreset* in the key's order; entries with an
 * empty name or a width <= 0 are skipped. settings may be NULL: empty. */
GPtrArray *msc_presets_read   (GSettings *settings);
/* Appends a preset, or updates the one with the same name in place.
 * FALSE with error when name is empty or width <= 0. */
gboolean   msc_presets_save   (GSettings *settings, const char *name, double center, double width,
                               GError **error);
/* Removes the preset at index (of msc_presets_read's order); FALSE when
 * there is none. */
gboolean   msc_presets_remove (GSettings *settings, guint index);

/* A modal dialog asking for a name; Save calls msc_presets_save with
 * center/width. Shown by the caller with gtk_window_present; destroys
 * itself when closed. (transfer none: owned by GTK's toplevel list) */
GtkWidget *msc_presets_save_dialog_new (GtkWindow *parent, GSettings *settings, double center, double width);

/* A new W/L menu (transfer full) for view: its DICOM presets and "Full range"
 * (win.preset u), the user's presets (win.user-preset u), then "Save
 * current window as preset…" (win.save-preset) and a "Delete preset"
 * submenu (win.delete-preset u). settings NULL: the DICOM part only. */
/* A new model rather than one edited in place: GtkPopoverMenu keeps the
 * old submenu's page when a model changes under it and warns about the
 * duplicate name, so callers set the new model on their button. */
GMenu     *msc_presets_build_menu (MscImageView *view, GSettings *settings);

G_END_DECLS
