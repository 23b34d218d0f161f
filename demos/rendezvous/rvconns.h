/* rvconns.h - the rendezvous directory's connections: who each is, and
 * which to close when there are too many.
 *
 * A registration lasts as long as its TCP connection, so the directory
 * keeps connections open - and must not let strangers keep too many:
 *   - at most lookers_max that registered nothing (RV_LOOKERS_MAX, fewer
 *     under a low descriptor limit); the one quiet longest makes room;
 *   - each knows whose names it adds to (RV_NAMES_PER_USER, rendezvous.h).
 * The directory's socket calls (accept, recv, send) stay in
 * demos/rendezvous/directory.c; this is the bookkeeping around them.
 */
#ifndef PORTLAB_RVCONNS_H
#define PORTLAB_RVCONNS_H

#include "addr.h"
#include "narrate.h"
#include "opts.h"
#include "rendezvous.h"
#include "replyguard.h"
#include "serve.h"

#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#define RV_LOOKERS_MAX 256 /* connections that registered nothing, at most */
#define RV_IDLE_MS 30000   /* a connection that registered nothing: closed after */

/* "It happened again": narrate a repeated event at most once a second, so
 * that a flood never becomes a flood of lines. rvconns.c's rv_limit_ok()
 * says whether to narrate now (now: a monotonic clock in ms); l->more counts
 * the times held back since (reset it after saying so). Start at {0, 0}. */
struct rv_limit {
    long long next;
    long more;
};

struct rv_conn {
    int fd, owns;               /* owns: how many names it registered */
    size_t len;                 /* bytes waiting in buf */
    long long last;             /* when it last made a valid request (or came) */
    char buf[RV_LINE_MAX + 2];
    char who[ADDR_STRLEN];
    char addr[RV_ADDR_MAX];     /* its source address alone */
    const char *refuse;         /* NULL, or why it may not register */
    struct sockaddr_storage peer, local; /* its two ends */
    char user[RV_USER_MAX];     /* whose names it adds to: rv_conn_user() */
    short ready;                /* rv_conns_poll(): it has something to read */
};

struct rv_conns {
    struct rv_conn *c;
    size_t n, cap, lookers_max;
    struct rv_table *table;     /* whose names go when a connection does */
    int remote_ok;              /* --remote: registrations from other hosts too */
    long idle_ms;               /* RV_IDLE_MS, or PORTLAB_IDLE_MS */
    long long now;              /* the time of the last rv_conns_poll() */
    long long paused_until;     /* out of descriptors: accept() rests */
    struct rv_limit out_of_fds;
    struct pollfd *pfd;         /* the stop pipe, tcp, udp, then each connection */
    struct reply_guard guard;   /* UDP: never to ourselves, a few a second a source */
    struct sockaddr_storage udp_local; /* our UDP address and port, for the guard */
    int tcp, udp;               /* our two sockets: rv_conns_open() */
};

/* rendezvous-directory's options (the usual ones and --remote), then
 * rv_conns_init(). Exits 2 on bad usage. */
void rv_conns_options(struct rv_conns *s, struct rv_table *table, struct opts *o, int argc,
                      char **argv);

/* Start empty; lookers_max from RLIMIT_NOFILE: room is kept for every
 * registered server (each owns a name) and our own few descriptors. */
void rv_conns_init(struct rv_conns *s, struct rv_table *table);

/* Our two sockets, bound: kept (rv_conns_free() closes them), both made
 * non-blocking (no one client may stall the others); the reply guard set
 * up for the UDP one. */
void rv_conns_open(struct rv_conns *s, int tcp, int udp);

#define RV_READY_TCP 1 /* rv_conns_poll(): the listener has a connection */
#define RV_READY_UDP 2 /* and the UDP socket a datagram */

/* One poll() over the stop pipe (signals_install()), the listener (unless
 * resting), the UDP socket and every connection, until something is ready
 * or a timer is due (an idle connection, the reply guard's lines).
 * Connections that registered nothing and stayed idle idle_ms are closed
 * here. Returns -1 to stop (*why: the signal, or NULL), else RV_READY_*
 * bits; each connection's ready says whether it has something; s->now is
 * the time. */
int rv_conns_poll(struct rv_conns *s, const char **why);

/* accept() failed with err: out of descriptors (EMFILE, ENFILE), the
 * listener rests a moment - new clients wait in the queue - said at most
 * once a second. */
void rv_conns_rest(struct rv_conns *s, int err);

/* Who asks on connection c, for rv_table_answer(). */
void rv_conn_asker(struct rv_conn *c, struct rv_asker *a);

/* A datagram waits on our UDP socket: peek at it (MSG_PEEK: it stays
 * queued for the directory's own recvfrom()) and ask the reply guard
 * (replyguard.h) whether it may be answered: never one sent to a broadcast
 * or multicast address (the kernel says which address it reached:
 * serve_receive()), never one from our own port, a few a second to one
 * address. If so, 1, with who ("udp ADDRESS:PORT") and addr (the address
 * alone) filled in for the narration; else 0, and it is dropped. */
int rv_conns_udp_ok(struct rv_conns *s, char *who, size_t who_cap, char *addr,
                    size_t addr_cap);

/* c's buffer is full without a newline: a line too long to be a request.
 * Answer ERR and say goodbye without a reset that could swallow it.
 * Returns the reason to close it. */
const char *rv_conn_too_long(struct rv_conn *c);

/* Close every connection (their names go, narrated with why) and our two
 * sockets; free. */
void rv_conns_free(struct rv_conns *s, const char *why);



/* A new connection, accepted as fd from peer: recorded (who it is; refuse
 * set unless it comes from this host or --remote), made non-blocking, and
 * greeted (RV_HELLO). Returns it, or NULL when out of memory (fd is then
 * closed). */
struct rv_conn *rv_conns_add(struct rv_conns *s, int fd, const struct sockaddr *peer);

/* Connection i ends: its names go with it (narrated with why), closed. */
void rv_conns_drop(struct rv_conns *s, size_t i, const char *why);

/* Connection i has ended, or must go, for reason gone: narrated
 * ("tcp WHO: closed: GONE"), then rv_conns_drop(): its names go. */
void rv_conns_close(struct rv_conns *s, size_t i, const char *gone);

/* What recv() returning got (0 or -1, with err) on a connection means:
 * NULL to keep it (a passing error), else why it ended. */
const char *rv_conn_ended(ssize_t got, int err);

/* Before an accept(): if lookers_max connections registered nothing,
 * close the one quiet longest (narrated at most once a second). */
void rv_conns_make_room(struct rv_conns *s, long long now);

/* Whose names c's count toward, found at its first REGISTER: on this host
 * the user owning the other end ("uid 1000": the uid column of the
 * kernel's table, /proc/net/tcp, where the client's socket is listed
 * too); else, or where that table cannot be read, its host
 * ("host 10.77.0.2"). */
const char *rv_conn_user(struct rv_conn *c);

#endif
