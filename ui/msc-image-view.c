/* ui/msc-image-view.c — the mammogram view widget (see msc-image-view.h).
 *
 * Rendering is the hot path: stored values go through a 2^bits lookup
 * table into an 8-bit texture built only when the window, the inversion or
 * the image changes, and GTK scales that texture on the GPU every frame.
 * A mean pyramid keeps a fit view of a 3328 x 4096 image from mapping all
 * 13.6 M pixels on each window/level step (msc-image-view-pyramid.c).
 */
#include "msc-image-view.h"
#include "msc-image-view-private.h"

#include <glib/gi18n.h>
#include <math.h>

#include "msc-display.h"

/* The overlay module implements this; declared here so the view builds on
 * the contract alone (ui/msc-overlay.h declares the same function). */
void msc_overlay_snapshot (MscOverlay *self, GtkSnapshot *snapshot, const MscViewTransform *t);

#define ZOOM_MAX 32.0           /* widget points per image pixel */
#define WHEEL_STEP 1.15         /* zoom factor per wheel notch */
#define LOUPE_RADIUS 90.0       /* widget points */
#define LOUPE_FACTOR 3.0

struct _MscImageView
{
  GtkWidget parent_instance;

  MscImage *image;
  MscViewPyramid *pyramid;
  GdkTexture *textures[MSC_VIEW_PYRAMID_MAX_LEVELS];   /* per level, NULL until needed */
  guint8 *lut;                  /* 2^bits_stored grey values; NULL when stale */
  char *error;
  char *label;
  MscOverlay *overlay;

  MscWindow window;             /* explanation always NULL here */
  gboolean invert, mirror;
  gboolean voi_lut;          /* showing the image's VOI LUT, not self->window */
  double zoom;                  /* widget points per image pixel */
  gboolean fit;
  double center_x, center_y;    /* displayed image fraction at the widget centre */
  MscViewTool tool;

  /* Gesture state */
  double drag_center_x, drag_center_y;
  double drag_window_center, drag_window_width;
  double pinch_zoom;
  gboolean pointer_inside;
  double pointer_x, pointer_y;  /* widget points */
  gboolean ruler_visible;
  double ruler[4];              /* image x0, y0, x1, y1 */
};

G_DEFINE_TYPE (MscImageView, msc_image_view, GTK_TYPE_WIDGET)

G_DEFINE_ENUM_TYPE (MscViewTool, msc_view_tool,
                    G_DEFINE_ENUM_VALUE (MSC_VIEW_TOOL_PAN, "pan"),
                    G_DEFINE_ENUM_VALUE (MSC_VIEW_TOOL_RULER, "ruler"),
                    G_DEFINE_ENUM_VALUE (MSC_VIEW_TOOL_LOUPE, "loupe"))

