/* ui/msc-image-info.c — label/value rows describing one image, and a warning banner.
 *
 * The banner is for what a reader must not miss: a laterality the loader
 * guessed (a wrong side is a wrong-site finding) and FOR PROCESSING images
 * (raw detector data, not meant for diagnosis). Patient identity is never shown.
 */
#include "msc-image-info.h"
#include "msc-dicom.h"

#include <glib/gi18n.h>
#include <string.h>

typedef enum {
  ROW_LATERALITY, ROW_VIEW, ROW_SIZE, ROW_BITS, ROW_SPACING, ROW_MANUFACTURER,
  ROW_MODALITY, ROW_PHOTOMETRIC, ROW_FORMAT, ROW_INTENT, ROW_STUDY_DATE,
  ROW_STUDY_DESCRIPTION, ROW_NOTES, N_ROWS
} Row;

static const char *const row_titles[N_ROWS] = {
  N_("Laterality"), N_("View"), N_("Size"), N_("Bits stored"), N_("Pixel spacing"),
  N_("Manufacturer"), N_("Modality"), N_("Photometric"), N_("Format"),
  N_("Presentation intent"), N_("Study date"), N_("Study description"), N_("Notes"),
};

struct _MscImageInfo {
  GtkWidget parent_instance;
  GtkWidget *banner;            /* GtkInfoBar, warning */
  GtkWidget *banner_label;
  GtkWidget *grid;
  GtkWidget *values[N_ROWS];
  MscImage *image;
};

G_DEFINE_FINAL_TYPE (MscImageInfo, msc_image_info, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_IMAGE, N_PROPS };
static GParamSpec *props[N_PROPS];

static char *
laterality_text (MscImage *image)
{
  const char *side;
  switch (msc_image_get_laterality (image))
    {
    case MSC_LATERALITY_RIGHT: side = _("Right"); break;
    case MSC_LATERALITY_LEFT: side = _("Left"); break;
    case MSC_LATERALITY_BOTH: side = _("Both"); break;
    default: return g_strdup (_("Unknown"));
    }
  if (msc_image_get_laterality_inferred (image))
    /* Translators: a breast side followed by how it was found, "Left (inferred)". */
    return g_strdup_printf (_("%s (inferred)"), side);
  return g_strdup (side);
}

static char *
spacing_text (MscImage *image)
{
  double row_mm = 0, col_mm = 0;
  if (!msc_image_get_spacing_mm (image, &row_mm, &col_mm))
    return NULL;
  const char *source = msc_image_get_spacing_source (image);
  /* Imager spacing is at the detector: true size at the breast is ~10% smaller. */
  if (source != NULL)
    return g_strdup_printf (_("%.3f × %.3f mm (from %s)"), row_mm, col_mm, source);
  return g_strdup_printf (_("%.3f × %.3f mm"), row_mm, col_mm);
}

static char *
format_text (MscImage *image)
{
  const char *format = msc_image_get_format (image);
  const char *uid = msc_image_get_transfer_syntax (image);
  if (uid == NULL)
    return g_strdup (format);
  const char *name = msc_dicom_transfer_syntax_name (uid);
  g_autofree char *syntax = g_strcmp0 (name, uid) == 0 ? g_strdup (uid) : g_strdup_printf ("%s (%s)", name, uid);
  return g_strdup_printf ("%s, %s", format ? format : "DICOM", syntax);
}

static char *
date_text (const char *date)
{
  /* DICOM DA is YYYYMMDD; show it as ISO 8601. */
  if (date != NULL && strlen (date) == 8 && g_ascii_isdigit (date[0]))
    return g_strdup_printf ("%.4s-%.2s-%.2s", date, date + 4, date + 6);
  return g_strdup (date);
}

static gboolean
is_for_processing (MscImage *image)
{
  const char *intent = msc_image_get_presentation_intent (image);
  return intent != NULL && g_ascii_strncasecmp (intent, "FOR PROCESSING", 14) == 0;
}

