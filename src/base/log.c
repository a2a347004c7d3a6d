#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>

static const char *const level_names[] = {"debug", "info", "warn", "error"};

const char *log_level_name(int level)
{
    return level >= 0 && level <= LOG_ERROR ? level_names[level] : "?";
}

void log_write(const struct logger *lg, int level, const char *fmt, ...)
{
    if (level < lg->level)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(stderr, "pulse: %s: %s\n", log_level_name(level), line);
}
