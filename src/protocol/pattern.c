/*
 * pattern.c: whole-value matching of the models' Java regular expressions
 * with PCRE2 (pattern.h).
 *
 * Java and PCRE2 read the models' patterns alike once PCRE2 is told to:
 * UTF mode (the value is UTF-8; \p{L} is Unicode's), no UCP (Java's \w, \d,
 * \s and \b are ASCII-only by default, as PCRE2's are without it), Java's
 * \uXXXX escapes (PCRE2_ALT_BSUX, exactly four hex digits, as in Java), and
 * the whole value anchored at both ends (Java's matches()). What Java
 * reads differently is translated first (s_translate).
 *
 * Compiled patterns are kept, keyed by their text: the models hold a few
 * hundred. A match has a backtracking budget; a pattern that exceeds it,
 * or that PCRE2 cannot compile, has no answer (BW_PATTERN_UNKNOWN).
 */
#include "protocol/pattern.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_CACHE_SLOTS  1024 /* a power of two, above the models' patterns */
#define S_MATCH_LIMIT  100000
#define S_DEPTH_LIMIT  10000
#define S_MAX_PATTERN  4096

struct s_slot {
	char *text;       /* the pattern as the model writes it */
	pcre2_code *code; /* NULL: PCRE2 could not compile it */
};

static struct s_slot s_cache[S_CACHE_SLOTS];
static size_t s_cached;
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;

static int s_hex4(const char *s, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0'
		      : c >= 'a' && c <= 'f' ? c - 'a' + 10
		      : c >= 'A' && c <= 'F' ? c - 'A' + 10
		                             : -1;
		if (d < 0)
			return -1;
		v = v * 16 + (uint32_t)d;
	}
	*out = v;
	return 0;
}

/* The length of the escape at s (a backslash) and whether it names one
 * character (true) or a class of them (\d, \p{L} ...); a surrogate pair
 * of \u escapes is one character. */
