/*
 * test_print.c - the generic decoder (lib/print.c): exact text for real
 * Linux messages and for hand-built ones of every extension kind, keys
 * hidden, and tolerance of truncated, malformed and unaligned input.
 *
 * Messages are assembled here byte by byte (t_begin/t_ext below) rather
 * than with the pk_add_* builder, so that these tests depend on nothing
 * but the printer and can hold shapes the builder refuses to make.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "pfkey/pfkeyv2.h"
#include "pfkey/print.h"
#include "fixtures.h"

/* ------------------------------------------------------------ helpers */

/* Runs pk_print_msg() into memory; the caller frees *text. */
static int print_to(char **text, const char *prefix, const void *msg,
		    size_t len, unsigned flags)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	int rc;

	assert_non_null(f);
	rc = pk_print_msg(f, prefix, msg, len, flags);
	assert_int_equal(fclose(f), 0);
	assert_non_null(buf);
	*text = buf;
	return rc;
}

static void expect_print(const char *expected, int expected_rc,
			 const char *prefix, const void *msg, size_t len,
			 unsigned flags)
{
	char *text;
	int rc = print_to(&text, prefix, msg, len, flags);

	assert_string_equal(text, expected);
	assert_int_equal(rc, expected_rc);
	free(text);
}

static char *hex_to(const char *prefix, const void *data, size_t len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	assert_non_null(f);
	pk_print_hex(f, prefix, data, len);
	assert_int_equal(fclose(f), 0);
	assert_non_null(buf);
	return buf;
}

/*
 * No byte of the fixtures' keys (0xaa..., 0xee...) in any spelling.  No
 * word of the output has "aa"; "ee" occurs in words ("needed"), so a pair
 * of e bytes is looked for as "eeee" (key lines and hex rows print two
 * bytes or more together) and as "ee " / "ee\n" after a hex digit.
 */
static void assert_no_key_bytes(const char *text)
{
	if (strstr(text, "aa") != NULL || strstr(text, "AA") != NULL ||
	    strstr(text, "eeee") != NULL || strstr(text, "EE") != NULL)
		fail_msg("key material printed:\n%s", text);
	for (const char *p = strstr(text, "ee"); p != NULL;
	     p = strstr(p + 1, "ee"))
		if (p > text && strchr("0123456789abcdef", p[-1]) != NULL &&
		    (p[2] == ' ' || p[2] == '\n'))
			fail_msg("key material printed:\n%s", text);
}

/* A message assembled by hand in aligned memory. */
struct tmsg {
	uint8_t	b[2048] __attribute__((aligned(8)));
	size_t	len;
};

static void t_set_msg_len(struct tmsg *t)
{
	uint16_t words = (uint16_t)(t->len / 8);

	memcpy(t->b + offsetof(struct sadb_msg, sadb_msg_len), &words,
	       sizeof(words));
}

static void t_begin(struct tmsg *t, uint8_t type, uint8_t satype,
		    uint32_t seq, uint32_t pid)
{
	struct sadb_msg h = {
		.sadb_msg_version = PF_KEY_V2, .sadb_msg_type = type,
		.sadb_msg_satype = satype, .sadb_msg_seq = seq,
		.sadb_msg_pid = pid,
	};

	memset(t, 0, sizeof(*t));
	memcpy(t->b, &h, sizeof(h));
	t->len = sizeof(h);
	t_set_msg_len(t);
}

/*
 * Appends len bytes of extension (header included), zero-padded to 8,
 * with its length (in words) and type set.
 */
static void t_ext(struct tmsg *t, uint16_t type, const void *ext, size_t len)
{
	size_t padded = (len + 7) / 8 * 8;
	struct sadb_ext h = { (uint16_t)(padded / 8), type };

	assert_true(len >= sizeof(h) && t->len + padded <= sizeof(t->b));
	memcpy(t->b + t->len, ext, len);
	memcpy(t->b + t->len, &h, sizeof(h));
	t->len += padded;
	t_set_msg_len(t);
}

/* Appends raw bytes (with a length of the test's choosing). */
static void t_raw(struct tmsg *t, const void *data, size_t len)
{
	assert_true(t->len + len <= sizeof(t->b));
	memcpy(t->b + t->len, data, len);
	t->len += len;
	t_set_msg_len(t);
}

static size_t put_sin(uint8_t *d, const char *addr, uint16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, addr, &sin.sin_addr), 1);
	memcpy(d, &sin, sizeof(sin));
	return sizeof(sin);
}

static size_t put_sin6(uint8_t *d, const char *addr, uint16_t port,
		       uint32_t scope)
{
	struct sockaddr_in6 sin6;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(port);
	sin6.sin6_scope_id = scope;
	assert_int_equal(inet_pton(AF_INET6, addr, &sin6.sin6_addr), 1);
	memcpy(d, &sin6, sizeof(sin6));
	return sizeof(sin6);
}

static void t_address4(struct tmsg *t, uint16_t type, const char *addr,
		       uint16_t port, uint8_t proto, uint8_t plen)
{
	uint8_t e[64] = { 0 };
	struct sadb_address a = { 0, 0, proto, plen, 0 };

	memcpy(e, &a, sizeof(a));
	t_ext(t, type, e, sizeof(a) + put_sin(e + sizeof(a), addr, port));
}

/* ------------------------------------------------ the real Linux bytes */

static const char get_reply_text[] =
	"sadb_msg{ version=2 type=5 errno=0 satype=3\n"
	"  len=34 reserved=0 seq=102 pid=168\n"
	"sadb_ext{ len=2 type=1 }\n"
	"sadb_sa{ spi=4096 replay=32 state=1\n"
	"  auth=3 encrypt=12 flags=0x00000000 }\n"
	"sadb_ext{ len=4 type=3 }\n"
	"sadb_lifetime{ alloc=0, bytes=0\n"
	"  addtime=0, usetime=0 }\n"
	"sadb_ext{ len=4 type=4 }\n"
	"sadb_lifetime{ alloc=0, bytes=0\n"
	"  addtime=0, usetime=0 }\n"
	"sadb_ext{ len=4 type=2 }\n"
	"sadb_lifetime{ alloc=0, bytes=0\n"
	"  addtime=1795450544, usetime=0 }\n"
	"sadb_ext{ len=3 type=5 }\n"
	"sadb_address{ proto=0 prefixlen=32 reserved=0x0000 }\n"
	"sockaddr{ len=16 family=2 port=0\n"
	"  10.0.0.1 }\n"
	"sadb_ext{ len=3 type=6 }\n"
	"sadb_address{ proto=0 prefixlen=32 reserved=0x0000 }\n"
	"sockaddr{ len=16 family=2 port=0\n"
	"  10.0.0.2 }\n"
	"sadb_ext{ len=3 type=7 }\n"
	"sadb_address{ proto=255 prefixlen=0 reserved=0x0000 }\n"
	"sockaddr{ len=16 family=2 port=0\n"
	"  0.0.0.0 }\n"
	"sadb_ext{ len=4 type=8 }\n"
	"sadb_key{ bits=160 reserved=0\n"
	"  key= aaaaaaaa aaaaaaaa aaaaaaaa aaaaaaaa\n"
	"       aaaaaaaa }\n"
	"sadb_ext{ len=3 type=9 }\n"
	"sadb_key{ bits=128 reserved=0\n"
	"  key= eeeeeeee eeeeeeee eeeeeeee eeeeeeee }\n"
	"sadb_ext{ len=2 type=19 }\n"
	"sadb_x_sa2{ mode=1 reqid=0 seq=0 }\n"
	"}\n";

