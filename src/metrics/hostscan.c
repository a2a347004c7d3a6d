#include "metrics/hostscan.h"

#include "metrics/fs_alerts.h"
#include "metrics/host_json.h"
#include "metrics/procs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCRATCH (64 * 1024)

struct hostscan {
    uv_loop_t *loop;
    hostscan_hooks hooks;
    char root[1024];
    uint32_t period_ms;
    bool stopping, fs_busy, proc_busy;
    uv_timer_t fs_timer, proc_timer;
    uv_work_t fs_work, proc_work;
    int closing; /* timers still to close */
    /* filesystems + temperatures: the worker fills next, the loop copies it to cur */
    char *fs_buf;
    pulse_fs_list fs_next, fs_cur;
    int ntemps_next, ntemps;
    pulse_temp temps_next[PULSE_MAX_TEMPS], temps[PULSE_MAX_TEMPS];
    pulse_fs_alerts *alerts;
    /* processes */
    pulse_procs *procs;
    pulse_proc_top top;
    int proc_rc;
    uint64_t proc_mono;
    json_t *proc_frame;
    pulse_host_info host;
};

static int64_t wall_ms(void)
{
    uv_timeval64_t tv;
    return uv_gettimeofday(&tv) == 0 ? tv.tv_sec * 1000 + tv.tv_usec / 1000 : 0;
}

/* ---- filesystems and temperatures ---- */

static void fs_work(uv_work_t *w)
{
    struct hostscan *hs = w->data;
    if (pulse_fs_read_mounts(hs->root, hs->fs_buf, SCRATCH, &hs->fs_next) < 0)
        hs->fs_next.count = 0;
    pulse_fs_stat(hs->root, &hs->fs_next);
    hs->ntemps_next = pulse_read_temps(hs->root, hs->fs_buf, SCRATCH, hs->temps_next);
}

static void fs_done(uv_work_t *w, int status)
{
    struct hostscan *hs = w->data;
    hs->fs_busy = false;
    if (status != 0 || hs->stopping)
        return;
    hs->fs_cur = hs->fs_next;
    hs->fs_cur.ts_ms = wall_ms();
    hs->ntemps = hs->ntemps_next;
    memcpy(hs->temps, hs->temps_next, sizeof(hs->temps));
    pulse_insight ev[PULSE_FS_MAX_EVENTS];
    size_t n = 0;
    if (pulse_fs_alerts_update(hs->alerts, &hs->fs_cur, wall_ms(), ev, PULSE_FS_MAX_EVENTS, &n) ==
            0 &&
        n && hs->hooks.on_insights)
        hs->hooks.on_insights(hs->hooks.arg, ev, n);
}

static void fs_tick(uv_timer_t *t)
{
    struct hostscan *hs = t->data;
    if (hs->fs_busy || hs->stopping)
        return; /* the previous scan is still waiting on a mount */
    hs->fs_busy = true;
    hs->fs_work.data = hs;
    if (uv_queue_work(hs->loop, &hs->fs_work, fs_work, fs_done) != 0)
        hs->fs_busy = false;
}

/* ---- processes ---- */

static void proc_work(uv_work_t *w)
{
    struct hostscan *hs = w->data;
    hs->proc_rc = pulse_procs_scan(hs->procs, wall_ms(), hs->proc_mono, &hs->top);
}

static void proc_tick(uv_timer_t *t);

static void proc_done(uv_work_t *w, int status)
{
    struct hostscan *hs = w->data;
    hs->proc_busy = false;
    if (status != 0 || hs->stopping || hs->proc_rc < 0)
        return;
    json_t *o = NULL;
    if (pulse_processes_json(&hs->top, hs->period_ms, &o) < 0)
        return;
    json_decref(hs->proc_frame);
    hs->proc_frame = o;
    if (hs->hooks.on_processes)
        hs->hooks.on_processes(hs->hooks.arg, o);
    /* The first scan after a pause has no CPU shares: the next one comes a second later. */
    if (!hs->top.has_rates)
        uv_timer_start(&hs->proc_timer, proc_tick, 1000, hs->period_ms);
}

static void proc_tick(uv_timer_t *t)
{
    struct hostscan *hs = t->data;
    if (hs->proc_busy || hs->stopping)
        return;
    if (!hs->hooks.want_processes || !hs->hooks.want_processes(hs->hooks.arg)) {
        /* Nobody listens: no scan, and the next subscriber starts from a fresh baseline. */
        pulse_procs_reset(hs->procs);
        json_decref(hs->proc_frame);
        hs->proc_frame = NULL;
        return;
    }
    hs->proc_busy = true;
    hs->proc_mono = uv_now(hs->loop);
    hs->proc_work.data = hs;
    if (uv_queue_work(hs->loop, &hs->proc_work, proc_work, proc_done) != 0)
        hs->proc_busy = false;
}