enum {
  PROP_0,
  PROP_IMAGE,
  PROP_WINDOW_CENTER,
  PROP_WINDOW_WIDTH,
  PROP_INVERT,
  PROP_MIRROR,
  PROP_ZOOM,
  PROP_FIT,
  PROP_CENTER_X,
  PROP_CENTER_Y,
  PROP_TOOL,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

enum { CURSOR_MOVED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- textures ---------------------------------------------------------- */

/* Window, inversion or image changed: every cached texture is stale. */
static void
invalidate_textures (MscImageView *self)
{
  for (guint i = 0; i < MSC_VIEW_PYRAMID_MAX_LEVELS; i++)
    g_clear_object (&self->textures[i]);
  g_clear_pointer (&self->lut, g_free);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* The engine's display table (the window, or the image's VOI LUT while
 * voi_lut is set; MONOCHROME1 inverted so it reads like MONOCHROME2, after
 * the VOI stage as PS3.3 C.7.6.3.1.2 orders it); "invert" flips it again. */
static void
ensure_lut (MscImageView *self)
{
  if (self->lut)
    return;
  gsize n = (gsize) 1 << msc_image_get_bits_stored (self->image);
  self->lut = g_malloc (n);
  msc_display_fill_lut (self->image, self->voi_lut ? NULL : &self->window, self->lut, n);
  if (self->invert)
    for (gsize v = 0; v < n; v++)
      self->lut[v] = 255 - self->lut[v];
}

const guint8 *
msc_image_view_peek_lut (MscImageView *self, gsize *n)
{
  g_return_val_if_fail (MSC_IS_IMAGE_VIEW (self), NULL);
  if (self->image == NULL)
    return NULL;
  ensure_lut (self);
  *n = (gsize) 1 << msc_image_get_bits_stored (self->image);
  return self->lut;
}

/* An image with a VOI LUT and no window presets is first shown through
 * its LUT, as msc_display_render shows it; any window change leaves it. */
static gboolean
shows_voi_lut (const MscImage *image)
{
  const MscVoiLut *voi = msc_image_get_voi_lut (image);
  return msc_image_get_n_windows (image) == 0 && voi && voi->n_entries > 0 && voi->data;
}

static GdkTexture *
get_texture (MscImageView *self, guint level)
{
  level = MIN (level, msc_view_pyramid_get_n_levels (self->pyramid) - 1);
  if (self->textures[level] == NULL)
    {
      ensure_lut (self);
      self->textures[level] = msc_view_pyramid_map (self->pyramid, level, self->lut,
                                                    (gsize) 1 << msc_image_get_bits_stored (self->image));
    }
  return self->textures[level];
}

/* The coarsest level that still has one stored pixel per device pixel at
 * this many widget points per image pixel. */
static guint
level_for_scale (MscImageView *self, double scale)
{
  double device = scale * gtk_widget_get_scale_factor (GTK_WIDGET (self));
  guint level = 0;
  while (level + 1 < msc_view_pyramid_get_n_levels (self->pyramid)
         && device * (double) (1u << (level + 1)) <= 1.0)
    level++;
  return level;
}

/* ---- geometry ---------------------------------------------------------- */

static double
fit_zoom (MscImageView *self)
{
  double w = gtk_widget_get_width (GTK_WIDGET (self));
  double h = gtk_widget_get_height (GTK_WIDGET (self));
  if (!self->image || w <= 0 || h <= 0)
    return 1.0;
  return MIN (w / msc_image_get_width (self->image), h / msc_image_get_height (self->image));
}

static double
current_zoom (MscImageView *self)
{
  return self->fit ? fit_zoom (self) : self->zoom;
}

void
msc_image_view_get_transform (MscImageView *self, MscViewTransform *out)
{
  g_return_if_fail (MSC_IS_IMAGE_VIEW (self) && out);
  memset (out, 0, sizeof *out);
  if (!self->image)
    return;
  double zoom = current_zoom (self);
  double cx = self->fit ? 0.5 : self->center_x;
  double cy = self->fit ? 0.5 : self->center_y;
  out->image_width = msc_image_get_width (self->image);
  out->image_height = msc_image_get_height (self->image);
  out->scale = zoom;
  out->mirror = self->mirror;
  out->widget_width = gtk_widget_get_width (GTK_WIDGET (self));
  out->widget_height = gtk_widget_get_height (GTK_WIDGET (self));
  out->origin_x = out->widget_width / 2 - cx * out->image_width * zoom;
  out->origin_y = out->widget_height / 2 - cy * out->image_height * zoom;
}

static void
set_center (MscImageView *self, double cx, double cy)
{
  if (cx != self->center_x)
    {
      self->center_x = cx;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CENTER_X]);
    }
  if (cy != self->center_y)
    {
      self->center_y = cy;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CENTER_Y]);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
set_fit (MscImageView *self, gboolean fit)
{
  if (fit == self->fit)
    return;
  self->fit = fit;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FIT]);
}

/* Leaves fit mode; zoom is clamped to [fit / 8, ZOOM_MAX]. */
static void
set_zoom (MscImageView *self, double zoom)
{
  if (self->fit)
    {
      /* Freeze the fitted placement first so leaving fit does not jump. */
      self->zoom = fit_zoom (self);
      set_center (self, 0.5, 0.5);
      set_fit (self, FALSE);
    }
  zoom = CLAMP (zoom, MIN (fit_zoom (self) / 8, 0.01), ZOOM_MAX);
  if (zoom != self->zoom)
    {
      self->zoom = zoom;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ZOOM]);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
msc_image_view_zoom_about (MscImageView *self, double factor, double x, double y)
{
  MscViewTransform t;
  double ix, iy;
  if (!self->image)
    return;
  msc_image_view_get_transform (self, &t);
  msc_view_transform_to_image (&t, x, y, &ix, &iy);
  set_zoom (self, t.scale * factor);
  double zoom = self->zoom;
  double dx = self->mirror ? t.image_width - ix : ix;   /* displayed x */
  double origin_x = x - dx * zoom, origin_y = y - iy * zoom;
  set_center (self, (t.widget_width / 2 - origin_x) / (t.image_width * zoom),
              (t.widget_height / 2 - origin_y) / (t.image_height * zoom));
}

/* ---- drawing ----------------------------------------------------------- */

static void
append_image (MscImageView *self, GtkSnapshot *snapshot, const MscViewTransform *t)
{
  GdkTexture *texture = get_texture (self, level_for_scale (self, t->scale));
  float w = (float) (t->image_width * t->scale), h = (float) (t->image_height * t->scale);
  gtk_snapshot_save (snapshot);
  /* Mirroring is a negative x scale about the displayed image's right
   * edge, so the GPU flips it and the texture stays as stored. */
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((float) t->origin_x + (t->mirror ? w : 0),
                                                          (float) t->origin_y));
  if (t->mirror)
    gtk_snapshot_scale (snapshot, -1, 1);
  gtk_snapshot_append_texture (snapshot, texture, &GRAPHENE_RECT_INIT (0, 0, w, h));
  gtk_snapshot_restore (snapshot);
}

