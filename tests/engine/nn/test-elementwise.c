/* tests/engine/nn/test-elementwise.c — add, multiply, channel scale
 * (squeeze-excitation), concat and dropout: gradient checks for every input,
 * PyTorch parity, dropout statistics, refused parameters.
 */
#include "msc-elementwise.h"
#include "msc-nn-error.h"
#include "msc-gradcheck.h"
#include "msc-torch-ref.h"

#define N 2
#define C 3
#define H 4
#define W 5
#define NUMEL (N * C * H * W)

typedef enum { ADD, MUL, SCALE, CONCAT, DROPOUT } Op;

static const gint64 concat_channels[] = { 2, 1, 3 };

typedef struct {
  Op op;
  float *a, *b;           /* ADD/MUL: a, b; SCALE: x, s; DROPOUT: x */
  float *xs[3];           /* CONCAT */
  float *mask;
} Ctx;

static MscConcatParams
concat_params (void)
{
  MscConcatParams p = { N, H, W, 3, concat_channels };
  return p;
}

static void
forward (gpointer user_data, float *y)
{
  Ctx *c = user_data;
  MscChannelScaleParams sp = { N, C, H, W };
  MscConcatParams cp = concat_params ();
  MscDropoutParams dp = { NUMEL, 0.3f, TRUE };
  MscRng rng;
  switch (c->op)
    {
    case ADD: msc_add_forward (c->a, c->b, y, NUMEL); break;
    case MUL: msc_mul_forward (c->a, c->b, y, NUMEL); break;
    case SCALE: msc_channel_scale_forward (&sp, c->a, c->b, y); break;
    case CONCAT: msc_concat_forward (&cp, (const float *const *) c->xs, y); break;
    case DROPOUT:
      /* Reseeded on every call: the same mask for every perturbation. */
      msc_rng_init (&rng, 99);
      msc_dropout_forward (&dp, &rng, c->a, y, c->mask);
      break;
    }
}

static void
check_input (const char *what, Ctx *c, float *x, gsize n, const float *dx, const float *r, gsize n_out)
{
  msc_gradcheck_assert (what, x, n, dx, forward, c, r, n_out, NULL);
}

static void
test_gradcheck (void)
{
  g_autofree float *a = g_new (float, NUMEL), *b = g_new (float, NUMEL), *s = g_new (float, N * C);
  g_autofree float *y = g_new (float, 2 * NUMEL), *r = g_new (float, 2 * NUMEL), *mask = g_new (float, NUMEL);
  g_autofree float *da = g_new0 (float, NUMEL), *db = g_new0 (float, NUMEL), *ds = g_new0 (float, N * C);
  msc_gradcheck_fill_uniform (a, NUMEL, -2.0f, 2.0f, 1);
  msc_gradcheck_fill_uniform (b, NUMEL, -2.0f, 2.0f, 2);
  msc_gradcheck_fill_uniform (s, N * C, 0.0f, 1.0f, 3);
  msc_gradcheck_fill_uniform (r, 2 * NUMEL, -1.0f, 1.0f, 4);

  Ctx c = { ADD, a, b, { NULL }, mask };
  forward (&c, y);
  msc_add_backward (r, da, db, NUMEL);
  check_input ("add da", &c, a, NUMEL, da, r, NUMEL);
  check_input ("add db", &c, b, NUMEL, db, r, NUMEL);

  c.op = MUL;
  memset (da, 0, NUMEL * sizeof (float));
  memset (db, 0, NUMEL * sizeof (float));
  msc_mul_backward (a, b, r, da, db, NUMEL);
  check_input ("mul da", &c, a, NUMEL, da, r, NUMEL);
  check_input ("mul db", &c, b, NUMEL, db, r, NUMEL);

  c.op = SCALE;
  c.b = s;
  MscChannelScaleParams sp = { N, C, H, W };
  memset (da, 0, NUMEL * sizeof (float));
  msc_channel_scale_backward (&sp, a, s, r, da, ds);
  check_input ("channel scale dx", &c, a, NUMEL, da, r, NUMEL);
  check_input ("channel scale ds", &c, s, N * C, ds, r, NUMEL);

  c.op = DROPOUT;
  forward (&c, y);
  MscDropoutParams dp = { NUMEL, 0.3f, TRUE };
  memset (da, 0, NUMEL * sizeof (float));
  msc_dropout_backward (&dp, mask, r, da);
  check_input ("dropout dx", &c, a, NUMEL, da, r, NUMEL);

  /* Concat of (N,2,H,W), (N,1,H,W), (N,3,H,W) -> (N,6,H,W). */
  MscConcatParams cp = concat_params ();
  g_assert_true (msc_concat_check (&cp, NULL));
  g_assert_cmpint (msc_concat_out_channels (&cp), ==, 6);
  gsize n_out = N * 6 * H * W;
  float *dxs[3];
  c.op = CONCAT;
  for (int i = 0; i < 3; i++)
    {
      c.xs[i] = g_new (float, N * concat_channels[i] * H * W);
      dxs[i] = g_new0 (float, N * concat_channels[i] * H * W);
      msc_gradcheck_fill_uniform (c.xs[i], N * concat_channels[i] * H * W, -1.0f, 1.0f, 10 + i);
    }
  forward (&c, y);
  msc_concat_backward (&cp, r, dxs);
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *what = g_strdup_printf ("concat dx%d", i);
      check_input (what, &c, c.xs[i], N * concat_channels[i] * H * W, dxs[i], r, n_out);
    }
  /* A NULL gradient for one input leaves the others alone. */
  float *partial[3] = { dxs[0], NULL, dxs[2] };
  msc_concat_backward (&cp, r, partial);
  for (int i = 0; i < 3; i++)
    {
      g_free (c.xs[i]);
      g_free (dxs[i]);
    }
}

