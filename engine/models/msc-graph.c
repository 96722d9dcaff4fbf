/* engine/models/msc-graph.c — parsing, validating and writing JSON graphs.
 *
 * Ops are known through one const table (msc-graph-ops.c); shape
 * propagation runs once at load so parameter names and shapes are fixed
 * data that a weights file can be checked against.
 */
#include "msc-graph-private.h"
#include "msc-nn-error.h"
#include "msc-models-private.h"

#include <math.h>
#include <string.h>

/* ---- parsing ----------------------------------------------------------- */

void
msc_graph_free (MscGraph *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < self->n_nodes; i++)
    {
      MscGraphNode *n = &self->nodes[i];
      g_free (n->name);
      g_strfreev (n->inputs);
      g_free (n->input_values);
      g_clear_pointer (&n->params, json_object_unref);
    }
  g_free (self->nodes);
  g_strfreev (self->input_names);
  g_free (self->input_shapes);
  g_strfreev (self->outputs);
  g_free (self->topo);
  g_clear_pointer (&self->values, g_hash_table_unref);
  if (self->params)
    for (guint i = 0; i < self->params->len; i++)
      g_free (g_array_index (self->params, Param, i).name);
  g_clear_pointer (&self->params, g_array_unref);
  g_free (self->name);
  g_free (self->description);
  g_free (self->file);
  g_free (self);
}

static const char *
get_string (JsonObject *obj, const char *key)
{
  JsonNode *v = json_object_get_member (obj, key);
  if (v == NULL || !JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (v);
}

static JsonArray *
get_array (JsonObject *obj, const char *key)
{
  JsonNode *v = json_object_get_member (obj, key);
  return v && JSON_NODE_HOLDS_ARRAY (v) ? json_node_get_array (v) : NULL;
}

/* Names go into one table with graph inputs first (value index i) and
 * nodes after (n_inputs + i); a name may be defined once. */
static gboolean
define_value (MscGraph *self, const char *name, guint index, GError **error)
{
  if (name[0] == '\0')
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, self->file, "a graph input or node has an empty name");
  if (g_hash_table_contains (self->values, name))
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, self->file, "name '%s' is defined twice", name);
  g_hash_table_insert (self->values, (gpointer) name, GUINT_TO_POINTER (index + 1));
  return TRUE;
}

