/*
 * test_mutate.c - a deterministic mutator over every codec fixture.
 *
 * Each fixture (the real kernel messages of fixtures_kernel.c and every
 * message of fixtures_build_all()) is mutated in fixed ways, with a fixed
 * seed where randomness is used, so a failure reproduces exactly:
 *
 *   bitflip     every bit (messages up to 300 bytes; sampled above)
 *   byte        every byte set to 0x00, 0xff and a random value
 *   field16     every aligned 16-bit field (lengths, types, families...)
 *               set to 0, 1, 0xff, 0x7fff, 0xffff and its value +-1
 *   family      every AF_INET made AF_INET6 and back, resized to match
 *   truncate    every shorter length, with and without sadb_msg_len fixed
 *   msglen      sadb_msg_len set to 0, 1, len-1, len+1, 0xffff
 *   extlen      each sadb_ext_len set to 0, 1, len-1, len+1, 0xffff, and
 *               grown or shrunk by a word with the message kept consistent
 *   dup         each extension repeated right after itself
 *   drop        each extension removed
 *   swap        every pair of extensions exchanged
 *   garbage     a word of zeros, ones, random bytes or a fake extension
 *               header inserted at every 8-byte boundary
 *   stacked     several of the above at once, at random
 *
 * Every mutant is copied into a heap block of exactly its length, so that
 * AddressSanitizer sees any read past its end, and goes through
 * pk_msg_parse(), then, if accepted, pk_msg_check() and every accessor.
 * The invariants: the parser returns 0, -EINVAL or -EMSGSIZE; a refusal
 * fills the diagnostic completely (errno, a code with a text, a detail,
 * an offset inside the message) and leaves no extension table behind; an
 * acceptance yields a table whose every extension lies inside the message
 * and whose accessors stay inside their extension.  Where the original is
 * valid some mutations have a known outcome (a duplicate or a zero length
 * is refused with its own diagnostic, a swap or a drop is accepted, a
 * wrong sadb_msg_len is EMSGSIZE) and that is asserted too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "pfkey/msg.h"

#define MAX_FIXTURES	256
#define MAX_EXTS	64
#define KERNEL_FIXTURES	10	/* first in the corpus, then the built ones */
#define SCRATCH		(2 * sizeof(((struct fixture *)0)->buf) + 64)
#define FULL_LIMIT	300	/* bytes: every bit and byte below this */
#define SAMPLES		2400	/* bit flips above it, a third as many bytes */
#define STACKED		10000	/* stacked random mutants per fixture */
#define SEED		UINT64_C(0x5eed0f9f4b3e2d1c)

/* ------------------------------------------------------------ the PRNG */

/* splitmix64: tiny, fast, and the same sequence on every machine. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static size_t rng_below(uint64_t *s, size_t n)
{
	return n == 0 ? 0 : (size_t)(rng_next(s) % n);
}

/* --------------------------------------------------------- the corpus */

/* A fixture and what its unmutated self looks like. */
struct orig {
	const struct fixture *fx;
	bool		ok;		/* pk_msg_parse() accepts it */
	uint64_t	present;
	size_t		n;		/* extensions the walk found */
	size_t		off[MAX_EXTS];
	size_t		bytes[MAX_EXTS];
};

struct corpus {
	struct fixture	*f;
	struct orig	*o;
	size_t		n;
};

static void add_fixture(struct corpus *c, const char *name, const void *buf,
			size_t len)
{
	struct fixture *f = &c->f[c->n++];

	assert_true(c->n <= MAX_FIXTURES);
	assert_true(len <= sizeof(f->buf));
	memset(f, 0, sizeof(*f));
	f->name = name;
	memcpy(f->buf, buf, len);
	f->len = len;
}

static void describe(struct orig *o)
{
	const struct fixture *f = o->fx;
	const struct sadb_ext *e;
	size_t off = sizeof(struct sadb_msg), bytes;
	struct pk_msg m;

	o->ok = pk_msg_parse(&m, f->buf, f->len, NULL) == 0;
	o->present = m.present;
	o->n = 0;
	while (o->n < MAX_EXTS &&
	       pk_ext_next(f->buf, f->len, &off, &e, &bytes) == 1) {
		o->off[o->n] = (size_t)((const uint8_t *)e - f->buf);
		o->bytes[o->n] = bytes;
		o->n++;
	}
}

