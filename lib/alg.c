/*
 * alg.c - the algorithm table: one vocabulary for ipseckey, setkey and
 * pfkeyd.
 *
 * Every algorithm of every class is one row.  The parsers find a row by a
 * name of their dialect, the printers and the validator by PF_KEY id, the
 * engine's SADB_REGISTER reply lists the rows marked PK_ALGF_REGISTER, and
 * the key rules (bits, DES weak keys) are checked here so that the tools
 * and the engine refuse the same keys with the same words.
 *
 * Where the man pages disagree, shared/reference/algorithms.md decides:
 * the RFCs win over any one implementation (blowfish starts at 40 bits,
 * null takes no key at all).  Key bits include the trailing salt or nonce
 * of the counter and AEAD modes, as PF_KEY carries both in one sadb_key.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pfkey/alg.h"

#define S	PK_DIALECT_SETKEY
#define I	PK_DIALECT_IPSECKEY
#define ALL	PK_DIALECT_ALL

/*
 * Names.  The canonical name comes first and is accepted by both tools.
 * The KAME spellings setkey users have in their setkey.conf files are
 * setkey-only; the illumos short names (md5, sha, aes, ...) are
 * ipseckey-only, so neither tool quietly grows the other's vocabulary.
 */

/* Authentication */
static const struct pk_alg_name n_hmac_md5[] = {
	{ "hmac-md5", ALL }, { "md5", I }, { NULL, 0 },
};
static const struct pk_alg_name n_hmac_sha1[] = {
	{ "hmac-sha1", ALL }, { "sha", I }, { "sha1", I }, { "sha-1", I },
	{ "hmac-sha", I }, { "hmac-sha-1", I }, { NULL, 0 },
};
/* hmac-sha2-N is the KAME spelling; illumos users write it as well. */
static const struct pk_alg_name n_hmac_sha256[] = {
	{ "hmac-sha256", ALL }, { "hmac-sha2-256", ALL }, { "sha256", I },
	{ "sha-256", I }, { "hmac-sha-256", I }, { NULL, 0 },
};
static const struct pk_alg_name n_hmac_sha384[] = {
	{ "hmac-sha384", ALL }, { "hmac-sha2-384", ALL }, { "sha384", I },
	{ "sha-384", I }, { "hmac-sha-384", I }, { NULL, 0 },
};
static const struct pk_alg_name n_hmac_sha512[] = {
	{ "hmac-sha512", ALL }, { "hmac-sha2-512", ALL }, { "sha512", I },
	{ "sha-512", I }, { "hmac-sha-512", I }, { NULL, 0 },
};
static const struct pk_alg_name n_hmac_ripemd160[] = {
	{ "hmac-ripemd160", ALL }, { NULL, 0 },
};
static const struct pk_alg_name n_aes_xcbc_mac[] = {
	{ "aes-xcbc-mac", ALL }, { NULL, 0 },
};
/* ah-old only exists in KAME, so only setkey knows these. */
static const struct pk_alg_name n_keyed_md5[] = {
	{ "keyed-md5", S }, { NULL, 0 },
};
static const struct pk_alg_name n_keyed_sha1[] = {
	{ "keyed-sha1", S }, { NULL, 0 },
};
static const struct pk_alg_name n_null[] = {
	{ "null", ALL }, { NULL, 0 },
};
static const struct pk_alg_name n_tcp_md5[] = {
	{ "tcp-md5", ALL }, { NULL, 0 },
};

