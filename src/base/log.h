/* Leveled logging to stderr. */
#ifndef PULSE_LOG_H
#define PULSE_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

struct logger {
    int level; /* enum log_level: messages below it are skipped */
};

/* Writes one line "pulse: LEVEL: message" when `level` is at or above the logger's. */
void log_write(const struct logger *lg, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Name of a log level, e.g. "info"; "?" outside the range. */
const char *log_level_name(int level);

#define log_debug(lg, ...) log_write((lg), 0, __VA_ARGS__)
#define log_info(lg, ...) log_write((lg), 1, __VA_ARGS__)
#define log_warn(lg, ...) log_write((lg), 2, __VA_ARGS__)
#define log_error(lg, ...) log_write((lg), 3, __VA_ARGS__)

#endif
