/*
 * test_spd.c - the policy store: every rule with its errno and diagnostic,
 * SPDUPDATE keeping ids, deletes by selector and by id, flush, dump
 * cursors under change, reply encoding, automatic reqids, lookup ordering
 * (checked against a brute-force reference over random policies and
 * packets, up to 100k policies), and lifetimes with an injected clock.
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
#include "spd.h"

#define NOW	1000000
#define ANY	IPSEC_ULPROTO_ANY
#define OUT	IPSEC_DIR_OUTBOUND
#define IN	IPSEC_DIR_INBOUND
#define FWD	IPSEC_DIR_FWD

/* One request of a policy under test. */
struct treq {
	uint16_t	proto;
	uint8_t		mode, level;
	uint32_t	reqid;
	const char	*tsrc, *tdst;	/* tunnel endpoints or NULL */
	uint16_t	tsport, tdport;	/* host order */
};

/* What a test message says. */
struct pspec {
	struct spd_selector	sel;
	uint8_t			dir;
	uint16_t		type;
	uint32_t		prio;
	uint32_t		id;		/* SPDGET, SPDDELETE2 */
	uint64_t		addtime, usetime;
	const char		*ctx;
	int			nreq;
	struct treq		req[8];
};

struct tmsg {
	uint8_t		buf[2048] __attribute__((aligned(8)));
	struct pk_msg	m;
};

/* ----------------------------------------------------------- helpers */

static void put_addr(uint8_t *out, uint8_t *family, const char *text)
{
	memset(out, 0, 16);
	if (strchr(text, ':') != NULL) {
		*family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, text, out), 1);
	} else {
		*family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, text, out), 1);
	}
}

/* A selector from text; ports in host order. */
static struct spd_selector sel(const char *src, unsigned splen,
			       const char *dst, unsigned dplen,
			       uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct spd_selector s;
	uint8_t f;

	memset(&s, 0, sizeof(s));
	put_addr(s.src, &s.family, src);
	put_addr(s.dst, &f, dst);
	s.splen = (uint8_t)splen;
	s.dplen = (uint8_t)dplen;
	s.proto = proto;
	s.sport = htons(sport);
	s.dport = htons(dport);
	return s;
}

static struct pspec spec(struct spd_selector s, uint8_t dir, uint16_t type,
			 uint32_t prio)
{
	struct pspec p;

	memset(&p, 0, sizeof(p));
	p.sel = s;
	p.dir = dir;
	p.type = type;
	p.prio = prio;
	return p;
}

static struct sockaddr *sa_of(struct sockaddr_storage *ss, uint8_t family,
			      const uint8_t *addr, uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = port;
		memcpy(&s->sin6_addr, addr, 16);
	} else {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;

		s->sin_family = AF_INET;
		s->sin_port = port;
		memcpy(&s->sin_addr, addr, 4);
	}
	return (struct sockaddr *)ss;
}

static void build(struct pk_buf *b, struct tmsg *t, uint8_t type,
		  const struct pspec *s)
{
	struct sockaddr_storage a1, a2;

	pk_buf_init(b, t->buf, sizeof(t->buf));
	pk_msg_begin(b, type, SADB_SATYPE_UNSPEC, 7, 4242);
	if (type != SADB_X_SPDGET && type != SADB_X_SPDDELETE2) {
		pk_add_address(b, SADB_EXT_ADDRESS_SRC,
			       sa_of(&a1, s->sel.family, s->sel.src,
				     s->sel.sport), s->sel.proto, s->sel.splen);
		pk_add_address(b, SADB_EXT_ADDRESS_DST,
			       sa_of(&a2, s->sel.family, s->sel.dst,
				     s->sel.dport), s->sel.proto, s->sel.dplen);
		if (type != SADB_X_SPDDELETE &&
		    (s->addtime != 0 || s->usetime != 0))
			pk_add_lifetime(b, SADB_EXT_LIFETIME_HARD, 0, 0,
					s->addtime, s->usetime);
	}
	if (s->ctx != NULL && type != SADB_X_SPDGET &&
	    type != SADB_X_SPDDELETE2)
		pk_add_sec_ctx(b, 1, 1, s->ctx, (uint16_t)strlen(s->ctx));
	pk_add_policy(b, s->type, s->dir, s->id, s->prio);
	for (int i = 0; i < s->nreq; i++) {
		const struct treq *r = &s->req[i];

		pk_add_policy_request(b, r->proto, r->mode, r->level, r->reqid,
				      r->tsrc ? fixture_sa(&a1, r->tsrc,
							   r->tsport) : NULL,
				      r->tdst ? fixture_sa(&a2, r->tdst,
							   r->tdport) : NULL);
	}
	assert_int_equal(pk_buf_error(b), 0);
}

/* Builds, parses and checks a request; returns its validated view. */
static const struct pk_msg *mk(struct tmsg *t, uint8_t type,
			       const struct pspec *s)
{
	struct pk_buf b;
	struct pk_diag d;

	build(&b, t, type, s);
	assert_int_equal(pk_msg_parse(&t->m, t->buf, b.len, &d), 0);
	assert_int_equal(pk_msg_check(&t->m, &d), 0);
	return &t->m;
}

static struct spd *new_spd(void)
{
	struct spd *spd;

	assert_int_equal(spd_new(42, &spd, NULL), 0);
	return spd;
}

static const struct spd_policy *add_ok(struct spd *spd, const struct pspec *s,
				       uint64_t now)
{
	struct tmsg t;
	const struct spd_policy *p = NULL;
	struct pk_diag d;

	assert_int_equal(spd_add(spd, mk(&t, SADB_X_SPDADD, s), now, &p, &d),
			 0);
	assert_non_null(p);
	return p;
}

static int add_rc(struct spd *spd, const struct pspec *s, struct pk_diag *d)
{
	struct tmsg t;

	return spd_add(spd, mk(&t, SADB_X_SPDADD, s), NOW, NULL, d);
}

static struct spd_selector pkt(const char *src, const char *dst,
			       uint8_t proto, uint16_t sport, uint16_t dport)
{
	return sel(src, 0, dst, 0, proto, sport, dport);
}

static struct pspec idspec(uint32_t id)
{
	struct pspec p;

	memset(&p, 0, sizeof(p));
	p.id = id;
	p.dir = OUT;
	return p;
}

/* ------------------------------------------------------- basic rules */

static void test_add_get(void **state)
{
	struct spd *spd = new_spd();
	struct pspec s = spec(sel("10.0.0.0", 24, "10.0.1.0", 24, IPPROTO_TCP,
				  0, 80), OUT, IPSEC_POLICY_IPSEC,
			      PK_PRIORITY_HIGH + 5);
	const struct spd_policy *p, *g;
	struct tmsg t;
	struct pspec q;

	(void)state;
	s.nreq = 1;
	s.req[0] = (struct treq){ IPPROTO_ESP, IPSEC_MODE_TUNNEL,
				  IPSEC_LEVEL_REQUIRE, 0, "192.0.2.1",
				  "192.0.2.2", 0, 0 };
	p = add_ok(spd, &s, NOW);
	/* Linux ids: generation * 8 + xfrm direction (out = 1). */
	assert_int_equal(p->id, 1);
	assert_int_equal(p->dir, OUT);
	assert_int_equal(p->type, IPSEC_POLICY_IPSEC);
	assert_int_equal(p->priority, PK_PRIORITY_HIGH + 5);
	assert_int_equal(p->sel.proto, IPPROTO_TCP);
	assert_int_equal(ntohs(p->sel.dport), 80);
	assert_int_equal(p->nreq, 1);
	assert_int_equal(p->seq, 7);
	assert_int_equal(p->pid, 4242);
	assert_int_equal(p->created, NOW);
	assert_int_equal(p->lastused, 0);
	assert_int_equal(p->policy->sadb_x_policy_id, 1);
	assert_null(p->ctx);
	assert_int_equal(spd_count(spd), 1);

	q = idspec(p->id);
	assert_int_equal(spd_get_id(spd, mk(&t, SADB_X_SPDGET, &q), &g, NULL),
			 0);
	assert_ptr_equal(g, p);
	assert_ptr_equal(spd_find_id(spd, 1), p);

	/* An in policy gets xfrm direction 0: 0 is skipped, so 8. */
	s.dir = IN;
	p = add_ok(spd, &s, NOW);
	assert_int_equal(p->id, 8);
	s.dir = FWD;
	p = add_ok(spd, &s, NOW);
	assert_int_equal(p->id, 16 | 2);
	assert_int_equal(spd_count(spd), 3);
	spd_free(spd);
}

