/*
 * sadb.c - the Security Association Database: records, indexes, rules.
 *
 * See sadb.h for the layout.  Slot 0 is never used, so a slot number of 0
 * means "none" in every link.  Free slots are chained through next_spi and
 * carry state SLOT_FREE.
 *
 * Timer state of a mature SA lives in tflags: TF_USED (cur.usetime and
 * lastuse are meaningful: a time of 0 is a valid injected time, so it
 * cannot mark "unused"), TF_SOFT (the soft expiry has fired: never twice),
 * TF_IDLE (the idle expiry has fired and no use came since).  The state
 * field is derived from them (see derive_state()).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "pfkey/alg.h"
#include "sadb.h"

/*
 * Memory layout for scale.  At 1M SAs the store is about 250 MB and a
 * random operation misses every cache; with 4 KiB pages it also misses the
 * TLB, and the page walk itself misses the caches (the page tables of
 * 250 MB are 500 kB).  So every large array (slot pages, bucket arrays,
 * timer heap, key chunks) is mapped 2 MiB-aligned in whole 2 MiB units
 * and marked MADV_HUGEPAGE: one TLB entry covers 2 MiB, and the TLB
 * covers the whole store.  A slot page is exactly one huge page
 * (PAGE_SLOTS slots, found by a division by a constant, i.e. a multiply);
 * the first one is marked only once a second is needed, so a small store
 * keeps 4 KiB pages and pays only for the memory it touches.
 */
#define HUGE_BYTES	((size_t)2 << 20)
#define PAGE_SLOTS	((uint32_t)(HUGE_BYTES / sizeof(struct sadb_sa_rec)))
/* Key blobs up to this size come from the store's slab, by 8-byte class. */
#define SLAB_MAX	256U
#define SLAB_CLASSES	(SLAB_MAX / 8)
#define SLAB_CHUNK_MIN	((size_t)4096)

/* The layout sadb.h promises: lookup fields and links in the first 64
 * bytes, and 208 bytes a record (the bytes-per-SA budget). */
_Static_assert(offsetof(struct sadb_sa_rec, keys) == 64,
	       "lookup fields and links must fill the first 64 bytes");
_Static_assert(sizeof(struct sadb_sa_rec) <= 208, "record grew");
#define SLOT_FREE	0xff
#define CHAIN_HEAD	0x80000000U	/* see struct index */
#define MIN_BUCKETS	16U
#define GETSPI_TRIES	32

#define D(x)	SADB_X_DIAGNOSTIC_##x

#define TF_USED		0x1
#define TF_SOFT		0x2
#define TF_IDLE		0x4
#define TF_ACQ		0x8	/* larval SA standing for an ACQUIRE */
/* The idle lifetime was given, not defaulted: only then is it echoed, so
   that programs that know only the Linux extensions never see it. */
#define TF_IDLE_SET	0x10

/*
 * A timer heap entry: the check time as an offset from db->tbase (32 bits
 * keep the entry at 8 bytes, which the bytes-per-SA budget needs) and the
 * slot.  Keeping the time in the entry, not only in the record, lets the
 * sift loops compare without touching records.
 */
struct hent {
	uint32_t	at;
	uint32_t	slot;
};

/*
 * Two heaps share the one array: the old heap grows up from its start,
 * the young heap (recently filed entries, at most YOUNG_MAX) grows down
 * from its end, entry j of it at heap[cap - 1 - j].  They never meet:
 * every SA has room (heap_reserve()), and an SA has at most one entry.
 *
 * Why two: in one heap of a million entries, an SA's entry sits among
 * entries of SAs nobody touches, and every sift moves some of them and
 * writes their records (the position is kept in the record), so deleting
 * or re-adding even a cache-resident SA costs misses on records and heap
 * lines the size of the store decides.  An SA removed or re-filed while
 * its entry is young is sifted among at most YOUNG_MAX entries (32 KiB of
 * them) of recently filed SAs, which stay in the caches.  Every
 * YOUNG_MAX new entries, and whenever it is full, the young heap is swept:
 * entries not filed again since the last sweep (a burst of additions
 * nobody touches since) move to the old heap, the others stay; when full
 * and that would free less than a quarter of it, everything moves.  An
 * entry's YOUNG_MARK equal to young_epoch says it was filed since the
 * last sweep, which flips young_epoch.  Each entry moved pays one old
 * heap insertion, as it would have without the young heap, only later.
 * The earliest entry is the smaller of the two roots; at a tie the old
 * root comes first.
 *
 * The record keeps the entry's position + 1 (0: no entry), with
 * HEAP_YOUNG set for the young heap.  Slot numbers are below 2^31, so a
 * young entry's slot has room for YOUNG_MARK.
 */
#define YOUNG_MAX	4096U
#define HEAP_YOUNG	0x80000000U
#define YOUNG_MARK	0x80000000U

/*
 * Key blobs: a slab per 8-byte size class, carved from chunks of the
 * store's own (never returned before sadb_free(), like slots), so an ADD
 * or DELETE calls no allocator and a blob costs its rounded size only,
 * with no per-blob allocator header.  A chunk is an eighth of what the
 * slab already holds (4 KiB to 2 MiB), so the unused tail stays under
 * 12.5% of the key bytes plus 4 KiB; 2 MiB chunks are huge pages.
 */
struct chunk {
	struct chunk	*next;
	size_t		size;		/* bytes, this header included */
};

struct slab {
	void		*free[SLAB_CLASSES];	/* freed blobs by class */
	struct chunk	*chunks;
	uint8_t		*bump;			/* carving point */
	size_t		left;			/* bytes left at bump */
	size_t		bytes;			/* sum of chunk sizes */
	size_t		nchunks, nmalloc;	/* chunks; of them malloc'd */
};

struct sadb {
	struct sadb_sa_rec	**pages;
	uint32_t		npages, cap_pages;
	uint32_t		nslots;		/* slots handed out, slot 0 included */
	uint32_t		free_head;
	uint32_t		*spi_tab, *addr_tab, *seq_tab;
	uint32_t		spi_mask, addr_mask, seq_mask;
	uint32_t		nlarval;
	uint32_t		head, tail;	/* insertion order */
	size_t			count;
	size_t			count_type[SADB_SATYPE_MAX + 1];
	uint64_t		hkey[2];	/* index hashes */
	uint64_t		rkey[2];	/* SPI generator */
	uint64_t		rctr;
	uint32_t		acq_seq;	/* last ACQUIRE seq handed out */
	struct sadb_cursor	*cursors;
	struct hent		*heap;		/* the timer heaps (old, young) */
	uint32_t		heap_n, heap_cap;	/* heap_n: old entries */
	uint32_t		young_n;	/* young entries */
	uint32_t		young_adds;	/* new ones since the last sweep */
	uint32_t		young_epoch;	/* 0 or YOUNG_MARK: "fresh" */
	bool			tbase_set;
	uint64_t		tbase;		/* heap times are offsets from it */
	sadb_is_local_fn	is_local;
	void			*is_local_arg;
	sadb_key_free_hook	hook;
	void			*hook_arg;
	size_t			key_bytes, key_allocs;	/* big blobs only */
	size_t			extra_bytes, extra_allocs;
	struct slab		slab;
};

/* ------------------------------------------------------------ SipHash */

static uint64_t rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPROUND do { \
	v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); \
	v2 += v3; v3 = rotl(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = rotl(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32); \
} while (0)

static uint64_t le64toh_(uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap64(v);
#else
	return v;
#endif
}

static uint64_t load_le64(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/*
 * SipHash-c-d (Aumasson, Bernstein): c compression rounds per word, d
 * finalization rounds.  Always inlined with constant c and d, so each
 * variant below compiles to straight-line code.
 */
static inline __attribute__((always_inline)) uint64_t
siphash_cd(const uint64_t key[2], const void *data, size_t len, unsigned c,
	   unsigned d)
{
	const uint8_t *p = data;
	uint64_t v0 = key[0] ^ 0x736f6d6570736575ULL;
	uint64_t v1 = key[1] ^ 0x646f72616e646f6dULL;
	uint64_t v2 = key[0] ^ 0x6c7967656e657261ULL;
	uint64_t v3 = key[1] ^ 0x7465646279746573ULL;
	uint64_t m;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&m, p + i, 8);
		m = le64toh_(m);
		v3 ^= m;
		for (unsigned r = 0; r < c; r++)
			SIPROUND;
		v0 ^= m;
	}
	m = load_le64(p + i, len - i) | ((uint64_t)(len & 0xff) << 56);
	v3 ^= m;
	for (unsigned r = 0; r < c; r++)
		SIPROUND;
	v0 ^= m;
	v2 ^= 0xff;
	for (unsigned r = 0; r < d; r++)
		SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* SipHash-2-4, the standard one: the SPI generator and the export. */
uint64_t sadb_siphash(const uint64_t key[2], const void *data, size_t len)
{
	return siphash_cd(key, data, len, 2, 4);
}

/*
 * SipHash-1-3 (one compression round, three finalization rounds) for the
 * index hashes.  Keyed hashing is what keeps an attacker who picks SPIs and
 * addresses from filling one chain; 1-3 keeps that (no practical attack
 * recovers the key or forges multicollisions from bucket timing; Python,
 * Rust's HashMap and Linux's hsiphash rely on the same reduced variant for
 * exactly this use) at a bit more than half the rounds: about 70 fewer
 * instructions per lookup.
 */
static uint64_t siphash13(const uint64_t key[2], const void *data, size_t len)
{
	return siphash_cd(key, data, len, 1, 3);
}

/* splitmix64 step: turns the one seed into independent keys. */
static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t next_random(struct sadb *db)
{
	uint64_t c = db->rctr++;

	return sadb_siphash(db->rkey, &c, sizeof(c));
}

/* Hash inputs are fixed-size byte strings so no padding leaks in. */
static uint32_t hash_spi(const struct sadb *db, uint8_t satype,
			 const struct sadb_addr *dst, uint32_t spi)
{
	uint8_t k[24];

	k[0] = satype;
	k[1] = dst->family;
	k[2] = k[3] = 0;
	memcpy(k + 4, &spi, 4);
	memcpy(k + 8, dst->addr, 16);
	return (uint32_t)siphash13(db->hkey, k, sizeof(k));
}

static uint32_t hash_addr(const struct sadb *db, const struct sadb_addr *src,
			  const struct sadb_addr *dst)
{
	uint8_t k[34];

	k[0] = src->family;
	k[1] = dst->family;
	memcpy(k + 2, src->addr, 16);
	memcpy(k + 18, dst->addr, 16);
	return (uint32_t)siphash13(db->hkey, k, sizeof(k));
}

static uint32_t hash_seq(const struct sadb *db, uint32_t seq)
{
	return (uint32_t)siphash13(db->hkey, &seq, sizeof(seq));
}

/* ---------------------------------------------------- big allocations */

static size_t huge_round(size_t bytes)
{
	return (bytes + HUGE_BYTES - 1) & ~(HUGE_BYTES - 1);
}

static void huge_advise(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
	(void)madvise(p, bytes, MADV_HUGEPAGE);	/* a hint: failure is fine */
#else
	(void)p;
	(void)bytes;
#endif
}

/*
 * bytes (a multiple of HUGE_BYTES) of zeroed memory, 2 MiB-aligned: one
 * extra 2 MiB is mapped and the misaligned ends are unmapped again.
 */
static void *huge_map(size_t bytes, bool advise)
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
	if (advise)
		huge_advise(p + head, bytes);
	return p + head;
}

