/* pulse-bench: a WebSocket load generator for Pulse (and any server speaking the same
 * subset of protocol v1: welcome, subscribe, publish -> message, ping -> pong).
 *
 * One thread, epoll, non-blocking sockets, its own minimal RFC 6455 client (handshake with
 * Sec-WebSocket-Accept check, masked client frames, server frame parser). Reads go through
 * one large shared buffer so one read() returns many frames.
 *
 * Scenarios:
 *   conns     N connections, each subscribed to a channel: connect time, accepts/s, server RSS
 *   fanout    N subscribers + 1 publisher at R msg/s of S bytes: throughput, loss, latency
 *   pingpong  K clients in a closed ping/pong loop: round trips/s, latency
 *   metrics   N subscribers of the daemon's own `metrics` channel: per-tick delivery latency
 *             (sample "ts" wall clock -> receipt), completeness, server CPU and RSS
 *
 * --tls speaks wss:// (OpenSSL, certificate not verified) and --deflate offers permessage-deflate
 * (compressed server frames are inflated; the wire size of metrics frames is reported).
 *
 * Every run is bounded by --timeout (a hard deadline) and ends by itself. One line per run:
 *   RESULT scenario=... server=... key=value ...
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <zlib.h>

/* ------------------------------------------------------------------ utilities */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Wall clock (CLOCK_REALTIME) in ns: comparable with the daemon's millisecond "ts" fields. */
static uint64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "pulse-bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q && n)
        die("out of memory");
    return q;
}

static uint64_t rng_state = 88172645463325252ull;
static uint32_t rng32(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

/* ------------------------------------------------------------------ SHA-1 + base64 */

struct sha1 {
    uint32_t h[5];
    uint64_t len;
    uint8_t buf[64];
    size_t n;
};

#define ROL(x, k) (((x) << (k)) | ((x) >> (32 - (k))))

static void sha1_block(struct sha1 *s, const uint8_t *p)
{
    uint32_t w[80], a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = ROL(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20)
            f = (b & c) | (~b & d), k = 0x5A827999;
        else if (i < 40)
            f = b ^ c ^ d, k = 0x6ED9EBA1;
        else if (i < 60)
            f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
        else
            f = b ^ c ^ d, k = 0xCA62C1D6;
        uint32_t t = ROL(a, 5) + f + e + k + w[i];
        e = d, d = c, c = ROL(b, 30), b = a, a = t;
    }
    s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d, s->h[4] += e;
}

static void sha1_update(struct sha1 *s, const void *data, size_t len)
{
    const uint8_t *p = data;
    s->len += len;
    while (len--) {
        s->buf[s->n++] = *p++;
        if (s->n == 64) {
            sha1_block(s, s->buf);
            s->n = 0;
        }
    }
}

