/* replyguard.c - see replyguard.h. */
#include "replyguard.h"
#include "addr.h"
#include "narrate.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

void reply_guard_init(struct reply_guard *g)
{
    memset(g, 0, sizeof *g);
}

/* Whether addr is one of this host's addresses: the kernel lets us bind()
 * only those (EADDRNOTAVAIL otherwise), all of 127.0.0.0/8 included. When
 * that cannot be asked (no descriptor left), say yes: not answering a
 * datagram from our own port is the safe side. */
static int is_ours(const struct sockaddr *addr)
{
    struct sockaddr_storage a;
    socklen_t len;
    int fd, rc;

    memset(&a, 0, sizeof a);
    if (addr->sa_family == AF_INET6) {
        struct sockaddr_in6 six;

        memcpy(&six, addr, sizeof six);
        if (IN6_IS_ADDR_V4MAPPED(&six.sin6_addr)) { /* dual-stack: ask IPv4 */
            struct sockaddr_in four;

            memset(&four, 0, sizeof four);
            four.sin_family = AF_INET;
            memcpy(&four.sin_addr, &six.sin6_addr.s6_addr[12], 4);
            memcpy(&a, &four, sizeof four);
            len = sizeof four;
        } else {
            six.sin6_port = 0;
            memcpy(&a, &six, sizeof six);
            len = sizeof six;
        }
    } else if (addr->sa_family == AF_INET) {
        memcpy(&a, addr, sizeof(struct sockaddr_in));
        len = sizeof(struct sockaddr_in);
    } else {
        return 1;
    }
    addr_set_port((struct sockaddr *)&a, 0);
    fd = socket(a.ss_family, SOCK_DGRAM, 0);
    if (fd < 0)
        return 1;
    rc = bind(fd, (struct sockaddr *)&a, len);
    rc = rc == 0 || errno != EADDRNOTAVAIL;
    close(fd);
    return rc;
}

static int same_source(const struct sockaddr *a, const struct sockaddr_storage *b)
{
    return addr_port(a) == addr_port((const struct sockaddr *)b) &&
           addr_same_host(a, (const struct sockaddr *)b);
}

/* Say what one source's window held back, and forget the count. */
static void say(struct reply_source *s)
{
    char who[ADDR_STRLEN];

    if (s->refused == 0)
        return;
    addr_format((struct sockaddr *)&s->addr, who, sizeof who);
    if (s->self)
        narrate("not answering %s: %ld datagram%s in 1 s: its source is our own port at an "
                "address of this host: our answer would go to that port here (to us, or to "
                "a server like us), and could loop",
                who, s->refused, s->refused == 1 ? "" : "s");
    else
        narrate("not answering %s: %ld datagram%s in 1 s: over our budget of %d replies a "
                "second to one source (a loop between two servers, a flood, or a forged source)",
                who, s->refused, s->refused == 1 ? "" : "s", REPLY_BUDGET);
    s->refused = 0;
    s->self = 0;
}

/* The slot of peer: its own, a free one, one whose window has ended, or
 * else the one whose window began first (its count is summed up). */
static struct reply_source *slot(struct reply_guard *g, const struct sockaddr *peer, long long now)
{
    struct reply_source *s, *free_one = NULL, *oldest = NULL;
    size_t i;

    for (i = 0; i < REPLY_GUARD_SOURCES; i++) {
        s = &g->s[i];
        if (s->start != 0 && same_source(peer, &s->addr))
            return s;
        if (free_one == NULL && (s->start == 0 || now - s->start >= REPLY_WINDOW_MS))
            free_one = s;
        if (oldest == NULL || s->start < oldest->start)
            oldest = s;
    }
    s = free_one;
    if (s == NULL) {
        s = oldest;
        if (s->refused > 0) {
            if (g->crowded == 0)
                g->crowded_since = now;
            g->crowded += s->refused;
            g->crowded_sources++;
        }
    } else {
        say(s);
    }
    memset(s, 0, sizeof *s);
    memcpy(&s->addr, peer, peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                       : sizeof(struct sockaddr_in));
    s->start = now;
    return s;
}

int reply_guard_ok(struct reply_guard *g, const struct sockaddr *peer,
                   const struct sockaddr *local, long long now)
{
    struct reply_source *s;

    if (now <= 0)
        now = 1; /* 0 marks a free slot */
    s = slot(g, peer, now);
    if (now - s->start >= REPLY_WINDOW_MS) { /* a new second: a new budget */
        say(s);
        s->start = now;
        s->answered = 0;
    }
    /* Our own port, at any address of ours: never answered. */
    if (addr_port(peer) == addr_port(local) &&
        (addr_same_host(peer, local) || addr_is_loopback(peer) || is_ours(peer))) {
        s->self = 1;
        s->refused++;
        return 0;
    }
    if (s->answered >= REPLY_BUDGET) {
        s->refused++;
        return 0;
    }
    s->answered++;
    return 1;
}

long long reply_guard_tick(struct reply_guard *g, long long now)
{
    long long next = 0, due;
    size_t i;

    for (i = 0; i < REPLY_GUARD_SOURCES; i++) {
        struct reply_source *s = &g->s[i];

        if (s->start == 0)
            continue;
        due = s->start + REPLY_WINDOW_MS;
        if (now >= due) {
            say(s);
            s->start = 0; /* the slot is free again */
        } else if (s->refused > 0 && (next == 0 || due < next)) {
            next = due;
        }
    }
    if (g->crowded > 0) {
        due = g->crowded_since + REPLY_WINDOW_MS;
        if (now >= due) {
            reply_guard_flush(g);
        } else if (next == 0 || due < next) {
            next = due;
        }
    }
    return next;
}

void reply_guard_flush(struct reply_guard *g)
{
    size_t i;

    for (i = 0; i < REPLY_GUARD_SOURCES; i++)
        say(&g->s[i]);
    if (g->crowded > 0)
        narrate("not answering %ld datagram%s from %ld more source%s in 1 s: over the budget "
                "of %d replies a second each, from more sources than we count one by one (%d)",
                g->crowded, g->crowded == 1 ? "" : "s", g->crowded_sources,
                g->crowded_sources == 1 ? "" : "s", REPLY_BUDGET, REPLY_GUARD_SOURCES);
    g->crowded = 0;
    g->crowded_sources = 0;
}
