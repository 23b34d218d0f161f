/* ephemeral.h - ephemeral-client's plumbing: its options, the server's
 * addresses, and how a port it was given compares with the kernel's range
 * and IANA's. Not the lesson: the sockets are in client.c.
 */
#ifndef EPHEMERAL_H
#define EPHEMERAL_H

#include "portlab.h"

struct ephemeral_args {
    struct opts o;           /* HOST, -p PORT, -4/-6, -t MS (common/opts.h) */
    long tcp_count;          /* -n: TCP connections, held open at once */
    long udp_count;          /* -u: UDP sockets */
    unsigned source;         /* -s: connection 1's source port (0: the kernel's pick) */
    struct addrinfo *tcp_ai; /* the server, for TCP */
    struct addrinfo *udp_ai; /* the server, for UDP */
    int *fds, held;          /* the sockets held open, and how many */
};

/* Parse the options (exits 2 on bad usage) and resolve the server for
 * both protocols. Returns 0, or -1 (said on stderr). */
int ephemeral_args(struct ephemeral_args *a, int argc, char **argv);

/* Keep fd open (so its port stays taken) until ephemeral_close_held().
 * Returns 0, or -1 if fd is -1 (the socket failed: said already). */
int ephemeral_hold(struct ephemeral_args *a, int fd);

/* Close every socket held. */
void ephemeral_close_held(struct ephemeral_args *a);

/* Free what ephemeral_args() resolved and allocated. */
void ephemeral_args_free(struct ephemeral_args *a);

#define EPHEMERAL_IANA_LOW 49152 /* IANA's dynamic/private range, 49152-65535 (RFC 6335) */

/* Where port lies: "in the kernel's range 32768-60999; not in IANA's
 * 49152-65535", range being kernel_local_port_range()'s answer. Returns a
 * static buffer. */
const char *ephemeral_port_ranges(const struct kernel_fact *range, unsigned port);

/* Narrate the range (kernel_local_port_range()'s answer) next to IANA's:
 * "this kernel picks source ports from 32768-60999 (...); IANA's dynamic
 * range is 49152-65535". */
void ephemeral_narrate_range(const struct kernel_fact *range);

/* After connect() failed with EADDRNOTAVAIL (proto "tcp") or an automatic
 * UDP bind with EAGAIN ("udp"): the why: lines on stderr - the range's
 * size, and the rule of the protocol that ran out of ports. */
void ephemeral_why_exhausted(const struct kernel_fact *range, const char *proto);

/* Narrate, as "TAG: the server saw us as ADDR:PORT: ...", whether the
 * server's view of us - the "ADDR:PORT" after "saw you as " in its reply,
 * text from the network - matches our own end (mine "ADDR:PORT", port
 * port_mine). It does unless something between us rewrote the packets: a
 * NAT rewrites the address, and often keeps the port unless it collides
 * (Linux's masquerade does). Our
 * end's address 0.0.0.0 or :: (an unconnected UDP socket: the route picks
 * one per datagram) leaves only the ports to compare. */
void ephemeral_narrate_seen(const char *tag, const char *reply, const char *mine,
                            unsigned port_mine);

#endif
