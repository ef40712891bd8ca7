/*
 * encoding.h: base64, hex and the percent-encoding rules of URIs and forms.
 */
#ifndef BW_CORE_ENCODING_H
#define BW_CORE_ENCODING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* Standard base64 with padding. */
BW_MUST_CHECK int bw_base64_encode(const void *in, size_t len, struct bw_buf *out);
/* Strict: standard alphabet, padding required, no whitespace. -1 if invalid. */
BW_MUST_CHECK int bw_base64_decode(const char *in, size_t len, struct bw_buf *out);

BW_MUST_CHECK int bw_hex_encode(const void *in, size_t len, struct bw_buf *out);
/* The value of one hex digit (either case), or -1. */
int bw_hex_digit(int c);

/* Is the JSON text's nesting ({ and [, outside strings) at most max_depth?
 * Checked before parsing, so a hostile document cannot recurse the parser. */
bool bw_json_depth_within(const void *text, size_t len, size_t max_depth);

/* Percent-decode; '+' means space when form is true. -1 on a bad escape. */
BW_MUST_CHECK int bw_url_decode(const char *in, size_t len, bool form, struct bw_buf *out);
/* Percent-encode all but the RFC 3986 unreserved set (A-Z a-z 0-9 - _ . ~),
 * leaving '/' alone when keep_slash is true (SigV4's rules). */
BW_MUST_CHECK int bw_url_encode(const char *in, size_t len, bool keep_slash,
                                struct bw_buf *out);

#endif
