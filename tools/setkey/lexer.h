/*
 * lexer.h - setkey's tokenizer: a stream of words, quoted strings and ';'.
 *
 * The lexer reads a FILE in blocks of SK_LEX_BUF bytes into a buffer of its
 * own, scans words a span at a time, and keeps only that block and the
 * token it is building, so memory does not grow with the input.  A word is a run
 * of characters other than white space, ';', '"' and '#'; the parser splits
 * words such as "10.0.0.0/24[80]" or "esp/tunnel/a-b/require" itself.
 * '#' outside a quoted string starts a comment to the end of the line.
 *
 * Quoted strings may span lines (line numbers stay right) and know the
 * escapes \" \\ \n \t \r and \xHH; any other backslash is kept literally,
 * as older setkey files expect.
 */
#ifndef SETKEY_LEXER_H
#define SETKEY_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The longest token; a -ctx string or key longer than this is refused. */
#define SK_TOKEN_MAX	65536
/* The input block. */
#define SK_LEX_BUF	65536

enum sk_tok {
	SK_T_EOF = 0,
	SK_T_WORD,
	SK_T_STRING,	/* text without the quotes, escapes decoded */
	SK_T_SEMI,
	SK_T_ERROR,	/* lexical error: lex->errmsg says what */
};

struct sk_lexer {
	FILE		*in;
	const char	*name;		/* for messages */
	FILE		*tee;		/* every block read is copied here */
	bool		interactive;	/* a terminal: take what one read() gives */
	unsigned long	line, col;	/* of the next character */
	unsigned char	*buf;		/* SK_LEX_BUF bytes, read ahead */
	size_t		bpos, blen;
	uint64_t	base;		/* input offset of buf[0] */
	bool		eof;
	/* the current token */
	enum sk_tok	tok;
	char		*text;		/* NUL-terminated; len bytes */
	size_t		len, cap;
	unsigned long	tline, tcol;	/* where it started */
	uint64_t	toff;		/* its input offset */
	const char	*errmsg;
};

void sk_lex_init(struct sk_lexer *lx, FILE *in, const char *name);
/* Zeroes and frees the token and input buffers (they may have held a key). */
void sk_lex_free(struct sk_lexer *lx);
/*
 * Goes back (or on) to input offset off, which is at line, col: a token
 * start found by an earlier reading (lx->toff, tline, tcol).  The input
 * must be seekable.  Returns 0 or -1 with errno.
 */
int sk_lex_seek(struct sk_lexer *lx, uint64_t off, unsigned long line,
		unsigned long col);
/* Reads the next token into lx->tok / lx->text. */
enum sk_tok sk_lex_next(struct sk_lexer *lx);

#endif /* SETKEY_LEXER_H */
