/* kernel.c - reading the kernel's port policy. See kernel.h. */
#include "kernel.h"
#include "narrate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kernel_fact kernel_read_fact(const char *path, int count)
{
    struct kernel_fact f = {0, {0, 0}, "unknown on this system"};
    char line[128], *p = line, *end;
    FILE *fp = fopen(path, "r");
    int i;

    if (fp == NULL)
        return f; /* not Linux, or /proc not mounted: say "unknown" */
    if (fgets(line, sizeof line, fp) == NULL) {
        fclose(fp);
        return f;
    }
    fclose(fp);
    for (i = 0; i < count; i++, p = end) {
        errno = 0;
        f.value[i] = strtol(p, &end, 10);
        if (end == p || errno != 0)
            return f; /* not the numbers we expected: still "unknown" */
    }
    f.known = 1;
    f.source = path;
    return f;
}

void kernel_need_linux(const char *what)
{
#ifdef __linux__
    (void)what;
#else
    report("needs Linux, for %s", what);
    exit(EXIT_FAILED);
#endif
}

struct kernel_fact kernel_local_port_range(void)
{
    return kernel_read_fact("/proc/sys/net/ipv4/ip_local_port_range", 2);
}

struct kernel_fact kernel_unprivileged_port_start(void)
{
    return kernel_read_fact("/proc/sys/net/ipv4/ip_unprivileged_port_start", 1);
}

void kernel_narrate_chosen(unsigned port)
{
    struct kernel_fact range = kernel_local_port_range();

    if (range.known)
        narrate("the kernel chose port %u, from its range %ld-%ld (read from %s)",
                port, range.value[0], range.value[1], range.source);
    else
        narrate("the kernel chose port %u (its range is %s)", port, range.source);
}

int kernel_status_mask(const char *set, unsigned long long *mask)
{
    char line[256], *end;
    size_t n = strlen(set);
    int rc = -1;
    FILE *fp = fopen("/proc/self/status", "r");

    if (fp == NULL)
        return -1;
    while (rc != 0 && fgets(line, sizeof line, fp) != NULL)
        if (strncmp(line, set, n) == 0 && line[n] == ':') {
            /* The capability sets are written in hex, NoNewPrivs as 0 or 1. */
            *mask = strtoull(line + n + 1, &end, strncmp(set, "Cap", 3) == 0 ? 16 : 10);
            if (end != line + n + 1)
                rc = 0;
        }
    fclose(fp);
    return rc;
}

struct kernel_fact kernel_has_capability(int bit)
{
    struct kernel_fact f = {0, {0, 0}, "unknown on this system"};
    unsigned long long mask;

    if (kernel_status_mask("CapEff", &mask) == 0) {
        f.known = 1;
        f.value[0] = (long)((mask >> bit) & 1);
        f.source = "CapEff in /proc/self/status";
    }
    return f;
}

const char *kernel_port_ranges(const struct kernel_fact *range, unsigned port)
{
    static char buf[160];
    int iana = port >= KERNEL_IANA_LOW;

    if (!range->known)
        snprintf(buf, sizeof buf, "the kernel's range is %s; %s IANA's %d-65535", range->source,
                 iana ? "in" : "not in", KERNEL_IANA_LOW);
    else
        snprintf(buf, sizeof buf, "%s the kernel's range %ld-%ld; %s IANA's %d-65535",
                 port >= range->value[0] && port <= range->value[1] ? "in" : "NOT in",
                 range->value[0], range->value[1], iana ? "also in" : "not in", KERNEL_IANA_LOW);
    return buf;
}

void kernel_narrate_range(const struct kernel_fact *range)
{
    if (range->known)
        narrate("this kernel picks source ports from %ld-%ld (net.ipv4.ip_local_port_range, "
                "read from %s); IANA's dynamic range is %d-65535", range->value[0],
                range->value[1], range->source, KERNEL_IANA_LOW);
    else
        narrate("this kernel's source port range is %s; IANA's dynamic range is %d-65535",
                range->source, KERNEL_IANA_LOW);
}

void kernel_why_exhausted(const struct kernel_fact *range, const char *proto)
{
    int udp = strcmp(proto, "udp") == 0;

    if (range->known)
        report("why: the kernel's range %ld-%ld (read from %s) has %ld ports, and every "
               "one is in use %s", range->value[0], range->value[1], range->source,
               range->value[1] - range->value[0] + 1,
               udp ? "by a UDP socket" : "toward this destination");
    if (udp)
        report("why: an unbound UDP socket is given (autobind) a port that no UDP socket "
               "holds at all, whatever the destination: another destination would not help");
    else
        report("why: the same ports can still be used toward a DIFFERENT destination: for "
               "TCP's connect() it is the four-tuple (source address:port, destination "
               "address:port) that must be unique, not the port");
}
