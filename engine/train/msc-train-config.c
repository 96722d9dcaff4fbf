/* engine/train/msc-train-config.c — the JSON training configuration: one
 * table of scalar keys (path, type, where it lands, allowed range) drives
 * both the strict reader and the canonical writer, so a field cannot be
 * readable but not written back; graph, tasks, manifest, stages and
 * output_dir need their own code (paths, lists, alternatives).
 */
#include "msc-train-config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "msc-i18n.h"
#include "msc-models-private.h"

/* A configuration is a page of settings; anything far larger is not one. */
#define MAX_CONFIG_BYTES ((gsize) 1 << 20)

typedef enum { F_UINT, F_U64, F_DOUBLE, F_FLOAT, F_BOOL, F_MIB, F_STRING, F_ENUM } FieldType;

typedef struct {
  const char *key;              /* json path, "section.name" or "name" */
  FieldType type;
  gsize offset;                 /* into MscTrainConfig */
  double min, max;              /* numbers: allowed closed range */
  const char *const *names;     /* F_ENUM: names in enum order, NULL-terminated */
} Field;

#define T(member) offsetof (MscTrainConfig, trainer.member)
#define C(member) offsetof (MscTrainConfig, member)
#define BIG 4294967295.0

static const char *const optim_names[] = { "sgd", "adam", "adamw", NULL };
static const char *const schedule_names[] = { "constant", "step", "cosine", "warmup_cosine", NULL };
static const char *const semi_names[] = { "none", "mpl", NULL };
static const char *const classifier_names[] = { "auto", "flat", "hierarchical", NULL };

static const Field fields[] = {
  { "seed", F_U64, T (seed), 0, 0, NULL },
  { "steps", F_UINT, T (steps), 1, 1e8, NULL },
  { "threads", F_UINT, T (n_threads), 0, 256, NULL },
  { "prefetch", F_BOOL, T (prefetch), 0, 0, NULL },
  { "outputs.segmentation", F_STRING, C (seg_output), 0, 0, NULL },
  { "classifier", F_ENUM, T (classifier), 0, 0, classifier_names },
  { "outputs.classification", F_STRING, C (class_output), 0, 0, NULL },
  { "outputs.abnormal", F_STRING, C (abnormal_output), 0, 0, NULL },
  { "outputs.malignant", F_STRING, C (malignant_output), 0, 0, NULL },
  { "split.folds", F_UINT, C (folds), 2, 1000, NULL },
  { "split.fold", F_UINT, C (fold), 0, 999, NULL },
  { "split.val_fraction", F_DOUBLE, C (val_fraction), 1e-9, 1 - 1e-9, NULL },
  { "split.seed", F_U64, C (split_seed), 0, 0, NULL },
  { "data.preprocess", F_STRING, C (preprocess_steps), 0, 0, NULL },
  { "data.spacing_mm", F_DOUBLE, T (spacing_mm), 0.01, 10, NULL },
  { "data.source_spacing_mm", F_DOUBLE, T (source_spacing_mm), 0, 10, NULL },
  { "data.cache_mib", F_MIB, T (cache_bytes), 1, 1 << 20, NULL },
  { "data.patch_size", F_UINT, T (patch_size), 4, 4096, NULL },
  { "data.batch_size", F_UINT, T (batch_size), 1, 4096, NULL },
  { "data.lesion_share", F_DOUBLE, T (lesion_share), 0, 1, NULL },
  { "data.jitter", F_DOUBLE, T (jitter), 0, 1, NULL },
  { "data.balance_classes", F_BOOL, T (balance_classes), 0, 0, NULL },
  { "data.background_candidates", F_UINT, T (background_candidates), 1, 64, NULL },
  { "data.hard_negatives", F_STRING, C (hard_negatives), 0, 0, NULL },
  { "data.hard_negative_share", F_DOUBLE, T (hard_negative_share), 0, 1, NULL },
  { "data.labelled_fraction", F_DOUBLE, C (labelled_fraction), 1e-9, 1, NULL },
  { "data.labelled_seed", F_U64, C (labelled_seed), 0, 0, NULL },
  { "augment.flip_h_prob", F_DOUBLE, T (augment.flip_h_prob), 0, 1, NULL },
  { "augment.flip_v_prob", F_DOUBLE, T (augment.flip_v_prob), 0, 1, NULL },
  { "augment.rotate_deg", F_DOUBLE, T (augment.rotate_deg), 0, 180, NULL },
  { "augment.zoom_min", F_DOUBLE, T (augment.zoom_min), 0.01, 100, NULL },
  { "augment.zoom_max", F_DOUBLE, T (augment.zoom_max), 0.01, 100, NULL },
  { "augment.translate", F_DOUBLE, T (augment.translate), 0, 1, NULL },
  { "augment.shift_min", F_DOUBLE, T (augment.shift_min), -10, 10, NULL },
  { "augment.shift_max", F_DOUBLE, T (augment.shift_max), -10, 10, NULL },
  { "augment.scale_min", F_DOUBLE, T (augment.scale_min), 0, 100, NULL },
  { "augment.scale_max", F_DOUBLE, T (augment.scale_max), 0, 100, NULL },
  { "augment.gamma_min", F_DOUBLE, T (augment.gamma_min), 0.01, 100, NULL },
  { "augment.gamma_max", F_DOUBLE, T (augment.gamma_max), 0.01, 100, NULL },
  { "optimizer.kind", F_ENUM, T (optim.kind), 0, 0, optim_names },
  { "optimizer.lr", F_DOUBLE, T (lr.base_lr), 1e-12, 10, NULL },
  { "optimizer.weight_decay", F_FLOAT, T (optim.weight_decay), 0, 1, NULL },
  { "optimizer.beta1", F_FLOAT, T (optim.beta1), 0, 0.999999, NULL },
  { "optimizer.beta2", F_FLOAT, T (optim.beta2), 0, 0.999999999, NULL },
  { "optimizer.eps", F_FLOAT, T (optim.eps), 1e-30, 1, NULL },
  { "optimizer.momentum", F_FLOAT, T (optim.momentum), 0, 0.999999, NULL },
  { "optimizer.nesterov", F_BOOL, T (optim.nesterov), 0, 0, NULL },
  { "schedule.kind", F_ENUM, T (lr.kind), 0, 0, schedule_names },
  { "schedule.step_size", F_UINT, T (lr.step_size), 0, 1e8, NULL },
  { "schedule.gamma", F_DOUBLE, T (lr.gamma), 0, 1, NULL },
  { "schedule.t_max", F_UINT, T (lr.t_max), 0, 1e8, NULL },
  { "schedule.eta_min", F_DOUBLE, T (lr.eta_min), 0, 10, NULL },
  { "schedule.warmup", F_UINT, T (lr.warmup), 0, 1e8, NULL },
  { "loss.pos_weight", F_DOUBLE, T (pos_weight), 0, 1e4, NULL },
  { "loss.dice_weight", F_DOUBLE, T (dice_weight), 0, 1e4, NULL },
  { "checkpoints.every", F_UINT, T (checkpoint_every), 0, BIG, NULL },
  { "checkpoints.keep", F_UINT, T (keep_checkpoints), 1, 1000, NULL },
  { "validation.every", F_UINT, T (eval_every), 0, BIG, NULL },
  { "validation.patches", F_UINT, T (val_patches), 1, 1e6, NULL },
  { "validation.patience", F_UINT, T (patience), 0, BIG, NULL },
  { "validation.min_delta", F_DOUBLE, T (min_delta), 0, 1e6, NULL },
  { "semi.kind", F_ENUM, C (semi_kind), 0, 0, semi_names },
  { "semi.labelled_fraction", F_DOUBLE, C (semi_labelled_fraction), 1e-9, 1 - 1e-9, NULL },
  { "semi.warmup", F_UINT, C (semi_warmup), 0, 1e8, NULL },
  { "semi.seed", F_U64, C (semi_seed), 0, 0, NULL },
  { "model.name", F_STRING, C (model_name), 0, 0, NULL },
  { "model.version", F_STRING, C (model_version), 0, 0, NULL },
  { "model.description", F_STRING, C (model_description), 0, 0, NULL },
};

