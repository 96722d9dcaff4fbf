/* tests/engine/nn/test-norm.c — batch norm (training and eval) and group
 * norm: gradient checks for x, gamma and beta, PyTorch parity including the
 * running statistics after a training step, and refused shapes.
 */
#include "msc-norm.h"
#include "msc-nn-error.h"
#include "msc-gradcheck.h"
#include "msc-torch-ref.h"

typedef enum { BN_TRAIN, BN_EVAL, GN } Mode;

typedef struct {
  Mode mode;
  MscBatchNormParams bn;
  MscGroupNormParams gn;
  float *x, *gamma, *beta, *rmean, *rvar, *saved;
} Ctx;

static void
forward (gpointer user_data, float *y)
{
  Ctx *c = user_data;
  switch (c->mode)
    {
    case BN_TRAIN:   /* running stats are not part of the checked function */
      msc_batch_norm_forward_train (&c->bn, c->x, c->gamma, c->beta, NULL, NULL, y, c->saved);
      break;
    case BN_EVAL:
      msc_batch_norm_forward_eval (&c->bn, c->x, c->gamma, c->beta, c->rmean, c->rvar, y);
      break;
    case GN:
      msc_group_norm_forward (&c->gn, c->x, c->gamma, c->beta, y, c->saved);
      break;
    }
}

static void
backward (Ctx *c, const float *dy, float *dx, float *dgamma, float *dbeta)
{
  switch (c->mode)
    {
    case BN_TRAIN:
      msc_batch_norm_backward_train (&c->bn, c->x, c->gamma, c->saved, dy, dx, dgamma, dbeta);
      break;
    case BN_EVAL:
      msc_batch_norm_backward_eval (&c->bn, c->x, c->gamma, c->rmean, c->rvar, dy, dx, dgamma, dbeta);
      break;
    case GN:
      msc_group_norm_backward (&c->gn, c->x, c->gamma, c->saved, dy, dx, dgamma, dbeta);
      break;
    }
}

/* Buffers for shape (N, C, H, W), filled deterministically from seed. */
typedef struct {
  gsize n, c;
  float *x, *gamma, *beta, *rmean, *rvar, *saved, *dy;
} Bufs;

static void
bufs_init (Bufs *b, gint64 n, gint64 c, gint64 h, gint64 w, guint32 seed)
{
  b->n = (gsize) (n * c * h * w);
  b->c = (gsize) c;
  b->x = g_new (float, b->n);
  b->dy = g_new (float, b->n);
  b->gamma = g_new (float, c);
  b->beta = g_new (float, c);
  b->rmean = g_new (float, c);
  b->rvar = g_new (float, c);
  b->saved = g_new0 (float, 2 * n * c);   /* enough for BN (2C) and GN (2NG) */
  msc_gradcheck_fill_uniform (b->x, b->n, -2.0f, 3.0f, seed);
  msc_gradcheck_fill_uniform (b->dy, b->n, -1.0f, 1.0f, seed + 1);
  msc_gradcheck_fill_uniform (b->gamma, b->c, 0.5f, 1.5f, seed + 2);
  msc_gradcheck_fill_uniform (b->beta, b->c, -0.5f, 0.5f, seed + 3);
  msc_gradcheck_fill_uniform (b->rmean, b->c, -0.5f, 0.5f, seed + 4);
  msc_gradcheck_fill_uniform (b->rvar, b->c, 0.5f, 2.0f, seed + 5);
}

static void
bufs_clear (Bufs *b)
{
  g_free (b->x); g_free (b->dy); g_free (b->gamma); g_free (b->beta);
  g_free (b->rmean); g_free (b->rvar); g_free (b->saved);
}

static void
gradcheck_mode (Mode mode)
{
  static const char *names[] = { "batch norm train", "batch norm eval", "group norm" };
  Bufs b;
  bufs_init (&b, 2, 4, 3, 3, 7 + mode);
  Ctx c = { mode, { 2, 4, 3, 3, 1e-5f, 0.1f }, { 2, 4, 3, 3, 2, 1e-5f },
            b.x, b.gamma, b.beta, b.rmean, b.rvar, b.saved };
  g_autofree float *y = g_new (float, b.n), *dx = g_new0 (float, b.n);
  g_autofree float *dg = g_new0 (float, b.c), *db = g_new0 (float, b.c);
  forward (&c, y);
  backward (&c, b.dy, dx, dg, db);
  g_autofree char *wx = g_strdup_printf ("%s dx", names[mode]);
  g_autofree char *wg = g_strdup_printf ("%s dgamma", names[mode]);
  g_autofree char *wb = g_strdup_printf ("%s dbeta", names[mode]);
  msc_gradcheck_assert (wx, b.x, b.n, dx, forward, &c, b.dy, b.n, NULL);
  msc_gradcheck_assert (wg, b.gamma, b.c, dg, forward, &c, b.dy, b.n, NULL);
  msc_gradcheck_assert (wb, b.beta, b.c, db, forward, &c, b.dy, b.n, NULL);
  bufs_clear (&b);
}

static void
test_gradcheck_bn_train (void)
{
  gradcheck_mode (BN_TRAIN);
}

