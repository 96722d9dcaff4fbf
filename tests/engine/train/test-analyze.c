/* tests/engine/train/test-analyze.c — the analysis API on a tiny hand-set
 * model: a 1x1 conv whose logit is high where the image is bright, and a
 * hierarchical head with fixed logits, so the heatmap, the findings and the
 * class probabilities are known in advance.
 */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "msc-analyze.h"
#include "msc-analyze-private.h"
#include "msc-load.h"
#include "msc-model.h"
#include "msc-preprocess.h"
#include "msc-test-util.h"

/* Heatmap logit = 10 v - 5 with v the 8-bit value / 255 (mean 0, std 1):
 * v = 1 -> sigmoid (5) = 0.9933, v = 0.5 -> 0.5. The image head ignores
 * the pixels: abnormal logit 1, malignant logit -2. */
static const char graph_json[] =
  "{\"format\": \"mammoscope-graph\", \"version\": 1, \"name\": \"tiny\","
  " \"inputs\": [{\"name\": \"image\", \"shape\": [null, 1, null, null]}],"
  " \"outputs\": [\"mask_logits\", \"abnormal_logit\", \"malignant_logit\"],"
  " \"nodes\": ["
  "  {\"name\": \"mask_logits\", \"op\": \"conv2d\", \"inputs\": [\"image\"],"
  "   \"params\": {\"out_channels\": 1, \"kernel\": 1, \"bias\": true}},"
  "  {\"name\": \"pool\", \"op\": \"global_avg_pool\", \"inputs\": [\"image\"]},"
  "  {\"name\": \"abnormal_logit\", \"op\": \"dense\", \"inputs\": [\"pool\"],"
  "   \"params\": {\"out_features\": 1}},"
  "  {\"name\": \"malignant_logit\", \"op\": \"dense\", \"inputs\": [\"pool\"],"
  "   \"params\": {\"out_features\": 1}}]}";

static const char card_template[] =
  "{\"format\": \"mammoscope-model\", \"format_version\": 1,"
  " \"name\": \"tiny\", \"version\": \"0.1\","
  " \"graph\": \"graph.json\", \"weights\": \"weights.safetensors\","
  " \"preprocess\": \"%s\", \"pixel_spacing_mm\": 0.4,"
  " \"normalization\": {\"mean\": 0, \"std\": 1},"
  " \"outputs\": {\"heatmap\": \"%s\", \"abnormal\": \"abnormal_logit\","
  "               \"malignant\": \"malignant_logit\"},"
  " %s \"intended_use\": \"tests only\"}";

static void
set_param (MscModel *m, const char *name, float value)
{
  gsize n = 0;
  float *p = msc_model_get_param (m, name, &n);
  g_assert_nonnull (p);
  for (gsize i = 0; i < n; i++)
    p[i] = value;
}

/* Writes graph, weights and a card (chain, heatmap output name, extra
 * fields such as the threshold) into a fresh folder. (transfer full) */
static char *
write_bundle (const char *chain, const char *heatmap, const char *extra)
{
  g_autoptr (GError) error = NULL;
  char *dir = msc_test_tmpdir ();
  g_autofree char *graph = g_build_filename (dir, "graph.json", NULL);
  g_autofree char *weights = g_build_filename (dir, "weights.safetensors", NULL);
  g_autofree char *card = g_build_filename (dir, "model.json", NULL);
  g_assert_true (g_file_set_contents (graph, graph_json, -1, &error));
  g_autoptr (MscModel) m = msc_model_load (graph, NULL, &error);
  g_assert_no_error (error);
  set_param (m, "mask_logits.weight", 10.0f);
  set_param (m, "mask_logits.bias", -5.0f);
  set_param (m, "abnormal_logit.weight", 0.0f);
  set_param (m, "abnormal_logit.bias", 1.0f);
  set_param (m, "malignant_logit.weight", 0.0f);
  set_param (m, "malignant_logit.bias", -2.0f);
  g_assert_true (msc_model_save (m, weights, &error));
  g_autofree char *text = g_strdup_printf (card_template, chain, heatmap, extra);
  g_assert_true (g_file_set_contents (card, text, -1, &error));
  return dir;
}