void hostscan_poke_processes(struct hostscan *hs)
{
    if (hs && !hs->stopping && !hs->proc_busy && !hs->proc_frame)
        uv_timer_start(&hs->proc_timer, proc_tick, 0, hs->period_ms);
}

/* ---- life cycle ---- */

static int hostscan_alloc(const char *root, uint32_t period_ms, struct hostscan **out)
{
    struct hostscan *hs = calloc(1, sizeof(*hs));
    if (!hs)
        return -ENOMEM;
    snprintf(hs->root, sizeof(hs->root), "%s", root ? root : "/");
    hs->period_ms = period_ms ? period_ms : HOSTSCAN_PERIOD_MS;
    hs->fs_buf = malloc(SCRATCH);
    int rc = hs->fs_buf ? pulse_fs_alerts_new(&hs->alerts) : -ENOMEM;
    if (rc == 0)
        rc = pulse_procs_new(hs->root, &hs->procs);
    if (rc < 0) {
        hostscan_free(hs);
        return rc;
    }
    *out = hs;
    return 0;
}

int hostscan_start(uv_loop_t *loop, const char *root, uint32_t period_ms, const hostscan_hooks *h,
                   struct hostscan **out)
{
    struct hostscan *hs = NULL;
    int rc = hostscan_alloc(root, period_ms, &hs);
    if (rc < 0)
        return rc;
    hs->loop = loop;
    if (h)
        hs->hooks = *h;
    if (h && h->next_seq)
        pulse_fs_alerts_set_numbering(hs->alerts, h->next_seq, h->arg);
    pulse_host_read(hs->root, &hs->host);
    /* The mount list (from /proc, no statvfs) and the sensors are read here, once, so that the
     * history metric set knows them; the figures come from the first worker scan, at once. */
    if (pulse_fs_read_mounts(hs->root, hs->fs_buf, SCRATCH, &hs->fs_cur) < 0)
        hs->fs_cur.count = 0;
    hs->ntemps = pulse_read_temps(hs->root, hs->fs_buf, SCRATCH, hs->temps);
    uv_timer_init(loop, &hs->fs_timer);
    uv_timer_init(loop, &hs->proc_timer);
    hs->fs_timer.data = hs->proc_timer.data = hs;
    uv_timer_start(&hs->fs_timer, fs_tick, 0, hs->period_ms);
    uv_timer_start(&hs->proc_timer, proc_tick, hs->period_ms, hs->period_ms);
    *out = hs;
    return 0;
}

void hostscan_stop(struct hostscan *hs)
{
    if (!hs || hs->stopping)
        return;
    hs->stopping = true;
    if (hs->loop) {
        uv_close((uv_handle_t *)&hs->fs_timer, NULL);
        uv_close((uv_handle_t *)&hs->proc_timer, NULL);
    }
}

void hostscan_free(struct hostscan *hs)
{
    /* A scan stuck in statvfs on a hung mount still owns hs: at exit, leave it to the OS. */
    if (!hs || hs->fs_busy || hs->proc_busy)
        return;
    pulse_procs_free(hs->procs);
    pulse_fs_alerts_free(hs->alerts);
    json_decref(hs->proc_frame);
    free(hs->fs_buf);
    free(hs);
}

const pulse_fs_list *hostscan_fs(const struct hostscan *hs)
{
    return hs ? &hs->fs_cur : NULL;
}

void hostscan_fill_temps(const struct hostscan *hs, pulse_sample *s)
{
    if (!hs || !s)
        return;
    s->ntemps = hs->ntemps;
    memcpy(s->temps, hs->temps, (size_t)hs->ntemps * sizeof(hs->temps[0]));
}

const pulse_host_info *hostscan_host(const struct hostscan *hs)
{
    return hs ? &hs->host : NULL;
}

json_t *hostscan_processes(const struct hostscan *hs)
{
    return hs ? hs->proc_frame : NULL;
}

void hostscan_active(const struct hostscan *hs, pulse_insight *out, size_t cap, size_t *n)
{
    if (hs)
        pulse_fs_alerts_active(hs->alerts, out, cap, n);
}
