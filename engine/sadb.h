/*
 * sadb.h - the Security Association Database of the key engine.
 *
 * Pure logic: no sockets, no clock (callers pass the time in seconds), no
 * printing, no globals.  Every function that can fail returns 0 or -errno
 * and fills a caller's struct pk_diag (which may be NULL).
 *
 * Inputs are messages already accepted by pk_msg_parse() and
 * pk_msg_check(); this layer applies the database rules (duplicates,
 * states, lifetimes, algorithms and keys, larval versus mature updates,
 * pairing) on top of that.
 *
 * Storage: records live in pages of fixed-size slots and are linked by
 * 32-bit slot numbers, so an SA costs one slot (sizeof(struct
 * sadb_sa_rec)) plus its share of three bucket arrays and of the timer
 * heap, plus one blob for its keys and, only when it has rare extensions,
 * one "extras" blob.
 *
 *   slot:  | spi link type dst | links | blobs limits cur ... | src |
 *   keys:  | abits ebits ares eres | auth key bytes | encryption key bytes |
 *   extras:| len | wire extension | wire extension | ...               |
 *
 * Indexes:
 *   (satype, dst address, spi)  every SA; an SA's identity (the source does
 *                               not make it distinct)
 *   (src address, dst address)  every SA; lookups and listings by pair.
 *                               Doubly linked: every SA between two gateways
 *                               shares one bucket, so removal must not walk
 *                               the chain.
 *   seq                         larval SAs only (GETSPI, ACQUIRE answers)
 * Each is open hashing (chained through the slots) over a power-of-two
 * bucket array keyed with SipHash-1-3 under a per-store key, doubled all at
 * once when the load factor would pass 1.
 *
 * Memory: slot pages, bucket arrays, the heap and key chunks of 2 MiB or
 * more are 2 MiB-aligned huge pages (MADV_HUGEPAGE); key blobs come from a
 * slab of the store's own.  Slots and key memory are kept until
 * sadb_free(), so a record given out by sadb_delete() must be released
 * (sadb_rec_release()) before the store is freed.
 *
 * Timers: binary min-heaps of (check time, slot) entries, 8 bytes each,
 * the position kept in the record (heap): an old heap, and a young one of
 * at most 4096 recently filed entries (those not filed again within a
 * while move to the old heap), so that removing or re-filing a recently
 * filed SA sifts among recently filed SAs only (see sadb.c).  An SA's
 * entry holds the earliest time at which something may happen to it (soft,
 * hard, idle, larval timeout); sadb_expire() pops the due entries,
 * re-evaluates the SA from its fields (the fields are the truth, the entry
 * is only a reminder) and pushes it back with its next time.  Check times
 * are stored as 32-bit offsets from the first time the store was given:
 * times must lie within 2^32 seconds (136 years) of it.
 *
 * A pointer to a record stays valid until the record is removed (delete,
 * flush, or a failed operation never invalidates others).
 */
#ifndef PFKEY_ENGINE_SADB_H
#define PFKEY_ENGINE_SADB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfkey/diag.h"
#include "pfkey/msg.h"
#include "pfkey/pfkeyv2.h"

/* An address without sockaddr overhead.  Unused bytes of addr are zero. */
struct sadb_addr {
	uint8_t		addr[16];	/* 4 bytes used for AF_INET */
	uint16_t	port;		/* network byte order, 0 = any */
	uint8_t		family;		/* AF_INET, AF_INET6; 0 = absent */
	uint8_t		prefixlen;
	uint8_t		proto;		/* sadb_address_proto */
	uint8_t		pad;
};

/* The current lifetime: what the SA has used, and when. */
struct sadb_lft {
	uint64_t	bytes;
	uint64_t	addtime;	/* seconds */
	uint64_t	usetime;
};

/*
 * A soft or hard limit (0 = none).  Times are durations in seconds; a
 * duration above 2^32-1 (136 years) is stored, and echoed, as 2^32-1.
 */
struct sadb_lim {
	uint64_t	bytes;
	uint32_t	addtime;	/* seconds after creation */
	uint32_t	usetime;	/* seconds after first use */
};

/* The key blob: auth key bytes, then encryption key bytes. */
struct sadb_keys {
	uint16_t	abits;
	uint16_t	ebits;
	uint16_t	areserved;	/* sadb_key_reserved of each key */
	uint16_t	ereserved;
	uint8_t		data[];
};

