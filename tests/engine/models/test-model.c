/* tests/engine/models/test-model.c — running models: PyTorch parity of every
 * preset (eval and training outputs, parameter gradients, running
 * statistics, one Adam step), gradient accumulation on fan-out, batch-norm
 * folding, save/load, determinism, refusals, and a whole-graph gradcheck. */
#include "msc-gradcheck.h"
#include "msc-model.h"
#include "msc-nn-error.h"
#include "msc-rng.h"
#include "msc-safetensors.h"
#include "msc-test-util.h"

#include <math.h>
#include <string.h>
#include <sys/wait.h>

static char *tmpdir;

/* Graph text with single quotes for readability: ' becomes ". */
static MscModel *
tiny_model (const char *outputs, const char *nodes, guint64 seed)
{
  g_autofree char *s = g_strdup_printf ("{'format':'mammoscope-graph','version':1,'name':'tiny',"
                                        "'inputs':[{'name':'image','shape':[null,2,null,null]}],"
                                        "'outputs':%s,'nodes':[%s]}", outputs, nodes);
  g_strdelimit (s, "'", '"');
  g_autoptr (GError) error = NULL;
  MscGraph *g = msc_graph_load_data (s, strlen (s), "tiny.json", &error);
  g_assert_no_error (error);
  MscModel *m = msc_model_new_from_graph (g, seed, &error);
  g_assert_no_error (error);
  return m;
}

static MscTensor *
random_tensor (gint64 n, gint64 c, gint64 h, gint64 w, guint64 seed)
{
  gint64 shape[4] = { n, c, h, w };
  MscTensor *t = msc_tensor_new (shape, 4, NULL);
  MscRng rng;
  msc_rng_init (&rng, seed);
  float *d = msc_tensor_data (t);
  for (gint64 i = 0; i < msc_tensor_numel (t); i++)
    d[i] = msc_rng_normal (&rng, 0.0f, 1.0f);
  return t;
}

/* Gives batch norms non-trivial statistics and affine parameters so that
 * folding and eval mode are really exercised. */
static void
randomise_norms (MscModel *m, guint64 seed)
{
  MscRng rng;
  msc_rng_init (&rng, seed);
  const MscGraph *g = msc_model_get_graph (m);
  for (guint i = 0; i < msc_graph_get_n_params (g); i++)
    {
      const char *name = msc_graph_get_param (g, i, NULL, NULL);
      gboolean var = g_str_has_suffix (name, ".running_var");
      const char *dot = strrchr (name, '.');
      g_autofree char *owner = g_strndup (name, dot - name);
      if (!g_str_has_suffix (msc_graph_node_get_op (msc_graph_find_node (g, owner)), "_norm"))
        continue;
      gsize n;
      float *p = msc_model_get_param (m, name, &n);
      gboolean scale = var || g_str_has_suffix (name, ".weight");
      for (gsize k = 0; k < n; k++)
        p[k] = scale ? 0.5f + msc_rng_uniform (&rng) : 0.4f * msc_rng_uniform (&rng) - 0.2f;
    }
  msc_model_params_changed (m);
}

static void
assert_close (const char *what, const float *got, const float *want, gsize n, double tol)
{
  double max_ref = 1.0, max_diff = 0.0;
  gsize worst = 0;
  for (gsize i = 0; i < n; i++)
    {
      max_ref = fmax (max_ref, fabs (want[i]));
      double d = fabs ((double) got[i] - want[i]);
      if (!(d <= max_diff))
        {
          max_diff = isnan (d) ? INFINITY : d;
          worst = i;
        }
    }
  if (max_diff > tol * max_ref)
    g_error ("%s: |ours - torch| = %g at %zu (ours %.8g, torch %.8g) exceeds %g", what, max_diff, worst,
             (double) got[worst], (double) want[worst], tol * max_ref);
}

/* ---- PyTorch parity ---------------------------------------------------- */

static gboolean
run_python (const char *const *argv)
{
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
                     &status, &error))
    {
      g_test_skip ("python not available");
      return FALSE;
    }
  if (WIFEXITED (status) && WEXITSTATUS (status) == 77)
    {
      g_test_skip ("torch not installed for MSC_PYTHON");
      return FALSE;
    }
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s", argv[1], err);
  return TRUE;
}

