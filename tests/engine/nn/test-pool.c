/* tests/engine/nn/test-pool.c — max, average and global average pooling:
 * gradient checks (max pool on distinct values, away from ties), PyTorch
 * parity over kernels/strides/paddings, ties and refused parameters.
 */
#include "msc-pool.h"
#include "msc-rng.h"
#include "msc-nn-error.h"
#include "msc-gradcheck.h"
#include "msc-torch-ref.h"

typedef enum { MAXP, AVGP, GAP } Op;

typedef struct {
  Op op;
  MscPool2dParams p;
  float *x;
  gint32 *argmax;
} Ctx;

static gsize
in_size (const Ctx *c)
{
  return (gsize) (c->p.n * c->p.c * c->p.h * c->p.w);
}

static gsize
out_size (const Ctx *c)
{
  if (c->op == GAP)
    return (gsize) (c->p.n * c->p.c);
  return (gsize) (c->p.n * c->p.c * msc_pool2d_out_h (&c->p) * msc_pool2d_out_w (&c->p));
}

static void
forward (gpointer user_data, float *y)
{
  Ctx *c = user_data;
  MscGlobalPoolParams g = { c->p.n, c->p.c, c->p.h, c->p.w };
  switch (c->op)
    {
    case MAXP: msc_max_pool2d_forward (&c->p, c->x, y, c->argmax); break;
    case AVGP: msc_avg_pool2d_forward (&c->p, c->x, y); break;
    case GAP: msc_global_avg_pool_forward (&g, c->x, y); break;
    }
}

static void
backward (Ctx *c, const float *dy, float *dx)
{
  MscGlobalPoolParams g = { c->p.n, c->p.c, c->p.h, c->p.w };
  switch (c->op)
    {
    case MAXP: msc_max_pool2d_backward (&c->p, c->argmax, dy, dx); break;
    case AVGP: msc_avg_pool2d_backward (&c->p, dy, dx); break;
    case GAP: msc_global_avg_pool_backward (&g, dy, dx); break;
    }
}

/* Distinct values 0.1 apart in a shuffled order: no ties, and no
 * finite-difference step can change which element is the maximum. */
static void
fill_distinct (float *x, gsize n, guint64 seed)
{
  MscRng rng;
  msc_rng_init (&rng, seed);
  for (gsize i = 0; i < n; i++)
    x[i] = 0.1f * (float) i - 0.05f * (float) n;
  for (gsize i = n - 1; i > 0; i--)
    {
      gsize j = (gsize) msc_rng_below (&rng, i + 1);
      float t = x[i];
      x[i] = x[j];
      x[j] = t;
    }
}

static const MscPool2dParams configs[] = {
  { 2, 3, 6, 7, 2, 2, 2, 2, 0, 0 },
  { 2, 3, 6, 7, 3, 3, 2, 2, 1, 1 },
  { 1, 2, 7, 5, 3, 2, 1, 2, 1, 0 },
};

static void
test_gradcheck (void)
{
  static const char *names[] = { "max pool", "avg pool", "global avg pool" };
  for (int op = MAXP; op <= GAP; op++)
    for (guint k = 0; k < G_N_ELEMENTS (configs); k++)
      {
        Ctx c = { op, configs[k], NULL, NULL };
        g_autoptr (GError) error = NULL;
        g_assert_true (msc_pool2d_check (&c.p, &error));
        gsize ni = in_size (&c), no = out_size (&c);
        g_autofree float *x = g_new (float, ni), *y = g_new (float, no);
        g_autofree float *r = g_new (float, no), *dx = g_new0 (float, ni);
        g_autofree gint32 *argmax = g_new (gint32, no);
        fill_distinct (x, ni, 3 + k);
        msc_gradcheck_fill_uniform (r, no, -1.0f, 1.0f, 30 + k);
        c.x = x;
        c.argmax = argmax;
        forward (&c, y);
        backward (&c, r, dx);
        msc_gradcheck_assert (names[op], x, ni, dx, forward, &c, r, no, NULL);
        backward (&c, r, NULL);
      }
}