static void
test_gradcheck_bn_eval (void)
{
  gradcheck_mode (BN_EVAL);
}

static void
test_gradcheck_gn (void)
{
  gradcheck_mode (GN);
}

static void
test_torch (void)
{
  static const char *ids[] = { "bn_train", "bn_eval", "gn" };
  static const char *ops[] = { "batchnorm_train", "batchnorm_eval", "groupnorm" };
  gint64 shape[] = { 3, 6, 5, 4 }, cshape[] = { 6 };
  Bufs b[3];
  g_autoptr (MscTorchRef) ref = msc_torch_ref_new ();
  for (int m = 0; m < 3; m++)
    {
      bufs_init (&b[m], 3, 6, 5, 4, 50 + 10 * m);
      g_autofree char *params = g_strdup ("{\"eps\": 1e-5, \"momentum\": 0.1, \"groups\": 3}");
      msc_torch_ref_case (ref, ids[m], ops[m], params, "x,gamma,beta");
      msc_torch_ref_input (ref, "x", b[m].x, shape, 4);
      msc_torch_ref_input (ref, "dy", b[m].dy, shape, 4);
      msc_torch_ref_input (ref, "gamma", b[m].gamma, cshape, 1);
      msc_torch_ref_input (ref, "beta", b[m].beta, cshape, 1);
      msc_torch_ref_input (ref, "running_mean", b[m].rmean, cshape, 1);
      msc_torch_ref_input (ref, "running_var", b[m].rvar, cshape, 1);
    }
  gboolean ran = msc_torch_ref_run (ref);
  for (int m = 0; m < 3 && ran; m++)
    {
      Ctx c = { m, { 3, 6, 5, 4, 1e-5f, 0.1f }, { 3, 6, 5, 4, 3, 1e-5f },
                b[m].x, b[m].gamma, b[m].beta, b[m].rmean, b[m].rvar, b[m].saved };
      g_autofree float *y = g_new (float, b[m].n), *dx = g_new0 (float, b[m].n);
      g_autofree float *dg = g_new0 (float, 6), *db = g_new0 (float, 6);
      if (m == BN_TRAIN)
        msc_batch_norm_forward_train (&c.bn, c.x, c.gamma, c.beta, c.rmean, c.rvar, y, c.saved);
      else
        forward (&c, y);
      backward (&c, b[m].dy, dx, dg, db);
      msc_torch_ref_compare (ref, ids[m], "y", y, b[m].n, 1e-4);
      msc_torch_ref_compare (ref, ids[m], "dx", dx, b[m].n, 1e-3);
      msc_torch_ref_compare (ref, ids[m], "dgamma", dg, 6, 1e-3);
      msc_torch_ref_compare (ref, ids[m], "dbeta", db, 6, 1e-3);
      if (m == BN_TRAIN)
        {
          msc_torch_ref_compare (ref, ids[m], "running_mean", c.rmean, 6, 1e-5);
          msc_torch_ref_compare (ref, ids[m], "running_var", c.rvar, 6, 1e-5);
        }
    }
  for (int m = 0; m < 3; m++)
    bufs_clear (&b[m]);
}

static void
test_bad_params (void)
{
  g_autoptr (GError) error = NULL;
  MscBatchNormParams bn = { 1, 4, 1, 1, 1e-5f, 0.1f };
  g_assert_true (msc_batch_norm_check (&bn, FALSE, &error));
  /* One value per channel: no unbiased variance in training. */
  g_assert_false (msc_batch_norm_check (&bn, TRUE, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE);
  g_clear_error (&error);
  bn.n = 2;
  bn.momentum = 1.5f;
  g_assert_false (msc_batch_norm_check (&bn, TRUE, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID);
  g_clear_error (&error);
  bn.momentum = 0.1f;
  bn.eps = 0.0f;
  g_assert_false (msc_batch_norm_check (&bn, TRUE, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID);
  g_clear_error (&error);
  bn.eps = 1e-5f;
  bn.c = 0;
  g_assert_false (msc_batch_norm_check (&bn, FALSE, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE);
  g_clear_error (&error);

  MscGroupNormParams gn = { 2, 6, 4, 4, 4, 1e-5f };
  g_assert_false (msc_group_norm_check (&gn, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "groups"));
  g_clear_error (&error);
  gn.groups = 0;
  g_assert_false (msc_group_norm_check (&gn, &error));
  g_clear_error (&error);
  gn.groups = 3;
  gn.h = G_MAXINT64 / 8;
  g_assert_false (msc_group_norm_check (&gn, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE);
  g_clear_error (&error);
  gn.h = 4;
  g_assert_true (msc_group_norm_check (&gn, &error));
  g_assert_cmpuint (msc_group_norm_scratch_floats (&gn), ==, 12);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nn/norm/batch/gradcheck-train", test_gradcheck_bn_train);
  g_test_add_func ("/nn/norm/batch/gradcheck-eval", test_gradcheck_bn_eval);
  g_test_add_func ("/nn/norm/group/gradcheck", test_gradcheck_gn);
  g_test_add_func ("/nn/norm/torch", test_torch);
  g_test_add_func ("/nn/norm/bad-params", test_bad_params);
  return g_test_run ();
}
