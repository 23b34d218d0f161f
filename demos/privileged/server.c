/* privileged-server - ports below 1024 need privilege to BIND.
 *
 * WHAT IT SHOWS
 *   The primer says ports 0-1023 may be used only by root. On Linux the
 *   precise rule is: bind() of a port below net.ipv4.ip_unprivileged_port_start
 *   (1024 unless someone changed it; often 0 in containers) needs the
 *   capability CAP_NET_BIND_SERVICE. Root has it. This server tries to bind
 *   port 23 (telnet's) for TCP and UDP, and explains the outcome either way:
 *   - EACCES as an ordinary user: who we are, the capability, the threshold
 *     the kernel uses, and the ways out. Exit 1.
 *   - success: why it was allowed. As root it then DROPS root at once, shows
 *     that the ports it holds stay its own (privilege is checked only at
 *     bind time), and that a new low bind now fails, as expected. Then it
 *     serves.
 *
 * HOW TO RUN IT
 *   as yourself:  bin/privileged-server             -> EACCES, explained
 *                 bin/privileged-server -p 2323     -> fine: above the threshold
 *   as root:      sudo bin/privileged-server        -> binds 23, becomes nobody
 *   then:         bin/privileged-client 127.0.0.1   (as yourself: reaching 23 is free)
 *   or:           make demo DEMO=privileged
 *
 * PRIVILEGE
 *   The point of the demo. Granting only the one right, without root:
 *     sudo setcap cap_net_bind_service=+ep bin/privileged-server
 *
 * LESSON: docs/privileged.md    MAN PAGES: bind(2), capabilities(7), ip(7)
 *   (its owning user namespace), setuid(2), setgroups(2), setcap(8); the
 *   threshold is in the kernel's Documentation/networking/ip-sysctl.rst
 */
#define _DEFAULT_SOURCE  /* setgroups(): not POSIX, though every Unix has it */
#define _DARWIN_C_SOURCE /* (macOS's name for the same) */
#include "portlab.h"
#include "privileged.h" /* plumbing: options, the reply */

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int bind_port(struct addrinfo *ai, int socktype);
static int drop_privilege(const char *user);
static void bind_low_again(const struct addrinfo *ai);

int main(int argc, char **argv)
{
    struct opts o;
    struct addrinfo *ai;
    const char *reason;
    char where[ADDR_STRLEN];
    int tcp, udp, rc = EXIT_FAILED, dropped;

    narrate_init(argv[0]);
    signals_install(); /* Ctrl-C or SIGTERM, even during start-up: a clean exit */
    privileged_server_options(&o, argc, argv); /* 23 unless -p */
    if (addr_resolve(o.host, o.port, o.family, SOCK_STREAM, 1, &ai) != 0)
        return EXIT_FAILED;
    port_narrate_request(o.port);
    privileged_narrate_threshold(); /* read from /proc, not assumed */
    privileged_narrate_who();           /* who we are, and CapEff */

    /* 1. Bind TCP first, then UDP on the same number: the privilege rule
     *    is the same for both protocols, so we try both even if TCP is
     *    refused. */
    tcp = bind_port(ai, SOCK_STREAM);
    udp = bind_port(ai, SOCK_DGRAM);
    o.port = addr_port(ai->ai_addr); /* -p 0: the one the kernel chose */
    if (tcp >= 0 && udp >= 0) {
        /* 2. Say why the kernel let us, from the facts it holds. */
        reason = privilege_bind_reason(o.port);
        narrate("allowed because %s", reason != NULL ? reason : "the kernel said yes");

        /* 3. Least privilege: the right was needed for bind() alone. Give
         *    it up now, before talking to any client. */
        dropped = drop_privilege(o.user);
        if (dropped > 0) {
            privileged_narrate_who();
            narrate("we still hold tcp and udp port %u: the kernel checks privilege at "
                    "bind() time, not afterwards", o.port);
            bind_low_again(ai);
        }

        /* 4. Serve: the held ports answer, whoever we are now. */
        if (dropped >= 0) {
            narrate("ready on %s (tcp+udp)", addr_format(ai->ai_addr, where, sizeof where));
            rc = serve_run(tcp, udp, o.count, privileged_reply, NULL);
        }
    }
    if (tcp >= 0)
        close(tcp);
    if (udp >= 0)
        close(udp);
    freeaddrinfo(ai);
    return rc;
}

