/* tests/ui/test-overlay.c — MscOverlay drawn by a small canvas widget with a
 * known transform: contours where the findings are, gone above the top
 * score, mirrored with the view, heatmap off and at opacity 0; the
 * threshold slider coalescing; the controls bound to the overlay; and a
 * real analysis of a phantom view by the shipped model (with timings).
 */
#include "msc-ui-test.h"
#include "msc-overlay.h"
#include "msc-overlay-controls.h"
#include "msc-analyze-private.h"
#include "msc-load.h"
#include "msc-phantom.h"
#include "msc-test-util.h"

#include <math.h>



/* ---- a canvas: a grey image rectangle under the overlay ----------------- */

#define TEST_TYPE_CANVAS (test_canvas_get_type ())
G_DECLARE_FINAL_TYPE (TestCanvas, test_canvas, TEST, CANVAS, GtkWidget)

struct _TestCanvas {
  GtkWidget parent_instance;
  MscOverlay *overlay;
  MscViewTransform t;           /* widget size filled in at snapshot */
};

G_DEFINE_FINAL_TYPE (TestCanvas, test_canvas, GTK_TYPE_WIDGET)

#define GREY 0.35f

static void
test_canvas_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  TestCanvas *self = TEST_CANVAS (widget);
  self->t.widget_width = gtk_widget_get_width (widget);
  self->t.widget_height = gtk_widget_get_height (widget);
  GdkRGBA grey = { GREY, GREY, GREY, 1 };
  gtk_snapshot_append_color (snapshot, &grey,
                             &GRAPHENE_RECT_INIT (self->t.origin_x, self->t.origin_y,
                                                  self->t.image_width * self->t.scale,
                                                  self->t.image_height * self->t.scale));
  if (self->overlay != NULL)
    msc_overlay_snapshot (self->overlay, snapshot, &self->t);
}

static void
test_canvas_dispose (GObject *object)
{
  TestCanvas *self = TEST_CANVAS (object);
  if (self->overlay != NULL)
    g_signal_handlers_disconnect_by_data (self->overlay, self);
  g_clear_object (&self->overlay);
  G_OBJECT_CLASS (test_canvas_parent_class)->dispose (object);
}

static void test_canvas_class_init (TestCanvasClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = test_canvas_dispose;
  GTK_WIDGET_CLASS (klass)->snapshot = test_canvas_snapshot;
}

static void test_canvas_init (TestCanvas *self) { (void) self; }

static TestCanvas *
canvas_new (MscOverlay *overlay, const MscViewTransform *t)
{
  TestCanvas *self = g_object_new (TEST_TYPE_CANVAS, NULL);
  self->overlay = g_object_ref (overlay);
  self->t = *t;
  g_signal_connect_swapped (overlay, "changed", G_CALLBACK (gtk_widget_queue_draw), self);
  return self;
}

/* ---- pixels ------------------------------------------------------------- */

static gboolean
is_contour (const guint8 p[4], gpointer data)
{
  (void) data;
  return p[0] < 90 && p[1] > 170 && p[2] > 170;
}

/* Heatmap colours: clearly not grey (the canvas) and not the cyan contour. */
static gboolean
is_heat (const guint8 p[4], gpointer data)
{
  (void) data;
  int mx = MAX (p[0], MAX (p[1], p[2])), mn = MIN (p[0], MIN (p[1], p[2]));
  return mx - mn > 30 && !is_contour (p, NULL);
}

/* The marker's yellow (1.0, 0.9, 0.1). */
static gboolean
is_marker (const guint8 p[4], gpointer data)
{
  (void) data;
  return p[0] > 220 && p[1] > 190 && p[2] < 80;
}

static gboolean
not_busy (gpointer data)
{
  return !msc_overlay_get_busy (data);
}

static void
wait_findings (MscOverlay *overlay)
{
  g_assert_true (msc_ui_test_wait_until (not_busy, overlay, 30));
}

static GdkTexture *
render_and_save (GtkWidget *widget, const char *name)
{
  msc_ui_test_wait_for_draw (widget);
  GdkTexture *tex = msc_ui_test_render (widget);
  g_autofree char *path = msc_ui_test_save (tex, name);
  g_test_message ("screenshot %s", path);
  return tex;
}

