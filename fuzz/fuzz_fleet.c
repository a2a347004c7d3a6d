/* libFuzzer target for the fleet parsers: the first byte picks the --redis URL parser, the
 * node-to-node envelope decoder, or the stream entry decoder; the rest is the input. Checks
 * bounds, NUL handling and that what parses is consistent. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/envelope.h"
#include "fleet/redis_url.h"
#include "fleet/streams.h"

static void url(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return;
    memcpy(s, data, size);
    s[size] = '\0';
    struct redis_url u;
    char err[256], desc[700];
    memset(err, 1, sizeof(err));
    if (redis_url_parse(s, &u, err, sizeof(err)) == 0) {
        if (u.port < 1 || u.port > 65535 || u.db < 0 || (u.is_unix && u.path[0] != '/') ||
            (!u.is_unix && u.host[0] == '\0'))
            abort();
        /* The password never shows: changing it must not change the description. */
        char desc2[700];
        redis_url_describe(&u, desc, sizeof(desc));
        snprintf(u.password, sizeof(u.password), "%s", strcmp(u.password, "x") ? "x" : "y");
        redis_url_describe(&u, desc2, sizeof(desc2));
        if (strcmp(desc, desc2) != 0)
            abort();
    } else if (!memchr(err, '\0', sizeof(err))) {
        abort();
    }
    free(s);
}

static void envelope(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so ASan sees any read past the end. */
    char *s = malloc(size ? size : 1);
    if (!s)
        return;
    memcpy(s, data, size);
    struct envelope e;
    if (envelope_decode(s, size, &e) == 0) {
        if (e.origin_len == 0 || e.origin_len > ENVELOPE_ORIGIN_MAX ||
            e.arg_len > ENVELOPE_ARG_MAX || e.payload + e.payload_len != s + size)
            abort();
        char *again = malloc(envelope_size(&e));
        if (!again || envelope_encode(&e, again, envelope_size(&e)) != (long)size ||
            memcmp(again, s, size) != 0)
            abort(); /* decode then encode gives the same bytes back */
        free(again);
    }
    free(s);
}

static void entry(const uint8_t *data, size_t size)
{
    char *s = malloc(size ? size : 1);
    double v[PULSE_METRIC_COUNT];
    int64_t ms;
    if (!s)
        return;
    memcpy(s, data, size);
    stream_values_decode(s, size, v, PULSE_METRIC_COUNT);
    stream_id_ms(s, size, &ms);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    switch (data[0] % 3) {
    case 0:
        url(data + 1, size - 1);
        break;
    case 1:
        envelope(data + 1, size - 1);
        break;
    default:
        entry(data + 1, size - 1);
    }
    return 0;
}
