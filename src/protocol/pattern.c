/*
 * pattern.c: whole-value matching of the models' Java regular expressions
 * (pattern.h says which part of the language).
 *
 * The pattern is compiled on each call into a few small arrays on the
 * stack (the models' patterns are short), then matched by backtracking
 * with explicit continuations. A quantified single-character atom takes
 * its characters in a loop, so the recursion grows with the pattern's
 * groups, not with the value's length; a step budget bounds the
 * backtracking, and a pattern that exhausts it has no answer
 * (BW_PATTERN_UNKNOWN), like one this matcher cannot read.
 */
#include "protocol/pattern.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_NODES  256
#define S_MAX_RANGES 512
#define S_MAX_SEQS   128
#define S_MAX_ITEMS  256
#define S_MAX_ALTS   128
#define S_MAX_NEST   16
#define S_MAX_DEPTH  4000
#define S_STEPS      200000
#define S_INF        -1

enum s_kind { S_SET, S_GROUP, S_BOL, S_EOL, S_WORD_EDGE, S_NOT_AHEAD };

struct s_range {
	uint32_t lo, hi;
};

struct s_node {
	uint8_t kind;
	bool negated;       /* S_SET: [^...], \W */
	int min, max;       /* how many times; max S_INF for no bound */
	uint16_t r0, nr;    /* S_SET: ranges[r0 .. r0+nr) */
	uint16_t a0, na;    /* S_GROUP, S_NOT_AHEAD: alternatives alts[a0 .. a0+na) */
};

/* A sequence of nodes: items[i0 .. i0+n) are node indices. */
struct s_seq {
	uint16_t i0, n;
};

struct s_prog {
	struct s_node nodes[S_MAX_NODES];
	struct s_range ranges[S_MAX_RANGES];
	struct s_seq seqs[S_MAX_SEQS];
	uint16_t items[S_MAX_ITEMS];
	uint16_t alts[S_MAX_ALTS]; /* seq indices */
	uint16_t nnodes, nranges, nseqs, nitems, nalts;
	uint16_t top;              /* the S_GROUP that is the whole pattern */
	bool dotall;
};

/* ---- compiling ------------------------------------------------------- */

struct s_parser {
	struct s_prog *p;
	const char *s;
	bool bad; /* unknown construct or too big: no answer */
};

static int s_new_node(struct s_parser *ps, enum s_kind kind)
{
	if (ps->p->nnodes >= S_MAX_NODES) {
		ps->bad = true;
		return -1;
	}
	int i = ps->p->nnodes++;
	ps->p->nodes[i] = (struct s_node){.kind = (uint8_t)kind, .min = 1, .max = 1};
	return i;
}

static void s_add_range(struct s_parser *ps, uint32_t lo, uint32_t hi)
{
	if (ps->p->nranges >= S_MAX_RANGES || lo > hi) {
		ps->bad = true;
		return;
	}
	ps->p->ranges[ps->p->nranges++] = (struct s_range){lo, hi};
}

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

/* \w \d \s (and \W \D \S) \p{L} \p{Z} \p{N} as ranges. Non-ASCII letters and numbers are
 * all taken (pattern.h). Returns false if `c` names no class. */
static bool s_add_class(struct s_parser *ps, char c)
{
	switch (c) {
	case 'w':
		s_add_range(ps, 'a', 'z');
		s_add_range(ps, 'A', 'Z');
		s_add_range(ps, '0', '9');
		s_add_range(ps, '_', '_');
		return true;
	case 'd':
		s_add_range(ps, '0', '9');
		return true;
	case 's':
		s_add_range(ps, '\t', '\r'); /* \t \n \x0B \f \r */
		s_add_range(ps, ' ', ' ');
		return true;
	/* their complements, for use inside a class */
	case 'W':
		s_add_range(ps, 0, '0' - 1);
		s_add_range(ps, '9' + 1, 'A' - 1);
		s_add_range(ps, 'Z' + 1, '_' - 1);
		s_add_range(ps, '_' + 1, 'a' - 1);
		s_add_range(ps, 'z' + 1, 0x10FFFF);
		return true;
	case 'D':
		s_add_range(ps, 0, '0' - 1);
		s_add_range(ps, '9' + 1, 0x10FFFF);
		return true;
	case 'S':
		s_add_range(ps, 0, '\t' - 1);
		s_add_range(ps, '\r' + 1, ' ' - 1);
		s_add_range(ps, ' ' + 1, 0x10FFFF);
		return true;
	default:
		return false;
	}
}

