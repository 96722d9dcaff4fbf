/* tests/engine/models/test-graph.c — JSON graphs: validation failures,
 * topological order, shape propagation into parameter shapes, weight
 * checks, round trips, and every preset in data/models/presets. */
#include "msc-graph.h"
#include "msc-nn-error.h"
#include "msc-test-util.h"

#include <string.h>

static char *tmpdir;

/* Graph text with single quotes for readability: ' becomes ". */
static char *
graph_json (const char *inputs_shape, const char *outputs, const char *nodes)
{
  char *s = g_strdup_printf ("{'format':'mammoscope-graph','version':1,'name':'t',"
                             "'inputs':[{'name':'image','shape':%s}],'outputs':%s,'nodes':[%s]}",
                             inputs_shape, outputs, nodes);
  g_strdelimit (s, "'", '"');
  return s;
}

static MscGraph *
load_ok (const char *nodes, const char *outputs)
{
  g_autofree char *json = graph_json ("[null,1,null,null]", outputs, nodes);
  g_autoptr (GError) error = NULL;
  MscGraph *g = msc_graph_load_data (json, strlen (json), "ok.json", &error);
  g_assert_no_error (error);
  return g;
}

static void
expect_fail_full (const char *json, int code, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscGraph) g = msc_graph_load_data (json, strlen (json), "dir/bad.json", &error);
  g_assert_null (g);
  g_assert_error (error, MSC_NN_ERROR, code);
  if (!g_str_has_prefix (error->message, "bad.json: ") || !strstr (error->message, fragment))
    g_error ("message \"%s\" lacks \"%s\" or the file name", error->message, fragment);
}

static void
expect_fail (const char *nodes, const char *outputs, const char *fragment)
{
  g_autofree char *json = graph_json ("[null,1,null,null]", outputs, nodes);
  expect_fail_full (json, MSC_NN_ERROR_INVALID, fragment);
}

#define CONV(name, input, out) \
  "{'name':'" name "','op':'conv2d','inputs':['" input "'],'params':{'out_channels':" #out ",'kernel':3,'padding':1}}"
#define RELU(name, input) "{'name':'" name "','op':'relu','inputs':['" input "']}"

static void
test_basic (void)
{
  g_autoptr (MscGraph) g = load_ok (CONV ("c1", "image", 8) "," RELU ("r1", "c1") ","
                                    "{'name':'head','op':'conv2d','inputs':['r1'],"
                                    "'params':{'out_channels':2,'kernel':1,'bias':false}}", "['head']");
  g_assert_cmpstr (msc_graph_get_name (g), ==, "t");
  g_assert_cmpuint (msc_graph_get_n_nodes (g), ==, 3);
  g_assert_cmpuint (msc_graph_get_n_inputs (g), ==, 1);
  g_assert_cmpstr (msc_graph_get_input (g, 0), ==, "image");
  g_assert_cmpstr (msc_graph_get_output (g, 0), ==, "head");
  const MscGraphNode *c1 = msc_graph_find_node (g, "c1");
  g_assert_cmpstr (msc_graph_node_get_op (c1), ==, "conv2d");
  g_assert_cmpstr (msc_graph_node_get_input (c1, 0), ==, "image");
  g_assert_cmpint (json_object_get_int_member (msc_graph_node_get_params (c1), "out_channels"), ==, 8);
  g_assert_null (msc_graph_find_node (g, "image"));
  g_assert_null (msc_graph_find_node (g, "nope"));

  /* c1.weight (8, 1, 3, 3), c1.bias (8), head.weight (2, 8, 1, 1); no head.bias. */
  g_assert_cmpuint (msc_graph_get_n_params (g), ==, 3);
  gint64 shape[4];
  guint n;
  g_assert_cmpstr (msc_graph_get_param (g, 0, shape, &n), ==, "c1.weight");
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpint (shape[0], ==, 8);
  g_assert_cmpint (shape[1], ==, 1);
  g_assert_cmpint (shape[3], ==, 3);
  g_assert_cmpstr (msc_graph_get_param (g, 1, shape, &n), ==, "c1.bias");
  g_assert_cmpstr (msc_graph_get_param (g, 2, shape, &n), ==, "head.weight");
  g_assert_cmpint (shape[1], ==, 8);
}

