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
 * One process at a time owns a data directory: `serve` for its whole life,
 * `init` and `root create-access-key` while they write. Two servers on one
 * store would each number the event log from what they read at start and
 * clash; the lock is <data>/serve.lock, held with flock (released by the
 * kernel however the process ends, so a crash leaves no stale lock), and
 * holds the owner's pid for the message of the one refused.
 */
struct bw_data_lock {
	int fd; /* -1 when not held */
};
/* Make the directory (0700) if absent and take its lock: 0 held, 1 another
 * process holds it (*holder: its pid, 0 if unknown), -1 error (logged). */
BW_MUST_CHECK int bw_data_dir_lock(const char *data_dir, struct bw_data_lock *lock, long *holder);
void bw_data_dir_unlock(struct bw_data_lock *lock);

/*
 * Open (and if new, initialise) the data directory: the store, the root key
 * (created when absent and create is set, but never for a store that
 * already holds an account: that one's secrets are sealed under its own
 * key), the account id. The root key must match the store's check value
 * (bw_root_key_check_value, written at init; a store from before it is
 * checked by unsealing the secret of an access key, then given one). When the account has no root access key yet, make one and
 * fill *fresh (fresh->access_key_id[0] == 0 otherwise). -1 on failure (logged).
 */
int bw_account_open(const char *data_dir, const char *passphrase, bool create,
                    struct bw_store **store, struct bw_root_key *rk, char account_id[16],
                    struct bw_root_credentials *fresh);

/*
 * A new access key of the account root (AWS allows the root two: 1 when it
 * has two already, -1 on error), its secret sealed; *out shows it once.
 */
BW_MUST_CHECK int bw_account_new_root_access_key(struct bw_store *store,
                                                 const struct bw_root_key *rk,
                                                 const char *account_id,
                                                 struct bw_root_credentials *out);

/*
 * Write an aws CLI profile for these credentials: ~/.aws/credentials and
 * ~/.aws/config (or $AWS_SHARED_CREDENTIALS_FILE / $AWS_CONFIG_FILE), with
 * endpoint_url and region; an existing section of that name is replaced,
 * every other line kept. Files are created 0600.
 */
int bw_account_write_profile(const char *profile, const struct bw_root_credentials *c,
                             const char *endpoint_url, const char *region);

#endif
