/* wire-server - both ports, as bytes in the packet.
 *
 * WHAT IT SHOWS
 *   Every TCP segment and UDP datagram carries two port numbers: the first
 *   four bytes of its TCP or UDP header are the source port and the
 *   destination port, two bytes each, high byte first (see
 *   packet.h for the header's layout). This server serves TCP and
 *   UDP like the others (one line back), and also watches the packets of
 *   its own port through a packet socket, which hands over each packet as
 *   it crossed the network interface: it prints the header's first bytes
 *   in hex, the two port fields [in brackets], and what they decode to.
 *   A handshake (SYN, SYN-ACK, ACK), the data, the replies with the ports
 *   swapped, and the close are all there.
 *
 * HOW TO RUN IT (root, or in your own namespaces: see PRIVILEGE)
 *   terminal 1:  sudo bin/wire-server                       (port 5000)
 *   terminal 2:  bin/wire-client -s 23 127.0.0.1           (the 3rd step needs root too)
 *   without sudo:  unshare -rn sh -c 'ip link set lo up; bin/wire-server -p 0 & ...'
 *   or the guided tour:  make demo DEMO=wire
 *
 * WHAT TO LOOK FOR
 *   "wire:" lines: [9c 4e] is 0x9c4e = 40014, a source port; the same two
 *   bytes come back as the destination of our replies. Then wire-client's
 *   forged datagram: a source port of 23, which nobody bound - two bytes
 *   its sender wrote.
 *
 * PRIVILEGE
 *   A packet socket needs CAP_NET_RAW (root has it; `unshare -rn` gives it
 *   to an ordinary user over a private loopback). Once its sockets are
 *   open the server keeps no privilege: started as root it becomes nobody
 *   (or -u USER); otherwise it gives up every capability. It keeps the
 *   packet socket, which the kernel lets hear only its own port's packets.
 *   Only packets to or from its own address and port are ever printed
 *   (any address only when it bound the wildcard).
 *
 * LESSON: docs/wire.md    MAN PAGES: packet(7), raw(7), capabilities(7),
 *   tcpdump(8); RFC 768 (UDP), RFC 9293 (TCP)
 */
#include "portlab.h"
#include "packet.h"
#include "wire.h" /* wire_is_ours(): which packets are ours */

#include <errno.h>
#include <netinet/in.h> /* struct sockaddr_in, sockaddr_in6 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifdef __linux__
#include <arpa/inet.h>
#include <net/ethernet.h>   /* ETH_P_ALL */
#include <net/if_arp.h>     /* ARPHRD_LOOPBACK */
#include <netpacket/packet.h> /* struct sockaddr_ll, PACKET_OUTGOING */
#endif

#define DEFAULT_PORT "5000"
#define PER_WAKE 64 /* packets read per wake-up, so serving goes on under a flood */
#define WIRE_LINE_MAX 512 /* one packet_describe() text: its longest is under 400 bytes */

static int open_packet_socket(struct serve_watch *sw);
static void reply(const struct serve_event *ev, char *line, size_t cap, void *ctx);

int main(int argc, char **argv)
{
    struct opts o;
    struct serve_watch sw;
    struct wire_watch w;
    int tcp, udp, rc, i;

    /* 0. Options: -p PORT (0: the kernel picks), -b ADDRESS, -n, -u. */
    narrate_init(argv[0]);
    signals_install();
    opts_init(&o, OPTS_SERVER, DEFAULT_PORT, "", NULL);
    for (i = 1; i < argc; i++)
        if (!opts_take(&o, argc, argv, &i))
            opts_usage_error(&o, "unknown argument '%s'", argv[i]);
    opts_finish(&o, NULL);

    /* 1. The packet socket, first: it needs CAP_NET_RAW. */
    memset(&w, 0, sizeof w);
    sw.wake_ms = 0;
    sw.ctx = &w;
    if (open_packet_socket(&sw) != 0)
        return EXIT_FAILED;
    /* 2. An ordinary server's bind (see the same-port demo), in common/. Once
     * every socket is open it gives up root and every capability (CAP_NET_RAW
     * was needed for socket() alone), and says so: this demo is one that
     * needs privilege. 3. Then, before it says it is ready: whose packets to
     * show, our own address and port (getsockname), and the kernel is told
     * to hand the packet socket no one else's (wire.c: a locked filter). */
    o.tell_privilege = 1;
    if (serve_open_with(&o, &tcp, &udp, wire_narrow, &sw) != 0) {
        if (sw.fd >= 0)
            close(sw.fd);
        return EXIT_FAILED;
    }
    /* 4. Serve, and narrate each packet of our port as it passes. */
    rc = serve_run_watching(tcp, udp, sw.fd >= 0 ? &sw : NULL, o.count, reply, NULL);
    close(tcp);
    close(udp);
    if (sw.fd >= 0)
        close(sw.fd);
    return rc;
}