static void test_add_duplicate(void **state)
{
	struct spd *spd = new_spd();
	struct pspec s = spec(sel("10.0.0.0", 24, "10.0.1.0", 24, ANY, 0, 0),
			      OUT, IPSEC_POLICY_DISCARD, 0);
	const struct spd_policy *p;
	struct pk_diag d;

	(void)state;
	p = add_ok(spd, &s, NOW);
	assert_int_equal(add_rc(spd, &s, &d), -EEXIST);
	assert_int_equal(d.err, EEXIST);
	assert_non_null(strstr(d.detail, "exists"));
	/* The priority and type are not part of the identity. */
	s.prio = 7;
	s.type = IPSEC_POLICY_NONE;
	assert_int_equal(add_rc(spd, &s, &d), -EEXIST);
	/* Host bits under the prefix do not make a selector distinct. */
	s.sel = sel("10.0.0.9", 24, "10.0.1.77", 24, ANY, 0, 0);
	assert_int_equal(add_rc(spd, &s, &d), -EEXIST);
	/* ... but direction, prefix, ports, proto and context do. */
	s.dir = IN;
	assert_int_equal(add_rc(spd, &s, &d), 0);
	s.dir = OUT;
	s.sel.dplen = 25;
	assert_int_equal(add_rc(spd, &s, &d), 0);
	s.sel.dport = htons(22);
	assert_int_equal(add_rc(spd, &s, &d), 0);
	s.sel.proto = IPPROTO_TCP;
	assert_int_equal(add_rc(spd, &s, &d), 0);
	s.ctx = "system_u:object_r:ipsec_spd_t:s0";
	assert_int_equal(add_rc(spd, &s, &d), 0);
	assert_int_equal(add_rc(spd, &s, &d), -EEXIST);
	assert_int_equal(spd_count(spd), 6);
	/* The stored copy keeps the address as given. */
	assert_int_equal(p->sel.dst[3], 0);
	spd_free(spd);
}

static void test_add_bad_dir(void **state)
{
	struct spd *spd = new_spd();
	struct pspec s = spec(sel("10.0.0.1", 32, "10.0.0.2", 32, ANY, 0, 0),
			      IPSEC_DIR_ANY, IPSEC_POLICY_NONE, 0);
	struct pk_diag d;
	struct tmsg t;
	struct spd_policy *out;

	(void)state;
	assert_int_equal(add_rc(spd, &s, &d), -EINVAL);
	assert_int_equal(d.err, EINVAL);
	assert_int_equal(d.code, SADB_X_DIAGNOSTIC_BAD_POLICY_DIR);
	assert_int_equal(d.ext_type, SADB_X_EXT_POLICY);
	assert_string_equal(d.field, "sadb_x_policy_dir");
	assert_int_equal(spd_update(spd, mk(&t, SADB_X_SPDUPDATE, &s), NOW,
				    NULL, &d), -EINVAL);
	assert_int_equal(d.code, SADB_X_DIAGNOSTIC_BAD_POLICY_DIR);
	assert_int_equal(spd_delete(spd, mk(&t, SADB_X_SPDDELETE, &s), &out,
				    &d), -EINVAL);
	assert_int_equal(d.code, SADB_X_DIAGNOSTIC_BAD_POLICY_DIR);
	assert_int_equal(spd_count(spd), 0);
	spd_free(spd);
}

static void test_too_many_requests(void **state)
{
	struct spd *spd = new_spd();
	struct pspec s = spec(sel("10.0.0.1", 32, "10.0.0.2", 32, ANY, 0, 0),
			      OUT, IPSEC_POLICY_IPSEC, 0);
	struct pk_diag d;

	(void)state;
	for (int i = 0; i < SPD_MAX_REQUESTS + 1; i++)
		s.req[i] = (struct treq){ IPPROTO_ESP, IPSEC_MODE_TRANSPORT,
					  IPSEC_LEVEL_REQUIRE, 0, NULL, NULL,
					  0, 0 };
	s.nreq = SPD_MAX_REQUESTS + 1;
	assert_int_equal(add_rc(spd, &s, &d), -EINVAL);
	assert_int_equal(d.code, SADB_X_DIAGNOSTIC_MALFORMED_POLICY);
	s.nreq = SPD_MAX_REQUESTS;
	assert_int_equal(add_rc(spd, &s, &d), 0);
	spd_free(spd);
}

static void test_types_and_endpoints(void **state)
{
	struct spd *spd = new_spd();
	struct pspec s = spec(sel("2001:db8::", 64, "2001:db8:1::", 64, ANY,
				  0, 0), OUT, IPSEC_POLICY_IPSEC, 0);
	const struct spd_policy *p;
	const struct sadb_x_ipsecrequest *r;
	struct sockaddr_storage a, b;

	(void)state;
	/* Every type is stored; an IPv6 selector may use a v4 tunnel. */
	s.nreq = 1;
	s.req[0] = (struct treq){ IPPROTO_ESP, IPSEC_MODE_TUNNEL,
				  IPSEC_LEVEL_REQUIRE, 5, "192.0.2.1",
				  "192.0.2.2", 4500, 30000 };
	p = add_ok(spd, &s, NOW);
	r = pk_policy_next_request(p->policy, NULL);
	assert_non_null(r);
	assert_int_equal(pk_request_endpoints(r, &a, &b), 1);
	assert_int_equal(a.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&a)->sin_port), 4500);
	assert_int_equal(ntohs(((struct sockaddr_in *)&b)->sin_port), 30000);
	assert_null(pk_policy_next_request(p->policy, r));
	s.nreq = 0;
	for (uint16_t t = IPSEC_POLICY_DISCARD; t <= IPSEC_POLICY_BYPASS;
	     t++) {
		if (t == IPSEC_POLICY_IPSEC)
			continue;
		s.sel.splen = (uint8_t)(t + 1);
		s.type = t;
		p = add_ok(spd, &s, NOW);
		assert_int_equal(p->type, t);
	}
	assert_int_equal(spd_count(spd), 5);
	spd_free(spd);
}

/* ------------------------------------------------- update and delete */