static bool s_add_property(struct s_parser *ps)
{
	/* ps->s at "p{X}" */
	if (ps->s[1] != '{' || !ps->s[2] || ps->s[3] != '}')
		return false;
	char prop = ps->s[2];
	if (prop == 'L') {
		s_add_range(ps, 'a', 'z');
		s_add_range(ps, 'A', 'Z');
		s_add_range(ps, 0x80, 0x10FFFF);
	} else if (prop == 'N') {
		s_add_range(ps, '0', '9');
		s_add_range(ps, 0x80, 0x10FFFF);
	} else if (prop == 'Z') {
		static const struct s_range z[] = {{0x20, 0x20},     {0xA0, 0xA0},     {0x1680, 0x1680},
		                                   {0x2000, 0x200A}, {0x2028, 0x2029}, {0x202F, 0x202F},
		                                   {0x205F, 0x205F}, {0x3000, 0x3000}};
		for (size_t i = 0; i < sizeof z / sizeof z[0]; i++)
			s_add_range(ps, z[i].lo, z[i].hi);
	} else {
		return false;
	}
	ps->s += 4;
	return true;
}

/* One escaped character (after the backslash): its code point in *cp, or
 * a class added to the ranges (*cp then UINT32_MAX). */
static void s_escape(struct s_parser *ps, uint32_t *cp)
{
	char c = *ps->s;
	*cp = UINT32_MAX;
	if (c == '\0') { /* a pattern ending in a backslash */
		ps->bad = true;
		return;
	}
	if (c == 'u') {
		if (s_hex4(ps->s + 1, cp) != 0) {
			ps->bad = true;
			return;
		}
		ps->s += 5;
		/* a surrogate pair written as two escapes is one code point */
		uint32_t low;
		if (*cp >= 0xD800 && *cp <= 0xDBFF && ps->s[0] == '\\' && ps->s[1] == 'u' &&
		    s_hex4(ps->s + 2, &low) == 0 && low >= 0xDC00 && low <= 0xDFFF) {
			*cp = 0x10000 + ((*cp - 0xD800) << 10) + (low - 0xDC00);
			ps->s += 6;
		}
		return;
	}
	if (c == 'x') {
		/* \xHH: two hex digits, read as \u00HH */
		char hex[5] = {'0', '0', ps->s[1], ps->s[1] ? ps->s[2] : '\0', '\0'};
		if (s_hex4(hex, cp) != 0) {
			ps->bad = true;
			return;
		}
		ps->s += 3;
		return;
	}
	if (c == 'p') {
		if (!s_add_property(ps))
			ps->bad = true;
		return;
	}
	ps->s++;
	if (s_add_class(ps, c))
		return;
	switch (c) {
	case 't': *cp = '\t'; return;
	case 'n': *cp = '\n'; return;
	case 'r': *cp = '\r'; return;
	case 'f': *cp = '\f'; return;
	default:
		/* an escaped punctuation character is itself; escaped letters and
		 * digits are constructs this matcher does not know (\b, \Q, \1) */
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			ps->bad = true;
		else
			*cp = (unsigned char)c;
	}
}

