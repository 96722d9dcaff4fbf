/* tests/app/test-cli.c — mammoscope-cli end to end, as a user runs it.
 *
 * Runs the installed-to-be binary on the shared DICOM files and on a
 * phantom study, and checks output files pixel by pixel against the
 * manifest's rules and the source PNGs.
 */
#include "msc-test-util.h"
#include "msc-png.h"

#include <gio/gio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <signal.h>

typedef struct {
  int status;
  char *out;
  char *err;
} CliRun;

static void
cli_run_clear (CliRun *run)
{
  g_free (run->out);
  g_free (run->err);
}

/* Runs mammoscope-cli with a NULL-terminated argument list. */
static CliRun
cli (const char *first, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (char *) msc_test_cli ());
  va_list args;
  va_start (args, first);
  for (const char *a = first; a; a = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) a);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  CliRun run = { 0 };
  g_autoptr (GError) error = NULL;
  int wait_status = 0;
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &run.out, &run.err, &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  run.status = WEXITSTATUS (wait_status);
  return run;
}

static JsonObject *
parse_object (const char *line)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  json_parser_load_from_data (parser, line, -1, &error);
  g_assert_no_error (error);
  JsonNode *root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

static void
test_usage (void)
{
  CliRun run = cli (NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "info"));
  cli_run_clear (&run);

  run = cli ("frobnicate", NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "frobnicate"));
  cli_run_clear (&run);

  run = cli ("convert", "a.dcm", "b.png", "--values=raw", NULL);
  g_assert_cmpint (run.status, ==, 2);
  cli_run_clear (&run);
}

/* One bad file among good ones: exit 1, one stderr line naming the bad
 * file, and the good files still reported. */
