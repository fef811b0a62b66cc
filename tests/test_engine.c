/*
 * test_engine.c - the key engine as a client sees it: requests in, the
 * replies and broadcasts out, with their destinations (engine.h's table).
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

#include "engine.h"
#include "fixtures.h"
#include "pfkey/msg.h"
#include "spd.h"

/* ------------------------------------------------- recording deliveries */

struct out {
	enum engine_dest	dest;
	uint32_t		client;
	uint8_t			satype;
	size_t			len;
	uint8_t			*msg;
};

struct rec {
	struct out	o[256];
	size_t		n;
};

static void deliver(void *arg, enum engine_dest dest, uint32_t client,
		    uint8_t satype, const void *msg, size_t len)
{
	struct rec *r = arg;

	assert_true(r->n < 256);
	r->o[r->n].dest = dest;
	r->o[r->n].client = client;
	r->o[r->n].satype = satype;
	r->o[r->n].len = len;
	r->o[r->n].msg = malloc(len);
	assert_non_null(r->o[r->n].msg);
	memcpy(r->o[r->n].msg, msg, len);
	r->n++;
}

static void rec_clear(struct rec *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->o[i].msg);
	r->n = 0;
}

struct env {
	struct engine	*e;
	struct rec	r;
};

#define T0 1700000000ULL

static int setup(void **state)
{
	static const struct engine_ops ops = { deliver };
	struct engine_config cfg = { .seed = 42 };
	struct env *v = calloc(1, sizeof(*v));

	assert_non_null(v);
	assert_int_equal(engine_new(&cfg, &ops, &v->r, &v->e, NULL), 0);
	for (uint32_t id = 1; id <= 3; id++)
		assert_int_equal(engine_client_open(v->e, id), 0);
	*state = v;
	return 0;
}

static int teardown(void **state)
{
	struct env *v = *state;

	rec_clear(&v->r);
	engine_free(v->e);
	free(v);
	return 0;
}

static const struct sadb_msg *hdr(const struct out *o)
{
	return (const struct sadb_msg *)o->msg;
}

/* The one non-promiscuous delivery recorded (the reply). */
static const struct out *the_reply(const struct rec *r)
{
	const struct out *found = NULL;

	for (size_t i = 0; i < r->n; i++) {
		if (r->o[i].dest == ENGINE_TO_PROMISC)
			continue;
		assert_null(found);
		found = &r->o[i];
	}
	assert_non_null(found);
	return found;
}

static void parse_ok(const struct out *o, struct pk_msg *m)
{
	struct pk_diag d;

	assert_int_equal(pk_msg_parse(m, o->msg, o->len, &d), 0);
}

/* ------------------------------------------------------------- requests */

static const uint8_t akey[20] = "0123456789abcdefghij";
static const uint8_t ekey[16] = "ABCDEFGHIJKLMNOP";

struct req {
	uint8_t		buf[2048] __attribute__((aligned(8)));
	struct pk_buf	b;
};

static void addrs(struct req *q, const char *src, const char *dst)
{
	struct sockaddr_storage s, d;

	pk_add_address(&q->b, SADB_EXT_ADDRESS_SRC, fixture_sa(&s, src, 0), 0,
		       32);
	pk_add_address(&q->b, SADB_EXT_ADDRESS_DST, fixture_sa(&d, dst, 0), 0,
		       32);
}

static void add_req(struct req *q, uint32_t seq, uint32_t spi,
		    uint64_t soft, uint64_t hard)
{
	pk_buf_init(&q->b, q->buf, sizeof(q->buf));
	pk_msg_begin(&q->b, SADB_ADD, SADB_SATYPE_ESP, seq, 777);
	pk_add_sa(&q->b, spi, 0, SADB_SASTATE_MATURE, SADB_AALG_SHA1HMAC,
		  SADB_X_EALG_AESCBC, 0);
	if (hard != 0) {
		pk_add_lifetime(&q->b, SADB_EXT_LIFETIME_HARD, 0, 0, hard, 0);
		pk_add_lifetime(&q->b, SADB_EXT_LIFETIME_SOFT, 0, 0, soft, 0);
		/* Past the hard lifetime: no idle expiry in between. */
		pk_add_lifetime(&q->b, SADB_X_EXT_LIFETIME_IDLE, 0, 0,
				hard + 100, 0);
	}
	addrs(q, "10.0.0.1", "10.0.0.2");
	pk_add_key(&q->b, SADB_EXT_KEY_AUTH, akey, 160, 0);
	pk_add_key(&q->b, SADB_EXT_KEY_ENCRYPT, ekey, 128, 0);
	assert_int_equal(pk_buf_error(&q->b), 0);
}

static void name_req(struct req *q, uint8_t type, uint32_t seq, uint32_t spi)
{
	pk_buf_init(&q->b, q->buf, sizeof(q->buf));
	pk_msg_begin(&q->b, type, SADB_SATYPE_ESP, seq, 777);
	pk_add_sa(&q->b, spi, 0, 0, 0, 0, 0);
	addrs(q, "10.0.0.1", "10.0.0.2");
	assert_int_equal(pk_buf_error(&q->b), 0);
}