static int corpus_setup(void **state)
{
	struct corpus *c = calloc(1, sizeof(*c));
	uint8_t sent[136];
	uint16_t words = 17;

	if (c == NULL)
		return -1;
	c->f = calloc(MAX_FIXTURES, sizeof(*c->f));
	c->o = calloc(MAX_FIXTURES, sizeof(*c->o));
	if (c->f == NULL || c->o == NULL)
		return -1;
	add_fixture(c, "kernel_add_request (as dumped)", kernel_add_request,
		    kernel_add_request_len);
	/* The dump was taken before the client set sadb_msg_len (17). */
	memcpy(sent, kernel_add_request, sizeof(sent));
	memcpy(sent + offsetof(struct sadb_msg, sadb_msg_len), &words,
	       sizeof(words));
	add_fixture(c, "kernel_add_request (as sent)", sent, sizeof(sent));
	add_fixture(c, "kernel_get_reply", kernel_get_reply,
		    kernel_get_reply_len);
	add_fixture(c, "kernel_add_eexist_reply", kernel_add_eexist_reply,
		    kernel_add_eexist_reply_len);
	add_fixture(c, "kernel_get_esrch_reply", kernel_get_esrch_reply,
		    kernel_get_esrch_reply_len);
	add_fixture(c, "kernel_add_einval_100_reply",
		    kernel_add_einval_100_reply,
		    kernel_add_einval_100_reply_len);
	add_fixture(c, "kernel_add_einval_64_reply", kernel_add_einval_64_reply,
		    kernel_add_einval_64_reply_len);
	add_fixture(c, "kernel_add_einval_bits_reply",
		    kernel_add_einval_bits_reply,
		    kernel_add_einval_bits_reply_len);
	add_fixture(c, "kernel_get_after_delete_reply",
		    kernel_get_after_delete_reply,
		    kernel_get_after_delete_reply_len);
	add_fixture(c, "kernel_dump_empty_reply", kernel_dump_empty_reply,
		    kernel_dump_empty_reply_len);
	assert_int_equal(c->n, KERNEL_FIXTURES);
	c->n += fixtures_build_all(c->f + c->n, MAX_FIXTURES - c->n);
	for (size_t i = 0; i < c->n; i++) {
		c->o[i].fx = &c->f[i];
		describe(&c->o[i]);
	}
	*state = c;
	return 0;
}

static int corpus_teardown(void **state)
{
	struct corpus *c = *state;

	free(c->f);
	free(c->o);
	free(c);
	return 0;
}

/* ------------------------------------------------- running one mutant */

enum expect {
	EXPECT_ANY,		/* only the invariants */
	EXPECT_ACCEPT,		/* parses, with present == want_present */
	EXPECT_REFUSE,		/* refused: want_rc, want_code, want_off */
};

struct stats {
	unsigned long	mutants, accepted, refused;
	unsigned long	check_ok, check_refused, reencoded;
	uint8_t		codes[256 / 8];	/* diagnostics seen */
};

/* One mutant, what is known of its fate, and where it came from. */
struct mutant {
	const struct orig *o;
	const char	*kind;
	size_t		pos;
	unsigned	arg;
	const uint8_t	*data;
	size_t		len;
	enum expect	expect;
	int		want_rc;
	uint16_t	want_code;	/* 0: any */
	long		want_off;	/* -1: any */
	uint64_t	want_present;
};

struct run {
	struct stats	st;
	bool		reencode;
	uint64_t	rng;
	uint8_t		buf[SCRATCH] __attribute__((aligned(8)));
};

static void violation(const struct mutant *x, const char *what,
		      const char *file, int line)
{
	print_error("invariant violated: %s\n  fixture \"%s\", mutation %s "
		    "at %zu (arg %u), %zu bytes:\n", what, x->o->fx->name,
		    x->kind, x->pos, x->arg, x->len);
	for (size_t i = 0; i < x->len && i < 512; i += 16) {
		print_error("  %04zx:", i);
		for (size_t j = i; j < i + 16 && j < x->len; j++)
			print_error(" %02x", x->data[j]);
		print_error("\n");
	}
	_fail(file, line);
}

#define CHECK(x, cond) do { \
	if (!(cond)) \
		violation((x), #cond, __FILE__, __LINE__); \
} while (0)

/* A refusal says everything about itself. */
static void check_diag(const struct mutant *x, const struct pk_diag *d,
		       int rc)
{
	CHECK(x, d->err == -rc);
	CHECK(x, d->code != 0);
	CHECK(x, pk_diag_text(d->code) != NULL);
	CHECK(x, d->field != NULL);
	CHECK(x, memchr(d->detail, '\0', sizeof(d->detail)) != NULL);
	CHECK(x, d->detail[0] != '\0');
	CHECK(x, d->offset <= x->len);
	CHECK(x, d->ext_type <= SADB_PFKEY_EXT_MAX || d->code ==
	      SADB_X_DIAGNOSTIC_UNKNOWN_EXT || d->code ==
	      SADB_X_DIAGNOSTIC_BAD_EXTLEN);
}

static void check_address(const struct mutant *x, const struct sadb_ext *e,
			  size_t bytes)
{
	const struct sadb_address *a = (const void *)e;
	struct sockaddr_storage ss;
	size_t salen = pk_address_sockaddr(a, &ss);

	CHECK(x, salen == pk_sockaddr_len(ss.ss_family));
	CHECK(x, salen != 0);
	CHECK(x, sizeof(*a) + salen <= bytes);
	CHECK(x, a->sadb_address_prefixlen <=
	      pk_family_maxprefix(ss.ss_family));
}

static void check_key_ext(const struct mutant *x, const struct sadb_ext *e,
			  size_t bytes)
{
	const struct sadb_key *k = (const void *)e;
	size_t n = ((size_t)k->sadb_key_bits + 7) / 8;
	const uint8_t *p = pk_key_data(k);
	volatile uint8_t sink = 0;

	CHECK(x, sizeof(*k) + n <= bytes);
	for (size_t i = 0; i < n; i++)
		sink ^= p[i];
	(void)sink;
}

static void check_supported_ext(const struct mutant *x,
				const struct sadb_ext *e, size_t bytes)
{
	const struct sadb_supported *s = (const void *)e;
	size_t n = pk_supported_count(s);

	CHECK(x, sizeof(*s) + n * sizeof(struct sadb_alg) <= bytes);
	for (size_t i = 0; i < n; i++) {
		struct sadb_alg a = pk_supported_alg(s, i);

		CHECK(x, a.sadb_alg_minbits <= a.sadb_alg_maxbits);
	}
}

