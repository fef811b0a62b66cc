/*
 * pfkeyv2.h - the PF_KEY version 2 wire ABI spoken by pfkeyd, ipseckey,
 * setkey and every other libpfkey client.
 *
 * Written for the pfkey project from RFC 2367 and the published numbering of
 * the Linux/KAME and Solaris/illumos interfaces.  Numbering policy:
 *
 *   - Everything RFC 2367 and the KAME extensions define uses the Linux/KAME
 *     numbers of <linux/pfkeyv2.h> and <linux/ipsec.h>, so a PF_KEY program
 *     built on Linux speaks to pfkeyd unchanged.
 *   - Features only Solaris/illumos has (SA pairs, NAT-T local/remote
 *     addresses, inner destination, replay value, KM cookie, idle lifetime,
 *     labels, the pair messages, the diagnostics) are numbered from 32 up,
 *     above the Linux range, so they never collide with a Linux value.
 *   - Where Solaris and Linux give one SA flag bit two meanings, Linux keeps
 *     the bit and the Solaris flag moves to a free one (see SA flags).
 *
 * A message is a header followed by extensions, every part a multiple of
 * 8 bytes, every length counted in 8-byte words:
 *
 *   +----------------+------------------+------------------+-- ...
 *   | sadb_msg (16)  | ext: len,type,.. | ext: len,type,.. |
 *   +----------------+------------------+------------------+-- ...
 *    msg_len = total words             ext_len = words of that extension
 *
 * All multi-byte fields are in host byte order except the SPI
 * (sadb_sa_spi), the NAT-T port (sadb_x_nat_t_port_port) and the ports
 * inside sockaddrs, which are in network byte order, as on Linux.
 *
 * Structures are packed so that a field can be read through a pointer into
 * any received buffer; their sizes and offsets are asserted below.
 */
#ifndef PFKEY_PFKEYV2_H
#define PFKEY_PFKEYV2_H

#include <stddef.h>
#include <stdint.h>

#define PF_KEY_V2		2
#define PFKEYV2_REVISION	199806L

/* Lengths travel in 8-byte words. */
#define SADB_ALIGN		8
#define SADB_WORDS(bytes)	(((bytes) + SADB_ALIGN - 1) / SADB_ALIGN)
#define SADB_BYTES(words)	((size_t)(words) * SADB_ALIGN)
#define SADB_MSG_MAX_BYTES	SADB_BYTES(UINT16_MAX)

#define PK_PACKED __attribute__((packed))

/* ---------------------------------------------------------------- header */

struct sadb_msg {
	uint8_t  sadb_msg_version;	/* PF_KEY_V2 */
	uint8_t  sadb_msg_type;		/* SADB_* message type */
	uint8_t  sadb_msg_errno;	/* replies: 0 or an errno */
	uint8_t  sadb_msg_satype;	/* SADB_SATYPE_* */
	uint16_t sadb_msg_len;		/* whole message, 8-byte words */
	uint16_t sadb_msg_reserved;	/* replies: SADB_X_DIAGNOSTIC_* */
	uint32_t sadb_msg_seq;
	uint32_t sadb_msg_pid;
} PK_PACKED;

/* Solaris carries the diagnostic in the reserved field; so do we. */
#define sadb_x_msg_diagnostic sadb_msg_reserved

struct sadb_ext {
	uint16_t sadb_ext_len;		/* 8-byte words, header included */
	uint16_t sadb_ext_type;		/* SADB_EXT_* / SADB_X_EXT_* */
} PK_PACKED;

/* ------------------------------------------------------------ extensions */

struct sadb_sa {
	uint16_t sadb_sa_len;
	uint16_t sadb_sa_exttype;	/* SADB_EXT_SA */
	uint32_t sadb_sa_spi;		/* network byte order */
	uint8_t  sadb_sa_replay;	/* replay window, packets */
	uint8_t  sadb_sa_state;		/* SADB_SASTATE_* */
	uint8_t  sadb_sa_auth;		/* SADB_AALG_* */
	uint8_t  sadb_sa_encrypt;	/* SADB_EALG_* or SADB_X_CALG_* */
	uint32_t sadb_sa_flags;		/* SADB_SAFLAGS_* */
} PK_PACKED;

struct sadb_lifetime {
	uint16_t sadb_lifetime_len;
	uint16_t sadb_lifetime_exttype;	/* CURRENT, HARD, SOFT, X_IDLE */
	uint32_t sadb_lifetime_allocations;
	uint64_t sadb_lifetime_bytes;
	uint64_t sadb_lifetime_addtime;	/* seconds (CURRENT: time_t) */
	uint64_t sadb_lifetime_usetime;
} PK_PACKED;

/* Followed by a sockaddr_in or sockaddr_in6, padded to 8 bytes. */
struct sadb_address {
	uint16_t sadb_address_len;
	uint16_t sadb_address_exttype;
	uint8_t  sadb_address_proto;	/* upper-layer protocol, 255 = any */
	uint8_t  sadb_address_prefixlen;
	uint16_t sadb_address_reserved;
} PK_PACKED;

