/* ui/msc-presets.c — user window/level presets in GSettings (a(sdd)) and
 * the "Save current window as preset" dialog. Centre and width are stored
 * values, as a site's preset list is written by radiologists.
 */
#include <glib/gi18n.h>
#include <math.h>
#include "msc-presets.h"

void
msc_window_preset_free (MscWindowPreset *preset)
{
  if (preset == NULL)
    return;
  g_free (preset->name);
  g_free (preset);
}

GPtrArray *
msc_presets_read (GSettings *settings)
{
  GPtrArray *presets = g_ptr_array_new_with_free_func ((GDestroyNotify) msc_window_preset_free);
  if (settings == NULL)
    return presets;
  g_autoptr (GVariant) value = g_settings_get_value (settings, MSC_PRESETS_KEY);
  GVariantIter iter;
  const char *name;
  double center, width;
  g_variant_iter_init (&iter, value);
  while (g_variant_iter_next (&iter, "(&sdd)", &name, &center, &width))
    {
      /* Hand-edited keys may hold nonsense: a zero width would divide by
       * zero in the LUT, a nameless entry could not be chosen. */
      if (*name == '\0' || !(width > 0) || !isfinite (center))
        continue;
      MscWindowPreset *p = g_new0 (MscWindowPreset, 1);
      p->name = g_strdup (name);
      p->center = center;
      p->width = width;
      g_ptr_array_add (presets, p);
    }
  return presets;
}

static void
write_presets (GSettings *settings, GPtrArray *presets)
{
  GVariantBuilder builder;
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sdd)"));
  for (guint i = 0; i < presets->len; i++)
    {
      MscWindowPreset *p = presets->pdata[i];
      g_variant_builder_add (&builder, "(sdd)", p->name, p->center, p->width);
    }
  g_settings_set_value (settings, MSC_PRESETS_KEY, g_variant_builder_end (&builder));
}

gboolean
msc_presets_save (GSettings *settings, const char *name, double center, double width, GError **error)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), FALSE);
  g_autofree char *clean = g_strstrip (g_strdup (name ? name : ""));
  if (*clean == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("A preset needs a name."));
      return FALSE;
    }
  if (!(width > 0) || !isfinite (center))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Preset “%s”: the window width must be positive."), clean);
      return FALSE;
    }
  g_autoptr (GPtrArray) presets = msc_presets_read (settings);
  MscWindowPreset *found = NULL;
  for (guint i = 0; i < presets->len && found == NULL; i++)
    if (g_str_equal (((MscWindowPreset *) presets->pdata[i])->name, clean))
      found = presets->pdata[i];
  if (found == NULL)
    {
      found = g_new0 (MscWindowPreset, 1);
      found->name = g_strdup (clean);
      g_ptr_array_add (presets, found);
    }
  found->center = center;
  found->width = width;
  write_presets (settings, presets);
  return TRUE;
}

gboolean
msc_presets_remove (GSettings *settings, guint index)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), FALSE);
  g_autoptr (GPtrArray) presets = msc_presets_read (settings);
  if (index >= presets->len)
    return FALSE;
  g_ptr_array_remove_index (presets, index);
  write_presets (settings, presets);
  return TRUE;
}

/* ---- the save dialog ---- */

typedef struct {
  GSettings *settings;
  double center, width;
  GtkWidget *entry, *save, *error_label;
} SaveDialog;

static void
save_dialog_free (SaveDialog *d)
{
  g_clear_object (&d->settings);
  g_free (d);
}

static void
entry_changed (GtkEditable *entry, SaveDialog *d)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (entry)));
  gtk_widget_set_sensitive (d->save, *text != '\0');
}

static void
save_clicked (GtkWidget *button, SaveDialog *d)
{
  g_autoptr (GError) error = NULL;
  if (!msc_presets_save (d->settings, gtk_editable_get_text (GTK_EDITABLE (d->entry)), d->center, d->width, &error))
    {
      gtk_label_set_text (GTK_LABEL (d->error_label), error->message);
      gtk_widget_set_visible (d->error_label, TRUE);
      return;
    }
  gtk_window_destroy (GTK_WINDOW (gtk_widget_get_root (button)));
}

static void
entry_activated (GtkEntry *entry, SaveDialog *d)
{
  if (gtk_widget_get_sensitive (d->save))
    save_clicked (d->save, d);
}