/* Rare extensions, verbatim wire copies, in the order they are echoed. */
struct sadb_extras {
	uint64_t	len;		/* bytes of data */
	uint8_t		data[];
};

/*
 * Field order is for the caches: a lookup compares spi, satype and dst and
 * follows next_spi, all in the first 36 bytes; the links that neighbours
 * in an index, the list or the timer heap write when this SA's neighbour
 * changes come right after (bytes 36-63).  A lookup in a store too large
 * for the caches then costs one or two cache lines of the record, not four.
 */
struct sadb_sa_rec {
	uint32_t		spi;		/* host byte order */
	/* engine-private links (slot numbers, 0 = none; prev_addr of the
	   first SA of a chain: bit 31 | bucket; heap: position + 1, bit 31
	   set for the young heap) */
	uint32_t		next_spi;
	uint8_t			satype;
	uint8_t			state;		/* SADB_SASTATE_*, or
						   SADB_X_SASTATE_IDLE */
	uint8_t			replay;
	uint8_t			auth;
	struct sadb_addr	dst;
	uint32_t		idx, next_addr, prev_addr, next_seq;
	uint32_t		prev, next, heap;
	struct sadb_keys	*keys;		/* NULL when no key */
	struct sadb_extras	*extras;	/* NULL when none */
	struct sadb_lim		hard, soft;
	struct sadb_lft		cur;		/* cur.addtime: creation,
						   cur.usetime: first use */
	uint32_t		idle_addtime;	/* idle if unused this long after
						   creation (default hard/2) */
	uint32_t		idle_usetime;	/* idle if unused this long after
						   the last use */
	uint32_t		hard_alloc, soft_alloc, cur_alloc;
	uint32_t		lastuse;	/* last use, seconds after
						   cur.addtime (valid once used) */
	uint32_t		flags;		/* SADB_SAFLAGS_* */
	uint32_t		reqid;		/* SA2 */
	uint32_t		seq, pid;	/* of the creating request */
	uint32_t		pair_spi;	/* host order, 0 = not paired */
	struct sadb_addr	src;
	uint8_t			encrypt;	/* or SADB_X_CALG_* for IPComp */
	uint8_t			mode;		/* SA2 IPSEC_MODE_* as given */
	uint8_t			tflags;		/* engine-private timer state */
};

struct sadb;

/*
 * A new empty store.  seed keys the hashes and the SPI generator: give it
 * random bytes in production, a constant in tests (deterministic).
 */
int sadb_new(uint64_t seed, struct sadb **out, struct pk_diag *d);
/* Frees every SA (keys zeroed) and the store.  No cursor may be open. */
void sadb_free(struct sadb *db);

/* ------------------------------------------------------- message level */

/*
 * SADB_ADD.  *out (may be NULL) points at the stored SA.
 * EEXIST for a (satype, dst, spi) already present; EINVAL with a diagnostic
 * for bad fields; ENOSYS for unknown algorithm ids; ESRCH (76) for a pair
 * SA that does not exist; ENOMEM.
 */
int sadb_add(struct sadb *db, const struct pk_msg *m, uint64_t now,
	     const struct sadb_sa_rec **out, struct pk_diag *d);

/*
 * SADB_UPDATE.  A larval SA takes everything an ADD would and becomes
 * mature.  A mature or dying SA takes only lifetimes (a field given as 0
 * keeps the old value), the direction flags and pairing; keys are refused
 * (36/37), so are other changes.  ESRCH (78) when the SA does not exist.
 * A direction may be given to an undirected SA but never flipped (EINVAL,
 * 77).  New lifetimes reschedule the SA's expiry at once; an SA that has
 * expired soft stays DYING whatever the new limits.
 */
int sadb_update(struct sadb *db, const struct pk_msg *m, uint64_t now,
		const struct sadb_sa_rec **out, struct pk_diag *d);

/* SADB_GET: ESRCH (78) when missing. */
int sadb_get(struct sadb *db, const struct pk_msg *m,
	     const struct sadb_sa_rec **out, struct pk_diag *d);

/*
 * SADB_DELETE.  Removes the SA and moves it to *out, state DEAD, for the
 * reply; the caller owns out's keys and extras and gives them back with
 * sadb_rec_release().  A paired SA's partner is unpaired.  ESRCH (78).
 */
int sadb_delete(struct sadb *db, const struct pk_msg *m,
		struct sadb_sa_rec *out, struct pk_diag *d);

