/*
 * test_alg.c - the algorithm table (lib/alg.c).
 *
 * The expectations below are written out from the RFCs and
 * shared/reference/algorithms.md, independently of lib/alg.c, so that a
 * wrong row in the library's table fails here rather than on the wire.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pfkey/alg.h"

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------ the spec */

struct expect {
	enum pk_alg_class cls;
	unsigned	id;
	const char	*name;
	unsigned	min, max, incr, def, salt;
	unsigned	iv, block, icv;
	uint32_t	flags;
};

#define NK	PK_ALGF_NOKEY
#define RG	PK_ALGF_REGISTER
#define DES	PK_ALGF_DES
#define CMB	PK_ALGF_COMBINED

static const struct expect spec[] = {
	{ PK_ALG_AUTH, 2, "hmac-md5", 128, 128, 0, 128, 0, 0, 64, 96, RG },
	{ PK_ALG_AUTH, 3, "hmac-sha1", 160, 160, 0, 160, 0, 0, 64, 96, RG },
	{ PK_ALG_AUTH, 5, "hmac-sha256", 256, 256, 0, 256, 0, 0, 64, 128, RG },
	{ PK_ALG_AUTH, 6, "hmac-sha384", 384, 384, 0, 384, 0, 0, 128, 192, RG },
	{ PK_ALG_AUTH, 7, "hmac-sha512", 512, 512, 0, 512, 0, 0, 128, 256, RG },
	{ PK_ALG_AUTH, 8, "hmac-ripemd160", 160, 160, 0, 160, 0, 0, 64, 96, RG },
	{ PK_ALG_AUTH, 9, "aes-xcbc-mac", 128, 128, 0, 128, 0, 0, 16, 96, RG },
	{ PK_ALG_AUTH, 249, "keyed-md5", 128, 128, 0, 128, 0, 0, 64, 96,
	  PK_ALGF_OLD },
	{ PK_ALG_AUTH, 250, "keyed-sha1", 160, 160, 0, 160, 0, 0, 64, 96,
	  PK_ALGF_OLD },
	{ PK_ALG_AUTH, 251, "null", 0, 0, 0, 0, 0, 0, 0, 0, NK | RG },
	{ PK_ALG_AUTH, 252, "tcp-md5", 8, 640, 8, 128, 0, 0, 64, 128,
	  PK_ALGF_TCP },

	{ PK_ALG_ENCR, 2, "des-cbc", 64, 64, 0, 64, 0, 8, 8, 0, DES | RG },
	{ PK_ALG_ENCR, 3, "3des-cbc", 192, 192, 0, 192, 0, 8, 8, 0, DES | RG },
	{ PK_ALG_ENCR, 6, "cast128-cbc", 40, 128, 8, 128, 0, 8, 8, 0, RG },
	{ PK_ALG_ENCR, 7, "blowfish-cbc", 40, 448, 8, 128, 0, 8, 8, 0, RG },
	{ PK_ALG_ENCR, 11, "null", 0, 0, 0, 0, 0, 0, 1, 0, NK | RG },
	{ PK_ALG_ENCR, 12, "aes-cbc", 128, 256, 64, 128, 0, 16, 16, 0, RG },
	{ PK_ALG_ENCR, 13, "aes-ctr", 160, 288, 64, 160, 32, 8, 1, 0,
	  PK_ALGF_COUNTER | RG },
	{ PK_ALG_ENCR, 14, "aes-ccm8", 152, 280, 64, 152, 24, 8, 1, 64, CMB | RG },
	{ PK_ALG_ENCR, 15, "aes-ccm12", 152, 280, 64, 152, 24, 8, 1, 96, CMB | RG },
	{ PK_ALG_ENCR, 16, "aes-ccm16", 152, 280, 64, 152, 24, 8, 1, 128, CMB | RG },
	{ PK_ALG_ENCR, 18, "aes-gcm8", 160, 288, 64, 160, 32, 8, 1, 64, CMB | RG },
	{ PK_ALG_ENCR, 19, "aes-gcm12", 160, 288, 64, 160, 32, 8, 1, 96, CMB | RG },
	{ PK_ALG_ENCR, 20, "aes-gcm16", 160, 288, 64, 160, 32, 8, 1, 128, CMB | RG },
	{ PK_ALG_ENCR, 22, "camellia-cbc", 128, 256, 64, 128, 0, 16, 16, 0, RG },
	{ PK_ALG_ENCR, 23, "null-aes-gmac", 160, 288, 64, 160, 32, 8, 1, 128,
	  PK_ALGF_AUTH_ONLY | RG },
	{ PK_ALG_ENCR, 252, "serpent-cbc", 128, 256, 64, 128, 0, 16, 16, 0, RG },
	{ PK_ALG_ENCR, 253, "twofish-cbc", 128, 256, 64, 128, 0, 16, 16, 0, RG },
	{ PK_ALG_ENCR, 254, "chacha20-poly1305", 288, 288, 0, 288, 32, 8, 1, 128,
	  CMB | RG },
	{ PK_ALG_ENCR, 2, "des-deriv", 64, 64, 0, 64, 0, 4, 8, 0,
	  DES | PK_ALGF_DERIV | PK_ALGF_SYNONYM },
	{ PK_ALG_ENCR, 3, "3des-deriv", 192, 192, 0, 192, 0, 4, 8, 0,
	  DES | PK_ALGF_DERIV | PK_ALGF_SYNONYM },

	{ PK_ALG_COMP, 1, "oui", 0, 0, 0, 0, 0, 0, 0, 0, NK },
	{ PK_ALG_COMP, 2, "deflate", 0, 0, 0, 0, 0, 0, 0, 0, NK },
	{ PK_ALG_COMP, 3, "lzs", 0, 0, 0, 0, 0, 0, 0, 0, NK },
	{ PK_ALG_COMP, 4, "lzjh", 0, 0, 0, 0, 0, 0, 0, 0, NK },
};

#undef NK
#undef RG
#undef DES
#undef CMB