#ifdef __linux__
static int watch_packets(struct serve_watch *sw);

/* Open the packet socket: before anything else, while we may. Sets
 * sw->fd and sw->fn; returns 0, or -1 after reporting a failure. */
static int open_packet_socket(struct serve_watch *sw)
{
    /* THE LESSON'S TOOL: AF_PACKET, SOCK_DGRAM = each packet from its IP
     * header on (the link layer's header removed); ETH_P_ALL = every
     * protocol, in and out. This is what tcpdump uses on Linux. */
    int fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));

    if (fd < 0) {
        explain_report("socket", "packet", NULL, errno);
        return -1;
    }
    narrate("packet socket open: we see each packet of our port as it crosses an interface");
    sw->fd = fd;
    sw->fn = watch_packets;
    return 0;
}

/* A packet socket sees every packet on every interface of our network
 * namespace: show only those to or from our own address and port. */
static int watch_packets(struct serve_watch *sw)
{
    static unsigned char buf[65536];
    struct wire_watch *w = sw->ctx;
    int fd = sw->fd;
    struct sockaddr_ll from;
    struct packet_info pi;
    socklen_t len;
    char line[WIRE_LINE_MAX];
    ssize_t got;
    size_t have;
    int i;

    wire_tick(sw); /* a second over: how many lines it held back, said */
    for (i = 0; i < PER_WAKE; i++) {
        len = sizeof from;
        /* THE LESSON: one packet, from its IP header on, as it crossed the
         * interface. MSG_TRUNC: its real length, even when longer than buf. */
        got = recvfrom(fd, buf, sizeof buf, MSG_TRUNC, (struct sockaddr *)&from, &len);
        if (got < 0)
            return 0; /* nothing more for now (EAGAIN) */
        /* On loopback each packet passes twice, going out and coming in:
         * keep one. On other interfaces each passes once either way. */
        if (from.sll_pkttype == PACKET_OUTGOING && from.sll_hatype == ARPHRD_LOOPBACK)
            continue;
        if (from.sll_protocol != htons(ETH_P_IP) && from.sll_protocol != htons(ETH_P_IPV6))
            continue;
        have = (size_t)got < sizeof buf ? (size_t)got : sizeof buf;
        /* THE LESSON: the ports are bytes of the TCP or UDP header
         * (packet.c reads them). Not TCP or UDP, or no ports: not ours. */
        if (packet_decode(buf, have, &pi) != 1 || !pi.has_ports)
            continue;
        if (!wire_is_ours(w, pi.version, pi.src, pi.sport) &&
            !wire_is_ours(w, pi.version, pi.dst, pi.dport))
            continue;
        packet_describe(&pi, line, sizeof line);
        if (wire_may_show(sw)) /* at most WIRE_LINES_PER_S a second */
            narrate("wire: %s", line);
    }
    return 0;
}
#else
/* Elsewhere there is no AF_PACKET, and so no lesson: say so, exit 1 (the
 * BSDs and macOS watch the wire through BPF, /dev/bpf, as tcpdump does). */
static int open_packet_socket(struct serve_watch *sw)
{
    (void)sw;
    wire_need_linux("its packet socket (AF_PACKET)");
    return -1;
}
#endif

/* The reply: the client's address and source port as the kernel gave
 * them to us - the same two bytes the wire: lines show. */
static void reply(const struct serve_event *ev, char *line, size_t cap, void *ctx)
{
    char from[ADDR_STRLEN];

    (void)ctx;
    addr_format(ev->peer, from, sizeof from);
    if (ev->data == NULL)
        narrate("tcp connection from %s: sent it one line", from);
    else
        narrate("udp datagram of %zu bytes from %s: replied to port %u, the source port in "
                "its header", ev->len, from, addr_port(ev->peer));
    snprintf(line, cap, "wire-server: your %s packets said source port %u\n",
             ev->data == NULL ? "tcp" : "udp", addr_port(ev->peer));
}
