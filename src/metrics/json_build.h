/* Building JSON with jansson, shared by the metrics builders: jansson reports allocation failure
 * by returning -1/NULL, and collecting it in one flag keeps the builders linear instead of
 * nesting an error check around every field. */
#ifndef PULSE_JSON_BUILD_H
#define PULSE_JSON_BUILD_H

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct {
    bool ok;
} build;

/* Sets obj[key] = value (stolen); on failure frees value and clears b->ok. */
static inline void put(build *b, json_t *obj, const char *key, json_t *value)
{
    if (!obj || !value || json_object_set_new(obj, key, value) != 0) {
        json_decref(value);
        b->ok = false;
    }
}

/* Appends value (stolen) to arr; on failure frees value and clears b->ok. */
static inline void push(build *b, json_t *arr, json_t *value)
{
    if (!arr || !value || json_array_append_new(arr, value) != 0) {
        json_decref(value);
        b->ok = false;
    }
}

/* Two decimals are plenty for percentages and loads and keep frames short. */
static inline json_t *real2(double v)
{
    return json_real(round(v * 100.0) / 100.0);
}

/* An unsigned counter as a JSON integer, clamped to INT64_MAX. */
static inline json_t *u64(uint64_t v)
{
    return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

/* v rounded to its `digits` most significant decimal digits (|v| < 10^digits stays exact, to
 * the unit): the digits beyond carry no information (interval jitter for rates, page churn for
 * gauges) but cost bytes, and under permessage-deflate high-entropy digits are what is left. */
static inline double round_significant(double v, int digits)
{
    if (!isfinite(v) || !(fabs(v) >= 1.0))
        return round(v);
    double scale = pow(10.0, floor(log10(fabs(v))) + 1 - digits);
    return scale <= 1.0 ? round(v) : round(v / scale) * scale;
}

/* A byte gauge that moves every sample and enters no identity (memory cached, buffers): 4
 * significant digits. */
static inline json_t *gauge4(uint64_t v)
{
    double r = round_significant((double)v, 4);
    return r >= 9.0e18 ? u64(v) : json_integer((json_int_t)r);
}

/* A filesystem count that moves (used, available, inodes used and free): 4 significant digits
 * rounded down, so used + available never exceeds the size and the two inode counts never
 * exceed the total. */
static inline json_t *floor4(uint64_t v)
{
    uint64_t scale = 1;
    for (uint64_t x = v; x >= 10000; x /= 10)
        scale *= 10;
    return u64(v / scale * scale);
}

/* Hands `o` to *out when every step succeeded; else frees it: 0 or -ENOMEM. */
static inline int build_finish(build *b, json_t *o, json_t **out)
{
    if (!b->ok || !o) {
        json_decref(o);
        return -ENOMEM;
    }
    *out = o;
    return 0;
}

#endif
