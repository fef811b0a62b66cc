/*
 * parse.c - the one validating walker for PF_KEY v2 messages, and the
 * per-message-type request rules.
 *
 * pk_msg_parse() checks, in order: the header fits; the version is 2; the
 * bytes received match sadb_msg_len; the type is known; then each
 * extension with pk_ext_next() (header fits, length not zero, not past the
 * end), its type (known, not repeated), its length against its structure,
 * and its fields (address families and prefixes, key bits against key
 * bytes, policy requests, algorithm lists...).  Every refusal names the
 * extension, the field and its offset.  Consumers read the resulting table
 * of extensions and never walk raw bytes themselves.
 */
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <string.h>

#include "pfkey/msg.h"

#define D(x) SADB_X_DIAGNOSTIC_##x

/* pk_ext_next(), inline in the walker, which takes every request's steps. */
static inline int ext_next(const void *msg, size_t len, size_t *off,
			   const struct sadb_ext **ext, size_t *ext_bytes)
{
	const uint8_t *p = msg;
	struct sadb_ext e;
	size_t n;

	if (*off >= len)
		return 0;
	if (len - *off < sizeof(e))
		return -EINVAL;
	memcpy(&e, p + *off, sizeof(e));
	n = SADB_BYTES(e.sadb_ext_len);
	if (n == 0 || n > len - *off)
		return -EINVAL;
	*ext = (const struct sadb_ext *)(p + *off);
	*ext_bytes = n;
	*off += n;
	return 1;
}

int pk_ext_next(const void *msg, size_t len, size_t *off,
		const struct sadb_ext **ext, size_t *ext_bytes)
{
	return ext_next(msg, len, off, ext, ext_bytes);
}

/* Offset of a field of an extension, for diagnostics. */
#define FOFF(base, ctype, field) ((base) + offsetof(struct ctype, field))

static uint16_t read_family(const uint8_t *sa)
{
	uint16_t fam;

	memcpy(&fam, sa, sizeof(fam));
	return fam;
}

/* Address-family diagnostic for each address extension. */
static uint16_t af_diag(uint16_t type)
{
	switch (type) {
	case SADB_EXT_ADDRESS_SRC:		return D(BAD_SRC_AF);
	case SADB_EXT_ADDRESS_DST:		return D(BAD_DST_AF);
	case SADB_EXT_ADDRESS_PROXY:		return D(BAD_INNER_SRC_AF);
	case SADB_X_EXT_ADDRESS_INNER_DST:	return D(BAD_INNER_DST_AF);
	case SADB_X_EXT_ADDRESS_NATT_LOC:	return D(BAD_NATT_LOC_AF);
	case SADB_X_EXT_ADDRESS_NATT_REM:	return D(BAD_NATT_REM_AF);
	default:				return D(MALFORMED_EXT);
	}
}

static uint16_t prefix_diag(uint16_t type)
{
	switch (type) {
	case SADB_EXT_ADDRESS_PROXY:		return D(PREFIX_INNER_SRC);
	case SADB_X_EXT_ADDRESS_INNER_DST:	return D(PREFIX_INNER_DST);
	default:				return D(BAD_PREFIX);
	}
}

struct ext_ctx {
	const struct pk_ext_info *info;
	const uint8_t	*p;		/* the extension */
	size_t		len;		/* its bytes */
	size_t		off;		/* its offset in the message */
	struct pk_diag	*d;
};

static int malformed(const struct ext_ctx *x, size_t field_off,
		     const char *field, const char *what, unsigned long got,
		     unsigned long want)
{
	return pk_diag_set(x->d, EINVAL, x->info->diag_malformed,
			   x->info->type, x->off + field_off, field,
			   "%s: %s %lu, expected %lu", x->info->name, what,
			   got, want);
}

static int exact_len(const struct ext_ctx *x, size_t want)
{
	if (x->len != want)
		return malformed(x, 0, "sadb_ext_len", "length (bytes)",
				 x->len, want);
	return 0;
}

/* Checks one sockaddr at x->p + at; returns its length or -errno. */
static long check_sockaddr(const struct ext_ctx *x, size_t at,
			   uint16_t bad_af)
{
	size_t salen;
	uint16_t fam;

	if (x->len < at + sizeof(uint16_t))
		return malformed(x, at, "sa_family", "length (bytes)",
				 x->len, at + 16);
	fam = read_family(x->p + at);
	salen = pk_sockaddr_len(fam);
	if (salen == 0)
		return pk_diag_set(x->d, EINVAL, bad_af, x->info->type,
				   x->off + at, "sa_family",
				   "%s: address family %u, expected AF_INET (%u) "
				   "or AF_INET6 (%u)", x->info->name, fam,
				   AF_INET, AF_INET6);
	if (x->len < at + salen)
		return malformed(x, at, "sa_family",
				 "length (bytes) for its family", x->len,
				 SADB_BYTES(SADB_WORDS(at + salen)));
	return (long)salen;
}

