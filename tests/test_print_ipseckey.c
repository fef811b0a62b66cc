/*
 * test_print_ipseckey.c - ipseckey's listing and save formats
 * (lib/print_ipseckey.c): exact text for messages built with the pk_add_*
 * builder and validated by pk_msg_parse(), as get, dump, monitor and save
 * print them.
 *
 * Times are printed in local time: main() sets TZ=UTC.  Every listing is
 * made with PK_IPSECKEY_NUMERIC (no name service is asked) except where a
 * test says otherwise and avoids lookups.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "pfkey/alg.h"
#include "pfkey/msg.h"
#include "pfkey/pfkeyv2.h"
#include "pfkey/print_ipseckey.h"
#include "fixtures.h"

#define N	PK_IPSECKEY_NUMERIC

/* Mon Nov 23 16:05:14 2026 UTC */
#define T0	((time_t)1795449914)

/* ------------------------------------------------------------ helpers */

/* The message under construction and, once finished, parsed. */
static struct {
	uint8_t		buf[4096] __attribute__((aligned(8)));
	struct pk_buf	b;
	struct pk_msg	m;
} T;

static const uint8_t akey160[20] = {
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23,
	0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67,
};
static const uint8_t ekey128[16] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
};
/* aes-gcm16: 128-bit key, then the 32-bit salt 01020304. */
static const uint8_t gcmkey[20] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
	0x01, 0x02, 0x03, 0x04,
};

static void begin(uint8_t type, uint8_t satype, uint32_t seq, uint32_t pid)
{
	pk_buf_init(&T.b, T.buf, sizeof(T.buf));
	assert_int_equal(pk_msg_begin(&T.b, type, satype, seq, pid), 0);
}

static void addr(uint16_t type, const char *a, uint16_t port, uint8_t proto,
		 uint8_t prefix)
{
	struct sockaddr_storage ss;

	assert_int_equal(pk_add_address(&T.b, type, fixture_sa(&ss, a, port),
					proto, prefix), 0);
}

static void finish(void)
{
	struct pk_diag d;

	assert_int_equal(pk_buf_error(&T.b), 0);
	assert_int_equal(pk_msg_parse(&T.m, T.buf, T.b.len, &d), 0);
}

static char *listing(unsigned flags, time_t now)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	assert_non_null(f);
	assert_int_equal(pk_ipseckey_print_msg(f, &T.m, flags, now), 0);
	assert_int_equal(fclose(f), 0);
	assert_non_null(text);
	return text;
}

static void expect_listing(unsigned flags, time_t now, const char *want)
{
	char *text = listing(flags, now);

	assert_string_equal(text, want);
	free(text);
}

/* The listing must contain want (a run of whole lines). */
static void expect_lines(unsigned flags, const char *want)
{
	char *text = listing(flags, T0);

	if (strstr(text, want) == NULL)
		fail_msg("missing:\n%s\nin:\n%s", want, text);
	free(text);
}

static char *save_text(unsigned flags, int *rc)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	assert_non_null(f);
	*rc = pk_ipseckey_print_save(f, &T.m, flags);
	assert_int_equal(fclose(f), 0);
	assert_non_null(text);
	return text;
}

static void expect_save(unsigned flags, const char *want)
{
	int rc;
	char *text = save_text(flags, &rc);

	assert_int_equal(rc, 0);
	assert_string_equal(text, want);
	free(text);
}

/* The SA of reference section 4: esp, spi 0x1234, hmac-sha1, aes-cbc. */
static void ref_sa(uint8_t type)
{
	begin(type, SADB_SATYPE_ESP, 7, 42);
	assert_int_equal(pk_add_sa(&T.b, 0x1234, 0, SADB_SASTATE_MATURE,
				   SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC,
				   SADB_X_SAFLAGS_OUTBOUND), 0);
	/* Kernels put the current lifetime before the addresses. */
	assert_int_equal(pk_add_lifetime(&T.b, SADB_EXT_LIFETIME_CURRENT,
					 0, 0, (uint64_t)T0, 0), 0);
	addr(SADB_EXT_ADDRESS_SRC, "192.168.1.1", 0, 0, 32);
	addr(SADB_EXT_ADDRESS_DST, "192.168.1.2", 0, 0, 32);
	assert_int_equal(pk_add_key(&T.b, SADB_EXT_KEY_AUTH, akey160, 160, 0),
			 0);
	assert_int_equal(pk_add_key(&T.b, SADB_EXT_KEY_ENCRYPT, ekey128, 128,
				    0), 0);
	finish();
}

/* ------------------------------------------------------------ listing */

static void test_reference_example(void **state)
{
	(void)state;
	ref_sa(SADB_GET);
	expect_listing(N, T0 + 60,
		"Base message (version 2) type GET, SA type ESP.\n"
		"Message length 168 bytes, seq=7, pid=42.\n"
		"SA: SADB_ASSOC spi=0x1234, replay window size=0, state=MATURE\n"
		"SA: Authentication algorithm = hmac-sha1\n"
		"SA: Encryption algorithm = aes-cbc\n"
		"SA: flags=0x8000 < X_OUTBOUND >\n"
		"SRC: Source address (proto=0)\n"
		"SRC: AF_INET: port 0, 192.168.1.1.\n"
		"DST: Destination address (proto=0)\n"
		"DST: AF_INET: port 0, 192.168.1.2.\n"
		"AKY: Authentication key.\n"
		"AKY: 0123456789abcdef0123456789abcdef01234567/160\n"
		"EKY: Encryption key.\n"
		"EKY: 00112233445566778899aabbccddeeff/128\n"
		" LT: Lifetime information\n"
		"CLT: Current lifetime information:\n"
		"CLT: 0 bytes protected, 0 allocations used.\n"
		"CLT: SA added at time: Mon Nov 23 16:05:14 2026\n"
		"CLT: Time now is Mon Nov 23 16:06:14 2026\n");
}

/* The first line of the listing of a message built as given. */
static void expect_first_line(uint8_t type, uint8_t satype, const char *want)
{
	char *text, *nl;

	begin(type, satype, 1, 1);
	finish();
	text = listing(N, T0);
	nl = strchr(text, '\n');
	assert_non_null(nl);
	*nl = '\0';
	assert_string_equal(text, want);
	free(text);
}