/* Encryption */
static const struct pk_alg_name n_des_cbc[] = {
	{ "des-cbc", ALL }, { "des", I }, { NULL, 0 },
};
static const struct pk_alg_name n_3des_cbc[] = {
	{ "3des-cbc", ALL }, { "3des", I }, { NULL, 0 },
};
static const struct pk_alg_name n_cast128_cbc[] = {
	{ "cast128-cbc", ALL }, { "cast", I }, { "cast128", I }, { NULL, 0 },
};
static const struct pk_alg_name n_blowfish_cbc[] = {
	{ "blowfish-cbc", ALL }, { "blowfish", I }, { NULL, 0 },
};
/* "simple" is the obsolete KAME name of ESP null (setkey.8 OpenDarwin). */
static const struct pk_alg_name n_enull[] = {
	{ "null", ALL }, { "simple", S }, { NULL, 0 },
};
static const struct pk_alg_name n_aes_cbc[] = {
	{ "aes-cbc", ALL }, { "rijndael-cbc", S }, { "aes", I }, { NULL, 0 },
};
static const struct pk_alg_name n_aes_ctr[] = {
	{ "aes-ctr", ALL }, { NULL, 0 },
};
static const struct pk_alg_name n_aes_ccm8[] = {
	{ "aes-ccm8", ALL }, { NULL, 0 },
};
static const struct pk_alg_name n_aes_ccm12[] = {
	{ "aes-ccm12", ALL }, { NULL, 0 },
};
/* The unqualified AEAD names mean the full 16-byte ICV, as on illumos. */
static const struct pk_alg_name n_aes_ccm16[] = {
	{ "aes-ccm16", ALL }, { "aes-ccm", ALL }, { NULL, 0 },
};
static const struct pk_alg_name n_aes_gcm8[] = {
	{ "aes-gcm8", ALL }, { NULL, 0 },
};
static const struct pk_alg_name n_aes_gcm12[] = {
	{ "aes-gcm12", ALL }, { NULL, 0 },
};
/* "aes-gcm-16" is the BSD setkey spelling. */
static const struct pk_alg_name n_aes_gcm16[] = {
	{ "aes-gcm16", ALL }, { "aes-gcm", ALL }, { "aes-gcm-16", ALL },
	{ NULL, 0 },
};
static const struct pk_alg_name n_camellia_cbc[] = {
	{ "camellia-cbc", ALL }, { "camellia", I }, { NULL, 0 },
};
static const struct pk_alg_name n_null_aes_gmac[] = {
	{ "null-aes-gmac", ALL }, { "aes-gmac", ALL }, { NULL, 0 },
};
static const struct pk_alg_name n_serpent_cbc[] = {
	{ "serpent-cbc", ALL }, { NULL, 0 },
};
static const struct pk_alg_name n_twofish_cbc[] = {
	{ "twofish-cbc", ALL }, { NULL, 0 },
};
static const struct pk_alg_name n_chacha20_poly1305[] = {
	{ "chacha20-poly1305", ALL }, { NULL, 0 },
};
/* KAME derived-IV modes: the same ids plus SADB_X_EXT_DERIV. */
static const struct pk_alg_name n_des_deriv[] = {
	{ "des-deriv", S }, { NULL, 0 },
};
static const struct pk_alg_name n_3des_deriv[] = {
	{ "3des-deriv", S }, { NULL, 0 },
};

/* Compression */
static const struct pk_alg_name n_oui[] = {
	{ "oui", ALL }, { NULL, 0 },
};
static const struct pk_alg_name n_deflate[] = {
	{ "deflate", ALL }, { NULL, 0 },
};
static const struct pk_alg_name n_lzs[] = {
	{ "lzs", ALL }, { NULL, 0 },
};
static const struct pk_alg_name n_lzjh[] = {
	{ "lzjh", ALL }, { NULL, 0 },
};

#undef S
#undef I
#undef ALL

#define NOKEY	PK_ALGF_NOKEY
#define REG	PK_ALGF_REGISTER

/*
 * The table.  Columns: class, id, canonical name, names,
 * min/max/incr/default key bits, salt bits, iv bytes, block bytes,
 * ICV bits, flags, reference.
 *
 * For the MACs block_len is the block of the underlying hash or cipher
 * (RFC 2104's B); for ESP ciphers it is what the padding aligns to, 1 for
 * the counter and AEAD modes, which are stream-like.  ICVs are the
 * truncations the RFCs specify (HMAC-SHA-2 per RFC 4868, not the 96 bits
 * of the pre-RFC draft).  The rows the engine lists in SADB_REGISTER carry
 * PK_ALGF_REGISTER: not the synonyms, not the KAME ah-old algorithms nor
 * TCP-MD5 (no IKE negotiates them), not compression (sadb_supported has
 * no compression list).
 */
