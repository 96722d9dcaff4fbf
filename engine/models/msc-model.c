/* engine/models/msc-model.c — the model runtime: parameters in one aligned
 * block (gradients in another), deterministic initialisation, a buffer plan
 * per input shape and mode, forward with a tape in training mode, backward
 * replaying it in reverse, batch-norm folding for eval, optimiser steps. */
#include "msc-model-private.h"
#include "msc-nn-error.h"
#include "msc-safetensors.h"

#include <math.h>
#include <string.h>

/* ---- building the runtime from a graph --------------------------------- */

static float *
block_new (gsize n)
{
  return g_aligned_alloc0 (MAX (n, 1), sizeof (float), 64);
}

static gboolean
is_stat (const char *name)
{
  return g_str_has_suffix (name, ".running_mean") || g_str_has_suffix (name, ".running_var");
}

/* Ties each parameter tensor to its node's offsets. */
static gboolean
add_params (MscModel *m, GHashTable *by_name, GError **error)
{
  for (guint i = 0; i < msc_graph_get_n_params (m->graph); i++)
    {
      gint64 shape[MSC_TENSOR_MAX_DIMS];
      guint nd;
      const char *name = msc_graph_get_param (m->graph, i, shape, &nd);
      gint64 numel = 1;
      for (guint d = 0; d < nd; d++)
        numel *= shape[d];
      const char *dot = strrchr (name, '.');
      g_autofree char *owner = g_strndup (name, dot - name);
      NodeRt *n = g_hash_table_lookup (by_name, owner);
      gsize off;
      if (!n || !msc_param_set_add (is_stat (name) ? m->stats : m->params, name, (gsize) numel, &off, error))
        return FALSE;
      if (strcmp (dot, ".weight") == 0)
        n->w = off;
      else if (strcmp (dot, ".bias") == 0)
        n->b = off;
      else if (strcmp (dot, ".running_mean") == 0)
        n->rm = off;
      else
        n->rv = off;
    }
  return TRUE;
}

/* A conv2d whose only consumer is a batch_norm (and which is no output)
 * gets folded weights for eval. */
static void
find_folds (MscModel *m, const guint *n_users)
{
  for (guint t = 0; t < m->n_nodes; t++)
    {
      NodeRt *bn = &m->nodes[t];
      if (strcmp (bn->op->name, "batch_norm") != 0)
        continue;
      NodeRt *conv = m->value_node[bn->in[0]];
      if (!conv || strcmp (conv->op->name, "conv2d") != 0 || n_users[conv->own_out] != 1
          || m->is_output[conv->own_out])
        continue;
      gsize n_w = 0, n_c = 0, off;
      g_autofree char *wname = g_strconcat (msc_graph_node_get_name (conv->g), ".weight", NULL);
      g_autofree char *mname = g_strconcat (msc_graph_node_get_name (bn->g), ".running_mean", NULL);
      msc_param_set_lookup (m->params, wname, &off, &n_w);
      msc_param_set_lookup (m->stats, mname, &off, &n_c);
      conv->fold_bn = bn;
      conv->fold_w = m->n_fold;
      conv->fold_b = m->n_fold + n_w;
      m->n_fold += n_w + n_c;
    }
}

