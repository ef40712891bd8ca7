/*
 * paths.c: encrypt-file / decrypt-file on paths. The output is written to a
 * temporary file beside it (mode 0600, from mkstemp), synced and renamed
 * into place only when the whole stream succeeded; on any failure the
 * temporary file is removed, so a failed decryption leaves no partial
 * plaintext and an existing output file is untouched.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmsfile/kmsfile.h"

enum s_dir { S_ENCRYPT, S_DECRYPT };

struct s_job {
	enum s_dir dir;
	const struct bw_kmsfile_encrypt_opts *opts;
	const char *const *required;
	size_t n;
	const struct bw_kmsfile_keys *keys;
};

static int s_run(const char *in_path, const char *out_path, const struct s_job *job,
                 struct bw_kmsfile_error *err)
{
	FILE *in = NULL, *out = NULL;
	char *tmp = NULL;
	int fd = -1, rc = -1;
	if (!in_path || !out_path || !*in_path || !*out_path) {
		bw_kmsfile_fail(err, "--in and --out are required");
		return -1;
	}
	if (!(in = fopen(in_path, "rb"))) {
		bw_kmsfile_fail(err, "cannot open %s: %s", in_path, strerror(errno));
		return -1;
	}
	size_t len = strlen(out_path);
	if (!(tmp = malloc(len + 16))) {
		bw_kmsfile_fail(err, "out of memory");
		goto error;
	}
	snprintf(tmp, len + 16, "%s.tmp-XXXXXX", out_path);
	if ((fd = mkstemp(tmp)) < 0) {
		bw_kmsfile_fail(err, "cannot create a temporary file beside %s: %s", out_path,
		                strerror(errno));
		goto error;
	}
	if (!(out = fdopen(fd, "wb"))) {
		bw_kmsfile_fail(err, "cannot open %s: %s", tmp, strerror(errno));
		close(fd);
		goto error_unlink;
	}
	int s = job->dir == S_ENCRYPT
	                ? bw_kmsfile_encrypt_stream(in, out, job->opts, job->keys, err)
	                : bw_kmsfile_decrypt_stream(in, out, job->required, job->n, job->keys, err);
	if (s != 0)
		goto error_unlink;
	if (fflush(out) != 0 || fsync(fileno(out)) != 0) {
		bw_kmsfile_fail(err, "cannot write %s: %s", tmp, strerror(errno));
		goto error_unlink;
	}
	int c = fclose(out);
	out = NULL;
	if (c != 0) {
		bw_kmsfile_fail(err, "cannot write %s: %s", tmp, strerror(errno));
		goto error_unlink;
	}
	if (rename(tmp, out_path) != 0) {
		bw_kmsfile_fail(err, "cannot rename %s to %s: %s", tmp, out_path, strerror(errno));
		goto error_unlink;
	}
	rc = 0;
	goto error;
error_unlink:
	if (out)
		fclose(out);
	out = NULL;
	unlink(tmp);
error:
	free(tmp);
	fclose(in);
	return rc;
}

int bw_kmsfile_encrypt_path(const char *in, const char *out,
                            const struct bw_kmsfile_encrypt_opts *o,
                            const struct bw_kmsfile_keys *keys, struct bw_kmsfile_error *err)
{
	struct s_job job = {.dir = S_ENCRYPT, .opts = o, .keys = keys};
	return s_run(in, out, &job, err);
}

int bw_kmsfile_decrypt_path(const char *in, const char *out, const char *const *required,
                            size_t n, const struct bw_kmsfile_keys *keys,
                            struct bw_kmsfile_error *err)
{
	struct s_job job = {.dir = S_DECRYPT, .required = required, .n = n, .keys = keys};
	return s_run(in, out, &job, err);
}
