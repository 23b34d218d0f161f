/* packet.c - the bytes of an IP packet, read with care. See packet.h.
 * Every read is checked against the packet's length first: a packet
 * socket hands over whatever arrived, and a fuzz target
 * (tests/fuzz/packet.c) feeds this garbage. */
#include "packet.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

/* IP protocol numbers by name (IANA's registry; POSIX's <netinet/in.h>
 * promises only IPPROTO_TCP, _UDP, _ICMP: the rest where a system hides
 * them). */
#ifndef IPPROTO_HOPOPTS
#define IPPROTO_HOPOPTS 0 /* IPv6 hop-by-hop options */
#endif
#ifndef IPPROTO_ROUTING
#define IPPROTO_ROUTING 43 /* IPv6 routing header */
#endif
#ifndef IPPROTO_FRAGMENT
#define IPPROTO_FRAGMENT 44 /* IPv6 fragment header */
#endif
#ifndef IPPROTO_ICMPV6
#define IPPROTO_ICMPV6 58
#endif
#ifndef IPPROTO_DSTOPTS
#define IPPROTO_DSTOPTS 60 /* IPv6 destination options */
#endif

static unsigned be16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/* IPv6: follow the extension headers that may stand between the fixed
 * header and TCP/UDP. Returns the offset of the transport header, or 0
 * when there is none to read (a later fragment, or too short). */
static size_t v6_transport(const unsigned char *buf, size_t len, int *next)
{
    size_t off = 40, hdr;
    int n, hops = 0;

    while (++hops < 16) {
        n = *next;
        if (n == IPPROTO_HOPOPTS || n == IPPROTO_ROUTING || n == IPPROTO_DSTOPTS) {
            if (off + 2 > len)
                return 0;
            hdr = ((size_t)buf[off + 1] + 1) * 8;
            *next = buf[off];
        } else if (n == IPPROTO_FRAGMENT) { /* only the first fragment carries the header */
            if (off + 8 > len || (be16(buf + off + 2) & 0xfff8) != 0)
                return 0;
            hdr = 8;
            *next = buf[off];
        } else {
            return off;
        }
        if (hdr > len - off)
            return 0;
        off += hdr;
    }
    return 0;
}

int packet_decode(const unsigned char *buf, size_t len, struct packet_info *pi)
{
    size_t off, end;

    memset(pi, 0, sizeof *pi);
    pi->total = len;
    if (len < 1) {
        pi->problem = "empty";
        return -1;
    }
    pi->version = buf[0] >> 4;
    if (pi->version == 4) {
        if (len < 20) {
            pi->problem = "truncated: shorter than an IPv4 header (20 bytes)";
            return -1;
        }
        off = (size_t)(buf[0] & 0x0f) * 4;
        if (off < 20 || off > len) {
            pi->problem = "malformed: its IPv4 header length is wrong";
            return -1;
        }
        end = be16(buf + 2); /* total length: the rest is padding */
        if (end < off || end > len)
            end = len;
        pi->proto = buf[9];
        memcpy(pi->src, buf + 12, 4);
        memcpy(pi->dst, buf + 16, 4);
        if ((be16(buf + 6) & 0x1fff) != 0)
            return 0; /* a later fragment: no TCP/UDP header in it */
    } else if (pi->version == 6) {
        int next;

        if (len < 40) {
            pi->problem = "truncated: shorter than an IPv6 header (40 bytes)";
            return -1;
        }
        memcpy(pi->src, buf + 8, 16);
        memcpy(pi->dst, buf + 24, 16);
        next = buf[6];
        end = 40 + (size_t)be16(buf + 4);
        if (end > len)
            end = len;
        off = v6_transport(buf, end, &next);
        pi->proto = next;
        if (off == 0)
            return 0;
    } else {
        pi->problem = "not IPv4 or IPv6";
        return -1;
    }
    if (pi->proto != IPPROTO_TCP && pi->proto != IPPROTO_UDP)
        return 0;
    pi->l4 = buf + off;
    pi->l4len = end > off ? end - off : 0;
    if (pi->l4len >= 4) {
        pi->has_ports = 1;
        pi->sport = be16(pi->l4);
        pi->dport = be16(pi->l4 + 2);
    }
    if (pi->proto == IPPROTO_UDP && pi->l4len < 8)
        pi->problem = "truncated: a UDP header is 8 bytes";
    else if (pi->proto == IPPROTO_TCP && pi->l4len < 20)
        pi->problem = "truncated: a TCP header is 20 bytes or more";
    return 1;
}

