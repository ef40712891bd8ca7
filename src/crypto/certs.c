/*
 * certs.c: the local CA and server certificate of bulwark init (certs.h).
 * X.509 v3 as RFC 5280 wants it for a CA and a TLS server: the CA with
 * basicConstraints CA:TRUE (critical) and keyUsage keyCertSign; the server
 * with its names in subjectAltName (RFC 6125: clients match names there,
 * not in the CN), extendedKeyUsage serverAuth, and key identifiers both
 * ways (Python's strict verification wants authorityKeyIdentifier).
 */
#include "crypto/certs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/log.h"

#define S_VALID_S ((long)BW_CERTS_VALID_DAYS * 24 * 3600)

static int s_fail(const char *what)
{
	char reason[256] = "";
	unsigned long e = ERR_peek_last_error();
	if (e)
		ERR_error_string_n(e, reason, sizeof reason);
	ERR_clear_error();
	bw_log(BW_LOG_ERROR, "cannot make the local TLS certificates",
	       json_pack("{s:s, s:s}", "step", what, "error", reason));
	return -1;
}

static int s_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return -1;
	int rc = X509_add_ext(cert, ext, -1) == 1 ? 0 : -1;
	X509_EXTENSION_free(ext);
	return rc;
}

/* A certificate for key, named cn, not yet signed; issuer NULL: itself. */
static X509 *s_cert_new(EVP_PKEY *key, const char *cn, X509 *issuer)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	if (!x || !name || RAND_bytes(serial, sizeof serial) != 1)
		goto error;
	serial[0] &= 0x7f; /* positive, as RFC 5280 4.1.2.2 wants */
	serial[0] |= 0x01; /* and never shorter than it looks */
	if (!(bn = BN_bin2bn(serial, sizeof serial, NULL)) ||
	    !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) ||
	    X509_set_version(x, X509_VERSION_3) != 1 ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), S_VALID_S) ||
	    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"Bulwark",
	                               -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
	                               0) != 1 ||
	    X509_set_subject_name(x, name) != 1 ||
	    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) != 1 ||
	    X509_set_pubkey(x, key) != 1)
		goto error;
	BN_free(bn);
	X509_NAME_free(name);
	return x;
error:
	BN_free(bn);
	X509_NAME_free(name);
	X509_free(x);
	return NULL;
}

/* Write with O_EXCL: an existing file (another CA's) is never replaced. */
static int s_write(const char *dir, const char *file, mode_t mode, X509 *cert, EVP_PKEY *key)
{
	char path[4096];
	int n = snprintf(path, sizeof path, "%s/%s", dir, file);
	if (n < 0 || (size_t)n >= sizeof path)
		return -1;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		bw_log(BW_LOG_ERROR, "cannot write a TLS file",
		       json_pack("{s:s, s:s}", "path", path, "error", strerror(errno)));
		return -1;
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(path);
		return -1;
	}
	int ok = cert ? PEM_write_X509(f, cert)
	              : PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		ok = 0;
	if (fclose(f) != 0 || ok != 1) {
		unlink(path);
		return -1;
	}
	return 0;
}

int bw_certs_make_local(const char *dir)
{
	int rc = -1;
	EVP_PKEY *ca_key = NULL, *srv_key = NULL;
	X509 *ca = NULL, *srv = NULL;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		bw_log(BW_LOG_ERROR, "cannot make the TLS directory",
		       json_pack("{s:s, s:s}", "path", dir, "error", strerror(errno)));
		return -1;
	}
	if (!(ca_key = EVP_EC_gen("P-256")) || !(srv_key = EVP_EC_gen("P-256"))) {
		rc = s_fail("key");
		goto out;
	}
	if (!(ca = s_cert_new(ca_key, "Bulwark local CA", NULL)) ||
	    s_ext(ca, ca, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") != 0 ||
	    s_ext(ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign") != 0 ||
	    s_ext(ca, ca, NID_subject_key_identifier, "hash") != 0 ||
	    s_ext(ca, ca, NID_authority_key_identifier, "keyid:always") != 0 ||
	    X509_sign(ca, ca_key, EVP_sha256()) <= 0) {
		rc = s_fail("CA certificate");
		goto out;
	}
	if (!(srv = s_cert_new(srv_key, "localhost", ca)) ||
	    s_ext(srv, ca, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
	    s_ext(srv, ca, NID_key_usage, "critical,digitalSignature") != 0 ||
	    s_ext(srv, ca, NID_ext_key_usage, "serverAuth") != 0 ||
	    s_ext(srv, ca, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1") != 0 ||
	    s_ext(srv, ca, NID_subject_key_identifier, "hash") != 0 ||
	    s_ext(srv, ca, NID_authority_key_identifier, "keyid:always") != 0 ||
	    X509_sign(srv, ca_key, EVP_sha256()) <= 0) {
		rc = s_fail("server certificate");
		goto out;
	}
	/* the key before the certificates: serve takes the pair only whole */
	if (s_write(dir, "server.key", 0600, NULL, srv_key) != 0 ||
	    s_write(dir, "server.pem", 0644, srv, NULL) != 0 ||
	    s_write(dir, "ca.pem", 0644, ca, NULL) != 0)
		goto out;
	rc = 0;
out:
	/* EVP_PKEY_free clears the private scalar: the CA key is gone here */
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(srv_key);
	X509_free(ca);
	X509_free(srv);
	return rc;
}