static int check_address(const struct ext_ctx *x)
{
	const struct sadb_address *a = (const void *)x->p;
	size_t want;
	unsigned max;
	long salen;
	uint16_t fam;

	salen = check_sockaddr(x, sizeof(*a), af_diag(x->info->type));
	if (salen < 0)
		return (int)salen;
	want = SADB_BYTES(SADB_WORDS(sizeof(*a) + (size_t)salen));
	if (x->len != want)
		return malformed(x, 0, "sadb_ext_len",
				 "length (bytes) for its address family",
				 x->len, want);
	fam = read_family(x->p + sizeof(*a));
	max = pk_family_maxprefix(fam);
	if (a->sadb_address_prefixlen > max)
		return pk_diag_set(x->d, EINVAL, prefix_diag(x->info->type),
				   x->info->type,
				   FOFF(x->off, sadb_address,
					sadb_address_prefixlen),
				   "sadb_address_prefixlen",
				   "%s: prefix length %u, at most %u for "
				   "address family %u", x->info->name,
				   a->sadb_address_prefixlen, max, fam);
	if (a->sadb_address_reserved != 0)
		return malformed(x, offsetof(struct sadb_address,
					     sadb_address_reserved),
				 "sadb_address_reserved", "reserved",
				 a->sadb_address_reserved, 0);
	return 0;
}

static int check_key(const struct ext_ctx *x)
{
	const struct sadb_key *k = (const void *)x->p;
	size_t bytes = ((size_t)k->sadb_key_bits + 7) / 8;
	size_t want = SADB_BYTES(SADB_WORDS(sizeof(*k) + bytes));

	if (x->len != want)
		return pk_diag_set(x->d, EINVAL, x->info->diag_malformed,
				   x->info->type,
				   FOFF(x->off, sadb_key, sadb_key_bits),
				   "sadb_key_bits",
				   "%s: key of %u bits needs %zu bytes of "
				   "extension, it has %zu", x->info->name,
				   k->sadb_key_bits, want, x->len);
	if (k->sadb_key_reserved > k->sadb_key_bits)
		return malformed(x, offsetof(struct sadb_key,
					     sadb_key_reserved),
				 "sadb_key_reserved", "reserved bits",
				 k->sadb_key_reserved, k->sadb_key_bits);
	return 0;
}

static int check_ident(const struct ext_ctx *x)
{
	const struct sadb_ident *i = (const void *)x->p;
	size_t slen = x->len - sizeof(*i);

	if (i->sadb_ident_type == SADB_IDENTTYPE_RESERVED ||
	    i->sadb_ident_type > SADB_IDENTTYPE_MAX)
		return malformed(x, offsetof(struct sadb_ident,
					     sadb_ident_type),
				 "sadb_ident_type", "identity type",
				 i->sadb_ident_type, SADB_IDENTTYPE_PREFIX);
	/* Text identities must end inside the extension; DER ones are binary. */
	if (slen > 0 && i->sadb_ident_type != SADB_X_IDENTTYPE_DN &&
	    i->sadb_ident_type != SADB_X_IDENTTYPE_GN &&
	    memchr(x->p + sizeof(*i), '\0', slen) == NULL)
		return pk_diag_set(x->d, EINVAL, x->info->diag_malformed,
				   x->info->type, x->off + sizeof(*i),
				   "identity string",
				   "%s: identity string not NUL-terminated "
				   "within its %zu bytes", x->info->name, slen);
	return 0;
}

static int check_sens(const struct ext_ctx *x)
{
	const struct sadb_sens *s = (const void *)x->p;
	size_t want = sizeof(*s) + ((size_t)s->sadb_sens_sens_len +
				    s->sadb_sens_integ_len) * 8;

	return exact_len(x, want);
}

static int check_prop(const struct ext_ctx *x)
{
	size_t body = x->len - sizeof(struct sadb_prop);

	if (body % sizeof(struct sadb_comb) != 0)
		return malformed(x, 0, "sadb_ext_len", "length (bytes)",
				 x->len, sizeof(struct sadb_prop) +
				 (body / sizeof(struct sadb_comb) + 1) *
				 sizeof(struct sadb_comb));
	return 0;
}

