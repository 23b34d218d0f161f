/* replyguard.h - whom a UDP server must not answer, or not too often.
 *
 * A UDP server answers whatever address and port a datagram's header
 * names, and a header is only what its sender wrote (the wire demo forges
 * one). Forged datagrams start loops and floods, as the old echo and
 * chargen services did (CVE-1999-0103):
 *   - one "from" a port we hold at one of this host's addresses: we would
 *     answer ourselves, and then answer the answer, for ever;
 *   - one "from" another server's port: the two answer each other;
 *   - a flood "from" a victim's address, each from another port: every
 *     answer goes to the victim;
 *   - one sent to a broadcast or multicast address: every server that
 *     hears it answers (one datagram in, many out).
 * So every UDP answer in portlab asks reply_guard_ok() first:
 *   - a datagram sent to a broadcast or multicast address: never answered;
 *   - one whose source port is any port we hold, at an address of this
 *     host: never answered;
 *   - one source ADDRESS, whatever its ports, gets at most REPLY_BUDGET
 *     answers a second;
 *   - one source port of one address gets at most REPLY_STREAK answers
 *     until it has sent nothing for REPLY_QUIET_MS: a loop between two
 *     servers sends all the time, so it ends after REPLY_STREAK exchanges
 *     each way, however long each round trip takes (up to REPLY_QUIET_MS).
 * What an address did is kept until it has been quiet REPLY_QUIET_MS; a
 * full table forgets only an address with nothing worth keeping (at most
 * one answer a port, its second over); else the newcomer is not answered.
 * What is not answered is counted and said once a second per address,
 * never one line each. docs/hardening.md has the table.
 */
#ifndef PORTLAB_REPLYGUARD_H
#define PORTLAB_REPLYGUARD_H

#include <sys/socket.h>

#define REPLY_BUDGET 32          /* answers a second to one address, at most */
#define REPLY_WINDOW_MS 1000     /* the second they are counted in */
#define REPLY_STREAK 10          /* answers to one port before a pause */
#define REPLY_QUIET_MS 60000     /* the pause: nothing from that port */
#define REPLY_GUARD_SOURCES 128  /* addresses remembered at once */
#define REPLY_GUARD_PORTS 8      /* ports remembered per address */
#define REPLY_GUARD_HELD 32      /* ports of ours */

enum reply_refusal { REPLY_SELF, REPLY_RATE, REPLY_LOOP, REPLY_REASONS };

struct reply_port {
    unsigned port;
    int answered;               /* since it was last quiet REPLY_QUIET_MS */
    long long last;             /* its last datagram (0: slot unused) */
};

struct reply_source {
    struct sockaddr_storage addr; /* its port set to 0 */
    long long last;             /* its last datagram (0: slot unused) */
    long long start;            /* the start of its current second */
    int answered;               /* answers in that second */
    long refused[REPLY_REASONS];  /* not answered in that second, by reason */
    unsigned refused_port[REPLY_REASONS]; /* from which port (the last) */
    int refused_ports[REPLY_REASONS];     /* 1 one port, 2 several */
    struct reply_port p[REPLY_GUARD_PORTS];
};

struct reply_guard {
    struct reply_source s[REPLY_GUARD_SOURCES];
    unsigned held[REPLY_GUARD_HELD];  /* the ports we hold */
    int nheld;
    long crowded;                 /* refused: no room to remember them */
    long long crowded_since;
    long to_group;                /* refused: sent to a broadcast/multicast */
};

void reply_guard_init(struct reply_guard *g);

/* One more port we hold (each socket of a server's loop): a datagram from
 * it, at an address of this host, is never answered. */
void reply_guard_hold(struct reply_guard *g, unsigned port);

/* May we answer this datagram, from peer to local (the address it was
 * sent to: IP_PKTINFO; its port is ours)? group: 1 if the kernel said it
 * was sent to a broadcast or multicast address, 0 if not, -1 if it did not
 * say (then local's address alone decides). 1 yes, 0 no (counted, and
 * narrated by reply_guard_tick). now: a monotonic clock in ms
 * (clock_now_ms()). */
int reply_guard_ok(struct reply_guard *g, const struct sockaddr *peer,
                   const struct sockaddr *local, int group, long long now);

/* Narrate the seconds that have ended with datagrams not answered, and
 * forget the addresses quiet for REPLY_QUIET_MS. Returns when to call it
 * again (on now's clock), or 0 when nothing waits. */
long long reply_guard_tick(struct reply_guard *g, long long now);

/* At the end: narrate whatever is still counted. */
void reply_guard_flush(struct reply_guard *g);

#endif
