/* ids.h: request ids and event ids, as AWS shows them (UUIDs). */
#ifndef BW_CORE_IDS_H
#define BW_CORE_IDS_H

#include <stdint.h>

#define BW_REQUEST_ID_LEN 36

/* Fill out with a new request id (NUL-terminated): a random UUID v4. */
void bw_request_id(char out[BW_REQUEST_ID_LEN + 1]);

/* Fill out with a new id that sorts by time: a UUID v7 (RFC 9562), 48 bits
 * of unix_ms then 74 random bits. For CloudTrail event ids: the index that
 * finds an event by its id then grows at its end, page by page, instead of
 * touching a random page per event. */
void bw_time_ordered_id(char out[BW_REQUEST_ID_LEN + 1], int64_t unix_ms);

#endif