static void test_message_type_names(void **state)
{
	static const struct {
		uint8_t		type;
		const char	*name;
	} types[] = {
		{ SADB_GETSPI, "GETSPI" }, { SADB_UPDATE, "UPDATE" },
		{ SADB_X_UPDATEPAIR, "UPDATE PAIR" }, { SADB_ADD, "ADD" },
		{ SADB_DELETE, "DELETE" }, { SADB_X_DELPAIR, "DELETE PAIR" },
		{ SADB_GET, "GET" }, { SADB_ACQUIRE, "ACQUIRE" },
		{ SADB_REGISTER, "REGISTER" }, { SADB_EXPIRE, "EXPIRE" },
		{ SADB_FLUSH, "FLUSH" }, { SADB_DUMP, "DUMP" },
		{ SADB_X_PROMISC, "X_PROMISC" },
		{ SADB_X_INVERSE_ACQUIRE, "X_INVERSE_ACQUIRE" },
		{ SADB_X_SPDADD, "X_SPDADD" }, { SADB_X_SPDDUMP, "X_SPDDUMP" },
		{ SADB_X_SPDDELETE2, "X_SPDDELETE2" },
		{ SADB_X_MIGRATE, "X_MIGRATE" },
	};
	char want[128];

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		snprintf(want, sizeof(want),
			 "Base message (version 2) type %s, SA type AH.",
			 types[i].name);
		expect_first_line(types[i].type, SADB_SATYPE_AH, want);
	}
}

static void test_sa_type_names(void **state)
{
	(void)state;
	expect_first_line(SADB_FLUSH, SADB_SATYPE_UNSPEC,
		"Base message (version 2) type FLUSH, SA type <unspecified/all>.");
	expect_first_line(SADB_FLUSH, SADB_SATYPE_ESP,
		"Base message (version 2) type FLUSH, SA type ESP.");
	expect_first_line(SADB_FLUSH, SADB_X_SATYPE_IPCOMP,
		"Base message (version 2) type FLUSH, SA type IPCOMP.");
	expect_first_line(SADB_FLUSH, SADB_X_SATYPE_TCPSIGNATURE,
		"Base message (version 2) type FLUSH, SA type TCPSIGNATURE.");
}

/* A header the parser refuses (unknown type, version), printed anyway. */
static void test_unknown_type_and_satype(void **state)
{
	static struct sadb_msg h __attribute__((aligned(8)));
	struct pk_msg m;
	char *text = NULL;
	size_t size = 0;
	FILE *f;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.sadb_msg_version = 3;
	h.sadb_msg_type = 200;
	h.sadb_msg_satype = 99;
	h.sadb_msg_len = 2;
	h.sadb_msg_seq = 5;
	h.sadb_msg_pid = 6;
	memset(&m, 0, sizeof(m));
	m.hdr = &h;
	m.len = sizeof(h);
	f = open_memstream(&text, &size);
	assert_non_null(f);
	assert_int_equal(pk_ipseckey_print_msg(f, &m, N, T0), 0);
	fclose(f);
	assert_string_equal(text,
		"Base message (version 3) type Unknown (200), SA type "
		"<unknown 99>.\n"
		"Message length 16 bytes, seq=5, pid=6.\n");
	free(text);

	/* No message at all. */
	m.hdr = NULL;
	f = open_memstream(&text, &size);
	assert_int_equal(pk_ipseckey_print_msg(f, &m, N, T0), -EINVAL);
	fclose(f);
	free(text);
}

static void test_error_replies(void **state)
{
	(void)state;
	begin(SADB_ADD, SADB_SATYPE_ESP, 3, 99);
	pk_buf_msg(&T.b)->sadb_msg_errno = EINVAL;
	pk_buf_msg(&T.b)->sadb_x_msg_diagnostic =
		SADB_X_DIAGNOSTIC_BAD_EALG;
	finish();
	expect_listing(N, T0,
		"Base message (version 2) type ADD, SA type ESP.\n"
		"Error Invalid argument from PF_KEY.\n"
		"  Diagnostic code 41:  Unsupported encryption algorithm.\n"
		"Message length 16 bytes, seq=3, pid=99.\n");

	begin(SADB_GET, SADB_SATYPE_AH, 4, 99);
	pk_buf_msg(&T.b)->sadb_msg_errno = ESRCH;
	finish();
	expect_listing(N, T0,
		"Base message (version 2) type GET, SA type AH.\n"
		"Error No such process from PF_KEY.\n"
		"  Diagnostic code 0:  No diagnostic.\n"
		"Message length 16 bytes, seq=4, pid=99.\n");

	/* pfkey's own code, and one nobody defines. */
	begin(SADB_ADD, SADB_SATYPE_ESP, 5, 99);
	pk_buf_msg(&T.b)->sadb_msg_errno = EINVAL;
	pk_buf_msg(&T.b)->sadb_x_msg_diagnostic = 999;
	finish();
	expect_lines(N, "  Diagnostic code 999:  Unknown diagnostic code.\n");
}

static void test_sa_flags_and_states(void **state)
{
	(void)state;
	begin(SADB_GET, SADB_SATYPE_ESP, 1, 1);
	pk_add_sa(&T.b, 0xdeadbeef, 32, SADB_SASTATE_DYING,
		  SADB_AALG_MD5HMAC, SADB_EALG_3DESCBC,
		  SADB_SAFLAGS_PFS | SADB_X_SAFLAGS_USED |
		  SADB_X_SAFLAGS_PAIRED | SADB_X_SAFLAGS_OUTBOUND |
		  SADB_X_SAFLAGS_NATTED | SADB_SAFLAGS_NOECN | 0x8 | 0x40);
	finish();
	expect_lines(N,
		"SA: SADB_ASSOC spi=0xdeadbeef, replay window size=32, "
		"state=DYING\n"
		"SA: Authentication algorithm = hmac-md5\n"
		"SA: Encryption algorithm = 3des-cbc\n"
		"SA: flags=0x80019449 < PFS X_USED X_PAIRED X_OUTBOUND "
		"X_NATTED NOECN 0x8 0x40 >\n");

	/* Every Solaris flag, in the documented order. */
	begin(SADB_GET, SADB_SATYPE_ESP, 1, 1);
	pk_add_sa(&T.b, 1, 0, SADB_X_SASTATE_IDLE, 0, SADB_EALG_NULL,
		  SADB_X_SAFLAGS_NATTED | SADB_X_SAFLAGS_TUNNEL |
		  SADB_X_SAFLAGS_NATT_REM | SADB_X_SAFLAGS_NATT_LOC |
		  SADB_X_SAFLAGS_EALG2 | SADB_X_SAFLAGS_EALG1 |
		  SADB_X_SAFLAGS_AALG2 | SADB_X_SAFLAGS_AALG1 |
		  SADB_X_SAFLAGS_UNIQUE | SADB_X_SAFLAGS_INBOUND |
		  SADB_SAFLAGS_NOREPLAY);
	finish();
	expect_lines(N,
		"SA: SADB_ASSOC spi=0x1, replay window size=0, state=IDLE\n"
		"SA: Encryption algorithm = null\n"
		"SA: flags=0x1c1a7802 < NOREPLAY X_INBOUND X_UNIQUE X_AALG1 "
		"X_AALG2 X_EALG1 X_EALG2 X_NATT_LOC X_NATT_REM X_TUNNEL "
		"X_NATTED >\n");

	/* No flags, cluster state, no algorithms. */
	begin(SADB_GET, SADB_SATYPE_ESP, 1, 1);
	pk_add_sa(&T.b, 2, 0, SADB_X_SASTATE_ACTIVE_ELSEWHERE, 0, 0, 0);
	finish();
	expect_lines(N,
		"SA: SADB_ASSOC spi=0x2, replay window size=0, "
		"state=ACTIVE_ELSEWHERE\n"
		"SA: flags=0x0 < >\n");

	begin(SADB_GET, SADB_SATYPE_ESP, 1, 1);
	pk_add_sa(&T.b, 3, 0, SADB_SASTATE_LARVAL, 0, 0, 0);
	finish();
	expect_lines(N, "state=LARVAL\n");
}