static const struct pk_alg alg_table[] = {
	/* ---- authentication (sadb_sa_auth) ---- */
	{ PK_ALG_AUTH, SADB_AALG_MD5HMAC, "hmac-md5", n_hmac_md5,
	  128, 128, 0, 128, 0, 0, 64, 96, REG, "RFC 2403" },
	{ PK_ALG_AUTH, SADB_AALG_SHA1HMAC, "hmac-sha1", n_hmac_sha1,
	  160, 160, 0, 160, 0, 0, 64, 96, REG, "RFC 2404" },
	{ PK_ALG_AUTH, SADB_X_AALG_SHA2_256HMAC, "hmac-sha256", n_hmac_sha256,
	  256, 256, 0, 256, 0, 0, 64, 128, REG, "RFC 4868" },
	{ PK_ALG_AUTH, SADB_X_AALG_SHA2_384HMAC, "hmac-sha384", n_hmac_sha384,
	  384, 384, 0, 384, 0, 0, 128, 192, REG, "RFC 4868" },
	{ PK_ALG_AUTH, SADB_X_AALG_SHA2_512HMAC, "hmac-sha512", n_hmac_sha512,
	  512, 512, 0, 512, 0, 0, 128, 256, REG, "RFC 4868" },
	{ PK_ALG_AUTH, SADB_X_AALG_RIPEMD160HMAC, "hmac-ripemd160",
	  n_hmac_ripemd160,
	  160, 160, 0, 160, 0, 0, 64, 96, REG, "RFC 2857" },
	{ PK_ALG_AUTH, SADB_X_AALG_AES_XCBC_MAC, "aes-xcbc-mac", n_aes_xcbc_mac,
	  128, 128, 0, 128, 0, 0, 16, 96, REG, "RFC 3566" },
	{ PK_ALG_AUTH, SADB_X_AALG_MD5, "keyed-md5", n_keyed_md5,
	  128, 128, 0, 128, 0, 0, 64, 96, PK_ALGF_OLD, "RFC 1828" },
	{ PK_ALG_AUTH, SADB_X_AALG_SHA, "keyed-sha1", n_keyed_sha1,
	  160, 160, 0, 160, 0, 0, 64, 96, PK_ALGF_OLD, "RFC 1852" },
	{ PK_ALG_AUTH, SADB_X_AALG_NULL, "null", n_null,
	  0, 0, 0, 0, 0, 0, 0, 0, NOKEY | REG, "KAME, for debugging" },
	/* The key is a shared password; the digest is a full MD5. */
	{ PK_ALG_AUTH, SADB_X_AALG_TCP_MD5, "tcp-md5", n_tcp_md5,
	  8, 640, 8, 128, 0, 0, 64, 128, PK_ALGF_TCP, "RFC 2385" },

	/* ---- encryption (sadb_sa_encrypt) ---- */
	/* DES keys are counted with their parity bits, as on the wire. */
	{ PK_ALG_ENCR, SADB_EALG_DESCBC, "des-cbc", n_des_cbc,
	  64, 64, 0, 64, 0, 8, 8, 0, PK_ALGF_DES | REG, "RFC 2405" },
	{ PK_ALG_ENCR, SADB_EALG_3DESCBC, "3des-cbc", n_3des_cbc,
	  192, 192, 0, 192, 0, 8, 8, 0, PK_ALGF_DES | REG, "RFC 2451" },
	{ PK_ALG_ENCR, SADB_X_EALG_CASTCBC, "cast128-cbc", n_cast128_cbc,
	  40, 128, 8, 128, 0, 8, 8, 0, REG, "RFC 2451" },
	/* illumos allowed 32 bits; RFC 2451 says 40. */
	{ PK_ALG_ENCR, SADB_X_EALG_BLOWFISHCBC, "blowfish-cbc", n_blowfish_cbc,
	  40, 448, 8, 128, 0, 8, 8, 0, REG, "RFC 2451" },
	/* RFC 2410: NULL has a block size of 1 and no IV. */
	{ PK_ALG_ENCR, SADB_EALG_NULL, "null", n_enull,
	  0, 0, 0, 0, 0, 0, 1, 0, NOKEY | REG, "RFC 2410" },
	{ PK_ALG_ENCR, SADB_X_EALG_AESCBC, "aes-cbc", n_aes_cbc,
	  128, 256, 64, 128, 0, 16, 16, 0, REG, "RFC 3602" },
	/* RFC 3686: AES key then a 32-bit nonce; 8-byte explicit IV. */
	{ PK_ALG_ENCR, SADB_X_EALG_AESCTR, "aes-ctr", n_aes_ctr,
	  160, 288, 64, 160, 32, 8, 1, 0, PK_ALGF_COUNTER | REG, "RFC 3686" },
	/* RFC 4309: AES key then a 24-bit salt; ICV of 8, 12 or 16 bytes. */
	{ PK_ALG_ENCR, SADB_X_EALG_AES_CCM_ICV8, "aes-ccm8", n_aes_ccm8,
	  152, 280, 64, 152, 24, 8, 1, 64, PK_ALGF_COMBINED | REG, "RFC 4309" },
	{ PK_ALG_ENCR, SADB_X_EALG_AES_CCM_ICV12, "aes-ccm12", n_aes_ccm12,
	  152, 280, 64, 152, 24, 8, 1, 96, PK_ALGF_COMBINED | REG, "RFC 4309" },
	{ PK_ALG_ENCR, SADB_X_EALG_AES_CCM_ICV16, "aes-ccm16", n_aes_ccm16,
	  152, 280, 64, 152, 24, 8, 1, 128, PK_ALGF_COMBINED | REG, "RFC 4309" },
	/* RFC 4106: AES key then a 32-bit salt. */
	{ PK_ALG_ENCR, SADB_X_EALG_AES_GCM_ICV8, "aes-gcm8", n_aes_gcm8,
	  160, 288, 64, 160, 32, 8, 1, 64, PK_ALGF_COMBINED | REG, "RFC 4106" },
	{ PK_ALG_ENCR, SADB_X_EALG_AES_GCM_ICV12, "aes-gcm12", n_aes_gcm12,
	  160, 288, 64, 160, 32, 8, 1, 96, PK_ALGF_COMBINED | REG, "RFC 4106" },
	{ PK_ALG_ENCR, SADB_X_EALG_AES_GCM_ICV16, "aes-gcm16", n_aes_gcm16,
	  160, 288, 64, 160, 32, 8, 1, 128, PK_ALGF_COMBINED | REG, "RFC 4106" },
	{ PK_ALG_ENCR, SADB_X_EALG_CAMELLIACBC, "camellia-cbc", n_camellia_cbc,
	  128, 256, 64, 128, 0, 16, 16, 0, REG, "RFC 4312" },
	/* RFC 4543: an encryption id that only authenticates. */
	{ PK_ALG_ENCR, SADB_X_EALG_NULL_AES_GMAC, "null-aes-gmac",
	  n_null_aes_gmac,
	  160, 288, 64, 160, 32, 8, 1, 128, PK_ALGF_AUTH_ONLY | REG,
	  "RFC 4543" },
	/* The AES-candidate draft covered Serpent and Twofish too. */
	{ PK_ALG_ENCR, SADB_X_EALG_SERPENTCBC, "serpent-cbc", n_serpent_cbc,
	  128, 256, 64, 128, 0, 16, 16, 0, REG,
	  "draft-ietf-ipsec-ciph-aes-cbc-01" },
	{ PK_ALG_ENCR, SADB_X_EALG_TWOFISHCBC, "twofish-cbc", n_twofish_cbc,
	  128, 256, 64, 128, 0, 16, 16, 0, REG,
	  "draft-ietf-ipsec-ciph-aes-cbc-01" },
	/* RFC 7634: 256-bit key then a 32-bit salt; no Linux id (see pfkeyv2.h). */
	{ PK_ALG_ENCR, SADB_X_EALG_CHACHA20POLY1305, "chacha20-poly1305",
	  n_chacha20_poly1305,
	  288, 288, 0, 288, 32, 8, 1, 128, PK_ALGF_COMBINED | REG, "RFC 7634" },
	/*
	 * Derived-IV DES: the IV field on the wire is 32 bits, the 64-bit
	 * IV being built from it.  Synonym rows, so that an SA with id 2
	 * prints as des-cbc; the DERIV flag travels in sadb_sa_flags.
	 */
	{ PK_ALG_ENCR, SADB_EALG_DESCBC, "des-deriv", n_des_deriv,
	  64, 64, 0, 64, 0, 4, 8, 0,
	  PK_ALGF_DES | PK_ALGF_DERIV | PK_ALGF_SYNONYM,
	  "draft-ietf-ipsec-ciph-des-derived-01" },
	{ PK_ALG_ENCR, SADB_EALG_3DESCBC, "3des-deriv", n_3des_deriv,
	  192, 192, 0, 192, 0, 4, 8, 0,
	  PK_ALGF_DES | PK_ALGF_DERIV | PK_ALGF_SYNONYM,
	  "KAME (no document)" },

	/* ---- compression (sadb_sa_encrypt of IPComp SAs) ---- */
	{ PK_ALG_COMP, SADB_X_CALG_OUI, "oui", n_oui,
	  0, 0, 0, 0, 0, 0, 0, 0, NOKEY, "RFC 2407" },
	{ PK_ALG_COMP, SADB_X_CALG_DEFLATE, "deflate", n_deflate,
	  0, 0, 0, 0, 0, 0, 0, 0, NOKEY, "RFC 2394" },
	{ PK_ALG_COMP, SADB_X_CALG_LZS, "lzs", n_lzs,
	  0, 0, 0, 0, 0, 0, 0, 0, NOKEY, "RFC 2395" },
	{ PK_ALG_COMP, SADB_X_CALG_LZJH, "lzjh", n_lzjh,
	  0, 0, 0, 0, 0, 0, 0, 0, NOKEY, "RFC 3051" },
};

