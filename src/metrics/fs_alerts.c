#include "metrics/fs_alerts.h"

#include "metrics/humanize.h"

#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char mount[PULSE_PATH_TEXT];
    bool used_slot;
    bool seen; /* present in the latest scan */
    int64_t last_point;
    int head, count;
    double t[PULSE_FS_TREND_POINTS], used[PULSE_FS_TREND_POINTS];
    pulse_insight full, trend; /* active when .active */
} mount_state;

struct pulse_fs_alerts {
    mount_state m[PULSE_FS_MAX];
    uint64_t own_seq;                /* numbering without a shared counter (tests) */
    uint64_t (*next_seq)(void *arg); /* the shared insight numbering, or NULL */
    void *seq_arg;
};

/* Insight texts are cut to their fields on purpose (long mount points). */
static void fmt(char *buf, size_t len, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *buf, size_t len, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, len, f, ap);
    va_end(ap);
}

int pulse_fs_alerts_new(pulse_fs_alerts **out)
{
    if (!out)
        return -EINVAL;
    *out = calloc(1, sizeof(**out));
    return *out ? 0 : -ENOMEM;
}

void pulse_fs_alerts_free(pulse_fs_alerts *a)
{
    free(a);
}

void pulse_fs_alerts_set_numbering(pulse_fs_alerts *a, uint64_t (*next_seq)(void *arg), void *arg)
{
    if (!a)
        return;
    a->next_seq = next_seq;
    a->seq_arg = arg;
}

static uint64_t take_seq(pulse_fs_alerts *a)
{
    return a->next_seq ? a->next_seq(a->seq_arg) : ++a->own_seq;
}

double pulse_fs_hours_to_full(const double *t, const double *used, int n, double available)
{
    if (n < 2)
        return -1;
    double mt = 0, mu = 0;
    for (int i = 0; i < n; i++) {
        mt += t[i];
        mu += used[i];
    }
    mt /= n;
    mu /= n;
    double sxy = 0, sxx = 0;
    for (int i = 0; i < n; i++) {
        sxy += (t[i] - mt) * (used[i] - mu);
        sxx += (t[i] - mt) * (t[i] - mt);
    }
    double slope = sxx > 0 ? sxy / sxx : 0; /* bytes per second */
    if (!(slope > 0))
        return -1;
    return available / slope / 3600.0;
}

static mount_state *state_for(pulse_fs_alerts *a, const char *mount)
{
    mount_state *free_slot = NULL;
    for (int i = 0; i < PULSE_FS_MAX; i++) {
        if (a->m[i].used_slot && strcmp(a->m[i].mount, mount) == 0)
            return &a->m[i];
        if (!a->m[i].used_slot && !free_slot)
            free_slot = &a->m[i];
    }
    if (free_slot) {
        memset(free_slot, 0, sizeof(*free_slot));
        free_slot->used_slot = true;
        snprintf(free_slot->mount, sizeof(free_slot->mount), "%s", mount);
    }
    return free_slot;
}

/* A new numbered insight about f: raised at `level`, the numbers absent (NaN) until set. */
static void base_insight(pulse_fs_alerts *a, pulse_insight *in, const char *kind, pulse_level level,
                         const pulse_fs *f, int64_t ts)
{
    memset(in, 0, sizeof(*in));
    fmt(in->key, sizeof(in->key), "%s:%s", kind, f->mount);
    fmt(in->metric, sizeof(in->metric), "fs.%s.usage", f->mount);
    in->ts_ms = in->raised_ts = ts;
    in->level = level;
    in->active = level != PULSE_LEVEL_INFO;
    in->value = f->usage;
    in->threshold = in->clear_below = in->baseline = in->z = NAN;
    in->seq = take_seq(a);
}

/* The resolution of `raised` (reason "recovered") with the same numbers; *took is how long the
 * alert lasted, in words. */
static void resolution(pulse_fs_alerts *a, pulse_insight *r, const pulse_insight *raised,
                       const pulse_fs *f, int64_t ts, char *took, size_t len)
{
    const char *kind = strncmp(raised->key, "fs_full:", 8) == 0 ? "fs_full" : "fs_trend";
    base_insight(a, r, kind, PULSE_LEVEL_INFO, f, ts);
    r->threshold = raised->threshold;
    r->clear_below = raised->clear_below;
    r->resolves = raised->seq;
    r->raised_ts = raised->ts_ms;
    snprintf(r->reason, sizeof(r->reason), "recovered");
    pulse_format_duration((long long)(ts - raised->ts_ms), took, len);
}

static void emit(pulse_insight *ev, size_t cap, size_t *n, const pulse_insight *in)
{
    if (*n < cap)
        ev[(*n)++] = *in;
}

static void check_full(pulse_fs_alerts *a, mount_state *s, const pulse_fs *f, int64_t ts,
                       pulse_insight *ev, size_t cap, size_t *n)
{
    char freeb[32], took[32];
    pulse_format_value(PULSE_UNIT_BYTES, (double)f->available, freeb, sizeof(freeb));
    if (!s->full.active && f->usage >= PULSE_FS_FULL_PCT) {
        base_insight(a, &s->full, "fs_full",
                     f->usage >= 97 ? PULSE_LEVEL_CRITICAL : PULSE_LEVEL_WARNING, f, ts);
        s->full.threshold = PULSE_FS_FULL_PCT;
        s->full.clear_below = PULSE_FS_FULL_CLEAR_PCT;
        fmt(s->full.message, sizeof(s->full.message), "Disk %.80s is %.0f %% full (%s free)",
            f->mount, floor(f->usage), freeb);
        emit(ev, cap, n, &s->full);
    } else if (s->full.active && f->usage < PULSE_FS_FULL_CLEAR_PCT) {
        pulse_insight r;
        resolution(a, &r, &s->full, f, ts, took, sizeof(took));
        fmt(r.message, sizeof(r.message),
            "Disk %.80s back to normal at %.0f %% full, %s free (alert lasted %s)", f->mount,
            f->usage, freeb, took);
        s->full.active = false;
        emit(ev, cap, n, &r);
    }
}