static void test_unknown_algorithms(void **state)
{
	(void)state;
	begin(SADB_GET, SADB_SATYPE_ESP, 1, 1);
	pk_add_sa(&T.b, 0x99, 0, SADB_SASTATE_MATURE, 99, 77, 0);
	finish();
	expect_lines(N,
		"SA: Authentication algorithm = 99\n"
		"SA: Encryption algorithm = 77\n");

	/* IPComp: sadb_sa_encrypt is a compression algorithm. */
	begin(SADB_GET, SADB_X_SATYPE_IPCOMP, 1, 1);
	pk_add_sa(&T.b, 0x99, 0, SADB_SASTATE_MATURE, 0, SADB_X_CALG_DEFLATE,
		  0);
	finish();
	expect_lines(N, "SA: Compression algorithm = deflate\n");
}

static void test_ipv6_addresses(void **state)
{
	(void)state;
	begin(SADB_GET, SADB_SATYPE_ESP, 1, 1);
	pk_add_sa(&T.b, 0x6789, 0, SADB_SASTATE_MATURE, SADB_AALG_MD5HMAC,
		  SADB_EALG_DESCBC, 0);
	addr(SADB_EXT_ADDRESS_SRC, "fec0:bbbb::4483", 500, 17, 128);
	addr(SADB_EXT_ADDRESS_DST, "2001:db8::7843", 4500, 17, 128);
	finish();
	expect_lines(N,
		"SRC: Source address (proto=17)\n"
		"SRC: AF_INET6: port 500, fec0:bbbb::4483.\n"
		"DST: Destination address (proto=17)\n"
		"DST: AF_INET6: port 4500, 2001:db8::7843.\n");
}

/* Without -n the protocol gets its name; the unspecified address no name. */
static void test_protocol_names(void **state)
{
	struct protoent *pe = getprotobynumber(6);
	char want[256];

	(void)state;
	begin(SADB_GET, SADB_SATYPE_ESP, 1, 1);
	addr(SADB_EXT_ADDRESS_SRC, "0.0.0.0", 0, 6, 0);
	addr(SADB_EXT_ADDRESS_DST, "::", 0, 0, 0);
	finish();
	if (pe != NULL)
		snprintf(want, sizeof(want),
			 "SRC: Source address (proto=6/%s)\n"
			 "SRC: AF_INET: port 0, 0.0.0.0.\n"
			 "DST: Destination address (proto=0)\n"
			 "DST: AF_INET6: port 0, ::.\n", pe->p_name);
	else
		snprintf(want, sizeof(want),
			 "SRC: Source address (proto=6)\n"
			 "SRC: AF_INET: port 0, 0.0.0.0.\n");
	expect_lines(0, want);
	expect_lines(N, "SRC: Source address (proto=6)\n");
}

/* A tunnel-mode SA behind a NAT. */
static void natt_tunnel_sa(void)
{
	begin(SADB_GET, SADB_SATYPE_ESP, 1, 1);
	pk_add_sa(&T.b, 0x2000, 0, SADB_SASTATE_MATURE, 0,
		  SADB_X_EALG_AES_GCM_ICV16,
		  SADB_X_SAFLAGS_OUTBOUND | SADB_X_SAFLAGS_TUNNEL |
		  SADB_X_SAFLAGS_NATT_LOC | SADB_X_SAFLAGS_NATT_REM);
	addr(SADB_EXT_ADDRESS_SRC, "10.0.0.1", 0, 4, 32);
	addr(SADB_EXT_ADDRESS_DST, "10.0.0.2", 0, 4, 32);
	addr(SADB_X_EXT_ADDRESS_INNER_SRC, "172.16.0.0", 0, 6, 16);
	addr(SADB_X_EXT_ADDRESS_INNER_DST, "172.17.1.0", 80, 6, 24);
	pk_add_key(&T.b, SADB_EXT_KEY_ENCRYPT, gcmkey, 160, 0);
	addr(SADB_X_EXT_ADDRESS_NATT_LOC, "198.51.100.1", 4500, 0, 0);
	addr(SADB_X_EXT_ADDRESS_NATT_REM, "203.0.113.1", 4500, 0, 0);
	pk_add_nat_t_type(&T.b, PK_UDP_ENCAP_ESPINUDP);
	pk_add_nat_t_port(&T.b, SADB_X_EXT_NAT_T_SPORT, 4500);
	pk_add_nat_t_port(&T.b, SADB_X_EXT_NAT_T_DPORT, 4501);
	finish();
}

static void test_inner_and_natt(void **state)
{
	(void)state;
	natt_tunnel_sa();
	expect_lines(N,
		"SA: flags=0x1a8000 < X_OUTBOUND X_NATT_LOC X_NATT_REM "
		"X_TUNNEL >\n"
		"SRC: Source address (proto=4)\n"
		"SRC: AF_INET: port 0, 10.0.0.1.\n"
		"DST: Destination address (proto=4)\n"
		"DST: AF_INET: port 0, 10.0.0.2.\n"
		"INS: Inner source address (proto=6)\n"
		"INS: AF_INET: port 0, 172.16.0.0/16.\n"
		"IND: Inner destination address (proto=6)\n"
		"IND: AF_INET: port 80, 172.17.1.0/24.\n"
		"EKY: Encryption key.\n"
		"EKY: 00112233445566778899aabbccddeeff[01020304]/128+32\n"
		"NLC: NAT-T local address (proto=0)\n"
		"NLC: AF_INET: port 4500, 198.51.100.1.\n"
		"NRM: NAT-T remote address (proto=0)\n"
		"NRM: AF_INET: port 4500, 203.0.113.1.\n"
		"NTT: NAT-T encapsulation type 2 (esp-in-udp)\n"
		"NTP: NAT-T source port 4500\n"
		"NTP: NAT-T destination port 4501\n");

	/* Inner IPv6 host: its /128 is shown too; an SPD prefix on outer. */
	begin(SADB_X_SPDADD, SADB_SATYPE_UNSPEC, 1, 1);
	addr(SADB_EXT_ADDRESS_SRC, "10.1.0.0", 0, 255, 16);
	addr(SADB_X_EXT_ADDRESS_INNER_SRC, "2001:db8::1", 0, 0, 128);
	finish();
	expect_lines(N,
		"SRC: Source address (proto=255)\n"
		"SRC: AF_INET: port 0, 10.1.0.0/16.\n"
		"INS: Inner source address (proto=0)\n"
		"INS: AF_INET6: port 0, 2001:db8::1/128.\n");
}

