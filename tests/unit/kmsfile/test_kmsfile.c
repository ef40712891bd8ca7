/*
 * The encrypted file format of `bulwark kms encrypt-file` (src/kmsfile/),
 * with a fixed data key through an injected key provider: round trips of
 * every size around the chunk boundary, and every tampering refused — a
 * flipped byte anywhere in the header, body or a tag, swapped chunks, a cut
 * at a chunk boundary, an appended (validly sealed) chunk, the wrong
 * required context — and the path functions leave nothing behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmsfile/kmsfile.h"

#define S_ARN "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
#define S_BLOB "fixed-encrypted-data-key"

/* The test provider: a fixed key; decrypt checks what KMS would check. */
struct s_fixed {
	uint8_t key[32];
	json_t *made_under; /* the context generate saw */
	int decrypts;
};

static int s_gen(void *ctx, const char *key_id, const json_t *context, struct bw_buf *pt,
                 struct bw_buf *blob, struct bw_buf *arn, struct bw_kmsfile_error *err)
{
	struct s_fixed *f = ctx;
	(void)err;
	assert_string_equal(key_id, "alias/test");
	json_decref(f->made_under);
	f->made_under = json_deep_copy(context);
	assert_int_equal(bw_buf_append(pt, f->key, 32), 0);
	assert_int_equal(bw_buf_append_str(blob, S_BLOB), 0);
	assert_int_equal(bw_buf_append_str(arn, S_ARN), 0);
	return 0;
}

static int s_dec(void *ctx, const char *arn, const json_t *context, struct bw_cur blob,
                 struct bw_buf *pt, struct bw_kmsfile_error *err)
{
	struct s_fixed *f = ctx;
	f->decrypts++;
	if (strcmp(arn, S_ARN) != 0 || !bw_cur_eq_str(blob, S_BLOB) ||
	    !json_equal((json_t *)context, f->made_under)) {
		bw_kmsfile_fail(err, "KMS Decrypt failed: InvalidCiphertextException: ");
		return -1;
	}
	return bw_buf_append(pt, f->key, 32);
}

static struct s_fixed g_fixed;
static struct bw_kmsfile_keys g_keys = {.ctx = &g_fixed, .generate = s_gen, .decrypt = s_dec};

static int s_setup(void **state)
{
	(void)state;
	for (int i = 0; i < 32; i++)
		g_fixed.key[i] = (uint8_t)(i * 7 + 1);
	g_fixed.decrypts = 0;
	return 0;
}

static int s_teardown(void **state)
{
	(void)state;
	json_decref(g_fixed.made_under);
	g_fixed.made_under = NULL;
	return 0;
}

static FILE *s_file_of(const uint8_t *p, size_t n)
{
	FILE *f = tmpfile();
	assert_non_null(f);
	if (n)
		assert_int_equal(fwrite(p, 1, n, f), n);
	rewind(f);
	return f;
}

static void s_slurp(FILE *f, struct bw_buf *out)
{
	uint8_t tmp[4096];
	size_t k;
	rewind(f);
	while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
		assert_int_equal(bw_buf_append(out, tmp, k), 0);
}

static void s_pattern(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)((i * 131 + seed * 17 + (i >> 8)) & 0xff);
}

/* Encrypt n pattern bytes with chunk size cs (and user pairs) into enc. */
static void s_encrypt(const uint8_t *pt, size_t n, uint32_t cs, const char *const *pairs,
                      size_t npairs, struct bw_buf *enc)
{
	struct bw_kmsfile_error err = {{0}};
	json_t *ctx;
	assert_int_equal(bw_kmsfile_context_build(pairs, npairs, &ctx, &err), 0);
	struct bw_kmsfile_encrypt_opts o = {.key_id = "alias/test", .context = ctx, .chunk_size = cs};
	FILE *in = s_file_of(pt, n), *out = tmpfile();
	assert_non_null(out);
	int rc = bw_kmsfile_encrypt_stream(in, out, &o, &g_keys, &err);
	if (rc != 0)
		fail_msg("encrypt: %s", err.msg);
	s_slurp(out, enc);
	fclose(in);
	fclose(out);
	json_decref(ctx);
}

