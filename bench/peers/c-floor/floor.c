/*
 * floor: the least a WebSocket server can do on this machine, as a yardstick for pulse-bench.
 *
 * It speaks just enough of Pulse's protocol for the pingpong and metrics scenarios (handshake,
 * welcome, subscribe -> subscribed, ping -> pong with the id, a padded metrics frame every
 * --interval-ms to subscribers of "metrics"), with no JSON library, no queues and no limits.
 * Two I/O back ends with the same logic, to measure what the kernel path itself costs:
 *   --io epoll   one epoll_wait per batch, one read and at most one write per ready connection
 *   --io uring   io_uring: every recv/send of a batch goes to the kernel in one io_uring_enter
 * It trusts its client (pulse-bench): frames are small, masked, unfragmented text frames.
 * Not a server to use for anything else.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define RBUF 4096
#define WBUF 8192
#define MAXC 70000

struct conn {
    int fd;
    bool ws, metrics, dirty, sending, closed;
    size_t rlen, wlen, woff;
    char rbuf[RBUF];
    char wbuf[WBUF];
    char sbuf[WBUF]; /* uring: the bytes of the send in flight */
    size_t slen;
};

static struct conn *conns[MAXC];
static int lfd, tfd, interval_ms = 1000, pad = 600;
static bool use_uring;
static struct io_uring ring;
static int dirty[MAXC], ndirty;
static volatile sig_atomic_t stop;

static void on_signal(int s)
{
    (void)s;
    stop = 1;
}

static void mark_dirty(struct conn *c)
{
    if (!c->dirty) {
        c->dirty = true;
        dirty[ndirty++] = c->fd;
    }
}

static void out(struct conn *c, const char *p, size_t n)
{
    if (c->wlen + n > WBUF) { /* the bench never lets this happen; drop rather than grow */
        c->closed = true;
        return;
    }
    memcpy(c->wbuf + c->wlen, p, n);
    c->wlen += n;
    mark_dirty(c);
}

static void out_text(struct conn *c, const char *p, size_t n)
{
    unsigned char h[4];
    size_t hl = 2;
    h[0] = 0x81;
    if (n < 126) {
        h[1] = (unsigned char)n;
    } else {
        h[1] = 126;
        h[2] = (unsigned char)(n >> 8);
        h[3] = (unsigned char)n;
        hl = 4;
    }
    out(c, (char *)h, hl);
    out(c, p, n);
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t metrics_frame(char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "{\"type\":\"metrics\",\"ts\":%" PRId64 ",\"pad\":\"", wall_ms());
    size_t len = (size_t)n;
    for (int i = 0; i < pad && len + 3 < cap; i++)
        buf[len++] = 'x';
    buf[len++] = '"';
    buf[len++] = '}';
    return len;
}

static void on_message(struct conn *c, char *p, size_t n)
{
    char msg[256];
    p[n] = 0;
    if (strstr(p, "\"ping\"")) {
        const char *id = strstr(p, "\"id\":");
        int m = snprintf(msg, sizeof msg, "{\"type\":\"pong\",\"id\":%llu}",
                         id ? strtoull(id + 5, NULL, 10) : 0);
        out_text(c, msg, (size_t)m);
    } else if (strstr(p, "\"subscribe\"")) {
        const char *ch = strstr(p, "\"channel\":\"");
        int m = snprintf(msg, sizeof msg, "{\"type\":\"subscribed\",\"channel\":\"x\"}");
        out_text(c, msg, (size_t)m);
        if (ch && !strncmp(ch + 11, "metrics\"", 8)) {
            char f[2048];
            c->metrics = true;
            out_text(c, f, metrics_frame(f, sizeof f)); /* the latest sample, as Pulse does */
        }
    }
}

static void on_ws_bytes(struct conn *c)
{
    size_t off = 0;
    while (c->rlen - off >= 6) {
        unsigned char *h = (unsigned char *)c->rbuf + off;
        size_t n = h[1] & 0x7f, hl = 6;
        if (n == 126) {
            if (c->rlen - off < 8)
                break;
            n = (size_t)h[2] << 8 | h[3];
            hl = 8;
        } else if (n == 127) {
            c->closed = true;
            return;
        }
        if (c->rlen - off < hl + n)
            break;
        unsigned char *mask = h + hl - 4, *pl = h + hl;
        for (size_t i = 0; i < n; i++)
            pl[i] ^= mask[i & 3];
        if ((h[0] & 0x0f) == 0x8) {
            c->closed = true;
            return;
        }
        char save = (char)pl[n];
        on_message(c, (char *)pl, n);
        pl[n] = (unsigned char)save;
        off += hl + n;
    }
    memmove(c->rbuf, c->rbuf + off, c->rlen - off);
    c->rlen -= off;
}

