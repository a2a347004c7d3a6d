/* The slow host scans, off the event loop: every period (default 5 s) a worker thread reads the
 * mounts with statvfs and the hwmon temperatures, and, only while someone is subscribed to
 * metrics.processes, scans /proc/[pid]. At most one job of each kind is in flight, so a hung
 * network mount holds one thread-pool thread, never the loop nor a growing queue. Results are
 * handed to the owner on the loop thread through hooks (docs/METRICS.md sections 7 and 8). */
#ifndef PULSE_HOSTSCAN_H
#define PULSE_HOSTSCAN_H

#include "metrics/analytics.h"
#include "metrics/collector.h"
#include "metrics/fs.h"
#include "metrics/fs_alerts.h"
#include "metrics/host.h"

#include <jansson.h>
#include <stdbool.h>
#include <uv.h>

#define HOSTSCAN_PERIOD_MS 5000 /* filesystems, temperatures and processes */

struct hostscan;

typedef struct {
    void *arg;
    /* Whether anyone is subscribed to the processes channel right now. */
    bool (*want_processes)(void *arg);
    /* A new processes frame ({"type":"processes",...}); borrowed for the call. */
    void (*on_processes)(void *arg, json_t *frame);
    /* Filesystem alerts raised or resolved by the latest scan. */
    void (*on_insights)(void *arg, const pulse_insight *ev, size_t n);
    /* The next insight number, shared with the other insights (NULL: the alerts count alone). */
    uint64_t (*next_seq)(void *arg);
} hostscan_hooks;

/* Reads the host identity, the mount list (mountinfo only, no statvfs) and the temperatures
 * once (start-up), then starts the periodic scans, the first filesystem scan at once; root
 * NULL = "/". -ENOMEM. */
int hostscan_start(uv_loop_t *loop, const char *root, uint32_t period_ms, const hostscan_hooks *h,
                   struct hostscan **out);
/* Stops the timers; a job in flight finishes and is dropped. */
void hostscan_stop(struct hostscan *hs);
/* Frees everything once the loop has ended; NULL is fine. A scan still blocked in statvfs
 * keeps its memory (the process is exiting). */
void hostscan_free(struct hostscan *hs);
/* The latest mount list with statvfs figures. */
const pulse_fs_list *hostscan_fs(const struct hostscan *hs);
/* Copies the latest temperatures into s (ntemps, temps). */
void hostscan_fill_temps(const struct hostscan *hs, pulse_sample *s);
/* The host identity read at start. */
const pulse_host_info *hostscan_host(const struct hostscan *hs);
/* The latest processes frame, or NULL (borrowed). */
json_t *hostscan_processes(const struct hostscan *hs);
/* Appends the active filesystem alerts to out (cap entries; *n counts what is there). */
void hostscan_active(const struct hostscan *hs, pulse_insight *out, size_t cap, size_t *n);
/* Runs a processes scan soon (a new subscriber), unless one is in flight. */
void hostscan_poke_processes(struct hostscan *hs);

#endif