/* Zeroed memory: the heap for small arrays, huge pages from 2 MiB on. */
static void *big_alloc(size_t bytes)
{
	return bytes < HUGE_BYTES ? calloc(1, bytes) :
		huge_map(huge_round(bytes), true);
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

/* -------------------------------------------------------------- slots */

static struct sadb_sa_rec *slot(const struct sadb *db, uint32_t i)
{
	return &db->pages[i / PAGE_SLOTS][i % PAGE_SLOTS];
}

static struct sadb_sa_rec *slot_or_null(const struct sadb *db, uint32_t i)
{
	return i == 0 ? NULL : slot(db, i);
}

static struct sadb_sa_rec *slot_alloc(struct sadb *db)
{
	struct sadb_sa_rec *r;
	uint32_t i;

	if (db->free_head != 0) {
		i = db->free_head;
		r = slot(db, i);
		db->free_head = r->next_spi;
	} else {
		if (db->nslots == CHAIN_HEAD)	/* slot numbers < 2^31 */
			return NULL;
		if (db->nslots / PAGE_SLOTS >= db->npages) {
			if (db->npages == db->cap_pages) {
				uint32_t cap = db->cap_pages ? db->cap_pages * 2 : 8;
				void *p = realloc(db->pages, cap * sizeof(*db->pages));

				if (p == NULL)
					return NULL;
				db->pages = p;
				db->cap_pages = cap;
			}
			db->pages[db->npages] = huge_map(HUGE_BYTES,
							 db->npages > 0);
			if (db->pages[db->npages] == NULL)
				return NULL;
			if (db->npages == 1)
				huge_advise(db->pages[0], HUGE_BYTES);
			db->npages++;
		}
		i = db->nslots++;
		r = slot(db, i);
	}
	memset(r, 0, sizeof(*r));
	r->idx = i;
	return r;
}

static void slot_free(struct sadb *db, struct sadb_sa_rec *r)
{
	uint32_t i = r->idx;

	memset(r, 0, sizeof(*r));
	r->idx = i;
	r->state = SLOT_FREE;
	r->next_spi = db->free_head;
	db->free_head = i;
}

/* ---------------------------------------------------------- blobs */

static size_t keys_len(unsigned abits, unsigned ebits)
{
	return sizeof(struct sadb_keys) + (abits + 7U) / 8 + (ebits + 7U) / 8;
}

/* A key blob of len bytes (uninitialized), NULL when out of memory. */
static struct sadb_keys *keys_alloc(struct sadb *db, size_t len)
{
	struct slab *sl = &db->slab;
	size_t cls = (len + 7) / 8 - 1, size = (cls + 1) * 8;
	void *k;

	if (len > SLAB_MAX) {
		k = malloc(len);
		if (k != NULL) {
			db->key_bytes += len;
			db->key_allocs++;
		}
		return k;
	}
	if (sl->free[cls] != NULL) {
		k = sl->free[cls];
		memcpy(&sl->free[cls], k, sizeof(void *));
		return k;
	}
	if (sl->left < size) {
		size_t csize = sl->bytes / 8;
		struct chunk *c;

		/* The old tail (under SLAB_MAX bytes) is left unused. */
		csize = csize < SLAB_CHUNK_MIN ? SLAB_CHUNK_MIN :
			csize >= HUGE_BYTES ? HUGE_BYTES : csize;
		c = csize == HUGE_BYTES ? huge_map(HUGE_BYTES, true) :
			malloc(csize);
		if (c == NULL)
			return NULL;
		c->next = sl->chunks;
		c->size = csize;
		sl->chunks = c;
		sl->bytes += csize;
		sl->nchunks++;
		sl->nmalloc += csize != HUGE_BYTES;
		sl->bump = (uint8_t *)(c + 1);
		sl->left = csize - sizeof(*c);
	}
	k = sl->bump;
	sl->bump += size;
	sl->left -= size;
	return k;
}

static void keys_free(struct sadb *db, struct sadb_keys *k)
{
	size_t len, cls;

	if (k == NULL)
		return;
	len = keys_len(k->abits, k->ebits);
	explicit_bzero(k, len);
	if (db->hook != NULL)
		db->hook(db->hook_arg, k, len);
	if (len > SLAB_MAX) {
		free(k);
		db->key_bytes -= len;
		db->key_allocs--;
		return;
	}
	cls = (len + 7) / 8 - 1;
	memcpy(k, &db->slab.free[cls], sizeof(void *));
	db->slab.free[cls] = k;
}

static void slab_free(struct slab *sl)
{
	for (struct chunk *c = sl->chunks, *next; c != NULL; c = next) {
		next = c->next;
		if (c->size == HUGE_BYTES)
			munmap(c, HUGE_BYTES);
		else
			free(c);
	}
}

static void extras_free(struct sadb *db, struct sadb_extras *x)
{
	if (x == NULL)
		return;
	db->extra_bytes -= sizeof(*x) + x->len;
	db->extra_allocs--;
	free(x);
}

void sadb_rec_release(struct sadb *db, struct sadb_sa_rec *r)
{
	keys_free(db, r->keys);
	extras_free(db, r->extras);
	r->keys = NULL;
	r->extras = NULL;
}

static const uint8_t *akey_bytes(const struct sadb_keys *k)
{
	return k->data;
}

static const uint8_t *ekey_bytes(const struct sadb_keys *k)
{
	return k->data + (k->abits + 7U) / 8;
}

/* --------------------------------------------------------- the store */

static uint32_t *table_new(uint32_t n)
{
	return big_alloc((size_t)n * sizeof(uint32_t));
}

static void table_free(uint32_t *t, uint32_t mask)
{
	big_free(t, ((size_t)mask + 1) * sizeof(uint32_t));
}

int sadb_new(uint64_t seed, struct sadb **out, struct pk_diag *d)
{
	struct sadb *db = calloc(1, sizeof(*db));
	uint64_t s = seed;

	pk_diag_clear(d);
	*out = NULL;
	if (db == NULL)
		return pk_diag_set(d, ENOMEM, 0, 0, 0, NULL, "out of memory");
	db->hkey[0] = splitmix(&s);
	db->hkey[1] = splitmix(&s);
	db->rkey[0] = splitmix(&s);
	db->rkey[1] = splitmix(&s);
	db->spi_tab = table_new(MIN_BUCKETS);
	db->addr_tab = table_new(MIN_BUCKETS);
	db->seq_tab = table_new(MIN_BUCKETS);
	db->spi_mask = db->addr_mask = db->seq_mask = MIN_BUCKETS - 1;
	db->heap = big_alloc(MIN_BUCKETS * sizeof(*db->heap));
	db->heap_cap = MIN_BUCKETS;
	/* Slot 0 is taken here and never used: it means "none". */
	if (db->spi_tab == NULL || db->addr_tab == NULL ||
	    db->seq_tab == NULL || db->heap == NULL || slot_alloc(db) == NULL) {
		sadb_free(db);
		return pk_diag_set(d, ENOMEM, 0, 0, 0, NULL, "out of memory");
	}
	*out = db;
	return 0;
}

void sadb_free(struct sadb *db)
{
	if (db == NULL)
		return;
	for (uint32_t i = db->head; i != 0;) {
		struct sadb_sa_rec *r = slot(db, i);

		i = r->next;
		sadb_rec_release(db, r);
	}
	for (uint32_t p = 0; p < db->npages; p++)
		munmap(db->pages[p], HUGE_BYTES);
	free(db->pages);
	table_free(db->spi_tab, db->spi_mask);
	table_free(db->addr_tab, db->addr_mask);
	table_free(db->seq_tab, db->seq_mask);
	big_free(db->heap, (size_t)db->heap_cap * sizeof(*db->heap));
	slab_free(&db->slab);
	free(db);
}

void sadb_set_key_free_hook(struct sadb *db, sadb_key_free_hook fn, void *arg)
{
	db->hook = fn;
	db->hook_arg = arg;
}

/* ------------------------------------------------------------ indexes */

static uint32_t *spi_link(struct sadb_sa_rec *r) { return &r->next_spi; }
static uint32_t *addr_link(struct sadb_sa_rec *r) { return &r->next_addr; }
static uint32_t *addr_back(struct sadb_sa_rec *r) { return &r->prev_addr; }
static uint32_t *seq_link(struct sadb_sa_rec *r) { return &r->next_seq; }

static uint32_t rec_hash_spi(const struct sadb *db, const struct sadb_sa_rec *r)
{
	return hash_spi(db, r->satype, &r->dst, r->spi);
}

static uint32_t rec_hash_addr(const struct sadb *db,
			      const struct sadb_sa_rec *r)
{
	return hash_addr(db, &r->src, &r->dst);
}

static uint32_t rec_hash_seq(const struct sadb *db, const struct sadb_sa_rec *r)
{
	return hash_seq(db, r->seq);
}

/*
 * One chained hash index.  back, when not NULL, is a backward link: the
 * chain is doubly linked and removal is O(1).  The (src, dst) index needs
 * it (all SAs between two gateways share one chain); the others' chains
 * stay short, since their keys are distinct per SA.
 *
 * The first SA of a doubly linked chain has CHAIN_HEAD | bucket as its
 * backward link, so that removing it needs no hash: in a large store an
 * SA added recently is nearly always first in its chain, and hashing its
 * addresses again cost as much as the rest of the removal.  Slot numbers
 * (and so bucket numbers) stay below CHAIN_HEAD.
 */
struct index {
	uint32_t	**tab;
	uint32_t	*mask;
	uint32_t	*(*link)(struct sadb_sa_rec *);
	uint32_t	*(*back)(struct sadb_sa_rec *);
	uint32_t	(*hash)(const struct sadb *, const struct sadb_sa_rec *);
};

static struct index idx_spi(struct sadb *db)
{
	return (struct index){ &db->spi_tab, &db->spi_mask, spi_link, NULL,
			       rec_hash_spi };
}

static struct index idx_addr(struct sadb *db)
{
	return (struct index){ &db->addr_tab, &db->addr_mask, addr_link,
			       addr_back, rec_hash_addr };
}

static struct index idx_seq(struct sadb *db)
{
	return (struct index){ &db->seq_tab, &db->seq_mask, seq_link, NULL,
			       rec_hash_seq };
}

/* Pushes r at the head of bucket b of table t. */
static void chain_push(struct sadb *db, struct index ix, uint32_t *t,
		       uint32_t b, struct sadb_sa_rec *r)
{
	*ix.link(r) = t[b];
	if (ix.back != NULL) {
		*ix.back(r) = CHAIN_HEAD | b;
		if (t[b] != 0)
			*ix.back(slot(db, t[b])) = r->idx;
	}
	t[b] = r->idx;
}

/* Doubles an index's buckets when it would hold more than one per bucket. */
static int index_grow(struct sadb *db, struct index ix, size_t entries)
{
	uint32_t old_n = *ix.mask + 1, n = old_n * 2, *old = *ix.tab, *t;

	if (entries <= old_n || n == 0)
		return 0;
	t = table_new(n);
	if (t == NULL)
		return -ENOMEM;
	for (uint32_t b = 0; b < old_n; b++) {
		for (uint32_t i = old[b]; i != 0;) {
			struct sadb_sa_rec *r = slot(db, i);

			i = *ix.link(r);
			chain_push(db, ix, t, ix.hash(db, r) & (n - 1), r);
		}
	}
	table_free(old, old_n - 1);
	*ix.tab = t;
	*ix.mask = n - 1;
	return 0;
}

static void index_insert(struct sadb *db, struct index ix,
			 struct sadb_sa_rec *r)
{
	chain_push(db, ix, *ix.tab, ix.hash(db, r) & *ix.mask, r);
}

static void index_remove(struct sadb *db, struct index ix,
			 struct sadb_sa_rec *r)
{
	uint32_t *p, next = *ix.link(r);

	if (ix.back != NULL) {
		uint32_t prev = *ix.back(r);

		if (prev & CHAIN_HEAD)
			(*ix.tab)[prev & ~CHAIN_HEAD] = next;
		else
			*ix.link(slot(db, prev)) = next;
		/* next takes r's place, first in the chain or not */
		if (next != 0)
			*ix.back(slot(db, next)) = prev;
		*ix.back(r) = 0;
		*ix.link(r) = 0;
		return;
	}
	p = &(*ix.tab)[ix.hash(db, r) & *ix.mask];
	while (*p != 0 && *p != r->idx)
		p = ix.link(slot(db, *p));
	if (*p == r->idx)
		*p = next;
	*ix.link(r) = 0;
}

bool sadb_addr_equal(const struct sadb_addr *a, const struct sadb_addr *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, 16) == 0;
}

const struct sadb_sa_rec *sadb_find(const struct sadb *db, uint8_t satype,
				    const struct sadb_addr *dst, uint32_t spi)
{
	uint32_t i = db->spi_tab[hash_spi(db, satype, dst, spi) & db->spi_mask];

	for (; i != 0; i = slot(db, i)->next_spi) {
		const struct sadb_sa_rec *r = slot(db, i);

		if (r->spi == spi && r->satype == satype &&
		    sadb_addr_equal(&r->dst, dst))
			return r;
	}
	return NULL;
}

const struct sadb_sa_rec *sadb_find_seq(const struct sadb *db,
					uint8_t satype, uint32_t seq)
{
	uint32_t i = db->seq_tab[hash_seq(db, seq) & db->seq_mask];

	for (; i != 0; i = slot(db, i)->next_seq) {
		const struct sadb_sa_rec *r = slot(db, i);

		if (r->seq == seq && (satype == SADB_SATYPE_UNSPEC ||
				      r->satype == satype))
			return r;
	}
	return NULL;
}

const struct sadb_sa_rec *sadb_addrpair_next(const struct sadb *db,
					     const struct sadb_addr *src,
					     const struct sadb_addr *dst,
					     const struct sadb_sa_rec *prev)
{
	uint32_t i = prev != NULL ? prev->next_addr :
		db->addr_tab[hash_addr(db, src, dst) & db->addr_mask];

	for (; i != 0; i = slot(db, i)->next_addr) {
		const struct sadb_sa_rec *r = slot(db, i);

		if (sadb_addr_equal(&r->src, src) &&
		    sadb_addr_equal(&r->dst, dst))
			return r;
	}
	return NULL;
}

