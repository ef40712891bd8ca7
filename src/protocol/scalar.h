/*
 * scalar.h: scalars carried as text (query strings, form fields, headers,
 * URI labels, XML text) to and from the internal form.
 */
#ifndef BW_PROTOCOL_SCALAR_H
#define BW_PROTOCOL_SCALAR_H

#include <jansson.h>
#include <stdbool.h>

#include "core/buf.h"
#include "protocol/model.h"

/*
 * Text -> internal form for a scalar shape (string, integer, long, float,
 * double, boolean, timestamp, blob). `ts_format` is the format to expect
 * for a timestamp (BW_TS_DEFAULT: any of them). Blob text is base64 in
 * every text form, and stays base64 in the internal form, but is checked.
 * Returns NULL if the text is not a valid value of the type.
 */
json_t *bw_scalar_from_text(const struct bw_shape *shape, const char *text, size_t len,
                            enum bw_ts_format ts_format);

/* Internal form -> text, appended to out; ts_format must not be DEFAULT. */
BW_MUST_CHECK int bw_scalar_to_text(const struct bw_shape *shape, const json_t *value,
                                    enum bw_ts_format ts_format, struct bw_buf *out);

/* The timestamp format in force: the member's, else the shape's, else dflt. */
enum bw_ts_format bw_ts_format_of(const struct bw_member *mb, const struct bw_shape *sh,
                                  enum bw_ts_format dflt);

#endif
