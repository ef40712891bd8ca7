/*
 * kms_authz.c: the authorization KMS really does (kms_authz.h says the
 * procedure): the condition keys KMS adds to a request, the combination of
 * key policy, IAM policies and grants for one key, and bw_kms_authorize,
 * the bw_authorize_fn of every row that acts on a key (ReEncrypt asks
 * kms:ReEncryptFrom on the source key AND kms:ReEncryptTo on the
 * destination; alias operations also need IAM's Allow on the alias ARN).
 *
 * Built from gateway/authz.h's pieces. Whether the key policy allows the
 * caller at all ("directly or through the account") is asked of the policy
 * engine by evaluating the key policy as if the key were in another
 * account and IAM allowed everything: the engine's cross-account rule then
 * answers exactly "does the resource policy allow this principal, by any
 * principal form". The same-account evaluation with the caller's real
 * policies then applies AWS's rules for how the match was made.
 */
#include "services/kms/kms_authz.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gateway/authz.h"
#include "gateway/resource.h"
#include "services/kms/kms_crypto.h"
#include "services/kms/kms_keys.h"
#include "services/kms/kms_resolve.h"
#include "services/kms/kms_store.h"
#include "services/service.h"
#include "store/doc.h"

static const char s_allow_all[] =
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
	"\"Resource\":\"*\"}]}";

/* Which request members an action's condition keys and grants read. */
struct s_view {
	const char *ctx_member; /* the encryption context */
	const char *alg_member; /* the encryption algorithm */
	const char *key_member; /* the key parameter (kms:RequestAlias) */
};

static struct s_view s_view_of(const char *action)
{
	if (strcmp(action, "kms:ReEncryptFrom") == 0)
		return (struct s_view){"SourceEncryptionContext", "SourceEncryptionAlgorithm",
		                       "SourceKeyId"};
	if (strcmp(action, "kms:ReEncryptTo") == 0)
		return (struct s_view){"DestinationEncryptionContext",
		                       "DestinationEncryptionAlgorithm", "DestinationKeyId"};
	return (struct s_view){"EncryptionContext", "EncryptionAlgorithm", "KeyId"};
}

/* The encryption context an action carries (NULL: none). CreateGrant's is
 * the one its constraints name, as kms:EncryptionContext: reads there. */
static const json_t *s_enc_ctx(const json_t *in, const char *action)
{
	if (strcmp(action, "kms:CreateGrant") == 0) {
		const json_t *c = json_object_get(in, "Constraints");
		const json_t *eq = json_object_get(c, "EncryptionContextEquals");
		return eq ? eq : json_object_get(c, "EncryptionContextSubset");
	}
	const json_t *ctx = json_object_get(in, s_view_of(action).ctx_member);
	return json_is_object(ctx) ? ctx : NULL;
}

/* The operations whose kms:EncryptionAlgorithm is SYMMETRIC_DEFAULT when
 * the request names none. */
static bool s_symmetric_op(const char *action)
{
	static const char *const ops[] = {
		"kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo",
		"kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext",
		"kms:GenerateDataKeyPair", "kms:GenerateDataKeyPairWithoutPlaintext",
	};
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (strcmp(action, ops[i]) == 0)
			return true;
	return false;
}

static int s_set_str(json_t *o, const char *k, const char *v)
{
	if (!v || !v[0])
		return 0;
	return json_object_set_new(o, k, json_string(v));
}

/* A request member as a condition value: strings as is, integers and
 * booleans in their text form (NumericLessThan, Bool compare text). */
static int s_set_member(json_t *o, const char *k, const json_t *in, const char *member)
{
	const json_t *v = json_object_get(in, member);
	char buf[32];
	if (json_is_string(v))
		return s_set_str(o, k, json_string_value(v));
	if (json_is_integer(v)) {
		snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
		return s_set_str(o, k, buf);
	}
	if (json_is_boolean(v))
		return s_set_str(o, k, json_is_true(v) ? "true" : "false");
	return 0;
}

/* "alias/x" when the key parameter named an alias (name or ARN). */
static const char *s_request_alias(const char *id)
{
	if (!id)
		return NULL;
	if (strncmp(id, "alias/", 6) == 0)
		return id;
	const char *a = strncmp(id, "arn:", 4) == 0 ? strstr(id, ":alias/") : NULL;
	return a ? a + 1 : NULL;
}