size_t sadb_count(const struct sadb *db, uint8_t satype)
{
	if (satype == SADB_SATYPE_UNSPEC)
		return db->count;
	return satype <= SADB_SATYPE_MAX ? db->count_type[satype] : 0;
}

/* ------------------------------------------------------------- timers */

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static uint32_t clamp32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static void note_time(struct sadb *db, uint64_t now)
{
	if (!db->tbase_set) {
		db->tbase = now;
		db->tbase_set = true;
	}
}

/* Past or before the base: 0 (due at once); too far: the last offset. */
static uint32_t time_enc(const struct sadb *db, uint64_t t)
{
	return t <= db->tbase ? 0 : clamp32(t - db->tbase);
}

static uint64_t time_dec(const struct sadb *db, uint32_t at)
{
	return db->tbase + at;
}

/* Entry j of the old heap, or of the young one. */
static struct hent *hent(const struct sadb *db, bool young, uint32_t j)
{
	return young ? &db->heap[db->heap_cap - 1 - j] : &db->heap[j];
}

static void heap_put(struct sadb *db, bool young, uint32_t j, struct hent e)
{
	*hent(db, young, j) = e;
	slot(db, e.slot & ~YOUNG_MARK)->heap = (j + 1) |
		(young ? HEAP_YOUNG : 0);
}

/* Hole-moving sifts: each level costs one entry move, no swaps. */
static void sift_up(struct sadb *db, bool young, uint32_t j, struct hent e)
{
	while (j > 0) {
		uint32_t up = (j - 1) / 2;
		struct hent u = *hent(db, young, up);

		if (u.at <= e.at)
			break;
		heap_put(db, young, j, u);
		j = up;
	}
	heap_put(db, young, j, e);
}

static void sift_down(struct sadb *db, bool young, uint32_t j, struct hent e)
{
	uint32_t n = young ? db->young_n : db->heap_n;

	for (;;) {
		uint32_t c = 2 * j + 1;

		if (c >= n)
			break;
		if (c + 1 < n &&
		    hent(db, young, c + 1)->at < hent(db, young, c)->at)
			c++;
		if (hent(db, young, c)->at >= e.at)
			break;
		heap_put(db, young, j, *hent(db, young, c));
		j = c;
	}
	heap_put(db, young, j, e);
}

/* Puts e at j (an occupied position or the new last one) and restores
 * the heap order around it. */
static void heap_fix(struct sadb *db, bool young, uint32_t j, struct hent e)
{
	if (j > 0 && hent(db, young, (j - 1) / 2)->at > e.at)
		sift_up(db, young, j, e);
	else
		sift_down(db, young, j, e);
}

/* Which heap r's entry is in, and where (r->heap != 0). */
static bool rec_young(const struct sadb_sa_rec *r)
{
	return (r->heap & HEAP_YOUNG) != 0;
}

static uint32_t rec_pos(const struct sadb_sa_rec *r)
{
	return (r->heap & ~HEAP_YOUNG) - 1;
}

static void heap_remove(struct sadb *db, struct sadb_sa_rec *r)
{
	bool young = rec_young(r);
	uint32_t j, *n = young ? &db->young_n : &db->heap_n;

	if (r->heap == 0)
		return;
	j = rec_pos(r);
	r->heap = 0;
	(*n)--;
	if (j < *n)
		heap_fix(db, young, j, *hent(db, young, *n));
}

/*
 * Moves every young entry to the old heap.  The block is moved down to
 * just past the old heap first (the two may overlap: heap_n + young_n <=
 * heap_cap is all that holds), turned around (the young heap is roughly
 * sorted, so most insertions then stop at once), and each entry is sifted
 * up in turn, unmarked.
 */
static void young_evict_all(struct sadb *db)
{
	struct hent *b = db->heap + db->heap_n, t;
	uint32_t n = db->young_n;

	memmove(b, db->heap + db->heap_cap - db->young_n,
		(size_t)n * sizeof(*b));
	for (uint32_t i = 0; i < n / 2; i++) {
		t = b[i];
		b[i] = b[n - 1 - i];
		b[n - 1 - i] = t;
	}
	db->young_n = 0;
	for (uint32_t i = 0; i < n; i++) {
		t = b[i];
		t.slot &= ~YOUNG_MARK;
		sift_up(db, false, db->heap_n++, t);
	}
}

/* Whether young entry e was filed since the last sweep. */
static bool young_fresh(const struct sadb *db, struct hent e)
{
	return (e.slot & YOUNG_MARK) == db->young_epoch;
}

/*
 * The sweep (see the top of the file).  Stale entries (marked with the
 * other epoch) are taken out one by one where they stand, like a removal,
 * and filed in the old heap; the fresh ones are not touched, and flipping
 * the epoch makes them the stale ones of the next sweep unless filed
 * again.  An entry a removal lifts above the scan is only looked at next
 * time.  When full with too few stale entries, everything moves.
 */
static void young_sweep(struct sadb *db, bool full)
{
	uint32_t stale = 0;

	db->young_adds = 0;
	for (uint32_t j = 0; j < db->young_n; j++)
		stale += !young_fresh(db, *hent(db, true, j));
	if (full && stale < YOUNG_MAX / 4) {
		young_evict_all(db);
	} else {
		for (uint32_t j = 0; stale > 0 && j < db->young_n;) {
			struct hent e = *hent(db, true, j);

			if (young_fresh(db, e)) {
				j++;
				continue;
			}
			stale--;
			if (j < --db->young_n)
				heap_fix(db, true, j, *hent(db, true, db->young_n));
			e.slot &= ~YOUNG_MARK;
			sift_up(db, false, db->heap_n++, e);
		}
	}
	db->young_epoch ^= YOUNG_MARK;
}

/* Files a new entry in the young heap, swept first when due or full. */
static void heap_add(struct sadb *db, struct hent e)
{
	if (db->young_adds == YOUNG_MAX || db->young_n == YOUNG_MAX)
		young_sweep(db, db->young_n == YOUNG_MAX);
	db->young_adds++;
	e.slot |= db->young_epoch;
	sift_up(db, true, db->young_n++, e);	/* a leaf: it can only rise */
}

/* The earliest entry of both heaps, NULL when both are empty. */
static const struct hent *heap_top(const struct sadb *db)
{
	const struct hent *o = db->heap_n > 0 ? &db->heap[0] : NULL;
	const struct hent *y = db->young_n > 0 ? hent(db, true, 0) : NULL;

	if (o == NULL || (y != NULL && y->at < o->at))
		return y;
	return o;
}

/*
 * Room for n entries.  The heaps always have room for every SA, reserved
 * when an SA is added, so that scheduling never allocates: sadb_use() and
 * sadb_expire() cannot fail, and an UPDATE cannot fail half-way.  The
 * young entries move to the new array's end with their positions, which
 * count from the end, unchanged.
 */
static int heap_reserve(struct sadb *db, size_t n)
{
	size_t cap = db->heap_cap;
	void *p;

	if (n <= cap)
		return 0;
	while (cap < n)
		cap *= 2;
	if (cap >= HEAP_YOUNG)
		return -ENOMEM;
	p = big_alloc(cap * sizeof(*db->heap));
	if (p == NULL)
		return -ENOMEM;
	memcpy(p, db->heap, (size_t)db->heap_n * sizeof(*db->heap));
	memcpy((struct hent *)p + cap - db->young_n,
	       db->heap + db->heap_cap - db->young_n,
	       (size_t)db->young_n * sizeof(*db->heap));
	big_free(db->heap, (size_t)db->heap_cap * sizeof(*db->heap));
	db->heap = p;
	db->heap_cap = (uint32_t)cap;
	return 0;
}

static bool count_reached(uint64_t used, uint64_t limit)
{
	return limit != 0 && used >= limit;
}

/* When a limit set of r is reached: 0 when a count already is. */
static uint64_t limit_at(const struct sadb_sa_rec *r, const struct sadb_lim *l,
			 uint32_t alloc)
{
	uint64_t t = UINT64_MAX, u;

	if (count_reached(r->cur.bytes, l->bytes) ||
	    count_reached(r->cur_alloc, alloc))
		return 0;
	if (l->addtime != 0)
		t = add_sat(r->cur.addtime, l->addtime);
	if (l->usetime != 0 && (r->tflags & TF_USED)) {
		u = add_sat(r->cur.usetime, l->usetime);
		if (u < t)
			t = u;
	}
	return t;
}

static uint64_t soft_at(const struct sadb_sa_rec *r)
{
	return (r->tflags & TF_SOFT) ? UINT64_MAX :
		limit_at(r, &r->soft, r->soft_alloc);
}

static uint64_t hard_at(const struct sadb_sa_rec *r)
{
	return limit_at(r, &r->hard, r->hard_alloc);
}

/* Idle: after the last use if used, else after creation. */
static uint64_t idle_at(const struct sadb_sa_rec *r)
{
	if (r->tflags & TF_IDLE)
		return UINT64_MAX;
	if (r->tflags & TF_USED)
		return r->idle_usetime == 0 ? UINT64_MAX :
			add_sat(add_sat(r->cur.addtime, r->lastuse),
				r->idle_usetime);
	return r->idle_addtime == 0 ? UINT64_MAX :
		add_sat(r->cur.addtime, r->idle_addtime);
}

/*
 * The next time something may happen to r, UINT64_MAX for never.  Inline:
 * it runs on every ADD, where the call alone was a tenth of the timer work.
 */
static inline uint64_t next_at(const struct sadb_sa_rec *r)
{
	uint64_t t, u;

	if (r->state == SADB_SASTATE_LARVAL)
		return add_sat(r->cur.addtime, SADB_LARVAL_LIFETIME);
	t = soft_at(r);
	u = hard_at(r);
	if (u < t)
		t = u;
	u = idle_at(r);
	return u < t ? u : t;
}

static void derive_state(struct sadb_sa_rec *r)
{
	if (r->state == SADB_SASTATE_LARVAL)
		return;
	/* Dying outranks idle: after a soft expiry an SA shows DYING, as
	   on Linux, whether or not it has been used since. */
	r->state = (r->tflags & TF_SOFT) ? SADB_SASTATE_DYING :
		(r->tflags & TF_IDLE) ? SADB_X_SASTATE_IDLE : SADB_SASTATE_MATURE;
}

/*
 * Files r in the heap at its next time.  eager false: an entry already
 * earlier stays (it only causes one early re-evaluation), so a use on the
 * datapath moves nothing unless a limit is reached.
 */
static void sched(struct sadb *db, struct sadb_sa_rec *r, uint64_t now,
		  bool eager)
{
	uint64_t t = next_at(r);
	struct hent e;

	if (t == UINT64_MAX) {
		heap_remove(db, r);
		return;
	}
	note_time(db, now);
	e.at = time_enc(db, t);
	e.slot = r->idx;
	if (r->heap == 0) {
		heap_add(db, e);
		return;
	}
	if (!eager && hent(db, rec_young(r), rec_pos(r))->at <= e.at)
		return;
	if (rec_young(r))
		e.slot |= db->young_epoch;	/* filed again: fresh */
	heap_fix(db, rec_young(r), rec_pos(r), e);
}

/* Grows the indexes for one more SA (before anything is changed). */
static int reserve_one(struct sadb *db, bool larval)
{
	int rc = index_grow(db, idx_spi(db), db->count + 1);

	if (rc == 0)
		rc = index_grow(db, idx_addr(db), db->count + 1);
	if (rc == 0 && larval)
		rc = index_grow(db, idx_seq(db), db->nlarval + 1);
	if (rc == 0)
		rc = heap_reserve(db, db->count + 1);
	return rc;
}

/* Moves a filled record (keys and extras owned) into a new slot. */
static int link_new(struct sadb *db, const struct sadb_sa_rec *tmp,
		    uint64_t now, struct sadb_sa_rec **out)
{
	struct sadb_sa_rec *r;
	uint32_t i;

	if (reserve_one(db, tmp->state == SADB_SASTATE_LARVAL) != 0 ||
	    (r = slot_alloc(db)) == NULL)
		return -ENOMEM;
	i = r->idx;
	*r = *tmp;
	r->idx = i;
	r->next_spi = r->next_addr = r->prev_addr = r->next_seq = 0;
	r->heap = 0;
	r->prev = db->tail;
	r->next = 0;
	if (db->tail != 0)
		slot(db, db->tail)->next = i;
	else
		db->head = i;
	db->tail = i;
	index_insert(db, idx_spi(db), r);
	index_insert(db, idx_addr(db), r);
	if (r->state == SADB_SASTATE_LARVAL) {
		index_insert(db, idx_seq(db), r);
		db->nlarval++;
	}
	db->count++;
	db->count_type[r->satype]++;
	sched(db, r, now, true);
	*out = r;
	return 0;
}

