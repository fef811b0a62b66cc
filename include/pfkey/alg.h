/*
 * alg.h - the one algorithm table shared by ipseckey, setkey and pfkeyd.
 *
 * Each row is one algorithm of one class (authentication, encryption,
 * compression) with its PF_KEY id, the names each tool accepts and prints,
 * and the key rules the engine enforces.  Key bits include the salt or
 * nonce where a mode needs one (AES-CTR, CCM, GCM, GMAC, ChaCha20-Poly1305).
 */
#ifndef PFKEY_ALG_H
#define PFKEY_ALG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfkey/diag.h"
#include "pfkey/pfkeyv2.h"

enum pk_alg_class {
	PK_ALG_AUTH = 1,	/* sadb_sa_auth */
	PK_ALG_ENCR,		/* sadb_sa_encrypt, AH/ESP */
	PK_ALG_COMP,		/* sadb_sa_encrypt, IPComp */
};

/* Which tool's vocabulary a name belongs to. */
#define PK_DIALECT_SETKEY	0x1	/* case-sensitive, as KAME */
#define PK_DIALECT_IPSECKEY	0x2	/* case-insensitive, as illumos */
#define PK_DIALECT_ALL		0x3

/* Algorithm flags. */
#define PK_ALGF_NOKEY		0x0001	/* takes no key (null) */
#define PK_ALGF_COUNTER		0x0002	/* counter mode: unsafe with manual keys */
#define PK_ALGF_COMBINED	0x0004	/* AEAD: provides integrity itself */
#define PK_ALGF_AUTH_ONLY	0x0008	/* encryption id, authentication only (GMAC) */
#define PK_ALGF_DES		0x0010	/* DES family: parity, weak keys */
#define PK_ALGF_DERIV		0x0020	/* KAME *-deriv: sets SADB_X_EXT_DERIV */
#define PK_ALGF_OLD		0x0040	/* KAME keyed-* (ah-old) */
#define PK_ALGF_TCP		0x0080	/* TCP-MD5 (satype TCPSIGNATURE only) */
#define PK_ALGF_SYNONYM		0x0100	/* row shares its id with another row;
					   pk_alg_by_id() never returns it */
#define PK_ALGF_REGISTER	0x0200	/* listed in SADB_REGISTER replies */

struct pk_alg_name {
	const char	*name;
	unsigned	dialects;	/* PK_DIALECT_* */
};

struct pk_alg {
	uint8_t		cls;		/* enum pk_alg_class */
	uint8_t		id;		/* PF_KEY id */
	const char	*name;		/* canonical: setkey -D and ipseckey print it */
	const struct pk_alg_name *names; /* accepted names, canonical first,
					    ends with { NULL, 0 } */
	uint16_t	min_bits;	/* key bits, salt included */
	uint16_t	max_bits;
	uint16_t	incr_bits;	/* step between min and max; 0 = only min */
	uint16_t	default_bits;	/* what ipseckey/IKE pick when unspecified */
	uint16_t	salt_bits;	/* trailing salt/nonce bits within the key */
	uint8_t		iv_len;		/* bytes */
	uint8_t		block_len;	/* bytes; 1 for stream/counter modes */
	uint16_t	icv_bits;	/* integrity check value, 0 when none */
	uint32_t	flags;		/* PK_ALGF_* */
	const char	*rfc;		/* "RFC 3602", for help text */
};

/* The whole table, for help text and iteration. */
const struct pk_alg *pk_alg_table(size_t *count);

/* By PF_KEY id; NULL if unknown.  Never returns a PK_ALGF_SYNONYM row. */
const struct pk_alg *pk_alg_by_id(enum pk_alg_class cls, unsigned id);

/*
 * By name in a dialect; NULL if unknown.  ipseckey names compare without
 * case; setkey names exactly.
 */
const struct pk_alg *pk_alg_by_name(enum pk_alg_class cls, unsigned dialect,
				    const char *name);

/* The name a tool prints for an id ("aes-cbc"), or NULL. */
const char *pk_alg_name(enum pk_alg_class cls, unsigned id);

/* True when bits is a key length the algorithm accepts. */
bool pk_alg_key_bits_ok(const struct pk_alg *a, unsigned bits);

/*
 * Checks a key length.  On refusal returns -EINVAL with d->code
 * BAD_AKEYBITS or BAD_EKEYBITS and d->detail naming the algorithm, the
 * bits given and the bits allowed, e.g.
 * "aes-cbc: key of 100 bits, allowed 128, 192 or 256 bits".
 */
int pk_alg_check_key_bits(const struct pk_alg *a, unsigned bits,
			  struct pk_diag *d);

/*
 * Checks a key's bytes: length as above, then for the DES family the weak
 * and semi-weak keys (WEAK_EKEY), and for 3DES the K1 == K2 / K2 == K3
 * degenerate keys.  Parity is not checked here: see pk_des_fix_parity().
 */
int pk_alg_check_key(const struct pk_alg *a, const uint8_t *key,
		     unsigned bits, struct pk_diag *d);

/* Sets odd parity in every byte of a DES or 3DES key (len bytes). */
void pk_des_fix_parity(uint8_t *key, size_t len);
/* True when all bytes of key have odd parity. */
bool pk_des_parity_ok(const uint8_t *key, size_t len);
/* True for the 4 weak and 12 semi-weak DES keys (parity ignored). */
bool pk_des_is_weak(const uint8_t key[8]);

/*
 * Fills out with the algorithms a SADB_REGISTER reply lists for one class
 * (in table order, PK_ALGF_REGISTER rows), up to max; returns how many.
 */
size_t pk_alg_supported(enum pk_alg_class cls, struct sadb_alg *out,
			size_t max);

#endif /* PFKEY_ALG_H */
