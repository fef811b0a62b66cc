/*
 * test_parse.c - every rejection class of the validating walker
 * (pk_msg_parse) and of the request rules (pk_msg_check), each asserting
 * the return value and the whole diagnostic: errno, SADB_X_DIAGNOSTIC_*
 * code, extension type, field name, byte offset and, for many, the exact
 * detail text.
 *
 * Bad messages are made by building a good one and patching bytes at known
 * offsets.  Each is parsed from a malloc'd buffer of exactly its length, so
 * an ASan build catches any read past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "pfkey/msg.h"

#define D(x) SADB_X_DIAGNOSTIC_##x
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------- helpers */

struct mb {
	uint8_t		buf[4096] __attribute__((aligned(8)));
	struct pk_buf	b;
};

static void mb_begin(struct mb *m, uint8_t type, uint8_t satype)
{
	pk_buf_init(&m->b, m->buf, sizeof(m->buf));
	assert_int_equal(pk_msg_begin(&m->b, type, satype, 77, 4242), 0);
}

static void put8(struct mb *m, size_t off, uint8_t v)
{
	assert_true(off + 1 <= m->b.len);
	m->buf[off] = v;
}

static void put16(struct mb *m, size_t off, uint16_t v)
{
	assert_true(off + 2 <= m->b.len);
	memcpy(m->buf + off, &v, 2);
}

static void put32(struct mb *m, size_t off, uint32_t v)
{
	assert_true(off + 4 <= m->b.len);
	memcpy(m->buf + off, &v, 4);
}

/* Offset of the extension the last append made. */
static size_t last(const struct mb *m)
{
	assert_int_equal(m->b.err, 0);
	assert_true(m->b.last >= sizeof(struct sadb_msg));
	return m->b.last;
}

static void add_addr(struct mb *m, uint16_t type, const char *text,
		     uint16_t port, uint8_t proto, uint8_t prefix)
{
	struct sockaddr_storage s;

	assert_int_equal(pk_add_address(&m->b, type, fixture_sa(&s, text, port),
					proto, prefix), 0);
}

struct want {
	int		rc;
	uint16_t	code;
	uint16_t	ext_type;
	uint32_t	offset;
	const char	*field;
	const char	*detail;	/* NULL: only non-empty */
};

static void check_diag(const struct pk_diag *d, int rc, const struct want *w,
		       const char *file, int line)
{
	if (rc != w->rc || d->code != w->code || d->ext_type != w->ext_type ||
	    d->offset != w->offset ||
	    (w->detail != NULL && strcmp(d->detail, w->detail) != 0))
		print_message("got rc %d code %u ext %u off %u field %s "
			      "detail \"%s\"\n", rc, d->code, d->ext_type,
			      d->offset, d->field != NULL ? d->field : "(null)",
			      d->detail);
	_assert_int_equal(rc, w->rc, file, line);
	_assert_int_equal(d->err, -w->rc, file, line);
	_assert_int_equal(d->code, w->code, file, line);
	_assert_int_equal(d->ext_type, w->ext_type, file, line);
	_assert_int_equal(d->offset, w->offset, file, line);
	_assert_true(d->field != NULL, "field", file, line);
	_assert_string_equal(d->field, w->field, file, line);
	if (w->detail != NULL)
		_assert_string_equal(d->detail, w->detail, file, line);
	else
		_assert_true(d->detail[0] != '\0', "detail", file, line);
	/* never overruns its buffer */
	_assert_true(memchr(d->detail, '\0', sizeof(d->detail)) != NULL,
		     "detail NUL", file, line);
	/* every code it gives has a text */
	_assert_true(pk_diag_text(d->code) != NULL, "code text", file, line);
}

/* Parses an exact-size copy of buf and expects the refusal w. */
static void expect_parse_at(const void *buf, size_t len, struct want w,
			    const char *file, int line)
{
	uint8_t *mem = malloc(len > 0 ? len : 1);
	struct pk_msg m;
	struct pk_diag d;
	int rc;

	_assert_true(mem != NULL, "malloc", file, line);
	memcpy(mem, buf, len);
	memset(&d, 0x5a, sizeof(d));
	rc = pk_msg_parse(&m, mem, len, &d);
	check_diag(&d, rc, &w, file, line);
	/* a refused message leaves nothing behind */
	_assert_true(m.hdr == NULL, "m.hdr", file, line);
	_assert_true(m.present == 0, "m.present", file, line);
	for (unsigned t = 0; t <= SADB_PFKEY_EXT_MAX; t++)
		_assert_true(m.ext[t] == NULL, "m.ext", file, line);
	/* and without a diagnostic it says the same */
	_assert_int_equal(pk_msg_parse(&m, mem, len, NULL), w.rc, file, line);
	free(mem);
}
#define expect_parse(buf, len, ...) \
	expect_parse_at((buf), (len), (struct want){ __VA_ARGS__ }, \
			__FILE__, __LINE__)
#define expect_mb(m, ...) \
	do { \
		assert_int_equal((m)->b.err, 0); \
		expect_parse((m)->buf, (m)->b.len, __VA_ARGS__); \
	} while (0)

/* Parses (which must succeed), then expects pk_msg_check to refuse w. */
static void expect_refused_at(const struct mb *mb, struct want w,
			    const char *file, int line)
{
	size_t len = mb->b.len;
	uint8_t *mem = malloc(len);
	struct pk_msg m;
	struct pk_diag d;
	int rc;

	_assert_int_equal(mb->b.err, 0, file, line);
	_assert_true(mem != NULL, "malloc", file, line);
	memcpy(mem, mb->buf, len);
	rc = pk_msg_parse(&m, mem, len, &d);
	if (rc != 0)
		print_message("parse: %s\n", d.detail);
	_assert_int_equal(rc, 0, file, line);
	memset(&d, 0x5a, sizeof(d));
	rc = pk_msg_check(&m, &d);
	check_diag(&d, rc, &w, file, line);
	_assert_int_equal(pk_msg_check(&m, NULL), w.rc, file, line);
	free(mem);
}
#define expect_refused(mb, ...) \
	expect_refused_at((mb), (struct want){ __VA_ARGS__ }, __FILE__, __LINE__)

/* Parse and check both pass. */
static void expect_ok_at(const struct mb *mb, bool check, const char *file,
			 int line)
{
	size_t len = mb->b.len;
	uint8_t *mem = malloc(len);
	struct pk_msg m;
	struct pk_diag d;
	int rc;

	_assert_int_equal(mb->b.err, 0, file, line);
	_assert_true(mem != NULL, "malloc", file, line);
	memcpy(mem, mb->buf, len);
	rc = pk_msg_parse(&m, mem, len, &d);
	if (rc != 0)
		print_message("parse: %s\n", d.detail);
	_assert_int_equal(rc, 0, file, line);
	if (check) {
		rc = pk_msg_check(&m, &d);
		if (rc != 0)
			print_message("check: %s\n", d.detail);
		_assert_int_equal(rc, 0, file, line);
	}
	free(mem);
}
#define expect_parse_ok(mb) expect_ok_at((mb), false, __FILE__, __LINE__)
#define expect_check_ok(mb) expect_ok_at((mb), true, __FILE__, __LINE__)

static const uint8_t key[64] = {
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
	0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00,
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
};

/* Appends a minimal valid extension of any type of the ABI. */
static void add_valid_ext(struct mb *m, uint16_t type)
{
	static const struct sadb_comb comb = { .sadb_comb_auth = 2 };
	static const struct sadb_alg alg = { 3, 0, 160, 160, 0 };
	static const uint64_t map = 1;
	const struct pk_ext_info *e = pk_ext_info(type);
	struct sockaddr_storage s, d;
	uint8_t a[16] = { 10, 0, 0, 0 };
	int rc = -1;

	assert_non_null(e);
	switch (e->kind) {
	case PK_EK_SA:
		rc = pk_add_sa(&m->b, 0x1000, 0, 1, 0, 0, 0);
		break;
	case PK_EK_LIFETIME:
		rc = pk_add_lifetime(&m->b, type, 1, 2, 3, 4);
		break;
	case PK_EK_ADDRESS:
		rc = pk_add_address(&m->b, type, fixture_sa(&s, "10.0.0.1", 0),
				    0, 32);
		break;
	case PK_EK_KEY:
		rc = pk_add_key(&m->b, type, key, 128, 0);
		break;
	case PK_EK_IDENT:
		rc = pk_add_ident(&m->b, type, SADB_IDENTTYPE_FQDN, 0,
				  "a.example");
		break;
	case PK_EK_SENS:
		rc = pk_add_sens(&m->b, type, 1, 1, &map, 1, 0, NULL, 0);
		break;
	case PK_EK_PROP:
		rc = pk_add_prop(&m->b, 0, &comb, 1);
		break;
	case PK_EK_SUPPORTED:
		rc = pk_add_supported(&m->b, type, &alg, 1);
		break;
	case PK_EK_SPIRANGE:
		rc = pk_add_spirange(&m->b, 256, 512);
		break;
	case PK_EK_KMPRIVATE:
		rc = pk_add_kmprivate(&m->b, "x", 1);
		break;
	case PK_EK_POLICY:
		rc = pk_add_policy(&m->b, IPSEC_POLICY_IPSEC,
				   IPSEC_DIR_OUTBOUND, 1, 0);
		break;
	case PK_EK_SA2:
		rc = pk_add_sa2(&m->b, IPSEC_MODE_TUNNEL, 1, 0);
		break;
	case PK_EK_NAT_T_TYPE:
		rc = pk_add_nat_t_type(&m->b, PK_UDP_ENCAP_ESPINUDP);
		break;
	case PK_EK_NAT_T_PORT:
		rc = pk_add_nat_t_port(&m->b, type, 4500);
		break;
	case PK_EK_SEC_CTX:
		rc = pk_add_sec_ctx(&m->b, 1, 1, "ctx", 3);
		break;
	case PK_EK_KMADDRESS:
		rc = pk_add_kmaddress(&m->b, fixture_sa(&s, "10.0.0.1", 0),
				      fixture_sa(&d, "10.0.0.2", 0));
		break;
	case PK_EK_FILTER:
		rc = pk_add_filter(&m->b, AF_INET, a, 8, a, 8);
		break;
	case PK_EK_PAIR:
		rc = pk_add_pair(&m->b, 0x1000);
		break;
	case PK_EK_REPLAY:
		rc = pk_add_replay_value(&m->b, 1, 1);
		break;
	case PK_EK_KMC:
		rc = pk_add_kmc(&m->b, SADB_X_KMP_IKE, 1);
		break;
	}
	assert_int_equal(rc, 0);
}

/* All extension types of the ABI, from the table. */
static size_t all_ext_types(uint16_t *out, size_t max)
{
	size_t n = 0;

	for (unsigned t = 0; t < 256 && n < max; t++)
		if (pk_ext_info(t) != NULL)
			out[n++] = (uint16_t)t;
	return n;
}

static const char *ename(unsigned t)
{
	const char *n = pk_ext_name(t);

	assert_non_null(n);
	return n;
}

/* ---------------------------------------------------------- the header */

