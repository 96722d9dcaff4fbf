/* tests/engine/nn/test-conv-transpose.c — transposed conv2d: gradient
 * checks, PyTorch parity, accumulation, parameter refusal.
 */
#include "msc-conv.h"
#include "msc-gradcheck.h"
#include "msc-nn-error.h"
#include "torch-ref.h"

typedef struct {
  const char *name;
  /* n, c_in, h_in, w_in, c_out, kh, kw, stride, pad, out_pad, dil, groups */
  MscConvTranspose2dParams p;
  gboolean bias;
} TconvCase;

static const TconvCase cases[] = {
  { "up2x2", { 1, 3, 4, 5, 2, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 1 }, TRUE },
  { "stride2-outpad", { 2, 3, 4, 4, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1 }, TRUE },
  { "stride3-outpad2", { 1, 2, 3, 4, 3, 3, 2, 3, 3, 1, 0, 2, 1, 1, 1, 1 }, FALSE },
  { "dilated", { 1, 2, 4, 4, 2, 3, 3, 1, 1, 1, 1, 0, 0, 2, 2, 1 }, TRUE },
  { "groups2", { 1, 4, 3, 5, 6, 3, 3, 2, 1, 1, 0, 1, 0, 1, 1, 2 }, TRUE },
  { "pointwise", { 2, 3, 3, 4, 5, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1 }, TRUE },
  { "nonsquare", { 1, 2, 3, 5, 3, 2, 4, 1, 2, 0, 1, 0, 1, 1, 1, 1 }, TRUE },
  /* K = 576 column rows of 300: one input row per column tile, 4 tiles,
   * whose scattered outputs overlap. */
  { "tiled", { 1, 2, 4, 300, 64, 3, 3, 1, 1, 1, 1, 0, 0, 1, 1, 1 }, TRUE },
  /* Strided, tiles of 3, 3 and 1 input rows. */
  { "tiled-stride2", { 1, 2, 7, 200, 48, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1 }, FALSE },
};

typedef struct {
  MscConvTranspose2dParams p;
  gboolean bias;
  gsize n_x, n_w, n_b, n_y;
  float *x, *w, *b, *y, *dy, *scratch, *dx, *dw, *db;
} Tconv;

static Tconv *
tconv_new (const MscConvTranspose2dParams *p, gboolean bias, guint32 seed)
{
  g_autoptr (GError) error = NULL;
  Tconv *c = g_new0 (Tconv, 1);
  gint64 ho, wo;

  g_assert_true (msc_conv_transpose2d_params_check (p, &error));
  g_assert_no_error (error);
  c->p = *p;
  c->bias = bias;
  msc_conv_transpose2d_output_hw (p, &ho, &wo);
  c->n_x = p->n * p->c_in * p->h_in * p->w_in;
  c->n_w = p->c_in * (p->c_out / p->groups) * p->kh * p->kw;
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
  c->scratch = g_new (float, msc_conv_transpose2d_scratch_floats (p) + 1);
  msc_gradcheck_fill_uniform (c->x, c->n_x, -1, 1, seed);
  msc_gradcheck_fill_uniform (c->w, c->n_w, -1, 1, seed + 1);
  msc_gradcheck_fill_uniform (c->b, c->n_b, -1, 1, seed + 2);
  msc_gradcheck_fill_uniform (c->dy, c->n_y, -1, 1, seed + 3);
  return c;
}