static void test_keys_salt_and_odd_bits(void **state)
{
	static const uint8_t odd[6] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbf };

	(void)state;
	/* 44 bits: 11 digits; 42 bits: the bits past 42 are not shown. */
	begin(SADB_GET, SADB_SATYPE_ESP, 1, 1);
	pk_add_sa(&T.b, 1, 0, SADB_SASTATE_MATURE, SADB_AALG_MD5HMAC,
		  SADB_X_EALG_BLOWFISHCBC, 0);
	pk_add_key(&T.b, SADB_EXT_KEY_AUTH, odd, 44, 0);
	pk_add_key(&T.b, SADB_EXT_KEY_ENCRYPT, odd, 42, 0);
	finish();
	expect_lines(N,
		"AKY: Authentication key.\n"
		"AKY: 123456789ab/44\n"
		"EKY: Encryption key.\n"
		"EKY: 123456789a8/42\n");

	/* Reserved bits are said on a line of their own. */
	begin(SADB_GET, SADB_SATYPE_ESP, 1, 1);
	pk_add_sa(&T.b, 1, 0, SADB_SASTATE_MATURE, 0, SADB_X_EALG_AESCBC, 0);
	pk_add_key(&T.b, SADB_EXT_KEY_ENCRYPT, ekey128, 128, 8);
	finish();
	expect_lines(N,
		"EKY: 00112233445566778899aabbccddeeff/128\n"
		"EKY: Reserved bits = 8.\n");

	/* Salted key of aes-ccm8 (24-bit salt); no SA: no split at all. */
	begin(SADB_GET, SADB_SATYPE_ESP, 1, 1);
	pk_add_sa(&T.b, 1, 0, SADB_SASTATE_MATURE, 0,
		  SADB_X_EALG_AES_CCM_ICV8, 0);
	pk_add_key(&T.b, SADB_EXT_KEY_ENCRYPT, gcmkey, 152, 0);
	finish();
	expect_lines(N,
		"EKY: 00112233445566778899aabbccddeeff[010203]/128+24\n");
	begin(SADB_GET, SADB_SATYPE_ESP, 1, 1);
	pk_add_key(&T.b, SADB_EXT_KEY_ENCRYPT, gcmkey, 160, 0);
	finish();
	expect_lines(N,
		"EKY: 00112233445566778899aabbccddeeff01020304/160\n");
}

static void assert_no_key_digits(const char *text)
{
	assert_null(strstr(text, "0123456789"));
	assert_null(strstr(text, "abcdef"));
	assert_null(strstr(text, "00112233"));
	assert_null(strstr(text, "ccddeeff"));
	assert_null(strstr(text, "01020304"));
}

static void test_paranoid(void **state)
{
	char *text;
	int rc;

	(void)state;
	ref_sa(SADB_GET);
	text = listing(N | PK_IPSECKEY_PARANOID, T0);
	assert_non_null(strstr(text,
		"AKY: XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX/160\n"
		"EKY: Encryption key.\n"
		"EKY: XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX/128\n"));
	assert_no_key_digits(text);
	free(text);
	text = save_text(PK_IPSECKEY_PARANOID, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(text,
		"\tauthkey XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX/160 \\\n"
		"\tencrkey XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX/128 \\\n"));
	assert_no_key_digits(text);
	free(text);

	natt_tunnel_sa();
	text = listing(N | PK_IPSECKEY_PARANOID, T0);
	assert_non_null(strstr(text,
		"EKY: XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX[XXXXXXXX]/128+32\n"));
	assert_no_key_digits(text);
	free(text);
}

/* An SA with every lifetime, the lifetimes first in the message. */
static void lifetimes_sa(void)
{
	begin(SADB_EXPIRE, SADB_SATYPE_ESP, 0, 0);
	pk_add_lifetime(&T.b, SADB_EXT_LIFETIME_HARD, 20, 2147483648ULL,
			172800, 59);
	pk_add_sa(&T.b, 0x5150, 0, SADB_SASTATE_DYING, SADB_AALG_SHA1HMAC,
		  SADB_X_EALG_AESCBC, 0);
	pk_add_lifetime(&T.b, SADB_EXT_LIFETIME_CURRENT, 3, 1500,
			(uint64_t)T0, (uint64_t)T0 + 30);
	pk_add_lifetime(&T.b, SADB_EXT_LIFETIME_SOFT, 10, 1048576, 28800, 90);
	pk_add_lifetime(&T.b, SADB_X_EXT_LIFETIME_IDLE, 0, 0, 3600, 1800);
	addr(SADB_EXT_ADDRESS_SRC, "192.168.1.2", 0, 0, 32);
	addr(SADB_EXT_ADDRESS_DST, "192.168.1.1", 0, 0, 32);
	finish();
}

static const char lifetimes_head[] =
	"Base message (version 2) type EXPIRE, SA type ESP.\n"
	"Message length 208 bytes, seq=0, pid=0.\n"
	"SA: SADB_ASSOC spi=0x5150, replay window size=0, state=DYING\n"
	"SA: Authentication algorithm = hmac-sha1\n"
	"SA: Encryption algorithm = aes-cbc\n"
	"SA: flags=0x0 < >\n"
	"SRC: Source address (proto=0)\n"
	"SRC: AF_INET: port 0, 192.168.1.2.\n"
	"DST: Destination address (proto=0)\n"
	"DST: AF_INET: port 0, 192.168.1.1.\n"
	" LT: Lifetime information\n"
	"CLT: Current lifetime information:\n"
	"CLT: 1500 bytes protected, 3 allocations used.\n";

static const char lifetimes_tail[] =
	"SLT: Soft lifetime information:\n"
	"SLT: 1048576 bytes (1.00 MB) of lifetime, 10 allocations.\n"
	"SLT: 28800 seconds (8.00 hours) of post-add lifetime.\n"
	"SLT: 90 seconds (1.50 minutes) of post-use lifetime.\n"
	"HLT: Hard lifetime information:\n"
	"HLT: 2147483648 bytes (2.00 GB) of lifetime, 20 allocations.\n"
	"HLT: 172800 seconds (2.00 days) of post-add lifetime.\n"
	"HLT: 59 seconds of post-use lifetime.\n"
	"ILT: Idle lifetime information:\n"
	"ILT: 3600 seconds (1.00 hours) of post-add lifetime.\n"
	"ILT: 1800 seconds (30.00 minutes) of post-use lifetime.\n";

static void test_lifetimes(void **state)
{
	char want[4096];

	(void)state;
	lifetimes_sa();
	snprintf(want, sizeof(want), "%s%s%s%s%s", lifetimes_head,
		 "CLT: SA added at time: Mon Nov 23 16:05:14 2026\n",
		 "CLT: SA first used at time Mon Nov 23 16:05:44 2026\n",
		 "CLT: Time now is Mon Nov 23 16:07:14 2026\n",
		 lifetimes_tail);
	expect_listing(N, T0 + 120, want);
}

