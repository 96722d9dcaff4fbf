/* ui/msc-study-grid.c — hanging protocols over MscImageView tiles.
 *
 * The grid owns eight views (current and prior study x four slots) for its
 * whole life and only re-attaches the visible ones when the protocol
 * changes, so zoom, window and overlays survive protocol switches.
 */
#include <glib/gi18n.h>
#include "msc-study-grid.h"

#define N_TILES (2 * MSC_N_SLOTS)

typedef struct {
  GtkWidget *stack;             /* "view" | "empty" pages; owned by the grid widget */
  MscImageView *view;
  GtkWidget *empty_label;
  MscOverlay *overlay;          /* owned */
  gboolean prior;
  MscSlot slot;
} Tile;

struct _MscStudyGrid {
  GtkWidget parent_instance;

  GtkWidget *grid;              /* GtkGrid child */
  Tile tiles[N_TILES];          /* current 0..3, prior 4..7 */
  GPtrArray *bindings;          /* GBinding* between paired views */
  MscStudy *current, *prior;
  MscProtocol protocol;
  MscSlot active;
};

enum { PROP_0, PROP_PROTOCOL, PROP_ACTIVE_SLOT, N_PROPS };
static GParamSpec *props[N_PROPS];
enum { SIG_ACTIVE_VIEW_CHANGED, SIG_CURSOR_MOVED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (MscStudyGrid, msc_study_grid, GTK_TYPE_WIDGET)

/* ---- chest wall ---- */

/* From the pixels alone, or UNKNOWN when the sides look alike. The first
 * version compared the mean of the outer tenths of the stored values; on
 * the 238 MIAS films it got 222 right (black scanner padding and breasts
 * filling the frame fool it). The engine's tissue-side test (Otsu tissue
 * mask, upper rows weighted, MONOCHROME1 aware) gets all 238, so the grid
 * asks it: the side the tissue lies on is the chest-wall side. */
static MscChestWall
chest_wall_from_pixels (const MscImage *image)
{
  if (msc_image_get_pixels (image) == NULL)
    return MSC_CHEST_WALL_UNKNOWN;
  /* msc_study_infer_laterality names the breast by the engine's convention
   * (right breast: tissue against the image's right edge). */
  switch (msc_study_infer_laterality (image))
    {
    case MSC_LATERALITY_RIGHT: return MSC_CHEST_WALL_RIGHT;
    case MSC_LATERALITY_LEFT: return MSC_CHEST_WALL_LEFT;
    default: return MSC_CHEST_WALL_UNKNOWN;
    }
}

MscChestWall
msc_chest_wall_side (const MscImage *image)
{
  g_return_val_if_fail (image != NULL, MSC_CHEST_WALL_UNKNOWN);
  /* We never know PatientOrientation here (MscImage does not carry it), so
   * the pixels decide: the chest wall edge is covered by tissue (and in MLO
   * the pectoral muscle), the other edge mostly by air. */
  MscChestWall side = chest_wall_from_pixels (image);
  if (side != MSC_CHEST_WALL_UNKNOWN)
    return side;
  /* The engine's convention (msc_study_infer_laterality): a right breast
   * has its chest wall on the image's right. */
  switch (msc_image_get_laterality (image))
    {
    case MSC_LATERALITY_RIGHT: return MSC_CHEST_WALL_RIGHT;
    case MSC_LATERALITY_LEFT: return MSC_CHEST_WALL_LEFT;
    default: return MSC_CHEST_WALL_UNKNOWN;
    }
}

gboolean
msc_chest_wall_needs_mirror (MscChestWall side, gboolean left_column)
{
  /* Left column: chest wall on the right edge, facing the middle. */
  if (side == MSC_CHEST_WALL_UNKNOWN)
    return FALSE;
  return left_column ? side == MSC_CHEST_WALL_LEFT : side == MSC_CHEST_WALL_RIGHT;
}

const char *
msc_protocol_to_string (MscProtocol protocol)
{
  static const char *names[] = {
    N_("4-up"), N_("2-up CC"), N_("2-up MLO"), N_("1-up"), N_("Prior / current"),
  };
  g_return_val_if_fail ((guint) protocol < G_N_ELEMENTS (names), "");
  return _(names[protocol]);
}

/* ---- tiles ---- */

static gboolean
slot_is_right (MscSlot slot)
{
  return slot == MSC_SLOT_R_CC || slot == MSC_SLOT_R_MLO;
}

static gboolean
slot_is_cc (MscSlot slot)
{
  return slot == MSC_SLOT_R_CC || slot == MSC_SLOT_L_CC;
}

static Tile *
tile_for (MscStudyGrid *self, gboolean prior, MscSlot slot)
{
  return &self->tiles[(prior ? MSC_N_SLOTS : 0) + slot];
}

static void
on_tile_pressed (GtkGestureClick *gesture, int n_press, double x, double y, gpointer data)
{
  GtkWidget *stack = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  MscStudyGrid *self = MSC_STUDY_GRID (data);
  Tile *tile = g_object_get_data (G_OBJECT (stack), "msc-tile");
  /* Only the current study's views are "active": the prior follows them. */
  msc_study_grid_set_active_slot (self, tile->slot);
}

static void
on_view_cursor_moved (MscImageView *view, double x, double y, gboolean inside, gpointer data)
{
  g_signal_emit (data, signals[SIG_CURSOR_MOVED], 0, view, x, y, inside);
}

static void
tile_init (MscStudyGrid *self, Tile *tile, gboolean prior, MscSlot slot)
{
  tile->prior = prior;
  tile->slot = slot;
  tile->stack = gtk_stack_new ();
  g_object_ref_sink (tile->stack);
  gtk_widget_set_hexpand (tile->stack, TRUE);
  gtk_widget_set_vexpand (tile->stack, TRUE);
  gtk_widget_add_css_class (tile->stack, "msc-tile");
  g_object_set_data (G_OBJECT (tile->stack), "msc-tile", tile);

  tile->view = MSC_IMAGE_VIEW (msc_image_view_new ());
  gtk_stack_add_named (GTK_STACK (tile->stack), GTK_WIDGET (tile->view), "view");
  tile->empty_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (tile->empty_label, "dim-label");
  gtk_stack_add_named (GTK_STACK (tile->stack), tile->empty_label, "empty");
  gtk_stack_set_visible_child_name (GTK_STACK (tile->stack), "empty");

  tile->overlay = msc_overlay_new ();
  msc_image_view_set_overlay (tile->view, tile->overlay);
  g_signal_connect (tile->view, "cursor-moved", G_CALLBACK (on_view_cursor_moved), self);

  GtkGesture *click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), 0);
  /* Capture phase and never claimed: the view still gets its pan/ruler drag. */
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
  g_signal_connect (click, "pressed", G_CALLBACK (on_tile_pressed), self);
  gtk_widget_add_controller (tile->stack, GTK_EVENT_CONTROLLER (click));
}

