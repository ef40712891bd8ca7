/* Policy parsing: malformed documents and their messages, limits, every
 * Principal form, Statement as object and array, Version handling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/policy.h"

#define ID BW_POLICY_IDENTITY
#define RS BW_POLICY_RESOURCE
#define TR BW_POLICY_TRUST

static void expect_error(const char *doc, enum bw_policy_kind kind, const char *msg)
{
	char err[256];
	struct bw_policy *p = (struct bw_policy *)1;
	int rc = bw_policy_parse(doc, strlen(doc), kind, NULL, &p, err, sizeof err);
	if (rc != -1 || p != NULL)
		fail_msg("accepted: %s", doc);
	if (strstr(err, msg) == NULL)
		fail_msg("for %s\n got '%s'\nwant '%s'", doc, err, msg);
}

static struct bw_policy *ok(const char *doc, enum bw_policy_kind kind)
{
	char err[256];
	struct bw_policy *p = NULL;
	if (bw_policy_parse(doc, strlen(doc), kind, NULL, &p, err, sizeof err))
		fail_msg("rejected: %s: %s", doc, err);
	return p;
}

#define S(body) "{\"Version\":\"2012-10-17\",\"Statement\":" body "}"
#define AR "\"Action\":\"kms:Encrypt\",\"Resource\":\"*\""

static void test_malformed(void **state)
{
	(void)state;
	struct {
		const char *doc;
		enum bw_policy_kind kind;
		const char *msg;
	} rows[] = {
		{"", ID, "Syntax errors in policy."},
		{"{", ID, "Syntax errors in policy."},
		{"[]", ID, "Syntax errors in policy."},
		{"\"x\"", ID, "Syntax errors in policy."},
		{"{\"Version\":\"2012-10-17\"}", ID, "Missing required field Statement"},
		{S("{\"Effect\":\"Allow\"," AR "}") "x", ID, "Syntax errors in policy."},
		{"{\"Version\":\"2012-10-17\",\"Version\":\"2012-10-17\",\"Statement\":[]}", ID,
		 "Syntax errors in policy."},
		{"{\"Version\":\"2020-01-01\",\"Statement\":[]}", ID,
		 "The policy must contain a valid version string"},
		{"{\"Version\":20121017,\"Statement\":[]}", ID,
		 "The policy must contain a valid version string"},
		{"{\"Statment\":[]}", ID, "Unknown field Statment"},
		{S("\"x\""), ID, "Statement must be an object or a list"},
		{S("[1]"), ID, "Statement must be an object"},
		{S("{" AR "}"), ID, "Missing required field Effect"},
		{S("{\"Effect\":\"Permit\"," AR "}"), ID, "Invalid effect: Permit"},
		{S("{\"Effect\":\"allow\"," AR "}"), ID, "Invalid effect: allow"},
		{S("{\"Effect\":1," AR "}"), ID, "Effect must be a string"},
		{S("{\"Effect\":\"Allow\",\"Resource\":\"*\"}"), ID,
		 "Policy statement must contain actions."},
		{S("{\"Effect\":\"Allow\",\"Action\":[],\"Resource\":\"*\"}"), ID,
		 "Policy statement must contain actions."},
		{S("{\"Effect\":\"Allow\",\"Action\":\"kms:Encrypt\"}"), ID,
		 "Policy statement must contain resources."},
		{S("{\"Effect\":\"Allow\",\"Action\":\"encrypt\",\"Resource\":\"*\"}"), ID,
		 "Actions/Conditions must be prefaced by a vendor"},
		{S("{\"Effect\":\"Allow\",\"Action\":\"a:b:c\",\"Resource\":\"*\"}"), ID,
		 "Invalid Action: The action a:b:c is invalid"},
		{S("{\"Effect\":\"Allow\",\"Action\":\"kms:\",\"Resource\":\"*\"}"), ID,
		 "Invalid Action: The action kms: is invalid"},
		{S("{\"Effect\":\"Allow\",\"Action\":5,\"Resource\":\"*\"}"), ID,
		 "Action must be a string or a list of strings"},
		{S("{\"Effect\":\"Allow\",\"Action\":[\"kms:A\",{}],\"Resource\":\"*\"}"), ID,
		 "Action must be a string or a list of strings"},
		{S("{\"Effect\":\"Allow\",\"Action\":\"kms:A\",\"NotAction\":\"kms:B\",\"Resource\":\"*\"}"),
		 ID, "both Action and NotAction"},
		{S("{\"Effect\":\"Allow\",\"Action\":\"kms:A\",\"Resource\":\"*\",\"NotResource\":\"*\"}"),
		 ID, "both Resource and NotResource"},
		{S("{\"Effect\":\"Allow\",\"Action\":\"kms:A\",\"Resource\":\"key/1\"}"), ID,
		 "Resource key/1 must be in ARN format or \"*\"."},
		{S("{\"Effect\":\"Allow\",\"Action\":\"kms:A\",\"Resource\":\"arn:aws:kms\"}"), ID,
		 "must be in ARN format"},
		{S("{\"Effect\":\"Allow\"," AR ",\"Principal\":\"*\"}"), ID,
		 "Policy document should not specify a principal."},
		{S("{\"Effect\":\"Allow\"," AR ",\"NotPrincipal\":{\"AWS\":\"*\"}}"),
		 BW_POLICY_BOUNDARY, "Policy document should not specify a principal."},
		{S("{\"Effect\":\"Allow\"," AR "}"), RS, "Missing required field Principal"},
		{S("{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\"}"), TR,
		 "Missing required field Principal"},
		{S("{\"Effect\":\"Allow\",\"Principal\":\"*\"," AR "}"), TR,
		 "Has prohibited field Resource"},
		{S("{\"Effect\":\"Allow\",\"Principal\":\"*\",\"NotPrincipal\":\"*\"," AR "}"), RS,
		 "both Principal and NotPrincipal"},
		{S("{\"Effect\":\"Allow\",\"Principal\":\"alice\"," AR "}"), RS,
		 "Invalid principal in policy: \"alice\""},
		{S("{\"Effect\":\"Allow\",\"Principal\":{}," AR "}"), RS, "Invalid principal in policy"},
		{S("{\"Effect\":\"Allow\",\"Principal\":{\"Users\":\"x\"}," AR "}"), RS,
		 "unknown principal type Users"},
		{S("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"bob\"}," AR "}"), RS,
		 "Invalid principal in policy: \"AWS\":\"bob\""},
		{S("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::*:root\"}," AR "}"), RS,
		 "Invalid principal in policy"},
		{S("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"12345\"}," AR "}"), RS,
		 "Invalid principal in policy"},
		{S("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[]}," AR "}"), RS,
		 "Invalid principal in policy"},
		{S("{\"Effect\":\"Allow\",\"Principal\":{\"Service\":1}," AR "}"), RS,
		 "Principal must be a string or a list of strings"},
		{S("{\"Sid\":\"has space\",\"Effect\":\"Allow\"," AR "}"), ID,
		 "Statement IDs (SID) must be alpha-numeric."},
		{S("{\"Sid\":1,\"Effect\":\"Allow\"," AR "}"), ID, "Sid must be a string"},
		{S("[{\"Sid\":\"A\",\"Effect\":\"Allow\"," AR "},{\"Sid\":\"A\",\"Effect\":\"Deny\"," AR
		   "}]"),
		 ID, "Statement IDs (SID) in a single policy must be unique."},
		{S("{\"Effect\":\"Allow\"," AR ",\"Foo\":1}"), ID, "Unknown field Foo"},
		{S("{\"Effect\":\"Allow\"," AR ",\"Condition\":[]}"), ID, "Condition must be an object"},
		{S("{\"Effect\":\"Allow\"," AR ",\"Condition\":{\"StringEquals\":\"x\"}}"), ID,
		 "Condition StringEquals must be an object"},
		{S("{\"Effect\":\"Allow\"," AR ",\"Condition\":{\"StringEqualz\":{\"aws:x\":\"y\"}}}"), ID,
		 "Invalid Condition type : StringEqualz"},
		{S("{\"Effect\":\"Allow\"," AR ",\"Condition\":{\"NullIfExists\":{\"aws:x\":\"true\"}}}"),
		 ID, "Invalid Condition type : NullIfExists"},
		{S("{\"Effect\":\"Allow\"," AR
		   ",\"Condition\":{\"ForSomeValues:StringEquals\":{\"aws:x\":\"y\"}}}"),
		 ID, "Invalid Condition type"},
		{S("{\"Effect\":\"Allow\"," AR ",\"Condition\":{\"Null\":{\"aws:x\":\"maybe\"}}}"), ID,
		 "Invalid Condition value for Null: maybe"},
		{S("{\"Effect\":\"Allow\"," AR ",\"Condition\":{\"StringEquals\":{\"nokey\":\"y\"}}}"), ID,
		 "Actions/Conditions must be prefaced by a vendor"},
		{S("{\"Effect\":\"Allow\"," AR ",\"Condition\":{\"StringEquals\":{\"aws:x\":{}}}}"), ID,
		 "Condition value must be a string or a list of strings"},
		{S("{\"Effect\":\"Allow\"," AR ",\"Condition\":{\"StringEquals\":{\"aws:x\":[null]}}}"), ID,
		 "Condition value must be a string"},
		{"{\"Version\":\"2012-10-17\",\"Id\":5,\"Statement\":[]}", ID, "Id must be a string"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
		expect_error(rows[i].doc, rows[i].kind, rows[i].msg);
	/* an embedded NUL inside the stated length */
	const char nul[] = "{\"Version\":\"2012-10-17\",\"Statement\":[]}\0";
	char err[128];
	struct bw_policy *p = NULL;
	assert_int_equal(bw_policy_parse(nul, sizeof nul - 1, ID, NULL, &p, err, sizeof err), -1);
	assert_null(p);
	/* a tiny error buffer stays terminated */
	char tiny[8];
	assert_int_equal(bw_policy_parse("{", 1, ID, NULL, &p, tiny, sizeof tiny), -1);
	assert_int_equal(strlen(tiny), 7);
	assert_int_equal(bw_policy_parse("{", 1, ID, NULL, &p, NULL, 0), -1);
}

