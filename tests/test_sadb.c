/*
 * test_sadb.c - the SA store: every rule with its errno and diagnostic,
 * larval and mature updates, GETSPI, flush, dump cursors, scale, key
 * zeroing and reply encoding.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "pfkey/alg.h"
#include "pfkey/msg.h"
#include "sadb.h"

#define NOW	1000000

/* A request: its bytes and the validated view of them. */
struct req {
	uint8_t		buf[2048] __attribute__((aligned(8)));
	struct pk_buf	b;
	struct pk_msg	m;
};

static const uint8_t akey160[20] = {
	0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa,
	0xab, 0xac, 0xad, 0xae, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4,
};
static const uint8_t ekey128[16] = {
	0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7,
	0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
};

static struct pk_buf *begin(struct req *q, uint8_t type, uint8_t satype,
			    uint32_t seq)
{
	pk_buf_init(&q->b, q->buf, sizeof(q->buf));
	pk_msg_begin(&q->b, type, satype, seq, 77);
	return &q->b;
}

static void addrs(struct pk_buf *b, const char *src, const char *dst)
{
	struct sockaddr_storage s;
	unsigned plen = strchr(dst, ':') ? 128 : 32;

	if (src != NULL)
		pk_add_address(b, SADB_EXT_ADDRESS_SRC, fixture_sa(&s, src, 0),
			       0, plen);
	pk_add_address(b, SADB_EXT_ADDRESS_DST, fixture_sa(&s, dst, 0), 0,
		       plen);
}

/* Parses and checks the request; both must pass. */
static const struct pk_msg *done(struct req *q)
{
	struct pk_diag d;

	assert_int_equal(pk_buf_error(&q->b), 0);
	assert_int_equal(pk_msg_parse(&q->m, q->buf, q->b.len, &d), 0);
	assert_int_equal(pk_msg_check(&q->m, &d), 0);
	return &q->m;
}

/* An ESP aes-cbc-128 / hmac-sha1 ADD of spi from src to dst. */
static const struct pk_msg *esp_add(struct req *q, uint32_t spi,
				    const char *src, const char *dst)
{
	struct pk_buf *b = begin(q, SADB_ADD, SADB_SATYPE_ESP, spi);

	pk_add_sa(b, spi, 32, SADB_SASTATE_MATURE, SADB_AALG_SHA1HMAC,
		  SADB_X_EALG_AESCBC, 0);
	addrs(b, src, dst);
	pk_add_key(b, SADB_EXT_KEY_AUTH, akey160, 160, 0);
	pk_add_key(b, SADB_EXT_KEY_ENCRYPT, ekey128, 128, 0);
	return done(q);
}

/* A GET/DELETE naming (satype, dst, spi). */
static const struct pk_msg *name_msg(struct req *q, uint8_t type,
				     uint8_t satype, uint32_t spi,
				     const char *dst)
{
	struct pk_buf *b = begin(q, type, satype, 9);

	pk_add_sa(b, spi, 0, SADB_SASTATE_MATURE, 0, 0, 0);
	addrs(b, NULL, dst);
	return done(q);
}

static struct sadb *new_db(void)
{
	struct sadb *db;
	struct pk_diag d;

	assert_int_equal(sadb_new(42, &db, &d), 0);
	return db;
}

static void expect_fail(int rc, const struct pk_diag *d, int err,
			uint16_t code)
{
	assert_int_equal(rc, -err);
	assert_int_equal(d->err, err);
	assert_int_equal(d->code, code);
	assert_true(d->detail[0] != '\0');
}

static struct sadb_addr addr_of(const char *text)
{
	struct sockaddr_storage ss;
	struct sadb_addr a;

