/* engine/nn/msc-optim.c — SGD/Adam/AdamW updates as flat loops over the
 * trainable runs of the parameter block, learning-rate schedules, gradient
 * clipping and the named parameter set used for freezing.
 */
#include "msc-optim.h"
#include "msc-nn-error.h"

#include <math.h>
#include <string.h>

typedef struct {
  char *name;
  gsize offset, count;
  gboolean frozen;
} Entry;

struct _MscParamSet {
  GArray *entries;        /* Entry, in block order */
  GHashTable *by_name;    /* name -> index + 1 */
  gsize total;
};

static void
entry_clear (gpointer p)
{
  g_free (((Entry *) p)->name);
}

MscParamSet *
msc_param_set_new (void)
{
  MscParamSet *self = g_new0 (MscParamSet, 1);
  self->entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_array_set_clear_func (self->entries, entry_clear);
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  return self;
}

void
msc_param_set_free (MscParamSet *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->by_name);
  g_array_unref (self->entries);
  g_free (self);
}

gboolean
msc_param_set_add (MscParamSet *self, const char *name, gsize count, gsize *offset, GError **error)
{
  if (name == NULL || *name == '\0' || count < 1)
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID,
                   "parameter set: entry \"%s\" needs a name and at least one value", name ? name : "");
      return FALSE;
    }
  if (g_hash_table_contains (self->by_name, name))
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID,
                   "parameter set: \"%s\" is already defined; parameter names must be unique", name);
      return FALSE;
    }
  if (count > G_MAXSIZE / sizeof (float) - self->total)
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE, "parameter set: \"%s\" overflows the block", name);
      return FALSE;
    }
  Entry e = { g_strdup (name), self->total, count, FALSE };
  g_array_append_val (self->entries, e);
  g_hash_table_insert (self->by_name, e.name, GUINT_TO_POINTER (self->entries->len));
  if (offset)
    *offset = self->total;
  self->total += count;
  return TRUE;
}

gsize
msc_param_set_total (const MscParamSet *self)
{
  return self->total;
}

guint
msc_param_set_n_entries (const MscParamSet *self)
{
  return self->entries->len;
}

static Entry *
find (const MscParamSet *self, const char *name)
{
  guint i = GPOINTER_TO_UINT (g_hash_table_lookup (self->by_name, name));
  return i ? &g_array_index (self->entries, Entry, i - 1) : NULL;
}

gboolean
msc_param_set_lookup (const MscParamSet *self, const char *name, gsize *offset, gsize *count)
{
  Entry *e = find (self, name);
  if (e == NULL)
    return FALSE;
  if (offset)
    *offset = e->offset;
  if (count)
    *count = e->count;
  return TRUE;
}

guint
msc_param_set_freeze_prefix (MscParamSet *self, const char *prefix, gboolean frozen)
{
  guint matched = 0;
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *e = &g_array_index (self->entries, Entry, i);
      if (g_str_has_prefix (e->name, prefix))
        {
          e->frozen = frozen;
          matched++;
        }
    }
  return matched;
}

gboolean
msc_param_set_is_frozen (const MscParamSet *self, const char *name)
{
  Entry *e = find (self, name);
  return e && e->frozen;
}

gboolean
msc_param_set_trainable_run (const MscParamSet *self, guint i, gsize *offset, gsize *count)
{
  /* A linear scan per call: sets have hundreds of entries and the
   * optimiser asks once per run per step, negligible next to the update. */
  guint run = 0;
  for (guint j = 0; j < self->entries->len;)
    {
      Entry *e = &g_array_index (self->entries, Entry, j);
      if (e->frozen)
        {
          j++;
          continue;
        }
      gsize start = e->offset, end = e->offset + e->count;
      for (j++; j < self->entries->len; j++)
        {
          Entry *f = &g_array_index (self->entries, Entry, j);
          if (f->frozen)
            break;
          end = f->offset + f->count;
        }
      if (run++ == i)
        {
          *offset = start;
          *count = end - start;
          return TRUE;
        }
    }
  return FALSE;
}