/* Sections in the order the writer emits them; "" holds top-level scalars. */
static const char *const sections[] = {
  "", "outputs", "split", "data", "augment", "optimizer", "schedule", "loss", "checkpoints",
  "validation", "semi", "model",
};

/* Keys that are not in the table but are known. */
static const char *const special_keys[] = {
  "graph", "tasks", "manifest", "output_dir", "stages", "loss.class_weights",
};

typedef struct {
  MscTrainConfig *tc;
  const char *presets_dir;
  GHashTable *seen;             /* json paths given, for alternatives and checks */
} Reader;

static gboolean
fail (GError **error, int code, const MscTrainConfig *tc, const char *key, const char *fmt, ...)
  G_GNUC_PRINTF (5, 6);

static gboolean
fail (GError **error, int code, const MscTrainConfig *tc, const char *key, const char *fmt, ...)
{
  va_list args;
  va_start (args, fmt);
  g_autofree char *why = g_strdup_vprintf (fmt, args);
  va_end (args);
  if (key)
    g_set_error (error, MSC_TRAIN_ERROR, code, "%s: %s: %s", tc->path, key, why);
  else
    g_set_error (error, MSC_TRAIN_ERROR, code, "%s: %s", tc->path, why);
  return FALSE;
}

static const Field *
find_field (const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (strcmp (fields[i].key, key) == 0)
      return &fields[i];
  return NULL;
}

