/* tests/engine/test-png.c — the PNG reader and writer.
 *
 * Real data: every mini-MIAS PNG must decode to exactly the bytes PIL
 * decodes (compared by SHA-256). Synthetic PNGs of every colour type are
 * written here with libpng; hostile ones are cut, flipped and forged.
 */
#include "msc-png.h"
#include "msc-test-util.h"

#include <png.h>
#include <string.h>
#include <glib/gstdio.h>

/* ---- helpers ------------------------------------------------------------ */

static const char *
python (void)
{
  const char *py = g_getenv ("MSC_PYTHON");
  return py ? py : "/usr/bin/python3";
}

/* Runs a Python snippet with args; NULL after a skip when Python, numpy or
 * PIL is missing. */
static char *
run_python (const char *script, const char *arg)
{
  const char *argv[] = { python (), "-c", script, arg, NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                     &out, &err, &status, &error) || !g_spawn_check_wait_status (status, NULL))
    {
      g_autofree char *msg = g_strdup_printf ("reference Python (PIL, numpy) unavailable: %s",
                                              error ? error->message : err);
      g_test_skip (msg);
      return NULL;
    }
  return g_steal_pointer (&out);
}

static void
sink_write (png_structp png, png_bytep data, png_size_t n)
{
  g_byte_array_append (png_get_io_ptr (png), data, n);
}

static void sink_flush (png_structp png) { }

/* Packs samples (one guint16 per sample, channels per pixel) into PNG rows. */
static guint8 *
pack_rows (const guint16 *samples, guint w, guint h, guint channels, guint depth, gsize *rowbytes)
{
  *rowbytes = ((gsize) w * channels * depth + 7) / 8;
  guint8 *rows = g_malloc0 (*rowbytes * h);
  for (guint y = 0; y < h; y++)
    for (guint i = 0; i < w * channels; i++)
      {
        guint16 s = samples[(gsize) y * w * channels + i];
        guint8 *row = rows + y * *rowbytes;
        if (depth == 16)
          {
            row[2 * i] = s >> 8;
            row[2 * i + 1] = s & 0xff;
          }
        else if (depth == 8)
          row[i] = (guint8) s;
        else                    /* 1, 2, 4 bits, most significant first */
          row[i * depth / 8] |= s << (8 - depth - (i * depth) % 8);
      }
  return rows;
}

typedef struct {
  int color_type, depth, interlace;
  const png_color *palette;
  int n_palette;
  const png_byte *trans;
  int n_trans;
  const png_color_16 *trans_grey;
} PngSpec;

