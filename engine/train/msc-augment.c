/* engine/train/msc-augment.c — drawing and applying training augmentations:
 * one affine warp (flip, rotation, zoom, translation about the centre) for
 * image and mask together, then a pixel-wise intensity map (through a
 * lookup table for U8/U16, so it costs one load per pixel).
 */
#include "msc-augment.h"
#include "msc-train-error.h"
#include "msc-i18n.h"

#include <math.h>

void
msc_augment_params_init_identity (MscAugmentParams *params)
{
  g_return_if_fail (params != NULL);
  *params = (MscAugmentParams) {
    .flip_h_prob = 0, .flip_v_prob = 0, .rotate_deg = 0,
    .zoom_min = 1, .zoom_max = 1, .translate = 0,
    .shift_min = 0, .shift_max = 0, .scale_min = 1, .scale_max = 1,
    .gamma_min = 1, .gamma_max = 1,
  };
}

void
msc_augment_params_init_default (MscAugmentParams *params)
{
  g_return_if_fail (params != NULL);
  msc_augment_params_init_identity (params);
  params->flip_h_prob = params->flip_v_prob = 0.5;
  params->rotate_deg = 25;
  params->zoom_min = 0.8;
  params->zoom_max = 1.2;
  params->shift_min = -0.1;
  params->shift_max = 0.1;
  params->scale_min = 0.9;
  params->scale_max = 1.1;
}

void
msc_augment_init_identity (MscAugment *augment)
{
  g_return_if_fail (augment != NULL);
  *augment = (MscAugment) { FALSE, FALSE, 0, 1, 0, 0, 0, 1, 1 };
}

static gboolean
fail (GError **error, const char *what, double a, double b)
{
  g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
               _("augmentation: %s (%g, %g)"), what, a, b);
  return FALSE;
}

/* [lo, hi] must be finite with lo <= hi; positive demands lo > 0. */
static gboolean
check_range (const char *name, double lo, double hi, gboolean positive, GError **error)
{
  if (!isfinite (lo) || !isfinite (hi) || lo > hi)
    return fail (error, name, lo, hi);
  if (positive && lo <= 0)
    return fail (error, name, lo, hi);
  return TRUE;
}

gboolean
msc_augment_params_check (const MscAugmentParams *p, GError **error)
{
  g_return_val_if_fail (p != NULL, FALSE);
  if (!(p->flip_h_prob >= 0 && p->flip_h_prob <= 1 && p->flip_v_prob >= 0 && p->flip_v_prob <= 1))
    return fail (error, _("flip probabilities must lie in 0..1"), p->flip_h_prob, p->flip_v_prob);
  if (!(p->rotate_deg >= 0 && p->rotate_deg <= 180))
    return fail (error, _("rotation range must lie in 0..180 degrees"), p->rotate_deg, p->rotate_deg);
  if (!(p->translate >= 0 && p->translate <= 1))
    return fail (error, _("translation must lie in 0..1"), p->translate, p->translate);
  return check_range (_("zoom range must be positive and ordered"), p->zoom_min, p->zoom_max, TRUE, error)
      && check_range (_("intensity shift range must be finite and ordered"), p->shift_min, p->shift_max, FALSE, error)
      && check_range (_("intensity scale range must be finite and ordered"), p->scale_min, p->scale_max, FALSE, error)
      && check_range (_("gamma range must be positive and ordered"), p->gamma_min, p->gamma_max, TRUE, error);
}

static double
draw (MscRng *rng, double lo, double hi)
{
  double u = msc_rng_uniform_double (rng);
  /* lo == hi gives lo exactly, so collapsed ranges are the identity. */
  return lo == hi ? lo : lo + u * (hi - lo);
}