/* Guesses from a file name which slot a file that failed to load was
 * meant for ("R_CC.dcm", "l-mlo", "RCC"...), or NONE. */
static MscSlot
slot_from_name (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *up = g_ascii_strup (base, -1);
  gboolean mlo = strstr (up, "MLO") != NULL;
  gboolean cc = !mlo && strstr (up, "CC") != NULL;
  const char *view = mlo ? strstr (up, "MLO") : cc ? strstr (up, "CC") : NULL;
  if (view == NULL || view == up)
    return MSC_SLOT_NONE;
  /* The letter before the view, skipping one separator. */
  char c = view[-1];
  if ((c == '_' || c == '-' || c == ' ') && view - 1 > up)
    c = view[-2];
  if (c == 'R')
    return mlo ? MSC_SLOT_R_MLO : MSC_SLOT_R_CC;
  if (c == 'L')
    return mlo ? MSC_SLOT_L_MLO : MSC_SLOT_L_CC;
  return MSC_SLOT_NONE;
}

static void
tile_set_image (Tile *tile, MscImage *image)
{
  const char *slot_name = msc_slot_to_string (tile->slot);
  g_autofree char *label = tile->prior ? g_strdup_printf (_("%s prior"), slot_name) : g_strdup (slot_name);
  msc_image_view_set_image (tile->view, image);
  msc_image_view_set_label (tile->view, label);
  msc_overlay_set_analysis (tile->overlay, NULL);
  if (image != NULL)
    {
      gboolean mirror = msc_chest_wall_needs_mirror (msc_chest_wall_side (image), slot_is_right (tile->slot));
      g_object_set (tile->view, "mirror", mirror, NULL);
      gtk_stack_set_visible_child_name (GTK_STACK (tile->stack), "view");
    }
  else
    {
      g_autofree char *text = tile->prior ? g_strdup_printf (_("No prior %s image"), slot_name)
                                          : g_strdup_printf (_("No %s image"), slot_name);
      gtk_label_set_text (GTK_LABEL (tile->empty_label), text);
      gtk_stack_set_visible_child_name (GTK_STACK (tile->stack), "empty");
    }
}