static void
test_info_bad_files (void)
{
  g_autofree char *good = msc_test_shared_path ("dicom/mdb001-explicit-le.dcm");
  if (good == NULL)
    return;
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *bad = g_build_filename (dir, "broken.dcm", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.dcm", NULL);
  g_file_set_contents (bad, "not a dicom file at all", -1, NULL);

  CliRun run = cli ("info", bad, good, missing, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_auto (GStrv) out_lines = g_strsplit (g_strchomp (run.out), "\n", -1);
  g_assert_cmpuint (g_strv_length (out_lines), ==, 1);
  g_autoptr (JsonObject) info = parse_object (out_lines[0]);
  g_assert_cmpstr (json_object_get_string_member (info, "path"), ==, good);

  g_auto (GStrv) err_lines = g_strsplit (g_strchomp (run.err), "\n", -1);
  g_assert_cmpuint (g_strv_length (err_lines), ==, 2);
  g_assert_true (g_str_has_prefix (err_lines[0], bad));
  g_assert_true (g_str_has_prefix (err_lines[1], missing));
  cli_run_clear (&run);
}

/* Identity fields appear only with --phi. */
static void
test_info_phi (void)
{
  g_autofree char *path = msc_test_shared_path ("dicom/mdb001-explicit-le.dcm");
  if (path == NULL)
    return;
  CliRun run = cli ("info", path, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_null (strstr (run.out, "SYNTHETIC^PATIENT"));
  g_assert_null (strstr (run.out, "MIAS-001"));
  g_autoptr (JsonObject) plain = parse_object (run.out);
  g_assert_false (json_object_has_member (plain, "patient"));
  cli_run_clear (&run);

  run = cli ("info", "--phi", path, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_autoptr (JsonObject) with_phi = parse_object (run.out);
  JsonObject *patient = json_object_get_object_member (with_phi, "patient");
  g_assert_nonnull (patient);
  g_assert_cmpstr (json_object_get_string_member (patient, "name"), ==, "SYNTHETIC^PATIENT^001");
  g_assert_cmpstr (json_object_get_string_member (patient, "id"), ==, "MIAS-001");
  cli_run_clear (&run);
}

static MscImage *
load_png (const char *path)
{
  g_autoptr (GError) error = NULL;
  MscImage *image = msc_png_load (path, NULL, &error);
  g_assert_no_error (error);
  return image;
}

static guint16
expected_stored (const char *rule, guint8 png)
{
  if (strcmp (rule, "x16") == 0)
    return 16 * png;
  if (strcmp (rule, "inv16") == 0)
    return 4095 - 16 * png;
  g_assert_cmpstr (rule, ==, "x1");
  return png;
}

/* Checks one manifest row through info, convert --values=stored and
 * convert --values=display. */
static void
check_manifest_row (const char *data, const char *tmp, GStrv header, GStrv row)
{
  const char *file = row[msc_test_csv_column (header, "file")];
  const char *variant = row[msc_test_csv_column (header, "variant")];
  const char *rule = row[msc_test_csv_column (header, "rule")];
  g_autofree char *dcm = g_build_filename (data, "dicom", file, NULL);
  g_autofree char *src = g_build_filename (data, "mias", "images",
                                           row[msc_test_csv_column (header, "source_png")], NULL);
  g_test_message ("%s (%s, rule %s)", file, variant, rule);

  CliRun run = cli ("info", dcm, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_autoptr (JsonObject) info = parse_object (run.out);
  g_assert_cmpstr (json_object_get_string_member (info, "laterality"), ==,
                   row[msc_test_csv_column (header, "laterality")]);
  g_assert_false (json_object_get_boolean_member (info, "laterality_inferred"));
  g_assert_cmpstr (json_object_get_string_member (info, "view"), ==,
                   row[msc_test_csv_column (header, "view")]);
  g_assert_cmpstr (json_object_get_string_member (info, "photometric"), ==,
                   row[msc_test_csv_column (header, "photometric")]);
  g_assert_cmpint (json_object_get_int_member (info, "bits_stored"), ==,
                   atoi (row[msc_test_csv_column (header, "bits_stored")]));
  JsonArray *spacing = json_object_get_array_member (info, "pixel_spacing_mm");
  g_assert_nonnull (spacing);
  g_assert_cmpfloat_with_epsilon (json_array_get_double_element (spacing, 0), 0.2, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_array_get_double_element (spacing, 1), 0.2, 1e-9);
  g_assert_cmpstr (json_object_get_string_member (info, "modality"), ==, "MG");
  cli_run_clear (&run);

  g_autofree char *stored_png = g_build_filename (tmp, "stored.png", NULL);
  g_autofree char *display_png = g_build_filename (tmp, "display.png", NULL);
  run = cli ("convert", "--values=stored", dcm, stored_png, NULL);
  g_assert_cmpint (run.status, ==, 0);
  cli_run_clear (&run);
  run = cli ("convert", "--values=display", dcm, display_png, NULL);
  g_assert_cmpint (run.status, ==, 0);
  cli_run_clear (&run);

  g_autoptr (MscImage) source = load_png (src);
  g_autoptr (MscImage) stored = load_png (stored_png);
  g_autoptr (MscImage) display = load_png (display_png);
  gsize n = (gsize) msc_image_get_width (source) * msc_image_get_height (source);
  g_assert_cmpuint (msc_image_get_width (stored), ==, msc_image_get_width (source));
  g_assert_cmpuint (msc_image_get_height (stored), ==, msc_image_get_height (source));
  g_assert_cmpuint (msc_image_get_bits_stored (stored), ==, 16);
  g_assert_cmpuint (msc_image_get_bits_stored (display), ==, 8);
  const guint16 *s = msc_image_get_pixels (source);
  const guint16 *st = msc_image_get_pixels (stored);
  const guint16 *d = msc_image_get_pixels (display);

  for (gsize i = 0; i < n; i++)
    if (st[i] != expected_stored (rule, s[i]))
      g_error ("%s: pixel %" G_GSIZE_FORMAT " stored %u, rule %s of %u gives %u",
               file, i, st[i], rule, s[i], expected_stored (rule, s[i]));

  if (strcmp (variant, "sigmoid") == 0)
    {
      /* Monotonic in the source value and spanning the display range. */
      int lo[256], hi[256];
      for (int v = 0; v < 256; v++)
        lo[v] = 256, hi[v] = -1;
      for (gsize i = 0; i < n; i++)
        {
          lo[s[i]] = MIN (lo[s[i]], d[i]);
          hi[s[i]] = MAX (hi[s[i]], d[i]);
        }
      int previous_hi = -1, min_out = 256, max_out = -1;
      for (int v = 0; v < 256; v++)
        {
          if (hi[v] < 0)
            continue;
          g_assert_cmpint (lo[v], ==, hi[v]);       /* a function of the value */
          g_assert_cmpint (lo[v], >=, previous_hi); /* non-decreasing */
          previous_hi = hi[v];
          min_out = MIN (min_out, lo[v]);
          max_out = MAX (max_out, hi[v]);
        }
      g_assert_cmpint (min_out, <=, 20);
      g_assert_cmpint (max_out, >=, 235);
    }
  else
    {
      int worst = 0;
      for (gsize i = 0; i < n; i++)
        worst = MAX (worst, abs ((int) d[i] - (int) s[i]));
      g_assert_cmpint (worst, <=, 2);
    }
}

static void
test_manifest (void)
{
  const char *data = msc_test_shared_data ();
  if (data == NULL)
    return;
  g_autofree char *manifest = g_build_filename (data, "dicom", "manifest.csv", NULL);
  g_autoptr (GPtrArray) rows = msc_test_read_csv (manifest);
  g_autofree char *tmp = msc_test_tmpdir ();
  GStrv header = rows->pdata[0];
  g_assert_cmpuint (rows->len, ==, 25);
  for (guint i = 1; i < rows->len; i++)
    check_manifest_row (data, tmp, header, rows->pdata[i]);
}

/* The bundled sample: phantom writes a study that info and study read back
 * with the expected hanging. Runs without ../shared. */
static void
test_phantom_study (void)
{
  g_autofree char *dir = msc_test_tmpdir ();
  CliRun run = cli ("phantom", "--seed=7", "--size=416x512", "--spacing=0.4", dir, NULL);
  g_assert_cmpint (run.status, ==, 0);
  cli_run_clear (&run);

  const char *views[] = { "R_CC", "L_CC", "R_MLO", "L_MLO" };
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      g_autofree char *name = g_strdup_printf ("%s.dcm", views[i]);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      run = cli ("info", path, NULL);
      g_assert_cmpint (run.status, ==, 0);
      g_autoptr (JsonObject) info = parse_object (run.out);
      g_assert_cmpint (json_object_get_int_member (info, "width"), ==, 416);
      g_assert_cmpint (json_object_get_int_member (info, "height"), ==, 512);
      g_autofree char *side = g_strndup (views[i], 1);
      g_assert_cmpstr (json_object_get_string_member (info, "laterality"), ==, side);
      g_assert_cmpstr (json_object_get_string_member (info, "view"), ==, views[i] + 2);
      g_assert_cmpstr (json_object_get_string_member (info, "modality"), ==, "MG");
      cli_run_clear (&run);
    }

  run = cli ("study", dir, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_auto (GStrv) lines = g_strsplit (g_strchomp (run.out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 1);
  g_autoptr (JsonObject) study = parse_object (lines[0]);
  JsonObject *slots = json_object_get_object_member (study, "slots");
  const char *slot_names[] = { "R-CC", "L-CC", "R-MLO", "L-MLO" };
  for (guint i = 0; i < G_N_ELEMENTS (slot_names); i++)
    {
      const char *path = json_object_get_string_member (slots, slot_names[i]);
      g_assert_nonnull (path);
      g_autofree char *base = g_path_get_basename (path);
      g_autofree char *expected = g_strdup_printf ("%s.dcm", views[i]);
      g_assert_cmpstr (base, ==, expected);
    }
  cli_run_clear (&run);
}

/* A PNG carries no laterality: info infers it and says so. */
static void
test_png_inferred_laterality (void)
{
  g_autofree char *right = msc_test_shared_path ("mias/images/mdb001.png");
  if (right == NULL)
    return;
  g_autofree char *left = msc_test_shared_path ("mias/images/mdb002.png");
  CliRun run = cli ("info", right, left, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_auto (GStrv) lines = g_strsplit (g_strchomp (run.out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  g_autoptr (JsonObject) r = parse_object (lines[0]);
  g_autoptr (JsonObject) l = parse_object (lines[1]);
  g_assert_cmpstr (json_object_get_string_member (r, "laterality"), ==, "R");
  g_assert_cmpstr (json_object_get_string_member (l, "laterality"), ==, "L");
  g_assert_true (json_object_get_boolean_member (r, "laterality_inferred"));
  g_assert_cmpstr (json_object_get_string_member (r, "format"), ==, "PNG");
  cli_run_clear (&run);
}

/* A declared 65535 x 65535 image is refused with a message naming it. */
static void
test_too_large (void)
{
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "huge.pgm", NULL);
  g_file_set_contents (path, "P5\n65535 65535\n255\n\x01\x02", -1, NULL);
  CliRun run = cli ("info", path, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_true (g_str_has_prefix (run.err, path));
  g_assert_nonnull (strstr (run.err, "65535"));
  cli_run_clear (&run);
}

/* preprocess on a real MIAS image: every step reported, the result and the
 * side-by-side sheet written as PNGs; bad steps and files refused with the
 * file named. */
static void
test_preprocess (void)
{
  g_autofree char *png = msc_test_shared_path ("mias/images/mdb005.png");
  if (png == NULL)
    return;
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *out = g_build_filename (dir, "out.png", NULL);
  g_autofree char *sheet = g_build_filename (dir, "sheet.png", NULL);
  CliRun run = cli ("preprocess", png, out, "--sheet", sheet, "--spacing", "0.2",
                    "--steps", "median,mask,artefacts,pectoral,orient,crop,resample,clahe,normalize", NULL);
  g_assert_cmpint (run.status, ==, 0);
  const char *names[] = { "median", "mask", "artefacts", "pectoral", "orient", "crop",
                          "resample", "clahe", "normalize", "total" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *line_start = g_strdup_printf ("%s ", names[i]);
      g_assert_true (g_str_has_prefix (run.out, line_start) || strstr (run.out, line_start));
    }
  g_assert_nonnull (strstr (run.out, "0.200 mm -> 0.400 mm"));
  cli_run_clear (&run);

  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) result = msc_png_load (out, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msc_image_get_width (result), <=, 512);
  g_autoptr (MscImage) side = msc_png_load (sheet, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msc_image_get_width (side), >, 9 * msc_image_get_height (side) / 2);

  run = cli ("preprocess", png, out, "--steps", "median,sharpen", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_true (g_str_has_prefix (run.err, png));
  g_assert_nonnull (strstr (run.err, "sharpen"));
  cli_run_clear (&run);

  g_autofree char *bad = g_build_filename (dir, "bad.png", NULL);
  g_file_set_contents (bad, "\x89PNG\r\n\x1a\nnot really", -1, NULL);
  run = cli ("preprocess", bad, out, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_true (g_str_has_prefix (run.err, bad));
  cli_run_clear (&run);

  run = cli ("preprocess", png, NULL);
  g_assert_cmpint (run.status, ==, 2);
  cli_run_clear (&run);
}

/* ---- analyze: a hand-written model bundle ----
 * Graph: heatmap logit = 10 v - 5 (1x1 conv), and fixed hierarchical
 * logits abnormal 1, malignant -2 (dense with weight 0 on the mean).
 * Weights are written as raw safetensors: an 8-byte little-endian header
 * length, the JSON header, then the F32 values in offset order. */
static const char analyze_graph[] =
  "{\"format\": \"mammoscope-graph\", \"version\": 1, \"name\": \"cli-tiny\","
  " \"inputs\": [{\"name\": \"image\", \"shape\": [null, 1, null, null]}],"
  " \"outputs\": [\"mask_logits\", \"abnormal_logit\", \"malignant_logit\"],"
  " \"nodes\": ["
  "  {\"name\": \"mask_logits\", \"op\": \"conv2d\", \"inputs\": [\"image\"],"
  "   \"params\": {\"out_channels\": 1, \"kernel\": 1, \"bias\": true}},"
  "  {\"name\": \"pool\", \"op\": \"global_avg_pool\", \"inputs\": [\"image\"]},"
  "  {\"name\": \"abnormal_logit\", \"op\": \"dense\", \"inputs\": [\"pool\"],"
  "   \"params\": {\"out_features\": 1}},"
  "  {\"name\": \"malignant_logit\", \"op\": \"dense\", \"inputs\": [\"pool\"],"
  "   \"params\": {\"out_features\": 1}}]}";

static void
write_analyze_bundle (const char *dir)
{
  static const struct { const char *name, *shape; float value; } t[] = {
    { "abnormal_logit.bias", "[1]", 1.0f }, { "abnormal_logit.weight", "[1, 1]", 0.0f },
    { "malignant_logit.bias", "[1]", -2.0f }, { "malignant_logit.weight", "[1, 1]", 0.0f },
    { "mask_logits.bias", "[1]", -5.0f }, { "mask_logits.weight", "[1, 1, 1, 1]", 10.0f },
  };
  g_autoptr (GString) header = g_string_new ("{");
  for (guint i = 0; i < G_N_ELEMENTS (t); i++)
    g_string_append_printf (header, "%s\"%s\": {\"dtype\": \"F32\", \"shape\": %s, "
                            "\"data_offsets\": [%u, %u]}", i ? ", " : "", t[i].name,
                            t[i].shape, 4 * i, 4 * i + 4);
  g_string_append (header, "}");
  while (header->len % 8)
    g_string_append_c (header, ' ');
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  guint64 len = GUINT64_TO_LE (header->len);
  g_byte_array_append (bytes, (const guint8 *) &len, 8);
  g_byte_array_append (bytes, (const guint8 *) header->str, header->len);
  for (guint i = 0; i < G_N_ELEMENTS (t); i++)
    g_byte_array_append (bytes, (const guint8 *) &t[i].value, 4);   /* little-endian host */
  g_autofree char *graph = g_build_filename (dir, "graph.json", NULL);
  g_autofree char *weights = g_build_filename (dir, "weights.safetensors", NULL);
  g_autofree char *card = g_build_filename (dir, "model.json", NULL);
  g_assert_true (g_file_set_contents (graph, analyze_graph, -1, NULL));
  g_assert_true (g_file_set_contents (weights, (const char *) bytes->data, bytes->len, NULL));
  g_assert_true (g_file_set_contents (card,
    "{\"format\": \"mammoscope-model\", \"format_version\": 1, \"name\": \"cli-tiny\","
    " \"version\": \"0.1\", \"graph\": \"graph.json\", \"weights\": \"weights.safetensors\","
    " \"preprocess\": \"mask,orient,crop,resample\", \"pixel_spacing_mm\": 0.4,"
    " \"normalization\": {\"mean\": 0, \"std\": 1},"
    " \"outputs\": {\"heatmap\": \"mask_logits\", \"abnormal\": \"abnormal_logit\","
    "  \"malignant\": \"malignant_logit\"}, \"threshold\": 0.5, \"intended_use\": \"tests\"}",
    -1, NULL));
}

/* 300 x 200 8-bit: breast (80) against the right edge, a bright disk of
 * radius 15 px (255) at (cx, cy). */
static void
write_disk_png (const char *path, guint cx, guint cy)
{
  enum { W = 300, H = 200 };
  g_autofree guint8 *px = g_new0 (guint8, W * H);
  for (guint y = 0; y < H; y++)
    for (guint x = 0; x < W; x++)
      {
        double br = hypot (x - (W - 1.0), y - (H - 1) / 2.0);
        px[y * W + x] = hypot ((double) x - cx, (double) y - cy) < 15 ? 255 : br < 90 ? 80 : 0;
      }
  g_autoptr (GError) error = NULL;
  g_assert_true (msc_png_save_grey (path, W, H, 8, px, NULL, &error));
}

static void
test_analyze (void)
{
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *model = g_build_filename (dir, "model", NULL);
  g_autofree char *images = g_build_filename (dir, "images", NULL);
  g_autofree char *heat = g_build_filename (dir, "heat", NULL);
  g_autofree char *json = g_build_filename (dir, "out.json", NULL);
  g_assert_cmpint (g_mkdir_with_parents (model, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (images, 0755), ==, 0);
  write_analyze_bundle (model);
  g_autofree char *a = g_build_filename (images, "a.png", NULL);
  g_autofree char *b = g_build_filename (images, "b.png", NULL);
  g_autofree char *bad = g_build_filename (images, "c.png", NULL);
  write_disk_png (a, 250, 100);
  write_disk_png (b, 240, 80);
  g_assert_true (g_file_set_contents (bad, "\x89PNG\r\n\x1a\nbroken", -1, NULL));

  CliRun run = cli ("analyze", images, "--json", json, "--model", model, "--spacing", "0.2",
                    "--heatmap-dir", heat, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "c.png: "));
  g_assert_nonnull (strstr (run.err, "/2 a.png "));
  cli_run_clear (&run);

  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_file (parser, json, &error));
  JsonArray *arr = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (arr), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *o = json_array_get_object_element (arr, i);
      gboolean is_a = g_str_has_suffix (json_object_get_string_member (o, "path"), "a.png");
      JsonObject *p = json_object_get_object_member (o, "class_probabilities");
      /* normal = 1 - sigmoid (1) = 0.2689414 */
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (p, "normal"), 0.2689414, 1e-6);
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (o, "malignant_probability"),
                                      0.1192029, 1e-6);
      g_assert_true (json_object_has_member (o, "abnormal_probability"));
      g_assert_true (json_object_has_member (o, "seconds"));
      JsonObject *m = json_object_get_object_member (o, "model");
      g_assert_cmpstr (json_object_get_string_member (m, "name"), ==, "cli-tiny");
      g_assert_cmpuint (strlen (json_object_get_string_member (m, "sha256")), ==, 64);
      JsonArray *fs = json_object_get_array_member (o, "findings");
      g_assert_cmpuint (json_array_get_length (fs), ==, 1);
      JsonObject *f = json_array_get_object_element (fs, 0);
      JsonArray *c = json_object_get_array_member (f, "center");
      g_assert_cmpfloat (fabs (json_array_get_double_element (c, 0) - (is_a ? 250 : 240)), <=, 2);
      g_assert_cmpfloat (fabs (json_array_get_double_element (c, 1) - (is_a ? 100 : 80)), <=, 2);
      /* pi 15^2 0.04 = 28.3 mm^2, give or take the blur of resampling. */
      g_assert_cmpfloat (fabs (json_object_get_double_member (f, "area_mm2") - 28.3), <, 4);
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (f, "contour")), >=, 4);
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (f, "bbox")), ==, 4);
    }
  g_autofree char *heat_a = g_build_filename (heat, "a.png.heatmap.png", NULL);
  g_autoptr (MscImage) hm = msc_png_load (heat_a, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msc_image_get_width (hm), ==, 300);

  /* No default model: say where it was looked for, exit 1. */
  g_setenv ("MSC_DEFAULT_MODEL_DIR", dir, TRUE);
  run = cli ("analyze", a, "--json", json, NULL);
  g_unsetenv ("MSC_DEFAULT_MODEL_DIR");
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "no default model installed at"));
  g_assert_nonnull (strstr (run.err, "--model"));
  cli_run_clear (&run);

  run = cli ("analyze", a, NULL);       /* no --json: a usage error */
  g_assert_cmpint (run.status, ==, 2);
  cli_run_clear (&run);
}