	memset(&a, 0, sizeof(a));
	fixture_sa(&ss, text, 0);
	if (ss.ss_family == AF_INET6) {
		a.family = AF_INET6;
		memcpy(a.addr, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	} else {
		a.family = AF_INET;
		memcpy(a.addr, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	}
	return a;
}

/* ------------------------------------------------------------ tests */

static void test_siphash_vector(void **state)
{
	/* The paper's example: key 00..0f, message 00..0e. */
	uint64_t key[2] = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };
	uint8_t msg[15];

	(void)state;
	for (int i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	assert_true(sadb_siphash(key, msg, sizeof(msg)) ==
		    0xa129ca6149be45e5ULL);
}

static void test_record_size(void **state)
{
	(void)state;
	print_message("# sizeof(struct sadb_sa_rec) = %zu\n",
		      sizeof(struct sadb_sa_rec));
	assert_true(sizeof(struct sadb_sa_rec) <= 208);
	assert_int_equal(sizeof(struct sadb_addr), 22);
}

/* Extension types of a parsed message, in order. */
static size_t ext_order(const void *buf, size_t len, uint16_t *types,
			size_t max)
{
	size_t off = sizeof(struct sadb_msg), n = 0, eb;
	const struct sadb_ext *e;

	while (n < max && pk_ext_next(buf, len, &off, &e, &eb) == 1)
		types[n++] = e->sadb_ext_type;
	return n;
}

static void test_add_get_reply(void **state)
{
	struct sadb *db = new_db();
	struct req q, r;
	struct pk_buf *b = begin(&q, SADB_ADD, SADB_SATYPE_ESP, 5);
	const struct sadb_sa_rec *sa;
	struct pk_diag d;
	struct pk_msg pm;
	uint16_t types[40];
	static const uint16_t want[] = {
		SADB_EXT_SA, SADB_EXT_LIFETIME_HARD, SADB_EXT_LIFETIME_SOFT,
		SADB_EXT_LIFETIME_CURRENT, SADB_X_EXT_LIFETIME_IDLE,
		SADB_EXT_ADDRESS_SRC, SADB_EXT_ADDRESS_DST,
		SADB_EXT_ADDRESS_PROXY,
		SADB_EXT_KEY_AUTH, SADB_EXT_KEY_ENCRYPT, SADB_X_EXT_SA2,
		SADB_EXT_IDENTITY_SRC, SADB_X_EXT_KM_COOKIE,
	};
	const struct sadb_lifetime *lh, *lc;
	const struct sadb_key *k;
	size_t n;

	(void)state;
	pk_add_sa(b, 0x1000, 32, SADB_SASTATE_MATURE, SADB_AALG_SHA1HMAC,
		  SADB_X_EALG_AESCBC, SADB_X_SAFLAGS_OUTBOUND);
	pk_add_lifetime(b, SADB_EXT_LIFETIME_HARD, 100, 1000000, 3600, 1800);
	pk_add_lifetime(b, SADB_EXT_LIFETIME_SOFT, 80, 800000, 2880, 1440);
	pk_add_lifetime(b, SADB_X_EXT_LIFETIME_IDLE, 0, 0, 600, 300);
	addrs(b, "10.0.0.1", "10.0.0.2");
	pk_add_key(b, SADB_EXT_KEY_AUTH, akey160, 160, 0);
	pk_add_key(b, SADB_EXT_KEY_ENCRYPT, ekey128, 128, 0);
	pk_add_sa2(b, IPSEC_MODE_TUNNEL, 16385, 0);
	pk_add_ident(b, SADB_EXT_IDENTITY_SRC, SADB_IDENTTYPE_FQDN, 0,
		     "gw1.example.com");
	pk_add_kmc(b, SADB_X_KMP_IKEV2, 0x0102030405060708ULL);
	assert_int_equal(sadb_add(db, done(&q), NOW, &sa, &d), 0);
	assert_non_null(sa);
	assert_int_equal(sadb_count(db, 0), 1);
	assert_int_equal(sadb_count(db, SADB_SATYPE_ESP), 1);
	assert_int_equal(sadb_count(db, SADB_SATYPE_AH), 0);

	assert_int_equal(sadb_get(db, name_msg(&r, SADB_GET, SADB_SATYPE_ESP,
					       0x1000, "10.0.0.2"), &sa, &d), 0);
	assert_int_equal(sa->spi, 0x1000);
	assert_int_equal(sa->state, SADB_SASTATE_MATURE);
	assert_int_equal(sa->cur.addtime, NOW);
	assert_int_equal(sa->seq, 5);
	assert_int_equal(sa->pid, 77);

	begin(&r, SADB_GET, SADB_SATYPE_ESP, 9);
	assert_int_equal(sadb_write_sa(sa, &r.b, 0), 0);
	assert_int_equal(pk_msg_parse(&pm, r.buf, r.b.len, &d), 0);
	n = ext_order(r.buf, r.b.len, types, 40);
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(types[i], want[i]);
	assert_int_equal(ntohl(PK_MSG_EXT(&pm, SADB_EXT_SA, sadb_sa)->sadb_sa_spi),
			 0x1000);
	assert_int_equal(PK_MSG_EXT(&pm, SADB_EXT_SA, sadb_sa)->sadb_sa_flags,
			 SADB_X_SAFLAGS_OUTBOUND);
	lh = PK_MSG_EXT(&pm, SADB_EXT_LIFETIME_HARD, sadb_lifetime);
	assert_int_equal(lh->sadb_lifetime_allocations, 100);
	assert_int_equal(lh->sadb_lifetime_bytes, 1000000);
	assert_int_equal(lh->sadb_lifetime_addtime, 3600);
	assert_int_equal(lh->sadb_lifetime_usetime, 1800);
	lc = PK_MSG_EXT(&pm, SADB_EXT_LIFETIME_CURRENT, sadb_lifetime);
	assert_int_equal(lc->sadb_lifetime_addtime, NOW);
	assert_int_equal(PK_MSG_EXT(&pm, SADB_X_EXT_LIFETIME_IDLE,
				    sadb_lifetime)->sadb_lifetime_addtime, 600);
	k = PK_MSG_EXT(&pm, SADB_EXT_KEY_AUTH, sadb_key);
	assert_int_equal(k->sadb_key_bits, 160);
	assert_memory_equal(pk_key_data(k), akey160, 20);
	k = PK_MSG_EXT(&pm, SADB_EXT_KEY_ENCRYPT, sadb_key);
	assert_int_equal(k->sadb_key_bits, 128);
	assert_memory_equal(pk_key_data(k), ekey128, 16);
	assert_int_equal(PK_MSG_EXT(&pm, SADB_X_EXT_SA2, sadb_x_sa2)->sadb_x_sa2_reqid,
			 16385);
	assert_int_equal(PK_MSG_EXT(&pm, SADB_X_EXT_SA2, sadb_x_sa2)->sadb_x_sa2_mode,
			 IPSEC_MODE_TUNNEL);
	assert_memory_equal(q.m.ext[SADB_EXT_IDENTITY_SRC],
			    pm.ext[SADB_EXT_IDENTITY_SRC],
			    SADB_BYTES(pm.ext[SADB_EXT_IDENTITY_SRC]->sadb_ext_len));
	assert_memory_equal(q.m.ext[SADB_X_EXT_KM_COOKIE],
			    pm.ext[SADB_X_EXT_KM_COOKIE], 16);
	{
		struct sadb_addr a;

		sadb_addr_from_ext(&a, PK_MSG_EXT(&pm, SADB_EXT_ADDRESS_SRC,
						  sadb_address));
		struct sadb_addr want_src = addr_of("10.0.0.1");
		assert_true(sadb_addr_equal(&a, &want_src));
		assert_int_equal(a.prefixlen, 32);
	}

	/* Without keys (EXPIRE, DELETE, hidden). */
	begin(&r, SADB_GET, SADB_SATYPE_ESP, 9);
	assert_int_equal(sadb_write_sa(sa, &r.b, SADB_W_NOKEYS), 0);
	assert_int_equal(pk_msg_parse(&pm, r.buf, r.b.len, &d), 0);
	assert_false(pk_msg_has(&pm, SADB_EXT_KEY_AUTH));
	assert_false(pk_msg_has(&pm, SADB_EXT_KEY_ENCRYPT));
	assert_true(pk_msg_has(&pm, SADB_EXT_LIFETIME_CURRENT));
	sadb_free(db);
}

static void test_add_kernel_fixture(void **state)
{
	/* The very bytes a Linux client sent; the reply is the kernel's, byte
	 * for byte (its current addtime was 0x6b0466b0). */
	struct sadb *db = new_db();
	uint8_t buf[sizeof(kernel_add_request)] __attribute__((aligned(8)));
	uint8_t out[512] __attribute__((aligned(8)));
	const struct sadb_sa_rec *sa;
	struct pk_msg m, pm;
	struct pk_diag d;
	struct pk_buf b;
	uint16_t types[20];
	static const uint16_t linux_order[] = { 1, 3, 4, 2, 5, 6, 7, 8, 9, 19 };
	const struct sadb_msg *h = (const void *)kernel_get_reply;

	(void)state;
	/* The log's dump was taken before the length was filled in. */
	memcpy(buf, kernel_add_request, sizeof(buf));
	buf[offsetof(struct sadb_msg, sadb_msg_len)] = 17;
	assert_int_equal(pk_msg_parse(&m, buf, kernel_add_request_len, &d), 0);
	assert_int_equal(pk_msg_check(&m, &d), 0);
	assert_int_equal(sadb_add(db, &m, 0x6b0466b0, &sa, &d), 0);
	assert_int_equal(sadb_add(db, &m, NOW, &sa, &d), -EEXIST);
	assert_int_equal(d.err, EEXIST);
	sa = sadb_find(db, SADB_SATYPE_ESP,
		       &(struct sadb_addr){ .family = AF_INET,
					    .addr = { 10, 0, 0, 2 } }, 0x1000);
	assert_non_null(sa);
	pk_buf_init(&b, out, sizeof(out));
	pk_msg_begin(&b, SADB_GET, SADB_SATYPE_ESP, h->sadb_msg_seq,
		     h->sadb_msg_pid);
	assert_int_equal(sadb_write_sa(sa, &b, 0), 0);
	assert_int_equal(pk_msg_parse(&pm, out, b.len, &d), 0);
	assert_int_equal(ext_order(out, b.len, types, 20), 10);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(types[i], linux_order[i]);
	assert_int_equal(b.len, kernel_get_reply_len);
	assert_memory_equal(out, kernel_get_reply, kernel_get_reply_len);
	sadb_free(db);
}

static void test_duplicate_ignores_source(void **state)
{
	struct sadb *db = new_db();
	struct req q;
	struct pk_diag d;

	(void)state;
	assert_int_equal(sadb_add(db, esp_add(&q, 0x2000, "10.0.0.1",
					      "10.0.0.2"), NOW, NULL, &d), 0);
	expect_fail(sadb_add(db, esp_add(&q, 0x2000, "10.9.9.9", "10.0.0.2"),
			     NOW, NULL, &d), &d, EEXIST, 0);
	/* Another destination or another type is another SA. */
	assert_int_equal(sadb_add(db, esp_add(&q, 0x2000, "10.0.0.1",
					      "10.0.0.3"), NOW, NULL, &d), 0);
	assert_int_equal(sadb_count(db, 0), 2);
	sadb_free(db);
}

static void test_add_state_spi(void **state)
{
	struct sadb *db = new_db();
	struct req q;
	struct pk_diag d;
	struct pk_buf *b;

	(void)state;
	b = begin(&q, SADB_ADD, SADB_SATYPE_ESP, 1);
	pk_add_sa(b, 0x10, 0, SADB_SASTATE_LARVAL, 0, SADB_EALG_NULL, 0);
	addrs(b, "10.0.0.1", "10.0.0.2");
	expect_fail(sadb_add(db, done(&q), NOW, NULL, &d), &d, EINVAL,
		    SADB_X_DIAGNOSTIC_BAD_SASTATE);
	b = begin(&q, SADB_ADD, SADB_SATYPE_ESP, 1);
	pk_add_sa(b, 0, 0, SADB_SASTATE_MATURE, 0, SADB_EALG_NULL, 0);
	addrs(b, "10.0.0.1", "10.0.0.2");
	expect_fail(sadb_add(db, done(&q), NOW, NULL, &d), &d, EINVAL,
		    SADB_X_DIAGNOSTIC_MALFORMED_SA);
	b = begin(&q, SADB_ADD, SADB_X_SATYPE_IPCOMP, 1);
	pk_add_sa(b, 0x10000, 0, SADB_SASTATE_MATURE, 0, SADB_X_CALG_DEFLATE, 0);
	addrs(b, "10.0.0.1", "10.0.0.2");
	expect_fail(sadb_add(db, done(&q), NOW, NULL, &d), &d, EINVAL,
		    SADB_X_DIAGNOSTIC_MALFORMED_SA);
	/* ESP null without keys and without a source is fine. */
	b = begin(&q, SADB_ADD, SADB_SATYPE_ESP, 1);
	pk_add_sa(b, 0x10, 0, SADB_SASTATE_MATURE, 0, SADB_EALG_NULL, 0);
	addrs(b, NULL, "10.0.0.2");
	assert_int_equal(sadb_add(db, done(&q), NOW, NULL, &d), 0);
	b = begin(&q, SADB_ADD, SADB_X_SATYPE_IPCOMP, 1);
	pk_add_sa(b, 0x4000, 0, SADB_SASTATE_MATURE, 0, SADB_X_CALG_DEFLATE, 0);
	addrs(b, "10.0.0.1", "10.0.0.2");
	assert_int_equal(sadb_add(db, done(&q), NOW, NULL, &d), 0);
	sadb_free(db);
}

static void test_soft_exceeds_hard(void **state)
{
	static const uint16_t codes[4] = {
		SADB_X_DIAGNOSTIC_ALLOC_HSERR, SADB_X_DIAGNOSTIC_BYTES_HSERR,
		SADB_X_DIAGNOSTIC_ADDTIME_HSERR, SADB_X_DIAGNOSTIC_USETIME_HSERR,
	};
	struct sadb *db = new_db();
	struct pk_diag d;
	struct req q;

	(void)state;
	for (int i = 0; i < 4; i++) {
		struct pk_buf *b = begin(&q, SADB_ADD, SADB_SATYPE_ESP, 1);
		uint64_t h[4] = { 10, 10, 10, 10 }, s[4] = { 5, 5, 5, 5 };

		s[i] = 11;
		pk_add_sa(b, 0x10, 0, SADB_SASTATE_MATURE, 0, SADB_EALG_NULL, 0);
		pk_add_lifetime(b, SADB_EXT_LIFETIME_HARD, (uint32_t)h[0], h[1],
				h[2], h[3]);
		pk_add_lifetime(b, SADB_EXT_LIFETIME_SOFT, (uint32_t)s[0], s[1],
				s[2], s[3]);
		addrs(b, "10.0.0.1", "10.0.0.2");
		expect_fail(sadb_add(db, done(&q), NOW, NULL, &d), &d, EINVAL,
			    codes[i]);
	}
	assert_int_equal(sadb_count(db, 0), 0);
	sadb_free(db);
}

static void test_idle_default(void **state)
{
	struct sadb *db = new_db();
	const struct sadb_sa_rec *sa;
	struct pk_diag d;
	struct req q;
	struct pk_buf *b = begin(&q, SADB_ADD, SADB_SATYPE_ESP, 1);

	(void)state;
	pk_add_sa(b, 0x10, 0, SADB_SASTATE_MATURE, 0, SADB_EALG_NULL, 0);
	pk_add_lifetime(b, SADB_EXT_LIFETIME_HARD, 0, 0, 3600, 0);
	addrs(b, "10.0.0.1", "10.0.0.2");
	assert_int_equal(sadb_add(db, done(&q), NOW, &sa, &d), 0);
	assert_int_equal(sa->idle_addtime, 1800);
	assert_int_equal(sa->hard.addtime, 3600);
	sadb_free(db);
}

/* An ADD of one SA with the given algorithms and keys (NULL: no ext). */
static int try_add(struct sadb *db, uint8_t satype, uint8_t aalg,
		   uint8_t ealg, const uint8_t *ak, uint16_t abits,
		   const uint8_t *ek, uint16_t ebits, struct pk_diag *d,
		   const struct sadb_sa_rec **out)
{
	struct req q;
	struct pk_buf *b = begin(&q, SADB_ADD, satype, 1);

	pk_add_sa(b, 0x700, 0, SADB_SASTATE_MATURE, aalg, ealg, 0);
	addrs(b, "10.0.0.1", "10.0.0.2");
	if (ak != NULL)
		pk_add_key(b, SADB_EXT_KEY_AUTH, ak, abits, 0);
	if (ek != NULL)
		pk_add_key(b, SADB_EXT_KEY_ENCRYPT, ek, ebits, 0);
	return sadb_add(db, done(&q), NOW, out, d);
}

static void test_algorithm_rules(void **state)
{
	struct sadb *db = new_db();
	uint8_t k32[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };
	const struct sadb_sa_rec *sa;
	struct pk_diag d;
	int rc;

	(void)state;
	/* AH needs an auth key, refuses encryption and its key. */
	expect_fail(try_add(db, SADB_SATYPE_AH, SADB_AALG_SHA1HMAC, 0, NULL, 0,
			    NULL, 0, &d, NULL), &d, EINVAL,
		    SADB_X_DIAGNOSTIC_MISSING_AKEY);
	expect_fail(try_add(db, SADB_SATYPE_AH, SADB_AALG_SHA1HMAC,
			    SADB_X_EALG_AESCBC, akey160, 160, NULL, 0, &d, NULL),
		    &d, EINVAL, SADB_X_DIAGNOSTIC_ENCR_NOTSUPP);
	expect_fail(try_add(db, SADB_SATYPE_AH, SADB_AALG_SHA1HMAC, 0,
			    akey160, 160, ekey128, 128, &d, NULL),
		    &d, EINVAL, SADB_X_DIAGNOSTIC_EKEY_PRESENT);
	expect_fail(try_add(db, SADB_SATYPE_AH, 0, 0, NULL, 0, NULL, 0, &d,
			    NULL), &d, EINVAL, SADB_X_DIAGNOSTIC_BAD_AALG);
	/* ESP with a real cipher needs its key. */
	expect_fail(try_add(db, SADB_SATYPE_ESP, SADB_AALG_SHA1HMAC,
			    SADB_X_EALG_AESCBC, akey160, 160, NULL, 0, &d, NULL),
		    &d, EINVAL, SADB_X_DIAGNOSTIC_MISSING_EKEY);
	/* Key lengths. */
	expect_fail(try_add(db, SADB_SATYPE_ESP, SADB_AALG_SHA1HMAC,
			    SADB_X_EALG_AESCBC, akey160, 160, k32, 100, &d, NULL),
		    &d, EINVAL, SADB_X_DIAGNOSTIC_BAD_EKEYBITS);
	assert_int_equal(d.ext_type, SADB_EXT_KEY_ENCRYPT);
	expect_fail(try_add(db, SADB_SATYPE_ESP, SADB_AALG_SHA1HMAC,
			    SADB_X_EALG_AESCBC, akey160, 128, ekey128, 128, &d,
			    NULL), &d, EINVAL, SADB_X_DIAGNOSTIC_BAD_AKEYBITS);
	assert_int_equal(d.ext_type, SADB_EXT_KEY_AUTH);
	/* A key without its algorithm. */
	expect_fail(try_add(db, SADB_SATYPE_ESP, 0, SADB_X_EALG_AESCBC,
			    akey160, 160, ekey128, 128, &d, NULL), &d, EINVAL,
		    SADB_X_DIAGNOSTIC_AKEY_PRESENT);
	/* Unknown algorithm ids: ENOSYS, as Linux. */
	expect_fail(try_add(db, SADB_SATYPE_ESP, 200, SADB_X_EALG_AESCBC,
			    akey160, 160, ekey128, 128, &d, NULL), &d, ENOSYS,
		    SADB_X_DIAGNOSTIC_BAD_AALG);
	expect_fail(try_add(db, SADB_SATYPE_ESP, SADB_AALG_SHA1HMAC, 200,
			    akey160, 160, ekey128, 128, &d, NULL), &d, ENOSYS,
		    SADB_X_DIAGNOSTIC_BAD_EALG);
	expect_fail(try_add(db, SADB_X_SATYPE_IPCOMP, 0, 99, NULL, 0, NULL, 0,
			    &d, NULL), &d, ENOSYS, SADB_X_DIAGNOSTIC_BAD_EALG);
	expect_fail(try_add(db, SADB_X_SATYPE_IPCOMP, 0, SADB_X_CALG_DEFLATE,
			    NULL, 0, ekey128, 128, &d, NULL), &d, EINVAL,
		    SADB_X_DIAGNOSTIC_EKEY_PRESENT);
	/* TCP-MD5 only on TCP signature SAs. */
	expect_fail(try_add(db, SADB_SATYPE_AH, SADB_X_AALG_TCP_MD5, 0,
			    k32, 128, NULL, 0, &d, NULL), &d, EINVAL,
		    SADB_X_DIAGNOSTIC_BAD_AALG);
	/* DES weak key refused; 3DES parity fixed in the stored copy. */
	{
		uint8_t weak[8] = { 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01 };
		uint8_t k3[24];

		expect_fail(try_add(db, SADB_SATYPE_ESP, SADB_AALG_SHA1HMAC,
				    SADB_EALG_DESCBC, akey160, 160, weak, 64, &d,
				    NULL), &d, EINVAL, SADB_X_DIAGNOSTIC_WEAK_EKEY);
		for (int i = 0; i < 24; i++)
			k3[i] = (uint8_t)(0x10 + i * 6);	/* mixed parity */
		assert_false(pk_des_parity_ok(k3, 24));
		rc = try_add(db, SADB_SATYPE_ESP, SADB_AALG_SHA1HMAC,
			     SADB_EALG_3DESCBC, akey160, 160, k3, 192, &d, &sa);
		assert_int_equal(rc, 0);
		assert_int_equal(sa->keys->ebits, 192);
		assert_true(pk_des_parity_ok(sa->keys->data + 20, 24));
		for (int i = 0; i < 24; i++)
			assert_int_equal(sa->keys->data[20 + i] & 0xfe,
					 k3[i] & 0xfe);
	}
	assert_int_equal(sadb_count(db, 0), 1);
	sadb_free(db);
}

static void test_get_delete(void **state)
{
	struct sadb *db = new_db();
	const struct sadb_sa_rec *sa;
	struct sadb_sa_rec gone;
	struct pk_diag d;
	struct req q;
	struct pk_msg pm;

	(void)state;
	expect_fail(sadb_get(db, name_msg(&q, SADB_GET, SADB_SATYPE_ESP, 0x1,
					  "10.0.0.2"), &sa, &d), &d, ESRCH,
		    SADB_X_DIAGNOSTIC_SA_NOTFOUND);
	assert_null(sa);
	assert_int_equal(sadb_add(db, esp_add(&q, 0x3000, "10.0.0.1",
					      "10.0.0.2"), NOW, NULL, &d), 0);
	/* Another type does not find it. */
	expect_fail(sadb_get(db, name_msg(&q, SADB_GET, SADB_SATYPE_AH, 0x3000,
					  "10.0.0.2"), &sa, &d), &d, ESRCH,
		    SADB_X_DIAGNOSTIC_SA_NOTFOUND);
	assert_int_equal(sadb_delete(db, name_msg(&q, SADB_DELETE,
						  SADB_SATYPE_ESP, 0x3000,
						  "10.0.0.2"), &gone, &d), 0);
	assert_int_equal(gone.state, SADB_SASTATE_DEAD);
	assert_int_equal(gone.spi, 0x3000);
	begin(&q, SADB_DELETE, SADB_SATYPE_ESP, 9);
	assert_int_equal(sadb_write_sa(&gone, &q.b, SADB_W_NOKEYS), 0);
	assert_int_equal(pk_msg_parse(&pm, q.buf, q.b.len, &d), 0);
	assert_int_equal(PK_MSG_EXT(&pm, SADB_EXT_SA, sadb_sa)->sadb_sa_state,
			 SADB_SASTATE_DEAD);
	sadb_rec_release(db, &gone);
	assert_null(gone.keys);
	expect_fail(sadb_get(db, name_msg(&q, SADB_GET, SADB_SATYPE_ESP, 0x3000,
					  "10.0.0.2"), &sa, &d), &d, ESRCH,
		    SADB_X_DIAGNOSTIC_SA_NOTFOUND);
	expect_fail(sadb_delete(db, name_msg(&q, SADB_DELETE, SADB_SATYPE_ESP,
					     0x3000, "10.0.0.2"), &gone, &d),
		    &d, ESRCH, SADB_X_DIAGNOSTIC_SA_NOTFOUND);
	assert_int_equal(sadb_count(db, 0), 0);
	sadb_free(db);
}

static const struct pk_msg *getspi_msg(struct req *q, uint32_t seq,
				       uint32_t lo, uint32_t hi, bool range)
{
	struct pk_buf *b = begin(q, SADB_GETSPI, SADB_SATYPE_ESP, seq);

	addrs(b, "10.0.0.1", "10.0.0.2");
	if (range)
		pk_add_spirange(b, lo, hi);
	pk_add_sa2(b, IPSEC_MODE_TUNNEL, 7, 0);
	return done(q);
}

static void test_getspi_larval_update(void **state)
{
	struct sadb *db = new_db();
	const struct sadb_sa_rec *sa, *s2;
	struct pk_diag d;
	struct req q;
	struct pk_buf *b;
	uint32_t spi;

	(void)state;
	assert_int_equal(sadb_getspi(db, getspi_msg(&q, 500, 0, 0, false), NOW,
				     &sa, &d), 0);
	assert_int_equal(sa->state, SADB_SASTATE_LARVAL);
	assert_true(sa->spi >= SADB_GETSPI_MIN && sa->spi <= SADB_GETSPI_MAX);
	assert_int_equal(sa->mode, IPSEC_MODE_TUNNEL);
	spi = sa->spi;
	assert_ptr_equal(sadb_find_seq(db, SADB_SATYPE_ESP, 500), sa);
	assert_ptr_equal(sadb_find_seq(db, 0, 500), sa);
	assert_null(sadb_find_seq(db, SADB_SATYPE_AH, 500));
	assert_null(sadb_find_seq(db, 0, 501));

	/* A larval SA takes keys and everything, and becomes mature. */
	b = begin(&q, SADB_UPDATE, SADB_SATYPE_ESP, 500);
	pk_add_sa(b, spi, 16, SADB_SASTATE_MATURE, SADB_AALG_SHA1HMAC,
		  SADB_X_EALG_AESCBC, 0);
	pk_add_lifetime(b, SADB_EXT_LIFETIME_HARD, 0, 0, 100, 0);
	pk_add_lifetime(b, SADB_EXT_LIFETIME_SOFT, 0, 0, 80, 0);
	addrs(b, "10.0.0.1", "10.0.0.2");
	pk_add_key(b, SADB_EXT_KEY_AUTH, akey160, 160, 0);
	pk_add_key(b, SADB_EXT_KEY_ENCRYPT, ekey128, 128, 0);
	assert_int_equal(sadb_update(db, done(&q), NOW + 5, &s2, &d), 0);
	assert_ptr_equal(s2, sa);
	assert_int_equal(sa->state, SADB_SASTATE_MATURE);
	assert_int_equal(sa->replay, 16);
	assert_int_equal(sa->mode, IPSEC_MODE_TUNNEL);	/* from GETSPI */
	assert_int_equal(sa->reqid, 7);
	assert_int_equal(sa->hard.addtime, 100);
	assert_non_null(sa->keys);
	assert_null(sadb_find_seq(db, 0, 500));

	/* Mature: keys refused. */
	b = begin(&q, SADB_UPDATE, SADB_SATYPE_ESP, 501);
	pk_add_sa(b, spi, 0, SADB_SASTATE_MATURE, 0, 0, 0);
	addrs(b, NULL, "10.0.0.2");
	pk_add_key(b, SADB_EXT_KEY_AUTH, akey160, 160, 0);
	expect_fail(sadb_update(db, done(&q), NOW, NULL, &d), &d, EINVAL,
		    SADB_X_DIAGNOSTIC_AKEY_PRESENT);
	b = begin(&q, SADB_UPDATE, SADB_SATYPE_ESP, 501);
	pk_add_sa(b, spi, 0, SADB_SASTATE_MATURE, 0, 0, 0);
	addrs(b, NULL, "10.0.0.2");
	pk_add_key(b, SADB_EXT_KEY_ENCRYPT, ekey128, 128, 0);
	expect_fail(sadb_update(db, done(&q), NOW, NULL, &d), &d, EINVAL,
		    SADB_X_DIAGNOSTIC_EKEY_PRESENT);
	/* Mature: lifetimes, 0 keeps the old value; soft still <= hard. */
	b = begin(&q, SADB_UPDATE, SADB_SATYPE_ESP, 502);
	pk_add_sa(b, spi, 0, SADB_SASTATE_MATURE, 0, 0, SADB_X_SAFLAGS_INBOUND);
	addrs(b, NULL, "10.0.0.2");
	pk_add_lifetime(b, SADB_EXT_LIFETIME_HARD, 0, 5000, 0, 0);
	assert_int_equal(sadb_update(db, done(&q), NOW, NULL, &d), 0);
	assert_int_equal(sa->hard.addtime, 100);
	assert_int_equal(sa->hard.bytes, 5000);
	assert_true(sa->flags & SADB_X_SAFLAGS_INBOUND);
	b = begin(&q, SADB_UPDATE, SADB_SATYPE_ESP, 503);
	pk_add_sa(b, spi, 0, SADB_SASTATE_MATURE, 0, 0, 0);
	addrs(b, NULL, "10.0.0.2");
	pk_add_lifetime(b, SADB_EXT_LIFETIME_SOFT, 0, 0, 200, 0);
	expect_fail(sadb_update(db, done(&q), NOW, NULL, &d), &d, EINVAL,
		    SADB_X_DIAGNOSTIC_ADDTIME_HSERR);
	assert_int_equal(sa->soft.addtime, 80);
	/* Mature: flags beyond direction refused; algorithms cannot change. */
	b = begin(&q, SADB_UPDATE, SADB_SATYPE_ESP, 504);
	pk_add_sa(b, spi, 0, SADB_SASTATE_MATURE, 0, 0, SADB_SAFLAGS_PFS);
	addrs(b, NULL, "10.0.0.2");
	expect_fail(sadb_update(db, done(&q), NOW, NULL, &d), &d, EINVAL,
		    SADB_X_DIAGNOSTIC_BAD_SAFLAGS);
	b = begin(&q, SADB_UPDATE, SADB_SATYPE_ESP, 505);
	pk_add_sa(b, spi, 0, SADB_SASTATE_MATURE, SADB_AALG_MD5HMAC, 0, 0);
	addrs(b, NULL, "10.0.0.2");
	expect_fail(sadb_update(db, done(&q), NOW, NULL, &d), &d, EINVAL,
		    SADB_X_DIAGNOSTIC_BAD_AALG);
	b = begin(&q, SADB_UPDATE, SADB_SATYPE_ESP, 506);
	pk_add_sa(b, spi, 0, SADB_SASTATE_MATURE, 0, 0, 0);
	addrs(b, NULL, "10.0.0.2");
	pk_add_ident(b, SADB_EXT_IDENTITY_SRC, SADB_IDENTTYPE_FQDN, 0, "x");
	expect_fail(sadb_update(db, done(&q), NOW, NULL, &d), &d, EINVAL,
		    SADB_X_DIAGNOSTIC_EXT_NOT_ALLOWED);
	/* Missing SA. */
	b = begin(&q, SADB_UPDATE, SADB_SATYPE_ESP, 507);
	pk_add_sa(b, spi + 1 == 0 ? 1 : spi + 1, 0, SADB_SASTATE_MATURE, 0, 0, 0);
	addrs(b, NULL, "10.0.0.2");
	expect_fail(sadb_update(db, done(&q), NOW, NULL, &d), &d, ESRCH,
		    SADB_X_DIAGNOSTIC_SA_NOTFOUND);
	sadb_free(db);
}

static void test_larval_update_checks(void **state)
{
	/* A larval update is checked as an ADD; a failure leaves it larval. */
	struct sadb *db = new_db();
	const struct sadb_sa_rec *sa;
	struct pk_diag d;
	struct req q;
	struct pk_buf *b;

	(void)state;
	assert_int_equal(sadb_getspi(db, getspi_msg(&q, 600, 0x5000, 0x5000,
						    true), NOW, &sa, &d), 0);
	assert_int_equal(sa->spi, 0x5000);
	b = begin(&q, SADB_UPDATE, SADB_SATYPE_ESP, 600);
	pk_add_sa(b, 0x5000, 0, SADB_SASTATE_MATURE, SADB_AALG_SHA1HMAC,
		  SADB_X_EALG_AESCBC, 0);
	addrs(b, "10.0.0.1", "10.0.0.2");
	pk_add_key(b, SADB_EXT_KEY_AUTH, akey160, 160, 0);
	expect_fail(sadb_update(db, done(&q), NOW, NULL, &d), &d, EINVAL,
		    SADB_X_DIAGNOSTIC_MISSING_EKEY);
	assert_int_equal(sa->state, SADB_SASTATE_LARVAL);
	assert_ptr_equal(sadb_find_seq(db, 0, 600), sa);
	sadb_free(db);
}

static void test_getspi_ranges(void **state)
{
	struct sadb *db = new_db();
	const struct sadb_sa_rec *sa;
	struct pk_diag d;
	struct req q;
	static uint8_t seen[2000];

	(void)state;
	/* A small range fills up, then ENOENT, quickly. */
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(sadb_getspi(db, getspi_msg(&q, i, 0x200, 0x203,
							    true), NOW, &sa, &d), 0);
		assert_true(sa->spi >= 0x200 && sa->spi <= 0x203);
	}
	for (int i = 0; i < 100; i++)
		expect_fail(sadb_getspi(db, getspi_msg(&q, 9, 0x200, 0x203, true),
					NOW, &sa, &d), &d, ENOENT, 0);
	for (uint32_t s = 0x200; s <= 0x203; s++)
		assert_non_null(sadb_find(db, SADB_SATYPE_ESP,
					  &(struct sadb_addr){ .family = AF_INET,
						  .addr = { 10, 0, 0, 2 } }, s));
	/* min > max is the parser's to refuse; an IPComp range past 16 bits
	 * is ours. */
	{
		struct pk_buf *b = begin(&q, SADB_GETSPI, SADB_X_SATYPE_IPCOMP, 8);

		addrs(b, "10.0.0.1", "10.0.0.2");
		pk_add_spirange(b, 0x100, 0x10000);
		expect_fail(sadb_getspi(db, done(&q), NOW, &sa, &d), &d, EINVAL,
			    SADB_X_DIAGNOSTIC_MALFORMED_RANGE);
	}
	/* A minimum of 0 means 1: SPI 0 is never handed out. */
	{
		struct pk_buf *b = begin(&q, SADB_GETSPI, SADB_SATYPE_ESP, 8);

		addrs(b, "10.0.0.1", "10.0.0.5");
		pk_add_spirange(b, 0, 1);
		assert_int_equal(sadb_getspi(db, done(&q), NOW, &sa, &d), 0);
		assert_int_equal(sa->spi, 1);
	}
	/* Uniqueness: 2000 SPIs from a 2000-wide range, every one once. */
	memset(seen, 0, sizeof(seen));
	for (uint32_t i = 0; i < 2000; i++) {
		assert_int_equal(sadb_getspi(db, getspi_msg(&q, 1000 + i, 10000,
							    11999, true), NOW,
					     &sa, &d), 0);
		assert_true(sa->spi >= 10000 && sa->spi <= 11999);
		assert_int_equal(seen[sa->spi - 10000], 0);
		seen[sa->spi - 10000] = 1;
		assert_ptr_equal(sadb_find_seq(db, SADB_SATYPE_ESP, 1000 + i), sa);
	}
	expect_fail(sadb_getspi(db, getspi_msg(&q, 9, 10000, 11999, true), NOW,
				&sa, &d), &d, ENOENT, 0);
	/* Another destination has its own SPI space. */
	{
		struct pk_buf *b = begin(&q, SADB_GETSPI, SADB_SATYPE_ESP, 7);

		addrs(b, "10.0.0.1", "10.0.0.9");
		pk_add_spirange(b, 0x200, 0x200);
		assert_int_equal(sadb_getspi(db, done(&q), NOW, &sa, &d), 0);
		assert_int_equal(sa->spi, 0x200);
	}
	sadb_free(db);
}

static void test_flush_by_type(void **state)
{
	struct sadb *db = new_db();
	struct pk_diag d;
	struct req q;
	size_t n;

	(void)state;
	for (uint32_t i = 1; i <= 10; i++)
		assert_int_equal(sadb_add(db, esp_add(&q, 0x100 + i, "10.0.0.1",
						      "10.0.0.2"), NOW, NULL, &d), 0);
	for (uint32_t i = 1; i <= 5; i++) {
		struct pk_buf *b = begin(&q, SADB_ADD, SADB_SATYPE_AH, i);

		pk_add_sa(b, 0x100 + i, 0, SADB_SASTATE_MATURE,
			  SADB_AALG_SHA1HMAC, 0, 0);
		addrs(b, "10.0.0.1", "10.0.0.2");
		pk_add_key(b, SADB_EXT_KEY_AUTH, akey160, 160, 0);
		assert_int_equal(sadb_add(db, done(&q), NOW, NULL, &d), 0);
	}
	assert_int_equal(sadb_count(db, SADB_SATYPE_AH), 5);
	assert_int_equal(sadb_flush(db, SADB_SATYPE_AH, &n, &d), 0);
	assert_int_equal(n, 5);
	assert_int_equal(sadb_count(db, SADB_SATYPE_AH), 0);
	assert_int_equal(sadb_count(db, SADB_SATYPE_ESP), 10);
	assert_int_equal(sadb_flush(db, SADB_SATYPE_UNSPEC, &n, &d), 0);
	assert_int_equal(n, 10);
	assert_int_equal(sadb_count(db, 0), 0);
	/* The store works after a flush (slots reused). */
	assert_int_equal(sadb_add(db, esp_add(&q, 0x101, "10.0.0.1",
					      "10.0.0.2"), NOW, NULL, &d), 0);
	sadb_free(db);
}

static void delete_spi(struct sadb *db, uint32_t spi)
{
	struct sadb_sa_rec gone;
	struct pk_diag d;
	struct req q;

	assert_int_equal(sadb_delete(db, name_msg(&q, SADB_DELETE,
						  SADB_SATYPE_ESP, spi,
						  "10.0.0.2"), &gone, &d), 0);
	sadb_rec_release(db, &gone);
}

/* Deletes spi to the destination prefix + (spi).  */
static void delete_spi_dst(struct sadb *db, uint32_t spi, const char *prefix)
{
	struct sadb_sa_rec gone;
	struct pk_diag d;
	struct req q;
	char dst[40];

	snprintf(dst, sizeof(dst), "%s%u", prefix, spi);
	assert_int_equal(sadb_delete(db, name_msg(&q, SADB_DELETE,
						  SADB_SATYPE_ESP, spi, dst),
				     &gone, &d), 0);
	sadb_rec_release(db, &gone);
}

static void test_dump_cursor(void **state)
{
	struct sadb *db = new_db();
	struct sadb_cursor c, c2;
	const struct sadb_sa_rec *sa;
	static int seen[1000];
	struct pk_diag d;
	struct req q;
	int steps = 0;

	(void)state;
	for (uint32_t i = 1; i <= 200; i++)
		assert_int_equal(sadb_add(db, esp_add(&q, i, "10.0.0.1",
						      "10.0.0.2"), NOW, NULL, &d), 0);
	memset(seen, 0, sizeof(seen));
	sadb_cursor_open(db, &c, SADB_SATYPE_ESP);
	sadb_cursor_open(db, &c2, SADB_SATYPE_AH);	/* a second cursor */
	assert_null(sadb_cursor_next(db, &c2));
	while ((sa = sadb_cursor_next(db, &c)) != NULL) {
		uint32_t s = sa->spi;
		struct sadb_addr dst = sa->dst;

		seen[s]++;
		steps++;
		/* Delete the one just returned, the next one when even,
		 * one far ahead, and insert new SAs at the end. */
		if (s % 10 == 0)
			delete_spi(db, s);
		if (s < 200 && s % 2 == 0 && sadb_cursor_more(&c) &&
		    sadb_find(db, SADB_SATYPE_ESP, &dst, s + 1) != NULL)
			delete_spi(db, s + 1);
		if (s == 50)
			delete_spi(db, 150);
		if (s <= 20)
			assert_int_equal(sadb_add(db, esp_add(&q, 500 + s,
							      "10.0.0.1",
							      "10.0.0.2"),
						  NOW, NULL, &d), 0);
		assert_true(steps < 1000);
	}
	sadb_cursor_close(db, &c);
	sadb_cursor_close(db, &c2);
	for (uint32_t s = 1; s <= 200; s++) {
		/* Odd ones go when their predecessor is returned; 150 goes
		 * early, so 151 (its successor) survives. */
		bool deleted_before = (s % 2 == 1 && s > 1 && s != 151) ||
				      s == 150;

		if (!deleted_before)
			assert_int_equal(seen[s], 1);	/* present throughout */
		else
			assert_int_equal(seen[s], 0);
	}
	for (uint32_t s = 1; s <= 20; s++)		/* added during: once */
		assert_int_equal(seen[500 + s], s == 1 || s % 2 == 0);
	/* Dump of an empty type ends at once. */
	sadb_cursor_open(db, &c, SADB_X_SATYPE_IPCOMP);
	assert_false(sadb_cursor_more(&c));
	assert_null(sadb_cursor_next(db, &c));
	sadb_cursor_close(db, &c);
	/* sadb_cursor_more() tells the last one (DUMP's seq 0). */
	sadb_cursor_open(db, &c, 0);
	{
		size_t n = 0, total = sadb_count(db, 0);

		while ((sa = sadb_cursor_next(db, &c)) != NULL) {
			n++;
			assert_int_equal(sadb_cursor_more(&c), n < total);
		}
		assert_int_equal(n, total);
	}
	sadb_cursor_close(db, &c);
	sadb_free(db);
}

struct zero_check {
	size_t	calls;
	size_t	nonzero;
};

static void key_hook(void *arg, const void *blob, size_t len)
{
	struct zero_check *z = arg;
	const uint8_t *p = blob;

	z->calls++;
	for (size_t i = 0; i < len; i++)
		if (p[i] != 0)
			z->nonzero++;
}

static void test_keys_zeroed(void **state)
{
	struct sadb *db = new_db();
	struct zero_check z = { 0, 0 };
	struct pk_diag d;
	struct req q;
	size_t n;

	(void)state;
	sadb_set_key_free_hook(db, key_hook, &z);
	for (uint32_t i = 1; i <= 6; i++)
		assert_int_equal(sadb_add(db, esp_add(&q, i, "10.0.0.1",
						      "10.0.0.2"), NOW, NULL, &d), 0);
	/* A refused ADD frees its copy of the keys too (duplicate). */
	assert_int_equal(sadb_add(db, esp_add(&q, 1, "10.0.0.1", "10.0.0.2"),
				  NOW, NULL, &d), -EEXIST);
	assert_int_equal(z.calls, 1);
	delete_spi(db, 1);
	assert_int_equal(z.calls, 2);
	assert_int_equal(sadb_flush(db, SADB_SATYPE_ESP, &n, &d), 0);
	assert_int_equal(n, 5);
	assert_int_equal(z.calls, 7);
	for (uint32_t i = 1; i <= 3; i++)
		assert_int_equal(sadb_add(db, esp_add(&q, i, "10.0.0.1",
						      "10.0.0.2"), NOW, NULL, &d), 0);
	sadb_free(db);
	assert_int_equal(z.calls, 10);
	assert_int_equal(z.nonzero, 0);
}

static void test_pairing(void **state)
{
	struct sadb *db = new_db();
	const struct sadb_sa_rec *a, *b2;
	struct pk_diag d;
	struct req q;
	struct pk_buf *b;

	(void)state;
	assert_int_equal(sadb_add(db, esp_add(&q, 0xa, "10.0.0.1", "10.0.0.2"),
				  NOW, &a, &d), 0);
	/* Missing pair: 76, and nothing is added. */
	b = begin(&q, SADB_ADD, SADB_SATYPE_ESP, 1);
	pk_add_sa(b, 0xb, 0, SADB_SASTATE_MATURE, 0, SADB_EALG_NULL, 0);
	addrs(b, "10.0.0.2", "10.0.0.1");
	pk_add_pair(b, 0xc);
	expect_fail(sadb_add(db, done(&q), NOW, NULL, &d), &d, ESRCH,
		    SADB_X_DIAGNOSTIC_PAIR_SA_NOTFOUND);
	assert_int_equal(sadb_count(db, 0), 1);
	/* Same SPI reachable but not from our destination: 74. */
	assert_int_equal(sadb_add(db, esp_add(&q, 0xd, "10.0.0.7", "10.0.0.2"),
				  NOW, NULL, &d), 0);
	b = begin(&q, SADB_ADD, SADB_SATYPE_ESP, 1);
	pk_add_sa(b, 0xb, 0, SADB_SASTATE_MATURE, 0, SADB_EALG_NULL, 0);
	addrs(b, "10.0.0.2", "10.0.0.1");
	pk_add_pair(b, 0xd);
	expect_fail(sadb_add(db, done(&q), NOW, NULL, &d), &d, EINVAL,
		    SADB_X_DIAGNOSTIC_PAIR_ADD_MISMATCH);
	/* Good pair. */
	b = begin(&q, SADB_ADD, SADB_SATYPE_ESP, 1);
	pk_add_sa(b, 0xb, 0, SADB_SASTATE_MATURE, 0, SADB_EALG_NULL, 0);
	addrs(b, "10.0.0.2", "10.0.0.1");
	pk_add_pair(b, 0xa);
	assert_int_equal(sadb_add(db, done(&q), NOW, &b2, &d), 0);
	assert_int_equal(a->pair_spi, 0xb);
	assert_int_equal(b2->pair_spi, 0xa);
	assert_true(a->flags & SADB_X_SAFLAGS_PAIRED);
	/* Already paired: 75. */
	b = begin(&q, SADB_ADD, SADB_SATYPE_ESP, 1);
	pk_add_sa(b, 0xe, 0, SADB_SASTATE_MATURE, 0, SADB_EALG_NULL, 0);
	addrs(b, "10.0.0.2", "10.0.0.1");
	pk_add_pair(b, 0xa);
	expect_fail(sadb_add(db, done(&q), NOW, NULL, &d), &d, EINVAL,
		    SADB_X_DIAGNOSTIC_PAIR_ALREADY);
	/* The reply carries the pair. */
	{
		struct pk_msg pm;

		begin(&q, SADB_GET, SADB_SATYPE_ESP, 1);
		assert_int_equal(sadb_write_sa(a, &q.b, 0), 0);
		assert_int_equal(pk_msg_parse(&pm, q.buf, q.b.len, &d), 0);
		assert_int_equal(ntohl(PK_MSG_EXT(&pm, SADB_X_EXT_PAIR,
						  sadb_x_pair)->sadb_x_pair_spi),
				 0xb);
	}
	/* DELETE of one unpairs the other. */
	{
		struct sadb_sa_rec gone;

		assert_int_equal(sadb_delete(db, name_msg(&q, SADB_DELETE,
							  SADB_SATYPE_ESP, 0xb,
							  "10.0.0.1"), &gone,
					     &d), 0);
		sadb_rec_release(db, &gone);
	}
	assert_int_equal(a->pair_spi, 0);
	assert_false(a->flags & SADB_X_SAFLAGS_PAIRED);
	sadb_free(db);
}

static void test_addrpair(void **state)
{
	struct sadb *db = new_db();
	struct sadb_addr s = addr_of("10.0.0.1"), t = addr_of("10.0.0.2");
	const struct sadb_sa_rec *r = NULL;
	struct pk_diag d;
	struct req q;
	size_t n = 0;

	(void)state;
	for (uint32_t i = 1; i <= 50; i++)
		assert_int_equal(sadb_add(db, esp_add(&q, i, i % 2 ? "10.0.0.1" :
						      "10.0.0.3", "10.0.0.2"),
					  NOW, NULL, &d), 0);
	while ((r = sadb_addrpair_next(db, &s, &t, r)) != NULL) {
		assert_int_equal(r->spi % 2, 1);
		n++;
	}
	assert_int_equal(n, 25);
	sadb_free(db);
}

static void test_ipv6(void **state)
{
	struct sadb *db = new_db();
	const struct sadb_sa_rec *sa;
	struct pk_diag d;
	struct req q;
	struct sadb_addr dst = addr_of("fd00::2");

	(void)state;
	assert_int_equal(sadb_add(db, esp_add(&q, 0x77, "fd00::1", "fd00::2"),
				  NOW, NULL, &d), 0);
	sa = sadb_find(db, SADB_SATYPE_ESP, &dst, 0x77);
	assert_non_null(sa);
	assert_int_equal(sa->dst.prefixlen, 128);
	assert_int_equal(sadb_get(db, name_msg(&q, SADB_GET, SADB_SATYPE_ESP,
					       0x77, "fd00::2"), &sa, &d), 0);
	sadb_free(db);
}

#define SCALE 100000

static void test_scale_100k(void **state)
{
	struct sadb *db = new_db();
	struct sadb_mem mu;
	struct pk_diag d;
	struct req q;
	double per_sa, overhead;
	char dst[32];

	(void)state;
	for (uint32_t i = 0; i < SCALE; i++) {
		snprintf(dst, sizeof(dst), "10.%u.%u.%u", (i >> 16) & 0xff,
			 (i >> 8) & 0xff, i & 0xff);
		esp_add(&q, 0x1000 + (i % 7), "10.255.0.1", dst);
		/* Every SA timed (as IKE's are): the heap is counted too. */
		pk_add_lifetime(&q.b, SADB_EXT_LIFETIME_HARD, 0, 0, 3600 + i, 0);
		pk_add_lifetime(&q.b, SADB_EXT_LIFETIME_SOFT, 0, 0, 3000 + i, 0);
		assert_int_equal(sadb_add(db, done(&q), NOW, NULL, &d), 0);
	}
	assert_int_equal(sadb_count(db, 0), SCALE);
	sadb_mem_usage(db, &mu);
	assert_true(mu.spi_buckets >= SCALE && mu.addr_buckets >= SCALE);
	/* Everything but raw key bytes, with 16 bytes of allocator overhead
	 * counted for each key blob. */
	assert_int_equal(mu.timed, SCALE);
	overhead = (double)(mu.slot_bytes + mu.bucket_bytes + mu.page_bytes +
			    mu.heap_bytes + mu.key_bytes - (size_t)SCALE * 36 +
			    mu.key_allocs * 16) / SCALE;
	per_sa = overhead + 36;
	print_message("# %zu SAs: slot %zu B, buckets %.1f B/SA, heap %.1f B/SA, key blob "
		      "header+malloc %.1f B/SA, total %.1f B/SA + 36 key bytes "
		      "(%.1f with keys), allocations/SA %.2f\n",
		      mu.sas, sizeof(struct sadb_sa_rec),
		      (double)mu.bucket_bytes / SCALE,
		      (double)mu.heap_bytes / SCALE,
		      (double)(mu.key_bytes - (size_t)SCALE * 36 +
			       mu.key_allocs * 16) / SCALE,
		      overhead, per_sa,
		      (double)(mu.key_allocs + mu.extra_allocs) / SCALE);
	assert_true(overhead <= 256.0);
	for (uint32_t i = 0; i < SCALE; i++) {
		struct sadb_addr a;

		snprintf(dst, sizeof(dst), "10.%u.%u.%u", (i >> 16) & 0xff,
			 (i >> 8) & 0xff, i & 0xff);
		a = addr_of(dst);
		assert_non_null(sadb_find(db, SADB_SATYPE_ESP, &a,
					  0x1000 + (i % 7)));
		assert_null(sadb_find(db, SADB_SATYPE_ESP, &a, 0x2000));
	}
	for (uint32_t i = 0; i < SCALE; i += 2) {
		struct sadb_sa_rec gone;

		snprintf(dst, sizeof(dst), "10.%u.%u.%u", (i >> 16) & 0xff,
			 (i >> 8) & 0xff, i & 0xff);
		assert_int_equal(sadb_delete(db, name_msg(&q, SADB_DELETE,
							  SADB_SATYPE_ESP,
							  0x1000 + (i % 7), dst),
					     &gone, &d), 0);
		sadb_rec_release(db, &gone);
	}
	assert_int_equal(sadb_count(db, 0), SCALE / 2);
	sadb_free(db);
}

/* ------------------------------------------------------ lifetimes */

/* Limits {allocations, bytes, addtime, usetime}; NULL: no extension. */
struct lims {
	const uint64_t	*hard, *soft, *idle;	/* idle: {addtime, usetime} */
};

static const struct sadb_sa_rec *add_timed(struct sadb *db, uint32_t spi,
					   const char *dst, struct lims l,
					   uint64_t now)
{
	const struct sadb_sa_rec *sa;
	struct pk_diag d;
	struct req q;
	struct pk_buf *b = begin(&q, SADB_ADD, SADB_SATYPE_ESP, spi);

	pk_add_sa(b, spi, 0, SADB_SASTATE_MATURE, 0, SADB_EALG_NULL, 0);
	if (l.hard != NULL)
		pk_add_lifetime(b, SADB_EXT_LIFETIME_HARD, (uint32_t)l.hard[0],
				l.hard[1], l.hard[2], l.hard[3]);
	if (l.soft != NULL)
		pk_add_lifetime(b, SADB_EXT_LIFETIME_SOFT, (uint32_t)l.soft[0],
				l.soft[1], l.soft[2], l.soft[3]);
	if (l.idle != NULL)
		pk_add_lifetime(b, SADB_X_EXT_LIFETIME_IDLE, 0, 0, l.idle[0],
				l.idle[1]);
	addrs(b, "10.0.0.1", dst);
	assert_int_equal(sadb_add(db, done(&q), now, &sa, &d), 0);
	return sa;
}

struct event {
	uint32_t	spi;
	int		kind;
	uint8_t		state;
	uint64_t	when;
};

struct recorder {
	struct event	*ev;
	size_t		n, cap;
	uint64_t	now;
	uint64_t	last;	/* model test: deadline of the last event */
};

static void record(void *arg, const struct sadb_sa_rec *r, int kind)
{
	struct recorder *rec = arg;

	assert_true(rec->n < rec->cap);
	rec->ev[rec->n++] = (struct event){ r->spi, kind, r->state, rec->now };
}

static size_t run_expire(struct sadb *db, struct recorder *rec, uint64_t now)
{
	rec->now = now;
	return sadb_expire(db, now, record, rec);
}

static void expect_event(const struct recorder *rec, size_t i, uint32_t spi,
			 int kind, uint8_t state)
{
	assert_true(i < rec->n);
	assert_int_equal(rec->ev[i].spi, spi);
	assert_int_equal(rec->ev[i].kind, kind);
	assert_int_equal(rec->ev[i].state, state);
}

static void test_expire_each_limit(void **state)
{
	/* For each of allocations, bytes, addtime, usetime: soft 10, hard 20. */
	struct event ev[16];

	(void)state;
	for (int f = 0; f < 4; f++) {
		struct sadb *db = new_db();
		struct recorder rec = { ev, 0, 16, 0, 0 };
		uint64_t h[4] = { 0 }, s[4] = { 0 }, t = NOW;
		const struct sadb_sa_rec *sa;
		struct sadb_addr dst = addr_of("10.0.0.2");

		h[f] = 20;
		s[f] = 10;
		static const uint64_t no_idle[2] = { 0, 0 };

		/* No idle (by default half the hard addtime: 10, with soft). */
		sa = add_timed(db, 0x100, "10.0.0.2",
			       (struct lims){ h, s, no_idle }, t);
		if (f == 3)	/* usetime counts from first use only */
			assert_int_equal(sadb_next_deadline(db), UINT64_MAX);
		else if (f == 2)
			assert_int_equal(sadb_next_deadline(db), t + 10);
		assert_int_equal(run_expire(db, &rec, t + 9), 0);
		/* Step to 10 units (seconds, bytes or allocations). */
		if (f == 0) {
			assert_int_equal(sadb_use(db, sa, 0, 9, t + 1), 0);
			assert_int_equal(run_expire(db, &rec, t + 9), 0);
			assert_int_equal(sadb_use(db, sa, 0, 1, t + 9), 0);
			assert_true(sadb_next_deadline(db) <= t + 9);
			t += 9;
		} else if (f == 1) {
			assert_int_equal(sadb_use(db, sa, 9, 0, t + 1), 0);
			assert_int_equal(run_expire(db, &rec, t + 9), 0);
			assert_int_equal(sadb_use(db, sa, 1, 0, t + 9), 0);
			t += 9;
		} else if (f == 2) {
			t += 10;
		} else {
			assert_int_equal(sadb_use(db, sa, 1, 0, t + 100), 0);
			assert_int_equal(sa->cur.usetime, t + 100);
			assert_int_equal(sadb_next_deadline(db), t + 110);
			assert_int_equal(run_expire(db, &rec, t + 109), 0);
			t += 110;
		}
		assert_int_equal(run_expire(db, &rec, t), 1);
		expect_event(&rec, 0, 0x100, SADB_EXPIRE_SOFT, SADB_SASTATE_DYING);
		assert_int_equal(sa->state, SADB_SASTATE_DYING);
		/* Never twice. */
		assert_int_equal(run_expire(db, &rec, t), 0);
		if (f <= 1) {
			assert_int_equal(sadb_use(db, sa, f == 1 ? 9 : 0,
						  f == 0 ? 9 : 0, t), 0);
			assert_int_equal(run_expire(db, &rec, t), 0);
			assert_int_equal(sadb_use(db, sa, f, 1 - f, t), 0);
		} else {
			t += 10;
			assert_int_equal(run_expire(db, &rec, t - 1), 0);
		}
		assert_int_equal(run_expire(db, &rec, t), 1);
		expect_event(&rec, 1, 0x100, SADB_EXPIRE_HARD, SADB_SASTATE_DEAD);
		assert_null(sadb_find(db, SADB_SATYPE_ESP, &dst, 0x100));
		assert_int_equal(sadb_count(db, 0), 0);
		assert_int_equal(sadb_next_deadline(db), UINT64_MAX);
		sadb_free(db);
	}
}

static void test_expire_soft_hard_combinations(void **state)
{
	struct sadb *db = new_db();
	struct event ev[16];
	struct recorder rec = { ev, 0, 16, 0, 0 };
	static const uint64_t h100[4] = { 0, 0, 100, 0 };
	static const uint64_t s100[4] = { 0, 0, 100, 0 };
	static const uint64_t hb[4] = { 0, 1000, 0, 0 };
	static const uint64_t sb[4] = { 0, 1000, 0, 0 };
	const struct sadb_sa_rec *a, *b;

	(void)state;
	/* Hard without soft: one HARD. */
	add_timed(db, 0x1, "10.0.0.2", (struct lims){ h100, NULL, NULL }, NOW);
	/* Soft equal to hard: SOFT then HARD, in the same pass. */
	add_timed(db, 0x2, "10.0.0.2", (struct lims){ h100, s100, NULL }, NOW);
	assert_int_equal(run_expire(db, &rec, NOW + 100), 3);
	expect_event(&rec, 0, 0x1, SADB_EXPIRE_HARD, SADB_SASTATE_DEAD);
	expect_event(&rec, 1, 0x2, SADB_EXPIRE_SOFT, SADB_SASTATE_DYING);
	expect_event(&rec, 2, 0x2, SADB_EXPIRE_HARD, SADB_SASTATE_DEAD);
	/* Bytes: one use crossing both limits at once. */
	a = add_timed(db, 0x3, "10.0.0.2", (struct lims){ hb, sb, NULL }, NOW);
	b = add_timed(db, 0x4, "10.0.0.2", (struct lims){ hb, NULL, NULL }, NOW);
	assert_int_equal(sadb_use(db, a, 5000, 1, NOW + 1), 0);
	assert_int_equal(a->cur.bytes, 5000);
	assert_int_equal(a->cur_alloc, 1);
	assert_true(sadb_next_deadline(db) <= NOW + 1);
	assert_int_equal(sadb_use(db, b, 999, 0, NOW + 2), 0);
	rec.n = 0;
	assert_int_equal(run_expire(db, &rec, NOW + 2), 2);
	expect_event(&rec, 0, 0x3, SADB_EXPIRE_SOFT, SADB_SASTATE_DYING);
	expect_event(&rec, 1, 0x3, SADB_EXPIRE_HARD, SADB_SASTATE_DEAD);
	assert_int_equal(sadb_count(db, 0), 1);
	/* Saturating counters. */
	assert_int_equal(sadb_use(db, b, UINT64_MAX, UINT32_MAX, NOW + 3), 0);
	assert_true(b->cur.bytes == UINT64_MAX);
	assert_int_equal(b->cur_alloc, UINT32_MAX);
	assert_int_equal(run_expire(db, &rec, NOW + 3), 1);
	expect_event(&rec, 2, 0x4, SADB_EXPIRE_HARD, SADB_SASTATE_DEAD);
	sadb_free(db);
}

static void test_use_first_use_and_errors(void **state)
{
	struct sadb *db = new_db();
	const struct sadb_sa_rec *sa, *larval;
	struct sadb_sa_rec gone, fake;
	struct pk_diag d;
	struct req q;

	(void)state;
	sa = add_timed(db, 0x10, "10.0.0.2", (struct lims){ NULL, NULL, NULL },
		       NOW);
	assert_int_equal(sa->cur.usetime, 0);
	/* A first use at time 0 of the injected clock is still a use. */
	assert_int_equal(sadb_use(db, sa, 100, 1, NOW + 7), 0);
	assert_int_equal(sa->cur.usetime, NOW + 7);
	assert_int_equal(sa->lastuse, 7);
	assert_int_equal(sadb_use(db, sa, 50, 1, NOW + 9), 0);
	assert_int_equal(sa->cur.usetime, NOW + 7);	/* first use stays */
	assert_int_equal(sa->lastuse, 9);
	assert_int_equal(sa->cur.bytes, 150);
	assert_int_equal(sa->cur_alloc, 2);
	/* The reply shows the current lifetime. */
	{
		struct pk_msg pm;
		const struct sadb_lifetime *lc;

		begin(&q, SADB_GET, SADB_SATYPE_ESP, 1);
		assert_int_equal(sadb_write_sa(sa, &q.b, 0), 0);
		assert_int_equal(pk_msg_parse(&pm, q.buf, q.b.len, &d), 0);
		lc = PK_MSG_EXT(&pm, SADB_EXT_LIFETIME_CURRENT, sadb_lifetime);
		assert_int_equal(lc->sadb_lifetime_bytes, 150);
		assert_int_equal(lc->sadb_lifetime_allocations, 2);
		assert_int_equal(lc->sadb_lifetime_usetime, NOW + 7);
	}
	/* Not live: a copy, a record of DELETE, NULL. */
	fake = *sa;
	assert_int_equal(sadb_use(db, &fake, 1, 0, NOW), -ESRCH);
	assert_int_equal(sadb_use(db, NULL, 1, 0, NOW), -ESRCH);
	assert_int_equal(sadb_getspi(db, getspi_msg(&q, 5, 0, 0, false), NOW,
				     &larval, &d), 0);
	assert_int_equal(sadb_use(db, larval, 1, 0, NOW), -EINVAL);
	assert_int_equal(sadb_delete(db, name_msg(&q, SADB_DELETE,
						  SADB_SATYPE_ESP, 0x10,
						  "10.0.0.2"), &gone, &d), 0);
	assert_int_equal(sadb_use(db, &gone, 1, 0, NOW), -ESRCH);
	assert_int_equal(sadb_use(db, sa, 1, 0, NOW), -ESRCH);	/* stale */
	sadb_rec_release(db, &gone);
	sadb_free(db);
}

static void test_idle_and_revival(void **state)
{
	struct sadb *db = new_db();
	struct event ev[16];
	struct recorder rec = { ev, 0, 16, 0, 0 };
	static const uint64_t h[4] = { 0, 0, 1000, 0 };
	static const uint64_t s[4] = { 0, 0, 600, 0 };
	static const uint64_t idle[2] = { 0, 50 };
	const struct sadb_sa_rec *a, *b;

	(void)state;
	/* a: default idle_addtime 500 (hard/2), no idle after use. */
	a = add_timed(db, 0xa, "10.0.0.2", (struct lims){ h, s, NULL }, NOW);
	assert_int_equal(a->idle_addtime, 500);
	/* b: idle 50 s after the last use. */
	b = add_timed(db, 0xb, "10.0.0.2", (struct lims){ h, s, idle }, NOW);
	assert_int_equal(sadb_next_deadline(db), NOW + 500);
	assert_int_equal(sadb_use(db, b, 1, 0, NOW + 10), 0);
	assert_int_equal(run_expire(db, &rec, NOW + 59), 0);
	assert_int_equal(run_expire(db, &rec, NOW + 60), 1);
	expect_event(&rec, 0, 0xb, SADB_EXPIRE_IDLE, SADB_X_SASTATE_IDLE);
	assert_int_equal(b->state, SADB_X_SASTATE_IDLE);
	/* Once: idle again only after a use revives it. */
	assert_int_equal(run_expire(db, &rec, NOW + 400), 0);
	assert_int_equal(sadb_use(db, b, 1, 0, NOW + 400), 0);
	assert_int_equal(b->state, SADB_SASTATE_MATURE);
	assert_int_equal(run_expire(db, &rec, NOW + 449), 0);
	/* a was never used: idle at 500; b idle again at 450. */
	assert_int_equal(run_expire(db, &rec, NOW + 500), 2);
	expect_event(&rec, 1, 0xb, SADB_EXPIRE_IDLE, SADB_X_SASTATE_IDLE);
	expect_event(&rec, 2, 0xa, SADB_EXPIRE_IDLE, SADB_X_SASTATE_IDLE);
	/* Soft on an idle SA: dying outranks idle, as GET shows on Linux. */
	assert_int_equal(run_expire(db, &rec, NOW + 600), 2);
	expect_event(&rec, 3, 0xa, SADB_EXPIRE_SOFT, SADB_SASTATE_DYING);
	expect_event(&rec, 4, 0xb, SADB_EXPIRE_SOFT, SADB_SASTATE_DYING);
	assert_int_equal(sadb_use(db, a, 1, 0, NOW + 601), 0);
	assert_int_equal(a->state, SADB_SASTATE_DYING);
	/* A used SA with no idle_usetime does not go idle again. */
	assert_int_equal(run_expire(db, &rec, NOW + 999), 0);
	assert_int_equal(run_expire(db, &rec, NOW + 1000), 2);
	assert_int_equal(rec.ev[5].kind, SADB_EXPIRE_HARD);
	assert_int_equal(rec.ev[6].kind, SADB_EXPIRE_HARD);
	assert_int_equal(sadb_count(db, 0), 0);
	sadb_free(db);
}

static void test_larval_timeout(void **state)
{
	struct sadb *db = new_db();
	struct event ev[8];
	struct recorder rec = { ev, 0, 8, 0, 0 };
	const struct sadb_sa_rec *l1, *l2;
	struct pk_diag d;
	struct req q;
	struct pk_buf *b;
	uint32_t spi2;

	(void)state;
	assert_int_equal(sadb_getspi(db, getspi_msg(&q, 1, 0, 0, false), NOW,
				     &l1, &d), 0);
	assert_int_equal(sadb_getspi(db, getspi_msg(&q, 2, 0, 0, false),
				     NOW + 5, &l2, &d), 0);
	spi2 = l2->spi;
	assert_int_equal(sadb_next_deadline(db), NOW + SADB_LARVAL_LIFETIME);
	/* The second is answered: it becomes mature and keeps no timer. */
	b = begin(&q, SADB_UPDATE, SADB_SATYPE_ESP, 2);
	pk_add_sa(b, spi2, 0, SADB_SASTATE_MATURE, 0, SADB_EALG_NULL, 0);
	addrs(b, "10.0.0.1", "10.0.0.2");
	assert_int_equal(sadb_update(db, done(&q), NOW + 6, NULL, &d), 0);
	assert_int_equal(run_expire(db, &rec, NOW + SADB_LARVAL_LIFETIME - 1), 0);
	assert_int_equal(run_expire(db, &rec, NOW + SADB_LARVAL_LIFETIME), 1);
	assert_int_equal(ev[0].kind, SADB_EXPIRE_LARVAL);
	assert_int_equal(ev[0].state, SADB_SASTATE_DEAD);
	assert_null(sadb_find_seq(db, 0, 1));
	assert_int_equal(sadb_count(db, 0), 1);
	assert_int_equal(sadb_next_deadline(db), UINT64_MAX);
	assert_int_equal(run_expire(db, &rec, NOW + 10000), 0);
	sadb_free(db);
}

static void test_update_moves_deadline(void **state)
{
	struct sadb *db = new_db();
	struct event ev[8];
	struct recorder rec = { ev, 0, 8, 0, 0 };
	static const uint64_t h[4] = { 0, 0, 1000, 0 };
	const struct sadb_sa_rec *sa;
	struct pk_diag d;
	struct req q;
	struct pk_buf *b;

	(void)state;
	sa = add_timed(db, 0x20, "10.0.0.2", (struct lims){ h, NULL, NULL }, NOW);
	/* The default idle (500) comes first. */
	assert_int_equal(sadb_next_deadline(db), NOW + 500);
	/* Shorter: soft at 100. */
	b = begin(&q, SADB_UPDATE, SADB_SATYPE_ESP, 3);
	pk_add_sa(b, 0x20, 0, SADB_SASTATE_MATURE, 0, 0, 0);
	addrs(b, NULL, "10.0.0.2");
	pk_add_lifetime(b, SADB_EXT_LIFETIME_SOFT, 0, 0, 100, 0);
	assert_int_equal(sadb_update(db, done(&q), NOW + 1, NULL, &d), 0);
	assert_int_equal(sadb_next_deadline(db), NOW + 100);
	/* Longer: hard 5000, soft 4000, idle 3000 (from creation). */
	b = begin(&q, SADB_UPDATE, SADB_SATYPE_ESP, 4);
	pk_add_sa(b, 0x20, 0, SADB_SASTATE_MATURE, 0, 0, 0);
	addrs(b, NULL, "10.0.0.2");
	pk_add_lifetime(b, SADB_EXT_LIFETIME_HARD, 0, 0, 5000, 0);
	pk_add_lifetime(b, SADB_EXT_LIFETIME_SOFT, 0, 0, 4000, 0);
	pk_add_lifetime(b, SADB_X_EXT_LIFETIME_IDLE, 0, 0, 3000, 0);
	assert_int_equal(sadb_update(db, done(&q), NOW + 2, NULL, &d), 0);
	assert_int_equal(sa->hard.addtime, 5000);
	assert_int_equal(sadb_next_deadline(db), NOW + 3000);
	assert_int_equal(run_expire(db, &rec, NOW + 2999), 0);
	/* A refused update changes nothing. */
	b = begin(&q, SADB_UPDATE, SADB_SATYPE_ESP, 5);
	pk_add_sa(b, 0x20, 0, SADB_SASTATE_MATURE, 0, 0, 0);
	addrs(b, NULL, "10.0.0.2");
	pk_add_lifetime(b, SADB_EXT_LIFETIME_SOFT, 0, 0, 9000, 0);
	expect_fail(sadb_update(db, done(&q), NOW + 3, NULL, &d), &d, EINVAL,
		    SADB_X_DIAGNOSTIC_ADDTIME_HSERR);
	assert_int_equal(sadb_next_deadline(db), NOW + 3000);
	/* Times past 2^32-1 seconds are kept as 2^32-1. */
	b = begin(&q, SADB_UPDATE, SADB_SATYPE_ESP, 6);
	pk_add_sa(b, 0x20, 0, SADB_SASTATE_MATURE, 0, 0, 0);
	addrs(b, NULL, "10.0.0.2");
	pk_add_lifetime(b, SADB_X_EXT_LIFETIME_IDLE, 0, 0, 1ULL << 40, 0);
	assert_int_equal(sadb_update(db, done(&q), NOW + 4, NULL, &d), 0);
	assert_int_equal(sa->idle_addtime, UINT32_MAX);
	assert_int_equal(sadb_next_deadline(db), NOW + 4000);
	sadb_free(db);
}

/* xorshift64*: a deterministic stream for the model tests. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

struct model_sa {
	uint64_t	soft, hard;	/* absolute times, 0 = none */
	uint8_t		soft_seen, hard_seen;
};