static void test_update_keeps_id(void **state)
{
	struct spd *spd = new_spd();
	struct pspec s = spec(sel("10.0.0.0", 24, "10.0.1.0", 24, ANY, 0, 0),
			      OUT, IPSEC_POLICY_DISCARD, 100);
	const struct spd_policy *a, *b, *c, *u;
	struct spd_cursor cur;
	struct tmsg t;
	uint32_t id;

	(void)state;
	a = add_ok(spd, &s, NOW);
	id = a->id;
	s.sel.dplen = 16;
	b = add_ok(spd, &s, NOW);
	s.sel.dplen = 24;
	s.type = IPSEC_POLICY_IPSEC;
	s.prio = 5;
	s.nreq = 2;
	s.req[0] = (struct treq){ IPPROTO_ESP, IPSEC_MODE_TRANSPORT,
				  IPSEC_LEVEL_REQUIRE, 0, NULL, NULL, 0, 0 };
	s.req[1] = (struct treq){ IPPROTO_AH, IPSEC_MODE_TRANSPORT,
				  IPSEC_LEVEL_USE, 0, NULL, NULL, 0, 0 };
	assert_int_equal(spd_update(spd, mk(&t, SADB_X_SPDUPDATE, &s),
				    NOW + 5, &u, NULL), 0);
	assert_ptr_equal(u, a);
	assert_int_equal(u->id, id);
	assert_int_equal(u->policy->sadb_x_policy_id, id);
	assert_int_equal(u->type, IPSEC_POLICY_IPSEC);
	assert_int_equal(u->priority, 5);
	assert_int_equal(u->nreq, 2);
	assert_int_equal(u->created, NOW + 5);
	assert_int_equal(spd_count(spd), 2);
	assert_ptr_equal(spd_find_id(spd, id), u);
	/* The index follows the new priority. */
	{
		struct spd_selector k = pkt("10.0.0.1", "10.0.1.1", 6, 1, 2);

		assert_ptr_equal(spd_lookup(spd, OUT, &k, NOW), u);
	}
	/* Updating keeps the dump order. */
	spd_cursor_open(spd, &cur);
	assert_ptr_equal(spd_cursor_next(spd, &cur), a);
	assert_ptr_equal(spd_cursor_next(spd, &cur), b);
	assert_null(spd_cursor_next(spd, &cur));
	spd_cursor_close(spd, &cur);
	/* No policy to replace: it is added. */
	s.sel.dplen = 8;
	assert_int_equal(spd_update(spd, mk(&t, SADB_X_SPDUPDATE, &s), NOW,
				    &c, NULL), 0);
	assert_int_not_equal(c->id, id);
	assert_int_equal(spd_count(spd), 3);
	spd_free(spd);
}

static void test_delete_by_selector(void **state)
{
	struct spd *spd = new_spd();
	struct pspec s = spec(sel("10.0.0.0", 24, "10.0.1.0", 24, IPPROTO_UDP,
				  500, 500), IN, IPSEC_POLICY_NONE, 0);
	const struct spd_policy *a;
	struct spd_policy *out;
	struct pk_diag d;
	struct tmsg t;
	uint32_t id;

	(void)state;
	a = add_ok(spd, &s, NOW);
	id = a->id;
	/* Wrong direction, port, prefix, context: no such policy. */
	s.dir = OUT;
	assert_int_equal(spd_delete(spd, mk(&t, SADB_X_SPDDELETE, &s), &out,
				    &d), -ENOENT);
	assert_int_equal(d.err, ENOENT);
	assert_null(out);
	s.dir = IN;
	s.sel.dport = htons(501);
	assert_int_equal(spd_delete(spd, mk(&t, SADB_X_SPDDELETE, &s), &out,
				    &d), -ENOENT);
	s.sel.dport = htons(500);
	s.ctx = "x";
	assert_int_equal(spd_delete(spd, mk(&t, SADB_X_SPDDELETE, &s), &out,
				    &d), -ENOENT);
	s.ctx = NULL;
	/* Host bits differ: still the same selector. */
	s.sel.src[3] = 99;
	assert_int_equal(spd_delete(spd, mk(&t, SADB_X_SPDDELETE, &s), &out,
				    &d), 0);
	assert_non_null(out);
	assert_int_equal(out->id, id);
	assert_int_equal(spd_count(spd), 0);
	assert_null(spd_find_id(spd, id));
	spd_policy_free(spd, out);
	assert_int_equal(spd_delete(spd, mk(&t, SADB_X_SPDDELETE, &s), &out,
				    &d), -ENOENT);
	spd_free(spd);
}

static void test_delete_get_by_id(void **state)
{
	struct spd *spd = new_spd();
	struct pspec s = spec(sel("10.0.0.1", 32, "10.0.0.2", 32, ANY, 0, 0),
			      OUT, IPSEC_POLICY_NONE, 0);
	const struct spd_policy *a, *b, *g;
	struct spd_policy *out;
	struct pk_diag d;
	struct tmsg t;
	struct pspec q;
	uint32_t ida;

	(void)state;
	a = add_ok(spd, &s, NOW);
	s.sel.dplen = 31;
	b = add_ok(spd, &s, NOW);
	ida = a->id;
	q = idspec(0x7777);
	assert_int_equal(spd_get_id(spd, mk(&t, SADB_X_SPDGET, &q), &g, &d),
			 -ENOENT);
	assert_int_equal(d.err, ENOENT);
	assert_string_equal(d.field, "sadb_x_policy_id");
	assert_null(g);
	assert_int_equal(spd_delete_id(spd, mk(&t, SADB_X_SPDDELETE2, &q),
				       &out, &d), -ENOENT);
	q = idspec(0);
	assert_int_equal(spd_get_id(spd, mk(&t, SADB_X_SPDGET, &q), &g, &d),
			 -ENOENT);
	q = idspec(ida);
	assert_int_equal(spd_delete_id(spd, mk(&t, SADB_X_SPDDELETE2, &q),
				       &out, &d), 0);
	assert_int_equal(out->id, ida);
	assert_int_equal(out->sel.dplen, 32);
	spd_policy_free(spd, out);
	assert_int_equal(spd_get_id(spd, mk(&t, SADB_X_SPDGET, &q), &g, &d),
			 -ENOENT);
	assert_int_equal(spd_delete_id(spd, mk(&t, SADB_X_SPDDELETE2, &q),
				       &out, &d), -ENOENT);
	q = idspec(b->id);
	assert_int_equal(spd_get_id(spd, mk(&t, SADB_X_SPDGET, &q), &g, &d),
			 0);
	assert_ptr_equal(g, b);
	/* The deleted selector may be added again, with a new id. */
	s.sel.dplen = 32;
	a = add_ok(spd, &s, NOW);
	assert_int_not_equal(a->id, ida);
	spd_free(spd);
}

static void test_flush(void **state)
{
	struct spd *spd = new_spd();
	struct pspec s = spec(sel("10.0.0.1", 32, "10.0.0.2", 32, ANY, 0, 0),
			      OUT, IPSEC_POLICY_NONE, 0);
	struct spd_selector k = pkt("10.0.0.1", "10.0.0.2", 6, 1, 1);
	struct spd_cursor c;
	size_t n = 99;

	(void)state;
	assert_int_equal(spd_flush(spd, &n, NULL), 0);
	assert_int_equal(n, 0);
	for (int i = 0; i < 50; i++) {
		s.sel.dport = htons((uint16_t)(i + 1));
		s.addtime = (uint64_t)(i % 2) * 10;
		add_ok(spd, &s, NOW);
	}
	spd_cursor_open(spd, &c);
	assert_non_null(spd_cursor_next(spd, &c));
	assert_int_equal(spd_flush(spd, &n, NULL), 0);
	assert_int_equal(n, 50);
	assert_int_equal(spd_count(spd), 0);
	assert_null(spd_cursor_next(spd, &c));
	assert_false(spd_cursor_more(&c));
	spd_cursor_close(spd, &c);
	assert_null(spd_lookup(spd, OUT, &k, NOW));
	assert_int_equal(spd_next_deadline(spd), UINT64_MAX);
	s.sel.dport = htons(1);
	add_ok(spd, &s, NOW);
	assert_int_equal(spd_count(spd), 1);
	spd_free(spd);
}

/* ------------------------------------------------------------- dumps */

