/*
 * model.h: the shapes and operations of an AWS service, as C tables.
 *
 * The tables are generated from botocore's service-2.json models by
 * tools/gen_models.py (see src/protocol/models/, "do not edit"). Codecs walk
 * them to decode a request into the internal form (a jansson value following
 * the input shape) and to encode the output shape back onto the wire.
 *
 * Internal form of each shape type:
 *   structure -> object, list -> array, map -> object,
 *   string -> string, integer/long -> integer, float/double -> real,
 *   boolean -> true/false, timestamp -> real or integer (epoch seconds),
 *   blob -> string holding the standard base64 of the bytes
 *           (a streaming blob payload is not put in the internal form:
 *            it travels as raw bytes in bw_call's request/response body).
 */
#ifndef BW_PROTOCOL_MODEL_H
#define BW_PROTOCOL_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BW_NO_SHAPE 0xFFFFu

enum bw_protocol {
	BW_PROTO_JSON,      /* awsJson 1.0 / 1.1: X-Amz-Target */
	BW_PROTO_QUERY,     /* awsQuery: form-encoded Action, XML out */
	BW_PROTO_REST_JSON, /* restJson1 */
	BW_PROTO_REST_XML,  /* restXml (S3) */
};

enum bw_shape_type {
	BW_T_STRUCTURE,
	BW_T_LIST,
	BW_T_MAP,
	BW_T_STRING,
	BW_T_INTEGER,
	BW_T_LONG,
	BW_T_FLOAT,
	BW_T_DOUBLE,
	BW_T_BOOLEAN,
	BW_T_TIMESTAMP,
	BW_T_BLOB,
};

/* Where a member of a top-level input/output structure travels. */
enum bw_location {
	BW_LOC_BODY = 0,
	BW_LOC_URI,     /* a {label} of the request URI template */
	BW_LOC_QUERY,   /* a query string parameter */
	BW_LOC_HEADER,  /* one HTTP header */
	BW_LOC_HEADERS, /* a map: every header starting with location_name */
	BW_LOC_STATUS,  /* the HTTP status code (outputs) */
};

enum bw_ts_format {
	BW_TS_DEFAULT = 0, /* the protocol's default for the location */
	BW_TS_ISO8601,
	BW_TS_RFC822,
	BW_TS_EPOCH,
};

/* bw_member.flags */
#define BW_MF_REQUIRED 0x01u
#define BW_MF_IDEMPOTENCY_TOKEN 0x02u
#define BW_MF_XML_ATTRIBUTE 0x04u
#define BW_MF_FLATTENED 0x08u
#define BW_MF_STREAMING 0x10u /* the member's blob is streamed */
#define BW_MF_JSONVALUE 0x20u /* a header holding base64 JSON */
#define BW_MF_HOST_LABEL 0x40u

/* bw_shape.flags */
#define BW_SF_FLATTENED 0x01u
#define BW_SF_SENSITIVE 0x02u
#define BW_SF_EXCEPTION 0x04u
#define BW_SF_DOCUMENT 0x08u /* any JSON value */
#define BW_SF_STREAMING 0x10u
#define BW_SF_UNION 0x20u
#define BW_SF_HAS_MIN 0x40u
#define BW_SF_HAS_MAX 0x80u

struct bw_member {
	const char *name;          /* the member name in the model */
	const char *location_name; /* wire name; NULL means name */
	const char *xml_namespace; /* xmlns of a payload member (S3) */
	uint16_t shape;            /* index into the service's shapes */
	uint8_t location;          /* enum bw_location */
	uint8_t flags;             /* BW_MF_* */
	uint8_t ts_format;         /* enum bw_ts_format, overrides the shape's */
};

struct bw_shape {
	const char *name;
	uint8_t type;      /* enum bw_shape_type */
	uint8_t flags;     /* BW_SF_* */
	uint8_t ts_format; /* enum bw_ts_format */
	/* structure */
	uint16_t nmembers;
	const struct bw_member *members;
	const char *payload; /* the member that is the whole HTTP body */
	const char *xml_name; /* locationName of the shape itself, if any */
	/* list: member; map: key and value */
	uint16_t member;
	uint16_t key;
	const char *member_name; /* list member locationName ("member" default) */
	const char *key_name;    /* map entry key name ("key" default) */
	const char *value_name;  /* map entry value name ("value" default) */
	/* constraints: length for strings/lists/maps/blobs, range for numbers */
	int64_t min;
	int64_t max;
	uint16_t nenums;
	const char *const *enums;
	/* strings: the Java regular expression the whole value must match
	 * (protocol/pattern.h), as the model writes it */
	const char *pattern;
	/* exceptions */
	const char *error_code; /* wire code if it differs from the name */
	uint16_t error_status;  /* HTTP status (default 400) */
	bool sender_fault;
};

/* bw_operation.flags */
#define BW_OF_AUTH_NONE 0x01u /* authtype none (e.g. AssumeRoleWithSAML) */
#define BW_OF_UNSIGNED_PAYLOAD 0x02u

struct bw_operation {
	const char *name;
	const char *method;         /* HTTP method */
	const char *uri;            /* request URI template, may hold "?literal" */
	const char *result_wrapper; /* awsQuery output wrapper element */
	const char *input_xml_name; /* restXml: root element of the input */
	uint16_t input;             /* shape index or BW_NO_SHAPE */
	uint16_t output;            /* shape index or BW_NO_SHAPE */
	uint16_t status;            /* success HTTP status (default 200) */
	uint8_t flags;              /* BW_OF_* */
};

struct bw_service_model {
	const char *name;           /* botocore's service folder: "kms" */
	const char *signing_name;   /* SigV4 scope service name */
	const char *endpoint_prefix;
	const char *target_prefix;  /* awsJson X-Amz-Target prefix */
	const char *json_version;   /* "1.0" or "1.1" */
	const char *api_version;    /* "2014-11-01" */
	const char *xml_namespace;  /* awsQuery / restXml namespace uri */
	const char *service_id;     /* "KMS" */
	uint8_t protocol;           /* enum bw_protocol */
	uint16_t nshapes;
	const struct bw_shape *shapes;
	uint16_t nops;
	const struct bw_operation *ops; /* sorted by name */
};

/* All generated models, NULL-terminated (models/models.c). */
extern const struct bw_service_model *const bw_models[];

const struct bw_service_model *bw_model_find(const char *name);
const struct bw_operation *bw_model_op(const struct bw_service_model *m,
                                       const char *op_name);
/* By name; NULL if there is none. Shapes are sorted by name. */
const struct bw_shape *bw_model_shape(const struct bw_service_model *m,
                                      const char *shape_name);
static inline const struct bw_shape *
bw_shape_at(const struct bw_service_model *m, uint16_t index)
{
	return index < m->nshapes ? &m->shapes[index] : NULL;
}
const struct bw_member *bw_shape_member(const struct bw_shape *s,
                                        const char *member_name);
/* The wire name of a member: location_name, else name. */
static inline const char *bw_member_wire_name(const struct bw_member *mb)
{
	return mb->location_name ? mb->location_name : mb->name;
}

#endif
