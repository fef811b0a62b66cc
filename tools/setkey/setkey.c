/*
 * setkey.c - the KAME/BSD setkey command over pfkeyd.
 *
 * A file is read twice: pass 1 parses and validates every command (and
 * builds every message, checked by libpfkey's validator) without sending
 * anything; only when the whole file is clean does pass 2 send the
 * messages, pipelined.  Pass 1 keeps the messages it built in a spool of
 * bounded size (spool.h), so pass 2 replays them instead of parsing
 * again; only what did not fit is parsed a second time, from where the
 * spool stopped.  The parser holds one command at a time, so memory does
 * not grow with the file.  Standard input, which cannot be read twice, is
 * copied to an unlinked temporary file during pass 1; but a terminal is no
 * file to check whole, so typed commands apply one at a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply.h"
#include "build.h"
#include "parse.h"
#include "pfkey/msg.h"
#include "pfkey/print.h"
#include "pfkey/print_setkey.h"
#include "spool.h"

#ifndef PFKEY_VERSION
#define PFKEY_VERSION "unknown"
#endif

struct opts {
	bool		noaction;	/* -n */
	unsigned	verbose;	/* -v */
	bool		rfc;		/* -r (default) / -k */
	int		family;		/* -4 / -6 */
	bool		ports;		/* -p */
	bool		all;		/* -a */
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: setkey [-knrv46] [-f FILE | -c]     apply commands (FILE - is stdin)\n"
"       setkey [-aklPprv] -D                dump the SAD (-P: the SPD)\n"
"       setkey [-Pv] -F                     flush the SAD (-P: the SPD)\n"
"       setkey [-H] -x | -xx                monitor every PF_KEY message\n"
"       setkey FILE...                      decode files of raw messages\n"
"       setkey -V | -? | -h\n"
"\n"
"commands (each ends with ';'):\n"
"  add|update [-46n] SRC DST PROTO SPI [EXT...] ALG... ;\n"
"  getspi [-46n] SRC DST PROTO SPI [EXT...] ;\n"
"  get|delete [-46n] SRC DST PROTO SPI ;   deleteall [-46n] SRC DST PROTO ;\n"
"  flush [PROTO] ;   dump [PROTO] ;\n"
"  spdadd|spdupdate [-46n] RANGE RANGE UPPER [-ctx DOI ALG \"CTX\"] POLICY ;\n"
"  spddelete [-46n] RANGE RANGE UPPER -P DIR ;   spdflush ;   spddump ;\n"
"  exit ;   quit ;\n"
"SRC, DST := ADDRESS[\\[PORT\\]]    RANGE := ADDRESS[/PREFIX][\\[PORT|any\\]]\n"
"PROTO := esp | esp-old | ah | ah-old | ipcomp | esp-udp | tcp\n"
"EXT := -m transport|tunnel|any | -r WINDOW | -u REQID | -f zero-pad|\n"
"       random-pad|seq-pad|nocyclic-seq | -lh|-ls SECONDS | -bh|-bs BYTES |\n"
"       -ctx DOI ALG \"CTX\" | -o ORIGINAL_ADDRESS (esp-udp)\n"
"ALG := -E EALGO KEY [-A AALGO KEY] | -A AALGO KEY | -C CALGO [-R]\n"
"KEY := \"STRING\" | 0xHEX\n"
"UPPER := any | NUMBER | NAME (/etc/protocols) | icmp6 [TYPE,CODE] | ip4\n"
"POLICY := -P in|out|fwd [PRIORITY] discard|none|entrust|bypass\n"
"        | -P in|out|fwd [PRIORITY] ipsec REQUEST...\n"
"PRIORITY := prio|priority N | [prio] low|def|high [+|- N]\n"
"REQUEST := esp|ah|ipcomp/transport|tunnel/[SRC-DST]/[default|use|require|\n"
"           unique[:N]]\n");
}

struct check {
	const struct opts	*o;
	struct sk_spool		*spool;	/* NULL with -n */
};

/*
 * Pass 1's sink: the message was built and validated; -v -n shows it, and
 * the spool keeps it for pass 2 while there is room.
 */
static int check_emit(void *arg, const struct sk_cmd *c, void *msg,
		      size_t len)
{
	struct check *k = arg;

	if (k->o->verbose && k->o->noaction)
		pk_print_msg(stdout, NULL, msg, len, 0);
	if (k->spool != NULL && !k->spool->closed &&
	    sk_spool_msg(k->spool, c, msg, len) != 0)
		sk_spool_close(k->spool, c);	/* pass 2 parses from c */
	return 0;
}

static bool seekable(FILE *f)
{
	struct stat st;

	return fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
	       fseek(f, 0, SEEK_CUR) == 0;
}

