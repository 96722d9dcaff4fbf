/* tests/engine/test-dicom-robust.c — the DICOM reader on damaged input.
 *
 * Shared mammograms cut short or with flipped bytes, forged headers (65535 x
 * 65535, 32 bits allocated, short pixel data), empty and preamble-only
 * files: the reader must refuse with a clean one-line error or return a
 * valid image, never crash, hang or hand back a wrong image.
 */
#include "msc-dicom.h"
#include "msc-test-util.h"

#include <string.h>

#define N_CUTS 10
#define N_FLIPS 12
#define SEED 0x4d534331u        /* fixed: failures must reproduce */

static GBytes *
read_shared (const char *relative)
{
  g_autofree char *path = msc_test_shared_path (relative);
  if (path == NULL)
    return NULL;
  gchar *data = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;
  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

/* A writable copy of a shared file (transfer full), or NULL after a skip. */
static guint8 *
read_shared_copy (const char *relative, gsize *n)
{
  g_autoptr (GBytes) bytes = read_shared (relative);
  if (bytes == NULL)
    return NULL;
  return g_bytes_unref_to_data (g_steal_pointer (&bytes), n);
}

/* Offset of a little-endian tag at or after from, or -1. Good enough for
 * the shared files: their values contain no such byte pattern earlier. */
static gssize
find_tag (const guint8 *d, gsize n, guint16 group, guint16 element, gsize from)
{
  const guint8 pat[4] = { group & 0xff, group >> 8, element & 0xff, element >> 8 };
  for (gsize i = from; i + 4 <= n; i++)
    if (memcmp (d + i, pat, 4) == 0)
      return (gssize) i;
  return -1;
}

/* Sets a US value (Rows, Columns, Bits Allocated...). Explicit VR puts
 * "US" + 2-byte length after the tag, implicit VR a 4-byte length: the
 * value sits 8 bytes after the tag in both. */
static void
patch_us (guint8 *d, gsize n, guint16 group, guint16 element, guint16 value)
{
  gssize at = find_tag (d, n, group, element, 132);
  g_assert_cmpint (at, >, 0);
  d[at + 8] = value & 0xff;
  d[at + 9] = value >> 8;
}

static void
assert_clean_error (const GError *error, const char *name)
{
  g_assert_nonnull (error);
  g_assert_true (error->domain == MSC_IO_ERROR);
  g_assert_true (g_str_has_prefix (error->message, name));
  g_assert_null (strchr (error->message, '\n'));
}

static GPtrArray *
shared_dicom_names (void)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *dir = msc_test_shared_path ("dicom");
  if (dir == NULL)
    return names;
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".dcm"))
      g_ptr_array_add (names, g_strconcat ("dicom/", name, NULL));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  return names;
}

/* Ten cuts: in the preamble, the meta header, the data set header, at the
 * Pixel Data tag, and spread through the pixel data. None of the shared
 * files has trailing padding, so every cut must fail. */
static void
cut_offsets (const guint8 *d, gsize n, gsize cuts[N_CUTS])
{
  /* A deflated data set hides the tag: cut its compressed stream instead. */
  gssize pixel_tag = find_tag (d, n, 0x7fe0, 0x0010, 0);
  gsize p = pixel_tag > 0 ? (gsize) pixel_tag : 400;
  gsize body = n - p;
  gsize fixed[N_CUTS] = { 1, 100, 131, MIN (200, p - 1), p / 2, p, p + 6,
                          p + body / 4, p + body / 2, n - 2 };
  memcpy (cuts, fixed, sizeof fixed);
}

static void
test_truncated (void)
{
  g_autoptr (GPtrArray) names = shared_dicom_names ();
  g_autofree char *tmp = msc_test_tmpdir ();
  for (guint f = 0; f < names->len; f++)
    {
      const char *name = g_ptr_array_index (names, f);
      g_autoptr (GBytes) bytes = read_shared (name);
      gsize n = 0;
      const guint8 *d = g_bytes_get_data (bytes, &n);
      gsize cuts[N_CUTS];
      cut_offsets (d, n, cuts);
      for (guint c = 0; c < N_CUTS; c++)
        {
          g_autofree char *label = g_strdup_printf ("%s@%" G_GSIZE_FORMAT, name, cuts[c]);
          g_autoptr (GError) error = NULL;
          g_autoptr (MscImage) img = msc_dicom_load_bytes (d, cuts[c], label, NULL, &error);
          if (img != NULL)
            g_error ("%s cut at %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes loaded",
                     name, cuts[c], n);
          assert_clean_error (error, label);
          g_clear_error (&error);

          /* The same through a file: DCMTK loads large values lazily there. */
          g_autofree char *path = g_build_filename (tmp, "cut.dcm", NULL);
          g_file_set_contents (path, (const char *) d, cuts[c], &error);
          g_assert_no_error (error);
          g_autoptr (MscImage) from_file = msc_dicom_load (path, NULL, &error);
          if (from_file != NULL)
            g_error ("%s cut at %" G_GSIZE_FORMAT " loaded from a file", name, cuts[c]);
          assert_clean_error (error, path);
        }
    }
}