const char *packet_tcp_flags(unsigned flags, char *buf, size_t cap)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{0x02, "SYN"}, {0x01, "FIN"}, {0x04, "RST"}, {0x08, "PSH"}, {0x20, "URG"},
                 {0x10, "ACK"}, {0x40, "ECE"}, {0x80, "CWR"}}; /* ECN's: RFC 3168 */
    size_t i, used = 0;

    if (cap == 0)
        return buf;
    buf[0] = '\0';
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if ((flags & names[i].bit) && used < cap) {
            int n = snprintf(buf + used, cap - used, "%s%s", used ? "-" : "", names[i].name);

            if (n > 0)
                used += (size_t)n;
        }
    if (buf[0] == '\0')
        snprintf(buf, cap, "no flags");
    return buf;
}

static const char *address_text(int version, const unsigned char *a, char *buf, size_t cap)
{
    char text[INET6_ADDRSTRLEN];

    if (inet_ntop(version == 4 ? AF_INET : AF_INET6, a, text, sizeof text) == NULL)
        snprintf(text, sizeof text, "?");
    snprintf(buf, cap, version == 4 ? "%s" : "[%s]", text);
    return buf;
}

void packet_describe(const struct packet_info *pi, char *out, size_t cap)
{
    char s[INET6_ADDRSTRLEN + 2], d[INET6_ADDRSTRLEN + 2], words[32], flags[40] = "";
    char hex[PACKET_SHOW_BYTES * 3 + 8];
    size_t i, shown, used = 0;
    const char *proto = pi->proto == IPPROTO_TCP ? "tcp" : "udp";

    if (!pi->has_ports) {
        snprintf(out, cap, "%s: %s", proto, pi->problem ? pi->problem : "no ports to read");
        return;
    }

    shown = pi->l4len;
    if (shown > PACKET_SHOW_BYTES)
        shown = PACKET_SHOW_BYTES;
    if (pi->proto == IPPROTO_UDP && shown > 8)
        shown = 8; /* the whole UDP header; what follows is data */
    /* The header's bytes, the two port fields in brackets. */
    for (i = 0; i < shown && used + 5 < sizeof hex; i++) {
        int n = snprintf(hex + used, sizeof hex - used, "%s%s%02x%s", i ? " " : "",
                         i == 0 || i == 2 ? "[" : "", pi->l4[i], i == 1 || i == 3 ? "]" : "");

        if (n > 0)
            used += (size_t)n;
    }
    if (pi->proto == IPPROTO_TCP && pi->l4len >= 14)
        snprintf(flags, sizeof flags, " %s", packet_tcp_flags(pi->l4[13], words, sizeof words));
    address_text(pi->version, pi->src, s, sizeof s);
    address_text(pi->version, pi->dst, d, sizeof d);
    /* Three parts, each on a line of its own on the screen (narrate.h: a
     * '\n' starts a continuation line): who to whom, the bytes, the ports. */
    snprintf(out, cap, "%s%s %s:%u -> %s:%u:\nheader %s:\nsource port %02x %02x = %u, "
             "destination port %02x %02x = %u%s%s",
             proto, flags, s, pi->sport, d, pi->dport, hex, pi->l4[0], pi->l4[1], pi->sport,
             pi->l4[2], pi->l4[3], pi->dport, pi->problem ? "; " : "",
             pi->problem ? pi->problem : "");
}

