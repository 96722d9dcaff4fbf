/* ui/msc-overlay.c — heatmap, contours and markers of one analysis (see
 * msc-overlay.h). The heatmap texture is built once per analysis; findings
 * are re-extracted per threshold on a worker thread and cached, and the
 * previous contours stay on screen until the new ones are ready, so
 * dragging the threshold slider never stalls the main loop.
 */
#include "msc-overlay.h"

#include <math.h>

/* The texture's long side at most this: the map is max-pooled down to it,
 * so a hot spot of one pixel still shows at any zoom. */
#define HEAT_MAX_SIDE 1024
/* Probabilities below this are fully transparent: the breast stays readable. */
#define HEAT_FLOOR 0.1
/* Thresholds are cached at this resolution (the slider steps by 0.01). */
#define KEY_SCALE 10000.0
/* Findings lists kept for earlier thresholds before the cache is emptied. */
#define CACHE_MAX 256

/* The analysis shared with worker threads: freed when the last one lets go,
 * so replacing it while findings are being computed is safe. */
typedef struct {
  MscAnalysis *analysis;
} SharedAnalysis;

struct _MscOverlay {
  GObject parent_instance;

  SharedAnalysis *shared;       /* (nullable) atomic rc box */
  GdkTexture *heat_texture;     /* (nullable) premultiplied RGBA */
  GHashTable *cache;            /* threshold key -> GPtrArray of MscFinding */
  GPtrArray *findings;          /* (nullable) shown now, owned by cache */
  GCancellable *cancellable;
  gboolean extracting;          /* a worker is extracting findings */
  gboolean heat_pending;        /* a worker is building the heatmap's pixels */

  double threshold, heatmap_opacity;
  gboolean show_heatmap, show_contours, show_markers;
};

G_DEFINE_FINAL_TYPE (MscOverlay, msc_overlay, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_THRESHOLD,
  PROP_HEATMAP_OPACITY,
  PROP_SHOW_HEATMAP,
  PROP_SHOW_CONTOURS,
  PROP_SHOW_MARKERS,
  PROP_BUSY,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void start_extraction (MscOverlay *self);

static void
shared_clear (SharedAnalysis *s)
{
  msc_analysis_free (s->analysis);
}

static void
shared_release (SharedAnalysis *s)
{
  if (s != NULL)
    g_atomic_rc_box_release_full (s, (GDestroyNotify) shared_clear);
}

static guint
threshold_key (double threshold)
{
  return (guint) lround (CLAMP (threshold, 0.0, 1.0) * KEY_SCALE);
}

static void
emit_changed (MscOverlay *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/* ---- heatmap texture ---------------------------------------------------- */

/* An inferno-like ramp (dark purple -> red -> orange -> pale yellow), sRGB,
 * starting above black so low probabilities still read on dark tissue. */
static const guint8 ramp[][3] = {
  { 66, 10, 104 }, { 106, 23, 110 }, { 147, 38, 103 }, { 188, 55, 84 },
  { 221, 81, 58 }, { 243, 118, 27 }, { 252, 165, 10 }, { 246, 215, 70 },
  { 252, 255, 164 },
};

/* p (0..1) -> premultiplied RGBA; alpha rises from 0 at HEAT_FLOOR to 0.9. */
static void
heat_colour (float p, guint8 out[4])
{
  if (!(p > HEAT_FLOOR))
    {
      out[0] = out[1] = out[2] = out[3] = 0;
      return;
    }
  double t = MIN (1.0, (p - HEAT_FLOOR) / (1.0 - HEAT_FLOOR));
  double pos = t * (G_N_ELEMENTS (ramp) - 1);
  guint i = MIN ((guint) pos, G_N_ELEMENTS (ramp) - 2);
  double f = pos - i;
  double alpha = 0.9 * MIN (1.0, t / 0.5);
  for (int c = 0; c < 3; c++)
    {
      double v = ramp[i][c] * (1 - f) + ramp[i + 1][c] * f;
      out[c] = (guint8) lround (v * alpha);
    }
  out[3] = (guint8) lround (alpha * 255);
}

typedef struct {
  guint width, height;
  GBytes *rgba;                 /* premultiplied, stride width * 4 */
} HeatPixels;

static void
heat_pixels_free (HeatPixels *h)
{
  g_bytes_unref (h->rgba);
  g_free (h);
}

/* Max pooling by an integer factor, so the long side is <= HEAT_MAX_SIDE.
 * Runs on a worker: ~25 ms for 1664 x 2048, ~4x that for 3328 x 4096. */
static HeatPixels *
heat_pixels_new (const MscPlane *map)
{
  guint w = msc_plane_get_width (map), h = msc_plane_get_height (map);
  guint factor = (MAX (w, h) + HEAT_MAX_SIDE - 1) / HEAT_MAX_SIDE;
  guint tw = (w + factor - 1) / factor, th = (h + factor - 1) / factor;
  const float *src = msc_plane_peek_f32 (map);
  g_autofree float *pooled = g_new0 (float, (gsize) tw * th);
  for (guint y = 0; y < h; y++)
    {
      float *row = pooled + (gsize) (y / factor) * tw;
      const float *s = src + (gsize) y * w;
      for (guint x = 0; x < w; x++)
        if (s[x] > row[x / factor])
          row[x / factor] = s[x];
    }
  gsize stride = (gsize) tw * 4;
  guint8 *rgba = g_malloc (stride * th);
  for (gsize i = 0; i < (gsize) tw * th; i++)
    heat_colour (pooled[i], rgba + i * 4);
  HeatPixels *out = g_new0 (HeatPixels, 1);
  out->width = tw;
  out->height = th;
  out->rgba = g_bytes_new_take (rgba, stride * th);
  return out;
}

/* ---- findings on a worker ----------------------------------------------- */

typedef struct {
  SharedAnalysis *shared;       /* a reference */
  double threshold;
} ExtractData;

static void
extract_data_free (ExtractData *d)
{
  shared_release (d->shared);
  g_free (d);
}

static void
extract_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ExtractData *d = task_data;
  GPtrArray *findings = msc_analysis_findings (d->shared->analysis, d->threshold);
  g_task_return_pointer (task, findings, (GDestroyNotify) g_ptr_array_unref);
}

static void
heat_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  SharedAnalysis *shared = task_data;
  HeatPixels *pixels = heat_pixels_new (msc_analysis_get_heatmap (shared->analysis));
  g_task_return_pointer (task, pixels, (GDestroyNotify) heat_pixels_free);
}

