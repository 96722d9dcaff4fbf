/* engine/io/msc-dicom.cc — the DICOM reader: DCMTK behind a C API.
 *
 * The only place (with the writer) that sees DCMTK. Every entry point
 * catches everything; DCMTK conditions become MSC_IO_ERROR messages that
 * start with the file name. Header checks (colour, bits, size) run before
 * any pixel data is loaded or decompressed.
 */
#include "msc-dicom.h"
#include "msc-dicom-j2k.h"
#include "msc-i18n.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dccodec.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/oflog/oflog.h>

#include <glib/gstdio.h>
#include <cmath>
#include <exception>
#include <new>

/* Nothing we accept comes near this; it also keeps offsets within DCMTK's
 * 32-bit element lengths. */
#define MAX_FILE_BYTES ((guint64) 2 << 30)

/* ---- one-time DCMTK setup ------------------------------------------------ */

static gpointer
setup_dcmtk (gpointer unused)
{
  /* DCMTK logs parse warnings to stderr; our callers get GErrors instead. */
  OFLog::configure (OFLogger::OFF_LOG_LEVEL);
  DcmRLEDecoderRegistration::registerCodecs ();
  DJDecoderRegistration::registerCodecs ();
  DJLSDecoderRegistration::registerCodecs ();
  return NULL;
}

static void
ensure_dcmtk (void)
{
  static GOnce once = G_ONCE_INIT;
  g_once (&once, setup_dcmtk, NULL);
}

/* ---- the image header ---------------------------------------------------- */

struct Header {
  guint rows = 0, cols = 0;
  guint bits_allocated = 0, bits_stored = 0, high_bit = 0;
  gboolean is_signed = FALSE;
  guint n_frames = 1;
  OFString photometric;
  E_TransferSyntax xfer = EXS_Unknown;
  OFString xfer_uid;
};

static const char *
sop_class_name (DcmItem *ds)
{
  const char *uid = NULL;
  if (ds->findAndGetString (DCM_SOPClassUID, uid).bad () || uid == NULL)
    return _("unknown SOP class");
  const char *name = dcmFindNameOfUID (uid, NULL);
  return name ? name : uid;
}

static gboolean
get_us (DcmItem *ds, const DcmTagKey &key, guint *value)
{
  Uint16 v = 0;
  if (ds->findAndGetUint16 (key, v).bad ())
    return FALSE;
  *value = v;
  return TRUE;
}

static gboolean
check_colour (DcmItem *ds, const char *name, Header *h, GError **error)
{
  guint spp = 1;
  get_us (ds, DCM_SamplesPerPixel, &spp);
  ds->findAndGetOFString (DCM_PhotometricInterpretation, h->photometric);
  h->photometric = h->photometric.empty () ? OFString ("MONOCHROME2") : h->photometric;
  if (spp != 1 || (h->photometric != "MONOCHROME1" && h->photometric != "MONOCHROME2"))
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_NOT_IMAGE,
                   _("%s: colour images are not supported (%s)"), name, h->photometric.c_str ());
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_bits (DcmItem *ds, const char *name, Header *h, GError **error)
{
  if (!get_us (ds, DCM_BitsAllocated, &h->bits_allocated))
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID, _("%s: Bits Allocated is missing"), name);
      return FALSE;
    }
  if (h->bits_allocated != 8 && h->bits_allocated != 16)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_UNSUPPORTED,
                   _("%s: %u bits allocated is not supported (8 or 16)"), name, h->bits_allocated);
      return FALSE;
    }
  if (!get_us (ds, DCM_BitsStored, &h->bits_stored))
    h->bits_stored = h->bits_allocated;
  if (!get_us (ds, DCM_HighBit, &h->high_bit))
    h->high_bit = h->bits_stored - 1;
  guint rep = 0;
  get_us (ds, DCM_PixelRepresentation, &rep);
  h->is_signed = rep == 1;
  if (h->bits_stored < 1 || h->bits_stored > h->bits_allocated ||
      h->high_bit + 1 < h->bits_stored || h->high_bit >= h->bits_allocated)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID,
                   _("%s: inconsistent Bits Stored %u / High Bit %u for %u bits allocated"),
                   name, h->bits_stored, h->high_bit, h->bits_allocated);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_size (DcmItem *ds, const char *name, const MscLoadOptions *opts, Header *h, GError **error)
{
  guint max = opts && opts->max_dimension ? opts->max_dimension : MSC_IMAGE_MAX_DIMENSION_DEFAULT;
  if (!get_us (ds, DCM_Rows, &h->rows) || !get_us (ds, DCM_Columns, &h->cols) ||
      h->rows == 0 || h->cols == 0)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID,
                   _("%s: Rows and Columns are missing or zero"), name);
      return FALSE;
    }
  if (h->rows > max || h->cols > max)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TOO_LARGE,
                   _("%s: image is %u x %u, above the limit of %u x %u"),
                   name, h->cols, h->rows, max, max);
      return FALSE;
    }
  Sint32 frames = 1;
  if (ds->tagExistsWithValue (DCM_NumberOfFrames) &&
      (ds->findAndGetSint32 (DCM_NumberOfFrames, frames).bad () || frames < 1))
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID,
                   _("%s: Number of Frames is not a positive number"), name);
      return FALSE;
    }
  h->n_frames = (guint) frames;
  gsize total;
  if (!g_size_checked_mul (&total, h->rows, h->cols) ||
      !g_size_checked_mul (&total, total, h->n_frames) ||
      !g_size_checked_mul (&total, total, h->bits_allocated / 8) || total > MAX_FILE_BYTES * 8)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TOO_LARGE,
                   _("%s: %u frames of %u x %u pixels are too large"),
                   name, h->n_frames, h->cols, h->rows);
      return FALSE;
    }
  return TRUE;
}

