/* tests/engine/train/test-manifest.c — manifest readers: our CSV and JSON,
 * the MIAS labels file, the STRICT/SKIP policy on hostile rows, limits,
 * and a byte-flip robustness loop (run it under ASan).
 */
#include <string.h>

#include <glib/gstdio.h>

#include "msc-manifest.h"
#include "msc-rng.h"
#include "msc-test-util.h"

/* A stand-in PNG: signature + IHDR with the size; the manifest reader only
 * reads those 24 bytes. */
static char *
fake_png (const char *dir, const char *name, guint width, guint height)
{
  guint8 h[33] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R' };
  for (guint i = 0; i < 4; i++)
    {
      h[16 + i] = (guint8) (width >> (24 - 8 * i));
      h[20 + i] = (guint8) (height >> (24 - 8 * i));
    }
  h[24] = 8;
  char *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, (const char *) h, sizeof h, NULL));
  return path;
}

static char *
write_text (const char *dir, const char *name, const char *text)
{
  char *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static const MscManifestOptions skip_opts = { .policy = MSC_MANIFEST_SKIP };

/* Three images 100 x 80; b.png has two lesion rows. BOM, CRLF and a
 * quoted field with a comma and an escaped quote on the way. */
static const char good_csv[] =
  "\xEF\xBB\xBF" "image,patient,laterality,view,label,tissue,cx,cy,radius,polygon,mask,type,severity\r\n"
  "a.png,P1,R,MLO,,F,,,,,,,\r\n"
  "b.png,P1,L,MLO,,\"G, \"\"dense\"\"\",50,40,10,,,CIRC,B\r\n"
  "\r\n"
  "b.png,P1,L,MLO,,\"G, \"\"dense\"\"\",,,,10 10;20 10;20 20,,SPIC,M\r\n"
  "c.png,P2,R,CC,benign,,,,,,m.png,MISC,benign\r\n";

static char *
good_dir (void)
{
  char *dir = msc_test_tmpdir ();
  g_free (fake_png (dir, "a.png", 100, 80));
  g_free (fake_png (dir, "b.png", 100, 80));
  g_free (fake_png (dir, "c.png", 100, 80));
  g_free (fake_png (dir, "m.png", 100, 80));
  return dir;
}

static void
check_good (MscManifest *m, const char *dir)
{
  g_assert_cmpuint (msc_manifest_get_n_cases (m), ==, 3);
  g_assert_cmpuint (msc_manifest_get_n_patients (m), ==, 2);
  const MscCase *a = msc_manifest_get_case (m, 0), *b = msc_manifest_get_case (m, 1);
  const MscCase *c = msc_manifest_get_case (m, 2);
  g_autofree char *a_path = g_build_filename (dir, "a.png", NULL);
  g_assert_cmpstr (a->image_path, ==, a_path);
  g_assert_cmpint (a->label, ==, MSC_LABEL_NORMAL);          /* no lesions */
  g_assert_cmpint (a->laterality, ==, MSC_LATERALITY_RIGHT);
  g_assert_cmpuint (a->lesions->len, ==, 0);
  g_assert_cmpint (b->label, ==, MSC_LABEL_MALIGNANT);       /* one malignant lesion */
  g_assert_cmpstr (b->tissue, ==, "G, \"dense\"");
  g_assert_cmpuint (b->lesions->len, ==, 2);
  const MscLesion *l0 = b->lesions->pdata[0], *l1 = b->lesions->pdata[1];
  g_assert_cmpint (l0->kind, ==, MSC_LESION_CIRCLE);
  g_assert_cmpfloat (l0->cx, ==, 50);
  g_assert_cmpfloat (l0->cy, ==, 40);                        /* top-down as given */
  g_assert_cmpfloat (l0->radius, ==, 10);
  g_assert_cmpint (l1->kind, ==, MSC_LESION_POLYGON);
  g_assert_cmpuint (l1->polygon->len, ==, 3);
  g_assert_cmpfloat (g_array_index (l1->polygon, MscPoint, 2).y, ==, 20);
  g_assert_cmpstr (l1->type, ==, "SPIC");
  g_assert_cmpint (c->label, ==, MSC_LABEL_BENIGN);
  g_assert_cmpint (((MscLesion *) c->lesions->pdata[0])->kind, ==, MSC_LESION_MASK);
}

static void
test_csv_good (void)
{
  g_autofree char *dir = good_dir ();
  g_autofree char *path = write_text (dir, "m.csv", good_csv);
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MscManifest) m = msc_manifest_load (path, NULL, &problems, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (problems->len, ==, 0);
  check_good (m, dir);
  /* Lines count the header as 1 and the blank line 4: b.png starts on 3, c.png on 6. */
  g_assert_cmpuint (msc_manifest_get_case (m, 1)->line, ==, 3);
  g_assert_cmpuint (((MscLesion *) msc_manifest_get_case (m, 1)->lesions->pdata[1])->line, ==, 5);
  g_assert_cmpuint (msc_manifest_get_case (m, 2)->line, ==, 6);
  g_assert_cmpuint (msc_manifest_get_case (m, 0)->width, ==, 100);
  g_assert_cmpuint (msc_manifest_get_case (m, 0)->height, ==, 80);
}

static void
test_json_roundtrip (void)
{
  g_autofree char *dir = good_dir ();
  g_autofree char *path = write_text (dir, "m.csv", good_csv);
  g_autoptr (MscManifest) m = msc_manifest_load (path, NULL, NULL, NULL);
  g_assert_nonnull (m);
  g_autofree char *json_path = g_build_filename (dir, "m.json", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (msc_manifest_save_json (m, json_path, &error));
  g_autoptr (MscManifest) back = msc_manifest_load (json_path, NULL, NULL, &error);
  g_assert_no_error (error);
  check_good (back, dir);
  g_autofree char *j1 = msc_manifest_to_json (m), *j2 = msc_manifest_to_json (back);
  g_assert_cmpstr (j1, ==, j2);
}

/* One problem per bad row under SKIP; each names file and line, and the
 * image of a bad row is dropped whole. */
static void
test_csv_skip (void)
{
  g_autofree char *dir = good_dir ();
  g_autofree char *path = write_text (dir, "bad.csv",
    "image,patient,label,cx,cy,radius,severity\n"
    "a.png,P1,,,,,\n"                       /* 2: fine */
    "b.png,P1,,-5,10,3,B\n"                 /* 3: negative centre */
    "c.png,P2,,10,10,0,B\n"                 /* 4: radius 0 */
    "m.png,P2,,nan,10,3,B\n"                /* 5: NaN text */
    "a.png,P1,weird,,,,\n"                  /* 6: unknown label: drops a.png too */
    "x.png,P3,,10,10\n"                     /* 7: 5 fields, header 7 */
    ",P3,,,,,\n");                          /* 8: no image */
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MscManifest) m = msc_manifest_load (path, &skip_opts, &problems, &error);
  g_assert_null (m);
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY);   /* every image was bad */
  g_assert_cmpuint (problems->len, ==, 6);
  const char *expect[] = { ":3: circle (-5, 10)", ":4: circle (10, 10) radius 0", ":5: cx 'nan'",
                           ":6: unknown label 'weird'", ":7: row has 5 fields, the header has 7",
                           ":8: no image" };
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *want = g_strconcat (path, expect[i], NULL);
      if (!g_str_has_prefix (problems->pdata[i], want))
        g_error ("problem %u: '%s' does not start with '%s'", i, (char *) problems->pdata[i], want);
    }
}

