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
        snprintf(buf, cap, "%s after %ld ms", errno_name(k->err), k->ms);
    return buf;
}

/* From what came back on the wire: the scanner's own rules. */
static const char *from_wire(const struct knock *k, const char **why)
{
    switch (k->wire) {
    case KNOCK_WIRE_SYNACK:
    case KNOCK_WIRE_REPLY:
        *why = k->tcp ? "a SYN-ACK: something listens, and nothing on the way stopped the SYN"
                      : "a datagram came back: something bound there answered";
        return "open";
    case KNOCK_WIRE_RST:
        *why = "a reset: what a host's TCP sends when nothing listens on the port; a "
               "firewall's reject (nft: reject with tcp reset) forges the same, even for a "
               "port a server listens on: no packet tells the two apart";
        return "closed";
    case KNOCK_WIRE_ICMP:
        if (k->tcp) {
            *why = k->icmp_port_unreachable
                       ? "an ICMP port unreachable for TCP: a host's own TCP answers a closed "
                         "port with a reset, so a firewall's reject sent this"
                       : "an ICMP error other than port unreachable: a firewall's reject, or "
                         "a router with no way there";
            return "filtered";
        }
        if (k->icmp_port_unreachable) {
            *why = "an ICMP port unreachable: what a host's UDP sends when nothing is bound "
                   "there; a firewall's reject sends the same by default, even for a port a "
                   "server is bound to: no packet tells the two apart";
            return "closed";
        }
        *why = "an ICMP error other than port unreachable: a firewall's reject, or a router "
               "with no way there";
        return "filtered";
    case KNOCK_WIRE_NOTHING:
        if (k->tcp) {
            *why = "nothing came back: a firewall dropped the SYN, or no host answers there";
            return "filtered";
        }
        *why = "nothing came back: UDP has no handshake, so a server that got the datagram "
               "and did not answer, a firewall that dropped it and a lost datagram look the "
               "same";
        return "open|filtered";
    case KNOCK_WIRE_UNSEEN:
    default:
        return NULL;
    }
}

const char *knock_verdict(const struct knock *k, const char **why)
{
    const char *v;

    /* A local refusal first: the packet never left, whatever the wire
     * shows afterwards (nothing, of course). */
    if (k->err == EPERM) {
        *why = "a rule on this machine stopped the packet as it left (EPERM): it never "
               "reached the host";
        return "filtered";
    }
    v = from_wire(k, why);
    if (v != NULL)
        return v;
    /* Only errno to go on. */
    switch (k->err) {
    case 0:
        *why = k->tcp ? "the connection was made: something listens there"
                      : "a datagram came back: something bound there answered";
        return "open";
    case ECONNREFUSED:
        if (k->tcp) {
            *why = "connect() says ECONNREFUSED for a reset (nothing listens: closed) and for "
                   "an ICMP port unreachable (a firewall's reject: filtered); errno cannot "
                   "tell which came back, a packet socket can";
            return "closed|filtered";
        }
        *why = "an ICMP port unreachable came back: nothing is bound there, or a firewall's "
               "reject sent it (the same message); errno cannot tell which";
        return "closed";
    case ETIMEDOUT:
        if (k->tcp) {
            *why = "no answer within our -t: a firewall dropped the SYN, or no host answers "
                   "there (over IPv6, also a reject: Linux's connect() waits past the first "
                   "ICMPv6 error for the next SYN's, a second later)";
            return "filtered";
        }
        *why = "nothing came back: UDP has no handshake, so a server that got the datagram "
               "and did not answer, a firewall that dropped it and a lost datagram look the "
               "same";
        return "open|filtered";
    case EHOSTUNREACH:
    case EACCES:
    case ENETUNREACH:
        *why = "an ICMP unreachable other than port unreachable came back (a firewall's "
               "reject with admin-prohibited: EHOSTUNREACH over IPv4, EACCES over IPv6), or "
               "there is no route to the host; errno cannot tell which";
        return "filtered";
    case EPERM:
        *why = "a rule on this machine stopped the packet as it left (EPERM): it never "
               "reached the host";
        return "filtered";
    default:
        *why = "an error that is neither an answer nor silence: this knock cannot tell";
        return "unknown";
    }
}

const char *knock_verdict_text(const struct knock *k, char *buf, unsigned long cap)
{
    const char *why = "";
    const char *v = knock_verdict(k, &why);

    snprintf(buf, cap, "%s - %s", v, why);
    return buf;
}
