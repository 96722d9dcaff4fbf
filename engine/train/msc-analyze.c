/* engine/train/msc-analyze.c — model bundles (model.json + graph + weights)
 * and the analysis of one image: preprocess, tiled inference, probability
 * map back on the original grid, class probabilities. Findings are
 * extracted in msc-analyze-findings.c.
 */
#include "msc-analyze-private.h"

#include <math.h>
#include <string.h>
#include <json-glib/json-glib.h>

#include "msc-geometry.h"
#include "msc-graph.h"
#include "msc-i18n.h"
#include "msc-model.h"
#include "msc-preprocess.h"

struct _MscAnalyzer {
  char *card_path;
  char *name, *version, *preprocess, *intended_use, *sha256;
  char *out_heatmap, *out_class, *out_abnormal, *out_malignant;   /* nullable but heatmap */
  double spacing_mm, mean, std, threshold, min_area_mm2, assumed_mm;
  guint input_multiple;
  guint patch_size;             /* > 0: the class head judges patches of this side */
  double cal_abnormal[2], cal_malignant[2];   /* Platt a, b: sigmoid (a logit (p) + b) */
  MscModel *model;
  GMutex lock;                  /* the model is not thread-safe */
};

void
msc_finding_free (MscFinding *finding)
{
  if (finding == NULL)
    return;
  g_clear_pointer (&finding->contour, g_array_unref);
  g_free (finding);
}

void
msc_analyzer_free (MscAnalyzer *self)
{
  if (self == NULL)
    return;
  g_free (self->card_path);
  g_free (self->name);
  g_free (self->version);
  g_free (self->preprocess);
  g_free (self->intended_use);
  g_free (self->sha256);
  g_free (self->out_heatmap);
  g_free (self->out_class);
  g_free (self->out_abnormal);
  g_free (self->out_malignant);
  msc_model_free (self->model);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/* ---- the model card ---- */

static const char *
card_string (JsonObject *o, const char *key, const char *path, GError **error)
{
  JsonNode *n = json_object_get_member (o, key);
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING
      || *json_node_get_string (n) == '\0')
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("%s: “%s” is missing or not a non-empty string"), path, key);
      return NULL;
    }
  return json_node_get_string (n);
}

/* A number in [lo, hi]; optional ones take def when absent. */
static gboolean
card_number (JsonObject *o, const char *key, gboolean required, double def, double lo,
             double hi, double *out, const char *path, GError **error)
{
  JsonNode *n = json_object_get_member (o, key);
  if (n == NULL && !required)
    {
      *out = def;
      return TRUE;
    }
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n)
      || (json_node_get_value_type (n) != G_TYPE_DOUBLE
          && json_node_get_value_type (n) != G_TYPE_INT64)
      || !(json_node_get_double (n) >= lo && json_node_get_double (n) <= hi))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("%s: “%s” is missing or not a number in [%g, %g]"), path, key, lo, hi);
      return FALSE;
    }
  *out = json_node_get_double (n);
  return TRUE;
}

/* "outputs": roles -> graph output names; either class_logits or the
 * hierarchical pair, never both, and every name must be a graph output. */
