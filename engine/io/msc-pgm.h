/* engine/io/msc-pgm.h — PGM (netpbm P2 plain and P5 raw), 8 and 16-bit. */
#pragma once

#include "msc-image.h"
#include "msc-io-error.h"
#include "msc-load.h"

G_BEGIN_DECLS

MscImage *msc_pgm_load_bytes (const guint8 *data, gsize size, const char *name,
                              const MscLoadOptions *opts, GError **error);

G_END_DECLS
