/* engine/io/msc-dicom-private.h — DICOM helpers shared inside engine/io only.
 *
 * The phantom derives reproducible UIDs from its seed, and the study scanner
 * reads DICOMDIR indexes; neither belongs in the public msc-dicom.h.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "2.25." + the decimal of bytes read as one big-endian 128-bit number
 * (transfer full). */
char      *msc_dicom_uid_from_bytes (const guint8 bytes[16]);

/* Absolute paths of the files a DICOMDIR's IMAGE records reference, in
 * record order (GPtrArray of char*, transfer full). Records whose file ID is
 * unsafe (absolute, "..", empty component) are left out. */
GPtrArray *msc_dicomdir_list_files  (const char *path, GError **error);

G_END_DECLS
