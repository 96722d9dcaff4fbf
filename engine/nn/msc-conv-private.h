/* engine/nn/msc-conv-private.h — kernels shared inside the conv files only.
 *
 * Not installed and not part of msc-conv.h's API: msc-conv.c picks between
 * these and its im2col + GEMM paths.
 */
#pragma once

#include <glib.h>

#include "msc-threadpool.h"

G_BEGIN_DECLS

/* Scratch, in floats, of msc_conv_direct3x3 for these channel counts and
 * image width. */
gsize msc_conv_direct3x3_scratch_floats (gint64 c_in, gint64 c_out, gint64 w);

/* Direct 3x3, stride 1, padding 1, dilation 1, one group, for n images:
 * y (n, c_out, h, w) = conv (x (n, c_in, h, w), w) [+ b], or += when
 * accumulate. Weights are (c_out, c_in, 3, 3); with flip they are instead
 * the (c_in, c_out, 3, 3) weights of the convolution whose input gradient
 * this is (in/out swapped and the kernel turned by 180 degrees), so that
 * dx = direct3x3 (dy, w, flip). b may be NULL. */
void  msc_conv_direct3x3 (gint64 n, gint64 c_in, gint64 c_out, gint64 h, gint64 w,
                          const float *x,       /* (n, c_in, h, w) */
                          const float *wt,      /* see above */
                          gboolean flip,
                          const float *b,       /* (c_out) or NULL */
                          gboolean accumulate,
                          float *y,             /* (n, c_out, h, w) */
                          float *scratch,
                          MscThreadPool *pool);

/* dw (c_out, c_in, 3, 3) += the weight gradient of that convolution
 * (without flip), given its input x and output gradient dy; and db += the
 * sum of dy per channel when db is not NULL (it reads dy anyway). */
gsize msc_conv_direct3x3_wgrad_scratch_floats (gint64 c_in, gint64 c_out, gint64 h, gint64 w);
void  msc_conv_direct3x3_wgrad (gint64 n, gint64 c_in, gint64 c_out, gint64 h, gint64 w,
                                const float *x,   /* (n, c_in, h, w) */
                                const float *dy,  /* (n, c_out, h, w) */
                                float *dw,        /* (c_out, c_in, 3, 3) */
                                float *db,        /* (c_out) or NULL */
                                float *scratch,
                                MscThreadPool *pool);

/* Which path msc_conv2d_forward/_backward take where more than one
 * applies. Process-wide; for tests (to check the paths against each other)
 * and benchmarks (to measure them) only. */
typedef enum {
  MSC_CONV_PATH_AUTO,     /* the faster one for the shape (the default) */
  MSC_CONV_PATH_GEMM,     /* im2col + sgemm */
  MSC_CONV_PATH_DIRECT,   /* msc_conv_direct3x3 wherever it applies */
} MscConvPath;

void msc_conv_set_path (MscConvPath path);

G_END_DECLS
