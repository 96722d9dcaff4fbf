/* tests/engine/nn/test-activation.c — ReLU, SiLU, sigmoid and channel
 * softmax: gradient checks, PyTorch parity, stability and shape checks.
 */
#include "msc-activation.h"
#include "msc-nn-error.h"
#include "msc-gradcheck.h"
#include "msc-torch-ref.h"

typedef enum { RELU, SILU, SIGMOID, SOFTMAX } Op;

typedef struct {
  Op op;
  MscSoftmaxParams sm;    /* shape, used by every op */
  float *x;
} Ctx;

static gsize
numel (const Ctx *c)
{
  return (gsize) (c->sm.n * c->sm.c * c->sm.h * c->sm.w);
}

static void
run_forward (gpointer user_data, float *y)
{
  Ctx *c = user_data;
  switch (c->op)
    {
    case RELU: msc_relu_forward (c->x, y, numel (c)); break;
    case SILU: msc_silu_forward (c->x, y, numel (c)); break;
    case SIGMOID: msc_sigmoid_forward (c->x, y, numel (c)); break;
    case SOFTMAX: msc_softmax_forward (&c->sm, c->x, y); break;
    }
}

static void
run_backward (Ctx *c, const float *y, const float *dy, float *dx)
{
  switch (c->op)
    {
    case RELU: msc_relu_backward (c->x, dy, dx, numel (c)); break;
    case SILU: msc_silu_backward (c->x, dy, dx, numel (c)); break;
    case SIGMOID: msc_sigmoid_backward (y, dy, dx, numel (c)); break;
    case SOFTMAX: msc_softmax_backward (&c->sm, y, dy, dx); break;
    }
}

static void
fill_input (float *x, gsize n, guint32 seed)
{
  msc_gradcheck_fill_uniform (x, n, -3.0f, 3.0f, seed);
  /* Keep ReLU's kink out of the finite-difference step. */
  for (gsize i = 0; i < n; i++)
    if (fabsf (x[i]) < 0.05f)
      x[i] += x[i] < 0 ? -0.1f : 0.1f;
}

static void
test_gradcheck (void)
{
  static const char *names[] = { "relu", "silu", "sigmoid", "softmax" };
  for (int op = RELU; op <= SOFTMAX; op++)
    {
      Ctx c = { op, { 2, 3, 3, 4 }, NULL };
      gsize n = numel (&c);
      g_autofree float *x = g_new (float, n), *y = g_new (float, n);
      g_autofree float *r = g_new (float, n), *dx = g_new0 (float, n);
      fill_input (x, n, 1 + op);
      msc_gradcheck_fill_uniform (r, n, -1.0f, 1.0f, 11 + op);
      c.x = x;
      run_forward (&c, y);
      run_backward (&c, y, r, dx);
      msc_gradcheck_assert (names[op], x, n, dx, run_forward, &c, r, n, NULL);
      /* Accumulation: a second backward doubles the gradient. */
      g_autofree float *dx2 = g_memdup2 (dx, n * sizeof (float));
      run_backward (&c, y, r, dx2);
      for (gsize i = 0; i < n; i++)
        g_assert_cmpfloat_with_epsilon (dx2[i], 2 * dx[i], 1e-6);
      run_backward (&c, y, r, NULL);   /* NULL gradient: nothing to do */
    }
}

static void
test_torch (void)
{
  static const char *names[] = { "relu", "silu", "sigmoid", "softmax" };
  gint64 shape[] = { 2, 5, 4, 3 };
  gsize n = 2 * 5 * 4 * 3;
  g_autoptr (MscTorchRef) ref = msc_torch_ref_new ();
  float *xs[4], *dys[4];
  for (int op = RELU; op <= SOFTMAX; op++)
    {
      xs[op] = g_new (float, n);
      dys[op] = g_new (float, n);
      fill_input (xs[op], n, 100 + op);
      if (op == SOFTMAX)   /* large logits: the max subtraction must hold */
        for (gsize i = 0; i < n; i++)
          xs[op][i] *= 40.0f;
      msc_gradcheck_fill_uniform (dys[op], n, -1.0f, 1.0f, 200 + op);
      msc_torch_ref_case (ref, names[op], names[op], "{}", "x");
      msc_torch_ref_input (ref, "x", xs[op], shape, 4);
      msc_torch_ref_input (ref, "dy", dys[op], shape, 4);
    }
  gboolean ran = msc_torch_ref_run (ref);
  for (int op = RELU; op <= SOFTMAX && ran; op++)
    {
      Ctx c = { op, { 2, 5, 4, 3 }, xs[op] };
      g_autofree float *y = g_new (float, n), *dx = g_new0 (float, n);
      run_forward (&c, y);
      run_backward (&c, y, dys[op], dx);
      msc_torch_ref_compare (ref, names[op], "y", y, n, 1e-4);
      msc_torch_ref_compare (ref, names[op], "dx", dx, n, 1e-3);
    }
  for (int op = RELU; op <= SOFTMAX; op++)
    {
      g_free (xs[op]);
      g_free (dys[op]);
    }
}

static void
test_extremes (void)
{
  float x[] = { -1000.0f, -88.0f, 0.0f, 88.0f, 1000.0f, INFINITY };
  float y[6];
  msc_sigmoid_forward (x, y, 6);
  g_assert_cmpfloat (y[0], ==, 0.0f);
  g_assert_cmpfloat (y[2], ==, 0.5f);
  g_assert_cmpfloat (y[4], ==, 1.0f);
  g_assert_cmpfloat (y[5], ==, 1.0f);
  msc_silu_forward (x, y, 5);
  for (int i = 0; i < 5; i++)
    g_assert_true (isfinite (y[i]));
  /* Softmax over 3 channels of one pixel with huge logits. */
  MscSoftmaxParams p = { 1, 3, 1, 1 };
  float s[3] = { 1000.0f, 999.0f, -1000.0f }, t[3];
  msc_softmax_forward (&p, s, t);
  g_assert_cmpfloat_with_epsilon (t[0] + t[1] + t[2], 1.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (t[0], 1.0f / (1.0f + expf (-1.0f)), 1e-6);
}

static void
test_bad_shape (void)
{
  g_autoptr (GError) error = NULL;
  MscSoftmaxParams p = { 2, 0, 4, 4 };
  g_assert_false (msc_softmax_check (&p, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "softmax"));
  g_clear_error (&error);
  p.c = 3;
  g_assert_true (msc_softmax_check (&p, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nn/activation/gradcheck", test_gradcheck);
  g_test_add_func ("/nn/activation/torch", test_torch);
  g_test_add_func ("/nn/activation/extremes", test_extremes);
  g_test_add_func ("/nn/activation/bad-shape", test_bad_shape);
  return g_test_run ();
}
