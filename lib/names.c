/*
 * names.c - the vocabulary tables of the wire ABI: extension types (with
 * the diagnostics the validator gives for each), message types with the
 * rules for what a request carries, and SA types.  The parser, the engine,
 * the printers and the tools all read these; nothing else spells them.
 */
#include <errno.h>
#include <stddef.h>
#include <strings.h>

#include "pfkey/msg.h"

#define D(x) SADB_X_DIAGNOSTIC_##x
#define ADDR_MIN (sizeof(struct sadb_address) + 16)

/* Indexed by type; the holes have type 0. */
static const struct pk_ext_info ext_table[] = {
	[SADB_EXT_SA] = {
		SADB_EXT_SA, PK_EK_SA, "SADB_EXT_SA", sizeof(struct sadb_sa),
		D(MISSING_SA), D(DUPLICATE_SA), D(MALFORMED_SA) },
	[SADB_EXT_LIFETIME_CURRENT] = {
		SADB_EXT_LIFETIME_CURRENT, PK_EK_LIFETIME,
		"SADB_EXT_LIFETIME_CURRENT", sizeof(struct sadb_lifetime),
		D(MISSING_LIFETIME), D(DUPLICATE_EXT), D(MALFORMED_LIFETIME) },
	[SADB_EXT_LIFETIME_HARD] = {
		SADB_EXT_LIFETIME_HARD, PK_EK_LIFETIME,
		"SADB_EXT_LIFETIME_HARD", sizeof(struct sadb_lifetime),
		D(MISSING_LIFETIME), D(DUPLICATE_EXT), D(MALFORMED_LIFETIME) },
	[SADB_EXT_LIFETIME_SOFT] = {
		SADB_EXT_LIFETIME_SOFT, PK_EK_LIFETIME,
		"SADB_EXT_LIFETIME_SOFT", sizeof(struct sadb_lifetime),
		D(MISSING_LIFETIME), D(DUPLICATE_EXT), D(MALFORMED_LIFETIME) },
	[SADB_EXT_ADDRESS_SRC] = {
		SADB_EXT_ADDRESS_SRC, PK_EK_ADDRESS, "SADB_EXT_ADDRESS_SRC",
		ADDR_MIN, D(MISSING_SRC), D(DUPLICATE_SRC), D(MALFORMED_SRC) },
	[SADB_EXT_ADDRESS_DST] = {
		SADB_EXT_ADDRESS_DST, PK_EK_ADDRESS, "SADB_EXT_ADDRESS_DST",
		ADDR_MIN, D(MISSING_DST), D(DUPLICATE_DST), D(MALFORMED_DST) },
	/* Solaris' inner source is the RFC proxy address. */
	[SADB_EXT_ADDRESS_PROXY] = {
		SADB_EXT_ADDRESS_PROXY, PK_EK_ADDRESS, "SADB_EXT_ADDRESS_PROXY",
		ADDR_MIN, D(MISSING_INNER_SRC), D(DUPLICATE_INNER_SRC),
		D(MALFORMED_INNER_SRC) },
	[SADB_EXT_KEY_AUTH] = {
		SADB_EXT_KEY_AUTH, PK_EK_KEY, "SADB_EXT_KEY_AUTH",
		sizeof(struct sadb_key), D(MISSING_AKEY), D(DUPLICATE_AKEY),
		D(MALFORMED_AKEY) },
	[SADB_EXT_KEY_ENCRYPT] = {
		SADB_EXT_KEY_ENCRYPT, PK_EK_KEY, "SADB_EXT_KEY_ENCRYPT",
		sizeof(struct sadb_key), D(MISSING_EKEY), D(DUPLICATE_EKEY),
		D(MALFORMED_EKEY) },
	[SADB_EXT_IDENTITY_SRC] = {
		SADB_EXT_IDENTITY_SRC, PK_EK_IDENT, "SADB_EXT_IDENTITY_SRC",
		sizeof(struct sadb_ident), D(MISSING_EXT), D(DUPLICATE_EXT),
		D(MALFORMED_IDENTITY) },
	[SADB_EXT_IDENTITY_DST] = {
		SADB_EXT_IDENTITY_DST, PK_EK_IDENT, "SADB_EXT_IDENTITY_DST",
		sizeof(struct sadb_ident), D(MISSING_EXT), D(DUPLICATE_EXT),
		D(MALFORMED_IDENTITY) },
	[SADB_EXT_SENSITIVITY] = {
		SADB_EXT_SENSITIVITY, PK_EK_SENS, "SADB_EXT_SENSITIVITY",
		sizeof(struct sadb_sens), D(MISSING_EXT), D(DUPLICATE_EXT),
		D(MALFORMED_EXT) },
	[SADB_EXT_PROPOSAL] = {
		SADB_EXT_PROPOSAL, PK_EK_PROP, "SADB_EXT_PROPOSAL",
		sizeof(struct sadb_prop), D(MISSING_EXT), D(DUPLICATE_EXT),
		D(MALFORMED_EXT) },
	[SADB_EXT_SUPPORTED_AUTH] = {
		SADB_EXT_SUPPORTED_AUTH, PK_EK_SUPPORTED,
		"SADB_EXT_SUPPORTED_AUTH", sizeof(struct sadb_supported),
		D(MISSING_EXT), D(DUPLICATE_EXT), D(MALFORMED_SUPP) },
	[SADB_EXT_SUPPORTED_ENCRYPT] = {
		SADB_EXT_SUPPORTED_ENCRYPT, PK_EK_SUPPORTED,
		"SADB_EXT_SUPPORTED_ENCRYPT", sizeof(struct sadb_supported),
		D(MISSING_EXT), D(DUPLICATE_EXT), D(MALFORMED_SUPP) },
	[SADB_EXT_SPIRANGE] = {
		SADB_EXT_SPIRANGE, PK_EK_SPIRANGE, "SADB_EXT_SPIRANGE",
		sizeof(struct sadb_spirange), D(MISSING_RANGE),
		D(DUPLICATE_RANGE), D(MALFORMED_RANGE) },
	[SADB_X_EXT_KMPRIVATE] = {
		SADB_X_EXT_KMPRIVATE, PK_EK_KMPRIVATE, "SADB_X_EXT_KMPRIVATE",
		sizeof(struct sadb_x_kmprivate), D(MISSING_EXT),
		D(DUPLICATE_EXT), D(MALFORMED_EXT) },
	[SADB_X_EXT_POLICY] = {
		SADB_X_EXT_POLICY, PK_EK_POLICY, "SADB_X_EXT_POLICY",
		sizeof(struct sadb_x_policy), D(MISSING_EXT), D(DUPLICATE_EXT),
		D(MALFORMED_POLICY) },
	[SADB_X_EXT_SA2] = {
		SADB_X_EXT_SA2, PK_EK_SA2, "SADB_X_EXT_SA2",
		sizeof(struct sadb_x_sa2), D(MISSING_EXT), D(DUPLICATE_EXT),
		D(MALFORMED_SA2) },
	[SADB_X_EXT_NAT_T_TYPE] = {
		SADB_X_EXT_NAT_T_TYPE, PK_EK_NAT_T_TYPE,
		"SADB_X_EXT_NAT_T_TYPE", sizeof(struct sadb_x_nat_t_type),
		D(MISSING_EXT), D(DUPLICATE_EXT), D(MALFORMED_EXT) },
	[SADB_X_EXT_NAT_T_SPORT] = {
		SADB_X_EXT_NAT_T_SPORT, PK_EK_NAT_T_PORT,
		"SADB_X_EXT_NAT_T_SPORT", sizeof(struct sadb_x_nat_t_port),
		D(MISSING_EXT), D(DUPLICATE_NATT_PORTS), D(MALFORMED_EXT) },
	[SADB_X_EXT_NAT_T_DPORT] = {
		SADB_X_EXT_NAT_T_DPORT, PK_EK_NAT_T_PORT,
		"SADB_X_EXT_NAT_T_DPORT", sizeof(struct sadb_x_nat_t_port),
		D(MISSING_EXT), D(DUPLICATE_NATT_PORTS), D(MALFORMED_EXT) },
	[SADB_X_EXT_NAT_T_OA] = {
		SADB_X_EXT_NAT_T_OA, PK_EK_ADDRESS, "SADB_X_EXT_NAT_T_OA",
		ADDR_MIN, D(MISSING_EXT), D(DUPLICATE_EXT), D(MALFORMED_EXT) },
	[SADB_X_EXT_SEC_CTX] = {
		SADB_X_EXT_SEC_CTX, PK_EK_SEC_CTX, "SADB_X_EXT_SEC_CTX",
		sizeof(struct sadb_x_sec_ctx), D(MISSING_EXT), D(DUPLICATE_EXT),
		D(MALFORMED_EXT) },
	[SADB_X_EXT_KMADDRESS] = {
		SADB_X_EXT_KMADDRESS, PK_EK_KMADDRESS, "SADB_X_EXT_KMADDRESS",
		sizeof(struct sadb_x_kmaddress) + 2 * 16, D(MISSING_EXT),
		D(DUPLICATE_EXT), D(MALFORMED_EXT) },
	[SADB_X_EXT_FILTER] = {
		SADB_X_EXT_FILTER, PK_EK_FILTER, "SADB_X_EXT_FILTER",
		sizeof(struct sadb_x_filter), D(MISSING_EXT), D(DUPLICATE_EXT),
		D(MALFORMED_EXT) },
	[SADB_X_EXT_ADDRESS_INNER_DST] = {
		SADB_X_EXT_ADDRESS_INNER_DST, PK_EK_ADDRESS,
		"SADB_X_EXT_ADDRESS_INNER_DST", ADDR_MIN, D(MISSING_INNER_DST),
		D(DUPLICATE_INNER_DST), D(MALFORMED_INNER_DST) },
	[SADB_X_EXT_ADDRESS_NATT_LOC] = {
		SADB_X_EXT_ADDRESS_NATT_LOC, PK_EK_ADDRESS,
		"SADB_X_EXT_ADDRESS_NATT_LOC", ADDR_MIN, D(MISSING_NATT_LOC),
		D(DUPLICATE_NATT_LOC), D(MALFORMED_NATT_LOC) },
	[SADB_X_EXT_ADDRESS_NATT_REM] = {
		SADB_X_EXT_ADDRESS_NATT_REM, PK_EK_ADDRESS,
		"SADB_X_EXT_ADDRESS_NATT_REM", ADDR_MIN, D(MISSING_NATT_REM),
		D(DUPLICATE_NATT_REM), D(MALFORMED_NATT_REM) },
	[SADB_X_EXT_PAIR] = {
		SADB_X_EXT_PAIR, PK_EK_PAIR, "SADB_X_EXT_PAIR",
		sizeof(struct sadb_x_pair), D(MISSING_EXT), D(DUPLICATE_EXT),
		D(MALFORMED_EXT) },
	[SADB_X_EXT_REPLAY_VALUE] = {
		SADB_X_EXT_REPLAY_VALUE, PK_EK_REPLAY,
		"SADB_X_EXT_REPLAY_VALUE", sizeof(struct sadb_x_replay_ctr),
		D(MISSING_EXT), D(DUPLICATE_EXT), D(INVALID_REPLAY) },
	[SADB_X_EXT_KM_COOKIE] = {
		SADB_X_EXT_KM_COOKIE, PK_EK_KMC, "SADB_X_EXT_KM_COOKIE",
		sizeof(struct sadb_x_kmc), D(MISSING_EXT), D(DUPLICATE_KMC),
		D(MALFORMED_EXT) },
	[SADB_X_EXT_LIFETIME_IDLE] = {
		SADB_X_EXT_LIFETIME_IDLE, PK_EK_LIFETIME,
		"SADB_X_EXT_LIFETIME_IDLE", sizeof(struct sadb_lifetime),
		D(MISSING_LIFETIME), D(DUPLICATE_EXT), D(MALFORMED_LIFETIME) },
	[SADB_X_EXT_OUTER_SENS] = {
		SADB_X_EXT_OUTER_SENS, PK_EK_SENS, "SADB_X_EXT_OUTER_SENS",
		sizeof(struct sadb_sens), D(MISSING_EXT), D(DUPLICATE_EXT),
		D(BAD_LABEL) },
};