static gboolean
card_outputs (MscAnalyzer *self, JsonObject *card, const MscGraph *g, GError **error)
{
  JsonNode *n = json_object_get_member (card, "outputs");
  if (n == NULL || !JSON_NODE_HOLDS_OBJECT (n))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("%s: “outputs” is missing or not an object"), self->card_path);
      return FALSE;
    }
  JsonObject *o = json_node_get_object (n);
  g_autoptr (GList) keys = json_object_get_members (o);
  for (GList *l = keys; l; l = l->next)
    {
      const char *role = l->data;
      char **slot = strcmp (role, "heatmap") == 0 ? &self->out_heatmap
                    : strcmp (role, "class_logits") == 0 ? &self->out_class
                    : strcmp (role, "abnormal") == 0 ? &self->out_abnormal
                    : strcmp (role, "malignant") == 0 ? &self->out_malignant : NULL;
      if (slot == NULL)
        {
          g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                       _("%s: unknown output role “%s” (heatmap, class_logits, abnormal, "
                         "malignant)"), self->card_path, role);
          return FALSE;
        }
      const char *name = card_string (o, role, self->card_path, error);
      if (name == NULL)
        return FALSE;
      if (!msc_graph_has_output (g, name))
        {
          g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                       _("%s: output “%s” (%s) is not an output of graph “%s”"),
                       self->card_path, name, role, msc_graph_get_name (g));
          return FALSE;
        }
      *slot = g_strdup (name);
    }
  gboolean pair = self->out_abnormal != NULL && self->out_malignant != NULL;
  gboolean half = (self->out_abnormal != NULL) != (self->out_malignant != NULL);
  if (self->out_heatmap == NULL || half || (self->out_class != NULL) == pair)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("%s: “outputs” needs “heatmap” and either “class_logits” or both "
                     "“abnormal” and “malignant”"), self->card_path);
      return FALSE;
    }
  return TRUE;
}

static gboolean card_calibration (MscAnalyzer *self, JsonObject *card, GError **error);
static gboolean card_normalization (MscAnalyzer *self, JsonObject *card, GError **error);

static gboolean
card_fields (MscAnalyzer *self, JsonObject *card, GError **error)
{
  const char *p = self->card_path;
  const char *format = card_string (card, "format", p, error);
  if (format == NULL)
    return FALSE;
  double fv = 0;
  if (strcmp (format, MSC_MODEL_CARD_FORMAT) != 0
      || !card_number (card, "format_version", TRUE, 0, 1, 1000, &fv, p, NULL)
      || fv != MSC_MODEL_CARD_VERSION)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("%s: not a “%s” card of format_version %d"), p, MSC_MODEL_CARD_FORMAT,
                   MSC_MODEL_CARD_VERSION);
      return FALSE;
    }
  const char *s;
  if (!(s = card_string (card, "name", p, error)))
    return FALSE;
  self->name = g_strdup (s);
  if (!(s = card_string (card, "version", p, error)))
    return FALSE;
  self->version = g_strdup (s);
  if (!(s = card_string (card, "preprocess", p, error)))
    return FALSE;
  self->preprocess = g_strdup (s);
  if (!(s = card_string (card, "intended_use", p, error)))
    return FALSE;
  self->intended_use = g_strdup (s);
  double multiple = 0;
  if (!card_number (card, "pixel_spacing_mm", TRUE, 0, 0.01, 10, &self->spacing_mm, p, error)
      || !card_number (card, "threshold", TRUE, 0, 1e-6, 1, &self->threshold, p, error)
      || !card_number (card, "min_area_mm2", FALSE, 1.0, 0, 1e6, &self->min_area_mm2, p, error)
      || !card_number (card, "input_multiple", FALSE, 32, 1, 1024, &multiple, p, error))
    return FALSE;
  self->input_multiple = (guint) multiple;
  double patch = 0;
  if (!card_number (card, "patch_size", FALSE, 0, 0, 4096, &patch, p, error))
    return FALSE;
  if (patch != floor (patch) || (patch > 0 && fmod (patch, multiple) != 0))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("%s: “patch_size” must be a whole multiple of “input_multiple” (%g)"), p,
                   multiple);
      return FALSE;
    }
  self->patch_size = (guint) patch;
  return card_calibration (self, card, error) && card_normalization (self, card, error);
}

/* Optional "calibration": {"abnormal": {"a": A, "b": B}, "malignant": ...}
 * maps a probability p to sigmoid (A logit (p) + B), fitted on held-out
 * predictions so that 0.7 means about 7 in 10. Absent: identity (1, 0). */
