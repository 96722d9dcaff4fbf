/* engine/io/msc-image.h — a greyscale mammogram in memory.
 *
 * MscImage holds one frame of stored pixel values (after the modality LUT)
 * as uint16 plus the metadata a reader needs to hang and display it.
 * Patient identity lives apart in MscPatient so de-identified use is simply
 * "never look at it". Images are reference counted and immutable once a
 * loader has returned them; every getter lends (transfer none).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Largest width or height a loader accepts unless told otherwise. Full-field
 * digital mammograms are at most about 4096 x 5600. */
#define MSC_IMAGE_MAX_DIMENSION_DEFAULT 16384

typedef enum {
  MSC_LATERALITY_UNKNOWN = 0,
  MSC_LATERALITY_RIGHT,
  MSC_LATERALITY_LEFT,
  MSC_LATERALITY_BOTH,
} MscLaterality;

/* DICOM PS3.3 C.11.2.1.2/3: how stored values map through a window. */
typedef enum {
  MSC_VOI_LINEAR = 0,
  MSC_VOI_LINEAR_EXACT,
  MSC_VOI_SIGMOID,
} MscVoiFunction;

typedef struct {
  double center;                /* in stored-value units (after modality LUT) */
  double width;                 /* > 0; LINEAR needs >= 1 */
  MscVoiFunction function;
  char *explanation;            /* (nullable) WindowCenterWidthExplanation */
} MscWindow;

/* One item of a VOI LUT Sequence: a table instead of a window. */
typedef struct {
  guint n_entries;              /* 1..65536 */
  gint first_mapped;            /* stored value that maps to data[0] */
  guint bits;                   /* output bits of data[] (8..16) */
  guint16 *data;                /* n_entries values */
  char *explanation;            /* (nullable) */
} MscVoiLut;

/* Identity fields: never printed, logged or exported unless asked for. */
typedef struct {
  char *name;
  char *id;
  char *birth_date;
  char *sex;
  char *accession_number;
  char *institution;
  char *referring_physician;
} MscPatient;

typedef struct _MscImage MscImage;

/* Construction for loaders, generators and tests: a blank image of
 * width x height, bits_stored in 1..16, every pixel 0. Fails when a
 * dimension is 0 or above max_dimension (0 = MSC_IMAGE_MAX_DIMENSION_DEFAULT). */
MscImage      *msc_image_new               (guint width,
                                            guint height,
                                            guint bits_stored,
                                            guint max_dimension,
                                            GError **error);
MscImage      *msc_image_ref               (MscImage *self);
void           msc_image_unref             (MscImage *self);      /* NULL-safe */

guint          msc_image_get_width         (const MscImage *self);
guint          msc_image_get_height        (const MscImage *self);
guint          msc_image_get_bits_stored   (const MscImage *self);
/* Row-major, width * height values; lent. Writable only while the caller
 * is the image's builder (before it is handed on). */
const guint16 *msc_image_get_pixels        (const MscImage *self);
guint16       *msc_image_get_pixels_mutable(MscImage *self);
/* TRUE when the source was MONOCHROME1: stored values are kept as they
 * were (there, higher = darker on display) and display code inverts. */
gboolean       msc_image_get_monochrome1   (const MscImage *self);
/* Modality value = stored + value_offset; non-zero only when rescaling
 * would have produced values outside 0..65535 (signed CT-style data). */
double         msc_image_get_value_offset  (const MscImage *self);

guint          msc_image_get_n_windows     (const MscImage *self);
const MscWindow *msc_image_get_window      (const MscImage *self, guint index);
const MscVoiLut *msc_image_get_voi_lut     (const MscImage *self);   /* (nullable) */

/* Pixel spacing in mm, (row spacing, column spacing); FALSE when unknown. */
gboolean       msc_image_get_spacing_mm    (const MscImage *self, double *row_mm, double *col_mm);
/* "PixelSpacing", "ImagerPixelSpacing" or NULL. */
const char    *msc_image_get_spacing_source(const MscImage *self);

MscLaterality  msc_image_get_laterality    (const MscImage *self);
gboolean       msc_image_get_laterality_inferred (const MscImage *self);
const char    *msc_image_get_view          (const MscImage *self); /* "CC", "MLO"... or NULL */