/* A PNG in memory with libpng's writer; samples as for pack_rows. */
static GByteArray *
make_png (const PngSpec *spec, guint w, guint h, const guint16 *samples)
{
  static const guint channel_table[7] = { 1, 0, 3, 1, 2, 0, 4 };
  GByteArray *bytes = g_byte_array_new ();
  png_structp png = png_create_write_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct (png);
  gsize rowbytes;
  g_autofree guint8 *rows = pack_rows (samples, w, h, channel_table[spec->color_type],
                                       spec->depth, &rowbytes);
  g_autofree png_bytep *pointers = g_new (png_bytep, h);
  for (guint y = 0; y < h; y++)
    pointers[y] = rows + y * rowbytes;
  if (setjmp (png_jmpbuf (png)))
    g_error ("libpng failed writing a test PNG");
  png_set_write_fn (png, bytes, sink_write, sink_flush);
  png_set_IHDR (png, info, w, h, spec->depth, spec->color_type, spec->interlace,
                PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (spec->palette)
    png_set_PLTE (png, info, spec->palette, spec->n_palette);
  if (spec->trans || spec->trans_grey)
    png_set_tRNS (png, info, spec->trans, spec->n_trans, spec->trans_grey);
  png_write_info (png, info);
  png_write_image (png, pointers);
  png_write_end (png, NULL);
  png_destroy_write_struct (&png, &info);
  return bytes;
}

static guint32
crc32_png (const guint8 *data, gsize n)
{
  guint32 crc = 0xffffffffu;
  for (gsize i = 0; i < n; i++)
    {
      crc ^= data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
  return ~crc;
}

static void
append_be32 (GByteArray *a, guint32 v)
{
  guint8 b[4] = { v >> 24, v >> 16, v >> 8, v };
  g_byte_array_append (a, b, 4);
}

/* Appends a chunk with a correct CRC. */
static void
append_chunk (GByteArray *a, const char *type, const guint8 *data, guint32 n)
{
  append_be32 (a, n);
  guint start = a->len;
  g_byte_array_append (a, (const guint8 *) type, 4);
  if (n)
    g_byte_array_append (a, data, n);
  append_be32 (a, crc32_png (a->data + start, n + 4));
}

static GByteArray *
forge_header (guint32 w, guint32 h, guint8 depth, guint8 color_type)
{
  static const guint8 signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  GByteArray *a = g_byte_array_new ();
  g_byte_array_append (a, signature, 8);
  guint8 ihdr[13] = { w >> 24, w >> 16, w >> 8, w, h >> 24, h >> 16, h >> 8, h,
                      depth, color_type, 0, 0, 0 };
  append_chunk (a, "IHDR", ihdr, 13);
  return a;
}

static MscImage *
load (const GByteArray *a, GError **error)
{
  return msc_png_load_bytes (a->data, a->len, "test.png", NULL, error);
}

static gboolean
has_note (MscImage *image, const char *text)
{
  for (const char * const *n = msc_image_get_notes (image); *n; n++)
    if (strcmp (*n, text) == 0)
      return TRUE;
  return FALSE;
}

static guint
n_notes (MscImage *image)
{
  return g_strv_length ((char **) msc_image_get_notes (image));
}

static void
assert_bad (GError *error, const char *name)
{
  g_assert_nonnull (error);
  g_assert_true (error->domain == MSC_IO_ERROR);
  g_assert_true (g_str_has_prefix (error->message, name));
  g_assert_null (strchr (error->message, '\n'));
}

/* A 64 x 48 grey image with texture, so IDAT spans many bytes. */
static GByteArray *
textured_grey (guint w, guint h, int interlace)
{
  g_autofree guint16 *s = g_new (guint16, w * h);
  for (guint i = 0; i < w * h; i++)
    s[i] = (i * 7919u + (i / w) * 31u) % 251u;
  PngSpec spec = { .color_type = PNG_COLOR_TYPE_GRAY, .depth = 8, .interlace = interlace };
  return make_png (&spec, w, h, s);
}

/* ---- real data ---------------------------------------------------------- */

static const char mias_script[] =
  "import sys, os, hashlib\n"
  "import numpy as np\n"
  "from PIL import Image\n"
  "d = sys.argv[1]\n"
  "for n in sorted(os.listdir(d)):\n"
  "    if not n.endswith('.png'): continue\n"
  "    im = Image.open(os.path.join(d, n))\n"
  "    a = np.ascontiguousarray(np.asarray(im))\n"
  "    print(n, im.mode, im.width, im.height, hashlib.sha256(a.tobytes()).hexdigest())\n";

static void
test_mias_matches_pil (void)
{
  g_autofree char *dir = msc_test_shared_path ("mias/images");
  if (dir == NULL)
    return;
  g_autofree char *reference = run_python (mias_script, dir);
  if (reference == NULL)
    return;

  g_auto (GStrv) lines = g_strsplit (g_strstrip (reference), "\n", -1);
  guint n = g_strv_length (lines);
  g_assert_cmpuint (n, >=, 238);        /* data/README.md: 238 images */
  g_autofree guint8 *bytes = g_malloc (1024 * 1024);
  for (guint i = 0; i < n; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], " ", -1);
      g_assert_cmpuint (g_strv_length (f), ==, 5);
      g_assert_cmpstr (f[1], ==, "L");
      g_autofree char *path = g_build_filename (dir, f[0], NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (MscImage) image = msc_png_load (path, NULL, &error);
      g_assert_no_error (error);
      guint w = msc_image_get_width (image), h = msc_image_get_height (image);
      g_assert_cmpuint (w, ==, atoi (f[2]));
      g_assert_cmpuint (h, ==, atoi (f[3]));
      g_assert_cmpuint (w, ==, 1024);
      g_assert_cmpuint (h, ==, 1024);
      g_assert_cmpuint (msc_image_get_bits_stored (image), ==, 8);
      g_assert_cmpstr (msc_image_get_format (image), ==, "PNG");
      g_assert_cmpstr (msc_image_get_photometric (image), ==, "MONOCHROME2");
      g_assert_cmpstr (msc_image_get_path (image), ==, path);
      g_assert_cmpuint (n_notes (image), ==, 0);
      const guint16 *px = msc_image_get_pixels (image);
      for (gsize k = 0; k < (gsize) w * h; k++)
        {
          g_assert_cmpuint (px[k], <=, 255);
          bytes[k] = (guint8) px[k];
        }
      g_autofree char *sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, bytes, (gsize) w * h);
      if (strcmp (sum, f[4]) != 0)
        g_error ("%s: pixels differ from PIL's", f[0]);
    }
}