static gboolean
is_special (const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (special_keys); i++)
    if (strcmp (special_keys[i], key) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
is_section (const char *key)
{
  for (guint i = 1; i < G_N_ELEMENTS (sections); i++)
    if (strcmp (sections[i], key) == 0)
      return TRUE;
  return FALSE;
}

static const char *
node_type_name (JsonNode *node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    return "null";
  if (JSON_NODE_HOLDS_OBJECT (node))
    return _("an object");
  if (JSON_NODE_HOLDS_ARRAY (node))
    return _("an array");
  GType t = json_node_get_value_type (node);
  if (t == G_TYPE_STRING)
    return _("a string");
  if (t == G_TYPE_BOOLEAN)
    return _("a boolean");
  return _("a number");
}

/* A JSON number as a double; integers only when want_int. */
static gboolean
get_number (Reader *r, const char *key, JsonNode *node, gboolean want_int, double *out,
            GError **error)
{
  GType t = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (t == G_TYPE_INT64)
    *out = (double) json_node_get_int (node);
  else if (t == G_TYPE_DOUBLE && !want_int)
    *out = json_node_get_double (node);
  else
    return fail (error, MSC_TRAIN_ERROR_INVALID, r->tc, key, _("must be %s, not %s"),
                 want_int ? _("an integer") : _("a number"),
                 t == G_TYPE_DOUBLE ? _("a fraction") : node_type_name (node));
  if (!isfinite (*out))
    return fail (error, MSC_TRAIN_ERROR_INVALID, r->tc, key, _("must be finite"));
  return TRUE;
}

static gboolean
get_string (Reader *r, const char *key, JsonNode *node, gboolean nullable, const char **out,
            GError **error)
{
  if (nullable && JSON_NODE_HOLDS_NULL (node))
    {
      *out = NULL;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return fail (error, MSC_TRAIN_ERROR_INVALID, r->tc, key, _("must be a string, not %s"),
                 node_type_name (node));
  *out = json_node_get_string (node);
  if (!nullable && !(*out)[0])
    return fail (error, MSC_TRAIN_ERROR_INVALID, r->tc, key, _("must not be empty"));
  return TRUE;
}

static gboolean
set_field (Reader *r, const Field *f, JsonNode *node, GError **error)
{
  guint8 *at = (guint8 *) r->tc + f->offset;
  double v = 0;
  switch (f->type)
    {
    case F_BOOL:
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        return fail (error, MSC_TRAIN_ERROR_INVALID, r->tc, f->key,
                     _("must be true or false, not %s"), node_type_name (node));
      *(gboolean *) at = json_node_get_boolean (node);
      return TRUE;
    case F_STRING:
      {
        const char *s;
        /* null: the chain's default, or the card's default for model.* */
        gboolean nullable = f->offset == C (preprocess_steps) || f->offset == C (hard_negatives)
                            || g_str_has_prefix (f->key, "model.");
        if (!get_string (r, f->key, node, nullable, &s, error))
          return FALSE;
        g_free (*(char **) at);
        *(char **) at = g_strdup (s);
        return TRUE;
      }
    case F_ENUM:
      {
        const char *s;
        if (!get_string (r, f->key, node, FALSE, &s, error))
          return FALSE;
        for (guint i = 0; f->names[i]; i++)
          if (strcmp (f->names[i], s) == 0)
            {
              *(int *) at = (int) i;
              return TRUE;
            }
        g_autofree char *all = g_strjoinv (", ", (char **) f->names);
        return fail (error, MSC_TRAIN_ERROR_INVALID, r->tc, f->key,
                     _("unknown value '%s' (one of %s)"), s, all);
      }
    case F_U64:
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
        return fail (error, MSC_TRAIN_ERROR_INVALID, r->tc, f->key,
                     _("must be an integer, not %s"), node_type_name (node));
      if (json_node_get_int (node) < 0)
        return fail (error, MSC_TRAIN_ERROR_INVALID, r->tc, f->key, _("must not be negative"));
      *(guint64 *) at = (guint64) json_node_get_int (node);
      return TRUE;
    default:
      break;
    }
  gboolean want_int = f->type == F_UINT || f->type == F_MIB;
  if (!get_number (r, f->key, node, want_int, &v, error))
    return FALSE;
  if (v < f->min || v > f->max)
    return fail (error, MSC_TRAIN_ERROR_INVALID, r->tc, f->key,
                 _("must be between %g and %g, not %g"), f->min, f->max, v);
  if (f->type == F_UINT)
    *(guint *) at = (guint) v;
  else if (f->type == F_MIB)
    *(gsize *) at = (gsize) v << 20;   /* v <= 2^20: fits any 64-bit gsize */
  else if (f->type == F_FLOAT)
    *(float *) at = (float) v;
  else
    *(double *) at = v;
  return TRUE;
}

/* An absolute, normalised path: relative ones against the config's folder. */
static char *
resolve (const MscTrainConfig *tc, const char *p)
{
  return g_canonicalize_filename (p, tc->base_dir);
}

static gboolean
read_graph (Reader *r, JsonNode *node, GError **error)
{
  const char *s;
  if (!get_string (r, "graph", node, FALSE, &s, error))
    return FALSE;
  g_free (r->tc->graph_path);
  if (strchr (s, '/') || g_str_has_suffix (s, ".json"))
    r->tc->graph_path = resolve (r->tc, s);
  else
    {
      if (!r->presets_dir)
        return fail (error, MSC_TRAIN_ERROR_MISSING, r->tc, "graph",
                     _("preset '%s' asked for, but no presets folder is known"), s);
      g_autofree char *name = g_strconcat (s, ".json", NULL);
      r->tc->graph_path = g_build_filename (r->presets_dir, name, NULL);
    }
  if (!g_file_test (r->tc->graph_path, G_FILE_TEST_IS_REGULAR))
    return fail (error, MSC_TRAIN_ERROR_MISSING, r->tc, "graph", _("%s does not exist"),
                 r->tc->graph_path);
  return TRUE;
}

static gboolean
read_tasks (Reader *r, JsonNode *node, GError **error)
{
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return fail (error, MSC_TRAIN_ERROR_INVALID, r->tc, "tasks",
                 _("must be an array of task names, not %s"), node_type_name (node));
  JsonArray *a = json_node_get_array (node);
  guint tasks = 0;
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      g_autofree char *key = g_strdup_printf ("tasks[%u]", i);
      const char *s;
      if (!get_string (r, key, json_array_get_element (a, i), FALSE, &s, error))
        return FALSE;
      if (strcmp (s, "segmentation") == 0)
        tasks |= MSC_TRAIN_TASK_SEGMENTATION;
      else if (strcmp (s, "classification") == 0)
        tasks |= MSC_TRAIN_TASK_CLASSIFICATION;
      else
        return fail (error, MSC_TRAIN_ERROR_INVALID, r->tc, key,
                     _("unknown task '%s' (segmentation or classification)"), s);
    }
  if (tasks == 0)
    return fail (error, MSC_TRAIN_ERROR_INVALID, r->tc, "tasks", _("names no task"));
  r->tc->trainer.tasks = tasks;
  return TRUE;
}

static gboolean
read_manifest_object (Reader *r, JsonObject *o, GError **error)
{
  MscTrainConfig *tc = r->tc;
  g_autoptr (GList) members = json_object_get_members (o);
  for (GList *l = members; l; l = l->next)
    {
      const char *m = l->data;
      g_autofree char *key = g_strconcat ("manifest.", m, NULL);
      JsonNode *node = json_object_get_member (o, m);
      const char *s;
      if (strcmp (m, "skip_bad") == 0)
        {
          if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
            return fail (error, MSC_TRAIN_ERROR_INVALID, tc, key,
                         _("must be true or false, not %s"), node_type_name (node));
          tc->manifest_skip_bad = json_node_get_boolean (node);
          continue;
        }
      if (strcmp (m, "type") != 0 && strcmp (m, "path") != 0 && strcmp (m, "images") != 0)
        return fail (error, MSC_TRAIN_ERROR_INVALID, tc, key, _("unknown key"));
      if (!get_string (r, key, node, FALSE, &s, error))
        return FALSE;
      if (strcmp (m, "type") == 0 && strcmp (s, "mias") == 0)
        tc->manifest_kind = MSC_TRAIN_MANIFEST_MIAS;
      else if (strcmp (m, "type") == 0 && (!strcmp (s, "auto") || !strcmp (s, "csv")
                                           || !strcmp (s, "json")))
        tc->manifest_kind = MSC_TRAIN_MANIFEST_AUTO;
      else if (strcmp (m, "type") == 0)
        return fail (error, MSC_TRAIN_ERROR_INVALID, tc, key,
                     _("unknown manifest type '%s' (auto, csv, json or mias)"), s);
      else if (strcmp (m, "path") == 0)
        tc->manifest_path = resolve (tc, s);
      else
        tc->images_dir = resolve (tc, s);
    }
  return TRUE;
}

static gboolean
read_manifest (Reader *r, JsonNode *node, GError **error)
{
  MscTrainConfig *tc = r->tc;
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      if (!read_manifest_object (r, json_node_get_object (node), error))
        return FALSE;
    }
  else
    {
      const char *s;
      if (!get_string (r, "manifest", node, FALSE, &s, error))
        return FALSE;
      tc->manifest_path = resolve (tc, s);
    }
  if (!tc->manifest_path)
    return fail (error, MSC_TRAIN_ERROR_INVALID, tc, "manifest.path", _("is not set"));
  if (!g_file_test (tc->manifest_path, G_FILE_TEST_IS_REGULAR))
    return fail (error, MSC_TRAIN_ERROR_MISSING, tc, "manifest", _("%s does not exist"),
                 tc->manifest_path);
  if (tc->manifest_kind == MSC_TRAIN_MANIFEST_MIAS && !tc->images_dir)
    return fail (error, MSC_TRAIN_ERROR_INVALID, tc, "manifest.images",
                 _("is needed for a MIAS manifest"));
  if (tc->manifest_kind != MSC_TRAIN_MANIFEST_MIAS && tc->images_dir)
    return fail (error, MSC_TRAIN_ERROR_INVALID, tc, "manifest.images",
                 _("is only for a MIAS manifest"));
  if (tc->images_dir && !g_file_test (tc->images_dir, G_FILE_TEST_IS_DIR))
    return fail (error, MSC_TRAIN_ERROR_MISSING, tc, "manifest.images",
                 _("%s is not a folder"), tc->images_dir);
  return TRUE;
}

