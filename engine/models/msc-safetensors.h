/* engine/models/msc-safetensors.h — model weights in the safetensors format.
 *
 * Loading validates the whole file before anything is returned: header
 * length, JSON, dtypes, shapes, offsets that tile the data exactly, finite
 * values. Weights are kept as float32 in one 64-byte-aligned block.
 *
 *   g_autoptr (MscSafetensors) st = msc_safetensors_load ("unet.safetensors", &error);
 *   MscTensor *w = msc_safetensors_get (st, "enc1.conv1.weight");   // borrowed
 */
#pragma once

#include <glib.h>

#include "msc-tensor.h"

G_BEGIN_DECLS

/* A header above this is refused before it is read: real headers are a few
 * hundred bytes per tensor, and a hostile length must not become a malloc. */
#define MSC_SAFETENSORS_MAX_HEADER   (100u * 1024u * 1024u)
#define MSC_SAFETENSORS_MAX_TENSORS  100000u

typedef struct _MscSafetensors MscSafetensors;

/* Reads path with one mapping (no per-tensor seeks). F32, F16 and BF16 are
 * accepted (the latter two widened to F32); other dtypes are refused with
 * MSC_NN_ERROR_UNSUPPORTED. A scalar (shape []) becomes shape (1). */
MscSafetensors *msc_safetensors_load       (const char *path, GError **error);
/* The same from memory; name is used in messages only. */
MscSafetensors *msc_safetensors_load_bytes (const guint8 *data, gsize size,
                                            const char *name, GError **error);
void            msc_safetensors_free       (MscSafetensors *self);   /* NULL-safe */

/* Tensor names sorted with strcmp, NULL-terminated (transfer none). */
const char * const *msc_safetensors_get_names (const MscSafetensors *self);
guint           msc_safetensors_get_n_tensors (const MscSafetensors *self);
/* (transfer none) (nullable): NULL when there is no tensor of that name. */
MscTensor      *msc_safetensors_get        (MscSafetensors *self, const char *name);
/* The dtype as stored ("F32", "F16", "BF16"), or NULL when absent. */
const char     *msc_safetensors_get_dtype  (const MscSafetensors *self, const char *name);
/* A "__metadata__" value (transfer none) (nullable). */
const char     *msc_safetensors_get_metadata (const MscSafetensors *self, const char *key);
/* Every "__metadata__" pair, a new string -> string table (transfer full). */
GHashTable     *msc_safetensors_dup_metadata (const MscSafetensors *self);
/* The file name used in messages (transfer none). */
const char     *msc_safetensors_get_filename (const MscSafetensors *self);

/* Writes tensors as F32 sorted by name, header padded with spaces to a
 * multiple of 8 bytes, through a temporary file in the same folder that is
 * renamed over path (a crash never leaves a half-written model).
 * metadata: (nullable) string -> string. Names must be unique and non-empty;
 * values must be finite (the loader would refuse them). */
gboolean        msc_safetensors_save       (const char *path,
                                            const char * const *names,
                                            MscTensor * const *tensors,
                                            guint n_tensors,
                                            GHashTable *metadata,
                                            GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscSafetensors, msc_safetensors_free)

G_END_DECLS
