/*
 * pfkeymsg - encode, decode and validate PF_KEY v2 messages.
 *
 *   pfkeymsg decode [-p] [-H] [FILE...]	decode raw messages, validate each
 *   pfkeymsg example NAME			write an example message to stdout
 *   pfkeymsg algorithms			list the algorithm table
 *   pfkeymsg send [-p] NAME...		send examples to pfkeyd, print replies
 *   pfkeymsg dump [-p]			dump pfkeyd's SADB and SPD
 *
 * A debugging companion to libpfkey: everything it prints comes from the
 * library's validator, printer and algorithm table.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pfkey/alg.h"
#include "pfkey/msg.h"
#include "pfkey/print.h"
#include "pfkey/transport.h"

static const char usage_text[] =
	"usage: pfkeymsg decode [-p] [-H] [FILE...]\n"
	"       pfkeymsg example add|getspi|spdadd|register\n"
	"       pfkeymsg algorithms\n"
	"       pfkeymsg send [-p] add|getspi|spdadd|register...\n"
	"       pfkeymsg dump [-p]\n"
	"       pfkeymsg -h | --help\n"
	"\n"
	"decode      read raw PF_KEY v2 messages from each FILE (or standard\n"
	"            input), print each one and say whether it is valid\n"
	"  -p        print key bytes as XX\n"
	"  -H        also print the bytes of each message in hex\n"
	"example     write an example message (binary) to standard output\n"
	"algorithms  list the algorithms, their ids, names and key lengths\n"
	"send        send each example to pfkeyd (starting a private one when\n"
	"            none answers) and print its reply\n"
	"dump        print every SA and policy pfkeyd holds\n"
	"  -p        (send, dump) print key bytes as XX\n"
	"The socket is $PFKEY_SOCKET or the default of pfkeyd(8);\n"
	"PFKEY_NO_AUTOSTART=1 forbids starting a daemon.\n";

/* ---------------------------------------------------------------- decode */

static int decode_stream(FILE *in, const char *name, unsigned flags,
			 unsigned *invalid)
{
	static uint8_t buf[SADB_MSG_MAX_BYTES] __attribute__((aligned(8)));
	unsigned n = 0;

	for (;;) {
		struct sadb_msg h;
		struct pk_diag d;
		struct pk_msg m;
		size_t got, want;

		got = fread(buf, 1, sizeof(h), in);
		if (got == 0)
			break;
		n++;
		memcpy(&h, buf, got < sizeof(h) ? got : sizeof(h));
		want = got < sizeof(h) ? got : SADB_BYTES(h.sadb_msg_len);
		if (want < sizeof(h))
			want = got;	/* a bad length: show what is here */
		if (want > got)
			got += fread(buf + got, 1, want - got, in);
		printf("%s: message %u, %zu bytes\n", name, n, got);
		pk_print_msg(stdout, "  ", buf, got, flags);
		if (pk_msg_parse(&m, buf, got, &d) == 0) {
			printf("  valid\n");
		} else {
			const char *text = pk_diag_text(d.code);

			(*invalid)++;
			printf("  invalid: %s at offset %u: %s (%s; "
			       "diagnostic %u: %s)\n",
			       d.field != NULL ? d.field : "message", d.offset,
			       d.detail, strerror(d.err), d.code,
			       text != NULL ? text : "unknown");
		}
		if (got < want || got < sizeof(h)) {
			printf("  (end of input inside the message)\n");
			break;
		}
	}
	if (ferror(in)) {
		fprintf(stderr, "pfkeymsg: %s: %s\n", name, strerror(errno));
		return -1;
	}
	return 0;
}