/* The widget rectangle of a finding's box, grown by margin points. */
static void
finding_rect (const MscViewTransform *t, const MscFinding *f, double margin,
              int *x, int *y, int *w, int *h)
{
  double ax, ay, bx, by;
  msc_view_transform_to_widget (t, f->bbox_x, f->bbox_y, &ax, &ay);
  msc_view_transform_to_widget (t, f->bbox_x + f->bbox_width, f->bbox_y + f->bbox_height, &bx, &by);
  *x = (int) floor (MIN (ax, bx) - margin);
  *y = (int) floor (MIN (ay, by) - margin);
  *w = (int) ceil (fabs (bx - ax) + 2 * margin);
  *h = (int) ceil (fabs (by - ay) + 2 * margin);
}

/* Fraction of the finding's contour points with contour colour within 3 px. */
static double
contour_hit_fraction (GdkTexture *tex, const MscViewTransform *t, const MscFinding *f)
{
  guint hits = 0;
  for (guint i = 0; i < f->contour->len; i++)
    {
      const MscPoint *p = &g_array_index (f->contour, MscPoint, i);
      double x, y;
      msc_view_transform_to_widget (t, p->x + 0.5, p->y + 0.5, &x, &y);
      if (msc_ui_test_count (tex, (int) x - 3, (int) y - 3, 7, 7, is_contour, NULL) > 0)
        hits++;
    }
  return f->contour->len ? (double) hits / f->contour->len : 0;
}

/* ---- a hand-made analysis: known lesions, independent of the model ------ */

#define IMG_W 400
#define IMG_H 300

/* Two round lesions on a 400 x 300 grid at 0.1 mm: peak 0.9 at (100, 150)
 * radius ~30 px and peak 0.7 at (300, 80) radius ~15 px (where p >= 0.5). */
static MscAnalysis *
synthetic_analysis (void)
{
  MscPlane *heat = msc_plane_new (MSC_PLANE_F32, IMG_W, IMG_H, NULL);
  float *p = msc_plane_f32 (heat);
  for (guint y = 0; y < IMG_H; y++)
    for (guint x = 0; x < IMG_W; x++)
      {
        double d1 = hypot (x - 100.0, y - 150.0), d2 = hypot (x - 300.0, y - 80.0);
        double a = 0.9 * exp (-d1 * d1 / (2 * 30.0 * 30.0 / (2 * log (1.8))));
        double b = 0.7 * exp (-d2 * d2 / (2 * 15.0 * 15.0 / (2 * log (1.4))));
        p[(gsize) y * IMG_W + x] = (float) MAX (a, b);
      }
  MscClassProbabilities probs = { 0.2, 0.3, 0.5 };
  return msc_analysis_new (heat, &probs, 0.1, 0.1, 1.0, 0.0);
}

typedef struct {
  GtkWidget *window;
  TestCanvas *canvas;
  MscOverlay *overlay;
} Fixture;

static const MscViewTransform base_transform = {
  .image_width = IMG_W, .image_height = IMG_H, .scale = 1.5,
  .origin_x = 20, .origin_y = 10, .mirror = FALSE,
};

static void
fixture_set_up (Fixture *fx, gconstpointer data)
{
  (void) data;
  if (!msc_ui_test_have_display ())
    return;
  fx->overlay = msc_overlay_new ();
  msc_overlay_set_analysis (fx->overlay, synthetic_analysis ());
  wait_findings (fx->overlay);
  fx->window = msc_ui_test_window_new (640, 480);
  fx->canvas = canvas_new (fx->overlay, &base_transform);
  gtk_window_set_child (GTK_WINDOW (fx->window), GTK_WIDGET (fx->canvas));
}

static void
fixture_tear_down (Fixture *fx, gconstpointer data)
{
  (void) data;
  if (fx->window != NULL)
    gtk_window_destroy (GTK_WINDOW (fx->window));
  g_clear_object (&fx->overlay);
}