static void test_verbose_raw_times(void **state)
{
	char want[4096];

	(void)state;
	lifetimes_sa();
	snprintf(want, sizeof(want), "%s%s%s%s%s", lifetimes_head,
		 "CLT: SA added at time: Mon Nov 23 16:05:14 2026\n"
		 "CLT: (raw time value 1795449914)\n",
		 "CLT: SA first used at time Mon Nov 23 16:05:44 2026\n"
		 "CLT: (raw time value 1795449944)\n",
		 "CLT: Time now is Mon Nov 23 16:07:14 2026\n"
		 "CLT: (raw time value 1795450034)\n",
		 lifetimes_tail);
	expect_listing(N | PK_IPSECKEY_VERBOSE, T0 + 120, want);
}

static void test_human_thresholds(void **state)
{
	(void)state;
	begin(SADB_EXPIRE, SADB_SATYPE_ESP, 0, 0);
	pk_add_lifetime(&T.b, SADB_EXT_LIFETIME_SOFT, 0, 1023, 60, 3599);
	pk_add_lifetime(&T.b, SADB_EXT_LIFETIME_HARD, 0, 1024, 86399, 86400);
	finish();
	expect_lines(N,
		"SLT: 1023 bytes of lifetime, 0 allocations.\n"
		"SLT: 60 seconds (1.00 minutes) of post-add lifetime.\n"
		"SLT: 3599 seconds (59.98 minutes) of post-use lifetime.\n"
		"HLT: Hard lifetime information:\n"
		"HLT: 1024 bytes (1.00 KB) of lifetime, 0 allocations.\n"
		"HLT: 86399 seconds (24.00 hours) of post-add lifetime.\n"
		"HLT: 86400 seconds (1.00 days) of post-use lifetime.\n");
}

static void test_register_reply(void **state)
{
	struct sadb_alg auth[2] = {
		{ SADB_AALG_SHA1HMAC, 0, 160, 160, 0 },
		{ 99, 0, 8, 16, 0 },
	};
	struct sadb_alg encr[1] = { { SADB_X_EALG_AESCBC, 16, 128, 256, 0 } };

	(void)state;
	begin(SADB_REGISTER, SADB_SATYPE_ESP, 9, 77);
	pk_add_supported(&T.b, SADB_EXT_SUPPORTED_AUTH, auth, 2);
	pk_add_supported(&T.b, SADB_EXT_SUPPORTED_ENCRYPT, encr, 1);
	finish();
	expect_listing(N, T0,
		"Base message (version 2) type REGISTER, SA type ESP.\n"
		"Message length 56 bytes, seq=9, pid=77.\n"
		"SUP: Supported authentication algorithms:\n"
		"SUP:   hmac-sha1 (id=3) minbits=160, maxbits=160, ivlen=0\n"
		"SUP:   99 (id=99) minbits=8, maxbits=16, ivlen=0\n"
		"SUP: Supported encryption algorithms:\n"
		"SUP:   aes-cbc (id=12) minbits=128, maxbits=256, ivlen=16\n");
}

static void test_acquire_proposal(void **state)
{
	struct sadb_comb c;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.sadb_comb_auth = SADB_AALG_SHA1HMAC;
	c.sadb_comb_encrypt = SADB_X_EALG_AESCBC;
	c.sadb_comb_auth_minbits = 160;
	c.sadb_comb_auth_maxbits = 160;
	c.sadb_comb_encrypt_minbits = 128;
	c.sadb_comb_encrypt_maxbits = 256;
	c.sadb_comb_soft_allocations = 1;
	c.sadb_comb_soft_bytes = 2;
	c.sadb_comb_soft_addtime = 3;
	c.sadb_comb_soft_usetime = 4;
	c.sadb_comb_hard_allocations = 5;
	c.sadb_comb_hard_bytes = 6;
	c.sadb_comb_hard_addtime = 7;
	c.sadb_comb_hard_usetime = 8;
	begin(SADB_ACQUIRE, SADB_SATYPE_ESP, 1, 0);
	addr(SADB_EXT_ADDRESS_SRC, "10.0.0.1", 0, 0, 32);
	addr(SADB_EXT_ADDRESS_DST, "10.0.0.2", 0, 0, 32);
	pk_add_prop(&T.b, 32, &c, 1);
	finish();
	expect_lines(N,
		"PRP: Proposal, replay window size=32, 1 combination.\n"
		"PRP:   Combination #1: auth=hmac-sha1 (160-160 bits), "
		"encr=aes-cbc (128-256 bits), flags=0x0\n"
		"PRP:     soft: 1 allocations, 2 bytes, 3 seconds post-add, "
		"4 seconds post-use\n"
		"PRP:     hard: 5 allocations, 6 bytes, 7 seconds post-add, "
		"8 seconds post-use\n");
}

