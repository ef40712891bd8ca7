/*
 * query.c: CloudTrail Lake's SQL over the event log, behind a guard (the
 * rules are in query.h). Owns the read-only connection a query runs on,
 * the authorizer, the rewrite of the event data store's name to a CTE, and
 * the conversion of result rows to CloudTrail's [{column: value}] form.
 */
#include "store/query.h"

#include <ctype.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "store/events.h"
#include "store/sqlite_internal.h"

#define S_CTE "\"bw_eds\""
#define S_MAX_VALUE 65536 /* one cell's text, longer is cut */

/* Functions a query may call: pure, bounded, no I/O, no big allocations
 * (no printf, zeroblob, randomblob) and no SQLite internals. */
static const char *const s_functions[] = {
	"abs",         "avg",          "char",      "coalesce",  "count",      "date",
	"datetime",    "glob",         "group_concat", "hex",    "ifnull",     "iif",
	"instr",       "json",         "json_array_length", "json_extract", "json_type",
	"json_valid",  "julianday",    "length",    "like",      "lower",      "ltrim",
	"max",         "min",          "nullif",    "replace",   "round",      "rtrim",
	"strftime",    "substr",       "substring", "sum",       "time",       "total",
	"trim",        "typeof",       "unicode",   "unixepoch", "upper",
};

/* Struct columns of Lake whose fields `col.a.b` become json_extract. */
static const char *const s_json_columns[] = {
	"userIdentity", "requestParameters", "responseElements", "additionalEventData",
	"tlsDetails", "resources",
};

static int s_authorize(void *ctx, int action, const char *a1, const char *a2, const char *a3,
                       const char *a4)
{
	(void)ctx;
	(void)a4;
	switch (action) {
	case SQLITE_SELECT:
		return SQLITE_OK;
	case SQLITE_READ:
		/* The CTE reads `events` of "main"; no other table of any database
		 * is read. A read with no database is of a CTE or subquery (a
		 * count(*) over one reads it with an empty column name). */
		if (!a3)
			return SQLITE_OK;
		return a1 && strcmp(a1, "events") == 0 && strcmp(a3, "main") == 0 ? SQLITE_OK
		                                                                   : SQLITE_DENY;
	case SQLITE_FUNCTION:
		for (size_t i = 0; a2 && i < sizeof s_functions / sizeof s_functions[0]; i++)
			if (strcasecmp(a2, s_functions[i]) == 0)
				return SQLITE_OK;
		return SQLITE_DENY;
	default:
		return SQLITE_DENY;
	}
}

struct s_deadline {
	struct timespec end;
	bool hit;
};

static int s_progress(void *ctx)
{
	struct s_deadline *d = ctx;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > d->end.tv_sec || (now.tv_sec == d->end.tv_sec && now.tv_nsec >= d->end.tv_nsec)) {
		d->hit = true;
		return 1;
	}
	return 0;
}

static bool s_ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* The event data store's name ends where no id/ARN character follows. */
static bool s_name_char(char c)
{
	return s_ident_char(c) || c == '-' || c == ':' || c == '/';
}

static bool s_is_raw_table(const char *p, size_t n)
{
	return (n == 6 && strncasecmp(p, "events", 6) == 0) ||
	       (n == 15 && strncasecmp(p, "event_resources", 15) == 0);
}

/* Does the name stand at sql[i] as a whole word? */
static bool s_name_at(const char *sql, size_t len, size_t i, const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || len - i < n || strncasecmp(sql + i, name, n) != 0)
		return false;
	return i + n == len || !s_name_char(sql[i + n]);
}

/* Where a quoted token starting at sql[i] with quote q ends (one past). */
static size_t s_quoted_end(const char *sql, size_t len, size_t i, char q)
{
	char close = q == '[' ? ']' : q;
	for (size_t j = i + 1; j < len; j++) {
		if (sql[j] != close)
			continue;
		if (close != ']' && j + 1 < len && sql[j + 1] == close) {
			j++; /* a doubled quote inside */
			continue;
		}
		return j + 1;
	}
	return len;
}