static void test_cursor_under_change(void **state)
{
	enum { N = 200 };
	struct spd *spd = new_spd();
	struct pspec s = spec(sel("10.0.0.1", 32, "10.0.0.2", 32, ANY, 0, 0),
			      OUT, IPSEC_POLICY_NONE, 0);
	uint32_t ids[N + N];
	int seen[N + N], present_all[N + N];
	int added = 0;
	struct spd_cursor c;
	const struct spd_policy *p;
	struct tmsg t;
	int step = 0;

	(void)state;
	for (int i = 0; i < N; i++) {
		s.sel.dport = htons((uint16_t)(i + 1));
		ids[added++] = add_ok(spd, &s, NOW)->id;
	}
	for (int i = 0; i < N + N; i++) {
		seen[i] = 0;
		present_all[i] = i < N;
	}
	spd_cursor_open(spd, &c);
	while ((p = spd_cursor_next(spd, &c)) != NULL) {
		int i;

		for (i = 0; i < added; i++)
			if (ids[i] == p->id)
				break;
		assert_true(i < added);
		seen[i]++;
		step++;
		/* Every third step delete one ahead and one behind. */
		if (step % 3 == 0) {
			for (int k = 0; k < 2; k++) {
				int j = (int)((unsigned)(step * 7 + k * 13) %
					      (unsigned)added);
				struct pspec q = idspec(ids[j]);
				struct spd_policy *out;

				if (spd_delete_id(spd,
						  mk(&t, SADB_X_SPDDELETE2, &q),
						  &out, NULL) == 0) {
					spd_policy_free(spd, out);
					present_all[j] = 0;
				}
			}
		}
		/* Every fifth step add one. */
		if (step % 5 == 0 && added < N + N) {
			s.sel.dport = htons((uint16_t)(1000 + added));
			present_all[added] = 0;
			ids[added++] = add_ok(spd, &s, NOW)->id;
		}
	}
	spd_cursor_close(spd, &c);
	for (int i = 0; i < added; i++) {
		assert_true(seen[i] <= 1);
		if (present_all[i])
			assert_int_equal(seen[i], 1);
		if (spd_find_id(spd, ids[i]) == NULL && i < N && seen[i] == 0)
			assert_false(present_all[i]);
	}
	spd_free(spd);
}

/* ------------------------------------------------------------ replies */

static void test_write_policy(void **state)
{
	struct spd *spd = new_spd();
	struct pspec s = spec(sel("10.0.0.0", 24, "10.0.1.0", 24, IPPROTO_TCP,
				  0, 80), OUT, IPSEC_POLICY_IPSEC, 1234);
	const struct spd_policy *p;
	uint8_t mem[2048] __attribute__((aligned(8)));
	struct pk_buf b;
	struct pk_msg m;
	struct pk_diag d;
	const struct sadb_x_policy *pol;
	const struct sadb_x_ipsecrequest *r;
	const struct sadb_lifetime *l;
	const struct sadb_address *a;
	const struct sadb_x_sec_ctx *cx;
	struct sockaddr_storage ss, ts, td;
	static const uint16_t order[] = {
		SADB_EXT_ADDRESS_SRC, SADB_EXT_ADDRESS_DST,
		SADB_EXT_LIFETIME_HARD, SADB_EXT_LIFETIME_CURRENT,
		SADB_X_EXT_POLICY, SADB_X_EXT_SEC_CTX,
	};
	size_t off = sizeof(struct sadb_msg), n = 0;
	const struct sadb_ext *e;
	size_t eb;

	(void)state;
	(void)eb;
	s.addtime = 3600;
	s.usetime = 600;
	s.ctx = "ctx-string";
	s.nreq = 2;
	s.req[0] = (struct treq){ IPPROTO_ESP, IPSEC_MODE_TUNNEL,
				  IPSEC_LEVEL_UNIQUE, 0, "192.0.2.1",
				  "192.0.2.2", 0, 0 };
	s.req[1] = (struct treq){ IPPROTO_AH, IPSEC_MODE_TRANSPORT,
				  IPSEC_LEVEL_USE, 0, NULL, NULL, 0, 0 };
	p = add_ok(spd, &s, NOW);
	{
		struct spd_selector k = pkt("10.0.0.5", "10.0.1.5",
					    IPPROTO_TCP, 999, 80);

		assert_ptr_equal(spd_lookup(spd, OUT, &k, NOW + 3), p);
	}
	pk_buf_init(&b, mem, sizeof(mem));
	pk_msg_begin(&b, SADB_X_SPDGET, SADB_SATYPE_UNSPEC, 1, 2);
	assert_int_equal(spd_write_policy(p, &b, 0), 0);
	assert_int_equal(pk_msg_parse(&m, mem, b.len, &d), 0);
	/* Linux order. */
	while (pk_ext_next(mem, b.len, &off, &e, &eb) == 1) {
		assert_true(n < sizeof(order) / sizeof(order[0]));
		assert_int_equal(e->sadb_ext_type, order[n]);
		n++;
	}
	assert_int_equal(n, 6);
	a = PK_MSG_EXT(&m, SADB_EXT_ADDRESS_DST, sadb_address);
	assert_int_equal(a->sadb_address_prefixlen, 24);
	assert_int_equal(a->sadb_address_proto, IPPROTO_TCP);
	pk_address_sockaddr(a, &ss);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 80);
	l = PK_MSG_EXT(&m, SADB_EXT_LIFETIME_HARD, sadb_lifetime);
	assert_int_equal(l->sadb_lifetime_addtime, 3600);
	assert_int_equal(l->sadb_lifetime_usetime, 600);
	l = PK_MSG_EXT(&m, SADB_EXT_LIFETIME_CURRENT, sadb_lifetime);
	assert_int_equal(l->sadb_lifetime_addtime, NOW);
	assert_int_equal(l->sadb_lifetime_usetime, NOW + 3);
	pol = PK_MSG_EXT(&m, SADB_X_EXT_POLICY, sadb_x_policy);
	assert_int_equal(pol->sadb_x_policy_id, p->id);
	assert_int_equal(pol->sadb_x_policy_dir, OUT);
	assert_int_equal(pol->sadb_x_policy_type, IPSEC_POLICY_IPSEC);
	assert_int_equal(pol->sadb_x_policy_priority, 1234);
	r = pk_policy_next_request(pol, NULL);
	assert_int_equal(r->sadb_x_ipsecrequest_proto, IPPROTO_ESP);
	assert_int_equal(r->sadb_x_ipsecrequest_level, IPSEC_LEVEL_UNIQUE);
	assert_int_equal(r->sadb_x_ipsecrequest_reqid, SPD_AUTO_REQID_MIN);
	assert_int_equal(pk_request_endpoints(r, &ts, &td), 1);
	r = pk_policy_next_request(pol, r);
	assert_int_equal(r->sadb_x_ipsecrequest_proto, IPPROTO_AH);
	assert_int_equal(r->sadb_x_ipsecrequest_reqid, 0);
	assert_null(pk_policy_next_request(pol, r));
	cx = PK_MSG_EXT(&m, SADB_X_EXT_SEC_CTX, sadb_x_sec_ctx);
	assert_int_equal(cx->sadb_x_ctx_len, strlen("ctx-string"));
	assert_memory_equal(cx + 1, "ctx-string", strlen("ctx-string"));

	/* A too small buffer is reported, not overrun. */
	pk_buf_init(&b, mem, 64);
	pk_msg_begin(&b, SADB_X_SPDGET, SADB_SATYPE_UNSPEC, 1, 2);
	assert_int_equal(spd_write_policy(p, &b, 0), -ENOBUFS);
	spd_free(spd);
}

