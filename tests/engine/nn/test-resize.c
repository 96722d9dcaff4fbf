/* tests/engine/nn/test-resize.c — bilinear resize (align_corners=False):
 * gradient checks and PyTorch parity for up, down, mixed and identity
 * scales, exact values at known points, refused shapes.
 */
#include "msc-resize.h"
#include "msc-nn-error.h"
#include "msc-gradcheck.h"
#include "msc-torch-ref.h"

static const MscResizeParams configs[] = {
  { 2, 2, 4, 5, 8, 10 },    /* x2 up */
  { 1, 3, 9, 7, 4, 3 },     /* down, non-integer */
  { 2, 1, 5, 6, 7, 3 },     /* up in H, down in W */
  { 1, 2, 4, 4, 4, 4 },     /* identity */
  { 1, 1, 1, 3, 3, 5 },     /* single row */
  { 1, 2, 3, 4, 13, 11 },   /* large odd factors */
};

typedef struct {
  const MscResizeParams *p;
  float *x;
} Ctx;

static void
forward (gpointer user_data, float *y)
{
  Ctx *c = user_data;
  msc_resize_forward (c->p, c->x, y);
}

static void
test_gradcheck (void)
{
  for (guint k = 0; k < G_N_ELEMENTS (configs); k++)
    {
      const MscResizeParams *p = &configs[k];
      g_assert_true (msc_resize_check (p, NULL));
      gsize ni = (gsize) (p->n * p->c * p->in_h * p->in_w), no = (gsize) (p->n * p->c * p->out_h * p->out_w);
      g_autofree float *x = g_new (float, ni), *y = g_new (float, no);
      g_autofree float *r = g_new (float, no), *dx = g_new0 (float, ni);
      msc_gradcheck_fill_uniform (x, ni, -2.0f, 2.0f, 5 + k);
      msc_gradcheck_fill_uniform (r, no, -1.0f, 1.0f, 50 + k);
      Ctx c = { p, x };
      msc_resize_forward (p, x, y);
      msc_resize_backward (p, r, dx);
      msc_gradcheck_assert ("bilinear resize", x, ni, dx, forward, &c, r, no, NULL);
    }
}

static void
test_torch (void)
{
  g_autoptr (MscTorchRef) ref = msc_torch_ref_new ();
  float *xs[G_N_ELEMENTS (configs)], *dys[G_N_ELEMENTS (configs)];
  for (guint k = 0; k < G_N_ELEMENTS (configs); k++)
    {
      const MscResizeParams *p = &configs[k];
      gint64 is[] = { p->n, p->c, p->in_h, p->in_w }, os[] = { p->n, p->c, p->out_h, p->out_w };
      gsize ni = (gsize) (p->n * p->c * p->in_h * p->in_w), no = (gsize) (p->n * p->c * p->out_h * p->out_w);
      xs[k] = g_new (float, ni);
      dys[k] = g_new (float, no);
      msc_gradcheck_fill_uniform (xs[k], ni, -2.0f, 2.0f, 500 + k);
      msc_gradcheck_fill_uniform (dys[k], no, -1.0f, 1.0f, 600 + k);
      g_autofree char *id = g_strdup_printf ("resize%u", k);
      g_autofree char *params = g_strdup_printf ("{\"out_h\": %" G_GINT64_FORMAT ", \"out_w\": %" G_GINT64_FORMAT "}",
                                                 p->out_h, p->out_w);
      msc_torch_ref_case (ref, id, "resize", params, "x");
      msc_torch_ref_input (ref, "x", xs[k], is, 4);
      msc_torch_ref_input (ref, "dy", dys[k], os, 4);
    }
  gboolean ran = msc_torch_ref_run (ref);
  for (guint k = 0; k < G_N_ELEMENTS (configs); k++)
    {
      const MscResizeParams *p = &configs[k];
      gsize ni = (gsize) (p->n * p->c * p->in_h * p->in_w), no = (gsize) (p->n * p->c * p->out_h * p->out_w);
      if (ran)
        {
          g_autofree float *y = g_new (float, no), *dx = g_new0 (float, ni);
          msc_resize_forward (p, xs[k], y);
          msc_resize_backward (p, dys[k], dx);
          g_autofree char *id = g_strdup_printf ("resize%u", k);
          msc_torch_ref_compare (ref, id, "y", y, no, 1e-4);
          msc_torch_ref_compare (ref, id, "dx", dx, ni, 1e-3);
        }
      g_free (xs[k]);
      g_free (dys[k]);
    }
}

static void
test_values (void)
{
  /* 1x2 -> 1x4: half-pixel centres give 0.25 steps clamped at the ends. */
  MscResizeParams p = { 1, 1, 1, 2, 1, 4 };
  float x[2] = { 0.0f, 4.0f }, y[4];
  msc_resize_forward (&p, x, y);
  g_assert_cmpfloat_with_epsilon (y[0], 0.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (y[1], 1.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (y[2], 3.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (y[3], 4.0f, 1e-6);
  /* The gradient of a resize sums to the sum of dy (weights sum to 1). */
  float dy[4] = { 1, 1, 1, 1 }, dx[2] = { 0, 0 };
  msc_resize_backward (&p, dy, dx);
  g_assert_cmpfloat_with_epsilon (dx[0] + dx[1], 4.0f, 1e-6);
}

static void
test_bad_shape (void)
{
  g_autoptr (GError) error = NULL;
  MscResizeParams p = { 1, 1, 4, 4, 0, 8 };
  g_assert_false (msc_resize_check (&p, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "out_h"));
  g_clear_error (&error);
  MscResizeParams huge = { 1 << 20, 1 << 20, 1 << 20, 1 << 20, 4, 4 };
  g_assert_false (msc_resize_check (&huge, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nn/resize/gradcheck", test_gradcheck);
  g_test_add_func ("/nn/resize/torch", test_torch);
  g_test_add_func ("/nn/resize/values", test_values);
  g_test_add_func ("/nn/resize/bad-shape", test_bad_shape);
  return g_test_run ();
}
