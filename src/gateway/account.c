/* account.c: bootstrapping the installation's account and root credentials. */
#include "gateway/account.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/encoding.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "services/iam/iam_store.h"
#include "store/doc.h"
#include "store/events.h"
#include "store/store.h"

static int s_new_account_id(char out[13])
{
	uint8_t r[12];
	if (RAND_bytes(r, sizeof r) != 1)
		return -1;
	for (int i = 0; i < 12; i++)
		out[i] = (char)('0' + r[i] % 10);
	if (out[0] == '0')
		out[0] = '1';
	out[12] = 0;
	return 0;
}

/* A root access key, its secret sealed (iam_store.h), made in one go. */
static int s_make_root_key(struct bw_store *store, const struct bw_root_key *rk,
                           const char *account, struct bw_root_credentials *out)
{
	char aad[64];
	struct bw_buf sealed = {0}, b64 = {0};
	json_t *doc = NULL;
	int rc = -1;
	snprintf(out->account_id, sizeof out->account_id, "%s", account);
	if (bw_iam_new_id("AKIA", out->access_key_id, sizeof out->access_key_id) != 0 ||
	    bw_iam_new_secret(out->secret_access_key) != 0 ||
	    bw_iam_secret_aad(account, out->access_key_id, aad, sizeof aad) != 0 ||
	    bw_seal(rk, BW_SEAL_PURPOSE_SECRET_KEY, bw_cur_str(aad),
	            bw_cur_str(out->secret_access_key), &sealed) != 0 ||
	    bw_base64_encode(sealed.data, sealed.len, &b64) != 0)
		goto done;
	doc = json_pack("{s:s, s:s, s:I, s:s, s:s}", "AccessKeyId", out->access_key_id, "Status",
	                "Active", "CreateDate", (json_int_t)(bw_now_ms() / 1000), "Owner", "root",
	                "SecretSealed", bw_buf_cstr(&b64));
	if (!doc || bw_store_begin(store) != 0)
		goto done;
	if (bw_doc_create(store, BW_IAM_ACCESS_KEY, account, out->access_key_id, doc) != 0 ||
	    bw_store_meta_set(store, "root_access_key_made", "1") != 0) {
		bw_store_rollback(store);
		goto done;
	}
	rc = bw_store_commit(store);
done:
	json_decref(doc);
	bw_buf_free(&sealed);
	bw_buf_free(&b64);
	if (rc != 0)
		bw_cleanse(out, sizeof *out);
	return rc;
}