static gboolean
parse_inputs (MscGraph *self, JsonArray *inputs, GError **error)
{
  self->n_inputs = json_array_get_length (inputs);
  if (self->n_inputs == 0 || self->n_inputs > 64)
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, self->file, "\"inputs\" must list 1 to 64 inputs");
  self->input_names = g_new0 (char *, self->n_inputs + 1);
  self->input_shapes = g_new0 (Shape, self->n_inputs);
  for (guint i = 0; i < self->n_inputs; i++)
    {
      JsonNode *e = json_array_get_element (inputs, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL;
      const char *name = o ? get_string (o, "name") : NULL;
      JsonArray *shape = o ? get_array (o, "shape") : NULL;
      if (name == NULL || shape == NULL || json_object_get_size (o) != 2)
        return msc_models_fail (error, MSC_NN_ERROR_INVALID, self->file,
                     "input %u must be {\"name\": string, \"shape\": array}", i);
      self->input_names[i] = g_strdup (name);
      guint rank = json_array_get_length (shape);
      if (rank < 1 || rank > MSC_TENSOR_MAX_DIMS)
        return msc_models_fail (error, MSC_NN_ERROR_INVALID, self->file, "input '%s' has %u dimensions; 1 to %d allowed",
                     name, rank, MSC_TENSOR_MAX_DIMS);
      Shape *s = &self->input_shapes[i];
      s->n = rank;
      for (guint d = 0; d < rank; d++)
        {
          JsonNode *v = json_array_get_element (shape, d);
          if (JSON_NODE_HOLDS_NULL (v))
            s->d[d] = -1;
          else if (JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_INT64 &&
                   json_node_get_int (v) >= 1 && json_node_get_int (v) < MAX_EXTENT)
            s->d[d] = json_node_get_int (v);
          else
            return msc_models_fail (error, MSC_NN_ERROR_INVALID, self->file,
                         "input '%s': shape[%u] must be null or a positive integer", name, d);
        }
      if (!define_value (self, self->input_names[i], i, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_node (MscGraph *self, guint index, JsonNode *e, GError **error)
{
  MscGraphNode *n = &self->nodes[index];
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL;
  const char *name = o ? get_string (o, "name") : NULL;
  if (name == NULL)
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, self->file, "node %u has no \"name\" string", index);
  n->name = g_strdup (name);
  const char *op = get_string (o, "op");
  JsonArray *inputs = get_array (o, "inputs");
  JsonNode *params = json_object_get_member (o, "params");
  if (op == NULL || inputs == NULL || (params && !JSON_NODE_HOLDS_OBJECT (params)))
    return msc_graph_node_fail (self->file, n, error, "needs \"op\" (string), \"inputs\" (array) and "
                      "optionally \"params\" (object)");
  if (json_object_get_size (o) != (params ? 4u : 3u))
    return msc_graph_node_fail (self->file, n, error, "has members other than name, op, inputs and params");
  n->op = msc_graph_op_lookup (op);
  if (n->op == NULL)
    return msc_graph_node_fail (self->file, n, error, "unknown op \"%s\"", op);
  n->params = params ? json_object_ref (json_node_get_object (params)) : json_object_new ();
  n->n_inputs = json_array_get_length (inputs);
  if (n->n_inputs < n->op->min_inputs || n->n_inputs > n->op->max_inputs || n->n_inputs > 1024)
    return msc_graph_node_fail (self->file, n, error, "takes %u%s inputs, got %u", n->op->min_inputs,
                      n->op->max_inputs == n->op->min_inputs ? "" :
                      n->op->max_inputs == G_MAXUINT ? " or more" : " or 2", n->n_inputs);
  n->inputs = g_new0 (char *, n->n_inputs + 1);
  for (guint i = 0; i < n->n_inputs; i++)
    {
      JsonNode *v = json_array_get_element (inputs, i);
      if (!JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_STRING)
        return msc_graph_node_fail (self->file, n, error, "input %u is not a string", i);
      n->inputs[i] = g_strdup (json_node_get_string (v));
    }
  if (!msc_graph_check_params (self->file, n, error))
    return FALSE;
  return define_value (self, n->name, self->n_inputs + index, error);
}

static gboolean
resolve_inputs (MscGraph *self, GError **error)
{
  for (guint i = 0; i < self->n_nodes; i++)
    {
      MscGraphNode *n = &self->nodes[i];
      n->input_values = g_new (guint, n->n_inputs + 1);
      for (guint k = 0; k < n->n_inputs; k++)
        {
          guint v = GPOINTER_TO_UINT (g_hash_table_lookup (self->values, n->inputs[k]));
          if (v == 0)
            return msc_graph_node_fail (self->file, n, error, "input '%s' is neither a graph input nor a node",
                              n->inputs[k]);
          n->input_values[k] = v - 1;
        }
    }
  for (guint i = 0; i < self->n_outputs; i++)
    if (!g_hash_table_contains (self->values, self->outputs[i]))
      return msc_models_fail (error, MSC_NN_ERROR_INVALID, self->file, "output '%s' is not a node or graph input",
                   self->outputs[i]);
  return TRUE;
}

/* Walks back along unfinished inputs from a node left over by Kahn's
 * algorithm; every such node has one, so the walk must revisit a node. */
static gboolean
report_cycle (MscGraph *self, const guint *indegree, GError **error)
{
  guint start = 0;
  while (indegree[start] == 0)
    start++;
  g_autofree guint *step = g_new0 (guint, self->n_nodes);   /* 0 = not visited */
  g_autoptr (GArray) path = g_array_new (FALSE, FALSE, sizeof (guint));
  guint cur = start;
  while (step[cur] == 0)
    {
      g_array_append_val (path, cur);
      step[cur] = path->len;
      const MscGraphNode *n = &self->nodes[cur];
      for (guint k = 0; k < n->n_inputs; k++)
        {
          guint v = n->input_values[k];
          if (v >= self->n_inputs && indegree[v - self->n_inputs] > 0)
            {
              cur = v - self->n_inputs;
              break;
            }
        }
    }
  /* path[step[cur]-1 ..] follows inputs backwards; print it in data-flow order. */
  g_autoptr (GString) s = g_string_new (self->nodes[cur].name);
  for (guint i = path->len; i-- > step[cur] - 1;)
    g_string_append_printf (s, " -> %s", self->nodes[g_array_index (path, guint, i)].name);
  return msc_models_fail (error, MSC_NN_ERROR_INVALID, self->file, "cycle: %s", s->str);
}

static gboolean
sort_topologically (MscGraph *self, GError **error)
{
  guint n = self->n_nodes;
  g_autofree guint *indegree = g_new0 (guint, n + 1);
  g_autofree guint *n_users = g_new0 (guint, n + 1);
  for (guint i = 0; i < n; i++)
    for (guint k = 0; k < self->nodes[i].n_inputs; k++)
      if (self->nodes[i].input_values[k] >= self->n_inputs)
        {
          indegree[i]++;
          n_users[self->nodes[i].input_values[k] - self->n_inputs]++;
        }
  /* users in CSR form: users of node j are users[first[j] .. first[j+1]). */
  g_autofree guint *first = g_new0 (guint, n + 1);
  for (guint j = 0; j < n; j++)
    first[j + 1] = first[j] + n_users[j];
  g_autofree guint *users = g_new (guint, first[n] + 1);
  g_autofree guint *fill = g_memdup2 (first, (n + 1) * sizeof (guint));
  for (guint i = 0; i < n; i++)
    for (guint k = 0; k < self->nodes[i].n_inputs; k++)
      if (self->nodes[i].input_values[k] >= self->n_inputs)
        users[fill[self->nodes[i].input_values[k] - self->n_inputs]++] = i;

  /* Kahn's algorithm with a FIFO seeded in file order keeps the order of a
   * file that is already sorted. */
  self->topo = g_new (guint, n + 1);
  guint head = 0, tail = 0;
  for (guint i = 0; i < n; i++)
    if (indegree[i] == 0)
      self->topo[tail++] = i;
  while (head < tail)
    {
      guint j = self->topo[head++];
      for (guint u = first[j]; u < first[j + 1]; u++)
        if (--indegree[users[u]] == 0)
          self->topo[tail++] = users[u];
    }
  if (tail < n)
    return report_cycle (self, indegree, error);
  return TRUE;
}

static gboolean
infer_shapes (MscGraph *self, GError **error)
{
  for (guint t = 0; t < self->n_nodes; t++)
    {
      MscGraphNode *n = &self->nodes[self->topo[t]];
      g_autofree Shape *in = g_new0 (Shape, n->n_inputs);
      for (guint k = 0; k < n->n_inputs; k++)
        {
          guint v = n->input_values[k];
          in[k] = v < self->n_inputs ? self->input_shapes[v] : self->nodes[v - self->n_inputs].out;
        }
      InferCtx ctx = { self->file, self, n, in };
      if (!n->op->infer (&ctx, &n->out, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_root (MscGraph *self, JsonNode *root, GError **error)
{
  const char *file = self->file;
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "not a JSON object");
  JsonObject *obj = json_node_get_object (root);
  const char *format = get_string (obj, "format");
  if (format == NULL || strcmp (format, MSC_GRAPH_FORMAT) != 0)
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "\"format\" is not \"" MSC_GRAPH_FORMAT "\"");
  JsonNode *version = json_object_get_member (obj, "version");
  if (version == NULL || !JSON_NODE_HOLDS_VALUE (version) ||
      json_node_get_value_type (version) != G_TYPE_INT64)
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "\"version\" is not an integer");
  if (json_node_get_int (version) != MSC_GRAPH_VERSION)
    return msc_models_fail (error, MSC_NN_ERROR_UNSUPPORTED, file, "graph version %" G_GINT64_FORMAT
                 " is not supported (this build reads version %d)", json_node_get_int (version),
                 MSC_GRAPH_VERSION);
  JsonObjectIter it;
  const char *key;
  json_object_iter_init (&it, obj);
  while (json_object_iter_next (&it, &key, NULL))
    if (!g_strv_contains ((const char *const[]) { "format", "version", "name", "description",
                                                  "inputs", "outputs", "nodes", NULL }, key))
      return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "unknown member \"%s\"", key);
  const char *name = get_string (obj, "name");
  const char *description = get_string (obj, "description");
  if (name == NULL || (json_object_has_member (obj, "description") && description == NULL))
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "\"name\" (and \"description\" if given) must be strings");
  self->name = g_strdup (name);
  self->description = g_strdup (description);

  JsonArray *inputs = get_array (obj, "inputs"), *outputs = get_array (obj, "outputs");
  JsonArray *nodes = get_array (obj, "nodes");
  if (inputs == NULL || outputs == NULL || nodes == NULL)
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "\"inputs\", \"outputs\" and \"nodes\" must be arrays");
  if (!parse_inputs (self, inputs, error))
    return FALSE;

  self->n_outputs = json_array_get_length (outputs);
  if (self->n_outputs == 0 || self->n_outputs > 64)
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "\"outputs\" must list 1 to 64 names");
  self->outputs = g_new0 (char *, self->n_outputs + 1);
  for (guint i = 0; i < self->n_outputs; i++)
    {
      JsonNode *v = json_array_get_element (outputs, i);
      if (!JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_STRING)
        return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "output %u is not a string", i);
      self->outputs[i] = g_strdup (json_node_get_string (v));
    }

  guint n_nodes = json_array_get_length (nodes);
  if (n_nodes > MSC_GRAPH_MAX_NODES)
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "%u nodes; at most %u are allowed",
                 n_nodes, MSC_GRAPH_MAX_NODES);
  self->nodes = g_new0 (MscGraphNode, n_nodes + 1);
  for (guint i = 0; i < n_nodes; i++)
    {
      self->n_nodes = i + 1;   /* so free() sees the partly filled node */
      if (!parse_node (self, i, json_array_get_element (nodes, i), error))
        return FALSE;
    }
  return resolve_inputs (self, error) && sort_topologically (self, error) &&
         infer_shapes (self, error);
}

