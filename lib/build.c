/*
 * build.c - appending extensions to a PF_KEY message in a caller's buffer.
 *
 * Every extension goes through reserve() (pk_ext_reserve() outside), the one
 * place that pads to 8 bytes, zero-fills and keeps sadb_msg_len equal to the
 * bytes written:
 *
 *   base                               len          cap
 *   | sadb_msg | ext | ext | ... | ext |   free      |
 *                                 ^ last
 */
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <string.h>

#include "pfkey/msg.h"

void pk_buf_init(struct pk_buf *b, void *mem, size_t cap)
{
	b->base = mem;
	b->cap = cap;
	b->len = 0;
	b->last = 0;
	b->err = 0;
}

static int fail(struct pk_buf *b, int err)
{
	if (b->err == 0)
		b->err = -err;
	return b->err;
}

static void set_msg_len(struct pk_buf *b)
{
	uint16_t words = (uint16_t)(b->len / SADB_ALIGN);

	memcpy(b->base + offsetof(struct sadb_msg, sadb_msg_len), &words,
	       sizeof(words));
}

int pk_msg_begin(struct pk_buf *b, uint8_t type, uint8_t satype,
		 uint32_t seq, uint32_t pid)
{
	struct sadb_msg h = {
		.sadb_msg_version = PF_KEY_V2,
		.sadb_msg_type = type,
		.sadb_msg_satype = satype,
		.sadb_msg_seq = seq,
		.sadb_msg_pid = pid,
	};

	b->len = 0;
	b->last = 0;
	b->err = 0;
	if (b->base == NULL || b->cap < sizeof(h))
		return fail(b, ENOBUFS);
	memcpy(b->base, &h, sizeof(h));
	b->len = sizeof(h);
	set_msg_len(b);
	return 0;
}

/*
 * Inline, so that in the builders below, whose lengths are mostly
 * constants, the checks fold and the zero-fill is a few stores: replies
 * are built of many small extensions.
 */
static inline void *reserve(struct pk_buf *b, uint16_t exttype, size_t len)
{
	size_t padded;
	struct sadb_ext *e;

	if (b->err != 0)
		return NULL;
	if (b->len < sizeof(struct sadb_msg)) {
		fail(b, EINVAL);		/* no pk_msg_begin() */
		return NULL;
	}
	if (len < sizeof(struct sadb_ext)) {
		fail(b, EINVAL);
		return NULL;
	}
	/* Too big for any message; checked first so the rounding cannot wrap. */
	if (len > SADB_MSG_MAX_BYTES) {
		fail(b, ENOBUFS);
		return NULL;
	}
	padded = SADB_BYTES(SADB_WORDS(len));
	if (padded > b->cap - b->len ||
	    b->len + padded > SADB_MSG_MAX_BYTES) {
		fail(b, ENOBUFS);
		return NULL;
	}
	e = (struct sadb_ext *)(b->base + b->len);
	memset(e, 0, padded);
	e->sadb_ext_len = (uint16_t)(padded / SADB_ALIGN);
	e->sadb_ext_type = exttype;
	b->last = b->len;
	b->len += padded;
	set_msg_len(b);
	return e;
}

void *pk_ext_reserve(struct pk_buf *b, uint16_t exttype, size_t len)
{
	return reserve(b, exttype, len);
}

int pk_ext_copy(struct pk_buf *b, const struct sadb_ext *ext)
{
	size_t len = SADB_BYTES(ext->sadb_ext_len);
	uint8_t *p = reserve(b, ext->sadb_ext_type, len);

	if (p == NULL)
		return b->err;
	memcpy(p, ext, len);
	return 0;
}

int pk_add_sa(struct pk_buf *b, uint32_t spi, uint8_t replay, uint8_t state,
	      uint8_t auth, uint8_t encrypt, uint32_t flags)
{
	struct sadb_sa *sa = reserve(b, SADB_EXT_SA, sizeof(*sa));

	if (sa == NULL)
		return b->err;
	sa->sadb_sa_spi = htonl(spi);
	sa->sadb_sa_replay = replay;
	sa->sadb_sa_state = state;
	sa->sadb_sa_auth = auth;
	sa->sadb_sa_encrypt = encrypt;
	sa->sadb_sa_flags = flags;
	return 0;
}

int pk_add_lifetime(struct pk_buf *b, uint16_t exttype, uint32_t allocations,
		    uint64_t bytes, uint64_t addtime, uint64_t usetime)
{
	struct sadb_lifetime *lt = reserve(b, exttype, sizeof(*lt));

	if (lt == NULL)
		return b->err;
	lt->sadb_lifetime_allocations = allocations;
	lt->sadb_lifetime_bytes = bytes;
	lt->sadb_lifetime_addtime = addtime;
	lt->sadb_lifetime_usetime = usetime;
	return 0;
}

