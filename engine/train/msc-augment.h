/* engine/train/msc-augment.h — random training augmentation of one image
 * (and its lesion mask): flips, rotation, zoom, translation and intensity
 * shift/scale/gamma, drawn from a seeded MscRng and applied as ONE affine
 * warp so the mask stays aligned and lesion geometry maps exactly.
 */
#pragma once

#include <glib.h>
#include "msc-plane.h"
#include "msc-geometry.h"
#include "msc-rng.h"

G_BEGIN_DECLS

/* Ranges the concrete transforms are drawn from (uniformly). Intensity
 * values are in the units of a [0, 1] image: U8/U16 planes are divided by
 * their max value first; F32 planes are taken as they are (normalised). */
typedef struct {
  double flip_h_prob, flip_v_prob;   /* probability of each mirror, 0..1 */
  double rotate_deg;                 /* angle in [-rotate_deg, +rotate_deg], CCW */
  double zoom_min, zoom_max;         /* scale about the centre, > 0; 1 = pixel size kept */
  double translate;                  /* centre offset up to +-translate * output size, 0..1 */
  double shift_min, shift_max;       /* v' = v * scale + shift */
  double scale_min, scale_max;
  double gamma_min, gamma_max;       /* v' = v^gamma before scale/shift; 1, 1 = off */
} MscAugmentParams;

/* One concrete transform (what msc_augment_sample drew). */
typedef struct {
  gboolean flip_h, flip_v;
  double rotate_deg;                 /* counter-clockwise, as msc_geometry_rotate */
  double zoom;
  double translate_x, translate_y;   /* fractions of the output width/height */
  double shift, scale, gamma;
} MscAugment;

/* The defaults: flips 0.5 each, +-25 degrees, zoom 0.8..1.2, no
 * translation, shift +-0.1, scale 0.9..1.1, gamma off. */
void     msc_augment_params_init_default  (MscAugmentParams *params);
/* Every range collapsed onto the identity (nothing changes). */
void     msc_augment_params_init_identity (MscAugmentParams *params);
void     msc_augment_init_identity        (MscAugment *augment);
/* INVALID (MSC_TRAIN_ERROR) for non-finite values, probabilities outside
 * 0..1, min > max, zoom or gamma <= 0, or |rotate_deg| > 180. */
gboolean msc_augment_params_check         (const MscAugmentParams *params, GError **error);

/* Draws one transform; always consumes the same number of RNG values, so
 * a run's random stream does not depend on which ranges are collapsed.
 * FALSE (out untouched) when the params fail msc_augment_params_check. */
gboolean msc_augment_sample (const MscAugmentParams *params, MscRng *rng, MscAugment *out,
                             GError **error);

/* The map from source pixels (src_w x src_h) to output pixels (out_w x
 * out_h): source centre ((w-1)/2, (h-1)/2) to output centre plus the
 * translation, flips first, then rotation and zoom about the centre. */
gboolean msc_augment_transform (const MscAugment *augment, guint src_w, guint src_h, guint out_w,
                                guint out_h, MscAffine *transform, GError **error);

/* Warps image (U8, U16 or F32) LINEAR and mask (nullable, U8, same size)
 * NEAREST onto out_w x out_h (zero outside the source), then applies the
 * intensity change to every image pixel (border included, so the padding
 * looks like shifted background); U8/U16 results are rounded and clamped.
 * *mask_out is NULL when mask is NULL; transform (nullable, out) is the
 * map from image pixels to output pixels. (transfer full) */
gboolean msc_augment_apply (const MscAugment *augment, const MscPlane *image, const MscPlane *mask,
                            guint out_w, guint out_h, MscPlane **image_out, MscPlane **mask_out,
                            MscAffine *transform, GError **error);

G_END_DECLS
