/* The metrics service: samples the host every interval, keeps history and analytics, persists to
 * SQLite off the loop thread, and publishes the metrics and insights frames through the hub. */
#ifndef PULSE_METRICS_SERVICE_H
#define PULSE_METRICS_SERVICE_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <uv.h>

#include "base/log.h"
#include "hub/hub.h"

struct metrics_options {
    long interval_ms;
    const char *db; /* path, or ":memory:"; must outlive the service */
    double alert_cpu_percent;
    double alert_memory_percent;
    double alert_load_per_core;
    long alert_hold_s;
    double anomaly_z;
};

struct metrics_service;

/* Opens the database, reloads history, takes the priming sample, starts the tick timer and
 * attaches to the hub (hub->svc); returns 0 or a negative errno with `why` filled (exit 1).
 * `*out` is set even on failure, for metrics_service_free. */
int metrics_service_start(struct metrics_service **out, uv_loop_t *loop, const struct logger *log,
                          struct hub *hub, const struct metrics_options *opt, char *why,
                          size_t whylen);

/* Stops the timer, writes what is pending and closes the database (idempotent). */
void metrics_service_stop(struct metrics_service *m);

/* Frees everything after the loop ended (NULL is fine). */
void metrics_service_free(struct metrics_service *m);

/* Sends `c` one metrics frame with its current group union, when a sample exists. */
void metrics_service_send_latest(struct metrics_service *m, struct conn *c);

/* The snapshot reply {"type":"snapshot",...} (new reference), or NULL. */
json_t *metrics_service_snapshot(struct metrics_service *m);

/* The history reply: 0 with *out set, or -ENOENT (unknown metric) / -EINVAL (bad seconds). */
int metrics_service_history(struct metrics_service *m, const char *metric, long long seconds,
                            json_t **out);

/* Writes the host gauges in the Prometheus text format. */
void metrics_service_prometheus(struct metrics_service *m, FILE *out);

#endif