static uint32_t skip_to_match(const struct sadb *db, uint32_t i,
			      const struct sadb_cursor *c);

/* Takes r out of every index and the list; its slot is freed. */
static void unlink_rec(struct sadb *db, struct sadb_sa_rec *r)
{
	for (struct sadb_cursor *c = db->cursors; c != NULL; c = c->link)
		if (c->pos == r->idx)
			c->pos = skip_to_match(db, r->next, c);
	heap_remove(db, r);
	index_remove(db, idx_spi(db), r);
	index_remove(db, idx_addr(db), r);
	if (r->state == SADB_SASTATE_LARVAL) {
		index_remove(db, idx_seq(db), r);
		db->nlarval--;
	}
	if (r->prev != 0)
		slot(db, r->prev)->next = r->next;
	else
		db->head = r->next;
	if (r->next != 0)
		slot(db, r->next)->prev = r->prev;
	else
		db->tail = r->prev;
	db->count--;
	db->count_type[r->satype]--;
	slot_free(db, r);
}

/* The SA paired with r: same type, addresses swapped, pointing back. */
static struct sadb_sa_rec *partner_of(const struct sadb *db,
				      const struct sadb_sa_rec *r)
{
	struct sadb_sa_rec *p;

	if (r->pair_spi == 0)
		return NULL;
	p = (struct sadb_sa_rec *)sadb_find(db, r->satype, &r->src,
					    r->pair_spi);
	if (p != NULL && p->pair_spi == r->spi &&
	    sadb_addr_equal(&p->src, &r->dst))
		return p;
	return NULL;
}

/* Clears the pairing of the SA paired with r, if any. */
static void unpair_partner(struct sadb *db, const struct sadb_sa_rec *r)
{
	struct sadb_sa_rec *p = partner_of(db, r);

	if (p != NULL) {
		p->pair_spi = 0;
		p->flags &= ~SADB_X_SAFLAGS_PAIRED;
	}
}

/* Removes r for good: partner unpaired, keys zeroed, slot freed. */
static void remove_rec(struct sadb *db, struct sadb_sa_rec *r)
{
	unpair_partner(db, r);
	sadb_rec_release(db, r);
	unlink_rec(db, r);
}

/*
 * Moves r out of the store into *out, state DEAD, for a reply; out owns
 * the blobs.  The partner's pairing is the caller's business.
 */
static void take_out(struct sadb *db, struct sadb_sa_rec *r,
		     struct sadb_sa_rec *out)
{
	*out = *r;
	out->state = SADB_SASTATE_DEAD;
	out->idx = out->next_spi = out->next_addr = out->prev_addr = 0;
	out->next_seq = out->prev = out->next = out->heap = 0;
	r->keys = NULL;
	r->extras = NULL;
	unlink_rec(db, r);
}

/* ------------------------------------------------- reading a request */

int sadb_addr_from_ext(struct sadb_addr *out, const struct sadb_address *a)
{
	struct sockaddr_storage ss;

	memset(out, 0, sizeof(*out));
	if (pk_address_sockaddr(a, &ss) == 0)
		return -EINVAL;
	out->prefixlen = a->sadb_address_prefixlen;
	out->proto = a->sadb_address_proto;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)&ss;

		out->family = AF_INET;
		memcpy(out->addr, &s->sin_addr, 4);
		out->port = s->sin_port;
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)&ss;

		out->family = AF_INET6;
		memcpy(out->addr, &s->sin6_addr, 16);
		out->port = s->sin6_port;
	} else {
		return -EINVAL;
	}
	return 0;
}

static size_t ext_off(const struct pk_msg *m, unsigned t)
{
	return m->ext[t] != NULL ?
		(size_t)((const uint8_t *)m->ext[t] -
			 (const uint8_t *)m->hdr) : 0;
}

#define SA_FIELD_OFF(m, f) \
	(ext_off((m), SADB_EXT_SA) + offsetof(struct sadb_sa, f))

static const struct sadb_sa *msg_sa(const struct pk_msg *m)
{
	return PK_MSG_EXT(m, SADB_EXT_SA, sadb_sa);
}

/* Reads the request's SA name: type, destination, SPI. */
static int read_name(const struct pk_msg *m, struct sadb_addr *dst,
		     uint32_t *spi, struct pk_diag *d)
{
	const struct sadb_sa *sa = msg_sa(m);
	const struct sadb_address *a =
		PK_MSG_EXT(m, SADB_EXT_ADDRESS_DST, sadb_address);

	if (sa == NULL)
		return pk_diag_set(d, EINVAL, D(MISSING_SA), SADB_EXT_SA, 0,
				   NULL, "the request names no SA");
	if (a == NULL || sadb_addr_from_ext(dst, a) != 0)
		return pk_diag_set(d, EINVAL, D(MISSING_DST),
				   SADB_EXT_ADDRESS_DST, 0, NULL,
				   "the request names no destination");
	*spi = ntohl(sa->sadb_sa_spi);
	return 0;
}

static int not_found(const struct pk_msg *m, uint32_t spi, struct pk_diag *d)
{
	return pk_diag_set(d, ESRCH, D(SA_NOTFOUND), SADB_EXT_SA,
			   SA_FIELD_OFF(m, sadb_sa_spi), "sadb_sa_spi",
			   "no %s SA with SPI 0x%x to this destination",
			   pk_satype_name(m->hdr->sadb_msg_satype), spi);
}

static const struct sadb_lifetime *msg_lft(const struct pk_msg *m,
					   unsigned t)
{
	return PK_MSG_EXT(m, t, sadb_lifetime);
}

/* Soft must not exceed hard, field by field (0 = no limit). */
static int check_soft_hard(const struct sadb_sa_rec *r, struct pk_diag *d)
{
	static const struct {
		uint16_t code;
		const char *field;
	} f[4] = {
		{ D(ALLOC_HSERR), "sadb_lifetime_allocations" },
		{ D(BYTES_HSERR), "sadb_lifetime_bytes" },
		{ D(ADDTIME_HSERR), "sadb_lifetime_addtime" },
		{ D(USETIME_HSERR), "sadb_lifetime_usetime" },
	};
	uint64_t soft[4] = { r->soft_alloc, r->soft.bytes, r->soft.addtime,
			     r->soft.usetime };
	uint64_t hard[4] = { r->hard_alloc, r->hard.bytes, r->hard.addtime,
			     r->hard.usetime };

	for (int i = 0; i < 4; i++)
		if (soft[i] != 0 && hard[i] != 0 && soft[i] > hard[i])
			return pk_diag_set(d, EINVAL, f[i].code,
					   SADB_EXT_LIFETIME_SOFT, 0,
					   f[i].field,
					   "soft %s %llu exceeds hard %llu",
					   f[i].field + 14,
					   (unsigned long long)soft[i],
					   (unsigned long long)hard[i]);
	return 0;
}

/*
 * Applies the lifetimes of m to r.  keep_zero: a field given as 0 keeps
 * the old value (mature UPDATE).
 */
static void apply_lifetimes(const struct pk_msg *m, struct sadb_sa_rec *r,
			    bool keep_zero)
{
	const struct sadb_lifetime *h = msg_lft(m, SADB_EXT_LIFETIME_HARD);
	const struct sadb_lifetime *s = msg_lft(m, SADB_EXT_LIFETIME_SOFT);
	const struct sadb_lifetime *i = msg_lft(m, SADB_X_EXT_LIFETIME_IDLE);

#define SETF(dst, v) do { if (!keep_zero || (v) != 0) (dst) = (v); } while (0)
#define SETT(dst, v) do { if (!keep_zero || (v) != 0) (dst) = clamp32(v); } while (0)
	if (h != NULL) {
		SETF(r->hard_alloc, h->sadb_lifetime_allocations);
		SETF(r->hard.bytes, h->sadb_lifetime_bytes);
		SETT(r->hard.addtime, h->sadb_lifetime_addtime);
		SETT(r->hard.usetime, h->sadb_lifetime_usetime);
	}
	if (s != NULL) {
		SETF(r->soft_alloc, s->sadb_lifetime_allocations);
		SETF(r->soft.bytes, s->sadb_lifetime_bytes);
		SETT(r->soft.addtime, s->sadb_lifetime_addtime);
		SETT(r->soft.usetime, s->sadb_lifetime_usetime);
	}
	if (i != NULL) {
		r->tflags |= TF_IDLE_SET;
		SETT(r->idle_addtime, i->sadb_lifetime_addtime);
		SETT(r->idle_usetime, i->sadb_lifetime_usetime);
	}
#undef SETF
#undef SETT
}

/* Extensions kept verbatim in the extras blob, in echo order. */
static const uint16_t extra_types[] = {
	SADB_EXT_ADDRESS_PROXY, SADB_X_EXT_ADDRESS_INNER_DST,
	SADB_EXT_IDENTITY_SRC, SADB_EXT_IDENTITY_DST, SADB_EXT_SENSITIVITY,
	SADB_X_EXT_OUTER_SENS, SADB_X_EXT_NAT_T_TYPE, SADB_X_EXT_NAT_T_SPORT,
	SADB_X_EXT_NAT_T_DPORT, SADB_X_EXT_NAT_T_OA,
	SADB_X_EXT_ADDRESS_NATT_LOC, SADB_X_EXT_ADDRESS_NATT_REM,
	SADB_X_EXT_SEC_CTX, SADB_X_EXT_KM_COOKIE, SADB_X_EXT_REPLAY_VALUE,
};
#define N_EXTRA (sizeof(extra_types) / sizeof(extra_types[0]))

static int copy_extras(struct sadb *db, const struct pk_msg *m,
		       struct sadb_extras **out, struct pk_diag *d)
{
	struct sadb_extras *x;
	size_t len = 0, at = 0;

	*out = NULL;
	for (size_t i = 0; i < N_EXTRA; i++)
		if (m->ext[extra_types[i]] != NULL)
			len += SADB_BYTES(m->ext[extra_types[i]]->sadb_ext_len);
	if (len == 0)
		return 0;
	x = malloc(sizeof(*x) + len);
	if (x == NULL)
		return pk_diag_set(d, ENOMEM, 0, 0, 0, NULL, "out of memory");
	x->len = len;
	for (size_t i = 0; i < N_EXTRA; i++) {
		const struct sadb_ext *e = m->ext[extra_types[i]];

		if (e == NULL)
			continue;
		memcpy(x->data + at, e, SADB_BYTES(e->sadb_ext_len));
		at += SADB_BYTES(e->sadb_ext_len);
	}
	db->extra_bytes += sizeof(*x) + len;
	db->extra_allocs++;
	*out = x;
	return 0;
}

/* Checks one algorithm id of an SA; *alg NULL for "none". */
static int check_alg_id(enum pk_alg_class cls, unsigned id, uint8_t satype,
			const struct pk_msg *m, const struct pk_alg **alg,
			struct pk_diag *d)
{
	bool auth = cls == PK_ALG_AUTH;
	uint16_t code = auth ? D(BAD_AALG) : D(BAD_EALG);
	size_t off = auth ? SA_FIELD_OFF(m, sadb_sa_auth) :
		SA_FIELD_OFF(m, sadb_sa_encrypt);
	const char *field = auth ? "sadb_sa_auth" : "sadb_sa_encrypt";
	const struct pk_alg *a;

	*alg = NULL;
	if (id == 0)
		return 0;
	a = pk_alg_by_id(cls, id);
	if (a == NULL)
		return pk_diag_set(d, ENOSYS, code, SADB_EXT_SA, off, field,
				   "%s algorithm %u is not supported",
				   auth ? "authentication" :
				   cls == PK_ALG_COMP ? "compression" :
				   "encryption", id);
	if (auth && ((a->flags & PK_ALGF_TCP) != 0) !=
	    (satype == SADB_X_SATYPE_TCPSIGNATURE))
		return pk_diag_set(d, EINVAL, code, SADB_EXT_SA, off, field,
				   "%s is not for %s SAs", a->name,
				   pk_satype_name(satype));
	*alg = a;
	return 0;
}

/* Points a key refusal of the algorithm table at the key extension. */
static int key_fault(const struct pk_msg *m, uint16_t type, int rc,
		     struct pk_diag *d)
{
	if (d != NULL) {
		d->ext_type = type;
		d->offset = (uint32_t)ext_off(m, type);
	}
	return rc;
}

/*
 * Checks the algorithms and keys of m for satype and builds the key blob
 * (DES parity fixed in the copy).
 */