static void sha1_digest(const void *data, size_t len, uint8_t out[20])
{
    struct sha1 s = {{0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0}, 0, {0}, 0};
    sha1_update(&s, data, len);
    uint64_t bits = s.len * 8;
    uint8_t pad = 0x80;
    sha1_update(&s, &pad, 1);
    pad = 0;
    while (s.n != 56)
        sha1_update(&s, &pad, 1);
    for (int i = 7; i >= 0; i--) {
        uint8_t b = (uint8_t)(bits >> (8 * i));
        sha1_update(&s, &b, 1);
    }
    for (int i = 0; i < 5; i++) {
        out[4 * i] = (uint8_t)(s.h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(s.h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(s.h[i] >> 8);
        out[4 * i + 3] = (uint8_t)s.h[i];
    }
}

static void base64(const uint8_t *in, size_t n, char *out)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i = 0, o = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = t[v >> 18], out[o++] = t[(v >> 12) & 63], out[o++] = t[(v >> 6) & 63],
        out[o++] = t[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
        out[o++] = t[v >> 18], out[o++] = t[(v >> 12) & 63];
        out[o++] = i + 1 < n ? t[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = 0;
}

/* ------------------------------------------------------------------ latency histogram */

/* Log-linear: 128 sub-buckets per power of two of nanoseconds (< 0.8 % error). */
#define JWT_HEADER_MAX 600 /* the Authorization line of an upgrade */
#define HSUB 128
#define HBUCKETS (64 * HSUB)
struct hist {
    uint64_t count, max, sum;
    uint64_t b[HBUCKETS];
};

static unsigned hist_index(uint64_t v)
{
    if (v < HSUB)
        return (unsigned)v;
    unsigned e = 63 - (unsigned)__builtin_clzll(v); /* >= 7 */
    return (e - 6) * HSUB + (unsigned)((v >> (e - 7)) & (HSUB - 1));
}

static uint64_t hist_value(unsigned idx) /* midpoint of bucket */
{
    if (idx < HSUB)
        return idx;
    unsigned e = idx / HSUB + 6, sub = idx % HSUB;
    uint64_t lo = ((uint64_t)HSUB + sub) << (e - 7);
    return lo + ((1ull << (e - 7)) >> 1);
}

static void hist_add(struct hist *h, uint64_t v)
{
    h->b[hist_index(v)]++;
    h->count++;
    h->sum += v;
    if (v > h->max)
        h->max = v;
}

static double hist_pct_ms(const struct hist *h, double p)
{
    if (!h->count)
        return 0;
    uint64_t rank = (uint64_t)(p * (double)h->count + 0.999999);
    if (rank < 1)
        rank = 1;
    uint64_t cum = 0;
    for (unsigned i = 0; i < HBUCKETS; i++) {
        cum += h->b[i];
        if (cum >= rank) {
            uint64_t v = hist_value(i);
            if (v > h->max)
                v = h->max;
            return (double)v / 1e6;
        }
    }
    return (double)h->max / 1e6;
}

/* ------------------------------------------------------------------ options */

static struct {
    const char *scenario;
    const char *host;
    int port;
    const char *path;
    const char *token; /* --token: sent as Authorization: Bearer on each upgrade */
    const char *server_name;
    int server_pid;
    const char *channel;
    long conns;  /* conns: connections; fanout: subscribers; pingpong: clients */
    long batch;  /* connections in flight at once while connecting */
    double rate; /* fanout: messages per second */
    long size;   /* fanout: bytes of data */
    double seconds;
    double drain;  /* seconds to wait for stragglers after the run */
    double hold;   /* conns: seconds to keep the connections open after measuring */
    double warmup; /* metrics: seconds after the last subscribe before measuring */
    double timeout;
    int quiet;
    int tls;     /* wss:// */
    int deflate; /* offer permessage-deflate */
} opt = {
    .host = "127.0.0.1",
    .path = "/ws",
    .token = NULL,
    .server_name = "unknown",
    .channel = "bench",
    .conns = -1,
    .batch = 500,
    .rate = 100,
    .size = 200,
    .seconds = 10,
    .drain = 5,
    .hold = 0,
    .warmup = 2,
    .timeout = 0,
};

/* ------------------------------------------------------------------ connections */

enum cstate { C_CONNECTING, C_TLS, C_HANDSHAKE, C_OPEN, C_SUBSCRIBING, C_READY, C_CLOSED };
enum crole { R_SUB, R_PUB, R_PING };

struct conn {
    int fd;
    uint8_t state, role;
    bool want_out, pong_wait;
    char accept[32];
    uint8_t *in; /* bytes left over from the last read (a partial frame) */
    size_t in_len;
    uint8_t *out; /* bytes not yet written */
    size_t out_len, out_off, out_cap;
    uint64_t ping_id, ping_sent;
    bool in_frag;        /* inside a fragmented data message */
    bool metrics_seen;   /* metrics: the frame sent at once on subscribe has arrived */
    SSL *ssl;            /* --tls */
    z_stream *inf;       /* --deflate: allocated on the first compressed frame */
    bool pmd, pmd_reset; /* extension accepted; server_no_context_takeover */
    uint64_t next_seq;   /* fanout: the sequence number expected next (duplicates are older) */
};

static int ep;
static struct conn *conns;
static long nconns;
static uint8_t *rbuf;
#define RBUF_SIZE (4u << 20)

static struct {
    long started, ready, failed, closed_early;
    long welcomes, subscribed, errors, server_pings, fragmented;
    uint64_t sent, acks, delivered, bad_payload, dups;
    uint64_t first_send, last_delivery;
    uint64_t pings, pongs;
    bool stop_sending;
    uint64_t bytes_in, reads;
} st;

static struct hist lat;
static SSL_CTX *ssl_ctx;
static uint8_t *zbuf; /* inflated message */
#define ZBUF_SIZE (4u << 20)
static uint64_t wire_len; /* payload bytes on the wire of the frame being handled */

/* One send or receive through TLS or the socket: bytes, or -1 with errno (EAGAIN to wait). */
static ssize_t io_send(struct conn *c, const void *p, size_t len)
{
    if (!c->ssl)
        return send(c->fd, p, len, MSG_NOSIGNAL);
    ERR_clear_error();
    int n = SSL_write(c->ssl, p, (int)len);
    if (n > 0)
        return n;
    int e = SSL_get_error(c->ssl, n);
    errno = e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ ? EAGAIN : EPIPE;
    return -1;
}

/* Reads as many TLS records as fit (so a short count means "drained"). */
static ssize_t io_recv(struct conn *c, void *buf, size_t len)
{
    if (!c->ssl)
        return read(c->fd, buf, len);
    size_t got = 0;
    while (got < len) {
        ERR_clear_error();
        int n = SSL_read(c->ssl, (char *)buf + got,
                         (int)(len - got > (1u << 30) ? (1u << 30) : len - got));
        if (n > 0) {
            got += (size_t)n;
            continue;
        }
        int e = SSL_get_error(c->ssl, n);
        if (got)
            return (ssize_t)got;
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            errno = EAGAIN;
            return -1;
        }
        if (e == SSL_ERROR_ZERO_RETURN)
            return 0;
        errno = ECONNRESET;
        return -1;
    }
    return (ssize_t)got;
}

/* Inflated messages remembered by their compressed bytes. With server_no_context_takeover every
 * message is deflated on its own, so equal bytes inflate to equal text: a fan-out sends the same
 * bytes to every subscriber, and inflating them once per message rather than once per subscriber
 * keeps the one-core load generator from becoming the bound of a compressed fan-out run. Each
 * subscriber's bytes are still compared in full with the remembered ones. */
#define MEMO_SETS 4096 /* by a hash of the bytes; MEMO_WAYS messages per set, least recent out */
#define MEMO_WAYS 4    /* a backlog spans many messages: a direct-mapped table thrashed on them */
#define MEMO_SLOTS (MEMO_SETS * MEMO_WAYS)
#define MEMO_MAX (64u << 10)
static struct memo {
    uint8_t *in, *out;
    size_t in_len, out_len;
    uint64_t used; /* memo_clock at the last hit or fill: the least recent way is replaced */
} memo[MEMO_SLOTS];
static uint64_t memo_hits, memo_misses, memo_clock;

static long inflate_msg(struct conn *c, const uint8_t *p, size_t len);

/* A word-at-a-time hash of the compressed bytes (a byte-wise FNV-1a was a quarter of the load
 * generator's CPU in a compressed fan-out); a match is still confirmed with memcmp. */
static uint64_t memo_hash(const uint8_t *p, size_t len)
{
    uint64_t h = len * 0x9E3779B97F4A7C15ull, w;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
        h ^= h >> 31;
    }
    for (w = 0; i < len; i++)
        w = (w << 8) | p[i];
    h = (h ^ w) * 0x94D049BB133111EBull;
    return h ^ (h >> 29);
}

/* Remembers an inflated message in a way (best effort: a failed allocation just skips). */
static void memo_put(struct memo *m, const uint8_t *in, size_t len, const uint8_t *out,
                     size_t out_len)
{
    free(m->in);
    free(m->out);
    *m = (struct memo){0};
    if (len > MEMO_MAX || out_len > MEMO_MAX)
        return;
    m->in = malloc(len ? len : 1);
    m->out = malloc(out_len ? out_len : 1);
    if (!m->in || !m->out) {
        free(m->in);
        free(m->out);
        *m = (struct memo){0};
        return;
    }
    memcpy(m->in, in, len);
    memcpy(m->out, out, out_len);
    m->in_len = len;
    m->out_len = out_len;
    m->used = ++memo_clock;
}

/* The way holding these bytes, else NULL with *victim the least recently used way of the set. */
static struct memo *memo_find(const uint8_t *p, size_t len, struct memo **victim)
{
    struct memo *set = &memo[(memo_hash(p, len) % MEMO_SETS) * MEMO_WAYS];
    *victim = set;
    for (unsigned w = 0; w < MEMO_WAYS; w++) {
        struct memo *m = &set[w];
        if (m->in && m->in_len == len && memcmp(m->in, p, len) == 0)
            return m;
        if (m->used < (*victim)->used)
            *victim = m;
    }
    return NULL;
}

/* Inflates a message, from the memo when the same bytes were inflated before: text or NULL. */
static const uint8_t *inflate_memo(struct conn *c, const uint8_t *p, size_t len, size_t *out_len)
{
    struct memo *victim = NULL;
    struct memo *m = c->pmd_reset ? memo_find(p, len, &victim) : NULL;
    if (m) {
        memo_hits++;
        m->used = ++memo_clock;
        *out_len = m->out_len;
        return m->out;
    }
    long zl = inflate_msg(c, p, len);
    if (zl < 0)
        return NULL;
    memo_misses++;
    *out_len = (size_t)zl;
    if (victim)
        memo_put(victim, p, len, zbuf, (size_t)zl);
    return zbuf;
}

/* Inflates one compressed message into zbuf: its length, or -1. */
static long inflate_msg(struct conn *c, const uint8_t *p, size_t len)
{
    static const uint8_t tail[4] = {0, 0, 0xff, 0xff};
    if (!c->inf) {
        c->inf = calloc(1, sizeof *c->inf);
        if (!c->inf || inflateInit2(c->inf, -15) != Z_OK)
            return -1;
    } else if (c->pmd_reset) {
        inflateReset(c->inf);
    }
    c->inf->next_out = zbuf;
    c->inf->avail_out = ZBUF_SIZE;
    for (int part = 0; part < 2; part++) {
        c->inf->next_in = (Bytef *)(uintptr_t)(part ? tail : p);
        c->inf->avail_in = (uInt)(part ? 4 : len);
        int rc = inflate(c->inf, Z_SYNC_FLUSH);
        if (rc != Z_OK && rc != Z_BUF_ERROR && rc != Z_STREAM_END)
            return -1;
    }
    return (long)(ZBUF_SIZE - c->inf->avail_out);
}

static void ep_ctl(int op, struct conn *c, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (epoll_ctl(ep, op, c->fd, &ev) < 0 && op != EPOLL_CTL_DEL)
        die("epoll_ctl: %s", strerror(errno));
}

static void conn_close(struct conn *c, bool failed)
{
    if (c->state == C_CLOSED)
        return;
    if (failed) {
        if (c->state == C_READY || (c->state == C_OPEN && c->role != R_SUB))
            st.closed_early++;
        else
            st.failed++;
    }
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    if (c->ssl) {
        if (!failed)
            SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->inf) {
        inflateEnd(c->inf);
        free(c->inf);
        c->inf = NULL;
    }
    close(c->fd);
    c->fd = -1;
    c->state = C_CLOSED;
    free(c->in);
    c->in = NULL;
    c->in_len = 0;
    free(c->out);
    c->out = NULL;
    c->out_len = c->out_off = c->out_cap = 0;
}

/* Writes what it can now; keeps the rest and asks for EPOLLOUT. */
static void conn_write(struct conn *c, const void *data, size_t len)
{
    if (c->state == C_CLOSED)
        return;
    const uint8_t *p = data;
    if (c->out_len == c->out_off) {
        c->out_len = c->out_off = 0;
        while (len) {
            ssize_t n = io_send(c, p, len);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                if (errno == EAGAIN)
                    break;
                conn_close(c, true);
                return;
            }
            p += n;
            len -= (size_t)n;
        }
        if (!len)
            return;
    }
    if (c->out_len + len > c->out_cap) {
        c->out_cap = (c->out_len + len) * 2;
        c->out = xrealloc(c->out, c->out_cap);
    }
    memcpy(c->out + c->out_len, p, len);
    c->out_len += len;
    if (!c->want_out) {
        c->want_out = true;
        ep_ctl(EPOLL_CTL_MOD, c, EPOLLIN | EPOLLOUT);
    }
}

