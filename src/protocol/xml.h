/*
 * xml.h: the XML the awsQuery and restXml codecs share.
 *
 *   writer  - elements and escaped text appended to a bw_buf; text that
 *             XML 1.0 cannot carry (C0 controls, U+FFFE/U+FFFF, broken
 *             UTF-8) is replaced by U+FFFD so the client's parser never
 *             chokes on what a store handed back.
 *   reader  - a request body parsed by libxml2's SAX2 interface into a small
 *             owned tree, refusing any DOCTYPE (so no entities can be
 *             declared, let alone expanded), never touching the network,
 *             with caps on nesting depth and element count; malformed XML
 *             and invalid UTF-8 are errors.
 *   mapping - an element <-> the internal form of a model shape, the way
 *             botocore's QuerySerializer/RestXMLSerializer write requests
 *             and its QueryParser/RestXMLParser read responses.
 */
#ifndef BW_PROTOCOL_XML_H
#define BW_PROTOCOL_XML_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "protocol/model.h"

/* Initialise libxml2 once per process; safe to call from any thread, any
 * number of times. bw_xml_parse calls it itself. */
void bw_xml_init(void);

/* ---- writer ---- */

/* Escape text for element content and attribute values alike:
 * & < > " as entities, \t \n \r as character references (so they survive
 * attribute/line-end normalisation), what XML 1.0 cannot carry as U+FFFD. */
BW_MUST_CHECK int bw_xml_escape(struct bw_buf *out, const char *s, size_t len);
/* <?xml version="1.0" encoding="UTF-8"?> and a newline */
BW_MUST_CHECK int bw_xml_declaration(struct bw_buf *out);
/* <name> or <name xmlns="ns"> when xmlns is non-NULL */
BW_MUST_CHECK int bw_xml_open(struct bw_buf *out, const char *name, const char *xmlns);
BW_MUST_CHECK int bw_xml_close(struct bw_buf *out, const char *name);
/* <name>escaped text</name> */
BW_MUST_CHECK int bw_xml_text_element(struct bw_buf *out, const char *name, const char *text,
                                      size_t len);

/* ---- reader ---- */

#define BW_XML_MAX_DEPTH 64
#define BW_XML_MAX_NODES 100000

struct bw_xml_attr {
	char *name;  /* local name (prefix dropped) */
	char *value;
};

struct bw_xml_node {
	char *name;  /* local name (namespace prefix dropped) */
	char *ns;    /* namespace URI, or NULL */
	char *text;  /* the element's own character data, NUL-terminated */
	size_t text_len;
	struct bw_xml_attr *attrs;
	size_t nattrs;
	struct bw_xml_node *child; /* first child element */
	struct bw_xml_node *next;  /* next sibling element */
	struct bw_xml_node *last;  /* last child (while building) */
};

/*
 * Parse a whole document. On success *root is the root element (free with
 * bw_xml_free) and 0 is returned; on any error -1 with a short reason in err.
 */
BW_MUST_CHECK int bw_xml_parse(const uint8_t *data, size_t len, struct bw_xml_node **root,
                               char *err, size_t errlen);
void bw_xml_free(struct bw_xml_node *root);

/* ---- mapping ---- */

/*
 * Element -> internal form of the shape at index `shape` of m. Members are
 * matched by wire name (flattened lists/maps as repeated elements, xmlAttribute
 * members from attributes); unknown elements are ignored; timestamps default
 * to ISO 8601. -1 with a reason in err when a value does not fit its type.
 */
BW_MUST_CHECK int bw_xml_decode(const struct bw_service_model *m, uint16_t shape,
                                const struct bw_xml_node *node, json_t **out, char *err,
                                size_t errlen);

/*
 * The body members of structure `sh` (location BODY, not xmlAttribute) in
 * `obj` as child elements, appended to out. Members missing or null in obj
 * are left out; keys obj has that sh does not are ignored.
 */
BW_MUST_CHECK int bw_xml_encode_members(const struct bw_service_model *m,
                                        const struct bw_shape *sh, const json_t *obj,
                                        struct bw_buf *out);

/*
 * A whole element <name ...>...</name> for `value` of the shape at index
 * `shape` (with xmlns="xmlns" on it when non-NULL, and sh's xmlAttribute
 * members as attributes when it is a structure).
 */
BW_MUST_CHECK int bw_xml_encode_element(const struct bw_service_model *m, uint16_t shape,
                                        const json_t *value, const char *name,
                                        const char *xmlns, struct bw_buf *out);

#endif
