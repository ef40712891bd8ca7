/*
 * service.h: how a service plugs into the gateway.
 *
 * A service is one table: for each operation it implements, the handler,
 * the IAM action it is authorized as, how to find the resource it acts on,
 * and whether it only reads. The gateway never names a service; services
 * are listed once, in services/registry.c.
 */
#ifndef BW_SERVICES_SERVICE_H
#define BW_SERVICES_SERVICE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "gateway/call.h"

/* Read `in` (the internal form of the input shape), fill `out` (an object in
 * the form of the output shape), or return bw_fail(...). */
typedef int (*bw_handler_fn)(struct bw_call *call, const json_t *in, json_t *out);

/* Resolve the resource the request acts on to the stored entity: its ARN as
 * stored (or "*"), its tags, whether it exists. A resource that does not
 * exist is not an error here (the handler answers that, after
 * authorization): its ARN is the one it would have. -1 only when the store
 * cannot answer (authorization must not guess), with or without call->err. */
typedef int (*bw_resource_fn)(struct bw_call *call, const json_t *in, struct bw_resource *res);

/* A service's own authorization decision (KMS: key policies and grants),
 * composed from gateway/authz.h's pieces: 0 allowed, -1 with call->err. */
typedef int (*bw_authorize_fn)(struct bw_call *call, const json_t *in);

/* The service's own condition keys of a request (iam:PolicyARN,
 * iam:PermissionsBoundary ...), added to extra (key -> string or array of
 * strings), as the Service Authorization Reference lists them per action.
 * -1 out of memory. */
typedef int (*bw_context_fn)(struct bw_call *call, const json_t *in, json_t *extra);

struct bw_op_impl {
	const char *name;        /* operation name in the model */
	bw_handler_fn handler;
	const char *iam_action;  /* "sts:GetCallerIdentity"; required */
	bw_resource_fn resource; /* NULL: the action takes no resource ("*") */
	bool read_only;
	/* AWS asks no permission for this operation (sts:GetCallerIdentity):
	 * the caller is still authenticated, never authorized. Rare; say why. */
	bool no_authorization;
	/* Optional: decide instead of the gateway's IAM-only default. */
	bw_authorize_fn authorize;
	/* Optional: the action's service-specific condition keys. */
	bw_context_fn context;
};

/* A service's operations may be split over several files, one table each. */
struct bw_op_table {
	const struct bw_op_impl *ops;
	size_t nops;
};
#define BW_OP_TABLE(array) {(array), sizeof(array) / sizeof((array)[0])}

struct bw_service {
	const char *model_name; /* "sts": the botocore model it serves */
	/* Pointers, so tables defined in other files can be listed statically. */
	const struct bw_op_table *const *tables;
	size_t ntables;
	/*
	 * Optional periodic work (KMS: destroy keys whose deletion window ended,
	 * rotate keys whose rotation date came), called by the server roughly
	 * once a second (serve's ticker thread, not an event loop) with the
	 * wall clock in epoch seconds; NULL if none.
	 * Everything it acts on lives in the store, so a restart loses nothing:
	 * what fell due while the server was down is done on the first tick.
	 * It must be idempotent (a tick may repeat or be missed) and cheap when
	 * there is nothing to do, and must not block the loop for long.
	 */
	void (*tick)(struct bw_store *store, const struct bw_root_key *rk, double now_s);
	/*
	 * Optional: an IAM user or role (arn) was deleted, inside the deleting
	 * call's transaction. A service whose resource policies name principals
	 * rewrites them so the ARN becomes unique_id, as AWS does, so that a new
	 * principal of the same name is not the one they trusted. 0, or -1
	 * (the deletion then fails).
	 */
	int (*principal_deleted)(struct bw_store *store, const char *account, const char *arn,
	                         const char *unique_id);
};

/* Every service with handlers, NULL-terminated (services/registry.c). */
extern const struct bw_service *const bw_services[];

const struct bw_service *bw_service_find(const char *model_name);
/* Refuse a table row the gateway could not authorize: no IAM action, an
 * action of another service, no handler, or an operation the model lacks.
 * Logs each and returns -1; serve does not start. */
int bw_services_check(void);
/* Tell every service an IAM user or role was deleted (principal_deleted):
 * 0, or -1 when one of them failed. */
int bw_services_principal_deleted(struct bw_store *store, const char *account, const char *arn,
                                  const char *unique_id);
/* Run every service's tick once (serve's ticker thread calls it each second). */
void bw_services_tick(struct bw_store *store, const struct bw_root_key *rk, double now_s);
const struct bw_op_impl *bw_service_op(const struct bw_service *svc, const char *op_name);

#endif
