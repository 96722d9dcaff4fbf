/* engine/train/msc-trainer-data.c — the trainer's data source: each image
 * preprocessed once and kept in a least-recently-used cache within a byte
 * budget, patch batches drawn from an RNG derived from (seed, step) alone,
 * and a prefetch thread that builds step s+1 while step s trains. Because
 * no RNG state flows between steps, timing cannot change a batch.
 */
#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "msc-i18n.h"
#include "msc-load.h"
#include "msc-preprocess.h"
#include "msc-trainer-private.h"

struct _MscTrainData {
  const MscTrainerConfig *cfg;
  MscManifest *manifest;
  guint *train;
  guint n_train;
  guint n_classes;
  /* class-balanced drawing: train positions by image label */
  GArray *by_label[MSC_LABEL_N_CLASSES];
  /* cache */
  GHashTable *entries;              /* case index -> MscTrainEntry* */
  GHashTable *hard;                 /* image file name -> GArray of MscPoint (nullable) */
  GMutex cache_lock;                /* prefetch and validation share the cache */
  gsize bytes, peak_bytes;
  guint64 tick, hits, misses, evictions;
  /* prefetch */
  GThread *thread;
  GMutex lock;
  GCond cond;
  MscTrainBatch *slot[2];
  gboolean slot_ready[2];
  guint slot_step[2];
  GError *slot_error[2];
  gint requested;                   /* step asked for, -1 none */
  gboolean busy;                    /* the worker is filling a slot */
  gboolean quit;
};

static void
entry_free (MscTrainEntry *e)
{
  if (!e)
    return;
  msc_plane_free (e->image);
  msc_plane_free (e->breast);
  g_free (e->circles);
  g_free (e->hard);
  g_free (e);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscTrainEntry, entry_free)

/* A seed for stream `stream`, item `i`: splitmix-style mixing, so nearby
 * steps get unrelated generators (msc_rng_init mixes again). */
static guint64
derive_seed (guint64 seed, guint64 stream, guint64 i)
{
  guint64 z = seed ^ (stream * 0xD1B54A32D192ED03ull) ^ ((i + 1) * 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* A JSON number (integer or not) at a[i], else NAN. */
static double
number_at (JsonArray *a, guint i)
{
  JsonNode *n = json_array_get_element (a, i);
  if (!JSON_NODE_HOLDS_VALUE (n))
    return NAN;
  GType t = json_node_get_value_type (n);
  return t == G_TYPE_INT64 || t == G_TYPE_DOUBLE ? json_node_get_double (n) : NAN;
}

#define MAX_HARD_POINTS 1000   /* per image: a mined file is small; more is a broken file */

/* The hard-negative places file: {"mdb001.png": [[x, y], ...], ...}, keyed
 * by file name (not path) so one file serves manifests in any folder. */
static GHashTable *
load_hard_negatives (const char *path, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_file (parser, path, error))
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("%s: hard negatives must be an object of file name -> [[x, y], ...]"), path);
      return NULL;
    }
  g_autoptr (GHashTable) out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                      (GDestroyNotify) g_array_unref);
  JsonObjectIter it;
  const char *name;
  JsonNode *node;
  json_object_iter_init (&it, json_node_get_object (root));
  while (json_object_iter_next (&it, &name, &node))
    {
      JsonArray *a = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
      if (!a || json_array_get_length (a) > MAX_HARD_POINTS)
        {
          g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                       _("%s: %s: must be a list of at most %u [x, y] points"), path, name,
                       MAX_HARD_POINTS);
          return NULL;
        }
      GArray *points = g_array_new (FALSE, FALSE, sizeof (MscPoint));
      g_hash_table_insert (out, g_strdup (name), points);
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          JsonNode *pn = json_array_get_element (a, i);
          JsonArray *xy = JSON_NODE_HOLDS_ARRAY (pn) ? json_node_get_array (pn) : NULL;
          MscPoint p = { NAN, NAN };
          if (xy && json_array_get_length (xy) == 2)
            p = (MscPoint) { number_at (xy, 0), number_at (xy, 1) };
          if (!isfinite (p.x) || !isfinite (p.y) || fabs (p.x) > 1e6 || fabs (p.y) > 1e6)
            {
              g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                           _("%s: %s: point %u is not an [x, y] pair of pixel coordinates"),
                           path, name, i + 1);
              return NULL;
            }
          g_array_append_val (points, p);
        }
    }
  return g_steal_pointer (&out);
}