gboolean
msc_augment_sample (const MscAugmentParams *p, MscRng *rng, MscAugment *out, GError **error)
{
  g_return_val_if_fail (p != NULL && rng != NULL && out != NULL, FALSE);
  if (!msc_augment_params_check (p, error))
    return FALSE;
  /* Nine draws, always in this order: the stream after a sample does not
   * depend on the ranges, so changing one range changes only that value. */
  MscAugment a;
  a.flip_h = msc_rng_uniform_double (rng) < p->flip_h_prob;
  a.flip_v = msc_rng_uniform_double (rng) < p->flip_v_prob;
  a.rotate_deg = draw (rng, -p->rotate_deg, p->rotate_deg);
  a.zoom = draw (rng, p->zoom_min, p->zoom_max);
  a.translate_x = draw (rng, -p->translate, p->translate);
  a.translate_y = draw (rng, -p->translate, p->translate);
  a.shift = draw (rng, p->shift_min, p->shift_max);
  a.scale = draw (rng, p->scale_min, p->scale_max);
  a.gamma = draw (rng, p->gamma_min, p->gamma_max);
  *out = a;
  return TRUE;
}

gboolean
msc_augment_transform (const MscAugment *a, guint src_w, guint src_h, guint out_w, guint out_h,
                       MscAffine *transform, GError **error)
{
  g_return_val_if_fail (a != NULL && transform != NULL, FALSE);
  if (src_w == 0 || src_h == 0 || out_w == 0 || out_h == 0)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("augmentation: empty image or output (%u x %u -> %u x %u)"),
                   src_w, src_h, out_w, out_h);
      return FALSE;
    }
  if (!(isfinite (a->zoom) && a->zoom > 0) || !isfinite (a->rotate_deg)
      || !isfinite (a->translate_x) || !isfinite (a->translate_y))
    return fail (error, _("zoom must be positive, angle and translation finite"), a->zoom, a->rotate_deg);
  double rad = a->rotate_deg * G_PI / 180.0, c = cos (rad), s = sin (rad);
  /* Exact quarter turns: cos (pi/2) is 6e-17, not 0; snapping keeps 90
   * degree rotations and flips free of interpolation. */
  if (fabs (c) < 1e-12) c = 0;
  if (fabs (s) < 1e-12) s = 0;
  double fx = a->flip_h ? -1 : 1, fy = a->flip_v ? -1 : 1, z = a->zoom;
  /* p' = centre_out + z R F (p - centre_src), R as cv2.getRotationMatrix2D
   * (counter-clockwise on screen, rows pointing down). */
  double m00 = z * c * fx, m01 = z * s * fy, m10 = -z * s * fx, m11 = z * c * fy;
  double sx = (src_w - 1) / 2.0, sy = (src_h - 1) / 2.0;
  double ox = (out_w - 1) / 2.0 + a->translate_x * out_w;
  double oy = (out_h - 1) / 2.0 + a->translate_y * out_h;
  *transform = (MscAffine) { { m00, m01, ox - m00 * sx - m01 * sy,
                               m10, m11, oy - m10 * sx - m11 * sy } };
  return TRUE;
}

static gboolean
intensity_is_identity (const MscAugment *a)
{
  return a->shift == 0 && a->scale == 1 && a->gamma == 1;
}

/* n in units of a [0, 1] image; gamma keeps the sign so that z-scored F32
 * planes stay monotone (for [0, 1] values it is the usual gamma). */
static inline double
intensity_map (const MscAugment *a, double n)
{
  if (a->gamma != 1)
    n = n >= 0 ? pow (n, a->gamma) : -pow (-n, a->gamma);
  return n * a->scale + a->shift;
}