static void
test_torch (void)
{
  gint64 full[] = { N, C, H, W }, sshape[] = { N, C, 1, 1 };
  g_autofree float *a = g_new (float, NUMEL), *b = g_new (float, NUMEL), *s = g_new (float, N * C);
  g_autofree float *dy = g_new (float, 2 * NUMEL);
  msc_gradcheck_fill_uniform (a, NUMEL, -2.0f, 2.0f, 21);
  msc_gradcheck_fill_uniform (b, NUMEL, -2.0f, 2.0f, 22);
  msc_gradcheck_fill_uniform (s, N * C, 0.0f, 1.0f, 23);
  msc_gradcheck_fill_uniform (dy, 2 * NUMEL, -1.0f, 1.0f, 24);
  float *xs[3];
  for (int i = 0; i < 3; i++)
    {
      xs[i] = g_new (float, N * concat_channels[i] * H * W);
      msc_gradcheck_fill_uniform (xs[i], N * concat_channels[i] * H * W, -1.0f, 1.0f, 30 + i);
    }
  g_autoptr (MscTorchRef) ref = msc_torch_ref_new ();
  msc_torch_ref_case (ref, "add", "add", "{}", "a,b");
  msc_torch_ref_input (ref, "a", a, full, 4);
  msc_torch_ref_input (ref, "b", b, full, 4);
  msc_torch_ref_input (ref, "dy", dy, full, 4);
  msc_torch_ref_case (ref, "mul", "mul", "{}", "a,b");
  msc_torch_ref_input (ref, "a", a, full, 4);
  msc_torch_ref_input (ref, "b", b, full, 4);
  msc_torch_ref_input (ref, "dy", dy, full, 4);
  msc_torch_ref_case (ref, "scale", "channel_scale", "{}", "x,s");
  msc_torch_ref_input (ref, "x", a, full, 4);
  msc_torch_ref_input (ref, "s", s, sshape, 4);
  msc_torch_ref_input (ref, "dy", dy, full, 4);
  msc_torch_ref_case (ref, "concat", "concat", "{\"k\": 3}", "x0,x1,x2");
  for (int i = 0; i < 3; i++)
    {
      gint64 shape[] = { N, concat_channels[i], H, W };
      g_autofree char *name = g_strdup_printf ("x%d", i);
      msc_torch_ref_input (ref, name, xs[i], shape, 4);
    }
  gint64 oshape[] = { N, 6, H, W };
  msc_torch_ref_input (ref, "dy", dy, oshape, 4);
  if (msc_torch_ref_run (ref))
    {
      g_autofree float *y = g_new (float, 2 * NUMEL);
      g_autofree float *da = g_new0 (float, NUMEL), *db = g_new0 (float, NUMEL), *ds = g_new0 (float, N * C);
      msc_add_forward (a, b, y, NUMEL);
      msc_add_backward (dy, da, db, NUMEL);
      msc_torch_ref_compare (ref, "add", "y", y, NUMEL, 1e-4);
      msc_torch_ref_compare (ref, "add", "da", da, NUMEL, 1e-3);
      msc_torch_ref_compare (ref, "add", "db", db, NUMEL, 1e-3);
      memset (da, 0, NUMEL * sizeof (float));
      memset (db, 0, NUMEL * sizeof (float));
      msc_mul_forward (a, b, y, NUMEL);
      msc_mul_backward (a, b, dy, da, db, NUMEL);
      msc_torch_ref_compare (ref, "mul", "y", y, NUMEL, 1e-4);
      msc_torch_ref_compare (ref, "mul", "da", da, NUMEL, 1e-3);
      msc_torch_ref_compare (ref, "mul", "db", db, NUMEL, 1e-3);
      MscChannelScaleParams sp = { N, C, H, W };
      memset (da, 0, NUMEL * sizeof (float));
      msc_channel_scale_forward (&sp, a, s, y);
      msc_channel_scale_backward (&sp, a, s, dy, da, ds);
      msc_torch_ref_compare (ref, "scale", "y", y, NUMEL, 1e-4);
      msc_torch_ref_compare (ref, "scale", "dx", da, NUMEL, 1e-3);
      msc_torch_ref_compare (ref, "scale", "ds", ds, N * C, 1e-3);
      MscConcatParams cp = concat_params ();
      msc_concat_forward (&cp, (const float *const *) xs, y);
      msc_torch_ref_compare (ref, "concat", "y", y, N * 6 * H * W, 1e-4);
      for (int i = 0; i < 3; i++)
        {
          gsize n = N * concat_channels[i] * H * W;
          g_autofree float *dx = g_new0 (float, n);
          float *dxs[3] = { NULL, NULL, NULL };
          dxs[i] = dx;
          msc_concat_backward (&cp, dy, dxs);
          g_autofree char *name = g_strdup_printf ("dx%d", i);
          msc_torch_ref_compare (ref, "concat", name, dx, n, 1e-3);
        }
    }
  for (int i = 0; i < 3; i++)
    g_free (xs[i]);
}

