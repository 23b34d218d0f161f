/* privilege.h - who may bind a low port, and why.
 *
 * The primer's rule, "ports 0-1023 need root", is older than Linux's real
 * one: binding a port below net.ipv4.ip_unprivileged_port_start (1024 by
 * default, set per network namespace, often 0 inside containers) needs
 * the capability CAP_NET_BIND_SERVICE, held in the user namespace that
 * owns the network namespace, or in an ancestor of it (ip(7),
 * user_namespaces(7)). Root usually
 * holds every capability, but it is the capability that counts, never the
 * uid: one can be taken from root, or given to any program (setcap(8)).
 * Connecting TO a low port needs nothing at all. These helpers read the
 * facts from the kernel; the bind() itself stays in the demo.
 */
#ifndef PORTLAB_PRIVILEGE_H
#define PORTLAB_PRIVILEGE_H

#include <sys/socket.h>
#include <sys/types.h>

/* "uid 0 (root)" for the effective uid. */
const char *privilege_who(void);

/* Whether the effective uid is 0. */
int privilege_is_uid0(void);

enum privilege_cap_state {
    PRIV_CAP_UNKNOWN,       /* this system does not say (no /proc) */
    PRIV_CAP_NOT_HELD,      /* not in CapEff */
    PRIV_CAP_HELD,          /* in CapEff, and it counts for this network */
    PRIV_CAP_HELD_ELSEWHERE /* in CapEff, but in a user namespace that neither
                               owns this network namespace nor is an ancestor
                               of its owner */
};

struct privilege_cap {
    enum privilege_cap_state state;
    const char *source; /* where it was read, or why it is unknown */
};

/* CAP_NET_BIND_SERVICE, as it applies to binding in our network namespace. */
struct privilege_cap privilege_cap_state(void);

/* Any network capability by its number (CAP_NET_RAW_BIT...), likewise. */
struct privilege_cap privilege_cap_of(int bit);

/* Why granting capability bit with setcap (or running with sudo) would
 * not help here - a sentence - or NULL when it would. */
const char *privilege_setcap_useless(int bit);

/* Whether an ordinary user may make a user namespace here (unshare -r):
 * 1 yes, 0 no (then *why says which setting forbids it), -1 cannot tell. */
int privilege_userns_allowed(const char **why);

/* Why binding port is allowed for us: a sentence, or NULL if the kernel
 * will refuse (as far as these facts tell). */
const char *privilege_bind_reason(unsigned port);

/* The threshold, or 1024 (the classic rule) where the kernel does not say. */
unsigned privilege_threshold(void);


/* Note the descriptors this program inherited (any above 2 open now,
 * without close-on-exec: every one we open later is ours). opts_init()
 * calls it first thing. A descriptor root opened and handed down
 * (`exec 7</etc/shadow; server`) would still read root's file after the
 * drop to nobody: privilege_must_become_user() closes them all. */
void privilege_note_inherited(void);

/* Dropping root, in steps, for a program that shows the drop itself
 * (demos/privileged/server.c); every other server calls
 * privilege_give_up(), which takes the same steps.
 * 1. Close every descriptor we inherited (privilege_note_inherited), then
 *    say whether we must become an ordinary user: 1 when uid 0 here is
 *    root outside too (root of the machine, or root's own unshare -r), 0
 *    when not (then give up capabilities instead). tell: narrate which. */
int privilege_must_become_user(const char *user, int tell);

/* 2. user's uid and gid; refuses a user whose uid is 0 (that would keep
 *    root) or whose group is 0 (root's group: its files would stay ours).
 *    Returns 0, or -1 after reporting why. */
int privilege_user_ids(const char *user, uid_t *uid, gid_t *gid);

/* 3. After setgroups(), setgid() and setuid() (err: the errno of the one
 *    that failed, or 0): report a failure (and why, in a user namespace
 *    whose uid 0 is root outside), else prove it - real and effective ids
 *    are the user's, setuid(0) fails - and give up every capability left
 *    (permitted, effective, inheritable, ambient; no_new_privs set, and
 *    /proc/self/status read back to prove it). Returns 1, or -1 after
 *    reporting. */
int privilege_became_user(const char *user, uid_t uid, gid_t gid, int err);

/* Without root: give up every capability we hold, keeping the uid - uid 0
 * of a user namespace included (tell: narrate it, and why). Returns 1 if
 * something was given up, 0 if there was nothing to give up, -1 on
 * failure (reported). */
int privilege_give_up_capabilities(int tell);

/* What every server does once its sockets are open: keep no privilege.
 * Started as root (of the machine, or root's own unshare -r), become user
 * for good (the three steps above); otherwise give up every capability
 * (privilege_give_up_capabilities), keeping the uid. tell: narrate it.
 * Returns 1 if something was given up, 0 if there was nothing to give
 * up, -1 on failure (reported). */
int privilege_give_up(const char *user, int tell);

#endif
