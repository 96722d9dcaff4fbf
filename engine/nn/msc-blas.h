/* engine/nn/msc-blas.h — the engine's one door to BLAS.
 *
 * Every GEMM in engine/nn goes through msc_sgemm so that only msc-blas.c
 * sees cblas.h (and OpenBLAS's thread-count knobs stay in one place).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* C (M, N) = alpha * op(A) (M, K) * op(B) (K, N) + beta * C, all row-major.
 * op(X) is X or X^T by trans_*; lda/ldb/ldc are row strides of the stored
 * matrices (A is (M, K) or (K, M) as stored). Sizes must fit in int, which
 * the params checks of the callers guarantee. */
void msc_sgemm (gboolean trans_a, gboolean trans_b,
                gint64 m, gint64 n, gint64 k,
                float alpha, const float *a, gint64 lda,
                const float *b, gint64 ldb,
                float beta, float *c, gint64 ldc);

/* OpenBLAS's own worker count (process-wide: it is OpenBLAS's state, not
 * ours). n < 1 is taken as 1. */
void msc_blas_set_threads (int n);
int  msc_blas_get_threads (void);

G_END_DECLS