static void test_other_extensions(void **state)
{
	static const uint64_t bm[2] = { 0, 0 };
	static const uint8_t priv[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct sockaddr_storage l, r;

	(void)state;
	begin(SADB_GET, SADB_SATYPE_ESP, 1, 1);
	pk_add_sa(&T.b, 0x2345, 0, SADB_SASTATE_MATURE, 0, SADB_EALG_NULL,
		  SADB_X_SAFLAGS_PAIRED);
	pk_add_ident(&T.b, SADB_EXT_IDENTITY_SRC, SADB_IDENTTYPE_FQDN, 0,
		     "me.example.com");
	pk_add_ident(&T.b, SADB_EXT_IDENTITY_DST, SADB_IDENTTYPE_USERFQDN,
		     5, "root@example.com");
	pk_add_pair(&T.b, 0x5432);
	pk_add_replay_value(&T.b, 4711, 0);
	pk_add_kmc(&T.b, SADB_X_KMP_IKEV2, 0x1122334455667788ULL);
	pk_add_sa2(&T.b, IPSEC_MODE_TUNNEL, 5, 0);
	pk_add_spirange(&T.b, 0x100, 0xfff);
	pk_add_sens(&T.b, SADB_EXT_SENSITIVITY, 1, 2, bm, 1, 3, NULL, 0);
	pk_add_sec_ctx(&T.b, 1, 1, "system_u:object_r:ipsec_t:s0", 28);
	pk_add_kmprivate(&T.b, priv, sizeof(priv));
	pk_add_kmaddress(&T.b, fixture_sa(&l, "10.0.0.1", 0),
			 fixture_sa(&r, "10.0.0.2", 0));
	finish();
	expect_lines(N,
		"SA: flags=0x10000 < X_PAIRED >\n"
		"SID: Source identity, uid=0, type fqdn\n"
		"SID: me.example.com\n"
		"DID: Destination identity, uid=5, type user_fqdn\n"
		"DID: root@example.com\n"
		"OTH: Paired with spi=0x5432\n"
		"RPL: Replay Value 4711\n"
		"KMC: Key management protocol 3, cookie 0x1122334455667788\n"
		"SA2: mode=tunnel reqid=5\n"
		"RNG: SPI range, min=0x100, max=0xfff\n"
		"SNS: Sensitivity, DOI 1, level 2, 1 bitmap words; "
		"integrity level 3, 0 bitmap words\n"
		"SNS: Sensitivity bitmap 0x0000000000000000\n"
		"SCX: Security context alg=1, doi=1, "
		"\"system_u:object_r:ipsec_t:s0\"\n"
		"KMP: Key management private data, 8 bytes\n"
		"KMA: Key management addresses local 10.0.0.1, remote "
		"10.0.0.2\n");

	/* 64-bit replay counter; identity types without a keyword name. */
	begin(SADB_GET, SADB_SATYPE_ESP, 1, 1);
	pk_add_ident(&T.b, SADB_EXT_IDENTITY_SRC, SADB_X_IDENTTYPE_KEY_ID,
		     0, "key\x01id");
	pk_add_replay_value(&T.b, 0, 0x100000000ULL);
	pk_add_sa2(&T.b, IPSEC_MODE_TRANSPORT, 0, 9);
	finish();
	expect_lines(N,
		"SID: Source identity, uid=0, type key_id\n"
		"SID: key\\x01id\n"
		"RPL: Replay Value 4294967296\n"
		"SA2: mode=transport reqid=0 sequence=9\n");
}

static void test_spd_policy(void **state)
{
	struct sockaddr_storage ts, td;

	(void)state;
	begin(SADB_X_SPDADD, SADB_SATYPE_UNSPEC, 3, 4);
	addr(SADB_EXT_ADDRESS_SRC, "10.1.0.0", 0, 255, 24);
	addr(SADB_EXT_ADDRESS_DST, "10.2.0.0", 0, 255, 32);
	pk_add_policy(&T.b, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 7,
		      PK_PRIORITY_DEFAULT);
	pk_add_policy_request(&T.b, IPPROTO_ESP, IPSEC_MODE_TUNNEL,
			      IPSEC_LEVEL_REQUIRE, 5,
			      fixture_sa(&ts, "192.0.2.1", 0),
			      fixture_sa(&td, "192.0.2.2", 0));
	pk_add_policy_request(&T.b, IPPROTO_AH, IPSEC_MODE_TRANSPORT,
			      IPSEC_LEVEL_USE, 0, NULL, NULL);
	finish();
	expect_lines(N,
		"Base message (version 2) type X_SPDADD, SA type "
		"<unspecified/all>.\n");
	expect_lines(N,
		"SRC: AF_INET: port 0, 10.1.0.0/24.\n"
		"DST: Destination address (proto=255)\n"
		"DST: AF_INET: port 0, 10.2.0.0/32.\n"
		"POL: Policy type=ipsec, dir=out, id=7, priority=0x80000000\n"
		"POL:   esp/tunnel/192.0.2.1-192.0.2.2/require reqid=5\n"
		"POL:   ah/transport//use reqid=0\n");
}

/*
 * An extension the parser's table does not hold: the message is built
 * with a stand-in type, parsed, then given back its real type.
 */
static void test_unknown_extension(void **state)
{
	struct sadb_ext *e;

	(void)state;
	begin(SADB_GET, SADB_SATYPE_ESP, 1, 1);
	pk_add_sa(&T.b, 0x42, 0, SADB_SASTATE_MATURE, 0, SADB_EALG_NULL, 0);
	e = pk_ext_reserve(&T.b, SADB_X_EXT_KMPRIVATE, 24);
	assert_non_null(e);
	addr(SADB_EXT_ADDRESS_DST, "10.0.0.2", 0, 0, 32);
	finish();
	e->sadb_ext_type = 30;
	T.m.ext[SADB_X_EXT_KMPRIVATE] = NULL;
	T.m.present &= ~PK_EXT_BIT(SADB_X_EXT_KMPRIVATE);
	expect_lines(N,
		"SA: flags=0x0 < >\n"
		"UNK: Unknown extension type 30, 24 bytes\n"
		"DST: Destination address (proto=0)\n");
	e->sadb_ext_type = 400;
	expect_lines(N, "UNK: Unknown extension type 400, 24 bytes\n");
}

static void test_format_time(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(pk_ipseckey_format_time(buf, sizeof(buf), 0), 0);
	assert_string_equal(buf, "Thu Jan  1 00:00:00 1970");
	assert_int_equal(pk_ipseckey_format_time(buf, sizeof(buf),
						 (uint64_t)T0), 0);
	assert_string_equal(buf, "Mon Nov 23 16:05:14 2026");
	assert_int_equal(pk_ipseckey_format_time(buf, sizeof(buf),
						 UINT64_MAX), -ERANGE);
	assert_string_equal(buf, "<invalid time 18446744073709551615>");
}

/*
 * Every fixture message (every message and extension type of the ABI)
 * prints completely, hidden keys stay hidden, and save works on each SA.
 */
static void test_all_fixtures(void **state)
{
	static struct fixture fx[64];
	size_t n = fixtures_build_all(fx, 64);

	(void)state;
	assert_true(n > 10);
	for (size_t i = 0; i < n; i++) {
		struct pk_diag d;
		char *text = NULL;
		size_t size = 0;
		FILE *f;
		int rc;

		assert_int_equal(pk_msg_parse(&T.m, fx[i].buf, fx[i].len, &d),
				 0);
		f = open_memstream(&text, &size);
		assert_non_null(f);
		assert_int_equal(pk_ipseckey_print_msg(f, &T.m,
				 N | PK_IPSECKEY_VERBOSE |
				 PK_IPSECKEY_PARANOID, T0), 0);
		rc = pk_ipseckey_print_save(f, &T.m, PK_IPSECKEY_PARANOID);
		assert_int_equal(rc, pk_msg_has(&T.m, SADB_EXT_SA) ? 0
								   : -EINVAL);
		fclose(f);
		assert_non_null(strstr(text, "Base message (version 2) type "));
		assert_null(strstr(text, "UNK:"));
		assert_true(size > 0 && text[size - 1] == '\n');
		assert_no_key_digits(text);
		free(text);
	}
}

/* --------------------------------------------------------------- save */

static void test_save_reference_example(void **state)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f;

	(void)state;
	ref_sa(SADB_DUMP);
	f = open_memstream(&text, &size);
	assert_non_null(f);
	assert_int_equal(pk_ipseckey_print_save_header(f), 0);
	assert_int_equal(pk_ipseckey_print_save(f, &T.m, 0), 0);
	fclose(f);
	assert_string_equal(text,
		"# This key file was generated by the ipseckey command's "
		"'save' feature.\n"
		"\n"
		"# begin assoc\n"
		"add esp  \\\n"
		"    spi 0x1234 encr_alg aes-cbc auth_alg hmac-sha1 replay 0 "
		"outbound  \\\n"
		"    src 192.168.1.1 \\\n"
		"    dst 192.168.1.2 \\\n"
		"\tauthkey 0123456789abcdef0123456789abcdef01234567/160 \\\n"
		"\tencrkey 00112233445566778899aabbccddeeff/128 \\\n"
		"\n"
		"# end assoc\n"
		"\n");
	free(text);

	/* Without a direction flag: exactly the reference's lines. */
	begin(SADB_DUMP, SADB_SATYPE_ESP, 7, 42);
	pk_add_sa(&T.b, 0x1234, 0, SADB_SASTATE_MATURE, SADB_AALG_SHA1HMAC,
		  SADB_X_EALG_AESCBC, 0);
	addr(SADB_EXT_ADDRESS_SRC, "192.168.1.1", 0, 0, 32);
	addr(SADB_EXT_ADDRESS_DST, "192.168.1.2", 0, 0, 32);
	pk_add_key(&T.b, SADB_EXT_KEY_AUTH, akey160, 160, 0);
	pk_add_key(&T.b, SADB_EXT_KEY_ENCRYPT, ekey128, 128, 0);
	finish();
	expect_save(0,
		"# begin assoc\n"
		"add esp  \\\n"
		"    spi 0x1234 encr_alg aes-cbc auth_alg hmac-sha1 replay 0  \\\n"
		"    src 192.168.1.1 \\\n"
		"    dst 192.168.1.2 \\\n"
		"\tauthkey 0123456789abcdef0123456789abcdef01234567/160 \\\n"
		"\tencrkey 00112233445566778899aabbccddeeff/128 \\\n"
		"\n"
		"# end assoc\n"
		"\n");
}

