/* engine/train/msc-patches.h — patch sampling for "patches first" training
 * (MODELLING.md): from one preprocessed image, its breast mask and its
 * lesions, draw P x P crops at a controlled share of lesion-centred
 * (jittered) and background (inside the breast, off every lesion) patches.
 */
#pragma once

#include <glib.h>
#include "msc-contour.h"
#include "msc-plane.h"
#include "msc-rng.h"

G_BEGIN_DECLS

/* A lesion as a circle in top-down image pixels (MIAS rows are 1023 -
 * y_from_bottom), with the caller's class code (e.g. benign/malignant). */
typedef struct {
  double x, y, radius;               /* pixels; radius > 0 */
  guint class_id;
} MscLesionCircle;

typedef struct {
  guint patch_size;                  /* P, 1..4096 */
  guint n_patches;                   /* N, >= 1 */
  double lesion_share;               /* expected share of lesion patches, 0..1 */
  double jitter;                     /* 0..1: share of the room a lesion patch's centre may move
                                      * (per axis): a lesion that fits (radius <= P/2 - 1) stays
                                      * whole in the patch, a larger one covers the patch; the
                                      * lesion centre is always inside */
  double max_overlap;                /* background: largest share of lesion pixels, 0 = none */
  guint max_tries;                   /* background placements tried per patch before EMPTY */
  guint mask_class_id;               /* class of lesions found only in lesion_mask */
  guint background_candidates;       /* >= 1: a background patch is centred on the brightest of
                                      * this many random breast positions (1 = uniform); dense
                                      * tissue, what a mass detector confuses with a mass, then
                                      * turns up more often among the negatives */
  const MscPoint *hard_points;       /* (nullable) hard negatives: places, in image pixels, where
                                      * an earlier model fired on healthy tissue */
  guint n_hard_points;
  double hard_share;                 /* 0..1: chance a background patch is centred (jittered
                                      * like a lesion patch) on a random hard point instead of
                                      * a random breast position; 0 draws nothing extra */
} MscPatchParams;

typedef enum {
  MSC_PATCH_BACKGROUND,
  MSC_PATCH_LESION,
} MscPatchKind;

typedef struct {
  MscPlane *image;                   /* P x P, the image's format; zero outside the image */
  MscPlane *mask;                    /* P x P U8 0/255 lesion pixels (circles and lesion_mask) */
  MscPatchKind kind;
  guint class_id;                    /* the lesion's class; 0 for background */
  guint lesion;                      /* index of the lesion it is centred on (LESION only) */
  gint x, y;                         /* image pixel of patch pixel (0, 0); negative near borders */
} MscPatch;

void msc_patch_free (MscPatch *patch);        /* NULL-safe */

/* Defaults: P 128, N 64, lesion share 0.5, jitter 0.5, overlap 0, 100 tries,
 * 1 background candidate, no hard points. */
void msc_patches_params_init (MscPatchParams *params);

/* Draws params->n_patches patches from image (U8, U16 or F32). breast_mask
 * (nullable = the whole image, U8, same size) holds the allowed background
 * centres. Lesions are the circles plus, when there are no circles, the
 * 8-connected components of lesion_mask (nullable, U8, same size); a
 * lesion_mask also counts as lesion pixels for the overlap test and mask
 * crops. The number of lesion patches is N * share rounded at random (its
 * expectation is exact); with no lesions every patch is background. Order
 * is shuffled. A background patch stays off the lesions; when none of
 * max_tries placements does (a large lesion in a small breast), the first
 * one centred outside every lesion is taken and its mask shows the lesion
 * pixels it holds. EMPTY when the breast mask is empty or no placement is
 * centred off the lesions. Returns MscPatch* (transfer full). */
GPtrArray *msc_patches_sample (const MscPatchParams *params, const MscPlane *image,
                               const MscPlane *breast_mask, const MscLesionCircle *circles,
                               guint n_circles, const MscPlane *lesion_mask, MscRng *rng,
                               GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscPatch, msc_patch_free)

G_END_DECLS
