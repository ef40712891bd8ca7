/*
 * record.c: a call's CloudTrail record, in AWS's format (eventVersion 1.09).
 *
 * Owns: userIdentity for each kind of caller (and for a caller that failed
 * to authenticate: the access key it claimed), the redaction of request and
 * response into requestParameters / responseElements, resources from the
 * operation's resource locator, and the LookupEvents columns of the record.
 */
#include "gateway/record.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/ids.h"
#include "core/timeutil.h"
#include "services/service.h"

#define S_MAX_DEPTH 48
#define S_USER_AGENT_MAX 1024

/* Members AWS never writes to a trail, whatever their shape says: the
 * plaintexts and secrets of KMS, IAM, STS and the services to come. */
static const char *const s_secret_members[] = {
	"Plaintext",          "PrivateKeyPlaintext", "SecretAccessKey", "SessionToken",
	"Password",           "NewPassword",         "OldPassword",     "SecretString",
	"SecretBinary",       "PrivateKey",          "SAMLAssertion",   "WebIdentityToken",
	"SecretValue",        "ClientSecret",        "AuthenticationCode1",
	"AuthenticationCode2", "Base32StringSeed",   "QRCodePNG",
};

static bool s_is_secret_member(const char *name)
{
	for (size_t i = 0; i < sizeof s_secret_members / sizeof s_secret_members[0]; i++)
		if (strcasecmp(name, s_secret_members[i]) == 0)
			return true;
	return false;
}

/* "KeyId" -> "keyId": AWS's requestParameters spelling. */
static void s_lower_camel(const char *name, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s", name);
	if (out[0])
		out[0] = (char)tolower((unsigned char)out[0]);
}

/* A string from outside (User-Agent, an error message quoting input): as
 * is when it is UTF-8, else with every byte outside printable ASCII as '?',
 * so that one odd byte never costs the record. */
static json_t *s_outside_string(const char *v)
{
	json_t *j = json_string(v ? v : "");
	if (j || !v)
		return j;
	char buf[S_USER_AGENT_MAX + 1];
	size_t n = 0;
	for (; v[n] && n < S_USER_AGENT_MAX; n++)
		buf[n] = v[n] >= 0x20 && v[n] < 0x7f ? v[n] : '?';
	buf[n] = 0;
	return json_string(buf);
}

static int s_iso8601_s(double epoch_s, char *out, size_t outlen)
{
	return bw_time_iso8601((double)(int64_t)epoch_s, out, outlen);
}

static json_t *s_redact(const struct bw_service_model *m, uint16_t shape_idx, const json_t *v,
                        int depth);

static json_t *s_redact_structure(const struct bw_service_model *m, const struct bw_shape *sh,
                                  const json_t *v, int depth)
{
	if (!json_is_object(v))
		return NULL;
	json_t *o = json_object();
	if (!o)
		return NULL;
	for (uint16_t i = 0; i < sh->nmembers; i++) {
		const struct bw_member *mb = &sh->members[i];
		const json_t *child = json_object_get(v, mb->name);
		if (!child || s_is_secret_member(mb->name) || (mb->flags & BW_MF_STREAMING))
			continue;
		json_t *r = s_redact(m, mb->shape, child, depth + 1);
		if (!r)
			continue;
		char key[128];
		s_lower_camel(mb->name, key, sizeof key);
		json_object_set_new(o, key, r);
	}
	return o;
}

