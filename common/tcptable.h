/* tcptable.h - the kernel's own table of TCP sockets, read from /proc.
 *
 * Linux lists every TCP listener and connection, with its state, in
 * /proc/net/tcp (IPv4) and /proc/net/tcp6 (IPv6); `ss -tan` and
 * `netstat -tan` print the same table. One line per socket, in hex:
 *   sl  local_address rem_address   st ... tr tm->when ...  uid ... inode
 *    0: 0100007F:09C4 0100007F:A5C9 06 ... 03:0000176E ...    0 ...     0
 * = 127.0.0.1:2500 to 127.0.0.1:42441, state 06 (TIME_WAIT), timer 3
 * (the TIME_WAIT timer) with 0x176E = 5998 clock ticks (59.98 s) left.
 * Addresses are the raw 32-bit words of the address in this machine's byte
 * order; ports are plain numbers. See proc(5) and the kernel's
 * net/ipv4/tcp_ipv4.c. Sockets bound but neither listening nor connected
 * are NOT in this table. Elsewhere than Linux the table cannot be read,
 * and the look-ups below say so (-1, or readable 0).
 */
#ifndef PORTLAB_TCPTABLE_H
#define PORTLAB_TCPTABLE_H

#include <sys/socket.h>

/* The states, numbered as in the kernel's include/net/tcp_states.h. */
enum tcp_state {
    TCPS_ESTABLISHED = 1, TCPS_SYN_SENT, TCPS_SYN_RECV, TCPS_FIN_WAIT1,
    TCPS_FIN_WAIT2, TCPS_TIME_WAIT, TCPS_CLOSE, TCPS_CLOSE_WAIT,
    TCPS_LAST_ACK, TCPS_LISTEN, TCPS_CLOSING, TCPS_NEW_SYN_RECV
};

struct tcp_entry {
    struct sockaddr_storage local, remote;
    int state;              /* enum tcp_state */
    int timer;              /* which timer runs: 0 none, 1 retransmit, 2 keepalive, 3 TIME_WAIT, 4 probe */
    unsigned long ticks;    /* time left on it, in clock ticks (sysconf(_SC_CLK_TCK)) */
    unsigned long uid;      /* the owner's uid (0 for TIME_WAIT: no owner) */
    const char *source;     /* the table it was read from: "/proc/net/tcp" or "/proc/net/tcp6" */
};

/* The kernel's name for a state ("TIME_WAIT"), or "unknown state". */
const char *tcptable_state_name(int state);

/* One line of /proc/net/tcp (family AF_INET) or tcp6 (AF_INET6) into *e.
 * Returns 1, or 0 for the header or a line that is not well formed. */
int tcptable_parse_line(const char *line, int family, struct tcp_entry *e);

/* The entry of one connection, by both ends: 1 found (in *e), 0 not in
 * the table, -1 the table cannot be read. */
int tcptable_find(const struct sockaddr *local, const struct sockaddr *remote,
                  struct tcp_entry *e);

/* Whole seconds left on the entry's timer (cut, not rounded, as ss(8)
 * shows them from 10 s up: "timewait,39sec" for 39.7 s; below 10 s ss
 * adds milliseconds), or -1 when none runs. */
double tcptable_seconds_left(const struct tcp_entry *e);

/* What holds a TCP port that bind() refused, by the kernel's table: the
 * entries on want's port whose address overlaps want's. */
struct tcp_port_summary {
    int readable;                    /* 0: no table on this system */
    int listeners, time_wait, others;
    struct sockaddr_storage listener; /* the first listener's address */
    const char *listener_source;     /* and the table it was read from */
    const char *time_wait_source;    /* the table(s) the TIME_WAIT entries were read from */
    const char *other_source;        /* the table the first other entry was read from */
    int other_state;                 /* the first other entry's state */
    struct sockaddr_storage other_local, other_remote; /* and its two ends */
    double time_wait_left;           /* the longest TIME_WAIT left, seconds */
};
void tcptable_summarize(const struct sockaddr *want, struct tcp_port_summary *s);

/* Which end of a connection this entry is, as far as the table can tell:
 * TCP_END_OUTGOING when it is surely or most likely the end that called
 * connect() (SYN_SENT; or its peer is in this table too, a listener holds
 * the peer's port and none holds this one: an accepted end has a
 * listener's port), else TCP_END_UNKNOWN. An accepted connection outlives
 * its listener, and a peer on another host is not in the table: then the
 * table cannot tell the two apart. */
enum tcp_end { TCP_END_UNKNOWN, TCP_END_OUTGOING };
enum tcp_end tcptable_end(const struct tcp_entry *e);

#endif
