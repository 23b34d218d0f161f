/* restart-server - "Address already in use" after a restart: TIME_WAIT.
 *
 * WHAT IT SHOWS
 *   Stop a TCP server, start it again at once, and bind() may say
 *   EADDRINUSE although nothing listens any more. What still holds the
 *   port is a connection: the side that hangs up FIRST keeps the
 *   connection's four-tuple (its address and port, the peer's) in
 *   TIME_WAIT for a while - on Linux 60 s - so that a late packet of the
 *   old connection cannot be taken for part of a new one (RFC 9293, 3.6).
 *   By default this server hangs up first, so TIME_WAIT lands on its side,
 *   on its own port. With --client-closes it waits for the client to hang
 *   up first: TIME_WAIT lands on the client's port, and the server can
 *   restart at once.
 *   SO_REUSEADDR lets a bind() past TIME_WAIT - and on Linux only when the
 *   OLD socket had set it as well as the new one: setting it only on the
 *   restart does not help (try it). Against a server that still listens it
 *   never helps.
 *
 * HOW TO RUN IT (two terminals)
 *   terminal 1:  bin/restart-server -n 1            (port 2500; exits after one client)
 *   terminal 2:  bin/restart-client
 *   terminal 1:  bin/restart-server -n 1            (at once: EADDRINUSE, and why)
 *   then:        ss -tan state time-wait            (the kernel's own list)
 *   or the guided tour:  make demo DEMO=restart
 *
 * WHAT TO LOOK FOR
 *   "hung up first"; the client's hang-up putting our side in TIME_WAIT,
 *   with the seconds left as the kernel's table shows them; then on the
 *   restart, bind()'s EADDRINUSE and the why: lines that read the table.
 *
 * PRIVILEGE
 *   None: 2500 is a registered port, above the privileged ones.
 *
 * OWN LOOP (not serve.c's): who hangs up first is the lesson; accept, send,
 *   shutdown and close stay here (the loop's plumbing: restart.c).
 *
 * LESSON: docs/restart.md    MAN PAGES: socket(7) (SO_REUSEADDR), tcp(7),
 *   bind(2), shutdown(2), close(2), ss(8); proc(5) for /proc/net/tcp
 */
#include "portlab.h"
#include "restart.h" /* this demo's own: who hangs up first; its plumbing */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int client_closes; /* --client-closes */

static int open_listener(const struct addrinfo *ai, int reuseaddr);
static void serve_one(struct drain_set *set, int fd, const struct sockaddr *peer);
static void client_hung_up(int fd, const struct sockaddr *peer, void *ctx);

int main(int argc, char **argv)
{
    struct opts o;
    struct addrinfo *ai;
    struct restart_loop loop;
    struct sockaddr_storage got, peer;
    socklen_t len = sizeof got;
    char where[ADDR_STRLEN];
    int reuseaddr = 0, listener, fd;

    narrate_init(argv[0]);
    restart_server_options(&o, argc, argv, &reuseaddr, &client_closes);

    /* 1. The listener, on the port asked for: this is where a restart
     *    meets the connections the last run left behind. */
    if (addr_resolve(o.host, o.port, o.family, SOCK_STREAM, 1, &ai) != 0)
        return EXIT_FAILED;
    port_narrate_request(o.port);
    listener = open_listener(ai, reuseaddr);
    freeaddrinfo(ai);
    if (listener < 0)
        return EXIT_FAILED;
    getsockname(listener, (struct sockaddr *)&got, &len);
    if (o.port == 0)
        kernel_narrate_chosen(addr_port((struct sockaddr *)&got));
    /* Our socket is open: keep no root and no capability (common/). */
    if (privilege_give_up(o.user, 0) < 0 ||
        restart_loop_init(&loop, listener, o.count, client_hung_up) != 0) {
        close(listener);
        return EXIT_FAILED;
    }
    narrate("TCP only: UDP has no connections, so nothing of it waits in TIME_WAIT");
    narrate("ready on %s (tcp)", addr_format((struct sockaddr *)&got, where, sizeof where));

    /* 2. Serve: each client gets one line, then the hang-up as agreed;
     *    with -n, the last ones are seen to the end (their hang-up is the
     *    moment TIME_WAIT begins). */
    while (restart_loop_wait(&loop)) {
        len = sizeof peer;
        fd = accept(listener, (struct sockaddr *)&peer, &len);
        if (fd < 0) {
            restart_loop_accept_failed(&loop, errno);
            continue;
        }
        loop.served++;
        serve_one(&loop.set, fd, (struct sockaddr *)&peer);
    }

    /* 3. Stop: the closing line, and our listener goes. */
    close(listener);
    return restart_loop_end(&loop);
}

