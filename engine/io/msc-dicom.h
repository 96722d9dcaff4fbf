/* engine/io/msc-dicom.h — DICOM images in and out, through DCMTK.
 *
 * The implementation is C++ (msc-dicom.cc reads, msc-dicom-write.cc
 * writes); nothing C++ crosses this header and no exception escapes.
 * JPEG 2000, absent from free DCMTK, is decoded with OpenJPEG.
 */
#pragma once

#include "msc-image.h"
#include "msc-io-error.h"
#include "msc-load.h"

G_BEGIN_DECLS

MscImage *msc_dicom_load        (const char *path, const MscLoadOptions *opts, GError **error);
MscImage *msc_dicom_load_bytes  (const guint8 *data, gsize size, const char *name,
                                 const MscLoadOptions *opts, GError **error);

/* Writes image as a Digital Mammography X-Ray Image (For Presentation)
 * object, explicit VR little endian, with the image's metadata, windows and
 * patient fields; UIDs that are missing are generated. Atomic: written to a
 * temporary file and renamed. */
gboolean  msc_dicom_save        (const MscImage *image, const char *path, GError **error);

/* A new UID under Mammoscope's 2.25 (UUID-derived) root. */
char     *msc_dicom_new_uid     (void);

/* Human-readable name of a transfer syntax UID ("JPEG-LS Lossless"),
 * or the UID itself when unknown. */
const char *msc_dicom_transfer_syntax_name (const char *uid);

G_END_DECLS
