/* engine/models/msc-model-run.c — running a model: the buffer plan made
 * once per (input shape, mode), forward (recording the tape in training),
 * backward replaying it in reverse, optimiser steps, saving and flops. */
#include "msc-model-private.h"
#include "msc-nn-error.h"
#include "msc-safetensors.h"

#include <math.h>
#include <string.h>

/* ---- the buffer plan ----------------------------------------------------
 * Time runs over steps: forward of the t-th node in topological order is
 * step t, its backward step 2T-1-t. Every buffer is an interval of steps
 * and a size; buffers whose intervals overlap get disjoint ranges of one
 * arena. Eval values die after their last consumer; training values live
 * until their producer's backward (it or a consumer's backward reads them). */

#define FOREVER G_MAXINT

typedef struct {
  gsize size, off;        /* floats, multiples of 16 (64 bytes) */
  int first, last;
  float **dst;
} Item;

static int
item_by_size (gconstpointer a, gconstpointer b)
{
  const Item *x = *(Item *const *) a, *y = *(Item *const *) b;
  return x->size < y->size ? 1 : x->size > y->size ? -1 : (x < y ? -1 : x > y);
}

static int
item_by_off (gconstpointer a, gconstpointer b)
{
  const Item *x = *(Item *const *) a, *y = *(Item *const *) b;
  return x->off < y->off ? -1 : x->off > y->off;
}

/* Greedy: largest first, each at the lowest offset free during its steps. */
static gsize
assign_offsets (GArray *items)
{
  guint n = items->len;
  g_autofree Item **order = g_new (Item *, n);
  g_autofree Item **busy = g_new (Item *, n);
  for (guint i = 0; i < n; i++)
    order[i] = &g_array_index (items, Item, i);
  qsort (order, n, sizeof (Item *), item_by_size);
  gsize total = 0;
  for (guint i = 0; i < n; i++)
    {
      Item *it = order[i];
      guint n_busy = 0;
      for (guint j = 0; j < i; j++)
        if (order[j]->first <= it->last && it->first <= order[j]->last)
          busy[n_busy++] = order[j];
      qsort (busy, n_busy, sizeof (Item *), item_by_off);
      gsize off = 0;
      for (guint j = 0; j < n_busy && busy[j]->off < off + it->size; j++)
        off = MAX (off, busy[j]->off + busy[j]->size);
      it->off = off;
      total = MAX (total, off + it->size);
    }
  return total;
}

static void
add_item (GArray *items, gsize floats, int first, int last, float **dst)
{
  *dst = NULL;
  if (floats == 0)
    return;
  Item it = { (floats + 15) & ~(gsize) 15, 0, first, last, dst };
  g_array_append_val (items, it);
}

/* Resolves aliases (eval: a folded batch norm's value is its conv's) and
 * runs every op's plan over the input shape. */
static gboolean
plan_shapes (MscModel *m, const gint64 *shape, gboolean training, GError **error)
{
  m->planned = FALSE;
  m->tape_valid = FALSE;
  m->plan_training = training;
  Value *in = &m->values[0];
  in->nd = 4;
  in->numel = 1;
  for (guint i = 0; i < 4; i++)
    {
      in->shape[i] = shape[i];
      in->numel *= (gsize) shape[i];
    }
  for (guint t = 0; t < m->n_nodes; t++)
    {
      NodeRt *n = &m->nodes[t];
      for (guint i = 0; i < n->n_in; i++)
        {
          guint v = n->g->input_values[i];
          n->in[i] = m->value_node[v] ? m->value_node[v]->out : v;
        }
      n->skip = FALSE;
      NodeRt *conv = m->value_node[n->in[0]];
      if (!training && strcmp (n->op->name, "batch_norm") == 0 && conv && conv->fold_bn == n)
        n->skip = TRUE;
      n->out = n->skip ? n->in[0] : n->own_out;
      n->saved_floats = n->scratch_floats = 0;
      n->flops = 0;
      if (n->skip)
        m->values[n->own_out] = m->values[n->out];
      else if (!n->op->plan (m, n, error))
        return FALSE;
    }
  return TRUE;
}

