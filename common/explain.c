/* explain.c - why a call failed, said only as far as it can be checked.
 * See explain.h. */
#include "explain.h"
#include "addr.h"
#include "kernel.h"
#include "narrate.h"
#include "privilege.h"
#include "tcptable.h"
#include "version.h" /* PORTLAB_LESSONS: where the lessons are */

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int to_stdout; /* explain_narrate: the story; explain_report: stderr */
static int is_server; /* explain_for_server(): the advice on a taken port */

static void why(const char *fmt, ...) PRINTF_LIKE(1, 2);
static void why(const char *fmt, ...)
{
    char text[NARRATE_LINE_MAX - 100];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (to_stdout)
        narrate("%s: why: %s", narrate_program_name(), text);
    else
        report("why: %s", text);
}

/* After a refused bind() of a taken port (a real failure, not a demo's
 * planned clash): how to see who holds it, and the way round it. ss_opts:
 * "ltnp" (TCP listeners), "tanp" (any TCP socket), "uanp" (UDP). ss -p
 * names the process only to its own user, or to root. */
static void why_taken_ways_out(const char *ss_opts, unsigned port)
{
    if (to_stdout || port == 0)
        return;
    why("ways out: see who holds it with ss -%s 'sport = :%u'\n(-p names the program only "
        "to root, or to its own user unless it changed user or still holds "
        "capabilities); stop that one, or %s", ss_opts, port,
        is_server
            ? "start this one on another port, or with -p 0 to let the kernel choose a free "
              "one (the ready line says which)"
            : "use another port");
}

/* "such as 9023": a port at or above the threshold, near the one refused. */
static unsigned port_above(unsigned port, unsigned threshold)
{
    return port + 8000 >= threshold && port + 8000 <= 65535 ? port + 8000 : threshold;
}

/* EACCES from bind(): the low-port rule, but only if the port is low and
 * we lack the capability that lifts it. */
static void why_bind_eacces(unsigned port)
{
    static unsigned explained = 65536; /* the port last explained in full */
    struct kernel_fact t = kernel_unprivileged_port_start();
    struct privilege_cap cap = privilege_cap_state();
    unsigned threshold = privilege_threshold();
    const char *no_setcap = privilege_setcap_useless(CAP_NET_BIND_SERVICE_BIT);
    int sudo = !privilege_is_uid0(); /* root already is */

    if (port == 0 || port >= threshold) {
        why("port %u is not below %u, the kernel's threshold%s, so the low-port rule did "
            "not refuse it:\nsomething else did - a security module (Landlock, AppArmor, "
            "SELinux) or a seccomp filter; which one, this program cannot tell",
            port, threshold, t.known ? "" : " (the classic one: this system does not say)");
        return;
    }
    if (cap.state == PRIV_CAP_HELD) {
        why("port %u is below %u, the kernel's threshold, but this process holds "
            "CAP_NET_BIND_SERVICE (read from %s), which lifts that rule:\nsomething else "
            "refused - a security module (Landlock, AppArmor, SELinux) or a seccomp filter; "
            "which one, this program cannot tell", port, threshold, cap.source);
        return;
    }
    if (port == explained) {
        why("the same rule, for the other protocol:\nTCP and UDP ports need the same "
            "privilege");
        return;
    }
    explained = port;
    if (t.known)
        why("port %u is below %u, the kernel's threshold: binding it needs privilege.\n"
            "(The threshold is net.ipv4.ip_unprivileged_port_start, read from %s.)", port,
            threshold, t.source);
    else
        why("port %u is a system port (below 1024);\nthis system does not say its "
            "threshold, but binding it needs privilege", port);
    switch (cap.state) {
    case PRIV_CAP_HELD_ELSEWHERE:
        why("this process runs as %s and holds CAP_NET_BIND_SERVICE (read from %s), but\n"
            "in a user namespace that neither owns this network namespace nor is an "
            "ancestor of its owner, so it does not count here (ip(7), user_namespaces(7))",
            privilege_who(), cap.source);
        break;
    case PRIV_CAP_NOT_HELD:
        why("this process runs as %s and does not hold CAP_NET_BIND_SERVICE (read from %s)",
            privilege_who(), cap.source);
        if (privilege_is_uid0())
            why("uid 0 is not what counts:\nthe capability is, and this process lacks it "
                "(taken from its bounding or effective set: capabilities(7))");
        break;
    default:
        why("this process runs as %s (whether it holds CAP_NET_BIND_SERVICE is %s)",
            privilege_who(), cap.source);
        break;
    }
    if (no_setcap != NULL)
        why("not setcap: %s", no_setcap);
    if (cap.state == PRIV_CAP_HELD_ELSEWHERE)
        why("ways out: a network namespace of this user namespace's own (unshare -n),\nwhere "
            "the capability counts over that namespace's own loopback only, or use a port at "
            "or above %u, such as %u", threshold, port_above(port, threshold));
    else if (no_setcap != NULL)
        why("ways out here: use a port at or above %u, such as %u;\nor a private user and "
            "network namespace (unshare -rn sh -c 'ip link set lo up; ...'), where the "
            "capability counts over that namespace's own loopback only", threshold,
            port_above(port, threshold));
    else
        why("ways out:\n%sgrant just this right (sudo setcap cap_net_bind_service=+ep %s), or "
            "use a port at or above %u, such as %u", sudo ? "run it as root (sudo), " : "",
            narrate_program_path(), threshold, port_above(port, threshold));
}

