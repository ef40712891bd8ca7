/*
 * pattern.h: the `pattern` constraint of a model's string shapes.
 *
 * AWS's front ends check a string member against its shape's pattern with
 * Java's regular expressions, matching the whole value, before the
 * operation is authorized ("Member must satisfy regular expression
 * pattern: [\w+=,.@-]+"). The models use a small part of that language:
 * character classes with ranges and \uXXXX escapes, \w \d \s and \p{L}
 * \p{Z} \p{N}, '.', groups, alternation, the greedy quantifiers, ^ and $,
 * a negative lookahead and the (?s) flag. This matcher implements that
 * part over UTF-8 code points. Java's \w, \d and \s are ASCII-only, as
 * AWS's are; \p{L} and \p{N} also take every non-ASCII code point, which
 * accepts more than Java (the handler still sees the value), never less.
 */
#ifndef BW_PROTOCOL_PATTERN_H
#define BW_PROTOCOL_PATTERN_H

#include <stddef.h>

enum bw_pattern_result {
	BW_PATTERN_NO_MATCH = 0,
	BW_PATTERN_MATCH = 1,
	/* a construct this matcher does not know, invalid UTF-8 input, out of
	 * memory or too much backtracking: no answer, so the caller must not
	 * refuse the value on the pattern's account */
	BW_PATTERN_UNKNOWN = -1,
};

/* Does the whole of s (len bytes of UTF-8) match pattern? */
enum bw_pattern_result bw_pattern_match(const char *pattern, const char *s, size_t len);

#endif