/* The key's aliases (kms:ResourceAliases). */
static int s_resource_aliases(struct bw_call *call, const json_t *key_doc, json_t *extra)
{
	json_t *docs = NULL, *names = json_array();
	bool more = false;
	struct bw_doc_page page = {0};
	if (!names)
		return -1;
	if (bw_doc_list(call->store, BW_KMS_ALIAS, call->account_id, &page, &docs, &more) !=
	    BW_STORE_OK) {
		json_decref(names);
		return -1;
	}
	const char *id = bw_kms_doc_str(key_doc, "KeyId");
	size_t i;
	json_t *e;
	json_array_foreach(docs, i, e) {
		const json_t *a = json_object_get(e, "doc");
		/* a multi-Region key's aliases are each region's own */
		if (strcmp(bw_kms_doc_str(a, "TargetKeyId"), id) == 0 &&
		    bw_kms_in_region(call, a, "AliasArn"))
			json_array_append(names, json_object_get(a, "AliasName"));
	}
	json_decref(docs);
	if (json_array_size(names) == 0) {
		json_decref(names);
		return 0;
	}
	return json_object_set_new(extra, "kms:ResourceAliases", names);
}

/* kms:EncryptionContext:<k> for each pair, kms:EncryptionContextKeys. */
static int s_context_keys(json_t *extra, const json_t *ctx)
{
	if (!json_is_object(ctx) || json_object_size(ctx) == 0)
		return 0;
	json_t *keys = json_array();
	if (!keys || json_object_set_new(extra, "kms:EncryptionContextKeys", keys) != 0)
		return -1;
	const char *k;
	json_t *v;
	char name[512];
	json_object_foreach((json_t *)ctx, k, v) {
		int n = snprintf(name, sizeof name, "kms:EncryptionContext:%s", k);
		if (n < 0 || (size_t)n >= sizeof name || !json_is_string(v))
			continue; /* no policy can name a longer key; it matches nothing */
		if (json_array_append_new(keys, json_string(k)) != 0 ||
		    json_object_set(extra, name, v) != 0)
			return -1;
	}
	return 0;
}

/* CreateGrant's keys: what the new grant would allow, and to whom. */
static int s_grant_keys(json_t *extra, const json_t *in)
{
	const json_t *ops = json_object_get(in, "Operations");
	const json_t *c = json_object_get(in, "Constraints");
	int rc = 0;
	if (json_is_array(ops) && json_array_size(ops))
		rc |= json_object_set(extra, "kms:GrantOperations", (json_t *)ops);
	rc |= s_set_member(extra, "kms:GranteePrincipal", in, "GranteePrincipal");
	rc |= s_set_member(extra, "kms:RetiringPrincipal", in, "RetiringPrincipal");
	rc |= s_set_str(extra, "kms:GrantIsForAWSResource", "false");
	if (json_object_get(c, "EncryptionContextEquals"))
		rc |= s_set_str(extra, "kms:GrantConstraintType", "EncryptionContextEquals");
	else if (json_object_get(c, "EncryptionContextSubset"))
		rc |= s_set_str(extra, "kms:GrantConstraintType", "EncryptionContextSubset");
	return rc;
}

