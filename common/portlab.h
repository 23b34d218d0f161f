/* portlab.h - everything a demo needs from common/, in one include.
 *
 * common/ holds what every demo needs and a student should not have to
 * read twice. The socket calls a lesson is about stay in the demo's own
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
 *   wait.h     bounded waits: non-blocking connect and replies with a timeout
 * What only one demo uses lives in that demo's folder, included by name:
 *   demos/rendezvous/rendezvous.h (its line protocol) and rvconns.h (the
 *   directory's connections), demos/restart/restart.h (who hangs up first).
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
