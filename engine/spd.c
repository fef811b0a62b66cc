/*
 * spd.c - the Security Policy Database: records, indexes, rules, lookup.
 *
 * See spd.h for the indexes.  Every operation that changes the store first
 * reserves what it may need (table growth, a shape slot, a heap slot,
 * reqid map room), so that once it starts linking nothing can fail and no
 * refusal leaves a partial change.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "sadb.h"	/* sadb_siphash() */
#include "spd.h"

#define D(x)		SADB_X_DIAGNOSTIC_##x
#define MIN_BUCKETS	16U
#define NDIRS		3	/* in, out, fwd */
#define HUGE_BYTES	((size_t)2 << 20)
/* Records of a store this large or larger come from huge page chunks. */
#define POOL_FROM	8192U
#define CHUNK_RECS	((uint32_t)((HUGE_BYTES - sizeof(struct chunk)) / \
				    sizeof(struct spd_policy)))

/* Which parts of a selector are specific (not "any"). */
#define CLS_PROTO	4U
#define CLS_DPORT	2U
#define CLS_SPORT	1U

/* One shape of a (direction, family): see spd.h. */
struct shape {
	uint32_t	bound;		/* <= every priority of its policies */
	uint32_t	spec;		/* dplen << 16 | splen << 8 | cls */
	uint32_t	count;
};

struct shape_set {
	struct shape	*v;		/* sorted by bound, then spec desc */
	uint32_t	n, cap;
};

/* A selector table slot: the hash kept beside the pointer, so probes and
 * growth never touch a record whose hash differs. */
struct sel_slot {
	uint32_t		hash;
	struct spd_policy	*p;	/* NULL = empty */
};

struct reqid_slot {
	uint32_t	reqid;		/* 0 = empty */
	uint32_t	count;
};

/*
 * The records of a small store are malloc()ed one by one.  Once it holds
 * POOL_FROM policies, new records come from chunks of its own, each one
 * 2 MiB huge page: building a large store then takes a page fault per
 * 2 MiB rather than one per 4 KiB (most of the cost of an insert into a
 * large store was the kernel's), and records sit densely in the TLB.
 * Freed pooled records go to a free list (through next), reused first.
 */
struct chunk {
	struct chunk		*link;
	size_t			bytes;		/* this header included */
	uint32_t		n, used;	/* records, handed out */
	struct spd_policy	rec[];
};

struct spd {
	struct sel_slot		*sel_tab;	/* linear probing, by hash */
	struct sel_slot		*id_tab;	/* linear probing, by id */
	uint32_t		sel_mask, id_mask;
	struct shape_set	sets[NDIRS][2];
	struct spd_policy	**heap;
	uint32_t		heap_n, heap_cap;
	struct reqid_slot	*rq;
	uint32_t		rq_mask, rq_n;
	struct spd_policy	*head, *tail;
	size_t			count;
	uint64_t		rank;
	uint32_t		id_gen;
	uint32_t		next_reqid;
	uint64_t		hkey[2];
	struct spd_cursor	*cursors;
	struct chunk		*chunks;	/* newest first */
	struct spd_policy	*free_recs;
};

/* ---------------------------------------------------- big allocations */

static size_t huge_round(size_t bytes)
{
	return (bytes + HUGE_BYTES - 1) & ~(HUGE_BYTES - 1);
}

/*
 * bytes (a multiple of HUGE_BYTES) of zeroed memory, 2 MiB-aligned and
 * advised as a huge page: one extra 2 MiB is mapped and the misaligned
 * ends are unmapped again.
 */
