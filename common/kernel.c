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

