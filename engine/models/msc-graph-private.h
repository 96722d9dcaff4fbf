/* engine/models/msc-graph-private.h — the graph's structures, shared by
 * the parser (msc-graph.c) and the op table with its shape inference
 * (msc-graph-ops.c). Not installed; nothing outside engine/models sees it. */
#pragma once

#include "msc-graph.h"

G_BEGIN_DECLS

/* Extents and params below 2^24 (far beyond any image) keep every product
 * in the shape arithmetic below 2^50, so hostile params cannot overflow. */
#define MAX_EXTENT (G_GINT64_CONSTANT (1) << 24)

typedef struct {
  gint64 d[MSC_TENSOR_MAX_DIMS];   /* -1 = unknown (batch, free H/W) */
  guint n;
} Shape;

typedef enum {
  P_POS_INT,      /* integer >= 1 */
  P_NONNEG_INT,   /* integer >= 0 */
  P_INT,
  P_BOOL,
  P_POS_NUMBER,   /* finite number > 0 */
  P_PROB,         /* 0 <= p < 1 */
} ParamKind;

typedef struct {
  const char *name;
  ParamKind kind;
  gboolean required;
} ParamSpec;

typedef struct _OpInfo OpInfo;

typedef struct {
  const char *file;
  MscGraph *graph;
  MscGraphNode *node;
  const Shape *in;                  /* shapes of the node's inputs */
} InferCtx;

struct _OpInfo {
  const char *name;
  guint min_inputs, max_inputs;
  const ParamSpec *params;          /* terminated by { NULL } */
  gboolean (*infer) (InferCtx *ctx, Shape *out, GError **error);
};

struct _MscGraphNode {
  char *name;
  const OpInfo *op;
  char **inputs;                    /* NULL-terminated */
  guint n_inputs;
  guint *input_values;              /* indices into the value table */
  JsonObject *params;
  Shape out;
};

typedef struct {
  char *name;
  Shape shape;
} Param;

struct _MscGraph {
  char *file;
  char *name;
  char *description;                /* nullable */
  char **input_names;
  Shape *input_shapes;
  guint n_inputs;
  char **outputs;
  guint n_outputs;
  MscGraphNode *nodes;
  guint n_nodes;
  guint *topo;
  GHashTable *values;               /* name -> value index + 1 (inputs first) */
  GArray *params;                   /* Param */
};

/* "file: node 'name' (op): message", code MSC_NN_ERROR_INVALID; returns FALSE. */
gboolean      msc_graph_node_fail   (const char *file, const MscGraphNode *node, GError **error,
                                     const char *fmt, ...) G_GNUC_PRINTF (4, 5);
/* "(2, ?, 64, 64)" (transfer full). */
char         *msc_graph_shape_string (const Shape *s);
const OpInfo *msc_graph_op_lookup   (const char *name);
/* Params of node against its op's table: names, types, required ones. */
gboolean      msc_graph_check_params (const char *file, const MscGraphNode *node, GError **error);

G_END_DECLS
