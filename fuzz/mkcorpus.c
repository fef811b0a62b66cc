/*
 * mkcorpus.c - writes the codec fixtures as a libFuzzer seed corpus.
 *
 *   mkcorpus DIR
 *
 * Every fixture, the real kernel messages of tests/fixtures_kernel.c and
 * the built messages of fixtures_build_all(), becomes one file in DIR
 * (created if missing), named "NN-name" with the name reduced to
 * [A-Za-z0-9._-].  Existing files of the same names are replaced.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixtures.h"
#include "pfkey/msg.h"

#define MAX_FIXTURES 256

static int write_one(const char *dir, unsigned n, const char *name,
		     const void *buf, size_t len)
{
	char path[4096];
	int w;
	FILE *f;
	size_t i;

	w = snprintf(path, sizeof(path), "%s/%02u-", dir, n);
	if (w < 0 || (size_t)w >= sizeof(path))
		goto toolong;
	for (i = 0; name[i] != '\0' && (size_t)w + i + 1 < sizeof(path); i++) {
		char c = name[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '.' || c == '-';

		path[(size_t)w + i] = ok ? c : '_';
	}
	if (name[i] != '\0')
		goto toolong;
	path[(size_t)w + i] = '\0';

	f = fopen(path, "wb");
	if (f == NULL) {
		fprintf(stderr, "mkcorpus: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "mkcorpus: %s: write failed\n", path);
		return -1;
	}
	return 0;

toolong:
	fprintf(stderr, "mkcorpus: path too long in %s\n", dir);
	return -1;
}

int main(int argc, char **argv)
{
	const struct {
		const char *name;
		const uint8_t *buf;
		size_t len;
	} kernel[] = {
		{ "kernel_add_request", kernel_add_request, 136 },
		{ "kernel_get_reply", kernel_get_reply, 272 },
		{ "kernel_add_eexist_reply", kernel_add_eexist_reply, 16 },
		{ "kernel_get_esrch_reply", kernel_get_esrch_reply, 16 },
		{ "kernel_add_einval_100_reply", kernel_add_einval_100_reply, 16 },
		{ "kernel_add_einval_64_reply", kernel_add_einval_64_reply, 16 },
		{ "kernel_add_einval_bits_reply", kernel_add_einval_bits_reply,
		  16 },
		{ "kernel_get_after_delete_reply", kernel_get_after_delete_reply,
		  16 },
		{ "kernel_dump_empty_reply", kernel_dump_empty_reply, 16 },
	};
	struct fixture *f;
	uint8_t sent[136];
	uint16_t words = 17;
	unsigned n = 0;
	size_t nf;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	if (mkdir(argv[1], 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "mkcorpus: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < sizeof(kernel) / sizeof(kernel[0]); i++)
		if (write_one(argv[1], n++, kernel[i].name, kernel[i].buf,
			      kernel[i].len) != 0)
			return 1;
	/* The add request as the kernel received it: the log's dump was
	 * taken before the client set sadb_msg_len to 17. */
	memcpy(sent, kernel_add_request, sizeof(sent));
	memcpy(sent + offsetof(struct sadb_msg, sadb_msg_len), &words,
	       sizeof(words));
	if (write_one(argv[1], n++, "kernel_add_request_sent", sent,
		      sizeof(sent)) != 0)
		return 1;

	f = calloc(MAX_FIXTURES, sizeof(*f));
	if (f == NULL) {
		fprintf(stderr, "mkcorpus: out of memory\n");
		return 1;
	}
	nf = fixtures_build_all(f, MAX_FIXTURES);
	for (size_t i = 0; i < nf; i++)
		if (write_one(argv[1], n++, f[i].name, f[i].buf, f[i].len) != 0) {
			free(f);
			return 1;
		}
	free(f);
	printf("mkcorpus: %u seeds in %s\n", n, argv[1]);
	return 0;
}
