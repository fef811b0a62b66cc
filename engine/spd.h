/*
 * spd.h - the Security Policy Database of the key engine.
 *
 * Pure logic: no sockets, no clock (callers pass the time in seconds), no
 * printing, no globals.  Every function that can fail returns 0 or -errno
 * and fills a caller's struct pk_diag (which may be NULL).  Inputs are the
 * KAME X_SPD* messages already accepted by pk_msg_parse() and
 * pk_msg_check().
 *
 * A policy is identified by its selector (family, source and destination
 * prefix, ports, upper-layer protocol) with the host bits of both prefixes
 * masked off, its direction and its security context: two requests whose
 * selectors match exactly the same packets name the same policy.  The
 * addresses are echoed back as the request gave them.
 *
 * Indexes:
 *
 *   selector   one hash table (SipHash-2-4 under a per-store key, linear
 *              probing with the hash beside each pointer, doubled at load
 *              factor 1/2) keyed by
 *              (dir, family, dst plen, src plen, proto, dport, sport,
 *               masked dst, masked src).
 *              It gives duplicates, SPDDELETE and SPDUPDATE in O(1), and it
 *              is also the lookup index: see "Lookup" below.
 *   id         a table on the policy id, also linear probing (ids are
 *              allocated as Linux does, so id >> 3 is already a good hash).
 *   shapes     per (direction, family), the list of distinct "shapes"
 *              present: (dst plen, src plen, which of proto/dport/sport are
 *              specific), each with a lower bound on the priorities of its
 *              policies, sorted by (bound, specificity).
 *   deadlines  a binary min-heap of the policies with a hard lifetime.
 *   reqids     an open-addressing count map of the reqids in use, so that
 *              automatic reqids never collide with a policy's.
 *   order      a doubly linked list in insertion order (dumps).
 *
 * Lookup: for each shape of the packet's (direction, family), the packet's
 * addresses are masked with the shape's prefix lengths, its proto and ports
 * replaced by "any" where the shape has none, and the selector table is
 * probed once: an exact hit is a match.  Shapes are visited in order of
 * priority bound, then specificity, and the walk stops as soon as no later
 * shape can hold a better policy.  The cost is one probe per shape visited,
 * independent of the number of policies: 100k policies of 0.0.0.0/0 with
 * different destination ports are one shape and one probe.
 *
 * The best policy is: the lowest priority value; among equal priorities the
 * most specific (longer destination prefix, then longer source prefix, then
 * a specific protocol, then a specific destination port, then a specific
 * source port); then the earliest inserted.  The security context plays no
 * part in lookup.
 *
 * A pointer to a policy stays valid until the policy is removed (delete,
 * flush, expiry); SPDUPDATE changes the record in place.
 */
#ifndef PFKEY_ENGINE_SPD_H
#define PFKEY_ENGINE_SPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfkey/diag.h"
#include "pfkey/msg.h"
#include "pfkey/pfkeyv2.h"

/* Most requests an IPSEC policy may carry (Linux XFRM_MAX_DEPTH). */
#define SPD_MAX_REQUESTS	6
/* Policy and context extensions up to this size are stored in the record. */
#define SPD_INLINE_BLOB		64
/* Automatic reqids (level unique, reqid 0) start above the manual range. */
#define SPD_AUTO_REQID_MIN	(IPSEC_MANUAL_REQID_MAX + 1)

/*
 * A selector, or a packet's header fields for spd_lookup().  Addresses in
 * network byte order, 4 bytes used for AF_INET, the rest zero.
 */
struct spd_selector {
	uint8_t		src[16];
	uint8_t		dst[16];
	uint16_t	sport;		/* network byte order, 0 = any */
	uint16_t	dport;
	uint8_t		family;		/* AF_INET, AF_INET6 */
	uint8_t		splen;		/* prefix lengths; ignored in a packet */
	uint8_t		dplen;
	uint8_t		proto;		/* IPSEC_ULPROTO_ANY (255) = any */
};