/* Rewrite the user's statement (see query.h). 0, or 1 with why. */
static int s_rewrite(const struct bw_query_spec *spec, const char *sql, size_t len,
                     struct bw_buf *out, char *why, size_t whylen)
{
	size_t i = 0;
	while (i < len) {
		char c = sql[i];
		size_t start = i;
		if (c == '\'' || c == '"' || c == '`' || c == '[') {
			/* SQLite takes a 'string' where it needs a name (FROM
			 * 'events'), so a literal that is exactly a table's name is
			 * refused like the name itself */
			i = s_quoted_end(sql, len, i, c);
			size_t inner = i - start >= 2 ? i - start - 2 : 0;
			if (s_is_raw_table(sql + start + 1, inner))
				goto raw_table;
		} else if (c == '-' && i + 1 < len && sql[i + 1] == '-') {
			while (i < len && sql[i] != '\n')
				i++;
		} else if (c == '/' && i + 1 < len && sql[i + 1] == '*') {
			const char *end = NULL;
			for (size_t j = i + 2; j + 1 < len && !end; j++)
				if (sql[j] == '*' && sql[j + 1] == '/')
					end = sql + j + 2;
			i = end ? (size_t)(end - sql) : len;
		} else if ((i == 0 || !s_name_char(sql[i - 1])) &&
		           (s_name_at(sql, len, i, spec->eds_arn) || s_name_at(sql, len, i, spec->eds_id))) {
			i += s_name_at(sql, len, i, spec->eds_arn) ? strlen(spec->eds_arn)
			                                            : strlen(spec->eds_id);
			if (bw_buf_append_str(out, S_CTE) != 0)
				return -1;
			continue;
		} else if (s_ident_char(c)) {
			while (i < len && s_ident_char(sql[i]))
				i++;
			if (!isdigit((unsigned char)c) && s_is_raw_table(sql + start, i - start))
				goto raw_table;
			bool after_dot = start > 0 && sql[start - 1] == '.';
			size_t k = 0;
			for (; !after_dot && k < sizeof s_json_columns / sizeof s_json_columns[0]; k++)
				if (strlen(s_json_columns[k]) == i - start &&
				    strncasecmp(sql + start, s_json_columns[k], i - start) == 0)
					break;
			if (after_dot || k == sizeof s_json_columns / sizeof s_json_columns[0] || i >= len ||
			    sql[i] != '.' || i + 1 >= len || !s_ident_char(sql[i + 1])) {
				if (bw_buf_append(out, sql + start, i - start) != 0)
					return -1;
				continue;
			}
			/* col.a.b -> json_extract("col", '$.a.b'): the path holds only
			 * identifier characters, so it is safe inside the literal */
			size_t path = i;
			while (i + 1 < len && sql[i] == '.' && s_ident_char(sql[i + 1])) {
				i++;
				while (i < len && s_ident_char(sql[i]))
					i++;
			}
			if (bw_buf_appendf(out, "json_extract(\"%s\", '$%.*s')", s_json_columns[k],
			                   (int)(i - path), sql + path) != 0)
				return -1;
			continue;
		} else {
			i++;
		}
		if (bw_buf_append(out, sql + start, i - start) != 0)
			return -1;
	}
	return 0;
raw_table:
	snprintf(why, whylen, "Query the event data store by its ID; the tables behind it cannot be "
	                      "named.");
	return 1;
}

/* The CTE over events with CloudTrail Lake's column names. */
static int s_prefix(const struct bw_query_spec *spec, struct bw_buf *out)
{
	static const char *const fields[] = {
		"eventVersion", "awsRegion",  "sourceIPAddress", "userAgent",  "errorCode",
		"errorMessage", "requestID",  "eventType",       "managementEvent",
		"recipientAccountId", "eventCategory", "userIdentity", "requestParameters",
		"responseElements", "additionalEventData", "resources", "tlsDetails",
		"sharedEventID", "vpcEndpointId",
	};
	if (bw_buf_append_str(out, "WITH " S_CTE " AS (SELECT event_id AS eventID,"
	                           " strftime('%Y-%m-%d %H:%M:%f', event_time_ms / 1000.0,"
	                           " 'unixepoch') AS eventTime, event_source AS eventSource,"
	                           " event_name AS eventName, read_only AS readOnly") != 0)
		return -1;
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (bw_buf_appendf(out, ", json_extract(record, '$.%s') AS \"%s\"", fields[i],
		                   fields[i]) != 0)
			return -1;
	/* the account is digits only (checked by the caller): safe as a literal */
	return bw_buf_appendf(out, " FROM events WHERE json_extract(record,"
	                           " '$.recipientAccountId') = '%s') ",
	                      spec->account);
}

/* The user's own WITH joins ours: "WITH x AS" -> "WITH <ours>, x AS". */
static size_t s_user_with(const char *sql, size_t len)
{
	size_t i = 0;
	while (i < len && isspace((unsigned char)sql[i]))
		i++;
	if (len - i > 4 && strncasecmp(sql + i, "with", 4) == 0 && !s_ident_char(sql[i + 4]))
		return i + 4;
	return 0;
}