static void *huge_map(size_t bytes)
{
	uint8_t *p = mmap(NULL, bytes + HUGE_BYTES, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t head;

	if (p == MAP_FAILED)
		return NULL;
	head = (HUGE_BYTES - ((uintptr_t)p & (HUGE_BYTES - 1))) &
		(HUGE_BYTES - 1);
	if (head != 0)
		munmap(p, head);
	if (HUGE_BYTES - head != 0)
		munmap(p + head + bytes, HUGE_BYTES - head);
#ifdef MADV_HUGEPAGE
	(void)madvise(p + head, bytes, MADV_HUGEPAGE);	/* a hint */
#endif
	return p + head;
}

/* Zeroed memory: the heap for small arrays, huge pages from 2 MiB on. */
static void *big_alloc(size_t bytes)
{
	return bytes < HUGE_BYTES ? calloc(1, bytes) :
		huge_map(huge_round(bytes));
}

static void big_free(void *p, size_t bytes)
{
	if (p == NULL)
		return;
	if (bytes < HUGE_BYTES)
		free(p);
	else
		munmap(p, huge_round(bytes));
}

static struct spd_policy *rec_alloc(struct spd *spd)
{
	struct spd_policy *p = spd->free_recs;
	struct chunk *c = spd->chunks;

	if (p != NULL) {
		spd->free_recs = p->next;
		return p;
	}
	if (c == NULL && spd->count < POOL_FROM) {
		p = malloc(sizeof(*p));
		if (p != NULL)
			p->pooled = 0;
		return p;
	}
	if (c == NULL || c->used == c->n) {
		c = huge_map(HUGE_BYTES);
		if (c == NULL)
			return NULL;
		c->link = spd->chunks;
		c->bytes = HUGE_BYTES;
		c->n = CHUNK_RECS;
		c->used = 0;
		spd->chunks = c;
	}
	p = &c->rec[c->used++];
	p->pooled = 1;
	return p;
}

static void chunks_free(struct spd *spd)
{
	for (struct chunk *c = spd->chunks, *n; c != NULL; c = n) {
		n = c->link;
		munmap(c, c->bytes);
	}
	spd->chunks = NULL;
	spd->free_recs = NULL;
}

/* --------------------------------------------------------------- keys */

static unsigned addr_len(uint8_t family)
{
	return family == AF_INET6 ? 16 : 4;
}

static void mask_addr(uint8_t *out, const uint8_t *in, unsigned alen,
		      unsigned plen)
{
	unsigned full = plen / 8;

	memcpy(out, in, full);
	if (plen % 8 != 0) {
		out[full] = in[full] & (uint8_t)(0xff00U >> (plen % 8));
		full++;
	}
	memset(out + full, 0, alen - full);
}

/*
 * The index key, a fixed layout so no padding leaks into the hash:
 *   0 dir | 1 family | 2 dplen | 3 splen | 4 proto | 5 0 | 6-7 dport |
 *   8-9 sport | 10-15 0 | dst (alen) | src (alen)
 */
static uint8_t make_key(uint8_t *k, uint8_t dir, const struct spd_selector *s,
			unsigned dplen, unsigned splen, unsigned cls)
{
	unsigned alen = addr_len(s->family);
	uint16_t dport = (cls & CLS_DPORT) ? s->dport : 0;
	uint16_t sport = (cls & CLS_SPORT) ? s->sport : 0;

	memset(k, 0, 16);
	k[0] = dir;
	k[1] = s->family;
	k[2] = (uint8_t)dplen;
	k[3] = (uint8_t)splen;
	k[4] = (cls & CLS_PROTO) ? s->proto : IPSEC_ULPROTO_ANY;
	memcpy(k + 6, &dport, 2);
	memcpy(k + 8, &sport, 2);
	mask_addr(k + 16, s->dst, alen, dplen);
	mask_addr(k + 16 + alen, s->src, alen, splen);
	return (uint8_t)(16 + 2 * alen);
}

static unsigned sel_cls(const struct spd_selector *s)
{
	return (s->proto != IPSEC_ULPROTO_ANY ? CLS_PROTO : 0) |
	       (s->dport != 0 ? CLS_DPORT : 0) |
	       (s->sport != 0 ? CLS_SPORT : 0);
}

static uint32_t make_spec(unsigned dplen, unsigned splen, unsigned cls)
{
	return (uint32_t)dplen << 16 | (uint32_t)splen << 8 | cls;
}

static uint32_t key_hash(const struct spd *spd, const uint8_t *k, size_t len)
{
	return (uint32_t)sadb_siphash(spd->hkey, k, len);
}

/* Fills p's key, hash and specificity from its selector and direction. */
static void rec_key(const struct spd *spd, struct spd_policy *p)
{
	unsigned cls = sel_cls(&p->sel);

	p->keylen = make_key(p->key, p->dir, &p->sel, p->sel.dplen,
			     p->sel.splen, cls);
	p->hash = key_hash(spd, p->key, p->keylen);
	p->spec = make_spec(p->sel.dplen, p->sel.splen, cls);
}

static bool ctx_equal(const struct sadb_x_sec_ctx *a,
		      const struct sadb_x_sec_ctx *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return a->sadb_x_ctx_alg == b->sadb_x_ctx_alg &&
	       a->sadb_x_ctx_doi == b->sadb_x_ctx_doi &&
	       a->sadb_x_ctx_len == b->sadb_x_ctx_len &&
	       memcmp(a + 1, b + 1, a->sadb_x_ctx_len) == 0;
}

/* ------------------------------------------------------- hash tables */

/*
 * Both tables are arrays of (hash, pointer) slots with linear probing.  The
 * id table's "hash" is id >> 3: ids are allocated in sequence (see
 * alloc_id()), so it spreads them perfectly.
 */
static uint32_t id_hash(uint32_t id)
{
	return id >> 3;
}

static void sel_put(struct sel_slot *t, uint32_t mask, uint32_t h,
		    struct spd_policy *p)
{
	uint32_t i = h & mask;

	while (t[i].p != NULL)
		i = (i + 1) & mask;
	t[i].hash = h;
	t[i].p = p;
}

/* Backward-shift deletion keeps every probe sequence unbroken. */
static void slot_remove(struct sel_slot *t, uint32_t mask, uint32_t h,
			const struct spd_policy *p)
{
	uint32_t i = h & mask;

	while (t[i].p != p) {
		if (t[i].p == NULL)
			return;
		i = (i + 1) & mask;
	}
	t[i].p = NULL;
	for (uint32_t j = (i + 1) & mask; t[j].p != NULL; j = (j + 1) & mask) {
		uint32_t home = t[j].hash & mask;

		if (((j - home) & mask) >= ((j - i) & mask)) {
			t[i] = t[j];
			t[j].p = NULL;
			i = j;
		}
	}
}

/*
 * Room for one more policy: the selector table doubles before its load
 * would pass 1/2, the id table before its load would pass 1.
 */
static int tables_reserve(struct spd *spd)
{
	uint32_t sn = spd->sel_mask + 1, in = spd->id_mask + 1;

	if ((spd->count + 1) * 2 > sn) {
		struct sel_slot *t;

		if (sn * 2 == 0 ||
		    (t = big_alloc((size_t)sn * 2 * sizeof(*t))) == NULL)
			return -ENOMEM;
		for (uint32_t i = 0; i < sn; i++)
			if (spd->sel_tab[i].p != NULL)
				sel_put(t, sn * 2 - 1, spd->sel_tab[i].hash,
					spd->sel_tab[i].p);
		big_free(spd->sel_tab, (size_t)sn * sizeof(*t));
		spd->sel_tab = t;
		spd->sel_mask = sn * 2 - 1;
	}
	if ((spd->count + 1) * 2 > in) {
		struct sel_slot *t;

		if (in * 2 == 0 ||
		    (t = big_alloc((size_t)in * 2 * sizeof(*t))) == NULL)
			return -ENOMEM;
		for (uint32_t i = 0; i < in; i++)
			if (spd->id_tab[i].p != NULL)
				sel_put(t, in * 2 - 1, spd->id_tab[i].hash,
					spd->id_tab[i].p);
		big_free(spd->id_tab, (size_t)in * sizeof(*t));
		spd->id_tab = t;
		spd->id_mask = in * 2 - 1;
	}
	return 0;
}

static struct spd_policy *find_sel(const struct spd *spd, const uint8_t *key,
				   uint8_t keylen, uint32_t h,
				   const struct sadb_x_sec_ctx *ctx)
{
	const struct sel_slot *t = spd->sel_tab;

	for (uint32_t i = h & spd->sel_mask; t[i].p != NULL;
	     i = (i + 1) & spd->sel_mask) {
		struct spd_policy *p = t[i].p;

		if (t[i].hash == h && p->keylen == keylen &&
		    memcmp(p->key, key, keylen) == 0 && ctx_equal(p->ctx, ctx))
			return p;
	}
	return NULL;
}

const struct spd_policy *spd_find_id(const struct spd *spd, uint32_t id)
{
	const struct sel_slot *t = spd->id_tab;
	uint32_t h = id_hash(id);

	if (id == 0)
		return NULL;
	for (uint32_t i = h & spd->id_mask; t[i].p != NULL;
	     i = (i + 1) & spd->id_mask)
		if (t[i].p->id == id)
			return t[i].p;
	return NULL;
}

/* ------------------------------------------------------------- shapes */

static struct shape_set *set_of(struct spd *spd, uint8_t dir, uint8_t family)
{
	if (dir < IPSEC_DIR_INBOUND || dir > IPSEC_DIR_FWD)
		return NULL;
	if (family != AF_INET && family != AF_INET6)
		return NULL;
	return &spd->sets[dir - 1][family == AF_INET6];
}

static bool shape_before(const struct shape *a, const struct shape *b)
{
	return a->bound < b->bound ||
	       (a->bound == b->bound && a->spec > b->spec);
}

static int shape_reserve(struct shape_set *s)
{
	uint32_t cap;
	void *v;

	if (s->n < s->cap)
		return 0;
	cap = s->cap ? s->cap * 2 : 8;
	v = realloc(s->v, cap * sizeof(*s->v));
	if (v == NULL)
		return -ENOMEM;
	s->v = v;
	s->cap = cap;
	return 0;
}

static uint32_t shape_find(const struct shape_set *s, uint32_t spec)
{
	for (uint32_t i = 0; i < s->n; i++)
		if (s->v[i].spec == spec)
			return i;
	return UINT32_MAX;
}

/* Moves v[i] to its sorted place after its bound dropped (or it is new). */
static void shape_sift(struct shape_set *s, uint32_t i)
{
	struct shape t = s->v[i];

	while (i > 0 && shape_before(&t, &s->v[i - 1])) {
		s->v[i] = s->v[i - 1];
		i--;
	}
	s->v[i] = t;
}

/* Counts p in its shape; the slot was reserved. */
static void shape_add(struct spd *spd, const struct spd_policy *p)
{
	struct shape_set *s = set_of(spd, p->dir, p->sel.family);
	uint32_t i = shape_find(s, p->spec);

	if (i == UINT32_MAX) {
		i = s->n++;
		s->v[i].spec = p->spec;
		s->v[i].bound = p->priority;
		s->v[i].count = 0;
	} else if (p->priority < s->v[i].bound) {
		s->v[i].bound = p->priority;
	} else {
		s->v[i].count++;
		return;
	}
	s->v[i].count++;
	shape_sift(s, i);
}

static void shape_del(struct spd *spd, const struct spd_policy *p)
{
	struct shape_set *s = set_of(spd, p->dir, p->sel.family);
	uint32_t i = shape_find(s, p->spec);

	if (i == UINT32_MAX || --s->v[i].count != 0)
		return;
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
	s->n--;
}

/* --------------------------------------------------------------- heap */

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t deadline(const struct spd_policy *p)
{
	uint64_t t = UINT64_MAX;

	if (p->hard.addtime != 0)
		t = sat_add(p->created, p->hard.addtime);
	if (p->hard.usetime != 0) {
		uint64_t base = p->lastused > p->created ? p->lastused
							 : p->created;
		uint64_t u = sat_add(base, p->hard.usetime);

		if (u < t)
			t = u;
	}
	return t;
}

static void heap_set(struct spd *spd, uint32_t i, struct spd_policy *p)
{
	spd->heap[i] = p;
	p->heap_idx = i + 1;
}

static void heap_up(struct spd *spd, uint32_t i)
{
	struct spd_policy *p = spd->heap[i];

	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (spd->heap[parent]->heap_key <= p->heap_key)
			break;
		heap_set(spd, i, spd->heap[parent]);
		i = parent;
	}
	heap_set(spd, i, p);
}

