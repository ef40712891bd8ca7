/*
 * gateway.c: one request through the path of DESIGN.md, in the order
 * docs/architecture.md gives: route, authenticate, decode and validate,
 * authorize, handle, encode, commit with its record, respond.
 *
 * With a recorder, the response of a recorded call is deferred (http/
 * server.h) while its record waits for its batch's commit: the loop serves
 * other requests meanwhile, so batches fill up (group commit) instead of
 * holding one record per loop. The recorder thread's callback sends the
 * response, or InternalFailure in its place when the record failed.
 */
#include "gateway/errors.h"
#include "gateway/gateway.h"

#include <stdio.h>
#include <string.h>

#include "core/ids.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "gateway/authn.h"
#include "gateway/authz.h"
#include "gateway/call.h"
#include "gateway/metrics.h"
#include "gateway/record.h"
#include "gateway/recorder.h"
#include "gateway/route.h"
#include "http/server.h"
#include "protocol/codec.h"
#include "services/service.h"
#include "store/doc.h"
#include "store/outbox.h"
#include "store/store.h"

static void s_json_response(struct bw_http_response *resp, uint16_t status, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	resp->status = status;
	bw_buf_reset(&resp->body);
	if (!text || bw_buf_append_str(&resp->body, text) != 0 ||
	    bw_resp_header(resp, "Content-Type", "application/json") != 0)
		resp->status = 500;
	free(text);
}

/* GET /_bulwark/health */
static void s_health(struct bw_gateway *gw, const struct bw_http_request *req,
                     struct bw_http_response *resp)
{
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		s_json_response(resp, 405, json_pack("{s:s}", "message", "Method not allowed"));
		return;
	}
	/* readable, and able to take the next write: a full disk is not "ok"
	 * (every call that changes state would fail, and so would the trail) */
	struct bw_store_health h;
	bool readable = bw_store_ping(gw->store) == 0;
	bw_store_health(gw->store, (double)bw_now_ms() / 1000.0, &h);
	const char *store = !readable ? "error" : h.full ? "full" : !h.writable ? "unwritable" : "ok";
	bool ok = strcmp(store, "ok") == 0;
	json_t *body = json_pack("{s:s, s:s, s:I, s:s, s:i, s:I}", "status", ok ? "ok" : "degraded",
	                         "version", BW_VERSION, "uptime_s",
	                         (json_int_t)((bw_now_ms() - gw->started_ms) / 1000), "store",
	                         store, "schema_version", bw_store_schema_version(gw->store),
	                         "disk_free_bytes", (json_int_t)h.free_bytes);
	s_json_response(resp, ok ? 200 : 503, body);
}

/*
 * The pseudo-service a metrics scrape from beyond loopback signs for (its
 * SigV4 scope ".../<region>/bulwark/aws4_request"), so the gateway's own
 * authentication names its caller; docs/decisions/0110.
 */
static const struct bw_service_model s_bulwark_model = {
	.name = "bulwark", .signing_name = "bulwark", .endpoint_prefix = "bulwark",
	.service_id = "Bulwark", .protocol = BW_PROTO_REST_JSON};

/* Who signed the scrape, and whether IAM allows them bulwark:GetMetrics
 * (the account root is allowed; nothing else is without a policy). */
static enum bw_metrics_auth s_metrics_auth(struct bw_call *call)
{
	call->model = &s_bulwark_model;
	if (bw_authenticate(call, call->authz->sets) != 0)
		return BW_METRICS_UNAUTHENTICATED;
	/* no resource-level permissions: the metrics are the server's */
	struct bw_resource res = {0};
	enum bw_metrics_auth a = BW_METRICS_DENIED;
	if (bw_buf_append_str(&res.arn, "*") == 0 &&
	    bw_authz_decide(call, NULL, "bulwark:GetMetrics", &res) == 0)
		a = BW_METRICS_ALLOWED;
	bw_resource_clean_up(&res);
	return a;
}

