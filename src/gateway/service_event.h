/*
 * service_event.h: the trail's record of what a service does by itself,
 * with no call behind it (CloudTrail's eventType "AwsServiceEvent"): KMS
 * destroying a key when its deletion window ends ("DeleteKey"), rotating
 * one on schedule ("RotateKey"). AWS writes these with the identity
 * "AWS Internal".
 *
 * Like a call's record, it is committed with the change it describes
 * (store/outbox.h): a service puts it inside the change's transaction, and
 * the ticker moves such records to the event log after each tick
 * (bw_service_events_drain). A crash in between leaves them in the
 * outbox, and the next start appends them (bw_recorder_recover).
 */
#ifndef BW_GATEWAY_SERVICE_EVENT_H
#define BW_GATEWAY_SERVICE_EVENT_H

#include <jansson.h>

struct bw_store;

struct bw_service_event {
	const char *account;
	const char *region;
	const char *source;        /* "kms.amazonaws.com" */
	const char *name;          /* "DeleteKey" */
	const char *resource_arn;  /* may be NULL */
	const char *resource_type; /* "AWS::KMS::Key" */
	const json_t *response;    /* responseElements, or NULL */
	double now_s;
};

/* Put the event's record into the outbox. Call it inside the transaction
 * of the change it records (bw_store_begin ... commit): both or neither.
 * 0, or -1 (the transaction must then roll back). */
int bw_service_event_put(struct bw_store *store, const struct bw_service_event *ev);

/* Append the service events the outbox holds to the event log, oldest
 * first, and delete them from the outbox. 0, or -1 (logged; they stay
 * for the next drain). */
int bw_service_events_drain(struct bw_store *store);

#endif