static void heap_down(struct spd *spd, uint32_t i)
{
	struct spd_policy *p = spd->heap[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= spd->heap_n)
			break;
		if (c + 1 < spd->heap_n &&
		    spd->heap[c + 1]->heap_key < spd->heap[c]->heap_key)
			c++;
		if (spd->heap[c]->heap_key >= p->heap_key)
			break;
		heap_set(spd, i, spd->heap[c]);
		i = c;
	}
	heap_set(spd, i, p);
}

static int heap_reserve(struct spd *spd)
{
	uint32_t cap;
	void *v;

	if (spd->heap_n < spd->heap_cap)
		return 0;
	cap = spd->heap_cap ? spd->heap_cap * 2 : 16;
	v = realloc(spd->heap, cap * sizeof(*spd->heap));
	if (v == NULL)
		return -ENOMEM;
	spd->heap = v;
	spd->heap_cap = cap;
	return 0;
}

/* Schedules p if it has a deadline; the slot was reserved. */
static void heap_add(struct spd *spd, struct spd_policy *p)
{
	p->heap_key = deadline(p);
	if (p->heap_key == UINT64_MAX)
		return;
	heap_set(spd, spd->heap_n++, p);
	heap_up(spd, spd->heap_n - 1);
}

static void heap_del(struct spd *spd, struct spd_policy *p)
{
	uint32_t i;
	struct spd_policy *last;

	if (p->heap_idx == 0)
		return;
	i = p->heap_idx - 1;
	p->heap_idx = 0;
	last = spd->heap[--spd->heap_n];
	if (last == p)
		return;
	heap_set(spd, i, last);
	heap_up(spd, i);
	heap_down(spd, last->heap_idx - 1);
}

/*
 * Lookups move a policy's use-time deadline later without touching the
 * heap, so a key may be early.  Re-keys the top until it is exact.
 */
static void heap_settle(struct spd *spd)
{
	while (spd->heap_n > 0) {
		struct spd_policy *p = spd->heap[0];
		uint64_t t = deadline(p);

		if (t == p->heap_key)
			return;
		p->heap_key = t;
		heap_down(spd, 0);
	}
}

/* ------------------------------------------------------------- reqids */