MscTrainData *
msc_train_data_new (const MscTrainerConfig *cfg, MscManifest *manifest, const guint *train,
                    guint n_train, guint n_classes, GError **error)
{
  if (n_train == 0)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY, _("%s: no training cases"),
                   msc_manifest_get_path (manifest));
      return NULL;
    }
  g_autoptr (GHashTable) hard = NULL;
  if (cfg->hard_negatives_path && cfg->hard_negative_share > 0
      && !(hard = load_hard_negatives (cfg->hard_negatives_path, error)))
    return NULL;
  MscTrainData *self = g_new0 (MscTrainData, 1);
  self->cfg = cfg;
  self->hard = g_steal_pointer (&hard);
  self->manifest = msc_manifest_ref (manifest);
  self->train = g_memdup2 (train, n_train * sizeof (guint));
  self->n_train = n_train;
  self->n_classes = n_classes;
  for (guint c = 0; c < MSC_LABEL_N_CLASSES; c++)
    self->by_label[c] = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; i < n_train; i++)
    {
      MscLabel l = msc_manifest_get_case (manifest, train[i])->label;
      if (l < MSC_LABEL_N_CLASSES)
        g_array_append_val (self->by_label[l], train[i]);
    }
  self->entries = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                         (GDestroyNotify) entry_free);
  g_mutex_init (&self->lock);
  g_mutex_init (&self->cache_lock);
  g_cond_init (&self->cond);
  self->requested = -1;
  return self;
}

void
msc_train_data_free (MscTrainData *self)
{
  if (!self)
    return;
  if (self->thread)
    {
      g_mutex_lock (&self->lock);
      self->quit = TRUE;
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);
      g_thread_join (self->thread);
    }
  for (guint i = 0; i < 2; i++)
    {
      msc_train_batch_free (self->slot[i]);
      g_clear_error (&self->slot_error[i]);
    }
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->cache_lock);
  g_cond_clear (&self->cond);
  for (guint c = 0; c < MSC_LABEL_N_CLASSES; c++)
    g_array_unref (self->by_label[c]);
  g_hash_table_unref (self->entries);
  g_clear_pointer (&self->hard, g_hash_table_unref);
  msc_manifest_unref (self->manifest);
  g_free (self->train);
  g_free (self);
}

/* ---- preprocessing and the cache --------------------------------------- */

/* Lesions the patch sampler can use: circles as they are, polygons as the
 * circle around their vertices from their centroid; masks and
 * geometry-free findings are left out (no centre to sample at). */
static GArray *
case_circles (const MscCase *c)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (MscLesionCircle));
  for (guint i = 0; i < c->lesions->len; i++)
    {
      const MscLesion *l = g_ptr_array_index (c->lesions, i);
      MscLesionCircle circle = { 0 };
      circle.class_id = l->severity == MSC_LABEL_MALIGNANT ? 2 : 1;
      if (l->kind == MSC_LESION_CIRCLE)
        {
          circle.x = l->cx;
          circle.y = l->cy;
          circle.radius = l->radius;
        }
      else if (l->kind == MSC_LESION_POLYGON && l->polygon->len >= 3)
        {
          for (guint k = 0; k < l->polygon->len; k++)
            {
              circle.x += g_array_index (l->polygon, MscPoint, k).x / l->polygon->len;
              circle.y += g_array_index (l->polygon, MscPoint, k).y / l->polygon->len;
            }
          for (guint k = 0; k < l->polygon->len; k++)
            {
              const MscPoint *p = &g_array_index (l->polygon, MscPoint, k);
              circle.radius = MAX (circle.radius, hypot (p->x - circle.x, p->y - circle.y));
            }
        }
      else
        continue;
      if (circle.radius > 0)
        g_array_append_val (out, circle);
    }
  return out;
}

