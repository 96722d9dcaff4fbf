/* tests/engine/nn/test-tensor.c — tensor creation, views, shape checks. */
#include "msc-tensor.h"
#include "msc-nn-error.h"

static void
test_new (void)
{
  g_autoptr (GError) error = NULL;
  gint64 shape[] = { 2, 3, 4, 5 };
  g_autoptr (MscTensor) t = msc_tensor_new (shape, 4, &error);
  g_assert_no_error (error);
  g_assert_cmpint (msc_tensor_numel (t), ==, 120);
  g_assert_cmpint (msc_tensor_dim (t, 2), ==, 4);
  g_assert_cmpuint ((guintptr) msc_tensor_data (t) % 64, ==, 0);
  for (gint64 i = 0; i < 120; i++)
    g_assert_cmpfloat (msc_tensor_data (t)[i], ==, 0.0f);
  g_autofree char *s = msc_tensor_shape_string (t);
  g_assert_cmpstr (s, ==, "(2, 3, 4, 5)");
}

static void
test_bad_shapes (void)
{
  gint64 zero[] = { 2, 0 };
  gint64 huge[] = { G_MAXINT64 / 2, 4 };
  gint64 ok[] = { 1, 1, 1, 1, 1 };
  g_autoptr (GError) error = NULL;
  g_assert_null (msc_tensor_new (zero, 2, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE);
  g_clear_error (&error);
  g_assert_null (msc_tensor_new (huge, 2, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE);
  g_clear_error (&error);
  g_assert_null (msc_tensor_new (ok, 5, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE);
  msc_tensor_free (NULL);
}

static void
test_view (void)
{
  float block[12] = { 0 };
  gint64 shape[] = { 3, 4 };
  g_autoptr (MscTensor) a = msc_tensor_new_view (block, shape, 2, NULL);
  g_autoptr (MscTensor) b = msc_tensor_new (shape, 2, NULL);
  msc_tensor_data (a)[5] = 7.0f;
  g_assert_cmpfloat (block[5], ==, 7.0f);
  g_assert_true (msc_tensor_same_shape (a, b));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nn/tensor/new", test_new);
  g_test_add_func ("/nn/tensor/bad-shapes", test_bad_shapes);
  g_test_add_func ("/nn/tensor/view", test_view);
  return g_test_run ();
}
