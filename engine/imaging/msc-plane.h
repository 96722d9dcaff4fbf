/* engine/imaging/msc-plane.h — one greyscale raster for image processing.
 *
 * MscPlane is a contiguous width x height array of one pixel format: U8
 * (8-bit images and masks; masks hold 0 or 255 as OpenCV's do), U16
 * (stored DICOM values, at most `bits` significant bits) or F32 (enhanced
 * or normalised values). Rows are contiguous (row stride = width) and the
 * block is 64-byte aligned so kernels can vectorise. Every step in
 * engine/imaging takes planes and returns new ones; none keeps a pointer.
 */
#pragma once

#include <glib.h>
#include "msc-image.h"

G_BEGIN_DECLS

typedef enum {
  MSC_PLANE_U8 = 1,
  MSC_PLANE_U16 = 2,
  MSC_PLANE_F32 = 4,              /* the value is the bytes per pixel */
} MscPlaneFormat;

/* Planes larger than this many pixels are refused (TOO_LARGE): 2^28 is
 * 16384 x 16384, the largest image engine/io accepts by default. */
#define MSC_PLANE_MAX_PIXELS (G_GUINT64_CONSTANT (1) << 28)

typedef struct _MscPlane MscPlane;

/* A zero-filled plane. U8 planes get bits 8, U16 planes bits 16, F32 0.
 * Fails with INVALID for a zero dimension and TOO_LARGE above
 * MSC_PLANE_MAX_PIXELS. (transfer full) */
MscPlane      *msc_plane_new          (MscPlaneFormat format, guint width, guint height,
                                       GError **error);
/* U16 copy of an image's stored values with its bits stored; when
 * to_u8 is TRUE an 8-bit (bits stored <= 8) image becomes a U8 plane. The
 * plane does not remember MONOCHROME1: callers invert if they need
 * "bright = dense" (msc_plane_invert). (transfer full) */
MscPlane      *msc_plane_new_from_image (const MscImage *image, gboolean to_u8, GError **error);
MscPlane      *msc_plane_copy         (const MscPlane *self, GError **error);
void           msc_plane_free         (MscPlane *self);        /* NULL-safe */

MscPlaneFormat msc_plane_get_format   (const MscPlane *self);
guint          msc_plane_get_width    (const MscPlane *self);
guint          msc_plane_get_height   (const MscPlane *self);
gsize          msc_plane_get_n_pixels (const MscPlane *self);
/* Significant bits of U8/U16 values (1..16); max value is 2^bits - 1. */
guint          msc_plane_get_bits     (const MscPlane *self);
void           msc_plane_set_bits     (MscPlane *self, guint bits);
guint          msc_plane_get_max_value(const MscPlane *self);  /* 2^bits - 1; 0 for F32 */

/* The pixels; each returns NULL (with a critical) when the format differs.
 * (transfer none) */
guint8        *msc_plane_u8           (MscPlane *self);
guint16       *msc_plane_u16          (MscPlane *self);
float         *msc_plane_f32          (MscPlane *self);
const guint8  *msc_plane_peek_u8      (const MscPlane *self);
const guint16 *msc_plane_peek_u16     (const MscPlane *self);
const float   *msc_plane_peek_f32     (const MscPlane *self);

/* value -> max_value - value, in place (U8/U16). */
void           msc_plane_invert       (MscPlane *self);
/* U8 <-> U16 <-> F32 conversion. U16 -> U8 scales max_value to 255 with
 * rounding; U8 -> U16 keeps values and sets bits 8; F32 -> U8/U16 rounds
 * and clamps to 0..max (bits 8 or 16); anything -> F32 keeps values.
 * (transfer full) */
MscPlane      *msc_plane_convert      (const MscPlane *self, MscPlaneFormat format, GError **error);

/* Writes a U8 or U16 plane as an 8/16-bit greyscale PNG (atomically);
 * F32 planes are refused. For debugging, the CLI and contact sheets. */
gboolean       msc_plane_save_png     (const MscPlane *self, const char *path, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscPlane, msc_plane_free)

G_END_DECLS