static MscTrainEntry *
preprocess_case (MscTrainData *self, guint index, GError **error)
{
  const MscCase *c = msc_manifest_get_case (self->manifest, index);
  g_autoptr (MscImage) image = msc_image_load (c->image_path, NULL, error);
  if (!image)
    return NULL;
  g_autoptr (MscTrainEntry) e = g_new0 (MscTrainEntry, 1);
  g_autoptr (GArray) circles = case_circles (c);
  const char *steps = self->cfg->preprocess_steps;
  MscAffine map;
  msc_affine_identity (&map);
  if (steps && steps[0] == '\0')
    {
      /* No chain: the stored values scaled to 0..1 by the bit depth. */
      g_autoptr (MscPlane) raw = msc_plane_new_from_image (image, FALSE, error);
      if (!raw)
        return NULL;
      double scale = 1.0 / MAX (msc_plane_get_max_value (raw), 1u);
      e->image = msc_plane_convert (raw, MSC_PLANE_F32, error);
      if (!e->image)
        return NULL;
      float *px = msc_plane_f32 (e->image);
      for (gsize i = 0; i < msc_plane_get_n_pixels (e->image); i++)
        px[i] = (float) (px[i] * scale);
    }
  else
    {
      MscPreprocessOptions opts;
      msc_preprocess_options_init (&opts);
      opts.target_mm = self->cfg->spacing_mm;
      opts.source_mm = self->cfg->source_spacing_mm;
      g_autoptr (MscPreprocess) pp = msc_preprocess_run (image, steps ? steps : MSC_TRAINER_DEFAULT_STEPS,
                                                         &opts, NULL, NULL, error);
      if (!pp)
        {
          g_prefix_error (error, "%s: ", c->image_path);
          return NULL;
        }
      /* A chain that ends in U8/U16 (no "normalize") is scaled to 0..1 by
       * its bit depth, exactly as the analyzer does at inference. */
      const MscPlane *out = msc_preprocess_get_plane (pp);
      e->image = msc_plane_convert (out, MSC_PLANE_F32, error);
      if (!e->image)
        return NULL;
      if (msc_plane_get_format (out) != MSC_PLANE_F32)
        {
          float scale = 1.0f / (float) MAX (msc_plane_get_max_value (out), 1u);
          float *px = msc_plane_f32 (e->image);
          for (gsize i = 0; i < msc_plane_get_n_pixels (e->image); i++)
            px[i] *= scale;
        }
      if (msc_preprocess_get_mask (pp))
        e->breast = msc_plane_copy (msc_preprocess_get_mask (pp), NULL);
      map = *msc_preprocess_get_transform (pp);
    }
  /* Circles follow the chain's map; the radius scales with sqrt |det|. */
  double det_scale = sqrt (fabs (map.m[0] * map.m[4] - map.m[1] * map.m[3]));
  for (guint i = 0; i < circles->len; i++)
    {
      MscLesionCircle *cl = &g_array_index (circles, MscLesionCircle, i);
      msc_affine_apply (&map, cl->x, cl->y, &cl->x, &cl->y);
      cl->radius *= det_scale;
    }
  if (self->hard)
    {
      g_autofree char *name = g_path_get_basename (c->image_path);
      GArray *pts = g_hash_table_lookup (self->hard, name);
      if (pts && pts->len > 0)
        {
          e->hard = g_memdup2 (pts->data, pts->len * sizeof (MscPoint));
          e->n_hard = pts->len;
          for (guint i = 0; i < e->n_hard; i++)
            msc_affine_apply (&map, e->hard[i].x, e->hard[i].y, &e->hard[i].x, &e->hard[i].y);
        }
    }
  e->case_index = index;
  e->n_circles = circles->len;
  e->circles = (MscLesionCircle *) g_array_free (g_steal_pointer (&circles), FALSE);
  e->bytes = msc_plane_get_n_pixels (e->image) * sizeof (float)
             + (e->breast ? msc_plane_get_n_pixels (e->breast) : 0)
             + e->n_circles * sizeof (MscLesionCircle) + e->n_hard * sizeof (MscPoint)
             + sizeof (MscTrainEntry);
  return g_steal_pointer (&e);
}