static json_t *s_redact(const struct bw_service_model *m, uint16_t shape_idx, const json_t *v,
                        int depth)
{
	const struct bw_shape *sh = bw_shape_at(m, shape_idx);
	if (!sh || !v || depth > S_MAX_DEPTH)
		return NULL;
	/* sensitive values and every blob (plaintext, ciphertext, key material)
	 * stay out of the trail */
	if ((sh->flags & (BW_SF_SENSITIVE | BW_SF_STREAMING)) || sh->type == BW_T_BLOB)
		return NULL;
	if (sh->flags & BW_SF_DOCUMENT)
		return json_deep_copy(v);
	switch ((enum bw_shape_type)sh->type) {
	case BW_T_STRUCTURE:
		return s_redact_structure(m, sh, v, depth);
	case BW_T_LIST: {
		json_t *a = json_array();
		size_t i;
		const json_t *e;
		if (!a || !json_is_array(v))
			return a;
		json_array_foreach(v, i, e) {
			json_t *r = s_redact(m, sh->member, e, depth + 1);
			if (r)
				json_array_append_new(a, r);
		}
		return a;
	}
	case BW_T_MAP: {
		json_t *o = json_object();
		const char *k;
		const json_t *e;
		if (!o || !json_is_object(v))
			return o;
		json_object_foreach((json_t *)v, k, e) {
			json_t *r = s_redact(m, sh->member, e, depth + 1);
			if (r)
				json_object_set_new(o, k, r);
		}
		return o;
	}
	case BW_T_TIMESTAMP: {
		char when[40];
		if (!json_is_number(v) || bw_time_iso8601(json_number_value(v), when, sizeof when) != 0)
			return NULL;
		return json_string(when);
	}
	default:
		return json_deep_copy(v);
	}
}

json_t *bw_record_redact(const struct bw_service_model *m, uint16_t shape, const json_t *value)
{
	return m && value ? s_redact(m, shape, value, 0) : NULL;
}

/* ---- userIdentity ------------------------------------------------------ */

static const char *s_identity_type(enum bw_caller_type t)
{
	switch (t) {
	case BW_PT_ROOT: return "Root";
	case BW_PT_IAM_USER: return "IAMUser";
	case BW_PT_ASSUMED_ROLE: return "AssumedRole";
	case BW_PT_FEDERATED_USER: return "FederatedUser";
	}
	return "Unknown";
}

static int s_set_str(json_t *o, const char *key, const char *value)
{
	if (!value || !value[0])
		return 0;
	return json_object_set_new(o, key, json_string(value));
}

static json_t *s_session_context(const struct bw_principal *p)
{
	char created[40] = "";
	if (p->session_created_s > 0)
		s_iso8601_s((double)p->session_created_s, created, sizeof created);
	json_t *attrs = json_pack("{s:s}", "mfaAuthenticated", p->mfa_present ? "true" : "false");
	json_t *ctx = json_object();
	if (!attrs || !ctx)
		goto error;
	if (created[0] && s_set_str(attrs, "creationDate", created) != 0)
		goto error;
	if (p->type == BW_PT_ASSUMED_ROLE || p->type == BW_PT_FEDERATED_USER) {
		json_t *issuer = json_object();
		if (!issuer || json_object_set_new(ctx, "sessionIssuer", issuer) != 0)
			goto error;
		if (p->type == BW_PT_ASSUMED_ROLE) {
			if (s_set_str(issuer, "type", "Role") || s_set_str(issuer, "principalId", p->role_id) ||
			    s_set_str(issuer, "arn", p->role_arn) || s_set_str(issuer, "accountId", p->account) ||
			    s_set_str(issuer, "userName", p->role_name))
				goto error;
		} else {
			char arn[300];
			/* a federated user's issuer: the IAM user whose keys made
			 * it, or the root when no user did (GetFederationToken of
			 * the root) */
			bool root = !p->user_name[0];
			if (root)
				snprintf(arn, sizeof arn, "arn:aws:iam::%s:root", p->account);
			else
				snprintf(arn, sizeof arn, "arn:aws:iam::%s:user/%s", p->account,
				         p->user_name);
			if (root && (s_set_str(issuer, "type", "Root") || s_set_str(issuer, "arn", arn) ||
			             s_set_str(issuer, "principalId", p->account) ||
			             s_set_str(issuer, "accountId", p->account)))
				goto error;
			if (!root && (s_set_str(issuer, "type", "IAMUser") || s_set_str(issuer, "arn", arn) ||
			    s_set_str(issuer, "accountId", p->account) ||
			    s_set_str(issuer, "userName", p->user_name)))
				goto error;
		}
	}
	if (p->source_identity[0] && s_set_str(ctx, "sourceIdentity", p->source_identity) != 0)
		goto error;
	if (json_object_set_new(ctx, "attributes", attrs) != 0)
		goto error_ctx;
	return ctx;
error:
	json_decref(attrs);
error_ctx:
	json_decref(ctx);
	return NULL;
}

