/* firewall.h - firewall-client's plumbing: its command line, the packet
 * socket that shows what really came back on the wire, and what the
 * kernel's SYN retries would have cost. The knock itself (connect, send,
 * recv) and the verdict stay in client.c.
 */
#ifndef PORTLAB_FIREWALL_H
#define PORTLAB_FIREWALL_H

#include "portlab.h"

#define FIREWALL_MAX_PORTS 64

/* The command line: HOST PORT... (and -p PORT, one more). Fills ports;
 * returns how many. Exits 2 on bad usage. */
int firewall_options(struct opts *o, int argc, char **argv,
                     unsigned ports[FIREWALL_MAX_PORTS]);

/* Open the packet socket, while we may: every packet of this network
 * namespace, from its IP header on (SOCK_DGRAM), as tcpdump sees them.
 * Says whether it could, and if not, why (CAP_NET_RAW). */
void firewall_wire_open(void);

/* Once the packet socket is open: keep no privilege (privilege_give_up:
 * root becomes o->user, nobody; anyone else gives up every capability);
 * the knocks need none. Says so. Returns -1 on failure (reported). */
int firewall_keep_nothing(const struct opts *o);

/* Forget what the packet socket saw before this knock (a look of at most
 * 100 ms: a busy wire cannot hold us). */
void firewall_wire_forget(void);

/* After the knock from our port `ours` to `port`: what came back? The
 * packet socket already holds it - it sees a packet before TCP or UDP
 * does. Fills k->wire (and k->icmp_port_unreachable) and says it on a
 * "wire:" line; without a packet socket, or when the wire is so busy that
 * 300 ms of reading did not reach the answer or the socket dropped packets
 * unread, leaves KNOCK_WIRE_UNSEEN (then errno decides, and that is said). */
void firewall_wire_answer(struct knock *k, unsigned port, unsigned ours);

/* What the program that answered said: its first line, shown safely
 * (text from the network: control bytes escaped, common/narrate.c). */
void firewall_said(unsigned port, const char *proto, const char *text, size_t len);

/* What the kernel alone would do with a SYN nobody answers: the retries
 * tcp_syn_retries and tcp_syn_linear_timeouts allow, read from /proc. */
void firewall_narrate_syn_retries(void);

/* Our own (source) port on fd, for matching the answer; 0 if unknown. */
unsigned firewall_our_port(int fd);

#endif