/* Drops least recently used entries until `incoming` more bytes fit. The
 * newest entry always stays, even alone above the budget. */
static void
evict_for (MscTrainData *self, gsize incoming)
{
  while (self->bytes + incoming > self->cfg->cache_bytes && g_hash_table_size (self->entries) > 0)
    {
      GHashTableIter it;
      gpointer k, v;
      MscTrainEntry *oldest = NULL;
      g_hash_table_iter_init (&it, self->entries);
      while (g_hash_table_iter_next (&it, &k, &v))
        if (!oldest || ((MscTrainEntry *) v)->last_use < oldest->last_use)
          oldest = v;
      self->bytes -= oldest->bytes;
      self->evictions++;
      g_hash_table_remove (self->entries, GUINT_TO_POINTER (oldest->case_index));
    }
}

const MscTrainEntry *
msc_train_data_get (MscTrainData *self, guint case_index, GError **error)
{
  MscTrainEntry *e = g_hash_table_lookup (self->entries, GUINT_TO_POINTER (case_index));
  if (e)
    self->hits++;
  else
    {
      self->misses++;
      e = preprocess_case (self, case_index, error);
      if (!e)
        return NULL;
      evict_for (self, e->bytes);
      g_hash_table_insert (self->entries, GUINT_TO_POINTER (case_index), e);
      self->bytes += e->bytes;
      self->peak_bytes = MAX (self->peak_bytes, self->bytes);
    }
  e->last_use = ++self->tick;
  return e;
}

void
msc_train_data_cache_stats (const MscTrainData *self, MscTrainerCacheStats *stats)
{
  g_mutex_lock ((GMutex *) &self->cache_lock);
  stats->hits = self->hits;
  stats->misses = self->misses;
  stats->evictions = self->evictions;
  stats->bytes = self->bytes;
  stats->peak_bytes = self->peak_bytes;
  stats->budget = self->cfg->cache_bytes;
  g_mutex_unlock ((GMutex *) &self->cache_lock);
}

/* ---- batches ------------------------------------------------------------ */

MscTrainBatch *
msc_train_batch_new (guint batch, guint patch, GError **error)
{
  gsize per = 0, all = 0;
  if (!g_size_checked_mul (&per, patch, patch) || !g_size_checked_mul (&all, per, batch))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("batch of %u patches of %u pixels is too large"), batch, patch);
      return NULL;
    }
  gint64 shape[4] = { batch, 1, patch, patch };
  MscTensor *input = msc_tensor_new (shape, 4, error);
  if (!input)
    return NULL;
  MscTrainBatch *b = g_new0 (MscTrainBatch, 1);
  b->input = input;
  b->patch = b->max_patch = patch;
  b->seg_target = g_new0 (float, all);
  b->class_target = g_new0 (gint32, batch);
  return b;
}

MscTensor *
msc_train_batch_view (const MscTrainBatch *b, GError **error)
{
  gint64 shape[4] = { b->n, 1, b->patch, b->patch };
  return msc_tensor_new_view (msc_tensor_data (b->input), shape, 4, error);
}

guint
msc_trainer_config_patch_at (const MscTrainerConfig *cfg, guint step)
{
  guint p = cfg->patch_size;
  for (guint i = 0; i < cfg->n_stages && i < MSC_TRAINER_MAX_STAGES; i++)
    if (cfg->stages[i].start <= step)
      p = cfg->stages[i].patch_size ? cfg->stages[i].patch_size : cfg->patch_size;
  return p;
}

guint
msc_trainer_config_max_patch (const MscTrainerConfig *cfg)
{
  guint p = cfg->patch_size;
  for (guint i = 0; i < cfg->n_stages && i < MSC_TRAINER_MAX_STAGES; i++)
    p = MAX (p, cfg->stages[i].patch_size);
  return p;
}

void
msc_train_batch_free (MscTrainBatch *b)
{
  if (!b)
    return;
  msc_tensor_free (b->input);
  g_free (b->seg_target);
  g_free (b->class_target);
  g_free (b);
}

/* Does the mask have a lesion pixel in the central half of the patch? A
 * lesion patch whose lesion an augmentation moved out of view is labelled
 * background for classification (its mask says what is really there). */
