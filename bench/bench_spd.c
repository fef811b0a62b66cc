/*
 * bench_spd.c - SPD insert and lookup cost at 1k and 100k policies, half of
 * them wide prefixes (0.0.0.0/0 both ways) with port selectors, the case
 * where Linux XFRM goes quadratic.  Inputs are deterministic (fixed seed);
 * messages are built and validated before the clock starts, so the figures
 * are the store's own cost.  Ratios are measured in the same run.
 *
 *   insert: ns per SPDADD while building a store of N from empty
 *           (the median over 200 builds at 1k, 7 at 100k)
 *   lookup: ns per spd_lookup over a mix of packets hitting narrow
 *           policies, wide port policies and nothing
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pfkey/msg.h"
#include "spd.h"

#define MSG_BYTES	128
#define NPACKETS	4096

struct msgs {
	uint8_t		*mem;		/* n * MSG_BYTES, 8-aligned */
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

static struct sockaddr *v4(struct sockaddr_storage *ss, uint32_t a,
			   uint16_t port)
{
	struct sockaddr_in *s = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	s->sin_family = AF_INET;
	s->sin_addr.s_addr = htonl(a);
	s->sin_port = htons(port);
	return (struct sockaddr *)ss;
}

/*
 * Policy i of a set of n: even i narrow (10.x.y.0/24 -> 172.16.x.y/32,
 * /24 or /16, any protocol; some with an ESP transport request), odd i
 * wide (0.0.0.0/0 -> 0.0.0.0/0, TCP or UDP, one destination port each).
 */
static void policy(size_t i, uint32_t *src, uint8_t *splen, uint32_t *dst,
		   uint8_t *dplen, uint8_t *proto, uint16_t *dport)
{
	uint32_t k = (uint32_t)(i / 2);

	if (i % 2 == 0) {
		static const uint8_t dl[] = { 32, 32, 24, 16 };

		*src = 0x0a000000U | (k & 0xffff) << 8;
		*splen = 24;
		*dplen = dl[k % 4];
		*dst = 0xac100000U | (k & 0xffff);
		if (*dplen == 24)
			*dst = 0xad000000U | (k & 0xffff) << 8;
		else if (*dplen == 16)
			*dst = 0xae000000U | (k & 0xff) << 16;
		*proto = IPSEC_ULPROTO_ANY;
		*dport = 0;
	} else {
		*src = *dst = 0;
		*splen = *dplen = 0;
		*proto = k % 2 ? IPPROTO_UDP : IPPROTO_TCP;
		*dport = (uint16_t)(1 + k / 2);
	}
}

static int build_msgs(struct msgs *ms, size_t n)
{
	ms->n = n;
	ms->mem = aligned_alloc(8, n * MSG_BYTES);
	ms->m = calloc(n, sizeof(*ms->m));
	if (ms->mem == NULL || ms->m == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct sockaddr_storage a, b;
		struct pk_buf pb;
		struct pk_diag d;
		uint32_t src, dst;
		uint8_t splen, dplen, proto;
		uint16_t dport;
		int rc;

		policy(i, &src, &splen, &dst, &dplen, &proto, &dport);
		pk_buf_init(&pb, ms->mem + i * MSG_BYTES, MSG_BYTES);
		pk_msg_begin(&pb, SADB_X_SPDADD, SADB_SATYPE_UNSPEC,
			     (uint32_t)i, 1);
		pk_add_address(&pb, SADB_EXT_ADDRESS_SRC, v4(&a, src, 0), proto,
			       splen);
		pk_add_address(&pb, SADB_EXT_ADDRESS_DST, v4(&b, dst, dport),
			       proto, dplen);
		if (i % 4 == 0) {
			pk_add_policy(&pb, IPSEC_POLICY_IPSEC,
				      IPSEC_DIR_OUTBOUND, 0,
				      PK_PRIORITY_DEFAULT);
			pk_add_policy_request(&pb, IPPROTO_ESP,
					      IPSEC_MODE_TRANSPORT,
					      IPSEC_LEVEL_REQUIRE, 0, NULL,
					      NULL);
		} else {
			pk_add_policy(&pb, i % 2 ? IPSEC_POLICY_DISCARD
						 : IPSEC_POLICY_NONE,
				      IPSEC_DIR_OUTBOUND, 0,
				      PK_PRIORITY_DEFAULT);
		}
		rc = pk_buf_error(&pb);
		if (rc == 0)
			rc = pk_msg_parse(&ms->m[i], pb.base, pb.len, &d);
		if (rc == 0)
			rc = pk_msg_check(&ms->m[i], &d);
		if (rc != 0) {
			fprintf(stderr, "bench_spd: message %zu: %s\n", i,
				d.detail);
			return rc;
		}
	}
	return 0;
}

static void free_msgs(struct msgs *ms)
{
	free(ms->mem);
	free(ms->m);
}

