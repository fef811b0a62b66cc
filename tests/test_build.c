/*
 * test_build.c - the builder (lib/build.c), checked by parsing what it
 * writes: every message type and every extension type goes through
 * build -> pk_msg_parse() -> field-by-field comparison, and the builder's
 * own contract (8-byte padding, sadb_msg_len, sticky errors, the 2^16-1
 * word limit) is checked after every append.
 *
 * Every parsed message lives in a malloc'd copy of exactly its length, so
 * that an ASan build catches any read past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "fixtures.h"
#include "pfkey/msg.h"

#define B(t) PK_EXT_BIT(SADB_EXT_##t)
#define X(t) PK_EXT_BIT(SADB_X_EXT_##t)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_FIXTURES 64

/* ------------------------------------------------------------- helpers */

struct parsed {
	uint8_t		*mem;	/* exact-size copy the pk_msg points into */
	struct pk_msg	m;
};

static void parse_ok_at(struct parsed *p, const void *buf, size_t len,
			const char *file, int line)
{
	struct pk_diag d;
	int rc;

	p->mem = malloc(len > 0 ? len : 1);
	assert_non_null(p->mem);
	memcpy(p->mem, buf, len);
	rc = pk_msg_parse(&p->m, p->mem, len, &d);
	if (rc != 0)
		print_message("pk_msg_parse: %d code %u ext %u off %u %s: %s\n",
			      rc, d.code, d.ext_type, d.offset,
			      d.field != NULL ? d.field : "-", d.detail);
	_assert_int_equal(rc, 0, file, line);
	_assert_int_equal(d.err, 0, file, line);
	_assert_int_equal(d.code, 0, file, line);
	_assert_true(p->m.hdr == (const void *)p->mem, "hdr", file, line);
	_assert_int_equal(p->m.len, len, file, line);
}
#define parse_ok(p, buf, len) parse_ok_at((p), (buf), (len), __FILE__, __LINE__)

static void parsed_free(struct parsed *p)
{
	free(p->mem);
	p->mem = NULL;
}

/* Offset of a parsed extension in its message. */
static size_t ext_off(const struct parsed *p, unsigned t)
{
	assert_non_null(p->m.ext[t]);
	return (size_t)((const uint8_t *)p->m.ext[t] - p->mem);
}

static uint16_t msg_len_field(const struct pk_buf *b)
{
	uint16_t w;

	memcpy(&w, b->base + offsetof(struct sadb_msg, sadb_msg_len), sizeof(w));
	return w;
}

/* The builder's invariants, checked after every append. */
static void check_buf_at(const struct pk_buf *b, const char *file, int line)
{
	_assert_int_equal(b->err, 0, file, line);
	_assert_int_equal(b->len % SADB_ALIGN, 0, file, line);
	_assert_int_equal(msg_len_field(b), b->len / SADB_ALIGN, file, line);
	if (b->last != 0) {
		const struct sadb_ext *e = (const void *)(b->base + b->last);

		_assert_int_equal(SADB_BYTES(e->sadb_ext_len), b->len - b->last,
				  file, line);
	}
}
#define check_buf(b) check_buf_at((b), __FILE__, __LINE__)

/* Asserts addr ext t holds the sockaddr fixture_sa(text, port) would make. */
static void check_addr_at(const struct parsed *p, unsigned t, const char *text,
			  uint16_t port, uint8_t proto, uint8_t prefix,
			  const char *file, int line)
{
	const struct sadb_address *a = PK_MSG_EXT(&p->m, t, sadb_address);
	struct sockaddr_storage want, got;
	size_t salen, wlen;

	_assert_true(a != NULL, "address present", file, line);
	fixture_sa(&want, text, port);
	wlen = pk_sockaddr_len(want.ss_family);
	salen = pk_address_sockaddr(a, &got);
	_assert_int_equal(salen, wlen, file, line);
	_assert_int_equal(got.ss_family, want.ss_family, file, line);
	_assert_int_equal(memcmp(&got, &want, wlen), 0, file, line);
	if (want.ss_family == AF_INET)
		_assert_int_equal(ntohs(((struct sockaddr_in *)&got)->sin_port),
				  port, file, line);
	else
		_assert_int_equal(ntohs(((struct sockaddr_in6 *)&got)->sin6_port),
				  port, file, line);
	_assert_int_equal(a->sadb_address_proto, proto, file, line);
	_assert_int_equal(a->sadb_address_prefixlen, prefix, file, line);
	_assert_int_equal(a->sadb_address_reserved, 0, file, line);
	_assert_int_equal(a->sadb_address_exttype, t, file, line);
	_assert_int_equal(SADB_BYTES(a->sadb_address_len),
			  SADB_BYTES(SADB_WORDS(sizeof(*a) + wlen)), file, line);
}
#define check_addr(p, t, text, port, proto, prefix) \
	check_addr_at((p), (t), (text), (port), (proto), (prefix), \
		      __FILE__, __LINE__)

static void sa_equal(const struct sockaddr_storage *got, const char *text,
		     uint16_t port)
{
	struct sockaddr_storage want;

	fixture_sa(&want, text, port);
	assert_int_equal(got->ss_family, want.ss_family);
	assert_memory_equal(got, &want, pk_sockaddr_len(want.ss_family));
	if (want.ss_family == AF_INET)
		assert_int_equal(ntohs(((const struct sockaddr_in *)got)->sin_port),
				 port);
	else
		assert_int_equal(ntohs(((const struct sockaddr_in6 *)got)->sin6_port),
				 port);
}

static const uint8_t key_a[32] = {
	0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
	0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0,
};

/* --------------------------------------- explicit build-then-parse cases */

/*
 * Each builder makes one message into buf and returns its length; the
 * round-trip test of the same name parses it and checks every field; the
 * coverage test runs all of them and asserts every extension type of the
 * ABI appeared in at least one parsed message.
 */
typedef size_t (*build_fn)(uint8_t *buf, size_t cap);

static size_t finish(struct pk_buf *b)
{
	check_buf(b);
	return b->len;
}

static size_t build_sa(uint8_t *buf, size_t cap)
{
	struct pk_buf b;
	struct sockaddr_storage s;

	pk_buf_init(&b, buf, cap);
	assert_int_equal(pk_msg_begin(&b, SADB_ADD, SADB_SATYPE_ESP,
				      0xa1b2c3d4, 0x01020304), 0);
	assert_int_equal(pk_add_sa(&b, 0x12345678, 64, SADB_SASTATE_DYING,
				   SADB_X_AALG_SHA2_256HMAC, SADB_X_EALG_AESCBC,
				   SADB_X_SAFLAGS_TUNNEL | SADB_SAFLAGS_NOECN |
				   SADB_SAFLAGS_PFS), 0);
	check_buf(&b);
	assert_int_equal(pk_add_address(&b, SADB_EXT_ADDRESS_DST,
					fixture_sa(&s, "10.9.8.7", 0), 0, 32), 0);
	return finish(&b);
}

static void test_rt_sa(void **state)
{
	uint8_t buf[256] __attribute__((aligned(8)));
	static const uint8_t spi_wire[4] = { 0x12, 0x34, 0x56, 0x78 };
	struct parsed p;
	const struct sadb_sa *sa;
	size_t len = build_sa(buf, sizeof(buf));

	(void)state;
	parse_ok(&p, buf, len);
	assert_int_equal(p.m.hdr->sadb_msg_version, PF_KEY_V2);
	assert_int_equal(p.m.hdr->sadb_msg_type, SADB_ADD);
	assert_int_equal(p.m.hdr->sadb_msg_satype, SADB_SATYPE_ESP);
	assert_int_equal(p.m.hdr->sadb_msg_errno, 0);
	assert_int_equal(p.m.hdr->sadb_msg_reserved, 0);
	assert_int_equal(p.m.hdr->sadb_msg_seq, 0xa1b2c3d4);
	assert_int_equal(p.m.hdr->sadb_msg_pid, 0x01020304);
	assert_int_equal(p.m.hdr->sadb_msg_len, len / 8);
	assert_int_equal(p.m.present, B(SA) | B(ADDRESS_DST));

	sa = PK_MSG_EXT(&p.m, SADB_EXT_SA, sadb_sa);
	assert_non_null(sa);
	assert_int_equal(ext_off(&p, SADB_EXT_SA), sizeof(struct sadb_msg));
	assert_int_equal(sa->sadb_sa_len, 2);
	assert_int_equal(sa->sadb_sa_exttype, SADB_EXT_SA);
	/* host order in, network order on the wire */
	assert_memory_equal((const uint8_t *)sa + 4, spi_wire, 4);
	assert_int_equal(sa->sadb_sa_spi, htonl(0x12345678));
	assert_int_equal(ntohl(sa->sadb_sa_spi), 0x12345678);
	assert_int_equal(sa->sadb_sa_replay, 64);
	assert_int_equal(sa->sadb_sa_state, SADB_SASTATE_DYING);
	assert_int_equal(sa->sadb_sa_auth, SADB_X_AALG_SHA2_256HMAC);
	assert_int_equal(sa->sadb_sa_encrypt, SADB_X_EALG_AESCBC);
	assert_int_equal(sa->sadb_sa_flags, SADB_X_SAFLAGS_TUNNEL |
			 SADB_SAFLAGS_NOECN | SADB_SAFLAGS_PFS);
	check_addr(&p, SADB_EXT_ADDRESS_DST, "10.9.8.7", 0, 0, 32);
	assert_int_equal(pk_msg_check(&p.m, NULL), 0);
	parsed_free(&p);
}

static size_t build_lifetimes(uint8_t *buf, size_t cap)
{
	struct pk_buf b;

	pk_buf_init(&b, buf, cap);
	pk_msg_begin(&b, SADB_EXPIRE, SADB_SATYPE_AH, 3, 4);
	assert_int_equal(pk_add_lifetime(&b, SADB_EXT_LIFETIME_CURRENT, 7,
					 0x0123456789abcdefULL, 1700000000,
					 1700000100), 0);
	check_buf(&b);
	assert_int_equal(pk_add_lifetime(&b, SADB_EXT_LIFETIME_HARD, 1000,
					 UINT64_MAX, 3600, 1800), 0);
	check_buf(&b);
	assert_int_equal(pk_add_lifetime(&b, SADB_EXT_LIFETIME_SOFT, 800,
					 1ULL << 40, 2880, 1440), 0);
	check_buf(&b);
	assert_int_equal(pk_add_lifetime(&b, SADB_X_EXT_LIFETIME_IDLE,
					 UINT32_MAX, 0, 600, 300), 0);
	return finish(&b);
}

static void check_lifetime(const struct parsed *p, unsigned t, uint32_t alloc,
			   uint64_t bytes, uint64_t add, uint64_t use)
{
	const struct sadb_lifetime *l = PK_MSG_EXT(&p->m, t, sadb_lifetime);

	assert_non_null(l);
	assert_int_equal(l->sadb_lifetime_len, 4);
	assert_int_equal(l->sadb_lifetime_exttype, t);
	assert_int_equal(l->sadb_lifetime_allocations, alloc);
	assert_true(l->sadb_lifetime_bytes == bytes);
	assert_true(l->sadb_lifetime_addtime == add);
	assert_true(l->sadb_lifetime_usetime == use);
}

static void test_rt_lifetimes(void **state)
{
	uint8_t buf[256] __attribute__((aligned(8)));
	struct parsed p;
	size_t len = build_lifetimes(buf, sizeof(buf));

	(void)state;
	assert_int_equal(len, 16 + 4 * 32);
	parse_ok(&p, buf, len);
	assert_int_equal(p.m.hdr->sadb_msg_type, SADB_EXPIRE);
	assert_int_equal(p.m.present, B(LIFETIME_CURRENT) | B(LIFETIME_HARD) |
			 B(LIFETIME_SOFT) | X(LIFETIME_IDLE));
	check_lifetime(&p, SADB_EXT_LIFETIME_CURRENT, 7, 0x0123456789abcdefULL,
		       1700000000, 1700000100);
	check_lifetime(&p, SADB_EXT_LIFETIME_HARD, 1000, UINT64_MAX, 3600, 1800);
	check_lifetime(&p, SADB_EXT_LIFETIME_SOFT, 800, 1ULL << 40, 2880, 1440);
	check_lifetime(&p, SADB_X_EXT_LIFETIME_IDLE, UINT32_MAX, 0, 600, 300);
	/* in the order appended */
	assert_int_equal(ext_off(&p, SADB_EXT_LIFETIME_CURRENT), 16);
	assert_int_equal(ext_off(&p, SADB_X_EXT_LIFETIME_IDLE), 16 + 3 * 32);
	parsed_free(&p);
}

