/* tests/engine/imaging/msc-imaging-test.h — shared helpers for the
 * engine/imaging tests: real images as planes, OpenCV reference runs and
 * plane comparisons that report where they differ.
 */
#pragma once

#include <glib.h>
#include "msc-plane.h"

G_BEGIN_DECLS

/* mini-MIAS image mdbNNN (1..322) as a U8 plane, or NULL after a skip. */
MscPlane *msc_imaging_test_mias   (guint number);
/* A file of ../shared/data/dicom (e.g. "mdb001-explicit-le.dcm") as a U16
 * plane of its stored values (12 bits), or NULL after a skip. */
MscPlane *msc_imaging_test_dicom  (const char *name);
/* Any 8/16-bit grey PNG as a U8/U16 plane; fails the test on error. */
MscPlane *msc_imaging_test_read_png (const char *path);
/* A raw little-endian float32 file of width x height as an F32 plane. */
MscPlane *msc_imaging_test_read_f32 (const char *path, guint width, guint height);
/* Writes a plane (U8/U16 as PNG) into a fresh temp file; returns its path. */
char     *msc_imaging_test_write_png (const MscPlane *plane);

/* Runs `python3 script args...` (script is a path under tests/engine/imaging,
 * found through G_TEST_SRCDIR) and returns its stdout, or NULL after a
 * skip when Python or OpenCV is unavailable (the script exits 77). */
char     *msc_imaging_test_python (const char *script, const char * const *args);

/* Asserts a and b have the same size and format and that every pixel
 * differs by at most tolerance, except at most max_fraction of them (0 =
 * none). Fails naming the first differing pixel and the counts. */
void      msc_imaging_test_assert_close (const MscPlane *a, const MscPlane *b,
                                         double tolerance, double max_fraction);

G_END_DECLS
