/* serve.h - the loop every demo server runs once its ports are bound.
 *
 * One thread, one poll(2): whichever socket has something ready is
 * handled, so no client - idle, slow or hostile - can hold up another.
 *   TCP: accept() the connection, send the demo's one-line reply, shut
 *        down our side, and let drain.h close it gracefully.
 *   UDP: recvmsg() a datagram, sendmsg() the demo's reply back to the
 *        sender's address and SOURCE port, from the address it reached.
 * A demo whose lesson is that accept() or recvfrom() makes the call
 * itself: serve_set_add_accepting(), serve_set_add_receiving() below.
 * It stops on SIGINT/SIGTERM or after `count` exchanges, with a closing
 * line, and returns the exit code.
 * The demo decides what a reply says: serve_reply_fn writes it (and may
 * narrate what it saw).
 */
#ifndef PORTLAB_SERVE_H
#define PORTLAB_SERVE_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/* What arrived: one TCP connection, or one UDP datagram. */
struct serve_event {
    const char *proto;            /* "tcp" or "udp" */
    const struct sockaddr *peer;  /* the client's address and source port */
    const struct sockaddr *local; /* our address and port it reached */
    const char *data;             /* UDP: the datagram; TCP: NULL */
    size_t len;                   /* its length */
    const char *name;             /* the socket's name in its serve_set (or NULL) */
};

/* Write the reply line (with its newline) into reply[0..cap-1]. */
typedef void (*serve_reply_fn)(const struct serve_event *ev, char *reply,
                               size_t cap, void *ctx);

struct opts;

/* For demos whose lesson is NOT the server's bind(): resolve the -b/-p/-4/-6
 * options, bind TCP (listening) and UDP to the same address and port (port
 * 0: the kernel's choice, used for both), narrate it, give up root and
 * every capability (privilege_give_up: o->user, o->tell_privilege), and
 * print the readiness line. Returns 0, or -1 after reporting the error. */
int serve_open(struct opts *o, int *tcp, int *udp);

/* serve_open(), calling opened(tcp, ctx) once privilege is given up and
 * before the readiness line (opened may be NULL): what a server does with
 * its sockets open and before any client comes. If it returns nonzero,
 * both sockets are closed and serve_open_with() returns -1. */
int serve_open_with(struct opts *o, int *tcp, int *udp, int (*opened)(int tcp, void *ctx),
                    void *ctx);

/* Serve until stopped; tcp or udp may be -1. count 0 = no limit.
 * Returns EXIT_OK, or EXIT_FAILED if the loop itself failed. */
int serve_run(int tcp, int udp, long count, serve_reply_fn reply, void *ctx);

/* One more descriptor for the loop to watch (the wire demo's packet
 * socket, the rendezvous server's directory connection), and a timer:
 * fn(w) is called whenever w->fd is readable, or once wake_ms (on
 * clock_now_ms()'s clock; 0 = none) has passed. It may change w->fd and
 * w->wake_ms; it must not block for long; returning non-zero stops the
 * loop with EXIT_FAILED. */
struct serve_watch {
    int fd;
    long long wake_ms;
    int (*fn)(struct serve_watch *w);
    void *ctx;
};

/* serve_run(), watching w too (w may be NULL). */
int serve_run_watching(int tcp, int udp, struct serve_watch *w, long count,
                       serve_reply_fn reply, void *ctx);

/* Several sockets in one loop: any number of TCP listeners and UDP
 * sockets (a server on several ports, or several SO_REUSEPORT listeners
 * on one), each with a name the reply function sees as ev->name.
 *   struct serve_set s;
 *   serve_set_init(&s);
 *   serve_set_add(&s, "web", tcp_fd, SOCK_STREAM);
 *   serve_set_add(&s, "dns", udp_fd, SOCK_DGRAM);
 *   rc = serve_run_set(&s, o.count, reply, NULL);
 * serve_run() and serve_run_watching() are this with one of each. */
#define SERVE_MAX_SOCKETS 32

/* Any socket address, with a name for each way to read it: .sa for the
 * calls, .in (IPv4: in.sin_port) or .in6 (IPv6: in6.sin6_port). */
union serve_addr {
    struct sockaddr sa;
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
    struct sockaddr_storage ss;
};

