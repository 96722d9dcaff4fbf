/* tests/ui/test-presets.c — user window/level presets: reading, saving,
 * replacing and removing entries of the window-presets key (the schema
 * compiled into the build tree, a memory backend), hand-edited nonsense
 * skipped, the W/L menu built from them and the save dialog end to end.
 */
#include <glib/gi18n.h>
#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include "msc-presets.h"
#include "msc-ui-test.h"

static GSettingsSchema *schema;

#define NEED_SCHEMA() G_STMT_START { if (schema == NULL) { g_test_skip ("schema not compiled in the build tree"); return; } } G_STMT_END

static GSettings *
fresh_settings (void)
{
  g_autoptr (GSettingsBackend) backend = g_memory_settings_backend_new ();
  return g_settings_new_full (schema, backend, NULL);
}

static void
test_default_empty (void)
{
  NEED_SCHEMA ();
  g_autoptr (GSettings) settings = fresh_settings ();
  g_autoptr (GPtrArray) presets = msc_presets_read (settings);
  g_assert_cmpuint (presets->len, ==, 0);
  g_autoptr (GPtrArray) none = msc_presets_read (NULL);
  g_assert_cmpuint (none->len, ==, 0);
}

static void
test_save_replace_remove (void)
{
  NEED_SCHEMA ();
  g_autoptr (GSettings) settings = fresh_settings ();
  g_autoptr (GError) error = NULL;
  g_assert_true (msc_presets_save (settings, "Dense", 2600, 800, &error));
  g_assert_no_error (error);
  g_assert_true (msc_presets_save (settings, "  Fatty ", 1800, 1600, &error));
  g_assert_no_error (error);

  /* What is in the key itself, in order, name trimmed. */
  g_autoptr (GVariant) value = g_settings_get_value (settings, MSC_PRESETS_KEY);
  g_autofree char *text = g_variant_print (value, FALSE);
  g_assert_cmpstr (text, ==, "[('Dense', 2600.0, 800.0), ('Fatty', 1800.0, 1600.0)]");

  /* The same name updates in place: no duplicate, order kept. */
  g_assert_true (msc_presets_save (settings, "Dense", 2500, 700, &error));
  g_autoptr (GPtrArray) presets = msc_presets_read (settings);
  g_assert_cmpuint (presets->len, ==, 2);
  MscWindowPreset *p = presets->pdata[0];
  g_assert_cmpstr (p->name, ==, "Dense");
  g_assert_cmpfloat (p->center, ==, 2500);
  g_assert_cmpfloat (p->width, ==, 700);

  g_assert_false (msc_presets_remove (settings, 2));
  g_assert_true (msc_presets_remove (settings, 0));
  g_autoptr (GPtrArray) left = msc_presets_read (settings);
  g_assert_cmpuint (left->len, ==, 1);
  g_assert_cmpstr (((MscWindowPreset *) left->pdata[0])->name, ==, "Fatty");
}