/* Decrypt enc; returns the rc, the plaintext in dec, the message in err. */
static int s_decrypt(const struct bw_buf *enc, const char *const *req, size_t nreq,
                     struct bw_buf *dec, struct bw_kmsfile_error *err)
{
	FILE *in = s_file_of(enc->data, enc->len), *out = tmpfile();
	assert_non_null(out);
	int rc = bw_kmsfile_decrypt_stream(in, out, req, nreq, &g_keys, err);
	s_slurp(out, dec);
	fclose(in);
	fclose(out);
	return rc;
}

static size_t s_header_len(const struct bw_buf *enc)
{
	struct bw_kmsfile_header h;
	struct bw_kmsfile_error err;
	size_t used;
	assert_int_equal(bw_kmsfile_header_decode(bw_cur_from(enc->data, enc->len), &h, &used, &err),
	                 0);
	bw_kmsfile_header_clean_up(&h);
	return used;
}

static void test_round_trip_sizes_around_chunk_boundary(void **state)
{
	(void)state;
	const uint32_t cs = 64;
	const size_t sizes[] = {0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 191, 192, 193, 1000};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size_t n = sizes[i];
		uint8_t *pt = malloc(n + 1);
		assert_non_null(pt);
		s_pattern(pt, n, (unsigned)i);
		struct bw_buf enc = {0}, dec = {0};
		struct bw_kmsfile_error err = {{0}};
		s_encrypt(pt, n, cs, NULL, 0, &enc);
		/* header + each chunk's bytes + one tag per chunk (at least one chunk) */
		size_t chunks = n == 0 ? 1 : (n + cs - 1) / cs;
		assert_int_equal(enc.len, s_header_len(&enc) + n + chunks * BW_KMSFILE_TAG_LEN);
		int rc = s_decrypt(&enc, NULL, 0, &dec, &err);
		if (rc != 0)
			fail_msg("size %zu: %s", n, err.msg);
		assert_int_equal(dec.len, n);
		if (n)
			assert_memory_equal(dec.data, pt, n);
		free(pt);
		bw_buf_free(&enc);
		bw_buf_free(&dec);
	}
}

static void test_round_trip_default_chunk_and_context(void **state)
{
	(void)state;
	size_t n = 3 * BW_KMSFILE_DEFAULT_CHUNK + 12345;
	uint8_t *pt = malloc(n);
	assert_non_null(pt);
	s_pattern(pt, n, 99);
	const char *pairs[] = {"purpose=backup", "team=sec", "empty="};
	struct bw_buf enc = {0}, dec = {0};
	struct bw_kmsfile_error err = {{0}};
	s_encrypt(pt, n, 0, pairs, 3, &enc);
	/* the context KMS saw: the format's member plus the user's */
	assert_int_equal(json_object_size(g_fixed.made_under), 4);
	assert_string_equal(json_string_value(json_object_get(g_fixed.made_under,
	                                                      BW_KMSFILE_CONTEXT_FORMAT_KEY)),
	                    BW_KMSFILE_CONTEXT_FORMAT_V1);
	/* the header holds it, the ARN and the blob */
	struct bw_kmsfile_header h;
	size_t used;
	assert_int_equal(bw_kmsfile_header_decode(bw_cur_from(enc.data, enc.len), &h, &used, &err), 0);
	assert_memory_equal(enc.data, "BWKMSENC\x01\x01\x00\x01\x00\x00", 14);
	assert_string_equal(h.key_arn, S_ARN);
	assert_int_equal(h.chunk_size, BW_KMSFILE_DEFAULT_CHUNK);
	assert_true(json_equal(h.context, g_fixed.made_under));
	assert_true(bw_cur_eq_str(bw_cur_from(h.blob.data, h.blob.len), S_BLOB));
	bw_kmsfile_header_clean_up(&h);
	/* required pairs: a subset is fine */
	const char *req[] = {"team=sec", "empty="};
	assert_int_equal(s_decrypt(&enc, req, 2, &dec, &err), 0);
	assert_int_equal(dec.len, n);
	assert_memory_equal(dec.data, pt, n);
	free(pt);
	bw_buf_free(&enc);
	bw_buf_free(&dec);
}

