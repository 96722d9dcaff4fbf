/* engine/train/msc-train-config.h — a training run described as one JSON
 * file: graph, tasks, manifest, split and every MscTrainerConfig field, read
 * strictly (unknown keys, wrong types and out-of-range values are refused
 * naming the file and the key's path, e.g. "run.json: optimizer.lr: ...").
 *
 *   g_autoptr (MscTrainConfig) tc = msc_train_config_load ("run.json", presets, &error);
 *   g_autoptr (MscManifest) m = msc_train_config_load_manifest (tc, &problems, &error);
 *   guint *train, n_train, *val, n_val;
 *   msc_train_config_select (tc, m, &train, &n_train, &val, &n_val, &error);
 *   MscTrainer *t = msc_trainer_new (&tc->trainer, m, train, n_train, val, n_val, &error);
 */
#pragma once

#include <glib.h>

#include "msc-manifest.h"
#include "msc-trainer.h"

G_BEGIN_DECLS

typedef enum {
  MSC_TRAIN_MANIFEST_AUTO = 0,  /* our CSV or JSON, sniffed from the content */
  MSC_TRAIN_MANIFEST_MIAS,      /* MIAS labels.csv + images folder */
} MscTrainManifestKind;

typedef enum {
  MSC_TRAIN_SPLIT_NONE = 0,     /* every case trains, no validation */
  MSC_TRAIN_SPLIT_KFOLD,        /* fold `fold` of `folds` validates */
  MSC_TRAIN_SPLIT_TRAIN_VAL,    /* val_fraction of the patients validate */
} MscTrainSplitKind;

typedef enum {
  MSC_TRAIN_SEMI_NONE = 0,      /* supervised */
  MSC_TRAIN_SEMI_MPL,           /* Meta Pseudo Labels (msc-mpl.h) */
} MscTrainSemiKind;

typedef struct {
  /* The trainer's configuration; its strings point into the owned copies
   * below (or to static defaults), so they live as long as this struct. */
  MscTrainerConfig trainer;

  char *path;                   /* the configuration file (or name given) */
  char *base_dir;               /* relative paths resolve against this */
  char *graph_path;             /* absolute: a preset or the named file */
  char *output_dir;             /* absolute */
  char *preprocess_steps;       /* nullable: trainer default */
  char *hard_negatives;         /* nullable: absolute path of the hard-negative places */
  char *seg_output, *class_output;
  char *abnormal_output, *malignant_output;
  char *stage_prefixes[MSC_TRAINER_MAX_STAGES];

  MscTrainManifestKind manifest_kind;
  char *manifest_path;          /* absolute: CSV/JSON manifest or MIAS labels.csv */
  char *images_dir;             /* MIAS only; absolute */
  gboolean manifest_skip_bad;   /* SKIP bad rows (reported) instead of refusing */

  MscTrainSplitKind split_kind;
  guint folds, fold;            /* KFOLD: 2..; 0..folds-1 */
  double val_fraction;          /* TRAIN_VAL: (0, 1) */
  guint64 split_seed;

  /* Labelled subset of the training cases (msc_split_labelled): a
   * supervised run trains on data.labelled_fraction of them; an MPL run
   * labels semi.labelled_fraction and keeps the rest as unlabelled images.
   * The same fraction and seed give the same subset in both. */
  double labelled_fraction;     /* data.labelled_fraction: (0, 1], 1 = all */
  guint64 labelled_seed;        /* data.labelled_seed */
  MscTrainSemiKind semi_kind;
  double semi_labelled_fraction;
  guint semi_warmup;            /* supervised steps before MPL */
  guint64 semi_seed;            /* the labelled subset's seed */

  /* What the model bundle's card says (msc-model-bundle.h); NULL = default. */
  char *model_name, *model_version, *model_description;
} MscTrainConfig;

/* Reads and checks a configuration file. presets_dir (nullable) is where a
 * graph given by name ("unet-small") is looked up as NAME.json; a value
 * with a '/' or ending in ".json" is a path. INVALID names the file and the
 * key; MISSING when a named file (graph, manifest, images folder) is absent.
 * (transfer full) */
MscTrainConfig *msc_train_config_load       (const char *path, const char *presets_dir,
                                             GError **error);
/* The same from text; name is used in messages, base_dir for relative paths. */
MscTrainConfig *msc_train_config_load_bytes (const char *text, gsize length, const char *name,
                                             const char *base_dir, const char *presets_dir,
                                             GError **error);
void            msc_train_config_free       (MscTrainConfig *self);   /* NULL-safe */

/* Loads the manifest the configuration names (problems: see
 * msc_manifest_load). (transfer full) */
MscManifest    *msc_train_config_load_manifest (const MscTrainConfig *self,
                                                GPtrArray **problems, GError **error);

/* Case indices for training and validation by the configured patient-level
 * split (transfer full, g_free; *val is NULL when n_val is 0). EMPTY when no
 * case is left to train on. */
gboolean        msc_train_config_select (const MscTrainConfig *self, const MscManifest *manifest,
                                         guint **train, guint *n_train,
                                         guint **val, guint *n_val, GError **error);

/* The training cases the run learns from, after msc_train_config_select:
 * all of train, or the labelled subset data.labelled_fraction selects
 * (supervised), or semi.labelled_fraction's subset and the rest as
 * *unlabelled (MPL; NULL/0 otherwise). (transfer full, g_free) */
gboolean        msc_train_config_select_labelled (const MscTrainConfig *self,
                                                  const MscManifest *manifest,
                                                  const guint *train, guint n_train,
                                                  guint **labelled, guint *n_labelled,
                                                  guint **unlabelled, guint *n_unlabelled,
                                                  GError **error);

/* The configuration as canonical JSON with every field, paths absolute;
 * msc_train_config_load_bytes gives the same configuration back.
 * (transfer full) */
char           *msc_train_config_to_json (const MscTrainConfig *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscTrainConfig, msc_train_config_free)

G_END_DECLS