int bw_data_dir_lock(const char *data_dir, struct bw_data_lock *lock, long *holder)
{
	char path[4096];
	lock->fd = -1;
	*holder = 0;
	int n = snprintf(path, sizeof path, "%s/serve.lock", data_dir);
	if (n < 0 || (size_t)n >= sizeof path)
		return -1;
	if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
		bw_logf(BW_LOG_ERROR, "cannot make the data directory %s: %s", data_dir,
		        strerror(errno));
		return -1;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		bw_logf(BW_LOG_ERROR, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int err = errno;
		if (err == EWOULDBLOCK) {
			/* the holder wrote its pid after taking the lock; a read
			 * between its lock and its write finds none: 0, unknown */
			char text[32] = {0};
			ssize_t got = pread(fd, text, sizeof text - 1, 0);
			if (got > 0)
				*holder = strtol(text, NULL, 10);
			close(fd);
			return 1;
		}
		close(fd);
		bw_logf(BW_LOG_ERROR, "cannot lock %s: %s", path, strerror(err));
		return -1;
	}
	char text[32];
	int len = snprintf(text, sizeof text, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)len, 0) != (ssize_t)len) {
		bw_logf(BW_LOG_ERROR, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	lock->fd = fd;
	return 0;
}

void bw_data_dir_unlock(struct bw_data_lock *lock)
{
	/* the file stays: unlinking it would let a process that opened the old
	 * one and one that makes a new one both hold "the" lock */
	if (lock->fd >= 0) {
		if (ftruncate(lock->fd, 0) != 0) {
			/* a stale pid in an unlocked file misleads no one: the
			 * next holder rewrites it */
		}
		close(lock->fd);
	}
	lock->fd = -1;
}

int bw_account_new_root_access_key(struct bw_store *store, const struct bw_root_key *rk,
                                   const char *account_id, struct bw_root_credentials *out)
{
	json_t *docs = NULL;
	bool more = false;
	struct bw_doc_page page = {0};
	memset(out, 0, sizeof *out);
	if (bw_doc_list(store, BW_IAM_ACCESS_KEY, account_id, &page, &docs, &more) != 0)
		return -1;
	size_t i, roots = 0;
	json_t *e;
	json_array_foreach(docs, i, e) {
		const char *owner = json_string_value(json_object_get(json_object_get(e, "doc"),
		                                                      "Owner"));
		roots += owner && strcmp(owner, "root") == 0;
	}
	json_decref(docs);
	if (roots >= 2)
		return 1; /* AWS's limit for the root user */
	return s_make_root_key(store, rk, account_id, out) == 0 ? 0 : -1;
}

/*
 * A store made before the check value existed: does this root key unseal
 * the secret of its first access key? 1 yes, 0 no, 2 nothing sealed to
 * try, -1 error.
 */
static int s_unseals_a_secret(struct bw_store *store, const struct bw_root_key *rk,
                              const char *account)
{
	json_t *docs = NULL;
	bool more = false;
	struct bw_doc_page page = {.limit = 16};
	if (bw_doc_list(store, BW_IAM_ACCESS_KEY, account, &page, &docs, &more) != 0)
		return -1;
	int verdict = 2;
	size_t i;
	json_t *e;
	json_array_foreach(docs, i, e) {
		const char *akid = json_string_value(json_object_get(e, "key"));
		const char *b64 = json_string_value(json_object_get(json_object_get(e, "doc"),
		                                                    "SecretSealed"));
		char aad[64];
		struct bw_buf sealed = {0}, plain = {0};
		if (!akid || !b64 || bw_iam_secret_aad(account, akid, aad, sizeof aad) != 0)
			continue;
		if (bw_base64_decode(b64, strlen(b64), &sealed) != 0) {
			bw_buf_free(&sealed);
			verdict = -1;
			break;
		}
		verdict = bw_unseal(rk, BW_SEAL_PURPOSE_SECRET_KEY, bw_cur_str(aad),
		                    bw_cur_from(sealed.data, sealed.len), &plain) == 0 ? 1 : 0;
		bw_buf_free(&sealed);
		bw_buf_free(&plain);
		break;
	}
	json_decref(docs);
	return verdict;
}

/*
 * Is rk the key this store was made with? A store that holds an account is
 * checked against its check value (or, from before it, by unsealing); a
 * new one, or an old one that passes, gets the value now.
 */
static int s_check_root_key(struct bw_store *store, const struct bw_root_key *rk,
                            const char *data_dir, const char *account)
{
	char want[65], have[80];
	if (bw_root_key_check_value(rk, want) != 0)
		return -1;
	int got = bw_store_meta_get(store, "root_key_check", have, sizeof have);
	if (got < 0)
		return -1;
	if (got == 1) {
		if (strlen(have) == 64 && CRYPTO_memcmp(have, want, 64) == 0)
			return 0;
		goto wrong;
	}
	if (account) {
		int v = s_unseals_a_secret(store, rk, account);
		if (v < 0)
			return -1;
		if (v == 0)
			goto wrong;
	}
	if (bw_store_meta_set(store, "root_key_check", want) != 0) {
		bw_logf(BW_LOG_ERROR, "cannot record the root key's check value");
		return -1;
	}
	return 0;
wrong:
	bw_logf(BW_LOG_ERROR, "root key: the root key of %s is not the one its store was made with "
	        "(a replaced root.key, or a wrong passphrase): restore the original; refusing to "
	        "start, as no secret of the store would unseal", data_dir);
	return -1;
}

int bw_account_open(const char *data_dir, const char *passphrase, bool create,
                    struct bw_store **store, struct bw_root_key *rk, char account_id[16],
                    struct bw_root_credentials *fresh)
{
	memset(fresh, 0, sizeof *fresh);
	memset(rk, 0, sizeof *rk);
	*store = NULL;
	if (bw_store_open(data_dir, store) != 0)
		return -1;
	char existing[16];
	int has_account = bw_store_meta_get(*store, "account_id", existing, sizeof existing);
	if (has_account < 0)
		goto error;
	enum bw_root_key_rc krc = bw_root_key_load(data_dir, passphrase, rk);
	if (krc == BW_ROOT_KEY_ABSENT && has_account == 1) {
		/* a new key would open none of the account's secrets */
		bw_logf(BW_LOG_ERROR, "root key: %s holds account %s but no root key (root.key, or "
		        "root.kdf for a passphrase): restore the one it was made with; refusing to "
		        "make a new one", data_dir, existing);
		goto error;
	}
	if (krc == BW_ROOT_KEY_ABSENT && create)
		krc = bw_root_key_create(data_dir, passphrase, rk);
	if (krc == BW_ROOT_KEY_ABSENT)
		bw_logf(BW_LOG_ERROR, "root key: %s has none", data_dir);
	if (krc != BW_ROOT_KEY_OK)
		goto error;
	if (s_check_root_key(*store, rk, data_dir, has_account == 1 ? existing : NULL) != 0)
		goto error;
	/* the event log's writer needs the chain key: no key, no appends */
	if (bw_events_set_root_key(*store, rk) != 0)
		goto error;
	char candidate[13], made[8];
	if (s_new_account_id(candidate) != 0 ||
	    bw_store_meta_ensure(*store, "account_id", candidate, account_id, 16) != 0) {
		bw_logf(BW_LOG_ERROR, "cannot establish the account id");
		goto error;
	}
	if (bw_store_meta_get(*store, "root_access_key_made", made, sizeof made) == 0 &&
	    s_make_root_key(*store, rk, account_id, fresh) != 0) {
		bw_logf(BW_LOG_ERROR, "cannot make the root access key");
		goto error;
	}
	return 0;
error:
	bw_store_close(*store);
	*store = NULL;
	bw_root_key_clear(rk);
	return -1;
}

/* Read a whole small file ("" when absent). */
static char *s_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? strdup("") : NULL;
	struct bw_buf b = {0};
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (b.len > (1u << 20) || bw_buf_append(&b, chunk, n) != 0) {
			fclose(f);
			bw_buf_free(&b);
			return NULL;
		}
	fclose(f);
	return bw_buf_steal(&b);
}