static size_t build_addresses(uint8_t *buf, size_t cap)
{
	struct pk_buf b;
	struct sockaddr_storage s;

	pk_buf_init(&b, buf, cap);
	pk_msg_begin(&b, SADB_ADD, SADB_SATYPE_ESP, 1, 2);
	pk_add_address(&b, SADB_EXT_ADDRESS_SRC,
		       fixture_sa(&s, "192.0.2.1", 500), IPPROTO_UDP, 32);
	check_buf(&b);
	pk_add_address(&b, SADB_EXT_ADDRESS_DST,
		       fixture_sa(&s, "192.0.2.254", 4500), IPPROTO_UDP, 24);
	check_buf(&b);
	pk_add_address(&b, SADB_EXT_ADDRESS_PROXY,
		       fixture_sa(&s, "2001:db8:1::", 0), IPPROTO_TCP, 48);
	check_buf(&b);
	pk_add_address(&b, SADB_X_EXT_ADDRESS_INNER_DST,
		       fixture_sa(&s, "2001:db8:2::7", 443), IPPROTO_TCP, 128);
	check_buf(&b);
	pk_add_address(&b, SADB_X_EXT_NAT_T_OA,
		       fixture_sa(&s, "10.0.0.10", 0), IPSEC_ULPROTO_ANY, 0);
	check_buf(&b);
	pk_add_address(&b, SADB_X_EXT_ADDRESS_NATT_LOC,
		       fixture_sa(&s, "198.51.100.1", 4500), 0, 32);
	check_buf(&b);
	pk_add_address(&b, SADB_X_EXT_ADDRESS_NATT_REM,
		       fixture_sa(&s, "fe80::1", 4501), 0, 64);
	return finish(&b);
}

static void test_rt_addresses(void **state)
{
	uint8_t buf[512] __attribute__((aligned(8)));
	struct parsed p;
	size_t len = build_addresses(buf, sizeof(buf));

	(void)state;
	/* v4: 8 + 16 = 24 bytes; v6: 8 + 28 = 36 -> 40 */
	assert_int_equal(len, 16 + 24 + 24 + 40 + 40 + 24 + 24 + 40);
	parse_ok(&p, buf, len);
	assert_int_equal(p.m.present, B(ADDRESS_SRC) | B(ADDRESS_DST) |
			 B(ADDRESS_PROXY) | X(ADDRESS_INNER_DST) | X(NAT_T_OA) |
			 X(ADDRESS_NATT_LOC) | X(ADDRESS_NATT_REM));
	check_addr(&p, SADB_EXT_ADDRESS_SRC, "192.0.2.1", 500, IPPROTO_UDP, 32);
	check_addr(&p, SADB_EXT_ADDRESS_DST, "192.0.2.254", 4500, IPPROTO_UDP,
		   24);
	check_addr(&p, SADB_EXT_ADDRESS_PROXY, "2001:db8:1::", 0, IPPROTO_TCP,
		   48);
	check_addr(&p, SADB_X_EXT_ADDRESS_INNER_DST, "2001:db8:2::7", 443,
		   IPPROTO_TCP, 128);
	check_addr(&p, SADB_X_EXT_NAT_T_OA, "10.0.0.10", 0, IPSEC_ULPROTO_ANY,
		   0);
	check_addr(&p, SADB_X_EXT_ADDRESS_NATT_LOC, "198.51.100.1", 4500, 0, 32);
	check_addr(&p, SADB_X_EXT_ADDRESS_NATT_REM, "fe80::1", 4501, 0, 64);
	/* the port really is in network order on the wire */
	assert_int_equal(p.mem[ext_off(&p, SADB_EXT_ADDRESS_SRC) + 8 + 2], 0x01);
	assert_int_equal(p.mem[ext_off(&p, SADB_EXT_ADDRESS_SRC) + 8 + 3], 0xf4);
	/* the v6 padding (36 -> 40) is zero */
	for (size_t i = 36; i < 40; i++)
		assert_int_equal(p.mem[ext_off(&p, SADB_EXT_ADDRESS_PROXY) + i], 0);
	parsed_free(&p);
}

static size_t build_keys(uint8_t *buf, size_t cap)
{
	struct pk_buf b;
	struct sockaddr_storage s;

	pk_buf_init(&b, buf, cap);
	/* Fill with a pattern to prove the builder zero-fills the padding. */
	memset(buf, 0xa5, cap);
	pk_msg_begin(&b, SADB_UPDATE, SADB_SATYPE_ESP, 5, 6);
	pk_add_sa(&b, 0x5000, 4, SADB_SASTATE_MATURE, SADB_AALG_SHA1HMAC,
		  SADB_X_EALG_BLOWFISHCBC, 0);
	pk_add_address(&b, SADB_EXT_ADDRESS_DST, fixture_sa(&s, "10.1.1.2", 0),
		       0, 32);
	assert_int_equal(pk_add_key(&b, SADB_EXT_KEY_AUTH, key_a, 160, 0), 0);
	check_buf(&b);
	/* 44 bits -> 6 bytes of key -> 8 + 6 = 14 -> a 16-byte extension */
	assert_int_equal(pk_add_key(&b, SADB_EXT_KEY_ENCRYPT, key_a + 8, 44, 4),
			 0);
	return finish(&b);
}

static void test_rt_keys(void **state)
{
	uint8_t buf[512] __attribute__((aligned(8)));
	struct parsed p;
	const struct sadb_key *k;
	size_t len = build_keys(buf, sizeof(buf)), off;

	(void)state;
	parse_ok(&p, buf, len);
	assert_int_equal(p.m.present, B(SA) | B(ADDRESS_DST) | B(KEY_AUTH) |
			 B(KEY_ENCRYPT));

	k = PK_MSG_EXT(&p.m, SADB_EXT_KEY_AUTH, sadb_key);
	assert_non_null(k);
	assert_int_equal(k->sadb_key_len, 4);		/* 8 + 20 = 28 -> 32 */
	assert_int_equal(k->sadb_key_exttype, SADB_EXT_KEY_AUTH);
	assert_int_equal(k->sadb_key_bits, 160);
	assert_int_equal(k->sadb_key_reserved, 0);
	assert_memory_equal(pk_key_data(k), key_a, 20);
	off = ext_off(&p, SADB_EXT_KEY_AUTH);
	for (size_t i = 28; i < 32; i++)
		assert_int_equal(p.mem[off + i], 0);

	k = PK_MSG_EXT(&p.m, SADB_EXT_KEY_ENCRYPT, sadb_key);
	assert_non_null(k);
	assert_int_equal(k->sadb_key_len, 2);		/* 16 bytes */
	assert_int_equal(k->sadb_key_bits, 44);
	assert_int_equal(k->sadb_key_reserved, 4);
	assert_memory_equal(pk_key_data(k), key_a + 8, 6);
	off = ext_off(&p, SADB_EXT_KEY_ENCRYPT);
	assert_int_equal(off + 16, len);
	assert_int_equal(p.mem[off + 14], 0);
	assert_int_equal(p.mem[off + 15], 0);
	assert_int_equal(pk_msg_check(&p.m, NULL), 0);
	parsed_free(&p);
}

static void test_rt_key_zero_bits(void **state)
{
	uint8_t buf[64] __attribute__((aligned(8)));
	struct pk_buf b;
	struct parsed p;
	const struct sadb_key *k;

	(void)state;
	pk_buf_init(&b, buf, sizeof(buf));
	pk_msg_begin(&b, SADB_ADD, SADB_SATYPE_ESP, 0, 0);
	assert_int_equal(pk_add_key(&b, SADB_EXT_KEY_ENCRYPT, NULL, 0, 0), 0);
	check_buf(&b);
	assert_int_equal(b.len, 24);
	parse_ok(&p, buf, b.len);
	k = PK_MSG_EXT(&p.m, SADB_EXT_KEY_ENCRYPT, sadb_key);
	assert_int_equal(k->sadb_key_len, 1);
	assert_int_equal(k->sadb_key_bits, 0);
	parsed_free(&p);
}

static size_t build_idents(uint8_t *buf, size_t cap)
{
	struct pk_buf b;

	pk_buf_init(&b, buf, cap);
	memset(buf, 0xa5, cap);
	pk_msg_begin(&b, SADB_ACQUIRE, SADB_SATYPE_ESP, 9, 0);
	/* 16 + 15 + 1 = 32: exactly four words, no padding */
	assert_int_equal(pk_add_ident(&b, SADB_EXT_IDENTITY_SRC,
				      SADB_IDENTTYPE_FQDN, 0,
				      "vpn.example.org"), 0);
	check_buf(&b);
	/* no string: just the 16-byte structure */
	assert_int_equal(pk_add_ident(&b, SADB_EXT_IDENTITY_DST,
				      SADB_IDENTTYPE_PREFIX,
				      0x1122334455667788ULL, NULL), 0);
	return finish(&b);
}

static void test_rt_identities(void **state)
{
	uint8_t buf[256] __attribute__((aligned(8)));
	struct parsed p;
	const struct sadb_ident *i;
	size_t len = build_idents(buf, sizeof(buf));

	(void)state;
	assert_int_equal(len, 16 + 32 + 16);
	parse_ok(&p, buf, len);
	assert_int_equal(p.m.present, B(IDENTITY_SRC) | B(IDENTITY_DST));
	i = PK_MSG_EXT(&p.m, SADB_EXT_IDENTITY_SRC, sadb_ident);
	assert_int_equal(i->sadb_ident_len, 4);
	assert_int_equal(i->sadb_ident_exttype, SADB_EXT_IDENTITY_SRC);
	assert_int_equal(i->sadb_ident_type, SADB_IDENTTYPE_FQDN);
	assert_int_equal(i->sadb_ident_reserved, 0);
	assert_true(i->sadb_ident_id == 0);
	assert_string_equal((const char *)(i + 1), "vpn.example.org");
	i = PK_MSG_EXT(&p.m, SADB_EXT_IDENTITY_DST, sadb_ident);
	assert_int_equal(i->sadb_ident_len, 2);
	assert_int_equal(i->sadb_ident_type, SADB_IDENTTYPE_PREFIX);
	assert_true(i->sadb_ident_id == 0x1122334455667788ULL);
	parsed_free(&p);

	/* a string that needs padding: 16 + 6 + 1 = 23 -> 24, NUL-filled */
	{
		struct pk_buf b;

		pk_buf_init(&b, buf, sizeof(buf));
		memset(buf, 0xa5, sizeof(buf));
		pk_msg_begin(&b, SADB_ACQUIRE, SADB_SATYPE_ESP, 0, 0);
		pk_add_ident(&b, SADB_EXT_IDENTITY_SRC, SADB_IDENTTYPE_USERFQDN,
			     42, "a@b.cd");
		check_buf(&b);
		assert_int_equal(b.len, 16 + 24);
		parse_ok(&p, buf, b.len);
		i = PK_MSG_EXT(&p.m, SADB_EXT_IDENTITY_SRC, sadb_ident);
		assert_string_equal((const char *)(i + 1), "a@b.cd");
		assert_true(i->sadb_ident_id == 42);
		assert_int_equal(p.mem[16 + 23], 0);
		parsed_free(&p);
	}
}

static const uint64_t sens_map[3] = {
	0x8000000000000001ULL, 0x00ff00ff00ff00ffULL, 0x0123456789abcdefULL,
};
static const uint64_t integ_map[2] = {
	0xfedcba9876543210ULL, 0x1ULL,
};

static size_t build_sens(uint8_t *buf, size_t cap)
{
	struct pk_buf b;
	struct sockaddr_storage s;

	pk_buf_init(&b, buf, cap);
	pk_msg_begin(&b, SADB_ADD, SADB_SATYPE_AH, 1, 1);
	pk_add_sa(&b, 0x3000, 0, SADB_SASTATE_MATURE, SADB_AALG_SHA1HMAC, 0, 0);
	pk_add_address(&b, SADB_EXT_ADDRESS_DST, fixture_sa(&s, "fd00::2", 0),
		       0, 128);
	assert_int_equal(pk_add_sens(&b, SADB_EXT_SENSITIVITY, 1, 5, sens_map,
				     3, 7, integ_map, 2), 0);
	check_buf(&b);
	assert_int_equal(pk_add_sens(&b, SADB_X_EXT_OUTER_SENS, 2, 9, NULL, 0,
				     3, integ_map, 1), 0);
	return finish(&b);
}

static void test_rt_sens(void **state)
{
	uint8_t buf[512] __attribute__((aligned(8)));
	struct parsed p;
	const struct sadb_sens *s;
	uint64_t maps[5];
	size_t len = build_sens(buf, sizeof(buf));

	(void)state;
	parse_ok(&p, buf, len);
	s = PK_MSG_EXT(&p.m, SADB_EXT_SENSITIVITY, sadb_sens);
	assert_non_null(s);
	assert_int_equal(s->sadb_sens_len, 2 + 5);
	assert_int_equal(s->sadb_sens_dpd, 1);
	assert_int_equal(s->sadb_sens_sens_level, 5);
	assert_int_equal(s->sadb_sens_sens_len, 3);
	assert_int_equal(s->sadb_sens_integ_level, 7);
	assert_int_equal(s->sadb_sens_integ_len, 2);
	assert_int_equal(s->sadb_sens_reserved, 0);
	memcpy(maps, s + 1, sizeof(maps));
	assert_memory_equal(maps, sens_map, sizeof(sens_map));
	assert_memory_equal(maps + 3, integ_map, sizeof(integ_map));

	s = PK_MSG_EXT(&p.m, SADB_X_EXT_OUTER_SENS, sadb_sens);
	assert_non_null(s);
	assert_int_equal(s->sadb_sens_len, 3);
	assert_int_equal(s->sadb_sens_exttype, SADB_X_EXT_OUTER_SENS);
	assert_int_equal(s->sadb_sens_dpd, 2);
	assert_int_equal(s->sadb_sens_sens_level, 9);
	assert_int_equal(s->sadb_sens_sens_len, 0);
	assert_int_equal(s->sadb_sens_integ_level, 3);
	assert_int_equal(s->sadb_sens_integ_len, 1);
	memcpy(maps, s + 1, sizeof(uint64_t));
	assert_true(maps[0] == integ_map[0]);
	assert_int_equal(pk_msg_check(&p.m, NULL), 0);
	parsed_free(&p);
}