static uint32_t rq_slot(const struct spd *spd, uint32_t reqid)
{
	return (uint32_t)((reqid * 0x9e3779b97f4a7c15ULL) >> 32) & spd->rq_mask;
}

static bool reqid_used(const struct spd *spd, uint32_t reqid)
{
	for (uint32_t i = rq_slot(spd, reqid); spd->rq[i].reqid != 0;
	     i = (i + 1) & spd->rq_mask)
		if (spd->rq[i].reqid == reqid)
			return true;
	return false;
}

static void rq_put(struct spd *spd, uint32_t reqid, uint32_t count)
{
	uint32_t i = rq_slot(spd, reqid);

	while (spd->rq[i].reqid != 0 && spd->rq[i].reqid != reqid)
		i = (i + 1) & spd->rq_mask;
	if (spd->rq[i].reqid == 0) {
		spd->rq[i].reqid = reqid;
		spd->rq_n++;
	}
	spd->rq[i].count += count;
}

/* Room for n more distinct reqids at load factor <= 1/2. */
static int reqid_reserve(struct spd *spd, uint32_t n)
{
	uint32_t size = spd->rq_mask + 1, nsize = size;
	struct reqid_slot *old = spd->rq;

	while ((uint64_t)(spd->rq_n + n) * 2 > nsize)
		nsize *= 2;
	if (nsize == size)
		return 0;
	spd->rq = calloc(nsize, sizeof(*spd->rq));
	if (spd->rq == NULL) {
		spd->rq = old;
		return -ENOMEM;
	}
	spd->rq_mask = nsize - 1;
	spd->rq_n = 0;
	for (uint32_t i = 0; i < size; i++)
		if (old[i].reqid != 0)
			rq_put(spd, old[i].reqid, old[i].count);
	free(old);
	return 0;
}

static void reqid_del(struct spd *spd, uint32_t reqid)
{
	uint32_t i = rq_slot(spd, reqid), j;

	while (spd->rq[i].reqid != reqid) {
		if (spd->rq[i].reqid == 0)
			return;
		i = (i + 1) & spd->rq_mask;
	}
	if (--spd->rq[i].count != 0)
		return;
	/* Backward-shift deletion keeps every probe sequence unbroken. */
	spd->rq[i].reqid = 0;
	spd->rq_n--;
	for (j = (i + 1) & spd->rq_mask; spd->rq[j].reqid != 0;
	     j = (j + 1) & spd->rq_mask) {
		uint32_t home = rq_slot(spd, spd->rq[j].reqid);

		/* Move j into the hole at i unless its home lies in (i, j]. */
		if (((j - home) & spd->rq_mask) >= ((j - i) & spd->rq_mask)) {
			spd->rq[i] = spd->rq[j];
			spd->rq[j].reqid = 0;
			spd->rq[j].count = 0;
			i = j;
		}
	}
}

static struct sadb_x_ipsecrequest *req_next(struct sadb_x_policy *pol,
					    struct sadb_x_ipsecrequest *prev)
{
	return (struct sadb_x_ipsecrequest *)pk_policy_next_request(pol, prev);
}

/* Gives level-unique requests without a reqid one nobody uses. */
static void reqid_assign(struct spd *spd, struct sadb_x_policy *pol)
{
	for (struct sadb_x_ipsecrequest *r = req_next(pol, NULL); r != NULL;
	     r = req_next(pol, r)) {
		if (r->sadb_x_ipsecrequest_level != IPSEC_LEVEL_UNIQUE ||
		    r->sadb_x_ipsecrequest_reqid != 0)
			continue;
		do {
			if (spd->next_reqid < SPD_AUTO_REQID_MIN)
				spd->next_reqid = SPD_AUTO_REQID_MIN;
			r->sadb_x_ipsecrequest_reqid = spd->next_reqid++;
		} while (reqid_used(spd, r->sadb_x_ipsecrequest_reqid));
		rq_put(spd, r->sadb_x_ipsecrequest_reqid, 1);
	}
}

static void reqids_count(struct spd *spd, struct sadb_x_policy *pol)
{
	for (struct sadb_x_ipsecrequest *r = req_next(pol, NULL); r != NULL;
	     r = req_next(pol, r))
		if (r->sadb_x_ipsecrequest_reqid != 0)
			rq_put(spd, r->sadb_x_ipsecrequest_reqid, 1);
}

static void reqids_uncount(struct spd *spd, struct sadb_x_policy *pol)
{
	for (struct sadb_x_ipsecrequest *r = req_next(pol, NULL); r != NULL;
	     r = req_next(pol, r))
		if (r->sadb_x_ipsecrequest_reqid != 0)
			reqid_del(spd, r->sadb_x_ipsecrequest_reqid);
}

/* ------------------------------------------------------- store itself */

int spd_new(uint64_t seed, struct spd **out, struct pk_diag *d)
{
	struct spd *spd = calloc(1, sizeof(*spd));
	uint64_t s = seed;

	*out = NULL;
	if (spd == NULL)
		goto nomem;
	spd->sel_tab = calloc(MIN_BUCKETS, sizeof(*spd->sel_tab));
	spd->id_tab = calloc(MIN_BUCKETS, sizeof(*spd->id_tab));
	spd->rq = calloc(MIN_BUCKETS, sizeof(*spd->rq));
	if (spd->sel_tab == NULL || spd->id_tab == NULL || spd->rq == NULL) {
		spd_free(spd);
		goto nomem;
	}
	spd->sel_mask = spd->id_mask = spd->rq_mask = MIN_BUCKETS - 1;
	for (int i = 0; i < 2; i++) {
		uint64_t z = (s += 0x9e3779b97f4a7c15ULL);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		spd->hkey[i] = z ^ (z >> 31);
	}
	spd->next_reqid = SPD_AUTO_REQID_MIN;
	*out = spd;
	return 0;
nomem:
	return pk_diag_set(d, ENOMEM, 0, 0, 0, NULL,
			   "no memory for a policy database");
}

/*
 * The blob of p: inline (no allocation: an insert allocates only its
 * record, from the pool) or its own allocation.
 */
static bool blob_inline(const struct spd_policy *p)
{
	return (const void *)p->policy == (const void *)p->inl;
}

