/*
 * fixtures_build.c - valid messages made with the builder: one or more of
 * every message type, and every extension type at least once.  Used by the
 * round-trip tests, the mutator and the fuzz seed corpus.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "fixtures.h"
#include "pfkey/msg.h"

struct sockaddr *fixture_sa(struct sockaddr_storage *ss, const char *addr,
			    uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(addr, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &s6->sin6_addr);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		inet_pton(AF_INET, addr, &s4->sin_addr);
	}
	return (struct sockaddr *)ss;
}

static const uint8_t akey[20] = {
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23,
	0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67,
};
static const uint8_t ekey[36] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
	0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0xde,
	0xad, 0xbe, 0xef,
};

typedef void (*fill_fn)(struct pk_buf *b);

static void sa_names(struct pk_buf *b, const char *src, const char *dst)
{
	struct sockaddr_storage s, d;

	pk_add_address(b, SADB_EXT_ADDRESS_SRC, fixture_sa(&s, src, 0), 0,
		       strchr(src, ':') ? 128 : 32);
	pk_add_address(b, SADB_EXT_ADDRESS_DST, fixture_sa(&d, dst, 0), 0,
		       strchr(dst, ':') ? 128 : 32);
}

static void add_esp(struct pk_buf *b)
{
	pk_msg_begin(b, SADB_ADD, SADB_SATYPE_ESP, 1, 4242);
	pk_add_sa(b, 0x1234, 32, SADB_SASTATE_MATURE, SADB_AALG_SHA1HMAC,
		  SADB_X_EALG_AESCBC, SADB_X_SAFLAGS_OUTBOUND);
	pk_add_lifetime(b, SADB_EXT_LIFETIME_HARD, 100, 1000000, 3600, 1800);
	pk_add_lifetime(b, SADB_EXT_LIFETIME_SOFT, 80, 800000, 2880, 1440);
	pk_add_lifetime(b, SADB_X_EXT_LIFETIME_IDLE, 0, 0, 1800, 900);
	sa_names(b, "192.168.1.1", "192.168.1.2");
	pk_add_key(b, SADB_EXT_KEY_AUTH, akey, 160, 0);
	pk_add_key(b, SADB_EXT_KEY_ENCRYPT, ekey, 128, 0);
	pk_add_sa2(b, IPSEC_MODE_TRANSPORT, 16385, 0);
	pk_add_ident(b, SADB_EXT_IDENTITY_SRC, SADB_IDENTTYPE_FQDN, 0,
		     "gw1.example.com");
	pk_add_ident(b, SADB_EXT_IDENTITY_DST, SADB_IDENTTYPE_USERFQDN, 0,
		     "root@gw2.example.com");
	pk_add_replay_value(b, 7, 7);
	pk_add_kmc(b, SADB_X_KMP_IKEV2, 0x0102030405060708ULL);
}

static void add_esp_tunnel_natt_pair(struct pk_buf *b)
{
	struct sockaddr_storage s;

	pk_msg_begin(b, SADB_ADD, SADB_SATYPE_ESP, 2, 4242);
	pk_add_sa(b, 0x2000, 0, SADB_SASTATE_MATURE, SADB_AALG_NONE,
		  SADB_X_EALG_AES_GCM_ICV16, SADB_X_SAFLAGS_INBOUND);
	sa_names(b, "10.0.0.1", "10.0.0.2");
	pk_add_address(b, SADB_EXT_ADDRESS_PROXY,
		       fixture_sa(&s, "172.16.0.0", 0), 0, 16);
	pk_add_address(b, SADB_X_EXT_ADDRESS_INNER_DST,
		       fixture_sa(&s, "172.17.0.0", 0), 0, 16);
	pk_add_key(b, SADB_EXT_KEY_ENCRYPT, ekey, 160, 32);
	pk_add_nat_t_type(b, PK_UDP_ENCAP_ESPINUDP);
	pk_add_nat_t_port(b, SADB_X_EXT_NAT_T_SPORT, 4500);
	pk_add_nat_t_port(b, SADB_X_EXT_NAT_T_DPORT, 4500);
	pk_add_address(b, SADB_X_EXT_NAT_T_OA,
		       fixture_sa(&s, "192.168.0.10", 0), 0, 32);
	pk_add_address(b, SADB_X_EXT_ADDRESS_NATT_LOC,
		       fixture_sa(&s, "198.51.100.1", 4500), 0, 32);
	pk_add_address(b, SADB_X_EXT_ADDRESS_NATT_REM,
		       fixture_sa(&s, "203.0.113.1", 4500), 0, 32);
	pk_add_pair(b, 0x2001);
	pk_add_sec_ctx(b, 1, 1, "system_u:object_r:ipsec_spd_t:s0", 32);
}

static void add_ah_v6(struct pk_buf *b)
{
	pk_msg_begin(b, SADB_ADD, SADB_SATYPE_AH, 3, 4242);
	pk_add_sa(b, 0x3000, 0, SADB_SASTATE_MATURE,
		  SADB_X_AALG_SHA2_256HMAC, SADB_EALG_NONE, 0);
	sa_names(b, "fd00::1", "fd00::2");
	pk_add_key(b, SADB_EXT_KEY_AUTH, ekey, 256, 0);
	pk_add_sens(b, SADB_EXT_SENSITIVITY, 1, 2,
		    (const uint64_t[]){ 0xff }, 1, 0, NULL, 0);
	pk_add_sens(b, SADB_X_EXT_OUTER_SENS, 1, 3,
		    (const uint64_t[]){ 0x1, 0x2 }, 2, 1,
		    (const uint64_t[]){ 0x3 }, 1);
}

static void add_ipcomp(struct pk_buf *b)
{
	pk_msg_begin(b, SADB_ADD, SADB_X_SATYPE_IPCOMP, 4, 4242);
	pk_add_sa(b, 0x4000, 0, SADB_SASTATE_MATURE, SADB_AALG_NONE,
		  SADB_X_CALG_DEFLATE, SADB_X_EXT_RAWCPI);
	sa_names(b, "10.0.0.1", "10.0.0.2");
}

static void update_odd_key(struct pk_buf *b)
{
	pk_msg_begin(b, SADB_UPDATE, SADB_SATYPE_ESP, 5, 4242);
	pk_add_sa(b, 0x5000, 4, SADB_SASTATE_MATURE, SADB_AALG_MD5HMAC,
		  SADB_X_EALG_BLOWFISHCBC, 0);
	sa_names(b, "10.1.1.1", "10.1.1.2");
	pk_add_key(b, SADB_EXT_KEY_AUTH, akey, 128, 0);
	pk_add_key(b, SADB_EXT_KEY_ENCRYPT, ekey, 44, 0);	/* 5.5 bytes */
}

