/*
 * queue.c - reference-counted messages and the ring of pointers to them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"

void outpool_init(struct outpool *p)
{
	memset(p, 0, sizeof(*p));
}

void outpool_drain(struct outpool *p)
{
	while (p->free != NULL) {
		struct outmsg *m = p->free;

		p->free = m->next_free;
		free(m);
	}
	p->nfree = 0;
}

struct outmsg *outmsg_new(struct outpool *p, const void *data, size_t len)
{
	struct outmsg *m;

	if (len > UINT32_MAX)
		return NULL;
	if (p != NULL && len <= OUTPOOL_SMALL) {
		m = p->free;
		if (m != NULL) {
			p->free = m->next_free;
			p->nfree--;
		} else {
			m = malloc(sizeof(*m) + OUTPOOL_SMALL);
			if (m == NULL)
				return NULL;
		}
		m->pool = p;
	} else {
		m = malloc(sizeof(*m) + len);
		if (m == NULL)
			return NULL;
		m->pool = NULL;
	}
	m->next_free = NULL;
	m->refs = 1;
	m->len = (uint32_t)len;
	memcpy(m->data, data, len);
	return m;
}

void outmsg_put(struct outmsg *m)
{
	struct outpool *p;

	if (m == NULL || --m->refs > 0)
		return;
	explicit_bzero(m->data, m->len);
	p = m->pool;
	if (p != NULL && p->nfree < OUTPOOL_KEEP) {
		m->next_free = p->free;
		p->free = m;
		p->nfree++;
		return;
	}
	free(m);
}

void outq_init(struct outq *q)
{
	memset(q, 0, sizeof(*q));
}

static int outq_grow(struct outq *q)
{
	size_t ncap = q->cap ? q->cap * 2 : 16;
	struct outmsg **nring;
	size_t i;

	if (ncap > SIZE_MAX / sizeof(*nring))
		return -ENOMEM;
	nring = malloc(ncap * sizeof(*nring));
	if (nring == NULL)
		return -ENOMEM;
	/* Unwrap the old ring so that the oldest message is at slot 0. */
	for (i = 0; i < q->count; i++)
		nring[i] = q->ring[(q->head + i) & (q->cap - 1)];
	free(q->ring);
	q->ring = nring;
	q->cap = ncap;
	q->head = 0;
	return 0;
}

int outq_push(struct outq *q, struct outmsg *m)
{
	if (q->count == q->cap && outq_grow(q) < 0)
		return -ENOMEM;
	q->ring[(q->head + q->count) & (q->cap - 1)] = m;
	q->count++;
	q->bytes += outq_cost(m->len);
	m->refs++;
	return 0;
}

struct outmsg *outq_peek(const struct outq *q)
{
	return q->count ? q->ring[q->head] : NULL;
}

void outq_pop(struct outq *q)
{
	struct outmsg *m = q->ring[q->head];

	q->head = (q->head + 1) & (q->cap - 1);
	q->count--;
	q->bytes -= outq_cost(m->len);
	outmsg_put(m);
}

void outq_clear(struct outq *q)
{
	while (q->count)
		outq_pop(q);
	free(q->ring);
	outq_init(q);
}