static void test_limits(void **state)
{
	(void)state;
	struct bw_policy_limits lim = {.max_doc_bytes = 64};
	char err[256];
	struct bw_policy *p = NULL;
	const char *doc = S("{\"Effect\":\"Allow\"," AR "}");
	assert_int_equal(bw_policy_parse(doc, strlen(doc), ID, &lim, &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "at most 64 are allowed"));

	lim = (struct bw_policy_limits){.max_statements = 2};
	const char *three = S("[{\"Effect\":\"Allow\"," AR "},{\"Effect\":\"Allow\"," AR
	                      "},{\"Effect\":\"Allow\"," AR "}]");
	assert_int_equal(bw_policy_parse(three, strlen(three), ID, &lim, &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "Policy has 3 statements; at most 2"));

	lim = (struct bw_policy_limits){.max_values = 2};
	const char *vals = S("{\"Effect\":\"Allow\",\"Action\":[\"a:b\",\"a:c\",\"a:d\"],"
	                     "\"Resource\":\"*\"}");
	assert_int_equal(bw_policy_parse(vals, strlen(vals), ID, &lim, &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "Action has 3 values; at most 2"));

	/* nesting is refused before the JSON parser recurses */
	size_t n = 100000;
	char *deep = malloc(2 * n + 1);
	assert_non_null(deep);
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = 0;
	lim = (struct bw_policy_limits){.max_doc_bytes = 4 * n};
	assert_int_equal(bw_policy_parse(deep, 2 * n, ID, &lim, &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "Nesting deeper than 16 levels"));
	free(deep);
	/* brackets inside strings do not count */
	const char *str = S("{\"Sid\":\"A\",\"Effect\":\"Allow\",\"Action\":\"kms:Encrypt\","
	                    "\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"aws:x\":"
	                    "\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"[[[[[\"}}}");
	p = ok(str, ID);
	bw_policy_unref(p);
	/* default document bound */
	size_t big = 200000;
	char *huge = malloc(big);
	assert_non_null(huge);
	memset(huge, ' ', big);
	assert_int_equal(bw_policy_parse(huge, big, ID, NULL, &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "at most 131072"));
	free(huge);
}

static void test_principal_forms(void **state)
{
	(void)state;
	const char *forms[] = {
		"\"*\"",
		"{\"AWS\":\"*\"}",
		"{\"AWS\":\"111122223333\"}",
		"{\"AWS\":\"arn:aws:iam::111122223333:root\"}",
		("{\"AWS\":[\"arn:aws:iam::111122223333:user/alice\",\"arn:aws:iam::111122223333:role/R\","
		 "\"arn:aws:sts::111122223333:assumed-role/R/s\",\"arn:aws:sts::111122223333:federated-user/f\"]}"),
		"{\"Service\":\"cloudtrail.amazonaws.com\"}",
		"{\"Service\":[\"ec2.amazonaws.com\",\"lambda.amazonaws.com\"]}",
		"{\"Federated\":\"cognito-identity.amazonaws.com\"}",
		"{\"Federated\":\"arn:aws:iam::111122223333:saml-provider/Okta\"}",
		"{\"CanonicalUser\":\"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be\"}",
		"{\"AWS\":\"111122223333\",\"Service\":\"s3.amazonaws.com\"}",
	};
	for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
		char doc[1024];
		snprintf(doc, sizeof doc, S("{\"Effect\":\"Allow\",\"Principal\":%s," AR "}"), forms[i]);
		bw_policy_unref(ok(doc, RS));
		snprintf(doc, sizeof doc, S("{\"Effect\":\"Deny\",\"NotPrincipal\":%s," AR "}"), forms[i]);
		bw_policy_unref(ok(doc, RS));
		snprintf(doc, sizeof doc,
		         S("{\"Effect\":\"Allow\",\"Principal\":%s,\"Action\":\"sts:AssumeRole\"}"),
		         forms[i]);
		bw_policy_unref(ok(doc, TR));
	}
	/* a bare account id behaves as the account root */
	const char *doc = S("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"111122223333\"}," AR "}");
	struct bw_policy *p = ok(doc, RS);
	const char *res[] = {"arn:aws:kms:us-east-1:444455556666:key/k"};
	struct bw_request_ctx ctx = {.action = "kms:Encrypt", .resources = res, .n_resources = 1,
	                             .principal_arn = "arn:aws:iam::111122223333:root",
	                             .principal_account = "111122223333",
	                             .principal_type = BW_PRINCIPAL_ACCOUNT,
	                             .resource_account = "444455556666"};
	struct bw_policy_set set = {.resource = p};
	struct bw_eval_result r;
	assert_int_equal(bw_policy_evaluate(&ctx, &set, &r), 0);
	assert_int_equal(r.decision, BW_DECISION_ALLOW);
	bw_policy_unref(p);
}

static void test_statement_and_version(void **state)
{
	(void)state;
	struct bw_policy *p = ok(S("{\"Effect\":\"Allow\"," AR "}"), ID);
	assert_int_equal(bw_policy_statement_count(p), 1);
	assert_string_equal(bw_policy_version(p), "2012-10-17");
	assert_null(bw_policy_id(p));
	assert_int_equal(bw_policy_get_kind(p), ID);
	bw_policy_unref(p);
	p = ok(S("[{\"Effect\":\"Allow\"," AR "},{\"Sid\":\"Two\",\"Effect\":\"Deny\",\"NotAction\":"
	         "[\"iam:*\",\"sts:*\"],\"NotResource\":[\"arn:aws:s3:::b\",\"arn:aws:s3:::b/*\"]}]"),
	       ID);
	assert_int_equal(bw_policy_statement_count(p), 2);
	bw_policy_unref(p);
	p = ok(S("[]"), ID);
	assert_int_equal(bw_policy_statement_count(p), 0);
	bw_policy_unref(p);
	p = ok("{\"Statement\":{\"Effect\":\"Allow\"," AR "}}", ID);
	assert_string_equal(bw_policy_version(p), "2008-10-17");
	bw_policy_unref(p);
	p = ok("{\"Version\":\"2008-10-17\",\"Id\":\"key-default-1\",\"Statement\":{\"Effect\":"
	       "\"Allow\"," AR "}}",
	       ID);
	assert_string_equal(bw_policy_version(p), "2008-10-17");
	assert_string_equal(bw_policy_id(p), "key-default-1");
	/* references */
	assert_ptr_equal(bw_policy_ref(p), p);
	bw_policy_unref(p);
	bw_policy_unref(p);
	bw_policy_unref(NULL);
	/* resource policies may use free-form Sids and omit Resource */
	p = ok(S("{\"Sid\":\"Enable IAM User Permissions\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"
	         "\"arn:aws:iam::111122223333:root\"},\"Action\":\"kms:*\"}"),
	       RS);
	bw_policy_unref(p);
	/* every condition operator, IfExists form and set prefix is accepted */
	const char *ops[] = {"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase",
	                     "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
	                     "NumericEquals", "NumericNotEquals", "NumericLessThan",
	                     "NumericLessThanEquals", "NumericGreaterThan",
	                     "NumericGreaterThanEquals", "DateEquals", "DateNotEquals",
	                     "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
	                     "DateGreaterThanEquals", "Bool", "BinaryEquals", "IpAddress",
	                     "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"};
	for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
		const char *pre[] = {"", "", "ForAnyValue:", "ForAllValues:"};
		const char *suf[] = {"", "IfExists", "", "IfExists"};
		for (size_t f = 0; f < 4; f++) {
			char op[96], doc[512];
			snprintf(op, sizeof op, "%s%s%s", pre[f], ops[i], suf[f]);
			snprintf(doc, sizeof doc,
			         S("{\"Effect\":\"Allow\"," AR ",\"Condition\":{\"%s\":{\"aws:x\":[\"1\",2,"
			           "true]}}}"),
			         op);
			bw_policy_unref(ok(doc, ID));
		}
	}
	bw_policy_unref(ok(S("{\"Effect\":\"Allow\"," AR ",\"Condition\":{\"Null\":{\"aws:x\":true}}}"),
	                   ID));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_principal_forms),
		cmocka_unit_test(test_statement_and_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