/* Cut a real mammogram at offsets spread through its IDAT. */
static void
test_mias_truncated (void)
{
  g_autofree char *path = msc_test_shared_path ("mias/images/mdb001.png");
  if (path == NULL)
    return;
  g_autofree char *data = NULL;
  gsize size;
  g_assert_true (g_file_get_contents (path, &data, &size, NULL));
  for (guint k = 1; k < 24; k++)
    {
      gsize cut = size * k / 24;
      g_autoptr (GError) error = NULL;
      g_autoptr (MscImage) image = msc_png_load_bytes ((guint8 *) data, cut, "mdb001.png", NULL, &error);
      g_assert_null (image);
      assert_bad (error, "mdb001.png");
      g_assert_true (error->code == MSC_IO_ERROR_TRUNCATED);
    }
}

/* ---- writer ------------------------------------------------------------- */

static const char sha16_script[] =
  "import sys, hashlib\n"
  "import numpy as np\n"
  "from PIL import Image\n"
  "im = Image.open(sys.argv[1])\n"
  "a = np.asarray(im).astype('<u2')\n"
  "print(im.width, im.height, hashlib.sha256(a.tobytes()).hexdigest())\n";

static void
assert_only_file (const char *dir, const char *name)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *entry;
  guint n = 0;
  while ((entry = g_dir_read_name (d)))
    {
      g_assert_cmpstr (entry, ==, name);
      n++;
    }
  g_assert_cmpuint (n, ==, 1);
}

