/* services.c - look-ups in /etc/services. See services.h. */
#include "services.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>

int services_available(void)
{
    int any;

    setservent(0);
    any = getservent() != NULL;
    endservent();
    return any;
}

const char *services_name(unsigned port, const char *proto)
{
    static char name[64];
    /* The port goes in network byte order: see getservbyport(3). */
    struct servent *se = getservbyport((int)htons((unsigned short)port), proto);

    if (se == NULL)
        return NULL;
    snprintf(name, sizeof name, "%s", se->s_name);
    endservent();
    return name;
}

int services_port(const char *name, const char *proto)
{
    struct servent *se = getservbyname(name, proto);
    int port = se != NULL ? (int)ntohs((unsigned short)se->s_port) : -1;

    endservent();
    return port;
}

const char *services_missing(void)
{
    return SERVICES_FILE " is missing or empty, so no service names can be looked up "
           "(minimal containers lack it: on Debian it comes with the netbase package)";
}
