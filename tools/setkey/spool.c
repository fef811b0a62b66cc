/*
 * spool.c - what pass 1 built, kept for pass 2 (see spool.h).
 *
 * A chunk is one anonymous mapping: never realloc'd (that would leave
 * copies of keys behind in freed memory), excluded from core dumps, and
 * zeroed before it is unmapped.  Records are 8-byte aligned and never
 * straddle two chunks; a record larger than SK_SPOOL_CHUNK gets a chunk
 * of its own.
 */
#include <errno.h>
#include <netdb.h>
#include <string.h>
#include <sys/mman.h>

#include "spool.h"

struct sk_spool_chunk {
	struct sk_spool_chunk	*next;
	size_t			size;	/* of the mapping, this header included */
	size_t			used;	/* from data[0] */
	_Alignas(8) unsigned char data[];
};

/* A record as stored: this header, then the message or the addresses. */
struct stored {
	uint32_t	bytes;		/* of the whole record, header included */
	uint8_t		kind;
	uint8_t		cmd;
	uint8_t		satype;
	uint8_t		pad;
	uint32_t	nsrc, ndst;	/* SK_REC_DELETEALL */
	uint32_t	len;		/* SK_REC_MSG: message bytes */
	uint64_t	line;
};

_Static_assert(sizeof(struct stored) % 8 == 0, "records stay aligned");

#define ROUND8(n)	(((n) + 7) & ~(size_t)7)

void sk_spool_init(struct sk_spool *s, size_t max)
{
	memset(s, 0, sizeof(*s));
	s->max = max;
}

static void unmap(struct sk_spool_chunk *c)
{
	size_t size = c->size;

	explicit_bzero(c, sizeof(*c) + c->used);
	munmap(c, size);
}

static void free_after(struct sk_spool *s, struct sk_spool_chunk *keep)
{
	struct sk_spool_chunk *c = keep != NULL ? keep->next : s->head;

	while (c != NULL) {
		struct sk_spool_chunk *n = c->next;

		s->total -= c->size;
		unmap(c);
		c = n;
	}
	if (keep != NULL)
		keep->next = NULL;
	else
		s->head = NULL;
	s->tail = keep;
}

void sk_spool_free(struct sk_spool *s)
{
	free_after(s, NULL);
	s->mark_chunk = NULL;
	s->mark_used = 0;
}

void sk_spool_begin(struct sk_spool *s)
{
	s->mark_chunk = s->tail;
	s->mark_used = s->tail != NULL ? s->tail->used : 0;
}

/* Room for bytes more at the tail: a pointer to it, or NULL with *err. */
static unsigned char *room(struct sk_spool *s, size_t bytes, int *err)
{
	struct sk_spool_chunk *c = s->tail;
	size_t size;

	if (c != NULL && c->size - sizeof(*c) - c->used >= bytes)
		return c->data + c->used;
	size = sizeof(*c) + bytes > SK_SPOOL_CHUNK ?
	       ROUND8(sizeof(*c) + bytes) : SK_SPOOL_CHUNK;
	if (s->closed || size > s->max - s->total) {
		*err = -ENOSPC;
		return NULL;
	}
	c = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c == MAP_FAILED) {
		*err = -ENOMEM;
		return NULL;
	}
#ifdef MADV_DONTDUMP
	(void)madvise(c, size, MADV_DONTDUMP);
#endif
	c->next = NULL;
	c->size = size;
	c->used = 0;
	if (s->tail != NULL)
		s->tail->next = c;
	else
		s->head = c;
	s->tail = c;
	s->total += size;
	return c->data;
}

static struct stored *append(struct sk_spool *s, const struct sk_cmd *c,
			     enum sk_rec_kind kind, size_t payload, int *err)
{
	size_t bytes = sizeof(struct stored) + ROUND8(payload);
	struct stored *r;

