/* engine/io/msc-png.c — PNG in (any colour type) and grey PNG out, via libpng.
 *
 * libpng reports errors by longjmp; every setjmp lives in a small function
 * whose state sits behind a pointer, so nothing a longjmp skips over is lost
 * or left indeterminate. libpng's text never reaches stderr.
 */
#include "msc-png.h"
#include "msc-i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <png.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

/* Same cap as msc-load.c: a 16384 x 16384 RGBA 16-bit PNG compresses far
 * below this, and we read the file whole. */
#define MAX_FILE_BYTES ((gsize) 1 << 30)

/* Ancillary chunks (text, ICC profiles) are never needed for pixels; cap
 * what libpng may inflate for one so a zip bomb in a zTXt cannot hurt. */
#define MAX_CHUNK_BYTES ((png_alloc_size_t) 8 << 20)

static const guint8 png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

/* libpng's error pointer, shared by reader and writer. */
typedef struct {
  char message[256];              /* the last error text */
  gboolean idat_warning;          /* a warning about the pixel stream */
} PngDiag;

typedef struct {
  const char *name;
  const guint8 *data;
  gsize size, pos;
  guint max_dimension;
  gboolean truncated;             /* the read callback ran out of bytes */
  gboolean out_of_memory;         /* our pixel buffers could not be had */
  PngDiag diag;
  /* Owned; freed by reader_clear whether decoding finished or jumped out. */
  png_structp png;
  png_infop info;
  guint8 *buffer;                 /* one row, or the whole image if interlaced */
  png_bytep *rows;
  MscImage *image;
  GError *error;                  /* set by our own checks inside decode */
} PngReader;

static void
on_png_error (png_structp png, png_const_charp message)
{
  PngDiag *diag = png_get_error_ptr (png);
  g_strlcpy (diag->message, message, sizeof diag->message);
  png_longjmp (png, 1);
}

/* Most warnings concern ancillary data we ignore (gamma, ICC, text) and
 * stay out of sight. libpng 1.6 also only warns about a bad zlib checksum
 * or extra data at the end of IDAT, once every row is out: the pixels may
 * then be wrong, so those end the load (png_chunk_warning prefixes the
 * chunk name). */
static void
on_png_warning (png_structp png, png_const_charp message)
{
  PngDiag *diag = png_get_error_ptr (png);
  if (g_str_has_prefix (message, "IDAT") && !diag->idat_warning)
    {
      diag->idat_warning = TRUE;
      g_strlcpy (diag->message, message, sizeof diag->message);
    }
  g_debug ("libpng: %s", message);
}

static void
read_from_memory (png_structp png, png_bytep out, png_size_t length)
{
  PngReader *r = png_get_io_ptr (png);
  if (length > r->size - r->pos)
    {
      r->truncated = TRUE;
      png_error (png, "unexpected end of data");
    }
  memcpy (out, r->data + r->pos, length);
  r->pos += length;
}

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* Signature and IHDR size, checked on the raw bytes before libpng or any
 * allocation sees them: a 60-byte file may claim 65535 x 65535. */
static gboolean
check_header (PngReader *r, GError **error)
{
  if (r->size == 0)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TRUNCATED, _("%s: file is empty"), r->name);
      return FALSE;
    }
  gsize n = MIN (r->size, sizeof png_signature);
  if (memcmp (r->data, png_signature, n) != 0)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_UNKNOWN_FORMAT, _("%s: not a PNG file"), r->name);
      return FALSE;
    }
  if (r->size < 8 + 8 + 13 + 4)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TRUNCATED,
                   _("%s: PNG ends inside its header (%lu bytes)"), r->name, (gulong) r->size);
      return FALSE;
    }
  if (memcmp (r->data + 12, "IHDR", 4) == 0)
    {
      guint32 width = read_be32 (r->data + 16), height = read_be32 (r->data + 20);
      if (width > r->max_dimension || height > r->max_dimension)
        {
          g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TOO_LARGE,
                       _("%s: image is %u x %u, above the limit of %u x %u"),
                       r->name, width, height, r->max_dimension, r->max_dimension);
          return FALSE;
        }
    }
  return TRUE;
}

