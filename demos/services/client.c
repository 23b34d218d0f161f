/* services-client - what /etc/services says, and what really answers.
 *
 * WHAT IT SHOWS
 *   lookup: names to numbers and numbers to names, for tcp and for udp
 *     separately, as services(5) lists them: /etc/services is per protocol,
 *     and a distribution's copy is a selection of IANA's registry; a port in
 *     the kernel's ephemeral range may be listed, but clients may be handed
 *     it meanwhile; an unknown name is simply not there.
 *   scan (the default): a polite connect scan of one host (loopback unless
 *     you name another) over a bounded port range, at most 200 attempts a
 *     second. For each open TCP port: the /etc/services guess, the first
 *     line the service sends, and a verdict: convention, not law.
 *
 * HOW TO RUN IT
 *   bin/services-client lookup telnet 23 2000 40000 nosuch
 *   bin/services-client -r 1-1024                 (scan this machine's low ports)
 *   terminal 1: sudo bin/services-server;  terminal 2: bin/services-client -r 20-25
 *   or:         make demo DEMO=services
 *
 * PRIVILEGE
 *   None. Scan only machines you are allowed to: by default it scans loopback.
 *
 * HOW IT LOOKS UP
 *   It reads /etc/services itself (common/services.c), not through the C
 *   library's getservbyname(3)/getservbyport(3), which search the same
 *   file: one reader serves the look-ups and services-server's walk through
 *   the file in order, which musl's getservent(3) cannot do (a stub that
 *   lists nothing). Read ourselves, the file gives the same answer on
 *   every libc.
 *
 * LESSON: docs/services.md    MAN PAGES: services(5), getservbyname(3),
 *   getservbyport(3) (the library's look-ups), connect(2)
 */
#include "portlab.h"
#include "scan.h" /* plumbing: options, pace, greetings, summary */

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int lookup(const char *what, const struct kernel_fact *range);
static int probe(const struct addrinfo *ai, unsigned port, long ms);

int main(int argc, char **argv)
{
    struct opts o;
    struct scan_request r;
    struct scan_tally t = {0, 0, 0, 0, {0}};
    struct addrinfo *ai;
    struct kernel_fact range = kernel_local_port_range();
    int i, found = 0, err;
    unsigned port;
    long long start;

    narrate_init(argv[0]);
    scan_options(&o, &r, argc, argv); /* lookup WORDS..., or scan -r LOW-HIGH */
    if (!services_available()) {
        report("%s", services_missing());
        return EXIT_FAILED;
    }

    /* 1. lookup: each word in /etc/services, for tcp and for udp. */
    if (r.lookup) {
        for (i = 0; i < r.nwords; i++)
            found += lookup(r.words[i], &range);
        return found == r.nwords ? EXIT_OK : EXIT_FAILED;
    }

    /* 2. scan: knock on each port of the range in turn, politely. */
    if (addr_resolve(o.host, r.lo, o.family, SOCK_STREAM, 0, &ai) != 0)
        return EXIT_FAILED;
    narrate("scanning tcp ports %u-%u on %s, at most %d attempts a second, %ld ms each",
            r.lo, r.hi, o.host, SCAN_ATTEMPTS_PER_SECOND, o.timeout_ms);
    start = clock_now_ms();
    for (port = r.lo; port <= r.hi; port++) {
        scan_pace(start, port - r.lo);
        err = probe(ai, port, o.timeout_ms);
        if (err < 0) {
            report("why: we could not make a socket, so port %u and the rest of %u-%u "
                   "were not scanned: a failure of ours, not an answer from %s", port,
                   r.lo, r.hi, o.host);
            freeaddrinfo(ai);
            return EXIT_FAILED;
        }
        scan_count(&t, port, err, o.timeout_ms); /* each port's verdict line */
    }
    freeaddrinfo(ai);

    /* 3. What the scan found, and what its words mean. */
    scan_summary(&t, &r, o.host);
    return EXIT_OK;
}

