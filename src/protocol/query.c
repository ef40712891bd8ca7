/*
 * query.c: the awsQuery codec (IAM, STS).
 *
 * Requests are form parameters, from an application/x-www-form-urlencoded
 * body and/or the query string (GET works too), flattened the way botocore's
 * QuerySerializer writes them:
 *   scalars          Name=v
 *   lists            Name.member.N        (N from 1; member = the list's
 *                                          member locationName if it has one)
 *   flattened lists  Item.N               (Item = the list member's name)
 *   maps             Name.entry.N.key / Name.entry.N.value (flattened: Name.N.key)
 *   structures       A.B.C
 *   an empty list    Name=                (botocore sends this for [])
 * List and map items are ordered by N; gaps are tolerated (Name.member.1 and
 * Name.member.3 give a two-item list), since AWS's front end accepts them
 * and rejecting them would buy nothing. Unknown parameters are ignored.
 *
 * Errors (decided, following AWS's common query errors):
 *   no Action                    -> 400 MissingAction
 *   Action naming another op     -> 400 InvalidAction
 *   a bad %-escape in the form   -> 400 MalformedQueryString is documented
 *     as 404 by AWS; IAM actually answers such bodies with 400, so we use
 *     400 InvalidParameterValue for them and for values that do not parse
 *     as their type (integer, boolean, timestamp, base64 blob).
 *   model constraints            -> bw_validate (400 ValidationError)
 *
 * Responses are text/xml:
 *   <OpResponse xmlns="ns"><OpResult>...</OpResult>
 *   <ResponseMetadata><RequestId>id</RequestId></ResponseMetadata></OpResponse>
 * and errors
 *   <ErrorResponse xmlns="ns"><Error><Type>Sender</Type><Code>c</Code>
 *   <Message>m</Message></Error><RequestId>id</RequestId></ErrorResponse>
 * which is what botocore's QueryParser reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/encoding.h"
#include "protocol/codec.h"
#include "protocol/scalar.h"
#include "protocol/validate.h"
#include "protocol/xml.h"

#define S_MAX_PARAMS 20000

struct s_param {
	char *name;
	size_t name_len;
	char *value;
	size_t value_len;
	size_t order; /* position on the wire: the first of duplicates wins */
};

struct s_params {
	struct s_param *v;
	size_t n;
	size_t cap;
};

static void s_params_free(struct s_params *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		free(ps->v[i].name);
		free(ps->v[i].value);
	}
	free(ps->v);
	*ps = (struct s_params){0};
}

static int s_cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = memcmp(a, b, n);
	if (c)
		return c;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

static int s_cmp_param(const void *pa, const void *pb)
{
	const struct s_param *a = pa, *b = pb;
	int c = s_cmp_bytes(a->name, a->name_len, b->name, b->name_len);
	if (c)
		return c;
	return a->order < b->order ? -1 : a->order > b->order ? 1 : 0;
}

/* Split "a=1&b=2" into decoded pairs. -1 on a bad escape or too many. */
static int s_parse_form(struct bw_call *call, const char *s, size_t len, struct s_params *ps)
{
	size_t i = 0;
	while (i < len) {
		size_t end = i;
		while (end < len && s[end] != '&')
			end++;
		if (end > i) {
			size_t eq = i;
			while (eq < end && s[eq] != '=')
				eq++;
			if (ps->n >= S_MAX_PARAMS)
				return bw_fail(call, "InvalidParameterValue",
				               "Too many parameters in the request");
			if (ps->n == ps->cap) {
				size_t cap = ps->cap ? ps->cap * 2 : 32;
				struct s_param *v = realloc(ps->v, cap * sizeof *v);
				if (!v)
					return bw_fail_status(call, 500, "InternalFailure", "Out of memory");
				ps->v = v, ps->cap = cap;
			}
			struct bw_buf name = {0}, value = {0};
			size_t vstart = eq < end ? eq + 1 : end;
			if (bw_url_decode(s + i, eq - i, true, &name) ||
			    bw_url_decode(s + vstart, end - vstart, true, &value)) {
				bw_buf_free(&name);
				bw_buf_free(&value);
				return bw_fail(call, "InvalidParameterValue",
				               "The request has a malformed form-urlencoded parameter");
			}
			struct s_param *p = &ps->v[ps->n];
			p->name_len = name.len;
			p->value_len = value.len;
			p->name = bw_buf_steal(&name);
			p->value = bw_buf_steal(&value);
			p->order = ps->n;
			ps->n++;
			if (!p->name || !p->value)
				return bw_fail_status(call, 500, "InternalFailure", "Out of memory");
		}
		i = end + 1;
	}
	return 0;
}