/* ---- train / evaluate ------------------------------------------------------
 * Six 64 x 64 synthetic images (noise 40..99, a bright disk of radius 7 at
 * a seeded spot 14..49, so it lies whole inside), a CSV manifest giving the
 * same circles, a three-conv graph and a configuration: 20 steps of 8
 * patches of 32 x 32, no preprocessing or augmentation (a few seconds). */

static const char train_graph[] =
  "{\"format\": \"mammoscope-graph\", \"version\": 1, \"name\": \"tiny\",\n"
  " \"inputs\": [{\"name\": \"image\", \"shape\": [null, 1, null, null]}],\n"
  " \"outputs\": [\"mask_logits\"],\n"
  " \"nodes\": [\n"
  "  {\"name\": \"enc.conv1\", \"op\": \"conv2d\", \"inputs\": [\"image\"], \"params\": {\"out_channels\": 8, \"kernel\": 3, \"padding\": 1}},\n"
  "  {\"name\": \"enc.relu1\", \"op\": \"relu\", \"inputs\": [\"enc.conv1\"]},\n"
  "  {\"name\": \"enc.conv2\", \"op\": \"conv2d\", \"inputs\": [\"enc.relu1\"], \"params\": {\"out_channels\": 8, \"kernel\": 3, \"padding\": 1}},\n"
  "  {\"name\": \"enc.relu2\", \"op\": \"relu\", \"inputs\": [\"enc.conv2\"]},\n"
  "  {\"name\": \"mask_logits\", \"op\": \"conv2d\", \"inputs\": [\"enc.relu2\"], \"params\": {\"out_channels\": 1, \"kernel\": 1}}\n"
  " ]}\n";

