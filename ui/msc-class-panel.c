/* ui/msc-class-panel.c — model identity, status and per-view class
 * probabilities as numbers and coloured bars (see msc-class-panel.h).
 * Bars are drawn with cairo so their colours do not depend on the theme:
 * normal green, benign amber, malignant red, as on the reading-room panel.
 */
#include "msc-class-panel.h"

#include <glib/gi18n.h>

struct _MscClassPanel {
  GtkWidget parent_instance;

  GtkWidget *box;
  GtkWidget *model_label, *use_label, *disclaimer_label, *status_label;
  GtkWidget *rows_box;
  GHashTable *rows;             /* view label -> row widget (borrowed: owned by rows_box) */
};

G_DEFINE_FINAL_TYPE (MscClassPanel, msc_class_panel, GTK_TYPE_WIDGET)

typedef struct {
  double r, g, b;
} BarColour;

static const BarColour normal_colour = { 0.30, 0.75, 0.35 };
static const BarColour benign_colour = { 0.95, 0.68, 0.10 };
static const BarColour malignant_colour = { 0.90, 0.15, 0.15 };

GtkWidget *
msc_class_panel_new (void)
{
  return g_object_new (MSC_TYPE_CLASS_PANEL, NULL);
}

/* ---- bars --------------------------------------------------------------- */

typedef struct {
  double value;                 /* 0..1 */
  BarColour colour;
} Bar;

static void
draw_bar (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  const Bar *bar = data;
  /* A dim track shows the full scale, so a short bar reads as "low". */
  cairo_set_source_rgba (cr, 0.5, 0.5, 0.5, 0.25);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, bar->colour.r, bar->colour.g, bar->colour.b);
  cairo_rectangle (cr, 0, 0, width * CLAMP (bar->value, 0.0, 1.0), height);
  cairo_fill (cr);
}

static GtkWidget *
bar_new (double value, const BarColour *colour, const char *description)
{
  Bar *bar = g_new (Bar, 1);
  bar->value = value;
  bar->colour = *colour;
  GtkWidget *area = gtk_drawing_area_new ();
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (area), 10);
  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (area), 80);
  gtk_widget_set_hexpand (area, TRUE);
  gtk_widget_set_valign (area, GTK_ALIGN_CENTER);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (area), draw_bar, bar, g_free);
  gtk_accessible_update_property (GTK_ACCESSIBLE (area),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description, -1);
  return area;
}

/* ---- rows --------------------------------------------------------------- */

static void
add_probability (GtkGrid *grid, int row, const char *name, double value, const BarColour *colour)
{
  GtkWidget *label = gtk_label_new (name);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  g_autofree char *number = g_strdup_printf ("%.2f", value);
  g_autofree char *description = g_strdup_printf ("%s %s", name, number);
  GtkWidget *value_label = gtk_label_new (number);
  gtk_label_set_xalign (GTK_LABEL (value_label), 1);
  gtk_widget_add_css_class (value_label, "numeric");
  gtk_grid_attach (grid, label, 0, row, 1, 1);
  gtk_grid_attach (grid, bar_new (value, colour, description), 1, row, 1, 1);
  gtk_grid_attach (grid, value_label, 2, row, 1, 1);
}

static GtkWidget *
row_new (const char *view_label, const MscClassProbabilities *p, double abnormal,
         double malignant, guint n_findings)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_add_css_class (row, "msc-class-row");
  GtkWidget *title = gtk_label_new (view_label);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_add_css_class (title, "heading");
  gtk_box_append (GTK_BOX (row), title);

  GtkWidget *grid = gtk_grid_new ();
  gtk_grid_set_column_spacing (GTK_GRID (grid), 8);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 2);
  add_probability (GTK_GRID (grid), 0, _("Normal"), p->normal, &normal_colour);
  add_probability (GTK_GRID (grid), 1, _("Benign"), p->benign, &benign_colour);
  add_probability (GTK_GRID (grid), 2, _("Malignant"), p->malignant, &malignant_colour);
  gtk_box_append (GTK_BOX (row), grid);

  /* Translators: the hierarchical scores: P(abnormal) and P(malignant | abnormal). */
  g_autofree char *scores = g_strdup_printf (_("Abnormal %.2f · malignant if abnormal %.2f"),
                                             abnormal, malignant);
  GtkWidget *scores_label = gtk_label_new (scores);
  gtk_label_set_xalign (GTK_LABEL (scores_label), 0);
  gtk_label_set_wrap (GTK_LABEL (scores_label), TRUE);
  gtk_box_append (GTK_BOX (row), scores_label);

  g_autofree char *count = g_strdup_printf (ngettext ("%u finding", "%u findings", n_findings),
                                            n_findings);
  GtkWidget *count_label = gtk_label_new (count);
  gtk_label_set_xalign (GTK_LABEL (count_label), 0);
  gtk_box_append (GTK_BOX (row), count_label);
  return row;
}