/* A W x H 8-bit image at 0.2 mm: a breast (value 80) as a half disk on the
 * RIGHT edge (so "orient" flips it) and a lesion at (cx, cy): 255 within
 * 12 px, falling linearly to 80 at 24 px. At threshold t the region is
 * where 10 v - 5 >= logit (t), v = value / 255. */
static MscImage *
synthetic (guint w, guint h, double cx, double cy)
{
  g_autoptr (GError) error = NULL;
  MscImage *img = msc_image_new (w, h, 8, 0, &error);
  g_assert_no_error (error);
  guint16 *px = msc_image_get_pixels_mutable (img);
  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      {
        double bx = x - (w - 1.0), by = y - (h - 1) / 2.0;
        double br = hypot (bx, by), r = hypot (x - cx, y - cy);
        double v = br < 0.45 * h ? 80 : 0;
        if (r < 12)
          v = 255;
        else if (r < 24)
          v = MAX (v, 255 - (r - 12) / 12 * 175);
        px[(gsize) y * w + x] = (guint16) lround (v);
      }
  msc_image_set_spacing_mm (img, 0.2, 0.2, "ImagerPixelSpacing");
  return img;
}

/* Radius where the lesion's profile reaches probability t:
 * value = 255 (logit (t) + 5) / 10, r = 12 + (255 - value) / 175 * 12. */
static double
radius_at (double t)
{
  double value = 255 * (log (t / (1 - t)) + 5) / 10;
  return 12 + (255 - value) / 175 * 12;
}

static MscAnalyzer *
load (const char *dir)
{
  g_autoptr (GError) error = NULL;
  MscAnalyzer *a = msc_analyzer_load (dir, &error);
  g_assert_no_error (error);
  return a;
}

