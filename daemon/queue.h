/*
 * queue.h - a client's output queue.
 *
 * A message sent to several clients (a broadcast) is stored once, with a
 * reference count, and each client's queue holds a pointer to it.  The
 * queue is a ring of such pointers that doubles when full.
 *
 * Accounting is per client and counts every queued message whole, as if
 * it were the client's own copy, plus OUTQ_MSG_COST bytes of bookkeeping,
 * so that a flood of tiny messages is bounded by the same byte limit as a
 * few large ones.  The daemon compares outq_bytes() with its watermarks
 * (server.h).
 *
 * Messages may hold key material (GET replies, dump records): they are
 * zeroed before they are freed.
 *
 * Small messages (most replies) come from an outpool: a freed one is zeroed
 * and kept for the next, up to OUTPOOL_KEEP of them, so that a reply costs
 * no malloc() and free().  A pool outlives every message taken from it.
 */
#ifndef PFKEYD_QUEUE_H
#define PFKEYD_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#define OUTQ_MSG_COST	64	/* bytes charged per message beyond its length */
#define OUTPOOL_SMALL	512	/* data bytes of a pooled message */
#define OUTPOOL_KEEP	256	/* freed small messages kept for reuse */

struct outpool;

struct outmsg {
	struct outpool	*pool;		/* NULL: allocated to its length */
	struct outmsg	*next_free;	/* in the pool's free list */
	uint32_t	refs;
	uint32_t	len;		/* bytes of data */
	uint8_t		data[];
};

struct outpool {
	struct outmsg	*free;
	size_t		nfree;
};

void outpool_init(struct outpool *p);
/* Frees the kept messages; every message taken must have been put. */
void outpool_drain(struct outpool *p);

/* A copy of len bytes with one reference, or NULL (ENOMEM); p may be NULL. */
struct outmsg *outmsg_new(struct outpool *p, const void *data, size_t len);
/* Drops a reference; the last one zeroes the message and frees or keeps it. */
void outmsg_put(struct outmsg *m);

struct outq {
	struct outmsg	**ring;
	size_t		cap;		/* slots, a power of two (or 0) */
	size_t		head;		/* slot of the oldest message */
	size_t		count;		/* messages queued */
	size_t		bytes;		/* sum of outq_cost() of queued messages */
};

static inline size_t outq_cost(size_t len)
{
	return len + OUTQ_MSG_COST;
}

static inline size_t outq_bytes(const struct outq *q)
{
	return q->bytes;
}

void outq_init(struct outq *q);
/* Appends m, taking a new reference; 0 or -ENOMEM. */
int outq_push(struct outq *q, struct outmsg *m);
/* The oldest message, or NULL when empty. */
struct outmsg *outq_peek(const struct outq *q);
/* The i-th oldest message (i < count), without removing it. */
static inline struct outmsg *outq_at(const struct outq *q, size_t i)
{
	return q->ring[(q->head + i) & (q->cap - 1)];
}
static inline size_t outq_count(const struct outq *q)
{
	return q->count;
}
/* Removes the oldest message (the queue must not be empty). */
void outq_pop(struct outq *q);
/* Drops every message and the ring. */
void outq_clear(struct outq *q);

#endif /* PFKEYD_QUEUE_H */