static gboolean
read_stage (Reader *r, guint i, JsonNode *node, GError **error)
{
  MscTrainConfig *tc = r->tc;
  g_autofree char *at = g_strdup_printf ("stages[%u]", i);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, MSC_TRAIN_ERROR_INVALID, tc, at, _("must be an object, not %s"),
                 node_type_name (node));
  MscTrainStage *st = &tc->trainer.stages[i];
  st->lr_scale = 1.0;
  JsonObject *o = json_node_get_object (node);
  g_autoptr (GList) members = json_object_get_members (o);
  for (GList *l = members; l; l = l->next)
    {
      const char *m = l->data;
      g_autofree char *key = g_strdup_printf ("%s.%s", at, m);
      JsonNode *v = json_object_get_member (o, m);
      double d;
      const char *s;
      if (strcmp (m, "start") == 0)
        {
          if (!get_number (r, key, v, TRUE, &d, error))
            return FALSE;
          if (d < 0 || d > BIG)
            return fail (error, MSC_TRAIN_ERROR_INVALID, tc, key,
                         _("must be between %g and %g, not %g"), 0.0, BIG, d);
          st->start = (guint) d;
        }
      else if (strcmp (m, "lr_scale") == 0)
        {
          if (!get_number (r, key, v, FALSE, &d, error))
            return FALSE;
          if (d < 0 || d > 1e3)
            return fail (error, MSC_TRAIN_ERROR_INVALID, tc, key,
                         _("must be between %g and %g, not %g"), 0.0, 1e3, d);
          st->lr_scale = d;
        }
      else if (strcmp (m, "patch_size") == 0)
        {
          if (!get_number (r, key, v, TRUE, &d, error))
            return FALSE;
          if (d < 4 || d > 4096)
            return fail (error, MSC_TRAIN_ERROR_INVALID, tc, key,
                         _("must be between %g and %g, not %g"), 4.0, 4096.0, d);
          st->patch_size = (guint) d;
        }
      else if (strcmp (m, "prefixes") == 0)
        {
          if (!get_string (r, key, v, TRUE, &s, error))
            return FALSE;
          g_free (tc->stage_prefixes[i]);
          tc->stage_prefixes[i] = g_strdup (s ? s : "");
          st->prefixes = tc->stage_prefixes[i];
        }
      else
        return fail (error, MSC_TRAIN_ERROR_INVALID, tc, key, _("unknown key"));
    }
  if (i == 0 && st->start != 0)
    return fail (error, MSC_TRAIN_ERROR_INVALID, tc, "stages[0].start", _("must be 0"));
  if (i > 0 && st->start <= tc->trainer.stages[i - 1].start)
    return fail (error, MSC_TRAIN_ERROR_INVALID, tc, "stages",
                 _("stage %u must start after stage %u"), i, i - 1);
  return TRUE;
}