static void check_policy_ext(const struct mutant *x, const struct sadb_ext *e,
			     size_t bytes)
{
	const struct sadb_x_policy *p = (const void *)e;
	const struct sadb_x_ipsecrequest *r = NULL;
	size_t rounds = 0;

	while ((r = pk_policy_next_request(p, r)) != NULL) {
		size_t at = (size_t)((const uint8_t *)r - (const uint8_t *)p);
		struct sockaddr_storage src, dst;
		size_t rlen;

		CHECK(x, ++rounds <= bytes / sizeof(*r));
		CHECK(x, at >= sizeof(*p));
		CHECK(x, at + sizeof(*r) <= bytes);
		rlen = r->sadb_x_ipsecrequest_len;
		CHECK(x, rlen >= sizeof(*r));
		CHECK(x, at + rlen <= bytes);
		if (pk_request_endpoints(r, &src, &dst) == 1) {
			size_t salen = pk_sockaddr_len(src.ss_family);

			CHECK(x, salen != 0);
			CHECK(x, src.ss_family == dst.ss_family);
			CHECK(x, sizeof(*r) + 2 * salen <= rlen);
		} else {
			CHECK(x, rlen == sizeof(*r));
		}
	}
}

static void check_ident_ext(const struct mutant *x, const struct sadb_ext *e,
			    size_t bytes)
{
	const struct sadb_ident *i = (const void *)e;
	size_t slen = bytes - sizeof(*i);

	if (slen > 0 && i->sadb_ident_type != SADB_X_IDENTTYPE_DN &&
	    i->sadb_ident_type != SADB_X_IDENTTYPE_GN)
		CHECK(x, memchr(i + 1, '\0', slen) != NULL);
}

/* An accepted message: its table, its accessors, its request rules. */
static void check_accepted(const struct mutant *x, const uint8_t *buf,
			   const struct pk_msg *m, struct stats *st)
{
	const struct pk_msg_rule *rule;
	struct pk_diag d;
	size_t sum = 0;
	int rc;

	CHECK(x, m->hdr == (const void *)buf);
	CHECK(x, m->len == x->len);
	CHECK(x, x->len >= sizeof(struct sadb_msg));
	CHECK(x, x->len % SADB_ALIGN == 0);
	CHECK(x, SADB_BYTES(m->hdr->sadb_msg_len) == x->len);
	CHECK(x, m->hdr->sadb_msg_version == PF_KEY_V2);
	CHECK(x, pk_msg_rule(m->hdr->sadb_msg_type) != NULL);
	CHECK(x, (m->present & ~(PK_EXT_BIT(SADB_PFKEY_EXT_MAX + 1) - 1)) == 0);
	for (unsigned t = 0; t <= SADB_PFKEY_EXT_MAX; t++) {
		const struct sadb_ext *e = m->ext[t];
		const struct pk_ext_info *info;
		size_t off, bytes;

		CHECK(x, ((m->present >> t) & 1) == (e != NULL));
		if (e == NULL)
			continue;
		info = pk_ext_info(t);
		CHECK(x, info != NULL);
		CHECK(x, (const uint8_t *)e >= buf + sizeof(struct sadb_msg));
		CHECK(x, (const uint8_t *)e + sizeof(*e) <= buf + x->len);
		off = (size_t)((const uint8_t *)e - buf);
		bytes = SADB_BYTES(e->sadb_ext_len);
		CHECK(x, off % SADB_ALIGN == 0);
		CHECK(x, e->sadb_ext_type == t);
		CHECK(x, bytes >= info->min_len);
		CHECK(x, bytes <= x->len - off);
		sum += bytes;
		switch (info->kind) {
		case PK_EK_ADDRESS:
			check_address(x, e, bytes);
			break;
		case PK_EK_KEY:
			check_key_ext(x, e, bytes);
			break;
		case PK_EK_SUPPORTED:
			check_supported_ext(x, e, bytes);
			break;
		case PK_EK_POLICY:
			check_policy_ext(x, e, bytes);
			break;
		case PK_EK_IDENT:
			check_ident_ext(x, e, bytes);
			break;
		default:
			break;
		}
	}
	/* Nothing unaccounted for: no trailing bytes, no hidden duplicate. */
	CHECK(x, sum == x->len - sizeof(struct sadb_msg));

	rule = pk_msg_rule(m->hdr->sadb_msg_type);
	rc = pk_msg_check(m, &d);
	CHECK(x, rc == 0 || rc == -EINVAL || rc == -EOPNOTSUPP);
	if (rc == 0) {
		st->check_ok++;
		CHECK(x, rule->request);
		CHECK(x, (m->present & ~rule->allowed) == 0);
		CHECK(x, (rule->required & ~m->present) == 0);
		CHECK(x, d.err == 0);
	} else {
		st->check_refused++;
		check_diag(x, &d, rc);
		CHECK(x, rc != -EOPNOTSUPP || !rule->request);
	}
}

/* Copies every extension, in type order, into a new message. */
static void reencode(const struct mutant *x, const struct pk_msg *m,
		     struct stats *st)
{
	uint8_t *out = malloc(x->len);
	struct pk_msg m2;
	struct pk_diag d;
	struct pk_buf b;
	int rc;

