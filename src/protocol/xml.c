/*
 * xml.c: the XML writer, the hardened libxml2 reader and the shape-driven
 * mapping between XML elements and the internal form (see xml.h).
 *
 * The reader drives libxml2's SAX2 interface with our own callbacks and
 * builds its own tree, so no libxml2 tree, entity table or DTD ever exists:
 * a DOCTYPE stops the parser at its first byte (internalSubset callback),
 * entity declarations cannot happen without one, and only the five
 * predefined entities resolve. Options: XML_PARSE_NONET, never NOENT,
 * DTDLOAD or HUGE. Each parse owns its context; the only process-wide step
 * is xmlInitParser, done once under pthread_once.
 */
#include "protocol/xml.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/scalar.h"

static pthread_once_t s_init_once = PTHREAD_ONCE_INIT;

static void s_init(void)
{
	xmlInitParser();
}

void bw_xml_init(void)
{
	pthread_once(&s_init_once, s_init);
}

/* ---- UTF-8 ---- */

/* Decode one UTF-8 sequence (RFC 3629: no overlongs, no surrogates, at most
 * U+10FFFF). Returns its length, 0 if the bytes are not valid UTF-8. */
static size_t s_utf8_next(const uint8_t *p, size_t len, uint32_t *cp)
{
	if (len == 0)
		return 0;
	uint8_t c = p[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t n;
	uint32_t v, min;
	if ((c & 0xE0) == 0xC0) {
		n = 2, v = c & 0x1Fu, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		n = 3, v = c & 0x0Fu, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		n = 4, v = c & 0x07u, min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3Fu);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return n;
}

/* XML 1.0 Char production. */
static bool s_xml_char(uint32_t cp)
{
	return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
	       (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* ---- writer ---- */

int bw_xml_escape(struct bw_buf *out, const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0;
	while (i < len) {
		uint32_t cp = 0;
		size_t n = s_utf8_next(p + i, len - i, &cp);
		const char *rep = NULL;
		if (n == 0 || !s_xml_char(cp)) {
			rep = "\xEF\xBF\xBD"; /* U+FFFD: XML 1.0 cannot carry it */
			n = n ? n : 1;
		} else {
			switch (cp) {
			case '&': rep = "&amp;"; break;
			case '<': rep = "&lt;"; break;
			case '>': rep = "&gt;"; break;
			case '"': rep = "&quot;"; break;
			case '\t': rep = "&#9;"; break;
			case '\n': rep = "&#10;"; break;
			case '\r': rep = "&#13;"; break;
			default: break;
			}
		}
		if (rep ? bw_buf_append_str(out, rep) : bw_buf_append(out, p + i, n))
			return -1;
		i += n;
	}
	return 0;
}

int bw_xml_declaration(struct bw_buf *out)
{
	return bw_buf_append_str(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
}

int bw_xml_open(struct bw_buf *out, const char *name, const char *xmlns)
{
	if (bw_buf_append_byte(out, '<') || bw_buf_append_str(out, name))
		return -1;
	if (xmlns && (bw_buf_append_str(out, " xmlns=\"") ||
	              bw_xml_escape(out, xmlns, strlen(xmlns)) || bw_buf_append_byte(out, '"')))
		return -1;
	return bw_buf_append_byte(out, '>');
}

int bw_xml_close(struct bw_buf *out, const char *name)
{
	if (bw_buf_append_str(out, "</") || bw_buf_append_str(out, name))
		return -1;
	return bw_buf_append_byte(out, '>');
}

int bw_xml_text_element(struct bw_buf *out, const char *name, const char *text, size_t len)
{
	if (bw_xml_open(out, name, NULL) || bw_xml_escape(out, text, len))
		return -1;
	return bw_xml_close(out, name);
}

/* ---- reader ---- */

struct s_frame {
	struct bw_xml_node *node;
	struct bw_buf text;
};

struct s_parse {
	xmlParserCtxtPtr ctxt;
	struct bw_xml_node *root;
	struct s_frame stack[BW_XML_MAX_DEPTH];
	int depth;
	size_t nodes;
	bool failed;
	char *err;
	size_t errlen;
};

static void s_fail(struct s_parse *ps, const char *why)
{
	if (!ps->failed && ps->err && ps->errlen)
		snprintf(ps->err, ps->errlen, "%s", why);
	ps->failed = true;
	if (ps->ctxt)
		xmlStopParser(ps->ctxt);
}

static void s_node_free(struct bw_xml_node *n)
{
	while (n) {
		struct bw_xml_node *next = n->next;
		s_node_free(n->child); /* depth is capped at BW_XML_MAX_DEPTH */
		for (size_t i = 0; i < n->nattrs; i++) {
			free(n->attrs[i].name);
			free(n->attrs[i].value);
		}
		free(n->attrs);
		free(n->name);
		free(n->ns);
		free(n->text);
		free(n);
		n = next;
	}
}

void bw_xml_free(struct bw_xml_node *root)
{
	s_node_free(root);
}

/* libxml2 hands attribute values with "&#38;" standing for a literal '&'
 * when entities are not replaced; undo just that. */
static char *s_attr_value(const xmlChar *start, const xmlChar *end)
{
	size_t len = (size_t)(end - start);
	char *v = malloc(len + 1);
	if (!v)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		if (len - i >= 5 && memcmp(start + i, "&#38;", 5) == 0) {
			v[o++] = '&';
			i += 5;
		} else {
			v[o++] = (char)start[i++];
		}
	}
	v[o] = '\0';
	return v;
}

static void s_on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                       const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                       int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
	(void)prefix;
	(void)nb_namespaces;
	(void)namespaces;
	(void)nb_defaulted;
	struct s_parse *ps = ctx;
	if (ps->failed)
		return;
	if (ps->depth >= BW_XML_MAX_DEPTH) {
		s_fail(ps, "XML nesting too deep");
		return;
	}
	if (++ps->nodes > BW_XML_MAX_NODES) {
		s_fail(ps, "too many XML elements");
		return;
	}
	if (ps->depth == 0 && ps->root) {
		s_fail(ps, "more than one root element");
		return;
	}
	struct bw_xml_node *n = calloc(1, sizeof *n);
	if (!n) {
		s_fail(ps, "out of memory");
		return;
	}
	/* Link first so a later failure frees it with the tree. */
	if (ps->depth == 0) {
		ps->root = n;
	} else {
		struct bw_xml_node *parent = ps->stack[ps->depth - 1].node;
		if (parent->last)
			parent->last->next = n;
		else
			parent->child = n;
		parent->last = n;
	}
	n->name = strdup((const char *)localname);
	n->ns = uri ? strdup((const char *)uri) : NULL;
	if (!n->name || (uri && !n->ns)) {
		s_fail(ps, "out of memory");
		return;
	}
	if (nb_attributes > 0) {
		n->attrs = calloc((size_t)nb_attributes, sizeof *n->attrs);
		if (!n->attrs) {
			s_fail(ps, "out of memory");
			return;
		}
		for (int i = 0; i < nb_attributes; i++) {
			const xmlChar **a = attributes + 5 * i;
			struct bw_xml_attr *at = &n->attrs[n->nattrs++];
			at->name = strdup((const char *)a[0]);
			at->value = s_attr_value(a[3], a[4]);
			if (!at->name || !at->value) {
				s_fail(ps, "out of memory");
				return;
			}
		}
	}
	ps->stack[ps->depth].node = n;
	ps->stack[ps->depth].text = (struct bw_buf){0};
	ps->depth++;
}

static void s_on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                     const xmlChar *uri)
{
	(void)localname;
	(void)prefix;
	(void)uri;
	struct s_parse *ps = ctx;
	if (ps->failed || ps->depth == 0)
		return;
	struct s_frame *f = &ps->stack[--ps->depth];
	f->node->text_len = f->text.len;
	f->node->text = bw_buf_steal(&f->text);
	if (!f->node->text)
		s_fail(ps, "out of memory");
}

static void s_on_text(void *ctx, const xmlChar *ch, int len)
{
	struct s_parse *ps = ctx;
	if (ps->failed || ps->depth == 0 || len <= 0)
		return;
	if (bw_buf_append(&ps->stack[ps->depth - 1].text, ch, (size_t)len))
		s_fail(ps, "out of memory");
}

static void s_on_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
                         const xmlChar *system_id)
{
	(void)name;
	(void)external_id;
	(void)system_id;
	s_fail(ctx, "DOCTYPE is not allowed");
}

