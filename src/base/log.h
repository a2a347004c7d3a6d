/* Structured logging to stderr: one line per event, `TIME LEVEL EVENT key=value ...`, or one
 * JSON object per line for log shippers. The logger is plain data owned by its user. */
#ifndef PULSE_LOG_H
#define PULSE_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

#define LOG_LINE_MAX 2048

struct logger {
    int level;  /* enum log_level: events below it are skipped */
    int format; /* enum log_format */
    FILE *out;  /* NULL means stderr */
};

/* One line being built; fields are appended in order and the line is bounded. */
struct log_line {
    const struct logger *lg;
    size_t len;
    int on; /* 0 when the level is filtered out: every call is then a no-op */
    char buf[LOG_LINE_MAX];
};

/* Name of a level ("debug", "info", "warn", "error"), or "?". */
const char *log_level_name(int level);

/* The level named `name`, or -1. */
int log_level_parse(const char *name);

/* Starts a line with the time, the level and the event name; returns 0 if it will be written. */
int log_begin(struct log_line *l, const struct logger *lg, int level, const char *event);

/* Appends key=value with a string value (quoted when it holds spaces, quotes or controls). */
void log_str(struct log_line *l, const char *key, const char *value);

/* Appends key=value with an integer value. */
void log_int(struct log_line *l, const char *key, int64_t value);

/* Appends key=value with an unsigned integer value. */
void log_uint(struct log_line *l, const char *key, uint64_t value);

/* Appends key=value with a printf-formatted string value. */
void log_strf(struct log_line *l, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes the line in one write to the logger's stream. */
void log_end(struct log_line *l);

/* One event with a free-text `msg` field: `log_event(lg, LOG_WARN, "history_write", fmt, ...)`. */
void log_event(const struct logger *lg, int level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Older call sites: an event named "message" with the text as `msg`. */
#define log_debug(lg, ...) log_event((lg), LOG_DEBUG, "message", __VA_ARGS__)
#define log_info(lg, ...) log_event((lg), LOG_INFO, "message", __VA_ARGS__)
#define log_warn(lg, ...) log_event((lg), LOG_WARN, "message", __VA_ARGS__)
#define log_error(lg, ...) log_event((lg), LOG_ERROR, "message", __VA_ARGS__)

#endif