static const char *
python (void)
{
  return g_getenv ("MSC_PYTHON") ? g_getenv ("MSC_PYTHON") : "/usr/bin/python3";
}

/* Small presets (base 4 channels) in tmpdir/presets, dropout p set to 0:
 * masks cannot match across two random generators. */
static char *
small_preset (const char *name)
{
  g_autofree char *dir = g_build_filename (tmpdir, "presets", NULL);
  g_autofree char *path = g_strdup_printf ("%s/%s.json", dir, name);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      const char *argv[] = { python (), MSC_TOOLS_DIR "/make-presets.py", "--base-channels", "4",
                             "--out", dir, NULL };
      if (!run_python (argv))
        return NULL;
    }
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_autoptr (GRegex) re = g_regex_new ("\"p\": 0\\.[0-9]+", 0, 0, NULL);
  g_autofree char *fixed = g_regex_replace_literal (re, text, -1, 0, "\"p\": 0.0", 0, NULL);
  char *out = g_strdup_printf ("%s/%s-parity.json", tmpdir, name);
  g_assert_true (g_file_set_contents (out, fixed, -1, NULL));
  return out;
}

static void
save_io (MscModel *m, const MscTensor *input, GPtrArray *rs, const char *path)
{
  const MscGraph *g = msc_model_get_graph (m);
  guint n = msc_graph_get_n_outputs (g);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (names, g_strdup ("input"));
  g_autoptr (GPtrArray) tensors = g_ptr_array_new ();
  g_ptr_array_add (tensors, (gpointer) input);
  for (guint i = 0; i < n; i++)
    {
      g_ptr_array_add (names, g_strconcat ("r.", msc_graph_get_output (g, i), NULL));
      g_ptr_array_add (tensors, rs->pdata[i]);
    }
  g_autoptr (GError) error = NULL;
  msc_safetensors_save (path, (const char *const *) names->pdata, (MscTensor *const *) tensors->pdata,
                        names->len, NULL, &error);
  g_assert_no_error (error);
}

static const float *
ref (MscSafetensors *st, const char *prefix, const char *name, gsize n)
{
  g_autofree char *key = g_strconcat (prefix, name, NULL);
  MscTensor *t = msc_safetensors_get (st, key);
  if (!t)
    g_error ("reference has no '%s'", key);
  g_assert_cmpint (msc_tensor_numel (t), ==, n);
  return msc_tensor_data_const (t);
}

static void
compare_outputs (MscModel *m, MscSafetensors *st, const char *prefix, double tol)
{
  const MscGraph *g = msc_model_get_graph (m);
  for (guint i = 0; i < msc_graph_get_n_outputs (g); i++)
    {
      const char *o = msc_graph_get_output (g, i);
      const MscTensor *y = msc_model_get_output (m, o);
      g_autofree char *what = g_strdup_printf ("%s %s%s", msc_model_get_filename (m), prefix, o);
      assert_close (what, msc_tensor_data_const (y), ref (st, prefix, o, msc_tensor_numel (y)),
                    msc_tensor_numel (y), tol);
    }
}

static void
compare_params (MscModel *m, MscSafetensors *st, const char *prefix, gboolean grads, double tol)
{
  const MscGraph *g = msc_model_get_graph (m);
  for (guint i = 0; i < msc_graph_get_n_params (g); i++)
    {
      const char *name = msc_graph_get_param (g, i, NULL, NULL);
      gsize n;
      gboolean stat = g_str_has_suffix (name, ".running_mean") || g_str_has_suffix (name, ".running_var");
      if (stat != (strcmp (prefix, "stat.") == 0))
        continue;
      const float *got = grads ? msc_model_get_grad (m, name, &n) : msc_model_get_param (m, name, &n);
      g_autofree char *what = g_strdup_printf ("%s %s%s", msc_model_get_filename (m), prefix, name);
      assert_close (what, got, ref (st, prefix, name, n), n, tol);
    }
}

#define ADAM_LR 1e-3f

