/*
 * test_print_setkey.c - setkey's dump formats (lib/print_setkey.c): the
 * exact text of "setkey -D" and "setkey -DP" entries, byte for byte,
 * trailing spaces included.
 *
 * Messages are built with the pk_add_* builder and go through
 * pk_msg_parse(), as a dump reply does in setkey.  Dates are checked in
 * UTC (main() sets TZ=UTC).  The reference texts quoted here are the
 * examples of ../shared/reference/setkey-behavior.md.
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
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "pfkey/alg.h"
#include "pfkey/msg.h"
#include "pfkey/pfkeyv2.h"
#include "pfkey/print_setkey.h"
#include "fixtures.h"

/* Nov 23 16:05:14 2026 UTC, the reference's date. */
#define T_REF		((time_t)1795449914)
/* Nov  3 06:07:08 2026 UTC: a one-digit day. */
#define T_DAY3		((time_t)1793686028)

/* ------------------------------------------------------------ helpers */

struct tmsg {
	uint8_t		mem[4096] __attribute__((aligned(8)));
	struct pk_buf	b;
	struct pk_msg	m;
};

static void t_begin(struct tmsg *t, uint8_t type, uint8_t satype,
		    uint32_t seq, uint32_t pid)
{
	memset(t, 0, sizeof(*t));
	pk_buf_init(&t->b, t->mem, sizeof(t->mem));
	assert_int_equal(pk_msg_begin(&t->b, type, satype, seq, pid), 0);
}

static void t_addr(struct tmsg *t, uint16_t exttype, const char *addr,
		   uint16_t port, uint8_t proto, int plen)
{
	struct sockaddr_storage ss;
	uint8_t full = strchr(addr, ':') != NULL ? 128 : 32;

	assert_int_equal(pk_add_address(&t->b, exttype,
					fixture_sa(&ss, addr, port), proto,
					plen < 0 ? full : (uint8_t)plen), 0);
}

static const struct pk_msg *t_parse(struct tmsg *t)
{
	struct pk_diag d;
	int rc;

	assert_int_equal(pk_buf_error(&t->b), 0);
	memset(&d, 0, sizeof(d));
	rc = pk_msg_parse(&t->m, t->b.base, t->b.len, &d);
	if (rc != 0)
		fprintf(stderr, "parse: %s\n", d.detail);
	assert_int_equal(rc, 0);
	return &t->m;
}

/* Runs one printer into memory; the caller frees the text. */
static char *run(int (*fn)(FILE *, const struct pk_msg *, unsigned, time_t),
		 const struct pk_msg *m, unsigned flags, time_t now, int *rc)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	assert_non_null(f);
	*rc = fn(f, m, flags, now);
	assert_int_equal(fclose(f), 0);
	assert_non_null(buf);
	return buf;
}

static void expect_sa(const char *expected, struct tmsg *t, unsigned flags,
		      time_t now)
{
	int rc;
	char *text = run(pk_setkey_print_sa, t_parse(t), flags, now, &rc);

	assert_string_equal(text, expected);
	assert_int_equal(rc, 0);
	free(text);
}

static void expect_policy(const char *expected, struct tmsg *t,
			  unsigned flags)
{
	int rc;
	char *text = run(pk_setkey_print_policy, t_parse(t), flags, T_REF,
			 &rc);

	assert_string_equal(text, expected);
	assert_int_equal(rc, 0);
	free(text);
}

/* The SA's text, asserting success; the caller frees it. */
static char *sa_text(struct tmsg *t, unsigned flags, time_t now)
{
	int rc;
	char *text = run(pk_setkey_print_sa, t_parse(t), flags, now, &rc);

	assert_int_equal(rc, 0);
	return text;
}

static void assert_contains(const char *text, const char *needle)
{
	if (strstr(text, needle) == NULL) {
		fprintf(stderr, "expected to find [%s] in:\n%s\n", needle, text);
		fail();
	}
}

static void assert_lacks(const char *text, const char *needle)
{
	if (strstr(text, needle) != NULL) {
		fprintf(stderr, "did not expect [%s] in:\n%s\n", needle, text);
		fail();
	}
}

static uint8_t seqkey[256];	/* 00 01 02 ... */

/*
 * An SA between 192.0.2.1 and 192.0.2.2 with SA2 (mode, reqid), keys of
 * ebits/abits from seqkey where non-zero, and no lifetimes.
 */
static void t_sa(struct tmsg *t, uint8_t satype, uint32_t spi, uint8_t state,
		 uint8_t auth, uint16_t abits, uint8_t encr, uint16_t ebits,
		 uint32_t flags, uint8_t mode, uint32_t reqid)
{
	t_begin(t, SADB_DUMP, satype, 7, 99);
	assert_int_equal(pk_add_sa(&t->b, spi, 32, state, auth, encr, flags),
			 0);
	assert_int_equal(pk_add_sa2(&t->b, mode, reqid, 0), 0);
	t_addr(t, SADB_EXT_ADDRESS_SRC, "192.0.2.1", 0, 255, -1);
	t_addr(t, SADB_EXT_ADDRESS_DST, "192.0.2.2", 0, 255, -1);
	if (ebits != 0)
		assert_int_equal(pk_add_key(&t->b, SADB_EXT_KEY_ENCRYPT,
					    seqkey, ebits, 0), 0);
	if (abits != 0)
		assert_int_equal(pk_add_key(&t->b, SADB_EXT_KEY_AUTH, seqkey,
					    abits, 0), 0);
}

static void t_lifetimes(struct tmsg *t, uint64_t created, uint64_t used)
{
	assert_int_equal(pk_add_lifetime(&t->b, SADB_EXT_LIFETIME_CURRENT, 0,
					 0, created, used), 0);
	assert_int_equal(pk_add_lifetime(&t->b, SADB_EXT_LIFETIME_HARD, 0, 0,
					 0, 0), 0);
	assert_int_equal(pk_add_lifetime(&t->b, SADB_EXT_LIFETIME_SOFT, 0, 0,
					 0, 0), 0);
}

/* The fixed tail of t_sa() + t_lifetimes(T_REF, 0) printed at T_REF. */
#define TAIL_STATE(state) \
	"\tseq=0x00000000 replay=32 flags=0x00000000 state=" state " \n"
#define TAIL_LIFE \
	"\tcreated: Nov 23 16:05:14 2026\tcurrent: Nov 23 16:05:14 2026\n" \
	"\tdiff: 0(s)\thard: 0(s)\tsoft: 0(s)\n" \
	"\tlast:                     \thard: 0(s)\tsoft: 0(s)\n" \
	"\tcurrent: 0(bytes)\thard: 0(bytes)\tsoft: 0(bytes)\n" \
	"\tallocated: 0\thard: 0\tsoft: 0\n" \
	"\tsadb_seq=7 pid=99 refcnt=0\n"

/* ================================================================ SAD */

/* The reference's example, reconstructed: every byte must match. */
static void test_sa_reference_example(void **state)
{
	static const char expected[] =
		"192.0.2.1 192.0.2.2 \n"
		"\tesp mode=tunnel spi=4097(0x00001001) reqid=16385(0x00004001)\n"
		"\tE: 3des-cbc  31323334 35363738 39303132 33343536 37383930 31323334\n"
		"\tA: hmac-sha256  00010203 04050607 08090a0b 0c0d0e0f 10111213 14151617 18191a1b 1c1d1e1f\n"
		"\tseq=0x00000000 replay=32 flags=0x00000000 state=mature \n"
		"\tcreated: Nov 23 16:05:14 2026\tcurrent: Nov 23 16:05:14 2026\n"
		"\tdiff: 0(s)\thard: 3600(s)\tsoft: 2880(s)\n"
		"\tlast:                     \thard: 0(s)\tsoft: 0(s)\n"
		"\tcurrent: 0(bytes)\thard: 1000000(bytes)\tsoft: 800000(bytes)\n"
		"\tallocated: 0\thard: 0\tsoft: 0\n"
		"\tsadb_seq=0 pid=23680 refcnt=0\n";
	static const uint8_t ekey[] = "123456789012345678901234";
	struct tmsg t;

	(void)state;
	t_begin(&t, SADB_DUMP, SADB_SATYPE_ESP, 0, 23680);
	pk_add_sa(&t.b, 4097, 32, SADB_SASTATE_MATURE,
		  SADB_X_AALG_SHA2_256HMAC, SADB_EALG_3DESCBC, 0);
	pk_add_sa2(&t.b, IPSEC_MODE_TUNNEL, 16385, 0);
	pk_add_lifetime(&t.b, SADB_EXT_LIFETIME_CURRENT, 0, 0,
			(uint64_t)T_REF, 0);
	pk_add_lifetime(&t.b, SADB_EXT_LIFETIME_HARD, 0, 1000000, 3600, 0);
	pk_add_lifetime(&t.b, SADB_EXT_LIFETIME_SOFT, 0, 800000, 2880, 0);
	t_addr(&t, SADB_EXT_ADDRESS_SRC, "192.0.2.1", 0, 255, -1);
	t_addr(&t, SADB_EXT_ADDRESS_DST, "192.0.2.2", 0, 255, -1);
	pk_add_key(&t.b, SADB_EXT_KEY_AUTH, seqkey, 256, 0);
	pk_add_key(&t.b, SADB_EXT_KEY_ENCRYPT, ekey, 192, 0);
	expect_sa(expected, &t, 0, T_REF);
}

