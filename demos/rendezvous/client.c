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
#include "rvclient.h"   /* and the client's options, -l's table */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int dial(const struct sockaddr *to, socklen_t len,
                const struct wait_deadline *deadline, int *failed);
static int ask(const struct addrinfo *dir, const char *request,
               const struct wait_deadline *deadline);

int main(int argc, char **argv)
{
    struct opts o;
    struct addrinfo *dir;
    struct rv_request entry;
    struct sockaddr_storage svc;
    const char *name;
    char request[RV_LINE_MAX + 1], line[RV_LINE_MAX + 2], where[ADDR_STRLEN],
        shown[4 * RV_LINE_MAX + 8];
    int list, d, fd, err, rc = EXIT_FAILED;
    struct wait_deadline deadline;

    narrate_init(argv[0]);
    name = rv_client_options(&o, argc, argv, &list);
    /* -t bounds the whole exchange, not each line: a directory that
     * trickles its answer cannot keep us waiting for ever. */
    deadline = wait_deadline_in(o.timeout_ms);

    /* 1. The first contact: the directory, on its fixed port. */
    if (addr_resolve(o.host, o.port, o.family, SOCK_STREAM, 0, &dir) != 0)
        return EXIT_FAILED;
    /* THE LESSON: one question - where is NAME? - to the one port we knew. */
    snprintf(request, sizeof request, list ? "LIST" : "LOOKUP %s", name);
    d = ask(dir, request, &deadline);
    if (d >= 0 && list)
        rc = rv_client_list(d, dir->ai_addr, &deadline);
    if (d < 0 || list ||
        wait_read_line_by(d, "tcp", dir->ai_addr, &deadline, line, sizeof line) != 0)
        goto done;
    /* The answer, "PORT NAME tcp PORT [ADDRESS]": text from the network,
     * parsed strictly (rendezvous.c, fuzzed); an ERR is said, with why. */
    if (rv_client_answer(line, name, &entry) != 0)
        goto done;

    /* 2. Now the real destination: the port we were just told, on the
     *    directory's host - or on the address the directory recorded for
     *    a server that listens on one address only. */
    if (rv_client_host(dir->ai_addr, &entry, &svc) != 0)
        goto done;
    addr_set_port((struct sockaddr *)&svc, entry.port);
    narrate("the directory says %s is at tcp port %u%s%s", name, entry.port,
            entry.addr[0] ? " on " : "", entry.addr);
    narrate("connecting to %s", addr_format((struct sockaddr *)&svc, where, sizeof where));
    fd = dial((struct sockaddr *)&svc, svc.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                                  : sizeof(struct sockaddr_in),
              &deadline, &err);
    if (fd >= 0 && wait_read_line_by(fd, "tcp", (struct sockaddr *)&svc, &deadline, line,
                                     sizeof line) == 0) {
        narrate("reply: %s", narrate_safe(line, shown, sizeof shown));
        rc = EXIT_OK;
    }
    if (fd >= 0)
        close(fd);
done:
    if (d >= 0)
        close(d);
    freeaddrinfo(dir);
    return rc;
}

/* socket() + connect() with a bounded wait (until deadline). Returns the
 * socket or -1; *failed gets connect()'s errno (0 when it was socket()
 * that failed). */
static int dial(const struct sockaddr *to, socklen_t len,
                const struct wait_deadline *deadline, int *failed)
{
    int fd = socket(to->sa_family, SOCK_STREAM, 0), err;

    *failed = 0;
    if (fd < 0) {
        explain_report("socket", "tcp", to, errno);
        return -1;
    }
    sock_set_nonblocking(fd);
    /* THE LESSON: connect() needs a destination port. The first one is
     * the directory's, known in advance; the second, the server's, was
     * chosen by its kernel when it started, and we know it only because
     * the directory told us. */
    err = connect(fd, to, len) == 0 ? 0 : errno;
    if ((err = wait_connect_report(fd, err, "tcp", to, wait_left_ms(deadline))) != 0) {
        *failed = err;
        close(fd);
        return -1;
    }
    return fd;
}

/* Ask the directory over TCP: connect to it, read its greeting, send one
 * request line. Returns the connection, to read the answer from, or -1
 * after saying why. */
static int ask(const struct addrinfo *dir, const char *request,
               const struct wait_deadline *deadline)
{
    char line[RV_LINE_MAX + 2], where[ADDR_STRLEN];
    int d, err;

    d = dial(dir->ai_addr, dir->ai_addrlen, deadline, &err);
    if (d < 0) {
        /* Only when that host refused the port: no route, or no answer,
         * says nothing about whether a directory runs there. */
        if (err == ECONNREFUSED)
            report("why: is bin/rendezvous-directory running there, on port %u?",
                   addr_port(dir->ai_addr));
        return -1;
    }
    if (wait_read_line_by(d, "tcp", dir->ai_addr, deadline, line, sizeof line) != 0)
        goto failed; /* its greeting */
    narrate("asking the directory at %s: %s",
            addr_format(dir->ai_addr, where, sizeof where), request);
    snprintf(line, sizeof line, "%s\n", request);
    if (send(d, line, strlen(line), 0) >= 0)
        return d;
    explain_report("send", "tcp", dir->ai_addr, errno);
failed:
    close(d);
    return -1;
}
