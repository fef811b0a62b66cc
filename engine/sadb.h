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
 * sadb_sa_rec)) plus its share of three bucket arrays, plus one blob for
 * its keys and, only when it has rare extensions, one "extras" blob.
 *
 *   slot:  | lifetimes | spi flags reqid seq pid pair | links | src dst | ... |
 *   keys:  | abits ebits ares eres | auth key bytes | encryption key bytes |
 *   extras:| len | wire extension | wire extension | ...               |
 *
 * Indexes:
 *   (satype, dst address, spi)  every SA; an SA's identity (the source does
 *                               not make it distinct)
 *   (src address, dst address)  every SA; lookups and listings by pair
 *   seq                         larval SAs only (GETSPI, ACQUIRE answers)
 * Each is open hashing (chained through the slots) over a power-of-two
 * bucket array keyed with SipHash-2-4 under a per-store key, doubled all at
 * once when the load factor would pass 1.
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

/* One lifetime's byte and time limits (allocations kept apart: no padding). */
struct sadb_lft {
	uint64_t	bytes;
	uint64_t	addtime;	/* seconds */
	uint64_t	usetime;
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

struct sadb_sa_rec {
	struct sadb_keys	*keys;		/* NULL when no key */
	struct sadb_extras	*extras;	/* NULL when none */
	struct sadb_lft		hard, soft, cur;	/* cur.addtime: creation,
							   cur.usetime: first use */
	uint64_t		idle_addtime, idle_usetime;
	uint32_t		hard_alloc, soft_alloc, cur_alloc;
	uint32_t		spi;		/* host byte order */
	uint32_t		flags;		/* SADB_SAFLAGS_* */
	uint32_t		reqid;		/* SA2 */
	uint32_t		seq, pid;	/* of the creating request */
	uint32_t		pair_spi;	/* host order, 0 = not paired */
	/* engine-private links (slot numbers, 0 = none) */
	uint32_t		idx, next_spi, next_addr, next_seq, prev, next;
	struct sadb_addr	src, dst;
	uint8_t			satype;
	uint8_t			state;		/* SADB_SASTATE_* */
	uint8_t			replay;
	uint8_t			auth;
	uint8_t			encrypt;	/* or SADB_X_CALG_* for IPComp */
	uint8_t			mode;		/* SA2 IPSEC_MODE_* */
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
	uint32_t		pos;	/* slot to return next, 0 = end */
	uint8_t			satype;	/* UNSPEC: all */
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

/* -------------------------------------------------------------- replies */

#define SADB_W_NOKEYS	0x1	/* EXPIRE, DELETE, keys hidden */

/*
 * Appends the SA's extensions to b in the order Linux replies carry them:
 * SA, lifetime hard(3), soft(4), current(2), [idle(38)], src(5), dst(6),
 * [inner src/proxy(7), inner dst(32)], [auth key(8), encryption key(9)],
 * SA2(19), [pair(35)], then the other stored extensions.  Returns
 * pk_buf_error(b).
 */
int sadb_write_sa(const struct sadb_sa_rec *r, struct pk_buf *b,
		  unsigned flags);

/* -------------------------------------------------------- measurement */

struct sadb_mem {
	size_t	sas;		/* SAs stored */
	size_t	slot_bytes;	/* slots handed out * sizeof(rec) */
	size_t	bucket_bytes;	/* the three bucket arrays */
	size_t	page_bytes;	/* the page table */
	size_t	key_bytes;	/* key blobs, headers included */
	size_t	key_allocs;
	size_t	extra_bytes;	/* extras blobs, headers included */
	size_t	extra_allocs;
	size_t	spi_buckets, addr_buckets, seq_buckets;
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