#undef NOKEY
#undef REG

#define ALG_COUNT	(sizeof(alg_table) / sizeof(alg_table[0]))

const struct pk_alg *pk_alg_table(size_t *count)
{
	if (count != NULL)
		*count = ALG_COUNT;
	return alg_table;
}

const struct pk_alg *pk_alg_by_id(enum pk_alg_class cls, unsigned id)
{
	size_t i;

	for (i = 0; i < ALG_COUNT; i++) {
		const struct pk_alg *a = &alg_table[i];

		if (a->cls == cls && a->id == id &&
		    !(a->flags & PK_ALGF_SYNONYM))
			return a;
	}
	return NULL;
}

/*
 * ASCII-only case folding: algorithm names are ASCII, and strcasecmp()
 * would follow the locale (a Turkish locale folds 'I' to a dotless i).
 */
static int ascii_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static bool ascii_case_equal(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (ascii_lower((unsigned char)*a) !=
		    ascii_lower((unsigned char)*b))
			return false;
	return *a == *b;
}

static bool name_matches(const struct pk_alg_name *n, unsigned dialect,
			 const char *name)
{
	/* most names differ at once; both comparisons need this to match */
	if (ascii_lower((unsigned char)n->name[0]) !=
	    ascii_lower((unsigned char)name[0]))
		return false;
	if ((n->dialects & dialect & PK_DIALECT_SETKEY) &&
	    strcmp(n->name, name) == 0)
		return true;
	if ((n->dialects & dialect & PK_DIALECT_IPSECKEY) &&
	    ascii_case_equal(n->name, name))
		return true;
	return false;
}