/* Iterates the trainable runs of [0, n): the whole block without a set. */
static gboolean
next_run (const MscParamSet *set, gsize n, guint i, gsize *offset, gsize *count)
{
  if (set == NULL)
    {
      *offset = 0;
      *count = n;
      return i == 0;
    }
  if (!msc_param_set_trainable_run (set, i, offset, count))
    return FALSE;
  /* Never step past the block the caller handed in. */
  if (*offset >= n)
    return FALSE;
  *count = MIN (*count, n - *offset);
  return TRUE;
}

gboolean
msc_optim_check (const MscOptimConfig *cfg, GError **error)
{
  if (!(cfg->weight_decay >= 0.0f) || !isfinite (cfg->weight_decay))
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID,
                   "optimiser: weight decay %g must be finite and >= 0", (double) cfg->weight_decay);
      return FALSE;
    }
  switch (cfg->kind)
    {
    case MSC_OPTIM_SGD:
      if (!(cfg->momentum >= 0.0f && cfg->momentum < 1.0f))
        {
          g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID,
                       "SGD: momentum %g is outside [0, 1)", (double) cfg->momentum);
          return FALSE;
        }
      if (cfg->nesterov && cfg->momentum == 0.0f)
        {
          g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID, "SGD: Nesterov momentum needs momentum > 0");
          return FALSE;
        }
      return TRUE;
    case MSC_OPTIM_ADAM:
    case MSC_OPTIM_ADAMW:
      if (!(cfg->beta1 >= 0.0f && cfg->beta1 < 1.0f) || !(cfg->beta2 >= 0.0f && cfg->beta2 < 1.0f)
          || !(cfg->eps >= 0.0f) || !isfinite (cfg->eps))
        {
          g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID,
                       "Adam: betas (%g, %g) must be in [0, 1) and eps %g >= 0",
                       (double) cfg->beta1, (double) cfg->beta2, (double) cfg->eps);
          return FALSE;
        }
      return TRUE;
    default:
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID, "optimiser: unknown kind %d", (int) cfg->kind);
      return FALSE;
    }
}

gsize
msc_optim_state_floats (const MscOptimConfig *cfg, gsize n)
{
  if (cfg->kind == MSC_OPTIM_SGD)
    return cfg->momentum != 0.0f ? n : 0;
  return 2 * n;
}

static void
sgd_run (const MscOptimConfig *cfg, float lr, float *p, const float *g, float *buf, gsize n)
{
  float wd = cfg->weight_decay, mu = cfg->momentum;
  for (gsize i = 0; i < n; i++)
    {
      float d = g[i] + wd * p[i];
      if (mu != 0.0f)
        {
          /* torch starts the buffer at the first gradient; with dampening 0
           * that equals mu * 0 + g from a zeroed buffer. */
          buf[i] = mu * buf[i] + d;
          d = cfg->nesterov ? d + mu * buf[i] : buf[i];
        }
      p[i] -= lr * d;
    }
}

static void
adam_run (const MscOptimConfig *cfg, float lr, guint64 step, float *p, const float *g,
          float *m, float *v, gsize n)
{
  float b1 = cfg->beta1, b2 = cfg->beta2, wd = cfg->weight_decay;
  gboolean decoupled = cfg->kind == MSC_OPTIM_ADAMW;
  double bc1 = 1.0 - pow (b1, (double) step), bc2 = 1.0 - pow (b2, (double) step);
  /* As torch.optim (single-tensor path): p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps). */
  float step_size = (float) (lr / bc1), bc2_sqrt = (float) sqrt (bc2);
  float decay = 1.0f - lr * wd;
  for (gsize i = 0; i < n; i++)
    {
      float gi = g[i];
      if (decoupled)
        p[i] *= decay;
      else
        gi += wd * p[i];
      m[i] = b1 * m[i] + (1.0f - b1) * gi;
      v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
      float denom = sqrtf (v[i]) / bc2_sqrt + cfg->eps;
      p[i] -= step_size * (m[i] / denom);
    }
}