static void conn_flush(struct conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = io_send(c, c->out + c->out_off, c->out_len - c->out_off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return;
            conn_close(c, true);
            return;
        }
        c->out_off += (size_t)n;
    }
    c->out_len = c->out_off = 0;
    if (c->want_out) {
        c->want_out = false;
        ep_ctl(EPOLL_CTL_MOD, c, EPOLLIN);
    }
}

/* A masked client frame. */
static void send_frame(struct conn *c, int opcode, const void *payload, size_t len)
{
    uint8_t stackbuf[1024];
    size_t need = len + 14;
    uint8_t *f = need <= sizeof stackbuf ? stackbuf : xrealloc(NULL, need);
    size_t h = 0;
    f[h++] = (uint8_t)(0x80 | opcode);
    if (len < 126) {
        f[h++] = (uint8_t)(0x80 | len);
    } else if (len < 65536) {
        f[h++] = 0x80 | 126;
        f[h++] = (uint8_t)(len >> 8);
        f[h++] = (uint8_t)len;
    } else {
        f[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            f[h++] = (uint8_t)((uint64_t)len >> (8 * i));
    }
    uint32_t m = rng32();
    uint8_t mask[4] = {(uint8_t)m, (uint8_t)(m >> 8), (uint8_t)(m >> 16), (uint8_t)(m >> 24)};
    memcpy(f + h, mask, 4);
    h += 4;
    const uint8_t *p = payload;
    for (size_t i = 0; i < len; i++)
        f[h + i] = p[i] ^ mask[i & 3];
    conn_write(c, f, h + len);
    if (f != stackbuf)
        free(f);
}

static void send_text(struct conn *c, const char *s, size_t len)
{
    send_frame(c, 1, s, len);
}

static struct sockaddr_in server_addr;
static uint16_t sub_ports[16]; /* --sub-ports: subscribers spread over these (cluster nodes) */
static int nsub_ports;

static void conn_start(struct conn *c, int role)
{
    memset(c, 0, sizeof *c);
    c->role = (uint8_t)role;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    st.started++;
    if (c->fd < 0) {
        fprintf(stderr, "pulse-bench: socket: %s\n", strerror(errno));
        c->state = C_CLOSED;
        st.failed++;
        return;
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->state = C_CONNECTING;
    struct sockaddr_in addr = server_addr;
    if (role == R_SUB && nsub_ports > 0)
        addr.sin_port = htons(sub_ports[(c - conns) % nsub_ports]);
    if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS) {
        fprintf(stderr, "pulse-bench: connect: %s\n", strerror(errno));
        close(c->fd);
        c->fd = -1;
        c->state = C_CLOSED;
        st.failed++;
        return;
    }
    ep_ctl(EPOLL_CTL_ADD, c, EPOLLIN | EPOLLOUT);
    c->want_out = true;
}

static void conn_handshake(struct conn *c)
{
    uint8_t key[16];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)rng32();
    char k64[32], req[1024], cat[128], auth[JWT_HEADER_MAX] = "";
    base64(key, 16, k64);
    int n = snprintf(cat, sizeof cat, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", k64);
    uint8_t dig[20];
    sha1_digest(cat, (size_t)n, dig);
    base64(dig, 20, c->accept);
    if (opt.token)
        snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", opt.token);
    n = snprintf(req, sizeof req,
                 "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s%s\r\n",
                 opt.path, opt.host, opt.port, k64,
                 opt.deflate ? "Sec-WebSocket-Extensions: permessage-deflate; "
                               "client_max_window_bits\r\n"
                             : "",
                 auth);
    c->state = C_HANDSHAKE;
    c->want_out = false;
    ep_ctl(EPOLL_CTL_MOD, c, EPOLLIN);
    conn_write(c, req, (size_t)n);
}

/* ------------------------------------------------------------------ scenario hooks */

static void became_ready(struct conn *c)
{
    if (c->state == C_READY)
        return;
    c->state = C_READY;
    st.ready++;
}

static void send_ping(struct conn *c)
{
    char msg[96];
    c->ping_id++;
    int n = snprintf(msg, sizeof msg, "{\"type\":\"ping\",\"id\":%" PRIu64 "}", c->ping_id);
    c->ping_sent = now_ns();
    c->pong_wait = true;
    st.pings++;
    send_text(c, msg, (size_t)n);
}

static const char *find(const char *p, size_t len, const char *needle)
{
    return memmem(p, len, needle, strlen(needle));
}

static bool type_is(const char *p, size_t len, const char *type)
{
    const char *t = find(p, len, "\"type\":\"");
    if (!t)
        return false;
    t += 8;
    size_t tl = strlen(type);
    return (size_t)(p + len - t) > tl && !memcmp(t, type, tl) && t[tl] == '"';
}

/* metrics: one entry per distinct "ts" (one daemon tick) inside the measured window. */
struct mtick {
    int64_t ts;      /* the daemon's sample time, ms since the epoch */
    uint64_t frames; /* frames of this tick received */
    uint64_t min_ns; /* latency at the first subscriber reached */
    uint64_t max_ns; /* latency at the last subscriber reached so far */
};
static struct mtick *mticks;
static size_t n_mticks, cap_mticks;
static int64_t mwin_lo = INT64_MAX, mwin_hi = INT64_MAX; /* counted: mwin_lo <= ts < mwin_hi */
static struct {
    uint64_t initial, before, after, received, bytes, wire_bytes, no_ts, clock_back;
} mst;

static void on_metrics(struct conn *c, const char *p, size_t len)
{
    uint64_t now = wall_ns();
    if (!c->metrics_seen) { /* the latest sample, sent at once on subscribe: not a tick */
        c->metrics_seen = true;
        mst.initial++;
        return;
    }
    const char *t = find(p, len, "\"ts\":");
    int64_t ts = 0;
    if (t) {
        t += 5;
        while (t < p + len && *t >= '0' && *t <= '9')
            ts = ts * 10 + (*t++ - '0');
    }
    if (ts <= 0) {
        mst.no_ts++;
        return;
    }
    if (ts < mwin_lo) {
        mst.before++;
        return;
    }
    if (ts >= mwin_hi) {
        mst.after++;
        return;
    }
    struct mtick *k = NULL;
    for (size_t i = n_mticks; i-- > 0;)
        if (mticks[i].ts == ts) {
            k = &mticks[i];
            break;
        }
    if (!k) {
        if (n_mticks == cap_mticks) {
            cap_mticks = cap_mticks ? cap_mticks * 2 : 64;
            mticks = xrealloc(mticks, cap_mticks * sizeof *mticks);
        }
        k = &mticks[n_mticks++];
        *k = (struct mtick){.ts = ts, .min_ns = UINT64_MAX};
    }
    uint64_t sampled = (uint64_t)ts * 1000000ull;
    uint64_t d = 0;
    if (now >= sampled)
        d = now - sampled;
    else
        mst.clock_back++; /* the wall clock stepped back: counted as 0 */
    k->frames++;
    if (d > k->max_ns)
        k->max_ns = d;
    if (d < k->min_ns)
        k->min_ns = d;
    hist_add(&lat, d);
    mst.received++;
    mst.bytes += len;
    mst.wire_bytes += wire_len;
}

static void on_text(struct conn *c, const char *p, size_t len)
{
    if (type_is(p, len, "metrics")) {
        on_metrics(c, p, len);
        return;
    }
    if (type_is(p, len, "message")) {
        uint64_t now = now_ns();
        const char *d = find(p, len, "\"data\":\"");
        if (!d) {
            st.bad_payload++;
            return;
        }
        d += 8;
        uint64_t ts = 0;
        while (d < p + len && *d >= '0' && *d <= '9')
            ts = ts * 10 + (uint64_t)(*d++ - '0');
        if (d < p + len && *d == '-') { /* "-SEQ": a duplicate repeats an older one */
            uint64_t seq = 0;
            while (++d < p + len && *d >= '0' && *d <= '9')
                seq = seq * 10 + (uint64_t)(*d - '0');
            if (seq < c->next_seq)
                st.dups++;
            else
                c->next_seq = seq + 1;
        }
        st.delivered++;
        st.last_delivery = now;
        if (ts && ts <= now)
            hist_add(&lat, now - ts);
        else
            st.bad_payload++;
        return;
    }
    if (type_is(p, len, "pong")) {
        uint64_t now = now_ns();
        const char *d = find(p, len, "\"id\":");
        uint64_t id = d ? strtoull(d + 5, NULL, 10) : 0;
        if (c->pong_wait && id == c->ping_id) {
            c->pong_wait = false;
            st.pongs++;
            hist_add(&lat, now - c->ping_sent);
            if (!st.stop_sending)
                send_ping(c);
        } else {
            st.bad_payload++;
        }
        return;
    }
    if (type_is(p, len, "published")) {
        st.acks++;
        return;
    }
    if (type_is(p, len, "subscribed")) {
        st.subscribed++;
        if (c->state == C_SUBSCRIBING)
            became_ready(c);
        return;
    }
    if (type_is(p, len, "welcome")) {
        st.welcomes++;
        return;
    }
    if (type_is(p, len, "error")) {
        if (st.errors++ < 5)
            fprintf(stderr, "pulse-bench: server error: %.*s\n", (int)(len > 300 ? 300 : len), p);
        return;
    }
}

static void on_open(struct conn *c)
{
    c->state = C_OPEN;
    if (c->role == R_SUB) {
        char msg[160];
        int n =
            snprintf(msg, sizeof msg, "{\"type\":\"subscribe\",\"channel\":\"%s\"}", opt.channel);
        c->state = C_SUBSCRIBING;
        send_text(c, msg, (size_t)n);
    } else {
        became_ready(c);
    }
}

/* ------------------------------------------------------------------ frame parsing */

/* Parses complete frames in [p, p+len); returns bytes consumed. */
static size_t parse_frames(struct conn *c, uint8_t *p, size_t len)
{
    size_t off = 0;
    while (len - off >= 2 && c->state != C_CLOSED) {
        uint8_t *f = p + off;
        size_t avail = len - off;
        int fin = f[0] & 0x80, op = f[0] & 0x0f;
        bool masked = f[1] & 0x80;
        uint64_t plen = f[1] & 0x7f;
        size_t h = 2;
        if (plen == 126) {
            if (avail < 4)
                break;
            plen = (uint64_t)f[2] << 8 | f[3];
            h = 4;
        } else if (plen == 127) {
            if (avail < 10)
                break;
            plen = 0;
            for (int i = 0; i < 8; i++)
                plen = plen << 8 | f[2 + i];
            h = 10;
        }
        if (masked) {
            fprintf(stderr, "pulse-bench: server sent a masked frame\n");
            conn_close(c, true);
            return len;
        }
        if (plen > RBUF_SIZE / 2) {
            fprintf(stderr, "pulse-bench: frame too large (%" PRIu64 ")\n", plen);
            conn_close(c, true);
            return len;
        }
        if (avail < h + plen)
            break;
        char *pl = (char *)f + h;
        switch (op) {
        case 0x1: /* text */
        case 0x2:
            if (!fin) {
                c->in_frag = true;
                st.fragmented++;
            }
            wire_len = plen;
            if ((f[0] & 0x40) && c->pmd && fin) {
                size_t zl;
                const uint8_t *text = inflate_memo(c, (const uint8_t *)pl, (size_t)plen, &zl);
                if (!text) {
                    fprintf(stderr, "pulse-bench: a compressed frame did not inflate\n");
                    conn_close(c, true);
                    return len;
                }
                on_text(c, (const char *)text, zl);
            } else {
                on_text(c, pl, (size_t)plen);
            }
            break;
        case 0x0: /* continuation: counted with its first fragment */
            if (fin)
                c->in_frag = false;
            break;
        case 0x8: { /* close: echo the status and stop */
            size_t n = plen >= 2 ? 2 : 0;
            if (c->role == R_SUB || c->role == R_PING || c->role == R_PUB) {
                if (!opt.quiet && st.closed_early < 5)
                    fprintf(stderr, "pulse-bench: server closed a connection (code %d)\n",
                            plen >= 2 ? ((uint8_t)pl[0] << 8 | (uint8_t)pl[1]) : 0);
            }
            send_frame(c, 0x8, pl, n);
            conn_close(c, true);
            return len;
        }
        case 0x9: /* ping */
            st.server_pings++;
            send_frame(c, 0xA, pl, (size_t)plen);
            break;
        default:
            break;
        }
        off += h + (size_t)plen;
    }
    return off;
}

/* Handles the HTTP 101 response; returns bytes consumed, 0 if incomplete, -1 on failure. */
static long parse_handshake(struct conn *c, const uint8_t *p, size_t len)
{
    const char *end = memmem(p, len, "\r\n\r\n", 4);
    if (!end)
        return len > 8192 ? -1 : 0;
    size_t hl = (size_t)(end - (const char *)p) + 4;
    if (len < 12 || memcmp(p, "HTTP/1.1 101", 12)) {
        if (st.failed < 3)
            fprintf(stderr, "pulse-bench: handshake refused: %.*s\n",
                    (int)(memchr(p, '\r', hl) ? (const uint8_t *)memchr(p, '\r', hl) - p : 40),
                    (const char *)p);
        return -1;
    }
    const char *a = memmem(p, hl, "ec-WebSocket-Accept:", 20);
    if (!a)
        a = memmem(p, hl, "ec-websocket-accept:", 20);
    if (!a)
        return -1;
    a += 20;
    while (*a == ' ')
        a++;
    if (strncmp(a, c->accept, strlen(c->accept)))
        return -1;
    const char *x = memmem(p, hl, "permessage-deflate", 18);
    c->pmd = x != NULL;
    c->pmd_reset = x && memmem(p, hl, "server_no_context_takeover", 26);
    on_open(c);
    return (long)hl;
}

static void conn_readable(struct conn *c)
{
    for (int rounds = 0; rounds < 4 && c->state != C_CLOSED; rounds++) {
        size_t pre = c->in_len;
        if (pre)
            memcpy(rbuf, c->in, pre);
        ssize_t n = io_recv(c, rbuf + pre, RBUF_SIZE - pre);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return;
            conn_close(c, true);
            return;
        }
        if (n == 0) {
            conn_close(c, true);
            return;
        }
        st.reads++;
        st.bytes_in += (uint64_t)n;
        size_t total = pre + (size_t)n, off = 0;
        if (c->state == C_HANDSHAKE) {
            long r = parse_handshake(c, rbuf, total);
            if (r < 0) {
                conn_close(c, true);
                return;
            }
            off = (size_t)r;
        }
        if (c->state >= C_OPEN && c->state != C_CLOSED)
            off += parse_frames(c, rbuf + off, total - off);
        if (c->state == C_CLOSED)
            return;
        size_t rest = total - off;
        if (rest) {
            if (rest > c->in_len)
                c->in = xrealloc(c->in, rest);
            memmove(c->in, rbuf + off, rest);
        }
        c->in_len = rest;
        if ((size_t)n < RBUF_SIZE - pre)
            return; /* the socket is very likely drained */
    }
}

