/* engine/models/msc-graph.h — model graphs described in JSON.
 *
 * A graph lists named inputs, nodes (op, params, input names) and outputs.
 * Loading checks ops and params against a static table, resolves names,
 * refuses cycles, computes a topological order and propagates shapes so
 * that every parameter tensor has a name and an expected shape:
 *
 *   {"format": "mammoscope-graph", "version": 1, "name": "tiny",
 *    "inputs": [{"name": "image", "shape": [null, 1, null, null]}],
 *    "outputs": ["logits"],
 *    "nodes": [{"name": "conv", "op": "conv2d", "inputs": ["image"],
 *               "params": {"out_channels": 8, "kernel": 3, "padding": 1}},
 *              {"name": "logits", "op": "conv2d", "inputs": ["conv"],
 *               "params": {"out_channels": 1, "kernel": 1}}]}
 *
 * gives parameters conv.weight (8, 1, 3, 3), conv.bias (8), logits.weight
 * (1, 8, 1, 1) and logits.bias (1).
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "msc-safetensors.h"

G_BEGIN_DECLS

#define MSC_GRAPH_FORMAT  "mammoscope-graph"
#define MSC_GRAPH_VERSION 1
/* Generous for any model here; bounds the work a hostile file can cause. */
#define MSC_GRAPH_MAX_NODES 100000u

typedef struct _MscGraph MscGraph;
typedef struct _MscGraphNode MscGraphNode;

MscGraph     *msc_graph_load        (const char *path, GError **error);
/* data need not be NUL-terminated; name is used in messages only. */
MscGraph     *msc_graph_load_data   (const char *data, gsize length, const char *name,
                                     GError **error);
void          msc_graph_free        (MscGraph *self);                 /* NULL-safe */

const char   *msc_graph_get_name    (const MscGraph *self);
guint         msc_graph_get_n_inputs (const MscGraph *self);
const char   *msc_graph_get_input   (const MscGraph *self, guint i);
guint         msc_graph_get_n_outputs (const MscGraph *self);
const char   *msc_graph_get_output  (const MscGraph *self, guint i);
/* Is name one of the graph's outputs? */
gboolean      msc_graph_has_output  (const MscGraph *self, const char *name);

/* Nodes in the order of the file (transfer none). */
guint         msc_graph_get_n_nodes (const MscGraph *self);
const MscGraphNode *msc_graph_get_node (const MscGraph *self, guint i);
const MscGraphNode *msc_graph_find_node (const MscGraph *self, const char *name);
/* Node indices in an order where every node follows its inputs. */
const guint  *msc_graph_get_topo_order (const MscGraph *self);

const char   *msc_graph_node_get_name (const MscGraphNode *node);
const char   *msc_graph_node_get_op   (const MscGraphNode *node);
guint         msc_graph_node_get_n_inputs (const MscGraphNode *node);
const char   *msc_graph_node_get_input (const MscGraphNode *node, guint i);
/* The params object as written (transfer none); never NULL. */
JsonObject   *msc_graph_node_get_params (const MscGraphNode *node);
/* Inferred output shape; unknown dimensions (batch, free H and W) are -1. */
guint         msc_graph_node_get_output_shape (const MscGraphNode *node, gint64 *shape);

/* Parameter tensors in topological order: "enc1.conv1.weight" and so on. */
guint         msc_graph_get_n_params (const MscGraph *self);
const char   *msc_graph_get_param   (const MscGraph *self, guint i, gint64 *shape, guint *n_dims);

/* Compares weights with the parameters the graph expects; the error lists
 * missing tensors, unexpected tensors and shape mismatches by name. */
gboolean      msc_graph_check_weights (const MscGraph *self, MscSafetensors *weights,
                                       GError **error);

/* Serialises back to the JSON form (transfer full), pretty-printed. */
char         *msc_graph_to_json     (const MscGraph *self, gsize *length);
/* Writes to_json atomically (temporary file beside path, then rename). */
gboolean      msc_graph_save        (const MscGraph *self, const char *path, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscGraph, msc_graph_free)

G_END_DECLS
