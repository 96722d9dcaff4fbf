/* engine/models/msc-json-scan.c — a raw pass over JSON text before and
 * after json-glib: nesting depth (json-glib recurses), duplicate keys (it
 * keeps the last silently) and trailing text (it ignores it). Keys are
 * compared as written; "a" and "\u0061" are told apart by the caller. */
#include "msc-models-private.h"
#include "msc-nn-error.h"

#include <string.h>

void
msc_models_json_clear (MscJsonScan *scan)
{
  g_clear_pointer (&scan->duplicate, g_free);
}

void
msc_models_json_scan (const char *text, gsize length, MscJsonScan *scan)
{
  GHashTable *keys[MSC_MODELS_MAX_JSON_DEPTH + 2] = { NULL };   /* NULL for arrays */
  gboolean expect_key[MSC_MODELS_MAX_JSON_DEPTH + 2] = { FALSE };
  guint depth = 0;
  gsize i = 0;
  memset (scan, 0, sizeof *scan);
  for (; i < length; i++)
    {
      char c = text[i];
      if (c == '"')
        {
          gsize start = ++i;
          while (i < length && text[i] != '"')
            i += text[i] == '\\' ? 2 : 1;
          if (depth > 0 && keys[depth] && expect_key[depth])
            {
              char *key = g_strndup (text + start, MIN (i, length) - start);
              if (!g_hash_table_add (keys[depth], key) && scan->duplicate == NULL)
                scan->duplicate = g_strdup (key);
              expect_key[depth] = FALSE;
            }
        }
      else if (c == '{' || c == '[')
        {
          if (++depth > scan->depth)
            scan->depth = depth;
          if (depth > MSC_MODELS_MAX_JSON_DEPTH)
            break;
          keys[depth] = c == '{' ? g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL) : NULL;
          expect_key[depth] = c == '{';
        }
      else if ((c == '}' || c == ']') && depth > 0)
        {
          if (depth == 1 && keys[1])
            scan->n_top_keys = g_hash_table_size (keys[1]);
          g_clear_pointer (&keys[depth], g_hash_table_unref);
          if (--depth == 0)
            {
              i++;
              break;
            }
        }
      else if (c == ',' && depth > 0 && keys[depth])
        expect_key[depth] = TRUE;
    }
  for (; i < length; i++)
    if (!g_ascii_isspace (text[i]))
      {
        scan->trailing = TRUE;
        break;
      }
  for (guint d = 0; d < G_N_ELEMENTS (keys); d++)
    g_clear_pointer (&keys[d], g_hash_table_unref);
}

gboolean
msc_models_fail (GError **error, int code, const char *file, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, MSC_NN_ERROR, code, "%s: %s", file, msg);
  return FALSE;
}
