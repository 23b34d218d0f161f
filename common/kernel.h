/* kernel.h - facts the kernel decides, read where it keeps them.
 *
 * Much of what a port "is" is policy set by the running kernel, not by any
 * standard: which ports need privilege, which ports it hands out when a
 * program asks for port 0. portlab never guesses these: it reads them, and
 * says where it read them. On Linux they live under /proc/sys/net/ipv4/
 * (see ip(7) and the kernel's ip-sysctl documentation); elsewhere the fact
 * is reported as "unknown on this system" and the demo says so.
 */
#ifndef PORTLAB_KERNEL_H
#define PORTLAB_KERNEL_H

struct kernel_fact {
    int known;          /* 1 if read, 0 if this system does not say */
    long value[2];      /* one number, or two (a range: low, high) */
    const char *source; /* where it was read, or why it is unknown */
};

/* The range the kernel picks automatic ("ephemeral") ports from:
 * net.ipv4.ip_local_port_range, two numbers. */
struct kernel_fact kernel_local_port_range(void);

/* The lowest port an unprivileged process may bind:
 * net.ipv4.ip_unprivileged_port_start, one number. */
struct kernel_fact kernel_unprivileged_port_start(void);

/* Whether this process holds a capability in its effective set, read
 * from CapEff in /proc/self/status (capabilities(7)); bit is its number,
 * e.g. 10 for CAP_NET_BIND_SERVICE. value[0] is 1 or 0. */
struct kernel_fact kernel_has_capability(int bit);

/* One line of /proc/self/status as a 64-bit mask: set is "CapEff",
 * "CapPrm", "CapInh", "CapBnd" or "CapAmb" (capabilities(7)), or
 * "NoNewPrivs" (prctl(2)). Returns 0, or -1 where this system does not say. */
int kernel_status_mask(const char *set, unsigned long long *mask);

#define CAP_NET_BIND_SERVICE_BIT 10
#define CAP_NET_RAW_BIT 13

/* Narrate "the kernel chose port P, from its range LO-HI (read from ...)"
 * after a bind() or sendto() asked for port 0. */
void kernel_narrate_chosen(unsigned port);

/* For a program whose lesson needs Linux (a packet socket, say): on Linux,
 * nothing; elsewhere one line on stderr, "wire-server: needs Linux, for
 * WHAT", and exit 1 - not a failure a student cannot read. Call it before
 * the first call that would fail. */
void kernel_need_linux(const char *what);

/* Read 1 or 2 whitespace-separated integers from a /proc file. */
struct kernel_fact kernel_read_fact(const char *path, int count);

#define KERNEL_IANA_LOW 49152 /* IANA's dynamic/private range, 49152-65535 (RFC 6335) */

/* Where port lies: "in the kernel's range 32768-60999; not in IANA's
 * 49152-65535", range being kernel_local_port_range()'s answer. Returns a
 * static buffer. */
const char *kernel_port_ranges(const struct kernel_fact *range, unsigned port);

/* Narrate the range (kernel_local_port_range()'s answer) next to IANA's:
 * "this kernel picks source ports from 32768-60999 (...); IANA's dynamic
 * range is 49152-65535". */
void kernel_narrate_range(const struct kernel_fact *range);

/* After connect() failed with EADDRNOTAVAIL (proto "tcp") or an automatic
 * UDP bind with EAGAIN ("udp"): the why: lines on stderr - the range's
 * size, and the rule of the protocol that ran out of ports. */
void kernel_why_exhausted(const struct kernel_fact *range, const char *proto);

#endif
