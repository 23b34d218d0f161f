/* addr.h - turning names into addresses and addresses into text.
 *
 * getaddrinfo(3) is the one modern way to resolve a host: it returns IPv4
 * and IPv6 addresses alike, so the demos never care which one they got.
 * addr_format() prints any socket address the way people write them:
 *   127.0.0.1:2000     for IPv4
 *   [::1]:2000         for IPv6 (brackets, because the address has colons)
 */
#ifndef PORTLAB_ADDR_H
#define PORTLAB_ADDR_H

#include <netdb.h>
#include <stddef.h>
#include <sys/socket.h>

/* Big enough for "[" + the longest IPv6 text with a scope + "]:65535". */
#define ADDR_STRLEN 96

/* "127.0.0.1:2000" or "[::1]:2000"; always returns buf. */
char *addr_format(const struct sockaddr *sa, char *buf, size_t len);

/* Just the port of an IPv4 or IPv6 socket address (host byte order). */
unsigned addr_port(const struct sockaddr *sa);

/* Set the port of an IPv4 or IPv6 socket address. */
void addr_set_port(struct sockaddr *sa, unsigned port);

/* Resolve host (NULL with passive = "any address") and port for one
 * socket type (SOCK_STREAM for TCP, SOCK_DGRAM for UDP) and family
 * (AF_UNSPEC, AF_INET or AF_INET6). On failure reports the error on stderr
 * and returns -1; on success the caller frees *res with freeaddrinfo(). */
int addr_resolve(const char *host, unsigned port, int family, int socktype,
                 int passive, struct addrinfo **res);

/* In text from the network, find marker and read the "ADDRESS:PORT" that
 * follows it (up to a space or the end), e.g. marker "saw you as " in
 * "ephemeral-server saw you as 127.0.0.1:41234 (you reached ...)".
 * Returns 0 and the port, or -1 if there is no such well-formed port. */
int addr_port_after(const char *text, const char *marker, unsigned *port);

/* Call before bind() on any socket. For an IPv6 socket about to be bound
 * to the wildcard "::", set IPV6_V6ONLY off explicitly (rather than
 * inheriting the system's net.ipv6.bindv6only): a dual-stack socket, which
 * takes IPv4 clients too - they appear as [::ffff:a.b.c.d]:port - and
 * shares its port number with IPv4. Narrates that, once per program.
 * Returns 1 if the socket is dual-stack, else 0. */
int addr_dual_stack(int fd, const struct sockaddr *sa);

/* "tcp" or "udp" for a socket type. */
const char *addr_proto(int socktype);

/* Just the address, no port: "127.0.0.1", "::1" (an IPv4 address that
 * reached an IPv6 socket is shown as IPv4). Always returns buf. */
char *addr_host(const struct sockaddr *sa, char *buf, size_t len);

/* Whether the address is a loopback one (127.0.0.0/8, ::1, mapped too). */
int addr_is_loopback(const struct sockaddr *sa);

/* Whether the address is a wildcard: 0.0.0.0 or :: ("every address"). */
int addr_is_wildcard(const struct sockaddr *sa);

/* Whether two socket addresses hold the same address (ports ignored),
 * IPv4 and IPv4-mapped IPv6 alike. */
int addr_same_host(const struct sockaddr *a, const struct sockaddr *b);

/* The address part of the text "ADDR:PORT" or "[ADDR]:PORT" into out, an
 * IPv4 address that reached a dual-stack socket ([::ffff:a.b.c.d]) written
 * plainly: for comparing what a peer says it saw with our own end. */
void addr_text_host(const char *text, char *out, size_t cap);

#endif
