/*
 * json_body.h: the shape-driven JSON document mapping that awsJson and
 * restJson1 share — a parsed wire JSON value <-> the internal form.
 *
 * Wire member names are the members' locationName when set (GuardDuty and
 * Inspector2 use lower-case ones), else the member name; the internal form
 * always uses model member names. Timestamps travel as epoch numbers unless
 * the member or shape says otherwise; blobs as base64; documents as-is.
 */
#ifndef BW_PROTOCOL_JSON_BODY_H
#define BW_PROTOCOL_JSON_BODY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/call.h"

/* Deepest nesting of JSON accepted from a client or mapped along a shape. */
#define BW_JSON_MAX_DEPTH 64

/*
 * Parse a request body: an empty body (or only whitespace) is {}, anything
 * else must be one JSON object, valid UTF-8, nested at most
 * BW_JSON_MAX_DEPTH deep. On failure fails the call with
 * SerializationException and returns -1.
 */
int bw_json_parse_body(struct bw_call *call, const uint8_t *body, size_t len, json_t **out);

/*
 * Wire JSON -> internal form of `shape`. With body_only, the members of the
 * top-level structure bound elsewhere (URI, query, headers) are skipped.
 * Unknown members are dropped. On a type mismatch, bad base64 or bad
 * timestamp fails the call with SerializationException and returns -1;
 * *out is the new value (an empty object for an absent structure).
 */
int bw_json_from_wire(struct bw_call *call, uint16_t shape, const json_t *wire,
                      bool body_only, json_t **out);

/*
 * Internal form -> wire JSON of `shape` (only the shape's members, under
 * their wire names; null members omitted). With body_only, members bound
 * elsewhere are left out. Returns a new value, or NULL after failing the
 * call with InternalFailure (the internal form did not follow the shape).
 */
json_t *bw_json_to_wire(struct bw_call *call, uint16_t shape, const json_t *in,
                        bool body_only);

/*
 * A JSON string of s (NUL-terminated) with every byte that is not part of
 * valid UTF-8 replaced by '?': error messages quote client input and may be
 * cut mid-character, yet must always be sent. NULL only when out of memory.
 */
json_t *bw_json_string_lossy(const char *s);

#endif
