/* engine/io/msc-dicom-j2k.h — JPEG 2000 frames of DICOM objects, via OpenJPEG.
 *
 * Private to engine/io: msc-dicom.cc hands over the concatenated fragments
 * of the first frame (1.2.840.10008.1.2.4.90 / .91), which free DCMTK
 * cannot decode.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Decodes one JPEG 2000 code stream (raw J2K or a JP2 box file) holding a
 * single grey component of exactly width x height samples into out, which
 * has room for (height, width) values. Each sample is written as its low
 * 16 bits (two's complement when signed); *is_signed and *precision tell
 * how the code stream itself describes its samples. Errors are
 * MSC_IO_ERROR_INVALID or _UNSUPPORTED with a message that does not name
 * the file (the caller prefixes it). */
gboolean msc_dicom_j2k_decode (const guint8 *data,
                               gsize size,
                               guint width,
                               guint height,
                               guint16 *out,
                               gboolean *is_signed,
                               guint *precision,
                               GError **error);

G_END_DECLS