/* lookup: one name or number, both protocols. Returns 1 if found at all. */
static int lookup(const char *what, const struct kernel_fact *range)
{
    static const char *const protos[] = {"tcp", "udp"};
    int numeric = isdigit((unsigned char)what[0]), found = 0, i;
    unsigned port = 0;
    char why[200];

    if (numeric && port_parse(what, "tcp", &port, why, sizeof why) != 0) {
        report("bad port '%s': %s", what, why);
        return 0;
    }
    /* THE LESSON: a look-up is a search of a text file, one line per
     * service and protocol ("telnet  23/tcp"). services_name() reads
     * /etc/services top to bottom for the first line with this number
     * and this protocol; services_port() for this name (or an alias). No
     * kernel and no network is asked: the file is the whole answer, and
     * tcp and udp are looked up separately, because the file lists them
     * separately. (getservbyport(3) and getservbyname(3) do the same
     * search; see HOW IT LOOKS UP for why we read the file ourselves.) */
    for (i = 0; i < 2; i++) {
        if (numeric) {
            const char *name = services_name(port, protos[i]);

            found |= name != NULL;
            narrate("%u/%s: %s", port, protos[i], name != NULL ? name : "no entry");
        } else {
            int p = services_port(what, protos[i]);

            found |= p >= 0;
            if (p >= 0)
                narrate("%s/%s: port %d", what, protos[i], p);
            else
                narrate("%s/%s: no entry", what, protos[i]);
        }
    }
    if (numeric && range->known && port >= range->value[0] && port <= range->value[1])
        narrate("%u lies in this kernel's ephemeral range %ld-%ld (read from %s): a service "
                "may be registered there, but the kernel may hand the number to any client "
                "meanwhile (net.ipv4.ip_local_reserved_ports keeps a port out of its choice)",
                port, range->value[0], range->value[1], range->source);
    if (!found && !numeric)
        narrate("'%s' is not in %s, for tcp or for udp", what, SERVICES_FILE);
    return found;
}

/* One port: connect (bounded), read what it says first (bounded). Returns
 * 0 open (said here, with what it said first), else the errno: ETIMEDOUT
 * for no answer in time, ECONNREFUSED for a reset or an ICMP port
 * unreachable... (scan_count() gives its verdict); -1 no socket to probe
 * with (reported: the scan cannot go on). */
static int probe(const struct addrinfo *ai, unsigned port, long ms)
{
    struct sockaddr_storage to;
    char banner[512], shown[600];
    const char *guess = services_name(port, "tcp");
    ssize_t got = 0;
    int fd, err;

    memcpy(&to, ai->ai_addr, ai->ai_addrlen);
    addr_set_port((struct sockaddr *)&to, port);
    fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd < 0) {
        /* Our own failure (EMFILE...): it says nothing about the port. */
        explain_report("socket", "tcp", (struct sockaddr *)&to, errno);
        return -1;
    }
    /* THE LESSON: a connect() is all a "scan" is: the kernel on the other
     * side says yes (a listener), no (a reset: nothing listens there), or
     * nothing at all - unless a firewall answers for it: its reject sends
     * an ICMP port unreachable (or a reset) even when a server listens,
     * and connect() then says ECONNREFUSED just the same. */
    sock_set_nonblocking(fd);
    err = connect(fd, (struct sockaddr *)&to, ai->ai_addrlen) == 0 ? 0 : errno;
    if (err == EINPROGRESS)
        err = wait_connected(fd, ms);
    if (err != 0) {
        close(fd);
        return err; /* refused, silent or otherwise: scan_count() says which */
    }
    /* THE LESSON: what really answers. The number only suggested the
     * guess; the first words the service sends are its own. */
    if (wait_for(fd, POLLIN, ms) == 1)
        got = recv(fd, banner, sizeof banner - 1, 0);
    close(fd);
    if (got < 0)
        got = 0;
    banner[got] = '\0';
    /* Text from the network: shown safely (common/narrate.c, fuzzed). */
    narrate_printable(banner, (size_t)got, shown, sizeof shown);
    narrate("%u/tcp open: %s guesses %s; it says: %s", port, SERVICES_FILE,
            guess != NULL ? guess : "(no entry)", got > 0 ? shown : "(nothing)");
    scan_verdict(port, guess, banner, (size_t)got);
    return 0;
}