/* A line of small white text on a translucent dark box; returns its size. */
static void
append_text_box (MscImageView *self, GtkSnapshot *snapshot, const char *text,
                 double x, double y, double max_width, const GdkRGBA *box,
                 double *out_w, double *out_h)
{
  static const GdkRGBA white = { 1, 1, 1, 1 };
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  int lw, lh;
  if (max_width > 0)
    {
      pango_layout_set_width (layout, (int) (max_width * PANGO_SCALE));
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
    }
  pango_layout_get_pixel_size (layout, &lw, &lh);
  gtk_snapshot_append_color (snapshot, box, &GRAPHENE_RECT_INIT ((float) x, (float) y, lw + 8, lh + 4));
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((float) x + 4, (float) y + 2));
  gtk_snapshot_append_layout (snapshot, layout, &white);
  gtk_snapshot_restore (snapshot);
  if (out_w)
    *out_w = lw + 8;
  if (out_h)
    *out_h = lh + 4;
}

static void
append_error (MscImageView *self, GtkSnapshot *snapshot, double w, double h)
{
  static const GdkRGBA tile = { 0.16, 0.07, 0.07, 1 };
  static const GdkRGBA box = { 0.45, 0.08, 0.08, 0.9 };
  gtk_snapshot_append_color (snapshot, &tile, &GRAPHENE_RECT_INIT (8, 8, MAX (w - 16, 0), MAX (h - 16, 0)));
  g_autofree char *text = g_strdup_printf (_("Cannot show this image:\n%s"), self->error);
  append_text_box (self, snapshot, text, 16, 16, MAX (w - 40, 40), &box, NULL, NULL);
}

static char *
dup_cursor_text (MscImageView *self)
{
  MscViewTransform t;
  double ix, iy;
  msc_image_view_get_transform (self, &t);
  if (!self->pointer_inside || !msc_view_transform_contains (&t, self->pointer_x, self->pointer_y))
    return NULL;
  msc_view_transform_to_image (&t, self->pointer_x, self->pointer_y, &ix, &iy);
  return msc_image_view_dup_readout (self, ix, iy);
}

char *
msc_image_view_dup_readout (MscImageView *self, double ix, double iy)
{
  g_return_val_if_fail (MSC_IS_IMAGE_VIEW (self), NULL);
  if (self->image == NULL || !(ix >= 0) || !(iy >= 0))
    return NULL;
  guint w = msc_image_get_width (self->image), h = msc_image_get_height (self->image);
  if (ix >= w || iy >= h)
    return NULL;
  guint x = (guint) floor (ix), y = (guint) floor (iy);
  double value = msc_image_get_pixels (self->image)[(gsize) y * w + x]
                 + msc_image_get_value_offset (self->image);
  double row_mm, col_mm;
  if (msc_image_get_spacing_mm (self->image, &row_mm, &col_mm))
    return g_strdup_printf (_("x %u  y %u  value %g  (%.1f mm, %.1f mm)"), x, y, value,
                            ix * col_mm, iy * row_mm);
  return g_strdup_printf (_("x %u  y %u  value %g"), x, y, value);
}

static void
append_annotations (MscImageView *self, GtkSnapshot *snapshot, double w, double h)
{
  static const GdkRGBA box = { 0, 0, 0, 0.6 };
  static const GdkRGBA banner = { 0.55, 0.30, 0.0, 0.9 };
  const char *intent = msc_image_get_presentation_intent (self->image);
  double top = 4, bw, bh;
  GString *warn = g_string_new (NULL);

  if (msc_image_get_laterality_inferred (self->image))
    g_string_append (warn, _("Laterality inferred from the image"));
  if (intent && g_ascii_strcasecmp (intent, "FOR PROCESSING") == 0)
    g_string_append_printf (warn, "%s%s", warn->len ? " · " : "", _("FOR PROCESSING — not for diagnosis"));
  if (msc_image_get_view (self->image) == NULL)
    g_string_append_printf (warn, "%s%s", warn->len ? " · " : "", _("View not given by the file"));
  /* Hanging mirrors a view only when its tissue lies on the side opposite
   * its laterality's usual one: the reader must know the picture is
   * flipped (and may want to check the file's laterality). */
  if (self->mirror)
    g_string_append_printf (warn, "%s%s", warn->len ? " · " : "", _("Shown mirrored left–right"));
  if (warn->len)
    {
      append_text_box (self, snapshot, warn->str, 0, 0, w - 8, &banner, NULL, &bh);
      top = bh + 4;
    }
  g_string_free (warn, TRUE);
  if (self->label)
    append_text_box (self, snapshot, self->label, 4, top, 0, &box, NULL, NULL);

  g_autofree char *cursor = dup_cursor_text (self);
  g_autofree char *wl = self->voi_lut ? g_strdup (_("VOI LUT"))
                       : g_strdup_printf (_("W %.0f  C %.0f"), self->window.width, self->window.center);
  g_autofree char *status = g_strdup_printf (_("%s  ·  %.0f%%%s"), wl, current_zoom (self) * 100,
                                             self->invert ? _("  ·  inverted") : "");
  g_autofree char *text = cursor ? g_strdup_printf ("%s\n%s", cursor, status) : g_strdup (status);
  g_autoptr (PangoLayout) probe = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  int pw, ph;
  pango_layout_get_pixel_size (probe, &pw, &ph);
  append_text_box (self, snapshot, text, 4, h - ph - 8, 0, &box, &bw, NULL);
}