size_t pk_sockaddr_len(int family)
{
	switch (family) {
	case AF_INET:
		return sizeof(struct sockaddr_in);
	case AF_INET6:
		return sizeof(struct sockaddr_in6);
	default:
		return 0;
	}
}

bool pk_sockaddr_same_host(const struct sockaddr_storage *a,
			   const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
			      &((const struct sockaddr_in *)b)->sin_addr, 4) == 0;
	if (a->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			      &((const struct sockaddr_in6 *)b)->sin6_addr,
			      16) == 0;
	return false;
}

unsigned pk_family_maxprefix(int family)
{
	switch (family) {
	case AF_INET:
		return 32;
	case AF_INET6:
		return 128;
	default:
		return 0;
	}
}

/* Called with constant salen and maxprefix, one call per family. */
static inline int add_address(struct pk_buf *b, uint16_t exttype,
			      const struct sockaddr *sa, size_t salen,
			      unsigned maxprefix, uint8_t proto,
			      uint8_t prefixlen)
{
	struct sadb_address *a;

	if (prefixlen > maxprefix)
		return fail(b, EINVAL);
	a = reserve(b, exttype, sizeof(*a) + salen);
	if (a == NULL)
		return b->err;
	a->sadb_address_proto = proto;
	a->sadb_address_prefixlen = prefixlen;
	memcpy(a + 1, sa, salen);
	return 0;
}

int pk_add_address(struct pk_buf *b, uint16_t exttype,
		   const struct sockaddr *sa, uint8_t proto, uint8_t prefixlen)
{
	switch (sa != NULL ? sa->sa_family : AF_UNSPEC) {
	case AF_INET:
		return add_address(b, exttype, sa, sizeof(struct sockaddr_in),
				   32, proto, prefixlen);
	case AF_INET6:
		return add_address(b, exttype, sa, sizeof(struct sockaddr_in6),
				   128, proto, prefixlen);
	default:
		return fail(b, EINVAL);
	}
}

int pk_add_key(struct pk_buf *b, uint16_t exttype, const uint8_t *key,
	       uint16_t bits, uint16_t reserved)
{
	size_t bytes = ((size_t)bits + 7) / 8;
	struct sadb_key *k;

	if (bytes > 0 && key == NULL)
		return fail(b, EINVAL);
	k = reserve(b, exttype, sizeof(*k) + bytes);
	if (k == NULL)
		return b->err;
	k->sadb_key_bits = bits;
	k->sadb_key_reserved = reserved;
	if (bytes > 0)
		memcpy(k + 1, key, bytes);
	return 0;
}

int pk_add_ident(struct pk_buf *b, uint16_t exttype, uint16_t idtype,
		 uint64_t id, const char *str)
{
	size_t slen = str != NULL ? strlen(str) + 1 : 0;
	struct sadb_ident *i = reserve(b, exttype, sizeof(*i) + slen);

	if (i == NULL)
		return b->err;
	i->sadb_ident_type = idtype;
	i->sadb_ident_id = id;
	if (slen > 0)
		memcpy(i + 1, str, slen);
	return 0;
}

int pk_add_sens(struct pk_buf *b, uint16_t exttype, uint32_t dpd,
		uint8_t sens_level, const uint64_t *sens, uint8_t sens_len,
		uint8_t integ_level, const uint64_t *integ, uint8_t integ_len)
{
	size_t maps = ((size_t)sens_len + integ_len) * sizeof(uint64_t);
	struct sadb_sens *s;

	if ((sens_len > 0 && sens == NULL) || (integ_len > 0 && integ == NULL))
		return fail(b, EINVAL);
	s = reserve(b, exttype, sizeof(*s) + maps);
	if (s == NULL)
		return b->err;
	s->sadb_sens_dpd = dpd;
	s->sadb_sens_sens_level = sens_level;
	s->sadb_sens_sens_len = sens_len;
	s->sadb_sens_integ_level = integ_level;
	s->sadb_sens_integ_len = integ_len;
	if (sens_len > 0)
		memcpy(s + 1, sens, sens_len * sizeof(uint64_t));
	if (integ_len > 0)
		memcpy((uint8_t *)(s + 1) + sens_len * sizeof(uint64_t), integ,
		       integ_len * sizeof(uint64_t));
	return 0;
}