static void
tile_set_error (Tile *tile, const char *problem)
{
  msc_image_view_set_image (tile->view, NULL);
  msc_image_view_set_error (tile->view, problem);
  msc_image_view_set_label (tile->view, msc_slot_to_string (tile->slot));
  gtk_stack_set_visible_child_name (GTK_STACK (tile->stack), "view");
}

/* ---- paired views ---- */

/* Zoom and centre are only handed on when the source left fit mode: a
 * view fitting its own image would otherwise push its fit zoom onto a
 * partner of another size, and the view leaves fit mode when its centre is
 * set. "fit" itself is bound too, so fit follows fit. */
static gboolean
source_is_fit (GBinding *binding)
{
  g_autoptr (GObject) source = g_binding_dup_source (binding);
  gboolean fit = FALSE;
  if (source != NULL)
    g_object_get (source, "fit", &fit, NULL);
  return fit;
}

static gboolean
copy_unless_fit (GBinding *binding, const GValue *from, GValue *to, gpointer data)
{
  if (source_is_fit (binding))
    return FALSE;
  g_value_copy (from, to);
  return TRUE;
}

static gboolean
flip_unless_fit (GBinding *binding, const GValue *from, GValue *to, gpointer data)
{
  if (source_is_fit (binding))
    return FALSE;
  g_value_set_double (to, 1.0 - g_value_get_double (from));
  return TRUE;
}

static void
bind_pair (MscStudyGrid *self, MscImageView *a, MscImageView *b, gboolean facing)
{
  const GBindingFlags flags = G_BINDING_BIDIRECTIONAL;
  /* Views facing each other (R and L) are mirror images on screen, so the
   * same anatomy sits at 1 - x on the partner; current and prior of one
   * slot are shown alike. */
  GBindingTransformFunc x_transform = facing ? flip_unless_fit : copy_unless_fit;
  g_ptr_array_add (self->bindings, g_object_ref (g_object_bind_property (a, "fit", b, "fit", flags)));
  g_ptr_array_add (self->bindings, g_object_ref (g_object_bind_property_full (a, "zoom", b, "zoom", flags,
                                                                              copy_unless_fit, copy_unless_fit,
                                                                              NULL, NULL)));
  g_ptr_array_add (self->bindings, g_object_ref (g_object_bind_property_full (a, "center-y", b, "center-y", flags,
                                                                              copy_unless_fit, copy_unless_fit,
                                                                              NULL, NULL)));
  g_ptr_array_add (self->bindings, g_object_ref (g_object_bind_property_full (a, "center-x", b, "center-x", flags,
                                                                              x_transform, x_transform,
                                                                              NULL, NULL)));
}

static void
unbind_all (MscStudyGrid *self)
{
  for (guint i = 0; i < self->bindings->len; i++)
    g_binding_unbind (self->bindings->pdata[i]);
  g_ptr_array_set_size (self->bindings, 0);
}

/* A tree, never a cycle (GBinding only guards one binding against
 * re-entry): prior R - R - L - prior L, for CC and MLO each. */
static void
bind_all (MscStudyGrid *self)
{
  static const MscSlot pairs[][2] = { { MSC_SLOT_R_CC, MSC_SLOT_L_CC }, { MSC_SLOT_R_MLO, MSC_SLOT_L_MLO } };
  unbind_all (self);
  for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      bind_pair (self, tile_for (self, FALSE, pairs[i][0])->view, tile_for (self, FALSE, pairs[i][1])->view, TRUE);
      for (guint k = 0; k < 2; k++)
        bind_pair (self, tile_for (self, FALSE, pairs[i][k])->view, tile_for (self, TRUE, pairs[i][k])->view, FALSE);
    }
}

/* ---- layout ---- */

static void
attach (MscStudyGrid *self, gboolean prior, MscSlot slot, int column, int row)
{
  gtk_grid_attach (GTK_GRID (self->grid), tile_for (self, prior, slot)->stack, column, row, 1, 1);
}

