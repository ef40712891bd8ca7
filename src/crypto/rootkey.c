/*
 * rootkey.c: making and loading the root key.
 *
 *   <data>/root.key  32 random bytes, mode 0600 (refused if group or others
 *                    can read it, as ssh refuses a private key)
 *   <data>/root.kdf  for a passphrase: {"kdf":"argon2id", "t_cost", "m_cost_kib",
 *                    "parallelism", "salt", "check"} — the check is
 *                    HMAC-SHA256(key, "bulwark root key check") so a wrong
 *                    passphrase is refused instead of unsealing garbage.
 */
#include <argon2.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/encoding.h"
#include "core/log.h"
#include "crypto/seal.h"

#define S_T_COST 3
#define S_M_COST_KIB (64 * 1024)
#define S_PARALLELISM 1
#define S_SALT 16
static const char s_check_label[] = "bulwark root key check";

static int s_path(char *out, size_t outlen, const char *dir, const char *name)
{
	int n = snprintf(out, outlen, "%s/%s", dir, name);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

static int s_write_new(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	const uint8_t *p = data;
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, p + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			unlink(path);
			return -1;
		}
		done += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		unlink(path);
		return -1;
	}
	return 0;
}

static int s_check_value(const uint8_t key[BW_ROOT_KEY_BYTES], uint8_t out[32])
{
	unsigned int len = 32;
	return HMAC(EVP_sha256(), key, BW_ROOT_KEY_BYTES, (const uint8_t *)s_check_label,
	            sizeof s_check_label - 1, out, &len)
		       ? 0
		       : -1;
}

static int s_argon2(const char *passphrase, const uint8_t *salt, size_t salt_len,
                    uint32_t t_cost, uint32_t m_cost, uint32_t lanes,
                    uint8_t out[BW_ROOT_KEY_BYTES])
{
	return argon2id_hash_raw(t_cost, m_cost, lanes, passphrase, strlen(passphrase), salt,
	                         salt_len, out, BW_ROOT_KEY_BYTES) == ARGON2_OK
		       ? 0
		       : -1;
}

static bool s_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

enum bw_root_key_rc bw_root_key_create(const char *data_dir, const char *passphrase,
                                       struct bw_root_key *out)
{
	char key_path[4096], kdf_path[4096];
	memset(out, 0, sizeof *out);
	if (s_path(key_path, sizeof key_path, data_dir, "root.key") != 0 ||
	    s_path(kdf_path, sizeof kdf_path, data_dir, "root.kdf") != 0)
		return BW_ROOT_KEY_ERROR;
	if (s_exists(key_path) || s_exists(kdf_path)) {
		bw_logf(BW_LOG_ERROR, "root key: %s already has a root key; refusing to replace it",
		        data_dir);
		return BW_ROOT_KEY_ERROR;
	}
	if (!passphrase) {
		if (RAND_priv_bytes(out->key, sizeof out->key) != 1 ||
		    s_write_new(key_path, out->key, sizeof out->key) != 0)
			goto error;
		out->loaded = true;
		return BW_ROOT_KEY_OK;
	}
	uint8_t salt[S_SALT], check[32];
	struct bw_buf salt_b64 = {0}, check_b64 = {0};
	char *text = NULL;
	int rc = -1;
	if (RAND_bytes(salt, sizeof salt) != 1 ||
	    s_argon2(passphrase, salt, sizeof salt, S_T_COST, S_M_COST_KIB, S_PARALLELISM,
	             out->key) != 0 ||
	    s_check_value(out->key, check) != 0 ||
	    bw_base64_encode(salt, sizeof salt, &salt_b64) != 0 ||
	    bw_base64_encode(check, sizeof check, &check_b64) != 0)
		goto kdf_done;
	json_t *doc = json_pack("{s:i, s:s, s:i, s:i, s:i, s:s, s:s}", "version", 1, "kdf",
	                        "argon2id", "t_cost", S_T_COST, "m_cost_kib", S_M_COST_KIB,
	                        "parallelism", S_PARALLELISM, "salt", bw_buf_cstr(&salt_b64),
	                        "check", bw_buf_cstr(&check_b64));
	text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
	json_decref(doc);
	if (text && s_write_new(kdf_path, text, strlen(text)) == 0)
		rc = 0;
kdf_done:
	free(text);
	bw_buf_free(&salt_b64);
	bw_buf_free(&check_b64);
	if (rc != 0)
		goto error;
	out->loaded = true;
	return BW_ROOT_KEY_OK;
error:
	bw_logf(BW_LOG_ERROR, "root key: cannot create it in %s", data_dir);
	bw_root_key_clear(out);
	return BW_ROOT_KEY_ERROR;
}