static void test_empty_file(void **state)
{
	(void)state;
	struct bw_buf enc = {0}, dec = {0};
	struct bw_kmsfile_error err = {{0}};
	s_encrypt(NULL, 0, 0, NULL, 0, &enc);
	assert_int_equal(enc.len, s_header_len(&enc) + BW_KMSFILE_TAG_LEN);
	assert_int_equal(s_decrypt(&enc, NULL, 0, &dec, &err), 0);
	assert_int_equal(dec.len, 0);
	/* without its one (empty, final) chunk it is refused */
	enc.len -= BW_KMSFILE_TAG_LEN;
	bw_buf_free(&dec);
	assert_int_equal(s_decrypt(&enc, NULL, 0, &dec, &err), -1);
	assert_non_null(strstr(err.msg, "truncated"));
	assert_int_equal(dec.len, 0);
	bw_buf_free(&enc);
	bw_buf_free(&dec);
}

/* A tampered copy must be refused and nothing unauthenticated written. */
static void s_expect_refused(const struct bw_buf *enc, const char *why, const char *substr)
{
	struct bw_buf dec = {0};
	struct bw_kmsfile_error err = {{0}};
	int rc = s_decrypt(enc, NULL, 0, &dec, &err);
	if (rc == 0)
		fail_msg("%s: accepted", why);
	if (substr && !strstr(err.msg, substr))
		fail_msg("%s: message '%s' lacks '%s'", why, err.msg, substr);
	bw_buf_free(&dec);
}

static void test_every_header_byte_flip_refused(void **state)
{
	(void)state;
	uint8_t pt[200];
	s_pattern(pt, sizeof pt, 3);
	const char *pairs[] = {"k=v"};
	struct bw_buf enc = {0};
	s_encrypt(pt, sizeof pt, 64, pairs, 1, &enc);
	size_t hl = s_header_len(&enc);
	for (size_t i = 0; i < hl; i++) {
		for (uint8_t bit = 1; bit; bit = (uint8_t)(bit << 1)) {
			enc.data[i] ^= bit;
			struct bw_buf dec = {0};
			struct bw_kmsfile_error err = {{0}};
			int rc = s_decrypt(&enc, NULL, 0, &dec, &err);
			if (rc == 0)
				fail_msg("header byte %zu bit %u flipped: accepted", i, bit);
			/* a chunk that fails is never written */
			assert_int_equal(dec.len, 0);
			bw_buf_free(&dec);
			enc.data[i] ^= bit;
		}
	}
	/* the nonce prefix is not checked by KMS: chunk 0's tag catches it */
	enc.data[20] ^= 1;
	s_expect_refused(&enc, "nonce prefix", "chunk 0 failed authentication");
	bw_buf_free(&enc);
}

static void test_body_and_tag_flips_refused(void **state)
{
	(void)state;
	uint8_t pt[200];
	s_pattern(pt, sizeof pt, 4);
	struct bw_buf enc = {0};
	s_encrypt(pt, sizeof pt, 64, NULL, 0, &enc);
	size_t hl = s_header_len(&enc);
	for (size_t i = hl; i < enc.len; i++) {
		enc.data[i] ^= 0x40;
		s_expect_refused(&enc, "body byte flipped", "failed authentication");
		enc.data[i] ^= 0x40;
	}
	bw_buf_free(&enc);
}

static void test_swapped_chunks_refused(void **state)
{
	(void)state;
	uint8_t pt[64 * 3 + 10];
	s_pattern(pt, sizeof pt, 5);
	struct bw_buf enc = {0};
	s_encrypt(pt, sizeof pt, 64, NULL, 0, &enc);
	size_t hl = s_header_len(&enc), frame = 64 + BW_KMSFILE_TAG_LEN;
	uint8_t tmp[64 + BW_KMSFILE_TAG_LEN];
	memcpy(tmp, enc.data + hl, frame);
	memcpy(enc.data + hl, enc.data + hl + frame, frame);
	memcpy(enc.data + hl + frame, tmp, frame);
	s_expect_refused(&enc, "chunks 0 and 1 swapped", "chunk 0 failed authentication");
	bw_buf_free(&enc);
}