static struct sadb_comb make_comb(unsigned i)
{
	struct sadb_comb c = {
		.sadb_comb_auth = (uint8_t)(SADB_AALG_SHA1HMAC + i),
		.sadb_comb_encrypt = (uint8_t)(SADB_X_EALG_AESCBC + i),
		.sadb_comb_flags = (uint16_t)(0x100 + i),
		.sadb_comb_auth_minbits = (uint16_t)(128 + i),
		.sadb_comb_auth_maxbits = (uint16_t)(256 + i),
		.sadb_comb_encrypt_minbits = (uint16_t)(64 + i),
		.sadb_comb_encrypt_maxbits = (uint16_t)(512 + i),
		.sadb_comb_soft_allocations = 1000 + i,
		.sadb_comb_hard_allocations = 2000 + i,
		.sadb_comb_soft_bytes = (1ULL << 33) + i,
		.sadb_comb_hard_bytes = (1ULL << 34) + i,
		.sadb_comb_soft_addtime = 2880 + i,
		.sadb_comb_hard_addtime = 3600 + i,
		.sadb_comb_soft_usetime = 1440 + i,
		.sadb_comb_hard_usetime = 1800 + i,
	};

	return c;
}

static size_t build_prop(uint8_t *buf, size_t cap)
{
	struct sadb_comb c[3] = { make_comb(0), make_comb(1), make_comb(2) };
	struct pk_buf b;

	pk_buf_init(&b, buf, cap);
	pk_msg_begin(&b, SADB_ACQUIRE, SADB_SATYPE_ESP, 9, 0);
	assert_int_equal(pk_add_prop(&b, 32, c, 3), 0);
	return finish(&b);
}

static void test_rt_prop(void **state)
{
	uint8_t buf[512] __attribute__((aligned(8)));
	struct parsed p;
	const struct sadb_prop *pr;
	size_t len = build_prop(buf, sizeof(buf));

	(void)state;
	parse_ok(&p, buf, len);
	pr = PK_MSG_EXT(&p.m, SADB_EXT_PROPOSAL, sadb_prop);
	assert_non_null(pr);
	assert_int_equal(SADB_BYTES(pr->sadb_prop_len), 8 + 3 * 72);
	assert_int_equal(pr->sadb_prop_replay, 32);
	assert_int_equal(pr->sadb_prop_reserved[0] | pr->sadb_prop_reserved[1] |
			 pr->sadb_prop_reserved[2], 0);
	for (unsigned i = 0; i < 3; i++) {
		struct sadb_comb got, want = make_comb(i);

		memcpy(&got, (const uint8_t *)(pr + 1) + i * sizeof(got),
		       sizeof(got));
		assert_memory_equal(&got, &want, sizeof(got));
		assert_int_equal(got.sadb_comb_auth_maxbits, 256 + i);
		assert_true(got.sadb_comb_hard_usetime == 1800 + i);
	}
	assert_int_equal(pk_msg_check(&p.m, NULL), 0);
	parsed_free(&p);
}

static const struct sadb_alg auth_algs[3] = {
	{ SADB_AALG_MD5HMAC, 0, 128, 128, 0 },
	{ SADB_AALG_SHA1HMAC, 0, 160, 160, 0 },
	{ SADB_X_AALG_SHA2_512HMAC, 0, 512, 512, 0 },
};
static const struct sadb_alg encr_algs[2] = {
	{ SADB_X_EALG_AESCBC, 16, 128, 256, 0 },
	{ SADB_X_EALG_AES_GCM_ICV16, 8, 160, 288, 0 },
};

static size_t build_supported(uint8_t *buf, size_t cap)
{
	struct pk_buf b;

	pk_buf_init(&b, buf, cap);
	pk_msg_begin(&b, SADB_REGISTER, SADB_SATYPE_ESP, 1, 2);
	assert_int_equal(pk_add_supported(&b, SADB_EXT_SUPPORTED_AUTH,
					  auth_algs, 3), 0);
	check_buf(&b);
	assert_int_equal(pk_add_supported(&b, SADB_EXT_SUPPORTED_ENCRYPT,
					  encr_algs, 2), 0);
	return finish(&b);
}

static void test_rt_supported(void **state)
{
	uint8_t buf[256] __attribute__((aligned(8)));
	struct parsed p;
	const struct sadb_supported *s;
	size_t len = build_supported(buf, sizeof(buf));

	(void)state;
	assert_int_equal(len, 16 + 8 + 24 + 8 + 16);
	parse_ok(&p, buf, len);
	s = PK_MSG_EXT(&p.m, SADB_EXT_SUPPORTED_AUTH, sadb_supported);
	assert_non_null(s);
	assert_int_equal(s->sadb_supported_reserved, 0);
	assert_int_equal(pk_supported_count(s), 3);
	for (size_t i = 0; i < 3; i++) {
		struct sadb_alg a = pk_supported_alg(s, i);

		assert_int_equal(a.sadb_alg_id, auth_algs[i].sadb_alg_id);
		assert_int_equal(a.sadb_alg_ivlen, auth_algs[i].sadb_alg_ivlen);
		assert_int_equal(a.sadb_alg_minbits, auth_algs[i].sadb_alg_minbits);
		assert_int_equal(a.sadb_alg_maxbits, auth_algs[i].sadb_alg_maxbits);
		assert_int_equal(a.sadb_alg_reserved, 0);
	}
	s = PK_MSG_EXT(&p.m, SADB_EXT_SUPPORTED_ENCRYPT, sadb_supported);
	assert_non_null(s);
	assert_int_equal(pk_supported_count(s), 2);
	for (size_t i = 0; i < 2; i++) {
		struct sadb_alg a = pk_supported_alg(s, i);

		assert_memory_equal(&a, &encr_algs[i], sizeof(a));
	}
	parsed_free(&p);

	/* an empty list is just the 8-byte header */
	{
		struct pk_buf b;

		pk_buf_init(&b, buf, sizeof(buf));
		pk_msg_begin(&b, SADB_REGISTER, SADB_SATYPE_AH, 0, 0);
		assert_int_equal(pk_add_supported(&b, SADB_EXT_SUPPORTED_AUTH,
						  NULL, 0), 0);
		check_buf(&b);
		parse_ok(&p, buf, b.len);
		s = PK_MSG_EXT(&p.m, SADB_EXT_SUPPORTED_AUTH, sadb_supported);
		assert_int_equal(pk_supported_count(s), 0);
		parsed_free(&p);
	}
}

static size_t build_spirange(uint8_t *buf, size_t cap)
{
	struct pk_buf b;
	struct sockaddr_storage s;

	pk_buf_init(&b, buf, cap);
	pk_msg_begin(&b, SADB_GETSPI, SADB_SATYPE_ESP, 6, 7);
	pk_add_address(&b, SADB_EXT_ADDRESS_SRC, fixture_sa(&s, "10.0.0.1", 0),
		       0, 32);
	pk_add_address(&b, SADB_EXT_ADDRESS_DST, fixture_sa(&s, "10.0.0.2", 0),
		       0, 32);
	assert_int_equal(pk_add_spirange(&b, 0x100, 0x0fffffff), 0);
	check_buf(&b);
	assert_int_equal(pk_add_sa2(&b, IPSEC_MODE_BEET, 0x3fff, 0xdeadbeef), 0);
	return finish(&b);
}

static void test_rt_spirange_sa2(void **state)
{
	uint8_t buf[256] __attribute__((aligned(8)));
	struct parsed p;
	const struct sadb_spirange *r;
	const struct sadb_x_sa2 *s2;
	size_t len = build_spirange(buf, sizeof(buf));

	(void)state;
	parse_ok(&p, buf, len);
	r = PK_MSG_EXT(&p.m, SADB_EXT_SPIRANGE, sadb_spirange);
	assert_non_null(r);
	assert_int_equal(r->sadb_spirange_len, 2);
	assert_int_equal(r->sadb_spirange_min, 0x100);		/* host order */
	assert_int_equal(r->sadb_spirange_max, 0x0fffffff);
	assert_int_equal(r->sadb_spirange_reserved, 0);
	s2 = PK_MSG_EXT(&p.m, SADB_X_EXT_SA2, sadb_x_sa2);
	assert_non_null(s2);
	assert_int_equal(s2->sadb_x_sa2_len, 2);
	assert_int_equal(s2->sadb_x_sa2_mode, IPSEC_MODE_BEET);
	assert_int_equal(s2->sadb_x_sa2_reserved1, 0);
	assert_int_equal(s2->sadb_x_sa2_reserved2, 0);
	assert_int_equal(s2->sadb_x_sa2_reqid, 0x3fff);
	assert_int_equal(s2->sadb_x_sa2_sequence, 0xdeadbeef);
	assert_int_equal(pk_msg_check(&p.m, NULL), 0);
	parsed_free(&p);
}

static const char kmpriv_data[13] = "racoon-state";	/* 12 + NUL */

static size_t build_kmprivate(uint8_t *buf, size_t cap)
{
	struct pk_buf b;

	pk_buf_init(&b, buf, cap);
	memset(buf, 0xa5, cap);
	pk_msg_begin(&b, SADB_X_SPDACQUIRE, 0, 13, 0);
	assert_int_equal(pk_add_kmprivate(&b, kmpriv_data, sizeof(kmpriv_data)),
			 0);
	return finish(&b);
}

static void test_rt_kmprivate(void **state)
{
	uint8_t buf[128] __attribute__((aligned(8)));
	struct parsed p;
	const struct sadb_x_kmprivate *k;
	size_t len = build_kmprivate(buf, sizeof(buf));

	(void)state;
	assert_int_equal(len, 16 + 24);		/* 8 + 13 = 21 -> 24 */
	parse_ok(&p, buf, len);
	k = PK_MSG_EXT(&p.m, SADB_X_EXT_KMPRIVATE, sadb_x_kmprivate);
	assert_non_null(k);
	assert_int_equal(k->sadb_x_kmprivate_len, 3);
	assert_int_equal(k->sadb_x_kmprivate_reserved, 0);
	assert_memory_equal(k + 1, kmpriv_data, sizeof(kmpriv_data));
	for (size_t i = 16 + 8 + 13; i < len; i++)
		assert_int_equal(p.mem[i], 0);
	parsed_free(&p);
}

static size_t build_policy(uint8_t *buf, size_t cap)
{
	struct pk_buf b;
	struct sockaddr_storage s, d;

	pk_buf_init(&b, buf, cap);
	pk_msg_begin(&b, SADB_X_SPDADD, 0, 14, 15);
	pk_add_address(&b, SADB_EXT_ADDRESS_SRC,
		       fixture_sa(&s, "10.0.0.0", 0), IPPROTO_TCP, 24);
	pk_add_address(&b, SADB_EXT_ADDRESS_DST,
		       fixture_sa(&d, "10.0.1.0", 80), IPPROTO_TCP, 24);
	assert_int_equal(pk_add_policy(&b, IPSEC_POLICY_IPSEC,
				       IPSEC_DIR_OUTBOUND, 0x11223344,
				       PK_PRIORITY_HIGH + 7), 0);
	check_buf(&b);
	/* ESP tunnel with v4 endpoints and ports */
	assert_int_equal(pk_add_policy_request(&b, IPPROTO_ESP,
			 IPSEC_MODE_TUNNEL, IPSEC_LEVEL_REQUIRE, 0,
			 fixture_sa(&s, "192.0.2.1", 500),
			 fixture_sa(&d, "192.0.2.2", 4500)), 0);
	check_buf(&b);
	/* AH transport, no endpoints */
	assert_int_equal(pk_add_policy_request(&b, IPPROTO_AH,
			 IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_USE, 0, NULL, NULL),
			 0);
	check_buf(&b);
	/* IPComp tunnel with v6 endpoints and ports */
	assert_int_equal(pk_add_policy_request(&b, IPPROTO_COMP,
			 IPSEC_MODE_TUNNEL, IPSEC_LEVEL_UNIQUE, 1234,
			 fixture_sa(&s, "2001:db8::1", 1701),
			 fixture_sa(&d, "2001:db8::2", 1702)), 0);
	check_buf(&b);
	/* BEET, default level */
	assert_int_equal(pk_add_policy_request(&b, IPPROTO_ESP,
			 IPSEC_MODE_BEET, IPSEC_LEVEL_DEFAULT, 7, NULL, NULL),
			 0);
	return finish(&b);
}