static void hdr_req(struct req *q, uint8_t type, uint8_t satype, uint32_t seq)
{
	pk_buf_init(&q->b, q->buf, sizeof(q->buf));
	pk_msg_begin(&q->b, type, satype, seq, 777);
}

static void send_req(struct env *v, uint32_t client, struct req *q)
{
	rec_clear(&v->r);
	engine_handle(v->e, client, q->buf, q->b.len, T0);
}

static bool has_bytes(const struct out *o, const uint8_t *k, size_t n)
{
	for (size_t i = 0; i + n <= o->len; i++)
		if (memcmp(o->msg + i, k, n) == 0)
			return true;
	return false;
}

/* ---------------------------------------------------------------- tests */

static void test_add_reply_to_all_without_keys(void **state)
{
	struct env *v = *state;
	const struct out *o;
	struct pk_msg m;
	struct req q;

	add_req(&q, 5, 0x1000, 0, 0);
	send_req(v, 1, &q);
	o = the_reply(&v->r);
	assert_int_equal(o->dest, ENGINE_TO_ALL);
	assert_int_equal(o->client, 1);
	parse_ok(o, &m);
	assert_int_equal(m.hdr->sadb_msg_type, SADB_ADD);
	assert_int_equal(m.hdr->sadb_msg_errno, 0);
	assert_int_equal(m.hdr->sadb_msg_seq, 5);
	assert_int_equal(m.hdr->sadb_msg_pid, 777);
	assert_non_null(m.ext[SADB_EXT_SA]);
	assert_null(m.ext[SADB_EXT_KEY_AUTH]);
	assert_null(m.ext[SADB_EXT_KEY_ENCRYPT]);
	assert_false(has_bytes(o, akey, sizeof(akey)));
	assert_false(has_bytes(o, ekey, sizeof(ekey)));
}

static void test_promisc_sees_request_first(void **state)
{
	struct env *v = *state;
	struct req q;

	add_req(&q, 6, 0x1001, 0, 0);
	send_req(v, 2, &q);
	assert_int_equal(v->r.n, 2);
	assert_int_equal(v->r.o[0].dest, ENGINE_TO_PROMISC);
	assert_int_equal(v->r.o[0].len, q.b.len);
	assert_memory_equal(v->r.o[0].msg, q.buf, q.b.len);
	assert_int_equal(v->r.o[1].dest, ENGINE_TO_ALL);
}

static void test_get_reply_to_sender_with_keys(void **state)
{
	struct env *v = *state;
	const struct out *o;
	struct pk_msg m;
	struct req q;

	add_req(&q, 1, 0x1000, 0, 0);
	send_req(v, 1, &q);
	name_req(&q, SADB_GET, 2, 0x1000);
	send_req(v, 2, &q);
	o = the_reply(&v->r);
	assert_int_equal(o->dest, ENGINE_TO_SENDER);
	assert_int_equal(o->client, 2);
	parse_ok(o, &m);
	assert_int_equal(m.hdr->sadb_msg_type, SADB_GET);
	assert_int_equal(m.hdr->sadb_msg_seq, 2);
	assert_non_null(m.ext[SADB_EXT_KEY_AUTH]);
	assert_non_null(m.ext[SADB_EXT_KEY_ENCRYPT]);
	assert_true(has_bytes(o, akey, sizeof(akey)));
}

static void assert_error(const struct rec *r, uint8_t type, uint32_t seq,
			 int err, uint16_t code)
{
	const struct out *o = the_reply(r);

	assert_int_equal(o->dest, ENGINE_TO_SENDER);
	assert_int_equal(o->len, sizeof(struct sadb_msg));
	assert_int_equal(hdr(o)->sadb_msg_version, PF_KEY_V2);
	assert_int_equal(hdr(o)->sadb_msg_type, type);
	assert_int_equal(hdr(o)->sadb_msg_len, 2);
	assert_int_equal(hdr(o)->sadb_msg_seq, seq);
	assert_int_equal(hdr(o)->sadb_msg_errno, err);
	assert_int_equal(hdr(o)->sadb_msg_reserved, code);
}

static void test_errors_to_sender(void **state)
{
	struct env *v = *state;
	struct req q;

	add_req(&q, 1, 0x1000, 0, 0);
	send_req(v, 1, &q);
	send_req(v, 1, &q);			/* duplicate */
	assert_error(&v->r, SADB_ADD, 1, EEXIST, 0);
	name_req(&q, SADB_GET, 3, 0x2222);	/* missing */
	send_req(v, 1, &q);
	assert_error(&v->r, SADB_GET, 3, ESRCH,
		     SADB_X_DIAGNOSTIC_SA_NOTFOUND);
	name_req(&q, SADB_DELETE, 4, 0x2222);
	send_req(v, 1, &q);
	assert_error(&v->r, SADB_DELETE, 4, ESRCH,
		     SADB_X_DIAGNOSTIC_SA_NOTFOUND);
	hdr_req(&q, SADB_EXPIRE, SADB_SATYPE_ESP, 5);	/* kernel's own */
	send_req(v, 1, &q);
	assert_error(&v->r, SADB_EXPIRE, 5, EOPNOTSUPP,
		     SADB_X_DIAGNOSTIC_UNKNOWN_MSG);
}