static void
test_csv_strict (void)
{
  g_autofree char *dir = good_dir ();
  g_autofree char *path = write_text (dir, "bad.csv",
    "image,patient,label,cx,cy,radius,severity\n"
    "a.png,P1,,,,,\n"
    "b.png,P1,,150,10,3,B\n"                /* 3: outside the 100 x 80 image */
    "c.png,P2,,10,10,0,B\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (MscManifest) m = msc_manifest_load (path, NULL, NULL, &error);
  g_assert_null (m);
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  /* Row 4 is read before the files are checked, so it is the first problem. */
  g_assert_true (g_str_has_suffix (error->message, ":4: circle (10, 10) radius 0: centre must be >= 0, radius > 0"));

  g_autoptr (GPtrArray) problems = NULL;
  g_clear_error (&error);
  g_autoptr (MscManifest) m2 = msc_manifest_load (path, &skip_opts, &problems, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msc_manifest_get_n_cases (m2), ==, 1);    /* a.png only */
  g_assert_cmpuint (problems->len, ==, 2);
  g_assert_true (strstr (problems->pdata[1], "bad.csv:3: lesion lies outside the 100 x 80 image"));
}

/* Same image twice with another patient or label: the later row is named. */
static void
test_csv_conflict (void)
{
  g_autofree char *dir = good_dir ();
  g_autofree char *path = write_text (dir, "dup.csv",
    "image,patient,label\n"
    "a.png,P1,normal\n"
    "b.png,P1,benign\n"
    "a.png,P1,malignant\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (MscManifest) m = msc_manifest_load (path, NULL, NULL, &error);
  g_assert_null (m);
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_assert_true (strstr (error->message, "dup.csv:4: image"));
  g_assert_true (g_str_has_suffix (error->message, "has another label than on line 2"));
  /* A given label must not contradict the lesions. */
  g_autofree char *path2 = write_text (dir, "contra.csv",
    "image,patient,label,cx,cy,radius,severity\n"
    "a.png,P1,benign,5,5,2,M\n");
  g_clear_error (&error);
  g_autoptr (MscManifest) m2 = msc_manifest_load (path2, NULL, NULL, &error);
  g_assert_null (m2);
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_assert_true (g_str_has_suffix (error->message, "contra.csv:2: label 'benign' but a lesion is malignant"));
}

static void
test_missing (void)
{
  g_autofree char *dir = good_dir ();
  g_autofree char *path = write_text (dir, "miss.csv",
    "image,patient\n" "a.png,P1\n" "gone.png,P1\n" "b.png,P2,\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (MscManifest) m = msc_manifest_load (path, NULL, NULL, &error);
  g_assert_null (m);
  /* Row 4 has 3 fields: STRICT stops there before the files are opened. */
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_autofree char *path2 = write_text (dir, "miss2.csv", "image,patient\n" "a.png,P1\n" "gone.png,P1\n");
  g_clear_error (&error);
  g_autoptr (MscManifest) m2 = msc_manifest_load (path2, NULL, NULL, &error);
  g_assert_null (m2);
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_MISSING);
  g_assert_true (strstr (error->message, "miss2.csv:3: "));
  g_assert_true (strstr (error->message, "gone.png"));
  g_autoptr (GPtrArray) problems = NULL;
  g_clear_error (&error);
  g_autoptr (MscManifest) m3 = msc_manifest_load (path2, &skip_opts, &problems, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msc_manifest_get_n_cases (m3), ==, 1);
  g_assert_cmpuint (problems->len, ==, 1);
  /* The manifest itself missing. */
  g_autofree char *none = g_build_filename (dir, "none.csv", NULL);
  g_clear_error (&error);
  g_assert_null (msc_manifest_load (none, NULL, NULL, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_MISSING);
}

static void
expect_load_error (const char *text, const MscManifestOptions *opts, int code, const char *suffix)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscManifest) m = msc_manifest_load_bytes (text, strlen (text), "t.csv", "/", opts, NULL, &error);
  g_assert_null (m);
  g_assert_error (error, MSC_TRAIN_ERROR, code);
  if (!g_str_has_suffix (error->message, suffix))
    g_error ("'%s' does not end with '%s'", error->message, suffix);
}

static void
test_file_level (void)
{
  MscManifestOptions nf = { .policy = MSC_MANIFEST_SKIP, .no_file_checks = TRUE };
  expect_load_error ("", &nf, MSC_TRAIN_ERROR_EMPTY, "t.csv: no usable case (0 problems)");
  expect_load_error ("image,patient\r\n", &nf, MSC_TRAIN_ERROR_EMPTY, "no usable case (0 problems)");
  expect_load_error ("[]", &nf, MSC_TRAIN_ERROR_EMPTY, "no usable case (0 problems)");
  expect_load_error ("image,patient,colour\n", &nf, MSC_TRAIN_ERROR_INVALID, "t.csv:1: unknown column 'colour'");
  expect_load_error ("image,label\n", &nf, MSC_TRAIN_ERROR_INVALID, "t.csv:1: missing column 'patient'");
  expect_load_error ("image,patient\na.png,\"P1\n\nb.png,P2\n", &nf, MSC_TRAIN_ERROR_INVALID,
                     "t.csv:5: quoted field opened on line 2 never closes");
  expect_load_error ("image,patient\na.png,P\"1\n", &nf, MSC_TRAIN_ERROR_INVALID,
                     "t.csv:2: quote inside an unquoted field");
  MscManifestOptions two = { .policy = MSC_MANIFEST_SKIP, .no_file_checks = TRUE, .max_rows = 2 };
  expect_load_error ("image,patient\na,1\nb,1\nc,2\n", &two, MSC_TRAIN_ERROR_INVALID, "t.csv:4: more than 2 rows");
  MscManifestOptions small = { .no_file_checks = TRUE, .max_bytes = 10 };
  expect_load_error ("image,patient\na,1\n", &small, MSC_TRAIN_ERROR_INVALID, "above the limit of 10");
  expect_load_error ("{\"image\": \"a\"}", &nf, MSC_TRAIN_ERROR_INVALID, "t.csv:1: expected one array of cases");
  g_autoptr (GString) deep = g_string_new ("[");
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  expect_load_error (deep->str, &nf, MSC_TRAIN_ERROR_INVALID, "t.csv:1: nesting deeper than 16");
}

static void
test_json_problems (void)
{
  static const char text[] =
    "[\n"
    "  {\"image\": \"a.png\", \"patient\": 7, \"label\": \"normal\"},\n"       /* 2 */
    "  {\"image\": \"b.png\", \"patient\": \"8\",\n"                          /* 3 */
    "   \"lesions\": [{\"severity\": \"malignant\", \"cx\": 1, \"cy\": 2}]},\n"
    "  {\"image\": \"c.png\", \"patient\": \"8\", \"colour\": 1},\n"          /* 5 */
    "  3,\n"                                                                  /* 6 */
    "  {\"image\": \"d.png\", \"patient\": \"9\", \"lesions\": [{\"severity\": \"benign\",\n"
    "    \"polygon\": [[0, 0], [4, 0], [4, 4]]}]}\n"                          /* 7 */
    "]\n";
  MscManifestOptions nf = { .policy = MSC_MANIFEST_SKIP, .no_file_checks = TRUE };
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MscManifest) m = msc_manifest_load_bytes (text, sizeof text - 1, "t.json", "/data", &nf,
                                                       &problems, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msc_manifest_get_n_cases (m), ==, 2);
  g_assert_cmpstr (msc_manifest_get_case (m, 0)->patient, ==, "7");
  g_assert_cmpstr (msc_manifest_get_case (m, 0)->image_path, ==, "/data/a.png");
  g_assert_cmpint (msc_manifest_get_case (m, 1)->label, ==, MSC_LABEL_BENIGN);
  g_assert_cmpuint (msc_manifest_get_case (m, 1)->line, ==, 7);
  g_assert_cmpuint (problems->len, ==, 3);
  g_assert_cmpstr (problems->pdata[0], ==, "t.json:3: \"radius\" is not a finite number");
  g_assert_cmpstr (problems->pdata[1], ==, "t.json:5: unknown member \"colour\"");
  g_assert_cmpstr (problems->pdata[2], ==, "t.json:6: case is not an object");
}

