/* principal.c: the caller's identity. */
#include "auth/principal.h"

#include <stdio.h>
#include <string.h>

void bw_principal_clear(struct bw_principal *p)
{
	json_decref(p->tags);
	json_decref(p->session_policies);
	memset(p, 0, sizeof *p);
}

const char *bw_principal_type_name(enum bw_caller_type t)
{
	switch (t) {
	case BW_PT_ROOT:
		return "Account";
	case BW_PT_IAM_USER:
		return "User";
	case BW_PT_ASSUMED_ROLE:
		return "AssumedRole";
	case BW_PT_FEDERATED_USER:
		return "FederatedUser";
	}
	return "Unknown";
}

void bw_principal_root(struct bw_principal *p, const char *account)
{
	bw_principal_clear(p);
	p->type = BW_PT_ROOT;
	snprintf(p->account, sizeof p->account, "%s", account);
	snprintf(p->arn, sizeof p->arn, "arn:aws:iam::%s:root", account);
	snprintf(p->principal_id, sizeof p->principal_id, "%s", account);
}
