#include "hub/ratelimit.h"

#include <string.h>

void rl_init(struct ratelimit *rl, long burst, uint64_t now_ms)
{
    memset(rl, 0, sizeof(*rl));
    rl->milli_tokens = (int64_t)burst * 1000;
    rl->last_ms = now_ms;
}

int rl_take(struct ratelimit *rl, long rate_per_s, long burst, uint64_t now_ms)
{
    if (now_ms > rl->last_ms) {
        rl->milli_tokens += (int64_t)(now_ms - rl->last_ms) * rate_per_s;
        if (rl->milli_tokens > (int64_t)burst * 1000)
            rl->milli_tokens = (int64_t)burst * 1000;
        rl->last_ms = now_ms;
    }
    if (rl->milli_tokens < 1000)
        return 0;
    rl->milli_tokens -= 1000;
    return 1;
}

unsigned rl_reject(struct ratelimit *rl, uint64_t now_ms)
{
    uint64_t sec = now_ms / 1000;
    if (sec > rl->rej_sec) {
        uint64_t gap = sec - rl->rej_sec;
        for (uint64_t s = 1; s <= gap && s <= RL_WINDOW_S; s++)
            rl->rejected[(rl->rej_sec + s) % RL_WINDOW_S] = 0;
        rl->rej_sec = sec;
    }
    uint16_t *slot = &rl->rejected[sec % RL_WINDOW_S];
    if (*slot < UINT16_MAX)
        (*slot)++;
    unsigned total = 0;
    for (int i = 0; i < RL_WINDOW_S; i++)
        total += rl->rejected[i];
    return total;
}
