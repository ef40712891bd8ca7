/*
 * timeutil.h: clocks and the timestamp forms of the AWS protocols.
 *   ISO 8601  2026-11-22T17:33:14Z / 2026-11-22T17:33:14.123Z (json bodies of
 *             rest-json, query and rest-xml)
 *   RFC 822   Sun, 22 Nov 2026 17:33:14 GMT (HTTP headers)
 *   epoch     1795376000.123 (awsJson bodies)
 */
#ifndef BW_CORE_TIMEUTIL_H
#define BW_CORE_TIMEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int64_t bw_now_ms(void);      /* wall clock, ms since the epoch */
uint64_t bw_mono_ns(void);    /* monotonic clock */

/* Format epoch seconds (fractional); return 0, -1 if the buffer is small. */
int bw_time_iso8601(double epoch_s, char *out, size_t outlen);
int bw_time_iso8601_ms(int64_t epoch_ms, char *out, size_t outlen);
int bw_time_rfc822(double epoch_s, char *out, size_t outlen);
/* 20261122T173314Z, the SigV4 X-Amz-Date form. */
int bw_time_amzdate(double epoch_s, char *out, size_t outlen);

/* Parse into epoch seconds; return false on anything malformed.
 * iso8601 accepts fractions and Z or ±hh:mm offsets; rfc822 the IMF-fixdate
 * form; epoch a decimal number; amzdate the compact SigV4 form. */
bool bw_parse_iso8601(const char *s, double *epoch_s);
bool bw_parse_rfc822(const char *s, double *epoch_s);
bool bw_parse_epoch(const char *s, double *epoch_s);
bool bw_parse_amzdate(const char *s, double *epoch_s);
/* Any of the above forms. */
bool bw_parse_any_time(const char *s, double *epoch_s);

#endif
