/* tests/engine/nn/test-conv.c — conv2d: gradient checks, PyTorch parity,
 * batch-norm folding, accumulation and threading, parameter refusal.
 */
#include <string.h>

#include "msc-conv.h"
#include "msc-conv-private.h"
#include "msc-gradcheck.h"
#include "msc-nn-error.h"
#include "torch-ref.h"

typedef struct {
  const char *name;
  MscConv2dParams p;    /* n, c_in, h_in, w_in, c_out, kh, kw, stride, pad, dil, groups */
  gboolean bias;
} ConvCase;

/* Small shapes: every path (im2col, pointwise, depthwise) and every
 * parameter is exercised, and the whole program stays fast under ASan. */
static const ConvCase cases[] = {
  { "plain3x3", { 1, 3, 6, 7, 4, 3, 3, 1, 1, 0, 0, 1, 1, 1 }, TRUE },
  { "stride2", { 2, 3, 7, 8, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1 }, TRUE },
  { "padding", { 1, 2, 5, 5, 3, 3, 3, 1, 1, 2, 1, 1, 1, 1 }, TRUE },
  { "dilated", { 1, 2, 8, 9, 3, 3, 3, 1, 1, 2, 2, 2, 2, 1 }, TRUE },
  { "groups2", { 1, 4, 6, 6, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2 }, TRUE },
  { "depthwise", { 2, 4, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 4 }, TRUE },
  { "depthwise-mult2-stride2", { 1, 3, 8, 7, 6, 3, 3, 2, 2, 1, 1, 1, 1, 3 }, FALSE },
  { "depthwise-dilated", { 1, 2, 9, 9, 2, 5, 3, 1, 2, 4, 1, 2, 1, 2 }, TRUE },
  { "pointwise", { 2, 5, 4, 6, 3, 1, 1, 1, 1, 0, 0, 1, 1, 1 }, TRUE },
  { "pointwise-groups", { 1, 4, 5, 3, 6, 1, 1, 1, 1, 0, 0, 1, 1, 2 }, FALSE },
  { "1x1-stride2-pad", { 1, 4, 7, 7, 3, 1, 1, 2, 2, 1, 1, 1, 1, 1 }, TRUE },
  { "nonsquare", { 1, 2, 6, 9, 3, 2, 5, 1, 2, 1, 2, 1, 1, 1 }, TRUE },
  { "batch3", { 3, 2, 5, 5, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1 }, FALSE },
  /* Padding beyond dil (k - 1): dx cannot be a flipped conv, col2im instead. */
  { "overpadded", { 1, 2, 4, 5, 3, 3, 3, 1, 1, 3, 2, 1, 1, 1 }, TRUE },
  /* K = 576 column rows of 300: one output row per column tile, 5 tiles. */
  { "tiled", { 1, 64, 5, 300, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1 }, TRUE },
  /* The same for backward's dx (576 rows of dy columns), forward in one tile. */
  { "tiled-dx", { 1, 2, 5, 300, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1 }, TRUE },
  /* 3x3 "same": the direct kernels (forward, dx, dw), channel counts not a
   * multiple of their block of 8, a width of 2 x 16 + 5 (partial vector),
   * more rows than row-band tasks. */
  { "same3x3-direct", { 2, 10, 19, 37, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1 }, TRUE },
};

/* Buffers of one case, filled deterministically. */
typedef struct {
  MscConv2dParams p;
  gboolean bias;
  gsize n_x, n_w, n_b, n_y;
  float *x, *w, *b, *y, *dy, *scratch;
  float *dx, *dw, *db;
} Conv;