const struct pk_ext_info *pk_ext_info(unsigned type)
{
	if (type == 0 || type >= sizeof(ext_table) / sizeof(ext_table[0]) ||
	    ext_table[type].type != type)
		return NULL;
	return &ext_table[type];
}

const char *pk_ext_name(unsigned type)
{
	const struct pk_ext_info *e = pk_ext_info(type);

	return e != NULL ? e->name : NULL;
}

#define B(t) PK_EXT_BIT(SADB_EXT_##t)
#define X(t) PK_EXT_BIT(SADB_X_EXT_##t)

/* What an ADD or UPDATE may carry besides SA, source and destination. */
#define SA_WRITE_EXTS (B(SA) | B(LIFETIME_HARD) | B(LIFETIME_SOFT) | \
	X(LIFETIME_IDLE) | B(ADDRESS_SRC) | B(ADDRESS_DST) | \
	B(ADDRESS_PROXY) | X(ADDRESS_INNER_DST) | B(KEY_AUTH) | \
	B(KEY_ENCRYPT) | B(IDENTITY_SRC) | B(IDENTITY_DST) | \
	B(SENSITIVITY) | X(OUTER_SENS) | X(SA2) | X(NAT_T_TYPE) | \
	X(NAT_T_SPORT) | X(NAT_T_DPORT) | X(NAT_T_OA) | \
	X(ADDRESS_NATT_LOC) | X(ADDRESS_NATT_REM) | X(PAIR) | \
	X(REPLAY_VALUE) | X(KM_COOKIE) | X(SEC_CTX))