static void getspi(struct pk_buf *b)
{
	pk_msg_begin(b, SADB_GETSPI, SADB_SATYPE_ESP, 6, 4242);
	sa_names(b, "10.0.0.1", "10.0.0.2");
	pk_add_spirange(b, 0x100, 0x0fffffff);
	pk_add_sa2(b, IPSEC_MODE_TUNNEL, 0, 0);
}

static void get_sa(struct pk_buf *b)
{
	pk_msg_begin(b, SADB_GET, SADB_SATYPE_ESP, 7, 4242);
	pk_add_sa(b, 0x1234, 0, 0, 0, 0, 0);
	sa_names(b, "192.168.1.1", "192.168.1.2");
}

static void delete_sa(struct pk_buf *b)
{
	pk_msg_begin(b, SADB_DELETE, SADB_SATYPE_AH, 8, 4242);
	pk_add_sa(b, 0x3000, 0, 0, 0, 0, 0);
	sa_names(b, "fd00::1", "fd00::2");
}

static void acquire(struct pk_buf *b)
{
	struct sadb_comb c = {
		.sadb_comb_auth = SADB_AALG_SHA1HMAC,
		.sadb_comb_encrypt = SADB_X_EALG_AESCBC,
		.sadb_comb_auth_minbits = 160, .sadb_comb_auth_maxbits = 160,
		.sadb_comb_encrypt_minbits = 128,
		.sadb_comb_encrypt_maxbits = 256,
		.sadb_comb_soft_addtime = 2880, .sadb_comb_hard_addtime = 3600,
	};

	pk_msg_begin(b, SADB_ACQUIRE, SADB_SATYPE_ESP, 9, 0);
	sa_names(b, "10.0.0.1", "10.0.0.2");
	pk_add_prop(b, 32, (struct sadb_comb[]){ c, c }, 2);
	pk_add_policy(b, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 7, 0);
}

static void header_only(struct pk_buf *b, uint8_t type, uint8_t satype)
{
	pk_msg_begin(b, type, satype, 10, 4242);
}

