/*
 * fuzz_print.c - libFuzzer harness for the debugging printer.
 *
 * pk_print_msg() must print any bytes without reading past them, and:
 *
 *   - return 0 or -EINVAL, and 0 for every message pk_msg_parse() accepts
 *     (what the validator takes, the printer must decode without a
 *     complaint);
 *   - with PK_PRINT_HIDE_KEYS, print exactly the same text whatever the key
 *     bytes are: the input is printed a second time with the body of every
 *     key extension inverted, and the two outputs must be identical, hex
 *     rows included.
 *
 * Output goes to memory streams so it can be compared; a violation aborts.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pfkey/msg.h"
#include "pfkey/print.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_print: %s:%d: invariant violated: %s\n", \
			__FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

struct out {
	char	*text;
	size_t	len;
};

static int print_to(struct out *o, const void *msg, size_t len,
		    unsigned flags)
{
	FILE *f = open_memstream(&o->text, &o->len);
	int rc;

	REQUIRE(f != NULL);
	rc = pk_print_msg(f, "> ", msg, len, flags);
	REQUIRE(fclose(f) == 0);
	REQUIRE(rc == 0 || rc == -EINVAL);
	REQUIRE(o->len > 0);
	REQUIRE(strlen(o->text) == o->len);	/* no NUL in the text */
	return rc;
}

/*
 * Inverts the bytes after the header of every key extension the guarded
 * walk finds over all len bytes (as the printer's key mask does); returns
 * how many extensions it changed.
 */
static size_t invert_keys(uint8_t *buf, size_t len)
{
	const struct sadb_ext *e;
	size_t off = sizeof(struct sadb_msg), bytes, n = 0;

	while (pk_ext_next(buf, len, &off, &e, &bytes) == 1) {
		const struct pk_ext_info *info = pk_ext_info(e->sadb_ext_type);
		size_t at = (size_t)((const uint8_t *)e - buf);

		if (info == NULL || info->kind != PK_EK_KEY ||
		    bytes <= sizeof(struct sadb_key))
			continue;
		for (size_t i = at + sizeof(struct sadb_key); i < at + bytes; i++)
			buf[i] = (uint8_t)~buf[i];
		n++;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned hidden[] = {
		PK_PRINT_HIDE_KEYS, PK_PRINT_HIDE_KEYS | PK_PRINT_HEX,
	};
	struct out plain = { 0 }, hex = { 0 };
	struct pk_msg m;
	int parsed = pk_msg_parse(&m, data, size, NULL);
	uint8_t *copy;

	REQUIRE(print_to(&plain, data, size, 0) == 0 || parsed != 0);
	REQUIRE(print_to(&hex, data, size, PK_PRINT_HEX) == 0 || parsed != 0);
	free(plain.text);
	free(hex.text);

	copy = malloc(size > 0 ? size : 1);
	REQUIRE(copy != NULL);
	memcpy(copy, data, size);
	if (invert_keys(copy, size) > 0) {
		for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++) {
			struct out a = { 0 }, b = { 0 };

			print_to(&a, data, size, hidden[i]);
			print_to(&b, copy, size, hidden[i]);
			REQUIRE(a.len == b.len &&
				memcmp(a.text, b.text, a.len) == 0);
			free(a.text);
			free(b.text);
		}
	}
	free(copy);
	return 0;
}
