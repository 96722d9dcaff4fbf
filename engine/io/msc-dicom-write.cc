/* engine/io/msc-dicom-write.cc — write an MscImage as a DICOM Digital
 * Mammography X-Ray Image (For Presentation), explicit VR little endian.
 *
 * DCMTK builds the data set; everything C++ stays in this file and every
 * exception is caught at the extern "C" boundary.
 */
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include "msc-dicom.h"
#include "msc-dicom-private.h"
#include "msc-i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include <exception>
#include <string>

/* DCMTK's name for the same UID; spelled out so the intent is readable. */
#define MG_FOR_PRESENTATION_UID UID_DigitalMammographyXRayImageStorageForPresentation

namespace {

/* A write failure with the message that becomes the GError. */
struct WriteError
{
  MscIoError code;
  std::string message;
};

void
check (const OFCondition &cond, const char *path, const char *what)
{
  if (cond.bad ())
    throw WriteError { MSC_IO_ERROR_FAILED,
                       std::string (path) + ": " + what + ": " + cond.text () };
}

void
put_string (DcmDataset *ds, const DcmTagKey &tag, const char *value, const char *path)
{
  /* Type 2 attributes are written empty rather than left out. */
  check (ds->putAndInsertString (tag, value ? value : ""), path, DcmTag (tag).getTagName ());
}

void
put_u16 (DcmDataset *ds, const DcmTagKey &tag, Uint16 value, const char *path)
{
  check (ds->putAndInsertUint16 (tag, value), path, DcmTag (tag).getTagName ());
}

std::string
format_ds (double value)
{
  /* DS is at most 16 characters; %.10g keeps 0.1 as "0.1". */
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (buf, sizeof buf, "%.10g", value);
  return buf;
}

/* Patient Orientation (0020,0020) for the hanging convention Mammoscope
 * writes: a right breast has its chest wall at the image's right edge and a
 * left breast at the left edge, the lateral side (CC) or the head (MLO) at
 * the top. Row direction (left to right) is then posterior for R and
 * anterior for L. Column direction (top to bottom): CC runs from lateral to
 * medial, i.e. toward the patient's left for R and right for L; MLO and ML
 * run toward the feet, and for MLO also medially because the image plane
 * is tilted (PS3.3 C.7.6.1.1.1 allows the oblique pair of letters). */
const char *
patient_orientation (MscLaterality laterality, const char *view)
{
  gboolean right = laterality == MSC_LATERALITY_RIGHT;
  if (laterality != MSC_LATERALITY_RIGHT && laterality != MSC_LATERALITY_LEFT)
    return "";
  if (view == NULL)
    return "";
  if (g_ascii_strcasecmp (view, "CC") == 0 || g_ascii_strcasecmp (view, "XCCL") == 0 ||
      g_ascii_strcasecmp (view, "XCCM") == 0 || g_ascii_strcasecmp (view, "FB") == 0)
    return right ? "P\\L" : "A\\R";
  if (g_ascii_strcasecmp (view, "MLO") == 0)
    return right ? "P\\FL" : "A\\FR";
  if (g_ascii_strcasecmp (view, "ML") == 0 || g_ascii_strcasecmp (view, "LM") == 0)
    return right ? "P\\F" : "A\\F";
  return "";
}

struct ViewCode
{
  const char *view, *code, *meaning;
};

/* SNOMED CT codes of CID 4014 "View for Mammography". */
const ViewCode view_codes[] = {
  { "CC",   "399162004", "cranio-caudal" },
  { "MLO",  "399368009", "medio-lateral oblique" },
  { "ML",   "399260004", "medio-lateral" },
  { "LM",   "399352003", "latero-medial" },
  { "XCCL", "399192003", "cranio-caudal exaggerated laterally" },
  { "XCCM", "399101009", "cranio-caudal exaggerated medially" },
};

DcmItem *
new_code_item (DcmDataset *ds, const DcmTagKey &seq, const char *value,
               const char *meaning, const char *path)
{
  DcmItem *item = NULL;
  check (ds->findOrCreateSequenceItem (seq, item, -2), path, "code sequence");
  check (item->putAndInsertString (DCM_CodeValue, value), path, "CodeValue");
  check (item->putAndInsertString (DCM_CodingSchemeDesignator, "SCT"), path, "CodingScheme");
  check (item->putAndInsertString (DCM_CodeMeaning, meaning), path, "CodeMeaning");
  return item;
}

void
put_view_and_anatomy (DcmDataset *ds, const MscImage *image, const char *path)
{
  const char *view = msc_image_get_view (image);
  g_autofree char *upper = view ? g_ascii_strup (view, -1) : NULL;
  put_string (ds, DCM_ViewPosition, upper, path);
  for (const ViewCode &vc : view_codes)
    if (upper && strcmp (upper, vc.view) == 0)
      {
        DcmItem *item = new_code_item (ds, DCM_ViewCodeSequence, vc.code, vc.meaning, path);
        /* Type 2 inside the item: present and empty. */
        check (item->insertEmptyElement (DCM_ViewModifierCodeSequence), path, "ViewModifier");
      }
  new_code_item (ds, DCM_AnatomicRegionSequence, "76752008", "Breast", path);
  put_string (ds, DCM_BodyPartExamined, "BREAST", path);
  put_string (ds, DCM_OrganExposed, "BREAST", path);
  put_string (ds, DCM_ImageLaterality, msc_laterality_to_string (msc_image_get_laterality (image)), path);
  put_string (ds, DCM_PatientOrientation,
              patient_orientation (msc_image_get_laterality (image), view), path);
}

gboolean
any_non_ascii (const MscImage *image)
{
  const MscPatient *p = msc_image_get_patient (image);
  const char *fields[] = {
    msc_image_get_manufacturer (image), msc_image_get_study_description (image),
    p ? p->name : NULL, p ? p->id : NULL, p ? p->institution : NULL,
    p ? p->referring_physician : NULL, p ? p->accession_number : NULL,
  };
  for (const char *f : fields)
    if (f && !g_str_is_ascii (f))
      return TRUE;
  for (guint i = 0; i < msc_image_get_n_windows (image); i++)
    {
      const char *e = msc_image_get_window (image, i)->explanation;
      if (e && !g_str_is_ascii (e))
        return TRUE;
    }
  return FALSE;
}

void
put_identity (DcmDataset *ds, const MscImage *image, const char *path)
{
  const MscPatient *p = msc_image_get_patient (image);
  /* MscImage strings are UTF-8; say so only when it matters. */
  if (any_non_ascii (image))
    put_string (ds, DCM_SpecificCharacterSet, "ISO_IR 192", path);
  put_string (ds, DCM_PatientName, p ? p->name : NULL, path);
  put_string (ds, DCM_PatientID, p ? p->id : NULL, path);
  put_string (ds, DCM_PatientBirthDate, p ? p->birth_date : NULL, path);
  put_string (ds, DCM_PatientSex, p ? p->sex : NULL, path);
  put_string (ds, DCM_AccessionNumber, p ? p->accession_number : NULL, path);
  put_string (ds, DCM_ReferringPhysicianName, p ? p->referring_physician : NULL, path);
  if (p && p->institution)
    put_string (ds, DCM_InstitutionName, p->institution, path);
}

void
put_study (DcmDataset *ds, const MscImage *image, const char *path)
{
  const char *uids[3] = {
    msc_image_get_study_instance_uid (image),
    msc_image_get_series_instance_uid (image),
    msc_image_get_sop_instance_uid (image),
  };
  const DcmTagKey tags[3] = { DCM_StudyInstanceUID, DCM_SeriesInstanceUID, DCM_SOPInstanceUID };
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *fresh = (uids[i] && *uids[i]) ? NULL : msc_dicom_new_uid ();
      put_string (ds, tags[i], fresh ? fresh : uids[i], path);
    }
  put_string (ds, DCM_SOPClassUID, MG_FOR_PRESENTATION_UID, path);
  const char *date = msc_image_get_study_date (image);
  put_string (ds, DCM_StudyDate, date, path);
  put_string (ds, DCM_StudyTime, NULL, path);
  put_string (ds, DCM_ContentDate, date, path);
  put_string (ds, DCM_ContentTime, NULL, path);
  if (msc_image_get_study_description (image))
    put_string (ds, DCM_StudyDescription, msc_image_get_study_description (image), path);
  put_string (ds, DCM_StudyID, NULL, path);
  put_string (ds, DCM_SeriesNumber, "1", path);
  gint number = msc_image_get_instance_number (image);
  g_autofree char *num = number >= 0 ? g_strdup_printf ("%d", number) : NULL;
  put_string (ds, DCM_InstanceNumber, num, path);
  put_string (ds, DCM_Modality, "MG", path);
  const char *intent = msc_image_get_presentation_intent (image);
  put_string (ds, DCM_PresentationIntentType, intent ? intent : "FOR PRESENTATION", path);
  put_string (ds, DCM_Manufacturer, msc_image_get_manufacturer (image), path);
  /* Value 3 present and empty: not stereotactic, not tomosynthesis. */
  put_string (ds, DCM_ImageType, "DERIVED\\PRIMARY\\", path);
  put_string (ds, DCM_BurnedInAnnotation, "NO", path);
  put_string (ds, DCM_LossyImageCompression, "00", path);
  put_string (ds, DCM_PositionerType, "MAMMOGRAPHIC", path);
  put_string (ds, DCM_DetectorType, NULL, path);
  put_string (ds, DCM_BreastImplantPresent, "NO", path);
  check (ds->insertEmptyElement (DCM_AcquisitionContextSequence), path, "AcquisitionContext");
}

