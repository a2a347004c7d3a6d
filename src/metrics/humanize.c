#include "metrics/humanize.h"

#include "metrics/collector.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

pulse_unit pulse_metric_unit(int metric)
{
    switch (metric) {
    case PULSE_M_CPU_USAGE:
    case PULSE_M_CPU_USER:
    case PULSE_M_CPU_SYSTEM:
    case PULSE_M_CPU_IOWAIT:
    case PULSE_M_CPU_IDLE:
    case PULSE_M_CPU_STEAL:
    case PULSE_M_MEM_USAGE:
    case PULSE_M_SWAP_USAGE:
        return PULSE_UNIT_PERCENT;
    case PULSE_M_MEM_USED:
    case PULSE_M_MEM_AVAILABLE:
    case PULSE_M_MEM_CACHED:
    case PULSE_M_MEM_BUFFERS:
    case PULSE_M_SWAP_USED:
        return PULSE_UNIT_BYTES;
    case PULSE_M_NET_RX:
    case PULSE_M_NET_TX:
    case PULSE_M_DISK_READ:
    case PULSE_M_DISK_WRITE:
        return PULSE_UNIT_BPS;
    case PULSE_M_LOAD1:
    case PULSE_M_LOAD5:
    case PULSE_M_LOAD15:
        return PULSE_UNIT_LOAD;
    case PULSE_M_PROCESSES:
        return PULSE_UNIT_COUNT;
    default:
        return PULSE_UNIT_NUMBER;
    }
}

const char *pulse_unit_name(pulse_unit unit)
{
    static const char *const names[] = {
        [PULSE_UNIT_NUMBER] = "number",   [PULSE_UNIT_PERCENT] = "percent",
        [PULSE_UNIT_BYTES] = "bytes",     [PULSE_UNIT_BPS] = "bytes/s",
        [PULSE_UNIT_LOAD] = "load",       [PULSE_UNIT_COUNT] = "count",
        [PULSE_UNIT_CELSIUS] = "celsius",
    };
    return (unsigned)unit < sizeof(names) / sizeof(names[0]) ? names[unit] : "number";
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcmp(s + n - k, suffix) == 0;
}

pulse_unit pulse_name_unit(const char *name)
{
    if (!name)
        return PULSE_UNIT_NUMBER;
    int id = pulse_metric_id(name);
    if (id >= 0)
        return pulse_metric_unit(id);
    if (strncmp(name, "cpu.cores.", 10) == 0 || ends_with(name, ".usage"))
        return PULSE_UNIT_PERCENT;
    if (ends_with(name, ".used"))
        return PULSE_UNIT_BYTES;
    if (ends_with(name, "_bps"))
        return PULSE_UNIT_BPS;
    if (ends_with(name, ".celsius"))
        return PULSE_UNIT_CELSIUS;
    return PULSE_UNIT_NUMBER;
}

/* "PREFIX KEY SUFFIX" of a per-host name, printed as words: fmt gets the key's length and text. */
static bool label_form(const char *name, const char *pre, const char *suf, const char *fmt,
                       char *buf, size_t len, int *rc)
{
    size_t n = strlen(name), lp = strlen(pre), ls = strlen(suf);
    if (n <= lp + ls || strncmp(name, pre, lp) != 0 || strcmp(name + n - ls, suf) != 0)
        return false;
    *rc = snprintf(buf, len, fmt, (int)(n - lp - ls), name + lp);
    return true;
}

int pulse_name_label(const char *name, char *buf, size_t len)
{
    static const struct {
        const char *pre, *suf, *fmt;
    } forms[] = {
        {"cpu.cores.", "", "CPU core %.*s"},
        {"network.interfaces.", ".rx_bps", "Network receive on %.*s"},
        {"network.interfaces.", ".tx_bps", "Network send on %.*s"},
        {"disk.disks.", ".read_bps", "Disk reads on %.*s"},
        {"disk.disks.", ".write_bps", "Disk writes on %.*s"},
        {"fs.", ".usage", "Disk %.*s"},
        {"fs.", ".used", "Disk %.*s used space"},
        {"sensors.", ".celsius", "Temperature %.*s"},
    };
    if (!name)
        return snprintf(buf, len, "%s", "");
    int id = pulse_metric_id(name), rc = 0;
    if (id >= 0)
        return snprintf(buf, len, "%s", pulse_metric_label(id));
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
        if (label_form(name, forms[i].pre, forms[i].suf, forms[i].fmt, buf, len, &rc))
            return rc;
    return snprintf(buf, len, "%s", name);
}

