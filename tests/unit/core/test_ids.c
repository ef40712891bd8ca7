/* Ids: request ids are UUID v4; event ids are UUID v7, sorting by their time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/ids.h"

static void s_assert_uuid(const char *id, char version)
{
	assert_int_equal(strlen(id), BW_REQUEST_ID_LEN);
	for (int i = 0; i < BW_REQUEST_ID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			assert_int_equal(id[i], '-');
		else
			assert_non_null(strchr("0123456789abcdef", id[i]));
	}
	assert_int_equal(id[14], version);
	assert_non_null(strchr("89ab", id[19])); /* the RFC 9562 variant */
}

static void test_request_ids_are_random_v4(void **state)
{
	(void)state;
	char a[BW_REQUEST_ID_LEN + 1], b[BW_REQUEST_ID_LEN + 1];
	bw_request_id(a);
	bw_request_id(b);
	s_assert_uuid(a, '4');
	s_assert_uuid(b, '4');
	assert_string_not_equal(a, b);
}

static void test_event_ids_are_v7_in_time_order(void **state)
{
	(void)state;
	char prev[BW_REQUEST_ID_LEN + 1] = "", id[BW_REQUEST_ID_LEN + 1];
	/* 2026-11-22T00:00:00Z and on, a millisecond apart, across the pool's
	 * refills: each id sorts after the one before */
	for (int64_t ms = 1795305600000; ms < 1795305600000 + 2000; ms++) {
		bw_time_ordered_id(id, ms);
		s_assert_uuid(id, '7');
		assert_true(strcmp(prev, id) < 0);
		memcpy(prev, id, sizeof id);
	}
	/* the first 48 bits are the time */
	bw_time_ordered_id(id, 0x0123456789ab);
	assert_memory_equal(id, "01234567-89ab-7", 15);
	/* same millisecond: still distinct */
	char again[BW_REQUEST_ID_LEN + 1];
	bw_time_ordered_id(again, 0x0123456789ab);
	assert_string_not_equal(id, again);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_ids_are_random_v4),
		cmocka_unit_test(test_event_ids_are_v7_in_time_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