static void
relayout (MscStudyGrid *self)
{
  for (guint i = 0; i < N_TILES; i++)
    if (gtk_widget_get_parent (self->tiles[i].stack) != NULL)
      gtk_grid_remove (GTK_GRID (self->grid), self->tiles[i].stack);

  /* Right breast always in the left column (radiological convention). */
  gboolean cc = slot_is_cc (self->active);
  MscSlot right = cc ? MSC_SLOT_R_CC : MSC_SLOT_R_MLO, left = cc ? MSC_SLOT_L_CC : MSC_SLOT_L_MLO;
  switch (self->protocol)
    {
    case MSC_PROTOCOL_4UP:
      attach (self, FALSE, MSC_SLOT_R_CC, 0, 0);
      attach (self, FALSE, MSC_SLOT_L_CC, 1, 0);
      attach (self, FALSE, MSC_SLOT_R_MLO, 0, 1);
      attach (self, FALSE, MSC_SLOT_L_MLO, 1, 1);
      break;
    case MSC_PROTOCOL_2UP_CC:
      attach (self, FALSE, MSC_SLOT_R_CC, 0, 0);
      attach (self, FALSE, MSC_SLOT_L_CC, 1, 0);
      break;
    case MSC_PROTOCOL_2UP_MLO:
      attach (self, FALSE, MSC_SLOT_R_MLO, 0, 0);
      attach (self, FALSE, MSC_SLOT_L_MLO, 1, 0);
      break;
    case MSC_PROTOCOL_1UP:
      attach (self, FALSE, self->active, 0, 0);
      break;
    case MSC_PROTOCOL_PRIOR_CURRENT:
      /* Current pair above the prior's: each breast keeps its column and
       * its mirroring, so a change is read straight down, and the images
       * stay twice as wide as in a four-across row. */
      attach (self, FALSE, right, 0, 0);
      attach (self, FALSE, left, 1, 0);
      attach (self, TRUE, right, 0, 1);
      attach (self, TRUE, left, 1, 1);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
update_active_style (MscStudyGrid *self)
{
  for (guint i = 0; i < N_TILES; i++)
    {
      Tile *tile = &self->tiles[i];
      if (!tile->prior && tile->slot == self->active)
        gtk_widget_add_css_class (tile->stack, "msc-active");
      else
        gtk_widget_remove_css_class (tile->stack, "msc-active");
    }
}

/* ---- public ---- */

GtkWidget *
msc_study_grid_new (void)
{
  return g_object_new (MSC_TYPE_STUDY_GRID, NULL);
}

static void
hang_study (MscStudyGrid *self, MscStudy *study, gboolean prior)
{
  for (MscSlot slot = 0; slot < MSC_N_SLOTS; slot++)
    tile_set_image (tile_for (self, prior, slot), study ? msc_study_get_slot (study, slot) : NULL);
}

void
msc_study_grid_set_studies (MscStudyGrid *self, MscStudy *current, MscStudy *prior, GPtrArray *problems)
{
  g_return_if_fail (MSC_IS_STUDY_GRID (self));
  if (current)
    msc_study_ref (current);
  if (prior)
    msc_study_ref (prior);
  g_clear_pointer (&self->current, msc_study_unref);
  g_clear_pointer (&self->prior, msc_study_unref);
  self->current = current;
  self->prior = prior;

  unbind_all (self);
  hang_study (self, current, FALSE);
  hang_study (self, prior, TRUE);

  /* A broken file takes the empty slot its name points at, else the first
   * empty slot; with no empty slot left it is only in the window's bar. */
  for (guint i = 0; problems != NULL && i < problems->len; i++)
    {
      const char *problem = problems->pdata[i];
      g_autofree char *path = g_strdup (problem);
      char *colon = strstr (path, ": ");
      if (colon)
        *colon = '\0';
      MscSlot slot = slot_from_name (path);
      if (slot == MSC_SLOT_NONE || (current && msc_study_get_slot (current, slot) != NULL)
          || msc_image_view_get_image (tile_for (self, FALSE, slot)->view) != NULL)
        {
          slot = MSC_SLOT_NONE;
          for (MscSlot s = 0; s < MSC_N_SLOTS && slot == MSC_SLOT_NONE; s++)
            if (g_strcmp0 (gtk_stack_get_visible_child_name (GTK_STACK (tile_for (self, FALSE, s)->stack)), "empty") == 0)
              slot = s;
        }
      if (slot != MSC_SLOT_NONE)
        tile_set_error (tile_for (self, FALSE, slot), problem);
    }
  bind_all (self);

  /* Start on the first slot that has an image. */
  MscSlot first = MSC_SLOT_R_CC;
  for (MscSlot s = MSC_N_SLOTS - 1; current && (int) s >= 0; s--)
    if (msc_study_get_slot (current, s) != NULL)
      first = s;
  msc_study_grid_set_active_slot (self, first);
  g_signal_emit (self, signals[SIG_ACTIVE_VIEW_CHANGED], 0);
}

MscStudy *
msc_study_grid_get_current (MscStudyGrid *self)
{
  g_return_val_if_fail (MSC_IS_STUDY_GRID (self), NULL);
  return self->current;
}

MscStudy *
msc_study_grid_get_prior (MscStudyGrid *self)
{
  g_return_val_if_fail (MSC_IS_STUDY_GRID (self), NULL);
  return self->prior;
}

void
msc_study_grid_set_protocol (MscStudyGrid *self, MscProtocol protocol)
{
  g_return_if_fail (MSC_IS_STUDY_GRID (self));
  g_return_if_fail ((guint) protocol < MSC_N_PROTOCOLS);
  if (self->protocol == protocol)
    return;
  self->protocol = protocol;
  /* 2-up protocols make their pair's view active when it was not. */
  if (protocol == MSC_PROTOCOL_2UP_CC && !slot_is_cc (self->active))
    self->active = slot_is_right (self->active) ? MSC_SLOT_R_CC : MSC_SLOT_L_CC;
  else if (protocol == MSC_PROTOCOL_2UP_MLO && slot_is_cc (self->active))
    self->active = slot_is_right (self->active) ? MSC_SLOT_R_MLO : MSC_SLOT_L_MLO;
  relayout (self);
  update_active_style (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PROTOCOL]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ACTIVE_SLOT]);
  g_signal_emit (self, signals[SIG_ACTIVE_VIEW_CHANGED], 0);
}