static gboolean
card_calibration (MscAnalyzer *self, JsonObject *card, GError **error)
{
  const char *p = self->card_path;
  self->cal_abnormal[0] = self->cal_malignant[0] = 1.0;
  self->cal_abnormal[1] = self->cal_malignant[1] = 0.0;
  JsonNode *n = json_object_get_member (card, "calibration");
  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (n))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("%s: “calibration” is not an object"), p);
      return FALSE;
    }
  const char *roles[2] = { "abnormal", "malignant" };
  double *slots[2] = { self->cal_abnormal, self->cal_malignant };
  for (guint k = 0; k < 2; k++)
    {
      JsonNode *r = json_object_get_member (json_node_get_object (n), roles[k]);
      if (r == NULL)
        continue;
      if (!JSON_NODE_HOLDS_OBJECT (r))
        {
          g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                       _("%s: “calibration.%s” is not an object"), p, roles[k]);
          return FALSE;
        }
      /* a > 0: calibration must keep the order of the scores. */
      if (!card_number (json_node_get_object (r), "a", TRUE, 1, 1e-6, 1e3, &slots[k][0], p, error)
          || !card_number (json_node_get_object (r), "b", TRUE, 0, -1e3, 1e3, &slots[k][1], p,
                           error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
card_normalization (MscAnalyzer *self, JsonObject *card, GError **error)
{
  const char *p = self->card_path;
  JsonNode *nn = json_object_get_member (card, "normalization");
  if (nn == NULL || !JSON_NODE_HOLDS_OBJECT (nn))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("%s: “normalization” is missing or not an object"), p);
      return FALSE;
    }
  return card_number (json_node_get_object (nn), "mean", TRUE, 0, -1e6, 1e6, &self->mean, p, error)
         && card_number (json_node_get_object (nn), "std", TRUE, 0, 1e-9, 1e6, &self->std, p,
                         error);
}

static char *
file_sha256 (const char *path, GError **error)
{
  g_autoptr (GMappedFile) map = g_mapped_file_new (path, FALSE, error);
  if (map == NULL)
    return NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                      (const guchar *) g_mapped_file_get_contents (map),
                                      g_mapped_file_get_length (map));
}

MscAnalyzer *
msc_analyzer_load (const char *dir, GError **error)
{
  g_return_val_if_fail (dir != NULL, NULL);
  g_autoptr (MscAnalyzer) self = g_new0 (MscAnalyzer, 1);
  g_mutex_init (&self->lock);
  self->card_path = g_build_filename (dir, "model.json", NULL);
  if (!g_file_test (self->card_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_MISSING,
                   _("%s: no model card (model.json) there"), self->card_path);
      return NULL;
    }
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  if (!json_parser_load_from_file (parser, self->card_path, &local))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID, "%s: %s", self->card_path,
                   local->message);
      return NULL;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("%s: not a JSON object"), self->card_path);
      return NULL;
    }
  JsonObject *card = json_node_get_object (root);
  if (!card_fields (self, card, error))
    return NULL;
  const char *graph_name = card_string (card, "graph", self->card_path, error);
  const char *weights_name = graph_name ? card_string (card, "weights", self->card_path, error)
                                        : NULL;
  if (weights_name == NULL)
    return NULL;
  g_autofree char *graph_path = g_build_filename (dir, graph_name, NULL);
  g_autofree char *weights_path = g_build_filename (dir, weights_name, NULL);
  if (!g_file_test (weights_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_MISSING,
                   _("%s: weights file %s is missing"), self->card_path, weights_path);
      return NULL;
    }
  self->model = msc_model_load (graph_path, weights_path, error);
  if (self->model == NULL)
    return NULL;
  if (!card_outputs (self, card, msc_model_get_graph (self->model), error))
    return NULL;
  self->sha256 = file_sha256 (weights_path, error);
  if (self->sha256 == NULL)
    return NULL;
  msc_model_set_training (self->model, FALSE);
  return g_steal_pointer (&self);
}

