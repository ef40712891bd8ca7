/* encoding.c: base64, hex and percent-encoding. */
#include "core/encoding.h"

#include <string.h>

static const char s_b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int bw_base64_encode(const void *in, size_t len, struct bw_buf *out)
{
	const uint8_t *p = in;
	if (len > SIZE_MAX / 2 || bw_buf_reserve(out, (len + 2) / 3 * 4) != 0)
		return -1;
	char *o = (char *)out->data + out->len;
	size_t i = 0, n = 0;
	for (; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		o[n++] = s_b64[v >> 18 & 63];
		o[n++] = s_b64[v >> 12 & 63];
		o[n++] = s_b64[v >> 6 & 63];
		o[n++] = s_b64[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0);
		o[n++] = s_b64[v >> 18 & 63];
		o[n++] = s_b64[v >> 12 & 63];
		o[n++] = i + 1 < len ? s_b64[v >> 6 & 63] : '=';
		o[n++] = '=';
	}
	out->len += n;
	out->data[out->len] = 0;
	return 0;
}

static int s_b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int bw_base64_decode(const char *in, size_t len, struct bw_buf *out)
{
	if (len % 4 != 0)
		return -1;
	if (bw_buf_reserve(out, len / 4 * 3) != 0)
		return -1;
	size_t start = out->len;
	for (size_t i = 0; i < len; i += 4) {
		int v[4];
		int pad = 0;
		for (int j = 0; j < 4; j++) {
			char c = in[i + (size_t)j];
			if (c == '=' && i + 4 == len && j >= 2) {
				v[j] = 0;
				pad++;
				continue;
			}
			if (pad)
				goto bad; /* data after padding */
			v[j] = s_b64_value(c);
			if (v[j] < 0)
				goto bad;
		}
		uint32_t x = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
		             (uint32_t)v[3];
		out->data[out->len++] = (uint8_t)(x >> 16);
		if (pad < 2)
			out->data[out->len++] = (uint8_t)(x >> 8);
		if (pad < 1)
			out->data[out->len++] = (uint8_t)x;
	}
	out->data[out->len] = 0;
	return 0;
bad:
	out->len = start;
	out->data[out->len] = 0;
	return -1;
}

int bw_hex_encode(const void *in, size_t len, struct bw_buf *out)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *p = in;
	if (len > SIZE_MAX / 2 || bw_buf_reserve(out, len * 2) != 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		out->data[out->len++] = (uint8_t)digits[p[i] >> 4];
		out->data[out->len++] = (uint8_t)digits[p[i] & 15];
	}
	out->data[out->len] = 0;
	return 0;
}

int bw_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool bw_json_depth_within(const void *text, size_t len, size_t max_depth)
{
	const uint8_t *p = text;
	size_t depth = 0;
	bool in_str = false;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = p[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			if (++depth > max_depth)
				return false;
		} else if ((c == '}' || c == ']') && depth) {
			depth--;
		}
	}
	return true;
}

int bw_url_decode(const char *in, size_t len, bool form, struct bw_buf *out)
{
	if (bw_buf_reserve(out, len) != 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		if (c == '%') {
			if (i + 2 >= len)
				return -1;
			int hi = bw_hex_digit(in[i + 1]);
			int lo = bw_hex_digit(in[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			out->data[out->len++] = (uint8_t)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && form) {
			out->data[out->len++] = ' ';
		} else {
			out->data[out->len++] = (uint8_t)c;
		}
	}
	out->data[out->len] = 0;
	return 0;
}

int bw_url_encode(const char *in, size_t len, bool keep_slash, struct bw_buf *out)
{
	static const char digits[] = "0123456789ABCDEF";
	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)in[i];
		bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		             (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
		             c == '~' || (keep_slash && c == '/');
		if (plain) {
			if (bw_buf_append_byte(out, c) != 0)
				return -1;
		} else {
			char esc[3] = {'%', digits[c >> 4], digits[c & 15]};
			if (bw_buf_append(out, esc, 3) != 0)
				return -1;
		}
	}
	if (!out->data && bw_buf_reserve(out, 0) != 0)
		return -1;
	return 0;
}
