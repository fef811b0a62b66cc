/*
 * fuzz_setkey.c - libFuzzer harness for setkey's lexer, parser and builder.
 *
 * The input is a setkey file.  Names are never resolved (p.resolve =
 * false) so that the run is deterministic and offline; every command that
 * parses is built and validated as pass 1 of setkey -f does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "build.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sink(void *arg, const struct sk_cmd *c, void *msg, size_t len)
{
	(void)arg;
	(void)c;
	(void)msg;
	(void)len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[SADB_MSG_MAX_BYTES];
	struct sk_build_opts bo = { .rfc = true };
	struct sk_parser p;
	struct sk_cmd c;
	struct pk_diag d;
	enum sk_parse_rc rc;
	FILE *in;

	if (size == 0)
		return 0;
	in = fmemopen((void *)data, size, "r");
	if (in == NULL)
		return 0;
	sk_parser_init(&p, in, "fuzz", NULL);
	p.resolve = false;
	while ((rc = sk_parse_next(&p, &c)) != SK_PARSE_EOF) {
		if (rc != SK_PARSE_CMD)
			continue;
		sk_build(&c, &bo, buf, sizeof(buf), sink, NULL, &d);
		sk_cmd_free(&c);
	}
	sk_parser_free(&p);
	fclose(in);
	return 0;
}
