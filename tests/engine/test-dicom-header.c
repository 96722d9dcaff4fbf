/* tests/engine/test-dicom-header.c — msc_dicom_read_header on real and hostile files.
 *
 * Every shared DICOM file either yields a tree (known values checked against
 * the image reader) or one error naming the file; cut, empty and random files
 * fail cleanly; the depth and element limits hold on generated files.
 */
#include "msc-dicom-header.h"
#include "msc-dicom.h"
#include "msc-io-error.h"
#include "msc-test-util.h"

#include <glib/gstdio.h>
#include <string.h>

static const MscDicomElement *
find (GPtrArray *elements, guint16 group, guint16 element)
{
  for (guint i = 0; i < elements->len; i++)
    {
      const MscDicomElement *e = g_ptr_array_index (elements, i);
      if (e->group == group && e->element == element)
        return e;
    }
  return NULL;
}

/* Checks invariants of every element in a tree; returns how many there are. */
static guint
check_tree (GPtrArray *elements, guint depth)
{
  guint n = 0;
  g_assert_cmpuint (depth, <=, MSC_DICOM_HEADER_MAX_DEPTH);
  for (guint i = 0; i < elements->len; i++, n++)
    {
      const MscDicomElement *e = g_ptr_array_index (elements, i);
      g_assert_cmpuint (strlen (e->vr), ==, 2);
      g_assert_nonnull (e->keyword);
      g_assert_nonnull (e->value);
      g_assert_true (g_utf8_validate (e->value, -1, NULL));
      g_assert_cmpuint (g_utf8_strlen (e->value, -1), <=, MSC_DICOM_HEADER_MAX_VALUE + 1);
      if (e->group & 1)
        g_assert_cmpstr (e->keyword, ==, "Private");
      if (e->items != NULL)
        {
          g_assert_cmpstr (e->vr, ==, "SQ");
          for (guint k = 0; k < e->items->len; k++)
            n += check_tree (g_ptr_array_index (e->items, k), depth + 1);
        }
    }
  return n;
}

static gboolean
has_sequence_with_items (GPtrArray *elements)
{
  for (guint i = 0; i < elements->len; i++)
    {
      const MscDicomElement *e = g_ptr_array_index (elements, i);
      if (e->items != NULL && e->items->len > 0)
        return TRUE;
    }
  return FALSE;
}

static void
test_mammograms (void)
{
  g_autofree char *dir = msc_test_shared_path ("dicom");
  if (dir == NULL)
    return;
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  guint n_files = 0, n_private = 0;
  for (const char *name; (name = g_dir_read_name (d)) != NULL;)
    {
      if (!g_str_has_suffix (name, ".dcm"))
        continue;
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) header = msc_dicom_read_header (path, &error);
      g_assert_no_error (error);
      g_assert_nonnull (header);
      check_tree (header, 0);

      g_autoptr(MscImage) img = msc_dicom_load (path, NULL, &error);
      g_assert_no_error (error);
      const MscDicomElement *modality = find (header, 0x0008, 0x0060);
      g_assert_nonnull (modality);
      g_assert_cmpstr (modality->keyword, ==, "Modality");
      g_assert_cmpstr (modality->vr, ==, "CS");
      g_assert_cmpstr (modality->value, ==, "MG");
      const MscDicomElement *rows = find (header, 0x0028, 0x0010);
      const MscDicomElement *cols = find (header, 0x0028, 0x0011);
      g_assert_nonnull (rows);
      g_assert_nonnull (cols);
      g_assert_cmpstr (rows->keyword, ==, "Rows");
      g_assert_cmpuint (g_ascii_strtoull (rows->value, NULL, 10), ==, msc_image_get_height (img));
      g_assert_cmpuint (g_ascii_strtoull (cols->value, NULL, 10), ==, msc_image_get_width (img));
      const MscDicomElement *patient = find (header, 0x0010, 0x0010);
      g_assert_nonnull (patient);
      g_assert_cmpstr (patient->keyword, ==, "PatientName");
      const MscDicomElement *pixels = find (header, 0x7FE0, 0x0010);
      g_assert_nonnull (pixels);
      g_assert_true (strstr (pixels->value, "not shown") != NULL);
      /* Files with a meta group start with it. */
      if (!strstr (name, "no-meta"))
        {
          const MscDicomElement *first = g_ptr_array_index (header, 0);
          g_assert_cmphex (first->group, ==, 0x0002);
          g_assert_nonnull (find (header, 0x0002, 0x0010));
        }
      for (guint i = 0; i < header->len; i++)
        n_private += (((MscDicomElement *) g_ptr_array_index (header, i))->group & 1) != 0;
      n_files++;
    }
  g_assert_cmpuint (n_files, >=, 20);
  g_test_message ("%u files, %u private elements", n_files, n_private);
}

