/* Serializing replies into frames: one text frame, the request id as the last member, printed
 * exactly whatever precision the body uses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/pbuf.h"
#include "hub/frame.h"

/* The payload of a small unmasked text frame, as a string. */
static void payload(const struct pbuf *b, char *out, size_t outlen)
{
    const uint8_t *p = b->data + b->start;
    assert_int_equal(p[0], 0x81); /* FIN + text */
    size_t n = p[1];
    assert_true(n < 126 && n + 1 <= outlen);
    assert_int_equal(pbuf_len(b), n + 2);
    memcpy(out, p + 2, n);
    out[n] = '\0';
}

static void check(json_t *body, json_t *id, size_t flags, const char *want)
{
    char got[128];
    struct pbuf *b = frame_reply(body, id, flags);
    assert_non_null(b);
    payload(b, got, sizeof(got));
    assert_string_equal(got, want);
    pbuf_unref(b);
}

static void test_reply_id_exact(void **state)
{
    (void)state;
    json_t *body = json_pack("{s:s, s:f}", "type", "history", "v", 1.2345678901234567);
    json_t *id = json_real(1.2345678901234567);
    /* the body at 15 digits, the id at full precision */
    check(body, id, REPLY_JSON_FLAGS,
          "{\"type\":\"history\",\"v\":1.23456789012346,\"id\":1.2345678901234567}");
    check(body, NULL, REPLY_JSON_FLAGS, "{\"type\":\"history\",\"v\":1.23456789012346}");
    check(body, NULL, 0, "{\"type\":\"history\",\"v\":1.2345678901234567}");
    json_decref(id);
    id = json_string("a\"b");
    check(body, id, 0, "{\"type\":\"history\",\"v\":1.2345678901234567,\"id\":\"a\\\"b\"}");
    json_decref(id);
    json_decref(body);
}

static void test_reply_empty_object(void **state)
{
    (void)state;
    json_t *body = json_object(), *id = json_integer(7);
    check(body, id, 0, "{\"id\":7}");
    check(body, NULL, 0, "{}");
    json_decref(id);
    json_decref(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reply_id_exact),
        cmocka_unit_test(test_reply_empty_object),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