static void blob_free(struct spd_policy *p)
{
	if (!blob_inline(p))
		free(p->policy);
	p->policy = NULL;
	p->ctx = NULL;
}

/* Copies *src to *dst, pointers into src's inline blob re-aimed. */
static void rec_move(struct spd_policy *dst, const struct spd_policy *src)
{
	uint8_t pooled = dst->pooled;

	*dst = *src;
	dst->pooled = pooled;
	if (blob_inline(src)) {
		dst->policy = (struct sadb_x_policy *)dst->inl;
		if (src->ctx != NULL)
			dst->ctx = (struct sadb_x_sec_ctx *)
				((uint8_t *)dst->inl +
				 ((const uint8_t *)src->ctx -
				  (const uint8_t *)src->inl));
	}
}

static void rec_free(struct spd *spd, struct spd_policy *p)
{
	if (p == NULL)
		return;
	blob_free(p);
	if (!p->pooled) {
		free(p);
		return;
	}
	p->next = spd->free_recs;
	spd->free_recs = p;
}

void spd_policy_free(struct spd *spd, struct spd_policy *p)
{
	rec_free(spd, p);
}

void spd_free(struct spd *spd)
{
	if (spd == NULL)
		return;
	for (struct spd_policy *p = spd->head, *n; p != NULL; p = n) {
		n = p->next;
		blob_free(p);
		if (!p->pooled)
			free(p);
	}
	chunks_free(spd);
	for (int i = 0; i < NDIRS; i++)
		for (int f = 0; f < 2; f++)
			free(spd->sets[i][f].v);
	big_free(spd->sel_tab, (spd->sel_mask + 1) * sizeof(*spd->sel_tab));
	big_free(spd->id_tab, (spd->id_mask + 1) * sizeof(*spd->id_tab));
	free(spd->heap);
	free(spd->rq);
	free(spd);
}

size_t spd_count(const struct spd *spd)
{
	return spd->count;
}

/* Puts p into every index (not the order list); everything was reserved. */
static void index_rec(struct spd *spd, struct spd_policy *p)
{
	sel_put(spd->sel_tab, spd->sel_mask, p->hash, p);
	shape_add(spd, p);
	heap_add(spd, p);
	reqids_count(spd, p->policy);
}

static void unindex_rec(struct spd *spd, struct spd_policy *p)
{
	slot_remove(spd->sel_tab, spd->sel_mask, p->hash, p);
	shape_del(spd, p);
	heap_del(spd, p);
	reqids_uncount(spd, p->policy);
}

/* Takes p out of the store entirely; the caller frees or hands it out. */
static void unlink_rec(struct spd *spd, struct spd_policy *p)
{
	for (struct spd_cursor *c = spd->cursors; c != NULL; c = c->link)
		if (c->pos == p)
			c->pos = p->next;
	unindex_rec(spd, p);
	slot_remove(spd->id_tab, spd->id_mask, id_hash(p->id), p);
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		spd->head = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	else
		spd->tail = p->prev;
	p->prev = p->next = NULL;
	spd->count--;
}

/* Linux's scheme: id = generation * 8 + xfrm direction, never 0. */
static uint32_t alloc_id(struct spd *spd, uint8_t dir)
{
	for (;;) {
		uint32_t id = spd->id_gen | (uint32_t)(dir - 1);

		spd->id_gen += 8;
		if (id == 0)
			id = 8;
		if (spd_find_id(spd, id) == NULL)
			return id;
	}
}

/* --------------------------------------------------- reading a request */

static size_t ext_off(const struct pk_msg *m, unsigned t)
{
	return m->ext[t] != NULL ?
		(size_t)((const uint8_t *)m->ext[t] -
			 (const uint8_t *)m->hdr) : 0;
}

static int read_addr(const struct pk_msg *m, unsigned t, uint8_t *addr,
		     uint16_t *port, uint8_t *family, uint8_t *plen,
		     struct pk_diag *d)
{
	const struct sadb_address *a = PK_MSG_EXT(m, t, sadb_address);
	bool src = t == SADB_EXT_ADDRESS_SRC;
	struct sockaddr_storage ss;

	if (a == NULL)
		return pk_diag_set(d, EINVAL, src ? D(MISSING_SRC)
						  : D(MISSING_DST), t, m->len,
				   NULL, "the request has no %s address",
				   src ? "source" : "destination");
	memset(addr, 0, 16);
	if (pk_address_sockaddr(a, &ss) == 0)
		ss.ss_family = AF_UNSPEC;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)&ss;

		memcpy(addr, &s->sin_addr, 4);
		*port = s->sin_port;
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)&ss;

		memcpy(addr, &s->sin6_addr, 16);
		*port = s->sin6_port;
	} else {
		return pk_diag_set(d, EINVAL, src ? D(BAD_SRC_AF)
						  : D(BAD_DST_AF), t,
				   ext_off(m, t) + sizeof(*a), "sa_family",
				   "%s address family %u, expected AF_INET "
				   "or AF_INET6", src ? "source" : "destination",
				   ss.ss_family);
	}
	*family = (uint8_t)ss.ss_family;
	*plen = a->sadb_address_prefixlen;
	if (*plen > pk_family_maxprefix(*family))
		return pk_diag_set(d, EINVAL, D(BAD_PREFIX), t,
				   ext_off(m, t) +
				   offsetof(struct sadb_address,
					    sadb_address_prefixlen),
				   "sadb_address_prefixlen",
				   "prefix length %u, at most %u for this family",
				   *plen, pk_family_maxprefix(*family));
	return 0;
}

int spd_selector_from_msg(const struct pk_msg *m, struct spd_selector *sel,
			  struct pk_diag *d)
{
	const struct sadb_address *s, *t;
	uint8_t sf = 0, df = 0;
	int rc;