/* pydicom's corpus: a tree or a clean error for every file; some pinned. */
static void
test_corpus (void)
{
  g_autofree char *dir = msc_test_shared_path ("dicom-corpus");
  if (dir == NULL)
    return;
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  guint n_ok = 0, n_failed = 0;
  gboolean saw_sequence = FALSE, saw_private = FALSE;
  for (const char *name; (name = g_dir_read_name (d)) != NULL;)
    {
      if (!g_str_has_suffix (name, ".dcm"))
        continue;
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) header = msc_dicom_read_header (path, &error);
      if (header == NULL)
        {
          g_assert_nonnull (error);
          g_assert_true (error->domain == MSC_IO_ERROR);
          g_assert_true (g_str_has_prefix (error->message, path));
          g_test_message ("%s", error->message);
          n_failed++;
          continue;
        }
      g_assert_no_error (error);
      check_tree (header, 0);
      saw_sequence |= has_sequence_with_items (header);
      for (guint i = 0; i < header->len; i++)
        saw_private |= (((MscDicomElement *) g_ptr_array_index (header, i))->group & 1) != 0;
      if (strcmp (name, "rtplan.dcm") == 0)
        {
          /* An RT plan is all sequences: the reader must keep their items. */
          g_assert_true (has_sequence_with_items (header));
          const MscDicomElement *modality = find (header, 0x0008, 0x0060);
          g_assert_nonnull (modality);
          g_assert_cmpstr (modality->value, ==, "RTPLAN");
        }
      if (strcmp (name, "CT_small.dcm") == 0)
        {
          g_assert_cmpstr (find (header, 0x0028, 0x0010)->value, ==, "128");
          g_assert_nonnull (find (header, 0x0010, 0x0010));
        }
      n_ok++;
    }
  g_test_message ("%u headers read, %u refused", n_ok, n_failed);
  g_assert_cmpuint (n_ok, >=, 50);
  g_assert_true (saw_sequence);
  g_assert_true (saw_private);
}

static void
expect_failure (const char *path, const guint8 *data, gsize size)
{
  g_autoptr(GError) error = NULL;
  g_assert_true (g_file_set_contents (path, (const char *) data, size, &error));
  g_autoptr(GPtrArray) header = msc_dicom_read_header (path, &error);
  g_assert_null (header);
  g_assert_nonnull (error);
  g_assert_true (error->domain == MSC_IO_ERROR);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_test_message ("%s", error->message);
}

static void
test_broken (void)
{
  g_autofree char *tmp = msc_test_tmpdir ();
  g_autofree char *empty = g_build_filename (tmp, "empty.dcm", NULL);
  expect_failure (empty, (const guint8 *) "", 0);

  g_autofree char *missing = g_build_filename (tmp, "missing.dcm", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_null (msc_dicom_read_header (missing, &error));
  g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_FAILED);
  g_assert_true (g_str_has_prefix (error->message, missing));
  g_clear_error (&error);
  g_assert_null (msc_dicom_read_header (tmp, &error));
  g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_FAILED);
  g_clear_error (&error);

  /* Random bytes, several seeds; with and without a "DICM" preamble. */
  g_autofree char *random = g_build_filename (tmp, "random.dcm", NULL);
  for (guint seed = 1; seed <= 20; seed++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
      guint8 bytes[4096];
      for (gsize i = 0; i < sizeof bytes; i++)
        bytes[i] = (guint8) g_rand_int_range (rand, 0, 256);
      if (seed > 10)
        memcpy (bytes + 128, "DICM", 4);
      expect_failure (random, bytes, sizeof bytes);
    }

  g_autofree char *real = msc_test_shared_path ("dicom/mdb001-explicit-le.dcm");
  if (real == NULL)
    return;
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_assert_true (g_file_get_contents (real, &contents, &length, &error));
  g_autofree char *cut = g_build_filename (tmp, "cut.dcm", NULL);
  /* Cut in the preamble, the meta group, the data set and the pixel data. */
  static const gsize cuts[] = { 100, 140, 300, 700 };
  for (guint i = 0; i < G_N_ELEMENTS (cuts); i++)
    expect_failure (cut, (const guint8 *) contents, cuts[i]);
  expect_failure (cut, (const guint8 *) contents, length - 1000);
}

/* Explicit VR little endian, no meta group: what DCMTK reads as a bare data set. */
static void
put_element (GByteArray *b, guint16 group, guint16 element, const char *vr, const void *value, guint32 length)
{
  guint8 head[12];
  head[0] = group & 0xFF; head[1] = group >> 8;
  head[2] = element & 0xFF; head[3] = element >> 8;
  head[4] = vr[0]; head[5] = vr[1];
  if (strcmp (vr, "SQ") == 0 || strcmp (vr, "OB") == 0 || strcmp (vr, "UN") == 0)
    {
      head[6] = head[7] = 0;
      memcpy (head + 8, &length, 4);     /* the test runs on little-endian machines */
      g_byte_array_append (b, head, 12);
    }
  else
    {
      guint16 l16 = (guint16) length;
      memcpy (head + 6, &l16, 2);
      g_byte_array_append (b, head, 8);
    }
  if (value != NULL && length != 0xFFFFFFFF)
    g_byte_array_append (b, value, length);
}

static void
put_tag (GByteArray *b, guint16 group, guint16 element, guint32 length)
{
  guint8 head[8] = { group & 0xFF, group >> 8, element & 0xFF, element >> 8 };
  memcpy (head + 4, &length, 4);
  g_byte_array_append (b, head, 8);
}

