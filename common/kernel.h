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

/* Read 1 or 2 whitespace-separated integers from a /proc file. */
struct kernel_fact kernel_read_fact(const char *path, int count);

#endif
