/* engine/nn/msc-conv.h — 2-D convolution and transposed convolution.
 *
 * Forward and backward over raw NCHW float32 buffers (README.md here for
 * the conventions): im2col + msc_sgemm per group, with direct paths for
 * 1x1 stride-1 convolutions and depthwise ones. Callers pass scratch of
 * msc_conv2d_scratch_floats() floats; kernels never allocate.
 *
 *   MscConv2dParams p = { .n = 1, .c_in = 16, .h_in = 64, .w_in = 64,
 *                         .c_out = 32, .kh = 3, .kw = 3, .stride_h = 1,
 *                         .stride_w = 1, .pad_h = 1, .pad_w = 1,
 *                         .dil_h = 1, .dil_w = 1, .groups = 1 };
 *   if (!msc_conv2d_params_check (&p, error)) return FALSE;
 *   float *scratch = arena_alloc (msc_conv2d_scratch_floats (&p));
 *   msc_conv2d_forward (&p, x, w, b, y, scratch, pool);
 */
#pragma once

#include <glib.h>

#include "msc-threadpool.h"

G_BEGIN_DECLS

/* x: (n, c_in, h_in, w_in); w: (c_out, c_in / groups, kh, kw); b: (c_out);
 * y: (n, c_out, h_out, w_out). stride and dilation >= 1, padding >= 0 (the
 * same on both sides). groups divides c_in and c_out; groups == c_in is a
 * depthwise convolution (c_out a multiple of c_in). */
typedef struct {
  gint64 n, c_in, h_in, w_in;
  gint64 c_out, kh, kw;
  gint64 stride_h, stride_w;
  gint64 pad_h, pad_w;
  gint64 dil_h, dil_w;
  gint64 groups;
} MscConv2dParams;

/* Checks every field and that all sizes (and every GEMM dimension) fit;
 * MSC_NN_ERROR_SHAPE for shapes that do not fit together, _INVALID for
 * values out of range. Every other function assumes a checked p. */
gboolean msc_conv2d_params_check   (const MscConv2dParams *p, GError **error);
/* (h_in + 2 pad - dil (k - 1) - 1) / stride + 1 */
void     msc_conv2d_output_hw      (const MscConv2dParams *p, gint64 *h_out, gint64 *w_out);
/* Scratch for forward and backward alike, in floats (0 for direct paths). */
gsize    msc_conv2d_scratch_floats (const MscConv2dParams *p);
/* Enough for msc_conv2d_forward alone (inference plans); <= the above. */
gsize    msc_conv2d_forward_scratch_floats (const MscConv2dParams *p);

/* y = conv (x, w) + b; b may be NULL. y is overwritten. */
void     msc_conv2d_forward        (const MscConv2dParams *p,
                                    const float *x,     /* (n, c_in, h_in, w_in) */
                                    const float *w,     /* (c_out, c_in/groups, kh, kw) */
                                    const float *b,     /* (c_out) or NULL */
                                    float *y,           /* (n, c_out, h_out, w_out) */
                                    float *scratch,
                                    MscThreadPool *pool);

/* Accumulates dL/dx, dL/dw, dL/db (each nullable = not needed) from dy. */
void     msc_conv2d_backward       (const MscConv2dParams *p,
                                    const float *x,     /* (n, c_in, h_in, w_in) */
                                    const float *w,     /* (c_out, c_in/groups, kh, kw) */
                                    const float *dy,    /* (n, c_out, h_out, w_out) */
                                    float *dx,          /* (n, c_in, h_in, w_in) or NULL */
                                    float *dw,          /* like w, or NULL */
                                    float *db,          /* (c_out) or NULL */
                                    float *scratch,
                                    MscThreadPool *pool);

/* Folds an inference-mode batch norm that follows the convolution into its
 * weights: w_out = w * s, b_out = (b - mean) * s + beta with
 * s = gamma / sqrt (var + eps) per output channel. b may be NULL (zero);
 * w_out/b_out may alias w/b. MSC_NN_ERROR_NUMERIC when var + eps <= 0. */
gboolean msc_conv2d_fold_batchnorm (const MscConv2dParams *p,
                                    const float *w,     /* (c_out, c_in/groups, kh, kw) */
                                    const float *b,     /* (c_out) or NULL */
                                    const float *gamma, /* (c_out) */
                                    const float *beta,  /* (c_out) */
                                    const float *mean,  /* (c_out) running mean */
                                    const float *var,   /* (c_out) running variance */
                                    float eps,
                                    float *w_out,       /* like w */
                                    float *b_out,       /* (c_out) */
                                    GError **error);

/* Transposed convolution (the gradient of conv2d w.r.t. its input, used to
 * upsample). x: (n, c_in, h_in, w_in); w: (c_in, c_out / groups, kh, kw) as
 * in PyTorch; y: (n, c_out, h_out, w_out) with
 * h_out = (h_in - 1) stride - 2 pad + dil (kh - 1) + out_pad + 1;
 * out_pad < stride or < dil. */
typedef struct {
  gint64 n, c_in, h_in, w_in;
  gint64 c_out, kh, kw;
  gint64 stride_h, stride_w;
  gint64 pad_h, pad_w;
  gint64 out_pad_h, out_pad_w;
  gint64 dil_h, dil_w;
  gint64 groups;
} MscConvTranspose2dParams;

gboolean msc_conv_transpose2d_params_check   (const MscConvTranspose2dParams *p, GError **error);
void     msc_conv_transpose2d_output_hw      (const MscConvTranspose2dParams *p,
                                              gint64 *h_out, gint64 *w_out);
gsize    msc_conv_transpose2d_scratch_floats (const MscConvTranspose2dParams *p);

void     msc_conv_transpose2d_forward  (const MscConvTranspose2dParams *p,
                                        const float *x,   /* (n, c_in, h_in, w_in) */
                                        const float *w,   /* (c_in, c_out/groups, kh, kw) */
                                        const float *b,   /* (c_out) or NULL */
                                        float *y,         /* (n, c_out, h_out, w_out) */
                                        float *scratch,
                                        MscThreadPool *pool);
void     msc_conv_transpose2d_backward (const MscConvTranspose2dParams *p,
                                        const float *x,   /* (n, c_in, h_in, w_in) */
                                        const float *w,   /* (c_in, c_out/groups, kh, kw) */
                                        const float *dy,  /* (n, c_out, h_out, w_out) */
                                        float *dx,        /* or NULL */
                                        float *dw,        /* or NULL */
                                        float *db,        /* or NULL */
                                        float *scratch,
                                        MscThreadPool *pool);

G_END_DECLS
