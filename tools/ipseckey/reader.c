/*
 * reader.c - turns input into commands: physical lines of at most
 * IK_LINE_MAX bytes, a trailing backslash continuing a command, blank and
 * '#' lines skipped, tokens split on white space with double quotes
 * grouping.  Every token keeps its line and column for error messages.
 * Command text may hold keys: buffers are zeroed before reuse and free.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <editline/readline.h>

#include "ik.h"

void ik_line_init(struct ik_line *l)
{
	memset(l, 0, sizeof(*l));
}

void ik_line_reset(struct ik_line *l)
{
	if (l->buf != NULL)
		explicit_bzero(l->buf, l->cap);
	if (l->text != NULL)
		explicit_bzero(l->text, l->tcapx);
	l->len = l->ntok = l->tlen = 0;
	l->first_line = 0;
}

void ik_line_free(struct ik_line *l)
{
	ik_line_reset(l);
	free(l->buf);
	free(l->tok);
	free(l->text);
	ik_line_init(l);
}

/* Grows *p (of *cap bytes) to hold need bytes, zeroing what it leaves. */
static int grow(char **p, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : 256;
	char *n;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	n = malloc(ncap);
	if (n == NULL)
		return -1;
	if (*p != NULL) {
		memcpy(n, *p, *cap);
		explicit_bzero(*p, *cap);
		free(*p);
	}
	*p = n;
	*cap = ncap;
	return 0;
}

static int add_text(struct ik_line *l, const char *s, size_t n)
{
	if (grow(&l->text, &l->tcapx, l->tlen + n + 2) != 0)
		return -1;
	memcpy(l->text + l->tlen, s, n);
	l->tlen += n;
	l->text[l->tlen] = '\0';
	return 0;
}

/* Token strings are offsets into buf while it may move; fixed at the end. */
static int add_tok(struct ik_line *l, size_t off, unsigned line, unsigned col)
{
	if (l->ntok == l->tcap) {
		size_t n = l->tcap ? l->tcap * 2 : 32;
		struct ik_tok *t = realloc(l->tok, n * sizeof(*t));

		if (t == NULL)
			return -1;
		l->tok = t;
		l->tcap = n;
	}
	l->tok[l->ntok].s = (const char *)(uintptr_t)off;
	l->tok[l->ntok].line = line;
	l->tok[l->ntok].col = col;
	l->ntok++;
	return 0;
}

static void fix_tokens(struct ik_line *l)
{
	for (size_t i = 0; i < l->ntok; i++)
		l->tok[i].s = l->buf + (size_t)(uintptr_t)l->tok[i].s;
}

static void unfix_tokens(struct ik_line *l)
{
	for (size_t i = 0; i < l->ntok; i++)
		l->tok[i].s = (const char *)(uintptr_t)(l->tok[i].s - l->buf);
}

int ik_tokenize(struct ik_line *l, const char *text, unsigned lineno,
		bool *cont, const char **why, unsigned *col)
{
	size_t n = strlen(text);
	size_t i = 0;

	*cont = false;
	/* Trailing white space, then a backslash: the command goes on. */
	while (n > 0 && isspace((unsigned char)text[n - 1]))
		n--;
	if (n > 0 && text[n - 1] == '\\') {
		*cont = true;
		n--;
	}
	if (l->len + n + 1 > IK_CMD_MAX) {
		*why = "Command too long.";
		*col = 1;
		return -1;
	}
	unfix_tokens(l);
	if (grow(&l->buf, &l->cap, l->len + n + 1) != 0) {
		fix_tokens(l);
		*why = "Out of memory.";
		*col = 1;
		return -1;
	}
	while (i < n) {
		unsigned start;
		bool quoted = false;

		while (i < n && isspace((unsigned char)text[i]))
			i++;
		if (i >= n)
			break;
		start = (unsigned)i + 1;
		if (add_tok(l, l->len, lineno, start) != 0) {
			fix_tokens(l);
			*why = "Out of memory.";
			*col = start;
			return -1;
		}
		while (i < n && (quoted || !isspace((unsigned char)text[i]))) {
			if (text[i] == '"') {
				quoted = !quoted;
				i++;
				continue;
			}
			l->buf[l->len++] = text[i++];
		}
		l->buf[l->len++] = '\0';
		if (quoted) {
			fix_tokens(l);
			*why = "Unterminated quoted string.";
			*col = start;
			return -1;
		}
	}
	fix_tokens(l);
	return 0;
}

