/* JSON messages serialized once into framed WebSocket text messages, ready to share. */
#ifndef PULSE_FRAME_H
#define PULSE_FRAME_H

#include <jansson.h>
#include <stddef.h>

#include "base/pbuf.h"

/* How metric values are printed wherever they appear (frames, snapshot, history, /api): they are
 * rounded by metrics_json, and 15 digits print them without binary noise. */
#define REPLY_JSON_FLAGS JSON_REAL_PRECISION(15)

/* Serializes a JSON value once into a framed text message (one reference), or NULL. */
struct pbuf *frame_json(json_t *value);

/* Serializes a JSON value with jansson `flags` (JSON_COMPACT is added) into a framed message. */
struct pbuf *frame_json_flags(json_t *value, size_t flags);

/* Like frame_json_flags for an object, with the request `id` (if any) added as its last member
 * and printed exactly, whatever `flags` say about the object's own numbers. */
struct pbuf *frame_reply(json_t *value, json_t *id, size_t flags);

#endif
