/* ui/msc-study-list.h — the studies one window has opened: which one hangs
 * first, which earlier study of the same patient is its prior, and the
 * line each gets in the header bar's study chooser.
 */
#pragma once

#include <gio/gio.h>
#include "msc-study.h"

G_BEGIN_DECLS

/* Whose study: "id:<Patient ID>", else "desc:<Study Description>", else
 * NULL (transfer full). For pairing studies only; never log it. */
char     *msc_study_list_dup_patient_key (MscStudy *study);
/* The study date as YYYY-MM-DD, or "" when the file has none (transfer full). */
char     *msc_study_list_dup_date        (MscStudy *study);
/* The chooser's line: description (or the folder's name), date, number
 * of images and the Patient ID when there is one (transfer full). The ID
 * is shown in the UI only; callers must not log this text. */
char     *msc_study_list_dup_label       (MscStudy *study);
/* The short form for the header-bar button: description or folder name. */
char     *msc_study_list_dup_title       (MscStudy *study);
/* Index of the study to hang first: the latest study of the first
 * study's patient. 0 for an empty array too. */
guint     msc_study_list_pick_initial    (GPtrArray *studies);
/* (transfer none) (nullable) the latest study with current's Patient ID
 * dated strictly before it; none without a Patient ID or a full date. */
MscStudy *msc_study_list_pick_prior      (GPtrArray *studies, MscStudy *current);

/* A menu of every study (win.study with the index as a u target). */
GMenu    *msc_study_list_build_menu      (GPtrArray *studies);

/* The "PATH: reason" problems (borrowed strings, container transfer full)
 * of files in the folder of current's first image. */
GPtrArray *msc_study_list_problems_near  (GPtrArray *problems, MscStudy *current);

G_END_DECLS