const char *msc_analyzer_get_name (const MscAnalyzer *self) { return self->name; }
const char *msc_analyzer_get_version (const MscAnalyzer *self) { return self->version; }
const char *msc_analyzer_get_sha256 (const MscAnalyzer *self) { return self->sha256; }
double msc_analyzer_get_threshold (const MscAnalyzer *self) { return self->threshold; }
const char *msc_analyzer_get_intended_use (const MscAnalyzer *self) { return self->intended_use; }
const char *msc_analyzer_get_preprocess (const MscAnalyzer *self) { return self->preprocess; }

void
msc_analyzer_set_assumed_spacing (MscAnalyzer *self, double mm)
{
  self->assumed_mm = mm > 0 ? mm : 0;
}

void
msc_analyzer_set_threads (MscAnalyzer *self, guint n_threads)
{
  msc_model_set_threads (self->model, n_threads);
}

/* ---- inference ---- */

static gboolean
check_cancelled (GCancellable *cancellable, GError **error)
{
  if (!g_cancellable_is_cancelled (cancellable))
    return FALSE;
  g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_CANCELLED, _("analysis cancelled"));
  return TRUE;
}

/* The preprocessed plane as normalised F32: 0..1 by the format's maximum,
 * then (v - mean) / std as the card says. */
static MscPlane *
normalised_input (const MscAnalyzer *self, const MscPlane *plane, GError **error)
{
  g_autoptr (MscPlane) f = msc_plane_convert (plane, MSC_PLANE_F32, error);
  if (f == NULL)
    return NULL;
  guint max = msc_plane_get_max_value (plane);
  double scale = max > 0 ? 1.0 / max : 1.0;
  float *v = msc_plane_f32 (f);
  for (gsize i = 0; i < msc_plane_get_n_pixels (f); i++)
    v[i] = (float) ((v[i] * scale - self->mean) / self->std);
  return g_steal_pointer (&f);
}

/* Blend weight of offset i in a tile of n along one axis: ramps up over the
 * overlap on sides that border another tile, so seams average smoothly. */
static float
ramp (guint i, guint n, gboolean lo_shared, gboolean hi_shared)
{
  float w = 1.0f;
  if (lo_shared && i < MSC_ANALYZE_OVERLAP)
    w = MIN (w, (i + 1.0f) / (MSC_ANALYZE_OVERLAP + 1.0f));
  if (hi_shared && n - 1 - i < MSC_ANALYZE_OVERLAP)
    w = MIN (w, (n - i) / (MSC_ANALYZE_OVERLAP + 1.0f));
  return w;
}

/* Tile origins along an axis of length n: one tile when it fits, else
 * steps of TILE - OVERLAP with the last tile flush with the end. */
static guint
tile_origins (guint n, guint *origins, guint max_origins)
{
  if (n <= MSC_ANALYZE_TILE)
    {
      origins[0] = 0;
      return 1;
    }
  guint k = 0;
  for (guint o = 0; k < max_origins; o += MSC_ANALYZE_TILE - MSC_ANALYZE_OVERLAP)
    {
      origins[k++] = MIN (o, n - MSC_ANALYZE_TILE);
      if (o + MSC_ANALYZE_TILE >= n)
        break;
    }
  return k;
}

typedef struct {
  float *prob_sum, *weight_sum;  /* (h, w) of the preprocessed plane */
  double class_sum[3];           /* logits (class_logits) or (abnormal, malignant), area-weighted */
  double class_weight;
} Accum;

