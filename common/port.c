/* port.c - strict port parsing and IANA port classes. See port.h. */
#include "port.h"
#include "narrate.h"
#include "services.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>


static int is_service_char(int c)
{
    return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '+' || c == '/';
}

static int parse_number(const char *text, unsigned *port, char *why, size_t whylen)
{
    unsigned long value = 0;
    const char *p;

    if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        snprintf(why, whylen, "hexadecimal is not accepted: write the port in decimal");
        return -1;
    }
    for (p = text; *p != '\0'; p++) {
        if (!isdigit((unsigned char)*p)) {
            snprintf(why, whylen, "not a port number: '%c' is not a decimal digit", *p);
            return -1;
        }
        value = value * 10 + (unsigned long)(*p - '0');
        if (value > PORT_MAX) {
            /* Stop before the number can overflow anything. */
            snprintf(why, whylen,
                     "out of range: ports are 16-bit numbers 0-65535 "
                     "(65536 would wrap to 0 in 16 bits, and port 0 means "
                     "'let the kernel choose')");
            return -1;
        }
    }
    *port = (unsigned)value;
    return 0;
}

int port_parse(const char *text, const char *proto, unsigned *port,
               char *why, size_t whylen)
{
    const char *p;
    int found;

    if (text == NULL || text[0] == '\0') {
        snprintf(why, whylen, "empty: give a number 0-65535 or a service name");
        return -1;
    }
    if (isspace((unsigned char)text[0])) {
        snprintf(why, whylen, "starts with white space: write just the number");
        return -1;
    }
    if (text[0] == '-' || text[0] == '+') {
        snprintf(why, whylen, "signed: ports are 0-65535, with no sign");
        return -1;
    }
    if (isdigit((unsigned char)text[0]))
        return parse_number(text, port, why, whylen);

    for (p = text; *p != '\0'; p++) {
        if (!is_service_char((unsigned char)*p)) {
            snprintf(why, whylen, "not a port number or a service name");
            return -1;
        }
    }
    found = services_port(text, proto);
    if (found < 0) {
        if (!services_available())
            snprintf(why, whylen, "%s; give a number", services_missing());
        else
            snprintf(why, whylen, "no service of that name for %s in %s",
                     proto != NULL ? proto : "tcp or udp", SERVICES_FILE);
        return -1;
    }
    *port = (unsigned)found;
    return 0;
}

const char *port_class_range(unsigned port)
{
    /* Which of IANA's ranges it lies in (RFC 6335's names first): that says
     * nothing about whether anything is registered on this very number. */
    if (port == 0)
        return "which asks the kernel to choose";
    if (port <= 1023)
        return "in IANA's system (well-known) range 0-1023";
    if (port <= 49151)
        return "in IANA's user (registered) range 1024-49151";
    return "in IANA's dynamic (private) range 49152-65535";
}

void port_narrate_request(unsigned port)
{
    if (port == 0)
        narrate("asking for port 0, which means 'kernel, choose a free port for me'");
    else
        narrate("asking for port %u, %s", port, port_class_range(port));
}