/*
 * SADB_GETSPI: picks an SPI at random in the SPIRANGE (default
 * SADB_GETSPI_MIN-SADB_GETSPI_MAX; a minimum of 0 counts as 1) that no SA
 * of (satype, dst) uses, and creates a LARVAL SA with the request's seq and
 * pid.  ENOENT when every SPI of the range is taken; EINVAL (35) when
 * min > max.
 */
#define SADB_GETSPI_MIN	0x100U
#define SADB_GETSPI_MAX	0x0fffffffU
int sadb_getspi(struct sadb *db, const struct pk_msg *m, uint64_t now,
		const struct sadb_sa_rec **out, struct pk_diag *d);

/*
 * Direction.  SADB_X_SAFLAGS_INBOUND or _OUTBOUND in the request (ADD,
 * larval UPDATE) decide which table the SA belongs to; both at once is
 * EINVAL (77).  Without either, and when an is_local function is set, an SA
 * to a local destination is made INBOUND, else one from a local source
 * OUTBOUND; otherwise it stays undirected.  The stored flags (echoed in
 * replies) are the final ones.
 */
typedef bool (*sadb_is_local_fn)(void *arg, const struct sadb_addr *a);
void sadb_set_local_addr_fn(struct sadb *db, sadb_is_local_fn is_local,
			    void *arg);

/*
 * SADB_X_UPDATEPAIR: the UPDATE of a mature SA applied to it and to its
 * partner, both or neither (both are checked before either changes).  The
 * partner takes the lifetimes, and the opposite direction when the request
 * gives one.  ESRCH (78) when the named SA is missing; ESRCH (76) when it
 * has no partner.  *out1 the named SA, *out2 its partner (may be NULL).
 */
int sadb_update_pair(struct sadb *db, const struct pk_msg *m, uint64_t now,
		     const struct sadb_sa_rec **out1,
		     const struct sadb_sa_rec **out2, struct pk_diag *d);

/*
 * SADB_X_DELPAIR: removes the named SA and its partner, moved to *out1 and
 * *out2 as sadb_delete() does (release both).  ESRCH (78) when the named SA
 * is missing; ESRCH (76) when it has no partner, and then nothing is
 * removed: the request asked for a pair, and deleting half of one silently
 * would be a partial change (DELETE removes a single SA).
 */
int sadb_delete_pair(struct sadb *db, const struct pk_msg *m,
		     struct sadb_sa_rec *out1, struct sadb_sa_rec *out2,
		     struct pk_diag *d);

/* ------------------------------------------------------------ lifetimes */

/*
 * Charges traffic to a live SA: bytes and allocations are added
 * (saturating), the first use sets cur.usetime, every use sets lastuse,
 * and an idle SA comes back to MATURE (or DYING if it had soft-expired).
 * A byte or allocation limit reached makes the SA due at once (the next
 * sadb_expire() with this now handles it).  -ESRCH when r is not a live SA
 * of db (a removed SA's slot reads as not live until it is reused);
 * -EINVAL for a larval SA, which carries no traffic.
 */
int sadb_use(struct sadb *db, const struct sadb_sa_rec *r, uint64_t bytes,
	     uint32_t allocations, uint64_t now);

/* Callback kinds of sadb_expire(). */
#define SADB_EXPIRE_SOFT	1	/* now DYING (or still IDLE, see below) */
#define SADB_EXPIRE_HARD	2	/* now DEAD; removed after the call */
#define SADB_EXPIRE_IDLE	3	/* now SADB_X_SASTATE_IDLE */
#define SADB_EXPIRE_LARVAL	4	/* larval SA never updated; DEAD, removed */

/* A larval SA not updated within this many seconds is removed. */
#define SADB_LARVAL_LIFETIME	30

typedef void (*sadb_expire_fn)(void *arg, const struct sadb_sa_rec *r,
			       int kind);

/*
 * Processes every SA that has something due at now, earliest check time
 * first:
 *  - soft: a soft limit reached (addtime after creation, usetime after
 *    first use, bytes, allocations): state DYING, fn(SOFT), once per SA.
 *  - hard: a hard limit reached: state DEAD, fn(HARD), then the SA is
 *    removed (keys zeroed, partner unpaired).  When soft and hard are
 *    reached together, SOFT comes first, then HARD.
 *  - idle: unused for idle_usetime since the last use, or never used within
 *    idle_addtime of creation: state SADB_X_SASTATE_IDLE, fn(IDLE), once
 *    until a sadb_use() revives it; a dying SA that goes idle keeps
 *    showing DYING (dying outranks idle), and so does an idle SA that
 *    soft-expires.
 *  - larval: SADB_LARVAL_LIFETIME seconds after GETSPI: state DEAD,
 *    fn(LARVAL), removed.
 * r is valid during the call; fn must not add, update or remove SAs (queue
 * the work instead).  fn may be NULL.  Returns the number of calls.  Cost:
 * O(log n) per SA processed.
 */