/* Flipped bytes, three quarters of them in the header where they change
 * meaning: any outcome but a crash or an inconsistent image is fine. */
static void
test_flipped (void)
{
  g_autoptr (GPtrArray) names = shared_dicom_names ();
  g_autoptr (GRand) rand = g_rand_new_with_seed (SEED);
  for (guint f = 0; f < names->len; f++)
    {
      const char *name = g_ptr_array_index (names, f);
      g_autoptr (GBytes) bytes = read_shared (name);
      gsize n = 0;
      const guint8 *orig = g_bytes_get_data (bytes, &n);
      gssize pixel_tag = find_tag (orig, n, 0x7fe0, 0x0010, 0);
      if (pixel_tag < 0)
        pixel_tag = 400;                /* deflated: the compressed header */
      g_autofree guint8 *d = g_memdup2 (orig, n);
      for (guint k = 0; k < N_FLIPS; k++)
        {
          memcpy (d, orig, n);
          guint n_bytes = g_rand_int_range (rand, 1, 5);
          for (guint b = 0; b < n_bytes; b++)
            {
              gsize limit = g_rand_int_range (rand, 0, 4) ? (gsize) pixel_tag + 16 : n;
              gsize at = g_rand_int_range (rand, 0, (gint32) limit);
              d[at] ^= (guint8) g_rand_int_range (rand, 1, 256);
            }
          g_autoptr (GError) error = NULL;
          g_autoptr (MscImage) img = msc_dicom_load_bytes (d, n, name, NULL, &error);
          if (img == NULL)
            {
              assert_clean_error (error, name);
              continue;
            }
          g_assert_no_error (error);
          g_assert_cmpuint (msc_image_get_width (img), >, 0);
          g_assert_cmpuint (msc_image_get_width (img), <=, MSC_IMAGE_MAX_DIMENSION_DEFAULT);
          g_assert_cmpuint (msc_image_get_height (img), <=, MSC_IMAGE_MAX_DIMENSION_DEFAULT);
          g_assert_nonnull (msc_image_get_pixels (img));
        }
    }
}

static gint64
time_load (const guint8 *d, gsize n, const MscLoadOptions *opts, GError **error, MscImage **out)
{
  gint64 start = g_get_monotonic_time ();
  *out = msc_dicom_load_bytes (d, n, "forged.dcm", opts, error);
  return g_get_monotonic_time () - start;
}

/* 65535 x 65535 declared: refused from the header, before any allocation
 * or decompression, for plain, implicit and compressed files. */
static void
test_huge (gconstpointer data)
{
  gsize n = 0;
  g_autofree guint8 *d = read_shared_copy (data, &n);
  if (d == NULL)
    return;

  g_autoptr (GError) error = NULL;
  MscImage *normal = NULL;
  gint64 t_normal = time_load (d, n, NULL, &error, &normal);
  g_assert_no_error (error);
  msc_image_unref (normal);

  patch_us (d, n, 0x0028, 0x0010, 65535);
  patch_us (d, n, 0x0028, 0x0011, 65535);
  for (int meta = 0; meta < 2; meta++)
    {
      MscLoadOptions opts = { .metadata_only = meta };
      MscImage *img = NULL;
      g_clear_error (&error);
      gint64 t_huge = time_load (d, n, &opts, &error, &img);
      g_assert_null (img);
      g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TOO_LARGE);
      g_assert_true (g_str_has_prefix (error->message, "forged.dcm: "));
      g_assert_nonnull (strstr (error->message, "65535 x 65535"));
      /* Relative to a real load in the same run, never a fixed time. */
      g_assert_cmpint (t_huge, <=, 2 * t_normal + 20000);
    }

  /* A configured limit applies the same way; zero rows is no image. */
  patch_us (d, n, 0x0028, 0x0010, 0);
  MscImage *img = NULL;
  g_clear_error (&error);
  time_load (d, n, NULL, &error, &img);
  g_assert_null (img);
  g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID);
}

