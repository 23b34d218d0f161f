/* packet.h - reading the ports out of a packet's bytes.
 *
 * An IP packet is a header (20 bytes or more for IPv4, 40 for IPv6: the
 * version, the addresses, which protocol comes next) and then the TCP or
 * UDP header, whose first four bytes are the two ports, each a 16-bit
 * number with its high byte first ("network byte order"):
 *
 *   UDP (RFC 768), 8 bytes:       TCP (RFC 9293), 20 bytes or more:
 *    0      2      4      6        0      2      4          8         12   13
 *   +------+------+------+------+ +------+------+----------+----------+----+-----+--
 *   | src  | dst  | len  | sum  | | src  | dst  | sequence | ack num  |off |flags|...
 *   | port | port |      |      | | port | port |          |          |    |     |
 *   +------+------+------+------+ +------+------+----------+----------+----+-----+--
 *
 * packet_decode() reads one packet as a packet socket hands it over (from
 * the IP header on), never past its end; packet_describe() turns it into
 * one line with the header's bytes in hex and the port fields marked.
 */
#ifndef PORTLAB_PACKET_H
#define PORTLAB_PACKET_H

#include <stddef.h>
#include <stdint.h>

#define PACKET_SHOW_BYTES 20 /* of the TCP or UDP header: all of UDP's 8, TCP's first 20 */

struct packet_info {
    int version;                 /* 4 or 6 */
    int proto;                   /* IPPROTO_TCP, IPPROTO_UDP, or another IP protocol number */
    unsigned char src[16], dst[16]; /* addresses (IPv4: the first 4 bytes) */
    int has_ports;               /* 1 when both port fields were there to read */
    unsigned sport, dport;
    const unsigned char *l4;     /* the TCP or UDP header, as far as it goes */
    size_t l4len;                /* bytes of it (and what follows) in the packet */
    size_t total;                /* the packet's length as received */
    const char *problem;         /* NULL, or what is wrong ("truncated ...") */
};

/* Read buf[0..len-1], an IPv4 or IPv6 packet. Returns 1 for TCP or UDP
 * (ports in *pi when has_ports), 0 for anything else (another protocol, a
 * fragment without a header), -1 for a packet too short or malformed to
 * say (pi->problem says why). Never reads outside buf. */
int packet_decode(const unsigned char *buf, size_t len, struct packet_info *pi);

/* TCP flags in words: "SYN", "SYN-ACK", "ACK", "PSH-ACK", "FIN-ACK", "RST"...
 * all eight bits (ECN's too: "SYN-ECE-CWR") into buf; returns buf. */
const char *packet_tcp_flags(unsigned flags, char *buf, size_t cap);

/* One narration line about a decoded TCP or UDP packet (has_ports set), in
 * three parts joined by '\n' (narrate() shows each on a line of its own,
 * the second and third indented as continuation lines):
 *   udp 127.0.0.1:23 -> 127.0.0.1:4000:
 *   header [00 17] [0f a0] 00 0e 3c 5d:
 *   source port 00 17 = 23, destination port 0f a0 = 4000 */
void packet_describe(const struct packet_info *pi, char *out, size_t cap);

/* The internet checksum (RFC 1071) of a UDP header and data, with the
 * pseudo-header of IPv4 (RFC 768) or IPv6 (RFC 8200, 8.1) in front: the
 * addresses, the protocol, the UDP length. 0 is sent as 0xffff. */
uint16_t packet_udp_checksum(int version, const unsigned char *src, const unsigned char *dst,
                             const unsigned char *udp, size_t len);

/* An ICMP (IPv4, RFC 792) or ICMPv6 (RFC 4443) error message about a
 * TCP or UDP packet: its type and code, and the ports of the packet it
 * quotes (an error carries the start of the packet it is about: the IP
 * header and at least the first 8 bytes after it - both ports).
 *   0        1        2       4            8
 *   +--------+--------+-------+------------+---------------------------
 *   | type   | code   | sum   | (unused)   | the quoted IP packet ...
 */
struct packet_icmp {
    int version;           /* 4: ICMP; 6: ICMPv6 */
    int type, code;
    int quoted_proto;      /* IPPROTO_TCP or IPPROTO_UDP: what the quoted packet was */
    unsigned sport, dport; /* its ports: the sender's, the destination's */
};

/* Read buf[0..len-1], an IPv4 or IPv6 packet. Returns 1 when it is an
 * ICMP or ICMPv6 error quoting a TCP or UDP packet whose ports could be
 * read (into *ic), else 0. Never reads outside buf. */
int packet_icmp_error(const unsigned char *buf, size_t len, struct packet_icmp *ic);

/* "port unreachable (ICMP type 3 code 3)", "administratively prohibited
 * (ICMPv6 type 1 code 1)"... into buf; returns buf. */
const char *packet_icmp_name(const struct packet_icmp *ic, char *buf, size_t cap);

/* 1 for port unreachable (ICMP 3/3, ICMPv6 1/4): the answer a host's UDP
 * gives when nothing is bound to the port, and the one a firewall's
 * "reject" forges by default. */
int packet_icmp_is_port_unreachable(const struct packet_icmp *ic);

#endif
