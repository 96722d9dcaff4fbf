/* engine/io/msc-display.h — stored values to 8-bit display grey.
 *
 * Applies a window (LINEAR, LINEAR_EXACT or SIGMOID as DICOM PS3.3
 * C.11.2.1.2 defines them) or a VOI LUT, then inverts MONOCHROME1 so the
 * result always reads as MONOCHROME2: 0 black, 255 white.
 */
#pragma once

#include "msc-image.h"

G_BEGIN_DECLS

/* The window a reader sees first: the image's first preset, else
 * LINEAR_EXACT over the whole stored range 0..2^bits_stored-1 (for 8-bit
 * data: the identity). The explanation is borrowed from the image. */
void    msc_display_default_window (const MscImage *image, MscWindow *out);

/* Renders with window (NULL: the VOI LUT if the image has one and no
 * presets, else msc_display_default_window). Returns width*height bytes,
 * row-major (transfer full). */
guint8 *msc_display_render         (const MscImage *image, const MscWindow *window);

/* Fills lut[v], v in 0..n-1, with the grey msc_display_render gives
 * stored value v (same window choice, rounding and MONOCHROME1
 * inversion), so a viewer can map any subset of pixels itself. */
void    msc_display_fill_lut       (const MscImage *image, const MscWindow *window,
                                    guint8 *lut, gsize n);

/* One stored value through a window to 0..255 (not rounded), before any
 * MONOCHROME1 inversion. */
double  msc_display_apply_window   (const MscWindow *window, double value);

G_END_DECLS
