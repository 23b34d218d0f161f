/* rendezvous-client - ask the directory first, then connect.
 *
 * WHAT IT SHOWS
 *   The client knows one port number in advance: the directory's. It asks
 *   "LOOKUP NAME", gets back "PORT NAME tcp 41233", and connects to that
 *   port - a destination port that was dynamic, chosen by the server's
 *   kernel minutes ago. Only the first contact needed a fixed port.
 *   -l lists what is registered, as `rpcinfo -p` does for rpcbind.
 *
 * HOW TO RUN IT
 *   bin/rendezvous-client clock          bin/rendezvous-client -l
 *   bin/rendezvous-client 192.0.2.7 clock   (a directory on another host)
 *   or: make demo DEMO=rendezvous
 *
 * OPTIONS: -p PORT is the DIRECTORY's port (default 8111): the only port a
 * client of this demo needs to know.
 *
 * LESSON: docs/rendezvous.md    MAN PAGES: connect(2), rpcinfo(8)
 */
#include "portlab.h"
#include "rendezvous.h" /* this demo's own: its line protocol */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DIRECTORY_PORT "8111"

static const char *const HELP =
    "  NAME        the service to look up (default hello)\n"
    "  -l          list every registration instead (like rpcinfo -p)\n"
    "  (-p PORT is the directory's port)\n";

/* socket() + connect() with a bounded wait. Returns the socket or -1;
 * *failed gets connect()'s errno (0 when it was socket() that failed). */
