/*
 * trails.h: CloudTrail trails — the trail API's handlers (trails.c, table
 * in trails_table.c) and the periodic work that delivers their log files
 * and digests (src/trail/), and how all of it is kept in the document
 * store (store/doc.h). One place that says it, so they agree.
 *
 * Trail names are case-sensitive in AWS; keys are the name as given.
 * Times are epoch seconds.
 *
 *   kind                      key             document
 *   cloudtrail/trail          <trail name>    the Trail shape (Name, S3BucketName, S3KeyPrefix,
 *                                             IncludeGlobalServiceEvents, IsMultiRegionTrail,
 *                                             HomeRegion, TrailARN, LogFileValidationEnabled,
 *                                             KmsKeyId (the key ARN), HasCustomEventSelectors,
 *                                             HasInsightSelectors, IsOrganizationTrail) plus
 *                                             "Tags": [{"Key","Value"}],
 *                                             "EventSelectors", "AdvancedEventSelectors" (as put),
 *                                             "IsLogging", "StartLoggingTime", "StopLoggingTime",
 *                                             "TrailId" (random; tells a re-created trail apart)
 *   cloudtrail/trail-state    <trail name>    written by the tick only: {"TrailId",
 *                                             "DeliveredSeq", "LatestDeliveryTime",
 *                                             "LatestDeliveryAttemptTime", "LatestDeliveryError",
 *                                             "LatestDigestDeliveryTime",
 *                                             "LatestDigestDeliveryError", "DigestStart",
 *                                             "PendingLogs": [the next digest's logFiles],
 *                                             "PrevDigest": {"s3Bucket", "s3Object",
 *                                             "hashValue", "signature"} (none before the first)}
 *                                             Absent until the trail first logs.
 *   cloudtrail/signing-key    <fingerprint>   {"Fingerprint", "PublicKey" (base64 DER SPKI),
 *                                             "Sealed" (base64 of bw_seal(root key,
 *                                             BW_SEAL_PURPOSE_TRAIL_SIGNING, aad "<account>|<fp>",
 *                                             PKCS#8 DER)), "ValidityStartTime",
 *                                             "ValidityEndTime" (absent while current)}
 *   cloudtrail/signing-current "current"      {"Fingerprint"}
 *
 * The tick and the handlers never write the same document, so neither
 * holds the store across a delivery's file I/O.
 */
#ifndef BW_SERVICES_CLOUDTRAIL_TRAILS_H
#define BW_SERVICES_CLOUDTRAIL_TRAILS_H

#include <jansson.h>

#include "crypto/seal.h"
#include "gateway/call.h"
#include "services/service.h"

#define BW_CT_TRAIL           "cloudtrail/trail"
#define BW_CT_TRAIL_STATE     "cloudtrail/trail-state"
#define BW_CT_SIGNING_KEY     "cloudtrail/signing-key"
#define BW_CT_SIGNING_CURRENT "cloudtrail/signing-current"

#define BW_SEAL_PURPOSE_TRAIL_SIGNING "cloudtrail/digest-signing-key"

struct bw_store;

/* The trail operations' table (trails_table.c). */
extern const struct bw_op_table bw_cloudtrail_trail_ops;

/*
 * The trails' periodic work: deliver the log files that are due (every
 * delivery interval), write the digests that are due (every digest
 * interval), rotate the digest signing key. The CloudTrail service's tick
 * calls it about once a second; it is cheap when nothing is due.
 */
void bw_trail_tick(struct bw_store *store, const struct bw_root_key *rk, double now_s);

/* trails.c: the handlers. */
int bw_ct_create_trail(struct bw_call *call, const json_t *in, json_t *out);
int bw_ct_update_trail(struct bw_call *call, const json_t *in, json_t *out);
int bw_ct_delete_trail(struct bw_call *call, const json_t *in, json_t *out);
int bw_ct_get_trail(struct bw_call *call, const json_t *in, json_t *out);
int bw_ct_describe_trails(struct bw_call *call, const json_t *in, json_t *out);
int bw_ct_list_trails(struct bw_call *call, const json_t *in, json_t *out);
int bw_ct_get_trail_status(struct bw_call *call, const json_t *in, json_t *out);
int bw_ct_start_logging(struct bw_call *call, const json_t *in, json_t *out);
int bw_ct_stop_logging(struct bw_call *call, const json_t *in, json_t *out);
int bw_ct_put_event_selectors(struct bw_call *call, const json_t *in, json_t *out);
int bw_ct_get_event_selectors(struct bw_call *call, const json_t *in, json_t *out);
int bw_ct_add_tags(struct bw_call *call, const json_t *in, json_t *out);
int bw_ct_remove_tags(struct bw_call *call, const json_t *in, json_t *out);
int bw_ct_list_tags(struct bw_call *call, const json_t *in, json_t *out);
int bw_ct_list_public_keys(struct bw_call *call, const json_t *in, json_t *out);
/* Resource locators: the trail ARN of "Name" / "TrailName" / "ResourceId". */
int bw_ct_trail_resource(struct bw_call *call, const json_t *in, struct bw_resource *res);

#endif
