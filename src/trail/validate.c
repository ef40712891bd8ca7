/*
 * validate.c: `bulwark trail validate`, the counterpart of `aws cloudtrail
 * validate-logs`. It reads a trail's delivery location, walks the digest
 * chain backwards from the newest digest (the trail's state names it;
 * failing that, the newest digest file found), and checks:
 *   - each digest: its signature (from <object>.metadata.json) under the
 *     public key its digestPublicKeyFingerprint names (read from the
 *     store), over AWS's string to sign; that it is where it says it is;
 *     and that its hash and signature are the ones its successor chained;
 *   - each log file a digest lists: present, and the SHA-256 of its
 *     uncompressed content equal to the listed hashValue;
 *   - each .json.gz in the trail's log folder: listed by some digest (or
 *     delivered since the newest digest, which the next one will list).
 * Log files are valid, modified, deleted or not-in-digest; digests valid or
 * invalid (with the reason). Exit 0 when everything is valid, 1 otherwise,
 * 2 when the validation itself could not run.
 *
 * Everything read from the delivery folder is outside input: files are
 * size-capped, paths from digests are checked before use, the walk stops at
 * a loop or after S_MAX_DIGESTS.
 */
#include "trail/trail.h"

#include <dirent.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "services/cloudtrail/trails.h"
#include "store/doc.h"
#include "store/store.h"

#define S_MAX_FILE     (64u << 20)  /* compressed file read cap */
#define S_MAX_INFLATED (512u << 20) /* uncompressed content cap */
#define S_MAX_DIGESTS  200000
#define S_MAX_DEPTH    12

struct s_ctx {
	const struct bw_trail_validate_opts *o;
	json_t *digests; /* [{s3Bucket, s3Object, status, reason}] */
	json_t *logs;    /* [{s3Bucket, s3Object, status}] */
	json_t *listed;  /* {"bucket/key": true} every log file a digest lists */
	json_t *pending; /* {"bucket/key": true} delivered since the newest digest */
	double start_s, end_s;
	const char *region; /* the trail's home region */
};

/* A bucket or key from a digest, safe to join under the delivery dir. */
static bool s_safe(const char *s, bool is_bucket)
{
	if (!s || !s[0] || s[0] == '/' || strlen(s) > 1024)
		return false;
	for (const char *p = s; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == '\\' || (is_bucket && *p == '/'))
			return false;
		if ((p == s || p[-1] == '/') && p[0] == '.' && p[1] == '.' &&
		    (p[2] == '/' || !p[2]))
			return false;
	}
	return !(is_bucket && (strcmp(s, ".") == 0));
}

/* Read a whole file, at most S_MAX_FILE bytes. 1 read, 0 absent, -1 error. */
static int s_read(const char *path, struct bw_buf *out)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	int rc = 1;
	for (;;) {
		if (bw_buf_reserve(out, 65536) != 0) {
			rc = -1;
			break;
		}
		size_t n = fread(out->data + out->len, 1, 65536, f);
		out->len += n;
		out->data[out->len] = 0;
		if (out->len > S_MAX_FILE) {
			rc = -1;
			break;
		}
		if (n < 65536)
			break;
	}
	if (ferror(f))
		rc = -1;
	fclose(f);
	return rc;
}

static char *s_join(const char *bucket, const char *key)
{
	size_t n = strlen(bucket) + strlen(key) + 2;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s/%s", bucket, key);
	return s;
}

static int s_add(json_t *list, const char *bucket, const char *key, const char *status,
                 const char *reason)
{
	json_t *e =
	    json_pack("{s:s, s:s, s:s}", "s3Bucket", bucket, "s3Object", key, "status", status);
	if (!e || (reason && json_object_set_new(e, "reason", json_string(reason)) != 0)) {
		json_decref(e);
		return -1;
	}
	return json_array_append_new(list, e);
}

