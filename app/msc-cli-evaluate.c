/* app/msc-cli-evaluate.c — `mammoscope-cli evaluate --model DIR --manifest
 * FILE --json OUT`: a model scored on a manifest's cases; metrics JSON and
 * plots. Two levels, which the JSON says: "image" (DIR holds a model
 * bundle, model.json: whole images through the analyzer, msc-image-eval.h)
 * and "patch" (a training run folder, config.json + graph.json + newest
 * checkpoint: the trainer's fixed validation patches, msc-train-eval.h).
 */
#include "msc-cli.h"
#include "msc-image-eval.h"
#include "msc-plot.h"
#include "msc-rng.h"
#include "msc-train-config.h"
#include "msc-train-eval.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#define N_BOOT 1000

typedef struct {
  char *model_dir, *manifest, *images, *split, *json, *plots, *level;
  gint patches, threads;
  double threshold, spacing;
} EvalArgs;

static void
add_number (JsonBuilder *b, const char *key, double v)
{
  json_builder_set_member_name (b, key);
  if (isfinite (v))
    json_builder_add_double_value (b, v);
  else
    json_builder_add_null_value (b);
}

static void
add_int (JsonBuilder *b, const char *key, gint64 v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_int_value (b, v);
}

static void
add_counts (JsonBuilder *b, const char *key, const MscCounts *c)
{
  json_builder_set_member_name (b, key);
  json_builder_begin_object (b);
  add_int (b, "tp", (gint64) c->tp);
  add_int (b, "fp", (gint64) c->fp);
  add_int (b, "tn", (gint64) c->tn);
  add_int (b, "fn", (gint64) c->fn);
  add_number (b, "sensitivity", msc_metrics_sensitivity (c));
  add_number (b, "specificity", msc_metrics_specificity (c));
  json_builder_end_object (b);
}

/* Lesion-vs-background patch classification; AUC and its interval need
 * both kinds of patch, and say null (with a note) when one is missing. */
static void
add_classification (JsonBuilder *b, const MscPatchScores *s, guint64 seed, MscRoc *roc,
                    MscPrCurve *pr)
{
  json_builder_set_member_name (b, "classification");
  json_builder_begin_object (b);
  double lower = NAN, upper = NAN, sens80 = NAN, sens90 = NAN, t;
  MscRng rng;
  msc_rng_init (&rng, seed);
  if (roc)
    {
      msc_metrics_auc_bootstrap (s->scores, s->labels, s->n, N_BOOT, 0.95, &rng, &lower, &upper,
                                 NULL);
      msc_metrics_sensitivity_at_specificity (roc, 0.8, &sens80, &t, NULL);
      msc_metrics_sensitivity_at_specificity (roc, 0.9, &sens90, &t, NULL);
    }
  add_number (b, "auc", roc ? roc->auc : NAN);
  json_builder_set_member_name (b, "auc_ci95");
  if (isfinite (lower) && isfinite (upper))
    {
      json_builder_begin_array (b);
      json_builder_add_double_value (b, lower);
      json_builder_add_double_value (b, upper);
      json_builder_end_array (b);
    }
  else
    json_builder_add_null_value (b);
  add_int (b, "bootstrap_resamples", N_BOOT);
  add_number (b, "sensitivity_at_80_specificity", sens80);
  add_number (b, "sensitivity_at_90_specificity", sens90);
  add_number (b, "average_precision", pr ? pr->average_precision : NAN);
  MscCounts c = { 0 };
  msc_metrics_confusion_binary (s->scores, s->labels, s->n, 0.5, &c, NULL);
  add_number (b, "threshold", 0.5);
  add_counts (b, "confusion", &c);
  if (!roc)
    {
      json_builder_set_member_name (b, "note");
      json_builder_add_string_value (b, "AUC needs both lesion and background patches");
    }
  json_builder_end_object (b);
}

static void
add_segmentation (JsonBuilder *b, const MscPatchScores *s)
{
  json_builder_set_member_name (b, "segmentation");
  if (!s->has_mask)
    {
      json_builder_add_null_value (b);
      return;
    }
  const MscCounts *c = &s->pixels;
  double both = (double) (2 * c->tp + c->fp + c->fn);
  json_builder_begin_object (b);
  /* Pooled over all patches' pixels at p >= 0.5; two empty masks count as 1. */
  add_number (b, "dice", both == 0 ? 1.0 : 2.0 * (double) c->tp / both);
  add_number (b, "iou", c->tp + c->fp + c->fn == 0 ? 1.0
                        : (double) c->tp / (double) (c->tp + c->fp + c->fn));
  add_counts (b, "pixels", c);
  json_builder_end_object (b);
}

