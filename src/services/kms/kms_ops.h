/* kms_ops.h: the handlers of the KMS operation table. */
#ifndef BW_SERVICES_KMS_OPS_H
#define BW_SERVICES_KMS_OPS_H

#include <jansson.h>

#include "gateway/call.h"

int bw_kms_generate_random(struct bw_call *call, const json_t *in, json_t *out);

#endif