/* Transformations chosen so libpng hands back 8 or 16-bit samples with
 * 1 (grey), 2 (grey+alpha), 3 (RGB) or 4 (RGBA) channels. Gamma, sBIT and
 * background are left alone: stored values are kept exactly as written. */
static void
setup_transforms (PngReader *r, int color_type, int bit_depth)
{
  if (color_type == PNG_COLOR_TYPE_PALETTE)
    png_set_palette_to_rgb (r->png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8)
    png_set_expand_gray_1_2_4_to_8 (r->png);
  if (color_type & PNG_COLOR_MASK_COLOR)
    msc_image_add_note (r->image, "%s", _("colour converted to grey"));
}

/* ITU-R BT.601 luma, rounded to nearest; exact in integers for 16 bits. */
static inline guint16
luma (guint32 red, guint32 green, guint32 blue)
{
  return (guint16) ((299 * red + 587 * green + 114 * blue + 500) / 1000);
}

/* One decoded row of channels x depth samples to grey stored values. */
static void
convert_row (PngReader *r, const guint8 *row, guint y, guint channels, guint depth)
{
  guint width = msc_image_get_width (r->image);
  guint16 *out = msc_image_get_pixels_mutable (r->image) + (gsize) y * width;
  guint bytes = depth / 8;
  for (guint x = 0; x < width; x++)
    {
      const guint8 *p = row + (gsize) x * channels * bytes;
      guint32 s[3];
      for (guint c = 0; c < MIN (channels, 3u); c++)
        s[c] = bytes == 2 ? ((guint32) p[2 * c] << 8 | p[2 * c + 1]) : p[c];
      out[x] = channels >= 3 ? luma (s[0], s[1], s[2]) : (guint16) s[0];
    }
}

static void
read_pixels (PngReader *r, guint height, guint channels, guint depth, int passes)
{
  gsize rowbytes = png_get_rowbytes (r->png, r->info);
  if (passes == 1)
    {
      /* Row by row: a colour image never exists in memory as a whole. */
      if ((r->buffer = g_try_malloc (rowbytes)) == NULL)
        {
          r->out_of_memory = TRUE;
          png_error (r->png, _("out of memory for one row"));
        }
      for (guint y = 0; y < height; y++)
        {
          png_read_row (r->png, r->buffer, NULL);
          convert_row (r, r->buffer, y, channels, depth);
        }
      return;
    }
  gsize total;
  if (!g_size_checked_mul (&total, rowbytes, height) || (r->buffer = g_try_malloc (total)) == NULL)
    {
      r->out_of_memory = TRUE;
      png_error (r->png, _("out of memory for the interlaced image"));
    }
  r->rows = g_new (png_bytep, height);
  for (guint y = 0; y < height; y++)
    r->rows[y] = r->buffer + (gsize) y * rowbytes;
  png_read_image (r->png, r->rows);
  for (guint y = 0; y < height; y++)
    convert_row (r, r->rows[y], y, channels, depth);
}

/* The only function that calls setjmp. Returns FALSE with r->diag (a
 * libpng error) or r->error (ours) set. */