/* Followed by ceil(bits / 8) bytes of key, padded to 8 bytes. */
struct sadb_key {
	uint16_t sadb_key_len;
	uint16_t sadb_key_exttype;
	uint16_t sadb_key_bits;
	uint16_t sadb_key_reserved;	/* Solaris: reserved (salt) bits */
} PK_PACKED;

/* Followed by a NUL-terminated identity string, padded to 8 bytes. */
struct sadb_ident {
	uint16_t sadb_ident_len;
	uint16_t sadb_ident_exttype;
	uint16_t sadb_ident_type;	/* SADB_IDENTTYPE_* */
	uint16_t sadb_ident_reserved;
	uint64_t sadb_ident_id;
} PK_PACKED;

/* Followed by sens_len + integ_len 64-bit bitmaps. */
struct sadb_sens {
	uint16_t sadb_sens_len;
	uint16_t sadb_sens_exttype;
	uint32_t sadb_sens_dpd;
	uint8_t  sadb_sens_sens_level;
	uint8_t  sadb_sens_sens_len;	/* 64-bit words */
	uint8_t  sadb_sens_integ_level;
	uint8_t  sadb_sens_integ_len;	/* 64-bit words */
	uint32_t sadb_sens_reserved;
} PK_PACKED;

/* Followed by sadb_comb structures. */
struct sadb_prop {
	uint16_t sadb_prop_len;
	uint16_t sadb_prop_exttype;
	uint8_t  sadb_prop_replay;
	uint8_t  sadb_prop_reserved[3];
} PK_PACKED;

struct sadb_comb {
	uint8_t  sadb_comb_auth;
	uint8_t  sadb_comb_encrypt;
	uint16_t sadb_comb_flags;
	uint16_t sadb_comb_auth_minbits;
	uint16_t sadb_comb_auth_maxbits;
	uint16_t sadb_comb_encrypt_minbits;
	uint16_t sadb_comb_encrypt_maxbits;
	uint32_t sadb_comb_reserved;
	uint32_t sadb_comb_soft_allocations;
	uint32_t sadb_comb_hard_allocations;
	uint64_t sadb_comb_soft_bytes;
	uint64_t sadb_comb_hard_bytes;
	uint64_t sadb_comb_soft_addtime;
	uint64_t sadb_comb_hard_addtime;
	uint64_t sadb_comb_soft_usetime;
	uint64_t sadb_comb_hard_usetime;
} PK_PACKED;

/* Followed by sadb_alg structures. */
struct sadb_supported {
	uint16_t sadb_supported_len;
	uint16_t sadb_supported_exttype;
	uint32_t sadb_supported_reserved;
} PK_PACKED;

struct sadb_alg {
	uint8_t  sadb_alg_id;
	uint8_t  sadb_alg_ivlen;	/* bytes */
	uint16_t sadb_alg_minbits;
	uint16_t sadb_alg_maxbits;
	uint16_t sadb_alg_reserved;
} PK_PACKED;

struct sadb_spirange {
	uint16_t sadb_spirange_len;
	uint16_t sadb_spirange_exttype;
	uint32_t sadb_spirange_min;	/* host byte order */
	uint32_t sadb_spirange_max;
	uint32_t sadb_spirange_reserved;
} PK_PACKED;

struct sadb_x_kmprivate {
	uint16_t sadb_x_kmprivate_len;
	uint16_t sadb_x_kmprivate_exttype;
	uint32_t sadb_x_kmprivate_reserved;
} PK_PACKED;

/* KAME: mode and reqid of an SA. */
struct sadb_x_sa2 {
	uint16_t sadb_x_sa2_len;
	uint16_t sadb_x_sa2_exttype;
	uint8_t  sadb_x_sa2_mode;	/* IPSEC_MODE_* */
	uint8_t  sadb_x_sa2_reserved1;
	uint16_t sadb_x_sa2_reserved2;
	uint32_t sadb_x_sa2_sequence;
	uint32_t sadb_x_sa2_reqid;
} PK_PACKED;

/* KAME: a security policy, followed by sadb_x_ipsecrequest entries. */
struct sadb_x_policy {
	uint16_t sadb_x_policy_len;
	uint16_t sadb_x_policy_exttype;
	uint16_t sadb_x_policy_type;	/* IPSEC_POLICY_* */
	uint8_t  sadb_x_policy_dir;	/* IPSEC_DIR_* */
	uint8_t  sadb_x_policy_reserved;
	uint32_t sadb_x_policy_id;
	uint32_t sadb_x_policy_priority;
} PK_PACKED;

/*
 * One request of an IPSEC policy.  Its length is in BYTES (KAME), header
 * included; in tunnel mode two sockaddrs (tunnel source, then destination)
 * of one family follow.  Each request is padded to 8 bytes.
 */
struct sadb_x_ipsecrequest {
	uint16_t sadb_x_ipsecrequest_len;	/* bytes */
	uint16_t sadb_x_ipsecrequest_proto;	/* IPPROTO_ESP/AH/COMP */
	uint8_t  sadb_x_ipsecrequest_mode;	/* IPSEC_MODE_* */
	uint8_t  sadb_x_ipsecrequest_level;	/* IPSEC_LEVEL_* */
	uint16_t sadb_x_ipsecrequest_reserved1;
	uint32_t sadb_x_ipsecrequest_reqid;
	uint32_t sadb_x_ipsecrequest_reserved2;
} PK_PACKED;