static void test_get_reply(void **state)
{
	(void)state;
	expect_print(get_reply_text, 0, NULL, kernel_get_reply,
		     kernel_get_reply_len, 0);
}

/*
 * The logged ADD request has sadb_msg_len 0 (the client logged it before
 * filling the length in): the printer says so and, since 0 cannot cover
 * even the header, decodes all the bytes given.
 */
static const char add_request_text[] =
	"sadb_msg{ version=2 type=3 errno=0 satype=3\n"
	"  len=0 reserved=0 seq=101 pid=168\n"
	"sadb_msg_len 0 words (0 bytes) disagrees with the 136 bytes given;"
	" decoding 136\n"
	"sadb_ext{ len=2 type=1 }\n"
	"sadb_sa{ spi=4096 replay=32 state=1\n"
	"  auth=3 encrypt=12 flags=0x00000000 }\n"
	"sadb_ext{ len=3 type=5 }\n"
	"sadb_address{ proto=0 prefixlen=32 reserved=0x0000 }\n"
	"sockaddr{ len=16 family=2 port=0\n"
	"  10.0.0.1 }\n"
	"sadb_ext{ len=3 type=6 }\n"
	"sadb_address{ proto=0 prefixlen=32 reserved=0x0000 }\n"
	"sockaddr{ len=16 family=2 port=0\n"
	"  10.0.0.2 }\n"
	"sadb_ext{ len=4 type=8 }\n"
	"sadb_key{ bits=160 reserved=0\n"
	"  key= aaaaaaaa aaaaaaaa aaaaaaaa aaaaaaaa\n"
	"       aaaaaaaa }\n"
	"sadb_ext{ len=3 type=9 }\n"
	"sadb_key{ bits=128 reserved=0\n"
	"  key= eeeeeeee eeeeeeee eeeeeeee eeeeeeee }\n"
	"}\n";

static void test_add_request(void **state)
{
	(void)state;
	expect_print(add_request_text, -EINVAL, NULL, kernel_add_request,
		     kernel_add_request_len, 0);
}

/* The same request with its length set is well formed: rc 0. */
static void test_add_request_fixed_len(void **state)
{
	uint8_t b[136] __attribute__((aligned(8)));
	uint16_t words = 17;
	const char *body = strstr(add_request_text, "sadb_ext{");
	char expected[2048];

	(void)state;
	memcpy(b, kernel_add_request, sizeof(b));
	memcpy(b + 4, &words, sizeof(words));
	snprintf(expected, sizeof(expected),
		 "sadb_msg{ version=2 type=3 errno=0 satype=3\n"
		 "  len=17 reserved=0 seq=101 pid=168\n%s", body);
	expect_print(expected, 0, NULL, b, sizeof(b), 0);
}

/* Every line starts with the prefix, hex rows included. */
static void test_prefix_on_every_line(void **state)
{
	char *text, *line;
	int rc, lines = 0;

	(void)state;
	rc = print_to(&text, "T2 ", kernel_get_reply, kernel_get_reply_len,
		      PK_PRINT_HEX);
	assert_int_equal(rc, 0);
	assert_int_equal(text[strlen(text) - 1], '\n');
	for (line = text; *line != '\0'; line = strchr(line, '\n') + 1) {
		assert_memory_equal(line, "T2 ", 3);
		lines++;
	}
	/* 17 hex rows and the 36 lines of the decoded message. */
	assert_int_equal(lines, 17 + 36);
	free(text);
}

static void test_hex_rows_of_message(void **state)
{
	(void)state;
	expect_print(
		"00000000: 0203 1103 0200 0000 6800 0000 a800 0000\n"
		"sadb_msg{ version=2 type=3 errno=17 satype=3\n"
		"  len=2 reserved=0 seq=104 pid=168\n"
		"}\n", 0, NULL, kernel_add_eexist_reply,
		kernel_add_eexist_reply_len, PK_PRINT_HEX);
}

/* ---------------------------------------------------------- hidden keys */

static void test_hide_keys(void **state)
{
	char *text;
	char expected[sizeof(get_reply_text)];
	char *k;
	int rc;

	(void)state;
	/* The text is the same with each key hex digit pair as XX. */
	memcpy(expected, get_reply_text, sizeof(expected));
	while ((k = strstr(expected, "aa")) != NULL)
		memcpy(k, "XX", 2);
	while ((k = strstr(expected, "ee")) != NULL)
		memcpy(k, "XX", 2);
	expect_print(expected, 0, NULL, kernel_get_reply,
		     kernel_get_reply_len, PK_PRINT_HIDE_KEYS);

	rc = print_to(&text, NULL, kernel_add_request, kernel_add_request_len,
		      PK_PRINT_HIDE_KEYS);
	assert_int_equal(rc, -EINVAL);
	assert_no_key_bytes(text);
	assert_non_null(strstr(text, "  key= XXXXXXXX XXXXXXXX XXXXXXXX"
				     " XXXXXXXX\n       XXXXXXXX }\n"));
	free(text);
}

/* With -H too, the key bytes are masked in the hex rows. */
static void test_hide_keys_in_hex_rows(void **state)
{
	char *text;
	int rc;

	(void)state;
	rc = print_to(&text, NULL, kernel_get_reply, kernel_get_reply_len,
		      PK_PRINT_HEX | PK_PRINT_HIDE_KEYS);
	assert_int_equal(rc, 0);
	assert_no_key_bytes(text);
	assert_non_null(strstr(text,
		"000000c0: 0000 0000 0000 0000 0400 0800 a000 0000\n"
		"000000d0: XXXX XXXX XXXX XXXX XXXX XXXX XXXX XXXX\n"
		"000000e0: XXXX XXXX XXXX XXXX 0300 0900 8000 0000\n"
		"000000f0: XXXX XXXX XXXX XXXX XXXX XXXX XXXX XXXX\n"
		"00000100: 0200 1300 0100 0000 0000 0000 0000 0000\n"
		"sadb_msg{"));
	free(text);

	rc = print_to(&text, NULL, kernel_add_request, kernel_add_request_len,
		      PK_PRINT_HEX | PK_PRINT_HIDE_KEYS);
	assert_int_equal(rc, -EINVAL);
	assert_no_key_bytes(text);
	free(text);

	/* Without hiding, -H shows them. */
	rc = print_to(&text, NULL, kernel_get_reply, kernel_get_reply_len,
		      PK_PRINT_HEX);
	assert_non_null(strstr(text,
		"000000d0: aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa\n"));
	free(text);
}

/*
 * A key in bytes past sadb_msg_len, and one whose extension claims fewer
 * bits than the bytes it carries, stay hidden in the hex rows too.
 */
