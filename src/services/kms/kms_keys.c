/*
 * kms_keys.c: KMS keys themselves — CreateKey (the KeySpec / KeyUsage
 * combinations KMS allows and the metadata each gets), DescribeKey,
 * ListKeys, UpdateKeyDescription, GetKeyPolicy, ListKeyPolicies — and the
 * helpers the other key-management files share (kms_keys.h).
 *
 * CreateKey MultiRegion=true makes the primary of a multi-Region key
 * ("mrk-" id; ReplicateKey and the rest in kms_multi_region.c, decision 0104).
 *
 * CreateKey takes a Policy (validated as PutKeyPolicy validates it, the
 * lockout safety check included: kms_policy.c); without one a key gets
 * AWS's default key policy. Key policies are enforced by kms_authz.c.
 */
#include <math.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "services/kms/kms_authz.h"
#include "services/kms/kms_keys.h"
#include "services/kms/kms_errors.h"
#include "services/paging.h"
#include "gateway/resource.h"
#include "services/kms/kms_resolve.h"
#include "services/kms/kms_store.h"
#include "store/doc.h"

#define S_LIST_DEFAULT 100
#define S_LIST_MAX 1000

/* ---- shared helpers ---------------------------------------------------- */

int bw_kms_internal(struct bw_call *call)
{
	return bw_fail(call, KMS_INTERNAL_RETRYABLE);
}

int bw_kms_save_key_or_fail(struct bw_call *call, const json_t *key_doc)
{
	/* a multi-Region key's set is made to agree again in the same
	 * transaction: what the primary shares reaches its replicas */
	if (bw_store_begin(call->store) != BW_STORE_OK)
		return bw_kms_internal(call);
	if (bw_kms_key_update(call->store, call->account_id, key_doc) != BW_STORE_OK ||
	    bw_kms_mrk_sync(call->store, call->account_id, bw_kms_doc_str(key_doc, "KeyId"),
	                    call->now_s) != BW_STORE_OK) {
		bw_store_rollback(call->store);
		return bw_kms_internal(call);
	}
	if (bw_store_commit(call->store) != BW_STORE_OK)
		return bw_kms_internal(call);
	return 0;
}

int bw_kms_customer_managed_or_fail(struct bw_call *call, const json_t *key_doc,
                                    const char *action)
{
	if (strcmp(bw_kms_doc_str(key_doc, "KeyManager"), "AWS") != 0)
		return 0;
	return bw_fail(call, KMS_NO_RESOURCE_POLICY,
	               call->principal.arn, action, bw_kms_doc_str(key_doc, "Arn"), action);
}

int bw_kms_page_or_fail(struct bw_call *call, const json_t *in, size_t *limit, char *after,
                        size_t after_len)
{
	*limit = S_LIST_DEFAULT;
	after[0] = 0;
	const json_t *l = json_object_get(in, "Limit");
	if (json_is_integer(l)) {
		/* LimitType's 1..1000 is the validator's; the guard keeps a
		 * bypassing path from sizing a page by a negative number */
		json_int_t v = json_integer_value(l);
		if (v < 1 || v > S_LIST_MAX)
			return bw_fail(call, BW_ERR_REQUIRED_MISSING, "Limit");
		*limit = (size_t)v;
	}
	const char *marker = json_string_value(json_object_get(in, "Marker"));
	if (!marker)
		return 0;
	struct bw_buf raw = {0};
	int rc = 0;
	if (bw_paging_decode(marker, &raw) != 0 || raw.len >= after_len)
		rc = bw_fail(call, KMS_INVALID_MARKER);
	else
		memcpy(after, raw.data, raw.len + 1);
	bw_buf_free(&raw);
	return rc;
}

int bw_kms_set_paging(json_t *out, bool truncated, const char *last_key)
{
	return bw_paging_set(out, "Truncated", "NextMarker", truncated, last_key);
}

