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
 *   ICMP host/net unreachable    EHOSTUNREACH,           nothing, unless it
 *                                ENETUNREACH             set IP_RECVERR
 *   nothing                      ETIMEDOUT, after the    nothing, ever
 *                                kernel's SYN retries
 *
 * (Linux's mapping: icmp_err_convert in net/ipv4/icmp.c, icmpv6_err_convert
 * in net/ipv6/icmp.c; a plain UDP socket hears only the "fatal" ones there,
 * udp.c. An unconnected UDP socket without IP_RECVERR hears none.)
 * The verdicts are nmap's: open, closed, filtered, open|filtered - and
 * closed|filtered where errno alone cannot tell a reset from an ICMP port
 * unreachable. A "closed" is never certain: a firewall's reject can forge
 * the very answer a host gives when nothing is bound.
 * Used by firewall-client and by services-client's scan; firewall-client
 * draws the verdict from the wire itself (demos/firewall/client.c).
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

/* Why a verdict was drawn: one sentence each, from knock_why_text() -
 * what could have caused it, and what this evidence cannot tell. */
enum knock_why {
    KNOCK_WHY_SYNACK,        /* TCP, on the wire: a SYN-ACK */
    KNOCK_WHY_REPLY,         /* UDP: a datagram came back */
    KNOCK_WHY_RST,           /* TCP, on the wire: a reset */
    KNOCK_WHY_TCP_ICMP_PORT, /* TCP, on the wire: an ICMP port unreachable */
    KNOCK_WHY_ICMP_OTHER,    /* on the wire: another ICMP error */
    KNOCK_WHY_UDP_ICMP_PORT, /* UDP, on the wire: an ICMP port unreachable */
    KNOCK_WHY_TCP_NOTHING,   /* TCP, watched: nothing came back */
    KNOCK_WHY_UDP_NOTHING,   /* UDP: nothing came back */
    KNOCK_WHY_CONNECTED,     /* TCP, errno only: connected */
    KNOCK_WHY_TCP_REFUSED,   /* TCP, errno only: ECONNREFUSED */
    KNOCK_WHY_UDP_REFUSED,   /* UDP, errno only: ECONNREFUSED */
    KNOCK_WHY_TCP_TIMEOUT,   /* TCP, errno only: nothing within -t */
    KNOCK_WHY_UNREACHABLE,   /* errno only: EHOSTUNREACH, EACCES, ENETUNREACH */
    KNOCK_WHY_LOCAL_RULE,    /* EPERM: a rule on this machine */
    KNOCK_WHY_UNKNOWN        /* another error */
};
const char *knock_why_text(enum knock_why why);

/* The verdict from errno alone - all a connect scan has (services-client),
 * or firewall-client without a packet socket: "open", "closed",
 * "filtered", "open|filtered", "closed|filtered" (a TCP ECONNREFUSED: a
 * reset and an ICMP port unreachable both give it) or "unknown". (With
 * the wire in view, firewall-client draws its own: demos/firewall.) */
const char *knock_errno_verdict(const struct knock *k, enum knock_why *why);

/* That verdict and its why in one line, "closed|filtered - connect()
 * says ...", into buf. */
const char *knock_verdict_text(const struct knock *k, char *buf, unsigned long cap);

#endif