int pk_add_prop(struct pk_buf *b, uint8_t replay,
		const struct sadb_comb *combs, size_t n)
{
	struct sadb_prop *p;

	if (n > 0 && combs == NULL)
		return fail(b, EINVAL);
	if (n > SADB_MSG_MAX_BYTES / sizeof(*combs))
		return fail(b, ENOBUFS);
	p = reserve(b, SADB_EXT_PROPOSAL, sizeof(*p) + n * sizeof(*combs));
	if (p == NULL)
		return b->err;
	p->sadb_prop_replay = replay;
	if (n > 0)
		memcpy(p + 1, combs, n * sizeof(*combs));
	return 0;
}

int pk_add_supported(struct pk_buf *b, uint16_t exttype,
		     const struct sadb_alg *algs, size_t n)
{
	struct sadb_supported *s;

	if (n > 0 && algs == NULL)
		return fail(b, EINVAL);
	if (n > SADB_MSG_MAX_BYTES / sizeof(*algs))
		return fail(b, ENOBUFS);
	s = reserve(b, exttype, sizeof(*s) + n * sizeof(*algs));
	if (s == NULL)
		return b->err;
	if (n > 0)
		memcpy(s + 1, algs, n * sizeof(*algs));
	return 0;
}

int pk_add_spirange(struct pk_buf *b, uint32_t min, uint32_t max)
{
	struct sadb_spirange *r = reserve(b, SADB_EXT_SPIRANGE, sizeof(*r));

	if (r == NULL)
		return b->err;
	r->sadb_spirange_min = min;
	r->sadb_spirange_max = max;
	return 0;
}

int pk_add_kmprivate(struct pk_buf *b, const void *data, size_t len)
{
	struct sadb_x_kmprivate *k;

	if (len > 0 && data == NULL)
		return fail(b, EINVAL);
	if (len > SADB_MSG_MAX_BYTES)
		return fail(b, ENOBUFS);
	k = reserve(b, SADB_X_EXT_KMPRIVATE, sizeof(*k) + len);
	if (k == NULL)
		return b->err;
	if (len > 0)
		memcpy(k + 1, data, len);
	return 0;
}

int pk_add_sa2(struct pk_buf *b, uint8_t mode, uint32_t reqid,
	       uint32_t sequence)
{
	struct sadb_x_sa2 *s = reserve(b, SADB_X_EXT_SA2, sizeof(*s));

	if (s == NULL)
		return b->err;
	s->sadb_x_sa2_mode = mode;
	s->sadb_x_sa2_reqid = reqid;
	s->sadb_x_sa2_sequence = sequence;
	return 0;
}

int pk_add_policy(struct pk_buf *b, uint16_t type, uint8_t dir, uint32_t id,
		  uint32_t priority)
{
	struct sadb_x_policy *p = reserve(b, SADB_X_EXT_POLICY, sizeof(*p));

	if (p == NULL)
		return b->err;
	p->sadb_x_policy_type = type;
	p->sadb_x_policy_dir = dir;
	p->sadb_x_policy_id = id;
	p->sadb_x_policy_priority = priority;
	return 0;
}

int pk_add_policy_request(struct pk_buf *b, uint16_t proto, uint8_t mode,
			  uint8_t level, uint32_t reqid,
			  const struct sockaddr *tsrc,
			  const struct sockaddr *tdst)
{
	struct sadb_x_ipsecrequest r = {
		.sadb_x_ipsecrequest_proto = proto,
		.sadb_x_ipsecrequest_mode = mode,
		.sadb_x_ipsecrequest_level = level,
		.sadb_x_ipsecrequest_reqid = reqid,
	};
	size_t salen = 0, rlen, padded;
	struct sadb_ext *pol;
	uint8_t *p;

	if (b->err != 0)
		return b->err;
	if ((tsrc == NULL) != (tdst == NULL))
		return fail(b, EINVAL);
	if (tsrc != NULL) {
		salen = pk_sockaddr_len(tsrc->sa_family);
		if (salen == 0 || tsrc->sa_family != tdst->sa_family)
			return fail(b, EINVAL);
	}
	/* Only the last extension can grow, and it must be the policy. */
	pol = (struct sadb_ext *)(b->base + b->last);
	if (b->last == 0 || pol->sadb_ext_type != SADB_X_EXT_POLICY)
		return fail(b, EINVAL);
	rlen = sizeof(r) + 2 * salen;
	padded = SADB_BYTES(SADB_WORDS(rlen));
	if (padded > b->cap - b->len ||
	    b->len + padded > SADB_MSG_MAX_BYTES)
		return fail(b, ENOBUFS);
	r.sadb_x_ipsecrequest_len = (uint16_t)padded;
	p = b->base + b->len;
	memset(p, 0, padded);
	memcpy(p, &r, sizeof(r));
	if (salen > 0) {
		memcpy(p + sizeof(r), tsrc, salen);
		memcpy(p + sizeof(r) + salen, tdst, salen);
	}
	b->len += padded;
	pol->sadb_ext_len = (uint16_t)((b->len - b->last) / SADB_ALIGN);
	set_msg_len(b);
	return 0;
}