/* GET /_bulwark/metrics: not an AWS call, so neither recorded nor counted. */
static void s_metrics(struct bw_gateway *gw, struct bw_call *call,
                      struct bw_http_response *resp)
{
	const struct bw_http_request *req = call->req;
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		s_json_response(resp, 405, json_pack("{s:s}", "message", "Method not allowed"));
		return;
	}
	/* a loopback peer is not even asked for credentials */
	enum bw_metrics_auth auth = bw_metrics_peer_is_loopback(req->peer_ip)
		? BW_METRICS_UNAUTHENTICATED : s_metrics_auth(call);
	if (!bw_metrics_access(req->peer_ip, auth)) {
		s_json_response(resp, 403, json_pack("{s:s, s:s}", "code",
		                                     call->failed ? call->err.code : "AccessDenied",
		                                     "message",
		                                     call->failed ? call->err.message
		                                                  : "Access denied"));
		return;
	}
	resp->status = 200;
	bw_buf_reset(&resp->body);
	if (bw_metrics_render(&resp->body, (double)(bw_now_ms() - gw->started_ms) / 1000.0) != 0 ||
	    bw_resp_header(resp, "Content-Type", BW_METRICS_CONTENT_TYPE) != 0) {
		bw_buf_reset(&resp->body);
		resp->status = 500;
	}
}

/* The InternalFailure answers the store caused (bulwark_store_errors_total). */
#define S_MESSAGE_(code, message) message
#define S_MESSAGE(err) S_MESSAGE_(err)
static bool s_store_caused(const struct bw_call *call)
{
	static const char *const messages[] = {
		S_MESSAGE(BW_ERR_STORE_FAILED),          S_MESSAGE(BW_ERR_NOT_RECORDED),
		S_MESSAGE(BW_ERR_NOT_COMMITTED_WITH_RECORD), S_MESSAGE(BW_ERR_NOT_COMMITTED),
		S_MESSAGE(BW_ERR_CREDENTIALS_UNREADABLE), S_MESSAGE(BW_ERR_POLICIES_UNREADABLE),
		S_MESSAGE(BW_ERR_RESOURCE_UNRESOLVED),
	};
	if (!call->failed || strcmp(call->err.code, "InternalFailure") != 0)
		return false;
	for (size_t i = 0; i < sizeof messages / sizeof messages[0]; i++)
		if (strcmp(call->err.message, messages[i]) == 0)
			return true;
	return false;
}

/* As the response goes out: the call's counters (metrics.h). m: the
 * service routed to, NULL when none was recognized. */
static void s_count(const struct bw_call *call, const struct bw_service_model *m,
                    const struct bw_http_request *req, const struct bw_http_response *resp)
{
	uint64_t now = bw_mono_ns();
	bw_metrics_request(m, call->op, resp->status,
	                   req->start_ns && now > req->start_ns ? now - req->start_ns : 0);
	if (s_store_caused(call))
		bw_metrics_store_error();
}

/* Any model of that protocol: used to encode errors of unroutable requests. */
static const struct bw_service_model *s_model_of_protocol(enum bw_protocol p)
{
	for (size_t i = 0; bw_models[i]; i++)
		if (bw_models[i]->protocol == p)
			return bw_models[i];
	return NULL;
}

static int s_not_implemented(struct bw_call *call)
{
	return bw_fail(call, BW_ERR_NOT_IMPLEMENTED,
	               call->model->service_id ? call->model->service_id : call->model->name,
	               call->op->name);
}

/* Authenticate, decode, authorize, handle: DESIGN.md's steps 3 to 5. *in
 * keeps the decoded input for the trail (the caller releases it). */