/* Only the predefined entities exist: there is never a DTD to declare more. */
static xmlEntityPtr s_get_entity(void *ctx, const xmlChar *name)
{
	(void)ctx;
	return xmlGetPredefinedEntity(name);
}

static void s_on_error(void *ctx, xmlErrorPtr error)
{
	struct s_parse *ps = ctx;
	if (!error || error->level < XML_ERR_ERROR)
		return;
	char why[160];
	snprintf(why, sizeof why, "malformed XML (line %d): %s", error->line,
	         error->message ? error->message : "parse error");
	/* drop the trailing newline libxml2 puts on messages */
	size_t l = strlen(why);
	while (l && (why[l - 1] == '\n' || why[l - 1] == '\r'))
		why[--l] = '\0';
	s_fail(ps, why);
}

static bool s_valid_utf8(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = s_utf8_next(p + i, len - i, &cp);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

int bw_xml_parse(const uint8_t *data, size_t len, struct bw_xml_node **root, char *err,
                 size_t errlen)
{
	struct s_parse ps = {.err = err, .errlen = errlen};
	*root = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (!data || len == 0) {
		s_fail(&ps, "empty XML document");
		return -1;
	}
	if (len > INT_MAX) {
		s_fail(&ps, "XML document too large");
		return -1;
	}
	/* AWS takes UTF-8 only; checking it here also keeps libxml2 from
	 * switching to another encoding on a BOM. */
	if (!s_valid_utf8(data, len)) {
		s_fail(&ps, "XML is not valid UTF-8");
		return -1;
	}
	bw_xml_init();

	xmlSAXHandler sax;
	memset(&sax, 0, sizeof sax);
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = s_on_start;
	sax.endElementNs = s_on_end;
	sax.characters = s_on_text;
	sax.cdataBlock = s_on_text;
	sax.ignorableWhitespace = s_on_text;
	sax.internalSubset = s_on_doctype;
	sax.externalSubset = s_on_doctype;
	sax.getEntity = s_get_entity;
	sax.serror = s_on_error;

	xmlParserCtxtPtr ctxt = xmlCreatePushParserCtxt(&sax, &ps, NULL, 0, NULL);
	if (!ctxt) {
		s_fail(&ps, "out of memory");
		return -1;
	}
	ps.ctxt = ctxt;
	(void)xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
	                                  XML_PARSE_NOCDATA);
	int rc = xmlParseChunk(ctxt, (const char *)data, (int)len, 1);
	if (!ps.failed && (rc != 0 || !ctxt->wellFormed))
		s_fail(&ps, "malformed XML");
	if (!ps.failed && (!ps.root || ps.depth != 0))
		s_fail(&ps, "malformed XML: no complete root element");
	xmlFreeParserCtxt(ctxt);
	/* release text buffers of elements left open by a failure */
	for (int i = 0; i < ps.depth; i++)
		bw_buf_free(&ps.stack[i].text);
	if (ps.failed) {
		s_node_free(ps.root);
		return -1;
	}
	*root = ps.root;
	return 0;
}

