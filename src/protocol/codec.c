/* codec.c: the codec of each protocol. */
#include "protocol/codec.h"

const struct bw_codec *bw_codec_for(enum bw_protocol protocol)
{
	switch (protocol) {
	case BW_PROTO_JSON:
		return &bw_codec_json;
	case BW_PROTO_QUERY:
		return &bw_codec_query;
	case BW_PROTO_REST_JSON:
		return &bw_codec_rest_json;
	case BW_PROTO_REST_XML:
		return &bw_codec_rest_xml;
	}
	return NULL;
}