static void
test_topo_order (void)
{
  /* Written consumer-first; the order must still put producers first. */
  g_autoptr (MscGraph) g = load_ok (RELU ("r2", "c1") "," "{'name':'sum','op':'add','inputs':['r2','c1']},"
                                    CONV ("c1", "image", 4), "['sum']");
  const guint *order = msc_graph_get_topo_order (g);
  g_assert_cmpstr (msc_graph_node_get_name (msc_graph_get_node (g, order[0])), ==, "c1");
  g_assert_cmpstr (msc_graph_node_get_name (msc_graph_get_node (g, order[1])), ==, "r2");
  g_assert_cmpstr (msc_graph_node_get_name (msc_graph_get_node (g, order[2])), ==, "sum");
}

static void
test_shapes (void)
{
  g_autofree char *json = graph_json ("[2,3,64,48]", "['fc','up','cat','sm']",
    "{'name':'c','op':'conv2d','inputs':['image'],'params':{'out_channels':8,'kernel':3,'stride':2,'padding':1}},"
    "{'name':'p','op':'max_pool','inputs':['c'],'params':{'kernel':2}},"
    "{'name':'up','op':'conv_transpose2d','inputs':['p'],'params':{'out_channels':4,'kernel':2,'stride':2}},"
    "{'name':'cat','op':'concat','inputs':['up','up','c']},"
    "{'name':'gn','op':'group_norm','inputs':['cat'],'params':{'groups':4}},"
    "{'name':'g','op':'global_avg_pool','inputs':['gn']},"
    "{'name':'f','op':'flatten','inputs':['g']},"
    "{'name':'fc','op':'dense','inputs':['f'],'params':{'out_features':5}},"
    "{'name':'sm','op':'softmax','inputs':['fc'],'params':{'axis':-1}}");
  g_autoptr (GError) error = NULL;
  g_autoptr (MscGraph) g = msc_graph_load_data (json, strlen (json), "s.json", &error);
  g_assert_no_error (error);
  gint64 s[4];
  g_assert_cmpuint (msc_graph_node_get_output_shape (msc_graph_find_node (g, "c"), s), ==, 4);
  g_assert_cmpint (s[2], ==, 32);
  g_assert_cmpint (s[3], ==, 24);
  msc_graph_node_get_output_shape (msc_graph_find_node (g, "up"), s);
  g_assert_cmpint (s[1], ==, 4);
  g_assert_cmpint (s[2], ==, 32);
  msc_graph_node_get_output_shape (msc_graph_find_node (g, "cat"), s);
  g_assert_cmpint (s[1], ==, 16);
  g_assert_cmpuint (msc_graph_node_get_output_shape (msc_graph_find_node (g, "fc"), s), ==, 2);
  g_assert_cmpint (s[0], ==, 2);
  g_assert_cmpint (s[1], ==, 5);
  /* up.weight follows PyTorch's transposed layout (in, out, k, k). */
  for (guint i = 0; i < msc_graph_get_n_params (g); i++)
    {
      guint n;
      const char *name = msc_graph_get_param (g, i, s, &n);
      if (strcmp (name, "up.weight") == 0)
        {
          g_assert_cmpint (s[0], ==, 8);
          g_assert_cmpint (s[1], ==, 4);
        }
      else if (strcmp (name, "fc.weight") == 0)
        {
          g_assert_cmpint (s[0], ==, 5);
          g_assert_cmpint (s[1], ==, 16);
        }
    }
}