static void add_point(mount_state *s, const pulse_fs *f, int64_t ts)
{
    if (s->count && ts - s->last_point < 60000)
        return;
    s->last_point = ts;
    s->t[s->head] = (double)ts / 1000.0;
    s->used[s->head] = (double)f->used;
    s->head = (s->head + 1) % PULSE_FS_TREND_POINTS;
    if (s->count < PULSE_FS_TREND_POINTS)
        s->count++;
}

/* Hours to full over the points in the ring, or negative without growth or enough points. */
static double trend_hours(const mount_state *s, const pulse_fs *f)
{
    double t[PULSE_FS_TREND_POINTS], u[PULSE_FS_TREND_POINTS];
    int start = (s->head - s->count + PULSE_FS_TREND_POINTS) % PULSE_FS_TREND_POINTS;
    for (int i = 0; i < s->count; i++) {
        t[i] = s->t[(start + i) % PULSE_FS_TREND_POINTS];
        u[i] = s->used[(start + i) % PULSE_FS_TREND_POINTS];
    }
    if (s->count < 2 || t[s->count - 1] - t[0] < PULSE_FS_TREND_MIN_S)
        return -1;
    return pulse_fs_hours_to_full(t, u, s->count, (double)f->available);
}

/* "about 6 hours", "about 40 minutes": the time to full in words. */
static void hours_words(double h, char *buf, size_t len)
{
    double v = h < 1 ? fmax(1, ceil(h * 60)) : round(h);
    const char *unit = h < 1 ? (v == 1 ? "minute" : "minutes") : (v == 1 ? "hour" : "hours");
    fmt(buf, len, "about %.0f %s", v, unit);
}

static void check_trend(pulse_fs_alerts *a, mount_state *s, const pulse_fs *f, int64_t ts,
                        pulse_insight *ev, size_t cap, size_t *n)
{
    double h = trend_hours(s, f);
    char freeb[32], when[32], took[32];
    pulse_format_value(PULSE_UNIT_BYTES, (double)f->available, freeb, sizeof(freeb));
    if (!s->trend.active && h >= 0 && h < PULSE_FS_TREND_RAISE_H) {
        base_insight(a, &s->trend, "fs_trend", h < 2 ? PULSE_LEVEL_CRITICAL : PULSE_LEVEL_WARNING,
                     f, ts);
        hours_words(h, when, sizeof(when));
        s->trend.hours_to_full = fmax(h, 1.0 / 3600); /* 0 means "none": at least a second */
        fmt(s->trend.message, sizeof(s->trend.message),
            "Disk %.80s will be full in %s at the current rate (%s free)", f->mount, when, freeb);
        emit(ev, cap, n, &s->trend);
    } else if (s->trend.active && (h < 0 || h > PULSE_FS_TREND_CLEAR_H)) {
        pulse_insight r;
        resolution(a, &r, &s->trend, f, ts, took, sizeof(took));
        fmt(r.message, sizeof(r.message),
            "Disk %.80s no longer filling up, at %.0f %% full, %s free (alert lasted %s)", f->mount,
            f->usage, freeb, took);
        s->trend.active = false;
        emit(ev, cap, n, &r);
    }
}

int pulse_fs_alerts_update(pulse_fs_alerts *a, const pulse_fs_list *l, int64_t ts_ms,
                           pulse_insight *ev, size_t cap, size_t *n)
{
    if (!a || !l || !n)
        return -EINVAL;
    *n = 0;
    for (int i = 0; i < PULSE_FS_MAX; i++)
        a->m[i].seen = false;
    for (int i = 0; i < l->count; i++) {
        const pulse_fs *f = &l->fs[i];
        mount_state *s = f->ok ? state_for(a, f->mount) : NULL;
        if (!s)
            continue;
        s->seen = true;
        add_point(s, f, ts_ms);
        check_full(a, s, f, ts_ms, ev, cap, n);
        check_trend(a, s, f, ts_ms, ev, cap, n);
    }
    /* An unmounted filesystem's state is forgotten (its alerts stay in the insight history). */
    for (int i = 0; i < PULSE_FS_MAX; i++)
        if (a->m[i].used_slot && !a->m[i].seen && !a->m[i].full.active && !a->m[i].trend.active)
            a->m[i].used_slot = false;
    return 0;
}

void pulse_fs_alerts_active(const pulse_fs_alerts *a, pulse_insight *out, size_t cap, size_t *n)
{
    for (int i = 0; a && n && i < PULSE_FS_MAX; i++) {
        if (a->m[i].full.active && *n < cap)
            out[(*n)++] = a->m[i].full;
        if (a->m[i].trend.active && *n < cap)
            out[(*n)++] = a->m[i].trend;
    }
}