static void
test_torch (void)
{
  static const char *ops[] = { "maxpool", "avgpool", "gap" };
  g_autoptr (MscTorchRef) ref = msc_torch_ref_new ();
  GPtrArray *bufs = g_ptr_array_new_with_free_func (g_free);
  for (int op = MAXP; op <= GAP; op++)
    for (guint k = 0; k < G_N_ELEMENTS (configs); k++)
      {
        Ctx c = { op, configs[k], NULL, NULL };
        gsize ni = in_size (&c), no = out_size (&c);
        float *x = g_new (float, ni), *dy = g_new (float, no);
        g_ptr_array_add (bufs, x);
        g_ptr_array_add (bufs, dy);
        msc_gradcheck_fill_uniform (x, ni, -2.0f, 2.0f, 300 + 10 * op + k);
        msc_gradcheck_fill_uniform (dy, no, -1.0f, 1.0f, 400 + 10 * op + k);
        g_autofree char *id = g_strdup_printf ("%s%u", ops[op], k);
        g_autofree char *params = g_strdup_printf ("{\"k\": [%d, %d], \"s\": [%d, %d], \"p\": [%d, %d]}",
                                                   c.p.kh, c.p.kw, c.p.sh, c.p.sw, c.p.ph, c.p.pw);
        gint64 xs[] = { c.p.n, c.p.c, c.p.h, c.p.w };
        gint64 ys[] = { c.p.n, c.p.c, msc_pool2d_out_h (&c.p), msc_pool2d_out_w (&c.p) };
        msc_torch_ref_case (ref, id, ops[op], params, "x");
        msc_torch_ref_input (ref, "x", x, xs, 4);
        msc_torch_ref_input (ref, "dy", dy, ys, op == GAP ? 2 : 4);
      }
  gboolean ran = msc_torch_ref_run (ref);
  guint b = 0;
  for (int op = MAXP; op <= GAP && ran; op++)
    for (guint k = 0; k < G_N_ELEMENTS (configs); k++)
      {
        Ctx c = { op, configs[k], bufs->pdata[b], NULL };
        const float *dy = bufs->pdata[b + 1];
        b += 2;
        gsize ni = in_size (&c), no = out_size (&c);
        g_autofree float *y = g_new (float, no), *dx = g_new0 (float, ni);
        g_autofree gint32 *argmax = g_new (gint32, no);
        c.argmax = argmax;
        forward (&c, y);
        backward (&c, dy, dx);
        g_autofree char *id = g_strdup_printf ("%s%u", ops[op], k);
        msc_torch_ref_compare (ref, id, "y", y, no, 1e-4);
        msc_torch_ref_compare (ref, id, "dx", dx, ni, 1e-3);
      }
  g_ptr_array_unref (bufs);
}

static void
test_ties (void)
{
  /* All equal: the first element of each window wins, as in PyTorch. */
  MscPool2dParams p = { 1, 1, 4, 4, 2, 2, 2, 2, 0, 0 };
  float x[16], y[4], dy[4] = { 1, 2, 3, 4 }, dx[16] = { 0 };
  gint32 argmax[4];
  for (int i = 0; i < 16; i++)
    x[i] = 1.0f;
  msc_max_pool2d_forward (&p, x, y, argmax);
  g_assert_cmpint (argmax[0], ==, 0);
  g_assert_cmpint (argmax[1], ==, 2);
  g_assert_cmpint (argmax[2], ==, 8);
  g_assert_cmpint (argmax[3], ==, 10);
  msc_max_pool2d_backward (&p, argmax, dy, dx);
  g_assert_cmpfloat (dx[10], ==, 4.0f);
  g_assert_cmpfloat (dx[11], ==, 0.0f);
  /* Padding never wins, even against negative values. */
  MscPool2dParams q = { 1, 1, 2, 2, 3, 3, 1, 1, 1, 1 };
  float xn[4] = { -5, -6, -7, -8 }, yn[4];
  gint32 an[4];
  msc_max_pool2d_forward (&q, xn, yn, an);
  g_assert_cmpfloat (yn[3], ==, -5.0f);
}

static void
test_bad_params (void)
{
  g_autoptr (GError) error = NULL;
  MscPool2dParams p = { 1, 1, 4, 4, 2, 2, 0, 2, 0, 0 };
  g_assert_false (msc_pool2d_check (&p, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID);
  g_clear_error (&error);
  p.sh = 2;
  p.ph = 2;   /* more than half the kernel */
  g_assert_false (msc_pool2d_check (&p, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "padding"));
  g_clear_error (&error);
  MscPool2dParams big = { 1, 1, 2, 2, 5, 5, 1, 1, 0, 0 };
  g_assert_false (msc_pool2d_check (&big, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE);
  g_clear_error (&error);
  MscGlobalPoolParams g = { 1, 0, 2, 2 };
  g_assert_false (msc_global_avg_pool_check (&g, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nn/pool/gradcheck", test_gradcheck);
  g_test_add_func ("/nn/pool/torch", test_torch);
  g_test_add_func ("/nn/pool/max/ties", test_ties);
  g_test_add_func ("/nn/pool/bad-params", test_bad_params);
  return g_test_run ();
}