/* Writes the images, manifest.csv, tiny.json and run-NAME.json (output
 * folder NAME, relative to the configuration) into dir. */
static char *
train_fixture_with (const char *dir, const char *name, guint steps, const char *graph,
                    const char *preprocess)
{
  g_autoptr (GString) csv = g_string_new ("image,patient,laterality,view,label,cx,cy,radius,"
                                          "type,severity\n");
  g_autofree guint8 *px = g_new (guint8, 64 * 64);
  guint32 state = 7;
  for (guint i = 0; i < 6; i++)
    {
      /* A small LCG is enough for noise; positions from it too. */
      state = state * 1664525u + 1013904223u;
      double cx = 14 + (state >> 8) % 36;
      state = state * 1664525u + 1013904223u;
      double cy = 14 + (state >> 8) % 36;
      for (guint y = 0; y < 64; y++)
        for (guint x = 0; x < 64; x++)
          {
            state = state * 1664525u + 1013904223u;
            guint noise = (state >> 8) % 60;
            gboolean in = (x - cx) * (x - cx) + (y - cy) * (y - cy) <= 49.0;
            px[y * 64 + x] = (guint8) ((in ? 200 : 40) + (in ? noise / 2 : noise));
          }
      g_autofree char *img = g_strdup_printf ("img%u.png", i);
      g_autofree char *path = g_build_filename (dir, img, NULL);
      g_assert_true (msc_png_save_grey (path, 64, 64, 8, px, NULL, NULL));
      g_string_append_printf (csv, "%s,P%u,R,MLO,,%g,%g,7,CIRC,B\n", img, i, cx, cy);
    }
  g_autofree char *mpath = g_build_filename (dir, "manifest.csv", NULL);
  g_assert_true (g_file_set_contents (mpath, csv->str, -1, NULL));
  g_autofree char *gpath = g_build_filename (dir, "tiny.json", NULL);
  g_assert_true (g_file_set_contents (gpath, graph, -1, NULL));
  g_autofree char *cfg = g_strdup_printf (
    "{\"graph\": \"tiny.json\", \"manifest\": \"manifest.csv\", \"output_dir\": \"%s\",\n"
    " \"split\": {\"val_fraction\": 0.34, \"seed\": 3}, \"steps\": %u, \"seed\": 5, \"threads\": 1,\n"
    " \"data\": {\"preprocess\": \"%s\", \"patch_size\": 32, \"batch_size\": 8},\n"
    " \"augment\": {\"flip_h_prob\": 0, \"flip_v_prob\": 0, \"rotate_deg\": 0, \"zoom_min\": 1,"
    " \"zoom_max\": 1, \"shift_min\": 0, \"shift_max\": 0, \"scale_min\": 1, \"scale_max\": 1},\n"
    " \"optimizer\": {\"lr\": 0.01},\n"
    " \"checkpoints\": {\"every\": 5, \"keep\": 10},\n"
    " \"validation\": {\"every\": 10, \"patches\": 16}}\n", name, steps, preprocess);
  g_autofree char *cfg_name = g_strdup_printf ("run-%s.json", name);
  char *cpath = g_build_filename (dir, cfg_name, NULL);
  g_assert_true (g_file_set_contents (cpath, cfg, -1, NULL));
  return cpath;
}

static char *
train_fixture (const char *dir, const char *name, guint steps)
{
  return train_fixture_with (dir, name, steps, train_graph, "");
}

