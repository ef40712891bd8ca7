/*
 * sts_federation.c: GetFederationToken — temporary credentials for a
 * federated user, made with an IAM user's (or the root's) long-term keys
 * (Session.Type "FederatedUser"; bw_sts_session_principal maps them to a
 * BW_PT_FEDERATED_USER principal).
 *
 * What AWS's API reference prescribes, in order:
 *  - session credentials cannot call it: "You cannot use the credentials
 *    ... to call GetFederationToken" — AccessDenied "Cannot call
 *    GetFederationToken with session credentials", before any permission
 *    is asked (bw_sts_federation_authorize);
 *  - the caller needs sts:GetFederationToken on
 *    arn:aws:sts::<acct>:federated-user/<Name>, and sts:TagSession on the
 *    same when it passes Tags;
 *  - Name 2..32 characters of [\w+=,.@-]; DurationSeconds 900..129600,
 *    default 43200; "Sessions obtained using root user credentials are
 *    restricted to a maximum of 3,600 seconds ... defaults to one hour";
 *  - Policy and PolicyArns are session policies: "if you do not pass any
 *    session policies, then the resulting federated user session has no
 *    permissions" (bw_sts_session_principal gives such a session a session
 *    policy that allows nothing); otherwise the session's permissions are
 *    the user's policies intersected with them;
 *  - session tags override the user's tags of the same key, regardless of
 *    case.
 * The session is bound to the user's unique id (SourceUserId): authn.c
 * refuses it once that user is deleted, even if another of the same name
 * is made.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gateway/authz.h"
#include "gateway/resource.h"
#include "services/service.h"
#include "services/sts/sts_credentials.h"
#include "services/sts/sts_errors.h"

#define S_DEFAULT_DURATION  43200
#define S_ROOT_MAX_DURATION 3600

static const char *s_str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int s_internal(struct bw_call *call)
{
	return bw_fail(call, BW_ERR_REQUEST_NOT_COMPLETED);
}

/* arn:aws:sts::<acct>:federated-user/<name>; -1 when it does not fit. */
static int s_federated_arn(const struct bw_call *call, const char *name, char *out, size_t size)
{
	int n = snprintf(out, size, "arn:aws:sts::%s:federated-user/%s", call->account_id, name);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* The federated user's ARN is the resource: a federated user is not a
 * stored entity, so nothing is resolved beyond the name given. A Name that
 * is not valid fails here, before authorization, as AWS validates first. */
int bw_sts_federation_resource(struct bw_call *call, const json_t *in, struct bw_resource *res)
{
	const char *name = s_str(in, "Name");
	char arn[128];
	if (!name)
		return bw_fail(call, BW_ERR_REQUIRED_MISSING, "Name");
	if (bw_sts_check_member(call, "name", name, 2, 32, "+=,.@-", "[\\w+=,.@-]*") != 0)
		return -1;
	if (s_federated_arn(call, name, arn, sizeof arn) != 0)
		return -1;
	return bw_buf_append_str(&res->arn, arn);
}

int bw_sts_federation_authorize(struct bw_call *call, const json_t *in)
{
	const struct bw_principal *p = &call->principal;
	if (p->temporary || p->type == BW_PT_ASSUMED_ROLE || p->type == BW_PT_FEDERATED_USER)
		return bw_fail(call, BW_ERR_SESSION_CREDENTIALS_REFUSED, "GetFederationToken");
	return bw_authz_decide(call, in, call->impl->iam_action, &call->resource);
}

static int s_duration(struct bw_call *call, const json_t *in, bool root, int64_t *out)
{
	const json_t *d = json_object_get(in, "DurationSeconds");
	int64_t v = S_DEFAULT_DURATION;
	if (d) {
		if (!json_is_integer(d))
			return bw_fail(call, STS_DURATION_NOT_INTEGER);
		/* the model's range (900..129600) was checked by the decoder */
		v = (int64_t)json_integer_value(d);
	}
	if (root && v > S_ROOT_MAX_DURATION)
		v = S_ROOT_MAX_DURATION;
	*out = v;
	return 0;
}

/* The user's tags ([{Key, Value}] on the caller) overridden by the session
 * tags, regardless of case. NULL on no memory. */
static json_t *s_principal_tags(const struct bw_principal *p, const json_t *tags)
{
	json_t *out = p->tags ? json_deep_copy(p->tags) : json_object();
	const char *k, *dk;
	json_t *v, *dv;
	if (!out)
		return NULL;
	json_object_foreach((json_t *)tags, k, v)
	{
		void *tmp;
		json_object_foreach_safe(out, tmp, dk, dv)
		{
			(void)dv;
			if (strcasecmp(dk, k) == 0)
				json_object_del(out, dk);
		}
		if (json_object_set(out, k, v) != 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

static json_t *s_session(const struct bw_call *call, const char *name, const char *arn,
                         json_t *tags, json_t *policies)
{
	const struct bw_principal *p = &call->principal;
	json_t *ptags = s_principal_tags(p, tags);
	if (!ptags)
		return NULL;
	json_t *s = json_pack("{s:s, s:s, s:s, s:b, s:I, s:O, s:o}", "Type", "FederatedUser",
	                      "FederatedUserName", name, "FederatedUserArn", arn,
	                      "MfaAuthenticated", 0, "CreationDate", (json_int_t)call->now_s,
	                      "Tags", tags, "PrincipalTags", ptags);
	if (!s)
		return NULL;
	if ((json_array_size(policies) > 0 && json_object_set(s, "Policies", policies) != 0) ||
	    (p->type == BW_PT_IAM_USER &&
	     (json_object_set_new(s, "SourceUserName", json_string(p->user_name)) != 0 ||
	      json_object_set_new(s, "SourceUserId", json_string(p->principal_id)) != 0 ||
	      json_object_set_new(s, "SourceUserArn", json_string(p->arn)) != 0))) {
		json_decref(s);
		return NULL;
	}
	return s;
}

static int s_output(struct bw_call *call, json_t *out, const struct bw_sts_creds *creds,
                    const char *name, const char *arn, bool packed, long percent)
{
	char id[64];
	int n = snprintf(id, sizeof id, "%s:%s", call->account_id, name);
	json_t *cj = bw_sts_creds_json(creds);
	json_t *fed = n > 0 && (size_t)n < sizeof id
	                  ? json_pack("{s:s, s:s}", "FederatedUserId", id, "Arn", arn)
	                  : NULL;
	if (!cj || !fed || json_object_set_new(out, "Credentials", cj) != 0) {
		json_decref(fed);
		return s_internal(call);
	}
	cj = NULL;
	if (json_object_set_new(out, "FederatedUser", fed) != 0)
		return s_internal(call);
	if (packed && json_object_set_new(out, "PackedPolicySize", json_integer(percent)) != 0)
		return s_internal(call);
	return 0;
}

int bw_sts_get_federation_token(struct bw_call *call, const json_t *in, json_t *out)
{
	const struct bw_principal *p = &call->principal;
	json_t *tags = json_object(), *transitive = json_array(), *policies = json_array();
	json_t *session = NULL;
	struct bw_sts_creds creds = {0};
	char arn[128];
	int rc = -1;
	const char *name = s_str(in, "Name");
	if (!tags || !transitive || !policies) {
		s_internal(call);
		goto done;
	}
	/* the authorizer refused sessions already; a handler reached another
	 * way must not mint from one either */
	if (p->temporary || (p->type != BW_PT_IAM_USER && p->type != BW_PT_ROOT)) {
		bw_fail(call, BW_ERR_SESSION_CREDENTIALS_REFUSED, "GetFederationToken");
		goto done;
	}
	if (p->type == BW_PT_IAM_USER && (!p->user_name[0] || !p->principal_id[0] || !p->arn[0])) {
		s_internal(call);
		goto done;
	}
	if (!name ||
	    bw_sts_check_member(call, "name", name, 2, 32, "+=,.@-", "[\\w+=,.@-]*") != 0) {
		if (!name)
			bw_fail(call, BW_ERR_REQUIRED_MISSING, "Name");
		goto done;
	}
	if (s_federated_arn(call, name, arn, sizeof arn) != 0) {
		s_internal(call);
		goto done;
	}
	int64_t duration_s = 0;
	if (s_duration(call, in, p->type == BW_PT_ROOT, &duration_s) != 0)
		goto done;
	/* GetFederationToken has no TransitiveTagKeys and no calling session */
	if (bw_sts_session_tags(call, in, NULL, tags, transitive) != 0 ||
	    bw_sts_session_policies(call, in, policies) != 0)
		goto done;
	long percent = 0;
	bool packed = json_object_get(in, "Policy") ||
	              json_array_size(json_object_get(in, "PolicyArns")) ||
	              json_array_size(json_object_get(in, "Tags"));
	if (bw_sts_packed_percent(call, in, tags, &percent) != 0)
		goto done;
	/* "you must have the following permissions-only action": sts:TagSession
	 * (the root is allowed everything in its account) */
	if (json_object_size(tags) > 0 && p->type != BW_PT_ROOT &&
	    bw_sts_identity_allows_or_fail(call, in, "sts:TagSession", arn, NULL) != 0)
		goto done;
	session = s_session(call, name, arn, tags, policies);
	if (!session) {
		s_internal(call);
		goto done;
	}
	if (bw_sts_issue_or_fail(call, session, duration_s, &creds) != 0)
		goto done;
	rc = s_output(call, out, &creds, name, arn, packed, percent);
done:
	bw_sts_creds_clear(&creds);
	json_decref(session);
	json_decref(tags);
	json_decref(transitive);
	json_decref(policies);
	return rc;
}