/* Reads the class logits of the last forward into acc, weighted by area. */
static gboolean
accumulate_class (MscAnalyzer *self, Accum *acc, double area, GError **error)
{
  const char *names[3] = { self->out_class, self->out_abnormal, self->out_malignant };
  guint want = self->out_class ? 3 : 1;
  for (guint k = self->out_class ? 0 : 1; k < 3; k++)
    {
      const MscTensor *t = msc_model_get_output (self->model, names[k]);
      if (t == NULL || msc_tensor_numel (t) != want)
        {
          g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                       _("%s: output “%s” should hold %u value(s) for one image"),
                       self->card_path, names[k], want);
          return FALSE;
        }
      const float *v = msc_tensor_data_const (t);
      for (guint c = 0; c < want; c++)
        acc->class_sum[self->out_class ? c : k - 1] += area * v[c];
      if (self->out_class)
        break;
    }
  acc->class_weight += area;
  return TRUE;
}

/* Runs one tile (x0, y0, tw, th) of the normalised input, padded to the
 * card's multiple with the value of black background, and blends it in. */
static gboolean
run_tile (MscAnalyzer *self, const MscPlane *input, guint x0, guint y0, guint tw, guint th,
          gboolean shared[4], Accum *acc, GError **error)
{
  guint m = self->input_multiple;
  gint64 pw = (tw + m - 1) / m * m, ph = (th + m - 1) / m * m;
  gint64 shape[4] = { 1, 1, ph, pw };
  g_autoptr (MscTensor) t = msc_tensor_new (shape, 4, error);
  if (t == NULL)
    return FALSE;
  float *d = msc_tensor_data (t);
  float pad = (float) ((0.0 - self->mean) / self->std);
  guint w = msc_plane_get_width (input);
  const float *src = msc_plane_peek_f32 (input);
  for (gint64 y = 0; y < ph; y++)
    for (gint64 x = 0; x < pw; x++)
      d[y * pw + x] = (y < th && x < tw) ? src[(gsize) (y0 + y) * w + x0 + x] : pad;
  if (!msc_model_forward (self->model, t, error))
    return FALSE;
  const MscTensor *h = msc_model_get_output (self->model, self->out_heatmap);
  if (h == NULL || msc_tensor_n_dims (h) != 4 || msc_tensor_dim (h, 1) != 1
      || msc_tensor_dim (h, 2) != ph || msc_tensor_dim (h, 3) != pw)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("%s: heatmap output “%s” must be (1, 1, H, W) at the input's size"),
                   self->card_path, self->out_heatmap);
      return FALSE;
    }
  const float *logit = msc_tensor_data_const (h);
  for (guint y = 0; y < th; y++)
    for (guint x = 0; x < tw; x++)
      {
        float wt = ramp (x, tw, shared[0], shared[1]) * ramp (y, th, shared[2], shared[3]);
        float p = 1.0f / (1.0f + expf (-logit[(gsize) y * pw + x]));
        gsize i = (gsize) (y0 + y) * w + x0 + x;
        acc->prob_sum[i] += wt * p;
        acc->weight_sum[i] += wt;
      }
  /* A patch-trained class head says nothing useful about a whole tile. */
  return self->patch_size > 0 || accumulate_class (self, acc, (double) tw * th, error);
}

/* Probability map (F32, preprocessed grid) by overlapping tiles. */
static MscPlane *
run_tiles (MscAnalyzer *self, const MscPlane *input, Accum *acc, GCancellable *cancellable,
           GError **error)
{
  guint w = msc_plane_get_width (input), h = msc_plane_get_height (input);
  g_autoptr (MscPlane) prob = msc_plane_new (MSC_PLANE_F32, w, h, error);
  g_autoptr (MscPlane) weight = prob ? msc_plane_new (MSC_PLANE_F32, w, h, error) : NULL;
  if (weight == NULL)
    return NULL;
  acc->prob_sum = msc_plane_f32 (prob);
  acc->weight_sum = msc_plane_f32 (weight);
  guint xs[64], ys[64];     /* 64 tiles per side: 28736 px, more than any mammogram */
  guint most = 63 * (MSC_ANALYZE_TILE - MSC_ANALYZE_OVERLAP) + MSC_ANALYZE_TILE;
  if (w > most || h > most)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("the preprocessed image is %u x %u pixels; at most %u per side"), w, h, most);
      return NULL;
    }
  guint nx = tile_origins (w, xs, G_N_ELEMENTS (xs)), ny = tile_origins (h, ys, G_N_ELEMENTS (ys));
  for (guint j = 0; j < ny; j++)
    for (guint i = 0; i < nx; i++)
      {
        if (check_cancelled (cancellable, error))
          return NULL;
        gboolean shared[4] = { i > 0, i + 1 < nx, j > 0, j + 1 < ny };
        if (!run_tile (self, input, xs[i], ys[j], MIN (w, MSC_ANALYZE_TILE),
                       MIN (h, MSC_ANALYZE_TILE), shared, acc, error))
          return NULL;
      }
  float *p = msc_plane_f32 (prob);
  const float *wt = msc_plane_peek_f32 (weight);
  for (gsize k = 0; k < (gsize) w * h; k++)
    p[k] = wt[k] > 0 ? p[k] / wt[k] : 0.0f;
  return g_steal_pointer (&prob);
}

