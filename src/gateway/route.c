/* route.c: finding the service and operation of a request. */
#include "gateway/errors.h"
#include "gateway/route.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/encoding.h"
#include "protocol/rest.h"

/* Copy the bytes of a '/'-separated scope field [p, end) into out. */
static bool s_field(const char *p, const char *end, char *out, size_t outlen)
{
	size_t n = (size_t)(end - p);
	if (n == 0 || n >= outlen)
		return false;
	memcpy(out, p, n);
	out[n] = 0;
	return true;
}

/* A region's name as AWS makes them: "us-east-1", "eu-central-2" ... */
static bool s_region_name_ok(const char *r)
{
	size_t n = strlen(r);
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' && r[i] <= '9') || r[i] == '-'))
			return false;
	return true;
}

/* "AKID/20150830/us-east-1/iam/aws4_request" -> region, service. */
static bool s_parse_credential(const char *cred, size_t len, struct bw_scope *scope)
{
	const char *end = cred + len;
	const char *parts[5];
	int n = 0;
	parts[n++] = cred;
	for (const char *p = cred; p < end && n < 5; p++)
		if (*p == '/')
			parts[n++] = p + 1;
	if (n != 5)
		return false;
	/* the access key id may itself not contain '/', so the fields are fixed */
	return s_field(parts[2], parts[3] - 1, scope->region, sizeof scope->region) &&
	       s_field(parts[3], parts[4] - 1, scope->service, sizeof scope->service);
}

/* The raw value of query parameter `name`, or NULL; *len receives its length. */
static const char *s_query_param(const char *query, const char *name, size_t *len)
{
	size_t nlen = strlen(name);
	for (const char *p = query; p && *p;) {
		const char *amp = strchr(p, '&');
		const char *end = amp ? amp : p + strlen(p);
		if ((size_t)(end - p) > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			*len = (size_t)(end - p) - nlen - 1;
			return p + nlen + 1;
		}
		p = amp ? amp + 1 : end;
	}
	return NULL;
}

bool bw_route_scope(const struct bw_http_request *req, struct bw_scope *scope)
{
	memset(scope, 0, sizeof *scope);
	const char *auth = bw_req_header(req, "authorization");
	if (auth) {
		const char *c = strstr(auth, "Credential=");
		if (!c)
			return false;
		c += strlen("Credential=");
		size_t len = strcspn(c, ", ");
		return s_parse_credential(c, len, scope);
	}
	size_t len;
	const char *raw = s_query_param(req->query, "X-Amz-Credential", &len);
	if (!raw || len > 512)
		return false;
	struct bw_buf dec = {0};
	bool ok = bw_url_decode(raw, len, true, &dec) == 0 &&
	          s_parse_credential((const char *)dec.data, dec.len, scope);
	bw_buf_free(&dec);
	return ok;
}

static const struct bw_service_model *s_model_by_signing_name(const char *name)
{
	for (size_t i = 0; bw_models[i]; i++)
		if (strcmp(bw_models[i]->signing_name, name) == 0 ||
		    strcmp(bw_models[i]->endpoint_prefix, name) == 0)
			return bw_models[i];
	return NULL;
}

/*
 * Whether the prefix [p, p + len) of an X-Amz-Target names model m. Current
 * SDKs send one of two forms (checked against botocore's and the Smithy
 * models' serializers):
 *  - the model's targetPrefix whole, as botocore (boto3, the aws CLI) and
 *    the SDKs generated from its models send it:
 *    "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents";
 *  - the name of the Smithy service shape, the targetPrefix's last
 *    '.'-field, as the SDKs generated from Smithy models send it (JavaScript
 *    v3, Go v2, Java v2, Rust, Kotlin, Swift): "CloudTrail_20131101.LookupEvents".
 * For most services the two are one ("TrentService"). Nothing in between
 * ("v20131101.CloudTrail_20131101") and no other case: AWS refuses those.
 */
static bool s_target_prefix_is(const struct bw_service_model *m, const char *p, size_t len)
{
	const char *tp = m->target_prefix;
	if (!tp || m->protocol != BW_PROTO_JSON)
		return false;
	if (strlen(tp) == len && strncmp(tp, p, len) == 0)
		return true;
	const char *shape = strrchr(tp, '.');
	return shape && strlen(shape + 1) == len && strncmp(shape + 1, p, len) == 0;
}