/* Everything that can refuse an object without touching its pixel data. */
static gboolean
read_header (DcmDataset *ds, const char *name, const MscLoadOptions *opts,
             gboolean pixels_expected, Header *h, GError **error)
{
  if (pixels_expected && !ds->tagExists (DCM_PixelData))
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_NOT_IMAGE,
                   _("%s: not an image (%s has no pixel data)"), name, sop_class_name (ds));
      return FALSE;
    }
  if (!ds->tagExists (DCM_Rows) || !ds->tagExists (DCM_Columns))
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_NOT_IMAGE,
                   _("%s: not an image (%s has no Rows/Columns)"), name, sop_class_name (ds));
      return FALSE;
    }
  if (!check_colour (ds, name, h, error) || !check_bits (ds, name, h, error) ||
      !check_size (ds, name, opts, h, error))
    return FALSE;
  h->xfer = ds->getOriginalXfer ();
  DcmXfer xfer (h->xfer);
  h->xfer_uid = xfer.getXferID ();
  return TRUE;
}

/* ---- metadata -------------------------------------------------------------- */

/* A tag's value as UTF-8 (legacy character sets are not converted, only made
 * valid), or NULL when absent or empty. */
static char *
dup_string (DcmItem *ds, const DcmTagKey &key, long pos = 0)
{
  OFString value;
  if (ds->findAndGetOFString (key, value, pos).bad ())
    return NULL;
  g_autofree char *copy = g_strstrip (g_strdup (value.c_str ()));
  if (*copy == '\0')
    return NULL;
  return g_utf8_make_valid (copy, -1);
}

typedef void (*StringSetter) (MscImage *, const char *);

static void
copy_string (MscImage *img, DcmItem *ds, const DcmTagKey &key, StringSetter setter)
{
  g_autofree char *value = dup_string (ds, key);
  if (value != NULL)
    setter (img, value);
}

static void
fill_patient (MscImage *img, DcmItem *ds)
{
  MscPatient *p = g_new0 (MscPatient, 1);
  p->name = dup_string (ds, DCM_PatientName);
  p->id = dup_string (ds, DCM_PatientID);
  p->birth_date = dup_string (ds, DCM_PatientBirthDate);
  p->sex = dup_string (ds, DCM_PatientSex);
  p->accession_number = dup_string (ds, DCM_AccessionNumber);
  p->institution = dup_string (ds, DCM_InstitutionName);
  p->referring_physician = dup_string (ds, DCM_ReferringPhysicianName);
  msc_image_set_patient (img, p);
}