static void
set_value (MscImageInfo *self, Row row, const char *text)
{
  gtk_label_set_text (GTK_LABEL (self->values[row]), text && *text ? text : "—");
}

static void
update_banner (MscImageInfo *self)
{
  GString *text = g_string_new (NULL);
  if (self->image != NULL && msc_image_get_laterality_inferred (self->image))
    g_string_append (text, _("Laterality was inferred from the image, not read from the file: check the side before reporting."));
  if (self->image != NULL && is_for_processing (self->image))
    {
      if (text->len)
        g_string_append_c (text, '\n');
      g_string_append (text, _("This image is FOR PROCESSING (raw detector data): it is not meant for diagnosis."));
    }
  gtk_label_set_text (GTK_LABEL (self->banner_label), text->str);
  gtk_widget_set_visible (self->banner, text->len > 0);
  g_string_free (text, TRUE);
}

static void
update (MscImageInfo *self)
{
  MscImage *img = self->image;
  update_banner (self);
  if (img == NULL)
    {
      for (guint r = 0; r < N_ROWS; r++)
        set_value (self, r, NULL);
      return;
    }
  g_autofree char *laterality = laterality_text (img);
  g_autofree char *size = g_strdup_printf (_("%u × %u pixels"), msc_image_get_width (img), msc_image_get_height (img));
  g_autofree char *bits = g_strdup_printf ("%u", msc_image_get_bits_stored (img));
  g_autofree char *spacing = spacing_text (img);
  g_autofree char *format = format_text (img);
  g_autofree char *date = date_text (msc_image_get_study_date (img));
  const char * const *notes = msc_image_get_notes (img);
  g_autofree char *notes_text = notes ? g_strjoinv ("\n", (char **) notes) : NULL;
  set_value (self, ROW_LATERALITY, laterality);
  set_value (self, ROW_VIEW, msc_image_get_view (img));
  set_value (self, ROW_SIZE, size);
  set_value (self, ROW_BITS, bits);
  set_value (self, ROW_SPACING, spacing ? spacing : _("unknown"));
  set_value (self, ROW_MANUFACTURER, msc_image_get_manufacturer (img));
  set_value (self, ROW_MODALITY, msc_image_get_modality (img));
  set_value (self, ROW_PHOTOMETRIC, msc_image_get_photometric (img));
  set_value (self, ROW_FORMAT, format);
  set_value (self, ROW_INTENT, msc_image_get_presentation_intent (img));
  set_value (self, ROW_STUDY_DATE, date);
  set_value (self, ROW_STUDY_DESCRIPTION, msc_image_get_study_description (img));
  set_value (self, ROW_NOTES, notes_text);
}

void
msc_image_info_set_image (MscImageInfo *self, MscImage *image)
{
  g_return_if_fail (MSC_IS_IMAGE_INFO (self));
  if (image == self->image)
    return;
  g_clear_pointer (&self->image, msc_image_unref);
  self->image = image ? msc_image_ref (image) : NULL;
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_IMAGE]);
}

MscImage *
msc_image_info_get_image (MscImageInfo *self)
{
  g_return_val_if_fail (MSC_IS_IMAGE_INFO (self), NULL);
  return self->image;
}

gboolean
msc_image_info_get_banner_visible (MscImageInfo *self)
{
  g_return_val_if_fail (MSC_IS_IMAGE_INFO (self), FALSE);
  return gtk_widget_get_visible (self->banner);
}

/* Adwaita's warning bar is a faint tint, easy to miss in a dark reading room:
 * an amber bar with dark text reads the same in the light and dark styles. */
static const char banner_css[] =
  "imageinfo infobar.warning > revealer > box {"
  " background-color: #e5a50a; color: #1c1c1c; }";

static void
ensure_css (GdkDisplay *display)
{
  if (display == NULL || g_object_get_data (G_OBJECT (display), "msc-image-info-css") != NULL)
    return;
  GtkCssProvider *provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_data (provider, banner_css, -1);
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_set_data_full (G_OBJECT (display), "msc-image-info-css", provider, g_object_unref);
}

