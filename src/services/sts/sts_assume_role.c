/*
 * sts_assume_role.c: AssumeRole — checking the request, evaluating the
 * role's trust policy, packing session policies and tags, and issuing the
 * role session's credentials.
 *
 * Before authorization, the resource locator checks RoleArn's form: not an
 * ARN is a ValidationError whoever calls (AWS validates before it
 * authorizes). Then the row's authorizer decides sts:AssumeRole from the
 * caller's policies and the trust policy together. In the handler, what is
 * checked, in order (each failure answers the error named):
 *  1. the input: RoleSessionName 2..64 of [\w+=,.@-], SourceIdentity the
 *     same and not "aws:...", ExternalId 2..1224 of [\w+=,.@:/-]
 *     (ValidationError); SerialNumber/TokenCode: no MFA devices exist, so
 *     the code cannot be valid (AccessDenied, AWS's MFA message);
 *  2. the caller: the root may not assume roles ("Roles may not be assumed
 *     by root accounts.", as AWS answers); federated users neither;
 *  3. the role: RoleArn must name a role of this account, exactly as its
 *     stored Arn (path and case); anything else is AccessDenied with AWS's
 *     "User: <caller> is not authorized to perform: sts:AssumeRole on
 *     resource: <RoleArn>", so an unknown role cannot be told from a
 *     refused one;
 *  4. DurationSeconds 900..MaxSessionDuration, 3600 at most when chaining;
 *  5. session tags (at most 50, keys 1..128 and values 0..256 characters:
 *     ValidationError; keys unique regardless of case, as AWS's "Duplicate
 *     tag keys found" answers: InvalidParameterValue; the calling
 *     session's transitive tags are inherited and may not be passed again:
 *     InvalidParameterValue), transitive keys (each one of the tags),
 *     session policies, and the packed size of policies and tags
 *     (PackedPolicyTooLarge, with the percentage used);
 *  6. the permissions (s_authorize_or_fail): the role's trust policy must
 *     allow sts:AssumeRole (the row's authorizer, bw_sts_assume_role_authorize,
 *     has already asked the caller's policies together with the trust
 *     policy, with AWS's same-account logic); a request with Tags or TransitiveTagKeys needs
 *     sts:TagSession, and one whose session will carry a source identity
 *     (set now, or inherited along a role chain, where it cannot change)
 *     sts:SetSourceIdentity, each allowed by both the caller's policies and
 *     the trust policy. Then the credentials are issued.
 *
 * The trust policy is evaluated with the policy engine as the resource
 * policy, in a context of AWS's keys for AssumeRole (s_build_ctx): a trust
 * policy that names the account is honoured, as in AWS (it delegates to the
 * caller's policies), and one that names nobody the caller is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "auth/policy.h"
#include "gateway/authz.h"
#include "gateway/resource.h"
#include "services/service.h"
#include "services/sts/sts_credentials.h"
#include "services/iam/iam_perm.h"
#include "services/iam/iam_policy_set.h"
#include "services/iam/iam_store.h"
#include "services/sts/sts_errors.h"
#include "store/doc.h"

#define S_DEFAULT_DURATION 3600
#define S_CHAIN_MAX_DURATION 3600
#define S_MAX_POLICY_ARNS 10
#define S_MAX_POLICY_CHARS 2048
/* The packed form of session policies and tags (zlib of their compact
 * text) may use this many bytes; PackedPolicySize is the percentage used. */
#define S_PACKED_LIMIT 2048

static const char *s_str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static bool s_chars_ok(const char *s, const char *extra)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!(c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') || strchr(extra, c)))
			return false;
	}
	return true;
}

/* AWS's validation message for a member's length or pattern. */
int bw_sts_check_member(struct bw_call *call, const char *member, const char *v, size_t min,
                          size_t max, const char *extra, const char *pattern)
{
	size_t n = strlen(v);
	if (n < min)
		return bw_fail(call, STS_VALUE_TOO_SHORT, v, member, min);
	if (n > max)
		return bw_fail(call, STS_VALUE_TOO_LONG, 64, v, member, max);
	if (!s_chars_ok(v, extra))
		return bw_fail(call, STS_VALUE_NOT_PATTERN, v, member, pattern);
	return 0;
}

static int s_denied(struct bw_call *call, const char *role_arn)
{
	return bw_fail(call, STS_NOT_AUTHORIZED, call->principal.arn, "sts:AssumeRole", role_arn);
}

static int s_internal(struct bw_call *call)
{
	return bw_fail(call, BW_ERR_REQUEST_NOT_COMPLETED);
}

