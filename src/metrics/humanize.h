/* Words and units for people: the unit of each history metric, its label in a sentence
 * ("Disk writes"), and values printed in human units ("972 MiB/s", "12 %", "1.5 GiB"), used by
 * the analytics to write insight messages. Pure functions, no state. */
#ifndef PULSE_HUMANIZE_H
#define PULSE_HUMANIZE_H

#include <stddef.h>

typedef enum {
    PULSE_UNIT_NUMBER,  /* a plain number */
    PULSE_UNIT_PERCENT, /* percent, 0..100 */
    PULSE_UNIT_BYTES,   /* bytes */
    PULSE_UNIT_BPS,     /* bytes per second */
    PULSE_UNIT_LOAD,    /* load average */
    PULSE_UNIT_COUNT,   /* a whole count (processes) */
    PULSE_UNIT_CELSIUS, /* degrees Celsius (temperature sensors) */
} pulse_unit;

/* Unit of a history metric id (PULSE_UNIT_NUMBER for an id it does not know). */
pulse_unit pulse_metric_unit(int metric);
/* Unit of any history name: a base metric's (pulse_metric_unit), else by its form: cpu.cores.N
 * and *.usage percent, *.used bytes, *_bps bytes/s, *.celsius celsius; else PULSE_UNIT_NUMBER. */
pulse_unit pulse_name_unit(const char *name);
/* Words for any history name in a sentence: a base metric's label, "CPU core 3", "Network
 * receive on eth0", "Disk writes on sda", "Disk /home", "Temperature coretemp/Core 0"; else the
 * name itself. Returns what snprintf returns. */
int pulse_name_label(const char *name, char *buf, size_t len);
/* Name of a unit as the protocol spells it: "percent", "bytes", "bytes/s", "load", "count",
 * "celsius". */
const char *pulse_unit_name(pulse_unit unit);
/* Label of a history metric for a sentence ("CPU", "Disk writes"); the metric's name when it
 * has no label of its own, "" for an unknown id. */
const char *pulse_metric_label(int metric);
/* Prints v in unit with about three significant digits ("972 MiB/s", "12 %", "0.67");
 * returns what snprintf returns. */
int pulse_format_value(pulse_unit unit, double v, char *buf, size_t len);
/* Prints a duration in ms as "45 s", "5 min", "2 h 5 min" or "3 d 4 h"; returns as snprintf. */
int pulse_format_duration(long long ms, char *buf, size_t len);

#endif