static int check_supported(const struct ext_ctx *x)
{
	const struct sadb_supported *s = (const void *)x->p;
	size_t n = (x->len - sizeof(*s)) / sizeof(struct sadb_alg);
	uint8_t seen[256 / 8] = { 0 };

	if (s->sadb_supported_reserved != 0)
		return malformed(x, offsetof(struct sadb_supported,
					     sadb_supported_reserved),
				 "sadb_supported_reserved", "reserved",
				 s->sadb_supported_reserved, 0);
	for (size_t i = 0; i < n; i++) {
		const struct sadb_alg *a = (const void *)(x->p + sizeof(*s) +
							  i * sizeof(*a));
		size_t at = sizeof(*s) + i * sizeof(*a);

		if (a->sadb_alg_minbits > a->sadb_alg_maxbits)
			return pk_diag_set(x->d, EINVAL, D(MALFORMED_SUPP),
					   x->info->type,
					   x->off + at + offsetof(struct sadb_alg,
						sadb_alg_minbits),
					   "sadb_alg_minbits",
					   "%s: algorithm %u: minbits %u above "
					   "maxbits %u", x->info->name,
					   a->sadb_alg_id, a->sadb_alg_minbits,
					   a->sadb_alg_maxbits);
		if (a->sadb_alg_reserved != 0)
			return malformed(x, at + offsetof(struct sadb_alg,
							  sadb_alg_reserved),
					 "sadb_alg_reserved", "reserved",
					 a->sadb_alg_reserved, 0);
		if (seen[a->sadb_alg_id / 8] & (1u << (a->sadb_alg_id % 8)))
			return pk_diag_set(x->d, EINVAL, D(MALFORMED_SUPP),
					   x->info->type, x->off + at,
					   "sadb_alg_id",
					   "%s: algorithm %u listed twice",
					   x->info->name, a->sadb_alg_id);
		seen[a->sadb_alg_id / 8] |= (uint8_t)(1u << (a->sadb_alg_id % 8));
	}
	return 0;
}

static int check_spirange(const struct ext_ctx *x)
{
	const struct sadb_spirange *r = (const void *)x->p;
	int rc = exact_len(x, sizeof(*r));

	if (rc != 0)
		return rc;
	if (r->sadb_spirange_min > r->sadb_spirange_max)
		return pk_diag_set(x->d, EINVAL, D(MALFORMED_RANGE),
				   x->info->type,
				   FOFF(x->off, sadb_spirange, sadb_spirange_min),
				   "sadb_spirange_min",
				   "%s: min 0x%08x above max 0x%08x",
				   x->info->name, r->sadb_spirange_min,
				   r->sadb_spirange_max);
	return 0;
}

static int check_request(const struct ext_ctx *x, size_t at, size_t rlen)
{
	const struct sadb_x_ipsecrequest *r = (const void *)(x->p + at);
	size_t body = rlen - sizeof(*r);
	const char *why = NULL;
	const char *field = "sadb_x_ipsecrequest_len";
	size_t foff = at;

	switch (r->sadb_x_ipsecrequest_proto) {
	case IPPROTO_ESP:
	case IPPROTO_AH:
	case IPPROTO_COMP:
		break;
	default:
		why = "protocol is not esp (50), ah (51) or ipcomp (108)";
		field = "sadb_x_ipsecrequest_proto";
		foff = at + offsetof(struct sadb_x_ipsecrequest,
				     sadb_x_ipsecrequest_proto);
	}
	if (why == NULL && (r->sadb_x_ipsecrequest_mode < IPSEC_MODE_TRANSPORT ||
			    r->sadb_x_ipsecrequest_mode > IPSEC_MODE_BEET)) {
		why = "mode is not transport (1), tunnel (2) or beet (3)";
		field = "sadb_x_ipsecrequest_mode";
		foff = at + offsetof(struct sadb_x_ipsecrequest,
				     sadb_x_ipsecrequest_mode);
	}
	if (why == NULL && r->sadb_x_ipsecrequest_level > IPSEC_LEVEL_UNIQUE) {
		why = "level is not default, use, require or unique (0-3)";
		field = "sadb_x_ipsecrequest_level";
		foff = at + offsetof(struct sadb_x_ipsecrequest,
				     sadb_x_ipsecrequest_level);
	}
	if (why == NULL && body > 0) {
		uint16_t f1 = body >= 2 ? read_family(x->p + at + sizeof(*r)) : 0;
		size_t salen = pk_sockaddr_len(f1);

		foff = at + sizeof(*r);
		field = "sa_family";
		if (salen == 0)
			why = "tunnel source is not AF_INET or AF_INET6";
		else if (SADB_BYTES(SADB_WORDS(2 * salen)) != body)
			why = "length does not hold two sockaddrs of the "
			      "source's family";
		else if (read_family(x->p + at + sizeof(*r) + salen) != f1) {
			why = "tunnel source and destination families differ";
			foff += salen;
		}
	}
	if (why == NULL && body == 0 &&
	    r->sadb_x_ipsecrequest_mode == IPSEC_MODE_TUNNEL) {
		why = "tunnel mode without tunnel endpoints";
		field = "sadb_x_ipsecrequest_mode";
		foff = at + offsetof(struct sadb_x_ipsecrequest,
				     sadb_x_ipsecrequest_mode);
	}
	if (why != NULL)
		return pk_diag_set(x->d, EINVAL, D(MALFORMED_POLICY),
				   x->info->type, x->off + foff, field,
				   "%s: request at offset %zu: %s",
				   x->info->name, at, why);
	return 0;
}