#define MODEL_N	100000

static struct model_sa *g_model;

static void model_check(void *arg, const struct sadb_sa_rec *r, int kind)
{
	struct recorder *rec = arg;
	struct model_sa *m = &g_model[r->spi - 1];

	assert_true(kind == SADB_EXPIRE_SOFT || kind == SADB_EXPIRE_HARD);
	if (kind == SADB_EXPIRE_SOFT) {
		assert_int_equal(m->soft_seen, 0);
		assert_int_equal(m->hard_seen, 0);
		assert_true(m->soft != 0 && m->soft <= rec->now);
		/* Handled in the first pass at or after its time. */
		assert_true(rec->now < m->soft + 7);
		assert_true(m->soft >= rec->last);	/* deadline order */
		rec->last = m->soft;
		m->soft_seen = 1;
	} else {
		assert_int_equal(m->hard_seen, 0);
		assert_true(m->hard <= rec->now && rec->now < m->hard + 7);
		assert_true(m->soft == 0 || m->soft_seen);
		assert_true(m->hard >= rec->last);
		rec->last = m->hard;
		m->hard_seen = 1;
	}
	rec->n++;
}

static void test_expire_100k_model(void **state)
{
	/* 100k SAs with random lifetimes, expired by passes every 7 s; each
	 * event checked against the model: on time, once, soft first. */
	struct sadb *db = new_db();
	struct recorder rec = { NULL, 0, 0, 0, 0 };
	uint64_t seed = 0x9e3779b97f4a7c15ULL, t, last = NOW;
	size_t events = 0, want = 0, pass = 0;
	char dst[32];

	(void)state;
	g_model = calloc(MODEL_N, sizeof(*g_model));
	assert_non_null(g_model);
	for (uint32_t i = 0; i < MODEL_N; i++) {
		uint64_t h[4] = { 0 }, s[4] = { 0 }, idle[2] = { 0, 0 };
		struct model_sa *m = &g_model[i];

		h[2] = 1 + rnd(&seed) % 100000;
		if (rnd(&seed) % 4 != 0) {
			s[2] = 1 + rnd(&seed) % h[2];
			m->soft = NOW + s[2];
		}
		m->hard = NOW + h[2];
		snprintf(dst, sizeof(dst), "10.%u.%u.%u", (i >> 16) & 0xff,
			 (i >> 8) & 0xff, i & 0xff);
		/* Idle given as 0/0 explicitly: none (default would be h/2). */
		add_timed(db, i + 1, dst, (struct lims){ h, s[2] ? s : NULL,
							idle }, NOW);
		want += 1 + (s[2] != 0);
	}
	for (t = NOW; t <= NOW + 100000 + 7; t += 7) {
		uint64_t nd = sadb_next_deadline(db);

		/* The next deadline is the model's earliest pending event. */
		if (pass++ % 143 == 0) {
			uint64_t best = UINT64_MAX;

			for (uint32_t i = 0; i < MODEL_N; i++) {
				struct model_sa *m = &g_model[i];
				uint64_t e = m->soft && !m->soft_seen ?
					m->soft : m->hard_seen ? UINT64_MAX :
					m->hard;

				if (e < best)
					best = e;
			}
			assert_true(nd == best);
		}
		rec.now = t;
		events += sadb_expire(db, t, model_check, &rec);
		last = t;
	}
	assert_int_equal(events, want);
	assert_int_equal(rec.n, want);
	for (uint32_t i = 0; i < MODEL_N; i++)
		assert_int_equal(g_model[i].hard_seen, 1);
	assert_int_equal(sadb_count(db, 0), 0);
	assert_int_equal(sadb_next_deadline(db), UINT64_MAX);
	(void)last;
	free(g_model);
	g_model = NULL;
	sadb_free(db);
}