static int cmd_decode(int argc, char **argv)
{
	unsigned flags = 0, invalid = 0;
	int opt, rc = 0;

	optind = 1;
	while ((opt = getopt(argc, argv, "pH")) != -1) {
		switch (opt) {
		case 'p':
			flags |= PK_PRINT_HIDE_KEYS;
			break;
		case 'H':
			flags |= PK_PRINT_HEX;
			break;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind == argc)
		rc = decode_stream(stdin, "-", flags, &invalid);
	for (int i = optind; i < argc && rc == 0; i++) {
		FILE *f = strcmp(argv[i], "-") == 0 ? stdin
						     : fopen(argv[i], "rb");

		if (f == NULL) {
			fprintf(stderr, "pfkeymsg: %s: %s\n", argv[i],
				strerror(errno));
			return 2;
		}
		rc = decode_stream(f, argv[i], flags, &invalid);
		if (f != stdin)
			fclose(f);
	}
	if (rc != 0)
		return 2;
	return invalid == 0 ? 0 : 1;
}

/* --------------------------------------------------------------- example */

/* Test vectors, not secrets: the bytes spell out their purpose. */
static const uint8_t example_auth_key[20] = "example-hmac-sha1-ky";
static const uint8_t example_encr_key[16] = "example-aes128ky";

static struct sockaddr *sin4(struct sockaddr_in *s, const char *addr,
			     uint16_t port)
{
	memset(s, 0, sizeof(*s));
	s->sin_family = AF_INET;
	s->sin_port = htons(port);
	inet_pton(AF_INET, addr, &s->sin_addr);
	return (struct sockaddr *)s;
}

static void example_add(struct pk_buf *b)
{
	struct sockaddr_in s, d;

	pk_msg_begin(b, SADB_ADD, SADB_SATYPE_ESP, 1, (uint32_t)getpid());
	pk_add_sa(b, 0x1234, 32, SADB_SASTATE_MATURE, SADB_AALG_SHA1HMAC,
		  SADB_X_EALG_AESCBC, 0);
	pk_add_lifetime(b, SADB_EXT_LIFETIME_HARD, 0, 0, 3600, 0);
	pk_add_lifetime(b, SADB_EXT_LIFETIME_SOFT, 0, 0, 2880, 0);
	pk_add_address(b, SADB_EXT_ADDRESS_SRC, sin4(&s, "192.0.2.1", 0), 0, 32);
	pk_add_address(b, SADB_EXT_ADDRESS_DST, sin4(&d, "192.0.2.2", 0), 0, 32);
	pk_add_key(b, SADB_EXT_KEY_AUTH, example_auth_key, 160, 0);
	pk_add_key(b, SADB_EXT_KEY_ENCRYPT, example_encr_key, 128, 0);
	pk_add_sa2(b, IPSEC_MODE_TRANSPORT, 0, 0);
}

static void example_getspi(struct pk_buf *b)
{
	struct sockaddr_in s, d;

	pk_msg_begin(b, SADB_GETSPI, SADB_SATYPE_ESP, 2, (uint32_t)getpid());
	pk_add_address(b, SADB_EXT_ADDRESS_SRC, sin4(&s, "192.0.2.1", 0), 0, 32);
	pk_add_address(b, SADB_EXT_ADDRESS_DST, sin4(&d, "192.0.2.2", 0), 0, 32);
	pk_add_spirange(b, 0x100, 0x0fffffff);
}

static void example_spdadd(struct pk_buf *b)
{
	struct sockaddr_in s, d, ts, td;

	pk_msg_begin(b, SADB_X_SPDADD, SADB_SATYPE_UNSPEC, 3, (uint32_t)getpid());
	pk_add_address(b, SADB_EXT_ADDRESS_SRC, sin4(&s, "10.0.0.0", 0),
		       IPPROTO_TCP, 24);
	pk_add_address(b, SADB_EXT_ADDRESS_DST, sin4(&d, "10.0.1.0", 80),
		       IPPROTO_TCP, 24);
	pk_add_policy(b, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0,
		      PK_PRIORITY_DEFAULT);
	pk_add_policy_request(b, IPPROTO_ESP, IPSEC_MODE_TUNNEL,
			      IPSEC_LEVEL_REQUIRE, 0,
			      sin4(&ts, "192.0.2.1", 0), sin4(&td, "192.0.2.2", 0));
}

static void example_register(struct pk_buf *b)
{
	struct sadb_alg algs[64];
	size_t n;

	pk_msg_begin(b, SADB_REGISTER, SADB_SATYPE_ESP, 4, (uint32_t)getpid());
	n = pk_alg_supported(PK_ALG_AUTH, algs, 64);
	pk_add_supported(b, SADB_EXT_SUPPORTED_AUTH, algs, n);
	n = pk_alg_supported(PK_ALG_ENCR, algs, 64);
	pk_add_supported(b, SADB_EXT_SUPPORTED_ENCRYPT, algs, n);
}

static const struct {
	const char *name;
	void (*build)(struct pk_buf *);
} examples[] = {
	{ "add", example_add },
	{ "getspi", example_getspi },
	{ "spdadd", example_spdadd },
	{ "register", example_register },
};

/* Builds the example called name into b; 0, or 2 for an unknown name. */
static int build_example(const char *name, struct pk_buf *b, void *mem,
			 size_t cap)
{
	for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
		if (strcmp(name, examples[i].name) != 0)
			continue;
		pk_buf_init(b, mem, cap);
		examples[i].build(b);
		if (pk_buf_error(b) != 0) {
			fprintf(stderr, "pfkeymsg: building %s: %s\n", name,
				strerror(-pk_buf_error(b)));
			return 1;
		}
		return 0;
	}
	fprintf(stderr, "pfkeymsg: unknown example \"%s\"\n", name);
	fputs(usage_text, stderr);
	return 2;
}