static GBytes *
final_checkpoint (const char *out_dir, guint step)
{
  g_autofree char *name = g_strdup_printf ("checkpoint-%08u.safetensors", step);
  g_autofree char *path = g_build_filename (out_dir, name, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GMappedFile) file = g_mapped_file_new (path, FALSE, &error);
  g_assert_no_error (error);
  return g_mapped_file_get_bytes (file);
}

static void
test_train (void)
{
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *cfg = train_fixture (dir, "a", 20);
  CliRun run = cli ("train", "--config", cfg, NULL);
  g_test_message ("%s", run.err);
  g_assert_cmpint (run.status, ==, 0);
  g_autofree char *out = g_build_filename (dir, "a", NULL);
  g_assert_cmpstr (g_strstrip (run.out), ==, out);
  g_assert_nonnull (strstr (run.err, "step 20/20"));
  g_assert_nonnull (strstr (run.err, "ETA"));
  g_assert_nonnull (strstr (run.err, "val "));
  const char *files[] = { "config.json", "graph.json", "train-log.csv", "training.png",
                          "checkpoint-00000020.safetensors" };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (out, files[i], NULL);
      g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
    }
  cli_run_clear (&run);

  /* Again without --resume: refused, the earlier run is not overwritten. */
  run = cli ("train", "--config", cfg, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "--resume"));
  cli_run_clear (&run);

  /* A bad configuration: exit 1 naming the file and key; no --config: 2. */
  g_autofree char *bad = g_build_filename (dir, "bad.json", NULL);
  g_assert_true (g_file_set_contents (bad, "{\"graph\": \"tiny.json\", \"manifest\": "
                                      "\"manifest.csv\", \"output_dir\": \"b\", \"optimizer\": "
                                      "{\"lr\": 0}}", -1, NULL));
  run = cli ("train", "--config", bad, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_autofree char *want = g_strdup_printf ("%s: optimizer.lr: must be between", bad);
  g_assert_true (g_str_has_prefix (run.err, want));
  cli_run_clear (&run);
  run = cli ("train", NULL);
  g_assert_cmpint (run.status, ==, 2);
  cli_run_clear (&run);
}

/* The tiny graph plus a patch class head (global pool + dense). */
static const char train_graph_head[] =
  "{\"format\": \"mammoscope-graph\", \"version\": 1, \"name\": \"tiny-head\",\n"
  " \"inputs\": [{\"name\": \"image\", \"shape\": [null, 1, null, null]}],\n"
  " \"outputs\": [\"mask_logits\", \"class_logits\"],\n"
  " \"nodes\": [\n"
  "  {\"name\": \"enc.conv1\", \"op\": \"conv2d\", \"inputs\": [\"image\"], \"params\": {\"out_channels\": 8, \"kernel\": 3, \"padding\": 1}},\n"
  "  {\"name\": \"enc.relu1\", \"op\": \"relu\", \"inputs\": [\"enc.conv1\"]},\n"
  "  {\"name\": \"mask_logits\", \"op\": \"conv2d\", \"inputs\": [\"enc.relu1\"], \"params\": {\"out_channels\": 1, \"kernel\": 1}},\n"
  "  {\"name\": \"pool\", \"op\": \"global_avg_pool\", \"inputs\": [\"enc.relu1\"]},\n"
  "  {\"name\": \"class_logits\", \"op\": \"dense\", \"inputs\": [\"pool\"], \"params\": {\"out_features\": 3}}\n"
  " ]}\n";

/* A finished run with a class head and a chain becomes a model bundle
 * that `analyze --model` loads; the card repeats the run's chain and patch
 * size. A run without a class head says why it makes none. */
static void
test_train_bundle (void)
{
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *cfg = train_fixture_with (dir, "a", 10, train_graph_head, "normalize");
  /* The card's name and version come from the configuration's "model". */
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (cfg, &text, NULL, NULL));
  char *end = strrchr (text, '}');
  *end = '\0';
  g_autofree char *named = g_strconcat (text, ", \"model\": {\"name\": \"tiny-test\", "
                                        "\"version\": \"0.1\"}}\n", NULL);
  g_assert_true (g_file_set_contents (cfg, named, -1, NULL));
  CliRun run = cli ("train", "--config", cfg, NULL);
  g_test_message ("%s", run.err);
  g_assert_cmpint (run.status, ==, 0);
  cli_run_clear (&run);
  g_autofree char *out = g_build_filename (dir, "a", NULL);
  g_autofree char *card = g_build_filename (out, "model.json", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_file (parser, card, &error));
  JsonObject *o = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (o, "preprocess"), ==, "normalize");
  g_assert_cmpint (json_object_get_int_member (o, "patch_size"), ==, 32);
  g_assert_cmpstr (json_object_get_string_member (o, "version"), ==, "0.1");
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "tiny-test");
  g_assert_nonnull (strstr (json_object_get_string_member (o, "intended_use"), "radiologist"));

  g_autofree char *img = g_build_filename (dir, "img0.png", NULL);
  g_autofree char *json = g_build_filename (dir, "analysis.json", NULL);
  run = cli ("analyze", "--model", out, "--spacing", "0.2", "--json", json, img, NULL);
  g_test_message ("%s", run.err);
  g_assert_cmpint (run.status, ==, 0);
  cli_run_clear (&run);
  g_autoptr (JsonParser) p2 = json_parser_new ();
  g_assert_true (json_parser_load_from_file (p2, json, &error));
  JsonObject *r = json_array_get_object_element (json_node_get_array (json_parser_get_root (p2)), 0);
  JsonObject *cp = json_object_get_object_member (r, "class_probabilities");
  double sum = json_object_get_double_member (cp, "normal")
               + json_object_get_double_member (cp, "benign")
               + json_object_get_double_member (cp, "malignant");
  g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-9);

  g_autofree char *cfg_b = train_fixture_with (dir, "b", 5, train_graph, "normalize");
  run = cli ("train", "--config", cfg_b, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.err, "no model bundle"));
  g_autofree char *card_b = g_build_filename (dir, "b", "model.json", NULL);
  g_assert_false (g_file_test (card_b, G_FILE_TEST_EXISTS));
  cli_run_clear (&run);
}

/* The shipped default model on the bundled sample study (the phantom of
 * tools/demo): it loads without --model, says what it is, and gives sane
 * results for every view (probabilities that sum to 1, findings inside the
 * image with an area). Masses found at the card's threshold are counted
 * against lesions.json (a finding centre within the mass radius + 5 mm)
 * and reported, not required: the MIAS-trained model finds few of the
 * phantom's synthetic masses (docs/MODEL.md says how many and why). */
