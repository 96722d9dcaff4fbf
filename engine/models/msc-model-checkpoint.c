/* engine/models/msc-model-checkpoint.c — training checkpoints: parameters,
 * running statistics, the optimiser's moments and step count and the
 * dropout RNG in one safetensors file, so a resumed run takes exactly the
 * steps an uninterrupted one would. Integers and RNG words go in the
 * metadata as hex text (F32 tensors cannot hold 64-bit values exactly).
 */
#include <string.h>

#include "msc-model-private.h"
#include "msc-models-private.h"
#include "msc-nn-error.h"
#include "msc-safetensors.h"

#define CKPT_FORMAT "mammoscope-checkpoint"
#define CKPT_VERSION "1"
#define OPTIM_TENSOR "optim.state"

float *
msc_model_get_optim_state (MscModel *self, gsize *n_floats)
{
  gsize n = self->has_optim ? msc_optim_state_floats (&self->optim, msc_param_set_total (self->params)) : 0;
  if (n_floats)
    *n_floats = n;
  return self->has_optim ? self->optim_state : NULL;
}

guint64
msc_model_get_optim_step (const MscModel *self)
{
  return self->optim_step;
}

MscRng *
msc_model_get_rng (MscModel *self)
{
  return &self->rng;
}

static guint32
float_bits (float f)
{
  guint32 u;
  memcpy (&u, &f, sizeof u);
  return u;
}

/* The optimiser configuration as exact bits: a checkpoint resumed under a
 * different optimiser would silently train something else. */
static char *
optim_string (const MscOptimConfig *c)
{
  return g_strdup_printf ("%d %08x %d %08x %08x %08x %08x", (int) c->kind, float_bits (c->momentum),
                          c->nesterov ? 1 : 0, float_bits (c->weight_decay), float_bits (c->beta1),
                          float_bits (c->beta2), float_bits (c->eps));
}

static char *
rng_string (const MscRng *r)
{
  guint64 spare;
  memcpy (&spare, &r->spare, sizeof spare);
  return g_strdup_printf ("%016" G_GINT64_MODIFIER "x %016" G_GINT64_MODIFIER "x %016"
                          G_GINT64_MODIFIER "x %016" G_GINT64_MODIFIER "x %016" G_GINT64_MODIFIER
                          "x %d", r->s[0], r->s[1], r->s[2], r->s[3], spare, r->has_spare ? 1 : 0);
}

static gboolean
parse_hex64 (const char *text, guint64 *out)
{
  return text && g_ascii_string_to_unsigned (text, 16, 0, G_MAXUINT64, out, NULL);
}

static gboolean
rng_parse (const char *text, MscRng *r)
{
  if (!text)
    return FALSE;
  g_auto (GStrv) f = g_strsplit (text, " ", -1);
  if (g_strv_length (f) != 6)
    return FALSE;
  guint64 spare, has;
  for (guint i = 0; i < 4; i++)
    if (!parse_hex64 (f[i], &r->s[i]))
      return FALSE;
  if (!parse_hex64 (f[4], &spare) || !parse_hex64 (f[5], &has) || has > 1)
    return FALSE;
  memcpy (&r->spare, &spare, sizeof spare);
  r->has_spare = has == 1;
  return TRUE;
}

gboolean
msc_model_save_checkpoint (MscModel *self, const char *path, GHashTable *metadata, GError **error)
{
  if (!self->has_optim)
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, path, "a checkpoint needs an optimiser "
                            "(msc_model_set_optimizer)");
  guint n = msc_graph_get_n_params (self->graph);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  g_autoptr (GPtrArray) tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) msc_tensor_free);
  for (guint i = 0; i < n; i++)
    {
      gint64 shape[MSC_TENSOR_MAX_DIMS];
      guint nd;
      const char *name = msc_graph_get_param (self->graph, i, shape, &nd);
      MscTensor *t = msc_tensor_new_view (msc_model_get_param (self, name, NULL), shape, nd, error);
      if (!t)
        return FALSE;
      g_ptr_array_add (names, (gpointer) name);
      g_ptr_array_add (tensors, t);
    }
  gsize n_state;
  float *state = msc_model_get_optim_state (self, &n_state);
  if (n_state > 0)
    {
      gint64 shape[1] = { (gint64) n_state };
      MscTensor *t = msc_tensor_new_view (state, shape, 1, error);
      if (!t)
        return FALSE;
      g_ptr_array_add (names, (gpointer) OPTIM_TENSOR);
      g_ptr_array_add (tensors, t);
    }

  g_autoptr (GHashTable) meta = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (metadata)
    {
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, metadata);
      while (g_hash_table_iter_next (&it, &k, &v))
        {
          if (g_str_has_prefix (k, "msc."))
            return msc_models_fail (error, MSC_NN_ERROR_INVALID, path,
                                    "checkpoint metadata key \"%s\" is reserved", (char *) k);
          g_hash_table_insert (meta, g_strdup (k), g_strdup (v));
        }
    }
  g_hash_table_insert (meta, g_strdup ("msc.format"), g_strdup (CKPT_FORMAT));
  g_hash_table_insert (meta, g_strdup ("msc.version"), g_strdup (CKPT_VERSION));
  g_hash_table_insert (meta, g_strdup ("msc.graph"), g_strdup (msc_graph_get_name (self->graph)));
  g_hash_table_insert (meta, g_strdup ("msc.optim"), optim_string (&self->optim));
  g_hash_table_insert (meta, g_strdup ("msc.optim_step"),
                       g_strdup_printf ("%" G_GINT64_MODIFIER "x", self->optim_step));
  g_hash_table_insert (meta, g_strdup ("msc.rng"), rng_string (&self->rng));
  return msc_safetensors_save (path, (const char *const *) names->pdata,
                               (MscTensor *const *) tensors->pdata, tensors->len, meta, error);
}

