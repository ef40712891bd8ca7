/*
 * sigv4_canonical.c: the SigV4 stages, each a small function appending to its
 * own buffer — canonical URI, canonical query string, canonical headers,
 * signed headers, payload hash, canonical request, scope, string to sign,
 * signing key and HMAC. Spec: "Create a canonical request for Signature
 * Version 4" (docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>


#include "auth/sigv4_internal.h"
#include "core/encoding.h"
#include "crypto/digest.h"

/* ---- shared helpers -------------------------------------------------- */

static int s_hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1; /* upper case is refused: AWS compares the lower-case form */
}

bool bw_sigv4_unhex(struct bw_cur hex, uint8_t *out, size_t n)
{
	if (hex.len != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = s_hexval(hex.ptr[2 * i]);
		int lo = s_hexval(hex.ptr[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

void bw_sigv4_tohex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = 0;
}

size_t bw_sigv4_header_count(const struct bw_http_request *req, const char *name)
{
	size_t n = 0;
	for (size_t i = 0; i < req->nheaders; i++)
		if (req->headers[i].name && strcasecmp(req->headers[i].name, name) == 0)
			n++;
	return n;
}

bool bw_sigv4_copy(char *dst, size_t cap, struct bw_cur src)
{
	if (src.len >= cap)
		return false;
	if (src.len)
		memcpy(dst, src.ptr, src.len);
	dst[src.len] = 0;
	return true;
}

bool bw_sigv4_sha256(struct bw_cur data, uint8_t out[32])
{
	return bw_sha256_digest(data.ptr, data.len, out);
}

static enum bw_sigv4_reason s_oom(int rc)
{
	return rc == 0 ? BW_SIGV4_OK : BW_SIGV4_INTERNAL;
}

/* ---- canonical URI --------------------------------------------------- */

struct bw_sigv4_uri_rules bw_sigv4_uri_rules_for(const char *service)
{
	/* "Each path segment must be URI-encoded twice ... except for Amazon
	 * S3 which only gets URI-encoded once", and S3 paths are not normalized. */
	if (service && strcmp(service, "s3") == 0)
		return (struct bw_sigv4_uri_rules){.normalize = false, .double_encode = false};
	return (struct bw_sigv4_uri_rules){.normalize = true, .double_encode = true};
}

/*
 * botocore's remove_dot_segments: drop empty and "." segments (AWS wants
 * consecutive slashes removed too), ".." pops; keep the leading '/', and a
 * trailing one when the input had it and something is left.
 */
static enum bw_sigv4_reason s_normalize_path(struct bw_cur path, struct bw_buf *out)
{
	if (path.len == 0)
		return s_oom(bw_buf_append_byte(out, '/'));
	size_t nseg = 1;
	for (size_t i = 0; i < path.len; i++)
		nseg += path.ptr[i] == '/';
	struct bw_cur *segs = calloc(nseg, sizeof *segs);
	if (!segs)
		return BW_SIGV4_INTERNAL;
	size_t top = 0;
	size_t start = 0;
	for (size_t i = 0; i <= path.len; i++) {
		if (i < path.len && path.ptr[i] != '/')
			continue;
		struct bw_cur seg = bw_cur_from(path.ptr + start, i - start);
		start = i + 1;
		if (seg.len == 0 || bw_cur_eq_str(seg, "."))
			continue;
		if (bw_cur_eq_str(seg, "..")) {
			if (top)
				top--;
			continue;
		}
		segs[top++] = seg;
	}
	int rc = 0;
	if (path.ptr[0] == '/')
		rc |= bw_buf_append_byte(out, '/');
	for (size_t i = 0; i < top; i++) {
		if (i)
			rc |= bw_buf_append_byte(out, '/');
		rc |= bw_buf_append(out, segs[i].ptr, segs[i].len);
	}
	if (path.ptr[path.len - 1] == '/' && top)
		rc |= bw_buf_append_byte(out, '/');
	if (!out->data)
		rc |= bw_buf_append(out, "", 0);
	free(segs);
	return s_oom(rc);
}

enum bw_sigv4_reason bw_sigv4_canonical_uri(struct bw_cur path, struct bw_sigv4_uri_rules rules,
                                            struct bw_buf *out)
{
	struct bw_buf tmp = {0};
	enum bw_sigv4_reason r = BW_SIGV4_OK;
	if (rules.normalize) {
		r = s_normalize_path(path, &tmp);
	} else if (rules.double_encode) {
		r = s_oom(bw_buf_append(&tmp, path.ptr, path.len) | bw_buf_append(&tmp, "", 0));
	} else {
		/* S3: the key as the client meant it, encoded once. */
		if (bw_url_decode((const char *)path.ptr, path.len, false, &tmp) != 0)
			r = BW_SIGV4_MALFORMED;
	}
	if (r != BW_SIGV4_OK)
		goto done;
	/* The as-sent path is already encoded once; encoding it again is the
	 * spec's double encoding ("%20" becomes "%2520"). */
	if (tmp.len == 0)
		r = s_oom(bw_buf_append_byte(out, '/'));
	else
		r = s_oom(bw_url_encode((const char *)tmp.data, tmp.len, true, out));
done:
	bw_buf_free(&tmp);
	return r;
}

/* ---- canonical query string ----------------------------------------- */

struct s_param {
	char *key; /* encoded, NUL-terminated */
	char *value;
};

static int s_param_cmp(const void *a, const void *b)
{
	const struct s_param *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : strcmp(x->value, y->value);
}

/* Decode then re-encode with the unreserved set, so every client's choice of
 * escapes maps to one form ("Do not URI-encode any of the unreserved
 * characters ... Percent-encode all other characters with %XY"). */
static enum bw_sigv4_reason s_reencode(struct bw_cur in, char **out)
{
	struct bw_buf dec = {0}, enc = {0};
	enum bw_sigv4_reason r = BW_SIGV4_OK;
	if (bw_url_decode((const char *)in.ptr, in.len, false, &dec) != 0) {
		r = BW_SIGV4_MALFORMED; /* a bad escape (or, rarely, no memory) */
		goto done;
	}
	if (bw_url_encode((const char *)dec.data, dec.len, false, &enc) != 0) {
		r = BW_SIGV4_INTERNAL;
		goto done;
	}
	/* Encoded text never holds a NUL (%00 stays escaped). */
	*out = strndup(enc.data ? (const char *)enc.data : "", enc.len);
	if (!*out)
		r = BW_SIGV4_INTERNAL;
done:
	bw_buf_free(&dec);
	bw_buf_free(&enc);
	return r;
}

enum bw_sigv4_reason bw_sigv4_canonical_query(struct bw_cur query, bool exclude_signature,
                                              struct bw_buf *out)
{
	size_t cap = 1;
	for (size_t i = 0; i < query.len; i++)
		cap += query.ptr[i] == '&';
	struct s_param *ps = calloc(cap, sizeof *ps);
	if (!ps)
		return BW_SIGV4_INTERNAL;
	size_t n = 0;
	enum bw_sigv4_reason r = BW_SIGV4_OK;
	size_t start = 0;
	for (size_t i = 0; i <= query.len; i++) {
		if (i < query.len && query.ptr[i] != '&')
			continue;
		struct bw_cur pair = bw_cur_from(query.ptr + start, i - start);
		start = i + 1;
		if (pair.len == 0)
			continue; /* "a=1&&b=2": nothing to sign between the '&'s */
		const uint8_t *eq = memchr(pair.ptr, '=', pair.len);
		/* "a" with no '=' signs as "a=". */
		struct bw_cur k = bw_cur_from(pair.ptr, eq ? (size_t)(eq - pair.ptr) : pair.len);
		struct bw_cur v = eq ? bw_cur_from(eq + 1, pair.len - k.len - 1) : bw_cur_from("", 0);
		if ((r = s_reencode(k, &ps[n].key)) != BW_SIGV4_OK)
			goto done;
		if ((r = s_reencode(v, &ps[n].value)) != BW_SIGV4_OK) {
			free(ps[n].key);
			goto done;
		}
		/* Presigned: "the canonical query string must include all the query
		 * parameters from the preceding table except for X-Amz-Signature". */
		if (exclude_signature && strcmp(ps[n].key, "X-Amz-Signature") == 0) {
			free(ps[n].key);
			free(ps[n].value);
			continue;
		}
		n++;
	}
	/* "Sort the parameter names by character code point in ascending order.
	 * Parameters with duplicate names should be sorted by value." */
	qsort(ps, n, sizeof *ps, s_param_cmp);
	int rc = bw_buf_append(out, "", 0);
	for (size_t i = 0; i < n; i++)
		rc |= bw_buf_appendf(out, "%s%s=%s", i ? "&" : "", ps[i].key, ps[i].value);
	r = s_oom(rc);
done:
	for (size_t i = 0; i < n; i++) {
		free(ps[i].key);
		free(ps[i].value);
	}
	free(ps);
	return r;
}

/* ---- canonical headers and signed headers ---------------------------- */

static bool s_tchar_lower(uint8_t c)
{
	/* RFC 7230 token characters, upper case excluded. */
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c);
}

bool bw_sigv4_signed_headers_valid(struct bw_cur sh)
{
	struct bw_cur prev = {0};
	size_t start = 0;
	if (sh.len == 0)
		return false;
	for (size_t i = 0; i <= sh.len; i++) {
		if (i < sh.len && sh.ptr[i] != ';') {
			if (!s_tchar_lower(sh.ptr[i]))
				return false;
			continue;
		}
		struct bw_cur name = bw_cur_from(sh.ptr + start, i - start);
		start = i + 1;
		if (name.len == 0)
			return false;
		if (prev.ptr) {
			/* strictly ascending: sorted and no duplicates */
			size_t m = prev.len < name.len ? prev.len : name.len;
			int c = memcmp(prev.ptr, name.ptr, m);
			if (c > 0 || (c == 0 && prev.len >= name.len))
				return false;
		}
		prev = name;
	}
	return true;
}

static bool s_blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* "Trimall": strip leading and trailing blanks, turn runs of blanks into one
 * space (botocore: ' '.join(value.split())). */
static int s_append_trimmed(struct bw_buf *out, const char *value)
{
	const uint8_t *p = (const uint8_t *)value;
	size_t len = strlen(value);
	size_t b = 0, e = len;
	while (b < e && s_blank(p[b]))
		b++;
	while (e > b && s_blank(p[e - 1]))
		e--;
	int rc = 0;
	for (size_t i = b; i < e; i++) {
		if (s_blank(p[i])) {
			if (s_blank(p[i - 1]))
				continue;
			rc |= bw_buf_append_byte(out, ' ');
		} else {
			rc |= bw_buf_append_byte(out, p[i]);
		}
	}
	return rc;
}

enum bw_sigv4_reason bw_sigv4_canonical_headers(const struct bw_http_request *req,
                                                struct bw_cur sh, struct bw_buf *out)
{
	char name[256];
	size_t start = 0;
	int rc = bw_buf_append(out, "", 0);
	for (size_t i = 0; i <= sh.len && rc == 0; i++) {
		if (i < sh.len && sh.ptr[i] != ';')
			continue;
		struct bw_cur n = bw_cur_from(sh.ptr + start, i - start);
		start = i + 1;
		if (n.len == 0 || !bw_sigv4_copy(name, sizeof name, n))
			return BW_SIGV4_INCOMPLETE;
		rc |= bw_buf_append(out, n.ptr, n.len);
		rc |= bw_buf_append_byte(out, ':');
		/* "If there are duplicate headers, the values are comma-separated",
		 * in the order they appear. */
		bool first = true;
		for (size_t h = 0; h < req->nheaders; h++) {
			const struct bw_header *hd = &req->headers[h];
			if (!hd->name || !hd->value || strcasecmp(hd->name, name) != 0)
				continue;
			if (!first)
				rc |= bw_buf_append_byte(out, ',');
			rc |= s_append_trimmed(out, hd->value);
			first = false;
		}
		rc |= bw_buf_append_byte(out, '\n');
	}
	return s_oom(rc);
}

static int s_strptr_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

enum bw_sigv4_reason bw_sigv4_signed_headers_for(const struct bw_http_request *req,
                                                 struct bw_buf *out)
{
	static const char *const skip[] = {"authorization", "expect", "transfer-encoding",
	                                   "user-agent", "x-amzn-trace-id"};
	char **names = calloc(req->nheaders + 1, sizeof *names);
	if (!names)
		return BW_SIGV4_INTERNAL;
	size_t n = 0;
	enum bw_sigv4_reason r = BW_SIGV4_OK;
	for (size_t i = 0; i < req->nheaders; i++) {
		if (!req->headers[i].name)
			continue;
		char *lc = strdup(req->headers[i].name);
		if (!lc) {
			r = BW_SIGV4_INTERNAL;
			goto done;
		}
		for (char *c = lc; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		bool skipped = false;
		for (size_t s = 0; s < sizeof skip / sizeof skip[0]; s++)
			skipped |= strcmp(lc, skip[s]) == 0;
		if (skipped) {
			free(lc);
			continue;
		}
		names[n++] = lc;
	}
	qsort(names, n, sizeof *names, s_strptr_cmp);
	int rc = bw_buf_append(out, "", 0);
	for (size_t i = 0; i < n; i++) {
		if (i && strcmp(names[i], names[i - 1]) == 0)
			continue;
		rc |= bw_buf_appendf(out, "%s%s", i ? ";" : "", names[i]);
	}
	r = s_oom(rc);
done:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

/* ---- hashes, canonical request, string to sign ---------------------- */

enum bw_sigv4_reason bw_sigv4_hex_sha256(struct bw_cur data, struct bw_buf *out)
{
	uint8_t md[32];
	char hex[65];
	if (!bw_sigv4_sha256(data, md))
		return BW_SIGV4_INTERNAL;
	bw_sigv4_tohex(md, 32, hex);
	return s_oom(bw_buf_append(out, hex, 64));
}

/*
 * CanonicalRequest =
 *   HTTPRequestMethod + '\n' + CanonicalURI + '\n' + CanonicalQueryString + '\n' +
 *   CanonicalHeaders + '\n' + SignedHeaders + '\n' + HexEncode(Hash(RequestPayload))
 * (CanonicalHeaders already ends each entry with '\n'.)
 */
enum bw_sigv4_reason bw_sigv4_canonical_request(const char *method, struct bw_cur uri,
                                                struct bw_cur query, struct bw_cur headers,
                                                struct bw_cur signed_headers,
                                                struct bw_cur payload_hash, struct bw_buf *out)
{
	int rc = bw_buf_append_str(out, method);
	rc |= bw_buf_append_byte(out, '\n');
	rc |= bw_buf_append(out, uri.ptr, uri.len);
	rc |= bw_buf_append_byte(out, '\n');
	rc |= bw_buf_append(out, query.ptr, query.len);
	rc |= bw_buf_append_byte(out, '\n');
	rc |= bw_buf_append(out, headers.ptr, headers.len);
	rc |= bw_buf_append_byte(out, '\n');
	rc |= bw_buf_append(out, signed_headers.ptr, signed_headers.len);
	rc |= bw_buf_append_byte(out, '\n');
	rc |= bw_buf_append(out, payload_hash.ptr, payload_hash.len);
	return s_oom(rc);
}

enum bw_sigv4_reason bw_sigv4_scope(const char *date, const char *region, const char *service,
                                    struct bw_buf *out)
{
	return s_oom(bw_buf_appendf(out, "%s/%s/%s/aws4_request", date, region, service));
}

/* StringToSign = Algorithm \n RequestDateTime \n CredentialScope \n
 *                HashedCanonicalRequest */
enum bw_sigv4_reason bw_sigv4_string_to_sign(const char *amz_date, struct bw_cur scope,
                                             struct bw_cur canonical_request, struct bw_buf *out)
{
	int rc = bw_buf_appendf(out, BW_SIGV4_ALGORITHM "\n%s\n", amz_date);
	rc |= bw_buf_append(out, scope.ptr, scope.len);
	rc |= bw_buf_append_byte(out, '\n');
	if (rc)
		return BW_SIGV4_INTERNAL;
	return bw_sigv4_hex_sha256(canonical_request, out);
}

/* ---- keys ------------------------------------------------------------ */

static bool s_hmac(const void *key, size_t key_len, struct bw_cur data, uint8_t out[32])
{
	return bw_hmac_sha256(key, key_len, data.ptr, data.len, out);
}

enum bw_sigv4_reason bw_sigv4_hmac(const uint8_t key[32], struct bw_cur data, uint8_t mac_out[32])
{
	return s_hmac(key, 32, data, mac_out) ? BW_SIGV4_OK : BW_SIGV4_INTERNAL;
}

enum bw_sigv4_reason bw_sigv4_signing_key(struct bw_cur secret, const char *date,
                                          const char *region, const char *service,
                                          uint8_t key_out[32])
{
	struct bw_buf k_secret = {.secret = true};
	uint8_t k[32];
	enum bw_sigv4_reason r = BW_SIGV4_INTERNAL;
	if (secret.len > 4096)
		goto done; /* no real secret is that long; HMAC takes an int length */
	if (bw_buf_append_str(&k_secret, "AWS4") || bw_buf_append(&k_secret, secret.ptr, secret.len))
		goto done;
	/* kDate = HMAC("AWS4" + kSecret, Date); kRegion = HMAC(kDate, Region);
	 * kService = HMAC(kRegion, Service); kSigning = HMAC(kService, "aws4_request") */
	if (!s_hmac(k_secret.data, k_secret.len, bw_cur_str(date), k) ||
	    !s_hmac(k, 32, bw_cur_str(region), k) || !s_hmac(k, 32, bw_cur_str(service), k) ||
	    !s_hmac(k, 32, bw_cur_str("aws4_request"), key_out))
		goto done;
	r = BW_SIGV4_OK;
done:
	bw_cleanse(k, sizeof k);
	bw_buf_free(&k_secret);
	return r;
}
