/* timeutil.c: clocks and the AWS timestamp forms. */
#include "core/timeutil.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t bw_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t bw_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool s_split(double epoch_s, struct tm *tm, int *ms)
{
	if (!isfinite(epoch_s) || epoch_s < -62135596800.0 || epoch_s > 253402300799.0)
		return false;
	double whole = floor(epoch_s);
	time_t t = (time_t)whole;
	*ms = (int)lround((epoch_s - whole) * 1000.0);
	if (*ms >= 1000) {
		t += 1;
		*ms -= 1000;
	}
	return gmtime_r(&t, tm) != NULL;
}

int bw_time_iso8601(double epoch_s, char *out, size_t outlen)
{
	struct tm tm;
	int ms;
	if (!s_split(epoch_s, &tm, &ms))
		return -1;
	int n;
	if (ms)
		n = snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
	else
		n = snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
		             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

int bw_time_iso8601_ms(int64_t epoch_ms, char *out, size_t outlen)
{
	struct tm tm;
	int ms;
	if (!s_split((double)(epoch_ms / 1000), &tm, &ms))
		return -1;
	int n = snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
	                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	                 (int)(epoch_ms % 1000));
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

static const char *const s_days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const s_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int bw_time_rfc822(double epoch_s, char *out, size_t outlen)
{
	struct tm tm;
	int ms;
	if (!s_split(floor(epoch_s), &tm, &ms))
		return -1;
	int n = snprintf(out, outlen, "%s, %02d %s %04d %02d:%02d:%02d GMT", s_days[tm.tm_wday],
	                 tm.tm_mday, s_months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
	                 tm.tm_min, tm.tm_sec);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

int bw_time_amzdate(double epoch_s, char *out, size_t outlen)
{
	struct tm tm;
	int ms;
	if (!s_split(floor(epoch_s), &tm, &ms))
		return -1;
	int n = snprintf(out, outlen, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900,
	                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

/* Read exactly n digits. */
static bool s_digits(const char **p, int n, int *v)
{
	int x = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		x = x * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*v = x;
	return true;
}

static bool s_valid_tm(int y, int mo, int d, int h, int mi, int s)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 ||
	    s > 60)
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return !(mo == 2 && d == 29 && !leap);
}

static double s_epoch(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
	                .tm_hour = h, .tm_min = mi, .tm_sec = s};
	return (double)timegm(&tm);
}

bool bw_parse_iso8601(const char *s, double *epoch_s)
{
	int y, mo, d, h, mi, sec;
	const char *p = s;
	if (!s_digits(&p, 4, &y) || *p++ != '-' || !s_digits(&p, 2, &mo) || *p++ != '-' ||
	    !s_digits(&p, 2, &d))
		return false;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return false;
	p++;
	if (!s_digits(&p, 2, &h) || *p++ != ':' || !s_digits(&p, 2, &mi))
		return false;
	sec = 0;
	if (*p == ':') {
		p++;
		if (!s_digits(&p, 2, &sec))
			return false;
	}
	double frac = 0, scale = 0.1;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		for (int i = 0; isdigit((unsigned char)*p); i++, p++) {
			if (i < 9) {
				frac += (*p - '0') * scale;
				scale /= 10;
			}
		}
	}
	int offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1, oh, om;
		p++;
		if (!s_digits(&p, 2, &oh))
			return false;
		if (*p == ':')
			p++;
		if (!s_digits(&p, 2, &om) || oh > 23 || om > 59)
			return false;
		offset = sign * (oh * 3600 + om * 60);
	} else {
		return false;
	}
	if (*p || !s_valid_tm(y, mo, d, h, mi, sec))
		return false;
	*epoch_s = s_epoch(y, mo, d, h, mi, sec) - offset + frac;
	return true;
}

bool bw_parse_rfc822(const char *s, double *epoch_s)
{
	/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
	const char *p = s;
	int d, y, h, mi, sec, mo = -1;
	if (strlen(p) < 29 || p[3] != ',' || p[4] != ' ')
		return false;
	p += 5;
	if (!s_digits(&p, 2, &d) || *p++ != ' ')
		return false;
	for (int i = 0; i < 12; i++)
		if (strncmp(p, s_months[i], 3) == 0)
			mo = i + 1;
	if (mo < 0)
		return false;
	p += 3;
	if (*p++ != ' ' || !s_digits(&p, 4, &y) || *p++ != ' ' || !s_digits(&p, 2, &h) ||
	    *p++ != ':' || !s_digits(&p, 2, &mi) || *p++ != ':' || !s_digits(&p, 2, &sec))
		return false;
	if (strcmp(p, " GMT") != 0 && strcmp(p, " UTC") != 0)
		return false;
	if (!s_valid_tm(y, mo, d, h, mi, sec))
		return false;
	*epoch_s = s_epoch(y, mo, d, h, mi, sec);
	return true;
}

bool bw_parse_epoch(const char *s, double *epoch_s)
{
	if (!*s)
		return false;
	char *end;
	double v = strtod(s, &end);
	if (*end || !isfinite(v) || (!isdigit((unsigned char)*s) && *s != '-'))
		return false;
	*epoch_s = v;
	return true;
}

bool bw_parse_amzdate(const char *s, double *epoch_s)
{
	int y, mo, d, h, mi, sec;
	const char *p = s;
	if (!s_digits(&p, 4, &y) || !s_digits(&p, 2, &mo) || !s_digits(&p, 2, &d) ||
	    *p++ != 'T' || !s_digits(&p, 2, &h) || !s_digits(&p, 2, &mi) ||
	    !s_digits(&p, 2, &sec) || *p++ != 'Z' || *p)
		return false;
	if (!s_valid_tm(y, mo, d, h, mi, sec))
		return false;
	*epoch_s = s_epoch(y, mo, d, h, mi, sec);
	return true;
}

bool bw_parse_any_time(const char *s, double *epoch_s)
{
	return bw_parse_iso8601(s, epoch_s) || bw_parse_rfc822(s, epoch_s) ||
	       bw_parse_amzdate(s, epoch_s) || bw_parse_epoch(s, epoch_s);
}
