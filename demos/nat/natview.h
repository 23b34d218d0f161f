/* natview.h - nat-client's plumbing: reading the server's view of our
 * ends out of its reply, and saying what differs from ours. Not the
 * lesson: the socket calls are in client.c.
 */
#ifndef NATVIEW_H
#define NATVIEW_H

#include <stddef.h>

/* The "ADDR:PORT" after marker in the reply (text from the network),
 * checked and made safe, into out; returns 0, or -1 if it is not there. */
int natview_after(const char *reply, const char *marker, char *out, size_t cap);

/* What changed between one end as we see it ("ADDR:PORT") and as the
 * server saw it: "nothing was rewritten on the way", "the address was
 * rewritten on the way, the port kept", and so on. */
const char *natview_changed(const char *ours, const char *theirs);

#endif
