/* Per-connection rate limit: a token bucket, and a sliding count of rejected messages. */
#ifndef PULSE_RATELIMIT_H
#define PULSE_RATELIMIT_H

#include <stdint.h>

#define RL_WINDOW_S 10

struct ratelimit {
    int64_t milli_tokens; /* tokens × 1000, so refill needs no floating point */
    uint64_t last_ms;
    uint64_t rej_sec;               /* second of the newest rejection bucket */
    uint16_t rejected[RL_WINDOW_S]; /* rejections per second, a ring over the window */
};

/* A full bucket at `now_ms`. */
void rl_init(struct ratelimit *rl, long burst, uint64_t now_ms);

/* Takes a token: 1 when the message may pass, 0 when it is over the limit. */
int rl_take(struct ratelimit *rl, long rate_per_s, long burst, uint64_t now_ms);

/* Records a rejection and returns how many there were in the last RL_WINDOW_S seconds. */
unsigned rl_reject(struct ratelimit *rl, uint64_t now_ms);

#endif