static gboolean
write_plots (const char *dir, const MscRoc *roc, const MscPrCurve *pr, GError **error)
{
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_FAILED, "%s: %s", dir,
                   g_strerror (errno));
      return FALSE;
    }
  g_autofree char *roc_path = g_build_filename (dir, "roc.png", NULL);
  g_autofree char *pr_path = g_build_filename (dir, "pr.png", NULL);
  MscPlotSeries r = { .label = _("patches"), .x = roc->fpr, .y = roc->tpr, .n = roc->n_points };
  MscPlotSeries p = { .label = _("patches"), .x = pr->recall, .y = pr->precision,
                      .n = pr->n_points };
  return msc_plot_roc (roc_path, 640, 640, _("ROC, patch level"), &r, 1, error)
         && msc_plot_pr (pr_path, 640, 640, _("Precision-recall, patch level"), &p, 1, error);
}

/* The run folder's configuration with its own copy of the graph, so the
 * folder can move. */
static MscTrainConfig *
load_run (const char *dir, GError **error)
{
  g_autofree char *cfg_path = g_build_filename (dir, "config.json", NULL);
  MscTrainConfig *tc = msc_train_config_load (cfg_path, NULL, error);
  if (!tc)
    return NULL;
  g_autofree char *graph = g_build_filename (dir, "graph.json", NULL);
  if (g_file_test (graph, G_FILE_TEST_IS_REGULAR))
    {
      g_free (tc->graph_path);
      tc->graph_path = g_steal_pointer (&graph);
      tc->trainer.graph_path = tc->graph_path;
    }
  return tc;
}

static MscModel *
load_model (const char *dir, const MscTrainConfig *tc, char **checkpoint, GError **error)
{
  g_autoptr (GPtrArray) ckpts = msc_trainer_list_checkpoints (dir, error);
  if (!ckpts)
    return NULL;
  if (ckpts->len == 0)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_MISSING, _("%s: no checkpoint"), dir);
      return NULL;
    }
  g_autoptr (MscModel) model = msc_model_load (tc->graph_path, NULL, error);
  /* A checkpoint carries optimiser state too; it loads only into a model
   * with the run's optimiser set, even though nothing steps here. */
  if (!model || !msc_model_set_optimizer (model, &tc->trainer.optim, error)
      || !msc_model_load_checkpoint (model, ckpts->pdata[0], NULL, error))
    return NULL;
  msc_model_set_threads (model, tc->trainer.n_threads);
  *checkpoint = g_strdup (ckpts->pdata[0]);
  return g_steal_pointer (&model);
}

static gboolean
select_cases (const EvalArgs *a, const MscTrainConfig *tc, MscManifest *m, guint **cases,
              guint *n, GError **error)
{
  if (!a->split || strcmp (a->split, "all") == 0)
    {
      *n = msc_manifest_get_n_cases (m);
      *cases = g_new (guint, MAX (*n, 1));
      for (guint i = 0; i < *n; i++)
        (*cases)[i] = i;
      return TRUE;
    }
  g_autofree guint *train = NULL;
  guint n_train = 0;
  if (!msc_train_config_select (tc, m, &train, &n_train, cases, n, error))
    return FALSE;
  if (*n == 0)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY,
                   _("%s: the run's split leaves no validation case"), tc->path);
      return FALSE;
    }
  return TRUE;
}

static JsonNode *
report (const EvalArgs *a, const MscTrainConfig *tc, const char *checkpoint, guint n_cases,
        const MscPatchScores *s, MscRoc *roc, MscPrCurve *pr)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "level");
  json_builder_add_string_value (b, "patch");
  json_builder_set_member_name (b, "level_note");
  json_builder_add_string_value (b, "lesion-vs-background patches of the cases (lesion-centred "
                                    "and random, as in training validation), not whole images");
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, a->model_dir);
  json_builder_set_member_name (b, "checkpoint");
  json_builder_add_string_value (b, checkpoint);
  json_builder_set_member_name (b, "manifest");
  json_builder_add_string_value (b, a->manifest);
  json_builder_set_member_name (b, "split");
  json_builder_add_string_value (b, a->split ? a->split : "all");
  add_int (b, "cases", n_cases);
  add_int (b, "patches", (gint64) s->n);
  gsize pos = 0;
  for (gsize i = 0; i < s->n; i++)
    pos += s->labels[i];
  add_int (b, "lesion_patches", (gint64) pos);
  add_int (b, "patch_size", tc->trainer.patch_size);
  add_classification (b, s, tc->trainer.seed, roc, pr);
  add_segmentation (b, s);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static int
