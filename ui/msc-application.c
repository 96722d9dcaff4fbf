/* ui/msc-application.c — the GtkApplication: one instance per session
 * (a second `mammoscope FILE` opens FILE in the running one), accelerators,
 * the dark reading-room style and the settings every window shares.
 */
#include <glib/gi18n.h>
#include "msc-application.h"
#include "msc-window.h"

struct _MscApplication {
  GtkApplication parent_instance;
  GSettings *settings;          /* (nullable) */
};

G_DEFINE_FINAL_TYPE (MscApplication, msc_application, GTK_TYPE_APPLICATION)

/* Keep in step with ui/gtk/help-overlay.ui. Only keys with a modifier (and
 * F9) are application accelerators: those run before the focus widget, so
 * plain letters and digits here would be stolen from the DICOM header's
 * search entry. The single keys are a bubble-phase shortcut controller of
 * the window (msc-window.c), which sees only what the entry left. */
static const struct {
  const char *action;
  const char *accels[3];
} accels[] = {
  { "win.open", { "<Control>o", NULL } },
  { "win.open-folder", { "<Control><Shift>o", NULL } },
  { "app.quit", { "<Control>q", NULL } },
  { "win.actual-pixels", { "<Control>1", NULL } },
  { "win.true-size", { "<Control>2", NULL } },
  { "win.analyse", { "<Control>Return", NULL } },
  { "win.header-browser", { "<Control>d", NULL } },
  { "win.side-panel", { "F9", NULL } },
};

static void
quit_activated (GSimpleAction *action, GVariant *parameter, gpointer data)
{
  /* Closing the windows lets each save its size and cancel its work. */
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (data));
  while (windows != NULL)
    {
      GList *next = windows->next;
      gtk_window_close (GTK_WINDOW (windows->data));
      windows = next;
    }
}

static GSettings *
settings_or_null (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = source ? g_settings_schema_source_lookup (source, MSC_APPLICATION_ID, TRUE) : NULL;
  if (schema == NULL)
    {
      /* An uninstalled build: run with defaults rather than abort. */
      g_message ("settings schema %s is not installed; using defaults", MSC_APPLICATION_ID);
      return NULL;
    }
  return g_settings_new_full (schema, NULL, NULL);
}

static void
msc_application_startup (GApplication *app)
{
  MscApplication *self = MSC_APPLICATION (app);
  G_APPLICATION_CLASS (msc_application_parent_class)->startup (app);

  self->settings = settings_or_null ();
  GtkSettings *gtk_settings = gtk_settings_get_default ();
  /* Reading rooms are dark; the key lets a user opt out. */
  if (self->settings)
    g_settings_bind (self->settings, "prefer-dark", gtk_settings, "gtk-application-prefer-dark-theme",
                     G_SETTINGS_BIND_GET);
  else
    g_object_set (gtk_settings, "gtk-application-prefer-dark-theme", TRUE, NULL);

  g_autoptr (GtkCssProvider) css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/io/github/mammoscope/Mammoscope/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  static const GActionEntry entries[] = { { .name = "quit", .activate = quit_activated } };
  g_action_map_add_action_entries (G_ACTION_MAP (app), entries, G_N_ELEMENTS (entries), app);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action, accels[i].accels);
}

static MscAppWindow *
get_window (MscApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (window != NULL && MSC_IS_APP_WINDOW (window))
    return MSC_APP_WINDOW (window);
  return msc_app_window_new (self);
}

static void
msc_application_activate (GApplication *app)
{
  gtk_window_present (GTK_WINDOW (get_window (MSC_APPLICATION (app))));
}

static void
msc_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  MscAppWindow *window = get_window (MSC_APPLICATION (app));
  msc_app_window_open_files (window, files, n_files);
  gtk_window_present (GTK_WINDOW (window));
}

static void
msc_application_dispose (GObject *object)
{
  MscApplication *self = MSC_APPLICATION (object);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (msc_application_parent_class)->dispose (object);
}

static void
msc_application_class_init (MscApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);
  G_OBJECT_CLASS (klass)->dispose = msc_application_dispose;
  app_class->startup = msc_application_startup;
  app_class->activate = msc_application_activate;
  app_class->open = msc_application_open;
}

static void
msc_application_init (MscApplication *self)
{
}

MscApplication *
msc_application_new (void)
{
  return g_object_new (MSC_TYPE_APPLICATION,
                       "application-id", MSC_APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       NULL);
}

GSettings *
msc_application_get_settings (MscApplication *self)
{
  g_return_val_if_fail (MSC_IS_APPLICATION (self), NULL);
  return self->settings;
}
