/* tests/engine/train/test-train-config.c — the JSON training configuration:
 * defaults, every field landing where it should, relative paths and
 * presets, the canonical writer round-tripping, the split selection, and
 * every refusal naming the file and the exact key.
 */
#include <string.h>

#include "msc-test-util.h"
#include "msc-train-config.h"

typedef struct {
  char *dir;        /* cfg folder: g/tiny.json, m.csv, presets/p1.json */
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = msc_test_tmpdir ();
  g_autofree char *g = g_build_filename (f->dir, "g", NULL);
  g_autofree char *p = g_build_filename (f->dir, "presets", NULL);
  g_assert_cmpint (g_mkdir_with_parents (g, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (p, 0700), ==, 0);
  /* Content does not matter here: the reader only checks the files exist. */
  const char *files[] = { "g/tiny.json", "m.csv", "presets/p1.json" };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (f->dir, files[i], NULL);
      g_assert_true (g_file_set_contents (path, "{}", -1, NULL));
    }
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_free (f->dir);
}

#define BASE "\"graph\": \"g/tiny.json\", \"manifest\": \"m.csv\", \"output_dir\": \"out\""

static MscTrainConfig *
load (const Fixture *f, const char *text, GError **error)
{
  g_autofree char *presets = g_build_filename (f->dir, "presets", NULL);
  return msc_train_config_load_bytes (text, strlen (text), "cfg.json", f->dir, presets, error);
}

static void
test_defaults (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscTrainConfig) tc = load (f, "{" BASE "}", &error);
  g_assert_no_error (error);
  MscTrainerConfig def;
  msc_trainer_config_init (&def);
  const MscTrainerConfig *t = &tc->trainer;
  g_assert_cmpuint (t->tasks, ==, def.tasks);
  g_assert_cmpuint (t->steps, ==, def.steps);
  g_assert_cmpuint (t->patch_size, ==, def.patch_size);
  g_assert_cmpuint (t->batch_size, ==, def.batch_size);
  g_assert_cmpuint (t->cache_bytes, ==, def.cache_bytes);
  g_assert_cmpfloat (t->lr.base_lr, ==, def.lr.base_lr);
  g_assert_cmpint (t->lr.kind, ==, def.lr.kind);
  g_assert_cmpint (t->optim.kind, ==, def.optim.kind);
  g_assert_cmpfloat (t->optim.beta2, ==, def.optim.beta2);
  g_assert_cmpfloat (t->augment.rotate_deg, ==, def.augment.rotate_deg);
  g_assert_cmpfloat (t->pos_weight, ==, def.pos_weight);
  g_assert_true (t->balance_classes == def.balance_classes);
  g_assert_null (t->preprocess_steps);
  g_assert_cmpstr (t->seg_output, ==, "mask_logits");
  g_assert_cmpint (t->classifier, ==, MSC_TRAIN_CLASSIFIER_AUTO);
  g_assert_cmpstr (t->abnormal_output, ==, "abnormal_logit");
  g_assert_cmpstr (t->malignant_output, ==, "malignant_logit");
  g_assert_cmpint (tc->split_kind, ==, MSC_TRAIN_SPLIT_NONE);
  g_assert_cmpint (tc->manifest_kind, ==, MSC_TRAIN_MANIFEST_AUTO);
  /* Relative paths resolve against the configuration's folder. */
  g_autofree char *graph = g_build_filename (f->dir, "g", "tiny.json", NULL);
  g_autofree char *out = g_build_filename (f->dir, "out", NULL);
  g_assert_cmpstr (t->graph_path, ==, graph);
  g_assert_cmpstr (t->output_dir, ==, out);
  g_assert_true (g_path_is_absolute (tc->manifest_path));
}

