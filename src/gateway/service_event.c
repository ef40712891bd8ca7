/* service_event.c: records of a service's own changes (service_event.h). */
#include "gateway/service_event.h"

#include <stdlib.h>

#include "core/ids.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "gateway/recorder.h"
#include "store/outbox.h"

/* AWS's name for itself in these records. */
static const char s_internal[] = "AWS Internal";

int bw_service_event_put(struct bw_store *store, const struct bw_service_event *ev)
{
	char when[40], event_id[BW_REQUEST_ID_LEN + 1];
	if (bw_time_iso8601((double)(int64_t)ev->now_s, when, sizeof when) != 0)
		return -1;
	bw_time_ordered_id(event_id, (int64_t)(ev->now_s * 1000.0));
	json_t *rec = json_pack(
	    "{s:s, s:{s:s, s:s}, s:s, s:s, s:s, s:s, s:s, s:s, s:n, s:O?, s:s, s:b, s:s, s:b, "
	    "s:s, s:s}",
	    "eventVersion", "1.09", "userIdentity", "accountId", ev->account, "invokedBy",
	    s_internal, "eventTime", when, "eventSource", ev->source, "eventName", ev->name,
	    "awsRegion", ev->region, "sourceIPAddress", s_internal, "userAgent", s_internal,
	    "requestParameters", "responseElements", ev->response, "eventID", event_id, "readOnly",
	    0, "eventType", "AwsServiceEvent", "managementEvent", 1, "recipientAccountId",
	    ev->account, "eventCategory", "Management");
	json_t *lookup = NULL;
	int rc = rec ? 0 : -1;
	if (rc == 0 && !ev->response)
		rc = json_object_set_new(rec, "responseElements", json_null());
	if (rc == 0 && ev->resource_arn) {
		rc = json_object_set_new(rec, "resources",
		                         json_pack("[{s:s, s:s, s:s}]", "accountId", ev->account,
		                                   "type", ev->resource_type, "ARN",
		                                   ev->resource_arn));
		lookup = json_pack("[{s:s, s:s}]", "ResourceType", ev->resource_type, "ResourceName",
		                   ev->resource_arn);
		if (!lookup)
			rc = -1;
	}
	char *entry = NULL;
	int64_t id = 0;
	if (rc == 0) {
		struct bw_event_row row = {.event_time_ms = (int64_t)ev->now_s * 1000,
		                           .resources = lookup};
		entry = bw_recorder_outbox_entry(rec, &row, true);
		rc = entry && bw_outbox_put(store, entry, &id) == 0 ? 0 : -1;
	}
	free(entry);
	json_decref(lookup);
	json_decref(rec);
	return rc;
}

int bw_service_events_drain(struct bw_store *store)
{
	return bw_recorder_drain_service_events(store);
}