static gboolean
build_runtime (MscModel *m, GError **error)
{
  MscGraph *g = m->graph;
  if (g->n_inputs != 1)
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_UNSUPPORTED, "%s: the graph has %u inputs; "
                   "models with exactly one input are supported", m->file, g->n_inputs);
      return FALSE;
    }
  m->n_nodes = g->n_nodes;
  m->nodes = g_new0 (NodeRt, m->n_nodes);
  m->n_values = g->n_inputs + g->n_nodes;
  m->values = g_new0 (Value, m->n_values);
  m->is_output = g_new0 (gboolean, m->n_values);
  m->value_node = g_new0 (NodeRt *, m->n_values);
  g_autofree guint *n_users = g_new0 (guint, m->n_values);
  g_autoptr (GHashTable) by_name = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint t = 0; t < m->n_nodes; t++)
    {
      guint gi = g->topo[t];
      const MscGraphNode *gn = &g->nodes[gi];
      NodeRt *n = &m->nodes[t];
      n->g = gn;
      n->op = msc_exec_op_lookup (msc_graph_node_get_op (gn));
      if (!n->op)
        {
          g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_UNSUPPORTED, "%s: node '%s': op '%s' cannot run",
                       m->file, gn->name, msc_graph_node_get_op (gn));
          return FALSE;
        }
      n->n_in = gn->n_inputs;
      n->in = g_memdup2 (gn->input_values, sizeof (guint) * n->n_in);
      n->own_out = n->out = g->n_inputs + gi;
      n->w = n->b = n->rm = n->rv = NO_OFFSET;
      n->channels = g_new0 (gint64, n->n_in);
      n->xs = g_new0 (const float *, n->n_in);
      n->dxs = g_new0 (float *, n->n_in);
      m->value_node[n->own_out] = n;
      for (guint i = 0; i < n->n_in; i++)
        n_users[n->in[i]]++;
      g_hash_table_insert (by_name, gn->name, n);
    }
  m->n_outputs = g->n_outputs;
  m->out_vals = g_new0 (guint, m->n_outputs);
  m->out_view = g_new0 (MscTensor *, m->n_outputs);
  m->out_grad_view = g_new0 (MscTensor *, m->n_outputs);
  for (guint i = 0; i < m->n_outputs; i++)
    {
      m->out_vals[i] = GPOINTER_TO_UINT (g_hash_table_lookup (g->values, g->outputs[i])) - 1;
      m->is_output[m->out_vals[i]] = TRUE;
    }
  m->params = msc_param_set_new ();
  m->stats = msc_param_set_new ();
  if (!add_params (m, by_name, error))
    return FALSE;
  m->param_block = block_new (msc_param_set_total (m->params));
  m->grad_block = block_new (msc_param_set_total (m->params));
  m->stat_block = block_new (msc_param_set_total (m->stats));
  find_folds (m, n_users);
  m->fold_block = block_new (m->n_fold);
  m->fold_stale = TRUE;
  return TRUE;
}

/* PyTorch's defaults: kaiming_uniform (a = sqrt 5) gives weights and biases
 * uniform in +-1/sqrt(fan_in); fan_in = prod (weight shape[1:]), which for
 * conv_transpose2d is (out/groups) k k, as PyTorch computes it. */