/* Check one listed log file. */
static int s_check_log(struct s_ctx *c, struct bw_store *store, const char *account,
                       const char *region, const json_t *lf)
{
	const char *bucket = json_string_value(json_object_get(lf, "s3Bucket"));
	const char *key = json_string_value(json_object_get(lf, "s3Object"));
	const char *want = json_string_value(json_object_get(lf, "hashValue"));
	if (!s_safe(bucket, true) || !s_safe(key, false) || !want)
		return s_add(c->logs, bucket ? bucket : "", key ? key : "", "modified",
		             "the digest's entry for it is malformed");
	char *id = s_join(bucket, key);
	if (!id || json_object_set_new(c->listed, id, json_true()) != 0) {
		free(id);
		return -1;
	}
	free(id);
	char path[4096], got[65];
	struct bw_buf raw = {0}, text = {0};
	const char *status = "valid";
	if (bw_trail_local_path(bucket, key, path, sizeof path) != 0)
		return -1;
	int r = s_read(path, &raw);
	const char *reason = NULL;
	if (r == 1 && bw_trail_is_encrypted(bw_cur_from(raw.data, raw.len))) {
		/* Encrypted under the trail's KMS key: the hash is of the content. */
		struct bw_buf gz = {0};
		if (!c->o->rk) {
			status = "unverifiable";
			reason = "encrypted under a KMS key; the root key is needed to read it";
		} else if (bw_trail_decrypt_log(store, c->o->rk, account, region,
		                                bw_cur_from(raw.data, raw.len), &gz) != 0) {
			status = "modified";
			reason = "encrypted, and it does not decrypt";
		}
		bw_buf_free(&raw);
		raw = gz;
	}
	if (reason) {
		/* status set above */
	} else if (r == 0) {
		status = "deleted";
	} else if (r < 0 ||
	           bw_trail_gunzip(bw_cur_from(raw.data, raw.len), S_MAX_INFLATED, &text) != 0) {
		status = "modified";
	} else {
		bw_trail_sha256_hex(bw_cur_from(text.data, text.len), got);
		if (strcmp(got, want) != 0)
			status = "modified";
	}
	bw_buf_free(&raw);
	bw_buf_free(&text);
	return s_add(c->logs, bucket, key, status, reason);
}

/* What the successor digest said of this one. */
struct s_link {
	char *bucket, *key, *hash, *signature;
};

static void s_link_free(struct s_link *l)
{
	free(l->bucket);
	free(l->key);
	free(l->hash);
	free(l->signature);
	memset(l, 0, sizeof *l);
}

static char *s_dup(const json_t *o, const char *member)
{
	const char *s = json_string_value(json_object_get(o, member));
	return s ? strdup(s) : NULL;
}

/* Check the digest at link; fill *next with its predecessor (none: bucket NULL).
 * 1 when the walk should stop before this digest (older than the range). */
