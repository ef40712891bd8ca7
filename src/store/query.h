/*
 * query.h: a user's SQL SELECT run read-only over the event log
 * (CloudTrail Lake's StartQuery).
 *
 * The guard, in layers (query.c):
 *  - a separate connection on the same database file, opened
 *    SQLITE_OPEN_READONLY, PRAGMA query_only=ON, load_extension, triggers
 *    and views disabled, defensive mode on, no ATTACH (limit 0);
 *  - an authorizer that allows only SELECT, reads of table `events`, and a
 *    whitelist of pure functions; everything else (other tables such as
 *    docs, meta, sqlite_master; PRAGMA; writes; ATTACH; recursive CTEs;
 *    other functions) is refused at prepare time;
 *  - exactly one statement (only whitespace and ';' may follow it), and it
 *    must be read-only by sqlite3_stmt_readonly;
 *  - a row limit, a byte limit and a time limit (progress handler).
 *
 * The query names the event data store as CloudTrail Lake does:
 * `SELECT eventName, count(*) FROM <eds-id> GROUP BY eventName`. The id (or
 * the store's ARN), wherever it stands as a bare word outside literals, is
 * replaced by the quoted name of a CTE that is prepended:
 *   WITH "bw_eds" AS (SELECT <CloudTrail columns> FROM events WHERE
 *                     <recipient account is the store's account>) <query>
 * so the query sees only its own account's events with CloudTrail's column
 * names. A bare `userIdentity.arn` (a struct field in Lake) becomes
 * json_extract("userIdentity", '$.arn'); likewise for requestParameters,
 * responseElements, additionalEventData, tlsDetails. Naming the tables
 * `events` or `event_resources` directly is refused (that would bypass the
 * account filter), in any quoting — also as a 'string', which SQLite accepts
 * as a table name, so a literal that is exactly 'events' is refused too.
 */
#ifndef BW_STORE_QUERY_H
#define BW_STORE_QUERY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

struct bw_store;

#define BW_QUERY_MAX_SQL 10000 /* CloudTrail's QueryStatement limit */

struct bw_query_spec {
	const char *sql;        /* the user's statement, NUL-terminated */
	const char *eds_id;     /* the event data store's id (UUID) */
	const char *eds_arn;    /* and its ARN: either may name it in FROM */
	const char *account;    /* only events whose recipientAccountId is this */
	const json_t *params;   /* strings bound to ?, in order; may be NULL */
	size_t max_rows;        /* stop after this many rows (*truncated set) */
	size_t max_bytes;       /* stop after this many bytes of values */
	int64_t max_ms;         /* cut the query off after this long */
};

enum bw_query_rc {
	BW_QUERY_OK = 0,
	BW_QUERY_INVALID = 1, /* malformed or forbidden: *why says so */
	BW_QUERY_TIMEOUT = 2, /* ran past max_ms */
	BW_QUERY_ERROR = -1,  /* the store failed */
};

struct bw_query_result {
	json_t *rows;         /* [[{"col": "value"}, ...], ...]; values as text,
	                         NULL as "" */
	size_t scanned_bytes; /* bytes of values produced */
	bool truncated;       /* a row or byte limit stopped it */
};

/* Run the query; on BW_QUERY_OK res->rows is set (caller frees it with
 * bw_query_result_clean). why gets a message on INVALID / TIMEOUT / ERROR. */
BW_MUST_CHECK int bw_query_run(struct bw_store *s, const struct bw_query_spec *spec,
                               struct bw_query_result *res, char *why, size_t whylen);
void bw_query_result_clean(struct bw_query_result *res);

#endif
