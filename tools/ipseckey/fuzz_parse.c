/*
 * fuzz_parse.c - libFuzzer harness for ipseckey's reader and parser: the
 * input is a config file, read and checked as "ipseckey -n -c" would
 * (numeric only, so no name service is touched; nothing is sent).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "pfkey/pfkeyv2.h"
#include "ik.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *buf;
	static FILE *null;
	struct ik_ctx c = { 0 };
	struct ik_reader rd = { 0 };
	struct ik_line l;
	FILE *in;

	if (buf == NULL)
		buf = malloc(SADB_MSG_MAX_BYTES);
	if (null == NULL)
		null = fopen("/dev/null", "w");
	if (buf == NULL || null == NULL || size == 0)
		return 0;
	in = fmemopen((void *)data, size, "r");
	if (in == NULL)
		return 0;
	c.opts = IK_O_NUMERIC;
	c.mode = IK_M_CHECK;
	c.fname = "fuzz";
	c.out = c.err = null;
	rd.f = in;
	rd.name = "fuzz";
	ik_line_init(&l);
	for (;;) {
		const char *why;
		unsigned wl, wc;
		struct ik_req r;
		int rc = ik_read_command(&rd, &l, &why, &wl, &wc);

		if (rc == 0)
			break;
		c.line = &l;
		c.header_done = false;
		c.errors = 0;
		c.warned_multi = 0;
		if (rc < 0)
			continue;
		if (ik_parse(&c, &l, &r) == 0) {
			for (size_t i = 0; i < ik_ndst(&r); i++) {
				struct pk_buf b;

				pk_buf_init(&b, buf, SADB_MSG_MAX_BYTES);
				ik_build(&c, &r, i, &b, 1, 1);
			}
		}
		ik_req_free(&r);
	}
	ik_line_free(&l);
	fclose(in);
	return 0;
}
