/* clock.h - the one clock every deadline is measured on.
 *
 * Timeouts and rate limits are "now + ms", compared with now later: on the
 * wall clock a change of the date (NTP, a person) would stretch or cut them,
 * so portlab reads CLOCK_MONOTONIC, which only moves forward.
 */
#ifndef PORTLAB_CLOCK_H
#define PORTLAB_CLOCK_H

/* Milliseconds on a clock that never jumps (CLOCK_MONOTONIC): only the
 * difference of two readings means anything. */
long long clock_now_ms(void);

#endif