static const char full_config[] =
  "{\"graph\": \"p1\", \"manifest\": {\"type\": \"csv\", \"path\": \"./g/../m.csv\", "
  "\"skip_bad\": true}, \"output_dir\": \"/tmp/abs-out\",\n"
  " \"tasks\": [\"segmentation\", \"classification\"], \"seed\": 42, \"steps\": 30,"
  " \"threads\": 2, \"prefetch\": false,\n"
  " \"classifier\": \"hierarchical\",\n"
  " \"outputs\": {\"segmentation\": \"m\", \"classification\": \"c\", \"abnormal\": \"a\","
  " \"malignant\": \"b\"},\n"
  " \"split\": {\"folds\": 4, \"fold\": 3, \"seed\": 9},\n"
  " \"data\": {\"preprocess\": \"\", \"spacing_mm\": 0.5, \"source_spacing_mm\": 0.2,"
  " \"cache_mib\": 3, \"patch_size\": 32, \"batch_size\": 8, \"lesion_share\": 0.25,"
  " \"jitter\": 0.1, \"balance_classes\": false},\n"
  " \"augment\": {\"flip_h_prob\": 0, \"rotate_deg\": 10, \"zoom_min\": 0.9, \"zoom_max\": 1.1},\n"
  " \"optimizer\": {\"kind\": \"sgd\", \"lr\": 0.05, \"momentum\": 0.9, \"nesterov\": true,"
  " \"weight_decay\": 0},\n"
  " \"schedule\": {\"kind\": \"step\", \"step_size\": 10, \"gamma\": 0.5},\n"
  " \"loss\": {\"pos_weight\": 2, \"dice_weight\": 0.5, \"class_weights\": [1, 2, 3]},\n"
  " \"stages\": [{\"start\": 0, \"prefixes\": \"head.\", \"lr_scale\": 1},"
  " {\"start\": 10, \"prefixes\": \"\", \"lr_scale\": 0.1, \"patch_size\": 48}],\n"
  " \"checkpoints\": {\"every\": 5, \"keep\": 3},\n"
  " \"validation\": {\"every\": 10, \"patches\": 16, \"patience\": 2, \"min_delta\": 0.01}}";

