/*
 * sts_session_token.c: GetSessionToken — temporary credentials for an IAM
 * user or the account root that carry the caller's own permissions
 * (Session.Type "SessionToken"; authentication maps them back to the user
 * or root with bw_sts_session_principal).
 *
 * Durations: 900..129600 seconds, default 43200; the root's sessions are
 * limited to 3600 and a longer request "defaults to one hour" (AWS API
 * reference). Session credentials cannot make more session credentials.
 */
#include <string.h>

#include "services/service.h"
#include "services/sts/sts_credentials.h"
#include "services/sts/sts_errors.h"

#define S_DEFAULT_DURATION 43200
#define S_ROOT_MAX_DURATION 3600

static int s_internal(struct bw_call *call)
{
	return bw_fail(call, BW_ERR_REQUEST_NOT_COMPLETED);
}

static int s_duration(struct bw_call *call, const json_t *in, bool root, int64_t *out)
{
	const json_t *d = json_object_get(in, "DurationSeconds");
	int64_t v = root ? S_ROOT_MAX_DURATION : S_DEFAULT_DURATION;
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

static json_t *s_session(const struct bw_call *call)
{
	const struct bw_principal *p = &call->principal;
	json_t *s = json_pack("{s:s, s:b, s:I}", "Type", "SessionToken", "MfaAuthenticated", 0,
	                      "CreationDate", (json_int_t)call->now_s);
	if (!s || p->type == BW_PT_ROOT)
		return s;
	/* A user's session: who it is, and its tags as aws:PrincipalTag sees
	 * them (a snapshot taken now). */
	if (json_object_set_new(s, "SourceUserName", json_string(p->user_name)) != 0 ||
	    json_object_set_new(s, "SourceUserId", json_string(p->principal_id)) != 0 ||
	    json_object_set_new(s, "SourceUserArn", json_string(p->arn)) != 0 ||
	    (p->tags && json_object_set_new(s, "PrincipalTags", json_deep_copy(p->tags)) != 0)) {
		json_decref(s);
		return NULL;
	}
	return s;
}

int bw_sts_get_session_token(struct bw_call *call, const json_t *in, json_t *out)
{
	const struct bw_principal *p = &call->principal;
	if (p->temporary || p->type == BW_PT_ASSUMED_ROLE || p->type == BW_PT_FEDERATED_USER)
		return bw_fail(call, BW_ERR_SESSION_CREDENTIALS_REFUSED, "GetSessionToken");
	if (p->type == BW_PT_IAM_USER && (!p->user_name[0] || !p->principal_id[0] || !p->arn[0]))
		return s_internal(call);
	/* No MFA devices exist yet, so no code given can be validated. */
	if (json_object_get(in, "SerialNumber") || json_object_get(in, "TokenCode"))
		return bw_fail(call, STS_MFA_FAILED);
	int64_t duration_s;
	if (s_duration(call, in, p->type == BW_PT_ROOT, &duration_s) != 0)
		return -1;
	json_t *session = s_session(call);
	if (!session)
		return s_internal(call);
	struct bw_sts_creds creds;
	int rc = bw_sts_issue_or_fail(call, session, duration_s, &creds);
	json_decref(session);
	if (rc != 0)
		return -1;
	json_t *cj = bw_sts_creds_json(&creds);
	bw_sts_creds_clear(&creds);
	if (!cj || json_object_set_new(out, "Credentials", cj) != 0)
		return s_internal(call);
	return 0;
}
