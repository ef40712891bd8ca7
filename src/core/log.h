/*
 * log.h: structured logs, one JSON object per line on stderr.
 * Never pass a secret: a log line is for operators to read and ship.
 */
#ifndef BW_CORE_LOG_H
#define BW_CORE_LOG_H

#include <jansson.h>
#include <stdio.h>

enum bw_log_level { BW_LOG_DEBUG, BW_LOG_INFO, BW_LOG_WARN, BW_LOG_ERROR };

void bw_log_init(FILE *out, enum bw_log_level min_level);
/* {"time":..., "level":..., "msg":msg, ...fields}; fields is stolen (may be NULL). */
void bw_log(enum bw_log_level level, const char *msg, json_t *fields);
void bw_logf(enum bw_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