	CHECK(x, out != NULL);
	pk_buf_init(&b, out, x->len);
	CHECK(x, pk_msg_begin(&b, m->hdr->sadb_msg_type,
			      m->hdr->sadb_msg_satype, m->hdr->sadb_msg_seq,
			      m->hdr->sadb_msg_pid) == 0);
	for (unsigned t = 0; t <= SADB_PFKEY_EXT_MAX; t++)
		if (m->ext[t] != NULL)
			CHECK(x, pk_ext_copy(&b, m->ext[t]) == 0);
	CHECK(x, pk_buf_error(&b) == 0);
	CHECK(x, b.len == x->len);
	rc = pk_msg_parse(&m2, out, b.len, &d);
	if (rc != 0)
		print_error("re-encoded message refused: %s\n", d.detail);
	CHECK(x, rc == 0);
	CHECK(x, m2.present == m->present);
	for (unsigned t = 0; t <= SADB_PFKEY_EXT_MAX; t++)
		if (m->ext[t] != NULL)
			CHECK(x, memcmp(m2.ext[t], m->ext[t], SADB_BYTES(
					m->ext[t]->sadb_ext_len)) == 0);
	st->reencoded++;
	free(out);
}

static void run_mutant(struct run *r, struct mutant *x)
{
	/* Exactly the mutant's length: a byte more would hide an over-read. */
	uint8_t *buf = malloc(x->len > 0 ? x->len : 1);
	struct pk_msg m;
	struct pk_diag d;
	int rc;

	CHECK(x, buf != NULL);
	memcpy(buf, x->data, x->len);
	r->st.mutants++;
	rc = pk_msg_parse(&m, buf, x->len, &d);
	CHECK(x, rc == 0 || rc == -EINVAL || rc == -EMSGSIZE);
	if (rc == 0) {
		r->st.accepted++;
		CHECK(x, d.err == 0);
		CHECK(x, x->expect != EXPECT_REFUSE);
		if (x->expect == EXPECT_ACCEPT)
			CHECK(x, m.present == x->want_present);
		check_accepted(x, buf, &m, &r->st);
		if (r->reencode)
			reencode(x, &m, &r->st);
	} else {
		r->st.refused++;
		r->st.codes[d.code / 8 % sizeof(r->st.codes)] |=
			(uint8_t)(1u << (d.code % 8));
		CHECK(x, x->expect != EXPECT_ACCEPT);
		check_diag(x, &d, rc);
		CHECK(x, m.hdr == NULL);
		CHECK(x, m.present == 0);
		if (x->expect == EXPECT_REFUSE) {
			CHECK(x, rc == x->want_rc);
			CHECK(x, x->want_code == 0 || d.code == x->want_code);
			CHECK(x, x->want_off < 0 ||
			      d.offset == (unsigned long)x->want_off);
		}
	}
	free(buf);
}

static void emit(struct run *r, const struct orig *o, const char *kind,
		 size_t pos, unsigned arg, size_t len)
{
	struct mutant x = {
		.o = o, .kind = kind, .pos = pos, .arg = arg,
		.data = r->buf, .len = len, .expect = EXPECT_ANY,
		.want_off = -1,
	};

	run_mutant(r, &x);
}

static void emit_accept(struct run *r, const struct orig *o, const char *kind,
			size_t pos, unsigned arg, size_t len, uint64_t present)
{
	struct mutant x = {
		.o = o, .kind = kind, .pos = pos, .arg = arg,
		.data = r->buf, .len = len, .expect = EXPECT_ANY,
		.want_off = -1,
	};

	if (o->ok) {
		x.expect = EXPECT_ACCEPT;
		x.want_present = present;
	}
	run_mutant(r, &x);
}

static void emit_refuse(struct run *r, const struct orig *o, const char *kind,
			size_t pos, unsigned arg, size_t len, int rc,
			uint16_t code, long off)
{
	struct mutant x = {
		.o = o, .kind = kind, .pos = pos, .arg = arg,
		.data = r->buf, .len = len, .expect = EXPECT_ANY,
		.want_off = -1,
	};

	if (o->ok) {
		x.expect = EXPECT_REFUSE;
		x.want_rc = rc;
		x.want_code = code;
		x.want_off = off;
	}
	run_mutant(r, &x);
}

/* ----------------------------------------------------- byte surgery */

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Makes sadb_msg_len agree with len (rounded down to words). */
static void fix_msg_len(uint8_t *buf, size_t len)
{
	if (len >= offsetof(struct sadb_msg, sadb_msg_len) + 2)
		put16(buf + offsetof(struct sadb_msg, sadb_msg_len),
		      (uint16_t)(len / SADB_ALIGN));
}

/* Inserts n bytes at pos of buf holding *len bytes (cap SCRATCH). */
static bool insert(uint8_t *buf, size_t *len, size_t pos, const void *src,
		   size_t n)
{
	if (*len + n > SCRATCH || pos > *len)
		return false;
	memmove(buf + pos + n, buf + pos, *len - pos);
	memcpy(buf + pos, src, n);
	*len += n;
	return true;
}

static void cut(uint8_t *buf, size_t *len, size_t pos, size_t n)
{
	memmove(buf + pos, buf + pos + n, *len - pos - n);
	*len -= n;
}

static void load(struct run *r, const struct orig *o)
{
	memcpy(r->buf, o->fx->buf, o->fx->len);
}

/* ------------------------------------------------------ the mutators */