/* Drives the TLS handshake; on success starts the WebSocket handshake. */
static void tls_step(struct conn *c)
{
    ERR_clear_error();
    int rc = SSL_do_handshake(c->ssl);
    if (rc == 1) {
        conn_handshake(c);
        return;
    }
    int e = SSL_get_error(c->ssl, rc);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        ep_ctl(EPOLL_CTL_MOD, c, e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLIN | EPOLLOUT);
        return;
    }
    if (st.failed < 3)
        fprintf(stderr, "pulse-bench: TLS handshake failed\n");
    conn_close(c, true);
}

static void tls_start(struct conn *c)
{
    c->ssl = SSL_new(ssl_ctx);
    if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1)
        die("SSL_new failed");
    SSL_set_mode(c->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_set_connect_state(c->ssl);
    c->state = C_TLS;
    c->want_out = false;
    tls_step(c);
}

static void conn_event(struct conn *c, uint32_t ev)
{
    if (c->state == C_CLOSED)
        return;
    if (c->state == C_CONNECTING) {
        int err = 0;
        socklen_t l = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
        if (err || (ev & (EPOLLERR | EPOLLHUP))) {
            if (st.failed < 3)
                fprintf(stderr, "pulse-bench: connect: %s\n", strerror(err ? err : ECONNRESET));
            conn_close(c, true);
            return;
        }
        if (ev & EPOLLOUT)
            opt.tls ? tls_start(c) : conn_handshake(c);
        return;
    }
    if (c->state == C_TLS) {
        tls_step(c);
        return;
    }
    if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP))
        conn_readable(c);
    if (c->state != C_CLOSED && (ev & EPOLLOUT))
        conn_flush(c);
}