static void
test_errors (void)
{
  expect_fail ("{'name':'x','op':'conv3d','inputs':['image']}", "['x']", "node 'x': unknown op \"conv3d\"");
  expect_fail (RELU ("a", "b") "," RELU ("b", "c") "," RELU ("c", "a") "," RELU ("out", "image"),
               "['out']", "cycle: a -> c -> b -> a");
  expect_fail (RELU ("a", "a"), "['a']", "cycle: a -> a");
  expect_fail (RELU ("a", "missing"), "['a']", "node 'a' (relu): input 'missing' is neither");
  expect_fail (RELU ("a", "image") "," RELU ("a", "image"), "['a']", "name 'a' is defined twice");
  expect_fail (RELU ("image", "image"), "['image']", "name 'image' is defined twice");
  expect_fail (RELU ("a", "image"), "['b']", "output 'b' is not a node");
  expect_fail ("{'name':'c','op':'conv2d','inputs':['image'],'params':{'out_channels':8,'kernel':3,'strides':2}}",
               "['c']", "node 'c' (conv2d): unknown param \"strides\" (allowed: out_channels, kernel");
  expect_fail ("{'name':'c','op':'conv2d','inputs':['image'],'params':{'out_channels':8}}",
               "['c']", "param \"kernel\" is required");
  expect_fail ("{'name':'c','op':'conv2d','inputs':['image'],'params':{'out_channels':0,'kernel':3}}",
               "['c']", "param \"out_channels\" must be an integer >= 1");
  expect_fail ("{'name':'c','op':'conv2d','inputs':['image'],'params':{'out_channels':2.5,'kernel':3}}",
               "['c']", "param \"out_channels\" must be an integer >= 1");
  expect_fail ("{'name':'c','op':'conv2d','inputs':['image'],'params':{'out_channels':8,'kernel':3,'bias':1}}",
               "['c']", "param \"bias\" must be true or false");
  expect_fail ("{'name':'c','op':'conv2d','inputs':['image'],'params':{'out_channels':8,'kernel':3,'kernel':5}}",
               "['c']", "key \"kernel\" appears twice in one object");
  expect_fail ("{'name':'d','op':'dropout','inputs':['image'],'params':{'p':1.0}}",
               "['d']", "param \"p\" must be a number in [0, 1)");
  expect_fail ("{'name':'r','op':'relu','inputs':['image'],'params':{'inplace':true}}",
               "['r']", "unknown param \"inplace\" (allowed: none)");
  expect_fail ("{'name':'c','op':'conv2d','inputs':['image'],'params':{'out_channels':8,'kernel':3,'groups':2}}",
               "['c']", "groups 2 does not divide 1 input");
  expect_fail ("{'name':'a','op':'add','inputs':['image']}", "['a']", "takes 2 inputs, got 1");
  expect_fail ("{'name':'a','op':'concat','inputs':['image']}", "['a']", "takes 2 or more inputs, got 1");
  expect_fail ("{'name':'a','op':'relu','inputs':['image','image']}", "['a']", "takes 1 inputs, got 2");
  expect_fail ("{'name':'a','op':'relu','inputs':'image'}", "['a']", "needs \"op\" (string), \"inputs\" (array)");
  expect_fail ("{'name':'a','op':'relu','inputs':['image'],'extra':1}", "['a']", "members other than");
  expect_fail ("{'name':'a','op':'relu','inputs':[3]}", "['a']", "input 0 is not a string");
  expect_fail ("{'op':'relu','inputs':['image']}", "['a']", "node 0 has no \"name\"");
  expect_fail ("{'name':'d','op':'dense','inputs':['image'],'params':{'out_features':3}}",
               "['d']", "neither (N, F) nor (N, C, 1, 1)");
  expect_fail ("{'name':'r','op':'resize_bilinear','inputs':['image']}", "['r']", "give either \"scale\"");
  expect_fail ("{'name':'p','op':'max_pool','inputs':['image'],'params':{'kernel':2,'padding':2}}",
               "['p']", "padding 2 exceeds half the kernel");
  expect_fail ("{'name':'s','op':'softmax','inputs':['image'],'params':{'axis':4}}", "['s']", "axis 4 is out of range");
  expect_fail ("{'name':'g','op':'group_norm','inputs':['image'],'params':{'groups':2}}", "['g']",
               "2 groups do not divide 1 channels");
  expect_fail ("{'name':'c','op':'conv2d','inputs':['image'],'params':{'out_channels':1,'kernel':1099511627776}}",
               "['c']", "exceeds");
}

