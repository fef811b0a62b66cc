/*
 * diag.h - how libpfkey says why something was refused.
 *
 * Every function that can refuse input returns 0 or -errno and, when given
 * a struct pk_diag, fills it with the errno, the PF_KEY diagnostic code that
 * travels back to the client in sadb_msg_reserved, the extension and byte
 * offset at fault, the field's name, and a sentence saying what was found
 * and what was expected.  The sentence never contains key material.
 */
#ifndef PFKEY_DIAG_H
#define PFKEY_DIAG_H

#include <stddef.h>
#include <stdint.h>

struct pk_diag {
	int		err;		/* positive errno, 0 when nothing failed */
	uint16_t	code;		/* SADB_X_DIAGNOSTIC_* */
	uint16_t	ext_type;	/* extension at fault; 0 for the header */
	uint32_t	offset;		/* byte offset of the field in the message */
	const char	*field;		/* static name, e.g. "sadb_key_bits" */
	char		detail[160];	/* what was found and what was expected */
};

/* Clears d (which may be NULL): no error, no code, no field, detail "". */
void pk_diag_clear(struct pk_diag *d);

/*
 * Records a refusal in d (which may be NULL) and returns -err, so callers
 * can write "return pk_diag_set(d, EINVAL, ...);".  fmt, if not NULL, is a
 * printf format for d->detail.
 */
int pk_diag_set(struct pk_diag *d, int err, uint16_t code, uint16_t ext_type,
		size_t offset, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* The text of a diagnostic code ("Unknown extension type"), or NULL. */
const char *pk_diag_text(unsigned code);

#endif /* PFKEY_DIAG_H */