MscGraph *
msc_graph_load_data (const char *data, gsize length, const char *name, GError **error)
{
  g_autoptr (MscGraph) self = g_new0 (MscGraph, 1);
  self->file = g_path_get_basename (name ? name : "(memory)");
  self->values = g_hash_table_new (g_str_hash, g_str_equal);
  self->params = g_array_new (FALSE, FALSE, sizeof (Param));
  if (length > G_MAXSSIZE || !g_utf8_validate_len (data, length, NULL))
    {
      msc_models_fail (error, MSC_NN_ERROR_INVALID, self->file, "not valid UTF-8 text");
      return NULL;
    }
  g_auto (MscJsonScan) scan;
  msc_models_json_scan (data, length, &scan);
  if (scan.depth > MSC_MODELS_MAX_JSON_DEPTH)
    {
      msc_models_fail (error, MSC_NN_ERROR_INVALID, self->file, "JSON nests deeper than %d levels",
            MSC_MODELS_MAX_JSON_DEPTH);
      return NULL;
    }
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) local = NULL;
  if (!json_parser_load_from_data (parser, data, (gssize) length, &local))
    {
      msc_models_fail (error, MSC_NN_ERROR_INVALID, self->file, "not valid JSON: %s", local->message);
      return NULL;
    }
  if (scan.duplicate || scan.trailing)
    {
      if (scan.duplicate)
        msc_models_fail (error, MSC_NN_ERROR_INVALID, self->file, "key \"%s\" appears twice in one object",
              scan.duplicate);
      else
        msc_models_fail (error, MSC_NN_ERROR_INVALID, self->file, "not valid JSON: text after the document");
      return NULL;
    }
  if (!parse_root (self, json_parser_get_root (parser), error))
    return NULL;
  return g_steal_pointer (&self);
}