/* What a GET or DELETE may carry to name one SA. */
#define SA_NAME_EXTS (B(SA) | B(ADDRESS_SRC) | B(ADDRESS_DST) | \
	B(ADDRESS_PROXY) | X(ADDRESS_INNER_DST) | X(SA2))
/* What names a policy by its selector. */
#define SPD_SEL_EXTS (B(ADDRESS_SRC) | B(ADDRESS_DST) | X(POLICY))
#define SPD_WRITE_EXTS (SPD_SEL_EXTS | B(LIFETIME_HARD) | X(SEC_CTX))

struct msg_row {
	const char		*name;
	struct pk_msg_rule	rule;
};

#define REQ(t, sat, req, allow) \
	[SADB_##t] = { "SADB_" #t, { SADB_##t, PK_SAT_##sat, true, \
		(req), (req) | (allow) } }
#define KERNEL(t) \
	[SADB_##t] = { "SADB_" #t, { SADB_##t, PK_SAT_ANY, false, 0, 0 } }

static const struct msg_row msg_table[SADB_PFKEY_MSG_MAX + 1] = {
	REQ(GETSPI, SPECIFIC, B(ADDRESS_SRC) | B(ADDRESS_DST),
	    B(SPIRANGE) | X(SA2) | B(ADDRESS_PROXY) | X(ADDRESS_INNER_DST)),
	REQ(UPDATE, SPECIFIC, B(SA) | B(ADDRESS_DST), SA_WRITE_EXTS),
	REQ(ADD, SPECIFIC, B(SA) | B(ADDRESS_DST), SA_WRITE_EXTS),
	REQ(DELETE, SPECIFIC, B(SA) | B(ADDRESS_DST), SA_NAME_EXTS),
	REQ(GET, SPECIFIC, B(SA) | B(ADDRESS_DST), SA_NAME_EXTS),
	/* A key manager answers an ACQUIRE it cannot serve with errno set. */
	REQ(ACQUIRE, SPECIFIC, 0, B(ADDRESS_SRC) | B(ADDRESS_DST) |
	    B(ADDRESS_PROXY) | B(IDENTITY_SRC) | B(IDENTITY_DST) |
	    B(SENSITIVITY) | B(PROPOSAL) | X(SA2) | X(POLICY)),
	REQ(REGISTER, ANY, 0, 0),
	KERNEL(EXPIRE),
	REQ(FLUSH, ANY, 0, 0),
	REQ(DUMP, ANY, 0, X(FILTER)),
	REQ(X_PROMISC, ANY, 0, 0),
	KERNEL(X_PCHANGE),
	REQ(X_SPDUPDATE, UNSPEC, SPD_SEL_EXTS, SPD_WRITE_EXTS),
	REQ(X_SPDADD, UNSPEC, SPD_SEL_EXTS, SPD_WRITE_EXTS),
	REQ(X_SPDDELETE, UNSPEC, SPD_SEL_EXTS, X(SEC_CTX)),
	REQ(X_SPDGET, UNSPEC, X(POLICY), 0),
	KERNEL(X_SPDACQUIRE),
	REQ(X_SPDDUMP, UNSPEC, 0, 0),
	REQ(X_SPDFLUSH, UNSPEC, 0, 0),
	REQ(X_SPDSETIDX, UNSPEC, SPD_SEL_EXTS, SPD_WRITE_EXTS),
	KERNEL(X_SPDEXPIRE),
	REQ(X_SPDDELETE2, UNSPEC, X(POLICY), 0),
	KERNEL(X_NAT_T_NEW_MAPPING),
	REQ(X_MIGRATE, UNSPEC, SPD_SEL_EXTS, X(KMADDRESS)),
	REQ(X_UPDATEPAIR, SPECIFIC, B(SA) | B(ADDRESS_DST), SA_WRITE_EXTS),
	REQ(X_DELPAIR, SPECIFIC, B(SA) | B(ADDRESS_DST), SA_NAME_EXTS),
	REQ(X_INVERSE_ACQUIRE, ANY, B(ADDRESS_SRC) | B(ADDRESS_DST),
	    B(ADDRESS_PROXY) | X(ADDRESS_INNER_DST)),
	REQ(X_DELPAIR_STATE, SPECIFIC, B(SA), 0),
};

const struct pk_msg_rule *pk_msg_rule(unsigned type)
{
	if (type > SADB_PFKEY_MSG_MAX || msg_table[type].name == NULL)
		return NULL;
	return &msg_table[type].rule;
}

const char *pk_msg_type_name(unsigned type)
{
	if (type > SADB_PFKEY_MSG_MAX)
		return NULL;
	return msg_table[type].name;
}

static const char *const satype_table[SADB_SATYPE_MAX + 1] = {
	[SADB_SATYPE_UNSPEC] = "unspec",
	[SADB_SATYPE_AH] = "ah",
	[SADB_SATYPE_ESP] = "esp",
	[SADB_SATYPE_RSVP] = "rsvp",
	[SADB_SATYPE_OSPFV2] = "ospfv2",
	[SADB_SATYPE_RIPV2] = "ripv2",
	[SADB_SATYPE_MIP] = "mip",
	[SADB_X_SATYPE_IPCOMP] = "ipcomp",
	[SADB_X_SATYPE_TCPSIGNATURE] = "tcp",
};

const char *pk_satype_name(unsigned satype)
{
	return satype <= SADB_SATYPE_MAX ? satype_table[satype] : NULL;
}

/*
 * The words of the smaller vocabularies, lower case as setkey writes them
 * (ipseckey prints states in upper case and reads any case).
 */
static const char *const state_words[] = {
	[SADB_SASTATE_LARVAL] = "larval",
	[SADB_SASTATE_MATURE] = "mature",
	[SADB_SASTATE_DYING] = "dying",
	[SADB_SASTATE_DEAD] = "dead",
	[SADB_X_SASTATE_ACTIVE_ELSEWHERE] = "active_elsewhere",
	[SADB_X_SASTATE_IDLE] = "idle",
};

/* KAME knows any, transport and tunnel; Linux adds BEET. */
static const char *const mode_words[] = {
	[IPSEC_MODE_ANY] = "any",
	[IPSEC_MODE_TRANSPORT] = "transport",
	[IPSEC_MODE_TUNNEL] = "tunnel",
	[IPSEC_MODE_BEET] = "beet",
};

static const char *const dir_words[] = {
	[IPSEC_DIR_ANY] = "any",
	[IPSEC_DIR_INBOUND] = "in",
	[IPSEC_DIR_OUTBOUND] = "out",
	[IPSEC_DIR_FWD] = "fwd",
};

static const char *const policy_words[] = {
	[IPSEC_POLICY_DISCARD] = "discard",
	[IPSEC_POLICY_NONE] = "none",
	[IPSEC_POLICY_IPSEC] = "ipsec",
	[IPSEC_POLICY_ENTRUST] = "entrust",
	[IPSEC_POLICY_BYPASS] = "bypass",
};

static const char *const level_words[] = {
	[IPSEC_LEVEL_DEFAULT] = "default",
	[IPSEC_LEVEL_USE] = "use",
	[IPSEC_LEVEL_REQUIRE] = "require",
	[IPSEC_LEVEL_UNIQUE] = "unique",
};

static const struct {
	const char *const	*words;
	size_t			n;
} vocab[] = {
#define V(t) { (t), sizeof(t) / sizeof((t)[0]) }
	[PK_WORD_STATE] = V(state_words),
	[PK_WORD_MODE] = V(mode_words),
	[PK_WORD_DIR] = V(dir_words),
	[PK_WORD_POLICY] = V(policy_words),
	[PK_WORD_LEVEL] = V(level_words),
#undef V
};

const char *pk_word(enum pk_word_kind kind, unsigned value)
{
	if ((size_t)kind >= sizeof(vocab) / sizeof(vocab[0]) ||
	    value >= vocab[kind].n)
		return NULL;
	return vocab[kind].words[value];
}

int pk_word_value(enum pk_word_kind kind, const char *word, unsigned *value)
{
	if ((size_t)kind >= sizeof(vocab) / sizeof(vocab[0]))
		return -EINVAL;
	for (size_t i = 0; i < vocab[kind].n; i++) {
		if (vocab[kind].words[i] != NULL &&
		    strcasecmp(vocab[kind].words[i], word) == 0) {
			*value = (unsigned)i;
			return 0;
		}
	}
	return -ENOENT;
}