static void
test_analyze_default_model (void)
{
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *study = g_build_filename (dir, "study", NULL);
  CliRun run = cli ("phantom", "--seed", "1", study, NULL);
  g_assert_cmpint (run.status, ==, 0);
  cli_run_clear (&run);
  g_autofree char *json = g_build_filename (dir, "out.json", NULL);
  run = cli ("analyze", "--json", json, study, NULL);
  g_test_message ("%s", run.err);
  g_assert_cmpint (run.status, ==, 0);
  cli_run_clear (&run);

  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) truth_parser = json_parser_new ();
  g_autofree char *truth = g_build_filename (study, "lesions.json", NULL);
  g_assert_true (json_parser_load_from_file (truth_parser, truth, &error));
  JsonArray *views = json_object_get_array_member (
    json_node_get_object (json_parser_get_root (truth_parser)), "images");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, json, &error));
  JsonArray *arr = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (arr), ==, 4);
  guint masses = 0, found = 0;
  for (guint i = 0; i < 4; i++)
    {
      JsonObject *r = json_array_get_object_element (arr, i);
      JsonObject *m = json_object_get_object_member (r, "model");
      g_assert_cmpstr (json_object_get_string_member (m, "name"), ==, "mammoscope-mias-unet-tiny");
      g_assert_cmpuint (strlen (json_object_get_string_member (m, "sha256")), ==, 64);
      JsonObject *cp = json_object_get_object_member (r, "class_probabilities");
      double sum = json_object_get_double_member (cp, "normal")
                   + json_object_get_double_member (cp, "benign")
                   + json_object_get_double_member (cp, "malignant");
      g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-9);
      double pa = json_object_get_double_member (r, "abnormal_probability");
      g_assert_cmpfloat (pa, >=, 0.0);
      g_assert_cmpfloat (pa, <=, 1.0);
      const char *path = json_object_get_string_member (r, "path");
      JsonArray *findings = json_object_get_array_member (r, "findings");
      for (guint k = 0; k < json_array_get_length (findings); k++)
        {
          JsonObject *f = json_array_get_object_element (findings, k);
          JsonArray *c = json_object_get_array_member (f, "center");
          double x = json_array_get_double_element (c, 0), y = json_array_get_double_element (c, 1);
          g_assert_true (x >= 0 && x < 1664 && y >= 0 && y < 2048);
          g_assert_cmpfloat (json_object_get_double_member (f, "area_mm2"), >, 0);
        }
      for (guint v = 0; v < json_array_get_length (views); v++)
        {
          JsonObject *view = json_array_get_object_element (views, v);
          if (!g_str_has_suffix (path, json_object_get_string_member (view, "file")))
            continue;
          JsonArray *lesions = json_object_get_array_member (view, "lesions");
          for (guint l = 0; l < json_array_get_length (lesions); l++)
            {
              JsonObject *le = json_array_get_object_element (lesions, l);
              if (strcmp (json_object_get_string_member (le, "kind"), "mass") != 0)
                continue;
              masses++;
              double lx = json_object_get_double_member (le, "x");
              double ly = json_object_get_double_member (le, "y");
              double reach = json_object_get_double_member (le, "radius_px") + 50; /* 5 mm */
              for (guint k = 0; k < json_array_get_length (findings); k++)
                {
                  JsonArray *c = json_object_get_array_member (
                    json_array_get_object_element (findings, k), "center");
                  if (hypot (json_array_get_double_element (c, 0) - lx,
                             json_array_get_double_element (c, 1) - ly) <= reach)
                    {
                      found++;
                      break;
                    }
                }
            }
        }
    }
  g_test_message ("default model on the sample study: %u of %u masses found", found, masses);
  g_assert_cmpuint (masses, >, 0);
}

/* calibrate: Platt maps and the threshold from hand-made held-out
 * results. Two normal images carry findings scored 0.95, 0.9, 0.7, 0.6:
 * one mark per normal image allows two, so the threshold lands just above
 * 0.7. Scores that rank backwards and patch-level files are refused, the
 * card left as it was. */
static void
test_calibrate (void)
{
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *card = g_build_filename (dir, "model.json", NULL);
  const char *card_text = "{\"format\": \"mammoscope-model\", \"threshold\": 0.5}";
  g_assert_true (g_file_set_contents (card, card_text, -1, NULL));
  g_autofree char *eval = g_build_filename (dir, "eval.json", NULL);
  g_assert_true (g_file_set_contents (eval,
    "{\"level\": \"image\", \"per_image\": ["
    " {\"label\": \"normal\", \"abnormal_probability\": 0.6, \"malignant_probability\": 0.5,"
    "  \"findings\": [{\"score\": 0.95}, {\"score\": 0.6}]},"
    " {\"label\": \"normal\", \"abnormal_probability\": 0.9, \"malignant_probability\": 0.5,"
    "  \"findings\": [{\"score\": 0.9}, {\"score\": 0.7}]},"
    " {\"label\": \"benign\", \"abnormal_probability\": 0.8, \"malignant_probability\": 0.3,"
    "  \"findings\": []},"
    " {\"label\": \"malignant\", \"abnormal_probability\": 0.97, \"malignant_probability\": 0.6,"
    "  \"findings\": []},"
    " {\"label\": \"malignant\", \"abnormal_probability\": 0.7, \"malignant_probability\": 0.2,"
    "  \"findings\": []}]}", -1, NULL));
  CliRun run = cli ("calibrate", "--model", dir, eval, NULL);
  g_test_message ("%s", run.err);
  g_assert_cmpint (run.status, ==, 0);
  cli_run_clear (&run);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, card, NULL));
  JsonObject *o = json_node_get_object (json_parser_get_root (parser));
  double t = json_object_get_double_member (o, "threshold");
  g_assert_cmpfloat (t, >, 0.7);
  g_assert_cmpfloat (t, <, 0.7 + 1e-12);
  JsonObject *cal = json_object_get_object_member (o, "calibration");
  g_assert_cmpfloat (json_object_get_double_member (json_object_get_object_member (cal, "abnormal"), "a"), >, 0);
  g_assert_cmpfloat (json_object_get_double_member (json_object_get_object_member (cal, "malignant"), "a"), >, 0);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (o, "calibrated_on"), "images"), ==, 5);

  /* Backwards: abnormal images scored lower than normal ones. */
  g_assert_true (g_file_set_contents (card, card_text, -1, NULL));
  g_autofree char *back = g_build_filename (dir, "back.json", NULL);
  g_assert_true (g_file_set_contents (back,
    "{\"level\": \"image\", \"per_image\": ["
    " {\"label\": \"normal\", \"abnormal_probability\": 0.9, \"malignant_probability\": 0.5, \"findings\": []},"
    " {\"label\": \"normal\", \"abnormal_probability\": 0.8, \"malignant_probability\": 0.5, \"findings\": []},"
    " {\"label\": \"benign\", \"abnormal_probability\": 0.2, \"malignant_probability\": 0.2, \"findings\": []},"
    " {\"label\": \"malignant\", \"abnormal_probability\": 0.1, \"malignant_probability\": 0.9, \"findings\": []}]}",
    -1, NULL));
  run = cli ("calibrate", "--model", dir, back, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "backwards"));
  cli_run_clear (&run);
  g_autofree char *patch = g_build_filename (dir, "patch.json", NULL);
  g_assert_true (g_file_set_contents (patch, "{\"level\": \"patch\"}", -1, NULL));
  run = cli ("calibrate", "--model", dir, patch, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "patch.json"));
  cli_run_clear (&run);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (card, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, card_text);
}

/* Stopped after step 7 (checkpoint 5 kept), resumed: the final weights
 * file is byte for byte the uninterrupted run's. */