void
msc_optim_step (const MscOptimConfig *cfg, float lr, guint64 step,
                float *params, const float *grads, float *state, gsize n,
                const MscParamSet *set)
{
  gsize off, cnt;
  g_return_if_fail (step >= 1);
  for (guint r = 0; next_run (set, n, r, &off, &cnt); r++)
    {
      if (cfg->kind == MSC_OPTIM_SGD)
        sgd_run (cfg, lr, params + off, grads + off, state ? state + off : NULL, cnt);
      else
        adam_run (cfg, lr, step, params + off, grads + off, state + off, state + n + off, cnt);
    }
}

double
msc_clip_grad_norm (float *grads, gsize n, const MscParamSet *set, double max_norm)
{
  gsize off, cnt;
  double ss = 0.0;
  for (guint r = 0; next_run (set, n, r, &off, &cnt); r++)
    for (gsize i = 0; i < cnt; i++)
      ss += (double) grads[off + i] * grads[off + i];
  double norm = sqrt (ss);
  /* torch: coef = max_norm / (norm + 1e-6), applied only when < 1. */
  double coef = max_norm / (norm + 1e-6);
  if (coef < 1.0)
    for (guint r = 0; next_run (set, n, r, &off, &cnt); r++)
      for (gsize i = 0; i < cnt; i++)
        grads[off + i] = (float) (grads[off + i] * coef);
  return norm;
}

gboolean
msc_lr_schedule_check (const MscLrSchedule *s, GError **error)
{
  if (!(s->base_lr > 0.0) || !isfinite (s->base_lr))
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID,
                   "learning-rate schedule: base rate %g must be positive", s->base_lr);
      return FALSE;
    }
  switch (s->kind)
    {
    case MSC_LR_CONSTANT:
      return TRUE;
    case MSC_LR_STEP:
      if (s->step_size < 1 || !(s->gamma > 0.0) || !isfinite (s->gamma))
        {
          g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID,
                       "step schedule: step size %u must be >= 1 and gamma %g > 0", s->step_size, s->gamma);
          return FALSE;
        }
      return TRUE;
    case MSC_LR_COSINE:
    case MSC_LR_WARMUP_COSINE:
      if (s->t_max < 1 || !(s->eta_min >= 0.0) || s->eta_min > s->base_lr
          || (s->kind == MSC_LR_WARMUP_COSINE && s->warmup >= s->t_max))
        {
          g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID,
                       "cosine schedule: t_max %u must be >= 1 and above warm-up %u, eta_min %g in [0, base %g]",
                       s->t_max, s->warmup, s->eta_min, s->base_lr);
          return FALSE;
        }
      return TRUE;
    default:
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID, "learning-rate schedule: unknown kind %d", (int) s->kind);
      return FALSE;
    }
}

static double
cosine (double base, double eta_min, double e, double t_max)
{
  return eta_min + (base - eta_min) * (1.0 + cos (G_PI * e / t_max)) / 2.0;
}

double
msc_lr_schedule_at (const MscLrSchedule *s, guint e)
{
  switch (s->kind)
    {
    case MSC_LR_STEP:
      return s->base_lr * pow (s->gamma, (double) (e / s->step_size));
    case MSC_LR_COSINE:
      return cosine (s->base_lr, s->eta_min, e, s->t_max);
    case MSC_LR_WARMUP_COSINE:
      if (e < s->warmup)
        return s->base_lr * (double) (e + 1) / (double) s->warmup;
      /* After t_max the rate stays at eta_min instead of climbing again. */
      return cosine (s->base_lr, s->eta_min, MIN (e, s->t_max) - s->warmup, s->t_max - s->warmup);
    case MSC_LR_CONSTANT:
    default:
      return s->base_lr;
    }
}