/* Last step at which each (resolved) value is read in eval. */
static void
eval_last_use (MscModel *m, int *last)
{
  for (guint v = 0; v < m->n_values; v++)
    last[v] = m->value_node[v] ? -1 : 0;
  for (guint t = 0; t < m->n_nodes; t++)
    {
      NodeRt *n = &m->nodes[t];
      last[n->own_out] = MAX (last[n->own_out], (int) t);
      for (guint i = 0; i < n->n_in && !n->skip; i++)
        last[n->in[i]] = MAX (last[n->in[i]], (int) t);
    }
  for (guint i = 0; i < m->n_outputs; i++)
    {
      NodeRt *p = m->value_node[m->out_vals[i]];
      last[p ? p->out : m->out_vals[i]] = FOREVER;
    }
}

static void
collect_items (MscModel *m, GArray *items, int *last)
{
  int T = (int) m->n_nodes;
  gboolean tr = m->plan_training;
  /* First backward touch of each value: its last consumer's backward. */
  int *first_bwd = last;
  if (tr)
    {
      for (guint v = 0; v < m->n_values; v++)
        first_bwd[v] = -1;
      for (int t = 0; t < T; t++)
        for (guint i = 0; i < m->nodes[t].n_in; i++)
          first_bwd[m->nodes[t].in[i]] = 2 * T - 1 - t;   /* later t: earlier backward */
    }
  else
    eval_last_use (m, last);
  add_item (items, m->values[0].numel, 0, tr ? FOREVER : last[0], &m->values[0].data);
  m->values[0].grad = NULL;
  for (int t = 0; t < T; t++)
    {
      NodeRt *n = &m->nodes[t];
      n->saved = NULL;
      if (n->skip)
        continue;
      Value *y = &m->values[n->own_out];
      gboolean out = m->is_output[n->own_out];
      int bwd = 2 * T - 1 - t;
      add_item (items, y->numel, t, out ? FOREVER : tr ? bwd : last[n->own_out], &y->data);
      add_item (items, n->saved_floats, t, tr ? bwd : t, &n->saved);
      y->grad = NULL;
      y->gfirst = out ? T - 1 : first_bwd[n->own_out];
      if (tr && (out || first_bwd[n->own_out] >= 0))
        add_item (items, y->numel, y->gfirst, bwd, &y->grad);
    }
}

static void
make_views (MscModel *m)
{
  for (guint i = 0; i < m->n_outputs; i++)
    {
      g_clear_pointer (&m->out_view[i], msc_tensor_free);
      g_clear_pointer (&m->out_grad_view[i], msc_tensor_free);
      NodeRt *p = m->value_node[m->out_vals[i]];
      Value *v = &m->values[p ? p->out : m->out_vals[i]];
      m->out_view[i] = msc_tensor_new_view (v->data, v->shape, v->nd, NULL);
      if (v->grad)
        m->out_grad_view[i] = msc_tensor_new_view (v->grad, v->shape, v->nd, NULL);
    }
}

static gboolean
plan (MscModel *m, const gint64 *shape, GError **error)
{
  if (m->planned && m->plan_training == m->training && memcmp (shape, m->plan_shape, sizeof m->plan_shape) == 0)
    return TRUE;
  if (!plan_shapes (m, shape, m->training, error))
    return FALSE;
  g_autoptr (GArray) items = g_array_new (FALSE, FALSE, sizeof (Item));
  g_autofree int *last = g_new (int, m->n_values);
  collect_items (m, items, last);
  gsize scratch = 0;
  for (guint t = 0; t < m->n_nodes; t++)
    scratch = MAX (scratch, m->nodes[t].scratch_floats);
  gsize total = assign_offsets (items) + scratch;
  if (total > m->arena_capacity)
    {
      g_aligned_free (m->arena);
      m->arena = g_aligned_alloc (MAX (total, 1), sizeof (float), 64);
      m->arena_capacity = total;
    }
  m->arena_floats = total;
  for (guint i = 0; i < items->len; i++)
    {
      Item *it = &g_array_index (items, Item, i);
      *it->dst = m->arena + it->off;
    }
  m->scratch = m->arena + (total - scratch);
  /* A skipped node's own value mirrors the one it aliases, pointers too. */
  for (guint t = 0; t < m->n_nodes; t++)
    if (m->nodes[t].skip)
      m->values[m->nodes[t].own_out] = m->values[m->nodes[t].out];
  make_views (m);
  memcpy (m->plan_shape, shape, sizeof m->plan_shape);
  m->planned = TRUE;
  return TRUE;
}