static void
test_refuses_bad (void)
{
  NEED_SCHEMA ();
  g_autoptr (GSettings) settings = fresh_settings ();
  g_autoptr (GError) error = NULL;
  g_assert_false (msc_presets_save (settings, "   ", 100, 100, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (msc_presets_save (settings, "Zero", 100, 0, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "Zero"));
  g_autoptr (GPtrArray) presets = msc_presets_read (settings);
  g_assert_cmpuint (presets->len, ==, 0);
}

/* A key edited by hand (dconf-editor, gsettings set) may hold entries the
 * viewer could not apply: they are skipped, the good ones kept. */
static void
test_hand_edited (void)
{
  NEED_SCHEMA ();
  g_autoptr (GSettings) settings = fresh_settings ();
  GVariant *value = g_variant_parse (G_VARIANT_TYPE ("a(sdd)"),
                                     "[('', 1.0, 2.0), ('Neg', 100.0, -5.0), ('Zero', 1.0, 0.0),"
                                     " ('NaN', nan, 10.0), ('Good', 2048.0, 4096.0)]", NULL, NULL, NULL);
  g_assert_nonnull (value);
  g_assert_true (g_settings_set_value (settings, MSC_PRESETS_KEY, value));
  g_autoptr (GPtrArray) presets = msc_presets_read (settings);
  g_assert_cmpuint (presets->len, ==, 1);
  g_assert_cmpstr (((MscWindowPreset *) presets->pdata[0])->name, ==, "Good");
}

/* ---- with a display ---- */

static gboolean
n_presets_is (gpointer data)
{
  gpointer *args = data;
  g_autoptr (GPtrArray) presets = msc_presets_read (args[0]);
  return presets->len == GPOINTER_TO_UINT (args[1]);
}

/* The first widget of type under root (depth first) that has css_class
 * (NULL: any). */
static GtkWidget *
find_type (GtkWidget *root, GType type, const char *css_class)
{
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      if (G_TYPE_CHECK_INSTANCE_TYPE (c, type) && (css_class == NULL || gtk_widget_has_css_class (c, css_class)))
        return c;
      GtkWidget *found = find_type (c, type, css_class);
      if (found)
        return found;
    }
  return NULL;
}

static gboolean
is_not_dark (const guint8 rgba[4], gpointer data)
{
  return rgba[0] + rgba[1] + rgba[2] > 3 * 90;
}

/* The dialog: Save stays insensitive until a name is typed; Save appends
 * the window it was opened with and closes the dialog. */
static void
test_save_dialog (void)
{
  NEED_SCHEMA ();
  if (!msc_ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }
  g_autoptr (GSettings) settings = fresh_settings ();
  GtkWidget *parent = msc_ui_test_window_new (400, 300);
  GtkWidget *dialog = msc_presets_save_dialog_new (GTK_WINDOW (parent), settings, 2100, 900);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  msc_ui_test_wait_for_draw (dialog);

  GtkWidget *entry = find_type (dialog, GTK_TYPE_ENTRY, NULL);
  g_assert_nonnull (entry);
  GtkWidget *save = find_type (dialog, GTK_TYPE_BUTTON, "suggested-action");
  g_assert_nonnull (save);
  g_assert_false (gtk_widget_get_sensitive (save));
  gtk_editable_set_text (GTK_EDITABLE (entry), "Site dense");
  g_assert_true (gtk_widget_get_sensitive (save));

  msc_ui_test_wait_for_draw (dialog);
  g_autoptr (GdkTexture) texture = msc_ui_test_render (dialog);
  g_autofree char *path = msc_ui_test_save (texture, "presets-save-dialog");
  g_test_message ("screenshot %s", path);
  /* Drawn, not blank: background and text give both light and dark
   * pixels whichever style is on (the test runs without the app's dark one). */
  int w = gdk_texture_get_width (texture), h = gdk_texture_get_height (texture);
  guint light = msc_ui_test_count (texture, 0, 0, w, h, is_not_dark, NULL);
  g_assert_cmpuint (light, >, 50);
  g_assert_cmpuint (light, <, (guint) (w * h) - 50);

  g_signal_emit_by_name (save, "clicked");
  gpointer args[] = { settings, GUINT_TO_POINTER (1) };
  g_assert_true (msc_ui_test_wait_until (n_presets_is, args, 5));
  g_assert_null (dialog);       /* closed itself */
  g_autoptr (GPtrArray) presets = msc_presets_read (settings);
  MscWindowPreset *p = presets->pdata[0];
  g_assert_cmpstr (p->name, ==, "Site dense");
  g_assert_cmpfloat (p->center, ==, 2100);
  g_assert_cmpfloat (p->width, ==, 900);
  gtk_window_destroy (GTK_WINDOW (parent));
}

/* The W/L menu: DICOM section, then the user's presets, then the save
 * item and the delete submenu. */
static void
test_menu (void)
{
  NEED_SCHEMA ();
  if (!msc_ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }
  g_autoptr (GSettings) settings = fresh_settings ();
  g_assert_true (msc_presets_save (settings, "A", 1, 2, NULL));
  g_assert_true (msc_presets_save (settings, "B", 3, 4, NULL));
  GtkWidget *view = g_object_ref_sink (msc_image_view_new ());
  g_autoptr (GMenu) menu = msc_presets_build_menu (MSC_IMAGE_VIEW (view), settings);
  g_assert_cmpint (g_menu_model_get_n_items (G_MENU_MODEL (menu)), ==, 3);
  g_autoptr (GMenuModel) user = g_menu_model_get_item_link (G_MENU_MODEL (menu), 1, G_MENU_LINK_SECTION);
  g_assert_cmpint (g_menu_model_get_n_items (user), ==, 2);
  g_autoptr (GVariant) target = g_menu_model_get_item_attribute_value (user, 1, G_MENU_ATTRIBUTE_TARGET,
                                                                      G_VARIANT_TYPE_UINT32);
  g_assert_cmpuint (g_variant_get_uint32 (target), ==, 1);
  g_autoptr (GMenuModel) manage = g_menu_model_get_item_link (G_MENU_MODEL (menu), 2, G_MENU_LINK_SECTION);
  g_assert_cmpint (g_menu_model_get_n_items (manage), ==, 2);     /* save + delete submenu */
  /* No settings: the DICOM part only. */
  g_autoptr (GMenu) bare = msc_presets_build_menu (MSC_IMAGE_VIEW (view), NULL);
  g_assert_cmpint (g_menu_model_get_n_items (G_MENU_MODEL (bare)), ==, 1);
  g_object_unref (view);
}

static void
find_schema (const char *argv0)
{
  const char *builddir = g_getenv ("G_TEST_BUILDDIR");
  g_autofree char *base = builddir ? g_strdup (builddir) : g_path_get_dirname (argv0);
  static const char *ups[] = { "../data", "../../data", "data" };
  for (guint i = 0; i < G_N_ELEMENTS (ups) && schema == NULL; i++)
    {
      g_autofree char *dir = g_build_filename (base, ups[i], NULL);
      g_autofree char *compiled = g_build_filename (dir, "gschemas.compiled", NULL);
      if (!g_file_test (compiled, G_FILE_TEST_EXISTS))
        continue;
      g_autoptr (GSettingsSchemaSource) source = g_settings_schema_source_new_from_directory (dir, NULL, FALSE, NULL);
      if (source)
        schema = g_settings_schema_source_lookup (source, "io.github.mammoscope.Mammoscope", FALSE);
    }
}

int
main (int argc, char **argv)
{
  find_schema (argv[0]);
  msc_ui_test_init (&argc, &argv);
  g_test_add_func ("/ui/presets/default-empty", test_default_empty);
  g_test_add_func ("/ui/presets/save-replace-remove", test_save_replace_remove);
  g_test_add_func ("/ui/presets/refuses-bad", test_refuses_bad);
  g_test_add_func ("/ui/presets/hand-edited", test_hand_edited);
  g_test_add_func ("/ui/presets/menu", test_menu);
  g_test_add_func ("/ui/presets/save-dialog", test_save_dialog);
  int status = g_test_run ();
  g_clear_pointer (&schema, g_settings_schema_unref);
  return status;
}