/* The next literal character of the pattern, decoding UTF-8. */
static uint32_t s_literal(struct s_parser *ps)
{
	const unsigned char *u = (const unsigned char *)ps->s;
	if (u[0] < 0x80) {
		ps->s++;
		return u[0];
	}
	int n = (u[0] & 0xE0) == 0xC0 ? 2 : (u[0] & 0xF0) == 0xE0 ? 3 : (u[0] & 0xF8) == 0xF0 ? 4 : 0;
	uint32_t cp = n == 2 ? u[0] & 0x1Fu : n == 3 ? u[0] & 0x0Fu : u[0] & 0x07u;
	for (int i = 1; i < n; i++) {
		if ((u[i] & 0xC0) != 0x80) {
			n = 0;
			break;
		}
		cp = (cp << 6) | (u[i] & 0x3Fu);
	}
	if (n == 0) {
		ps->bad = true;
		ps->s++;
		return 0;
	}
	ps->s += n;
	return cp;
}

/* [...] after its '[' */
static void s_parse_class(struct s_parser *ps, struct s_node *node)
{
	node->r0 = ps->p->nranges;
	if (*ps->s == '^') {
		node->negated = true;
		ps->s++;
	}
	bool first = true;
	while (!ps->bad && *ps->s && (*ps->s != ']' || first)) {
		first = false;
		uint32_t lo;
		if (*ps->s == '[' || (ps->s[0] == '&' && ps->s[1] == '&')) {
			ps->bad = true; /* nested classes, intersections */
			break;
		}
		if (*ps->s == '\\') {
			ps->s++;
			s_escape(ps, &lo);
			if (lo == UINT32_MAX)
				continue; /* a class, added */
		} else {
			lo = s_literal(ps);
		}
		uint32_t hi = lo;
		if (ps->s[0] == '-' && ps->s[1] && ps->s[1] != ']') {
			ps->s++;
			if (*ps->s == '\\') {
				ps->s++;
				s_escape(ps, &hi);
				if (hi == UINT32_MAX) {
					ps->bad = true;
					break;
				}
			} else {
				hi = s_literal(ps);
			}
		}
		s_add_range(ps, lo, hi);
	}
	if (*ps->s != ']')
		ps->bad = true;
	else
		ps->s++;
	node->nr = (uint16_t)(ps->p->nranges - node->r0);
}

static int s_parse_number(struct s_parser *ps)
{
	int v = 0, digits = 0;
	while (*ps->s >= '0' && *ps->s <= '9' && digits < 6) {
		v = v * 10 + (*ps->s++ - '0');
		digits++;
	}
	return digits ? v : -1;
}

/* A quantifier after an atom, if any. */
static void s_parse_quantifier(struct s_parser *ps, struct s_node *node)
{
	char c = *ps->s;
	if (c == '*' || c == '+' || c == '?') {
		node->min = c == '+' ? 1 : 0;
		node->max = c == '?' ? 1 : S_INF;
		ps->s++;
	} else if (c == '{') {
		ps->s++;
		int min = s_parse_number(ps), max = min;
		if (*ps->s == ',') {
			ps->s++;
			max = *ps->s == '}' ? S_INF : s_parse_number(ps);
		}
		if (min < 0 || *ps->s != '}' || (max != S_INF && max < min)) {
			ps->bad = true;
			return;
		}
		ps->s++;
		node->min = min;
		node->max = max;
	} else {
		return;
	}
	/* a lazy quantifier decides the same whole-value match as a greedy
	 * one; a possessive one does not */
	if (*ps->s == '?')
		ps->s++;
	else if (*ps->s == '+')
		ps->bad = true;
}

static void s_parse_alternatives(struct s_parser *ps, struct s_node *group, int nest);