static void test_hide_keys_odd_places(void **state)
{
	struct tmsg t;
	uint8_t key[8 + 24];
	struct sadb_key k = { 0, 0, 8, 0 };
	char *text;
	uint16_t words = 2;

	(void)state;
	memset(key, 0xaa, sizeof(key));
	memcpy(key, &k, sizeof(k));
	t_begin(&t, SADB_ADD, SADB_SATYPE_ESP, 1, 2);
	t_ext(&t, SADB_EXT_KEY_AUTH, key, sizeof(key));
	expect_print(
		"sadb_msg{ version=2 type=3 errno=0 satype=3\n"
		"  len=6 reserved=0 seq=1 pid=2\n"
		"sadb_ext{ len=4 type=8 }\n"
		"sadb_key{ bits=8 reserved=0\n"
		"  key= aa }\n"
		"}\n", 0, NULL, t.b, t.len, 0);
	print_to(&text, NULL, t.b, t.len, PK_PRINT_HEX | PK_PRINT_HIDE_KEYS);
	assert_no_key_bytes(text);
	free(text);

	/* sadb_msg_len says header only; the key follows anyway. */
	memcpy(t.b + 4, &words, sizeof(words));
	assert_int_equal(print_to(&text, NULL, t.b, t.len,
				  PK_PRINT_HEX | PK_PRINT_HIDE_KEYS),
			 -EINVAL);
	assert_no_key_bytes(text);
	assert_non_null(strstr(text, "decoding 16\n}\n"));
	free(text);
}

/* ------------------------------------------------ truncated and broken */

static void test_every_truncation(void **state)
{
	static const unsigned flag_sets[] = {
		0, PK_PRINT_HIDE_KEYS, PK_PRINT_HEX,
		PK_PRINT_HEX | PK_PRINT_HIDE_KEYS,
	};

	(void)state;
	for (size_t len = 0; len <= kernel_get_reply_len; len++) {
		for (size_t i = 0; i < 4; i++) {
			/* Exactly len bytes, so ASan sees any overread. */
			uint8_t *copy = malloc(len > 0 ? len : 1);
			char *text;
			int rc;

			assert_non_null(copy);
			memcpy(copy, kernel_get_reply, len);
			rc = print_to(&text, "> ", copy, len, flag_sets[i]);
			assert_int_equal(rc, len == kernel_get_reply_len
					 ? 0 : -EINVAL);
			assert_true(strlen(text) > 0);
			assert_memory_equal(text, "> ", 2);
			assert_string_equal(text + strlen(text) - 4, "> }\n");
			if (flag_sets[i] & PK_PRINT_HIDE_KEYS)
				assert_no_key_bytes(text);
			free(text);
			free(copy);
		}
	}
}

static void test_truncated_in_key(void **state)
{
	char expected[4096];
	const char *cut = strstr(get_reply_text, "sadb_ext{ len=4 type=8 }");

	(void)state;
	snprintf(expected, sizeof(expected),
		 "sadb_msg{ version=2 type=5 errno=0 satype=3\n"
		 "  len=34 reserved=0 seq=102 pid=168\n"
		 "sadb_msg_len 34 words (272 bytes) disagrees with the 210"
		 " bytes given; decoding 210\n"
		 "%.*s"
		 "truncated extension at offset 200: sadb_ext{ len=4 type=8 }"
		 " needs 32 bytes, 10 left\n"
		 "}\n",
		 (int)(cut - strstr(get_reply_text, "sadb_ext{")),
		 strstr(get_reply_text, "sadb_ext{"));
	expect_print(expected, -EINVAL, NULL, kernel_get_reply, 210, 0);
}

static void test_truncated_in_ext_header(void **state)
{
	(void)state;
	expect_print(
		"sadb_msg{ version=2 type=5 errno=0 satype=3\n"
		"  len=34 reserved=0 seq=102 pid=168\n"
		"sadb_msg_len 34 words (272 bytes) disagrees with the 18 bytes"
		" given; decoding 18\n"
		"truncated extension at offset 16: 2 bytes left, a header"
		" needs 4\n"
		"}\n", -EINVAL, NULL, kernel_get_reply, 18, 0);
}

static void test_short_header(void **state)
{
	(void)state;
	expect_print(
		"sadb_msg{\n"
		"short header: 0 bytes, 16 needed\n"
		"}\n", -EINVAL, NULL, kernel_get_reply, 0, 0);
	expect_print(
		"sadb_msg{\n"
		"short header: 0 bytes, 16 needed\n"
		"}\n", -EINVAL, NULL, NULL, 0, 0);
	expect_print(
		"sadb_msg{ version=2 type=5 errno=0\n"
		"short header: 3 bytes, 16 needed\n"
		"}\n", -EINVAL, NULL, kernel_get_reply, 3, 0);
	expect_print(
		"sadb_msg{ version=2 type=5 errno=0 satype=3\n"
		"short header: 5 bytes, 16 needed\n"
		"}\n", -EINVAL, NULL, kernel_get_reply, 5, 0);
	expect_print(
		"sadb_msg{ version=2 type=5 errno=0 satype=3\n"
		"  len=34 reserved=0\n"
		"short header: 8 bytes, 16 needed\n"
		"}\n", -EINVAL, NULL, kernel_get_reply, 8, 0);
	expect_print(
		"> 00000000: 0205 0003 2200 0000 6600 0000 a800 00\n"
		"> sadb_msg{ version=2 type=5 errno=0 satype=3\n"
		">   len=34 reserved=0 seq=102\n"
		"> short header: 15 bytes, 16 needed\n"
		"> }\n", -EINVAL, "> ", kernel_get_reply, 15, PK_PRINT_HEX);
}

static void test_zero_length_ext(void **state)
{
	struct tmsg t;
	const uint8_t zero[8] = { 0, 0, SADB_EXT_SA, 0 };

	(void)state;
	t_begin(&t, SADB_GET, SADB_SATYPE_ESP, 7, 8);
	t_raw(&t, zero, sizeof(zero));
	expect_print(
		"sadb_msg{ version=2 type=5 errno=0 satype=3\n"
		"  len=3 reserved=0 seq=7 pid=8\n"
		"truncated extension at offset 16: sadb_ext{ len=0 type=1 }"
		" has length 0\n"
		"}\n", -EINVAL, NULL, t.b, t.len, 0);
}

/* The real EEXIST reply: a header and nothing else, well formed. */
static void test_header_only_error_reply(void **state)
{
	(void)state;
	expect_print(
		"sadb_msg{ version=2 type=3 errno=17 satype=3\n"
		"  len=2 reserved=0 seq=104 pid=168\n"
		"}\n", 0, NULL, kernel_add_eexist_reply,
		kernel_add_eexist_reply_len, 0);
	expect_print(
		"sadb_msg{ version=2 type=10 errno=2 satype=3\n"
		"  len=2 reserved=0 seq=111 pid=168\n"
		"}\n", 0, NULL, kernel_dump_empty_reply,
		kernel_dump_empty_reply_len, 0);
}

