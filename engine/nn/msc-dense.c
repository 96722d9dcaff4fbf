/* engine/nn/msc-dense.c — fully connected layer over msc_sgemm. */
#include "msc-dense.h"

#include "msc-blas.h"
#include "msc-nn-error.h"

gboolean
msc_dense_params_check (const MscDenseParams *p, GError **error)
{
  gsize a, b, c;

  if (p->n < 1 || p->in < 1 || p->out < 1)
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID,
                   "dense: sizes n %" G_GINT64_FORMAT ", in %" G_GINT64_FORMAT
                   ", out %" G_GINT64_FORMAT " must all be >= 1", p->n, p->in, p->out);
      return FALSE;
    }
  /* Every dimension goes to cblas as int; every buffer must be addressable
   * (bytes <= G_MAXSSIZE, as for any object). */
  if (p->n > G_MAXINT || p->in > G_MAXINT || p->out > G_MAXINT
      || !g_size_checked_mul (&a, (gsize) p->n, (gsize) p->in)
      || !g_size_checked_mul (&b, (gsize) p->out, (gsize) p->in)
      || !g_size_checked_mul (&c, (gsize) p->n, (gsize) p->out)
      || !g_size_checked_mul (&a, a, sizeof (float))
      || !g_size_checked_mul (&b, b, sizeof (float))
      || !g_size_checked_mul (&c, c, sizeof (float))
      || a > G_MAXSSIZE || b > G_MAXSSIZE || c > G_MAXSSIZE)
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE,
                   "dense: sizes n %" G_GINT64_FORMAT ", in %" G_GINT64_FORMAT
                   ", out %" G_GINT64_FORMAT " too large", p->n, p->in, p->out);
      return FALSE;
    }
  return TRUE;
}

void
msc_dense_forward (const MscDenseParams *p, const float *x, const float *w, const float *b,
                   float *y)
{
  if (b)
    for (gint64 i = 0; i < p->n; i++)
      for (gint64 o = 0; o < p->out; o++)
        y[i * p->out + o] = b[o];
  /* y (n, out) = x (n, in) w^T (in, out) [+ b] */
  msc_sgemm (FALSE, TRUE, p->n, p->out, p->in, 1.0f, x, p->in, w, p->in,
             b ? 1.0f : 0.0f, y, p->out);
}

void
msc_dense_backward (const MscDenseParams *p, const float *x, const float *w, const float *dy,
                    float *dx, float *dw, float *db)
{
  /* dx (n, in) += dy (n, out) w (out, in) */
  if (dx)
    msc_sgemm (FALSE, FALSE, p->n, p->in, p->out, 1.0f, dy, p->out, w, p->in, 1.0f, dx, p->in);
  /* dw (out, in) += dy^T (out, n) x (n, in) */
  if (dw)
    msc_sgemm (TRUE, FALSE, p->out, p->in, p->n, 1.0f, dy, p->out, x, p->in, 1.0f, dw, p->in);
  if (db)
    for (gint64 o = 0; o < p->out; o++)
      {
        double s = 0;
        for (gint64 i = 0; i < p->n; i++)
          s += dy[i * p->out + o];
        db[o] += (float) s;
      }
}