/*
 * The access key a request claimed, when authentication did not succeed:
 * the Credential=<akid>/... of its Authorization header or its presigned
 * X-Amz-Credential. Bounded to an access key's alphabet and length.
 */
static void s_claimed_key(const struct bw_http_request *req, char *out, size_t outlen)
{
	out[0] = 0;
	const char *src = NULL;
	const char *auth = bw_req_header(req, "Authorization");
	if (auth && (src = strstr(auth, "Credential=")))
		src += strlen("Credential=");
	else if (req->query && (src = strstr(req->query, "X-Amz-Credential=")))
		src += strlen("X-Amz-Credential=");
	if (!src)
		return;
	size_t n = 0;
	while (n + 1 < outlen && n < 128 && isalnum((unsigned char)src[n]))
		n++;
	memcpy(out, src, n);
	out[n] = 0;
}

static json_t *s_user_identity(const struct bw_call *call, char *username, size_t ulen)
{
	const struct bw_principal *p = &call->principal;
	username[0] = 0;
	json_t *u = json_object();
	if (!u)
		return NULL;
	if (!p->arn[0]) {
		/* not authenticated: what the request claimed to be */
		char akid[130];
		s_claimed_key(call->req, akid, sizeof akid);
		if (s_set_str(u, "type", "Unknown") || s_set_str(u, "principalId", "") ||
		    s_set_str(u, "accountId", call->account_id) ||
		    s_set_str(u, "accessKeyId", akid))
			goto error;
		return u;
	}
	if (s_set_str(u, "type", s_identity_type(p->type)) ||
	    s_set_str(u, "principalId", p->principal_id) || s_set_str(u, "arn", p->arn) ||
	    s_set_str(u, "accountId", p->account) || s_set_str(u, "accessKeyId", p->access_key_id))
		goto error;
	switch (p->type) {
	case BW_PT_ROOT:
		snprintf(username, ulen, "root");
		break;
	case BW_PT_IAM_USER:
		snprintf(username, ulen, "%s", p->user_name);
		if (s_set_str(u, "userName", p->user_name))
			goto error;
		break;
	case BW_PT_ASSUMED_ROLE:
		snprintf(username, ulen, "%s", p->session_name);
		break;
	case BW_PT_FEDERATED_USER: {
		/* a federated user's name is 2..32 characters (GetFederationToken
		 * validates it): one that does not fit is a malformed principal,
		 * not a name to cut short in the record */
		const char *slash = strrchr(p->arn, '/');
		int n = snprintf(username, ulen, "%s", slash ? slash + 1 : p->arn);
		if (n < 0 || (size_t)n >= ulen)
			goto error;
		break;
	}
	}
	/* sessions (role, federated, or GetSessionToken of a user or root) */
	if (p->temporary || p->type == BW_PT_ASSUMED_ROLE || p->type == BW_PT_FEDERATED_USER) {
		json_t *ctx = s_session_context(p);
		if (!ctx || json_object_set_new(u, "sessionContext", ctx) != 0)
			goto error;
	}
	return u;
error:
	json_decref(u);
	return NULL;
}

/* ---- resources --------------------------------------------------------- */

/* The CloudFormation spellings (which CloudTrail's resource types are)
 * that upper-casing the ARN's service or capitalizing its resource word
 * does not give. */
static const char *const s_type_spelling[][2] = {
	{"CLOUDTRAIL", "CloudTrail"},
	{"Eventdatastore", "EventDataStore"},
};

static void s_respell(char *word, size_t size)
{
	for (size_t i = 0; i < sizeof s_type_spelling / sizeof s_type_spelling[0]; i++)
		if (strcmp(word, s_type_spelling[i][0]) == 0) {
			snprintf(word, size, "%s", s_type_spelling[i][1]);
			return;
		}
}

/* "arn:aws:kms:us-east-1:111:key/abc" -> "AWS::KMS::Key";
 * "arn:aws:iam::111:access-key/x" -> "AWS::IAM::AccessKey";
 * "arn:aws:cloudtrail:us-east-1:111:trail/t" -> "AWS::CloudTrail::Trail". */