/* A policy's hard lifetime (LIFETIME_HARD); 0 = no limit. */
struct spd_lifetime {
	uint32_t	allocations;	/* echoed, not enforced */
	uint64_t	bytes;		/* echoed, not enforced */
	uint64_t	addtime;	/* seconds after creation */
	uint64_t	usetime;	/* seconds after the last use */
};

struct spd_policy {
	struct spd_selector	sel;		/* addresses as given */
	uint32_t		id;		/* sadb_x_policy_id, never 0 */
	uint32_t		priority;	/* lower value wins */
	uint32_t		seq, pid;	/* of the creating request */
	uint16_t		type;		/* IPSEC_POLICY_* */
	uint8_t			dir;		/* IPSEC_DIR_IN/OUTBOUND, FWD */
	uint8_t			nreq;		/* requests in policy */
	struct spd_lifetime	hard;
	uint64_t		created;	/* time of the add or update */
	uint64_t		lastused;	/* last lookup hit, 0 = never */
	/*
	 * The wire policy extension with its requests in order, id and
	 * automatic reqids filled in (walk it with pk_policy_next_request()),
	 * and the SEC_CTX extension or NULL.  Both live in one allocation,
	 * or in inl when they fit (most policies: one or two requests).
	 */
	struct sadb_x_policy	*policy;
	struct sadb_x_sec_ctx	*ctx;
	/* engine-private */
	struct spd_policy	*prev, *next;	/* insertion order */
	uint64_t		rank;		/* insertion serial */
	uint64_t		heap_key;	/* deadline, may be early */
	uint32_t		heap_idx;	/* 1-based, 0 = not in the heap */
	uint32_t		hash;		/* of key */
	uint32_t		spec;		/* specificity, larger wins */
	uint8_t			keylen;
	uint8_t			key[48];	/* the selector index key */
	uint8_t			pooled;		/* from a huge page chunk */
	uint64_t		inl[SPD_INLINE_BLOB / 8];
};

struct spd;

/* A new empty store; seed keys the hashes (random in production). */
int spd_new(uint64_t seed, struct spd **out, struct pk_diag *d);
/* Frees every policy and the store.  No cursor may be open. */
void spd_free(struct spd *spd);
/* Frees a policy given out by spd_delete(), spd_delete_id() (p may be NULL). */
void spd_policy_free(struct spd *spd, struct spd_policy *p);

size_t spd_count(const struct spd *spd);

/* ------------------------------------------------------- message level */

/*
 * SADB_X_SPDADD: SRC, DST, X_POLICY, optional LIFETIME_HARD and SEC_CTX.
 * The request's policy id is ignored; a new one is allocated.  A request
 * of level unique with reqid 0 gets an automatic reqid (from
 * SPD_AUTO_REQID_MIN up, unused by any policy), stored in the copy.
 * EEXIST for a policy with the same selector, direction and context;
 * EINVAL with a diagnostic for a direction other than in, out, fwd
 * (BAD_POLICY_DIR), a bad type (BAD_POLICY_TYPE), bad addresses or more
 * than SPD_MAX_REQUESTS requests (MALFORMED_POLICY); ENOMEM.
 * *out (may be NULL) points at the stored policy.
 */
int spd_add(struct spd *spd, const struct pk_msg *m, uint64_t now,
	    const struct spd_policy **out, struct pk_diag *d);

/*
 * SADB_X_SPDUPDATE: replaces the policy with the same selector, direction
 * and context, keeping its id and its place in the insertion order
 * (lifetimes restart at now); adds it when there is none.
 */
int spd_update(struct spd *spd, const struct pk_msg *m, uint64_t now,
	       const struct spd_policy **out, struct pk_diag *d);

/*
 * SADB_X_SPDDELETE, by selector, direction and context: removes the policy
 * and hands it to the caller in *out (free it with spd_policy_free()).
 * ENOENT when there is none.
 */