static void test_rt_policy(void **state)
{
	uint8_t buf[512] __attribute__((aligned(8)));
	struct parsed p;
	const struct sadb_x_policy *pol;
	const struct sadb_x_ipsecrequest *r;
	struct sockaddr_storage ts, td;
	size_t len = build_policy(buf, sizeof(buf));

	(void)state;
	parse_ok(&p, buf, len);
	assert_int_equal(p.m.present, B(ADDRESS_SRC) | B(ADDRESS_DST) |
			 X(POLICY));
	check_addr(&p, SADB_EXT_ADDRESS_DST, "10.0.1.0", 80, IPPROTO_TCP, 24);
	pol = PK_MSG_EXT(&p.m, SADB_X_EXT_POLICY, sadb_x_policy);
	assert_non_null(pol);
	/* 16 + 48 (v4 tunnel) + 16 + 72 (v6 tunnel: 16 + 56) + 16 */
	assert_int_equal(SADB_BYTES(pol->sadb_x_policy_len),
			 16 + 48 + 16 + 72 + 16);
	assert_int_equal(ext_off(&p, SADB_X_EXT_POLICY) +
			 SADB_BYTES(pol->sadb_x_policy_len), len);
	assert_int_equal(pol->sadb_x_policy_type, IPSEC_POLICY_IPSEC);
	assert_int_equal(pol->sadb_x_policy_dir, IPSEC_DIR_OUTBOUND);
	assert_int_equal(pol->sadb_x_policy_reserved, 0);
	assert_int_equal(pol->sadb_x_policy_id, 0x11223344);
	assert_int_equal(pol->sadb_x_policy_priority, PK_PRIORITY_HIGH + 7);

	r = pk_policy_next_request(pol, NULL);
	assert_non_null(r);
	assert_ptr_equal(r, (const uint8_t *)pol + 16);
	assert_int_equal(r->sadb_x_ipsecrequest_len, 48);
	assert_int_equal(r->sadb_x_ipsecrequest_proto, IPPROTO_ESP);
	assert_int_equal(r->sadb_x_ipsecrequest_mode, IPSEC_MODE_TUNNEL);
	assert_int_equal(r->sadb_x_ipsecrequest_level, IPSEC_LEVEL_REQUIRE);
	assert_int_equal(r->sadb_x_ipsecrequest_reqid, 0);
	assert_int_equal(r->sadb_x_ipsecrequest_reserved1, 0);
	assert_int_equal(r->sadb_x_ipsecrequest_reserved2, 0);
	assert_int_equal(pk_request_endpoints(r, &ts, &td), 1);
	sa_equal(&ts, "192.0.2.1", 500);
	sa_equal(&td, "192.0.2.2", 4500);

	r = pk_policy_next_request(pol, r);
	assert_non_null(r);
	assert_int_equal(r->sadb_x_ipsecrequest_len, 16);
	assert_int_equal(r->sadb_x_ipsecrequest_proto, IPPROTO_AH);
	assert_int_equal(r->sadb_x_ipsecrequest_mode, IPSEC_MODE_TRANSPORT);
	assert_int_equal(r->sadb_x_ipsecrequest_level, IPSEC_LEVEL_USE);
	assert_int_equal(pk_request_endpoints(r, &ts, &td), 0);

	r = pk_policy_next_request(pol, r);
	assert_non_null(r);
	assert_int_equal(r->sadb_x_ipsecrequest_len, 72);
	assert_int_equal(r->sadb_x_ipsecrequest_proto, IPPROTO_COMP);
	assert_int_equal(r->sadb_x_ipsecrequest_mode, IPSEC_MODE_TUNNEL);
	assert_int_equal(r->sadb_x_ipsecrequest_level, IPSEC_LEVEL_UNIQUE);
	assert_int_equal(r->sadb_x_ipsecrequest_reqid, 1234);
	assert_int_equal(pk_request_endpoints(r, &ts, &td), 1);
	sa_equal(&ts, "2001:db8::1", 1701);
	sa_equal(&td, "2001:db8::2", 1702);

	r = pk_policy_next_request(pol, r);
	assert_non_null(r);
	assert_int_equal(r->sadb_x_ipsecrequest_len, 16);
	assert_int_equal(r->sadb_x_ipsecrequest_mode, IPSEC_MODE_BEET);
	assert_int_equal(r->sadb_x_ipsecrequest_level, IPSEC_LEVEL_DEFAULT);
	assert_int_equal(r->sadb_x_ipsecrequest_reqid, 7);
	assert_int_equal(pk_request_endpoints(r, &ts, &td), 0);

	assert_null(pk_policy_next_request(pol, r));
	assert_int_equal(pk_msg_check(&p.m, NULL), 0);
	parsed_free(&p);
}

static void test_rt_policy_no_requests(void **state)
{
	uint8_t buf[64] __attribute__((aligned(8)));
	struct pk_buf b;
	struct parsed p;
	const struct sadb_x_policy *pol;

	(void)state;
	pk_buf_init(&b, buf, sizeof(buf));
	pk_msg_begin(&b, SADB_X_SPDGET, 0, 1, 2);
	pk_add_policy(&b, IPSEC_POLICY_BYPASS, IPSEC_DIR_FWD, 99, 0);
	check_buf(&b);
	parse_ok(&p, buf, b.len);
	pol = PK_MSG_EXT(&p.m, SADB_X_EXT_POLICY, sadb_x_policy);
	assert_int_equal(pol->sadb_x_policy_len, 2);
	assert_int_equal(pol->sadb_x_policy_type, IPSEC_POLICY_BYPASS);
	assert_int_equal(pol->sadb_x_policy_dir, IPSEC_DIR_FWD);
	assert_int_equal(pol->sadb_x_policy_id, 99);
	assert_null(pk_policy_next_request(pol, NULL));
	parsed_free(&p);
}

static size_t build_natt(uint8_t *buf, size_t cap)
{
	struct pk_buf b;
	struct sockaddr_storage s;

	pk_buf_init(&b, buf, cap);
	pk_msg_begin(&b, SADB_ADD, SADB_SATYPE_ESP, 2, 3);
	pk_add_sa(&b, 0x2000, 0, SADB_SASTATE_MATURE, 0,
		  SADB_X_EALG_AES_GCM_ICV16, 0);
	pk_add_address(&b, SADB_EXT_ADDRESS_DST, fixture_sa(&s, "10.0.0.2", 0),
		       0, 32);
	assert_int_equal(pk_add_nat_t_type(&b, PK_UDP_ENCAP_ESPINUDP), 0);
	check_buf(&b);
	assert_int_equal(pk_add_nat_t_port(&b, SADB_X_EXT_NAT_T_SPORT, 4500), 0);
	check_buf(&b);
	assert_int_equal(pk_add_nat_t_port(&b, SADB_X_EXT_NAT_T_DPORT, 0x1234),
			 0);
	return finish(&b);
}

static void test_rt_natt(void **state)
{
	uint8_t buf[256] __attribute__((aligned(8)));
	struct parsed p;
	const struct sadb_x_nat_t_type *t;
	const struct sadb_x_nat_t_port *sp, *dp;
	size_t len = build_natt(buf, sizeof(buf)), off;

	(void)state;
	parse_ok(&p, buf, len);
	t = PK_MSG_EXT(&p.m, SADB_X_EXT_NAT_T_TYPE, sadb_x_nat_t_type);
	assert_non_null(t);
	assert_int_equal(t->sadb_x_nat_t_type_len, 1);
	assert_int_equal(t->sadb_x_nat_t_type_type, PK_UDP_ENCAP_ESPINUDP);
	assert_int_equal(t->sadb_x_nat_t_type_reserved[0] |
			 t->sadb_x_nat_t_type_reserved[1] |
			 t->sadb_x_nat_t_type_reserved[2], 0);
	sp = PK_MSG_EXT(&p.m, SADB_X_EXT_NAT_T_SPORT, sadb_x_nat_t_port);
	dp = PK_MSG_EXT(&p.m, SADB_X_EXT_NAT_T_DPORT, sadb_x_nat_t_port);
	assert_non_null(sp);
	assert_non_null(dp);
	assert_int_equal(sp->sadb_x_nat_t_port_len, 1);
	assert_int_equal(sp->sadb_x_nat_t_port_port, htons(4500));
	assert_int_equal(ntohs(dp->sadb_x_nat_t_port_port), 0x1234);
	assert_int_equal(sp->sadb_x_nat_t_port_reserved, 0);
	/* network order on the wire: 4500 = 0x1194 */
	off = ext_off(&p, SADB_X_EXT_NAT_T_SPORT);
	assert_int_equal(p.mem[off + 4], 0x11);
	assert_int_equal(p.mem[off + 5], 0x94);
	off = ext_off(&p, SADB_X_EXT_NAT_T_DPORT);
	assert_int_equal(p.mem[off + 4], 0x12);
	assert_int_equal(p.mem[off + 5], 0x34);
	assert_int_equal(pk_msg_check(&p.m, NULL), 0);
	parsed_free(&p);
}

static const char ctx_text[] = "system_u:object_r:ipsec_t";	/* 25 bytes */

static size_t build_sec_ctx(uint8_t *buf, size_t cap)
{
	struct pk_buf b;

	pk_buf_init(&b, buf, cap);
	memset(buf, 0xa5, cap);
	pk_msg_begin(&b, SADB_X_SPDGET, 0, 1, 1);
	pk_add_policy(&b, IPSEC_POLICY_IPSEC, IPSEC_DIR_INBOUND, 1, 0);
	assert_int_equal(pk_add_sec_ctx(&b, 1, 2, ctx_text,
					(uint16_t)strlen(ctx_text)), 0);
	return finish(&b);
}

static void test_rt_sec_ctx(void **state)
{
	uint8_t buf[128] __attribute__((aligned(8)));
	struct parsed p;
	const struct sadb_x_sec_ctx *c;
	size_t len = build_sec_ctx(buf, sizeof(buf)), off;

	(void)state;
	parse_ok(&p, buf, len);
	c = PK_MSG_EXT(&p.m, SADB_X_EXT_SEC_CTX, sadb_x_sec_ctx);
	assert_non_null(c);
	assert_int_equal(SADB_BYTES(c->sadb_x_sec_len), 40);	/* 8+25 -> 40 */
	assert_int_equal(c->sadb_x_ctx_alg, 1);
	assert_int_equal(c->sadb_x_ctx_doi, 2);
	assert_int_equal(c->sadb_x_ctx_len, 25);
	assert_memory_equal(c + 1, ctx_text, 25);
	off = ext_off(&p, SADB_X_EXT_SEC_CTX);
	for (size_t i = 8 + 25; i < 40; i++)
		assert_int_equal(p.mem[off + i], 0);
	parsed_free(&p);
}