MscProtocol
msc_study_grid_get_protocol (MscStudyGrid *self)
{
  g_return_val_if_fail (MSC_IS_STUDY_GRID (self), MSC_PROTOCOL_4UP);
  return self->protocol;
}

MscImageView *
msc_study_grid_get_view (MscStudyGrid *self, MscSlot slot)
{
  g_return_val_if_fail (MSC_IS_STUDY_GRID (self), NULL);
  g_return_val_if_fail ((guint) slot < MSC_N_SLOTS, NULL);
  return tile_for (self, FALSE, slot)->view;
}

MscImageView *
msc_study_grid_get_prior_view (MscStudyGrid *self, MscSlot slot)
{
  g_return_val_if_fail (MSC_IS_STUDY_GRID (self), NULL);
  g_return_val_if_fail ((guint) slot < MSC_N_SLOTS, NULL);
  return tile_for (self, TRUE, slot)->view;
}

MscOverlay *
msc_study_grid_get_overlay (MscStudyGrid *self, MscSlot slot)
{
  g_return_val_if_fail (MSC_IS_STUDY_GRID (self), NULL);
  g_return_val_if_fail ((guint) slot < MSC_N_SLOTS, NULL);
  return tile_for (self, FALSE, slot)->overlay;
}

MscImageView *
msc_study_grid_get_active_view (MscStudyGrid *self)
{
  g_return_val_if_fail (MSC_IS_STUDY_GRID (self), NULL);
  return tile_for (self, FALSE, self->active)->view;
}

MscSlot
msc_study_grid_get_active_slot (MscStudyGrid *self)
{
  g_return_val_if_fail (MSC_IS_STUDY_GRID (self), MSC_SLOT_R_CC);
  return self->active;
}

void
msc_study_grid_set_active_slot (MscStudyGrid *self, MscSlot slot)
{
  g_return_if_fail (MSC_IS_STUDY_GRID (self));
  g_return_if_fail ((guint) slot < MSC_N_SLOTS);
  if (self->active == slot)
    return;
  self->active = slot;
  /* In 1-up and prior/current the active slot decides what is shown. */
  if (self->protocol == MSC_PROTOCOL_1UP || self->protocol == MSC_PROTOCOL_PRIOR_CURRENT)
    relayout (self);
  update_active_style (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ACTIVE_SLOT]);
  g_signal_emit (self, signals[SIG_ACTIVE_VIEW_CHANGED], 0);
}

