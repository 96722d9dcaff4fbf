/* ui/msc-study-grid.h — the hanging protocols: one study (and optionally a
 * prior of the same patient) laid out as 4-up, 2-up CC/MLO, 1-up or
 * prior/current, mirrored so chest walls face each other, with zoom and pan
 * synchronised between paired views.
 */
#pragma once

#include <gtk/gtk.h>
#include "msc-study.h"
#include "msc-image-view.h"
#include "msc-overlay.h"

G_BEGIN_DECLS

typedef enum {
  MSC_PROTOCOL_4UP = 0,         /* R-CC L-CC / R-MLO L-MLO */
  MSC_PROTOCOL_2UP_CC,
  MSC_PROTOCOL_2UP_MLO,
  MSC_PROTOCOL_1UP,             /* the active view alone */
  MSC_PROTOCOL_PRIOR_CURRENT,   /* current CC (or MLO) pair above the prior's */
  MSC_N_PROTOCOLS,
} MscProtocol;

/* Which edge of the STORED image the chest wall is on. */
typedef enum {
  MSC_CHEST_WALL_UNKNOWN = 0,
  MSC_CHEST_WALL_LEFT,
  MSC_CHEST_WALL_RIGHT,
} MscChestWall;

/* Decides the chest-wall edge: from the pixels (the side the breast tissue
 * lies on, MONOCHROME1 taken into account) when they are clear, else from
 * the laterality by the convention the engine uses (right breast: chest
 * wall on the image's right). MscImage carries no PatientOrientation. */
MscChestWall msc_chest_wall_side (const MscImage *image);
/* Whether a view in the left (left_column TRUE) or right column must be
 * shown mirrored so its chest wall faces the middle. */
gboolean     msc_chest_wall_needs_mirror (MscChestWall side, gboolean left_column);

const char  *msc_protocol_to_string (MscProtocol protocol);   /* translated, "4-up"... */

#define MSC_TYPE_STUDY_GRID (msc_study_grid_get_type ())
G_DECLARE_FINAL_TYPE (MscStudyGrid, msc_study_grid, MSC, STUDY_GRID, GtkWidget)

GtkWidget    *msc_study_grid_new (void);
/* current/prior: (nullable); problems: (nullable) "PATH: reason" strings;
 * a problem whose file would hang in an empty slot shows as that slot's
 * error tile. All are referenced, not copied. */
void          msc_study_grid_set_studies (MscStudyGrid *self, MscStudy *current, MscStudy *prior,
                                          GPtrArray *problems);
MscStudy     *msc_study_grid_get_current (MscStudyGrid *self);   /* (transfer none) (nullable) */
MscStudy     *msc_study_grid_get_prior (MscStudyGrid *self);     /* (transfer none) (nullable) */
void          msc_study_grid_set_protocol (MscStudyGrid *self, MscProtocol protocol);
MscProtocol   msc_study_grid_get_protocol (MscStudyGrid *self);
/* The current study's view of slot (always exists, maybe empty). (transfer none) */
MscImageView *msc_study_grid_get_view (MscStudyGrid *self, MscSlot slot);
/* The prior study's view of slot. (transfer none) */
MscImageView *msc_study_grid_get_prior_view (MscStudyGrid *self, MscSlot slot);
/* The view the toolbar acts on (last clicked, or the 1-up one). (transfer none) */
MscImageView *msc_study_grid_get_active_view (MscStudyGrid *self);
MscSlot       msc_study_grid_get_active_slot (MscStudyGrid *self);
void          msc_study_grid_set_active_slot (MscStudyGrid *self, MscSlot slot);
/* Tab / Shift+Tab: next/previous slot (delta +1/-1), wrapping. */
void          msc_study_grid_cycle_active (MscStudyGrid *self, int delta);
/* The overlay of the current study's view of slot. (transfer none) */
MscOverlay   *msc_study_grid_get_overlay (MscStudyGrid *self, MscSlot slot);
/* Every view the grid owns (current then prior), for applying a setting to
 * all. (transfer container) of MscImageView* */
GPtrArray    *msc_study_grid_dup_views (MscStudyGrid *self);

/* Properties: "protocol" (int MscProtocol), "active-slot" (int MscSlot).
 * Signals: "active-view-changed" (), "cursor-moved" (MscImageView *view,
 * double image_x, double image_y, gboolean inside) forwarded from the views. */

G_END_DECLS