static void
test_disk (void)
{
  g_autofree char *dir = write_bundle ("mask,orient,crop,resample", "mask_logits",
                                       "\"threshold\": 0.5,");
  g_autoptr (MscAnalyzer) a = load (dir);
  g_autoptr (MscImage) img = synthetic (400, 300, 250, 120);
  g_autoptr (GError) error = NULL;

  /* The chain really flips, crops and halves the grid. */
  MscPreprocessOptions opts;
  msc_preprocess_options_init (&opts);
  opts.target_mm = 0.4;
  g_autoptr (MscPreprocess) pre = msc_preprocess_run (img, msc_analyzer_get_preprocess (a),
                                                      &opts, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (msc_preprocess_get_flipped (pre));
  g_assert_cmpuint (msc_plane_get_width (msc_preprocess_get_plane (pre)), <, 200);

  g_autoptr (MscAnalysis) r = msc_analyze_image (a, img, NULL, &error);
  g_assert_no_error (error);
  const MscPlane *heat = msc_analysis_get_heatmap (r);
  g_assert_cmpuint (msc_plane_get_width (heat), ==, 400);
  g_assert_cmpuint (msc_plane_get_height (heat), ==, 300);
  /* Far outside the breast (top-left corner) the map is 0. */
  g_assert_cmpfloat (msc_plane_peek_f32 (heat)[0], ==, 0.0f);

  g_autoptr (GPtrArray) f5 = msc_analysis_findings (r, 0.5);
  g_assert_cmpuint (f5->len, ==, 1);
  MscFinding *f = f5->pdata[0];
  g_assert_cmpfloat (fabs (f->center_x - 250), <=, 2.0);
  g_assert_cmpfloat (fabs (f->center_y - 120), <=, 2.0);
  g_assert_cmpfloat (f->score, >, 0.95);
  /* r (0.5) = 12 + (255 - 127.5) / 175 * 12 = 20.74 px; area
   * pi 20.74^2 0.04 = 54.1 mm^2; resampling blurs, so within 10%. */
  double want = G_PI * pow (radius_at (0.5), 2) * 0.04;
  g_assert_cmpfloat (fabs (f->area_mm2 - want) / want, <, 0.10);
  g_assert_cmpuint (f->bbox_x, <=, 250 - 18);
  g_assert_cmpuint (f->bbox_x + f->bbox_width, >=, 250 + 18);
  g_assert_cmpuint (f->contour->len, >=, 8);
  for (guint k = 0; k < f->contour->len; k++)
    {
      MscPoint *p = &g_array_index (f->contour, MscPoint, k);
      g_assert_cmpfloat (fabs (hypot (p->x - 250, p->y - 120) - radius_at (0.5)), <, 2.5);
    }

  /* Higher threshold, smaller region: r (0.9) = 16.9 px. */
  g_autoptr (GPtrArray) f9 = msc_analysis_findings (r, 0.9);
  g_assert_cmpuint (f9->len, ==, 1);
  MscFinding *g = f9->pdata[0];
  g_assert_cmpfloat (g->area_mm2, <, f->area_mm2 * 0.8);
  double want9 = G_PI * pow (radius_at (0.9), 2) * 0.04;
  g_assert_cmpfloat (fabs (g->area_mm2 - want9) / want9, <, 0.15);
  /* Above the highest probability, nothing. */
  g_autoptr (GPtrArray) none = msc_analysis_findings (r, 0.999);
  g_assert_cmpuint (none->len, ==, 0);
}

static void
test_class_probabilities (void)
{
  /* pa = sigmoid (1) = 0.7310586, pm = sigmoid (-2) = 0.1192029:
   * normal 0.2689414, benign 0.7310586 * 0.8807971 = 0.6439143,
   * malignant 0.7310586 * 0.1192029 = 0.0871443. */
  g_autofree char *dir = write_bundle ("mask,crop", "mask_logits", "\"threshold\": 0.5,");
  g_autoptr (MscAnalyzer) a = load (dir);
  g_autoptr (MscImage) img = synthetic (200, 160, 150, 80);
  g_autoptr (GError) error = NULL;
  g_autoptr (MscAnalysis) r = msc_analyze_image (a, img, NULL, &error);
  g_assert_no_error (error);
  MscClassProbabilities p;
  msc_analysis_get_class_probabilities (r, &p);
  g_assert_cmpfloat_with_epsilon (p.normal, 0.2689414, 1e-6);
  g_assert_cmpfloat_with_epsilon (p.benign, 0.6439143, 1e-6);
  g_assert_cmpfloat_with_epsilon (p.malignant, 0.0871443, 1e-6);
  g_assert_cmpfloat_with_epsilon (p.normal + p.benign + p.malignant, 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (msc_analysis_get_abnormal_probability (r), 0.7310586, 1e-6);
  g_assert_cmpfloat_with_epsilon (msc_analysis_get_malignant_probability (r), 0.1192029, 1e-6);
  g_assert_cmpfloat (msc_analysis_get_seconds (r), >=, 0.0);

  /* Softmax of (0, ln 2, ln 3): exp = 1, 2, 3 over 6. */
  double logits[3] = { 0, log (2), log (3) };
  msc_analyze_class_probabilities (logits, FALSE, &p);
  g_assert_cmpfloat_with_epsilon (p.normal, 1.0 / 6, 1e-12);
  g_assert_cmpfloat_with_epsilon (p.benign, 2.0 / 6, 1e-12);
  g_assert_cmpfloat_with_epsilon (p.malignant, 3.0 / 6, 1e-12);
}

/* A plane larger than one tile: the breast crop is about 590 x 1170 px,
 * so 2 x 3 tiles (y origins 0, 448, ~658 in the crop, which starts near
 * row 65), and the lesion sits in the overlap of the first two rows. */
static void expect_refused (const char *dir, const char *part, const char *file);

/* Platt maps from the card: logit (pa) = 1 -> 2 * 1 + 0.5 = 2.5, and
 * logit (pm) = -2 -> -2 + 1 = -1. A map that reverses order is refused. */
static void
test_calibration (void)
{
  g_autofree char *dir = write_bundle ("mask,crop", "mask_logits",
                                       "\"threshold\": 0.5, \"calibration\": {\"abnormal\": "
                                       "{\"a\": 2, \"b\": 0.5}, \"malignant\": {\"a\": 1, "
                                       "\"b\": 1}},");
  g_autoptr (MscAnalyzer) a = load (dir);
  g_autoptr (MscImage) img = synthetic (200, 160, 150, 80);
  g_autoptr (GError) error = NULL;
  g_autoptr (MscAnalysis) r = msc_analyze_image (a, img, NULL, &error);
  g_assert_no_error (error);
  double pa = 1 / (1 + exp (-2.5)), pm = 1 / (1 + exp (1.0));
  g_assert_cmpfloat_with_epsilon (msc_analysis_get_abnormal_probability (r), pa, 1e-9);
  g_assert_cmpfloat_with_epsilon (msc_analysis_get_malignant_probability (r), pm, 1e-9);
  MscClassProbabilities p;
  msc_analysis_get_class_probabilities (r, &p);
  g_assert_cmpfloat_with_epsilon (p.malignant, pa * pm, 1e-9);

  g_autofree char *bad = write_bundle ("mask,crop", "mask_logits",
                                       "\"threshold\": 0.5, \"calibration\": {\"abnormal\": "
                                       "{\"a\": -1, \"b\": 0}},");
  expect_refused (bad, "“a”", "model.json");
}

static void
test_tiles (void)
{
  g_autofree char *dir = write_bundle ("mask,crop", "mask_logits", "\"threshold\": 0.5,");
  g_autoptr (MscAnalyzer) a = load (dir);
  g_autoptr (MscImage) img = synthetic (1300, 1300, 1100, 545);
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPreprocess) pre = msc_preprocess_run (img, "mask,crop", NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msc_plane_get_width (msc_preprocess_get_plane (pre)), >, 512);
  g_assert_cmpuint (msc_plane_get_height (msc_preprocess_get_plane (pre)), >, 1024);
  g_autoptr (MscAnalysis) r = msc_analyze_image (a, img, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (GPtrArray) fs = msc_analysis_findings (r, 0.5);
  g_assert_cmpuint (fs->len, ==, 1);
  MscFinding *f = fs->pdata[0];
  g_assert_cmpfloat (fabs (f->center_x - 1100), <=, 2.0);
  g_assert_cmpfloat (fabs (f->center_y - 545), <=, 2.0);
  double want = G_PI * pow (radius_at (0.5), 2) * 0.04;
  g_assert_cmpfloat (fabs (f->area_mm2 - want) / want, <, 0.05);
}

/* Sets one parameter of a bundle's weights file to a constant. */
static void
retune (const char *dir, const char *name, float value)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *graph = g_build_filename (dir, "graph.json", NULL);
  g_autofree char *weights = g_build_filename (dir, "weights.safetensors", NULL);
  g_autoptr (MscModel) m = msc_model_load (graph, weights, &error);
  g_assert_no_error (error);
  set_param (m, name, value);
  g_assert_true (msc_model_save (m, weights, &error));
}

/* A patch-trained model (card "patch_size"): P(abnormal) is the heatmap's
 * peak, sigmoid (10 - 5) = 0.9933 on the lesion, and the malignant head
 * (logit 10 mean - 5) judges the bright lesion patch, high; averaged over
 * whole tiles both heads see mostly fat and background. */
static void
test_patch_head (void)
{
  g_autofree char *whole = write_bundle ("mask,crop", "mask_logits", "\"threshold\": 0.5,");
  g_autofree char *patch = write_bundle ("mask,crop", "mask_logits",
                                         "\"threshold\": 0.5, \"patch_size\": 32,");
  const char *dirs[2] = { whole, patch };
  double pa[2], pm[2];
  for (guint k = 0; k < 2; k++)
    {
      retune (dirs[k], "abnormal_logit.weight", 10.0f);
      retune (dirs[k], "abnormal_logit.bias", -5.0f);
      retune (dirs[k], "malignant_logit.weight", 10.0f);
      retune (dirs[k], "malignant_logit.bias", -5.0f);
      g_autoptr (MscAnalyzer) a = load (dirs[k]);
      g_autoptr (MscImage) img = synthetic (200, 160, 150, 80);
      g_autoptr (GError) error = NULL;
      g_autoptr (MscAnalysis) r = msc_analyze_image (a, img, NULL, &error);
      g_assert_no_error (error);
      MscClassProbabilities p;
      msc_analysis_get_class_probabilities (r, &p);
      pa[k] = msc_analysis_get_abnormal_probability (r);
      pm[k] = msc_analysis_get_malignant_probability (r);
      g_assert_cmpfloat_with_epsilon (p.normal, 1 - pa[k], 1e-9);
      g_assert_cmpfloat_with_epsilon (p.malignant, pa[k] * pm[k], 1e-9);
    }
  g_test_message ("whole tiles: abnormal %.3f malignant %.3f; patches: abnormal %.3f "
                  "malignant %.3f", pa[0], pm[0], pa[1], pm[1]);
  g_assert_cmpfloat (pa[0], <, 0.4);
  g_assert_cmpfloat (pm[0], <, 0.4);
  g_assert_cmpfloat_with_epsilon (pa[1], 1 / (1 + exp (-5.0)), 1e-4);
  g_assert_cmpfloat (pm[1], >, 0.85);

  /* The patch must tile: a whole multiple of input_multiple (32). */
  g_autofree char *odd = write_bundle ("mask,crop", "mask_logits",
                                       "\"threshold\": 0.5, \"patch_size\": 48,");
  expect_refused (odd, "patch_size", "model.json");
  g_autofree char *frac = write_bundle ("mask,crop", "mask_logits",
                                        "\"threshold\": 0.5, \"patch_size\": 31.5,");
  expect_refused (frac, "patch_size", "model.json");
}

static void
expect_refused (const char *dir, const char *part, const char *file)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscAnalyzer) a = msc_analyzer_load (dir, &error);
  g_assert_null (a);
  g_assert_nonnull (error);
  if (strstr (error->message, part) == NULL || strstr (error->message, file) == NULL)
    g_error ("message “%s” lacks “%s” or “%s”", error->message, part, file);
}

