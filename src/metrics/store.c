#include "metrics/store.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    ST_INSERT,
    ST_ROLLUP,
    ST_DEL_RAW,
    ST_DEL_MINUTE,
    ST_SEL_RAW,
    ST_SEL_MINUTE,
    ST_INS_INSIGHT,
    ST_DEL_INSIGHT,
    ST_SEL_INSIGHT,
    ST_BEGIN,
    ST_COMMIT,
    ST_COUNT
};

struct pulse_store {
    sqlite3 *db;
    pulse_store_config cfg;
    atomic_flag busy;
    sqlite3_stmt *st[ST_COUNT];
    int nmetrics; /* values per row: the base metrics, or the set given to set_metrics */
    int64_t *ids; /* metric table ids, by value index */
    /* The `upto` of the last committed rollup: minutes before it are final (samples only come
     * newer), so the rollup runs again only when a minute completes. INT64_MIN: none yet (the
     * first write re-averages the last stored minute, which may have been partial). */
    int64_t rolled_upto, rolling_upto;
    /* The minute of now_ms in the last committed pruning: retention by age runs once a minute
     * (a row goes at most a minute after its age passes), not in every write. */
    int64_t pruned_minute, pruning_minute;
};

/* Each entry moves the schema from version i to i + 1; append, never edit. */
static const char *const migrations[] = {
    "CREATE TABLE metric(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
    "CREATE TABLE sample(ts INTEGER NOT NULL, metric_id INTEGER NOT NULL REFERENCES metric(id),"
    " value REAL, PRIMARY KEY(ts, metric_id)) WITHOUT ROWID;"
    "CREATE TABLE minute(ts INTEGER NOT NULL, metric_id INTEGER NOT NULL REFERENCES metric(id),"
    " value REAL, PRIMARY KEY(ts, metric_id)) WITHOUT ROWID;",
    /* 2: insights, one row per raised or resolved event, keyed by its seq. */
    "CREATE TABLE insight(seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, key TEXT NOT NULL,"
    " level TEXT NOT NULL, active INTEGER NOT NULL, metric TEXT NOT NULL,"
    " message TEXT NOT NULL, value REAL, threshold REAL, clear_below REAL, baseline REAL,"
    " z REAL, resolves INTEGER NOT NULL, raised_ts INTEGER NOT NULL, reason TEXT NOT NULL);"
    "CREATE INDEX insight_ts ON insight(ts);",
    /* 3: the hours to full of a filesystem trend alert (NULL for every other insight). */
    "ALTER TABLE insight ADD COLUMN hours_to_full REAL;",
};

#define INSIGHT_COLUMNS                                                                            \
    "seq, ts, key, level, active, metric, message, value, threshold, clear_below, baseline, z,"    \
    " resolves, raised_ts, reason, hours_to_full"

static const char *const statements[ST_COUNT] = {
    [ST_INSERT] = "INSERT OR REPLACE INTO sample(ts, metric_id, value) VALUES(?1, ?2, ?3)",
    /* Re-averages from the last stored minute (it may have been partial) up to the minute the
     * newest sample is in, which is still filling. */
    [ST_ROLLUP] = "INSERT OR REPLACE INTO minute(ts, metric_id, value)"
                  " SELECT (ts / ?1) * ?1 AS m, metric_id, avg(value) FROM sample"
                  " WHERE ts >= (SELECT coalesce(max(ts), 0) FROM minute) AND ts < ?2"
                  " AND value IS NOT NULL GROUP BY m, metric_id",
    [ST_DEL_RAW] = "DELETE FROM sample WHERE ts < ?1",
    [ST_DEL_MINUTE] = "DELETE FROM minute WHERE ts < ?1",
    [ST_SEL_RAW] = "SELECT ts, metric_id, value FROM sample WHERE ts >= ?1 ORDER BY ts",
    [ST_SEL_MINUTE] = "SELECT ts, metric_id, value FROM minute WHERE ts >= ?1 ORDER BY ts",
    [ST_INS_INSIGHT] =
        "INSERT OR REPLACE INTO insight(" INSIGHT_COLUMNS ")"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    /* Retention by age, and at most ?2 rows (seq numbers are dense: one per insight). */
    [ST_DEL_INSIGHT] = "DELETE FROM insight WHERE ts < ?1"
                       " OR seq <= (SELECT coalesce(max(seq), 0) FROM insight) - ?2",
    [ST_SEL_INSIGHT] = "SELECT " INSIGHT_COLUMNS " FROM insight WHERE ts >= ?1 ORDER BY seq",
    /* Prepared once like the rest: each write would otherwise parse them again. */
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
};