static void test_malformed(void **state)
{
	struct env *v = *state;
	uint8_t junk[24] = { 2, SADB_GET, 0, 3, 3, 0, 0, 0, 9, 0, 0, 0,
			     1, 0, 0, 0, 0, 0, 99, 0 };	/* extension of length 0 */
	struct req q;

	rec_clear(&v->r);
	engine_handle(v->e, 1, junk, sizeof(junk), T0);
	assert_error(&v->r, SADB_GET, 9, EINVAL,
		     SADB_X_DIAGNOSTIC_BAD_EXTLEN);
	rec_clear(&v->r);
	engine_handle(v->e, 1, junk, 5, T0);	/* shorter than a header */
	assert_int_equal(v->r.n, 2);
	assert_error(&v->r, SADB_GET, 0, EMSGSIZE,
		     SADB_X_DIAGNOSTIC_SHORT_MSG);
	rec_clear(&v->r);
	engine_handle(v->e, 1, junk, 0, T0);	/* nothing at all */
	assert_int_equal(v->r.n, 1);
	/* A key-length refusal from the algorithm table. */
	add_req(&q, 7, 0x3000, 0, 0);
	((struct sadb_key *)(q.buf + q.b.len - 24))->sadb_key_bits = 120;
	send_req(v, 1, &q);
	assert_error(&v->r, SADB_ADD, 7, EINVAL,
		     SADB_X_DIAGNOSTIC_BAD_EKEYBITS);
	/* The engine is still fine. */
	add_req(&q, 8, 0x3000, 0, 0);
	send_req(v, 1, &q);
	assert_int_equal(hdr(the_reply(&v->r))->sadb_msg_errno, 0);
}

static void test_unknown_client_ignored(void **state)
{
	struct env *v = *state;
	struct req q;

	add_req(&q, 1, 0x1000, 0, 0);
	send_req(v, 99, &q);
	assert_int_equal(v->r.n, 0);
	assert_int_equal(sadb_count(engine_sadb(v->e), SADB_SATYPE_UNSPEC), 0);
}

static void test_delete_and_flush_to_all(void **state)
{
	struct env *v = *state;
	const struct out *o;
	struct pk_msg m;
	struct req q;

	add_req(&q, 1, 0x1000, 0, 0);
	send_req(v, 1, &q);
	add_req(&q, 2, 0x1001, 0, 0);
	send_req(v, 1, &q);
	name_req(&q, SADB_DELETE, 3, 0x1000);
	send_req(v, 2, &q);
	o = the_reply(&v->r);
	assert_int_equal(o->dest, ENGINE_TO_ALL);
	parse_ok(o, &m);
	assert_int_equal(PK_MSG_EXT(&m, SADB_EXT_SA, sadb_sa)->sadb_sa_state,
			 SADB_SASTATE_DEAD);
	assert_null(m.ext[SADB_EXT_KEY_AUTH]);
	hdr_req(&q, SADB_FLUSH, SADB_SATYPE_UNSPEC, 4);
	send_req(v, 3, &q);
	o = the_reply(&v->r);
	assert_int_equal(o->dest, ENGINE_TO_ALL);
	assert_int_equal(o->len, sizeof(struct sadb_msg));
	assert_int_equal(sadb_count(engine_sadb(v->e), SADB_SATYPE_UNSPEC), 0);
}

static void test_register(void **state)
{
	struct env *v = *state;
	const struct out *o;
	struct pk_msg m;
	struct req q;
	const struct sadb_supported *s;
	bool aes = false;

	hdr_req(&q, SADB_REGISTER, SADB_SATYPE_ESP, 1);
	send_req(v, 2, &q);
	o = the_reply(&v->r);
	assert_int_equal(o->dest, ENGINE_TO_REGISTERED);
	assert_int_equal(o->client, 2);
	assert_int_equal(o->satype, SADB_SATYPE_ESP);
	parse_ok(o, &m);
	assert_non_null(m.ext[SADB_EXT_SUPPORTED_AUTH]);
	s = PK_MSG_EXT(&m, SADB_EXT_SUPPORTED_ENCRYPT, sadb_supported);
	assert_non_null(s);
	for (size_t i = 0; i < pk_supported_count(s); i++) {
		struct sadb_alg a = pk_supported_alg(s, i);

		if (a.sadb_alg_id == SADB_X_EALG_AESCBC) {
			aes = true;
			assert_int_equal(a.sadb_alg_minbits, 128);
			assert_int_equal(a.sadb_alg_maxbits, 256);
		}
	}
	assert_true(aes);
	assert_true(engine_client_registered(v->e, 2, SADB_SATYPE_ESP));
	assert_false(engine_client_registered(v->e, 2, SADB_SATYPE_AH));
	assert_false(engine_client_registered(v->e, 1, SADB_SATYPE_ESP));
	send_req(v, 2, &q);
	assert_error(&v->r, SADB_REGISTER, 1, EEXIST, 0);
	hdr_req(&q, SADB_REGISTER, SADB_SATYPE_AH, 2);
	send_req(v, 2, &q);
	parse_ok(the_reply(&v->r), &m);
	assert_non_null(m.ext[SADB_EXT_SUPPORTED_AUTH]);
	assert_null(m.ext[SADB_EXT_SUPPORTED_ENCRYPT]);
	hdr_req(&q, SADB_REGISTER, SADB_SATYPE_UNSPEC, 3);
	send_req(v, 1, &q);
	assert_error(&v->r, SADB_REGISTER, 3, EINVAL,
		     SADB_X_DIAGNOSTIC_SATYPE_NEEDED);
	engine_client_close(v->e, 2);
	assert_false(engine_client_registered(v->e, 2, SADB_SATYPE_ESP));
}