/* KAME/Linux NAT traversal. */
struct sadb_x_nat_t_type {
	uint16_t sadb_x_nat_t_type_len;
	uint16_t sadb_x_nat_t_type_exttype;
	uint8_t  sadb_x_nat_t_type_type;	/* UDP_ENCAP_ESPINUDP = 2 */
	uint8_t  sadb_x_nat_t_type_reserved[3];
} PK_PACKED;

struct sadb_x_nat_t_port {
	uint16_t sadb_x_nat_t_port_len;
	uint16_t sadb_x_nat_t_port_exttype;
	uint16_t sadb_x_nat_t_port_port;	/* network byte order */
	uint16_t sadb_x_nat_t_port_reserved;
} PK_PACKED;

/* Linux security context, followed by ctx_len bytes of context string. */
struct sadb_x_sec_ctx {
	uint16_t sadb_x_sec_len;
	uint16_t sadb_x_sec_exttype;
	uint8_t  sadb_x_ctx_alg;
	uint8_t  sadb_x_ctx_doi;
	uint16_t sadb_x_ctx_len;		/* bytes of context */
} PK_PACKED;

/* Linux MIGRATE: followed by two sockaddrs (local, remote). */
struct sadb_x_kmaddress {
	uint16_t sadb_x_kmaddress_len;
	uint16_t sadb_x_kmaddress_exttype;
	uint32_t sadb_x_kmaddress_reserved;
} PK_PACKED;

/* Linux dump filter. */
struct sadb_x_filter {
	uint16_t sadb_x_filter_len;
	uint16_t sadb_x_filter_exttype;
	uint32_t sadb_x_filter_saddr[4];
	uint32_t sadb_x_filter_daddr[4];
	uint16_t sadb_x_filter_family;
	uint8_t  sadb_x_filter_splen;
	uint8_t  sadb_x_filter_dplen;
} PK_PACKED;

/* Solaris: the SPI of the SA this one is paired with. */
struct sadb_x_pair {
	uint16_t sadb_x_pair_len;
	uint16_t sadb_x_pair_exttype;	/* SADB_X_EXT_PAIR */
	uint32_t sadb_x_pair_spi;	/* network byte order */
} PK_PACKED;

/* Solaris: the replay counter of an SA (for moving SAs between hosts). */
struct sadb_x_replay_ctr {
	uint16_t sadb_x_rc_len;
	uint16_t sadb_x_rc_exttype;	/* SADB_X_EXT_REPLAY_VALUE */
	uint32_t sadb_x_rc_replay32;
	uint64_t sadb_x_rc_replay64;
} PK_PACKED;

/* Solaris: key-management protocol and cookie. */
struct sadb_x_kmc {
	uint16_t sadb_x_kmc_len;
	uint16_t sadb_x_kmc_exttype;	/* SADB_X_EXT_KM_COOKIE */
	uint32_t sadb_x_kmc_proto;	/* SADB_X_KMP_* */
	uint64_t sadb_x_kmc_cookie;
} PK_PACKED;

/* ---------------------------------------------------------- message types */

#define SADB_RESERVED		0
#define SADB_GETSPI		1
#define SADB_UPDATE		2
#define SADB_ADD		3
#define SADB_DELETE		4
#define SADB_GET		5
#define SADB_ACQUIRE		6
#define SADB_REGISTER		7
#define SADB_EXPIRE		8
#define SADB_FLUSH		9
#define SADB_DUMP		10
#define SADB_X_PROMISC		11
#define SADB_X_PCHANGE		12
#define SADB_X_SPDUPDATE	13
#define SADB_X_SPDADD		14
#define SADB_X_SPDDELETE	15
#define SADB_X_SPDGET		16
#define SADB_X_SPDACQUIRE	17
#define SADB_X_SPDDUMP		18
#define SADB_X_SPDFLUSH		19
#define SADB_X_SPDSETIDX	20
#define SADB_X_SPDEXPIRE	21
#define SADB_X_SPDDELETE2	22
#define SADB_X_NAT_T_NEW_MAPPING 23
#define SADB_X_MIGRATE		24
#define SADB_MAX		24	/* last Linux message type */
/* Solaris/illumos message types, renumbered above the Linux range. */
#define SADB_X_UPDATEPAIR	32	/* UPDATE both SAs of a pair */
#define SADB_X_DELPAIR		33	/* DELETE both SAs of a pair */
#define SADB_X_INVERSE_ACQUIRE	34	/* policy -> proposal query */
#define SADB_X_DELPAIR_STATE	35	/* DELETE by state */
#define SADB_PFKEY_MSG_MAX	35	/* last message type of this ABI */

/* -------------------------------------------------------------- SA flags */

