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
#include "addr.h"
#include "kernel.h"
#include "narrate.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/ioctl.h>
#include <sys/prctl.h>
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

static int privilege_drop_capabilities(void);
static const char *cap_name(int bit);

/* 1 if our capabilities count in our network namespace: our user
 * namespace owns it, or is an ancestor of the one that does (a capability
 * held in a user namespace is held in all its descendants too:
 * user_namespaces(7)); 0 if not; -1 if this system does not say. */
static int privilege_caps_count_here(void)
{
#ifdef __linux__
    int net = open("/proc/self/ns/net", O_RDONLY), user, rc;

    if (net < 0)
        return -1;
    /* NS_GET_USERNS hands over the owner only when it is our own user
     * namespace or one below ours; EPERM means the owner is outside our
     * reach (ioctl_ns(2)), so our capabilities do not count there. */
    user = ioctl(net, NS_GET_USERNS_IOCTL);
    if (user >= 0) {
        close(user);
        rc = 1;
    } else {
        rc = errno == EPERM ? 0 : -1;
    }
    close(net);
    return rc;
#else
    return -1;
#endif
}

/* Whether we run in the initial user namespace, the machine's own
 * (/proc/self/uid_map maps every uid to itself): 1 yes, 0 no, -1 cannot
 * tell. *outside: the uid that uid 0 of ours is outside (ULONG_MAX if
 * uid 0 is not mapped here). */
static int privilege_initial_userns(unsigned long *outside)
{
    unsigned long inside, first, count;
    char line[128], *p, *end;
    FILE *fp = fopen("/proc/self/uid_map", "r");
    int lines = 0, initial = 0, found = 0;

    *outside = ULONG_MAX;
    if (fp == NULL)
        return -1;
    /* Each line: "INSIDE OUTSIDE COUNT", three numbers; the one whose
     * range holds our uid 0 says who that is outside. */
    while (fgets(line, sizeof line, fp) != NULL) {
        p = line;
        inside = strtoul(p, &end, 10);
        if (end == p)
            break;
        first = strtoul(p = end, &end, 10);
        if (end == p)
            break;
        count = strtoul(p = end, &end, 10);
        if (end == p)
            break;
        lines++;
        if (inside == 0 && count > 0) {
            *outside = first;
            found = 1;
        }
        /* The initial user namespace maps every uid to itself: 0 0 4294967295. */
        if (inside == 0 && first == 0 && count == 4294967295UL)
            initial = 1;
    }
    fclose(fp);
    if (lines == 0)
        return -1;
    if (!found)
        *outside = ULONG_MAX;
    return initial;
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
        p.state = privilege_caps_count_here() == 0 ? PRIV_CAP_HELD_ELSEWHERE : PRIV_CAP_HELD;
    return p;
}

unsigned privilege_threshold(void)
{
    struct kernel_fact t = kernel_unprivileged_port_start();

    return t.known ? (unsigned)t.value[0] : 1024;
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

/* The descriptors we inherited: number, device and inode (so that a
 * number we reused since is never closed by mistake). */
#define INHERITED_MAX 256
static struct { int fd; dev_t dev; ino_t ino; } inherited[INHERITED_MAX];
static int inherited_n;

static void note_one(int fd, long limit)
{
    struct stat st;
    int flags;

    if (fd <= 2 || fd >= limit || inherited_n == INHERITED_MAX)
        return;
    /* Close-on-exec: not inherited (an exec would have closed it), ours. */
    if ((flags = fcntl(fd, F_GETFD)) < 0 || (flags & FD_CLOEXEC) || fstat(fd, &st) != 0)
        return;
    inherited[inherited_n].fd = fd;
    inherited[inherited_n].dev = st.st_dev;
    inherited[inherited_n].ino = st.st_ino;
    inherited_n++;
}

void privilege_note_inherited(void)
{
    struct rlimit rl;
    long limit = 1024, fd;
    char *end;
    DIR *d;
    struct dirent *e;
    static int noted;

    if (noted) /* once: at the start, before we open anything */
        return;
    noted = 1;
    d = opendir("/proc/self/fd");
    /* Below the soft limit only: a tool we run under (valgrind) keeps its
     * own descriptors above it, out of our reach. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        limit = (long)rl.rlim_cur;
    if (d == NULL) { /* no /proc: try each number */
        for (fd = 3; fd < limit && fd < 65536; fd++)
            note_one((int)fd, limit);
        return;
    }
    while ((e = readdir(d)) != NULL) {
        /* A name of digits only (/proc/self/fd holds nothing else). */
        long n = strtol(e->d_name, &end, 10);

        if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && *end == '\0' && n != dirfd(d))
            note_one((int)n, limit);
    }
    closedir(d);
}