static int s_check_digest(struct s_ctx *c, struct bw_store *store, const char *account,
                          const struct s_link *link, struct s_link *next)
{
	char path[4096], hash[65];
	struct bw_buf raw = {0}, text = {0}, meta = {0}, der = {0}, sts = {0};
	json_t *doc = NULL, *mdoc = NULL;
	const char *why = NULL;
	int rc = 0;
	memset(next, 0, sizeof *next);
	if (bw_trail_local_path(link->bucket, link->key, path, sizeof path) != 0)
		return -1;
	int r = s_read(path, &raw);
	if (r == 0) {
		why = "deleted: the digest file is not there";
		goto report;
	}
	if (r < 0 || bw_trail_gunzip(bw_cur_from(raw.data, raw.len), S_MAX_INFLATED, &text) != 0) {
		why = "not a gzip file";
		goto report;
	}
	doc = json_loadb((const char *)text.data, text.len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(doc)) {
		why = "not a digest (JSON object)";
		goto report;
	}
	/* Its predecessor, to walk on even when this one is bad. */
	next->bucket = s_dup(doc, "previousDigestS3Bucket");
	next->key = s_dup(doc, "previousDigestS3Object");
	next->hash = s_dup(doc, "previousDigestHashValue");
	next->signature = s_dup(doc, "previousDigestSignature");
	if (next->bucket && (!s_safe(next->bucket, true) || !s_safe(next->key, false)))
		s_link_free(next);
	double t_end = 0, t_start = 0;
	const char *end = json_string_value(json_object_get(doc, "digestEndTime"));
	const char *start = json_string_value(json_object_get(doc, "digestStartTime"));
	if (!end || !start || !bw_parse_iso8601(end, &t_end) ||
	    !bw_parse_iso8601(start, &t_start)) {
		why = "no valid digestStartTime / digestEndTime";
		goto report;
	}
	if (c->end_s > 0 && t_start > c->end_s) {
		rc = 2; /* newer than the range: walk on without reporting it */
		goto done;
	}
	if (c->start_s > 0 && t_end < c->start_s) {
		rc = 1;
		goto done;
	}
	const char *b = json_string_value(json_object_get(doc, "digestS3Bucket"));
	const char *k = json_string_value(json_object_get(doc, "digestS3Object"));
	if (!b || !k || strcmp(b, link->bucket) != 0 || strcmp(k, link->key) != 0) {
		why = "its digestS3Bucket / digestS3Object are not where it is";
		goto report;
	}
	bw_trail_sha256_hex(bw_cur_from(text.data, text.len), hash);
	if (link->hash && strcmp(link->hash, hash) != 0) {
		why = "its hash is not the one the next digest chained";
		goto report;
	}
	strcat(path, ".metadata.json");
	if (s_read(path, &meta) != 1 ||
	    !(mdoc = json_loadb((const char *)meta.data, meta.len, 0, NULL))) {
		why = "its signature (.metadata.json) is missing";
		goto report;
	}
	const char *sig = json_string_value(json_object_get(mdoc, "signature"));
	const char *alg = json_string_value(json_object_get(mdoc, "signature-algorithm"));
	if (!sig || !alg || strcmp(alg, "SHA256withRSA") != 0) {
		why = "its signature metadata is malformed";
		goto report;
	}
	if (link->signature && strcmp(link->signature, sig) != 0) {
		why = "its signature is not the one the next digest chained";
		goto report;
	}
	const char *fp = json_string_value(json_object_get(doc, "digestPublicKeyFingerprint"));
	int kr = fp && strlen(fp) == 32 ? bw_trail_key_public(store, account, fp, &der) : 0;
	if (kr < 0) {
		rc = -1;
		goto done;
	}
	if (kr == 0) {
		why = "no public key has its digestPublicKeyFingerprint";
		goto report;
	}
	const char *prev_sig = json_string_value(json_object_get(doc, "previousDigestSignature"));
	if (bw_trail_string_to_sign(end, b, k, bw_cur_from(text.data, text.len), prev_sig, &sts) !=
	    0) {
		rc = -1;
		goto done;
	}
	if (bw_trail_verify(bw_cur_from(der.data, der.len), bw_cur_from(sts.data, sts.len), sig) !=
	    1) {
		why = "signature verification failed";
		goto report;
	}
report:;
	size_t i;
	json_t *lf;
	json_array_foreach(json_object_get(doc, "logFiles"), i,
	                   lf) if (s_check_log(c, store, account, c->region, lf) != 0)
	{
		rc = -1;
		goto done;
	}
	if (s_add(c->digests, link->bucket, link->key, why ? "invalid" : "valid", why) != 0)
		rc = -1;
done:
	json_decref(doc);
	json_decref(mdoc);
	bw_buf_free(&raw);
	bw_buf_free(&text);
	bw_buf_free(&meta);
	bw_buf_free(&der);
	bw_buf_free(&sts);
	return rc;
}

/* The time in a log file's name (..._<YYYYMMDDTHHmmZ>_<unique>.json.gz). */
static double s_log_time(const char *name)
{
	size_t n = strlen(name);
	if (n < 8 + 16 + 1 + 14 + 1)
		return 0;
	const char *t = name + n - 8 - 16 - 1 - 14;
	char iso[32];
	snprintf(iso, sizeof iso, "%.4s-%.2s-%.2sT%.2s:%.2s:00Z", t, t + 4, t + 6, t + 9, t + 11);
	double s = 0;
	return bw_parse_iso8601(iso, &s) ? s : 0;
}

/* Every .json.gz under dir (key prefix key): not-in-digest unless listed. */
static int s_scan(struct s_ctx *c, const char *bucket, const char *dir, const char *key, int depth)
{
	if (depth > S_MAX_DEPTH)
		return 0;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char sub[4096], subkey[4096];
		struct stat st;
		if (snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name) >= (int)sizeof sub ||
		    snprintf(subkey, sizeof subkey, "%s%s", key, e->d_name) >= (int)sizeof subkey ||
		    lstat(sub, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			strcat(subkey, "/");
			rc = s_scan(c, bucket, sub, subkey, depth + 1);
			continue;
		}
		size_t n = strlen(e->d_name);
		if (!S_ISREG(st.st_mode) || n < 8 || strcmp(e->d_name + n - 8, ".json.gz") != 0)
			continue;
		double t = s_log_time(e->d_name);
		if ((c->start_s > 0 && t > 0 && t + 60 < c->start_s) ||
		    (c->end_s > 0 && t > c->end_s))
			continue;
		char *id = s_join(bucket, subkey);
		if (!id) {
			rc = -1;
			break;
		}
		if (!json_object_get(c->listed, id) && !json_object_get(c->pending, id))
			rc = s_add(c->logs, bucket, subkey, "not-in-digest", NULL);
		free(id);
	}
	closedir(d);
	return rc;
}