/* The row of the library's table with this class and canonical name. */
static const struct pk_alg *row(enum pk_alg_class cls, const char *name)
{
	size_t n, i;
	const struct pk_alg *t = pk_alg_table(&n);

	for (i = 0; i < n; i++)
		if (t[i].cls == cls && strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

/* Whether the spec allows bits, computed from the spec alone. */
static bool spec_allows(const struct expect *e, unsigned bits)
{
	unsigned b;

	if (e->flags & PK_ALGF_NOKEY)
		return bits == 0;
	if (e->incr == 0)
		return bits == e->min;
	for (b = e->min; b <= e->max; b += e->incr)
		if (b == bits)
			return true;
	return false;
}

/* -------------------------------------------------------------- table */

static void test_table_matches_spec(void **state)
{
	size_t n, i;
	const struct pk_alg *t = pk_alg_table(&n);

	(void)state;
	assert_non_null(t);
	assert_int_equal(n, ARRAY_LEN(spec));
	assert_ptr_equal(pk_alg_table(NULL), t);

	for (i = 0; i < ARRAY_LEN(spec); i++) {
		const struct expect *e = &spec[i];
		const struct pk_alg *a = row(e->cls, e->name);

		if (a == NULL)
			fail_msg("no row for %s", e->name);
		assert_int_equal(a->id, e->id);
		assert_int_equal(a->min_bits, e->min);
		assert_int_equal(a->max_bits, e->max);
		assert_int_equal(a->incr_bits, e->incr);
		assert_int_equal(a->default_bits, e->def);
		assert_int_equal(a->salt_bits, e->salt);
		assert_int_equal(a->iv_len, e->iv);
		assert_int_equal(a->block_len, e->block);
		assert_int_equal(a->icv_bits, e->icv);
		if (a->flags != e->flags)
			fail_msg("%s: flags 0x%x, expected 0x%x", e->name,
				 (unsigned)a->flags, (unsigned)e->flags);
		assert_non_null(a->rfc);
		assert_true(a->rfc[0] != '\0');
	}
}

static void test_table_invariants(void **state)
{
	size_t n, i, j;
	const struct pk_alg *t = pk_alg_table(&n);

	(void)state;
	for (i = 0; i < n; i++) {
		const struct pk_alg *a = &t[i];

		/* The canonical name is the first accepted one, in both tools. */
		assert_non_null(a->names);
		assert_non_null(a->names[0].name);
		assert_string_equal(a->names[0].name, a->name);
		if (!(a->flags & (PK_ALGF_OLD | PK_ALGF_DERIV)))
			assert_int_equal(a->names[0].dialects, PK_DIALECT_ALL);

		assert_true(pk_alg_key_bits_ok(a, a->default_bits));
		if (!(a->flags & PK_ALGF_NOKEY))
			assert_true(a->salt_bits < a->min_bits);
		if (a->flags & PK_ALGF_SYNONYM) {
			const struct pk_alg *b = pk_alg_by_id(a->cls, a->id);

			assert_non_null(b);
			assert_ptr_not_equal(a, b);
			assert_false(a->flags & PK_ALGF_REGISTER);
		}
		/* Only one row per id answers pk_alg_by_id(). */
		for (j = i + 1; j < n; j++) {
			const struct pk_alg *b = &t[j];

			if (a->cls == b->cls && a->id == b->id)
				assert_true((a->flags | b->flags) &
					    PK_ALGF_SYNONYM);
		}
	}
}

/* Every accepted name of every row finds that row, and only there. */
static void test_every_name_resolves(void **state)
{
	size_t n, i;
	const struct pk_alg *t = pk_alg_table(&n);

	(void)state;
	for (i = 0; i < n; i++) {
		const struct pk_alg_name *nm;

		for (nm = t[i].names; nm->name != NULL; nm++) {
			char upper[64];
			size_t k;

			assert_true(nm->dialects != 0);
			assert_true(strlen(nm->name) < sizeof(upper));
			for (k = 0; nm->name[k] != '\0'; k++)
				upper[k] = (char)(nm->name[k] >= 'a' &&
						  nm->name[k] <= 'z' ?
						  nm->name[k] - 32 : nm->name[k]);
			upper[k] = '\0';

			if (nm->dialects & PK_DIALECT_SETKEY) {
				assert_ptr_equal(pk_alg_by_name(t[i].cls,
						 PK_DIALECT_SETKEY, nm->name),
						 &t[i]);
				assert_null(pk_alg_by_name(t[i].cls,
					    PK_DIALECT_SETKEY, upper));
			}
			if (nm->dialects & PK_DIALECT_IPSECKEY) {
				assert_ptr_equal(pk_alg_by_name(t[i].cls,
						 PK_DIALECT_IPSECKEY, nm->name),
						 &t[i]);
				assert_ptr_equal(pk_alg_by_name(t[i].cls,
						 PK_DIALECT_IPSECKEY, upper),
						 &t[i]);
			}
		}
	}
}

/* ------------------------------------------------------------- names */

struct name_case {
	enum pk_alg_class cls;
	const char	*name;
	const char	*canonical;	/* NULL: must not be found */
};

static void check_names(const struct name_case *c, size_t count,
			unsigned dialect)
{
	size_t i;

	for (i = 0; i < count; i++) {
		const struct pk_alg *a = pk_alg_by_name(c[i].cls, dialect,
							c[i].name);

		if (c[i].canonical == NULL) {
			if (a != NULL)
				fail_msg("\"%s\" found as %s, expected unknown",
					 c[i].name, a->name);
			continue;
		}
		if (a == NULL)
			fail_msg("\"%s\" not found", c[i].name);
		assert_string_equal(a->name, c[i].canonical);
		assert_int_equal(a->cls, c[i].cls);
	}
}

static void test_names_setkey(void **state)
{
	static const struct name_case c[] = {
		{ PK_ALG_AUTH, "hmac-md5", "hmac-md5" },
		{ PK_ALG_AUTH, "hmac-sha1", "hmac-sha1" },
		{ PK_ALG_AUTH, "hmac-sha256", "hmac-sha256" },
		{ PK_ALG_AUTH, "hmac-sha2-256", "hmac-sha256" },
		{ PK_ALG_AUTH, "hmac-sha384", "hmac-sha384" },
		{ PK_ALG_AUTH, "hmac-sha2-384", "hmac-sha384" },
		{ PK_ALG_AUTH, "hmac-sha512", "hmac-sha512" },
		{ PK_ALG_AUTH, "hmac-sha2-512", "hmac-sha512" },
		{ PK_ALG_AUTH, "hmac-ripemd160", "hmac-ripemd160" },
		{ PK_ALG_AUTH, "aes-xcbc-mac", "aes-xcbc-mac" },
		{ PK_ALG_AUTH, "keyed-md5", "keyed-md5" },
		{ PK_ALG_AUTH, "keyed-sha1", "keyed-sha1" },
		{ PK_ALG_AUTH, "null", "null" },
		{ PK_ALG_AUTH, "tcp-md5", "tcp-md5" },
		{ PK_ALG_ENCR, "des-cbc", "des-cbc" },
		{ PK_ALG_ENCR, "3des-cbc", "3des-cbc" },
		{ PK_ALG_ENCR, "cast128-cbc", "cast128-cbc" },
		{ PK_ALG_ENCR, "blowfish-cbc", "blowfish-cbc" },
		{ PK_ALG_ENCR, "null", "null" },
		{ PK_ALG_ENCR, "simple", "null" },
		{ PK_ALG_ENCR, "aes-cbc", "aes-cbc" },
		{ PK_ALG_ENCR, "rijndael-cbc", "aes-cbc" },
		{ PK_ALG_ENCR, "aes-ctr", "aes-ctr" },
		{ PK_ALG_ENCR, "aes-ccm8", "aes-ccm8" },
		{ PK_ALG_ENCR, "aes-ccm12", "aes-ccm12" },
		{ PK_ALG_ENCR, "aes-ccm16", "aes-ccm16" },
		{ PK_ALG_ENCR, "aes-ccm", "aes-ccm16" },
		{ PK_ALG_ENCR, "aes-gcm8", "aes-gcm8" },
		{ PK_ALG_ENCR, "aes-gcm12", "aes-gcm12" },
		{ PK_ALG_ENCR, "aes-gcm16", "aes-gcm16" },
		{ PK_ALG_ENCR, "aes-gcm", "aes-gcm16" },
		{ PK_ALG_ENCR, "aes-gcm-16", "aes-gcm16" },
		{ PK_ALG_ENCR, "camellia-cbc", "camellia-cbc" },
		{ PK_ALG_ENCR, "null-aes-gmac", "null-aes-gmac" },
		{ PK_ALG_ENCR, "aes-gmac", "null-aes-gmac" },
		{ PK_ALG_ENCR, "serpent-cbc", "serpent-cbc" },
		{ PK_ALG_ENCR, "twofish-cbc", "twofish-cbc" },
		{ PK_ALG_ENCR, "chacha20-poly1305", "chacha20-poly1305" },
		{ PK_ALG_ENCR, "des-deriv", "des-deriv" },
		{ PK_ALG_ENCR, "3des-deriv", "3des-deriv" },
		{ PK_ALG_COMP, "oui", "oui" },
		{ PK_ALG_COMP, "deflate", "deflate" },
		{ PK_ALG_COMP, "lzs", "lzs" },
		{ PK_ALG_COMP, "lzjh", "lzjh" },
		/* setkey is exact: no case folding, no illumos short names */
		{ PK_ALG_ENCR, "AES-CBC", NULL },
		{ PK_ALG_ENCR, "Aes-cbc", NULL },
		{ PK_ALG_AUTH, "HMAC-SHA1", NULL },
		{ PK_ALG_AUTH, "md5", NULL },
		{ PK_ALG_AUTH, "sha1", NULL },
		{ PK_ALG_AUTH, "sha256", NULL },
		{ PK_ALG_ENCR, "aes", NULL },
		{ PK_ALG_ENCR, "des", NULL },
		{ PK_ALG_ENCR, "3des", NULL },
		{ PK_ALG_ENCR, "blowfish", NULL },
		{ PK_ALG_ENCR, "camellia", NULL },
		{ PK_ALG_ENCR, "aes-cbc ", NULL },
		{ PK_ALG_ENCR, "aes-cb", NULL },
		{ PK_ALG_ENCR, "", NULL },
		/* the class matters */
		{ PK_ALG_AUTH, "aes-cbc", NULL },
		{ PK_ALG_ENCR, "hmac-md5", NULL },
		{ PK_ALG_ENCR, "deflate", NULL },
		{ PK_ALG_COMP, "null", NULL },
	};

	(void)state;
	check_names(c, ARRAY_LEN(c), PK_DIALECT_SETKEY);
}

static void test_names_ipseckey(void **state)
{
	static const struct name_case c[] = {
		{ PK_ALG_AUTH, "hmac-md5", "hmac-md5" },
		{ PK_ALG_AUTH, "md5", "hmac-md5" },
		{ PK_ALG_AUTH, "MD5", "hmac-md5" },
		{ PK_ALG_AUTH, "hmac-sha1", "hmac-sha1" },
		{ PK_ALG_AUTH, "sha", "hmac-sha1" },
		{ PK_ALG_AUTH, "sha1", "hmac-sha1" },
		{ PK_ALG_AUTH, "sha-1", "hmac-sha1" },
		{ PK_ALG_AUTH, "hmac-sha", "hmac-sha1" },
		{ PK_ALG_AUTH, "hmac-sha-1", "hmac-sha1" },
		{ PK_ALG_AUTH, "HMAC-SHA1", "hmac-sha1" },
		{ PK_ALG_AUTH, "hmac-sha256", "hmac-sha256" },
		{ PK_ALG_AUTH, "hmac-sha2-256", "hmac-sha256" },
		{ PK_ALG_AUTH, "sha256", "hmac-sha256" },
		{ PK_ALG_AUTH, "sha-256", "hmac-sha256" },
		{ PK_ALG_AUTH, "hmac-sha-256", "hmac-sha256" },
		{ PK_ALG_AUTH, "SHA-256", "hmac-sha256" },
		{ PK_ALG_AUTH, "hmac-sha384", "hmac-sha384" },
		{ PK_ALG_AUTH, "sha384", "hmac-sha384" },
		{ PK_ALG_AUTH, "sha-384", "hmac-sha384" },
		{ PK_ALG_AUTH, "hmac-sha-384", "hmac-sha384" },
		{ PK_ALG_AUTH, "hmac-sha2-384", "hmac-sha384" },
		{ PK_ALG_AUTH, "hmac-sha512", "hmac-sha512" },
		{ PK_ALG_AUTH, "sha512", "hmac-sha512" },
		{ PK_ALG_AUTH, "sha-512", "hmac-sha512" },
		{ PK_ALG_AUTH, "hmac-sha-512", "hmac-sha512" },
		{ PK_ALG_AUTH, "hmac-sha2-512", "hmac-sha512" },
		{ PK_ALG_AUTH, "hmac-ripemd160", "hmac-ripemd160" },
		{ PK_ALG_AUTH, "aes-xcbc-mac", "aes-xcbc-mac" },
		{ PK_ALG_AUTH, "null", "null" },
		{ PK_ALG_ENCR, "des-cbc", "des-cbc" },
		{ PK_ALG_ENCR, "des", "des-cbc" },
		{ PK_ALG_ENCR, "DES", "des-cbc" },
		{ PK_ALG_ENCR, "3des-cbc", "3des-cbc" },
		{ PK_ALG_ENCR, "3des", "3des-cbc" },
		{ PK_ALG_ENCR, "3DES", "3des-cbc" },
		{ PK_ALG_ENCR, "cast128-cbc", "cast128-cbc" },
		{ PK_ALG_ENCR, "cast", "cast128-cbc" },
		{ PK_ALG_ENCR, "cast128", "cast128-cbc" },
		{ PK_ALG_ENCR, "blowfish", "blowfish-cbc" },
		{ PK_ALG_ENCR, "blowfish-cbc", "blowfish-cbc" },
		{ PK_ALG_ENCR, "null", "null" },
		{ PK_ALG_ENCR, "aes", "aes-cbc" },
		{ PK_ALG_ENCR, "AES", "aes-cbc" },
		{ PK_ALG_ENCR, "aes-cbc", "aes-cbc" },
		{ PK_ALG_ENCR, "AES-CBC", "aes-cbc" },
		{ PK_ALG_ENCR, "aes-ctr", "aes-ctr" },
		{ PK_ALG_ENCR, "aes-ccm8", "aes-ccm8" },
		{ PK_ALG_ENCR, "aes-ccm12", "aes-ccm12" },
		{ PK_ALG_ENCR, "aes-ccm16", "aes-ccm16" },
		{ PK_ALG_ENCR, "aes-ccm", "aes-ccm16" },
		{ PK_ALG_ENCR, "AES-CCM", "aes-ccm16" },
		{ PK_ALG_ENCR, "aes-gcm8", "aes-gcm8" },
		{ PK_ALG_ENCR, "aes-gcm12", "aes-gcm12" },
		{ PK_ALG_ENCR, "aes-gcm16", "aes-gcm16" },
		{ PK_ALG_ENCR, "aes-gcm", "aes-gcm16" },
		{ PK_ALG_ENCR, "aes-gcm-16", "aes-gcm16" },
		{ PK_ALG_ENCR, "camellia", "camellia-cbc" },
		{ PK_ALG_ENCR, "Camellia", "camellia-cbc" },
		{ PK_ALG_ENCR, "camellia-cbc", "camellia-cbc" },
		{ PK_ALG_ENCR, "null-aes-gmac", "null-aes-gmac" },
		{ PK_ALG_ENCR, "aes-gmac", "null-aes-gmac" },
		{ PK_ALG_ENCR, "serpent-cbc", "serpent-cbc" },
		{ PK_ALG_ENCR, "twofish-cbc", "twofish-cbc" },
		{ PK_ALG_ENCR, "chacha20-poly1305", "chacha20-poly1305" },
		{ PK_ALG_ENCR, "ChaCha20-Poly1305", "chacha20-poly1305" },
		{ PK_ALG_COMP, "deflate", "deflate" },
		{ PK_ALG_COMP, "DEFLATE", "deflate" },
		/* KAME-only spellings are setkey's */
		{ PK_ALG_ENCR, "rijndael-cbc", NULL },
		{ PK_ALG_ENCR, "simple", NULL },
		{ PK_ALG_ENCR, "des-deriv", NULL },
		{ PK_ALG_ENCR, "3des-deriv", NULL },
		{ PK_ALG_AUTH, "keyed-md5", NULL },
		{ PK_ALG_AUTH, "keyed-sha1", NULL },
		/* no prefixes, no stray characters */
		{ PK_ALG_ENCR, "ae", NULL },
		{ PK_ALG_ENCR, "aes-", NULL },
		{ PK_ALG_ENCR, "aes128", NULL },
		{ PK_ALG_AUTH, "sha2", NULL },
		{ PK_ALG_AUTH, "sha-", NULL },
		{ PK_ALG_AUTH, "md5 ", NULL },
		{ PK_ALG_AUTH, "", NULL },
		{ PK_ALG_AUTH, "aes", NULL },
		{ PK_ALG_ENCR, "md5", NULL },
	};

	(void)state;
	check_names(c, ARRAY_LEN(c), PK_DIALECT_IPSECKEY);
}

static void test_names_edge(void **state)
{
	(void)state;
	assert_null(pk_alg_by_name(PK_ALG_ENCR, PK_DIALECT_SETKEY, NULL));
	assert_null(pk_alg_by_name(PK_ALG_ENCR, PK_DIALECT_IPSECKEY, NULL));
	/* no dialect, no names */
	assert_null(pk_alg_by_name(PK_ALG_ENCR, 0, "aes-cbc"));
	/* both dialects: each name under its own rule */
	assert_string_equal(pk_alg_by_name(PK_ALG_ENCR, PK_DIALECT_ALL,
					   "rijndael-cbc")->name, "aes-cbc");
	assert_string_equal(pk_alg_by_name(PK_ALG_ENCR, PK_DIALECT_ALL,
					   "AES")->name, "aes-cbc");
	assert_null(pk_alg_by_name(PK_ALG_ENCR, PK_DIALECT_ALL, "RIJNDAEL-CBC"));
	/* the deriv rows are their own rows, with the DERIV flag */
	{
		const struct pk_alg *a = pk_alg_by_name(PK_ALG_ENCR,
				PK_DIALECT_SETKEY, "3des-deriv");

		assert_non_null(a);
		assert_int_equal(a->id, SADB_EALG_3DESCBC);
		assert_true(a->flags & PK_ALGF_DERIV);
		assert_true(a->flags & PK_ALGF_SYNONYM);
	}
	/* aes-gcm and aes-gcm-16 mean the 16-byte ICV */
	assert_int_equal(pk_alg_by_name(PK_ALG_ENCR, PK_DIALECT_SETKEY,
					"aes-gcm")->id, SADB_X_EALG_AES_GCM_ICV16);
	assert_int_equal(pk_alg_by_name(PK_ALG_ENCR, PK_DIALECT_IPSECKEY,
					"aes-ccm")->id, SADB_X_EALG_AES_CCM_ICV16);
}

/* --------------------------------------------------------------- ids */

static void test_by_id(void **state)
{
	static const struct {
		enum pk_alg_class cls;
		unsigned id;
		const char *name;
	} c[] = {
		{ PK_ALG_AUTH, SADB_AALG_MD5HMAC, "hmac-md5" },
		{ PK_ALG_AUTH, SADB_AALG_SHA1HMAC, "hmac-sha1" },
		{ PK_ALG_AUTH, SADB_X_AALG_SHA2_256HMAC, "hmac-sha256" },
		{ PK_ALG_AUTH, SADB_X_AALG_SHA2_384HMAC, "hmac-sha384" },
		{ PK_ALG_AUTH, SADB_X_AALG_SHA2_512HMAC, "hmac-sha512" },
		{ PK_ALG_AUTH, SADB_X_AALG_RIPEMD160HMAC, "hmac-ripemd160" },
		{ PK_ALG_AUTH, SADB_X_AALG_AES_XCBC_MAC, "aes-xcbc-mac" },
		{ PK_ALG_AUTH, SADB_X_AALG_MD5, "keyed-md5" },
		{ PK_ALG_AUTH, SADB_X_AALG_SHA, "keyed-sha1" },
		{ PK_ALG_AUTH, SADB_X_AALG_NULL, "null" },
		{ PK_ALG_AUTH, SADB_X_AALG_TCP_MD5, "tcp-md5" },
		{ PK_ALG_ENCR, SADB_EALG_DESCBC, "des-cbc" },
		{ PK_ALG_ENCR, SADB_EALG_3DESCBC, "3des-cbc" },
		{ PK_ALG_ENCR, SADB_X_EALG_CASTCBC, "cast128-cbc" },
		{ PK_ALG_ENCR, SADB_X_EALG_BLOWFISHCBC, "blowfish-cbc" },
		{ PK_ALG_ENCR, SADB_EALG_NULL, "null" },
		{ PK_ALG_ENCR, SADB_X_EALG_AESCBC, "aes-cbc" },
		{ PK_ALG_ENCR, SADB_X_EALG_AESCTR, "aes-ctr" },
		{ PK_ALG_ENCR, SADB_X_EALG_AES_CCM_ICV8, "aes-ccm8" },
		{ PK_ALG_ENCR, SADB_X_EALG_AES_CCM_ICV12, "aes-ccm12" },
		{ PK_ALG_ENCR, SADB_X_EALG_AES_CCM_ICV16, "aes-ccm16" },
		{ PK_ALG_ENCR, SADB_X_EALG_AES_GCM_ICV8, "aes-gcm8" },
		{ PK_ALG_ENCR, SADB_X_EALG_AES_GCM_ICV12, "aes-gcm12" },
		{ PK_ALG_ENCR, SADB_X_EALG_AES_GCM_ICV16, "aes-gcm16" },
		{ PK_ALG_ENCR, SADB_X_EALG_CAMELLIACBC, "camellia-cbc" },
		{ PK_ALG_ENCR, SADB_X_EALG_NULL_AES_GMAC, "null-aes-gmac" },
		{ PK_ALG_ENCR, SADB_X_EALG_SERPENTCBC, "serpent-cbc" },
		{ PK_ALG_ENCR, SADB_X_EALG_TWOFISHCBC, "twofish-cbc" },
		{ PK_ALG_ENCR, SADB_X_EALG_CHACHA20POLY1305, "chacha20-poly1305" },
		{ PK_ALG_COMP, SADB_X_CALG_OUI, "oui" },
		{ PK_ALG_COMP, SADB_X_CALG_DEFLATE, "deflate" },
		{ PK_ALG_COMP, SADB_X_CALG_LZS, "lzs" },
		{ PK_ALG_COMP, SADB_X_CALG_LZJH, "lzjh" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(c); i++) {
		const struct pk_alg *a = pk_alg_by_id(c[i].cls, c[i].id);

		if (a == NULL)
			fail_msg("no algorithm for id %u", c[i].id);
		assert_string_equal(a->name, c[i].name);
		assert_int_equal(a->id, c[i].id);
		assert_int_equal(a->cls, c[i].cls);
		assert_string_equal(pk_alg_name(c[i].cls, c[i].id), c[i].name);
	}

	/* unknown ids and wrong classes */
	assert_null(pk_alg_by_id(PK_ALG_AUTH, 0));
	assert_null(pk_alg_by_id(PK_ALG_AUTH, 1));
	assert_null(pk_alg_by_id(PK_ALG_AUTH, 4));
	assert_null(pk_alg_by_id(PK_ALG_AUTH, 255));
	assert_null(pk_alg_by_id(PK_ALG_AUTH, 256 + SADB_AALG_MD5HMAC));
	assert_null(pk_alg_by_id(PK_ALG_ENCR, 0));
	assert_null(pk_alg_by_id(PK_ALG_ENCR, 1));
	assert_null(pk_alg_by_id(PK_ALG_ENCR, 17));
	assert_null(pk_alg_by_id(PK_ALG_ENCR, 21));
	assert_null(pk_alg_by_id(PK_ALG_ENCR, 255));
	assert_null(pk_alg_by_id(PK_ALG_COMP, 0));
	assert_null(pk_alg_by_id(PK_ALG_COMP, 5));
	assert_null(pk_alg_by_id((enum pk_alg_class)0, SADB_AALG_MD5HMAC));
	assert_null(pk_alg_by_id((enum pk_alg_class)9, SADB_AALG_MD5HMAC));
	assert_null(pk_alg_name(PK_ALG_ENCR, 200));
}

/* des-deriv and 3des-deriv share ids 2 and 3: printing an SA says des-cbc. */
static void test_by_id_never_synonym(void **state)
{
	static const enum pk_alg_class classes[] = {
		PK_ALG_AUTH, PK_ALG_ENCR, PK_ALG_COMP,
	};
	size_t i;
	unsigned id;

	(void)state;
	for (i = 0; i < ARRAY_LEN(classes); i++) {
		for (id = 0; id < 256; id++) {
			const struct pk_alg *a = pk_alg_by_id(classes[i], id);

			if (a == NULL)
				continue;
			assert_false(a->flags & PK_ALGF_SYNONYM);
			assert_int_equal(a->id, id);
			assert_int_equal(a->cls, classes[i]);
		}
	}
	assert_string_equal(pk_alg_name(PK_ALG_ENCR, 2), "des-cbc");
	assert_string_equal(pk_alg_name(PK_ALG_ENCR, 3), "3des-cbc");
	assert_string_equal(pk_alg_name(PK_ALG_ENCR, 11), "null");
	assert_string_equal(pk_alg_name(PK_ALG_ENCR, 12), "aes-cbc");
	assert_string_equal(pk_alg_name(PK_ALG_ENCR, 20), "aes-gcm16");
	assert_string_equal(pk_alg_name(PK_ALG_ENCR, 16), "aes-ccm16");
	assert_string_equal(pk_alg_name(PK_ALG_ENCR, 23), "null-aes-gmac");
	assert_string_equal(pk_alg_name(PK_ALG_AUTH, 5), "hmac-sha256");
	assert_string_equal(pk_alg_name(PK_ALG_AUTH, 251), "null");
	assert_string_equal(pk_alg_name(PK_ALG_COMP, 2), "deflate");
}

/* ---------------------------------------------------------- key bits */

static void test_key_bits_every_alg(void **state)
{
	size_t i;
	unsigned bits;

	(void)state;
	for (i = 0; i < ARRAY_LEN(spec); i++) {
		const struct expect *e = &spec[i];
		const struct pk_alg *a = row(e->cls, e->name);
		unsigned probes[8], np = 0, k;

		assert_non_null(a);

		/* Everything the spec allows, nothing else, up to well past max. */
		for (bits = 0; bits <= 2048; bits++) {
			if (pk_alg_key_bits_ok(a, bits) != spec_allows(e, bits))
				fail_msg("%s: %u bits %s", e->name, bits,
					 spec_allows(e, bits) ? "refused" :
					 "accepted");
		}
		assert_false(pk_alg_key_bits_ok(a, 65535));
		assert_false(pk_alg_key_bits_ok(a, 65536 + e->min));
		assert_false(pk_alg_key_bits_ok(a, ~0u));

		/* And by name the lengths just outside. */
		if (e->flags & PK_ALGF_NOKEY) {
			assert_true(pk_alg_key_bits_ok(a, 0));
			probes[np++] = 1;
			probes[np++] = 8;
			probes[np++] = 64;
		} else {
			assert_true(pk_alg_key_bits_ok(a, e->min));
			assert_true(pk_alg_key_bits_ok(a, e->max));
			probes[np++] = 0;
			probes[np++] = e->min - 1;
			probes[np++] = e->max + 1;
			if (e->incr != 0) {
				probes[np++] = e->min - e->incr;
				probes[np++] = e->max + e->incr;
				probes[np++] = e->min + e->incr / 2;
				probes[np++] = e->min + e->incr + 1;
			} else {
				probes[np++] = e->min + 8;
				probes[np++] = e->min - 8;
			}
		}
		for (k = 0; k < np; k++) {
			struct pk_diag d;

			memset(&d, 0, sizeof(d));
			if (pk_alg_key_bits_ok(a, probes[k]))
				fail_msg("%s: %u bits accepted", e->name,
					 probes[k]);
			assert_int_equal(pk_alg_check_key_bits(a, probes[k], &d),
					 -EINVAL);
			assert_int_equal(d.err, EINVAL);
			assert_int_equal(d.code, e->cls == PK_ALG_AUTH ?
					 SADB_X_DIAGNOSTIC_BAD_AKEYBITS :
					 SADB_X_DIAGNOSTIC_BAD_EKEYBITS);
			assert_non_null(d.field);
			assert_string_equal(d.field, "sadb_key_bits");
			/* the detail starts with the algorithm's name */
			assert_int_equal(strncmp(d.detail, e->name,
						 strlen(e->name)), 0);
			assert_int_equal(d.detail[strlen(e->name)], ':');
		}

		/* Accepted lengths pass the checker too. */
		for (bits = e->min; bits <= e->max; bits += e->incr ? e->incr : 1) {
			assert_int_equal(pk_alg_check_key_bits(a, bits, NULL), 0);
			if (e->incr == 0)
				break;
		}
		assert_true(pk_alg_key_bits_ok(a, e->def));
	}
	assert_false(pk_alg_key_bits_ok(NULL, 128));
}

static void expect_detail(enum pk_alg_class cls, const char *name,
			  unsigned bits, uint16_t code, const char *detail)
{
	struct pk_diag d;
	const struct pk_alg *a = row(cls, name);

	assert_non_null(a);
	memset(&d, 0, sizeof(d));
	assert_int_equal(pk_alg_check_key_bits(a, bits, &d), -EINVAL);
	assert_int_equal(d.err, EINVAL);
	assert_int_equal(d.code, code);
	assert_string_equal(d.field, "sadb_key_bits");
	assert_string_equal(d.detail, detail);
}

static void test_key_bits_detail(void **state)
{
	(void)state;
	expect_detail(PK_ALG_ENCR, "aes-cbc", 100, SADB_X_DIAGNOSTIC_BAD_EKEYBITS,
		      "aes-cbc: key of 100 bits, allowed 128, 192 or 256 bits");
	expect_detail(PK_ALG_ENCR, "blowfish-cbc", 36,
		      SADB_X_DIAGNOSTIC_BAD_EKEYBITS,
		      "blowfish-cbc: key of 36 bits, allowed 40 to 448 bits in steps of 8");
	expect_detail(PK_ALG_AUTH, "hmac-sha1", 128,
		      SADB_X_DIAGNOSTIC_BAD_AKEYBITS,
		      "hmac-sha1: key of 128 bits, allowed 160 bits");
	expect_detail(PK_ALG_ENCR, "null", 64, SADB_X_DIAGNOSTIC_BAD_EKEYBITS,
		      "null: key of 64 bits, allowed no key");
	expect_detail(PK_ALG_AUTH, "null", 8, SADB_X_DIAGNOSTIC_BAD_AKEYBITS,
		      "null: key of 8 bits, allowed no key");
	expect_detail(PK_ALG_ENCR, "aes-gcm16", 256,
		      SADB_X_DIAGNOSTIC_BAD_EKEYBITS,
		      "aes-gcm16: key of 256 bits, allowed 160, 224 or 288 bits");
	expect_detail(PK_ALG_ENCR, "aes-ccm8", 128,
		      SADB_X_DIAGNOSTIC_BAD_EKEYBITS,
		      "aes-ccm8: key of 128 bits, allowed 152, 216 or 280 bits");
	expect_detail(PK_ALG_AUTH, "tcp-md5", 648, SADB_X_DIAGNOSTIC_BAD_AKEYBITS,
		      "tcp-md5: key of 648 bits, allowed 8 to 640 bits in steps of 8");
	expect_detail(PK_ALG_ENCR, "3des-cbc", 0, SADB_X_DIAGNOSTIC_BAD_EKEYBITS,
		      "3des-cbc: key of 0 bits, allowed 192 bits");
	expect_detail(PK_ALG_ENCR, "des-cbc", 1, SADB_X_DIAGNOSTIC_BAD_EKEYBITS,
		      "des-cbc: key of 1 bit, allowed 64 bits");
	expect_detail(PK_ALG_ENCR, "chacha20-poly1305", 256,
		      SADB_X_DIAGNOSTIC_BAD_EKEYBITS,
		      "chacha20-poly1305: key of 256 bits, allowed 288 bits");
	/* compression ids travel in sadb_sa_encrypt */
	expect_detail(PK_ALG_COMP, "deflate", 8, SADB_X_DIAGNOSTIC_BAD_EKEYBITS,
		      "deflate: key of 8 bits, allowed no key");
}

static void test_key_bits_diag_optional(void **state)
{
	const struct pk_alg *a = pk_alg_by_id(PK_ALG_ENCR, SADB_X_EALG_AESCBC);
	struct pk_diag d;

	(void)state;
	assert_int_equal(pk_alg_check_key_bits(a, 100, NULL), -EINVAL);
	assert_int_equal(pk_alg_check_key_bits(a, 192, NULL), 0);
	memset(&d, 0, sizeof(d));
	assert_int_equal(pk_alg_check_key_bits(NULL, 128, &d), -EINVAL);
	assert_int_equal(d.err, EINVAL);
}

/* ---------------------------------------------------------------- DES */

/* FIPS 74 / SP 800-67: 4 weak keys, 12 semi-weak keys, odd parity. */
static const uint8_t weak[16][8] = {
	{ 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01 },
	{ 0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe },
	{ 0xe0, 0xe0, 0xe0, 0xe0, 0xf1, 0xf1, 0xf1, 0xf1 },
	{ 0x1f, 0x1f, 0x1f, 0x1f, 0x0e, 0x0e, 0x0e, 0x0e },
	{ 0x01, 0x1f, 0x01, 0x1f, 0x01, 0x0e, 0x01, 0x0e },
	{ 0x1f, 0x01, 0x1f, 0x01, 0x0e, 0x01, 0x0e, 0x01 },
	{ 0x01, 0xe0, 0x01, 0xe0, 0x01, 0xf1, 0x01, 0xf1 },
	{ 0xe0, 0x01, 0xe0, 0x01, 0xf1, 0x01, 0xf1, 0x01 },
	{ 0x01, 0xfe, 0x01, 0xfe, 0x01, 0xfe, 0x01, 0xfe },
	{ 0xfe, 0x01, 0xfe, 0x01, 0xfe, 0x01, 0xfe, 0x01 },
	{ 0x1f, 0xe0, 0x1f, 0xe0, 0x0e, 0xf1, 0x0e, 0xf1 },
	{ 0xe0, 0x1f, 0xe0, 0x1f, 0xf1, 0x0e, 0xf1, 0x0e },
	{ 0x1f, 0xfe, 0x1f, 0xfe, 0x0e, 0xfe, 0x0e, 0xfe },
	{ 0xfe, 0x1f, 0xfe, 0x1f, 0xfe, 0x0e, 0xfe, 0x0e },
	{ 0xe0, 0xfe, 0xe0, 0xfe, 0xf1, 0xfe, 0xf1, 0xfe },
	{ 0xfe, 0xe0, 0xfe, 0xe0, 0xfe, 0xf1, 0xfe, 0xf1 },
};

/* A random-looking DES key with odd parity in every byte. */
static const uint8_t good1[8] = {
	0x13, 0x34, 0x57, 0x79, 0x9b, 0xbc, 0xdf, 0xf1,
};
static const uint8_t good2[8] = {
	0x0e, 0x32, 0x92, 0x32, 0xea, 0x6d, 0x0d, 0x73,
};
static const uint8_t good3[8] = {
	0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67,
};

static void test_des_weak_keys(void **state)
{
	size_t i, k;

	(void)state;
	for (i = 0; i < ARRAY_LEN(weak); i++) {
		uint8_t key[8];

		assert_true(pk_des_parity_ok(weak[i], 8));
		assert_true(pk_des_is_weak(weak[i]));

		/* parity cleared: the same DES key */
		for (k = 0; k < 8; k++)
			key[k] = weak[i][k] & 0xfe;
		assert_true(pk_des_is_weak(key));
		/* parity set everywhere */
		for (k = 0; k < 8; k++)
			key[k] = weak[i][k] | 0x01;
		assert_true(pk_des_is_weak(key));
		/* parity wrong everywhere */
		for (k = 0; k < 8; k++)
			key[k] = weak[i][k] ^ 0x01;
		assert_true(pk_des_is_weak(key));

		/* one key bit changed: no longer weak */
		for (k = 0; k < 8; k++) {
			memcpy(key, weak[i], 8);
			key[k] ^= 0x10;
			assert_false(pk_des_is_weak(key));
		}
	}
	assert_false(pk_des_is_weak(good1));
	assert_false(pk_des_is_weak(good2));
	assert_false(pk_des_is_weak(good3));
	{
		/* weak-key bytes in another order: an ordinary key */
		static const uint8_t possibly[8] = {
			0x01, 0x01, 0x1f, 0x1f, 0x01, 0x01, 0x0e, 0x0e,
		};

		assert_false(pk_des_is_weak(possibly));
	}
}

static void expect_weak(const char *name, const uint8_t *key, unsigned bits,
			const char *detail)
{
	const struct pk_alg *a = row(PK_ALG_ENCR, name);
	struct pk_diag d;

	assert_non_null(a);
	memset(&d, 0, sizeof(d));
	assert_int_equal(pk_alg_check_key(a, key, bits, &d), -EINVAL);
	assert_int_equal(d.err, EINVAL);
	assert_int_equal(d.code, SADB_X_DIAGNOSTIC_WEAK_EKEY);
	assert_string_equal(d.detail, detail);
}

/* The detail never shows key material, in any usual spelling. */
static void assert_no_key_bytes(const char *detail, const uint8_t *key,
				size_t len)
{
	char hex[8];
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		snprintf(hex, sizeof(hex), "%02x%02x", key[i], key[i + 1]);
		assert_null(strstr(detail, hex));
		snprintf(hex, sizeof(hex), "%02X%02X", key[i], key[i + 1]);
		assert_null(strstr(detail, hex));
	}
}

static void test_check_key_des(void **state)
{
	const struct pk_alg *des = pk_alg_by_id(PK_ALG_ENCR, SADB_EALG_DESCBC);
	struct pk_diag d;
	size_t i;

	(void)state;
	assert_int_equal(pk_alg_check_key(des, good1, 64, NULL), 0);
	assert_int_equal(pk_alg_check_key(des, good2, 64, NULL), 0);

	for (i = 0; i < ARRAY_LEN(weak); i++)
		expect_weak("des-cbc", weak[i], 64,
			    "des-cbc: key is a DES weak or semi-weak key");
	expect_weak("des-deriv", weak[2], 64,
		    "des-deriv: key is a DES weak or semi-weak key");
	{
		static const uint8_t zero[8];

		expect_weak("des-cbc", zero, 64,
			    "des-cbc: key is a DES weak or semi-weak key");
	}

	memset(&d, 0, sizeof(d));
	assert_int_equal(pk_alg_check_key(des, weak[10], 64, &d), -EINVAL);
	assert_non_null(d.field);
	assert_no_key_bytes(d.detail, weak[10], 8);

	/* the length is checked first */
	memset(&d, 0, sizeof(d));
	assert_int_equal(pk_alg_check_key(des, weak[0], 56, &d), -EINVAL);
	assert_int_equal(d.code, SADB_X_DIAGNOSTIC_BAD_EKEYBITS);
	assert_string_equal(d.detail, "des-cbc: key of 56 bits, allowed 64 bits");
}

static void test_check_key_3des(void **state)
{
	const struct pk_alg *tdes = pk_alg_by_id(PK_ALG_ENCR, SADB_EALG_3DESCBC);
	uint8_t key[24];
	struct pk_diag d;
	size_t k;

	(void)state;
	memcpy(key, good1, 8);
	memcpy(key + 8, good2, 8);
	memcpy(key + 16, good3, 8);
	assert_int_equal(pk_alg_check_key(tdes, key, 192, NULL), 0);

	/* two-key 3DES (K1 == K3) is a legitimate keying option */
	memcpy(key + 16, good1, 8);
	assert_int_equal(pk_alg_check_key(tdes, key, 192, NULL), 0);

	/* any part weak */
	memcpy(key, good1, 8);
	memcpy(key + 8, weak[7], 8);
	memcpy(key + 16, good3, 8);
	expect_weak("3des-cbc", key, 192,
		    "3des-cbc: key part 2 of 3 is a DES weak or semi-weak key");
	memset(&d, 0, sizeof(d));
	assert_int_equal(pk_alg_check_key(tdes, key, 192, &d), -EINVAL);
	assert_no_key_bytes(d.detail, key, 24);

	memcpy(key, weak[0], 8);
	memcpy(key + 8, good2, 8);
	expect_weak("3des-cbc", key, 192,
		    "3des-cbc: key part 1 of 3 is a DES weak or semi-weak key");
	memcpy(key, good1, 8);
	memcpy(key + 16, weak[15], 8);
	expect_weak("3des-cbc", key, 192,
		    "3des-cbc: key part 3 of 3 is a DES weak or semi-weak key");
	expect_weak("3des-deriv", key, 192,
		    "3des-deriv: key part 3 of 3 is a DES weak or semi-weak key");

	/* K1 == K2: EDE collapses to single DES with K3 */
	memcpy(key, good1, 8);
	memcpy(key + 8, good1, 8);
	memcpy(key + 16, good3, 8);
	expect_weak("3des-cbc", key, 192,
		    "3des-cbc: key parts 1 and 2 are equal, which reduces 3DES to single DES");
	/* K2 == K3: single DES with K1 */
	memcpy(key + 8, good2, 8);
	memcpy(key + 16, good2, 8);
	expect_weak("3des-cbc", key, 192,
		    "3des-cbc: key parts 2 and 3 are equal, which reduces 3DES to single DES");
	/* equal apart from the parity bits is still equal */
	memcpy(key + 16, good3, 8);
	memcpy(key + 8, good1, 8);
	for (k = 8; k < 16; k++)
		key[k] ^= 0x01;
	expect_weak("3des-cbc", key, 192,
		    "3des-cbc: key parts 1 and 2 are equal, which reduces 3DES to single DES");

	/* wrong length: the bits check answers */
	memset(&d, 0, sizeof(d));
	assert_int_equal(pk_alg_check_key(tdes, key, 128, &d), -EINVAL);
	assert_int_equal(d.code, SADB_X_DIAGNOSTIC_BAD_EKEYBITS);
}

static void test_check_key_other(void **state)
{
	static const uint8_t zero[64];
	struct pk_diag d;

	(void)state;
	/* only the DES family has weak keys to refuse */
	assert_int_equal(pk_alg_check_key(pk_alg_by_id(PK_ALG_ENCR,
			 SADB_X_EALG_AESCBC), zero, 128, NULL), 0);
	assert_int_equal(pk_alg_check_key(pk_alg_by_id(PK_ALG_ENCR,
			 SADB_X_EALG_BLOWFISHCBC), weak[0], 64, NULL), 0);
	assert_int_equal(pk_alg_check_key(pk_alg_by_id(PK_ALG_AUTH,
			 SADB_AALG_MD5HMAC), zero, 128, NULL), 0);
	/* no key at all */
	assert_int_equal(pk_alg_check_key(pk_alg_by_id(PK_ALG_ENCR,
			 SADB_EALG_NULL), NULL, 0, NULL), 0);
	assert_int_equal(pk_alg_check_key(pk_alg_by_id(PK_ALG_COMP,
			 SADB_X_CALG_DEFLATE), NULL, 0, NULL), 0);

	memset(&d, 0, sizeof(d));
	assert_int_equal(pk_alg_check_key(pk_alg_by_id(PK_ALG_AUTH,
			 SADB_AALG_SHA1HMAC), zero, 96, &d), -EINVAL);
	assert_int_equal(d.code, SADB_X_DIAGNOSTIC_BAD_AKEYBITS);
	assert_string_equal(d.detail,
			    "hmac-sha1: key of 96 bits, allowed 160 bits");

	/* bits but no bytes is refused, not read */
	memset(&d, 0, sizeof(d));
	assert_int_equal(pk_alg_check_key(pk_alg_by_id(PK_ALG_ENCR,
			 SADB_EALG_DESCBC), NULL, 64, &d), -EINVAL);
	assert_int_equal(d.err, EINVAL);
	assert_int_equal(pk_alg_check_key(NULL, zero, 128, NULL), -EINVAL);
}

static void test_parity(void **state)
{
	uint8_t all[256], orig[256];
	unsigned i;

	(void)state;
	for (i = 0; i < 256; i++)
		all[i] = orig[i] = (uint8_t)i;
	assert_false(pk_des_parity_ok(all, sizeof(all)));
	pk_des_fix_parity(all, sizeof(all));
	assert_true(pk_des_parity_ok(all, sizeof(all)));
	for (i = 0; i < 256; i++) {
		assert_int_equal(__builtin_popcount(all[i]) % 2, 1);
		/* the 7 key bits are kept */
		assert_int_equal(all[i] & 0xfe, orig[i] & 0xfe);
		/* bytes already odd are left alone */
		if (__builtin_popcount(orig[i]) % 2 == 1)
			assert_int_equal(all[i], orig[i]);
	}

	{
		uint8_t key[8] = { 0x00, 0x02, 0x12, 0xfe, 0xff, 0x80, 0x7f, 0x33 };
		static const uint8_t fixed[8] = {
			0x01, 0x02, 0x13, 0xfe, 0xfe, 0x80, 0x7f, 0x32,
		};

		assert_false(pk_des_parity_ok(key, 8));
		pk_des_fix_parity(key, 8);
		assert_memory_equal(key, fixed, 8);
		assert_true(pk_des_parity_ok(key, 8));
		/* a fixed key fixes to itself */
		pk_des_fix_parity(key, 8);
		assert_memory_equal(key, fixed, 8);
	}
	assert_true(pk_des_parity_ok(good1, 8));
	assert_true(pk_des_parity_ok(all, 0));
	pk_des_fix_parity(all, 0);
}

/* ---------------------------------------------------------- REGISTER */

struct sup {
	unsigned id, ivlen, min, max;
};

static void expect_supported(enum pk_alg_class cls, const struct sup *want,
			     size_t nwant)
{
	struct sadb_alg out[64];
	size_t n, i;

	memset(out, 0xa5, sizeof(out));
	n = pk_alg_supported(cls, out, ARRAY_LEN(out));
	assert_int_equal(n, nwant);
	for (i = 0; i < n; i++) {
		if (out[i].sadb_alg_id != want[i].id)
			fail_msg("entry %zu: id %u, expected %u", i,
				 out[i].sadb_alg_id, want[i].id);
		assert_int_equal(out[i].sadb_alg_ivlen, want[i].ivlen);
		assert_int_equal(out[i].sadb_alg_minbits, want[i].min);
		assert_int_equal(out[i].sadb_alg_maxbits, want[i].max);
		assert_int_equal(out[i].sadb_alg_reserved, 0);
	}
	/* nothing written past the entries */
	assert_int_equal(out[n].sadb_alg_id, 0xa5);
}

static void test_supported_auth(void **state)
{
	static const struct sup want[] = {
		{ SADB_AALG_MD5HMAC, 0, 128, 128 },
		{ SADB_AALG_SHA1HMAC, 0, 160, 160 },
		{ SADB_X_AALG_SHA2_256HMAC, 0, 256, 256 },
		{ SADB_X_AALG_SHA2_384HMAC, 0, 384, 384 },
		{ SADB_X_AALG_SHA2_512HMAC, 0, 512, 512 },
		{ SADB_X_AALG_RIPEMD160HMAC, 0, 160, 160 },
		{ SADB_X_AALG_AES_XCBC_MAC, 0, 128, 128 },
		{ SADB_X_AALG_NULL, 0, 0, 0 },
	};

	(void)state;
	expect_supported(PK_ALG_AUTH, want, ARRAY_LEN(want));
}

static void test_supported_encr(void **state)
{
	static const struct sup want[] = {
		{ SADB_EALG_DESCBC, 8, 64, 64 },
		{ SADB_EALG_3DESCBC, 8, 192, 192 },
		{ SADB_X_EALG_CASTCBC, 8, 40, 128 },
		{ SADB_X_EALG_BLOWFISHCBC, 8, 40, 448 },
		{ SADB_EALG_NULL, 0, 0, 0 },
		{ SADB_X_EALG_AESCBC, 16, 128, 256 },
		{ SADB_X_EALG_AESCTR, 8, 160, 288 },
		{ SADB_X_EALG_AES_CCM_ICV8, 8, 152, 280 },
		{ SADB_X_EALG_AES_CCM_ICV12, 8, 152, 280 },
		{ SADB_X_EALG_AES_CCM_ICV16, 8, 152, 280 },
		{ SADB_X_EALG_AES_GCM_ICV8, 8, 160, 288 },
		{ SADB_X_EALG_AES_GCM_ICV12, 8, 160, 288 },
		{ SADB_X_EALG_AES_GCM_ICV16, 8, 160, 288 },
		{ SADB_X_EALG_CAMELLIACBC, 16, 128, 256 },
		{ SADB_X_EALG_NULL_AES_GMAC, 8, 160, 288 },
		{ SADB_X_EALG_SERPENTCBC, 16, 128, 256 },
		{ SADB_X_EALG_TWOFISHCBC, 16, 128, 256 },
		{ SADB_X_EALG_CHACHA20POLY1305, 8, 288, 288 },
	};

	(void)state;
	expect_supported(PK_ALG_ENCR, want, ARRAY_LEN(want));
}

static void test_supported_limits(void **state)
{
	struct sadb_alg out[4];

	(void)state;
	/* compression has no sadb_supported list */
	assert_int_equal(pk_alg_supported(PK_ALG_COMP, out, ARRAY_LEN(out)), 0);
	assert_int_equal(pk_alg_supported(PK_ALG_ENCR, NULL, 0), 0);

	memset(out, 0xa5, sizeof(out));
	assert_int_equal(pk_alg_supported(PK_ALG_ENCR, out, 3), 3);
	assert_int_equal(out[0].sadb_alg_id, SADB_EALG_DESCBC);
	assert_int_equal(out[1].sadb_alg_id, SADB_EALG_3DESCBC);
	assert_int_equal(out[2].sadb_alg_id, SADB_X_EALG_CASTCBC);
	assert_int_equal(out[3].sadb_alg_id, 0xa5);
	assert_int_equal(out[3].sadb_alg_minbits, 0xa5a5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_matches_spec),
		cmocka_unit_test(test_table_invariants),
		cmocka_unit_test(test_every_name_resolves),
		cmocka_unit_test(test_names_setkey),
		cmocka_unit_test(test_names_ipseckey),
		cmocka_unit_test(test_names_edge),
		cmocka_unit_test(test_by_id),
		cmocka_unit_test(test_by_id_never_synonym),
		cmocka_unit_test(test_key_bits_every_alg),
		cmocka_unit_test(test_key_bits_detail),
		cmocka_unit_test(test_key_bits_diag_optional),
		cmocka_unit_test(test_des_weak_keys),
		cmocka_unit_test(test_check_key_des),
		cmocka_unit_test(test_check_key_3des),
		cmocka_unit_test(test_check_key_other),
		cmocka_unit_test(test_parity),
		cmocka_unit_test(test_supported_auth),
		cmocka_unit_test(test_supported_encr),
		cmocka_unit_test(test_supported_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