/* Pass 1: returns the number of errors. */
static unsigned long check_pass(FILE *in, const char *name,
				const struct opts *o, FILE *tee,
				struct sk_spool *spool, uint8_t *buf)
{
	struct sk_build_opts bo = { .rfc = o->rfc };
	struct check k = { .o = o, .spool = spool };
	struct sk_parser p;
	struct sk_cmd c;
	struct pk_diag d;
	enum sk_parse_rc rc;
	unsigned long errors;

	sk_parser_init(&p, in, name, stderr);
	p.family = o->family;
	p.lx.tee = tee;
	p.lx.interactive = isatty(fileno(in));	/* errors as lines are typed */
	while ((rc = sk_parse_next(&p, &c)) != SK_PARSE_EOF) {
		if (rc == SK_PARSE_ERROR)
			continue;
		if (c.type == SK_EXIT) {
			sk_cmd_free(&c);
			break;
		}
		if (spool != NULL) {
			sk_spool_begin(spool);
			if (c.type == SK_DELETEALL && !spool->closed &&
			    sk_spool_deleteall(spool, &c) != 0)
				sk_spool_close(spool, &c);
		}
		if (sk_build(&c, &bo, buf, SADB_MSG_MAX_BYTES, check_emit,
			     &k, &d) != 0)
			sk_report(&p, c.line, c.col, "%s", d.detail);
		sk_cmd_free(&c);
	}
	errors = p.errors;
	sk_parser_free(&p);
	return errors;
}

static int deleteall(struct sk_apply *a, const struct sk_cmd *c)
{
	size_t ns = sk_host_count(&c->src), nd = sk_host_count(&c->dst);
	struct sockaddr_storage *v = calloc(ns + nd + 1, sizeof(*v));
	int rc;

	if (v == NULL) {
		fprintf(stderr, "setkey: %s:%lu: out of memory\n", a->fname,
			c->line);
		a->failures++;
		return -ENOMEM;
	}
	sk_host_copy(&c->src, v);
	sk_host_copy(&c->dst, v + ns);
	rc = sk_apply_deleteall(a, c->satype, c->line, v, ns, v + ns, nd);
	free(v);
	return rc;
}

/*
 * Sends one parsed command (pass 2 beyond the spool, or a command typed
 * at a terminal).  A message that cannot be built is reported and counted;
 * returns deleteall's error, which stops the run.
 */
static int apply_cmd(struct sk_parser *p, struct sk_apply *a,
		     const struct sk_build_opts *bo, const struct sk_cmd *c,
		     uint8_t *buf)
{
	struct pk_diag d;

	if (c->type == SK_DELETEALL)
		return deleteall(a, c);
	if (sk_build(c, bo, buf, SADB_MSG_MAX_BYTES, sk_apply_emit, a,
		     &d) != 0 && d.err != 0) {
		sk_report(p, c->line, c->col, "%s", d.detail);
		a->failures++;
	}
	return 0;
}

/*
 * Pass 2: sends what the spool kept; if it was closed, parses the rest
 * of the input again, from where the spool stopped, and sends that.
 */
static int apply_pass(FILE *in, const char *name, const struct opts *o,
		      struct sk_spool *spool, struct sk_apply *a,
		      uint8_t *buf)
{
	struct sk_build_opts bo = { .rfc = o->rfc };
	struct sk_spool_pos pos = { 0 };
	struct sk_parser p;
	struct sk_rec r;
	struct sk_cmd c;
	enum sk_parse_rc rc;
	int err = 0;

	while (err == 0 && sk_spool_next(spool, &pos, &r)) {
		if (r.kind == SK_REC_DELETEALL)
			err = sk_apply_deleteall(a, r.satype, r.line, r.src,
						 r.nsrc, r.dst, r.ndst);
		else
			(void)sk_apply_send(a, r.cmd, r.satype, r.line, r.msg,
					    r.len);	/* counted in a */
	}
	if (err != 0 || !spool->closed)
		goto out;
	sk_parser_init(&p, in, name, stderr);
	p.family = o->family;
	if (sk_lex_seek(&p.lx, spool->resume_off, spool->resume_line,
			spool->resume_col) != 0) {
		fprintf(stderr, "setkey: %s: cannot read again: %s\n", name,
			strerror(errno));
		sk_parser_free(&p);
		return -EIO;
	}
	while (err == 0 && (rc = sk_parse_next(&p, &c)) != SK_PARSE_EOF) {
		if (rc == SK_PARSE_ERROR) {
			/* the file changed under us */
			err = -EINVAL;
			break;
		}
		if (c.type == SK_EXIT) {
			sk_cmd_free(&c);
			break;
		}
		err = apply_cmd(&p, a, &bo, &c, buf);
		sk_cmd_free(&c);
	}
	sk_parser_free(&p);
out:
	if (err == 0)
		err = sk_apply_drain(a);
	return err;
}

