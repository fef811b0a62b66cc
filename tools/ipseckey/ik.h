/*
 * ik.h - the ipseckey front end: vocabulary, command reader, parser and
 * the context that runs commands against pfkeyd.
 *
 *   text ─► ik_read_command() ─► struct ik_line (tokens with line:column)
 *        ─► ik_parse() ─► struct ik_req (one command, addresses resolved)
 *        ─► ik_build() ─► PF_KEY message(s), one per destination address
 *        ─► ik_exec() (ipseckey.c) ─► pfkeyd, replies printed
 *
 * The vocabulary (commands, extension keywords, SA types, states, identity
 * types) is kept in one table each (vocab.c); the parser, help text, the
 * man page's keyword list and bash completion all read them.
 */
#ifndef IPSECKEY_IK_H
#define IPSECKEY_IK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "pfkey/alg.h"
#include "pfkey/msg.h"

#define IK_LINE_MAX	4096		/* bytes in one physical line */
#define IK_CMD_MAX	(64 * 1024)	/* bytes in one command (continued) */
#define IK_KEY_MAX	512		/* bytes of one key (4096 bits) */

/* ------------------------------------------------------------ vocabulary */

enum ik_cmd_id {
	IK_C_ADD = 1, IK_C_UPDATE, IK_C_UPDATE_PAIR, IK_C_DELETE,
	IK_C_DELETE_PAIR, IK_C_GET, IK_C_FLUSH, IK_C_DUMP, IK_C_SAVE,
	IK_C_MONITOR, IK_C_PMONITOR, IK_C_HELP, IK_C_QUIT,
};

/* How a command treats its SA type. */
enum ik_satype_rule {
	IK_ST_NONE = 0,		/* takes none (help, quit, monitor) */
	IK_ST_SPECIFIC,		/* needs ah, esp or a number (add, update) */
	IK_ST_SINGLE,		/* needs one type (delete, get) */
	IK_ST_OPTIONAL,		/* all = none (flush, dump) */
	IK_ST_SAVE,		/* needed, all allowed (save) */
};

/* ik_cmd.flags */
#define IK_CF_SHELL	0x1	/* may be given as shell arguments */
#define IK_CF_FILE	0x2	/* may appear in a -f file */
#define IK_CF_EXTS	0x4	/* takes extension keywords */

struct ik_cmd {
	const char	*name;
	uint8_t		id;		/* enum ik_cmd_id */
	uint8_t		msgtype;	/* SADB_* sent, 0 if none */
	uint8_t		satype_rule;	/* enum ik_satype_rule */
	uint8_t		flags;		/* IK_CF_* */
	const char	*what;		/* "Dump" in "Dump not appropriate ..." */
	const char	*usage;		/* argument synopsis */
	const char	*help;		/* one sentence */
};

enum ik_kw_id {
	IK_K_SPI = 1, IK_K_PAIR_SPI, IK_K_INBOUND, IK_K_OUTBOUND, IK_K_REPLAY,
	IK_K_REPLAY_VALUE, IK_K_STATE, IK_K_AUTH_ALG, IK_K_ENCR_ALG,
	IK_K_SOFT_ALLOC, IK_K_HARD_ALLOC, IK_K_SOFT_BYTES, IK_K_HARD_BYTES,
	IK_K_SOFT_ADDTIME, IK_K_HARD_ADDTIME, IK_K_SOFT_USETIME,
	IK_K_HARD_USETIME, IK_K_IDLE_ADDTIME, IK_K_IDLE_USETIME,
	IK_K_SRC, IK_K_DST, IK_K_ISRC, IK_K_IDST, IK_K_NAT_LOC, IK_K_NAT_REM,
	IK_K_SPORT, IK_K_DPORT, IK_K_ISPORT, IK_K_IDPORT, IK_K_NAT_LPORT,
	IK_K_NAT_RPORT, IK_K_PROTO, IK_K_IPROTO, IK_K_ENCAP, IK_K_AUTHKEY,
	IK_K_ENCRKEY, IK_K_RESERVED_BITS, IK_K_SRCIDTYPE, IK_K_DSTIDTYPE,
	IK_K_LABEL, IK_K_OUTER_LABEL, IK_K_IMPLICIT_LABEL,
	IK_K_MAX = IK_K_IMPLICIT_LABEL
};