static void test_promisc_switch(void **state)
{
	struct env *v = *state;
	const struct out *o;
	struct req q;

	assert_false(engine_any_promisc(v->e));
	hdr_req(&q, SADB_X_PROMISC, 1, 1);
	send_req(v, 3, &q);
	o = the_reply(&v->r);
	assert_int_equal(o->dest, ENGINE_TO_ALL);
	assert_true(engine_client_promisc(v->e, 3));
	assert_true(engine_any_promisc(v->e));
	send_req(v, 3, &q);			/* on twice: still one */
	send_req(v, 2, &q);
	hdr_req(&q, SADB_X_PROMISC, 0, 2);
	send_req(v, 3, &q);
	assert_false(engine_client_promisc(v->e, 3));
	assert_true(engine_any_promisc(v->e));	/* 2 still is */
	engine_client_close(v->e, 2);
	assert_false(engine_any_promisc(v->e));
	hdr_req(&q, SADB_X_PROMISC, 2, 3);
	send_req(v, 3, &q);
	assert_error(&v->r, SADB_X_PROMISC, 3, EINVAL,
		     SADB_X_DIAGNOSTIC_UNKNOWN_SATYPE);
}

/* Pulls a whole dump: returns the messages' count. */
static size_t pull_all(struct env *v, uint32_t client, uint32_t *seqs,
		       uint32_t *spis, size_t max)
{
	static uint8_t buf[SADB_MSG_MAX_BYTES] __attribute__((aligned(8)));
	size_t n = 0, len;

	while (engine_dump_pull(v->e, client, buf, sizeof(buf), &len) == 1) {
		struct pk_msg m;
		struct pk_diag d;

		assert_true(n < max);
		assert_int_equal(pk_msg_parse(&m, buf, len, &d), 0);
		seqs[n] = m.hdr->sadb_msg_seq;
		spis[n] = m.ext[SADB_EXT_SA] != NULL
			? ntohl(PK_MSG_EXT(&m, SADB_EXT_SA, sadb_sa)->sadb_sa_spi)
			: 0;
		assert_int_equal(m.hdr->sadb_msg_pid, 777);
		n++;
	}
	assert_false(engine_dump_active(v->e, client));
	return n;
}

static void test_dump(void **state)
{
	struct env *v = *state;
	uint32_t seqs[16], spis[16];
	struct req q;
	size_t n;

	hdr_req(&q, SADB_DUMP, SADB_SATYPE_ESP, 1);
	send_req(v, 1, &q);
	assert_error(&v->r, SADB_DUMP, 1, ENOENT, 0);
	for (uint32_t i = 0; i < 3; i++) {
		add_req(&q, 10 + i, 0x1000 + i, 0, 0);
		send_req(v, 1, &q);
	}
	hdr_req(&q, SADB_DUMP, SADB_SATYPE_ESP, 2);
	send_req(v, 1, &q);
	assert_int_equal(v->r.n, 1);		/* promisc copy only */
	assert_true(engine_dump_active(v->e, 1));
	send_req(v, 1, &q);			/* a second one at once */
	assert_error(&v->r, SADB_DUMP, 2, EBUSY, 0);
	n = pull_all(v, 1, seqs, spis, 16);
	assert_int_equal(n, 3);
	assert_int_equal(seqs[0], 1);
	assert_int_equal(seqs[1], 2);
	assert_int_equal(seqs[2], 0);
	assert_int_equal(spis[0], 0x1000);
	assert_int_equal(spis[2], 0x1002);
	/* AH has none. */
	hdr_req(&q, SADB_DUMP, SADB_SATYPE_AH, 3);
	send_req(v, 1, &q);
	assert_error(&v->r, SADB_DUMP, 3, ENOENT, 0);
}

