/*
 * validate.h: checking a decoded request against its input shape, as AWS's
 * front ends do before a handler runs: required members, enum values,
 * lengths of strings, blobs, lists and maps, ranges of numbers.
 *
 * Messages follow AWS's form:
 *   1 validation error detected: Value 'FOO' at 'keySpec' failed to satisfy
 *   constraint: Member must satisfy enum value set: [RSA_2048, ...]
 * and several errors are joined with "; ". The error code is
 * ValidationException (ValidationError for awsQuery services).
 */
#ifndef BW_PROTOCOL_VALIDATE_H
#define BW_PROTOCOL_VALIDATE_H

#include <jansson.h>

#include "gateway/call.h"

int bw_validate(struct bw_call *call, uint16_t shape, const json_t *value);

#endif
