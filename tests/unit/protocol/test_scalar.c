/* test_scalar.c: text <-> internal form of scalar shapes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "protocol/scalar.h"

static const struct bw_shape s_str = {.name = "S", .type = BW_T_STRING};
static const struct bw_shape s_int = {.name = "I", .type = BW_T_INTEGER};
static const struct bw_shape s_long = {.name = "L", .type = BW_T_LONG};
static const struct bw_shape s_dbl = {.name = "D", .type = BW_T_DOUBLE};
static const struct bw_shape s_bool = {.name = "B", .type = BW_T_BOOLEAN};
static const struct bw_shape s_ts = {.name = "T", .type = BW_T_TIMESTAMP};
static const struct bw_shape s_blob = {.name = "X", .type = BW_T_BLOB};
static const struct bw_shape s_struct = {.name = "O", .type = BW_T_STRUCTURE};

static json_t *s_from(const struct bw_shape *sh, const char *text, enum bw_ts_format f)
{
	return bw_scalar_from_text(sh, text, strlen(text), f);
}

static void s_expect_text(const struct bw_shape *sh, json_t *v, enum bw_ts_format f,
                          const char *want)
{
	struct bw_buf out = {0};
	assert_int_equal(bw_scalar_to_text(sh, v, f, &out), 0);
	assert_string_equal(bw_buf_cstr(&out), want);
	bw_buf_free(&out);
	json_decref(v);
}

static void test_booleans(void **state)
{
	(void)state;
	json_t *v = s_from(&s_bool, "true", 0);
	assert_true(json_is_true(v));
	s_expect_text(&s_bool, v, 0, "true");
	v = s_from(&s_bool, "false", 0);
	assert_true(json_is_false(v));
	s_expect_text(&s_bool, v, 0, "false");
	assert_null(s_from(&s_bool, "TRUE", 0));
	assert_null(s_from(&s_bool, "1", 0));
	assert_null(s_from(&s_bool, "", 0));
	assert_null(bw_scalar_from_text(&s_bool, "truex", 4 + 1, 0));
	/* bounded: only the first 4 bytes count */
	v = bw_scalar_from_text(&s_bool, "truex", 4, 0);
	assert_true(json_is_true(v));
	json_decref(v);
}

static void test_integers(void **state)
{
	(void)state;
	json_t *v = s_from(&s_int, "2147483647", 0);
	assert_int_equal(json_integer_value(v), 2147483647);
	s_expect_text(&s_int, v, 0, "2147483647");
	v = s_from(&s_int, "-2147483648", 0);
	assert_int_equal(json_integer_value(v), -2147483648LL);
	json_decref(v);
	assert_null(s_from(&s_int, "2147483648", 0));
	assert_null(s_from(&s_int, "-2147483649", 0));
	v = s_from(&s_long, "9223372036854775807", 0);
	assert_int_equal(json_integer_value(v), INT64_MAX);
	json_decref(v);
	v = s_from(&s_long, "-9223372036854775808", 0);
	assert_true(json_integer_value(v) == INT64_MIN);
	json_decref(v);
	assert_null(s_from(&s_long, "9223372036854775808", 0));
	assert_null(s_from(&s_long, "99999999999999999999999", 0));
	assert_null(s_from(&s_int, "+1", 0));
	assert_null(s_from(&s_int, " 1", 0));
	assert_null(s_from(&s_int, "1.0", 0));
	assert_null(s_from(&s_int, "0x10", 0));
	assert_null(s_from(&s_int, "-", 0));
	assert_null(s_from(&s_int, "", 0));
}

static void test_floats(void **state)
{
	(void)state;
	json_t *v = s_from(&s_dbl, "1.5", 0);
	assert_true(json_real_value(v) == 1.5);
	s_expect_text(&s_dbl, v, 0, "1.5");
	v = s_from(&s_dbl, "-2e3", 0);
	assert_true(json_real_value(v) == -2000.0);
	s_expect_text(&s_dbl, v, 0, "-2000");
	v = s_from(&s_dbl, "0.1", 0);
	s_expect_text(&s_dbl, v, 0, "0.1");
	assert_null(s_from(&s_dbl, "0x1p3", 0));
	assert_null(s_from(&s_dbl, "inf", 0));
	assert_null(s_from(&s_dbl, " 1", 0));
	assert_null(s_from(&s_dbl, "1e999", 0));
	/* jansson cannot hold non-finite reals: refused, not altered */
	assert_null(s_from(&s_dbl, "NaN", 0));
	assert_null(s_from(&s_dbl, "Infinity", 0));
}