/* The role RoleArn names, or -1 (call failed). */
static int s_find_role(struct bw_call *call, const char *role_arn, json_t **role)
{
	char prefix[64];
	snprintf(prefix, sizeof prefix, "arn:aws:iam::%s:role/", call->account_id);
	size_t plen = strlen(prefix);
	if (strncmp(role_arn, prefix, plen) != 0)
		return s_denied(call, role_arn);
	const char *name = strrchr(role_arn + plen, '/');
	name = name ? name + 1 : role_arn + plen;
	if (!*name)
		return s_denied(call, role_arn);
	int rc = bw_iam_role_trust(call->store, call->account_id, name, role);
	if (rc == BW_STORE_NOT_FOUND)
		return s_denied(call, role_arn);
	if (rc != BW_STORE_OK)
		return s_internal(call);
	const char *stored = s_str(*role, "Arn");
	if (!stored || strcmp(stored, role_arn) != 0 || !s_str(*role, "RoleName") ||
	    !s_str(*role, "RoleId")) {
		json_decref(*role);
		*role = NULL;
		return s_denied(call, role_arn);
	}
	return 0;
}

static int s_duration(struct bw_call *call, const json_t *in, const json_t *role, bool chained,
                      int64_t *out)
{
	const json_t *d = json_object_get(in, "DurationSeconds");
	const json_t *m = json_object_get(role, "MaxSessionDuration");
	int64_t max = json_is_integer(m) ? (int64_t)json_integer_value(m) : S_DEFAULT_DURATION;
	*out = S_DEFAULT_DURATION;
	if (!d)
		return 0;
	if (!json_is_integer(d))
		return bw_fail(call, STS_DURATION_NOT_INTEGER);
	/* the model's range (900..43200) was checked by the decoder */
	int64_t v = (int64_t)json_integer_value(d);
	if (chained && v > S_CHAIN_MAX_DURATION)
		return bw_fail(call, STS_DURATION_ROLE_CHAINING);
	if (v > max)
		return bw_fail(call, STS_DURATION_ABOVE_ROLE_MAX);
	*out = v;
	return 0;
}

/* The calling session's access-key document (role chaining), or NULL. */
static json_t *s_caller_session(struct bw_call *call)
{
	json_t *doc = NULL;
	if (!call->principal.temporary || !call->principal.access_key_id[0])
		return NULL;
	if (bw_doc_get(call->store, BW_IAM_ACCESS_KEY, call->account_id,
	               call->principal.access_key_id, &doc) != BW_STORE_OK)
		return NULL;
	return doc;
}

static const char *s_key_nocase(const json_t *obj, const char *key)
{
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)obj, k, v) {
		if (strcasecmp(k, key) == 0)
			return k;
	}
	return NULL;
}

static bool s_tag_chars_ok(const char *s)
{
	/* [\p{L}\p{Z}\p{N}_.:/=+\-@]: ASCII letters, digits, space and the
	 * punctuation listed; non-ASCII letters pass (UTF-8 bytes >= 0x80). */
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!(c >= 0x80 || c == ' ' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') || strchr("_.:/=+-@", c)))
			return false;
	}
	return true;
}

/* Session tags: the caller's inherited transitive tags, then the request's
 * Tags. *tags gets {k: v}, *transitive the transitive keys. */
int bw_sts_session_tags(struct bw_call *call, const json_t *in, const json_t *caller_doc,
                          json_t *tags, json_t *transitive)
{
	const json_t *csess = json_object_get(caller_doc, "Session");
	const json_t *ctags = json_object_get(csess, "Tags");
	const json_t *ctrans = json_object_get(csess, "TransitiveTagKeys");
	size_t i;
	const json_t *v;
	json_array_foreach(ctrans, i, v) {
		const char *k = json_string_value(v);
		const char *ck = k && json_is_object(ctags) ? s_key_nocase(ctags, k) : NULL;
		if (!ck)
			continue;
		if (json_object_set(tags, ck, json_object_get(ctags, ck)) != 0 ||
		    json_array_append_new(transitive, json_string(ck)) != 0)
			return s_internal(call);
	}
	size_t inherited = json_object_size(tags);
	/* at most 50 Tags and TransitiveTagKeys: the model's bound, checked by the decoder */
	const json_t *req = json_object_get(in, "Tags");
	json_t *seen = json_object();
	if (!seen)
		return s_internal(call);
	json_array_foreach(req, i, v) {
		const char *k = s_str(v, "Key"), *val = s_str(v, "Value");
		if (!k || !val || !*k || strlen(k) > 128 || strlen(val) > 256 || !s_tag_chars_ok(k) ||
		    !s_tag_chars_ok(val) || strncasecmp(k, "aws:", 4) == 0) {
			json_decref(seen);
			return bw_fail(call, STS_SESSION_TAG_INVALID);
		}
		if (s_key_nocase(seen, k)) {
			json_decref(seen);
			return bw_fail(call, STS_DUPLICATE_TAG_KEYS);
		}
		if (inherited && s_key_nocase(tags, k)) {
			json_decref(seen);
			return bw_fail(call, STS_TAG_KEY_ALREADY_TRANSITIVE, k);
		}
		if (json_object_set_new(seen, k, json_true()) != 0 ||
		    json_object_set_new(tags, k, json_string(val)) != 0) {
			json_decref(seen);
			return s_internal(call);
		}
	}
	json_decref(seen);
	const json_t *tkeys = json_object_get(in, "TransitiveTagKeys");
	json_array_foreach(tkeys, i, v) {
		const char *k = json_string_value(v);
		const char *ck = k ? s_key_nocase(tags, k) : NULL;
		if (!ck)
			return bw_fail(call, STS_TRANSITIVE_KEY_NOT_IN_TAGS);
		if (json_array_append_new(transitive, json_string(ck)) != 0)
			return s_internal(call);
	}
	return 0;
}