/* Connects to pfkeyd for applying; 0, or -1 after saying why. */
static int open_apply(struct sk_apply *a, const char *name,
		      const struct opts *o)
{
	memset(a, 0, sizeof(*a));
	a->fname = name;
	a->verbose = o->verbose;
	a->all = o->all;
	a->print_flags = (o->ports ? PK_SETKEY_PORTS : 0) |
			 (o->rfc ? 0 : PK_SETKEY_KERNEL);
	if (sk_apply_open(a, true) != 0) {
		sk_apply_close(a);
		return -1;
	}
	return 0;
}

/*
 * Commands typed at a terminal: each is applied as soon as its ';' is
 * read (waiting for its answer, so refusals show at once), since there is
 * no whole file to check first.  A command with an error is reported and
 * skipped.
 */
static int run_terminal(const char *name, const struct opts *o)
{
	struct sk_build_opts bo = { .rfc = o->rfc };
	struct sk_parser p;
	struct sk_apply a;
	struct sk_cmd c;
	enum sk_parse_rc rc;
	unsigned long errors;
	uint8_t *buf = malloc(SADB_MSG_MAX_BYTES);
	int err = 0;

	if (buf == NULL) {
		fprintf(stderr, "setkey: out of memory\n");
		return 1;
	}
	if (open_apply(&a, name, o) != 0) {
		free(buf);
		return 1;
	}
	sk_parser_init(&p, stdin, name, stderr);
	p.family = o->family;
	p.lx.interactive = true;
	while (err == 0 && (rc = sk_parse_next(&p, &c)) != SK_PARSE_EOF) {
		if (rc == SK_PARSE_ERROR)
			continue;
		if (c.type == SK_EXIT) {
			sk_cmd_free(&c);
			break;
		}
		err = apply_cmd(&p, &a, &bo, &c, buf);
		sk_cmd_free(&c);
		if (err == 0)
			err = sk_apply_drain(&a);
		fflush(stdout);
	}
	errors = p.errors;
	sk_parser_free(&p);
	err = err != 0 || errors > 0 || a.failures > 0 ? 1 : 0;
	sk_apply_close(&a);
	explicit_bzero(buf, SADB_MSG_MAX_BYTES);
	free(buf);
	return err;
}

static int run_file(const char *path, const struct opts *o)
{
	const char *name = strcmp(path, "-") == 0 ? "(stdin)" : path;
	FILE *in, *tee = NULL, *again;
	struct sk_spool spool;
	struct sk_apply a;
	unsigned long errors;
	uint8_t *buf;
	int rc;

	if (strcmp(path, "-") == 0 && !o->noaction && isatty(STDIN_FILENO))
		return run_terminal(name, o);
	in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (in == NULL) {
		fprintf(stderr, "setkey: %s: %s\n", path, strerror(errno));
		return 1;
	}
	buf = malloc(SADB_MSG_MAX_BYTES);
	if (buf == NULL) {
		fprintf(stderr, "setkey: out of memory\n");
		return 1;
	}
	if (!o->noaction && !seekable(in)) {
		tee = tmpfile();	/* unlinked, mode 0600 */
		if (tee == NULL) {
			fprintf(stderr, "setkey: temporary file: %s\n",
				strerror(errno));
			free(buf);
			return 1;
		}
	}
	sk_spool_init(&spool, SK_SPOOL_MAX);
	errors = check_pass(in, name, o, tee, o->noaction ? NULL : &spool,
			    buf);
	if (errors > 0) {
		fprintf(stderr, "setkey: %s: %lu error%s, nothing applied\n",
			name, errors, errors == 1 ? "" : "s");
		rc = 1;
		goto out;
	}
	if (o->noaction) {
		rc = 0;
		goto out;
	}
	again = tee != NULL ? tee : in;
	if (spool.closed && fflush(again) != 0) {
		fprintf(stderr, "setkey: %s: cannot read again: %s\n", name,
			strerror(errno));
		rc = 1;
		goto out;
	}
	if (open_apply(&a, name, o) != 0) {
		rc = 1;
		goto out;
	}
	rc = apply_pass(again, name, o, &spool, &a, buf);
	rc = rc != 0 || a.failures > 0 ? 1 : 0;
	sk_apply_close(&a);
out:
	sk_spool_free(&spool);
	explicit_bzero(buf, SADB_MSG_MAX_BYTES);
	free(buf);
	if (tee != NULL)
		fclose(tee);
	if (in != stdin)
		fclose(in);
	return rc;
}