const struct pk_alg *pk_alg_by_name(enum pk_alg_class cls, unsigned dialect,
				    const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < ALG_COUNT; i++) {
		const struct pk_alg *a = &alg_table[i];
		const struct pk_alg_name *n;

		if (a->cls != cls)
			continue;
		for (n = a->names; n->name != NULL; n++)
			if (name_matches(n, dialect, name))
				return a;
	}
	return NULL;
}

const char *pk_alg_name(enum pk_alg_class cls, unsigned id)
{
	const struct pk_alg *a = pk_alg_by_id(cls, id);

	return a != NULL ? a->name : NULL;
}

bool pk_alg_key_bits_ok(const struct pk_alg *a, unsigned bits)
{
	if (a == NULL)
		return false;
	if (a->flags & PK_ALGF_NOKEY)
		return bits == 0;
	if (a->incr_bits == 0)
		return bits == a->min_bits;
	return bits >= a->min_bits && bits <= a->max_bits &&
	       (bits - a->min_bits) % a->incr_bits == 0;
}

/*
 * Says which lengths are allowed, the way a person would: "no key",
 * "160 bits", "128, 192 or 256 bits", or a range with its step when the
 * list would be long.
 */
#define ALLOWED_LIST_MAX	4

static void describe_allowed(const struct pk_alg *a, char *buf, size_t len)
{
	unsigned count, i, bits;
	size_t used = 0;

	if (a->flags & PK_ALGF_NOKEY) {
		snprintf(buf, len, "no key");
		return;
	}
	if (a->incr_bits == 0 || a->max_bits <= a->min_bits) {
		snprintf(buf, len, "%u bits", (unsigned)a->min_bits);
		return;
	}
	count = (unsigned)(a->max_bits - a->min_bits) / a->incr_bits + 1;
	if (count > ALLOWED_LIST_MAX) {
		snprintf(buf, len, "%u to %u bits in steps of %u",
			 (unsigned)a->min_bits, (unsigned)a->max_bits,
			 (unsigned)a->incr_bits);
		return;
	}
	buf[0] = '\0';
	for (i = 0; i < count && used < len; i++) {
		const char *sep = i == 0 ? "" : i + 1 == count ? " or " : ", ";
		int n;

		bits = a->min_bits + i * a->incr_bits;
		n = snprintf(buf + used, len - used, "%s%u", sep, bits);
		if (n < 0)
			return;
		used += (size_t)n;
	}
	if (used < len)
		snprintf(buf + used, len - used, " bits");
}

