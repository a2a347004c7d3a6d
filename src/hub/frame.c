#include "hub/frame.h"

#include "net/ws.h"

static int dump_cb(const char *buf, size_t size, void *data)
{
    return pbuf_append((struct pbuf **)data, buf, size);
}

struct pbuf *frame_json(json_t *value)
{
    return frame_reply(value, NULL, 0);
}

struct pbuf *frame_json_flags(json_t *value, size_t flags)
{
    return frame_reply(value, NULL, flags);
}

struct pbuf *frame_reply(json_t *value, json_t *id, size_t flags)
{
    struct pbuf *b = pbuf_new(256, PBUF_HEADROOM);
    if (!b)
        return NULL;
    int rc = json_dump_callback(value, dump_cb, &b, flags | JSON_COMPACT | JSON_ENCODE_ANY);
    if (rc == 0 && id && json_is_object(value)) {
        /* The id goes in as the last member, printed exactly whatever `flags` did to the rest. */
        b->end--; /* the closing brace */
        rc = json_object_size(value) ? pbuf_append(&b, ",\"id\":", 6)
                                     : pbuf_append(&b, "\"id\":", 5);
        if (rc == 0)
            rc = json_dump_callback(id, dump_cb, &b, JSON_COMPACT | JSON_ENCODE_ANY);
        if (rc == 0)
            rc = pbuf_append(&b, "}", 1);
    }
    if (rc != 0) {
        pbuf_unref(b);
        return NULL;
    }
    pbuf_frame(b, WS_OP_TEXT);
    return b;
}
