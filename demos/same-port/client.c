/* same-port-client - ask TCP port P and UDP port P, and see who answers.
 *
 * WHAT IT SHOWS
 *   One port number, two protocols, two different sockets answering. The
 *   client connects over TCP to port P and sends a datagram over UDP to
 *   port P; each reply says which protocol carried it, which process sent
 *   it, and the client's own address and source port as the server saw it.
 *
 * HOW TO RUN IT
 *   terminal 1:  bin/same-port-server
 *   terminal 2:  bin/same-port-client 127.0.0.1        (or -p PORT, -6 ::1)
 *   or:          make demo DEMO=same-port
 *   With no server running, see the two ways "nobody is there" looks:
 *   TCP is refused at once (the kernel answers with a reset); UDP has no
 *   connection to refuse, so we learn of it only from an ICMP "port
 *   unreachable" (on loopback), or not at all - a silence we time out.
 *
 * PRIVILEGE
 *   None: a client needs no privilege to reach any port.
 *
 * LESSON: docs/same-port.md    MAN PAGES: connect(2), send(2), recv(2),
 *   getsockname(2), getaddrinfo(3), tcp(7), udp(7)
 */
#include "portlab.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_PORT "2000"

/* Wait (bounded) for the server's line and print it with the protocol. */
static int print_reply(int fd, const char *proto, const struct sockaddr *to, long ms)
{
    char line[512], shown[2048];

    if (wait_read_line(fd, proto, to, ms, line, sizeof line) != 0)
        return -1;
    /* Text from the network: control bytes shown as \xNN, never sent raw
     * to the terminal (a peer could clear the screen). */
    narrate("%s reply: %s", proto, narrate_safe(line, shown, sizeof shown));
    return 0;
}

/* Say which local address and port the kernel gave this socket. */
static void narrate_local(int fd, const char *proto)
{
    struct sockaddr_storage me;
    socklen_t len = sizeof me;
    char where[ADDR_STRLEN];

    if (getsockname(fd, (struct sockaddr *)&me, &len) == 0)
        narrate("%s: our end is %s (the kernel picked that source port)", proto,
                addr_format((struct sockaddr *)&me, where, sizeof where));
}

#define NO_ADDRESS (-2) /* the host name did not resolve (reported) */

/* TCP: connect, read the server's line. Tries each address of the host.
 * Returns 0, -1, or NO_ADDRESS. */
static int ask_tcp(const struct opts *o)
{
    struct addrinfo *res, *ai;
    char where[ADDR_STRLEN];
    int fd, err;

    if (addr_resolve(o->host, o->port, o->family, SOCK_STREAM, 0, &res) != 0)
        return NO_ADDRESS;
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        narrate("tcp: connecting to %s", addr_format(ai->ai_addr, where, sizeof where));
        /* THE LESSON: a TCP socket of the address's family (IPv4 or IPv6).
         * We never bind() it: connect() will give it a source port. */
        fd = socket(ai->ai_family, SOCK_STREAM, 0);
        if (fd < 0) {
            explain_report("socket", "tcp", ai->ai_addr, errno);
            continue;
        }
        /* Non-blocking, so a host that never answers costs -t ms, not the
         * minutes a blocking connect() may wait. */
        sock_set_nonblocking(fd);
        /* THE LESSON: connect() to port P over TCP. No listener: the
         * server's kernel answers with a reset and we get ECONNREFUSED at
         * once. A firewall's reject (an ICMP port unreachable) gives the
         * same errno, server or not. */
        err = connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
        if (wait_connect_report(fd, err, "tcp", ai->ai_addr, o->timeout_ms) != 0) {
            close(fd);
            continue;
        }
        narrate_local(fd, "tcp");
        err = print_reply(fd, "tcp", ai->ai_addr, o->timeout_ms);
        close(fd);
        freeaddrinfo(res);
        return err;
    }
    freeaddrinfo(res);
    return -1;
}

/* UDP: send one datagram, wait (bounded) for the reply. */
static int ask_udp(const struct opts *o)
{
    struct addrinfo *res, *ai;
    char where[ADDR_STRLEN];
    static const char hello[] = "hello over udp\n";
    int fd;

    if (addr_resolve(o->host, o->port, o->family, SOCK_DGRAM, 0, &res) != 0)
        return -1;
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        /* THE LESSON: a UDP socket: the same port number as the TCP one,
         * the other protocol - so another port, held by whoever bound it. */
        fd = socket(ai->ai_family, SOCK_DGRAM, 0);
        if (fd < 0) {
            explain_report("socket", "udp", ai->ai_addr, errno);
            continue;
        }
        /* THE LESSON: connect() on UDP sends nothing: it only fixes the
         * destination, so that we receive only the server's replies and so
         * that the kernel reports an ICMP "port unreachable" back to us. */
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            explain_report("connect", "udp", ai->ai_addr, errno);
            close(fd);
            continue;
        }
        narrate("udp: sending a datagram to %s",
                addr_format(ai->ai_addr, where, sizeof where));
        if (send(fd, hello, sizeof hello - 1, 0) < 0) {
            explain_report("send", "udp", ai->ai_addr, errno);
            close(fd);
            continue;
        }
        narrate_local(fd, "udp");
        if (print_reply(fd, "udp", ai->ai_addr, o->timeout_ms) == 0) {
            close(fd);
            freeaddrinfo(res);
            return 0;
        }
        close(fd);
    }
    freeaddrinfo(res);
    return -1;
}

int main(int argc, char **argv)
{
    struct opts o;
    int i, tcp, tcp_ok, udp_ok;

    narrate_init(argv[0]);
    opts_init(&o, OPTS_CLIENT, DEFAULT_PORT, "", NULL);
    for (i = 1; i < argc; i++)
        if (!opts_take(&o, argc, argv, &i))
            opts_usage_error(&o, "unknown argument '%s'", argv[i]);
    opts_finish(&o, NULL);

    tcp = ask_tcp(&o);
    if (tcp == NO_ADDRESS) /* a name is looked up alike for UDP: said once is enough */
        return EXIT_FAILED;
    tcp_ok = tcp == 0;
    udp_ok = ask_udp(&o) == 0;
    if (tcp_ok && udp_ok)
        narrate("both answered on port %u: one number, two protocols, two sockets",
                o.port);
    else
        narrate("answers on port %u: tcp %s, udp %s", o.port, tcp_ok ? "yes" : "no",
                udp_ok ? "yes" : "no");
    return tcp_ok && udp_ok ? EXIT_OK : EXIT_FAILED;
}