#define SADB_SAFLAGS_PFS		0x00000001U	/* RFC 2367 */
#define SADB_SAFLAGS_NOREPLAY		0x00000002U	/* Solaris */
#define SADB_X_EXT_OLD			0x00000004U	/* KAME 0x1: ah-old/esp-old */
#define SADB_X_EXT_DERIV		0x00000010U	/* KAME: des-deriv */
#define SADB_X_EXT_IV4B			0x00000010U	/* KAME: 4-byte IV (old) */
#define SADB_X_EXT_CYCSEQ		0x00000020U	/* KAME: cyclic sequence */
#define SADB_X_EXT_RAWCPI		0x00000080U	/* KAME: IPComp raw CPI */
#define SADB_X_EXT_PSEQ			0x00000000U	/* KAME: sequential pad */
#define SADB_X_EXT_PRAND		0x00000100U	/* KAME: random pad */
#define SADB_X_EXT_PZERO		0x00000200U	/* KAME: zero pad */
#define SADB_X_EXT_PMASK		0x00000300U
#define SADB_X_SAFLAGS_USED		0x00000400U	/* Solaris 0x80000000 */
#define SADB_X_SAFLAGS_UNIQUE		0x00000800U	/* Solaris 0x40000000 */
#define SADB_X_SAFLAGS_NATTED		0x00001000U	/* Solaris */
#define SADB_X_SAFLAGS_AALG1		0x00002000U	/* Solaris 0x20000000 */
#define SADB_X_SAFLAGS_INBOUND		0x00004000U	/* Solaris */
#define SADB_X_SAFLAGS_OUTBOUND		0x00008000U	/* Solaris */
#define SADB_X_SAFLAGS_PAIRED		0x00010000U	/* Solaris */
#define SADB_X_SAFLAGS_TUNNEL		0x00020000U	/* Solaris */
#define SADB_X_SAFLAGS_KRES2		0x00040000U	/* Solaris */
#define SADB_X_SAFLAGS_NATT_REM		0x00080000U	/* Solaris */
#define SADB_X_SAFLAGS_NATT_LOC		0x00100000U	/* Solaris */
#define SADB_X_SAFLAGS_KRES1		0x00200000U	/* Solaris */
#define SADB_X_SAFLAGS_KM4		0x00400000U	/* Solaris */
#define SADB_X_SAFLAGS_KM3		0x00800000U	/* Solaris */
#define SADB_X_SAFLAGS_KM2		0x01000000U	/* Solaris */
#define SADB_X_SAFLAGS_KM1		0x02000000U	/* Solaris */
#define SADB_X_SAFLAGS_EALG2		0x04000000U	/* Solaris */
#define SADB_X_SAFLAGS_EALG1		0x08000000U	/* Solaris */
#define SADB_X_SAFLAGS_AALG2		0x10000000U	/* Solaris */
#define SADB_SAFLAGS_NOPMTUDISC		0x20000000U	/* Linux */
#define SADB_SAFLAGS_DECAP_DSCP		0x40000000U	/* Linux */
#define SADB_SAFLAGS_NOECN		0x80000000U	/* Linux */
#define SADB_X_SAFLAGS_DIRECTION	(SADB_X_SAFLAGS_INBOUND | SADB_X_SAFLAGS_OUTBOUND)

/* ---------------------------------------------------------------- states */

#define SADB_SASTATE_LARVAL	0
#define SADB_SASTATE_MATURE	1
#define SADB_SASTATE_DYING	2
#define SADB_SASTATE_DEAD	3
#define SADB_SASTATE_MAX	3
/* Solaris cluster states, accepted in dumps only. */
#define SADB_X_SASTATE_ACTIVE_ELSEWHERE	4
#define SADB_X_SASTATE_IDLE		5
#define SADB_X_SASTATE_MAX		5

/* --------------------------------------------------------------- SA types */

#define SADB_SATYPE_UNSPEC	0
#define SADB_SATYPE_AH		2
#define SADB_SATYPE_ESP		3
#define SADB_SATYPE_RSVP	5
#define SADB_SATYPE_OSPFV2	6
#define SADB_SATYPE_RIPV2	7
#define SADB_SATYPE_MIP		8
#define SADB_X_SATYPE_IPCOMP	9
#define SADB_X_SATYPE_TCPSIGNATURE 11	/* KAME/FreeBSD: RFC 2385 TCP-MD5 */
#define SADB_SATYPE_MAX		11

/* ------------------------------------------------- authentication algorithms */

#define SADB_AALG_NONE			0
#define SADB_AALG_MD5HMAC		2
#define SADB_AALG_SHA1HMAC		3
#define SADB_X_AALG_SHA2_256HMAC	5
#define SADB_X_AALG_SHA2_384HMAC	6
#define SADB_X_AALG_SHA2_512HMAC	7
#define SADB_X_AALG_RIPEMD160HMAC	8
#define SADB_X_AALG_AES_XCBC_MAC	9
#define SADB_X_AALG_MD5			249	/* KAME: keyed-md5 */
#define SADB_X_AALG_SHA			250	/* KAME: keyed-sha1 */
#define SADB_X_AALG_NULL		251	/* KAME: for debugging */
#define SADB_X_AALG_TCP_MD5		252	/* KAME: RFC 2385 */
#define SADB_AALG_MAX			252

/* ----------------------------------------------------- encryption algorithms */