static int s_dispatch(struct bw_gateway *gw, struct bw_call *call, json_t **in_out, json_t **out)
{
	json_t *in = NULL;
	/* the operation's row first: even a call refused before its input is
	 * read is recorded as what it is (readOnly) */
	call->service = bw_service_find(call->model->name);
	call->impl = call->service ? bw_service_op(call->service, call->op->name) : NULL;
	/* An operation AWS serves unsigned (authtype none: AssumeRoleWithSAML,
	 * AssumeRoleWithWebIdentity) that bulwark lacks: the SDKs send it with
	 * no signature, so the answer is that it is not implemented, not that
	 * the caller forgot to sign (MissingAuthenticationToken). */
	if (!call->impl && (call->op->flags & BW_OF_AUTH_NONE))
		return s_not_implemented(call);
	if (bw_authenticate(call, gw->authz.sets) != 0)
		return -1;
	const struct bw_codec *codec = bw_codec_for(call->model->protocol);
	if (codec->decode(call, &in) != 0)
		return -1;
	*in_out = in;
	int rc = -1;
	if (!call->impl) {
		s_not_implemented(call);
		goto done;
	}
	if (bw_authorize(call, in) != 0)
		goto done;
	*out = json_object();
	if (!*out) {
		bw_fail(call, BW_ERR_OUT_OF_MEMORY);
		goto done;
	}
	/* what a state-changing call writes commits with its record, or not
	 * at all (s_commit_with_record) */
	if (!call->impl->read_only)
		bw_store_call_begin(call->store);
	rc = call->impl->handler(call, in, *out);
	if (rc != 0 && !call->failed)
		bw_fail(call, BW_ERR_HANDLER_NO_REASON);
done:
	return rc != 0 ? -1 : 0;
}

/*
 * The headers every response of the gateway carries, set here and nowhere
 * else. Its request id (the codecs of query and S3 set their own request-id
 * headers, S3's x-amz-request-id and x-amz-id-2 too), and the server's
 * time: "An origin server with a clock MUST generate a Date header field"
 * (RFC 9110 6.6.1, IMF-fixdate), and the SDKs correct a client's skewed
 * clock from it (JavaScript v3's systemClockOffset, botocore's and Go's
 * skew correction), so an error or the health answer needs it as much as a
 * result does.
 */
static int s_add_common_headers(const struct bw_call *call, struct bw_http_response *resp)
{
	char date[40];
	if (!bw_resp_header_get(resp, "Date") &&
	    (bw_time_rfc822((double)(bw_now_ms() / 1000), date, sizeof date) != 0 ||
	     bw_resp_header(resp, "Date", date) != 0))
		return -1;
	if (bw_resp_header_get(resp, "x-amzn-RequestId"))
		return 0;
	return bw_resp_header(resp, "x-amzn-RequestId", call->request_id);
}

/* The call could not be recorded: its answer becomes InternalFailure. */
static void s_unrecorded(struct bw_call *call, struct bw_http_response *resp)
{
	bw_logf(BW_LOG_ERROR, "request %s could not be recorded in the trail; answering "
	        "InternalFailure", call->request_id);
	bw_resp_free(resp);
	*resp = (struct bw_http_response){0};
	bw_fail(call, BW_ERR_NOT_RECORDED);
	bw_codec_for(call->model->protocol)->encode_error(call, resp);
}

/* What the recorder's callback needs once the handler's frame is gone: a
 * call holding only what encoding an error and the access log read (its
 * req is the deferred request, alive until resume). */
struct s_pending {
	struct bw_http_deferred *d;
	struct bw_call call;
	bool access_log;
};

static void s_access_log(const struct bw_call *call, const struct bw_http_request *req,
                         const struct bw_http_response *resp);

/* On the loop, as the response goes out: its access log line. */
static void s_answered(void *arg, const struct bw_http_request *req,
                       const struct bw_http_response *resp, bool sent)
{
	(void)sent; /* a client that left still made the call */
	struct s_pending *p = arg;
	s_count(&p->call, p->call.model, req, resp);
	if (p->access_log)
		s_access_log(&p->call, req, resp);
	free(p);
}

/* On the recorder thread: the record's batch is committed (rc 0) or not.
 * It only settles the answer; what else there is to do happens on the loop
 * (s_answered), so the one recorder thread is not what limits the rate. */
static void s_recorded(void *arg, int rc)
{
	struct s_pending *p = arg;
	struct bw_http_response *resp = bw_http_deferred_response(p->d);
	if (rc != 0) {
		s_unrecorded(&p->call, resp);
		if (s_add_common_headers(&p->call, resp) != 0)
			resp->status = 500;
	}
	bw_http_resume_then(p->d, s_answered, p);
}

/*
 * A committed change and its record: both or neither (DESIGN.md). When the
 * handler wrote (the call's transaction is open), its record goes into the
 * outbox inside that transaction and both commit together; a failed call
 * rolls back whatever it wrote and is recorded like any other. 1: committed
 * with *rec built and *outbox_id its entry; 0: nothing was written; -1: the
 * call failed or its commit did, rolled back (call->err says why).
 */