size_t sadb_expire(struct sadb *db, uint64_t now, sadb_expire_fn fn,
		   void *arg);

/*
 * The earliest time sadb_expire() may have work, UINT64_MAX when no SA has
 * a limit.  O(1).  Never later than the true next event; it may be earlier
 * (sadb_use() moves an SA's entry only when its next event gets earlier,
 * so a use that postpones idleness costs nothing on the hot path and a
 * later sadb_expire() just re-files the SA).
 */
uint64_t sadb_next_deadline(const struct sadb *db);

/* ------------------------------------------------------ C level */

/* Removes every SA of satype (SADB_SATYPE_UNSPEC: all); *count removed. */
int sadb_flush(struct sadb *db, uint8_t satype, size_t *count,
	       struct pk_diag *d);

/* The SA (satype, dst, spi); dst port, prefix and proto are ignored. */
const struct sadb_sa_rec *sadb_find(const struct sadb *db, uint8_t satype,
				    const struct sadb_addr *dst, uint32_t spi);
/* The larval SA created with seq (satype UNSPEC: any type), or NULL. */
const struct sadb_sa_rec *sadb_find_seq(const struct sadb *db,
					uint8_t satype, uint32_t seq);
/*
 * SAs whose source and destination addresses are src and dst (ports,
 * prefixes, protocols ignored): prev NULL gives the first, NULL ends.
 * No insertion or removal between calls.
 */
const struct sadb_sa_rec *sadb_addrpair_next(const struct sadb *db,
					     const struct sadb_addr *src,
					     const struct sadb_addr *dst,
					     const struct sadb_sa_rec *prev);
/* SAs of satype (UNSPEC: all). */
size_t sadb_count(const struct sadb *db, uint8_t satype);

/* Converts a validated address extension; 0 or -EINVAL. */
int sadb_addr_from_ext(struct sadb_addr *out, const struct sadb_address *a);
bool sadb_addr_equal(const struct sadb_addr *a, const struct sadb_addr *b);

/*
 * Removes a live SA for good (keys zeroed, partner unpaired): an ACQUIRE
 * given up by the key manager, a datapath decision.  -ESRCH when r is not
 * a live SA of db.
 */
int sadb_remove(struct sadb *db, const struct sadb_sa_rec *r);

/*
 * A larval SA standing for an ACQUIRE of satype from src to dst, with a
 * placeholder SPI and a fresh seq (r->seq) for the key manager's answer: a
 * GETSPI with that seq takes its place, an UPDATE of its SPI fills it in,
 * and it times out like any larval SA.  EEXIST when one is pending for the
 * same type and addresses; ENOENT when no SPI is free; ENOMEM.
 */
int sadb_acquire(struct sadb *db, uint8_t satype, const struct sadb_addr *src,
		 const struct sadb_addr *dst, uint8_t mode, uint32_t reqid,
		 uint64_t now, const struct sadb_sa_rec **out);
/* The pending ACQUIRE of satype from src to dst, or NULL. */
const struct sadb_sa_rec *sadb_find_acquire(const struct sadb *db,
					    uint8_t satype,
					    const struct sadb_addr *src,
					    const struct sadb_addr *dst);

/* Zeroes and frees the blobs of a record given out by sadb_delete(). */
void sadb_rec_release(struct sadb *db, struct sadb_sa_rec *r);

/* --------------------------------------------------------------- dumps */

/*
 * A dump cursor, owned by the caller, registered with the store while
 * open.  SAs are visited in insertion order.  Guarantee: every SA present
 * for the whole dump is returned exactly once; an SA removed before the
 * cursor reaches it is not returned; an SA added during the dump is
 * returned at most once (it is, unless the dump already ended).  Cost:
 * O(1) per SA returned plus the SAs of other types skipped; each removal
 * costs O(open cursors).
 */