static void
test_bad_documents (void)
{
  expect_fail_full ("[1,2]", MSC_NN_ERROR_INVALID, "not a JSON object");
  expect_fail_full ("{\"format\":\"mammoscope-graph\"} {}", MSC_NN_ERROR_INVALID, "text after the document");
  expect_fail_full ("{\"format\":", MSC_NN_ERROR_INVALID, "not valid JSON");
  expect_fail_full ("{\"format\":\"onnx\"}", MSC_NN_ERROR_INVALID, "\"format\" is not \"mammoscope-graph\"");
  expect_fail_full ("{\"format\":\"mammoscope-graph\",\"version\":2}", MSC_NN_ERROR_UNSUPPORTED,
                    "graph version 2 is not supported");
  expect_fail_full ("{\"format\":\"mammoscope-graph\",\"version\":1,\"name\":\"t\",\"inputs\":[],"
                    "\"outputs\":[\"x\"],\"nodes\":[]}", MSC_NN_ERROR_INVALID, "1 to 64 inputs");
  expect_fail_full ("{\"format\":\"mammoscope-graph\",\"version\":1,\"name\":\"t\",\"extra\":1}",
                    MSC_NN_ERROR_INVALID, "unknown member \"extra\"");
  g_autofree char *zero = graph_json ("[null,0,null,null]", "['image']", "");
  expect_fail_full (zero, MSC_NN_ERROR_INVALID, "input 'image': shape[1] must be null or a positive integer");
  g_autofree char *unknown_c = graph_json ("[null,null,null,null]", "['c']", CONV ("c", "image", 4));
  expect_fail_full (unknown_c, MSC_NN_ERROR_INVALID, "input 'image' has an unknown channel count");
  g_autofree char *small = graph_json ("[1,1,2,2]", "['c']",
                                       "{'name':'c','op':'conv2d','inputs':['image'],'params':{'out_channels':1,'kernel':5}}");
  expect_fail_full (small, MSC_NN_ERROR_INVALID, "kernel does not fit an input of extent 2");
  g_autofree char *cat = graph_json ("[1,1,8,8]", "['k']",
                                     "{'name':'p','op':'max_pool','inputs':['image'],'params':{'kernel':2}},"
                                     "{'name':'k','op':'concat','inputs':['image','p']}");
  expect_fail_full (cat, MSC_NN_ERROR_INVALID, "inputs (1, 1, 8, 8) and (1, 1, 4, 4) differ off the concat axis");
  expect_fail_full ("{\"a\":\"\xff\"}", MSC_NN_ERROR_INVALID, "not valid UTF-8");
  g_autoptr (GString) deep = g_string_new (NULL);
  for (int i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  expect_fail_full (deep->str, MSC_NN_ERROR_INVALID, "JSON nests deeper than 64 levels");

  g_autoptr (GError) error = NULL;
  g_assert_null (msc_graph_load ("/nonexistent/g.json", &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_IO);
  g_assert_true (g_str_has_prefix (error->message, "g.json: "));
  msc_graph_free (NULL);
}

static void
save_weights (const char *path, const MscGraph *g, const char *skip, const char *extra,
              const char *wrong)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  g_autoptr (GPtrArray) tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) msc_tensor_free);
  for (guint i = 0; i < msc_graph_get_n_params (g); i++)
    {
      gint64 shape[4];
      guint n;
      const char *name = msc_graph_get_param (g, i, shape, &n);
      if (g_strcmp0 (name, skip) == 0)
        continue;
      if (g_strcmp0 (name, wrong) == 0)
        shape[0] += 1;
      g_ptr_array_add (names, (gpointer) name);
      g_ptr_array_add (tensors, msc_tensor_new (shape, n, NULL));
    }
  gint64 one = 1;
  if (extra)
    {
      g_ptr_array_add (names, (gpointer) extra);
      g_ptr_array_add (tensors, msc_tensor_new (&one, 1, NULL));
    }
  g_autoptr (GError) error = NULL;
  g_assert_true (msc_safetensors_save (path, (const char * const *) names->pdata,
                                       (MscTensor * const *) tensors->pdata, names->len, NULL, &error));
  g_assert_no_error (error);
}

