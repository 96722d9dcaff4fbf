/* tests/engine/models/test-safetensors.c — safetensors round trips, every
 * validation failure on a crafted file, and a file written from PyTorch. */
#include "msc-safetensors.h"
#include "msc-nn-error.h"
#include "msc-test-util.h"

#include <math.h>
#include <string.h>

static char *tmpdir;

/* Writes u64le(len(header)) + header + data to a fresh file. */
static char *
craft_full (const char *header, gsize header_len, const void *data, gsize data_len)
{
  static guint counter;
  char *path = g_strdup_printf ("%s/crafted-%u.safetensors", tmpdir, counter++);
  g_autoptr (GByteArray) b = g_byte_array_new ();
  guint8 len[8];
  for (int i = 0; i < 8; i++)
    len[i] = (guint8) ((guint64) header_len >> (8 * i));
  g_byte_array_append (b, len, 8);
  g_byte_array_append (b, (const guint8 *) header, (guint) header_len);
  if (data_len)
    g_byte_array_append (b, data, (guint) data_len);
  g_assert_true (g_file_set_contents (path, (const char *) b->data, b->len, NULL));
  return path;
}

static char *
craft (const char *header, const void *data, gsize data_len)
{
  return craft_full (header, strlen (header), data, data_len);
}

/* Loads path expecting the error code and a fragment of its message. */
static void
expect_error (const char *path, int code, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscSafetensors) st = msc_safetensors_load (path, &error);
  g_assert_null (st);
  g_assert_error (error, MSC_NN_ERROR, code);
  g_autofree char *base = g_path_get_basename (path);
  if (!g_str_has_prefix (error->message, base) || !strstr (error->message, fragment))
    g_error ("message \"%s\" lacks \"%s\" or the file name", error->message, fragment);
}

static const float four[4] = { 1.0f, -2.0f, 3.5f, 0.25f };

