/* serveset - common/serve.h's serve_run_set() on its own, for the test of
 * one loop over several sockets (tests/serve.bats). Not a lesson.
 *   serveset [-n COUNT]   two TCP listeners and two UDP sockets on
 *   127.0.0.1, each on a port of the kernel's choice, each named; every
 *   reply says the name of the socket that took it. */
#include "portlab.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static const char *const NAMES[] = {"tcp-a", "tcp-b", "udp-a", "udp-b"};

static void reply(const struct serve_event *ev, char *line, size_t cap, void *ctx)
{
    (void)ctx;
    snprintf(line, cap, "%s %s took it\n", ev->proto, ev->name);
}

int main(int argc, char **argv)
{
    static struct serve_set set;
    struct opts o;
    struct sockaddr_in sin;
    struct sockaddr_storage got;
    socklen_t len;
    char where[ADDR_STRLEN];
    int i, fd, type;

    narrate_init(argv[0]);
    signals_install();
    opts_init(&o, OPTS_SERVER, "0", "", NULL);
    for (i = 1; i < argc; i++)
        if (!opts_take(&o, argc, argv, &i))
            opts_usage_error(&o, "unknown argument '%s'", argv[i]);
    serve_set_init(&set);
    for (i = 0; i < 4; i++) {
        memset(&sin, 0, sizeof sin);
        sin.sin_family = AF_INET;
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        type = i < 2 ? SOCK_STREAM : SOCK_DGRAM;
        fd = serve_listen((struct sockaddr *)&sin, sizeof sin, type, 0);
        if (fd < 0 || serve_set_add(&set, NAMES[i], fd, type) != 0)
            return EXIT_FAILED;
        len = sizeof got;
        getsockname(fd, (struct sockaddr *)&got, &len);
        narrate("%s on %s", NAMES[i], addr_format((struct sockaddr *)&got, where, sizeof where));
    }
    narrate("ready on %s (%zu sockets)", where, set.n);
    return serve_run_set(&set, o.count, reply, NULL);
}