static int check_policy(const struct ext_ctx *x)
{
	const struct sadb_x_policy *p = (const void *)x->p;
	size_t at = sizeof(*p);

	if (p->sadb_x_policy_type > IPSEC_POLICY_BYPASS)
		return pk_diag_set(x->d, EINVAL, D(BAD_POLICY_TYPE),
				   x->info->type,
				   FOFF(x->off, sadb_x_policy, sadb_x_policy_type),
				   "sadb_x_policy_type",
				   "%s: policy type %u, expected 0-%u",
				   x->info->name, p->sadb_x_policy_type,
				   IPSEC_POLICY_BYPASS);
	if (p->sadb_x_policy_dir > IPSEC_DIR_FWD)
		return pk_diag_set(x->d, EINVAL, D(BAD_POLICY_DIR),
				   x->info->type,
				   FOFF(x->off, sadb_x_policy, sadb_x_policy_dir),
				   "sadb_x_policy_dir",
				   "%s: direction %u, expected 0-%u",
				   x->info->name, p->sadb_x_policy_dir,
				   IPSEC_DIR_FWD);
	if (p->sadb_x_policy_type != IPSEC_POLICY_IPSEC && x->len != at)
		return pk_diag_set(x->d, EINVAL, D(MALFORMED_POLICY),
				   x->info->type, x->off + at,
				   "sadb_x_ipsecrequest",
				   "%s: requests in a policy of type %u "
				   "(only ipsec (2) has requests)",
				   x->info->name, p->sadb_x_policy_type);
	while (at < x->len) {
		struct sadb_x_ipsecrequest r;
		int rc;

		if (x->len - at < sizeof(r))
			return pk_diag_set(x->d, EINVAL, D(MALFORMED_POLICY),
					   x->info->type, x->off + at,
					   "sadb_x_ipsecrequest_len",
					   "%s: %zu bytes left, a request "
					   "needs %zu", x->info->name,
					   x->len - at, sizeof(r));
		memcpy(&r, x->p + at, sizeof(r));
		if (r.sadb_x_ipsecrequest_len < sizeof(r) ||
		    r.sadb_x_ipsecrequest_len > x->len - at ||
		    r.sadb_x_ipsecrequest_len % SADB_ALIGN != 0)
			return pk_diag_set(x->d, EINVAL, D(MALFORMED_POLICY),
					   x->info->type, x->off + at,
					   "sadb_x_ipsecrequest_len",
					   "%s: request length %u, expected a "
					   "multiple of 8 from %zu to %zu",
					   x->info->name,
					   r.sadb_x_ipsecrequest_len,
					   sizeof(r), x->len - at);
		rc = check_request(x, at, r.sadb_x_ipsecrequest_len);
		if (rc != 0)
			return rc;
		at += r.sadb_x_ipsecrequest_len;
	}
	return 0;
}

static int check_sa(const struct ext_ctx *x)
{
	const struct sadb_sa *sa = (const void *)x->p;
	int rc = exact_len(x, sizeof(*sa));

	if (rc != 0)
		return rc;
	if (sa->sadb_sa_state > SADB_X_SASTATE_MAX)
		return pk_diag_set(x->d, EINVAL, D(BAD_SASTATE), x->info->type,
				   FOFF(x->off, sadb_sa, sadb_sa_state),
				   "sadb_sa_state",
				   "%s: state %u, expected 0-%u", x->info->name,
				   sa->sadb_sa_state, SADB_X_SASTATE_MAX);
	return 0;
}

static int check_sa2(const struct ext_ctx *x)
{
	const struct sadb_x_sa2 *s = (const void *)x->p;
	int rc = exact_len(x, sizeof(*s));

	if (rc != 0)
		return rc;
	if (s->sadb_x_sa2_mode > IPSEC_MODE_BEET)
		return malformed(x, offsetof(struct sadb_x_sa2, sadb_x_sa2_mode),
				 "sadb_x_sa2_mode", "mode", s->sadb_x_sa2_mode,
				 IPSEC_MODE_TUNNEL);
	return 0;
}

