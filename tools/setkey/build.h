/*
 * build.h - turning one parsed setkey command into PF_KEY messages.
 *
 * A command gives one message per (source, destination) address pair of
 * one family, and in RFC mode an "in" policy gives a second, "fwd", copy.
 * Each message is built in the caller's buffer and handed to emit() with
 * seq and pid 0; the caller numbers it.
 */
#ifndef SETKEY_BUILD_H
#define SETKEY_BUILD_H

#include <stdbool.h>
#include <stddef.h>

#include "parse.h"
#include "pfkey/diag.h"

/* Returns 0 to go on, -errno to stop. */
typedef int sk_emit_fn(void *arg, const struct sk_cmd *c, void *msg,
		       size_t len);

struct sk_build_opts {
	bool	rfc;		/* "in" policies also install "fwd" */
};

/*
 * Builds and emits every message of c.  Returns 0, emit()'s error, or
 * -EINVAL with d filled when a message could not be built or did not pass
 * libpfkey's validator (a bug: the parser should have refused it first),
 * -EAFNOSUPPORT when no address pair shares a family.  Commands that need
 * a conversation (deleteall) emit nothing here.
 */
int sk_build(const struct sk_cmd *c, const struct sk_build_opts *o,
	     void *buf, size_t cap, sk_emit_fn *emit, void *arg,
	     struct pk_diag *d);

#endif /* SETKEY_BUILD_H */
