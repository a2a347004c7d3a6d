#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>

#include "app/config.h"

void log_write(const struct logger *lg, int level, const char *fmt, ...)
{
    if (level < lg->level)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(stderr, "pulse: %s: %s\n", config_level_name(level), line);
}