static int check_nat_t_type(const struct ext_ctx *x)
{
	const struct sadb_x_nat_t_type *t = (const void *)x->p;
	int rc = exact_len(x, sizeof(*t));

	if (rc != 0)
		return rc;
	if (t->sadb_x_nat_t_type_type != PK_UDP_ENCAP_ESPINUDP &&
	    t->sadb_x_nat_t_type_type != PK_UDP_ENCAP_ESPINUDP_NON_IKE)
		return malformed(x, offsetof(struct sadb_x_nat_t_type,
					     sadb_x_nat_t_type_type),
				 "sadb_x_nat_t_type_type", "encapsulation",
				 t->sadb_x_nat_t_type_type,
				 PK_UDP_ENCAP_ESPINUDP);
	return 0;
}

static int check_sec_ctx(const struct ext_ctx *x)
{
	const struct sadb_x_sec_ctx *c = (const void *)x->p;

	return exact_len(x, SADB_BYTES(SADB_WORDS(sizeof(*c) +
						  (size_t)c->sadb_x_ctx_len)));
}

static int check_kmaddress(const struct ext_ctx *x)
{
	size_t at = sizeof(struct sadb_x_kmaddress);
	long l1, l2;

	l1 = check_sockaddr(x, at, D(MALFORMED_EXT));
	if (l1 < 0)
		return (int)l1;
	l2 = check_sockaddr(x, at + (size_t)l1, D(MALFORMED_EXT));
	if (l2 < 0)
		return (int)l2;
	if (l1 != l2)
		return malformed(x, at + (size_t)l1, "sa_family",
				 "remote address length", (unsigned long)l2,
				 (unsigned long)l1);
	return exact_len(x, SADB_BYTES(SADB_WORDS(at + 2 * (size_t)l1)));
}

static int check_filter(const struct ext_ctx *x)
{
	const struct sadb_x_filter *f = (const void *)x->p;
	unsigned max;
	int rc = exact_len(x, sizeof(*f));

	if (rc != 0)
		return rc;
	max = pk_family_maxprefix(f->sadb_x_filter_family);
	if (max == 0)
		return malformed(x, offsetof(struct sadb_x_filter,
					     sadb_x_filter_family),
				 "sadb_x_filter_family", "family",
				 f->sadb_x_filter_family, AF_INET);
	if (f->sadb_x_filter_splen > max || f->sadb_x_filter_dplen > max)
		return pk_diag_set(x->d, EINVAL, D(BAD_PREFIX), x->info->type,
				   FOFF(x->off, sadb_x_filter,
					sadb_x_filter_splen),
				   "sadb_x_filter_splen",
				   "%s: prefix lengths %u/%u, at most %u",
				   x->info->name, f->sadb_x_filter_splen,
				   f->sadb_x_filter_dplen, max);
	return 0;
}

static int check_pair(const struct ext_ctx *x)
{
	const struct sadb_x_pair *p = (const void *)x->p;
	int rc = exact_len(x, sizeof(*p));

	if (rc != 0)
		return rc;
	if (p->sadb_x_pair_spi == 0)
		return pk_diag_set(x->d, EINVAL, x->info->diag_malformed,
				   x->info->type,
				   FOFF(x->off, sadb_x_pair, sadb_x_pair_spi),
				   "sadb_x_pair_spi",
				   "%s: SPI 0 names no SA", x->info->name);
	return 0;
}

static int check_kmc(const struct ext_ctx *x)
{
	const struct sadb_x_kmc *k = (const void *)x->p;
	int rc = exact_len(x, sizeof(*k));

	if (rc != 0)
		return rc;
	if (k->sadb_x_kmc_proto > SADB_X_KMP_MAX)
		return malformed(x, offsetof(struct sadb_x_kmc, sadb_x_kmc_proto),
				 "sadb_x_kmc_proto", "key management protocol",
				 k->sadb_x_kmc_proto, SADB_X_KMP_IKE);
	return 0;
}