static void mut_bitflip(struct run *r, const struct orig *o)
{
	size_t len = o->fx->len, bits = len * 8;
	bool all = len <= FULL_LIMIT;
	size_t n = all ? bits : SAMPLES;

	for (size_t i = 0; i < n; i++) {
		size_t bit = all ? i : rng_below(&r->rng, bits);

		load(r, o);
		r->buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		emit(r, o, "bitflip", bit / 8, (unsigned)(bit % 8), len);
	}
}

static void mut_byte(struct run *r, const struct orig *o)
{
	size_t len = o->fx->len;
	bool all = len <= FULL_LIMIT;
	size_t n = all ? len : SAMPLES / 3;

	for (size_t i = 0; i < n; i++) {
		size_t pos = all ? i : rng_below(&r->rng, len);
		uint8_t vals[3] = { 0x00, 0xff, (uint8_t)rng_next(&r->rng) };

		for (size_t v = 0; v < 3; v++) {
			if (o->fx->buf[pos] == vals[v])
				continue;
			load(r, o);
			r->buf[pos] = vals[v];
			emit(r, o, "byte", pos, vals[v], len);
		}
	}
}

static void mut_field16(struct run *r, const struct orig *o)
{
	size_t len = o->fx->len;

	for (size_t pos = 0; pos + 2 <= len; pos += 2) {
		uint16_t cur = get16(o->fx->buf + pos);
		const uint16_t vals[] = {
			0, 1, 0xff, 0x7fff, 0xffff, (uint16_t)(cur + 1),
			(uint16_t)(cur - 1),
		};

		for (size_t v = 0; v < sizeof(vals) / sizeof(vals[0]); v++) {
			if (vals[v] == cur)
				continue;
			load(r, o);
			put16(r->buf + pos, vals[v]);
			emit(r, o, "field16", pos, vals[v], len);
		}
	}
}

/*
 * Every 16-bit value 2 (AF_INET) or 10 (AF_INET6) inside an extension is
 * taken for a sockaddr family and switched to the other family, with the
 * extension and the message grown or shrunk by the 16 bytes that makes:
 * an IPv4 address becomes a well-formed IPv6 one, a source no longer
 * matches its destination, a KMADDRESS pair mixes families.
 */
static void mut_family(struct run *r, const struct orig *o)
{
	static const uint8_t zero[16];

	for (size_t i = 0; i < o->n; i++) {
		size_t off = o->off[i], bytes = o->bytes[i];

		for (size_t pos = off + 4; pos + 2 <= off + bytes; pos += 2) {
			uint16_t fam = get16(o->fx->buf + pos);
			uint16_t words = (uint16_t)(bytes / SADB_ALIGN);
			size_t n = o->fx->len;

			if (fam != AF_INET && fam != AF_INET6)
				continue;
			load(r, o);
			if (fam == AF_INET) {
				if (!insert(r->buf, &n, pos + 16, zero, 16))
					continue;
				put16(r->buf + off, (uint16_t)(words + 2));
			} else {
				if (pos + 32 > off + bytes)
					continue;
				cut(r->buf, &n, pos + 16, 16);
				put16(r->buf + off, (uint16_t)(words - 2));
			}
			put16(r->buf + pos, fam == AF_INET ? AF_INET6 : AF_INET);
			fix_msg_len(r->buf, n);
			emit(r, o, "family", pos, fam, n);
		}
	}
}

/* Is a message cut at len bytes made of whole extensions? */
static bool at_boundary(const struct orig *o, size_t len)
{
	if (len == sizeof(struct sadb_msg))
		return true;
	for (size_t i = 0; i < o->n; i++)
		if (o->off[i] + o->bytes[i] == len)
			return true;
	return false;
}

static uint16_t ext_type(const struct orig *o, size_t i)
{
	return get16(o->fx->buf + o->off[i] + 2);
}

/* The extensions of a message cut at len bytes. */
static uint64_t present_below(const struct orig *o, size_t len)
{
	uint64_t p = 0;

	for (size_t i = 0; i < o->n; i++)
		if (o->off[i] + o->bytes[i] <= len)
			p |= PK_EXT_BIT(ext_type(o, i));
	return p;
}

static void mut_truncate(struct run *r, const struct orig *o)
{
	size_t len = o->fx->len;

	for (size_t n = 0; n < len; n++) {
		load(r, o);
		/* The header still claims the whole message. */
		emit_refuse(r, o, "truncate", n, 0, n, -EMSGSIZE, 0, -1);
		if (n < sizeof(struct sadb_msg) || n % SADB_ALIGN != 0)
			continue;
		fix_msg_len(r->buf, n);
		if (at_boundary(o, n))
			emit_accept(r, o, "truncate+len", n, 0, n,
				    present_below(o, n));
		else
			emit_refuse(r, o, "truncate+len", n, 0, n, -EINVAL,
				    SADB_X_DIAGNOSTIC_BAD_EXTLEN, -1);
	}
}

static void mut_msglen(struct run *r, const struct orig *o)
{
	size_t len = o->fx->len;
	uint16_t cur = len >= 6 ? get16(o->fx->buf + 4) : 0;
	const uint16_t vals[] = {
		0, 1, (uint16_t)(cur - 1), (uint16_t)(cur + 1), 0xffff,
	};

	for (size_t v = 0; v < sizeof(vals) / sizeof(vals[0]); v++) {
		if (vals[v] == cur)
			continue;
		load(r, o);
		put16(r->buf + 4, vals[v]);	/* sadb_msg_len */
		emit_refuse(r, o, "msglen", 4, vals[v], len, -EMSGSIZE,
			    0, offsetof(struct sadb_msg, sadb_msg_len));
	}
}