static Conv *
conv_new (const MscConv2dParams *p, gboolean bias, guint32 seed)
{
  g_autoptr (GError) error = NULL;
  Conv *c = g_new0 (Conv, 1);
  gint64 ho, wo;

  g_assert_true (msc_conv2d_params_check (p, &error));
  g_assert_no_error (error);
  c->p = *p;
  c->bias = bias;
  msc_conv2d_output_hw (p, &ho, &wo);
  c->n_x = p->n * p->c_in * p->h_in * p->w_in;
  c->n_w = p->c_out * (p->c_in / p->groups) * p->kh * p->kw;
  c->n_b = p->c_out;
  c->n_y = p->n * p->c_out * ho * wo;
  c->x = g_new (float, c->n_x);
  c->w = g_new (float, c->n_w);
  c->b = g_new (float, c->n_b);
  c->y = g_new (float, c->n_y);
  c->dy = g_new (float, c->n_y);
  c->dx = g_new0 (float, c->n_x);
  c->dw = g_new0 (float, c->n_w);
  c->db = g_new0 (float, c->n_b);
  /* One extra float so a zero-size scratch is still a valid pointer. */
  c->scratch = g_new (float, msc_conv2d_scratch_floats (p) + 1);
  msc_gradcheck_fill_uniform (c->x, c->n_x, -1, 1, seed);
  msc_gradcheck_fill_uniform (c->w, c->n_w, -1, 1, seed + 1);
  msc_gradcheck_fill_uniform (c->b, c->n_b, -1, 1, seed + 2);
  msc_gradcheck_fill_uniform (c->dy, c->n_y, -1, 1, seed + 3);
  return c;
}

static void
conv_free (Conv *c)
{
  g_free (c->x), g_free (c->w), g_free (c->b), g_free (c->y), g_free (c->dy);
  g_free (c->dx), g_free (c->dw), g_free (c->db), g_free (c->scratch);
  g_free (c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Conv, conv_free)

static void
conv_forward (gpointer user_data, float *out)
{
  Conv *c = user_data;
  msc_conv2d_forward (&c->p, c->x, c->w, c->bias ? c->b : NULL, out, c->scratch, NULL);
}

static void
test_gradcheck (gconstpointer data)
{
  const ConvCase *cc = data;
  g_autoptr (Conv) c = conv_new (&cc->p, cc->bias, 11);
  MscGradcheckOptions opts = { .max_checks = 60 };

  msc_conv2d_backward (&c->p, c->x, c->w, c->dy, c->dx, c->dw, cc->bias ? c->db : NULL,
                       c->scratch, NULL);
  msc_gradcheck_assert ("conv2d dx", c->x, c->n_x, c->dx, conv_forward, c, c->dy, c->n_y, &opts);
  msc_gradcheck_assert ("conv2d dw", c->w, c->n_w, c->dw, conv_forward, c, c->dy, c->n_y, &opts);
  if (cc->bias)
    msc_gradcheck_assert ("conv2d db", c->b, c->n_b, c->db, conv_forward, c, c->dy, c->n_y, &opts);
}

static void
append_params (GString *s, const MscConv2dParams *p)
{
  g_string_append_printf (s,
    "{\"n\": %" G_GINT64_FORMAT ", \"c_in\": %" G_GINT64_FORMAT ", \"h_in\": %" G_GINT64_FORMAT
    ", \"w_in\": %" G_GINT64_FORMAT ", \"c_out\": %" G_GINT64_FORMAT ", \"kh\": %" G_GINT64_FORMAT
    ", \"kw\": %" G_GINT64_FORMAT ", \"stride_h\": %" G_GINT64_FORMAT ", \"stride_w\": %" G_GINT64_FORMAT
    ", \"pad_h\": %" G_GINT64_FORMAT ", \"pad_w\": %" G_GINT64_FORMAT ", \"dil_h\": %" G_GINT64_FORMAT
    ", \"dil_w\": %" G_GINT64_FORMAT ", \"groups\": %" G_GINT64_FORMAT "}",
    p->n, p->c_in, p->h_in, p->w_in, p->c_out, p->kh, p->kw, p->stride_h, p->stride_w,
    p->pad_h, p->pad_w, p->dil_h, p->dil_w, p->groups);
}

/* Every case in one python run (importing torch takes a second or two). */
static void
test_torch_parity (void)
{
  g_autoptr (GString) spec = g_string_new ("{\"cases\": [");
  g_autoptr (GPtrArray) convs = g_ptr_array_new_with_free_func ((GDestroyNotify) conv_free);
  g_autoptr (GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Conv *c = conv_new (&cases[i].p, cases[i].bias, 100 + i);
      g_autofree char *name = g_strdup_printf ("conv-%s", cases[i].name);
      char *dir = ref_case_dir (name);
      ref_write (dir, "x", c->x, c->n_x);
      ref_write (dir, "w", c->w, c->n_w);
      ref_write (dir, "b", c->b, c->n_b);
      ref_write (dir, "dy", c->dy, c->n_y);
      g_string_append_printf (spec, "%s{\"op\": \"conv2d\", \"dir\": \"%s\", \"bias\": %s, \"params\": ",
                              i ? ", " : "", dir, c->bias ? "true" : "false");
      append_params (spec, &c->p);
      g_string_append (spec, "}");
      g_ptr_array_add (convs, c);
      g_ptr_array_add (dirs, dir);
    }
  g_string_append (spec, "]}");
  if (!ref_run (spec->str, NULL))
    return;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Conv *c = g_ptr_array_index (convs, i);
      const char *dir = g_ptr_array_index (dirs, i);
      g_autofree float *y = ref_read (dir, "y", c->n_y);
      g_autofree float *dx = ref_read (dir, "dx", c->n_x);
      g_autofree float *dw = ref_read (dir, "dw", c->n_w);
      g_test_message ("conv2d %s", cases[i].name);
      conv_forward (c, c->y);
      ref_assert_close (cases[i].name, c->y, y, c->n_y, 1e-4);
      msc_conv2d_backward (&c->p, c->x, c->w, c->dy, c->dx, c->dw, c->bias ? c->db : NULL,
                           c->scratch, NULL);
      ref_assert_close (cases[i].name, c->dx, dx, c->n_x, 1e-3);
      ref_assert_close (cases[i].name, c->dw, dw, c->n_w, 1e-3);
      if (c->bias)
        {
          g_autofree float *db = ref_read (dir, "db", c->n_b);
          ref_assert_close (cases[i].name, c->db, db, c->n_b, 1e-3);
        }
    }
}

