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
 *              tell), with what else could have caused it (common/knock.c).
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
#include "knock.h"
#include "packet.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifdef __linux__
#include <arpa/inet.h>
#include <net/ethernet.h>     /* ETH_P_ALL */
#include <net/if_arp.h>       /* ARPHRD_LOOPBACK */
#include <netpacket/packet.h> /* struct sockaddr_ll, PACKET_OUTGOING */
#endif

#define MAX_PORTS 64
static const char NO_DASH_P[] = "1"; /* -p's default: stands for "no -p given" */
#define NO_PACKET_SOCKET (-1)

static const char *const HELP =
    "  PORT...   the ports to knock on, over TCP and over UDP (at most 64);\n"
    "            each knock waits at most -t\n";

static int wire_fd = NO_PACKET_SOCKET;

/* Open the packet socket, while we may: every packet of this network
 * namespace, from its IP header on (SOCK_DGRAM), as tcpdump sees them. */
static void open_wire(void)
{
#ifdef __linux__
    struct kernel_fact raw = kernel_has_capability(CAP_NET_RAW_BIT);
    int err;

    wire_fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
    if (wire_fd >= 0) {
        wait_nonblocking(wire_fd);
        narrate("packet socket open: each knock's answer on the wire is shown (wire:)");
        return;
    }
    err = errno;
    narrate("no packet socket: socket(packet): %s (%s)", errno_name(err), errno_text(err));
    if (err == EPERM && raw.known && raw.value[0] == 0)
        narrate("why: a packet socket needs CAP_NET_RAW over this network namespace, and "
                "this process lacks it (read from %s): run as root, or inside unshare -rn "
                "(a network namespace of one's own)", raw.source);
    else if (err == EPERM && raw.known)
        narrate("why: a packet socket needs CAP_NET_RAW over this network namespace; this "
                "process holds it (read from %s), so either over another user namespace, "
                "not the one that owns this network namespace (user_namespaces(7)), or a "
                "security module or seccomp filter refused: this program cannot tell which",
                raw.source);
    narrate("so only errno tells: a reset and an ICMP port unreachable both say ECONNREFUSED, "
            "and this client cannot tell them apart");
#else
    narrate("no packet socket: they are Linux's (AF_PACKET; the BSDs and macOS watch the "
            "wire through BPF): here only errno tells");
#endif
}

#ifdef __linux__
/* Read one packet that came IN (on loopback each passes twice: keep the
 * incoming copy). Returns its length, or -1 when there is none. */
static ssize_t wire_read(unsigned char *buf, size_t cap)
{
    struct sockaddr_ll from;
    socklen_t len;
    ssize_t got;

    for (;;) {
        len = sizeof from;
        got = recvfrom(wire_fd, buf, cap, 0, (struct sockaddr *)&from, &len);
        if (got < 0)
            return -1;
        if (from.sll_pkttype == PACKET_OUTGOING)
            continue;
        if (from.sll_protocol == htons(ETH_P_IP) || from.sll_protocol == htons(ETH_P_IPV6))
            return got;
    }
}
#endif

/* Forget what the packet socket saw before this knock. */
static void wire_forget(void)
{
#ifdef __linux__
    unsigned char buf[2048];

    if (wire_fd != NO_PACKET_SOCKET)
        while (wire_read(buf, sizeof buf) >= 0)
            continue;
#endif
}

/* After the knock from port `ours` to port `theirs`: what came back? The
 * packet socket already holds it - it sees a packet before TCP or UDP
 * does. Fills k->wire and says it on a "wire:" line. */