int bw_kms_list_or_fail(struct bw_call *call, const char *kind, const char *after,
                        size_t limit, bw_kms_filter_fn filter, const void *ctx, json_t **items,
                        bool *truncated, char *last, size_t last_len)
{
	char cursor[BW_KMS_MARKER_MAX];
	snprintf(cursor, sizeof cursor, "%s", after);
	*truncated = false;
	last[0] = 0;
	*items = json_array();
	if (!*items)
		return bw_kms_internal(call);
	/* Read in batches until the page is full and one more match proves the
	 * list goes on, or the kind runs out: the filter may skip many. */
	for (;;) {
		json_t *docs = NULL;
		bool more = false;
		struct bw_doc_page dp = {.after = cursor[0] ? cursor : NULL, .limit = limit + 1};
		if (bw_doc_list(call->store, kind, call->account_id, &dp, &docs, &more) != BW_STORE_OK)
			goto error;
		size_t i;
		json_t *e;
		json_array_foreach(docs, i, e) {
			const char *key = json_string_value(json_object_get(e, "key"));
			const json_t *doc = json_object_get(e, "doc");
			snprintf(cursor, sizeof cursor, "%s", key ? key : "");
			if (!key || !filter(call, doc, ctx))
				continue;
			if (json_array_size(*items) == limit) {
				*truncated = true;
				break;
			}
			if (json_array_append(*items, (json_t *)doc) != 0) {
				json_decref(docs);
				goto error;
			}
			snprintf(last, last_len, "%s", key);
		}
		json_decref(docs);
		if (*truncated || !more)
			return 0;
	}
error:
	json_decref(*items);
	*items = NULL;
	return bw_kms_internal(call);
}

int bw_kms_put_metadata(json_t *out, const json_t *key_doc)
{
	json_t *md = json_deep_copy(key_doc);
	if (!md)
		return -1;
	static const char *const ours[] = {"Policy", "Tags", "CurrentMaterialId", "Rotation"};
	for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++)
		json_object_del(md, ours[i]);
	return json_object_set_new(out, "KeyMetadata", md);
}

const char *bw_kms_spec_family(const char *key_spec)
{
	if (strncmp(key_spec, "HMAC_", 5) == 0)
		return "HMAC";
	if (strncmp(key_spec, "RSA_", 4) == 0)
		return "RSA";
	if (strncmp(key_spec, "ECC_", 4) == 0)
		return "ECC";
	return key_spec;
}

bool bw_kms_in_region(const struct bw_call *call, const json_t *doc, const char *arn_member)
{
	const char *arn = bw_kms_doc_str(doc, arn_member);
	char want[64];
	int n = snprintf(want, sizeof want, "arn:aws:kms:%s:", call->region);
	return n > 0 && (size_t)n < sizeof want && strncmp(arn, want, (size_t)n) == 0;
}

/* ---- what a key is made of -------------------------------------------- */

int bw_kms_new_key_id(char out[37])
{
	uint8_t r[16];
	if (RAND_bytes(r, sizeof r) != 1)
		return -1;
	r[6] = (uint8_t)((r[6] & 0x0f) | 0x40); /* version 4 */
	r[8] = (uint8_t)((r[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, 37,
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0],
	         r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13],
	         r[14], r[15]);
	return 0;
}