static gboolean
read_stages (Reader *r, JsonNode *node, GError **error)
{
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return fail (error, MSC_TRAIN_ERROR_INVALID, r->tc, "stages", _("must be an array, not %s"),
                 node_type_name (node));
  JsonArray *a = json_node_get_array (node);
  guint n = json_array_get_length (a);
  if (n > MSC_TRAINER_MAX_STAGES)
    return fail (error, MSC_TRAIN_ERROR_INVALID, r->tc, "stages",
                 _("has %u stages, at most %u are allowed"), n, MSC_TRAINER_MAX_STAGES);
  for (guint i = 0; i < n; i++)
    if (!read_stage (r, i, json_array_get_element (a, i), error))
      return FALSE;
  r->tc->trainer.n_stages = n;
  return TRUE;
}

static gboolean
read_class_weights (Reader *r, JsonNode *node, GError **error)
{
  const char *key = "loss.class_weights";
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return fail (error, MSC_TRAIN_ERROR_INVALID, r->tc, key,
                 _("must be an array of numbers, not %s"), node_type_name (node));
  JsonArray *a = json_node_get_array (node);
  guint n = json_array_get_length (a);
  if (n < 2 || n > 3)
    return fail (error, MSC_TRAIN_ERROR_INVALID, r->tc, key,
                 _("must hold 2 or 3 weights, not %u"), n);
  for (guint i = 0; i < 3; i++)
    r->tc->trainer.class_weights[i] = 0;
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *at = g_strdup_printf ("%s[%u]", key, i);
      double w;
      if (!get_number (r, at, json_array_get_element (a, i), FALSE, &w, error))
        return FALSE;
      if (w < 0 || w > 1e4)
        return fail (error, MSC_TRAIN_ERROR_INVALID, r->tc, at,
                     _("must be between %g and %g, not %g"), 0.0, 1e4, w);
      r->tc->trainer.class_weights[i] = w;
    }
  return TRUE;
}

static gboolean
read_special (Reader *r, const char *key, JsonNode *node, GError **error)
{
  if (strcmp (key, "graph") == 0)
    return read_graph (r, node, error);
  if (strcmp (key, "tasks") == 0)
    return read_tasks (r, node, error);
  if (strcmp (key, "manifest") == 0)
    return read_manifest (r, node, error);
  if (strcmp (key, "stages") == 0)
    return read_stages (r, node, error);
  if (strcmp (key, "loss.class_weights") == 0)
    return read_class_weights (r, node, error);
  const char *s;   /* output_dir */
  if (!get_string (r, key, node, FALSE, &s, error))
    return FALSE;
  g_free (r->tc->output_dir);
  r->tc->output_dir = resolve (r->tc, s);
  return TRUE;
}

/* One object's members at json path prefix ("" for the top). */
static gboolean
read_object (Reader *r, const char *prefix, JsonObject *o, GError **error)
{
  g_autoptr (GList) members = json_object_get_members (o);
  for (GList *l = members; l; l = l->next)
    {
      const char *m = l->data;
      g_autofree char *key = prefix[0] ? g_strconcat (prefix, ".", m, NULL) : g_strdup (m);
      JsonNode *node = json_object_get_member (o, m);
      const Field *f = find_field (key);
      gboolean ok;
      if (f)
        ok = set_field (r, f, node, error);
      else if (is_special (key))
        ok = read_special (r, key, node, error);
      else if (!prefix[0] && is_section (key))
        {
          if (!JSON_NODE_HOLDS_OBJECT (node))
            return fail (error, MSC_TRAIN_ERROR_INVALID, r->tc, key,
                         _("must be an object, not %s"), node_type_name (node));
          ok = read_object (r, key, json_node_get_object (node), error);
        }
      else
        return fail (error, MSC_TRAIN_ERROR_INVALID, r->tc, key, _("unknown key"));
      if (!ok)
        return FALSE;
      g_hash_table_add (r->seen, g_steal_pointer (&key));
    }
  return TRUE;
}

