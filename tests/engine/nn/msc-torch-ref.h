/* tests/engine/nn/msc-torch-ref.h — PyTorch parity for the kernel tests.
 * A test declares cases (op, JSON params, float32 inputs written as raw
 * files into a temp dir), runs torch-ops-reference.py once over all of
 * them, then compares its outputs with ours:
 * max|a - b| <= tol * max(1, max|b|). Header-only: each test includes it.
 */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include "msc-test-util.h"

typedef struct {
  char *dir;
  GString *json;          /* {"cases": [ ... */
  guint n_cases;
  guint n_inputs;         /* of the open case */
} MscTorchRef;

static G_GNUC_UNUSED MscTorchRef *
msc_torch_ref_new (void)
{
  MscTorchRef *r = g_new0 (MscTorchRef, 1);
  r->dir = msc_test_tmpdir ();
  r->json = g_string_new ("{\"cases\": [");
  return r;
}

static G_GNUC_UNUSED void
msc_torch_ref_free (MscTorchRef *r)
{
  g_free (r->dir);
  g_string_free (r->json, TRUE);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscTorchRef, msc_torch_ref_free)

static G_GNUC_UNUSED void
msc_torch_ref_close_case (MscTorchRef *r)
{
  if (r->n_cases > 0)
    g_string_append (r->json, "}}");
}

/* Opens case `id`: op name and a JSON object of parameters ("{}" if none).
 * grads: comma-separated input names torch should differentiate ("" none). */
static G_GNUC_UNUSED void
msc_torch_ref_case (MscTorchRef *r, const char *id, const char *op, const char *params, const char *grads)
{
  msc_torch_ref_close_case (r);
  g_string_append_printf (r->json, "%s\n{\"id\": \"%s\", \"op\": \"%s\", \"params\": %s, \"grads\": [",
                          r->n_cases ? "," : "", id, op, params);
  g_auto (GStrv) names = g_strsplit (grads, ",", -1);
  for (guint i = 0; names[i] && *names[i]; i++)
    g_string_append_printf (r->json, "%s\"%s\"", i ? ", " : "", names[i]);
  g_string_append (r->json, "], \"inputs\": {");
  r->n_cases++;
  r->n_inputs = 0;
}

/* Adds input `name` of the open case: shape[0..nd-1], data written raw. */
static G_GNUC_UNUSED void
msc_torch_ref_input (MscTorchRef *r, const char *name, const float *data, const gint64 *shape, guint nd)
{
  g_autoptr (GError) error = NULL;
  gsize n = 1;
  g_string_append_printf (r->json, "%s\"%s\": [", r->n_inputs++ ? ", " : "", name);
  for (guint i = 0; i < nd; i++)
    {
      g_string_append_printf (r->json, "%s%" G_GINT64_FORMAT, i ? ", " : "", shape[i]);
      n *= (gsize) shape[i];
    }
  g_string_append (r->json, "]");
  /* The case id is the last "id" written. */
  const char *idp = g_strrstr (r->json->str, "{\"id\": \"") + 8;
  g_autofree char *id = g_strndup (idp, strchr (idp, '"') - idp);
  g_autofree char *file = g_strdup_printf ("%s/%s.%s.bin", r->dir, id, name);
  g_file_set_contents (file, (const char *) data, (gssize) (n * sizeof (float)), &error);
  g_assert_no_error (error);
}

/* Runs the reference over every case; FALSE after g_test_skip when torch is
 * missing. */
static G_GNUC_UNUSED gboolean
msc_torch_ref_run (MscTorchRef *r)
{
  g_autoptr (GError) error = NULL;
  msc_torch_ref_close_case (r);
  g_string_append (r->json, "]}\n");
  g_autofree char *spec = g_build_filename (r->dir, "spec.json", NULL);
  g_file_set_contents (spec, r->json->str, -1, &error);
  g_assert_no_error (error);
  const char *python = g_getenv ("MSC_PYTHON") ? g_getenv ("MSC_PYTHON") : "/usr/bin/python3";
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "engine", "nn", "torch-ops-reference.py", NULL);
  const char *argv[] = { python, script, r->dir, NULL };
  g_autofree char *out = NULL, *err = NULL;
  int status = 0;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error))
    {
      g_autofree char *msg = g_strdup_printf ("cannot run %s: %s", python, error->message);
      g_test_skip (msg);
      return FALSE;
    }
  if (WIFEXITED (status) && WEXITSTATUS (status) == 77)
    {
      g_autofree char *msg = g_strdup_printf ("PyTorch reference unavailable: %s", g_strstrip (err));
      g_test_skip (msg);
      return FALSE;
    }
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("torch-ops-reference.py failed: %s\n%s", error->message, err);
  return TRUE;
}

/* Compares n values of output `name` of case `id` with ours. */
static G_GNUC_UNUSED void
msc_torch_ref_compare (MscTorchRef *r, const char *id, const char *name, const float *got, gsize n, double tol)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *file = g_strdup_printf ("%s/%s.%s.bin", r->dir, id, name);
  g_autofree char *data = NULL;
  gsize len = 0;
  g_file_get_contents (file, &data, &len, &error);
  g_assert_no_error (error);
  if (len != n * sizeof (float))
    g_error ("%s.%s: torch wrote %zu floats, we have %zu", id, name, len / sizeof (float), n);
  const float *want = (const float *) data;
  double max_ref = 1.0, max_diff = 0.0;
  gsize worst = 0;
  for (gsize i = 0; i < n; i++)
    {
      max_ref = fmax (max_ref, fabs (want[i]));
      double d = fabs ((double) got[i] - want[i]);
      if (!(d <= max_diff))   /* NaN counts as worst */
        {
          max_diff = isnan (d) ? INFINITY : d;
          worst = i;
        }
    }
  if (max_diff > tol * max_ref)
    g_error ("%s.%s: |ours - torch| = %g at %zu (ours %.8g, torch %.8g) exceeds %g", id, name, max_diff,
             worst, got[worst], want[worst], tol * max_ref);
}