/* ---- forward and backward ---------------------------------------------- */

static gboolean
check_input (MscModel *m, const MscTensor *input, GError **error)
{
  const Shape *want = &m->graph->input_shapes[0];
  const char *name = m->graph->input_names[0];
  g_autofree char *got = msc_tensor_shape_string (input);
  if (msc_tensor_n_dims (input) != want->n || want->n != 4)
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE, "%s: input '%s' has shape %s, expected "
                   "4 dimensions (N, C, H, W)", m->file, name, got);
      return FALSE;
    }
  for (guint d = 1; d < 4; d++)
    if (want->d[d] >= 0 && msc_tensor_dim (input, d) != want->d[d])
      {
        const NodeRt *user = NULL;
        for (guint t = 0; t < m->n_nodes && !user; t++)
          for (guint i = 0; i < m->nodes[t].n_in; i++)
            if (m->nodes[t].g->input_values[i] == 0)
              user = &m->nodes[t];
        g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE, "%s: input '%s' has %s %" G_GINT64_FORMAT
                     " (shape %s); node '%s' (%s) expects %" G_GINT64_FORMAT, m->file, name,
                     d == 1 ? "channels" : "extent", msc_tensor_dim (input, d), got,
                     user ? msc_graph_node_get_name (user->g) : "?", user ? user->op->name : "?",
                     want->d[d]);
        return FALSE;
      }
  return TRUE;
}

gboolean
msc_model_forward (MscModel *self, const MscTensor *input, GError **error)
{
  if (!check_input (self, input, error))
    return FALSE;
  gint64 shape[4];
  for (guint d = 0; d < 4; d++)
    shape[d] = msc_tensor_dim (input, d);
  if (!plan (self, shape, error))
    return FALSE;
  if (!self->training && self->fold_stale && !msc_model_refold (self, error))
    return FALSE;
  if (!self->pool)
    self->pool = msc_thread_pool_new (self->n_threads);
  memcpy (self->values[0].data, msc_tensor_data_const (input), self->values[0].numel * sizeof (float));
  for (guint t = 0; t < self->n_nodes; t++)
    if (!self->nodes[t].skip)
      self->nodes[t].op->forward (self, &self->nodes[t]);
  self->tape_valid = self->training;
  /* Batch statistics moved the running ones the folded weights came from. */
  self->fold_stale |= self->training;
  if (self->training)
    for (guint i = 0; i < self->n_outputs; i++)
      if (self->out_grad_view[i])
        memset (msc_tensor_data (self->out_grad_view[i]), 0,
                msc_tensor_numel (self->out_grad_view[i]) * sizeof (float));
  return TRUE;
}

static gint
output_index (MscModel *m, const char *name)
{
  for (guint i = 0; i < m->n_outputs; i++)
    if (strcmp (m->graph->outputs[i], name) == 0)
      return (gint) i;
  return -1;
}

const MscTensor *
msc_model_get_output (MscModel *self, const char *name)
{
  gint i = output_index (self, name);
  return i < 0 || !self->planned ? NULL : self->out_view[i];
}

MscTensor *
msc_model_get_output_grad (MscModel *self, const char *name)
{
  gint i = output_index (self, name);
  return i < 0 || !self->tape_valid ? NULL : self->out_grad_view[i];
}

gboolean
msc_model_backward (MscModel *self, GError **error)
{
  if (!self->tape_valid)
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID, "%s: backward needs a forward in "
                   "training mode first", self->file);
      return FALSE;
    }
  int T = (int) self->n_nodes;
  for (int t = T - 1; t >= 0; t--)
    {
      NodeRt *n = &self->nodes[t];
      int step = 2 * T - 1 - t;
      for (guint i = 0; i < n->n_in; i++)
        {
          Value *x = &self->values[n->in[i]];
          if (x->grad && x->gfirst == step)
            memset (x->grad, 0, x->numel * sizeof (float));
        }
      /* A value nothing consumes (and no output) has no gradient to pass. */
      if (self->values[n->own_out].grad && n->op->backward)
        n->op->backward (self, n);
    }
  return TRUE;
}

