/* knock.h - what a knock on a port got back, and what a scanner makes of it.
 *
 * A knock is one connection attempt (TCP) or one datagram (UDP). What came
 * back on the wire, and what the program saw of it:
 *
 *   on the wire                  TCP connect() says      connected UDP socket says
 *   SYN-ACK / a UDP reply        connected               the reply
 *   RST                          ECONNREFUSED            -
 *   ICMP port unreachable        ECONNREFUSED            ECONNREFUSED
 *   ICMP admin. prohibited       EHOSTUNREACH (IPv4),    the same
 *                                EACCES (IPv6)
 *   nothing                      ETIMEDOUT, after the    nothing, ever
 *                                kernel's SYN retries
 *
 * (Linux's mapping: icmp_err_convert in net/ipv4/icmp.c, icmpv6_err_convert
 * in net/ipv6/icmp.c. An unconnected UDP socket hears none of the errors.)
 * The verdicts are nmap's: open, closed, filtered, open|filtered - and
 * closed|filtered where errno alone cannot tell a reset from an ICMP port
 * unreachable. A "closed" is never certain: a firewall's reject can forge
 * the very answer a host gives when nothing is bound.
 * Used by firewall-client and by services-client's scan.
 */
#ifndef PORTLAB_KNOCK_H
#define PORTLAB_KNOCK_H

/* What came back on the wire, when a packet socket could watch. */
enum knock_wire {
    KNOCK_WIRE_UNSEEN,  /* no packet socket: only errno tells */
    KNOCK_WIRE_NOTHING, /* watched, and nothing came back in time */
    KNOCK_WIRE_SYNACK,  /* TCP: the handshake's answer */
    KNOCK_WIRE_RST,     /* TCP: a reset */
    KNOCK_WIRE_REPLY,   /* UDP: a datagram back */
    KNOCK_WIRE_ICMP     /* an ICMP or ICMPv6 error about our packet */
};

struct knock {
    int tcp;             /* 1 TCP, 0 UDP */
    int err;             /* 0: connected (TCP) or a reply (UDP); ETIMEDOUT:
                            nothing within the client's -t; else the errno */
    long ms;             /* how long the answer took */
    long limit_ms;       /* the client's -t */
    enum knock_wire wire;
    int icmp_port_unreachable; /* KNOCK_WIRE_ICMP: 1 for port unreachable */
};

/* What the program saw, in words: "connected after 0 ms",
 * "ECONNREFUSED after 1 ms", "nothing within 500 ms"... into buf. */
const char *knock_saw(const struct knock *k, char *buf, unsigned long cap);

/* The verdict a scanner draws ("open", "closed", "filtered",
 * "open|filtered", "closed|filtered"); *why gets one sentence: what could
 * have caused it, and what this evidence cannot tell. */
const char *knock_verdict(const struct knock *k, const char **why);

/* Both in one line, "closed|filtered - connect() says ...", into buf. */
const char *knock_verdict_text(const struct knock *k, char *buf, unsigned long cap);

#endif