static int s_open(struct bw_store *s, sqlite3 **out, char *why, size_t whylen)
{
	const char *path = bw_events_db_path(s);
	if (!path || !path[0]) {
		snprintf(why, whylen, "the event log has no file");
		return -1;
	}
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK)
		goto error;
	int off = 0;
	if (sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, &off) != SQLITE_OK ||
	    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, &off) != SQLITE_OK ||
	    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, &off) != SQLITE_OK ||
	    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, &off) != SQLITE_OK ||
	    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, &off) != SQLITE_OK)
		goto error;
	sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
	sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 1 << 20);
	sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, 64 * 1024);
	sqlite3_limit(db, SQLITE_LIMIT_EXPR_DEPTH, 100);
	sqlite3_limit(db, SQLITE_LIMIT_COMPOUND_SELECT, 16);
	sqlite3_limit(db, SQLITE_LIMIT_COLUMN, 100); /* a row is at most 100 x S_MAX_VALUE */
	sqlite3_limit(db, SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 1000);
	sqlite3_limit(db, SQLITE_LIMIT_VARIABLE_NUMBER, 100);
	sqlite3_busy_timeout(db, 2000);
	if (sqlite3_exec(db, "PRAGMA query_only = ON;", NULL, NULL, NULL) != SQLITE_OK)
		goto error;
	/* last: from here on the authorizer refuses PRAGMA and all else */
	if (sqlite3_set_authorizer(db, s_authorize, NULL) != SQLITE_OK)
		goto error;
	*out = db;
	return 0;
error:
	snprintf(why, whylen, "the event log could not be opened: %s",
	         db ? sqlite3_errmsg(db) : "out of memory");
	sqlite3_close(db);
	return -1;
}

/* One cell as CloudTrail shows it: text ("" for NULL). */
static json_t *s_cell(sqlite3_stmt *st, int col, size_t *bytes)
{
	char num[64];
	const char *text = "";
	size_t n = 0;
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_INTEGER:
		n = (size_t)snprintf(num, sizeof num, "%lld", (long long)sqlite3_column_int64(st, col));
		text = num;
		break;
	case SQLITE_FLOAT:
		n = (size_t)snprintf(num, sizeof num, "%.17g", sqlite3_column_double(st, col));
		text = num;
		break;
	case SQLITE_TEXT:
	case SQLITE_BLOB: {
		const unsigned char *t = sqlite3_column_text(st, col);
		int len = sqlite3_column_bytes(st, col);
		if (t && len > 0) {
			text = (const char *)t;
			n = (size_t)len > S_MAX_VALUE ? S_MAX_VALUE : (size_t)len;
		}
		break;
	}
	default:
		break;
	}
	*bytes += n;
	/* not valid UTF-8 (a blob): shown as its length, never raw bytes */
	json_t *v = json_stringn(text, n);
	return v ? v : json_sprintf("<%zu bytes>", n);
}

/* An unaliased `userIdentity.arn` is titled "arn", as in Lake: the name
 * SQLite gives it is our rewrite's text, json_extract("col", '$.a.arn'). */
static const char *s_title(const char *name, char *buf, size_t buflen)
{
	size_t n = name ? strlen(name) : 0;
	if (n < 20 || strncmp(name, "json_extract(\"", 14) != 0 || strcmp(name + n - 2, "')") != 0 ||
	    !strstr(name, "\", '$."))
		return name ? name : "";
	const char *end = name + n - 2, *dot = end;
	while (dot > name && *dot != '.')
		dot--;
	snprintf(buf, buflen, "%.*s", (int)(end - dot - 1), dot + 1);
	return buf;
}

static int s_rows(sqlite3_stmt *st, const struct bw_query_spec *spec, struct bw_query_result *res)
{
	int ncol = sqlite3_column_count(st);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (json_array_size(res->rows) >= spec->max_rows || res->scanned_bytes >= spec->max_bytes) {
			res->truncated = true;
			return SQLITE_DONE;
		}
		json_t *row = json_array();
		if (!row || json_array_append_new(res->rows, row) != 0)
			return SQLITE_NOMEM;
		for (int c = 0; c < ncol; c++) {
			char title[128];
			const char *name = s_title(sqlite3_column_name(st, c), title, sizeof title);
			json_t *cell = json_object();
			if (!cell || json_array_append_new(row, cell) != 0)
				return SQLITE_NOMEM;
			json_t *v = s_cell(st, c, &res->scanned_bytes);
			if (!v || json_object_set_new(cell, name, v) != 0)
				return SQLITE_NOMEM;
		}
	}
	return rc;
}

static bool s_only_tail(const char *tail)
{
	for (; tail && *tail; tail++)
		if (!isspace((unsigned char)*tail) && *tail != ';')
			return false;
	return true;
}

static int s_bind(sqlite3_stmt *st, const json_t *params, char *why, size_t whylen)
{
	size_t n = json_array_size(params);
	if ((size_t)sqlite3_bind_parameter_count(st) != n) {
		snprintf(why, whylen, "The query has %d parameters but %zu values were given.",
		         sqlite3_bind_parameter_count(st), n);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		const char *v = json_string_value(json_array_get(params, i));
		if (!v) {
			snprintf(why, whylen, "Query parameters must be strings.");
			return 1;
		}
		if (sqlite3_bind_text(st, (int)i + 1, v, -1, SQLITE_TRANSIENT) != SQLITE_OK)
			return -1;
	}
	return 0;
}

