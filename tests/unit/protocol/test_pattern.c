/* test_pattern.c: the models' Java regular expressions, matched whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "protocol/model.h"
#include "protocol/pattern.h"

static enum bw_pattern_result s_m(const char *pattern, const char *s)
{
	return bw_pattern_match(pattern, s, strlen(s));
}

static void test_iam_names(void **state)
{
	(void)state;
	const char *user = "[\\w+=,.@-]+";
	assert_int_equal(s_m(user, "alice"), BW_PATTERN_MATCH);
	assert_int_equal(s_m(user, "a+b=c,d.e@f-g_H9"), BW_PATTERN_MATCH);
	assert_int_equal(s_m(user, "bad name"), BW_PATTERN_NO_MATCH);
	assert_int_equal(s_m(user, "x/y"), BW_PATTERN_NO_MATCH);
	assert_int_equal(s_m(user, ""), BW_PATTERN_NO_MATCH);
	/* Java's \w is ASCII, as AWS's is */
	assert_int_equal(s_m(user, "j\xc3\xbcrgen"), BW_PATTERN_NO_MATCH);
	/* a prefix match is not a match: the whole value must match */
	assert_int_equal(s_m(user, "alice!"), BW_PATTERN_NO_MATCH);
}

static void test_iam_paths(void **state)
{
	(void)state;
	const char *path = "(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)";
	assert_int_equal(s_m(path, "/"), BW_PATTERN_MATCH);
	assert_int_equal(s_m(path, "/a/b/"), BW_PATTERN_MATCH);
	assert_int_equal(s_m(path, "a/"), BW_PATTERN_NO_MATCH);
	assert_int_equal(s_m(path, "/a"), BW_PATTERN_NO_MATCH);
	assert_int_equal(s_m(path, "/a b/"), BW_PATTERN_NO_MATCH);
	const char *prefix = "((/[A-Za-z0-9\\.,\\+@=_-]+)*)/";
	assert_int_equal(s_m(prefix, "/"), BW_PATTERN_MATCH);
	assert_int_equal(s_m(prefix, "/eng/dev/"), BW_PATTERN_MATCH);
	assert_int_equal(s_m(prefix, "//"), BW_PATTERN_NO_MATCH);
}

static void test_classes_and_escapes(void **state)
{
	(void)state;
	const char *doc = "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+";
	assert_int_equal(s_m(doc, "{\"Version\":\"2012-10-17\"}\n\t"), BW_PATTERN_MATCH);
	assert_int_equal(s_m(doc, "a\x01"), BW_PATTERN_NO_MATCH);
	assert_int_equal(s_m(doc, "\xc3\xa9"), BW_PATTERN_MATCH);        /* U+00E9 */
	assert_int_equal(s_m(doc, "\xe2\x82\xac"), BW_PATTERN_NO_MATCH); /* U+20AC */
	const char *tag = "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*";
	assert_int_equal(s_m(tag, "Cost Center: 12/a=b+c-d@e"), BW_PATTERN_MATCH);
	assert_int_equal(s_m(tag, ""), BW_PATTERN_MATCH);
	assert_int_equal(s_m(tag, "a;b"), BW_PATTERN_NO_MATCH);
	assert_int_equal(s_m(tag, "caf\xc3\xa9"), BW_PATTERN_MATCH);
	assert_int_equal(s_m("[ -~]+", "hello ~"), BW_PATTERN_MATCH);
	assert_int_equal(s_m("[ -~]+", "tab\there"), BW_PATTERN_NO_MATCH);
	assert_int_equal(s_m("[\\w|\\d|\\.|_]+", "a|b.c"), BW_PATTERN_MATCH);
	assert_int_equal(s_m("\\d{12}", "123456789012"), BW_PATTERN_MATCH);
	assert_int_equal(s_m("\\d{12}", "12345678901"), BW_PATTERN_NO_MATCH);
	/* a surrogate pair written as two escapes is one code point */
	const char *json = "[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\t]*";
	assert_int_equal(s_m(json, "ok \xf0\x9f\x98\x80"), BW_PATTERN_MATCH);
	assert_int_equal(s_m(json, "no\n"), BW_PATTERN_NO_MATCH);
}