static void wire_answer(struct knock *k, unsigned port, unsigned ours)
{
#ifdef __linux__
    unsigned char buf[2048];
    char text[160], from[64];
    struct packet_info pi;
    struct packet_icmp ic;
    ssize_t got;
    const char *proto = k->tcp ? "tcp" : "udp";

    if (wire_fd == NO_PACKET_SOCKET)
        return;
    k->wire = KNOCK_WIRE_NOTHING;
    while ((got = wire_read(buf, sizeof buf)) >= 0) {
        if (packet_icmp_error(buf, (size_t)got, &ic) == 1) {
            /* An error quoting our own packet: its source port is ours. */
            if (ic.quoted_proto != (k->tcp ? 6 : 17) || ic.sport != ours || ic.dport != port)
                continue;
            packet_decode(buf, (size_t)got, &pi); /* for the sender's address */
            inet_ntop(pi.version == 4 ? AF_INET : AF_INET6, pi.src, from, sizeof from);
            narrate("%u/%s wire: %s from %s, quoting our %s", port, proto,
                    packet_icmp_name(&ic, text, sizeof text), from,
                    k->tcp ? "SYN" : "datagram");
            k->wire = KNOCK_WIRE_ICMP;
            k->icmp_port_unreachable = packet_icmp_is_port_unreachable(&ic);
            return;
        }
        if (packet_decode(buf, (size_t)got, &pi) != 1 || !pi.has_ports ||
            pi.proto != (k->tcp ? 6 : 17) || pi.sport != port || pi.dport != ours)
            continue;
        if (!k->tcp) {
            narrate("%u/udp wire: a UDP datagram from port %u", port, port);
            k->wire = KNOCK_WIRE_REPLY;
            return;
        }
        if (pi.l4len < 14)
            continue;
        /* The TCP flags are byte 13 of its header: SYN 0x02, RST 0x04. */
        narrate("%u/tcp wire: %s from port %u", port, packet_tcp_flags(pi.l4[13], text,
                sizeof text), port);
        if (pi.l4[13] & 0x04) {
            k->wire = KNOCK_WIRE_RST;
            return;
        }
        if ((pi.l4[13] & 0x12) == 0x12) {
            k->wire = KNOCK_WIRE_SYNACK;
            return;
        }
    }
    narrate("%u/%s wire: nothing came back for our %s", port, proto,
            k->tcp ? "SYN" : "datagram");
#else
    (void)k, (void)port, (void)ours;
#endif
}

/* Our own port, for matching the answer. */
static unsigned our_port(int fd)
{
    struct sockaddr_storage me;
    socklen_t len = sizeof me;

    if (getsockname(fd, (struct sockaddr *)&me, &len) != 0)
        return 0;
    return addr_port((struct sockaddr *)&me);
}

/* What the program that answered said: its first line, shown safely
 * (text from the network: control bytes escaped, common/narrate.c). */
static void said(unsigned port, const char *proto, const char *text, size_t len)
{
    char shown[1100];

    narrate_printable(text, len, shown, sizeof shown);
    narrate("%u/%s said: %s", port, proto, shown);
}

/* One knock. Returns 1 when a program answered (open), 0 when not, -1
 * when we could not even try (reported). */