static void test_short_message(void **state)
{
	uint8_t hdr[16] = { PF_KEY_V2, SADB_FLUSH, 0, 0, 2, 0 };
	char detail[160];

	(void)state;
	for (size_t len = 0; len < sizeof(hdr); len++) {
		snprintf(detail, sizeof(detail),
			 "message of %zu bytes, a header is 16", len);
		expect_parse(hdr, len, -EMSGSIZE, D(SHORT_MSG), 0, 0,
			     "sadb_msg_len", detail);
	}
	/* and a NULL buffer of no bytes */
	{
		struct pk_msg m;
		struct pk_diag d;

		assert_int_equal(pk_msg_parse(&m, NULL, 0, &d), -EMSGSIZE);
		assert_int_equal(d.code, D(SHORT_MSG));
	}
}

static void test_over_long_message(void **state)
{
	size_t len = SADB_MSG_MAX_BYTES + 8;
	uint8_t *buf = calloc(1, len);
	struct sadb_msg h = {
		.sadb_msg_version = PF_KEY_V2, .sadb_msg_type = SADB_FLUSH,
		.sadb_msg_len = UINT16_MAX,
	};

	(void)state;
	assert_non_null(buf);
	memcpy(buf, &h, sizeof(h));
	expect_parse(buf, len, -EMSGSIZE, D(BAD_MSGLEN), 0, 0, "sadb_msg_len",
		     "message of 524288 bytes, at most 524280");
	free(buf);
}

static void test_bad_version(void **state)
{
	static const uint8_t versions[] = { 0, 1, 3, 255 };
	struct mb m;
	char detail[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(versions); i++) {
		mb_begin(&m, SADB_FLUSH, 0);
		put8(&m, 0, versions[i]);
		snprintf(detail, sizeof(detail), "version %u, expected 2",
			 versions[i]);
		expect_mb(&m, -EINVAL, D(BAD_VERSION), 0, 0, "sadb_msg_version",
			  detail);
	}
}

static void test_msg_len_larger_than_bytes(void **state)
{
	struct mb m;

	(void)state;
	mb_begin(&m, SADB_FLUSH, 0);
	put16(&m, 4, 3);
	expect_mb(&m, -EMSGSIZE, D(BAD_MSGLEN), 0, 4, "sadb_msg_len",
		  "sadb_msg_len says 24 bytes, 16 received");
	put16(&m, 4, UINT16_MAX);
	expect_mb(&m, -EMSGSIZE, D(BAD_MSGLEN), 0, 4, "sadb_msg_len",
		  "sadb_msg_len says 524280 bytes, 16 received");
}

static void test_msg_len_smaller_than_bytes(void **state)
{
	struct mb m;

	(void)state;
	mb_begin(&m, SADB_X_DELPAIR_STATE, SADB_SATYPE_ESP);
	pk_add_sa(&m.b, 1, 0, 0, 0, 0, 0);
	put16(&m, 4, 2);
	expect_mb(&m, -EMSGSIZE, D(TRAILING_BYTES), 0, 4, "sadb_msg_len",
		  "sadb_msg_len says 16 bytes, 32 received (16 trailing)");
	put16(&m, 4, 3);
	expect_mb(&m, -EMSGSIZE, D(TRAILING_BYTES), 0, 4, "sadb_msg_len",
		  "sadb_msg_len says 24 bytes, 32 received (8 trailing)");
	/* less than a header: the length itself is wrong */
	put16(&m, 4, 0);
	expect_mb(&m, -EMSGSIZE, D(BAD_MSGLEN), 0, 4, "sadb_msg_len",
		  "sadb_msg_len says 0 bytes, 32 received (32 trailing)");
	put16(&m, 4, 1);
	expect_mb(&m, -EMSGSIZE, D(BAD_MSGLEN), 0, 4, "sadb_msg_len", NULL);
	/* bytes not a multiple of 8 can never match */
	put16(&m, 4, 3);
	expect_parse(m.buf, 30, -EMSGSIZE, D(TRAILING_BYTES), 0, 4,
		     "sadb_msg_len",
		     "sadb_msg_len says 24 bytes, 30 received (6 trailing)");
}

static void test_unknown_msg_type(void **state)
{
	static const uint8_t types[] = { 0, 25, 31, 36, 200, 255 };
	struct mb m;
	char detail[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		mb_begin(&m, types[i], 0);
		snprintf(detail, sizeof(detail), "message type %u unknown",
			 types[i]);
		expect_mb(&m, -EINVAL, D(UNKNOWN_MSG), 0, 1, "sadb_msg_type",
			  detail);
	}
}

/* ------------------------------------------------- walking extensions */

static void test_ext_len_zero(void **state)
{
	struct mb m;

	(void)state;
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	pk_add_pair(&m.b, 1);
	put16(&m, 16, 0);
	expect_mb(&m, -EINVAL, D(BAD_EXTLEN), SADB_X_EXT_PAIR, 16,
		  "sadb_ext_len",
		  "extension at offset 16: length 0 bytes, 8 left in the message");
	/* the same after a good extension */
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	pk_add_sa(&m.b, 1, 0, 0, 0, 0, 0);
	pk_add_pair(&m.b, 1);
	put16(&m, 32, 0);
	expect_mb(&m, -EINVAL, D(BAD_EXTLEN), SADB_X_EXT_PAIR, 32,
		  "sadb_ext_len",
		  "extension at offset 32: length 0 bytes, 8 left in the message");
}

static void test_ext_past_end(void **state)
{
	struct mb m;

	(void)state;
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	pk_add_sa(&m.b, 1, 0, 0, 0, 0, 0);
	put16(&m, 16, 3);
	expect_mb(&m, -EINVAL, D(BAD_EXTLEN), SADB_EXT_SA, 16, "sadb_ext_len",
		  "extension at offset 16: length 24 bytes, 16 left in the "
		  "message");
	put16(&m, 16, UINT16_MAX);
	expect_mb(&m, -EINVAL, D(BAD_EXTLEN), SADB_EXT_SA, 16, "sadb_ext_len",
		  "extension at offset 16: length 524280 bytes, 16 left in the "
		  "message");
	/* the second of two */
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	pk_add_sa(&m.b, 1, 0, 0, 0, 0, 0);
	pk_add_pair(&m.b, 1);
	put16(&m, 32, 2);
	expect_mb(&m, -EINVAL, D(BAD_EXTLEN), SADB_X_EXT_PAIR, 32,
		  "sadb_ext_len",
		  "extension at offset 32: length 16 bytes, 8 left in the message");
}

/*
 * A truncated extension header (1-3 bytes left) cannot reach the walker
 * inside pk_msg_parse, since the message length is a multiple of 8; the
 * guarded step itself refuses it.
 */
static void test_ext_next(void **state)
{
	uint8_t buf[40] __attribute__((aligned(8))) = { 0 };
	const struct sadb_ext *e = NULL;
	size_t off, n = 0;
	uint16_t w;

	(void)state;
	/* one 8-byte extension at 16 */
	w = 1;
	memcpy(buf + 16, &w, 2);
	w = SADB_X_EXT_PAIR;
	memcpy(buf + 18, &w, 2);
	off = 16;
	assert_int_equal(pk_ext_next(buf, 24, &off, &e, &n), 1);
	assert_ptr_equal(e, buf + 16);
	assert_int_equal(n, 8);
	assert_int_equal(off, 24);
	assert_int_equal(pk_ext_next(buf, 24, &off, &e, &n), 0);
	/* 1, 2 and 3 bytes of a header */
	for (size_t len = 17; len < 20; len++) {
		off = 16;
		assert_int_equal(pk_ext_next(buf, len, &off, &e, &n), -EINVAL);
		assert_int_equal(off, 16);
	}
	/* header fits, body does not */
	off = 16;
	assert_int_equal(pk_ext_next(buf, 20, &off, &e, &n), -EINVAL);
	/* zero length never loops */
	memset(buf + 16, 0, 4);
	off = 16;
	assert_int_equal(pk_ext_next(buf, 24, &off, &e, &n), -EINVAL);
	assert_int_equal(off, 16);
	/* off past len is the end */
	off = 32;
	assert_int_equal(pk_ext_next(buf, 24, &off, &e, &n), 0);
}

static void test_unknown_ext_type(void **state)
{
	static const uint16_t types[] = {
		0, 27, 28, 30, 31, 40, 41, 63, 64, 255, 256, UINT16_MAX,
	};
	struct mb m;
	char detail[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
		pk_add_sa(&m.b, 1, 0, 0, 0, 0, 0);
		assert_non_null(pk_ext_reserve(&m.b, types[i], 16));
		snprintf(detail, sizeof(detail), "extension type %u unknown",
			 types[i]);
		expect_mb(&m, -EINVAL, D(UNKNOWN_EXT), types[i], 32 + 2,
			  "sadb_ext_type", detail);
	}
}

static void test_duplicate_ext(void **state)
{
	static const struct {
		uint16_t type, code;
	} specific[] = {
		{ SADB_EXT_SA, D(DUPLICATE_SA) },
		{ SADB_EXT_ADDRESS_SRC, D(DUPLICATE_SRC) },
		{ SADB_EXT_ADDRESS_DST, D(DUPLICATE_DST) },
		{ SADB_EXT_ADDRESS_PROXY, D(DUPLICATE_INNER_SRC) },
		{ SADB_X_EXT_ADDRESS_INNER_DST, D(DUPLICATE_INNER_DST) },
		{ SADB_X_EXT_ADDRESS_NATT_LOC, D(DUPLICATE_NATT_LOC) },
		{ SADB_X_EXT_ADDRESS_NATT_REM, D(DUPLICATE_NATT_REM) },
		{ SADB_EXT_KEY_AUTH, D(DUPLICATE_AKEY) },
		{ SADB_EXT_KEY_ENCRYPT, D(DUPLICATE_EKEY) },
		{ SADB_EXT_SPIRANGE, D(DUPLICATE_RANGE) },
		{ SADB_X_EXT_NAT_T_SPORT, D(DUPLICATE_NATT_PORTS) },
		{ SADB_X_EXT_NAT_T_DPORT, D(DUPLICATE_NATT_PORTS) },
		{ SADB_X_EXT_KM_COOKIE, D(DUPLICATE_KMC) },
	};
	uint16_t types[64];
	size_t n = all_ext_types(types, ARRAY_SIZE(types));
	struct mb m;
	char detail[96];

	(void)state;
	assert_int_equal(n, 34);
	for (size_t i = 0; i < n; i++) {
		uint16_t t = types[i], code = D(DUPLICATE_EXT);
		size_t second;

		for (size_t j = 0; j < ARRAY_SIZE(specific); j++)
			if (specific[j].type == t)
				code = specific[j].code;
		assert_int_equal(pk_ext_info(t)->diag_duplicate, code);
		mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
		add_valid_ext(&m, t);
		expect_parse_ok(&m);		/* once is fine */
		add_valid_ext(&m, t);
		second = last(&m);
		snprintf(detail, sizeof(detail), "%s appears twice", ename(t));
		expect_mb(&m, -EINVAL, code, t, (uint32_t)second,
			  "sadb_ext_type", detail);
	}
	/* not adjacent: SA, DST, SA */
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	pk_add_sa(&m.b, 1, 0, 0, 0, 0, 0);
	add_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.1", 0, 0, 32);
	pk_add_sa(&m.b, 2, 0, 0, 0, 0, 0);
	expect_mb(&m, -EINVAL, D(DUPLICATE_SA), SADB_EXT_SA, 16 + 16 + 24,
		  "sadb_ext_type", "SADB_EXT_SA appears twice");
}