static int check_ext(const struct ext_ctx *x)
{
	switch (x->info->kind) {
	case PK_EK_SA:		return check_sa(x);
	case PK_EK_LIFETIME:	return exact_len(x, sizeof(struct sadb_lifetime));
	case PK_EK_ADDRESS:	return check_address(x);
	case PK_EK_KEY:		return check_key(x);
	case PK_EK_IDENT:	return check_ident(x);
	case PK_EK_SENS:	return check_sens(x);
	case PK_EK_PROP:	return check_prop(x);
	case PK_EK_SUPPORTED:	return check_supported(x);
	case PK_EK_SPIRANGE:	return check_spirange(x);
	case PK_EK_KMPRIVATE:	return 0;
	case PK_EK_POLICY:	return check_policy(x);
	case PK_EK_SA2:		return check_sa2(x);
	case PK_EK_NAT_T_TYPE:	return check_nat_t_type(x);
	case PK_EK_NAT_T_PORT:
		return exact_len(x, sizeof(struct sadb_x_nat_t_port));
	case PK_EK_SEC_CTX:	return check_sec_ctx(x);
	case PK_EK_KMADDRESS:	return check_kmaddress(x);
	case PK_EK_FILTER:	return check_filter(x);
	case PK_EK_PAIR:	return check_pair(x);
	case PK_EK_REPLAY:
		return exact_len(x, sizeof(struct sadb_x_replay_ctr));
	case PK_EK_KMC:		return check_kmc(x);
	}
	return malformed(x, 0, "sadb_ext_type", "kind", x->info->kind, 0);
}

static int check_header(const void *buf, size_t len, struct sadb_msg *h,
			struct pk_diag *d)
{
	size_t declared;

	if (len < sizeof(*h))
		return pk_diag_set(d, EMSGSIZE, D(SHORT_MSG), 0, 0,
				   "sadb_msg_len",
				   "message of %zu bytes, a header is %zu",
				   len, sizeof(*h));
	if (len > SADB_MSG_MAX_BYTES)
		return pk_diag_set(d, EMSGSIZE, D(BAD_MSGLEN), 0, 0,
				   "sadb_msg_len",
				   "message of %zu bytes, at most %zu",
				   len, (size_t)SADB_MSG_MAX_BYTES);
	memcpy(h, buf, sizeof(*h));
	if (h->sadb_msg_version != PF_KEY_V2)
		return pk_diag_set(d, EINVAL, D(BAD_VERSION), 0,
				   offsetof(struct sadb_msg, sadb_msg_version),
				   "sadb_msg_version",
				   "version %u, expected %u",
				   h->sadb_msg_version, PF_KEY_V2);
	declared = SADB_BYTES(h->sadb_msg_len);
	if (declared > len)
		return pk_diag_set(d, EMSGSIZE, D(BAD_MSGLEN), 0,
				   offsetof(struct sadb_msg, sadb_msg_len),
				   "sadb_msg_len",
				   "sadb_msg_len says %zu bytes, %zu received",
				   declared, len);
	if (declared < len)
		return pk_diag_set(d, EMSGSIZE,
				   declared < sizeof(*h) ? D(BAD_MSGLEN)
							 : D(TRAILING_BYTES),
				   0, offsetof(struct sadb_msg, sadb_msg_len),
				   "sadb_msg_len",
				   "sadb_msg_len says %zu bytes, %zu received "
				   "(%zu trailing)", declared, len,
				   len - declared);
	if (pk_msg_rule(h->sadb_msg_type) == NULL)
		return pk_diag_set(d, EINVAL, D(UNKNOWN_MSG), 0,
				   offsetof(struct sadb_msg, sadb_msg_type),
				   "sadb_msg_type", "message type %u unknown",
				   h->sadb_msg_type);
	return 0;
}

int pk_msg_parse(struct pk_msg *m, const void *buf, size_t len,
		 struct pk_diag *d)
{
	const struct sadb_ext *ext;
	struct sadb_msg h;
	size_t off = sizeof(h), n;
	int rc;

	memset(m, 0, sizeof(*m));
	pk_diag_clear(d);
	rc = check_header(buf, len, &h, d);
	if (rc != 0)
		return rc;
	for (;;) {
		struct ext_ctx x = { .d = d, .off = off };
		uint16_t type;

		rc = ext_next(buf, len, &off, &ext, &n);
		if (rc == 0)
			break;
		if (rc < 0) {
			struct sadb_ext e = { 0, 0 };

			if (len - x.off >= sizeof(e))
				memcpy(&e, (const uint8_t *)buf + x.off,
				       sizeof(e));
			memset(m, 0, sizeof(*m));
			return pk_diag_set(d, EINVAL, D(BAD_EXTLEN),
					   e.sadb_ext_type, x.off,
					   "sadb_ext_len",
					   "extension at offset %zu: length "
					   "%zu bytes, %zu left in the message",
					   x.off, SADB_BYTES(e.sadb_ext_len),
					   len - x.off);
		}
		type = ext->sadb_ext_type;
		x.info = pk_ext_info(type);
		x.p = (const uint8_t *)ext;
		x.len = n;
		if (x.info == NULL) {
			memset(m, 0, sizeof(*m));
			return pk_diag_set(d, EINVAL, D(UNKNOWN_EXT), type,
					   x.off + offsetof(struct sadb_ext,
							    sadb_ext_type),
					   "sadb_ext_type",
					   "extension type %u unknown", type);
		}
		if (m->ext[type] != NULL) {
			memset(m, 0, sizeof(*m));
			return pk_diag_set(d, EINVAL, x.info->diag_duplicate,
					   type, x.off, "sadb_ext_type",
					   "%s appears twice", x.info->name);
		}
		if (n < x.info->min_len) {
			memset(m, 0, sizeof(*m));
			return malformed(&x, 0, "sadb_ext_len",
					 "length (bytes)", n, x.info->min_len);
		}
		rc = check_ext(&x);
		if (rc != 0) {
			memset(m, 0, sizeof(*m));
			return rc;
		}
		m->ext[type] = ext;
		m->present |= PK_EXT_BIT(type);
	}
	m->hdr = buf;
	m->len = len;
	return 0;
}