/* The default version's document of a managed policy, or -1 (failed). */
static int s_managed_policy_text(struct bw_call *call, const char *arn, json_t *texts)
{
	const char *acct_start = strncmp(arn, "arn:aws:iam::", 13) == 0 ? arn + 13 : NULL;
	const char *acct_end = acct_start ? strchr(acct_start, ':') : NULL;
	json_t *pol = NULL, *ver = NULL;
	char account[16], key[200], vkey[240];
	if (!acct_end || strncmp(acct_end, ":policy/", 8) != 0 ||
	    (size_t)(acct_end - acct_start) >= sizeof account)
		goto missing;
	memcpy(account, acct_start, (size_t)(acct_end - acct_start));
	account[acct_end - acct_start] = 0;
	if (strcmp(account, "aws") == 0) {
		/* AWS managed policies are IAM's built-in, read-only table. */
		const struct bw_iam_aws_policy *aws = bw_iamp_aws_find(arn);
		if (!aws || !aws->document)
			goto missing;
		return json_array_append_new(texts, json_string(aws->document)) == 0 ? 0
		                                                                    : s_internal(call);
	}
	if (strcmp(account, call->account_id) != 0)
		goto missing;
	const char *name = strrchr(acct_end + 8, '/');
	name = name ? name + 1 : acct_end + 8;
	if (!*name || bw_iam_key(name, key, sizeof key) != 0)
		goto missing;
	int rc = bw_doc_get(call->store, BW_IAM_POLICY, account, key, &pol);
	if (rc == BW_STORE_NOT_FOUND)
		goto missing;
	if (rc != BW_STORE_OK)
		return s_internal(call);
	const char *stored = s_str(pol, "Arn"), *vid = s_str(pol, "DefaultVersionId");
	if (!stored || strcmp(stored, arn) != 0 || !vid)
		goto missing;
	snprintf(vkey, sizeof vkey, "%s/%s", key, vid);
	rc = bw_doc_get(call->store, BW_IAM_POLICY_VERSION, account, vkey, &ver);
	if (rc == BW_STORE_NOT_FOUND || (rc == BW_STORE_OK && !s_str(ver, "Document")))
		goto missing;
	if (rc != BW_STORE_OK) {
		json_decref(pol);
		return s_internal(call);
	}
	rc = json_array_append(texts, json_object_get(ver, "Document"));
	json_decref(pol);
	json_decref(ver);
	return rc == 0 ? 0 : s_internal(call);
missing:
	json_decref(pol);
	json_decref(ver);
	return bw_fail(call, STS_POLICY_NOT_ATTACHABLE, arn);
}

/* Session policies: the inline Policy, then each PolicyArns document. */
int bw_sts_session_policies(struct bw_call *call, const json_t *in, json_t *texts)
{
	const char *inline_policy = s_str(in, "Policy");
	if (inline_policy) {
		size_t n = strlen(inline_policy);
		if (n > S_MAX_POLICY_CHARS)
			return bw_fail(call, STS_POLICY_TOO_LONG);
		struct bw_policy *p = NULL;
		char err[256];
		if (bw_policy_parse(inline_policy, n, BW_POLICY_SESSION, NULL, &p, err, sizeof err) != 0)
			return bw_fail(call, STS_MALFORMED_POLICY, err);
		bw_policy_unref(p);
		if (json_array_append_new(texts, json_string(inline_policy)) != 0)
			return s_internal(call);
	}
	const json_t *arns = json_object_get(in, "PolicyArns");
	if (json_array_size(arns) > S_MAX_POLICY_ARNS)
		return bw_fail(call, STS_TOO_MANY_POLICY_ARNS);
	size_t i;
	const json_t *v;
	json_array_foreach(arns, i, v) {
		const char *arn = s_str(v, "arn");
		if (!arn)
			return bw_fail(call, STS_POLICY_ARN_MISSING);
		if (s_managed_policy_text(call, arn, texts) != 0)
			return -1;
	}
	return 0;
}

/* PackedPolicySize: zlib of the compact inline policy, the policy ARNs and
 * the session tags, as a percentage of S_PACKED_LIMIT (rounded up). */