static void
test_parity (gconstpointer data)
{
  const char *name = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *gpath = small_preset (name);
  if (!gpath)
    return;
  g_autoptr (MscModel) m = msc_model_load (gpath, NULL, &error);
  g_assert_no_error (error);
  msc_model_set_threads (m, 2);
  randomise_norms (m, 11);
  g_autofree char *wpath = g_strdup_printf ("%s/%s.safetensors", tmpdir, name);
  g_autofree char *iopath = g_strdup_printf ("%s/%s.io.safetensors", tmpdir, name);
  g_autofree char *refpath = g_strdup_printf ("%s/%s.ref.safetensors", tmpdir, name);
  g_assert_true (msc_model_save (m, wpath, &error));
  /* patch-classifier-fcn's fc6 (7x7 after five pools) needs 224. */
  gint64 size = strcmp (name, "patch-classifier-fcn") == 0 ? 224 : 64;
  g_autoptr (MscTensor) x = random_tensor (2, 1, size, size, 5);

  /* Eval first (as the reference does: training moves running stats). */
  msc_model_forward (m, x, &error);
  g_assert_no_error (error);
  g_autoptr (GPtrArray) rs = g_ptr_array_new_with_free_func ((GDestroyNotify) msc_tensor_free);
  const MscGraph *g = msc_model_get_graph (m);
  for (guint i = 0; i < msc_graph_get_n_outputs (g); i++)
    {
      const MscTensor *y = msc_model_get_output (m, msc_graph_get_output (g, i));
      gint64 d[4] = { 1, 1, 1, 1 };
      for (guint k = 0; k < msc_tensor_n_dims (y); k++)
        d[k] = msc_tensor_dim (y, k);
      MscTensor *r = random_tensor (d[0], d[1], d[2], d[3], 100 + i);
      g_ptr_array_add (rs, r);
    }
  save_io (m, x, rs, iopath);
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "engine", "models", "torch-graph.py", NULL);
  g_autofree char *lr = g_strdup_printf ("%g", ADAM_LR);
  const char *argv[] = { python (), script, "--parity", gpath, wpath, iopath, refpath, lr, NULL };
  if (!run_python (argv))
    return;
  g_autoptr (MscSafetensors) st = msc_safetensors_load (refpath, &error);
  g_assert_no_error (error);
  compare_outputs (m, st, "eval.", 1e-4);

  msc_model_set_training (m, TRUE);
  msc_model_zero_grad (m);
  g_assert_true (msc_model_forward (m, x, &error));
  compare_outputs (m, st, "train.", 1e-4);
  compare_params (m, st, "stat.", FALSE, 1e-4);
  for (guint i = 0; i < msc_graph_get_n_outputs (g); i++)
    {
      MscTensor *dy = msc_model_get_output_grad (m, msc_graph_get_output (g, i));
      memcpy (msc_tensor_data (dy), msc_tensor_data (rs->pdata[i]), msc_tensor_numel (dy) * sizeof (float));
    }
  g_assert_true (msc_model_backward (m, &error));
  compare_params (m, st, "grad.", TRUE, 1e-3);

  /* Adam from PyTorch's own gradients: the optimiser and the block layout
   * are under test here, not the (already compared) gradients, whose
   * float-level differences Adam's first step would turn into +-lr. */
  MscOptimConfig adam = { .kind = MSC_OPTIM_ADAM, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f };
  g_assert_true (msc_model_set_optimizer (m, &adam, &error));
  for (guint i = 0; i < msc_graph_get_n_params (g); i++)
    {
      const char *p = msc_graph_get_param (g, i, NULL, NULL);
      gsize n;
      float *gr = msc_model_get_grad (m, p, &n);
      if (gr)
        memcpy (gr, ref (st, "grad.", p, n), n * sizeof (float));
    }
  g_assert_true (msc_model_step (m, ADAM_LR, &error));
  compare_params (m, st, "adam.", FALSE, 1e-5);
}

/* ---- behaviour --------------------------------------------------------- */

#define CONV(name, in, out, k, pad) \
  "{'name':'" name "','op':'conv2d','inputs':['" in "'],'params':{'out_channels':" #out ",'kernel':" #k \
  ",'padding':" #pad "}}"

