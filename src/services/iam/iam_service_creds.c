/*
 * iam_service_creds.c: service-specific credentials of IAM users —
 * Create, List, Reset, Update and DeleteServiceSpecificCredential.
 *
 * Two kinds, as AWS has them: a user name and password (CodeCommit's Git
 * credentials, Amazon Keyspaces), and long-term API keys (Amazon Bedrock,
 * CloudWatch Logs: an alias and a secret, optionally expiring after
 * CredentialAgeDays). At most two per user per service. The password or
 * secret is shown once, by Create and Reset; the store keeps only its
 * Argon2id hash, and the trail drops it (its shapes are sensitive).
 */
#include <argon2.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "core/encoding.h"
#include "gateway/resource.h"
#include "services/iam/iam_errors.h"
#include "services/iam/iam_identity.h"
#include "services/iam/iam_store.h"
#include "services/iam/iam_util.h"
#include "store/doc.h"

/* OWASP's Argon2id floor (19 MiB, 2 passes): the secrets are 256 random
 * bits, so the hash guards a stolen database, not a guessable password. */
#define S_ARGON2_T     2
#define S_ARGON2_M_KIB 19456
#define S_ARGON2_LANES 1
#define S_SALT_BYTES   16
#define S_HASH_BYTES   32
#define S_ENCODED_MAX  160
#define S_SECRET_BYTES 32
#define S_AGE_DAYS_MAX 36600
#define S_DAY_S        86400.0

/* The services AWS issues these credentials for; api_key: an alias and a
 * secret (long-term API keys, which may expire) rather than a user name
 * and password. */
static const struct {
	const char *name;
	bool api_key;
} s_services[] = {
    {"bedrock.amazonaws.com", true},
    {"cassandra.amazonaws.com", false},
    {"codecommit.amazonaws.com", false},
    {"logs.amazonaws.com", true},
};