/* X-Amz-Target "Prefix.Operation" against the json models. */
static int s_route_target(struct bw_call *call, const char *target)
{
	const char *dot = strrchr(target, '.');
	const struct bw_service_model *m = call->model;
	size_t plen = dot ? (size_t)(dot - target) : 0;
	if (dot && !m) {
		for (size_t i = 0; bw_models[i] && !m; i++)
			if (s_target_prefix_is(bw_models[i], target, plen))
				m = bw_models[i];
	}
	if (!m) {
		bw_fail(call, BW_ERR_NO_SERVICE_FOR_TARGET, target);
		return -1;
	}
	call->model = m;
	if (!dot || !s_target_prefix_is(m, target, plen) || !(call->op = bw_model_op(m, dot + 1))) {
		bw_fail(call, BW_ERR_UNKNOWN_TARGET_OPERATION, target, m->name);
		return -1;
	}
	return 0;
}

/* The Action of an awsQuery request, from the query string or a form body. */
static bool s_query_action(const struct bw_http_request *req, char *out, size_t outlen)
{
	size_t len = 0;
	const char *raw = s_query_param(req->query, "Action", &len);
	const char *ctype = bw_req_header(req, "content-type");
	if (!raw && req->body && ctype &&
	    strncasecmp(ctype, "application/x-www-form-urlencoded", 33) == 0) {
		/* the form body is NUL-terminated past body_len, but may hold NULs */
		if (memchr(req->body, 0, req->body_len) == NULL)
			raw = s_query_param((const char *)req->body, "Action", &len);
	}
	if (!raw || len == 0 || len >= outlen)
		return false;
	struct bw_buf dec = {0};
	bool ok = bw_url_decode(raw, len, true, &dec) == 0 && dec.len < outlen &&
	          memchr(dec.data, 0, dec.len) == NULL;
	if (ok)
		memcpy(out, dec.data, dec.len + 1);
	bw_buf_free(&dec);
	return ok;
}

static int s_route_action(struct bw_call *call, const char *action)
{
	const struct bw_service_model *m = call->model;
	if (!m) {
		for (size_t i = 0; bw_models[i] && !m; i++)
			if (bw_models[i]->protocol == BW_PROTO_QUERY && bw_model_op(bw_models[i], action))
				m = bw_models[i];
	}
	if (!m) {
		bw_fail(call, BW_ERR_NO_QUERY_SERVICE_FOR_ACTION, action);
		return -1;
	}
	call->model = m;
	call->op = bw_model_op(m, action);
	if (!call->op) {
		bw_fail(call, BW_ERR_UNKNOWN_ACTION_VERSION, action, m->api_version);
		return -1;
	}
	return 0;
}

/* The host of the request without its port. */
static bool s_host(const struct bw_http_request *req, char *out, size_t outlen)
{
	const char *host = bw_req_header(req, "host");
	if (!host)
		return false;
	size_t n = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":");
	if (n == 0 || n >= outlen)
		return false;
	memcpy(out, host, n);
	out[n] = 0;
	return true;
}

/*
 * S3's virtual-hosted style: "<bucket>.localhost" or
 * "<bucket>.s3[.<region>].amazonaws.com" names the bucket in the Host.
 * Rewrite the path to the path style the templates describe.
 */
static int s_s3_path(const struct bw_http_request *req, struct bw_buf *path)
{
	char host[256];
	static const char *const suffixes[] = {".localhost", ".s3.amazonaws.com"};
	size_t blen = 0;
	if (s_host(req, host, sizeof host)) {
		size_t hlen = strlen(host);
		for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0] && !blen; i++) {
			size_t slen = strlen(suffixes[i]);
			if (hlen > slen && strcasecmp(host + hlen - slen, suffixes[i]) == 0)
				blen = hlen - slen;
		}
		const char *s3 = strstr(host, ".s3.");
		if (!blen && s3 && s3 != host && hlen > 14 &&
		    strcasecmp(host + hlen - 14, ".amazonaws.com") == 0)
			blen = (size_t)(s3 - host);
	}
	if (blen) {
		if (bw_buf_append_byte(path, '/') != 0 || bw_buf_append(path, host, blen) != 0)
			return -1;
		if (strcmp(req->path, "/") == 0)
			return 0;
	}
	return bw_buf_append_str(path, req->path);
}

/* S3's CopyObject and UploadPartCopy share their templates with PutObject
 * and UploadPart: only the x-amz-copy-source header tells them apart. */
static const struct bw_operation *s_s3_copy_variant(const struct bw_service_model *m,
                                                    const struct bw_operation *op,
                                                    const struct bw_http_request *req)
{
	if (m->protocol != BW_PROTO_REST_XML || !bw_req_header(req, "x-amz-copy-source"))
		return op;
	const char *copy = strcmp(op->name, "PutObject") == 0    ? "CopyObject"
	                   : strcmp(op->name, "UploadPart") == 0 ? "UploadPartCopy"
	                                                          : NULL;
	const struct bw_operation *variant = copy ? bw_model_op(m, copy) : NULL;
	return variant ? variant : op;
}