static int knock(const struct addrinfo *ai, int tcp, unsigned port, long ms)
{
    struct sockaddr_storage to;
    struct knock k;
    char saw[96], reply[256];
    const char *why, *verdict, *proto = tcp ? "tcp" : "udp";
    long long start;
    ssize_t got = 0;
    int fd;

    memset(&k, 0, sizeof k);
    k.tcp = tcp;
    k.limit_ms = ms;
    memcpy(&to, ai->ai_addr, ai->ai_addrlen);
    addr_set_port((struct sockaddr *)&to, port);
    wire_forget();
    fd = socket(ai->ai_family, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
    if (fd < 0) {
        report_sys("socket", proto, (struct sockaddr *)&to, errno);
        return -1;
    }
    wait_nonblocking(fd);
    start = wait_now_ms();
    if (tcp) {
        /* THE KNOCK: a SYN. A listener's kernel answers SYN-ACK; a host
         * with nothing listening, a reset; a firewall may answer for it
         * (a reset, an ICMP error) or drop it. connect() turns each into
         * an errno - the kernel alone would retry a silent SYN for
         * minutes: -t cuts it short. */
        k.err = connect(fd, (struct sockaddr *)&to, ai->ai_addrlen) == 0 ? 0 : errno;
        if (k.err == EINPROGRESS)
            k.err = wait_connected(fd, ms);
    } else {
        /* THE KNOCK: a datagram, on a CONNECTED UDP socket: Linux tells a
         * UDP socket of an ICMP error that comes back only when it is
         * connected (or asked for it: IP_RECVERR, ip(7)); an unconnected
         * one hears nothing at all. */
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
    k.ms = (long)(wait_now_ms() - start);
    narrate("%u/%s saw: %s", port, proto, knock_saw(&k, saw, sizeof saw));
    if (tcp && k.err == 0 && wait_for(fd, POLLIN, ms - k.ms) == 1)
        got = recv(fd, reply, sizeof reply, 0); /* what it says first, if anything */
    if (k.err == 0 && got > 0)
        said(port, proto, reply, (size_t)got);
    wire_answer(&k, port, our_port(fd));
    close(fd);
    verdict = knock_verdict(&k, &why);
    narrate("%u/%s verdict: %s - %s", port, proto, verdict, why);
    return strcmp(verdict, "open") == 0;
}

/* What the kernel alone would do with a SYN nobody answers. */
static void narrate_syn_retries(void)
{
    struct kernel_fact r = kernel_read_fact("/proc/sys/net/ipv4/tcp_syn_retries", 1);
    struct kernel_fact lin = kernel_read_fact("/proc/sys/net/ipv4/tcp_syn_linear_timeouts", 1);

    if (!r.known || r.value[0] < 0 || r.value[0] >= 20) {
        narrate("without -t, connect() would wait for the kernel's SYN retries (%s)",
                r.known ? "tcp_syn_retries, read from /proc: a long time" : r.source);
        return;
    }
    /* The deadline is what a 1, 2, 4... s schedule (RFC 6298's first
     * timeout of 1 s, doubled each time) would take; since Linux 6.7 the
     * first tcp_syn_linear_timeouts resends come a second apart, and the
     * error comes at the first resend past that deadline. */
    if (lin.known && lin.value[0] > 0)
        narrate("without -t, connect() would say ETIMEDOUT only after the kernel's SYN "
                "retries: tcp_syn_retries = %ld (read from %s), the first %ld resent a second "
                "apart (tcp_syn_linear_timeouts), then at doubling waits, until the time "
                "waits of 1, 2, 4... s would take: at least %ld s",
                r.value[0], r.source, lin.value[0], (2L << r.value[0]) - 1);
    else
        narrate("without -t, connect() would say ETIMEDOUT only after the kernel's SYN "
                "retries: tcp_syn_retries = %ld (read from %s), waits of 1, 2, 4... s: "
                "about %ld s", r.value[0], r.source, (2L << r.value[0]) - 1);
}

int main(int argc, char **argv)
{
    struct opts o;
    struct addrinfo *ai;
    const char *texts[MAX_PORTS];
    unsigned ports[MAX_PORTS];
    char why[200];
    int i, n = 0, p, rc = 0, open = 0;

    narrate_init(argv[0]);
    opts_init(&o, OPTS_CLIENT, NO_DASH_P, "HOST PORT...", HELP);
    o.default_port = "none: name the ports after HOST; -p PORT adds one";
    for (i = 1; i < argc; i++) {
        if (argv[i][0] != '-' && o.host != NULL) {
            if (n >= MAX_PORTS)
                opts_usage_error(&o, "at most %d ports at a time", MAX_PORTS);
            else
                texts[n++] = argv[i];
        } else if (!opts_take(&o, argc, argv, &i)) {
            opts_usage_error(&o, "unknown argument '%s'", argv[i]);
        }
    }
    opts_finish(&o, NULL);
    if (o.port_text != NO_DASH_P) { /* -p PORT, checked by opts_finish() */
        if (n >= MAX_PORTS)
            opts_usage_error(&o, "at most %d ports at a time", MAX_PORTS);
        else
            texts[n++] = o.port_text;
    }
    if (n == 0)
        opts_usage_error(&o, "name the ports to knock on after the host");
    for (i = 0; i < n; i++) {
        if (port_parse(texts[i], NULL, &ports[i], why, sizeof why) != 0)
            opts_usage_error(&o, "bad port '%s': %s", texts[i], why);
        if (ports[i] == 0)
            opts_usage_error(&o, "port 0 cannot be knocked on: nothing listens on it");
    }

    open_wire();
    if (addr_resolve(o.host, ports[0], o.family, SOCK_STREAM, 0, &ai) != 0)
        return EXIT_FAILED;
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
    narrate_syn_retries();
    /* Like nc -z: success when something answered. */
    if (open == 0)
        narrate("nothing open: no knock was answered by a program (exit status 1)");
    return open > 0 ? EXIT_OK : EXIT_FAILED;
}