static void s_resource_type(const char *arn, char *out, size_t outlen)
{
	out[0] = 0;
	const char *p = arn;
	const char *field[6] = {0};
	size_t nf = 0;
	field[nf++] = p;
	for (; *p && nf < 6; p++)
		if (*p == ':')
			field[nf++] = p + 1;
	if (nf < 6)
		return;
	char svc[32] = "", res[64] = "";
	size_t n = 0;
	for (const char *c = field[2]; *c && *c != ':' && n + 1 < sizeof svc; c++)
		svc[n++] = (char)toupper((unsigned char)*c);
	svc[n] = 0;
	n = 0;
	bool up = true;
	for (const char *c = field[5]; *c && *c != '/' && *c != ':' && n + 1 < sizeof res; c++) {
		if (*c == '-' || *c == '_') {
			up = true;
			continue;
		}
		res[n++] = up ? (char)toupper((unsigned char)*c) : *c;
		up = false;
	}
	res[n] = 0;
	if (!svc[0])
		return;
	if (!res[0] || field[5][n] == 0) /* S3: arn:aws:s3:::bucket */
		snprintf(res, sizeof res, "%s", strcmp(svc, "S3") == 0 ? "Bucket" : "Resource");
	s_respell(svc, sizeof svc);
	s_respell(res, sizeof res);
	snprintf(out, outlen, "AWS::%s::%s", svc, res);
}

/* [{ARN, accountId, type}] and the lookup form [{ResourceType, ResourceName}]
 * of the resource the gateway resolved for the call, when it names one. */
static int s_resources(struct bw_call *call, const json_t *in, json_t *record,
                       struct bw_record *rec)
{
	if (!call->resource_resolved || !in || !call->principal.arn[0])
		return 0;
	int rc = 0;
	char type[128];
	const char *a = bw_buf_cstr(&call->resource.arn);
	if (strncmp(a, "arn:", 4) != 0)
		goto done;
	s_resource_type(a, type, sizeof type);
	if (!type[0])
		goto done;
	rc = -1;
	json_t *list = json_pack("[{s:s, s:s, s:s}]", "ARN", a, "accountId", call->account_id, "type",
	                         type);
	if (!list || json_object_set_new(record, "resources", list) != 0)
		goto done;
	rec->lookup_resources = json_pack("[{s:s, s:s}]", "ResourceType", type, "ResourceName", a);
	if (!rec->lookup_resources)
		goto done;
	rc = 0;
done:
	return rc;
}

/* ---- the record -------------------------------------------------------- */

/* AWS writes no responseElements for reads and for operations whose output
 * is made of secrets (KMS Encrypt/Decrypt/GenerateDataKey...): any output
 * with a top-level blob. */
static json_t *s_response_elements(const struct bw_call *call, const json_t *out)
{
	if (!out || call->failed || !call->op || call->op->output == BW_NO_SHAPE ||
	    (call->impl && call->impl->read_only))
		return json_null();
	const struct bw_shape *sh = bw_shape_at(call->model, call->op->output);
	if (!sh)
		return json_null();
	for (uint16_t i = 0; i < sh->nmembers; i++) {
		const struct bw_shape *ms = bw_shape_at(call->model, sh->members[i].shape);
		if (ms && ms->type == BW_T_BLOB)
			return json_null();
	}
	json_t *r = bw_record_redact(call->model, call->op->output, out);
	if (!r || (json_is_object(r) && json_object_size(r) == 0)) {
		json_decref(r);
		return json_null();
	}
	return r;
}

static json_t *s_request_parameters(const struct bw_call *call, const json_t *in)
{
	if (!in || !call->op || call->op->input == BW_NO_SHAPE)
		return json_null();
	json_t *r = bw_record_redact(call->model, call->op->input, in);
	if (!r || (json_is_object(r) && json_object_size(r) == 0)) {
		json_decref(r);
		return json_null();
	}
	return r;
}