int pk_add_nat_t_type(struct pk_buf *b, uint8_t type)
{
	struct sadb_x_nat_t_type *t = reserve(b, SADB_X_EXT_NAT_T_TYPE,
					      sizeof(*t));

	if (t == NULL)
		return b->err;
	t->sadb_x_nat_t_type_type = type;
	return 0;
}

int pk_add_nat_t_port(struct pk_buf *b, uint16_t exttype, uint16_t port)
{
	struct sadb_x_nat_t_port *p = reserve(b, exttype, sizeof(*p));

	if (p == NULL)
		return b->err;
	p->sadb_x_nat_t_port_port = htons(port);
	return 0;
}

int pk_add_sec_ctx(struct pk_buf *b, uint8_t alg, uint8_t doi,
		   const void *ctx, uint16_t len)
{
	struct sadb_x_sec_ctx *c;

	if (len > 0 && ctx == NULL)
		return fail(b, EINVAL);
	c = reserve(b, SADB_X_EXT_SEC_CTX, sizeof(*c) + len);
	if (c == NULL)
		return b->err;
	c->sadb_x_ctx_alg = alg;
	c->sadb_x_ctx_doi = doi;
	c->sadb_x_ctx_len = len;
	if (len > 0)
		memcpy(c + 1, ctx, len);
	return 0;
}

int pk_add_kmaddress(struct pk_buf *b, const struct sockaddr *local,
		     const struct sockaddr *remote)
{
	size_t salen = local != NULL ? pk_sockaddr_len(local->sa_family) : 0;
	struct sadb_x_kmaddress *k;

	if (salen == 0 || remote == NULL ||
	    remote->sa_family != local->sa_family)
		return fail(b, EINVAL);
	k = reserve(b, SADB_X_EXT_KMADDRESS, sizeof(*k) + 2 * salen);
	if (k == NULL)
		return b->err;
	memcpy(k + 1, local, salen);
	memcpy((uint8_t *)(k + 1) + salen, remote, salen);
	return 0;
}

int pk_add_filter(struct pk_buf *b, uint16_t family, const void *saddr,
		  uint8_t splen, const void *daddr, uint8_t dplen)
{
	size_t alen = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
	struct sadb_x_filter *f;

	if (alen == 0 || saddr == NULL || daddr == NULL ||
	    splen > pk_family_maxprefix(family) ||
	    dplen > pk_family_maxprefix(family))
		return fail(b, EINVAL);
	f = reserve(b, SADB_X_EXT_FILTER, sizeof(*f));
	if (f == NULL)
		return b->err;
	memcpy(f->sadb_x_filter_saddr, saddr, alen);
	memcpy(f->sadb_x_filter_daddr, daddr, alen);
	f->sadb_x_filter_family = family;
	f->sadb_x_filter_splen = splen;
	f->sadb_x_filter_dplen = dplen;
	return 0;
}

int pk_add_pair(struct pk_buf *b, uint32_t spi)
{
	struct sadb_x_pair *p = reserve(b, SADB_X_EXT_PAIR, sizeof(*p));

	if (p == NULL)
		return b->err;
	p->sadb_x_pair_spi = htonl(spi);
	return 0;
}

int pk_add_replay_value(struct pk_buf *b, uint32_t replay32,
			uint64_t replay64)
{
	struct sadb_x_replay_ctr *r = reserve(b, SADB_X_EXT_REPLAY_VALUE,
					      sizeof(*r));

	if (r == NULL)
		return b->err;
	r->sadb_x_rc_replay32 = replay32;
	r->sadb_x_rc_replay64 = replay64;
	return 0;
}

int pk_add_kmc(struct pk_buf *b, uint32_t proto, uint64_t cookie)
{
	struct sadb_x_kmc *k = reserve(b, SADB_X_EXT_KM_COOKIE, sizeof(*k));

	if (k == NULL)
		return b->err;
	k->sadb_x_kmc_proto = proto;
	k->sadb_x_kmc_cookie = cookie;
	return 0;
}