/* Every type whose structure is longer than 8 bytes, in one word. */
static void test_ext_shorter_than_struct(void **state)
{
	uint16_t types[64];
	size_t n = all_ext_types(types, ARRAY_SIZE(types)), tested = 0;
	struct mb m;
	char detail[128];

	(void)state;
	for (size_t i = 0; i < n; i++) {
		const struct pk_ext_info *e = pk_ext_info(types[i]);

		if (e->min_len <= 8)
			continue;
		for (size_t len = 8; len < e->min_len; len += 8) {
			mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
			assert_non_null(pk_ext_reserve(&m.b, e->type, len));
			snprintf(detail, sizeof(detail),
				 "%s: length (bytes) %zu, expected %u", e->name,
				 len, e->min_len);
			expect_mb(&m, -EINVAL, e->diag_malformed, e->type, 16,
				  "sadb_ext_len", detail);
		}
		tested++;
	}
	/* SA, lifetimes x4, addresses x7, ident x2, sens x2, spirange, sa2,
	 * policy, kmaddress, filter, replay, kmc */
	assert_int_equal(tested, 23);

	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	assert_non_null(pk_ext_reserve(&m.b, SADB_EXT_SA, 8));
	expect_mb(&m, -EINVAL, D(MALFORMED_SA), SADB_EXT_SA, 16, "sadb_ext_len",
		  "SADB_EXT_SA: length (bytes) 8, expected 16");
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	assert_non_null(pk_ext_reserve(&m.b, SADB_EXT_LIFETIME_HARD, 24));
	expect_mb(&m, -EINVAL, D(MALFORMED_LIFETIME), SADB_EXT_LIFETIME_HARD,
		  16, "sadb_ext_len",
		  "SADB_EXT_LIFETIME_HARD: length (bytes) 24, expected 32");
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	assert_non_null(pk_ext_reserve(&m.b, SADB_EXT_ADDRESS_DST, 16));
	expect_mb(&m, -EINVAL, D(MALFORMED_DST), SADB_EXT_ADDRESS_DST, 16,
		  "sadb_ext_len",
		  "SADB_EXT_ADDRESS_DST: length (bytes) 16, expected 24");
}

/* Fixed-size extensions one word too long. */
static void test_fixed_ext_too_long(void **state)
{
	static const struct {
		uint16_t type, code;
		size_t size;
	} fixed[] = {
		{ SADB_EXT_SA, D(MALFORMED_SA), 16 },
		{ SADB_EXT_LIFETIME_CURRENT, D(MALFORMED_LIFETIME), 32 },
		{ SADB_EXT_LIFETIME_HARD, D(MALFORMED_LIFETIME), 32 },
		{ SADB_EXT_LIFETIME_SOFT, D(MALFORMED_LIFETIME), 32 },
		{ SADB_X_EXT_LIFETIME_IDLE, D(MALFORMED_LIFETIME), 32 },
		{ SADB_EXT_SPIRANGE, D(MALFORMED_RANGE), 16 },
		{ SADB_X_EXT_SA2, D(MALFORMED_SA2), 16 },
		{ SADB_X_EXT_NAT_T_TYPE, D(MALFORMED_EXT), 8 },
		{ SADB_X_EXT_NAT_T_SPORT, D(MALFORMED_EXT), 8 },
		{ SADB_X_EXT_NAT_T_DPORT, D(MALFORMED_EXT), 8 },
		{ SADB_X_EXT_FILTER, D(MALFORMED_EXT), 40 },
		{ SADB_X_EXT_PAIR, D(MALFORMED_EXT), 8 },
		{ SADB_X_EXT_REPLAY_VALUE, D(INVALID_REPLAY), 16 },
		{ SADB_X_EXT_KM_COOKIE, D(MALFORMED_EXT), 16 },
	};
	struct mb m;
	char detail[128];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++) {
		mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
		pk_add_kmprivate(&m.b, "12345678", 8);	/* 16 bytes first */
		assert_non_null(pk_ext_reserve(&m.b, fixed[i].type,
					       fixed[i].size + 8));
		snprintf(detail, sizeof(detail),
			 "%s: length (bytes) %zu, expected %zu",
			 ename(fixed[i].type), fixed[i].size + 8, fixed[i].size);
		expect_mb(&m, -EINVAL, fixed[i].code, fixed[i].type, 32,
			  "sadb_ext_len", detail);
	}
}

/* ------------------------------------------------------------ addresses */

static const struct {
	uint16_t type, bad_af, malformed, prefix;
} addr_types[] = {
	{ SADB_EXT_ADDRESS_SRC, D(BAD_SRC_AF), D(MALFORMED_SRC), D(BAD_PREFIX) },
	{ SADB_EXT_ADDRESS_DST, D(BAD_DST_AF), D(MALFORMED_DST), D(BAD_PREFIX) },
	{ SADB_EXT_ADDRESS_PROXY, D(BAD_INNER_SRC_AF), D(MALFORMED_INNER_SRC),
	  D(PREFIX_INNER_SRC) },
	{ SADB_X_EXT_ADDRESS_INNER_DST, D(BAD_INNER_DST_AF),
	  D(MALFORMED_INNER_DST), D(PREFIX_INNER_DST) },
	{ SADB_X_EXT_ADDRESS_NATT_LOC, D(BAD_NATT_LOC_AF),
	  D(MALFORMED_NATT_LOC), D(BAD_PREFIX) },
	{ SADB_X_EXT_ADDRESS_NATT_REM, D(BAD_NATT_REM_AF),
	  D(MALFORMED_NATT_REM), D(BAD_PREFIX) },
	{ SADB_X_EXT_NAT_T_OA, D(MALFORMED_EXT), D(MALFORMED_EXT),
	  D(BAD_PREFIX) },
};

static void addr_msg(struct mb *m, uint16_t type, const char *text,
		     uint8_t prefix)
{
	mb_begin(m, SADB_ADD, SADB_SATYPE_ESP);
	pk_add_sa(&m->b, 1, 0, 0, 0, 0, 0);		/* at 16 */
	add_addr(m, type, text, 500, IPPROTO_UDP, prefix);	/* at 32 */
}

static void test_addr_unknown_family(void **state)
{
	static const uint16_t fams[] = { AF_UNSPEC, AF_UNIX, 99, UINT16_MAX };
	struct mb m;
	char detail[160];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(addr_types); i++) {
		uint16_t t = addr_types[i].type;

		for (size_t j = 0; j < ARRAY_SIZE(fams); j++) {
			addr_msg(&m, t, "10.0.0.1", 32);
			put16(&m, 32 + 8, fams[j]);
			snprintf(detail, sizeof(detail),
				 "%s: address family %u, expected AF_INET (2) "
				 "or AF_INET6 (10)", ename(t), fams[j]);
			expect_mb(&m, -EINVAL, addr_types[i].bad_af, t, 32 + 8,
				  "sa_family", detail);
			/* same in a v6-sized extension */
			addr_msg(&m, t, "fd00::1", 128);
			put16(&m, 32 + 8, fams[j]);
			expect_mb(&m, -EINVAL, addr_types[i].bad_af, t, 32 + 8,
				  "sa_family", detail);
		}
	}
	/* the Solaris names of the codes */
	assert_int_equal(D(BAD_SRC_AF), 8);
	assert_int_equal(D(BAD_DST_AF), 9);
	assert_int_equal(D(BAD_INNER_SRC_AF), 10);
	assert_int_equal(D(BAD_INNER_DST_AF), 66);
	assert_int_equal(D(BAD_NATT_REM_AF), 68);
	assert_int_equal(D(BAD_NATT_LOC_AF), 69);
}

static void test_addr_family_length_mismatch(void **state)
{
	struct mb m;
	char detail[160];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(addr_types); i++) {
		uint16_t t = addr_types[i].type;

		/* AF_INET6 in a 24-byte extension */
		addr_msg(&m, t, "10.0.0.1", 32);
		put16(&m, 32 + 8, AF_INET6);
		snprintf(detail, sizeof(detail),
			 "%s: length (bytes) for its family 24, expected 40",
			 ename(t));
		expect_mb(&m, -EINVAL, addr_types[i].malformed, t, 32 + 8,
			  "sa_family", detail);
		/* AF_INET in a 40-byte extension */
		addr_msg(&m, t, "fd00::1", 128);
		put16(&m, 32 + 8, AF_INET);
		snprintf(detail, sizeof(detail),
			 "%s: length (bytes) for its address family 40, "
			 "expected 24", ename(t));
		expect_mb(&m, -EINVAL, addr_types[i].malformed, t, 32,
			  "sadb_ext_len", detail);
	}
	/* v6 in a 32-byte extension: still too short */
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	assert_non_null(pk_ext_reserve(&m.b, SADB_EXT_ADDRESS_SRC, 32));
	put16(&m, 16 + 8, AF_INET6);
	expect_mb(&m, -EINVAL, D(MALFORMED_SRC), SADB_EXT_ADDRESS_SRC, 16 + 8,
		  "sa_family",
		  "SADB_EXT_ADDRESS_SRC: length (bytes) for its family 32, "
		  "expected 40");
	/* v6 in a 48-byte extension: one word too many */
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	assert_non_null(pk_ext_reserve(&m.b, SADB_EXT_ADDRESS_DST, 48));
	put16(&m, 16 + 8, AF_INET6);
	expect_mb(&m, -EINVAL, D(MALFORMED_DST), SADB_EXT_ADDRESS_DST, 16,
		  "sadb_ext_len",
		  "SADB_EXT_ADDRESS_DST: length (bytes) for its address family "
		  "48, expected 40");
}

static void test_addr_prefix_too_long(void **state)
{
	struct mb m;
	char detail[160];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(addr_types); i++) {
		uint16_t t = addr_types[i].type;

		addr_msg(&m, t, "10.0.0.1", 32);
		expect_parse_ok(&m);
		put8(&m, 32 + 5, 33);
		snprintf(detail, sizeof(detail),
			 "%s: prefix length 33, at most 32 for address family 2",
			 ename(t));
		expect_mb(&m, -EINVAL, addr_types[i].prefix, t, 32 + 5,
			  "sadb_address_prefixlen", detail);
		put8(&m, 32 + 5, 255);
		expect_mb(&m, -EINVAL, addr_types[i].prefix, t, 32 + 5,
			  "sadb_address_prefixlen", NULL);

		addr_msg(&m, t, "fd00::1", 128);
		expect_parse_ok(&m);
		put8(&m, 32 + 5, 129);
		snprintf(detail, sizeof(detail),
			 "%s: prefix length 129, at most 128 for address "
			 "family 10", ename(t));
		expect_mb(&m, -EINVAL, addr_types[i].prefix, t, 32 + 5,
			  "sadb_address_prefixlen", detail);
	}
	assert_int_equal(D(PREFIX_INNER_SRC), 64);
	assert_int_equal(D(PREFIX_INNER_DST), 65);
}