	if (s->closed || payload > UINT32_MAX - 2 * sizeof(*r)) {
		*err = -ENOSPC;
		return NULL;
	}
	r = (struct stored *)room(s, bytes, err);
	if (r == NULL)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->bytes = (uint32_t)bytes;
	r->kind = (uint8_t)kind;
	r->cmd = (uint8_t)c->type;
	r->satype = c->satype;
	r->line = c->line;
	s->tail->used += bytes;
	return r;
}

int sk_spool_msg(struct sk_spool *s, const struct sk_cmd *c, const void *msg,
		 size_t len)
{
	int err = 0;
	struct stored *r = append(s, c, SK_REC_MSG, len, &err);

	if (r == NULL)
		return err;
	r->len = (uint32_t)len;
	memcpy(r + 1, msg, len);
	return 0;
}

size_t sk_host_count(const struct sk_host *h)
{
	size_t n = 0;

	for (const struct addrinfo *ai = h->ai; ai != NULL; ai = ai->ai_next)
		n++;
	return n;
}

void sk_host_copy(const struct sk_host *h, struct sockaddr_storage *out)
{
	for (const struct addrinfo *ai = h->ai; ai != NULL; ai = ai->ai_next) {
		size_t n = ai->ai_addrlen < sizeof(*out) ? ai->ai_addrlen :
			   sizeof(*out);

		memset(out, 0, sizeof(*out));
		memcpy(out, ai->ai_addr, n);
		out++;
	}
}

int sk_spool_deleteall(struct sk_spool *s, const struct sk_cmd *c)
{
	size_t ns = sk_host_count(&c->src), nd = sk_host_count(&c->dst);
	struct sockaddr_storage *a;
	struct stored *r;
	int err = 0;

	if (ns + nd > (UINT32_MAX / 2) / sizeof(*a))
		return -ENOSPC;
	r = append(s, c, SK_REC_DELETEALL, (ns + nd) * sizeof(*a), &err);
	if (r == NULL)
		return err;
	r->nsrc = (uint32_t)ns;
	r->ndst = (uint32_t)nd;
	a = (struct sockaddr_storage *)(r + 1);
	sk_host_copy(&c->src, a);
	sk_host_copy(&c->dst, a + ns);
	return 0;
}

void sk_spool_close(struct sk_spool *s, const struct sk_cmd *c)
{
	if (s->closed)
		return;
	/* take back what c kept before it ran out of room */
	free_after(s, s->mark_chunk);
	if (s->mark_chunk != NULL) {
		struct sk_spool_chunk *m = s->mark_chunk;

		explicit_bzero(m->data + s->mark_used, m->used - s->mark_used);
		m->used = s->mark_used;
	}
	s->closed = true;
	s->resume_off = c->off;
	s->resume_line = c->line;
	s->resume_col = c->col;
}

bool sk_spool_next(struct sk_spool *s, struct sk_spool_pos *pos,
		   struct sk_rec *r)
{
	const struct stored *st;

	if (!pos->started) {
		pos->started = true;
		pos->chunk = s->head;
		pos->off = 0;
	}
	while (pos->chunk != NULL && pos->off >= pos->chunk->used) {
		pos->chunk = pos->chunk->next;
		pos->off = 0;
	}
	if (pos->chunk == NULL)
		return false;
	st = (const struct stored *)(pos->chunk->data + pos->off);
	pos->off += st->bytes;
	memset(r, 0, sizeof(*r));
	r->kind = (enum sk_rec_kind)st->kind;
	r->cmd = (enum sk_cmd_type)st->cmd;
	r->satype = st->satype;
	r->line = (unsigned long)st->line;
	if (r->kind == SK_REC_MSG) {
		r->msg = (void *)(st + 1);
		r->len = st->len;
	} else {
		const struct sockaddr_storage *a =
			(const struct sockaddr_storage *)(st + 1);

		r->src = a;
		r->nsrc = st->nsrc;
		r->dst = a + st->nsrc;
		r->ndst = st->ndst;
	}
	return true;
}
