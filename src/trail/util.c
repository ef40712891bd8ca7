/*
 * util.c: the trail settings (serve's flags) and the small pieces delivery,
 * digests and validation share: gzip, times, hashes, delivery paths and
 * atomic file writes.
 */
#include "trail/trail.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <zlib.h>

/* Set once by serve before the ticker starts; read by the ticker. */
static char s_data_dir[4096];
static _Atomic double s_delivery_interval_s = 300.0;
static _Atomic double s_digest_interval_s = 3600.0;
static _Atomic double s_key_rotation_s = 30.0 * 86400.0;

void bw_trail_set_data_dir(const char *data_dir)
{
	if (!data_dir || strlen(data_dir) >= sizeof s_data_dir)
		return;
	memcpy(s_data_dir, data_dir, strlen(data_dir) + 1);
}

void bw_trail_set_delivery_interval_s(double s)
{
	if (s >= 1.0)
		s_delivery_interval_s = s;
}

void bw_trail_set_digest_interval_s(double s)
{
	if (s >= 1.0)
		s_digest_interval_s = s;
}

void bw_trail_set_key_rotation_s(double s)
{
	if (s >= 1.0)
		s_key_rotation_s = s;
}

double bw_trail_delivery_interval_s(void)
{
	return s_delivery_interval_s;
}

double bw_trail_digest_interval_s(void)
{
	return s_digest_interval_s;
}

double bw_trail_key_rotation_s(void)
{
	return s_key_rotation_s;
}

const char *bw_trail_data_dir(void)
{
	return s_data_dir[0] ? s_data_dir : NULL;
}

int bw_trail_gzip(struct bw_cur in, struct bw_buf *out)
{
	z_stream z = {0};
	/* 16 + MAX_WBITS: a gzip wrapper, as S3 objects named .json.gz carry. */
	if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
	                 Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	uLong bound = deflateBound(&z, (uLong)in.len) + 32;
	if (bw_buf_reserve(out, bound) != 0)
		goto error;
	z.next_in = (Bytef *)(uintptr_t)in.ptr;
	z.avail_in = (uInt)in.len;
	z.next_out = (Bytef *)out->data + out->len;
	z.avail_out = (uInt)bound;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		goto error;
	out->len += z.total_out;
	out->data[out->len] = 0;
	deflateEnd(&z);
	return 0;
error:
	deflateEnd(&z);
	return -1;
}

int bw_trail_gunzip(struct bw_cur in, size_t max_out, struct bw_buf *out)
{
	z_stream z = {0};
	if (in.len > UINT32_MAX || inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return -1;
	z.next_in = (Bytef *)(uintptr_t)in.ptr;
	z.avail_in = (uInt)in.len;
	size_t start = out->len;
	for (;;) {
		if (bw_buf_reserve(out, 16384) != 0)
			goto error;
		z.next_out = (Bytef *)out->data + out->len;
		z.avail_out = 16384;
		int rc = inflate(&z, Z_NO_FLUSH);
		out->len += 16384 - z.avail_out;
		if (out->len - start > max_out)
			goto error;
		if (rc == Z_STREAM_END)
			break;
		if (rc != Z_OK)
			goto error;
		if (z.avail_in == 0 && z.avail_out != 0)
			goto error; /* truncated */
	}
	/* Trailing bytes after the member mean it is not the file we wrote. */
	if (z.avail_in != 0)
		goto error;
	out->data[out->len] = 0;
	inflateEnd(&z);
	return 0;
error:
	inflateEnd(&z);
	return -1;
}

int bw_trail_iso(double epoch_s, char out[32])
{
	time_t t = (time_t)epoch_s;
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		return -1;
	return strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0 ? 0 : -1;
}

void bw_trail_sha256_hex(struct bw_cur in, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;
	static const char hex[] = "0123456789abcdef";
	if (EVP_Digest(in.ptr, in.len, md, &n, EVP_sha256(), NULL) != 1 || n != 32) {
		out[0] = 0;
		return;
	}
	for (size_t i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = 0;
}

int bw_trail_local_path(const char *bucket, const char *key, char *out, size_t outlen)
{
	const char *dir = bw_trail_data_dir();
	if (!dir || !bucket || !key)
		return -1;
	int n = snprintf(out, outlen, "%s/trail-delivery/%s/%s", dir, bucket, key);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

int bw_trail_mkdirs_for(const char *path)
{
	char tmp[4096];
	size_t len = strlen(path);
	if (len >= sizeof tmp)
		return -1;
	memcpy(tmp, path, len + 1);
	char *slash = strrchr(tmp, '/');
	if (!slash)
		return 0;
	*slash = 0;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

int bw_trail_write_file(const char *path, struct bw_cur bytes)
{
	char tmp[4200];
	unsigned char r[6];
	if (RAND_bytes(r, sizeof r) != 1)
		return -1;
	int n = snprintf(tmp, sizeof tmp, "%s.tmp-%02x%02x%02x%02x%02x%02x", path, r[0], r[1], r[2],
	                 r[3], r[4], r[5]);
	if (n < 0 || (size_t)n >= sizeof tmp || bw_trail_mkdirs_for(path) != 0)
		return -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < bytes.len) {
		ssize_t w = write(fd, bytes.ptr + off, bytes.len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto error;
		off += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto error;
	close(fd);
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
error:
	close(fd);
	unlink(tmp);
	return -1;
}
