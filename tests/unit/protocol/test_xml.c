/* test_xml.c: the XML writer's escaping, the reader's refusals (DOCTYPE,
 * entity bombs, deep nesting, malformed, invalid UTF-8) and the shape
 * mapping round trip. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "protocol/model.h"
#include "protocol/xml.h"

static void test_escape(void **state)
{
	(void)state;
	struct bw_buf b = {0};
	const char in[] = "a&b<c>d\"e'f\tg\nh\ri\x01j\x7f\xc3\xa9\xff\xef\xbf\xbe";
	assert_int_equal(bw_xml_escape(&b, in, sizeof in - 1), 0);
	assert_string_equal(bw_buf_cstr(&b), "a&amp;b&lt;c&gt;d&quot;e'f&#9;g&#10;h&#13;i\xef\xbf\xbdj"
	                                     "\x7f\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd");
	bw_buf_reset(&b);
	/* a NUL and a lone surrogate (ED A0 80) are replaced too */
	assert_int_equal(bw_xml_escape(&b, "x\0y\xed\xa0\x80", 6), 0);
	assert_string_equal(bw_buf_cstr(&b), "x\xef\xbf\xbdy\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	bw_buf_reset(&b);
	assert_int_equal(bw_xml_open(&b, "R", "urn:x&y"), 0);
	assert_int_equal(bw_xml_text_element(&b, "A", "1<2", 3), 0);
	assert_int_equal(bw_xml_close(&b, "R"), 0);
	assert_string_equal(bw_buf_cstr(&b), "<R xmlns=\"urn:x&amp;y\"><A>1&lt;2</A></R>");
	bw_buf_free(&b);
}

static int parse(const char *s, struct bw_xml_node **root, char *err, size_t errlen)
{
	return bw_xml_parse((const uint8_t *)s, strlen(s), root, err, errlen);
}

static void expect_reject(const char *doc, const char *why)
{
	struct bw_xml_node *root = NULL;
	char err[200];
	if (parse(doc, &root, err, sizeof err) == 0)
		fail_msg("accepted: %s", doc);
	assert_null(root);
	if (why && !strstr(err, why))
		fail_msg("error '%s' lacks '%s'", err, why);
}

static void test_reader_basic(void **state)
{
	(void)state;
	struct bw_xml_node *root = NULL;
	char err[200];
	assert_int_equal(parse("<?xml version=\"1.0\"?><a:R xmlns:a=\"urn:a\" x=\"1&amp;2\">"
	                       "<A>t&lt;1&#65;</A><!-- c --><B><![CDATA[<raw>]]></B><A/></a:R>",
	                       &root, err, sizeof err),
	                 0);
	assert_string_equal(root->name, "R");
	assert_string_equal(root->ns, "urn:a");
	assert_int_equal(root->nattrs, 1);
	assert_string_equal(root->attrs[0].value, "1&2");
	assert_string_equal(root->child->name, "A");
	assert_string_equal(root->child->text, "t<1A");
	assert_string_equal(root->child->next->text, "<raw>");
	assert_string_equal(root->child->next->next->text, "");
	assert_null(root->child->next->next->next);
	bw_xml_free(root);
}

static void test_reader_rejects(void **state)
{
	(void)state;
	expect_reject("<!DOCTYPE r><r/>", "DOCTYPE");
	expect_reject("<!DOCTYPE r SYSTEM \"http://example.com/x.dtd\"><r/>", "DOCTYPE");
	expect_reject("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
	              "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>"
	              "<lolz>&lol2;</lolz>",
	              "DOCTYPE");
	expect_reject("<r>&xxe;</r>", NULL);                       /* undeclared entity */
	expect_reject("<r><a></r>", "malformed");
	expect_reject("<r>", NULL);
	expect_reject("", "empty");
	expect_reject("not xml", NULL);
	expect_reject("<r/><r/>", NULL);
	expect_reject("<r>\xc3\x28</r>", "UTF-8");
	expect_reject("<r>\xed\xa0\x80</r>", "UTF-8");             /* surrogate */
	expect_reject("\xfe\xff\x00<\x00r\x00/\x00>", "UTF-8");    /* UTF-16 */
	expect_reject("<r>\x01</r>", NULL);                        /* not an XML char */
	/* deeper than the cap */
	char deep[4096] = "";
	for (int i = 0; i < BW_XML_MAX_DEPTH + 1; i++)
		strcat(deep, "<a>");
	for (int i = 0; i < BW_XML_MAX_DEPTH + 1; i++)
		strcat(deep, "</a>");
	expect_reject(deep, "deep");
}

static void test_reader_node_cap(void **state)
{
	(void)state;
	size_t n = BW_XML_MAX_NODES + 1;
	char *doc = malloc(n * 4 + 16);
	assert_non_null(doc);
	strcpy(doc, "<r>");
	char *p = doc + 3;
	for (size_t i = 0; i < n; i++, p += 4)
		memcpy(p, "<a/>", 4);
	strcpy(p, "</r>");
	expect_reject(doc, "too many");
	free(doc);
}

