/* test_query_codec.c: the awsQuery codec against boto3's own requests and
 * botocore-checked responses (tests/vectors/protocol/xml/), plus the
 * malformed inputs a client can send. */
#include "xml_vectors.h"

#define DECODE_CASE(n) static void test_decode_##n(void **state) { (void)state; vec_decode(#n); }
#define ENCODE_CASE(n) static void test_encode_##n(void **state) { (void)state; vec_encode(#n); }

DECODE_CASE(iam_create_user)
DECODE_CASE(iam_create_user_empty_tags)
DECODE_CASE(iam_put_user_policy)
DECODE_CASE(iam_list_users)
DECODE_CASE(iam_create_policy)
DECODE_CASE(iam_get_account_authorization_details)
DECODE_CASE(sts_get_caller_identity)
DECODE_CASE(sts_assume_role)
ENCODE_CASE(iam_list_users_response)
ENCODE_CASE(iam_delete_user_response)
ENCODE_CASE(iam_error_response)
ENCODE_CASE(sts_get_caller_identity_response)
ENCODE_CASE(sts_assume_role_response)

/* Decode a form body (and query string) for op of iam/sts. */
static int decode_form(const char *svc, const char *op, const char *method, const char *query,
                       const char *body, json_t **in, struct bw_call *call)
{
	static struct bw_header ct = {"Content-Type", "application/x-www-form-urlencoded"};
	static struct bw_http_request req;
	memset(&req, 0, sizeof req);
	snprintf(req.method, sizeof req.method, "%s", method);
	req.target = req.path = (char *)"/";
	req.query = (char *)query;
	req.headers = &ct;
	req.nheaders = 1;
	req.body = (uint8_t *)body;
	req.body_len = strlen(body);
	memset(call, 0, sizeof *call);
	call->model = bw_model_find(svc);
	call->op = bw_model_op(call->model, op);
	call->req = &req;
	strcpy(call->request_id, "rid");
	*in = NULL;
	return bw_codec_query.decode(call, in);
}

static void test_missing_action(void **state)
{
	(void)state;
	struct bw_call call;
	json_t *in;
	assert_int_equal(decode_form("iam", "ListUsers", "POST", "", "Version=2010-05-08", &in, &call),
	                 -1);
	assert_string_equal(call.err.code, "MissingAction");
	assert_int_equal(call.err.status, 400);
	assert_null(in);
}

static void test_wrong_action(void **state)
{
	(void)state;
	struct bw_call call;
	json_t *in;
	assert_int_equal(decode_form("iam", "ListUsers", "POST", "", "Action=ListUsersX", &in, &call),
	                 -1);
	assert_string_equal(call.err.code, "InvalidAction");
}

static void test_bad_escape(void **state)
{
	(void)state;
	struct bw_call call;
	json_t *in;
	assert_int_equal(
		decode_form("iam", "ListUsers", "POST", "", "Action=ListUsers&Marker=%zz", &in, &call),
		-1);
	assert_string_equal(call.err.code, "InvalidParameterValue");
	assert_int_equal(call.err.status, 400);
}

static void test_bad_integer(void **state)
{
	(void)state;
	struct bw_call call;
	json_t *in;
	assert_int_equal(
		decode_form("iam", "ListUsers", "POST", "", "Action=ListUsers&MaxItems=abc", &in, &call),
		-1);
	assert_string_equal(call.err.code, "InvalidParameterValue");
	assert_non_null(strstr(call.err.message, "MaxItems"));
}

static void test_validation(void **state)
{
	(void)state;
	struct bw_call call;
	json_t *in;
	assert_int_equal(decode_form("iam", "CreateUser", "POST", "", "Action=CreateUser", &in, &call),
	                 -1);
	assert_string_equal(call.err.code, "ValidationError");
}

static void test_get_query_string(void **state)
{
	(void)state;
	struct bw_call call;
	json_t *in;
	assert_int_equal(decode_form("iam", "ListUsers", "GET",
	                             "Action=ListUsers&Version=2010-05-08&MaxItems=5&Unknown=1", "",
	                             &in, &call),
	                 0);
	assert_int_equal(json_integer_value(json_object_get(in, "MaxItems")), 5);
	assert_null(json_object_get(in, "Unknown"));
	json_decref(in);
}

