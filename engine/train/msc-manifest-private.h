/* engine/train/msc-manifest-private.h — what the manifest readers share:
 * the manifest struct, a builder that groups rows into cases and applies
 * the STRICT/SKIP policy, and the field parsers. Not installed.
 */
#pragma once

#include "msc-manifest.h"

G_BEGIN_DECLS

struct _MscManifest {
  gint ref_count;
  char *path;
  GPtrArray *cases;        /* MscCase */
  guint *patient_of;       /* per case: index of its patient, first appearance order */
  guint n_patients;
};

/* Takes cases (non-empty). */
MscManifest *msc_manifest_new_take (const char *path, GPtrArray *cases);
guint        msc_manifest_patient_of (const MscManifest *self, guint index);

MscLesion   *msc_lesion_copy (const MscLesion *lesion);
MscCase     *msc_case_new    (void);
MscCase     *msc_case_copy   (const MscCase *c);

typedef struct {
  const char *name;              /* file name in messages */
  char *base_dir;                /* absolute folder for relative paths */
  MscManifestOptions opts;
  gboolean y_from_bottom;        /* MIAS: circle cy counts up from the bottom row */
  guint default_height;          /* ...with this height when files are not opened */
  GPtrArray *cases;              /* MscCase, in first-appearance order */
  GArray *label_given;           /* gboolean per case */
  GHashTable *by_image;          /* image path -> case index + 1 */
  GHashTable *dropped;           /* image paths dropped under SKIP */
  GPtrArray *problems;           /* "FILE:LINE: problem" */
  GError *error;                 /* the first problem under STRICT */
} MscManifestBuilder;

void     msc_manifest_builder_init  (MscManifestBuilder *b, const char *name,
                                     const char *base_dir, const MscManifestOptions *opts);
void     msc_manifest_builder_clear (MscManifestBuilder *b);
/* Records a problem at line; image (nullable) names the image to drop.
 * Returns TRUE when reading may go on (SKIP), FALSE under STRICT. */
gboolean msc_manifest_builder_fail  (MscManifestBuilder *b, guint line, const char *image,
                                     int code, const char *format, ...) G_GNUC_PRINTF (5, 6);
/* A fatal problem of the whole file (header, syntax, limits): always FALSE. */
gboolean msc_manifest_builder_fatal (MscManifestBuilder *b, guint line,
                                     const char *format, ...) G_GNUC_PRINTF (3, 4);
/* Adds one row (transfer full): a new case, or more lesions of a known
 * image after checking the fields agree. Same return as _fail. */
gboolean msc_manifest_builder_add   (MscManifestBuilder *b, MscCase *row, gboolean label_given);
/* Drops bad images, derives labels, checks files and coordinates. */
MscManifest *msc_manifest_builder_finish (MscManifestBuilder *b, GPtrArray **problems,
                                          GError **error);

/* Resolves path against the builder's folder (transfer full). */
char    *msc_manifest_resolve (const MscManifestBuilder *b, const char *path);

/* Field parsers; FALSE leaves a reason in *why (transfer full). */
gboolean msc_manifest_parse_label      (const char *s, MscLabel *label, char **why);
gboolean msc_manifest_parse_severity   (const char *s, MscLabel *severity, char **why);
gboolean msc_manifest_parse_laterality (const char *s, MscLaterality *lat, char **why);
gboolean msc_manifest_parse_number     (const char *s, const char *what, double *value, char **why);
GArray  *msc_manifest_parse_polygon    (const char *s, char **why);

/* JSON reader (msc-manifest-json.c), on the builder. */
gboolean msc_manifest_read_json (MscManifestBuilder *b, const char *data, gsize size);
/* CSV readers (msc-manifest-csv.c). */
gboolean msc_manifest_read_csv  (MscManifestBuilder *b, const char *data, gsize size);
gboolean msc_manifest_read_mias (MscManifestBuilder *b, const char *data, gsize size,
                                 const char *images_dir);

G_END_DECLS