/* ---- optimiser --------------------------------------------------------- */

gboolean
msc_model_set_optimizer (MscModel *self, const MscOptimConfig *cfg, GError **error)
{
  if (!msc_optim_check (cfg, error))
    return FALSE;
  gsize n = msc_optim_state_floats (cfg, msc_param_set_total (self->params));
  g_aligned_free (self->optim_state);
  self->optim_state = g_aligned_alloc0 (MAX (n, 1), sizeof (float), 64);
  self->optim = *cfg;
  self->optim_step = 0;
  self->has_optim = TRUE;
  return TRUE;
}

gboolean
msc_model_step (MscModel *self, float lr, GError **error)
{
  if (!self->has_optim)
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID, "%s: no optimiser set "
                   "(msc_model_set_optimizer)", self->file);
      return FALSE;
    }
  msc_optim_step (&self->optim, lr, ++self->optim_step, self->param_block, self->grad_block,
                  self->optim_state, msc_param_set_total (self->params), self->params);
  self->fold_stale = TRUE;
  return TRUE;
}

gboolean
msc_model_train_step (MscModel *self, const MscTensor *input, MscModelLossFunc loss_fn,
                      gpointer user_data, float lr, double *loss, GError **error)
{
  if (!self->training)
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID, "%s: train step in eval mode "
                   "(msc_model_set_training (model, TRUE) first)", self->file);
      return FALSE;
    }
  if (!self->has_optim)
    return msc_model_step (self, lr, error);   /* reports the missing optimiser */
  msc_model_zero_grad (self);
  if (!msc_model_forward (self, input, error))
    return FALSE;
  GError *local = NULL;
  double l = loss_fn (self, user_data, &local);
  if (local)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  if (loss)
    *loss = l;
  return msc_model_backward (self, error) && msc_model_step (self, lr, error);
}

/* ---- saving and counting ----------------------------------------------- */

gboolean
msc_model_save (MscModel *self, const char *weights_path, GError **error)
{
  guint n = msc_graph_get_n_params (self->graph);
  g_autofree const char **names = g_new0 (const char *, n + 1);
  g_autoptr (GPtrArray) tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) msc_tensor_free);
  for (guint i = 0; i < n; i++)
    {
      gint64 shape[MSC_TENSOR_MAX_DIMS];
      guint nd;
      names[i] = msc_graph_get_param (self->graph, i, shape, &nd);
      MscTensor *t = msc_tensor_new_view (msc_model_get_param (self, names[i], NULL), shape, nd, error);
      if (!t)
        return FALSE;
      g_ptr_array_add (tensors, t);
    }
  g_autoptr (GHashTable) meta = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (meta, "format", "mammoscope-weights");
  g_hash_table_insert (meta, "graph", (gpointer) msc_graph_get_name (self->graph));
  return msc_safetensors_save (weights_path, names, (MscTensor *const *) tensors->pdata, n, meta, error);
}

gboolean
msc_model_count_flops (MscModel *self, gint64 h, gint64 w, guint64 *flops, GError **error)
{
  const Shape *in = &self->graph->input_shapes[0];
  gint64 shape[4] = { 1, in->d[1], h, w };
  if (h < 1 || w < 1)
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID, "%s: input extent %" G_GINT64_FORMAT
                   "x%" G_GINT64_FORMAT " is not positive", self->file, h, w);
      return FALSE;
    }
  /* An eval plan of shapes only (folded batch norms cost nothing); the
   * next forward plans its buffers afresh. */
  gboolean ok = plan_shapes (self, shape, FALSE, error);
  self->planned = FALSE;
  if (!ok)
    return FALSE;
  *flops = 0;
  for (guint t = 0; t < self->n_nodes; t++)
    *flops += self->nodes[t].flops;
  return TRUE;
}
