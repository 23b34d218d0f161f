/* wire.c - the wire demo's plumbing. See wire.h.
 * _DEFAULT_SOURCE: getifaddrs(3), IFF_LOOPBACK and SO_ATTACH_FILTER are
 * not in POSIX (wire_narrow(), Linux only). */
#define _DEFAULT_SOURCE
#include "wire.h"
#include "portlab.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#ifdef __linux__
#include <ifaddrs.h>
#include <net/ethernet.h>     /* ETH_P_ALL */
#include <net/if.h>           /* IFF_LOOPBACK, if_indextoname() */
#include <netpacket/packet.h> /* struct sockaddr_ll */
#ifndef SO_LOCK_FILTER
#define SO_LOCK_FILTER 44 /* Linux 3.9 on; older C libraries lack the name */
#endif
/* Classic BPF, as <linux/filter.h> spells it (Linux's ABI, the same on
 * every architecture; written out here because musl's compiler does not
 * see the kernel's headers). */
struct sock_filter {
    unsigned short code;
    unsigned char jt, jf;
    unsigned int k;
};
struct sock_fprog {
    unsigned short len;
    struct sock_filter *filter;
};
enum {
    BPF_LD = 0x00, BPF_LDX = 0x01, BPF_ALU = 0x04, BPF_JMP = 0x05, BPF_RET = 0x06,
    BPF_H = 0x08, BPF_B = 0x10, BPF_ABS = 0x20, BPF_IND = 0x40, BPF_MSH = 0xa0,
    BPF_K = 0x00, BPF_RSH = 0x70, BPF_JEQ = 0x10, BPF_JSET = 0x40
};
#define BPF_STMT(code, k) {(unsigned short)(code), 0, 0, (k)}
#define BPF_JUMP(code, k, jt, jf) {(unsigned short)(code), (jt), (jf), (k)}
#endif

#define DEFAULT_PORT "5000"

static const char *const HELP =
    "  -s PORT   the source port to write into step 3's UDP header (default 23)\n"
    "  -l PORT   bind this source port for steps 1 and 2 (default: the kernel's choice)\n"
    "At the end it draws step 3's UDP header, filled in; PORTLAB_NO_FIGURE=1 leaves it out.\n";

void wire_client_options(int argc, char **argv, struct opts *o, unsigned *forge_port,
                         unsigned *local_port)
{
    const char *forge_text = "23";
    int i;

    *local_port = 0;
    opts_init(o, OPTS_CLIENT, DEFAULT_PORT, "[-s PORT] [-l PORT]", HELP);
    for (i = 1; i < argc; i++) {
        if (opts_take(o, argc, argv, &i))
            continue;
        if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
            forge_text = argv[++i];
        else if (strcmp(argv[i], "-l") == 0 && i + 1 < argc)
            *local_port = (unsigned)opts_number(o, "-l", argv[++i], 1, 65535);
        else
            opts_usage_error(o, "unknown argument '%s'", argv[i]);
    }
    opts_finish(o, NULL);
    if (port_parse(forge_text, "udp", forge_port, NULL, 0) != 0)
        opts_usage_error(o, "-s: '%s' is not a port (0-65535)", forge_text);
}

int wire_is_ours(const struct wire_watch *w, int version, const unsigned char *addr,
                 unsigned port)
{
    const struct sockaddr *me = (const struct sockaddr *)&w->me;
    struct sockaddr_storage them;

    if (port != addr_port(me))
        return 0;
    if (addr_is_wildcard(me)) /* 0.0.0.0 takes IPv4 only; [::] both (dual-stack) */
        return me->sa_family == AF_INET6 || version == 4;
    memset(&them, 0, sizeof them);
    if (version == 4) {
        struct sockaddr_in *in = (struct sockaddr_in *)&them;

        in->sin_family = AF_INET;
        memcpy(&in->sin_addr, addr, 4);
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&them;

        in6->sin6_family = AF_INET6;
        memcpy(&in6->sin6_addr, addr, 16);
    }
    return addr_same_host(me, (struct sockaddr *)&them);
}

