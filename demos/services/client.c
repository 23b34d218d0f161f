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
 *     second. For each open TCP port: the /etc/services guess, then the
 *     first line the service sends, and a verdict when they disagree -
 *     convention, not law.
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
 * LESSON: docs/services.md    MAN PAGES: services(5), getservbyname(3),
 *   getservbyport(3), connect(2)
 */
#include "portlab.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_RANGE "1-1024"
#define MAX_PORTS 4096       /* a polite scan is a small one */
#define ATTEMPTS_PER_SECOND 200

static const char *const HELP =
    "  lookup NAME|PORT...  look names and numbers up in /etc/services, tcp and udp\n"
    "  scan (the default)   connect to each port of -r on HOST, compare the\n"
    "                       /etc/services guess with the banner\n"
    "  -r LOW-HIGH          ports to scan (default 1-1024, at most 4096)\n";

/* What a few services say first, so that a banner can be checked against
 * the registry's guess. Most services send nothing until spoken to. */
static const struct {
    const char *service, *greeting;
} greetings[] = {
    {"ssh", "SSH-"}, {"ftp", "220"}, {"smtp", "220"}, {"pop3", "+OK"},
    {"imap2", "* OK"}, {"telnet", "\xff"}, /* telnet starts negotiating: IAC */
};

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
    for (i = 0; i < 2; i++) {
        if (numeric) {
            /* number -> name: getservbyport(3), for this protocol only */
            const char *name = services_name(port, protos[i]);

            found |= name != NULL;
            narrate("%u/%s: %s", port, protos[i], name != NULL ? name : "no entry");
        } else {
            /* name -> number: getservbyname(3), for this protocol only */
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

/* Compare the registry's guess with what the service said. */
static void verdict(unsigned port, const char *guess, const char *banner, size_t len)
{
    size_t i;
    char lower[512];

    if (guess == NULL) {
        narrate("  %u: %s has no entry for it: only what answers can tell", port,
                SERVICES_FILE);
        return;
    }
    if (len == 0) {
        narrate("  %u: no banner: %s's clients may have to speak first; the number alone "
                "suggests %s", port, guess, guess);
        return;
    }
    for (i = 0; i < sizeof greetings / sizeof greetings[0]; i++) {
        if (strcmp(greetings[i].service, guess) != 0)
            continue;
        if (strncmp(banner, greetings[i].greeting, strlen(greetings[i].greeting)) == 0)
            narrate("  %u: it greets like %s: the registry's guess fits (a greeting can be "
                    "imitated, so this too is a guess)", port, guess);
        else
            narrate("  %u: that is not how %s greets: convention, not law - the port "
                    "number only suggested %s", port, guess, guess);
        return;
    }
    for (i = 0; i < len && i < sizeof lower - 1; i++)
        lower[i] = (char)tolower((unsigned char)banner[i]);
    lower[i] = '\0';
    if (strstr(lower, guess) != NULL)
        narrate("  %u: the banner mentions %s", port, guess);
    else
        narrate("  %u: the banner does not say %s: convention, not law - only the "
                "registry says it is %s", port, guess, guess);
}

/* One port: connect (bounded), read what it says first (bounded). Returns
 * 1 open, 0 refused (ECONNREFUSED: a reset, or an ICMP port unreachable),
 * -1 no answer in time, -2 another error (no route, a firewall's other ICMP
 * answers or a local rule: said, not counted as refused), -3 no socket to
 * probe with (reported: the scan cannot go on). */
static int probe(const struct addrinfo *ai, unsigned port, long ms)
{
    struct sockaddr_storage to;
    char banner[512], shown[600];
    char verdict_text[600]; /* the verdict, from common/knock.c */
    const char *guess = services_name(port, "tcp");
    ssize_t got = 0;
    int fd, err;

    memcpy(&to, ai->ai_addr, ai->ai_addrlen);
    addr_set_port((struct sockaddr *)&to, port);
    fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd < 0) {
        /* Our own failure (EMFILE...): it says nothing about the port. */
        report_sys("socket", "tcp", (struct sockaddr *)&to, errno);
        return -3;
    }
    /* A connect() is all a "scan" is: the kernel on the other side says
     * yes (a listener), no (a reset: nothing listens there), or nothing at
     * all - unless a firewall answers for it: its reject sends an ICMP port
     * unreachable (or a reset) even when a server listens, and connect()
     * then says ECONNREFUSED just the same. */
    wait_nonblocking(fd);
    err = connect(fd, (struct sockaddr *)&to, ai->ai_addrlen) == 0 ? 0 : errno;
    if (err == EINPROGRESS)
        err = wait_connected(fd, ms);
    if (err != 0) {
        close(fd);
        if (err == ECONNREFUSED)
            return 0;
        if (err == ETIMEDOUT)
            return -1;
        narrate("%u/tcp: %s (%s): neither open nor refused - something on the way answered "
                "otherwise: %s", port, errno_name(err), errno_text(err),
                knock_verdict_text(&(struct knock){.tcp = 1, .err = err}, verdict_text,
                                   sizeof verdict_text));
        return -2;
    }
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
    verdict(port, guess, banner, (size_t)got);
    return 1;
}

/* "1-1024" -> 1, 1024; exits 2 on anything else. */
static void parse_range(const struct opts *o, const char *text, unsigned *lo, unsigned *hi)
{
    char low[16], why[200];
    size_t n = strcspn(text, "-"); /* the length of LOW */
    const char *dash = text + n;

    if (*dash != '-' || n == 0 || n >= sizeof low) {
        opts_usage_error(o, "bad range '%s': write LOW-HIGH, e.g. 1-1024", text);
        return; /* not reached: opts_usage_error() exits */
    }
    memcpy(low, text, n);
    low[n] = '\0';
    if (!isdigit((unsigned char)low[0]) || !isdigit((unsigned char)dash[1]) ||
        port_parse(low, "tcp", lo, why, sizeof why) != 0 ||
        port_parse(dash + 1, "tcp", hi, why, sizeof why) != 0)
        opts_usage_error(o, "bad range '%s': both ends must be port numbers 1-65535", text);
    if (*lo == 0 || *lo > *hi)
        opts_usage_error(o, "bad range '%s': LOW must be at least 1 and not above HIGH", text);
    if (*hi - *lo + 1 > MAX_PORTS)
        opts_usage_error(o, "bad range '%s': at most %d ports at a time (a polite scan)",
                         text, MAX_PORTS);
}

int main(int argc, char **argv)
{
    struct opts o;
    struct addrinfo *ai;
    struct kernel_fact range = kernel_local_port_range();
    const char *range_text = DEFAULT_RANGE;
    char *words[64];
    int nwords = 0, looking_up = 0, i, found = 0, state, open = 0, refused = 0, silent = 0;
    int other = 0;
    char verdict_text[600]; /* the verdicts, from common/knock.c */
    unsigned lo, hi, port;
    long long start;

    narrate_init(argv[0]);
    opts_init(&o, OPTS_CLIENT, "1", "[-r LOW-HIGH] [lookup NAME|PORT... | scan] ", HELP);
    o.default_port = "none: the range -r is scanned; -p scans just this port";
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "lookup") == 0 && !looking_up && nwords == 0 && o.host == NULL)
            looking_up = 1;
        else if (strcmp(argv[i], "scan") == 0 && !looking_up && o.host == NULL)
            continue;
        else if (looking_up && argv[i][0] != '-' && nwords < 64)
            words[nwords++] = argv[i];
        else if (strcmp(argv[i], "-r") == 0 && i + 1 >= argc)
            opts_usage_error(&o, "option -r needs a value");
        else if (strcmp(argv[i], "-r") == 0)
            range_text = argv[++i];
        else if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
            range_text = NULL; /* just this one port */
            o.port_text = argv[++i];
        }
        else if (!opts_take(&o, argc, argv, &i))
            opts_usage_error(&o, "unknown argument '%s'", argv[i]);
    }
    opts_finish(&o, "tcp");

    if (!services_available()) {
        report("%s", services_missing());
        return EXIT_FAILED;
    }
    if (looking_up) {
        if (nwords == 0)
            opts_usage_error(&o, "lookup needs a service name or a port number");
        for (i = 0; i < nwords; i++)
            found += lookup(words[i], &range);
        return found == nwords ? EXIT_OK : EXIT_FAILED;
    }

    if (range_text != NULL)
        parse_range(&o, range_text, &lo, &hi);
    else
        lo = hi = o.port;
    if (lo == 0)
        opts_usage_error(&o, "port 0 cannot be scanned: nothing listens on it");
    if (addr_resolve(o.host, lo, o.family, SOCK_STREAM, 0, &ai) != 0)
        return EXIT_FAILED;
    narrate("scanning tcp ports %u-%u on %s, at most %d attempts a second, %ld ms each",
            lo, hi, o.host, ATTEMPTS_PER_SECOND, o.timeout_ms);
    start = wait_now_ms();
    for (port = lo; port <= hi; port++) {
        /* Polite: never faster than ATTEMPTS_PER_SECOND. */
        long long due = start + (long long)(port - lo) * 1000 / ATTEMPTS_PER_SECOND;

        if (due > wait_now_ms())
            wait_for(-1, 0, due - wait_now_ms());
        state = probe(ai, port, o.timeout_ms);
        if (state == -3) {
            report("why: we could not make a socket, so port %u and the rest of %u-%u "
                   "were not scanned: a failure of ours, not an answer from %s", port, lo,
                   hi, o.host);
            freeaddrinfo(ai);
            return EXIT_FAILED;
        }
        open += state == 1;
        refused += state == 0;
        silent += state == -1;
        other += state == -2;
    }
    freeaddrinfo(ai);
    /* refused: a reset or an ICMP port unreachable came back (usually
     * nothing listens; a firewall's reject looks the same); silent: nothing
     * came back in time (a dropping firewall, or an absent host); other: an
     * error that is neither. */
    if (open == 0)
        narrate("nothing open in %u-%u on %s (%d refused, %d silent%s)", lo, hi, o.host,
                refused, silent, other > 0 ? ", some failed otherwise, said above" : "");
    else
        narrate("%d open, %d refused, %d silent in %u-%u on %s%s", open, refused, silent, lo,
                hi, o.host, other > 0 ? "; some failed otherwise, said above" : "");
    /* The verdicts, from the classifier firewall-client uses too. */
    if (refused > 0)
        narrate("refused: %s", knock_verdict_text(&(struct knock){.tcp = 1,
                                                                  .err = ECONNREFUSED},
                                                  verdict_text, sizeof verdict_text));
    if (silent > 0)
        narrate("silent: %s", knock_verdict_text(&(struct knock){.tcp = 1,
                                                                 .err = ETIMEDOUT},
                                                 verdict_text, sizeof verdict_text));
    return EXIT_OK;
}
