/* engine/io/msc-pgm.c — netpbm PGM: P2 (plain ASCII) and P5 (raw).
 *
 * Netpbm's format pages are the reference: header fields are decimal
 * numbers separated by whitespace, '#' starts a comment to end of line,
 * one whitespace byte ends the header of P5; samples above 255 take two
 * bytes, most significant first.
 */
#include "msc-pgm.h"
#include "msc-i18n.h"

#include <string.h>

typedef struct {
  const char *name;
  const guint8 *data;
  gsize size, pos;
} PgmCursor;

/* Skips whitespace and comments; comments run to '\n' or '\r'. */
static void
skip_space (PgmCursor *c)
{
  while (c->pos < c->size)
    {
      guint8 ch = c->data[c->pos];
      if (ch == '#')
        while (c->pos < c->size && c->data[c->pos] != '\n' && c->data[c->pos] != '\r')
          c->pos++;
      else if (g_ascii_isspace (ch))
        c->pos++;
      else
        break;
    }
}

/* A decimal number up to G_MAXUINT32; what names it in messages. Returns
 * FALSE with TRUNCATED at end of data, INVALID on anything else. */
static gboolean
read_number (PgmCursor *c, const char *what, guint32 *out, GError **error)
{
  skip_space (c);
  if (c->pos >= c->size)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TRUNCATED,
                   _("%s: PGM ends before its %s"), c->name, what);
      return FALSE;
    }
  guint64 value = 0;
  gsize start = c->pos;
  while (c->pos < c->size && g_ascii_isdigit (c->data[c->pos]))
    {
      value = value * 10 + (c->data[c->pos++] - '0');
      if (value > G_MAXUINT32)
        {
          g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID,
                       _("%s: PGM %s is too large a number"), c->name, what);
          return FALSE;
        }
    }
  if (c->pos == start || (c->pos < c->size && !g_ascii_isspace (c->data[c->pos]) &&
                          c->data[c->pos] != '#'))
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID,
                   _("%s: PGM %s is not a decimal number"), c->name, what);
      return FALSE;
    }
  *out = (guint32) value;
  return TRUE;
}

static gboolean
read_header (PgmCursor *c, guint max_dimension, guint32 *width, guint32 *height,
             guint32 *maxval, GError **error)
{
  if (!read_number (c, _("width"), width, error) ||
      !read_number (c, _("height"), height, error) ||
      !read_number (c, _("maxval"), maxval, error))
    return FALSE;
  if (*width == 0 || *height == 0)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID,
                   _("%s: image has no pixels (%u x %u)"), c->name, *width, *height);
      return FALSE;
    }
  if (*width > max_dimension || *height > max_dimension)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TOO_LARGE,
                   _("%s: image is %u x %u, above the limit of %u x %u"),
                   c->name, *width, *height, max_dimension, max_dimension);
      return FALSE;
    }
  if (*maxval == 0 || *maxval > 65535)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID,
                   _("%s: PGM maxval %u is not in 1..65535"), c->name, *maxval);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_value (PgmCursor *c, guint32 value, guint32 maxval, gsize index, guint width, GError **error)
{
  if (value <= maxval)
    return TRUE;
  g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID,
               _("%s: pixel (%lu, %lu) is %u, above maxval %u"),
               c->name, (gulong) (index % width), (gulong) (index / width), value, maxval);
  return FALSE;
}

/* P5: exactly one whitespace byte after maxval, then the raw samples.
 * Checked before the image is allocated: a 40-byte file may declare
 * 16384 x 16384 pixels. Returns the offset of the raster. */
static gboolean
check_raw_size (PgmCursor *c, gsize n_pixels, guint32 maxval, gsize *start, GError **error)
{
  gsize bytes_per_sample = maxval > 255 ? 2 : 1, needed;
  if (c->pos < c->size && !g_ascii_isspace (c->data[c->pos]))
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID,
                   _("%s: PGM header must end with one whitespace byte"), c->name);
      return FALSE;
    }
  if (!g_size_checked_mul (&needed, n_pixels, bytes_per_sample))
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TOO_LARGE, _("%s: PGM is too large"), c->name);
      return FALSE;
    }
  *start = MIN (c->pos + 1, c->size);
  gsize available = c->size - *start;
  if (available < needed)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TRUNCATED,
                   _("%s: pixel data is %lu bytes, header declares %lu"),
                   c->name, (gulong) available, (gulong) needed);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_raw (PgmCursor *c, gsize start, guint16 *out, guint width, gsize n_pixels, guint32 maxval,
          GError **error)
{
  const guint8 *p = c->data + start;
  for (gsize i = 0; i < n_pixels; i++)
    {
      guint32 value = maxval > 255 ? ((guint32) p[2 * i] << 8 | p[2 * i + 1]) : p[i];
      if (!check_value (c, value, maxval, i, width, error))
        return FALSE;
      out[i] = (guint16) value;
    }
  return TRUE;
}

