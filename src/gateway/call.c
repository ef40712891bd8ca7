/* call.c: failing a call with an AWS error. */
#include "gateway/call.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct s_common_error {
	const char *code;
	uint16_t status;
};

/* Errors shared by every AWS service, with their HTTP status. */
static const struct s_common_error s_common[] = {
	{"AccessDenied", 403},
	{"AccessDeniedException", 400},
	{"IncompleteSignature", 400},
	{"InternalFailure", 500},
	{"InternalError", 500},
	{"InvalidAction", 400},
	{"InvalidClientTokenId", 403},
	{"InvalidParameterCombination", 400},
	{"InvalidParameterValue", 400},
	{"InvalidQueryParameter", 400},
	{"MalformedQueryString", 404},
	{"MissingAction", 400},
	{"MissingAuthenticationToken", 403},
	{"MissingParameter", 400},
	{"NotImplemented", 501},
	{"OptInRequired", 403},
	{"RequestExpired", 400},
	{"SerializationException", 400},
	{"ServiceUnavailable", 503},
	{"ThrottlingException", 400},
	{"UnknownOperationException", 400},
	{"UnrecognizedClientException", 400},
	{"ValidationError", 400},
	{"ValidationException", 400},
};

uint16_t bw_common_error_status(const char *code)
{
	for (size_t i = 0; i < sizeof s_common / sizeof s_common[0]; i++)
		if (strcmp(s_common[i].code, code) == 0)
			return s_common[i].status;
	return 0;
}

__attribute__((format(printf, 4, 0)))
static void s_set(struct bw_call *call, uint16_t status, const char *code, const char *fmt,
                  va_list ap)
{
	call->failed = true;
	snprintf(call->err.code, sizeof call->err.code, "%s", code);
	vsnprintf(call->err.message, sizeof call->err.message, fmt, ap);
	call->err.status = status;
	call->err.sender_fault = status < 500;
}

int bw_fail(struct bw_call *call, const char *code, const char *fmt, ...)
{
	uint16_t status = 400;
	const char *wire = code;
	bool sender = true;
	const struct bw_shape *sh = call->model ? bw_model_shape(call->model, code) : NULL;
	if (sh && (sh->flags & BW_SF_EXCEPTION)) {
		status = sh->error_status ? sh->error_status : 400;
		sender = sh->sender_fault;
		if (sh->error_code)
			wire = sh->error_code;
	} else {
		uint16_t s = bw_common_error_status(code);
		if (s)
			status = s;
		sender = status < 500;
	}
	va_list ap;
	va_start(ap, fmt);
	s_set(call, status, wire, fmt, ap);
	va_end(ap);
	call->err.sender_fault = sender;
	return -1;
}

int bw_fail_status(struct bw_call *call, uint16_t status, const char *code, const char *fmt,
                   ...)
{
	va_list ap;
	va_start(ap, fmt);
	s_set(call, status, code, fmt, ap);
	va_end(ap);
	return -1;
}