static void test_save_lifetimes_and_state(void **state)
{
	(void)state;
	lifetimes_sa();
	expect_save(0,
		"# begin assoc\n"
		"add esp  \\\n"
		"    spi 0x5150 encr_alg aes-cbc auth_alg hmac-sha1 replay 0 "
		"state dying  \\\n"
		"    src 192.168.1.2 \\\n"
		"    dst 192.168.1.1 \\\n"
		"\tsoft_alloc 10 \\\n"
		"\tsoft_bytes 1048576 \\\n"
		"\tsoft_addtime 28800 \\\n"
		"\tsoft_usetime 90 \\\n"
		"\thard_alloc 20 \\\n"
		"\thard_bytes 2147483648 \\\n"
		"\thard_addtime 172800 \\\n"
		"\thard_usetime 59 \\\n"
		"\tidle_addtime 3600 \\\n"
		"\tidle_usetime 1800 \\\n"
		"\n"
		"# end assoc\n"
		"\n");

	/* Zero limits are left out; so is an all-zero lifetime. */
	begin(SADB_DUMP, SADB_SATYPE_AH, 0, 0);
	pk_add_sa(&T.b, 0x90125, 0, SADB_SASTATE_MATURE, SADB_AALG_MD5HMAC,
		  0, 0);
	addr(SADB_EXT_ADDRESS_DST, "10.0.0.2", 0, 0, 32);
	pk_add_key(&T.b, SADB_EXT_KEY_AUTH, ekey128, 128, 0);
	pk_add_lifetime(&T.b, SADB_EXT_LIFETIME_HARD, 0, 16000000, 0, 0);
	pk_add_lifetime(&T.b, SADB_EXT_LIFETIME_SOFT, 0, 0, 0, 0);
	finish();
	expect_save(0,
		"# begin assoc\n"
		"add ah  \\\n"
		"    spi 0x90125 auth_alg hmac-md5 replay 0  \\\n"
		"    dst 10.0.0.2 \\\n"
		"\tauthkey 00112233445566778899aabbccddeeff/128 \\\n"
		"\thard_bytes 16000000 \\\n"
		"\n"
		"# end assoc\n"
		"\n");
}

static void test_save_natt_inner(void **state)
{
	(void)state;
	natt_tunnel_sa();
	expect_save(0,
		"# begin assoc\n"
		"add esp  \\\n"
		"    spi 0x2000 encr_alg aes-gcm16 replay 0 outbound "
		"encap udp  \\\n"
		"    src 10.0.0.1 \\\n"
		"    dst 10.0.0.2 \\\n"
		"    proto 4 \\\n"
		"    isrc 172.16.0.0/16 \\\n"
		"    idst 172.17.1.0/24 idport 80 \\\n"
		"    iproto 6 \\\n"
		"    nat_loc 198.51.100.1 nat_lport 4500 \\\n"
		"    nat_rem 203.0.113.1 nat_rport 4500 \\\n"
		"\tencrkey 00112233445566778899aabbccddeeff01020304/160 \\\n"
		"\n"
		"# end assoc\n"
		"\n");

	/* Linux NAT-T ports only, inbound: local is the destination's. */
	begin(SADB_DUMP, SADB_SATYPE_ESP, 0, 0);
	pk_add_sa(&T.b, 0x10, 0, SADB_SASTATE_MATURE, SADB_AALG_SHA1HMAC,
		  SADB_EALG_NULL, SADB_X_SAFLAGS_INBOUND);
	addr(SADB_EXT_ADDRESS_SRC, "2001:db8::1", 1000, 17, 128);
	addr(SADB_EXT_ADDRESS_DST, "2001:db8::2", 2000, 17, 128);
	pk_add_key(&T.b, SADB_EXT_KEY_AUTH, akey160, 160, 0);
	pk_add_nat_t_type(&T.b, PK_UDP_ENCAP_ESPINUDP);
	pk_add_nat_t_port(&T.b, SADB_X_EXT_NAT_T_SPORT, 4500);
	pk_add_nat_t_port(&T.b, SADB_X_EXT_NAT_T_DPORT, 4501);
	finish();
	expect_save(0,
		"# begin assoc\n"
		"add esp  \\\n"
		"    spi 0x10 encr_alg null auth_alg hmac-sha1 replay 0 "
		"inbound encap udp  \\\n"
		"    src 2001:db8::1 sport 1000 \\\n"
		"    dst 2001:db8::2 dport 2000 \\\n"
		"    proto 17 \\\n"
		"    nat_lport 4501 \\\n"
		"    nat_rport 4500 \\\n"
		"\tauthkey 0123456789abcdef0123456789abcdef01234567/160 \\\n"
		"\n"
		"# end assoc\n"
		"\n");
}

static void pair_sa(void)
{
	begin(SADB_DUMP, SADB_SATYPE_ESP, 0, 0);
	pk_add_sa(&T.b, 0x2345, 4, SADB_SASTATE_MATURE, SADB_AALG_MD5HMAC,
		  SADB_EALG_DESCBC, SADB_X_SAFLAGS_PAIRED);
	addr(SADB_EXT_ADDRESS_SRC, "10.0.0.1", 0, 0, 32);
	addr(SADB_EXT_ADDRESS_DST, "10.0.0.2", 0, 0, 32);
	pk_add_key(&T.b, SADB_EXT_KEY_AUTH, ekey128, 128, 0);
	pk_add_key(&T.b, SADB_EXT_KEY_ENCRYPT, akey160, 64, 0);
	pk_add_pair(&T.b, 0x5432);
	pk_add_replay_value(&T.b, 77, 0);
	pk_add_ident(&T.b, SADB_EXT_IDENTITY_SRC, SADB_IDENTTYPE_FQDN, 0,
		     "me.example.com");
	pk_add_ident(&T.b, SADB_EXT_IDENTITY_DST, SADB_IDENTTYPE_USERFQDN, 0,
		     "Some User@example.com");
	finish();
}

