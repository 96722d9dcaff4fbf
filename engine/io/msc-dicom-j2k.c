/* engine/io/msc-dicom-j2k.c — JPEG 2000 decoding for the DICOM reader.
 *
 * OpenJPEG reads from a memory stream; its messages are captured (the last
 * error becomes the GError text) instead of going to stderr. Dimensions
 * are checked against what the DICOM header declared before decoding.
 */
#include "msc-dicom-j2k.h"
#include "msc-io-error.h"
#include "msc-i18n.h"

#include <string.h>
#include <openjpeg.h>

typedef struct {
  const guint8 *data;
  gsize size;
  gsize pos;
} MemStream;

static OPJ_SIZE_T
mem_read (void *buffer, OPJ_SIZE_T n, void *user)
{
  MemStream *s = user;
  if (s->pos >= s->size)
    return (OPJ_SIZE_T) -1;     /* OpenJPEG's end-of-stream signal */
  gsize left = s->size - s->pos;
  if (n > left)
    n = left;
  memcpy (buffer, s->data + s->pos, n);
  s->pos += n;
  return n;
}

static OPJ_OFF_T
mem_skip (OPJ_OFF_T n, void *user)
{
  MemStream *s = user;
  if (n < 0)
    {
      if ((gsize) -n > s->pos)
        return -1;
      s->pos -= (gsize) -n;
      return n;
    }
  gsize left = s->size - s->pos;
  if ((guint64) n > left)
    n = (OPJ_OFF_T) left;
  s->pos += (gsize) n;
  return n;
}

static OPJ_BOOL
mem_seek (OPJ_OFF_T n, void *user)
{
  MemStream *s = user;
  if (n < 0 || (guint64) n > s->size)
    return OPJ_FALSE;
  s->pos = (gsize) n;
  return OPJ_TRUE;
}

/* Keeps OpenJPEG quiet and remembers its last complaint for the GError. */
static void
on_error (const char *msg, void *user)
{
  char *last = user;
  g_strlcpy (last, msg, 256);
  g_strchomp (last);
}

static void
on_quiet (const char *msg, void *user)
{
}

static gboolean
check_image (const opj_image_t *image, guint width, guint height, GError **error)
{
  if (image->numcomps != 1)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_NOT_IMAGE,
                   _("JPEG 2000 code stream has %u components; colour images are not supported"),
                   image->numcomps);
      return FALSE;
    }
  const opj_image_comp_t *c = &image->comps[0];
  if (c->w != width || c->h != height || c->dx != 1 || c->dy != 1)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID,
                   _("JPEG 2000 code stream is %u x %u, header declares %u x %u"),
                   c->w, c->h, width, height);
      return FALSE;
    }
  if (c->prec < 1 || c->prec > 16)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_UNSUPPORTED,
                   _("JPEG 2000 samples of %u bits are not supported"), c->prec);
      return FALSE;
    }
  return TRUE;
}

static gboolean
decode_with (opj_codec_t *codec, opj_stream_t *stream, const char *last_error,
             guint width, guint height, guint16 *out,
             gboolean *is_signed, guint *precision, GError **error)
{
  opj_dparameters_t params;
  opj_set_default_decoder_parameters (&params);
  opj_image_t *image = NULL;
  gboolean ok = FALSE;

  if (!opj_setup_decoder (codec, &params) || !opj_read_header (stream, codec, &image))
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID,
                   _("JPEG 2000 header is unreadable (%s)"),
                   *last_error ? last_error : "no detail");
      goto out;
    }
  /* Sizes first: a forged header must not make OpenJPEG allocate. */
  if (!check_image (image, width, height, error))
    goto out;
  if (!opj_decode (codec, stream, image) || !opj_end_decompress (codec, stream) ||
      image->comps[0].data == NULL || !check_image (image, width, height, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID,
                     _("JPEG 2000 data is corrupt (%s)"),
                     *last_error ? last_error : "no detail");
      goto out;
    }

  const OPJ_INT32 *src = image->comps[0].data;
  gsize n = (gsize) width * height;
  for (gsize i = 0; i < n; i++)
    out[i] = (guint16) ((guint32) src[i] & 0xffffu);
  *is_signed = image->comps[0].sgnd != 0;
  *precision = image->comps[0].prec;
  ok = TRUE;

out:
  if (image != NULL)
    opj_image_destroy (image);
  return ok;
}

gboolean
msc_dicom_j2k_decode (const guint8 *data, gsize size, guint width, guint height,
                      guint16 *out, gboolean *is_signed, guint *precision, GError **error)
{
  static const guint8 jp2_magic[12] = { 0, 0, 0, 0x0c, 'j', 'P', ' ', ' ', 0x0d, 0x0a, 0x87, 0x0a };
  if (size < 12)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID,
                   _("JPEG 2000 data is only %lu bytes"), (gulong) size);
      return FALSE;
    }
  /* DICOM says raw code stream, but some writers wrap it in a JP2 file. */
  OPJ_CODEC_FORMAT format = memcmp (data, jp2_magic, 12) == 0 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K;

  MemStream mem = { data, size, 0 };
  char last_error[256] = "";
  opj_stream_t *stream = opj_stream_create (64 * 1024, OPJ_TRUE);
  opj_codec_t *codec = opj_create_decompress (format);
  if (stream == NULL || codec == NULL)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID, _("JPEG 2000 decoder failed to start"));
      if (stream)
        opj_stream_destroy (stream);
      if (codec)
        opj_destroy_codec (codec);
      return FALSE;
    }
  opj_stream_set_user_data (stream, &mem, NULL);
  opj_stream_set_user_data_length (stream, size);
  opj_stream_set_read_function (stream, mem_read);
  opj_stream_set_skip_function (stream, mem_skip);
  opj_stream_set_seek_function (stream, mem_seek);
  opj_set_error_handler (codec, on_error, last_error);
  opj_set_warning_handler (codec, on_quiet, NULL);
  opj_set_info_handler (codec, on_quiet, NULL);

  gboolean ok = decode_with (codec, stream, last_error, width, height, out,
                             is_signed, precision, error);
  opj_destroy_codec (codec);
  opj_stream_destroy (stream);
  return ok;
}