static gboolean
decode (PngReader *r)
{
  if (setjmp (png_jmpbuf (r->png)))
    return FALSE;

  png_set_user_limits (r->png, r->max_dimension, r->max_dimension);
  png_set_chunk_malloc_max (r->png, MAX_CHUNK_BYTES);
  /* Any CRC mismatch is corruption; a damaged file is not shown. */
  png_set_crc_action (r->png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
  png_set_read_fn (r->png, r, read_from_memory);
  png_read_info (r->png, r->info);

  png_uint_32 width, height;
  int bit_depth, color_type;
  png_get_IHDR (r->png, r->info, &width, &height, &bit_depth, &color_type, NULL, NULL, NULL);
  r->image = msc_image_new (width, height, bit_depth == 16 ? 16 : 8, r->max_dimension, &r->error);
  if (r->image == NULL)
    return FALSE;
  setup_transforms (r, color_type, bit_depth);
  int passes = png_set_interlace_handling (r->png);
  png_read_update_info (r->png, r->info);

  guint channels = png_get_channels (r->png, r->info);
  guint depth = png_get_bit_depth (r->png, r->info);
  if (channels < 1 || channels > 4 || (depth != 8 && depth != 16))
    png_error (r->png, "unexpected sample layout after transformations");
  /* Grey+alpha, RGBA, or a palette with transparency: show what is under. */
  if (channels == 2 || channels == 4)
    msc_image_add_note (r->image, "%s", _("alpha channel dropped"));
  read_pixels (r, height, channels, depth, passes);
  /* Reads up to IEND so a damaged tail is caught as well. */
  png_read_end (r->png, NULL);
  return !r->diag.idat_warning;
}

static void
reader_clear (PngReader *r)
{
  g_free (r->buffer);
  g_free (r->rows);
  if (r->png)
    png_destroy_read_struct (&r->png, &r->info, NULL);
  g_clear_pointer (&r->image, msc_image_unref);
  g_clear_error (&r->error);
}

MscImage *
msc_png_load_bytes (const guint8 *data, gsize size, const char *name,
                    const MscLoadOptions *opts, GError **error)
{
  PngReader r = { .name = name, .data = data, .size = size };
  r.max_dimension = opts && opts->max_dimension ? opts->max_dimension : MSC_IMAGE_MAX_DIMENSION_DEFAULT;
  if (!check_header (&r, error))
    return NULL;

  r.png = png_create_read_struct (PNG_LIBPNG_VER_STRING, &r.diag, on_png_error, on_png_warning);
  if (r.png)
    r.info = png_create_info_struct (r.png);
  if (r.png == NULL || r.info == NULL)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_FAILED, _("%s: cannot start libpng"), name);
      reader_clear (&r);
      return NULL;
    }

  MscImage *image = NULL;
  if (decode (&r))
    {
      image = g_steal_pointer (&r.image);
      msc_image_set_path (image, name);
      msc_image_set_format (image, "PNG");
      msc_image_set_photometric (image, "MONOCHROME2");
    }
  else if (r.error)
    g_set_error (error, MSC_IO_ERROR, r.error->code, "%s: %s", name, r.error->message);
  else if (r.out_of_memory)
    g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TOO_LARGE, "%s: %s", name, r.diag.message);
  else if (r.truncated)
    g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TRUNCATED,
                 _("%s: PNG data ends early (file is %lu bytes)"), name, (gulong) size);
  else
    g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID, _("%s: corrupt PNG: %s"), name, r.diag.message);
  reader_clear (&r);
  return image;
}

/* Whole file into memory, with an errno-based message naming the path. */
static gboolean
read_file (const char *path, guint8 **data, gsize *size, GError **error)
{
  FILE *file = g_fopen (path, "rb");
  if (file == NULL)
    {
      int saved = errno;
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_FAILED, "%s: %s", path, g_strerror (saved));
      return FALSE;
    }
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  guint8 chunk[65536];
  gsize n;
  while ((n = fread (chunk, 1, sizeof chunk, file)) > 0 && bytes->len <= MAX_FILE_BYTES)
    g_byte_array_append (bytes, chunk, n);
  int saved = errno;
  gboolean failed = ferror (file);
  fclose (file);
  if (failed)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_FAILED, "%s: %s", path, g_strerror (saved));
      return FALSE;
    }
  if (bytes->len > MAX_FILE_BYTES)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TOO_LARGE,
                   _("%s: file is above the 1 GiB limit"), path);
      return FALSE;
    }
  *size = bytes->len;
  *data = g_byte_array_free (g_steal_pointer (&bytes), FALSE);
  return TRUE;
}

MscImage *
msc_png_load (const char *path, const MscLoadOptions *opts, GError **error)
{
  g_autofree guint8 *data = NULL;
  gsize size = 0;
  if (!read_file (path, &data, &size, error))
    return NULL;
  return msc_png_load_bytes (data, size, path, opts, error);
}

/* ---- writing ---------------------------------------------------------- */

typedef struct {
  FILE *file;
  guint width, height, bit_depth;
  const guint8 *pixels8;
  const guint16 *pixels16;
  PngDiag diag;
  png_structp png;
  png_infop info;
  guint8 *row;                    /* big-endian row for 16-bit data */
} PngWriter;