static void
round_trip (guint depth)
{
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "out.png", NULL);
  const guint w = 37, h = 23;
  g_autofree guint8 *p8 = g_new (guint8, w * h);
  g_autofree guint16 *p16 = g_new (guint16, w * h);
  for (guint i = 0; i < w * h; i++)
    {
      p16[i] = (guint16) g_test_rand_int_range (0, 65536);
      p8[i] = (guint8) p16[i];
    }
  p16[0] = 0, p16[1] = 65535, p16[2] = 0x0102;   /* extremes and byte order */
  g_autoptr (GError) error = NULL;
  /* Twice: the second write replaces the first atomically. */
  for (int k = 0; k < 2; k++)
    g_assert_true (msc_png_save_grey (path, w, h, depth, depth == 8 ? p8 : NULL,
                                      depth == 16 ? p16 : NULL, &error));
  g_assert_no_error (error);
  assert_only_file (dir, "out.png");

  g_autoptr (MscImage) image = msc_png_load (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msc_image_get_width (image), ==, w);
  g_assert_cmpuint (msc_image_get_height (image), ==, h);
  g_assert_cmpuint (msc_image_get_bits_stored (image), ==, depth);
  const guint16 *px = msc_image_get_pixels (image);
  for (guint i = 0; i < w * h; i++)
    g_assert_cmpuint (px[i], ==, depth == 8 ? p8[i] : p16[i]);

  if (depth == 16)
    {
      /* An independent decoder, so a symmetric byte-order bug shows. */
      g_autofree char *ref = run_python (sha16_script, path);
      if (ref == NULL)
        return;
      g_autofree guint16 *le = g_new (guint16, w * h);
      for (guint i = 0; i < w * h; i++)
        le[i] = GUINT16_TO_LE (p16[i]);
      g_autofree char *sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guint8 *) le,
                                                          w * h * sizeof (guint16));
      g_autofree char *expect = g_strdup_printf ("%u %u %s", w, h, sum);
      g_assert_cmpstr (g_strstrip (ref), ==, expect);
    }
}

static void test_save_8 (void) { round_trip (8); }
static void test_save_16 (void) { round_trip (16); }

static void
test_save_errors (void)
{
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *missing = g_build_filename (dir, "no-such-dir", "x.png", NULL);
  guint8 px[4] = { 0 };
  g_autoptr (GError) error = NULL;
  g_assert_false (msc_png_save_grey (missing, 2, 2, 8, px, NULL, &error));
  g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_FAILED);
  g_assert_true (g_str_has_prefix (error->message, missing));
  g_clear_error (&error);

  g_autofree char *path = g_build_filename (dir, "x.png", NULL);
  g_assert_false (msc_png_save_grey (path, 2, 2, 12, px, NULL, &error));
  assert_bad (error, path);
  g_clear_error (&error);
  g_assert_false (msc_png_save_grey (path, 2, 2, 16, px, NULL, &error));
  assert_bad (error, path);
  g_clear_error (&error);
  g_assert_false (msc_png_save_grey (path, 0, 2, 8, px, NULL, &error));
  assert_bad (error, path);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* ---- synthetic colour types --------------------------------------------- */

static guint16
luma (guint r, guint g, guint b)
{
  /* BT.601, rounded half up: computed in double here, integers there. */
  return (guint16) (0.299 * r + 0.587 * g + 0.114 * b + 0.5 + 1e-9);
}

static void
check_rgb (int depth, int interlace, gboolean alpha)
{
  const guint w = 19, h = 11, ch = alpha ? 4 : 3;
  guint max = (1u << depth) - 1;
  g_autofree guint16 *s = g_new (guint16, w * h * ch);
  g_autofree guint16 *expect = g_new (guint16, w * h);
  for (guint i = 0; i < w * h; i++)
    {
      guint16 *p = s + i * ch;
      p[0] = (i * 977u) % (max + 1);
      p[1] = (i * 3571u + 13) % (max + 1);
      p[2] = (i * 131u + 7) % (max + 1);
      if (alpha)
        p[3] = i % 2 ? max : 0;
      expect[i] = luma (p[0], p[1], p[2]);
    }
  PngSpec spec = { .color_type = alpha ? PNG_COLOR_TYPE_RGBA : PNG_COLOR_TYPE_RGB,
                   .depth = depth, .interlace = interlace };
  g_autoptr (GByteArray) a = make_png (&spec, w, h, s);
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) image = load (a, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msc_image_get_bits_stored (image), ==, depth);
  g_assert_true (has_note (image, "colour converted to grey"));
  g_assert_cmpint (has_note (image, "alpha channel dropped"), ==, alpha);
  g_assert_cmpuint (n_notes (image), ==, alpha ? 2 : 1);
  g_assert_cmpmem (msc_image_get_pixels (image), w * h * 2, expect, w * h * 2);
}

