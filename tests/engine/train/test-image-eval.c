/* tests/engine/train/test-image-eval.c — image-level evaluation: the
 * metrics on hand-made records whose AUCs, FROC points and Dice are worked
 * out below, the ground truth rasterised from a case, and one end-to-end
 * run of a random-weight bundle on four MIAS images (JSON keys and ranges).
 */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "msc-image-eval.h"
#include "msc-model.h"
#include "msc-test-util.h"

static GPtrArray *
new_records (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) msc_image_eval_record_free);
}

static MscImageEvalRecord *
add (GPtrArray *records, const char *path, const char *patient, MscLabel label,
     double abnormal, double malignant)
{
  MscImageEvalRecord *r = msc_image_eval_record_new (path, patient, label);
  r->width = r->height = 128;
  r->abnormal_probability = abnormal;
  r->malignant_probability = malignant;
  r->class_probabilities[0] = 1 - abnormal;
  r->class_probabilities[1] = abnormal * (1 - malignant);
  r->class_probabilities[2] = abnormal * malignant;
  g_ptr_array_add (records, r);
  return r;
}

static JsonObject *
member (JsonObject *o, const char *path)
{
  g_auto (GStrv) parts = g_strsplit (path, ".", -1);
  for (guint i = 0; parts[i]; i++)
    o = json_object_get_object_member (o, parts[i]);
  return o;
}

static double
number (JsonObject *o, const char *obj, const char *key)
{
  return json_object_get_double_member (obj ? member (o, obj) : o, key);
}

static gboolean
is_null (JsonObject *o, const char *obj, const char *key)
{
  return json_object_get_null_member (obj ? member (o, obj) : o, key);
}

/* Five images: normal 0.1 (a false mark 0.6), normal 0.4, benign 0.7 (a
 * CIRC hit at 0.9), malignant 0.35 (a false mark 0.55, a CALC hit at 0.5,
 * a SPIC missed), benign 0.9 without geometry.
 *   abnormal AUC: positives 0.7, 0.35, 0.9 vs 0.1, 0.4: 5 of 6 pairs.
 *   malignant AUC: 0.8 vs 0.2, 0.6: 1. Confusion at 0.5: tp 2 fn 1 tn 2.
 *   ROC points (fpr, tpr): (0, 1/3) (0, 2/3) (1/2, 2/3) (1/2, 1) (1, 1):
 *   sensitivity at 80% and 90% specificity 2/3.
 *   FROC all (3 lesions, 5 images): 0.9 (0, 1/3), 0.6 (0.2, 1/3),
 *   0.55 (0.4, 1/3), 0.5 (0.4, 2/3): 1/3 at 0.25 FP/image, 2/3 from 0.5.
 *   Masses (CIRC, SPIC): the CALC hit is left out; 1/2 everywhere.
 *   Calcifications: the CIRC hit is left out; 0.6 (0.2, 0), 0.55 (0.4, 0),
 *   0.5 (0.4, 1): 0 at 0.25, 1 from 0.5.
 *   Dice: 2*30/80 = 0.75 and 0: mean 0.375, pooled 60/100 = 0.6. */
static GPtrArray *
fixture (void)
{
  GPtrArray *records = new_records ();
  MscImageEvalRecord *r = add (records, "n1.png", "P1", MSC_LABEL_NORMAL, 0.1, 0.5);
  msc_image_eval_record_add_finding (r, 0.6, 10, 10);
  add (records, "n2.png", "P1", MSC_LABEL_NORMAL, 0.4, 0.3);
  r = add (records, "b1.png", "P2", MSC_LABEL_BENIGN, 0.7, 0.2);
  msc_image_eval_record_add_circle (r, 50, 50, 5, "CIRC", MSC_LABEL_BENIGN);
  msc_image_eval_record_add_finding (r, 0.9, 51, 50);
  r->has_overlap = TRUE;
  r->tp = 30, r->fp = 10, r->fn = 10;
  r = add (records, "m1.png", "P3", MSC_LABEL_MALIGNANT, 0.35, 0.8);
  msc_image_eval_record_add_circle (r, 30, 30, 4, "CALC", MSC_LABEL_MALIGNANT);
  msc_image_eval_record_add_circle (r, 60, 60, 3, "SPIC", MSC_LABEL_MALIGNANT);
  msc_image_eval_record_add_finding (r, 0.55, 100, 100);
  msc_image_eval_record_add_finding (r, 0.5, 30, 31);
  r->has_overlap = TRUE;
  r->tp = 0, r->fp = 0, r->fn = 20;
  add (records, "b2.png", "P4", MSC_LABEL_BENIGN, 0.9, 0.6);
  return records;
}