static uint16_t bits_code(const struct pk_alg *a)
{
	return a->cls == PK_ALG_AUTH ? SADB_X_DIAGNOSTIC_BAD_AKEYBITS :
				       SADB_X_DIAGNOSTIC_BAD_EKEYBITS;
}

int pk_alg_check_key_bits(const struct pk_alg *a, unsigned bits,
			  struct pk_diag *d)
{
	char allowed[80];

	/* A caller's mistake, not the peer's: no PF_KEY code fits. */
	if (a == NULL)
		return pk_diag_set(d, EINVAL, SADB_X_DIAGNOSTIC_NONE, 0, 0,
				   NULL, "no algorithm given");
	if (pk_alg_key_bits_ok(a, bits))
		return 0;
	describe_allowed(a, allowed, sizeof(allowed));
	return pk_diag_set(d, EINVAL, bits_code(a), 0, 0, "sadb_key_bits",
			   "%s: key of %u bit%s, allowed %s", a->name, bits,
			   bits == 1 ? "" : "s", allowed);
}

#define DES_KEY_LEN	8

/*
 * The 4 weak and 12 semi-weak DES keys (FIPS 74; NIST SP 800-67), written
 * with odd parity.  The low bit of each byte is parity that DES ignores,
 * so they are compared with it masked off: 0000000000000000 is the same
 * weak key as 0101010101010101.
 */
static const uint8_t des_weak_keys[16][DES_KEY_LEN] = {
	/* weak: encryption is its own inverse */
	{ 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01 },
	{ 0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe },
	{ 0xe0, 0xe0, 0xe0, 0xe0, 0xf1, 0xf1, 0xf1, 0xf1 },
	{ 0x1f, 0x1f, 0x1f, 0x1f, 0x0e, 0x0e, 0x0e, 0x0e },
	/* semi-weak, in pairs: one decrypts what the other encrypts */
	{ 0x01, 0x1f, 0x01, 0x1f, 0x01, 0x0e, 0x01, 0x0e },
	{ 0x1f, 0x01, 0x1f, 0x01, 0x0e, 0x01, 0x0e, 0x01 },
	{ 0x01, 0xe0, 0x01, 0xe0, 0x01, 0xf1, 0x01, 0xf1 },
	{ 0xe0, 0x01, 0xe0, 0x01, 0xf1, 0x01, 0xf1, 0x01 },
	{ 0x01, 0xfe, 0x01, 0xfe, 0x01, 0xfe, 0x01, 0xfe },
	{ 0xfe, 0x01, 0xfe, 0x01, 0xfe, 0x01, 0xfe, 0x01 },
	{ 0x1f, 0xe0, 0x1f, 0xe0, 0x0e, 0xf1, 0x0e, 0xf1 },
	{ 0xe0, 0x1f, 0xe0, 0x1f, 0xf1, 0x0e, 0xf1, 0x0e },
	{ 0x1f, 0xfe, 0x1f, 0xfe, 0x0e, 0xfe, 0x0e, 0xfe },
	{ 0xfe, 0x1f, 0xfe, 0x1f, 0xfe, 0x0e, 0xfe, 0x0e },
	{ 0xe0, 0xfe, 0xe0, 0xfe, 0xf1, 0xfe, 0xf1, 0xfe },
	{ 0xfe, 0xe0, 0xfe, 0xe0, 0xfe, 0xf1, 0xfe, 0xf1 },
};