static size_t s_escape_len(const char *s, bool *one_char)
{
	uint32_t hi, lo;
	*one_char = true;
	if (s[1] == 'u' && s_hex4(s + 2, &hi) == 0) {
		if (hi >= 0xD800 && hi <= 0xDBFF && s[6] == '\\' && s[7] == 'u' &&
		    s_hex4(s + 8, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF)
			return 12;
		return 6;
	}
	if (s[1] == 'p' || s[1] == 'P') {
		const char *close = s[2] == '{' ? strchr(s + 3, '}') : NULL;
		*one_char = false;
		return close ? (size_t)(close - s) + 1 : 2;
	}
	if (s[1] && strchr("dDwWsS", s[1]))
		*one_char = false;
	return s[1] ? 2 : 1;
}

/* Copy one escape of n bytes, a surrogate pair becoming "\u{XXXXX}". */
static char *s_copy_escape(char *o, const char *s, size_t n)
{
	uint32_t hi, lo;
	if (n == 12 && s_hex4(s + 2, &hi) == 0 && s_hex4(s + 8, &lo) == 0)
		return o + sprintf(o, "\\u{%X}", (unsigned)(0x10000 + ((hi - 0xD800) << 10) +
		                                             (lo - 0xDC00)));
	memcpy(o, s, n);
	return o + n;
}

/*
 * Java's pattern in PCRE2's terms. Two differences matter to the models:
 * a supplementary character written as a surrogate pair of escapes
 * (Java: one code point; PCRE2's UTF mode refuses surrogates) becomes
 * \u{XXXXX}; and in a class, a '-' that cannot make a range (after a range
 * or a class escape, as in [0-9-_] or [\d-_]) is a literal to Java and an
 * error to PCRE2, so it is escaped. NULL if out of memory.
 */
static char *s_translate(const char *java)
{
	size_t len = strlen(java);
	/* a pair (12 bytes) becomes at most 10, a '-' 2: twice is enough */
	char *out = malloc(2 * len + 1), *o = out;
	if (!out)
		return NULL;
	bool in_class = false, can_start_range = false;
	for (const char *s = java; *s;) {
		bool one_char;
		if (!in_class) {
			if (*s == '\\') {
				size_t n = s_escape_len(s, &one_char);
				o = s_copy_escape(o, s, n);
				s += n;
				continue;
			}
			if (*s == '[') {
				in_class = true;
				can_start_range = false;
				*o++ = *s++;
				if (*s == '^')
					*o++ = *s++;
				continue;
			}
			*o++ = *s++;
			continue;
		}
		if (*s == ']') {
			in_class = false;
			*o++ = *s++;
		} else if (*s == '-' && can_start_range && s[1] && s[1] != ']') {
			/* a range: its end is copied as one character */
			*o++ = *s++;
			if (*s == '\\') {
				size_t n = s_escape_len(s, &one_char);
				o = s_copy_escape(o, s, n);
				s += n;
			} else {
				*o++ = *s++;
			}
			can_start_range = false;
		} else if (*s == '-') {
			*o++ = '\\';
			*o++ = *s++;
			can_start_range = true;
		} else if (*s == '\\') {
			size_t n = s_escape_len(s, &one_char);
			o = s_copy_escape(o, s, n);
			s += n;
			can_start_range = one_char;
		} else {
			*o++ = *s++;
			can_start_range = true;
		}
	}
	*o = '\0';
	return out;
}

static pcre2_code *s_compile(const char *java)
{
	char *text = s_translate(java);
	pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
	pcre2_code *code = NULL;
	if (text && cc &&
	    pcre2_set_compile_extra_options(cc, PCRE2_EXTRA_ALT_BSUX) == 0 &&
	    pcre2_set_newline(cc, PCRE2_NEWLINE_ANYCRLF) == 0) {
		int err;
		PCRE2_SIZE off;
		code = pcre2_compile((PCRE2_SPTR)text, PCRE2_ZERO_TERMINATED,
		                     PCRE2_UTF | PCRE2_ALT_BSUX | PCRE2_ANCHORED | PCRE2_ENDANCHORED |
		                         PCRE2_DOLLAR_ENDONLY,
		                     &err, &off, cc);
	}
	pcre2_compile_context_free(cc);
	free(text);
	return code;
}

static uint64_t s_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The compiled pattern, compiled once; *owned when the cache is full and
 * the caller must free it. NULL when it does not compile. */
static const pcre2_code *s_code(const char *pattern, pcre2_code **owned)
{
	*owned = NULL;
	size_t i = (size_t)s_hash(pattern) & (S_CACHE_SLOTS - 1);
	pthread_mutex_lock(&s_lock);
	for (size_t n = 0; n < S_CACHE_SLOTS; n++, i = (i + 1) & (S_CACHE_SLOTS - 1)) {
		struct s_slot *slot = &s_cache[i];
		if (slot->text && strcmp(slot->text, pattern) == 0) {
			pthread_mutex_unlock(&s_lock);
			return slot->code;
		}
		if (!slot->text && s_cached < S_CACHE_SLOTS / 2) {
			/* compiled under the lock: a few hundred patterns, once each */
			slot->code = s_compile(pattern);
			slot->text = strdup(pattern);
			if (!slot->text) {
				pcre2_code_free(slot->code);
				slot->code = NULL;
				break;
			}
			s_cached++;
			pthread_mutex_unlock(&s_lock);
			return slot->code;
		}
		if (!slot->text)
			break;
	}
	pthread_mutex_unlock(&s_lock);
	/* not the models' (a fuzzer's, say): compiled for this match alone */
	*owned = s_compile(pattern);
	return *owned;
}

enum bw_pattern_result bw_pattern_match(const char *pattern, const char *s, size_t len)
{
	if (strlen(pattern) > S_MAX_PATTERN)
		return BW_PATTERN_UNKNOWN;
	pcre2_code *owned;
	const pcre2_code *code = s_code(pattern, &owned);
	if (!code)
		return BW_PATTERN_UNKNOWN;
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	pcre2_match_context *mc = pcre2_match_context_create(NULL);
	enum bw_pattern_result result = BW_PATTERN_UNKNOWN;
	if (md && mc && pcre2_set_match_limit(mc, S_MATCH_LIMIT) == 0 &&
	    pcre2_set_depth_limit(mc, S_DEPTH_LIMIT) == 0) {
		/* invalid UTF-8 is an error (no answer), not a mismatch */
		int rc = pcre2_match(code, (PCRE2_SPTR)s, len, 0, 0, md, mc);
		result = rc >= 0 ? BW_PATTERN_MATCH
		       : rc == PCRE2_ERROR_NOMATCH ? BW_PATTERN_NO_MATCH
		                                   : BW_PATTERN_UNKNOWN;
	}
	pcre2_match_context_free(mc);
	pcre2_match_data_free(md);
	pcre2_code_free(owned);
	return result;
}