static void test_truncation_refused(void **state)
{
	(void)state;
	uint8_t pt[64 * 3];
	s_pattern(pt, sizeof pt, 6);
	struct bw_buf enc = {0};
	s_encrypt(pt, sizeof pt, 64, NULL, 0, &enc);
	size_t hl = s_header_len(&enc), frame = 64 + BW_KMSFILE_TAG_LEN, full = enc.len;
	/* at each chunk boundary */
	for (size_t keep = 1; keep < 3; keep++) {
		enc.len = hl + keep * frame;
		s_expect_refused(&enc, "cut at a chunk boundary", "truncated");
	}
	/* right after the header, inside a chunk, inside a tag, inside the header */
	const size_t cuts[] = {hl, hl + 10, hl + frame + 70, full - 1, hl - 1, 5, 0};
	for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		enc.len = cuts[i];
		s_expect_refused(&enc, "cut", NULL);
	}
	bw_buf_free(&enc);
}

/* Seal one chunk as the encryptor would (the test knows the data key). */
static void s_forge_chunk(const struct bw_buf *enc, uint64_t index, bool final,
                          const uint8_t *pt, size_t len, struct bw_buf *out)
{
	struct bw_kmsfile_header h;
	struct bw_kmsfile_error err;
	size_t used;
	uint8_t hash[32], nonce[12], aad[BW_KMSFILE_AAD_LEN], tag[16], ct[256];
	int outl;
	assert_true(len <= sizeof ct);
	assert_int_equal(bw_kmsfile_header_decode(bw_cur_from(enc->data, enc->len), &h, &used, &err),
	                 0);
	assert_int_equal(EVP_Digest(enc->data, used, hash, NULL, EVP_sha256(), NULL), 1);
	bw_kmsfile_chunk_nonce(h.nonce_prefix, index, nonce);
	bw_kmsfile_chunk_aad(hash, index, final, aad);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	assert_non_null(c);
	assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, g_fixed.key, nonce), 1);
	assert_int_equal(EVP_EncryptUpdate(c, NULL, &outl, aad, (int)sizeof aad), 1);
	assert_int_equal(EVP_EncryptUpdate(c, ct, &outl, pt, (int)len), 1);
	assert_int_equal(EVP_EncryptFinal_ex(c, ct + len, &outl), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag), 1);
	EVP_CIPHER_CTX_free(c);
	assert_int_equal(bw_buf_append(out, ct, len), 0);
	assert_int_equal(bw_buf_append(out, tag, 16), 0);
	bw_kmsfile_header_clean_up(&h);
}

static void test_appended_chunk_refused(void **state)
{
	(void)state;
	uint8_t pt[64 * 2];
	s_pattern(pt, sizeof pt, 7);
	struct bw_buf enc = {0};
	s_encrypt(pt, sizeof pt, 64, NULL, 0, &enc);
	/* the forgery check itself: re-sealing the last chunk gives the same bytes */
	struct bw_buf again = {0};
	s_forge_chunk(&enc, 1, true, pt + 64, 64, &again);
	assert_memory_equal(again.data, enc.data + enc.len - again.len, again.len);
	bw_buf_free(&again);
	/* a validly sealed final chunk 2 appended: chunk 1 was sealed final */
	size_t full = enc.len;
	s_forge_chunk(&enc, 2, true, pt, 30, &enc);
	s_expect_refused(&enc, "a chunk appended", "extended");
	/* a copy of the last chunk appended, and one stray byte */
	enc.len = full;
	assert_int_equal(bw_buf_append(&enc, enc.data + full - 80, 80), 0);
	s_expect_refused(&enc, "last chunk repeated", "extended");
	enc.len = full;
	assert_int_equal(bw_buf_append_byte(&enc, 0), 0);
	s_expect_refused(&enc, "a byte appended", NULL);
	bw_buf_free(&enc);
}