static GtkWidget *
dialog_body (SaveDialog *d)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  g_object_set (box, "margin-start", 12, "margin-end", 12, "margin-top", 12, "margin-bottom", 12, NULL);
  g_autofree char *summary = g_strdup_printf (_("Window centre %.0f, width %.0f (stored values)"),
                                              d->center, d->width);
  GtkWidget *label = gtk_label_new (summary);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_box_append (GTK_BOX (box), label);
  d->entry = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (d->entry), _("Preset name"));
  gtk_box_append (GTK_BOX (box), d->entry);
  d->error_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (d->error_label, "error");
  gtk_widget_set_visible (d->error_label, FALSE);
  gtk_box_append (GTK_BOX (box), d->error_label);
  return box;
}

GtkWidget *
msc_presets_save_dialog_new (GtkWindow *parent, GSettings *settings, double center, double width)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  SaveDialog *d = g_new0 (SaveDialog, 1);
  d->settings = g_object_ref (settings);
  d->center = center;
  d->width = width;

  GtkWidget *window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (window), _("Save Window Preset"));
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  gtk_window_set_transient_for (GTK_WINDOW (window), parent);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (window), TRUE);
  gtk_window_set_resizable (GTK_WINDOW (window), FALSE);
  g_object_set_data_full (G_OBJECT (window), "msc-save-dialog", d, (GDestroyNotify) save_dialog_free);

  GtkWidget *header = gtk_header_bar_new ();
  gtk_header_bar_set_show_title_buttons (GTK_HEADER_BAR (header), FALSE);
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  g_signal_connect_swapped (cancel, "clicked", G_CALLBACK (gtk_window_destroy), window);
  gtk_header_bar_pack_start (GTK_HEADER_BAR (header), cancel);
  d->save = gtk_button_new_with_mnemonic (_("_Save"));
  gtk_widget_add_css_class (d->save, "suggested-action");
  gtk_widget_set_sensitive (d->save, FALSE);
  g_signal_connect (d->save, "clicked", G_CALLBACK (save_clicked), d);
  gtk_header_bar_pack_end (GTK_HEADER_BAR (header), d->save);
  gtk_window_set_titlebar (GTK_WINDOW (window), header);

  gtk_window_set_child (GTK_WINDOW (window), dialog_body (d));
  g_signal_connect (d->entry, "changed", G_CALLBACK (entry_changed), d);
  /* Return saves; handled here rather than through the window's default
   * widget so it happens once, with the same checks as the button. */
  g_signal_connect (d->entry, "activate", G_CALLBACK (entry_activated), d);
  return window;
}

/* ---- the W/L menu ---- */

GMenu *
msc_presets_build_menu (MscImageView *view, GSettings *settings)
{
  GMenu *menu = g_menu_new ();
  g_autoptr (GMenu) image_section = g_menu_new ();
  guint n = msc_image_view_get_n_presets (view);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = msc_image_view_dup_preset_name (view, i);
      g_autoptr (GMenuItem) item = g_menu_item_new (name, NULL);
      g_menu_item_set_action_and_target_value (item, "win.preset", g_variant_new_uint32 (i));
      g_menu_append_item (image_section, item);
    }
  g_menu_append_section (menu, NULL, G_MENU_MODEL (image_section));
  if (settings == NULL)
    return menu;                /* no schema: nowhere to keep user presets */

  g_autoptr (GPtrArray) presets = msc_presets_read (settings);
  g_autoptr (GMenu) user_section = g_menu_new ();
  g_autoptr (GMenu) delete_menu = g_menu_new ();
  for (guint i = 0; i < presets->len; i++)
    {
      MscWindowPreset *p = presets->pdata[i];
      g_autoptr (GMenuItem) item = g_menu_item_new (p->name, NULL);
      g_menu_item_set_action_and_target_value (item, "win.user-preset", g_variant_new_uint32 (i));
      g_menu_append_item (user_section, item);
      g_autoptr (GMenuItem) del = g_menu_item_new (p->name, NULL);
      g_menu_item_set_action_and_target_value (del, "win.delete-preset", g_variant_new_uint32 (i));
      g_menu_append_item (delete_menu, del);
    }
  if (presets->len > 0)
    g_menu_append_section (menu, _("My presets"), G_MENU_MODEL (user_section));
  g_autoptr (GMenu) manage = g_menu_new ();
  g_menu_append (manage, _("_Save Current Window as Preset…"), "win.save-preset");
  if (presets->len > 0)
    g_menu_append_submenu (manage, _("_Delete Preset"), G_MENU_MODEL (delete_menu));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (manage));
  return menu;
}
