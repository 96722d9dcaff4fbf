/* tests/engine/nn/msc-gradcheck.h — finite-difference gradient checks.
 *
 * Every op's backward is checked against central differences of a scalar
 * loss L = sum_i r_i * y_i, r fixed random weights: dL/dy = r is what the
 * test feeds backward, and dL/dx from backward must match
 * (L(x + h e_j) - L(x - h e_j)) / 2h for the inspected entries j.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Runs the op forward on the current inputs, writing n_out outputs. */
typedef void (*MscGradcheckForward) (gpointer user_data, float *out);

typedef struct {
  double step;          /* h; 0 = 1e-2 (float32 forward needs a large step) */
  double rel_tol;       /* 0 = 2e-2 */
  double abs_tol;       /* 0 = 2e-3 */
  guint max_checks;     /* entries of x inspected, spread evenly; 0 = all */
} MscGradcheckOptions;

/* Deterministic values in [lo, hi) from seed. */
void     msc_gradcheck_fill_uniform (float *x, gsize n, float lo, float hi, guint32 seed);

/* Loss L = sum r_i y_i accumulated in double. */
double   msc_gradcheck_loss         (const float *y, const float *r, gsize n);

/* Compares analytic (dL/dx, n_x entries, already computed by backward with
 * dy = r) against central differences by perturbing x in place (restored
 * afterwards). Fails the running test with a message naming `what`, the
 * index, both values. opts may be NULL. */
void     msc_gradcheck_assert       (const char *what, float *x, gsize n_x, const float *analytic,
                                     MscGradcheckForward forward, gpointer user_data,
                                     const float *r, gsize n_out, const MscGradcheckOptions *opts);

G_END_DECLS