MscGraph *
msc_graph_load (const char *path, GError **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  g_autoptr (GError) local = NULL;
  if (!g_file_get_contents (path, &data, &length, &local))
    {
      g_autofree char *file = g_path_get_basename (path);
      msc_models_fail (error, MSC_NN_ERROR_IO, file, "%s", local->message);
      return NULL;
    }
  return msc_graph_load_data (data, length, path, error);
}

/* ---- accessors --------------------------------------------------------- */

const char *msc_graph_get_name (const MscGraph *self) { return self->name; }
guint msc_graph_get_n_inputs (const MscGraph *self) { return self->n_inputs; }
guint msc_graph_get_n_outputs (const MscGraph *self) { return self->n_outputs; }
guint msc_graph_get_n_nodes (const MscGraph *self) { return self->n_nodes; }
const guint *msc_graph_get_topo_order (const MscGraph *self) { return self->topo; }
guint msc_graph_get_n_params (const MscGraph *self) { return self->params->len; }

const char *
msc_graph_get_input (const MscGraph *self, guint i)
{
  g_return_val_if_fail (i < self->n_inputs, NULL);
  return self->input_names[i];
}

const char *
msc_graph_get_output (const MscGraph *self, guint i)
{
  g_return_val_if_fail (i < self->n_outputs, NULL);
  return self->outputs[i];
}

gboolean
msc_graph_has_output (const MscGraph *self, const char *name)
{
  g_return_val_if_fail (self != NULL && name != NULL, FALSE);
  for (guint i = 0; i < self->n_outputs; i++)
    if (strcmp (self->outputs[i], name) == 0)
      return TRUE;
  return FALSE;
}