static void on_http_bytes(struct conn *c)
{
    c->rbuf[c->rlen < RBUF ? c->rlen : RBUF - 1] = 0;
    char *end = strstr(c->rbuf, "\r\n\r\n");
    if (!end)
        return;
    char *k = strcasestr(c->rbuf, "Sec-WebSocket-Key:");
    if (!k) {
        c->closed = true;
        return;
    }
    k += 18;
    while (*k == ' ')
        k++;
    char key[128];
    size_t kl = strcspn(k, "\r\n");
    if (kl > 60)
        kl = 60;
    memcpy(key, k, kl);
    memcpy(key + kl, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", 37);
    unsigned char dig[20];
    SHA1((unsigned char *)key, strlen(key), dig);
    char acc[64], resp[256];
    EVP_EncodeBlock((unsigned char *)acc, dig, 20);
    int m = snprintf(resp, sizeof resp,
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
                     acc);
    out(c, resp, (size_t)m);
    const char *w = "{\"type\":\"welcome\",\"protocol\":1,\"server\":\"floor\"}";
    out_text(c, w, strlen(w));
    size_t used = (size_t)(end + 4 - c->rbuf);
    memmove(c->rbuf, c->rbuf + used, c->rlen - used);
    c->rlen -= used;
    c->ws = true;
    on_ws_bytes(c);
}

static void on_bytes(struct conn *c)
{
    if (c->ws)
        on_ws_bytes(c);
    else
        on_http_bytes(c);
}

static void conn_free(struct conn *c)
{
    conns[c->fd] = NULL;
    close(c->fd);
    free(c);
}

/* --- io_uring back end: user_data = fd << 8 | op --- */
enum { OP_ACCEPT = 1, OP_RECV, OP_SEND, OP_TIMER };

static struct io_uring_sqe *sqe_get(void)
{
    struct io_uring_sqe *s = io_uring_get_sqe(&ring);
    if (!s) {
        io_uring_submit(&ring);
        s = io_uring_get_sqe(&ring);
    }
    return s;
}

static void u_recv(struct conn *c)
{
    struct io_uring_sqe *s = sqe_get();
    io_uring_prep_recv(s, c->fd, c->rbuf + c->rlen, RBUF - 1 - c->rlen, 0);
    io_uring_sqe_set_data64(s, (uint64_t)c->fd << 8 | OP_RECV);
}

static void u_send(struct conn *c)
{
    memcpy(c->sbuf, c->wbuf + c->woff, c->wlen - c->woff);
    c->slen = c->wlen - c->woff;
    c->wlen = c->woff = 0;
    c->sending = true;
    struct io_uring_sqe *s = sqe_get();
    io_uring_prep_send(s, c->fd, c->sbuf, c->slen, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(s, (uint64_t)c->fd << 8 | OP_SEND);
}

static void u_accept(void)
{
    struct io_uring_sqe *s = sqe_get();
    io_uring_prep_multishot_accept(s, lfd, NULL, NULL, 0);
    io_uring_sqe_set_data64(s, OP_ACCEPT);
}

static void u_timer(void)
{
    static uint64_t buf;
    struct io_uring_sqe *s = sqe_get();
    io_uring_prep_read(s, tfd, &buf, sizeof buf, 0);
    io_uring_sqe_set_data64(s, OP_TIMER);
}

/* --- shared --- */
static struct conn *conn_new(int fd)
{
    if (fd >= MAXC) {
        close(fd);
        return NULL;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct conn *c = calloc(1, sizeof *c);
    c->fd = fd;
    conns[fd] = c;
    return c;
}

static void tick(void)
{
    char f[2048];
    size_t n = metrics_frame(f, sizeof f);
    for (int fd = 0; fd < MAXC; fd++)
        if (conns[fd] && conns[fd]->metrics)
            out_text(conns[fd], f, n);
}

/* epoll: write what is pending; partial writes keep the rest and ask for EPOLLOUT */
static void e_flush(int ep, struct conn *c)
{
    ssize_t w = write(c->fd, c->wbuf + c->woff, c->wlen - c->woff);
    if (w < 0 && errno != EAGAIN) {
        c->closed = true;
        return;
    }
    if (w > 0)
        c->woff += (size_t)w;
    if (c->woff == c->wlen) {
        c->woff = c->wlen = 0;
        return;
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.fd = c->fd};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void flush_dirty(int ep)
{
    for (int i = 0; i < ndirty; i++) {
        struct conn *c = conns[dirty[i]];
        if (!c)
            continue;
        c->dirty = false;
        if (!c->closed && c->wlen > c->woff) {
            if (use_uring) {
                if (!c->sending)
                    u_send(c);
            } else {
                e_flush(ep, c);
            }
        }
        if (c->closed && !c->sending)
            conn_free(c);
    }
    ndirty = 0;
}

static void run_epoll(void)
{
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd}, evs[512];
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    ev.data.fd = tfd;
    epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
    while (!stop) {
        int n = epoll_wait(ep, evs, 512, 500);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == lfd) {
                int cfd;
                while ((cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0)
                    if (conn_new(cfd)) {
                        struct epoll_event e = {.events = EPOLLIN, .data.fd = cfd};
                        epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &e);
                    }
                continue;
            }
            if (fd == tfd) {
                uint64_t x;
                if (read(tfd, &x, sizeof x) == sizeof x)
                    tick();
                continue;
            }
            struct conn *c = conns[fd];
            if (!c)
                continue;
            if (evs[i].events & EPOLLOUT) {
                struct epoll_event e = {.events = EPOLLIN, .data.fd = fd};
                epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
                mark_dirty(c);
            }
            if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                ssize_t r = read(fd, c->rbuf + c->rlen, RBUF - 1 - c->rlen);
                if (r <= 0 && !(r < 0 && errno == EAGAIN)) {
                    c->closed = true;
                    mark_dirty(c);
                    continue;
                }
                if (r > 0) {
                    c->rlen += (size_t)r;
                    on_bytes(c);
                }
            }
        }
        flush_dirty(ep);
    }
}

