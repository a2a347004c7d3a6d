#include "base/log.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

static const char *const level_names[] = {"debug", "info", "warn", "error"};

const char *log_level_name(int level)
{
    return level >= LOG_DEBUG && level <= LOG_ERROR ? level_names[level] : "?";
}

int log_level_parse(const char *name)
{
    for (int i = LOG_DEBUG; i <= LOG_ERROR; i++)
        if (strcmp(name, level_names[i]) == 0)
            return i;
    return -1;
}

/* Appends raw bytes, keeping `reserve` bytes free; short pieces (an escape) go in whole or
 * not at all, so a cut line stays well-formed. */
static void put_r(struct log_line *l, const char *s, size_t n, size_t reserve)
{
    if (l->len + reserve >= sizeof(l->buf))
        return;
    size_t room = sizeof(l->buf) - reserve - l->len;
    if (n > room && n <= 8)
        return;
    if (n > room)
        n = room;
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

/* Four bytes stay free for a string's closing quote and the line's end ("}\n"). */
static void put(struct log_line *l, const char *s, size_t n)
{
    put_r(l, s, n, 4);
}

static void puts_(struct log_line *l, const char *s)
{
    put(l, s, strlen(s));
}

static int needs_quotes(const char *s)
{
    if (*s == '\0')
        return 1;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == '"' || *s == '=' || *s == '\\' || *s == 0x7f)
            return 1;
    return 0;
}

/* A quoted string with JSON escapes: valid in both formats, one line whatever the value. */
static void put_quoted(struct log_line *l, const char *s)
{
    put(l, "\"", 1);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        char esc[8];
        if (ch == '"' || ch == '\\') {
            esc[0] = '\\';
            esc[1] = (char)ch;
            put(l, esc, 2);
        } else if (ch < 0x20 || ch == 0x7f) {
            snprintf(esc, sizeof(esc), "\\u%04x", ch);
            put(l, esc, 6);
        } else {
            put(l, (const char *)&ch, 1);
        }
    }
    put_r(l, "\"", 1, 3);
}

static void put_key(struct log_line *l, const char *key)
{
    if (l->lg->format == LOG_FORMAT_JSON) {
        put(l, ",", 1);
        put_quoted(l, key);
        put(l, ":", 1);
    } else {
        put(l, " ", 1);
        puts_(l, key);
        put(l, "=", 1);
    }
}

int log_begin(struct log_line *l, const struct logger *lg, int level, const char *event)
{
    l->lg = lg;
    l->len = 0;
    l->on = level >= lg->level;
    if (!l->on)
        return -1;
    struct timespec ts;
    struct tm tm;
    char when[40];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + n, sizeof(when) - n, ".%03ldZ", ts.tv_nsec / 1000000);
    if (lg->format == LOG_FORMAT_JSON) {
        puts_(l, "{\"time\":\"");
        puts_(l, when);
        puts_(l, "\",\"level\":\"");
        puts_(l, log_level_name(level));
        puts_(l, "\",\"event\":");
        put_quoted(l, event);
    } else {
        puts_(l, when);
        put(l, " ", 1);
        puts_(l, log_level_name(level));
        put(l, " ", 1);
        puts_(l, event);
    }
    return 0;
}

void log_str(struct log_line *l, const char *key, const char *value)
{
    if (!l->on)
        return;
    put_key(l, key);
    if (l->lg->format == LOG_FORMAT_JSON || needs_quotes(value))
        put_quoted(l, value);
    else
        puts_(l, value);
}

void log_int(struct log_line *l, const char *key, int64_t value)
{
    char num[24];
    if (!l->on)
        return;
    put_key(l, key);
    snprintf(num, sizeof(num), "%" PRId64, value);
    puts_(l, num);
}

void log_uint(struct log_line *l, const char *key, uint64_t value)
{
    char num[24];
    if (!l->on)
        return;
    put_key(l, key);
    snprintf(num, sizeof(num), "%" PRIu64, value);
    puts_(l, num);
}

static void log_vstrf(struct log_line *l, const char *key, const char *fmt, va_list ap)
{
    char text[1024];
    vsnprintf(text, sizeof(text), fmt, ap);
    log_str(l, key, text);
}

void log_strf(struct log_line *l, const char *key, const char *fmt, ...)
{
    va_list ap;
    if (!l->on)
        return;
    va_start(ap, fmt);
    log_vstrf(l, key, fmt, ap);
    va_end(ap);
}

void log_end(struct log_line *l)
{
    if (!l->on)
        return;
    if (l->lg->format == LOG_FORMAT_JSON)
        l->buf[l->len++] = '}';
    l->buf[l->len++] = '\n';
    FILE *out = l->lg->out ? l->lg->out : stderr;
    fwrite(l->buf, 1, l->len, out);
    fflush(out);
    l->on = 0;
}

void log_event(const struct logger *lg, int level, const char *event, const char *fmt, ...)
{
    struct log_line l;
    va_list ap;
    if (log_begin(&l, lg, level, event) < 0)
        return;
    va_start(ap, fmt);
    log_vstrf(&l, "msg", fmt, ap);
    va_end(ap);
    log_end(&l);
}
