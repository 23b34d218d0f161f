/* drain.h - saying goodbye to a TCP client without losing the reply.
 *
 * If a server close()s a socket while the client's data still sits unread
 * in it, the kernel sends a reset (RST) instead of a polite FIN - and the
 * client may lose the reply it has not read yet. So a served connection is
 * first shut down for writing (the client sees end-of-file after our
 * reply), then kept a little while: whatever the client still sends is
 * read and thrown away (at most DRAIN_MAX_BYTES), and the socket is closed
 * when the client closes its side or after DRAIN_IDLE_MS - so an idle
 * client can never hold the server.
 *
 * The set also carries the server's own descriptors: slots 0..nfixed-1 of
 * set.pfd are the caller's, filled in before each drain_poll().
 */
#ifndef PORTLAB_DRAIN_H
#define PORTLAB_DRAIN_H

#include <poll.h>
#include <stddef.h>

#include "addr.h"

#define DRAIN_IDLE_MS 2000 /* the default; PORTLAB_IDLE_MS in the environment sets it */
#define DRAIN_MAX_BYTES 65536

/* What the set keeps of each connection, beside its pfd slot. */
struct drain_conn {
    long long deadline_ms;        /* when an idle client is closed */
    size_t drained;               /* bytes thrown away so far */
    char who[ADDR_STRLEN];        /* the client, for the narration */
    struct sockaddr_storage peer; /* the client's address and port */
};

struct drain_set {
    struct pollfd *pfd;       /* caller's slots first, then connections */
    struct drain_conn *conn;  /* conn[i] goes with pfd[i] (i >= nfixed) */
    size_t nfixed, n, cap;
    int idle_ms;              /* how long a served client may stay */
    /* Called (if set) when a client closes its side (end-of-file), in
     * place of our close(): it must close fd itself (the set forgets it).
     * For a demo whose lesson that close() is (restart). */
    void (*hangup_fn)(int fd, const struct sockaddr *peer, void *ctx);
    void *hangup_ctx;
};

/* Returns 0, or -1 when out of memory. */
int drain_init(struct drain_set *s, size_t nfixed);

/* Hand over a connection already answered (and, usually, shut down for
 * writing); peer is the client. On failure (out of memory) it is closed at
 * once. */
void drain_add(struct drain_set *s, int fd, const struct sockaddr *peer);

/* Wait for any descriptor, a drained connection's deadline, or max_ms
 * (-1: no limit); tends the drained connections, narrating any closed for
 * idling or for sending too much. Returns poll()'s result; the caller then
 * looks at s->pfd[i].revents for its own slots. */
int drain_poll(struct drain_set *s, int max_ms);

/* How many connections are still draining. */
size_t drain_count(const struct drain_set *s);

/* Close every drained connection, free the set. */
void drain_free(struct drain_set *s);

#endif