static void
test_check_weights (void)
{
  g_autoptr (MscGraph) g = load_ok (CONV ("c1", "image", 8) ","
                                    "{'name':'bn','op':'batch_norm','inputs':['c1']},"
                                    "{'name':'g','op':'global_avg_pool','inputs':['bn']},"
                                    "{'name':'fc','op':'dense','inputs':['g'],'params':{'out_features':3}}",
                                    "['fc']");
  g_autofree char *good = g_build_filename (tmpdir, "good.safetensors", NULL);
  save_weights (good, g, NULL, NULL, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (MscSafetensors) w = msc_safetensors_load (good, &error);
  g_assert_no_error (error);
  g_assert_true (msc_graph_check_weights (g, w, &error));
  g_assert_no_error (error);

  g_autofree char *bad = g_build_filename (tmpdir, "bad.safetensors", NULL);
  save_weights (bad, g, "bn.running_var", "bn.num_batches_tracked", "fc.weight");
  g_autoptr (MscSafetensors) wb = msc_safetensors_load (bad, &error);
  g_assert_no_error (error);
  g_assert_false (msc_graph_check_weights (g, wb, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE);
  g_assert_cmpstr (error->message, ==,
                   "bad.safetensors: does not fit graph 't' (ok.json): missing tensors: bn.running_var; "
                   "unexpected tensors: bn.num_batches_tracked; "
                   "shape mismatch: fc.weight is (4, 8), expected (3, 8)");
}

static void
check_round_trip (const MscGraph *g)
{
  gsize len = 0;
  g_autofree char *json = msc_graph_to_json (g, &len);
  g_autoptr (GError) error = NULL;
  g_autoptr (MscGraph) again = msc_graph_load_data (json, len, "again.json", &error);
  g_assert_no_error (error);
  gsize len2 = 0;
  g_autofree char *json2 = msc_graph_to_json (again, &len2);
  g_assert_cmpstr (json, ==, json2);
  g_assert_cmpuint (msc_graph_get_n_params (again), ==, msc_graph_get_n_params (g));
}

static void
test_round_trip (void)
{
  g_autoptr (MscGraph) g = load_ok (CONV ("c1", "image", 8) "," RELU ("r", "c1"), "['r','c1']");
  check_round_trip (g);
  g_autofree char *path = g_build_filename (tmpdir, "saved.json", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (msc_graph_save (g, path, &error));
  g_assert_no_error (error);
  g_autoptr (MscGraph) loaded = msc_graph_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msc_graph_get_n_outputs (loaded), ==, 2);
  /* Found by fuzz-graph: json-glib 1.6 wrote 1e-25 as "1e-25.0". Doubles,
   * escapes and integral doubles must all read back. */
  g_autoptr (MscGraph) odd = load_ok ("{'name':'b\\\\n\\\"','op':'batch_norm','inputs':['image'],"
                                      "'params':{'eps':1e-25,'momentum':0}},"
                                      "{'name':'r','op':'resize_bilinear','inputs':['b\\\\n\\\"'],"
                                      "'params':{'scale':2.0}}", "['r']");
  check_round_trip (odd);
  g_autofree char *odd_json = msc_graph_to_json (odd, NULL);
  g_assert_nonnull (strstr (odd_json, "\"eps\": 1e-25, \"momentum\": 0}"));
  g_assert_nonnull (strstr (odd_json, "\"scale\": 2.0}"));
  g_assert_nonnull (strstr (odd_json, "\"name\": \"b\\\\n\\\"\""));
  g_assert_false (msc_graph_save (g, "/nonexistent/dir/g.json", &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_IO);
}

static void
expect_param (const MscGraph *g, const char *name, guint n_dims, gint64 d0, gint64 d1)
{
  for (guint i = 0; i < msc_graph_get_n_params (g); i++)
    {
      gint64 s[4];
      guint n;
      if (strcmp (msc_graph_get_param (g, i, s, &n), name) == 0)
        {
          g_assert_cmpuint (n, ==, n_dims);
          g_assert_cmpint (s[0], ==, d0);
          g_assert_cmpint (s[1], ==, d1);
          return;
        }
    }
  g_error ("parameter %s not found", name);
}

static void
test_presets (void)
{
  static const char *const presets[] = {
    "unet-small", "unet-small-hierarchical", "unet-tiny", "unet-tiny-hierarchical",
    "efficientnet-b0-unet", "dilated-fcn",
    "patch-classifier-fcn",
  };
  guint found = 0;
  g_autoptr (GDir) dir = g_dir_open (MSC_PRESETS_DIR, 0, NULL);
  g_assert_nonnull (dir);
  const char *entry;
  while ((entry = g_dir_read_name (dir)))
    {
      if (!g_str_has_suffix (entry, ".json"))
        continue;
      g_autofree char *path = g_build_filename (MSC_PRESETS_DIR, entry, NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (MscGraph) g = msc_graph_load (path, &error);
      g_assert_no_error (error);
      g_autofree char *stem = g_strndup (entry, strlen (entry) - 5);
      g_assert_cmpstr (msc_graph_get_name (g), ==, stem);
      g_assert_cmpuint (msc_graph_get_n_params (g), >, 0);
      check_round_trip (g);
      /* The writer uses make-presets.py's layout: a preset is a fixed point. */
      g_autofree char *text = NULL, *again = NULL;
      gsize len = 0, len2 = 0;
      g_assert_true (g_file_get_contents (path, &text, &len, NULL));
      again = msc_graph_to_json (g, &len2);
      g_assert_cmpstr (text, ==, again);
      found += g_strv_contains (presets, stem);
    }
  g_assert_cmpuint (found, ==, G_N_ELEMENTS (presets));

  g_autoptr (GError) error = NULL;
  g_autoptr (MscGraph) u = msc_graph_load (MSC_PRESETS_DIR "/unet-small.json", &error);
  g_assert_no_error (error);
  g_assert_true (msc_graph_has_output (u, "mask_logits"));
  g_assert_true (msc_graph_has_output (u, "class_logits"));
  g_assert_false (msc_graph_has_output (u, "abnormal_logit"));
  g_assert_false (msc_graph_has_output (u, "enc1.1.conv"));   /* a node, not an output */
  expect_param (u, "enc1.1.conv.weight", 4, 16, 1);
  expect_param (u, "bottleneck.2.conv.weight", 4, 256, 256);
  expect_param (u, "dec4.up.weight", 4, 256, 128);
  expect_param (u, "dec1.1.conv.weight", 4, 16, 32);
  expect_param (u, "mask_logits.weight", 4, 1, 16);
  expect_param (u, "class_logits.weight", 2, 3, 256);
  g_autoptr (MscGraph) h = msc_graph_load (MSC_PRESETS_DIR "/unet-small-hierarchical.json", &error);
  g_assert_no_error (error);
  expect_param (h, "abnormal_logit.weight", 2, 1, 256);
  expect_param (h, "malignant_logit.weight", 2, 1, 256);
  g_autoptr (MscGraph) e = msc_graph_load (MSC_PRESETS_DIR "/efficientnet-b0-unet.json", &error);
  g_assert_no_error (error);
  expect_param (e, "stage2.0.dw.conv.weight", 4, 96, 1);      /* depthwise: groups == channels */
  expect_param (e, "stage2.0.se.reduce.weight", 4, 4, 96);
  expect_param (e, "stage7.0.project.conv.weight", 4, 320, 1152);
}

/* torch-graph.py runs every preset (and the all-ops fuzz seed) in PyTorch
 * at 224x224: parameter names and shapes from PyTorch's modules must match
 * the graph's, and every node's output shape must match ours. */
static void
test_torch (void)
{
  const char *python = g_getenv ("MSC_PYTHON");
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "engine", "models", "torch-graph.py", NULL);
  g_autofree char *seed = g_test_build_filename (G_TEST_DIST, "fuzz", "seeds-graph", "all-ops.json", NULL);
  g_autofree char *out = g_build_filename (tmpdir, "torch", NULL);
  g_assert_cmpint (g_mkdir_with_parents (out, 0755), ==, 0);
  static const char *const names[] = {
    "unet-small", "unet-small-hierarchical", "unet-tiny", "unet-tiny-hierarchical",
    "efficientnet-b0-unet", "dilated-fcn",
    "patch-classifier-fcn", "all-ops",
  };
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (argv, g_strdup (python ? python : "python3"));
  g_ptr_array_add (argv, g_strdup (script));
  g_ptr_array_add (argv, g_strdup (out));
  g_ptr_array_add (argv, g_strdup ("224"));
  for (guint i = 0; i + 1 < G_N_ELEMENTS (names); i++)
    g_ptr_array_add (argv, g_strdup_printf ("%s/%s.json", MSC_PRESETS_DIR, names[i]));
  g_ptr_array_add (argv, g_strdup (seed));
  g_ptr_array_add (argv, NULL);
  if (!g_file_test (script, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("reference script not found (run through meson test, which sets G_TEST_SRCDIR)");
      return;
    }
  int status = 0;
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, &err, &status, &error))
    {
      g_test_skip ("python not available");
      return;
    }
  if (WIFEXITED (status) && WEXITSTATUS (status) == 77)
    {
      g_test_skip ("torch not installed for MSC_PYTHON");
      return;
    }
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("torch-graph.py failed: %s", err);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *stem = g_build_filename (out, names[i], NULL);
      g_autofree char *gpath = g_strconcat (stem, ".json", NULL);
      g_autofree char *wpath = g_strconcat (stem, ".safetensors", NULL);
      g_autofree char *spath = g_strconcat (stem, ".txt", NULL);
      g_autoptr (MscGraph) g = msc_graph_load (gpath, &error);
      g_assert_no_error (error);
      g_autoptr (MscSafetensors) w = msc_safetensors_load (wpath, &error);
      g_assert_no_error (error);
      g_assert_true (msc_graph_check_weights (g, w, &error));
      g_assert_no_error (error);
      g_autofree char *text = NULL;
      g_assert_true (g_file_get_contents (spath, &text, NULL, NULL));
      g_auto (GStrv) lines = g_strsplit (g_strstrip (text), "\n", -1);
      g_assert_cmpuint (g_strv_length (lines), ==, msc_graph_get_n_nodes (g));
      for (guint k = 0; lines[k]; k++)
        {
          g_auto (GStrv) f = g_strsplit (lines[k], " ", 2);
          const MscGraphNode *node = msc_graph_find_node (g, f[0]);
          g_assert_nonnull (node);
          gint64 s[4];
          guint n = msc_graph_node_get_output_shape (node, s);
          g_autoptr (GString) ours = g_string_new (NULL);
          for (guint d = 0; d < n; d++)
            g_string_append_printf (ours, d ? ",%" G_GINT64_FORMAT : "%" G_GINT64_FORMAT, s[d]);
          if (strcmp (ours->str, f[1]) != 0)
            g_error ("%s: node %s is (%s) here, (%s) in PyTorch", names[i], f[0], ours->str, f[1]);
        }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tmpdir = msc_test_tmpdir ();
  g_test_add_func ("/models/graph/basic", test_basic);
  g_test_add_func ("/models/graph/topo-order", test_topo_order);
  g_test_add_func ("/models/graph/shapes", test_shapes);
  g_test_add_func ("/models/graph/errors", test_errors);
  g_test_add_func ("/models/graph/bad-documents", test_bad_documents);
  g_test_add_func ("/models/graph/check-weights", test_check_weights);
  g_test_add_func ("/models/graph/round-trip", test_round_trip);
  g_test_add_func ("/models/graph/presets", test_presets);
  g_test_add_func ("/models/graph/torch", test_torch);
  int rc = g_test_run ();
  g_free (tmpdir);
  return rc;
}