/* sadb_msg_len shorter than the bytes: only what it covers is decoded. */
static void test_msg_len_shorter_than_bytes(void **state)
{
	uint8_t b[272] __attribute__((aligned(8)));
	uint16_t words = 4;

	(void)state;
	memcpy(b, kernel_get_reply, sizeof(b));
	memcpy(b + 4, &words, sizeof(words));
	expect_print(
		"sadb_msg{ version=2 type=5 errno=0 satype=3\n"
		"  len=4 reserved=0 seq=102 pid=168\n"
		"sadb_msg_len 4 words (32 bytes) disagrees with the 272 bytes"
		" given; decoding 32\n"
		"sadb_ext{ len=2 type=1 }\n"
		"sadb_sa{ spi=4096 replay=32 state=1\n"
		"  auth=3 encrypt=12 flags=0x00000000 }\n"
		"}\n", -EINVAL, NULL, b, sizeof(b), 0);
	/* Ending inside an extension is a truncation there. */
	words = 5;
	memcpy(b + 4, &words, sizeof(words));
	expect_print(
		"sadb_msg{ version=2 type=5 errno=0 satype=3\n"
		"  len=5 reserved=0 seq=102 pid=168\n"
		"sadb_msg_len 5 words (40 bytes) disagrees with the 272 bytes"
		" given; decoding 40\n"
		"sadb_ext{ len=2 type=1 }\n"
		"sadb_sa{ spi=4096 replay=32 state=1\n"
		"  auth=3 encrypt=12 flags=0x00000000 }\n"
		"truncated extension at offset 32: sadb_ext{ len=4 type=3 }"
		" needs 32 bytes, 8 left\n"
		"}\n", -EINVAL, NULL, b, sizeof(b), 0);
}

/* The same bytes at an odd address print the same. */
static void test_unaligned(void **state)
{
	uint8_t *b = malloc(kernel_get_reply_len + 1);

	(void)state;
	assert_non_null(b);
	memcpy(b + 1, kernel_get_reply, kernel_get_reply_len);
	expect_print(get_reply_text, 0, NULL, b + 1, kernel_get_reply_len, 0);
	free(b);
}

static void test_null_stream(void **state)
{
	(void)state;
	assert_int_equal(pk_print_msg(NULL, NULL, kernel_get_reply,
				      kernel_get_reply_len, 0), -EINVAL);
	pk_print_hex(NULL, NULL, kernel_get_reply, 16);
}

/* ------------------------------------------------------- policies */

static void test_policy_two_requests(void **state)
{
	struct tmsg t;
	uint8_t e[256] = { 0 };
	struct sadb_x_policy pol = {
		.sadb_x_policy_type = IPSEC_POLICY_IPSEC,
		.sadb_x_policy_dir = IPSEC_DIR_OUTBOUND,
		.sadb_x_policy_id = 0x1a,
		.sadb_x_policy_priority = PK_PRIORITY_DEFAULT,
	};
	struct sadb_x_ipsecrequest r1 = {
		.sadb_x_ipsecrequest_len = 48,
		.sadb_x_ipsecrequest_proto = IPPROTO_ESP,
		.sadb_x_ipsecrequest_mode = IPSEC_MODE_TUNNEL,
		.sadb_x_ipsecrequest_level = IPSEC_LEVEL_REQUIRE,
	};
	struct sadb_x_ipsecrequest r2 = {
		.sadb_x_ipsecrequest_len = 16,
		.sadb_x_ipsecrequest_proto = IPPROTO_AH,
		.sadb_x_ipsecrequest_mode = IPSEC_MODE_TRANSPORT,
		.sadb_x_ipsecrequest_level = IPSEC_LEVEL_UNIQUE,
		.sadb_x_ipsecrequest_reqid = 7,
	};
	size_t o = 0;

	(void)state;
	t_begin(&t, SADB_X_SPDADD, SADB_SATYPE_UNSPEC, 1, 2);
	t_address4(&t, SADB_EXT_ADDRESS_SRC, "10.0.0.0", 0,
		   IPSEC_ULPROTO_ANY, 24);
	t_address4(&t, SADB_EXT_ADDRESS_DST, "10.0.1.0", 80, IPPROTO_TCP, 24);
	memcpy(e, &pol, sizeof(pol));
	o = sizeof(pol);
	memcpy(e + o, &r1, sizeof(r1));
	o += sizeof(r1);
	o += put_sin(e + o, "192.0.2.1", 0);
	o += put_sin(e + o, "192.0.2.2", 0);
	memcpy(e + o, &r2, sizeof(r2));
	o += sizeof(r2);
	t_ext(&t, SADB_X_EXT_POLICY, e, o);
	expect_print(
		"sadb_msg{ version=2 type=14 errno=0 satype=0\n"
		"  len=18 reserved=0 seq=1 pid=2\n"
		"sadb_ext{ len=3 type=5 }\n"
		"sadb_address{ proto=255 prefixlen=24 reserved=0x0000 }\n"
		"sockaddr{ len=16 family=2 port=0\n"
		"  10.0.0.0 }\n"
		"sadb_ext{ len=3 type=6 }\n"
		"sadb_address{ proto=6 prefixlen=24 reserved=0x0000 }\n"
		"sockaddr{ len=16 family=2 port=80\n"
		"  10.0.1.0 }\n"
		"sadb_ext{ len=10 type=18 }\n"
		"sadb_x_policy{ type=2 dir=2 id=1a priority=2147483648 }\n"
		"sadb_x_ipsecrequest{ len=48 proto=50 mode=2 level=2"
		" reqid=0 }\n"
		"sockaddr{ len=16 family=2 port=0\n"
		"  192.0.2.1 }\n"
		"sockaddr{ len=16 family=2 port=0\n"
		"  192.0.2.2 }\n"
		"sadb_x_ipsecrequest{ len=16 proto=51 mode=1 level=3"
		" reqid=7 }\n"
		"}\n", 0, NULL, t.b, t.len, 0);
}