	memset(sel, 0, sizeof(*sel));
	rc = read_addr(m, SADB_EXT_ADDRESS_SRC, sel->src, &sel->sport, &sf,
		       &sel->splen, d);
	if (rc == 0)
		rc = read_addr(m, SADB_EXT_ADDRESS_DST, sel->dst, &sel->dport,
			       &df, &sel->dplen, d);
	if (rc != 0)
		return rc;
	if (sf != df)
		return pk_diag_set(d, EINVAL, D(AF_MISMATCH),
				   SADB_EXT_ADDRESS_DST,
				   ext_off(m, SADB_EXT_ADDRESS_DST) +
				   sizeof(struct sadb_address), "sa_family",
				   "destination family %u differs from source "
				   "family %u", df, sf);
	s = PK_MSG_EXT(m, SADB_EXT_ADDRESS_SRC, sadb_address);
	t = PK_MSG_EXT(m, SADB_EXT_ADDRESS_DST, sadb_address);
	if (s->sadb_address_proto != t->sadb_address_proto)
		return pk_diag_set(d, EINVAL, D(PROTO_MISMATCH),
				   SADB_EXT_ADDRESS_DST,
				   ext_off(m, SADB_EXT_ADDRESS_DST) +
				   offsetof(struct sadb_address,
					    sadb_address_proto),
				   "sadb_address_proto",
				   "destination protocol %u differs from "
				   "source protocol %u", t->sadb_address_proto,
				   s->sadb_address_proto);
	sel->family = sf;
	/* As Linux: 0 is "any" too (and is dumped as 255). */
	sel->proto = s->sadb_address_proto == 0 ? IPSEC_ULPROTO_ANY
						: s->sadb_address_proto;
	return 0;
}

#define POL_OFF(m, f) \
	(ext_off((m), SADB_X_EXT_POLICY) + offsetof(struct sadb_x_policy, f))

static const struct sadb_x_policy *msg_policy(const struct pk_msg *m,
					      struct pk_diag *d)
{
	const struct sadb_x_policy *pol =
		PK_MSG_EXT(m, SADB_X_EXT_POLICY, sadb_x_policy);

	if (pol == NULL)
		pk_diag_set(d, EINVAL, D(MISSING_EXT), SADB_X_EXT_POLICY,
			    m->len, NULL, "the request has no policy");
	return pol;
}

static int check_dir(const struct pk_msg *m, const struct sadb_x_policy *pol,
		     struct pk_diag *d)
{
	uint8_t dir = pol->sadb_x_policy_dir;

	if (dir >= IPSEC_DIR_INBOUND && dir <= IPSEC_DIR_FWD)
		return 0;
	return pk_diag_set(d, EINVAL, D(BAD_POLICY_DIR), SADB_X_EXT_POLICY,
			   POL_OFF(m, sadb_x_policy_dir), "sadb_x_policy_dir",
			   "direction %u, expected in (1), out (2) or fwd (3)",
			   dir);
}

/*
 * Reads an SPDADD/SPDUPDATE request into tmp: selector, direction, type,
 * priority, lifetime, creator, and one blob holding copies of the policy
 * and context extensions.  Also gives the identity (selector, dir, ctx).
 */
static int read_policy(const struct spd *spd, const struct pk_msg *m,
		       uint64_t now, struct spd_policy *tmp, struct pk_diag *d)
{
	const struct sadb_x_policy *pol = msg_policy(m, d);
	const struct sadb_x_sec_ctx *ctx =
		PK_MSG_EXT(m, SADB_X_EXT_SEC_CTX, sadb_x_sec_ctx);
	const struct sadb_lifetime *h =
		PK_MSG_EXT(m, SADB_EXT_LIFETIME_HARD, sadb_lifetime);
	size_t plen, clen;
	uint8_t *blob;
	int rc;

	memset(tmp, 0, sizeof(*tmp));
	if (pol == NULL)
		return -EINVAL;
	rc = spd_selector_from_msg(m, &tmp->sel, d);
	if (rc != 0)
		return rc;
	rc = check_dir(m, pol, d);
	if (rc != 0)
		return rc;
	if (pol->sadb_x_policy_type > IPSEC_POLICY_BYPASS)
		return pk_diag_set(d, EINVAL, D(BAD_POLICY_TYPE),
				   SADB_X_EXT_POLICY,
				   POL_OFF(m, sadb_x_policy_type),
				   "sadb_x_policy_type",
				   "policy type %u, expected discard (0), none "
				   "(1), ipsec (2), entrust (3) or bypass (4)",
				   pol->sadb_x_policy_type);
	for (const struct sadb_x_ipsecrequest *r =
		     pk_policy_next_request(pol, NULL);
	     r != NULL; r = pk_policy_next_request(pol, r))
		if (++tmp->nreq > SPD_MAX_REQUESTS)
			return pk_diag_set(d, EINVAL, D(MALFORMED_POLICY),
					   SADB_X_EXT_POLICY,
					   (size_t)((const uint8_t *)r -
						    (const uint8_t *)m->hdr),
					   "sadb_x_ipsecrequest",
					   "more than %u requests in a policy",
					   SPD_MAX_REQUESTS);
	tmp->dir = pol->sadb_x_policy_dir;
	tmp->type = pol->sadb_x_policy_type;
	tmp->priority = pol->sadb_x_policy_priority;
	tmp->seq = m->hdr->sadb_msg_seq;
	tmp->pid = m->hdr->sadb_msg_pid;
	tmp->created = now;
	if (h != NULL) {
		tmp->hard.allocations = h->sadb_lifetime_allocations;
		tmp->hard.bytes = h->sadb_lifetime_bytes;
		tmp->hard.addtime = h->sadb_lifetime_addtime;
		tmp->hard.usetime = h->sadb_lifetime_usetime;
	}
	rec_key(spd, tmp);

	plen = SADB_BYTES(pol->sadb_x_policy_len);
	clen = ctx != NULL ? SADB_BYTES(ctx->sadb_x_sec_len) : 0;
	blob = plen + clen <= sizeof(tmp->inl) ? (uint8_t *)tmp->inl :
		malloc(plen + clen);
	if (blob == NULL)
		return pk_diag_set(d, ENOMEM, 0, 0, 0, NULL,
				   "no memory for a policy");
	memcpy(blob, pol, plen);
	tmp->policy = (struct sadb_x_policy *)blob;
	if (ctx != NULL) {
		memcpy(blob + plen, ctx, clen);
		tmp->ctx = (struct sadb_x_sec_ctx *)(blob + plen);
	}
	return 0;
}

/* Reserves table, shape, heap and reqid room for one more policy. */
static int reserve(struct spd *spd, const struct spd_policy *tmp, bool grow,
		   struct pk_diag *d)
{
	int rc = grow ? tables_reserve(spd) : 0;

