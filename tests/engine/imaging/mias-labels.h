/* tests/engine/imaging/mias-labels.h — the MIAS labels.csv (laterality and
 * finding centres) for the breast and pectoral tests. Header-only: two
 * test programs use it and nothing else should.
 */
#pragma once

#include <glib.h>
#include <stdlib.h>
#include "msc-test-util.h"

typedef struct {
  guint number;               /* mdbNNN */
  gboolean left;              /* laterality L */
  guint n_centres;
  guint x[4], row[4];         /* finding centres; row = 1023 - y_from_bottom */
} MiasCase;

/* Every image of labels.csv, in file order, one entry per image; NULL
 * after a skip when the shared data is missing. (transfer full) */
static inline GArray *
mias_labels_load (void)
{
  g_autofree char *path = msc_test_shared_path ("mias/labels.csv");
  if (path == NULL)
    return NULL;
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GArray *cases = g_array_new (FALSE, TRUE, sizeof (MiasCase));
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], ",", -1);
      if (g_strv_length (f) < 10)
        continue;
      guint number = (guint) strtoul (f[0] + 3, NULL, 10);
      MiasCase *c = cases->len ? &g_array_index (cases, MiasCase, cases->len - 1) : NULL;
      if (c == NULL || c->number != number)
        {
          MiasCase fresh = { number, g_str_equal (f[2], "L"), 0, { 0 }, { 0 } };
          g_array_append_val (cases, fresh);
          c = &g_array_index (cases, MiasCase, cases->len - 1);
        }
      if (f[7][0] != '\0' && c->n_centres < G_N_ELEMENTS (c->x))
        {
          c->x[c->n_centres] = (guint) strtoul (f[7], NULL, 10);
          c->row[c->n_centres] = 1023 - (guint) strtoul (f[8], NULL, 10);
          c->n_centres++;
        }
    }
  return cases;
}