static int s_commit_with_record(struct bw_call *call, const json_t *in, const json_t *out,
                                struct bw_record *rec, int64_t *outbox_id)
{
	*rec = (struct bw_record){0};
	if (!bw_store_call_open(call->store)) {
		bw_store_call_rollback(call->store); /* ends it; nothing to undo */
		return 0;
	}
	if (call->failed) {
		bw_store_call_rollback(call->store);
		return -1;
	}
	char *entry = NULL;
	if (bw_record_build(call, in, out, rec) != 0 ||
	    !(entry = bw_recorder_outbox_entry(rec->json, &rec->row, false)) ||
	    bw_outbox_put(call->store, entry, outbox_id) != 0 ||
	    bw_store_call_commit(call->store) != 0) {
		free(entry);
		bw_record_clean_up(rec);
		bw_store_call_rollback(call->store);
		bw_fail(call, BW_ERR_NOT_COMMITTED_WITH_RECORD);
		return -1;
	}
	free(entry);
	return 1;
}

/*
 * DESIGN.md's step 7: the call's record, durable before its response goes
 * out. When it cannot be stored the call is answered 500 InternalFailure
 * instead: a client never sees a result the trail does not hold (whatever
 * the handler changed stays changed, and the failed answer says so).
 *
 * The response is deferred and the recorder's callback sends it: 0, the
 * response (and its access log line) is on its way. -1: it was settled
 * here, synchronously (the record could not be built, or the response not
 * deferred and the record was waited for): the caller sends resp.
 */
static int s_record(struct bw_gateway *gw, struct bw_call *call, const json_t *in,
                    const json_t *out, struct bw_http_response *resp, struct bw_record *built,
                    int64_t outbox_id)
{
	struct bw_record rec;
	if (built->json) {
		rec = *built;
		*built = (struct bw_record){0};
	} else if (bw_record_build(call, in, out, &rec) != 0) {
		bw_record_clean_up(&rec);
		s_unrecorded(call, resp);
		return -1;
	}
	/* the deferred response goes out as it stands: its headers now */
	if (s_add_common_headers(call, resp) != 0)
		resp->status = 500;
	struct s_pending *p = calloc(1, sizeof *p);
	if (p)
		p->d = bw_http_defer(resp);
	if (!p || !p->d) {
		/* out of memory, or not under the HTTP server: record and wait */
		free(p);
		int rc = bw_recorder_record(gw->recorder, rec.json, &rec.row);
		bw_record_clean_up(&rec);
		if (rc == 0 && outbox_id && bw_outbox_delete(call->store, &outbox_id, 1) != 0)
			bw_logf(BW_LOG_WARN, "outbox entry %lld stays until the next start",
			        (long long)outbox_id);
		if (rc != 0)
			s_unrecorded(call, resp);
		return -1;
	}
	p->access_log = gw->access_log;
	p->call = (struct bw_call){.model = call->model, .op = call->op,
	                           .req = bw_http_deferred_request(p->d), .store = call->store,
	                           .root_key = call->root_key, .authz = call->authz,
	                           .now_s = call->now_s, .failed = call->failed, .err = call->err};
	memcpy(p->call.request_id, call->request_id, sizeof p->call.request_id);
	memcpy(p->call.account_id, call->account_id, sizeof p->call.account_id);
	memcpy(p->call.region, call->region, sizeof p->call.region);
	/* who called, for the access log line (s_access_log) */
	memcpy(p->call.principal.arn, call->principal.arn, sizeof p->call.principal.arn);
	memcpy(p->call.principal.access_key_id, call->principal.access_key_id,
	       sizeof p->call.principal.access_key_id);
	int rc = bw_recorder_submit_outboxed(gw->recorder, rec.json, &rec.row, outbox_id, s_recorded,
	                                     p);
	bw_record_clean_up(&rec);
	if (rc != 0)
		s_recorded(p, -1); /* refused: InternalFailure, sent from here */
	return 0;
}

