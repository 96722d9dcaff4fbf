/* tests/engine/nn/msc-gradcheck.c — finite-difference gradient checks. */
#include "msc-gradcheck.h"

#include <math.h>

void
msc_gradcheck_fill_uniform (float *x, gsize n, float lo, float hi, guint32 seed)
{
  GRand *rand = g_rand_new_with_seed (seed);
  for (gsize i = 0; i < n; i++)
    x[i] = (float) g_rand_double_range (rand, lo, hi);
  g_rand_free (rand);
}

double
msc_gradcheck_loss (const float *y, const float *r, gsize n)
{
  double sum = 0;
  for (gsize i = 0; i < n; i++)
    sum += (double) y[i] * r[i];
  return sum;
}

void
msc_gradcheck_assert (const char *what, float *x, gsize n_x, const float *analytic,
                      MscGradcheckForward forward, gpointer user_data,
                      const float *r, gsize n_out, const MscGradcheckOptions *opts)
{
  MscGradcheckOptions o = opts ? *opts : (MscGradcheckOptions) { 0 };
  double h = o.step > 0 ? o.step : 1e-2;
  double rel_tol = o.rel_tol > 0 ? o.rel_tol : 2e-2;
  double abs_tol = o.abs_tol > 0 ? o.abs_tol : 2e-3;
  gsize stride = (o.max_checks && n_x > o.max_checks) ? n_x / o.max_checks : 1;
  float *y = g_new (float, n_out);

  for (gsize j = 0; j < n_x; j += stride)
    {
      float saved = x[j];
      x[j] = (float) (saved + h);
      forward (user_data, y);
      double plus = msc_gradcheck_loss (y, r, n_out);
      x[j] = (float) (saved - h);
      forward (user_data, y);
      double minus = msc_gradcheck_loss (y, r, n_out);
      x[j] = saved;
      /* The step actually taken in float32, not the one asked for. */
      double taken = (double) (float) (saved + h) - (double) (float) (saved - h);
      double numeric = (plus - minus) / taken;
      double diff = fabs (numeric - analytic[j]);
      if (diff > abs_tol + rel_tol * fabs (numeric))
        {
          g_free (y);
          g_error ("%s: d/dx[%" G_GSIZE_FORMAT "] analytic %.6g, numeric %.6g (|diff| %.3g)",
                   what, j, (double) analytic[j], numeric, diff);
        }
    }
  forward (user_data, y);   /* leave outputs as for the unperturbed input */
  g_free (y);
}