/* Each of these is (nullable): absent from the source. */
const char    *msc_image_get_path          (const MscImage *self);
const char    *msc_image_get_format        (const MscImage *self); /* "DICOM", "PNG", "PGM" */
const char    *msc_image_get_photometric   (const MscImage *self);
const char    *msc_image_get_transfer_syntax (const MscImage *self); /* UID */
const char    *msc_image_get_modality      (const MscImage *self);
const char    *msc_image_get_manufacturer  (const MscImage *self);
const char    *msc_image_get_presentation_intent (const MscImage *self);
const char    *msc_image_get_sop_class_uid (const MscImage *self);
const char    *msc_image_get_sop_instance_uid (const MscImage *self);
const char    *msc_image_get_series_instance_uid (const MscImage *self);
const char    *msc_image_get_study_instance_uid (const MscImage *self);
const char    *msc_image_get_study_date    (const MscImage *self);
const char    *msc_image_get_study_description (const MscImage *self);
gint           msc_image_get_instance_number (const MscImage *self); /* -1 if absent */
/* Frames in the source object; the image holds the first. */
guint          msc_image_get_n_frames      (const MscImage *self);
const MscPatient *msc_image_get_patient    (const MscImage *self);   /* (nullable) */

/* Human-readable notes about what a loader changed or guessed ("colour
 * converted to grey", "laterality inferred from breast position", "first
 * of 3 frames"). NULL-terminated, lent. */
const char * const *msc_image_get_notes    (const MscImage *self);
void           msc_image_add_note          (MscImage *self, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* Setters for loaders and generators; strings are copied (NULL clears). */
void           msc_image_set_path          (MscImage *self, const char *path);
void           msc_image_set_format        (MscImage *self, const char *format);
void           msc_image_set_photometric   (MscImage *self, const char *photometric);
void           msc_image_set_monochrome1   (MscImage *self, gboolean monochrome1);
void           msc_image_set_value_offset  (MscImage *self, double offset);
void           msc_image_set_transfer_syntax (MscImage *self, const char *uid);
void           msc_image_set_modality      (MscImage *self, const char *modality);
void           msc_image_set_manufacturer  (MscImage *self, const char *manufacturer);
void           msc_image_set_presentation_intent (MscImage *self, const char *intent);
void           msc_image_set_sop_class_uid (MscImage *self, const char *uid);
void           msc_image_set_sop_instance_uid (MscImage *self, const char *uid);
void           msc_image_set_series_instance_uid (MscImage *self, const char *uid);
void           msc_image_set_study_instance_uid (MscImage *self, const char *uid);
void           msc_image_set_study_date    (MscImage *self, const char *date);
void           msc_image_set_study_description (MscImage *self, const char *description);
void           msc_image_set_instance_number (MscImage *self, gint number);
void           msc_image_set_n_frames      (MscImage *self, guint n_frames);
void           msc_image_set_spacing_mm    (MscImage *self, double row_mm, double col_mm, const char *source);
void           msc_image_set_laterality    (MscImage *self, MscLaterality laterality, gboolean inferred);
void           msc_image_set_view          (MscImage *self, const char *view);
void           msc_image_add_window        (MscImage *self, double center, double width,
                                            MscVoiFunction function, const char *explanation);
/* Takes ownership of lut (freed with msc_voi_lut_free). */
void           msc_image_set_voi_lut       (MscImage *self, MscVoiLut *lut);
/* Takes ownership of patient (freed with msc_patient_free). */
void           msc_image_set_patient       (MscImage *self, MscPatient *patient);

void           msc_voi_lut_free            (MscVoiLut *lut);     /* NULL-safe */
void           msc_patient_free            (MscPatient *patient); /* NULL-safe */

const char    *msc_laterality_to_string    (MscLaterality laterality); /* "R", "L", "B", NULL */
MscLaterality  msc_laterality_from_string  (const char *text);
const char    *msc_voi_function_to_string  (MscVoiFunction function);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscImage, msc_image_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscPatient, msc_patient_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscVoiLut, msc_voi_lut_free)

G_END_DECLS