static double
sigmoid (double x)
{
  return 1.0 / (1.0 + exp (-x));
}

void
msc_analyze_class_probabilities (const double *logits, gboolean hierarchical,
                                 MscClassProbabilities *out)
{
  if (hierarchical)
    {
      double pa = sigmoid (logits[0]), pm = sigmoid (logits[1]);
      out->normal = 1.0 - pa;
      out->benign = pa * (1.0 - pm);
      out->malignant = pa * pm;
      return;
    }
  double mx = MAX (logits[0], MAX (logits[1], logits[2]));   /* stable softmax */
  double e[3], s = 0;
  for (guint c = 0; c < 3; c++)
    s += e[c] = exp (logits[c] - mx);
  out->normal = e[0] / s;
  out->benign = e[1] / s;
  out->malignant = e[2] / s;
}

/* Image-level probabilities of a patch-trained model. P(abnormal) is the
 * peak of the heatmap in the breast: the image is as abnormal as its most
 * suspicious spot (on cross-validation this ranked images better than the
 * class head's lesion probability). P(malignant | abnormal) comes from the
 * class head on patches of the training size centred on the
 * MSC_ANALYZE_CANDIDATES highest points of the map, from the patch it
 * finds most lesion-like. Averaging a patch head over whole tiles would
 * drown a 10 mm mass in normal tissue. */
