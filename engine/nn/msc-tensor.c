/* engine/nn/msc-tensor.c — dense float32 tensors.
 *
 * Owned data is 64-byte aligned so AVX-512 loads never split cache lines.
 */
#include "msc-tensor.h"
#include "msc-nn-error.h"

#include <string.h>

struct _MscTensor {
  gint64 shape[MSC_TENSOR_MAX_DIMS];
  guint n_dims;
  gint64 numel;
  float *data;
  gboolean owns_data;
};

gboolean
msc_shape_numel (const gint64 *shape, guint n_dims, gint64 *numel)
{
  if (n_dims == 0 || n_dims > MSC_TENSOR_MAX_DIMS)
    return FALSE;
  guint64 total = 1;
  for (guint i = 0; i < n_dims; i++)
    {
      if (shape[i] < 1 || !g_uint64_checked_mul (&total, total, (guint64) shape[i]) ||
          total > G_MAXINT64 / sizeof (float))
        return FALSE;
    }
  *numel = (gint64) total;
  return TRUE;
}

static MscTensor *
tensor_alloc (const gint64 *shape, guint n_dims, GError **error)
{
  gint64 numel;
  if (!msc_shape_numel (shape, n_dims, &numel))
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE,
                   "invalid tensor shape (%u dimensions, each must be >= 1, total must fit in memory)",
                   n_dims);
      return NULL;
    }
  MscTensor *self = g_new0 (MscTensor, 1);
  memcpy (self->shape, shape, n_dims * sizeof (gint64));
  self->n_dims = n_dims;
  self->numel = numel;
  return self;
}

MscTensor *
msc_tensor_new (const gint64 *shape, guint n_dims, GError **error)
{
  MscTensor *self = tensor_alloc (shape, n_dims, error);
  if (self == NULL)
    return NULL;
  gsize bytes = (gsize) self->numel * sizeof (float);
  self->data = g_aligned_alloc0 (1, bytes, 64);
  self->owns_data = TRUE;
  return self;
}

MscTensor *
msc_tensor_new_view (float *data, const gint64 *shape, guint n_dims, GError **error)
{
  g_return_val_if_fail (data != NULL, NULL);
  MscTensor *self = tensor_alloc (shape, n_dims, error);
  if (self)
    self->data = data;
  return self;
}

void
msc_tensor_free (MscTensor *self)
{
  if (self == NULL)
    return;
  if (self->owns_data)
    g_aligned_free (self->data);
  g_free (self);
}

float *msc_tensor_data (MscTensor *self) { return self->data; }
const float *msc_tensor_data_const (const MscTensor *self) { return self->data; }
guint msc_tensor_n_dims (const MscTensor *self) { return self->n_dims; }
gint64 msc_tensor_numel (const MscTensor *self) { return self->numel; }

gint64
msc_tensor_dim (const MscTensor *self, guint axis)
{
  g_return_val_if_fail (axis < self->n_dims, 0);
  return self->shape[axis];
}

gboolean
msc_tensor_same_shape (const MscTensor *a, const MscTensor *b)
{
  return a->n_dims == b->n_dims && memcmp (a->shape, b->shape, a->n_dims * sizeof (gint64)) == 0;
}

char *
msc_tensor_shape_string (const MscTensor *self)
{
  GString *s = g_string_new ("(");
  for (guint i = 0; i < self->n_dims; i++)
    g_string_append_printf (s, i ? ", %" G_GINT64_FORMAT : "%" G_GINT64_FORMAT, self->shape[i]);
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}