static void test_auto_reqid(void **state)
{
	struct spd *spd = new_spd();
	struct pspec s = spec(sel("10.0.0.1", 32, "10.0.0.2", 32, ANY, 0, 0),
			      OUT, IPSEC_POLICY_IPSEC, 0);
	const struct spd_policy *p;
	const struct sadb_x_ipsecrequest *r;
	struct spd_policy *out;
	struct tmsg t;

	(void)state;
	s.nreq = 1;
	/* A manual reqid in the automatic range is skipped, not reused. */
	s.req[0] = (struct treq){ IPPROTO_ESP, IPSEC_MODE_TRANSPORT,
				  IPSEC_LEVEL_UNIQUE, SPD_AUTO_REQID_MIN + 1,
				  NULL, NULL, 0, 0 };
	p = add_ok(spd, &s, NOW);
	r = pk_policy_next_request(p->policy, NULL);
	assert_int_equal(r->sadb_x_ipsecrequest_reqid, SPD_AUTO_REQID_MIN + 1);

	s.sel.dplen = 31;
	s.nreq = 3;
	s.req[0].reqid = 0;
	s.req[1] = s.req[0];
	s.req[1].proto = IPPROTO_AH;
	s.req[2] = s.req[0];
	s.req[2].level = IPSEC_LEVEL_REQUIRE;
	p = add_ok(spd, &s, NOW);
	r = pk_policy_next_request(p->policy, NULL);
	assert_int_equal(r->sadb_x_ipsecrequest_reqid, SPD_AUTO_REQID_MIN);
	r = pk_policy_next_request(p->policy, r);
	assert_int_equal(r->sadb_x_ipsecrequest_reqid, SPD_AUTO_REQID_MIN + 2);
	r = pk_policy_next_request(p->policy, r);
	/* Only level unique gets one. */
	assert_int_equal(r->sadb_x_ipsecrequest_reqid, 0);

	/* Manual unique reqids are kept as given. */
	s.sel.dplen = 30;
	s.nreq = 1;
	s.req[0].reqid = 77;
	p = add_ok(spd, &s, NOW);
	r = pk_policy_next_request(p->policy, NULL);
	assert_int_equal(r->sadb_x_ipsecrequest_reqid, 77);

	/* The counter moves on: a freed reqid is not handed out again soon. */
	s.sel.dplen = 32;
	s.req[0].reqid = SPD_AUTO_REQID_MIN + 1;
	assert_int_equal(spd_delete(spd, mk(&t, SADB_X_SPDDELETE, &s), &out,
				    NULL), 0);
	spd_policy_free(spd, out);
	s.req[0].reqid = 0;
	p = add_ok(spd, &s, NOW);
	r = pk_policy_next_request(p->policy, NULL);
	assert_int_equal(r->sadb_x_ipsecrequest_reqid, SPD_AUTO_REQID_MIN + 3);
	/* Update gives unique requests without reqid a fresh one. */
	assert_int_equal(spd_update(spd, mk(&t, SADB_X_SPDUPDATE, &s), NOW,
				    &p, NULL), 0);
	r = pk_policy_next_request(p->policy, NULL);
	assert_int_equal(r->sadb_x_ipsecrequest_reqid, SPD_AUTO_REQID_MIN + 4);
	spd_free(spd);
}

/* ------------------------------------------------------------- lookup */

static void test_lookup_priority_specificity(void **state)
{
	struct spd *spd = new_spd();
	struct pspec s;
	const struct spd_policy *wide, *d24, *d16, *s24, *tcp, *tcp80, *low,
		*first, *second;
	struct spd_selector k = pkt("10.1.1.1", "10.0.1.1", IPPROTO_TCP,
				    1234, 80);

	(void)state;
	s = spec(sel("0.0.0.0", 0, "0.0.0.0", 0, ANY, 0, 0), OUT,
		 IPSEC_POLICY_NONE, 100);
	wide = add_ok(spd, &s, NOW);
	assert_ptr_equal(spd_lookup(spd, OUT, &k, NOW), wide);
	s.sel = sel("0.0.0.0", 0, "10.0.0.0", 16, ANY, 0, 0);
	d16 = add_ok(spd, &s, NOW);
	assert_ptr_equal(spd_lookup(spd, OUT, &k, NOW), d16);
	s.sel = sel("0.0.0.0", 0, "10.0.1.0", 24, ANY, 0, 0);
	d24 = add_ok(spd, &s, NOW);
	assert_ptr_equal(spd_lookup(spd, OUT, &k, NOW), d24);
	/* A longer source prefix with a shorter destination loses. */
	s.sel = sel("10.1.1.1", 32, "10.0.0.0", 16, ANY, 0, 0);
	add_ok(spd, &s, NOW);
	assert_ptr_equal(spd_lookup(spd, OUT, &k, NOW), d24);
	/* Same destination, longer source wins. */
	s.sel = sel("10.1.1.0", 24, "10.0.1.0", 24, ANY, 0, 0);
	s24 = add_ok(spd, &s, NOW);
	assert_ptr_equal(spd_lookup(spd, OUT, &k, NOW), s24);
	/* Then a specific protocol, then a specific port. */
	s.sel = sel("10.1.1.0", 24, "10.0.1.0", 24, IPPROTO_TCP, 0, 0);
	tcp = add_ok(spd, &s, NOW);
	assert_ptr_equal(spd_lookup(spd, OUT, &k, NOW), tcp);
	s.sel = sel("10.1.1.0", 24, "10.0.1.0", 24, IPPROTO_TCP, 0, 80);
	tcp80 = add_ok(spd, &s, NOW);
	assert_ptr_equal(spd_lookup(spd, OUT, &k, NOW), tcp80);
	/* A lower priority value beats any specificity. */
	s.sel = sel("0.0.0.0", 0, "0.0.0.0", 0, ANY, 0, 0);
	s.dir = OUT;
	s.prio = 99;
	s.ctx = "c";	/* a second 0/0 policy, distinct by its context */
	low = add_ok(spd, &s, NOW);
	assert_ptr_equal(spd_lookup(spd, OUT, &k, NOW), low);
	/* Packets that miss the specific ones. */
	k = pkt("10.1.1.1", "10.0.1.1", IPPROTO_UDP, 1234, 80);
	assert_ptr_equal(spd_lookup(spd, OUT, &k, NOW), low);
	{
		struct spd_policy *out;
		struct tmsg t;

		assert_int_equal(spd_delete(spd, mk(&t, SADB_X_SPDDELETE, &s),
					    &out, NULL), 0);
		spd_policy_free(spd, out);
	}
	assert_ptr_equal(spd_lookup(spd, OUT, &k, NOW), s24);
	k = pkt("10.1.1.1", "10.0.1.1", IPPROTO_TCP, 1234, 81);
	assert_ptr_equal(spd_lookup(spd, OUT, &k, NOW), tcp);
	k = pkt("10.1.2.1", "10.0.1.1", IPPROTO_TCP, 1234, 80);
	assert_ptr_equal(spd_lookup(spd, OUT, &k, NOW), d24);
	k = pkt("10.1.2.1", "10.0.2.1", IPPROTO_TCP, 1234, 80);
	assert_ptr_equal(spd_lookup(spd, OUT, &k, NOW), d16);
	k = pkt("10.1.2.1", "11.0.2.1", IPPROTO_TCP, 1234, 80);
	assert_ptr_equal(spd_lookup(spd, OUT, &k, NOW), wide);

	/* Equal priority and specificity: the earliest inserted wins. */
	s = spec(sel("192.168.0.0", 16, "172.16.0.0", 12, ANY, 0, 0), FWD,
		 IPSEC_POLICY_NONE, 50);
	s.ctx = "a";
	first = add_ok(spd, &s, NOW);
	s.ctx = "b";
	second = add_ok(spd, &s, NOW);
	k = pkt("192.168.3.4", "172.20.0.1", IPPROTO_ICMP, 0, 0);
	assert_ptr_equal(spd_lookup(spd, FWD, &k, NOW), first);
	{
		struct spd_policy *out;
		struct tmsg t;

		s.ctx = "a";
		assert_int_equal(spd_delete(spd, mk(&t, SADB_X_SPDDELETE, &s),
					    &out, NULL), 0);
		spd_policy_free(spd, out);
	}
	assert_ptr_equal(spd_lookup(spd, FWD, &k, NOW), second);
	spd_free(spd);
}