static void
test_full (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscTrainConfig) tc = load (f, full_config, &error);
  g_assert_no_error (error);
  const MscTrainerConfig *t = &tc->trainer;
  g_autofree char *preset = g_build_filename (f->dir, "presets", "p1.json", NULL);
  g_autofree char *manifest = g_build_filename (f->dir, "m.csv", NULL);
  g_assert_cmpstr (t->graph_path, ==, preset);
  g_assert_cmpstr (tc->manifest_path, ==, manifest);   /* "./g/../" normalised away */
  g_assert_true (tc->manifest_skip_bad);
  g_assert_cmpstr (t->output_dir, ==, "/tmp/abs-out");
  g_assert_cmpuint (t->tasks, ==, MSC_TRAIN_TASK_SEGMENTATION | MSC_TRAIN_TASK_CLASSIFICATION);
  g_assert_cmpuint (t->seed, ==, 42);
  g_assert_cmpuint (t->steps, ==, 30);
  g_assert_cmpuint (t->n_threads, ==, 2);
  g_assert_false (t->prefetch);
  g_assert_cmpstr (t->seg_output, ==, "m");
  g_assert_cmpstr (t->class_output, ==, "c");
  g_assert_cmpint (t->classifier, ==, MSC_TRAIN_CLASSIFIER_HIERARCHICAL);
  g_assert_cmpstr (t->abnormal_output, ==, "a");
  g_assert_cmpstr (t->malignant_output, ==, "b");
  g_assert_cmpint (tc->split_kind, ==, MSC_TRAIN_SPLIT_KFOLD);
  g_assert_cmpuint (tc->folds, ==, 4);
  g_assert_cmpuint (tc->fold, ==, 3);
  g_assert_cmpuint (tc->split_seed, ==, 9);
  g_assert_cmpstr (t->preprocess_steps, ==, "");
  g_assert_cmpfloat (t->spacing_mm, ==, 0.5);
  g_assert_cmpfloat (t->source_spacing_mm, ==, 0.2);
  g_assert_cmpuint (t->cache_bytes, ==, 3u << 20);    /* 3 MiB = 3145728 bytes */
  g_assert_cmpuint (t->patch_size, ==, 32);
  g_assert_cmpuint (t->batch_size, ==, 8);
  g_assert_cmpfloat (t->lesion_share, ==, 0.25);
  g_assert_cmpfloat (t->jitter, ==, 0.1);
  g_assert_false (t->balance_classes);
  g_assert_cmpfloat (t->augment.flip_h_prob, ==, 0);
  g_assert_cmpfloat (t->augment.flip_v_prob, ==, 0.5);  /* default kept */
  g_assert_cmpfloat (t->augment.zoom_max, ==, 1.1);
  g_assert_cmpint (t->optim.kind, ==, MSC_OPTIM_SGD);
  g_assert_cmpfloat (t->lr.base_lr, ==, 0.05);
  g_assert_cmpfloat (t->optim.momentum, ==, 0.9f);
  g_assert_true (t->optim.nesterov);
  g_assert_cmpint (t->lr.kind, ==, MSC_LR_STEP);
  g_assert_cmpuint (t->lr.step_size, ==, 10);
  g_assert_cmpfloat (t->lr.gamma, ==, 0.5);
  g_assert_cmpfloat (t->pos_weight, ==, 2);
  g_assert_cmpfloat (t->dice_weight, ==, 0.5);
  g_assert_cmpfloat (t->class_weights[2], ==, 3);
  g_assert_cmpuint (t->n_stages, ==, 2);
  g_assert_cmpstr (t->stages[0].prefixes, ==, "head.");
  g_assert_cmpuint (t->stages[1].start, ==, 10);
  g_assert_cmpfloat (t->stages[1].lr_scale, ==, 0.1);
  g_assert_cmpuint (t->stages[0].patch_size, ==, 0);    /* data.patch_size */
  g_assert_cmpuint (t->stages[1].patch_size, ==, 48);
  g_assert_cmpuint (t->checkpoint_every, ==, 5);
  g_assert_cmpuint (t->keep_checkpoints, ==, 3);
  g_assert_cmpuint (t->eval_every, ==, 10);
  g_assert_cmpuint (t->val_patches, ==, 16);
  g_assert_cmpuint (t->patience, ==, 2);
  g_assert_cmpfloat (t->min_delta, ==, 0.01);

  /* The canonical writer gives the same configuration back, and is a
   * fixed point (paths are absolute, so the base folder no longer matters). */
  g_autofree char *json = msc_train_config_to_json (tc);
  g_autoptr (MscTrainConfig) again = msc_train_config_load_bytes (json, strlen (json), "w.json",
                                                                  "/", NULL, &error);
  g_assert_no_error (error);
  g_autofree char *json2 = msc_train_config_to_json (again);
  g_assert_cmpstr (json, ==, json2);
  g_assert_cmpint (memcmp (&again->trainer.optim, &t->optim, sizeof t->optim), ==, 0);
  g_assert_cmpfloat (again->trainer.lr.base_lr, ==, 0.05);
  g_assert_cmpint (again->trainer.classifier, ==, MSC_TRAIN_CLASSIFIER_HIERARCHICAL);
  g_assert_cmpstr (again->trainer.malignant_output, ==, "b");
  /* Stage 0's implicit size is written out resolved; the hash agrees. */
  g_assert_cmpuint (again->trainer.stages[0].patch_size, ==, 32);
  g_assert_cmpuint (again->trainer.stages[1].patch_size, ==, 48);
}

typedef struct {
  const char *extra;     /* members added after BASE, or a whole text when it starts with '!' */
  const char *message;   /* expected substring, after "cfg.json: " */
  int code;
} BadCase;

