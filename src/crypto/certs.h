/*
 * certs.h: the local certificate authority bulwark init makes, so that a
 * fresh install is served over TLS without a certificate bought or made by
 * hand (docs/decisions/0014-tls-on-the-same-port.md).
 */
#ifndef BW_CRYPTO_CERTS_H
#define BW_CRYPTO_CERTS_H

#include "core/buf.h" /* BW_MUST_CHECK */

/* Both certificates are valid this long (from an hour before they are made,
 * for clocks a little behind). */
#define BW_CERTS_VALID_DAYS 3650

/*
 * In dir (made 0700 if missing): ca.pem, a CA certificate (EC P-256,
 * CA:TRUE, pathlen 0), and server.pem + server.key (0600), a server
 * certificate it signed for DNS:localhost, IP:127.0.0.1 and IP:::1. The
 * CA's private key is never written: it signs this one certificate and is
 * wiped, so trusting ca.pem trusts this server and nothing else anyone
 * could sign later. Existing files are not overwritten: -1, as for any
 * failure (logged).
 */
BW_MUST_CHECK int bw_certs_make_local(const char *dir);

#endif
