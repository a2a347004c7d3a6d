/* Window statistics, threshold alerts with hold times and hysteresis, and EWMA z-score anomaly
 * detection over the history metrics (collector.h ids). Insights are raised once and resolved
 * once, with messages in human units; the module keeps the currently active ones for snapshots.
 * Not thread-safe: one owner (the event loop). */
#ifndef PULSE_ANALYTICS_H
#define PULSE_ANALYTICS_H

#include "metrics/collector.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PULSE_ALERT_RULES 4
/* Most events one update can emit: every rule and every metric's anomaly at once. */
#define PULSE_ANALYTICS_MAX_EVENTS (PULSE_ALERT_RULES + PULSE_METRIC_COUNT)

typedef enum { PULSE_LEVEL_INFO, PULSE_LEVEL_WARNING, PULSE_LEVEL_CRITICAL } pulse_level;

typedef struct {
    char key[280];     /* stable identity: "threshold:cpu.usage", "anomaly:network.rx_bps", ... (a
                          mount point of up to 255 bytes fits "fs_trend:MOUNT") */
    pulse_level level; /* warning / critical when raised, info when resolved */
    bool active;       /* true when raised ("state":"raised"), false when resolved */
    char metric[272];  /* a history name: fits "fs.MOUNT.usage" for any listed mount */
    char message[192]; /* for people: "Disk writes at 972 MiB/s, far above the usual 150 KiB/s" */
    double value;      /* the raw value, in the metric's unit */
    int64_t ts_ms;
    double threshold;     /* threshold rules: the level that raises (load: cores x per core) */
    double clear_below;   /* threshold rules: the value must fall under this to resolve */
    double baseline;      /* anomalies: the usual level (EWMA mean) before the anomaly */
    double z;             /* anomalies: the z-score of value against the baseline */
    uint64_t seq;         /* unique, increasing number of this insight */
    uint64_t resolves;    /* resolved: seq of the raised insight it ends (0 when raised) */
    int64_t raised_ts;    /* when the raised insight was raised (its own ts when raised) */
    char reason[16];      /* resolved: "recovered", "new_normal" or "restart"; "" when raised */
    double hours_to_full; /* a raised fs_trend: hours until full at the current rate; 0 = none */
} pulse_insight;

typedef struct {
    size_t count;
    double min, max, avg, p95;
    double trend; /* least-squares slope, units per minute */
} pulse_stats;

typedef struct {
    uint32_t interval_ms;           /* sampling interval, sizes the window (1000) */
    uint32_t window_s;              /* statistics window (300) */
    double cpu_usage_pct;           /* cpu.usage above this ... (90) */
    uint32_t cpu_hold_s;            /* ... for this long raises a warning (60) */
    double mem_usage_pct;           /* memory.usage above this ... (90) */
    uint32_t mem_hold_s;            /* ... for this long raises a critical (60) */
    double swap_rise_bytes_per_min; /* swap used > 0 and its trend above this ... (1 MiB) */
    uint32_t swap_hold_s;           /* ... for this long raises a warning (60) */
    double load_per_core;           /* load.1m above cores x this ... (1.0) */
    uint32_t load_hold_s;           /* ... for this long raises a warning (60) */
    uint32_t clear_hold_s;          /* a rule resolves after its value is back this long (10) */
    double pct_clear_margin;        /* cpu/memory resolve below threshold minus this (5 points) */
    double load_clear_ratio;        /* load resolves below threshold x this (0.9) */
    double ewma_alpha;              /* EWMA weight of a new sample (0.1) */
    double anomaly_z;               /* |z| above this counts as anomalous (3.0) */
    uint32_t anomaly_consecutive;   /* anomalous samples in a row to raise (3) */
    double anomaly_clear_z;         /* |z| under this counts as back to normal (1.5) */
    uint32_t anomaly_clear_samples; /* normal samples in a row to resolve (10) */
    uint32_t anomaly_adopt_s;       /* an anomaly lasting this long becomes the new normal (600) */
    uint32_t anomaly_warmup;        /* samples before z-scores are trusted (30) */
    double anomaly_min_rel_sd;      /* sd floor as a fraction of |mean| (0.05) */
    uint32_t anomaly_metrics;       /* bitmask of 1u << PULSE_M_* watched for anomalies */
} pulse_analytics_config;

typedef struct pulse_analytics pulse_analytics;

/* Fills cfg with the defaults above. */
void pulse_analytics_config_default(pulse_analytics_config *cfg);
/* Creates the analytics state; -EINVAL for a zero interval/window or a bad alpha/z. */
int pulse_analytics_new(const pulse_analytics_config *cfg, pulse_analytics **out);
/* Frees the state; NULL is fine. */
void pulse_analytics_free(pulse_analytics *a);
/* Feeds one sample (NaN = no value; ncores = online cores for the load rule); raised and cleared
 * insights are written to events (up to cap, PULSE_ANALYTICS_MAX_EVENTS never drops any). */
int pulse_analytics_update(pulse_analytics *a, int64_t ts_ms,
                           const double values[PULSE_METRIC_COUNT], int ncores,
                           pulse_insight *events, size_t cap, size_t *nevents);
/* Statistics of one metric over (now - window, now]; -ENODATA when the window has no value. */
int pulse_analytics_stats(pulse_analytics *a, int metric, int64_t now_ms, pulse_stats *out);
/* Copies the active insights (oldest rule first) into out, up to cap; *n is the number copied. */
int pulse_analytics_active(const pulse_analytics *a, pulse_insight *out, size_t cap, size_t *n);
/* Sets the seq the next insight gets (after the highest one stored); 0 is ignored. */
void pulse_analytics_set_next_seq(pulse_analytics *a, uint64_t seq);
/* Takes the next insight number (for insights raised outside this module: filesystems). */
uint64_t pulse_analytics_take_seq(pulse_analytics *a);
/* Writes the resolution of `raised`, an insight left open by an earlier run of the daemon:
 * reason "restart", numbered by this state. */
void pulse_analytics_restart_resolution(pulse_analytics *a, const pulse_insight *raised,
                                        int64_t now_ms, pulse_insight *out);
/* Level of a name from pulse_level_name; -EINVAL for anything else. */
int pulse_level_from_name(const char *name, pulse_level *out);
/* Name of an insight level: "info", "warning" or "critical". */
const char *pulse_level_name(pulse_level level);

#endif