/* Lifetimes, usage and allocations in every column, an hour later. */
static void test_sa_lifetime_columns(void **state)
{
	static const char expected[] =
		"192.0.2.1 192.0.2.2 \n"
		"\tah mode=transport spi=256(0x00000100) reqid=0(0x00000000)\n"
		"\tA: hmac-sha1  00010203 04050607 08090a0b 0c0d0e0f 10111213\n"
		"\tseq=0x0000002a replay=4 flags=0x00000040 state=dying \n"
		"\tcreated: Nov 23 16:05:14 2026\tcurrent: Nov 23 17:05:15 2026\n"
		"\tdiff: 3601(s)\thard: 7200(s)\tsoft: 3600(s)\n"
		"\tlast: Nov 23 16:06:14 2026\thard: 600(s)\tsoft: 300(s)\n"
		"\tcurrent: 123456789012(bytes)\thard: 18446744073709551615(bytes)\tsoft: 9(bytes)\n"
		"\tallocated: 17\thard: 4294967295\tsoft: 5\n"
		"\tsadb_seq=4294967295 pid=1 refcnt=0\n";
	struct tmsg t;

	(void)state;
	t_begin(&t, SADB_GET, SADB_SATYPE_AH, UINT32_MAX, 1);
	pk_add_sa(&t.b, 256, 4, SADB_SASTATE_DYING, SADB_AALG_SHA1HMAC, 0,
		  0x40);
	pk_add_sa2(&t.b, IPSEC_MODE_TRANSPORT, 0, 42);
	t_addr(&t, SADB_EXT_ADDRESS_SRC, "192.0.2.1", 0, 255, -1);
	t_addr(&t, SADB_EXT_ADDRESS_DST, "192.0.2.2", 0, 255, -1);
	pk_add_key(&t.b, SADB_EXT_KEY_AUTH, seqkey, 160, 0);
	pk_add_lifetime(&t.b, SADB_EXT_LIFETIME_CURRENT, 17, 123456789012ULL,
			(uint64_t)T_REF, (uint64_t)T_REF + 60);
	pk_add_lifetime(&t.b, SADB_EXT_LIFETIME_HARD, UINT32_MAX, UINT64_MAX,
			7200, 600);
	pk_add_lifetime(&t.b, SADB_EXT_LIFETIME_SOFT, 5, 9, 3600, 300);
	expect_sa(expected, &t, 0, T_REF + 3601);
}

/* Absent hard/soft lifetimes print as zeros. */
static void test_sa_current_lifetime_only(void **state)
{
	struct tmsg t;
	char *text;

	(void)state;
	t_sa(&t, SADB_SATYPE_ESP, 0x1000, SADB_SASTATE_MATURE, 0, 0,
	     SADB_EALG_NULL, 0, 0, IPSEC_MODE_TRANSPORT, 0);
	pk_add_lifetime(&t.b, SADB_EXT_LIFETIME_CURRENT, 3, 4, 0, 0);
	text = sa_text(&t, 0, T_REF);
	assert_contains(text, "\tdiff: 0(s)\thard: 0(s)\tsoft: 0(s)\n");
	assert_contains(text, "\tcurrent: 4(bytes)\thard: 0(bytes)\t"
			      "soft: 0(bytes)\n");
	assert_contains(text, "\tallocated: 3\thard: 0\tsoft: 0\n");
	free(text);
}

/* Without LIFETIME_CURRENT the six lifetime lines are left out (KAME). */
static void test_sa_no_lifetimes(void **state)
{
	static const char expected[] =
		"192.0.2.1 192.0.2.2 \n"
		"\tesp mode=transport spi=4096(0x00001000) reqid=0(0x00000000)\n"
		"\tE: aes-cbc  00010203 04050607 08090a0b 0c0d0e0f\n"
		"\tA: hmac-sha1  00010203 04050607 08090a0b 0c0d0e0f 10111213\n"
		"\tseq=0x00000000 replay=32 flags=0x00000000 state=mature \n"
		"\tsadb_seq=7 pid=99 refcnt=0\n";
	struct tmsg t;

	(void)state;
	t_sa(&t, SADB_SATYPE_ESP, 0x1000, SADB_SASTATE_MATURE,
	     SADB_AALG_SHA1HMAC, 160, SADB_X_EALG_AESCBC, 128, 0,
	     IPSEC_MODE_TRANSPORT, 0);
	expect_sa(expected, &t, 0, T_REF);
}