/* The KMS condition keys of this request on this key. NULL on OOM. */
static json_t *s_extra_keys(struct bw_call *call, const json_t *in, const char *action,
                            const json_t *key_doc, const char *policy)
{
	json_t *x = json_object();
	if (!x)
		return NULL;
	struct s_view view = s_view_of(action);
	const char *alg = json_string_value(json_object_get(in, view.alg_member));
	if (!alg && s_symmetric_op(action))
		alg = "SYMMETRIC_DEFAULT";
	const char *msg_type = json_string_value(json_object_get(in, "MessageType"));
	bool signing = strcmp(action, "kms:Sign") == 0 || strcmp(action, "kms:Verify") == 0;
	int rc = s_set_str(x, "kms:CallerAccount", call->principal.account);
	rc |= s_set_str(x, "kms:KeySpec", bw_kms_doc_str(key_doc, "KeySpec"));
	rc |= s_set_str(x, "kms:KeyUsage", bw_kms_doc_str(key_doc, "KeyUsage"));
	rc |= s_set_str(x, "kms:KeyOrigin", bw_kms_doc_str(key_doc, "Origin"));
	rc |= s_set_str(x, "kms:KeyManager", bw_kms_doc_str(key_doc, "KeyManager"));
	rc |= s_set_str(x, "kms:MultiRegion",
	                json_is_true(json_object_get(key_doc, "MultiRegion")) ? "true" : "false");
	rc |= s_set_str(x, "kms:MultiRegionKeyType",
	                bw_kms_doc_str(json_object_get(key_doc, "MultiRegionConfiguration"),
	                               "MultiRegionKeyType"));
	if (strcmp(action, "kms:ReplicateKey") == 0)
		rc |= s_set_member(x, "kms:ReplicaRegion", in, "ReplicaRegion");
	if (strcmp(action, "kms:UpdatePrimaryRegion") == 0)
		rc |= s_set_member(x, "kms:PrimaryRegion", in, "PrimaryRegion");
	rc |= s_set_str(x, "kms:EncryptionAlgorithm", alg);
	rc |= s_set_member(x, "kms:SigningAlgorithm", in, "SigningAlgorithm");
	rc |= s_set_str(x, "kms:MessageType", msg_type ? msg_type : signing ? "RAW" : NULL);
	rc |= s_set_member(x, "kms:MacAlgorithm", in, "MacAlgorithm");
	rc |= s_set_member(x, "kms:KeyAgreementAlgorithm", in, "KeyAgreementAlgorithm");
	rc |= s_set_member(x, "kms:DataKeyPairSpec", in, "KeyPairSpec");
	rc |= s_set_str(x, "kms:RequestAlias",
	                s_request_alias(json_string_value(json_object_get(in, view.key_member))));
	rc |= s_context_keys(x, s_enc_ctx(in, action));
	json_t *tags = bw_tags_map(json_object_get(key_doc, "Tags"));
	rc |= tags ? bw_authz_resource_tag_keys(x, action, tags) : -1;
	json_decref(tags);
	if (strcmp(action, "kms:CreateGrant") == 0)
		rc |= s_grant_keys(x, in);
	if (strcmp(action, "kms:PutKeyPolicy") == 0 || strcmp(action, "kms:CreateKey") == 0)
		rc |= s_set_str(x, "kms:BypassPolicyLockoutSafetyCheck",
		                json_is_true(json_object_get(in, "BypassPolicyLockoutSafetyCheck"))
		                        ? "true"
		                        : "false");
	if (strcmp(action, "kms:EnableKeyRotation") == 0)
		rc |= s_set_member(x, "kms:RotationPeriodInDays", in, "RotationPeriodInDays");
	if (strcmp(action, "kms:ScheduleKeyDeletion") == 0)
		rc |= s_set_member(x, "kms:ScheduleKeyDeletionPendingWindowInDays", in,
		                   "PendingWindowInDays");
	/* Listing the aliases costs a store read: only when a policy may ask
	 * (the key policy names the key, or the caller has IAM policies). */
	if (call->principal.type != BW_PT_ROOT || (policy && strcasestr(policy, "ResourceAliases")))
		rc |= s_resource_aliases(call, key_doc, x);
	if (rc != 0) {
		json_decref(x);
		return NULL;
	}
	return x;
}

/* An account id that is not the caller's: the "other account" of the
 * key-policy-only question (see the banner). */
static const char *s_other_account(const char *account)
{
	return account && strcmp(account, "000000000000") == 0 ? "000000000001" : "000000000000";
}

int bw_kms_decide(struct bw_call *call, const json_t *in, const char *action,
                  const json_t *key_doc, const char *policy, bool use_grants, bool fail_on_deny,
                  bool *allowed)
{
	*allowed = false;
	if (!policy)
		policy = bw_kms_doc_str(key_doc, "Policy");
	json_t *extra = s_extra_keys(call, in, action, key_doc, policy);
	if (!extra)
		return bw_kms_internal(call);
	struct bw_authz_ctx a;
	struct bw_authz_policies pol;
	struct bw_policy *kp = NULL, *all = NULL;
	int rc = -1;
	if (bw_authz_ctx_init(call, in, action, bw_kms_doc_str(key_doc, "Arn"), extra, &a) != 0) {
		json_decref(extra);
		return -1;
	}
	json_decref(extra);
	if (bw_authz_policies_load(call, &pol) != 0)
		goto clean_ctx;
	/* A key policy that does not compile allows nothing (deny by default). */
	kp = bw_authz_compile(call, policy, BW_POLICY_RESOURCE);
	all = bw_authz_compile(call, s_allow_all, BW_POLICY_IDENTITY);
	if (!all) {
		bw_kms_internal(call);
		goto clean;
	}
	struct bw_policy_set full = bw_authz_policy_set(&pol, kp);
	struct bw_eval_result res;
	if (bw_policy_evaluate(&a.ctx, &full, &res) != 0) {
		bw_kms_internal(call);
		goto clean;
	}
	bool kp_any = false;
	if (res.decision != BW_DECISION_EXPLICIT_DENY && kp) {
		const struct bw_policy *ids[1] = {all};
		struct bw_policy_set only = {.identity = ids, .n_identity = 1, .resource = kp};
		struct bw_request_ctx other = a.ctx;
		other.resource_account = s_other_account(a.ctx.principal_account);
		struct bw_eval_result r2;
		if (bw_policy_evaluate(&other, &only, &r2) != 0) {
			bw_kms_internal(call);
			goto clean;
		}
		kp_any = r2.decision == BW_DECISION_ALLOW;
	}
	rc = 0;
	if (res.decision == BW_DECISION_EXPLICIT_DENY)
		goto deny;
	if (res.decision == BW_DECISION_ALLOW && kp_any) {
		*allowed = true;
		goto clean;
	}
	if (!kp_any)
		res = (struct bw_eval_result){.decision = BW_DECISION_IMPLICIT_DENY,
		                              .source = BW_SOURCE_RESOURCE};
	if (use_grants) {
		rc = bw_kms_grants_allow(call, key_doc, action + 4, s_enc_ctx(in, action), in, allowed);
		if (rc != 0 || *allowed)
			goto clean;
	}
deny:
	if (fail_on_deny)
		rc = bw_authz_deny(call, &a.ctx, &res);
clean:
	bw_policy_unref(kp);
	bw_policy_unref(all);
	bw_authz_policies_clean_up(&pol);
clean_ctx:
	bw_authz_ctx_clean_up(&a);
	return rc;
}