/* Close what we inherited and still hold. Returns how many. */
static int close_inherited(void)
{
    struct stat st;
    int i, n = 0;

    for (i = 0; i < inherited_n; i++)
        if (fstat(inherited[i].fd, &st) == 0 && st.st_dev == inherited[i].dev &&
            st.st_ino == inherited[i].ino && close(inherited[i].fd) == 0)
            n++;
    inherited_n = 0;
    return n;
}

int privilege_user_ids(const char *user, uid_t *uid, gid_t *gid)
{
    struct passwd *pw = getpwnam(user);

    if (pw == NULL) {
        report("no user named '%s' to drop privileges to", user);
        return -1;
    }
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    if (*uid == 0) {
        report("refusing to drop privileges to '%s': its uid is 0, so it would still be "
               "root; name an ordinary user (e.g. nobody)", user);
        return -1;
    }
    if (*gid == 0) {
        report("refusing to drop privileges to '%s': its group is 0 (root's), whose files "
               "would stay ours; name a user of another group (e.g. nobody)", user);
        return -1;
    }
    return 0;
}

/* Whether uid 0 here is root outside too: root of the machine (or a
 * system that does not say), or root's own unshare -r. */
static int root_outside(int *initial)
{
    unsigned long outside;

    *initial = privilege_initial_userns(&outside);
    return (geteuid() == 0 || getuid() == 0) && (*initial != 0 || outside == 0);
}

int privilege_must_become_user(const char *user, int tell)
{
    int initial, closed = close_inherited();

    if (closed > 0 && tell)
        narrate("closed %d descriptor%s we inherited: what root opened for us would "
                "outlive the drop", closed, closed == 1 ? "" : "s");
    if (!root_outside(&initial))
        return 0;
    if (tell && initial == 0)
        /* Root ran unshare -r: uid 0 here is uid 0 outside, whose files
         * are still ours whatever capabilities we give up. That is root. */
        narrate("we are uid 0 in a user namespace whose uid 0 is uid 0 outside too "
                "(/proc/self/uid_map): root's files are still ours, so we become %s", user);
    else if (tell)
        narrate("dropping root now that the ports are bound: becoming %s", user);
    return 1;
}

int privilege_became_user(const char *user, uid_t uid, gid_t gid, int err)
{
    int initial;

    if (err != 0) {
        report("dropping privileges to %s: %s (%s)", user, narrate_errno_name(err), narrate_errno_text(err));
        if (root_outside(&initial) && initial == 0)
            report("why: this user namespace maps uid 0 to root outside (root ran unshare "
                   "-r, say), and cannot make us %s: run it as root without unshare -r, or "
                   "in an ordinary user's unshare -rn", user);
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
    /* setuid() away from 0 emptied the capability sets; make sure. */
    /* cppcheck-suppress knownConditionTrueFalse ; (Linux only: 0 elsewhere) */
    return privilege_drop_capabilities() < 0 ? -1 : 1;
}

const char *privilege_setcap_useless(int bit)
{
    static char buf[320];
    unsigned long long bnd;

    if (kernel_status_mask("CapBnd", &bnd) == 0 && !((bnd >> bit) & 1)) {
        snprintf(buf, sizeof buf, "%s is missing from this process's bounding set (CapBnd in "
                 "/proc/self/status), which its children inherit: a program granted it with "
                 "setcap would not even start (capabilities(7)), and sudo would not have it "
                 "either", cap_name(bit));
        return buf;
    }
    /* cppcheck-suppress knownConditionTrueFalse ; (Linux only: -1 elsewhere) */
    if (privilege_caps_count_here() == 0)
        return "our user namespace (one made by unshare -r, say) neither owns this network namespace nor is an "
               "ancestor of its owner: a capability granted in it, by setcap or sudo, would "
               "not count here either (user_namespaces(7))";
    return NULL;
}

/* A capability's name, for the few a portlab program may hold. */
static const char *cap_name(int bit)
{
    static char buf[32];

    switch (bit) {
    case CAP_NET_BIND_SERVICE_BIT:
        return "CAP_NET_BIND_SERVICE";
    case CAP_NET_RAW_BIT:
        return "CAP_NET_RAW";
    default:
        snprintf(buf, sizeof buf, "capability %d", bit);
        return buf;
    }
}

/* "CAP_NET_RAW" or "CAP_NET_BIND_SERVICE, CAP_NET_RAW" or "every
 * capability" for a mask of permitted capabilities. */
static const char *cap_names(unsigned long long mask)
{
    static char buf[160];
    size_t used = 0;
    int bit, n = 0;

    buf[0] = '\0';
    for (bit = 0; bit < 64; bit++)
        n += (mask >> bit) & 1;
    if (n > 3)
        return "every capability we held";
    for (bit = 0; bit < 64 && used < sizeof buf; bit++)
        if ((mask >> bit) & 1)
            used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s",
                                     used > 0 ? ", " : "", cap_name(bit));
    return buf;
}