static void test_lookup_ports_dirs_v6(void **state)
{
	struct spd *spd = new_spd();
	struct pspec s;
	const struct spd_policy *sp, *dp, *both, *in6, *out6;
	struct spd_selector k;

	(void)state;
	s = spec(sel("0.0.0.0", 0, "0.0.0.0", 0, ANY, 500, 0), IN,
		 IPSEC_POLICY_BYPASS, 10);
	sp = add_ok(spd, &s, NOW);
	s.sel = sel("0.0.0.0", 0, "0.0.0.0", 0, ANY, 0, 4500);
	dp = add_ok(spd, &s, NOW);
	s.sel = sel("0.0.0.0", 0, "0.0.0.0", 0, IPPROTO_UDP, 500, 500);
	both = add_ok(spd, &s, NOW);
	k = pkt("1.2.3.4", "5.6.7.8", IPPROTO_UDP, 500, 500);
	assert_ptr_equal(spd_lookup(spd, IN, &k, NOW), both);
	k = pkt("1.2.3.4", "5.6.7.8", IPPROTO_TCP, 500, 500);
	assert_ptr_equal(spd_lookup(spd, IN, &k, NOW), sp);
	k = pkt("1.2.3.4", "5.6.7.8", IPPROTO_UDP, 4500, 4500);
	assert_ptr_equal(spd_lookup(spd, IN, &k, NOW), dp);
	/* dport beats sport at equal everything else. */
	k = pkt("1.2.3.4", "5.6.7.8", IPPROTO_UDP, 500, 4500);
	assert_ptr_equal(spd_lookup(spd, IN, &k, NOW), dp);
	k = pkt("1.2.3.4", "5.6.7.8", IPPROTO_UDP, 501, 501);
	assert_null(spd_lookup(spd, IN, &k, NOW));
	/* Directions and families are separate. */
	assert_null(spd_lookup(spd, OUT, &k, NOW));
	k = pkt("1.2.3.4", "5.6.7.8", IPPROTO_UDP, 500, 500);
	assert_null(spd_lookup(spd, OUT, &k, NOW));
	assert_null(spd_lookup(spd, FWD, &k, NOW));
	assert_null(spd_lookup(spd, IPSEC_DIR_ANY, &k, NOW));
	k = pkt("::1", "::2", IPPROTO_UDP, 500, 500);
	assert_null(spd_lookup(spd, IN, &k, NOW));

	s = spec(sel("2001:db8::", 32, "2001:db8:ffff:1::", 64, ANY, 0, 0),
		 IN, IPSEC_POLICY_IPSEC, 10);
	in6 = add_ok(spd, &s, NOW);
	s.dir = OUT;
	out6 = add_ok(spd, &s, NOW);
	s.sel = sel("2001:db8::", 32, "2001:db8:ffff:1::", 63, ANY, 0, 0);
	add_ok(spd, &s, NOW);
	s.sel = sel("2001:db8::", 32, "2001:db8:ffff:1:8000::", 65, ANY, 0,
		    0);
	add_ok(spd, &s, NOW);
	k = pkt("2001:db8:1::1", "2001:db8:ffff:1::5", IPPROTO_TCP, 1, 2);
	assert_ptr_equal(spd_lookup(spd, IN, &k, NOW), in6);
	assert_ptr_equal(spd_lookup(spd, OUT, &k, NOW), out6);
	k = pkt("2001:db9::1", "2001:db8:ffff:1::5", IPPROTO_TCP, 1, 2);
	assert_null(spd_lookup(spd, IN, &k, NOW));
	k = pkt("2001:db8::1", "2001:db8:ffff:1:8000::1", IPPROTO_TCP, 1, 2);
	assert_int_equal(spd_lookup(spd, OUT, &k, NOW)->sel.dplen, 65);
	/* Lookup of IPv4 is unaffected by the v6 policies. */
	k = pkt("1.2.3.4", "5.6.7.8", IPPROTO_UDP, 500, 500);
	assert_ptr_equal(spd_lookup(spd, IN, &k, NOW), both);
	spd_free(spd);
}

/* ------------------------------------------- brute-force reference */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

struct ref {
	struct spd_selector	sel;
	uint8_t			dir;
	uint32_t		prio;
	uint32_t		id;
	int			alive;
};

static bool prefix_match(const uint8_t *a, const uint8_t *b, unsigned plen)
{
	unsigned full = plen / 8;

	if (memcmp(a, b, full) != 0)
		return false;
	if (plen % 8 == 0)
		return true;
	return ((a[full] ^ b[full]) & (0xff00U >> (plen % 8))) == 0;
}

static bool ref_match(const struct ref *r, uint8_t dir,
		      const struct spd_selector *k)
{
	return r->alive && r->dir == dir && r->sel.family == k->family &&
	       prefix_match(r->sel.dst, k->dst, r->sel.dplen) &&
	       prefix_match(r->sel.src, k->src, r->sel.splen) &&
	       (r->sel.proto == ANY || r->sel.proto == k->proto) &&
	       (r->sel.dport == 0 || r->sel.dport == k->dport) &&
	       (r->sel.sport == 0 || r->sel.sport == k->sport);
}

/* -1 when a ranks before b (better), written without the store's spec. */
static int ref_cmp(const struct ref *a, const struct ref *b)
{
	int x[5], y[5];

	if (a->prio != b->prio)
		return a->prio < b->prio ? -1 : 1;
	x[0] = a->sel.dplen; y[0] = b->sel.dplen;
	x[1] = a->sel.splen; y[1] = b->sel.splen;
	x[2] = a->sel.proto != ANY; y[2] = b->sel.proto != ANY;
	x[3] = a->sel.dport != 0; y[3] = b->sel.dport != 0;
	x[4] = a->sel.sport != 0; y[4] = b->sel.sport != 0;
	for (int i = 0; i < 5; i++)
		if (x[i] != y[i])
			return x[i] > y[i] ? -1 : 1;
	return 0;	/* the caller keeps the earlier (insertion order) */
}

static const struct ref *ref_lookup(const struct ref *v, size_t n,
				    uint8_t dir, const struct spd_selector *k)
{
	const struct ref *best = NULL;

	for (size_t i = 0; i < n; i++)
		if (ref_match(&v[i], dir, k) &&
		    (best == NULL || ref_cmp(&v[i], best) < 0))
			best = &v[i];
	return best;
}

static void put_v4(uint8_t *a, uint32_t v)
{
	memset(a, 0, 16);
	a[0] = (uint8_t)(v >> 24);
	a[1] = (uint8_t)(v >> 16);
	a[2] = (uint8_t)(v >> 8);
	a[3] = (uint8_t)v;
}

/* Addresses from a small space so that prefixes overlap a lot. */
static uint32_t rnd_v4(void)
{
	return 0x0a000000U | (uint32_t)(rnd() % 4) << 16 |
	       (uint32_t)(rnd() % 4) << 8 | (uint32_t)(rnd() % 8);
}