/* ------------------------------------------------------------ accessors */

size_t pk_address_sockaddr(const struct sadb_address *a,
			   struct sockaddr_storage *out)
{
	const uint8_t *sa = (const uint8_t *)(a + 1);

	/* One constant-length copy per family: the engine reads two per ADD. */
	memset(out, 0, sizeof(*out));
	switch (read_family(sa)) {
	case AF_INET:
		memcpy(out, sa, sizeof(struct sockaddr_in));
		return sizeof(struct sockaddr_in);
	case AF_INET6:
		memcpy(out, sa, sizeof(struct sockaddr_in6));
		return sizeof(struct sockaddr_in6);
	default:
		return 0;
	}
}

size_t pk_supported_count(const struct sadb_supported *s)
{
	return (SADB_BYTES(s->sadb_supported_len) - sizeof(*s)) /
	       sizeof(struct sadb_alg);
}

struct sadb_alg pk_supported_alg(const struct sadb_supported *s, size_t i)
{
	struct sadb_alg a;

	memcpy(&a, (const uint8_t *)(s + 1) + i * sizeof(a), sizeof(a));
	return a;
}

const struct sadb_x_ipsecrequest *
pk_policy_next_request(const struct sadb_x_policy *p,
		       const struct sadb_x_ipsecrequest *prev)
{
	const uint8_t *base = (const uint8_t *)p;
	size_t end = SADB_BYTES(p->sadb_x_policy_len);
	size_t at = prev == NULL ? sizeof(*p)
				 : (size_t)((const uint8_t *)prev - base) +
				   prev->sadb_x_ipsecrequest_len;

	if (at + sizeof(*prev) > end)
		return NULL;
	return (const struct sadb_x_ipsecrequest *)(base + at);
}

int pk_request_endpoints(const struct sadb_x_ipsecrequest *r,
			 struct sockaddr_storage *src,
			 struct sockaddr_storage *dst)
{
	const uint8_t *sa = (const uint8_t *)(r + 1);
	size_t salen;

	if (r->sadb_x_ipsecrequest_len <= sizeof(*r))
		return 0;
	salen = pk_sockaddr_len(read_family(sa));
	memset(src, 0, sizeof(*src));
	memset(dst, 0, sizeof(*dst));
	memcpy(src, sa, salen);
	memcpy(dst, sa + salen, salen);
	return 1;
}

/* ---------------------------------------------------------- request rules */

static int addr_pair_check(const struct pk_msg *m, uint16_t t1, uint16_t t2,
			   uint16_t af_code, uint16_t proto_code,
			   struct pk_diag *d)
{
	const struct sadb_address *a = PK_MSG_EXT(m, t1, sadb_address);
	const struct sadb_address *b = PK_MSG_EXT(m, t2, sadb_address);
	uint16_t fa, fb;

	if (a == NULL || b == NULL)
		return 0;
	fa = read_family((const uint8_t *)(a + 1));
	fb = read_family((const uint8_t *)(b + 1));
	if (fa != fb)
		return pk_diag_set(d, EINVAL, af_code, t2,
				   (size_t)((const uint8_t *)(b + 1) -
					    (const uint8_t *)m->hdr),
				   "sa_family",
				   "%s family %u differs from %s family %u",
				   pk_ext_name(t2), fb, pk_ext_name(t1), fa);
	if (a->sadb_address_proto != b->sadb_address_proto)
		return pk_diag_set(d, EINVAL, proto_code, t2,
				   (size_t)((const uint8_t *)b -
					    (const uint8_t *)m->hdr) +
				   offsetof(struct sadb_address,
					    sadb_address_proto),
				   "sadb_address_proto",
				   "%s protocol %u differs from %s protocol %u",
				   pk_ext_name(t2), b->sadb_address_proto,
				   pk_ext_name(t1), a->sadb_address_proto);
	return 0;
}