char *bw_kms_default_policy(const char *account)
{
	json_t *p = json_pack("{s:s, s:s, s:[{s:s, s:s, s:{s:s}, s:s, s:s}]}", "Version",
	                      "2012-10-17", "Id", "key-default-1", "Statement", "Sid",
	                      "Enable IAM User Permissions", "Effect", "Allow", "Principal", "AWS",
	                      "", "Action", "kms:*", "Resource", "*");
	if (!p)
		return NULL;
	char root[64];
	snprintf(root, sizeof root, "arn:aws:iam::%s:root", account);
	json_t *st = json_array_get(json_object_get(p, "Statement"), 0);
	json_object_set_new(json_object_get(st, "Principal"), "AWS", json_string(root));
	char *text = json_dumps(p, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(p);
	return text;
}

/* The algorithms KMS lists for a spec and usage; NULL members are absent. */
struct s_algs {
	const char *member; /* EncryptionAlgorithms, SigningAlgorithms, MacAlgorithms,
	                       KeyAgreementAlgorithms */
	const char *list[7];
};

static struct s_algs s_algorithms(const char *spec, const char *usage)
{
	struct s_algs a = {0};
	if (strcmp(spec, "SYMMETRIC_DEFAULT") == 0)
		return (struct s_algs){"EncryptionAlgorithms", {"SYMMETRIC_DEFAULT"}};
	if (strcmp(spec, "HMAC_224") == 0)
		return (struct s_algs){"MacAlgorithms", {"HMAC_SHA_224"}};
	if (strcmp(spec, "HMAC_256") == 0)
		return (struct s_algs){"MacAlgorithms", {"HMAC_SHA_256"}};
	if (strcmp(spec, "HMAC_384") == 0)
		return (struct s_algs){"MacAlgorithms", {"HMAC_SHA_384"}};
	if (strcmp(spec, "HMAC_512") == 0)
		return (struct s_algs){"MacAlgorithms", {"HMAC_SHA_512"}};
	if (strncmp(spec, "RSA_", 4) == 0 && strcmp(usage, "ENCRYPT_DECRYPT") == 0)
		return (struct s_algs){"EncryptionAlgorithms",
		                       {"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"}};
	if (strncmp(spec, "RSA_", 4) == 0)
		return (struct s_algs){"SigningAlgorithms",
		                       {"RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512",
		                        "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384",
		                        "RSASSA_PKCS1_V1_5_SHA_512"}};
	/* KMS lists KeyAgreementAlgorithms, and no other, for these keys */
	if (strncmp(spec, "ECC_", 4) == 0 && strcmp(usage, "KEY_AGREEMENT") == 0)
		return (struct s_algs){"KeyAgreementAlgorithms", {"ECDH"}};
	if (strcmp(spec, "ECC_NIST_P384") == 0)
		return (struct s_algs){"SigningAlgorithms", {"ECDSA_SHA_384"}};
	if (strcmp(spec, "ECC_NIST_P521") == 0)
		return (struct s_algs){"SigningAlgorithms", {"ECDSA_SHA_512"}};
	if (strcmp(spec, "ECC_NIST_P256") == 0 || strcmp(spec, "ECC_SECG_P256K1") == 0)
		return (struct s_algs){"SigningAlgorithms", {"ECDSA_SHA_256"}};
	return a;
}

/* The usages KMS allows for each spec we serve; NULL for a spec we do not. */
static const char *const *s_usages(const char *spec)
{
	static const char *const sym[] = {"ENCRYPT_DECRYPT", NULL};
	static const char *const hmac[] = {"GENERATE_VERIFY_MAC", NULL};
	static const char *const rsa[] = {"ENCRYPT_DECRYPT", "SIGN_VERIFY", NULL};
	/* KEY_AGREEMENT: "NIST-standard elliptic curve" keys only (and SM2,
	 * China Regions only, which we do not serve): not ECC_SECG_P256K1 */
	static const char *const ecc_nist[] = {"SIGN_VERIFY", "KEY_AGREEMENT", NULL};
	static const char *const ecc_secg[] = {"SIGN_VERIFY", NULL};
	if (strcmp(spec, "SYMMETRIC_DEFAULT") == 0)
		return sym;
	if (!strcmp(spec, "HMAC_224") || !strcmp(spec, "HMAC_256") || !strcmp(spec, "HMAC_384") ||
	    !strcmp(spec, "HMAC_512"))
		return hmac;
	if (!strcmp(spec, "RSA_2048") || !strcmp(spec, "RSA_3072") || !strcmp(spec, "RSA_4096"))
		return rsa;
	if (!strcmp(spec, "ECC_NIST_P256") || !strcmp(spec, "ECC_NIST_P384") ||
	    !strcmp(spec, "ECC_NIST_P521"))
		return ecc_nist;
	if (!strcmp(spec, "ECC_SECG_P256K1"))
		return ecc_secg;
	return NULL;
}

bool bw_kms_usage_ok(const char *spec, const char *usage)
{
	const char *const *u = s_usages(spec);
	for (; u && *u; u++)
		if (strcmp(*u, usage) == 0)
			return true;
	return false;
}

json_t *bw_kms_key_doc_new(const struct bw_kms_key_params *p)
{
	char arn[160];
	snprintf(arn, sizeof arn, "arn:aws:kms:%s:%s:key/%s", p->region, p->account, p->key_id);
	bool pending_import = strcmp(p->origin, "EXTERNAL") == 0;
	/* epoch seconds with millisecond precision, as KMS reports them */
	double created = floor(p->now_s * 1000.0) / 1000.0;
	json_t *doc = json_pack(
		"{s:s, s:s, s:s, s:f, s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:[]}",
		"AWSAccountId", p->account, "KeyId", p->key_id, "Arn", arn, "CreationDate", created,
		"Enabled", !pending_import, "Description", p->description ? p->description : "",
		"KeyUsage", p->usage, "KeyState", pending_import ? "PendingImport" : "Enabled",
		"Origin", p->origin, "KeyManager", p->manager, "CustomerMasterKeySpec", p->spec,
		"KeySpec", p->spec, "MultiRegion", p->multi_region, "Tags");
	if (!doc)
		return NULL;
	/* a new multi-Region key is the primary of its set, alone (ReplicateKey
	 * makes replicas of it: bw_kms_mrk_sync rewrites this) */
	if (p->multi_region &&
	    json_object_set_new(doc, "MultiRegionConfiguration",
	                        json_pack("{s:s, s:{s:s, s:s}, s:[]}", "MultiRegionKeyType",
	                                  "PRIMARY", "PrimaryKey", "Arn", arn, "Region", p->region,
	                                  "ReplicaKeys")) != 0)
		goto error;
	struct s_algs a = s_algorithms(p->spec, p->usage);
	json_t *list = a.member ? json_array() : NULL;
	for (size_t i = 0; list && i < 7 && a.list[i]; i++)
		if (json_array_append_new(list, json_string(a.list[i])) != 0)
			goto error;
	if (a.member && (!list || json_object_set_new(doc, a.member, list) != 0))
		goto error;
	if (p->policy && json_object_set_new(doc, "Policy", json_string(p->policy)) != 0)
		goto error;
	if (strcmp(p->spec, "SYMMETRIC_DEFAULT") == 0) {
		json_t *rot = p->rotation_days
			? json_pack("{s:b, s:i, s:f}", "Enabled", 1, "PeriodInDays", p->rotation_days,
			            "NextRotationDate", created + p->rotation_days * BW_KMS_DAY_S)
			: json_pack("{s:b}", "Enabled", 0);
		if (!rot || json_object_set_new(doc, "Rotation", rot) != 0)
			goto error;
	}
	return doc;
error:
	json_decref(doc);
	return NULL;
}

int bw_kms_attach_material(json_t *key_doc, const json_t *material_doc)
{
	const char *mid = bw_kms_doc_str(material_doc, "MaterialId");
	if (!mid[0] || json_object_set_new(key_doc, "CurrentMaterialId", json_string(mid)) != 0)
		return -1;
	/* KMS reports the current material of symmetric keys */
	if (strcmp(bw_kms_doc_str(key_doc, "KeySpec"), "SYMMETRIC_DEFAULT") == 0 &&
	    json_object_set_new(key_doc, "CurrentKeyMaterialId", json_string(mid)) != 0)
		return -1;
	return 0;
}

int bw_kms_store_new_key(struct bw_store *store, const char *account, const json_t *key_doc,
                         const json_t *material_doc, const json_t *alias_doc)
{
	const char *key_id = bw_kms_doc_str(key_doc, "KeyId");
	char mkey[128], dk[BW_KMS_DOC_KEY_MAX], ak[BW_KMS_ALIAS_DOC_KEY_MAX];
	if (bw_kms_key_doc_key_of(key_doc, dk) != 0 ||
	    (alias_doc && bw_kms_alias_doc_key_of(alias_doc, ak) != 0) ||
	    bw_store_begin(store) != BW_STORE_OK)
		return BW_STORE_ERROR;
	int rc = bw_doc_create(store, BW_KMS_KEY, account, dk, key_doc);
	if (rc == BW_STORE_OK && material_doc) {
		snprintf(mkey, sizeof mkey, "%s/%s", key_id, bw_kms_doc_str(material_doc, "MaterialId"));
		rc = bw_doc_create(store, BW_KMS_MATERIAL, account, mkey, material_doc);
	}
	if (rc == BW_STORE_OK && alias_doc)
		rc = bw_doc_create(store, BW_KMS_ALIAS, account, ak, alias_doc);
	if (rc == BW_STORE_OK && bw_store_commit(store) == BW_STORE_OK)
		return BW_STORE_OK;
	bw_store_rollback(store);
	return rc == BW_STORE_OK ? BW_STORE_ERROR : rc;
}

/* ---- CreateKey ---------------------------------------------------------- */

static int s_unsupported(struct bw_call *call, const char *what)
{
	return bw_fail(call, KMS_CREATE_UNSUPPORTED, what);
}

/* Everything CreateKey refuses before it makes anything. */
static int s_check_create(struct bw_call *call, const json_t *in, const char **spec,
                          const char **usage, const char **origin)
{
	const char *ks = json_string_value(json_object_get(in, "KeySpec"));
	const char *cmks = json_string_value(json_object_get(in, "CustomerMasterKeySpec"));
	if (json_object_get(in, "CustomKeyStoreId"))
		return bw_fail(call, KMS_CUSTOM_KEY_STORE_NOT_FOUND,
		               json_string_value(json_object_get(in, "CustomKeyStoreId")));
	if (json_object_get(in, "XksKeyId"))
		return s_unsupported(call, "External key stores are not supported by this server.");
	*origin = json_string_value(json_object_get(in, "Origin"));
	if (!*origin)
		*origin = "AWS_KMS";
	if (json_is_true(json_object_get(in, "MultiRegion")) && strcmp(*origin, "EXTERNAL") == 0)
		return s_unsupported(call, "Multi-Region keys with imported key material (Origin "
		                           "EXTERNAL) are not supported by this server.");
	if (strcmp(*origin, "AWS_CLOUDHSM") == 0 || strcmp(*origin, "EXTERNAL_KEY_STORE") == 0)
		return s_unsupported(call, "Custom key stores are not supported by this server: "
		                           "Origin must be AWS_KMS or EXTERNAL.");
	if (ks && cmks && strcmp(ks, cmks) != 0)
		return bw_fail(call, KMS_SPEC_AND_CMK_SPEC);
	*spec = ks ? ks : cmks ? cmks : "SYMMETRIC_DEFAULT";
	*usage = json_string_value(json_object_get(in, "KeyUsage"));
	if (!*usage)
		*usage = "ENCRYPT_DECRYPT";
	if (!s_usages(*spec))
		return s_unsupported(call, "This server does not support this KeySpec (SM2, ML-DSA "
		                           "and Ed25519 keys are not available).");
	if (!bw_kms_usage_ok(*spec, *usage))
		return bw_fail(call, KMS_USAGE_SPEC_INCOMPATIBLE, *usage, *spec);
	const json_t *tags = json_object_get(in, "Tags");
	if (tags && bw_kms_check_tags_or_fail(call, tags) != 0)
		return -1;
	return 0;
}

int bw_kms_create_key(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *spec = NULL, *usage = NULL, *origin = NULL;
	if (s_check_create(call, in, &spec, &usage, &origin) != 0)
		return -1;
	char key_id[37];
	json_t *doc = NULL, *material = NULL;
	char *policy = NULL;
	int rc = -1;
	const char *given = json_string_value(json_object_get(in, "Policy"));
	bool multi_region = json_is_true(json_object_get(in, "MultiRegion"));
	if ((multi_region ? bw_kms_new_mrk_id(key_id) : bw_kms_new_key_id(key_id)) != 0 ||
	    !(policy = given ? strdup(given) : bw_kms_default_policy(call->account_id)))
		goto internal;
	struct bw_kms_key_params p = {
		.account = call->account_id,
		.region = call->region,
		.key_id = key_id,
		.spec = spec,
		.usage = usage,
		.origin = origin,
		.manager = "CUSTOMER",
		.description = json_string_value(json_object_get(in, "Description")),
		.policy = policy,
		.multi_region = multi_region,
		.now_s = call->now_s,
	};
	doc = bw_kms_key_doc_new(&p);
	if (!doc)
		goto internal;
	/* the lockout check asks the new key's policy about the caller */
	if (given && bw_kms_check_key_policy_or_fail(
			     call, in, doc, given,
			     json_is_true(json_object_get(in, "BypassPolicyLockoutSafetyCheck"))) != 0)
		goto done;
	const json_t *tags = json_object_get(in, "Tags");
	if (tags && bw_kms_merge_tags(doc, tags) != 0)
		goto internal;
	/* AWS_KMS keys get their material at once; EXTERNAL ones wait in
	 * PendingImport for ImportKeyMaterial. */
	if (strcmp(origin, "AWS_KMS") == 0 &&
	    (bw_kms_material_new(call->root_key, call->account_id, key_id, spec, &material) != 0 ||
	     json_object_set(material, "CreateDate", json_object_get(doc, "CreationDate")) != 0 ||
	     bw_kms_attach_material(doc, material) != 0))
		goto internal;
	if (bw_kms_store_new_key(call->store, call->account_id, doc, material, NULL) != BW_STORE_OK)
		goto internal;
	if (bw_kms_put_metadata(out, doc) != 0)
		goto internal;
	bw_resource_created(call, bw_kms_doc_str(doc, "Arn"));
	rc = 0;
	goto done;
internal:
	bw_kms_internal(call);
done:
	free(policy);
	json_decref(doc);
	json_decref(material);
	return rc;
}

/* ---- DescribeKey, ListKeys, UpdateKeyDescription ------------------------ */

int bw_kms_describe_key(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *id = json_string_value(json_object_get(in, "KeyId"));
	json_t *doc = NULL;
	/* A predefined AWS alias names the AWS managed key of its service,
	 * which DescribeKey creates when it does not exist yet, as KMS does. */
	const char *svc = id && strncmp(id, "alias/aws/", 10) == 0 ? id + 10 : NULL;
	if (svc && bw_kms_aws_service_known(svc)) {
		if (bw_kms_aws_managed_key(call->store, call->root_key, call->account_id, call->region,
		                           svc, &doc) != 0)
			return bw_kms_internal(call);
	} else if (bw_kms_resolve_key_or_fail(call, id, &doc) != 0) {
		return -1;
	}
	int rc = bw_kms_put_metadata(out, doc) == 0 ? 0 : bw_kms_internal(call);
	json_decref(doc);
	return rc;
}

static bool s_key_in_region(const struct bw_call *call, const json_t *doc, const void *ctx)
{
	(void)ctx;
	return bw_kms_in_region(call, doc, "Arn");
}

int bw_kms_list_keys(struct bw_call *call, const json_t *in, json_t *out)
{
	size_t limit;
	char after[BW_KMS_MARKER_MAX], last[BW_KMS_MARKER_MAX];
	if (bw_kms_page_or_fail(call, in, &limit, after, sizeof after) != 0)
		return -1;
	json_t *docs = NULL, *keys = json_array();
	bool truncated = false;
	if (!keys)
		return bw_kms_internal(call);
	if (bw_kms_list_or_fail(call, BW_KMS_KEY, after, limit, s_key_in_region, NULL, &docs,
	                        &truncated, last, sizeof last) != 0) {
		json_decref(keys);
		return -1;
	}
	size_t i;
	json_t *d;
	json_array_foreach(docs, i, d) {
		if (json_array_append_new(keys, json_pack("{s:s, s:s}", "KeyId",
		                                          bw_kms_doc_str(d, "KeyId"), "KeyArn",
		                                          bw_kms_doc_str(d, "Arn"))) != 0)
			goto error;
	}
	json_decref(docs);
	if (json_object_set_new(out, "Keys", keys) != 0 ||
	    bw_kms_set_paging(out, truncated, last) != 0)
		return bw_kms_internal(call);
	return 0;
error:
	json_decref(docs);
	json_decref(keys);
	return bw_kms_internal(call);
}

int bw_kms_update_key_description(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	json_t *doc = NULL;
	if (bw_kms_resolve_key_or_fail(call, json_string_value(json_object_get(in, "KeyId")),
	                               &doc) != 0)
		return -1;
	int rc = -1;
	const char *desc = json_string_value(json_object_get(in, "Description"));
	if (bw_kms_customer_managed_or_fail(call, doc, "kms:UpdateKeyDescription") != 0 ||
	    bw_kms_key_not_pending_deletion_or_fail(call, doc) != 0)
		goto done;
	if (json_object_set_new(doc, "Description", json_string(desc ? desc : "")) != 0) {
		bw_kms_internal(call);
		goto done;
	}
	rc = bw_kms_save_key_or_fail(call, doc);
done:
	json_decref(doc);
	return rc;
}

/* ---- key policies (PutKeyPolicy: kms_policy.c) --------------------------- */

int bw_kms_get_key_policy(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *name = json_string_value(json_object_get(in, "PolicyName"));
	json_t *doc = NULL;
	if (bw_kms_resolve_key_or_fail(call, json_string_value(json_object_get(in, "KeyId")),
	                               &doc) != 0)
		return -1;
	int rc = -1;
	if (name && strcmp(name, "default") != 0) {
		bw_fail(call, KMS_NO_SUCH_POLICY);
		goto done;
	}
	const char *policy = bw_kms_doc_str(doc, "Policy");
	if (json_object_set_new(out, "Policy", json_string(policy)) != 0 ||
	    json_object_set_new(out, "PolicyName", json_string("default")) != 0) {
		bw_kms_internal(call);
		goto done;
	}
	rc = 0;
done:
	json_decref(doc);
	return rc;
}

int bw_kms_list_key_policies(struct bw_call *call, const json_t *in, json_t *out)
{
	size_t limit;
	char after[BW_KMS_MARKER_MAX];
	if (bw_kms_page_or_fail(call, in, &limit, after, sizeof after) != 0)
		return -1;
	json_t *doc = NULL;
	if (bw_kms_resolve_key_or_fail(call, json_string_value(json_object_get(in, "KeyId")),
	                               &doc) != 0)
		return -1;
	json_decref(doc);
	/* one policy, "default": a marker past it lists nothing */
	json_t *names = after[0] ? json_array() : json_pack("[s]", "default");
	if (!names || json_object_set_new(out, "PolicyNames", names) != 0 ||
	    json_object_set_new(out, "Truncated", json_false()) != 0)
		return bw_kms_internal(call);
	return 0;
}