static void
test_round_trip (void)
{
  gint64 s1[] = { 2, 3 }, s2[] = { 4 }, s3[] = { 1, 2, 1, 2 };
  g_autoptr (MscTensor) a = msc_tensor_new (s1, 2, NULL);
  g_autoptr (MscTensor) b = msc_tensor_new (s2, 1, NULL);
  g_autoptr (MscTensor) c = msc_tensor_new (s3, 4, NULL);
  for (int i = 0; i < 6; i++)
    msc_tensor_data (a)[i] = (float) i * 0.1f - 0.3f;
  memcpy (msc_tensor_data (b), four, sizeof four);
  for (int i = 0; i < 4; i++)
    msc_tensor_data (c)[i] = 1e-30f * (float) (i + 1);
  const char *names[] = { "z.weight", "a.bias", "m.running_var" };
  MscTensor *tensors[] = { a, b, c };
  g_autoptr (GHashTable) meta = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (meta, "format", "pt");
  g_hash_table_insert (meta, "graph", "unet-small");

  g_autofree char *p1 = g_build_filename (tmpdir, "rt1.safetensors", NULL);
  g_autofree char *p2 = g_build_filename (tmpdir, "rt2.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (msc_safetensors_save (p1, names, tensors, 3, meta, &error));
  g_assert_no_error (error);

  g_autoptr (MscSafetensors) st = msc_safetensors_load (p1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msc_safetensors_get_n_tensors (st), ==, 3);
  const char * const *got = msc_safetensors_get_names (st);
  g_assert_cmpstr (got[0], ==, "a.bias");
  g_assert_cmpstr (got[1], ==, "m.running_var");
  g_assert_cmpstr (got[2], ==, "z.weight");
  g_assert_null (got[3]);
  g_assert_cmpstr (msc_safetensors_get_metadata (st, "graph"), ==, "unet-small");
  g_assert_null (msc_safetensors_get_metadata (st, "nope"));
  g_assert_cmpstr (msc_safetensors_get_dtype (st, "a.bias"), ==, "F32");
  g_assert_null (msc_safetensors_get (st, "nope"));
  for (guint i = 0; i < 3; i++)
    {
      MscTensor *t = msc_safetensors_get (st, names[i]);
      g_assert_nonnull (t);
      g_assert_true (msc_tensor_same_shape (t, tensors[i]));
      g_assert_cmpmem (msc_tensor_data (t), msc_tensor_numel (t) * 4,
                       msc_tensor_data (tensors[i]), msc_tensor_numel (t) * 4);
      g_assert_cmpuint ((guintptr) msc_tensor_data (t) % 64, ==, 0);
    }

  /* Saving what was loaded gives the same bytes: sorted names, sorted metadata. */
  MscTensor *loaded[] = { msc_safetensors_get (st, "z.weight"), msc_safetensors_get (st, "a.bias"),
                          msc_safetensors_get (st, "m.running_var") };
  g_assert_true (msc_safetensors_save (p2, names, loaded, 3, meta, &error));
  g_autofree char *c1 = NULL, *c2 = NULL;
  gsize l1, l2;
  g_assert_true (g_file_get_contents (p1, &c1, &l1, NULL));
  g_assert_true (g_file_get_contents (p2, &c2, &l2, NULL));
  g_assert_cmpmem (c1, l1, c2, l2);
  guint64 n = 0;
  for (int i = 7; i >= 0; i--)
    n = n << 8 | (guint8) c1[i];
  g_assert_cmpuint (n % 8, ==, 0);
  g_assert_cmpint (c1[8], ==, '{');
  g_assert_cmpuint (l1, ==, 8 + n + (6 + 4 + 4) * 4);
  /* No temporary file is left beside the result. */
  g_autoptr (GDir) dir = g_dir_open (tmpdir, 0, NULL);
  const char *entry;
  while ((entry = g_dir_read_name (dir)))
    g_assert_false (strstr (entry, "rt1.safetensors.") != NULL);
}

static void
test_empty_and_scalar (void)
{
  g_autofree char *empty = g_build_filename (tmpdir, "empty.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (msc_safetensors_save (empty, NULL, NULL, 0, NULL, &error));
  g_autoptr (MscSafetensors) st = msc_safetensors_load (empty, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msc_safetensors_get_n_tensors (st), ==, 0);

  float v = 2.5f;
  g_autofree char *path = craft ("{\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", &v, 4);
  g_autoptr (MscSafetensors) sc = msc_safetensors_load (path, &error);
  g_assert_no_error (error);
  MscTensor *t = msc_safetensors_get (sc, "s");
  g_assert_cmpuint (msc_tensor_n_dims (t), ==, 1);
  g_assert_cmpfloat (msc_tensor_data (t)[0], ==, 2.5f);
}

static void
test_half_types (void)
{
  /* F16 1.0, -2.0, 65504 (max), 2^-24 (smallest subnormal); BF16 1.0, -3.0. */
  const guint8 data[] = { 0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00,
                          0x80, 0x3f, 0x40, 0xc0 };
  g_autofree char *path = craft ("{\"h\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]},"
                                 "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[8,12]}}",
                                 data, sizeof data);
  g_autoptr (GError) error = NULL;
  g_autoptr (MscSafetensors) st = msc_safetensors_load (path, &error);
  g_assert_no_error (error);
  const float *h = msc_tensor_data (msc_safetensors_get (st, "h"));
  g_assert_cmpfloat (h[0], ==, 1.0f);
  g_assert_cmpfloat (h[1], ==, -2.0f);
  g_assert_cmpfloat (h[2], ==, 65504.0f);
  g_assert_cmpfloat (h[3], ==, ldexpf (1.0f, -24));
  const float *b = msc_tensor_data (msc_safetensors_get (st, "b"));
  g_assert_cmpfloat (b[0], ==, 1.0f);
  g_assert_cmpfloat (b[1], ==, -3.0f);
  g_assert_cmpstr (msc_safetensors_get_dtype (st, "h"), ==, "F16");

  const guint8 nan16[] = { 0x00, 0x7e };
  g_autofree char *p2 = craft ("{\"h\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]}}", nan16, 2);
  expect_error (p2, MSC_NN_ERROR_NUMERIC, "'h' element 0 is NaN");
}

static void
test_truncated (void)
{
  g_autofree char *p = g_build_filename (tmpdir, "short.safetensors", NULL);
  g_assert_true (g_file_set_contents (p, "\x10\0\0\0\0", 5, NULL));
  expect_error (p, MSC_NN_ERROR_INVALID, "5 bytes, shorter than the 8-byte header length");
  g_assert_true (g_file_set_contents (p, "", 0, NULL));
  expect_error (p, MSC_NN_ERROR_INVALID, "0 bytes");

  g_autoptr (GError) error = NULL;
  g_assert_null (msc_safetensors_load ("/nonexistent/x.safetensors", &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_IO);
  g_assert_true (g_str_has_prefix (error->message, "x.safetensors: "));

  /* A valid file cut short in its data. */
  g_autofree char *full = craft ("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", four, 12);
  expect_error (full, MSC_NN_ERROR_INVALID, "'w' ends at data byte 16 but the file holds only 12");
}

static void
test_header_length (void)
{
  g_autofree char *zero = craft_full ("", 0, NULL, 0);
  expect_error (zero, MSC_NN_ERROR_INVALID, "header length is 0");

  /* 2 GB claimed in a tiny file: refused before any allocation. */
  g_autofree char *huge = g_build_filename (tmpdir, "huge.safetensors", NULL);
  g_assert_true (g_file_set_contents (huge, "\x00\x00\x00\x80\x00\x00\x00\x00{}", 10, NULL));
  expect_error (huge, MSC_NN_ERROR_INVALID, "header length 2147483648 exceeds the limit");
  g_assert_true (g_file_set_contents (huge, "\xff\xff\xff\xff\xff\xff\xff\xff{}", 10, NULL));
  expect_error (huge, MSC_NN_ERROR_INVALID, "exceeds the limit");

  g_autofree char *past = g_build_filename (tmpdir, "past.safetensors", NULL);
  g_assert_true (g_file_set_contents (past, "\x40\x00\x00\x00\x00\x00\x00\x00{}", 10, NULL));
  expect_error (past, MSC_NN_ERROR_INVALID, "header length 64 runs past the end of the file (10 bytes)");
}

static void
test_bad_json (void)
{
  g_autofree char *a = craft ("[1, 2]  ", NULL, 0);
  expect_error (a, MSC_NN_ERROR_INVALID, "does not start with '{'");
  g_autofree char *b = craft ("{\"w\": }", NULL, 0);
  expect_error (b, MSC_NN_ERROR_INVALID, "not valid JSON");
  g_autofree char *c = craft ("{} {}", NULL, 0);
  expect_error (c, MSC_NN_ERROR_INVALID, "not valid JSON");
  g_autofree char *d = craft_full ("{\"\xff\":1}", 7, NULL, 0);
  expect_error (d, MSC_NN_ERROR_INVALID, "not valid UTF-8");
  g_autofree char *e = craft_full ("{}\0 ", 4, NULL, 0);
  expect_error (e, MSC_NN_ERROR_INVALID, "not valid UTF-8");
  g_autofree char *f = craft ("{\"w\": [1]}", NULL, 0);
  expect_error (f, MSC_NN_ERROR_INVALID, "'w' is not a JSON object");
  /* Deep nesting would overflow json-glib's recursive parser's stack. */
  g_autoptr (GString) deep = g_string_new ("{\"w\":");
  for (int i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  for (int i = 0; i < 100000; i++)
    g_string_append_c (deep, ']');
  g_string_append_c (deep, '}');
  g_autofree char *nested = craft (deep->str, NULL, 0);
  expect_error (nested, MSC_NN_ERROR_INVALID, "header nests deeper than 64 levels");
  g_autofree char *g = craft ("{\"__metadata__\": {\"k\": 3}}", NULL, 0);
  expect_error (g, MSC_NN_ERROR_INVALID, "metadata \"k\" is not a string");
}

static void
test_bad_entries (void)
{
  static const struct { const char *header; int code; const char *fragment; } cases[] = {
    { "{\"w\":{\"shape\":[4],\"data_offsets\":[0,16]}}", MSC_NN_ERROR_INVALID, "'w' lacks \"dtype\"" },
    { "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,16]}}", MSC_NN_ERROR_INVALID, "'w' lacks \"shape\"" },
    { "{\"w\":{\"dtype\":\"F32\",\"shape\":[4]}}", MSC_NN_ERROR_INVALID, "'w' lacks \"data_offsets\"" },
    { "{\"w\":{\"dtype\":32,\"shape\":[4],\"data_offsets\":[0,16]}}", MSC_NN_ERROR_INVALID, "\"dtype\" is not a string" },
    { "{\"w\":{\"dtype\":\"F32\",\"shape\":\"4\",\"data_offsets\":[0,16]}}", MSC_NN_ERROR_INVALID, "\"shape\" is not an array" },
    { "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0]}}", MSC_NN_ERROR_INVALID, "\"data_offsets\" is not [begin, end]" },
    { "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16.0]}}", MSC_NN_ERROR_INVALID, "\"data_offsets\" is not [begin, end]" },
    { "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[16,0]}}", MSC_NN_ERROR_INVALID, "end 0 is before begin 16" },
    { "{\"w\":{\"dtype\":\"F33\",\"shape\":[4],\"data_offsets\":[0,16]}}", MSC_NN_ERROR_INVALID, "unknown dtype \"F33\"" },
    { "{\"w\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}", MSC_NN_ERROR_UNSUPPORTED, "dtype I64; only F32, F16 and BF16" },
    { "{\"w\":{\"dtype\":\"F32\",\"shape\":[-4],\"data_offsets\":[0,16]}}", MSC_NN_ERROR_INVALID, "shape[0] is not a non-negative integer" },
    { "{\"w\":{\"dtype\":\"F32\",\"shape\":[2.0,2],\"data_offsets\":[0,16]}}", MSC_NN_ERROR_INVALID, "shape[0] is not a non-negative integer" },
    { "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}", MSC_NN_ERROR_UNSUPPORTED, "'w' is empty" },
    { "{\"w\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,4],\"data_offsets\":[0,16]}}", MSC_NN_ERROR_UNSUPPORTED, "5 dimensions" },
    { "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],\"data_offsets\":[0,16]}}", MSC_NN_ERROR_INVALID, "element count overflows" },
    { "{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,16]}}", MSC_NN_ERROR_INVALID, "byte size overflows" },
    { "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}", MSC_NN_ERROR_INVALID, "shape and dtype give 12 bytes, data_offsets span 16" },
    { "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16],\"x\":1}}", MSC_NN_ERROR_INVALID, "members other than" },
    { "{\"\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", MSC_NN_ERROR_INVALID, "empty name" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *p = craft (cases[i].header, four, 16);
      expect_error (p, cases[i].code, cases[i].fragment);
    }
}

static void
test_bad_layout (void)
{
  float eight[8] = { 0 };
  g_autofree char *overlap = craft ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                    "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", eight, 12);
  expect_error (overlap, MSC_NN_ERROR_INVALID, "'b' (bytes 4 to 12) overlaps tensor 'a'");
  g_autofree char *hole = craft ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                 "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}", eight, 20);
  expect_error (hole, MSC_NN_ERROR_INVALID, "hole in the data: bytes 8 to 12 before tensor 'b'");
  g_autofree char *start = craft ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", eight, 12);
  expect_error (start, MSC_NN_ERROR_INVALID, "hole in the data: bytes 0 to 4");
  g_autofree char *trailing = craft ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", eight, 12);
  expect_error (trailing, MSC_NN_ERROR_INVALID, "12 data bytes after the header but the tensors cover 8");
  g_autofree char *same = craft ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                 "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", eight, 8);
  expect_error (same, MSC_NN_ERROR_INVALID, "overlaps");
  /* Out of order in the header but tiling the data: valid. */
  g_autofree char *shuffled = craft ("{\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]},"
                                     "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", four, 16);
  g_autoptr (GError) error = NULL;
  g_autoptr (MscSafetensors) st = msc_safetensors_load (shuffled, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (msc_tensor_data (msc_safetensors_get (st, "b"))[0], ==, 3.5f);
}

static void
test_duplicates (void)
{
  float eight[8] = { 0 };
  g_autofree char *dup = craft ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", eight, 16);
  expect_error (dup, MSC_NN_ERROR_INVALID, "key \"a\" appears twice");
  g_autofree char *esc = craft ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                "\"\\u0061\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", eight, 16);
  expect_error (esc, MSC_NN_ERROR_INVALID, "appears twice");
  /* Same key nested at other depths is not a duplicate. */
  g_autofree char *nested = craft ("{\"__metadata__\":{\"a\":\"x\"},"
                                   "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", eight, 8);
  g_autoptr (GError) error = NULL;
  g_autoptr (MscSafetensors) st = msc_safetensors_load (nested, &error);
  g_assert_no_error (error);
}

static void
test_non_finite (void)
{
  float v[4] = { 1.0f, NAN, 0.0f, 0.0f };
  const char *h = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
  g_autofree char *nan = craft (h, v, 16);
  expect_error (nan, MSC_NN_ERROR_NUMERIC, "'w' element 1 is NaN");
  v[1] = 0.0f;
  v[3] = -INFINITY;
  g_autofree char *inf = craft (h, v, 16);
  expect_error (inf, MSC_NN_ERROR_NUMERIC, "'w' element 3 is infinite");
}

static void
test_too_many (void)
{
  g_autoptr (GString) h = g_string_new ("{");
  for (guint i = 0; i <= MSC_SAFETENSORS_MAX_TENSORS; i++)
    g_string_append_printf (h, "%s\"t%u\":0", i ? "," : "", i);
  g_string_append_c (h, '}');
  g_autofree char *p = craft (h->str, NULL, 0);
  expect_error (p, MSC_NN_ERROR_INVALID, "100001 tensors; at most 100000 are allowed");
}

static void
test_save_errors (void)
{
  gint64 s[] = { 4 };
  g_autoptr (MscTensor) a = msc_tensor_new (s, 1, NULL);
  const char *names[] = { "x", "x" };
  MscTensor *ts[] = { a, a };
  g_autofree char *p = g_build_filename (tmpdir, "bad-save.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_false (msc_safetensors_save (p, names, ts, 2, NULL, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "\"x\" is given twice"));
  g_clear_error (&error);
  msc_tensor_data (a)[2] = NAN;
  g_assert_false (msc_safetensors_save (p, names, ts, 1, NULL, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_NUMERIC);
  g_clear_error (&error);
  g_assert_false (g_file_test (p, G_FILE_TEST_EXISTS));
  msc_tensor_data (a)[2] = 0;
  g_assert_false (msc_safetensors_save ("/nonexistent/dir/w.safetensors", names, ts, 1, NULL, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_IO);
  g_assert_true (g_str_has_prefix (error->message, "w.safetensors: "));
  msc_safetensors_free (NULL);
}

/* tests/engine/models/torch-safetensors.py writes a file from torch
 * tensors with its own encoder, plus the expected values as raw float32. */
static void
test_torch (void)
{
  const char *python = g_getenv ("MSC_PYTHON");
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "engine", "models",
                                                   "torch-safetensors.py", NULL);
  g_autofree char *out = g_build_filename (tmpdir, "torch", NULL);
  const char *argv[] = { python ? python : "python3", script, out, NULL };
  if (!g_file_test (script, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("reference script not found (run through meson test, which sets G_TEST_SRCDIR)");
      return;
    }
  int status = 0;
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, &err, &status, &error))
    {
      g_test_skip ("python not available");
      return;
    }
  if (WIFEXITED (status) && WEXITSTATUS (status) == 77)
    {
      g_test_skip ("torch not installed for MSC_PYTHON");
      return;
    }
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("torch-safetensors.py failed: %s", err);

  g_autofree char *st_path = g_strconcat (out, ".safetensors", NULL);
  g_autoptr (MscSafetensors) st = msc_safetensors_load (st_path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (msc_safetensors_get_metadata (st, "source"), ==, "torch");
  /* PREFIX.txt: one line per tensor, "name dtype (d0,d1,..) raw-file". */
  g_autofree char *list_path = g_strconcat (out, ".txt", NULL);
  g_autofree char *list = NULL;
  g_assert_true (g_file_get_contents (list_path, &list, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (g_strstrip (list), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, msc_safetensors_get_n_tensors (st));
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], " ", -1);
      MscTensor *t = msc_safetensors_get (st, f[0]);
      g_assert_nonnull (t);
      g_assert_cmpstr (msc_safetensors_get_dtype (st, f[0]), ==, f[1]);
      g_autofree char *shape = msc_tensor_shape_string (t);
      g_autoptr (GString) compact = g_string_new (shape);
      g_string_replace (compact, " ", "", 0);
      g_assert_cmpstr (compact->str, ==, f[2]);
      g_autofree char *raw = NULL;
      gsize len = 0;
      g_assert_true (g_file_get_contents (f[3], &raw, &len, NULL));
      g_assert_cmpmem (msc_tensor_data (t), msc_tensor_numel (t) * 4, raw, len);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tmpdir = msc_test_tmpdir ();
  g_test_add_func ("/models/safetensors/round-trip", test_round_trip);
  g_test_add_func ("/models/safetensors/empty-and-scalar", test_empty_and_scalar);
  g_test_add_func ("/models/safetensors/half-types", test_half_types);
  g_test_add_func ("/models/safetensors/truncated", test_truncated);
  g_test_add_func ("/models/safetensors/header-length", test_header_length);
  g_test_add_func ("/models/safetensors/bad-json", test_bad_json);
  g_test_add_func ("/models/safetensors/bad-entries", test_bad_entries);
  g_test_add_func ("/models/safetensors/bad-layout", test_bad_layout);
  g_test_add_func ("/models/safetensors/duplicates", test_duplicates);
  g_test_add_func ("/models/safetensors/non-finite", test_non_finite);
  g_test_add_func ("/models/safetensors/too-many", test_too_many);
  g_test_add_func ("/models/safetensors/save-errors", test_save_errors);
  g_test_add_func ("/models/safetensors/torch", test_torch);
  int rc = g_test_run ();
  g_free (tmpdir);
  return rc;
}
