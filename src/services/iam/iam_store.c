/* iam_store.c: keys, ids and secrets of IAM's stored records. */
#include "services/iam/iam_store.h"

#include <ctype.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"

int bw_iam_key(const char *name, char *out, size_t outlen)
{
	size_t n = strlen(name);
	if (n + 1 > outlen)
		return -1;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)name[i]);
	out[n] = 0;
	return 0;
}

int bw_iam_secret_aad(const char *account, const char *access_key_id, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%s|%s", account, access_key_id);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

/* Uniform random characters of an alphabet (rejection sampling: no bias). */
static int s_random_chars(const char *alphabet, char *out, size_t n)
{
	size_t alen = strlen(alphabet);
	size_t limit = 256 - 256 % alen;
	size_t i = 0;
	while (i < n) {
		uint8_t r[64];
		if (RAND_bytes(r, sizeof r) != 1)
			return -1;
		for (size_t j = 0; j < sizeof r && i < n; j++)
			if (r[j] < limit)
				out[i++] = alphabet[r[j] % alen];
	}
	return 0;
}

int bw_iam_new_id(const char *prefix, char *out, size_t outlen)
{
	bool access_key = strcmp(prefix, "AKIA") == 0 || strcmp(prefix, "ASIA") == 0;
	size_t total = access_key ? 20 : 21;
	size_t plen = strlen(prefix);
	if (plen >= total || outlen <= total)
		return -1;
	memcpy(out, prefix, plen);
	const char *alphabet = access_key ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	                                  : "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	if (s_random_chars(alphabet, out + plen, total - plen) != 0)
		return -1;
	out[total] = 0;
	return 0;
}

int bw_iam_new_secret(char out[41])
{
	if (s_random_chars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", out,
	                   40) != 0)
		return -1;
	out[40] = 0;
	return 0;
}