static enum bw_root_key_rc s_load_file(const char *path, struct bw_root_key *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return BW_ROOT_KEY_ERROR;
	struct stat st;
	enum bw_root_key_rc rc = BW_ROOT_KEY_ERROR;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto done;
	if (st.st_mode & 077) {
		bw_logf(BW_LOG_ERROR, "root key: %s is readable by others (mode %o); "
		        "chmod 600 it", path, (unsigned)(st.st_mode & 0777));
		goto done;
	}
	if (st.st_size != BW_ROOT_KEY_BYTES)
		goto done;
	if (read(fd, out->key, sizeof out->key) != (ssize_t)sizeof out->key)
		goto done;
	out->loaded = true;
	rc = BW_ROOT_KEY_OK;
done:
	close(fd);
	return rc;
}

static enum bw_root_key_rc s_load_kdf(const char *path, const char *passphrase,
                                      struct bw_root_key *out)
{
	if (!passphrase) {
		bw_logf(BW_LOG_ERROR, "root key: the data directory's key is derived from a "
		        "passphrase; give it (--passphrase-file or BULWARK_PASSPHRASE)");
		return BW_ROOT_KEY_ERROR;
	}
	json_error_t jerr;
	json_t *doc = json_load_file(path, 0, &jerr);
	const char *kdf = NULL, *salt_s = NULL, *check_s = NULL;
	json_int_t t = 0, m = 0, lanes = 0;
	struct bw_buf salt = {0}, check = {0};
	uint8_t want[32];
	enum bw_root_key_rc rc = BW_ROOT_KEY_ERROR;
	if (!doc || json_unpack(doc, "{s:s, s:I, s:I, s:I, s:s, s:s}", "kdf", &kdf, "t_cost", &t,
	                        "m_cost_kib", &m, "parallelism", &lanes, "salt", &salt_s, "check",
	                        &check_s) != 0 ||
	    strcmp(kdf, "argon2id") != 0 || t < 1 || t > 100 || m < 8 || m > 4 * 1024 * 1024 ||
	    lanes < 1 || lanes > 64 ||
	    bw_base64_decode(salt_s, strlen(salt_s), &salt) != 0 ||
	    bw_base64_decode(check_s, strlen(check_s), &check) != 0 || check.len != 32)
		goto done;
	if (s_argon2(passphrase, salt.data, salt.len, (uint32_t)t, (uint32_t)m, (uint32_t)lanes,
	             out->key) != 0 ||
	    s_check_value(out->key, want) != 0)
		goto done;
	if (CRYPTO_memcmp(want, check.data, 32) != 0) {
		bw_logf(BW_LOG_ERROR, "root key: wrong passphrase");
		bw_root_key_clear(out);
		goto done;
	}
	out->loaded = true;
	rc = BW_ROOT_KEY_OK;
done:
	json_decref(doc);
	bw_buf_free(&salt);
	bw_buf_free(&check);
	return rc;
}

enum bw_root_key_rc bw_root_key_load(const char *data_dir, const char *passphrase,
                                     struct bw_root_key *out)
{
	char key_path[4096], kdf_path[4096];
	memset(out, 0, sizeof *out);
	if (s_path(key_path, sizeof key_path, data_dir, "root.key") != 0 ||
	    s_path(kdf_path, sizeof kdf_path, data_dir, "root.kdf") != 0)
		return BW_ROOT_KEY_ERROR;
	if (s_exists(kdf_path))
		return s_load_kdf(kdf_path, passphrase, out);
	if (!s_exists(key_path))
		return BW_ROOT_KEY_ABSENT;
	if (passphrase) {
		bw_logf(BW_LOG_ERROR, "root key: %s holds a key file, not a passphrase-derived key",
		        data_dir);
		return BW_ROOT_KEY_ERROR;
	}
	enum bw_root_key_rc rc = s_load_file(key_path, out);
	if (rc != BW_ROOT_KEY_OK) {
		bw_logf(BW_LOG_ERROR, "root key: cannot load %s", key_path);
		bw_root_key_clear(out);
	}
	return rc;
}

int bw_root_key_check_value(const struct bw_root_key *rk, char out[65])
{
	static const char label[] = "bulwark store root key check v1";
	static const char digits[] = "0123456789abcdef";
	uint8_t key[32], mac[32];
	unsigned int len = sizeof mac;
	/* a derived key, not the root key itself, so that the value published
	 * in the store is bound to this one use */
	if (bw_root_key_derive(rk, "bulwark/root-key-check/v1", key, sizeof key) != 0)
		return -1;
	bool ok = HMAC(EVP_sha256(), key, sizeof key, (const uint8_t *)label, sizeof label - 1, mac,
	               &len) != NULL && len == sizeof mac;
	bw_cleanse(key, sizeof key);
	if (!ok)
		return -1;
	for (size_t i = 0; i < sizeof mac; i++) {
		out[2 * i] = digits[mac[i] >> 4];
		out[2 * i + 1] = digits[mac[i] & 15];
	}
	out[64] = 0;
	return 0;
}

void bw_root_key_clear(struct bw_root_key *rk)
{
	bw_cleanse(rk->key, sizeof rk->key);
	rk->loaded = false;
}