static void mut_extlen(struct run *r, const struct orig *o)
{
	size_t len = o->fx->len;
	static const uint8_t zero[8];

	for (size_t i = 0; i < o->n; i++) {
		size_t off = o->off[i], bytes = o->bytes[i], n;
		uint16_t cur = (uint16_t)(bytes / SADB_ALIGN);
		const uint16_t vals[] = {
			0, 1, (uint16_t)(cur - 1), (uint16_t)(cur + 1), 0xffff,
		};

		for (size_t v = 0; v < sizeof(vals) / sizeof(vals[0]); v++) {
			if (vals[v] == cur)
				continue;
			load(r, o);
			put16(r->buf + off, vals[v]);
			if (vals[v] == 0 || vals[v] == 0xffff ||
			    (off + bytes == len && vals[v] > cur))
				emit_refuse(r, o, "extlen", off, vals[v], len,
					    -EINVAL,
					    SADB_X_DIAGNOSTIC_BAD_EXTLEN,
					    (long)off);
			else
				emit(r, o, "extlen", off, vals[v], len);
		}
		/* One word more, of zeros, and the message grown to match. */
		load(r, o);
		n = len;
		if (insert(r->buf, &n, off + bytes, zero, sizeof(zero))) {
			put16(r->buf + off, (uint16_t)(cur + 1));
			fix_msg_len(r->buf, n);
			emit(r, o, "extlen-grow", off, cur + 1u, n);
		}
		/* One word less, cut from the extension's end. */
		if (cur > 1) {
			load(r, o);
			n = len;
			cut(r->buf, &n, off + bytes - SADB_ALIGN, SADB_ALIGN);
			put16(r->buf + off, (uint16_t)(cur - 1));
			fix_msg_len(r->buf, n);
			emit(r, o, "extlen-shrink", off, cur - 1u, n);
		}
	}
}

static void mut_dup(struct run *r, const struct orig *o)
{
	for (size_t i = 0; i < o->n; i++) {
		size_t off = o->off[i], bytes = o->bytes[i], n = o->fx->len;
		const struct sadb_ext *e = (const void *)(o->fx->buf + off);
		const struct pk_ext_info *info = pk_ext_info(e->sadb_ext_type);

		load(r, o);
		if (!insert(r->buf, &n, off + bytes, o->fx->buf + off, bytes))
			continue;
		fix_msg_len(r->buf, n);
		emit_refuse(r, o, "dup", off, e->sadb_ext_type, n, -EINVAL,
			    info != NULL ? info->diag_duplicate : 0,
			    (long)(off + bytes));
	}
}

static void mut_drop(struct run *r, const struct orig *o)
{
	for (size_t i = 0; i < o->n; i++) {
		size_t off = o->off[i], n = o->fx->len;
		const struct sadb_ext *e = (const void *)(o->fx->buf + off);

		load(r, o);
		cut(r->buf, &n, off, o->bytes[i]);
		fix_msg_len(r->buf, n);
		emit_accept(r, o, "drop", off, e->sadb_ext_type, n,
			    o->present & ~PK_EXT_BIT(e->sadb_ext_type));
	}
}

/* Rebuilds the message with extensions i and j exchanged. */
static size_t swap_exts(struct run *r, const struct orig *o, size_t i,
			size_t j)
{
	const uint8_t *src = o->fx->buf;
	size_t at = sizeof(struct sadb_msg);

	memcpy(r->buf, src, at);
	for (size_t k = 0; k < o->n; k++) {
		size_t from = k == i ? j : k == j ? i : k;

		memcpy(r->buf + at, src + o->off[from], o->bytes[from]);
		at += o->bytes[from];
	}
	return at;
}

static void mut_swap(struct run *r, const struct orig *o)
{
	/* Only a message the walk covers entirely can be rebuilt. */
	if (o->n == 0 ||
	    o->off[o->n - 1] + o->bytes[o->n - 1] != o->fx->len)
		return;
	for (size_t i = 0; i < o->n; i++)
		for (size_t j = i + 1; j < o->n; j++) {
			size_t n = swap_exts(r, o, i, j);

			emit_accept(r, o, "swap", i, (unsigned)j, n,
				    o->present);
		}
}

