/* firewall-client - open, closed or filtered: what a knock on a port gets back.
 *
 * WHAT IT SHOWS
 *   For each port given, one knock over TCP (a connect()) and one over UDP
 *   (a datagram on a connected socket), each bounded by -t, and for each:
 *     saw:     what the program saw - connected, a reply, ECONNREFUSED,
 *              EHOSTUNREACH, EACCES, or nothing - and after how long;
 *     wire:    what really came back (SYN-ACK, RST, a UDP reply, an ICMP
 *              error's type and code, nothing), read from a packet socket
 *              when this program may open one;
 *     verdict: what a scanner concludes (open, closed, filtered,
 *              open|filtered; closed|filtered when errno alone cannot
 *              tell), with what else could have caused it (verdict() below;
 *              the sentences are common/knock.c's).
 *   connect() says ECONNREFUSED for a reset AND for an ICMP port
 *   unreachable: only the wire tells the closed port from the firewall.
 *   When a program answers, its first line is shown ("said:"). Like nc -z,
 *   the exit status is 0 when some knock was answered (open), else 1.
 *
 * HOW TO RUN IT
 *   make demo DEMO=firewall          (the scene: six ports behind nft rules,
 *                                     in a network namespace of its own)
 *   terminal 1: bin/firewall-server -p 7001 -p 7002
 *   terminal 2: bin/firewall-client -t 500 127.0.0.1 7001 7002 7003
 *
 * PRIVILEGE
 *   None to knock. The wire view needs a packet socket, which needs
 *   CAP_NET_RAW over the network namespace: root, or inside `unshare -rn`
 *   (a namespace of one's own). Without it the client says what it cannot
 *   see. Knock only on machines you are allowed to.
 *
 * LESSON: docs/firewall.md    MAN PAGES: connect(2), udp(7), tcp(7) (the
 *   retries: tcp_syn_retries), icmp(7), packet(7); nft(8)
 */
#include "portlab.h"
#include "firewall.h" /* plumbing: options, the packet socket, SYN retries */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int knock(const struct addrinfo *ai, int tcp, unsigned port, long ms);
static const char *verdict(const struct knock *k, enum knock_why *why);

int main(int argc, char **argv)
{
    struct opts o;
    struct addrinfo *ai;
    unsigned ports[FIREWALL_MAX_PORTS];
    int i, n, p, rc = 0, open = 0;

    narrate_init(argv[0]);
    n = firewall_options(&o, argc, argv, ports); /* HOST PORT... */

    /* 1. The packet socket, while we may: to see what really comes back.
     *    Then no privilege is kept (root becomes nobody): the knocks need none. */
    firewall_wire_open();
    if (firewall_keep_nothing(&o) < 0)
        return EXIT_FAILED;
    if (addr_resolve(o.host, ports[0], o.family, SOCK_STREAM, 0, &ai) != 0)
        return EXIT_FAILED;

    /* 2. One knock on each port over TCP, then one over UDP. */
    narrate("knocking on %s (tcp, then udp): %d port%s, at most %ld ms each", o.host, n,
            n == 1 ? "" : "s", o.timeout_ms);
    for (i = 0; i < n && rc >= 0; i++)
        for (p = 1; p >= 0 && rc >= 0; p--) {
            rc = knock(ai, p, ports[i], o.timeout_ms);
            open += rc == 1;
        }
    freeaddrinfo(ai);
    if (rc < 0)
        return EXIT_FAILED;

    /* 3. What waiting for the kernel alone would have cost. */
    firewall_narrate_syn_retries();
    /* Like nc -z: success when something answered. */
    if (open == 0)
        narrate("nothing open: no knock was answered by a program (exit status 1)");
    return open > 0 ? EXIT_OK : EXIT_FAILED;
}

/* One knock. Returns 1 when a program answered (open), 0 when not, -1
 * when we could not even try (reported). */