/* busy = extracting || heat_pending; notified when that changes. */
static void
set_state (MscOverlay *self, gboolean extracting, gboolean heat_pending)
{
  gboolean was = self->extracting || self->heat_pending;
  self->extracting = extracting;
  self->heat_pending = heat_pending;
  if (was != (extracting || heat_pending))
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_BUSY]);
}

static void
heat_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MscOverlay *self = MSC_OVERLAY (source);
  GTask *task = G_TASK (result);
  HeatPixels *pixels = g_task_propagate_pointer (task, NULL);
  if (g_task_get_cancellable (task) != self->cancellable || pixels == NULL)
    {
      g_clear_pointer (&pixels, heat_pixels_free);
      return;
    }
  /* Textures are made on the main thread: GDK objects are not thread-safe. */
  self->heat_texture = gdk_memory_texture_new (pixels->width, pixels->height,
                                               GDK_MEMORY_R8G8B8A8_PREMULTIPLIED, pixels->rgba,
                                               (gsize) pixels->width * 4);
  heat_pixels_free (pixels);
  set_state (self, self->extracting, FALSE);
  emit_changed (self);
}

static void
start_heat (MscOverlay *self)
{
  set_state (self, self->extracting, TRUE);
  g_autoptr (GTask) task = g_task_new (self, self->cancellable, heat_done, NULL);
  g_task_set_source_tag (task, start_heat);
  g_task_set_name (task, "[msc-overlay] heatmap");
  g_task_set_task_data (task, g_atomic_rc_box_acquire (self->shared),
                        (GDestroyNotify) shared_release);
  g_task_run_in_thread (task, heat_thread);
}

static void
cache_insert (MscOverlay *self, guint key, GPtrArray *findings)
{
  if (g_hash_table_size (self->cache) >= CACHE_MAX)
    {
      /* Keep what is on screen; the rest is cheap to recompute. */
      GPtrArray *keep = self->findings ? g_ptr_array_ref (self->findings) : NULL;
      guint keep_key = threshold_key (self->threshold);
      g_hash_table_remove_all (self->cache);
      if (keep != NULL)
        g_hash_table_insert (self->cache, GUINT_TO_POINTER (keep_key), keep);
    }
  g_hash_table_replace (self->cache, GUINT_TO_POINTER (key), findings);
}