/* setkey FILE...: decodes files of raw PF_KEY messages. */
static int decode_files(char **files, int n, bool hex)
{
	uint8_t *buf = malloc(SADB_MSG_MAX_BYTES);
	int rc = 0;

	if (buf == NULL)
		return 1;
	for (int i = 0; i < n; i++) {
		FILE *f = fopen(files[i], "rb");
		struct sadb_msg h;

		if (f == NULL) {
			fprintf(stderr, "setkey: %s: %s\n", files[i],
				strerror(errno));
			rc = 1;
			continue;
		}
		for (;;) {
			size_t got = fread(&h, 1, sizeof(h), f), len, more;

			if (got == 0)
				break;
			if (got < sizeof(h) || h.sadb_msg_len < 2) {
				fprintf(stderr, "setkey: %s: truncated or "
					"malformed message header\n",
					files[i]);
				rc = 1;
				break;
			}
			len = SADB_BYTES(h.sadb_msg_len);
			memcpy(buf, &h, sizeof(h));
			more = fread(buf + sizeof(h), 1, len - sizeof(h), f);
			if (more < len - sizeof(h)) {
				fprintf(stderr, "setkey: %s: message of %zu "
					"bytes truncated to %zu\n", files[i],
					len, sizeof(h) + more);
				pk_print_msg(stdout, NULL, buf,
					     sizeof(h) + more,
					     hex ? PK_PRINT_HEX : 0);
				rc = 1;
				break;
			}
			if (pk_print_msg(stdout, NULL, buf, len,
					 hex ? PK_PRINT_HEX : 0) != 0)
				rc = 1;
		}
		fclose(f);
	}
	explicit_bzero(buf, SADB_MSG_MAX_BYTES);
	free(buf);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o = { .rfc = true, .family = AF_UNSPEC };
	bool cflag = false, dump = false, flush = false, spd = false;
	bool loop = false, hex = false, hflag = false, help = false;
	bool version = false;
	unsigned xcount = 0;
	const char *file = NULL;
	struct sk_apply a;
	int ch, rc;

	opterr = 0;
	while ((ch = getopt(argc, argv, "46acDf:FhHklnpPrvVx")) != -1) {
		switch (ch) {
		case '4': o.family = AF_INET; break;
		case '6': o.family = AF_INET6; break;
		case 'a': o.all = true; break;
		case 'c': cflag = true; break;
		case 'D': dump = true; break;
		case 'f': file = optarg; break;
		case 'F': flush = true; break;
		case 'h': hflag = true; break;
		case 'H': hex = true; break;
		case 'k': o.rfc = false; break;
		case 'l': loop = true; break;
		case 'n': o.noaction = true; break;
		case 'p': o.ports = true; break;
		case 'P': spd = true; break;
		case 'r': o.rfc = true; break;
		case 'v': o.verbose++; break;
		case 'V': version = true; break;
		case 'x': xcount++; break;
		case '?':
			if (optopt == '?') {
				help = true;
				break;
			}
			if (optopt == 'f')
				fprintf(stderr, "setkey: -f needs a file name "
					"(- for standard input)\n");
			else
				fprintf(stderr, "setkey: unknown option -%c\n",
					optopt);
			usage(stderr);
			return 1;
		default:
			usage(stderr);
			return 1;
		}
	}
	/* -h: hex with -x (as on NetBSD and OpenDarwin), else help */
	if (hflag && xcount > 0)
		hex = true;
	else if (hflag)
		help = true;
	if (help) {
		usage(stdout);
		return 0;
	}
	if (version) {
		printf("setkey (pfkey) %s\n", PFKEY_VERSION);
		return 0;
	}
	if (file != NULL || cflag) {
		if (optind < argc || dump || flush || xcount) {
			usage(stderr);
			return 1;
		}
		return run_file(file != NULL ? file : "-", &o);
	}
	if (!dump && !flush && xcount == 0) {
		if (optind < argc)
			return decode_files(argv + optind, argc - optind, hex);
		usage(stderr);
		return 1;
	}
	if (optind < argc) {
		usage(stderr);
		return 1;
	}
	memset(&a, 0, sizeof(a));
	a.fname = "(command line)";
	a.verbose = o.verbose;
	a.all = o.all;
	a.print_flags = (o.ports ? PK_SETKEY_PORTS : 0) |
			(o.rfc ? 0 : PK_SETKEY_KERNEL);
	if (sk_apply_open(&a, true) != 0) {
		sk_apply_close(&a);
		return 1;
	}
	if (xcount > 0)
		rc = sk_apply_monitor(&a, xcount, hex);
	else if (flush)
		rc = sk_apply_flush(&a, spd);
	else if (loop && !spd)
		rc = sk_apply_loop(&a);
	else
		rc = sk_apply_dump(&a, spd, SADB_SATYPE_UNSPEC, 0);
	rc = rc != 0 || a.failures > 0 ? 1 : 0;
	sk_apply_close(&a);
	return rc;
}