static int read_keys(struct sadb *db, const struct pk_msg *m,
		     struct sadb_sa_rec *r, struct pk_diag *d)
{
	const struct sadb_key *ak = PK_MSG_EXT(m, SADB_EXT_KEY_AUTH, sadb_key);
	const struct sadb_key *ek = PK_MSG_EXT(m, SADB_EXT_KEY_ENCRYPT, sadb_key);
	const struct pk_alg *aa = NULL, *ea = NULL;
	unsigned abits = ak ? ak->sadb_key_bits : 0;
	unsigned ebits = ek ? ek->sadb_key_bits : 0;
	size_t abytes, ebytes, len;
	struct sadb_keys *k;
	int rc;

	r->keys = NULL;
	switch (r->satype) {
	case SADB_SATYPE_AH:
	case SADB_X_SATYPE_TCPSIGNATURE:
		if (r->encrypt != 0)
			return pk_diag_set(d, EINVAL, D(ENCR_NOTSUPP),
					   SADB_EXT_SA,
					   SA_FIELD_OFF(m, sadb_sa_encrypt),
					   "sadb_sa_encrypt",
					   "%s SAs take no encryption algorithm",
					   pk_satype_name(r->satype));
		if (ek != NULL)
			return pk_diag_set(d, EINVAL, D(EKEY_PRESENT),
					   SADB_EXT_KEY_ENCRYPT,
					   ext_off(m, SADB_EXT_KEY_ENCRYPT), NULL,
					   "%s SAs take no encryption key",
					   pk_satype_name(r->satype));
		if (r->auth == 0)
			return pk_diag_set(d, EINVAL, D(BAD_AALG), SADB_EXT_SA,
					   SA_FIELD_OFF(m, sadb_sa_auth),
					   "sadb_sa_auth",
					   "%s SAs need an authentication algorithm",
					   pk_satype_name(r->satype));
		break;
	case SADB_SATYPE_ESP:
		if (r->auth == 0 && r->encrypt == 0)
			return pk_diag_set(d, EINVAL, D(BAD_EALG), SADB_EXT_SA,
					   SA_FIELD_OFF(m, sadb_sa_encrypt),
					   "sadb_sa_encrypt",
					   "esp SAs need an encryption or an "
					   "authentication algorithm");
		break;
	case SADB_X_SATYPE_IPCOMP:
		if (r->auth != 0)
			return pk_diag_set(d, EINVAL, D(BAD_AALG), SADB_EXT_SA,
					   SA_FIELD_OFF(m, sadb_sa_auth),
					   "sadb_sa_auth",
					   "ipcomp SAs take no authentication");
		if (ak != NULL || ek != NULL)
			return pk_diag_set(d, EINVAL,
					   ak ? D(AKEY_PRESENT) : D(EKEY_PRESENT),
					   ak ? SADB_EXT_KEY_AUTH : SADB_EXT_KEY_ENCRYPT,
					   0, NULL, "ipcomp SAs take no key");
		if (r->encrypt == 0)
			return pk_diag_set(d, EINVAL, D(BAD_EALG), SADB_EXT_SA,
					   SA_FIELD_OFF(m, sadb_sa_encrypt),
					   "sadb_sa_encrypt",
					   "ipcomp SAs need a compression algorithm");
		return check_alg_id(PK_ALG_COMP, r->encrypt, r->satype, m,
				    &ea, d);
	default:
		return pk_diag_set(d, EINVAL, D(UNKNOWN_SATYPE), 0,
				   offsetof(struct sadb_msg, sadb_msg_satype),
				   "sadb_msg_satype",
				   "%s SAs are not supported by this engine",
				   pk_satype_name(r->satype));
	}
	rc = check_alg_id(PK_ALG_AUTH, r->auth, r->satype, m, &aa, d);
	if (rc == 0)
		rc = check_alg_id(PK_ALG_ENCR, r->encrypt, r->satype, m, &ea, d);
	if (rc != 0)
		return rc;
	if (aa == NULL && ak != NULL)
		return pk_diag_set(d, EINVAL, D(AKEY_PRESENT), SADB_EXT_KEY_AUTH,
				   ext_off(m, SADB_EXT_KEY_AUTH), NULL,
				   "an authentication key without an "
				   "authentication algorithm");
	if (ea == NULL && ek != NULL)
		return pk_diag_set(d, EINVAL, D(EKEY_PRESENT),
				   SADB_EXT_KEY_ENCRYPT,
				   ext_off(m, SADB_EXT_KEY_ENCRYPT), NULL,
				   "an encryption key without an "
				   "encryption algorithm");
	if (aa != NULL && ak == NULL && !(aa->flags & PK_ALGF_NOKEY))
		return pk_diag_set(d, EINVAL, D(MISSING_AKEY), SADB_EXT_KEY_AUTH,
				   m->len, NULL, "%s needs an authentication key",
				   aa->name);
	if (ea != NULL && ek == NULL && !(ea->flags & PK_ALGF_NOKEY))
		return pk_diag_set(d, EINVAL, D(MISSING_EKEY),
				   SADB_EXT_KEY_ENCRYPT, m->len, NULL,
				   "%s needs an encryption key", ea->name);
	if (aa != NULL) {
		rc = pk_alg_check_key(aa, ak ? pk_key_data(ak) : NULL, abits, d);
		if (rc != 0)
			return key_fault(m, SADB_EXT_KEY_AUTH, rc, d);
	}
	if (ea != NULL) {
		rc = pk_alg_check_key(ea, ek ? pk_key_data(ek) : NULL, ebits, d);
		if (rc != 0)
			return key_fault(m, SADB_EXT_KEY_ENCRYPT, rc, d);
	}
	if (abits == 0 && ebits == 0)
		return 0;
	abytes = (abits + 7) / 8;
	ebytes = (ebits + 7) / 8;
	len = sizeof(*k) + abytes + ebytes;
	k = keys_alloc(db, len);
	if (k == NULL)
		return pk_diag_set(d, ENOMEM, 0, 0, 0, NULL, "out of memory");
	k->abits = (uint16_t)abits;
	k->ebits = (uint16_t)ebits;
	k->areserved = ak ? ak->sadb_key_reserved : 0;
	k->ereserved = ek ? ek->sadb_key_reserved : 0;
	if (abytes)
		memcpy(k->data, pk_key_data(ak), abytes);
	if (ebytes) {
		memcpy(k->data + abytes, pk_key_data(ek), ebytes);
		if (ea->flags & PK_ALGF_DES)
			pk_des_fix_parity(k->data + abytes, ebytes);
	}
	r->keys = k;
	return 0;
}

/*
 * The direction of a new SA: the request's flag, else from the local
 * addresses when the store knows them, else none.
 */
static int choose_direction(const struct sadb *db, const struct pk_msg *m,
			    struct sadb_sa_rec *r, struct pk_diag *d)
{
	uint32_t dir = r->flags & SADB_X_SAFLAGS_DIRECTION;

	if (dir == SADB_X_SAFLAGS_DIRECTION)
		return pk_diag_set(d, EINVAL, D(BAD_SA_DIRECTION), SADB_EXT_SA,
				   SA_FIELD_OFF(m, sadb_sa_flags),
				   "sadb_sa_flags",
				   "an SA is inbound or outbound, not both");
	if (dir != 0 || db->is_local == NULL)
		return 0;
	if (db->is_local(db->is_local_arg, &r->dst))
		r->flags |= SADB_X_SAFLAGS_INBOUND;
	else if (db->is_local(db->is_local_arg, &r->src))
		r->flags |= SADB_X_SAFLAGS_OUTBOUND;
	return 0;
}

void sadb_set_local_addr_fn(struct sadb *db, sadb_is_local_fn is_local,
			    void *arg)
{
	db->is_local = is_local;
	db->is_local_arg = arg;
}

/*
 * Builds a complete mature SA from an ADD (or a larval UPDATE) into r:
 * every field checked, blobs allocated.  On failure nothing is allocated.
 */
static int read_sa(struct sadb *db, const struct pk_msg *m, uint64_t now,
		   struct sadb_sa_rec *r, struct pk_diag *d)
{
	const struct sadb_sa *sa = msg_sa(m);
	const struct sadb_address *src =
		PK_MSG_EXT(m, SADB_EXT_ADDRESS_SRC, sadb_address);
	const struct sadb_x_sa2 *sa2 = PK_MSG_EXT(m, SADB_X_EXT_SA2, sadb_x_sa2);
	const struct sadb_x_pair *pair =
		PK_MSG_EXT(m, SADB_X_EXT_PAIR, sadb_x_pair);
	int rc;

	memset(r, 0, sizeof(*r));
	rc = read_name(m, &r->dst, &r->spi, d);
	if (rc != 0)
		return rc;
	r->satype = m->hdr->sadb_msg_satype;
	r->seq = m->hdr->sadb_msg_seq;
	r->pid = m->hdr->sadb_msg_pid;
	if (r->spi == 0 || (r->satype == SADB_X_SATYPE_IPCOMP &&
			    r->spi > 0xffff))
		return pk_diag_set(d, EINVAL, D(MALFORMED_SA), SADB_EXT_SA,
				   SA_FIELD_OFF(m, sadb_sa_spi), "sadb_sa_spi",
				   "SPI 0x%x is not valid%s", r->spi,
				   r->spi ? " for ipcomp (a CPI has 16 bits)" :
				   " (0 is reserved)");
	if (sa->sadb_sa_state != SADB_SASTATE_MATURE)
		return pk_diag_set(d, EINVAL, D(BAD_SASTATE), SADB_EXT_SA,
				   SA_FIELD_OFF(m, sadb_sa_state),
				   "sadb_sa_state",
				   "state %u, an SA is added mature (%u)",
				   sa->sadb_sa_state, SADB_SASTATE_MATURE);
	if (src != NULL) {
		if (sadb_addr_from_ext(&r->src, src) != 0)
			return pk_diag_set(d, EINVAL, D(BAD_SRC),
					   SADB_EXT_ADDRESS_SRC,
					   ext_off(m, SADB_EXT_ADDRESS_SRC),
					   NULL, "bad source address");
	} else {
		/* No source: the unspecified address of dst's family. */
		r->src.family = r->dst.family;
		r->src.proto = r->dst.proto;
	}
	r->state = SADB_SASTATE_MATURE;
	r->replay = sa->sadb_sa_replay;
	r->auth = sa->sadb_sa_auth;
	r->encrypt = sa->sadb_sa_encrypt;
	r->flags = sa->sadb_sa_flags & ~SADB_X_SAFLAGS_PAIRED;
	if (sa2 != NULL) {
		r->mode = sa2->sadb_x_sa2_mode;
		r->reqid = sa2->sadb_x_sa2_reqid;
	}
	r->pair_spi = pair ? ntohl(pair->sadb_x_pair_spi) : 0;
	apply_lifetimes(m, r, false);
	if (msg_lft(m, SADB_X_EXT_LIFETIME_IDLE) == NULL)
		r->idle_addtime = r->hard.addtime / 2;
	r->cur.addtime = now;
	rc = check_soft_hard(r, d);
	if (rc == 0)
		rc = choose_direction(db, m, r, d);
	if (rc != 0)
		return rc;
	rc = read_keys(db, m, r, d);
	if (rc != 0)
		return rc;
	rc = copy_extras(db, m, &r->extras, d);
	if (rc != 0) {
		keys_free(db, r->keys);
		r->keys = NULL;
	}
	return rc;
}

/*
 * Finds the SA r wants to pair with: same type, addresses swapped, SPI
 * pair_spi, not paired with anyone else.  self: r's own slot, if stored.
 */
static int find_pair(struct sadb *db, const struct pk_msg *m,
		     const struct sadb_sa_rec *r, const struct sadb_sa_rec *self,
		     struct sadb_sa_rec **out, struct pk_diag *d)
{
	size_t off = ext_off(m, SADB_X_EXT_PAIR);
	struct sadb_sa_rec *p;

	*out = NULL;
	if (r->pair_spi == 0)
		return 0;
	p = (struct sadb_sa_rec *)sadb_find(db, r->satype, &r->src,
					    r->pair_spi);
	if (p == NULL)
		return pk_diag_set(d, ESRCH, D(PAIR_SA_NOTFOUND),
				   SADB_X_EXT_PAIR, off, "sadb_x_pair_spi",
				   "no SA with SPI 0x%x from the destination "
				   "to the source to pair with", r->pair_spi);
	if (p == self || p->state == SADB_SASTATE_LARVAL ||
	    p->state == SADB_SASTATE_DEAD)
		return pk_diag_set(d, EINVAL, D(PAIR_INAPPROPRIATE),
				   SADB_X_EXT_PAIR, off, "sadb_x_pair_spi",
				   "SA 0x%x cannot be paired with this one",
				   r->pair_spi);
	if (!sadb_addr_equal(&p->src, &r->dst))
		return pk_diag_set(d, EINVAL, D(PAIR_ADD_MISMATCH),
				   SADB_X_EXT_PAIR, off, "sadb_x_pair_spi",
				   "SA 0x%x does not come from this SA's "
				   "destination", r->pair_spi);
	if (p->pair_spi != 0 &&
	    !(self != NULL && p->pair_spi == self->spi))
		return pk_diag_set(d, EINVAL, D(PAIR_ALREADY),
				   SADB_X_EXT_PAIR, off, "sadb_x_pair_spi",
				   "SA 0x%x is already paired with SA 0x%x",
				   r->pair_spi, p->pair_spi);
	*out = p;
	return 0;
}