static size_t build_kmaddress(uint8_t *buf, size_t cap, const char *l,
			      const char *r)
{
	struct pk_buf b;
	struct sockaddr_storage s, d;

	pk_buf_init(&b, buf, cap);
	pk_msg_begin(&b, SADB_X_MIGRATE, 0, 14, 15);
	pk_add_address(&b, SADB_EXT_ADDRESS_SRC, fixture_sa(&s, "10.0.0.0", 0),
		       IPSEC_ULPROTO_ANY, 24);
	pk_add_address(&b, SADB_EXT_ADDRESS_DST, fixture_sa(&d, "10.0.1.0", 0),
		       IPSEC_ULPROTO_ANY, 24);
	pk_add_policy(&b, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	assert_int_equal(pk_add_kmaddress(&b, fixture_sa(&s, l, 500),
					  fixture_sa(&d, r, 4500)), 0);
	return finish(&b);
}

static size_t build_kmaddress_v4(uint8_t *buf, size_t cap)
{
	return build_kmaddress(buf, cap, "192.0.2.11", "192.0.2.2");
}

static void check_kmaddress(const char *l, const char *r, size_t salen)
{
	uint8_t buf[256] __attribute__((aligned(8)));
	struct parsed p;
	const struct sadb_x_kmaddress *k;
	struct sockaddr_storage got;
	size_t len = build_kmaddress(buf, sizeof(buf), l, r);

	parse_ok(&p, buf, len);
	k = PK_MSG_EXT(&p.m, SADB_X_EXT_KMADDRESS, sadb_x_kmaddress);
	assert_non_null(k);
	assert_int_equal(SADB_BYTES(k->sadb_x_kmaddress_len),
			 SADB_BYTES(SADB_WORDS(8 + 2 * salen)));
	assert_int_equal(k->sadb_x_kmaddress_reserved, 0);
	memset(&got, 0, sizeof(got));
	memcpy(&got, k + 1, salen);
	sa_equal(&got, l, 500);
	memset(&got, 0, sizeof(got));
	memcpy(&got, (const uint8_t *)(k + 1) + salen, salen);
	sa_equal(&got, r, 4500);
	assert_int_equal(pk_msg_check(&p.m, NULL), 0);
	parsed_free(&p);
}

static void test_rt_kmaddress(void **state)
{
	(void)state;
	check_kmaddress("192.0.2.11", "192.0.2.2", 16);
	check_kmaddress("2001:db8::11", "2001:db8::2", 28);
}

static size_t build_filter(uint8_t *buf, size_t cap, uint16_t family)
{
	struct pk_buf b;
	uint8_t s[16], d[16];

	for (unsigned i = 0; i < 16; i++) {
		s[i] = (uint8_t)(0x10 + i);
		d[i] = (uint8_t)(0xf0 - i);
	}
	pk_buf_init(&b, buf, cap);
	pk_msg_begin(&b, SADB_DUMP, 0, 12, 13);
	assert_int_equal(pk_add_filter(&b, family, s,
				       family == AF_INET ? 8 : 48, d,
				       family == AF_INET ? 32 : 128), 0);
	return finish(&b);
}

static size_t build_filter_v4(uint8_t *buf, size_t cap)
{
	return build_filter(buf, cap, AF_INET);
}

static void check_filter(uint16_t family)
{
	uint8_t buf[128] __attribute__((aligned(8)));
	struct parsed p;
	const struct sadb_x_filter *f;
	size_t alen = family == AF_INET ? 4 : 16;
	size_t len = build_filter(buf, sizeof(buf), family);
	uint8_t sa[16] = { 0 }, da[16] = { 0 }, want_s[16] = { 0 },
		want_d[16] = { 0 };

	for (unsigned i = 0; i < alen; i++) {
		want_s[i] = (uint8_t)(0x10 + i);
		want_d[i] = (uint8_t)(0xf0 - i);
	}
	assert_int_equal(len, 16 + 40);
	parse_ok(&p, buf, len);
	f = PK_MSG_EXT(&p.m, SADB_X_EXT_FILTER, sadb_x_filter);
	assert_non_null(f);
	assert_int_equal(f->sadb_x_filter_len, 5);
	assert_int_equal(f->sadb_x_filter_family, family);
	assert_int_equal(f->sadb_x_filter_splen, family == AF_INET ? 8 : 48);
	assert_int_equal(f->sadb_x_filter_dplen, family == AF_INET ? 32 : 128);
	memcpy(sa, f->sadb_x_filter_saddr, 16);
	memcpy(da, f->sadb_x_filter_daddr, 16);
	/* only the family's bytes are copied; the rest stays zero */
	assert_memory_equal(sa, want_s, 16);
	assert_memory_equal(da, want_d, 16);
	assert_int_equal(pk_msg_check(&p.m, NULL), 0);
	parsed_free(&p);
}

static void test_rt_filter(void **state)
{
	(void)state;
	check_filter(AF_INET);
	check_filter(AF_INET6);
}

static size_t build_sol(uint8_t *buf, size_t cap)
{
	struct pk_buf b;
	struct sockaddr_storage s;

	pk_buf_init(&b, buf, cap);
	pk_msg_begin(&b, SADB_X_UPDATEPAIR, SADB_SATYPE_ESP, 16, 17);
	pk_add_sa(&b, 0x1234, 0, SADB_SASTATE_MATURE, 0, 0, 0);
	pk_add_address(&b, SADB_EXT_ADDRESS_DST, fixture_sa(&s, "10.0.0.2", 0),
		       0, 32);
	assert_int_equal(pk_add_pair(&b, 0xcafe0102), 0);
	check_buf(&b);
	assert_int_equal(pk_add_replay_value(&b, 0x89abcdef,
					     0x0123456789abcdefULL), 0);
	check_buf(&b);
	assert_int_equal(pk_add_kmc(&b, SADB_X_KMP_IKEV2,
				    0xfedcba9876543210ULL), 0);
	return finish(&b);
}

static void test_rt_pair_replay_kmc(void **state)
{
	uint8_t buf[256] __attribute__((aligned(8)));
	static const uint8_t pair_wire[4] = { 0xca, 0xfe, 0x01, 0x02 };
	struct parsed p;
	const struct sadb_x_pair *pr;
	const struct sadb_x_replay_ctr *rc;
	const struct sadb_x_kmc *k;
	size_t len = build_sol(buf, sizeof(buf));

	(void)state;
	parse_ok(&p, buf, len);
	assert_int_equal(p.m.present, B(SA) | B(ADDRESS_DST) | X(PAIR) |
			 X(REPLAY_VALUE) | X(KM_COOKIE));
	pr = PK_MSG_EXT(&p.m, SADB_X_EXT_PAIR, sadb_x_pair);
	assert_non_null(pr);
	assert_int_equal(pr->sadb_x_pair_len, 1);
	assert_int_equal(pr->sadb_x_pair_spi, htonl(0xcafe0102));
	assert_memory_equal((const uint8_t *)pr + 4, pair_wire, 4);
	rc = PK_MSG_EXT(&p.m, SADB_X_EXT_REPLAY_VALUE, sadb_x_replay_ctr);
	assert_non_null(rc);
	assert_int_equal(rc->sadb_x_rc_len, 2);
	assert_int_equal(rc->sadb_x_rc_replay32, 0x89abcdef);
	assert_true(rc->sadb_x_rc_replay64 == 0x0123456789abcdefULL);
	k = PK_MSG_EXT(&p.m, SADB_X_EXT_KM_COOKIE, sadb_x_kmc);
	assert_non_null(k);
	assert_int_equal(k->sadb_x_kmc_len, 2);
	assert_int_equal(k->sadb_x_kmc_proto, SADB_X_KMP_IKEV2);
	assert_true(k->sadb_x_kmc_cookie == 0xfedcba9876543210ULL);
	assert_int_equal(pk_msg_check(&p.m, NULL), 0);
	parsed_free(&p);
}

/* Every extension type of the ABI appears in a built and parsed message. */
static void test_every_ext_type_covered(void **state)
{
	static const build_fn builders[] = {
		build_sa, build_lifetimes, build_addresses, build_keys,
		build_idents, build_sens, build_prop, build_supported,
		build_spirange, build_kmprivate, build_policy, build_natt,
		build_sec_ctx, build_kmaddress_v4, build_filter_v4, build_sol,
	};
	uint8_t buf[1024] __attribute__((aligned(8)));
	uint64_t seen = 0;
	unsigned types = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(builders); i++) {
		struct parsed p;
		size_t len = builders[i](buf, sizeof(buf));

		parse_ok(&p, buf, len);
		for (unsigned t = 0; t <= SADB_PFKEY_EXT_MAX; t++)
			assert_int_equal(p.m.ext[t] != NULL,
					 (p.m.present & PK_EXT_BIT(t)) != 0);
		seen |= p.m.present;
		parsed_free(&p);
	}
	for (unsigned t = 0; t < 256; t++) {
		const struct pk_ext_info *e = pk_ext_info(t);

		if (e == NULL)
			continue;
		types++;
		assert_int_equal(e->type, t);
		if ((seen & PK_EXT_BIT(t)) == 0)
			print_message("extension type %u (%s) never built\n",
				      t, e->name);
		assert_true(seen & PK_EXT_BIT(t));
	}
	/* 1..26 (Linux) and 32..39 (Solaris) */
	assert_int_equal(types, 26 + 8);
}

/* ------------------------------------------------------- the fixtures */

struct fixture_want {
	const char	*name;
	uint8_t		type, satype, errno_, pad;
	uint32_t	seq, pid;
	uint16_t	reserved;
	uint64_t	present;
};

#define ADDRS (B(ADDRESS_SRC) | B(ADDRESS_DST))
static const struct fixture_want fixture_wants[] = {
	{ "add-esp", SADB_ADD, SADB_SATYPE_ESP, 0, 0, 1, 4242, 0,
	  B(SA) | B(LIFETIME_HARD) | B(LIFETIME_SOFT) | X(LIFETIME_IDLE) |
	  ADDRS | B(KEY_AUTH) | B(KEY_ENCRYPT) | X(SA2) | B(IDENTITY_SRC) |
	  B(IDENTITY_DST) | X(REPLAY_VALUE) | X(KM_COOKIE) },
	{ "add-esp-tunnel-natt-pair", SADB_ADD, SADB_SATYPE_ESP, 0, 0, 2, 4242,
	  0, B(SA) | ADDRS | B(ADDRESS_PROXY) | X(ADDRESS_INNER_DST) |
	  B(KEY_ENCRYPT) | X(NAT_T_TYPE) | X(NAT_T_SPORT) | X(NAT_T_DPORT) |
	  X(NAT_T_OA) | X(ADDRESS_NATT_LOC) | X(ADDRESS_NATT_REM) | X(PAIR) |
	  X(SEC_CTX) },
	{ "add-ah-v6", SADB_ADD, SADB_SATYPE_AH, 0, 0, 3, 4242, 0,
	  B(SA) | ADDRS | B(KEY_AUTH) | B(SENSITIVITY) | X(OUTER_SENS) },
	{ "add-ipcomp", SADB_ADD, SADB_X_SATYPE_IPCOMP, 0, 0, 4, 4242, 0,
	  B(SA) | ADDRS },
	{ "update-odd-key", SADB_UPDATE, SADB_SATYPE_ESP, 0, 0, 5, 4242, 0,
	  B(SA) | ADDRS | B(KEY_AUTH) | B(KEY_ENCRYPT) },
	{ "getspi", SADB_GETSPI, SADB_SATYPE_ESP, 0, 0, 6, 4242, 0,
	  ADDRS | B(SPIRANGE) | X(SA2) },
	{ "get", SADB_GET, SADB_SATYPE_ESP, 0, 0, 7, 4242, 0, B(SA) | ADDRS },
	{ "delete", SADB_DELETE, SADB_SATYPE_AH, 0, 0, 8, 4242, 0,
	  B(SA) | ADDRS },
	{ "acquire", SADB_ACQUIRE, SADB_SATYPE_ESP, 0, 0, 9, 0, 0,
	  ADDRS | B(PROPOSAL) | X(POLICY) },
	{ "register", SADB_REGISTER, SADB_SATYPE_ESP, 0, 0, 10, 4242, 0, 0 },
	{ "register-reply", SADB_REGISTER, SADB_SATYPE_ESP, 0, 0, 11, 4242, 0,
	  B(SUPPORTED_AUTH) | B(SUPPORTED_ENCRYPT) },
	{ "expire-soft", SADB_EXPIRE, SADB_SATYPE_ESP, 0, 0, 0, 0, 0,
	  B(SA) | B(LIFETIME_CURRENT) | B(LIFETIME_SOFT) | ADDRS },
	{ "flush", SADB_FLUSH, SADB_SATYPE_UNSPEC, 0, 0, 10, 4242, 0, 0 },
	{ "dump", SADB_DUMP, SADB_SATYPE_ESP, 0, 0, 10, 4242, 0, 0 },
	{ "dump-filter", SADB_DUMP, SADB_SATYPE_UNSPEC, 0, 0, 12, 4242, 0,
	  X(FILTER) },
	{ "promisc", SADB_X_PROMISC, 1, 0, 0, 10, 4242, 0, 0 },
	{ "pchange", SADB_X_PCHANGE, 0, 0, 0, 14, 4242, 0, ADDRS | X(POLICY) },
	{ "spdupdate-v6-unique", SADB_X_SPDUPDATE, 0, 0, 0, 14, 4242, 0,
	  ADDRS | X(POLICY) },
	{ "spdadd-two-requests", SADB_X_SPDADD, 0, 0, 0, 14, 4242, 0,
	  ADDRS | B(LIFETIME_HARD) | X(POLICY) },
	{ "spdadd-discard", SADB_X_SPDADD, 0, 0, 0, 14, 4242, 0,
	  ADDRS | X(POLICY) },
	{ "spddelete", SADB_X_SPDDELETE, 0, 0, 0, 14, 4242, 0,
	  ADDRS | X(POLICY) },
	{ "spdget", SADB_X_SPDGET, 0, 0, 0, 15, 4242, 0, X(POLICY) },
	{ "spdacquire-kmprivate", SADB_X_SPDACQUIRE, 0, 0, 0, 13, 0, 0,
	  X(KMPRIVATE) | X(POLICY) },
	{ "spddump", SADB_X_SPDDUMP, 0, 0, 0, 10, 4242, 0, 0 },
	{ "spdflush", SADB_X_SPDFLUSH, 0, 0, 0, 10, 4242, 0, 0 },
	{ "spdsetidx", SADB_X_SPDSETIDX, 0, 0, 0, 14, 4242, 0,
	  ADDRS | X(POLICY) },
	{ "spdexpire", SADB_X_SPDEXPIRE, 0, 0, 0, 14, 4242, 0,
	  ADDRS | B(LIFETIME_CURRENT) | B(LIFETIME_HARD) | X(POLICY) },
	{ "spddelete2", SADB_X_SPDDELETE2, 0, 0, 0, 15, 4242, 0, X(POLICY) },
	{ "nat-t-new-mapping", SADB_X_NAT_T_NEW_MAPPING, SADB_SATYPE_ESP, 0, 0,
	  0, 0, 0, B(SA) | ADDRS | X(NAT_T_SPORT) | X(NAT_T_DPORT) },
	{ "migrate", SADB_X_MIGRATE, 0, 0, 0, 14, 4242, 0,
	  ADDRS | X(POLICY) | X(KMADDRESS) },
	{ "updatepair", SADB_X_UPDATEPAIR, SADB_SATYPE_ESP, 0, 0, 16, 4242, 0,
	  B(SA) | ADDRS | B(LIFETIME_HARD) },
	{ "delpair", SADB_X_DELPAIR, SADB_SATYPE_ESP, 0, 0, 17, 4242, 0,
	  B(SA) | ADDRS },
	{ "inverse-acquire", SADB_X_INVERSE_ACQUIRE, SADB_SATYPE_UNSPEC, 0, 0,
	  18, 4242, 0, ADDRS },
	{ "delpair-state", SADB_X_DELPAIR_STATE, SADB_SATYPE_ESP, 0, 0, 19,
	  4242, 0, B(SA) },
	{ "error-reply", SADB_ADD, SADB_SATYPE_ESP, 22, 0, 20, 4242,
	  SADB_X_DIAGNOSTIC_BAD_EKEYBITS, 0 },
};

static struct fixture *load_fixtures(size_t *n)
{
	struct fixture *f = calloc(MAX_FIXTURES, sizeof(*f));

	assert_non_null(f);
	*n = fixtures_build_all(f, MAX_FIXTURES);
	assert_int_equal(*n, ARRAY_SIZE(fixture_wants));
	return f;
}

static const struct fixture *find_fixture(const struct fixture *f, size_t n,
					  const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i].name, name) == 0)
			return &f[i];
	fail_msg("no fixture %s", name);
	return NULL;
}

