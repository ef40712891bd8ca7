/*
 * account.h: the installation's account — made by `bulwark init` (or the
 * first `serve` on an empty data directory): its id, the root key, and the
 * root user's first access key pair.
 */
#ifndef BW_GATEWAY_ACCOUNT_H
#define BW_GATEWAY_ACCOUNT_H

#include <stdbool.h>

#include "crypto/seal.h"

struct bw_store;

struct bw_root_credentials {
	char account_id[16];
	char access_key_id[32];
	char secret_access_key[48]; /* wipe after use */
};

/*
 * Open (and if new, initialise) the data directory: the store, the root key
 * (created when absent, unless passphrase says it must already exist...),
 * the account id. When the account has no root access key yet, make one and
 * fill *fresh (fresh->access_key_id[0] == 0 otherwise). -1 on failure (logged).
 */
int bw_account_open(const char *data_dir, const char *passphrase, bool create,
                    struct bw_store **store, struct bw_root_key *rk, char account_id[16],
                    struct bw_root_credentials *fresh);

/*
 * Write an aws CLI profile for these credentials: ~/.aws/credentials and
 * ~/.aws/config (or $AWS_SHARED_CREDENTIALS_FILE / $AWS_CONFIG_FILE), with
 * endpoint_url and region; an existing section of that name is replaced,
 * every other line kept. Files are created 0600.
 */
int bw_account_write_profile(const char *profile, const struct bw_root_credentials *c,
                             const char *endpoint_url, const char *region);

#endif