static void
extract_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MscOverlay *self = MSC_OVERLAY (source);
  GTask *task = G_TASK (result);
  ExtractData *d = g_task_get_task_data (task);
  GPtrArray *findings = g_task_propagate_pointer (task, NULL);
  if (g_task_get_cancellable (task) != self->cancellable || d->shared != self->shared)
    {
      /* Computed for an analysis that has since been replaced. */
      g_clear_pointer (&findings, g_ptr_array_unref);
      return;
    }
  if (findings != NULL)
    cache_insert (self, threshold_key (d->threshold), findings);
  GPtrArray *now = g_hash_table_lookup (self->cache,
                                        GUINT_TO_POINTER (threshold_key (self->threshold)));
  if (now != NULL)
    {
      self->findings = now;
      set_state (self, FALSE, self->heat_pending);
    }
  else
    {
      /* The slider moved on while this ran: show these (closer than the
       * old ones) and compute the latest threshold only, skipping the
       * ones in between. Still busy, so no notification. */
      self->findings = findings;
      self->extracting = FALSE;
      start_extraction (self);
    }
  emit_changed (self);
}

/* Shows cached findings at once; otherwise starts one worker unless one is
 * running already (its completion picks up the latest threshold). */
static void
start_extraction (MscOverlay *self)
{
  if (self->shared == NULL)
    return;
  GPtrArray *cached = g_hash_table_lookup (self->cache,
                                           GUINT_TO_POINTER (threshold_key (self->threshold)));
  if (cached != NULL)
    {
      self->findings = cached;
      return;
    }
  if (self->extracting)
    return;
  set_state (self, TRUE, self->heat_pending);
  ExtractData *d = g_new0 (ExtractData, 1);
  d->shared = g_atomic_rc_box_acquire (self->shared);
  d->threshold = self->threshold;
  g_autoptr (GTask) task = g_task_new (self, self->cancellable, extract_done, NULL);
  g_task_set_source_tag (task, start_extraction);
  g_task_set_name (task, "[msc-overlay] findings");
  g_task_set_task_data (task, d, (GDestroyNotify) extract_data_free);
  g_task_run_in_thread (task, extract_thread);
}

/* ---- public API --------------------------------------------------------- */

MscOverlay *
msc_overlay_new (void)
{
  return g_object_new (MSC_TYPE_OVERLAY, NULL);
}

void
msc_overlay_set_analysis (MscOverlay *self, MscAnalysis *analysis)
{
  g_return_if_fail (MSC_IS_OVERLAY (self));
  if (self->shared != NULL && self->shared->analysis == analysis)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  set_state (self, FALSE, FALSE);
  self->findings = NULL;
  g_hash_table_remove_all (self->cache);
  g_clear_object (&self->heat_texture);
  g_clear_pointer (&self->shared, shared_release);
  if (analysis != NULL)
    {
      self->shared = g_atomic_rc_box_new0 (SharedAnalysis);
      self->shared->analysis = analysis;
      start_heat (self);
      start_extraction (self);
    }
  emit_changed (self);
}

const MscAnalysis *
msc_overlay_get_analysis (MscOverlay *self)
{
  g_return_val_if_fail (MSC_IS_OVERLAY (self), NULL);
  return self->shared ? self->shared->analysis : NULL;
}

guint
msc_overlay_get_n_findings (MscOverlay *self)
{
  g_return_val_if_fail (MSC_IS_OVERLAY (self), 0);
  return self->findings ? self->findings->len : 0;
}

const MscFinding *
msc_overlay_get_finding (MscOverlay *self, guint index)
{
  g_return_val_if_fail (MSC_IS_OVERLAY (self), NULL);
  g_return_val_if_fail (index < msc_overlay_get_n_findings (self), NULL);
  return self->findings->pdata[index];
}

gboolean
msc_overlay_get_busy (MscOverlay *self)
{
  g_return_val_if_fail (MSC_IS_OVERLAY (self), FALSE);
  return self->extracting || self->heat_pending;
}

/* ---- drawing ------------------------------------------------------------ */