/* The only setjmp of the writer; see decode. */
static gboolean
encode (PngWriter *w)
{
  if (setjmp (png_jmpbuf (w->png)))
    return FALSE;

  png_init_io (w->png, w->file);
  png_set_IHDR (w->png, w->info, w->width, w->height, w->bit_depth, PNG_COLOR_TYPE_GRAY,
                PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info (w->png, w->info);
  if (w->bit_depth == 16)
    w->row = png_malloc (w->png, (png_alloc_size_t) w->width * 2);
  for (guint y = 0; y < w->height; y++)
    {
      if (w->bit_depth == 8)
        {
          png_write_row (w->png, w->pixels8 + (gsize) y * w->width);
          continue;
        }
      /* PNG is big-endian whatever the host is. */
      const guint16 *src = w->pixels16 + (gsize) y * w->width;
      for (guint x = 0; x < w->width; x++)
        {
          w->row[2 * x] = src[x] >> 8;
          w->row[2 * x + 1] = src[x] & 0xff;
        }
      png_write_row (w->png, w->row);
    }
  png_write_end (w->png, NULL);
  return TRUE;
}

static gboolean
check_save_args (const char *path, guint width, guint height, guint bit_depth,
                 const guint8 *pixels8, const guint16 *pixels16, GError **error)
{
  if ((bit_depth != 8 && bit_depth != 16) ||
      (bit_depth == 8 && pixels8 == NULL) || (bit_depth == 16 && pixels16 == NULL))
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_UNSUPPORTED,
                   _("%s: cannot write %u-bit grey PNG from the pixels given"), path, bit_depth);
      return FALSE;
    }
  /* PNG's own limit is 2^31-1 per side. */
  if (width == 0 || height == 0 || width > 0x7fffffffu || height > 0x7fffffffu)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID,
                   _("%s: cannot write a PNG of %u x %u pixels"), path, width, height);
      return FALSE;
    }
  return TRUE;
}

/* Writes to fd and closes it; FALSE with the reason in *error. */
static gboolean
write_png_fd (int fd, const char *path, PngWriter *w, GError **error)
{
  w->file = fdopen (fd, "wb");
  if (w->file == NULL)
    {
      int saved = errno;
      close (fd);
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_FAILED, "%s: %s", path, g_strerror (saved));
      return FALSE;
    }
  w->png = png_create_write_struct (PNG_LIBPNG_VER_STRING, &w->diag, on_png_error, on_png_warning);
  if (w->png)
    w->info = png_create_info_struct (w->png);
  gboolean ok = w->png && w->info && encode (w);
  if (w->row)
    png_free (w->png, w->row);
  if (w->png)
    png_destroy_write_struct (&w->png, &w->info);
  /* fflush + fsync before the rename so a crash leaves old or new file,
   * never a short one under the final name. */
  int saved = 0;
  if (fflush (w->file) != 0 || fsync (fileno (w->file)) != 0)
    saved = errno;
  if (fclose (w->file) != 0 && saved == 0)
    saved = errno;
  if (ok && saved == 0)
    return TRUE;
  if (saved != 0)
    g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_FAILED, "%s: %s", path, g_strerror (saved));
  else
    g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_FAILED, _("%s: cannot write PNG: %s"),
                 path, w->diag.message[0] ? w->diag.message : _("libpng failed to start"));
  return FALSE;
}

gboolean
msc_png_save_grey (const char *path, guint width, guint height, guint bit_depth,
                   const guint8 *pixels8, const guint16 *pixels16, GError **error)
{
  if (!check_save_args (path, width, height, bit_depth, pixels8, pixels16, error))
    return FALSE;

  /* A hidden temp file beside the target: rename is atomic only within
   * one file system. Mode 0666 so the umask decides, as for any new file. */
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmp_base = g_strdup_printf (".%s.XXXXXX", base);
  g_autofree char *tmp = g_build_filename (dir, tmp_base, NULL);
  int fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_FAILED, "%s: %s", path, g_strerror (saved));
      return FALSE;
    }

  PngWriter w = { .width = width, .height = height, .bit_depth = bit_depth,
                  .pixels8 = pixels8, .pixels16 = pixels16 };
  if (!write_png_fd (fd, path, &w, error))
    {
      g_unlink (tmp);
      return FALSE;
    }
  if (g_rename (tmp, path) != 0)
    {
      int saved = errno;
      g_unlink (tmp);
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_FAILED, "%s: %s", path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}