int bw_sts_packed_percent(struct bw_call *call, const json_t *in, const json_t *tags,
                            long *percent)
{
	json_t *what = json_pack("{s:O?, s:O?, s:O}", "p", json_object_get(in, "Policy"), "a",
	                         json_object_get(in, "PolicyArns"), "t", tags);
	char *text = what ? json_dumps(what, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(what);
	if (!text)
		return s_internal(call);
	uLong srclen = (uLong)strlen(text);
	uLongf dstlen = compressBound(srclen);
	Bytef *dst = malloc(dstlen);
	int zrc = dst ? compress2(dst, &dstlen, (const Bytef *)text, srclen, 9) : Z_MEM_ERROR;
	free(dst);
	free(text);
	if (zrc != Z_OK)
		return s_internal(call);
	*percent = (long)((dstlen * 100 + S_PACKED_LIMIT - 1) / S_PACKED_LIMIT);
	if (*percent > 100)
		return bw_fail(call, STS_PACKED_POLICY_TOO_LARGE, *percent);
	return 0;
}

/* --- the trust policy -------------------------------------------------- */

/*
 * The request context the trust policy is evaluated in (AWS's keys for
 * AssumeRole): sts:ExternalId, sts:RoleSessionName, sts:SourceIdentity (the
 * session's, set now or carried along the chain), sts:TransitiveTagKeys
 * (those of the request); the gateway's context builder adds the request's
 * tags (aws:RequestTag/<k>, aws:TagKeys) and every global key of the caller
 * (aws:userid, aws:username, aws:PrincipalTag/<k>, aws:TokenIssueTime, MFA,
 * source IP, transport ...), with nothing capped.
 */
/* STS's keys of an AssumeRole request into extra. */
static int s_sts_keys(const json_t *in, const char *source_identity, json_t *extra)
{
	const json_t *trans = json_object_get(in, "TransitiveTagKeys");
	int rc = 0;
	if (rc == 0 && s_str(in, "ExternalId"))
		rc = json_object_set(extra, "sts:ExternalId", json_object_get(in, "ExternalId"));
	if (rc == 0 && s_str(in, "RoleSessionName"))
		rc = json_object_set(extra, "sts:RoleSessionName",
		                     json_object_get(in, "RoleSessionName"));
	if (rc == 0 && source_identity && source_identity[0])
		rc = json_object_set_new(extra, "sts:SourceIdentity", json_string(source_identity));
	if (rc == 0 && json_array_size(trans))
		rc = json_object_set(extra, "sts:TransitiveTagKeys", (json_t *)trans);
	return rc;
}

int bw_sts_assume_role_keys(struct bw_call *call, const json_t *in, json_t *extra)
{
	const char *si = s_str(in, "SourceIdentity");
	return s_sts_keys(in, si ? si : call->principal.source_identity, extra);
}

static int s_build_ctx(struct bw_call *call, const json_t *in, const char *source_identity,
                       struct bw_authz_ctx *c)
{
	json_t *extra = json_object();
	int rc = extra ? s_sts_keys(in, source_identity, extra) : -1;
	if (rc == 0)
		rc = bw_authz_ctx_init(call, in, "sts:AssumeRole", "*", extra, c);
	json_decref(extra);
	return rc;
}

/* The role's trust policy, compiled, and the context to evaluate it in. */
struct s_trust {
	struct bw_policy *trust;   /* NULL: the role trusts no one */
	struct bw_policy *granted; /* stands in for the identity side */
	struct bw_authz_ctx ctx;
};

static int s_trust_init(struct bw_call *call, const json_t *in, const json_t *role,
                        const char *source_identity, struct s_trust *t)
{
	/* The identity side is decided apart (the gateway's sts:AssumeRole,
	 * bw_sts_identity_allows_or_fail for the permissions-only actions): here
	 * the caller's policies allow everything and the trust policy alone
	 * decides. */
	static const char s_granted[] = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":"
	                                "\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}";
	const char *doc = s_str(role, "AssumeRolePolicyDocument");
	char err[256];
	memset(t, 0, sizeof *t);
	/* a role without a trust policy, or with one the engine refuses,
	 * trusts no one */
	if (doc && bw_policy_parse(doc, strlen(doc), BW_POLICY_TRUST, NULL, &t->trust, err,
	                           sizeof err) != 0)
		t->trust = NULL;
	if (bw_policy_parse(s_granted, sizeof s_granted - 1, BW_POLICY_IDENTITY, NULL, &t->granted,
	                    err, sizeof err) != 0)
		return -1;
	return s_build_ctx(call, in, source_identity, &t->ctx);
}

static void s_trust_clean_up(struct s_trust *t)
{
	bw_policy_unref(t->trust);
	bw_policy_unref(t->granted);
	bw_authz_ctx_clean_up(&t->ctx);
	memset(t, 0, sizeof *t);
}

/*
 * Whether the trust policy allows the caller `action` on the role: 1
 * allowed, 0 refused, -1 internal trouble. Evaluated with the policy engine
 * as the resource policy, the caller as principal, in the engine's
 * cross-account mode (resource account set to a value no principal has):
 * Allow exactly when no statement explicitly denies and some Allow
 * statement's principal names the caller in any form — its user ARN, its
 * session ARN, its role ARN (for a role session), its account
 * ("arn:aws:iam::<acct>:root", which delegates to the identity policies),
 * or "*" — with every condition met.
 */
static int s_trust_allows(struct bw_call *call, const struct s_trust *t, const char *action,
                          const char *role_arn)
{
	if (!t->trust)
		return 0;
	const struct bw_principal *p = &call->principal;
	const char *resources[] = {role_arn};
	struct bw_request_ctx ctx = {
		.action = action,
		.resources = resources,
		.n_resources = 1,
		.principal_arn = p->arn,
		.principal_account = p->account[0] ? p->account : call->account_id,
		.principal_type = p->type == BW_PT_ASSUMED_ROLE ? BW_PRINCIPAL_ASSUMED_ROLE
		                                                : BW_PRINCIPAL_USER,
		.role_arn = p->type == BW_PT_ASSUMED_ROLE ? p->role_arn : NULL,
		.resource_account = "trust-policy",
		.now_s = call->now_s,
		.keys = t->ctx.ctx.keys,
		.n_keys = t->ctx.ctx.n_keys,
	};
	const struct bw_policy *identity[] = {t->granted};
	struct bw_policy_set set = {.identity = identity, .n_identity = 1, .resource = t->trust};
	struct bw_eval_result res;
	if (bw_policy_evaluate(&ctx, &set, &res) != 0)
		return -1;
	return res.decision == BW_DECISION_ALLOW ? 1 : 0;
}

/*
 * A permissions-only action the request needs besides sts:AssumeRole
 * (sts:TagSession, sts:SetSourceIdentity): "In addition to the action that
 * matches the API operation, you must have the following permissions-only
 * action in your policy" (IAM User Guide, "Passing session tags in AWS
 * STS", "Monitor and control actions taken with assumed roles"), and the
 * target role's trust policy must allow it too: both, as those pages say,
 * unlike sts:AssumeRole itself, which a trust policy naming the caller
 * grants alone (bw_sts_assume_role_authorize). The caller's policies (with
 * its boundary and session policies) are asked as the gateway asks them,
 * in the same context plus the sts: keys.
 */
int bw_sts_identity_allows_or_fail(struct bw_call *call, const json_t *in, const char *action,
                                     const char *role_arn, const char *source_identity)
{
	json_t *extra = json_object();
	const json_t *trans = json_object_get(in, "TransitiveTagKeys");
	const char *ext = s_str(in, "ExternalId"), *session = s_str(in, "RoleSessionName");
	struct bw_authz_ctx *a = calloc(1, sizeof *a);
	struct bw_authz_policies *pol = calloc(1, sizeof *pol);
	int rc = -1;
	if (!extra || !a || !pol ||
	    (json_array_size(trans) && json_object_set(extra, "sts:TransitiveTagKeys",
	                                               (json_t *)trans) != 0) ||
	    (source_identity &&
	     json_object_set_new(extra, "sts:SourceIdentity", json_string(source_identity)) != 0) ||
	    (session && json_object_set_new(extra, "sts:RoleSessionName", json_string(session)) != 0) ||
	    (ext && json_object_set_new(extra, "sts:ExternalId", json_string(ext)) != 0)) {
		s_internal(call);
		goto done;
	}
	if (bw_authz_ctx_init(call, in, action, role_arn, extra, a) != 0)
		goto done;
	if (bw_authz_policies_load(call, pol) == 0) {
		struct bw_policy_set set = bw_authz_policy_set(pol, NULL);
		struct bw_eval_result res;
		if (bw_policy_evaluate(&a->ctx, &set, &res) != 0 || res.decision != BW_DECISION_ALLOW)
			bw_authz_deny(call, &a->ctx, &res);
		else
			rc = 0;
		bw_authz_policies_clean_up(pol);
	}
	bw_authz_ctx_clean_up(a);
done:
	json_decref(extra);
	free(a);
	free(pol);
	return rc;
}

/* The trust policy's half of a decision: AWS's AccessDenied when it does
 * not allow `action`. 0 allowed, -1 with the call failed. */
static int s_trusted_or_fail(struct bw_call *call, const struct s_trust *t, const char *action,
                             const char *role_arn)
{
	int allowed = s_trust_allows(call, t, action, role_arn);
	if (allowed < 0)
		return s_internal(call);
	if (!allowed)
		return bw_fail(call, STS_NOT_AUTHORIZED, call->principal.arn, action, role_arn);
	return 0;
}

/*
 * Every action the request needs: sts:AssumeRole from the trust policy (the
 * row's authorizer asked the caller's policies already); sts:TagSession when it
 * passes Tags or TransitiveTagKeys; sts:SetSourceIdentity when the session
 * will carry a source identity, set now or carried along a role chain
 * ("permissions for sts:SetSourceIdentity are required in both the
 * permissions policy of the principal who is assuming the role and in the
 * role trust policy of the target role").
 */
static int s_authorize_or_fail(struct bw_call *call, const json_t *in, const json_t *role,
                               const char *source_identity)
{
	const char *role_arn = s_str(role, "Arn");
	struct s_trust t;
	int rc = -1;
	if (s_trust_init(call, in, role, source_identity, &t) != 0) {
		s_internal(call);
		goto done;
	}
	if (s_trusted_or_fail(call, &t, "sts:AssumeRole", role_arn) != 0)
		goto done;
	bool tagging = json_array_size(json_object_get(in, "Tags")) > 0 ||
	               json_array_size(json_object_get(in, "TransitiveTagKeys")) > 0;
	if (tagging &&
	    (bw_sts_identity_allows_or_fail(call, in, "sts:TagSession", role_arn, source_identity) != 0 ||
	     s_trusted_or_fail(call, &t, "sts:TagSession", role_arn) != 0))
		goto done;
	if (source_identity &&
	    (bw_sts_identity_allows_or_fail(call, in, "sts:SetSourceIdentity", role_arn,
	                               source_identity) != 0 ||
	     s_trusted_or_fail(call, &t, "sts:SetSourceIdentity", role_arn) != 0))
		goto done;
	rc = 0;
done:
	s_trust_clean_up(&t);
	return rc;
}

/* --- the session ------------------------------------------------------- */

/* The role's tags ([{Key, Value}]) overridden by the session tags. */
static json_t *s_principal_tags(const json_t *role, const json_t *tags)
{
	json_t *out = json_object();
	size_t i;
	const json_t *t;
	json_array_foreach(json_object_get(role, "Tags"), i, t) {
		const char *k = s_str(t, "Key"), *v = s_str(t, "Value");
		if (out && k && v && json_object_set_new(out, k, json_string(v)) != 0) {
			json_decref(out);
			return NULL;
		}
	}
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)tags, k, v) {
		const char *old = out ? s_key_nocase(out, k) : NULL;
		if (out && old && json_object_del(out, old) != 0) {
			json_decref(out);
			return NULL;
		}
		if (out && json_object_set(out, k, (json_t *)v) != 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

static json_t *s_session(struct bw_call *call, const json_t *role, const char *session,
                         const char *assumed_arn, const char *source_identity, json_t *tags,
                         json_t *transitive, json_t *policies)
{
	const struct bw_principal *p = &call->principal;
	json_t *ptags = s_principal_tags(role, tags);
	if (!ptags)
		return NULL;
	json_t *s = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:I, s:O, s:O, s:o}", "Type",
	                      "AssumedRole", "RoleArn", s_str(role, "Arn"), "RoleName",
	                      s_str(role, "RoleName"), "RoleId", s_str(role, "RoleId"),
	                      "RoleSessionName", session, "AssumedRoleArn", assumed_arn,
	                      "MfaAuthenticated", 0, "CreationDate", (json_int_t)call->now_s, "Tags",
	                      tags, "TransitiveTagKeys", transitive, "PrincipalTags", ptags);
	if (!s)
		return NULL;
	if ((source_identity &&
	     json_object_set_new(s, "SourceIdentity", json_string(source_identity)) != 0) ||
	    (json_array_size(policies) > 0 && json_object_set(s, "Policies", policies) != 0) ||
	    (p->user_name[0] &&
	     json_object_set_new(s, "SourceUserName", json_string(p->user_name)) != 0) ||
	    (p->type == BW_PT_IAM_USER &&
	     json_object_set_new(s, "SourceUserId", json_string(p->principal_id)) != 0)) {
		json_decref(s);
		return NULL;
	}
	return s;
}