#define SADB_EALG_NONE			0
#define SADB_EALG_DESCBC		2
#define SADB_EALG_3DESCBC		3
#define SADB_X_EALG_CASTCBC		6
#define SADB_X_EALG_BLOWFISHCBC		7
#define SADB_EALG_NULL			11
#define SADB_X_EALG_AESCBC		12
#define SADB_X_EALG_AESCTR		13
#define SADB_X_EALG_AES_CCM_ICV8	14
#define SADB_X_EALG_AES_CCM_ICV12	15
#define SADB_X_EALG_AES_CCM_ICV16	16
#define SADB_X_EALG_AES_GCM_ICV8	18
#define SADB_X_EALG_AES_GCM_ICV12	19
#define SADB_X_EALG_AES_GCM_ICV16	20
#define SADB_X_EALG_CAMELLIACBC		22
#define SADB_X_EALG_NULL_AES_GMAC	23
#define SADB_X_EALG_SERPENTCBC		252	/* Linux */
#define SADB_X_EALG_TWOFISHCBC		253	/* Linux/KAME */
#define SADB_X_EALG_CHACHA20POLY1305	254	/* pfkey: RFC 7634, no Linux id */
#define SADB_EALG_MAX			254
#define SADB_X_EALG_RIJNDAELCBC		SADB_X_EALG_AESCBC

/* -------------------------------------------------- compression algorithms */

#define SADB_X_CALG_NONE	0
#define SADB_X_CALG_OUI		1
#define SADB_X_CALG_DEFLATE	2
#define SADB_X_CALG_LZS		3
#define SADB_X_CALG_LZJH	4
#define SADB_X_CALG_MAX		4

/* ---------------------------------------------------------- extension types */

#define SADB_EXT_RESERVED		0
#define SADB_EXT_SA			1
#define SADB_EXT_LIFETIME_CURRENT	2
#define SADB_EXT_LIFETIME_HARD		3
#define SADB_EXT_LIFETIME_SOFT		4
#define SADB_EXT_ADDRESS_SRC		5
#define SADB_EXT_ADDRESS_DST		6
#define SADB_EXT_ADDRESS_PROXY		7
#define SADB_EXT_KEY_AUTH		8
#define SADB_EXT_KEY_ENCRYPT		9
#define SADB_EXT_IDENTITY_SRC		10
#define SADB_EXT_IDENTITY_DST		11
#define SADB_EXT_SENSITIVITY		12
#define SADB_EXT_PROPOSAL		13
#define SADB_EXT_SUPPORTED_AUTH		14
#define SADB_EXT_SUPPORTED_ENCRYPT	15
#define SADB_EXT_SPIRANGE		16
#define SADB_X_EXT_KMPRIVATE		17
#define SADB_X_EXT_POLICY		18
#define SADB_X_EXT_SA2			19
#define SADB_X_EXT_NAT_T_TYPE		20
#define SADB_X_EXT_NAT_T_SPORT		21
#define SADB_X_EXT_NAT_T_DPORT		22
#define SADB_X_EXT_NAT_T_OA		23
#define SADB_X_EXT_SEC_CTX		24
#define SADB_X_EXT_KMADDRESS		25
#define SADB_X_EXT_FILTER		26
#define SADB_EXT_MAX			26	/* last Linux extension type */
/* Solaris/illumos extensions, renumbered above the Linux range. */
#define SADB_X_EXT_ADDRESS_INNER_SRC	SADB_EXT_ADDRESS_PROXY	/* as Solaris */
#define SADB_X_EXT_ADDRESS_INNER_DST	32
#define SADB_X_EXT_ADDRESS_NATT_LOC	33	/* NAT-T local (our public) */
#define SADB_X_EXT_ADDRESS_NATT_REM	34	/* NAT-T remote (peer's public) */
#define SADB_X_EXT_PAIR			35	/* struct sadb_x_pair */
#define SADB_X_EXT_REPLAY_VALUE		36	/* struct sadb_x_replay_ctr */
#define SADB_X_EXT_KM_COOKIE		37	/* struct sadb_x_kmc */
#define SADB_X_EXT_LIFETIME_IDLE	38	/* struct sadb_lifetime */
#define SADB_X_EXT_OUTER_SENS		39	/* struct sadb_sens (labels) */
#define SADB_PFKEY_EXT_MAX		39	/* last extension type of this ABI */

/* -------------------------------------------------------- identity types */

#define SADB_IDENTTYPE_RESERVED		0
#define SADB_IDENTTYPE_PREFIX		1
#define SADB_IDENTTYPE_FQDN		2
#define SADB_IDENTTYPE_USERFQDN		3
#define SADB_X_IDENTTYPE_DN		4	/* Solaris: DER distinguished name */
#define SADB_X_IDENTTYPE_GN		5	/* Solaris: DER general name */
#define SADB_X_IDENTTYPE_KEY_ID		6	/* Solaris */
#define SADB_X_IDENTTYPE_ADDR_RANGE	7	/* Solaris */
#define SADB_IDENTTYPE_MAX		7

/* ----------------------------------------- key management protocols (KMC) */

#define SADB_X_KMP_MANUAL	0
#define SADB_X_KMP_IKE		1
#define SADB_X_KMP_KINK		2
#define SADB_X_KMP_IKEV2	3
#define SADB_X_KMP_MAX		3

/* --------------------------------------------------- NAT-T encapsulation */

#define PK_UDP_ENCAP_ESPINUDP_NON_IKE	1
#define PK_UDP_ENCAP_ESPINUDP		2

/* ------------------------------------------ policy values (<linux/ipsec.h>) */

