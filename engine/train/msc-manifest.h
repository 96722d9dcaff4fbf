/* engine/train/msc-manifest.h — what a training or evaluation run reads:
 * a manifest of cases (image, patient, laterality, label, lesion geometry)
 * from our CSV/JSON formats or the MIAS labels file, patient-level k-fold
 * and train/validation splits, and class-balance helpers (counts, weights,
 * a balanced sampler). Everything is deterministic given a seed.
 */
#pragma once

#include <glib.h>

#include "msc-contour.h"
#include "msc-image.h"
#include "msc-train-error.h"

G_BEGIN_DECLS

/* Image-level ground truth. UNLABELLED images feed semi-supervised runs. */
typedef enum {
  MSC_LABEL_NORMAL = 0,
  MSC_LABEL_BENIGN,
  MSC_LABEL_MALIGNANT,
  MSC_LABEL_UNLABELLED,
} MscLabel;

#define MSC_LABEL_N_CLASSES 3   /* NORMAL, BENIGN, MALIGNANT */

/* "normal", "benign", "malignant", "unlabelled" (not translated: file format). */
const char *msc_label_to_string (MscLabel label);

typedef enum {
  MSC_LESION_NONE = 0,  /* image-level finding without geometry (e.g. widespread CALC) */
  MSC_LESION_CIRCLE,    /* cx, cy, radius */
  MSC_LESION_POLYGON,   /* polygon */
  MSC_LESION_MASK,      /* mask_path */
} MscLesionKind;

/* One finding. Coordinates are top-down image pixels (pixel centres at
 * integers, row 0 at the top), whatever the source convention was. */
typedef struct {
  MscLesionKind kind;
  double cx, cy, radius;    /* CIRCLE; radius > 0 */
  GArray *polygon;          /* POLYGON: >= 3 MscPoint, implicitly closed; else NULL */
  char *mask_path;          /* MASK: absolute path of a mask image; else NULL */
  char *type;               /* "CIRC", "SPIC", "MISC", "CALC", "ARCH", "ASYM" or free text; nullable */
  MscLabel severity;        /* BENIGN or MALIGNANT */
  guint line;               /* source line (CSV) or line of the lesion's case (JSON) */
} MscLesion;

void msc_lesion_free (MscLesion *lesion);   /* NULL-safe */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscLesion, msc_lesion_free)

/* One image of one patient. */
typedef struct {
  char *image_path;         /* absolute, resolved against the manifest's folder */
  char *patient;            /* patient id; both breasts of a patient share it */
  MscLaterality laterality;
  char *view;               /* "MLO", "CC"... or NULL */
  MscLabel label;           /* given, or derived: NORMAL without lesions, MALIGNANT
                               if any lesion is, else BENIGN */
  char *tissue;             /* "F", "G", "D"... or NULL */
  GPtrArray *lesions;       /* MscLesion, owned; never NULL */
  guint width, height;      /* image size when the loader read it, else 0 */
  guint line;               /* first source line of the case (1-based) */
} MscCase;

void msc_case_free (MscCase *c);            /* NULL-safe */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscCase, msc_case_free)

/* What to do with a bad row: STRICT refuses the whole manifest with the
 * first problem; SKIP drops the image the row belongs to (all its rows, so
 * a dropped malignant lesion never turns an image benign) and reports. */
typedef enum {
  MSC_MANIFEST_STRICT = 0,
  MSC_MANIFEST_SKIP,
} MscManifestPolicy;

#define MSC_MANIFEST_MAX_ROWS_DEFAULT 1000000u
#define MSC_MANIFEST_MAX_BYTES_DEFAULT (256u << 20)

typedef struct {
  MscManifestPolicy policy;
  guint max_rows;            /* refuse files with more data rows; 0 = default */
  gsize max_bytes;           /* refuse larger files; 0 = default */
  gboolean no_file_checks;   /* do not open images or masks (no MISSING, no
                                size checks): for tests and fuzzing */
} MscManifestOptions;

typedef struct _MscManifest MscManifest;

/* Loads a CSV or JSON manifest (sniffed from the content). opts may be NULL
 * (STRICT, defaults). problems, when not NULL, receives a GPtrArray of
 * "FILE:LINE: problem" strings (transfer full; empty when all was well).
 * Errors: INVALID (bad row or file), MISSING (file named by a row, or the
 * manifest itself), EMPTY (no case left). */
MscManifest *msc_manifest_load        (const char *path,
                                       const MscManifestOptions *opts,
                                       GPtrArray **problems,
                                       GError **error);
/* The same from memory; name is used in messages, base_dir resolves
 * relative paths (NULL: the current directory). */
MscManifest *msc_manifest_load_bytes  (const char *data,
                                       gsize size,
                                       const char *name,
                                       const char *base_dir,
                                       const MscManifestOptions *opts,
                                       GPtrArray **problems,
                                       GError **error);
/* The MIAS labels.csv (id, patient, laterality, view, tissue, abnormality,
 * severity, x, y_from_bottom, radius) with images at images_dir/<id>.png.
 * y_from_bottom becomes top-down with each image's real height; findings
 * without a centre become MSC_LESION_NONE lesions. */
