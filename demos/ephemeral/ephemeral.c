/* ephemeral.c - ephemeral-client's plumbing. See ephemeral.h. */
#include "ephemeral.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_PORT "4000"

static const char *const HELP =
    "  -n COUNT    TCP connections to make, all held open at once (default 3)\n"
    "  -u COUNT    UDP sockets to send from (default 2)\n"
    "  -s PORT     bind connection 1 to this source port first (default: let "
    "the kernel pick)\n";

int ephemeral_args(struct ephemeral_args *a, int argc, char **argv)
{
    struct opts *o = &a->o;
    const char *source_text = "0";
    char why[200];
    int i;

    a->tcp_count = 3;
    a->udp_count = 2;
    a->tcp_ai = a->udp_ai = NULL;
    a->fds = NULL;
    a->held = 0;
    opts_init(o, OPTS_CLIENT, DEFAULT_PORT, "[-n COUNT] [-u COUNT] [-s PORT] ", HELP);
    for (i = 1; i < argc; i++) {
        if (opts_take(o, argc, argv, &i))
            continue;
        if ((strcmp(argv[i], "-n") == 0 || strcmp(argv[i], "-u") == 0 ||
             strcmp(argv[i], "-s") == 0) && i + 1 >= argc)
            opts_usage_error(o, "option %s needs a value", argv[i]);
        if (strcmp(argv[i], "-n") == 0)
            a->tcp_count = opts_number(o, "-n", argv[++i], 0, 10000);
        else if (strcmp(argv[i], "-u") == 0)
            a->udp_count = opts_number(o, "-u", argv[++i], 0, 10000);
        else if (strcmp(argv[i], "-s") == 0)
            source_text = argv[++i];
        else
            opts_usage_error(o, "unknown argument '%s'", argv[i]);
    }
    opts_finish(o, NULL);
    if (port_parse(source_text, "tcp", &a->source, why, sizeof why) != 0)
        opts_usage_error(o, "bad source port '%s': %s", source_text, why);
    a->fds = calloc((size_t)(a->tcp_count > a->udp_count ? a->tcp_count : a->udp_count) + 1,
                    sizeof *a->fds);
    if (a->fds == NULL) {
        report("out of memory");
        return -1;
    }
    if (addr_resolve(o->host, o->port, o->family, SOCK_STREAM, 0, &a->tcp_ai) != 0) {
        ephemeral_args_free(a);
        return -1;
    }
    if (addr_resolve(o->host, o->port, o->family, SOCK_DGRAM, 0, &a->udp_ai) != 0) {
        ephemeral_args_free(a);
        return -1;
    }
    return 0;
}

int ephemeral_hold(struct ephemeral_args *a, int fd)
{
    if (fd < 0)
        return -1;
    a->fds[a->held++] = fd;
    return 0;
}

void ephemeral_close_held(struct ephemeral_args *a)
{
    while (a->held > 0)
        close(a->fds[--a->held]);
}

void ephemeral_args_free(struct ephemeral_args *a)
{
    ephemeral_close_held(a);
    free(a->fds);
    a->fds = NULL;
    if (a->tcp_ai != NULL)
        freeaddrinfo(a->tcp_ai);
    if (a->udp_ai != NULL)
        freeaddrinfo(a->udp_ai);
    a->tcp_ai = a->udp_ai = NULL;
}

const char *ephemeral_port_ranges(const struct kernel_fact *range, unsigned port)
{
    static char buf[160];
    int iana = port >= EPHEMERAL_IANA_LOW;

    if (!range->known)
        snprintf(buf, sizeof buf, "the kernel's range is %s; %s IANA's %d-65535", range->source,
                 iana ? "in" : "not in", EPHEMERAL_IANA_LOW);
    else
        snprintf(buf, sizeof buf, "%s the kernel's range %ld-%ld; %s IANA's %d-65535",
                 port >= range->value[0] && port <= range->value[1] ? "in" : "NOT in",
                 range->value[0], range->value[1], iana ? "also in" : "not in", EPHEMERAL_IANA_LOW);
    return buf;
}

void ephemeral_narrate_range(const struct kernel_fact *range)
{
    if (range->known)
        narrate("this kernel picks source ports from %ld-%ld (net.ipv4.ip_local_port_range, "
                "read from %s); IANA's dynamic range is %d-65535", range->value[0],
                range->value[1], range->source, EPHEMERAL_IANA_LOW);
    else
        narrate("this kernel's source port range is %s; IANA's dynamic range is %d-65535",
                range->source, EPHEMERAL_IANA_LOW);
}

void ephemeral_why_exhausted(const struct kernel_fact *range, const char *proto)
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

void ephemeral_narrate_seen(const char *tag, const char *reply, const char *mine,
                       unsigned port_mine)
{
    char theirs[ADDR_STRLEN], shown[2048], a[ADDR_STRLEN], b[ADDR_STRLEN];
    unsigned port;
    int wildcard;

    /* Text from the network: parsed strictly (addr_port_after, fuzzed), and
     * shown safely (no raw control bytes reach the terminal). */
    if (addr_port_after(reply, "saw you as ", &port) != 0) {
        narrate("%s: the reply did not say what the server saw: %s", tag,
                narrate_safe(reply, shown, sizeof shown));
        return;
    }
    snprintf(shown, sizeof shown, "%s", strstr(reply, "saw you as ") + strlen("saw you as "));
    shown[strcspn(shown, " ")] = '\0';
    narrate_safe(shown, theirs, sizeof theirs);
    addr_text_host(theirs, a, sizeof a);
    addr_text_host(mine, b, sizeof b);
    wildcard = strcmp(b, "0.0.0.0") == 0 || strcmp(b, "::") == 0;
    if (port != port_mine)
        narrate("%s: the server saw us as %s: A DIFFERENT PORT (something between us "
                "rewrote it)", tag, theirs);
    else if (wildcard)
        narrate("%s: the server saw us as %s: the same port", tag, theirs);
    else if (strcmp(a, b) == 0)
        narrate("%s: the server saw us as %s: the same address and port", tag, theirs);
    else
        narrate("%s: the server saw us as %s: the same port, but A DIFFERENT ADDRESS (not "
                "%s): something between us rewrote it, as a NAT does", tag, theirs, b);
}