const unsigned char *wire_address_bytes(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return (const unsigned char *)&((const struct sockaddr_in *)ss)->sin_addr;
    return (const unsigned char *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
}

/* The reply travels to the forged port, yet a raw socket of protocol UDP
 * bound to our address is handed a copy of every UDP packet to that address
 * (raw(7)), whatever its ports: show the one from the server's port to the
 * forged one. */
void wire_catch_copy(int fd, int family, unsigned from_port, unsigned to_port, long ms)
{
    unsigned char buf[2048];
    long long end = clock_now_ms() + ms;
    long left;
    ssize_t n;
    size_t at;

    while ((left = (long)(end - clock_now_ms())) > 0 && wait_for(fd, POLLIN, left) == 1) {
        n = recv(fd, buf, sizeof buf, 0);
        if (n < 0)
            break;
        /* IPv4 raw sockets hand over the IP header too (its length in the
         * low 4 bits of byte 0, in 4-byte words); IPv6 ones start at UDP. */
        at = family == AF_INET && n > 0 ? (size_t)(buf[0] & 0x0f) * 4 : 0;
        if ((size_t)n < at + 8)
            continue;
        if ((unsigned)(buf[at] << 8 | buf[at + 1]) != from_port ||
            (unsigned)(buf[at + 2] << 8 | buf[at + 3]) != to_port)
            continue; /* our own datagram, arriving, or another program's */
        narrate("raw udp: a copy of the reply reached our raw socket: header [%02x %02x] "
                "[%02x %02x] = source port %u, destination port %u\n(a raw socket of protocol "
                "UDP bound to our address is handed a copy of every UDP datagram to that "
                "address, raw(7))", buf[at],
                buf[at + 1], buf[at + 2], buf[at + 3], from_port, to_port);
        narrate("raw udp: the UDP layer gives the reply itself only to a UDP socket bound to "
                "port %u; if there is none, it drops it and answers the sender (the server) "
                "with ICMP port-unreachable", to_port);
        return;
    }
    narrate("raw udp: no reply to port %u reached our raw socket within %ld ms", to_port, ms);
}

/* The UDP header just sent, its 8 real bytes in the layout of RFC 768
 * (the lesson's own figure, docs/wire.md, shows it empty). Plain ASCII,
 * every line within 60 columns and beginning with 1 to 3 spaces (narrate.h: a
 * figure's line, never wrapped). */
void wire_draw_header(const unsigned char *h, unsigned sport, unsigned dport, size_t len,
                      unsigned sum)
{
    narrate("figure: step 3's UDP header, as sent");
    narrate("  0  1   2  3   4  5   6  7   (bytes)");
    narrate(" +------+------+------+------+");
    narrate(" |%02x %02x |%02x %02x |%02x %02x |%02x %02x |", h[0], h[1], h[2], h[3], h[4],
            h[5], h[6], h[7]);
    narrate(" +------+------+------+------+");
    narrate("   |      |      |      +-- checksum %04x", sum);
    narrate("   |      |      +--------- length %zu: 8 header + %zu data", len, len - 8);
    narrate("   |      +---------------- destination port %u", dport);
    narrate("   +----------------------- source port %u, written by us", sport);
}

void wire_need_linux(const char *what)
{
#ifdef __linux__
    (void)what;
#else
    report("needs Linux, for %s", what);
    exit(EXIT_FAILED);
#endif
}

int wire_keep_nothing(void)
{
    int root = privilege_is_uid0(), rc = privilege_give_up("nobody", 0);

    if (rc > 0)
        narrate("raw udp: socket open, so we gave up %s: sending needs none",
                root && !privilege_is_uid0() ? "root and every capability" : "every capability");
    return rc < 0 ? -1 : 0;
}

#ifdef __linux__
/* The loopback interface's index when me is a loopback address
 * (127.0.0.0/8, ::1): only that interface carries its packets. Else 0
 * (every interface): an address of another interface is reached through
 * lo too, from this host's own programs. */
static unsigned loopback_of(const struct sockaddr_storage *me)
{
    const unsigned char *a = wire_address_bytes(me);
    static const unsigned char lo6[16] = {[15] = 1};
    struct ifaddrs *all, *i;
    unsigned index = 0;

    if (me->ss_family == AF_INET ? a[0] != 127 : memcmp(a, lo6, 16) != 0)
        return 0;
    if (getifaddrs(&all) != 0)
        return 0;
    for (i = all; i != NULL && index == 0; i = i->ifa_next)
        if ((i->ifa_flags & IFF_LOOPBACK) != 0)
            index = if_nametoindex(i->ifa_name);
    freeifaddrs(all);
    return index;
}

/* Attach to packet socket fd a classic BPF filter, locked: over each
 * packet from its IP header on (SOCK_DGRAM), IPv4 or IPv6, TCP (6) or UDP
 * (17), not a later fragment, and a source or destination port that is
 * port; nothing else passes. Returns 0, or -1 (reported). */
static int keep_port_only(int fd, unsigned port)
{
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),               /*  0 version */
        BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 4),              /*  1 */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 4, 0, 10),       /*  2 IPv4? else 13 */
        BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),               /*  3 its protocol */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 6, 1, 0),        /*  4 TCP: 6 */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 17, 0, 15),      /*  5 UDP, else drop */
        BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),               /*  6 fragment offset */
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 13, 0), /*  7 a later one: drop */
        BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),              /*  8 X = header length */
        BPF_STMT(BPF_LD | BPF_H | BPF_IND, 0),               /*  9 source port */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 11, 0),    /* 10 ours: keep */
        BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),               /* 11 destination port */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 9, 8),     /* 12 ours: keep, else drop */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 6, 0, 7),        /* 13 IPv6? else drop */
        BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 6),               /* 14 next header */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 6, 1, 0),        /* 15 TCP */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 17, 0, 4),       /* 16 UDP, else drop */
        BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 40),              /* 17 source port */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 3, 0),     /* 18 ours: keep */
        BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 42),              /* 19 destination port */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 1, 0),     /* 20 ours: keep */
        BPF_STMT(BPF_RET | BPF_K, 0),                        /* 21 drop */
        BPF_STMT(BPF_RET | BPF_K, 0x40000),                  /* 22 keep, whole */
    };
    struct sock_fprog prog = {sizeof code / sizeof code[0], code};
    int one = 1;

    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) != 0) {
        explain_report("setsockopt", "packet SO_ATTACH_FILTER", NULL, errno);
        return -1;
    }
    /* Locked: no one holding fd can take the filter off or change it. */
    if (setsockopt(fd, SOL_SOCKET, SO_LOCK_FILTER, &one, sizeof one) != 0) {
        explain_report("setsockopt", "packet SO_LOCK_FILTER", NULL, errno);
        return -1;
    }
    return 0;
}