static void test_dump_with_deletes(void **state)
{
	static uint8_t buf[SADB_MSG_MAX_BYTES] __attribute__((aligned(8)));
	struct env *v = *state;
	uint32_t seqs[16], spis[16];
	struct req q;
	size_t len, n;

	for (uint32_t i = 0; i < 4; i++) {
		add_req(&q, 10 + i, 0x1000 + i, 0, 0);
		send_req(v, 1, &q);
	}
	hdr_req(&q, SADB_DUMP, SADB_SATYPE_UNSPEC, 2);
	send_req(v, 1, &q);
	assert_int_equal(engine_dump_pull(v->e, 1, buf, sizeof(buf), &len), 1);
	/* The last SA goes while the dump runs: the one before ends it. */
	name_req(&q, SADB_DELETE, 3, 0x1003);
	send_req(v, 2, &q);
	n = pull_all(v, 1, seqs, spis, 16);
	assert_int_equal(n, 2);
	assert_int_equal(spis[0], 0x1001);
	assert_int_equal(seqs[0], 2);
	assert_int_equal(spis[1], 0x1002);
	assert_int_equal(seqs[1], 0);
	/* Everything goes before the first pull. */
	hdr_req(&q, SADB_DUMP, SADB_SATYPE_UNSPEC, 4);
	send_req(v, 1, &q);
	hdr_req(&q, SADB_FLUSH, SADB_SATYPE_UNSPEC, 5);
	send_req(v, 2, &q);
	assert_int_equal(engine_dump_pull(v->e, 1, buf, sizeof(buf), &len), 1);
	assert_int_equal(len, sizeof(struct sadb_msg));
	assert_int_equal(((struct sadb_msg *)buf)->sadb_msg_errno, ENOENT);
	assert_int_equal(engine_dump_pull(v->e, 1, buf, sizeof(buf), &len), 0);
	/* A client that goes away mid-dump leaves nothing behind. */
	add_req(&q, 6, 0x2000, 0, 0);
	send_req(v, 1, &q);
	add_req(&q, 7, 0x2001, 0, 0);
	send_req(v, 1, &q);
	hdr_req(&q, SADB_DUMP, SADB_SATYPE_UNSPEC, 8);
	send_req(v, 3, &q);
	assert_int_equal(engine_dump_pull(v->e, 3, buf, sizeof(buf), &len), 1);
	engine_client_close(v->e, 3);
	assert_int_equal(engine_dump_pull(v->e, 3, buf, sizeof(buf), &len), 0);
}

static void test_expire(void **state)
{
	struct env *v = *state;
	const struct out *o;
	struct pk_msg m;
	struct req q;

	hdr_req(&q, SADB_REGISTER, SADB_SATYPE_ESP, 1);
	send_req(v, 2, &q);
	add_req(&q, 2, 0x1000, 1, 2);
	send_req(v, 1, &q);
	assert_int_equal(engine_next_deadline(v->e), T0 + 1);
	rec_clear(&v->r);
	engine_tick(v->e, T0);
	assert_int_equal(v->r.n, 0);
	engine_tick(v->e, T0 + 1);
	o = the_reply(&v->r);
	assert_int_equal(o->dest, ENGINE_TO_REGISTERED);
	assert_int_equal(o->client, 0);
	assert_int_equal(o->satype, SADB_SATYPE_ESP);
	parse_ok(o, &m);
	assert_int_equal(m.hdr->sadb_msg_type, SADB_EXPIRE);
	assert_int_equal(m.hdr->sadb_msg_seq, 0);
	assert_int_equal(m.hdr->sadb_msg_pid, 0);
	assert_int_equal(PK_MSG_EXT(&m, SADB_EXT_SA, sadb_sa)->sadb_sa_state,
			 SADB_SASTATE_DYING);
	assert_non_null(m.ext[SADB_EXT_LIFETIME_SOFT]);
	assert_null(m.ext[SADB_EXT_LIFETIME_HARD]);
	assert_non_null(m.ext[SADB_EXT_LIFETIME_CURRENT]);
	assert_null(m.ext[SADB_EXT_KEY_AUTH]);
	assert_int_equal(engine_next_deadline(v->e), T0 + 2);
	rec_clear(&v->r);
	engine_tick(v->e, T0 + 2);
	o = the_reply(&v->r);
	parse_ok(o, &m);
	assert_int_equal(PK_MSG_EXT(&m, SADB_EXT_SA, sadb_sa)->sadb_sa_state,
			 SADB_SASTATE_DEAD);
	assert_non_null(m.ext[SADB_EXT_LIFETIME_HARD]);
	assert_null(m.ext[SADB_EXT_LIFETIME_SOFT]);
	assert_int_equal(sadb_count(engine_sadb(v->e), SADB_SATYPE_ESP), 0);
	assert_int_equal(engine_next_deadline(v->e), UINT64_MAX);
}