static const BadCase bad_cases[] = {
  { "\"bogus\": 1", "bogus: unknown key", MSC_TRAIN_ERROR_INVALID },
  { "\"data\": {\"patch\": 3}", "data.patch: unknown key", MSC_TRAIN_ERROR_INVALID },
  { "\"data\": 3", "data: must be an object", MSC_TRAIN_ERROR_INVALID },
  { "\"optimizer\": {\"lr\": -1}", "optimizer.lr: must be between", MSC_TRAIN_ERROR_INVALID },
  { "\"optimizer\": {\"lr\": \"x\"}", "optimizer.lr: must be a number", MSC_TRAIN_ERROR_INVALID },
  { "\"optimizer\": {\"kind\": \"lion\"}", "optimizer.kind: unknown value 'lion'",
    MSC_TRAIN_ERROR_INVALID },
  { "\"steps\": 2.5", "steps: must be an integer, not a fraction", MSC_TRAIN_ERROR_INVALID },
  { "\"steps\": 0", "steps: must be between 1 and", MSC_TRAIN_ERROR_INVALID },
  { "\"seed\": -1", "seed: must not be negative", MSC_TRAIN_ERROR_INVALID },
  { "\"prefetch\": 1", "prefetch: must be true or false", MSC_TRAIN_ERROR_INVALID },
  { "\"data\": {\"patch_size\": null}", "data.patch_size: must be an integer, not null",
    MSC_TRAIN_ERROR_INVALID },
  { "\"data\": {\"lesion_share\": 1.5}", "data.lesion_share: must be between 0 and 1",
    MSC_TRAIN_ERROR_INVALID },
  { "\"tasks\": [\"detection\"]", "tasks[0]: unknown task 'detection'", MSC_TRAIN_ERROR_INVALID },
  { "\"tasks\": []", "tasks: names no task", MSC_TRAIN_ERROR_INVALID },
  { "\"tasks\": \"segmentation\"", "tasks: must be an array", MSC_TRAIN_ERROR_INVALID },
  { "\"split\": {\"folds\": 5, \"fold\": 5}", "split.fold: must be below split.folds (5), not 5",
    MSC_TRAIN_ERROR_INVALID },
  { "\"split\": {\"folds\": 5, \"val_fraction\": 0.2}", "split: give either",
    MSC_TRAIN_ERROR_INVALID },
  { "\"split\": {\"fold\": 1}", "split.fold: needs split.folds", MSC_TRAIN_ERROR_INVALID },
  { "\"split\": {\"seed\": 1}", "split: needs folds", MSC_TRAIN_ERROR_INVALID },
  { "\"split\": {\"val_fraction\": 1}", "split.val_fraction: must be between",
    MSC_TRAIN_ERROR_INVALID },
  { "\"loss\": {\"class_weights\": [1]}", "loss.class_weights: must hold 2 or 3 weights, not 1",
    MSC_TRAIN_ERROR_INVALID },
  { "\"loss\": {\"class_weights\": [1, -2]}", "loss.class_weights[1]: must be between",
    MSC_TRAIN_ERROR_INVALID },
  { "\"stages\": [{\"start\": 1}]", "stages[0].start: must be 0", MSC_TRAIN_ERROR_INVALID },
  { "\"stages\": [{\"start\": 0}, {\"start\": 0}]", "stages: stage 1 must start after stage 0",
    MSC_TRAIN_ERROR_INVALID },
  { "\"stages\": [{\"start\": 0, \"lr\": 1}]", "stages[0].lr: unknown key",
    MSC_TRAIN_ERROR_INVALID },
  { "\"stages\": [{\"start\": 0, \"patch_size\": 2}]", "stages[0].patch_size: must be between 4",
    MSC_TRAIN_ERROR_INVALID },
  { "\"stages\": [{\"start\": 0, \"patch_size\": 32.5}]", "stages[0].patch_size: must be an integer",
    MSC_TRAIN_ERROR_INVALID },
  { "\"classifier\": \"tree\"", "classifier: unknown value 'tree' (one of auto, flat, hierarchical)",
    MSC_TRAIN_ERROR_INVALID },
  { "\"outputs\": {\"abnormal\": \"\"}", "outputs.abnormal: must not be empty",
    MSC_TRAIN_ERROR_INVALID },
  { "\"augment\": {\"zoom_min\": 1.2, \"zoom_max\": 0.9}", "zoom", MSC_TRAIN_ERROR_INVALID },
  { "!{\"graph\": \"g/none.json\", \"manifest\": \"m.csv\", \"output_dir\": \"o\"}",
    "graph: ", MSC_TRAIN_ERROR_MISSING },
  { "!{\"graph\": \"nopreset\", \"manifest\": \"m.csv\", \"output_dir\": \"o\"}",
    "graph: ", MSC_TRAIN_ERROR_MISSING },
  { "!{\"graph\": \"g/tiny.json\", \"manifest\": \"none.csv\", \"output_dir\": \"o\"}",
    "manifest: ", MSC_TRAIN_ERROR_MISSING },
  { "!{\"graph\": \"g/tiny.json\", \"manifest\": {\"type\": \"mias\", \"path\": \"m.csv\"},"
    " \"output_dir\": \"o\"}", "manifest.images: is needed", MSC_TRAIN_ERROR_INVALID },
  { "!{\"graph\": \"g/tiny.json\", \"manifest\": {\"type\": \"mias\", \"path\": \"m.csv\","
    " \"images\": \"nodir\"}, \"output_dir\": \"o\"}", "manifest.images: ", MSC_TRAIN_ERROR_MISSING },
  { "!{\"graph\": \"g/tiny.json\", \"manifest\": {\"type\": \"xml\", \"path\": \"m.csv\"},"
    " \"output_dir\": \"o\"}", "manifest.type: unknown manifest type 'xml'",
    MSC_TRAIN_ERROR_INVALID },
  { "!{\"graph\": \"g/tiny.json\", \"manifest\": {\"file\": \"m.csv\"}, \"output_dir\": \"o\"}",
    "manifest.file: unknown key", MSC_TRAIN_ERROR_INVALID },
  { "!{\"graph\": \"g/tiny.json\", \"manifest\": \"m.csv\"}", "output_dir: is required",
    MSC_TRAIN_ERROR_INVALID },
  { "!{\"graph\": \"g/tiny.json\", \"graph\": \"g/tiny.json\", \"manifest\": \"m.csv\","
    " \"output_dir\": \"o\"}", "graph: given twice", MSC_TRAIN_ERROR_INVALID },
  { "!{" BASE "} {}", "text after", MSC_TRAIN_ERROR_INVALID },
  { "![1, 2]", "must hold one JSON object", MSC_TRAIN_ERROR_INVALID },
  { "!{\"graph\": ", "cfg.json", MSC_TRAIN_ERROR_INVALID },
};