static void test_save_pair_identities(void **state)
{
	static const char head[] =
		"# begin assoc\n"
		"add esp  \\\n"
		"    spi 0x2345 encr_alg des-cbc auth_alg hmac-md5 replay 4  \\\n"
		"    src 10.0.0.1 \\\n"
		"    dst 10.0.0.2 \\\n"
		"    srcidtype fqdn me.example.com \\\n"
		"    dstidtype user_fqdn \"Some User@example.com\" \\\n";
	static const char tail[] =
		"    replay_value 77 \\\n"
		"\tauthkey 00112233445566778899aabbccddeeff/128 \\\n"
		"\tencrkey 0123456789abcdef/64 \\\n"
		"\n"
		"# end assoc\n"
		"\n";
	char want[2048];

	(void)state;
	pair_sa();
	snprintf(want, sizeof(want), "%s    pair-spi 0x5432 \\\n%s", head,
		 tail);
	expect_save(0, want);
	snprintf(want, sizeof(want), "%s%s", head, tail);
	expect_save(PK_IPSECKEY_SAVE_NO_PAIR, want);
}

static void test_save_odd_keys_and_numbers(void **state)
{
	static const uint8_t odd[6] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbf };

	(void)state;
	begin(SADB_DUMP, SADB_X_SATYPE_IPCOMP, 0, 0);
	pk_add_sa(&T.b, 0x4000, 0, SADB_X_SASTATE_ACTIVE_ELSEWHERE, 99, 77,
		  0);
	addr(SADB_EXT_ADDRESS_DST, "10.0.0.2", 0, 0, 32);
	pk_add_key(&T.b, SADB_EXT_KEY_AUTH, odd, 44, 0);
	pk_add_key(&T.b, SADB_EXT_KEY_ENCRYPT, odd, 42, 16);
	pk_add_ident(&T.b, SADB_EXT_IDENTITY_SRC, SADB_X_IDENTTYPE_KEY_ID, 0,
		     "kid");
	finish();
	/* A passing state (active elsewhere) is restored as mature. */
	expect_save(0,
		"# begin assoc\n"
		"add 9  \\\n"
		"    spi 0x4000 encr_alg 77 auth_alg 99 replay 0  \\\n"
		"    dst 10.0.0.2 \\\n"
		"    srcidtype 6 kid \\\n"
		"\tauthkey 123456789ab/44 \\\n"
		"\treserved_bits 16 \\\n"
		"\tencrkey 123456789a8/42 \\\n"
		"\n"
		"# end assoc\n"
		"\n");
}

/* The Linux-style "no selector" inner source is neither listed nor saved. */
static void test_no_selector_hidden(void **state)
{
	static const uint8_t k[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
				       13, 14, 15, 16, 17, 18, 19, 20 };
	char *text;
	int rc;

	(void)state;
	begin(SADB_DUMP, SADB_SATYPE_AH, 0, 0);
	pk_add_sa(&T.b, 0x99, 0, SADB_SASTATE_MATURE, SADB_AALG_SHA1HMAC, 0, 0);
	addr(SADB_EXT_ADDRESS_SRC, "10.0.0.1", 0, 0, 32);
	addr(SADB_EXT_ADDRESS_DST, "10.0.0.2", 0, 0, 32);
	addr(SADB_EXT_ADDRESS_PROXY, "0.0.0.0", 0, 255, 0);
	pk_add_key(&T.b, SADB_EXT_KEY_AUTH, k, 160, 0);
	finish();
	text = listing(PK_IPSECKEY_NUMERIC, T0);
	assert_null(strstr(text, "INS:"));
	assert_non_null(strstr(text, "DST: AF_INET: port 0, 10.0.0.2."));
	free(text);
	text = save_text(0, &rc);
	assert_int_equal(rc, 0);
	assert_null(strstr(text, "isrc"));
	assert_null(strstr(text, "iproto"));
	free(text);
	/* A real inner source, even the any-address with an inner
	 * destination, is still shown. */
	begin(SADB_DUMP, SADB_SATYPE_AH, 0, 0);
	pk_add_sa(&T.b, 0x99, 0, SADB_SASTATE_MATURE, SADB_AALG_SHA1HMAC, 0, 0);
	addr(SADB_EXT_ADDRESS_DST, "10.0.0.2", 0, 4, 32);
	addr(SADB_EXT_ADDRESS_PROXY, "0.0.0.0", 0, 0, 0);
	addr(SADB_X_EXT_ADDRESS_INNER_DST, "172.16.0.0", 0, 0, 16);
	pk_add_key(&T.b, SADB_EXT_KEY_AUTH, k, 160, 0);
	finish();
	text = listing(PK_IPSECKEY_NUMERIC, T0);
	assert_non_null(strstr(text, "INS:"));
	free(text);
	text = save_text(0, &rc);
	assert_non_null(strstr(text, "isrc 0.0.0.0/0"));
	free(text);
}

static void test_save_needs_sa(void **state)
{
	int rc;
	char *text;

	(void)state;
	begin(SADB_DUMP, SADB_SATYPE_ESP, 0, 0);
	addr(SADB_EXT_ADDRESS_DST, "10.0.0.2", 0, 0, 32);
	finish();
	text = save_text(0, &rc);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(text, "");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_example),
		cmocka_unit_test(test_message_type_names),
		cmocka_unit_test(test_sa_type_names),
		cmocka_unit_test(test_unknown_type_and_satype),
		cmocka_unit_test(test_error_replies),
		cmocka_unit_test(test_sa_flags_and_states),
		cmocka_unit_test(test_unknown_algorithms),
		cmocka_unit_test(test_ipv6_addresses),
		cmocka_unit_test(test_protocol_names),
		cmocka_unit_test(test_inner_and_natt),
		cmocka_unit_test(test_keys_salt_and_odd_bits),
		cmocka_unit_test(test_paranoid),
		cmocka_unit_test(test_lifetimes),
		cmocka_unit_test(test_verbose_raw_times),
		cmocka_unit_test(test_human_thresholds),
		cmocka_unit_test(test_register_reply),
		cmocka_unit_test(test_acquire_proposal),
		cmocka_unit_test(test_other_extensions),
		cmocka_unit_test(test_spd_policy),
		cmocka_unit_test(test_unknown_extension),
		cmocka_unit_test(test_format_time),
		cmocka_unit_test(test_all_fixtures),
		cmocka_unit_test(test_save_reference_example),
		cmocka_unit_test(test_save_lifetimes_and_state),
		cmocka_unit_test(test_save_natt_inner),
		cmocka_unit_test(test_save_pair_identities),
		cmocka_unit_test(test_save_odd_keys_and_numbers),
		cmocka_unit_test(test_no_selector_hidden),
		cmocka_unit_test(test_save_needs_sa),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