/* fold (conv) + nothing == conv followed by BatchNorm2d in eval mode, both
 * against a C reference and against PyTorch. */
static void
test_fold_batchnorm (void)
{
  static const MscConv2dParams ps[] = {
    { 2, 3, 6, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1 },
    { 1, 4, 6, 5, 4, 3, 3, 2, 2, 1, 1, 1, 1, 4 },   /* depthwise */
  };
  const float eps = 1e-5f;
  g_autoptr (GString) spec = g_string_new ("{\"cases\": [");
  g_autoptr (GPtrArray) convs = g_ptr_array_new_with_free_func ((GDestroyNotify) conv_free);
  g_autoptr (GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < G_N_ELEMENTS (ps); i++)
    {
      Conv *c = conv_new (&ps[i], i == 0, 300 + i);
      gint64 co = c->p.c_out, hw = c->n_y / (c->p.n * co);
      float gamma[16], beta[16], mean[16], var[16];
      g_autofree float *wf = g_new (float, c->n_w);
      g_autofree float *bf = g_new (float, co);
      g_autofree float *yf = g_new (float, c->n_y);
      g_autoptr (GError) error = NULL;

      msc_gradcheck_fill_uniform (gamma, co, 0.5f, 1.5f, 1);
      msc_gradcheck_fill_uniform (beta, co, -1, 1, 2);
      msc_gradcheck_fill_uniform (mean, co, -0.5f, 0.5f, 3);
      msc_gradcheck_fill_uniform (var, co, 0.2f, 2.0f, 4);
      g_assert_true (msc_conv2d_fold_batchnorm (&c->p, c->w, c->bias ? c->b : NULL, gamma, beta,
                                                mean, var, eps, wf, bf, &error));
      g_assert_no_error (error);
      msc_conv2d_forward (&c->p, c->x, wf, bf, yf, c->scratch, NULL);
      /* C reference: conv, then (y - mean) / sqrt (var + eps) * gamma + beta. */
      conv_forward (c, c->y);
      for (gsize k = 0; k < c->n_y; k++)
        {
          gsize ch = (k / hw) % co;
          c->y[k] = (float) ((c->y[k] - mean[ch]) / sqrt (var[ch] + eps) * gamma[ch] + beta[ch]);
        }
      ref_assert_close ("fold vs C", yf, c->y, c->n_y, 1e-4);
      memcpy (c->y, yf, sizeof (float) * c->n_y);

      g_autofree char *name = g_strdup_printf ("bn-%u", i);
      char *dir = ref_case_dir (name);
      ref_write (dir, "x", c->x, c->n_x);
      ref_write (dir, "w", c->w, c->n_w);
      ref_write (dir, "b", c->b, c->n_b);
      ref_write (dir, "gamma", gamma, co);
      ref_write (dir, "beta", beta, co);
      ref_write (dir, "mean", mean, co);
      ref_write (dir, "var", var, co);
      g_string_append_printf (spec, "%s{\"op\": \"conv2d_bn\", \"dir\": \"%s\", \"bias\": %s, "
                              "\"eps\": %.9g, \"params\": ", i ? ", " : "", dir,
                              c->bias ? "true" : "false", (double) eps);
      append_params (spec, &c->p);
      g_string_append (spec, "}");
      g_ptr_array_add (convs, c);
      g_ptr_array_add (dirs, dir);
    }
  g_string_append (spec, "]}");
  if (!ref_run (spec->str, NULL))
    return;
  for (guint i = 0; i < convs->len; i++)
    {
      Conv *c = g_ptr_array_index (convs, i);
      g_autofree float *y = ref_read (g_ptr_array_index (dirs, i), "y", c->n_y);
      ref_assert_close ("fold vs torch", c->y, y, c->n_y, 1e-4);
    }
}

