/* ui/msc-application.h — the Mammoscope GtkApplication: single instance,
 * opens files and folders (HANDLES_OPEN), owns the GSettings, the actions
 * with their accelerators and the dark style.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MSC_APPLICATION_ID "io.github.mammoscope.Mammoscope"

#define MSC_TYPE_APPLICATION (msc_application_get_type ())
G_DECLARE_FINAL_TYPE (MscApplication, msc_application, MSC, APPLICATION, GtkApplication)

MscApplication *msc_application_new (void);
/* (transfer none) (nullable): NULL when the schema is not installed (the
 * application then runs with the built-in defaults and says so once). */
GSettings      *msc_application_get_settings (MscApplication *self);

G_END_DECLS