static void
test_train_resume (void)
{
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *cfg_a = train_fixture (dir, "a", 20);
  g_autofree char *cfg_b = train_fixture (dir, "b", 20);
  CliRun run = cli ("train", "--config", cfg_a, NULL);
  g_assert_cmpint (run.status, ==, 0);
  cli_run_clear (&run);

  run = cli ("train", "--config", cfg_b, "--max-steps", "7", NULL);
  g_test_message ("%s", run.err);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "--resume"));
  cli_run_clear (&run);
  g_autofree char *out_b = g_build_filename (dir, "b", NULL);
  g_autofree char *ck5 = g_build_filename (out_b, "checkpoint-00000005.safetensors", NULL);
  g_autofree char *ck20 = g_build_filename (out_b, "checkpoint-00000020.safetensors", NULL);
  g_assert_true (g_file_test (ck5, G_FILE_TEST_IS_REGULAR));
  g_assert_false (g_file_test (ck20, G_FILE_TEST_EXISTS));

  run = cli ("train", "--config", cfg_b, "--resume", NULL);
  g_test_message ("%s", run.err);
  g_assert_cmpint (run.status, ==, 0);
  cli_run_clear (&run);
  g_autofree char *out_a = g_build_filename (dir, "a", NULL);
  g_autoptr (GBytes) a = final_checkpoint (out_a, 20);
  g_autoptr (GBytes) b = final_checkpoint (out_b, 20);
  g_assert_true (g_bytes_equal (a, b));
}

/* Any checkpoint file in dir (older ones are pruned as the run goes on,
 * so the test cannot wait for one name). */
static gboolean
has_checkpoint (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  for (const char *name; d && (name = g_dir_read_name (d));)
    if (g_str_has_prefix (name, "checkpoint-") && g_str_has_suffix (name, ".safetensors"))
      return TRUE;
  return FALSE;
}

/* SIGINT while training: exits 1 saying how to resume, checkpoints kept. */
static void
test_train_sigint (void)
{
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *cfg = train_fixture (dir, "s", 100000);
  const char *argv[] = { msc_test_cli (), "train", "--config", cfg, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                    | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_autofree char *out_dir = g_build_filename (dir, "s", NULL);
  /* At most 60 s for the first checkpoint (step 5). */
  for (guint i = 0; i < 6000 && !has_checkpoint (out_dir); i++)
    g_usleep (10000);
  g_assert_true (has_checkpoint (out_dir));
  g_subprocess_send_signal (proc, SIGINT);
  g_autofree char *out = NULL, *err = NULL;
  g_assert_true (g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 1);
  g_assert_nonnull (strstr (err, "interrupted"));
  g_assert_nonnull (strstr (err, "stopped at step"));
  g_assert_nonnull (strstr (err, "--resume"));
  g_assert_true (has_checkpoint (out_dir));
}

/* evaluate on the run of test_train's fixture: metrics JSON with the
 * expected keys, labelled patch level, and both plots. */
static void
test_evaluate (void)
{
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *cfg = train_fixture (dir, "e", 20);
  CliRun run = cli ("train", "--config", cfg, NULL);
  g_assert_cmpint (run.status, ==, 0);
  cli_run_clear (&run);
  g_autofree char *model = g_build_filename (dir, "e", NULL);
  g_autofree char *manifest = g_build_filename (dir, "manifest.csv", NULL);
  g_autofree char *json = g_build_filename (dir, "metrics.json", NULL);
  g_autofree char *plots = g_build_filename (dir, "plots", NULL);
  run = cli ("evaluate", "--model", model, "--manifest", manifest, "--json", json, "--plots",
             plots, "--patches", "32", NULL);
  g_test_message ("%s", run.err);
  g_assert_cmpint (run.status, ==, 0);
  cli_run_clear (&run);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (json, &text, NULL, NULL));
  g_test_message ("%s", text);
  g_autoptr (JsonObject) o = parse_object (text);
  g_assert_cmpstr (json_object_get_string_member (o, "level"), ==, "patch");
  g_assert_cmpint (json_object_get_int_member (o, "cases"), ==, 6);
  g_assert_cmpint (json_object_get_int_member (o, "patches"), ==, 32);
  JsonObject *c = json_object_get_object_member (o, "classification");
  const char *keys[] = { "auc", "auc_ci95", "sensitivity_at_80_specificity",
                         "sensitivity_at_90_specificity", "average_precision", "confusion" };
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_assert_true (json_object_has_member (c, keys[i]));
  double auc = json_object_get_double_member (c, "auc");
  JsonArray *ci = json_object_get_array_member (c, "auc_ci95");
  g_assert_cmpfloat (json_array_get_double_element (ci, 0), <=, auc);
  g_assert_cmpfloat (json_array_get_double_element (ci, 1), >=, auc);
  JsonObject *conf = json_object_get_object_member (c, "confusion");
  gint64 total = json_object_get_int_member (conf, "tp") + json_object_get_int_member (conf, "fp")
                 + json_object_get_int_member (conf, "tn") + json_object_get_int_member (conf, "fn");
  g_assert_cmpint (total, ==, 32);
  JsonObject *seg = json_object_get_object_member (o, "segmentation");
  double dice = json_object_get_double_member (seg, "dice");
  double iou = json_object_get_double_member (seg, "iou");
  /* IoU = Dice / (2 - Dice) for pooled counts. */
  g_assert_cmpfloat_with_epsilon (iou, dice / (2 - dice), 1e-9);
  const char *pngs[] = { "roc.png", "pr.png" };
  for (guint i = 0; i < G_N_ELEMENTS (pngs); i++)
    {
      g_autofree char *path = g_build_filename (plots, pngs[i], NULL);
      g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
    }

  /* The run's validation cases only: 2 of 6 patients at val_fraction 0.34. */
  run = cli ("evaluate", "--model", model, "--manifest", manifest, "--json", json,
             "--split", "validation", NULL);
  g_assert_cmpint (run.status, ==, 0);
  cli_run_clear (&run);
  g_clear_pointer (&text, g_free);
  g_assert_true (g_file_get_contents (json, &text, NULL, NULL));
  g_autoptr (JsonObject) v = parse_object (text);
  g_assert_cmpint (json_object_get_int_member (v, "cases"), ==, 2);

  /* Refusals: no such run folder (1), missing --json or a bad --split (2). */
  g_autofree char *none = g_build_filename (dir, "none", NULL);
  run = cli ("evaluate", "--model", none, "--manifest", manifest, "--json", json, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "config.json"));
  cli_run_clear (&run);
  run = cli ("evaluate", "--model", model, "--manifest", manifest, NULL);
  g_assert_cmpint (run.status, ==, 2);
  cli_run_clear (&run);
  run = cli ("evaluate", "--model", model, "--manifest", manifest, "--json", json, "--split",
             "test", NULL);
  g_assert_cmpint (run.status, ==, 2);
  cli_run_clear (&run);

  /* The run folder with a model card beside config.json (as train will
   * write it): image level by default, the run's validation cases. */
  write_analyze_bundle (model);
  run = cli ("evaluate", "--model", model, "--manifest", manifest, "--json", json, "--split",
             "validation", "--spacing", "0.2", NULL);
  g_test_message ("%s", run.err);
  g_assert_cmpint (run.status, ==, 0);
  cli_run_clear (&run);
  g_clear_pointer (&text, g_free);
  g_assert_true (g_file_get_contents (json, &text, NULL, NULL));
  g_autoptr (JsonObject) iv = parse_object (text);
  g_assert_cmpstr (json_object_get_string_member (iv, "level"), ==, "image");
  g_assert_cmpint (json_object_get_int_member (iv, "n_images"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (iv, "split"), ==, "validation");
}