static void
test_fold_bad_variance (void)
{
  MscConv2dParams p = { 1, 1, 3, 3, 2, 1, 1, 1, 1, 0, 0, 1, 1, 1 };
  float w[2] = { 1, 2 }, out_w[2], out_b[2];
  float gamma[2] = { 1, 1 }, beta[2] = { 0, 0 }, mean[2] = { 0, 0 }, var[2] = { 1, -1 };
  g_autoptr (GError) error = NULL;
  g_assert_false (msc_conv2d_fold_batchnorm (&p, w, NULL, gamma, beta, mean, var, 0.0f,
                                             out_w, out_b, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_NUMERIC);
}

/* Backward adds to what is there; NULL gradients are skipped and do not
 * change the others. */
static void
test_accumulates (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (Conv) c = conv_new (&cases[i].p, TRUE, 7);
      g_autofree float *dx1 = g_new0 (float, c->n_x);
      g_autofree float *dw1 = g_new0 (float, c->n_w);
      g_autofree float *db1 = g_new0 (float, c->n_b);

      msc_conv2d_backward (&c->p, c->x, c->w, c->dy, c->dx, c->dw, c->db, c->scratch, NULL);
      msc_conv2d_backward (&c->p, c->x, c->w, c->dy, c->dx, NULL, NULL, c->scratch, NULL);
      msc_conv2d_backward (&c->p, c->x, c->w, c->dy, NULL, c->dw, NULL, c->scratch, NULL);
      msc_conv2d_backward (&c->p, c->x, c->w, c->dy, NULL, NULL, c->db, c->scratch, NULL);
      msc_conv2d_backward (&c->p, c->x, c->w, c->dy, dx1, dw1, db1, c->scratch, NULL);
      for (gsize k = 0; k < c->n_x; k++)
        g_assert_cmpfloat_with_epsilon (c->dx[k], 2 * dx1[k], 1e-4);
      for (gsize k = 0; k < c->n_w; k++)
        g_assert_cmpfloat_with_epsilon (c->dw[k], 2 * dw1[k], 1e-4);
      for (gsize k = 0; k < c->n_b; k++)
        g_assert_cmpfloat_with_epsilon (c->db[k], 2 * db1[k], 1e-4);
    }
}