static void test_list_gaps_and_order(void **state)
{
	(void)state;
	struct bw_call call;
	json_t *in;
	/* gaps are tolerated; items are ordered by N numerically, not lexically */
	assert_int_equal(decode_form("iam", "CreateUser", "POST", "",
	                             "Action=CreateUser&UserName=u&Tags.member.10.Key=c"
	                             "&Tags.member.10.Value=3&Tags.member.2.Key=b&Tags.member.2.Value=2"
	                             "&Tags.member.1.Key=a&Tags.member.1.Value=1&Tags.member.01.Key=x"
	                             "&Tags.member.0.Key=y",
	                             &in, &call),
	                 0);
	json_t *tags = json_object_get(in, "Tags");
	assert_int_equal(json_array_size(tags), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(tags, 0), "Key")), "a");
	assert_string_equal(json_string_value(json_object_get(json_array_get(tags, 1), "Key")), "b");
	assert_string_equal(json_string_value(json_object_get(json_array_get(tags, 2), "Key")), "c");
	json_decref(in);
}

static void test_duplicate_first_wins(void **state)
{
	(void)state;
	struct bw_call call;
	json_t *in;
	assert_int_equal(decode_form("iam", "GetUser", "POST", "UserName=first",
	                             "Action=GetUser&UserName=second", &in, &call),
	                 0);
	assert_string_equal(json_string_value(json_object_get(in, "UserName")), "first");
	json_decref(in);
}

static void test_timestamp_and_bool(void **state)
{
	(void)state;
	struct bw_call call;
	json_t *in;
	/* STS GetFederationToken has no timestamp input; IAM's
	 * GetServiceLastAccessedDetailsWithEntities neither; use
	 * UpdateAccountPasswordPolicy for booleans. */
	assert_int_equal(decode_form("iam", "UpdateAccountPasswordPolicy", "POST", "",
	                             "Action=UpdateAccountPasswordPolicy&RequireSymbols=true"
	                             "&RequireNumbers=false&MinimumPasswordLength=12",
	                             &in, &call),
	                 0);
	assert_true(json_is_true(json_object_get(in, "RequireSymbols")));
	assert_true(json_is_false(json_object_get(in, "RequireNumbers")));
	json_decref(in);
	assert_int_equal(decode_form("iam", "UpdateAccountPasswordPolicy", "POST", "",
	                             "Action=UpdateAccountPasswordPolicy&RequireSymbols=yes", &in,
	                             &call),
	                 -1);
	assert_string_equal(call.err.code, "InvalidParameterValue");
}

static void test_encode_bad_output(void **state)
{
	(void)state;
	struct bw_call call;
	memset(&call, 0, sizeof call);
	call.model = bw_model_find("iam");
	call.op = bw_model_op(call.model, "GetUser");
	strcpy(call.request_id, "rid");
	struct bw_http_response resp;
	memset(&resp, 0, sizeof resp);
	/* a handler bug (a number where a string belongs) is a 500, not garbage */
	json_t *out = json_pack("{s:{s:i}}", "User", "UserName", 5);
	assert_int_equal(bw_codec_query.encode(&call, out, &resp), -1);
	assert_int_equal(call.err.status, 500);
	assert_int_equal(resp.body.len, 0);
	json_decref(out);
	bw_resp_free(&resp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_iam_create_user),
		cmocka_unit_test(test_decode_iam_create_user_empty_tags),
		cmocka_unit_test(test_decode_iam_put_user_policy),
		cmocka_unit_test(test_decode_iam_list_users),
		cmocka_unit_test(test_decode_iam_create_policy),
		cmocka_unit_test(test_decode_iam_get_account_authorization_details),
		cmocka_unit_test(test_decode_sts_get_caller_identity),
		cmocka_unit_test(test_decode_sts_assume_role),
		cmocka_unit_test(test_encode_iam_list_users_response),
		cmocka_unit_test(test_encode_iam_delete_user_response),
		cmocka_unit_test(test_encode_iam_error_response),
		cmocka_unit_test(test_encode_sts_get_caller_identity_response),
		cmocka_unit_test(test_encode_sts_assume_role_response),
		cmocka_unit_test(test_missing_action),
		cmocka_unit_test(test_wrong_action),
		cmocka_unit_test(test_bad_escape),
		cmocka_unit_test(test_bad_integer),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_get_query_string),
		cmocka_unit_test(test_list_gaps_and_order),
		cmocka_unit_test(test_duplicate_first_wins),
		cmocka_unit_test(test_timestamp_and_bool),
		cmocka_unit_test(test_encode_bad_output),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