/* The loupe: the image at LOUPE_FACTOR times the zoom in a circle around
 * the pointer, from the pyramid level that suits that zoom. */
static void
append_loupe (MscImageView *self, GtkSnapshot *snapshot, const MscViewTransform *t)
{
  static const GdkRGBA black = { 0, 0, 0, 1 };
  MscViewTransform lt = *t;
  double px = self->pointer_x, py = self->pointer_y;
  lt.scale = t->scale * LOUPE_FACTOR;
  lt.origin_x = px - (px - t->origin_x) * LOUPE_FACTOR;
  lt.origin_y = py - (py - t->origin_y) * LOUPE_FACTOR;
  GskRoundedRect circle;
  graphene_rect_t bounds = GRAPHENE_RECT_INIT ((float) (px - LOUPE_RADIUS), (float) (py - LOUPE_RADIUS),
                                               2 * LOUPE_RADIUS, 2 * LOUPE_RADIUS);
  gsk_rounded_rect_init_from_rect (&circle, &bounds, LOUPE_RADIUS);
  gtk_snapshot_push_rounded_clip (snapshot, &circle);
  gtk_snapshot_append_color (snapshot, &black, &bounds);
  append_image (self, snapshot, &lt);
  gtk_snapshot_pop (snapshot);
  const GdkRGBA ring[4] = { { 1, 0.8, 0.2, 1 }, { 1, 0.8, 0.2, 1 }, { 1, 0.8, 0.2, 1 }, { 1, 0.8, 0.2, 1 } };
  const float widths[4] = { 2, 2, 2, 2 };
  gtk_snapshot_append_border (snapshot, &circle, widths, ring);
}

static void
append_ruler (MscImageView *self, GtkSnapshot *snapshot, const MscViewTransform *t)
{
  double x0, y0, x1, y1, row_mm, col_mm;
  msc_view_transform_to_widget (t, self->ruler[0], self->ruler[1], &x0, &y0);
  msc_view_transform_to_widget (t, self->ruler[2], self->ruler[3], &x1, &y1);
  double dx = self->ruler[2] - self->ruler[0], dy = self->ruler[3] - self->ruler[1];
  g_autofree char *text = NULL;
  if (msc_image_get_spacing_mm (self->image, &row_mm, &col_mm))
    text = g_strdup_printf (_("%.1f mm"), hypot (dx * col_mm, dy * row_mm));
  else
    text = g_strdup_printf (_("%.1f px"), hypot (dx, dy));

  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, (float) t->widget_width,
                                                                         (float) t->widget_height));
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.7);
  cairo_set_line_width (cr, 4);
  cairo_move_to (cr, x0, y0);
  cairo_line_to (cr, x1, y1);
  cairo_stroke (cr);
  cairo_set_source_rgb (cr, 1, 0.85, 0.1);
  cairo_set_line_width (cr, 2);
  cairo_move_to (cr, x0, y0);
  cairo_line_to (cr, x1, y1);
  cairo_stroke (cr);
  cairo_destroy (cr);
  static const GdkRGBA box = { 0, 0, 0, 0.6 };
  append_text_box (self, snapshot, text, x1 + 8, y1 + 8, 0, &box, NULL, NULL);
}

static void
msc_image_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  MscImageView *self = MSC_IMAGE_VIEW (widget);
  static const GdkRGBA black = { 0, 0, 0, 1 };
  double w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  MscViewTransform t;

  if (w <= 0 || h <= 0)
    return;
  gtk_snapshot_append_color (snapshot, &black, &GRAPHENE_RECT_INIT (0, 0, (float) w, (float) h));
  if (self->error)
    {
      append_error (self, snapshot, w, h);
      return;
    }
  if (!self->image)
    return;
  msc_image_view_get_transform (self, &t);
  append_image (self, snapshot, &t);
  if (self->overlay)
    msc_overlay_snapshot (self->overlay, snapshot, &t);
  if (self->ruler_visible)
    append_ruler (self, snapshot, &t);
  if (self->tool == MSC_VIEW_TOOL_LOUPE && self->pointer_inside)
    append_loupe (self, snapshot, &t);
  append_annotations (self, snapshot, w, h);
}

static void
msc_image_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                        int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  /* The image scales to whatever it gets; ask for a usable thumbnail. */
  *minimum = 64;
  *natural = 256;
}