static int s_validate_input(struct bw_call *call, const json_t *in, const char **source_identity)
{
	const char *session = s_str(in, "RoleSessionName"), *role_arn = s_str(in, "RoleArn");
	if (!role_arn || !session)
		return bw_fail(call, BW_ERR_REQUIRED_MISSING, "RoleArn, RoleSessionName");
	if (bw_sts_check_member(call, "roleSessionName", session, 2, 64, "+=,.@-", "[\\w+=,.@-]*"))
		return -1;
	const char *si = s_str(in, "SourceIdentity");
	if (si && bw_sts_check_member(call, "sourceIdentity", si, 2, 64, "+=,.@-", "[\\w+=,.@-]*"))
		return -1;
	if (si && strncasecmp(si, "aws:", 4) == 0)
		return bw_fail(call, STS_SOURCE_IDENTITY_RESERVED);
	const char *ext = s_str(in, "ExternalId");
	if (ext && bw_sts_check_member(call, "externalId", ext, 2, 1224, "+=,.@:/-", "[\\w+=,.@:\\/-]*"))
		return -1;
	/* No MFA devices exist yet, so no code given can be validated. */
	if (json_object_get(in, "SerialNumber") || json_object_get(in, "TokenCode"))
		return bw_fail(call, STS_MFA_FAILED);
	*source_identity = si;
	return 0;
}