/* The newest digest file of the trail in its digest folder, when the store
 * names none. */
static int s_newest_digest(const char *bucket, const char *dir, const char *key, int depth,
                           char *best_name, char *best_key, size_t len)
{
	if (depth > S_MAX_DEPTH)
		return 0;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char sub[4096], subkey[4096];
		struct stat st;
		if (snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name) >= (int)sizeof sub ||
		    snprintf(subkey, sizeof subkey, "%s%s", key, e->d_name) >= (int)sizeof subkey ||
		    lstat(sub, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			strcat(subkey, "/");
			(void)s_newest_digest(bucket, sub, subkey, depth + 1, best_name, best_key,
			                      len);
			continue;
		}
		size_t n = strlen(e->d_name);
		/* names end _<YYYYMMDDTHHmmssZ>.json.gz: compare that stamp */
		if (n < 24 || strcmp(e->d_name + n - 8, ".json.gz") != 0)
			continue;
		const char *stamp = e->d_name + n - 8 - 16;
		if (!best_name[0] || strcmp(stamp, best_name) > 0) {
			snprintf(best_name, len, "%s", stamp);
			snprintf(best_key, len, "%s", subkey);
		}
	}
	closedir(d);
	return 0;
}

static void s_print(struct s_ctx *c, FILE *out, size_t bad_logs, size_t bad_digests)
{
	size_t nd = json_array_size(c->digests), nl = json_array_size(c->logs);
	if (c->o->json) {
		json_t *j = json_pack(
		    "{s:O, s:O, s:{s:I, s:I, s:I, s:I}, s:b}", "digests", c->digests, "logFiles",
		    c->logs, "summary", "digestFiles", (json_int_t)nd, "digestFilesValid",
		    (json_int_t)(nd - bad_digests), "logFiles", (json_int_t)nl, "logFilesValid",
		    (json_int_t)(nl - bad_logs), "valid", bad_logs + bad_digests == 0 && nd + nl > 0);
		char *s = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
		if (s)
			fprintf(out, "%s\n", s);
		free(s);
		json_decref(j);
		return;
	}
	size_t i;
	json_t *e;
	json_array_foreach(c->digests, i, e)
	{
		const char *reason = json_string_value(json_object_get(e, "reason"));
		fprintf(out, "Digest file s3://%s/%s\t%s%s%s\n",
		        json_string_value(json_object_get(e, "s3Bucket")),
		        json_string_value(json_object_get(e, "s3Object")),
		        json_string_value(json_object_get(e, "status")), reason ? ": " : "",
		        reason ? reason : "");
	}
	json_array_foreach(c->logs, i, e) fprintf(out, "Log file s3://%s/%s\t%s\n",
	                                          json_string_value(json_object_get(e, "s3Bucket")),
	                                          json_string_value(json_object_get(e, "s3Object")),
	                                          json_string_value(json_object_get(e, "status")));
	fprintf(out, "%zu/%zu digest files valid, %zu/%zu log files valid\n", nd - bad_digests, nd,
	        nl - bad_logs, nl);
}