/* ------------------------------------------------------------------ the loop */

static uint64_t hard_deadline;

/* Runs the loop until done() says so or `until` (absolute ns) passes; tick() runs each turn. */
static bool run_loop(uint64_t until, bool (*done)(void), void (*tick)(uint64_t now),
                     uint64_t (*next_timer)(void))
{
    struct epoll_event evs[1024];
    for (;;) {
        uint64_t now = now_ns();
        if (now >= hard_deadline) {
            fprintf(stderr, "pulse-bench: hard timeout (--timeout) reached\n");
            return false;
        }
        if (tick)
            tick(now);
        if (done && done())
            return true;
        if (now >= until)
            return false;
        uint64_t wake = until < hard_deadline ? until : hard_deadline;
        if (next_timer) {
            uint64_t t = next_timer();
            if (t && t < wake)
                wake = t;
        }
        int ms = wake > now ? (int)((wake - now + 999999) / 1000000) : 0;
        if (ms > 100)
            ms = 100;
        int n = epoll_wait(ep, evs, 1024, ms);
        if (n < 0 && errno != EINTR)
            die("epoll_wait: %s", strerror(errno));
        for (int i = 0; i < n; i++)
            conn_event(evs[i].data.ptr, evs[i].events);
    }
}

/* Connecting N connections with at most opt.batch in flight. */
static long connect_target, connect_next;
static int connect_role;
static void connect_tick(uint64_t now)
{
    (void)now;
    while (connect_next < connect_target && (st.started - st.ready - st.failed) < opt.batch) {
        conn_start(&conns[connect_next], connect_role);
        connect_next++;
    }
}
static bool connect_done(void)
{
    return connect_next >= connect_target && st.ready + st.failed >= connect_target;
}

static bool connect_all(long from, long to, int role, double timeout_s)
{
    connect_next = from;
    connect_target = to;
    connect_role = role;
    return run_loop(now_ns() + (uint64_t)(timeout_s * 1e9), connect_done, connect_tick, NULL);
}

/* ------------------------------------------------------------------ server probes */

