/*
 * msg.h - building and parsing PF_KEY v2 messages.
 *
 * Building: the caller owns the buffer (struct pk_buf over its own memory);
 * pk_msg_begin() writes the header and each pk_add_*() appends one
 * extension, zero-padded to 8 bytes, keeping sadb_msg_len right.  Nothing is
 * allocated.  Errors are sticky: after the first failure every later call
 * does nothing and returns the same error, so a sequence of appends can be
 * checked once with pk_buf_error().
 *
 * Parsing: pk_msg_parse() is the one validating walker.  It checks the
 * header, every extension's length, type and fields, and fills a table of
 * pointers to the validated extensions; nothing after it walks raw bytes.
 * pk_msg_check() then applies the per-message-type rules (which extensions
 * a request must and may carry) that pfkeyd enforces.
 */
#ifndef PFKEY_MSG_H
#define PFKEY_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "pfkey/diag.h"
#include "pfkey/pfkeyv2.h"

/* ------------------------------------------------------------- builder */

struct pk_buf {
	uint8_t	*base;		/* caller's memory */
	size_t	cap;		/* its size in bytes */
	size_t	len;		/* bytes used, a multiple of 8 */
	size_t	last;		/* offset of the last extension, 0 if none */
	int	err;		/* first error (-ENOBUFS, -EINVAL), sticky */
};

void pk_buf_init(struct pk_buf *b, void *mem, size_t cap);
static inline int pk_buf_error(const struct pk_buf *b) { return b->err; }
static inline struct sadb_msg *pk_buf_msg(const struct pk_buf *b)
{
	return (struct sadb_msg *)b->base;
}

/* Starts a message: resets b and writes a version 2 header. */
int pk_msg_begin(struct pk_buf *b, uint8_t type, uint8_t satype,
		 uint32_t seq, uint32_t pid);

/*
 * Appends an extension of len bytes (rounded up to 8, header included),
 * zero-filled, with its length and type set; returns it or NULL.
 */
void *pk_ext_reserve(struct pk_buf *b, uint16_t exttype, size_t len);

/* Copies a whole extension (as parsed from another message). */
int pk_ext_copy(struct pk_buf *b, const struct sadb_ext *ext);

/* spi in host byte order; it is stored in network order. */
int pk_add_sa(struct pk_buf *b, uint32_t spi, uint8_t replay, uint8_t state,
	      uint8_t auth, uint8_t encrypt, uint32_t flags);
int pk_add_lifetime(struct pk_buf *b, uint16_t exttype, uint32_t allocations,
		    uint64_t bytes, uint64_t addtime, uint64_t usetime);
/* sa: AF_INET or AF_INET6 (port inside, network order). */
int pk_add_address(struct pk_buf *b, uint16_t exttype,
		   const struct sockaddr *sa, uint8_t proto, uint8_t prefixlen);
/* Copies (bits + 7) / 8 bytes of key. reserved: Solaris reserved bits. */
int pk_add_key(struct pk_buf *b, uint16_t exttype, const uint8_t *key,
	       uint16_t bits, uint16_t reserved);
/* str may be NULL; it is stored NUL-terminated. */
int pk_add_ident(struct pk_buf *b, uint16_t exttype, uint16_t idtype,
		 uint64_t id, const char *str);
/* sens/integ: bitmaps of sens_len and integ_len 64-bit words. */
int pk_add_sens(struct pk_buf *b, uint16_t exttype, uint32_t dpd,
		uint8_t sens_level, const uint64_t *sens, uint8_t sens_len,
		uint8_t integ_level, const uint64_t *integ, uint8_t integ_len);
int pk_add_prop(struct pk_buf *b, uint8_t replay,
		const struct sadb_comb *combs, size_t n);
int pk_add_supported(struct pk_buf *b, uint16_t exttype,
		     const struct sadb_alg *algs, size_t n);
int pk_add_spirange(struct pk_buf *b, uint32_t min, uint32_t max);
int pk_add_kmprivate(struct pk_buf *b, const void *data, size_t len);
int pk_add_sa2(struct pk_buf *b, uint8_t mode, uint32_t reqid,
	       uint32_t sequence);
/* A policy; its requests follow with pk_add_policy_request(). */
int pk_add_policy(struct pk_buf *b, uint16_t type, uint8_t dir, uint32_t id,
		  uint32_t priority);
