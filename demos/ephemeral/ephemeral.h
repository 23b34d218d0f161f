/* ephemeral.h - ephemeral-client's plumbing: its options and the server's
 * addresses. Not the lesson: the sockets are in client.c.
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

#endif