/* One physical line into buf (size IK_LINE_MAX + 2); 1, 0 at EOF, -1 long. */
static int get_line(struct ik_reader *r, char *buf, bool first)
{
	size_t n;

	if (r->edit) {
		char *s = readline(first ? "ipseckey> " : "> ");

		if (s == NULL)
			return 0;
		n = strlen(s);
		if (n > IK_LINE_MAX) {
			explicit_bzero(s, n);
			free(s);
			r->lineno++;
			return -1;
		}
		memcpy(buf, s, n + 1);
		explicit_bzero(s, n);
		free(s);
		r->lineno++;
		return 1;
	}
	if (r->prompt) {
		fputs(first ? "ipseckey> " : "> ", stdout);
		fflush(stdout);
	}
	if (fgets(buf, IK_LINE_MAX + 2, r->f) == NULL)
		return 0;
	r->lineno++;
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n') {
		buf[--n] = '\0';
		if (n > 0 && buf[n - 1] == '\r')
			buf[--n] = '\0';
	} else if (!feof(r->f)) {
		/* Longer than IK_LINE_MAX: swallow the rest of it. */
		int ch;

		while ((ch = getc(r->f)) != EOF && ch != '\n')
			;
		return -1;
	}
	if (n > IK_LINE_MAX)
		return -1;
	return 1;
}

static bool skippable(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return *s == '\0' || *s == '#';
}

int ik_read_command(struct ik_reader *r, struct ik_line *l, const char **why,
		    unsigned *where_line, unsigned *where_col)
{
	char buf[IK_LINE_MAX + 2];
	bool cont = true, first = true;
	int rc = 0;

	ik_line_reset(l);
	while (cont) {
		int g = get_line(r, buf, first);

		if (g == 0) {
			/* EOF inside a continued command ends it. */
			rc = first ? 0 : 1;
			break;
		}
		if (g < 0) {
			*why = "Line too long (more than 4096 bytes).";
			*where_line = r->lineno;
			*where_col = IK_LINE_MAX + 1;
			if (first)
				l->first_line = r->lineno;
			/* Skip the rest of this command. */
			while (cont) {
				size_t n;

				if (get_line(r, buf, false) <= 0)
					break;
				n = strlen(buf);
				while (n > 0 && isspace((unsigned char)buf[n - 1]))
					n--;
				cont = n > 0 && buf[n - 1] == '\\';
			}
			explicit_bzero(buf, sizeof(buf));
			return -1;
		}
		if (first && skippable(buf))
			continue;
		if (!first && buf[0] != '\0' && skippable(buf) &&
		    strchr(buf, '#') != NULL)
			continue;
		if (first) {
			l->first_line = r->lineno;
			if (r->edit && buf[0] != '\0')
				add_history(buf);
		}
		if (!first)
			add_text(l, "\n", 1);
		add_text(l, buf, strlen(buf));
		first = false;
		if (ik_tokenize(l, buf, r->lineno, &cont, why, where_col) != 0) {
			*where_line = r->lineno;
			explicit_bzero(buf, sizeof(buf));
			/* Drop the rest of a continued command. */
			while (cont && get_line(r, buf, false) > 0) {
				size_t n = strlen(buf);

				while (n > 0 && isspace((unsigned char)buf[n - 1]))
					n--;
				cont = n > 0 && buf[n - 1] == '\\';
			}
			explicit_bzero(buf, sizeof(buf));
			return -1;
		}
		rc = 1;
	}
	explicit_bzero(buf, sizeof(buf));
	if (rc == 1 && l->ntok == 0)
		return ik_read_command(r, l, why, where_line, where_col);
	return rc;
}

int ik_line_from_argv(struct ik_line *l, int argc, char **argv)
{
	size_t col = 1;

	ik_line_reset(l);
	l->first_line = 1;
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (l->len + n + 1 > IK_CMD_MAX)
			return -1;
		unfix_tokens(l);
		if (grow(&l->buf, &l->cap, l->len + n + 1) != 0 ||
		    add_tok(l, l->len, 1, (unsigned)col) != 0) {
			fix_tokens(l);
			return -1;
		}
		memcpy(l->buf + l->len, argv[i], n + 1);
		l->len += n + 1;
		fix_tokens(l);
		if (i > 0)
			add_text(l, " ", 1);
		add_text(l, argv[i], n);
		col += n + 1;
	}
	return 0;
}