#define IPSEC_MODE_ANY		0
#define IPSEC_MODE_TRANSPORT	1
#define IPSEC_MODE_TUNNEL	2
#define IPSEC_MODE_BEET		3

#define IPSEC_DIR_ANY		0
#define IPSEC_DIR_INBOUND	1
#define IPSEC_DIR_OUTBOUND	2
#define IPSEC_DIR_FWD		3
#define IPSEC_DIR_MAX		4
#define IPSEC_DIR_INVALID	5

#define IPSEC_POLICY_DISCARD	0
#define IPSEC_POLICY_NONE	1
#define IPSEC_POLICY_IPSEC	2
#define IPSEC_POLICY_ENTRUST	3
#define IPSEC_POLICY_BYPASS	4

#define IPSEC_LEVEL_DEFAULT	0
#define IPSEC_LEVEL_USE		1
#define IPSEC_LEVEL_REQUIRE	2
#define IPSEC_LEVEL_UNIQUE	3

#define IPSEC_MANUAL_REQID_MAX	0x3fff
#define IPSEC_REPLAYWSIZE	32

/* Priority bases used by setkey's "low", "def" and "high". */
#define PK_PRIORITY_HIGH	0x40000000U
#define PK_PRIORITY_DEFAULT	0x80000000U
#define PK_PRIORITY_LOW		0xC0000000U

/* Upper-layer protocol "any" in sadb_address_proto. */
#define IPSEC_ULPROTO_ANY	255

/* ------------------------------------------------------------- diagnostics */
/*
 * Why a request failed, in the reply's sadb_msg_reserved.  0-83 are the
 * Solaris/illumos codes with their meaning and number; 100 and above are
 * pfkey's own, for the checks the Solaris list has no code for.  The texts
 * are in lib/diag.c (pk_diag_text()).
 */