static void
fill_geometry (MscImage *img, DcmItem *ds)
{
  static const struct { DcmTagKey key; const char *source; } spacings[] = {
    { DCM_PixelSpacing, "PixelSpacing" },
    { DCM_ImagerPixelSpacing, "ImagerPixelSpacing" },
  };
  for (const auto &s : spacings)
    {
      Float64 row = 0, col = 0;
      if (ds->findAndGetFloat64 (s.key, row, 0).good () &&
          ds->findAndGetFloat64 (s.key, col, 1).good () &&
          std::isfinite (row) && std::isfinite (col) && row > 0 && col > 0)
        {
          msc_image_set_spacing_mm (img, row, col, s.source);
          break;
        }
    }

  g_autofree char *lat = dup_string (ds, DCM_ImageLaterality);
  if (lat == NULL)
    lat = dup_string (ds, DCM_Laterality);
  if (lat != NULL)
    msc_image_set_laterality (img, msc_laterality_from_string (lat), FALSE);

  g_autofree char *view = dup_string (ds, DCM_ViewPosition);
  if (view != NULL)
    {
      g_autofree char *upper = g_ascii_strup (view, -1);
      msc_image_set_view (img, upper);
    }
}

static MscVoiFunction
voi_function (DcmItem *ds)
{
  OFString f;
  ds->findAndGetOFString (DCM_VOILUTFunction, f);
  if (f == "SIGMOID")
    return MSC_VOI_SIGMOID;
  if (f == "LINEAR_EXACT")
    return MSC_VOI_LINEAR_EXACT;
  return MSC_VOI_LINEAR;
}

static void
fill_windows (MscImage *img, DcmItem *ds, double offset)
{
  MscVoiFunction function = voi_function (ds);
  unsigned long n = 0;
  DcmElement *el = NULL;
  if (ds->findAndGetElement (DCM_WindowCenter, el).good () && el != NULL)
    n = el->getVM ();
  for (unsigned long i = 0; i < n; i++)
    {
      Float64 center = 0, width = 0;
      if (ds->findAndGetFloat64 (DCM_WindowCenter, center, i).bad () ||
          ds->findAndGetFloat64 (DCM_WindowWidth, width, i).bad () ||
          !std::isfinite (center) || !std::isfinite (width) || width <= 0 ||
          (function == MSC_VOI_LINEAR && width < 1))
        {
          msc_image_add_note (img, _("window %lu ignored: invalid centre or width"), i + 1);
          continue;
        }
      g_autofree char *explanation = dup_string (ds, DCM_WindowCenterWidthExplanation, i);
      /* Windows are in modality units; the image holds modality - offset. */
      msc_image_add_window (img, center - offset, width, function, explanation);
    }
}

/* One LUT Descriptor value as its 16 bits. PS3.3 allows VR US or SS for
 * the descriptor (SS when the pixels are signed), and DCMTK's getUint16
 * refuses an SS element, which made such LUTs vanish without a note. */
static gboolean
get_descriptor (DcmItem *item, unsigned long pos, Uint16 *value)
{
  if (item->findAndGetUint16 (DCM_LUTDescriptor, *value, pos).good ())
    return TRUE;
  Sint16 s = 0;
  if (item->findAndGetSint16 (DCM_LUTDescriptor, s, pos).bad ())
    return FALSE;
  *value = (Uint16) s;
  return TRUE;
}

/* A LUT Descriptor + LUT Data pair (PS3.3 C.11.1/C.11.2): entries
 * (0 means 65536), first mapped value (signed when the pixels are), bits. */
static MscVoiLut *
read_lut (DcmItem *item, gboolean is_signed)
{
  Uint16 n16 = 0, first16 = 0, bits = 0;
  const Uint16 *data = NULL;
  unsigned long count = 0;
  if (!get_descriptor (item, 0, &n16) || !get_descriptor (item, 1, &first16) ||
      !get_descriptor (item, 2, &bits) ||
      item->findAndGetUint16Array (DCM_LUTData, data, &count).bad () || data == NULL)
    return NULL;
  guint n = n16 == 0 ? 65536 : n16;
  if (count < n || bits < 8 || bits > 16)
    return NULL;
  MscVoiLut *lut = g_new0 (MscVoiLut, 1);
  lut->n_entries = n;
  lut->first_mapped = is_signed ? (gint) (Sint16) first16 : (gint) first16;
  lut->bits = bits;
  lut->data = (guint16 *) g_memdup2 (data, n * sizeof (guint16));
  lut->explanation = dup_string (item, DCM_LUTExplanation);
  return lut;
}

