/*
 * tls.c: the server's TLS context, the plain-HTTP decision and what a
 * connection negotiated (see tls.h).
 */
#include "http/tls.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "core/log.h"

/* OpenSSL's reason for the last failure, for the log line. */
static void s_log_ssl(const char *msg, const char *file)
{
	char reason[256] = "";
	unsigned long e = ERR_peek_last_error();
	if (e)
		ERR_error_string_n(e, reason, sizeof reason);
	ERR_clear_error();
	bw_log(BW_LOG_ERROR, msg,
	       json_pack("{s:s, s:s}", "file", file ? file : "", "error", reason));
}

SSL_CTX *bw_http_tls_ctx_new(const char *cert_file, const char *key_file)
{
	if (!cert_file || !key_file) {
		bw_log(BW_LOG_ERROR, "TLS needs both a certificate and its key", NULL);
		return NULL;
	}
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx) {
		s_log_ssl("cannot make a TLS context", NULL);
		return NULL;
	}
	/* TLS 1.0 and 1.1 are deprecated (RFC 8996); AWS endpoints refuse them */
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		s_log_ssl("cannot set the minimum TLS version", NULL);
		goto error;
	}
	/* renegotiation would let a client restart the costly handshake at will */
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		s_log_ssl("cannot load the TLS certificate", cert_file);
		goto error;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
		s_log_ssl("cannot load the TLS key", key_file);
		goto error;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		s_log_ssl("the TLS key does not match the certificate", key_file);
		goto error;
	}
	return ctx;
error:
	SSL_CTX_free(ctx);
	return NULL;
}

int bw_http_tls_check(const char *cert_file, const char *key_file)
{
	SSL_CTX *ctx = bw_http_tls_ctx_new(cert_file, key_file);
	if (!ctx)
		return -1;
	SSL_CTX_free(ctx);
	return 0;
}

bool bw_http_is_loopback(const struct sockaddr *sa)
{
	if (!sa)
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in4 = (const struct sockaddr_in *)(const void *)sa;
		return (ntohl(in4->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family != AF_INET6)
		return false;
	const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (IN6_IS_ADDR_LOOPBACK(a))
		return true;
	return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
}

bool bw_http_plain_allowed(bool loopback, bool require_tls)
{
	return !require_tls || loopback;
}

void bw_http_tls_describe(const SSL *ssl, char *version, size_t version_len, char *cipher,
                          size_t cipher_len)
{
	const char *v = ssl ? SSL_get_version(ssl) : NULL;
	const SSL_CIPHER *c = ssl ? SSL_get_current_cipher(ssl) : NULL;
	const char *name = c ? SSL_CIPHER_get_name(c) : NULL;
	snprintf(version, version_len, "%s", v ? v : "");
	snprintf(cipher, cipher_len, "%s", name ? name : "");
}
