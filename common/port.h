/* port.h - reading a port number the way a careful program must.
 *
 * A TCP or UDP port is a 16-bit number: 0 to 65535 (65,536 values).
 * Two traps this module exists to avoid:
 *   - atoi("65536") is 65536, and stored in a 16-bit field it wraps to 0;
 *     port 0 means "kernel, choose any free port for me" - a silent surprise.
 *   - atoi("abc") is 0 too. So we parse strictly and reject anything odd.
 * A service name such as "telnet" is looked up in /etc/services (services(5))
 * for the protocol given, because the registrations are kept per protocol.
 */
#ifndef PORTLAB_PORT_H
#define PORTLAB_PORT_H

#include <stddef.h>

#define PORT_MAX 65535

/* Parse text as a port: decimal 0-65535, or a service name from
 * /etc/services for proto ("tcp", "udp", or NULL for either).
 * Returns 0 and stores the port, or -1 and writes a reason to why. */
int port_parse(const char *text, const char *proto, unsigned *port,
               char *why, size_t whylen);

/* One line describing the class, e.g. "system port (0-1023)". */
const char *port_class_range(unsigned port);

/* Narrate "asking for port 23, a system (well-known) port, 0-1023", or
 * what port 0 means. */
void port_narrate_request(unsigned port);

#endif
