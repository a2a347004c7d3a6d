/* SQLite persistence of the metric history: every sample of the last hour and one-minute
 * averages for 7 days, and the insights of those 7 days, in WAL mode, schema versioned. A store
 * handle may move between threads (open on the loop, write on a libuv worker) but only one thread
 * may use it at a time; a concurrent call is refused with -EBUSY instead of racing. No global
 * state. */
#ifndef PULSE_STORE_H
#define PULSE_STORE_H

#include "metrics/analytics.h"
#include "metrics/collector.h"
#include "metrics/history.h"
#include "metrics/insight_log.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PULSE_STORE_SCHEMA_VERSION 3
#define PULSE_STORE_CACHE_KIB_STR "2048" /* page cache bound per database connection, KiB */
#define PULSE_STORE_BATCH_INSIGHTS 256   /* insights one batch holds */

typedef struct {
    int64_t raw_keep_ms;    /* raw samples kept (default 1 h) */
    int64_t minute_keep_ms; /* minute averages kept (default 7 days) */
    int64_t minute_ms;      /* width of an average bucket (default 60000) */
    size_t insight_keep;    /* newest insights kept, also within minute_keep_ms (0 = 2048) */
} pulse_store_config;

typedef struct {
    int64_t ts_ms;
    double *values; /* nvalues of them; NaN = no value (stored as NULL) */
} pulse_store_row;

/* A plain-data copy of one or more ticks, safe to hand to a worker thread. */
typedef struct {
    size_t count, cap;
    int nvalues;              /* values per row */
    const char *const *names; /* their names (nvalues of them, e.g. the catalog's) for the store to
                                 register those past its set; NULL = the store's set */
    pulse_store_row *rows;
    double *vals;     /* the rows' values, cap × nvalues */
    size_t ninsights; /* up to PULSE_STORE_BATCH_INSIGHTS */
    pulse_insight *insights;
} pulse_store_batch;

typedef struct pulse_store pulse_store;

/* Fills cfg with the defaults above. */
void pulse_store_config_default(pulse_store_config *cfg);
/* Allocates room for cap rows of the base metrics; -EINVAL for cap 0, -ENOMEM. */
int pulse_store_batch_init(pulse_store_batch *b, size_t cap);
/* Allocates room for cap rows of nvalues values each; -EINVAL, -ENOMEM. */
int pulse_store_batch_init_n(pulse_store_batch *b, size_t cap, int nvalues);
/* Widens every row to nvalues values (rows held get NaN for the new ones); -EINVAL, -ENOMEM. */
int pulse_store_batch_grow(pulse_store_batch *b, int nvalues);
/* Appends one tick's values (the batch's nvalues of them); -ENOSPC when full. */
int pulse_store_batch_add(pulse_store_batch *b, int64_t ts_ms, const double *values);
/* Appends one insight; -ENOSPC when full. */
int pulse_store_batch_add_insight(pulse_store_batch *b, const pulse_insight *in);
/* True when the batch holds neither rows nor insights. */
bool pulse_store_batch_empty(const pulse_store_batch *b);
/* Empties the batch, keeping its memory. */
void pulse_store_batch_reset(pulse_store_batch *b);
/* Frees the rows; the struct itself is the caller's. */
void pulse_store_batch_free(pulse_store_batch *b);

/* Opens or creates path (":memory:" keeps nothing), sets WAL, creates/migrates the schema.
 * Errors: -EACCES cannot open/create, -EROFS read-only, -EBADMSG not a database or corrupt,
 * -EPROTO schema newer than this build, -EIO other; err gets a one-line reason. cfg NULL =
 * defaults. */
int pulse_store_open(const char *path, const pulse_store_config *cfg, pulse_store **out, char *err,
                     size_t errlen);
/* Closes the database (checkpointing the WAL); NULL is fine. */
void pulse_store_close(pulse_store *s);
/* Writes the batch (registering the batch's names past the store's set first, which then uses
 * them), rolls finished minutes into averages and enforces retention relative to
 * now_ms, all in one transaction. */
int pulse_store_write(pulse_store *s, const pulse_store_batch *b, int64_t now_ms, char *err,
                      size_t errlen);
/* Loads minute averages and raw samples within retention of now_ms into h, oldest first. */
int pulse_store_load(pulse_store *s, pulse_history *h, int64_t now_ms, char *err, size_t errlen);
/* Loads the stored insights within minute_keep_ms of now_ms into log, oldest first. */
int pulse_store_load_insights(pulse_store *s, pulse_insight_log *log, int64_t now_ms, char *err,
                              size_t errlen);
/* Replaces the metric set (value index i = names[i]; base metrics first by convention),
 * registering new names; rows and loads then use n values. */
int pulse_store_set_metrics(pulse_store *s, const char *const *names, int n, char *err,
                            size_t errlen);
/* Calls fn with each metric name that has a stored sample or minute (on the calling thread);
 * -EBUSY, or a negative SQLite error. */
int pulse_store_metric_names(pulse_store *s, void (*fn)(void *arg, const char *name), void *arg);
/* Schema version recorded in the database, or a negative error. */
int pulse_store_schema_version(pulse_store *s);

/* Bytes SQLite holds now (page cache included) and its high-water mark, process-wide. */
void pulse_store_memory(uint64_t *used, uint64_t *highwater);

#endif
