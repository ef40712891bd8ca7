/*
 * codec.h: one codec per AWS wire protocol.
 *
 * decode: the HTTP request -> the internal form of op->input (a jansson
 *         object, an empty object when the operation has no input), checked
 *         against the model (bw_validate). On failure sets call->err
 *         (SerializationException, ValidationException, ...) and returns -1.
 * encode: the internal form of op->output -> status, headers and body.
 * encode_error: call->err -> the protocol's error format.
 *
 * Codecs never touch handlers or the store; they only read the model.
 */
#ifndef BW_PROTOCOL_CODEC_H
#define BW_PROTOCOL_CODEC_H

#include <jansson.h>

#include "gateway/call.h"
#include "http/message.h"

struct bw_codec {
	int (*decode)(struct bw_call *call, json_t **in);
	int (*encode)(struct bw_call *call, const json_t *out, struct bw_http_response *resp);
	void (*encode_error)(struct bw_call *call, struct bw_http_response *resp);
};

extern const struct bw_codec bw_codec_json;
extern const struct bw_codec bw_codec_query;
extern const struct bw_codec bw_codec_rest_json;
extern const struct bw_codec bw_codec_rest_xml;

const struct bw_codec *bw_codec_for(enum bw_protocol protocol);

#endif