static void test_fixtures_round_trip(void **state)
{
	size_t n;
	struct fixture *f = load_fixtures(&n);
	bool msg_seen[SADB_PFKEY_MSG_MAX + 1] = { false };
	uint64_t seen = 0;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		const struct fixture_want *w = &fixture_wants[i];
		struct parsed p;

		assert_string_equal(f[i].name, w->name);
		assert_true(f[i].len >= sizeof(struct sadb_msg));
		assert_int_equal(f[i].len % 8, 0);
		parse_ok(&p, f[i].buf, f[i].len);
		assert_int_equal(p.m.hdr->sadb_msg_version, PF_KEY_V2);
		assert_int_equal(p.m.hdr->sadb_msg_type, w->type);
		assert_int_equal(p.m.hdr->sadb_msg_satype, w->satype);
		assert_int_equal(p.m.hdr->sadb_msg_errno, w->errno_);
		assert_int_equal(p.m.hdr->sadb_msg_len, f[i].len / 8);
		assert_int_equal(p.m.hdr->sadb_msg_reserved, w->reserved);
		assert_int_equal(p.m.hdr->sadb_msg_seq, w->seq);
		assert_int_equal(p.m.hdr->sadb_msg_pid, w->pid);
		if (p.m.present != w->present)
			print_message("%s: present %llx, want %llx\n", w->name,
				      (unsigned long long)p.m.present,
				      (unsigned long long)w->present);
		assert_true(p.m.present == w->present);
		for (unsigned t = 0; t <= SADB_PFKEY_EXT_MAX; t++) {
			if (p.m.ext[t] == NULL)
				continue;
			assert_int_equal(p.m.ext[t]->sadb_ext_type, t);
		}
		msg_seen[w->type] = true;
		seen |= p.m.present;
		parsed_free(&p);
	}
	/* every message type of the ABI is among the fixtures */
	for (unsigned t = 0; t <= SADB_PFKEY_MSG_MAX; t++)
		if (pk_msg_rule(t) != NULL)
			assert_true(msg_seen[t]);
	for (unsigned t = 0; t <= SADB_PFKEY_EXT_MAX; t++)
		if (pk_ext_info(t) != NULL)
			assert_true(seen & PK_EXT_BIT(t));
	free(f);
}

/* Fields of the fixtures that carry the interesting encodings. */
static void test_fixtures_fields(void **state)
{
	size_t n;
	struct fixture *f = load_fixtures(&n);
	const struct fixture *x;
	const struct sadb_key *k;
	const struct sadb_x_policy *pol;
	const struct sadb_x_ipsecrequest *r;
	const struct sadb_supported *s;
	struct sockaddr_storage ts, td;
	struct parsed p;

	(void)state;
	/* the 44-bit key: 6 bytes, a 16-byte extension */
	x = find_fixture(f, n, "update-odd-key");
	parse_ok(&p, x->buf, x->len);
	k = PK_MSG_EXT(&p.m, SADB_EXT_KEY_ENCRYPT, sadb_key);
	assert_int_equal(k->sadb_key_bits, 44);
	assert_int_equal(SADB_BYTES(k->sadb_key_len), 16);
	assert_memory_equal(pk_key_data(k),
			    ((const uint8_t[]){ 0x00, 0x11, 0x22, 0x33, 0x44,
						0x55 }), 6);
	assert_int_equal(pk_key_data(k)[6], 0);
	assert_int_equal(pk_key_data(k)[7], 0);
	parsed_free(&p);

	x = find_fixture(f, n, "spdadd-two-requests");
	parse_ok(&p, x->buf, x->len);
	check_addr(&p, SADB_EXT_ADDRESS_DST, "10.0.1.0", 80, IPPROTO_TCP, 24);
	pol = PK_MSG_EXT(&p.m, SADB_X_EXT_POLICY, sadb_x_policy);
	assert_int_equal(pol->sadb_x_policy_priority, PK_PRIORITY_HIGH - 5);
	r = pk_policy_next_request(pol, NULL);
	assert_int_equal(r->sadb_x_ipsecrequest_proto, IPPROTO_ESP);
	assert_int_equal(pk_request_endpoints(r, &ts, &td), 1);
	sa_equal(&ts, "192.0.2.1", 4500);
	sa_equal(&td, "192.0.2.2", 4500);
	r = pk_policy_next_request(pol, r);
	assert_int_equal(r->sadb_x_ipsecrequest_proto, IPPROTO_AH);
	assert_int_equal(pk_request_endpoints(r, &ts, &td), 0);
	assert_null(pk_policy_next_request(pol, r));
	parsed_free(&p);

	x = find_fixture(f, n, "spdupdate-v6-unique");
	parse_ok(&p, x->buf, x->len);
	pol = PK_MSG_EXT(&p.m, SADB_X_EXT_POLICY, sadb_x_policy);
	r = pk_policy_next_request(pol, NULL);
	assert_int_equal(r->sadb_x_ipsecrequest_level, IPSEC_LEVEL_UNIQUE);
	assert_int_equal(r->sadb_x_ipsecrequest_reqid, 100);
	assert_int_equal(pk_request_endpoints(r, &ts, &td), 1);
	sa_equal(&ts, "2001:db8::1", 0);
	sa_equal(&td, "2001:db8::2", 0);
	r = pk_policy_next_request(pol, r);
	assert_int_equal(r->sadb_x_ipsecrequest_proto, IPPROTO_COMP);
	assert_null(pk_policy_next_request(pol, r));
	parsed_free(&p);

	x = find_fixture(f, n, "register-reply");
	parse_ok(&p, x->buf, x->len);
	s = PK_MSG_EXT(&p.m, SADB_EXT_SUPPORTED_ENCRYPT, sadb_supported);
	assert_int_equal(pk_supported_count(s), 3);
	assert_int_equal(pk_supported_alg(s, 2).sadb_alg_id, SADB_X_EALG_AESCTR);
	assert_int_equal(pk_supported_alg(s, 2).sadb_alg_maxbits, 288);
	parsed_free(&p);

	x = find_fixture(f, n, "add-esp-tunnel-natt-pair");
	parse_ok(&p, x->buf, x->len);
	check_addr(&p, SADB_EXT_ADDRESS_PROXY, "172.16.0.0", 0, 0, 16);
	check_addr(&p, SADB_X_EXT_ADDRESS_NATT_REM, "203.0.113.1", 4500, 0, 32);
	k = PK_MSG_EXT(&p.m, SADB_EXT_KEY_ENCRYPT, sadb_key);
	assert_int_equal(k->sadb_key_bits, 160);
	assert_int_equal(k->sadb_key_reserved, 32);
	assert_int_equal(ntohl(PK_MSG_EXT(&p.m, SADB_X_EXT_PAIR,
					  sadb_x_pair)->sadb_x_pair_spi), 0x2001);
	parsed_free(&p);
	free(f);
}

/*
 * pk_msg_check accepts every fixture that is a request; the kernel-only
 * messages and the replies are refused with the errno and code that say so.
 */
static void test_fixtures_check(void **state)
{
	static const struct {
		const char	*name;
		int		rc;
		uint16_t	code;
		uint16_t	ext_type;
	} refused[] = {
		{ "expire-soft", -EOPNOTSUPP, SADB_X_DIAGNOSTIC_UNKNOWN_MSG, 0 },
		{ "pchange", -EOPNOTSUPP, SADB_X_DIAGNOSTIC_UNKNOWN_MSG, 0 },
		{ "spdacquire-kmprivate", -EOPNOTSUPP,
		  SADB_X_DIAGNOSTIC_UNKNOWN_MSG, 0 },
		{ "spdexpire", -EOPNOTSUPP, SADB_X_DIAGNOSTIC_UNKNOWN_MSG, 0 },
		{ "nat-t-new-mapping", -EOPNOTSUPP,
		  SADB_X_DIAGNOSTIC_UNKNOWN_MSG, 0 },
		/* replies: a REGISTER reply carries what a request may not */
		{ "register-reply", -EINVAL, SADB_X_DIAGNOSTIC_SUPP_PRESENT,
		  SADB_EXT_SUPPORTED_AUTH },
		/* an error reply carries its diagnostic in reserved */
		{ "error-reply", -EINVAL, SADB_X_DIAGNOSTIC_BAD_RESERVED, 0 },
	};
	size_t n, accepted = 0, rejected = 0;
	struct fixture *f = load_fixtures(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		const struct pk_msg_rule *rule;
		struct parsed p;
		struct pk_diag d;
		size_t j;
		int rc;

		parse_ok(&p, f[i].buf, f[i].len);
		rule = pk_msg_rule(p.m.hdr->sadb_msg_type);
		assert_non_null(rule);
		assert_int_equal(rule->type, p.m.hdr->sadb_msg_type);
		rc = pk_msg_check(&p.m, &d);
		for (j = 0; j < ARRAY_SIZE(refused); j++)
			if (strcmp(refused[j].name, f[i].name) == 0)
				break;
		if (j == ARRAY_SIZE(refused)) {
			/* a request by every measure */
			assert_true(rule->request);
			assert_int_equal(p.m.hdr->sadb_msg_reserved, 0);
			assert_int_equal(p.m.hdr->sadb_msg_errno, 0);
			if (rc != 0)
				print_message("%s: %s\n", f[i].name, d.detail);
			assert_int_equal(rc, 0);
			assert_int_equal(d.err, 0);
			assert_int_equal(d.code, 0);
			accepted++;
		} else {
			if (refused[j].rc == -EOPNOTSUPP)
				assert_false(rule->request);
			assert_int_equal(rc, refused[j].rc);
			assert_int_equal(d.err, -refused[j].rc);
			assert_int_equal(d.code, refused[j].code);
			assert_int_equal(d.ext_type, refused[j].ext_type);
			assert_true(d.detail[0] != '\0');
			rejected++;
		}
		parsed_free(&p);
	}
	assert_int_equal(rejected, ARRAY_SIZE(refused));
	assert_int_equal(accepted + rejected, n);
	free(f);
}

/* -------------------------------------------------- builder edge cases */