/*
 * The timer keeps recently filed SAs in a young heap of at most 4096
 * entries and moves them to an old heap when it is full.  Filed in an order
 * unrelated to their times, across several such moves, with removals and
 * re-filings (shorter soft lifetimes) hitting both heaps: the next deadline
 * is exact throughout, and expiry walks every event in time order at its
 * time.
 */
#define TWO_N	(3 * 4096 + 700)

struct two_sa {
	uint64_t	hard, soft;	/* absolute; soft 0: none */
	bool		live, soft_seen;
};

static struct two_sa *g_two;

static void two_check(void *arg, const struct sadb_sa_rec *r, int kind)
{
	struct recorder *rec = arg;
	struct two_sa *m = &g_two[r->spi - 0x1000];

	assert_true(m->live);
	if (kind == SADB_EXPIRE_SOFT) {
		assert_false(m->soft_seen);
		assert_true(m->soft == rec->now);
		m->soft_seen = true;
	} else {
		assert_int_equal(kind, SADB_EXPIRE_HARD);
		assert_true(m->hard == rec->now);
		assert_true(m->soft == 0 || m->soft_seen);
		m->live = false;
	}
	assert_true(rec->now >= rec->last);
	rec->last = rec->now;
	rec->n++;
}

static uint64_t two_min(void)
{
	uint64_t best = UINT64_MAX;

	for (uint32_t i = 0; i < TWO_N; i++) {
		const struct two_sa *m = &g_two[i];
		uint64_t e = m->soft != 0 && !m->soft_seen ? m->soft : m->hard;

		if (m->live && e < best)
			best = e;
	}
	return best;
}