/* A demo whose lesson is the server's accept() or recvfrom() makes that
 * call itself (ephemeral, nat): the loop calls its function when the
 * socket is readable, and does the rest as for any socket (the reply, the
 * reply guard, the graceful close, resting on errors).
 * serve_accept_fn: call accept(listener, &peer->sa, plen) and return what
 *   it returned, errno as it left it (the loop decides: retry, rest).
 * serve_recvfrom_fn: call recvfrom(fd, buf, cap, 0, &peer->sa, plen) and
 *   return what it returned. local is the address the datagram was sent
 *   to (its port ours): the loop peeked at the datagram first (recvmsg()
 *   with MSG_PEEK, IP_PKTINFO), and asked the reply guard, which is why a
 *   datagram the guard refuses never reaches the demo.
 * ctx is serve_run_set()'s. */
typedef int (*serve_accept_fn)(int listener, union serve_addr *peer, socklen_t *plen,
                               void *ctx);
typedef ssize_t (*serve_recvfrom_fn)(int fd, char *buf, size_t cap, union serve_addr *peer,
                                     socklen_t *plen, const union serve_addr *local,
                                     void *ctx);

struct serve_socket {
    const char *name; /* the demo's word for it (not copied: keep it alive) */
    int fd;
    int socktype;     /* SOCK_STREAM (listening) or SOCK_DGRAM */
    long long paused_until; /* accept() rests (out of descriptors, an error) */
    serve_accept_fn accept;     /* NULL: the loop's own accept() */
    serve_recvfrom_fn recvfrom; /* NULL: the loop's own recvmsg() */
};

struct serve_set {
    struct serve_socket sock[SERVE_MAX_SOCKETS];
    size_t n;
    struct serve_watch *watch; /* NULL, or one more descriptor and timer */
};

void serve_set_init(struct serve_set *s);

/* Add a bound socket (TCP: already listening). fd < 0 is ignored (returns
 * 0). Returns 0, or -1 (said on stderr) when the set is full. */
int serve_set_add(struct serve_set *s, const char *name, int fd, int socktype);

/* The same, for a TCP listener whose accept() the demo makes (fn), or a
 * UDP socket whose recvfrom() it makes (fn). */
int serve_set_add_accepting(struct serve_set *s, const char *name, int fd,
                            serve_accept_fn fn);
int serve_set_add_receiving(struct serve_set *s, const char *name, int fd,
                            serve_recvfrom_fn fn);

/* Serve every socket of the set until stopped or `count` exchanges (0 =
 * no limit). Returns EXIT_OK, or EXIT_FAILED if the loop itself failed. */
int serve_run_set(struct serve_set *s, long count, serve_reply_fn reply, void *ctx);

/* For a UDP loop of a demo's own (the rendezvous directory): ask the
 * kernel to say, with each datagram, which of our addresses it was sent
 * to (a socket bound to the wildcard has many: IP_PKTINFO, IPV6_PKTINFO);
 * then serve_receive() is recvfrom() (flags: 0, or MSG_PEEK to leave the
 * datagram queued) that learns it too: local gets the
 * datagram's destination (its port ours), *group 1 when the kernel says it
 * was sent to a broadcast or multicast address, 0 when not, -1 when it did
 * not say (replyguard.h takes all three). Returns what recvmsg() did. */
void serve_want_destination(int fd);
ssize_t serve_receive(int fd, char *buf, size_t cap, int flags, union serve_addr *peer,
                      union serve_addr *local, int *group);

/* A datagram a demo sends on its own, later (nat-server -l's late answer),
 * to peer from local (our address and port): asks the running loop's
 * reply guard, as every answer does. 1 yes, 0 no (counted and said). */
int serve_may_answer(const struct sockaddr *peer, const struct sockaddr *local);

/* The listener sequence, for demos whose lesson it is NOT: socket(),
 * SO_REUSEADDR (TCP), [flags], dual-stack for [::], bind(), listen() (TCP),
 * getsockname(), and the narration "tcp bound to ADDR:PORT". Returns the
 * descriptor, or -1 after reporting the failed call. */
#define SERVE_REUSEPORT 1u /* also SO_REUSEPORT (Linux, BSD): share the port */
int serve_listen(const struct sockaddr *addr, socklen_t len, int socktype, unsigned flags);

#endif