static void test_rgb8 (void) { check_rgb (8, PNG_INTERLACE_NONE, FALSE); }
static void test_rgb16 (void) { check_rgb (16, PNG_INTERLACE_NONE, FALSE); }
static void test_rgba8 (void) { check_rgb (8, PNG_INTERLACE_NONE, TRUE); }
static void test_rgb_interlaced (void) { check_rgb (8, PNG_INTERLACE_ADAM7, FALSE); }

static void
test_luma_rounding (void)
{
  /* Exhaustive over grey-ish and saturated colours: integer luma in the
   * reader must equal the double formula for every 8-bit colour tried. */
  const guint w = 256, h = 64;
  g_autofree guint16 *s = g_new (guint16, w * h * 3);
  g_autofree guint16 *expect = g_new (guint16, w * h);
  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      {
        guint16 *p = s + (y * w + x) * 3;
        p[0] = x, p[1] = (y * 4) & 255, p[2] = (x * 3 + y * 5) & 255;
        expect[y * w + x] = luma (p[0], p[1], p[2]);
      }
  PngSpec spec = { .color_type = PNG_COLOR_TYPE_RGB, .depth = 8 };
  g_autoptr (GByteArray) a = make_png (&spec, w, h, s);
  g_autoptr (MscImage) image = load (a, NULL);
  g_assert_nonnull (image);
  g_assert_cmpmem (msc_image_get_pixels (image), w * h * 2, expect, w * h * 2);
}

static void
check_palette (int depth, gboolean transparent)
{
  static const png_color palette[4] = { { 255, 0, 0 }, { 0, 255, 0 }, { 0, 0, 255 }, { 90, 120, 200 } };
  static const png_byte trans[2] = { 0, 128 };
  const guint w = 10, h = 5;
  guint16 s[10 * 5], expect[10 * 5];
  for (guint i = 0; i < w * h; i++)
    {
      s[i] = i % 4;
      const png_color *c = &palette[s[i]];
      expect[i] = luma (c->red, c->green, c->blue);
    }
  PngSpec spec = { .color_type = PNG_COLOR_TYPE_PALETTE, .depth = depth,
                   .palette = palette, .n_palette = 4,
                   .trans = transparent ? trans : NULL, .n_trans = transparent ? 2 : 0 };
  g_autoptr (GByteArray) a = make_png (&spec, w, h, s);
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) image = load (a, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msc_image_get_bits_stored (image), ==, 8);
  g_assert_true (has_note (image, "colour converted to grey"));
  g_assert_cmpint (has_note (image, "alpha channel dropped"), ==, transparent);
  g_assert_cmpmem (msc_image_get_pixels (image), sizeof expect, expect, sizeof expect);
}

static void test_palette8 (void) { check_palette (8, FALSE); }
static void test_palette2 (void) { check_palette (2, FALSE); }
static void test_palette_trns (void) { check_palette (8, TRUE); }

static void
test_grey_alpha (void)
{
  const guint w = 9, h = 4;
  guint16 s[9 * 4 * 2], expect[9 * 4];
  for (guint i = 0; i < w * h; i++)
    {
      s[2 * i] = expect[i] = i * 7;
      s[2 * i + 1] = 255 - i;
    }
  PngSpec spec = { .color_type = PNG_COLOR_TYPE_GRAY_ALPHA, .depth = 8 };
  g_autoptr (GByteArray) a = make_png (&spec, w, h, s);
  g_autoptr (MscImage) image = load (a, NULL);
  g_assert_nonnull (image);
  g_assert_true (has_note (image, "alpha channel dropped"));
  g_assert_false (has_note (image, "colour converted to grey"));
  g_assert_cmpmem (msc_image_get_pixels (image), sizeof expect, expect, sizeof expect);
}

/* Grey of any depth, plain or interlaced, with an optional tRNS that must
 * be ignored; 1/2/4-bit samples scale to 0..255 (1 bit: 0 or 255). */
