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

#define DRAIN_IDLE_MS 2000
#define DRAIN_MAX_BYTES 65536

struct drain_set {
    struct pollfd *pfd;       /* caller's slots first, then connections */
    long long *deadline_ms;   /* per connection slot */
    size_t *drained;          /* bytes thrown away so far */
    size_t nfixed, n, cap;
};

/* Returns 0, or -1 when out of memory. */
int drain_init(struct drain_set *s, size_t nfixed);

/* Hand over a connection already answered and shut down for writing.
 * On failure (out of memory) the connection is closed at once. */
void drain_add(struct drain_set *s, int fd);

/* Wait for any descriptor (or a drained connection's deadline); tends the
 * drained connections. Returns poll()'s result; the caller then looks at
 * s->pfd[i].revents for its own slots. */
int drain_poll(struct drain_set *s);

/* How many connections are still draining. */
size_t drain_count(const struct drain_set *s);

/* Close every drained connection, free the set. */
void drain_free(struct drain_set *s);

#endif
