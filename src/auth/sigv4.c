/*
 * sigv4.c: SigV4 verification and signing on top of the stages in
 * sigv4_canonical.c, and the table of AWS errors each failure maps to.
 */
#include <stdio.h>
#include <string.h>

#include "auth/sigv4_internal.h"
#include "core/timeutil.h"

/* ---- the error table ------------------------------------------------- */

struct s_reason_row {
	const char *name;
	const char *code;
	uint16_t status;
	const char *message;
};

static const struct s_reason_row s_reasons[] = {
#define BW_SIGV4_ROW(n, c, s, m) {#n, c, s, m},
	BW_SIGV4_REASONS(BW_SIGV4_ROW)
#undef BW_SIGV4_ROW
};

static const struct s_reason_row *s_row(enum bw_sigv4_reason r)
{
	size_t i = (size_t)r;
	if (i >= sizeof s_reasons / sizeof s_reasons[0])
		i = BW_SIGV4_INTERNAL;
	return &s_reasons[i];
}

const char *bw_sigv4_reason_name(enum bw_sigv4_reason r)
{
	return s_row(r)->name;
}

static void s_fmt_time(int64_t t, char out[17])
{
	if (bw_time_amzdate((double)t, out, 17) != 0)
		snprintf(out, 17, "%s", "?");
}

void bw_sigv4_result_set_style(struct bw_sigv4_result *r, bool s3)
{
	const struct s_reason_row *row = s_row(r->reason);
	r->code = row->code;
	r->http_status = row->status;
	switch (r->reason) {
	case BW_SIGV4_SKEWED: {
		if (s3) {
			r->code = "RequestTimeTooSkewed";
			r->http_status = 403;
			snprintf(r->message, sizeof r->message, "%s",
			         "The difference between the request time and the current time is too "
			         "large.");
			break;
		}
		/* "Signature expired: 20150830T123600Z is now earlier than
		 * 20150830T124100Z (20150830T125100Z - 15 min.)" */
		char t[17], edge[17], now[17];
		s_fmt_time(r->request_time_s, t);
		s_fmt_time(r->now_s, now);
		if (r->request_time_s < r->now_s) {
			s_fmt_time(r->now_s - BW_SIGV4_SKEW_S, edge);
			snprintf(r->message, sizeof r->message,
			         "Signature expired: %s is now earlier than %s (%s - 15 min.)", t, edge,
			         now);
		} else {
			s_fmt_time(r->now_s + BW_SIGV4_SKEW_S, edge);
			snprintf(r->message, sizeof r->message,
			         "Signature not yet current: %s is still later than %s (%s + 15 min.)", t,
			         edge, now);
		}
		break;
	}
	case BW_SIGV4_UNKNOWN_KEY:
		if (s3) {
			r->code = "InvalidAccessKeyId";
			snprintf(r->message, sizeof r->message, "%s",
			         "The AWS Access Key Id you provided does not exist in our records.");
		} else {
			snprintf(r->message, sizeof r->message, "%s", row->message);
		}
		break;
	case BW_SIGV4_QUERY_PARAMS:
		if (s3)
			r->code = "AuthorizationQueryParametersError";
		break;
	default:
		break;
	}
}

void bw_sigv4_result_fail(struct bw_sigv4_result *r, enum bw_sigv4_reason reason,
                          const char *message, bool s3)
{
	r->reason = reason;
	snprintf(r->message, sizeof r->message, "%s",
	         message && *message ? message : s_row(reason)->message);
	bw_sigv4_result_set_style(r, s3);
}

/* ---- building the string to sign ------------------------------------ */

void bw_sigv4_stages_clean_up(struct bw_sigv4_stages *st)
{
	bw_buf_free(&st->canonical_uri);
	bw_buf_free(&st->canonical_query);
	bw_buf_free(&st->canonical_headers);
	bw_buf_free(&st->canonical_request);
	bw_buf_free(&st->scope);
	bw_buf_free(&st->string_to_sign);
}

static struct bw_cur s_view(const struct bw_buf *b)
{
	return bw_cur_from(b->data ? b->data : (const uint8_t *)"", b->len);
}

