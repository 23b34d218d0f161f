/* rendezvous-directory - the one fixed port: a directory of services that
 * have none.
 *
 * WHAT IT SHOWS
 *   Sun RPC services such as NFS and NIS do not have a fixed port. Each
 *   binds whatever port the kernel gives it and registers it with a
 *   directory - rpcbind, the "portmapper" - which waits on a well-known
 *   port (111). Clients ask the directory first, then connect to the port
 *   it names. This program is that directory, on port 8111 by default: the
 *   real one's 111 needs privilege, and a teacher should not need root.
 *   A registration lasts at most as long as the registering server's TCP
 *   connection (UNREGISTER ends it sooner): when the server goes - even
 *   killed with SIGKILL - its kernel closes the connection, and the
 *   directory drops its names.
 *
 * HOW TO RUN IT (three terminals)
 *   1: bin/rendezvous-directory
 *   2: bin/rendezvous-server clock          (and more: bin/rendezvous-server echo)
 *   3: bin/rendezvous-client clock          bin/rendezvous-client -l   (like rpcinfo -p)
 *   or: make demo DEMO=rendezvous; or talk to it: nc 127.0.0.1 8111, type LIST
 *
 * THE PROTOCOL: rendezvous.h (one line per request, parsed strictly).
 *   Over TCP: everything. Over UDP: LOOKUP only, in one small datagram (a
 *   registration needs a connection to last; a long LIST must not be sent
 *   to a source that may be forged).
 *
 * STRANGERS: registrations from this host only (--remote: any host), names
 *   and idle connections bounded (rendezvous.h, rvconns.h), UDP answers
 *   under the reply guard. docs/hardening.md has the table.
 *
 * OWN LOOP (not serve.c's): its connections stay open as long as their
 *   registrations last (its plumbing: rvconns.c).
 *
 * LESSON: docs/rendezvous.md    MAN PAGES: rpcbind(8), rpcinfo(8), poll(2)
 */
#include "portlab.h"
#include "keepalive.h"  /* this demo's own: finding a peer whose host vanished */
#include "rendezvous.h" /* its line protocol */
#include "rvconns.h"    /* the directory's connections */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct rv_table table; /* the registrations: rendezvous.c */
static struct rv_conns conns; /* the connections: rvconns.c */
static long requests;

static void accept_one(int listener);
static const char *serve_conn(struct rv_conn *c);
static void serve_udp(int fd);

int main(int argc, char **argv)
{
    struct opts o;
    const char *why = NULL, *gone;
    int tcp, udp, ready;
    size_t c;

    narrate_init(argv[0]);
    signals_install();
    rv_conns_options(&conns, &table, &o, argc, argv); /* -p 8111, --remote */
    narrate("the directory's port is the one fixed port: services register here, "
            "clients ask here first");

    /* 1. The one fixed port (8111; the real portmapper's is 111), TCP and
     *    UDP: the one number every server and client knows in advance. */
    if (serve_open(&o, &tcp, &udp) != 0)
        return EXIT_FAILED;
    rv_conns_open(&conns, tcp, udp); /* non-blocking: no client stalls another */

    /* 2. One poll() over the stop pipe, both sockets and every connection. */
    while ((o.count == 0 || requests < o.count) &&
           (ready = rv_conns_poll(&conns, &why)) >= 0) {
        /* Connections first, by index from the end: a drop moves the last. */
        for (c = conns.n; c-- > 0;) {
            if (conns.c[c].ready && (gone = serve_conn(&conns.c[c])) != NULL) {
                /* THE LESSON: a registration lasts at most as long as the connection
                 * that made it (UNREGISTER ends it sooner): however it ended - QUIT, a
                 * crash, kill -9 (the server's kernel closes it), keepalive - its
                 * names go now (rv_conns_close()). */
                rv_conns_close(&conns, c, gone);
            }
        }
        if (ready & RV_READY_TCP)
            accept_one(tcp);
        if (ready & RV_READY_UDP)
            serve_udp(udp);
    }

    /* 3. Stop: every connection closes, and its names go with it. */
    reply_guard_flush(&conns.guard);
    narrate_stopping(why, requests, "request");
    rv_conns_free(&conns, "the directory is stopping"); /* and our sockets */
    return EXIT_OK;
}