/* Index of the first parameter whose name is >= key. */
static size_t s_lower_bound(const struct s_params *ps, const char *key, size_t klen)
{
	size_t lo = 0, hi = ps->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s_cmp_bytes(ps->v[mid].name, ps->v[mid].name_len, key, klen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct s_param *s_find(const struct s_params *ps, const char *key, size_t klen)
{
	size_t i = s_lower_bound(ps, key, klen);
	if (i < ps->n && ps->v[i].name_len == klen && memcmp(ps->v[i].name, key, klen) == 0)
		return &ps->v[i];
	return NULL;
}

static bool s_starts(const struct s_param *p, const char *prefix, size_t plen)
{
	return p->name_len >= plen && memcmp(p->name, prefix, plen) == 0;
}

static bool s_has_prefix(const struct s_params *ps, const char *prefix, size_t plen)
{
	size_t i = s_lower_bound(ps, prefix, plen);
	return i < ps->n && s_starts(&ps->v[i], prefix, plen);
}

static int s_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y ? 1 : 0;
}

/*
 * The distinct N of parameters named "<prefix>.N" or "<prefix>.N.<more>",
 * ascending. Indices are 1..999999999 without leading zeros; anything else
 * is an unknown parameter and ignored.
 */
static int s_indices(const struct s_params *ps, const char *prefix, size_t plen,
                     uint32_t **out, size_t *nout)
{
	*out = NULL;
	*nout = 0;
	size_t cap = 0;
	char *dot = malloc(plen + 1);
	if (!dot)
		return -1;
	memcpy(dot, prefix, plen);
	dot[plen] = '.';
	for (size_t i = s_lower_bound(ps, dot, plen + 1);
	     i < ps->n && s_starts(&ps->v[i], dot, plen + 1); i++) {
		const char *d = ps->v[i].name + plen + 1;
		size_t rest = ps->v[i].name_len - plen - 1, nd = 0;
		uint32_t n = 0;
		while (nd < rest && nd < 9 && d[nd] >= '0' && d[nd] <= '9')
			n = n * 10 + (uint32_t)(d[nd++] - '0');
		if (nd == 0 || d[0] == '0' || (nd < rest && d[nd] != '.'))
			continue;
		if (*nout && (*out)[*nout - 1] == n)
			continue; /* the common case: the same item's next field */
		if (*nout == cap) {
			cap = cap ? cap * 2 : 16;
			uint32_t *v = realloc(*out, cap * sizeof *v);
			if (!v) {
				free(dot);
				return -1;
			}
			*out = v;
		}
		(*out)[(*nout)++] = n;
	}
	free(dot);
	if (*nout > 1) {
		qsort(*out, *nout, sizeof **out, s_cmp_u32);
		size_t w = 1;
		for (size_t r = 1; r < *nout; r++)
			if ((*out)[r] != (*out)[w - 1])
				(*out)[w++] = (*out)[r];
		*nout = w;
	}
	return 0;
}

struct s_key {
	char *s;
	size_t len;
};

/* prefix + "." + part (or part alone when prefix is empty). */
static int s_key_join(struct s_key *k, const char *prefix, size_t plen, const char *part,
                      size_t partlen)
{
	size_t len = plen ? plen + 1 + partlen : partlen;
	k->s = malloc(len + 1);
	if (!k->s)
		return -1;
	size_t o = 0;
	if (plen) {
		memcpy(k->s, prefix, plen);
		k->s[plen] = '.';
		o = plen + 1;
	}
	memcpy(k->s + o, part, partlen);
	k->s[len] = '\0';
	k->len = len;
	return 0;
}

static int s_key_index(struct s_key *k, const char *prefix, size_t plen, uint32_t n)
{
	char num[16];
	int l = snprintf(num, sizeof num, "%u", n);
	return s_key_join(k, prefix, plen, num, (size_t)l);
}

struct s_dec {
	struct bw_call *call;
	const struct bw_service_model *m;
	const struct s_params *ps;
};

static int s_oom(struct bw_call *call)
{
	return bw_fail_status(call, 500, "InternalFailure", "Out of memory");
}

static int s_value(struct s_dec *d, uint16_t idx, const struct bw_member *mb, const char *key,
                   size_t klen, json_t **out);

static int s_list(struct s_dec *d, const struct bw_shape *sh, const struct bw_member *mb,
                  const char *key, size_t klen, json_t **out)
{
	struct s_key items = {0};
	uint32_t *idx = NULL;
	size_t n = 0;
	json_t *arr = NULL;
	bool flat = (sh->flags & BW_SF_FLATTENED) || (mb && (mb->flags & BW_MF_FLATTENED));
	const char *item = sh->member_name ? sh->member_name : "member";
	if (flat ? s_key_join(&items, "", 0, key, klen)
	         : s_key_join(&items, key, klen, item, strlen(item)))
		goto oom;
	if (s_indices(d->ps, items.s, items.len, &idx, &n))
		goto oom;
	if (n == 0) {
		/* "Name=" is botocore's empty list */
		const struct s_param *p = s_find(d->ps, key, klen);
		if (p && p->value_len == 0 && !(arr = json_array()))
			goto oom;
		goto done;
	}
	if (!(arr = json_array()))
		goto oom;
	for (size_t i = 0; i < n; i++) {
		struct s_key ik = {0};
		json_t *v = NULL;
		if (s_key_index(&ik, items.s, items.len, idx[i]))
			goto oom;
		int rc = s_value(d, sh->member, NULL, ik.s, ik.len, &v);
		free(ik.s);
		if (rc)
			goto error;
		if (!v)
			continue;
		if (json_array_append_new(arr, v))
			goto oom;
	}
done:
	free(items.s);
	free(idx);
	*out = arr;
	return 0;
oom:
	s_oom(d->call);
error:
	free(items.s);
	free(idx);
	json_decref(arr);
	return -1;
}

static int s_map(struct s_dec *d, const struct bw_shape *sh, const struct bw_member *mb,
                 const char *key, size_t klen, json_t **out)
{
	struct s_key entries = {0};
	uint32_t *idx = NULL;
	size_t n = 0;
	json_t *obj = NULL;
	bool flat = (sh->flags & BW_SF_FLATTENED) || (mb && (mb->flags & BW_MF_FLATTENED));
	const char *kname = sh->key_name ? sh->key_name : "key";
	const char *vname = sh->value_name ? sh->value_name : "value";
	if (flat ? s_key_join(&entries, "", 0, key, klen)
	         : s_key_join(&entries, key, klen, "entry", 5))
		goto oom;
	if (s_indices(d->ps, entries.s, entries.len, &idx, &n))
		goto oom;
	if (n == 0)
		goto done;
	if (!(obj = json_object()))
		goto oom;
	for (size_t i = 0; i < n; i++) {
		struct s_key ek = {0}, kk = {0}, vk = {0};
		json_t *v = NULL;
		if (s_key_index(&ek, entries.s, entries.len, idx[i]) ||
		    s_key_join(&kk, ek.s, ek.len, kname, strlen(kname)) ||
		    s_key_join(&vk, ek.s, ek.len, vname, strlen(vname))) {
			free(ek.s), free(kk.s), free(vk.s);
			goto oom;
		}
		const struct s_param *kp = s_find(d->ps, kk.s, kk.len);
		int rc = 0;
		if (!kp || strlen(kp->value) != kp->value_len)
			rc = bw_fail(d->call, "InvalidParameterValue", "Parameter %s is missing or invalid",
			             kk.s);
		else
			rc = s_value(d, sh->member, NULL, vk.s, vk.len, &v);
		if (rc == 0 && json_object_set_new(obj, kp->value, v ? v : json_null()))
			rc = s_oom(d->call);
		free(ek.s), free(kk.s), free(vk.s);
		if (rc)
			goto error;
	}
done:
	free(entries.s);
	free(idx);
	*out = obj;
	return 0;
oom:
	s_oom(d->call);
error:
	free(entries.s);
	free(idx);
	json_decref(obj);
	return -1;
}

/* The element name of a member: a flattened list's items carry the list
 * member's name when it has one (QuerySerializer replaces the last part). */
static const char *s_member_key(const struct bw_member *mb, const struct bw_shape *ms)
{
	bool flat = (ms->flags & BW_SF_FLATTENED) || (mb->flags & BW_MF_FLATTENED);
	if (ms->type == BW_T_LIST && flat && ms->member_name)
		return ms->member_name;
	return bw_member_wire_name(mb);
}

static int s_structure(struct s_dec *d, const struct bw_shape *sh, const char *key,
                       size_t klen, json_t **out)
{
	/* a nested structure exists only if some parameter lies under it */
	if (klen) {
		struct s_key dot = {0};
		if (s_key_join(&dot, key, klen, "", 0))
			return s_oom(d->call);
		bool any = s_has_prefix(d->ps, dot.s, dot.len);
		free(dot.s);
		if (!any)
			return 0;
	}
	json_t *obj = json_object();
	if (!obj)
		return s_oom(d->call);
	for (uint16_t i = 0; i < sh->nmembers; i++) {
		const struct bw_member *mb = &sh->members[i];
		const struct bw_shape *ms = bw_shape_at(d->m, mb->shape);
		if (!ms)
			continue;
		const char *part = s_member_key(mb, ms);
		struct s_key mk = {0};
		json_t *v = NULL;
		if (s_key_join(&mk, key, klen, part, strlen(part))) {
			json_decref(obj);
			return s_oom(d->call);
		}
		int rc = s_value(d, mb->shape, mb, mk.s, mk.len, &v);
		free(mk.s);
		if (rc == 0 && v && json_object_set_new(obj, mb->name, v))
			rc = s_oom(d->call);
		if (rc) {
			json_decref(obj);
			return -1;
		}
	}
	*out = obj;
	return 0;
}

/* Decode the value under `key`; *out stays NULL when the request has none. */
static int s_value(struct s_dec *d, uint16_t idx, const struct bw_member *mb, const char *key,
                   size_t klen, json_t **out)
{
	*out = NULL;
	const struct bw_shape *sh = bw_shape_at(d->m, idx);
	if (!sh)
		return bw_fail_status(d->call, 500, "InternalFailure", "Model has no shape %u",
		                      (unsigned)idx);
	switch ((enum bw_shape_type)sh->type) {
	case BW_T_STRUCTURE:
		return s_structure(d, sh, key, klen, out);
	case BW_T_LIST:
		return s_list(d, sh, mb, key, klen, out);
	case BW_T_MAP:
		return s_map(d, sh, mb, key, klen, out);
	default:
		break;
	}
	const struct s_param *p = s_find(d->ps, key, klen);
	if (!p)
		return 0;
	*out = bw_scalar_from_text(sh, p->value, p->value_len,
	                           bw_ts_format_of(mb, sh, BW_TS_ISO8601));
	if (!*out)
		return bw_fail(d->call, "InvalidParameterValue",
		               "Value '%.128s' for parameter %.128s is invalid", p->value, key);
	return 0;
}

static bool s_is_form(const struct bw_http_request *req)
{
	const char *ct = bw_req_header(req, "Content-Type");
	if (!ct)
		return req->body_len > 0;
	return strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0;
}

static int s_decode(struct bw_call *call, json_t **in)
{
	struct s_params ps = {0};
	json_t *obj = NULL;
	*in = NULL;
	const struct bw_http_request *req = call->req;
	if (!req || !call->model || !call->op)
		return bw_fail_status(call, 500, "InternalFailure", "Call not routed");
	if (req->query && s_parse_form(call, req->query, strlen(req->query), &ps))
		goto error;
	if (req->body && req->body_len && s_is_form(req) &&
	    s_parse_form(call, (const char *)req->body, req->body_len, &ps))
		goto error;
	if (ps.n > 1)
		qsort(ps.v, ps.n, sizeof *ps.v, s_cmp_param);

	const struct s_param *action = s_find(&ps, "Action", 6);
	if (!action) {
		bw_fail(call, "MissingAction", "Missing Action");
		goto error;
	}
	if (strcmp(action->value, call->op->name) != 0 ||
	    action->value_len != strlen(call->op->name)) {
		bw_fail(call, "InvalidAction", "Could not find operation %.128s for version %s",
		        action->value, call->model->api_version);
		goto error;
	}

	if (call->op->input == BW_NO_SHAPE) {
		obj = json_object();
		if (!obj) {
			s_oom(call);
			goto error;
		}
	} else {
		struct s_dec d = {.call = call, .m = call->model, .ps = &ps};
		if (s_value(&d, call->op->input, NULL, "", 0, &obj))
			goto error;
		if (!obj && !(obj = json_object())) {
			s_oom(call);
			goto error;
		}
		if (bw_validate(call, call->op->input, obj))
			goto error;
	}
	s_params_free(&ps);
	*in = obj;
	return 0;
error:
	if (!call->failed)
		bw_fail_status(call, 500, "InternalFailure", "Request decoding failed");
	s_params_free(&ps);
	json_decref(obj);
	return -1;
}

static int s_request_id(struct bw_call *call, struct bw_http_response *resp)
{
	return bw_resp_header(resp, "x-amzn-RequestId", call->request_id);
}

static int s_encode(struct bw_call *call, const json_t *out, struct bw_http_response *resp)
{
	const struct bw_operation *op = call->op;
	const struct bw_service_model *m = call->model;
	struct bw_buf *b = &resp->body;
	char name[192];
	bw_buf_reset(b);
	snprintf(name, sizeof name, "%sResponse", op->name);
	if (bw_xml_open(b, name, m->xml_namespace))
		goto error;
	if (op->output != BW_NO_SHAPE) {
		char wrapper[192];
		const struct bw_shape *sh = bw_shape_at(m, op->output);
		if (!sh)
			goto error;
		/* IAM/STS outputs all have a resultWrapper; OpResult otherwise */
		if (op->result_wrapper)
			snprintf(wrapper, sizeof wrapper, "%s", op->result_wrapper);
		else
			snprintf(wrapper, sizeof wrapper, "%sResult", op->name);
		json_t *empty = NULL;
		const json_t *v = out;
		if (!json_is_object(v)) {
			if (v && !json_is_null(v))
				goto error;
			v = empty = json_object();
			if (!empty)
				goto error;
		}
		int rc = bw_xml_open(b, wrapper, NULL) || bw_xml_encode_members(m, sh, v, b) ||
		         bw_xml_close(b, wrapper);
		json_decref(empty);
		if (rc)
			goto error;
	}
	if (bw_xml_open(b, "ResponseMetadata", NULL) ||
	    bw_xml_text_element(b, "RequestId", call->request_id, strlen(call->request_id)) ||
	    bw_xml_close(b, "ResponseMetadata") || bw_xml_close(b, name))
		goto error;
	resp->status = op->status ? op->status : 200;
	if (bw_resp_header(resp, "Content-Type", "text/xml") || s_request_id(call, resp))
		goto error;
	return 0;
error:
	bw_buf_reset(b);
	bw_fail_status(call, 500, "InternalFailure",
	               "The response of %s could not be encoded", op->name);
	return -1;
}

static void s_encode_error(struct bw_call *call, struct bw_http_response *resp)
{
	const struct bw_error *e = &call->err;
	struct bw_buf *b = &resp->body;
	const char *ns = call->model ? call->model->xml_namespace : NULL;
	bw_buf_reset(b);
	resp->status = e->status ? e->status : (e->sender_fault ? 400 : 500);
	const char *type = e->sender_fault ? "Sender" : "Receiver";
	if (bw_xml_open(b, "ErrorResponse", ns) || bw_xml_open(b, "Error", NULL) ||
	    bw_xml_text_element(b, "Type", type, strlen(type)) ||
	    bw_xml_text_element(b, "Code", e->code, strnlen(e->code, sizeof e->code)) ||
	    bw_xml_text_element(b, "Message", e->message,
	                        strnlen(e->message, sizeof e->message)) ||
	    bw_xml_close(b, "Error") ||
	    bw_xml_text_element(b, "RequestId", call->request_id,
	                        strnlen(call->request_id, sizeof call->request_id)) ||
	    bw_xml_close(b, "ErrorResponse")) {
		/* out of memory: a bare status still tells the client it failed */
		bw_buf_reset(b);
		resp->status = 500;
		return;
	}
	if (bw_resp_header(resp, "Content-Type", "text/xml") || s_request_id(call, resp))
		return; /* the body stands on its own; headers are best effort */
}

const struct bw_codec bw_codec_query = {
	.decode = s_decode,
	.encode = s_encode,
	.encode_error = s_encode_error,
};
