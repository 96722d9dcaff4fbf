/* engine/io/msc-study.h — group images into studies and hang them.
 *
 * A folder (recursively), a DICOMDIR or a list of files becomes a list of
 * studies: DICOM grouped by Study Instance UID, PNG/PGM one study per
 * folder. Each study fills the four screening slots from laterality and
 * view; laterality missing from the header is inferred from the side the
 * breast lies on, and the image carries a note saying so.
 */
#pragma once

#include "msc-image.h"
#include "msc-load.h"

G_BEGIN_DECLS

typedef enum {
  MSC_SLOT_R_CC = 0,
  MSC_SLOT_L_CC,
  MSC_SLOT_R_MLO,
  MSC_SLOT_L_MLO,
  MSC_N_SLOTS,
  MSC_SLOT_NONE = -1,
} MscSlot;

typedef struct _MscStudy MscStudy;

/* path: a file, a folder or a DICOMDIR. Files that fail to load are not
 * fatal: each adds "PATH: reason" to *problems (transfer full, may be
 * NULL). Returns an array of MscStudy* (transfer full), empty when no
 * image was found; NULL and error only when path itself cannot be read. */
GPtrArray  *msc_study_scan             (const char *path, const MscLoadOptions *opts,
                                        GPtrArray **problems, GError **error);
/* The same for an explicit list of files. */
GPtrArray  *msc_study_group            (const char * const *paths, const MscLoadOptions *opts,
                                        GPtrArray **problems);

MscStudy   *msc_study_ref              (MscStudy *self);
void        msc_study_unref            (MscStudy *self);          /* NULL-safe */
const char *msc_study_get_uid          (const MscStudy *self);    /* or folder path */
const char *msc_study_get_description  (const MscStudy *self);    /* (nullable) */
guint       msc_study_get_n_images     (const MscStudy *self);
MscImage   *msc_study_get_image        (const MscStudy *self, guint index);  /* (transfer none) */
/* (transfer none) (nullable): the image hung in slot. */
MscImage   *msc_study_get_slot         (const MscStudy *self, MscSlot slot);

/* Which slot an image belongs in from its laterality and view, or NONE. */
MscSlot     msc_slot_for_image         (const MscImage *image);
const char *msc_slot_to_string         (MscSlot slot);            /* "R-CC"... */

/* Decides laterality from the pixels: the chest wall side carries the
 * breast tissue (right breast: tissue against the image's right edge, by
 * the usual hanging convention). Returns UNKNOWN when it cannot tell. */
MscLaterality msc_study_infer_laterality (const MscImage *image);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscStudy, msc_study_unref)

G_END_DECLS
