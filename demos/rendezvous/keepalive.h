/* keepalive.h - the rendezvous directory's own: finding a peer whose host
 * vanished.
 *
 * A TCP connection ends with a FIN or a reset, which a dying process's
 * kernel still sends - but a host that crashes, loses power or is cut off
 * sends nothing, and the other end would wait for ever. TCP keepalive
 * (tcp(7)) sends a small probe after a quiet while; unanswered probes end
 * the connection with ETIMEDOUT. The rendezvous directory watches every
 * connection that registered a name this way.
 */
#ifndef PORTLAB_RV_KEEPALIVE_H
#define PORTLAB_RV_KEEPALIVE_H

/* Turn keepalive on for fd (10 s idle, then a probe every 5 s, 3 unanswered
 * end it; PORTLAB_KEEPALIVE="IDLE,INTVL,CNT" in seconds changes that, for
 * tests), with the same bound on unacknowledged data (TCP_USER_TIMEOUT);
 * narrate it for who. */
void keepalive_watch(int fd, const char *who);

#endif