static void register_esp(struct pk_buf *b) { header_only(b, SADB_REGISTER, SADB_SATYPE_ESP); }
static void flush_all(struct pk_buf *b) { header_only(b, SADB_FLUSH, SADB_SATYPE_UNSPEC); }
static void dump_esp(struct pk_buf *b) { header_only(b, SADB_DUMP, SADB_SATYPE_ESP); }
static void promisc_on(struct pk_buf *b) { header_only(b, SADB_X_PROMISC, 1); }
static void spddump(struct pk_buf *b) { header_only(b, SADB_X_SPDDUMP, 0); }
static void spdflush(struct pk_buf *b) { header_only(b, SADB_X_SPDFLUSH, 0); }

static void register_reply(struct pk_buf *b)
{
	static const struct sadb_alg auth[] = {
		{ SADB_AALG_SHA1HMAC, 0, 160, 160, 0 },
		{ SADB_X_AALG_SHA2_256HMAC, 0, 256, 256, 0 },
	};
	static const struct sadb_alg encr[] = {
		{ SADB_EALG_NULL, 0, 0, 0, 0 },
		{ SADB_X_EALG_AESCBC, 16, 128, 256, 0 },
		{ SADB_X_EALG_AESCTR, 8, 160, 288, 0 },
	};

	pk_msg_begin(b, SADB_REGISTER, SADB_SATYPE_ESP, 11, 4242);
	pk_add_supported(b, SADB_EXT_SUPPORTED_AUTH, auth, 2);
	pk_add_supported(b, SADB_EXT_SUPPORTED_ENCRYPT, encr, 3);
}

static void expire_soft(struct pk_buf *b)
{
	pk_msg_begin(b, SADB_EXPIRE, SADB_SATYPE_ESP, 0, 0);
	pk_add_sa(b, 0x1234, 32, SADB_SASTATE_DYING, SADB_AALG_SHA1HMAC,
		  SADB_X_EALG_AESCBC, 0);
	pk_add_lifetime(b, SADB_EXT_LIFETIME_CURRENT, 0, 4096, 1700000000, 0);
	pk_add_lifetime(b, SADB_EXT_LIFETIME_SOFT, 0, 0, 2, 0);
	sa_names(b, "192.168.1.1", "192.168.1.2");
}

static void dump_filter(struct pk_buf *b)
{
	struct in_addr s, d;

	inet_pton(AF_INET, "10.0.0.0", &s);
	inet_pton(AF_INET, "10.1.0.0", &d);
	pk_msg_begin(b, SADB_DUMP, SADB_SATYPE_UNSPEC, 12, 4242);
	pk_add_filter(b, AF_INET, &s, 8, &d, 16);
}

static void kmprivate_acquire(struct pk_buf *b)
{
	pk_msg_begin(b, SADB_X_SPDACQUIRE, 0, 13, 0);
	pk_add_kmprivate(b, "racoon", 6);
	pk_add_policy(b, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 9, 0);
}

static void spd_selector(struct pk_buf *b, uint8_t type, const char *src,
			 uint8_t splen, const char *dst, uint8_t dplen,
			 uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct sockaddr_storage s, d;

	pk_msg_begin(b, type, 0, 14, 4242);
	pk_add_address(b, SADB_EXT_ADDRESS_SRC, fixture_sa(&s, src, sport),
		       proto, splen);
	pk_add_address(b, SADB_EXT_ADDRESS_DST, fixture_sa(&d, dst, dport),
		       proto, dplen);
}

static void spdadd_two_requests(struct pk_buf *b)
{
	struct sockaddr_storage ts, td;

	spd_selector(b, SADB_X_SPDADD, "10.0.0.0", 24, "10.0.1.0", 24,
		     IPPROTO_TCP, 0, 80);
	pk_add_lifetime(b, SADB_EXT_LIFETIME_HARD, 0, 0, 3600, 0);
	pk_add_policy(b, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0,
		      PK_PRIORITY_HIGH - 5);
	pk_add_policy_request(b, IPPROTO_ESP, IPSEC_MODE_TUNNEL,
			      IPSEC_LEVEL_REQUIRE, 0,
			      fixture_sa(&ts, "192.0.2.1", 4500),
			      fixture_sa(&td, "192.0.2.2", 4500));
	pk_add_policy_request(b, IPPROTO_AH, IPSEC_MODE_TRANSPORT,
			      IPSEC_LEVEL_USE, 0, NULL, NULL);
}

