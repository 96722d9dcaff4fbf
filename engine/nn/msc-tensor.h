/* engine/nn/msc-tensor.h — dense float32 tensors, NCHW, contiguous.
 *
 * A tensor either owns its 64-byte-aligned data or views someone else's
 * (a parameter block, an arena). Up to 4 dimensions; sizes are checked
 * for overflow at creation.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MSC_TENSOR_MAX_DIMS 4

typedef struct _MscTensor MscTensor;

/* Zero-filled tensor of shape[0..n_dims-1]; every dimension >= 1. */
MscTensor   *msc_tensor_new      (const gint64 *shape, guint n_dims, GError **error);
/* A view over data (not owned, must outlive the tensor). */
MscTensor   *msc_tensor_new_view (float *data, const gint64 *shape, guint n_dims, GError **error);
void         msc_tensor_free     (MscTensor *self);                 /* NULL-safe */

float       *msc_tensor_data     (MscTensor *self);                 /* (transfer none) */
const float *msc_tensor_data_const (const MscTensor *self);
guint        msc_tensor_n_dims   (const MscTensor *self);
gint64       msc_tensor_dim      (const MscTensor *self, guint axis);
gint64       msc_tensor_numel    (const MscTensor *self);
gboolean     msc_tensor_same_shape (const MscTensor *a, const MscTensor *b);
/* "(2, 3, 64, 64)" (transfer full), for messages. */
char        *msc_tensor_shape_string (const MscTensor *self);

/* Element count of a shape, FALSE on overflow or a dimension < 1. */
gboolean     msc_shape_numel     (const gint64 *shape, guint n_dims, gint64 *numel);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscTensor, msc_tensor_free)

G_END_DECLS
