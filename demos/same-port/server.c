/* same-port-server - TCP port P and UDP port P are two different ports.
 *
 * WHAT IT SHOWS
 *   The kernel keeps two separate sets of port numbers: one for TCP, one
 *   for UDP. This server binds a TCP socket AND a UDP socket to the same
 *   address and port number, and both binds succeed. Then, to prove the
 *   sets are separate (not "anything goes"), it asks for that TCP port a
 *   second time - and the kernel refuses, as expected: EADDRINUSE. Sockets
 *   share a port only when they all ask to (--reuseport shows one way);
 *   the exact rule: the lesson's "The fine print".
 *
 * HOW TO RUN IT (two terminals)
 *   terminal 1:  bin/same-port-server              (port 2000, as in the primer)
 *   terminal 2:  bin/same-port-client 127.0.0.1
 *   or with real tools:  nc 127.0.0.1 2000   and   nc -u 127.0.0.1 2000
 *   or the guided tour:  make demo DEMO=same-port
 *   The primer's picture of two processes, one per protocol:
 *     bin/same-port-server --tcp-only   and   bin/same-port-server --udp-only
 *
 * WHAT TO LOOK FOR
 *   "tcp bound" and "udp bound" on the same port; "as expected, bind(tcp)
 *   was refused"; each client's address and source port as we see it.
 *   `ss -tuln` lists both sockets: one tcp LISTEN, one udp UNCONN.
 *
 * PRIVILEGE
 *   None needed: 2000 is in IANA's registered range (1024-49151). Debian's
 *   /etc/services lists 2000/tcp (cisco-sccp) and no 2000/udp line.
 *
 * LESSON: docs/same-port.md    MAN PAGES: socket(2), bind(2), listen(2),
 *   accept(2), recvfrom(2), getsockname(2), ip(7), tcp(7), udp(7)
 */
/* SO_REUSEPORT is not in POSIX: glibc shows it only with _DEFAULT_SOURCE
 * (Linux 3.9+; the BSDs have it too, with a different meaning for TCP). */
#define _DEFAULT_SOURCE
#include "portlab.h"
#include "sameport.h" /* options, address, replies: plumbing */

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sameport sp; /* the options: sp.tcp, sp.udp, sp.reuseport */

static void ask_to_share(int fd);
static int bind_one(const struct addrinfo *ai, int socktype);
static void bind_again(const struct addrinfo *ai, int socktype);

int main(int argc, char **argv)
{
    struct addrinfo *ai;
    struct sockaddr_storage got;
    socklen_t gotlen = sizeof got;
    int tcp = -1, udp = -1, first;

    /* 1. Options (-p PORT, -b ADDRESS, --tcp-only...) and the address. */
    narrate_init(argv[0]);
    signals_install(); /* Ctrl-C or SIGTERM, even during start-up: a clean exit */
    sameport_options(&sp, argc, argv);
    if (sameport_address(&sp, &ai) != 0)
        return EXIT_FAILED;

    /* 2. The first socket: TCP (or UDP alone, with --udp-only). */
    first = bind_one(ai, sp.tcp ? SOCK_STREAM : SOCK_DGRAM);
    if (first < 0)
        return sameport_end(EXIT_FAILED, ai, -1, -1);
    if (sp.o.port == 0) {
        /* THE LESSON: getsockname() tells which port the kernel chose. From
         * now on we ask for that number, so the UDP socket gets the same. */
        getsockname(first, (struct sockaddr *)&got, &gotlen);
        sp.o.port = addr_port((struct sockaddr *)&got);
        addr_set_port(ai->ai_addr, sp.o.port);
        kernel_narrate_chosen(sp.o.port);
    }
    *(sp.tcp ? &tcp : &udp) = first;

    /* 3. The second socket: UDP, on the same port number as the TCP one. */
    if (sp.tcp && sp.udp) {
        udp = bind_one(ai, SOCK_DGRAM);
        if (udp < 0)
            return sameport_end(EXIT_FAILED, ai, tcp, -1);
        narrate("both hold port %u at once: TCP and UDP keep separate sets of ports",
                sp.o.port);
    }

    /* 4. The same port in the SAME protocol again: the kernel refuses. */
    bind_again(ai, sp.tcp ? SOCK_STREAM : SOCK_DGRAM);

    /* 5. Our sockets are open: keep no root and no capability; say ready. */
    if (sameport_ready(&sp, ai) != 0)
        return sameport_end(EXIT_FAILED, ai, tcp, udp);
    freeaddrinfo(ai);

    /* 6. Serve both at once (common/serve.c): one poll() loop, so no single
     *    client can hold up the others. */
    return sameport_end(serve_run(tcp, udp, sp.o.count, sameport_reply, NULL), NULL, tcp, udp);
}