enum bw_sigv4_reason bw_sigv4_build(const struct bw_http_request *req,
                                    const struct bw_sigv4_auth *auth,
                                    struct bw_sigv4_uri_rules rules, struct bw_cur payload_hash,
                                    struct bw_sigv4_stages *st)
{
	enum bw_sigv4_reason r;
	const char *path = req->path ? req->path : "/";
	const char *query = req->query ? req->query : "";
	struct bw_cur sh = bw_cur_str(auth->signed_headers);
	if ((r = bw_sigv4_canonical_uri(bw_cur_str(path), rules, &st->canonical_uri)))
		return r;
	if ((r = bw_sigv4_canonical_query(bw_cur_str(query), auth->kind == BW_SIGV4_KIND_QUERY,
	                                  &st->canonical_query)))
		return r;
	if ((r = bw_sigv4_canonical_headers(req, sh, &st->canonical_headers)))
		return r;
	if ((r = bw_sigv4_canonical_request(req->method, s_view(&st->canonical_uri),
	                                    s_view(&st->canonical_query),
	                                    s_view(&st->canonical_headers), sh, payload_hash,
	                                    &st->canonical_request)))
		return r;
	if ((r = bw_sigv4_scope(auth->scope_date, auth->region, auth->service, &st->scope)))
		return r;
	return bw_sigv4_string_to_sign(auth->amz_date, s_view(&st->scope),
	                               s_view(&st->canonical_request), &st->string_to_sign);
}

/* ---- verification ---------------------------------------------------- */

static bool s_list_has(const char *list, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = list; *p;) {
		const char *e = strchr(p, ';');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == nl && memcmp(p, name, nl) == 0)
			return true;
		if (!e)
			break;
		p = e + 1;
	}
	return false;
}

static bool s_is_keyword(const char *v)
{
	return strcmp(v, BW_SIGV4_UNSIGNED_PAYLOAD) == 0 ||
	       strcmp(v, BW_SIGV4_STREAMING_PAYLOAD) == 0 ||
	       strcmp(v, BW_SIGV4_STREAMING_PAYLOAD_TRAILER) == 0 ||
	       strcmp(v, BW_SIGV4_STREAMING_UNSIGNED_TRAILER) == 0;
}

static void s_copy_facts(struct bw_sigv4_result *out, const struct bw_sigv4_auth *a)
{
	out->kind = a->kind;
	memcpy(out->access_key_id, a->access_key_id, sizeof out->access_key_id);
	memcpy(out->scope_date, a->scope_date, sizeof out->scope_date);
	memcpy(out->region, a->region, sizeof out->region);
	memcpy(out->service, a->service, sizeof out->service);
	memcpy(out->signed_headers, a->signed_headers, sizeof out->signed_headers);
	memcpy(out->amz_date, a->amz_date, sizeof out->amz_date);
	out->has_token = a->has_token;
	memcpy(out->security_token, a->security_token, sizeof out->security_token);
	out->request_time_s = a->request_time_s;
	out->expires_s = a->expires_s;
	memcpy(out->signature, a->signature, sizeof out->signature);
}

/* The time window. Header auth: 15 minutes either way. Presigned: valid until
 * date + X-Amz-Expires, and not from more than 15 minutes in the future. */
static enum bw_sigv4_reason s_check_time(const struct bw_sigv4_auth *a, int64_t now)
{
	int64_t t = a->request_time_s;
	if (t - now > BW_SIGV4_SKEW_S)
		return BW_SIGV4_SKEWED;
	if (a->kind == BW_SIGV4_KIND_QUERY && a->expires_s > 0)
		return now > t + a->expires_s ? BW_SIGV4_EXPIRED : BW_SIGV4_OK;
	return now - t > BW_SIGV4_SKEW_S ? BW_SIGV4_SKEWED : BW_SIGV4_OK;
}

/*
 * Which payload hash was signed; "" + a failure reason when none is valid.
 *
 * Only S3 takes the client's word for the payload (a keyword, or a hash it
 * checks against the body after the signature). Every other service signs
 * the SHA-256 of the body it received, whatever x-amz-content-sha256 says:
 * a signature over UNSIGNED-PAYLOAD, a STREAMING-* marker or another body's
 * hash covers no body of theirs. *disagrees is set when that header names
 * anything else, and the request is refused as a signature mismatch (after
 * the key lookup, as AWS orders its errors).
 */