/* The Solaris idle lifetime: by default half the hard add time. */
static void test_idle_expire(void **state)
{
	struct env *v = *state;
	const struct out *o;
	struct pk_msg m;
	struct req q;

	add_req(&q, 1, 0x1000, 0, 0);
	pk_add_lifetime(&q.b, SADB_EXT_LIFETIME_HARD, 0, 0, 100, 0);
	send_req(v, 1, &q);
	parse_ok(the_reply(&v->r), &m);
	/* Defaulted, so not shown to Linux-only programs. */
	assert_null(m.ext[SADB_X_EXT_LIFETIME_IDLE]);
	assert_int_equal(engine_next_deadline(v->e), T0 + 50);
	rec_clear(&v->r);
	engine_tick(v->e, T0 + 50);
	assert_int_equal(v->r.n, 0);	/* defaulted: state only */
	name_req(&q, SADB_GET, 2, 0x1000);
	send_req(v, 1, &q);
	parse_ok(the_reply(&v->r), &m);
	assert_int_equal(PK_MSG_EXT(&m, SADB_EXT_SA, sadb_sa)->sadb_sa_state,
			 SADB_X_SASTATE_IDLE);
	/* Given: announced, with the idle lifetime saying why. */
	add_req(&q, 3, 0x1001, 0, 0);
	pk_add_lifetime(&q.b, SADB_EXT_LIFETIME_HARD, 0, 0, 100, 0);
	pk_add_lifetime(&q.b, SADB_X_EXT_LIFETIME_IDLE, 0, 0, 10, 0);
	send_req(v, 1, &q);
	rec_clear(&v->r);
	engine_tick(v->e, T0 + 10);
	o = the_reply(&v->r);
	parse_ok(o, &m);
	assert_int_equal(m.hdr->sadb_msg_type, SADB_EXPIRE);
	assert_int_equal(PK_MSG_EXT(&m, SADB_EXT_SA, sadb_sa)->sadb_sa_state,
			 SADB_X_SASTATE_IDLE);
	assert_null(m.ext[SADB_EXT_LIFETIME_SOFT]);
	assert_null(m.ext[SADB_EXT_LIFETIME_HARD]);
	assert_non_null(m.ext[SADB_X_EXT_LIFETIME_IDLE]);
}

static void test_charge_bytes_expire(void **state)
{
	struct env *v = *state;
	struct sadb_addr dst;
	struct pk_buf *b;
	struct req q;
	struct pk_msg m;
	struct pk_diag d;

	add_req(&q, 1, 0x1000, 0, 0);
	b = &q.b;
	pk_add_lifetime(b, SADB_EXT_LIFETIME_HARD, 0, 2000, 0, 0);
	pk_add_lifetime(b, SADB_EXT_LIFETIME_SOFT, 0, 1000, 0, 0);
	send_req(v, 1, &q);
	assert_int_equal(hdr(the_reply(&v->r))->sadb_msg_errno, 0);
	assert_int_equal(pk_msg_parse(&m, q.buf, q.b.len, &d), 0);
	assert_int_equal(sadb_addr_from_ext(&dst, PK_MSG_EXT(&m,
		SADB_EXT_ADDRESS_DST, sadb_address)), 0);
	assert_int_equal(engine_charge(v->e, SADB_SATYPE_ESP, &dst, 0x1000,
				       1500, T0 + 5), 0);
	assert_int_equal(engine_charge(v->e, SADB_SATYPE_ESP, &dst, 0x9999,
				       1, T0 + 5), -ESRCH);
	rec_clear(&v->r);
	engine_tick(v->e, T0 + 5);
	/* Sent to the registered, whom the daemon finds: here nobody. */
	assert_int_equal(v->r.n, 1);
	assert_int_equal(v->r.o[0].dest, ENGINE_TO_REGISTERED);
	assert_int_equal(sadb_find(engine_sadb(v->e), SADB_SATYPE_ESP, &dst,
				   0x1000)->state, SADB_SASTATE_DYING);
	assert_int_equal(engine_charge(v->e, SADB_SATYPE_ESP, &dst, 0x1000,
				       600, T0 + 6), 0);
	engine_tick(v->e, T0 + 6);
	assert_null(sadb_find(engine_sadb(v->e), SADB_SATYPE_ESP, &dst,
			      0x1000));
}

static void test_getspi_then_update(void **state)
{
	struct env *v = *state;
	const struct out *o;
	struct pk_msg m;
	struct req q;
	uint32_t spi;

	pk_buf_init(&q.b, q.buf, sizeof(q.buf));
	pk_msg_begin(&q.b, SADB_GETSPI, SADB_SATYPE_ESP, 40, 777);
	addrs(&q, "10.0.0.1", "10.0.0.2");
	pk_add_spirange(&q.b, 0x5000, 0x5fff);
	send_req(v, 1, &q);
	o = the_reply(&v->r);
	assert_int_equal(o->dest, ENGINE_TO_SENDER);
	parse_ok(o, &m);
	spi = ntohl(PK_MSG_EXT(&m, SADB_EXT_SA, sadb_sa)->sadb_sa_spi);
	assert_in_range(spi, 0x5000, 0x5fff);
	assert_int_equal(PK_MSG_EXT(&m, SADB_EXT_SA, sadb_sa)->sadb_sa_state,
			 SADB_SASTATE_LARVAL);
	/* The key manager fills it in. */
	add_req(&q, 40, spi, 0, 0);
	pk_buf_msg(&q.b)->sadb_msg_type = SADB_UPDATE;
	send_req(v, 1, &q);
	o = the_reply(&v->r);
	assert_int_equal(o->dest, ENGINE_TO_ALL);
	parse_ok(o, &m);
	assert_int_equal(m.hdr->sadb_msg_errno, 0);
	assert_int_equal(PK_MSG_EXT(&m, SADB_EXT_SA, sadb_sa)->sadb_sa_state,
			 SADB_SASTATE_MATURE);
}

