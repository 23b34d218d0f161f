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
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void reply_guard_init(struct reply_guard *g)
{
    memset(g, 0, sizeof *g);
}

void reply_guard_hold(struct reply_guard *g, unsigned port)
{
    int i;

    for (i = 0; i < g->nheld; i++)
        if (g->held[i] == port)
            return;
    if (g->nheld < REPLY_GUARD_HELD)
        g->held[g->nheld++] = port;
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

/* A multicast address (224.0.0.0/4, ff00::/8) or 255.255.255.255, by the
 * address alone (a subnet's broadcast address only the kernel knows:
 * IP_PKTINFO, serve.c). */
static int is_group(const struct sockaddr *sa)
{
    const unsigned char *b;

    if (sa->sa_family == AF_INET) {
        b = (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr;
    } else if (sa->sa_family == AF_INET6) {
        b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
        if (b[0] == 0xff)
            return 1;
        if (!IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)sa)->sin6_addr))
            return 0;
        b += 12;
    } else {
        return 0;
    }
    return (b[0] & 0xf0) == 0xe0 || (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255);
}

/* Whether peer's port is one we hold (or local's), at an address of ours. */
static int from_ourselves(const struct reply_guard *g, const struct sockaddr *peer,
                          const struct sockaddr *local)
{
    unsigned port = addr_port(peer);
    int i, held = port == addr_port(local);

    for (i = 0; i < g->nheld && !held; i++)
        held = g->held[i] == port;
    return held && (addr_same_host(peer, local) || addr_is_loopback(peer) || is_ours(peer));
}

/* "127.0.0.1:5000", or "127.0.0.5 (from 300 ports)" */
static const char *who(const struct reply_source *s, int reason, char *buf, size_t cap)
{
    struct sockaddr_storage a = s->addr;
    char host[ADDR_STRLEN];

    if (s->refused_ports[reason] == 1) {
        addr_set_port((struct sockaddr *)&a, s->refused_port[reason]);
        return addr_format((struct sockaddr *)&a, buf, cap);
    }
    snprintf(buf, cap, "%s (from several ports)", addr_host((struct sockaddr *)&a, host,
             sizeof host));
    return buf;
}

/* Say what one address's second held back, and forget the count. */
static void say(struct reply_source *s)
{
    char w[ADDR_STRLEN + 32];
    long n;

    if ((n = s->refused[REPLY_SELF]) > 0)
        narrate("not answering %s: %ld datagram%s in 1 s: its source is a port we hold, at "
                "an address of this host: an answer could loop back to us",
                who(s, REPLY_SELF, w, sizeof w), n, n == 1 ? "" : "s");
    if ((n = s->refused[REPLY_RATE]) > 0)
        narrate("not answering %s: %ld datagram%s in 1 s: over our budget of %d answers a "
                "second to one address (a flood, a loop or a forged source)",
                who(s, REPLY_RATE, w, sizeof w), n, n == 1 ? "" : "s", REPLY_BUDGET);
    if ((n = s->refused[REPLY_LOOP]) > 0)
        narrate("not answering %s: %ld datagram%s in 1 s: that port had %d answers with no "
                "pause of %d s (a loop between two servers?)",
                who(s, REPLY_LOOP, w, sizeof w), n, n == 1 ? "" : "s", REPLY_STREAK,
                REPLY_QUIET_MS / 1000);
    memset(s->refused, 0, sizeof s->refused);
    memset(s->refused_ports, 0, sizeof s->refused_ports);
}

/* An address with nothing worth keeping: its second is over, and no port
 * of it has had more than one answer - or it has been quiet long enough. */
static int forgettable(const struct reply_source *s, long long now)
{
    int i;

    if (s->last == 0 || now - s->last >= REPLY_QUIET_MS)
        return 1;
    if (now - s->start < REPLY_WINDOW_MS)
        return 0;
    for (i = 0; i < REPLY_GUARD_PORTS; i++)
        if (s->p[i].last != 0 && s->p[i].answered > 1 && now - s->p[i].last < REPLY_QUIET_MS)
            return 0;
    return 1;
}

/* peer's address's slot: its own, or one with nothing worth keeping; NULL
 * when every slot holds something worth keeping. */
static struct reply_source *slot(struct reply_guard *g, const struct sockaddr *peer, long long now)
{
    struct reply_source *s, *room = NULL;
    size_t i;

