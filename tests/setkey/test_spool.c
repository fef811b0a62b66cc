/*
 * test_spool.c - setkey's pass-1 spool (tools/setkey/spool.c) and the
 * lexer's seek, which together let pass 2 replay what fitted and parse
 * the rest again from the right place.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parse.h"
#include "spool.h"

static struct sk_cmd cmd(enum sk_cmd_type type, unsigned long line,
			 unsigned long col, uint64_t off)
{
	struct sk_cmd c;

	memset(&c, 0, offsetof(struct sk_cmd, ekey));
	c.type = type;
	c.satype = 3;
	c.line = line;
	c.col = col;
	c.off = off;
	return c;
}

/* Records come back in order, with their command, line and bytes. */
static void test_replay_in_order(void **state)
{
	struct sk_spool s;
	struct sk_spool_pos pos = { 0 };
	struct sk_rec r;
	unsigned char msg[200];
	int n = 0;

	(void)state;
	sk_spool_init(&s, SK_SPOOL_MAX);
	for (int i = 0; i < 20000; i++) {	/* 4 MB: several chunks */
		struct sk_cmd c = cmd(SK_ADD, (unsigned long)i + 1, 1,
				      (uint64_t)i * 50);

		memset(msg, i & 0xff, sizeof(msg));
		sk_spool_begin(&s);
		assert_int_equal(sk_spool_msg(&s, &c, msg,
					      sizeof(msg) - (i % 3) * 8), 0);
	}
	assert_false(s.closed);
	while (sk_spool_next(&s, &pos, &r)) {
		assert_int_equal(r.kind, SK_REC_MSG);
		assert_int_equal(r.cmd, SK_ADD);
		assert_int_equal(r.satype, 3);
		assert_int_equal(r.line, (unsigned long)n + 1);
		assert_int_equal(r.len, sizeof(msg) - (size_t)(n % 3) * 8);
		assert_int_equal(((unsigned char *)r.msg)[0], n & 0xff);
		assert_int_equal(((unsigned char *)r.msg)[r.len - 1], n & 0xff);
		n++;
	}
	assert_int_equal(n, 20000);
	assert_false(sk_spool_next(&s, &pos, &r));	/* stays at the end */
	sk_spool_free(&s);
}

/*
 * A command that does not fit closes the spool at that command: its
 * records already kept are taken back, the ones before stay, and the
 * resume point is the command's own.
 */
static void test_close_takes_back_the_command(void **state)
{
	struct sk_spool s;
	struct sk_spool_pos pos = { 0 };
	struct sk_rec r;
	static unsigned char big[300 * 1024];
	int kept = 0, n = 0, rc = 0;

	(void)state;
	sk_spool_init(&s, 2 * SK_SPOOL_CHUNK);
	for (int i = 0; rc == 0; i++) {
		struct sk_cmd c = cmd(SK_SPDADD, (unsigned long)i * 2 + 1, 5,
				      (uint64_t)i * 1000);

		sk_spool_begin(&s);
		/* each command emits two messages (an in and its fwd) */
		rc = sk_spool_msg(&s, &c, big, sizeof(big));
		if (rc == 0)
			rc = sk_spool_msg(&s, &c, big, sizeof(big));
		if (rc != 0) {
			assert_int_equal(rc, -ENOSPC);
			sk_spool_close(&s, &c);
			assert_int_equal(s.resume_line, (unsigned long)i * 2 + 1);
			assert_int_equal(s.resume_col, 5);
			assert_int_equal(s.resume_off, (uint64_t)i * 1000);
		} else {
			kept++;
		}
	}
	assert_true(s.closed);
	assert_true(kept >= 2);
	/* closed: nothing more is kept */
	{
		struct sk_cmd c = cmd(SK_ADD, 99999, 1, 1);

		assert_int_equal(sk_spool_msg(&s, &c, big, 16), -ENOSPC);
	}
	while (sk_spool_next(&s, &pos, &r)) {
		assert_int_equal(r.line, (unsigned long)(n / 2) * 2 + 1);
		n++;
	}
	assert_int_equal(n, 2 * kept);	/* whole commands only */
	sk_spool_free(&s);
}