/* socket() + bind() (+ listen() for TCP). Returns the socket or -1. Port
 * 0: the kernel's choice, written back into ai for the next protocol. */
static int bind_port(struct addrinfo *ai, int socktype)
{
    const char *proto = addr_proto(socktype);
    struct sockaddr_storage got;
    socklen_t len = sizeof got;
    char where[ADDR_STRLEN];
    int fd = socket(ai->ai_family, socktype, 0), one = 1;

    if (fd < 0) {
        explain_report("socket", proto, ai->ai_addr, errno);
        return -1;
    }
    if (socktype == SOCK_STREAM) /* restart without waiting for TIME_WAIT */
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    addr_dual_stack(fd, ai->ai_addr); /* [::]: IPv4 clients too */
    /* THE LESSON: this is where the kernel checks privilege. For a port
     * below its threshold, without CAP_NET_BIND_SERVICE: EACCES. */
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
        (socktype == SOCK_STREAM && listen(fd, SOMAXCONN) != 0)) {
        explain_report("bind", proto, ai->ai_addr, errno);
        close(fd);
        return -1;
    }
    getsockname(fd, (struct sockaddr *)&got, &len);
    addr_set_port(ai->ai_addr, addr_port((struct sockaddr *)&got));
    narrate("%s bound to %s", proto, addr_format((struct sockaddr *)&got, where, sizeof where));
    return fd;
}

/* Give up root (or, without root, every capability). Returns 1 when
 * something was given up, 0 when there was nothing, -1 on failure. */
static int drop_privilege(const char *user)
{
    uid_t uid;
    gid_t gid;
    int err = 0;

    /* Not root - a program granted the capability by setcap, uid 0 of a
     * user namespace an ordinary user made (unshare -rn): give up every
     * capability, keep the uid (common/privilege.c reads /proc back). */
    if (!privilege_must_become_user(user, 1))
        return privilege_give_up_capabilities(1);
    if (privilege_user_ids(user, &uid, &gid) != 0) /* refuses a uid-0 "user" */
        return -1;
    /* THE LESSON: root becomes an ordinary user (-u USER, nobody by
     * default), for good. Order matters: the supplementary groups and the
     * group first, while we are still root and may change them; the uid
     * last, because once setuid() leaves uid 0 there is no way back - and
     * that is the point. Without setgroups() we would keep root's groups. */
    if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0)
        err = errno;
    /* Prove it rather than trust it: every id is the user's, setuid(0)
     * now fails, and no capability is left (common/privilege.c). */
    return privilege_became_user(user, uid, gid, err);
}

/* After dropping root: ask for one more port below the threshold. */
static void bind_low_again(const struct addrinfo *ai)
{
    unsigned threshold = privilege_threshold(), low;
    struct sockaddr_storage sa;
    int fd, err;

    if (threshold == 0) {
        narrate("the threshold is 0 here: every port is open to everyone, so a "
                "new low bind would work too");
        return;
    }
    low = threshold - 1;
    memcpy(&sa, ai->ai_addr, ai->ai_addrlen);
    addr_set_port((struct sockaddr *)&sa, low);
    narrate("now a new socket asks for port %u, below the threshold:", low);
    fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd < 0)
        return;
    /* THE LESSON, again: the same bind() as before, without privilege. */
    err = bind(fd, (struct sockaddr *)&sa, ai->ai_addrlen) == 0 ? 0 : errno;
    if (err == 0)
        narrate("surprise: it worked (%s)", privilege_bind_reason(low));
    else if (privileged_refusal_expected(low, err)) /* the refusal we came for */
        privileged_narrate_refusal("tcp", (struct sockaddr *)&sa, err);
    else
        explain_report("bind", "tcp", (struct sockaddr *)&sa, err); /* something else */
    close(fd);
}