/* What follows a keyword. */
enum ik_arg {
	IK_A_NONE = 0,		/* a flag */
	IK_A_NUM,		/* <number> */
	IK_A_NAME_NUM,		/* <name>|<number> (algorithms, state) */
	IK_A_ADDR,		/* <address>|<name> */
	IK_A_PREFIX,		/* <address>|<name>[/<prefix>] */
	IK_A_KEY,		/* <hexstr>[/<bits>] */
	IK_A_WORD,		/* one word (encap udp, labels) */
	IK_A_ID,		/* <type> <value> */
};

/* Address slots of a request. */
enum ik_addr_slot {
	IK_AS_SRC, IK_AS_DST, IK_AS_ISRC, IK_AS_IDST, IK_AS_NLOC, IK_AS_NREM,
	IK_AS_MAX
};

struct ik_kw {
	const char	*name;
	uint8_t		id;		/* enum ik_kw_id; synonyms share it */
	uint8_t		arg;		/* enum ik_arg */
	bool		v6;		/* *6 forms: IPv6 results only */
	bool		lookup;		/* get/delete accept it */
	const char	*what;		/* "Can only specify single %s." */
	const char	*help;
};

const struct ik_cmd *ik_cmd_find(const char *name);
const struct ik_cmd *ik_cmd_table(size_t *n);
const struct ik_kw *ik_kw_find(const char *name);
const struct ik_kw *ik_kw_table(size_t *n);
/* The first (canonical) spelling of a keyword id. */
const char *ik_kw_name(unsigned id);

/* SA types: "all" is 0. Returns 0 and *satype, or -1. */
int ik_satype_parse(const char *s, unsigned *satype);
const char *ik_satype_name(unsigned satype);	/* "esp", or NULL */
int ik_state_parse(const char *s, unsigned *state);
int ik_idtype_parse(const char *s, unsigned *type);

/* Help: all commands, one command, "attr". */
void ik_help(FILE *f, const char *topic);
void ik_usage(FILE *f);

/* --------------------------------------------------------------- reader */

struct ik_tok {
	const char	*s;
	unsigned	line;
	unsigned	col;		/* 1-based, in bytes */
};

/* One command: its tokens and the text it was read from. */
struct ik_line {
	char		*buf;		/* token strings, NUL-separated */
	size_t		len, cap;
	struct ik_tok	*tok;
	size_t		ntok, tcap;
	char		*text;		/* the physical lines, for echoing */
	size_t		tlen, tcapx;
	unsigned	first_line;
};

/* Where lines come from. */
struct ik_reader {
	FILE		*f;
	const char	*name;		/* for messages */
	bool		edit;		/* libedit (stdin is a terminal) */
	bool		prompt;		/* print "ipseckey> " (interactive) */
	unsigned	lineno;
	bool		eof;
};

void ik_line_init(struct ik_line *l);
void ik_line_free(struct ik_line *l);
/* Forgets the tokens and text (zeroing them: they may hold keys). */
void ik_line_reset(struct ik_line *l);

/*
 * Reads the next command (blank and '#' lines skipped, continuations
 * joined).  Returns 1 with l filled, 0 at end of input, -1 after a
 * syntax error (line too long, unterminated quote) which *why describes,
 * at *where_line:*where_col; l holds the text read so far.
 */
int ik_read_command(struct ik_reader *r, struct ik_line *l, const char **why,
		    unsigned *where_line, unsigned *where_col);

/* Builds a command from shell arguments (columns count in the joined text). */
int ik_line_from_argv(struct ik_line *l, int argc, char **argv);

/* Splits one physical line into l's tokens.  0, or -1 with *why. */
int ik_tokenize(struct ik_line *l, const char *text, unsigned lineno,
		bool *cont, const char **why, unsigned *col);

/* ------------------------------------------------------------- requests */