/* A TCP port in use: say what the kernel's table shows holds it. Returns
 * 0 when the table says nothing (the caller gives the general rule). */
static int why_tcp_in_use(const struct sockaddr *sa)
{
    struct tcp_port_summary s;
    char where[ADDR_STRLEN];

    tcptable_summarize(sa, &s);
    if (!s.readable)
        return 0;
    if (s.listeners > 0) {
        why("another socket already holds this TCP port:\none listens on %s (the kernel's "
            "table, %s), and the two do not share it: on Linux a listening port "
            "is shared only by sockets that all set SO_REUSEPORT (under one user) or that "
            "are each tied to a different interface (SO_BINDTODEVICE); UDP ports are a "
            "separate set",
            addr_format((struct sockaddr *)&s.listener, where, sizeof where), s.listener_source);
        why_taken_ways_out("ltnp", addr_port(sa));
        return 1;
    }
    if (s.time_wait > 0) {
        why("no server holds it, but %d earlier connection%s of this port wait%s in TIME_WAIT\n"
            "(the kernel's table, %s), %s %.0f s more; Linux lets a bind() past "
            "them only when the old socket and the new one both set SO_REUSEADDR, or "
            "both SO_REUSEPORT (" PORTLAB_LESSONS "/restart.md)", s.time_wait, s.time_wait == 1 ? "" : "s",
            s.time_wait == 1 ? "s" : "", s.time_wait_source, s.time_wait == 1 ? "for" : "the last for",
            s.time_wait_left);
        return 1;
    }
    if (s.others > 0) {
        struct tcp_entry e;
        char peer[ADDR_STRLEN], held[40];
        int state = s.other_state;
        int closing = state == TCPS_FIN_WAIT1 || state == TCPS_FIN_WAIT2 ||
                      state == TCPS_CLOSING || state == TCPS_LAST_ACK;

        memset(&e, 0, sizeof e);
        e.local = s.other_local;
        e.remote = s.other_remote;
        e.state = state;
        addr_format((struct sockaddr *)&s.other_remote, peer, sizeof peer);
        snprintf(held, sizeof held, closing ? "in %s (closing)" : "still %s",
                 tcptable_state_name(state));
        if (tcptable_end(&e) == TCP_END_OUTGOING)
            why("no server listens on it, but a connection from this port to %s is %s\n(the "
                "kernel's table, %s): %s; this port is its source port, held as "
                "long as that connection lasts", peer, held, s.other_source,
                state == TCPS_SYN_SENT
                    ? "an outgoing connection (only connect() sends a connection request)"
                    : "most likely an outgoing connection (a server listens on its other end "
                      "and none on this port, while an accepted connection has a listener's "
                      "port)");
        else
            why("no server listens on it, but a connection between this port and %s is %s\n"
                "(the kernel's table, %s): either a client's outgoing connection, "
                "this port its source port, or one a server accepted on this port, still "
                "held after its listener closed; the table cannot tell which", peer, held,
                s.other_source);
        why("Linux lets a bind() past a connection only when its socket and the new one "
            "both set SO_REUSEADDR (or both SO_REUSEPORT, under one user)");
        why_taken_ways_out("tanp", addr_port(sa));
        return 1;
    }
    return 0;
}