static void s_access_log(const struct bw_call *call, const struct bw_http_request *req,
                         const struct bw_http_response *resp)
{
	uint64_t now = bw_mono_ns();
	double latency_ms = req->start_ns && now > req->start_ns
		? (double)(now - req->start_ns) / 1e6 : 0.0;
	json_t *f = json_pack("{s:s, s:s, s:i, s:f, s:s, s:s}", "method", req->method, "path",
	                      req->path, "status", (int)resp->status, "latency_ms", latency_ms,
	                      "request_id", call->request_id, "peer", req->peer_ip);
	if (!f)
		return;
	if (call->model)
		json_object_set_new(f, "service", json_string(call->model->name));
	if (call->op)
		json_object_set_new(f, "operation", json_string(call->op->name));
	if (call->failed)
		json_object_set_new(f, "error", json_string(call->err.code));
	/* who made the call: an operator reading the log of a denied or odd
	 * request needs the principal and the key it signed with, not only
	 * the trail (the key id is not a secret; its secret never comes here) */
	if (call->principal.arn[0])
		json_object_set_new(f, "principal", json_string(call->principal.arn));
	if (call->principal.access_key_id[0])
		json_object_set_new(f, "access_key_id", json_string(call->principal.access_key_id));
	bw_log(BW_LOG_INFO, "request", f);
}

void bw_gateway_handle(void *ctx, const struct bw_http_request *req,
                       struct bw_http_response *resp)
{
	struct bw_gateway *gw = ctx;
	struct bw_call call = {.req = req, .store = gw->store, .root_key = &gw->root_key,
	                       .authz = &gw->authz,
	                       .now_s = (double)bw_now_ms() / 1000.0};
	struct bw_buf path_buf = {0};
	json_t *in = NULL, *out = NULL;
	const struct bw_service_model *routed = NULL; /* NULL: no service recognized */
	bw_request_id(call.request_id);
	snprintf(call.account_id, sizeof call.account_id, "%s", gw->account_id);
	snprintf(call.region, sizeof call.region, "%s", gw->region);

	if (strncmp(req->path, "/_bulwark/", 10) == 0) {
		if (strcmp(req->path, "/_bulwark/health") == 0)
			s_health(gw, req, resp);
		else if (strcmp(req->path, "/_bulwark/metrics") == 0)
			s_metrics(gw, &call, resp);
		else
			s_json_response(resp, 404, json_pack("{s:s}", "message", "Not found"));
		goto done;
	}

	int rc = bw_route(&call, &path_buf);
	routed = call.model;
	/* recorded: every call whose service and operation were recognized */
	bool recordable = call.model && call.op;
	if (rc == 0)
		rc = s_dispatch(gw, &call, &in, &out);
	if (!call.model)
		call.model = s_model_of_protocol(bw_route_guess_protocol(req));
	const struct bw_codec *codec = bw_codec_for(call.model->protocol);
	resp->status = 200;
	if (rc == 0 && codec->encode(&call, out, resp) != 0 && !call.failed)
		bw_fail(&call, BW_ERR_NOT_ENCODED);
	struct bw_record rec = {0};
	int64_t outbox_id = 0;
	if (gw->recorder && recordable)
		(void)s_commit_with_record(&call, in, out, &rec, &outbox_id);
	else if (call.failed)
		bw_store_call_rollback(call.store);
	else if (bw_store_call_commit(call.store) != 0) /* unrecorded: the change alone */
		bw_fail(&call, BW_ERR_NOT_COMMITTED);
	if (rc != 0 || call.failed) {
		bw_resp_free(resp);
		*resp = (struct bw_http_response){0};
		codec->encode_error(&call, resp);
	}
	if (gw->recorder && recordable && s_record(gw, &call, in, out, resp, &rec, outbox_id) == 0)
		goto deferred; /* req and resp are the recorder callback's now */
done:
	if (s_add_common_headers(&call, resp) != 0)
		resp->status = 500;
	if (strncmp(req->path, "/_bulwark/", 10) != 0)
		s_count(&call, routed, req, resp);
	if (gw->access_log)
		s_access_log(&call, req, resp);
deferred:
	json_decref(in);
	json_decref(out);
	json_decref(call.uri_labels);
	bw_resource_clean_up(&call.resource);
	bw_principal_clear(&call.principal);
	bw_buf_free(&call.out_stream);
	bw_buf_free(&path_buf);
}
