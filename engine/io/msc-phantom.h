/* engine/io/msc-phantom.h — a synthetic four-view screening study.
 *
 * The project ships no patient images; this generator makes the sample
 * study for the Quick start and for tests that run without ../shared:
 * R/L CC and MLO Digital Mammography objects with breast-shaped tissue
 * texture and a few synthetic lesions whose positions are known.
 */
#pragma once

#include "msc-image.h"

G_BEGIN_DECLS

typedef struct {
  guint64 seed;             /* same seed, same study, byte for byte */
  guint width;              /* columns of each view; 0 = default (1664) */
  guint height;             /* rows; 0 = default (2048) */
  double spacing_mm;        /* 0 = default (0.1) */
} MscPhantomOptions;

/* Writes R_CC.dcm, L_CC.dcm, R_MLO.dcm, L_MLO.dcm and lesions.json into
 * out_dir (created if needed). lesions.json lists, per file, each lesion's
 * kind ("mass" or "calcification cluster"), centre (x, y in pixels, rows
 * from the top), radius in pixels and mm, and pathology. opts may be NULL. */
gboolean msc_phantom_write_study (const char *out_dir, const MscPhantomOptions *opts, GError **error);

G_END_DECLS