static void
msc_image_view_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  MscImageView *self = MSC_IMAGE_VIEW (widget);
  if (self->fit && self->image)
    {
      double zoom = fit_zoom (self);
      if (zoom != self->zoom)
        {
          self->zoom = zoom;
          g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ZOOM]);
        }
    }
}

/* ---- input ------------------------------------------------------------- */

static void
pointer_moved (MscImageView *self, double x, double y, gboolean inside)
{
  MscViewTransform t;
  double ix = 0, iy = 0;
  self->pointer_inside = inside;
  self->pointer_x = x;
  self->pointer_y = y;
  if (!self->image)
    return;
  msc_image_view_get_transform (self, &t);
  msc_view_transform_to_image (&t, x, y, &ix, &iy);
  gboolean on_image = inside && msc_view_transform_contains (&t, x, y);
  g_signal_emit (self, signals[CURSOR_MOVED], 0, ix, iy, on_image);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_motion (GtkEventControllerMotion *motion, double x, double y, MscImageView *self)
{
  pointer_moved (self, x, y, TRUE);
}

static void
on_leave (GtkEventControllerMotion *motion, MscImageView *self)
{
  pointer_moved (self, self->pointer_x, self->pointer_y, FALSE);
}

static gboolean
on_scroll (GtkEventControllerScroll *scroll, double dx, double dy, MscImageView *self)
{
  /* Wheel zoom about the pointer; no modifier, as reading stations do. */
  if (!self->image || dy == 0)
    return FALSE;
  msc_image_view_zoom_about (self, pow (WHEEL_STEP, -dy), self->pointer_x, self->pointer_y);
  return TRUE;
}

static void
on_pinch_begin (GtkGesture *gesture, GdkEventSequence *sequence, MscImageView *self)
{
  MscViewTransform t;
  msc_image_view_get_transform (self, &t);
  self->pinch_zoom = t.scale;
}

static void
on_pinch_scale (GtkGestureZoom *gesture, double scale, MscImageView *self)
{
  double x, y;
  if (!self->image || !gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &x, &y))
    return;
  msc_image_view_zoom_about (self, self->pinch_zoom * scale / current_zoom (self), x, y);
}

static void
on_left_begin (GtkGestureDrag *drag, double x, double y, MscImageView *self)
{
  MscViewTransform t;
  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (!self->image)
    return;
  msc_image_view_get_transform (self, &t);
  if (self->tool == MSC_VIEW_TOOL_RULER)
    {
      msc_view_transform_to_image (&t, x, y, &self->ruler[0], &self->ruler[1]);
      self->ruler[2] = self->ruler[0];
      self->ruler[3] = self->ruler[1];
      self->ruler_visible = TRUE;
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return;
    }
  /* Panning starts from the placement on screen, fitted or not. */
  self->drag_center_x = self->fit ? 0.5 : self->center_x;
  self->drag_center_y = self->fit ? 0.5 : self->center_y;
}

static void
on_left_update (GtkGestureDrag *drag, double dx, double dy, MscImageView *self)
{
  MscViewTransform t;
  double x, y;
  if (!self->image)
    return;
  msc_image_view_get_transform (self, &t);
  if (self->tool == MSC_VIEW_TOOL_RULER)
    {
      gtk_gesture_drag_get_start_point (drag, &x, &y);
      msc_view_transform_to_image (&t, x + dx, y + dy, &self->ruler[2], &self->ruler[3]);
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return;
    }
  if (self->fit)
    set_zoom (self, t.scale);
  set_center (self, self->drag_center_x - dx / (t.image_width * t.scale),
              self->drag_center_y - dy / (t.image_height * t.scale));
}

static void
on_right_begin (GtkGestureDrag *drag, double x, double y, MscImageView *self)
{
  self->drag_window_center = self->window.center;
  self->drag_window_width = self->window.width;
}

/* Right-drag: horizontal changes width, vertical the centre; one widget
 * width (height) of travel spans the whole stored range. */
static void
on_right_update (GtkGestureDrag *drag, double dx, double dy, MscImageView *self)
{
  if (!self->image)
    return;
  double range = (double) (1u << msc_image_get_bits_stored (self->image));
  double w = MAX (gtk_widget_get_width (GTK_WIDGET (self)), 1);
  double h = MAX (gtk_widget_get_height (GTK_WIDGET (self)), 1);
  msc_image_view_set_window (self, self->drag_window_center + dy * range / h,
                             MAX (1.0, self->drag_window_width + dx * range / w));
}

static gboolean
on_key (GtkEventControllerKey *key, guint keyval, guint keycode, GdkModifierType state, MscImageView *self)
{
  if (keyval == GDK_KEY_Escape && self->ruler_visible)
    {
      self->ruler_visible = FALSE;
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return TRUE;
    }
  return FALSE;
}

