/*
 * principal.h: who is calling — the identity a request authenticated as.
 *
 * Filled by authentication (access key -> principal) and read by the policy
 * engine, the handlers (GetCallerIdentity) and the trail (userIdentity).
 */
#ifndef BW_AUTH_PRINCIPAL_H
#define BW_AUTH_PRINCIPAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

enum bw_caller_type {
	BW_PT_ROOT,           /* the account root: arn:aws:iam::<acct>:root */
	BW_PT_IAM_USER,       /* arn:aws:iam::<acct>:user/<path><name> */
	BW_PT_ASSUMED_ROLE,   /* arn:aws:sts::<acct>:assumed-role/<role>/<session> */
	BW_PT_FEDERATED_USER, /* arn:aws:sts::<acct>:federated-user/<name> */
};

struct bw_principal {
	enum bw_caller_type type;
	char account[16];
	char arn[512];
	char principal_id[192];  /* root: the account id; user: AIDA...;
	                            role session: AROA...:<session>; federated: <acct>:<name> */
	char user_name[128];     /* IAM user (user, or the user a session came from) */
	char access_key_id[32];  /* the key the request was signed with */
	bool temporary;          /* session credentials (ASIA...) */
	/* GetSessionToken credentials (of a user or the root): AWS lets them
	 * call no IAM API without MFA and no STS API but AssumeRole and
	 * GetCallerIdentity (gateway/authn.c enforces it). */
	bool from_session_token;

	/* role sessions */
	char role_name[128];
	char role_arn[512];      /* arn:aws:iam::<acct>:role/<path><name> */
	char role_id[32];        /* AROA... */
	char session_name[80];
	int64_t session_created_s; /* every temporary credential: when it was issued
	                              (aws:TokenIssueTime); 0 for long-term keys */
	int64_t session_expires_s;
	char source_identity[80];

	/* MFA: set when the session was made with a valid MFA code */
	bool mfa_present;
	int64_t mfa_auth_time_s;

	/* The aws:PrincipalTag keys: the user's or role's tags, then session tags
	 * (which win): object tag key -> value. NULL when none. Owned. */
	json_t *tags;
	/* Session policies of a role or federated session: an array of policy
	 * document texts (the inline Policy and each PolicyArns document), or
	 * NULL when the session has none (then nothing limits it). Owned. */
	json_t *session_policies;
};

/* Release the owned members; the struct can then be reused. */
void bw_principal_clear(struct bw_principal *p);
/* The aws:PrincipalType value: Account, User, AssumedRole, FederatedUser. */
const char *bw_principal_type_name(enum bw_caller_type t);
/* Fill p as the account root of `account`. */
void bw_principal_root(struct bw_principal *p, const char *account);

#endif