evaluate_with (const EvalArgs *a)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscTrainConfig) tc = load_run (a->model_dir, &error);
  g_autofree char *checkpoint = NULL;
  g_autoptr (MscModel) model = tc ? load_model (a->model_dir, tc, &checkpoint, &error) : NULL;
  MscManifestOptions opts = { .policy = MSC_MANIFEST_SKIP };
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (MscManifest) m = NULL;
  if (model)
    m = a->images ? msc_manifest_load_mias (a->manifest, a->images, &opts, &problems, &error)
                  : msc_manifest_load (a->manifest, &opts, &problems, &error);
  for (guint i = 0; problems && i < problems->len; i++)
    msc_cli_print_problem (problems->pdata[i]);
  g_autofree guint *cases = NULL;
  guint n_cases = 0;
  if (!m || !select_cases (a, tc, m, &cases, &n_cases, &error))
    {
      msc_cli_print_problem (error->message);
      return 1;
    }
  guint n_patches = a->patches > 0 ? (guint) a->patches : tc->trainer.val_patches;
  g_autoptr (MscPatchScores) s = msc_train_eval_patches (&tc->trainer, m, model, cases, n_cases,
                                                         n_patches, &error);
  if (!s)
    {
      msc_cli_print_problem (error->message);
      return 1;
    }
  /* NULL when one kind of patch is missing: reported as null metrics. */
  g_autoptr (MscRoc) roc = msc_metrics_roc (s->scores, s->labels, s->n, NULL);
  g_autoptr (MscPrCurve) pr = msc_metrics_pr (s->scores, s->labels, s->n, NULL);
  g_autoptr (JsonNode) root = report (a, tc, checkpoint, n_cases, s, roc, pr);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, root);
  if (!json_generator_to_file (gen, a->json, &error))
    {
      msc_cli_print_problem (error->message);
      return 1;
    }
  if (a->plots && (!roc || !pr))
    {
      g_printerr (_("%s: no ROC/PR plots: the patches are all of one kind\n"), a->plots);
      return 1;
    }
  if (a->plots && !write_plots (a->plots, roc, pr, &error))
    {
      msc_cli_print_problem (error->message);
      return 1;
    }
  return 0;
}

/* ---- image level ------------------------------------------------------------ */

static void
on_image (guint done, guint total, const char *path, gpointer user_data)
{
  g_autofree char *base = g_path_get_basename (path);
  g_printerr (_("evaluate: %u/%u %s\n"), done, total, base);
}

static MscManifest *
load_manifest (const EvalArgs *a, GError **error)
{
  MscManifestOptions opts = { .policy = MSC_MANIFEST_SKIP };
  g_autoptr (GPtrArray) problems = NULL;
  MscManifest *m = a->images ? msc_manifest_load_mias (a->manifest, a->images, &opts, &problems,
                                                       error)
                             : msc_manifest_load (a->manifest, &opts, &problems, error);
  for (guint i = 0; problems && i < problems->len; i++)
    msc_cli_print_problem (problems->pdata[i]);
  return m;
}

/* The run's config.json is optional for a bundle: it supplies the
 * validation split and the source spacing when the folder is a training
 * output; a bare bundle needs --spacing for images without spacing. */
static int
evaluate_image (const EvalArgs *a)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *cfg_path = g_build_filename (a->model_dir, "config.json", NULL);
  gboolean validation = a->split && strcmp (a->split, "validation") == 0;
  g_autoptr (MscTrainConfig) tc = NULL;
  if (validation || g_file_test (cfg_path, G_FILE_TEST_EXISTS))
    tc = msc_train_config_load (cfg_path, NULL, &error);
  g_autoptr (MscManifest) m = error ? NULL : load_manifest (a, &error);
  g_autofree guint *cases = NULL;
  guint n_cases = 0;
  if (!m || !select_cases (a, tc, m, &cases, &n_cases, &error))
    {
      msc_cli_print_problem (error->message);
      return 1;
    }
  MscImageEvalRunOptions ro = {
    .threshold = a->threshold,
    .assumed_spacing_mm = a->spacing > 0 ? a->spacing : tc ? tc->trainer.source_spacing_mm : 0,
    .n_threads = a->threads > 0 ? (guint) a->threads : tc ? tc->trainer.n_threads : 0,
  };
  double threshold = 0;
  g_autofree char *sha256 = NULL;
  g_autoptr (GPtrArray) records = msc_image_eval_run_bundle (a->model_dir, &ro, m, cases,
                                                             n_cases, on_image, NULL, NULL,
                                                             &threshold, &sha256, &error);
  MscImageEvalOptions eo;
  msc_image_eval_options_init (&eo);
  eo.threshold = threshold;
  g_autoptr (MscImageEval) ev = records ? msc_image_eval_compute (records, &eo, &error) : NULL;
  if (!ev)
    {
      msc_cli_print_problem (error->message);
      return 1;
    }
  g_autoptr (JsonNode) root = msc_image_eval_to_json (ev);
  JsonObject *o = json_node_get_object (root);
  json_object_set_string_member (o, "model", a->model_dir);
  json_object_set_string_member (o, "weights_sha256", sha256);
  json_object_set_string_member (o, "manifest", a->manifest);
  json_object_set_string_member (o, "split", a->split ? a->split : "all");
  json_object_set_int_member (o, "cases", n_cases);
  json_object_set_double_member (o, "assumed_spacing_mm", ro.assumed_spacing_mm);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, root);
  if (!json_generator_to_file (gen, a->json, &error))
    {
      msc_cli_print_problem (error->message);
      return 1;
    }
  g_autoptr (GPtrArray) skipped = NULL;
  if (a->plots && !msc_image_eval_write_plots (ev, a->plots, &skipped, &error))
    {
      msc_cli_print_problem (error->message);
      return 1;
    }
  /* A fold without (say) calcifications has no curve to draw: said, not fatal. */
  for (guint i = 0; skipped && i < skipped->len; i++)
    g_printerr (_("%s: %s not written: its curve is undefined on these images\n"), a->plots,
                (const char *) skipped->pdata[i]);
  return 0;
}