static enum bw_sigv4_reason s_payload_hash(const struct bw_http_request *req,
                                           const struct bw_sigv4_auth *a, bool s3, char out[72],
                                           bool *disagrees)
{
	size_t n = bw_sigv4_header_count(req, "x-amz-content-sha256");
	const char *h = bw_req_header(req, "x-amz-content-sha256");
	uint8_t md[32];
	*disagrees = false;
	if (!s3) {
		if (!bw_sigv4_sha256(bw_cur_from(req->body, req->body ? req->body_len : 0), md))
			return BW_SIGV4_INTERNAL;
		bw_sigv4_tohex(md, 32, out);
		*disagrees = n > 1 || (h && strcmp(h, out) != 0);
		return BW_SIGV4_OK;
	}
	if (n > 1)
		return BW_SIGV4_PAYLOAD_INVALID;
	/* "When you use a presigned URL ... Amazon S3 ... UNSIGNED-PAYLOAD". */
	if (a->kind == BW_SIGV4_KIND_QUERY) {
		strcpy(out, BW_SIGV4_UNSIGNED_PAYLOAD);
		return BW_SIGV4_OK;
	}
	if (h) {
		if (!s_is_keyword(h) && !bw_sigv4_unhex(bw_cur_str(h), md, sizeof md))
			return BW_SIGV4_PAYLOAD_INVALID;
		snprintf(out, 72, "%s", h);
		return BW_SIGV4_OK;
	}
	return BW_SIGV4_PAYLOAD_MISSING;
}

/* The signed-header rules AWS enforces (see the header's comment). */
static const char *s_check_signed_headers(const struct bw_http_request *req,
                                          const struct bw_sigv4_auth *a, bool s3)
{
	if (!s_list_has(a->signed_headers, "host"))
		return "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.";
	if (a->kind == BW_SIGV4_KIND_HEADER && !a->date_from_date_hdr &&
	    !s_list_has(a->signed_headers, "x-amz-date"))
		return "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.";
	if (a->kind == BW_SIGV4_KIND_HEADER && a->date_from_date_hdr &&
	    !s_list_has(a->signed_headers, "date"))
		return "'Date' must be a 'SignedHeader' in the AWS Authorization.";
	if (s3 && bw_req_header(req, "x-amz-content-sha256") &&
	    !s_list_has(a->signed_headers, "x-amz-content-sha256"))
		return "'x-amz-content-sha256' must be a 'SignedHeader' in the AWS Authorization.";
	return NULL;
}

static bool s_style_s3(const struct bw_sigv4_params *p, const char *service)
{
	if (p->style == BW_SIGV4_STYLE_S3)
		return true;
	if (p->style == BW_SIGV4_STYLE_DEFAULT)
		return false;
	return strcmp(service, "s3") == 0;
}

/* Parse whichever mechanism the request uses. */
static enum bw_sigv4_reason s_parse(const struct bw_http_request *req, struct bw_sigv4_auth *a,
                                    struct bw_sigv4_error *err)
{
	size_t nauth = bw_sigv4_header_count(req, "authorization");
	struct bw_cur q = bw_cur_str(req->query ? req->query : "");
	bool presigned = bw_sigv4_query_is_presigned(q);
	err->message[0] = 0;
	err->reason = BW_SIGV4_INCOMPLETE; /* for the messages written below */
	if (nauth && presigned)
		return BW_SIGV4_AMBIGUOUS;
	if (nauth > 1) {
		snprintf(err->message, sizeof err->message, "%s",
		         "Only one Authorization header is allowed.");
		return BW_SIGV4_INCOMPLETE;
	}
	if (presigned) {
		enum bw_sigv4_reason r = bw_sigv4_parse_query(q, false, a, err);
		/* S3 requires X-Amz-Expires; elsewhere its absence means the
		 * usual 15-minute window. */
		if (r == BW_SIGV4_OK && strcmp(a->service, "s3") == 0 && a->expires_s == 0) {
			snprintf(err->message, sizeof err->message, "%s",
			         s_row(BW_SIGV4_QUERY_PARAMS)->message);
			r = err->reason = BW_SIGV4_QUERY_PARAMS;
		}
		return r;
	}
	if (!nauth)
		return BW_SIGV4_NO_AUTH;
	if (bw_sigv4_header_count(req, "x-amz-date") > 1 || bw_sigv4_header_count(req, "date") > 1) {
		snprintf(err->message, sizeof err->message, "%s",
		         "Only one X-Amz-Date and one Date header are allowed.");
		return BW_SIGV4_INCOMPLETE;
	}
	enum bw_sigv4_reason r =
		bw_sigv4_parse_header(bw_cur_str(bw_req_header(req, "authorization")),
		                      bw_req_header(req, "x-amz-date"), bw_req_header(req, "date"), a, err);
	if (r != BW_SIGV4_OK)
		return r;
	/* Header auth carries its token in X-Amz-Security-Token (signed or not:
	 * AWS accepts both; the lookup judges the token either way). */
	size_t ntok = bw_sigv4_header_count(req, "x-amz-security-token");
	if (ntok > 1) {
		snprintf(err->message, sizeof err->message, "%s",
		         "Only one X-Amz-Security-Token header is allowed.");
		return BW_SIGV4_INCOMPLETE;
	}
	if (ntok) {
		if (!bw_sigv4_copy(a->security_token, sizeof a->security_token,
		                   bw_cur_str(bw_req_header(req, "x-amz-security-token"))))
			return BW_SIGV4_UNKNOWN_KEY;
		a->has_token = true;
	}
	return BW_SIGV4_OK;
}