/* Source identity persists along a role chain and cannot be changed. */
static int s_source_identity(struct bw_call *call, const char *given, const char **out)
{
	const char *inherited = call->principal.source_identity[0] ? call->principal.source_identity
	                                                           : NULL;
	*out = given ? given : inherited;
	if (given && inherited && strcmp(given, inherited) != 0)
		return bw_fail(call, STS_SOURCE_IDENTITY_CHANGED, call->principal.arn);
	return 0;
}

static int s_output(struct bw_call *call, json_t *out, const struct bw_sts_creds *creds,
                    const char *assumed_id, const char *assumed_arn, bool packed, long percent,
                    const char *source_identity)
{
	json_t *cj = bw_sts_creds_json(creds);
	json_t *user = json_pack("{s:s, s:s}", "AssumedRoleId", assumed_id, "Arn", assumed_arn);
	if (!cj || !user || json_object_set_new(out, "Credentials", cj) != 0 ||
	    json_object_set_new(out, "AssumedRoleUser", user) != 0) {
		json_decref(user);
		return s_internal(call);
	}
	if (packed && json_object_set_new(out, "PackedPolicySize", json_integer(percent)) != 0)
		return s_internal(call);
	if (source_identity &&
	    json_object_set_new(out, "SourceIdentity", json_string(source_identity)) != 0)
		return s_internal(call);
	return 0;
}