int bw_trail_validate(struct bw_store *store, const char *account,
                      const struct bw_trail_validate_opts *o, FILE *out, FILE *err)
{
	const char *given = o->trail;
	const char *slash = given ? strstr(given, ":trail/") : NULL;
	const char *name = slash ? slash + 7 : given;
	json_t *trail = NULL, *state = NULL;
	struct s_ctx c = {.o = o, .start_s = o->start_s, .end_s = o->end_s};
	struct s_link link = {0}, next = {0};
	int rc = 2;
	if (!name || !name[0] || strlen(name) > 128 || strchr(name, '/')) {
		fprintf(err, "bulwark trail validate: --trail NAME is required\n");
		return 2;
	}
	bw_trail_set_data_dir(o->data_dir);
	if (bw_doc_get(store, BW_CT_TRAIL, account, name, &trail) != BW_STORE_OK) {
		fprintf(err, "bulwark trail validate: no trail named %s\n", name);
		return 2;
	}
	/* no state yet means nothing was delivered; an unreadable one must not pass */
	if (bw_doc_get(store, BW_CT_TRAIL_STATE, account, name, &state) == BW_STORE_ERROR) {
		fprintf(err, "bulwark trail validate: cannot read the state of trail %s\n", name);
		goto done;
	}
	c.digests = json_array();
	c.logs = json_array();
	c.listed = json_object();
	c.pending = json_object();
	if (!c.digests || !c.logs || !c.listed || !c.pending)
		goto done;
	const char *bucket = json_string_value(json_object_get(trail, "S3BucketName"));
	const char *prefix = json_string_value(json_object_get(trail, "S3KeyPrefix"));
	const char *region = json_string_value(json_object_get(trail, "HomeRegion"));
	char pfx[512] = "", base[4096], dir[4096], key[4096], best[4096] = "", best_key[4096] = "";
	if (!bucket || !region)
		goto done;
	c.region = region;
	if (prefix && prefix[0])
		snprintf(pfx, sizeof pfx, "%s%s", prefix,
		         prefix[strlen(prefix) - 1] == '/' ? "" : "/");
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(state, "PendingLogs"), i, e)
	{
		char *id = s_join(json_string_value(json_object_get(e, "s3Bucket")),
		                  json_string_value(json_object_get(e, "s3Object")));
		if (!id || json_object_set_new(c.pending, id, json_true()) != 0) {
			free(id);
			goto done;
		}
		free(id);
	}
	/* The head of the chain: the newest digest the store knows of. */
	const json_t *head = json_object_get(state, "PrevDigest");
	if (head) {
		link.bucket = s_dup(head, "s3Bucket");
		link.key = s_dup(head, "s3Object");
		link.hash = s_dup(head, "hashValue");
		link.signature = s_dup(head, "signature");
	} else {
		snprintf(key, sizeof key, "%sAWSLogs/%s/CloudTrail-Digest/%s/", pfx, account,
		         region);
		if (bw_trail_local_path(bucket, key, dir, sizeof dir) == 0)
			(void)s_newest_digest(bucket, dir, key, 0, best, best_key, sizeof best);
		if (best_key[0]) {
			link.bucket = strdup(bucket);
			link.key = strdup(best_key);
		}
	}
	json_t *seen = json_object();
	if (!seen)
		goto done;
	for (size_t n = 0; link.bucket && link.key && n < S_MAX_DIGESTS; n++) {
		char *id = s_join(link.bucket, link.key);
		if (!id || json_object_get(seen, id)) {
			free(id);
			break; /* a loop: each digest is checked once */
		}
		(void)json_object_set_new(seen, id, json_true());
		free(id);
		int r = s_check_digest(&c, store, account, &link, &next);
		if (r < 0) {
			json_decref(seen);
			goto done;
		}
		s_link_free(&link);
		link = next;
		memset(&next, 0, sizeof next);
		if (r == 1)
			break;
	}
	json_decref(seen);
	snprintf(key, sizeof key, "%sAWSLogs/%s/CloudTrail/%s/", pfx, account, region);
	if (bw_trail_local_path(bucket, key, base, sizeof base) != 0 ||
	    s_scan(&c, bucket, base, key, 0) != 0)
		goto done;
	size_t bad_logs = 0, bad_digests = 0;
	json_array_foreach(c.logs, i, e) bad_logs +=
	    strcmp(json_string_value(json_object_get(e, "status")), "valid") != 0;
	json_array_foreach(c.digests, i, e) bad_digests +=
	    strcmp(json_string_value(json_object_get(e, "status")), "valid") != 0;
	s_print(&c, out, bad_logs, bad_digests);
	rc = bad_logs + bad_digests ? 1 : 0;
	if (json_array_size(c.digests) + json_array_size(c.logs) == 0) {
		/* nothing checked is not "valid": a trail that never delivered,
		 * or a range before its first file, proves nothing */
		fprintf(err, "bulwark trail validate: trail %s has no digest or log file%s yet: "
		        "nothing to validate (log files are delivered every "
		        "--trail-delivery-interval-s, digests every --trail-digest-interval-s)\n",
		        name, o->start_s != 0 || o->end_s != 0 ? " in this range" : "");
		rc = 2;
		goto nothing;
	}
