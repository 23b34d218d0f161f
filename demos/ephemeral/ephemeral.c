/* ephemeral.c - ephemeral-client's plumbing. See ephemeral.h. */
#include "ephemeral.h"

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