static void mut_garbage(struct run *r, const struct orig *o)
{
	size_t len = o->fx->len;

	for (size_t pos = sizeof(struct sadb_msg); pos <= len;
	     pos += SADB_ALIGN) {
		uint8_t words[5][8] = {
			{ 0 },
			{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
			{ 0 },
			{ 1, 0, 0, 0, 0, 0, 0, 0 },	/* len 1, type 0 */
			{ 1, 0, 0, 0, 0, 0, 0, 0 },	/* len 1, a known type */
		};
		uint64_t v = rng_next(&r->rng);

		memcpy(words[2], &v, sizeof(v));
		words[4][2] = (uint8_t)(1 + rng_below(&r->rng,
						      SADB_PFKEY_EXT_MAX));
		for (size_t w = 0; w < 5; w++) {
			size_t n = len;

			load(r, o);
			if (!insert(r->buf, &n, pos, words[w], 8))
				continue;
			fix_msg_len(r->buf, n);
			if (w == 0 && at_boundary(o, pos))
				emit_refuse(r, o, "garbage", pos,
					    (unsigned)w, n, -EINVAL,
					    SADB_X_DIAGNOSTIC_BAD_EXTLEN,
					    (long)pos);
			else
				emit(r, o, "garbage", pos, (unsigned)w, n);
			/* And once without fixing the header. */
			if (w == 2) {
				put16(r->buf + 4, (uint16_t)(len / 8));
				emit_refuse(r, o, "garbage-nolen", pos, 2, n,
					    -EMSGSIZE, 0, -1);
			}
		}
	}
}

/* One random edit of r->buf (*len bytes); the source is the original. */
static void random_edit(struct run *r, const struct orig *o, size_t *len)
{
	uint64_t v = rng_next(&r->rng);
	size_t pos = rng_below(&r->rng, *len);
	size_t words = *len / SADB_ALIGN;

	switch (rng_below(&r->rng, 9)) {
	case 0:	/* a bit */
		if (*len > 0)
			r->buf[pos] ^= (uint8_t)(1u << (v % 8));
		break;
	case 1:	/* a byte */
		if (*len > 0)
			r->buf[pos] = (uint8_t)v;
		break;
	case 2:	/* a 16-bit field at an even offset: lengths, types */
		if (*len >= 2) {
			size_t p2 = pos & ~(size_t)1;

			if (p2 + 2 > *len)
				p2 = *len - 2;
			put16(r->buf + p2, (uint16_t)(v % 4 == 0 ? 0xffff :
						      v % 4 == 1 ? 0 : v % 64));
		}
		break;
	case 3:	/* insert a word */
		insert(r->buf, len, rng_below(&r->rng, words + 1) * SADB_ALIGN,
		       &v, sizeof(v));
		break;
	case 4:	/* delete a word */
		if (words > 2) {
			size_t w = 2 + rng_below(&r->rng, words - 2);

			cut(r->buf, len, w * SADB_ALIGN, SADB_ALIGN);
		}
		break;
	case 5:	/* truncate */
		*len = pos;
		break;
	case 6:	/* copy an extension of the original somewhere */
		if (o->n > 0) {
			size_t i = rng_below(&r->rng, o->n);

			insert(r->buf, len,
			       rng_below(&r->rng, words + 1) * SADB_ALIGN,
			       o->fx->buf + o->off[i], o->bytes[i]);
		}
		break;
	case 7:	/* an extension type changed to a known one */
		if (o->n > 0) {
			size_t i = rng_below(&r->rng, o->n);

			if (o->off[i] + 4 <= *len)
				put16(r->buf + o->off[i] + 2,
				      (uint16_t)(1 + v % SADB_PFKEY_EXT_MAX));
		}
		break;
	default: /* a random 32-bit value */
		if (*len >= 4) {
			size_t p4 = (pos & ~(size_t)3) > *len - 4 ?
				    *len - 4 : (pos & ~(size_t)3);

			memcpy(r->buf + p4, &v, 4);
		}
		break;
	}
}

static void mut_stacked(struct run *r, const struct orig *o)
{
	for (unsigned i = 0; i < STACKED; i++) {
		size_t n = o->fx->len;
		unsigned edits = 1 + (unsigned)rng_below(&r->rng, 4);

		load(r, o);
		for (unsigned e = 0; e < edits; e++)
			random_edit(r, o, &n);
		if (rng_next(&r->rng) % 2 == 0)
			fix_msg_len(r->buf, n);
		emit(r, o, "stacked", i, edits, n);
	}
}

/* --------------------------------------------------------- the tests */

typedef void (*mutator)(struct run *, const struct orig *);

static unsigned count_codes(const struct stats *st)
{
	unsigned n = 0;

	for (size_t i = 0; i < sizeof(st->codes); i++)
		n += (unsigned)__builtin_popcount(st->codes[i]);
	return n;
}

static void run_all(void **state, const char *name, mutator fn,
		    bool reencode)
{
	const struct corpus *c = *state;
	struct run *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->rng = SEED;
	r->reencode = reencode;
	for (size_t i = 0; i < c->n; i++)
		fn(r, &c->o[i]);
	print_message("# %-10s %zu fixtures: %lu mutants, %lu accepted "
		      "(%lu pass pk_msg_check, %lu refused by it), %lu refused "
		      "with %u distinct diagnostics\n", name, c->n,
		      r->st.mutants, r->st.accepted, r->st.check_ok,
		      r->st.check_refused, r->st.refused, count_codes(&r->st));
	if (reencode)
		print_message("# %-10s %lu accepted mutants re-encoded and "
			      "parsed again\n", name, r->st.reencoded);
	assert_true(r->st.mutants > 0);
	assert_int_equal(r->st.mutants, r->st.accepted + r->st.refused);
	free(r);
}

/* The mutator's expectations rest on the fixtures being what they say. */
static void test_originals(void **state)
{
	const struct corpus *c = *state;
	size_t built = 0;

	for (size_t i = 0; i < c->n; i++) {
		const struct orig *o = &c->o[i];
		bool as_dumped = i == 0;	/* sadb_msg_len 0 */
		const size_t end = o->n == 0 ? 0 : o->off[o->n - 1] +
						   o->bytes[o->n - 1];

		if (o->ok == as_dumped)
			print_error("fixture %s: parse %s\n", o->fx->name,
				    o->ok ? "accepted" : "refused");
		assert_true(o->ok != as_dumped);
		assert_true(o->n == 0 || end == o->fx->len);
		if (i >= KERNEL_FIXTURES)
			built++;
	}
	assert_true(built >= 30);
	print_message("# %zu fixtures (%zu from fixtures_build_all)\n", c->n,
		      built);
	for (size_t i = 0; i < c->n; i++)
		print_message("#   %4zu bytes, %2zu extensions: %s\n",
			      c->o[i].fx->len, c->o[i].n, c->o[i].fx->name);
}

#define MUTATOR_TEST(name) \
static void test_##name(void **state) \
{ \
	run_all(state, #name, mut_##name, false); \
}

MUTATOR_TEST(bitflip)
MUTATOR_TEST(byte)
MUTATOR_TEST(field16)
MUTATOR_TEST(family)
MUTATOR_TEST(truncate)
MUTATOR_TEST(msglen)
MUTATOR_TEST(extlen)
MUTATOR_TEST(dup)
MUTATOR_TEST(drop)
MUTATOR_TEST(swap)
MUTATOR_TEST(garbage)
MUTATOR_TEST(stacked)

/*
 * The size limits: a message of exactly 2^16-1 words (one huge
 * KMPRIVATE) parses and re-encodes; one more word, which sadb_msg_len
 * cannot express, is refused with EMSGSIZE.
 */
static void test_extremes(void **state)
{
	const size_t max = SADB_MSG_MAX_BYTES;
	uint8_t *big = calloc(1, max + SADB_ALIGN);
	struct run *r = calloc(1, sizeof(*r));
	struct fixture fx = { .name = "max-size", .len = 0 };
	struct orig o = { .fx = &fx, .ok = true };
	struct pk_buf b;
	struct mutant x = {
		.o = &o, .kind = "max-size", .data = big, .len = max,
		.expect = EXPECT_ACCEPT,
		.want_present = PK_EXT_BIT(SADB_X_EXT_KMPRIVATE),
		.want_off = -1,
	};

	(void)state;
	assert_non_null(big);
	assert_non_null(r);
	r->reencode = true;
	pk_buf_init(&b, big, max);
	pk_msg_begin(&b, SADB_X_SPDACQUIRE, 0, 1, 0);
	assert_non_null(pk_ext_reserve(&b, SADB_X_EXT_KMPRIVATE,
				       max - sizeof(struct sadb_msg)));
	assert_int_equal(pk_buf_error(&b), 0);
	assert_int_equal(b.len, max);
	assert_int_equal(pk_buf_msg(&b)->sadb_msg_len, UINT16_MAX);
	run_mutant(r, &x);
	assert_int_equal(r->st.accepted, 1);
	assert_int_equal(r->st.reencoded, 1);

	/* A word more: the builder refuses, and so does the parser. */
	assert_null(pk_ext_reserve(&b, SADB_X_EXT_KMPRIVATE, 8));
	assert_int_equal(pk_buf_error(&b), -ENOBUFS);
	x.len = max + SADB_ALIGN;
	x.kind = "over-size";
	x.expect = EXPECT_REFUSE;
	x.want_rc = -EMSGSIZE;
	x.want_code = SADB_X_DIAGNOSTIC_BAD_MSGLEN;
	run_mutant(r, &x);
	assert_int_equal(r->st.refused, 1);
	free(big);
	free(r);
}

/*
 * Lengths near SIZE_MAX must not wrap when pk_ext_reserve() rounds them to
 * words: they are refused, and nothing is written past the header of a
 * buffer with room for nothing more (AddressSanitizer watches its end).
 */
static void test_reserve_wrap(void **state)
{
	uint8_t *mem = malloc(sizeof(struct sadb_msg));
	uint8_t before[sizeof(struct sadb_msg)];

	(void)state;
	assert_non_null(mem);
	for (size_t k = 0; k < 2 * SADB_ALIGN; k++) {
		struct pk_buf b;

		pk_buf_init(&b, mem, sizeof(struct sadb_msg));
		assert_int_equal(pk_msg_begin(&b, SADB_X_SPDACQUIRE, 0, 1, 0), 0);
		memcpy(before, mem, sizeof(before));
		assert_null(pk_ext_reserve(&b, SADB_X_EXT_KMPRIVATE,
					   SIZE_MAX - k));
		assert_int_not_equal(pk_buf_error(&b), 0);
		assert_int_equal(b.len, sizeof(struct sadb_msg));
		assert_memory_equal(mem, before, sizeof(before));
	}
	free(mem);
}

/* Every accepted mutant, rebuilt with pk_ext_copy(), parses again. */
static void test_reencode(void **state)
{
	run_all(state, "reencode/bitflip", mut_bitflip, true);
	run_all(state, "reencode/byte", mut_byte, true);
	run_all(state, "reencode/field16", mut_field16, true);
	run_all(state, "reencode/family", mut_family, true);
	run_all(state, "reencode/swap", mut_swap, true);
	run_all(state, "reencode/drop", mut_drop, true);
	run_all(state, "reencode/extlen", mut_extlen, true);
	run_all(state, "reencode/stacked", mut_stacked, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_originals),
		cmocka_unit_test(test_bitflip),
		cmocka_unit_test(test_byte),
		cmocka_unit_test(test_field16),
		cmocka_unit_test(test_family),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_msglen),
		cmocka_unit_test(test_extlen),
		cmocka_unit_test(test_dup),
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_swap),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_stacked),
		cmocka_unit_test(test_reencode),
		cmocka_unit_test(test_extremes),
		cmocka_unit_test(test_reserve_wrap),
	};

	return cmocka_run_group_tests(tests, corpus_setup, corpus_teardown);
}