struct sadb_cursor {
	struct sadb_cursor	*link;	/* engine-private */
	struct sadb		*db;
	uint32_t		pos;	/* slot to return next, 0 = end */
	uint8_t			satype;	/* UNSPEC: all */
	/* SADB_X_EXT_FILTER, when filtered */
	bool			filtered;
	uint8_t			fsplen, fdplen;
	uint16_t		ffamily;	/* 0: any */
	uint8_t			fsrc[16], fdst[16];
};

void sadb_cursor_open(struct sadb *db, struct sadb_cursor *c, uint8_t satype);
/* The next SA, or NULL at the end. */
const struct sadb_sa_rec *sadb_cursor_next(struct sadb *db,
					   struct sadb_cursor *c);
/* True when another SA follows (so the SA just returned is not the last). */
static inline bool sadb_cursor_more(const struct sadb_cursor *c)
{
	return c->pos != 0;
}
void sadb_cursor_close(struct sadb *db, struct sadb_cursor *c);

/*
 * Restricts an open cursor to SAs matching a SADB_X_EXT_FILTER, as Linux
 * does: the SA's family equals sadb_x_filter_family (AF_UNSPEC: any), its
 * source matches saddr/splen and its destination daddr/dplen.  Call it
 * right after sadb_cursor_open().  -EINVAL (with nothing changed) for a
 * prefix length past the family's address bits.  The dump guarantees
 * above hold for the matching SAs.
 */
int sadb_cursor_set_filter(struct sadb_cursor *c, const struct sadb_x_filter *f);

/* -------------------------------------------------------------- replies */

#define SADB_W_NOKEYS	0x1	/* EXPIRE, DELETE, keys hidden */
#define SADB_W_NOHARD	0x2	/* no hard lifetime (soft EXPIRE) */
#define SADB_W_NOSOFT	0x4	/* no soft lifetime (hard EXPIRE) */

/*
 * Appends the SA's extensions to b in the order and shape Linux replies
 * carry them: SA, lifetime hard(3), soft(4), current(2) (all three even
 * when zero), [idle(38)], src(5), dst(6), proxy(7), [inner dst(32)], [auth
 * key(8), encryption key(9)], SA2(19), [pair(35)], then the other stored
 * extensions.  As Linux: SA2 mode ANY (0) is written as transport (1), the
 * mode it stands for; without a stored inner source, a proxy extension with
 * the family's any-address, prefix length 0 and protocol 255 is written
 * whenever the source is not itself the any-address.  Returns
 * pk_buf_error(b).
 */
int sadb_write_sa(const struct sadb_sa_rec *r, struct pk_buf *b,
		  unsigned flags);

/*
 * The body of an SADB_EXPIRE for kind (SADB_EXPIRE_SOFT: soft and current
 * lifetimes; otherwise hard and current), as Linux sends it: no keys.
 */
/* Appends an address extension for a. */
int sadb_write_addr(struct pk_buf *b, uint16_t exttype,
		    const struct sadb_addr *a);
/* Whether the SA's idle lifetime was given rather than defaulted. */
bool sadb_idle_given(const struct sadb_sa_rec *r);
int sadb_write_expire(const struct sadb_sa_rec *r, struct pk_buf *b, int kind);

/* -------------------------------------------------------- measurement */

struct sadb_mem {
	size_t	sas;		/* SAs stored */
	size_t	slot_bytes;	/* slots handed out * sizeof(rec) */
	size_t	bucket_bytes;	/* the three bucket arrays */
	size_t	page_bytes;	/* the page table */
	size_t	key_bytes;	/* key memory: slab chunks, big blobs */
	size_t	key_allocs;	/* of it, blocks from malloc */
	size_t	extra_bytes;	/* extras blobs, headers included */
	size_t	extra_allocs;
	size_t	spi_buckets, addr_buckets, seq_buckets;
	size_t	heap_bytes;	/* the timer heaps' array */
	size_t	timed;		/* SAs in the timer heaps */
};
void sadb_mem_usage(const struct sadb *db, struct sadb_mem *out);

/*
 * Test hook: called with each key blob right after it is zeroed and just
 * before it is freed.
 */
typedef void (*sadb_key_free_hook)(void *arg, const void *blob, size_t len);
void sadb_set_key_free_hook(struct sadb *db, sadb_key_free_hook fn,
			    void *arg);

/* SipHash-2-4 (Aumasson, Bernstein), exposed for its known-answer test. */
uint64_t sadb_siphash(const uint64_t key[2], const void *data, size_t len);

#endif /* PFKEY_ENGINE_SADB_H */