static gboolean
patch_class_probabilities (MscAnalyzer *self, const MscPlane *input, const MscPlane *prob,
                           MscClassProbabilities *out, GError **error)
{
  guint w = msc_plane_get_width (prob), h = msc_plane_get_height (prob), p = self->patch_size;
  const float *map = msc_plane_peek_f32 (prob);
  g_autofree guint8 *taken = g_new0 (guint8, (gsize) w * h);
  guint cx[MSC_ANALYZE_CANDIDATES], cy[MSC_ANALYZE_CANDIDATES], n = 0;
  double r2 = (p / 2.0) * (p / 2.0);
  for (; n < MSC_ANALYZE_CANDIDATES; n++)
    {
      gssize best = -1;
      for (gsize i = 0; i < (gsize) w * h; i++)
        if (!taken[i] && (best < 0 || map[i] > map[best]))
          best = (gssize) i;
      if (best < 0)
        break;
      cx[n] = (guint) (best % w);
      cy[n] = (guint) (best / w);
      /* Later candidates lie outside this patch's inscribed circle. */
      for (guint y = 0; y < h; y++)
        for (guint x = 0; x < w; x++)
          {
            double dx = (double) x - cx[n], dy = (double) y - cy[n];
            if (dx * dx + dy * dy < r2)
              taken[(gsize) y * w + x] = 1;
          }
    }
  gint64 shape[4] = { n, 1, p, p };
  g_autoptr (MscTensor) t = msc_tensor_new (shape, 4, error);
  if (t == NULL)
    return FALSE;
  float *d = msc_tensor_data (t);
  float pad = (float) ((0.0 - self->mean) / self->std);
  const float *src = msc_plane_peek_f32 (input);
  for (guint k = 0; k < n; k++)
    for (guint y = 0; y < p; y++)
      for (guint x = 0; x < p; x++)
        {
          gint64 sx = (gint64) cx[k] - p / 2 + x, sy = (gint64) cy[k] - p / 2 + y;
          gboolean inside = sx >= 0 && sy >= 0 && sx < w && sy < h;
          d[((gsize) k * p + y) * p + x] = inside ? src[(gsize) sy * w + sx] : pad;
        }
  if (!msc_model_forward (self->model, t, error))
    return FALSE;
  const char *names[3] = { self->out_class, self->out_abnormal, self->out_malignant };
  guint per = self->out_class ? 3 : 1;
  const float *v[3] = { NULL, NULL, NULL };
  for (guint k = self->out_class ? 0 : 1; k < (self->out_class ? 1u : 3u); k++)
    {
      const MscTensor *o = msc_model_get_output (self->model, names[k]);
      if (o == NULL || msc_tensor_numel (o) != (gint64) n * per)
        {
          g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                       _("%s: output “%s” should hold %u value(s) per patch"),
                       self->card_path, names[k], per);
          return FALSE;
        }
      v[k] = msc_tensor_data_const (o);
    }
  double best_lesion = -1, pm = 0;
  for (guint k = 0; k < n; k++)
    {
      double logits[3];
      if (self->out_class)
        for (guint c = 0; c < 3; c++)
          logits[c] = v[0][k * 3 + c];
      else
        logits[0] = v[1][k], logits[1] = v[2][k];
      MscClassProbabilities cp;
      msc_analyze_class_probabilities (logits, self->out_class == NULL, &cp);
      double lesion = cp.benign + cp.malignant;
      if (lesion > best_lesion)
        {
          best_lesion = lesion;
          pm = lesion > 0 ? cp.malignant / lesion : 0.5;
        }
    }
  double pa = n > 0 ? CLAMP (map[(gsize) cy[0] * w + cx[0]], 0.0, 1.0) : 0.0;
  *out = (MscClassProbabilities) { 1 - pa, pa * (1 - pm), pa * pm };
  return TRUE;
}

static double
platt (const double ab[2], double p)
{
  p = CLAMP (p, 1e-9, 1 - 1e-9);
  return sigmoid (ab[0] * log (p / (1 - p)) + ab[1]);
}

/* The card's calibration on P(abnormal) and P(malignant | abnormal). */
static void
calibrate (const MscAnalyzer *self, MscClassProbabilities *cp)
{
  double pa = cp->benign + cp->malignant;
  double pm = pa > 0 ? cp->malignant / pa : 0.0;
  pa = platt (self->cal_abnormal, pa);
  pm = platt (self->cal_malignant, pm);
  *cp = (MscClassProbabilities) { 1 - pa, pa * (1 - pm), pa * pm };
}

/* Zeroes the map outside the breast mask (same grid), then warps it back
 * onto the original image grid through the inverse of the chain's map. */
static MscPlane *
map_to_original (const MscPreprocess *pre, MscPlane *prob, guint width, guint height,
                 GError **error)
{
  const MscPlane *mask = msc_preprocess_get_mask (pre);
  if (mask != NULL && msc_plane_get_format (mask) == MSC_PLANE_U8
      && msc_plane_get_n_pixels (mask) == msc_plane_get_n_pixels (prob))
    {
      const guint8 *m = msc_plane_peek_u8 (mask);
      float *p = msc_plane_f32 (prob);
      for (gsize i = 0; i < msc_plane_get_n_pixels (prob); i++)
        if (m[i] == 0)
          p[i] = 0.0f;
    }
  MscAffine back;
  if (!msc_affine_invert (msc_preprocess_get_transform (pre), &back))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("the preprocessing map cannot be inverted"));
      return NULL;
    }
  return msc_geometry_warp (prob, &back, width, height, MSC_INTERP_LINEAR, NULL, error);
}