static gboolean
check_split (Reader *r, GError **error)
{
  MscTrainConfig *tc = r->tc;
  gboolean kfold = g_hash_table_contains (r->seen, "split.folds");
  gboolean fraction = g_hash_table_contains (r->seen, "split.val_fraction");
  if (kfold && fraction)
    return fail (error, MSC_TRAIN_ERROR_INVALID, tc, "split",
                 _("give either folds (with fold) or val_fraction, not both"));
  if (g_hash_table_contains (r->seen, "split.fold") && !kfold)
    return fail (error, MSC_TRAIN_ERROR_INVALID, tc, "split.fold", _("needs split.folds"));
  if (kfold && tc->fold >= tc->folds)
    return fail (error, MSC_TRAIN_ERROR_INVALID, tc, "split.fold",
                 _("must be below split.folds (%u), not %u"), tc->folds, tc->fold);
  if (g_hash_table_contains (r->seen, "split") && !kfold && !fraction)
    return fail (error, MSC_TRAIN_ERROR_INVALID, tc, "split",
                 _("needs folds (with fold) or val_fraction"));
  tc->split_kind = kfold ? MSC_TRAIN_SPLIT_KFOLD
                   : fraction ? MSC_TRAIN_SPLIT_TRAIN_VAL : MSC_TRAIN_SPLIT_NONE;
  return TRUE;
}

/* Semi-supervised keys only mean something for an MPL run, and MPL trains
 * the mask head with nothing staged. */
static gboolean
check_semi (Reader *r, GError **error)
{
  MscTrainConfig *tc = r->tc;
  const char *keys[] = { "semi.labelled_fraction", "semi.warmup", "semi.seed" };
  if (tc->semi_kind == MSC_TRAIN_SEMI_NONE)
    {
      for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
        if (g_hash_table_contains (r->seen, keys[i]))
          return fail (error, MSC_TRAIN_ERROR_INVALID, tc, keys[i], _("needs semi.kind \"mpl\""));
      return TRUE;
    }
  if (tc->labelled_fraction < 1)
    return fail (error, MSC_TRAIN_ERROR_INVALID, tc, "data.labelled_fraction",
                 _("must be 1 in an MPL run (semi.labelled_fraction gives its labelled share)"));
  if (tc->semi_warmup >= tc->trainer.steps)
    return fail (error, MSC_TRAIN_ERROR_INVALID, tc, "semi.warmup",
                 _("must be below steps (%u), not %u"), tc->trainer.steps, tc->semi_warmup);
  if (!(tc->trainer.tasks & MSC_TRAIN_TASK_SEGMENTATION))
    return fail (error, MSC_TRAIN_ERROR_INVALID, tc, "semi.kind",
                 _("mpl needs the segmentation task"));
  if (tc->trainer.n_stages > 0)
    return fail (error, MSC_TRAIN_ERROR_INVALID, tc, "stages", _("not supported with semi.kind \"mpl\""));
  return TRUE;
}

/* Points the trainer's strings at the owned copies and checks what the
 * table's ranges cannot (orderings, relations), naming the key. */
static gboolean
finish (Reader *r, GError **error)
{
  MscTrainConfig *tc = r->tc;
  const char *required[] = { "graph", "manifest", "output_dir" };
  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    if (!g_hash_table_contains (r->seen, required[i]))
      return fail (error, MSC_TRAIN_ERROR_INVALID, tc, required[i], _("is required"));
  if (!check_split (r, error) || !check_semi (r, error))
    return FALSE;
  tc->trainer.graph_path = tc->graph_path;
  tc->trainer.output_dir = tc->output_dir;
  tc->trainer.seg_output = tc->seg_output;
  tc->trainer.class_output = tc->class_output;
  tc->trainer.abnormal_output = tc->abnormal_output;
  tc->trainer.malignant_output = tc->malignant_output;
  tc->trainer.preprocess_steps = tc->preprocess_steps;
  if (tc->hard_negatives != NULL && !g_path_is_absolute (tc->hard_negatives))
    {
      char *abs = g_build_filename (tc->base_dir, tc->hard_negatives, NULL);
      g_free (tc->hard_negatives);
      tc->hard_negatives = abs;
    }
  tc->trainer.hard_negatives_path = tc->hard_negatives;
  g_autoptr (GError) local = NULL;
  if (!msc_augment_params_check (&tc->trainer.augment, &local)
      || !msc_trainer_config_check (&tc->trainer, &local))
    return fail (error, MSC_TRAIN_ERROR_INVALID, tc, NULL, "%s", local->message);
  return TRUE;
}

static void
set_defaults (MscTrainConfig *tc)
{
  msc_trainer_config_init (&tc->trainer);
  tc->seg_output = g_strdup (tc->trainer.seg_output);
  tc->class_output = g_strdup (tc->trainer.class_output);
  tc->abnormal_output = g_strdup (tc->trainer.abnormal_output);
  tc->malignant_output = g_strdup (tc->trainer.malignant_output);
  tc->preprocess_steps = NULL;
  tc->folds = 5;
  tc->split_seed = 1;
  tc->val_fraction = 0.2;
  tc->labelled_fraction = 1;
  tc->labelled_seed = 1;
  tc->semi_labelled_fraction = 0.25;
  tc->semi_warmup = 300;
  tc->semi_seed = 1;
}

/* The raw-text checks json-glib lacks: nesting, duplicates, trailing text. */
static gboolean
scan_text (const MscTrainConfig *tc, const char *text, gsize length, GError **error)
{
  if (length > MAX_CONFIG_BYTES)
    return fail (error, MSC_TRAIN_ERROR_INVALID, tc, NULL,
                 _("is %lu bytes, more than a configuration can be"), (gulong) length);
  if (memchr (text, '\0', length))
    return fail (error, MSC_TRAIN_ERROR_INVALID, tc, NULL, _("holds a NUL byte"));
  g_auto (MscJsonScan) scan;
  msc_models_json_scan (text, length, &scan);
  if (scan.depth > MSC_MODELS_MAX_JSON_DEPTH)
    return fail (error, MSC_TRAIN_ERROR_INVALID, tc, NULL, _("nests deeper than %u levels"),
                 MSC_MODELS_MAX_JSON_DEPTH);
  if (scan.duplicate)
    return fail (error, MSC_TRAIN_ERROR_INVALID, tc, scan.duplicate,
                 _("given twice in one object"));
  if (scan.trailing)
    return fail (error, MSC_TRAIN_ERROR_INVALID, tc, NULL, _("has text after the JSON object"));
  return TRUE;
}