void
put_voi (DcmDataset *ds, const MscImage *image, const char *path)
{
  std::string centers, widths, explanations;
  guint n = msc_image_get_n_windows (image);
  gboolean any_explanation = FALSE;
  for (guint i = 0; i < n; i++)
    {
      const MscWindow *w = msc_image_get_window (image, i);
      const char *sep = i ? "\\" : "";
      centers += sep + format_ds (w->center);
      widths += sep + format_ds (w->width);
      explanations += std::string (sep) + (w->explanation ? w->explanation : "");
      any_explanation |= w->explanation != NULL;
    }
  if (n == 0)
    {
      /* FOR PRESENTATION needs a VOI; the full stored range is honest. */
      double top = (double) ((1u << msc_image_get_bits_stored (image)) - 1);
      centers = format_ds (top / 2 + 0.5);
      widths = format_ds (top + 1);
      explanations = "FULL RANGE";
      any_explanation = TRUE;
    }
  put_string (ds, DCM_WindowCenter, centers.c_str (), path);
  put_string (ds, DCM_WindowWidth, widths.c_str (), path);
  if (any_explanation)
    put_string (ds, DCM_WindowCenterWidthExplanation, explanations.c_str (), path);
  /* One VOI LUT Function applies to every window of the object. */
  MscVoiFunction fn = n ? msc_image_get_window (image, 0)->function : MSC_VOI_LINEAR;
  put_string (ds, DCM_VOILUTFunction, msc_voi_function_to_string (fn), path);
  put_string (ds, DCM_RescaleIntercept, format_ds (msc_image_get_value_offset (image)).c_str (), path);
  put_string (ds, DCM_RescaleSlope, "1", path);
  put_string (ds, DCM_RescaleType, "US", path);
}

