/* tests/engine/nn/test-dense.c — fully connected layer: gradient checks,
 * PyTorch parity, accumulation, parameter refusal.
 */
#include "msc-dense.h"
#include "msc-gradcheck.h"
#include "msc-nn-error.h"
#include "torch-ref.h"

static const MscDenseParams shapes[] = {
  { 1, 7, 3 }, { 4, 5, 6 }, { 3, 1, 1 }, { 2, 33, 17 },
};

typedef struct {
  MscDenseParams p;
  gboolean bias;
  gsize n_x, n_w, n_y;
  float *x, *w, *b, *y, *dy, *dx, *dw, *db;
} Dense;

static Dense *
dense_new (const MscDenseParams *p, gboolean bias, guint32 seed)
{
  Dense *d = g_new0 (Dense, 1);
  g_assert_true (msc_dense_params_check (p, NULL));
  d->p = *p;
  d->bias = bias;
  d->n_x = p->n * p->in;
  d->n_w = p->out * p->in;
  d->n_y = p->n * p->out;
  d->x = g_new (float, d->n_x);
  d->w = g_new (float, d->n_w);
  d->b = g_new (float, p->out);
  d->y = g_new (float, d->n_y);
  d->dy = g_new (float, d->n_y);
  d->dx = g_new0 (float, d->n_x);
  d->dw = g_new0 (float, d->n_w);
  d->db = g_new0 (float, p->out);
  msc_gradcheck_fill_uniform (d->x, d->n_x, -1, 1, seed);
  msc_gradcheck_fill_uniform (d->w, d->n_w, -1, 1, seed + 1);
  msc_gradcheck_fill_uniform (d->b, p->out, -1, 1, seed + 2);
  msc_gradcheck_fill_uniform (d->dy, d->n_y, -1, 1, seed + 3);
  return d;
}

static void
dense_free (Dense *d)
{
  g_free (d->x), g_free (d->w), g_free (d->b), g_free (d->y), g_free (d->dy);
  g_free (d->dx), g_free (d->dw), g_free (d->db);
  g_free (d);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Dense, dense_free)

static void
dense_forward (gpointer user_data, float *out)
{
  Dense *d = user_data;
  msc_dense_forward (&d->p, d->x, d->w, d->bias ? d->b : NULL, out);
}

static void
test_gradcheck (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      g_autoptr (Dense) d = dense_new (&shapes[i], i != 2, 3);
      msc_dense_backward (&d->p, d->x, d->w, d->dy, d->dx, d->dw, d->bias ? d->db : NULL);
      msc_gradcheck_assert ("dense dx", d->x, d->n_x, d->dx, dense_forward, d, d->dy, d->n_y, NULL);
      msc_gradcheck_assert ("dense dw", d->w, d->n_w, d->dw, dense_forward, d, d->dy, d->n_y, NULL);
      if (d->bias)
        msc_gradcheck_assert ("dense db", d->b, d->p.out, d->db, dense_forward, d, d->dy, d->n_y, NULL);
    }
}

static void
test_torch_parity (void)
{
  g_autoptr (GString) spec = g_string_new ("{\"cases\": [");
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) dense_free);
  g_autoptr (GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      Dense *d = dense_new (&shapes[i], i != 2, 40 + i);
      g_autofree char *name = g_strdup_printf ("dense-%u", i);
      char *dir = ref_case_dir (name);
      ref_write (dir, "x", d->x, d->n_x);
      ref_write (dir, "w", d->w, d->n_w);
      ref_write (dir, "b", d->b, d->p.out);
      ref_write (dir, "dy", d->dy, d->n_y);
      g_string_append_printf (spec, "%s{\"op\": \"dense\", \"dir\": \"%s\", \"bias\": %s, \"params\": "
                              "{\"n\": %" G_GINT64_FORMAT ", \"in\": %" G_GINT64_FORMAT
                              ", \"out\": %" G_GINT64_FORMAT "}}", i ? ", " : "", dir,
                              d->bias ? "true" : "false", d->p.n, d->p.in, d->p.out);
      g_ptr_array_add (all, d);
      g_ptr_array_add (dirs, dir);
    }
  g_string_append (spec, "]}");
  if (!ref_run (spec->str, NULL))
    return;
  for (guint i = 0; i < all->len; i++)
    {
      Dense *d = g_ptr_array_index (all, i);
      const char *dir = g_ptr_array_index (dirs, i);
      g_autofree float *y = ref_read (dir, "y", d->n_y);
      g_autofree float *dx = ref_read (dir, "dx", d->n_x);
      g_autofree float *dw = ref_read (dir, "dw", d->n_w);
      dense_forward (d, d->y);
      ref_assert_close ("dense y", d->y, y, d->n_y, 1e-4);
      msc_dense_backward (&d->p, d->x, d->w, d->dy, d->dx, d->dw, d->bias ? d->db : NULL);
      ref_assert_close ("dense dx", d->dx, dx, d->n_x, 1e-3);
      ref_assert_close ("dense dw", d->dw, dw, d->n_w, 1e-3);
      if (d->bias)
        {
          g_autofree float *db = ref_read (dir, "db", d->p.out);
          ref_assert_close ("dense db", d->db, db, d->p.out, 1e-3);
        }
    }
}

static void
test_accumulates (void)
{
  g_autoptr (Dense) d = dense_new (&shapes[1], TRUE, 8);
  g_autofree float *dx1 = g_new0 (float, d->n_x);
  g_autofree float *dw1 = g_new0 (float, d->n_w);
  g_autofree float *db1 = g_new0 (float, d->p.out);

  msc_dense_backward (&d->p, d->x, d->w, d->dy, d->dx, d->dw, d->db);
  msc_dense_backward (&d->p, d->x, d->w, d->dy, d->dx, NULL, NULL);
  msc_dense_backward (&d->p, d->x, d->w, d->dy, NULL, d->dw, d->db);
  msc_dense_backward (&d->p, d->x, d->w, d->dy, dx1, dw1, db1);
  for (gsize k = 0; k < d->n_x; k++)
    g_assert_cmpfloat_with_epsilon (d->dx[k], 2 * dx1[k], 1e-5);
  for (gsize k = 0; k < d->n_w; k++)
    g_assert_cmpfloat_with_epsilon (d->dw[k], 2 * dw1[k], 1e-5);
  for (gint64 k = 0; k < d->p.out; k++)
    g_assert_cmpfloat_with_epsilon (d->db[k], 2 * db1[k], 1e-5);
}

static void
test_bad_params (void)
{
  const MscDenseParams bad[] = {
    { 0, 3, 3 }, { 1, -2, 3 }, { 1, 3, 0 },
  };
  const MscDenseParams huge[] = {
    { (gint64) G_MAXINT + 1, 3, 3 }, { G_MAXINT, G_MAXINT, 1 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_false (msc_dense_params_check (&bad[i], &error));
      g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID);
    }
  for (guint i = 0; i < G_N_ELEMENTS (huge); i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_false (msc_dense_params_check (&huge[i], &error));
      g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nn/dense/backward", test_gradcheck);
  g_test_add_func ("/nn/dense/torch-parity", test_torch_parity);
  g_test_add_func ("/nn/dense/backward/accumulates", test_accumulates);
  g_test_add_func ("/nn/dense/bad-params", test_bad_params);
  return g_test_run ();
}