static void set_pair(struct sadb_sa_rec *a, struct sadb_sa_rec *b)
{
	a->pair_spi = b->spi;
	b->pair_spi = a->spi;
	a->flags |= SADB_X_SAFLAGS_PAIRED;
	b->flags |= SADB_X_SAFLAGS_PAIRED;
}

/* ------------------------------------------------------------- ADD */

int sadb_add(struct sadb *db, const struct pk_msg *m, uint64_t now,
	     const struct sadb_sa_rec **out, struct pk_diag *d)
{
	struct sadb_sa_rec tmp, *r, *p;
	int rc;

	pk_diag_clear(d);
	if (out != NULL)
		*out = NULL;
	rc = read_sa(db, m, now, &tmp, d);
	if (rc != 0)
		return rc;
	if (sadb_find(db, tmp.satype, &tmp.dst, tmp.spi) != NULL) {
		rc = pk_diag_set(d, EEXIST, D(NONE), SADB_EXT_SA,
				 SA_FIELD_OFF(m, sadb_sa_spi), "sadb_sa_spi",
				 "an %s SA with SPI 0x%x to this destination "
				 "exists", pk_satype_name(tmp.satype), tmp.spi);
		goto fail;
	}
	/* Checked before anything is stored: a failed pairing adds nothing. */
	rc = find_pair(db, m, &tmp, NULL, &p, d);
	if (rc != 0)
		goto fail;
	rc = link_new(db, &tmp, now, &r);
	if (rc != 0) {
		pk_diag_set(d, ENOMEM, 0, 0, 0, NULL, "out of memory");
		goto fail;
	}
	if (p != NULL)
		set_pair(r, p);
	if (out != NULL)
		*out = r;
	return 0;
fail:
	sadb_rec_release(db, &tmp);
	return rc;
}

/* ------------------------------------------------------------ GET */

static struct sadb_sa_rec *find_named(struct sadb *db, const struct pk_msg *m,
				      struct pk_diag *d, int *rc)
{
	struct sadb_addr dst;
	uint32_t spi = 0;	/* set by read_name() when it succeeds */
	struct sadb_sa_rec *r;

	*rc = read_name(m, &dst, &spi, d);
	if (*rc != 0)
		return NULL;
	r = (struct sadb_sa_rec *)sadb_find(db, m->hdr->sadb_msg_satype, &dst,
					    spi);
	if (r == NULL)
		*rc = not_found(m, spi, d);
	return r;
}

int sadb_get(struct sadb *db, const struct pk_msg *m,
	     const struct sadb_sa_rec **out, struct pk_diag *d)
{
	int rc;

	pk_diag_clear(d);
	*out = find_named(db, m, d, &rc);
	return rc;
}

/* --------------------------------------------------------- DELETE */

int sadb_delete(struct sadb *db, const struct pk_msg *m,
		struct sadb_sa_rec *out, struct pk_diag *d)
{
	struct sadb_sa_rec *r;
	int rc;

	pk_diag_clear(d);
	memset(out, 0, sizeof(*out));
	r = find_named(db, m, d, &rc);
	if (r == NULL)
		return rc;
	unpair_partner(db, r);
	take_out(db, r, out);
	return 0;
}

/* --------------------------------------------------------- FLUSH */

int sadb_flush(struct sadb *db, uint8_t satype, size_t *count,
	       struct pk_diag *d)
{
	size_t n = 0;

	pk_diag_clear(d);
	for (uint32_t i = db->head; i != 0;) {
		struct sadb_sa_rec *r = slot(db, i);

		i = r->next;
		if (satype != SADB_SATYPE_UNSPEC && r->satype != satype)
			continue;
		/* A partner of another type cannot exist: pairs share a type. */
		remove_rec(db, r);
		n++;
	}
	if (count != NULL)
		*count = n;
	return 0;
}

/* --------------------------------------------------------- UPDATE */

/* Flags a mature SA may change with UPDATE (added, never removed). */
#define UPDATE_FLAGS	(SADB_X_SAFLAGS_INBOUND | SADB_X_SAFLAGS_OUTBOUND)

/* What a mature UPDATE may carry besides naming the SA. */
#define MATURE_UPDATE_EXTS (PK_EXT_BIT(SADB_EXT_SA) | \
	PK_EXT_BIT(SADB_EXT_ADDRESS_SRC) | PK_EXT_BIT(SADB_EXT_ADDRESS_DST) | \
	PK_EXT_BIT(SADB_EXT_ADDRESS_PROXY) | \
	PK_EXT_BIT(SADB_X_EXT_ADDRESS_INNER_DST) | \
	PK_EXT_BIT(SADB_EXT_LIFETIME_HARD) | PK_EXT_BIT(SADB_EXT_LIFETIME_SOFT) | \
	PK_EXT_BIT(SADB_X_EXT_LIFETIME_IDLE) | PK_EXT_BIT(SADB_X_EXT_PAIR) | \
	PK_EXT_BIT(SADB_X_EXT_SA2))

static int update_larval(struct sadb *db, const struct pk_msg *m,
			 uint64_t now, struct sadb_sa_rec *r, struct pk_diag *d)
{
	struct sadb_sa_rec tmp, *p;
	int rc;

	rc = read_sa(db, m, now, &tmp, d);
	if (rc != 0)
		return rc;
	/* The larval SA's source stands when the update names none; the
	 * direction from local addresses is then decided again on it. */
	if (m->ext[SADB_EXT_ADDRESS_SRC] == NULL) {
		tmp.src = r->src;
		if ((msg_sa(m)->sadb_sa_flags & SADB_X_SAFLAGS_DIRECTION) == 0) {
			tmp.flags &= ~SADB_X_SAFLAGS_DIRECTION;
			(void)choose_direction(db, m, &tmp, d);
		}
	}
	if (tmp.src.family != r->dst.family) {
		rc = pk_diag_set(d, EINVAL, D(AF_MISMATCH),
				 SADB_EXT_ADDRESS_SRC,
				 ext_off(m, SADB_EXT_ADDRESS_SRC), "sa_family",
				 "source family differs from the SA's");
		goto fail;
	}
	if (m->ext[SADB_X_EXT_SA2] == NULL) {
		tmp.mode = r->mode;
		tmp.reqid = r->reqid;
	}
	rc = find_pair(db, m, &tmp, r, &p, d);
	if (rc != 0)
		goto fail;
	if (reserve_one(db, false) != 0) {
		rc = pk_diag_set(d, ENOMEM, 0, 0, 0, NULL, "out of memory");
		goto fail;
	}
	index_remove(db, idx_seq(db), r);
	db->nlarval--;
	index_remove(db, idx_addr(db), r);
	tmp.seq = r->seq;
	tmp.pid = r->pid;
	tmp.idx = r->idx;
	tmp.next_spi = r->next_spi;
	tmp.prev = r->prev;
	tmp.next = r->next;
	tmp.heap = r->heap;
	*r = tmp;
	index_insert(db, idx_addr(db), r);
	if (p != NULL)
		set_pair(r, p);
	return 0;
fail:
	sadb_rec_release(db, &tmp);
	return rc;
}

/* A direction dir (0: none given) for an SA whose direction is have. */
static int check_direction(const struct pk_msg *m, uint32_t have, uint32_t dir,
			   uint32_t spi, struct pk_diag *d)
{
	if (dir == SADB_X_SAFLAGS_DIRECTION)
		return pk_diag_set(d, EINVAL, D(BAD_SA_DIRECTION), SADB_EXT_SA,
				   SA_FIELD_OFF(m, sadb_sa_flags),
				   "sadb_sa_flags",
				   "an SA is inbound or outbound, not both");
	if (dir != 0 && have != 0 && dir != have)
		return pk_diag_set(d, EINVAL, D(BAD_SA_DIRECTION), SADB_EXT_SA,
				   SA_FIELD_OFF(m, sadb_sa_flags),
				   "sadb_sa_flags",
				   "SA 0x%x is %s: its direction cannot change",
				   spi, have == SADB_X_SAFLAGS_INBOUND ?
				   "inbound" : "outbound");
	return 0;
}

/*
 * Checks a mature UPDATE of r and builds the updated copy in *tmp (and the
 * SA to pair with in *p); nothing in the store changes.
 */
static int mature_prepare(struct sadb *db, const struct pk_msg *m,
			  const struct sadb_sa_rec *r, struct sadb_sa_rec *tmp,
			  struct sadb_sa_rec **p, struct pk_diag *d)
{
	const struct sadb_sa *sa = msg_sa(m);
	const struct sadb_x_sa2 *sa2 = PK_MSG_EXT(m, SADB_X_EXT_SA2, sadb_x_sa2);
	const struct sadb_x_pair *pair =
		PK_MSG_EXT(m, SADB_X_EXT_PAIR, sadb_x_pair);
	uint64_t extra = m->present & ~MATURE_UPDATE_EXTS;
	uint32_t newflags = sa->sadb_sa_flags & ~SADB_X_SAFLAGS_PAIRED;
	int rc;

	*tmp = *r;
	*p = NULL;
	if (m->ext[SADB_EXT_KEY_AUTH] != NULL)
		return pk_diag_set(d, EINVAL, D(AKEY_PRESENT), SADB_EXT_KEY_AUTH,
				   ext_off(m, SADB_EXT_KEY_AUTH), NULL,
				   "the keys of a mature SA cannot change");
	if (m->ext[SADB_EXT_KEY_ENCRYPT] != NULL)
		return pk_diag_set(d, EINVAL, D(EKEY_PRESENT),
				   SADB_EXT_KEY_ENCRYPT,
				   ext_off(m, SADB_EXT_KEY_ENCRYPT), NULL,
				   "the keys of a mature SA cannot change");
	if (extra != 0) {
		unsigned t = (unsigned)__builtin_ctzll(extra);

		return pk_diag_set(d, EINVAL, D(EXT_NOT_ALLOWED), t,
				   ext_off(m, t), NULL,
				   "%s cannot change on a mature SA",
				   pk_ext_name(t));
	}
	if ((sa->sadb_sa_auth != 0 && sa->sadb_sa_auth != r->auth) ||
	    (sa->sadb_sa_encrypt != 0 && sa->sadb_sa_encrypt != r->encrypt))
		return pk_diag_set(d, EINVAL,
				   sa->sadb_sa_auth != 0 &&
				   sa->sadb_sa_auth != r->auth ?
				   D(BAD_AALG) : D(BAD_EALG), SADB_EXT_SA,
				   ext_off(m, SADB_EXT_SA), NULL,
				   "the algorithms of a mature SA cannot change");
	if (sa->sadb_sa_replay != 0 && sa->sadb_sa_replay != r->replay)
		return pk_diag_set(d, EINVAL, D(MALFORMED_SA), SADB_EXT_SA,
				   SA_FIELD_OFF(m, sadb_sa_replay),
				   "sadb_sa_replay",
				   "the replay window of a mature SA cannot "
				   "change");
	if ((newflags & ~UPDATE_FLAGS & ~r->flags) != 0)
		return pk_diag_set(d, EINVAL, D(BAD_SAFLAGS), SADB_EXT_SA,
				   SA_FIELD_OFF(m, sadb_sa_flags),
				   "sadb_sa_flags",
				   "flags 0x%x cannot be set on a mature SA",
				   newflags & ~UPDATE_FLAGS & ~r->flags);
	rc = check_direction(m, r->flags & SADB_X_SAFLAGS_DIRECTION,
			     newflags & SADB_X_SAFLAGS_DIRECTION, r->spi, d);
	if (rc != 0)
		return rc;
	if (sa2 != NULL && (sa2->sadb_x_sa2_mode != r->mode ||
			    sa2->sadb_x_sa2_reqid != r->reqid))
		return pk_diag_set(d, EINVAL, D(EXT_NOT_ALLOWED),
				   SADB_X_EXT_SA2, ext_off(m, SADB_X_EXT_SA2),
				   NULL, "mode and reqid of a mature SA cannot "
				   "change");
	apply_lifetimes(m, tmp, true);
	rc = check_soft_hard(tmp, d);
	if (rc != 0)
		return rc;
	if (pair != NULL) {
		tmp->pair_spi = ntohl(pair->sadb_x_pair_spi);
		if (r->pair_spi != 0 && r->pair_spi != tmp->pair_spi)
			return pk_diag_set(d, EINVAL, D(PAIR_ALREADY),
					   SADB_X_EXT_PAIR,
					   ext_off(m, SADB_X_EXT_PAIR),
					   "sadb_x_pair_spi",
					   "this SA is already paired with SA 0x%x",
					   r->pair_spi);
		rc = find_pair(db, m, tmp, r, p, d);
		if (rc != 0)
			return rc;
	}
	tmp->flags |= newflags & UPDATE_FLAGS;
	return 0;
}