/* One atom and its quantifier, appended to items (n so far). */
static void s_parse_atom(struct s_parser *ps, uint16_t *items, int *n, int nest)
{
	char c = *ps->s;
	int i;
	if (c == '(') {
		ps->s++;
		enum s_kind kind = S_GROUP;
		if (ps->s[0] == '?' && ps->s[1] == ':') {
			ps->s += 2;
		} else if (ps->s[0] == '?' && ps->s[1] == '!') {
			ps->s += 2;
			kind = S_NOT_AHEAD;
		} else if (ps->s[0] == '?') {
			ps->bad = true; /* flags mid-pattern, lookbehind, named groups */
			return;
		}
		if ((i = s_new_node(ps, kind)) < 0)
			return;
		s_parse_alternatives(ps, &ps->p->nodes[i], nest + 1);
		if (*ps->s != ')') {
			ps->bad = true;
			return;
		}
		ps->s++;
	} else if (c == '^' || c == '$') {
		ps->s++;
		if ((i = s_new_node(ps, c == '^' ? S_BOL : S_EOL)) < 0)
			return;
	} else if (c == '\\' && ps->s[1] == 'b') {
		ps->s += 2;
		if ((i = s_new_node(ps, S_WORD_EDGE)) < 0)
			return;
	} else {
		if ((i = s_new_node(ps, S_SET)) < 0)
			return;
		struct s_node *node = &ps->p->nodes[i];
		node->r0 = ps->p->nranges;
		if (c == '[') {
			ps->s++;
			s_parse_class(ps, node);
		} else if (c == '.') {
			ps->s++;
			if (ps->p->dotall) {
				s_add_range(ps, 0, 0x10FFFF);
			} else {
				/* every character but Java's line terminators */
				s_add_range(ps, 0, '\n' - 1);
				s_add_range(ps, '\n' + 1, '\r' - 1);
				s_add_range(ps, '\r' + 1, 0x84);
				s_add_range(ps, 0x86, 0x2027);
				s_add_range(ps, 0x202A, 0x10FFFF);
			}
		} else if (c == '\\') {
			ps->s++;
			uint32_t cp;
			s_escape(ps, &cp);
			if (cp != UINT32_MAX)
				s_add_range(ps, cp, cp);
		} else if (c == '*' || c == '+' || c == '?' || c == '{' || c == ')' || c == '|') {
			ps->bad = true;
			return;
		} else {
			uint32_t cp = s_literal(ps);
			s_add_range(ps, cp, cp);
		}
		node->nr = (uint16_t)(ps->p->nranges - node->r0);
	}
	if (ps->bad)
		return;
	s_parse_quantifier(ps, &ps->p->nodes[i]);
	if (*n >= S_MAX_ITEMS) {
		ps->bad = true;
		return;
	}
	items[(*n)++] = (uint16_t)i;
}

/* A sequence up to '|', ')' or the end; its items made contiguous. */
static int s_parse_sequence(struct s_parser *ps, int nest)
{
	uint16_t items[S_MAX_ITEMS];
	int n = 0;
	while (!ps->bad && *ps->s && *ps->s != '|' && *ps->s != ')')
		s_parse_atom(ps, items, &n, nest);
	struct s_prog *p = ps->p;
	if (ps->bad || p->nseqs >= S_MAX_SEQS || p->nitems + n > S_MAX_ITEMS) {
		ps->bad = true;
		return -1;
	}
	p->seqs[p->nseqs] = (struct s_seq){p->nitems, (uint16_t)n};
	memcpy(p->items + p->nitems, items, (size_t)n * sizeof items[0]);
	p->nitems = (uint16_t)(p->nitems + n);
	return p->nseqs++;
}

static void s_parse_alternatives(struct s_parser *ps, struct s_node *group, int nest)
{
	if (nest > S_MAX_NEST) {
		ps->bad = true;
		return;
	}
	uint16_t alts[S_MAX_ALTS];
	int n = 0;
	for (;;) {
		int seq = s_parse_sequence(ps, nest);
		if (seq < 0 || n >= S_MAX_ALTS) {
			ps->bad = true;
			return;
		}
		alts[n++] = (uint16_t)seq;
		if (*ps->s != '|')
			break;
		ps->s++;
	}
	struct s_prog *p = ps->p;
	if (p->nalts + n > S_MAX_ALTS) {
		ps->bad = true;
		return;
	}
	group->a0 = p->nalts;
	group->na = (uint16_t)n;
	memcpy(p->alts + p->nalts, alts, (size_t)n * sizeof alts[0]);
	p->nalts = (uint16_t)(p->nalts + n);
}

