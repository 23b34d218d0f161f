/* sameport.h - same-port-server's plumbing: its options, its address, its
 * readiness line, its replies. Not the lesson: the binds are in server.c.
 */
#ifndef SAMEPORT_H
#define SAMEPORT_H

#include "portlab.h"

struct sameport {
    struct opts o;
    int tcp, udp;  /* which to hold: both, unless --tcp-only or --udp-only */
    int reuseport; /* --reuseport: SO_REUSEPORT on every socket we bind */
};

/* -p, -b, -4/-6, -n, -u (common/opts.h) and the demo's own options;
 * exits 2 on bad usage. */
void sameport_options(struct sameport *sp, int argc, char **argv);

/* The address to bind (no -b: all IPv4 interfaces, or IPv6 ones with -6),
 * and the narration of the port asked for. Returns 0, or -1 (reported). */
int sameport_address(struct sameport *sp, struct addrinfo **ai);

/* Our sockets are open: give up root and every capability, then print the
 * readiness line "ready on ADDR:PORT (tcp+udp)". Returns 0, or -1. */
int sameport_ready(const struct sameport *sp, const struct addrinfo *ai);

/* The reply (serve.h): one line naming the protocol that carried it, the
 * process that answered and the client's address and source port as we
 * saw them; and the narration of it. */
void sameport_reply(const struct serve_event *ev, char *line, size_t cap, void *ctx);

/* Close what is open (fd < 0 is skipped) and free ai (may be NULL);
 * returns rc, so that main() can say `return sameport_end(...)`. */
int sameport_end(int rc, struct addrinfo *ai, int tcp, int udp);

#endif
