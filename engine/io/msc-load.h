/* engine/io/msc-load.h — open any supported image file.
 *
 * msc_image_load sniffs the content (PNG signature, PGM magic, DICOM
 * preamble, else a DICOM attempt for files without a Part 10 header) and
 * calls the matching reader. This is the one entry point the CLI, the
 * viewer and the study scanner use.
 */
#pragma once

#include "msc-image.h"
#include "msc-io-error.h"

G_BEGIN_DECLS

typedef struct {
  guint max_dimension;      /* refuse wider or taller images; 0 = default */
  gboolean metadata_only;   /* DICOM: stop before pixel data; pixels stay 0
                               (the image is 1 x 1 unless the header gives
                               valid Rows/Columns) */
} MscLoadOptions;

/* opts may be NULL for defaults. */
MscImage *msc_image_load       (const char *path, const MscLoadOptions *opts, GError **error);
/* The same from memory; name is used in messages and as the image path. */
MscImage *msc_image_load_bytes (const guint8 *data, gsize size, const char *name,
                                const MscLoadOptions *opts, GError **error);

G_END_DECLS