MscManifest *msc_manifest_load_mias   (const char *labels_csv,
                                       const char *images_dir,
                                       const MscManifestOptions *opts,
                                       GPtrArray **problems,
                                       GError **error);

MscManifest   *msc_manifest_ref        (MscManifest *self);
void           msc_manifest_unref      (MscManifest *self);   /* NULL-safe */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscManifest, msc_manifest_unref)

guint          msc_manifest_get_n_cases (const MscManifest *self);
const MscCase *msc_manifest_get_case    (const MscManifest *self, guint index); /* lent */
const char    *msc_manifest_get_path    (const MscManifest *self); /* source file or name */
/* Distinct patients, in order of first appearance. */
guint          msc_manifest_get_n_patients (const MscManifest *self);

/* A new manifest with the cases at indices (in that order; each index at
 * most once). Cases are copied. INVALID for an index out of range or
 * repeated, EMPTY when n_indices is 0. */
MscManifest   *msc_manifest_subset     (const MscManifest *self,
                                        const guint *indices,
                                        guint n_indices,
                                        GError **error);
typedef gboolean (*MscCasePredicate) (const MscCase *c, gpointer user_data);
/* The cases for which keep returns TRUE; EMPTY when none. */
MscManifest   *msc_manifest_filter     (const MscManifest *self,
                                        MscCasePredicate keep,
                                        gpointer user_data,
                                        GError **error);
/* Our JSON format (absolute paths, explicit labels); loads back equal. */
char          *msc_manifest_to_json    (const MscManifest *self);   /* (transfer full) */
gboolean       msc_manifest_save_json  (const MscManifest *self,
                                        const char *path,
                                        GError **error);

/* ---- splits (msc-split.c) ---- */

/* Patient-level stratified k-fold: fold index 0..k-1 for every case (array
 * of n_cases, transfer full). Both images of a patient share a fold; the
 * stratum of a patient is their worst label (MALIGNANT > BENIGN > NORMAL >
 * UNLABELLED); fold sizes differ by at most one patient overall and per
 * stratum. INVALID when k < 2 or k > number of patients. */
guint    *msc_split_kfold      (const MscManifest *manifest,
                                guint k,
                                guint64 seed,
                                GError **error);
/* Patient-level stratified train/validation split: TRUE per case in
 * validation (array of n_cases, transfer full). About val_fraction of the
 * patients (rounded, at least one on each side) go to validation. INVALID
 * when val_fraction is not in (0, 1) or there are fewer than 2 patients. */
gboolean *msc_split_train_val  (const MscManifest *manifest,
                                double val_fraction,
                                guint64 seed,
                                GError **error);
/* Splits cases (indices into manifest, e.g. a split's training cases)
 * into a labelled share and the rest, by PATIENT: both images of a patient
 * land on the same side. Patients are stratified by their worst image
 * label among cases (MALIGNANT > BENIGN > NORMAL > UNLABELLED), shuffled
 * within each stratum by an MscRng from seed, and taken systematically so
 * round (fraction x patients) are labelled (at least one; at least one
 * left over when fraction < 1 and there are two patients or more) and every
 * stratum gets its proportional share within one patient. Both lists keep
 * the order of cases; *unlabelled is NULL when *n_unlabelled is 0.
 * INVALID when fraction is not in (0, 1] or an index is out of range,
 * EMPTY when cases is empty. Deterministic given (cases, fraction, seed). */
gboolean  msc_split_labelled   (const MscManifest *manifest, const guint *cases, guint n_cases,
                                double fraction, guint64 seed, guint **labelled,
                                guint *n_labelled, guint **unlabelled, guint *n_unlabelled,
                                GError **error);

/* ---- class balance (msc-split.c) ---- */

/* Cases per label, counts[MSC_LABEL_UNLABELLED + 1]. */
void      msc_manifest_count_labels (const MscManifest *manifest,
                                     guint counts[MSC_LABEL_UNLABELLED + 1]);
/* Inverse-frequency weights over the n_classes labelled classes:
 * w_c = N / (C * n_c), N = sum of counts, C = classes with n_c > 0; a class
 * with n_c = 0 gets 0. The count-weighted mean of the weights is 1. FALSE
 * (INVALID/EMPTY) when n_classes is 0 or every count is 0. */
gboolean  msc_class_weights         (const guint *counts,
                                     guint n_classes,
                                     double *weights,
                                     GError **error);

/* Draws case indices so each labelled class present is drawn equally
 * often: classes come in shuffled rounds (each class once per round), a
 * case uniformly within the class (with replacement). UNLABELLED cases are
 * never drawn. */
typedef struct _MscBalancedSampler MscBalancedSampler;

MscBalancedSampler *msc_balanced_sampler_new  (const MscManifest *manifest,
                                               guint64 seed,
                                               GError **error);
guint               msc_balanced_sampler_next (MscBalancedSampler *self);
void                msc_balanced_sampler_free (MscBalancedSampler *self); /* NULL-safe */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscBalancedSampler, msc_balanced_sampler_free)

G_END_DECLS