int bw_sts_assume_role(struct bw_call *call, const json_t *in, json_t *out)
{
	const struct bw_principal *p = &call->principal;
	const char *source_identity = NULL;
	json_t *role = NULL, *caller_doc = NULL, *session = NULL;
	json_t *tags = json_object(), *transitive = json_array(), *policies = json_array();
	struct bw_sts_creds creds = {0};
	char assumed_arn[512], assumed_id[256];
	int rc = -1;
	if (!tags || !transitive || !policies) {
		s_internal(call);
		goto done;
	}
	if (s_validate_input(call, in, &source_identity) != 0)
		goto done;
	const char *role_arn = s_str(in, "RoleArn"), *name = s_str(in, "RoleSessionName");
	if (p->type == BW_PT_ROOT) {
		bw_fail(call, STS_ROOT_CANNOT_ASSUME_ROLES);
		goto done;
	}
	if (p->type != BW_PT_IAM_USER && p->type != BW_PT_ASSUMED_ROLE) {
		s_denied(call, role_arn);
		goto done;
	}
	if (s_find_role(call, role_arn, &role) != 0)
		goto done;
	int64_t duration_s;
	bool chained = p->type == BW_PT_ASSUMED_ROLE;
	if (s_duration(call, in, role, chained, &duration_s) != 0 ||
	    s_source_identity(call, source_identity, &source_identity) != 0)
		goto done;
	caller_doc = chained ? s_caller_session(call) : NULL;
	if (bw_sts_session_tags(call, in, caller_doc, tags, transitive) != 0 ||
	    bw_sts_session_policies(call, in, policies) != 0)
		goto done;
	long percent = 0;
	bool packed = json_object_get(in, "Policy") || json_array_size(json_object_get(in, "PolicyArns")) ||
	              json_array_size(json_object_get(in, "Tags"));
	if (bw_sts_packed_percent(call, in, tags, &percent) != 0)
		goto done;
	if (s_authorize_or_fail(call, in, role, source_identity) != 0)
		goto done;
	int n1 = snprintf(assumed_arn, sizeof assumed_arn, "arn:aws:sts::%s:assumed-role/%s/%s",
	                  call->account_id, s_str(role, "RoleName"), name);
	int n2 = snprintf(assumed_id, sizeof assumed_id, "%s:%s", s_str(role, "RoleId"), name);
	if (n1 < 0 || (size_t)n1 >= sizeof assumed_arn || n2 < 0 || (size_t)n2 >= sizeof assumed_id) {
		s_internal(call);
		goto done;
	}
	session = s_session(call, role, name, assumed_arn, source_identity, tags, transitive,
	                    policies);
	if (!session) {
		s_internal(call);
		goto done;
	}
	if (bw_sts_issue_or_fail(call, session, duration_s, &creds) != 0)
		goto done;
	rc = s_output(call, out, &creds, assumed_id, assumed_arn, packed, percent, source_identity);
done:
	bw_sts_creds_clear(&creds);
	json_decref(role);
	json_decref(caller_doc);
	json_decref(session);
	json_decref(tags);
	json_decref(transitive);
	json_decref(policies);
	return rc;
}

/*
 * Whether text has an ARN's form, "arn:<partition>:<service>:<region>:
 * <account>:<resource>" with partition, service and resource not empty.
 * Only the form: whether it names a role, and whose, is for authorization
 * to answer, so that a malformed ARN and an unknown role differ only in
 * what the caller typed.
 */
static bool s_arn_form_ok(const char *text)
{
	if (strncmp(text, "arn:", 4) != 0)
		return false;
	const char *part[4];
	const char *p = text + 3; /* the colon after "arn" */
	for (size_t i = 0; i < 4; i++) {
		part[i] = p + 1;
		p = strchr(p + 1, ':');
		if (!p)
			return false;
	}
	/* part[0] partition, [1] service, [2] region, [3] account; p is the
	 * colon before the resource */
	return part[1] > part[0] + 1 && part[2] > part[1] + 1 && p[1] != 0;
}