static void test_groups_anchors_lookahead(void **state)
{
	(void)state;
	const char *kms_alias = "^[a-zA-Z0-9:/_-]+$";
	assert_int_equal(s_m(kms_alias, "alias/my-key_1"), BW_PATTERN_MATCH);
	assert_int_equal(s_m(kms_alias, "alias/bad key"), BW_PATTERN_NO_MATCH);
	const char *region = "^([a-z]+-){2,3}\\d+$";
	assert_int_equal(s_m(region, "eu-west-1"), BW_PATTERN_MATCH);
	assert_int_equal(s_m(region, "us-gov-west-1"), BW_PATTERN_MATCH);
	assert_int_equal(s_m(region, "west-1"), BW_PATTERN_NO_MATCH);
	const char *bucket = "^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$";
	assert_int_equal(s_m(bucket, "my-bucket"), BW_PATTERN_MATCH);
	assert_int_equal(s_m(bucket, "my--bucket"), BW_PATTERN_NO_MATCH);
	const char *xks = "^(/[a-zA-Z0-9\\/_-]+/kms/xks/v\\d{1,2})$|^(/kms/xks/v\\d{1,2})$";
	assert_int_equal(s_m(xks, "/kms/xks/v1"), BW_PATTERN_MATCH);
	assert_int_equal(s_m(xks, "/a/b/kms/xks/v12"), BW_PATTERN_MATCH);
	assert_int_equal(s_m(xks, "/kms/xks/v123"), BW_PATTERN_NO_MATCH);
	assert_int_equal(s_m("v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?", "v12.ab-c"), BW_PATTERN_MATCH);
	assert_int_equal(s_m("(?s).*", "two\nlines"), BW_PATTERN_MATCH);
	assert_int_equal(s_m("[\\s\\S]*", "any\nthing"), BW_PATTERN_MATCH);
	assert_int_equal(s_m("\\W+", "!? "), BW_PATTERN_MATCH);
	assert_int_equal(s_m("\\W+", "a"), BW_PATTERN_NO_MATCH);
	assert_int_equal(s_m("[^\\d]+", "ab"), BW_PATTERN_MATCH);
	assert_int_equal(s_m("[^\\d]+", "a1"), BW_PATTERN_NO_MATCH);
	assert_int_equal(s_m(".*", "two\nlines"), BW_PATTERN_NO_MATCH);
	assert_int_equal(s_m("(a|ab)(c|bcd)", "abcd"), BW_PATTERN_MATCH);
	assert_int_equal(s_m(".*\\b[a-f0-9]{2}\\b.*", "id ab here"), BW_PATTERN_MATCH);
	assert_int_equal(s_m(".*\\b[a-f0-9]{2}\\b.*", "idab here"), BW_PATTERN_NO_MATCH);
	assert_int_equal(s_m("(a*)*b", "aaab"), BW_PATTERN_MATCH);
}

/* What the matcher cannot read, and what would take too long, decide nothing. */
static void test_unknown_is_no_answer(void **state)
{
	(void)state;
	assert_int_equal(s_m("\\Bword", "word"), BW_PATTERN_UNKNOWN);
	assert_int_equal(s_m("(?<name>a)", "a"), BW_PATTERN_UNKNOWN);
	assert_int_equal(s_m("a++", "aa"), BW_PATTERN_UNKNOWN);
	assert_int_equal(s_m("[a", "a"), BW_PATTERN_UNKNOWN);
	assert_int_equal(s_m("(a", "a"), BW_PATTERN_UNKNOWN);
	assert_int_equal(s_m("a{2,1}", "a"), BW_PATTERN_UNKNOWN);
	assert_int_equal(bw_pattern_match("[a-z]+", "ab\xff", 3), BW_PATTERN_UNKNOWN);
	/* catastrophic backtracking runs out of budget, not out of time */
	char s[64];
	memset(s, 'a', sizeof s - 2);
	s[sizeof s - 2] = '!';
	s[sizeof s - 1] = '\0';
	assert_int_equal(s_m("(a|aa)*b", s), BW_PATTERN_UNKNOWN);
	/* long values: no recursion per character */
	size_t n = 200000;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'x', n);
	big[n] = '\0';
	assert_int_equal(s_m("[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+", big), BW_PATTERN_MATCH);
	free(big);
}

/* Every pattern of every model the server serves compiles here: none is
 * silently skipped as unknown (an empty value is only a probe). */
static void test_every_model_pattern_is_read(void **state)
{
	(void)state;
	const char *known_unread[] = {NULL};
	for (size_t i = 0; bw_models[i]; i++) {
		const struct bw_service_model *m = bw_models[i];
		for (uint16_t s = 0; s < m->nshapes; s++) {
			const struct bw_shape *sh = bw_shape_at(m, s);
			if (!sh->pattern)
				continue;
			enum bw_pattern_result r = s_m(sh->pattern, "");
			bool listed = false;
			for (size_t k = 0; known_unread[k]; k++)
				listed = listed || strcmp(known_unread[k], sh->pattern) == 0;
			if (r == BW_PATTERN_UNKNOWN && !listed)
				fail_msg("%s %s: pattern not read: %s", m->name, sh->name, sh->pattern);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iam_names),
		cmocka_unit_test(test_iam_paths),
		cmocka_unit_test(test_classes_and_escapes),
		cmocka_unit_test(test_groups_anchors_lookahead),
		cmocka_unit_test(test_unknown_is_no_answer),
		cmocka_unit_test(test_every_model_pattern_is_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