static void test_addr_reserved(void **state)
{
	struct mb m;
	char detail[160];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(addr_types); i++) {
		uint16_t t = addr_types[i].type;

		addr_msg(&m, t, "10.0.0.1", 32);
		put16(&m, 32 + 6, 1);
		snprintf(detail, sizeof(detail), "%s: reserved 1, expected 0",
			 ename(t));
		expect_mb(&m, -EINVAL, addr_types[i].malformed, t, 32 + 6,
			  "sadb_address_reserved", detail);
	}
}

/* ----------------------------------------------------------------- keys */

static void test_key_bits_beyond_bytes(void **state)
{
	struct mb m;

	(void)state;
	/* Linux N5: 256 bits in a 16-byte key extension (8 bytes of key) */
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	pk_add_sa(&m.b, 1, 0, 1, 0, SADB_X_EALG_AESCBC, 0);
	pk_add_key(&m.b, SADB_EXT_KEY_ENCRYPT, key, 64, 0);
	put16(&m, 32 + 4, 256);
	expect_mb(&m, -EINVAL, D(MALFORMED_EKEY), SADB_EXT_KEY_ENCRYPT, 32 + 4,
		  "sadb_key_bits",
		  "SADB_EXT_KEY_ENCRYPT: key of 256 bits needs 40 bytes of "
		  "extension, it has 16");
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	pk_add_sa(&m.b, 1, 0, 1, SADB_AALG_SHA1HMAC, 0, 0);
	pk_add_key(&m.b, SADB_EXT_KEY_AUTH, key, 64, 0);
	put16(&m, 32 + 4, 256);
	expect_mb(&m, -EINVAL, D(MALFORMED_AKEY), SADB_EXT_KEY_AUTH, 32 + 4,
		  "sadb_key_bits",
		  "SADB_EXT_KEY_AUTH: key of 256 bits needs 40 bytes of "
		  "extension, it has 16");
	/* one bit more than the bytes hold */
	put16(&m, 32 + 4, 65);
	expect_mb(&m, -EINVAL, D(MALFORMED_AKEY), SADB_EXT_KEY_AUTH, 32 + 4,
		  "sadb_key_bits",
		  "SADB_EXT_KEY_AUTH: key of 65 bits needs 24 bytes of "
		  "extension, it has 16");
	put16(&m, 32 + 4, 64);
	expect_parse_ok(&m);
}

static void test_key_extra_words(void **state)
{
	struct mb m;

	(void)state;
	/* 128 bits in 32 bytes: a word more than 8 + 16 */
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	assert_non_null(pk_ext_reserve(&m.b, SADB_EXT_KEY_ENCRYPT, 32));
	put16(&m, 16 + 4, 128);
	expect_mb(&m, -EINVAL, D(MALFORMED_EKEY), SADB_EXT_KEY_ENCRYPT, 16 + 4,
		  "sadb_key_bits",
		  "SADB_EXT_KEY_ENCRYPT: key of 128 bits needs 24 bytes of "
		  "extension, it has 32");
	/* 0 bits in 16 bytes */
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	assert_non_null(pk_ext_reserve(&m.b, SADB_EXT_KEY_AUTH, 16));
	expect_mb(&m, -EINVAL, D(MALFORMED_AKEY), SADB_EXT_KEY_AUTH, 16 + 4,
		  "sadb_key_bits",
		  "SADB_EXT_KEY_AUTH: key of 0 bits needs 8 bytes of "
		  "extension, it has 16");
}

static void test_key_reserved_beyond_bits(void **state)
{
	struct mb m;

	(void)state;
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	pk_add_key(&m.b, SADB_EXT_KEY_ENCRYPT, key, 128, 129);
	expect_mb(&m, -EINVAL, D(MALFORMED_EKEY), SADB_EXT_KEY_ENCRYPT, 16 + 6,
		  "sadb_key_reserved",
		  "SADB_EXT_KEY_ENCRYPT: reserved bits 129, expected 128");
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	pk_add_key(&m.b, SADB_EXT_KEY_AUTH, key, 0, 1);
	expect_mb(&m, -EINVAL, D(MALFORMED_AKEY), SADB_EXT_KEY_AUTH, 16 + 6,
		  "sadb_key_reserved",
		  "SADB_EXT_KEY_AUTH: reserved bits 1, expected 0");
	/* reserved == bits is allowed */
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	pk_add_key(&m.b, SADB_EXT_KEY_ENCRYPT, key, 32, 32);
	expect_parse_ok(&m);
}

/* ------------------------------------------------ the other extensions */

static void test_sa_bad_state(void **state)
{
	struct mb m;

	(void)state;
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	pk_add_sa(&m.b, 1, 0, SADB_X_SASTATE_MAX, 0, 0, 0);
	expect_parse_ok(&m);
	put8(&m, 16 + 9, SADB_X_SASTATE_MAX + 1);
	expect_mb(&m, -EINVAL, D(BAD_SASTATE), SADB_EXT_SA, 16 + 9,
		  "sadb_sa_state", "SADB_EXT_SA: state 6, expected 0-5");
	put8(&m, 16 + 9, 255);
	expect_mb(&m, -EINVAL, D(BAD_SASTATE), SADB_EXT_SA, 16 + 9,
		  "sadb_sa_state", "SADB_EXT_SA: state 255, expected 0-5");
}

static void test_ident_bad_type(void **state)
{
	static const uint16_t bad[] = { 0, SADB_IDENTTYPE_MAX + 1, 255, 0xffff };
	struct mb m;
	char detail[128];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		mb_begin(&m, SADB_ACQUIRE, SADB_SATYPE_ESP);
		pk_add_ident(&m.b, SADB_EXT_IDENTITY_SRC, bad[i], 0, "x.example");
		snprintf(detail, sizeof(detail),
			 "SADB_EXT_IDENTITY_SRC: identity type %u, expected 1",
			 bad[i]);
		expect_mb(&m, -EINVAL, D(MALFORMED_IDENTITY),
			  SADB_EXT_IDENTITY_SRC, 16 + 4, "sadb_ident_type",
			  detail);
	}
	for (uint16_t t = 1; t <= SADB_IDENTTYPE_MAX; t++) {
		mb_begin(&m, SADB_ACQUIRE, SADB_SATYPE_ESP);
		pk_add_ident(&m.b, SADB_EXT_IDENTITY_DST, t, 0, "x.example");
		expect_parse_ok(&m);
	}
}

static void test_ident_no_nul(void **state)
{
	struct mb m;

	(void)state;
	/* "abcdefg" + NUL fills the 8 bytes after the structure exactly */
	mb_begin(&m, SADB_ACQUIRE, SADB_SATYPE_ESP);
	pk_add_sa2(&m.b, 0, 0, 0);
	pk_add_ident(&m.b, SADB_EXT_IDENTITY_DST, SADB_IDENTTYPE_FQDN, 0,
		     "abcdefg");
	assert_int_equal(m.b.len, 16 + 16 + 24);
	expect_parse_ok(&m);
	put8(&m, 32 + 16 + 7, 'h');
	expect_mb(&m, -EINVAL, D(MALFORMED_IDENTITY), SADB_EXT_IDENTITY_DST,
		  32 + 16, "identity string",
		  "SADB_EXT_IDENTITY_DST: identity string not NUL-terminated "
		  "within its 8 bytes");
	/* DER identities are binary: no NUL needed */
	put16(&m, 32 + 4, SADB_X_IDENTTYPE_DN);
	expect_parse_ok(&m);
	put16(&m, 32 + 4, SADB_X_IDENTTYPE_GN);
	expect_parse_ok(&m);
	put16(&m, 32 + 4, SADB_X_IDENTTYPE_KEY_ID);
	expect_mb(&m, -EINVAL, D(MALFORMED_IDENTITY), SADB_EXT_IDENTITY_DST,
		  32 + 16, "identity string", NULL);
}

static void test_sens_length_mismatch(void **state)
{
	static const uint64_t maps[3] = { 1, 2, 3 };
	struct mb m;

	(void)state;
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	pk_add_sens(&m.b, SADB_EXT_SENSITIVITY, 1, 1, maps, 1, 0, NULL, 0);
	put8(&m, 16 + 9, 2);			/* sens_len 2: needs 32 */
	expect_mb(&m, -EINVAL, D(MALFORMED_EXT), SADB_EXT_SENSITIVITY, 16,
		  "sadb_ext_len",
		  "SADB_EXT_SENSITIVITY: length (bytes) 24, expected 32");
	put8(&m, 16 + 9, 0);			/* 0 words: needs 16 */
	expect_mb(&m, -EINVAL, D(MALFORMED_EXT), SADB_EXT_SENSITIVITY, 16,
		  "sadb_ext_len",
		  "SADB_EXT_SENSITIVITY: length (bytes) 24, expected 16");
	/* labels: their own code */
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	pk_add_sens(&m.b, SADB_X_EXT_OUTER_SENS, 1, 1, maps, 2, 1, maps, 1);
	put8(&m, 16 + 11, 3);			/* integ_len 3 */
	expect_mb(&m, -EINVAL, D(BAD_LABEL), SADB_X_EXT_OUTER_SENS, 16,
		  "sadb_ext_len",
		  "SADB_X_EXT_OUTER_SENS: length (bytes) 40, expected 56");
}

static void test_prop_not_multiple_of_comb(void **state)
{
	static const struct sadb_comb c[2];
	struct mb m;

	(void)state;
	mb_begin(&m, SADB_ACQUIRE, SADB_SATYPE_ESP);
	assert_non_null(pk_ext_reserve(&m.b, SADB_EXT_PROPOSAL, 16));
	expect_mb(&m, -EINVAL, D(MALFORMED_EXT), SADB_EXT_PROPOSAL, 16,
		  "sadb_ext_len",
		  "SADB_EXT_PROPOSAL: length (bytes) 16, expected 80");
	/* two combs and a word */
	mb_begin(&m, SADB_ACQUIRE, SADB_SATYPE_ESP);
	assert_non_null(pk_ext_reserve(&m.b, SADB_EXT_PROPOSAL,
				       8 + 2 * 72 + 8));
	expect_mb(&m, -EINVAL, D(MALFORMED_EXT), SADB_EXT_PROPOSAL, 16,
		  "sadb_ext_len",
		  "SADB_EXT_PROPOSAL: length (bytes) 160, expected 224");
	mb_begin(&m, SADB_ACQUIRE, SADB_SATYPE_ESP);
	pk_add_prop(&m.b, 0, c, 2);
	expect_parse_ok(&m);
	mb_begin(&m, SADB_ACQUIRE, SADB_SATYPE_ESP);
	pk_add_prop(&m.b, 0, NULL, 0);
	expect_parse_ok(&m);
}

static void supp_msg(struct mb *m, uint16_t type)
{
	static const struct sadb_alg algs[3] = {
		{ SADB_AALG_SHA1HMAC, 0, 160, 160, 0 },
		{ SADB_X_EALG_AESCBC, 16, 128, 256, 0 },
		{ SADB_X_AALG_SHA2_256HMAC, 0, 256, 256, 0 },
	};

	mb_begin(m, SADB_REGISTER, SADB_SATYPE_ESP);
	assert_int_equal(pk_add_supported(&m->b, type, algs, 3), 0);
	expect_parse_ok(m);
}

