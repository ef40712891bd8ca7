/*
 * policy_internal.h: the compiled policy form shared by policy_parse.c,
 * policy_match.c, policy_cond.c and policy_eval.c. Not for other modules.
 */
#ifndef BW_AUTH_POLICY_INTERNAL_H
#define BW_AUTH_POLICY_INTERNAL_H

#include <stdatomic.h>

#include "auth/policy.h"

/* One value from the document. pat is the glob pattern (backslash-escaped
 * so a literal '\' cannot act as an escape) when the value has no policy
 * variables; NULL when it must be expanded per request. */
struct bw_pval {
	char *raw;
	char *pat;
	bool has_vars;
};

struct bw_pvals {
	struct bw_pval *v;
	size_t n;
};

enum bw_cond_base {
	BW_COND_STR_EQ,
	BW_COND_STR_EQ_IC,
	BW_COND_STR_LIKE,
	BW_COND_NUM_EQ,
	BW_COND_NUM_LT,
	BW_COND_NUM_LE,
	BW_COND_NUM_GT,
	BW_COND_NUM_GE,
	BW_COND_DATE_EQ,
	BW_COND_DATE_LT,
	BW_COND_DATE_LE,
	BW_COND_DATE_GT,
	BW_COND_DATE_GE,
	BW_COND_BOOL,
	BW_COND_BINARY,
	BW_COND_IP,
	BW_COND_ARN,
	BW_COND_NULL,
};

enum bw_cond_set { BW_SET_NONE, BW_SET_ANY, BW_SET_ALL };

struct bw_pcond {
	enum bw_cond_base base;
	bool negated;
	bool if_exists;
	enum bw_cond_set set;
	char *key;
	struct bw_pvals values;
};

enum bw_pmode { BW_PRINCIPAL_NONE, BW_PRINCIPAL_IS, BW_PRINCIPAL_NOT };

struct bw_pstmt {
	char *sid;
	bool allow;
	bool not_action;
	struct bw_pvals actions;
	bool has_resource;
	bool not_resource;
	struct bw_pvals resources;
	enum bw_pmode pmode;
	bool principal_any; /* "*" or {"AWS": "*"} */
	struct bw_pvals aws, service, federated, canonical;
	struct bw_pcond *conds;
	size_t n_conds;
};

struct bw_policy {
	atomic_size_t refs;
	enum bw_policy_kind kind;
	bool v2012; /* policy variables are substituted only in 2012-10-17 */
	char *id;
	struct bw_pstmt *stmts;
	size_t n_stmts;
};

/* --- policy_match.c --------------------------------------------------- */

/* The evaluation state of one request: the context and derived keys. */
struct bw_eval_state {
	const struct bw_request_ctx *ctx;
	const char *derived_vals[5];
	char principal_type[16];
	char now_iso[40];
	char now_epoch[32];
};

struct bw_keyvals {
	const char *const *v;
	size_t n;
	bool present;
};

void bw_eval_state_init(struct bw_eval_state *st, const struct bw_request_ctx *ctx);
struct bw_keyvals bw_eval_lookup(const struct bw_eval_state *st, const char *key, size_t keylen);

/* Glob with '*' and '?', '\x' a literal x; case-insensitive when ci. */
bool bw_glob(const char *pat, size_t plen, const char *txt, size_t tlen, bool ci);
/* ARN pattern: partition/service/region/account component-wise, the resource
 * part globbed with '*' spanning ':' and '/'. A pattern without the six
 * components matches anything only when it is all '*', else nothing. */
bool bw_arn_glob(const char *pat, size_t plen, const char *txt, size_t tlen);

/* Expand the policy variables of v into out. glob: escape substituted text
 * (and literal backslashes) so it matches literally. Returns 0, 1 when a
 * variable cannot be resolved (the value must not match), -1 out of memory. */
int bw_pval_expand(const struct bw_eval_state *st, const struct bw_pval *v, bool glob,
                   struct bw_buf *out);
/* Escape '\\' '*' '?' ':' of s so bw_glob treats them literally ("\\:" still
 * matches ':', but is not an ARN component boundary). */
int bw_glob_escape_append(struct bw_buf *out, const char *s, size_t len, bool wild_too);

/* --- policy_cond.c ---------------------------------------------------- */

/* 1 true, 0 false, -1 out of memory. */
int bw_cond_eval(const struct bw_eval_state *st, const struct bw_pcond *c);

#endif