void
msc_study_grid_cycle_active (MscStudyGrid *self, int delta)
{
  g_return_if_fail (MSC_IS_STUDY_GRID (self));
  int n = MSC_N_SLOTS;
  msc_study_grid_set_active_slot (self, (MscSlot) ((((int) self->active + delta) % n + n) % n));
}

GPtrArray *
msc_study_grid_dup_views (MscStudyGrid *self)
{
  g_return_val_if_fail (MSC_IS_STUDY_GRID (self), NULL);
  GPtrArray *views = g_ptr_array_new ();
  for (guint i = 0; i < N_TILES; i++)
    g_ptr_array_add (views, self->tiles[i].view);
  return views;
}

/* ---- GObject ---- */

static void
msc_study_grid_dispose (GObject *object)
{
  MscStudyGrid *self = MSC_STUDY_GRID (object);
  if (self->bindings)
    unbind_all (self);
  g_clear_pointer (&self->bindings, g_ptr_array_unref);
  for (guint i = 0; i < N_TILES; i++)
    {
      if (self->tiles[i].view)
        g_signal_handlers_disconnect_by_data (self->tiles[i].view, self);
      self->tiles[i].view = NULL;
      g_clear_object (&self->tiles[i].stack);
      g_clear_object (&self->tiles[i].overlay);
    }
  g_clear_pointer (&self->grid, gtk_widget_unparent);
  g_clear_pointer (&self->current, msc_study_unref);
  g_clear_pointer (&self->prior, msc_study_unref);
  G_OBJECT_CLASS (msc_study_grid_parent_class)->dispose (object);
}

static void
msc_study_grid_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  MscStudyGrid *self = MSC_STUDY_GRID (object);
  switch (id)
    {
    case PROP_PROTOCOL: g_value_set_int (value, self->protocol); break;
    case PROP_ACTIVE_SLOT: g_value_set_int (value, self->active); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
msc_study_grid_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  MscStudyGrid *self = MSC_STUDY_GRID (object);
  switch (id)
    {
    case PROP_PROTOCOL: msc_study_grid_set_protocol (self, g_value_get_int (value)); break;
    case PROP_ACTIVE_SLOT: msc_study_grid_set_active_slot (self, g_value_get_int (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
msc_study_grid_class_init (MscStudyGridClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = msc_study_grid_dispose;
  object_class->get_property = msc_study_grid_get_property;
  object_class->set_property = msc_study_grid_set_property;

  props[PROP_PROTOCOL] = g_param_spec_int ("protocol", NULL, NULL, 0, MSC_N_PROTOCOLS - 1, MSC_PROTOCOL_4UP,
                                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_ACTIVE_SLOT] = g_param_spec_int ("active-slot", NULL, NULL, 0, MSC_N_SLOTS - 1, MSC_SLOT_R_CC,
                                              G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[SIG_ACTIVE_VIEW_CHANGED] = g_signal_new ("active-view-changed", G_TYPE_FROM_CLASS (klass),
                                                   G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIG_CURSOR_MOVED] = g_signal_new ("cursor-moved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                            NULL, NULL, NULL, G_TYPE_NONE, 4, MSC_TYPE_IMAGE_VIEW,
                                            G_TYPE_DOUBLE, G_TYPE_DOUBLE, G_TYPE_BOOLEAN);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "mscstudygrid");
}

static void
msc_study_grid_init (MscStudyGrid *self)
{
  self->bindings = g_ptr_array_new_with_free_func (g_object_unref);
  self->grid = gtk_grid_new ();
  gtk_grid_set_row_homogeneous (GTK_GRID (self->grid), TRUE);
  gtk_grid_set_column_homogeneous (GTK_GRID (self->grid), TRUE);
  gtk_grid_set_row_spacing (GTK_GRID (self->grid), 2);
  gtk_grid_set_column_spacing (GTK_GRID (self->grid), 2);
  gtk_widget_set_parent (self->grid, GTK_WIDGET (self));
  for (guint i = 0; i < N_TILES; i++)
    tile_init (self, &self->tiles[i], i >= MSC_N_SLOTS, (MscSlot) (i % MSC_N_SLOTS));
  hang_study (self, NULL, FALSE);
  hang_study (self, NULL, TRUE);
  bind_all (self);
  relayout (self);
  update_active_style (self);
}
