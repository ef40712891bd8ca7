/* ids.h: request ids, as AWS shows them (a random UUID v4). */
#ifndef BW_CORE_IDS_H
#define BW_CORE_IDS_H

#define BW_REQUEST_ID_LEN 36

/* Fill out with a new request id (NUL-terminated). */
void bw_request_id(char out[BW_REQUEST_ID_LEN + 1]);

#endif
