/* kernel.c - reading the kernel's port policy. See kernel.h. */
#include "kernel.h"
#include "narrate.h"

#include <stdio.h>
#include <string.h>

struct kernel_fact kernel_read_fact(const char *path, int count)
{
    struct kernel_fact f = {0, {0, 0}, "unknown on this system"};
    FILE *fp = fopen(path, "r");
    int got;

    if (fp == NULL)
        return f; /* not Linux, or /proc not mounted: say "unknown" */
    got = count == 2 ? fscanf(fp, "%ld %ld", &f.value[0], &f.value[1])
                     : fscanf(fp, "%ld", &f.value[0]);
    fclose(fp);
    if (got == count) {
        f.known = 1;
        f.source = path;
    }
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

struct kernel_fact kernel_has_capability(int bit)
{
    struct kernel_fact f = {0, {0, 0}, "unknown on this system"};
    char line[256];
    unsigned long long mask;
    FILE *fp = fopen("/proc/self/status", "r");

    if (fp == NULL)
        return f;
    while (fgets(line, sizeof line, fp) != NULL) {
        if (strncmp(line, "CapEff:", 7) == 0 && sscanf(line + 7, "%llx", &mask) == 1) {
            f.known = 1;
            f.value[0] = (long)((mask >> bit) & 1);
            f.source = "CapEff in /proc/self/status";
            break;
        }
    }
    fclose(fp);
    return f;
}