static int s_route_rest(struct bw_call *call, struct bw_buf *path_buf)
{
	const struct bw_http_request *req = call->req;
	const struct bw_service_model *only = call->model;
	const struct bw_service_model *best = NULL;
	const struct bw_operation *best_op = NULL;
	int best_score = -1;
	for (size_t i = 0; bw_models[i]; i++) {
		const struct bw_service_model *m = bw_models[i];
		if (only ? m != only
		         : (m->protocol != BW_PROTO_REST_JSON && m->protocol != BW_PROTO_REST_XML))
			continue;
		bw_buf_reset(path_buf);
		int rc = m->protocol == BW_PROTO_REST_XML ? s_s3_path(req, path_buf)
		                                          : bw_buf_append_str(path_buf, req->path);
		if (rc != 0)
			return bw_fail(call, BW_ERR_OUT_OF_MEMORY);
		int score = -1;
		const struct bw_operation *op =
			bw_rest_match(m, req->method, bw_buf_cstr(path_buf), req->query, NULL, &score);
		/* Without a scope, S3's catch-all templates only win when nothing else
		 * matches at all. */
		if (op && !only && m->protocol == BW_PROTO_REST_XML)
			score -= 1000;
		if (op && score > best_score) {
			best = m;
			best_op = op;
			best_score = score;
		}
	}
	if (!best) {
		if (!only)
			return bw_fail(call, BW_ERR_NO_SERVICE_FOR_PATH, req->method, req->path);
		if (only->protocol == BW_PROTO_REST_XML)
			return bw_fail_status(call, 404, BW_ERR_S3_NO_OPERATION_FOR_PATH,
			                      only->name, req->method, req->path);
		return bw_fail_status(call, 404, BW_ERR_NO_OPERATION_FOR_PATH, only->name,
		                      req->method, req->path);
	}
	bw_buf_reset(path_buf);
	if ((best->protocol == BW_PROTO_REST_XML ? s_s3_path(req, path_buf)
	                                         : bw_buf_append_str(path_buf, req->path)) != 0)
		return bw_fail(call, BW_ERR_OUT_OF_MEMORY);
	call->model = best;
	call->op = s_s3_copy_variant(best, best_op, req);
	call->path = bw_buf_cstr(path_buf);
	call->uri_labels = json_object();
	if (!call->uri_labels ||
	    !bw_rest_match(best, req->method, call->path, req->query, call->uri_labels, NULL))
		return bw_fail(call, BW_ERR_ROUTE_CHANGED);
	return 0;
}

int bw_route(struct bw_call *call, struct bw_buf *path_buf)
{
	const struct bw_http_request *req = call->req;
	struct bw_scope scope;
	call->model = NULL;
	call->op = NULL;
	call->path = req->path;
	if (bw_route_scope(req, &scope)) {
		call->model = s_model_by_signing_name(scope.service);
		/* a region that is no region's name (bytes that are not even text)
		 * must not reach the call: authentication refuses it, the trail
		 * records the call under the server's region */
		if (s_region_name_ok(scope.region))
			snprintf(call->region, sizeof call->region, "%s", scope.region);
		else
			call->bad_scope_region = true;
		if (!call->model)
			return bw_fail(call, BW_ERR_SCOPE_SERVICE_NOT_SERVED, scope.service);
	}
	const char *target = bw_req_header(req, "x-amz-target");
	char action[128];
	if (call->model) {
		switch ((enum bw_protocol)call->model->protocol) {
		case BW_PROTO_JSON:
			if (!target)
				return bw_fail(call, BW_ERR_MISSING_TARGET);
			return s_route_target(call, target);
		case BW_PROTO_QUERY:
			if (!s_query_action(req, action, sizeof action))
				return bw_fail(call, BW_ERR_MISSING_ACTION);
			return s_route_action(call, action);
		case BW_PROTO_REST_JSON:
		case BW_PROTO_REST_XML:
			return s_route_rest(call, path_buf);
		}
	}
	if (target)
		return s_route_target(call, target);
	if (s_query_action(req, action, sizeof action))
		return s_route_action(call, action);
	return s_route_rest(call, path_buf);
}

enum bw_protocol bw_route_guess_protocol(const struct bw_http_request *req)
{
	char action[128];
	if (bw_req_header(req, "x-amz-target"))
		return BW_PROTO_JSON;
	if (s_query_action(req, action, sizeof action))
		return BW_PROTO_QUERY;
	return BW_PROTO_REST_JSON;
}
