/*
 * policy_principals.h: the AWS principals a resource policy names (a role's
 * trust policy, a key policy), read and rewritten as JSON text.
 *
 * AWS binds a resource policy's principal ARNs to the principals' unique
 * ids when the policy is saved: a deleted user's ARN turns into its id
 * ("AIDA..."), so a new user of the same name is not trusted ("IAM JSON
 * policy elements: Principal"). Bulwark does the same: the services
 * rewrite their resource policies when a principal goes.
 */
#ifndef BW_AUTH_POLICY_PRINCIPALS_H
#define BW_AUTH_POLICY_PRINCIPALS_H

#include <jansson.h>
#include <stdbool.h>

/* Every "AWS" principal of Principal and NotPrincipal, as a new array of
 * strings (empty when none); NULL when text is not a JSON policy. */
json_t *bw_policy_aws_principals(const char *text);

/* text with every "AWS" principal equal to `from` replaced by `to`: a new
 * string (free it), *changed set when anything was replaced; NULL when
 * text is not JSON or out of memory. */
char *bw_policy_replace_aws_principal(const char *text, const char *from, const char *to,
                                      bool *changed);

#endif
