/*
 * lexer.c - setkey's tokenizer (see lexer.h).
 */
#include <stdlib.h>
#include <string.h>

#include "lexer.h"

void sk_lex_init(struct sk_lexer *lx, FILE *in, const char *name)
{
	memset(lx, 0, sizeof(*lx));
	lx->in = in;
	lx->name = name;
	lx->line = 1;
	lx->col = 1;
	lx->peeked = -2;
}

void sk_lex_free(struct sk_lexer *lx)
{
	if (lx->text != NULL) {
		explicit_bzero(lx->text, lx->cap);
		free(lx->text);
	}
	lx->text = NULL;
	lx->cap = lx->len = 0;
}

static int get(struct sk_lexer *lx)
{
	int c;

	if (lx->peeked != -2) {
		c = lx->peeked;
		lx->peeked = -2;
	} else {
		c = getc_unlocked(lx->in);
		if (c != EOF && lx->tee != NULL)
			putc_unlocked(c, lx->tee);
	}
	if (c == '\n') {
		lx->line++;
		lx->col = 1;
	} else if (c != EOF) {
		lx->col++;
	}
	return c;
}

/* Pushes back c, which must not be a newline. */
static void unget(struct sk_lexer *lx, int c)
{
	if (c == EOF)
		return;
	lx->peeked = c;
	lx->col--;
}

static int put(struct sk_lexer *lx, char c)
{
	if (lx->len + 1 >= lx->cap) {
		size_t ncap = lx->cap ? lx->cap * 2 : 256;
		char *n;

		if (lx->len + 1 >= SK_TOKEN_MAX)
			return -1;
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
	}
	lx->text[lx->len++] = c;
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
	do {
		if (put(lx, (char)c) != 0) {
			/* swallow the rest of the word */
			while ((c = get(lx)) != EOF && !is_space(c) &&
			       c != ';' && c != '"' && c != '#')
				;
			unget(lx, c == '\n' ? EOF : c);
			return fail(lx, "token too long");
		}
		c = get(lx);
	} while (c != EOF && !is_space(c) && c != ';' && c != '"' && c != '#');
	if (c != '\n')
		unget(lx, c);
	return lx->tok = SK_T_WORD;
}