static void test_required_context_checked_before_kms(void **state)
{
	(void)state;
	uint8_t pt[10] = {1, 2, 3};
	const char *pairs[] = {"app=billing"};
	struct bw_buf enc = {0}, dec = {0};
	struct bw_kmsfile_error err = {{0}};
	s_encrypt(pt, sizeof pt, 0, pairs, 1, &enc);
	g_fixed.decrypts = 0;
	const char *wrong[] = {"app=payroll"}, *missing[] = {"owner=me"}, *bad[] = {"noequals"};
	assert_int_equal(s_decrypt(&enc, wrong, 1, &dec, &err), -1);
	assert_non_null(strstr(err.msg, "does not match --context 'app=payroll'"));
	assert_int_equal(s_decrypt(&enc, missing, 1, &dec, &err), -1);
	assert_int_equal(s_decrypt(&enc, bad, 1, &dec, &err), -1);
	assert_int_equal(g_fixed.decrypts, 0);
	assert_int_equal(dec.len, 0);
	assert_int_equal(s_decrypt(&enc, pairs, 1, &dec, &err), 0);
	assert_int_equal(g_fixed.decrypts, 1);
	assert_int_equal(dec.len, sizeof pt);
	bw_buf_free(&enc);
	bw_buf_free(&dec);
}

static void test_context_build_rules(void **state)
{
	(void)state;
	struct bw_kmsfile_error err = {{0}};
	json_t *ctx = NULL;
	const char *reserved[] = {"bulwark:format=x"}, *dup[] = {"a=1", "a=2"}, *noeq[] = {"a"},
	           *nokey[] = {"=v"}, *ok[] = {"a=b=c", "z="};
	assert_int_equal(bw_kmsfile_context_build(reserved, 1, &ctx, &err), -1);
	assert_non_null(strstr(err.msg, "reserved"));
	assert_int_equal(bw_kmsfile_context_build(dup, 2, &ctx, &err), -1);
	assert_int_equal(bw_kmsfile_context_build(noeq, 1, &ctx, &err), -1);
	assert_int_equal(bw_kmsfile_context_build(nokey, 1, &ctx, &err), -1);
	assert_null(ctx);
	assert_int_equal(bw_kmsfile_context_build(ok, 2, &ctx, &err), 0);
	assert_string_equal(json_string_value(json_object_get(ctx, "a")), "b=c");
	assert_string_equal(json_string_value(json_object_get(ctx, "z")), "");
	json_decref(ctx);
}

static void test_nonce_and_aad_layout(void **state)
{
	(void)state;
	uint8_t prefix[12], n0[12], n1[12], nbig[12], hash[32], aad[BW_KMSFILE_AAD_LEN];
	for (int i = 0; i < 12; i++)
		prefix[i] = (uint8_t)(0xa0 + i);
	memset(hash, 0x5a, sizeof hash);
	bw_kmsfile_chunk_nonce(prefix, 0, n0);
	bw_kmsfile_chunk_nonce(prefix, 1, n1);
	bw_kmsfile_chunk_nonce(prefix, 0x0102030405060708ull, nbig);
	assert_memory_equal(n0, prefix, 12);
	assert_memory_equal(n1, prefix, 11);
	assert_int_equal(n1[11], prefix[11] ^ 1);
	assert_memory_equal(nbig, prefix, 4);
	assert_int_equal(nbig[4], prefix[4] ^ 1);
	assert_int_equal(nbig[11], prefix[11] ^ 8);
	bw_kmsfile_chunk_aad(hash, 0x0102, true, aad);
	assert_memory_equal(aad, hash, 32);
	assert_memory_equal(aad + 32, "\0\0\0\0\0\0\x01\x02\x01", 9);
}

/* Garbage and every prefix of a header: an error or "need more", never a crash. */
static void test_header_decode_bounded(void **state)
{
	(void)state;
	struct bw_buf enc = {0};
	const char *pairs[] = {"a=b"};
	s_encrypt((const uint8_t *)"x", 1, 0, pairs, 1, &enc);
	size_t hl = s_header_len(&enc);
	for (size_t n = 0; n < hl; n++) {
		struct bw_kmsfile_header h;
		struct bw_kmsfile_error err;
		size_t used;
		assert_int_equal(bw_kmsfile_header_decode(bw_cur_from(enc.data, n), &h, &used, &err), 1);
	}
	uint8_t junk[512];
	for (unsigned seed = 0; seed < 64; seed++) {
		s_pattern(junk, sizeof junk, seed);
		memcpy(junk, "BWKMSENC\x01\x01", 10);
		struct bw_kmsfile_header h;
		struct bw_kmsfile_error err;
		size_t used;
		int rc = bw_kmsfile_header_decode(bw_cur_from(junk, sizeof junk), &h, &used, &err);
		if (rc == 0)
			bw_kmsfile_header_clean_up(&h);
		assert_true(rc == -1 || rc == 1 || rc == 0);
	}
	struct bw_kmsfile_header h;
	struct bw_kmsfile_error err;
	size_t used;
	assert_int_equal(bw_kmsfile_header_decode(bw_cur_str("PK\x03\x04 a zip file"), &h, &used,
	                                          &err), -1);
	assert_non_null(strstr(err.msg, "not a bulwark encrypted file"));
	bw_buf_free(&enc);
}