static void
check_grey (int depth, int interlace, gboolean trns)
{
  const guint w = 33, h = 17;
  guint max = (1u << depth) - 1;
  guint16 s[33 * 17], expect[33 * 17];
  for (guint i = 0; i < w * h; i++)
    {
      s[i] = (guint16) ((i * 40503u + i / w) % (max + 1));
      expect[i] = depth < 8 ? s[i] * (255 / max) : s[i];
    }
  png_color_16 tc = { .gray = 1 };
  PngSpec spec = { .color_type = PNG_COLOR_TYPE_GRAY, .depth = depth, .interlace = interlace,
                   .trans_grey = trns ? &tc : NULL };
  g_autoptr (GByteArray) a = make_png (&spec, w, h, s);
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) image = load (a, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msc_image_get_bits_stored (image), ==, depth == 16 ? 16 : 8);
  g_assert_cmpuint (n_notes (image), ==, 0);
  g_assert_cmpmem (msc_image_get_pixels (image), sizeof expect, expect, sizeof expect);
}

static void test_grey1 (void) { check_grey (1, PNG_INTERLACE_NONE, FALSE); }
static void test_grey2 (void) { check_grey (2, PNG_INTERLACE_NONE, FALSE); }
static void test_grey4 (void) { check_grey (4, PNG_INTERLACE_ADAM7, FALSE); }
static void test_grey8_interlaced (void) { check_grey (8, PNG_INTERLACE_ADAM7, FALSE); }
static void test_grey16 (void) { check_grey (16, PNG_INTERLACE_NONE, FALSE); }
static void test_grey16_interlaced (void) { check_grey (16, PNG_INTERLACE_ADAM7, TRUE); }
static void test_grey8_trns (void) { check_grey (8, PNG_INTERLACE_NONE, TRUE); }
static void test_grey2_trns (void) { check_grey (2, PNG_INTERLACE_NONE, TRUE); }

/* ---- hostile input ------------------------------------------------------ */

static void
test_truncated_everywhere (void)
{
  for (int interlace = 0; interlace < 2; interlace++)
    {
      g_autoptr (GByteArray) a = textured_grey (64, 48, interlace);
      for (guint cut = 0; cut < a->len; cut++)
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (MscImage) image = msc_png_load_bytes (a->data, cut, "cut.png", NULL, &error);
          g_assert_null (image);
          assert_bad (error, "cut.png");
          if (error->code != MSC_IO_ERROR_TRUNCATED && error->code != MSC_IO_ERROR_INVALID)
            g_error ("cut at %u: %s", cut, error->message);
        }
    }
}

/* Every single-byte change is caught: the signature by us, each chunk's
 * length/type/data by its CRC, which the reader treats as fatal. */
static void
test_flipped_bytes (void)
{
  g_autoptr (GByteArray) a = textured_grey (24, 16, PNG_INTERLACE_NONE);
  for (guint pos = 0; pos < a->len; pos++)
    for (guint bit = 0; bit < 8; bit += 3)
      {
        a->data[pos] ^= 1u << bit;
        g_autoptr (GError) error = NULL;
        g_autoptr (MscImage) image = load (a, &error);
        a->data[pos] ^= 1u << bit;
        if (image != NULL)
          g_error ("bit %u of byte %u flipped, yet the PNG loaded", bit, pos);
        assert_bad (error, "test.png");
      }
  g_autoptr (MscImage) intact = load (a, NULL);
  g_assert_nonnull (intact);
}

/* Random garbage after a valid signature and IHDR: errors, never a crash. */
static void
test_garbage_after_header (void)
{
  for (guint round = 0; round < 200; round++)
    {
      g_autoptr (GByteArray) a = forge_header (1 + round % 70, 1 + round % 13, 8, 0);
      guint n = g_test_rand_int_range (0, 400);
      for (guint i = 0; i < n; i++)
        {
          guint8 b = g_test_rand_int_range (0, 256);
          g_byte_array_append (a, &b, 1);
        }
      g_autoptr (GError) error = NULL;
      g_autoptr (MscImage) image = load (a, &error);
      g_assert_null (image);
      assert_bad (error, "test.png");
    }
}