static void
fill_voi_lut (MscImage *img, DcmItem *ds, gboolean is_signed, double offset)
{
  DcmItem *item = NULL;
  if (ds->findAndGetSequenceItem (DCM_VOILUTSequence, item, 0).bad () || item == NULL)
    return;
  MscVoiLut *lut = read_lut (item, is_signed);
  if (lut == NULL)
    {
      msc_image_add_note (img, _("VOI LUT Sequence ignored: invalid descriptor or data"));
      return;
    }
  lut->first_mapped -= (gint) offset;
  msc_image_set_voi_lut (img, lut);
}

static void
fill_metadata (MscImage *img, DcmDataset *ds, const char *name, const Header &h)
{
  msc_image_set_path (img, name);
  msc_image_set_format (img, "DICOM");
  msc_image_set_photometric (img, h.photometric.c_str ());
  msc_image_set_monochrome1 (img, h.photometric == "MONOCHROME1");
  msc_image_set_transfer_syntax (img, h.xfer_uid.c_str ());
  msc_image_set_n_frames (img, h.n_frames);
  if (h.n_frames > 1)
    msc_image_add_note (img, _("first of %u frames"), h.n_frames);

  copy_string (img, ds, DCM_Modality, msc_image_set_modality);
  copy_string (img, ds, DCM_Manufacturer, msc_image_set_manufacturer);
  copy_string (img, ds, DCM_PresentationIntentType, msc_image_set_presentation_intent);
  copy_string (img, ds, DCM_SOPClassUID, msc_image_set_sop_class_uid);
  copy_string (img, ds, DCM_SOPInstanceUID, msc_image_set_sop_instance_uid);
  copy_string (img, ds, DCM_SeriesInstanceUID, msc_image_set_series_instance_uid);
  copy_string (img, ds, DCM_StudyInstanceUID, msc_image_set_study_instance_uid);
  copy_string (img, ds, DCM_StudyDate, msc_image_set_study_date);
  copy_string (img, ds, DCM_StudyDescription, msc_image_set_study_description);
  Sint32 number = 0;
  if (ds->findAndGetSint32 (DCM_InstanceNumber, number).good ())
    msc_image_set_instance_number (img, number);
  fill_geometry (img, ds);
  fill_patient (img, ds);
}

/* ---- modality LUT and the stored -> uint16 mapping ------------------------- */

struct Modality {
  double slope = 1, intercept = 0;
  MscVoiLut *lut = NULL;                /* Modality LUT Sequence, wins over rescale */
  ~Modality () { msc_voi_lut_free (lut); }
};

static void
read_modality (DcmItem *ds, const Header &h, Modality *m)
{
  DcmItem *item = NULL;
  if (ds->findAndGetSequenceItem (DCM_ModalityLUTSequence, item, 0).good () && item != NULL)
    m->lut = read_lut (item, h.is_signed);
  if (m->lut != NULL)
    return;
  Float64 v;
  if (ds->findAndGetFloat64 (DCM_RescaleSlope, v).good () && std::isfinite (v) && v != 0)
    m->slope = v;
  if (ds->findAndGetFloat64 (DCM_RescaleIntercept, v).good () && std::isfinite (v))
    m->intercept = v;
}

static inline double
to_modality (const Modality &m, gint32 s)
{
  if (m.lut != NULL)
    {
      gint64 i = (gint64) s - m.lut->first_mapped;
      i = CLAMP (i, 0, (gint64) m.lut->n_entries - 1);
      return m.lut->data[i];
    }
  return std::floor (s * m.slope + m.intercept + 0.5);
}

/* One frame of raw samples (lent or owned) and how to read stored values
 * out of them: shift right, keep `bits`, sign-extend when signed. */
struct RawFrame {
  const guint8 *bytes = NULL;           /* bits allocated 8 */
  const guint16 *words = NULL;          /* bits allocated 16, host order */
  gpointer owned = NULL;
  guint shift = 0, bits = 16;
  gboolean is_signed = FALSE;
  const char *note = NULL;              /* (nullable) what the decoder had to guess */
  ~RawFrame () { g_free (owned); }
};

static inline gint32
stored_at (const RawFrame &f, gsize i)
{
  guint32 raw = f.words ? f.words[i] : f.bytes[i];
  guint32 v = (raw >> f.shift) & ((1u << f.bits) - 1);
  if (f.is_signed && (v & (1u << (f.bits - 1))))
    return (gint32) v - (gint32) (1u << f.bits);
  return (gint32) v;
}