const MscGraphNode *
msc_graph_get_node (const MscGraph *self, guint i)
{
  g_return_val_if_fail (i < self->n_nodes, NULL);
  return &self->nodes[i];
}

const MscGraphNode *
msc_graph_find_node (const MscGraph *self, const char *name)
{
  guint v = GPOINTER_TO_UINT (g_hash_table_lookup (self->values, name));
  return v > self->n_inputs ? &self->nodes[v - 1 - self->n_inputs] : NULL;
}

const char *msc_graph_node_get_name (const MscGraphNode *node) { return node->name; }
const char *msc_graph_node_get_op (const MscGraphNode *node) { return node->op->name; }
guint msc_graph_node_get_n_inputs (const MscGraphNode *node) { return node->n_inputs; }
JsonObject *msc_graph_node_get_params (const MscGraphNode *node) { return node->params; }

const char *
msc_graph_node_get_input (const MscGraphNode *node, guint i)
{
  g_return_val_if_fail (i < node->n_inputs, NULL);
  return node->inputs[i];
}

guint
msc_graph_node_get_output_shape (const MscGraphNode *node, gint64 *shape)
{
  memcpy (shape, node->out.d, node->out.n * sizeof (gint64));
  return node->out.n;
}

const char *
msc_graph_get_param (const MscGraph *self, guint i, gint64 *shape, guint *n_dims)
{
  g_return_val_if_fail (i < self->params->len, NULL);
  const Param *p = &g_array_index (self->params, Param, i);
  if (shape)
    memcpy (shape, p->shape.d, p->shape.n * sizeof (gint64));
  if (n_dims)
    *n_dims = p->shape.n;
  return p->name;
}

/* ---- weights ----------------------------------------------------------- */

gboolean
msc_graph_check_weights (const MscGraph *self, MscSafetensors *weights, GError **error)
{
  g_autoptr (GString) missing = g_string_new (NULL), mismatched = g_string_new (NULL);
  g_autoptr (GString) unexpected = g_string_new (NULL);
  g_autoptr (GHashTable) expected = g_hash_table_new (g_str_hash, g_str_equal);
  guint n_bad = 0;
  for (guint i = 0; i < self->params->len; i++)
    {
      const Param *p = &g_array_index (self->params, Param, i);
      g_hash_table_add (expected, p->name);
      MscTensor *t = msc_safetensors_get (weights, p->name);
      if (t == NULL)
        {
          g_string_append_printf (missing, "%s%s", missing->len ? ", " : "", p->name);
          n_bad++;
          continue;
        }
      gboolean same = msc_tensor_n_dims (t) == p->shape.n;
      for (guint d = 0; same && d < p->shape.n; d++)
        same = msc_tensor_dim (t, d) == p->shape.d[d];
      if (!same)
        {
          g_autofree char *want = msc_graph_shape_string (&p->shape), *got = msc_tensor_shape_string (t);
          g_string_append_printf (mismatched, "%s%s is %s, expected %s", mismatched->len ? "; " : "",
                                  p->name, got, want);
          n_bad++;
        }
    }
  for (const char * const *name = msc_safetensors_get_names (weights); *name; name++)
    if (!g_hash_table_contains (expected, *name))
      {
        g_string_append_printf (unexpected, "%s%s", unexpected->len ? ", " : "", *name);
        n_bad++;
      }
  if (n_bad == 0)
    return TRUE;
  g_autoptr (GString) msg = g_string_new (NULL);
  if (missing->len)
    g_string_append_printf (msg, "missing tensors: %s", missing->str);
  if (unexpected->len)
    g_string_append_printf (msg, "%sunexpected tensors: %s", msg->len ? "; " : "", unexpected->str);
  if (mismatched->len)
    g_string_append_printf (msg, "%sshape mismatch: %s", msg->len ? "; " : "", mismatched->str);
  return msc_models_fail (error, MSC_NN_ERROR_SHAPE, msc_safetensors_get_filename (weights),
               "does not fit graph '%s' (%s): %s", self->name, self->file, msg->str);
}

/* ---- writing ----------------------------------------------------------- */

/* The graph is written by hand rather than with JsonGenerator: json-glib
 * 1.6 writes a double such as 1e-25 as "1e-25.0", which no parser reads
 * back. The layout is tools/make-presets.py's (one node per line), so a
 * preset serialises to its own bytes. */
static void
append_string (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) s; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (out, "\\%c", *p);
      else if (*p < 0x20)
        g_string_append_printf (out, "\\u%04x", *p);
      else
        g_string_append_c (out, (char) *p);
    }
  g_string_append_c (out, '"');
}