static void test_acquire(void **state)
{
	struct env *v = *state;
	struct sadb_addr src, dst;
	const struct out *o;
	struct pk_msg m;
	struct req q;
	struct pk_diag d;
	uint32_t seq;

	/* Addresses from a parsed message: the engine's own form. */
	name_req(&q, SADB_GET, 1, 0x1000);
	assert_int_equal(pk_msg_parse(&m, q.buf, q.b.len, &d), 0);
	sadb_addr_from_ext(&src, PK_MSG_EXT(&m, SADB_EXT_ADDRESS_SRC,
					     sadb_address));
	sadb_addr_from_ext(&dst, PK_MSG_EXT(&m, SADB_EXT_ADDRESS_DST,
					     sadb_address));
	assert_int_equal(engine_acquire(v->e, SADB_SATYPE_ESP, &src, &dst,
					IPSEC_MODE_TRANSPORT, 0, 7, T0, &seq),
			 -ENOENT);
	hdr_req(&q, SADB_REGISTER, SADB_SATYPE_ESP, 1);
	send_req(v, 2, &q);
	rec_clear(&v->r);
	assert_int_equal(engine_acquire(v->e, SADB_SATYPE_ESP, &src, &dst,
					IPSEC_MODE_TRANSPORT, 0, 7, T0, &seq),
			 0);
	o = the_reply(&v->r);
	assert_int_equal(o->dest, ENGINE_TO_REGISTERED);
	assert_int_equal(o->satype, SADB_SATYPE_ESP);
	parse_ok(o, &m);
	assert_int_equal(m.hdr->sadb_msg_type, SADB_ACQUIRE);
	assert_int_equal(m.hdr->sadb_msg_seq, seq);
	assert_non_null(m.ext[SADB_EXT_ADDRESS_SRC]);
	assert_non_null(m.ext[SADB_EXT_ADDRESS_DST]);
	assert_non_null(m.ext[SADB_EXT_PROPOSAL]);
	assert_int_equal(engine_acquire(v->e, SADB_SATYPE_ESP, &src, &dst,
					IPSEC_MODE_TRANSPORT, 0, 7, T0, NULL),
			 -EEXIST);
	/* The key manager gives up: the larval SA goes. */
	hdr_req(&q, SADB_ACQUIRE, SADB_SATYPE_ESP, seq);
	pk_buf_msg(&q.b)->sadb_msg_errno = ENOENT;
	send_req(v, 2, &q);
	assert_int_equal(v->r.n, 1);		/* the promisc copy only */
	assert_null(sadb_find_seq(engine_sadb(v->e), SADB_SATYPE_ESP, seq));
	send_req(v, 2, &q);
	assert_error(&v->r, SADB_ACQUIRE, seq, ESRCH,
		     SADB_X_DIAGNOSTIC_SA_NOTFOUND);
}

/* ---------------------------------------------------------------- SPD */

static void spd_req(struct req *q, uint8_t type, uint32_t seq, uint8_t dir,
		    uint16_t dport)
{
	struct sockaddr_storage s, d, ts, td;

	pk_buf_init(&q->b, q->buf, sizeof(q->buf));
	pk_msg_begin(&q->b, type, 0, seq, 777);
	pk_add_address(&q->b, SADB_EXT_ADDRESS_SRC,
		       fixture_sa(&s, "10.0.0.0", 0), IPPROTO_TCP, 24);
	pk_add_address(&q->b, SADB_EXT_ADDRESS_DST,
		       fixture_sa(&d, "10.0.1.0", dport), IPPROTO_TCP, 24);
	pk_add_policy(&q->b, IPSEC_POLICY_IPSEC, dir, 0, PK_PRIORITY_DEFAULT);
	pk_add_policy_request(&q->b, IPPROTO_ESP, IPSEC_MODE_TUNNEL,
			      IPSEC_LEVEL_REQUIRE, 0,
			      fixture_sa(&ts, "192.0.2.1", 0),
			      fixture_sa(&td, "192.0.2.2", 0));
	assert_int_equal(pk_buf_error(&q->b), 0);
}

static uint32_t reply_policy_id(const struct out *o)
{
	struct pk_msg m;

	parse_ok(o, &m);
	assert_int_equal(m.hdr->sadb_msg_errno, 0);
	assert_non_null(m.ext[SADB_X_EXT_POLICY]);
	return PK_MSG_EXT(&m, SADB_X_EXT_POLICY, sadb_x_policy)->sadb_x_policy_id;
}