/* a feeds b, c and e (fan-out); all reach the output. SiLU, not ReLU,
 * keeps the loss smooth for finite differences. */
static const char *fanout_nodes =
  CONV ("a", "image", 3, 3, 1) ","
  "{'name':'b','op':'silu','inputs':['a']},"
  "{'name':'c','op':'sigmoid','inputs':['a']},"
  "{'name':'d','op':'mul','inputs':['b','c']},"
  "{'name':'e','op':'add','inputs':['d','a']}";

typedef struct {
  MscModel *m;
  MscTensor *x;
  const char *output;
} Fwd;

static void
forward_cb (gpointer user_data, float *out)
{
  Fwd *f = user_data;
  g_autoptr (GError) error = NULL;
  g_assert_true (msc_model_forward (f->m, f->x, &error));
  const MscTensor *y = msc_model_get_output (f->m, f->output);
  memcpy (out, msc_tensor_data_const (y), msc_tensor_numel (y) * sizeof (float));
}

/* Backward with dL/dy = r; returns the output size. */
static gsize
backward_with (MscModel *m, MscTensor *x, const char *output, float **r)
{
  g_autoptr (GError) error = NULL;
  msc_model_zero_grad (m);
  g_assert_true (msc_model_forward (m, x, &error));
  MscTensor *dy = msc_model_get_output_grad (m, output);
  gsize n = msc_tensor_numel (dy);
  *r = g_new (float, n);
  msc_gradcheck_fill_uniform (*r, n, -1.0f, 1.0f, 3);
  memcpy (msc_tensor_data (dy), *r, n * sizeof (float));
  g_assert_true (msc_model_backward (m, &error));
  return n;
}

static void
gradcheck_model (MscModel *m, MscTensor *x, const char *output, guint max_checks, double step)
{
  msc_model_set_training (m, TRUE);
  g_autofree float *r = NULL;
  gsize n_out = backward_with (m, x, output, &r);
  gsize n;
  float *params = msc_model_get_params_block (m, &n);
  const float *grads = msc_model_get_grads_block (m, &n);
  g_autofree float *analytic = g_memdup2 (grads, n * sizeof (float));
  Fwd f = { m, x, output };
  MscGradcheckOptions o = { .max_checks = max_checks, .step = step };
  msc_gradcheck_assert (msc_model_get_filename (m), params, n, analytic, forward_cb, &f, r, n_out, &o);
}

static void
test_fanout (void)
{
  g_autoptr (MscModel) m = tiny_model ("['e']", fanout_nodes, 1);
  g_autoptr (MscTensor) x = random_tensor (2, 2, 5, 5, 2);
  gradcheck_model (m, x, "e", 0, 0);
  /* Calls accumulate too: a second backward without zero_grad doubles. */
  g_autoptr (GError) error = NULL;
  g_autofree float *r = NULL;
  backward_with (m, x, "e", &r);
  gsize n;
  const float *grads = msc_model_get_grads_block (m, &n);
  g_autofree float *once = g_memdup2 (grads, n * sizeof (float));
  g_assert_true (msc_model_forward (m, x, &error));
  memcpy (msc_tensor_data (msc_model_get_output_grad (m, "e")), r,
          msc_tensor_numel (msc_model_get_output (m, "e")) * sizeof (float));
  g_assert_true (msc_model_backward (m, &error));
  const float *twice = msc_model_get_grads_block (m, &n);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpfloat_with_epsilon (twice[i], 2 * once[i], 1e-5 * (1 + fabs (once[i])));
}

/* conv-bn-act-pool-upsample-concat-head, checked by finite differences.
 * SiLU stands in for ReLU: with batch statistics many pre-activations sit
 * near 0, and a step across ReLU's kink breaks central differences (ReLU's
 * gradients are compared with PyTorch's in the parity tests). */