/* The diagnostic for an extension a message type does not take. */
static uint16_t not_allowed_diag(const struct pk_msg_rule *r, unsigned t)
{
	switch (t) {
	case SADB_EXT_KEY_AUTH:		return D(AKEY_PRESENT);
	case SADB_EXT_KEY_ENCRYPT:	return D(EKEY_PRESENT);
	case SADB_EXT_PROPOSAL:		return D(PROP_PRESENT);
	case SADB_EXT_SUPPORTED_AUTH:
	case SADB_EXT_SUPPORTED_ENCRYPT: return D(SUPP_PRESENT);
	default:
		return r->allowed == 0 ? D(NO_EXT) : D(EXT_NOT_ALLOWED);
	}
}

static size_t ext_offset(const struct pk_msg *m, unsigned t)
{
	return (size_t)((const uint8_t *)m->ext[t] - (const uint8_t *)m->hdr);
}

int pk_msg_check(const struct pk_msg *m, struct pk_diag *d)
{
	const struct sadb_msg *h = m->hdr;
	const struct pk_msg_rule *r = pk_msg_rule(h->sadb_msg_type);
	const char *name = pk_msg_type_name(h->sadb_msg_type);
	uint8_t sat = h->sadb_msg_satype;
	uint64_t extra, missing;
	int rc;

	pk_diag_clear(d);
	if (r == NULL || !r->request)
		return pk_diag_set(d, EOPNOTSUPP, D(UNKNOWN_MSG), 0,
				   offsetof(struct sadb_msg, sadb_msg_type),
				   "sadb_msg_type",
				   "%s is sent by the kernel, not to it",
				   name != NULL ? name : "message");
	if (h->sadb_msg_reserved != 0)
		return pk_diag_set(d, EINVAL, D(BAD_RESERVED), 0,
				   offsetof(struct sadb_msg, sadb_msg_reserved),
				   "sadb_msg_reserved",
				   "reserved field %u in a request, expected 0",
				   h->sadb_msg_reserved);
	/* X_PROMISC uses the satype field as its on (1) / off (0) switch. */
	if (h->sadb_msg_type == SADB_X_PROMISC) {
		if (sat > 1)
			return pk_diag_set(d, EINVAL, D(UNKNOWN_SATYPE), 0,
					   offsetof(struct sadb_msg,
						    sadb_msg_satype),
					   "sadb_msg_satype",
					   "%s: satype %u, expected 0 (off) "
					   "or 1 (on)", name, sat);
	} else if (r->satype == PK_SAT_UNSPEC) {
		if (sat != SADB_SATYPE_UNSPEC)
			return pk_diag_set(d, EINVAL, D(UNKNOWN_SATYPE), 0,
					   offsetof(struct sadb_msg,
						    sadb_msg_satype),
					   "sadb_msg_satype",
					   "%s: satype %u, policy messages "
					   "take 0 (unspec)", name, sat);
	} else if (pk_satype_name(sat) == NULL) {
		return pk_diag_set(d, EINVAL, D(UNKNOWN_SATYPE), 0,
				   offsetof(struct sadb_msg, sadb_msg_satype),
				   "sadb_msg_satype", "%s: satype %u unknown",
				   name, sat);
	} else if (r->satype == PK_SAT_SPECIFIC &&
		   sat == SADB_SATYPE_UNSPEC) {
		return pk_diag_set(d, EINVAL, D(SATYPE_NEEDED), 0,
				   offsetof(struct sadb_msg, sadb_msg_satype),
				   "sadb_msg_satype",
				   "%s needs a specific SA type", name);
	}

	extra = m->present & ~r->allowed;
	if (extra != 0) {
		unsigned t = (unsigned)__builtin_ctzll(extra);

		return pk_diag_set(d, EINVAL, not_allowed_diag(r, t), t,
				   ext_offset(m, t), "sadb_ext_type",
				   "%s does not take %s", name,
				   pk_ext_name(t));
	}
	missing = r->required & ~m->present;
	if (missing != 0) {
		unsigned t = (unsigned)__builtin_ctzll(missing);

		return pk_diag_set(d, EINVAL, pk_ext_info(t)->diag_missing, t,
				   m->len, "sadb_ext_type", "%s needs %s",
				   name, pk_ext_name(t));
	}
	rc = addr_pair_check(m, SADB_EXT_ADDRESS_SRC, SADB_EXT_ADDRESS_DST,
			     D(AF_MISMATCH), D(PROTO_MISMATCH), d);
	if (rc != 0)
		return rc;
	return addr_pair_check(m, SADB_EXT_ADDRESS_PROXY,
			       SADB_X_EXT_ADDRESS_INNER_DST,
			       D(INNER_AF_MISMATCH), D(INNER_PROTO_MISMATCH), d);
}