/* IPv6 tunnel endpoints (a 72-byte request) and broken requests. */
static void test_policy_v6_and_bad_requests(void **state)
{
	struct tmsg t;
	uint8_t e[256] = { 0 };
	struct sadb_x_policy pol = {
		.sadb_x_policy_type = IPSEC_POLICY_IPSEC,
		.sadb_x_policy_dir = IPSEC_DIR_INBOUND,
	};
	struct sadb_x_ipsecrequest r = {
		.sadb_x_ipsecrequest_len = 72,
		.sadb_x_ipsecrequest_proto = IPPROTO_ESP,
		.sadb_x_ipsecrequest_mode = IPSEC_MODE_TUNNEL,
		.sadb_x_ipsecrequest_level = IPSEC_LEVEL_USE,
		.sadb_x_ipsecrequest_reqid = 16385,
	};
	struct sadb_x_ipsecrequest bad = {
		.sadb_x_ipsecrequest_len = 8,
		.sadb_x_ipsecrequest_proto = IPPROTO_AH,
	};
	size_t o;

	(void)state;
	t_begin(&t, SADB_X_SPDADD, 0, 3, 4);
	memcpy(e, &pol, sizeof(pol));
	o = sizeof(pol);
	memcpy(e + o, &r, sizeof(r));
	o += sizeof(r);
	o += put_sin6(e + o, "2001:db8::1", 0, 0);
	o += put_sin6(e + o, "fe80::2", 0, 3);
	memcpy(e + o, &bad, sizeof(bad));
	o += sizeof(bad);
	t_ext(&t, SADB_X_EXT_POLICY, e, o);
	expect_print(
		"sadb_msg{ version=2 type=14 errno=0 satype=0\n"
		"  len=15 reserved=0 seq=3 pid=4\n"
		"sadb_ext{ len=13 type=18 }\n"
		"sadb_x_policy{ type=2 dir=1 id=0 priority=0 }\n"
		"sadb_x_ipsecrequest{ len=72 proto=50 mode=2 level=1"
		" reqid=16385 }\n"
		"sockaddr{ len=28 family=10 port=0\n"
		"  2001:db8::1 }\n"
		"sockaddr{ len=28 family=10 port=0\n"
		"  fe80::2%3 }\n"
		"sadb_x_ipsecrequest{ len=8 proto=51 mode=0 level=0 reqid=0 }\n"
		"sadb_x_ipsecrequest len=8 at offset 104: must be 16 to 16\n"
		"}\n", -EINVAL, NULL, t.b, t.len, 0);

	/* A request header cut short by the end of the extension. */
	t_begin(&t, SADB_X_SPDADD, 0, 3, 4);
	memset(e, 0, sizeof(e));
	memcpy(e, &pol, sizeof(pol));
	t_ext(&t, SADB_X_EXT_POLICY, e, sizeof(pol) + 8);
	expect_print(
		"sadb_msg{ version=2 type=14 errno=0 satype=0\n"
		"  len=5 reserved=0 seq=3 pid=4\n"
		"sadb_ext{ len=3 type=18 }\n"
		"sadb_x_policy{ type=2 dir=1 id=0 priority=0 }\n"
		"sadb_x_ipsecrequest{ short: 8 bytes at offset 32,"
		" 16 needed }\n"
		"}\n", -EINVAL, NULL, t.b, t.len, 0);
}

/* ---------------------------------------------------- supported lists */

/* The REGISTER reply of the Linux 6.1 session, ids and bits as logged. */
static void test_supported_register_reply(void **state)
{
	static const struct sadb_alg auth[] = {
		{ 251, 0, 0, 0, 0 }, { 2, 0, 128, 128, 0 },
		{ 3, 0, 160, 160, 0 }, { 5, 0, 256, 256, 0 },
		{ 6, 0, 384, 384, 0 }, { 7, 0, 512, 512, 0 },
		{ 8, 0, 160, 160, 0 }, { 9, 0, 128, 128, 0 },
	};
	static const struct sadb_alg encr[] = {
		{ 11, 0, 0, 0, 0 }, { 2, 8, 64, 64, 0 },
		{ 3, 8, 192, 192, 0 }, { 6, 8, 40, 128, 0 },
		{ 7, 8, 40, 448, 0 }, { 12, 8, 128, 256, 0 },
		{ 252, 8, 128, 256, 0 }, { 22, 8, 128, 256, 0 },
		{ 253, 8, 128, 256, 0 }, { 13, 8, 160, 288, 0 },
	};
	struct tmsg t;
	uint8_t e[256] = { 0 };

	(void)state;
	t_begin(&t, SADB_REGISTER, SADB_SATYPE_ESP, 112, 168);
	memcpy(e + sizeof(struct sadb_supported), auth, sizeof(auth));
	t_ext(&t, SADB_EXT_SUPPORTED_AUTH, e,
	      sizeof(struct sadb_supported) + sizeof(auth));
	memcpy(e + sizeof(struct sadb_supported), encr, sizeof(encr));
	t_ext(&t, SADB_EXT_SUPPORTED_ENCRYPT, e,
	      sizeof(struct sadb_supported) + sizeof(encr));
	assert_int_equal(t.len, 176);
	expect_print(
		"sadb_msg{ version=2 type=7 errno=0 satype=3\n"
		"  len=22 reserved=0 seq=112 pid=168\n"
		"sadb_ext{ len=9 type=14 }\n"
		"sadb_sup{\n"
		"  { id=251 ivlen=0 min=0 max=0 }\n"
		"  { id=2 ivlen=0 min=128 max=128 }\n"
		"  { id=3 ivlen=0 min=160 max=160 }\n"
		"  { id=5 ivlen=0 min=256 max=256 }\n"
		"  { id=6 ivlen=0 min=384 max=384 }\n"
		"  { id=7 ivlen=0 min=512 max=512 }\n"
		"  { id=8 ivlen=0 min=160 max=160 }\n"
		"  { id=9 ivlen=0 min=128 max=128 }\n"
		"}\n"
		"sadb_ext{ len=11 type=15 }\n"
		"sadb_sup{\n"
		"  { id=11 ivlen=0 min=0 max=0 }\n"
		"  { id=2 ivlen=8 min=64 max=64 }\n"
		"  { id=3 ivlen=8 min=192 max=192 }\n"
		"  { id=6 ivlen=8 min=40 max=128 }\n"
		"  { id=7 ivlen=8 min=40 max=448 }\n"
		"  { id=12 ivlen=8 min=128 max=256 }\n"
		"  { id=252 ivlen=8 min=128 max=256 }\n"
		"  { id=22 ivlen=8 min=128 max=256 }\n"
		"  { id=253 ivlen=8 min=128 max=256 }\n"
		"  { id=13 ivlen=8 min=160 max=288 }\n"
		"}\n"
		"}\n", 0, NULL, t.b, t.len, 0);
}

/* ---------------------------------------------- every other extension */

