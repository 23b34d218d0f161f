/* tcptable.c - reading /proc/net/tcp and tcp6. See tcptable.h.
 * The parser takes nothing on trust: fixed-width hex fields, checked one
 * by one (a fuzz target, tests/fuzz/tcptable.c, feeds it garbage). */
#include "tcptable.h"
#include "addr.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const NAMES[] = {
    "unknown state", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
    "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV",
};

const char *tcptable_state_name(int state)
{
    if (state < 1 || state > TCPS_NEW_SYN_RECV)
        return NAMES[0];
    return NAMES[state];
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Exactly n hex digits (n <= 8) at *p; moves *p past them. */
static int hex_exact(const char **p, int n, uint32_t *out)
{
    uint32_t v = 0;
    int i, d;

    for (i = 0; i < n; i++) {
        d = hexval((*p)[i]);
        if (d < 0)
            return -1;
        v = v << 4 | (uint32_t)d;
    }
    *p += n;
    *out = v;
    return 0;
}

/* 1 to 16 hex digits (the timer may be printed wider than 8). */
static int hex_run(const char **p, unsigned long *out)
{
    unsigned long v = 0;
    int n = 0, d;

    while ((d = hexval(**p)) >= 0) {
        if (++n > (int)(2 * sizeof v))
            return -1;
        v = v << 4 | (unsigned long)d;
        (*p)++;
    }
    *out = v;
    return n > 0 ? 0 : -1;
}

static int dec_run(const char **p, unsigned long *out)
{
    unsigned long v = 0;
    int n = 0;

    while (**p >= '0' && **p <= '9') {
        if (++n > 10)
            return -1;
        v = v * 10 + (unsigned long)(**p - '0');
        (*p)++;
    }
    *out = v;
    return n > 0 ? 0 : -1;
}

static void skip_blanks(const char **p)
{
    while (**p == ' ' || **p == '\t')
        (*p)++;
}

static int expect(const char **p, char c)
{
    if (**p != c)
        return -1;
    (*p)++;
    return 0;
}

/* "0100007F:09C4" (IPv4) or 32 hex digits ":09C4" (IPv6). Each 8-digit
 * group is one 32-bit word of the address as this machine stores it. */
static int address(const char **p, int family, struct sockaddr_storage *ss)
{
    uint32_t word, port;
    size_t i, words = family == AF_INET ? 1 : 4;
    unsigned char raw[16];

    for (i = 0; i < words; i++) {
        if (hex_exact(p, 8, &word) != 0)
            return -1;
        memcpy(raw + 4 * i, &word, 4);
    }
    if (expect(p, ':') != 0 || hex_exact(p, 4, &port) != 0)
        return -1;
    memset(ss, 0, sizeof *ss);
    if (family == AF_INET) {
        struct sockaddr_in sin;

        memset(&sin, 0, sizeof sin);
        sin.sin_family = AF_INET;
        memcpy(&sin.sin_addr, raw, 4);
        memcpy(ss, &sin, sizeof sin);
    } else {
        struct sockaddr_in6 sin6;

        memset(&sin6, 0, sizeof sin6);
        sin6.sin6_family = AF_INET6;
        memcpy(&sin6.sin6_addr, raw, 16);
        memcpy(ss, &sin6, sizeof sin6);
    }
    addr_set_port((struct sockaddr *)ss, port);
    return 0;
}

int tcptable_parse_line(const char *line, int family, struct tcp_entry *e)
{
    const char *p = line;
    unsigned long n, skip;
    uint32_t st;

    if (family != AF_INET && family != AF_INET6)
        return 0;
    memset(e, 0, sizeof *e);
    e->source = family == AF_INET ? "/proc/net/tcp" : "/proc/net/tcp6";
    skip_blanks(&p);
    if (dec_run(&p, &n) != 0 || expect(&p, ':') != 0) /* "sl:" - the header fails here */
        return 0;
    skip_blanks(&p);
    if (address(&p, family, &e->local) != 0)
        return 0;
    skip_blanks(&p);
    if (address(&p, family, &e->remote) != 0)
        return 0;
    skip_blanks(&p);
    if (hex_exact(&p, 2, &st) != 0 || st < 1 || st > TCPS_NEW_SYN_RECV)
        return 0;
    e->state = (int)st;
    skip_blanks(&p); /* tx_queue:rx_queue */
    if (hex_run(&p, &skip) != 0 || expect(&p, ':') != 0 || hex_run(&p, &skip) != 0)
        return 0;
    skip_blanks(&p); /* tr:tm->when */
    if (hex_run(&p, &n) != 0 || n > 4 || expect(&p, ':') != 0 || hex_run(&p, &e->ticks) != 0)
        return 0;
    e->timer = (int)n;
    skip_blanks(&p); /* retrnsmt, then the uid in decimal */
    if (hex_run(&p, &skip) != 0)
        return 0;
    skip_blanks(&p);
    if (dec_run(&p, &e->uid) != 0)
        return 0;
    return 1;
}

static int scan_file(const char *path, int family, unsigned port,
                     int (*fn)(const struct tcp_entry *, void *), void *ctx, int *stop)
{
    char line[512];
    struct tcp_entry e;
    FILE *f = fopen(path, "r");
    int seen = 0;

    if (f == NULL)
        return -1;
    while (!*stop && fgets(line, sizeof line, f) != NULL) {
        if (strchr(line, '\n') == NULL) { /* longer than any real line: skip the rest */
            int c;

            while ((c = fgetc(f)) != EOF && c != '\n')
                ;
            continue;
        }
        if (!tcptable_parse_line(line, family, &e))
            continue;
        if (port != 0 && addr_port((const struct sockaddr *)&e.local) != port)
            continue;
        seen++;
        if (fn != NULL && fn(&e, ctx) != 0)
            *stop = 1;
    }
    fclose(f);
    return seen;
}

/* Every entry whose local port is port, from both tables: fn is called
 * for each (it returns 0 to go on, non-zero to stop). Returns how many
 * were seen, or -1 when neither table could be read (not Linux; errno). */
static int tcptable_scan(unsigned port, int (*fn)(const struct tcp_entry *, void *), void *ctx)
{
    int stop = 0, v4, v6;

    v4 = scan_file("/proc/net/tcp", AF_INET, port, fn, ctx, &stop);
    v6 = stop ? 0 : scan_file("/proc/net/tcp6", AF_INET6, port, fn, ctx, &stop);
    if (v4 < 0 && v6 < 0)
        return -1;
    return (v4 > 0 ? v4 : 0) + (v6 > 0 ? v6 : 0);
}

/* Whether a bind() to want overlaps an entry's local address: the same
 * address, or either is a wildcard (0.0.0.0, ::), IPv4 and IPv4-mapped
 * IPv6 compared alike. Ports are not compared. */
static int tcptable_overlaps(const struct sockaddr *want, const struct sockaddr *have)
{
    return addr_is_wildcard(want) || addr_is_wildcard(have) || addr_same_host(want, have);
}

struct find_ctx {
    const struct sockaddr *local, *remote;
    struct tcp_entry *out;
    int found;
};

static int same_end(const struct sockaddr *x, const struct sockaddr *y)
{
    return addr_same_host(x, y) && addr_port(x) == addr_port(y);
}

static int find_one(const struct tcp_entry *e, void *ctx)
{
    struct find_ctx *f = ctx;

    if (!same_end((const struct sockaddr *)&e->local, f->local) ||
        !same_end((const struct sockaddr *)&e->remote, f->remote))
        return 0;
    *f->out = *e;
    f->found = 1;
    return 1;
}

int tcptable_find(const struct sockaddr *local, const struct sockaddr *remote,
                  struct tcp_entry *e)
{
    struct find_ctx f;

    f.local = local;
    f.remote = remote;
    f.out = e;
    f.found = 0;
    if (tcptable_scan(addr_port(local), find_one, &f) < 0)
        return -1;
    return f.found;
}

double tcptable_seconds_left(const struct tcp_entry *e)
{
    long hz = sysconf(_SC_CLK_TCK);
    unsigned long whole;

    if (e->timer == 0 || hz <= 0)
        return -1;
    whole = e->ticks / (unsigned long)hz; /* whole seconds, as ss(8) shows */
    return (double)whole;
}

struct sum_ctx {
    const struct sockaddr *want;
    struct tcp_port_summary *s;
};

static int sum_one(const struct tcp_entry *e, void *ctx)
{
    struct sum_ctx *c = ctx;
    struct tcp_port_summary *s = c->s;
    double left;

    if (!tcptable_overlaps(c->want, (const struct sockaddr *)&e->local))
        return 0;
    if (e->state == TCPS_LISTEN) {
        if (s->listeners++ == 0) {
            s->listener = e->local;
            s->listener_source = e->source;
        }
    } else if (e->state == TCPS_TIME_WAIT) {
        s->time_wait++;
        if (s->time_wait_source == NULL)
            s->time_wait_source = e->source;
        else if (strcmp(s->time_wait_source, e->source) != 0)
            s->time_wait_source = "/proc/net/tcp and tcp6";
        left = tcptable_seconds_left(e);
        if (left > s->time_wait_left)
            s->time_wait_left = left;
    } else if (s->others++ == 0) {
        s->other_state = e->state;
        s->other_source = e->source;
        s->other_local = e->local;
        s->other_remote = e->remote;
    }
    return 0;
}

void tcptable_summarize(const struct sockaddr *want, struct tcp_port_summary *s)
{
    struct sum_ctx c;

    memset(s, 0, sizeof *s);
    c.want = want;
    c.s = s;
    s->readable = tcptable_scan(addr_port(want), sum_one, &c) >= 0;
}

struct listener_ctx {
    const struct sockaddr *want;
    int found;
};

static int find_listener(const struct tcp_entry *e, void *ctx)
{
    struct listener_ctx *l = ctx;

    if (e->state != TCPS_LISTEN || !tcptable_overlaps(l->want, (const struct sockaddr *)&e->local))
        return 0;
    l->found = 1;
    return 1;
}

/* Whether a listener holds sa's port on an address that overlaps sa's. */
static int listens(const struct sockaddr *sa)
{
    struct listener_ctx l;

    l.want = sa;
    l.found = 0;
    return tcptable_scan(addr_port(sa), find_listener, &l) >= 0 && l.found;
}

enum tcp_end tcptable_end(const struct tcp_entry *e)
{
    const struct sockaddr *local = (const struct sockaddr *)&e->local;
    const struct sockaddr *remote = (const struct sockaddr *)&e->remote;
    struct tcp_entry peer;

    if (e->state == TCPS_SYN_SENT) /* only connect() sends a SYN first */
        return TCP_END_OUTGOING;
    if (e->state == TCPS_LISTEN || e->state == TCPS_TIME_WAIT)
        return TCP_END_UNKNOWN;
    /* The peer on this machine (this network namespace), a listener on its
     * port and none on ours: ours is the end that connected to it. */
    if (tcptable_find(remote, local, &peer) == 1 && listens(remote) && !listens(local))
        return TCP_END_OUTGOING;
    return TCP_END_UNKNOWN;
}