enum bw_sigv4_reason bw_sigv4_verify(const struct bw_http_request *req,
                                     const struct bw_sigv4_params *params,
                                     struct bw_sigv4_result *out)
{
	struct bw_sigv4_auth a;
	struct bw_sigv4_error err = {0};
	struct bw_sigv4_stages st = {0};
	struct bw_buf secret = {.secret = true};
	uint8_t key[32] = {0}, mac[32];
	bool s3 = false;
	memset(out, 0, sizeof *out);
	memset(&a, 0, sizeof a);
	out->now_s = params->now_s;

	bool payload_disagrees = false;
	enum bw_sigv4_reason r = s_parse(req, &a, &err);
	s_copy_facts(out, &a);
	/* The caller's style (the service it routed to) decides S3's rules;
	 * the scope, which the client chose, only when it names none. */
	s3 = s_style_s3(params, a.service);
	if (r != BW_SIGV4_OK)
		goto fail;
	const char *why = s_check_signed_headers(req, &a, s3);
	if (why) {
		snprintf(err.message, sizeof err.message, "%s", why);
		r = err.reason = BW_SIGV4_INCOMPLETE;
		goto fail;
	}
	if ((r = s_check_time(&a, params->now_s)) != BW_SIGV4_OK)
		goto fail;
	if ((r = s_payload_hash(req, &a, s3, out->payload_hash, &payload_disagrees)))
		goto fail;

	if (!params->lookup) {
		r = BW_SIGV4_INTERNAL;
		goto fail;
	}
	int found = params->lookup(params->lookup_ctx, a.access_key_id,
	                           a.has_token ? a.security_token : NULL, &secret);
	if (found != BW_SIGV4_KEY_FOUND) {
		r = found == BW_SIGV4_KEY_NOT_FOUND ? BW_SIGV4_UNKNOWN_KEY : BW_SIGV4_INTERNAL;
		goto fail;
	}
	if (payload_disagrees) {
		r = BW_SIGV4_MISMATCH;
		goto fail;
	}
	struct bw_sigv4_uri_rules rules =
		params->uri_rules ? *params->uri_rules : bw_sigv4_uri_rules_for(a.service);
	if ((r = bw_sigv4_build(req, &a, rules, bw_cur_str(out->payload_hash), &st)))
		goto fail;
	if ((r = bw_sigv4_signing_key(bw_cur_from(secret.data, secret.len), a.scope_date, a.region,
	                              a.service, key)))
		goto fail;
	if ((r = bw_sigv4_hmac(key, s_view(&st.string_to_sign), mac)))
		goto fail;
	if (!bw_ct_equal(mac, a.signature, sizeof mac)) {
		r = BW_SIGV4_MISMATCH;
		goto fail;
	}
	/* Signed, so S3's header is the client's word: now hold the body to it
	 * (elsewhere the hash signed was the body's own). */
	uint8_t claimed[32], actual[32];
	if (s3 && bw_sigv4_unhex(bw_cur_str(out->payload_hash), claimed, sizeof claimed)) {
		if (!bw_sigv4_sha256(bw_cur_from(req->body, req->body ? req->body_len : 0), actual)) {
			r = BW_SIGV4_INTERNAL;
			goto fail;
		}
		if (!bw_ct_equal(claimed, actual, sizeof actual)) {
			r = BW_SIGV4_PAYLOAD_MISMATCH;
			goto fail;
		}
	}
	out->reason = BW_SIGV4_OK;
	bw_sigv4_result_set_style(out, s3);
	goto done;
fail:
	bw_sigv4_result_fail(out, r, err.reason == r ? err.message : NULL, s3);
done:
	bw_cleanse(key, sizeof key);
	bw_cleanse(mac, sizeof mac);
	bw_buf_free(&secret);
	bw_sigv4_stages_clean_up(&st);
	return out->reason;
}