void bw_query_result_clean(struct bw_query_result *res)
{
	if (!res)
		return;
	json_decref(res->rows);
	res->rows = NULL;
}

int bw_query_run(struct bw_store *s, const struct bw_query_spec *spec,
                 struct bw_query_result *res, char *why, size_t whylen)
{
	*res = (struct bw_query_result){0};
	snprintf(why, whylen, "internal error");
	size_t len = spec->sql ? strnlen(spec->sql, BW_QUERY_MAX_SQL + 1) : 0;
	if (len == 0 || len > BW_QUERY_MAX_SQL) {
		snprintf(why, whylen, "The query statement must be 1 to %d characters.",
		         BW_QUERY_MAX_SQL);
		return BW_QUERY_INVALID;
	}
	const char *acct = spec->account ? spec->account : "";
	if (strlen(acct) != 12 || strspn(acct, "0123456789") != 12)
		return BW_QUERY_ERROR;

	struct bw_buf user = {0}, full = {0};
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int ret = BW_QUERY_ERROR;
	int r = s_rewrite(spec, spec->sql, len, &user, why, whylen);
	if (r != 0) {
		ret = r > 0 ? BW_QUERY_INVALID : BW_QUERY_ERROR;
		goto done;
	}
	size_t with = s_user_with((const char *)user.data, user.len);
	if (s_prefix(spec, &full) != 0)
		goto done;
	if (with) {
		/* our "WITH x AS (...) " then ", " then the user's after WITH */
		if (bw_buf_append_str(&full, ",") != 0 ||
		    bw_buf_append(&full, user.data + with, user.len - with) != 0)
			goto done;
	} else if (bw_buf_append(&full, user.data, user.len) != 0) {
		goto done;
	}
	if (s_open(s, &db, why, whylen) != 0)
		goto done;
	struct s_deadline dl = {0};
	clock_gettime(CLOCK_MONOTONIC, &dl.end);
	int64_t ms = spec->max_ms > 0 ? spec->max_ms : 1000;
	dl.end.tv_sec += (time_t)(ms / 1000);
	dl.end.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (dl.end.tv_nsec >= 1000000000L) {
		dl.end.tv_sec++;
		dl.end.tv_nsec -= 1000000000L;
	}
	sqlite3_progress_handler(db, 1000, s_progress, &dl);
	const char *tail = NULL;
	if (sqlite3_prepare_v3(db, (const char *)full.data, (int)full.len, 0, &st, &tail) !=
	        SQLITE_OK ||
	    !st) {
		ret = dl.hit ? BW_QUERY_TIMEOUT : BW_QUERY_INVALID;
		snprintf(why, whylen, "%s", dl.hit ? "The query ran past its time limit."
		                               : sqlite3_errcode(db) == SQLITE_AUTH
		                                   ? "The query uses a table, function or statement "
		                                     "that is not allowed (only SELECT over the event "
		                                     "data store)."
		                                   : sqlite3_errmsg(db));
		goto done;
	}
	if (!s_only_tail(tail)) {
		ret = BW_QUERY_INVALID;
		snprintf(why, whylen, "Only one SQL statement can be run at a time.");
		goto done;
	}
	if (!sqlite3_stmt_readonly(st)) {
		ret = BW_QUERY_INVALID;
		snprintf(why, whylen, "Only SELECT statements are allowed.");
		goto done;
	}
	r = s_bind(st, spec->params, why, whylen);
	if (r != 0) {
		ret = r > 0 ? BW_QUERY_INVALID : BW_QUERY_ERROR;
		goto done;
	}
	res->rows = json_array();
	if (!res->rows)
		goto done;
	r = s_rows(st, spec, res);
	if (r == SQLITE_DONE) {
		ret = BW_QUERY_OK;
	} else if (dl.hit) {
		ret = BW_QUERY_TIMEOUT;
		snprintf(why, whylen, "The query ran past its time limit of %" PRId64 " ms.", ms);
	} else if (r == SQLITE_NOMEM) {
		snprintf(why, whylen, "out of memory");
	} else {
		ret = BW_QUERY_INVALID; /* a runtime error of the query (bad JSON path...) */
		snprintf(why, whylen, "%s", sqlite3_errmsg(db));
	}
done:
	if (ret != BW_QUERY_OK)
		bw_query_result_clean(res);
	sqlite3_finalize(st);
	sqlite3_close(db);
	bw_buf_free(&user);
	bw_buf_free(&full);
	return ret;
}