    for (i = 0; i < REPLY_GUARD_SOURCES; i++) {
        s = &g->s[i];
        if (s->last != 0 && addr_same_host(peer, (struct sockaddr *)&s->addr))
            return s;
        if (room == NULL && forgettable(s, now))
            room = s;
    }
    if (room == NULL)
        return NULL;
    say(room);
    memset(room, 0, sizeof *room);
    memcpy(&room->addr, peer, peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                          : sizeof(struct sockaddr_in));
    addr_set_port((struct sockaddr *)&room->addr, 0);
    room->start = now;
    return room;
}

/* The slot of port within s: its own, else a free or quiet one, else the
 * one quiet longest among those that are not looping (fewer than
 * REPLY_STREAK answers): many honest clients behind one address (a shared
 * host, a classroom's NAT) each get a slot in turn, while a loop's port,
 * never quiet, keeps its count. NULL only when every slot is a loop's. */
static struct reply_port *port_slot(struct reply_source *s, unsigned port, long long now)
{
    struct reply_port *p, *room = NULL;
    int i;

    for (i = 0; i < REPLY_GUARD_PORTS; i++) {
        p = &s->p[i];
        if (p->last != 0 && now - p->last >= REPLY_QUIET_MS)
            p->last = 0; /* quiet long enough: forgotten */
        if (p->last != 0 && p->port == port)
            return p;
        if (p->last != 0 && p->answered >= REPLY_STREAK)
            continue; /* a loop's port keeps its slot */
        if (room == NULL || (room->last != 0 && (p->last == 0 || p->last < room->last)))
            room = p;
    }
    if (room == NULL)
        return NULL;
    memset(room, 0, sizeof *room);
    room->port = port;
    return room;
}

static int refuse(struct reply_source *s, int reason, unsigned port)
{
    if (s->refused[reason] > 0 && s->refused_port[reason] != port)
        s->refused_ports[reason] = 2;
    else if (s->refused_ports[reason] == 0)
        s->refused_ports[reason] = 1;
    s->refused_port[reason] = port;
    s->refused[reason]++;
    return 0;
}

int reply_guard_ok(struct reply_guard *g, const struct sockaddr *peer,
                   const struct sockaddr *local, int group, long long now)
{
    struct reply_source *s;
    struct reply_port *p;
    unsigned port = addr_port(peer);
    char to[ADDR_STRLEN], from[ADDR_STRLEN];

    if (now <= 0)
        now = 1; /* 0 marks a free slot */
    /* Sent to many hosts at once: every one that answered would answer
     * the source - one forged datagram in, many out. Said once. */
    if (group == 1 || is_group(local)) {
        if (g->to_group++ == 0)
            narrate("not answering %s: it was sent to %s, a broadcast or multicast "
                    "address: every host that heard it could answer (said once)",
                    addr_format(peer, from, sizeof from), addr_format(local, to, sizeof to));
        return 0;
    }
    s = slot(g, peer, now);
    if (s == NULL) {
        if (g->crowded++ == 0)
            g->crowded_since = now;
        return 0;
    }
    s->last = now;
    if (now - s->start >= REPLY_WINDOW_MS) { /* a new second: a new budget */
        say(s);
        s->start = now;
        s->answered = 0;
    }
    /* A port we hold, at any address of ours: never answered. */
    if (from_ourselves(g, peer, local))
        return refuse(s, REPLY_SELF, port);
    if (s->answered >= REPLY_BUDGET)
        return refuse(s, REPLY_RATE, port);
    p = port_slot(s, port, now);
    if (p == NULL || p->answered >= REPLY_STREAK) {
        if (p != NULL)
            p->last = now; /* still talking: no pause yet */
        return refuse(s, p == NULL ? REPLY_RATE : REPLY_LOOP, port);
    }
    p->last = now;
    p->answered++;
    s->answered++;
    return 1;
}

long long reply_guard_tick(struct reply_guard *g, long long now)
{
    long long next = 0, due;
    size_t i;
    int k, waiting;

    for (i = 0; i < REPLY_GUARD_SOURCES; i++) {
        struct reply_source *s = &g->s[i];

        if (s->last == 0)
            continue;
        due = s->start + REPLY_WINDOW_MS;
        if (now >= due)
            say(s);
        if (now - s->last >= REPLY_QUIET_MS) {
            s->last = 0; /* quiet long enough: the slot is free again */
            continue;
        }
        for (k = 0, waiting = 0; k < REPLY_REASONS; k++)
            waiting |= s->refused[k] > 0;
        if (waiting && (next == 0 || due < next))
            next = due;
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
        narrate("not answering %ld datagram%s in 1 s: from more addresses than we remember "
                "at once (%d)", g->crowded, g->crowded == 1 ? "" : "s", REPLY_GUARD_SOURCES);
    g->crowded = 0;
}
