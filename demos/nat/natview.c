/* natview.c - nat-client's plumbing. See natview.h. */
#include "natview.h"
#include "portlab.h"

#include <stdio.h>
#include <string.h>

int natview_after(const char *reply, const char *marker, char *out, size_t cap)
{
    char text[ADDR_STRLEN];
    unsigned port;

    if (addr_port_after(reply, marker, &port) != 0)
        return -1;
    snprintf(text, sizeof text, "%s", strstr(reply, marker) + strlen(marker));
    text[strcspn(text, " ")] = '\0';
    narrate_safe(text, out, cap);
    return 0;
}

const char *natview_changed(const char *ours, const char *theirs)
{
    char a[ADDR_STRLEN], b[ADDR_STRLEN];
    const char *pa = strrchr(ours, ':'), *pb = strrchr(theirs, ':');
    int same_addr, same_port;

    addr_text_host(ours, a, sizeof a);
    addr_text_host(theirs, b, sizeof b);
    same_addr = strcmp(a, b) == 0;
    same_port = pa != NULL && pb != NULL && strcmp(pa, pb) == 0;
    if (same_addr && same_port)
        return "nothing was rewritten on the way";
    if (same_port)
        return "the address was rewritten on the way, the port kept";
    if (same_addr)
        return "the port was rewritten on the way, the address kept";
    return "the address and the port were rewritten on the way";
}

