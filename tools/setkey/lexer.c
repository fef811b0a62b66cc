/*
 * lexer.c - setkey's tokenizer (see lexer.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lexer.h"

/* Word characters: everything but white space, ';', '"', '#'. */
static const unsigned char word_end[256] = {
	[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, ['\f'] = 1, ['\v'] = 1,
	[';'] = 1, ['"'] = 1, ['#'] = 1,
};

void sk_lex_init(struct sk_lexer *lx, FILE *in, const char *name)
{
	memset(lx, 0, sizeof(*lx));
	lx->in = in;
	lx->name = name;
	lx->line = 1;
	lx->col = 1;
}

void sk_lex_free(struct sk_lexer *lx)
{
	if (lx->text != NULL) {
		explicit_bzero(lx->text, lx->cap);
		free(lx->text);
	}
	if (lx->buf != NULL) {
		explicit_bzero(lx->buf, SK_LEX_BUF);
		free(lx->buf);
	}
	lx->text = NULL;
	lx->buf = NULL;
	lx->cap = lx->len = lx->bpos = lx->blen = 0;
}

int sk_lex_seek(struct sk_lexer *lx, uint64_t off, unsigned long line,
		unsigned long col)
{
	if (off > (uint64_t)LONG_MAX ||
	    fseek(lx->in, (long)off, SEEK_SET) != 0)
		return -1;
	lx->base = off;
	lx->bpos = lx->blen = 0;
	lx->eof = false;
	lx->line = line;
	lx->col = col;
	return 0;
}

/* Reads the next block; false at the end of the input (or on error). */
static bool refill(struct sk_lexer *lx)
{
	size_t n;

	if (lx->eof)
		return false;
	if (lx->buf == NULL) {
		lx->buf = malloc(SK_LEX_BUF);
		if (lx->buf == NULL) {
			lx->eof = true;
			return false;
		}
	}
	if (lx->interactive) {
		/* a line as soon as it is typed, not a full block */
		ssize_t r;

		do
			r = read(fileno(lx->in), lx->buf, SK_LEX_BUF);
		while (r < 0 && errno == EINTR);
		n = r > 0 ? (size_t)r : 0;
	} else {
		n = fread(lx->buf, 1, SK_LEX_BUF, lx->in);
	}
	lx->base += lx->blen;
	lx->bpos = 0;
	lx->blen = n;
	if (n == 0) {
		lx->eof = true;
		return false;
	}
	if (lx->tee != NULL)
		fwrite(lx->buf, 1, n, lx->tee);
	return true;
}

static inline int get(struct sk_lexer *lx)
{
	int c;

	if (lx->bpos == lx->blen && !refill(lx))
		return EOF;
	c = lx->buf[lx->bpos++];
	if (c == '\n') {
		lx->line++;
		lx->col = 1;
	} else {
		lx->col++;
	}
	return c;
}

/* Pushes back c, the character get() just returned; not a newline. */
static void unget(struct sk_lexer *lx, int c)
{
	if (c == EOF)
		return;
	lx->bpos--;
	lx->col--;
}

static int reserve(struct sk_lexer *lx, size_t more)
{
	size_t need = lx->len + more + 1, ncap;
	char *n;

	if (need <= lx->cap)
		return 0;
	if (need > SK_TOKEN_MAX)
		return -1;
	ncap = lx->cap ? lx->cap : 256;
	while (ncap < need)
		ncap *= 2;
	if (ncap > SK_TOKEN_MAX)
		ncap = SK_TOKEN_MAX;
	n = malloc(ncap);
	if (n == NULL)
		return -1;
	if (lx->text != NULL) {
		memcpy(n, lx->text, lx->len);
		explicit_bzero(lx->text, lx->cap);
		free(lx->text);
	}
	lx->text = n;
	lx->cap = ncap;
	return 0;
}

static int put(struct sk_lexer *lx, char c)
{
	if (reserve(lx, 1) != 0)
		return -1;
	lx->text[lx->len++] = c;
	lx->text[lx->len] = '\0';
	return 0;
}

/* Appends the n bytes at s (no newline among them). */
static int put_span(struct sk_lexer *lx, const unsigned char *s, size_t n)
{
	if (reserve(lx, n) != 0)
		return -1;
	memcpy(lx->text + lx->len, s, n);
	lx->len += n;
	lx->text[lx->len] = '\0';
	return 0;
}

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static enum sk_tok fail(struct sk_lexer *lx, const char *msg)
{
	lx->errmsg = msg;
	return lx->tok = SK_T_ERROR;
}

static enum sk_tok lex_string(struct sk_lexer *lx)
{
	int c, h1, h2;

	for (;;) {
		c = get(lx);
		if (c == EOF)
			return fail(lx, "unterminated quoted string");
		if (c == '"')
			break;
		if (c == '\\') {
			int e = get(lx);

			switch (e) {
			case '"': c = '"'; break;
			case '\\': c = '\\'; break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'x':
				h1 = hexval(get(lx));
				h2 = hexval(get(lx));
				if (h1 < 0 || h2 < 0)
					return fail(lx, "bad \\x escape in quoted "
						    "string, expected two hex "
						    "digits");
				c = h1 * 16 + h2;
				break;
			case EOF:
				return fail(lx, "unterminated quoted string");
			default:
				/* not an escape: both characters stay */
				if (put(lx, '\\') != 0)
					return fail(lx, "token too long");
				if (e == '\n') {
					c = '\n';
				} else {
					c = e;
				}
				break;
			}
		}
		if (put(lx, (char)c) != 0)
			return fail(lx, "quoted string too long");
	}
	return lx->tok = SK_T_STRING;
}

enum sk_tok sk_lex_next(struct sk_lexer *lx)
{
	int c;

	lx->len = 0;
	if (lx->text != NULL)
		lx->text[0] = '\0';
	lx->errmsg = NULL;
	for (;;) {
		c = get(lx);
		if (c == '#') {
			while ((c = get(lx)) != EOF && c != '\n')
				;
			continue;
		}
		if (c == EOF || !is_space(c))
			break;
	}
	lx->tline = lx->line;
	lx->tcol = lx->col - 1;
	lx->toff = lx->base + lx->bpos - 1;
	if (c == EOF) {
		lx->tcol = lx->col;
		if (put(lx, '\0') == 0)
			lx->len = 0;
		return lx->tok = SK_T_EOF;
	}
	if (c == ';') {
		put(lx, ';');
		return lx->tok = SK_T_SEMI;
	}
	if (c == '"')
		return lex_string(lx);
	unget(lx, c);
	for (;;) {
		const unsigned char *b, *q, *e;
		size_t n;

		if (lx->bpos == lx->blen && !refill(lx))
			break;
		b = lx->buf + lx->bpos;
		e = lx->buf + lx->blen;
		for (q = b; q < e && !word_end[*q]; q++)
			;
		n = (size_t)(q - b);
		if (put_span(lx, b, n) != 0) {
			/* swallow the rest of the word */
			while ((c = get(lx)) != EOF && !word_end[c])
				;
			unget(lx, c == '\n' ? EOF : c);
			return fail(lx, "token too long");
		}
		lx->bpos += n;
		lx->col += n;
		if (q < e)
			break;		/* the delimiter stays for the next token */
	}
	return lx->tok = SK_T_WORD;
}
