/* privilege.h - who may bind a low port, and why.
 *
 * The primer's rule, "ports 0-1023 need root", is older than Linux's real
 * one: binding a port below net.ipv4.ip_unprivileged_port_start (1024 by
 * default, set per network namespace, often 0 inside containers) needs
 * the capability CAP_NET_BIND_SERVICE. Root holds every capability; any
 * other program can be given just this one (setcap(8)). Connecting TO a
 * low port needs nothing at all. These helpers read the facts from the
 * kernel and put them into words; the bind() itself stays in the demo.
 */
#ifndef PORTLAB_PRIVILEGE_H
#define PORTLAB_PRIVILEGE_H

#include <stdio.h>

/* "uid 0 (root)" for the effective uid. */
const char *privilege_who(void);

/* Narrate who we are and whether we hold CAP_NET_BIND_SERVICE. */
void privilege_narrate(void);

/* Narrate the kernel's threshold and where it was read. */
void privilege_narrate_threshold(void);

/* Why binding port is allowed for us: a sentence, or NULL if the kernel
 * will (most likely) refuse. */
const char *privilege_bind_reason(unsigned port);

/* The lines that explain an EACCES from bind() of port, written to out as
 * "program: why: ..." (narrate.c calls this for every such error). */
void privilege_explain_eacces(FILE *out, unsigned port);

/* The threshold, or 1024 (the classic rule) where the kernel does not say. */
unsigned privilege_threshold(void);

/* Become user (a name) for good: groups, gid, then uid. Returns 0, or -1
 * after reporting the error. Only root can do this. */
int privilege_drop(const char *user);

#endif
