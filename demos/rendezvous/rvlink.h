/* rvlink.h - the rendezvous server's link to the directory: the plumbing
 * of its conversation.
 *
 * Registering is a short conversation - connect, read the greeting, send
 * REGISTER, read "OK" - and each step waits on the network. The serve loop
 * must never wait with it (its clients would wait too), so the link
 * remembers which step it is at, and the loop calls rv_link_event() when
 * the socket has something or time is up. If the directory goes, the link
 * registers again, a few times, further apart each time.
 * What the lesson is about stays in demos/rendezvous/server.c: the port it
 * bound and learned with getsockname(), the connect() to the directory's
 * fixed port (its dial function) and the REGISTER line naming that port.
 */
#ifndef PORTLAB_RVLINK_H
#define PORTLAB_RVLINK_H

#include "opts.h"
#include "rendezvous.h"
#include "serve.h"

#include <netdb.h>
#include <sys/socket.h>

enum rv_link_step { RV_LINK_RESTING, RV_LINK_GREETING, RV_LINK_ANSWER, RV_LINK_LINKED };

struct rv_link {
    const char *name;            /* the name we register (default "hello") */
    const char *dir_host;        /* -d: the directory's host */
    unsigned dir_port;           /* -D: its port, the one fixed port (8111) */
    struct addrinfo *dir;        /* the directory's address */
    struct sockaddr_storage me;  /* our listening address and port */
    int here;                    /* we listen on one address only: register "here" */
    char request[RV_LINE_MAX + 1]; /* "REGISTER NAME tcp PORT [here]" */
    /* socket() + a connect() that does not wait: the server's own.
     * Returns the socket, or -1 after saying why. */
    int (*dial)(struct rv_link *l);
    struct serve_watch w;        /* the connection, for the serve loop */
    int tries;                   /* attempts since the connection dropped */
    enum rv_link_step step;
    char line[RV_LINE_MAX + 2];  /* the directory's line, as it arrives */
    size_t have;
};

/* rendezvous-server's options: NAME, -D PORT, -d HOST, and the usual
 * ones (no -b: IPv4; -b: here is set). Exits 2 on bad usage. */
void rv_link_options(struct rv_link *l, struct opts *o, int argc, char **argv);

/* Look the directory up (dir_host, dir_port), then register: the first
 * registration, waited for (there are no clients yet, and
 * without a registration we would have none). Returns 0 when registered,
 * -1 after saying why not. Then l->w is ready for serve_run_watching(). */
int rv_link_register(struct rv_link *l);

/* After bind() or connect() to the directory failed with err: say so, and
 * why when it refused the port. */
void rv_link_report_connect(const struct sockaddr *dir, int err);

/* Leave politely: send request (UNREGISTER NAME) if we are registered at
 * the moment, say what the directory answered (if it does so within a
 * second); then close the connection and free the link. */
void rv_link_end(struct rv_link *l, const char *request);

#endif
