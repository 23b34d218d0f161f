/* privileged-client - reaching a low port needs no privilege; sending FROM
 * one does.
 *
 * WHAT IT SHOWS
 *   Step 1: connect to the server's port (23 by default) as whoever you
 *   are. It works: the privilege rule is about bind(), and a client only
 *   binds a port when it asks to.
 *   Step 2: do what rsh and rlogin did: bind a SOURCE port below 1024
 *   (-s, default 1023) before connecting. As an ordinary user that bind()
 *   fails with EACCES - as expected, and said so, with why (exit 1); as
 *   root it works, and the server points out the privileged source port -
 *   and why trusting it means nothing now.
 *
 * HOW TO RUN IT
 *   terminal 1:  sudo bin/privileged-server          (binds 23, becomes nobody)
 *   terminal 2:  bin/privileged-client 127.0.0.1     (step 2 fails: EACCES)
 *                sudo bin/privileged-client          (step 2 works)
 *   or:          make demo DEMO=privileged
 *
 * PRIVILEGE
 *   None for step 1. Step 2 needs it for a source port below the threshold:
 *   that is the point.
 *
 * LESSON: docs/privileged.md    MAN PAGES: connect(2), bind(2),
 *   getsockname(2), capabilities(7), rlogin(1) (history)
 */
#include "portlab.h"
#include "privileged.h" /* plumbing: options */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int talk(int fd, const struct addrinfo *ai, long ms);
static int bind_source(int fd, const struct addrinfo *ai, unsigned source);

int main(int argc, char **argv)
{
    struct opts o;
    struct addrinfo *ai;
    unsigned source;
    int fd, rc, err;

    narrate_init(argv[0]);
    privileged_client_options(&o, argc, argv, &source); /* -p 23, -s 1023 */
    if (addr_resolve(o.host, o.port, o.family, SOCK_STREAM, 0, &ai) != 0)
        return EXIT_FAILED;
    privileged_narrate_who();

    /* Step 1: an unbound socket. connect() lets the kernel pick our source
     * port; no privilege is checked for the port we connect TO. */
    narrate("step 1: connect to port %u, %s, from a port the kernel picks", o.port,
            port_class_range(o.port));
    fd = socket(ai->ai_family, SOCK_STREAM, 0);
    rc = fd < 0 ? -1 : talk(fd, ai, o.timeout_ms);
    if (fd >= 0)
        close(fd);
    if (rc != 0) {
        freeaddrinfo(ai);
        return EXIT_FAILED;
    }
    narrate("reaching port %u needed no privilege", o.port);

    /* Step 2: rsh-style. bind() our own end to a chosen source port first:
     * now the privilege rule applies to US. */
    narrate("step 2: what rsh and rlogin did: bind source port %u, %s, before connecting",
            source, port_class_range(source));
    fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd < 0) {
        explain_report("socket", "tcp", ai->ai_addr, errno);
        freeaddrinfo(ai);
        return EXIT_FAILED;
    }
    err = bind_source(fd, ai, source);
    rc = err == 0 ? talk(fd, ai, o.timeout_ms) : -1;
    close(fd);
    freeaddrinfo(ai);
    return rc == 0 ? EXIT_OK : EXIT_FAILED;
}

/* Connect fd to the server and print the line it sends. */
static int talk(int fd, const struct addrinfo *ai, long ms)
{
    struct sockaddr_storage me;
    socklen_t len = sizeof me;
    char where[ADDR_STRLEN], line[512], shown[600];
    int err;

    sock_set_nonblocking(fd); /* so a silent host costs -t ms, not minutes */
    /* THE LESSON: connect() to any port, low or high, as anyone. */
    err = connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
    if (wait_connect_report(fd, err, "tcp", ai->ai_addr, ms) != 0)
        return -1;
    /* The source port we were given (the kernel's pick, or step 2's). */
    getsockname(fd, (struct sockaddr *)&me, &len);
    narrate("connected: %s -> %s", addr_format((struct sockaddr *)&me, where, sizeof where),
            addr_format(ai->ai_addr, line, sizeof line));
    if (wait_read_line(fd, "tcp", ai->ai_addr, ms, line, sizeof line) != 0)
        return -1;
    /* Text from the network: shown safely (no raw control bytes). */
    narrate("reply: %s", narrate_safe(line, shown, sizeof shown));
    return 0;
}

/* Step 2's bind() of our own end, on the wildcard address. Returns 0, or
 * the errno: a refusal the facts predicted is narrated as expected (the
 * lesson), any other failure reported as the error it is. */
static int bind_source(int fd, const struct addrinfo *ai, unsigned source)
{
    struct sockaddr_storage src;
    const char *reason;
    int one = 1, err;

    memset(&src, 0, sizeof src);
    src.ss_family = (sa_family_t)ai->ai_family; /* the wildcard address */
    addr_set_port((struct sockaddr *)&src, source);
    /* SO_REUSEADDR: a previous run's connection from this port may still
     * be in TIME_WAIT. */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    /* THE LESSON: binding a source port below the threshold needs the
     * same privilege as a server's bind(): without it, EACCES. */
    if (bind(fd, (struct sockaddr *)&src, ai->ai_addrlen) != 0) {
        err = errno;
        if (privileged_refusal_expected(source, err))
            privileged_narrate_refusal("tcp", (struct sockaddr *)&src, err);
        else
            explain_report("bind", "tcp", (struct sockaddr *)&src, err);
        return err;
    }
    reason = privilege_bind_reason(source);
    narrate("source port %u bound: allowed because %s", source,
            reason != NULL ? reason : "the kernel said yes");
    return 0;
}
