/* explain.h - a failed system call, and the lesson in it.
 *
 *   program: bind(tcp 127.0.0.1:23): EACCES (Permission denied)
 *   program: why: port 23 is below 1024, the kernel's ...
 *
 * A why: line names a cause only after checking its premise: the port
 * against the kernel's threshold, the capability in CapEff (and in which
 * user namespace), the protocol, the call. Where a cause cannot be
 * checked from here it says what is usual and what else looks the same.
 * The layer above narrate.h, addr.h, kernel.h and privilege.h.
 */
#ifndef PORTLAB_EXPLAIN_H
#define PORTLAB_EXPLAIN_H

#include <sys/socket.h>

/* A failed system call on a socket address (sa may be NULL), on stderr:
 *   program: bind(tcp 127.0.0.1:2000): EADDRINUSE (Address already in use)
 *   program: why: <the lesson, when there is one>                      */
void explain_report(const char *call, const char *proto,
                const struct sockaddr *sa, int err);

/* The same, but on stdout as part of the story: for a failure the demo
 * provokes on purpose (the lesson is that it fails). */
void explain_narrate(const char *call, const char *proto,
                 const struct sockaddr *sa, int err);

/* Whether this program is a server (opts_init() says; a client until
 * then): the advice after a refused bind() of a taken port is then "-p 0,
 * and let the kernel choose", else "use another port". */
void explain_for_server(int yes);

#endif