static void
init_params (MscModel *m, guint64 seed)
{
  MscRng rng;
  msc_rng_init (&rng, seed);
  double bound = 1.0;
  for (guint i = 0; i < msc_graph_get_n_params (m->graph); i++)
    {
      gint64 shape[MSC_TENSOR_MAX_DIMS];
      guint nd;
      const char *name = msc_graph_get_param (m->graph, i, shape, &nd);
      gsize off, count;
      gboolean stat = is_stat (name);
      msc_param_set_lookup (stat ? m->stats : m->params, name, &off, &count);
      float *p = (stat ? m->stat_block : m->param_block) + off;
      const char *dot = strrchr (name, '.');
      g_autofree char *owner = g_strndup (name, dot - name);
      const char *op = msc_graph_node_get_op (msc_graph_find_node (m->graph, owner));
      gboolean norm = g_str_has_suffix (op, "_norm");
      if (norm || stat)
        {
          float v = strcmp (dot, ".weight") == 0 || strcmp (dot, ".running_var") == 0 ? 1.0f : 0.0f;
          for (gsize k = 0; k < count; k++)
            p[k] = v;
          continue;
        }
      if (strcmp (dot, ".weight") == 0)
        bound = 1.0 / sqrt ((double) (count / (gsize) shape[0]));
      for (gsize k = 0; k < count; k++)
        p[k] = (float) ((2.0 * msc_rng_uniform_double (&rng) - 1.0) * bound);
    }
  /* Dropout draws from its own stream so that init and masks stay apart. */
  msc_rng_init (&m->rng, seed ^ G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
}

MscModel *
msc_model_new_from_graph (MscGraph *graph, guint64 seed, GError **error)
{
  g_autoptr (MscModel) m = g_new0 (MscModel, 1);
  m->graph = graph;
  m->file = g_strdup (graph->file ? graph->file : msc_graph_get_name (graph));
  if (!build_runtime (m, error))
    return NULL;
  init_params (m, seed);
  return g_steal_pointer (&m);
}

static gboolean
copy_weights (MscModel *m, MscSafetensors *st)
{
  for (guint i = 0; i < msc_graph_get_n_params (m->graph); i++)
    {
      const char *name = msc_graph_get_param (m->graph, i, NULL, NULL);
      gsize n;
      float *dst = msc_model_get_param (m, name, &n);
      memcpy (dst, msc_tensor_data_const (msc_safetensors_get (st, name)), n * sizeof (float));
    }
  return TRUE;
}

MscModel *
msc_model_load (const char *graph_path, const char *weights_path, GError **error)
{
  MscGraph *graph = msc_graph_load (graph_path, error);
  if (!graph)
    return NULL;
  g_autoptr (MscModel) m = msc_model_new_from_graph (graph, 0, error);
  if (!m || !weights_path)
    return g_steal_pointer (&m);
  g_autoptr (MscSafetensors) st = msc_safetensors_load (weights_path, error);
  if (!st || !msc_graph_check_weights (m->graph, st, error))
    return NULL;
  copy_weights (m, st);
  return g_steal_pointer (&m);
}

void
msc_model_free (MscModel *self)
{
  if (!self)
    return;
  for (guint t = 0; t < self->n_nodes; t++)
    {
      g_free (self->nodes[t].in);
      g_free (self->nodes[t].channels);
      g_free (self->nodes[t].xs);
      g_free (self->nodes[t].dxs);
    }
  for (guint i = 0; i < self->n_outputs; i++)
    {
      msc_tensor_free (self->out_view[i]);
      msc_tensor_free (self->out_grad_view[i]);
    }
  g_free (self->out_view);
  g_free (self->out_grad_view);
  g_free (self->out_vals);
  g_free (self->nodes);
  g_free (self->values);
  g_free (self->is_output);
  g_free (self->value_node);
  msc_param_set_free (self->params);
  msc_param_set_free (self->stats);
  g_aligned_free (self->param_block);
  g_aligned_free (self->grad_block);
  g_aligned_free (self->stat_block);
  g_aligned_free (self->fold_block);
  g_aligned_free (self->arena);
  g_aligned_free (self->optim_state);
  msc_thread_pool_free (self->pool);
  msc_graph_free (self->graph);
  g_free (self->file);
  g_free (self);
}

const MscGraph *
msc_model_get_graph (const MscModel *self)
{
  return self->graph;
}

const char *
msc_model_get_filename (const MscModel *self)
{
  return self->file;
}

/* ---- parameters -------------------------------------------------------- */

float *
msc_model_get_param (MscModel *self, const char *name, gsize *n_floats)
{
  gsize off, count;
  if (msc_param_set_lookup (self->params, name, &off, &count))
    {
      if (n_floats)
        *n_floats = count;
      return self->param_block + off;
    }
  if (msc_param_set_lookup (self->stats, name, &off, &count))
    {
      if (n_floats)
        *n_floats = count;
      return self->stat_block + off;
    }
  return NULL;
}

float *
msc_model_get_grad (MscModel *self, const char *name, gsize *n_floats)
{
  gsize off, count;
  if (!msc_param_set_lookup (self->params, name, &off, &count))
    return NULL;
  if (n_floats)
    *n_floats = count;
  return self->grad_block + off;
}

gboolean
msc_model_set_param (MscModel *self, const char *name, const MscTensor *src, GError **error)
{
  for (guint i = 0; i < msc_graph_get_n_params (self->graph); i++)
    {
      gint64 shape[MSC_TENSOR_MAX_DIMS];
      guint nd;
      if (strcmp (msc_graph_get_param (self->graph, i, shape, &nd), name) != 0)
        continue;
      gboolean same = msc_tensor_n_dims (src) == nd;
      for (guint d = 0; same && d < nd; d++)
        same = msc_tensor_dim (src, d) == shape[d];
      if (!same)
        {
          g_autofree char *given = msc_tensor_shape_string (src);
          Shape s = { { shape[0], shape[1], shape[2], shape[3] }, nd };
          g_autofree char *want = msc_graph_shape_string (&s);
          g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE, "%s: parameter '%s' has shape %s, "
                       "given %s", self->file, name, want, given);
          return FALSE;
        }
      gsize n;
      float *dst = msc_model_get_param (self, name, &n);
      memcpy (dst, msc_tensor_data_const (src), n * sizeof (float));
      self->fold_stale = TRUE;
      return TRUE;
    }
  g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID, "%s: no parameter '%s'", self->file, name);
  return FALSE;
}