static void
test_gradcheck_graph (void)
{
  g_autoptr (MscModel) m = tiny_model ("['head']",
    CONV ("c1", "image", 3, 3, 1) ","
    "{'name':'bn','op':'batch_norm','inputs':['c1']},"
    "{'name':'r','op':'silu','inputs':['bn']},"
    "{'name':'p','op':'max_pool','inputs':['r'],'params':{'kernel':2}},"
    CONV ("c2", "p", 4, 3, 1) ","
    "{'name':'up','op':'conv_transpose2d','inputs':['c2'],'params':{'out_channels':2,'kernel':2,'stride':2}},"
    "{'name':'rs','op':'resize_bilinear','inputs':['c2', 'r']},"
    "{'name':'cat','op':'concat','inputs':['r','up','rs']},"
    CONV ("head", "cat", 1, 1, 0), 4);
  randomise_norms (m, 9);
  g_autoptr (MscTensor) x = random_tensor (2, 2, 6, 6, 8);
  /* A small step: max-pool windows must not change their winner. */
  gradcheck_model (m, x, "head", 80, 1e-3);
}

static void
test_fold (void)
{
  const char *nodes = CONV ("conv", "image", 4, 3, 1) ","
    "{'name':'bn','op':'batch_norm','inputs':['conv']},"
    "{'name':'out','op':'relu','inputs':['bn']}";
  g_autoptr (MscModel) folded = tiny_model ("['out']", nodes, 3);
  /* The same graph with the conv also an output cannot be folded. */
  g_autoptr (MscModel) plain = tiny_model ("['out','conv']", nodes, 3);
  randomise_norms (folded, 4);
  randomise_norms (plain, 4);
  g_autoptr (MscTensor) x = random_tensor (2, 2, 8, 8, 6);
  g_autoptr (GError) error = NULL;
  /* A training step moves the running statistics; eval must refold. */
  MscOptimConfig sgd = { .kind = MSC_OPTIM_SGD };
  for (MscModel **p = (MscModel *[]) { folded, plain, NULL }; *p; p++)
    {
      g_assert_true (msc_model_forward (*p, x, &error));
      msc_model_set_training (*p, TRUE);
      g_assert_true (msc_model_set_optimizer (*p, &sgd, &error));
      g_autofree float *r = NULL;
      backward_with (*p, x, "out", &r);
      g_assert_true (msc_model_step (*p, 0.1f, &error));
      msc_model_set_training (*p, FALSE);
      g_assert_true (msc_model_forward (*p, x, &error));
    }
  const MscTensor *a = msc_model_get_output (folded, "out"), *b = msc_model_get_output (plain, "out");
  assert_close ("folded vs plain eval", msc_tensor_data_const (a), msc_tensor_data_const (b),
                msc_tensor_numel (a), 1e-5);
  /* Backward needs a training forward. */
  g_assert_false (msc_model_backward (folded, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID);
}

static MscModel *
unet (guint64 seed)
{
  g_autoptr (GError) error = NULL;
  MscGraph *g = msc_graph_load (MSC_PRESETS_DIR "/unet-small.json", &error);
  g_assert_no_error (error);
  MscModel *m = msc_model_new_from_graph (g, seed, &error);
  g_assert_no_error (error);
  return m;
}

static void
test_save_load (void)
{
  g_autoptr (MscModel) m = unet (1);
  randomise_norms (m, 2);
  g_autofree char *a = g_build_filename (tmpdir, "a.safetensors", NULL);
  g_autofree char *b = g_build_filename (tmpdir, "b.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (msc_model_save (m, a, &error));
  g_autoptr (MscModel) l = msc_model_load (MSC_PRESETS_DIR "/unet-small.json", a, &error);
  g_assert_no_error (error);
  g_assert_true (msc_model_save (l, b, &error));
  g_autofree char *da = NULL, *db = NULL;
  gsize la, lb;
  g_assert_true (g_file_get_contents (a, &da, &la, NULL));
  g_assert_true (g_file_get_contents (b, &db, &lb, NULL));
  g_assert_cmpmem (da, la, db, lb);
  const MscGraph *g = msc_model_get_graph (m);
  for (guint i = 0; i < msc_graph_get_n_params (g); i++)
    {
      const char *p = msc_graph_get_param (g, i, NULL, NULL);
      gsize n1, n2;
      const float *x = msc_model_get_param (m, p, &n1), *y = msc_model_get_param (l, p, &n2);
      g_assert_cmpmem (x, n1 * sizeof (float), y, n2 * sizeof (float));
    }
  /* A weights file for another graph is refused with the names. */
  g_autoptr (MscModel) bad = msc_model_load (MSC_PRESETS_DIR "/dilated-fcn.json", a, &error);
  g_assert_null (bad);
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE);
}

static void
test_set_param (void)
{
  g_autoptr (MscModel) m = unet (1);
  g_autoptr (GError) error = NULL;
  gint64 good[4] = { 16, 1, 3, 3 }, bad[4] = { 16, 1, 3, 2 };
  g_autoptr (MscTensor) t = msc_tensor_new (good, 4, NULL);
  msc_tensor_data (t)[5] = 0.25f;
  g_assert_true (msc_model_set_param (m, "enc1.1.conv.weight", t, &error));
  g_assert_cmpfloat (msc_model_get_param (m, "enc1.1.conv.weight", NULL)[5], ==, 0.25f);
  g_autoptr (MscTensor) u = msc_tensor_new (bad, 4, NULL);
  g_assert_false (msc_model_set_param (m, "enc1.1.conv.weight", u, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "(16, 1, 3, 3)"));
  g_clear_error (&error);
  g_assert_false (msc_model_set_param (m, "nope.weight", t, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID);
  g_assert_null (msc_model_get_param (m, "nope.weight", NULL));
}

static double
sum_loss (MscModel *m, gpointer user_data, GError **error)
{
  (void) user_data;
  (void) error;
  double l = 0;
  const char *outs[] = { "mask_logits", "class_logits" };
  for (guint i = 0; i < 2; i++)
    {
      const MscTensor *y = msc_model_get_output (m, outs[i]);
      float *dy = msc_tensor_data (msc_model_get_output_grad (m, outs[i]));
      for (gint64 k = 0; k < msc_tensor_numel (y); k++)
        {
          l += msc_tensor_data_const (y)[k] * 0.01 * (k % 7 - 3);
          dy[k] = 0.01f * (k % 7 - 3);
        }
    }
  return l;
}

static void
test_determinism (void)
{
  g_autoptr (MscModel) a = unet (42), b = unet (42), c = unet (43);
  gsize n;
  float *pa = msc_model_get_params_block (a, &n), *pb = msc_model_get_params_block (b, &n);
  g_assert_cmpmem (pa, n * sizeof (float), pb, n * sizeof (float));
  g_assert_cmpint (memcmp (pa, msc_model_get_params_block (c, &n), n * sizeof (float)), !=, 0);
  g_autoptr (MscTensor) x = random_tensor (2, 1, 32, 32, 1);
  g_autoptr (GError) error = NULL;
  MscOptimConfig adam = { .kind = MSC_OPTIM_ADAM, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f };
  double la = 0, lb = 0;
  for (MscModel **p = (MscModel *[]) { a, b, NULL }; *p; p++)
    {
      msc_model_set_training (*p, TRUE);   /* dropout (p 0.2) active: seeded */
      msc_model_set_threads (*p, 2);
      g_assert_true (msc_model_set_optimizer (*p, &adam, &error));
      g_assert_true (msc_model_train_step (*p, x, sum_loss, NULL, 1e-3f, *p == a ? &la : &lb, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpfloat (la, ==, lb);
  g_assert_cmpmem (pa, n * sizeof (float), pb, n * sizeof (float));
  g_assert_cmpmem (msc_model_get_param (a, "enc1.1.bn.running_var", &n), n * sizeof (float),
                   msc_model_get_param (b, "enc1.1.bn.running_var", NULL), n * sizeof (float));
}

/* Three Adam steps, a checkpoint, three more: a second model (another
 * seed, so nothing matches by accident) loading the checkpoint takes the
 * same last three steps bit for bit: weights, running statistics, Adam
 * moments, step count and the dropout RNG (p 0.2 in unet-small) all come
 * back. Then the refusals, each leaving the model as it was. */
static void
test_checkpoint (void)
{
  g_autoptr (MscModel) a = unet (7), b = unet (8);
  g_autoptr (MscTensor) x = random_tensor (2, 1, 32, 32, 3);
  g_autoptr (GError) error = NULL;
  MscOptimConfig adam = { .kind = MSC_OPTIM_ADAM, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f };
  g_autofree char *path = g_build_filename (tmpdir, "ckpt.safetensors", NULL);
  for (MscModel **p = (MscModel *[]) { a, b, NULL }; *p; p++)
    {
      msc_model_set_training (*p, TRUE);
      g_assert_true (msc_model_set_optimizer (*p, &adam, &error));
    }
  for (guint i = 0; i < 3; i++)
    g_assert_true (msc_model_train_step (a, x, sum_loss, NULL, 1e-2f, NULL, &error));
  g_autoptr (GHashTable) meta = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (meta, "run", "a");
  g_assert_true (msc_model_save_checkpoint (a, path, meta, &error));
  g_assert_no_error (error);
  g_autoptr (GHashTable) back = NULL;
  g_assert_true (msc_model_load_checkpoint (b, path, &back, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (back, "run"), ==, "a");
  g_assert_cmpuint (msc_model_get_optim_step (b), ==, 3);
  for (guint i = 0; i < 3; i++)
    for (MscModel **p = (MscModel *[]) { a, b, NULL }; *p; p++)
      g_assert_true (msc_model_train_step (*p, x, sum_loss, NULL, 1e-2f, NULL, &error));
  gsize n, ns;
  float *pa = msc_model_get_params_block (a, &n);
  g_assert_cmpmem (pa, n * sizeof (float), msc_model_get_params_block (b, &n), n * sizeof (float));
  float *sa = msc_model_get_optim_state (a, &ns);
  g_assert_cmpuint (ns, ==, 2 * n);
  g_assert_cmpmem (sa, ns * sizeof (float), msc_model_get_optim_state (b, &ns), ns * sizeof (float));
  g_assert_cmpmem (msc_model_get_param (a, "enc1.1.bn.running_var", &n), n * sizeof (float),
                   msc_model_get_param (b, "enc1.1.bn.running_var", NULL), n * sizeof (float));
  /* Field by field: the struct has padding, and spare is stale without has_spare. */
  const MscRng *ra = msc_model_get_rng (a), *rb = msc_model_get_rng (b);
  g_assert_cmpmem (ra->s, sizeof ra->s, rb->s, sizeof rb->s);
  g_assert_cmpint (ra->has_spare, ==, rb->has_spare);

  /* Refusals: a reserved key; no optimiser; another optimiser; plain
   * weights; a truncated file. b keeps its parameters through all. */
  g_hash_table_insert (meta, "msc.step", "1");
  g_assert_false (msc_model_save_checkpoint (a, path, meta, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "reserved"));
  g_clear_error (&error);
  g_autoptr (MscModel) fresh = unet (9);
  g_assert_false (msc_model_save_checkpoint (fresh, path, NULL, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (msc_model_load_checkpoint (fresh, path, NULL, &error));
  g_assert_nonnull (strstr (error->message, "optimiser"));
  g_clear_error (&error);
  const float *block = msc_model_get_params_block (b, &n);
  g_autofree float *before = g_memdup2 (block, n * sizeof (float));
  MscOptimConfig sgd = { .kind = MSC_OPTIM_SGD };
  g_assert_true (msc_model_set_optimizer (b, &sgd, &error));
  g_assert_false (msc_model_load_checkpoint (b, path, NULL, &error));
  g_assert_nonnull (strstr (error->message, "ckpt.safetensors: optimiser configuration differs"));
  g_clear_error (&error);
  g_autofree char *plain = g_build_filename (tmpdir, "plain.safetensors", NULL);
  g_assert_true (msc_model_save (a, plain, &error));
  g_assert_true (msc_model_set_optimizer (b, &adam, &error));
  g_assert_false (msc_model_load_checkpoint (b, plain, NULL, &error));
  g_assert_nonnull (strstr (error->message, "plain.safetensors: not a checkpoint"));
  g_clear_error (&error);
  g_autofree char *bytes = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (path, &bytes, &len, NULL));
  g_assert_true (g_file_set_contents (path, bytes, (gssize) len - 4, NULL));
  g_assert_false (msc_model_load_checkpoint (b, path, NULL, &error));
  g_assert_nonnull (strstr (error->message, "ckpt.safetensors"));
  g_clear_error (&error);
  g_assert_cmpmem (before, n * sizeof (float), msc_model_get_params_block (b, &n), n * sizeof (float));
}

static void
test_refusals (void)
{
  g_autoptr (MscModel) m = unet (1);
  g_autoptr (GError) error = NULL;
  g_autoptr (MscTensor) x = random_tensor (1, 3, 32, 32, 1);
  g_assert_false (msc_model_forward (m, x, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "unet-small.json: input 'image' has channels 3"));
  g_assert_nonnull (strstr (error->message, "node 'enc1.1.conv' (conv2d) expects 1"));
  g_clear_error (&error);
  /* 30 is not divisible by the 16 the decoder's skips need. */
  g_autoptr (MscTensor) odd = random_tensor (1, 1, 30, 30, 1);
  g_assert_false (msc_model_forward (m, odd, &error));
  g_assert_nonnull (strstr (error->message, "unet-small.json: node '"));
  g_clear_error (&error);
  MscOptimConfig adam = { .kind = MSC_OPTIM_ADAM, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f };
  g_assert_true (msc_model_set_optimizer (m, &adam, &error));
  g_autoptr (MscTensor) ok = random_tensor (1, 1, 32, 32, 1);
  g_assert_false (msc_model_train_step (m, ok, sum_loss, NULL, 1e-3f, NULL, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID);
}

static void
test_counts_and_memory (void)
{
  g_autoptr (MscModel) m = unet (1);
  gsize expect = 0;
  const MscGraph *g = msc_model_get_graph (m);
  for (guint i = 0; i < msc_graph_get_n_params (g); i++)
    {
      gint64 s[4];
      guint nd;
      const char *p = msc_graph_get_param (g, i, s, &nd);
      gsize k = 1;
      for (guint d = 0; d < nd; d++)
        k *= (gsize) s[d];
      if (!strstr (p, ".running_"))
        expect += k;
    }
  g_assert_cmpuint (msc_model_count_params (m), ==, expect);
  guint64 f64, f128;
  g_autoptr (GError) error = NULL;
  g_assert_true (msc_model_count_flops (m, 64, 64, &f64, &error));
  g_assert_true (msc_model_count_flops (m, 128, 128, &f128, &error));
  g_assert_cmpuint (f64, >, 0);
  /* Convolutions dominate and scale with the pixels; the dense head does not. */
  g_assert_cmpfloat (fabs ((double) f128 / f64 - 4.0), <, 0.05);
  g_autoptr (MscTensor) x = random_tensor (1, 1, 64, 64, 1);
  g_assert_true (msc_model_forward (m, x, &error));
  gsize eval_bytes = msc_model_get_arena_bytes (m);
  msc_model_set_training (m, TRUE);
  g_assert_true (msc_model_forward (m, x, &error));
  gsize train_bytes = msc_model_get_arena_bytes (m);
  /* Liveness: inference keeps a fraction of what training must. */
  g_assert_cmpuint (eval_bytes * 3, <, train_bytes);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tmpdir = msc_test_tmpdir ();
  static const char *const presets[] = {
    "unet-small", "unet-small-hierarchical", "unet-tiny", "unet-tiny-hierarchical", "efficientnet-b0-unet",
    "dilated-fcn", "patch-classifier-fcn",
  };
  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    {
      g_autofree char *path = g_strdup_printf ("/models/model/parity/%s", presets[i]);
      g_test_add_data_func (path, presets[i], test_parity);
    }
  g_test_add_func ("/models/model/fanout", test_fanout);
  g_test_add_func ("/models/model/gradcheck-graph", test_gradcheck_graph);
  g_test_add_func ("/models/model/fold", test_fold);
  g_test_add_func ("/models/model/save-load", test_save_load);
  g_test_add_func ("/models/model/set-param", test_set_param);
  g_test_add_func ("/models/model/determinism", test_determinism);
  g_test_add_func ("/models/model/refusals", test_refusals);
  g_test_add_func ("/models/model/checkpoint", test_checkpoint);
  g_test_add_func ("/models/model/counts-memory", test_counts_and_memory);
  int rc = g_test_run ();
  g_free (tmpdir);
  return rc;
}