static int s_compile(struct s_prog *p, const char *pattern)
{
	memset(p, 0, sizeof *p);
	struct s_parser ps = {.p = p, .s = pattern};
	/* (?s) at the start: '.' takes line terminators too */
	if (strncmp(ps.s, "(?s)", 4) == 0) {
		p->dotall = true;
		ps.s += 4;
	}
	int top = s_new_node(&ps, S_GROUP);
	if (top < 0)
		return -1;
	p->top = (uint16_t)top;
	s_parse_alternatives(&ps, &p->nodes[top], 0);
	return ps.bad || *ps.s ? -1 : 0;
}

/* ---- matching -------------------------------------------------------- */

enum s_cont_kind { C_SEQ, C_REP, C_ANYWHERE };

/* What remains to match after the current node. */
struct s_cont {
	enum s_cont_kind kind;
	uint16_t seq, i;           /* C_SEQ: continue at seqs[seq].items[i] */
	uint16_t node;             /* C_REP: the repeated group ... */
	int count;                 /* ... its iterations so far ... */
	size_t start;              /* ... and where the last one began */
	const struct s_cont *next;
};

struct s_matcher {
	const struct s_prog *p;
	const uint32_t *cp;
	size_t len;
	long steps;
	int depth;
};

static int s_match_cont(struct s_matcher *m, size_t pos, const struct s_cont *k);

static bool s_in_set(const struct s_prog *p, const struct s_node *node, uint32_t c)
{
	bool in = false;
	for (uint16_t r = node->r0; r < node->r0 + node->nr && !in; r++)
		in = c >= p->ranges[r].lo && c <= p->ranges[r].hi;
	return in != node->negated;
}