/*
 * AWS checks a request's syntax before it authorizes it: a RoleArn that is
 * not an ARN is a ValidationError for every caller, even one no policy
 * allows anything. The gateway resolves the resource before it authorizes,
 * so this is the place (the handler runs only once authorized). The model's
 * length bounds of arnType (20..2048) were checked by the decoder.
 */
static int s_role_arn_form_or_fail(struct bw_call *call, const char *role_arn)
{
	if (!s_arn_form_ok(role_arn))
		return bw_fail(call, STS_ROLE_ARN_INVALID);
	return 0;
}

/* The role RoleArn names: the stored role (its ARN with the stored name,
 * its tags) when it is one of this account's, else the ARN as given. A
 * RoleArn that is not an ARN fails the call (s_role_arn_form_or_fail). */
int bw_sts_assume_role_resource(struct bw_call *call, const json_t *in, struct bw_resource *res)
{
	const char *role_arn = s_str(in, "RoleArn");
	if (!role_arn)
		return bw_buf_append_str(&res->arn, "*");
	if (s_role_arn_form_or_fail(call, role_arn) != 0)
		return -1;
	char pre[64];
	snprintf(pre, sizeof pre, "arn:aws:iam::%s:role/", call->account_id);
	const char *name = strncmp(role_arn, pre, strlen(pre)) == 0 ? strrchr(role_arn, '/') : NULL;
	if (!name || !name[1])
		return bw_buf_append_str(&res->arn, role_arn);
	json_t *doc = NULL;
	char key[160];
	int rc = bw_iam_key(name + 1, key, sizeof key) == 0
		? bw_doc_get(call->store, BW_IAM_ROLE, call->account_id, key, &doc)
		: BW_STORE_NOT_FOUND;
	if (rc == BW_STORE_NOT_FOUND)
		return bw_buf_append_str(&res->arn, role_arn);
	if (rc != BW_STORE_OK)
		return -1;
	rc = bw_resource_from_doc(res, doc, "Arn", "Tags");
	json_decref(doc);
	return rc;
}

/* The resolved role's trust policy, compiled: NULL when the role is not
 * one of this account's, has none, or has one the engine refuses (it then
 * trusts no one). -1 only for a store failure (call failed). */
static int s_resolved_trust(struct bw_call *call, struct bw_policy **trust)
{
	*trust = NULL;
	if (!call->resource.found)
		return 0;
	const char *arn = bw_buf_cstr(&call->resource.arn);
	const char *name = strrchr(arn, '/');
	if (!name || !name[1])
		return 0;
	json_t *role = NULL;
	int rc = bw_iam_role_trust(call->store, call->account_id, name + 1, &role);
	if (rc == BW_STORE_NOT_FOUND)
		return 0;
	if (rc != BW_STORE_OK)
		return s_internal(call);
	const char *doc = s_str(role, "AssumeRolePolicyDocument");
	const char *stored = s_str(role, "Arn");
	char err[256];
	/* the role found by name must be the one resolved (same path) */
	if (doc && stored && strcmp(stored, arn) == 0 &&
	    bw_policy_parse(doc, strlen(doc), BW_POLICY_TRUST, NULL, trust, err, sizeof err) != 0)
		*trust = NULL;
	json_decref(role);
	return 0;
}

/*
 * The row's authorizer: sts:AssumeRole decided by the caller's policies and
 * the role's trust policy together, with AWS's same-account logic
 * (policy_eval.c): a trust policy that names the caller's user or session
 * ARN allows by itself, with no identity policy, and a boundary does not
 * limit it; one that names the caller's role (a role session assuming
 * another role) stands in for an identity Allow but the boundary and the
 * session policies still limit it; one that names only the account
 * ("arn:aws:iam::ACCT:root") delegates to the identity policies. Explicit
 * denies anywhere decide. The trust policy must also allow the caller
 * itself, by any form: the handler asks that (s_authorize_or_fail), since
 * "IAM role trust policies ... must explicitly allow access for
 * principals" (IAM User Guide, policy evaluation logic). An unknown role
 * has no trust policy, so the caller's policies alone answer, and the
 * answer cannot tell it from a role that exists.
 *
 * The account root is let through, as the gateway lets it through
 * everywhere: the handler answers AWS's "Roles may not be assumed by root
 * accounts."
 */
int bw_sts_assume_role_authorize(struct bw_call *call, const json_t *in)
{
	const char *action = call->impl->iam_action;
	if (call->principal.type == BW_PT_ROOT &&
	    strcmp(call->principal.account, call->account_id) == 0)
		return 0;
	struct bw_policy *trust = NULL;
	if (s_resolved_trust(call, &trust) != 0)
		return -1;
	int rc = bw_authz_decide_with(call, in, action, &call->resource, trust);
	bw_policy_unref(trust);
	return rc;
}