static int cmd_example(int argc, char **argv)
{
	static uint8_t mem[SADB_MSG_MAX_BYTES] __attribute__((aligned(8)));
	struct pk_buf b;
	int rc;

	if (argc != 2) {
		fputs(usage_text, stderr);
		return 2;
	}
	rc = build_example(argv[1], &b, mem, sizeof(mem));
	if (rc != 0)
		return rc;
	if (isatty(STDOUT_FILENO)) {
		fputs("pfkeymsg: not writing a binary message to a terminal; "
		      "redirect or pipe it\n", stderr);
		return 2;
	}
	if (fwrite(mem, 1, b.len, stdout) != b.len || fflush(stdout) != 0) {
		fprintf(stderr, "pfkeymsg: write: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------- send, dump */

static int hide_flag(int argc, char **argv, unsigned *flags)
{
	int opt;

	optind = 1;
	while ((opt = getopt(argc, argv, "p")) != -1) {
		if (opt != 'p') {
			fputs(usage_text, stderr);
			return -1;
		}
		*flags |= PK_PRINT_HIDE_KEYS;
	}
	return optind;
}

static struct pk_conn *connect_daemon(void)
{
	struct pk_connect_opts o;
	struct pk_diag d;
	struct pk_conn *c;
	int rc;

	memset(&o, 0, sizeof(o));
	o.diag = &d;
	pk_diag_clear(&d);
	rc = pk_connect(&c, &o);
	if (rc != 0) {
		fprintf(stderr, "pfkeymsg: cannot reach pfkeyd: %s%s%s\n",
			strerror(-rc), d.detail[0] ? ": " : "", d.detail);
		return NULL;
	}
	return c;
}

/* Prints a reply; 1 when it carries an errno. */
static int show_reply(const uint8_t *buf, size_t len, unsigned flags)
{
	int err = pk_reply_errno(buf, len);

	pk_print_msg(stdout, "  ", buf, len, flags);
	if (err != 0) {
		const char *t = pk_diag_text(pk_reply_diagnostic(buf, len));

		printf("  refused: %s (diagnostic %u: %s)\n", strerror(-err),
		       pk_reply_diagnostic(buf, len), t != NULL ? t : "?");
		return 1;
	}
	return 0;
}

static int cmd_send(int argc, char **argv)
{
	static uint8_t mem[SADB_MSG_MAX_BYTES] __attribute__((aligned(8)));
	static uint8_t rep[SADB_MSG_MAX_BYTES] __attribute__((aligned(8)));
	unsigned flags = 0;
	int first = hide_flag(argc, argv, &flags), failed = 0;
	struct pk_conn *c;

	if (first < 0 || first == argc) {
		if (first == argc)
			fputs(usage_text, stderr);
		return 2;
	}
	c = connect_daemon();
	if (c == NULL)
		return 1;
	for (int i = first; i < argc; i++) {
		struct pk_buf b;
		size_t rlen;
		int rc = build_example(argv[i], &b, mem, sizeof(mem));

		if (rc != 0) {
			pk_close(c);
			return rc;
		}
		pk_buf_msg(&b)->sadb_msg_seq = pk_conn_next_seq(c);
		pk_buf_msg(&b)->sadb_msg_pid = pk_conn_pid(c);
		printf("%s: sent %zu bytes, reply:\n", argv[i], b.len);
		rc = pk_request(c, mem, b.len, rep, sizeof(rep), &rlen, 5000);
		if (rc != 0) {
			fprintf(stderr, "pfkeymsg: %s: %s\n", argv[i],
				strerror(-rc));
			pk_close(c);
			return 1;
		}
		failed |= show_reply(rep, rlen, flags);
	}
	pk_close(c);
	return failed;
}

/* One dump (SADB_DUMP or SPDDUMP): prints records until seq 0. */
static int dump_one(struct pk_conn *c, uint8_t type, unsigned flags)
{
	static uint8_t rep[SADB_MSG_MAX_BYTES] __attribute__((aligned(8)));
	struct sadb_msg h;
	struct pk_buf b;
	unsigned n = 0;

	pk_buf_init(&b, &h, sizeof(h));
	pk_msg_begin(&b, type, SADB_SATYPE_UNSPEC, pk_conn_next_seq(c),
		     pk_conn_pid(c));
	if (pk_send(c, &h, sizeof(h)) != 0)
		return -1;
	for (;;) {
		const struct sadb_msg *r = (const struct sadb_msg *)rep;
		size_t len;
		int rc = pk_recv(c, rep, sizeof(rep), &len, 5000);

		if (rc != 0) {
			fprintf(stderr, "pfkeymsg: dump: %s\n", strerror(-rc));
			return -1;
		}
		if (len < sizeof(*r) || r->sadb_msg_type != type ||
		    r->sadb_msg_pid != h.sadb_msg_pid)
			continue;	/* somebody else's broadcast */
		if (r->sadb_msg_errno == ENOENT) {
			printf("%s: empty\n", pk_msg_type_name(type));
			return 0;
		}
		printf("%s: record %u\n", pk_msg_type_name(type), ++n);
		if (show_reply(rep, len, flags) != 0)
			return -1;
		if (r->sadb_msg_seq == 0)
			return 0;
	}
}

static int cmd_dump(int argc, char **argv)
{
	unsigned flags = 0;
	int first = hide_flag(argc, argv, &flags), rc;
	struct pk_conn *c;

	if (first != argc) {
		if (first >= 0)
			fputs(usage_text, stderr);
		return 2;
	}
	c = connect_daemon();
	if (c == NULL)
		return 1;
	rc = dump_one(c, SADB_DUMP, flags);
	if (rc == 0)
		rc = dump_one(c, SADB_X_SPDDUMP, flags);
	pk_close(c);
	return rc == 0 ? 0 : 1;
}

/* ------------------------------------------------------------ algorithms */

static void print_bits(const struct pk_alg *a)
{
	if (a->flags & PK_ALGF_NOKEY)
		printf("%-14s", "none");
	else if (a->incr_bits == 0 || a->min_bits == a->max_bits)
		printf("%-14u", a->min_bits);
	else {
		char r[32];

		snprintf(r, sizeof(r), "%u-%u/%u", a->min_bits, a->max_bits,
			 a->incr_bits);
		printf("%-14s", r);
	}
}

static int cmd_algorithms(void)
{
	static const char *const cls_name[] = {
		[PK_ALG_AUTH] = "auth", [PK_ALG_ENCR] = "encr",
		[PK_ALG_COMP] = "comp",
	};
	size_t n;
	const struct pk_alg *t = pk_alg_table(&n);

	printf("%-5s %-4s %-18s %-14s %4s %s\n", "class", "id", "name",
	       "key bits", "salt", "also accepted");
	for (size_t i = 0; i < n; i++) {
		const struct pk_alg *a = &t[i];

		printf("%-5s %-4u %-18s ", cls_name[a->cls], a->id, a->name);
		print_bits(a);
		printf(" %4u", a->salt_bits);
		for (const struct pk_alg_name *nm = a->names; nm->name; nm++) {
			if (strcmp(nm->name, a->name) == 0)
				continue;
			printf(" %s%s", nm->name,
			       nm->dialects == PK_DIALECT_SETKEY ? "(setkey)" :
			       nm->dialects == PK_DIALECT_IPSECKEY ? "(ipseckey)"
								   : "");
		}
		putchar('\n');
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (strcmp(argv[1], "decode") == 0)
		return cmd_decode(argc - 1, argv + 1);
	if (strcmp(argv[1], "example") == 0)
		return cmd_example(argc - 1, argv + 1);
	if (strcmp(argv[1], "algorithms") == 0 && argc == 2)
		return cmd_algorithms();
	if (strcmp(argv[1], "send") == 0)
		return cmd_send(argc - 1, argv + 1);
	if (strcmp(argv[1], "dump") == 0)
		return cmd_dump(argc - 1, argv + 1);
	fprintf(stderr, "pfkeymsg: unknown command \"%s\"\n", argv[1]);
	fputs(usage_text, stderr);
	return 2;
}