static void
add_controllers (MscImageView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkEventController *motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "enter", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (widget, motion);

  GtkEventController *scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (widget, scroll);

  GtkGesture *pinch = gtk_gesture_zoom_new ();
  g_signal_connect (pinch, "begin", G_CALLBACK (on_pinch_begin), self);
  g_signal_connect (pinch, "scale-changed", G_CALLBACK (on_pinch_scale), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (pinch));

  GtkGesture *left = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (left), GDK_BUTTON_PRIMARY);
  g_signal_connect (left, "drag-begin", G_CALLBACK (on_left_begin), self);
  g_signal_connect (left, "drag-update", G_CALLBACK (on_left_update), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (left));

  GtkGesture *right = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (right), GDK_BUTTON_SECONDARY);
  g_signal_connect (right, "drag-begin", G_CALLBACK (on_right_begin), self);
  g_signal_connect (right, "drag-update", G_CALLBACK (on_right_update), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (right));

  GtkEventController *key = gtk_event_controller_key_new ();
  g_signal_connect (key, "key-pressed", G_CALLBACK (on_key), self);
  gtk_widget_add_controller (widget, key);
}

/* ---- public API -------------------------------------------------------- */

GtkWidget *
msc_image_view_new (void)
{
  return g_object_new (MSC_TYPE_IMAGE_VIEW, NULL);
}

static void
set_window_full (MscImageView *self, const MscWindow *window)
{
  self->voi_lut = FALSE;
  gboolean center_changed = window->center != self->window.center;
  gboolean width_changed = window->width != self->window.width;
  self->window = *window;
  self->window.explanation = NULL;
  invalidate_textures (self);
  if (center_changed)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_WINDOW_CENTER]);
  if (width_changed)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_WINDOW_WIDTH]);
}

void
msc_image_view_set_image (MscImageView *self, MscImage *image)
{
  g_return_if_fail (MSC_IS_IMAGE_VIEW (self));
  if (image)
    msc_image_ref (image);
  g_clear_pointer (&self->image, msc_image_unref);
  g_clear_pointer (&self->pyramid, msc_view_pyramid_free);
  g_clear_pointer (&self->error, g_free);
  self->image = image;
  self->ruler_visible = FALSE;
  if (image)
    {
      self->pyramid = msc_view_pyramid_new (image);
      MscWindow window;
      msc_display_default_window (image, &window);
      set_window_full (self, &window);
      self->voi_lut = shows_voi_lut (image);
    }
  invalidate_textures (self);
  msc_image_view_zoom_fit (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_IMAGE]);
}

MscImage *
msc_image_view_get_image (MscImageView *self)
{
  g_return_val_if_fail (MSC_IS_IMAGE_VIEW (self), NULL);
  return self->image;
}