static void
test_errors (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      const BadCase *c = &bad_cases[i];
      g_autofree char *text = c->extra[0] == '!' ? g_strdup (c->extra + 1)
                                                 : g_strdup_printf ("{" BASE ", %s}", c->extra);
      g_autoptr (GError) error = NULL;
      g_autoptr (MscTrainConfig) tc = load (f, text, &error);
      g_test_message ("case %u: %s -> %s", i, text, error ? error->message : "(accepted)");
      g_assert_null (tc);
      g_assert_error (error, MSC_TRAIN_ERROR, c->code);
      g_assert_true (g_str_has_prefix (error->message, "cfg.json: "));
      g_assert_nonnull (strstr (error->message, c->message));
    }
}

static void
test_hostile (Fixture *f, gconstpointer data)
{
  /* 100 nested arrays: above the 64-level limit, refused before json-glib
   * would recurse into it. */
  g_autoptr (GString) deep = g_string_new ("{\"x\": ");
  for (guint i = 0; i < 100; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < 100; i++)
    g_string_append_c (deep, ']');
  g_string_append_c (deep, '}');
  g_autoptr (GError) error = NULL;
  g_autoptr (MscTrainConfig) tc = load (f, deep->str, &error);
  g_assert_null (tc);
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "nests deeper"));

  /* A file that is not there: MISSING naming it. */
  g_clear_error (&error);
  g_autofree char *none = g_build_filename (f->dir, "none.json", NULL);
  g_assert_null (msc_train_config_load (none, NULL, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_MISSING);
  g_assert_nonnull (strstr (error->message, "none.json"));
}

/* Load from a file: relative paths against ITS folder, not the cwd. */
static void
test_file_relative (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "g", "run.json", NULL);
  const char *text = "{\"graph\": \"tiny.json\", \"manifest\": \"../m.csv\", \"output_dir\": \"r\"}";
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_autoptr (GError) error = NULL;
  g_autoptr (MscTrainConfig) tc = msc_train_config_load (path, NULL, &error);
  g_assert_no_error (error);
  g_autofree char *graph = g_build_filename (f->dir, "g", "tiny.json", NULL);
  g_autofree char *out = g_build_filename (f->dir, "g", "r", NULL);
  g_autofree char *manifest = g_build_filename (f->dir, "m.csv", NULL);
  g_assert_cmpstr (tc->graph_path, ==, graph);
  g_assert_cmpstr (tc->output_dir, ==, out);
  g_assert_cmpstr (tc->manifest_path, ==, manifest);
}

/* 6 patients x 2 images (ids P0..P5). 3 folds: 2 patients = 4 images per
 * fold; fold 1 validates 4, trains 8, and both images of a patient always
 * fall on the same side. val_fraction 0.5: 3 patients = 6 images each side. */
