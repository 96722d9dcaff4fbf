/* engine/nn/msc-threadpool.h — a small fixed pool of worker threads.
 *
 * Kernels that are plain C loops split their work into tasks and hand
 * them to msc_thread_pool_run; a NULL pool runs the tasks inline, so every
 * kernel works (and tests run) without one.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MscThreadPool MscThreadPool;

typedef void (*MscThreadPoolFunc) (guint task, gpointer data);

/* A pool of n_threads workers in total (the calling thread counts as one:
 * n_threads - 1 threads are spawned). n_threads 0 = number of processors.
 * (transfer full) */
MscThreadPool *msc_thread_pool_new       (guint n_threads);
void           msc_thread_pool_free      (MscThreadPool *self);   /* NULL-safe */
guint          msc_thread_pool_n_threads (const MscThreadPool *self); /* NULL -> 1 */

/* Runs fn (task, data) for task in [0, n_tasks) and returns when all have
 * finished. Tasks may run in any order and concurrently; the calling thread
 * takes part. NULL self runs them in order on the calling thread. Not
 * re-entrant: fn must not call run on the same pool. */
void           msc_thread_pool_run       (MscThreadPool *self, guint n_tasks,
                                          MscThreadPoolFunc fn, gpointer data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscThreadPool, msc_thread_pool_free)

G_END_DECLS