static void test_supported_malformed(void **state)
{
	struct mb m;

	(void)state;
	supp_msg(&m, SADB_EXT_SUPPORTED_AUTH);
	put32(&m, 16 + 4, 1);
	expect_mb(&m, -EINVAL, D(MALFORMED_SUPP), SADB_EXT_SUPPORTED_AUTH,
		  16 + 4, "sadb_supported_reserved",
		  "SADB_EXT_SUPPORTED_AUTH: reserved 1, expected 0");

	/* the second algorithm: minbits 256 above maxbits 128 */
	supp_msg(&m, SADB_EXT_SUPPORTED_ENCRYPT);
	put16(&m, 16 + 8 + 8 + 2, 257);
	put16(&m, 16 + 8 + 8 + 4, 256);
	expect_mb(&m, -EINVAL, D(MALFORMED_SUPP), SADB_EXT_SUPPORTED_ENCRYPT,
		  16 + 8 + 8 + 2, "sadb_alg_minbits",
		  "SADB_EXT_SUPPORTED_ENCRYPT: algorithm 12: minbits 257 above "
		  "maxbits 256");

	supp_msg(&m, SADB_EXT_SUPPORTED_AUTH);
	put16(&m, 16 + 8 + 16 + 6, 5);
	expect_mb(&m, -EINVAL, D(MALFORMED_SUPP), SADB_EXT_SUPPORTED_AUTH,
		  16 + 8 + 16 + 6, "sadb_alg_reserved",
		  "SADB_EXT_SUPPORTED_AUTH: reserved 5, expected 0");

	/* the third repeats the first */
	supp_msg(&m, SADB_EXT_SUPPORTED_AUTH);
	put8(&m, 16 + 8 + 16, SADB_AALG_SHA1HMAC);
	expect_mb(&m, -EINVAL, D(MALFORMED_SUPP), SADB_EXT_SUPPORTED_AUTH,
		  16 + 8 + 16, "sadb_alg_id",
		  "SADB_EXT_SUPPORTED_AUTH: algorithm 3 listed twice");
	/* id 0 and id 255 are distinct bits of the bitmap */
	supp_msg(&m, SADB_EXT_SUPPORTED_AUTH);
	put8(&m, 16 + 8, 0);
	put8(&m, 16 + 8 + 8, 255);
	expect_parse_ok(&m);
	put8(&m, 16 + 8 + 16, 255);
	expect_mb(&m, -EINVAL, D(MALFORMED_SUPP), SADB_EXT_SUPPORTED_AUTH,
		  16 + 8 + 16, "sadb_alg_id",
		  "SADB_EXT_SUPPORTED_AUTH: algorithm 255 listed twice");
}

static void test_spirange_min_above_max(void **state)
{
	struct mb m;

	(void)state;
	mb_begin(&m, SADB_GETSPI, SADB_SATYPE_ESP);
	pk_add_spirange(&m.b, 0x1000, 0x100);
	expect_mb(&m, -EINVAL, D(MALFORMED_RANGE), SADB_EXT_SPIRANGE, 16 + 4,
		  "sadb_spirange_min",
		  "SADB_EXT_SPIRANGE: min 0x00001000 above max 0x00000100");
	mb_begin(&m, SADB_GETSPI, SADB_SATYPE_ESP);
	pk_add_spirange(&m.b, 0x100, 0x100);
	expect_parse_ok(&m);
}

/* --------------------------------------------------------------- policy */

/* SPDADD: SRC at 16, DST at 40, policy at 64, first request at 80. */
#define POL 64
#define REQ (POL + 16)

static void policy_msg(struct mb *m, bool tunnel_v4, bool second)
{
	struct sockaddr_storage s, d;

	mb_begin(m, SADB_X_SPDADD, 0);
	add_addr(m, SADB_EXT_ADDRESS_SRC, "10.0.0.0", 0, IPPROTO_TCP, 24);
	add_addr(m, SADB_EXT_ADDRESS_DST, "10.0.1.0", 0, IPPROTO_TCP, 24);
	pk_add_policy(&m->b, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	assert_int_equal(last(m), POL);
	if (tunnel_v4)
		pk_add_policy_request(&m->b, IPPROTO_ESP, IPSEC_MODE_TUNNEL,
				      IPSEC_LEVEL_REQUIRE, 0,
				      fixture_sa(&s, "192.0.2.1", 0),
				      fixture_sa(&d, "192.0.2.2", 0));
	else
		pk_add_policy_request(&m->b, IPPROTO_ESP,
				      IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_REQUIRE,
				      0, NULL, NULL);
	if (second)
		pk_add_policy_request(&m->b, IPPROTO_AH, IPSEC_MODE_TRANSPORT,
				      IPSEC_LEVEL_USE, 0, NULL, NULL);
	expect_check_ok(m);
}

static void test_policy_bad_type_dir(void **state)
{
	struct mb m;

	(void)state;
	policy_msg(&m, false, false);
	put16(&m, POL + 4, IPSEC_POLICY_BYPASS + 1);
	expect_mb(&m, -EINVAL, D(BAD_POLICY_TYPE), SADB_X_EXT_POLICY, POL + 4,
		  "sadb_x_policy_type",
		  "SADB_X_EXT_POLICY: policy type 5, expected 0-4");
	put16(&m, POL + 4, 0xffff);
	expect_mb(&m, -EINVAL, D(BAD_POLICY_TYPE), SADB_X_EXT_POLICY, POL + 4,
		  "sadb_x_policy_type", NULL);

	policy_msg(&m, false, false);
	put8(&m, POL + 6, IPSEC_DIR_FWD + 1);
	expect_mb(&m, -EINVAL, D(BAD_POLICY_DIR), SADB_X_EXT_POLICY, POL + 6,
		  "sadb_x_policy_dir",
		  "SADB_X_EXT_POLICY: direction 4, expected 0-3");
	put8(&m, POL + 6, IPSEC_DIR_INVALID);
	expect_mb(&m, -EINVAL, D(BAD_POLICY_DIR), SADB_X_EXT_POLICY, POL + 6,
		  "sadb_x_policy_dir",
		  "SADB_X_EXT_POLICY: direction 5, expected 0-3");
}

static void test_policy_requests_in_non_ipsec(void **state)
{
	static const uint16_t types[] = {
		IPSEC_POLICY_DISCARD, IPSEC_POLICY_NONE, IPSEC_POLICY_ENTRUST,
		IPSEC_POLICY_BYPASS,
	};
	struct mb m;
	char detail[128];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		policy_msg(&m, false, false);
		put16(&m, POL + 4, types[i]);
		snprintf(detail, sizeof(detail),
			 "SADB_X_EXT_POLICY: requests in a policy of type %u "
			 "(only ipsec (2) has requests)", types[i]);
		expect_mb(&m, -EINVAL, D(MALFORMED_POLICY), SADB_X_EXT_POLICY,
			  REQ, "sadb_x_ipsecrequest", detail);
	}
}

static void test_policy_request_lengths(void **state)
{
	struct mb m;

	(void)state;
	/* fewer bytes left than a request */
	mb_begin(&m, SADB_X_SPDGET, 0);
	assert_non_null(pk_ext_reserve(&m.b, SADB_X_EXT_POLICY, 24));
	put16(&m, 16 + 4, IPSEC_POLICY_IPSEC);
	expect_mb(&m, -EINVAL, D(MALFORMED_POLICY), SADB_X_EXT_POLICY, 32,
		  "sadb_x_ipsecrequest_len",
		  "SADB_X_EXT_POLICY: 8 bytes left, a request needs 16");

	/* shorter than a request */
	policy_msg(&m, false, false);
	put16(&m, REQ, 8);
	expect_mb(&m, -EINVAL, D(MALFORMED_POLICY), SADB_X_EXT_POLICY, REQ,
		  "sadb_x_ipsecrequest_len",
		  "SADB_X_EXT_POLICY: request length 8, expected a multiple of 8 "
		  "from 16 to 16");
	put16(&m, REQ, 0);
	expect_mb(&m, -EINVAL, D(MALFORMED_POLICY), SADB_X_EXT_POLICY, REQ,
		  "sadb_x_ipsecrequest_len",
		  "SADB_X_EXT_POLICY: request length 0, expected a multiple of 8 "
		  "from 16 to 16");
	/* longer than what is left of the policy */
	put16(&m, REQ, 24);
	expect_mb(&m, -EINVAL, D(MALFORMED_POLICY), SADB_X_EXT_POLICY, REQ,
		  "sadb_x_ipsecrequest_len",
		  "SADB_X_EXT_POLICY: request length 24, expected a multiple of "
		  "8 from 16 to 16");
	/* not a multiple of 8 */
	policy_msg(&m, false, true);
	put16(&m, REQ, 20);
	expect_mb(&m, -EINVAL, D(MALFORMED_POLICY), SADB_X_EXT_POLICY, REQ,
		  "sadb_x_ipsecrequest_len",
		  "SADB_X_EXT_POLICY: request length 20, expected a multiple of "
		  "8 from 16 to 32");
	/* the second request, 16 bytes further */
	policy_msg(&m, false, true);
	put16(&m, REQ + 16, 32);
	expect_mb(&m, -EINVAL, D(MALFORMED_POLICY), SADB_X_EXT_POLICY, REQ + 16,
		  "sadb_x_ipsecrequest_len",
		  "SADB_X_EXT_POLICY: request length 32, expected a multiple of "
		  "8 from 16 to 16");
}

static void test_policy_request_fields(void **state)
{
	static const uint16_t protos[] = { 0, IPPROTO_TCP, IPPROTO_UDP, 49, 52,
					   0xffff };
	struct mb m;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(protos); i++) {
		policy_msg(&m, false, false);
		put16(&m, REQ + 2, protos[i]);
		expect_mb(&m, -EINVAL, D(MALFORMED_POLICY), SADB_X_EXT_POLICY,
			  REQ + 2, "sadb_x_ipsecrequest_proto",
			  "SADB_X_EXT_POLICY: request at offset 16: protocol is "
			  "not esp (50), ah (51) or ipcomp (108)");
	}
	/* in the second request: at offset 32 of the policy */
	policy_msg(&m, false, true);
	put16(&m, REQ + 16 + 2, IPPROTO_UDP);
	expect_mb(&m, -EINVAL, D(MALFORMED_POLICY), SADB_X_EXT_POLICY,
		  REQ + 16 + 2, "sadb_x_ipsecrequest_proto",
		  "SADB_X_EXT_POLICY: request at offset 32: protocol is not esp "
		  "(50), ah (51) or ipcomp (108)");

	policy_msg(&m, false, false);
	put8(&m, REQ + 4, IPSEC_MODE_ANY);
	expect_mb(&m, -EINVAL, D(MALFORMED_POLICY), SADB_X_EXT_POLICY, REQ + 4,
		  "sadb_x_ipsecrequest_mode",
		  "SADB_X_EXT_POLICY: request at offset 16: mode is not "
		  "transport (1), tunnel (2) or beet (3)");
	put8(&m, REQ + 4, IPSEC_MODE_BEET + 1);
	expect_mb(&m, -EINVAL, D(MALFORMED_POLICY), SADB_X_EXT_POLICY, REQ + 4,
		  "sadb_x_ipsecrequest_mode",
		  "SADB_X_EXT_POLICY: request at offset 16: mode is not "
		  "transport (1), tunnel (2) or beet (3)");

	policy_msg(&m, false, false);
	put8(&m, REQ + 5, IPSEC_LEVEL_UNIQUE + 1);
	expect_mb(&m, -EINVAL, D(MALFORMED_POLICY), SADB_X_EXT_POLICY, REQ + 5,
		  "sadb_x_ipsecrequest_level",
		  "SADB_X_EXT_POLICY: request at offset 16: level is not "
		  "default, use, require or unique (0-3)");
	put8(&m, REQ + 5, IPSEC_LEVEL_UNIQUE);
	expect_parse_ok(&m);
}