static void
msc_image_info_init (MscImageInfo *self)
{
  ensure_css (gdk_display_get_default ());
  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (gtk_widget_get_layout_manager (GTK_WIDGET (self))), 6);

  self->banner = gtk_info_bar_new ();
  gtk_info_bar_set_message_type (GTK_INFO_BAR (self->banner), GTK_MESSAGE_WARNING);
  GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
  gtk_info_bar_add_child (GTK_INFO_BAR (self->banner), icon);
  self->banner_label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->banner_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->banner_label), 0);
  gtk_label_set_max_width_chars (GTK_LABEL (self->banner_label), 80);
  gtk_widget_set_hexpand (self->banner_label, TRUE);
  gtk_widget_add_css_class (self->banner_label, "heading");
  gtk_info_bar_add_child (GTK_INFO_BAR (self->banner), self->banner_label);
  gtk_widget_set_visible (self->banner, FALSE);
  gtk_widget_set_parent (self->banner, GTK_WIDGET (self));

  self->grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (self->grid), 4);
  gtk_grid_set_column_spacing (GTK_GRID (self->grid), 12);
  gtk_widget_set_margin_start (self->grid, 12);
  gtk_widget_set_margin_end (self->grid, 12);
  gtk_widget_set_margin_top (self->grid, 6);
  gtk_widget_set_margin_bottom (self->grid, 6);
  for (guint r = 0; r < N_ROWS; r++)
    {
      GtkWidget *title = gtk_label_new (_(row_titles[r]));
      gtk_label_set_xalign (GTK_LABEL (title), 1);
      gtk_label_set_yalign (GTK_LABEL (title), 0);
      gtk_widget_add_css_class (title, "dim-label");
      self->values[r] = gtk_label_new (NULL);
      gtk_label_set_xalign (GTK_LABEL (self->values[r]), 0);
      gtk_label_set_wrap (GTK_LABEL (self->values[r]), TRUE);
      gtk_label_set_selectable (GTK_LABEL (self->values[r]), TRUE);
      gtk_widget_set_hexpand (self->values[r], TRUE);
      gtk_grid_attach (GTK_GRID (self->grid), title, 0, r, 1, 1);
      gtk_grid_attach (GTK_GRID (self->grid), self->values[r], 1, r, 1, 1);
    }
  gtk_widget_set_parent (self->grid, GTK_WIDGET (self));
  update (self);
}

static void
msc_image_info_dispose (GObject *object)
{
  MscImageInfo *self = MSC_IMAGE_INFO (object);
  g_clear_pointer (&self->banner, gtk_widget_unparent);
  g_clear_pointer (&self->grid, gtk_widget_unparent);
  g_clear_pointer (&self->image, msc_image_unref);
  G_OBJECT_CLASS (msc_image_info_parent_class)->dispose (object);
}

static void
msc_image_info_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  MscImageInfo *self = MSC_IMAGE_INFO (object);
  if (id == PROP_IMAGE)
    g_value_set_pointer (value, self->image);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
msc_image_info_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  MscImageInfo *self = MSC_IMAGE_INFO (object);
  if (id == PROP_IMAGE)
    msc_image_info_set_image (self, g_value_get_pointer (value));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
msc_image_info_class_init (MscImageInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->dispose = msc_image_info_dispose;
  object_class->get_property = msc_image_info_get_property;
  object_class->set_property = msc_image_info_set_property;
  /* MscImage has no boxed type: a pointer property. */
  props[PROP_IMAGE] = g_param_spec_pointer ("image", NULL, NULL,
                                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
  gtk_widget_class_set_layout_manager_type (GTK_WIDGET_CLASS (klass), GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "imageinfo");
}

GtkWidget *
msc_image_info_new (void)
{
  return g_object_new (MSC_TYPE_IMAGE_INFO, NULL);
}