/* deleteall keeps its address lists. */
static void test_deleteall_addresses(void **state)
{
	struct sk_spool s;
	struct sk_spool_pos pos = { 0 };
	struct sk_rec r;
	struct sk_parser p;
	struct sk_cmd c;
	const char text[] = "deleteall 192.0.2.1 2001:db8::2 esp ;\n";
	FILE *in = fmemopen((void *)text, sizeof(text) - 1, "r");

	(void)state;
	assert_non_null(in);
	sk_parser_init(&p, in, "t", stderr);
	p.resolve = false;
	assert_int_equal(sk_parse_next(&p, &c), SK_PARSE_CMD);
	sk_spool_init(&s, SK_SPOOL_MAX);
	sk_spool_begin(&s);
	assert_int_equal(sk_spool_deleteall(&s, &c), 0);
	assert_true(sk_spool_next(&s, &pos, &r));
	assert_int_equal(r.kind, SK_REC_DELETEALL);
	assert_int_equal(r.cmd, SK_DELETEALL);
	assert_int_equal(r.line, 1);
	assert_int_equal(r.nsrc, 1);
	assert_int_equal(r.ndst, 1);
	assert_int_equal(r.src[0].ss_family, AF_INET);
	assert_int_equal(r.dst[0].ss_family, AF_INET6);
	assert_false(sk_spool_next(&s, &pos, &r));
	sk_spool_free(&s);
	sk_cmd_free(&c);
	sk_parser_free(&p);
	fclose(in);
}

/*
 * The lexer goes back to a command found earlier: the same command comes
 * out again, and what follows keeps its true lines and columns, also when
 * the command straddles the lexer's input blocks.
 */
static void test_seek_resumes_with_true_positions(void **state)
{
	size_t cap = 3 * SK_LEX_BUF, len = 0;
	char *text = malloc(cap);
	struct sk_parser p;
	struct sk_cmd c, want = { 0 };
	unsigned long ncmd = 0, line = 1;
	FILE *in;

	(void)state;
	assert_non_null(text);
	/* two-line commands until past the first block, then a bad one */
	while (len < SK_LEX_BUF + 4000) {
		len += (size_t)snprintf(text + len, cap - len,
					"  add 10.0.%lu.1 10.0.0.2 ah %lu\n"
					"\t-A hmac-md5 \"0123456789abcdef\" ;\n", ncmd & 255,
					0x1000 + ncmd);
		ncmd++;
		line += 2;
	}
	len += (size_t)snprintf(text + len, cap - len,
				"add 10.0.0.1 10.0.0.2 esp bogus ;\n");
	in = fmemopen(text, len, "r");
	assert_non_null(in);
	sk_parser_init(&p, in, "t", fopen("/dev/null", "w"));
	p.resolve = false;
	/* remember the command that straddles the first block's end */
	for (unsigned long i = 0; i < ncmd; i++) {
		assert_int_equal(sk_parse_next(&p, &c), SK_PARSE_CMD);
		if (want.line == 0 && c.off + 60 > SK_LEX_BUF)
			want = cmd(c.type, c.line, c.col, c.off);
		sk_cmd_free(&c);
	}
	assert_int_equal(sk_parse_next(&p, &c), SK_PARSE_ERROR);
	assert_int_equal(p.errors, 1);
	assert_int_not_equal(want.line, 0);
	assert_int_equal(want.col, 3);

	assert_int_equal(sk_lex_seek(&p.lx, want.off, want.line, want.col), 0);
	assert_int_equal(sk_parse_next(&p, &c), SK_PARSE_CMD);
	assert_int_equal(c.type, SK_ADD);
	assert_int_equal(c.line, want.line);
	assert_int_equal(c.col, 3);
	assert_int_equal(c.off, want.off);
	sk_cmd_free(&c);
	for (;;) {
		enum sk_parse_rc rc = sk_parse_next(&p, &c);

		if (rc != SK_PARSE_CMD) {
			assert_int_equal(rc, SK_PARSE_ERROR);
			break;
		}
		sk_cmd_free(&c);
	}
	/* the bad line is found again on its own line */
	assert_int_equal(p.errors, 2);
	assert_int_equal(p.lx.tline, line);
	assert_int_equal(sk_parse_next(&p, &c), SK_PARSE_EOF);
	fclose(p.err);
	sk_parser_free(&p);
	fclose(in);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_in_order),
		cmocka_unit_test(test_close_takes_back_the_command),
		cmocka_unit_test(test_deleteall_addresses),
		cmocka_unit_test(test_seek_resumes_with_true_positions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