static void u_complete(struct io_uring_cqe *cqe)
{
    uint64_t d = io_uring_cqe_get_data64(cqe);
    int op = (int)(d & 0xff), fd = (int)(d >> 8), res = cqe->res;
    if (op == OP_ACCEPT) {
        if (res >= 0) {
            struct conn *c = conn_new(res);
            if (c)
                u_recv(c);
        }
        if (!(cqe->flags & IORING_CQE_F_MORE))
            u_accept();
        return;
    }
    if (op == OP_TIMER) {
        tick();
        u_timer();
        return;
    }
    struct conn *c = conns[fd];
    if (!c)
        return;
    if (op == OP_RECV) {
        if (res <= 0) {
            c->closed = true;
        } else {
            c->rlen += (size_t)res;
            on_bytes(c);
            if (!c->closed)
                u_recv(c);
        }
        mark_dirty(c);
        return;
    }
    c->sending = false; /* OP_SEND */
    if (res < 0) {
        c->closed = true;
    } else if ((size_t)res < c->slen) { /* put the unsent tail back in front */
        size_t rest = c->slen - (size_t)res;
        memmove(c->wbuf + rest, c->wbuf, c->wlen);
        memcpy(c->wbuf, c->sbuf + res, rest);
        c->wlen += rest;
    }
    mark_dirty(c);
}

static void run_uring(void)
{
    struct io_uring_params p = {0};
    p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQSIZE;
    p.cq_entries = 65536;
    if (io_uring_queue_init_params(4096, &ring, &p) < 0) {
        fprintf(stderr, "floor: io_uring_queue_init failed\n");
        exit(1);
    }
    u_accept();
    u_timer();
    while (!stop) {
        struct __kernel_timespec ts = {.tv_sec = 0, .tv_nsec = 500000000};
        struct io_uring_cqe *cqe;
        io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &ts, NULL);
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&ring, head, cqe)
        {
            u_complete(cqe);
            seen++;
        }
        io_uring_cq_advance(&ring, seen);
        flush_dirty(-1);
    }
    io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
    int port = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--port"))
            port = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--io"))
            use_uring = !strcmp(argv[i + 1], "uring");
        else if (!strcmp(argv[i], "--interval-ms"))
            interval_ms = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--pad"))
            pad = atoi(argv[i + 1]);
    }
    struct rlimit rl;
    if (!getrlimit(RLIMIT_NOFILE, &rl)) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (bind(lfd, (struct sockaddr *)&a, sizeof a) || listen(lfd, 4096) ||
        getsockname(lfd, (struct sockaddr *)&a, &al)) {
        perror("floor: listen");
        return 1;
    }
    tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    struct itimerspec it = {.it_interval = {interval_ms / 1000, (interval_ms % 1000) * 1000000L}};
    it.it_value = it.it_interval;
    timerfd_settime(tfd, 0, &it, NULL);
    printf("floor (%s) listening on http://127.0.0.1:%d\n", use_uring ? "uring" : "epoll",
           ntohs(a.sin_port));
    fflush(stdout);
    if (use_uring)
        run_uring();
    else
        run_epoll();
    return 0;
}
