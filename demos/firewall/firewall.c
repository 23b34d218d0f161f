/* firewall.c - firewall-client's plumbing: its command line, the packet
 * socket that watches the wire, and the kernel's SYN retries. See
 * firewall.h. */
#include "firewall.h"
#include "packet.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifdef __linux__
#include <arpa/inet.h>
#include <net/ethernet.h>     /* ETH_P_ALL */
#include <net/if_arp.h>       /* ARPHRD_LOOPBACK */
#include <netinet/in.h>       /* IPPROTO_TCP, IPPROTO_UDP */
#include <netpacket/packet.h> /* struct sockaddr_ll, PACKET_OUTGOING */
#endif

static const char NO_DASH_P[] = "1"; /* -p's default: stands for "no -p given" */

static const char *const HELP =
    "  PORT...   the ports to knock on, over TCP and over UDP (at most 64);\n"
    "            each knock waits at most -t\n";

#ifdef __linux__
#define NO_PACKET_SOCKET (-1)
static int wire_fd = NO_PACKET_SOCKET; /* packet sockets are Linux's */
#endif

/* How long one look at the wire may take: a busy wire (another program's
 * flood) must not hold a knock for ever. */
#define WIRE_FORGET_MS 100
#define WIRE_LOOK_MS 300

int firewall_options(struct opts *o, int argc, char **argv, unsigned ports[FIREWALL_MAX_PORTS])
{
    const char *texts[FIREWALL_MAX_PORTS];
    char why[200];
    int i, n = 0;

    opts_init(o, OPTS_CLIENT, NO_DASH_P, "HOST PORT...", HELP);
    o->default_port = "none: name the ports after HOST; -p PORT adds one";
    for (i = 1; i < argc; i++) {
        if (argv[i][0] != '-' && o->host != NULL) {
            if (n >= FIREWALL_MAX_PORTS)
                opts_usage_error(o, "at most %d ports at a time", FIREWALL_MAX_PORTS);
            else
                texts[n++] = argv[i];
        } else if (!opts_take(o, argc, argv, &i)) {
            opts_usage_error(o, "unknown argument '%s'", argv[i]);
        }
    }
    opts_finish(o, NULL);
    if (o->port_text != NO_DASH_P) { /* -p PORT, checked by opts_finish() */
        if (n >= FIREWALL_MAX_PORTS)
            opts_usage_error(o, "at most %d ports at a time", FIREWALL_MAX_PORTS);
        else
            texts[n++] = o->port_text;
    }
    if (n == 0)
        opts_usage_error(o, "name the ports to knock on after the host");
    for (i = 0; i < n; i++) {
        if (port_parse(texts[i], NULL, &ports[i], why, sizeof why) != 0)
            opts_usage_error(o, "bad port '%s': %s", texts[i], why);
        if (ports[i] == 0)
            opts_usage_error(o, "port 0 cannot be knocked on: nothing listens on it");
    }
    return n;
}