/* Is the character at pos a word character (\\w)? Out of range: no. */
static bool s_is_word(const struct s_matcher *m, size_t pos)
{
	if (pos >= m->len) /* also pos - 1 at 0, wrapped */
		return false;
	uint32_t c = m->cp[pos];
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* -1 unknown (budget), 0 no match, 1 match */
static int s_spend(struct s_matcher *m)
{
	return --m->steps < 0 || m->depth > S_MAX_DEPTH ? -1 : 0;
}

static int s_match_alternatives(struct s_matcher *m, const struct s_node *node, size_t pos,
                                const struct s_cont *k);

static int s_match_rep(struct s_matcher *m, uint16_t node_i, int count, size_t pos,
                       const struct s_cont *k)
{
	const struct s_node *node = &m->p->nodes[node_i];
	if (s_spend(m))
		return -1;
	/* greedy: one more iteration first */
	if (node->max == S_INF || count < node->max) {
		struct s_cont again = {.kind = C_REP, .node = node_i, .count = count + 1,
		                       .start = pos, .next = k};
		int rc = s_match_alternatives(m, node, pos, &again);
		if (rc != 0)
			return rc;
	}
	return count >= node->min ? s_match_cont(m, pos, k) : 0;
}

static int s_match_seq(struct s_matcher *m, uint16_t seq, uint16_t i, size_t pos,
                       const struct s_cont *k)
{
	const struct s_prog *p = m->p;
	if (s_spend(m))
		return -1;
	if (i == p->seqs[seq].n)
		return s_match_cont(m, pos, k);
	uint16_t node_i = p->items[p->seqs[seq].i0 + i];
	const struct s_node *node = &p->nodes[node_i];
	struct s_cont rest = {.kind = C_SEQ, .seq = seq, .i = (uint16_t)(i + 1), .next = k};
	int rc;
	m->depth++;
	switch ((enum s_kind)node->kind) {
	case S_SET: {
		size_t n = 0;
		while (pos + n < m->len && (node->max == S_INF || n < (size_t)node->max) &&
		       s_in_set(p, node, m->cp[pos + n]))
			n++;
		rc = 0;
		for (size_t j = n + 1; j-- > (size_t)node->min && rc == 0;)
			rc = s_match_cont(m, pos + j, &rest);
		break;
	}
	case S_BOL:
		rc = pos == 0 ? s_match_cont(m, pos, &rest) : 0;
		break;
	case S_EOL:
		rc = pos == m->len ? s_match_cont(m, pos, &rest) : 0;
		break;
	case S_WORD_EDGE:
		rc = s_is_word(m, pos - 1) != s_is_word(m, pos) ? s_match_cont(m, pos, &rest) : 0;
		break;
	case S_NOT_AHEAD: {
		struct s_cont anywhere = {.kind = C_ANYWHERE};
		rc = s_match_alternatives(m, node, pos, &anywhere);
		rc = rc < 0 ? -1 : rc == 1 ? 0 : s_match_cont(m, pos, &rest);
		break;
	}
	default: /* S_GROUP */
		rc = s_match_rep(m, node_i, 0, pos, &rest);
		break;
	}
	m->depth--;
	return rc;
}

static int s_match_alternatives(struct s_matcher *m, const struct s_node *node, size_t pos,
                                const struct s_cont *k)
{
	for (uint16_t a = 0; a < node->na; a++) {
		int rc = s_match_seq(m, m->p->alts[node->a0 + a], 0, pos, k);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int s_match_cont(struct s_matcher *m, size_t pos, const struct s_cont *k)
{
	if (!k)
		return pos == m->len; /* the whole value */
	switch (k->kind) {
	case C_SEQ:
		return s_match_seq(m, k->seq, k->i, pos, k->next);
	case C_REP:
		/* an iteration that took nothing would repeat forever: after
		 * one, only the iterations still owed are tried */
		if (pos == k->start && k->count >= m->p->nodes[k->node].min)
			return s_match_cont(m, pos, k->next);
		return s_match_rep(m, k->node, k->count, pos, k->next);
	default: /* C_ANYWHERE: a lookahead needs only a match, not the whole value */
		return 1;
	}
}

/* UTF-8 to code points; -1 if not valid UTF-8 or out of memory. */
static int s_decode(const char *s, size_t len, uint32_t **out, size_t *n_out)
{
	uint32_t *cp = malloc((len ? len : 1) * sizeof *cp);
	if (!cp)
		return -1;
	size_t n = 0;
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		unsigned char b = u[i];
		int extra = b < 0x80 ? 0 : (b & 0xE0) == 0xC0 ? 1 : (b & 0xF0) == 0xE0 ? 2
		          : (b & 0xF8) == 0xF0 ? 3 : -1;
		if (extra < 0 || (size_t)extra >= len - i) {
			free(cp);
			return -1;
		}
		uint32_t c = extra == 0 ? b : extra == 1 ? b & 0x1Fu : extra == 2 ? b & 0x0Fu : b & 0x07u;
		for (int j = 1; j <= extra; j++) {
			if ((u[i + j] & 0xC0) != 0x80) {
				free(cp);
				return -1;
			}
			c = (c << 6) | (u[i + j] & 0x3Fu);
		}
		cp[n++] = c;
		i += (size_t)extra + 1;
	}
	*out = cp;
	*n_out = n;
	return 0;
}

enum bw_pattern_result bw_pattern_match(const char *pattern, const char *s, size_t len)
{
	struct s_prog *p = malloc(sizeof *p);
	if (!p)
		return BW_PATTERN_UNKNOWN;
	uint32_t *cp = NULL;
	size_t n = 0;
	enum bw_pattern_result result = BW_PATTERN_UNKNOWN;
	if (s_compile(p, pattern) == 0 && s_decode(s, len, &cp, &n) == 0) {
		struct s_matcher m = {.p = p, .cp = cp, .len = n, .steps = S_STEPS + 4 * (long)n};
		int rc = s_match_alternatives(&m, &p->nodes[p->top], 0, NULL);
		result = rc < 0 ? BW_PATTERN_UNKNOWN : rc ? BW_PATTERN_MATCH : BW_PATTERN_NO_MATCH;
	}
	free(cp);
	free(p);
	return result;
}