/* IAM alone, as the gateway's default: for a key that does not exist (the
 * handler then answers NotFoundException) and for alias ARNs. */
static int s_iam_only_keys(struct bw_call *call, const json_t *in, const char *action,
                           const char *resource, const json_t *extra)
{
	if (call->principal.type == BW_PT_ROOT &&
	    strcmp(call->principal.account, call->account_id) == 0)
		return 0;
	struct bw_authz_ctx a;
	struct bw_authz_policies pol;
	int rc = -1;
	if (bw_authz_ctx_init(call, in, action, resource, extra, &a) != 0)
		return -1;
	if (bw_authz_policies_load(call, &pol) == 0) {
		struct bw_policy_set set = bw_authz_policy_set(&pol, NULL);
		struct bw_eval_result res;
		if (bw_policy_evaluate(&a.ctx, &set, &res) != 0 || res.decision != BW_DECISION_ALLOW)
			bw_authz_deny(call, &a.ctx, &res);
		else
			rc = 0;
		bw_authz_policies_clean_up(&pol);
	}
	bw_authz_ctx_clean_up(&a);
	return rc;
}

static int s_iam_only(struct bw_call *call, const json_t *in, const char *action,
                      const char *resource)
{
	return s_iam_only_keys(call, in, action, resource, NULL);
}

int bw_kms_authorize_create_key(struct bw_call *call, const json_t *in)
{
	const char *spec = json_string_value(json_object_get(in, "KeySpec"));
	const char *cmks = json_string_value(json_object_get(in, "CustomerMasterKeySpec"));
	const char *usage = json_string_value(json_object_get(in, "KeyUsage"));
	const char *origin = json_string_value(json_object_get(in, "Origin"));
	json_t *x = json_object();
	int rc = x ? 0 : -1;
	rc |= s_set_str(x, "kms:CallerAccount", call->principal.account);
	rc |= s_set_str(x, "kms:KeySpec", spec ? spec : cmks ? cmks : "SYMMETRIC_DEFAULT");
	rc |= s_set_str(x, "kms:KeyUsage", usage ? usage : "ENCRYPT_DECRYPT");
	rc |= s_set_str(x, "kms:KeyOrigin", origin ? origin : "AWS_KMS");
	rc |= s_set_str(x, "kms:BypassPolicyLockoutSafetyCheck",
	                json_is_true(json_object_get(in, "BypassPolicyLockoutSafetyCheck"))
	                        ? "true"
	                        : "false");
	rc |= s_set_member(x, "kms:MultiRegion", in, "MultiRegion");
	if (rc != 0) {
		json_decref(x);
		return bw_kms_internal(call);
	}
	rc = s_iam_only_keys(call, in, call->impl->iam_action, "*", x);
	json_decref(x);
	return rc;
}

/* The key document an ARN of this account and region names: 0 found, 1 not
 * a key here (the ARN is kept in *arn_out), -1 store error. */
static int s_key_of_arn(struct bw_call *call, const char *arn, json_t **key_doc)
{
	char head[96];
	*key_doc = NULL;
	int n = snprintf(head, sizeof head, "arn:aws:kms:%s:%s:key/", call->region,
	                 call->account_id);
	if (n <= 0 || (size_t)n >= sizeof head || strncmp(arn, head, (size_t)n) != 0)
		return 1;
	int rc = bw_kms_key_get(call->store, call->account_id, call->region, arn + n, key_doc);
	if (rc == BW_STORE_NOT_FOUND)
		return 1;
	if (rc != BW_STORE_OK)
		return bw_kms_internal(call);
	return 0;
}

