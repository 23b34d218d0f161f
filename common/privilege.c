/* privilege.c - the facts behind "Permission denied". See privilege.h.
 *
 * setgroups() is not in POSIX (it is in every Unix); glibc declares it
 * only with _DEFAULT_SOURCE. Without it a process that drops from root
 * would keep root's supplementary groups.
 */
#define _DEFAULT_SOURCE
#include "privilege.h"
#include "kernel.h"
#include "narrate.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

const char *privilege_who(void)
{
    static char buf[96];
    uid_t uid = geteuid();
    struct passwd *pw = getpwuid(uid);

    snprintf(buf, sizeof buf, "uid %lu (%s)", (unsigned long)uid,
             pw != NULL ? pw->pw_name : "no name");
    return buf;
}

void privilege_narrate(void)
{
    struct kernel_fact cap = kernel_has_capability(CAP_NET_BIND_SERVICE_BIT);

    if (!cap.known)
        narrate("we run as %s (whether we hold CAP_NET_BIND_SERVICE is %s)",
                privilege_who(), cap.source);
    else
        narrate("we run as %s, %s CAP_NET_BIND_SERVICE (read from %s)", privilege_who(),
                cap.value[0] ? "holding" : "without", cap.source);
}

unsigned privilege_threshold(void)
{
    struct kernel_fact t = kernel_unprivileged_port_start();

    return t.known ? (unsigned)t.value[0] : 1024;
}

void privilege_narrate_threshold(void)
{
    struct kernel_fact t = kernel_unprivileged_port_start();

    if (t.known)
        narrate("the kernel's rule here: binding a port below %ld needs privilege "
                "(net.ipv4.ip_unprivileged_port_start, read from %s)", t.value[0], t.source);
    else
        narrate("the kernel's threshold is %s; the classic rule is: ports below "
                "1024 need privilege", t.source);
}

const char *privilege_bind_reason(unsigned port)
{
    static char buf[200];
    struct kernel_fact cap = kernel_has_capability(CAP_NET_BIND_SERVICE_BIT);
    unsigned threshold = privilege_threshold();

    if (port == 0 || port >= threshold) {
        snprintf(buf, sizeof buf, "port %u is at or above the threshold %u, so no "
                 "privilege is needed%s", port, threshold,
                 port < 1024 ? " (a lowered threshold, common inside containers)" : "");
        return buf;
    }
    if (geteuid() == 0)
        return "we run as root, and root holds CAP_NET_BIND_SERVICE";
    if (cap.known && cap.value[0])
        return "we hold CAP_NET_BIND_SERVICE without being root (granted with setcap)";
    return NULL;
}

void privilege_explain_eacces(FILE *out, unsigned port)
{
    static unsigned explained = 65536; /* the port last explained in full */
    struct kernel_fact t = kernel_unprivileged_port_start();
    struct kernel_fact cap = kernel_has_capability(CAP_NET_BIND_SERVICE_BIT);
    const char *me = program_name();
    unsigned threshold = t.known ? (unsigned)t.value[0] : 1024;
    unsigned other = port + 8000 >= threshold && port + 8000 <= 65535 ? port + 8000 : threshold;

    if (port == explained) {
        fprintf(out, "%s: why: the same rule, for the other protocol: TCP and UDP "
                "ports need the same privilege\n", me);
        return;
    }
    explained = port;
    if (t.known)
        fprintf(out, "%s: why: port %u is below %u, the kernel's "
                "net.ipv4.ip_unprivileged_port_start (read from %s): binding it needs "
                "privilege\n", me, port, threshold, t.source);
    else
        fprintf(out, "%s: why: port %u is a system port (below 1024); this system "
                "does not say its threshold, but binding it needs privilege\n", me, port);
    if (cap.known)
        fprintf(out, "%s: why: this process runs as %s and %s CAP_NET_BIND_SERVICE "
                "(read from %s)\n", me, privilege_who(),
                cap.value[0] ? "holds" : "does not hold", cap.source);
    else
        fprintf(out, "%s: why: this process runs as %s\n", me, privilege_who());
    fprintf(out, "%s: why: ways out: run it as root (sudo), grant just this right "
            "(sudo setcap cap_net_bind_service=+ep %s), or use a port at or above %u, "
            "such as %u\n", me, program_path(), threshold, other);
}

int privilege_drop(const char *user)
{
    struct passwd *pw = getpwnam(user);

    if (pw == NULL) {
        report("no user named '%s' to drop privileges to", user);
        return -1;
    }
    /* Order matters: groups and gid first, while we still may change them;
     * the uid last, after which there is no way back. */
    if (setgroups(1, &pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0) {
        report("dropping privileges to %s: %s (%s)", user, errno_name(errno),
               strerror(errno));
        return -1;
    }
    if (pw->pw_uid != 0 && setuid(0) == 0) {
        report("dropping privileges to %s: could still become root again", user);
        return -1;
    }
    return 0;
}