/* EPERM from socket(): a raw or packet socket, and CAP_NET_RAW. */
static void why_socket_eperm(const char *proto)
{
    struct privilege_cap cap = privilege_cap_of(CAP_NET_RAW_BIT);
    const char *no_setcap = privilege_setcap_useless(CAP_NET_RAW_BIT), *off = NULL;
    int userns = privilege_userns_allowed(&off);

    why("a %s socket reads or writes packets beneath TCP and UDP, their headers included,\n"
        "so the kernel asks for CAP_NET_RAW (capabilities(7), packet(7), raw(7)) - another "
        "capability than the one for low ports", proto != NULL ? proto : "raw");
    switch (cap.state) {
    case PRIV_CAP_HELD_ELSEWHERE:
        why("this process runs as %s and holds CAP_NET_RAW (read from %s), but\nin a user "
            "namespace that neither owns this network namespace nor is an ancestor of its "
            "owner, so it does not count here", privilege_who(), cap.source);
        break;
    case PRIV_CAP_NOT_HELD:
        why("this process runs as %s and does not hold CAP_NET_RAW (read from %s)",
            privilege_who(), cap.source);
        break;
    case PRIV_CAP_HELD:
        why("this process holds CAP_NET_RAW (read from %s), yet was refused:\na security "
            "module or seccomp filter, most likely; cannot tell which", cap.source);
        return;
    default:
        why("whether this process holds CAP_NET_RAW is %s", cap.source);
        break;
    }
    if (no_setcap != NULL)
        why("not sudo or setcap: %s", no_setcap);
    if (no_setcap != NULL)
        why("ways out: a private user and network namespace,\nwhere an ordinary user holds "
            "CAP_NET_RAW over its own loopback only (unshare -rn sh -c 'ip link set lo up; "
            "...')");
    else
        why("ways out: sudo;\nor grant just this right (sudo setcap cap_net_raw+ep %s); or a "
            "private user and network namespace, where an ordinary user holds CAP_NET_RAW "
            "over its own loopback only (unshare -rn sh -c 'ip link set lo up; ...')",
            narrate_program_path());
    if (userns == 0)
        why("but this system forbids the last for ordinary users: %s", off);
}

/* Broadcast is IPv4's only (an IPv4-mapped IPv6 address is IPv4). */
static int may_broadcast(const struct sockaddr *sa)
{
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(const void *)sa;

    return sa == NULL || sa->sa_family != AF_INET6 || IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr);
}