	if (rc == 0)
		rc = shape_reserve(set_of(spd, tmp->dir, tmp->sel.family));
	if (rc == 0)
		rc = heap_reserve(spd);
	if (rc == 0)
		rc = reqid_reserve(spd, tmp->nreq);
	if (rc != 0)
		return pk_diag_set(d, ENOMEM, 0, 0, 0, NULL,
				   "no memory for a policy");
	return 0;
}

static int dup_diag(const struct pk_msg *m, const struct spd_policy *p,
		    struct pk_diag *d)
{
	return pk_diag_set(d, EEXIST, 0, SADB_X_EXT_POLICY,
			   ext_off(m, SADB_X_EXT_POLICY), NULL,
			   "a policy with this selector and direction "
			   "exists (id %u)", p->id);
}

static void set_policy_id(struct spd_policy *p)
{
	p->policy->sadb_x_policy_id = p->id;
}

/* Stores tmp (blob included) as a new policy; tmp's blob moves. */
static int insert_new(struct spd *spd, struct spd_policy *tmp,
		      const struct spd_policy **out, struct pk_diag *d)
{
	struct spd_policy *p;
	int rc = reserve(spd, tmp, true, d);

	if (rc != 0)
		return rc;
	p = rec_alloc(spd);
	if (p == NULL)
		return pk_diag_set(d, ENOMEM, 0, 0, 0, NULL,
				   "no memory for a policy");
	rec_move(p, tmp);
	tmp->policy = NULL;
	p->id = alloc_id(spd, p->dir);
	set_policy_id(p);
	reqid_assign(spd, p->policy);
	p->rank = spd->rank++;
	index_rec(spd, p);
	sel_put(spd->id_tab, spd->id_mask, id_hash(p->id), p);
	p->prev = spd->tail;
	p->next = NULL;
	if (spd->tail != NULL)
		spd->tail->next = p;
	else
		spd->head = p;
	spd->tail = p;
	spd->count++;
	if (out != NULL)
		*out = p;
	return 0;
}

int spd_add(struct spd *spd, const struct pk_msg *m, uint64_t now,
	    const struct spd_policy **out, struct pk_diag *d)
{
	struct spd_policy tmp;
	const struct spd_policy *old;
	int rc;

	pk_diag_clear(d);
	rc = read_policy(spd, m, now, &tmp, d);
	if (rc != 0)
		return rc;
	old = find_sel(spd, tmp.key, tmp.keylen, tmp.hash, tmp.ctx);
	if (old != NULL)
		rc = dup_diag(m, old, d);
	else
		rc = insert_new(spd, &tmp, out, d);
	if (tmp.policy != NULL)
		blob_free(&tmp);
	return rc;
}

int spd_update(struct spd *spd, const struct pk_msg *m, uint64_t now,
	       const struct spd_policy **out, struct pk_diag *d)
{
	struct spd_policy tmp;
	struct spd_policy *p;
	int rc;

	pk_diag_clear(d);
	rc = read_policy(spd, m, now, &tmp, d);
	if (rc != 0)
		return rc;
	p = find_sel(spd, tmp.key, tmp.keylen, tmp.hash, tmp.ctx);
	if (p == NULL) {
		rc = insert_new(spd, &tmp, out, d);
		if (tmp.policy != NULL)
			blob_free(&tmp);
		return rc;
	}
	rc = reserve(spd, &tmp, false, d);
	if (rc != 0) {
		blob_free(&tmp);
		return rc;
	}
	/* In place: id, rank, list place and cursors stay. */
	unindex_rec(spd, p);
	blob_free(p);
	tmp.id = p->id;
	tmp.rank = p->rank;
	tmp.prev = p->prev;
	tmp.next = p->next;
	rec_move(p, &tmp);
	set_policy_id(p);
	reqid_assign(spd, p->policy);
	index_rec(spd, p);
	if (out != NULL)
		*out = p;
	return 0;
}

int spd_delete(struct spd *spd, const struct pk_msg *m,
	       struct spd_policy **out, struct pk_diag *d)
{
	const struct sadb_x_policy *pol = msg_policy(m, d);
	const struct sadb_x_sec_ctx *ctx =
		PK_MSG_EXT(m, SADB_X_EXT_SEC_CTX, sadb_x_sec_ctx);
	struct spd_policy tmp;
	struct spd_policy *p;
	int rc;

	pk_diag_clear(d);
	*out = NULL;
	if (pol == NULL)
		return -EINVAL;
	memset(&tmp, 0, sizeof(tmp));
	rc = spd_selector_from_msg(m, &tmp.sel, d);
	if (rc == 0)
		rc = check_dir(m, pol, d);
	if (rc != 0)
		return rc;
	tmp.dir = pol->sadb_x_policy_dir;
	rec_key(spd, &tmp);
	p = find_sel(spd, tmp.key, tmp.keylen, tmp.hash, ctx);
	if (p == NULL)
		return pk_diag_set(d, ENOENT, 0, SADB_X_EXT_POLICY,
				   ext_off(m, SADB_X_EXT_POLICY), NULL,
				   "no policy with this selector and direction");
	unlink_rec(spd, p);
	*out = p;
	return 0;
}

static int find_msg_id(const struct spd *spd, const struct pk_msg *m,
		       struct spd_policy **out, struct pk_diag *d)
{
	const struct sadb_x_policy *pol = msg_policy(m, d);

	*out = NULL;
	if (pol == NULL)
		return -EINVAL;
	*out = (struct spd_policy *)spd_find_id(spd, pol->sadb_x_policy_id);
	if (*out == NULL)
		return pk_diag_set(d, ENOENT, 0, SADB_X_EXT_POLICY,
				   POL_OFF(m, sadb_x_policy_id),
				   "sadb_x_policy_id", "no policy with id %u",
				   pol->sadb_x_policy_id);
	return 0;
}

int spd_delete_id(struct spd *spd, const struct pk_msg *m,
		  struct spd_policy **out, struct pk_diag *d)
{
	int rc;

	pk_diag_clear(d);
	rc = find_msg_id(spd, m, out, d);
	if (rc == 0)
		unlink_rec(spd, *out);
	return rc;
}