static void
snapshot_heatmap (MscOverlay *self, GtkSnapshot *snapshot, const MscViewTransform *t)
{
  double w = t->image_width, h = t->image_height;
  gtk_snapshot_save (snapshot);
  gtk_snapshot_push_opacity (snapshot, self->heatmap_opacity);
  /* Same mapping as msc_view_transform_to_widget: x' = W - x when mirrored. */
  double ox = t->origin_x + (t->mirror ? w * t->scale : 0);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (ox, t->origin_y));
  gtk_snapshot_scale (snapshot, t->mirror ? -t->scale : t->scale, t->scale);
  gtk_snapshot_append_texture (snapshot, self->heat_texture, &GRAPHENE_RECT_INIT (0, 0, w, h));
  gtk_snapshot_pop (snapshot);
  gtk_snapshot_restore (snapshot);
}

/* Finding points are pixel centres at integers; the transform's pixel x
 * covers [x, x + 1), hence the half pixel. */
static void
finding_point (const MscViewTransform *t, double x, double y, double *wx, double *wy)
{
  msc_view_transform_to_widget (t, x + 0.5, y + 0.5, wx, wy);
}

static void
draw_contour (cairo_t *cr, const MscViewTransform *t, const MscFinding *f)
{
  if (f->contour == NULL || f->contour->len < 2)
    return;
  cairo_new_path (cr);
  for (guint i = 0; i < f->contour->len; i++)
    {
      const MscPoint *p = &g_array_index (f->contour, MscPoint, i);
      double x, y;
      finding_point (t, p->x, p->y, &x, &y);
      cairo_line_to (cr, x, y);
    }
  cairo_close_path (cr);
  /* A dark outline under a bright line reads on white tissue and on black. */
  cairo_set_source_rgba (cr, 0, 0, 0, 0.85);
  cairo_set_line_width (cr, 4.0);
  cairo_stroke_preserve (cr);
  cairo_set_source_rgb (cr, MSC_OVERLAY_CONTOUR_R, MSC_OVERLAY_CONTOUR_G, MSC_OVERLAY_CONTOUR_B);
  cairo_set_line_width (cr, 2.0);
  cairo_stroke (cr);
}

static void
draw_marker (cairo_t *cr, PangoLayout *layout, const MscViewTransform *t, const MscFinding *f)
{
  double x, y, r = 6;
  finding_point (t, f->center_x, f->center_y, &x, &y);
  cairo_new_path (cr);
  cairo_move_to (cr, x - r, y);
  cairo_line_to (cr, x + r, y);
  cairo_move_to (cr, x, y - r);
  cairo_line_to (cr, x, y + r);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.85);
  cairo_set_line_width (cr, 4.0);
  cairo_stroke_preserve (cr);
  cairo_set_source_rgb (cr, 1.0, 0.9, 0.1);
  cairo_set_line_width (cr, 2.0);
  cairo_stroke (cr);

  char text[16];
  g_snprintf (text, sizeof text, "%.2f", f->score);
  pango_layout_set_text (layout, text, -1);
  int tw, th;
  pango_layout_get_pixel_size (layout, &tw, &th);
  double bx = x + r + 2, by = y - r - 2 - th, pad = 2;
  cairo_rectangle (cr, bx - pad, by - pad, tw + 2 * pad, th + 2 * pad);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.7);
  cairo_fill (cr);
  cairo_move_to (cr, bx, by);
  cairo_set_source_rgb (cr, 1.0, 0.9, 0.1);
  pango_cairo_show_layout (cr, layout);
}

void
msc_overlay_snapshot (MscOverlay *self, GtkSnapshot *snapshot, const MscViewTransform *t)
{
  g_return_if_fail (MSC_IS_OVERLAY (self));
  g_return_if_fail (t != NULL);
  if (self->shared == NULL || t->scale <= 0 || t->image_width == 0 || t->image_height == 0)
    return;
  if (self->show_heatmap && self->heatmap_opacity > 0 && self->heat_texture != NULL)
    snapshot_heatmap (self, snapshot, t);

  gboolean contours = self->show_contours, markers = self->show_markers;
  if (self->findings == NULL || self->findings->len == 0 || (!contours && !markers))
    return;
  if (t->widget_width <= 0 || t->widget_height <= 0)
    return;
  /* Bounds are the widget, not the image: zooming in never grows the surface. */
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot,
                                           &GRAPHENE_RECT_INIT (0, 0, t->widget_width,
                                                                t->widget_height));
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  for (guint i = 0; contours && i < self->findings->len; i++)
    draw_contour (cr, t, self->findings->pdata[i]);
  if (markers)
    {
      g_autoptr (PangoLayout) layout = pango_cairo_create_layout (cr);
      g_autoptr (PangoFontDescription) font = pango_font_description_from_string ("Sans Bold 9");
      pango_layout_set_font_description (layout, font);
      for (guint i = 0; i < self->findings->len; i++)
        draw_marker (cr, layout, t, self->findings->pdata[i]);
    }
  cairo_destroy (cr);
}