static void
test_bad_cards (void)
{
  g_autofree char *missing = write_bundle ("mask,crop", "mask_logits", "");
  expect_refused (missing, "threshold", "model.json");
  g_autofree char *unknown = write_bundle ("mask,crop", "nope", "\"threshold\": 0.5,");
  expect_refused (unknown, "nope", "model.json");
  g_autofree char *range = write_bundle ("mask,crop", "mask_logits", "\"threshold\": 1.5,");
  expect_refused (range, "threshold", "model.json");

  g_autofree char *bad = write_bundle ("mask,crop", "mask_logits", "\"threshold\": 0.5,");
  g_autofree char *weights = g_build_filename (bad, "weights.safetensors", NULL);
  g_assert_true (g_file_set_contents (weights, "\x10\0\0\0\0\0\0\0{\"a\":", 13, NULL));
  expect_refused (bad, "", "weights.safetensors");
  g_assert_cmpint (g_unlink (weights), ==, 0);
  expect_refused (bad, "missing", "weights.safetensors");

  g_autofree char *empty = msc_test_tmpdir ();
  expect_refused (empty, "model.json", "model.json");
  g_autofree char *card = g_build_filename (empty, "model.json", NULL);
  g_assert_true (g_file_set_contents (card, "[1, 2]", -1, NULL));
  expect_refused (empty, "not a JSON object", "model.json");
}

