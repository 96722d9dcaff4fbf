/* engine/imaging/msc-plane-private.h — MscPlane calls for engine/imaging
 * only. */
#pragma once

#include "msc-plane.h"

G_BEGIN_DECLS

/* Hot pixel loops are also built for AVX2 and picked at load time
 * (ifunc): twice the lanes of the SSE2 x86-64 baseline, as OpenCV's own
 * dispatch does; other machines run the baseline build of the same C.
 * Put it on the function that holds the loops (inline callees follow). */
#if defined(__x86_64__) && defined(__linux__) && defined(__has_attribute)
#if __has_attribute (target_clones)
#define MSC_CPU_CLONES __attribute__ ((target_clones ("avx2", "default")))
#endif
#endif
#ifndef MSC_CPU_CLONES
#define MSC_CPU_CLONES
#endif

/* As msc_plane_new, but the pixels are left unset: for steps that write
 * every pixel, where zeroing a large plane first costs as much as a cheap
 * filter (27 MB for a 3328 x 4096 U16 plane, single-threaded). (transfer full) */
MscPlane *msc_plane_new_uninitialised (MscPlaneFormat format, guint width, guint height,
                                       GError **error);

/* TRUE when mask is NULL or a U8 plane of src's size; otherwise FALSE
 * with FORMAT or INVALID naming the step. */
gboolean  msc_plane_check_mask        (const MscPlane *src, const MscPlane *mask, const char *step,
                                       GError **error);

G_END_DECLS
