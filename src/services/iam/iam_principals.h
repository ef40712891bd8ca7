/*
 * iam_principals.h: what other services ask IAM about the principals their
 * resource policies name (KMS key policies; role trust policies are IAM's
 * own). AWS refuses a resource policy that names a user or role that does
 * not exist ("Invalid principal in policy"), and binds the ones it names
 * to their unique ids (auth/policy_principals.h).
 */
#ifndef BW_SERVICES_IAM_PRINCIPALS_H
#define BW_SERVICES_IAM_PRINCIPALS_H

#include <stddef.h>

struct bw_store;

/* The first "AWS" principal of policy text that is a user or role ARN of
 * this account naming no existing entity (exactly: path and name as
 * stored), copied into missing. 1 when there is one, 0 when every such
 * principal exists (or the text names none), -1 on a store error. */
int bw_iam_missing_principal(struct bw_store *store, const char *account, const char *text,
                             char *missing, size_t missing_len);

/* What a service does when an IAM user or role goes: rewrite its resource
 * policies so that the ARN becomes the unique id (services/service.h
 * principal_deleted). IAM's own: every role's trust policy. */
int bw_iam_trust_principal_deleted(struct bw_store *store, const char *account, const char *arn,
                                   const char *unique_id);

#endif
