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
#include "rendezvous.h"

#include <stddef.h>
#include <sys/socket.h>

#define RV_LOOKERS_MAX 256 /* connections that registered nothing, at most */

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
};

struct rv_conns {
    struct rv_conn *c;
    size_t n, cap, lookers_max;
    struct rv_table *table;     /* whose names go when a connection does */
};

/* Start empty; lookers_max from RLIMIT_NOFILE: room is kept for every
 * registered server (each owns a name) and our own few descriptors. */
void rv_conns_init(struct rv_conns *s, struct rv_table *table);

/* A new connection, accepted as fd: recorded (who it is; refuse set
 * unless it comes from this host or remote_ok). Returns it, or NULL when
 * out of memory (fd is then closed). */
struct rv_conn *rv_conns_add(struct rv_conns *s, int fd, const struct sockaddr *peer,
                             const struct sockaddr *local, int remote_ok, long long now);

/* Connection i ends: its names go with it (narrated with why), closed. */
void rv_conns_drop(struct rv_conns *s, size_t i, const char *why);

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
