/*
 * bench_sadb.c - SADB cost per operation at 1k, 100k and 1M SAs, and bytes
 * per SA.  Deterministic (fixed seeds); requests are built, parsed and
 * checked before the clock starts, so the figures are the store's own cost.
 * Ratios are measured in the same run.
 *
 *   get:    ns per sadb_find() of a random existing SA
 *   delete: ns per sadb_delete() of a random existing SA (in cycles of
 *           N/10, at most 10000, each followed by ...)
 *   add:    ns per sadb_add() putting those SAs back, so the store stays
 *           between 0.9 N and N
 *   bytes:  everything the store holds per SA (slots, buckets, page table,
 *           timer heap, key blob headers, 16 bytes of malloc overhead per
 *           blob) besides the raw key bytes (36: hmac-sha1 + aes-128)
 * Every SA has soft and hard lifetimes, as SAs set up by IKE do, so the
 * timer heap is exercised and counted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pfkey/msg.h"
#include "sadb.h"

#define MSG_BYTES	256
#define KEY_BYTES	36
#define GETS		2000000
#define CYCLE_OPS	200000	/* deletes (and adds) per size, in total */

static const uint8_t akey[20] = { 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
				  0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae,
				  0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4 };
static const uint8_t ekey[16] = { 0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6,
				  0xe7, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed,
				  0xee, 0xef };

struct msgs {
	uint8_t		*mem;		/* n * MSG_BYTES */
	struct pk_msg	*m;
	size_t		n;
};

static uint64_t rng = 0x5eed5eed5eed5eedULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* SA i: 10.255.0.1 -> 10.(i >> 16).(i >> 8).i, an SPI scattered from i. */
static uint32_t spi_of(uint32_t i)
{
	return 0x1000 + ((i * 2654435761U) & 0x0fffffff) % 0x0ffff000;
}

static void dst_of(uint32_t i, struct sockaddr_in *s)
{
	memset(s, 0, sizeof(*s));
	s->sin_family = AF_INET;
	s->sin_addr.s_addr = htonl(0x0a000000U | (i & 0xffffff));
}

static struct sadb_addr addr_of(uint32_t i)
{
	struct sadb_addr a;
	uint32_t v = htonl(0x0a000000U | (i & 0xffffff));

	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	memcpy(a.addr, &v, 4);
	return a;
}

static int build(struct msgs *ms, size_t k, uint8_t type, uint32_t i)
{
	struct sockaddr_in src, dst;
	struct pk_buf b;
	struct pk_diag d;
	uint8_t *mem = ms->mem + k * MSG_BYTES;

	memset(&src, 0, sizeof(src));
	src.sin_family = AF_INET;
	src.sin_addr.s_addr = htonl(0x0aff0001U);
	dst_of(i, &dst);
	pk_buf_init(&b, mem, MSG_BYTES);
	pk_msg_begin(&b, type, SADB_SATYPE_ESP, i, 1);
	if (type == SADB_ADD) {
		pk_add_sa(&b, spi_of(i), 32, SADB_SASTATE_MATURE,
			  SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 0);
		pk_add_lifetime(&b, SADB_EXT_LIFETIME_HARD, 0, 0,
				3600 + i % 600, 0);
		pk_add_lifetime(&b, SADB_EXT_LIFETIME_SOFT, 0, 0,
				3000 + i % 600, 0);
		pk_add_address(&b, SADB_EXT_ADDRESS_SRC,
			       (struct sockaddr *)&src, 0, 32);
	} else {
		pk_add_sa(&b, spi_of(i), 0, SADB_SASTATE_MATURE, 0, 0, 0);
	}
	pk_add_address(&b, SADB_EXT_ADDRESS_DST, (struct sockaddr *)&dst, 0,
		       32);
	if (type == SADB_ADD) {
		pk_add_key(&b, SADB_EXT_KEY_AUTH, akey, 160, 0);
		pk_add_key(&b, SADB_EXT_KEY_ENCRYPT, ekey, 128, 0);
	}
	if (pk_buf_error(&b) != 0 ||
	    pk_msg_parse(&ms->m[k], mem, b.len, &d) != 0 ||
	    pk_msg_check(&ms->m[k], &d) != 0) {
		fprintf(stderr, "bench_sadb: cannot build request %u: %s\n",
			i, d.detail);
		return -1;
	}
	return 0;
}

static int msgs_new(struct msgs *ms, size_t n)
{
	ms->n = n;
	ms->mem = aligned_alloc(8, n * MSG_BYTES);
	ms->m = calloc(n, sizeof(*ms->m));
	return ms->mem != NULL && ms->m != NULL ? 0 : -ENOMEM;
}

static void msgs_free(struct msgs *ms)
{
	free(ms->mem);
	free(ms->m);
}

struct result {
	double	get_ns, del_ns, add_ns, bytes;
	double	miss_ns;
};