/* A thread pool changes who runs the loops, never the result. */
static void
test_pool_deterministic (void)
{
  g_autoptr (MscThreadPool) pool = msc_thread_pool_new (3);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (Conv) c = conv_new (&cases[i].p, cases[i].bias, 21);
      g_autofree float *y = g_new (float, c->n_y);
      g_autofree float *dx = g_new0 (float, c->n_x);
      g_autofree float *dw = g_new0 (float, c->n_w);
      const float *b = c->bias ? c->b : NULL;

      msc_conv2d_forward (&c->p, c->x, c->w, b, c->y, c->scratch, NULL);
      msc_conv2d_forward (&c->p, c->x, c->w, b, y, c->scratch, pool);
      g_assert_cmpmem (y, c->n_y * sizeof (float), c->y, c->n_y * sizeof (float));
      msc_conv2d_backward (&c->p, c->x, c->w, c->dy, c->dx, c->dw, NULL, c->scratch, NULL);
      msc_conv2d_backward (&c->p, c->x, c->w, c->dy, dx, dw, NULL, c->scratch, pool);
      g_assert_cmpmem (dx, c->n_x * sizeof (float), c->dx, c->n_x * sizeof (float));
      g_assert_cmpmem (dw, c->n_w * sizeof (float), c->dw, c->n_w * sizeof (float));
    }
}

/* The direct 3x3 kernels against im2col + sgemm on the same data: odd
 * widths (1, a partial vector, 48 + a remainder, tails split 32 + 32),
 * one row, channel counts
 * around the block size, and, forced, channel counts above the automatic
 * limits. With a pool the direct result must not change either. */
static void
test_direct_vs_gemm (void)
{
  static const MscConv2dParams ps[] = {
    { 1, 3, 5, 7, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1 },
    { 2, 9, 4, 1, 11, 3, 3, 1, 1, 1, 1, 1, 1, 1 },
    { 1, 16, 3, 17, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1 },
    { 1, 5, 1, 33, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1 },
    { 1, 17, 20, 50, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1 },
    { 1, 8, 18, 64, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1 },
    { 2, 33, 6, 47, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1 },
    { 1, 40, 7, 31, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1 },
    { 1, 4, 3, 112, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1 },   /* 48 + 32 + 32 pixels */
  };
  g_autoptr (MscThreadPool) pool = msc_thread_pool_new (3);

  for (guint i = 0; i < G_N_ELEMENTS (ps); i++)
    {
      g_autoptr (Conv) ref = conv_new (&ps[i], TRUE, 500 + i);
      g_autoptr (Conv) dir = conv_new (&ps[i], TRUE, 500 + i);
      g_autoptr (Conv) par = conv_new (&ps[i], TRUE, 500 + i);
      g_autofree char *what = g_strdup_printf ("direct vs gemm, case %u", i);

      msc_conv_set_path (MSC_CONV_PATH_GEMM);
      msc_conv2d_forward (&ref->p, ref->x, ref->w, ref->b, ref->y, ref->scratch, NULL);
      msc_conv2d_backward (&ref->p, ref->x, ref->w, ref->dy, ref->dx, ref->dw, ref->db,
                           ref->scratch, NULL);
      msc_conv_set_path (MSC_CONV_PATH_DIRECT);
      msc_conv2d_forward (&dir->p, dir->x, dir->w, dir->b, dir->y, dir->scratch, NULL);
      msc_conv2d_backward (&dir->p, dir->x, dir->w, dir->dy, dir->dx, dir->dw, dir->db,
                           dir->scratch, NULL);
      msc_conv2d_forward (&par->p, par->x, par->w, par->b, par->y, par->scratch, pool);
      msc_conv2d_backward (&par->p, par->x, par->w, par->dy, par->dx, par->dw, par->db,
                           par->scratch, pool);
      msc_conv_set_path (MSC_CONV_PATH_AUTO);

      ref_assert_close (what, dir->y, ref->y, ref->n_y, 1e-5);
      ref_assert_close (what, dir->dx, ref->dx, ref->n_x, 1e-5);
      ref_assert_close (what, dir->dw, ref->dw, ref->n_w, 1e-5);
      ref_assert_close (what, dir->db, ref->db, ref->n_b, 1e-6);
      g_assert_cmpmem (par->y, par->n_y * sizeof (float), dir->y, dir->n_y * sizeof (float));
      g_assert_cmpmem (par->dx, par->n_x * sizeof (float), dir->dx, dir->n_x * sizeof (float));
      g_assert_cmpmem (par->dw, par->n_w * sizeof (float), dir->dw, dir->n_w * sizeof (float));
    }
}