/* ---- mapping: XML -> internal form ---- */

__attribute__((format(printf, 3, 4))) static int s_err(char *err, size_t errlen,
                                                       const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static bool s_flattened(const struct bw_member *mb, const struct bw_shape *sh)
{
	return (mb && (mb->flags & BW_MF_FLATTENED)) || (sh->flags & BW_SF_FLATTENED);
}

/* The element name of a member inside its structure: a flattened list's
 * items carry the list member's name when it has one (botocore's
 * _member_key_name), else the member's wire name. */
static const char *s_member_element(const struct bw_member *mb, const struct bw_shape *ms)
{
	if (ms->type == BW_T_LIST && s_flattened(mb, ms) && ms->member_name)
		return ms->member_name;
	return bw_member_wire_name(mb);
}

static const char *s_local(const char *qname)
{
	const char *c = strchr(qname, ':');
	return c ? c + 1 : qname;
}

static int s_decode(const struct bw_service_model *m, uint16_t idx, const struct bw_member *mb,
                    const struct bw_xml_node *node, json_t **out, char *err, size_t errlen);

static int s_decode_entry(const struct bw_service_model *m, const struct bw_shape *sh,
                          const struct bw_xml_node *entry, json_t *map, char *err,
                          size_t errlen)
{
	const char *kname = sh->key_name ? sh->key_name : "key";
	const char *vname = sh->value_name ? sh->value_name : "value";
	const struct bw_xml_node *k = NULL, *v = NULL;
	for (const struct bw_xml_node *c = entry->child; c; c = c->next) {
		if (!k && strcmp(c->name, kname) == 0)
			k = c;
		else if (!v && strcmp(c->name, vname) == 0)
			v = c;
	}
	if (!k)
		return s_err(err, errlen, "map entry <%s> has no <%s>", entry->name, kname);
	if (strlen(k->text) != k->text_len)
		return s_err(err, errlen, "map key holds a NUL");
	json_t *val = NULL;
	if (v) {
		if (s_decode(m, sh->member, NULL, v, &val, err, errlen))
			return -1;
	} else {
		val = json_null();
	}
	if (json_object_set_new(map, k->text, val))
		return s_err(err, errlen, "out of memory");
	return 0;
}

static json_t *s_get_or_add(json_t *obj, const char *key, json_t *(*make)(void))
{
	json_t *v = json_object_get(obj, key);
	if (v)
		return v;
	v = make();
	if (v && json_object_set_new(obj, key, v))
		return NULL;
	return v;
}

static int s_decode_structure(const struct bw_service_model *m, const struct bw_shape *sh,
                              const struct bw_xml_node *node, json_t *obj, char *err,
                              size_t errlen)
{
	for (const struct bw_xml_node *c = node->child; c; c = c->next) {
		const struct bw_member *mb = NULL;
		const struct bw_shape *ms = NULL;
		for (uint16_t i = 0; i < sh->nmembers; i++) {
			const struct bw_member *cand = &sh->members[i];
			const struct bw_shape *cs = bw_shape_at(m, cand->shape);
			if (!cs || cand->location != BW_LOC_BODY || (cand->flags & BW_MF_XML_ATTRIBUTE))
				continue;
			if (strcmp(s_member_element(cand, cs), c->name) == 0) {
				mb = cand, ms = cs;
				break;
			}
		}
		if (!mb)
			continue; /* unknown elements are ignored, as AWS does */
		json_t *v = NULL;
		if (ms->type == BW_T_LIST && s_flattened(mb, ms)) {
			json_t *arr = s_get_or_add(obj, mb->name, json_array);
			if (!arr || !json_is_array(arr))
				return s_err(err, errlen, "out of memory");
			if (s_decode(m, ms->member, NULL, c, &v, err, errlen))
				return -1;
			if (json_array_append_new(arr, v))
				return s_err(err, errlen, "out of memory");
		} else if (ms->type == BW_T_MAP && s_flattened(mb, ms)) {
			json_t *map = s_get_or_add(obj, mb->name, json_object);
			if (!map || !json_is_object(map))
				return s_err(err, errlen, "out of memory");
			if (s_decode_entry(m, ms, c, map, err, errlen))
				return -1;
		} else {
			if (json_object_get(obj, mb->name))
				continue; /* a repeated element: the first one wins */
			if (s_decode(m, mb->shape, mb, c, &v, err, errlen))
				return -1;
			if (json_object_set_new(obj, mb->name, v))
				return s_err(err, errlen, "out of memory");
		}
	}
	for (uint16_t i = 0; i < sh->nmembers; i++) {
		const struct bw_member *mb = &sh->members[i];
		if (!(mb->flags & BW_MF_XML_ATTRIBUTE))
			continue;
		const char *want = s_local(bw_member_wire_name(mb));
		const struct bw_shape *ms = bw_shape_at(m, mb->shape);
		for (size_t a = 0; ms && a < node->nattrs; a++) {
			if (strcmp(node->attrs[a].name, want) != 0)
				continue;
			const char *t = node->attrs[a].value;
			json_t *v = bw_scalar_from_text(ms, t, strlen(t),
			                                bw_ts_format_of(mb, ms, BW_TS_ISO8601));
			if (!v)
				return s_err(err, errlen, "attribute %s: invalid value", want);
			if (json_object_set_new(obj, mb->name, v))
				return s_err(err, errlen, "out of memory");
			break;
		}
	}
	return 0;
}

static int s_decode(const struct bw_service_model *m, uint16_t idx, const struct bw_member *mb,
                    const struct bw_xml_node *node, json_t **out, char *err, size_t errlen)
{
	const struct bw_shape *sh = bw_shape_at(m, idx);
	*out = NULL;
	if (!sh)
		return s_err(err, errlen, "model has no shape %u", (unsigned)idx);
	json_t *v = NULL;
	switch ((enum bw_shape_type)sh->type) {
	case BW_T_STRUCTURE:
		v = json_object();
		if (!v)
			return s_err(err, errlen, "out of memory");
		if (s_decode_structure(m, sh, node, v, err, errlen))
			goto error;
		break;
	case BW_T_LIST:
		v = json_array();
		if (!v)
			return s_err(err, errlen, "out of memory");
		if (s_flattened(mb, sh)) {
			/* reached only for a flattened list at the top: node is one item */
			json_t *item = NULL;
			if (s_decode(m, sh->member, NULL, node, &item, err, errlen))
				goto error;
			if (json_array_append_new(v, item))
				goto oom;
			break;
		}
		for (const struct bw_xml_node *c = node->child; c; c = c->next) {
			json_t *item = NULL;
			if (s_decode(m, sh->member, NULL, c, &item, err, errlen))
				goto error;
			if (json_array_append_new(v, item))
				goto oom;
		}
		break;
	case BW_T_MAP:
		v = json_object();
		if (!v)
			return s_err(err, errlen, "out of memory");
		if (s_flattened(mb, sh)) {
			if (s_decode_entry(m, sh, node, v, err, errlen))
				goto error;
			break;
		}
		for (const struct bw_xml_node *c = node->child; c; c = c->next)
			if (s_decode_entry(m, sh, c, v, err, errlen))
				goto error;
		break;
	default:
		v = bw_scalar_from_text(sh, node->text, node->text_len,
		                        bw_ts_format_of(mb, sh, BW_TS_ISO8601));
		if (!v)
			return s_err(err, errlen, "element <%s>: '%.64s' is not a valid %s value",
			             node->name, node->text, sh->name);
		break;
	}
	*out = v;
	return 0;
oom:
	s_err(err, errlen, "out of memory");
error:
	json_decref(v);
	return -1;
}

int bw_xml_decode(const struct bw_service_model *m, uint16_t shape,
                  const struct bw_xml_node *node, json_t **out, char *err, size_t errlen)
{
	if (!m || !node || !out)
		return s_err(err, errlen, "nothing to decode");
	return s_decode(m, shape, NULL, node, out, err, errlen);
}

/* ---- mapping: internal form -> XML ---- */

static int s_encode(const struct bw_service_model *m, uint16_t idx, const struct bw_member *mb,
                    const json_t *value, const char *name, const char *xmlns,
                    struct bw_buf *out);

static int s_encode_scalar(const struct bw_shape *sh, const struct bw_member *mb,
                           const json_t *value, struct bw_buf *out)
{
	if (sh->type == BW_T_STRING) {
		if (!json_is_string(value))
			return -1;
		return bw_xml_escape(out, json_string_value(value), json_string_length(value));
	}
	struct bw_buf tmp = {0};
	int rc = bw_scalar_to_text(sh, value, bw_ts_format_of(mb, sh, BW_TS_ISO8601), &tmp);
	if (rc == 0)
		rc = bw_xml_escape(out, (const char *)tmp.data, tmp.len);
	bw_buf_free(&tmp);
	return rc;
}

/* The start tag of a structure, with its xmlAttribute members. */
static int s_open_structure(const struct bw_service_model *m, const struct bw_shape *sh,
                            const json_t *obj, const char *name, const char *xmlns,
                            struct bw_buf *out)
{
	if (bw_buf_append_byte(out, '<') || bw_buf_append_str(out, name))
		return -1;
	if (xmlns && (bw_buf_append_str(out, " xmlns=\"") ||
	              bw_xml_escape(out, xmlns, strlen(xmlns)) || bw_buf_append_byte(out, '"')))
		return -1;
	for (uint16_t i = 0; i < sh->nmembers; i++) {
		const struct bw_member *mb = &sh->members[i];
		if (!(mb->flags & BW_MF_XML_ATTRIBUTE))
			continue;
		const json_t *v = json_object_get(obj, mb->name);
		const struct bw_shape *ms = bw_shape_at(m, mb->shape);
		if (!v || json_is_null(v) || !ms)
			continue;
		const char *an = bw_member_wire_name(mb);
		/* S3's Grantee carries xsi:type; declare the prefix it uses. */
		if (strncmp(an, "xsi:", 4) == 0 &&
		    bw_buf_append_str(out,
		                      " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""))
			return -1;
		if (bw_buf_append_byte(out, ' ') || bw_buf_append_str(out, an) ||
		    bw_buf_append_str(out, "=\"") || s_encode_scalar(ms, mb, v, out) ||
		    bw_buf_append_byte(out, '"'))
			return -1;
	}
	return bw_buf_append_byte(out, '>');
}

int bw_xml_encode_members(const struct bw_service_model *m, const struct bw_shape *sh,
                          const json_t *obj, struct bw_buf *out)
{
	if (!m || !sh || sh->type != BW_T_STRUCTURE || !json_is_object(obj))
		return -1;
	for (uint16_t i = 0; i < sh->nmembers; i++) {
		const struct bw_member *mb = &sh->members[i];
		if (mb->location != BW_LOC_BODY || (mb->flags & BW_MF_XML_ATTRIBUTE))
			continue;
		const json_t *v = json_object_get(obj, mb->name);
		const struct bw_shape *ms = bw_shape_at(m, mb->shape);
		if (!v || json_is_null(v))
			continue;
		if (!ms)
			return -1;
		if (ms->type == BW_T_LIST && s_flattened(mb, ms)) {
			if (!json_is_array(v))
				return -1;
			const char *item_name = s_member_element(mb, ms);
			size_t k;
			const json_t *item;
			json_array_foreach(v, k, item)
				if (s_encode(m, ms->member, NULL, item, item_name, NULL, out))
					return -1;
			continue;
		}
		if (s_encode(m, mb->shape, mb, v, bw_member_wire_name(mb), NULL, out))
			return -1;
	}
	return 0;
}

static int s_encode_entry(const struct bw_service_model *m, const struct bw_shape *sh,
                          const char *entry_name, const char *key, const json_t *val,
                          struct bw_buf *out)
{
	const char *kname = sh->key_name ? sh->key_name : "key";
	const char *vname = sh->value_name ? sh->value_name : "value";
	if (bw_xml_open(out, entry_name, NULL) || bw_xml_text_element(out, kname, key, strlen(key)))
		return -1;
	if (!json_is_null(val) && s_encode(m, sh->member, NULL, val, vname, NULL, out))
		return -1;
	return bw_xml_close(out, entry_name);
}

static int s_encode(const struct bw_service_model *m, uint16_t idx, const struct bw_member *mb,
                    const json_t *value, const char *name, const char *xmlns,
                    struct bw_buf *out)
{
	const struct bw_shape *sh = bw_shape_at(m, idx);
	if (!sh || !value)
		return -1;
	const char *key;
	const json_t *v;
	size_t k;
	switch ((enum bw_shape_type)sh->type) {
	case BW_T_STRUCTURE:
		if (!json_is_object(value) || s_open_structure(m, sh, value, name, xmlns, out) ||
		    bw_xml_encode_members(m, sh, value, out))
			return -1;
		return bw_xml_close(out, name);
	case BW_T_LIST: {
		if (!json_is_array(value))
			return -1;
		const char *item_name = sh->member_name ? sh->member_name : "member";
		if (s_flattened(mb, sh)) {
			/* a flattened list outside a structure: its items in a row */
			json_array_foreach(value, k, v)
				if (s_encode(m, sh->member, NULL, v, name, NULL, out))
					return -1;
			return 0;
		}
		if (bw_xml_open(out, name, xmlns))
			return -1;
		json_array_foreach(value, k, v)
			if (s_encode(m, sh->member, NULL, v, item_name, NULL, out))
				return -1;
		return bw_xml_close(out, name);
	}
	case BW_T_MAP:
		if (!json_is_object(value))
			return -1;
		if (s_flattened(mb, sh)) {
			json_object_foreach((json_t *)value, key, v)
				if (s_encode_entry(m, sh, name, key, v, out))
					return -1;
			return 0;
		}
		if (bw_xml_open(out, name, xmlns))
			return -1;
		json_object_foreach((json_t *)value, key, v)
			if (s_encode_entry(m, sh, "entry", key, v, out))
				return -1;
		return bw_xml_close(out, name);
	default:
		if (bw_xml_open(out, name, xmlns) || s_encode_scalar(sh, mb, value, out))
			return -1;
		return bw_xml_close(out, name);
	}
}

int bw_xml_encode_element(const struct bw_service_model *m, uint16_t shape,
                          const json_t *value, const char *name, const char *xmlns,
                          struct bw_buf *out)
{
	if (!m || !name || !out)
		return -1;
	return s_encode(m, shape, NULL, value, name, xmlns, out);
}
