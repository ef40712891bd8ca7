/*
 * sigv4_chunked.c: S3's aws-chunked request bodies.
 *
 * Signed (x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD):
 *   hex(size);chunk-signature=<64 hex>\r\n <data> \r\n ... 0;chunk-signature=<sig>\r\n\r\n
 * where each chunk's signature is HMAC(kSigning, "AWS4-HMAC-SHA256-PAYLOAD\n"
 * + date + "\n" + scope + "\n" + previous signature + "\n" + hash("") + "\n" +
 * hash(data)), chained from the seed (the request's own signature).
 *
 * Unsigned with a trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER, boto3 >= 1.36):
 *   hex(size)\r\n <data> \r\n ... 0\r\n x-amz-checksum-crc32:<base64>\r\n \r\n
 * The trailer's checksum (CRC32, CRC32C, CRC64NVME, SHA1, SHA256) is verified.
 *
 * The signed variant with a trailer (...-PAYLOAD-TRAILER, its trailer signed
 * with "AWS4-HMAC-SHA256-TRAILER") is refused as UNSUPPORTED.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "auth/sigv4_internal.h"
#include "core/encoding.h"

#define S_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define S_MAX_LINE 512 /* a chunk header or trailer line */


void bw_sigv4_chunked_clean_up(struct bw_sigv4_chunked *c)
{
	bw_cleanse(c->signing_key, sizeof c->signing_key);
}

/* ---- a bounded reader ------------------------------------------------- */

struct s_reader {
	struct bw_cur in;
	size_t pos;
};

/* The next line, without its CRLF; false if there is no CRLF within reach. */
static bool s_line(struct s_reader *r, struct bw_cur *line)
{
	size_t left = r->in.len - r->pos;
	size_t lim = left < S_MAX_LINE ? left : S_MAX_LINE;
	for (size_t i = 0; i + 1 < lim; i++) {
		if (r->in.ptr[r->pos + i] == '\r' && r->in.ptr[r->pos + i + 1] == '\n') {
			*line = bw_cur_from(r->in.ptr + r->pos, i);
			r->pos += i + 2;
			return true;
		}
	}
	return false;
}

static bool s_crlf(struct s_reader *r)
{
	if (r->in.len - r->pos < 2 || r->in.ptr[r->pos] != '\r' || r->in.ptr[r->pos + 1] != '\n')
		return false;
	r->pos += 2;
	return true;
}

/* ---- checksums -------------------------------------------------------- */