static void two_dst(uint32_t i, char *buf, size_t len)
{
	snprintf(buf, len, "10.9.%u.%u", (i >> 8) & 0xff, i & 0xff);
}

static void test_timers_young_and_old(void **state)
{
	static const uint64_t idle[2] = { 0, 0 };
	struct recorder rec = { NULL, 0, 0, 0, 0 };
	struct sadb *db = new_db();
	uint64_t seed = 0x2545f4914f6cdd1dULL;
	size_t want = 0, events = 0, live = 0;
	struct sadb_mem mu;
	char dst[32];

	(void)state;
	g_two = calloc(TWO_N, sizeof(*g_two));
	assert_non_null(g_two);
	for (uint32_t i = 0; i < TWO_N; i++) {
		uint64_t h[4] = { 0, 0, 0, 0 };
		struct two_sa *m = &g_two[i];

		/* scattered, and often earlier than SAs filed long before */
		h[2] = 10 + (i * 7919U) % 20000;
		two_dst(i, dst, sizeof(dst));
		add_timed(db, 0x1000 + i, dst, (struct lims){ h, NULL, idle },
			  NOW);
		*m = (struct two_sa){ NOW + h[2], 0, true, false };
		live++;
		if (i % 3 == 2) {
			/* remove one at random: young or old */
			uint32_t v = (uint32_t)(rnd(&seed) % (i + 1));
			struct sadb_sa_rec gone;
			struct pk_diag d;
			struct req q;

			if (g_two[v].live) {
				two_dst(v, dst, sizeof(dst));
				assert_int_equal(sadb_delete(db,
					name_msg(&q, SADB_DELETE,
						 SADB_SATYPE_ESP, 0x1000 + v,
						 dst), &gone, &d), 0);
				sadb_rec_release(db, &gone);
				g_two[v].live = false;
				live--;
			}
		}
		if (i % 5 == 4) {
			/* an earlier soft expiry: re-filed up its heap */
			uint32_t v = (uint32_t)(rnd(&seed) % (i + 1));
			struct two_sa *w = &g_two[v];
			uint64_t soft = 1 + (w->hard - NOW) / 2;
			struct pk_diag d;
			struct req q;
			struct pk_buf *b;

			if (w->live && w->soft == 0) {
				b = begin(&q, SADB_UPDATE, SADB_SATYPE_ESP, 7);
				pk_add_sa(b, 0x1000 + v, 0, SADB_SASTATE_MATURE,
					  0, 0, 0);
				two_dst(v, dst, sizeof(dst));
				addrs(b, NULL, dst);
				pk_add_lifetime(b, SADB_EXT_LIFETIME_SOFT, 0, 0,
						soft, 0);
				assert_int_equal(sadb_update(db, done(&q), NOW,
							     NULL, &d), 0);
				w->soft = NOW + soft;
			}
		}
		if (i % 97 == 0)
			assert_int_equal(sadb_next_deadline(db), two_min());
	}
	sadb_mem_usage(db, &mu);
	assert_int_equal(mu.timed, live);
	assert_int_equal(sadb_count(db, 0), live);
	for (uint32_t i = 0; i < TWO_N; i++)
		if (g_two[i].live)
			want += 1 + (g_two[i].soft != 0);
	for (uint64_t t = NOW; t <= NOW + 20010; t++) {
		if ((t - NOW) % 61 == 0)
			assert_int_equal(sadb_next_deadline(db), two_min());
		rec.now = t;
		events += sadb_expire(db, t, two_check, &rec);
	}
	assert_int_equal(events, want);
	assert_int_equal(rec.n, want);
	assert_int_equal(sadb_count(db, 0), 0);
	assert_int_equal(sadb_next_deadline(db), UINT64_MAX);
	free(g_two);
	g_two = NULL;
	sadb_free(db);
}