/* Every check before anything is written, so a refused file leaves the
 * model as it was. */
static gboolean
check_checkpoint (MscModel *self, MscSafetensors *st, const char *path, MscRng *rng,
                  guint64 *step, GError **error)
{
  const char *format = msc_safetensors_get_metadata (st, "msc.format");
  const char *version = msc_safetensors_get_metadata (st, "msc.version");
  if (g_strcmp0 (format, CKPT_FORMAT) != 0)
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, path, "not a checkpoint (format \"%s\")",
                            format ? format : "none");
  if (g_strcmp0 (version, CKPT_VERSION) != 0)
    return msc_models_fail (error, MSC_NN_ERROR_UNSUPPORTED, path, "checkpoint version %s, "
                            "this build reads " CKPT_VERSION, version ? version : "none");
  if (!self->has_optim)
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, path, "set the optimiser before "
                            "loading a checkpoint");
  g_autofree char *optim = optim_string (&self->optim);
  if (g_strcmp0 (optim, msc_safetensors_get_metadata (st, "msc.optim")) != 0)
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, path, "optimiser configuration differs "
                            "from the model's");
  if (!parse_hex64 (msc_safetensors_get_metadata (st, "msc.optim_step"), step))
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, path, "bad or missing msc.optim_step");
  if (!rng_parse (msc_safetensors_get_metadata (st, "msc.rng"), rng))
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, path, "bad or missing msc.rng");

  guint n = msc_graph_get_n_params (self->graph);
  for (guint i = 0; i < n; i++)
    {
      gsize want;
      const char *name = msc_graph_get_param (self->graph, i, NULL, NULL);
      msc_model_get_param (self, name, &want);
      MscTensor *t = msc_safetensors_get (st, name);
      if (!t)
        return msc_models_fail (error, MSC_NN_ERROR_INVALID, path, "tensor \"%s\" is missing", name);
      if ((gsize) msc_tensor_numel (t) != want)
        return msc_models_fail (error, MSC_NN_ERROR_SHAPE, path, "tensor \"%s\" has %"
                                G_GINT64_FORMAT " values, the graph needs %" G_GSIZE_FORMAT,
                                name, msc_tensor_numel (t), want);
    }
  gsize n_state;
  msc_model_get_optim_state (self, &n_state);
  MscTensor *st_t = msc_safetensors_get (st, OPTIM_TENSOR);
  gsize have = st_t ? (gsize) msc_tensor_numel (st_t) : 0;
  if (have != n_state)
    return msc_models_fail (error, MSC_NN_ERROR_SHAPE, path, "optimiser state has %" G_GSIZE_FORMAT
                            " values, the model needs %" G_GSIZE_FORMAT, have, n_state);
  if (msc_safetensors_get_n_tensors (st) != n + (n_state > 0 ? 1 : 0))
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, path, "unexpected tensors besides the "
                            "graph's %u parameters and the optimiser state", n);
  return TRUE;
}

gboolean
msc_model_load_checkpoint (MscModel *self, const char *path, GHashTable **metadata, GError **error)
{
  g_autoptr (MscSafetensors) st = msc_safetensors_load (path, error);
  if (!st)
    return FALSE;
  MscRng rng;
  guint64 step;
  if (!check_checkpoint (self, st, path, &rng, &step, error))
    return FALSE;
  for (guint i = 0; i < msc_graph_get_n_params (self->graph); i++)
    {
      const char *name = msc_graph_get_param (self->graph, i, NULL, NULL);
      gsize n;
      float *dst = msc_model_get_param (self, name, &n);
      memcpy (dst, msc_tensor_data (msc_safetensors_get (st, name)), n * sizeof (float));
    }
  gsize n_state;
  float *state = msc_model_get_optim_state (self, &n_state);
  if (n_state > 0)
    memcpy (state, msc_tensor_data (msc_safetensors_get (st, OPTIM_TENSOR)), n_state * sizeof (float));
  self->optim_step = step;
  self->rng = rng;
  msc_model_params_changed (self);
  if (metadata)
    *metadata = msc_safetensors_dup_metadata (st);
  return TRUE;
}
