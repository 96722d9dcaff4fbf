/* engine/io/msc-image.c — MscImage: pixels, display presets, metadata.
 *
 * The pixel buffer is allocated once, with overflow-checked size, by
 * msc_image_new; loaders fill it and the metadata, then hand the image on.
 */
#include "msc-image.h"
#include "msc-io-error.h"
#include "msc-i18n.h"

#include <string.h>

struct _MscImage {
  gatomicrefcount ref_count;
  guint width, height, bits_stored;
  guint16 *pixels;                      /* (height, width) */
  gboolean monochrome1;
  double value_offset;
  GArray *windows;                      /* of MscWindow */
  MscVoiLut *voi_lut;
  double spacing_mm[2];                 /* row, column; 0 = unknown */
  char *spacing_source;
  MscLaterality laterality;
  gboolean laterality_inferred;
  char *view;
  char *path, *format, *photometric, *transfer_syntax, *modality, *manufacturer;
  char *presentation_intent, *sop_class_uid, *sop_instance_uid;
  char *series_instance_uid, *study_instance_uid, *study_date, *study_description;
  gint instance_number;
  guint n_frames;
  MscPatient *patient;
  GPtrArray *notes;                     /* NULL-terminated array of char* */
};

static void
window_clear (gpointer data)
{
  MscWindow *window = data;
  g_clear_pointer (&window->explanation, g_free);
}

MscImage *
msc_image_new (guint width, guint height, guint bits_stored, guint max_dimension, GError **error)
{
  if (max_dimension == 0)
    max_dimension = MSC_IMAGE_MAX_DIMENSION_DEFAULT;
  if (width == 0 || height == 0)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID,
                   _("image has no pixels (%u x %u)"), width, height);
      return NULL;
    }
  if (width > max_dimension || height > max_dimension)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TOO_LARGE,
                   _("image is %u x %u, above the limit of %u x %u"),
                   width, height, max_dimension, max_dimension);
      return NULL;
    }
  if (bits_stored < 1 || bits_stored > 16)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_UNSUPPORTED,
                   _("%u bits stored is not supported (1 to 16)"), bits_stored);
      return NULL;
    }
  gsize n_pixels, n_bytes;
  if (!g_size_checked_mul (&n_pixels, width, height) ||
      !g_size_checked_mul (&n_bytes, n_pixels, sizeof (guint16)))
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TOO_LARGE,
                   _("image of %u x %u pixels does not fit in memory"), width, height);
      return NULL;
    }
  guint16 *pixels = g_try_malloc0 (n_bytes);
  if (pixels == NULL)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TOO_LARGE,
                   _("out of memory for %u x %u pixels"), width, height);
      return NULL;
    }

  MscImage *self = g_new0 (MscImage, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->width = width;
  self->height = height;
  self->bits_stored = bits_stored;
  self->pixels = pixels;
  self->windows = g_array_new (FALSE, TRUE, sizeof (MscWindow));
  g_array_set_clear_func (self->windows, window_clear);
  self->instance_number = -1;
  self->n_frames = 1;
  self->notes = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->notes, NULL);
  return self;
}