void pulse_store_config_default(pulse_store_config *cfg)
{
    cfg->raw_keep_ms = 3600LL * 1000;
    cfg->minute_keep_ms = 7LL * 86400 * 1000;
    cfg->minute_ms = 60000;
    cfg->insight_keep = PULSE_INSIGHT_LOG_CAP;
}

/* ---- batch ---- */

int pulse_store_batch_init(pulse_store_batch *b, size_t cap)
{
    return pulse_store_batch_init_n(b, cap, PULSE_METRIC_COUNT);
}

int pulse_store_batch_add_insight(pulse_store_batch *b, const pulse_insight *in)
{
    if (!b || !in)
        return -EINVAL;
    if (b->ninsights >= PULSE_STORE_BATCH_INSIGHTS)
        return -ENOSPC;
    b->insights[b->ninsights++] = *in;
    return 0;
}

bool pulse_store_batch_empty(const pulse_store_batch *b)
{
    return !b || (b->count == 0 && b->ninsights == 0);
}

int pulse_store_batch_init_n(pulse_store_batch *b, size_t cap, int nvalues)
{
    if (!b || cap == 0 || nvalues < 1)
        return -EINVAL;
    b->rows = calloc(cap, sizeof(*b->rows));
    b->vals = calloc(cap * (size_t)nvalues, sizeof(*b->vals));
    b->insights = calloc(PULSE_STORE_BATCH_INSIGHTS, sizeof(*b->insights));
    b->count = b->ninsights = 0;
    b->nvalues = nvalues;
    b->cap = b->rows && b->vals && b->insights ? cap : 0;
    if (!b->cap) {
        pulse_store_batch_free(b);
        return -ENOMEM;
    }
    for (size_t i = 0; i < cap; i++)
        b->rows[i].values = b->vals + i * (size_t)nvalues;
    return 0;
}

int pulse_store_batch_grow(pulse_store_batch *b, int nvalues)
{
    if (!b || !b->cap || nvalues < b->nvalues)
        return -EINVAL;
    if (nvalues == b->nvalues)
        return 0;
    double *vals = malloc(b->cap * (size_t)nvalues * sizeof(*vals));
    if (!vals)
        return -ENOMEM;
    for (size_t i = 0; i < b->cap; i++) { /* only held rows are written: no RSS for the rest */
        double *row = vals + i * (size_t)nvalues;
        if (i < b->count) {
            memcpy(row, b->rows[i].values, (size_t)b->nvalues * sizeof(*row));
            for (int m = b->nvalues; m < nvalues; m++)
                row[m] = NAN;
        }
        b->rows[i].values = row;
    }
    free(b->vals);
    b->vals = vals;
    b->nvalues = nvalues;
    return 0;
}

int pulse_store_batch_add(pulse_store_batch *b, int64_t ts_ms, const double *values)
{
    if (!b || !values)
        return -EINVAL;
    if (b->count >= b->cap)
        return -ENOSPC;
    pulse_store_row *r = &b->rows[b->count++];
    r->ts_ms = ts_ms;
    memcpy(r->values, values, (size_t)b->nvalues * sizeof(*values));
    return 0;
}

void pulse_store_batch_reset(pulse_store_batch *b)
{
    if (b)
        b->count = b->ninsights = 0;
}

void pulse_store_batch_free(pulse_store_batch *b)
{
    if (!b)
        return;
    free(b->rows);
    free(b->vals);
    free(b->insights);
    b->rows = NULL;
    b->vals = NULL;
    b->insights = NULL;
    b->count = b->cap = b->ninsights = 0;
}

/* ---- errors ---- */

static int map_sqlite(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return -EACCES;
    case SQLITE_READONLY:
        return -EROFS;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
        return -EBADMSG;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return -EBUSY;
    case SQLITE_FULL:
        return -ENOSPC;
    case SQLITE_NOMEM:
        return -ENOMEM;
    default:
        return -EIO;
    }
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int db_fail(sqlite3 *db, int rc, const char *what, char *err, size_t errlen)
{
    set_err(err, errlen, "%s: %s", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    return map_sqlite(rc);
}

static int exec(sqlite3 *db, const char *sql, const char *what, char *err, size_t errlen)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : db_fail(db, rc, what, err, errlen);
}