done:
	if (rc == 2)
		fprintf(err, "bulwark trail validate: could not validate (out of memory or store "
		             "error)\n");
nothing:
	s_link_free(&link);
	s_link_free(&next);
	json_decref(trail);
	json_decref(state);
	json_decref(c.digests);
	json_decref(c.logs);
	json_decref(c.listed);
	json_decref(c.pending);
	return rc;
}

int bw_trail_validate_main(int argc, char **argv)
{
	enum { OPT_DATA = 1, OPT_TRAIL, OPT_START, OPT_END, OPT_JSON, OPT_HELP };
	static const struct option opts[] = {
	    {"data-dir", required_argument, NULL, OPT_DATA},
	    {"trail", required_argument, NULL, OPT_TRAIL},
	    {"start-time", required_argument, NULL, OPT_START},
	    {"end-time", required_argument, NULL, OPT_END},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"help", no_argument, NULL, OPT_HELP},
	    {0},
	};
	struct bw_trail_validate_opts o = {.data_dir = "./data"};
	static const char usage[] =
	    "usage: bulwark trail validate --data-dir DIR --trail NAME [--start-time ISO]\n"
	    "                              [--end-time ISO] [--json]\n";
	int c;
	optind = 1;
	opterr = 0; /* the complaint below names the option */
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DATA:
			o.data_dir = optarg;
			break;
		case OPT_TRAIL:
			o.trail = optarg;
			break;
		case OPT_START:
		case OPT_END:
			if (!bw_parse_any_time(optarg, c == OPT_START ? &o.start_s : &o.end_s)) {
				fprintf(stderr, "bulwark trail validate: bad time %s\n", optarg);
				return 2;
			}
			break;
		case OPT_JSON:
			o.json = true;
			break;
		case 'h':
		case OPT_HELP:
			fputs(usage, stdout);
			return 0;
		case ':':
			fprintf(stderr, "bulwark trail validate: option %s needs a value\n",
			        argv[optind - 1]);
			fputs(usage, stderr);
			return 2;
		default:
			if (strncmp(argv[optind - 1], "--", 2) != 0)
				fprintf(stderr, "bulwark trail validate: unknown option -%c\n", optopt);
			else
				fprintf(stderr, optopt ? "bulwark trail validate: option %.*s takes no "
				                         "value\n"
				                       : "bulwark trail validate: unknown option %.*s\n",
				        (int)strcspn(argv[optind - 1], "="), argv[optind - 1]);
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind != argc || !o.trail) {
		if (optind != argc)
			fprintf(stderr, "bulwark trail validate: unexpected argument '%s'\n",
			        argv[optind]);
		else
			fprintf(stderr, "bulwark trail validate: --trail NAME is required\n");
		fputs(usage, stderr);
		return 2;
	}
	bw_log_init(stderr, BW_LOG_WARN);
	/* validating reads: it never makes a data directory or a database */
	char db[4096];
	struct stat st;
	int n = snprintf(db, sizeof db, "%s/bulwark.db", o.data_dir);
	if (n < 0 || (size_t)n >= sizeof db || stat(db, &st) != 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "bulwark trail validate: %s is not a data directory (no bulwark.db)\n",
		        o.data_dir);
		return 2;
	}
	struct bw_store *store = NULL;
	char account[16];
	if (bw_store_open(o.data_dir, &store) != 0)
		return 2;
	int rc = 2;
	/* The root key opens log files encrypted under a KMS key; without it
	 * those are reported unverifiable and everything else is checked. */
	struct bw_root_key rk = {0};
	if (bw_root_key_load(o.data_dir, getenv("BULWARK_PASSPHRASE"), &rk) == BW_ROOT_KEY_OK)
		o.rk = &rk;
	if (bw_store_meta_get(store, "account_id", account, sizeof account) != 1)
		fprintf(stderr, "bulwark trail validate: %s holds no account\n", o.data_dir);
	else
		rc = bw_trail_validate(store, account, &o, stdout, stderr);
	bw_root_key_clear(&rk);
	bw_store_close(store);
	return rc;
}