void
put_pixels (DcmDataset *ds, const MscImage *image, const char *path)
{
  guint width = msc_image_get_width (image), height = msc_image_get_height (image);
  guint bits = msc_image_get_bits_stored (image);
  if (width > 65535 || height > 65535)
    {
      g_autofree char *msg = g_strdup_printf (
        _("%s: %u x %u pixels do not fit DICOM Rows/Columns"), path, width, height);
      throw WriteError { MSC_IO_ERROR_TOO_LARGE, msg };
    }
  const guint16 *pixels = msc_image_get_pixels (image);
  gsize n = (gsize) width * height;
  guint16 top = (guint16) ((1u << bits) - 1);
  for (gsize i = 0; i < n; i++)
    if (pixels[i] > top)
      {
        g_autofree char *msg = g_strdup_printf (
          _("%s: pixel %lu has value %u, above %u bits stored"),
          path, (gulong) i, pixels[i], bits);
        throw WriteError { MSC_IO_ERROR_INVALID, msg };
      }
  gboolean mono1 = msc_image_get_monochrome1 (image);
  put_u16 (ds, DCM_Rows, (Uint16) height, path);
  put_u16 (ds, DCM_Columns, (Uint16) width, path);
  put_u16 (ds, DCM_SamplesPerPixel, 1, path);
  put_string (ds, DCM_PhotometricInterpretation, mono1 ? "MONOCHROME1" : "MONOCHROME2", path);
  put_u16 (ds, DCM_BitsAllocated, 16, path);
  put_u16 (ds, DCM_BitsStored, (Uint16) bits, path);
  put_u16 (ds, DCM_HighBit, (Uint16) (bits - 1), path);
  put_u16 (ds, DCM_PixelRepresentation, 0, path);
  /* DX: log exposure; MONOCHROME2 shows dense tissue (less X-ray) bright. */
  put_string (ds, DCM_PixelIntensityRelationship, "LOG", path);
  check (ds->putAndInsertSint16 (DCM_PixelIntensityRelationshipSign, mono1 ? 1 : -1), path,
         "PixelIntensityRelationshipSign");
  put_string (ds, DCM_PresentationLUTShape, mono1 ? "INVERSE" : "IDENTITY", path);
  check (ds->putAndInsertUint16Array (DCM_PixelData, pixels, (unsigned long) n), path, "PixelData");
}

