/*
 * fuzz_lookup_filters.c: LookupEvents inputs — lookup attributes, time
 * range, MaxResults, EventCategory and NextToken — as an awsJson body
 * through the JSON codec's decode and then LookupEvents' handler against a
 * temporary store holding a few events. A NextToken the handler returns is
 * followed once more, so forged and genuine tokens both meet the decoder.
 * Nothing may crash, leak, or answer an error without a code.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "protocol/codec.h"
#include "services/cloudtrail/lookup.h"
#include "store/events.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char s_dir[64];
static struct bw_store *s_store;

static void s_cleanup(void)
{
	char cmd[128];
	if (s_store)
		bw_store_close(s_store);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", s_dir);
}

/* Six events: names Op0..Op2, users u0/u1, alternating ReadOnly, one
 * resource each, a second apart. */
static int s_init(void)
{
	bw_log_init(stderr, BW_LOG_ERROR);
	snprintf(s_dir, sizeof s_dir, "/tmp/bw-fuzz-lookup-XXXXXX");
	static const uint8_t key[BW_EVENTS_CHAIN_KEY_LEN] = {1}; /* any: appends need one */
	if (!mkdtemp(s_dir) || bw_store_open(s_dir, &s_store) != 0 ||
	    bw_events_set_chain_key(s_store, key, sizeof key) != 0)
		return -1;
	atexit(s_cleanup);
	struct bw_event_row rows[6];
	char text[6][256], id[6][16], name[6][8], user[6][8];
	json_t *res[6];
	for (int i = 0; i < 6; i++) {
		snprintf(id[i], sizeof id[i], "id-%d", i);
		snprintf(name[i], sizeof name[i], "Op%d", i % 3);
		snprintf(user[i], sizeof user[i], "u%d", i % 2);
		snprintf(text[i], sizeof text[i],
		         "{\"eventID\":\"%s\",\"eventName\":\"%s\",\"eventSource\":\"kms.amazonaws.com\","
		         "\"eventTime\":\"2015-01-2%dT00:00:00Z\",\"readOnly\":%s,\"userIdentity\":"
		         "{\"type\":\"IAMUser\",\"userName\":\"%s\",\"accessKeyId\":\"AKIA%d\"},"
		         "\"resources\":[{\"type\":\"AWS::KMS::Key\",\"ARN\":\"k%d\"}]}",
		         id[i], name[i], i, i % 2 ? "true" : "false", user[i], i, i);
		res[i] = json_pack("[{s:s, s:s}]", "ResourceType", "AWS::KMS::Key", "ResourceName",
		                   i % 2 ? "k-odd" : "k-even");
		rows[i] = (struct bw_event_row){.record = text[i], .event_id = id[i],
		                                .event_time_ms = (1422172800LL + i * 86400) * 1000,
		                                .event_name = name[i],
		                                .event_source = "kms.amazonaws.com",
		                                .username = user[i], .access_key_id = "AKIA0",
		                                .read_only = i % 2 == 1, .resources = res[i]};
	}
	uint64_t last = 0;
	int rc = bw_events_append(s_store, rows, 6, &last);
	for (int i = 0; i < 6; i++)
		json_decref(res[i]);
	return rc;
}

/* Decode body as LookupEvents and run the handler; *token gets the
 * NextToken it answered with, if any. */
static void s_lookup(const struct bw_operation *op, const struct bw_service_model *m,
                     const char *body, size_t len, char **token)
{
	struct bw_http_request req = {.method = "POST", .path = "/", .query = ""};
	req.body = malloc(len + 1);
	if (!req.body)
		return;
	memcpy(req.body, body, len);
	req.body[len] = 0;
	req.body_len = len;
	struct bw_call call = {.model = m, .op = op, .req = &req, .store = s_store,
	                       .now_s = 1422259200.0};
	strcpy(call.request_id, "fuzz");
	strcpy(call.account_id, "111122223333");
	strcpy(call.region, "us-east-1");
	json_t *in = NULL, *out = json_object();
	if (out && bw_codec_json.decode(&call, &in) == 0) {
		int rc = bw_cloudtrail_lookup_ops.ops[0].handler(&call, in, out);
		if (rc != 0 && (!call.failed || !call.err.code[0]))
			abort(); /* a failure must carry an AWS error */
		const char *t = json_string_value(json_object_get(out, "NextToken"));
		if (rc == 0 && t && token)
			*token = strdup(t);
		json_decref(in);
	}
	json_decref(out);
	free(req.body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready)
		ready = s_init() == 0 ? 1 : -1;
	const struct bw_service_model *m = bw_model_find("cloudtrail");
	const struct bw_operation *op = m ? bw_model_op(m, "LookupEvents") : NULL;
	if (ready < 0 || !op || bw_cloudtrail_lookup_ops.nops < 1 ||
	    strcmp(bw_cloudtrail_lookup_ops.ops[0].name, "LookupEvents") != 0)
		return 0;
	char *token = NULL;
	s_lookup(op, m, (const char *)data, size, &token);
	if (!token)
		return 0;
	/* follow the genuine token with the same body, its NextToken replaced */
	json_t *body = json_loadb((const char *)data, size, 0, NULL);
	if (json_is_object(body) && json_object_set_new(body, "NextToken", json_string(token)) == 0) {
		char *text = json_dumps(body, JSON_COMPACT);
		if (text)
			s_lookup(op, m, text, strlen(text), NULL);
		free(text);
	}
	json_decref(body);
	free(token);
	return 0;
}