static void test_timestamps(void **state)
{
	(void)state;
	json_t *v = s_from(&s_ts, "2015-01-25T08:00:00Z", BW_TS_ISO8601);
	assert_int_equal(json_integer_value(v), 1422172800);
	s_expect_text(&s_ts, v, BW_TS_ISO8601, "2015-01-25T08:00:00Z");
	v = s_from(&s_ts, "2015-01-25T08:00:00.250Z", BW_TS_DEFAULT);
	assert_true(json_is_real(v));
	assert_true(json_real_value(v) == 1422172800.25);
	s_expect_text(&s_ts, json_incref(v), BW_TS_ISO8601, "2015-01-25T08:00:00.250Z");
	s_expect_text(&s_ts, json_incref(v), BW_TS_EPOCH, "1422172800.25");
	s_expect_text(&s_ts, v, BW_TS_RFC822, "Sun, 25 Jan 2015 08:00:00 GMT");
	v = s_from(&s_ts, "Sun, 25 Jan 2015 08:00:00 GMT", BW_TS_RFC822);
	assert_int_equal(json_integer_value(v), 1422172800);
	s_expect_text(&s_ts, v, BW_TS_EPOCH, "1422172800");
	v = s_from(&s_ts, "1422172800", BW_TS_EPOCH);
	assert_int_equal(json_integer_value(v), 1422172800);
	json_decref(v);
	assert_null(s_from(&s_ts, "1422172800", BW_TS_ISO8601));
	assert_null(s_from(&s_ts, "2015-01-25T08:00:00Z", BW_TS_RFC822));
	assert_null(s_from(&s_ts, "2015-02-30T08:00:00Z", BW_TS_DEFAULT));
	assert_null(s_from(&s_ts, "yesterday", BW_TS_DEFAULT));
	assert_null(s_from(&s_ts, "", BW_TS_DEFAULT));
	/* a NUL inside the bounded text is not a timestamp */
	assert_null(bw_scalar_from_text(&s_ts, "1422172800\0x", 12, BW_TS_EPOCH));
}

static void test_blobs_and_strings(void **state)
{
	(void)state;
	json_t *v = s_from(&s_blob, "aGVsbG8=", 0);
	assert_string_equal(json_string_value(v), "aGVsbG8=");
	s_expect_text(&s_blob, v, 0, "aGVsbG8=");
	assert_null(s_from(&s_blob, "aGVsbG8", 0));
	assert_null(s_from(&s_blob, "a*==", 0));
	v = s_from(&s_blob, "", 0);
	assert_string_equal(json_string_value(v), "");
	json_decref(v);
	v = s_from(&s_str, "caf\xc3\xa9", 0);
	s_expect_text(&s_str, v, 0, "caf\xc3\xa9");
	assert_null(s_from(&s_str, "\xff\xfe", 0));
	assert_null(s_from(&s_struct, "x", 0));
	struct bw_buf out = {0};
	json_t *i = json_integer(3);
	assert_int_equal(bw_scalar_to_text(&s_str, i, 0, &out), -1);
	assert_int_equal(bw_scalar_to_text(&s_ts, i, BW_TS_DEFAULT, &out), -1);
	json_decref(i);
	bw_buf_free(&out);
}

static void test_ts_format_of(void **state)
{
	(void)state;
	struct bw_member mb = {.name = "M", .ts_format = BW_TS_ISO8601};
	struct bw_shape sh = {.name = "T", .type = BW_T_TIMESTAMP, .ts_format = BW_TS_EPOCH};
	assert_int_equal(bw_ts_format_of(&mb, &sh, BW_TS_RFC822), BW_TS_ISO8601);
	mb.ts_format = BW_TS_DEFAULT;
	assert_int_equal(bw_ts_format_of(&mb, &sh, BW_TS_RFC822), BW_TS_EPOCH);
	sh.ts_format = BW_TS_DEFAULT;
	assert_int_equal(bw_ts_format_of(&mb, &sh, BW_TS_RFC822), BW_TS_RFC822);
	assert_int_equal(bw_ts_format_of(NULL, NULL, BW_TS_ISO8601), BW_TS_ISO8601);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_booleans),    cmocka_unit_test(test_integers),
		cmocka_unit_test(test_floats),      cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_blobs_and_strings), cmocka_unit_test(test_ts_format_of),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
