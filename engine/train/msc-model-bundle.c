/* engine/train/msc-model-bundle.c — model.json + graph + weights from a
 * trained model (see msc-model-bundle.h).
 */
#include "msc-model-bundle.h"

#include <string.h>
#include <json-glib/json-glib.h>

#include "msc-analyze.h"
#include "msc-graph.h"
#include "msc-i18n.h"
#include "msc-train-error.h"

/* The input side must be a multiple of 2^(pooling levels); the training
 * patch always is one, and its largest power-of-two divisor up to 32 is a
 * safe multiple for the tiles. */
static guint
input_multiple (guint patch)
{
  guint m = 1;
  while (m < 32 && patch % (m * 2) == 0)
    m *= 2;
  return m;
}

static void
add_string (JsonBuilder *b, const char *key, const char *value)
{
  json_builder_set_member_name (b, key);
  json_builder_add_string_value (b, value);
}

static void
add_double (JsonBuilder *b, const char *key, double value)
{
  json_builder_set_member_name (b, key);
  json_builder_add_double_value (b, value);
}

static void
add_int (JsonBuilder *b, const char *key, gint64 value)
{
  json_builder_set_member_name (b, key);
  json_builder_add_int_value (b, value);
}

char *
msc_model_bundle_why_not (const MscGraph *g, const MscTrainerConfig *cfg)
{
  const char *heatmap = cfg->seg_output ? cfg->seg_output : "mask_logits";
  gboolean flat = msc_graph_has_output (g, "class_logits");
  gboolean pair = msc_graph_has_output (g, "abnormal_logit") && msc_graph_has_output (g, "malignant_logit");
  if (!msc_graph_has_output (g, heatmap) || flat == pair)
    return g_strdup_printf (_("graph “%s” needs the heatmap output “%s” and either "
                              "“class_logits” or “abnormal_logit” and “malignant_logit” "
                              "for a model bundle"), msc_graph_get_name (g), heatmap);
  if (cfg->preprocess_steps && cfg->preprocess_steps[0] == '\0')
    return g_strdup (_("a run without a preprocessing chain makes no model bundle: "
                       "analyze repeats the chain the model was trained with"));
  return NULL;
}

gboolean
msc_model_bundle_write (const char *dir, MscModel *model, const MscTrainerConfig *cfg,
                        const MscModelBundleInfo *info, guint step, GError **error)
{
  g_return_val_if_fail (dir != NULL && model != NULL && cfg != NULL, FALSE);
  const MscGraph *g = msc_model_get_graph (model);
  g_autofree char *why = msc_model_bundle_why_not (g, cfg);
  if (why)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID, "%s", why);
      return FALSE;
    }
  const char *heatmap = cfg->seg_output ? cfg->seg_output : "mask_logits";
  gboolean flat = msc_graph_has_output (g, "class_logits");
  MscModelBundleInfo none = { 0 };
  if (info == NULL)
    info = &none;
  /* Empty strings are as good as absent: the card needs non-empty ones. */
#define GIVEN(s) ((s) != NULL && (s)[0] != '\0')

  g_autofree char *graph_path = g_build_filename (dir, "graph.json", NULL);
  if (!g_file_test (graph_path, G_FILE_TEST_IS_REGULAR))
    {
      gsize len = 0;
      g_autofree char *text = msc_graph_to_json (g, &len);
      if (!g_file_set_contents (graph_path, text, (gssize) len, error))
        return FALSE;
    }
  g_autofree char *weights_path = g_build_filename (dir, "model.safetensors", NULL);
  if (!msc_model_save (model, weights_path, error))
    return FALSE;

  g_autofree char *version = GIVEN (info->version) ? g_strdup (info->version)
                                           : g_strdup_printf ("step %u", step);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add_string (b, "format", MSC_MODEL_CARD_FORMAT);
  add_int (b, "format_version", MSC_MODEL_CARD_VERSION);
  add_string (b, "name", GIVEN (info->name) ? info->name : msc_graph_get_name (g));
  add_string (b, "version", version);
  if (GIVEN (info->description))
    add_string (b, "description", info->description);
  add_string (b, "intended_use", GIVEN (info->intended_use) ? info->intended_use
                                                            : MSC_MODEL_BUNDLE_INTENDED_USE);
  add_string (b, "graph", "graph.json");
  add_string (b, "weights", "model.safetensors");
  add_string (b, "preprocess", cfg->preprocess_steps ? cfg->preprocess_steps
                                                     : MSC_TRAINER_DEFAULT_STEPS);
  add_double (b, "pixel_spacing_mm", cfg->spacing_mm);
  add_int (b, "patch_size", cfg->patch_size);
  add_int (b, "input_multiple", input_multiple (cfg->patch_size));
  add_double (b, "threshold", info->threshold > 0 ? info->threshold : 0.5);
  add_double (b, "min_area_mm2", 1.0);
  /* The chain ends in F32 (normalize) or the analyzer scales by the bit
   * depth, as the trainer does: nothing more to undo. */
  json_builder_set_member_name (b, "normalization");
  json_builder_begin_object (b);
  add_double (b, "mean", 0.0);
  add_double (b, "std", 1.0);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "outputs");
  json_builder_begin_object (b);
  add_string (b, "heatmap", heatmap);
  if (flat)
    add_string (b, "class_logits", "class_logits");
  else
    {
      add_string (b, "abnormal", "abnormal_logit");
      add_string (b, "malignant", "malignant_logit");
    }
  json_builder_end_object (b);
  const double *cal[2] = { info->calibration_abnormal, info->calibration_malignant };
  if (cal[0][0] > 0 || cal[1][0] > 0)
    {
      const char *roles[2] = { "abnormal", "malignant" };
      json_builder_set_member_name (b, "calibration");
      json_builder_begin_object (b);
      for (guint k = 0; k < 2; k++)
        if (cal[k][0] > 0)
          {
            json_builder_set_member_name (b, roles[k]);
            json_builder_begin_object (b);
            add_double (b, "a", cal[k][0]);
            add_double (b, "b", cal[k][1]);
            json_builder_end_object (b);
          }
      json_builder_end_object (b);
    }
  json_builder_set_member_name (b, "training");
  json_builder_begin_object (b);
  add_int (b, "steps", step);
  add_int (b, "seed", (gint64) cfg->seed);
  add_int (b, "batch_size", cfg->batch_size);
  json_builder_end_object (b);
  json_builder_end_object (b);

  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  g_autofree char *text = json_generator_to_data (gen, NULL);
  g_autofree char *card_path = g_build_filename (dir, "model.json", NULL);
  return g_file_set_contents (card_path, text, -1, error);
}