/* ---- open and schema ---- */

static int query_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int apply_migrations(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    const int latest = (int)(sizeof(migrations) / sizeof(migrations[0]));
    int64_t version = 0;
    int rc = query_int(db, "SELECT coalesce(max(version), 0) FROM schema_version", &version);
    if (rc != SQLITE_OK)
        return db_fail(db, rc, "reading schema version", err, errlen);
    if (version > latest) {
        set_err(err, errlen, "%s: schema version %lld is newer than this pulse (%d)", path,
                (long long)version, latest);
        return -EPROTO;
    }
    for (int v = (int)version; v < latest; v++) {
        int e = exec(db, migrations[v], "migrating schema", err, errlen);
        if (e < 0)
            return e;
    }
    if (version < latest) {
        char sql[96];
        snprintf(sql, sizeof(sql),
                 "DELETE FROM schema_version; INSERT INTO schema_version "
                 "VALUES(%d)",
                 latest);
        return exec(db, sql, "recording schema version", err, errlen);
    }
    return 0;
}

static int register_metrics(pulse_store *s, const char *const *names, int n, char *err,
                            size_t errlen)
{
    sqlite3_stmt *ins, *sel;
    int rc =
        sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO metric(name) VALUES(?1)", -1, &ins, NULL);
    if (rc != SQLITE_OK)
        return db_fail(s->db, rc, "registering metrics", err, errlen);
    rc = sqlite3_prepare_v2(s->db, "SELECT id FROM metric WHERE name = ?1", -1, &sel, NULL);
    for (int m = 0; rc == SQLITE_OK && m < n; m++) {
        sqlite3_bind_text(ins, 1, names[m], -1, SQLITE_STATIC);
        sqlite3_bind_text(sel, 1, names[m], -1, SQLITE_STATIC);
        rc = sqlite3_step(ins) == SQLITE_DONE && sqlite3_step(sel) == SQLITE_ROW ? SQLITE_OK
                                                                                 : SQLITE_ERROR;
        if (rc == SQLITE_OK)
            s->ids[m] = sqlite3_column_int64(sel, 0);
        sqlite3_reset(ins);
        sqlite3_reset(sel);
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(sel);
    return rc == SQLITE_OK ? 0 : db_fail(s->db, rc, "registering metrics", err, errlen);
}

/* Schema and metric ids in one write transaction: this is also what proves the file writable. */
static int init_schema(pulse_store *s, const char *path, char *err, size_t errlen)
{
    int rc = exec(s->db, "BEGIN IMMEDIATE", path, err, errlen);
    if (rc < 0)
        return rc;
    rc = exec(s->db, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)", path,
              err, errlen);
    if (rc == 0)
        rc = apply_migrations(s->db, path, err, errlen);
    const char *base[PULSE_METRIC_COUNT];
    for (int m = 0; m < PULSE_METRIC_COUNT; m++)
        base[m] = pulse_metric_name(m);
    if (rc == 0)
        rc = register_metrics(s, base, PULSE_METRIC_COUNT, err, errlen);
    if (rc == 0)
        rc = exec(s->db, "COMMIT", path, err, errlen);
    if (rc < 0)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static int set_pragmas(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    sqlite3_busy_timeout(db, 2000);
    /* journal_mode is the first statement to read the header, so it is where a file that is
     * not a database shows up. */
    int rc = exec(db, "PRAGMA journal_mode=WAL", path, err, errlen);
    if (rc == 0)
        rc = exec(db, "PRAGMA synchronous=NORMAL", path, err, errlen);
    /* The page cache grows with the database up to this bound, then stays (SQLite's default,
     * written down so that the daemon's memory has a stated ceiling: docs/OPERATIONS.md). */
    if (rc == 0)
        rc = exec(db, "PRAGMA cache_size=-" PULSE_STORE_CACHE_KIB_STR, path, err, errlen);
    return rc;
}

/* A damaged file is refused before anything is written to it (a read-only check: about 0.1 s
 * for a week of history). */
static int check_integrity(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_fail(db, rc, path, err, errlen);
    rc = sqlite3_step(st);
    const char *res = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    int bad = rc != SQLITE_ROW || !res || strcmp(res, "ok") != 0;
    if (bad && rc == SQLITE_ROW)
        set_err(err, errlen, "%s: database disk image is malformed (%s)", path, res ? res : "?");
    else if (bad)
        db_fail(db, rc, path, err, errlen);
    sqlite3_finalize(st);
    return bad ? (rc == SQLITE_ROW ? -EBADMSG : map_sqlite(rc)) : 0;
}

static int prepare_all(pulse_store *s, char *err, size_t errlen)
{
    for (int i = 0; i < ST_COUNT; i++) {
        int rc = sqlite3_prepare_v3(s->db, statements[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
                                    NULL);
        if (rc != SQLITE_OK)
            return db_fail(s->db, rc, "preparing statements", err, errlen);
    }
    return 0;
}

static bool config_ok(const pulse_store_config *c)
{
    return c->raw_keep_ms > 0 && c->minute_keep_ms > 0 && c->minute_ms > 0;
}

int pulse_store_open(const char *path, const pulse_store_config *cfg, pulse_store **out, char *err,
                     size_t errlen)
{
    set_err(err, errlen, "%s", "");
    if (!path || !out || (cfg && !config_ok(cfg))) {
        set_err(err, errlen, "invalid store arguments");
        return -EINVAL;
    }
    *out = NULL;
    pulse_store *s = calloc(1, sizeof(*s));
    if (!s || !(s->ids = calloc(PULSE_METRIC_COUNT, sizeof(*s->ids)))) {
        free(s);
        return -ENOMEM;
    }
    s->nmetrics = PULSE_METRIC_COUNT;
    s->rolled_upto = s->rolling_upto = INT64_MIN;
    s->pruned_minute = s->pruning_minute = INT64_MIN;
    atomic_flag_clear(&s->busy);
    if (cfg)
        s->cfg = *cfg;
    else
        pulse_store_config_default(&s->cfg);
    if (s->cfg.insight_keep == 0)
        s->cfg.insight_keep = PULSE_INSIGHT_LOG_CAP;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
    int rc = sqlite3_open_v2(path, &s->db, flags, NULL);
    rc = rc == SQLITE_OK ? 0 : db_fail(s->db, rc, path, err, errlen);
    if (rc == 0)
        rc = set_pragmas(s->db, path, err, errlen);
    if (rc == 0)
        rc = check_integrity(s->db, path, err, errlen);
    if (rc == 0)
        rc = init_schema(s, path, err, errlen);
    if (rc == 0)
        rc = prepare_all(s, err, errlen);
    if (rc < 0) {
        pulse_store_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void pulse_store_close(pulse_store *s)
{
    if (!s)
        return;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    sqlite3_close(s->db);
    free(s->ids);
    free(s);
}

static int set_metrics_locked(pulse_store *s, const char *const *names, int n, char *err,
                              size_t errlen)
{
    int64_t *ids = calloc((size_t)n, sizeof(*ids));
    if (!ids)
        return -ENOMEM;
    int64_t *old = s->ids;
    s->ids = ids;
    int rc = exec(s->db, "BEGIN IMMEDIATE", "registering metrics", err, errlen);
    if (rc == 0)
        rc = register_metrics(s, names, n, err, errlen);
    if (rc == 0)
        rc = exec(s->db, "COMMIT", "registering metrics", err, errlen);
    if (rc < 0) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        s->ids = old;
        free(ids);
        return rc;
    }
    free(old);
    s->nmetrics = n;
    return 0;
}

int pulse_store_set_metrics(pulse_store *s, const char *const *names, int n, char *err,
                            size_t errlen)
{
    if (!s || !names || n < 1)
        return -EINVAL;
    if (atomic_flag_test_and_set(&s->busy)) {
        set_err(err, errlen, "store is in use by another thread");
        return -EBUSY;
    }
    int rc = set_metrics_locked(s, names, n, err, errlen);
    atomic_flag_clear(&s->busy);
    return rc;
}

int pulse_store_schema_version(pulse_store *s)
{
    if (!s)
        return -EINVAL;
    if (atomic_flag_test_and_set(&s->busy))
        return -EBUSY;
    int64_t v = 0;
    int rc = query_int(s->db, "SELECT coalesce(max(version), 0) FROM schema_version", &v);
    atomic_flag_clear(&s->busy);
    return rc == SQLITE_OK ? (int)v : map_sqlite(rc);
}

/* ---- write ---- */

static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int insert_row(pulse_store *s, const pulse_store_row *r, int nvalues)
{
    sqlite3_stmt *st = s->st[ST_INSERT];
    for (int m = 0; m < s->nmetrics && m < nvalues; m++) {
        sqlite3_bind_int64(st, 1, r->ts_ms);
        sqlite3_bind_int64(st, 2, s->ids[m]);
        if (isnan(r->values[m]) || isinf(r->values[m]))
            sqlite3_bind_null(st, 3);
        else
            sqlite3_bind_double(st, 3, r->values[m]);
        int rc = step_done(st);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

static int64_t newest_ts(const pulse_store_batch *b)
{
    int64_t t = INT64_MIN;
    for (size_t i = 0; i < b->count; i++)
        if (b->rows[i].ts_ms > t)
            t = b->rows[i].ts_ms;
    return t;
}

static void bind_real_or_null(sqlite3_stmt *st, int col, double v)
{
    if (isfinite(v))
        sqlite3_bind_double(st, col, v);
    else
        sqlite3_bind_null(st, col);
}

static int insert_insight(pulse_store *s, const pulse_insight *in)
{
    sqlite3_stmt *st = s->st[ST_INS_INSIGHT];
    sqlite3_bind_int64(st, 1, (sqlite3_int64)in->seq);
    sqlite3_bind_int64(st, 2, in->ts_ms);
    sqlite3_bind_text(st, 3, in->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, pulse_level_name(in->level), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, in->active);
    sqlite3_bind_text(st, 6, in->metric, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, in->message, -1, SQLITE_STATIC);
    bind_real_or_null(st, 8, in->value);
    bind_real_or_null(st, 9, in->threshold);
    bind_real_or_null(st, 10, in->clear_below);
    bind_real_or_null(st, 11, in->baseline);
    bind_real_or_null(st, 12, in->z);
    sqlite3_bind_int64(st, 13, (sqlite3_int64)in->resolves);
    sqlite3_bind_int64(st, 14, in->raised_ts);
    sqlite3_bind_text(st, 15, in->reason, -1, SQLITE_STATIC);
    bind_real_or_null(st, 16, in->hours_to_full > 0 ? in->hours_to_full : NAN);
    return step_done(st);
}

/* The insights of the batch; then the cap on their number (only new rows can pass it) and
 * their age (when `prune`). */
static int write_insights(pulse_store *s, const pulse_store_batch *b, int64_t now_ms, bool prune)
{
    int rc = SQLITE_OK;
    for (size_t i = 0; rc == SQLITE_OK && i < b->ninsights; i++)
        rc = insert_insight(s, &b->insights[i]);
    if (rc == SQLITE_OK && (prune || b->ninsights)) {
        sqlite3_bind_int64(s->st[ST_DEL_INSIGHT], 1, now_ms - s->cfg.minute_keep_ms);
        size_t keep = s->cfg.insight_keep < INT32_MAX ? s->cfg.insight_keep : INT32_MAX;
        sqlite3_bind_int64(s->st[ST_DEL_INSIGHT], 2, (sqlite3_int64)keep);
        rc = step_done(s->st[ST_DEL_INSIGHT]);
    }
    return rc;
}

/* Minute averages when a minute completed, and retention by age when now_ms entered another
 * minute; *prune says whether it did the latter. What is planned here becomes the store's
 * state only when the transaction commits. */
static int rollup_and_prune(pulse_store *s, const pulse_store_batch *b, int64_t now_ms, bool *prune)
{
    int rc = SQLITE_OK;
    int64_t w = s->cfg.minute_ms, upto = b->count ? newest_ts(b) / w * w : INT64_MIN;
    s->rolling_upto = s->rolled_upto;
    s->pruning_minute = now_ms / w;
    *prune = s->pruning_minute != s->pruned_minute;
    if (b->count && upto > s->rolled_upto) {
        s->rolling_upto = upto;
        sqlite3_bind_int64(s->st[ST_ROLLUP], 1, w);
        sqlite3_bind_int64(s->st[ST_ROLLUP], 2, upto);
        rc = step_done(s->st[ST_ROLLUP]);
    }
    if (rc == SQLITE_OK && *prune) {
        sqlite3_bind_int64(s->st[ST_DEL_RAW], 1, now_ms - s->cfg.raw_keep_ms);
        rc = step_done(s->st[ST_DEL_RAW]);
    }
    if (rc == SQLITE_OK && *prune) {
        sqlite3_bind_int64(s->st[ST_DEL_MINUTE], 1, now_ms - s->cfg.minute_keep_ms);
        rc = step_done(s->st[ST_DEL_MINUTE]);
    }
    return rc;
}

/* A batch with more values than the store's set names them: the new names are registered in the
 * batch's transaction (ids of a rolled-back one are looked up again next time). */
static int grow_metrics(pulse_store *s, const pulse_store_batch *b, char *err, size_t errlen)
{
    if (!b->names || b->nvalues <= s->nmetrics)
        return 0;
    int64_t *ids = realloc(s->ids, (size_t)b->nvalues * sizeof(*ids));
    if (!ids)
        return -ENOMEM;
    s->ids = ids;
    return register_metrics(s, b->names, b->nvalues, err, errlen);
}

/* Ends a batch's transaction: commits, or rolls back and restores the names known before. */
static int finish_batch(pulse_store *s, int src, int nold, char *err, size_t errlen)
{
    int rc = src == SQLITE_OK ? step_done(s->st[ST_COMMIT]) : src;
    if (rc != SQLITE_OK) {
        rc = db_fail(s->db, rc, src == SQLITE_OK ? "committing batch" : "writing batch", err,
                     errlen);
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        s->nmetrics = nold;
        return rc;
    }
    s->rolled_upto = s->rolling_upto;
    s->pruned_minute = s->pruning_minute;
    return 0;
}

static int write_locked(pulse_store *s, const pulse_store_batch *b, int64_t now_ms, char *err,
                        size_t errlen)
{
    int src = step_done(s->st[ST_BEGIN]);
    if (src != SQLITE_OK)
        return db_fail(s->db, src, "starting batch", err, errlen);
    bool prune = false;
    int grown = b->names && b->nvalues > s->nmetrics;
    int rc = grow_metrics(s, b, err, errlen);
    if (rc < 0) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    int nold = s->nmetrics;
    if (grown)
        s->nmetrics = b->nvalues;
    for (size_t i = 0; src == SQLITE_OK && i < b->count; i++)
        src = insert_row(s, &b->rows[i], b->nvalues);
    if (src == SQLITE_OK)
        src = rollup_and_prune(s, b, now_ms, &prune);
    if (src == SQLITE_OK)
        src = write_insights(s, b, now_ms, prune);
    return finish_batch(s, src, nold, err, errlen);
}

int pulse_store_write(pulse_store *s, const pulse_store_batch *b, int64_t now_ms, char *err,
                      size_t errlen)
{
    if (!s || !b || (b->count && !b->rows) || (b->ninsights && !b->insights))
        return -EINVAL;
    if (atomic_flag_test_and_set(&s->busy)) {
        set_err(err, errlen, "store is in use by another thread");
        return -EBUSY;
    }
    int rc = write_locked(s, b, now_ms, err, errlen);
    atomic_flag_clear(&s->busy);
    return rc;
}

/* ---- load ---- */

static int metric_index(const pulse_store *s, int64_t id)
{
    for (int m = 0; m < s->nmetrics; m++)
        if (s->ids[m] == id)
            return m;
    return -1; /* a metric this build does not know: skipped */
}

typedef int (*row_sink)(pulse_history *, int64_t, const double *);

static void reset_values(double *v, int n)
{
    for (int m = 0; m < n; m++)
        v[m] = NAN;
}

/* Rows come one metric at a time; a change of ts completes the previous point. */
static int load_rows(pulse_store *s, sqlite3_stmt *st, int64_t from, pulse_history *h,
                     row_sink sink)
{
    double *v = malloc((size_t)s->nmetrics * sizeof(*v));
    int64_t cur = INT64_MIN;
    int rc;
    if (!v)
        return SQLITE_NOMEM;
    reset_values(v, s->nmetrics);
    sqlite3_bind_int64(st, 1, from);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t ts = sqlite3_column_int64(st, 0);
        int m = metric_index(s, sqlite3_column_int64(st, 1));
        if (ts != cur && cur != INT64_MIN) {
            sink(h, cur, v); /* older or duplicate points are refused by history: fine */
            reset_values(v, s->nmetrics);
        }
        cur = ts;
        if (m >= 0 && sqlite3_column_type(st, 2) != SQLITE_NULL)
            v[m] = sqlite3_column_double(st, 2);
    }
    if (cur != INT64_MIN && rc == SQLITE_DONE)
        sink(h, cur, v);
    free(v);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int pulse_store_load(pulse_store *s, pulse_history *h, int64_t now_ms, char *err, size_t errlen)
{
    if (!s || !h)
        return -EINVAL;
    if (pulse_history_nmetrics(h) != s->nmetrics) {
        set_err(err, errlen, "history must hold %d metrics", s->nmetrics);
        return -EINVAL;
    }
    if (atomic_flag_test_and_set(&s->busy)) {
        set_err(err, errlen, "store is in use by another thread");
        return -EBUSY;
    }
    /* Minutes first, so replayed raw samples only rebuild minutes the table lacks. */
    int rc = load_rows(s, s->st[ST_SEL_MINUTE], now_ms - s->cfg.minute_keep_ms, h,
                       pulse_history_load_minute);
    if (rc == SQLITE_OK)
        rc = load_rows(s, s->st[ST_SEL_RAW], now_ms - s->cfg.raw_keep_ms, h, pulse_history_add);
    atomic_flag_clear(&s->busy);
    return rc == SQLITE_OK ? 0 : db_fail(s->db, rc, "loading history", err, errlen);
}

int pulse_store_metric_names(pulse_store *s, void (*fn)(void *arg, const char *name), void *arg)
{
    if (!s || !fn)
        return -EINVAL;
    if (atomic_flag_test_and_set(&s->busy))
        return -EBUSY;
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db,
                                "SELECT name FROM metric m WHERE EXISTS(SELECT 1 FROM minute"
                                " WHERE metric_id = m.id) OR EXISTS(SELECT 1 FROM sample"
                                " WHERE metric_id = m.id) ORDER BY id",
                                -1, &st, NULL);
    if (rc == SQLITE_OK)
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            fn(arg, (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    atomic_flag_clear(&s->busy);
    return rc == SQLITE_DONE ? 0 : map_sqlite(rc);
}

/* ---- insights ---- */

static double column_real(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL ? NAN : sqlite3_column_double(st, col);
}

static void column_text(sqlite3_stmt *st, int col, char *out, size_t len)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(out, len, "%s", t ? (const char *)t : "");
}

static void read_insight(sqlite3_stmt *st, pulse_insight *in)
{
    char level[16];
    memset(in, 0, sizeof(*in));
    in->seq = (uint64_t)sqlite3_column_int64(st, 0);
    in->ts_ms = sqlite3_column_int64(st, 1);
    column_text(st, 2, in->key, sizeof(in->key));
    column_text(st, 3, level, sizeof(level));
    if (pulse_level_from_name(level, &in->level) < 0)
        in->level = PULSE_LEVEL_INFO;
    in->active = sqlite3_column_int(st, 4) != 0;
    column_text(st, 5, in->metric, sizeof(in->metric));
    column_text(st, 6, in->message, sizeof(in->message));
    in->value = column_real(st, 7);
    in->threshold = column_real(st, 8);
    in->clear_below = column_real(st, 9);
    in->baseline = column_real(st, 10);
    in->z = column_real(st, 11);
    in->resolves = (uint64_t)sqlite3_column_int64(st, 12);
    in->raised_ts = sqlite3_column_int64(st, 13);
    column_text(st, 14, in->reason, sizeof(in->reason));
    in->hours_to_full = sqlite3_column_type(st, 15) == SQLITE_NULL ? 0 : column_real(st, 15);
}

int pulse_store_load_insights(pulse_store *s, pulse_insight_log *log, int64_t now_ms, char *err,
                              size_t errlen)
{
    if (!s || !log)
        return -EINVAL;
    if (atomic_flag_test_and_set(&s->busy)) {
        set_err(err, errlen, "store is in use by another thread");
        return -EBUSY;
    }
    sqlite3_stmt *st = s->st[ST_SEL_INSIGHT];
    sqlite3_bind_int64(st, 1, now_ms - s->cfg.minute_keep_ms);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        pulse_insight in;
        read_insight(st, &in);
        pulse_insight_log_add(log, &in); /* rows come in seq order; a repeat is refused */
    }
    sqlite3_reset(st);
    atomic_flag_clear(&s->busy);
    return rc == SQLITE_DONE ? 0 : db_fail(s->db, rc, "loading insights", err, errlen);
}

void pulse_store_memory(uint64_t *used, uint64_t *highwater)
{
    sqlite3_int64 cur = 0, hi = 0;
    sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &cur, &hi, 0);
    *used = (uint64_t)cur;
    *highwater = (uint64_t)hi;
}