static void test_policy_tunnel_endpoints(void **state)
{
	struct mb m;

	(void)state;
	/* tunnel mode, no endpoints */
	policy_msg(&m, false, false);
	put8(&m, REQ + 4, IPSEC_MODE_TUNNEL);
	expect_mb(&m, -EINVAL, D(MALFORMED_POLICY), SADB_X_EXT_POLICY, REQ + 4,
		  "sadb_x_ipsecrequest_mode",
		  "SADB_X_EXT_POLICY: request at offset 16: tunnel mode without "
		  "tunnel endpoints");

	/* source endpoint of an unknown family */
	policy_msg(&m, true, false);
	put16(&m, REQ + 16, AF_UNIX);
	expect_mb(&m, -EINVAL, D(MALFORMED_POLICY), SADB_X_EXT_POLICY, REQ + 16,
		  "sa_family",
		  "SADB_X_EXT_POLICY: request at offset 16: tunnel source is not "
		  "AF_INET or AF_INET6");
	put16(&m, REQ + 16, 0);
	expect_mb(&m, -EINVAL, D(MALFORMED_POLICY), SADB_X_EXT_POLICY, REQ + 16,
		  "sa_family", NULL);

	/* destination of another family */
	policy_msg(&m, true, false);
	put16(&m, REQ + 16 + 16, AF_INET6);
	expect_mb(&m, -EINVAL, D(MALFORMED_POLICY), SADB_X_EXT_POLICY,
		  REQ + 16 + 16, "sa_family",
		  "SADB_X_EXT_POLICY: request at offset 16: tunnel source and "
		  "destination families differ");
	put16(&m, REQ + 16 + 16, 99);
	expect_mb(&m, -EINVAL, D(MALFORMED_POLICY), SADB_X_EXT_POLICY,
		  REQ + 16 + 16, "sa_family", NULL);

	/* 32 bytes of endpoints cannot hold two sockaddr_in6 */
	policy_msg(&m, true, false);
	put16(&m, REQ + 16, AF_INET6);
	put16(&m, REQ + 16 + 16, AF_INET6);
	expect_mb(&m, -EINVAL, D(MALFORMED_POLICY), SADB_X_EXT_POLICY, REQ + 16,
		  "sa_family",
		  "SADB_X_EXT_POLICY: request at offset 16: length does not hold "
		  "two sockaddrs of the source's family");
	/* 16 bytes of body cannot hold two sockaddr_in */
	policy_msg(&m, false, true);
	put16(&m, REQ, 32);		/* swallow the AH request's bytes */
	put16(&m, REQ + 16, AF_INET);
	expect_mb(&m, -EINVAL, D(MALFORMED_POLICY), SADB_X_EXT_POLICY, REQ + 16,
		  "sa_family",
		  "SADB_X_EXT_POLICY: request at offset 16: length does not hold "
		  "two sockaddrs of the source's family");
	/* v4 endpoints and a word too many (the next request's bytes) */
	policy_msg(&m, true, true);
	put16(&m, REQ, 64);
	expect_mb(&m, -EINVAL, D(MALFORMED_POLICY), SADB_X_EXT_POLICY, REQ + 16,
		  "sa_family",
		  "SADB_X_EXT_POLICY: request at offset 16: length does not hold "
		  "two sockaddrs of the source's family");
	/* endpoints in transport mode are accepted (KAME does) */
	policy_msg(&m, true, false);
	put8(&m, REQ + 4, IPSEC_MODE_TRANSPORT);
	expect_parse_ok(&m);
}

static void test_sa2_bad_mode(void **state)
{
	struct mb m;

	(void)state;
	mb_begin(&m, SADB_GETSPI, SADB_SATYPE_ESP);
	pk_add_sa2(&m.b, IPSEC_MODE_BEET + 1, 0, 0);
	expect_mb(&m, -EINVAL, D(MALFORMED_SA2), SADB_X_EXT_SA2, 16 + 4,
		  "sadb_x_sa2_mode", "SADB_X_EXT_SA2: mode 4, expected 2");
	mb_begin(&m, SADB_GETSPI, SADB_SATYPE_ESP);
	pk_add_sa2(&m.b, IPSEC_MODE_ANY, 0, 0);
	expect_parse_ok(&m);
}

static void test_nat_t_type_bad(void **state)
{
	static const uint8_t bad[] = { 0, 3, 255 };
	struct mb m;
	char detail[96];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
		pk_add_nat_t_type(&m.b, bad[i]);
		snprintf(detail, sizeof(detail),
			 "SADB_X_EXT_NAT_T_TYPE: encapsulation %u, expected 2",
			 bad[i]);
		expect_mb(&m, -EINVAL, D(MALFORMED_EXT), SADB_X_EXT_NAT_T_TYPE,
			  16 + 4, "sadb_x_nat_t_type_type", detail);
	}
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	pk_add_nat_t_type(&m.b, PK_UDP_ENCAP_ESPINUDP_NON_IKE);
	expect_parse_ok(&m);
}

static void test_sec_ctx_len_mismatch(void **state)
{
	struct mb m;

	(void)state;
	mb_begin(&m, SADB_X_SPDGET, 0);
	pk_add_sec_ctx(&m.b, 1, 1, key, 32);		/* 8 + 32 = 40 */
	expect_parse_ok(&m);
	put16(&m, 16 + 6, 33);
	expect_mb(&m, -EINVAL, D(MALFORMED_EXT), SADB_X_EXT_SEC_CTX, 16,
		  "sadb_ext_len",
		  "SADB_X_EXT_SEC_CTX: length (bytes) 40, expected 48");
	put16(&m, 16 + 6, 0);
	expect_mb(&m, -EINVAL, D(MALFORMED_EXT), SADB_X_EXT_SEC_CTX, 16,
		  "sadb_ext_len",
		  "SADB_X_EXT_SEC_CTX: length (bytes) 40, expected 8");
	put16(&m, 16 + 6, 25);				/* 33 -> 40: fine */
	expect_parse_ok(&m);
	put16(&m, 16 + 6, 0xffff);
	expect_mb(&m, -EINVAL, D(MALFORMED_EXT), SADB_X_EXT_SEC_CTX, 16,
		  "sadb_ext_len",
		  "SADB_X_EXT_SEC_CTX: length (bytes) 40, expected 65544");
}

static void test_kmaddress_malformed(void **state)
{
	struct sockaddr_storage l, r;
	struct mb m;

	(void)state;
	/* v4 local, v6 remote: 8 + 16 + 28 = 52 -> 56 */
	mb_begin(&m, SADB_X_MIGRATE, 0);
	assert_non_null(pk_ext_reserve(&m.b, SADB_X_EXT_KMADDRESS, 56));
	memcpy(m.buf + 16 + 8, fixture_sa(&l, "10.0.0.1", 0), 16);
	memcpy(m.buf + 16 + 8 + 16, fixture_sa(&r, "fd00::1", 0), 28);
	expect_mb(&m, -EINVAL, D(MALFORMED_EXT), SADB_X_EXT_KMADDRESS,
		  16 + 8 + 16, "sa_family",
		  "SADB_X_EXT_KMADDRESS: remote address length 28, expected 16");
	/* v6 local, v4 remote */
	mb_begin(&m, SADB_X_MIGRATE, 0);
	assert_non_null(pk_ext_reserve(&m.b, SADB_X_EXT_KMADDRESS, 56));
	memcpy(m.buf + 16 + 8, fixture_sa(&l, "fd00::1", 0), 28);
	memcpy(m.buf + 16 + 8 + 28, fixture_sa(&r, "10.0.0.1", 0), 16);
	expect_mb(&m, -EINVAL, D(MALFORMED_EXT), SADB_X_EXT_KMADDRESS,
		  16 + 8 + 28, "sa_family",
		  "SADB_X_EXT_KMADDRESS: remote address length 16, expected 28");
	/* same families in a 40-byte extension that is too short for v6+v4 */
	mb_begin(&m, SADB_X_MIGRATE, 0);
	pk_add_kmaddress(&m.b, fixture_sa(&l, "10.0.0.1", 0),
			 fixture_sa(&r, "10.0.0.2", 0));
	expect_parse_ok(&m);
	put16(&m, 16 + 8 + 16, AF_INET6);
	expect_mb(&m, -EINVAL, D(MALFORMED_EXT), SADB_X_EXT_KMADDRESS,
		  16 + 8 + 16, "sa_family",
		  "SADB_X_EXT_KMADDRESS: length (bytes) for its family 40, "
		  "expected 56");
	/* unknown family */
	put16(&m, 16 + 8 + 16, AF_UNIX);
	expect_mb(&m, -EINVAL, D(MALFORMED_EXT), SADB_X_EXT_KMADDRESS,
		  16 + 8 + 16, "sa_family",
		  "SADB_X_EXT_KMADDRESS: address family 1, expected AF_INET (2) "
		  "or AF_INET6 (10)");
	put16(&m, 16 + 8 + 16, AF_INET);
	put16(&m, 16 + 8, 0);
	expect_mb(&m, -EINVAL, D(MALFORMED_EXT), SADB_X_EXT_KMADDRESS, 16 + 8,
		  "sa_family", NULL);
	/* v4 pair with a word too many */
	mb_begin(&m, SADB_X_MIGRATE, 0);
	assert_non_null(pk_ext_reserve(&m.b, SADB_X_EXT_KMADDRESS, 48));
	memcpy(m.buf + 16 + 8, fixture_sa(&l, "10.0.0.1", 0), 16);
	memcpy(m.buf + 16 + 8 + 16, fixture_sa(&r, "10.0.0.2", 0), 16);
	expect_mb(&m, -EINVAL, D(MALFORMED_EXT), SADB_X_EXT_KMADDRESS, 16,
		  "sadb_ext_len",
		  "SADB_X_EXT_KMADDRESS: length (bytes) 48, expected 40");
}