/*
 * A burst of SAs nobody touches again, then a hot few deleted and added
 * back over and over: the young heap's sweeps move the untouched ones to
 * the old heap while the hot ones stay.  Deadlines and every event stay
 * exact.
 */
static void test_timers_young_sweep(void **state)
{
	static const uint64_t idle[2] = { 0, 0 };
	struct recorder rec = { NULL, 0, 0, 0, 0 };
	struct sadb *db = new_db();
	uint64_t seed = 0x9b05688c2b3e6c1fULL;
	enum { BURST = 3000, HOTN = 100, ROUNDS = 150 };
	size_t want = 0, events = 0;
	char dst[32];

	(void)state;
	g_two = calloc(TWO_N, sizeof(*g_two));
	assert_non_null(g_two);
	for (uint32_t i = 0; i < BURST + HOTN; i++) {
		uint64_t h[4] = { 0, 0, 10 + (i * 7919U) % 5000, 0 };

		two_dst(i, dst, sizeof(dst));
		add_timed(db, 0x1000 + i, dst, (struct lims){ h, NULL, idle },
			  NOW);
		g_two[i] = (struct two_sa){ NOW + h[2], 0, true, false };
	}
	for (uint32_t round = 0; round < ROUNDS; round++) {
		for (uint32_t k = 0; k < HOTN; k++) {
			uint32_t i = BURST + k;
			uint64_t h[4] = { 0, 0, 0, 0 };
			struct sadb_sa_rec gone;
			struct pk_diag d;
			struct req q;

			two_dst(i, dst, sizeof(dst));
			assert_int_equal(sadb_delete(db, name_msg(&q, SADB_DELETE,
						SADB_SATYPE_ESP, 0x1000 + i, dst),
						     &gone, &d), 0);
			sadb_rec_release(db, &gone);
			h[2] = 10 + rnd(&seed) % 5000;
			add_timed(db, 0x1000 + i, dst,
				  (struct lims){ h, NULL, idle }, NOW);
			g_two[i].hard = NOW + h[2];
		}
		assert_int_equal(sadb_next_deadline(db), two_min());
	}
	for (uint32_t i = 0; i < BURST + HOTN; i++)
		want++;
	for (uint64_t t = NOW; t <= NOW + 5010; t++) {
		if ((t - NOW) % 37 == 0)
			assert_int_equal(sadb_next_deadline(db), two_min());
		rec.now = t;
		events += sadb_expire(db, t, two_check, &rec);
	}
	assert_int_equal(events, want);
	assert_int_equal(sadb_count(db, 0), 0);
	assert_int_equal(sadb_next_deadline(db), UINT64_MAX);
	free(g_two);
	g_two = NULL;
	sadb_free(db);
}

static void test_hard_expiry_zeroes_keys(void **state)
{
	struct sadb *db = new_db();
	struct zero_check z = { 0, 0 };
	struct pk_diag d;
	struct req q;
	struct pk_buf *b = begin(&q, SADB_ADD, SADB_SATYPE_ESP, 1);

	(void)state;
	sadb_set_key_free_hook(db, key_hook, &z);
	pk_add_sa(b, 0x30, 0, SADB_SASTATE_MATURE, SADB_AALG_SHA1HMAC,
		  SADB_X_EALG_AESCBC, 0);
	pk_add_lifetime(b, SADB_EXT_LIFETIME_HARD, 0, 0, 10, 0);
	addrs(b, "10.0.0.1", "10.0.0.2");
	pk_add_key(b, SADB_EXT_KEY_AUTH, akey160, 160, 0);
	pk_add_key(b, SADB_EXT_KEY_ENCRYPT, ekey128, 128, 0);
	assert_int_equal(sadb_add(db, done(&q), NOW, NULL, &d), 0);
	assert_int_equal(sadb_expire(db, NOW + 10, NULL, NULL), 1);
	assert_int_equal(z.calls, 1);
	assert_int_equal(z.nonzero, 0);
	sadb_free(db);
}

