/*
 * fuzz_pattern.c: values against the models' patterns. The first byte
 * picks one of the patterns of every served model; the rest is the value,
 * as a request would carry it (any bytes: invalid UTF-8 must answer
 * BW_PATTERN_UNKNOWN, never read out of bounds). The same input is also
 * tried as a pattern of its own, so what the matcher cannot read fails
 * closed to "no answer" rather than crashing or looping.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/model.h"
#include "protocol/pattern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *s_patterns[1024];
static size_t s_npatterns;

static void s_collect(void)
{
	for (size_t i = 0; bw_models[i] && s_npatterns < 1024; i++)
		for (uint16_t s = 0; s < bw_models[i]->nshapes && s_npatterns < 1024; s++) {
			const struct bw_shape *sh = bw_shape_at(bw_models[i], s);
			if (sh->pattern)
				s_patterns[s_npatterns++] = sh->pattern;
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!s_npatterns)
		s_collect();
	if (size < 1 || !s_npatterns)
		return 0;
	const char *pattern = s_patterns[data[0] % s_npatterns];
	enum bw_pattern_result r = bw_pattern_match(pattern, (const char *)data + 1, size - 1);
	if (r != BW_PATTERN_MATCH && r != BW_PATTERN_NO_MATCH && r != BW_PATTERN_UNKNOWN)
		abort();
	/* the input as a pattern (NUL-terminated copy) against a fixed value */
	char *own = malloc(size);
	if (!own)
		return 0;
	memcpy(own, data + 1, size - 1);
	own[size - 1] = '\0';
	(void)bw_pattern_match(own, "user-name_01/a.b@c", 18);
	free(own);
	return 0;
}