int spd_get_id(const struct spd *spd, const struct pk_msg *m,
	       const struct spd_policy **out, struct pk_diag *d)
{
	struct spd_policy *p;
	int rc;

	pk_diag_clear(d);
	rc = find_msg_id(spd, m, &p, d);
	*out = p;
	return rc;
}

int spd_flush(struct spd *spd, size_t *count, struct pk_diag *d)
{
	pk_diag_clear(d);
	if (count != NULL)
		*count = spd->count;
	for (struct spd_policy *p = spd->head, *n; p != NULL; p = n) {
		n = p->next;
		rec_free(spd, p);
	}
	spd->head = spd->tail = NULL;
	spd->count = 0;
	memset(spd->sel_tab, 0, (spd->sel_mask + 1) * sizeof(*spd->sel_tab));
	memset(spd->id_tab, 0, (spd->id_mask + 1) * sizeof(*spd->id_tab));
	memset(spd->rq, 0, (spd->rq_mask + 1) * sizeof(*spd->rq));
	spd->rq_n = 0;
	spd->heap_n = 0;
	for (int i = 0; i < NDIRS; i++)
		for (int f = 0; f < 2; f++)
			spd->sets[i][f].n = 0;
	for (struct spd_cursor *c = spd->cursors; c != NULL; c = c->link)
		c->pos = NULL;
	return 0;
}

/* ------------------------------------------------------------- lookup */

static bool better(const struct spd_policy *p, const struct spd_policy *b)
{
	if (b == NULL || p->priority != b->priority)
		return b == NULL || p->priority < b->priority;
	if (p->spec != b->spec)
		return p->spec > b->spec;
	return p->rank < b->rank;
}

const struct spd_policy *spd_lookup(struct spd *spd, uint8_t dir,
				    const struct spd_selector *pkt,
				    uint64_t now)
{
	const struct shape_set *s = set_of(spd, dir, pkt->family);
	struct spd_policy *best = NULL;
	uint8_t key[48];

	if (s == NULL)
		return NULL;
	for (uint32_t i = 0; i < s->n; i++) {
		const struct shape *sh = &s->v[i];
		uint8_t klen;
		uint32_t h;

		/*
		 * Shapes come by bound, then specificity: once a shape's bound
		 * is above the best priority, or equal to it with less
		 * specificity, no later shape can win.
		 */
		if (best != NULL &&
		    (sh->bound > best->priority ||
		     (sh->bound == best->priority && sh->spec < best->spec)))
			break;
		klen = make_key(key, dir, pkt, sh->spec >> 16,
				(sh->spec >> 8) & 0xff, sh->spec & 0xff);
		h = key_hash(spd, key, klen);
		for (uint32_t j = h & spd->sel_mask; spd->sel_tab[j].p != NULL;
		     j = (j + 1) & spd->sel_mask) {
			struct spd_policy *p = spd->sel_tab[j].p;

			if (spd->sel_tab[j].hash == h && p->keylen == klen &&
			    memcmp(p->key, key, klen) == 0 && better(p, best))
				best = p;
		}
	}
	if (best != NULL && now > best->lastused)
		best->lastused = now;
	return best;
}

/* ---------------------------------------------------------- lifetimes */

size_t spd_expire(struct spd *spd, uint64_t now, spd_expire_fn fn, void *arg)
{
	size_t n = 0;

	for (;;) {
		struct spd_policy *p;

		heap_settle(spd);
		if (spd->heap_n == 0 || spd->heap[0]->heap_key > now)
			break;
		p = spd->heap[0];
		if (fn != NULL)
			fn(arg, p);
		unlink_rec(spd, p);
		rec_free(spd, p);
		n++;
	}
	return n;
}

uint64_t spd_next_deadline(struct spd *spd)
{
	heap_settle(spd);
	return spd->heap_n == 0 ? UINT64_MAX : spd->heap[0]->heap_key;
}

/* --------------------------------------------------------------- dumps */

void spd_cursor_open(struct spd *spd, struct spd_cursor *c)
{
	c->pos = spd->head;
	c->link = spd->cursors;
	spd->cursors = c;
}

const struct spd_policy *spd_cursor_next(struct spd *spd,
					 struct spd_cursor *c)
{
	struct spd_policy *p = c->pos;

	(void)spd;
	if (p != NULL)
		c->pos = p->next;
	return p;
}

void spd_cursor_close(struct spd *spd, struct spd_cursor *c)
{
	for (struct spd_cursor **p = &spd->cursors; *p != NULL;
	     p = &(*p)->link) {
		if (*p == c) {
			*p = c->link;
			break;
		}
	}
	c->link = NULL;
	c->pos = NULL;
}

/* -------------------------------------------------------------- replies */

static int add_addr(struct pk_buf *b, uint16_t type, uint8_t family,
		    const uint8_t *addr, uint16_t port, uint8_t proto,
		    uint8_t plen)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = port;
		memcpy(&s->sin6_addr, addr, 16);
	} else {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;

		s->sin_family = AF_INET;
		s->sin_port = port;
		memcpy(&s->sin_addr, addr, 4);
	}
	return pk_add_address(b, type, (struct sockaddr *)&ss, proto, plen);
}

int spd_write_policy(const struct spd_policy *p, struct pk_buf *b,
		     unsigned flags)
{
	const struct spd_selector *s = &p->sel;

	(void)flags;
	add_addr(b, SADB_EXT_ADDRESS_SRC, s->family, s->src, s->sport,
		 s->proto, s->splen);
	add_addr(b, SADB_EXT_ADDRESS_DST, s->family, s->dst, s->dport,
		 s->proto, s->dplen);
	pk_add_lifetime(b, SADB_EXT_LIFETIME_HARD, p->hard.allocations,
			p->hard.bytes, p->hard.addtime, p->hard.usetime);
	pk_add_lifetime(b, SADB_EXT_LIFETIME_CURRENT, 0, 0, p->created,
			p->lastused);
	pk_ext_copy(b, (const struct sadb_ext *)p->policy);
	if (p->ctx != NULL)
		pk_ext_copy(b, (const struct sadb_ext *)p->ctx);
	return pk_buf_error(b);
}