static void
test_metrics (void)
{
  g_autoptr (GPtrArray) records = fixture ();
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImageEval) ev = msc_image_eval_compute (records, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (JsonNode) root = msc_image_eval_to_json (ev);
  JsonObject *o = json_node_get_object (root);
  const double eps = 1e-12;
  g_assert_cmpstr (json_object_get_string_member (o, "level"), ==, "image");
  g_assert_cmpint (json_object_get_int_member (o, "n_images"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (o, "n_normal"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (o, "n_abnormal"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (o, "n_benign"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (o, "n_malignant"), ==, 1);
  g_assert_cmpfloat_with_epsilon (number (o, "abnormal", "auc"), 5.0 / 6, eps);
  g_assert_cmpfloat_with_epsilon (number (o, "malignant", "auc"), 1.0, eps);
  g_assert_cmpfloat_with_epsilon (number (o, "abnormal", "sensitivity_at_80_specificity"),
                                  2.0 / 3, eps);
  g_assert_cmpfloat_with_epsilon (number (o, "abnormal", "sensitivity_at_90_specificity"),
                                  2.0 / 3, eps);
  JsonObject *conf = member (o, "abnormal.confusion");
  g_assert_cmpint (json_object_get_int_member (conf, "tp"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (conf, "fn"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (conf, "tn"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (conf, "fp"), ==, 0);
  JsonArray *ci = json_object_get_array_member (member (o, "abnormal"), "auc_ci95");
  g_assert_cmpfloat (json_array_get_double_element (ci, 0), <=, 5.0 / 6);
  g_assert_cmpfloat (json_array_get_double_element (ci, 1), >=, 5.0 / 6);
  g_assert_cmpfloat (json_array_get_double_element (ci, 1), <=, 1.0);

  g_assert_cmpfloat_with_epsilon (number (o, "froc.all.sensitivity_at_fp", "0.25"), 1.0 / 3, eps);
  g_assert_cmpfloat_with_epsilon (number (o, "froc.all.sensitivity_at_fp", "0.5"), 2.0 / 3, eps);
  g_assert_cmpfloat_with_epsilon (number (o, "froc.all.sensitivity_at_fp", "2"), 2.0 / 3, eps);
  g_assert_cmpint (json_object_get_int_member (member (o, "froc.all"), "n_lesions"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (member (o, "froc.masses"), "n_lesions"), ==, 2);
  for (guint k = 0; k < 4; k++)
    {
      const char *keys[] = { "0.25", "0.5", "1", "2" };
      g_assert_cmpfloat_with_epsilon (number (o, "froc.masses.sensitivity_at_fp", keys[k]), 0.5,
                                      eps);
    }
  g_assert_cmpfloat_with_epsilon (number (o, NULL, "mass_sensitivity_at_1fp"), 0.5, eps);
  g_assert_cmpfloat_with_epsilon (number (o, "froc.calcifications.sensitivity_at_fp", "0.25"),
                                  0.0, eps);
  g_assert_cmpfloat_with_epsilon (number (o, "froc.calcifications.sensitivity_at_fp", "0.5"),
                                  1.0, eps);

  g_assert_cmpint (json_object_get_int_member (member (o, "dice"), "n_images"), ==, 2);
  g_assert_cmpfloat_with_epsilon (number (o, "dice", "mean"), 0.375, eps);
  g_assert_cmpfloat_with_epsilon (number (o, "dice", "pooled"), 0.6, eps);

  /* Argmax of (normal, benign, malignant): n1 (0.9, ...) and n2 (0.6,
   * 0.28, 0.12) normal, b1 (0.3, 0.56, 0.14) benign, m1 (0.65, 0.07,
   * 0.28) normal, b2 (0.1, 0.36, 0.54) malignant. Row = truth. */
  JsonArray *rows = json_object_get_array_member (member (o, "class_confusion"), "counts");
  g_assert_cmpint (json_array_get_int_element (json_array_get_array_element (rows, 0), 0), ==, 2);
  g_assert_cmpint (json_array_get_int_element (json_array_get_array_element (rows, 1), 1), ==, 1);
  g_assert_cmpint (json_array_get_int_element (json_array_get_array_element (rows, 1), 2), ==, 1);
  g_assert_cmpint (json_array_get_int_element (json_array_get_array_element (rows, 2), 0), ==, 1);

  JsonArray *per = json_object_get_array_member (o, "per_image");
  g_assert_cmpuint (json_array_get_length (per), ==, 5);
  JsonObject *m1 = json_array_get_object_element (per, 3);
  g_assert_cmpstr (json_object_get_string_member (m1, "label"), ==, "malignant");
  g_assert_cmpstr (json_object_get_string_member (m1, "patient"), ==, "P3");
  g_assert_cmpint (json_object_get_int_member (m1, "lesions_hit"), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (m1, "findings")), ==, 2);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (m1,
                                                                         "class_probabilities")),
                    ==, 3);

  /* The same records give the same interval (fixed seed). */
  g_autoptr (MscImageEval) again = msc_image_eval_compute (records, NULL, &error);
  g_autoptr (JsonNode) root2 = msc_image_eval_to_json (again);
  JsonArray *ci2 = json_object_get_array_member (member (json_node_get_object (root2),
                                                         "abnormal"), "auc_ci95");
  g_assert_cmpfloat (json_array_get_double_element (ci, 0), ==,
                     json_array_get_double_element (ci2, 0));

  /* Plots: all four, since every curve is defined. */
  g_autofree char *dir = msc_test_tmpdir ();
  g_autoptr (GPtrArray) skipped = NULL;
  g_assert_true (msc_image_eval_write_plots (ev, dir, &skipped, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (skipped->len, ==, 0);
  const char *pngs[] = { "roc-abnormal.png", "roc-malignant.png", "pr-abnormal.png", "froc.png" };
  for (guint i = 0; i < G_N_ELEMENTS (pngs); i++)
    {
      g_autofree char *p = g_build_filename (dir, pngs[i], NULL);
      g_assert_true (g_file_test (p, G_FILE_TEST_IS_REGULAR));
    }
}

/* Only normal images: the AUCs, Dice and FROC are null with notes, and
 * the plots are skipped by name; no records at all is EMPTY. */
static void
test_undefined (void)
{
  g_autoptr (GPtrArray) records = new_records ();
  add (records, "n1.png", "P1", MSC_LABEL_NORMAL, 0.1, 0.5);
  add (records, "n2.png", "P2", MSC_LABEL_NORMAL, 0.7, 0.5);
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImageEval) ev = msc_image_eval_compute (records, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (JsonNode) root = msc_image_eval_to_json (ev);
  JsonObject *o = json_node_get_object (root);
  g_assert_true (is_null (o, "abnormal", "auc"));
  g_assert_true (is_null (o, "abnormal", "auc_ci95"));
  g_assert_true (is_null (o, "malignant", "auc"));
  g_assert_true (is_null (o, "dice", "mean"));
  g_assert_true (is_null (o, "froc.all.sensitivity_at_fp", "1"));
  g_assert_true (is_null (o, NULL, "mass_sensitivity_at_1fp"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "notes")), >=, 4);
  /* One false positive at 0.7 >= 0.5: specificity 1/2. */
  g_assert_cmpint (json_object_get_int_member (member (o, "abnormal.confusion"), "fp"), ==, 1);
  g_autofree char *dir = msc_test_tmpdir ();
  g_autoptr (GPtrArray) skipped = NULL;
  g_assert_true (msc_image_eval_write_plots (ev, dir, &skipped, &error));
  g_assert_cmpuint (skipped->len, ==, 4);

  g_autoptr (GPtrArray) none = new_records ();
  g_autoptr (MscImageEval) empty = msc_image_eval_compute (none, NULL, &error);
  g_assert_null (empty);
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY);
}

/* Ground truth from a case on a 20 x 20 grid: a circle of radius 2 at
 * (10, 10) covers 13 pixel centres; a 3 x 3 block of probability 1 there
 * is all inside: tp 9, fp 0, fn 4. A triangle lesion becomes a mask hit
 * at its inside only; a lesion without geometry is not kept. */
static void
test_truth (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscCase) c = g_new0 (MscCase, 1);
  c->lesions = g_ptr_array_new_with_free_func ((GDestroyNotify) msc_lesion_free);
  c->label = MSC_LABEL_MALIGNANT;
  MscLesion *circle = g_new0 (MscLesion, 1);
  *circle = (MscLesion) { .kind = MSC_LESION_CIRCLE, .cx = 10, .cy = 10, .radius = 2,
                          .type = g_strdup ("CIRC"), .severity = MSC_LABEL_MALIGNANT };
  g_ptr_array_add (c->lesions, circle);
  MscLesion *tri = g_new0 (MscLesion, 1);
  *tri = (MscLesion) { .kind = MSC_LESION_POLYGON, .type = g_strdup ("CALC"),
                       .severity = MSC_LABEL_BENIGN };
  tri->polygon = g_array_new (FALSE, FALSE, sizeof (MscPoint));
  MscPoint pts[] = { { 1, 1 }, { 8, 1 }, { 1, 8 } };
  g_array_append_vals (tri->polygon, pts, 3);
  g_ptr_array_add (c->lesions, tri);
  MscLesion *none = g_new0 (MscLesion, 1);
  none->kind = MSC_LESION_NONE;
  none->severity = MSC_LABEL_BENIGN;
  g_ptr_array_add (c->lesions, none);

  g_autoptr (MscPlane) heat = msc_plane_new (MSC_PLANE_F32, 20, 20, &error);
  g_assert_no_error (error);
  for (guint y = 9; y <= 11; y++)
    for (guint x = 9; x <= 11; x++)
      msc_plane_f32 (heat)[y * 20 + x] = 1.0f;
  g_autoptr (MscImageEvalRecord) r = msc_image_eval_record_new ("x.png", "P", c->label);
  /* Only the circle for the pixel counts first: the triangle's pixels
   * would be false negatives too. */
  MscLesion *keep_tri = g_ptr_array_steal_index (c->lesions, 1);
  g_assert_true (msc_image_eval_record_set_truth (r, c, 20, 20, heat, 0.5, &error));
  g_assert_no_error (error);
  g_assert_true (r->has_overlap);
  g_assert_cmpuint (r->tp, ==, 9);
  g_assert_cmpuint (r->fp, ==, 0);
  g_assert_cmpuint (r->fn, ==, 4);
  g_assert_cmpuint (r->lesions->len, ==, 1);
  g_ptr_array_add (c->lesions, keep_tri);

  g_autoptr (MscImageEvalRecord) r2 = msc_image_eval_record_new ("x.png", "P", c->label);
  g_assert_true (msc_image_eval_record_set_truth (r2, c, 20, 20, NULL, 0.5, &error));
  g_assert_false (r2->has_overlap);
  g_assert_cmpuint (r2->lesions->len, ==, 2);
  const MscImageEvalLesion *t = r2->lesions->pdata[1];
  g_assert_nonnull (t->mask);
  g_assert_true (msc_image_eval_lesion_contains (t, 2, 2));
  g_assert_false (msc_image_eval_lesion_contains (t, 7, 7));
  g_assert_false (msc_image_eval_lesion_contains (t, -3, 2));
  g_assert_true (msc_image_eval_lesion_contains (r2->lesions->pdata[0], 12, 10));
  g_assert_false (msc_image_eval_lesion_contains (r2->lesions->pdata[0], 12, 11));
  msc_image_eval_record_add_finding (r2, 0.8, 2, 3);
  g_assert_cmpuint (msc_image_eval_record_lesions_hit (r2), ==, 1);
  msc_image_eval_record_add_finding (r2, 0.7, 10, 9);
  g_assert_cmpuint (msc_image_eval_record_lesions_hit (r2), ==, 2);

  /* A normal case never counts for Dice. */
  g_autoptr (MscImageEvalRecord) r3 = msc_image_eval_record_new ("x.png", "P", MSC_LABEL_NORMAL);
  g_assert_true (msc_image_eval_record_set_truth (r3, c, 20, 20, heat, 0.5, &error));
  g_assert_false (r3->has_overlap);
}

/* unet-tiny-hierarchical with seed-0 weights on mdb003, mdb004 (normal),
 * mdb005 (benign, two circles) and mdb023 (malignant) at 0.4 mm. */
static void
test_mias (void)
{
  const char *shared = msc_test_shared_data ();
  if (shared == NULL)
    return;
  g_autoptr (GError) error = NULL;
  g_autofree char *labels = g_build_filename (shared, "mias", "labels.csv", NULL);
  g_autofree char *images = g_build_filename (shared, "mias", "images", NULL);
  g_autoptr (MscManifest) all = msc_manifest_load_mias (labels, images, NULL, NULL, &error);
  g_assert_no_error (error);
  guint cases[4], n = 0;
  const char *ids[] = { "mdb003.png", "mdb004.png", "mdb005.png", "mdb023.png" };
  for (guint i = 0; i < msc_manifest_get_n_cases (all); i++)
    for (guint k = 0; k < G_N_ELEMENTS (ids); k++)
      if (g_str_has_suffix (msc_manifest_get_case (all, i)->image_path, ids[k]))
        cases[n++] = i;
  g_assert_cmpuint (n, ==, 4);

  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *preset = g_test_build_filename (G_TEST_DIST, "..", "data", "models",
                                                   "presets",
                                                   "unet-tiny-hierarchical.json", NULL);
  g_autofree char *graph = g_build_filename (dir, "graph.json", NULL);
  g_autofree char *weights = g_build_filename (dir, "weights.safetensors", NULL);
  g_autofree char *card = g_build_filename (dir, "model.json", NULL);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (preset, &text, NULL, &error));
  g_assert_true (g_file_set_contents (graph, text, -1, &error));
  g_autoptr (MscModel) m = msc_model_load (graph, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (msc_model_save (m, weights, &error));
  g_assert_true (g_file_set_contents (card,
    "{\"format\": \"mammoscope-model\", \"format_version\": 1, \"name\": \"t\","
    " \"version\": \"0\", \"graph\": \"graph.json\", \"weights\": \"weights.safetensors\","
    " \"preprocess\": \"mask,orient,crop,resample\", \"pixel_spacing_mm\": 0.4,"
    " \"normalization\": {\"mean\": 0.5, \"std\": 0.25},"
    " \"outputs\": {\"heatmap\": \"mask_logits\", \"abnormal\": \"abnormal_logit\","
    "  \"malignant\": \"malignant_logit\"}, \"threshold\": 0.5, \"intended_use\": \"tests\"}",
    -1, &error));

  /* Without a spacing, PNGs are refused, naming the image. */
  MscImageEvalRunOptions ro = { .threshold = 0, .assumed_spacing_mm = 0, .n_threads = 1 };
  g_autoptr (GPtrArray) bad = msc_image_eval_run_bundle (dir, &ro, all, cases, n, NULL, NULL,
                                                         NULL, NULL, NULL, &error);
  g_assert_null (bad);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "mdb00"));
  g_clear_error (&error);

  ro.assumed_spacing_mm = 0.2;
  double threshold = 0;
  g_autofree char *sha = NULL;
  g_autoptr (GPtrArray) records = msc_image_eval_run_bundle (dir, &ro, all, cases, n, NULL, NULL,
                                                             NULL, &threshold, &sha, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (threshold, ==, 0.5);
  g_assert_cmpuint (strlen (sha), ==, 64);
  g_assert_cmpuint (records->len, ==, 4);
  MscImageEvalOptions eo;
  msc_image_eval_options_init (&eo);
  eo.threshold = threshold;
  g_autoptr (MscImageEval) ev = msc_image_eval_compute (records, &eo, &error);
  g_assert_no_error (error);
  g_autoptr (JsonNode) root = msc_image_eval_to_json (ev);
  g_autofree char *json = json_to_string (root, TRUE);
  g_test_message ("%s", json);
  JsonObject *o = json_node_get_object (root);
  const char *keys[] = { "level", "n_images", "n_normal", "n_abnormal", "n_benign",
                         "n_malignant", "threshold", "abnormal", "malignant", "class_confusion",
                         "dice", "froc", "mass_sensitivity_at_1fp", "notes", "per_image",
                         "bootstrap_resamples" };
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (!json_object_has_member (o, keys[i]))
      g_error ("no “%s” in the image-level JSON", keys[i]);
  g_assert_cmpint (json_object_get_int_member (o, "n_normal"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (o, "n_benign"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (o, "n_malignant"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (o, "bootstrap_resamples"), ==, 1000);
  const char *bkeys[] = { "auc", "auc_ci95", "average_precision", "sensitivity_at_80_specificity",
                          "sensitivity_at_90_specificity", "confusion" };
  for (guint i = 0; i < G_N_ELEMENTS (bkeys); i++)
    g_assert_true (json_object_has_member (member (o, "abnormal"), bkeys[i]));
  double auc = number (o, "abnormal", "auc");
  g_assert_cmpfloat (auc, >=, 0.0);
  g_assert_cmpfloat (auc, <=, 1.0);
  g_assert_cmpint (json_object_get_int_member (member (o, "dice"), "n_images"), ==, 2);
  double dice = number (o, "dice", "mean");
  g_assert_cmpfloat (dice, >=, 0.0);
  g_assert_cmpfloat (dice, <=, 1.0);
  g_assert_cmpint (json_object_get_int_member (member (o, "froc.all"), "n_lesions"), ==, 3);
  JsonArray *per = json_object_get_array_member (o, "per_image");
  g_assert_cmpuint (json_array_get_length (per), ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      JsonObject *p = json_array_get_object_element (per, i);
      double pa = json_object_get_double_member (p, "abnormal_probability");
      double pm = json_object_get_double_member (p, "malignant_probability");
      g_assert_true (pa >= 0 && pa <= 1 && pm >= 0 && pm <= 1);
      JsonArray *cp = json_object_get_array_member (p, "class_probabilities");
      double sum = 0;
      for (guint k = 0; k < 3; k++)
        sum += json_array_get_double_element (cp, k);
      g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-6);
      JsonArray *fs = json_object_get_array_member (p, "findings");
      for (guint k = 0; k < json_array_get_length (fs); k++)
        {
          JsonObject *f = json_array_get_object_element (fs, k);
          g_assert_cmpfloat (json_object_get_double_member (f, "score"), >=, 0.5);
          JsonArray *ctr = json_object_get_array_member (f, "center");
          g_assert_cmpfloat (json_array_get_double_element (ctr, 0), <, 1024);
        }
      g_assert_cmpint (json_object_get_int_member (p, "lesions_hit"), <=,
                       json_object_get_int_member (p, "lesions"));
    }

  /* Cancelled before the first image. */
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  g_autoptr (GPtrArray) none = msc_image_eval_run_bundle (dir, &ro, all, cases, n, NULL, NULL,
                                                          cancel, NULL, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_CANCELLED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train/image-eval/metrics", test_metrics);
  g_test_add_func ("/train/image-eval/undefined", test_undefined);
  g_test_add_func ("/train/image-eval/truth", test_truth);
  g_test_add_func ("/train/image-eval/mias", test_mias);
  return g_test_run ();
}