static void
expect_refused (MscConv2dParams p, int code)
{
  g_autoptr (GError) error = NULL;
  g_assert_false (msc_conv2d_params_check (&p, &error));
  g_assert_error (error, MSC_NN_ERROR, code);
  g_test_message ("refused: %s", error->message);
}

static void
test_bad_params (void)
{
  const MscConv2dParams ok = { 1, 4, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1 };
  MscConv2dParams p;

  g_assert_true (msc_conv2d_params_check (&ok, NULL));
  p = ok, p.n = 0;                       expect_refused (p, MSC_NN_ERROR_INVALID);
  p = ok, p.c_in = -1;                   expect_refused (p, MSC_NN_ERROR_INVALID);
  p = ok, p.kh = 0;                      expect_refused (p, MSC_NN_ERROR_INVALID);
  p = ok, p.stride_w = 0;                expect_refused (p, MSC_NN_ERROR_INVALID);
  p = ok, p.pad_h = -1;                  expect_refused (p, MSC_NN_ERROR_INVALID);
  p = ok, p.dil_w = 0;                   expect_refused (p, MSC_NN_ERROR_INVALID);
  p = ok, p.groups = 0;                  expect_refused (p, MSC_NN_ERROR_INVALID);
  p = ok, p.h_in = (gint64) G_MAXINT32 + 1; expect_refused (p, MSC_NN_ERROR_INVALID);
  p = ok, p.groups = 3;                  expect_refused (p, MSC_NN_ERROR_SHAPE);
  p = ok, p.groups = 4, p.c_out = 6;     expect_refused (p, MSC_NN_ERROR_SHAPE);
  p = ok, p.kh = 11;                     expect_refused (p, MSC_NN_ERROR_SHAPE);
  p = ok, p.dil_w = 5;                   expect_refused (p, MSC_NN_ERROR_SHAPE);
  p = ok, p.n = 1 << 20, p.c_in = 1 << 20, p.h_in = 1 << 20, p.w_in = 1 << 20;
  expect_refused (p, MSC_NN_ERROR_SHAPE);
  p = ok, p.h_in = 1 << 17, p.w_in = 1 << 17;   /* plane > G_MAXINT for cblas */
  expect_refused (p, MSC_NN_ERROR_SHAPE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/nn/conv/backward/%s", cases[i].name);
      g_test_add_data_func (path, &cases[i], test_gradcheck);
    }
  g_test_add_func ("/nn/conv/torch-parity", test_torch_parity);
  g_test_add_func ("/nn/conv/fold-batchnorm", test_fold_batchnorm);
  g_test_add_func ("/nn/conv/fold-batchnorm/bad-variance", test_fold_bad_variance);
  g_test_add_func ("/nn/conv/backward/accumulates", test_accumulates);
  g_test_add_func ("/nn/conv/pool-deterministic", test_pool_deterministic);
  g_test_add_func ("/nn/conv/direct-vs-gemm", test_direct_vs_gemm);
  g_test_add_func ("/nn/conv/bad-params", test_bad_params);
  return g_test_run ();
}