const char *pulse_metric_label(int metric)
{
    static const char *const labels[PULSE_METRIC_COUNT] = {
        [PULSE_M_CPU_USAGE] = "CPU",
        [PULSE_M_CPU_USER] = "CPU user time",
        [PULSE_M_CPU_SYSTEM] = "CPU system time",
        [PULSE_M_CPU_IOWAIT] = "CPU I/O wait",
        [PULSE_M_CPU_IDLE] = "CPU idle time",
        [PULSE_M_MEM_USAGE] = "Memory use",
        [PULSE_M_MEM_USED] = "Memory used",
        [PULSE_M_MEM_AVAILABLE] = "Available memory",
        [PULSE_M_MEM_CACHED] = "Page cache",
        [PULSE_M_SWAP_USED] = "Swap used",
        [PULSE_M_SWAP_USAGE] = "Swap use",
        [PULSE_M_NET_RX] = "Network receive",
        [PULSE_M_NET_TX] = "Network send",
        [PULSE_M_DISK_READ] = "Disk reads",
        [PULSE_M_DISK_WRITE] = "Disk writes",
        [PULSE_M_LOAD1] = "Load average",
        [PULSE_M_LOAD5] = "Load average (5 min)",
        [PULSE_M_LOAD15] = "Load average (15 min)",
        [PULSE_M_PROCESSES] = "Process count",
        [PULSE_M_CPU_STEAL] = "CPU steal time",
        [PULSE_M_MEM_BUFFERS] = "Buffers",
    };
    if (metric >= 0 && metric < PULSE_METRIC_COUNT && labels[metric])
        return labels[metric];
    const char *name = pulse_metric_name(metric);
    return name ? name : "";
}

/* About three significant digits: 972, 15, 1.5, 0.25. */
static int format_scaled(double v, const char *suffix, char *buf, size_t len)
{
    double a = fabs(v);
    /* Thresholds just under 10 and 1 so that 9.97 prints "10", not "10.0". */
    int decimals = a >= 9.95 || a == floor(a) ? 0 : a >= 0.995 ? 1 : 2;
    return snprintf(buf, len, "%.*f%s", decimals, v, suffix);
}

/* Binary prefixes: 1023 B, 1.0 KiB, 150 KiB, 972 MiB, 1.5 GiB ... */
static int format_binary(double v, const char *per, char *buf, size_t len)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    size_t u = 0;
    double a = fabs(v);
    /* 1023.6 KiB would print as "1024 KiB": move to the next unit before rounding does. */
    while (a >= 1023.5 && u + 1 < sizeof(units) / sizeof(units[0])) {
        a /= 1024.0;
        v /= 1024.0;
        u++;
    }
    char suffix[16];
    snprintf(suffix, sizeof(suffix), " %s%s", units[u], per);
    return snprintf(buf, len, "%.*f%s", u == 0 || a >= 9.95 ? 0 : 1, v, suffix);
}

int pulse_format_value(pulse_unit unit, double v, char *buf, size_t len)
{
    if (!isfinite(v))
        return snprintf(buf, len, "no value");
    switch (unit) {
    case PULSE_UNIT_PERCENT:
        /* 99.6 % must not read as a full 100 %. */
        if (fabs(v) >= 99.5 && fabs(v) < 100)
            return snprintf(buf, len, "%.1f %%", v);
        return format_scaled(v, " %", buf, len);
    case PULSE_UNIT_BYTES:
        return format_binary(v, "", buf, len);
    case PULSE_UNIT_BPS:
        return format_binary(v, "/s", buf, len);
    case PULSE_UNIT_LOAD:
        return snprintf(buf, len, "%.2f", v);
    case PULSE_UNIT_COUNT:
        return snprintf(buf, len, "%.0f", v);
    case PULSE_UNIT_CELSIUS:
        return snprintf(buf, len, "%.1f °C", v);
    default:
        return format_scaled(v, "", buf, len);
    }
}

int pulse_format_duration(long long ms, char *buf, size_t len)
{
    long long s = ms < 0 ? 0 : (ms + 500) / 1000;
    if (s < 120)
        return snprintf(buf, len, "%lld s", s);
    long long min = (s + 30) / 60;
    if (min < 120)
        return snprintf(buf, len, "%lld min", min);
    if (min < 48 * 60)
        return min % 60 ? snprintf(buf, len, "%lld h %lld min", min / 60, min % 60)
                        : snprintf(buf, len, "%lld h", min / 60);
    long long h = (min + 30) / 60;
    return h % 24 ? snprintf(buf, len, "%lld d %lld h", h / 24, h % 24)
                  : snprintf(buf, len, "%lld d", h / 24);
}