static void
test_contours (Fixture *fx, gconstpointer data)
{
  (void) data;
  MSC_UI_TEST_NEED_DISPLAY ();
  g_assert_cmpuint (msc_overlay_get_n_findings (fx->overlay), ==, 2);
  const MscFinding *top = msc_overlay_get_finding (fx->overlay, 0);
  g_assert_cmpfloat_with_epsilon (top->score, 0.9, 0.01);
  g_assert_cmpfloat_with_epsilon (top->center_x, 100, 2);

  /* Markers off first: a score's label box may cover part of a contour. */
  g_object_set (fx->overlay, "show-markers", FALSE, NULL);
  g_autoptr (GdkTexture) tex = render_and_save (GTK_WIDGET (fx->canvas), "overlay-contours");
  const MscViewTransform *t = &fx->canvas->t;
  guint inside = 0;
  for (guint i = 0; i < 2; i++)
    {
      const MscFinding *f = msc_overlay_get_finding (fx->overlay, i);
      g_assert_cmpfloat (contour_hit_fraction (tex, t, f), >=, 0.95);
      int x, y, w, h;
      finding_rect (t, f, 4, &x, &y, &w, &h);
      inside += msc_ui_test_count (tex, x, y, w, h, is_contour, NULL);
    }
  /* Every contour-coloured pixel lies near one of the two findings. */
  guint all = msc_ui_test_count (tex, 0, 0, 640, 480, is_contour, NULL);
  g_assert_cmpuint (all, >, 200);
  g_assert_cmpuint (inside, ==, all);
  /* The heatmap is there too, hottest inside the big lesion. */
  double cx, cy;
  msc_view_transform_to_widget (t, 85, 150, &cx, &cy);
  g_assert_cmpuint (msc_ui_test_count (tex, (int) cx - 8, (int) cy - 8, 16, 16, is_heat, NULL),
                    ==, 256);

  /* Markers: a yellow cross at each centre, none without them. */
  double mx, my;
  msc_view_transform_to_widget (t, top->center_x + 0.5, top->center_y + 0.5, &mx, &my);
  g_assert_cmpuint (msc_ui_test_count (tex, (int) mx - 4, (int) my - 4, 9, 9, is_marker, NULL), ==, 0);
  g_object_set (fx->overlay, "show-markers", TRUE, NULL);
  g_autoptr (GdkTexture) marked = render_and_save (GTK_WIDGET (fx->canvas), "overlay-markers");
  g_assert_cmpuint (msc_ui_test_count (marked, (int) mx - 4, (int) my - 4, 9, 9, is_marker, NULL),
                    >=, 8);
}

static void
test_threshold_above_top (Fixture *fx, gconstpointer data)
{
  (void) data;
  MSC_UI_TEST_NEED_DISPLAY ();
  g_object_set (fx->overlay, "threshold", 0.95, NULL);
  wait_findings (fx->overlay);
  g_assert_cmpuint (msc_overlay_get_n_findings (fx->overlay), ==, 0);
  g_autoptr (GdkTexture) tex = render_and_save (GTK_WIDGET (fx->canvas), "overlay-threshold-095");
  g_assert_cmpuint (msc_ui_test_count (tex, 0, 0, 640, 480, is_contour, NULL), ==, 0);
  /* Between the two peaks only the stronger lesion stays. */
  g_object_set (fx->overlay, "threshold", 0.8, NULL);
  wait_findings (fx->overlay);
  g_assert_cmpuint (msc_overlay_get_n_findings (fx->overlay), ==, 1);
}

static void
test_mirror (Fixture *fx, gconstpointer data)
{
  (void) data;
  MSC_UI_TEST_NEED_DISPLAY ();
  g_object_set (fx->overlay, "show-markers", FALSE, NULL);
  const MscFinding *top = msc_overlay_get_finding (fx->overlay, 0);
  int x, y, w, h, mx, my, mw, mh;
  finding_rect (&base_transform, top, 4, &x, &y, &w, &h);
  fx->canvas->t.mirror = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (fx->canvas));
  g_autoptr (GdkTexture) tex = render_and_save (GTK_WIDGET (fx->canvas), "overlay-mirrored");
  finding_rect (&fx->canvas->t, top, 4, &mx, &my, &mw, &mh);
  g_assert_cmpint (mx, >, x + w);  /* the lesion moved to the other side */
  g_assert_cmpfloat (contour_hit_fraction (tex, &fx->canvas->t, top), >=, 0.95);
  g_assert_cmpuint (msc_ui_test_count (tex, x, y, w, h, is_contour, NULL), ==, 0);
  /* The heatmap follows: hot at the mirrored centre, nothing at the old one. */
  double cx, cy;
  msc_view_transform_to_widget (&fx->canvas->t, 100, 150, &cx, &cy);
  g_assert_cmpuint (msc_ui_test_count (tex, (int) cx - 8, (int) cy - 8, 16, 16, is_heat, NULL),
                    ==, 256);
  msc_view_transform_to_widget (&base_transform, 100, 150, &cx, &cy);
  g_assert_cmpuint (msc_ui_test_count (tex, (int) cx - 8, (int) cy - 8, 16, 16, is_heat, NULL),
                    ==, 0);
}