static void rnd_policy(struct spd_selector *s, bool v6, bool wide_ports)
{
	static const uint8_t plens4[] = { 0, 8, 14, 16, 22, 24, 30, 32 };
	static const uint8_t protos[] = { ANY, ANY, IPPROTO_TCP, IPPROTO_UDP };

	memset(s, 0, sizeof(*s));
	if (v6) {
		s->family = AF_INET6;
		s->src[0] = s->dst[0] = 0x20;
		s->src[15] = (uint8_t)(rnd() % 8);
		s->dst[15] = (uint8_t)(rnd() % 8);
		s->dst[8] = (uint8_t)(rnd() % 2);
		s->splen = (uint8_t)(rnd() % 3 == 0 ? 0 : 120 + rnd() % 9);
		s->dplen = (uint8_t)(rnd() % 4 == 0 ? 64 : 120 + rnd() % 9);
	} else {
		s->family = AF_INET;
		put_v4(s->src, rnd_v4());
		put_v4(s->dst, rnd_v4());
		s->splen = plens4[rnd() % 8];
		s->dplen = plens4[rnd() % 8];
	}
	s->proto = protos[rnd() % 4];
	s->sport = rnd() % 3 == 0 ? htons((uint16_t)(1 + rnd() % 4)) : 0;
	s->dport = rnd() % 2 == 0 ? htons((uint16_t)(1 + rnd() % 8)) : 0;
	if (wide_ports) {
		s->dplen = s->splen = 0;
		s->dport = htons((uint16_t)(1 + rnd() % 60000));
		s->proto = IPPROTO_TCP;
		s->sport = 0;
	}
}

static void rnd_packet(struct spd_selector *k, bool v6, bool wide_ports)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP,
					  IPPROTO_ICMP };

	memset(k, 0, sizeof(*k));
	if (v6) {
		k->family = AF_INET6;
		k->src[0] = k->dst[0] = 0x20;
		k->src[15] = (uint8_t)(rnd() % 8);
		k->dst[15] = (uint8_t)(rnd() % 8);
		k->dst[8] = (uint8_t)(rnd() % 2);
	} else {
		k->family = AF_INET;
		put_v4(k->src, rnd_v4());
		put_v4(k->dst, rnd_v4());
	}
	k->proto = protos[rnd() % 3];
	k->sport = htons((uint16_t)(1 + rnd() % 4));
	k->dport = htons((uint16_t)(1 + rnd() % 8));
	if (wide_ports)
		k->dport = htons((uint16_t)(1 + rnd() % 60000));
}

/*
 * n random policies (a fraction wide with port selectors), random deletes
 * and re-adds, and random packets: every lookup must agree with the
 * brute-force reference.
 */
static void check_random(size_t n, size_t packets, unsigned wide_pct,
			 uint64_t seed)
{
	struct spd *spd = new_spd();
	struct ref *v = calloc(n, sizeof(*v));
	size_t nv = 0;
	static const uint32_t prios[] = { 10, 20, 20, 30 };
	struct tmsg t;
	size_t hits = 0;

	assert_non_null(v);
	rng_state = seed;
	for (size_t i = 0; i < n; i++) {
		bool wide = rnd() % 100 < wide_pct;
		struct pspec s;
		const struct spd_policy *p;
		int rc;

		memset(&s, 0, sizeof(s));
		rnd_policy(&s.sel, rnd() % 8 == 0, wide);
		s.dir = (uint8_t)(IN + rnd() % 3);
		s.type = IPSEC_POLICY_NONE;
		s.prio = prios[rnd() % 4];
		/* A context makes an otherwise equal selector distinct: ties. */
		s.ctx = rnd() % 4 == 0 ? "c" : NULL;
		rc = spd_add(spd, mk(&t, SADB_X_SPDADD, &s), NOW, &p, NULL);
		if (rc == -EEXIST)
			continue;
		assert_int_equal(rc, 0);
		v[nv].sel = s.sel;
		v[nv].dir = s.dir;
		v[nv].prio = s.prio;
		v[nv].id = p->id;
		v[nv].alive = 1;
		nv++;
	}
	/* Delete a tenth, by id. */
	for (size_t i = 0; i < nv / 10; i++) {
		size_t j = rnd() % nv;
		struct pspec q = idspec(v[j].id);
		struct spd_policy *out;

		if (!v[j].alive)
			continue;
		assert_int_equal(spd_delete_id(spd,
					       mk(&t, SADB_X_SPDDELETE2, &q),
					       &out, NULL), 0);
		spd_policy_free(spd, out);
		v[j].alive = 0;
	}
	for (size_t i = 0; i < packets; i++) {
		struct spd_selector k;
		uint8_t dir = (uint8_t)(IN + rnd() % 3);
		const struct spd_policy *got;
		const struct ref *want;

		rnd_packet(&k, rnd() % 8 == 0, wide_pct > 0 && rnd() % 2);
		got = spd_lookup(spd, dir, &k, NOW);
		want = ref_lookup(v, nv, dir, &k);
		if (want == NULL) {
			assert_null(got);
			continue;
		}
		assert_non_null(got);
		hits++;
		if (got->id != want->id)
			fail_msg("packet %zu: got policy %u, want %u", i,
				 got->id, want->id);
	}
	/* The packets must exercise matching, not only misses. */
	assert_true(hits > packets / 4);
	free(v);
	spd_free(spd);
}

static void test_lookup_random_small(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 20; seed++)
		check_random(300, 3000, 10, seed * 0x9e3779b97f4a7c15ULL);
}

static void test_lookup_random_100k(void **state)
{
	(void)state;
	/* Half of them 0.0.0.0/0 with a TCP destination port. */
	check_random(100000, 1500, 50, 0x1234567887654321ULL);
}

/* The Linux quadratic case, checked exactly: wide prefixes with ports. */
static void test_lookup_wide_ports(void **state)
{
	struct spd *spd = new_spd();
	struct pspec s;
	struct spd_selector k;
	const struct spd_policy *p, *dflt;
	struct tmsg t;

	(void)state;
	s = spec(sel("0.0.0.0", 0, "0.0.0.0", 0, ANY, 0, 0), OUT,
		 IPSEC_POLICY_NONE, 1000);
	dflt = add_ok(spd, &s, NOW);
	for (unsigned i = 1; i <= 50000; i++) {
		s = spec(sel("0.0.0.0", 0, "0.0.0.0", 0, IPPROTO_TCP, 0,
			     (uint16_t)i), OUT, IPSEC_POLICY_DISCARD, 1000);
		assert_int_equal(spd_add(spd, mk(&t, SADB_X_SPDADD, &s), NOW,
					 NULL, NULL), 0);
		s = spec(sel("0.0.0.0", 0, "0.0.0.0", 0, IPPROTO_UDP,
			     (uint16_t)i, 0), OUT, IPSEC_POLICY_IPSEC,
			 1000);
		assert_int_equal(spd_add(spd, mk(&t, SADB_X_SPDADD, &s), NOW,
					 NULL, NULL), 0);
	}
	assert_int_equal(spd_count(spd), 100001);
	for (unsigned i = 1; i <= 50000; i += 97) {
		k = pkt("10.0.0.1", "10.0.0.2", IPPROTO_TCP, 7, (uint16_t)i);
		p = spd_lookup(spd, OUT, &k, NOW);
		assert_int_equal(ntohs(p->sel.dport), i);
		assert_int_equal(p->type, IPSEC_POLICY_DISCARD);
		k = pkt("10.0.0.1", "10.0.0.2", IPPROTO_UDP, (uint16_t)i, 7);
		p = spd_lookup(spd, OUT, &k, NOW);
		assert_int_equal(ntohs(p->sel.sport), i);
		assert_int_equal(p->type, IPSEC_POLICY_IPSEC);
	}
	k = pkt("10.0.0.1", "10.0.0.2", IPPROTO_TCP, 7, 60000);
	assert_ptr_equal(spd_lookup(spd, OUT, &k, NOW), dflt);
	spd_free(spd);
}

/* ---------------------------------------------------------- lifetimes */

struct expired {
	uint32_t	ids[16];
	int		n;
};

static void on_expire(void *arg, const struct spd_policy *p)
{
	struct expired *x = arg;

	assert_true(x->n < 16);
	x->ids[x->n++] = p->id;
}

