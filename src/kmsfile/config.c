/*
 * config.c: where encrypt-file / decrypt-file find credentials, endpoint and
 * region — the aws CLI's places, in its order (see kmsfile.h). The two INI
 * files are read line by line with a bounded line; lines that held secrets
 * are wiped.
 */
#include <stdlib.h>
#include <string.h>

#include "kmsfile/kmsfile.h"

#define S_DEFAULT_PROFILE "bulwark"
#define S_DEFAULT_ENDPOINT "http://127.0.0.1:4566"
#define S_DEFAULT_REGION "us-east-1"

/* What one profile holds (any member may be absent: ""). */
struct s_profile {
	char akid[256];
	char secret[512];
	char token[4096];
	char endpoint[512];
	char region[64];
	char ca_bundle[4096];
};

static char *s_trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = 0;
	return s;
}

static void s_set(char *dst, size_t cap, const char *v)
{
	if (strlen(v) < cap)
		memcpy(dst, v, strlen(v) + 1);
}

/*
 * Read section `section` of an INI file into p (only members not yet set).
 * A missing file is not an error. -1 when a line is longer than we read.
 */
static int s_read_ini(const char *path, const char *section, struct s_profile *p,
                      struct bw_kmsfile_error *err)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char line[8192];
	bool in = false;
	int rc = 0;
	while (fgets(line, sizeof line, f)) {
		size_t n = strlen(line);
		if (n == sizeof line - 1 && line[n - 1] != '\n' && !feof(f)) {
			bw_kmsfile_fail(err, "%s: a line is longer than %zu bytes", path, sizeof line - 2);
			rc = -1;
			break;
		}
		char *s = s_trim(line);
		if (*s == '#' || *s == ';' || !*s)
			continue;
		if (*s == '[') {
			char *close_b = strchr(s, ']');
			if (close_b)
				*close_b = 0;
			in = strcmp(s_trim(s + 1), section) == 0;
			continue;
		}
		char *eq = strchr(s, '=');
		if (!in || !eq)
			continue;
		*eq = 0;
		char *k = s_trim(s), *v = s_trim(eq + 1);
		if (strcmp(k, "aws_access_key_id") == 0 && !p->akid[0])
			s_set(p->akid, sizeof p->akid, v);
		else if (strcmp(k, "aws_secret_access_key") == 0 && !p->secret[0])
			s_set(p->secret, sizeof p->secret, v);
		else if (strcmp(k, "aws_session_token") == 0 && !p->token[0])
			s_set(p->token, sizeof p->token, v);
		else if (strcmp(k, "endpoint_url") == 0 && !p->endpoint[0])
			s_set(p->endpoint, sizeof p->endpoint, v);
		else if (strcmp(k, "region") == 0 && !p->region[0])
			s_set(p->region, sizeof p->region, v);
		else if (strcmp(k, "ca_bundle") == 0 && !p->ca_bundle[0])
			s_set(p->ca_bundle, sizeof p->ca_bundle, v);
	}
	bw_cleanse(line, sizeof line);
	fclose(f);
	return rc;
}

/* $VAR, else ~/.aws/<name>. */
static int s_path(const char *var, const char *name, char *out, size_t outlen)
{
	const char *v = getenv(var);
	if (v && *v)
		return snprintf(out, outlen, "%s", v) < (int)outlen ? 0 : -1;
	const char *home = getenv("HOME");
	if (!home || !*home)
		return -1;
	return snprintf(out, outlen, "%s/.aws/%s", home, name) < (int)outlen ? 0 : -1;
}

static const char *s_env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

int bw_kmsfile_client_configure(struct bw_kmsfile_client *c, const char *endpoint,
                                const char *region, struct bw_kmsfile_error *err)
{
	struct s_profile *p = calloc(1, sizeof *p);
	char path[4096], section[300];
	int rc = -1;
	*c = (struct bw_kmsfile_client){.secret = {.secret = true},
	                                .session_token = {.secret = true}};
	if (!p) {
		bw_kmsfile_fail(err, "out of memory");
		return -1;
	}
	const char *profile = s_env("AWS_PROFILE") ? s_env("AWS_PROFILE") : S_DEFAULT_PROFILE;
	if (strlen(profile) > 200) {
		bw_kmsfile_fail(err, "AWS_PROFILE is too long");
		goto done;
	}
	/* the credentials file names sections by profile, the config file as
	 * "profile NAME" (but "default" as is) */
	if (s_path("AWS_SHARED_CREDENTIALS_FILE", "credentials", path, sizeof path) == 0 &&
	    s_read_ini(path, profile, p, err) != 0)
		goto done;
	snprintf(section, sizeof section, strcmp(profile, "default") == 0 ? "%s" : "profile %s",
	         profile);
	if (s_path("AWS_CONFIG_FILE", "config", path, sizeof path) == 0 &&
	    s_read_ini(path, section, p, err) != 0)
		goto done;
	const char *akid = s_env("AWS_ACCESS_KEY_ID"), *secret = s_env("AWS_SECRET_ACCESS_KEY");
	const char *token = s_env("AWS_SESSION_TOKEN");
	if (!akid || !secret) {
		akid = p->akid;
		secret = p->secret;
		token = p->token[0] ? p->token : NULL;
	}
	if (!akid[0] || !secret[0]) {
		bw_kmsfile_fail(err, "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
		                     "or add profile '%s' to the shared credentials file (bulwark init "
		                     "writes one)", profile);
		goto done;
	}
	if (strlen(akid) >= sizeof c->access_key_id) {
		bw_kmsfile_fail(err, "the access key id is too long");
		goto done;
	}
	memcpy(c->access_key_id, akid, strlen(akid) + 1);
	if (bw_buf_append_str(&c->secret, secret) != 0 ||
	    (token && bw_buf_append_str(&c->session_token, token) != 0)) {
		bw_kmsfile_fail(err, "out of memory");
		goto done;
	}
	const char *ep = endpoint && *endpoint ? endpoint
	                 : p->endpoint[0]     ? p->endpoint
	                                      : S_DEFAULT_ENDPOINT;
	const char *rg = region && *region              ? region
	                 : s_env("AWS_REGION")          ? s_env("AWS_REGION")
	                 : s_env("AWS_DEFAULT_REGION")  ? s_env("AWS_DEFAULT_REGION")
	                 : p->region[0]                 ? p->region
	                                                : S_DEFAULT_REGION;
	if (strlen(ep) >= sizeof c->endpoint || strlen(rg) >= sizeof c->region) {
		bw_kmsfile_fail(err, "the endpoint URL or region is too long");
		goto done;
	}
	memcpy(c->endpoint, ep, strlen(ep) + 1);
	memcpy(c->region, rg, strlen(rg) + 1);
	const char *ca = s_env("AWS_CA_BUNDLE") ? s_env("AWS_CA_BUNDLE") : p->ca_bundle;
	if (strlen(ca) >= sizeof c->ca_bundle) {
		bw_kmsfile_fail(err, "the CA bundle path is too long");
		goto done;
	}
	memcpy(c->ca_bundle, ca, strlen(ca) + 1);
	rc = 0;
done:
	bw_cleanse(p, sizeof *p);
	free(p);
	if (rc != 0)
		bw_kmsfile_client_clean_up(c);
	return rc;
}