static void test_mapping_round_trip(void **state)
{
	(void)state;
	const struct bw_service_model *s3 = bw_model_find("s3");
	const struct bw_shape *in = bw_model_shape(s3, "PutBucketCorsRequest");
	const struct bw_member *mb = bw_shape_member(in, "CORSConfiguration");
	/* CORSRules and AllowedMethods are flattened lists; MaxAgeSeconds an int */
	json_t *v = json_pack("{s:[{s:s,s:[s,s],s:[s],s:i},{s:[s],s:[s]}]}", "CORSRules", "ID", "r1",
	                      "AllowedMethods", "GET", "PUT", "AllowedOrigins", "*", "MaxAgeSeconds",
	                      300, "AllowedMethods", "HEAD", "AllowedOrigins", "https://a&b");
	struct bw_buf b = {0};
	assert_int_equal(bw_xml_encode_element(s3, mb->shape, v, "CORSConfiguration", s3->xml_namespace,
	                                       &b),
	                 0);
	assert_non_null(strstr(bw_buf_cstr(&b), "<CORSRule><ID>r1</ID><AllowedMethod>GET</AllowedMethod>"
	                                        "<AllowedMethod>PUT</AllowedMethod>"));
	struct bw_xml_node *root = NULL;
	char err[200];
	assert_int_equal(bw_xml_parse(b.data, b.len, &root, err, sizeof err), 0);
	json_t *back = NULL;
	assert_int_equal(bw_xml_decode(s3, mb->shape, root, &back, err, sizeof err), 0);
	assert_true(json_equal(v, back));
	json_decref(back);
	bw_xml_free(root);
	bw_buf_free(&b);
	json_decref(v);
}

static void test_mapping_map_and_attribute(void **state)
{
	(void)state;
	const struct bw_service_model *s3 = bw_model_find("s3");
	/* Grantee carries xsi:type as an attribute */
	const struct bw_shape *g = bw_model_shape(s3, "Grant");
	json_t *v = json_pack("{s:{s:s,s:s},s:s}", "Grantee", "Type", "CanonicalUser", "ID", "abc",
	                      "Permission", "READ");
	struct bw_buf b = {0};
	uint16_t gi = (uint16_t)(g - s3->shapes);
	assert_int_equal(bw_xml_encode_element(s3, gi, v, "Grant", NULL, &b), 0);
	assert_non_null(strstr(bw_buf_cstr(&b), "xsi:type=\"CanonicalUser\""));
	struct bw_xml_node *root = NULL;
	char err[200];
	assert_int_equal(bw_xml_parse(b.data, b.len, &root, err, sizeof err), 0);
	json_t *back = NULL;
	assert_int_equal(bw_xml_decode(s3, gi, root, &back, err, sizeof err), 0);
	assert_true(json_equal(v, back));
	json_decref(back);
	bw_xml_free(root);
	bw_buf_free(&b);
	json_decref(v);

	/* a map (IAM's summaryMapType: <entry><key/><value/></entry>) */
	const struct bw_service_model *iam = bw_model_find("iam");
	const struct bw_shape *ms = bw_model_shape(iam, "summaryMapType");
	uint16_t mi = (uint16_t)(ms - iam->shapes);
	v = json_pack("{s:i,s:i}", "Users", 3, "Groups", 1);
	assert_int_equal(bw_xml_encode_element(iam, mi, v, "SummaryMap", NULL, &b), 0);
	assert_non_null(strstr(bw_buf_cstr(&b), "<entry><key>"));
	assert_int_equal(bw_xml_parse(b.data, b.len, &root, err, sizeof err), 0);
	assert_int_equal(bw_xml_decode(iam, mi, root, &back, err, sizeof err), 0);
	assert_true(json_equal(v, back));
	json_decref(back);
	bw_xml_free(root);
	bw_buf_free(&b);
	json_decref(v);
}

static void test_mapping_bad_value(void **state)
{
	(void)state;
	const struct bw_service_model *s3 = bw_model_find("s3");
	const struct bw_shape *d = bw_model_shape(s3, "Delete");
	struct bw_xml_node *root = NULL;
	char err[200];
	assert_int_equal(parse("<Delete><Quiet>yes</Quiet></Delete>", &root, err, sizeof err), 0);
	json_t *back = NULL;
	assert_int_equal(bw_xml_decode(s3, (uint16_t)(d - s3->shapes), root, &back, err, sizeof err),
	                 -1);
	assert_null(back);
	assert_non_null(strstr(err, "Quiet"));
	bw_xml_free(root);
}

int main(void)
{
	bw_xml_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_reader_basic),
		cmocka_unit_test(test_reader_rejects),
		cmocka_unit_test(test_reader_node_cap),
		cmocka_unit_test(test_mapping_round_trip),
		cmocka_unit_test(test_mapping_map_and_attribute),
		cmocka_unit_test(test_mapping_bad_value),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