static int s_row(struct bw_call *call, struct bw_record *rec)
{
	json_t *j = rec->json;
	struct bw_event_row *row = &rec->row;
	row->record = NULL;
	row->event_id = json_string_value(json_object_get(j, "eventID"));
	row->event_name = json_string_value(json_object_get(j, "eventName"));
	row->event_source = json_string_value(json_object_get(j, "eventSource"));
	/* the second eventTime shows, so that a StartTime/EndTime taken from an
	 * event's EventTime finds that event */
	row->event_time_ms = (int64_t)call->now_s * 1000;
	row->username = rec->username[0] ? rec->username : NULL;
	row->access_key_id =
		json_string_value(json_object_get(json_object_get(j, "userIdentity"), "accessKeyId"));
	row->read_only = json_is_true(json_object_get(j, "readOnly"));
	row->resources = rec->lookup_resources;
	return row->event_id && row->event_name && row->event_source ? 0 : -1;
}

int bw_record_build(struct bw_call *call, const json_t *in, const json_t *out,
                    struct bw_record *rec)
{
	*rec = (struct bw_record){0};
	if (!call->model || !call->op)
		return -1;
	char when[40], source[96], event_id[BW_REQUEST_ID_LEN + 1];
	if (s_iso8601_s(call->now_s, when, sizeof when) != 0)
		return -1;
	snprintf(source, sizeof source, "%s.amazonaws.com", call->model->endpoint_prefix);
	bw_time_ordered_id(event_id, (int64_t)(call->now_s * 1000.0));
	const char *agent = bw_req_header(call->req, "User-Agent");
	char agent_buf[S_USER_AGENT_MAX + 1];
	snprintf(agent_buf, sizeof agent_buf, "%s", agent ? agent : "");

	json_t *identity = s_user_identity(call, rec->username, sizeof rec->username);
	json_t *j = identity ? json_object() : NULL;
	rec->json = j;
	if (!j) {
		json_decref(identity);
		return -1;
	}
	bool read_only = call->impl && call->impl->read_only;
	if (json_object_set_new(j, "eventVersion", json_string("1.09")) ||
	    json_object_set_new(j, "userIdentity", identity) ||
	    json_object_set_new(j, "eventTime", json_string(when)) ||
	    json_object_set_new(j, "eventSource", json_string(source)) ||
	    json_object_set_new(j, "eventName", json_string(call->op->name)) ||
	    json_object_set_new(j, "awsRegion", json_string(call->region)) ||
	    json_object_set_new(j, "sourceIPAddress", json_string(call->req->peer_ip)) ||
	    json_object_set_new(j, "userAgent", s_outside_string(agent_buf)))
		goto error;
	if (call->failed &&
	    (json_object_set_new(j, "errorCode", json_string(call->err.code)) ||
	     json_object_set_new(j, "errorMessage", s_outside_string(call->err.message))))
		goto error;
	if (json_object_set_new(j, "requestParameters", s_request_parameters(call, in)) ||
	    json_object_set_new(j, "responseElements", s_response_elements(call, out)) ||
	    json_object_set_new(j, "requestID", json_string(call->request_id)) ||
	    json_object_set_new(j, "eventID", json_string(event_id)) ||
	    json_object_set_new(j, "readOnly", json_boolean(read_only)))
		goto error;
	if (s_resources(call, in, j, rec) != 0)
		goto error;
	if (json_object_set_new(j, "eventType", json_string("AwsApiCall")) ||
	    json_object_set_new(j, "managementEvent", json_true()) ||
	    json_object_set_new(j, "recipientAccountId", json_string(call->account_id)) ||
	    json_object_set_new(j, "eventCategory", json_string("Management")))
		goto error;
	if (call->req->tls) {
		/* as CloudTrail writes it: "TLSv1.3", "TLS_AES_128_GCM_SHA256" */
		const char *host = bw_req_header(call->req, "Host");
		if (json_object_set_new(j, "tlsDetails",
		                        json_pack("{s:s, s:s, s:s}", "tlsVersion",
		                                  call->req->tls_version, "cipherSuite",
		                                  call->req->tls_cipher, "clientProvidedHostHeader",
		                                  host ? host : "")))
			goto error;
	}
	if (s_row(call, rec) != 0)
		goto error;
	return 0;
error:
	bw_record_clean_up(rec);
	return -1;
}

void bw_record_clean_up(struct bw_record *rec)
{
	if (!rec)
		return;
	json_decref(rec->json);
	json_decref(rec->lookup_resources);
	*rec = (struct bw_record){0};
}