/* After every append: 8-byte lengths, sadb_msg_len == len / 8, zero pad. */
static void test_padding_and_msg_len(void **state)
{
	uint8_t buf[2048] __attribute__((aligned(8)));
	struct sockaddr_storage s, d;
	struct pk_buf b;
	void *e;

	(void)state;
	memset(buf, 0xa5, sizeof(buf));
	pk_buf_init(&b, buf, sizeof(buf));
	assert_int_equal(b.len, 0);
	assert_int_equal(pk_msg_begin(&b, SADB_X_SPDADD, 0, 1, 2), 0);
	check_buf(&b);
	assert_int_equal(b.len, 16);
	assert_int_equal(b.last, 0);
	/* every odd size from 4 to 40 bytes is rounded up to 8, zero-filled */
	for (size_t want = 4; want <= 40; want++) {
		size_t before = b.len;

		e = pk_ext_reserve(&b, SADB_X_EXT_KMPRIVATE, want);
		assert_non_null(e);
		check_buf(&b);
		assert_int_equal(b.last, before);
		assert_int_equal(b.len - before, (want + 7) / 8 * 8);
		assert_int_equal(((struct sadb_ext *)e)->sadb_ext_type,
				 SADB_X_EXT_KMPRIVATE);
		for (size_t i = 4; i < b.len - before; i++)
			assert_int_equal(buf[before + i], 0);
		assert_int_equal(buf[b.len], 0xa5);	/* nothing past len */
	}
	pk_msg_begin(&b, SADB_X_SPDADD, 0, 1, 2);
	assert_int_equal(b.len, 16);
	pk_add_address(&b, SADB_EXT_ADDRESS_SRC, fixture_sa(&s, "fd00::", 0),
		       6, 64);
	check_buf(&b);
	pk_add_address(&b, SADB_EXT_ADDRESS_DST, fixture_sa(&d, "fd01::", 0),
		       6, 64);
	check_buf(&b);
	pk_add_ident(&b, SADB_EXT_IDENTITY_SRC, SADB_IDENTTYPE_FQDN, 0, "abc");
	check_buf(&b);
	pk_add_key(&b, SADB_EXT_KEY_AUTH, key_a, 1, 0);
	check_buf(&b);
	pk_add_kmprivate(&b, "x", 1);
	check_buf(&b);
	pk_add_sec_ctx(&b, 1, 1, "c", 1);
	check_buf(&b);
	pk_add_policy(&b, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	check_buf(&b);
	pk_add_policy_request(&b, IPPROTO_ESP, IPSEC_MODE_TUNNEL,
			      IPSEC_LEVEL_REQUIRE, 0,
			      fixture_sa(&s, "2001:db8::1", 0),
			      fixture_sa(&d, "2001:db8::2", 0));
	check_buf(&b);		/* the policy grew: its length follows */
	pk_add_policy_request(&b, IPPROTO_AH, IPSEC_MODE_TRANSPORT,
			      IPSEC_LEVEL_USE, 0, NULL, NULL);
	check_buf(&b);
	assert_int_equal(SADB_BYTES(((const struct sadb_ext *)
				     (buf + b.last))->sadb_ext_len),
			 16 + 72 + 16);
	{
		struct parsed p;

		parse_ok(&p, buf, b.len);
		assert_int_equal(p.m.hdr->sadb_msg_len * 8, b.len);
		parsed_free(&p);
	}
}

/* A full buffer: ENOBUFS, and the error sticks until the next begin. */
static void test_enobufs_sticky(void **state)
{
	uint8_t buf[64] __attribute__((aligned(8)));
	struct sockaddr_storage s, d;
	struct pk_buf b;
	size_t len;

	(void)state;
	memset(buf, 0xa5, sizeof(buf));
	pk_buf_init(&b, buf, 48);
	assert_int_equal(pk_msg_begin(&b, SADB_ADD, SADB_SATYPE_ESP, 1, 2), 0);
	assert_int_equal(pk_add_sa(&b, 1, 0, 0, 0, 0, 0), 0);
	assert_int_equal(b.len, 32);
	/* 32 bytes do not fit in the 16 left */
	assert_int_equal(pk_add_lifetime(&b, SADB_EXT_LIFETIME_HARD, 1, 2, 3, 4),
			 -ENOBUFS);
	assert_int_equal(pk_buf_error(&b), -ENOBUFS);
	len = b.len;
	assert_int_equal(len, 32);
	assert_int_equal(msg_len_field(&b), 4);
	/* an 8-byte extension would fit, but the error is sticky */
	assert_int_equal(pk_add_pair(&b, 5), -ENOBUFS);
	assert_int_equal(pk_add_nat_t_type(&b, 2), -ENOBUFS);
	assert_int_equal(pk_add_kmprivate(&b, NULL, 0), -ENOBUFS);
	assert_null(pk_ext_reserve(&b, SADB_X_EXT_PAIR, 8));
	assert_int_equal(pk_ext_copy(&b, (const void *)(buf + 16)), -ENOBUFS);
	/* a later invalid call does not replace the first error */
	assert_int_equal(pk_add_address(&b, SADB_EXT_ADDRESS_SRC, NULL, 0, 0),
			 -ENOBUFS);
	assert_int_equal(pk_add_policy_request(&b, IPPROTO_ESP, 1, 0, 0,
					       fixture_sa(&s, "10.0.0.1", 0),
					       fixture_sa(&d, "fd00::1", 0)),
			 -ENOBUFS);
	assert_int_equal(b.len, len);
	assert_int_equal(msg_len_field(&b), 4);
	for (size_t i = 32; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xa5);
	assert_int_equal(pk_buf_error(&b), -ENOBUFS);

	/* pk_msg_begin starts afresh */
	assert_int_equal(pk_msg_begin(&b, SADB_FLUSH, 0, 0, 0), 0);
	assert_int_equal(pk_buf_error(&b), 0);
	assert_int_equal(pk_add_pair(&b, 5), 0);
	check_buf(&b);

	/* a buffer smaller than a header */
	pk_buf_init(&b, buf, 15);
	assert_int_equal(pk_msg_begin(&b, SADB_FLUSH, 0, 0, 0), -ENOBUFS);
	assert_int_equal(b.len, 0);
	assert_int_equal(pk_add_pair(&b, 5), -ENOBUFS);
	assert_int_equal(b.len, 0);
	pk_buf_init(&b, NULL, 0);
	assert_int_equal(pk_msg_begin(&b, SADB_FLUSH, 0, 0, 0), -ENOBUFS);

	/* exactly full is fine, one byte more is not */
	pk_buf_init(&b, buf, 40);
	pk_msg_begin(&b, SADB_ADD, SADB_SATYPE_ESP, 0, 0);
	assert_int_equal(pk_add_address(&b, SADB_EXT_ADDRESS_DST,
					fixture_sa(&d, "10.0.0.1", 0), 0, 32),
			 0);
	assert_int_equal(b.len, 40);
	assert_int_equal(pk_add_pair(&b, 1), -ENOBUFS);
	assert_int_equal(b.len, 40);
	/* a request that does not fit after a policy that did */
	pk_buf_init(&b, buf, 40);
	pk_msg_begin(&b, SADB_X_SPDGET, 0, 0, 0);
	assert_int_equal(pk_add_policy(&b, IPSEC_POLICY_IPSEC, 0, 0, 0), 0);
	assert_int_equal(pk_add_policy_request(&b, IPPROTO_ESP,
			 IPSEC_MODE_TUNNEL, 0, 0, fixture_sa(&s, "10.0.0.1", 0),
			 fixture_sa(&d, "10.0.0.2", 0)), -ENOBUFS);
	assert_int_equal(b.len, 32);
	assert_int_equal(((const struct sadb_ext *)(buf + 16))->sadb_ext_len, 2);
	assert_int_equal(msg_len_field(&b), 4);
}

/* EINVAL is sticky too. */
static void test_einval_sticky(void **state)
{
	uint8_t buf[256] __attribute__((aligned(8)));
	struct sockaddr_storage s;
	struct sockaddr_un un;
	struct pk_buf b;

	(void)state;
	pk_buf_init(&b, buf, sizeof(buf));
	/* appending before pk_msg_begin */
	assert_null(pk_ext_reserve(&b, SADB_X_EXT_PAIR, 8));
	assert_int_equal(pk_buf_error(&b), -EINVAL);

	pk_msg_begin(&b, SADB_ADD, SADB_SATYPE_ESP, 0, 0);
	/* an extension shorter than an extension header */
	assert_null(pk_ext_reserve(&b, SADB_X_EXT_PAIR, 3));
	assert_int_equal(pk_buf_error(&b), -EINVAL);
	assert_int_equal(b.len, 16);
	assert_int_equal(pk_add_sa(&b, 1, 0, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(pk_add_key(&b, SADB_EXT_KEY_AUTH, key_a, 8, 0),
			 -EINVAL);
	assert_int_equal(b.len, 16);

	/* a key of bits > 0 without key bytes */
	pk_msg_begin(&b, SADB_ADD, SADB_SATYPE_ESP, 0, 0);
	assert_int_equal(pk_add_key(&b, SADB_EXT_KEY_AUTH, NULL, 8, 0), -EINVAL);
	assert_int_equal(b.len, 16);

	/* unknown address family, NULL sockaddr */
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	pk_msg_begin(&b, SADB_ADD, SADB_SATYPE_ESP, 0, 0);
	assert_int_equal(pk_add_address(&b, SADB_EXT_ADDRESS_SRC,
					(struct sockaddr *)&un, 0, 0), -EINVAL);
	pk_msg_begin(&b, SADB_ADD, SADB_SATYPE_ESP, 0, 0);
	assert_int_equal(pk_add_address(&b, SADB_EXT_ADDRESS_SRC, NULL, 0, 0),
			 -EINVAL);
	assert_int_equal(pk_add_address(&b, SADB_EXT_ADDRESS_SRC,
					fixture_sa(&s, "10.0.0.1", 0), 0, 32),
			 -EINVAL);
	assert_int_equal(b.len, 16);

	/* NULL data with a length */
	pk_msg_begin(&b, SADB_ADD, SADB_SATYPE_ESP, 0, 0);
	assert_int_equal(pk_add_kmprivate(&b, NULL, 4), -EINVAL);
	pk_msg_begin(&b, SADB_ADD, SADB_SATYPE_ESP, 0, 0);
	assert_int_equal(pk_add_sec_ctx(&b, 1, 1, NULL, 4), -EINVAL);
	pk_msg_begin(&b, SADB_ADD, SADB_SATYPE_ESP, 0, 0);
	assert_int_equal(pk_add_prop(&b, 0, NULL, 1), -EINVAL);
	pk_msg_begin(&b, SADB_ADD, SADB_SATYPE_ESP, 0, 0);
	assert_int_equal(pk_add_supported(&b, SADB_EXT_SUPPORTED_AUTH, NULL, 1),
			 -EINVAL);
	pk_msg_begin(&b, SADB_ADD, SADB_SATYPE_ESP, 0, 0);
	assert_int_equal(pk_add_sens(&b, SADB_EXT_SENSITIVITY, 0, 0, NULL, 1, 0,
				     NULL, 0), -EINVAL);
	assert_int_equal(b.len, 16);
}

static void test_policy_request_needs_policy_last(void **state)
{
	uint8_t buf[256] __attribute__((aligned(8)));
	struct pk_buf b;

	(void)state;
	pk_buf_init(&b, buf, sizeof(buf));
	/* no extension at all */
	pk_msg_begin(&b, SADB_X_SPDADD, 0, 0, 0);
	assert_int_equal(pk_add_policy_request(&b, IPPROTO_ESP,
			 IPSEC_MODE_TRANSPORT, 0, 0, NULL, NULL), -EINVAL);
	assert_int_equal(b.len, 16);
	assert_int_equal(msg_len_field(&b), 2);

	/* a policy, but not last */
	pk_msg_begin(&b, SADB_X_SPDADD, 0, 0, 0);
	pk_add_policy(&b, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	pk_add_lifetime(&b, SADB_EXT_LIFETIME_HARD, 0, 0, 1, 0);
	assert_int_equal(b.len, 64);
	assert_int_equal(pk_add_policy_request(&b, IPPROTO_ESP,
			 IPSEC_MODE_TRANSPORT, 0, 0, NULL, NULL), -EINVAL);
	assert_int_equal(b.len, 64);
	assert_int_equal(((const struct sadb_ext *)(buf + 16))->sadb_ext_len, 2);
	assert_int_equal(pk_buf_error(&b), -EINVAL);

	/* before pk_msg_begin */
	pk_buf_init(&b, buf, sizeof(buf));
	assert_int_equal(pk_add_policy_request(&b, IPPROTO_ESP,
			 IPSEC_MODE_TRANSPORT, 0, 0, NULL, NULL), -EINVAL);
}

static void test_policy_request_endpoints_invalid(void **state)
{
	uint8_t buf[256] __attribute__((aligned(8)));
	struct sockaddr_storage s, d;
	struct sockaddr_un un;
	struct pk_buf b;

	(void)state;
	pk_buf_init(&b, buf, sizeof(buf));
	/* mixed families */
	pk_msg_begin(&b, SADB_X_SPDADD, 0, 0, 0);
	pk_add_policy(&b, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	assert_int_equal(pk_add_policy_request(&b, IPPROTO_ESP,
			 IPSEC_MODE_TUNNEL, 0, 0, fixture_sa(&s, "10.0.0.1", 0),
			 fixture_sa(&d, "2001:db8::1", 0)), -EINVAL);
	assert_int_equal(b.len, 32);
	assert_int_equal(((const struct sadb_ext *)(buf + 16))->sadb_ext_len, 2);
	pk_msg_begin(&b, SADB_X_SPDADD, 0, 0, 0);
	pk_add_policy(&b, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	assert_int_equal(pk_add_policy_request(&b, IPPROTO_ESP,
			 IPSEC_MODE_TUNNEL, 0, 0,
			 fixture_sa(&s, "2001:db8::1", 0),
			 fixture_sa(&d, "10.0.0.1", 0)), -EINVAL);
	/* one endpoint only */
	pk_msg_begin(&b, SADB_X_SPDADD, 0, 0, 0);
	pk_add_policy(&b, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	assert_int_equal(pk_add_policy_request(&b, IPPROTO_ESP,
			 IPSEC_MODE_TUNNEL, 0, 0, fixture_sa(&s, "10.0.0.1", 0),
			 NULL), -EINVAL);
	pk_msg_begin(&b, SADB_X_SPDADD, 0, 0, 0);
	pk_add_policy(&b, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	assert_int_equal(pk_add_policy_request(&b, IPPROTO_ESP,
			 IPSEC_MODE_TUNNEL, 0, 0, NULL,
			 fixture_sa(&d, "10.0.0.1", 0)), -EINVAL);
	/* a family with no sockaddr length */
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	pk_msg_begin(&b, SADB_X_SPDADD, 0, 0, 0);
	pk_add_policy(&b, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	assert_int_equal(pk_add_policy_request(&b, IPPROTO_ESP,
			 IPSEC_MODE_TUNNEL, 0, 0, (struct sockaddr *)&un,
			 (struct sockaddr *)&un), -EINVAL);
	assert_int_equal(b.len, 32);
}

static void test_address_prefix_limits(void **state)
{
	uint8_t buf[256] __attribute__((aligned(8)));
	struct sockaddr_storage s;
	struct pk_buf b;
	uint8_t a[16] = { 0 };

	(void)state;
	pk_buf_init(&b, buf, sizeof(buf));
	pk_msg_begin(&b, SADB_ADD, SADB_SATYPE_ESP, 0, 0);
	assert_int_equal(pk_add_address(&b, SADB_EXT_ADDRESS_SRC,
					fixture_sa(&s, "10.0.0.1", 0), 0, 32), 0);
	assert_int_equal(pk_add_address(&b, SADB_EXT_ADDRESS_DST,
					fixture_sa(&s, "fd00::1", 0), 0, 128), 0);
	assert_int_equal(pk_add_address(&b, SADB_EXT_ADDRESS_PROXY,
					fixture_sa(&s, "10.0.0.0", 0), 0, 33),
			 -EINVAL);
	assert_int_equal(b.len, 16 + 24 + 40);
	pk_msg_begin(&b, SADB_ADD, SADB_SATYPE_ESP, 0, 0);
	assert_int_equal(pk_add_address(&b, SADB_EXT_ADDRESS_DST,
					fixture_sa(&s, "fd00::1", 0), 0, 129),
			 -EINVAL);
	assert_int_equal(b.len, 16);
	pk_msg_begin(&b, SADB_ADD, SADB_SATYPE_ESP, 0, 0);
	assert_int_equal(pk_add_address(&b, SADB_EXT_ADDRESS_DST,
					fixture_sa(&s, "fd00::1", 0), 0, 255),
			 -EINVAL);

	assert_int_equal(pk_sockaddr_len(AF_INET), sizeof(struct sockaddr_in));
	assert_int_equal(pk_sockaddr_len(AF_INET6), sizeof(struct sockaddr_in6));
	assert_int_equal(pk_sockaddr_len(AF_UNIX), 0);
	assert_int_equal(pk_family_maxprefix(AF_INET), 32);
	assert_int_equal(pk_family_maxprefix(AF_INET6), 128);
	assert_int_equal(pk_family_maxprefix(AF_UNSPEC), 0);
	{
		struct sockaddr_storage x, y;

		fixture_sa(&x, "192.0.2.1", 500);
		fixture_sa(&y, "192.0.2.1", 4500);
		assert_true(pk_sockaddr_same_host(&x, &y));	/* ports aside */
		fixture_sa(&y, "192.0.2.2", 500);
		assert_false(pk_sockaddr_same_host(&x, &y));
		fixture_sa(&y, "::ffff:192.0.2.1", 500);
		assert_false(pk_sockaddr_same_host(&x, &y));	/* families */
		fixture_sa(&x, "2001:db8::1", 0);
		fixture_sa(&y, "2001:db8::1", 1);
		assert_true(pk_sockaddr_same_host(&x, &y));
		fixture_sa(&y, "2001:db8::2", 0);
		assert_false(pk_sockaddr_same_host(&x, &y));
	}

	/* the same limits for filters and kmaddress families */
	pk_msg_begin(&b, SADB_DUMP, 0, 0, 0);
	assert_int_equal(pk_add_filter(&b, AF_INET, a, 33, a, 0), -EINVAL);
	pk_msg_begin(&b, SADB_DUMP, 0, 0, 0);
	assert_int_equal(pk_add_filter(&b, AF_INET6, a, 0, a, 129), -EINVAL);
	pk_msg_begin(&b, SADB_DUMP, 0, 0, 0);
	assert_int_equal(pk_add_filter(&b, AF_UNIX, a, 0, a, 0), -EINVAL);
	pk_msg_begin(&b, SADB_DUMP, 0, 0, 0);
	assert_int_equal(pk_add_filter(&b, AF_INET, NULL, 0, a, 0), -EINVAL);
	{
		struct sockaddr_storage l, r;

		pk_msg_begin(&b, SADB_X_MIGRATE, 0, 0, 0);
		assert_int_equal(pk_add_kmaddress(&b,
				 fixture_sa(&l, "10.0.0.1", 0),
				 fixture_sa(&r, "fd00::1", 0)), -EINVAL);
		pk_msg_begin(&b, SADB_X_MIGRATE, 0, 0, 0);
		assert_int_equal(pk_add_kmaddress(&b,
				 fixture_sa(&l, "10.0.0.1", 0), NULL), -EINVAL);
		assert_int_equal(b.len, 16);
	}
}

/* pk_ext_copy of every extension of a parsed message rebuilds it exactly. */
static void test_ext_copy_round_trip(void **state)
{
	size_t n;
	struct fixture *f = load_fixtures(&n);
	uint8_t *out = malloc(4096);

	(void)state;
	assert_non_null(out);
	for (size_t i = 0; i < n; i++) {
		const struct sadb_msg *h = (const void *)f[i].buf;
		const struct sadb_ext *e;
		struct pk_buf b;
		struct parsed p;
		size_t off = sizeof(*h), elen, count = 0;
		int rc;

		memset(out, 0xa5, 4096);
		pk_buf_init(&b, out, 4096);
		pk_msg_begin(&b, h->sadb_msg_type, h->sadb_msg_satype,
			     h->sadb_msg_seq, h->sadb_msg_pid);
		((struct sadb_msg *)out)->sadb_msg_errno = h->sadb_msg_errno;
		((struct sadb_msg *)out)->sadb_msg_reserved =
			h->sadb_msg_reserved;
		while ((rc = pk_ext_next(f[i].buf, f[i].len, &off, &e,
					 &elen)) == 1) {
			assert_int_equal(pk_ext_copy(&b, e), 0);
			check_buf(&b);
			assert_int_equal(b.len, off);
			count++;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(b.len, f[i].len);
		assert_memory_equal(out, f[i].buf, f[i].len);
		parse_ok(&p, out, b.len);
		assert_int_equal(__builtin_popcountll(p.m.present), count);
		parsed_free(&p);

		/* and from the parsed table, in type order */
		parse_ok(&p, f[i].buf, f[i].len);
		pk_msg_begin(&b, h->sadb_msg_type, h->sadb_msg_satype,
			     h->sadb_msg_seq, h->sadb_msg_pid);
		for (unsigned t = 0; t <= SADB_PFKEY_EXT_MAX; t++)
			if (p.m.ext[t] != NULL)
				assert_int_equal(pk_ext_copy(&b, p.m.ext[t]), 0);
		assert_int_equal(b.len, f[i].len);
		{
			struct parsed q;

			parse_ok(&q, out, b.len);
			assert_true(q.m.present == p.m.present);
			for (unsigned t = 0; t <= SADB_PFKEY_EXT_MAX; t++)
				if (p.m.ext[t] != NULL)
					assert_memory_equal(q.m.ext[t],
						p.m.ext[t],
						SADB_BYTES(p.m.ext[t]->sadb_ext_len));
			parsed_free(&q);
		}
		parsed_free(&p);
	}
	free(out);
	free(f);
}

/* The largest message: 2^16-1 words.  One byte more is ENOBUFS. */
static void test_max_message(void **state)
{
	const size_t max = SADB_MSG_MAX_BYTES;
	/* header 16 + kmprivate header 8 + data = max */
	const size_t data_max = max - 16 - 8;
	uint8_t *buf = calloc(1, max + 64);
	uint8_t *data = calloc(1, max + 16);
	struct pk_buf b;
	struct parsed p;
	const struct sadb_x_kmprivate *k;

	(void)state;
	assert_non_null(buf);
	assert_non_null(data);
	assert_int_equal(max, 524280);
	for (size_t i = 0; i < max + 16; i++)
		data[i] = (uint8_t)(i * 7);
	pk_buf_init(&b, buf, max + 64);

	pk_msg_begin(&b, SADB_X_SPDACQUIRE, 0, 1, 2);
	assert_int_equal(pk_add_kmprivate(&b, data, data_max), 0);
	check_buf(&b);
	assert_int_equal(b.len, max);
	assert_int_equal(msg_len_field(&b), UINT16_MAX);
	/* nothing more fits, however small */
	assert_int_equal(pk_add_pair(&b, 1), -ENOBUFS);
	assert_int_equal(b.len, max);
	assert_int_equal(msg_len_field(&b), UINT16_MAX);
	parse_ok(&p, buf, max);
	k = PK_MSG_EXT(&p.m, SADB_X_EXT_KMPRIVATE, sadb_x_kmprivate);
	assert_non_null(k);
	assert_int_equal(k->sadb_x_kmprivate_len, UINT16_MAX - 2);
	assert_memory_equal(k + 1, data, data_max);
	parsed_free(&p);

	/* a policy request that would cross the limit */
	pk_msg_begin(&b, SADB_X_SPDADD, 0, 1, 2);
	pk_add_kmprivate(&b, data, data_max - 16 - 8);
	pk_add_policy(&b, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	assert_int_equal(b.len, max - 8);
	assert_int_equal(pk_add_policy_request(&b, IPPROTO_ESP,
			 IPSEC_MODE_TRANSPORT, 0, 0, NULL, NULL), -ENOBUFS);
	assert_int_equal(b.len, max - 8);

	/* every size beyond the limit, up to and past a whole message */
	{
		static const size_t over[] = { 1, 2, 7, 8, 9, 16, 24, 25, 32 };

		for (size_t i = 0; i < ARRAY_SIZE(over); i++) {
			pk_msg_begin(&b, SADB_X_SPDACQUIRE, 0, 1, 2);
			assert_int_equal(pk_add_kmprivate(&b, data,
					 data_max + over[i]), -ENOBUFS);
			assert_int_equal(b.len, 16);
			assert_int_equal(msg_len_field(&b), 2);
			assert_int_equal(pk_buf_error(&b), -ENOBUFS);
		}
	}
	free(data);
	free(buf);
}

/* An absurd length never wraps around into a small reservation. */
static void test_ext_reserve_huge(void **state)
{
	static const size_t lens[] = {
		SIZE_MAX, SIZE_MAX - 3, SIZE_MAX - 6, SIZE_MAX - 7,
		(size_t)UINT16_MAX * 8 + 1, (size_t)UINT32_MAX + 1,
	};
	uint8_t *buf = malloc(16);	/* exactly a header: ASan sees overruns */
	struct pk_buf b;

	(void)state;
	assert_non_null(buf);
	for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
		pk_buf_init(&b, buf, 16);
		assert_int_equal(pk_msg_begin(&b, SADB_X_SPDACQUIRE, 0, 0, 0), 0);
		assert_null(pk_ext_reserve(&b, SADB_X_EXT_KMPRIVATE, lens[i]));
		assert_int_equal(pk_buf_error(&b), -ENOBUFS);
		assert_int_equal(b.len, 16);
		assert_int_equal(b.last, 0);
	}
	free(buf);
}

/* The small vocabularies: every word reads back as its value, any case. */
static void test_words(void **state)
{
	static const struct {
		enum pk_word_kind	kind;
		unsigned		value;
		const char		*word;
	} cases[] = {
		{ PK_WORD_STATE, SADB_SASTATE_LARVAL, "larval" },
		{ PK_WORD_STATE, SADB_SASTATE_DEAD, "dead" },
		{ PK_WORD_STATE, SADB_X_SASTATE_IDLE, "idle" },
		{ PK_WORD_MODE, IPSEC_MODE_ANY, "any" },
		{ PK_WORD_MODE, IPSEC_MODE_TUNNEL, "tunnel" },
		{ PK_WORD_MODE, IPSEC_MODE_BEET, "beet" },
		{ PK_WORD_DIR, IPSEC_DIR_INBOUND, "in" },
		{ PK_WORD_DIR, IPSEC_DIR_FWD, "fwd" },
		{ PK_WORD_POLICY, IPSEC_POLICY_DISCARD, "discard" },
		{ PK_WORD_POLICY, IPSEC_POLICY_BYPASS, "bypass" },
		{ PK_WORD_LEVEL, IPSEC_LEVEL_DEFAULT, "default" },
		{ PK_WORD_LEVEL, IPSEC_LEVEL_UNIQUE, "unique" },
	};
	unsigned v;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char upper[32];
		size_t j;

		assert_string_equal(pk_word(cases[i].kind, cases[i].value),
				    cases[i].word);
		for (j = 0; cases[i].word[j] != '\0'; j++)
			upper[j] = (char)(cases[i].word[j] - 'a' + 'A');
		upper[j] = '\0';
		v = 99;
		assert_int_equal(pk_word_value(cases[i].kind, upper, &v), 0);
		assert_int_equal(v, cases[i].value);
	}
	assert_null(pk_word(PK_WORD_STATE, SADB_X_SASTATE_MAX + 1));
	assert_null(pk_word(PK_WORD_LEVEL, IPSEC_LEVEL_UNIQUE + 1));
	assert_null(pk_word((enum pk_word_kind)42, 0));
	assert_int_equal(pk_word_value(PK_WORD_DIR, "inbound", &v), -ENOENT);
	assert_int_equal(pk_word_value(PK_WORD_MODE, "", &v), -ENOENT);
	assert_int_equal(pk_word_value((enum pk_word_kind)42, "in", &v),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rt_sa),
		cmocka_unit_test(test_rt_lifetimes),
		cmocka_unit_test(test_rt_addresses),
		cmocka_unit_test(test_rt_keys),
		cmocka_unit_test(test_rt_key_zero_bits),
		cmocka_unit_test(test_rt_identities),
		cmocka_unit_test(test_rt_sens),
		cmocka_unit_test(test_rt_prop),
		cmocka_unit_test(test_rt_supported),
		cmocka_unit_test(test_rt_spirange_sa2),
		cmocka_unit_test(test_rt_kmprivate),
		cmocka_unit_test(test_rt_policy),
		cmocka_unit_test(test_rt_policy_no_requests),
		cmocka_unit_test(test_rt_natt),
		cmocka_unit_test(test_rt_sec_ctx),
		cmocka_unit_test(test_rt_kmaddress),
		cmocka_unit_test(test_rt_filter),
		cmocka_unit_test(test_rt_pair_replay_kmc),
		cmocka_unit_test(test_every_ext_type_covered),
		cmocka_unit_test(test_fixtures_round_trip),
		cmocka_unit_test(test_fixtures_fields),
		cmocka_unit_test(test_fixtures_check),
		cmocka_unit_test(test_padding_and_msg_len),
		cmocka_unit_test(test_enobufs_sticky),
		cmocka_unit_test(test_einval_sticky),
		cmocka_unit_test(test_policy_request_needs_policy_last),
		cmocka_unit_test(test_policy_request_endpoints_invalid),
		cmocka_unit_test(test_address_prefix_limits),
		cmocka_unit_test(test_ext_copy_round_trip),
		cmocka_unit_test(test_max_message),
		cmocka_unit_test(test_ext_reserve_huge),
		cmocka_unit_test(test_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