MscImage *
msc_image_ref (MscImage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
msc_image_unref (MscImage *self)
{
  if (self == NULL || !g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->pixels);
  g_array_unref (self->windows);
  msc_voi_lut_free (self->voi_lut);
  g_free (self->spacing_source);
  g_free (self->view);
  g_free (self->path);
  g_free (self->format);
  g_free (self->photometric);
  g_free (self->transfer_syntax);
  g_free (self->modality);
  g_free (self->manufacturer);
  g_free (self->presentation_intent);
  g_free (self->sop_class_uid);
  g_free (self->sop_instance_uid);
  g_free (self->series_instance_uid);
  g_free (self->study_instance_uid);
  g_free (self->study_date);
  g_free (self->study_description);
  msc_patient_free (self->patient);
  g_ptr_array_unref (self->notes);
  g_free (self);
}

guint msc_image_get_width (const MscImage *self) { return self->width; }
guint msc_image_get_height (const MscImage *self) { return self->height; }
guint msc_image_get_bits_stored (const MscImage *self) { return self->bits_stored; }
const guint16 *msc_image_get_pixels (const MscImage *self) { return self->pixels; }
guint16 *msc_image_get_pixels_mutable (MscImage *self) { return self->pixels; }
gboolean msc_image_get_monochrome1 (const MscImage *self) { return self->monochrome1; }
double msc_image_get_value_offset (const MscImage *self) { return self->value_offset; }
guint msc_image_get_n_windows (const MscImage *self) { return self->windows->len; }
const MscVoiLut *msc_image_get_voi_lut (const MscImage *self) { return self->voi_lut; }
const char *msc_image_get_spacing_source (const MscImage *self) { return self->spacing_source; }
MscLaterality msc_image_get_laterality (const MscImage *self) { return self->laterality; }
gboolean msc_image_get_laterality_inferred (const MscImage *self) { return self->laterality_inferred; }
const char *msc_image_get_view (const MscImage *self) { return self->view; }
const char *msc_image_get_path (const MscImage *self) { return self->path; }
const char *msc_image_get_format (const MscImage *self) { return self->format; }
const char *msc_image_get_photometric (const MscImage *self) { return self->photometric; }
const char *msc_image_get_transfer_syntax (const MscImage *self) { return self->transfer_syntax; }
const char *msc_image_get_modality (const MscImage *self) { return self->modality; }
const char *msc_image_get_manufacturer (const MscImage *self) { return self->manufacturer; }
const char *msc_image_get_presentation_intent (const MscImage *self) { return self->presentation_intent; }
const char *msc_image_get_sop_class_uid (const MscImage *self) { return self->sop_class_uid; }
const char *msc_image_get_sop_instance_uid (const MscImage *self) { return self->sop_instance_uid; }
const char *msc_image_get_series_instance_uid (const MscImage *self) { return self->series_instance_uid; }
const char *msc_image_get_study_instance_uid (const MscImage *self) { return self->study_instance_uid; }
const char *msc_image_get_study_date (const MscImage *self) { return self->study_date; }
const char *msc_image_get_study_description (const MscImage *self) { return self->study_description; }
gint msc_image_get_instance_number (const MscImage *self) { return self->instance_number; }
guint msc_image_get_n_frames (const MscImage *self) { return self->n_frames; }
const MscPatient *msc_image_get_patient (const MscImage *self) { return self->patient; }

const MscWindow *
msc_image_get_window (const MscImage *self, guint index)
{
  g_return_val_if_fail (index < self->windows->len, NULL);
  return &g_array_index (self->windows, MscWindow, index);
}

gboolean
msc_image_get_spacing_mm (const MscImage *self, double *row_mm, double *col_mm)
{
  if (row_mm)
    *row_mm = self->spacing_mm[0];
  if (col_mm)
    *col_mm = self->spacing_mm[1];
  return self->spacing_mm[0] > 0 && self->spacing_mm[1] > 0;
}

const char * const *
msc_image_get_notes (const MscImage *self)
{
  return (const char * const *) self->notes->pdata;
}

void
msc_image_add_note (MscImage *self, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  char *note = g_strdup_vprintf (format, args);
  va_end (args);
  /* Keep the array NULL-terminated: replace the terminator, add a new one. */
  self->notes->pdata[self->notes->len - 1] = note;
  g_ptr_array_add (self->notes, NULL);
}

static void
replace_string (char **field, const char *value)
{
  char *copy = g_strdup (value);
  g_free (*field);
  *field = copy;
}

void msc_image_set_path (MscImage *self, const char *v) { replace_string (&self->path, v); }
void msc_image_set_format (MscImage *self, const char *v) { replace_string (&self->format, v); }
void msc_image_set_photometric (MscImage *self, const char *v) { replace_string (&self->photometric, v); }
void msc_image_set_transfer_syntax (MscImage *self, const char *v) { replace_string (&self->transfer_syntax, v); }
void msc_image_set_modality (MscImage *self, const char *v) { replace_string (&self->modality, v); }
void msc_image_set_manufacturer (MscImage *self, const char *v) { replace_string (&self->manufacturer, v); }
void msc_image_set_presentation_intent (MscImage *self, const char *v) { replace_string (&self->presentation_intent, v); }
void msc_image_set_sop_class_uid (MscImage *self, const char *v) { replace_string (&self->sop_class_uid, v); }
void msc_image_set_sop_instance_uid (MscImage *self, const char *v) { replace_string (&self->sop_instance_uid, v); }
void msc_image_set_series_instance_uid (MscImage *self, const char *v) { replace_string (&self->series_instance_uid, v); }
void msc_image_set_study_instance_uid (MscImage *self, const char *v) { replace_string (&self->study_instance_uid, v); }
void msc_image_set_study_date (MscImage *self, const char *v) { replace_string (&self->study_date, v); }
void msc_image_set_study_description (MscImage *self, const char *v) { replace_string (&self->study_description, v); }
void msc_image_set_view (MscImage *self, const char *v) { replace_string (&self->view, v); }
void msc_image_set_monochrome1 (MscImage *self, gboolean v) { self->monochrome1 = v; }
void msc_image_set_value_offset (MscImage *self, double v) { self->value_offset = v; }
void msc_image_set_instance_number (MscImage *self, gint v) { self->instance_number = v; }
void msc_image_set_n_frames (MscImage *self, guint v) { self->n_frames = v; }

void
msc_image_set_spacing_mm (MscImage *self, double row_mm, double col_mm, const char *source)
{
  self->spacing_mm[0] = row_mm;
  self->spacing_mm[1] = col_mm;
  replace_string (&self->spacing_source, source);
}

void
msc_image_set_laterality (MscImage *self, MscLaterality laterality, gboolean inferred)
{
  self->laterality = laterality;
  self->laterality_inferred = inferred;
}

void
msc_image_add_window (MscImage *self, double center, double width,
                      MscVoiFunction function, const char *explanation)
{
  MscWindow window = { center, width, function, g_strdup (explanation) };
  g_array_append_val (self->windows, window);
}

void
msc_image_set_voi_lut (MscImage *self, MscVoiLut *lut)
{
  msc_voi_lut_free (self->voi_lut);
  self->voi_lut = lut;
}

void
msc_image_set_patient (MscImage *self, MscPatient *patient)
{
  msc_patient_free (self->patient);
  self->patient = patient;
}

void
msc_voi_lut_free (MscVoiLut *lut)
{
  if (lut == NULL)
    return;
  g_free (lut->data);
  g_free (lut->explanation);
  g_free (lut);
}

void
msc_patient_free (MscPatient *patient)
{
  if (patient == NULL)
    return;
  g_free (patient->name);
  g_free (patient->id);
  g_free (patient->birth_date);
  g_free (patient->sex);
  g_free (patient->accession_number);
  g_free (patient->institution);
  g_free (patient->referring_physician);
  g_free (patient);
}

const char *
msc_laterality_to_string (MscLaterality laterality)
{
  switch (laterality)
    {
    case MSC_LATERALITY_RIGHT: return "R";
    case MSC_LATERALITY_LEFT:  return "L";
    case MSC_LATERALITY_BOTH:  return "B";
    case MSC_LATERALITY_UNKNOWN:
    default:                   return NULL;
    }
}

MscLaterality
msc_laterality_from_string (const char *text)
{
  if (text == NULL)
    return MSC_LATERALITY_UNKNOWN;
  g_autofree char *t = g_strstrip (g_ascii_strup (text, -1));
  if (strcmp (t, "R") == 0) return MSC_LATERALITY_RIGHT;
  if (strcmp (t, "L") == 0) return MSC_LATERALITY_LEFT;
  if (strcmp (t, "B") == 0) return MSC_LATERALITY_BOTH;
  return MSC_LATERALITY_UNKNOWN;
}

const char *
msc_voi_function_to_string (MscVoiFunction function)
{
  switch (function)
    {
    case MSC_VOI_LINEAR_EXACT: return "LINEAR_EXACT";
    case MSC_VOI_SIGMOID:      return "SIGMOID";
    case MSC_VOI_LINEAR:
    default:                   return "LINEAR";
    }
}