static void test_filter_malformed(void **state)
{
	uint8_t a[16] = { 10 };
	struct mb m;

	(void)state;
	mb_begin(&m, SADB_DUMP, 0);
	pk_add_filter(&m.b, AF_INET, a, 8, a, 16);
	expect_check_ok(&m);
	put16(&m, 16 + 36, AF_UNIX);
	expect_mb(&m, -EINVAL, D(MALFORMED_EXT), SADB_X_EXT_FILTER, 16 + 36,
		  "sadb_x_filter_family",
		  "SADB_X_EXT_FILTER: family 1, expected 2");
	put16(&m, 16 + 36, 0);
	expect_mb(&m, -EINVAL, D(MALFORMED_EXT), SADB_X_EXT_FILTER, 16 + 36,
		  "sadb_x_filter_family",
		  "SADB_X_EXT_FILTER: family 0, expected 2");
	put16(&m, 16 + 36, AF_INET);
	put8(&m, 16 + 38, 33);
	expect_mb(&m, -EINVAL, D(BAD_PREFIX), SADB_X_EXT_FILTER, 16 + 38,
		  "sadb_x_filter_splen",
		  "SADB_X_EXT_FILTER: prefix lengths 33/16, at most 32");
	put8(&m, 16 + 38, 8);
	put8(&m, 16 + 39, 33);
	expect_mb(&m, -EINVAL, D(BAD_PREFIX), SADB_X_EXT_FILTER, 16 + 38,
		  "sadb_x_filter_splen",
		  "SADB_X_EXT_FILTER: prefix lengths 8/33, at most 32");
	/* v6 allows up to 128 */
	put16(&m, 16 + 36, AF_INET6);
	expect_parse_ok(&m);
	put8(&m, 16 + 39, 129);
	expect_mb(&m, -EINVAL, D(BAD_PREFIX), SADB_X_EXT_FILTER, 16 + 38,
		  "sadb_x_filter_splen",
		  "SADB_X_EXT_FILTER: prefix lengths 8/129, at most 128");
}

static void test_pair_spi_zero(void **state)
{
	struct mb m;

	(void)state;
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	pk_add_pair(&m.b, 0);
	expect_mb(&m, -EINVAL, D(MALFORMED_EXT), SADB_X_EXT_PAIR, 16 + 4,
		  "sadb_x_pair_spi", NULL);
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	pk_add_pair(&m.b, 1);
	expect_parse_ok(&m);
}

static void test_kmc_proto_too_big(void **state)
{
	struct mb m;

	(void)state;
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	pk_add_kmc(&m.b, SADB_X_KMP_MAX + 1, 7);
	expect_mb(&m, -EINVAL, D(MALFORMED_EXT), SADB_X_EXT_KM_COOKIE, 16 + 4,
		  "sadb_x_kmc_proto",
		  "SADB_X_EXT_KM_COOKIE: key management protocol 4, expected 1");
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	pk_add_kmc(&m.b, UINT32_MAX, 7);
	expect_mb(&m, -EINVAL, D(MALFORMED_EXT), SADB_X_EXT_KM_COOKIE, 16 + 4,
		  "sadb_x_kmc_proto", NULL);
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	pk_add_kmc(&m.b, SADB_X_KMP_MAX, 7);
	expect_parse_ok(&m);
}

/* The first bad extension is the one reported; later ones are not read. */
static void test_first_error_wins(void **state)
{
	struct mb m;

	(void)state;
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	pk_add_sa(&m.b, 1, 0, 9, 0, 0, 0);			/* bad state */
	pk_add_kmc(&m.b, 99, 0);				/* bad proto */
	assert_non_null(pk_ext_reserve(&m.b, 31, 8));		/* unknown */
	expect_mb(&m, -EINVAL, D(BAD_SASTATE), SADB_EXT_SA, 16 + 9,
		  "sadb_sa_state", NULL);
}

/* ---------------------------------------------------------- pk_msg_check */

static void sa_request(struct mb *m, uint8_t type, uint8_t satype)
{
	mb_begin(m, type, satype);
	pk_add_sa(&m->b, 0x1234, 0, SADB_SASTATE_MATURE, 0, 0, 0);  /* 16 */
	add_addr(m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 0, 0, 32);    /* 32 */
	add_addr(m, SADB_EXT_ADDRESS_DST, "10.0.0.2", 0, 0, 32);    /* 56 */
}

static void test_check_kernel_only(void **state)
{
	static const uint8_t kernel[] = {
		SADB_EXPIRE, SADB_X_PCHANGE, SADB_X_SPDACQUIRE,
		SADB_X_SPDEXPIRE, SADB_X_NAT_T_NEW_MAPPING,
	};
	struct mb m;
	char detail[96];

	(void)state;
	sa_request(&m, SADB_EXPIRE, SADB_SATYPE_ESP);
	expect_refused(&m, -EOPNOTSUPP, D(UNKNOWN_MSG), 0, 1, "sadb_msg_type",
		     "SADB_EXPIRE is sent by the kernel, not to it");
	for (size_t i = 0; i < ARRAY_SIZE(kernel); i++) {
		assert_false(pk_msg_rule(kernel[i])->request);
		mb_begin(&m, kernel[i], 0);
		snprintf(detail, sizeof(detail),
			 "%s is sent by the kernel, not to it",
			 pk_msg_type_name(kernel[i]));
		expect_refused(&m, -EOPNOTSUPP, D(UNKNOWN_MSG), 0, 1,
			     "sadb_msg_type", detail);
	}
	/* only those */
	for (unsigned t = 0; t <= SADB_PFKEY_MSG_MAX; t++) {
		const struct pk_msg_rule *r = pk_msg_rule(t);
		bool k = false;

		for (size_t i = 0; i < ARRAY_SIZE(kernel); i++)
			k |= kernel[i] == t;
		if (r != NULL)
			assert_int_equal(r->request, !k);
	}
}

static void test_check_reserved(void **state)
{
	struct mb m;

	(void)state;
	sa_request(&m, SADB_GET, SADB_SATYPE_ESP);
	expect_check_ok(&m);
	put16(&m, 6, 7);
	expect_refused(&m, -EINVAL, D(BAD_RESERVED), 0, 6, "sadb_msg_reserved",
		     "reserved field 7 in a request, expected 0");
	mb_begin(&m, SADB_FLUSH, 0);
	put16(&m, 6, 0xffff);
	expect_refused(&m, -EINVAL, D(BAD_RESERVED), 0, 6, "sadb_msg_reserved",
		     "reserved field 65535 in a request, expected 0");
}

static void test_check_satype(void **state)
{
	struct mb m;

	(void)state;
	/* X_PROMISC: satype is the on/off switch */
	mb_begin(&m, SADB_X_PROMISC, 2);
	expect_refused(&m, -EINVAL, D(UNKNOWN_SATYPE), 0, 3, "sadb_msg_satype",
		     "SADB_X_PROMISC: satype 2, expected 0 (off) or 1 (on)");
	mb_begin(&m, SADB_X_PROMISC, 0);
	expect_check_ok(&m);
	mb_begin(&m, SADB_X_PROMISC, 1);
	expect_check_ok(&m);

	/* SPD messages take UNSPEC only */
	policy_msg(&m, false, false);
	put8(&m, 3, SADB_SATYPE_ESP);
	expect_refused(&m, -EINVAL, D(UNKNOWN_SATYPE), 0, 3, "sadb_msg_satype",
		     "SADB_X_SPDADD: satype 3, policy messages take 0 (unspec)");
	mb_begin(&m, SADB_X_SPDFLUSH, SADB_SATYPE_AH);
	expect_refused(&m, -EINVAL, D(UNKNOWN_SATYPE), 0, 3, "sadb_msg_satype",
		     "SADB_X_SPDFLUSH: satype 2, policy messages take 0 "
		     "(unspec)");

	/* ADD needs a specific type */
	sa_request(&m, SADB_ADD, SADB_SATYPE_UNSPEC);
	expect_refused(&m, -EINVAL, D(SATYPE_NEEDED), 0, 3, "sadb_msg_satype",
		     "SADB_ADD needs a specific SA type");
	sa_request(&m, SADB_GETSPI, SADB_SATYPE_UNSPEC);
	expect_refused(&m, -EINVAL, D(SATYPE_NEEDED), 0, 3, "sadb_msg_satype",
		     "SADB_GETSPI needs a specific SA type");

	/* unknown types, whatever the rule */
	sa_request(&m, SADB_ADD, 4);
	expect_refused(&m, -EINVAL, D(UNKNOWN_SATYPE), 0, 3, "sadb_msg_satype",
		     "SADB_ADD: satype 4 unknown");
	sa_request(&m, SADB_ADD, 200);
	expect_refused(&m, -EINVAL, D(UNKNOWN_SATYPE), 0, 3, "sadb_msg_satype",
		     "SADB_ADD: satype 200 unknown");
	mb_begin(&m, SADB_FLUSH, 1);
	expect_refused(&m, -EINVAL, D(UNKNOWN_SATYPE), 0, 3, "sadb_msg_satype",
		     "SADB_FLUSH: satype 1 unknown");
	mb_begin(&m, SADB_FLUSH, SADB_SATYPE_MAX + 1);
	expect_refused(&m, -EINVAL, D(UNKNOWN_SATYPE), 0, 3, "sadb_msg_satype",
		     "SADB_FLUSH: satype 12 unknown");
	/* every named type is fine for FLUSH */
	for (unsigned s = 0; s <= SADB_SATYPE_MAX; s++) {
		if (pk_satype_name(s) == NULL)
			continue;
		mb_begin(&m, SADB_FLUSH, (uint8_t)s);
		expect_check_ok(&m);
	}
}

static void test_check_not_allowed(void **state)
{
	struct mb m;

	(void)state;
	/* FLUSH takes no extension at all */
	mb_begin(&m, SADB_FLUSH, 0);
	pk_add_sa(&m.b, 1, 0, 0, 0, 0, 0);
	expect_refused(&m, -EINVAL, D(NO_EXT), SADB_EXT_SA, 16, "sadb_ext_type",
		     "SADB_FLUSH does not take SADB_EXT_SA");
	mb_begin(&m, SADB_X_SPDDUMP, 0);
	pk_add_sa2(&m.b, 0, 0, 0);
	expect_refused(&m, -EINVAL, D(NO_EXT), SADB_X_EXT_SA2, 16,
		     "sadb_ext_type", "SADB_X_SPDDUMP does not take SADB_X_EXT_SA2");

	/* keys in a DELETE */
	sa_request(&m, SADB_DELETE, SADB_SATYPE_ESP);
	expect_check_ok(&m);
	pk_add_key(&m.b, SADB_EXT_KEY_AUTH, key, 160, 0);
	expect_refused(&m, -EINVAL, D(AKEY_PRESENT), SADB_EXT_KEY_AUTH, 80,
		     "sadb_ext_type",
		     "SADB_DELETE does not take SADB_EXT_KEY_AUTH");
	sa_request(&m, SADB_DELETE, SADB_SATYPE_ESP);
	pk_add_key(&m.b, SADB_EXT_KEY_ENCRYPT, key, 128, 0);
	expect_refused(&m, -EINVAL, D(EKEY_PRESENT), SADB_EXT_KEY_ENCRYPT, 80,
		     "sadb_ext_type",
		     "SADB_DELETE does not take SADB_EXT_KEY_ENCRYPT");

	/* SUPPORTED in a REGISTER request (that is the reply's) */
	{
		static const struct sadb_alg a = { 3, 0, 160, 160, 0 };

		mb_begin(&m, SADB_REGISTER, SADB_SATYPE_ESP);
		pk_add_supported(&m.b, SADB_EXT_SUPPORTED_ENCRYPT, &a, 1);
		expect_refused(&m, -EINVAL, D(SUPP_PRESENT),
			     SADB_EXT_SUPPORTED_ENCRYPT, 16, "sadb_ext_type",
			     "SADB_REGISTER does not take "
			     "SADB_EXT_SUPPORTED_ENCRYPT");
	}
	/* a proposal where none belongs */
	sa_request(&m, SADB_GET, SADB_SATYPE_ESP);
	pk_add_prop(&m.b, 0, NULL, 0);
	expect_refused(&m, -EINVAL, D(PROP_PRESENT), SADB_EXT_PROPOSAL, 80,
		     "sadb_ext_type",
		     "SADB_GET does not take SADB_EXT_PROPOSAL");

	/* a lifetime in a GET */
	sa_request(&m, SADB_GET, SADB_SATYPE_ESP);
	pk_add_lifetime(&m.b, SADB_EXT_LIFETIME_HARD, 0, 0, 1, 0);
	expect_refused(&m, -EINVAL, D(EXT_NOT_ALLOWED), SADB_EXT_LIFETIME_HARD,
		     80, "sadb_ext_type",
		     "SADB_GET does not take SADB_EXT_LIFETIME_HARD");
	/* the lowest-numbered extra extension is reported */
	sa_request(&m, SADB_GET, SADB_SATYPE_ESP);
	pk_add_kmc(&m.b, 1, 1);
	pk_add_lifetime(&m.b, SADB_EXT_LIFETIME_SOFT, 0, 0, 1, 0);
	expect_refused(&m, -EINVAL, D(EXT_NOT_ALLOWED), SADB_EXT_LIFETIME_SOFT,
		     96, "sadb_ext_type",
		     "SADB_GET does not take SADB_EXT_LIFETIME_SOFT");
}