static void
test_bits_allocated_32 (void)
{
  gsize n = 0;
  g_autofree guint8 *d = read_shared_copy ("dicom/mdb001-explicit-le.dcm", &n);
  if (d == NULL)
    return;
  patch_us (d, n, 0x0028, 0x0100, 32);
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) img = msc_dicom_load_bytes (d, n, "bits32.dcm", NULL, &error);
  g_assert_null (img);
  g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_UNSUPPORTED);
  g_assert_cmpstr (error->message, ==, "bits32.dcm: 32 bits allocated is not supported (8 or 16)");
}

/* A well-formed Pixel Data element that is simply too short. */
static void
test_short_pixel_data (void)
{
  gsize n = 0;
  g_autofree guint8 *d = read_shared_copy ("dicom/mdb001-explicit-le.dcm", &n);
  if (d == NULL)
    return;
  gssize at = find_tag (d, n, 0x7fe0, 0x0010, 132);
  g_assert_cmpint (at, >, 0);
  g_assert_cmpmem (d + at + 4, 2, "OW", 2);
  guint32 len = GUINT32_TO_LE (1000);
  memcpy (d + at + 8, &len, 4);            /* OW: 2 reserved bytes, 4-byte length */
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) img = msc_dicom_load_bytes (d, (gsize) at + 12 + 1000, "short.dcm", NULL, &error);
  g_assert_null (img);
  g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TRUNCATED);
  g_assert_cmpstr (error->message, ==, "short.dcm: pixel data is 1000 bytes, header declares 2097152");
}

static void
test_empty (void)
{
  g_autofree char *tmp = msc_test_tmpdir ();
  g_autofree char *path = g_build_filename (tmp, "empty.dcm", NULL);
  g_autoptr (GError) error = NULL;
  g_file_set_contents (path, "", 0, &error);
  g_assert_no_error (error);
  g_autoptr (MscImage) img = msc_dicom_load (path, NULL, &error);
  g_assert_null (img);
  assert_clean_error (error, path);
  g_clear_error (&error);
  static const guint8 nothing[1] = { 0 };
  g_autoptr (MscImage) mem = msc_dicom_load_bytes (nothing, 0, "empty.dcm", NULL, &error);
  g_assert_null (mem);
  assert_clean_error (error, "empty.dcm");
}

static void
test_preamble_only (void)
{
  guint8 d[132] = { 0 };
  memcpy (d + 128, "DICM", 4);
  g_autofree char *tmp = msc_test_tmpdir ();
  g_autofree char *path = g_build_filename (tmp, "preamble.dcm", NULL);
  g_autoptr (GError) error = NULL;
  g_file_set_contents (path, (const char *) d, sizeof d, &error);
  g_assert_no_error (error);
  for (int meta = 0; meta < 2; meta++)
    {
      MscLoadOptions opts = { .metadata_only = meta };
      g_autoptr (MscImage) img = msc_dicom_load (path, &opts, &error);
      g_assert_null (img);
      assert_clean_error (error, path);
      g_clear_error (&error);
      g_autoptr (MscImage) mem = msc_dicom_load_bytes (d, sizeof d, "preamble.dcm", &opts, &error);
      g_assert_null (mem);
      assert_clean_error (error, "preamble.dcm");
      g_clear_error (&error);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/io/dicom-robust/truncated", test_truncated);
  g_test_add_func ("/io/dicom-robust/flipped", test_flipped);
  g_test_add_data_func ("/io/dicom-robust/huge/explicit-le", "dicom/mdb001-explicit-le.dcm", test_huge);
  g_test_add_data_func ("/io/dicom-robust/huge/implicit-le", "dicom/mdb015-implicit-le.dcm", test_huge);
  g_test_add_data_func ("/io/dicom-robust/huge/jpeg-lossless", "dicom/mdb055-jpeg-lossless.dcm", test_huge);
  g_test_add_func ("/io/dicom-robust/bits-allocated-32", test_bits_allocated_32);
  g_test_add_func ("/io/dicom-robust/short-pixel-data", test_short_pixel_data);
  g_test_add_func ("/io/dicom-robust/empty", test_empty);
  g_test_add_func ("/io/dicom-robust/preamble-only", test_preamble_only);
  return g_test_run ();
}