void firewall_wire_open(void)
{
#ifdef __linux__
    struct kernel_fact raw = kernel_has_capability(CAP_NET_RAW_BIT);
    int err;

    wire_fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
    if (wire_fd >= 0) {
        sock_set_nonblocking(wire_fd);
        narrate("packet socket open: each knock's answer on the wire is shown (wire:)");
        return;
    }
    err = errno;
    narrate("no packet socket: socket(packet): %s (%s)", narrate_errno_name(err), narrate_errno_text(err));
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

int firewall_keep_nothing(const struct opts *o)
{
    int root = privilege_is_uid0(), rc = privilege_give_up(o->user, 0);

    if (rc > 0)
        narrate("gave up %s: the knocks need no privilege (the packet socket stays open)",
                root && !privilege_is_uid0() ? "root and every capability" : "every capability");
    return rc;
}

#ifdef __linux__
/* How many packets the packet socket dropped (its queue full) since we
 * last asked: PACKET_STATISTICS reads and resets the kernel's counts
 * (packet(7)). */
static unsigned wire_drops(void)
{
    struct { unsigned packets, drops; } st; /* struct tpacket_stats */
    socklen_t len = sizeof st;

    memset(&st, 0, sizeof st);
    if (getsockopt(wire_fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) != 0)
        return 0;
    return st.drops;
}

/* Read one packet that came IN (on loopback each passes twice: keep the
 * incoming copy). Returns its length, 0 for a packet skipped, or -1 when
 * there is none - or when the look that began at start has taken `ms`. */
static ssize_t wire_read(unsigned char *buf, size_t cap, long long start, long ms)
{
    struct sockaddr_ll from;
    socklen_t len = sizeof from;
    ssize_t got;

    if (clock_now_ms() - start >= ms)
        return -1;
    got = recvfrom(wire_fd, buf, cap, 0, (struct sockaddr *)&from, &len);
    if (got < 0)
        return -1;
    if (from.sll_pkttype == PACKET_OUTGOING)
        return 0;
    if (from.sll_protocol == htons(ETH_P_IP) || from.sll_protocol == htons(ETH_P_IPV6))
        return got;
    return 0;
}
#endif

void firewall_wire_forget(void)
{
#ifdef __linux__
    unsigned char buf[2048];
    long long start = clock_now_ms();

    if (wire_fd == NO_PACKET_SOCKET)
        return;
    while (wire_read(buf, sizeof buf, start, WIRE_FORGET_MS) >= 0)
        continue;
    (void)wire_drops(); /* counted from now on */
#endif
}

void firewall_wire_answer(struct knock *k, unsigned port, unsigned ours)
{
#ifdef __linux__
    unsigned char buf[2048];
    char text[160], from[64];
    struct packet_info pi;
    struct packet_icmp ic;
    ssize_t got;
    const char *proto = k->tcp ? "tcp" : "udp";
    long long start = clock_now_ms();
    long seen = 0;
    unsigned dropped;

    if (wire_fd == NO_PACKET_SOCKET)
        return;
    k->wire = KNOCK_WIRE_NOTHING;
    while ((got = wire_read(buf, sizeof buf, start, WIRE_LOOK_MS)) >= 0) {
        if (got == 0)
            continue;
        seen++;
        if (packet_icmp_error(buf, (size_t)got, &ic) == 1) {
            /* An error quoting our own packet: its source port is ours. */
            if (ic.quoted_proto != (k->tcp ? IPPROTO_TCP : IPPROTO_UDP) || ic.sport != ours || ic.dport != port)
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
            pi.proto != (k->tcp ? IPPROTO_TCP : IPPROTO_UDP) || pi.sport != port || pi.dport != ours)
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
    /* Too busy to tell: more packets than we could read in time, or some
     * dropped unread (the answer may have been one). Then errno decides. */
    if ((dropped = wire_drops()) > 0 || clock_now_ms() - start >= WIRE_LOOK_MS) {
        narrate("%u/%s wire: cannot tell: a busy wire (%ld other packets read in %ld ms, "
                "%u dropped unread)", port, proto, seen, (long)(clock_now_ms() - start), dropped);
        k->wire = KNOCK_WIRE_UNSEEN;
        return;
    }
    narrate("%u/%s wire: nothing came back for our %s", port, proto,
            k->tcp ? "SYN" : "datagram");
#else
    (void)k, (void)port, (void)ours;
#endif
}

void firewall_said(unsigned port, const char *proto, const char *text, size_t len)
{
    char shown[1100];

    narrate_printable(text, len, shown, sizeof shown);
    narrate("%u/%s said: %s", port, proto, shown);
}

void firewall_narrate_syn_retries(void)
{
    struct kernel_fact r = kernel_read_fact("/proc/sys/net/ipv4/tcp_syn_retries", 1);
    struct kernel_fact lin = kernel_read_fact("/proc/sys/net/ipv4/tcp_syn_linear_timeouts", 1);

    if (!r.known || r.value[0] < 0 || r.value[0] >= 20) {
        narrate("without -t, connect() would wait for the kernel's SYN retries (%s)",
                r.known ? "tcp_syn_retries, read from /proc: a long time" : r.source);
        return;
    }
    /* The deadline is what a 1, 2, 4... s schedule (RFC 6298's first
     * timeout of 1 s, doubled each time) would take; since Linux 6.5 the
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

unsigned firewall_our_port(int fd)
{
    struct sockaddr_storage me;
    socklen_t len = sizeof me;

    if (getsockname(fd, (struct sockaddr *)&me, &len) != 0)
        return 0;
    return addr_port((struct sockaddr *)&me);
}