int sadb_update(struct sadb *db, const struct pk_msg *m, uint64_t now,
		const struct sadb_sa_rec **out, struct pk_diag *d)
{
	struct sadb_sa_rec *r, tmp, *p;
	int rc;

	pk_diag_clear(d);
	if (out != NULL)
		*out = NULL;
	r = find_named(db, m, d, &rc);
	if (r == NULL)
		return rc;
	if (r->state == SADB_SASTATE_LARVAL) {
		rc = update_larval(db, m, now, r, d);
	} else {
		rc = mature_prepare(db, m, r, &tmp, &p, d);
		if (rc == 0) {
			*r = tmp;
			if (p != NULL)
				set_pair(r, p);
		}
	}
	if (rc != 0)
		return rc;
	/* New lifetimes move the SA's next event either way. */
	sched(db, r, now, true);
	if (out != NULL)
		*out = r;
	return 0;
}

/* ---------------------------------------------------------- pairs */

static int no_partner(const struct pk_msg *m, const struct sadb_sa_rec *r,
		      struct pk_diag *d)
{
	return pk_diag_set(d, ESRCH, D(PAIR_SA_NOTFOUND), SADB_EXT_SA,
			   SA_FIELD_OFF(m, sadb_sa_spi), "sadb_sa_spi",
			   "SA 0x%x is not paired", r->spi);
}

int sadb_update_pair(struct sadb *db, const struct pk_msg *m, uint64_t now,
		     const struct sadb_sa_rec **out1,
		     const struct sadb_sa_rec **out2, struct pk_diag *d)
{
	uint32_t dir = msg_sa(m)->sadb_sa_flags & SADB_X_SAFLAGS_DIRECTION;
	struct sadb_sa_rec *r, *q, *p, t1, t2;
	int rc;

	pk_diag_clear(d);
	if (out1 != NULL)
		*out1 = NULL;
	if (out2 != NULL)
		*out2 = NULL;
	r = find_named(db, m, d, &rc);
	if (r == NULL)
		return rc;
	q = partner_of(db, r);
	if (q == NULL)
		return no_partner(m, r, d);
	rc = mature_prepare(db, m, r, &t1, &p, d);
	if (rc != 0)
		return rc;
	/* The partner: the same lifetimes, the opposite direction. */
	t2 = *q;
	apply_lifetimes(m, &t2, true);
	rc = check_soft_hard(&t2, d);
	if (rc == 0 && dir != 0) {
		dir ^= SADB_X_SAFLAGS_DIRECTION;
		rc = check_direction(m, q->flags & SADB_X_SAFLAGS_DIRECTION,
				     dir, q->spi, d);
		t2.flags |= dir;
	}
	if (rc != 0)
		return rc;
	*q = t2;
	*r = t1;
	sched(db, r, now, true);
	sched(db, q, now, true);
	if (out1 != NULL)
		*out1 = r;
	if (out2 != NULL)
		*out2 = q;
	return 0;
}

int sadb_delete_pair(struct sadb *db, const struct pk_msg *m,
		     struct sadb_sa_rec *out1, struct sadb_sa_rec *out2,
		     struct pk_diag *d)
{
	struct sadb_sa_rec *r, *q;
	int rc;

	pk_diag_clear(d);
	memset(out1, 0, sizeof(*out1));
	memset(out2, 0, sizeof(*out2));
	r = find_named(db, m, d, &rc);
	if (r == NULL)
		return rc;
	q = partner_of(db, r);
	if (q == NULL)
		return no_partner(m, r, d);
	take_out(db, q, out2);
	take_out(db, r, out1);
	return 0;
}

/* ------------------------------------------------------- lifetimes */

/*
 * The writable record behind cr, NULL when cr is not a live SA of db.
 * Slots are never given back to the allocator before sadb_free(), so the
 * slot a stale pointer names is still readable.
 */
static struct sadb_sa_rec *live(const struct sadb *db,
				const struct sadb_sa_rec *cr)
{
	struct sadb_sa_rec *r;

	if (cr == NULL || cr->idx == 0 || cr->idx >= db->nslots)
		return NULL;
	r = slot(db, cr->idx);
	return r == cr && r->state != SLOT_FREE ? r : NULL;
}

int sadb_remove(struct sadb *db, const struct sadb_sa_rec *cr)
{
	struct sadb_sa_rec *r = live(db, cr);

	if (r == NULL)
		return -ESRCH;
	remove_rec(db, r);
	return 0;
}

int sadb_use(struct sadb *db, const struct sadb_sa_rec *cr, uint64_t bytes,
	     uint32_t allocations, uint64_t now)
{
	struct sadb_sa_rec *r = live(db, cr);

	if (r == NULL)
		return -ESRCH;
	if (r->state == SADB_SASTATE_LARVAL)
		return -EINVAL;
	r->cur.bytes = add_sat(r->cur.bytes, bytes);
	r->cur_alloc = clamp32((uint64_t)r->cur_alloc + allocations);
	if (!(r->tflags & TF_USED)) {
		r->tflags |= TF_USED;
		r->cur.usetime = now;
	}
	r->lastuse = now <= r->cur.addtime ? 0 : clamp32(now - r->cur.addtime);
	if (r->tflags & TF_IDLE) {
		r->tflags &= ~TF_IDLE;
		derive_state(r);
	}
	sched(db, r, now, false);
	return 0;
}

static void fire(struct sadb_sa_rec *r, int kind, sadb_expire_fn fn,
		 void *arg, size_t *n)
{
	if (fn != NULL)
		fn(arg, r, kind);
	(*n)++;
}

/*
 * Handles the earliest event due for r at now, one per call, so that
 * events come out in time order across SAs even when one SA has several
 * due (r is then filed again at a time <= now and comes back).  Ties: soft
 * before hard (a soft limit equal to the hard one is still announced), soft
 * before idle.  False when r was removed.
 */
static bool expire_one(struct sadb *db, struct sadb_sa_rec *r, uint64_t now,
		       sadb_expire_fn fn, void *arg, size_t *n)
{
	uint64_t s, h, i;

	if (r->state == SADB_SASTATE_LARVAL) {
		if (add_sat(r->cur.addtime, SADB_LARVAL_LIFETIME) <= now) {
			r->state = SADB_SASTATE_DEAD;
			fire(r, SADB_EXPIRE_LARVAL, fn, arg, n);
			remove_rec(db, r);
			return false;
		}
	} else {
		s = soft_at(r);
		h = hard_at(r);
		i = idle_at(r);
		/* An SA that dies in this pass is not reported idle first. */
		if (h <= now ? s <= h : s <= now && s <= i) {
			r->tflags |= TF_SOFT;
			derive_state(r);
			fire(r, SADB_EXPIRE_SOFT, fn, arg, n);
		} else if (h <= now) {
			r->state = SADB_SASTATE_DEAD;
			fire(r, SADB_EXPIRE_HARD, fn, arg, n);
			remove_rec(db, r);
			return false;
		} else if (i <= now) {
			r->tflags |= TF_IDLE;
			derive_state(r);
			fire(r, SADB_EXPIRE_IDLE, fn, arg, n);
		}
	}
	sched(db, r, now, true);
	return true;
}

size_t sadb_expire(struct sadb *db, uint64_t now, sadb_expire_fn fn,
		   void *arg)
{
	const struct hent *top;
	size_t n = 0;

	while ((top = heap_top(db)) != NULL && time_dec(db, top->at) <= now) {
		struct sadb_sa_rec *r = slot(db, top->slot & ~YOUNG_MARK);

		/* An entry clamped at the end of the 32-bit range whose SA
		 * has nothing due: every entry left is clamped too. */
		if (top->at == UINT32_MAX && next_at(r) > now)
			break;
		expire_one(db, r, now, fn, arg, &n);
	}
	return n;
}

uint64_t sadb_next_deadline(const struct sadb *db)
{
	const struct hent *top = heap_top(db);

	return top == NULL ? UINT64_MAX : time_dec(db, top->at);
}

/* --------------------------------------------------------- GETSPI */

static bool spi_taken(const struct sadb *db, uint8_t satype,
		      const struct sadb_addr *dst, uint32_t spi)
{
	return sadb_find(db, satype, dst, spi) != NULL;
}

/*
 * Random probes first; if they all hit taken SPIs the range is nearly
 * full, so walk it from a random point.  At most min(span, SAs + 1) SPIs
 * are examined: the walk cannot meet more taken SPIs than there are SAs.
 */
static int pick_spi(struct sadb *db, uint8_t satype,
		    const struct sadb_addr *dst, uint32_t lo, uint32_t hi,
		    uint32_t *spi)
{
	uint64_t span = (uint64_t)hi - lo + 1, limit, start;

	for (int i = 0; i < GETSPI_TRIES && (uint64_t)i < span; i++) {
		uint32_t s = lo + (uint32_t)(next_random(db) % span);

		if (!spi_taken(db, satype, dst, s)) {
			*spi = s;
			return 0;
		}
	}
	limit = span < (uint64_t)db->count + 1 ? span : (uint64_t)db->count + 1;
	start = next_random(db) % span;
	for (uint64_t k = 0; k < limit; k++) {
		uint32_t s = lo + (uint32_t)((start + k) % span);

		if (!spi_taken(db, satype, dst, s)) {
			*spi = s;
			return 0;
		}
	}
	return -ENOENT;
}

int sadb_getspi(struct sadb *db, const struct pk_msg *m, uint64_t now,
		const struct sadb_sa_rec **out, struct pk_diag *d)
{
	const struct sadb_spirange *sr =
		PK_MSG_EXT(m, SADB_EXT_SPIRANGE, sadb_spirange);
	const struct sadb_address *src =
		PK_MSG_EXT(m, SADB_EXT_ADDRESS_SRC, sadb_address);
	const struct sadb_address *dst =
		PK_MSG_EXT(m, SADB_EXT_ADDRESS_DST, sadb_address);
	const struct sadb_x_sa2 *sa2 = PK_MSG_EXT(m, SADB_X_EXT_SA2, sadb_x_sa2);
	uint32_t lo = SADB_GETSPI_MIN, hi = SADB_GETSPI_MAX;
	struct sadb_sa_rec tmp, *r;
	int rc;

	pk_diag_clear(d);
	if (out != NULL)
		*out = NULL;
	memset(&tmp, 0, sizeof(tmp));
	tmp.satype = m->hdr->sadb_msg_satype;
	if (src == NULL || dst == NULL ||
	    sadb_addr_from_ext(&tmp.src, src) != 0 ||
	    sadb_addr_from_ext(&tmp.dst, dst) != 0)
		return pk_diag_set(d, EINVAL, src ? D(MISSING_DST) :
				   D(MISSING_SRC), src ? SADB_EXT_ADDRESS_DST :
				   SADB_EXT_ADDRESS_SRC, m->len, NULL,
				   "GETSPI needs a source and a destination");
	if (tmp.satype != SADB_SATYPE_AH && tmp.satype != SADB_SATYPE_ESP &&
	    tmp.satype != SADB_X_SATYPE_IPCOMP &&
	    tmp.satype != SADB_X_SATYPE_TCPSIGNATURE)
		return pk_diag_set(d, EINVAL, D(UNKNOWN_SATYPE), 0,
				   offsetof(struct sadb_msg, sadb_msg_satype),
				   "sadb_msg_satype",
				   "%s SAs are not supported by this engine",
				   pk_satype_name(tmp.satype));
	if (tmp.satype == SADB_X_SATYPE_IPCOMP)
		hi = 0xffff;
	if (sr != NULL) {
		lo = sr->sadb_spirange_min;
		hi = sr->sadb_spirange_max;
		if (lo == 0)
			lo = 1;		/* SPI 0 is reserved (RFC 4303) */
		if (lo > hi || (tmp.satype == SADB_X_SATYPE_IPCOMP &&
				hi > 0xffff))
			return pk_diag_set(d, EINVAL, D(MALFORMED_RANGE),
					   SADB_EXT_SPIRANGE,
					   ext_off(m, SADB_EXT_SPIRANGE),
					   "sadb_spirange_min",
					   "SPI range 0x%x-0x%x is empty or "
					   "too wide", sr->sadb_spirange_min,
					   sr->sadb_spirange_max);
	}
	if (pick_spi(db, tmp.satype, &tmp.dst, lo, hi, &tmp.spi) != 0)
		return pk_diag_set(d, ENOENT, D(NONE), SADB_EXT_SPIRANGE,
				   ext_off(m, SADB_EXT_SPIRANGE), NULL,
				   "every SPI in 0x%x-0x%x is taken", lo, hi);
	tmp.state = SADB_SASTATE_LARVAL;
	tmp.seq = m->hdr->sadb_msg_seq;
	tmp.pid = m->hdr->sadb_msg_pid;
	tmp.cur.addtime = now;
	if (sa2 != NULL) {
		tmp.mode = sa2->sadb_x_sa2_mode;
		tmp.reqid = sa2->sadb_x_sa2_reqid;
	}
	rc = link_new(db, &tmp, now, &r);
	if (rc != 0)
		return pk_diag_set(d, ENOMEM, 0, 0, 0, NULL, "out of memory");
	/*
	 * A key manager answers an ACQUIRE with a GETSPI of the same seq: the
	 * new larval SA takes the pending acquire's place.
	 */
	for (uint32_t i = db->seq_tab[hash_seq(db, tmp.seq) & db->seq_mask];
	     i != 0;) {
		struct sadb_sa_rec *a = slot(db, i);

		i = a->next_seq;
		if (a->seq == tmp.seq && a->satype == tmp.satype &&
		    (a->tflags & TF_ACQ))
			remove_rec(db, a);
	}
	if (out != NULL)
		*out = r;
	return 0;
}

