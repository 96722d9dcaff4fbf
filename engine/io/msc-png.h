/* engine/io/msc-png.h — PNG images in and out, through libpng.
 *
 * Grey 8 and 16-bit are read as they are; grey+alpha drops alpha; palette
 * and colour are converted to grey (ITU-R BT.601 luma) with a note on the
 * image saying so.
 */
#pragma once

#include "msc-image.h"
#include "msc-io-error.h"
#include "msc-load.h"

G_BEGIN_DECLS

MscImage *msc_png_load       (const char *path, const MscLoadOptions *opts, GError **error);
MscImage *msc_png_load_bytes (const guint8 *data, gsize size, const char *name,
                              const MscLoadOptions *opts, GError **error);

/* Writes a grey PNG of width x height, 8 or 16 bits; 8-bit data is read
 * from pixels8, 16-bit from pixels16 (the other is NULL). Atomic. */
gboolean  msc_png_save_grey  (const char *path, guint width, guint height, guint bit_depth,
                              const guint8 *pixels8, const guint16 *pixels16, GError **error);

G_END_DECLS
