/*
 * parse.h - setkey's command language: one command at a time.
 *
 * sk_parse_next() reads tokens up to and including the next ';' and fills
 * a struct sk_cmd; on a syntax or semantic error it reports it (to the
 * error stream, with file, line and column), skips to the next ';' and
 * returns SK_PARSE_ERROR, so that a caller can go on and report every
 * error of a file.  Nothing here talks to pfkeyd: build.c turns a command
 * into PF_KEY messages, apply.c sends them.
 *
 * Grammar (the usage text and doc/setkey.8 say the same):
 *
 *   add|update   [-46n] src dst proto spi [ext...] algorithm... ;
 *   getspi       [-46n] src dst proto spi [ext...] ;
 *   get|delete   [-46n] src dst proto spi ;
 *   deleteall    [-46n] src dst proto ;
 *   flush|dump   [proto] ;
 *   spdadd|spdupdate [-46n] range range upperspec [-ctx doi alg "s"] policy ;
 *   spddelete    [-46n] range range upperspec [-ctx ...] -P dir [...] ;
 *   spdadd tagged "tag" policy ;          (refused: not supported)
 *   spdflush ; spddump ; exit ; quit ;
 */
#ifndef SETKEY_PARSE_H
#define SETKEY_PARSE_H

#include <netdb.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "lexer.h"
#include "pfkey/alg.h"

enum sk_cmd_type {
	SK_ADD = 1, SK_UPDATE, SK_GETSPI, SK_GET, SK_DELETE, SK_DELETEALL,
	SK_FLUSH, SK_DUMP, SK_SPDADD, SK_SPDUPDATE, SK_SPDDELETE,
	SK_SPDFLUSH, SK_SPDDUMP, SK_EXIT,
};

/* The protocol word of an SAD command. */
enum sk_proto {
	SK_P_NONE = 0, SK_P_ESP, SK_P_ESP_OLD, SK_P_AH, SK_P_AH_OLD,
	SK_P_IPCOMP, SK_P_ESP_UDP, SK_P_TCP,
};

/* A host or range: the addresses it resolved to, a prefix, a port. */
struct sk_host {
	struct addrinfo	*ai;		/* getaddrinfo() list, or NULL */
	int		prefix;		/* -1: the full length */
	int		port;		/* -1: none given; "any" is 0 */
};

#define SK_MAX_REQUESTS	16
#define SK_MAX_KEY	512		/* bytes: 4096 bits */

struct sk_request {
	uint16_t		proto;		/* IPPROTO_ESP/AH/COMP */
	uint8_t			mode;
	uint8_t			level;
	uint32_t		reqid;
	bool			tunnel;		/* endpoints given */
	struct sockaddr_storage	tsrc, tdst;
};

struct sk_cmd {
	enum sk_cmd_type type;
	unsigned long	line, col;	/* of the command word */
	uint64_t	off;		/* its byte offset in the input */
	int		family;		/* AF_UNSPEC, or -4 / -6 */
	bool		numeric;	/* -n: no name resolution */

	/* SAD */
	enum sk_proto	proto;
	uint8_t		satype;
	struct sk_host	src, dst;
	uint32_t	spi;
	bool		have_spi;
	uint8_t		mode;		/* IPSEC_MODE_*, default ANY */
	uint32_t	reqid;
	uint8_t		replay;
	uint32_t	flags;		/* sadb_sa_flags */
	bool		have_lh, have_ls, have_bh, have_bs;
	uint64_t	lh, ls, bh, bs;
	const struct pk_alg *ealg, *aalg, *calg;
	unsigned	ekey_bits, akey_bits;	/* of ekey / akey, below */
	struct addrinfo	*natoa;		/* -o: NAT-T original address */

	/* security context (-ctx) */
	bool		have_ctx;
	uint8_t		ctx_doi, ctx_alg;
	char		*ctx;		/* malloc'd */
	uint16_t	ctx_len;

	/* SPD */
	uint8_t		ulproto;	/* IPSEC_ULPROTO_ANY = 255 */
	int		icmp_type, icmp_code;	/* -1 when absent */
	bool		have_grekey;
	uint32_t	grekey;
	uint8_t		dir;
	uint16_t	ptype;		/* IPSEC_POLICY_* */
	uint32_t	priority;
	size_t		nreq;

	/*
	 * Not cleared for each command (5 kB): the keys are read and zeroed
	 * up to ekey_bits / akey_bits, the requests up to nreq, and each
	 * request is cleared when its parsing starts.
	 */
	uint8_t		ekey[SK_MAX_KEY], akey[SK_MAX_KEY];
	struct sk_request req[SK_MAX_REQUESTS];
};

struct sk_parser {
	struct sk_lexer	lx;
	FILE		*err;		/* where errors go (stderr) */
	int		family;		/* global -4 / -6 */
	unsigned long	errors;		/* reported so far */
	bool		resolve;	/* false: names refused (fuzzing) */
};

enum sk_parse_rc {
	SK_PARSE_EOF = 0,
	SK_PARSE_CMD,
	SK_PARSE_ERROR,
};

void sk_parser_init(struct sk_parser *p, FILE *in, const char *name,
		    FILE *err);
void sk_parser_free(struct sk_parser *p);

/* Frees a list of addresses of an sk_host (or natoa). */
void sk_addrs_free(struct addrinfo *ai);

/* Reads the next command into c (which it initialises; free it after). */
enum sk_parse_rc sk_parse_next(struct sk_parser *p, struct sk_cmd *c);

/* Frees what c owns and zeroes its keys. */
void sk_cmd_free(struct sk_cmd *c);

/* Reports an error at (line, col) in the parser's format. */
void sk_report(struct sk_parser *p, unsigned long line, unsigned long col,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif /* SETKEY_PARSE_H */