static void test_spd(void **state)
{
	struct env *v = *state;
	uint32_t seqs[8], spis[8];
	const struct out *o;
	uint32_t id, id2;
	struct req q;

	spd_req(&q, SADB_X_SPDADD, 1, IPSEC_DIR_OUTBOUND, 80);
	send_req(v, 1, &q);
	o = the_reply(&v->r);
	assert_int_equal(o->dest, ENGINE_TO_ALL);
	id = reply_policy_id(o);
	assert_int_not_equal(id, 0);
	send_req(v, 1, &q);
	assert_error(&v->r, SADB_X_SPDADD, 1, EEXIST, 0);
	spd_req(&q, SADB_X_SPDUPDATE, 2, IPSEC_DIR_OUTBOUND, 80);
	send_req(v, 1, &q);
	assert_int_equal(reply_policy_id(the_reply(&v->r)), id);
	spd_req(&q, SADB_X_SPDADD, 3, IPSEC_DIR_INBOUND, 80);
	send_req(v, 1, &q);
	id2 = reply_policy_id(the_reply(&v->r));
	assert_int_not_equal(id2, id);
	/* SPDGET by id answers the sender. */
	pk_buf_init(&q.b, q.buf, sizeof(q.buf));
	pk_msg_begin(&q.b, SADB_X_SPDGET, 0, 4, 777);
	pk_add_policy(&q.b, IPSEC_POLICY_IPSEC, IPSEC_DIR_ANY, id2, 0);
	send_req(v, 2, &q);
	o = the_reply(&v->r);
	assert_int_equal(o->dest, ENGINE_TO_SENDER);
	assert_int_equal(reply_policy_id(o), id2);
	/* Dump both. */
	hdr_req(&q, SADB_X_SPDDUMP, 0, 5);
	send_req(v, 1, &q);
	assert_int_equal(pull_all(v, 1, seqs, spis, 8), 2);
	assert_int_equal(seqs[1], 0);
	/* Delete by selector, then by id. */
	spd_req(&q, SADB_X_SPDDELETE, 6, IPSEC_DIR_OUTBOUND, 80);
	send_req(v, 1, &q);
	assert_int_equal(the_reply(&v->r)->dest, ENGINE_TO_ALL);
	send_req(v, 1, &q);
	assert_error(&v->r, SADB_X_SPDDELETE, 6, ENOENT, 0);
	pk_buf_init(&q.b, q.buf, sizeof(q.buf));
	pk_msg_begin(&q.b, SADB_X_SPDDELETE2, 0, 7, 777);
	pk_add_policy(&q.b, IPSEC_POLICY_IPSEC, IPSEC_DIR_ANY, id2, 0);
	send_req(v, 1, &q);
	assert_int_equal(reply_policy_id(the_reply(&v->r)), id2);
	send_req(v, 1, &q);
	assert_error(&v->r, SADB_X_SPDDELETE2, 7, ENOENT, 0);
	hdr_req(&q, SADB_X_SPDDUMP, 0, 8);
	send_req(v, 1, &q);
	assert_error(&v->r, SADB_X_SPDDUMP, 8, ENOENT, 0);
	/* Flush. */
	spd_req(&q, SADB_X_SPDADD, 9, IPSEC_DIR_OUTBOUND, 443);
	send_req(v, 1, &q);
	hdr_req(&q, SADB_X_SPDFLUSH, 0, 10);
	send_req(v, 2, &q);
	assert_int_equal(the_reply(&v->r)->dest, ENGINE_TO_ALL);
	assert_int_equal(spd_count(engine_spd(v->e)), 0);
}

static void test_unsupported(void **state)
{
	struct env *v = *state;
	struct req q;

	spd_req(&q, SADB_X_MIGRATE, 1, IPSEC_DIR_OUTBOUND, 80);
	send_req(v, 1, &q);
	assert_error(&v->r, SADB_X_MIGRATE, 1, EOPNOTSUPP,
		     SADB_X_DIAGNOSTIC_UNKNOWN_MSG);
}

/* Clients come and go in any order; lookups stay right. */
static void test_many_clients(void **state)
{
	struct env *v = *state;
	static bool open_[2001];
	uint64_t x = 88172645463325252ULL;

	for (uint32_t id = 4; id <= 2000; id++) {
		assert_int_equal(engine_client_open(v->e, id), 0);
		open_[id] = true;
	}
	open_[1] = open_[2] = open_[3] = true;
	assert_int_equal(engine_client_open(v->e, 7), -EEXIST);
	assert_int_equal(engine_client_open(v->e, 0), -EINVAL);
	for (int i = 0; i < 20000; i++) {
		uint32_t id;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		id = (uint32_t)(x % 2000) + 1;
		if (open_[id]) {
			engine_client_close(v->e, id);
			open_[id] = false;
		} else {
			assert_int_equal(engine_client_open(v->e, id), 0);
			open_[id] = true;
		}
		if (i % 1000 == 0) {
			struct req q;

			hdr_req(&q, SADB_X_PROMISC, 1, 1);
			for (uint32_t j = 1; j <= 2000; j++) {
				rec_clear(&v->r);
				engine_handle(v->e, j, q.buf, q.b.len, T0);
				assert_int_equal(v->r.n > 0, open_[j]);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_add_reply_to_all_without_keys),
		T(test_promisc_sees_request_first),
		T(test_get_reply_to_sender_with_keys),
		T(test_errors_to_sender),
		T(test_malformed),
		T(test_unknown_client_ignored),
		T(test_delete_and_flush_to_all),
		T(test_register),
		T(test_promisc_switch),
		T(test_dump),
		T(test_dump_with_deletes),
		T(test_expire),
		T(test_idle_expire),
		T(test_charge_bytes_expire),
		T(test_getspi_then_update),
		T(test_acquire),
		T(test_spd),
		T(test_unsupported),
		T(test_many_clients),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