#ifdef __linux__
/* Read back what the kernel now says: every capability set empty and
 * no_new_privs on. Returns 0, or -1 after reporting what is left. */
static int prove_nothing_left(void)
{
    static const char *const sets[] = {"CapPrm", "CapEff", "CapInh", "CapAmb"};
    unsigned long long mask;
    size_t i;

    for (i = 0; i < sizeof sets / sizeof sets[0]; i++)
        if (kernel_status_mask(sets[i], &mask) == 0 && mask != 0) {
            report("giving up our capabilities: %s in /proc/self/status still holds %s",
                   sets[i], cap_names(mask));
            return -1;
        }
    if (kernel_status_mask("NoNewPrivs", &mask) == 0 && mask != 1) {
        report("giving up our capabilities: NoNewPrivs in /proc/self/status is not 1");
        return -1;
    }
    return 0;
}
#endif

/* Give up every capability this process holds - permitted, effective,
 * inheritable and ambient, whatever granted it (root, a file capability,
 * a user namespace of our own) - and set no_new_privs, so that no exec
 * gives any back; then read /proc/self/status back to prove it. Returns 1
 * if there was one to give up and it is gone, 0 if there was none, -1 on
 * failure (reported). */
static int privilege_drop_capabilities(void)
{
#ifdef __linux__
    /* capset(2) directly: the same structures as <linux/capability.h>,
     * version 3 (two 32-bit words of each set). All zero: no capability
     * permitted, effective or inheritable. */
    struct { unsigned version; int pid; } header = {0x20080522, 0};
    struct { unsigned effective, permitted, inheritable; } data[2];
    unsigned long long prm = 0, inh = 0, amb = 0;
    int had;

    kernel_status_mask("CapPrm", &prm);
    kernel_status_mask("CapInh", &inh);
    kernel_status_mask("CapAmb", &amb);
    had = (prm | inh | amb) != 0;
    memset(data, 0, sizeof data);
    /* The ambient set first (what an exec would hand on), then the rest;
     * then no_new_privs, so that no exec - of a setuid or setcap program,
     * or by uid 0 - can ever give any capability back (prctl(2)). */
    if ((had && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0L, 0L, 0L) != 0) ||
        (had && syscall(SYS_capset, &header, data) != 0) ||
        prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) != 0) {
        report("giving up our capabilities: %s (%s)", narrate_errno_name(errno), narrate_errno_text(errno));
        return -1;
    }
    if (prove_nothing_left() != 0)
        return -1;
    return had;
#else
    return 0;
#endif
}

int privilege_give_up_capabilities(int tell)
{
    unsigned long long prm = 0;
    unsigned long outside;
    int initial = privilege_initial_userns(&outside), had;

#ifdef __linux__
    kernel_status_mask("CapPrm", &prm);
#endif
    if (tell && geteuid() == 0 && initial == 0)
        narrate("we are uid 0 in a user namespace, not the initial one (/proc/self/uid_map: "
                "uid 0 here is uid %lu outside): what makes it powerful is the capabilities it holds "
                "here, so we give those up and keep the uid", outside);
    had = privilege_drop_capabilities();
    /* cppcheck-suppress knownConditionTrueFalse ; (Linux only: 0 elsewhere) */
    if (had > 0 && tell)
        narrate("gave up %s now that the ports are bound: CapPrm, CapEff, CapInh and CapAmb "
                "read back as 0 from /proc/self/status, NoNewPrivs as 1 (no exec can give "
                "any back)", cap_names(prm));
    return had;
}

int privilege_give_up(const char *user, int tell)
{
    uid_t uid;
    gid_t gid;
    int err = 0;

    if (!privilege_must_become_user(user, tell))
        return privilege_give_up_capabilities(tell);
    if (privilege_user_ids(user, &uid, &gid) != 0)
        return -1;
    /* Groups and gid first, while we still may change them; the uid last
     * (demos/privileged/server.c says why, step by step). */
    if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0)
        err = errno;
    return privilege_became_user(user, uid, gid, err);
}