/*
 * Appends one request to the policy that must be the last extension.
 * tsrc/tdst: tunnel endpoints (both or neither), same family.
 */
int pk_add_policy_request(struct pk_buf *b, uint16_t proto, uint8_t mode,
			  uint8_t level, uint32_t reqid,
			  const struct sockaddr *tsrc,
			  const struct sockaddr *tdst);
int pk_add_nat_t_type(struct pk_buf *b, uint8_t type);
/* port in host byte order; it is stored in network order. */
int pk_add_nat_t_port(struct pk_buf *b, uint16_t exttype, uint16_t port);
int pk_add_sec_ctx(struct pk_buf *b, uint8_t alg, uint8_t doi,
		   const void *ctx, uint16_t len);
int pk_add_kmaddress(struct pk_buf *b, const struct sockaddr *local,
		     const struct sockaddr *remote);
int pk_add_filter(struct pk_buf *b, uint16_t family, const void *saddr,
		  uint8_t splen, const void *daddr, uint8_t dplen);
/* spi in host byte order. */
int pk_add_pair(struct pk_buf *b, uint32_t spi);
int pk_add_replay_value(struct pk_buf *b, uint32_t replay32,
			uint64_t replay64);
int pk_add_kmc(struct pk_buf *b, uint32_t proto, uint64_t cookie);

/* ---------------------------------------------------------- addresses */

/* Length of the sockaddr of a family (16, 28), 0 if unsupported. */
size_t pk_sockaddr_len(int family);
/* Largest prefix length of a family (32, 128), 0 if unsupported. */
unsigned pk_family_maxprefix(int family);
/* Whether a and b are the same IPv4 or IPv6 host (ports, scopes ignored). */
bool pk_sockaddr_same_host(const struct sockaddr_storage *a,
			   const struct sockaddr_storage *b);

/* -------------------------------------------------------------- parser */

/*
 * A validated message.  ext[t] points at the extension of type t in the
 * caller's buffer, or is NULL; the buffer must outlive the pk_msg.
 */
struct pk_msg {
	const struct sadb_msg	*hdr;
	size_t			len;	/* bytes */
	const struct sadb_ext	*ext[SADB_PFKEY_EXT_MAX + 1];
	uint64_t		present;	/* bit t set when ext[t] */
};

#define PK_EXT_BIT(t)	(UINT64_C(1) << (t))

/*
 * Validates len bytes at buf as one PF_KEY v2 message and fills m.
 * Returns 0, or -errno with d filled: EMSGSIZE for a message whose length
 * is wrong (too short, sadb_msg_len disagreeing with len, trailing bytes),
 * EINVAL for everything else malformed.  Extension types unknown to this
 * ABI are refused.
 */
int pk_msg_parse(struct pk_msg *m, const void *buf, size_t len,
		 struct pk_diag *d);

/*
 * The guarded step every walk over extensions uses: *off starts at
 * sizeof(struct sadb_msg).  Returns 1 with *ext and *ext_bytes set when an
 * extension header and its declared length fit in len; 0 at the end;
 * -EINVAL when what follows is truncated, zero-length or overruns len.
 */
int pk_ext_next(const void *msg, size_t len, size_t *off,
		const struct sadb_ext **ext, size_t *ext_bytes);

/* Typed access to a validated message's extensions (NULL when absent). */
#define PK_MSG_EXT(m, t, ctype) ((const struct ctype *)(m)->ext[(t)])

static inline bool pk_msg_has(const struct pk_msg *m, unsigned t)
{
	return t <= SADB_PFKEY_EXT_MAX && m->ext[t] != NULL;
}

/* Copies the sockaddr of a validated address extension; returns its len. */
size_t pk_address_sockaddr(const struct sadb_address *a,
			   struct sockaddr_storage *out);
/* Key bytes of a validated key extension. */
static inline const uint8_t *pk_key_data(const struct sadb_key *k)
{
	return (const uint8_t *)(k + 1);
}
/* Algorithms of a validated supported extension. */
size_t pk_supported_count(const struct sadb_supported *s);
struct sadb_alg pk_supported_alg(const struct sadb_supported *s, size_t i);