MscTrainConfig *
msc_train_config_load_bytes (const char *text, gsize length, const char *name,
                             const char *base_dir, const char *presets_dir, GError **error)
{
  g_autoptr (MscTrainConfig) tc = g_new0 (MscTrainConfig, 1);
  tc->path = g_strdup (name);
  tc->base_dir = g_canonicalize_filename (base_dir ? base_dir : ".", NULL);
  set_defaults (tc);
  if (!scan_text (tc, text, length, error))
    return NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  if (!json_parser_load_from_data (parser, text, (gssize) length, &local))
    {
      fail (error, MSC_TRAIN_ERROR_INVALID, tc, NULL, "%s", local->message);
      return NULL;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    {
      fail (error, MSC_TRAIN_ERROR_INVALID, tc, NULL, _("must hold one JSON object"));
      return NULL;
    }
  Reader r = { tc, presets_dir, g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL) };
  gboolean ok = read_object (&r, "", json_node_get_object (root), error) && finish (&r, error);
  g_hash_table_unref (r.seen);
  return ok ? g_steal_pointer (&tc) : NULL;
}

MscTrainConfig *
msc_train_config_load (const char *path, const char *presets_dir, GError **error)
{
  g_autofree char *text = NULL;
  gsize length = 0;
  g_autoptr (GError) local = NULL;
  if (!g_file_get_contents (path, &text, &length, &local))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_MISSING, "%s", local->message);
      return NULL;
    }
  g_autofree char *dir = g_path_get_dirname (path);
  return msc_train_config_load_bytes (text, length, path, dir, presets_dir, error);
}

void
msc_train_config_free (MscTrainConfig *self)
{
  if (!self)
    return;
  g_free (self->path);
  g_free (self->base_dir);
  g_free (self->graph_path);
  g_free (self->output_dir);
  g_free (self->preprocess_steps);
  g_free (self->hard_negatives);
  g_free (self->seg_output);
  g_free (self->class_output);
  g_free (self->abnormal_output);
  g_free (self->malignant_output);
  g_free (self->model_name);
  g_free (self->model_version);
  g_free (self->model_description);
  for (guint i = 0; i < MSC_TRAINER_MAX_STAGES; i++)
    g_free (self->stage_prefixes[i]);
  g_free (self->manifest_path);
  g_free (self->images_dir);
  g_free (self);
}

MscManifest *
msc_train_config_load_manifest (const MscTrainConfig *self, GPtrArray **problems,
                                GError **error)
{
  MscManifestOptions opts = { 0 };
  opts.policy = self->manifest_skip_bad ? MSC_MANIFEST_SKIP : MSC_MANIFEST_STRICT;
  if (self->manifest_kind == MSC_TRAIN_MANIFEST_MIAS)
    return msc_manifest_load_mias (self->manifest_path, self->images_dir, &opts, problems, error);
  return msc_manifest_load (self->manifest_path, &opts, problems, error);
}

gboolean
msc_train_config_select (const MscTrainConfig *self, const MscManifest *manifest,
                         guint **train, guint *n_train, guint **val, guint *n_val,
                         GError **error)
{
  guint n = msc_manifest_get_n_cases (manifest);
  g_autofree guint *fold = NULL;
  g_autofree gboolean *is_val = NULL;
  if (self->split_kind == MSC_TRAIN_SPLIT_KFOLD
      && !(fold = msc_split_kfold (manifest, self->folds, self->split_seed, error)))
    return FALSE;
  if (self->split_kind == MSC_TRAIN_SPLIT_TRAIN_VAL
      && !(is_val = msc_split_train_val (manifest, self->val_fraction, self->split_seed, error)))
    return FALSE;
  g_autofree guint *t = g_new (guint, MAX (n, 1));
  g_autofree guint *v = g_new (guint, MAX (n, 1));
  guint nt = 0, nv = 0;
  for (guint i = 0; i < n; i++)
    {
      gboolean in_val = fold ? fold[i] == self->fold : is_val ? is_val[i] : FALSE;
      if (in_val)
        v[nv++] = i;
      else
        t[nt++] = i;
    }
  if (nt == 0)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY, _("%s: no case left to train on"),
                   msc_manifest_get_path (manifest));
      return FALSE;
    }
  *n_train = nt;
  *n_val = nv;
  *train = g_steal_pointer (&t);
  *val = nv ? g_steal_pointer (&v) : NULL;
  return TRUE;
}

gboolean
msc_train_config_select_labelled (const MscTrainConfig *self, const MscManifest *manifest,
                                  const guint *train, guint n_train, guint **labelled,
                                  guint *n_labelled, guint **unlabelled, guint *n_unlabelled,
                                  GError **error)
{
  *unlabelled = NULL;
  *n_unlabelled = 0;
  if (self->semi_kind == MSC_TRAIN_SEMI_MPL)
    return msc_split_labelled (manifest, train, n_train, self->semi_labelled_fraction,
                                    self->semi_seed, labelled, n_labelled, unlabelled,
                                    n_unlabelled, error);
  if (self->labelled_fraction >= 1)
    {
      *labelled = g_memdup2 (train, (gsize) n_train * sizeof (guint));
      *n_labelled = n_train;
      return TRUE;
    }
  /* The rest is simply not used: a supervised run on the subset. */
  g_autofree guint *rest = NULL;
  guint n_rest = 0;
  return msc_split_labelled (manifest, train, n_train, self->labelled_fraction,
                                  self->labelled_seed, labelled, n_labelled, &rest, &n_rest, error);
}