void
msc_image_view_set_error (MscImageView *self, const char *message)
{
  g_return_if_fail (MSC_IS_IMAGE_VIEW (self));
  if (message && self->image)
    msc_image_view_set_image (self, NULL);
  g_free (self->error);
  self->error = g_strdup (message);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
msc_image_view_set_label (MscImageView *self, const char *label)
{
  g_return_if_fail (MSC_IS_IMAGE_VIEW (self));
  g_free (self->label);
  self->label = g_strdup (label);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
msc_image_view_set_overlay (MscImageView *self, MscOverlay *overlay)
{
  g_return_if_fail (MSC_IS_IMAGE_VIEW (self));
  g_return_if_fail (overlay == NULL || G_IS_OBJECT (overlay));
  if ((gpointer) overlay == (gpointer) self->overlay)
    return;
  if (self->overlay)
    g_signal_handlers_disconnect_by_data (self->overlay, self);
  g_clear_object (&self->overlay);
  if (overlay)
    {
      self->overlay = g_object_ref (overlay);
      g_signal_connect_swapped (overlay, "changed", G_CALLBACK (gtk_widget_queue_draw), self);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
msc_image_view_set_window (MscImageView *self, double center, double width)
{
  g_return_if_fail (MSC_IS_IMAGE_VIEW (self));
  MscWindow window = self->window;
  window.center = center;
  window.width = width;
  if (center == self->window.center && width == self->window.width)
    return;
  set_window_full (self, &window);
}

void
msc_image_view_set_window_function (MscImageView *self, double center, double width,
                                    MscVoiFunction function)
{
  g_return_if_fail (MSC_IS_IMAGE_VIEW (self));
  MscWindow window = { .center = center, .width = width, .function = function };
  set_window_full (self, &window);
}

gboolean
msc_image_view_get_shows_voi_lut (MscImageView *self)
{
  g_return_val_if_fail (MSC_IS_IMAGE_VIEW (self), FALSE);
  return self->voi_lut;
}

void
msc_image_view_get_window (MscImageView *self, double *center, double *width)
{
  g_return_if_fail (MSC_IS_IMAGE_VIEW (self));
  if (center)
    *center = self->window.center;
  if (width)
    *width = self->window.width;
}

void
msc_image_view_reset_window (MscImageView *self)
{
  g_return_if_fail (MSC_IS_IMAGE_VIEW (self));
  if (!self->image)
    return;
  MscWindow window;
  msc_display_default_window (self->image, &window);
  set_window_full (self, &window);
  self->voi_lut = shows_voi_lut (self->image);
}

guint
msc_image_view_get_n_presets (MscImageView *self)
{
  g_return_val_if_fail (MSC_IS_IMAGE_VIEW (self), 0);
  return self->image ? msc_image_get_n_windows (self->image) + 1 : 0;
}

char *
msc_image_view_dup_preset_name (MscImageView *self, guint index)
{
  g_return_val_if_fail (MSC_IS_IMAGE_VIEW (self), NULL);
  guint n = msc_image_view_get_n_presets (self);
  if (index >= n)
    return NULL;
  if (index == n - 1)
    return g_strdup (_("Full range"));
  const MscWindow *w = msc_image_get_window (self->image, index);
  if (w->explanation && *w->explanation)
    return g_strdup (w->explanation);
  return g_strdup_printf (_("Window %u (C %.0f, W %.0f)"), index + 1, w->center, w->width);
}

void
msc_image_view_apply_preset (MscImageView *self, guint index)
{
  g_return_if_fail (MSC_IS_IMAGE_VIEW (self));
  guint n = msc_image_view_get_n_presets (self);
  g_return_if_fail (index < n);
  if (index < n - 1)
    {
      set_window_full (self, msc_image_get_window (self->image, index));
      return;
    }
  /* Full range: LINEAR_EXACT over 0..2^bits-1, every stored value visible. */
  double top = (double) ((1u << msc_image_get_bits_stored (self->image)) - 1);
  MscWindow full = { .center = top / 2, .width = MAX (top, 1.0), .function = MSC_VOI_LINEAR_EXACT };
  set_window_full (self, &full);
}

void
msc_image_view_zoom_fit (MscImageView *self)
{
  g_return_if_fail (MSC_IS_IMAGE_VIEW (self));
  set_fit (self, TRUE);
  double zoom = fit_zoom (self);
  if (zoom != self->zoom)
    {
      self->zoom = zoom;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ZOOM]);
    }
  set_center (self, 0.5, 0.5);
}

void
msc_image_view_zoom_actual_pixels (MscImageView *self)
{
  g_return_if_fail (MSC_IS_IMAGE_VIEW (self));
  if (!self->image)
    return;
  double w = gtk_widget_get_width (GTK_WIDGET (self)), h = gtk_widget_get_height (GTK_WIDGET (self));
  msc_image_view_zoom_about (self, 1.0 / gtk_widget_get_scale_factor (GTK_WIDGET (self)) / current_zoom (self), w / 2, h / 2);
}

/* Widget points per millimetre on the monitor showing the view. */
static double
points_per_mm (MscImageView *self)
{
  GtkNative *native = gtk_widget_get_native (GTK_WIDGET (self));
  GdkSurface *surface = native ? gtk_native_get_surface (native) : NULL;
  if (surface)
    {
      GdkMonitor *monitor = gdk_display_get_monitor_at_surface (gdk_surface_get_display (surface), surface);
      GdkRectangle geometry;
      int width_mm = monitor ? gdk_monitor_get_width_mm (monitor) : 0;
      if (width_mm > 0)
        {
          gdk_monitor_get_geometry (monitor, &geometry);
          if (geometry.width > 0)
            return geometry.width / (double) width_mm;
        }
    }
  return 96.0 / 25.4;
}

void
msc_image_view_zoom_true_size (MscImageView *self)
{
  double row_mm, col_mm;
  g_return_if_fail (MSC_IS_IMAGE_VIEW (self));
  if (!self->image)
    return;
  if (!msc_image_get_spacing_mm (self->image, &row_mm, &col_mm))
    {
      /* Without spacing there is no true size; 1:1 is the honest fallback. */
      msc_image_view_zoom_actual_pixels (self);
      return;
    }
  double w = gtk_widget_get_width (GTK_WIDGET (self)), h = gtk_widget_get_height (GTK_WIDGET (self));
  msc_image_view_zoom_about (self, col_mm * points_per_mm (self) / current_zoom (self), w / 2, h / 2);
}

/* ---- GObject ----------------------------------------------------------- */

static void
msc_image_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MscImageView *self = MSC_IMAGE_VIEW (object);
  switch (prop_id)
    {
    case PROP_IMAGE: g_value_set_pointer (value, self->image); break;
    case PROP_WINDOW_CENTER: g_value_set_double (value, self->window.center); break;
    case PROP_WINDOW_WIDTH: g_value_set_double (value, self->window.width); break;
    case PROP_INVERT: g_value_set_boolean (value, self->invert); break;
    case PROP_MIRROR: g_value_set_boolean (value, self->mirror); break;
    case PROP_ZOOM: g_value_set_double (value, self->zoom); break;
    case PROP_FIT: g_value_set_boolean (value, self->fit); break;
    case PROP_CENTER_X: g_value_set_double (value, self->center_x); break;
    case PROP_CENTER_Y: g_value_set_double (value, self->center_y); break;
    case PROP_TOOL: g_value_set_enum (value, self->tool); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
set_flag (MscImageView *self, gboolean *flag, gboolean value, guint prop, gboolean retexture)
{
  value = !!value;
  if (*flag == value)
    return;
  *flag = value;
  if (retexture)
    invalidate_textures (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), props[prop]);
}

static void
msc_image_view_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  MscImageView *self = MSC_IMAGE_VIEW (object);
  switch (prop_id)
    {
    case PROP_WINDOW_CENTER:
      msc_image_view_set_window (self, g_value_get_double (value), self->window.width);
      break;
    case PROP_WINDOW_WIDTH:
      msc_image_view_set_window (self, self->window.center, g_value_get_double (value));
      break;
    case PROP_INVERT: set_flag (self, &self->invert, g_value_get_boolean (value), PROP_INVERT, TRUE); break;
    case PROP_MIRROR: set_flag (self, &self->mirror, g_value_get_boolean (value), PROP_MIRROR, FALSE); break;
    case PROP_ZOOM: set_zoom (self, g_value_get_double (value)); break;
    case PROP_FIT:
      if (g_value_get_boolean (value))
        msc_image_view_zoom_fit (self);
      else if (self->fit)
        set_zoom (self, current_zoom (self));
      break;
    case PROP_CENTER_X:
      if (self->fit)
        set_zoom (self, current_zoom (self));
      set_center (self, g_value_get_double (value), self->center_y);
      break;
    case PROP_CENTER_Y:
      if (self->fit)
        set_zoom (self, current_zoom (self));
      set_center (self, self->center_x, g_value_get_double (value));
      break;
    case PROP_TOOL:
      if (self->tool != (MscViewTool) g_value_get_enum (value))
        {
          self->tool = g_value_get_enum (value);
          gtk_widget_queue_draw (GTK_WIDGET (self));
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
msc_image_view_dispose (GObject *object)
{
  MscImageView *self = MSC_IMAGE_VIEW (object);
  msc_image_view_set_overlay (self, NULL);
  for (guint i = 0; i < MSC_VIEW_PYRAMID_MAX_LEVELS; i++)
    g_clear_object (&self->textures[i]);
  g_clear_pointer (&self->lut, g_free);
  g_clear_pointer (&self->pyramid, msc_view_pyramid_free);
  g_clear_pointer (&self->image, msc_image_unref);
  g_clear_pointer (&self->error, g_free);
  g_clear_pointer (&self->label, g_free);
  G_OBJECT_CLASS (msc_image_view_parent_class)->dispose (object);
}

static void
msc_image_view_class_init (MscImageViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = msc_image_view_get_property;
  object_class->set_property = msc_image_view_set_property;
  object_class->dispose = msc_image_view_dispose;
  widget_class->snapshot = msc_image_view_snapshot;
  widget_class->measure = msc_image_view_measure;
  widget_class->size_allocate = msc_image_view_size_allocate;

  props[PROP_IMAGE] = g_param_spec_pointer ("image", NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_WINDOW_CENTER] = g_param_spec_double ("window-center", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, rw);
  props[PROP_WINDOW_WIDTH] = g_param_spec_double ("window-width", NULL, NULL, 0, G_MAXDOUBLE, 1, rw);
  props[PROP_INVERT] = g_param_spec_boolean ("invert", NULL, NULL, FALSE, rw);
  props[PROP_MIRROR] = g_param_spec_boolean ("mirror", NULL, NULL, FALSE, rw);
  props[PROP_ZOOM] = g_param_spec_double ("zoom", NULL, NULL, 1e-4, ZOOM_MAX, 1, rw);
  props[PROP_FIT] = g_param_spec_boolean ("fit", NULL, NULL, TRUE, rw);
  props[PROP_CENTER_X] = g_param_spec_double ("center-x", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.5, rw);
  props[PROP_CENTER_Y] = g_param_spec_double ("center-y", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.5, rw);
  props[PROP_TOOL] = g_param_spec_enum ("tool", NULL, NULL, MSC_TYPE_VIEW_TOOL, MSC_VIEW_TOOL_PAN, rw);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[CURSOR_MOVED] = g_signal_new ("cursor-moved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                                        G_TYPE_DOUBLE, G_TYPE_DOUBLE, G_TYPE_BOOLEAN);
  gtk_widget_class_set_css_name (widget_class, "msc-image-view");
}

static void
msc_image_view_init (MscImageView *self)
{
  self->fit = TRUE;
  self->zoom = 1;
  self->center_x = self->center_y = 0.5;
  self->window = (MscWindow) { .center = 127.5, .width = 255, .function = MSC_VOI_LINEAR_EXACT };
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  add_controllers (self);
}
