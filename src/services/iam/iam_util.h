/*
 * iam_util.h: what IAM's handlers share — checking names, paths and tags
 * beyond what the model's constraints say, Marker/MaxItems paging over the
 * document store, ARNs, and URL-encoded policy documents.
 *
 * Functions named ..._or_fail have already written the AWS error into the
 * call when they return -1; the handler just returns -1.
 */
#ifndef BW_SERVICES_IAM_UTIL_H
#define BW_SERVICES_IAM_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "gateway/call.h"

/* Longest key part of an IAM name (names are at most 128 characters). */
#define BW_IAM_NAME_MAX 128
/* Room for a key made of a few names and a policy ARN. */
#define BW_IAM_KEY_MAX 1024

/* [\w+=,.@-]+ of at most maxlen characters. */
bool bw_iam_name_ok(const char *name, size_t maxlen);
/* "/" or "/" [\x21-\x7E]+ "/" of at most 512 characters. */
bool bw_iam_path_ok(const char *path);
/* A path prefix: "/" then [\x21-\x7F]*. */
bool bw_iam_path_prefix_ok(const char *prefix);

/* ValidationError naming the member (AWS's lower-camel name, e.g.
 * "userName") when the name or path is malformed. */
int bw_iam_check_name_or_fail(struct bw_call *call, const char *member, const char *name,
                              size_t maxlen);
int bw_iam_check_path_or_fail(struct bw_call *call, const char *member, const char *path);

/* A string member of the input, or NULL when absent. */
const char *bw_iam_str(const json_t *in, const char *member);

/* The lower-cased store key of a name; fails the call when it does not fit. */
int bw_iam_key_or_fail(struct bw_call *call, const char *name, char *out, size_t outlen);

/* "arn:aws:iam::<account>:<type>/<path><name>" into out (reset first). */
BW_MUST_CHECK int bw_iam_arn(const char *account, const char *type, const char *path,
                             const char *name, struct bw_buf *out);

/*
 * The resource of a request naming a user, group or role (kind BW_IAM_USER
 * ...; word "user"...): the stored entity's ARN and tags when it exists
 * (names are unique case-insensitively: "VICTIM" resolves to the stored
 * "victim"), else the ARN it would have (path from the request, else "/").
 * -1 when the store cannot answer: authorization fails closed.
 */
int bw_iam_entity_resource(struct bw_call *call, const char *kind, const char *word,
                           const char *name, const char *path, struct bw_resource *res);

/*
 * IAM's condition keys (the Service Authorization Reference), for the
 * rows' context (service.h bw_context_fn):
 *  - iam:PermissionsBoundary: the boundary a request sets (CreateUser,
 *    CreateRole, Put*PermissionsBoundary), else the one the named user or
 *    role has (Attach/Detach/Put/Delete of its policies), absent if none;
 *  - iam:PolicyARN: the managed policy an Attach/Detach names.
 */
int bw_iam_boundary_keys(struct bw_call *call, const json_t *in, json_t *extra);
int bw_iam_policy_arn_keys(struct bw_call *call, const json_t *in, json_t *extra);
int bw_iam_attach_keys(struct bw_call *call, const json_t *in, json_t *extra);

/* A policy document text, URL-encoded as IAM returns it; NULL on no memory. */
json_t *bw_iam_url_encoded(const char *text);

/* Tags ([{Key, Value}...]) as AWS checks them: keys 1..128 and values
 * 0..256 characters of [\p{L}\p{Z}\p{N}_.:/=+-@], no key starting with
 * "aws:", no key twice (case-insensitively), at most 50. */
int bw_iam_check_tags_or_fail(struct bw_call *call, const json_t *tags);

/* Paging with Marker / MaxItems. The marker is the base64 of the last
 * document key returned, so it round-trips through any client. */
struct bw_iam_page {
	size_t max_items;    /* 1..1000, default 100 */
	struct bw_buf after; /* decoded marker: list keys after this one */
};
int bw_iam_page_or_fail(struct bw_call *call, const json_t *in, struct bw_iam_page *page);
void bw_iam_page_free(struct bw_iam_page *page);

/* Decide whether a listed document belongs in the answer (PathPrefix...). */
typedef bool (*bw_iam_filter_fn)(const json_t *doc, void *ctx);

/* One page of documents of a kind under a key prefix, after the page's
 * marker, keeping those the filter accepts (NULL: all). *items receives an
 * array of the documents; IsTruncated and Marker are set on out. */
int bw_iam_list_or_fail(struct bw_call *call, const char *kind, const char *prefix,
                        const struct bw_iam_page *page, bw_iam_filter_fn filter, void *ctx,
                        json_t **items, json_t *out);

/* Set IsTruncated (and Marker when truncated) on out. */
int bw_iam_set_paging(json_t *out, bool truncated, const char *last_key);

/* 500 InternalFailure (store or memory trouble); returns -1. */
int bw_iam_internal(struct bw_call *call);

/* snprintf into a key buffer, refusing truncation: -1 if the key does not
 * fit (a truncated key could name another record). */
int bw_iam_keyf(char *out, size_t outlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Service-linked roles (iam_roles.c): users cannot change them — their
 * trust policy, policies, boundary, session duration — nor delete them
 * with DeleteRole; the description and tags stay theirs.
 */
bool bw_iam_role_is_service_linked(const json_t *role);
/* UnmodifiableEntity, as AWS words it, when the role named by the input's
 * RoleName is service-linked; 0 otherwise (a missing role is the
 * handler's NoSuchEntity). */
int bw_iam_role_modifiable_or_fail(struct bw_call *call, const json_t *in);
/* Run fn in a store transaction after bw_iam_role_modifiable_or_fail, so the
 * check and the change see the same role. */
int bw_iam_modifiable_role_txn(struct bw_call *call,
                               int (*fn)(struct bw_call *, const json_t *, json_t *),
                               const json_t *in, json_t *out);

#endif