/* Builds a store of all of ms; returns ns per insert, or -1. */
static double fill(struct spd **out, const struct msgs *ms)
{
	struct spd *spd;
	struct pk_diag d;
	double t0, t1;

	if (spd_new(1, &spd, &d) != 0)
		return -1;
	t0 = now_ns();
	for (size_t i = 0; i < ms->n; i++)
		if (spd_add(spd, &ms->m[i], 1000, NULL, &d) != 0) {
			fprintf(stderr, "bench_spd: add %zu: %s\n", i,
				d.detail);
			spd_free(spd);
			return -1;
		}
	t1 = now_ns();
	*out = spd;
	return (t1 - t0) / (double)ms->n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median over rounds builds of ns per insert, or -1. */
static double bench_insert(const struct msgs *ms, int rounds)
{
	double *v = calloc((size_t)rounds, sizeof(*v)), med;

	if (v == NULL)
		return -1;
	for (int r = 0; r < rounds; r++) {
		struct spd *spd;
		double ns = fill(&spd, ms);

		if (ns < 0) {
			free(v);
			return -1;
		}
		spd_free(spd);
		v[r] = ns;
	}
	qsort(v, (size_t)rounds, sizeof(*v), cmp_double);
	med = rounds % 2 ? v[rounds / 2]
			 : (v[rounds / 2 - 1] + v[rounds / 2]) / 2;
	free(v);
	return med;
}

/* Packets: a third hit narrow policies, a third wide ones, a third miss. */
static void make_packets(struct spd_selector *p, size_t n, size_t policies)
{
	for (size_t i = 0; i < NPACKETS; i++) {
		size_t j = (size_t)(rnd() % policies);
		uint32_t src, dst;
		uint8_t splen, dplen, proto;
		uint16_t dport;

		memset(&p[i], 0, sizeof(p[i]));
		p[i].family = AF_INET;
		if (i % 3 == 0 && j % 2 == 1)
			j--;
		if (i % 3 == 1 && j % 2 == 0)
			j = j + 1 < policies ? j + 1 : 1;
		policy(j, &src, &splen, &dst, &dplen, &proto, &dport);
		if (dplen != 0) {
			src |= (uint32_t)(rnd() & 0xff);
			if (dplen < 32)
				dst |= (uint32_t)rnd() &
				       ((1U << (32 - dplen)) - 1);
			proto = rnd() % 2 ? IPPROTO_TCP : IPPROTO_UDP;
			dport = (uint16_t)(1 + rnd() % 1024);
		} else {
			src = 0xc0000200U | (uint32_t)(rnd() & 0xff);
			dst = 0xc6336400U | (uint32_t)(rnd() & 0xff);
		}
		if (i % 3 == 2) {
			src = 0xcb007100U | (uint32_t)(rnd() & 0xff);
			dst = 0xc0a80000U | (uint32_t)(rnd() & 0xffff);
			proto = IPPROTO_ICMP;
			dport = 0;
		}
		src = htonl(src);
		dst = htonl(dst);
		memcpy(p[i].src, &src, 4);
		memcpy(p[i].dst, &dst, 4);
		p[i].proto = proto;
		p[i].sport = htons((uint16_t)(1024 + rnd() % 60000));
		p[i].dport = htons(dport);
	}
	(void)n;
}

static double bench_lookup(struct spd *spd, const struct spd_selector *p,
			   size_t iters, size_t *hits)
{
	double t0, t1;
	size_t h = 0;

	t0 = now_ns();
	for (size_t i = 0; i < iters; i++)
		h += spd_lookup(spd, IPSEC_DIR_OUTBOUND, &p[i % NPACKETS],
				2000) != NULL;
	t1 = now_ns();
	*hits = h;
	return (t1 - t0) / (double)iters;
}

int main(int argc, char **argv)
{
	struct msgs small, large;
	struct spd *s1, *s2;
	static struct spd_selector pk1[NPACKETS], pk2[NPACKETS];
	double i1, i2, l1, l2;
	size_t h1, h2;

	if (build_msgs(&small, 1000) != 0 || build_msgs(&large, 100000) != 0) {
		fprintf(stderr, "bench_spd: cannot build the messages\n");
		return 1;
	}
	/*
	 * "insert-1k" or "insert-100k": only that size's builds (for
	 * profilers such as callgrind), no warm-up, no lookups.
	 */
	if (argc > 1) {
		const struct msgs *ms = strcmp(argv[1], "insert-1k") == 0 ?
			&small : strcmp(argv[1], "insert-100k") == 0 ?
			&large : NULL;
		int rounds = argc > 2 ? atoi(argv[2]) : 1;

		if (ms == NULL || rounds < 1) {
			fprintf(stderr, "usage: bench_spd [insert-1k|"
				"insert-100k [rounds]]\n");
			return 2;
		}
		i1 = bench_insert(ms, rounds);
		if (i1 < 0)
			return 1;
		printf("spd insert: %zu policies %.0f ns/op (median of %d)\n",
		       ms->n, i1, rounds);
		free_msgs(&small);
		free_msgs(&large);
		return 0;
	}
	/* Each size is measured after one warm-up build of that size. */
	if (bench_insert(&small, 20) < 0)
		return 1;
	i1 = bench_insert(&small, 200);
	if (bench_insert(&large, 1) < 0)
		return 1;
	i2 = bench_insert(&large, 7);
	if (i1 < 0 || i2 < 0)
		return 1;
	printf("spd insert: 1k %.0f ns/op, 100k %.0f ns/op, ratio %.2f "
	       "(target <= 1.5)\n", i1, i2, i2 / i1);

	if (fill(&s1, &small) < 0 || fill(&s2, &large) < 0)
		return 1;
	make_packets(pk1, NPACKETS, small.n);
	make_packets(pk2, NPACKETS, large.n);
	bench_lookup(s2, pk2, 200000, &h2);	/* warm-up */
	l1 = bench_lookup(s1, pk1, 2000000, &h1);
	l2 = bench_lookup(s2, pk2, 2000000, &h2);
	printf("spd lookup: 1k %.0f ns/op, 100k %.0f ns/op, ratio %.2f; "
	       "hits %.0f%% / %.0f%%\n", l1, l2, l2 / l1,
	       100.0 * (double)h1 / 2e6, 100.0 * (double)h2 / 2e6);
	printf("spd lookup: 100k %.0f ns/op (target < 1000)\n", l2);
	spd_free(s1);
	spd_free(s2);
	free_msgs(&small);
	free_msgs(&large);
	return 0;
}
