/* privilege.c - the facts behind "Permission denied". See privilege.h.
 *
 * setgroups() is not in POSIX (it is in every Unix); glibc and musl
 * declare it only with _DEFAULT_SOURCE, the BSDs and macOS with
 * _DARWIN_C_SOURCE / __BSD_VISIBLE. Without it a process that drops from
 * root would keep root's supplementary groups. The namespace and
 * capability calls below are Linux's; elsewhere they say "unknown".
 */
#define _DEFAULT_SOURCE
#define _DARWIN_C_SOURCE
#include "privilege.h"
#include "kernel.h"
#include "narrate.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/ioctl.h>
#include <sys/syscall.h>
#define NS_GET_USERNS_IOCTL 0xb701 /* _IO(0xb7, 0x1): linux/nsfs.h */
#endif

const char *privilege_who(void)
{
    static char buf[96];
    uid_t uid = geteuid();
    struct passwd *pw = getpwuid(uid);

    snprintf(buf, sizeof buf, "uid %lu (%s)", (unsigned long)uid,
             pw != NULL ? pw->pw_name : "no name");
    return buf;
}

int privilege_is_uid0(void)
{
    return geteuid() == 0;
}

/* 1 if our user namespace owns our network namespace, 0 if another one
 * does, -1 if this system does not say. */
static int own_network_namespace(void)
{
#ifdef __linux__
    struct stat mine, owner;
    int net = open("/proc/self/ns/net", O_RDONLY), user, rc = -1;

    if (net < 0)
        return -1;
    user = ioctl(net, NS_GET_USERNS_IOCTL);
    if (user < 0) {
        /* EPERM: the owner is outside our user namespace, so not ours. */
        rc = errno == EPERM ? 0 : -1;
    } else {
        if (fstat(user, &owner) == 0 && stat("/proc/self/ns/user", &mine) == 0)
            rc = owner.st_ino == mine.st_ino && owner.st_dev == mine.st_dev;
        close(user);
    }
    close(net);
    return rc;
#else
    return -1;
#endif
}

struct privilege_cap privilege_cap_state(void)
{
    return privilege_cap_of(CAP_NET_BIND_SERVICE_BIT);
}

int privilege_userns_allowed(const char **why)
{
    struct kernel_fact max = kernel_read_fact("/proc/sys/user/max_user_namespaces", 1);
    struct kernel_fact clone = kernel_read_fact("/proc/sys/kernel/unprivileged_userns_clone", 1);
    struct kernel_fact apparmor =
        kernel_read_fact("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", 1);

    *why = NULL;
    if (max.known && max.value[0] == 0)
        *why = "user.max_user_namespaces is 0 (read from /proc/sys/user/max_user_namespaces)";
    else if (clone.known && clone.value[0] == 0)
        *why = "kernel.unprivileged_userns_clone is 0 (read from "
               "/proc/sys/kernel/unprivileged_userns_clone)";
    else if (apparmor.known && apparmor.value[0] != 0)
        *why = "AppArmor restricts them (kernel.apparmor_restrict_unprivileged_userns is 1)";
    if (*why != NULL)
        return 0;
    return max.known ? 1 : -1;
}

struct privilege_cap privilege_cap_of(int bit)
{
    struct kernel_fact cap = kernel_has_capability(bit);
    struct privilege_cap p;

    p.source = cap.source;
    if (!cap.known)
        p.state = PRIV_CAP_UNKNOWN;
    else if (!cap.value[0])
        p.state = PRIV_CAP_NOT_HELD;
    else
        /* cppcheck-suppress knownConditionTrueFalse ; (Linux only: -1 elsewhere) */
        p.state = own_network_namespace() == 0 ? PRIV_CAP_HELD_ELSEWHERE : PRIV_CAP_HELD;
    return p;
}

void privilege_narrate(void)
{
    struct privilege_cap cap = privilege_cap_state();

    switch (cap.state) {
    case PRIV_CAP_UNKNOWN:
        narrate("we run as %s (whether we hold CAP_NET_BIND_SERVICE is %s)",
                privilege_who(), cap.source);
        break;
    case PRIV_CAP_HELD_ELSEWHERE:
        narrate("we run as %s, holding CAP_NET_BIND_SERVICE (read from %s) - but in a user "
                "namespace that does not own this network namespace, where it does not "
                "count", privilege_who(), cap.source);
        break;
    default:
        narrate("we run as %s, %s CAP_NET_BIND_SERVICE (read from %s)", privilege_who(),
                cap.state == PRIV_CAP_HELD ? "holding" : "without", cap.source);
        break;
    }
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
    struct privilege_cap cap = privilege_cap_state();
    unsigned threshold = privilege_threshold();

    if (port == 0 || port >= threshold) {
        snprintf(buf, sizeof buf, "port %u is at or above the threshold %u, so no "
                 "privilege is needed%s", port, threshold,
                 port < 1024 ? " (a lowered threshold, common inside containers)" : "");
        return buf;
    }
    if (cap.state == PRIV_CAP_HELD)
        return geteuid() == 0
                   ? "we hold CAP_NET_BIND_SERVICE (read from CapEff), as root usually does"
                   : "we hold CAP_NET_BIND_SERVICE without being root (granted with setcap, "
                     "or in a user namespace of our own)";
    if (cap.state == PRIV_CAP_UNKNOWN && geteuid() == 0)
        return "we run as root, which holds the privilege on systems that do not say more";
    return NULL;
}

int privilege_drop(const char *user)
{
    struct passwd *pw = getpwnam(user);
    uid_t uid;
    gid_t gid;

    if (pw == NULL) {
        report("no user named '%s' to drop privileges to", user);
        return -1;
    }
    uid = pw->pw_uid;
    gid = pw->pw_gid;
    if (uid == 0) {
        report("refusing to drop privileges to '%s': its uid is 0, so it would still be "
               "root; name an ordinary user (e.g. nobody)", user);
        return -1;
    }
    /* Order matters: groups and gid first, while we still may change them;
     * the uid last, after which there is no way back. */
    if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
        report("dropping privileges to %s: %s (%s)", user, errno_name(errno),
               errno_text(errno));
        return -1;
    }
    /* Prove it, rather than trust it: every id is the user's, and the way
     * back to root is closed. */
    if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid) {
        report("dropping privileges to %s: the ids did not all change", user);
        return -1;
    }
    if (setuid(0) == 0 || seteuid(0) == 0) {
        report("dropping privileges to %s: could still become root again", user);
        return -1;
    }
    return 0;
}

int privilege_drop_capabilities(void)
{
#ifdef __linux__
    /* capset(2) directly: the same structures as <linux/capability.h>,
     * version 3 (two 32-bit words of each set). */
    struct { unsigned version; int pid; } header = {0x20080522, 0};
    struct { unsigned effective, permitted, inheritable; } data[2];
    struct kernel_fact cap = kernel_has_capability(CAP_NET_BIND_SERVICE_BIT);

    if (!cap.known || !cap.value[0])
        return 0;
    memset(data, 0, sizeof data);
    if (syscall(SYS_capset, &header, data) != 0) {
        report("giving up our capabilities: capset: %s (%s)", errno_name(errno),
               errno_text(errno));
        return -1;
    }
    cap = kernel_has_capability(CAP_NET_BIND_SERVICE_BIT);
    if (cap.known && cap.value[0]) {
        report("giving up our capabilities: CapEff still holds CAP_NET_BIND_SERVICE");
        return -1;
    }
    return 1;
#else
    return 0;
#endif
}
