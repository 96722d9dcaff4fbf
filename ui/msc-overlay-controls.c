/* ui/msc-overlay-controls.c — threshold and opacity sliders and the three
 * overlay switches (see msc-overlay-controls.h). The widgets hold the
 * state; the properties read and write them, so a binding to MscOverlay
 * and a drag of the slider are the same thing.
 */
#include "msc-overlay-controls.h"

#include <glib/gi18n.h>

struct _MscOverlayControls {
  GtkWidget parent_instance;

  GtkWidget *box;
  GtkAdjustment *threshold, *opacity;
  GtkWidget *show_heatmap, *show_contours, *show_markers;
};

G_DEFINE_FINAL_TYPE (MscOverlayControls, msc_overlay_controls, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_THRESHOLD,
  PROP_HEATMAP_OPACITY,
  PROP_SHOW_HEATMAP,
  PROP_SHOW_CONTOURS,
  PROP_SHOW_MARKERS,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

GtkWidget *
msc_overlay_controls_new (void)
{
  return g_object_new (MSC_TYPE_OVERLAY_CONTROLS, NULL);
}

static GtkCheckButton *
check_for (MscOverlayControls *self, guint prop)
{
  GtkWidget *w = prop == PROP_SHOW_HEATMAP ? self->show_heatmap
               : prop == PROP_SHOW_CONTOURS ? self->show_contours : self->show_markers;
  return GTK_CHECK_BUTTON (w);
}

static void
msc_overlay_controls_set_property (GObject *object, guint prop_id, const GValue *value,
                                   GParamSpec *pspec)
{
  MscOverlayControls *self = MSC_OVERLAY_CONTROLS (object);
  switch (prop_id)
    {
    case PROP_THRESHOLD:
      /* The adjustment clamps to the slider's range and notifies through
       * value-changed only when the value really changes. */
      gtk_adjustment_set_value (self->threshold, g_value_get_double (value));
      break;
    case PROP_HEATMAP_OPACITY:
      gtk_adjustment_set_value (self->opacity, g_value_get_double (value));
      break;
    case PROP_SHOW_HEATMAP:
    case PROP_SHOW_CONTOURS:
    case PROP_SHOW_MARKERS:
      gtk_check_button_set_active (check_for (self, prop_id), g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
msc_overlay_controls_get_property (GObject *object, guint prop_id, GValue *value,
                                   GParamSpec *pspec)
{
  MscOverlayControls *self = MSC_OVERLAY_CONTROLS (object);
  switch (prop_id)
    {
    case PROP_THRESHOLD:
      g_value_set_double (value, gtk_adjustment_get_value (self->threshold));
      break;
    case PROP_HEATMAP_OPACITY:
      g_value_set_double (value, gtk_adjustment_get_value (self->opacity));
      break;
    case PROP_SHOW_HEATMAP:
    case PROP_SHOW_CONTOURS:
    case PROP_SHOW_MARKERS:
      g_value_set_boolean (value, gtk_check_button_get_active (check_for (self, prop_id)));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
threshold_changed (GtkAdjustment *adjustment, MscOverlayControls *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_THRESHOLD]);
}

static void
opacity_changed (GtkAdjustment *adjustment, MscOverlayControls *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_HEATMAP_OPACITY]);
}

static void
check_toggled (GtkCheckButton *button, MscOverlayControls *self)
{
  guint prop = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "msc-prop"));
  g_object_notify_by_pspec (G_OBJECT (self), props[prop]);
}

/* A heading label and a slider that shows its value with two decimals. */
static GtkAdjustment *
add_slider (MscOverlayControls *self, const char *title, double lower, double upper,
            double value, GCallback changed)
{
  GtkWidget *label = gtk_label_new_with_mnemonic (title);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_box_append (GTK_BOX (self->box), label);
  GtkAdjustment *adj = gtk_adjustment_new (value, lower, upper, 0.01, 0.05, 0);
  GtkWidget *scale = gtk_scale_new (GTK_ORIENTATION_HORIZONTAL, adj);
  gtk_scale_set_digits (GTK_SCALE (scale), 2);
  gtk_scale_set_draw_value (GTK_SCALE (scale), TRUE);
  gtk_scale_set_value_pos (GTK_SCALE (scale), GTK_POS_RIGHT);
  gtk_range_set_round_digits (GTK_RANGE (scale), 2);
  gtk_widget_set_hexpand (scale, TRUE);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), scale);
  gtk_box_append (GTK_BOX (self->box), scale);
  g_signal_connect (adj, "value-changed", changed, self);
  return adj;
}

static GtkWidget *
add_check (MscOverlayControls *self, const char *title, guint prop)
{
  GtkWidget *check = gtk_check_button_new_with_mnemonic (title);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
  g_object_set_data (G_OBJECT (check), "msc-prop", GUINT_TO_POINTER (prop));
  g_signal_connect (check, "toggled", G_CALLBACK (check_toggled), self);
  gtk_box_append (GTK_BOX (self->box), check);
  return check;
}

static void
msc_overlay_controls_dispose (GObject *object)
{
  MscOverlayControls *self = MSC_OVERLAY_CONTROLS (object);
  if (self->threshold != NULL)
    g_signal_handlers_disconnect_by_data (self->threshold, self);
  if (self->opacity != NULL)
    g_signal_handlers_disconnect_by_data (self->opacity, self);
  g_clear_object (&self->threshold);
  g_clear_object (&self->opacity);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  G_OBJECT_CLASS (msc_overlay_controls_parent_class)->dispose (object);
}

static void
msc_overlay_controls_class_init (MscOverlayControlsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->set_property = msc_overlay_controls_set_property;
  object_class->get_property = msc_overlay_controls_get_property;
  object_class->dispose = msc_overlay_controls_dispose;

  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  props[PROP_THRESHOLD] = g_param_spec_double ("threshold", NULL, NULL, 0, 1, 0.5, rw);
  props[PROP_HEATMAP_OPACITY] = g_param_spec_double ("heatmap-opacity", NULL, NULL, 0, 1, 0.5, rw);
  props[PROP_SHOW_HEATMAP] = g_param_spec_boolean ("show-heatmap", NULL, NULL, TRUE, rw);
  props[PROP_SHOW_CONTOURS] = g_param_spec_boolean ("show-contours", NULL, NULL, TRUE, rw);
  props[PROP_SHOW_MARKERS] = g_param_spec_boolean ("show-markers", NULL, NULL, TRUE, rw);
  g_object_class_install_properties (object_class, N_PROPS, props);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "msc-overlay-controls");
}

static void
msc_overlay_controls_init (MscOverlayControls *self)
{
  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  self->threshold = g_object_ref_sink (add_slider (self, _("Finding _threshold"), 0.05, 0.95,
                                                   0.5, G_CALLBACK (threshold_changed)));
  self->opacity = g_object_ref_sink (add_slider (self, _("Heatmap _opacity"), 0.0, 1.0, 0.5,
                                                 G_CALLBACK (opacity_changed)));
  self->show_heatmap = add_check (self, _("Show _heatmap"), PROP_SHOW_HEATMAP);
  self->show_contours = add_check (self, _("Show _contours"), PROP_SHOW_CONTOURS);
  self->show_markers = add_check (self, _("Show _markers and scores"), PROP_SHOW_MARKERS);
}