static void spdupdate_v6_unique(struct pk_buf *b)
{
	struct sockaddr_storage ts, td;

	spd_selector(b, SADB_X_SPDUPDATE, "fd00::", 64, "fd01::", 64,
		     IPPROTO_ICMPV6, 0, 0);
	pk_add_policy(b, IPSEC_POLICY_IPSEC, IPSEC_DIR_INBOUND, 3,
		      PK_PRIORITY_DEFAULT);
	pk_add_policy_request(b, IPPROTO_ESP, IPSEC_MODE_TUNNEL,
			      IPSEC_LEVEL_UNIQUE, 100,
			      fixture_sa(&ts, "2001:db8::1", 0),
			      fixture_sa(&td, "2001:db8::2", 0));
	pk_add_policy_request(b, IPPROTO_COMP, IPSEC_MODE_TRANSPORT,
			      IPSEC_LEVEL_USE, 0, NULL, NULL);
}

static void spdadd_discard(struct pk_buf *b)
{
	spd_selector(b, SADB_X_SPDADD, "0.0.0.0", 0, "0.0.0.0", 0,
		     IPSEC_ULPROTO_ANY, 0, 0);
	pk_add_policy(b, IPSEC_POLICY_DISCARD, IPSEC_DIR_FWD, 0,
		      PK_PRIORITY_LOW);
}

