/* tests/fuzz/fuzz-graph.c — libFuzzer harness for the JSON graph parser.
 * Any input must give a graph or an error, and a graph must serialise and
 * parse back; sanitizers catch the rest. */
#include "msc-graph.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  GError *error = NULL;
  MscGraph *g = msc_graph_load_data ((const char *) data, size, "fuzz.json", &error);
  g_assert ((g == NULL) != (error == NULL));
  if (g != NULL)
    {
      gsize len = 0;
      char *json = msc_graph_to_json (g, &len);
      MscGraph *again = msc_graph_load_data (json, len, "again.json", &error);
      g_assert_no_error (error);
      g_assert_cmpuint (msc_graph_get_n_params (again), ==, msc_graph_get_n_params (g));
      msc_graph_free (again);
      g_free (json);
    }
  msc_graph_free (g);
  g_clear_error (&error);
  return 0;
}
