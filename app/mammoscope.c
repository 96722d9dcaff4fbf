/* app/mammoscope.c — the viewer's entry point: `mammoscope [FILE|FOLDER|DICOMDIR...]`.
 * Everything else is MscApplication (ui/msc-application.c).
 */
#include <locale.h>
#include <glib/gi18n.h>
#include "msc-application.h"

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_application_name (_("Mammoscope"));

  g_autoptr (MscApplication) app = msc_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