static void
test_select (Fixture *f, gconstpointer data)
{
  g_autoptr (GString) csv = g_string_new ("image,patient,laterality,label\n");
  for (guint i = 0; i < 12; i++)
    g_string_append_printf (csv, "i%u.png,P%u,%s,%s\n", i, i / 2, i % 2 ? "L" : "R",
                            i % 3 ? "normal" : "benign");
  MscManifestOptions opts = { .no_file_checks = TRUE };
  g_autoptr (GError) error = NULL;
  MscManifest *m = msc_manifest_load_bytes (csv->str, csv->len, "m.csv", f->dir, &opts, NULL,
                                            &error);
  g_assert_no_error (error);
  const char *texts[] = {
    "{" BASE ", \"split\": {\"folds\": 3, \"fold\": 1, \"seed\": 2}}",
    "{" BASE ", \"split\": {\"val_fraction\": 0.5}}",
    "{" BASE "}",
  };
  const guint want_val[] = { 4, 6, 0 };
  for (guint k = 0; k < G_N_ELEMENTS (texts); k++)
    {
      g_autoptr (MscTrainConfig) tc = load (f, texts[k], &error);
      g_assert_no_error (error);
      g_autofree guint *train = NULL, *val = NULL;
      guint nt = 0, nv = 0;
      g_assert_true (msc_train_config_select (tc, m, &train, &nt, &val, &nv, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (nv, ==, want_val[k]);
      g_assert_cmpuint (nt + nv, ==, 12);
      gboolean in_val[12] = { FALSE };
      for (guint i = 0; i < nv; i++)
        in_val[val[i]] = TRUE;
      for (guint i = 0; i < 12; i += 2)
        g_assert_true (in_val[i] == in_val[i + 1]);
      /* The same configuration selects the same cases again. */
      g_autofree guint *train2 = NULL, *val2 = NULL;
      guint nt2, nv2;
      g_assert_true (msc_train_config_select (tc, m, &train2, &nt2, &val2, &nv2, &error));
      g_assert_cmpmem (train, nt * sizeof (guint), train2, nt2 * sizeof (guint));
    }
  /* 7 folds on 6 patients: the split refuses. */
  g_autoptr (MscTrainConfig) tc = load (f, "{" BASE ", \"split\": {\"folds\": 7, \"fold\": 0}}",
                                        &error);
  g_assert_no_error (error);
  g_autofree guint *train = NULL, *val = NULL;
  guint nt, nv;
  g_assert_false (msc_train_config_select (tc, m, &train, &nt, &val, &nv, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  msc_manifest_unref (m);
}

/* The real MIAS set through a "mias" manifest; 5 folds of ~23 patients. */
static void
test_mias (Fixture *f, gconstpointer data)
{
  g_autofree char *labels = msc_test_shared_path ("mias/labels.csv");
  if (!labels)
    return;
  g_autofree char *images = msc_test_shared_path ("mias/images");
  g_autofree char *text = g_strdup_printf (
    "{\"graph\": \"g/tiny.json\", \"output_dir\": \"o\", \"manifest\": {\"type\": \"mias\","
    " \"path\": \"%s\", \"images\": \"%s\"}, \"split\": {\"folds\": 5, \"fold\": 0}}",
    labels, images);
  g_autoptr (GError) error = NULL;
  g_autoptr (MscTrainConfig) tc = load (f, text, &error);
  g_assert_no_error (error);
  g_autoptr (MscManifest) m = msc_train_config_load_manifest (tc, NULL, &error);
  g_assert_no_error (error);
  g_autofree guint *train = NULL, *val = NULL;
  guint nt, nv;
  g_assert_true (msc_train_config_select (tc, m, &train, &nt, &val, &nv, &error));
  guint n = msc_manifest_get_n_cases (m);
  g_assert_cmpuint (nt + nv, ==, n);
  /* A fifth of the patients, give or take one: within 2 images of n / 5. */
  g_assert_cmpint (ABS ((int) nv - (int) n / 5), <=, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add ("/train/config/" path, Fixture, NULL, fixture_set_up, fn, \
                                  fixture_tear_down)
  ADD ("defaults", test_defaults);
  ADD ("full", test_full);
  ADD ("errors", test_errors);
  ADD ("hostile", test_hostile);
  ADD ("file-relative", test_file_relative);
  ADD ("select", test_select);
  ADD ("mias", test_mias);
  return g_test_run ();
}