static uint32_t s_crc32c(struct bw_cur d)
{
	uint32_t crc = 0xffffffffu;
	for (size_t i = 0; i < d.len; i++) {
		crc ^= d.ptr[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
	}
	return ~crc;
}

static uint64_t s_crc64nvme(struct bw_cur d)
{
	uint64_t crc = ~(uint64_t)0;
	for (size_t i = 0; i < d.len; i++) {
		crc ^= d.ptr[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x9a6c9329ac4bc9b5ull & (0ull - (crc & 1ull)));
	}
	return ~crc;
}

static enum bw_sigv4_checksum s_checksum_kind(struct bw_cur name)
{
	static const struct {
		const char *name;
		enum bw_sigv4_checksum kind;
	} k[] = {
		{"x-amz-checksum-crc32", BW_SIGV4_CHECKSUM_CRC32},
		{"x-amz-checksum-crc32c", BW_SIGV4_CHECKSUM_CRC32C},
		{"x-amz-checksum-crc64nvme", BW_SIGV4_CHECKSUM_CRC64NVME},
		{"x-amz-checksum-sha1", BW_SIGV4_CHECKSUM_SHA1},
		{"x-amz-checksum-sha256", BW_SIGV4_CHECKSUM_SHA256},
	};
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
		if (bw_cur_eq_nocase(name, k[i].name))
			return k[i].kind;
	return BW_SIGV4_CHECKSUM_NONE;
}

/* The base64 of the checksum of data, as S3 writes it in x-amz-checksum-*. */
static bool s_checksum_b64(enum bw_sigv4_checksum kind, struct bw_cur data, struct bw_buf *out)
{
	uint8_t raw[32];
	size_t n = 0;
	unsigned int mdlen = 0;
	switch (kind) {
	case BW_SIGV4_CHECKSUM_CRC32: {
		uLong crc = crc32(0L, Z_NULL, 0);
		for (size_t off = 0; off < data.len;) {
			size_t step = data.len - off > (1u << 30) ? (1u << 30) : data.len - off;
			crc = crc32(crc, data.ptr + off, (uInt)step);
			off += step;
		}
		for (int i = 0; i < 4; i++)
			raw[i] = (uint8_t)(crc >> (24 - 8 * i));
		n = 4;
		break;
	}
	case BW_SIGV4_CHECKSUM_CRC32C: {
		uint32_t crc = s_crc32c(data);
		for (int i = 0; i < 4; i++)
			raw[i] = (uint8_t)(crc >> (24 - 8 * i));
		n = 4;
		break;
	}
	case BW_SIGV4_CHECKSUM_CRC64NVME: {
		uint64_t crc = s_crc64nvme(data);
		for (int i = 0; i < 8; i++)
			raw[i] = (uint8_t)(crc >> (56 - 8 * i));
		n = 8;
		break;
	}
	case BW_SIGV4_CHECKSUM_SHA1:
	case BW_SIGV4_CHECKSUM_SHA256:
		if (EVP_Digest(data.len ? data.ptr : raw, data.len, raw, &mdlen,
		               kind == BW_SIGV4_CHECKSUM_SHA1 ? EVP_sha1() : EVP_sha256(), NULL) != 1)
			return false;
		n = mdlen;
		break;
	default:
		return false;
	}
	return bw_base64_encode(raw, n, out) == 0;
}

/* ---- chunks ----------------------------------------------------------- */

/* "<hex size>" or "<hex size>;chunk-signature=<64 hex>". */
static enum bw_sigv4_reason s_chunk_header(struct bw_cur line, bool signed_chunks, size_t *size,
                                           uint8_t sig[32], struct bw_sigv4_error *err)
{
	size_t i = 0;
	uint64_t v = 0;
	for (; i < line.len && line.ptr[i] != ';'; i++) {
		int d = bw_hex_digit(line.ptr[i]);
		if (d < 0 || i >= 16)
			return bw_sigv4_errorf(err, BW_SIGV4_CHUNK_MALFORMED, "%s",
			              "The chunk size is not a hexadecimal number.");
		v = v << 4 | (uint64_t)d;
	}
	if (i == 0 || v > SIZE_MAX)
		return bw_sigv4_errorf(err, BW_SIGV4_CHUNK_MALFORMED, "%s", "A chunk has no valid size.");
	*size = (size_t)v;
	struct bw_cur ext = bw_cur_from(line.ptr + i, line.len - i);
	if (!signed_chunks) {
		if (ext.len)
			return bw_sigv4_errorf(err, BW_SIGV4_CHUNK_MALFORMED, "%s",
			              "Unsigned chunks carry no extension.");
		return BW_SIGV4_OK;
	}
	static const char pre[] = ";chunk-signature=";
	size_t pl = sizeof pre - 1;
	if (ext.len != pl + 64 || memcmp(ext.ptr, pre, pl) != 0)
		return bw_sigv4_errorf(err, BW_SIGV4_CHUNK_MALFORMED, "%s",
		              "A chunk lacks a valid chunk-signature.");
	if (!bw_sigv4_unhex(bw_cur_from(ext.ptr + pl, 64), sig, 32))
		return bw_sigv4_errorf(err, BW_SIGV4_CHUNK_SIGNATURE, "%s",
		              "The chunk signature is not 64 lower-case hex digits.");
	return BW_SIGV4_OK;
}

/* HMAC(kSigning, "AWS4-HMAC-SHA256-PAYLOAD\n" date \n scope \n prev \n
 * hash("") \n hash(data)) must equal the chunk's signature. */
static enum bw_sigv4_reason s_check_chunk(const struct bw_sigv4_chunked *c, uint8_t prev[32],
                                          struct bw_cur data, const uint8_t sig[32],
                                          struct bw_sigv4_error *err)
{
	char prev_hex[65], data_hex[65];
	uint8_t md[32], mac[32];
	struct bw_buf sts = {0};
	enum bw_sigv4_reason r = BW_SIGV4_INTERNAL;
	if (!bw_sigv4_sha256(data, md))
		goto done;
	bw_sigv4_tohex(md, 32, data_hex);
	bw_sigv4_tohex(prev, 32, prev_hex);
	if (bw_buf_appendf(&sts, "AWS4-HMAC-SHA256-PAYLOAD\n%s\n%s\n%s\n" S_EMPTY_SHA256 "\n%s",
	                   c->amz_date, c->scope, prev_hex, data_hex) != 0)
		goto done;
	if ((r = bw_sigv4_hmac(c->signing_key, bw_cur_from(sts.data, sts.len), mac)))
		goto done;
	if (!bw_ct_equal(mac, sig, 32)) {
		r = bw_sigv4_errorf(err, BW_SIGV4_CHUNK_SIGNATURE, "%s",
		           "The request signature we calculated does not match the signature you "
		           "provided. Check your key and signing method.");
		goto done;
	}
	memcpy(prev, mac, 32);
	r = BW_SIGV4_OK;
done:
	bw_buf_free(&sts);
	return r;
}

/* Trailer lines "name:value" up to the empty line; checks the checksum. */
static enum bw_sigv4_reason s_trailer(const struct bw_sigv4_chunked *c, struct s_reader *rd,
                                      struct bw_cur decoded, struct bw_sigv4_chunked_info *info,
                                      struct bw_sigv4_error *err)
{
	struct bw_cur line;
	for (int n = 0;; n++) {
		if (n > 16 || !s_line(rd, &line))
			return bw_sigv4_errorf(err, BW_SIGV4_CHUNK_MALFORMED, "%s",
			              "The request body terminated unexpectedly");
		if (line.len == 0)
			break;
		const uint8_t *colon = memchr(line.ptr, ':', line.len);
		if (!colon)
			return bw_sigv4_errorf(err, BW_SIGV4_CHUNK_MALFORMED, "%s", "A trailer line lacks ':'.");
		struct bw_cur name = bw_cur_from(line.ptr, (size_t)(colon - line.ptr));
		struct bw_cur value = bw_cur_from(colon + 1, line.len - name.len - 1);
		while (value.len && value.ptr[0] == ' ') {
			value.ptr++;
			value.len--;
		}
		enum bw_sigv4_checksum kind = s_checksum_kind(name);
		if (kind == BW_SIGV4_CHECKSUM_NONE || info->checksum != BW_SIGV4_CHECKSUM_NONE)
			return bw_sigv4_errorf(err, BW_SIGV4_CHUNK_MALFORMED,
			              "Unexpected trailer '%.*s'.", (int)(name.len > 64 ? 64 : name.len),
			              name.ptr);
		if (c->trailer_name[0] && !bw_cur_eq_nocase(name, c->trailer_name))
			return bw_sigv4_errorf(err, BW_SIGV4_CHUNK_MALFORMED,
			              "The trailer '%.*s' is not the one x-amz-trailer announced.",
			              (int)(name.len > 64 ? 64 : name.len), name.ptr);
		if (!bw_sigv4_copy(info->checksum_name, sizeof info->checksum_name, name) ||
		    !bw_sigv4_copy(info->checksum_value, sizeof info->checksum_value, value))
			return bw_sigv4_errorf(err, BW_SIGV4_CHUNK_MALFORMED, "%s", "A trailer is too long.");
		for (char *p = info->checksum_name; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		info->checksum = kind;
	}
	if (c->trailer_name[0] && info->checksum == BW_SIGV4_CHECKSUM_NONE)
		return bw_sigv4_errorf(err, BW_SIGV4_CHUNK_MALFORMED, "The trailer %s is missing.",
		              c->trailer_name);
	if (info->checksum == BW_SIGV4_CHECKSUM_NONE)
		return BW_SIGV4_OK;
	struct bw_buf want = {0};
	if (!s_checksum_b64(info->checksum, decoded, &want)) {
		bw_buf_free(&want);
		return bw_sigv4_errorf(err, BW_SIGV4_INTERNAL, "%s", "");
	}
	bool same = want.len == strlen(info->checksum_value) &&
	            memcmp(want.data, info->checksum_value, want.len) == 0;
	bw_buf_free(&want);
	if (!same)
		return bw_sigv4_errorf(err, BW_SIGV4_CHECKSUM,
		              "The %s you specified did not match the calculated checksum.",
		              info->checksum_name + strlen("x-amz-checksum-"));
	info->checksum_verified = true;
	return BW_SIGV4_OK;
}

enum bw_sigv4_reason bw_sigv4_chunked_decode(const struct bw_sigv4_chunked *c, struct bw_cur body,
                                             struct bw_buf *out,
                                             struct bw_sigv4_chunked_info *info,
                                             struct bw_sigv4_error *err)
{
	struct s_reader rd = {.in = body, .pos = 0};
	uint8_t prev[32], sig[32];
	size_t start_len = out->len;
	enum bw_sigv4_reason r;
	memset(info, 0, sizeof *info);
	err->reason = BW_SIGV4_OK;
	err->message[0] = 0;
	if (c->signed_chunks && c->has_trailer)
		return bw_sigv4_errorf(err, BW_SIGV4_UNSUPPORTED, "%s",
		              "Signed aws-chunked trailers (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER) "
		              "are not supported.");
	memcpy(prev, c->seed_signature, 32);
	for (;;) {
		struct bw_cur line;
		size_t size = 0;
		if (!s_line(&rd, &line))
			return bw_sigv4_errorf(err, BW_SIGV4_CHUNK_MALFORMED, "%s",
			              "The request body terminated unexpectedly");
		if ((r = s_chunk_header(line, c->signed_chunks, &size, sig, err)))
			return r;
		if (size > body.len - rd.pos)
			return bw_sigv4_errorf(err, BW_SIGV4_CHUNK_MALFORMED, "%s",
			              "The request body terminated unexpectedly");
		struct bw_cur data = bw_cur_from(body.ptr + rd.pos, size);
		rd.pos += size;
		if (c->signed_chunks && (r = s_check_chunk(c, prev, data, sig, err)))
			return r;
		info->chunks++;
		if (size == 0)
			break;
		if (c->max_decoded && out->len - start_len + size > c->max_decoded)
			return bw_sigv4_errorf(err, BW_SIGV4_CHUNK_MALFORMED, "%s",
			              "The decoded body is larger than allowed.");
		if (bw_buf_append(out, data.ptr, data.len) != 0)
			return bw_sigv4_errorf(err, BW_SIGV4_INTERNAL, "%s", "");
		if (!s_crlf(&rd))
			return bw_sigv4_errorf(err, BW_SIGV4_CHUNK_MALFORMED, "%s",
			              "A chunk is not followed by CRLF.");
	}
	struct bw_cur decoded = bw_cur_from(out->data ? out->data + start_len : (const uint8_t *)"",
	                                    out->len - start_len);
	if (c->has_trailer) {
		if ((r = s_trailer(c, &rd, decoded, info, err)))
			return r;
	} else if (!s_crlf(&rd)) {
		return bw_sigv4_errorf(err, BW_SIGV4_CHUNK_MALFORMED, "%s",
		              "The final chunk is not followed by CRLF.");
	}
	if (rd.pos != body.len)
		return bw_sigv4_errorf(err, BW_SIGV4_CHUNK_MALFORMED, "%s",
		              "Data follows the final chunk.");
	if (c->decoded_length >= 0 && (uint64_t)c->decoded_length != decoded.len)
		return bw_sigv4_errorf(err, BW_SIGV4_CHUNK_MALFORMED, "%s",
		              "The decoded length does not match x-amz-decoded-content-length.");
	if (!out->data && bw_buf_append(out, "", 0) != 0)
		return bw_sigv4_errorf(err, BW_SIGV4_INTERNAL, "%s", "");
	return BW_SIGV4_OK;
}

/* ---- from a verified request ----------------------------------------- */

enum bw_sigv4_reason bw_sigv4_decode_body(const struct bw_http_request *req,
                                          const struct bw_sigv4_params *params,
                                          struct bw_sigv4_result *res, struct bw_buf *out,
                                          struct bw_sigv4_chunked_info *info)
{
	struct bw_sigv4_chunked c = {.decoded_length = -1};
	struct bw_sigv4_error err = {0};
	struct bw_buf secret = {.secret = true};
	struct bw_buf scope = {0};
	enum bw_sigv4_reason r = BW_SIGV4_INTERNAL;
	memset(info, 0, sizeof *info);
	if (res->reason != BW_SIGV4_OK)
		return res->reason;
	const char *ph = res->payload_hash;
	if (strcmp(ph, BW_SIGV4_STREAMING_PAYLOAD) == 0) {
		c.signed_chunks = true;
	} else if (strcmp(ph, BW_SIGV4_STREAMING_PAYLOAD_TRAILER) == 0) {
		c.signed_chunks = c.has_trailer = true;
	} else if (strcmp(ph, BW_SIGV4_STREAMING_UNSIGNED_TRAILER) == 0) {
		c.has_trailer = true;
	} else {
		r = BW_SIGV4_UNSUPPORTED;
		snprintf(err.message, sizeof err.message, "%s", "The payload is not aws-chunked.");
		err.reason = r;
		goto done;
	}
	const char *dl = bw_req_header(req, "x-amz-decoded-content-length");
	if (dl) {
		int64_t v = 0;
		size_t n = strlen(dl);
		if (n == 0 || n > 18 || strspn(dl, "0123456789") != n) {
			r = bw_sigv4_errorf(&err, BW_SIGV4_CHUNK_MALFORMED, "%s",
			           "x-amz-decoded-content-length is not a number.");
			goto done;
		}
		for (size_t i = 0; i < n; i++)
			v = v * 10 + (dl[i] - '0');
		c.decoded_length = v;
	}
	const char *tr = bw_req_header(req, "x-amz-trailer");
	if (tr && !bw_sigv4_copy(c.trailer_name, sizeof c.trailer_name, bw_cur_str(tr))) {
		r = bw_sigv4_errorf(&err, BW_SIGV4_CHUNK_MALFORMED, "%s", "x-amz-trailer is too long.");
		goto done;
	}
	memcpy(c.seed_signature, res->signature, 32);
	memcpy(c.amz_date, res->amz_date, sizeof c.amz_date);
	if ((r = bw_sigv4_scope(res->scope_date, res->region, res->service, &scope)) ||
	    !bw_sigv4_copy(c.scope, sizeof c.scope, bw_cur_from(scope.data, scope.len))) {
		r = BW_SIGV4_INTERNAL;
		goto done;
	}
	if (c.signed_chunks) {
		int found = params->lookup ? params->lookup(params->lookup_ctx, res->access_key_id,
		                                            res->has_token ? res->security_token : NULL,
		                                            &secret)
		                           : BW_SIGV4_KEY_ERROR;
		if (found != BW_SIGV4_KEY_FOUND) {
			r = found == BW_SIGV4_KEY_NOT_FOUND ? BW_SIGV4_UNKNOWN_KEY : BW_SIGV4_INTERNAL;
			goto done;
		}
		if ((r = bw_sigv4_signing_key(bw_cur_from(secret.data, secret.len), res->scope_date,
		                              res->region, res->service, c.signing_key)))
			goto done;
	}
	r = bw_sigv4_chunked_decode(&c, bw_cur_from(req->body, req->body ? req->body_len : 0), out,
	                            info, &err);
done:
	if (r != BW_SIGV4_OK)
		bw_sigv4_result_fail(res, r, err.reason == r ? err.message : NULL,
		                     params->style != BW_SIGV4_STYLE_DEFAULT);
	bw_sigv4_chunked_clean_up(&c);
	bw_buf_free(&secret);
	bw_buf_free(&scope);
	return r;
}