static GPtrArray *
read_bytes (GByteArray *b, const char *name)
{
  g_autofree char *tmp = msc_test_tmpdir ();
  g_autofree char *path = g_build_filename (tmp, name, NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true (g_file_set_contents (path, (const char *) b->data, b->len, &error));
  GPtrArray *header = msc_dicom_read_header (path, &error);
  g_assert_no_error (error);
  return header;
}

static void
test_limits_depth (void)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  put_element (b, 0x0008, 0x0060, "CS", "MG", 2);
  const guint levels = 24;
  for (guint i = 0; i < levels; i++)
    {
      put_element (b, 0x0040, 0x0275, "SQ", NULL, 0xFFFFFFFF);
      put_tag (b, 0xFFFE, 0xE000, 0xFFFFFFFF);
      put_element (b, 0x0008, 0x0060, "CS", "OT", 2);
    }
  for (guint i = 0; i < levels; i++)
    {
      put_tag (b, 0xFFFE, 0xE00D, 0);
      put_tag (b, 0xFFFE, 0xE0DD, 0);
    }
  put_element (b, 0x0009, 0x1001, "LO", "secret  ", 8);
  g_autoptr(GPtrArray) header = read_bytes (b, "deep.dcm");
  check_tree (header, 0);
  g_assert_cmpstr (find (header, 0x0008, 0x0060)->value, ==, "MG");
  const MscDicomElement *priv = find (header, 0x0009, 0x1001);
  g_assert_nonnull (priv);
  g_assert_cmpstr (priv->keyword, ==, "Private");
  g_assert_cmpstr (priv->value, ==, "secret");
  /* Walk down: exactly MAX_DEPTH levels have items, the next says why not. */
  const MscDicomElement *sq = find (header, 0x0040, 0x0275);
  guint depth = 0;
  while (sq->items != NULL)
    {
      g_assert_cmpuint (sq->items->len, ==, 1);
      GPtrArray *item = g_ptr_array_index (sq->items, 0);
      sq = find (item, 0x0040, 0x0275);
      g_assert_nonnull (sq);
      depth++;
    }
  g_assert_cmpuint (depth, ==, MSC_DICOM_HEADER_MAX_DEPTH);
  g_assert_true (strstr (sq->value, "nested deeper") != NULL);
}

static void
test_limits_count (void)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  put_element (b, 0x0008, 0x0060, "CS", "MG", 2);
  /* 61 private groups of 1000 short elements, tags ascending. */
  guint n = 0;
  for (guint16 g = 0x0009; g < 0x0009 + 2 * 61; g += 2)
    for (guint16 e = 0x1000; e < 0x1000 + 1000; e++, n++)
      put_element (b, g, e, "LO", "ab", 2);
  g_autoptr(GPtrArray) header = read_bytes (b, "many.dcm");
  g_assert_cmpuint (n, >, MSC_DICOM_HEADER_MAX_ELEMENTS);
  g_assert_cmpuint (header->len, ==, MSC_DICOM_HEADER_MAX_ELEMENTS + 1);
  const MscDicomElement *last = g_ptr_array_index (header, header->len - 1);
  g_assert_cmpstr (last->value, ==, "(truncated)");
  g_assert_cmpstr (((MscDicomElement *) g_ptr_array_index (header, 1))->keyword, ==, "Private");
}

/* Long text values are cut to valid UTF-8; control characters become spaces. */
static void
test_long_value (void)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  GString *text = g_string_new (NULL);
  for (guint i = 0; i < 300; i++)
    g_string_append (text, i % 50 == 0 ? "\r\n" : "é");
  if (text->len % 2)
    g_string_append_c (text, ' ');
  put_element (b, 0x0008, 0x0060, "CS", "MG", 2);
  put_element (b, 0x0020, 0x4000, "LT", text->str, (guint32) text->len);
  g_string_free (text, TRUE);
  g_autoptr(GPtrArray) header = read_bytes (b, "long.dcm");
  const MscDicomElement *comments = find (header, 0x0020, 0x4000);
  g_assert_nonnull (comments);
  g_assert_cmpstr (comments->keyword, ==, "ImageComments");
  g_assert_true (g_utf8_validate (comments->value, -1, NULL));
  g_assert_true (g_str_has_suffix (comments->value, "…"));
  g_assert_cmpuint (g_utf8_strlen (comments->value, -1), ==, MSC_DICOM_HEADER_MAX_VALUE + 1);
  g_assert_null (strchr (comments->value, '\n'));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/io/dicom-header/mammograms", test_mammograms);
  g_test_add_func ("/io/dicom-header/corpus", test_corpus);
  g_test_add_func ("/io/dicom-header/broken", test_broken);
  g_test_add_func ("/io/dicom-header/limits/depth", test_limits_depth);
  g_test_add_func ("/io/dicom-header/limits/count", test_limits_count);
  g_test_add_func ("/io/dicom-header/long-value", test_long_value);
  msc_dicom_element_free (NULL);
  return g_test_run ();
}