static gboolean
apply_intensity (const MscAugment *a, MscPlane *plane, GError **error)
{
  gsize n = msc_plane_get_n_pixels (plane);
  MscPlaneFormat format = msc_plane_get_format (plane);
  if (format == MSC_PLANE_F32)
    {
      float *v = msc_plane_f32 (plane);
      if (a->gamma == 1)
        {
          float scale = (float) a->scale, shift = (float) a->shift;
          for (gsize i = 0; i < n; i++)
            v[i] = v[i] * scale + shift;
        }
      else
        {
          /* powf, not pow: the double version doubled the time of a
           * 512 x 512 augmentation, for precision F32 cannot hold. */
          float g = (float) a->gamma, scale = (float) a->scale, shift = (float) a->shift;
          for (gsize i = 0; i < n; i++)
            {
              float x = v[i];
              x = x >= 0 ? powf (x, g) : -powf (-x, g);
              v[i] = x * scale + shift;
            }
        }
      return TRUE;
    }
  /* U8/U16: every possible value goes through a table once. */
  guint maxv = msc_plane_get_max_value (plane);
  g_autofree guint16 *lut = g_try_new (guint16, (gsize) maxv + 1);
  if (lut == NULL)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_FAILED,
                   _("augmentation: out of memory for an intensity table"));
      return FALSE;
    }
  for (guint v = 0; v <= maxv; v++)
    {
      double r = intensity_map (a, (double) v / maxv) * maxv;
      lut[v] = (guint16) lrint (CLAMP (r, 0.0, (double) maxv));
    }
  if (format == MSC_PLANE_U8)
    {
      guint8 *p = msc_plane_u8 (plane);
      for (gsize i = 0; i < n; i++)
        p[i] = (guint8) lut[p[i]];
    }
  else
    {
      guint16 *p = msc_plane_u16 (plane);
      for (gsize i = 0; i < n; i++)
        p[i] = lut[MIN (p[i], maxv)];
    }
  return TRUE;
}

static gboolean
check_inputs (const MscPlane *image, const MscPlane *mask, GError **error)
{
  if (mask == NULL)
    return TRUE;
  if (msc_plane_get_format (mask) != MSC_PLANE_U8)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("augmentation: the lesion mask must be U8"));
      return FALSE;
    }
  if (msc_plane_get_width (mask) != msc_plane_get_width (image)
      || msc_plane_get_height (mask) != msc_plane_get_height (image))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("augmentation: mask is %u x %u, image %u x %u"),
                   msc_plane_get_width (mask), msc_plane_get_height (mask),
                   msc_plane_get_width (image), msc_plane_get_height (image));
      return FALSE;
    }
  return TRUE;
}

/* Imaging errors keep their text but enter our domain, so callers of
 * engine/train see one domain. */
static gboolean
convert_error (GError *inner, GError **error)
{
  g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID, _("augmentation: %s"),
               inner->message);
  g_error_free (inner);
  return FALSE;
}

gboolean
msc_augment_apply (const MscAugment *a, const MscPlane *image, const MscPlane *mask, guint out_w,
                   guint out_h, MscPlane **image_out, MscPlane **mask_out, MscAffine *transform,
                   GError **error)
{
  g_return_val_if_fail (a != NULL && image != NULL && image_out != NULL, FALSE);
  g_return_val_if_fail (mask == NULL || mask_out != NULL, FALSE);
  if (!check_inputs (image, mask, error))
    return FALSE;
  MscAffine m;
  if (!msc_augment_transform (a, msc_plane_get_width (image), msc_plane_get_height (image),
                              out_w, out_h, &m, error))
    return FALSE;
  if (!isfinite (a->shift) || !isfinite (a->scale) || !(isfinite (a->gamma) && a->gamma > 0))
    return fail (error, _("intensity shift and scale must be finite, gamma positive"), a->shift, a->gamma);
  GError *inner = NULL;
  g_autoptr (MscPlane) img = msc_geometry_warp (image, &m, out_w, out_h, MSC_INTERP_LINEAR, NULL, &inner);
  if (img == NULL)
    return convert_error (inner, error);
  g_autoptr (MscPlane) msk = NULL;
  if (mask != NULL)
    {
      /* NEAREST: every mask value is a source value, so 0/255 stays binary. */
      msk = msc_geometry_warp (mask, &m, out_w, out_h, MSC_INTERP_NEAREST, NULL, &inner);
      if (msk == NULL)
        return convert_error (inner, error);
    }
  if (!intensity_is_identity (a) && !apply_intensity (a, img, error))
    return FALSE;
  *image_out = g_steal_pointer (&img);
  if (mask_out != NULL)
    *mask_out = g_steal_pointer (&msk);
  if (transform != NULL)
    *transform = m;
  return TRUE;
}