/* Split keys are alternatives: only the chosen kind's are written; semi
 * keys besides the kind only for MPL. */
static gboolean
split_field_applies (const MscTrainConfig *tc, const Field *f)
{
  if (g_str_has_prefix (f->key, "semi."))
    return tc->semi_kind != MSC_TRAIN_SEMI_NONE || strcmp (f->key, "semi.kind") == 0;
  if (!g_str_has_prefix (f->key, "split."))
    return TRUE;
  if (tc->split_kind == MSC_TRAIN_SPLIT_NONE)
    return FALSE;
  if (strcmp (f->key, "split.seed") == 0)
    return TRUE;
  return (tc->split_kind == MSC_TRAIN_SPLIT_KFOLD) == (strcmp (f->key, "split.val_fraction") != 0);
}

static void
write_field (JsonBuilder *b, const MscTrainConfig *tc, const Field *f)
{
  const guint8 *at = (const guint8 *) tc + f->offset;
  json_builder_set_member_name (b, strchr (f->key, '.') ? strchr (f->key, '.') + 1 : f->key);
  switch (f->type)
    {
    case F_UINT: json_builder_add_int_value (b, *(const guint *) at); break;
    case F_U64: json_builder_add_int_value (b, (gint64) *(const guint64 *) at); break;
    case F_DOUBLE: json_builder_add_double_value (b, *(const double *) at); break;
    case F_FLOAT: json_builder_add_double_value (b, *(const float *) at); break;
    case F_BOOL: json_builder_add_boolean_value (b, *(const gboolean *) at); break;
    case F_MIB: json_builder_add_int_value (b, (gint64) (*(const gsize *) at >> 20)); break;
    case F_ENUM: json_builder_add_string_value (b, f->names[*(const int *) at]); break;
    case F_STRING:
      if (*(char *const *) at)
        json_builder_add_string_value (b, *(char *const *) at);
      else
        json_builder_add_null_value (b);
      break;
    default: break;
    }
}

static void
write_special (JsonBuilder *b, const MscTrainConfig *tc)
{
  json_builder_set_member_name (b, "graph");
  json_builder_add_string_value (b, tc->graph_path);
  json_builder_set_member_name (b, "output_dir");
  json_builder_add_string_value (b, tc->output_dir);
  json_builder_set_member_name (b, "tasks");
  json_builder_begin_array (b);
  if (tc->trainer.tasks & MSC_TRAIN_TASK_SEGMENTATION)
    json_builder_add_string_value (b, "segmentation");
  if (tc->trainer.tasks & MSC_TRAIN_TASK_CLASSIFICATION)
    json_builder_add_string_value (b, "classification");
  json_builder_end_array (b);
  json_builder_set_member_name (b, "manifest");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, tc->manifest_kind == MSC_TRAIN_MANIFEST_MIAS ? "mias" : "auto");
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, tc->manifest_path);
  if (tc->images_dir)
    {
      json_builder_set_member_name (b, "images");
      json_builder_add_string_value (b, tc->images_dir);
    }
  json_builder_set_member_name (b, "skip_bad");
  json_builder_add_boolean_value (b, tc->manifest_skip_bad);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "stages");
  json_builder_begin_array (b);
  for (guint i = 0; i < tc->trainer.n_stages; i++)
    {
      const MscTrainStage *st = &tc->trainer.stages[i];
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "start");
      json_builder_add_int_value (b, st->start);
      json_builder_set_member_name (b, "prefixes");
      json_builder_add_string_value (b, st->prefixes ? st->prefixes : "");
      json_builder_set_member_name (b, "lr_scale");
      json_builder_add_double_value (b, st->lr_scale);
      json_builder_set_member_name (b, "patch_size");
      json_builder_add_int_value (b, st->patch_size ? st->patch_size : tc->trainer.patch_size);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

char *
msc_train_config_to_json (const MscTrainConfig *self)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  write_special (b, self);
  for (guint s = 0; s < G_N_ELEMENTS (sections); s++)
    {
      gsize len = strlen (sections[s]);
      if (s > 0 && !(strcmp (sections[s], "split") == 0
                     && self->split_kind == MSC_TRAIN_SPLIT_NONE))
        {
          json_builder_set_member_name (b, sections[s]);
          json_builder_begin_object (b);
        }
      for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
        {
          const Field *f = &fields[i];
          gboolean in = len ? strncmp (f->key, sections[s], len) == 0 && f->key[len] == '.'
                            : strchr (f->key, '.') == NULL;
          if (in && split_field_applies (self, f))
            write_field (b, self, f);
        }
      if (strcmp (sections[s], "loss") == 0)
        {
          json_builder_set_member_name (b, "class_weights");
          json_builder_begin_array (b);
          for (guint i = 0; i < 3; i++)
            json_builder_add_double_value (b, self->trainer.class_weights[i]);
          json_builder_end_array (b);
        }
      if (s > 0 && !(strcmp (sections[s], "split") == 0
                     && self->split_kind == MSC_TRAIN_SPLIT_NONE))
        json_builder_end_object (b);
    }
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}