static void test_expire_reply_shape(void **state)
{
	struct sadb *db = new_db();
	static const uint64_t h[4] = { 0, 0, 100, 0 };
	const struct sadb_sa_rec *sa;
	struct pk_diag d;
	struct pk_msg pm;
	struct req q;

	(void)state;
	sa = add_timed(db, 0x40, "10.0.0.2", (struct lims){ h, NULL, NULL }, NOW);
	begin(&q, SADB_EXPIRE, SADB_SATYPE_ESP, 0);
	assert_int_equal(sadb_write_sa(sa, &q.b, SADB_W_NOKEYS | SADB_W_NOHARD),
			 0);
	assert_int_equal(pk_msg_parse(&pm, q.buf, q.b.len, &d), 0);
	assert_false(pk_msg_has(&pm, SADB_EXT_LIFETIME_HARD));
	assert_true(pk_msg_has(&pm, SADB_EXT_LIFETIME_SOFT));
	assert_true(pk_msg_has(&pm, SADB_EXT_LIFETIME_CURRENT));
	begin(&q, SADB_EXPIRE, SADB_SATYPE_ESP, 0);
	assert_int_equal(sadb_write_sa(sa, &q.b, SADB_W_NOKEYS | SADB_W_NOSOFT),
			 0);
	assert_int_equal(pk_msg_parse(&pm, q.buf, q.b.len, &d), 0);
	assert_true(pk_msg_has(&pm, SADB_EXT_LIFETIME_HARD));
	assert_false(pk_msg_has(&pm, SADB_EXT_LIFETIME_SOFT));
	begin(&q, SADB_EXPIRE, SADB_SATYPE_ESP, 0);
	assert_int_equal(sadb_write_expire(sa, &q.b, SADB_EXPIRE_SOFT), 0);
	assert_int_equal(pk_msg_parse(&pm, q.buf, q.b.len, &d), 0);
	assert_false(pk_msg_has(&pm, SADB_EXT_LIFETIME_HARD));
	assert_false(pk_msg_has(&pm, SADB_EXT_KEY_AUTH));
	/* sadb_remove: live SAs only. */
	{
		struct sadb_sa_rec copy = *sa;

		assert_int_equal(sadb_remove(db, &copy), -ESRCH);
		assert_int_equal(sadb_remove(db, sa), 0);
		assert_int_equal(sadb_remove(db, sa), -ESRCH);
		assert_int_equal(sadb_count(db, 0), 0);
		assert_int_equal(sadb_next_deadline(db), UINT64_MAX);
	}
	/* An SA with an unspecified source gets no proxy (Linux: the
	 * selector's source equals the SA's). */
	{
		struct pk_buf *b = begin(&q, SADB_ADD, SADB_SATYPE_ESP, 1);

		pk_add_sa(b, 0x41, 0, SADB_SASTATE_MATURE, 0, SADB_EALG_NULL, 0);
		addrs(b, NULL, "10.0.0.2");
		assert_int_equal(sadb_add(db, done(&q), NOW, &sa, &d), 0);
		begin(&q, SADB_GET, SADB_SATYPE_ESP, 0);
		assert_int_equal(sadb_write_sa(sa, &q.b, 0), 0);
		assert_int_equal(pk_msg_parse(&pm, q.buf, q.b.len, &d), 0);
		assert_false(pk_msg_has(&pm, SADB_EXT_ADDRESS_PROXY));
		assert_int_equal(PK_MSG_EXT(&pm, SADB_X_EXT_SA2,
					    sadb_x_sa2)->sadb_x_sa2_mode,
				 IPSEC_MODE_TRANSPORT);
		assert_int_equal(sa->mode, IPSEC_MODE_ANY);	/* as given */
	}
	sadb_free(db);
}

/* ------------------------------------------------------ direction */

static bool local_is_10_0_0_1(void *arg, const struct sadb_addr *a)
{
	struct sadb_addr me = addr_of("10.0.0.1");

	(*(int *)arg)++;
	return sadb_addr_equal(a, &me);
}

static const struct pk_msg *dir_add(struct req *q, uint32_t spi,
				    const char *src, const char *dst,
				    uint32_t flags)
{
	struct pk_buf *b = begin(q, SADB_ADD, SADB_SATYPE_ESP, spi);

	pk_add_sa(b, spi, 0, SADB_SASTATE_MATURE, 0, SADB_EALG_NULL, flags);
	addrs(b, src, dst);
	return done(q);
}

static const struct pk_msg *dir_update(struct req *q, uint32_t spi,
				       const char *dst, uint32_t flags)
{
	struct pk_buf *b = begin(q, SADB_UPDATE, SADB_SATYPE_ESP, spi);

	pk_add_sa(b, spi, 0, SADB_SASTATE_MATURE, 0, 0, flags);
	addrs(b, NULL, dst);
	return done(q);
}

static void test_direction(void **state)
{
	struct sadb *db = new_db();
	const struct sadb_sa_rec *sa;
	struct pk_diag d;
	struct req q;
	int calls = 0;
	const uint32_t IN = SADB_X_SAFLAGS_INBOUND, OUT = SADB_X_SAFLAGS_OUTBOUND;

	(void)state;
	/* No local-address function: undirected unless told. */
	assert_int_equal(sadb_add(db, dir_add(&q, 1, "10.0.0.1", "10.0.0.2", 0),
				  NOW, &sa, &d), 0);
	assert_int_equal(sa->flags & (IN | OUT), 0);
	assert_int_equal(sadb_add(db, dir_add(&q, 2, "10.0.0.1", "10.0.0.2",
					      IN), NOW, &sa, &d), 0);
	assert_int_equal(sa->flags & (IN | OUT), IN);
	expect_fail(sadb_add(db, dir_add(&q, 3, "10.0.0.1", "10.0.0.2",
					 IN | OUT), NOW, NULL, &d), &d, EINVAL,
		    SADB_X_DIAGNOSTIC_BAD_SA_DIRECTION);
	/* With one: dst local -> inbound, src local -> outbound. */
	sadb_set_local_addr_fn(db, local_is_10_0_0_1, &calls);
	assert_int_equal(sadb_add(db, dir_add(&q, 4, "10.0.0.2", "10.0.0.1", 0),
				  NOW, &sa, &d), 0);
	assert_int_equal(sa->flags & (IN | OUT), IN);
	assert_int_equal(sadb_add(db, dir_add(&q, 5, "10.0.0.1", "10.0.0.2", 0),
				  NOW, &sa, &d), 0);
	assert_int_equal(sa->flags & (IN | OUT), OUT);
	assert_int_equal(sadb_add(db, dir_add(&q, 6, "10.0.0.3", "10.0.0.2", 0),
				  NOW, &sa, &d), 0);
	assert_int_equal(sa->flags & (IN | OUT), 0);
	/* The request's flag wins over the addresses. */
	assert_int_equal(sadb_add(db, dir_add(&q, 7, "10.0.0.1", "10.0.0.2",
					      IN), NOW, &sa, &d), 0);
	assert_int_equal(sa->flags & (IN | OUT), IN);
	assert_true(calls > 0);
	/* The reply echoes the final flags. */
	{
		struct pk_msg pm;

		begin(&q, SADB_GET, SADB_SATYPE_ESP, 1);
		assert_int_equal(sadb_write_sa(sa, &q.b, 0), 0);
		assert_int_equal(pk_msg_parse(&pm, q.buf, q.b.len, &d), 0);
		assert_int_equal(PK_MSG_EXT(&pm, SADB_EXT_SA,
					    sadb_sa)->sadb_sa_flags & (IN | OUT),
				 IN);
	}
	/* Update: an undirected SA takes a direction; none flips. */
	assert_int_equal(sadb_update(db, dir_update(&q, 1, "10.0.0.2", OUT),
				     NOW, &sa, &d), 0);
	assert_int_equal(sa->flags & (IN | OUT), OUT);
	assert_int_equal(sadb_update(db, dir_update(&q, 1, "10.0.0.2", OUT),
				     NOW, &sa, &d), 0);
	expect_fail(sadb_update(db, dir_update(&q, 1, "10.0.0.2", IN), NOW,
				NULL, &d), &d, EINVAL,
		    SADB_X_DIAGNOSTIC_BAD_SA_DIRECTION);
	expect_fail(sadb_update(db, dir_update(&q, 6, "10.0.0.2", IN | OUT),
				NOW, NULL, &d), &d, EINVAL,
		    SADB_X_DIAGNOSTIC_BAD_SA_DIRECTION);
	sa = sadb_find(db, SADB_SATYPE_ESP, &(struct sadb_addr){
			.family = AF_INET, .addr = { 10, 0, 0, 2 } }, 1);
	assert_int_equal(sa->flags & (IN | OUT), OUT);
	/* A larval SA updated without a source: decided on its own source. */
	{
		const struct sadb_sa_rec *l;
		struct pk_buf *b;

		assert_int_equal(sadb_getspi(db, getspi_msg(&q, 70, 0x7000,
							    0x7000, true), NOW,
					     &l, &d), 0);
		b = begin(&q, SADB_UPDATE, SADB_SATYPE_ESP, 70);
		pk_add_sa(b, 0x7000, 0, SADB_SASTATE_MATURE, 0, SADB_EALG_NULL,
			  0);
		addrs(b, NULL, "10.0.0.2");
		assert_int_equal(sadb_update(db, done(&q), NOW, &sa, &d), 0);
		assert_int_equal(sa->flags & (IN | OUT), OUT);
	}
	sadb_free(db);
}

/* ---------------------------------------------------------- pairs */

static const struct pk_msg *paired_add(struct req *q, uint32_t spi,
				       const char *src, const char *dst,
				       uint32_t pair)
{
	struct pk_buf *b = begin(q, SADB_ADD, SADB_SATYPE_ESP, spi);

	pk_add_sa(b, spi, 0, SADB_SASTATE_MATURE, 0, SADB_EALG_NULL, 0);
	addrs(b, src, dst);
	if (pair != 0)
		pk_add_pair(b, pair);
	return done(q);
}

static void test_pair_ops(void **state)
{
	struct sadb *db = new_db();
	const struct sadb_sa_rec *a, *b, *o1, *o2, *lone;
	struct sadb_sa_rec g1, g2;
	struct pk_diag d;
	struct req q;
	struct pk_buf *pb;

	(void)state;
	assert_int_equal(sadb_add(db, paired_add(&q, 0xa, "10.0.0.1",
						 "10.0.0.2", 0), NOW, &a, &d), 0);
	assert_int_equal(sadb_add(db, paired_add(&q, 0xb, "10.0.0.2",
						 "10.0.0.1", 0xa), NOW, &b, &d), 0);
	assert_int_equal(sadb_add(db, paired_add(&q, 0xc, "10.0.0.1",
						 "10.0.0.2", 0), NOW, &lone, &d),
			 0);
	/* UPDATEPAIR: both take the lifetimes; opposite directions. */
	pb = begin(&q, SADB_X_UPDATEPAIR, SADB_SATYPE_ESP, 1);
	pk_add_sa(pb, 0xa, 0, SADB_SASTATE_MATURE, 0, 0,
		  SADB_X_SAFLAGS_OUTBOUND);
	addrs(pb, NULL, "10.0.0.2");
	pk_add_lifetime(pb, SADB_EXT_LIFETIME_HARD, 0, 0, 300, 0);
	assert_int_equal(sadb_update_pair(db, done(&q), NOW, &o1, &o2, &d), 0);
	assert_ptr_equal(o1, a);
	assert_ptr_equal(o2, b);
	assert_int_equal(a->hard.addtime, 300);
	assert_int_equal(b->hard.addtime, 300);
	assert_true(a->flags & SADB_X_SAFLAGS_OUTBOUND);
	assert_true(b->flags & SADB_X_SAFLAGS_INBOUND);
	/* Both or neither: the partner is inbound, so "inbound" for a
	 * (outbound for b) fails on a first... and b first: */
	pb = begin(&q, SADB_X_UPDATEPAIR, SADB_SATYPE_ESP, 2);
	pk_add_sa(pb, 0xb, 0, SADB_SASTATE_MATURE, 0, 0, 0);
	addrs(pb, NULL, "10.0.0.1");
	pk_add_lifetime(pb, SADB_EXT_LIFETIME_HARD, 0, 0, 200, 0);
	assert_int_equal(sadb_update_pair(db, done(&q), NOW, &o1, &o2, &d), 0);
	assert_ptr_equal(o1, b);
	assert_int_equal(a->hard.addtime, 200);
	/* A partner that fails its checks: nothing changes on either. */
	{
		struct sadb_sa_rec *w = (struct sadb_sa_rec *)b;

		w->soft.addtime = 150;	/* test-only: make b's soft stand */
		pb = begin(&q, SADB_X_UPDATEPAIR, SADB_SATYPE_ESP, 3);
		pk_add_sa(pb, 0xa, 0, SADB_SASTATE_MATURE, 0, 0, 0);
		addrs(pb, NULL, "10.0.0.2");
		pk_add_lifetime(pb, SADB_EXT_LIFETIME_HARD, 0, 0, 100, 0);
		expect_fail(sadb_update_pair(db, done(&q), NOW, &o1, &o2, &d),
			    &d, EINVAL, SADB_X_DIAGNOSTIC_ADDTIME_HSERR);
		assert_int_equal(a->hard.addtime, 200);
		assert_int_equal(b->hard.addtime, 200);
		assert_null(o1);
		w->soft.addtime = 0;
	}
	/* Direction flip refused (a is outbound). */
	pb = begin(&q, SADB_X_UPDATEPAIR, SADB_SATYPE_ESP, 4);
	pk_add_sa(pb, 0xa, 0, SADB_SASTATE_MATURE, 0, 0, SADB_X_SAFLAGS_INBOUND);
	addrs(pb, NULL, "10.0.0.2");
	expect_fail(sadb_update_pair(db, done(&q), NOW, &o1, &o2, &d), &d,
		    EINVAL, SADB_X_DIAGNOSTIC_BAD_SA_DIRECTION);
	/* No partner: 76; missing SA: 78. */
	pb = begin(&q, SADB_X_UPDATEPAIR, SADB_SATYPE_ESP, 5);
	pk_add_sa(pb, 0xc, 0, SADB_SASTATE_MATURE, 0, 0, 0);
	addrs(pb, NULL, "10.0.0.2");
	expect_fail(sadb_update_pair(db, done(&q), NOW, &o1, &o2, &d), &d,
		    ESRCH, SADB_X_DIAGNOSTIC_PAIR_SA_NOTFOUND);
	expect_fail(sadb_delete_pair(db, name_msg(&q, SADB_X_DELPAIR,
						  SADB_SATYPE_ESP, 0xc,
						  "10.0.0.2"), &g1, &g2, &d),
		    &d, ESRCH, SADB_X_DIAGNOSTIC_PAIR_SA_NOTFOUND);
	assert_int_equal(sadb_count(db, 0), 3);
	expect_fail(sadb_delete_pair(db, name_msg(&q, SADB_X_DELPAIR,
						  SADB_SATYPE_ESP, 0xd,
						  "10.0.0.2"), &g1, &g2, &d),
		    &d, ESRCH, SADB_X_DIAGNOSTIC_SA_NOTFOUND);
	/* DELPAIR removes both. */
	assert_int_equal(sadb_delete_pair(db, name_msg(&q, SADB_X_DELPAIR,
						       SADB_SATYPE_ESP, 0xb,
						       "10.0.0.1"), &g1, &g2,
					  &d), 0);
	assert_int_equal(g1.spi, 0xb);
	assert_int_equal(g2.spi, 0xa);
	assert_int_equal(g1.state, SADB_SASTATE_DEAD);
	assert_int_equal(g2.state, SADB_SASTATE_DEAD);
	sadb_rec_release(db, &g1);
	sadb_rec_release(db, &g2);
	assert_int_equal(sadb_count(db, 0), 1);
	assert_int_equal(sadb_next_deadline(db), UINT64_MAX);
	/* A hard expiry unpairs the partner. */
	{
		static const uint64_t h[4] = { 0, 0, 10, 0 };
		static const uint64_t no_idle[2] = { 0, 0 };
		const struct sadb_sa_rec *x;

		x = add_timed(db, 0xe, "10.0.0.2", (struct lims){ h, NULL,
								no_idle }, NOW);
		assert_int_equal(sadb_add(db, paired_add(&q, 0xf, "10.0.0.2",
							 "10.0.0.1", 0xe), NOW,
					  &o1, &d), 0);
		(void)x;
		assert_int_equal(o1->pair_spi, 0xe);
		assert_int_equal(sadb_expire(db, NOW + 10, NULL, NULL), 1);
		assert_int_equal(o1->pair_spi, 0);
		assert_false(o1->flags & SADB_X_SAFLAGS_PAIRED);
	}
	sadb_free(db);
}