static void test_paths_leave_nothing_on_failure(void **state)
{
	(void)state;
	char dir[] = "/tmp/bw-kmsfile-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char in[64], enc[64], out[64];
	snprintf(in, sizeof in, "%s/in", dir);
	snprintf(enc, sizeof enc, "%s/enc", dir);
	snprintf(out, sizeof out, "%s/out", dir);
	uint8_t pt[300];
	s_pattern(pt, sizeof pt, 8);
	FILE *f = fopen(in, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(pt, 1, sizeof pt, f), sizeof pt);
	fclose(f);
	struct bw_kmsfile_error err = {{0}};
	json_t *ctx;
	assert_int_equal(bw_kmsfile_context_build(NULL, 0, &ctx, &err), 0);
	struct bw_kmsfile_encrypt_opts o = {.key_id = "alias/test", .context = ctx, .chunk_size = 64};
	assert_int_equal(bw_kmsfile_encrypt_path(in, enc, &o, &g_keys, &err), 0);
	assert_int_equal(bw_kmsfile_decrypt_path(enc, out, NULL, 0, &g_keys, &err), 0);
	assert_int_equal(access(out, F_OK), 0);
	unlink(out);
	/* flip the last byte: chunks 0..3 are authentic and were written to the
	 * temporary file, which must be gone, and out never created */
	f = fopen(enc, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, -1, SEEK_END), 0);
	int c = fgetc(f);
	assert_int_equal(fseek(f, -1, SEEK_END), 0);
	fputc(c ^ 1, f);
	fclose(f);
	assert_int_equal(bw_kmsfile_decrypt_path(enc, out, NULL, 0, &g_keys, &err), -1);
	assert_non_null(strstr(err.msg, "chunk 4 failed authentication"));
	assert_int_equal(access(out, F_OK), -1);
	/* the directory holds only in and enc */
	char cmd[128];
	snprintf(cmd, sizeof cmd, "test $(ls -A %s | wc -l) -eq 2", dir);
	assert_int_equal(system(cmd), 0);
	/* a missing input fails cleanly too */
	assert_int_equal(bw_kmsfile_decrypt_path("/nonexistent/x", out, NULL, 0, &g_keys, &err), -1);
	json_decref(ctx);
	unlink(in);
	unlink(enc);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip_sizes_around_chunk_boundary, s_setup,
		                                s_teardown),
		cmocka_unit_test_setup_teardown(test_round_trip_default_chunk_and_context, s_setup,
		                                s_teardown),
		cmocka_unit_test_setup_teardown(test_empty_file, s_setup, s_teardown),
		cmocka_unit_test_setup_teardown(test_every_header_byte_flip_refused, s_setup,
		                                s_teardown),
		cmocka_unit_test_setup_teardown(test_body_and_tag_flips_refused, s_setup, s_teardown),
		cmocka_unit_test_setup_teardown(test_swapped_chunks_refused, s_setup, s_teardown),
		cmocka_unit_test_setup_teardown(test_truncation_refused, s_setup, s_teardown),
		cmocka_unit_test_setup_teardown(test_appended_chunk_refused, s_setup, s_teardown),
		cmocka_unit_test_setup_teardown(test_required_context_checked_before_kms, s_setup,
		                                s_teardown),
		cmocka_unit_test(test_context_build_rules),
		cmocka_unit_test(test_nonce_and_aad_layout),
		cmocka_unit_test_setup_teardown(test_header_decode_bounded, s_setup, s_teardown),
		cmocka_unit_test_setup_teardown(test_paths_leave_nothing_on_failure, s_setup,
		                                s_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
