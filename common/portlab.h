/* portlab.h - everything a demo needs from common/, in one include.
 *
 * common/ holds what two demos or more need and a student should not have
 * to read twice. The socket calls a lesson is about stay in the demo's own
 * file; read the headers below for the rest:
 *   port.h     parse "2000" or "telnet" strictly; IANA port classes
 *   addr.h     getaddrinfo() and "127.0.0.1:2000" / "[::1]:2000"
 *   narrate.h  the story on stdout, errors with errno names on stderr
 *   explain.h  a failed call and its why: line, premises checked first
 *   opts.h     -p PORT, -b ADDRESS, HOST, -4/-6, -n, -t, -h
 *   kernel.h   facts the kernel decides, read from /proc
 *   privilege.h  who may bind a low port, and why; dropping root
 *   serve.h    the server loop: poll(), accept(), recvfrom(), the reply
 *   replyguard.h  whom a UDP server never answers, or only a few times a second
 *   services.h /etc/services look-ups, both ways, per protocol
 *   tcptable.h the kernel's table of TCP sockets and their states
 *   signals.h  clean exit on Ctrl-C and SIGTERM; SIGPIPE ignored
 *   drain.h    closing a served TCP connection without losing the reply
 *   packet.h   a packet's bytes: the ports in its header (wire, firewall)
 *   knock.h    a knock's outcome -> open, closed, filtered (firewall, services)
 *   wait.h     bounded waits: a non-blocking connect, a line by a deadline
 *   sock.h     a socket made non-blocking (so a wait, not a call, bounds it)
 *   clock.h    milliseconds on a clock that never jumps, for deadlines
 *
 * Names: a function or variable a header here exports begins with its
 * file's name (addr_format() in addr.c, opts_take() in opts.c; a name of
 * two words may be split: reply_guard_ok() in replyguard.c), and is used
 * by a program, a test tool (tests/tools) or a fuzz target (tests/fuzz);
 * the rest are static. The exceptions, on purpose:
 *   narrate() and report() (narrate.c): the story's line and the error
 *     with no errno, called on almost every page; narrate() is its file's
 *     name, report() the other half of it, kept short the same way.
 *   EXIT_OK/EXIT_FAILED/EXIT_USAGE and PRINTF_LIKE (narrate.h): the exit
 *     codes every program returns, and a compiler attribute.
 *   CAP_NET_BIND_SERVICE_BIT, CAP_NET_RAW_BIT (kernel.h): capabilities(7)'s
 *     own names; enum tcp_state's TCPS_* and struct tcp_entry (tcptable.h):
 *     the kernel's names (include/net/tcp_states.h); PRIV_CAP_* (privilege.h)
 *     and REPLY_* (replyguard.h): their file's name, shortened.
 * Kept whole although parts serve one demo: packet.c (wire and firewall)
 * and knock.c (firewall and services), each one reader of one format;
 * services.c's services_name() (services-client, -server) beside
 * services_port() (port.c's "-p telnet"), the two directions of one file;
 * explain.c's explain_narrate() (nat-server), explain_report() on stdout.
 *
 * What only one demo uses lives in that demo's folder, included by name:
 *   demos/ephemeral/ephemeral.h  the client's options; its port against
 *                                the kernel's range and IANA's
 *   demos/firewall/firewall.h    the packet socket that sees the answer
 *   demos/nat/natview.h          the server's view of our ends, compared
 *   demos/privileged/privileged.h  options, reply, privilege narrated
 *   demos/rendezvous/rendezvous.h  the line protocol; rvconns.h the
 *       directory's connections; rvlink.h the server's link to it;
 *       rvclient.h the client's -l table; keepalive.h a vanished peer
 *   demos/restart/restart.h      who hangs up first; the close's figure
 *   demos/same-port/sameport.h   the server's options, address, replies
 *   demos/services/scan.h        a scan's pace, greetings and summary
 *   demos/wire/wire.h            the server's own packets; the figure
 */
#ifndef PORTLAB_H
#define PORTLAB_H

#include "addr.h"
#include "clock.h"
#include "drain.h"
#include "knock.h"
#include "explain.h"
#include "kernel.h"
#include "narrate.h"
#include "opts.h"
#include "port.h"
#include "privilege.h"
#include "replyguard.h"
#include "serve.h"
#include "services.h"
#include "signals.h"
#include "sock.h"
#include "tcptable.h"
#include "wait.h"

#endif
