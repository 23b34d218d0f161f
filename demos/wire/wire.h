/* wire.h - the wire demo's plumbing, shared by wire-client and wire-server:
 * which packets are the server's own, the client's figure, and its watch
 * for the reply to the forged datagram. The lesson's calls (the packet
 * socket, the raw socket, the header's bytes) stay in client.c and
 * server.c. */
#ifndef PORTLAB_WIRE_H
#define PORTLAB_WIRE_H

#include "opts.h"

#include <stddef.h>
#include <sys/socket.h>

/* wire-client's options into *o (the server's host and port, -t...), and
 * its own: -s (the source port step 3 writes, default 23) and -l (the one
 * steps 1 and 2 bind, 0: the kernel's choice). Bad usage: exit 2. */
void wire_client_options(int argc, char **argv, struct opts *o, unsigned *forge_port,
                         unsigned *local_port);

/* wire-server: whose packets to show. */
struct wire_watch {
    struct sockaddr_storage me; /* the server's bound address and port */
    long long window_end;       /* the end of this second's count (ms) */
    long shown, in_window, held;
};

/* At most this many wire: lines a second: a flood is counted, not shown. */
#define WIRE_LINES_PER_S 100

struct serve_watch;
/* May one more wire: line be shown this second (the watch sw, whose ctx is
 * the struct wire_watch)? 1: yes (counted); 0: it is held back, and sw
 * wakes at the second's end so that wire_tick() says how many were. */
int wire_may_show(struct serve_watch *sw);
/* At each wake: once a second is over, say how many lines it held back
 * (if any), in one line, and start counting the next. */
void wire_tick(struct serve_watch *sw);

/* Is this end of a packet - an address of IP version 4 or 6, and a port -
 * the server's own? Its port and address; any address only when it bound
 * a wildcard (0.0.0.0: any IPv4 address; [::]: any, dual-stack). */
int wire_is_ours(const struct wire_watch *w, int version, const unsigned char *addr,
                 unsigned port);

/* The address part of a socket address, as bytes (4 or 16). */
const unsigned char *wire_address_bytes(const struct sockaddr_storage *ss);

/* After step 3: wait up to ms for a copy of the reply (from from_port to
 * to_port) on the client's raw socket fd, and narrate its ports. */
void wire_catch_copy(int fd, int family, unsigned from_port, unsigned to_port, long ms);

/* The figure: step 3's UDP header h (8 bytes, as sent), each field
 * decoded; within 60 columns, so that the tour shows it within 72. */
void wire_draw_header(const unsigned char *h, unsigned sport, unsigned dport, size_t len,
                      unsigned sum);

/* wire-server's lesson needs Linux (its packet socket): on Linux,
 * nothing; elsewhere one line on stderr, "wire-server: needs Linux, for
 * WHAT", and exit 1 - not a failure a student cannot read. Call it before
 * the first call that would fail. */
void wire_need_linux(const char *what);

/* wire-server, once its TCP socket tcp is bound and it has given up
 * privilege (serve_open_with()'s opened; ctx: its struct serve_watch,
 * whose ctx is its struct wire_watch): sets the watch's me (getsockname),
 * and narrows the packet socket (the watch's fd, -1: none) to what the
 * lesson needs, so that the descriptor it keeps is worth little to anyone
 * who takes it: only TCP and UDP packets from or to its port (a kernel
 * filter, locked: SO_LOCK_FILTER, see socket(7)), and, when it bound a
 * loopback address, only from the loopback interface (another address is
 * reached through lo too, from this host: then every interface); what had
 * queued before is dropped. Says so, and what is left. Returns 0, or -1
 * (reported). */
int wire_narrow(int tcp, void *ctx);

/* Once the raw socket is open: keep no privilege (privilege_give_up: root
 * becomes nobody; anyone else gives up every capability); sending on the
 * socket, and reading the copies it is handed, need none. Says so.
 * Returns -1 on failure (reported). */
int wire_keep_nothing(void);

#endif