static void test_expire_addtime(void **state)
{
	struct spd *spd = new_spd();
	struct pspec s = spec(sel("10.0.0.1", 32, "10.0.0.2", 32, ANY, 0, 0),
			      OUT, IPSEC_POLICY_NONE, 0);
	struct expired x = { .n = 0 };
	uint32_t a, b;

	(void)state;
	assert_int_equal(spd_next_deadline(spd), UINT64_MAX);
	add_ok(spd, &s, NOW);	/* no lifetime: never expires */
	assert_int_equal(spd_next_deadline(spd), UINT64_MAX);
	s.sel.dplen = 31;
	s.addtime = 20;
	b = add_ok(spd, &s, NOW)->id;
	s.sel.dplen = 30;
	s.addtime = 10;
	a = add_ok(spd, &s, NOW)->id;
	assert_int_equal(spd_next_deadline(spd), NOW + 10);
	assert_int_equal(spd_expire(spd, NOW + 9, on_expire, &x), 0);
	assert_int_equal(x.n, 0);
	assert_int_equal(spd_expire(spd, NOW + 10, on_expire, &x), 1);
	assert_int_equal(x.n, 1);
	assert_int_equal(x.ids[0], a);
	assert_null(spd_find_id(spd, a));
	assert_int_equal(spd_next_deadline(spd), NOW + 20);
	/* Use does not extend an add-time limit. */
	{
		struct spd_selector k = pkt("10.0.0.1", "10.0.0.3", 6, 1, 1);

		assert_int_equal(spd_lookup(spd, OUT, &k, NOW + 15)->id, b);
	}
	assert_int_equal(spd_next_deadline(spd), NOW + 20);
	assert_int_equal(spd_expire(spd, NOW + 100, on_expire, &x), 1);
	assert_int_equal(x.ids[1], b);
	assert_int_equal(spd_count(spd), 1);
	assert_int_equal(spd_next_deadline(spd), UINT64_MAX);
	spd_free(spd);
}

static void test_expire_usetime(void **state)
{
	struct spd *spd = new_spd();
	struct pspec s = spec(sel("10.0.0.1", 32, "10.0.0.2", 32, ANY, 0, 0),
			      OUT, IPSEC_POLICY_NONE, 0);
	struct spd_selector k = pkt("10.0.0.1", "10.0.0.2", 6, 1, 1);
	struct expired x = { .n = 0 };
	const struct spd_policy *p;
	uint32_t id, id2;
	struct tmsg t;

	(void)state;
	s.usetime = 10;
	p = add_ok(spd, &s, NOW);
	id = p->id;
	/* Unused: counted from creation. */
	assert_int_equal(spd_next_deadline(spd), NOW + 10);
	assert_ptr_equal(spd_lookup(spd, OUT, &k, NOW + 5), p);
	assert_int_equal(p->lastused, NOW + 5);
	assert_int_equal(spd_next_deadline(spd), NOW + 15);
	assert_ptr_equal(spd_lookup(spd, OUT, &k, NOW + 8), p);
	/* An earlier clock never moves the use time back. */
	assert_ptr_equal(spd_lookup(spd, OUT, &k, NOW + 2), p);
	assert_int_equal(p->lastused, NOW + 8);
	assert_int_equal(spd_expire(spd, NOW + 17, on_expire, &x), 0);
	assert_int_equal(spd_next_deadline(spd), NOW + 18);
	/* Both limits: the earlier one counts. */
	s.sel.dplen = 31;
	s.addtime = 12;
	s.usetime = 100;
	id2 = add_ok(spd, &s, NOW + 1)->id;
	assert_int_equal(spd_next_deadline(spd), NOW + 13);
	assert_int_equal(spd_expire(spd, NOW + 13, on_expire, &x), 1);
	assert_int_equal(x.ids[0], id2);
	assert_int_equal(spd_expire(spd, NOW + 18, on_expire, &x), 1);
	assert_int_equal(x.ids[1], id);
	assert_int_equal(spd_count(spd), 0);

	/* SPDUPDATE restarts the lifetimes; delete unschedules. */
	s.addtime = 5;
	s.usetime = 0;
	add_ok(spd, &s, NOW);
	assert_int_equal(spd_next_deadline(spd), NOW + 5);
	s.addtime = 50;
	assert_int_equal(spd_update(spd, mk(&t, SADB_X_SPDUPDATE, &s), NOW + 1,
				    &p, NULL), 0);
	assert_int_equal(spd_next_deadline(spd), NOW + 51);
	s.addtime = 0;
	assert_int_equal(spd_update(spd, mk(&t, SADB_X_SPDUPDATE, &s), NOW + 1,
				    &p, NULL), 0);
	assert_int_equal(spd_next_deadline(spd), UINT64_MAX);
	s.addtime = 7;
	s.sel.dplen = 29;
	add_ok(spd, &s, NOW);
	{
		struct spd_policy *out;

		assert_int_equal(spd_delete(spd, mk(&t, SADB_X_SPDDELETE, &s),
					    &out, NULL), 0);
		spd_policy_free(spd, out);
	}
	assert_int_equal(spd_next_deadline(spd), UINT64_MAX);
	assert_int_equal(spd_expire(spd, UINT64_MAX - 1, NULL, NULL), 0);
	spd_free(spd);
}

/* Many deadlines: expiry comes out in time order. */
static void test_expire_many(void **state)
{
	enum { N = 2000 };
	struct spd *spd = new_spd();
	struct pspec s = spec(sel("10.0.0.1", 32, "10.0.0.2", 32, ANY, 0, 0),
			      OUT, IPSEC_POLICY_NONE, 0);
	uint64_t last = 0;
	size_t total = 0;

	(void)state;
	rng_state = 99;
	for (int i = 0; i < N; i++) {
		s.sel.dport = htons((uint16_t)(i + 1));
		s.addtime = 1 + rnd() % 1000;
		s.usetime = rnd() % 2 ? 1 + rnd() % 1000 : 0;
		add_ok(spd, &s, NOW);
	}
	for (int i = 0; i < N; i += 7) {
		struct spd_selector k = pkt("10.0.0.1", "10.0.0.2", 6, 1,
					    (uint16_t)(i + 1));

		spd_lookup(spd, OUT, &k, NOW + 1 + rnd() % 300);
	}
	while (spd_count(spd) > 0) {
		uint64_t t = spd_next_deadline(spd);
		size_t n;

		assert_true(t >= last);
		assert_true(t != UINT64_MAX);
		assert_int_equal(spd_expire(spd, t - 1, NULL, NULL), 0);
		n = spd_expire(spd, t, NULL, NULL);
		assert_true(n >= 1);
		total += n;
		last = t;
	}
	assert_int_equal(total, N);
	spd_free(spd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_get),
		cmocka_unit_test(test_add_duplicate),
		cmocka_unit_test(test_add_bad_dir),
		cmocka_unit_test(test_too_many_requests),
		cmocka_unit_test(test_types_and_endpoints),
		cmocka_unit_test(test_update_keeps_id),
		cmocka_unit_test(test_delete_by_selector),
		cmocka_unit_test(test_delete_get_by_id),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_cursor_under_change),
		cmocka_unit_test(test_write_policy),
		cmocka_unit_test(test_auto_reqid),
		cmocka_unit_test(test_lookup_priority_specificity),
		cmocka_unit_test(test_lookup_ports_dirs_v6),
		cmocka_unit_test(test_lookup_random_small),
		cmocka_unit_test(test_lookup_random_100k),
		cmocka_unit_test(test_lookup_wide_ports),
		cmocka_unit_test(test_expire_addtime),
		cmocka_unit_test(test_expire_usetime),
		cmocka_unit_test(test_expire_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