int
msc_cli_evaluate (int argc, char **argv)
{
  EvalArgs a = { 0 };
  const GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &a.model_dir, N_("Run folder written by train"), "DIR" },
    { "manifest", 0, 0, G_OPTION_ARG_FILENAME, &a.manifest,
      N_("CSV/JSON manifest, or MIAS labels.csv with --images"), "FILE" },
    { "images", 0, 0, G_OPTION_ARG_FILENAME, &a.images, N_("MIAS images folder"), "DIR" },
    { "split", 0, 0, G_OPTION_ARG_STRING, &a.split,
      N_("all cases (default) or the run's validation cases"), "all|validation" },
    { "level", 0, 0, G_OPTION_ARG_STRING, &a.level,
      N_("image (default when DIR has model.json) or patch"), "image|patch" },
    { "threshold", 0, 0, G_OPTION_ARG_DOUBLE, &a.threshold,
      N_("Image level: findings, Dice and confusion threshold (default: the model's)"), "T" },
    { "spacing", 0, 0, G_OPTION_ARG_DOUBLE, &a.spacing,
      N_("Image level: pixel spacing (mm) of images without one (default: the run's "
         "data.source_spacing_mm)"), "MM" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &a.threads,
      N_("Image level: model kernel threads (0 = processors)"), "N" },
    { "patches", 0, 0, G_OPTION_ARG_INT, &a.patches,
      N_("Patch level: patches to score (default: the run's validation patches)"), "N" },
    { "json", 0, 0, G_OPTION_ARG_FILENAME, &a.json, N_("Metrics JSON to write"), "OUT" },
    { "plots", 0, 0, G_OPTION_ARG_FILENAME, &a.plots,
      N_("Folder for the plots (image: roc-abnormal.png, roc-malignant.png, pr-abnormal.png, "
         "froc.png; patch: roc.png, pr.png)"), "DIR" },
    G_OPTION_ENTRY_NULL
  };
  int status = 2;
  if (!msc_cli_parse_options (_("evaluate --model DIR --manifest FILE --json OUT"),
                              _("Score a model on a manifest's cases: whole images with a "
                                "model bundle (image level), or a training run's patches "
                                "(patch level)."),
                              entries, &argc, &argv))
    goto out;
  gboolean image_level = FALSE;
  if (a.model_dir && !a.level)
    {
      g_autofree char *card = g_build_filename (a.model_dir, "model.json", NULL);
      image_level = g_file_test (card, G_FILE_TEST_EXISTS);
    }
  else if (a.level)
    image_level = strcmp (a.level, "image") == 0;
  if (!a.model_dir || !a.manifest || !a.json || argc != 2 || a.patches < 0 || a.threads < 0
      || a.threshold < 0 || a.threshold >= 1 || a.spacing < 0 || a.spacing > 10)
    g_printerr (_("mammoscope-cli evaluate: expected --model DIR --manifest FILE --json OUT "
                  "(--threshold in [0, 1), --spacing in [0, 10], counts >= 0)\n"));
  else if (a.split && strcmp (a.split, "all") != 0 && strcmp (a.split, "validation") != 0)
    g_printerr (_("mammoscope-cli evaluate: --split must be all or validation, not %s\n"), a.split);
  else if (a.level && strcmp (a.level, "image") != 0 && strcmp (a.level, "patch") != 0)
    g_printerr (_("mammoscope-cli evaluate: --level must be image or patch, not %s\n"), a.level);
  else
    status = image_level ? evaluate_image (&a) : evaluate_with (&a);
out:
  g_free (a.model_dir);
  g_free (a.manifest);
  g_free (a.images);
  g_free (a.split);
  g_free (a.json);
  g_free (a.plots);
  g_free (a.level);
  return status;
}