static long proc_rss_kib(int pid)
{
    if (pid <= 0)
        return -1;
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long v = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6)) {
            v = strtol(line + 6, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

static double proc_cpu_s(int pid)
{
    if (pid <= 0)
        return -1;
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    p += 2; /* field 3: state */
    unsigned long long ut = 0, stt = 0;
    int field = 3;
    char *save = NULL;
    for (char *t = strtok_r(p, " ", &save); t; t = strtok_r(NULL, " ", &save), field++) {
        if (field == 14)
            ut = strtoull(t, NULL, 10);
        if (field == 15) {
            stt = strtoull(t, NULL, 10);
            break;
        }
    }
    return (double)(ut + stt) / (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds the whole machine spent busy (all cores), from /proc/stat. */
static double host_busy_s(void)
{
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return -1;
    unsigned long long v[8] = {0};
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    if (n < 8)
        return -1;
    /* user nice system [idle iowait] irq softirq steal */
    return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
}

/* Busy CPU of everything but the server and this process over a window: other load on the
 * machine that may disturb the figures. */
static double other_cpu(double host0, double host1, double server, double bench)
{
    if (host0 < 0 || host1 < 0)
        return -1;
    double o = (host1 - host0) - (server > 0 ? server : 0) - bench;
    return o > 0 ? o : 0;
}

static double self_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static void close_all(void)
{
    for (long i = 0; i < nconns; i++)
        if (conns[i].state != C_CLOSED && conns[i].fd >= 0) {
            if (conns[i].state >= C_OPEN)
                send_frame(&conns[i], 0x8, "\x03\xe8", 2);
            conn_close(&conns[i], false);
        }
}

static void sleep_loop(double seconds)
{
    run_loop(now_ns() + (uint64_t)(seconds * 1e9), NULL, NULL, NULL);
}

/* ------------------------------------------------------------------ scenarios */

static int scenario_conns(void)
{
    long n = opt.conns > 0 ? opt.conns : 1000;
    nconns = n;
    conns = calloc((size_t)n, sizeof *conns);
    long rss0 = proc_rss_kib(opt.server_pid);
    double scpu0 = proc_cpu_s(opt.server_pid), bcpu0 = self_cpu_s(), h0 = host_busy_s();
    uint64_t t0 = now_ns();
    bool ok = connect_all(0, n, R_SUB, opt.timeout);
    uint64_t t1 = now_ns();
    double scpu1 = proc_cpu_s(opt.server_pid), bcpu1 = self_cpu_s(), h1 = host_busy_s();
    sleep_loop(0.5); /* let the server settle before reading its RSS */
    long rss1 = proc_rss_kib(opt.server_pid);
    if (opt.hold > 0)
        sleep_loop(opt.hold);
    long still_open = 0;
    for (long i = 0; i < n; i++)
        still_open += conns[i].state == C_READY;
    double secs = (double)(t1 - t0) / 1e9;
    printf("RESULT scenario=conns server=%s conns=%ld ready=%ld failed=%ld open_after=%ld "
           "connect_s=%.3f accepts_per_s=%.0f rss_before_kib=%ld rss_after_kib=%ld "
           "rss_per_conn_kib=%.2f server_cpu_s=%.2f bench_cpu_s=%.2f other_cpu_s=%.2f\n",
           opt.server_name, n, st.ready, st.failed, still_open, secs,
           secs > 0 ? (double)st.ready / secs : 0, rss0, rss1,
           rss0 >= 0 && rss1 >= 0 && st.ready ? (double)(rss1 - rss0) / (double)st.ready : -1,
           scpu0 >= 0 ? scpu1 - scpu0 : -1, bcpu1 - bcpu0,
           other_cpu(h0, h1, scpu1 - scpu0, bcpu1 - bcpu0));
    fflush(stdout);
    close_all();
    return ok && st.failed == 0 ? 0 : 3;
}

/* fanout */
static struct conn *publisher;
static uint64_t pub_start, pub_end, pub_interval_ns;
static char *pub_msg;
static size_t pub_prefix, pub_len;

static void fanout_tick(uint64_t now)
{
    if (publisher->state != C_READY)
        st.stop_sending = true;
    if (st.stop_sending)
        return;
    int burst = 0;
    while (now < pub_end && now >= pub_start + st.sent * pub_interval_ns && burst < 10000) {
        /* data = "<send time ns>-<sequence>" followed by 'x' up to opt.size characters */
        char ts[40];
        int tl = snprintf(ts, sizeof ts, "%020" PRIu64 "-%010" PRIu64, now_ns(), st.sent);
        memcpy(pub_msg + pub_prefix, ts, (size_t)tl);
        send_text(publisher, pub_msg, pub_len);
        st.sent++;
        burst++;
    }
    if (now >= pub_end)
        st.stop_sending = true;
}

static uint64_t fanout_timer(void)
{
    if (st.stop_sending)
        return 0;
    return pub_start + st.sent * pub_interval_ns;
}

static long fanout_subs; /* subscribers that became ready */
static bool fanout_drained(void)
{
    if (!st.stop_sending)
        return false;
    long live = fanout_subs - st.closed_early;
    return st.acks >= st.sent &&
           st.delivered - st.dups >= st.sent * (uint64_t)(live > 0 ? live : 0);
}

static int scenario_fanout(void)
{
    long n = opt.conns > 0 ? opt.conns : 1000;
    nconns = n + 1;
    conns = calloc((size_t)nconns, sizeof *conns);
    if (opt.size < 32)
        opt.size = 32;
    uint64_t s0 = now_ns();
    if (!connect_all(0, n, R_SUB, opt.timeout) || st.failed) {
        fprintf(stderr, "pulse-bench: only %ld of %ld subscribers ready\n", st.ready, n);
    }
    publisher = &conns[n];
    connect_all(n, n + 1, R_PUB, 10);
    if (publisher->state != C_READY)
        die("publisher did not connect");
    double setup_s = (double)(now_ns() - s0) / 1e9;
    long subs_ready = st.ready - 1;
    fanout_subs = subs_ready;
    sleep_loop(0.3);

    char head[160];
    int hl = snprintf(head, sizeof head, "{\"type\":\"publish\",\"channel\":\"%s\",\"data\":\"",
                      opt.channel);
    pub_prefix = (size_t)hl;
    pub_len = (size_t)hl + (size_t)opt.size + 2;
    pub_msg = malloc(pub_len + 1);
    memcpy(pub_msg, head, (size_t)hl);
    memset(pub_msg + hl, 'x', (size_t)opt.size);
    memcpy(pub_msg + hl + opt.size, "\"}", 2);
    pub_interval_ns = (uint64_t)(1e9 / opt.rate);
    if (!pub_interval_ns)
        pub_interval_ns = 1;

    memset(&lat, 0, sizeof lat);
    st.delivered = 0;
    double scpu0 = proc_cpu_s(opt.server_pid), bcpu0 = self_cpu_s(), h0 = host_busy_s();
    pub_start = now_ns();
    pub_end = pub_start + (uint64_t)(opt.seconds * 1e9);
    st.first_send = pub_start;
    run_loop(pub_end + (uint64_t)(opt.drain * 1e9), fanout_drained, fanout_tick, fanout_timer);
    uint64_t t_end = now_ns();
    double scpu1 = proc_cpu_s(opt.server_pid), bcpu1 = self_cpu_s(), h1 = host_busy_s();
    st.stop_sending = true;

    long live = 0;
    for (long i = 0; i < n; i++)
        live += conns[i].state == C_READY;
    uint64_t expected = st.sent * (uint64_t)subs_ready;
    uint64_t unique = st.delivered - st.dups;
    uint64_t lost = expected > unique ? expected - unique : 0;
    uint64_t last = st.last_delivery > pub_start ? st.last_delivery : t_end;
    double span = (double)(last - pub_start) / 1e9;
    double scpu = scpu0 >= 0 ? scpu1 - scpu0 : -1;
    printf("RESULT scenario=fanout server=%s subs=%ld rate=%g size=%ld seconds=%g sent=%" PRIu64
           " acked=%" PRIu64 " expected=%" PRIu64 " delivered=%" PRIu64
           " delivered_per_s=%.0f lost=%" PRIu64 " dups=%" PRIu64
           " subs_closed=%ld p50_ms=%.3f p99_ms=%.3f "
           "p999_ms=%.3f max_ms=%.3f server_cpu_s=%.2f server_us_per_delivery=%.3f "
           "bench_cpu_s=%.2f other_cpu_s=%.2f setup_s=%.2f inflates=%" PRIu64
           " inflate_memo_hits=%" PRIu64 "\n",
           opt.server_name, n, opt.rate, opt.size, opt.seconds, st.sent, st.acks, expected,
           st.delivered, span > 0 ? (double)st.delivered / span : 0, lost, st.dups,
           subs_ready - live, hist_pct_ms(&lat, 0.50), hist_pct_ms(&lat, 0.99),
           hist_pct_ms(&lat, 0.999), (double)lat.max / 1e6, scpu,
           scpu >= 0 && st.delivered ? scpu * 1e6 / (double)st.delivered : -1, bcpu1 - bcpu0,
           other_cpu(h0, h1, scpu, bcpu1 - bcpu0), setup_s, memo_misses, memo_hits);
    fflush(stdout);
    bool ok = subs_ready == n && publisher->state != C_CLOSED;
    close_all();
    return ok ? 0 : 3;
}

/* pingpong */
static bool pingpong_quiet(void)
{
    return st.pongs >= st.pings;
}

static int scenario_pingpong(void)
{
    long n = opt.conns > 0 ? opt.conns : 50;
    nconns = n;
    conns = calloc((size_t)n, sizeof *conns);
    connect_all(0, n, R_PING, opt.timeout);
    if (st.ready == 0)
        die("no client connected");
    sleep_loop(0.3);
    memset(&lat, 0, sizeof lat);
    double scpu0 = proc_cpu_s(opt.server_pid), bcpu0 = self_cpu_s(), h0 = host_busy_s();
    uint64_t t0 = now_ns();
    for (long i = 0; i < n; i++)
        if (conns[i].state == C_READY)
            send_ping(&conns[i]);
    run_loop(t0 + (uint64_t)(opt.seconds * 1e9), NULL, NULL, NULL);
    st.stop_sending = true;
    uint64_t t1 = now_ns();
    uint64_t done_in_window = st.pongs;
    double scpu1 = proc_cpu_s(opt.server_pid), bcpu1 = self_cpu_s(), h1 = host_busy_s();
    run_loop(now_ns() + (uint64_t)(opt.drain * 1e9), pingpong_quiet, NULL, NULL);
    double secs = (double)(t1 - t0) / 1e9;
    double scpu = scpu0 >= 0 ? scpu1 - scpu0 : -1;
    printf("RESULT scenario=pingpong server=%s clients=%ld seconds=%g round_trips=%" PRIu64
           " rtt_per_s=%.0f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f unanswered=%" PRIu64
           " server_cpu_s=%.2f server_us_per_rtt=%.3f bench_cpu_s=%.2f other_cpu_s=%.2f\n",
           opt.server_name, n, opt.seconds, done_in_window,
           secs > 0 ? (double)done_in_window / secs : 0, hist_pct_ms(&lat, 0.5),
           hist_pct_ms(&lat, 0.99), (double)lat.max / 1e6, st.pings - st.pongs, scpu,
           scpu >= 0 && done_in_window ? scpu * 1e6 / (double)done_in_window : -1, bcpu1 - bcpu0,
           other_cpu(h0, h1, scpu, bcpu1 - bcpu0));
    fflush(stdout);
    close_all();
    return st.failed == 0 ? 0 : 3;
}

/* metrics */
static long metrics_subs;          /* subscribers ready when the window opened */
static uint64_t metrics_grace_end; /* monotonic: the drain may stop from here on */
static bool metrics_complete(void)
{
    if (now_ns() < metrics_grace_end)
        return false;
    long live = metrics_subs - st.closed_early;
    for (size_t i = 0; i < n_mticks; i++)
        if (mticks[i].frames < (uint64_t)(live > 0 ? live : 0))
            return false;
    return true;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_tick(const void *a, const void *b)
{
    int64_t x = ((const struct mtick *)a)->ts, y = ((const struct mtick *)b)->ts;
    return x < y ? -1 : x > y;
}

static int scenario_metrics(void)
{
    long n = opt.conns > 0 ? opt.conns : 1000;
    nconns = n;
    conns = calloc((size_t)n, sizeof *conns);
    if (!conns)
        die("out of memory");
    long rss0 = proc_rss_kib(opt.server_pid);
    uint64_t s0 = now_ns();
    if (!connect_all(0, n, R_SUB, opt.timeout) || st.failed)
        fprintf(stderr, "pulse-bench: only %ld of %ld subscribers ready\n", st.ready, n);
    double setup_s = (double)(now_ns() - s0) / 1e9;
    if (st.ready == 0)
        die("no subscriber connected");
    sleep_loop(opt.warmup);

    metrics_subs = st.ready - st.closed_early;
    memset(&lat, 0, sizeof lat);
    double scpu0 = proc_cpu_s(opt.server_pid), bcpu0 = self_cpu_s(), h0 = host_busy_s();
    uint64_t t0 = now_ns();
    int64_t w0 = (int64_t)(wall_ns() / 1000000ull);
    mwin_hi = w0 + (int64_t)(opt.seconds * 1000);
    mwin_lo = w0;
    run_loop(t0 + (uint64_t)(opt.seconds * 1e9), NULL, NULL, NULL);
    uint64_t t1 = now_ns();
    double scpu1 = proc_cpu_s(opt.server_pid), bcpu1 = self_cpu_s(), h1 = host_busy_s();
    long rss1 = proc_rss_kib(opt.server_pid);
    /* Frames of the window's last ticks may still be on their way: wait at least a moment
     * (a tick sampled just before the end may not have reached anyone yet), then until every
     * tick seen is complete, for at most --drain seconds. */
    double grace = opt.drain < 1 ? opt.drain : 1;
    metrics_grace_end = t1 + (uint64_t)(grace * 1e9);
    run_loop(t1 + (uint64_t)(opt.drain * 1e9), metrics_complete, NULL, NULL);

    long live = 0;
    for (long i = 0; i < n; i++)
        live += conns[i].state == C_READY;
    qsort(mticks, n_mticks, sizeof *mticks, cmp_tick);
    uint64_t expected = (uint64_t)n_mticks * (uint64_t)(metrics_subs > 0 ? metrics_subs : 0);
    uint64_t missing = expected > mst.received ? expected - mst.received : 0;
    long incomplete = 0;
    int64_t gap_max = 0;
    uint64_t *last = calloc(n_mticks ? n_mticks : 1, sizeof *last);
    uint64_t *first = calloc(n_mticks ? n_mticks : 1, sizeof *first);
    if (!last || !first)
        die("out of memory");
    for (size_t i = 0; i < n_mticks; i++) {
        incomplete += mticks[i].frames < (uint64_t)metrics_subs;
        last[i] = mticks[i].max_ns;
        first[i] = mticks[i].min_ns;
        if (i && mticks[i].ts - mticks[i - 1].ts > gap_max)
            gap_max = mticks[i].ts - mticks[i - 1].ts;
    }
    qsort(last, n_mticks, sizeof *last, cmp_u64);
    qsort(first, n_mticks, sizeof *first, cmp_u64);
    double last_p50 = n_mticks ? (double)last[(n_mticks - 1) / 2] / 1e6 : 0;
    double first_p50 = n_mticks ? (double)first[(n_mticks - 1) / 2] / 1e6 : 0;
    free(last);
    free(first);
    double secs = (double)(t1 - t0) / 1e9;
    double scpu = scpu0 >= 0 ? scpu1 - scpu0 : -1, bcpu = bcpu1 - bcpu0;
    printf(
        "RESULT scenario=metrics server=%s conns=%ld subscribed=%ld warmup_s=%g seconds=%g "
        "ticks=%zu received=%" PRIu64 " expected=%" PRIu64 " missing=%" PRIu64
        " incomplete_ticks=%ld subs_closed=%ld tick_gap_max_ms=%" PRId64
        " frame_bytes=%.0f frame_wire_bytes=%.0f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f "
        "first_sub_p50_ms=%.3f last_sub_p50_ms=%.3f server_cpu_s=%.2f server_cpu_pct=%.1f "
        "server_us_per_frame=%.3f server_rss_kib=%ld rss_before_kib=%ld bench_cpu_s=%.2f "
        "bench_cpu_pct=%.1f other_cpu_s=%.2f setup_s=%.2f\n",
        opt.server_name, n, metrics_subs, opt.warmup, opt.seconds, n_mticks, mst.received, expected,
        missing, incomplete, metrics_subs - live, gap_max,
        mst.received ? (double)mst.bytes / (double)mst.received : 0,
        mst.received ? (double)mst.wire_bytes / (double)mst.received : 0, hist_pct_ms(&lat, 0.50),
        hist_pct_ms(&lat, 0.99), hist_pct_ms(&lat, 0.999), (double)lat.max / 1e6, first_p50,
        last_p50, scpu, scpu >= 0 && secs > 0 ? scpu * 100 / secs : -1,
        scpu >= 0 && mst.received ? scpu * 1e6 / (double)mst.received : -1, rss1, rss0, bcpu,
        secs > 0 ? bcpu * 100 / secs : 0, other_cpu(h0, h1, scpu, bcpu), setup_s);
    fflush(stdout);
    if (!opt.quiet)
        fprintf(stderr,
                "pulse-bench: metrics frames: initial=%" PRIu64 " before_window=%" PRIu64
                " after_window=%" PRIu64 " no_ts=%" PRIu64 " clock_back=%" PRIu64 "\n",
                mst.initial, mst.before, mst.after, mst.no_ts, mst.clock_back);
    bool ok = metrics_subs == n && live == n && n_mticks > 0;
    close_all();
    free(mticks);
    return ok ? 0 : 3;
}

/* ------------------------------------------------------------------ main */

static void usage(FILE *f)
{
    fprintf(f, "usage: pulse-bench conns|fanout|pingpong|metrics --port N [options]\n"
               "  --host ADDR          server address (default 127.0.0.1; loopback only)\n"
               "  --port N             server port (required)\n"
               "  --path P             WebSocket path (default /ws)\n"
               "  --token T            send Authorization: Bearer T on every upgrade\n"
               "  --server-pid PID     read the server's RSS and CPU time from /proc\n"
               "  --server-name NAME   label for the RESULT line (default unknown)\n"
               "  --conns N            conns: connections (1000); fanout, metrics: subscribers\n"
               "                       (1000); pingpong: clients (50)\n"
               "  --batch N            connections in flight while connecting (500)\n"
               "  --channel C          channel name (bench; metrics: metrics)\n"
               "  --rate R             fanout: messages per second (100)\n"
               "  --size S             fanout: bytes of data per message (200, min 32)\n"
               "  --sub-ports P,P,...  fanout: spread subscribers over these ports (cluster\n"
               "                       nodes); the publisher uses --port\n"
               "  --seconds T          fanout/pingpong/metrics: measured duration (10)\n"
               "  --warmup T           metrics: seconds after the last subscribe before the\n"
               "                       measured window (2)\n"
               "  --drain T            seconds to wait for stragglers (5)\n"
               "  --hold T             conns: keep connections open T seconds after measuring (0)\n"
               "  --timeout T          hard limit for the whole run (default seconds+drain+120)\n"
               "  --tls                wss:// (TLS, the certificate is not verified)\n"
               "  --deflate            offer permessage-deflate and inflate compressed frames\n");
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"host", 1, 0, 'H'},       {"port", 1, 0, 'p'},        {"path", 1, 0, 'P'},
        {"server-pid", 1, 0, 'S'}, {"server-name", 1, 0, 'N'}, {"conns", 1, 0, 'n'},
        {"subs", 1, 0, 'n'},       {"clients", 1, 0, 'n'},     {"batch", 1, 0, 'b'},
        {"channel", 1, 0, 'c'},    {"rate", 1, 0, 'r'},        {"size", 1, 0, 's'},
        {"seconds", 1, 0, 't'},    {"drain", 1, 0, 'd'},       {"hold", 1, 0, 'h'},
        {"timeout", 1, 0, 'T'},    {"quiet", 0, 0, 'q'},       {"help", 0, 0, '?'},
        {"warmup", 1, 0, 'w'},     {"token", 1, 0, 'A'},       {"tls", 0, 0, 'L'},
        {"deflate", 0, 0, 'Z'},    {"sub-ports", 1, 0, 'o'},   {0, 0, 0, 0}};
    if (argc < 2 || argv[1][0] == '-') {
        usage(argc >= 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
        return argc >= 2 && !strcmp(argv[1], "--help") ? 0 : 2;
    }
    opt.scenario = argv[1];
    bool channel_set = false;
    optind = 2;
    int ch;
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (ch) {
        case 'H':
            opt.host = optarg;
            break;
        case 'p':
            opt.port = atoi(optarg);
            break;
        case 'P':
            opt.path = optarg;
            break;
        case 'A':
            if (strlen(optarg) > JWT_HEADER_MAX - 32)
                die("--token is too long");
            opt.token = optarg;
            break;
        case 'S':
            opt.server_pid = atoi(optarg);
            break;
        case 'N':
            opt.server_name = optarg;
            break;
        case 'n':
            opt.conns = atol(optarg);
            break;
        case 'b':
            opt.batch = atol(optarg);
            break;
        case 'c':
            opt.channel = optarg, channel_set = true;
            break;
        case 'r':
            opt.rate = atof(optarg);
            break;
        case 's':
            opt.size = atol(optarg);
            break;
        case 't':
            opt.seconds = atof(optarg);
            break;
        case 'd':
            opt.drain = atof(optarg);
            break;
        case 'h':
            opt.hold = atof(optarg);
            break;
        case 'T':
            opt.timeout = atof(optarg);
            break;
        case 'w':
            opt.warmup = atof(optarg);
            break;
        case 'o':
            for (char *t = strtok(optarg, ","); t && nsub_ports < 16; t = strtok(NULL, ","))
                sub_ports[nsub_ports++] = (uint16_t)atoi(t);
            break;
        case 'q':
            opt.quiet = 1;
            break;
        case 'L':
            opt.tls = 1;
            break;
        case 'Z':
            opt.deflate = 1;
            break;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (opt.port <= 0 || opt.port > 65535)
        die("--port is required");
    if (opt.rate <= 0 || opt.seconds <= 0 || opt.batch <= 0)
        die("bad --rate, --seconds or --batch");
    if (inet_pton(AF_INET, opt.host, &server_addr.sin_addr) != 1)
        die("--host must be an IPv4 address");
    if ((ntohl(server_addr.sin_addr.s_addr) >> 24) != 127)
        die("--host must be a loopback address (127.0.0.0/8)");
    server_addr.sin_family = AF_INET;
    server_addr.sin_port = htons((uint16_t)opt.port);
    if (opt.warmup < 0)
        die("bad --warmup");
    if (!strcmp(opt.scenario, "metrics") && !channel_set)
        opt.channel = "metrics";
    if (opt.timeout <= 0)
        opt.timeout = opt.seconds + opt.drain + opt.hold + opt.warmup + 120;
    hard_deadline = now_ns() + (uint64_t)(opt.timeout * 1e9);
    rng_state ^= now_ns() ^ ((uint64_t)getpid() << 32);
    signal(SIGPIPE, SIG_IGN);

    /* Raise our own descriptor limit to what the hard limit allows. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    getrlimit(RLIMIT_NOFILE, &rl);
    if (opt.conns > 0 && (rlim_t)opt.conns + 64 > rl.rlim_cur)
        die("%ld connections need more descriptors than RLIMIT_NOFILE allows (%llu)", opt.conns,
            (unsigned long long)rl.rlim_cur);

    ep = epoll_create1(EPOLL_CLOEXEC);
    rbuf = malloc(RBUF_SIZE);
    zbuf = malloc(ZBUF_SIZE);
    if (ep < 0 || !rbuf || !zbuf)
        die("setup failed");
    if (opt.tls) {
        ssl_ctx = SSL_CTX_new(TLS_client_method());
        if (!ssl_ctx)
            die("SSL_CTX_new failed");
        SSL_CTX_set_verify(ssl_ctx, SSL_VERIFY_NONE, NULL);
        SSL_CTX_set_alpn_protos(ssl_ctx, (const unsigned char *)"\x08http/1.1", 9);
    }

    int rc;
    if (!strcmp(opt.scenario, "conns"))
        rc = scenario_conns();
    else if (!strcmp(opt.scenario, "fanout"))
        rc = scenario_fanout();
    else if (!strcmp(opt.scenario, "pingpong"))
        rc = scenario_pingpong();
    else if (!strcmp(opt.scenario, "metrics"))
        rc = scenario_metrics();
    else {
        usage(stderr);
        return 2;
    }
    if (!opt.quiet)
        fprintf(stderr,
                "pulse-bench: reads=%" PRIu64 " bytes_in=%" PRIu64 " (%.1f KiB/read) "
                "welcomes=%ld errors=%ld server_pings=%ld bad_payload=%" PRIu64
                " failed=%ld closed_early=%ld\n",
                st.reads, st.bytes_in, st.reads ? (double)st.bytes_in / st.reads / 1024 : 0,
                st.welcomes, st.errors, st.server_pings, st.bad_payload, st.failed,
                st.closed_early);
    free(rbuf);
    free(zbuf);
    for (unsigned i = 0; i < MEMO_SLOTS; i++) {
        free(memo[i].in);
        free(memo[i].out);
    }
    SSL_CTX_free(ssl_ctx);
    return rc;
}