static void
test_dropout (void)
{
  enum { M = 20000 };
  g_autofree float *x = g_new (float, M), *y = g_new (float, M), *mask = g_new (float, M);
  g_autofree float *dx = g_new0 (float, M);
  for (int i = 0; i < M; i++)
    x[i] = 1.0f;
  MscRng rng;
  msc_rng_init (&rng, 5);
  MscDropoutParams p = { M, 0.25f, TRUE };
  g_assert_true (msc_dropout_check (&p, NULL));
  msc_dropout_forward (&p, &rng, x, y, mask);
  double kept = 0.0, mean = 0.0;
  for (int i = 0; i < M; i++)
    {
      g_assert_true (y[i] == 0.0f || fabsf (y[i] - 1.0f / 0.75f) < 1e-6f);
      kept += y[i] != 0.0f;
      mean += y[i];
    }
  /* Binomial(20000, 0.75): sd ~ 61, so 4 sd is ~0.012 of the rate. */
  g_assert_cmpfloat (fabs (kept / M - 0.75), <, 0.015);
  g_assert_cmpfloat (fabs (mean / M - 1.0), <, 0.02);   /* inverted: mean kept */
  /* Same seed, same mask. */
  g_autofree float *y2 = g_new (float, M);
  msc_rng_init (&rng, 5);
  msc_dropout_forward (&p, &rng, x, y2, mask);
  g_assert_cmpmem (y, M * sizeof (float), y2, M * sizeof (float));
  /* Eval: identity forward and backward, no mask, no rng. */
  p.training = FALSE;
  msc_dropout_forward (&p, NULL, x, y, NULL);
  msc_dropout_backward (&p, NULL, x, dx);
  for (int i = 0; i < M; i++)
    g_assert_true (y[i] == 1.0f && dx[i] == 1.0f);
  /* p = 1 drops everything (PyTorch returns zeros). */
  p.training = TRUE;
  p.p = 1.0f;
  msc_dropout_forward (&p, &rng, x, y, mask);
  for (int i = 0; i < M; i++)
    g_assert_true (y[i] == 0.0f);
}

static void
test_bad_params (void)
{
  g_autoptr (GError) error = NULL;
  MscDropoutParams p = { 10, 1.5f, TRUE };
  g_assert_false (msc_dropout_check (&p, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID);
  g_clear_error (&error);
  p.p = NAN;
  g_assert_false (msc_dropout_check (&p, &error));
  g_clear_error (&error);
  gint64 bad[] = { 2, 0 };
  MscConcatParams cp = { 1, 4, 4, 2, bad };
  g_assert_false (msc_concat_check (&cp, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "input 1"));
  g_clear_error (&error);
  gint64 huge[] = { G_MAXINT64 / 2, G_MAXINT64 / 2 };
  cp.channels = huge;
  g_assert_false (msc_concat_check (&cp, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE);
  g_clear_error (&error);
  cp.k = 0;
  g_assert_false (msc_concat_check (&cp, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID);
  g_clear_error (&error);
  MscChannelScaleParams sp = { 1, 3, 0, 4 };
  g_assert_false (msc_channel_scale_check (&sp, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nn/elementwise/gradcheck", test_gradcheck);
  g_test_add_func ("/nn/elementwise/torch", test_torch);
  g_test_add_func ("/nn/elementwise/dropout", test_dropout);
  g_test_add_func ("/nn/elementwise/bad-params", test_bad_params);
  return g_test_run ();
}