static guint
bits_for (double max_value)
{
  guint bits = 1;
  while (bits < 16 && max_value >= (double) (1u << bits))
    bits++;
  return bits;
}

/* Picks value_offset so that every modality value lands in 0..65535:
 * from the range the header allows (stable across a series), else from the
 * values actually present (n of them; 0 when the pixels are not decoded). */
static gboolean
choose_offset (const RawFrame &f, const Modality &m, gsize n, const char *name,
               double *offset, double *max_out, GError **error)
{
  gint32 lo = f.is_signed ? -(gint32) (1u << (f.bits - 1)) : 0;
  gint32 hi = f.is_signed ? (gint32) (1u << (f.bits - 1)) - 1 : (gint32) ((1u << f.bits) - 1);
  double a = to_modality (m, lo), b = to_modality (m, hi);
  double mmin = MIN (a, b), mmax = MAX (a, b);
  if (m.lut != NULL)
    mmin = 0, mmax = (1u << m.lut->bits) - 1;
  if (mmax - MIN (mmin, 0.0) > 65535 && n > 0)
    {
      mmin = G_MAXDOUBLE, mmax = -G_MAXDOUBLE;
      for (gsize i = 0; i < n; i++)
        {
          double v = to_modality (m, stored_at (f, i));
          mmin = MIN (mmin, v);
          mmax = MAX (mmax, v);
        }
    }
  *offset = mmin < 0 || mmax > 65535 ? mmin : 0;
  if (mmax - *offset > 65535)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_UNSUPPORTED,
                   _("%s: modality values %g to %g do not fit in 16 bits"), name, mmin, mmax);
      return FALSE;
    }
  *max_out = mmax - *offset;
  return TRUE;
}

/* The image: stored values through the modality LUT, minus the offset.
 * With f.words == f.bytes == NULL (metadata only) the pixels stay 0 and
 * the offset comes from the header alone. */
static MscImage *
build_image (DcmDataset *ds, const Header &h, const RawFrame &f, const char *name,
             const MscLoadOptions *opts, GError **error)
{
  Modality m;
  read_modality (ds, h, &m);
  gboolean decoded = f.words != NULL || f.bytes != NULL;
  gsize n = decoded ? (gsize) h.rows * h.cols : 0;
  double offset = 0, max_out = 0;
  if (!choose_offset (f, m, n, name, &offset, &max_out, error))
    {
      if (decoded)
        return NULL;
      g_clear_error (error);            /* only the pixels can tell; leave it at 0 */
      offset = 0, max_out = 65535;
    }
  guint bits = m.lut == NULL && offset == 0 && m.slope == 1 && m.intercept == 0
                 ? h.bits_stored : bits_for (max_out);
  g_autoptr (MscImage) img = msc_image_new (h.cols, h.rows, bits, opts ? opts->max_dimension : 0, error);
  if (img == NULL)
    {
      g_prefix_error (error, "%s: ", name);
      return NULL;
    }
  guint16 *out = msc_image_get_pixels_mutable (img);
  for (gsize i = 0; i < n; i++)
    out[i] = (guint16) CLAMP (to_modality (m, stored_at (f, i)) - offset, 0.0, 65535.0);
  msc_image_set_value_offset (img, offset);
  fill_metadata (img, ds, name, h);
  if (f.note != NULL)
    msc_image_add_note (img, "%s", f.note);
  fill_windows (img, ds, offset);
  fill_voi_lut (img, ds, h.is_signed, offset);
  return (MscImage *) g_steal_pointer (&img);
}

/* ---- pixel data ------------------------------------------------------------ */

static gboolean
is_j2k (E_TransferSyntax xfer)
{
  return xfer == EXS_JPEG2000LosslessOnly || xfer == EXS_JPEG2000;
}

/* The first frame's code stream: all fragments when there is one frame,
 * else those before the second Basic Offset Table entry, else fragments up
 * to the one ending in an EOC marker (FFD9). */