uint16_t packet_udp_checksum(int version, const unsigned char *src, const unsigned char *dst,
                             const unsigned char *udp, size_t len)
{
    unsigned long sum = 0;
    size_t i, alen = version == 4 ? 4 : 16;

    /* The pseudo-header: addresses, the protocol (IPPROTO_UDP), the UDP length. */
    for (i = 0; i < alen; i += 2)
        sum += be16(src + i) + be16(dst + i);
    sum += IPPROTO_UDP;
    sum += (unsigned long)(len & 0xffff) + (unsigned long)(len >> 16);
    /* The header (checksum field counted as zero) and the data. */
    for (i = 0; i + 1 < len; i += 2)
        sum += i == 6 ? 0 : be16(udp + i);
    if (len % 2)
        sum += (unsigned long)udp[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    sum = ~sum & 0xffff;
    return (uint16_t)(sum == 0 ? 0xffff : sum);
}

int packet_icmp_error(const unsigned char *buf, size_t len, struct packet_icmp *ic)
{
    struct packet_info inner;
    size_t off, end;
    int next;

    memset(ic, 0, sizeof *ic);
    if (len < 1)
        return 0;
    ic->version = buf[0] >> 4;
    if (ic->version == 4) {
        if (len < 20 || buf[9] != IPPROTO_ICMP || (be16(buf + 6) & 0x1fff) != 0)
            return 0;
        off = (size_t)(buf[0] & 0x0f) * 4;
        end = be16(buf + 2);
        if (end > len)
            end = len;
        /* Errors: 3 destination unreachable, 4 source quench, 5 redirect,
         * 11 time exceeded, 12 parameter problem. */
        if (off < 20 || off + 8 > end)
            return 0;
        if (buf[off] != 3 && buf[off] != 4 && buf[off] != 5 && buf[off] != 11 && buf[off] != 12)
            return 0;
    } else if (ic->version == 6) {
        if (len < 40)
            return 0;
        next = buf[6];
        end = 40 + (size_t)be16(buf + 4);
        if (end > len)
            end = len;
        off = v6_transport(buf, end, &next);
        /* ICMPv6 errors are types 0-127 (RFC 4443, 2.1). */
        if (off == 0 || next != IPPROTO_ICMPV6 || off + 8 > end || buf[off] >= 128)
            return 0;
    } else {
        return 0;
    }
    ic->type = buf[off];
    ic->code = buf[off + 1];
    /* The quoted packet may be cut short: its ports are all we need. */
    if (packet_decode(buf + off + 8, end - off - 8, &inner) != 1 || !inner.has_ports ||
        inner.version != ic->version)
        return 0;
    ic->quoted_proto = inner.proto;
    ic->sport = inner.sport;
    ic->dport = inner.dport;
    return 1;
}

const char *packet_icmp_name(const struct packet_icmp *ic, char *buf, size_t cap)
{
    /* Destination unreachable's codes: RFC 792 and RFC 1812 (IPv4, type
     * 3), RFC 4443 (IPv6, type 1). */
    static const char *const v4[] = {
        "network unreachable", "host unreachable", "protocol unreachable",
        "port unreachable", "fragmentation needed", "source route failed",
        "destination network unknown", "destination host unknown", "source host isolated",
        "network administratively prohibited", "host administratively prohibited",
        "network unreachable for type of service", "host unreachable for type of service",
        "communication administratively prohibited"};
    static const char *const v6[] = {
        "no route to destination",
        "communication with destination administratively prohibited",
        "beyond scope of source address", "address unreachable",
        "port unreachable", "source address failed ingress/egress policy",
        "reject route to destination"};
    const char *what = "an error";

    if (ic->version == 4 && ic->type == 3 && ic->code >= 0 &&
        (size_t)ic->code < sizeof v4 / sizeof v4[0])
        what = v4[ic->code];
    else if (ic->version == 6 && ic->type == 1 && ic->code >= 0 &&
             (size_t)ic->code < sizeof v6 / sizeof v6[0])
        what = v6[ic->code];
    else if ((ic->version == 4 && ic->type == 11) || (ic->version == 6 && ic->type == 3))
        what = "time exceeded";
    snprintf(buf, cap, "%s (ICMP%s type %d code %d)", what, ic->version == 6 ? "v6" : "",
             ic->type, ic->code);
    return buf;
}

int packet_icmp_is_port_unreachable(const struct packet_icmp *ic)
{
    return (ic->version == 4 && ic->type == 3 && ic->code == 3) ||
           (ic->version == 6 && ic->type == 1 && ic->code == 4);
}
