/* The channels the server itself writes, which clients may only subscribe to: `metrics`, one
 * `metrics.GROUP` per metric group, and `insights`. This one table serves the hub (to classify
 * channel names) and the metrics service (to publish on them). */
#ifndef PULSE_CHANNELS_H
#define PULSE_CHANNELS_H

/* Metric groups, as bits: a subscription to metrics.GROUP brings that group's bit. */
enum {
    PULSE_GROUP_CPU = 1 << 0,
    PULSE_GROUP_MEMORY = 1 << 1,
    PULSE_GROUP_NETWORK = 1 << 2,
    PULSE_GROUP_DISK = 1 << 3,
    PULSE_GROUP_LOAD = 1 << 4,
    PULSE_GROUP_SYSTEM = 1 << 5,
    PULSE_GROUP_ALL = (1 << 6) - 1,
};

struct metrics_channel {
    const char *name;
    unsigned groups;
};

#define METRICS_CHANNEL_COUNT 7
#define INSIGHTS_CHANNEL "insights"

/* `metrics` (every group) and each `metrics.GROUP`. */
extern const struct metrics_channel metrics_channels[METRICS_CHANNEL_COUNT];

/* The groups of a metrics channel name, or 0 when it names none. */
unsigned metrics_channel_groups(const char *name);

#endif
