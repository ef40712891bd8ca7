/*
 * tls.h: TLS on the listening port, beside plain HTTP
 * (docs/decisions/0014-tls-on-the-same-port.md). The server tells the two
 * apart by a connection's first byte: 0x16 opens a TLS handshake record
 * (RFC 8446 5.1, ContentType handshake(22)); no HTTP method starts with it.
 * Internal to http/ except bw_http_tls_check, which the CLI uses to refuse
 * a bad certificate before any state is made.
 */
#ifndef BW_HTTP_TLS_H
#define BW_HTTP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

/* The first byte of every TLS record that opens a handshake. */
#define BW_HTTP_TLS_HANDSHAKE_BYTE 0x16

/*
 * A server context for the PEM certificate chain and private key: TLS 1.2
 * and 1.3 only, OpenSSL's default suites (no RSA key exchange, no CBC in
 * 1.3). NULL with the reason logged if either file cannot be loaded or the
 * key does not match the certificate.
 */
SSL_CTX *bw_http_tls_ctx_new(const char *cert_file, const char *key_file);

/* 0 if the pair loads (bw_http_tls_ctx_new without keeping it); -1, logged. */
int bw_http_tls_check(const char *cert_file, const char *key_file);

/* A client address on the loopback interface: 127.0.0.0/8, ::1, or
 * 127.0.0.0/8 mapped into IPv6. */
bool bw_http_is_loopback(const struct sockaddr *sa);

/*
 * May a connection that did not start a TLS handshake be served in plain
 * HTTP? With --require-tls only from loopback: a client on the same
 * machine cannot be overheard on the wire, everyone else must encrypt.
 */
bool bw_http_plain_allowed(bool loopback, bool require_tls);

/* The negotiated protocol ("TLSv1.3") and suite ("TLS_AES_128_GCM_SHA256"),
 * as CloudTrail's tlsDetails names them; "" if not known. */
void bw_http_tls_describe(const SSL *ssl, char *version, size_t version_len, char *cipher,
                          size_t cipher_len);

#endif