#define SADB_X_DIAGNOSTIC_NONE			0
#define SADB_X_DIAGNOSTIC_UNKNOWN_MSG		1
#define SADB_X_DIAGNOSTIC_UNKNOWN_EXT		2
#define SADB_X_DIAGNOSTIC_BAD_EXTLEN		3
#define SADB_X_DIAGNOSTIC_UNKNOWN_SATYPE	4
#define SADB_X_DIAGNOSTIC_SATYPE_NEEDED		5
#define SADB_X_DIAGNOSTIC_NO_SADBS		6
#define SADB_X_DIAGNOSTIC_NO_EXT		7
#define SADB_X_DIAGNOSTIC_BAD_SRC_AF		8
#define SADB_X_DIAGNOSTIC_BAD_DST_AF		9
#define SADB_X_DIAGNOSTIC_BAD_PROXY_AF		10	/* inner source */
#define SADB_X_DIAGNOSTIC_BAD_INNER_SRC_AF	10
#define SADB_X_DIAGNOSTIC_AF_MISMATCH		11
#define SADB_X_DIAGNOSTIC_BAD_SRC		12
#define SADB_X_DIAGNOSTIC_BAD_DST		13
#define SADB_X_DIAGNOSTIC_ALLOC_HSERR		14
#define SADB_X_DIAGNOSTIC_BYTES_HSERR		15
#define SADB_X_DIAGNOSTIC_ADDTIME_HSERR		16
#define SADB_X_DIAGNOSTIC_USETIME_HSERR		17
#define SADB_X_DIAGNOSTIC_MISSING_SRC		18
#define SADB_X_DIAGNOSTIC_MISSING_DST		19
#define SADB_X_DIAGNOSTIC_MISSING_SA		20
#define SADB_X_DIAGNOSTIC_MISSING_EKEY		21
#define SADB_X_DIAGNOSTIC_MISSING_AKEY		22
#define SADB_X_DIAGNOSTIC_MISSING_RANGE		23
#define SADB_X_DIAGNOSTIC_DUPLICATE_SRC		24
#define SADB_X_DIAGNOSTIC_DUPLICATE_DST		25
#define SADB_X_DIAGNOSTIC_DUPLICATE_SA		26
#define SADB_X_DIAGNOSTIC_DUPLICATE_EKEY	27
#define SADB_X_DIAGNOSTIC_DUPLICATE_AKEY	28
#define SADB_X_DIAGNOSTIC_DUPLICATE_RANGE	29
#define SADB_X_DIAGNOSTIC_MALFORMED_SRC		30
#define SADB_X_DIAGNOSTIC_MALFORMED_DST		31
#define SADB_X_DIAGNOSTIC_MALFORMED_SA		32
#define SADB_X_DIAGNOSTIC_MALFORMED_EKEY	33
#define SADB_X_DIAGNOSTIC_MALFORMED_AKEY	34
#define SADB_X_DIAGNOSTIC_MALFORMED_RANGE	35
#define SADB_X_DIAGNOSTIC_AKEY_PRESENT		36
#define SADB_X_DIAGNOSTIC_EKEY_PRESENT		37
#define SADB_X_DIAGNOSTIC_PROP_PRESENT		38
#define SADB_X_DIAGNOSTIC_SUPP_PRESENT		39
#define SADB_X_DIAGNOSTIC_BAD_AALG		40
#define SADB_X_DIAGNOSTIC_BAD_EALG		41
#define SADB_X_DIAGNOSTIC_BAD_SAFLAGS		42
#define SADB_X_DIAGNOSTIC_BAD_SASTATE		43
#define SADB_X_DIAGNOSTIC_BAD_AKEYBITS		44
#define SADB_X_DIAGNOSTIC_BAD_EKEYBITS		45
#define SADB_X_DIAGNOSTIC_ENCR_NOTSUPP		46
#define SADB_X_DIAGNOSTIC_WEAK_EKEY		47
#define SADB_X_DIAGNOSTIC_WEAK_AKEY		48
#define SADB_X_DIAGNOSTIC_DUPLICATE_KMP		49
#define SADB_X_DIAGNOSTIC_DUPLICATE_KMC		50
#define SADB_X_DIAGNOSTIC_MISSING_NATT_LOC	51
#define SADB_X_DIAGNOSTIC_MISSING_NATT_REM	52
#define SADB_X_DIAGNOSTIC_DUPLICATE_NATT_LOC	53
#define SADB_X_DIAGNOSTIC_DUPLICATE_NATT_REM	54
#define SADB_X_DIAGNOSTIC_MALFORMED_NATT_LOC	55
#define SADB_X_DIAGNOSTIC_MALFORMED_NATT_REM	56
#define SADB_X_DIAGNOSTIC_DUPLICATE_NATT_PORTS	57
#define SADB_X_DIAGNOSTIC_MISSING_INNER_SRC	58
#define SADB_X_DIAGNOSTIC_MISSING_INNER_DST	59
#define SADB_X_DIAGNOSTIC_DUPLICATE_INNER_SRC	60
#define SADB_X_DIAGNOSTIC_DUPLICATE_INNER_DST	61
#define SADB_X_DIAGNOSTIC_MALFORMED_INNER_SRC	62
#define SADB_X_DIAGNOSTIC_MALFORMED_INNER_DST	63
#define SADB_X_DIAGNOSTIC_PREFIX_INNER_SRC	64
#define SADB_X_DIAGNOSTIC_PREFIX_INNER_DST	65
#define SADB_X_DIAGNOSTIC_BAD_INNER_DST_AF	66
#define SADB_X_DIAGNOSTIC_INNER_AF_MISMATCH	67
#define SADB_X_DIAGNOSTIC_BAD_NATT_REM_AF	68
#define SADB_X_DIAGNOSTIC_BAD_NATT_LOC_AF	69
#define SADB_X_DIAGNOSTIC_PROTO_MISMATCH	70
#define SADB_X_DIAGNOSTIC_INNER_PROTO_MISMATCH	71
#define SADB_X_DIAGNOSTIC_DUAL_PORT_SETS	72
#define SADB_X_DIAGNOSTIC_PAIR_INAPPROPRIATE	73
#define SADB_X_DIAGNOSTIC_PAIR_ADD_MISMATCH	74
#define SADB_X_DIAGNOSTIC_PAIR_ALREADY		75
#define SADB_X_DIAGNOSTIC_PAIR_SA_NOTFOUND	76
#define SADB_X_DIAGNOSTIC_BAD_SA_DIRECTION	77
#define SADB_X_DIAGNOSTIC_SA_NOTFOUND		78
#define SADB_X_DIAGNOSTIC_SA_EXPIRED		79
#define SADB_X_DIAGNOSTIC_BAD_CTX		80
#define SADB_X_DIAGNOSTIC_INVALID_REPLAY	81
#define SADB_X_DIAGNOSTIC_MISSING_LIFETIME	82
#define SADB_X_DIAGNOSTIC_BAD_LABEL		83
#define SADB_X_DIAGNOSTIC_SOLARIS_MAX		83
/* pfkey's own codes. */
#define SADB_X_DIAGNOSTIC_SHORT_MSG		100	/* fewer bytes than a header */
#define SADB_X_DIAGNOSTIC_BAD_VERSION		101	/* version other than 2 */
#define SADB_X_DIAGNOSTIC_BAD_MSGLEN		102	/* sadb_msg_len vs bytes */
#define SADB_X_DIAGNOSTIC_BAD_RESERVED		103	/* reserved field not zero */
#define SADB_X_DIAGNOSTIC_TRAILING_BYTES	104	/* bytes after the last ext */
#define SADB_X_DIAGNOSTIC_DUPLICATE_EXT		105	/* duplicate, no code above */
#define SADB_X_DIAGNOSTIC_MALFORMED_EXT		106	/* malformed, no code above */
#define SADB_X_DIAGNOSTIC_MISSING_EXT		107	/* missing, no code above */
#define SADB_X_DIAGNOSTIC_EXT_NOT_ALLOWED	108	/* ext not for this message */
#define SADB_X_DIAGNOSTIC_MALFORMED_POLICY	109
#define SADB_X_DIAGNOSTIC_MALFORMED_SUPP	110	/* supported-algorithm list */
#define SADB_X_DIAGNOSTIC_MALFORMED_LIFETIME	111
#define SADB_X_DIAGNOSTIC_MALFORMED_IDENTITY	112
#define SADB_X_DIAGNOSTIC_MALFORMED_SA2		113
#define SADB_X_DIAGNOSTIC_BAD_PREFIX		114	/* prefix > family maximum */
#define SADB_X_DIAGNOSTIC_BAD_POLICY_DIR	115
#define SADB_X_DIAGNOSTIC_BAD_POLICY_TYPE	116
#define SADB_X_DIAGNOSTIC_MAX			116