int wire_narrow(int tcp, void *ctx)
{
    struct serve_watch *sw = ctx;
    struct wire_watch *w = sw->ctx;
    socklen_t len = sizeof w->me;
    struct sockaddr_ll ll;
    unsigned char drain[64];
    char name[IF_NAMESIZE] = "";
    unsigned port, index;
    int n;

    getsockname(tcp, (struct sockaddr *)&w->me, &len);
    port = addr_port((const struct sockaddr *)&w->me);
    if (sw->fd < 0 || keep_port_only(sw->fd, port) != 0)
        return sw->fd < 0 ? 0 : -1;
    index = loopback_of(&w->me);
    if (index > 0 && if_indextoname(index, name) != NULL) {
        memset(&ll, 0, sizeof ll);
        ll.sll_family = AF_PACKET;
        ll.sll_protocol = htons(ETH_P_ALL);
        ll.sll_ifindex = (int)index;
        if (bind(sw->fd, (struct sockaddr *)&ll, sizeof ll) != 0) {
            explain_report("bind", "packet", NULL, errno);
            return -1;
        }
    }
    /* What queued before the filter: nobody's business. Bounded: a flood
     * of our port's packets must not keep us here. */
    for (n = 0; n < 4096 && recv(sw->fd, drain, sizeof drain, MSG_DONTWAIT) >= 0; n++)
        ;
    narrate("packet socket narrowed: a locked filter in the kernel passes it only TCP and UDP "
            "packets of port %u%s%s%s", port, name[0] != '\0' ? ", and it listens on " : "", name,
            name[0] != '\0' ? " alone" : "");
    narrate("what we keep beyond ordinary sockets: that packet socket; its holder could still "
            "send a packet of its own making%s",
            name[0] != '\0' ? ", or make it listen on every interface" : "");
    return 0;
}
#else
int wire_narrow(int tcp, void *ctx)
{
    struct serve_watch *sw = ctx;
    struct wire_watch *w = sw->ctx;
    socklen_t len = sizeof w->me;

    getsockname(tcp, (struct sockaddr *)&w->me, &len);
    return 0;
}
#endif

void wire_tick(struct serve_watch *sw)
{
    struct wire_watch *w = sw->ctx;
    long long now = clock_now_ms();

    if (now < w->window_end)
        return;
    if (w->held > 0)
        narrate("wire: %ld more packet%s of our port in that second, not shown (at most %d "
                "lines a second)", w->held, w->held == 1 ? "" : "s", WIRE_LINES_PER_S);
    w->window_end = now + 1000;
    w->in_window = 0;
    w->held = 0;
    sw->wake_ms = 0;
}

int wire_may_show(struct serve_watch *sw)
{
    struct wire_watch *w = sw->ctx;

    if (w->in_window < WIRE_LINES_PER_S) {
        w->in_window++;
        w->shown++;
        return 1;
    }
    w->held++;
    sw->wake_ms = w->window_end;
    return 0;
}