static gboolean
centre_has_lesion (const guint8 *mask, guint p)
{
  for (guint y = p / 4; y < p - p / 4; y++)
    for (guint x = p / 4; x < p - p / 4; x++)
      if (mask[(gsize) y * p + x])
        return TRUE;
  return FALSE;
}

/* One patch of side b->patch from one case into slot i of b. src: the
 * sampled crop's side (larger than the patch when augmenting, so rotations
 * show no empty corners). */
static gboolean
fill_one (MscTrainData *self, guint case_index, guint src, const MscAugmentParams *aug,
          MscRng *rng, MscTrainBatch *b, guint i, GError **error)
{
  const MscTrainerConfig *cfg = self->cfg;
  guint p = b->patch;
  /* Which thread preprocesses an image first changes only the cache's
   * counters, never a patch. */
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->cache_lock);
  const MscTrainEntry *e = msc_train_data_get (self, case_index, error);
  if (!e)
    return FALSE;
  MscPatchParams pp;
  msc_patches_params_init (&pp);
  pp.patch_size = src;
  pp.n_patches = 1;
  pp.lesion_share = cfg->lesion_share;
  pp.background_candidates = MAX (cfg->background_candidates, 1u);
  pp.jitter = cfg->jitter;
  pp.hard_points = e->hard;
  pp.n_hard_points = e->n_hard;
  pp.hard_share = cfg->hard_negative_share;
  g_autoptr (GPtrArray) patches = msc_patches_sample (&pp, e->image, e->breast, e->circles,
                                                      e->n_circles, NULL, rng, error);
  g_clear_pointer (&locker, g_mutex_locker_free);   /* the patch is a copy */
  if (!patches)
    {
      g_prefix_error (error, "%s: ", msc_manifest_get_case (self->manifest, case_index)->image_path);
      return FALSE;
    }
  MscPatch *patch = g_ptr_array_index (patches, 0);
  MscAugment a;
  if (!msc_augment_sample (aug, rng, &a, error))
    return FALSE;
  g_autoptr (MscPlane) img = NULL, mask = NULL;
  if (!msc_augment_apply (&a, patch->image, patch->mask, p, p, &img, &mask, NULL, error))
    return FALSE;
  gsize per = (gsize) p * p;
  memcpy (msc_tensor_data (b->input) + i * per, msc_plane_peek_f32 (img), per * sizeof (float));
  const guint8 *m = msc_plane_peek_u8 (mask);
  for (gsize k = 0; k < per; k++)
    b->seg_target[i * per + k] = m[k] ? 1.0f : 0.0f;
  gint32 cls = 0;
  if (patch->kind == MSC_PATCH_LESION && centre_has_lesion (m, p))
    cls = self->n_classes == 2 ? 1 : (gint32) MIN (patch->class_id, 2u);
  b->class_target[i] = cls;
  return TRUE;
}

/* An image for one training patch: uniform over the training cases, or a
 * uniformly drawn label present in the set, then a case of that label. */
static guint
draw_case (MscTrainData *self, MscRng *rng)
{
  if (self->cfg->balance_classes)
    {
      guint present[MSC_LABEL_N_CLASSES], n = 0;
      for (guint c = 0; c < MSC_LABEL_N_CLASSES; c++)
        if (self->by_label[c]->len > 0)
          present[n++] = c;
      if (n > 0)
        {
          GArray *pool = self->by_label[present[msc_rng_below (rng, n)]];
          return g_array_index (pool, guint, msc_rng_below (rng, pool->len));
        }
    }
  return self->train[msc_rng_below (rng, self->n_train)];
}

gboolean
msc_train_data_fill (MscTrainData *self, guint step, MscTrainBatch *b, GError **error)
{
  const MscTrainerConfig *cfg = self->cfg;
  MscRng rng;
  msc_rng_init (&rng, derive_seed (cfg->seed, 1, step));
  MscAugmentParams identity;
  msc_augment_params_init_identity (&identity);
  gboolean augmenting = memcmp (&identity, &cfg->augment, sizeof identity) != 0;
  guint p = msc_trainer_config_patch_at (cfg, step);
  if (p > b->max_patch)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("patch size %u at step %u is larger than the batch (%u)"), p, step,
                   b->max_patch);
      return FALSE;
    }
  b->patch = p;
  guint src = augmenting ? p * 2 : p;
  for (guint i = 0; i < cfg->batch_size; i++)
    if (!fill_one (self, draw_case (self, &rng), src, &cfg->augment, &rng, b, i, error))
      return FALSE;
  b->n = cfg->batch_size;
  b->step = step;
  return TRUE;
}