float *
msc_model_get_params_block (MscModel *self, gsize *n)
{
  *n = msc_param_set_total (self->params);
  self->fold_stale = TRUE;   /* the caller may write through it */
  return self->param_block;
}

float *
msc_model_get_grads_block (MscModel *self, gsize *n)
{
  *n = msc_param_set_total (self->params);
  return self->grad_block;
}

MscParamSet *
msc_model_get_param_set (MscModel *self)
{
  return self->params;
}

void
msc_model_params_changed (MscModel *self)
{
  self->fold_stale = TRUE;
}

gsize
msc_model_count_params (const MscModel *self)
{
  return msc_param_set_total (self->params);
}

void
msc_model_zero_grad (MscModel *self)
{
  memset (self->grad_block, 0, msc_param_set_total (self->params) * sizeof (float));
}

/* w' = w s, b' = (b - mean) s + beta with s = gamma / sqrt (var + eps), for
 * every conv whose batch norm is skipped in eval. */
gboolean
msc_model_refold (MscModel *m, GError **error)
{
  for (guint t = 0; t < m->n_nodes; t++)
    {
      NodeRt *c = &m->nodes[t], *bn = c->fold_bn;
      if (!bn)
        continue;
      JsonNode *e = json_object_get_member (msc_graph_node_get_params (bn->g), "eps");
      float eps = e ? (float) json_node_get_double (e) : 1e-5f;
      g_autoptr (GError) local = NULL;
      if (!msc_conv2d_fold_batchnorm (&c->k.conv, m->param_block + c->w,
                                      c->b == NO_OFFSET ? NULL : m->param_block + c->b,
                                      m->param_block + bn->w, m->param_block + bn->b,
                                      m->stat_block + bn->rm, m->stat_block + bn->rv, eps,
                                      m->fold_block + c->fold_w, m->fold_block + c->fold_b, &local))
        {
          g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_NUMERIC, "%s: node '%s' (batch_norm): %s",
                       m->file, msc_graph_node_get_name (bn->g), local->message);
          return FALSE;
        }
    }
  m->fold_stale = FALSE;
  return TRUE;
}

void
msc_model_set_training (MscModel *self, gboolean training)
{
  if (!training && self->training)
    self->fold_stale = TRUE;
  self->training = training;
  self->tape_valid = FALSE;
}

gboolean
msc_model_get_training (const MscModel *self)
{
  return self->training;
}

void
msc_model_set_threads (MscModel *self, guint n_threads)
{
  g_clear_pointer (&self->pool, msc_thread_pool_free);
  self->n_threads = n_threads;
}

gsize
msc_model_get_arena_bytes (const MscModel *self)
{
  return self->planned ? self->arena_floats * sizeof (float) : 0;
}
