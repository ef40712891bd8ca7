/* The timestamp forms of the AWS protocols. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/timeutil.h"

static void test_iso8601_format(void **state)
{
	(void)state;
	char out[40];
	assert_int_equal(bw_time_iso8601(0, out, sizeof out), 0);
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	assert_int_equal(bw_time_iso8601(1440938160.5, out, sizeof out), 0);
	assert_string_equal(out, "2015-08-30T12:36:00.500Z");
	assert_int_equal(bw_time_iso8601(1e300, out, sizeof out), -1);
	assert_int_equal(bw_time_iso8601(0, out, 5), -1);
}

static void test_iso8601_parse(void **state)
{
	(void)state;
	double t;
	assert_true(bw_parse_iso8601("2015-08-30T12:36:00Z", &t));
	assert_true(t == 1440938160.0);
	assert_true(bw_parse_iso8601("2015-08-30T12:36:00.250Z", &t));
	assert_true(t == 1440938160.25);
	assert_true(bw_parse_iso8601("2015-08-30T14:36:00+02:00", &t));
	assert_true(t == 1440938160.0);
	assert_true(bw_parse_iso8601("2024-02-29T00:00:00Z", &t));
	assert_false(bw_parse_iso8601("2023-02-29T00:00:00Z", &t));
	assert_false(bw_parse_iso8601("2015-13-30T12:36:00Z", &t));
	assert_false(bw_parse_iso8601("2015-08-30T12:36:00", &t));
	assert_false(bw_parse_iso8601("2015-08-30T12:36:00Zjunk", &t));
	assert_false(bw_parse_iso8601("", &t));
}

static void test_rfc822(void **state)
{
	(void)state;
	char out[40];
	double t;
	assert_int_equal(bw_time_rfc822(1440938160, out, sizeof out), 0);
	assert_string_equal(out, "Sun, 30 Aug 2015 12:36:00 GMT");
	assert_true(bw_parse_rfc822(out, &t));
	assert_true(t == 1440938160.0);
	assert_false(bw_parse_rfc822("Sun, 30 Foo 2015 12:36:00 GMT", &t));
	assert_false(bw_parse_rfc822("Sun, 30 Aug 2015 12:36:00", &t));
}

static void test_amzdate_and_epoch(void **state)
{
	(void)state;
	char out[40];
	double t;
	assert_int_equal(bw_time_amzdate(1440938160, out, sizeof out), 0);
	assert_string_equal(out, "20150830T123600Z");
	assert_true(bw_parse_amzdate(out, &t));
	assert_true(t == 1440938160.0);
	assert_false(bw_parse_amzdate("20150830T123600", &t));
	assert_true(bw_parse_epoch("1440938160.5", &t));
	assert_true(t == 1440938160.5);
	assert_false(bw_parse_epoch("12abc", &t));
	assert_false(bw_parse_epoch("inf", &t));
	assert_true(bw_parse_any_time("Sun, 30 Aug 2015 12:36:00 GMT", &t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso8601_format),
		cmocka_unit_test(test_iso8601_parse),
		cmocka_unit_test(test_rfc822),
		cmocka_unit_test(test_amzdate_and_epoch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
