/* log.c: JSON log lines, written whole under a lock so threads never interleave. */
#include "core/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>

#include "core/timeutil.h"

static FILE *g_log_out;
static enum bw_log_level g_log_min = BW_LOG_INFO;
static pthread_mutex_t g_log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const s_level_names[] = {"debug", "info", "warn", "error"};

void bw_log_init(FILE *out, enum bw_log_level min_level)
{
	g_log_out = out;
	g_log_min = min_level;
}

void bw_log(enum bw_log_level level, const char *msg, json_t *fields)
{
	if (level < g_log_min) {
		json_decref(fields);
		return;
	}
	json_t *line = json_object();
	char now[40];
	bw_time_iso8601_ms(bw_now_ms(), now, sizeof now);
	json_object_set_new(line, "time", json_string(now));
	json_object_set_new(line, "level", json_string(s_level_names[level]));
	json_object_set_new(line, "msg", json_string(msg ? msg : ""));
	if (fields && json_is_object(fields))
		json_object_update(line, fields);
	json_decref(fields);
	char *text = json_dumps(line, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(line);
	if (!text)
		return;
	pthread_mutex_lock(&g_log_lock);
	FILE *out = g_log_out ? g_log_out : stderr;
	fputs(text, out);
	fputc('\n', out);
	fflush(out);
	pthread_mutex_unlock(&g_log_lock);
	free(text);
}

void bw_logf(enum bw_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	bw_log(level, msg, NULL);
}
