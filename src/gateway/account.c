/* account.c: bootstrapping the installation's account and root credentials. */
#include "gateway/account.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int bw_account_open(const char *data_dir, const char *passphrase, bool create,
                    struct bw_store **store, struct bw_root_key *rk, char account_id[16],
                    struct bw_root_credentials *fresh)
{
	memset(fresh, 0, sizeof *fresh);
	*store = NULL;
	if (bw_store_open(data_dir, store) != 0)
		return -1;
	enum bw_root_key_rc krc = bw_root_key_load(data_dir, passphrase, rk);
	if (krc == BW_ROOT_KEY_ABSENT && create)
		krc = bw_root_key_create(data_dir, passphrase, rk);
	if (krc != BW_ROOT_KEY_OK)
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