/* kms:<action> on the key res names (resolved): the KMS decision, or IAM
 * alone when there is no such key. */
static int s_on_key(struct bw_call *call, const json_t *in, const char *action,
                    const struct bw_resource *res)
{
	json_t *key = NULL;
	int rc = s_key_of_arn(call, bw_buf_cstr(&res->arn), &key);
	if (rc == 1)
		rc = s_iam_only(call, in, action, bw_buf_cstr(&res->arn));
	else if (rc == 0 && strncmp(action, "kms:ReEncrypt", 13) != 0 &&
	         json_array_size(json_object_get(in, "GrantTokens")) &&
	         bw_kms_grant_tokens_or_fail(call, key, in) != 0)
		rc = -1;
	else if (rc == 0) {
		bool ok = false;
		rc = bw_kms_decide(call, in, action, key, NULL, true, true, &ok);
	}
	json_decref(key);
	return rc;
}

/* kms:<action> on a second key of the request (ReEncrypt's destination,
 * the key an alias leaves), resolved here as the gateway resolves the
 * first. */
static int s_on_other_key(struct bw_call *call, const json_t *in, const char *action,
                          const char *key_id)
{
	struct bw_resource res = {0};
	int rc = bw_kms_key_id_resource(call, key_id, &res);
	if (rc != 0)
		rc = call->failed ? -1 : bw_kms_internal(call);
	else
		rc = s_on_key(call, in, action, &res);
	bw_resource_clean_up(&res);
	return rc;
}

/* The key id an alias (AliasName) points at, for DeleteAlias and
 * UpdateAlias: *id NULL when there is no such alias; -1 store error. */
static int s_alias_target(struct bw_call *call, const json_t *in, json_t **alias,
                          const char **id)
{
	const char *name = json_string_value(json_object_get(in, "AliasName"));
	*alias = NULL;
	*id = NULL;
	if (!name)
		return 0;
	int rc = bw_kms_alias_get(call->store, call->account_id, call->region, name, alias, NULL);
	if (rc == BW_STORE_NOT_FOUND)
		return 0;
	if (rc != BW_STORE_OK)
		return bw_kms_internal(call);
	*id = bw_kms_doc_str(*alias, "TargetKeyId");
	return 0;
}

/* kms:<action> on the key the alias points at ("*" when none). */
static int s_on_alias_target(struct bw_call *call, const json_t *in, const char *action)
{
	json_t *alias = NULL;
	const char *id = NULL;
	int rc = s_alias_target(call, in, &alias, &id);
	if (rc == 0)
		rc = s_on_other_key(call, in, action, id);
	json_decref(alias);
	return rc;
}

/* The alias ARN of AliasName: IAM decides on it (key policies do not). */
static int s_alias_iam(struct bw_call *call, const json_t *in, const char *action)
{
	const char *name = json_string_value(json_object_get(in, "AliasName"));
	char arn[384];
	snprintf(arn, sizeof arn, "arn:aws:kms:%s:%s:%.256s", call->region, call->account_id,
	         name ? name : "");
	return s_iam_only(call, in, action, name ? arn : "*");
}

int bw_kms_authorize(struct bw_call *call, const json_t *in)
{
	const struct bw_op_impl *impl = call->impl;
	const char *op = impl->name;
	/* An encryption context over KMS's limits is refused before it becomes
	 * condition keys: nothing of it is evaluated (kms_crypto.h). */
	if (bw_kms_context_or_fail(call, in) != 0)
		return -1;
	if (strcmp(op, "DeleteAlias") == 0)
		return s_alias_iam(call, in, impl->iam_action) != 0
		               ? -1
		               : s_on_alias_target(call, in, impl->iam_action);
	if (strcmp(op, "CreateAlias") == 0 || strcmp(op, "UpdateAlias") == 0) {
		/* UpdateAlias also needs the permission on the key the alias
		 * leaves, as AWS asks */
		if (s_alias_iam(call, in, impl->iam_action) != 0)
			return -1;
		if (strcmp(op, "UpdateAlias") == 0 &&
		    s_on_alias_target(call, in, impl->iam_action) != 0)
			return -1;
		return s_on_key(call, in, impl->iam_action, &call->resource);
	}
	if (s_on_key(call, in, impl->iam_action, &call->resource) != 0)
		return -1;
	if (strcmp(op, "ReEncrypt") == 0)
		return s_on_other_key(call, in, "kms:ReEncryptTo",
		                      json_string_value(json_object_get(in, "DestinationKeyId")));
	return 0;
}
