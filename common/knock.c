/* knock.c - a knock's outcome, and the verdict. See knock.h. */
#include "knock.h"
#include "narrate.h"

#include <errno.h>
#include <stdio.h>

const char *knock_saw(const struct knock *k, char *buf, unsigned long cap)
{
    if (k->err == 0)
        snprintf(buf, cap, "%s after %ld ms", k->tcp ? "connected" : "a reply", k->ms);
    else if (k->err == ETIMEDOUT)
        snprintf(buf, cap, k->tcp ? "connect() still pending after %ld ms (our -t: no errno "
                                    "yet)"
                                  : "nothing within %ld ms",
                 k->limit_ms);
    else
        snprintf(buf, cap, "%s after %ld ms", narrate_errno_name(k->err), k->ms);
    return buf;
}

static const char *const why_text[] = {
    [KNOCK_WHY_SYNACK] = "a SYN-ACK: something listens, and nothing on the way stopped the SYN",
    [KNOCK_WHY_REPLY] = "a datagram came back: something bound there answered",
    [KNOCK_WHY_RST] = "a reset: what a host's TCP sends when nothing listens on the port; a "
                      "firewall's reject (nft: reject with tcp reset) forges the same, even for "
                      "a port a server listens on: this client cannot tell the two apart",
    [KNOCK_WHY_TCP_ICMP_PORT] = "an ICMP port unreachable for TCP: a host's own TCP answers a "
                                "closed port with a reset, so a firewall's reject sent this",
    [KNOCK_WHY_ICMP_OTHER] = "an ICMP error other than port unreachable: a firewall's reject, "
                             "or a router with no way there",
    [KNOCK_WHY_UDP_ICMP_PORT] = "an ICMP port unreachable: what a host's UDP sends when nothing "
                                "is bound there; a firewall's reject sends the same by default, "
                                "even for a port a server is bound to: this client cannot tell "
                                "the two apart",
    [KNOCK_WHY_TCP_NOTHING] = "nothing came back: a firewall dropped the SYN, or no host "
                              "answers there",
    [KNOCK_WHY_UDP_NOTHING] = "nothing came back: UDP has no handshake, so a server that got "
                              "the datagram and did not answer, a firewall that dropped it and "
                              "a lost datagram look the same",
    [KNOCK_WHY_CONNECTED] = "the connection was made: something listens there",
    [KNOCK_WHY_TCP_REFUSED] = "connect() says ECONNREFUSED for a reset (nothing listens: "
                              "closed) and for an ICMP port unreachable (a firewall's reject: "
                              "filtered); errno cannot tell which came back, a packet socket can",
    [KNOCK_WHY_UDP_REFUSED] = "an ICMP port unreachable came back: nothing is bound there, or a "
                              "firewall's reject sent it (the same message); errno cannot tell "
                              "which",
    [KNOCK_WHY_TCP_TIMEOUT] = "no answer within our -t: a firewall dropped the SYN, or no host "
                              "answers there (over IPv6 also a reject, when its first ICMPv6 error "
                              "came while connect() held the socket: Linux then waits for the "
                              "next SYN's, a second later)",
    [KNOCK_WHY_UNREACHABLE] = "an ICMP error other than port unreachable came back (a "
                              "firewall's reject - admin- or host-prohibited: EHOSTUNREACH, "
                              "net-prohibited: ENETUNREACH, IPv6's admin-prohibited: EACCES), "
                              "or no route leads to the host; errno cannot tell which",
    [KNOCK_WHY_LOCAL_RULE] = "a rule on this machine stopped the packet as it left (EPERM): it "
                             "never reached the host",
    [KNOCK_WHY_UNKNOWN] = "an error that is neither an answer nor silence: this knock cannot "
                          "tell",
};

const char *knock_why_text(enum knock_why why)
{
    return (size_t)why < sizeof why_text / sizeof why_text[0] ? why_text[why] : "";
}

const char *knock_errno_verdict(const struct knock *k, enum knock_why *why)
{
    switch (k->err) {
    case 0:
        *why = k->tcp ? KNOCK_WHY_CONNECTED : KNOCK_WHY_REPLY;
        return "open";
    case ECONNREFUSED: /* TCP: a reset or an ICMP port unreachable; UDP: the ICMP */
        *why = k->tcp ? KNOCK_WHY_TCP_REFUSED : KNOCK_WHY_UDP_REFUSED;
        return k->tcp ? "closed|filtered" : "closed";
    case ETIMEDOUT:
        *why = k->tcp ? KNOCK_WHY_TCP_TIMEOUT : KNOCK_WHY_UDP_NOTHING;
        return k->tcp ? "filtered" : "open|filtered";
    case EHOSTUNREACH:
    case EACCES:
    case ENETUNREACH:
        *why = KNOCK_WHY_UNREACHABLE;
        return "filtered";
    case EPERM: /* the packet never left */
        *why = KNOCK_WHY_LOCAL_RULE;
        return "filtered";
    default:
        *why = KNOCK_WHY_UNKNOWN;
        return "unknown";
    }
}

const char *knock_verdict_text(const struct knock *k, char *buf, unsigned long cap)
{
    enum knock_why why;
    const char *v = knock_errno_verdict(k, &why);

    snprintf(buf, cap, "%s - %s", v, knock_why_text(why));
    return buf;
}
