/* engine/models/msc-models-private.h — helpers shared inside engine/models. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* json-glib parses recursively, so deeply nested hostile text overflows the
 * stack; both readers refuse nesting above this before parsing. */
#define MSC_MODELS_MAX_JSON_DEPTH 64

/* Deepest nesting of objects and arrays in text, strings skipped. */
guint msc_models_json_depth (const char *text, gsize length);

G_END_DECLS