static GByteArray *
j2k_first_frame (DcmPixelSequence *seq, guint n_frames)
{
  GByteArray *bytes = g_byte_array_new ();
  unsigned long n_items = seq->card ();
  guint32 frame_end = G_MAXUINT32, pos = 0;
  DcmPixelItem *item = NULL;
  Uint8 *data = NULL;
  if (n_frames > 1 && seq->getItem (item, 0).good () && item->getLength () >= 8 &&
      item->getUint8Array (data).good () && data != NULL)
    frame_end = GUINT32_FROM_LE (((const guint32 *) data)[1]);
  for (unsigned long i = 1; i < n_items && pos < frame_end; i++)
    {
      if (seq->getItem (item, i).bad () || item->getUint8Array (data).bad ())
        break;
      Uint32 len = item->getLength ();
      if (data != NULL && len > 0)
        g_byte_array_append (bytes, data, len);
      pos += 8 + len;
      if (n_frames > 1 && frame_end == G_MAXUINT32 && len >= 2 && data != NULL &&
          ((data[len - 2] == 0xff && data[len - 1] == 0xd9) ||
           (len >= 3 && data[len - 3] == 0xff && data[len - 2] == 0xd9 && data[len - 1] == 0)))
        break;
    }
  return bytes;
}

static gboolean
decode_j2k (DcmPixelData *pd, const Header &h, const char *name, RawFrame *f, GError **error)
{
  DcmPixelSequence *seq = NULL;
  if (pd->getEncapsulatedRepresentation (h.xfer, NULL, seq).bad () || seq == NULL)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID,
                   _("%s: %s pixel data has no fragments"), name,
                   msc_dicom_transfer_syntax_name (h.xfer_uid.c_str ()));
      return FALSE;
    }
  g_autoptr (GByteArray) stream = j2k_first_frame (seq, h.n_frames);
  guint16 *out = (guint16 *) g_try_malloc ((gsize) h.rows * h.cols * sizeof (guint16));
  if (out == NULL)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TOO_LARGE, _("%s: out of memory"), name);
      return FALSE;
    }
  f->owned = out;
  f->words = out;
  gboolean is_signed = FALSE;
  guint precision = 0;
  if (!msc_dicom_j2k_decode (stream->data, stream->len, h.cols, h.rows, out,
                             &is_signed, &precision, error))
    {
      g_prefix_error (error, "%s: %s: ", name, msc_dicom_transfer_syntax_name (h.xfer_uid.c_str ()));
      return FALSE;
    }
  /* J2K samples are right-aligned. Some writers put signed values in a
   * code stream marked unsigned (pydicom #1149); Pixel Representation
   * decides, as in other readers, and the low Bits Stored are sign-extended. */
  f->shift = 0;
  if (is_signed != h.is_signed)
    f->note = is_signed ? _("JPEG 2000 samples are signed, Pixel Representation says unsigned")
                        : _("JPEG 2000 samples are unsigned, Pixel Representation says signed");
  if (precision > h.bits_allocated)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID,
                   _("%s: JPEG 2000 samples have %u bits, Bits Allocated is %u"),
                   name, precision, h.bits_allocated);
      return FALSE;
    }
  return TRUE;
}

static gboolean
decode_encapsulated (DcmDataset *ds, DcmPixelData *pd, const Header &h, const char *name,
                     RawFrame *f, GError **error)
{
  const char *ts_name = msc_dicom_transfer_syntax_name (h.xfer_uid.c_str ());
  if (is_j2k (h.xfer))
    return decode_j2k (pd, h, name, f, error);
  if (!DcmCodecList::canChangeCoding (h.xfer, EXS_LittleEndianExplicit))
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_UNSUPPORTED,
                   _("%s: transfer syntax %s is not supported"), name, ts_name);
      return FALSE;
    }
  gsize frame_bytes = (gsize) h.rows * h.cols * (h.bits_allocated / 8);
  frame_bytes += frame_bytes & 1;       /* DCMTK wants an even buffer */
  gpointer buf = g_try_malloc0 (frame_bytes);
  if (buf == NULL)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TOO_LARGE, _("%s: out of memory"), name);
      return FALSE;
    }
  f->owned = buf;
  Uint32 start_fragment = 0;
  OFString colour_model;
  OFCondition cond = pd->getUncompressedFrame (ds, 0, start_fragment, buf, (Uint32) frame_bytes,
                                               colour_model, NULL);
  if (cond.bad ())
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID,
                   _("%s: cannot decode %s pixel data (%s)"), name, ts_name, cond.text ());
      return FALSE;
    }
  if (h.bits_allocated == 16)
    f->words = (const guint16 *) buf;
  else
    f->bytes = (const guint8 *) buf;
  return TRUE;
}