const struct sadb_sa_rec *sadb_find_acquire(const struct sadb *db,
					    uint8_t satype,
					    const struct sadb_addr *src,
					    const struct sadb_addr *dst)
{
	const struct sadb_sa_rec *r = NULL;

	while ((r = sadb_addrpair_next(db, src, dst, r)) != NULL)
		if (r->satype == satype && (r->tflags & TF_ACQ))
			return r;
	return NULL;
}

int sadb_acquire(struct sadb *db, uint8_t satype, const struct sadb_addr *src,
		 const struct sadb_addr *dst, uint8_t mode, uint32_t reqid,
		 uint64_t now, const struct sadb_sa_rec **out)
{
	struct sadb_sa_rec tmp, *r;
	int rc;

	if (sadb_find_acquire(db, satype, src, dst) != NULL)
		return -EEXIST;
	memset(&tmp, 0, sizeof(tmp));
	tmp.satype = satype;
	tmp.src = *src;
	tmp.dst = *dst;
	/* A placeholder SPI nobody else has, so the SA is an ordinary one. */
	if (pick_spi(db, satype, dst, SADB_GETSPI_MIN,
		     satype == SADB_X_SATYPE_IPCOMP ? 0xffff : SADB_GETSPI_MAX,
		     &tmp.spi) != 0)
		return -ENOENT;
	tmp.state = SADB_SASTATE_LARVAL;
	tmp.tflags = TF_ACQ;
	/* Seqs the engine originates count down from the top, far from
	   the small numbers clients use for their own requests. */
	tmp.seq = ~++db->acq_seq;
	tmp.cur.addtime = now;
	tmp.mode = mode;
	tmp.reqid = reqid;
	rc = link_new(db, &tmp, now, &r);
	if (rc != 0)
		return rc;
	if (out != NULL)
		*out = r;
	return 0;
}

/* ---------------------------------------------------------- cursors */

/* Whether the first plen bits of a and b agree. */
static bool prefix_match(const uint8_t *a, const uint8_t *b, unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;

	if (memcmp(a, b, full) != 0)
		return false;
	return rest == 0 ||
		((a[full] ^ b[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

static bool cursor_wants(const struct sadb_cursor *c,
			 const struct sadb_sa_rec *r)
{
	if (c->satype != SADB_SATYPE_UNSPEC && r->satype != c->satype)
		return false;
	if (!c->filtered)
		return true;
	if (c->ffamily != 0 && r->dst.family != c->ffamily)
		return false;
	return prefix_match(r->src.addr, c->fsrc, c->fsplen) &&
		prefix_match(r->dst.addr, c->fdst, c->fdplen);
}

/* The first SA from slot i on that c returns (also after a removal, so
 * that sadb_cursor_more() stays exact). */
static uint32_t skip_to_match(const struct sadb *db, uint32_t i,
			      const struct sadb_cursor *c)
{
	while (i != 0 && !cursor_wants(c, slot(db, i)))
		i = slot(db, i)->next;
	return i;
}

void sadb_cursor_open(struct sadb *db, struct sadb_cursor *c, uint8_t satype)
{
	c->db = db;
	c->satype = satype;
	c->filtered = false;
	c->pos = skip_to_match(db, db->head, c);
	c->link = db->cursors;
	db->cursors = c;
}

int sadb_cursor_set_filter(struct sadb_cursor *c, const struct sadb_x_filter *f)
{
	unsigned bits = f->sadb_x_filter_family == AF_INET ? 32 : 128;

	if (f->sadb_x_filter_splen > bits || f->sadb_x_filter_dplen > bits ||
	    (f->sadb_x_filter_family != AF_UNSPEC &&
	     f->sadb_x_filter_family != AF_INET &&
	     f->sadb_x_filter_family != AF_INET6))
		return -EINVAL;
	c->filtered = true;
	c->ffamily = f->sadb_x_filter_family;
	c->fsplen = f->sadb_x_filter_splen;
	c->fdplen = f->sadb_x_filter_dplen;
	memcpy(c->fsrc, f->sadb_x_filter_saddr, 16);
	memcpy(c->fdst, f->sadb_x_filter_daddr, 16);
	if (c->pos != 0)
		c->pos = skip_to_match(c->db, c->pos, c);
	return 0;
}

const struct sadb_sa_rec *sadb_cursor_next(struct sadb *db,
					   struct sadb_cursor *c)
{
	struct sadb_sa_rec *r = slot_or_null(db, c->pos);

	if (r == NULL)
		return NULL;
	c->pos = skip_to_match(db, r->next, c);
	return r;
}

void sadb_cursor_close(struct sadb *db, struct sadb_cursor *c)
{
	for (struct sadb_cursor **p = &db->cursors; *p != NULL;
	     p = &(*p)->link) {
		if (*p == c) {
			*p = c->link;
			break;
		}
	}
	c->link = NULL;
	c->pos = 0;
}

/* ---------------------------------------------------------- replies */

static int add_addr(struct pk_buf *b, uint16_t type, const struct sadb_addr *a)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = a->port;
		memcpy(&s->sin6_addr, a->addr, 16);
	} else {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;

		s->sin_family = AF_INET;
		s->sin_port = a->port;
		memcpy(&s->sin_addr, a->addr, 4);
	}
	return pk_add_address(b, type, (struct sockaddr *)&ss, a->proto,
			      a->prefixlen);
}

int sadb_write_addr(struct pk_buf *b, uint16_t exttype,
		    const struct sadb_addr *a)
{
	return add_addr(b, exttype, a);
}

/* Copies the stored extensions of the types in [types, types + n). */
static void add_extras(struct pk_buf *b, const struct sadb_extras *x,
		       const uint16_t *types, size_t n)
{
	size_t off = 0;

	if (x == NULL)
		return;
	while (off < x->len) {
		const struct sadb_ext *e = (const void *)(x->data + off);

		for (size_t i = 0; i < n; i++)
			if (e->sadb_ext_type == types[i])
				pk_ext_copy(b, e);
		off += SADB_BYTES(e->sadb_ext_len);
	}
}

static bool has_extra(const struct sadb_extras *x, uint16_t type)
{
	size_t off = 0;

	while (x != NULL && off < x->len) {
		const struct sadb_ext *e = (const void *)(x->data + off);

		if (e->sadb_ext_type == type)
			return true;
		off += SADB_BYTES(e->sadb_ext_len);
	}
	return false;
}

static bool addr_is_any(const struct sadb_addr *a)
{
	static const uint8_t zero[16];

	return memcmp(a->addr, zero, sizeof(zero)) == 0;
}

int sadb_write_sa(const struct sadb_sa_rec *r, struct pk_buf *b,
		  unsigned flags)
{
	static const uint16_t proxy[] = { SADB_EXT_ADDRESS_PROXY };
	static const uint16_t inner_dst[] = { SADB_X_EXT_ADDRESS_INNER_DST };
	const struct sadb_keys *k = r->keys;

	pk_add_sa(b, r->spi, r->replay, r->state, r->auth, r->encrypt,
		  r->flags);
	if (!(flags & SADB_W_NOHARD))
		pk_add_lifetime(b, SADB_EXT_LIFETIME_HARD, r->hard_alloc,
				r->hard.bytes, r->hard.addtime,
				r->hard.usetime);
	if (!(flags & SADB_W_NOSOFT))
		pk_add_lifetime(b, SADB_EXT_LIFETIME_SOFT, r->soft_alloc,
				r->soft.bytes, r->soft.addtime,
				r->soft.usetime);
	pk_add_lifetime(b, SADB_EXT_LIFETIME_CURRENT, r->cur_alloc,
			r->cur.bytes, r->cur.addtime, r->cur.usetime);
	if ((r->tflags & TF_IDLE_SET) &&
	    (r->idle_addtime != 0 || r->idle_usetime != 0))
		pk_add_lifetime(b, SADB_X_EXT_LIFETIME_IDLE, 0, 0,
				r->idle_addtime, r->idle_usetime);
	add_addr(b, SADB_EXT_ADDRESS_SRC, &r->src);
	add_addr(b, SADB_EXT_ADDRESS_DST, &r->dst);
	/* Linux writes its selector's source as the proxy whenever it
	 * differs from the SA's source; with no selector given that is the
	 * any-address, "any protocol" (255), prefix 0. */
	if (has_extra(r->extras, SADB_EXT_ADDRESS_PROXY)) {
		add_extras(b, r->extras, proxy, 1);
	} else if (!addr_is_any(&r->src)) {
		struct sadb_addr any = { .family = r->dst.family,
					 .proto = IPSEC_ULPROTO_ANY };

		add_addr(b, SADB_EXT_ADDRESS_PROXY, &any);
	}
	add_extras(b, r->extras, inner_dst, 1);
	if (k != NULL && !(flags & SADB_W_NOKEYS)) {
		if (k->abits != 0)
			pk_add_key(b, SADB_EXT_KEY_AUTH, akey_bytes(k),
				   k->abits, k->areserved);
		if (k->ebits != 0)
			pk_add_key(b, SADB_EXT_KEY_ENCRYPT, ekey_bytes(k),
				   k->ebits, k->ereserved);
	}
	/* Linux has no "any" mode: it maps ANY to transport and says so. */
	pk_add_sa2(b, r->mode == IPSEC_MODE_ANY ? IPSEC_MODE_TRANSPORT :
		   r->mode, r->reqid, 0);
	if (r->pair_spi != 0)
		pk_add_pair(b, r->pair_spi);
	add_extras(b, r->extras, extra_types + 2, N_EXTRA - 2);
	return pk_buf_error(b);
}

bool sadb_idle_given(const struct sadb_sa_rec *r)
{
	return (r->tflags & TF_IDLE_SET) != 0;
}

int sadb_write_expire(const struct sadb_sa_rec *r, struct pk_buf *b, int kind)
{
	unsigned flags = SADB_W_NOKEYS;

	/* Soft carries the soft lifetime, hard the hard one, idle neither
	   (its own lifetime says why). */
	if (kind != SADB_EXPIRE_HARD)
		flags |= SADB_W_NOHARD;
	if (kind != SADB_EXPIRE_SOFT)
		flags |= SADB_W_NOSOFT;
	return sadb_write_sa(r, b, flags);
}

/* ------------------------------------------------------ measurement */

void sadb_mem_usage(const struct sadb *db, struct sadb_mem *out)
{
	memset(out, 0, sizeof(*out));
	out->sas = db->count;
	out->slot_bytes = (size_t)db->nslots * sizeof(struct sadb_sa_rec);
	out->spi_buckets = (size_t)db->spi_mask + 1;
	out->addr_buckets = (size_t)db->addr_mask + 1;
	out->seq_buckets = (size_t)db->seq_mask + 1;
	out->bucket_bytes = (out->spi_buckets + out->addr_buckets +
			     out->seq_buckets) * sizeof(uint32_t);
	out->page_bytes = (size_t)db->cap_pages * sizeof(*db->pages);
	out->key_bytes = db->key_bytes + db->slab.bytes;
	out->key_allocs = db->key_allocs + db->slab.nmalloc;
	out->extra_bytes = db->extra_bytes;
	out->extra_allocs = db->extra_allocs;
	out->heap_bytes = (size_t)db->heap_cap * sizeof(*db->heap);
	out->timed = db->heap_n + db->young_n;
}