static MscAnalysis *
analyze_locked (MscAnalyzer *self, const MscImage *image, GCancellable *cancellable,
                GError **error)
{
  gint64 start = g_get_monotonic_time ();
  if (check_cancelled (cancellable, error))
    return NULL;
  double row_mm = 0, col_mm = 0;
  if (!msc_image_get_spacing_mm (image, &row_mm, &col_mm) || row_mm <= 0 || col_mm <= 0)
    row_mm = col_mm = self->assumed_mm;
  if (row_mm <= 0)
    {
      /* Areas in mm² and the card's pixel spacing both need it. */
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("the image has no pixel spacing and none is assumed (--spacing)"));
      return NULL;
    }
  MscPreprocessOptions opts;
  msc_preprocess_options_init (&opts);
  opts.source_mm = self->assumed_mm;
  opts.target_mm = self->spacing_mm;
  g_autoptr (MscPreprocess) pre = msc_preprocess_run (image, self->preprocess, &opts, NULL,
                                                      cancellable, error);
  if (pre == NULL)
    return NULL;
  g_autoptr (MscPlane) input = normalised_input (self, msc_preprocess_get_plane (pre), error);
  if (input == NULL)
    return NULL;
  Accum acc = { 0 };
  g_autoptr (MscPlane) prob = run_tiles (self, input, &acc, cancellable, error);
  if (prob == NULL)
    return NULL;
  MscPlane *heat = map_to_original (pre, prob, msc_image_get_width (image),
                                    msc_image_get_height (image), error);
  if (heat == NULL)
    return NULL;
  MscClassProbabilities cp;
  if (self->patch_size > 0)
    {
      /* map_to_original has masked prob in place: candidates lie in the breast. */
      if (!patch_class_probabilities (self, input, prob, &cp, error))
        {
          msc_plane_free (heat);
          return NULL;
        }
    }
  else
    {
      double logits[3];
      for (guint c = 0; c < 3; c++)
        logits[c] = acc.class_sum[c] / acc.class_weight;
      msc_analyze_class_probabilities (logits, self->out_class == NULL, &cp);
    }
  calibrate (self, &cp);
  double seconds = (g_get_monotonic_time () - start) / 1e6;
  return msc_analysis_new (heat, &cp, row_mm, col_mm, self->min_area_mm2, seconds);
}

MscAnalysis *
msc_analyze_image (MscAnalyzer *self, const MscImage *image, GCancellable *cancellable,
                   GError **error)
{
  g_return_val_if_fail (self != NULL && image != NULL, NULL);
  g_mutex_lock (&self->lock);
  MscAnalysis *result = analyze_locked (self, image, cancellable, error);
  g_mutex_unlock (&self->lock);
  return result;
}

typedef struct {
  MscAnalyzer *analyzer;        /* borrowed: must outlive the call */
  MscImage *image;
} AsyncData;

static void
async_data_free (AsyncData *d)
{
  msc_image_unref (d->image);
  g_free (d);
}

static void
analyze_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  AsyncData *d = data;
  GError *error = NULL;
  MscAnalysis *result = msc_analyze_image (d->analyzer, d->image, cancellable, &error);
  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) msc_analysis_free);
}

/* The analyzer is a plain struct, not a GObject, so it rides in the task
 * data; it must outlive the call. */
void
msc_analyze_image_async (MscAnalyzer *self, const MscImage *image, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, msc_analyze_image_async);
  AsyncData *d = g_new0 (AsyncData, 1);
  d->analyzer = self;
  d->image = msc_image_ref ((MscImage *) image);
  g_task_set_task_data (task, d, (GDestroyNotify) async_data_free);
  g_task_run_in_thread (task, analyze_thread);
}

MscAnalysis *
msc_analyze_image_finish (MscAnalyzer *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