static gboolean
get_native (DcmPixelData *pd, const Header &h, const char *name, RawFrame *f, GError **error)
{
  gsize need = (gsize) h.rows * h.cols * h.n_frames * (h.bits_allocated / 8);
  Uint32 have = pd->getLength ();
  if (have < need)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TRUNCATED,
                   _("%s: pixel data is %lu bytes, header declares %lu"),
                   name, (unsigned long) have, (unsigned long) need);
      return FALSE;
    }
  OFCondition cond;
  if (h.bits_allocated == 16)
    {
      Uint16 *words = NULL;
      cond = pd->getUint16Array (words);
      f->words = words;
    }
  else
    {
      Uint8 *bytes = NULL;
      cond = pd->getUint8Array (bytes);
      f->bytes = bytes;
    }
  if (cond.bad () || (f->words == NULL && f->bytes == NULL))
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID,
                   _("%s: pixel data is unreadable (%s)"), name, cond.text ());
      return FALSE;
    }
  return TRUE;
}

static gboolean
get_frame (DcmDataset *ds, const Header &h, const char *name, RawFrame *f, GError **error)
{
  DcmElement *el = NULL;
  if (ds->findAndGetElement (DCM_PixelData, el).bad () || el == NULL ||
      el->ident () != EVR_PixelData)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID, _("%s: pixel data is unreadable"), name);
      return FALSE;
    }
  DcmPixelData *pd = OFstatic_cast (DcmPixelData *, el);
  f->shift = h.high_bit + 1 - h.bits_stored;
  f->bits = h.bits_stored;
  f->is_signed = h.is_signed;
  if (DcmXfer (h.xfer).isEncapsulated ())
    return decode_encapsulated (ds, pd, h, name, f, error);
  return get_native (pd, h, name, f, error);
}

/* ---- a memory stream that DCMTK can reopen ---------------------------------- */

/* DCMTK checks an element's length against the bytes left only when the
 * stream can be reopened later for lazy loading; a plain buffer stream
 * allocates whatever a corrupt length says (up to 4 GiB) before failing.
 * This stream can be reopened at any offset of the caller's buffer, so
 * memory behaves like a file. Not after a deflate filter: offsets then
 * count inflated bytes (DCMTK's file streams make the same exception). */
class MemoryFactory : public DcmInputStreamFactory
{
public:
  MemoryFactory (const guint8 *data, gsize size, offile_off_t offset)
    : data_ (data), size_ (size), offset_ ((gsize) offset) {}
  DcmInputStream *create () const override;
  DcmInputStreamFactory *clone () const override { return new MemoryFactory (*this); }
  DcmInputStreamFactoryType ident () const override { return DFT_DcmInputFileStreamFactory; }

private:
  const guint8 *data_;
  gsize size_, offset_;
};

class MemoryStream : public DcmInputBufferStream
{
public:
  MemoryStream (const guint8 *data, gsize size) : data_ (data), size_ (size)
  {
    setBuffer (data, (offile_off_t) size);
    setEos ();
  }
  OFCondition installCompressionFilter (E_StreamCompression type) override
  {
    filtered_ = TRUE;
    return DcmInputBufferStream::installCompressionFilter (type);
  }
  DcmInputStreamFactory *newFactory () const override
  {
    if (filtered_ || tell () < 0 || (gsize) tell () > size_)
      return NULL;
    return new MemoryFactory (data_, size_, tell ());
  }

private:
  const guint8 *data_;
  gsize size_;
  gboolean filtered_ = FALSE;
};

DcmInputStream *
MemoryFactory::create () const
{
  return new MemoryStream (data_ + offset_, size_ - offset_);
}

/* ---- loading ----------------------------------------------------------------- */

static gboolean
check_condition (OFCondition cond, const char *name, GError **error)
{
  if (cond.good ())
    return TRUE;
  /* A stream that ended inside an element: the file is cut short. */
  if (cond == EC_StreamNotifyClient || cond == EC_PrematureSequDelimitationItem)
    g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TRUNCATED,
                 _("%s: file ends before the data it declares (%s)"), name, cond.text ());
  else
    g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID,
                 _("%s: not a readable DICOM file (%s)"), name, cond.text ());
  return FALSE;
}