/* The listener: socket(), SO_REUSEADDR or not, bind(), listen(). */
static int open_listener(const struct addrinfo *ai, int reuseaddr)
{
    struct sockaddr_storage got;
    socklen_t len = sizeof got;
    char where[ADDR_STRLEN];
    int fd, one = 1;

    fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd < 0) {
        explain_report("socket", "tcp", ai->ai_addr, errno);
        return -1;
    }
    if (reuseaddr) {
        /* THE LESSON: "let me bind although connections of this port
         * linger": on Linux it counts only if the socket they came from
         * said so too. */
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
            explain_report("setsockopt SO_REUSEADDR", "tcp", ai->ai_addr, errno);
        else
            narrate("SO_REUSEADDR set on our socket (--reuseaddr)");
    } else {
        narrate("no SO_REUSEADDR on our socket (the default; --reuseaddr sets it)");
    }
    addr_dual_stack(fd, ai->ai_addr);
    /* THE LESSON: bind() refuses a port that a listener or a lingering
     * connection still holds; the why: lines read the kernel's table. */
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        restart_explain_bind(ai, errno, reuseaddr);
        close(fd);
        return -1;
    }
    if (listen(fd, SOMAXCONN) != 0) {
        explain_report("listen", "tcp", ai->ai_addr, errno);
        close(fd);
        return -1;
    }
    getsockname(fd, (struct sockaddr *)&got, &len);
    narrate("tcp bound to %s", addr_format((struct sockaddr *)&got, where, sizeof where));
    return fd;
}

/* One client: the line, then the lesson - who hangs up first. */
static void serve_one(struct drain_set *set, int fd, const struct sockaddr *peer)
{
    char line[256], who[ADDR_STRLEN];

    addr_format(peer, who, sizeof who);
    sock_set_nonblocking(fd); /* never block on one client */
    /* The line's last words tell the client who hangs up first (restart.h). */
    snprintf(line, sizeof line, "restart-server pid %ld: hello %s; %s\n", (long)getpid(), who,
             client_closes ? RESTART_CLIENT_FIRST : RESTART_SERVER_FIRST);
    if (send(fd, line, strlen(line), 0) < 0)
        narrate("tcp %s: the line could not be sent (%s): that client is gone", who,
                narrate_errno_name(errno));
    if (!client_closes) {
        /* THE LESSON: shutdown() sends our FIN now, before the client's.
         * The side whose FIN goes first is the side that ends in TIME_WAIT. */
        shutdown(fd, SHUT_WR);
        narrate("tcp %s: sent it one line and hung up first (our FIN went first)", who);
    } else {
        /* No shutdown(): we wait for the client's FIN, then close ours. */
        narrate("tcp %s: sent it one line; waiting for it to hang up first", who);
    }
    /* common/drain.c reads what the client still sends, until its FIN
     * (then client_hung_up() below), or closes it after an idle while. */
    drain_add(set, fd, peer);
}

/* The client hung up (its FIN reached us: end-of-file). */
static void client_hung_up(int fd, const struct sockaddr *peer, void *ctx)
{
    struct sockaddr_storage me;
    socklen_t len = sizeof me;

    (void)ctx;
    getsockname(fd, (struct sockaddr *)&me, &len); /* our end, to look up in the table */
    /* THE LESSON: close() ends our side. With --client-closes the
     * client's FIN came first, so this close() sends the second FIN: the
     * TIME_WAIT is the client's. By default our FIN went first (serve_one()'s
     * shutdown()), and our side is in TIME_WAIT already: close() only
     * lets go of the descriptor; the kernel keeps the four-tuple. */
    close(fd);
    restart_narrate_hangup((struct sockaddr *)&me, peer, client_closes);
}