static void spddelete(struct pk_buf *b)
{
	spd_selector(b, SADB_X_SPDDELETE, "10.0.0.0", 24, "10.0.1.0", 24,
		     IPPROTO_TCP, 0, 80);
	pk_add_policy(b, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
}

static void spdsetidx(struct pk_buf *b)
{
	spd_selector(b, SADB_X_SPDSETIDX, "10.0.0.1", 32, "10.0.0.2", 32,
		     IPPROTO_UDP, 500, 500);
	pk_add_policy(b, IPSEC_POLICY_NONE, IPSEC_DIR_OUTBOUND, 0, 0);
}

static void spd_by_id(struct pk_buf *b, uint8_t type)
{
	pk_msg_begin(b, type, 0, 15, 4242);
	pk_add_policy(b, IPSEC_POLICY_IPSEC, IPSEC_DIR_ANY, 42, 0);
}

static void spdget(struct pk_buf *b) { spd_by_id(b, SADB_X_SPDGET); }
static void spddelete2(struct pk_buf *b) { spd_by_id(b, SADB_X_SPDDELETE2); }

static void spdexpire(struct pk_buf *b)
{
	spd_selector(b, SADB_X_SPDEXPIRE, "10.0.0.0", 24, "10.0.1.0", 24,
		     IPPROTO_TCP, 0, 80);
	pk_add_lifetime(b, SADB_EXT_LIFETIME_CURRENT, 0, 0, 1700000000, 0);
	pk_add_lifetime(b, SADB_EXT_LIFETIME_HARD, 0, 0, 3600, 0);
	pk_add_policy(b, IPSEC_POLICY_BYPASS, IPSEC_DIR_OUTBOUND, 42, 0);
}

static void pchange(struct pk_buf *b)
{
	spd_selector(b, SADB_X_PCHANGE, "10.0.0.0", 24, "10.0.1.0", 24,
		     IPPROTO_TCP, 0, 80);
	pk_add_policy(b, IPSEC_POLICY_ENTRUST, IPSEC_DIR_OUTBOUND, 42, 0);
}

static void nat_t_new_mapping(struct pk_buf *b)
{
	pk_msg_begin(b, SADB_X_NAT_T_NEW_MAPPING, SADB_SATYPE_ESP, 0, 0);
	pk_add_sa(b, 0x2000, 0, SADB_SASTATE_MATURE, 0, 0, 0);
	sa_names(b, "10.0.0.1", "10.0.0.2");
	pk_add_nat_t_port(b, SADB_X_EXT_NAT_T_SPORT, 4500);
	pk_add_nat_t_port(b, SADB_X_EXT_NAT_T_DPORT, 14500);
}

static void migrate(struct pk_buf *b)
{
	struct sockaddr_storage l, r, ts, td;

	spd_selector(b, SADB_X_MIGRATE, "10.0.0.0", 24, "10.0.1.0", 24,
		     IPSEC_ULPROTO_ANY, 0, 0);
	pk_add_policy(b, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	pk_add_policy_request(b, IPPROTO_ESP, IPSEC_MODE_TUNNEL,
			      IPSEC_LEVEL_REQUIRE, 0,
			      fixture_sa(&ts, "192.0.2.1", 0),
			      fixture_sa(&td, "192.0.2.2", 0));
	pk_add_policy_request(b, IPPROTO_ESP, IPSEC_MODE_TUNNEL,
			      IPSEC_LEVEL_REQUIRE, 0,
			      fixture_sa(&ts, "192.0.2.11", 0),
			      fixture_sa(&td, "192.0.2.2", 0));
	pk_add_kmaddress(b, fixture_sa(&l, "192.0.2.11", 0),
			 fixture_sa(&r, "192.0.2.2", 0));
}

static void updatepair(struct pk_buf *b)
{
	pk_msg_begin(b, SADB_X_UPDATEPAIR, SADB_SATYPE_ESP, 16, 4242);
	pk_add_sa(b, 0x1234, 0, SADB_SASTATE_MATURE, 0, 0, 0);
	sa_names(b, "192.168.1.1", "192.168.1.2");
	pk_add_lifetime(b, SADB_EXT_LIFETIME_HARD, 0, 0, 7200, 0);
}

static void delpair(struct pk_buf *b)
{
	pk_msg_begin(b, SADB_X_DELPAIR, SADB_SATYPE_ESP, 17, 4242);
	pk_add_sa(b, 0x1234, 0, 0, 0, 0, 0);
	sa_names(b, "192.168.1.1", "192.168.1.2");
}

static void inverse_acquire(struct pk_buf *b)
{
	pk_msg_begin(b, SADB_X_INVERSE_ACQUIRE, SADB_SATYPE_UNSPEC, 18, 4242);
	sa_names(b, "10.0.0.1", "10.0.0.2");
}

static void delpair_state(struct pk_buf *b)
{
	pk_msg_begin(b, SADB_X_DELPAIR_STATE, SADB_SATYPE_ESP, 19, 4242);
	pk_add_sa(b, 0, 0, SADB_SASTATE_DYING, 0, 0, 0);
}

static void error_reply(struct pk_buf *b)
{
	pk_msg_begin(b, SADB_ADD, SADB_SATYPE_ESP, 20, 4242);
	pk_buf_msg(b)->sadb_msg_errno = 22;
	pk_buf_msg(b)->sadb_msg_reserved = SADB_X_DIAGNOSTIC_BAD_EKEYBITS;
}

static const struct {
	const char	*name;
	fill_fn		fill;
} builders[] = {
	{ "add-esp", add_esp },
	{ "add-esp-tunnel-natt-pair", add_esp_tunnel_natt_pair },
	{ "add-ah-v6", add_ah_v6 },
	{ "add-ipcomp", add_ipcomp },
	{ "update-odd-key", update_odd_key },
	{ "getspi", getspi },
	{ "get", get_sa },
	{ "delete", delete_sa },
	{ "acquire", acquire },
	{ "register", register_esp },
	{ "register-reply", register_reply },
	{ "expire-soft", expire_soft },
	{ "flush", flush_all },
	{ "dump", dump_esp },
	{ "dump-filter", dump_filter },
	{ "promisc", promisc_on },
	{ "pchange", pchange },
	{ "spdupdate-v6-unique", spdupdate_v6_unique },
	{ "spdadd-two-requests", spdadd_two_requests },
	{ "spdadd-discard", spdadd_discard },
	{ "spddelete", spddelete },
	{ "spdget", spdget },
	{ "spdacquire-kmprivate", kmprivate_acquire },
	{ "spddump", spddump },
	{ "spdflush", spdflush },
	{ "spdsetidx", spdsetidx },
	{ "spdexpire", spdexpire },
	{ "spddelete2", spddelete2 },
	{ "nat-t-new-mapping", nat_t_new_mapping },
	{ "migrate", migrate },
	{ "updatepair", updatepair },
	{ "delpair", delpair },
	{ "inverse-acquire", inverse_acquire },
	{ "delpair-state", delpair_state },
	{ "error-reply", error_reply },
};

size_t fixtures_build_all(struct fixture *f, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof(builders) / sizeof(builders[0]) && n < max;
	     i++) {
		struct pk_buf b;

		memset(&f[n], 0, sizeof(f[n]));
		pk_buf_init(&b, f[n].buf, sizeof(f[n].buf));
		builders[i].fill(&b);
		/* A builder error leaves a message that fails to parse, which
		 * every user of the fixtures asserts against. */
		f[n].name = builders[i].name;
		f[n].len = b.len;
		n++;
	}
	return n;
}