void
msc_class_panel_set_result (MscClassPanel *self, const char *view_label,
                            const MscClassProbabilities *p, double abnormal, double malignant,
                            guint n_findings)
{
  g_return_if_fail (MSC_IS_CLASS_PANEL (self));
  g_return_if_fail (view_label != NULL && p != NULL);
  GtkWidget *row = row_new (view_label, p, abnormal, malignant, n_findings);
  GtkWidget *old = g_hash_table_lookup (self->rows, view_label);
  if (old != NULL)
    {
      /* Same place as before: the list keeps its order when a view is re-run. */
      gtk_box_insert_child_after (GTK_BOX (self->rows_box), row, old);
      gtk_box_remove (GTK_BOX (self->rows_box), old);
    }
  else
    gtk_box_append (GTK_BOX (self->rows_box), row);
  g_hash_table_replace (self->rows, g_strdup (view_label), row);
}

void
msc_class_panel_clear (MscClassPanel *self)
{
  g_return_if_fail (MSC_IS_CLASS_PANEL (self));
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (self->rows_box)) != NULL)
    gtk_box_remove (GTK_BOX (self->rows_box), child);
  g_hash_table_remove_all (self->rows);
}

guint
msc_class_panel_get_n_rows (MscClassPanel *self)
{
  g_return_val_if_fail (MSC_IS_CLASS_PANEL (self), 0);
  return g_hash_table_size (self->rows);
}

/* ---- model and status --------------------------------------------------- */

static void
set_label_or_hide (GtkWidget *label, const char *text)
{
  gtk_label_set_text (GTK_LABEL (label), text ? text : "");
  gtk_widget_set_visible (label, text != NULL && *text != '\0');
}

void
msc_class_panel_set_model (MscClassPanel *self, const char *name, const char *version,
                           const char *intended_use)
{
  g_return_if_fail (MSC_IS_CLASS_PANEL (self));
  g_autofree char *title = NULL;
  if (name != NULL && version != NULL)
    /* Translators: model name and version, e.g. "mias-unet 1.0". */
    title = g_strdup_printf (_("Model: %s %s"), name, version);
  else if (name != NULL)
    title = g_strdup_printf (_("Model: %s"), name);
  else
    title = g_strdup (_("No model loaded"));
  gtk_label_set_text (GTK_LABEL (self->model_label), title);
  set_label_or_hide (self->use_label, intended_use);
}

void
msc_class_panel_set_status (MscClassPanel *self, const char *text)
{
  g_return_if_fail (MSC_IS_CLASS_PANEL (self));
  set_label_or_hide (self->status_label, text);
}

const char *
msc_class_panel_get_status (MscClassPanel *self)
{
  g_return_val_if_fail (MSC_IS_CLASS_PANEL (self), NULL);
  return gtk_widget_get_visible (self->status_label)
         ? gtk_label_get_text (GTK_LABEL (self->status_label)) : NULL;
}

/* ---- GObject ------------------------------------------------------------ */

static GtkWidget *
wrapped_label (const char *text, const char *css_class)
{
  GtkWidget *label = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 36);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  return label;
}

static void
msc_class_panel_dispose (GObject *object)
{
  MscClassPanel *self = MSC_CLASS_PANEL (object);
  g_clear_pointer (&self->rows, g_hash_table_unref);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  G_OBJECT_CLASS (msc_class_panel_parent_class)->dispose (object);
}

static void
msc_class_panel_class_init (MscClassPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = msc_class_panel_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "msc-class-panel");
}

static void
msc_class_panel_init (MscClassPanel *self)
{
  self->rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  self->model_label = wrapped_label (_("No model loaded"), "heading");
  self->disclaimer_label =
    wrapped_label (_("Supports a radiologist's reading; it never replaces it."), "dim-label");
  self->use_label = wrapped_label (NULL, "dim-label");
  gtk_widget_set_visible (self->use_label, FALSE);
  self->status_label = wrapped_label (NULL, NULL);
  gtk_widget_set_visible (self->status_label, FALSE);
  self->rows_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);

  gtk_box_append (GTK_BOX (self->box), self->model_label);
  gtk_box_append (GTK_BOX (self->box), self->disclaimer_label);
  gtk_box_append (GTK_BOX (self->box), self->use_label);
  gtk_box_append (GTK_BOX (self->box), self->status_label);
  gtk_box_append (GTK_BOX (self->box), self->rows_box);
}
