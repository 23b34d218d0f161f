/* replyguard.h - whom a UDP server must not answer, or not too often.
 *
 * A UDP server answers whatever address and port a datagram's header
 * names, and a header is only what its sender wrote (the wire demo forges
 * one). Two forged datagrams start endless loops, as the old echo and
 * chargen services did (CVE-1999-0103):
 *   - one "from" our own port at one of this host's addresses: we would
 *     answer ourselves, and then answer the answer, for ever;
 *   - one "from" another server's port: the two answer each other.
 * So every UDP answer in portlab asks reply_guard_ok() first:
 *   - a datagram whose source port is our port, at any address of this
 *     host, is never answered;
 *   - one source (address and port) is answered at most REPLY_BUDGET times
 *     in a second: a loop between two servers ends after a few exchanges,
 *     and a flood from one source gets a few replies, not one each.
 * What is not answered is counted, and said once a second per source:
 *   not answering 127.0.0.1:7000: 45 datagrams in 1 s: ...
 * never one line each. docs/hardening.md has the table.
 */
#ifndef PORTLAB_REPLYGUARD_H
#define PORTLAB_REPLYGUARD_H

#include <sys/socket.h>

#define REPLY_BUDGET 5          /* replies a second to one source, at most */
#define REPLY_WINDOW_MS 1000    /* the second they are counted in */
#define REPLY_GUARD_SOURCES 64  /* sources remembered at once */

struct reply_source {
    struct sockaddr_storage addr;
    long long start;            /* its window's start (0: slot unused) */
    int answered, self;
    long refused;               /* datagrams not answered in this window */
};

struct reply_guard {
    struct reply_source s[REPLY_GUARD_SOURCES];
    long crowded, crowded_sources; /* refused by sources that lost their slot */
    long long crowded_since;
};

void reply_guard_init(struct reply_guard *g);

/* May we answer this datagram, from peer to our local address (whose port
 * is ours)? 1 yes, 0 no (counted, narrated by reply_guard_tick). now: a
 * monotonic clock in ms (wait_now_ms()). */
int reply_guard_ok(struct reply_guard *g, const struct sockaddr *peer,
                   const struct sockaddr *local, long long now);

/* Narrate the windows that have ended with datagrams not answered.
 * Returns when to call it again (on now's clock), or 0 when nothing waits. */
long long reply_guard_tick(struct reply_guard *g, long long now);

/* At the end: narrate whatever is still counted. */
void reply_guard_flush(struct reply_guard *g);

#endif