static void
test_heatmap_off_and_opacity (Fixture *fx, gconstpointer data)
{
  (void) data;
  MSC_UI_TEST_NEED_DISPLAY ();
  g_object_set (fx->overlay, "show-contours", FALSE, "show-markers", FALSE, NULL);
  g_autoptr (GdkTexture) on = render_and_save (GTK_WIDGET (fx->canvas), "overlay-heatmap-only");
  guint heat_on = msc_ui_test_count (on, 0, 0, 640, 480, is_heat, NULL);
  g_assert_cmpuint (heat_on, >, 2000);

  g_object_set (fx->overlay, "show-heatmap", FALSE, NULL);
  g_autoptr (GdkTexture) off = render_and_save (GTK_WIDGET (fx->canvas), "overlay-heatmap-off");
  g_assert_cmpuint (msc_ui_test_count (off, 0, 0, 640, 480, is_heat, NULL), ==, 0);

  g_object_set (fx->overlay, "show-heatmap", TRUE, "heatmap-opacity", 0.0, NULL);
  g_autoptr (GdkTexture) zero = render_and_save (GTK_WIDGET (fx->canvas), "overlay-opacity-0");
  g_assert_cmpuint (msc_ui_test_count (zero, 0, 0, 640, 480, is_heat, NULL), ==, 0);
  double cx, cy;
  msc_view_transform_to_widget (&fx->canvas->t, 100, 150, &cx, &cy);
  g_assert_cmpfloat_with_epsilon (msc_ui_test_mean_grey (zero, (int) cx - 8, (int) cy - 8, 16, 16),
                                  GREY * 255, 2);

  /* Full opacity shows more colour than the default half. */
  g_object_set (fx->overlay, "heatmap-opacity", 1.0, NULL);
  g_autoptr (GdkTexture) full = render_and_save (GTK_WIDGET (fx->canvas), "overlay-opacity-1");
  guint8 *px_half = NULL, *px_full = NULL;
  int w, h;
  px_half = msc_ui_test_pixels (on, &w, &h);
  px_full = msc_ui_test_pixels (full, &w, &h);
  gsize i = ((gsize) (int) cy * w + (int) cx) * 4;
  int sat_half = MAX (px_half[i], MAX (px_half[i + 1], px_half[i + 2]))
               - MIN (px_half[i], MIN (px_half[i + 1], px_half[i + 2]));
  int sat_full = MAX (px_full[i], MAX (px_full[i + 1], px_full[i + 2]))
               - MIN (px_full[i], MIN (px_full[i + 1], px_full[i + 2]));
  g_assert_cmpint (sat_full, >, sat_half);
  g_free (px_half);
  g_free (px_full);
}

/* A slider drag: many thresholds in a row end with the last one's findings. */
static void
test_threshold_drag (Fixture *fx, gconstpointer data)
{
  (void) data;
  MSC_UI_TEST_NEED_DISPLAY ();
  guint changes = 0;
  for (double th = 0.30; th <= 0.851; th += 0.01)
    {
      g_object_set (fx->overlay, "threshold", th, NULL);
      changes++;
    }
  wait_findings (fx->overlay);
  g_autoptr (GPtrArray) direct = msc_analysis_findings (msc_overlay_get_analysis (fx->overlay), 0.85);
  g_assert_cmpuint (msc_overlay_get_n_findings (fx->overlay), ==, direct->len);
  const MscFinding *a = msc_overlay_get_finding (fx->overlay, 0);
  const MscFinding *b = direct->pdata[0];
  g_assert_cmpfloat (a->score, ==, b->score);
  g_assert_cmpuint (a->contour->len, ==, b->contour->len);
  g_assert_cmpuint (changes, ==, 56);
  g_autoptr (GdkTexture) tex = render_and_save (GTK_WIDGET (fx->canvas), "overlay-threshold-085");
  g_assert_cmpfloat (contour_hit_fraction (tex, &fx->canvas->t, a), >=, 0.95);
}