static void test_other_extensions(void **state)
{
	struct tmsg t;
	uint8_t e[512];
	size_t o;

	(void)state;
	t_begin(&t, SADB_ACQUIRE, SADB_SATYPE_ESP, 9, 10);

	/* Identity with a string that needs escaping. */
	{
		struct sadb_ident id = { 0, 0, SADB_IDENTTYPE_FQDN, 0, 42 };
		static const char s[] = "gw.\"ex\\ample\"\t\x80";

		memset(e, 0, sizeof(e));
		memcpy(e, &id, sizeof(id));
		memcpy(e + sizeof(id), s, sizeof(s));
		t_ext(&t, SADB_EXT_IDENTITY_SRC, e, sizeof(id) + sizeof(s));
		t_ext(&t, SADB_EXT_IDENTITY_DST, &id, sizeof(id));
	}
	/* Sensitivity with one sensitivity and two integrity words. */
	{
		struct sadb_sens s = { 0, 0, 1, 5, 1, 6, 2, 0 };
		uint64_t w[3] = { 0x8000000000000001ULL, 2, 3 };

		memset(e, 0, sizeof(e));
		memcpy(e, &s, sizeof(s));
		memcpy(e + sizeof(s), w, sizeof(w));
		t_ext(&t, SADB_EXT_SENSITIVITY, e, sizeof(s) + sizeof(w));
	}
	/* Proposal with one combination. */
	{
		struct sadb_prop p = { 0, 0, 32, { 0 } };
		struct sadb_comb c = {
			.sadb_comb_auth = 3, .sadb_comb_encrypt = 12,
			.sadb_comb_flags = 1, .sadb_comb_auth_minbits = 160,
			.sadb_comb_auth_maxbits = 160,
			.sadb_comb_encrypt_minbits = 128,
			.sadb_comb_encrypt_maxbits = 256,
			.sadb_comb_soft_allocations = 1,
			.sadb_comb_hard_allocations = 2,
			.sadb_comb_soft_bytes = 3, .sadb_comb_hard_bytes = 4,
			.sadb_comb_soft_addtime = 5,
			.sadb_comb_hard_addtime = 6,
			.sadb_comb_soft_usetime = 7,
			.sadb_comb_hard_usetime = 8,
		};

		memcpy(e, &p, sizeof(p));
		memcpy(e + sizeof(p), &c, sizeof(c));
		t_ext(&t, SADB_EXT_PROPOSAL, e, sizeof(p) + sizeof(c));
	}
	{
		struct sadb_spirange r = { 0, 0, 0x100, 0xffffffff, 0 };

		t_ext(&t, SADB_EXT_SPIRANGE, &r, sizeof(r));
	}
	{
		struct sadb_x_kmprivate k = { 0, 0, 0 };

		memset(e, 0x5a, sizeof(e));
		memcpy(e, &k, sizeof(k));
		t_ext(&t, SADB_X_EXT_KMPRIVATE, e, sizeof(k) + 8);
	}
	{
		struct sadb_x_nat_t_type nt = { 0, 0, 2, { 0 } };
		struct sadb_x_nat_t_port np = { 0, 0, htons(4500), 0 };

		t_ext(&t, SADB_X_EXT_NAT_T_TYPE, &nt, sizeof(nt));
		t_ext(&t, SADB_X_EXT_NAT_T_SPORT, &np, sizeof(np));
		np.sadb_x_nat_t_port_port = htons(1701);
		t_ext(&t, SADB_X_EXT_NAT_T_DPORT, &np, sizeof(np));
	}
	t_address4(&t, SADB_X_EXT_NAT_T_OA, "198.51.100.7", 0, 0, 32);
	{
		struct sadb_x_sec_ctx c = { 0, 0, 1, 1, 0 };
		static const char ctx[] = "system_u:object_r:ipsec_spd_t:s0";

		c.sadb_x_ctx_len = sizeof(ctx);
		memset(e, 0, sizeof(e));
		memcpy(e, &c, sizeof(c));
		memcpy(e + sizeof(c), ctx, sizeof(ctx));
		t_ext(&t, SADB_X_EXT_SEC_CTX, e, sizeof(c) + sizeof(ctx));
	}
	{
		struct sadb_x_kmaddress k = { 0, 0, 0 };

		memset(e, 0, sizeof(e));
		memcpy(e, &k, sizeof(k));
		o = sizeof(k);
		o += put_sin(e + o, "192.0.2.1", 500);
		o += put_sin(e + o, "192.0.2.2", 4500);
		t_ext(&t, SADB_X_EXT_KMADDRESS, e, o);
	}
	{
		struct sadb_x_filter f;
		uint8_t a[16];

		memset(&f, 0, sizeof(f));
		f.sadb_x_filter_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, "2001:db8::", a), 1);
		memcpy(f.sadb_x_filter_saddr, a, sizeof(a));
		assert_int_equal(inet_pton(AF_INET6, "2001:db8:1::", a), 1);
		memcpy(f.sadb_x_filter_daddr, a, sizeof(a));
		f.sadb_x_filter_splen = 32;
		f.sadb_x_filter_dplen = 48;
		t_ext(&t, SADB_X_EXT_FILTER, &f, sizeof(f));
		f.sadb_x_filter_family = 99;
		t_ext(&t, SADB_X_EXT_FILTER, &f, sizeof(f));
	}
	{
		struct sadb_x_pair p = { 0, 0, htonl(0x1001) };
		struct sadb_x_replay_ctr r = { 0, 0, 17, 1ULL << 40 };
		struct sadb_x_kmc k = { 0, 0, SADB_X_KMP_IKEV2,
					0x0123456789abcdefULL };

		t_ext(&t, SADB_X_EXT_PAIR, &p, sizeof(p));
		t_ext(&t, SADB_X_EXT_REPLAY_VALUE, &r, sizeof(r));
		t_ext(&t, SADB_X_EXT_KM_COOKIE, &k, sizeof(k));
	}
	{
		struct sadb_lifetime lt = { 0, 0, 1, 1ULL << 33, 3600, 60 };
		struct sadb_address a = { 0, 0, 17, 128, 0x0201 };

		t_ext(&t, SADB_X_EXT_LIFETIME_IDLE, &lt, sizeof(lt));
		memset(e, 0, sizeof(e));
		memcpy(e, &a, sizeof(a));
		put_sin6(e + sizeof(a), "2001:db8::5", 4500, 0);
		t_ext(&t, SADB_X_EXT_ADDRESS_INNER_DST, e,
		      sizeof(a) + sizeof(struct sockaddr_in6));
	}
	/* A type this ABI does not know. */
	{
		uint8_t u[16] = { 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };

		t_ext(&t, 30, u, sizeof(u));
	}

	expect_print(
		"sadb_msg{ version=2 type=6 errno=0 satype=3\n"
		"  len=70 reserved=0 seq=9 pid=10\n"
		"sadb_ext{ len=4 type=10 }\n"
		"sadb_ident{ type=2 id=42\n"
		"  str=\"gw.\\\"ex\\\\ample\\\"\\x09\\x80\" }\n"
		"sadb_ext{ len=2 type=11 }\n"
		"sadb_ident{ type=2 id=42 }\n"
		"sadb_ext{ len=5 type=12 }\n"
		"sadb_sens{ dpd=1 sens_level=5 sens_len=1 integ_level=6"
		" integ_len=2 }\n"
		"  sens[0]=0x8000000000000001\n"
		"  integ[0]=0x0000000000000002\n"
		"  integ[1]=0x0000000000000003\n"
		"sadb_ext{ len=10 type=13 }\n"
		"sadb_prop{ replay=32 }\n"
		"sadb_comb{ auth=3 encrypt=12 flags=0x0001 reserved=0x00000000\n"
		"  auth_minbits=160 auth_maxbits=160 encrypt_minbits=128"
		" encrypt_maxbits=256\n"
		"  soft_alloc=1 hard_alloc=2 soft_bytes=3 hard_bytes=4\n"
		"  soft_addtime=5 hard_addtime=6 soft_usetime=7"
		" hard_usetime=8 }\n"
		"sadb_ext{ len=2 type=16 }\n"
		"sadb_spirange{ min=0x00000100 max=0xffffffff }\n"
		"sadb_ext{ len=2 type=17 }\n"
		"sadb_x_kmprivate{ reserved=0 }\n"
		"  000000d0: 5a5a 5a5a 5a5a 5a5a\n"
		"sadb_ext{ len=1 type=20 }\n"
		"sadb_x_nat_t_type{ type=2 }\n"
		"sadb_ext{ len=1 type=21 }\n"
		"sadb_x_nat_t_port{ port=4500 }\n"
		"sadb_ext{ len=1 type=22 }\n"
		"sadb_x_nat_t_port{ port=1701 }\n"
		"sadb_ext{ len=3 type=23 }\n"
		"sadb_address{ proto=0 prefixlen=32 reserved=0x0000 }\n"
		"sockaddr{ len=16 family=2 port=0\n"
		"  198.51.100.7 }\n"
		"sadb_ext{ len=6 type=24 }\n"
		"sadb_x_sec_ctx{ alg=1 doi=1 len=33\n"
		"  ctx=\"system_u:object_r:ipsec_spd_t:s0\" }\n"
		"sadb_ext{ len=5 type=25 }\n"
		"sadb_x_kmaddress{ reserved=0 }\n"
		"sockaddr{ len=16 family=2 port=500\n"
		"  192.0.2.1 }\n"
		"sockaddr{ len=16 family=2 port=4500\n"
		"  192.0.2.2 }\n"
		"sadb_ext{ len=5 type=26 }\n"
		"sadb_x_filter{ family=10 splen=32 dplen=48\n"
		"  src=2001:db8:: dst=2001:db8:1:: }\n"
		"sadb_ext{ len=5 type=26 }\n"
		"sadb_x_filter{ family=99 splen=32 dplen=48\n"
		"  src=20010db8000000000000000000000000"
		" dst=20010db8000100000000000000000000 }\n"
		"sadb_ext{ len=1 type=35 }\n"
		"sadb_x_pair{ spi=4097 }\n"
		"sadb_ext{ len=2 type=36 }\n"
		"sadb_x_replay_ctr{ replay32=17 replay64=1099511627776 }\n"
		"sadb_ext{ len=2 type=37 }\n"
		"sadb_x_kmc{ proto=3 cookie=0x0123456789abcdef }\n"
		"sadb_ext{ len=4 type=38 }\n"
		"sadb_lifetime{ alloc=1, bytes=8589934592\n"
		"  addtime=3600, usetime=60 }\n"
		"sadb_ext{ len=5 type=32 }\n"
		"sadb_address{ proto=17 prefixlen=128 reserved=0x0102 }\n"
		"sockaddr{ len=28 family=10 port=4500\n"
		"  2001:db8::5 }\n"
		"sadb_ext{ len=2 type=30 }\n"
		"  00000220: 0200 1e00 0102 0304 0506 0708 0900 0000\n"
		"}\n", 0, NULL, t.b, t.len, 0);
}