static int dial(const struct sockaddr *to, socklen_t len, long ms, int *failed)
{
    int fd = socket(to->sa_family, SOCK_STREAM, 0), err;

    *failed = 0;
    if (fd < 0) {
        report_sys("socket", "tcp", to, errno);
        return -1;
    }
    wait_nonblocking(fd);
    err = connect(fd, to, len) == 0 ? 0 : errno;
    if ((err = wait_connect_report(fd, err, "tcp", to, ms)) != 0) {
        *failed = err;
        close(fd);
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    struct opts o;
    struct addrinfo *dir;
    struct rv_request entry;
    struct sockaddr_storage svc;
    const char *words[2], *name = "hello";
    char line[RV_LINE_MAX + 2], where[ADDR_STRLEN], shown[4 * RV_LINE_MAX + 8];
    int nwords = 0, list = 0, d, fd, i, count = 0, err;
    long long deadline;

    narrate_init(argv[0]);
    opts_init(&o, OPTS_CLIENT, DIRECTORY_PORT, "[-l] [HOST] [NAME]", HELP);
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-l") == 0)
            list = 1;
        else if (argv[i][0] == '\0')
            o.host = argv[i]; /* opts_finish() will say: empty host */
        else if (argv[i][0] != '-' && nwords < 2)
            words[nwords++] = argv[i];
        else if (!opts_take(&o, argc, argv, &i))
            opts_usage_error(&o, "unknown argument '%s'", argv[i]);
    }
    /* One word: a NAME (or, with -l, a HOST). Two: HOST NAME. */
    if (nwords == 2 || (nwords == 1 && list))
        o.host = words[0];
    if (nwords == 2 || (nwords == 1 && !list))
        name = words[nwords - 1];
    opts_finish(&o, "tcp");

    /* -t bounds the whole exchange, not each line: a directory that
     * trickles its answer cannot keep us waiting for ever. */
    deadline = wait_now_ms() + o.timeout_ms;
#define LEFT (deadline - wait_now_ms())

    /* 1. The first contact: the directory, on its fixed port. */
    if (addr_resolve(o.host, o.port, o.family, SOCK_STREAM, 0, &dir) != 0)
        return EXIT_FAILED;
    d = dial(dir->ai_addr, dir->ai_addrlen, LEFT, &err);
    if (d < 0) {
        /* Only when that host refused the port: no route, or no answer,
         * says nothing about whether a directory runs there. */
        if (err == ECONNREFUSED)
            report("why: is bin/rendezvous-directory running there, on port %u?", o.port);
        freeaddrinfo(dir);
        return EXIT_FAILED;
    }
    if (wait_read_line_until(d, "tcp", dir->ai_addr, deadline, o.timeout_ms, 1, line,
                             sizeof line) != 0)
        goto failed;
    snprintf(line, sizeof line, list ? "LIST\n" : "LOOKUP %s\n", name);
    narrate("asking the directory at %s: %.*s", addr_format(dir->ai_addr, where, sizeof where),
            (int)strlen(line) - 1, line);
    if (send(d, line, strlen(line), 0) < 0) {
        report_sys("send", "tcp", dir->ai_addr, errno);
        goto failed;
    }
    if (list) {
        /* Like rpcinfo -p: proto, port, name; one per registration. */
        narrate("   proto   port  name");
        line[0] = '\0';
        while (LEFT > 0 &&
               wait_read_line_until(d, "tcp", dir->ai_addr, deadline, o.timeout_ms, 1, line,
                                    sizeof line) == 0 &&
               rv_parse_entry(line, "ENTRY", &entry) == 0) {
            narrate("   %-5s %6u  %s%s%s", entry.proto, entry.port, entry.name,
                    entry.addr[0] ? " on " : "", entry.addr);
            count++;
        }
        if (LEFT <= 0) { /* lines kept coming, but no END: -t is for all of it */
            report("recv(tcp %s): the directory's answer did not end within %ld ms (-t)",
                   where, o.timeout_ms);
            goto failed;
        }
        if (strncmp(line, "END ", 4) != 0) {
            report("the directory said: %s", narrate_safe(line, shown, sizeof shown));
            goto failed;
        }
        narrate("%d registered", count);
        close(d);
        freeaddrinfo(dir);
        return EXIT_OK;
    }
    if (wait_read_line_until(d, "tcp", dir->ai_addr, deadline, o.timeout_ms, 1, line,
                             sizeof line) != 0)
        goto failed;
    /* Text from the network: parsed strictly (rendezvous.c, fuzzed). */
    if (rv_parse_entry(line, "PORT", &entry) != 0 || strcmp(entry.proto, "tcp") != 0) {
        report("the directory said: %s", narrate_safe(line, shown, sizeof shown));
        if (strncmp(line, "ERR no such name", 16) == 0)
            report("why: no server registered '%s': start one (bin/rendezvous-server %s), "
                   "or see what is there with -l", name, name);
        goto failed;
    }
    close(d);
    /* 2. Now the real destination: the port we were just told, on the
     *    directory's host - or on the address the directory recorded for
     *    a server that listens on one address only. */
    memcpy(&svc, dir->ai_addr, dir->ai_addrlen);
    if (entry.addr[0] != '\0' && addr_from_text(entry.addr, &svc) != 0) {
        report("the directory named an address we cannot use: %s", entry.addr);
        freeaddrinfo(dir);
        return EXIT_FAILED;
    }
    addr_set_port((struct sockaddr *)&svc, entry.port);
    narrate("the directory says %s is at tcp port %u%s%s", name, entry.port,
            entry.addr[0] ? " on " : "", entry.addr);
    narrate("connecting to %s", addr_format((struct sockaddr *)&svc, where, sizeof where));
    fd = dial((struct sockaddr *)&svc, svc.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                                  : sizeof(struct sockaddr_in),
              LEFT, &err);
    if (fd < 0 || wait_read_line_until(fd, "tcp", (struct sockaddr *)&svc, deadline,
                                       o.timeout_ms, 1, line, sizeof line) != 0) {
        if (fd >= 0)
            close(fd);
        freeaddrinfo(dir);
        return EXIT_FAILED;
    }
    narrate("reply: %s", narrate_safe(line, shown, sizeof shown));
    close(fd);
    freeaddrinfo(dir);
    return EXIT_OK;

failed:
    close(d);
    freeaddrinfo(dir);
    return EXIT_FAILED;
}