void
put_spacing (DcmDataset *ds, const MscImage *image, const char *path)
{
  double row_mm, col_mm;
  if (!msc_image_get_spacing_mm (image, &row_mm, &col_mm))
    return;
  std::string value = format_ds (row_mm) + "\\" + format_ds (col_mm);
  put_string (ds, DCM_ImagerPixelSpacing, value.c_str (), path);
  put_string (ds, DCM_PixelSpacing, value.c_str (), path);
}

/* Flush the file's data to disk so the rename below never exposes an empty
 * file after a crash. */
void
sync_file (const char *tmp, const char *path)
{
  int fd = g_open (tmp, O_RDONLY, 0);
  if (fd < 0 || fsync (fd) != 0)
    {
      int saved = errno;
      if (fd >= 0)
        close (fd);
      throw WriteError { MSC_IO_ERROR_FAILED, std::string (path) + ": " + g_strerror (saved) };
    }
  close (fd);
}

void
save_impl (const MscImage *image, const char *path)
{
  DcmFileFormat file;
  DcmDataset *ds = file.getDataset ();
  put_identity (ds, image, path);
  put_study (ds, image, path);
  put_view_and_anatomy (ds, image, path);
  put_spacing (ds, image, path);
  put_voi (ds, image, path);
  put_pixels (ds, image, path);

  /* Temporary file in the destination folder, so rename() is atomic. */
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmpl = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  int fd = g_mkstemp_full (tmpl, O_RDWR, 0644);
  if (fd < 0)
    {
      int saved = errno;
      throw WriteError { MSC_IO_ERROR_FAILED, std::string (path) + ": " + g_strerror (saved) };
    }
  close (fd);
  try
    {
      OFCondition cond = file.saveFile (tmpl, EXS_LittleEndianExplicit, EET_ExplicitLength,
                                        EGL_recalcGL, EPD_noChange, 0, 0, EWM_fileformat);
      check (cond, path, "write");
      sync_file (tmpl, path);
      if (g_rename (tmpl, path) != 0)
        {
          int saved = errno;
          throw WriteError { MSC_IO_ERROR_FAILED, std::string (path) + ": " + g_strerror (saved) };
        }
    }
  catch (...)
    {
      g_unlink (tmpl);
      throw;
    }
}

} // namespace

extern "C" gboolean
msc_dicom_save (const MscImage *image, const char *path, GError **error)
{
  g_return_val_if_fail (image != NULL && path != NULL, FALSE);
  try
    {
      save_impl (image, path);
      return TRUE;
    }
  catch (const WriteError &e)
    {
      g_set_error_literal (error, MSC_IO_ERROR, e.code, e.message.c_str ());
    }
  catch (const std::exception &e)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_FAILED, "%s: %s", path, e.what ());
    }
  catch (...)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_FAILED, _("%s: unexpected error"), path);
    }
  return FALSE;
}

extern "C" char *
msc_dicom_uid_from_bytes (const guint8 bytes[16])
{
  /* Decimal of a 128-bit big-endian number by long division: at most 39
   * digits, so "2.25." + digits stays under the 64-character UID limit. */
  guint8 num[16];
  memcpy (num, bytes, 16);
  char digits[40];
  int n = 0;
  gboolean zero;
  do
    {
      guint rem = 0;
      zero = TRUE;
      for (int i = 0; i < 16; i++)
        {
          guint cur = (rem << 8) | num[i];
          num[i] = (guint8) (cur / 10);
          rem = cur % 10;
          zero &= num[i] == 0;
        }
      digits[n++] = (char) ('0' + rem);
    }
  while (!zero);
  GString *uid = g_string_new ("2.25.");
  while (n > 0)
    g_string_append_c (uid, digits[--n]);
  return g_string_free (uid, FALSE);
}

extern "C" char *
msc_dicom_new_uid (void)
{
  /* PS3.5 B.2: a UUID as one 128-bit integer under the 2.25 root. */
  g_autofree char *uuid = g_uuid_string_random ();
  guint8 bytes[16];
  int k = 0;
  for (const char *c = uuid; *c && k < 32; c++)
    if (g_ascii_isxdigit (*c))
      {
        int v = g_ascii_xdigit_value (*c);
        bytes[k / 2] = (guint8) (k % 2 ? (bytes[k / 2] | v) : (v << 4));
        k++;
      }
  return msc_dicom_uid_from_bytes (bytes);
}