static void
async_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError **error = user_data;
  MscAnalysis *r = msc_analyze_image_finish (NULL, result, error);
  g_assert_null (r);
}

static void
test_cancel (void)
{
  g_autofree char *dir = write_bundle ("mask,crop", "mask_logits", "\"threshold\": 0.5,");
  g_autoptr (MscAnalyzer) a = load (dir);
  g_autoptr (MscImage) img = synthetic (200, 160, 150, 80);
  g_autoptr (GCancellable) c = g_cancellable_new ();
  g_cancellable_cancel (c);
  g_autoptr (GError) error = NULL;
  g_autoptr (MscAnalysis) r = msc_analyze_image (a, img, c, &error);
  g_assert_null (r);
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_CANCELLED);

  /* Async: the task checks the cancellable and reports it. */
  g_autoptr (GError) async_error = NULL;
  msc_analyze_image_async (a, img, c, async_done, &async_error);
  while (async_error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (g_error_matches (async_error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_CANCELLED)
                 || g_error_matches (async_error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
}

static void
async_ok (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MscAnalysis **out = user_data;
  g_autoptr (GError) error = NULL;
  *out = msc_analyze_image_finish (NULL, result, &error);
  g_assert_no_error (error);
}

static void
test_async (void)
{
  g_autofree char *dir = write_bundle ("mask,crop", "mask_logits", "\"threshold\": 0.5,");
  g_autoptr (MscAnalyzer) a = load (dir);
  g_autoptr (MscImage) img = synthetic (200, 160, 150, 80);
  MscAnalysis *r = NULL;
  msc_analyze_image_async (a, img, NULL, async_ok, &r);
  while (r == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_autoptr (GPtrArray) fs = msc_analysis_findings (r, 0.5);
  g_assert_cmpuint (fs->len, ==, 1);
  g_assert_cmpstr (msc_analyzer_get_name (a), ==, "tiny");
  g_assert_cmpuint (strlen (msc_analyzer_get_sha256 (a)), ==, 64);
  msc_analysis_free (r);
}

/* -m perf: the U-Net preset (random weights) on a real 1024 x 1024 MIAS
 * image with the full chain at 0.4 mm; prints the seconds taken. */
static void
test_mias_timing (void)
{
  if (!g_test_perf ())
    {
      g_test_skip ("timing runs with -m perf");
      return;
    }
  g_autofree char *png = msc_test_shared_path ("mias/images/mdb005.png");
  if (png == NULL)
    return;
  g_autoptr (GError) error = NULL;
  g_autofree char *preset = g_test_build_filename (G_TEST_DIST, "..", "data", "models", "presets",
                                                   "unet-small-hierarchical.json", NULL);
  g_autofree char *dir = write_bundle ("median,mask,artefacts,pectoral,orient,crop,resample,clahe",
                                       "mask_logits", "\"threshold\": 0.5,");
  g_autofree char *graph = g_build_filename (dir, "graph.json", NULL);
  g_autofree char *weights = g_build_filename (dir, "weights.safetensors", NULL);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (preset, &text, NULL, &error));
  g_assert_true (g_file_set_contents (graph, text, -1, &error));
  g_autoptr (MscModel) m = msc_model_load (graph, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (msc_model_save (m, weights, &error));
  g_autoptr (MscAnalyzer) a = load (dir);
  msc_analyzer_set_assumed_spacing (a, 0.2);
  g_autoptr (MscImage) img = msc_image_load (png, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (MscAnalysis) r = msc_analyze_image (a, img, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("mdb005.png (1024 x 1024), unet-small-hierarchical: %.3f s",
                  msc_analysis_get_seconds (r));
  g_test_minimized_result (msc_analysis_get_seconds (r), "analyze seconds");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train/analyze/disk", test_disk);
  g_test_add_func ("/train/analyze/class-probabilities", test_class_probabilities);
  g_test_add_func ("/train/analyze/tiles", test_tiles);
  g_test_add_func ("/train/analyze/bad-cards", test_bad_cards);
  g_test_add_func ("/train/analyze/patch-head", test_patch_head);
  g_test_add_func ("/train/analyze/calibration", test_calibration);
  g_test_add_func ("/train/analyze/cancel", test_cancel);
  g_test_add_func ("/train/analyze/async", test_async);
  g_test_add_func ("/train/analyze/mias-timing", test_mias_timing);
  return g_test_run ();
}
