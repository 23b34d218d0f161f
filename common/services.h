/* services.h - /etc/services: the system's copy of IANA's port registry.
 *
 * services(5) lists "name port/protocol aliases": which service is
 * registered on which port, separately for tcp and udp. It names the
 * ports servers listen on; a client's source port is never in it.
 * getservbyname(3) and getservbyport(3) read it. Minimal containers may
 * not have it at all (Debian's netbase package provides it).
 */
#ifndef PORTLAB_SERVICES_H
#define PORTLAB_SERVICES_H

#define SERVICES_FILE "/etc/services"

/* Whether the database has any entry at all (missing or empty: 0). */
int services_available(void);

/* The name registered for port/proto ("tcp", "udp"), or NULL. The text
 * stays valid until the next call. */
const char *services_name(unsigned port, const char *proto);

/* The port registered for name/proto, or -1. */
int services_port(const char *name, const char *proto);

/* The sentence that says the database is missing, for error messages. */
const char *services_missing(void);

#endif
