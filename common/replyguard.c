/* replyguard.c - see replyguard.h.
 *
 * _DEFAULT_SOURCE: getifaddrs(3), this host's addresses, is not in POSIX
 * (glibc, musl and the BSDs have it). */
#define _DEFAULT_SOURCE
#include "replyguard.h"
#include "addr.h"
#include "narrate.h"

#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

void reply_guard_init(struct reply_guard *g)
{
    memset(g, 0, sizeof *g);
}

/* Whether addr is one of this host's addresses: one that an interface of
 * this network namespace holds (getifaddrs(3)); the caller has already
 * counted all of 127.0.0.0/8 and ::1 as ours. (Not a test bind(): with
 * net.ipv4.ip_nonlocal_bind set, bind() takes any address, and another
 * host's datagram from our port number would go unanswered as "ours".)
 * When the list cannot be had, say yes: not answering a datagram from our
 * own port is the safe side. */
static int is_ours(const struct sockaddr *addr)
{
    struct ifaddrs *list, *i;
    int found = 0;

    if (getifaddrs(&list) != 0)
        return 1;
    for (i = list; i != NULL && !found; i = i->ifa_next)
        if (i->ifa_addr != NULL &&
            (i->ifa_addr->sa_family == AF_INET || i->ifa_addr->sa_family == AF_INET6))
            found = addr_same_host(i->ifa_addr, addr);
    freeifaddrs(list);
    return found;
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