/* Equal as DES keys: the same 56 key bits, whatever the parity bits. */
static bool des_key_equal(const uint8_t *a, const uint8_t *b)
{
	size_t i;

	for (i = 0; i < DES_KEY_LEN; i++)
		if ((a[i] & 0xfe) != (b[i] & 0xfe))
			return false;
	return true;
}

bool pk_des_is_weak(const uint8_t key[8])
{
	size_t i;

	for (i = 0; i < sizeof(des_weak_keys) / sizeof(des_weak_keys[0]); i++)
		if (des_key_equal(key, des_weak_keys[i]))
			return true;
	return false;
}

static bool odd_parity(uint8_t b)
{
	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return b & 1;
}

void pk_des_fix_parity(uint8_t *key, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		uint8_t b = key[i] & 0xfe;

		key[i] = odd_parity(b) ? b : b | 1;
	}
}

bool pk_des_parity_ok(const uint8_t *key, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!odd_parity(key[i]))
			return false;
	return true;
}

/*
 * DES family checks.  The detail names the part at fault but never shows
 * key bytes: it may end up in a log.  For 3DES, K1 == K2 or K2 == K3
 * makes encrypt-decrypt-encrypt collapse to one DES with the remaining
 * key, so it is as weak as single DES; K1 == K3 (two-key 3DES, keying
 * option 2 of SP 800-67) is allowed.
 */
static int check_des_key(const struct pk_alg *a, const uint8_t *key,
			 unsigned bits, struct pk_diag *d)
{
	size_t parts = bits / 64, i;

	for (i = 0; i < parts; i++) {
		if (!pk_des_is_weak(key + i * DES_KEY_LEN))
			continue;
		if (parts == 1)
			return pk_diag_set(d, EINVAL,
					   SADB_X_DIAGNOSTIC_WEAK_EKEY, 0, 0,
					   "sadb_key_data",
					   "%s: key is a DES weak or semi-weak key",
					   a->name);
		return pk_diag_set(d, EINVAL, SADB_X_DIAGNOSTIC_WEAK_EKEY,
				   0, 0, "sadb_key_data",
				   "%s: key part %zu of %zu is a DES weak or semi-weak key",
				   a->name, i + 1, parts);
	}
	for (i = 0; i + 1 < parts; i++) {
		if (!des_key_equal(key + i * DES_KEY_LEN,
				   key + (i + 1) * DES_KEY_LEN))
			continue;
		return pk_diag_set(d, EINVAL, SADB_X_DIAGNOSTIC_WEAK_EKEY,
				   0, 0, "sadb_key_data",
				   "%s: key parts %zu and %zu are equal, which reduces 3DES to single DES",
				   a->name, i + 1, i + 2);
	}
	return 0;
}

int pk_alg_check_key(const struct pk_alg *a, const uint8_t *key,
		     unsigned bits, struct pk_diag *d)
{
	int err;

	err = pk_alg_check_key_bits(a, bits, d);
	if (err != 0)
		return err;
	if (bits == 0)
		return 0;
	if (key == NULL)
		return pk_diag_set(d, EINVAL, a->cls == PK_ALG_AUTH ?
				   SADB_X_DIAGNOSTIC_MALFORMED_AKEY :
				   SADB_X_DIAGNOSTIC_MALFORMED_EKEY,
				   0, 0, "sadb_key_data",
				   "%s: key of %u bits but no key bytes",
				   a->name, bits);
	if (a->flags & PK_ALGF_DES)
		return check_des_key(a, key, bits, d);
	return 0;
}

size_t pk_alg_supported(enum pk_alg_class cls, struct sadb_alg *out,
			size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < ALG_COUNT && n < max; i++) {
		const struct pk_alg *a = &alg_table[i];

		if (a->cls != cls || !(a->flags & PK_ALGF_REGISTER))
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].sadb_alg_id = a->id;
		out[n].sadb_alg_ivlen = a->iv_len;
		out[n].sadb_alg_minbits = a->min_bits;
		out[n].sadb_alg_maxbits = a->max_bits;
		n++;
	}
	return n;
}