struct ik_addr {
	bool		set;
	const struct ik_tok *tok;	/* the value's token */
	const struct ik_kw *kw;
	int		prefix;		/* -1: none given */
	struct sockaddr_storage *a;	/* resolved, deduplicated */
	size_t		n;
};

struct ik_lifetime {
	bool		set;
	uint32_t	alloc;
	uint64_t	bytes, addtime, usetime;
};

struct ik_key {
	bool		set;
	uint16_t	bits;
	const struct ik_tok *tok;
	uint8_t		data[IK_KEY_MAX];
};

struct ik_ident {
	bool		set;
	uint16_t	type;
	const char	*value;
};

struct ik_req {
	const struct ik_cmd *cmd;
	unsigned	satype;
	bool		satype_given;
	const char	*save_file;	/* save TYPE FILE */
	const char	*help_topic;
	uint32_t	spi, pair_spi;
	uint32_t	flags;		/* SADB_X_SAFLAGS_INBOUND/OUTBOUND ... */
	unsigned	replay, state;
	uint64_t	replay_value;
	unsigned	aalg, ealg;
	struct ik_lifetime lt_soft, lt_hard, lt_idle;
	struct ik_addr	addr[IK_AS_MAX];
	uint16_t	sport, dport, isport, idport, nat_lport, nat_rport;
	unsigned	proto, iproto;
	struct ik_key	akey, ekey;
	unsigned	reserved_bits;
	struct ik_ident	sid, did;
	bool		seen[IK_K_MAX + 1];	/* keyword ids given */
};

void ik_req_free(struct ik_req *r);

/* ------------------------------------------------------------- context */

enum ik_mode {
	IK_M_INTERACTIVE = 1,	/* prompt, errors without file header */
	IK_M_FILE,		/* -f */
	IK_M_CHECK,		/* -c: parse and build only */
	IK_M_ARGV,		/* one command from the shell */
};

/* ik_ctx.opts */
#define IK_O_NUMERIC	0x1	/* -n */
#define IK_O_VERBOSE	0x2	/* -v */
#define IK_O_PARANOID	0x4	/* -p */

struct pk_conn;

struct ik_ctx {
	unsigned	opts;
	int		mode;		/* enum ik_mode */
	bool		boot;		/* boot-time load: never echo, hide text */
	const char	*fname;		/* input name for messages */
	FILE		*out, *err;
	struct pk_conn	*conn;		/* NULL until first needed */
	/* the command being processed */
	const struct ik_line *line;
	const struct ik_kw *kw;		/* keyword being parsed, for boot mode */
	bool		header_done;
	unsigned	errors;		/* of this command */
	unsigned	warnings;
	bool		quit;
	unsigned	warned_multi;	/* 1: IPv4, 2: IPv6 multi-source */
	uint8_t		*buf, *rbuf;	/* SADB_MSG_MAX_BYTES each */
};

/* Diagnostics: tok may be NULL (then the command's first token). */
#define IK_D_USER	0x1	/* the text quotes user input */
#define IK_D_WARN	0x2	/* a warning: the command still runs */
void ik_diag(struct ik_ctx *c, const struct ik_tok *tok, unsigned flags,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Parses the command in l into r (which it initialises).  Returns 0, or -1
 * after reporting every error found through ik_diag().
 */
int ik_parse(struct ik_ctx *c, const struct ik_line *l, struct ik_req *r);

/*
 * Builds the message for destination address i (0 <= i < ndst) into b.
 * Returns 0, 1 when this destination has no source of its family and is
 * skipped, or -1 after ik_diag().
 */
int ik_build(struct ik_ctx *c, const struct ik_req *r, size_t i,
	     struct pk_buf *b, uint32_t seq, uint32_t pid);
/* How many messages a request makes (destinations; 1 without). */
size_t ik_ndst(const struct ik_req *r);

/* Address text for messages ("192.168.1.2"); buf >= INET6_ADDRSTRLEN. */
const char *ik_addr_text(const struct sockaddr_storage *ss, char *buf,
			 size_t len);

#endif /* IPSECKEY_IK_H */