/* ---- GObject ------------------------------------------------------------ */

static void
set_double (MscOverlay *self, double *field, double value, guint prop)
{
  value = CLAMP (value, 0.0, 1.0);
  if (*field == value)
    return;
  *field = value;
  if (prop == PROP_THRESHOLD)
    start_extraction (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[prop]);
  emit_changed (self);
}

static void
set_bool (MscOverlay *self, gboolean *field, gboolean value, guint prop)
{
  value = !!value;
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), props[prop]);
  emit_changed (self);
}

static void
msc_overlay_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  MscOverlay *self = MSC_OVERLAY (object);
  switch (prop_id)
    {
    case PROP_THRESHOLD:
      set_double (self, &self->threshold, g_value_get_double (value), prop_id);
      break;
    case PROP_HEATMAP_OPACITY:
      set_double (self, &self->heatmap_opacity, g_value_get_double (value), prop_id);
      break;
    case PROP_SHOW_HEATMAP:
      set_bool (self, &self->show_heatmap, g_value_get_boolean (value), prop_id);
      break;
    case PROP_SHOW_CONTOURS:
      set_bool (self, &self->show_contours, g_value_get_boolean (value), prop_id);
      break;
    case PROP_SHOW_MARKERS:
      set_bool (self, &self->show_markers, g_value_get_boolean (value), prop_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
msc_overlay_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MscOverlay *self = MSC_OVERLAY (object);
  switch (prop_id)
    {
    case PROP_THRESHOLD: g_value_set_double (value, self->threshold); break;
    case PROP_HEATMAP_OPACITY: g_value_set_double (value, self->heatmap_opacity); break;
    case PROP_SHOW_HEATMAP: g_value_set_boolean (value, self->show_heatmap); break;
    case PROP_SHOW_CONTOURS: g_value_set_boolean (value, self->show_contours); break;
    case PROP_SHOW_MARKERS: g_value_set_boolean (value, self->show_markers); break;
    case PROP_BUSY: g_value_set_boolean (value, msc_overlay_get_busy (self)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
msc_overlay_dispose (GObject *object)
{
  MscOverlay *self = MSC_OVERLAY (object);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->findings = NULL;
  g_clear_pointer (&self->cache, g_hash_table_unref);
  g_clear_object (&self->heat_texture);
  g_clear_pointer (&self->shared, shared_release);
  G_OBJECT_CLASS (msc_overlay_parent_class)->dispose (object);
}

static void
msc_overlay_class_init (MscOverlayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->set_property = msc_overlay_set_property;
  object_class->get_property = msc_overlay_get_property;
  object_class->dispose = msc_overlay_dispose;

  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  props[PROP_THRESHOLD] = g_param_spec_double ("threshold", NULL, NULL, 0, 1, 0.5, rw);
  props[PROP_HEATMAP_OPACITY] = g_param_spec_double ("heatmap-opacity", NULL, NULL, 0, 1, 0.5, rw);
  props[PROP_SHOW_HEATMAP] = g_param_spec_boolean ("show-heatmap", NULL, NULL, TRUE, rw);
  props[PROP_SHOW_CONTOURS] = g_param_spec_boolean ("show-contours", NULL, NULL, TRUE, rw);
  props[PROP_SHOW_MARKERS] = g_param_spec_boolean ("show-markers", NULL, NULL, TRUE, rw);
  props[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                                           G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                                           G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
}

static void
msc_overlay_init (MscOverlay *self)
{
  self->threshold = 0.5;
  self->heatmap_opacity = 0.5;
  self->show_heatmap = self->show_contours = self->show_markers = TRUE;
  self->cancellable = g_cancellable_new ();
  self->cache = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
}