/* ----------------------------------------------- bodies that do not fit */

static void test_short_bodies(void **state)
{
	static const struct {
		uint16_t type;
		const char *text;
	} cases[] = {
		{ SADB_EXT_SA, "sadb_sa{ short: 8 bytes, 16 needed }" },
		{ SADB_EXT_LIFETIME_HARD,
		  "sadb_lifetime{ short: 8 bytes, 32 needed }" },
		{ SADB_EXT_IDENTITY_SRC,
		  "sadb_ident{ short: 8 bytes, 16 needed }" },
		{ SADB_EXT_SENSITIVITY,
		  "sadb_sens{ short: 8 bytes, 16 needed }" },
		{ SADB_EXT_SPIRANGE,
		  "sadb_spirange{ short: 8 bytes, 16 needed }" },
		{ SADB_X_EXT_POLICY,
		  "sadb_x_policy{ short: 8 bytes, 16 needed }" },
		{ SADB_X_EXT_SA2, "sadb_x_sa2{ short: 8 bytes, 16 needed }" },
		{ SADB_X_EXT_FILTER,
		  "sadb_x_filter{ short: 8 bytes, 40 needed }" },
		{ SADB_X_EXT_REPLAY_VALUE,
		  "sadb_x_replay_ctr{ short: 8 bytes, 16 needed }" },
		{ SADB_X_EXT_KM_COOKIE,
		  "sadb_x_kmc{ short: 8 bytes, 16 needed }" },
		{ SADB_EXT_ADDRESS_SRC,
		  "sadb_address{ proto=0 prefixlen=0 reserved=0x0000 }\n"
		  "sockaddr{ short: 0 bytes, 2 needed }" },
		{ SADB_X_EXT_KMADDRESS,
		  "sadb_x_kmaddress{ reserved=0 }\n"
		  "sockaddr{ short: 0 bytes, 2 needed }" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tmsg t;
		uint8_t e[8] = { 0 };
		char expected[512];

		t_begin(&t, SADB_ADD, SADB_SATYPE_ESP, 1, 2);
		t_ext(&t, cases[i].type, e, sizeof(e));
		snprintf(expected, sizeof(expected),
			 "sadb_msg{ version=2 type=3 errno=0 satype=3\n"
			 "  len=3 reserved=0 seq=1 pid=2\n"
			 "sadb_ext{ len=1 type=%u }\n%s\n}\n",
			 cases[i].type, cases[i].text);
		expect_print(expected, -EINVAL, NULL, t.b, t.len, 0);
	}
}

static void test_malformed_bodies(void **state)
{
	struct tmsg t;
	uint8_t e[64] = { 0 };
	struct sadb_key k = { 0, 0, 256, 0 };
	struct sadb_sens s = { 0, 0, 0, 1, 2, 1, 1, 0 };
	struct sadb_x_sec_ctx c = { 0, 0, 1, 1, 200 };
	struct sadb_address a = { 0, 0, 0, 32, 0 };
	uint16_t fam;

	(void)state;
	t_begin(&t, SADB_ADD, SADB_SATYPE_ESP, 1, 2);
	/* 256 key bits in 8 bytes. */
	memset(e, 0x11, sizeof(e));
	memcpy(e, &k, sizeof(k));
	t_ext(&t, SADB_EXT_KEY_ENCRYPT, e, sizeof(k) + 8);
	/* Three bitmap words announced, one present. */
	memset(e, 0, sizeof(e));
	memcpy(e, &s, sizeof(s));
	t_ext(&t, SADB_EXT_SENSITIVITY, e, sizeof(s) + 8);
	/* A context longer than the extension. */
	memset(e, 'x', sizeof(e));
	memcpy(e, &c, sizeof(c));
	t_ext(&t, SADB_X_EXT_SEC_CTX, e, sizeof(c) + 8);
	/* A proposal with half a combination. */
	memset(e, 0, sizeof(e));
	t_ext(&t, SADB_EXT_PROPOSAL, e, sizeof(struct sadb_prop) + 40);
	/* An IPv4 address cut to 8 bytes of sockaddr. */
	memcpy(e, &a, sizeof(a));
	fam = AF_INET;
	memcpy(e + sizeof(a), &fam, sizeof(fam));
	t_ext(&t, SADB_EXT_ADDRESS_DST, e, sizeof(a) + 8);
	/* An address of an unknown family: shown as hex. */
	fam = 77;
	memcpy(e + sizeof(a), &fam, sizeof(fam));
	e[sizeof(a) + 2] = 0xab;
	t_ext(&t, SADB_EXT_ADDRESS_SRC, e, sizeof(a) + 8);

	expect_print(
		"sadb_msg{ version=2 type=3 errno=0 satype=3\n"
		"  len=19 reserved=0 seq=1 pid=2\n"
		"sadb_ext{ len=2 type=9 }\n"
		"sadb_key{ bits=256 reserved=0\n"
		"  key= 11111111 11111111 }\n"
		"sadb_key bits=256 need 32 bytes, 8 present\n"
		"sadb_ext{ len=3 type=12 }\n"
		"sadb_sens{ dpd=0 sens_level=1 sens_len=2 integ_level=1"
		" integ_len=1 }\n"
		"  sens[0]=0x0000000000000000\n"
		"sadb_sens bitmaps need 3 words, 1 present\n"
		"sadb_ext{ len=2 type=24 }\n"
		"sadb_x_sec_ctx{ alg=1 doi=1 len=200\n"
		"  ctx=\"xxxxxxxx\" }\n"
		"sadb_x_sec_ctx len=200: 8 bytes present\n"
		"sadb_ext{ len=6 type=13 }\n"
		"sadb_prop{ replay=0 }\n"
		"40 bytes after the last sadb_comb\n"
		"sadb_ext{ len=2 type=6 }\n"
		"sadb_address{ proto=0 prefixlen=32 reserved=0x0000 }\n"
		"sockaddr{ family=2 short: 8 bytes, 16 needed }\n"
		"sadb_ext{ len=2 type=5 }\n"
		"sadb_address{ proto=0 prefixlen=32 reserved=0x0000 }\n"
		"sockaddr{ len=8 family=77 }\n"
		"  00000090: 4d00 ab00 0000 0000\n"
		"}\n", -EINVAL, NULL, t.b, t.len, 0);

	/* Hidden, the short key shows only XX. */
	{
		char *text;

		print_to(&text, NULL, t.b, t.len, PK_PRINT_HIDE_KEYS);
		assert_non_null(strstr(text, "  key= XXXXXXXX XXXXXXXX }\n"));
		assert_null(strstr(text, "11"));
		free(text);
	}
}

/* A long key wraps after 16 bytes; an empty one prints nothing. */
static void test_key_wrapping(void **state)
{
	struct tmsg t;
	uint8_t e[8 + 64];
	struct sadb_key k = { 0, 0, 512, 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(e); i++)
		e[i] = (uint8_t)(i - 8);
	memcpy(e, &k, sizeof(k));
	t_begin(&t, SADB_ADD, SADB_SATYPE_AH, 1, 2);
	t_ext(&t, SADB_EXT_KEY_AUTH, e, sizeof(e));
	k.sadb_key_bits = 0;
	t_ext(&t, SADB_EXT_KEY_ENCRYPT, &k, sizeof(k));
	expect_print(
		"sadb_msg{ version=2 type=3 errno=0 satype=2\n"
		"  len=12 reserved=0 seq=1 pid=2\n"
		"sadb_ext{ len=9 type=8 }\n"
		"sadb_key{ bits=512 reserved=0\n"
		"  key= 00010203 04050607 08090a0b 0c0d0e0f\n"
		"       10111213 14151617 18191a1b 1c1d1e1f\n"
		"       20212223 24252627 28292a2b 2c2d2e2f\n"
		"       30313233 34353637 38393a3b 3c3d3e3f }\n"
		"sadb_ext{ len=1 type=9 }\n"
		"sadb_key{ bits=0 reserved=0\n"
		"  key= }\n"
		"}\n", 0, NULL, t.b, t.len, 0);
}

/* ------------------------------------------------------- pk_print_hex */

static void test_print_hex(void **state)
{
	uint8_t b[40];
	char *text;

	(void)state;
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(0xf0 + i);
	text = hex_to(NULL, b, 0);
	assert_string_equal(text, "");
	free(text);
	text = hex_to(NULL, b, 1);
	assert_string_equal(text, "00000000: f0\n");
	free(text);
	text = hex_to("x ", b, 3);
	assert_string_equal(text, "x 00000000: f0f1 f2\n");
	free(text);
	text = hex_to(NULL, b, 16);
	assert_string_equal(text,
		"00000000: f0f1 f2f3 f4f5 f6f7 f8f9 fafb fcfd feff\n");
	free(text);
	text = hex_to("| ", b, 35);
	assert_string_equal(text,
		"| 00000000: f0f1 f2f3 f4f5 f6f7 f8f9 fafb fcfd feff\n"
		"| 00000010: 0001 0203 0405 0607 0809 0a0b 0c0d 0e0f\n"
		"| 00000020: 1011 12\n");
	free(text);
}

/* --------------------------------------------------- mutated messages */

/*
 * Every byte of the real messages replaced by a few values, and printed
 * with every flag set: the printer must neither crash nor read past the
 * buffer (ASan checks the latter), and always ends the message.
 */
static void test_mutations(void **state)
{
	static const uint8_t values[] = { 0x00, 0x01, 0x07, 0x80, 0xff };
	const struct {
		const uint8_t *msg;
		size_t len;
	} fixtures[] = {
		{ kernel_get_reply, kernel_get_reply_len },
		{ kernel_add_request, kernel_add_request_len },
	};

	(void)state;
	for (size_t fx = 0; fx < 2; fx++) {
		size_t len = fixtures[fx].len;
		uint8_t *b = malloc(len);

		assert_non_null(b);
		for (size_t pos = 0; pos < len; pos++) {
			for (size_t v = 0; v < sizeof(values); v++) {
				char *text;
				int rc;

				memcpy(b, fixtures[fx].msg, len);
				b[pos] = values[v];
				rc = print_to(&text, NULL, b, len,
					      PK_PRINT_HEX |
					      PK_PRINT_HIDE_KEYS);
				assert_true(rc == 0 || rc == -EINVAL);
				assert_string_equal(text + strlen(text) - 2,
						    "}\n");
				free(text);
			}
		}
		free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_reply),
		cmocka_unit_test(test_add_request),
		cmocka_unit_test(test_add_request_fixed_len),
		cmocka_unit_test(test_prefix_on_every_line),
		cmocka_unit_test(test_hex_rows_of_message),
		cmocka_unit_test(test_hide_keys),
		cmocka_unit_test(test_hide_keys_in_hex_rows),
		cmocka_unit_test(test_hide_keys_odd_places),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_truncated_in_key),
		cmocka_unit_test(test_truncated_in_ext_header),
		cmocka_unit_test(test_short_header),
		cmocka_unit_test(test_zero_length_ext),
		cmocka_unit_test(test_header_only_error_reply),
		cmocka_unit_test(test_msg_len_shorter_than_bytes),
		cmocka_unit_test(test_unaligned),
		cmocka_unit_test(test_null_stream),
		cmocka_unit_test(test_policy_two_requests),
		cmocka_unit_test(test_policy_v6_and_bad_requests),
		cmocka_unit_test(test_supported_register_reply),
		cmocka_unit_test(test_other_extensions),
		cmocka_unit_test(test_short_bodies),
		cmocka_unit_test(test_malformed_bodies),
		cmocka_unit_test(test_key_wrapping),
		cmocka_unit_test(test_print_hex),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
