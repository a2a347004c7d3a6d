#include "hub/channels.h"

#include <string.h>

const struct metrics_channel metrics_channels[METRICS_CHANNEL_COUNT] = {
    {"metrics", PULSE_GROUP_ALL},           {"metrics.cpu", PULSE_GROUP_CPU},
    {"metrics.memory", PULSE_GROUP_MEMORY}, {"metrics.network", PULSE_GROUP_NETWORK},
    {"metrics.disk", PULSE_GROUP_DISK},     {"metrics.load", PULSE_GROUP_LOAD},
    {"metrics.system", PULSE_GROUP_SYSTEM},
};

unsigned metrics_channel_groups(const char *name)
{
    for (size_t i = 0; i < METRICS_CHANNEL_COUNT; i++)
        if (strcmp(name, metrics_channels[i].name) == 0)
            return metrics_channels[i].groups;
    return 0;
}