/* ---- signing --------------------------------------------------------- */

enum bw_sigv4_reason bw_sigv4_sign(const struct bw_http_request *req,
                                   const struct bw_sigv4_sign_params *p, struct bw_buf *out)
{
	struct bw_sigv4_auth a;
	struct bw_sigv4_stages st = {0};
	struct bw_buf sh = {0};
	uint8_t key[32] = {0}, mac[32] = {0};
	char hex[65];
	char payload[72];
	enum bw_sigv4_reason r = BW_SIGV4_INCOMPLETE;
	memset(&a, 0, sizeof a);
	if (!p->access_key_id || !p->region || !p->service)
		goto done;
	a.kind = BW_SIGV4_KIND_HEADER;
	if (!bw_sigv4_copy(a.access_key_id, sizeof a.access_key_id, bw_cur_str(p->access_key_id)) ||
	    !bw_sigv4_copy(a.region, sizeof a.region, bw_cur_str(p->region)) ||
	    !bw_sigv4_copy(a.service, sizeof a.service, bw_cur_str(p->service)))
		goto done;
	if (bw_time_amzdate((double)p->time_s, a.amz_date, sizeof a.amz_date) != 0)
		goto done;
	memcpy(a.scope_date, a.amz_date, 8);
	const char *xd = bw_req_header(req, "x-amz-date");
	if (xd && strcmp(xd, a.amz_date) != 0)
		goto done; /* the header would contradict the scope */
	if ((r = bw_sigv4_signed_headers_for(req, &sh)))
		goto done;
	r = BW_SIGV4_INCOMPLETE;
	if (!bw_sigv4_copy(a.signed_headers, sizeof a.signed_headers, s_view(&sh)))
		goto done;
	const char *ph = p->payload_hash ? p->payload_hash
	                                 : bw_req_header(req, "x-amz-content-sha256");
	if (ph) {
		snprintf(payload, sizeof payload, "%s", ph);
	} else {
		uint8_t md[32];
		r = BW_SIGV4_INTERNAL;
		if (!bw_sigv4_sha256(bw_cur_from(req->body, req->body ? req->body_len : 0), md))
			goto done;
		bw_sigv4_tohex(md, 32, payload);
	}
	if ((r = bw_sigv4_build(req, &a, bw_sigv4_uri_rules_for(a.service), bw_cur_str(payload),
	                        &st)))
		goto done;
	if ((r = bw_sigv4_signing_key(p->secret, a.scope_date, a.region, a.service, key)))
		goto done;
	if ((r = bw_sigv4_hmac(key, s_view(&st.string_to_sign), mac)))
		goto done;
	bw_sigv4_tohex(mac, 32, hex);
	r = bw_buf_appendf(out, BW_SIGV4_ALGORITHM " Credential=%s/%s, SignedHeaders=%s, Signature=%s",
	                   a.access_key_id, bw_buf_cstr(&st.scope), a.signed_headers, hex) == 0
	            ? BW_SIGV4_OK
	            : BW_SIGV4_INTERNAL;
done:
	bw_cleanse(key, sizeof key);
	bw_cleanse(mac, sizeof mac);
	bw_buf_free(&sh);
	bw_sigv4_stages_clean_up(&st);
	return r;
}