gboolean
msc_train_data_fill_fixed (MscTrainData *self, const guint *cases, guint n_cases, guint64 stream,
                           guint first, guint total, MscTrainBatch *b, GError **error)
{
  MscAugmentParams identity;
  msc_augment_params_init_identity (&identity);
  b->n = MIN (self->cfg->batch_size, total - first);
  b->patch = self->cfg->patch_size;   /* validation never resizes */
  if (b->patch > b->max_patch)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("patch size %u is larger than the batch (%u)"), b->patch, b->max_patch);
      return FALSE;
    }
  for (guint i = 0; i < b->n; i++)
    {
      MscRng rng;
      msc_rng_init (&rng, derive_seed (self->cfg->seed, stream, first + i));
      if (!fill_one (self, cases[(first + i) % n_cases], self->cfg->patch_size, &identity, &rng,
                     b, i, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- prefetch ------------------------------------------------------------ */

static gpointer
prefetch_main (gpointer data)
{
  MscTrainData *self = data;
  g_mutex_lock (&self->lock);
  for (;;)
    {
      while (!self->quit && self->requested < 0)
        g_cond_wait (&self->cond, &self->lock);
      if (self->quit)
        break;
      guint step = (guint) self->requested;
      guint s = step % 2;
      self->requested = -1;
      self->busy = TRUE;
      g_mutex_unlock (&self->lock);
      GError *local = NULL;
      msc_train_data_fill (self, step, self->slot[s], &local);
      g_mutex_lock (&self->lock);
      self->slot_error[s] = local;
      self->slot_step[s] = step;
      self->slot_ready[s] = TRUE;
      self->busy = FALSE;
      g_cond_broadcast (&self->cond);
    }
  g_mutex_unlock (&self->lock);
  return NULL;
}

gboolean
msc_train_data_start_prefetch (MscTrainData *self, GError **error)
{
  if (self->slot[0])
    return TRUE;   /* started by an earlier run */
  for (guint i = 0; i < 2; i++)
    if (!(self->slot[i] = msc_train_batch_new (self->cfg->batch_size,
                                               msc_trainer_config_max_patch (self->cfg), error)))
      return FALSE;
  if (self->cfg->prefetch)
    self->thread = g_thread_new ("msc-train-prefetch", prefetch_main, self);
  return TRUE;
}

/* Without a thread the request is served at take time, on the caller's
 * thread: the same batches either way. */
void
msc_train_data_request (MscTrainData *self, guint step)
{
  g_mutex_lock (&self->lock);
  self->slot_ready[step % 2] = FALSE;
  self->requested = (gint) step;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

MscTrainBatch *
msc_train_data_take (MscTrainData *self, guint step, GError **error)
{
  guint s = step % 2;
  if (!self->thread)
    {
      self->requested = -1;
      return msc_train_data_fill (self, step, self->slot[s], error) ? self->slot[s] : NULL;
    }
  g_mutex_lock (&self->lock);
  while (!(self->slot_ready[s] && self->slot_step[s] == step))
    g_cond_wait (&self->cond, &self->lock);
  GError *local = g_steal_pointer (&self->slot_error[s]);
  g_mutex_unlock (&self->lock);
  if (local)
    {
      g_propagate_error (error, local);
      return NULL;
    }
  return self->slot[s];
}

void
msc_train_data_drain (MscTrainData *self)
{
  g_mutex_lock (&self->lock);
  while (self->thread && (self->requested >= 0 || self->busy))
    g_cond_wait (&self->cond, &self->lock);
  self->requested = -1;
  g_clear_error (&self->slot_error[0]);
  g_clear_error (&self->slot_error[1]);
  g_mutex_unlock (&self->lock);
}