/* --------------------------------------------------------- filter */

static void test_dump_filter(void **state)
{
	struct sadb *db = new_db();
	struct sadb_cursor c;
	struct sadb_x_filter f;
	const struct sadb_sa_rec *sa;
	struct pk_diag d;
	struct req q;
	size_t n;
	char src[32], dst[32];

	(void)state;
	/* src 10.1.<i%4>.1, dst 192.168.<i%8>.<i>, plus two IPv6. */
	for (uint32_t i = 1; i <= 64; i++) {
		snprintf(src, sizeof(src), "10.1.%u.1", i % 4);
		snprintf(dst, sizeof(dst), "192.168.%u.%u", i % 8, i);
		assert_int_equal(sadb_add(db, esp_add(&q, i, src, dst), NOW,
					  NULL, &d), 0);
	}
	assert_int_equal(sadb_add(db, esp_add(&q, 100, "fd00::1", "fd00::2"),
				  NOW, NULL, &d), 0);
	assert_int_equal(sadb_add(db, esp_add(&q, 101, "fd01::1", "fd00::3"),
				  NOW, NULL, &d), 0);
	memset(&f, 0, sizeof(f));
	f.sadb_x_filter_family = AF_INET;
	memcpy(f.sadb_x_filter_saddr, (uint8_t[]){ 10, 1, 2, 0 }, 4);
	f.sadb_x_filter_splen = 24;
	memcpy(f.sadb_x_filter_daddr, (uint8_t[]){ 192, 168, 6, 0 }, 4);
	f.sadb_x_filter_dplen = 23;	/* 192.168.6.0 - 192.168.7.255 */
	sadb_cursor_open(db, &c, SADB_SATYPE_ESP);
	assert_int_equal(sadb_cursor_set_filter(&c, &f), 0);
	n = 0;
	while ((sa = sadb_cursor_next(db, &c)) != NULL) {
		assert_int_equal(sa->spi % 4, 2);
		assert_true(sa->spi % 8 == 6 || sa->spi % 8 == 7);
		n++;
		/* Deleting the next match (a non-matching SA lies between)
		 * moves the cursor to the match after it. */
		if (n == 1)
			delete_spi_dst(db, sa->spi + 8, "192.168.6.");
		assert_int_equal(sadb_cursor_more(&c), n < 7);
	}
	sadb_cursor_close(db, &c);
	/* spi % 8 == 6 (i % 4 == 2): 8 of 64; one deleted on the way: 7. */
	assert_int_equal(n, 7);
	/* AF_UNSPEC with zero prefixes: everything. */
	memset(&f, 0, sizeof(f));
	sadb_cursor_open(db, &c, 0);
	assert_int_equal(sadb_cursor_set_filter(&c, &f), 0);
	for (n = 0; sadb_cursor_next(db, &c) != NULL; n++)
		;
	sadb_cursor_close(db, &c);
	assert_int_equal(n, sadb_count(db, 0));
	/* IPv6 only, dst fd00::/16 and src fd00::/16. */
	f.sadb_x_filter_family = AF_INET6;
	memcpy(f.sadb_x_filter_saddr, (uint8_t[]){ 0xfd, 0x00 }, 2);
	memcpy(f.sadb_x_filter_daddr, (uint8_t[]){ 0xfd, 0x00 }, 2);
	f.sadb_x_filter_splen = 16;
	f.sadb_x_filter_dplen = 16;
	sadb_cursor_open(db, &c, 0);
	assert_int_equal(sadb_cursor_set_filter(&c, &f), 0);
	assert_non_null(sa = sadb_cursor_next(db, &c));
	assert_int_equal(sa->spi, 100);
	assert_false(sadb_cursor_more(&c));
	assert_null(sadb_cursor_next(db, &c));
	sadb_cursor_close(db, &c);
	/* Bad prefix lengths. */
	f.sadb_x_filter_family = AF_INET;
	f.sadb_x_filter_splen = 33;
	sadb_cursor_open(db, &c, 0);
	assert_int_equal(sadb_cursor_set_filter(&c, &f), -EINVAL);
	assert_false(c.filtered);
	sadb_cursor_close(db, &c);
	sadb_free(db);
}

/* A satype cursor whose next SA is removed skips to the next of its type. */
static void test_cursor_type_after_removal(void **state)
{
	struct sadb *db = new_db();
	struct sadb_cursor c;
	const struct sadb_sa_rec *sa;
	struct pk_diag d;
	struct req q;

	(void)state;
	assert_int_equal(sadb_add(db, esp_add(&q, 1, "10.0.0.1", "10.0.0.2"),
				  NOW, NULL, &d), 0);
	assert_int_equal(sadb_add(db, esp_add(&q, 2, "10.0.0.1", "10.0.0.2"),
				  NOW, NULL, &d), 0);
	{
		struct pk_buf *b = begin(&q, SADB_ADD, SADB_SATYPE_AH, 1);

		pk_add_sa(b, 3, 0, SADB_SASTATE_MATURE, SADB_AALG_SHA1HMAC, 0, 0);
		addrs(b, "10.0.0.1", "10.0.0.2");
		pk_add_key(b, SADB_EXT_KEY_AUTH, akey160, 160, 0);
		assert_int_equal(sadb_add(db, done(&q), NOW, NULL, &d), 0);
	}
	sadb_cursor_open(db, &c, SADB_SATYPE_ESP);
	assert_non_null(sa = sadb_cursor_next(db, &c));
	assert_int_equal(sa->spi, 1);
	assert_true(sadb_cursor_more(&c));
	delete_spi(db, 2);
	assert_false(sadb_cursor_more(&c));	/* not the AH SA */
	assert_null(sadb_cursor_next(db, &c));
	sadb_cursor_close(db, &c);
	sadb_free(db);
}

/* Many SAs between one pair of gateways: removal must not walk them. */
/*
 * Many (src, dst) chains, built while the index doubles, thinned from the
 * front (the SA added last is first in its chain, and its removal finds
 * the bucket from its backward link), the middle and the end, then grown
 * again: every pair lists exactly its SAs.
 */
#define AP_PAIRS	300
#define AP_PER		8

static void ap_dst(uint32_t pair, char *buf, size_t len)
{
	snprintf(buf, len, "10.7.%u.%u", pair >> 8, pair & 0xff);
}

static void ap_delete(struct sadb *db, uint32_t k)
{
	struct sadb_sa_rec gone;
	struct pk_diag d;
	struct req q;
	char dst[32];

	ap_dst(k % AP_PAIRS, dst, sizeof(dst));
	assert_int_equal(sadb_delete(db, name_msg(&q, SADB_DELETE,
						  SADB_SATYPE_ESP, 0x100 + k,
						  dst), &gone, &d), 0);
	sadb_rec_release(db, &gone);
}

static void test_addrpair_chains_heads(void **state)
{
	static bool live[AP_PAIRS * AP_PER * 2];
	struct sadb *db = new_db();
	struct sadb_addr src = addr_of("10.0.0.1");
	char dst[32];
	struct pk_diag d;
	struct req q;

	(void)state;
	memset(live, 0, sizeof(live));
	/* SA k belongs to pair k % AP_PAIRS; SPIs 0x100 + k. */
	for (uint32_t k = 0; k < AP_PAIRS * AP_PER; k++) {
		ap_dst(k % AP_PAIRS, dst, sizeof(dst));
		assert_int_equal(sadb_add(db, esp_add(&q, 0x100 + k, "10.0.0.1",
						      dst), NOW, NULL, &d), 0);
		live[k] = true;
		/* the newest of its chain, most of the time */
		if (k % 4 == 3) {
			ap_delete(db, k);
			live[k] = false;
		}
	}
	for (uint32_t k = 0; k < AP_PAIRS * AP_PER; k += 3) {
		if (!live[k])
			continue;
		ap_delete(db, k);
		live[k] = false;
	}
	for (uint32_t k = AP_PAIRS * AP_PER; k < AP_PAIRS * AP_PER * 2; k++) {
		ap_dst(k % AP_PAIRS, dst, sizeof(dst));
		assert_int_equal(sadb_add(db, esp_add(&q, 0x100 + k, "10.0.0.1",
						      dst), NOW, NULL, &d), 0);
		live[k] = true;
	}
	for (uint32_t pair = 0; pair < AP_PAIRS; pair++) {
		const struct sadb_sa_rec *r = NULL;
		size_t n = 0, want = 0;
		struct sadb_addr t;

		ap_dst(pair, dst, sizeof(dst));
		t = addr_of(dst);
		while ((r = sadb_addrpair_next(db, &src, &t, r)) != NULL) {
			assert_true(live[r->spi - 0x100]);
			assert_int_equal((r->spi - 0x100) % AP_PAIRS, pair);
			n++;
		}
		for (uint32_t k = pair; k < AP_PAIRS * AP_PER * 2;
		     k += AP_PAIRS)
			want += live[k];
		assert_int_equal(n, want);
	}
	sadb_free(db);
}

/* The SAs of (10.0.0.1, dst), counted; each must be live in the model. */
static size_t pair_count(struct sadb *db, const char *dst, const bool *live,
			 uint32_t base)
{
	struct sadb_addr s = addr_of("10.0.0.1"), t = addr_of(dst);
	const struct sadb_sa_rec *r = NULL;
	size_t n = 0;

	while ((r = sadb_addrpair_next(db, &s, &t, r)) != NULL) {
		assert_true(live[r->spi - base]);
		n++;
	}
	return n;
}

/*
 * A chain removed newest first (every removal takes the first SA, whose
 * backward link names its bucket), while the freed slots are reused at
 * once by SAs of another pair or of the same pair: every listing stays
 * exact.
 */
static void test_addrpair_stale_links(void **state)
{
	enum { N = 64 };
	static bool live[3 * N];
	struct sadb *db = new_db();
	size_t in_a = 0, in_b = 0;
	struct pk_diag d;
	struct req q;

	(void)state;
	memset(live, 0, sizeof(live));
	for (uint32_t k = 0; k < N; k++) {
		assert_int_equal(sadb_add(db, esp_add(&q, 0x100 + k, "10.0.0.1",
						      "10.0.0.2"), NOW, NULL, &d),
				 0);
		live[k] = true;
		in_a++;
	}
	for (uint32_t k = N; k-- > 0;) {
		delete_spi(db, 0x100 + k);
		live[k] = false;
		in_a--;
		if (k % 2 == 0) {
			/* the freed slot, into another chain */
			assert_int_equal(sadb_add(db, esp_add(&q, 0x100 + N + k,
							      "10.0.0.1",
							      "10.0.0.3"),
						  NOW, NULL, &d), 0);
			live[N + k] = true;
			in_b++;
		} else if (k % 3 == 0) {
			/* the freed slot, first in this chain again */
			assert_int_equal(sadb_add(db, esp_add(&q,
							      0x100 + 2 * N + k,
							      "10.0.0.1",
							      "10.0.0.2"),
						  NOW, NULL, &d), 0);
			live[2 * N + k] = true;
			in_a++;
		}
		assert_int_equal(pair_count(db, "10.0.0.2", live, 0x100), in_a);
		assert_int_equal(pair_count(db, "10.0.0.3", live, 0x100), in_b);
	}
	/* and what is left goes, oldest first */
	for (uint32_t k = 0; k < 3 * N; k++) {
		const char *dst = k >= N && k < 2 * N ? "10.0.0.3" : "10.0.0.2";
		struct sadb_sa_rec gone;

		if (!live[k])
			continue;
		assert_int_equal(sadb_delete(db, name_msg(&q, SADB_DELETE,
							  SADB_SATYPE_ESP,
							  0x100 + k, dst),
					     &gone, &d), 0);
		sadb_rec_release(db, &gone);
		live[k] = false;
		*(k >= N && k < 2 * N ? &in_b : &in_a) -= 1;
		assert_int_equal(pair_count(db, "10.0.0.2", live, 0x100), in_a);
		assert_int_equal(pair_count(db, "10.0.0.3", live, 0x100), in_b);
	}
	assert_int_equal(sadb_count(db, 0), 0);
	sadb_free(db);
}

static void test_addrpair_many_removals(void **state)
{
	struct sadb *db = new_db();
	struct sadb_addr s = addr_of("10.0.0.1"), t = addr_of("10.0.0.2");
	const struct sadb_sa_rec *r = NULL;
	struct pk_diag d;
	struct req q;
	size_t n = 0;

	(void)state;
	for (uint32_t i = 1; i <= 20000; i++)
		assert_int_equal(sadb_add(db, esp_add(&q, i, "10.0.0.1",
						      "10.0.0.2"), NOW, NULL, &d),
				 0);
	/* Remove from the middle, the head and the tail of the chain. */
	for (uint32_t i = 1; i <= 20000; i++)
		if (i % 3 == 0 || i == 1 || i == 20000)
			delete_spi(db, i);
	while ((r = sadb_addrpair_next(db, &s, &t, r)) != NULL) {
		assert_true(r->spi % 3 != 0 && r->spi != 1 && r->spi != 20000);
		n++;
	}
	assert_int_equal(n, sadb_count(db, 0));
	assert_int_equal(n, 20000 - 6666 - 2);
	sadb_free(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_vector),
		cmocka_unit_test(test_record_size),
		cmocka_unit_test(test_add_get_reply),
		cmocka_unit_test(test_add_kernel_fixture),
		cmocka_unit_test(test_duplicate_ignores_source),
		cmocka_unit_test(test_add_state_spi),
		cmocka_unit_test(test_soft_exceeds_hard),
		cmocka_unit_test(test_idle_default),
		cmocka_unit_test(test_algorithm_rules),
		cmocka_unit_test(test_get_delete),
		cmocka_unit_test(test_getspi_larval_update),
		cmocka_unit_test(test_larval_update_checks),
		cmocka_unit_test(test_getspi_ranges),
		cmocka_unit_test(test_flush_by_type),
		cmocka_unit_test(test_dump_cursor),
		cmocka_unit_test(test_keys_zeroed),
		cmocka_unit_test(test_pairing),
		cmocka_unit_test(test_addrpair),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_scale_100k),
		cmocka_unit_test(test_expire_each_limit),
		cmocka_unit_test(test_expire_soft_hard_combinations),
		cmocka_unit_test(test_use_first_use_and_errors),
		cmocka_unit_test(test_idle_and_revival),
		cmocka_unit_test(test_larval_timeout),
		cmocka_unit_test(test_update_moves_deadline),
		cmocka_unit_test(test_expire_100k_model),
		cmocka_unit_test(test_timers_young_and_old),
		cmocka_unit_test(test_timers_young_sweep),
		cmocka_unit_test(test_hard_expiry_zeroes_keys),
		cmocka_unit_test(test_expire_reply_shape),
		cmocka_unit_test(test_direction),
		cmocka_unit_test(test_pair_ops),
		cmocka_unit_test(test_dump_filter),
		cmocka_unit_test(test_cursor_type_after_removal),
		cmocka_unit_test(test_addrpair_many_removals),
		cmocka_unit_test(test_addrpair_chains_heads),
		cmocka_unit_test(test_addrpair_stale_links),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