static void
tconv_free (Tconv *c)
{
  g_free (c->x), g_free (c->w), g_free (c->b), g_free (c->y), g_free (c->dy);
  g_free (c->dx), g_free (c->dw), g_free (c->db), g_free (c->scratch);
  g_free (c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Tconv, tconv_free)

static void
tconv_forward (gpointer user_data, float *out)
{
  Tconv *c = user_data;
  msc_conv_transpose2d_forward (&c->p, c->x, c->w, c->bias ? c->b : NULL, out, c->scratch, NULL);
}

static void
test_gradcheck (gconstpointer data)
{
  const TconvCase *tc = data;
  g_autoptr (Tconv) c = tconv_new (&tc->p, tc->bias, 5);
  MscGradcheckOptions opts = { .max_checks = 60 };

  msc_conv_transpose2d_backward (&c->p, c->x, c->w, c->dy, c->dx, c->dw,
                                 tc->bias ? c->db : NULL, c->scratch, NULL);
  msc_gradcheck_assert ("tconv dx", c->x, c->n_x, c->dx, tconv_forward, c, c->dy, c->n_y, &opts);
  msc_gradcheck_assert ("tconv dw", c->w, c->n_w, c->dw, tconv_forward, c, c->dy, c->n_y, &opts);
  if (tc->bias)
    msc_gradcheck_assert ("tconv db", c->b, c->n_b, c->db, tconv_forward, c, c->dy, c->n_y, &opts);
}

static void
test_torch_parity (void)
{
  g_autoptr (GString) spec = g_string_new ("{\"cases\": [");
  g_autoptr (GPtrArray) convs = g_ptr_array_new_with_free_func ((GDestroyNotify) tconv_free);
  g_autoptr (GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const MscConvTranspose2dParams *p = &cases[i].p;
      Tconv *c = tconv_new (p, cases[i].bias, 200 + i);
      g_autofree char *name = g_strdup_printf ("tconv-%s", cases[i].name);
      char *dir = ref_case_dir (name);
      ref_write (dir, "x", c->x, c->n_x);
      ref_write (dir, "w", c->w, c->n_w);
      ref_write (dir, "b", c->b, c->n_b);
      ref_write (dir, "dy", c->dy, c->n_y);
      g_string_append_printf (spec,
        "%s{\"op\": \"conv_transpose2d\", \"dir\": \"%s\", \"bias\": %s, \"params\": "
        "{\"n\": %" G_GINT64_FORMAT ", \"c_in\": %" G_GINT64_FORMAT ", \"h_in\": %" G_GINT64_FORMAT
        ", \"w_in\": %" G_GINT64_FORMAT ", \"c_out\": %" G_GINT64_FORMAT ", \"kh\": %" G_GINT64_FORMAT
        ", \"kw\": %" G_GINT64_FORMAT ", \"stride_h\": %" G_GINT64_FORMAT ", \"stride_w\": %" G_GINT64_FORMAT
        ", \"pad_h\": %" G_GINT64_FORMAT ", \"pad_w\": %" G_GINT64_FORMAT
        ", \"out_pad_h\": %" G_GINT64_FORMAT ", \"out_pad_w\": %" G_GINT64_FORMAT
        ", \"dil_h\": %" G_GINT64_FORMAT ", \"dil_w\": %" G_GINT64_FORMAT ", \"groups\": %" G_GINT64_FORMAT "}}",
        i ? ", " : "", dir, c->bias ? "true" : "false",
        p->n, p->c_in, p->h_in, p->w_in, p->c_out, p->kh, p->kw, p->stride_h, p->stride_w,
        p->pad_h, p->pad_w, p->out_pad_h, p->out_pad_w, p->dil_h, p->dil_w, p->groups);
      g_ptr_array_add (convs, c);
      g_ptr_array_add (dirs, dir);
    }
  g_string_append (spec, "]}");
  if (!ref_run (spec->str, NULL))
    return;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Tconv *c = g_ptr_array_index (convs, i);
      const char *dir = g_ptr_array_index (dirs, i);
      g_autofree float *y = ref_read (dir, "y", c->n_y);
      g_autofree float *dx = ref_read (dir, "dx", c->n_x);
      g_autofree float *dw = ref_read (dir, "dw", c->n_w);
      g_test_message ("conv_transpose2d %s", cases[i].name);
      tconv_forward (c, c->y);
      ref_assert_close (cases[i].name, c->y, y, c->n_y, 1e-4);
      msc_conv_transpose2d_backward (&c->p, c->x, c->w, c->dy, c->dx, c->dw,
                                     c->bias ? c->db : NULL, c->scratch, NULL);
      ref_assert_close (cases[i].name, c->dx, dx, c->n_x, 1e-3);
      ref_assert_close (cases[i].name, c->dw, dw, c->n_w, 1e-3);
      if (c->bias)
        {
          g_autofree float *db = ref_read (dir, "db", c->n_b);
          ref_assert_close (cases[i].name, c->db, db, c->n_b, 1e-3);
        }
    }
}