/* A new connection: a server come to register, or a client to ask. */
static void accept_one(int listener)
{
    struct sockaddr_storage peer;
    socklen_t len = sizeof peer;
    int fd;

    rv_conns_make_room(&conns, conns.now); /* too many idle ones: close the quietest */
    /* THE LESSON: each server's registration arrives on a connection of
     * its own, accepted here on the fixed port - and lives as long as it. */
    fd = accept(listener, (struct sockaddr *)&peer, &len);
    if (fd < 0)
        rv_conns_rest(&conns, errno); /* out of descriptors: rest a moment */
    else
        rv_conns_add(&conns, fd, (struct sockaddr *)&peer); /* and greet it */
}

/* Answer one request line, len bytes without its newline, into reply; c
 * is the connection, or NULL for a UDP datagram (which may only ask).
 * Returns 1 to close after, -1 for a bad request. */
static int handle(char *line, size_t len, struct rv_conn *c, struct rv_asker *a,
                  char *reply, size_t cap)
{
    const char *error;
    int owned, quit;

    /* The same grammar over TCP and UDP: rv_take_line(). */
    if (rv_take_line(line, len, &error) != 0) {
        narrate("%s: bad request: %s", a->who, error);
        snprintf(reply, cap, "ERR %s\n", error);
        return -1;
    }
    if (c != NULL && c->refuse == NULL && strncmp(line, "REGISTER ", 9) == 0)
        a->user = rv_conn_user(c); /* whose names: asked once */
    requests++;
    /* THE LESSON: the directory's table (rendezvous.c): REGISTER keeps
     * NAME -> PORT for as long as this connection c stays open, LOOKUP
     * answers with that port. */
    quit = rv_table_answer(&table, line, a, reply, cap, &owned);
    /* A connection's first name turns keepalive on (keepalive.h): a host
     * that vanishes sends no FIN, and its names would stay for ever. */
    if (c != NULL && owned > 0 && c->owns == 0)
        keepalive_watch(c->fd, c->who);
    if (c != NULL)
        c->owns += owned;
    return quit;
}

/* Read what a connection sent; answer each complete line. Returns NULL to
 * keep it, or a reason to close it. A reply cut short means a client that
 * does not read: it goes too. */
static const char *serve_conn(struct rv_conn *c)
{
    char reply[RV_ENTRIES_MAX * (RV_LINE_MAX + 2 + RV_ADDR_MAX) + 32];
    ssize_t got = recv(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len, 0);
    struct rv_asker a;
    char *nl;
    size_t n;
    int quit = 0;

    if (got <= 0)
        return rv_conn_ended(got, errno); /* its end, or ETIMEDOUT: keepalive; or NULL */
    c->len += (size_t)got;
    rv_conn_asker(c, &a);
    while (quit <= 0 && (nl = memchr(c->buf, '\n', c->len)) != NULL) {
        n = (size_t)(nl - c->buf);
        quit = handle(c->buf, n, c, &a, reply, sizeof reply);
        if (quit >= 0)
            c->last = conns.now; /* only a valid request keeps a connection fresh */
        if (send(c->fd, reply, strlen(reply), 0) != (ssize_t)strlen(reply))
            return "it does not read its replies (one was cut short)";
        c->len -= n + 1;
        memmove(c->buf, c->buf + n + 1, c->len);
        if (quit == 1)
            return "it said QUIT";
    }
    return c->len >= sizeof c->buf - 1 ? rv_conn_too_long(c) : NULL;
}

/* UDP: LOOKUP only, in one small datagram (LIST is refused: no answer much larger than
 * its question, to a source that may be forged), and only as the reply guard allows
 * (replyguard.h): never to a port we hold or a broadcast; a few a second to an address. */
static void serve_udp(int fd)
{
    static char buf[65536];
    char reply[RV_UDP_REPLY_MAX], who[ADDR_STRLEN + 4], addr[RV_ADDR_MAX];
    struct sockaddr_storage peer;
    socklen_t len = sizeof peer;
    struct rv_asker a = {-1, who, addr, NULL, NULL}; /* UDP may not register */
    ssize_t got;

    if (!rv_conns_udp_ok(&conns, who, sizeof who, addr, sizeof addr) || /* peeked: guarded */
        (got = recvfrom(fd, buf, sizeof buf - 1, 0, (struct sockaddr *)&peer, &len)) < 0)
        return;
    if (got > 0 && buf[got - 1] == '\n')
        got--;
    handle(buf, (size_t)got, NULL, &a, reply, sizeof reply);
    if (addr_port((struct sockaddr *)&peer) == 0)
        return; /* source port 0 (RFC 768): no port to answer */
    (void)sendto(fd, reply, strlen(reply), 0, (struct sockaddr *)&peer, len); /* gone: so be it */
}