/* ------------------------------------------------- size and layout checks */

#define PK_ASSERT_SIZE(t, n) \
	_Static_assert(sizeof(struct t) == (n), "sizeof(struct " #t ") != " #n)
#define PK_ASSERT_OFF(t, f, n) \
	_Static_assert(offsetof(struct t, f) == (n), #t "." #f " not at " #n)

PK_ASSERT_SIZE(sadb_msg, 16);
PK_ASSERT_OFF(sadb_msg, sadb_msg_satype, 3);
PK_ASSERT_OFF(sadb_msg, sadb_msg_len, 4);
PK_ASSERT_OFF(sadb_msg, sadb_msg_reserved, 6);
PK_ASSERT_OFF(sadb_msg, sadb_msg_seq, 8);
PK_ASSERT_OFF(sadb_msg, sadb_msg_pid, 12);
PK_ASSERT_SIZE(sadb_ext, 4);
PK_ASSERT_SIZE(sadb_sa, 16);
PK_ASSERT_OFF(sadb_sa, sadb_sa_spi, 4);
PK_ASSERT_OFF(sadb_sa, sadb_sa_replay, 8);
PK_ASSERT_OFF(sadb_sa, sadb_sa_flags, 12);
PK_ASSERT_SIZE(sadb_lifetime, 32);
PK_ASSERT_OFF(sadb_lifetime, sadb_lifetime_bytes, 8);
PK_ASSERT_OFF(sadb_lifetime, sadb_lifetime_addtime, 16);
PK_ASSERT_OFF(sadb_lifetime, sadb_lifetime_usetime, 24);
PK_ASSERT_SIZE(sadb_address, 8);
PK_ASSERT_OFF(sadb_address, sadb_address_prefixlen, 5);
PK_ASSERT_SIZE(sadb_key, 8);
PK_ASSERT_OFF(sadb_key, sadb_key_bits, 4);
PK_ASSERT_SIZE(sadb_ident, 16);
PK_ASSERT_OFF(sadb_ident, sadb_ident_id, 8);
PK_ASSERT_SIZE(sadb_sens, 16);
PK_ASSERT_OFF(sadb_sens, sadb_sens_integ_len, 11);
PK_ASSERT_SIZE(sadb_prop, 8);
PK_ASSERT_SIZE(sadb_comb, 72);
PK_ASSERT_OFF(sadb_comb, sadb_comb_soft_bytes, 24);
PK_ASSERT_OFF(sadb_comb, sadb_comb_hard_usetime, 64);
PK_ASSERT_SIZE(sadb_supported, 8);
PK_ASSERT_SIZE(sadb_alg, 8);
PK_ASSERT_OFF(sadb_alg, sadb_alg_maxbits, 4);
PK_ASSERT_SIZE(sadb_spirange, 16);
PK_ASSERT_OFF(sadb_spirange, sadb_spirange_max, 8);
PK_ASSERT_SIZE(sadb_x_kmprivate, 8);
PK_ASSERT_SIZE(sadb_x_sa2, 16);
PK_ASSERT_OFF(sadb_x_sa2, sadb_x_sa2_sequence, 8);
PK_ASSERT_OFF(sadb_x_sa2, sadb_x_sa2_reqid, 12);
PK_ASSERT_SIZE(sadb_x_policy, 16);
PK_ASSERT_OFF(sadb_x_policy, sadb_x_policy_dir, 6);
PK_ASSERT_OFF(sadb_x_policy, sadb_x_policy_id, 8);
PK_ASSERT_OFF(sadb_x_policy, sadb_x_policy_priority, 12);
PK_ASSERT_SIZE(sadb_x_ipsecrequest, 16);
PK_ASSERT_OFF(sadb_x_ipsecrequest, sadb_x_ipsecrequest_mode, 4);
PK_ASSERT_OFF(sadb_x_ipsecrequest, sadb_x_ipsecrequest_reqid, 8);
PK_ASSERT_SIZE(sadb_x_nat_t_type, 8);
PK_ASSERT_SIZE(sadb_x_nat_t_port, 8);
PK_ASSERT_OFF(sadb_x_nat_t_port, sadb_x_nat_t_port_port, 4);
PK_ASSERT_SIZE(sadb_x_sec_ctx, 8);
PK_ASSERT_OFF(sadb_x_sec_ctx, sadb_x_ctx_len, 6);
PK_ASSERT_SIZE(sadb_x_kmaddress, 8);
PK_ASSERT_SIZE(sadb_x_filter, 40);
PK_ASSERT_OFF(sadb_x_filter, sadb_x_filter_family, 36);
PK_ASSERT_SIZE(sadb_x_pair, 8);
PK_ASSERT_SIZE(sadb_x_replay_ctr, 16);
PK_ASSERT_OFF(sadb_x_replay_ctr, sadb_x_rc_replay64, 8);
PK_ASSERT_SIZE(sadb_x_kmc, 16);
PK_ASSERT_OFF(sadb_x_kmc, sadb_x_kmc_cookie, 8);

#endif /* PFKEY_PFKEYV2_H */