/* Image level on a bare model bundle (no config.json) and four MIAS-style
 * images: two normal with a bright spot elsewhere (false marks), one
 * malignant CIRC and one benign CALC with the spot on the lesion. */
static void
test_evaluate_image (void)
{
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *model = g_build_filename (dir, "model", NULL);
  g_autofree char *images = g_build_filename (dir, "images", NULL);
  g_autofree char *labels = g_build_filename (dir, "labels.csv", NULL);
  g_autofree char *json = g_build_filename (dir, "eval.json", NULL);
  g_autofree char *plots = g_build_filename (dir, "plots", NULL);
  g_assert_cmpint (g_mkdir_with_parents (model, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (images, 0755), ==, 0);
  write_analyze_bundle (model);
  const struct { const char *id; guint cx, cy; } imgs[] = {
    { "a", 250, 100 }, { "b", 240, 60 }, { "c", 240, 80 }, { "d", 250, 140 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (imgs); i++)
    {
      g_autofree char *name = g_strdup_printf ("%s.png", imgs[i].id);
      g_autofree char *path = g_build_filename (images, name, NULL);
      write_disk_png (path, imgs[i].cx, imgs[i].cy);
    }
  /* MIAS rows count y from the bottom: 199 - y on these 200-row images. */
  g_assert_true (g_file_set_contents (labels,
    "id,patient,laterality,view,tissue,abnormality,severity,x,y_from_bottom,radius\n"
    "a,001,R,MLO,G,CIRC,M,250,99,15\n"
    "b,001,L,MLO,G,NORM,,,,\n"
    "c,002,R,MLO,G,CALC,B,240,119,10\n"
    "d,002,L,MLO,G,NORM,,,,\n", -1, NULL));

  CliRun run = cli ("evaluate", "--model", model, "--manifest", labels, "--images", images,
                    "--json", json, "--plots", plots, "--spacing", "0.2", "--threads", "1", NULL);
  g_test_message ("%s", run.err);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.err, "4/4 d.png"));
  cli_run_clear (&run);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (json, &text, NULL, NULL));
  g_autoptr (JsonObject) o = parse_object (text);
  g_assert_cmpstr (json_object_get_string_member (o, "level"), ==, "image");
  g_assert_cmpint (json_object_get_int_member (o, "n_images"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (o, "n_normal"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (o, "n_abnormal"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (o, "n_benign"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (o, "n_malignant"), ==, 1);
  g_assert_cmpfloat (json_object_get_double_member (o, "threshold"), ==, 0.5);
  const char *keys[] = { "abnormal", "malignant", "class_confusion", "dice", "froc",
                         "mass_sensitivity_at_1fp", "per_image", "weights_sha256" };
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_assert_true (json_object_has_member (o, keys[i]));
  /* The fixed hierarchical logits give every image the same abnormal
   * probability: the AUC is exactly one half. */
  JsonObject *ab = json_object_get_object_member (o, "abnormal");
  g_assert_cmpfloat (json_object_get_double_member (ab, "auc"), ==, 0.5);
  JsonObject *dice = json_object_get_object_member (o, "dice");
  g_assert_cmpint (json_object_get_int_member (dice, "n_images"), ==, 2);
  g_assert_cmpfloat (json_object_get_double_member (dice, "mean"), >, 0.5);
  g_assert_cmpfloat (json_object_get_double_member (dice, "mean"), <=, 1.0);
  /* Both lesions found; two false marks over four images = 0.5 FP/image. */
  JsonObject *froc = json_object_get_object_member (json_object_get_object_member (o, "froc"),
                                                    "all");
  g_assert_cmpint (json_object_get_int_member (froc, "n_lesions"), ==, 2);
  JsonObject *at = json_object_get_object_member (froc, "sensitivity_at_fp");
  g_assert_cmpfloat (json_object_get_double_member (at, "0.5"), ==, 1.0);
  g_assert_cmpfloat (json_object_get_double_member (o, "mass_sensitivity_at_1fp"), ==, 1.0);
  JsonArray *per = json_object_get_array_member (o, "per_image");
  g_assert_cmpuint (json_array_get_length (per), ==, 4);
  JsonObject *a = json_array_get_object_element (per, 0);
  g_assert_cmpint (json_object_get_int_member (a, "lesions_hit"), ==, 1);
  const char *pngs[] = { "roc-abnormal.png", "roc-malignant.png", "pr-abnormal.png", "froc.png" };
  for (guint i = 0; i < G_N_ELEMENTS (pngs); i++)
    {
      g_autofree char *path = g_build_filename (plots, pngs[i], NULL);
      g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
    }

  /* No spacing for PNGs: 1, naming the image; the patch level or the
   * validation split need the run's config.json: 1; a bad --level: 2. */
  run = cli ("evaluate", "--model", model, "--manifest", labels, "--images", images, "--json",
             json, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "a.png"));
  cli_run_clear (&run);
  run = cli ("evaluate", "--model", model, "--manifest", labels, "--images", images, "--json",
             json, "--level", "patch", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "config.json"));
  cli_run_clear (&run);
  run = cli ("evaluate", "--model", model, "--manifest", labels, "--images", images, "--json",
             json, "--split", "validation", "--spacing", "0.2", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "config.json"));
  cli_run_clear (&run);
  run = cli ("evaluate", "--model", model, "--manifest", labels, "--json", json, "--level",
             "lesion", NULL);
  g_assert_cmpint (run.status, ==, 2);
  cli_run_clear (&run);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/usage", test_usage);
  g_test_add_func ("/cli/info/bad-files", test_info_bad_files);
  g_test_add_func ("/cli/info/phi", test_info_phi);
  g_test_add_func ("/cli/info/png-inferred-laterality", test_png_inferred_laterality);
  g_test_add_func ("/cli/info/too-large", test_too_large);
  g_test_add_func ("/cli/manifest", test_manifest);
  g_test_add_func ("/cli/phantom-study", test_phantom_study);
  g_test_add_func ("/cli/preprocess", test_preprocess);
  g_test_add_func ("/cli/analyze", test_analyze);
  g_test_add_func ("/cli/analyze/default-model", test_analyze_default_model);
  g_test_add_func ("/cli/train", test_train);
  g_test_add_func ("/cli/train/resume", test_train_resume);
  g_test_add_func ("/cli/train/bundle", test_train_bundle);
  g_test_add_func ("/cli/calibrate", test_calibrate);
  g_test_add_func ("/cli/train/sigint", test_train_sigint);
  g_test_add_func ("/cli/evaluate", test_evaluate);
  g_test_add_func ("/cli/evaluate/image", test_evaluate_image);
  return g_test_run ();
}