/* Nothing to draw: no analysis, or a view without an image. */
static void
test_empty (Fixture *fx, gconstpointer data)
{
  (void) data;
  MSC_UI_TEST_NEED_DISPLAY ();
  msc_overlay_set_analysis (fx->overlay, NULL);
  g_assert_null (msc_overlay_get_analysis (fx->overlay));
  g_assert_cmpuint (msc_overlay_get_n_findings (fx->overlay), ==, 0);
  g_assert_false (msc_overlay_get_busy (fx->overlay));
  g_autoptr (GdkTexture) tex = render_and_save (GTK_WIDGET (fx->canvas), "overlay-empty");
  g_assert_cmpuint (msc_ui_test_count (tex, 0, 0, 640, 480, is_heat, NULL), ==, 0);
  g_assert_cmpuint (msc_ui_test_count (tex, 0, 0, 640, 480, is_contour, NULL), ==, 0);
  MscViewTransform zero = { 0 };
  g_autoptr (GtkSnapshot) snapshot = gtk_snapshot_new ();
  msc_overlay_set_analysis (fx->overlay, synthetic_analysis ());
  msc_overlay_snapshot (fx->overlay, snapshot, &zero);
  g_autoptr (GskRenderNode) node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_null (node);
}

/* The controls drive the overlay through bindings, both ways. */
static void
test_controls (Fixture *fx, gconstpointer data)
{
  (void) data;
  MSC_UI_TEST_NEED_DISPLAY ();
  GtkWidget *controls = msc_overlay_controls_new ();
  const char *names[] = { "threshold", "heatmap-opacity", "show-heatmap", "show-contours",
                          "show-markers" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_object_bind_property (fx->overlay, names[i], controls, names[i],
                            G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  GtkWidget *window = msc_ui_test_window_new (280, 240);
  gtk_window_set_child (GTK_WINDOW (window), controls);
  g_object_set (controls, "threshold", 0.8, "show-markers", FALSE, NULL);
  double th;
  gboolean markers;
  g_object_get (fx->overlay, "threshold", &th, "show-markers", &markers, NULL);
  g_assert_cmpfloat_with_epsilon (th, 0.8, 1e-9);
  g_assert_false (markers);
  g_object_set (fx->overlay, "heatmap-opacity", 0.25, NULL);
  double opacity;
  g_object_get (controls, "heatmap-opacity", &opacity, NULL);
  g_assert_cmpfloat_with_epsilon (opacity, 0.25, 1e-9);
  /* The slider's range is 0.05..0.95: the overlay follows its clamp. */
  g_object_set (controls, "threshold", 0.99, NULL);
  g_object_get (fx->overlay, "threshold", &th, NULL);
  g_assert_cmpfloat_with_epsilon (th, 0.95, 1e-9);
  g_autoptr (GdkTexture) tex = render_and_save (controls, "overlay-controls");
  /* Something is drawn: labels and sliders differ from the background. */
  int w = gdk_texture_get_width (tex), h = gdk_texture_get_height (tex);
  double top = msc_ui_test_mean_grey (tex, 0, 0, w, h);
  g_assert_cmpfloat (top, >, 0);
  wait_findings (fx->overlay);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- the shipped model on a phantom view -------------------------------- */

static double
time_findings (const MscAnalysis *analysis, double threshold, guint *n)
{
  double best = G_MAXDOUBLE;
  for (int rep = 0; rep < 3; rep++)
    {
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr (GPtrArray) f = msc_analysis_findings (analysis, threshold);
      best = MIN (best, (g_get_monotonic_time () - t0) / 1e3);
      *n = f->len;
    }
  return best;
}

/* The map upsampled 2x by nearest neighbour: the 3328 x 4096 case's size. */
static MscAnalysis *
upsampled_analysis (const MscAnalysis *analysis)
{
  const MscPlane *map = msc_analysis_get_heatmap (analysis);
  guint w = msc_plane_get_width (map), h = msc_plane_get_height (map);
  MscPlane *big = msc_plane_new (MSC_PLANE_F32, 2 * w, 2 * h, NULL);
  const float *s = msc_plane_peek_f32 (map);
  float *d = msc_plane_f32 (big);
  for (guint y = 0; y < 2 * h; y++)
    for (guint x = 0; x < 2 * w; x++)
      d[(gsize) y * 2 * w + x] = s[(gsize) (y / 2) * w + x / 2];
  MscClassProbabilities p;
  msc_analysis_get_class_probabilities (analysis, &p);
  return msc_analysis_new (big, &p, 0.05, 0.05, 1.0, 0.0);
}

/* A slider drag over the large map: setting the threshold never waits for
 * an extraction (they run on a worker, coalesced); the last one wins. */
static void
big_drag (MscAnalysis *big, double model_th)
{
  MscOverlay *overlay = msc_overlay_new ();
  MscClassProbabilities p = { 1, 0, 0 };
  MscAnalysis *copy = msc_analysis_new (msc_plane_copy (msc_analysis_get_heatmap (big), NULL), &p,
                                        0.05, 0.05, 1.0, 0.0);
  gint64 t0 = g_get_monotonic_time ();
  msc_overlay_set_analysis (overlay, copy);
  gint64 t1 = g_get_monotonic_time ();
  wait_findings (overlay);
  gint64 t2 = g_get_monotonic_time ();
  double worst = 0;
  for (double th = 0.30; th <= 0.901; th += 0.01)
    {
      gint64 a = g_get_monotonic_time ();
      g_object_set (overlay, "threshold", th, NULL);
      worst = MAX (worst, (g_get_monotonic_time () - a) / 1e3);
      g_main_context_iteration (NULL, FALSE);
    }
  gint64 t3 = g_get_monotonic_time ();
  wait_findings (overlay);
  gint64 t4 = g_get_monotonic_time ();
  g_test_message ("3328x4096: set_analysis blocks %.2f ms, ready after %.1f ms; "
                  "61 threshold steps: slowest set %.2f ms, all set in %.1f ms, "
                  "last findings %.1f ms later",
                  (t1 - t0) / 1e3, (t2 - t0) / 1e3, worst, (t3 - t2) / 1e3, (t4 - t3) / 1e3);
  g_assert_cmpfloat (worst, <, 20);
  g_autoptr (GPtrArray) direct = msc_analysis_findings (big, 0.90);
  g_assert_cmpuint (msc_overlay_get_n_findings (overlay), ==, direct->len);
  (void) model_th;
  g_object_unref (overlay);
}

static void
test_real_model (void)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  const char *model_dir = g_getenv ("MSC_DEFAULT_MODEL_DIR");
  /* G_TEST_SRCDIR is tests/: the source tree's shipped model beside it. */
  g_autofree char *fallback = g_test_build_filename (G_TEST_DIST, "..", "data", "models",
                                                     "default", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (MscAnalyzer) analyzer = msc_analyzer_load (model_dir ? model_dir : fallback, &error);
  g_assert_no_error (error);
  g_autofree char *dir = msc_test_tmpdir ();
  MscPhantomOptions opts = { .seed = 1 };
  g_assert_true (msc_phantom_write_study (dir, &opts, &error));
  g_assert_no_error (error);
  g_autofree char *path = g_build_filename (dir, "R_CC.dcm", NULL);
  g_autoptr (MscImage) image = msc_image_load (path, NULL, &error);
  g_assert_no_error (error);
  MscAnalysis *analysis = msc_analyze_image (analyzer, image, NULL, &error);
  g_assert_no_error (error);

  /* How long re-extraction takes at the model's threshold (best of 3). */
  double model_th = msc_analyzer_get_threshold (analyzer);
  guint n;
  double ms = time_findings (analysis, model_th, &n);
  g_test_message ("findings at %.2f on 1664x2048: %.1f ms (%u findings)", model_th, ms, n);
  g_autoptr (MscAnalysis) big = upsampled_analysis (analysis);
  guint n_big;
  double ms_big = time_findings (big, model_th, &n_big);
  g_test_message ("findings at %.2f on 3328x4096: %.1f ms (%u findings)", model_th, ms_big, n_big);

  MscOverlay *overlay = msc_overlay_new ();
  g_object_set (overlay, "threshold", model_th, NULL);
  gint64 t0 = g_get_monotonic_time ();
  msc_overlay_set_analysis (overlay, analysis);
  gint64 t1 = g_get_monotonic_time ();
  wait_findings (overlay);
  g_test_message ("1664x2048: set_analysis blocks %.2f ms; texture + findings ready after %.1f ms",
                  (t1 - t0) / 1e3, (g_get_monotonic_time () - t0) / 1e3);
  big_drag (big, model_th);
  g_assert_cmpuint (msc_overlay_get_n_findings (overlay), ==, n);

  double scale = MIN (640.0 / 1664, 480.0 / 2048);
  MscViewTransform t = { .image_width = 1664, .image_height = 2048, .scale = scale,
                         .origin_x = (640 - 1664 * scale) / 2, .origin_y = 0 };
  GtkWidget *window = msc_ui_test_window_new (640, 480);
  TestCanvas *canvas = canvas_new (overlay, &t);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (canvas));
  g_autoptr (GdkTexture) tex = render_and_save (GTK_WIDGET (canvas), "overlay-phantom-model");
  guint all = msc_ui_test_count (tex, 0, 0, 640, 480, is_contour, NULL);
  if (n == 0)
    g_assert_cmpuint (all, ==, 0);
  guint inside = 0;
  for (guint i = 0; i < n; i++)
    {
      const MscFinding *f = msc_overlay_get_finding (overlay, i);
      int x, y, w, h;
      finding_rect (&canvas->t, f, 4, &x, &y, &w, &h);
      inside += msc_ui_test_count (tex, x, y, w, h, is_contour, NULL);
      /* Small contours shrink to a few pixels at this zoom: look at the box. */
      g_assert_cmpuint (msc_ui_test_count (tex, x, y, w, h, is_contour, NULL), >, 0);
    }
  g_assert_cmpuint (inside, >=, all);

  /* Above the top score nothing is left. */
  double top = n ? msc_overlay_get_finding (overlay, 0)->score : model_th;
  g_object_set (overlay, "threshold", MIN (1.0, top + 0.01), NULL);
  wait_findings (overlay);
  g_assert_cmpuint (msc_overlay_get_n_findings (overlay), ==, 0);
  g_autoptr (GdkTexture) none = render_and_save (GTK_WIDGET (canvas), "overlay-phantom-above-top");
  g_assert_cmpuint (msc_ui_test_count (none, 0, 0, 640, 480, is_contour, NULL), ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (overlay);
}

int
main (int argc, char **argv)
{
  msc_ui_test_init (&argc, &argv);
  g_test_add ("/ui/overlay/contours", Fixture, NULL, fixture_set_up, test_contours, fixture_tear_down);
  g_test_add ("/ui/overlay/threshold-above-top", Fixture, NULL, fixture_set_up,
              test_threshold_above_top, fixture_tear_down);
  g_test_add ("/ui/overlay/mirror", Fixture, NULL, fixture_set_up, test_mirror, fixture_tear_down);
  g_test_add ("/ui/overlay/heatmap-off-and-opacity", Fixture, NULL, fixture_set_up,
              test_heatmap_off_and_opacity, fixture_tear_down);
  g_test_add ("/ui/overlay/threshold-drag", Fixture, NULL, fixture_set_up, test_threshold_drag,
              fixture_tear_down);
  g_test_add ("/ui/overlay/empty", Fixture, NULL, fixture_set_up, test_empty, fixture_tear_down);
  g_test_add ("/ui/overlay/controls", Fixture, NULL, fixture_set_up, test_controls, fixture_tear_down);
  g_test_add_func ("/ui/overlay/real-model", test_real_model);
  return g_test_run ();
}