static void why_errno(const char *call, const char *proto, const struct sockaddr *sa,
                      int err)
{
    int is_udp = proto != NULL && strcmp(proto, "udp") == 0;
    int is_bind = strcmp(call, "bind") == 0;
    /* sendto(), or sendmsg() (a server's reply, with its source address),
     * on an unconnected UDP socket. */
    int is_send_to = strcmp(call, "sendto") == 0 || strcmp(call, "sendmsg") == 0;

    switch (err) {
    case EACCES:
        if (is_bind && sa != NULL) {
            why_bind_eacces(addr_port(sa));
            return;
        }
        /* IPv6: an ICMPv6 error that came back says EACCES too - after a
         * packet went out, to a socket that hears ICMP errors (a UDP
         * connect() sends none; an unconnected sendto() or sendmsg()
         * hears none). */
        if (!may_broadcast(sa) && !(is_udp && (strcmp(call, "connect") == 0 || is_send_to)))
            why("a firewall's reject answered with an ICMPv6 'communication with destination "
                "administratively prohibited'\n(RFC 4443; nft: reject with icmpx type "
                "admin-prohibited), or a local rule refused it: a prohibit route to that "
                "address (ip route add prohibit ...; ip(7)), a security module (Landlock, "
                "AppArmor, SELinux) or a seccomp filter; this program cannot tell which");
        else if (is_udp && may_broadcast(sa))
            why("a local rule refused it:\na prohibit route to that address (ip route add "
                "prohibit ...; ip(7)), a broadcast address without SO_BROADCAST, a security "
                "module (Landlock, AppArmor, SELinux) or a seccomp filter; this program "
                "cannot tell which");
        else
            why("a local rule refused it:\na prohibit route to that address (ip route add "
                "prohibit ...; ip(7)), a security module (Landlock, AppArmor, SELinux) or a "
                "seccomp filter; this program cannot tell which");
        return;
    case EPERM:
        if (strcmp(call, "socket") == 0) {
            why_socket_eperm(proto);
            return;
        }
        if (strcmp(call, "bind") != 0)
            why("a local firewall rule (nftables, iptables) dropped the packet as it left:\n"
                "the kernel says EPERM to the sender");
        return;
    case EADDRINUSE:
        if (is_bind && !is_udp && sa != NULL && why_tcp_in_use(sa))
            return;
        if (is_bind)
            why(is_udp ? "another socket already holds this UDP port on this address (or "
                         "on the wildcard address, which overlaps it), and the two do not "
                         "share it:\non Linux UDP sockets share a port only when all set "
                         "SO_REUSEADDR, or all set SO_REUSEPORT (under one user), or each is "
                         "tied to a different interface (SO_BINDTODEVICE); TCP ports are a "
                         "separate set"
                       : "another socket already holds this TCP port on this address (or "
                         "on the wildcard address, which overlaps it), and the two do not "
                         "share it:\non Linux TCP sockets share a port only when all set "
                         "SO_REUSEPORT (under one user), or all set SO_REUSEADDR and bind "
                         "while none listens, or each is tied to a different interface "
                         "(SO_BINDTODEVICE); UDP ports are a separate set");
        else
            why("that four-tuple (our address and port, theirs) is already in use");
        if (is_bind && is_udp && sa != NULL)
            why_taken_ways_out("uanp", addr_port(sa));
        return;
    case EADDRNOTAVAIL:
        if (is_bind)
            why("that address does not belong to this machine:\nbind only to one of its "
                "own addresses, or to the wildcard");
        else
            why("the kernel had no free local port (or address) for this connection");
        return;
    case ECONNREFUSED:
        why(is_udp ? "nothing listens on that UDP port, most likely:\nan ICMP 'port "
                     "unreachable' came back, which the kernel turned into this error on "
                     "our connected UDP socket (a firewall rule that rejects looks the same)"
                   : "the connection request was answered with a reset (RST) or an ICMP "
                     "'port unreachable', and errno is the same for both:\na reset is what a "
                     "host sends when nothing listens on that TCP port (the usual case); a "
                     "firewall rule that rejects (nft's reject, iptables' REJECT) can send "
                     "either, even while a server listens; which came back, this "
                     "program cannot tell");
        return;
    case ETIMEDOUT:
        if (is_udp)
            why("no reply came:\nUDP has no connection and no acknowledgement, so a lost "
                "datagram, an absent server and a firewall that drops look the same: "
                "silence");
        else if (strcmp(call, "connect") == 0)
            why("no answer to the connection request (SYN) within the client's -t:\nthe "
                "host may be down or absent, or a firewall drops the packets; the timeout "
                "is this client's, the kernel would have tried for minutes");
        else
            why("the kernel gave up on the connection:\nthe other end stopped acknowledging "
                "(retransmissions or keepalive probes went unanswered)");
        return;
    case ENETUNREACH:
        why("this machine has no route to that network,\nor a router or a firewall rule on "
            "the way answered 'network unreachable' (ICMP)");
        return;
    case EHOSTUNREACH:
        why("the host could not be reached:\nusually no route to it, or nothing answers "
            "for that address on its network; a firewall that rejects with 'host "
            "prohibited' gives the same error");
        return;
    case EAFNOSUPPORT:
        why("this machine does not support that address family (IPv6 disabled?)");
        return;
    case EMFILE:
    case ENFILE:
        why("out of file descriptors: every socket is one");
        return;
    default:
        return;
    }
}

static void write_sys(const char *call, const char *proto, const struct sockaddr *sa,
                      int err)
{
    char addr[ADDR_STRLEN], line[NARRATE_LINE_MAX - 16];
    const char *text = err == ETIMEDOUT && proto != NULL && strcmp(proto, "udp") == 0
                           ? "no reply in time" : narrate_errno_text(err);

    if (sa != NULL)
        snprintf(line, sizeof line, "%s(%s %s): %s (%s)", call, proto,
                 addr_format(sa, addr, sizeof addr), narrate_errno_name(err), text);
    else
        snprintf(line, sizeof line, "%s(%s): %s (%s)", call, proto, narrate_errno_name(err), text);
    if (to_stdout)
        narrate("%s: %s", narrate_program_name(), line);
    else
        report("%s", line);
    why_errno(call, proto, sa, err);
}

void explain_for_server(int yes)
{
    is_server = yes;
}

void explain_report(const char *call, const char *proto, const struct sockaddr *sa, int err)
{
    char kind[64];

    /* The same failure again and again (every datagram's reply refused,
     * say): a few a second are shown, with their why: lines; the rest are
     * counted, and the count said (narrate.h, narrate_report_ok). */
    snprintf(kind, sizeof kind, "%s(%s): %s", call, proto, narrate_errno_name(err));
    if (!narrate_report_ok(kind))
        return;
    to_stdout = 0;
    write_sys(call, proto, sa, err);
}

void explain_narrate(const char *call, const char *proto, const struct sockaddr *sa, int err)
{
    to_stdout = 1;
    write_sys(call, proto, sa, err);
}
