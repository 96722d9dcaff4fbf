/* engine/nn/msc-blas.c — thin wrapper over OpenBLAS's cblas_sgemm.
 *
 * The only file in the project that includes cblas.h (STYLE.md rule 6).
 */
#include "msc-blas.h"

#include <cblas.h>

void
msc_sgemm (gboolean trans_a, gboolean trans_b,
           gint64 m, gint64 n, gint64 k,
           float alpha, const float *a, gint64 lda,
           const float *b, gint64 ldb,
           float beta, float *c, gint64 ldc)
{
  g_return_if_fail (m >= 0 && n >= 0 && k >= 0);
  g_return_if_fail (m <= G_MAXINT && n <= G_MAXINT && k <= G_MAXINT);
  g_return_if_fail (lda <= G_MAXINT && ldb <= G_MAXINT && ldc <= G_MAXINT);

  if (m == 0 || n == 0)
    return;
  cblas_sgemm (CblasRowMajor,
               trans_a ? CblasTrans : CblasNoTrans,
               trans_b ? CblasTrans : CblasNoTrans,
               (int) m, (int) n, (int) k,
               alpha, a, (int) lda, b, (int) ldb,
               beta, c, (int) ldc);
}

void
msc_blas_set_threads (int n)
{
  openblas_set_num_threads (n < 1 ? 1 : n);
}

int
msc_blas_get_threads (void)
{
  return openblas_get_num_threads ();
}
