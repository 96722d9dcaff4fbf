/* tests/engine/nn/torch-ref.h — running torch-reference.py from a test.
 *
 * Header-only (static helpers) so each nn test program can include it
 * without another library in tests/meson.build. Inputs and outputs travel
 * as raw float32 files in a temporary folder.
 */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <sys/wait.h>

#include "msc-test-util.h"

/* Writes n floats to dir/name.bin, failing the test on error. */
static G_GNUC_UNUSED void
ref_write (const char *dir, const char *name, const float *v, gsize n)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *file = g_strdup_printf ("%s.bin", name);
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_file_set_contents (path, (const char *) v, (gssize) (n * sizeof (float)), &error);
  g_assert_no_error (error);
}

/* Reads dir/name.bin, which must hold exactly n floats (transfer full). */
static G_GNUC_UNUSED float *
ref_read (const char *dir, const char *name, gsize n)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *file = g_strdup_printf ("%s.bin", name);
  g_autofree char *path = g_build_filename (dir, file, NULL);
  char *data = NULL;
  gsize len = 0;
  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (len, ==, n * sizeof (float));
  return (float *) data;
}

/* A fresh folder under the test's temporary folder (transfer full). */
static G_GNUC_UNUSED char *
ref_case_dir (const char *name)
{
  static char *root = NULL;
  if (root == NULL)
    root = msc_test_tmpdir ();
  char *dir = g_build_filename (root, name, NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  return dir;
}

/* Runs the reference script on the JSON spec; FALSE after g_test_skip when
 * torch (or python) is missing. stdout_out (nullable) receives its output. */
static G_GNUC_UNUSED gboolean
ref_run (const char *json, char **stdout_out)
{
  g_autoptr (GError) error = NULL;
  const char *python = g_getenv ("MSC_PYTHON") ? g_getenv ("MSC_PYTHON") : "/usr/bin/python3";
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "engine", "nn",
                                                   "torch-reference.py", NULL);
  g_autofree char *dir = ref_case_dir ("spec");
  g_autofree char *spec = g_build_filename (dir, "spec.json", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  if (!g_file_test (python, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_autofree char *msg = g_strdup_printf ("%s not found: no PyTorch reference", python);
      g_test_skip (msg);
      return FALSE;
    }
  g_file_set_contents (spec, json, -1, &error);
  g_assert_no_error (error);
  const char *argv[] = { python, script, spec, NULL };
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error (error);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 77)
    {
      g_autofree char *msg = g_strdup_printf ("PyTorch reference unavailable: %s", g_strstrip (err));
      g_test_skip (msg);
      return FALSE;
    }
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("torch-reference.py failed (%s): %s", error->message, err);
  if (stdout_out)
    *stdout_out = g_steal_pointer (&out);
  return TRUE;
}

/* max |a - b| <= rel * max (1, max |b|), b the reference. */
static G_GNUC_UNUSED void
ref_assert_close (const char *what, const float *a, const float *b, gsize n, double rel)
{
  double max_diff = 0, max_ref = 1;
  gsize worst = 0;
  for (gsize i = 0; i < n; i++)
    {
      double d = fabs ((double) a[i] - b[i]);
      g_assert_true (isfinite (a[i]));
      if (d > max_diff)
        max_diff = d, worst = i;
      max_ref = MAX (max_ref, fabs ((double) b[i]));
    }
  if (max_diff > rel * max_ref)
    g_error ("%s: max |diff| %.3g at [%" G_GSIZE_FORMAT "] (%.7g vs reference %.7g) > %.1g * %.3g",
             what, max_diff, worst, (double) a[worst], (double) b[worst], rel, max_ref);
}