static void
test_subset_filter (void)
{
  g_autofree char *dir = good_dir ();
  g_autofree char *path = write_text (dir, "m.csv", good_csv);
  g_autoptr (MscManifest) m = msc_manifest_load (path, NULL, NULL, NULL);
  guint idx[] = { 2, 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (MscManifest) s = msc_manifest_subset (m, idx, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msc_manifest_get_n_cases (s), ==, 2);
  g_assert_cmpstr (msc_manifest_get_case (s, 0)->patient, ==, "P2");
  g_assert_cmpuint (msc_manifest_get_n_patients (s), ==, 2);
  guint rep[] = { 1, 1 };
  g_assert_null (msc_manifest_subset (m, rep, 2, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_clear_error (&error);
  guint out[] = { 3 };
  g_assert_null (msc_manifest_subset (m, out, 1, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (msc_manifest_subset (m, out, 0, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY);
}

static gboolean
is_malignant (const MscCase *c, gpointer data)
{
  (void) data;
  return c->label == MSC_LABEL_MALIGNANT;
}

static gboolean
never (const MscCase *c, gpointer data)
{
  (void) c, (void) data;
  return FALSE;
}

static void
test_filter (void)
{
  g_autofree char *dir = good_dir ();
  g_autofree char *path = write_text (dir, "m.csv", good_csv);
  g_autoptr (MscManifest) m = msc_manifest_load (path, NULL, NULL, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (MscManifest) f = msc_manifest_filter (m, is_malignant, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msc_manifest_get_n_cases (f), ==, 1);
  g_assert_null (msc_manifest_filter (m, never, NULL, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY);
}

/* MIAS layout: y counts from the bottom; a 1024-high image maps y=100 to
 * row 1023 - 100 = 923, a 512-high one to 511 - 100 = 411. */
static void
test_mias_tiny (void)
{
  g_autofree char *dir = msc_test_tmpdir ();
  g_free (fake_png (dir, "mdb001.png", 1024, 1024));
  g_free (fake_png (dir, "mdb002.png", 1024, 512));
  g_free (fake_png (dir, "mdb003.png", 1024, 1024));
  g_autofree char *path = write_text (dir, "labels.csv",
    "id,patient,laterality,view,tissue,abnormality,severity,x,y_from_bottom,radius\n"
    "mdb001,001,R,MLO,G,CIRC,B,300,100,20\n"
    "mdb001,001,R,MLO,G,CALC,M,,,\n"
    "mdb002,001,L,MLO,G,SPIC,B,300,100,20\n"
    "mdb003,002,R,MLO,F,NORM,,,,\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (MscManifest) m = msc_manifest_load_mias (path, dir, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msc_manifest_get_n_cases (m), ==, 3);
  const MscCase *c1 = msc_manifest_get_case (m, 0), *c2 = msc_manifest_get_case (m, 1);
  g_assert_cmpint (c1->label, ==, MSC_LABEL_MALIGNANT);   /* the malignant CALC */
  g_assert_cmpfloat (((MscLesion *) c1->lesions->pdata[0])->cy, ==, 923);
  g_assert_cmpint (((MscLesion *) c1->lesions->pdata[1])->kind, ==, MSC_LESION_NONE);
  g_assert_cmpstr (((MscLesion *) c1->lesions->pdata[1])->type, ==, "CALC");
  g_assert_cmpfloat (((MscLesion *) c2->lesions->pdata[0])->cy, ==, 411);
  g_assert_cmpint (c2->laterality, ==, MSC_LATERALITY_LEFT);
  g_assert_cmpint (msc_manifest_get_case (m, 2)->label, ==, MSC_LABEL_NORMAL);
  g_assert_cmpuint (msc_manifest_get_n_patients (m), ==, 2);

  g_autofree char *bad = write_text (dir, "bad.csv",
    "id,patient,laterality,view,tissue,abnormality,severity,x,y_from_bottom,radius\n"
    "mdb001,001,R,MLO,G,CIRC,B,300,100,20\n"
    "mdb002,001,L,MLO,G,XYZ,B,300,100,20\n"          /* 3 */
    "mdb003,002,R,MLO,F,CIRC,B,300,1024,20\n"        /* 4: y past the top */
    "mdb004,002,L,MLO,F,NORM,,,,\n"                  /* 5: no such image */
    "mdb001,001,R,MLO,G,NORM,,,,\n");                /* 6: NORM beside a finding */
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (MscManifest) m2 = msc_manifest_load_mias (bad, dir, &skip_opts, &problems, &error);
  g_assert_null (m2);
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY);
  g_assert_cmpuint (problems->len, ==, 4);
  g_assert_true (g_str_has_suffix (problems->pdata[0], "bad.csv:3: unknown abnormality 'XYZ'"));
  g_assert_true (g_str_has_suffix (problems->pdata[1], "bad.csv:2: label 'normal' but the image has 1 lesions"));
  g_assert_true (strstr (problems->pdata[2], "bad.csv:4: lesion lies outside the 1024 x 1024 image"));
  g_assert_true (strstr (problems->pdata[3], "bad.csv:5: ") && strstr (problems->pdata[3], "mdb004.png"));
}

static void
test_mias_real (void)
{
  g_autofree char *labels = msc_test_shared_path ("mias/labels.csv");
  if (labels == NULL)
    return;
  g_autofree char *images = msc_test_shared_path ("mias/images");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) problems = NULL;
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (MscManifest) m = msc_manifest_load_mias (labels, images, NULL, &problems, &error);
  g_test_message ("MIAS manifest loaded in %.1f ms", (g_get_monotonic_time () - t0) / 1000.0);
  g_assert_no_error (error);
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_cmpuint (msc_manifest_get_n_cases (m), ==, 238);
  g_assert_cmpuint (msc_manifest_get_n_patients (m), ==, 119);
  guint counts[MSC_LABEL_UNLABELLED + 1], n_lesions = 0, n_none = 0;
  msc_manifest_count_labels (m, counts);
  g_test_message ("normal %u benign %u malignant %u", counts[0], counts[1], counts[2]);
  g_assert_cmpuint (counts[0] + counts[1] + counts[2], ==, 238);
  for (guint i = 0; i < msc_manifest_get_n_cases (m); i++)
    {
      const MscCase *c = msc_manifest_get_case (m, i);
      g_assert_cmpuint (c->height, ==, 1024);
      for (guint j = 0; j < c->lesions->len; j++, n_lesions++)
        n_none += ((MscLesion *) c->lesions->pdata[j])->kind == MSC_LESION_NONE;
    }
  g_test_message ("%u findings, %u without a centre", n_lesions, n_none);
  /* labels.csv has 246 rows; mdb005 has two findings, so findings = rows - normal images. */
  g_assert_cmpuint (n_lesions, ==, 246 - counts[0]);
  /* mdb001: x 535, y_from_bottom 425 -> row 1023 - 425 = 598. */
  const MscCase *c = msc_manifest_get_case (m, 0);
  g_assert_true (g_str_has_suffix (c->image_path, "mdb001.png"));
  g_assert_cmpfloat (((MscLesion *) c->lesions->pdata[0])->cy, ==, 598);
  g_assert_cmpfloat (((MscLesion *) c->lesions->pdata[0])->cx, ==, 535);
}

/* Random byte flips, insertions and truncations of valid manifests, parsed
 * under both policies: any outcome but a crash (or an ASan report). */
static void
test_robust (void)
{
  g_autofree char *json_text = NULL;
  {
    g_autoptr (MscManifest) m = msc_manifest_load_bytes (good_csv, sizeof good_csv - 1, "g.csv", "/",
                                                         &(MscManifestOptions) { .no_file_checks = TRUE },
                                                         NULL, NULL);
    g_assert_nonnull (m);
    json_text = msc_manifest_to_json (m);
  }
  const char *seeds[] = { good_csv, json_text,
    "id,patient,laterality,view,tissue,abnormality,severity,x,y_from_bottom,radius\n"
    "mdb001,001,R,MLO,G,CIRC,B,535,425,197\nmdb002,001,L,MLO,G,NORM,,,,\n" };
  static const char alphabet[] = ",;\"\r\n[]{}: -.0123456789eE\\\xEF\xBB\xBF\x80\0";
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *mias_path = g_build_filename (dir, "l.csv", NULL);
  MscRng rng;
  msc_rng_init (&rng, 20240611);
  guint n_iter = g_test_slow () ? 100000 : 6000, n_ok = 0;
  for (guint it = 0; it < n_iter; it++)
    {
      const char *seed = seeds[it % G_N_ELEMENTS (seeds)];
      g_autoptr (GByteArray) buf = g_byte_array_new ();
      g_byte_array_append (buf, (const guint8 *) seed, (guint) strlen (seed));
      guint n_edits = 1 + (guint) msc_rng_below (&rng, 8);
      for (guint e = 0; e < n_edits && buf->len > 0; e++)
        {
          guint pos = (guint) msc_rng_below (&rng, buf->len);
          guint8 ch = (guint8) alphabet[msc_rng_below (&rng, sizeof alphabet - 1)];
          switch (msc_rng_below (&rng, 4))
            {
            case 0: buf->data[pos] = ch; break;
            case 1: buf->data[pos] ^= (guint8) (1u << msc_rng_below (&rng, 8)); break;
            case 2:
              g_byte_array_append (buf, &ch, 1);
              memmove (buf->data + pos + 1, buf->data + pos, buf->len - pos - 1);
              buf->data[pos] = ch;
              break;
            default: g_byte_array_set_size (buf, pos); break;
            }
        }
      MscManifestOptions o = { .policy = it & 1 ? MSC_MANIFEST_SKIP : MSC_MANIFEST_STRICT,
                               .no_file_checks = TRUE };
      g_autoptr (GPtrArray) problems = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (MscManifest) m = it % 3 == 2
        ? NULL : msc_manifest_load_bytes ((const char *) buf->data, buf->len, "f", "/", &o, &problems, &error);
      if (it % 3 == 2)
        {
          /* The MIAS reader only takes files. */
          g_assert_true (g_file_set_contents (mias_path, (const char *) buf->data, buf->len, NULL));
          m = msc_manifest_load_mias (mias_path, dir, &o, &problems, &error);
        }
      g_assert_true ((m == NULL) == (error != NULL));
      n_ok += m != NULL;
      if (m)
        g_free (msc_manifest_to_json (m));
    }
  g_test_message ("%u of %u mutated manifests still loaded", n_ok, n_iter);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train/manifest/csv/good", test_csv_good);
  g_test_add_func ("/train/manifest/csv/skip", test_csv_skip);
  g_test_add_func ("/train/manifest/csv/strict", test_csv_strict);
  g_test_add_func ("/train/manifest/csv/conflict", test_csv_conflict);
  g_test_add_func ("/train/manifest/missing", test_missing);
  g_test_add_func ("/train/manifest/file-level", test_file_level);
  g_test_add_func ("/train/manifest/json/roundtrip", test_json_roundtrip);
  g_test_add_func ("/train/manifest/json/problems", test_json_problems);
  g_test_add_func ("/train/manifest/subset", test_subset_filter);
  g_test_add_func ("/train/manifest/filter", test_filter);
  g_test_add_func ("/train/manifest/mias/tiny", test_mias_tiny);
  g_test_add_func ("/train/manifest/mias/real", test_mias_real);
  g_test_add_func ("/train/manifest/robust", test_robust);
  return g_test_run ();
}
