/* engine/nn/msc-elementwise.h — add, multiply (same shape, and a per-channel
 * (N, C, 1, 1) scale over (N, C, H, W) for squeeze-excitation), concat along
 * channels with its split backward, and inverted dropout.
 * Backward accumulates into every non-NULL gradient.
 */
#pragma once

#include <glib.h>

#include "msc-rng.h"

G_BEGIN_DECLS

/* a, b, y, da, db, dy: (n); y may alias a or b. */
void msc_add_forward  (const float *a, const float *b, float *y, gsize n);
void msc_add_backward (const float *dy, float *da, float *db, gsize n);
void msc_mul_forward  (const float *a, const float *b, float *y, gsize n);
void msc_mul_backward (const float *a, const float *b, const float *dy, float *da, float *db, gsize n);

typedef struct {
  gint64 n, c, h, w;      /* x, y: (N, C, H, W); s: (N, C) = (N, C, 1, 1) */
} MscChannelScaleParams;

gboolean msc_channel_scale_check    (const MscChannelScaleParams *p, GError **error);
/* y[n,c,:,:] = x[n,c,:,:] * s[n,c] */
void     msc_channel_scale_forward  (const MscChannelScaleParams *p, const float *x, const float *s, float *y);
void     msc_channel_scale_backward (const MscChannelScaleParams *p, const float *x, const float *s,
                                     const float *dy, float *dx, float *ds);

typedef struct {
  gint64 n, h, w;         /* shared by every input */
  guint k;                /* number of inputs, >= 1 */
  const gint64 *channels; /* (k): channels of input i; y has their sum */
} MscConcatParams;

gboolean msc_concat_check        (const MscConcatParams *p, GError **error);
gint64   msc_concat_out_channels (const MscConcatParams *p);
/* xs[i]: (N, channels[i], H, W); y: (N, sum channels, H, W) */
void     msc_concat_forward  (const MscConcatParams *p, const float *const *xs, float *y);
/* dxs[i] may be NULL (that input needs no gradient); dxs itself may not. */
void     msc_concat_backward (const MscConcatParams *p, const float *dy, float *const *dxs);

typedef struct {
  gsize n;                /* elements */
  float p;                /* drop probability in [0, 1] */
  gboolean training;      /* FALSE: identity */
} MscDropoutParams;

gboolean msc_dropout_check    (const MscDropoutParams *p, GError **error);
/* Inverted dropout: kept values are scaled by 1 / (1 - p) during training so
 * that eval needs no scaling. mask: (n), written in training (0 or the
 * scale), unused in eval (may be NULL). p == 1 drops everything. */
void     msc_dropout_forward  (const MscDropoutParams *p, MscRng *rng, const float *x, float *y, float *mask);
void     msc_dropout_backward (const MscDropoutParams *p, const float *mask, const float *dy, float *dx);

G_END_DECLS