/* Bind a socket of one type to the address. On failure, say so with the
 * full story and return -1. Called for TCP first, then UDP. */
static int bind_one(const struct addrinfo *ai, int socktype)
{
    const char *proto = addr_proto(socktype);
    char where[ADDR_STRLEN];
    struct sockaddr_storage got;
    socklen_t len = sizeof got;
    int fd, one = 1;

    /* THE LESSON: socket() makes an endpoint of one protocol (SOCK_STREAM
     * = TCP, SOCK_DGRAM = UDP). It has no port yet: that is bind()'s job. */
    fd = socket(ai->ai_family, socktype, 0);
    if (fd < 0) {
        explain_report("socket", proto, ai->ai_addr, errno);
        return -1;
    }
    /* Let a restarted server bind at once, even while old connections
     * linger in TIME_WAIT (see socket(7)). It does NOT let two listeners
     * share a port: the second bind below still fails. */
    if (socktype == SOCK_STREAM)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    ask_to_share(fd);
    /* With -6 and no -b ([::]): one socket for IPv6 and IPv4 clients alike. */
    addr_dual_stack(fd, ai->ai_addr);

    /* THE LESSON: bind() claims this port number in one protocol's set. */
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        explain_report("bind", proto, ai->ai_addr, errno);
        close(fd);
        return -1;
    }
    /* THE LESSON: listen() turns a TCP socket into one that accepts
     * connections. UDP has no connections: a bound UDP socket just
     * receives datagrams. */
    if (socktype == SOCK_STREAM && listen(fd, SOMAXCONN) != 0) {
        explain_report("listen", proto, ai->ai_addr, errno);
        close(fd);
        return -1;
    }
    /* getsockname() reports what we really got: with port 0, the port
     * the kernel chose for us. */
    getsockname(fd, (struct sockaddr *)&got, &len);
    narrate("%s bound to %s", proto, addr_format((struct sockaddr *)&got, where, sizeof where));
    return fd;
}

/* Ask for a port we already hold, in the same protocol: the kernel must
 * refuse - unless every socket involved asked to share (--reuseport).
 * That refusal is the lesson, so it is told as the expected result, on
 * stdout; only a different failure is an error. */
static void bind_again(const struct addrinfo *ai, int socktype)
{
    const char *proto = addr_proto(socktype);
    int fd = socket(ai->ai_family, socktype, 0), err;

    if (fd < 0)
        return;
    ask_to_share(fd);
    narrate("now a second %s socket asks for the same port%s:", proto,
            sp.reuseport ? ", both asking to share" : "");
    /* THE LESSON: one protocol's port, one socket: this bind() is refused
     * with EADDRINUSE, because our first socket holds the port. */
    err = bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
    if (err == EADDRINUSE) {
        narrate("as expected, bind(%s) was refused: EADDRINUSE (%s)", proto, narrate_errno_text(err));
        narrate("our first %s socket holds that port%s", proto,
                sp.reuseport ? "" : ", and this one did not ask to share");
    } else if (err != 0) {
        explain_report("bind", proto, ai->ai_addr, err); /* not the lesson: a real error */
    } else if (sp.reuseport) {
        narrate("the second %s bind succeeded: sockets that all set SO_REUSEPORT", proto);
        narrate("share the port (the kernel spreads new clients among them)");
    } else {
        narrate("surprise: the second %s bind succeeded (the port is shared here)", proto);
    }
    close(fd);
}

/* SO_REUSEPORT: "I agree to share this port with other sockets that agree
 * too" - the exception to one socket per port and protocol. */
static void ask_to_share(int fd)
{
#ifdef SO_REUSEPORT
    int one = 1;

    if (sp.reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
        explain_report("setsockopt SO_REUSEPORT", "tcp", NULL, errno);
#else
    (void)fd;
#endif
}