static guint32
chunk_length (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

/* A wrong zlib checksum with every chunk CRC correct (a buggy encoder, or
 * a forger). With the checksum in an IDAT of its own, every row is out
 * before libpng sees it, and libpng 1.6 then only warns: the reader must
 * still refuse. split = FALSE keeps one IDAT, where libpng errors itself. */
static void
check_bad_zlib_checksum (gboolean split)
{
  g_autoptr (GByteArray) a = textured_grey (24, 16, PNG_INTERLACE_NONE);
  guint pos = 8;
  while (pos + 12 <= a->len && memcmp (a->data + pos + 4, "IDAT", 4) != 0)
    pos += 12 + chunk_length (a->data + pos);
  g_assert_cmpuint (pos + 12, <=, a->len);
  guint32 n = chunk_length (a->data + pos);
  const guint8 *zdata = a->data + pos + 8;
  guint8 adler[4];
  memcpy (adler, zdata + n - 4, 4);
  adler[3] ^= 0x5a;

  g_autoptr (GByteArray) b = g_byte_array_new ();
  g_byte_array_append (b, a->data, pos);
  if (split)
    {
      append_chunk (b, "IDAT", zdata, n - 4);
      append_chunk (b, "IDAT", adler, 4);
    }
  else
    {
      g_autofree guint8 *copy = g_memdup2 (zdata, n);
      memcpy (copy + n - 4, adler, 4);
      append_chunk (b, "IDAT", copy, n);
    }
  g_byte_array_append (b, zdata + n + 4, a->data + a->len - (zdata + n + 4));

  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) image = load (b, &error);
  g_assert_null (image);
  g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID);
  assert_bad (error, "test.png");
  g_assert_nonnull (strstr (error->message, "IDAT"));
}

static void test_bad_zlib_checksum (void) { check_bad_zlib_checksum (FALSE); }
static void test_bad_zlib_checksum_split (void) { check_bad_zlib_checksum (TRUE); }

static void
test_huge_ihdr (void)
{
  g_autoptr (GByteArray) a = forge_header (65535, 65535, 16, 0);
  append_chunk (a, "IDAT", (const guint8 *) "x", 1);
  append_chunk (a, "IEND", NULL, 0);
  gint64 start = g_get_monotonic_time ();
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) image = load (a, &error);
  g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TOO_LARGE);
  assert_bad (error, "test.png");
  g_assert_nonnull (strstr (error->message, "65535 x 65535"));
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);

  /* Within PNG's range but above a caller's limit. */
  g_autoptr (GByteArray) b = textured_grey (64, 48, PNG_INTERLACE_NONE);
  MscLoadOptions opts = { .max_dimension = 50 };
  g_clear_error (&error);
  g_assert_null (msc_png_load_bytes (b->data, b->len, "b.png", &opts, &error));
  g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TOO_LARGE);
  opts.max_dimension = 64;
  g_autoptr (MscImage) ok = msc_png_load_bytes (b->data, b->len, "b.png", &opts, NULL);
  g_assert_nonnull (ok);
}

static void
test_zero_width (void)
{
  g_autoptr (GByteArray) a = forge_header (0, 10, 8, 0);
  append_chunk (a, "IEND", NULL, 0);
  g_autoptr (GError) error = NULL;
  g_assert_null (load (a, &error));
  g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID);
  assert_bad (error, "test.png");
}