int spd_delete(struct spd *spd, const struct pk_msg *m,
	       struct spd_policy **out, struct pk_diag *d);

/* SADB_X_SPDDELETE2, by sadb_x_policy_id; as spd_delete().  ENOENT. */
int spd_delete_id(struct spd *spd, const struct pk_msg *m,
		  struct spd_policy **out, struct pk_diag *d);

/* SADB_X_SPDGET, by sadb_x_policy_id.  ENOENT. */
int spd_get_id(const struct spd *spd, const struct pk_msg *m,
	       const struct spd_policy **out, struct pk_diag *d);

/*
 * SADB_X_SPDFLUSH: removes every policy; *count (may be NULL) removed.
 * Never fails (an empty SPD flushes fine, as on Linux); returns 0.
 */
int spd_flush(struct spd *spd, size_t *count, struct pk_diag *d);

/* ------------------------------------------------------------ C level */

/* The policy with this id, or NULL. */
const struct spd_policy *spd_find_id(const struct spd *spd, uint32_t id);

/*
 * The best policy of direction dir for a packet (pkt's prefix lengths are
 * ignored; proto is the packet's protocol, ports 0 when it has none), or
 * NULL.  Marks it used at now.
 */
const struct spd_policy *spd_lookup(struct spd *spd, uint8_t dir,
				    const struct spd_selector *pkt,
				    uint64_t now);

/* ---------------------------------------------------------- lifetimes */

typedef void (*spd_expire_fn)(void *arg, const struct spd_policy *p);

/*
 * Calls fn (may be NULL) for every policy whose hard addtime or usetime has
 * run out at now (now >= created + addtime, or now >= last use (creation
 * when unused) + usetime), for its SADB_X_SPDEXPIRE, then removes it.
 * Returns how many expired.  Cost O((expired + rescheduled) log n).
 */
size_t spd_expire(struct spd *spd, uint64_t now, spd_expire_fn fn,
		  void *arg);

/*
 * The earliest time a policy expires, UINT64_MAX when none can.  Exact:
 * use times are folded into the heap lazily, here and in spd_expire().
 */
uint64_t spd_next_deadline(struct spd *spd);

/* --------------------------------------------------------------- dumps */

/*
 * A dump cursor, owned by the caller, registered with the store while
 * open.  Policies are visited in insertion order (oldest first; SPDUPDATE
 * keeps a policy's place), which is deterministic.  Every policy present
 * for the whole dump is returned exactly once; one removed before the
 * cursor reaches it is not returned; one added during the dump is returned
 * at most once.  Removal costs O(open cursors).
 */
struct spd_cursor {
	struct spd_cursor	*link;	/* engine-private */
	struct spd_policy	*pos;	/* returned next, NULL = end */
};

void spd_cursor_open(struct spd *spd, struct spd_cursor *c);
const struct spd_policy *spd_cursor_next(struct spd *spd,
					 struct spd_cursor *c);
/* True when another policy follows the one just returned. */
static inline bool spd_cursor_more(const struct spd_cursor *c)
{
	return c->pos != NULL;
}
void spd_cursor_close(struct spd *spd, struct spd_cursor *c);

/* -------------------------------------------------------------- replies */

/*
 * Appends the policy's extensions to b in the order Linux replies carry
 * them: SRC(5), DST(6), LIFETIME_HARD(3), LIFETIME_CURRENT(2) (addtime:
 * creation, usetime: last use), X_POLICY(18) with id and requests, then
 * SEC_CTX(24) if any.  flags: none defined, pass 0.  Returns
 * pk_buf_error(b).
 */
int spd_write_policy(const struct spd_policy *p, struct pk_buf *b,
		     unsigned flags);

/* Fills a selector from a validated address pair; 0 or -EINVAL. */
int spd_selector_from_msg(const struct pk_msg *m, struct spd_selector *sel,
			  struct pk_diag *d);

#endif /* PFKEY_ENGINE_SPD_H */
