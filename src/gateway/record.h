/*
 * record.h: the CloudTrail record of one call — step 7 of the request path.
 *
 * A record is the JSON object AWS delivers in {"Records":[...]}
 * (eventVersion 1.09): who (userIdentity), what (eventSource, eventName,
 * requestParameters, responseElements), when, from where, and how it ended
 * (errorCode, errorMessage). Secrets never reach it: members of shapes the
 * model marks sensitive, every blob (plaintexts, ciphertexts, key material)
 * and members named like secrets (SecretAccessKey, SessionToken, Password,
 * Plaintext ...) are left out, as AWS leaves them out.
 */
#ifndef BW_GATEWAY_RECORD_H
#define BW_GATEWAY_RECORD_H

#include <jansson.h>

#include "gateway/call.h"
#include "store/events.h"

struct bw_record {
	json_t *json;             /* the record */
	/* The LookupEvents columns; its strings point into json. row.record
	 * is left NULL: the recorder serializes the record. */
	struct bw_event_row row;
	json_t *lookup_resources; /* owned: what row.resources points to */
	char username[192];
};

/*
 * Build the record of a finished call. in and out are the internal forms of
 * the input and output (either may be NULL: the call failed before decoding
 * or produced nothing). The resource is the one the gateway resolved
 * before authorization (call->resource). 0, or -1 on allocation failure.
 */
BW_MUST_CHECK int bw_record_build(struct bw_call *call, const json_t *in, const json_t *out,
                                  struct bw_record *rec);
void bw_record_clean_up(struct bw_record *rec);

/* The redacted internal form of a value of shape `shape` of model m, member
 * names in lower camel case (requestParameters / responseElements); NULL
 * when nothing remains. Exposed for tests. */
json_t *bw_record_redact(const struct bw_service_model *m, uint16_t shape, const json_t *value);

#endif