/* P2: whitespace-separated decimal samples (comments tolerated). With
 * out NULL it only validates and counts, for the message on short data. */
static gboolean
read_plain (PgmCursor *c, guint16 *out, guint width, gsize n_pixels, guint32 maxval, GError **error)
{
  for (gsize i = 0; i < n_pixels; i++)
    {
      guint32 value;
      g_autoptr (GError) local = NULL;
      if (!read_number (c, _("pixel data"), &value, &local))
        {
          if (g_error_matches (local, MSC_IO_ERROR, MSC_IO_ERROR_TRUNCATED))
            g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TRUNCATED,
                         _("%s: pixel data has %lu values, header declares %lu"),
                         c->name, (gulong) i, (gulong) n_pixels);
          else
            g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      if (!check_value (c, value, maxval, i, width, error))
        return FALSE;
      if (out)
        out[i] = (guint16) value;
    }
  return TRUE;
}

/* Allocation waits until the data could hold the raster: P5 by its exact
 * size, P2 by one digit and one separator per value. */
static gboolean
check_data_size (PgmCursor *c, gboolean raw, guint width, gsize n_pixels, guint32 maxval,
                 gsize *raw_start, GError **error)
{
  if (raw)
    return check_raw_size (c, n_pixels, maxval, raw_start, error);
  if ((c->size - c->pos) / 2 + 1 >= n_pixels)
    return TRUE;
  /* Too short for n values: a dry run finds the first error to report. */
  PgmCursor probe = *c;
  return read_plain (&probe, NULL, width, n_pixels, maxval, error);
}

MscImage *
msc_pgm_load_bytes (const guint8 *data, gsize size, const char *name,
                    const MscLoadOptions *opts, GError **error)
{
  guint max_dimension = opts && opts->max_dimension ? opts->max_dimension : MSC_IMAGE_MAX_DIMENSION_DEFAULT;
  if (size < 3 || data[0] != 'P' || (data[1] != '2' && data[1] != '5') || !g_ascii_isspace (data[2]))
    {
      g_set_error (error, MSC_IO_ERROR, size == 0 ? MSC_IO_ERROR_TRUNCATED : MSC_IO_ERROR_UNKNOWN_FORMAT,
                   size == 0 ? _("%s: file is empty") : _("%s: not a PGM (P2 or P5) file"), name);
      return NULL;
    }
  gboolean raw = data[1] == '5';
  PgmCursor c = { name, data, size, 2 };
  guint32 width, height, maxval;
  if (!read_header (&c, max_dimension, &width, &height, &maxval, error))
    return NULL;

  gsize n_pixels, raw_start = 0;
  if (!g_size_checked_mul (&n_pixels, width, height))
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TOO_LARGE, _("%s: PGM is too large"), name);
      return NULL;
    }
  if (!check_data_size (&c, raw, width, n_pixels, maxval, &raw_start, error))
    return NULL;

  g_autoptr (GError) local = NULL;
  g_autoptr (MscImage) image = msc_image_new (width, height, g_bit_storage (maxval), max_dimension, &local);
  if (image == NULL)
    {
      g_set_error (error, MSC_IO_ERROR, local->code, "%s: %s", name, local->message);
      return NULL;
    }
  guint16 *pixels = msc_image_get_pixels_mutable (image);
  if (raw ? !read_raw (&c, raw_start, pixels, width, n_pixels, maxval, error)
          : !read_plain (&c, pixels, width, n_pixels, maxval, error))
    return NULL;

  msc_image_set_path (image, name);
  msc_image_set_format (image, "PGM");
  msc_image_set_photometric (image, "MONOCHROME2");
  return g_steal_pointer (&image);
}