/*
 * Requests of a validated policy, in order: prev NULL gives the first; NULL
 * after the last.  Tunnel endpoints are copied with pk_request_endpoints().
 */
const struct sadb_x_ipsecrequest *
pk_policy_next_request(const struct sadb_x_policy *p,
		       const struct sadb_x_ipsecrequest *prev);
/* Returns 1 and fills src/dst when the request carries endpoints, else 0. */
int pk_request_endpoints(const struct sadb_x_ipsecrequest *r,
			 struct sockaddr_storage *src,
			 struct sockaddr_storage *dst);

/* ----------------------------------------------------- vocabulary tables */

enum pk_ext_kind {
	PK_EK_SA = 1, PK_EK_LIFETIME, PK_EK_ADDRESS, PK_EK_KEY, PK_EK_IDENT,
	PK_EK_SENS, PK_EK_PROP, PK_EK_SUPPORTED, PK_EK_SPIRANGE,
	PK_EK_KMPRIVATE, PK_EK_POLICY, PK_EK_SA2, PK_EK_NAT_T_TYPE,
	PK_EK_NAT_T_PORT, PK_EK_SEC_CTX, PK_EK_KMADDRESS, PK_EK_FILTER,
	PK_EK_PAIR, PK_EK_REPLAY, PK_EK_KMC,
};

/* One row per extension type of this ABI. */
struct pk_ext_info {
	uint16_t	type;
	uint8_t		kind;		/* enum pk_ext_kind */
	const char	*name;		/* "SADB_EXT_SA" */
	uint16_t	min_len;	/* bytes, header included */
	uint16_t	diag_missing;	/* SADB_X_DIAGNOSTIC_* for each case */
	uint16_t	diag_duplicate;
	uint16_t	diag_malformed;
};

/* NULL for a type this ABI does not define. */
const struct pk_ext_info *pk_ext_info(unsigned type);
/* "SADB_EXT_SA", or NULL. */
const char *pk_ext_name(unsigned type);
/* "SADB_ADD", "SADB_X_SPDADD", or NULL. */
const char *pk_msg_type_name(unsigned type);
/* "esp", "ah", "ipcomp", or NULL. */
const char *pk_satype_name(unsigned satype);

/* The small vocabularies: SA states, modes, policy directions, types, levels. */
enum pk_word_kind {
	PK_WORD_STATE,		/* SADB_SASTATE_*: "larval" ... "idle" */
	PK_WORD_MODE,		/* IPSEC_MODE_*: "any" "transport" "tunnel" "beet" */
	PK_WORD_DIR,		/* IPSEC_DIR_*: "any" "in" "out" "fwd" */
	PK_WORD_POLICY,		/* IPSEC_POLICY_*: "discard" ... "bypass" */
	PK_WORD_LEVEL,		/* IPSEC_LEVEL_*: "default" "use" "require" "unique" */
};

/* The lower-case word for value, or NULL. */
const char *pk_word(enum pk_word_kind kind, unsigned value);
/* The value of a word (any case): 0, or -ENOENT. */
int pk_word_value(enum pk_word_kind kind, const char *word, unsigned *value);

/* How a request's sadb_msg_satype is constrained. */
enum pk_satype_rule {
	PK_SAT_ANY = 0,		/* anything known, UNSPEC included */
	PK_SAT_SPECIFIC,	/* a known type, not UNSPEC */
	PK_SAT_UNSPEC,		/* must be UNSPEC (SPD messages) */
};

/* What a request of one message type must and may carry. */
struct pk_msg_rule {
	uint8_t		type;
	uint8_t		satype;		/* enum pk_satype_rule */
	bool		request;	/* false: only the kernel sends it */
	uint64_t	required;	/* PK_EXT_BIT()s */
	uint64_t	allowed;	/* required included */
};

/* NULL for a type this ABI does not define. */
const struct pk_msg_rule *pk_msg_rule(unsigned type);

/*
 * Checks a parsed request against its rule: satype, required and allowed
 * extensions, source/destination families and protocols.  Returns 0 or
 * -EINVAL (-EOPNOTSUPP for a message only the kernel sends) with d filled.
 */
int pk_msg_check(const struct pk_msg *m, struct pk_diag *d);

#endif /* PFKEY_MSG_H */