static void test_sa_modes(void **state)
{
	static const struct {
		uint8_t		mode;
		const char	*text;
	} cases[] = {
		{ IPSEC_MODE_ANY, "\tesp mode=any spi=" },
		{ IPSEC_MODE_TRANSPORT, "\tesp mode=transport spi=" },
		{ IPSEC_MODE_TUNNEL, "\tesp mode=tunnel spi=" },
		{ IPSEC_MODE_BEET, "\tesp mode=beet spi=" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tmsg t;
		char *text;

		t_sa(&t, SADB_SATYPE_ESP, 0x1000, SADB_SASTATE_MATURE, 0, 0,
		     SADB_EALG_NULL, 0, 0, cases[i].mode, 5);
		text = sa_text(&t, 0, T_REF);
		assert_contains(text, cases[i].text);
		assert_contains(text, " reqid=5(0x00000005)\n");
		free(text);
	}
}

/* No SA2: mode=any reqid=0 and seq 0, the rest as usual. */
static void test_sa_without_sa2(void **state)
{
	static const char expected[] =
		"192.0.2.1 192.0.2.2 \n"
		"\tesp mode=any spi=4096(0x00001000) reqid=0(0x00000000)\n"
		"\tE: null \n"
		"\tA: hmac-md5  00010203 04050607 08090a0b 0c0d0e0f\n"
		TAIL_STATE("mature") TAIL_LIFE;
	struct tmsg t;

	(void)state;
	t_begin(&t, SADB_DUMP, SADB_SATYPE_ESP, 7, 99);
	pk_add_sa(&t.b, 0x1000, 32, SADB_SASTATE_MATURE, SADB_AALG_MD5HMAC,
		  SADB_EALG_NULL, 0);
	t_addr(&t, SADB_EXT_ADDRESS_SRC, "192.0.2.1", 0, 255, -1);
	t_addr(&t, SADB_EXT_ADDRESS_DST, "192.0.2.2", 0, 255, -1);
	pk_add_key(&t.b, SADB_EXT_KEY_AUTH, seqkey, 128, 0);
	t_lifetimes(&t, (uint64_t)T_REF, 0);
	expect_sa(expected, &t, 0, T_REF);
}

/* Key length the table gives an algorithm for a test: any it accepts. */
static uint16_t some_bits(const struct pk_alg *a)
{
	if (a->flags & PK_ALGF_NOKEY)
		return 0;
	if (a->default_bits != 0)
		return a->default_bits;
	if (a->min_bits != 0)
		return a->min_bits;
	return a->max_bits != 0 ? a->max_bits : 128;
}

/* Every row of the one table prints its canonical name. */
static void test_sa_every_algorithm_name(void **state)
{
	const struct pk_alg *tab;
	size_t n, i, seen[4] = { 0 };

	(void)state;
	tab = pk_alg_table(&n);
	assert_true(n > 20);
	for (i = 0; i < n; i++) {
		const struct pk_alg *a = &tab[i];
		uint16_t bits = some_bits(a);
		char want[128];
		struct tmsg t;
		char *text;

		if (a->flags & PK_ALGF_SYNONYM)
			continue;
		switch (a->cls) {
		case PK_ALG_AUTH:
			t_sa(&t, (a->flags & PK_ALGF_TCP) ?
				     SADB_X_SATYPE_TCPSIGNATURE : SADB_SATYPE_AH,
			     0x1000, SADB_SASTATE_MATURE, a->id, bits, 0, 0,
			     0, IPSEC_MODE_ANY, 0);
			snprintf(want, sizeof(want), "\n\tA: %s %s", a->name,
				 bits != 0 ? " 00010203" : "\n");
			break;
		case PK_ALG_ENCR:
			t_sa(&t, SADB_SATYPE_ESP, 0x1000, SADB_SASTATE_MATURE,
			     0, 0, a->id, bits, 0, IPSEC_MODE_ANY, 0);
			snprintf(want, sizeof(want), "\n\tE: %s %s", a->name,
				 bits != 0 ? " 00010203" : "\n");
			break;
		case PK_ALG_COMP:
			t_sa(&t, SADB_X_SATYPE_IPCOMP, 0x1000,
			     SADB_SASTATE_MATURE, 0, 0, a->id, 0, 0,
			     IPSEC_MODE_ANY, 0);
			snprintf(want, sizeof(want), "\n\tC: %s \n\tseq=",
				 a->name);
			break;
		default:
			fail();
		}
		assert_string_equal(pk_alg_name(a->cls, a->id), a->name);
		text = sa_text(&t, 0, T_REF);
		assert_contains(text, want);
		free(text);
		seen[a->cls]++;
	}
	assert_true(seen[PK_ALG_AUTH] >= 9);
	assert_true(seen[PK_ALG_ENCR] >= 15);
	assert_true(seen[PK_ALG_COMP] >= 3);
}

/* Ids the table has no name for print as numbers. */
static void test_sa_unknown_algorithms(void **state)
{
	struct tmsg t;
	char *text;

	(void)state;
	assert_null(pk_alg_name(PK_ALG_AUTH, 200));
	assert_null(pk_alg_name(PK_ALG_ENCR, 200));
	assert_null(pk_alg_name(PK_ALG_COMP, 77));
	t_sa(&t, SADB_SATYPE_ESP, 0x1000, SADB_SASTATE_MATURE, 200, 64, 200,
	     64, 0, IPSEC_MODE_ANY, 0);
	text = sa_text(&t, 0, T_REF);
	assert_contains(text, "\n\tE: 200  00010203 04050607\n"
			      "\tA: 200  00010203 04050607\n\tseq=");
	free(text);

	t_sa(&t, SADB_X_SATYPE_IPCOMP, 0x1000, SADB_SASTATE_MATURE, 0, 0, 77,
	     0, 0, IPSEC_MODE_ANY, 0);
	text = sa_text(&t, 0, T_REF);
	assert_contains(text, "\n\tC: 77 \n\tseq=");
	free(text);
}

/* 64 bytes: two full lines; the second starts with a space, no TAB. */
static void test_sa_key_wrap_64(void **state)
{
	static const char expected[] =
		"192.0.2.1 192.0.2.2 \n"
		"\tah mode=transport spi=4096(0x00001000) reqid=0(0x00000000)\n"
		"\tA: hmac-sha512  00010203 04050607 08090a0b 0c0d0e0f 10111213 14151617 18191a1b 1c1d1e1f\n"
		" 20212223 24252627 28292a2b 2c2d2e2f 30313233 34353637 38393a3b 3c3d3e3f\n"
		TAIL_STATE("mature") TAIL_LIFE;
	struct tmsg t;

	(void)state;
	t_sa(&t, SADB_SATYPE_AH, 0x1000, SADB_SASTATE_MATURE,
	     SADB_X_AALG_SHA2_512HMAC, 512, 0, 0, 0, IPSEC_MODE_TRANSPORT, 0);
	t_lifetimes(&t, (uint64_t)T_REF, 0);
	expect_sa(expected, &t, 0, T_REF);
}

/* 36 bytes (AES-GCM-256 with its salt): 32, then a line of one group. */
static void test_sa_key_wrap_36(void **state)
{
	static const char expected[] =
		"192.0.2.1 192.0.2.2 \n"
		"\tesp mode=tunnel spi=4096(0x00001000) reqid=1(0x00000001)\n"
		"\tE: aes-gcm16  00010203 04050607 08090a0b 0c0d0e0f 10111213 14151617 18191a1b 1c1d1e1f\n"
		" 20212223\n"
		TAIL_STATE("mature") TAIL_LIFE;
	struct tmsg t;

	(void)state;
	t_sa(&t, SADB_SATYPE_ESP, 0x1000, SADB_SASTATE_MATURE, 0, 0,
	     SADB_X_EALG_AES_GCM_ICV16, 288, 0, IPSEC_MODE_TUNNEL, 1);
	t_lifetimes(&t, (uint64_t)T_REF, 0);
	expect_sa(expected, &t, 0, T_REF);
}

/* Exactly 32 bytes: one line, no empty continuation; odd lengths too. */
static void test_sa_key_lengths(void **state)
{
	struct tmsg t;
	char *text;

	(void)state;
	t_sa(&t, SADB_SATYPE_ESP, 0x1000, SADB_SASTATE_MATURE, 0, 0,
	     SADB_X_EALG_AESCBC, 256, 0, IPSEC_MODE_ANY, 0);
	text = sa_text(&t, 0, T_REF);
	assert_contains(text, "\tE: aes-cbc  00010203 04050607 08090a0b "
			      "0c0d0e0f 10111213 14151617 18191a1b "
			      "1c1d1e1f\n\tseq=");
	free(text);

	/* 5 bytes (cast128 40 bits): a short last group. */
	t_sa(&t, SADB_SATYPE_ESP, 0x1000, SADB_SASTATE_MATURE, 0, 0,
	     SADB_X_EALG_CASTCBC, 40, 0, IPSEC_MODE_ANY, 0);
	text = sa_text(&t, 0, T_REF);
	assert_contains(text, "\tE: cast128-cbc  00010203 04\n");
	free(text);

	/* 65 bytes: a third line of one byte. */
	t_sa(&t, SADB_X_SATYPE_TCPSIGNATURE, 0x1000, SADB_SASTATE_MATURE,
	     SADB_X_AALG_TCP_MD5, 520, 0, 0, 0, IPSEC_MODE_ANY, 0);
	text = sa_text(&t, 0, T_REF);
	assert_contains(text, "3c3d3e3f\n 40\n\tseq=");
	free(text);

	/* 12 bits: the partial last byte is printed, not dropped. */
	t_sa(&t, SADB_X_SATYPE_TCPSIGNATURE, 0x1000, SADB_SASTATE_MATURE,
	     SADB_X_AALG_TCP_MD5, 12, 0, 0, 0, IPSEC_MODE_ANY, 0);
	text = sa_text(&t, 0, T_REF);
	assert_contains(text, "\tA: tcp-md5  0001\n");
	free(text);
}

/* IPComp: the C: line ends with a newline; keys are not printed. */
static void test_sa_ipcomp(void **state)
{
	static const char expected[] =
		"192.0.2.1 192.0.2.2 \n"
		"\tipcomp mode=transport spi=8192(0x00002000) reqid=0(0x00000000)\n"
		"\tC: deflate \n"
		"\tseq=0x00000000 replay=0 flags=0x00000080 state=mature \n"
		TAIL_LIFE;
	struct tmsg t;

	(void)state;
	t_begin(&t, SADB_DUMP, SADB_X_SATYPE_IPCOMP, 7, 99);
	pk_add_sa(&t.b, 0x2000, 0, SADB_SASTATE_MATURE, 0,
		  SADB_X_CALG_DEFLATE, SADB_X_EXT_RAWCPI);
	pk_add_sa2(&t.b, IPSEC_MODE_TRANSPORT, 0, 0);
	t_addr(&t, SADB_EXT_ADDRESS_SRC, "192.0.2.1", 0, 255, -1);
	t_addr(&t, SADB_EXT_ADDRESS_DST, "192.0.2.2", 0, 255, -1);
	t_lifetimes(&t, (uint64_t)T_REF, 0);
	expect_sa(expected, &t, 0, T_REF);
}

/* NAT-T: ports from the NAT-T extensions, esp-udp, the NAT OA line. */
static void test_sa_nat_t(void **state)
{
	static const char expected[] =
		"192.0.2.1[4500] 198.51.100.9[61000] \n"
		"\tesp-udp mode=transport spi=305419896(0x12345678) reqid=0(0x00000000)\n"
		"\tNAT OA=10.1.2.3\n"
		"\tE: aes-cbc  00010203 04050607 08090a0b 0c0d0e0f\n"
		"\tA: hmac-sha1  00010203 04050607 08090a0b 0c0d0e0f 10111213\n"
		"\tseq=0x00000000 replay=32 flags=0x00000000 state=mature \n"
		"\tcreated: Nov 23 16:05:14 2026\tcurrent: Nov 23 16:05:14 2026\n"
		"\tdiff: 0(s)\thard: 0(s)\tsoft: 0(s)\n"
		"\tlast:                     \thard: 0(s)\tsoft: 0(s)\n"
		"\tcurrent: 0(bytes)\thard: 0(bytes)\tsoft: 0(bytes)\n"
		"\tallocated: 0\thard: 0\tsoft: 0\n"
		"\tsadb_seq=7 pid=99 refcnt=0\n";
	struct tmsg t;

	(void)state;
	t_begin(&t, SADB_DUMP, SADB_SATYPE_ESP, 7, 99);
	pk_add_sa(&t.b, 0x12345678, 32, SADB_SASTATE_MATURE,
		  SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 0);
	pk_add_sa2(&t.b, IPSEC_MODE_TRANSPORT, 0, 0);
	t_addr(&t, SADB_EXT_ADDRESS_SRC, "192.0.2.1", 0, 255, -1);
	t_addr(&t, SADB_EXT_ADDRESS_DST, "198.51.100.9", 0, 255, -1);
	pk_add_key(&t.b, SADB_EXT_KEY_ENCRYPT, seqkey, 128, 0);
	pk_add_key(&t.b, SADB_EXT_KEY_AUTH, seqkey, 160, 0);
	pk_add_nat_t_type(&t.b, PK_UDP_ENCAP_ESPINUDP);
	pk_add_nat_t_port(&t.b, SADB_X_EXT_NAT_T_SPORT, 4500);
	pk_add_nat_t_port(&t.b, SADB_X_EXT_NAT_T_DPORT, 61000);
	t_addr(&t, SADB_X_EXT_NAT_T_OA, "10.1.2.3", 0, 0, -1);
	t_lifetimes(&t, (uint64_t)T_REF, 0);
	expect_sa(expected, &t, 0, T_REF);
	/* -p changes nothing on a NAT-T SA. */
	expect_sa(expected, &t, PK_SETKEY_PORTS, T_REF);
}

/* -p on an ordinary SA: the sockaddr ports, "[0]" when none. */
static void test_sa_ports_flag(void **state)
{
	struct tmsg t;
	char *text;

	(void)state;
	t_begin(&t, SADB_DUMP, SADB_SATYPE_ESP, 7, 99);
	pk_add_sa(&t.b, 0x1000, 32, SADB_SASTATE_MATURE, 0, SADB_EALG_NULL,
		  0);
	t_addr(&t, SADB_EXT_ADDRESS_SRC, "192.0.2.1", 500, 255, -1);
	t_addr(&t, SADB_EXT_ADDRESS_DST, "192.0.2.2", 0, 255, -1);
	text = sa_text(&t, PK_SETKEY_PORTS, T_REF);
	assert_true(strncmp(text, "192.0.2.1[500] 192.0.2.2[0] \n\tesp ",
			    34) == 0);
	free(text);
	/* Without -p no port shows, set or not. */
	text = sa_text(&t, 0, T_REF);
	assert_true(strncmp(text, "192.0.2.1 192.0.2.2 \n\tesp ", 26) == 0);
	free(text);
}

/* NAT-T with -p but without port extensions: the sockaddr ports. */
static void test_sa_nat_t_sockaddr_ports(void **state)
{
	struct tmsg t;
	char *text;

	(void)state;
	t_begin(&t, SADB_DUMP, SADB_SATYPE_ESP, 7, 99);
	pk_add_sa(&t.b, 0x1000, 32, SADB_SASTATE_MATURE, 0, SADB_EALG_NULL,
		  0);
	t_addr(&t, SADB_EXT_ADDRESS_SRC, "2001:db8::1", 4500, 255, -1);
	t_addr(&t, SADB_EXT_ADDRESS_DST, "2001:db8::2", 4501, 255, -1);
	pk_add_nat_t_type(&t.b, PK_UDP_ENCAP_ESPINUDP);
	text = sa_text(&t, 0, T_REF);
	assert_true(strncmp(text, "2001:db8::1[4500] 2001:db8::2[4501] \n"
				  "\tesp-udp mode=any ", 55) == 0);
	assert_lacks(text, "NAT OA");
	free(text);
}

static void test_sa_old_transforms(void **state)
{
	struct tmsg t;
	char *text;

	(void)state;
	t_sa(&t, SADB_SATYPE_ESP, 0x1000, SADB_SASTATE_MATURE, 0, 0,
	     SADB_EALG_DESCBC, 64, SADB_X_EXT_OLD, IPSEC_MODE_TRANSPORT, 0);
	text = sa_text(&t, 0, T_REF);
	assert_contains(text, "\n\tesp-old mode=transport spi=4096(");
	assert_contains(text, "\n\tE: des-cbc  00010203 04050607\n");
	assert_contains(text, " flags=0x00000004 state=mature \n");
	free(text);

	t_sa(&t, SADB_SATYPE_AH, 0x1000, SADB_SASTATE_MATURE, SADB_X_AALG_MD5,
	     128, 0, 0, SADB_X_EXT_OLD, IPSEC_MODE_TRANSPORT, 0);
	text = sa_text(&t, 0, T_REF);
	assert_contains(text, "\n\tah-old mode=transport spi=4096(");
	assert_contains(text, "\n\tA: keyed-md5  00010203");
	free(text);

	/* The flag on other types changes nothing. */
	t_sa(&t, SADB_X_SATYPE_IPCOMP, 0x1000, SADB_SASTATE_MATURE, 0, 0,
	     SADB_X_CALG_LZS, 0, SADB_X_EXT_OLD, IPSEC_MODE_TRANSPORT, 0);
	text = sa_text(&t, 0, T_REF);
	assert_contains(text, "\n\tipcomp mode=transport ");
	assert_contains(text, "\n\tC: lzs \n");
	free(text);
}

/* TCP-MD5: satype 11 prints "tcp", the key on the A: line. */
static void test_sa_tcp_md5(void **state)
{
	static const char expected[] =
		"192.0.2.1 192.0.2.2 \n"
		"\ttcp mode=any spi=4096(0x00001000) reqid=0(0x00000000)\n"
		"\tA: tcp-md5  00010203 04050607 08090a0b 0c0d0e0f\n"
		TAIL_STATE("mature") TAIL_LIFE;
	struct tmsg t;

	(void)state;
	t_sa(&t, SADB_X_SATYPE_TCPSIGNATURE, 0x1000, SADB_SASTATE_MATURE,
	     SADB_X_AALG_TCP_MD5, 128, 0, 0, 0, IPSEC_MODE_ANY, 0);
	t_lifetimes(&t, (uint64_t)T_REF, 0);
	expect_sa(expected, &t, 0, T_REF);
}

static void test_sa_states(void **state)
{
	static const struct {
		uint8_t		state;
		const char	*text;
	} cases[] = {
		{ SADB_SASTATE_LARVAL, " state=larval \n" },
		{ SADB_SASTATE_MATURE, " state=mature \n" },
		{ SADB_SASTATE_DYING, " state=dying \n" },
		{ SADB_SASTATE_DEAD, " state=dead \n" },
		{ SADB_X_SASTATE_ACTIVE_ELSEWHERE, " state=active_elsewhere \n" },
		{ SADB_X_SASTATE_IDLE, " state=idle \n" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tmsg t;
		char *text;

		t_sa(&t, SADB_SATYPE_ESP, 0x1000, cases[i].state,
		     SADB_AALG_SHA1HMAC, 160, SADB_X_EALG_AESCBC, 128, 0,
		     IPSEC_MODE_ANY, 0);
		text = sa_text(&t, 0, T_REF);
		assert_contains(text, cases[i].text);
		free(text);
	}
}

/* A larval SA (GETSPI): no keys, no algorithms, so no key lines. */
static void test_sa_larval_no_keys(void **state)
{
	static const char expected[] =
		"192.0.2.1 192.0.2.2 \n"
		"\tesp mode=any spi=3735928559(0xdeadbeef) reqid=0(0x00000000)\n"
		TAIL_STATE("larval") TAIL_LIFE;
	struct tmsg t;

	(void)state;
	t_sa(&t, SADB_SATYPE_ESP, 0xdeadbeef, SADB_SASTATE_LARVAL, 0, 0, 0, 0,
	     0, IPSEC_MODE_ANY, 0);
	t_lifetimes(&t, (uint64_t)T_REF, 0);
	expect_sa(expected, &t, 0, T_REF);
}

/* Zero times: 20 spaces each, diff 0; a one-digit day padded. */
static void test_sa_zero_times(void **state)
{
	struct tmsg t;
	char *text;

	(void)state;
	t_sa(&t, SADB_SATYPE_ESP, 0x1000, SADB_SASTATE_MATURE, 0, 0,
	     SADB_EALG_NULL, 0, 0, IPSEC_MODE_ANY, 0);
	t_lifetimes(&t, 0, (uint64_t)T_DAY3);
	text = sa_text(&t, 0, T_REF);
	assert_contains(text, "\tcreated:                     \t"
			      "current: Nov 23 16:05:14 2026\n"
			      "\tdiff: 0(s)\t");
	assert_contains(text, "\tlast: Nov  3 06:07:08 2026\thard: 0(s)");
	free(text);

	/* now 0: the current column is blank too. */
	t_sa(&t, SADB_SATYPE_ESP, 0x1000, SADB_SASTATE_MATURE, 0, 0,
	     SADB_EALG_NULL, 0, 0, IPSEC_MODE_ANY, 0);
	t_lifetimes(&t, 0, 0);
	text = sa_text(&t, 0, 0);
	assert_contains(text, "\tcreated:                     \t"
			      "current:                     \n");
	assert_contains(text, "\tlast:                     \thard: 0(s)");
	free(text);
}

/* Creation in the future (clock stepped back): diff 0, not 2^64 - N. */
static void test_sa_diff_never_negative(void **state)
{
	struct tmsg t;
	char *text;

	(void)state;
	t_sa(&t, SADB_SATYPE_ESP, 0x1000, SADB_SASTATE_MATURE, 0, 0,
	     SADB_EALG_NULL, 0, 0, IPSEC_MODE_ANY, 0);
	t_lifetimes(&t, (uint64_t)T_REF + 100, 0);
	text = sa_text(&t, 0, T_REF);
	assert_contains(text, "\tdiff: 0(s)\t");
	free(text);
}

/* Dates are local time: TZ changes the text. */
static void test_sa_local_time(void **state)
{
	struct tmsg t;
	char *text;

	(void)state;
	assert_int_equal(setenv("TZ", "EST5", 1), 0);
	tzset();
	t_sa(&t, SADB_SATYPE_ESP, 0x1000, SADB_SASTATE_MATURE, 0, 0,
	     SADB_EALG_NULL, 0, 0, IPSEC_MODE_ANY, 0);
	t_lifetimes(&t, (uint64_t)T_REF, 0);
	text = sa_text(&t, 0, T_REF);
	assert_int_equal(setenv("TZ", "UTC", 1), 0);
	tzset();
	assert_contains(text, "\tcreated: Nov 23 11:05:14 2026\t"
			      "current: Nov 23 11:05:14 2026\n");
	free(text);
}

/* Every bit of the SPI and of the replay window is printed. */
static void test_sa_no_truncation(void **state)
{
	struct tmsg t;
	char *text;

	(void)state;
	t_begin(&t, SADB_DUMP, SADB_SATYPE_ESP, 7, 99);
	pk_add_sa(&t.b, 0xffffffffU, 255, SADB_SASTATE_MATURE, 0,
		  SADB_EALG_NULL, 0xffffffffU);
	pk_add_sa2(&t.b, IPSEC_MODE_TUNNEL, 0xffffffffU, 0xfffffffeU);
	t_addr(&t, SADB_EXT_ADDRESS_SRC, "192.0.2.1", 0, 255, -1);
	t_addr(&t, SADB_EXT_ADDRESS_DST, "192.0.2.2", 0, 255, -1);
	text = sa_text(&t, 0, T_REF);
	/* All flags set, SADB_X_EXT_OLD among them. */
	assert_contains(text, "\tesp-old mode=tunnel spi=4294967295(0xffffffff) "
			      "reqid=4294967295(0xffffffff)\n");
	assert_contains(text, "\tseq=0xfffffffe replay=255 flags=0xffffffff "
			      "state=mature \n");
	free(text);
}

static void test_sa_ipv6(void **state)
{
	struct tmsg t;
	char *text;

	(void)state;
	t_begin(&t, SADB_DUMP, SADB_SATYPE_AH, 3, 4);
	pk_add_sa(&t.b, 0x300, 32, SADB_SASTATE_MATURE,
		  SADB_X_AALG_AES_XCBC_MAC, 0, 0);
	t_addr(&t, SADB_EXT_ADDRESS_SRC, "2001:db8::1", 0, 255, -1);
	t_addr(&t, SADB_EXT_ADDRESS_DST, "fe80::2", 0, 255, -1);
	pk_add_key(&t.b, SADB_EXT_KEY_AUTH, seqkey, 128, 0);
	text = sa_text(&t, 0, T_REF);
	assert_string_equal(text,
		"2001:db8::1 fe80::2 \n"
		"\tah mode=any spi=768(0x00000300) reqid=0(0x00000000)\n"
		"\tA: aes-xcbc-mac  00010203 04050607 08090a0b 0c0d0e0f\n"
		"\tseq=0x00000000 replay=32 flags=0x00000000 state=mature \n"
		"\tsadb_seq=3 pid=4 refcnt=0\n");
	free(text);
}

/* An SA type without a name prints its number. */
static void test_sa_other_satypes(void **state)
{
	struct tmsg t;
	char *text;

	(void)state;
	t_sa(&t, SADB_SATYPE_RSVP, 0x1000, SADB_SASTATE_MATURE,
	     SADB_AALG_MD5HMAC, 128, 0, 0, 0, IPSEC_MODE_ANY, 0);
	text = sa_text(&t, 0, T_REF);
	assert_contains(text, "\n\trsvp mode=any spi=");
	assert_contains(text, "\n\tA: hmac-md5  ");
	free(text);
}

static void test_sa_sec_ctx(void **state)
{
	static const char ctx[] = "system_u:object_r:ipsec_spd_t:s0";
	struct tmsg t;
	char *text;

	(void)state;
	t_sa(&t, SADB_SATYPE_ESP, 0x1000, SADB_SASTATE_MATURE, 0, 0,
	     SADB_EALG_NULL, 0, 0, IPSEC_MODE_ANY, 0);
	pk_add_sec_ctx(&t.b, 1, 1, ctx, sizeof(ctx));
	text = sa_text(&t, 0, T_REF);
	assert_contains(text, "state=mature \n"
		"\tsecurity context doi: 1\n"
		"\tsecurity context algorithm: 1\n"
		"\tsecurity context length: 33\n"
		"\tsecurity context: system_u:object_r:ipsec_spd_t:s0\n"
		"\tsadb_seq=7 pid=99 refcnt=0\n");
	free(text);
}

/* Not an SA: -EINVAL and not a byte printed. */
static void test_sa_refused(void **state)
{
	struct tmsg t;
	char *text;
	int rc;

	(void)state;
	t_begin(&t, SADB_DUMP, SADB_SATYPE_ESP, 1, 2);
	t_addr(&t, SADB_EXT_ADDRESS_SRC, "192.0.2.1", 0, 255, -1);
	t_addr(&t, SADB_EXT_ADDRESS_DST, "192.0.2.2", 0, 255, -1);
	text = run(pk_setkey_print_sa, t_parse(&t), 0, T_REF, &rc);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(text, "");
	free(text);

	t_begin(&t, SADB_DUMP, SADB_SATYPE_ESP, 1, 2);
	pk_add_sa(&t.b, 0x1000, 32, SADB_SASTATE_MATURE, 0, 0, 0);
	t_addr(&t, SADB_EXT_ADDRESS_DST, "192.0.2.2", 0, 255, -1);
	text = run(pk_setkey_print_sa, t_parse(&t), 0, T_REF, &rc);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(text, "");
	free(text);
}

/* ================================================================ SPD */

struct req {
	uint16_t	proto;
	uint8_t		mode;
	uint8_t		level;
	uint32_t	reqid;
	const char	*tsrc, *tdst;	/* NULL: no endpoints */
	uint16_t	tsport, tdport;
};

/*
 * A policy message: ranges src/splen[sport] dst/dplen[dport] proto, the
 * policy, its requests, then CURRENT (created, lastused) and HARD
 * (lifetime, validtime) lifetimes when with_life.
 */
static void t_policy(struct tmsg *t, const char *src, int splen,
		     uint16_t sport, const char *dst, int dplen,
		     uint16_t dport, uint8_t proto, uint8_t dir, uint16_t type,
		     uint32_t id, uint32_t prio, const struct req *reqs,
		     size_t nreq, bool with_life)
{
	size_t i;

	t_begin(t, SADB_X_SPDDUMP, SADB_SATYPE_UNSPEC, 0, 23705);
	t_addr(t, SADB_EXT_ADDRESS_SRC, src, sport, proto, splen);
	t_addr(t, SADB_EXT_ADDRESS_DST, dst, dport, proto, dplen);
	assert_int_equal(pk_add_policy(&t->b, type, dir, id, prio), 0);
	for (i = 0; i < nreq; i++) {
		struct sockaddr_storage s, d;
		const struct req *r = &reqs[i];

		assert_int_equal(pk_add_policy_request(&t->b, r->proto,
			r->mode, r->level, r->reqid,
			r->tsrc ? fixture_sa(&s, r->tsrc, r->tsport) : NULL,
			r->tdst ? fixture_sa(&d, r->tdst, r->tdport) : NULL),
			0);
	}
	if (with_life) {
		assert_int_equal(pk_add_lifetime(&t->b,
			SADB_EXT_LIFETIME_CURRENT, 0, 0, (uint64_t)T_REF, 0),
			0);
		assert_int_equal(pk_add_lifetime(&t->b,
			SADB_EXT_LIFETIME_HARD, 0, 0, 0, 0), 0);
	}
}

#define SPD_TAIL(spid) \
	"\tcreated: Nov 23 16:05:14 2026  lastused:                     \n" \
	"\tlifetime: 0(s) validtime: 0(s)\n" \
	"\tspid=" spid " seq=0 pid=23705\n" \
	"\trefcnt=0\n"

/* The reference's example, reconstructed: every byte must match. */
static void test_spd_reference_example(void **state)
{
	static const char expected[] =
		"10.0.0.0/24[any] 10.0.1.0/24[80] tcp\n"
		"\tout prio high + 5 ipsec\n"
		"\tesp/tunnel/192.0.2.1-192.0.2.2/require\n"
		"\tah/transport//use\n"
		"\tcreated: Nov 23 16:05:14 2026  lastused:                     \n"
		"\tlifetime: 0(s) validtime: 0(s)\n"
		"\tspid=1 seq=0 pid=23705\n"
		"\trefcnt=0\n";
	static const struct req reqs[] = {
		{ IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_REQUIRE, 0,
		  "192.0.2.1", "192.0.2.2", 0, 0 },
		{ IPPROTO_AH, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_USE, 0,
		  NULL, NULL, 0, 0 },
	};
	struct tmsg t;

	(void)state;
	t_policy(&t, "10.0.0.0", 24, 0, "10.0.1.0", 24, 80, IPPROTO_TCP,
		 IPSEC_DIR_OUTBOUND, IPSEC_POLICY_IPSEC, 1,
		 PK_PRIORITY_HIGH - 5, reqs, 2, true);
	expect_policy(expected, &t, 0);
}

/* Times and lifetimes in every field; lastused set. */
static void test_spd_lifetimes(void **state)
{
	static const char expected[] =
		"192.0.2.7[any] 192.0.2.8[any] any\n"
		"\tin discard\n"
		"\tcreated: Nov 23 16:05:14 2026  lastused: Nov  3 06:07:08 2026\n"
		"\tlifetime: 3600(s) validtime: 18446744073709551615(s)\n"
		"\tspid=4294967295 seq=9 pid=4294967295\n"
		"\trefcnt=0\n";
	struct tmsg t;

	(void)state;
	t_begin(&t, SADB_X_SPDGET, SADB_SATYPE_UNSPEC, 9, UINT32_MAX);
	t_addr(&t, SADB_EXT_ADDRESS_SRC, "192.0.2.7", 0, 255, -1);
	t_addr(&t, SADB_EXT_ADDRESS_DST, "192.0.2.8", 0, 255, -1);
	pk_add_policy(&t.b, IPSEC_POLICY_DISCARD, IPSEC_DIR_INBOUND,
		      UINT32_MAX, 0);
	pk_add_lifetime(&t.b, SADB_EXT_LIFETIME_CURRENT, 0, 0,
			(uint64_t)T_REF, (uint64_t)T_DAY3);
	pk_add_lifetime(&t.b, SADB_EXT_LIFETIME_HARD, 0, 0, 3600, UINT64_MAX);
	expect_policy(expected, &t, 0);
}

/* No lifetimes: neither line (KAME prints each only with its extension). */
static void test_spd_no_lifetimes(void **state)
{
	struct tmsg t;

	(void)state;
	t_policy(&t, "192.0.2.7", -1, 0, "192.0.2.8", -1, 0, 255,
		 IPSEC_DIR_OUTBOUND, IPSEC_POLICY_NONE, 8, 0, NULL, 0, false);
	expect_policy("192.0.2.7[any] 192.0.2.8[any] any\n"
		      "\tout none\n"
		      "\tspid=8 seq=0 pid=23705\n"
		      "\trefcnt=0\n", &t, 0);
}

static void test_spd_priorities(void **state)
{
	static const struct {
		uint32_t	prio;
		const char	*line;
	} cases[] = {
		{ 0, "\tout ipsec\n" },
		{ 1, "\tout prio high + 1073741823 ipsec\n" },
		{ PK_PRIORITY_HIGH - 5, "\tout prio high + 5 ipsec\n" },
		{ PK_PRIORITY_HIGH, "\tout prio high ipsec\n" },
		{ PK_PRIORITY_HIGH + 3, "\tout prio high - 3 ipsec\n" },
		{ 0x5fffffffU, "\tout prio high - 536870911 ipsec\n" },
		{ 0x60000000U, "\tout prio def + 536870912 ipsec\n" },
		{ PK_PRIORITY_DEFAULT - 7, "\tout prio def + 7 ipsec\n" },
		{ PK_PRIORITY_DEFAULT, "\tout prio def ipsec\n" },
		{ PK_PRIORITY_DEFAULT + 7, "\tout prio def - 7 ipsec\n" },
		{ 0x9fffffffU, "\tout prio def - 536870911 ipsec\n" },
		{ 0xa0000000U, "\tout prio low + 536870912 ipsec\n" },
		{ PK_PRIORITY_LOW - 9, "\tout prio low + 9 ipsec\n" },
		{ PK_PRIORITY_LOW, "\tout prio low ipsec\n" },
		{ PK_PRIORITY_LOW + 9, "\tout prio low - 9 ipsec\n" },
		{ 0xffffffffU, "\tout prio low - 1073741823 ipsec\n" },
	};
	static const struct req req = {
		IPPROTO_ESP, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_REQUIRE, 0,
		NULL, NULL, 0, 0,
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tmsg t;
		char want[256];
		int rc;
		char *text;

		t_policy(&t, "10.0.0.1", -1, 0, "10.0.0.2", -1, 0, 255,
			 IPSEC_DIR_OUTBOUND, IPSEC_POLICY_IPSEC, 1,
			 cases[i].prio, &req, 1, true);
		text = run(pk_setkey_print_policy, t_parse(&t), 0, T_REF, &rc);
		assert_int_equal(rc, 0);
		snprintf(want, sizeof(want),
			 "10.0.0.1[any] 10.0.0.2[any] any\n%s"
			 "\tesp/transport//require\n" SPD_TAIL("1"),
			 cases[i].line);
		assert_string_equal(text, want);
		free(text);
	}
}

static void test_spd_levels_and_reqids(void **state)
{
	static const struct req reqs[] = {
		{ IPPROTO_ESP, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_DEFAULT, 0,
		  NULL, NULL, 0, 0 },
		{ IPPROTO_AH, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_USE, 0,
		  NULL, NULL, 0, 0 },
		{ IPPROTO_ESP, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_REQUIRE, 0,
		  NULL, NULL, 0, 0 },
		{ IPPROTO_ESP, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_UNIQUE, 0,
		  NULL, NULL, 0, 0 },
		{ IPPROTO_ESP, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_UNIQUE, 1,
		  NULL, NULL, 0, 0 },
		{ IPPROTO_ESP, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_UNIQUE,
		  0x3fff, NULL, NULL, 0, 0 },
		{ IPPROTO_ESP, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_UNIQUE,
		  0x4000, NULL, NULL, 0, 0 },
		{ IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_UNIQUE, 16385,
		  "192.0.2.1", "192.0.2.2", 0, 0 },
		{ IPPROTO_ESP, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_REQUIRE, 7,
		  NULL, NULL, 0, 0 },
		{ IPPROTO_COMP, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_USE,
		  UINT32_MAX, NULL, NULL, 0, 0 },
	};
	static const char expected[] =
		"10.0.0.0/8[any] 0.0.0.0/0[any] any\n"
		"\tfwd prio def ipsec\n"
		"\tesp/transport//default\n"
		"\tah/transport//use\n"
		"\tesp/transport//require\n"
		"\tesp/transport//unique\n"
		"\tesp/transport//unique:1\n"
		"\tesp/transport//unique:16383\n"
		"\tesp/transport//unique#16384\n"
		"\tesp/tunnel/192.0.2.1-192.0.2.2/unique#16385\n"
		"\tesp/transport//require:7\n"
		"\tipcomp/transport//use#4294967295\n"
		SPD_TAIL("42");
	struct tmsg t;

	(void)state;
	t_policy(&t, "10.0.0.0", 8, 0, "0.0.0.0", 0, 0, 255, IPSEC_DIR_FWD,
		 IPSEC_POLICY_IPSEC, 42, PK_PRIORITY_DEFAULT, reqs,
		 sizeof(reqs) / sizeof(reqs[0]), true);
	expect_policy(expected, &t, 0);
}

static void test_spd_ipv6(void **state)
{
	static const struct req reqs[] = {
		{ IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_REQUIRE, 0,
		  "2001:db8::1", "2001:db8::2", 0, 0 },
	};
	static const char expected[] =
		"2001:db8:1::/48[any] 2001:db8:2::5[443] tcp\n"
		"\tin prio def ipsec\n"
		"\tesp/tunnel/2001:db8::1-2001:db8::2/require\n"
		SPD_TAIL("3");
	struct tmsg t;

	(void)state;
	t_policy(&t, "2001:db8:1::", 48, 0, "2001:db8:2::5", -1, 443,
		 IPPROTO_TCP, IPSEC_DIR_INBOUND, IPSEC_POLICY_IPSEC, 3,
		 PK_PRIORITY_DEFAULT, reqs, 1, true);
	expect_policy(expected, &t, 0);
}

/* ICMP, ICMPv6, GRE: no port brackets; ICMPv6 type,code after icmp6. */
static void test_spd_portless_protocols(void **state)
{
	struct tmsg t;

	(void)state;
	t_policy(&t, "::", 0, 0, "fe80::1", -1, 0, IPPROTO_ICMPV6,
		 IPSEC_DIR_OUTBOUND, IPSEC_POLICY_BYPASS, 5, 0, NULL, 0, true);
	/* A full-length prefix is omitted; /0 is not. */
	expect_policy("::/0 fe80::1 icmp6\n\tout bypass\n" SPD_TAIL("5"), &t,
		      0);

	t_policy(&t, "::", 0, 135, "::", 0, 0, IPPROTO_ICMPV6,
		 IPSEC_DIR_INBOUND, IPSEC_POLICY_BYPASS, 6, 0, NULL, 0, true);
	expect_policy("::/0 ::/0 icmp6 135,0\n\tin bypass\n" SPD_TAIL("6"),
		      &t, 0);

	t_policy(&t, "10.0.0.0", 16, 0, "10.1.0.0", 16, 0, IPPROTO_ICMP,
		 IPSEC_DIR_OUTBOUND, IPSEC_POLICY_NONE, 7, 0, NULL, 0, true);
	expect_policy("10.0.0.0/16 10.1.0.0/16 icmp\n\tout none\n"
		      SPD_TAIL("7"), &t, 0);

	t_policy(&t, "10.0.0.1", -1, 0, "10.0.0.2", -1, 0, IPPROTO_GRE,
		 IPSEC_DIR_OUTBOUND, IPSEC_POLICY_DISCARD, 8, 0, NULL, 0,
		 true);
	expect_policy("10.0.0.1 10.0.0.2 gre\n\tout discard\n"
		      SPD_TAIL("8"), &t, 0);
}

/* Upper-layer names: any, ip4, /etc/protocols, numbers. */
static void test_spd_upper_protocols(void **state)
{
	static const struct {
		uint8_t		proto;
		const char	*head;
	} cases[] = {
		{ 255, "10.0.0.1[any] 10.0.0.2[any] any\n" },
		{ IPPROTO_TCP, "10.0.0.1[any] 10.0.0.2[any] tcp\n" },
		{ IPPROTO_UDP, "10.0.0.1[any] 10.0.0.2[any] udp\n" },
		{ IPPROTO_IPIP, "10.0.0.1[any] 10.0.0.2[any] ip4\n" },
		{ 200, "10.0.0.1[any] 10.0.0.2[any] 200\n" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tmsg t;
		char want[256];

		t_policy(&t, "10.0.0.1", -1, 0, "10.0.0.2", -1, 0,
			 cases[i].proto, IPSEC_DIR_OUTBOUND,
			 IPSEC_POLICY_ENTRUST, 2, 0, NULL, 0, true);
		snprintf(want, sizeof(want), "%s\tout entrust\n" SPD_TAIL("2"),
			 cases[i].head);
		expect_policy(want, &t, 0);
	}
}

/* Every direction and policy type. */
static void test_spd_dirs_and_types(void **state)
{
	static const char *const dirs[] = { "any", "in", "out", "fwd" };
	static const char *const types[] = {
		"discard", "none", "ipsec", "entrust", "bypass",
	};
	unsigned d, ty;

	(void)state;
	for (d = 0; d < 4; d++)
		for (ty = 0; ty < 5; ty++) {
			struct tmsg t;
			char want[256];

			t_policy(&t, "10.0.0.1", -1, 1, "10.0.0.2", -1, 65535,
				 IPPROTO_UDP, (uint8_t)d, (uint16_t)ty, 11,
				 PK_PRIORITY_LOW, NULL, 0, true);
			snprintf(want, sizeof(want),
				 "10.0.0.1[1] 10.0.0.2[65535] udp\n"
				 "\t%s prio low %s\n" SPD_TAIL("11"),
				 dirs[d], types[ty]);
			expect_policy(want, &t, 0);
		}
}

/* NAT-T tunnel endpoints carry their ports; -p shows even port 0. */
static void test_spd_nat_t_endpoints(void **state)
{
	static const struct req reqs[] = {
		{ IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_REQUIRE, 0,
		  "192.0.2.1", "198.51.100.9", 4500, 61000 },
		{ IPPROTO_AH, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_USE, 3,
		  "192.0.2.1", "198.51.100.9", 0, 0 },
	};
	struct tmsg t;

	(void)state;
	t_policy(&t, "10.0.0.0", 24, 0, "10.0.1.0", 24, 0, 255,
		 IPSEC_DIR_OUTBOUND, IPSEC_POLICY_IPSEC, 1,
		 PK_PRIORITY_DEFAULT, reqs, 2, true);
	expect_policy("10.0.0.0/24[any] 10.0.1.0/24[any] any\n"
		      "\tout prio def ipsec\n"
		      "\tesp/tunnel/192.0.2.1[4500]-198.51.100.9[61000]/require\n"
		      "\tah/tunnel/192.0.2.1-198.51.100.9/use:3\n"
		      SPD_TAIL("1"), &t, 0);
	expect_policy("10.0.0.0/24[any] 10.0.1.0/24[any] any\n"
		      "\tout prio def ipsec\n"
		      "\tesp/tunnel/192.0.2.1[4500]-198.51.100.9[61000]/require\n"
		      "\tah/tunnel/192.0.2.1[0]-198.51.100.9[0]/use:3\n"
		      SPD_TAIL("1"), &t, PK_SETKEY_PORTS);
}

/* Three requests of a bundle, in order; BEET mode by name. */
static void test_spd_multiple_requests(void **state)
{
	static const struct req reqs[] = {
		{ IPPROTO_COMP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_USE, 0,
		  "2001:db8::a", "2001:db8::b", 0, 0 },
		{ IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_REQUIRE, 0,
		  "2001:db8::a", "2001:db8::b", 0, 0 },
		{ IPPROTO_AH, IPSEC_MODE_BEET, IPSEC_LEVEL_REQUIRE, 0,
		  "2001:db8::a", "2001:db8::b", 0, 0 },
	};
	struct tmsg t;

	(void)state;
	t_policy(&t, "2001:db8:1::1", -1, 0, "2001:db8:2::1", -1, 0, 255,
		 IPSEC_DIR_OUTBOUND, IPSEC_POLICY_IPSEC, 9,
		 PK_PRIORITY_DEFAULT, reqs, 3, true);
	expect_policy("2001:db8:1::1[any] 2001:db8:2::1[any] any\n"
		      "\tout prio def ipsec\n"
		      "\tipcomp/tunnel/2001:db8::a-2001:db8::b/use\n"
		      "\tesp/tunnel/2001:db8::a-2001:db8::b/require\n"
		      "\tah/beet/2001:db8::a-2001:db8::b/require\n"
		      SPD_TAIL("9"), &t, 0);
}

/* An ipsec policy without requests: only the policy line. */
static void test_spd_ipsec_no_requests(void **state)
{
	struct tmsg t;

	(void)state;
	t_policy(&t, "10.0.0.1", -1, 0, "10.0.0.2", -1, 0, IPPROTO_TCP,
		 IPSEC_DIR_OUTBOUND, IPSEC_POLICY_IPSEC, 1, 0, NULL, 0, true);
	expect_policy("10.0.0.1[any] 10.0.0.2[any] tcp\n\tout ipsec\n"
		      SPD_TAIL("1"), &t, 0);
}

static void test_spd_refused(void **state)
{
	struct tmsg t;
	char *text;
	int rc;

	(void)state;
	t_begin(&t, SADB_X_SPDDUMP, SADB_SATYPE_UNSPEC, 0, 1);
	t_addr(&t, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 0, 255, -1);
	t_addr(&t, SADB_EXT_ADDRESS_DST, "10.0.0.2", 0, 255, -1);
	text = run(pk_setkey_print_policy, t_parse(&t), 0, T_REF, &rc);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(text, "");
	free(text);

	t_begin(&t, SADB_X_SPDDUMP, SADB_SATYPE_UNSPEC, 0, 1);
	t_addr(&t, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 0, 255, -1);
	pk_add_policy(&t.b, IPSEC_POLICY_NONE, IPSEC_DIR_OUTBOUND, 1, 0);
	text = run(pk_setkey_print_policy, t_parse(&t), 0, T_REF, &rc);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(text, "");
	free(text);
}

/* The SPD printer and the SAD printer each refuse the other's entry. */
static void test_cross_refusal(void **state)
{
	struct tmsg t;
	char *text;
	int rc;

	(void)state;
	t_sa(&t, SADB_SATYPE_ESP, 0x1000, SADB_SASTATE_MATURE, 0, 0,
	     SADB_EALG_NULL, 0, 0, IPSEC_MODE_ANY, 0);
	text = run(pk_setkey_print_policy, t_parse(&t), 0, T_REF, &rc);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(text, "");
	free(text);

	t_policy(&t, "10.0.0.1", -1, 0, "10.0.0.2", -1, 0, 255,
		 IPSEC_DIR_OUTBOUND, IPSEC_POLICY_NONE, 1, 0, NULL, 0, true);
	text = run(pk_setkey_print_sa, t_parse(&t), 0, T_REF, &rc);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(text, "");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sa_reference_example),
		cmocka_unit_test(test_sa_lifetime_columns),
		cmocka_unit_test(test_sa_current_lifetime_only),
		cmocka_unit_test(test_sa_no_lifetimes),
		cmocka_unit_test(test_sa_modes),
		cmocka_unit_test(test_sa_without_sa2),
		cmocka_unit_test(test_sa_every_algorithm_name),
		cmocka_unit_test(test_sa_unknown_algorithms),
		cmocka_unit_test(test_sa_key_wrap_64),
		cmocka_unit_test(test_sa_key_wrap_36),
		cmocka_unit_test(test_sa_key_lengths),
		cmocka_unit_test(test_sa_ipcomp),
		cmocka_unit_test(test_sa_nat_t),
		cmocka_unit_test(test_sa_ports_flag),
		cmocka_unit_test(test_sa_nat_t_sockaddr_ports),
		cmocka_unit_test(test_sa_old_transforms),
		cmocka_unit_test(test_sa_tcp_md5),
		cmocka_unit_test(test_sa_states),
		cmocka_unit_test(test_sa_larval_no_keys),
		cmocka_unit_test(test_sa_zero_times),
		cmocka_unit_test(test_sa_diff_never_negative),
		cmocka_unit_test(test_sa_local_time),
		cmocka_unit_test(test_sa_no_truncation),
		cmocka_unit_test(test_sa_ipv6),
		cmocka_unit_test(test_sa_other_satypes),
		cmocka_unit_test(test_sa_sec_ctx),
		cmocka_unit_test(test_sa_refused),
		cmocka_unit_test(test_spd_reference_example),
		cmocka_unit_test(test_spd_lifetimes),
		cmocka_unit_test(test_spd_no_lifetimes),
		cmocka_unit_test(test_spd_priorities),
		cmocka_unit_test(test_spd_levels_and_reqids),
		cmocka_unit_test(test_spd_ipv6),
		cmocka_unit_test(test_spd_portless_protocols),
		cmocka_unit_test(test_spd_upper_protocols),
		cmocka_unit_test(test_spd_dirs_and_types),
		cmocka_unit_test(test_spd_nat_t_endpoints),
		cmocka_unit_test(test_spd_multiple_requests),
		cmocka_unit_test(test_spd_ipsec_no_requests),
		cmocka_unit_test(test_spd_refused),
		cmocka_unit_test(test_cross_refusal),
	};
	size_t i;

	for (i = 0; i < sizeof(seqkey); i++)
		seqkey[i] = (uint8_t)i;
	if (setenv("TZ", "UTC", 1) != 0)
		return 1;
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