static void
test_not_png (void)
{
  g_autoptr (GError) error = NULL;
  g_assert_null (msc_png_load_bytes ((const guint8 *) "", 0, "empty.png", NULL, &error));
  g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TRUNCATED);
  assert_bad (error, "empty.png");
  g_clear_error (&error);

  const char *text = "This is not a PNG file, just some text.\n";
  g_assert_null (msc_png_load_bytes ((const guint8 *) text, strlen (text), "text.png", NULL, &error));
  g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_UNKNOWN_FORMAT);
  assert_bad (error, "text.png");
  g_clear_error (&error);

  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *missing = g_build_filename (dir, "missing.png", NULL);
  g_assert_null (msc_png_load (missing, NULL, &error));
  g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_FAILED);
  assert_bad (error, missing);
}

/* A gAMA of 0 makes libpng warn; nothing may reach stderr. */
static void
test_warnings_quiet (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr (GByteArray) good = textured_grey (8, 8, PNG_INTERLACE_NONE);
      /* Rebuild: signature + IHDR, bad gAMA, then the rest of the file. */
      g_autoptr (GByteArray) a = g_byte_array_new ();
      g_byte_array_append (a, good->data, 33);
      static const guint8 zero[4] = { 0 };
      append_chunk (a, "gAMA", zero, 4);
      g_byte_array_append (a, good->data + 33, good->len - 33);
      g_autoptr (GError) error = NULL;
      g_autoptr (MscImage) image = load (a, &error);
      g_assert_no_error (error);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/io/png/mias/matches-pil", test_mias_matches_pil);
  g_test_add_func ("/io/png/mias/truncated", test_mias_truncated);
  g_test_add_func ("/io/png/save/8", test_save_8);
  g_test_add_func ("/io/png/save/16", test_save_16);
  g_test_add_func ("/io/png/save/errors", test_save_errors);
  g_test_add_func ("/io/png/colour/rgb8", test_rgb8);
  g_test_add_func ("/io/png/colour/rgb16", test_rgb16);
  g_test_add_func ("/io/png/colour/rgba8", test_rgba8);
  g_test_add_func ("/io/png/colour/rgb-interlaced", test_rgb_interlaced);
  g_test_add_func ("/io/png/colour/luma-rounding", test_luma_rounding);
  g_test_add_func ("/io/png/colour/palette8", test_palette8);
  g_test_add_func ("/io/png/colour/palette2", test_palette2);
  g_test_add_func ("/io/png/colour/palette-trns", test_palette_trns);
  g_test_add_func ("/io/png/grey/alpha", test_grey_alpha);
  g_test_add_func ("/io/png/grey/1bit", test_grey1);
  g_test_add_func ("/io/png/grey/2bit", test_grey2);
  g_test_add_func ("/io/png/grey/4bit-interlaced", test_grey4);
  g_test_add_func ("/io/png/grey/8bit-interlaced", test_grey8_interlaced);
  g_test_add_func ("/io/png/grey/8bit-trns", test_grey8_trns);
  g_test_add_func ("/io/png/grey/2bit-trns", test_grey2_trns);
  g_test_add_func ("/io/png/grey/16bit", test_grey16);
  g_test_add_func ("/io/png/grey/16bit-interlaced", test_grey16_interlaced);
  g_test_add_func ("/io/png/hostile/truncated-everywhere", test_truncated_everywhere);
  g_test_add_func ("/io/png/hostile/flipped-bytes", test_flipped_bytes);
  g_test_add_func ("/io/png/hostile/garbage", test_garbage_after_header);
  g_test_add_func ("/io/png/hostile/bad-zlib-checksum", test_bad_zlib_checksum);
  g_test_add_func ("/io/png/hostile/bad-zlib-checksum-split", test_bad_zlib_checksum_split);
  g_test_add_func ("/io/png/hostile/huge-ihdr", test_huge_ihdr);
  g_test_add_func ("/io/png/hostile/zero-width", test_zero_width);
  g_test_add_func ("/io/png/hostile/not-png", test_not_png);
  g_test_add_func ("/io/png/warnings-quiet", test_warnings_quiet);
  return g_test_run ();
}