static void
test_accumulates (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (Tconv) c = tconv_new (&cases[i].p, TRUE, 9);
      g_autofree float *dx1 = g_new0 (float, c->n_x);
      g_autofree float *dw1 = g_new0 (float, c->n_w);
      g_autofree float *db1 = g_new0 (float, c->n_b);

      msc_conv_transpose2d_backward (&c->p, c->x, c->w, c->dy, c->dx, c->dw, c->db, c->scratch, NULL);
      msc_conv_transpose2d_backward (&c->p, c->x, c->w, c->dy, c->dx, NULL, NULL, c->scratch, NULL);
      msc_conv_transpose2d_backward (&c->p, c->x, c->w, c->dy, NULL, c->dw, c->db, c->scratch, NULL);
      msc_conv_transpose2d_backward (&c->p, c->x, c->w, c->dy, dx1, dw1, db1, c->scratch, NULL);
      for (gsize k = 0; k < c->n_x; k++)
        g_assert_cmpfloat_with_epsilon (c->dx[k], 2 * dx1[k], 1e-4);
      for (gsize k = 0; k < c->n_w; k++)
        g_assert_cmpfloat_with_epsilon (c->dw[k], 2 * dw1[k], 1e-4);
      for (gsize k = 0; k < c->n_b; k++)
        g_assert_cmpfloat_with_epsilon (c->db[k], 2 * db1[k], 1e-4);
    }
}

static void
expect_refused (MscConvTranspose2dParams p, int code)
{
  g_autoptr (GError) error = NULL;
  g_assert_false (msc_conv_transpose2d_params_check (&p, &error));
  g_assert_error (error, MSC_NN_ERROR, code);
  g_test_message ("refused: %s", error->message);
}

static void
test_bad_params (void)
{
  const MscConvTranspose2dParams ok = { 1, 4, 8, 8, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1 };
  MscConvTranspose2dParams p;

  g_assert_true (msc_conv_transpose2d_params_check (&ok, NULL));
  p = ok, p.c_out = 0;                   expect_refused (p, MSC_NN_ERROR_INVALID);
  p = ok, p.stride_h = 0;                expect_refused (p, MSC_NN_ERROR_INVALID);
  p = ok, p.out_pad_w = -1;              expect_refused (p, MSC_NN_ERROR_INVALID);
  p = ok, p.out_pad_h = 2;               expect_refused (p, MSC_NN_ERROR_INVALID);
  p = ok, p.stride_w = 1, p.out_pad_w = 1; expect_refused (p, MSC_NN_ERROR_INVALID);
  p = ok, p.groups = 3;                  expect_refused (p, MSC_NN_ERROR_SHAPE);
  /* Padding eats the whole output: (1 - 1) * 1 - 2 * 2 + 2 + 0 + 1 < 1. */
  p = ok, p.h_in = 1, p.stride_h = 1, p.out_pad_h = 0, p.pad_h = 2;
  expect_refused (p, MSC_NN_ERROR_SHAPE);
  p = ok, p.n = 1 << 30, p.c_in = 1 << 30, p.c_out = 1 << 30;
  expect_refused (p, MSC_NN_ERROR_SHAPE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/nn/conv-transpose/backward/%s", cases[i].name);
      g_test_add_data_func (path, &cases[i], test_gradcheck);
    }
  g_test_add_func ("/nn/conv-transpose/torch-parity", test_torch_parity);
  g_test_add_func ("/nn/conv-transpose/backward/accumulates", test_accumulates);
  g_test_add_func ("/nn/conv-transpose/bad-params", test_bad_params);
  return g_test_run ();
}
