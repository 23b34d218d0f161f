/* rendezvous-server - a service with no fixed port, found through a
 * directory, as NFS and NIS are found through rpcbind.
 *
 * WHAT IT SHOWS
 *   A server does not need a well-known port if clients have another way
 *   to learn it. This one binds port 0 - any port the kernel gives it -
 *   learns which with getsockname(), and registers "NAME tcp PORT" with the
 *   directory on its fixed port. It keeps that connection open: the
 *   registration lives exactly as long as the server does. On Ctrl-C it
 *   unregisters; killed outright, its kernel closes the connection and
 *   the directory drops the name anyway.
 *
 * HOW TO RUN IT
 *   1: bin/rendezvous-directory       2: bin/rendezvous-server clock
 *   3: bin/rendezvous-client clock    (run 2 again: another port each time)
 *   or: make demo DEMO=rendezvous
 *
 * OPTIONS beyond -p/-b/-n: NAME (default "hello"); -D PORT the directory's
 * port (8111), -d HOST its host (127.0.0.1, or ::1 with -6).
 *
 * LESSON: docs/rendezvous.md    MAN PAGES: bind(2), getsockname(2),
 *   connect(2), rpcbind(8)
 */
#include "portlab.h"
#include "rendezvous.h" /* this demo's own: its line protocol */
#include "rvlink.h"     /* and the plumbing of our link to the directory */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int dial(struct rv_link *l);
static void reply(const struct serve_event *ev, char *line, size_t cap, void *ctx);

int main(int argc, char **argv)
{
    struct opts o;
    struct addrinfo *ai;
    struct rv_link l;
    socklen_t len = sizeof l.me;
    char where[ADDR_STRLEN], goodbye[RV_LINE_MAX + 1];
    int tcp, rc;

    narrate_init(argv[0]);
    signals_install();
    rv_link_options(&l, &o, argc, argv); /* NAME, -D, -d; -p is 0; l.here: -b */

    /* 1. Our own port: port 0, so the kernel chooses. No number to agree
     *    on in advance - that is what the directory is for. */
    if (addr_resolve(o.host, o.port, o.family, SOCK_STREAM, 1, &ai) != 0)
        return EXIT_FAILED;
    tcp = socket(ai->ai_family, SOCK_STREAM, 0);
    if (tcp >= 0)
        addr_dual_stack(tcp, ai->ai_addr); /* [::]: IPv4 clients too */
    /* THE LESSON: bind() to port 0 takes any free port the kernel gives. */
    if (tcp < 0 || bind(tcp, ai->ai_addr, ai->ai_addrlen) != 0 || listen(tcp, SOMAXCONN) != 0) {
        explain_report("bind", "tcp", ai->ai_addr, errno);
        freeaddrinfo(ai);
        return EXIT_FAILED;
    }
    freeaddrinfo(ai);
    /* THE LESSON: getsockname(): which port did we get? This is what we
     * register. */
    getsockname(tcp, (struct sockaddr *)&l.me, &len);
    narrate("bound to %s: a port nobody could have known in advance",
            addr_format((struct sockaddr *)&l.me, where, sizeof where));

    /* 2. The first contact needs a fixed port: the directory's (-D, 8111;
     *    rvlink.c looks it up, dial() below connects). */
    /* THE LESSON: registering is one line: our name, and the port
     * getsockname() told us. The directory keeps it for as long as this
     * connection stays open. */
    snprintf(l.request, sizeof l.request, "REGISTER %s tcp %u%s", l.name,
             addr_port((struct sockaddr *)&l.me), l.here ? " here" : "");
    l.dial = dial;
    /* Our socket is open: keep no root and no capability (common/); the
     * directory connection, now and later, needs none. */
    if (privilege_give_up(o.user, 0) < 0 || rv_link_register(&l) != 0) {
        close(tcp);
        return EXIT_FAILED;
    }
    narrate("ready on %s (tcp), registered as %s", where, l.name);

    /* 3. Serve, until stopped - watching the directory connection. */
    rc = serve_run_watching(tcp, -1, &l.w, o.count, reply, &l);
    close(tcp);

    /* 4. Leave politely - if we are registered at the moment. (Killed, we
     *    could not: our kernel closes the connection, and that tells the
     *    directory just the same.) */
    snprintf(goodbye, sizeof goodbye, "UNREGISTER %s", l.name);
    rv_link_end(&l, goodbye);
    return rc;
}

/* The first step of registering: socket(), and a connect() that does not
 * wait - its outcome reaches the link later. Returns the socket, or -1
 * after saying why. Called again whenever we register again. */
static int dial(struct rv_link *l)
{
    const struct sockaddr *dir = l->dir->ai_addr;
    struct sockaddr_storage from;
    int d, err;

    d = socket(dir->sa_family, SOCK_STREAM, 0);
    if (d < 0) {
        explain_report("socket", "tcp", dir, errno);
        return -1;
    }
    if (l->here) {
        /* We listen on one address only (-b): the directory must name
         * that address, not its own, to the clients that ask. So we call
         * from it - and the directory records that address: it takes
         * none on our word. */
        memcpy(&from, &l->me, sizeof from);
        addr_set_port((struct sockaddr *)&from, 0);
        if (bind(d, (struct sockaddr *)&from, l->dir->ai_addrlen) != 0) {
            explain_report("bind", "tcp", (struct sockaddr *)&from, errno);
            close(d);
            return -1;
        }
    }
    sock_set_nonblocking(d);
    /* THE LESSON: the first contact - connect() to the one port everyone
     * knows in advance, the directory's. */
    err = connect(d, dir, l->dir->ai_addrlen) == 0 ? 0 : errno;
    if (err != 0 && err != EINPROGRESS) {
        rv_link_report_connect(dir, err);
        close(d);
        return -1;
    }
    return d;
}

/* A client found us: one line, saying how. */
static void reply(const struct serve_event *ev, char *line, size_t cap, void *ctx)
{
    const struct rv_link *l = ctx;
    char who[ADDR_STRLEN];

    snprintf(line, cap, "rendezvous-server %s (pid %ld): you found port %u through the "
             "directory\n", l->name, (long)getpid(), addr_port(ev->local));
    narrate("tcp %s: found us, sent it one line", addr_format(ev->peer, who, sizeof who));
}