static int run(uint32_t n, struct result *res)
{
	const uint64_t now = 1700000000;
	uint32_t cycle = n / 10 < 10000 ? n / 10 : 10000;
	struct sadb *db;
	struct msgs add, del;
	struct sadb_mem mu;
	struct pk_diag d;
	size_t found = 0, done_ops = 0;
	double t0, tdel = 0, tadd = 0;

	if (sadb_new(42, &db, &d) != 0 || msgs_new(&add, cycle) != 0 ||
	    msgs_new(&del, cycle) != 0)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		if (build(&add, 0, SADB_ADD, i) != 0 ||
		    sadb_add(db, &add.m[0], now, NULL, &d) != 0) {
			fprintf(stderr, "bench_sadb: add %u: %s\n", i, d.detail);
			return -1;
		}
	}
	sadb_mem_usage(db, &mu);
	res->bytes = (double)(mu.slot_bytes + mu.bucket_bytes + mu.page_bytes +
			      mu.heap_bytes + mu.key_bytes -
			      (size_t)n * KEY_BYTES + mu.key_allocs * 16) / n;

	t0 = now_ns();
	for (uint32_t k = 0; k < GETS; k++) {
		uint32_t i = (uint32_t)(rnd() % n);
		struct sadb_addr a = addr_of(i);

		found += sadb_find(db, SADB_SATYPE_ESP, &a, spi_of(i)) != NULL;
	}
	res->get_ns = (now_ns() - t0) / GETS;
	if (found != GETS) {
		fprintf(stderr, "bench_sadb: %zu of %u found\n", found, GETS);
		return -1;
	}
	t0 = now_ns();
	for (uint32_t k = 0; k < GETS; k++) {
		uint32_t i = (uint32_t)(rnd() % n);
		struct sadb_addr a = addr_of(i);

		found += sadb_find(db, SADB_SATYPE_ESP, &a, spi_of(i) ^ 1) != NULL;
	}
	res->miss_ns = (now_ns() - t0) / GETS;

	while (done_ops < CYCLE_OPS) {
		/* cycle distinct victims: a stride prime to N. */
		uint32_t start = (uint32_t)(rnd() % n);

		for (uint32_t k = 0; k < cycle; k++) {
			uint32_t i = (uint32_t)((start + (uint64_t)k * 7919) % n);

			if (build(&del, k, SADB_DELETE, i) != 0 ||
			    build(&add, k, SADB_ADD, i) != 0)
				return -1;
		}
		t0 = now_ns();
		for (uint32_t k = 0; k < cycle; k++) {
			struct sadb_sa_rec gone;

			if (sadb_delete(db, &del.m[k], &gone, &d) != 0) {
				fprintf(stderr, "bench_sadb: delete: %s\n",
					d.detail);
				return -1;
			}
			sadb_rec_release(db, &gone);
		}
		tdel += now_ns() - t0;
		t0 = now_ns();
		for (uint32_t k = 0; k < cycle; k++) {
			if (sadb_add(db, &add.m[k], now, NULL, &d) != 0) {
				fprintf(stderr, "bench_sadb: re-add: %s\n",
					d.detail);
				return -1;
			}
		}
		tadd += now_ns() - t0;
		done_ops += cycle;
	}
	res->del_ns = tdel / done_ops;
	res->add_ns = tadd / done_ops;
	if (sadb_count(db, 0) != n)
		return -1;
	msgs_free(&add);
	msgs_free(&del);
	sadb_free(db);
	return 0;
}

static void line(const char *what, const double v[3], double target)
{
	printf("sadb %s: 1k %.0f ns/op, 100k %.0f ns/op, 1M %.0f ns/op, "
	       "ratio 1M/1k %.2f (target <= %.1f)\n", what, v[0], v[1], v[2],
	       v[2] / v[0], target);
}

int main(void)
{
	static const uint32_t sizes[3] = { 1000, 100000, 1000000 };
	struct result r[3];
	double g[3], m[3], a[3], dl[3];

	for (int s = 0; s < 3; s++) {
		if (run(sizes[s], &r[s]) != 0) {
			fprintf(stderr, "bench_sadb: run at %u failed\n",
				sizes[s]);
			return 1;
		}
		g[s] = r[s].get_ns;
		m[s] = r[s].miss_ns;
		a[s] = r[s].add_ns;
		dl[s] = r[s].del_ns;
	}
	line("get", g, 1.2);
	line("get (miss)", m, 1.2);
	line("add", a, 1.2);
	line("delete", dl, 1.2);
	printf("sadb bytes/SA: 1k %.1f, 100k %.1f, 1M %.1f + %d key bytes "
	       "(target <= 256 + key)\n", r[0].bytes, r[1].bytes, r[2].bytes,
	       KEY_BYTES);
	return 0;
}