static int knock(const struct addrinfo *ai, int tcp, unsigned port, long ms)
{
    struct sockaddr_storage to;
    struct knock k;
    enum knock_why why;
    char saw[96], reply[256];
    const char *v, *proto = tcp ? "tcp" : "udp";
    long long start;
    ssize_t got = 0;
    int fd;

    memset(&k, 0, sizeof k);
    k.tcp = tcp;
    k.limit_ms = ms;
    memcpy(&to, ai->ai_addr, ai->ai_addrlen);
    addr_set_port((struct sockaddr *)&to, port);
    firewall_wire_forget();
    fd = socket(ai->ai_family, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
    if (fd < 0) {
        explain_report("socket", proto, (struct sockaddr *)&to, errno);
        return -1;
    }
    sock_set_nonblocking(fd);
    start = clock_now_ms();
    if (tcp) {
        /* THE LESSON: the TCP knock, a SYN. A listener's kernel answers
         * SYN-ACK; a host with nothing listening, a reset; a firewall may
         * answer for it (a reset, an ICMP error) or drop it. connect()
         * turns each into an errno - the kernel alone would retry a
         * silent SYN for minutes: -t cuts it short. */
        k.err = connect(fd, (struct sockaddr *)&to, ai->ai_addrlen) == 0 ? 0 : errno;
        if (k.err == EINPROGRESS)
            k.err = wait_connected(fd, ms);
    } else {
        /* THE LESSON: the UDP knock, a datagram, on a CONNECTED socket
         * that asks for every ICMP error (IP_RECVERR, ip(7); IPv6's,
         * ipv6(7)). Without the option Linux tells an unconnected UDP
         * socket of none, and a connected one of port unreachable and
         * admin-prohibited, but never of host or network unreachable. */
#ifdef IP_RECVERR /* Linux's; elsewhere the plain socket's errors only */
        if (ai->ai_family == AF_INET6)
            (void)setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &(int){1}, sizeof(int));
        else
            (void)setsockopt(fd, IPPROTO_IP, IP_RECVERR, &(int){1}, sizeof(int));
#endif
        k.err = connect(fd, (struct sockaddr *)&to, ai->ai_addrlen) == 0 ? 0 : errno;
        if (k.err == 0 && send(fd, "knock\n", 6, 0) < 0)
            k.err = errno;
        if (k.err == 0) {
            if (wait_for(fd, POLLIN, ms) == 0) {
                k.err = ETIMEDOUT;
            } else {
                got = recv(fd, reply, sizeof reply, 0);
                k.err = got < 0 ? errno : 0;
            }
        }
    }
    k.ms = (long)(clock_now_ms() - start);
    narrate("%u/%s saw: %s", port, proto, knock_saw(&k, saw, sizeof saw));
    if (tcp && k.err == 0 && wait_for(fd, POLLIN, ms - k.ms) == 1)
        got = recv(fd, reply, sizeof reply, 0); /* what it says first, if anything */
    if (k.err == 0 && got > 0)
        firewall_said(port, proto, reply, (size_t)got);
    firewall_wire_answer(&k, port, firewall_our_port(fd)); /* what came back */
    close(fd);
    v = verdict(&k, &why);
    narrate("%u/%s verdict: %s - %s", port, proto, v, knock_why_text(why));
    return strcmp(v, "open") == 0;
}

/* THE LESSON: the verdict - what a scanner concludes from what came back
 * (nmap's words). The wire decides when the packet socket saw it; else
 * errno alone must, and it is poorer: connect() says ECONNREFUSED for a
 * reset AND for an ICMP port unreachable, so TCP gets closed|filtered
 * (knock_errno_verdict(), common/knock.c: services-client's scan draws
 * the same). A rule on this machine (EPERM) stopped the knock before it
 * left: whatever the wire shows afterwards, that is errno's to say. */
static const char *verdict(const struct knock *k, enum knock_why *why)
{
    if (k->wire == KNOCK_WIRE_UNSEEN || k->err == EPERM)
        return knock_errno_verdict(k, why);
    switch (k->wire) {
    case KNOCK_WIRE_SYNACK: /* the handshake's answer: a listener */
        *why = KNOCK_WHY_SYNACK;
        return "open";
    case KNOCK_WIRE_REPLY: /* a datagram back: a program answered */
        *why = KNOCK_WHY_REPLY;
        return "open";
    case KNOCK_WIRE_RST: /* the host's "nothing here" - or a firewall's forgery */
        *why = KNOCK_WHY_RST;
        return "closed";
    case KNOCK_WIRE_ICMP:
        /* A host's TCP answers a closed port with a reset, never ICMP:
         * for TCP, any ICMP error came from a firewall (or a router). For
         * UDP a port unreachable is what the host sends when nothing is
         * bound there - but a firewall's reject sends the same by default,
         * so for UDP "closed" cannot be told from a rejected port. */
        if (k->tcp)
            *why = k->icmp_port_unreachable ? KNOCK_WHY_TCP_ICMP_PORT : KNOCK_WHY_ICMP_OTHER;
        else
            *why = k->icmp_port_unreachable ? KNOCK_WHY_UDP_ICMP_PORT : KNOCK_WHY_ICMP_OTHER;
        return !k->tcp && k->icmp_port_unreachable ? "closed" : "filtered";
    default: /* KNOCK_WIRE_NOTHING: silence */
        *why = k->tcp ? KNOCK_WHY_TCP_NOTHING : KNOCK_WHY_UDP_NOTHING;
        return k->tcp ? "filtered" : "open|filtered";
    }
}
