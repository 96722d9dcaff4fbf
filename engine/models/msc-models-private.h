/* engine/models/msc-models-private.h — helpers shared inside engine/models:
 * the strictness json-glib 1.6 lacks (nesting limit, duplicate keys, text
 * after the document), checked on the raw text, and error reporting. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* json-glib parses recursively, so deeply nested hostile text overflows the
 * stack; both readers refuse nesting above this before parsing. */
#define MSC_MODELS_MAX_JSON_DEPTH 64

typedef struct {
  guint depth;          /* deepest nesting of objects and arrays */
  char *duplicate;      /* first key repeated in one object, raw (nullable) */
  guint n_top_keys;     /* distinct raw keys of the top-level object */
  gboolean trailing;    /* non-space text after the first complete value */
} MscJsonScan;

/* Scans text without trusting it; stops descending past the depth limit.
 * Meaningful only for text json-glib then accepts. */
void msc_models_json_scan  (const char *text, gsize length, MscJsonScan *scan);
void msc_models_json_clear (MscJsonScan *scan);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MscJsonScan, msc_models_json_clear)

/* Sets MSC_NN_ERROR code with "FILE: message" and returns FALSE, so every
 * refusal in this folder names the model file the same way. */
gboolean msc_models_fail (GError **error, int code, const char *file, const char *fmt, ...)
  G_GNUC_PRINTF (4, 5);

G_END_DECLS