static MscImage *
image_from_dataset (DcmFileFormat &ff, const char *name, const MscLoadOptions *opts,
                    GError **error)
{
  DcmDataset *ds = ff.getDataset ();
  gboolean metadata_only = opts != NULL && opts->metadata_only;
  Header h;
  if (ds == NULL || !read_header (ds, name, opts, !metadata_only, &h, error))
    return NULL;

  if (metadata_only)
    {
      /* The header's true size, pixels left at 0 (see msc-load.h). */
      RawFrame f;
      f.bits = h.bits_stored;
      f.is_signed = h.is_signed;
      return build_image (ds, h, f, name, opts, error);
    }

  /* Lazily loaded values come in now, so a short file fails here. */
  if (!check_condition (ds->loadAllDataIntoMemory (), name, error))
    return NULL;
  RawFrame f;
  if (!get_frame (ds, h, name, &f, error))
    return NULL;
  return build_image (ds, h, f, name, opts, error);
}

static MscImage *
load_file (const char *path, const MscLoadOptions *opts, GError **error)
{
  GStatBuf st;
  if (g_stat (path, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_FAILED, "%s: %s", path, g_strerror (saved));
      return NULL;
    }
  if ((guint64) st.st_size > MAX_FILE_BYTES)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TOO_LARGE,
                   _("%s: file is larger than 2 GiB"), path);
      return NULL;
    }
  ensure_dcmtk ();
  DcmFileFormat ff;
  OFCondition cond = opts != NULL && opts->metadata_only
    ? ff.loadFileUntilTag (path, EXS_Unknown, EGL_noChange, DCM_MaxReadLength,
                           ERM_autoDetect, DCM_PixelData)
    : ff.loadFile (path, EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect);
  if (!check_condition (cond, path, error))
    return NULL;
  return image_from_dataset (ff, path, opts, error);
}

static MscImage *
load_bytes (const guint8 *data, gsize size, const char *name,
            const MscLoadOptions *opts, GError **error)
{
  if ((guint64) size > MAX_FILE_BYTES)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TOO_LARGE,
                   _("%s: file is larger than 2 GiB"), name);
      return NULL;
    }
  if (size == 0)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID, _("%s: file is empty"), name);
      return NULL;
    }
  ensure_dcmtk ();
  MemoryStream stream (data, size);
  DcmFileFormat ff;
  ff.transferInit ();
  OFCondition cond = opts != NULL && opts->metadata_only
    ? ff.readUntilTag (stream, EXS_Unknown, EGL_noChange, DCM_MaxReadLength, DCM_PixelData)
    : ff.read (stream, EXS_Unknown, EGL_noChange, DCM_MaxReadLength);
  ff.transferEnd ();
  if (!check_condition (cond, name, error))
    return NULL;
  return image_from_dataset (ff, name, opts, error);
}

/* ---- the C API ---------------------------------------------------------------- */

static void
set_internal_error (const char *name, const char *what, GError **error)
{
  if (error != NULL && *error != NULL)
    g_clear_error (error);
  g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID,
               _("%s: DICOM reader failed (%s)"), name, what);
}

extern "C" MscImage *
msc_dicom_load (const char *path, const MscLoadOptions *opts, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  try
    {
      return load_file (path, opts, error);
    }
  catch (const std::bad_alloc &)
    {
      set_internal_error (path, "out of memory", error);
    }
  catch (const std::exception &e)
    {
      set_internal_error (path, e.what (), error);
    }
  catch (...)
    {
      set_internal_error (path, "unexpected exception", error);
    }
  return NULL;
}

extern "C" MscImage *
msc_dicom_load_bytes (const guint8 *data, gsize size, const char *name,
                      const MscLoadOptions *opts, GError **error)
{
  g_return_val_if_fail (data != NULL || size == 0, NULL);
  if (name == NULL)
    name = "(memory)";
  try
    {
      return load_bytes (data, size, name, opts, error);
    }
  catch (const std::bad_alloc &)
    {
      set_internal_error (name, "out of memory", error);
    }
  catch (const std::exception &e)
    {
      set_internal_error (name, e.what (), error);
    }
  catch (...)
    {
      set_internal_error (name, "unexpected exception", error);
    }
  return NULL;
}

extern "C" const char *
msc_dicom_transfer_syntax_name (const char *uid)
{
  if (uid == NULL)
    return NULL;
  try
    {
      DcmXfer xfer (uid);
      if (xfer.getXfer () != EXS_Unknown)
        return xfer.getXferName ();     /* points into DCMTK's static table */
    }
  catch (...)
    {
    }
  return uid;
}