/* Replace section [name] of an INI text with body (appended if absent). */
static int s_ini_replace(const char *path, const char *section, const char *body)
{
	char *old = s_slurp(path);
	if (!old)
		return -1;
	struct bw_buf out = {.secret = true};
	char header[160];
	snprintf(header, sizeof header, "[%s]", section);
	bool skipping = false;
	int rc = 0;
	for (char *line = old, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		size_t len = next ? (size_t)(next - line) : strlen(line);
		if (next)
			next++;
		const char *t = line;
		while (t < line + len && (*t == ' ' || *t == '\t'))
			t++;
		if (*t == '[') {
			size_t hl = strlen(header);
			skipping = (size_t)(line + len - t) >= hl && strncmp(t, header, hl) == 0;
		}
		if (!skipping)
			rc |= bw_buf_append(&out, line, len) | bw_buf_append_byte(&out, '\n');
	}
	if (out.len && out.data[out.len - 1] == '\n' && out.len > 1 && out.data[out.len - 2] != '\n')
		rc |= bw_buf_append_byte(&out, '\n');
	rc |= bw_buf_appendf(&out, "%s\n%s", header, body);
	bw_cleanse(old, strlen(old));
	free(old);
	if (rc != 0) {
		bw_buf_free(&out);
		return -1;
	}
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.bulwark-tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, out.data, out.len) != (ssize_t)out.len || fsync(fd) != 0) {
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		bw_buf_free(&out);
		return -1;
	}
	close(fd);
	bw_buf_free(&out);
	return rename(tmp, path) == 0 ? 0 : -1;
}

static int s_aws_path(const char *env, const char *file, char *out, size_t outlen)
{
	const char *p = getenv(env);
	if (p && *p)
		return snprintf(out, outlen, "%s", p) < (int)outlen ? 0 : -1;
	const char *home = getenv("HOME");
	if (!home || !*home)
		return -1;
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/.aws", home);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -1;
	return snprintf(out, outlen, "%s/%s", dir, file) < (int)outlen ? 0 : -1;
}

int bw_account_write_profile(const char *profile, const struct bw_root_credentials *c,
                             const char *endpoint_url, const char *region)
{
	char cred_path[4096], config_path[4096], section[160], body[512];
	if (s_aws_path("AWS_SHARED_CREDENTIALS_FILE", "credentials", cred_path,
	               sizeof cred_path) != 0 ||
	    s_aws_path("AWS_CONFIG_FILE", "config", config_path, sizeof config_path) != 0)
		return -1;
	snprintf(body, sizeof body, "aws_access_key_id = %s\naws_secret_access_key = %s\n",
	         c->access_key_id, c->secret_access_key);
	int rc = s_ini_replace(cred_path, profile, body);
	bw_cleanse(body, sizeof body);
	if (rc != 0)
		return -1;
	snprintf(section, sizeof section, "%s%s", strcmp(profile, "default") == 0 ? "" : "profile ",
	         profile);
	snprintf(body, sizeof body, "region = %s\nendpoint_url = %s\noutput = json\n", region,
	         endpoint_url);
	return s_ini_replace(config_path, section, body);
}
