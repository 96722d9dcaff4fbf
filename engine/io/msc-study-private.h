/* engine/io/msc-study-private.h — study grouping without file access.
 *
 * msc_study_scan and msc_study_group load files, then hand the images to
 * this entry point; tests call it directly with images they built.
 */
#pragma once

#include "msc-study.h"

G_BEGIN_DECLS

/* Groups images (MscImage*, borrowed: each study takes its own reference)
 * into studies, in order of first appearance, and hangs each study's
 * slots. Does not infer laterality. Returns MscStudy* (transfer full). */
GPtrArray *msc_study_group_images (GPtrArray *images);

/* Sets laterality from the pixels, with a note, when the image has none.
 * image must not have been handed on yet (its builder owns it). */
void       msc_study_complete_laterality (MscImage *image);

G_END_DECLS