static int s_service(const char *name)
{
	for (size_t i = 0; name && i < sizeof s_services / sizeof s_services[0]; i++)
		if (strcmp(s_services[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int s_not_supported(struct bw_call *call, const char *name)
{
	return bw_fail(call, IAM_SERVICE_NOT_SUPPORTED, name ? name : "");
}

/* --- hashing
 * ------------------------------------------------------------------ */

int bw_iam_secret_hash(const char *secret, char *out, size_t outlen)
{
	uint8_t salt[S_SALT_BYTES];
	if (RAND_bytes(salt, sizeof salt) != 1)
		return -1;
	int rc =
	    argon2id_hash_encoded(S_ARGON2_T, S_ARGON2_M_KIB, S_ARGON2_LANES, secret,
	                          strlen(secret), salt, sizeof salt, S_HASH_BYTES, out, outlen);
	return rc == ARGON2_OK ? 0 : -1;
}

int bw_iam_secret_verify(const char *encoded, const char *secret)
{
	if (!encoded || !secret || strncmp(encoded, "$argon2id$", 10) != 0)
		return -1;
	int rc = argon2id_verify(encoded, secret, strlen(secret));
	return rc == ARGON2_OK ? 1 : rc == ARGON2_VERIFY_MISMATCH ? 0 : -1;
}

/* A new secret: 256 random bits in base64 ("ABSK" first for an API key,
 * as Bedrock's keys begin). Into a secret buffer. */
static int s_new_secret(bool api_key, struct bw_buf *out)
{
	uint8_t raw[S_SECRET_BYTES];
	struct bw_buf b64 = {.secret = true};
	int rc = -1;
	out->secret = true;
	if (RAND_bytes(raw, sizeof raw) == 1 && bw_base64_encode(raw, sizeof raw, &b64) == 0 &&
	    (!api_key || bw_buf_append_str(out, "ABSK") == 0) &&
	    bw_buf_append_str(out, bw_buf_cstr(&b64)) == 0)
		rc = 0;
	bw_cleanse(raw, sizeof raw);
	bw_buf_free(&b64);
	return rc;
}

/* --- rows: resources and condition keys
 * ------------------------------------------------------------------ */

/* iam:ServiceSpecificCredentialServiceName and ...AgeDays (Create). */
int bw_iam_service_cred_keys(struct bw_call *call, const json_t *in, json_t *extra)
{
	(void)call;
	const char *svc = bw_iam_str(in, "ServiceName");
	const json_t *age = json_object_get(in, "CredentialAgeDays");
	char days[32];
	if (svc && json_object_set_new(extra, "iam:ServiceSpecificCredentialServiceName",
	                               json_string(svc)) != 0)
		return -1;
	if (!json_is_integer(age))
		return 0;
	snprintf(days, sizeof days, "%lld", (long long)json_integer_value(age));
	return json_object_set_new(extra, "iam:ServiceSpecificCredentialAgeDays",
	                           json_string(days));
}

/* ListServiceSpecificCredentials: AllUsers acts on every user. */
int bw_iam_service_cred_list_resource(struct bw_call *call, const json_t *in,
                                      struct bw_resource *res)
{
	if (json_is_true(json_object_get(in, "AllUsers")))
		return bw_buf_appendf(&res->arn, "arn:aws:iam::%s:user/*", call->account_id);
	return bw_iam_user_resource(call, in, res);
}

/* --- shared
 * ------------------------------------------------------------------ */

int bw_iam_service_cred_count(struct bw_call *call, const char *user_id, size_t *n)
{
	char prefix[BW_IAM_KEY_MAX];
	*n = 0;
	if (!user_id || bw_iam_keyf(prefix, sizeof prefix, "%s/", user_id) != 0)
		return -1;
	return bw_doc_count(call->store, BW_IAM_SERVICE_CREDENTIAL, call->account_id, prefix, n) ==
	               BW_STORE_OK
	           ? 0
	           : -1;
}

/* The user the request names (or the calling user): its document. The
 * account root has no service-specific credentials. */
static int s_user_or_fail(struct bw_call *call, const json_t *in, json_t **user)
{
	const char *name = NULL;
	*user = NULL;
	if (bw_iam_caller_user_or_fail(call, in, &name) != 0)
		return -1;
	if (!name[0])
		return bw_fail(call, IAM_USER_NAME_NEEDED);
	return bw_iam_user_load_or_fail(call, name, user);
}

static bool s_expired(const json_t *doc, double now_s)
{
	const json_t *exp = json_object_get(doc, "ExpirationDate");
	return json_is_number(exp) && json_number_value(exp) <= now_s;
}

/* The credential as List shows it: no secret, no hash, the user's current
 * name, Expired once past its expiration. */
static json_t *s_metadata(const json_t *doc, const char *user_name, double now_s)
{
	json_t *o = json_deep_copy(doc);
	if (!o)
		return NULL;
	json_object_del(o, "PasswordHash");
	json_object_del(o, "UserId");
	if (json_object_set_new(o, "UserName", json_string(user_name ? user_name : "")) != 0 ||
	    (s_expired(doc, now_s) &&
	     json_object_set_new(o, "Status", json_string("Expired")) != 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The credential with its new secret, as Create and Reset return it. */
static int s_set_out_with_secret(struct bw_call *call, json_t *out, const json_t *doc,
                                 const char *user_name, const char *secret)
{
	json_t *o = s_metadata(doc, user_name, call->now_s);
	int api = s_service(bw_iam_str(doc, "ServiceName"));
	const char *member =
	    api >= 0 && s_services[api].api_key ? "ServiceCredentialSecret" : "ServicePassword";
	if (!o || json_object_set_new(o, member, json_string(secret)) != 0 ||
	    json_object_set_new(out, "ServiceSpecificCredential", o) != 0) {
		json_decref(o);
		return bw_iam_internal(call);
	}
	return 0;
}

/* "<user>-at-<account>", then "<user>+1-at-<account>" ...: the first
 * name none of the user's credentials for this service has. */
static int s_service_user_name(const json_t *rows, const char *user, const char *account,
                               const char *member, char *out, size_t outlen)
{
	for (int n = 0; n <= BW_IAM_QUOTA_SERVICE_CREDS_PER_SERVICE; n++) {
		int rc = n ? bw_iam_keyf(out, outlen, "%s+%d-at-%s", user, n, account)
		           : bw_iam_keyf(out, outlen, "%s-at-%s", user, account);
		if (rc != 0)
			return -1;
		bool taken = false;
		size_t i;
		json_t *row;
		json_array_foreach(rows, i, row)
		{
			const char *have = bw_iam_str(json_object_get(row, "doc"), member);
			taken = taken || (have && strcmp(have, out) == 0);
		}
		if (!taken)
			return 0;
	}
	return -1;
}

/* --- CreateServiceSpecificCredential
 * ------------------------------------------------------------------ */

static int s_create(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *service = bw_iam_str(in, "ServiceName");
	const json_t *age = json_object_get(in, "CredentialAgeDays");
	int si = s_service(service);
	json_t *user = NULL, *rows = NULL, *doc = NULL;
	struct bw_buf secret = {.secret = true};
	char prefix[BW_IAM_KEY_MAX], key[BW_IAM_KEY_MAX], id[32], uname[BW_IAM_KEY_MAX];
	char hash[S_ENCODED_MAX];
	int rc = -1;
	if (si < 0)
		return s_not_supported(call, service);
	bool api_key = s_services[si].api_key;
	if (age && !api_key)
		return bw_fail(call, IAM_CREDENTIAL_AGE_NOT_API_KEY);
	if (age && (json_integer_value(age) < 1 || json_integer_value(age) > S_AGE_DAYS_MAX))
		return bw_fail(call, IAM_CREDENTIAL_AGE_RANGE, (long long)json_integer_value(age));
	if (s_user_or_fail(call, in, &user) != 0)
		return -1;
	const char *user_id = bw_iam_str(user, "UserId");
	const char *user_name = bw_iam_str(user, "UserName");
	if (!user_id || !user_name || bw_iam_keyf(prefix, sizeof prefix, "%s/", user_id) != 0 ||
	    bw_iam_list_all(call, BW_IAM_SERVICE_CREDENTIAL, prefix, &rows) != 0) {
		if (!call->failed)
			bw_iam_internal(call);
		goto done;
	}
	/* only this service's count toward its quota */
	size_t have = 0, i;
	json_t *row;
	json_array_foreach(rows, i, row)
	{
		const char *s = bw_iam_str(json_object_get(row, "doc"), "ServiceName");
		if (s && strcmp(s, service) == 0)
			have++;
		else
			json_array_remove(rows, i--);
	}
	if (have >= BW_IAM_QUOTA_SERVICE_CREDS_PER_SERVICE) {
		bw_fail(call, IAM_QUOTA_EXCEEDED, "ServiceSpecificCredentialsPerUserPerService",
		        BW_IAM_QUOTA_SERVICE_CREDS_PER_SERVICE);
		goto done;
	}
	const char *member = api_key ? "ServiceCredentialAlias" : "ServiceUserName";
	if (s_service_user_name(rows, user_name, call->account_id, member, uname, sizeof uname) !=
	        0 ||
	    bw_iam_new_id("ACCA", id, sizeof id) != 0 ||
	    bw_iam_keyf(key, sizeof key, "%s%s", prefix, id) != 0 ||
	    s_new_secret(api_key, &secret) != 0 ||
	    bw_iam_secret_hash(bw_buf_cstr(&secret), hash, sizeof hash) != 0) {
		bw_iam_internal(call);
		goto done;
	}
	doc = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:f,s:s}", "ServiceSpecificCredentialId", id,
	                "UserName", user_name, "UserId", user_id, "ServiceName", service, member,
	                uname, "Status", "Active", "CreateDate", call->now_s, "PasswordHash", hash);
	if (!doc ||
	    (age && json_object_set_new(
	                doc, "ExpirationDate",
	                json_real(call->now_s + S_DAY_S * (double)json_integer_value(age))) != 0)) {
		bw_iam_internal(call);
		goto done;
	}
	if (bw_doc_create(call->store, BW_IAM_SERVICE_CREDENTIAL, call->account_id, key, doc) !=
	    BW_STORE_OK) {
		bw_iam_internal(call);
		goto done;
	}
	rc = s_set_out_with_secret(call, out, doc, user_name, bw_buf_cstr(&secret));
done:
	bw_cleanse(hash, sizeof hash);
	bw_buf_free(&secret);
	json_decref(doc);
	json_decref(rows);
	json_decref(user);
	return rc;
}

int bw_iam_create_service_specific_credential(struct bw_call *call, const json_t *in, json_t *out)
{
	if (bw_store_begin(call->store) != 0)
		return bw_iam_internal(call);
	if (s_create(call, in, out) != 0) {
		bw_store_rollback(call->store);
		return -1;
	}
	if (bw_store_commit(call->store) != 0)
		return bw_iam_internal(call);
	return 0;
}

/* --- ListServiceSpecificCredentials
 * ------------------------------------------------------------------ */

static bool s_service_filter(const json_t *doc, void *ctx)
{
	const char *want = ctx, *have = bw_iam_str(doc, "ServiceName");
	return !want || (have && strcmp(want, have) == 0);
}

/* The current name of a user by its unique id (AllUsers). */
static const char *s_user_name_by_id(struct bw_call *call, const char *user_id, json_t **hold)
{
	*hold = NULL;
	if (!user_id ||
	    bw_doc_get(call->store, BW_IAM_ID, call->account_id, user_id, hold) != BW_STORE_OK)
		return NULL;
	return bw_iam_str(*hold, "Name");
}

int bw_iam_list_service_specific_credentials(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *service = bw_iam_str(in, "ServiceName");
	bool all = json_is_true(json_object_get(in, "AllUsers"));
	json_t *user = NULL, *items = NULL, *list = NULL;
	struct bw_iam_page page;
	char prefix[BW_IAM_KEY_MAX] = "";
	if (service && s_service(service) < 0)
		return s_not_supported(call, service);
	if (all && bw_iam_str(in, "UserName"))
		return bw_fail(call, IAM_ALL_USERS_WITH_USER_NAME);
	if (!all) {
		const char *name = NULL;
		if (bw_iam_caller_user_or_fail(call, in, &name) != 0)
			return -1;
		/* the account root has none */
		if (!name[0])
			return json_object_set_new(out, "ServiceSpecificCredentials",
			                           json_array()) == 0
			           ? bw_iam_set_paging(out, false, NULL) == 0
			                 ? 0
			                 : bw_iam_internal(call)
			           : bw_iam_internal(call);
		if (bw_iam_user_load_or_fail(call, name, &user) != 0)
			return -1;
		if (bw_iam_keyf(prefix, sizeof prefix, "%s/", bw_iam_str(user, "UserId")) != 0) {
			json_decref(user);
			return bw_iam_internal(call);
		}
	}
	if (bw_iam_page_or_fail(call, in, &page) != 0) {
		json_decref(user);
		return -1;
	}
	int rc = bw_iam_list_or_fail(call, BW_IAM_SERVICE_CREDENTIAL, prefix, &page,
	                             s_service_filter, (void *)service, &items, out);
	bw_iam_page_free(&page);
	if (rc != 0) {
		json_decref(user);
		return -1;
	}
	list = json_array();
	size_t i;
	json_t *doc;
	json_array_foreach(items, i, doc)
	{
		json_t *hold = NULL;
		const char *uname = user
		                        ? bw_iam_str(user, "UserName")
		                        : s_user_name_by_id(call, bw_iam_str(doc, "UserId"), &hold);
		json_t *m =
		    s_metadata(doc, uname ? uname : bw_iam_str(doc, "UserName"), call->now_s);
		json_decref(hold);
		if (!m || !list || json_array_append_new(list, m) != 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0 && json_object_set_new(out, "ServiceSpecificCredentials", list) == 0)
		list = NULL;
	else
		rc = bw_iam_internal(call);
	json_decref(list);
	json_decref(items);
	json_decref(user);
	return rc;
}

/* --- Reset / Update / Delete: one credential of one user
 * ------------------------------------------------------------------ */

/* The credential (new reference) and its store key, or NoSuchEntity. */
static int s_cred_or_fail(struct bw_call *call, const json_t *in, json_t **user, json_t **doc,
                          char key[BW_IAM_KEY_MAX])
{
	const char *id = bw_iam_str(in, "ServiceSpecificCredentialId");
	*doc = NULL;
	if (s_user_or_fail(call, in, user) != 0)
		return -1;
	if (!id || bw_iam_keyf(key, BW_IAM_KEY_MAX, "%s/%s", bw_iam_str(*user, "UserId"), id) != 0)
		return bw_fail(call, IAM_NO_SUCH_SERVICE_CREDENTIAL, id ? id : "");
	int rc = bw_doc_get(call->store, BW_IAM_SERVICE_CREDENTIAL, call->account_id, key, doc);
	if (rc == BW_STORE_NOT_FOUND)
		return bw_fail(call, IAM_NO_SUCH_SERVICE_CREDENTIAL, id);
	return rc == BW_STORE_OK ? 0 : bw_iam_internal(call);
}

enum s_change { S_RESET, S_UPDATE, S_DELETE };

static int s_change(struct bw_call *call, const json_t *in, json_t *out, enum s_change what)
{
	json_t *user = NULL, *doc = NULL;
	char key[BW_IAM_KEY_MAX], hash[S_ENCODED_MAX] = "";
	struct bw_buf secret = {.secret = true};
	int rc = -1;
	if (s_cred_or_fail(call, in, &user, &doc, key) != 0)
		goto done;
	if (what == S_DELETE) {
		if (bw_doc_delete(call->store, BW_IAM_SERVICE_CREDENTIAL, call->account_id, key) !=
		    BW_STORE_OK)
			bw_iam_internal(call);
		else
			rc = 0;
		goto done;
	}
	if (what == S_UPDATE) {
		const char *status = bw_iam_str(in, "Status");
		/* Expired is what a credential becomes, not what a user sets */
		if (!status || (strcmp(status, "Active") != 0 && strcmp(status, "Inactive") != 0)) {
			bw_fail(call, IAM_ACCESS_KEY_STATUS_INVALID, status ? status : "");
			goto done;
		}
		if (json_object_set_new(doc, "Status", json_string(status)) != 0)
			goto internal;
	} else {
		int si = s_service(bw_iam_str(doc, "ServiceName"));
		if (si < 0 || s_new_secret(s_services[si].api_key, &secret) != 0 ||
		    bw_iam_secret_hash(bw_buf_cstr(&secret), hash, sizeof hash) != 0 ||
		    json_object_set_new(doc, "PasswordHash", json_string(hash)) != 0)
			goto internal;
	}
	if (bw_doc_update(call->store, BW_IAM_SERVICE_CREDENTIAL, call->account_id, key, doc) !=
	    BW_STORE_OK)
		goto internal;
	rc = what == S_RESET ? s_set_out_with_secret(call, out, doc, bw_iam_str(user, "UserName"),
	                                             bw_buf_cstr(&secret))
	                     : 0;
	goto done;
internal:
	bw_iam_internal(call);
done:
	bw_cleanse(hash, sizeof hash);
	bw_buf_free(&secret);
	json_decref(doc);
	json_decref(user);
	return rc;
}

static int s_in_txn(struct bw_call *call, const json_t *in, json_t *out, enum s_change what)
{
	if (bw_store_begin(call->store) != 0)
		return bw_iam_internal(call);
	if (s_change(call, in, out, what) != 0) {
		bw_store_rollback(call->store);
		return -1;
	}
	if (bw_store_commit(call->store) != 0)
		return bw_iam_internal(call);
	return 0;
}

int bw_iam_reset_service_specific_credential(struct bw_call *call, const json_t *in, json_t *out)
{
	return s_in_txn(call, in, out, S_RESET);
}

int bw_iam_update_service_specific_credential(struct bw_call *call, const json_t *in, json_t *out)
{
	return s_in_txn(call, in, out, S_UPDATE);
}

int bw_iam_delete_service_specific_credential(struct bw_call *call, const json_t *in, json_t *out)
{
	return s_in_txn(call, in, out, S_DELETE);
}
