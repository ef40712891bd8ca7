/*
 * policy_docs.h: what services share about the resource policies their
 * stored documents hold (a role's trust policy, a key policy).
 */
#ifndef BW_SERVICES_POLICY_DOCS_H
#define BW_SERVICES_POLICY_DOCS_H

struct bw_store;

/* In every document of kind in account, replace the "AWS" principal `from`
 * with `to` in the policy text kept under member (auth/policy_principals.h),
 * updating the documents that change. For a deleted principal's ARN and its
 * unique id (services/service.h principal_deleted). 0, or -1. */
int bw_policy_docs_replace_principal(struct bw_store *store, const char *kind,
                                     const char *account, const char *member, const char *from,
                                     const char *to);

#endif