/* Shortest of %.15g and %.17g that reads back exactly, with ".0" on
 * integral values so the type survives a round trip. */
static void
append_double (GString *out, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (buf, sizeof buf, "%.15g", v);
  if (g_ascii_strtod (buf, NULL) != v)
    g_ascii_formatd (buf, sizeof buf, "%.17g", v);
  g_string_append (out, buf);
  if (strpbrk (buf, ".eEn") == NULL)
    g_string_append (out, ".0");
}

static void
append_value (GString *out, JsonNode *v)
{
  GType t = json_node_get_value_type (v);
  if (t == G_TYPE_INT64)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (v));
  else if (t == G_TYPE_DOUBLE)
    append_double (out, json_node_get_double (v));
  else if (t == G_TYPE_BOOLEAN)
    g_string_append (out, json_node_get_boolean (v) ? "true" : "false");
  else
    append_string (out, json_node_get_string (v));
}

static void
append_node (GString *out, const MscGraphNode *n)
{
  g_string_append (out, "{\"name\": ");
  append_string (out, n->name);
  g_string_append (out, ", \"op\": ");
  append_string (out, n->op->name);
  g_string_append (out, ", \"inputs\": [");
  for (guint k = 0; k < n->n_inputs; k++)
    {
      if (k)
        g_string_append (out, ", ");
      append_string (out, n->inputs[k]);
    }
  g_string_append_c (out, ']');
  if (json_object_get_size (n->params) > 0)
    {
      /* Params are flat scalars: check_params refused anything else. */
      g_string_append (out, ", \"params\": {");
      g_autoptr (GList) members = json_object_get_members (n->params);
      for (GList *l = members; l; l = l->next)
        {
          append_string (out, l->data);
          g_string_append (out, ": ");
          append_value (out, json_object_get_member (n->params, l->data));
          if (l->next)
            g_string_append (out, ", ");
        }
      g_string_append_c (out, '}');
    }
  g_string_append_c (out, '}');
}

char *
msc_graph_to_json (const MscGraph *self, gsize *length)
{
  GString *out = g_string_new ("{\n  \"format\": \"" MSC_GRAPH_FORMAT "\",\n");
  g_string_append_printf (out, "  \"version\": %d,\n  \"name\": ", MSC_GRAPH_VERSION);
  append_string (out, self->name);
  if (self->description)
    {
      g_string_append (out, ",\n  \"description\": ");
      append_string (out, self->description);
    }
  g_string_append (out, ",\n  \"inputs\": [");
  for (guint i = 0; i < self->n_inputs; i++)
    {
      g_string_append (out, i ? ", {\"name\": " : "{\"name\": ");
      append_string (out, self->input_names[i]);
      g_string_append (out, ", \"shape\": [");
      for (guint d = 0; d < self->input_shapes[i].n; d++)
        {
          if (d)
            g_string_append (out, ", ");
          if (self->input_shapes[i].d[d] < 0)
            g_string_append (out, "null");
          else
            g_string_append_printf (out, "%" G_GINT64_FORMAT, self->input_shapes[i].d[d]);
        }
      g_string_append (out, "]}");
    }
  g_string_append (out, "],\n  \"outputs\": [");
  for (guint i = 0; i < self->n_outputs; i++)
    {
      if (i)
        g_string_append (out, ", ");
      append_string (out, self->outputs[i]);
    }
  g_string_append (out, "],\n  \"nodes\": [\n");
  for (guint i = 0; i < self->n_nodes; i++)
    {
      g_string_append (out, "    ");
      append_node (out, &self->nodes[i]);
      g_string_append (out, i + 1 < self->n_nodes ? ",\n" : "\n");
    }
  g_string_append (out, "  ]\n}\n");
  if (length)
    *length = out->len;
  return g_string_free (out, FALSE);
}

gboolean
msc_graph_save (const MscGraph *self, const char *path, GError **error)
{
  gsize length = 0;
  g_autofree char *json = msc_graph_to_json (self, &length);
  g_autoptr (GError) local = NULL;
  if (!g_file_set_contents_full (path, json, (gssize) length, G_FILE_SET_CONTENTS_CONSISTENT,
                                 0644, &local))
    {
      g_autofree char *file = g_path_get_basename (path);
      return msc_models_fail (error, MSC_NN_ERROR_IO, file, "cannot write: %s", local->message);
    }
  return TRUE;
}