static void test_check_missing(void **state)
{
	struct mb m;

	(void)state;
	/* ADD without SA (and without DST: SA is reported first) */
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	expect_refused(&m, -EINVAL, D(MISSING_SA), SADB_EXT_SA, 16,
		     "sadb_ext_type", "SADB_ADD needs SADB_EXT_SA");
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	add_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", 0, 0, 32);
	expect_refused(&m, -EINVAL, D(MISSING_SA), SADB_EXT_SA, 40,
		     "sadb_ext_type", "SADB_ADD needs SADB_EXT_SA");
	/* ADD without DST */
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	pk_add_sa(&m.b, 1, 0, 0, 0, 0, 0);
	add_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 0, 0, 32);
	expect_refused(&m, -EINVAL, D(MISSING_DST), SADB_EXT_ADDRESS_DST, 56,
		     "sadb_ext_type", "SADB_ADD needs SADB_EXT_ADDRESS_DST");
	/* GETSPI without SRC */
	mb_begin(&m, SADB_GETSPI, SADB_SATYPE_ESP);
	add_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", 0, 0, 32);
	expect_refused(&m, -EINVAL, D(MISSING_SRC), SADB_EXT_ADDRESS_SRC, 40,
		     "sadb_ext_type", "SADB_GETSPI needs SADB_EXT_ADDRESS_SRC");
	/* SPDGET without a policy */
	mb_begin(&m, SADB_X_SPDGET, 0);
	expect_refused(&m, -EINVAL, D(MISSING_EXT), SADB_X_EXT_POLICY, 16,
		     "sadb_ext_type", "SADB_X_SPDGET needs SADB_X_EXT_POLICY");
	/* SPDADD with a policy but no selector */
	mb_begin(&m, SADB_X_SPDADD, 0);
	pk_add_policy(&m.b, IPSEC_POLICY_DISCARD, IPSEC_DIR_OUTBOUND, 0, 0);
	expect_refused(&m, -EINVAL, D(MISSING_SRC), SADB_EXT_ADDRESS_SRC, 32,
		     "sadb_ext_type", "SADB_X_SPDADD needs SADB_EXT_ADDRESS_SRC");
}

static void test_check_addr_mismatch(void **state)
{
	struct mb m;

	(void)state;
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	pk_add_sa(&m.b, 1, 0, 0, 0, 0, 0);
	add_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 0, 0, 32);	/* 32 */
	add_addr(&m, SADB_EXT_ADDRESS_DST, "fd00::2", 0, 0, 128);	/* 56 */
	expect_refused(&m, -EINVAL, D(AF_MISMATCH), SADB_EXT_ADDRESS_DST, 56 + 8,
		     "sa_family",
		     "SADB_EXT_ADDRESS_DST family 10 differs from "
		     "SADB_EXT_ADDRESS_SRC family 2");

	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	pk_add_sa(&m.b, 1, 0, 0, 0, 0, 0);
	add_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 0, IPPROTO_TCP, 32);
	add_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", 0, IPPROTO_UDP, 32);
	expect_refused(&m, -EINVAL, D(PROTO_MISMATCH), SADB_EXT_ADDRESS_DST,
		     56 + 4, "sadb_address_proto",
		     "SADB_EXT_ADDRESS_DST protocol 17 differs from "
		     "SADB_EXT_ADDRESS_SRC protocol 6");

	/* inner: PROXY at 80, INNER_DST at 104 */
	sa_request(&m, SADB_ADD, SADB_SATYPE_ESP);
	add_addr(&m, SADB_EXT_ADDRESS_PROXY, "172.16.0.0", 0, 0, 16);
	add_addr(&m, SADB_X_EXT_ADDRESS_INNER_DST, "fd01::", 0, 0, 64);
	expect_refused(&m, -EINVAL, D(INNER_AF_MISMATCH),
		     SADB_X_EXT_ADDRESS_INNER_DST, 104 + 8, "sa_family",
		     "SADB_X_EXT_ADDRESS_INNER_DST family 10 differs from "
		     "SADB_EXT_ADDRESS_PROXY family 2");
	sa_request(&m, SADB_ADD, SADB_SATYPE_ESP);
	add_addr(&m, SADB_EXT_ADDRESS_PROXY, "172.16.0.0", 0, IPPROTO_ICMP, 16);
	add_addr(&m, SADB_X_EXT_ADDRESS_INNER_DST, "172.17.0.0", 0,
		 IPPROTO_TCP, 16);
	expect_refused(&m, -EINVAL, D(INNER_PROTO_MISMATCH),
		     SADB_X_EXT_ADDRESS_INNER_DST, 104 + 4, "sadb_address_proto",
		     "SADB_X_EXT_ADDRESS_INNER_DST protocol 6 differs from "
		     "SADB_EXT_ADDRESS_PROXY protocol 1");
	/* matching inner addresses pass */
	sa_request(&m, SADB_ADD, SADB_SATYPE_ESP);
	add_addr(&m, SADB_EXT_ADDRESS_PROXY, "172.16.0.0", 0, 6, 16);
	add_addr(&m, SADB_X_EXT_ADDRESS_INNER_DST, "172.17.0.0", 0, 6, 16);
	expect_check_ok(&m);
	/* the outer pair is checked before the inner one */
	mb_begin(&m, SADB_ADD, SADB_SATYPE_ESP);
	pk_add_sa(&m.b, 1, 0, 0, 0, 0, 0);
	add_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 0, 0, 32);
	add_addr(&m, SADB_EXT_ADDRESS_DST, "fd00::2", 0, 0, 128);
	add_addr(&m, SADB_EXT_ADDRESS_PROXY, "172.16.0.0", 0, 0, 16);
	add_addr(&m, SADB_X_EXT_ADDRESS_INNER_DST, "fd01::", 0, 0, 64);
	expect_refused(&m, -EINVAL, D(AF_MISMATCH), SADB_EXT_ADDRESS_DST, 56 + 8,
		     "sa_family", NULL);
}

/* A request with every extension its rule allows passes. */
static void test_check_all_allowed(void **state)
{
	struct mb m;
	size_t rules = 0;

	(void)state;
	for (unsigned t = 0; t <= SADB_PFKEY_MSG_MAX; t++) {
		const struct pk_msg_rule *r = pk_msg_rule(t);
		uint8_t satype;

		if (r == NULL || !r->request)
			continue;
		assert_int_equal(r->allowed & r->required, r->required);
		satype = r->satype == PK_SAT_UNSPEC ? 0 :
			 t == SADB_X_PROMISC ? 1 : SADB_SATYPE_ESP;
		mb_begin(&m, (uint8_t)t, satype);
		for (unsigned e = 0; e <= SADB_PFKEY_EXT_MAX; e++)
			if (r->allowed & PK_EXT_BIT(e))
				add_valid_ext(&m, (uint16_t)e);
		expect_check_ok(&m);
		rules++;
	}
	/* 28 message types, 5 of them the kernel's */
	assert_int_equal(rules, 28 - 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_message),
		cmocka_unit_test(test_over_long_message),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_msg_len_larger_than_bytes),
		cmocka_unit_test(test_msg_len_smaller_than_bytes),
		cmocka_unit_test(test_unknown_msg_type),
		cmocka_unit_test(test_ext_len_zero),
		cmocka_unit_test(test_ext_past_end),
		cmocka_unit_test(test_ext_next),
		cmocka_unit_test(test_unknown_ext_type),
		cmocka_unit_test(test_duplicate_ext),
		cmocka_unit_test(test_ext_shorter_than_struct),
		cmocka_unit_test(test_fixed_ext_too_long),
		cmocka_unit_test(test_addr_unknown_family),
		cmocka_unit_test(test_addr_family_length_mismatch),
		cmocka_unit_test(test_addr_prefix_too_long),
		cmocka_unit_test(test_addr_reserved),
		cmocka_unit_test(test_key_bits_beyond_bytes),
		cmocka_unit_test(test_key_extra_words),
		cmocka_unit_test(test_key_reserved_beyond_bits),
		cmocka_unit_test(test_sa_bad_state),
		cmocka_unit_test(test_ident_bad_type),
		cmocka_unit_test(test_ident_no_nul),
		cmocka_unit_test(test_sens_length_mismatch),
		cmocka_unit_test(test_prop_not_multiple_of_comb),
		cmocka_unit_test(test_supported_malformed),
		cmocka_unit_test(test_spirange_min_above_max),
		cmocka_unit_test(test_policy_bad_type_dir),
		cmocka_unit_test(test_policy_requests_in_non_ipsec),
		cmocka_unit_test(test_policy_request_lengths),
		cmocka_unit_test(test_policy_request_fields),
		cmocka_unit_test(test_policy_tunnel_endpoints),
		cmocka_unit_test(test_sa2_bad_mode),
		cmocka_unit_test(test_nat_t_type_bad),
		cmocka_unit_test(test_sec_ctx_len_mismatch),
		cmocka_unit_test(test_kmaddress_malformed),
		cmocka_unit_test(test_filter_malformed),
		cmocka_unit_test(test_pair_spi_zero),
		cmocka_unit_test(test_kmc_proto_too_big),
		cmocka_unit_test(test_first_error_wins),
		cmocka_unit_test(test_check_kernel_only),
		cmocka_unit_test(test_check_reserved),
		cmocka_unit_test(test_check_satype),
		cmocka_unit_test(test_check_not_allowed),
		cmocka_unit_test(test_check_missing),
		cmocka_unit_test(test_check_addr_mismatch),
		cmocka_unit_test(test_check_all_allowed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
