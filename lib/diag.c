/*
 * diag.c - diagnostic codes and their texts.
 *
 * Codes 0-83 carry the meaning and number of the Solaris/illumos kernel
 * diagnostics, so ipseckey users see the texts they know; 100 and above are
 * pfkey's own, for the checks that list has no code for.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "pfkey/diag.h"
#include "pfkey/pfkeyv2.h"

static const char *const solaris_text[SADB_X_DIAGNOSTIC_SOLARIS_MAX + 1] = {
	"No diagnostic",
	"Unknown message type",
	"Unknown extension type",
	"Bad extension length",
	"Unknown Security Association type",
	"Specific Security Association type needed",
	"No Security Association Databases present",
	"No extensions needed for message",
	"Bad source address family",
	"Bad destination address family",
	"Bad inner-source address family",
	"Source/destination address family mismatch",
	"Bad source address value",
	"Bad destination address value",
	"Soft allocations limit more than hard limit",
	"Soft bytes limit more than hard limit",
	"Soft add expiration time later than hard expiration time",
	"Soft use expiration time later than hard expiration time",
	"Missing source address",
	"Missing destination address",
	"Missing SA extension",
	"Missing encryption key",
	"Missing authentication key",
	"Missing SPI range",
	"Duplicate source address",
	"Duplicate destination address",
	"Duplicate SA extension",
	"Duplicate encryption key",
	"Duplicate authentication key",
	"Duplicate SPI range",
	"Malformed source address",
	"Malformed destination address",
	"Malformed SA extension",
	"Malformed encryption key",
	"Malformed authentication key",
	"Malformed SPI range",
	"Authentication key not needed",
	"Encryption key not needed",
	"Proposal extension not needed",
	"Supported algorithms extension not needed",
	"Unsupported authentication algorithm",
	"Unsupported encryption algorithm",
	"Invalid SA flags",
	"Invalid SA state",
	"Bad number of authentication bits",
	"Bad number of encryption bits",
	"Encryption not supported for this SA type",
	"Weak encryption key",
	"Weak authentication key",
	"Duplicate key management protocol",
	"Duplicate key management cookie",
	"Missing NAT-T local address",
	"Missing NAT-T remote address",
	"Duplicate NAT-T local address",
	"Duplicate NAT-T remote address",
	"Malformed NAT-T local address",
	"Malformed NAT-T remote address",
	"Duplicate NAT-T ports",
	"Missing inner source address",
	"Missing inner destination address",
	"Duplicate inner source address",
	"Duplicate inner destination address",
	"Malformed inner source address",
	"Malformed inner destination address",
	"Invalid inner-source prefix length",
	"Invalid inner-destination prefix length",
	"Bad inner-destination address family",
	"Inner source/destination address family mismatch",
	"Bad NAT-T remote address family",
	"Bad NAT-T local address family",
	"Source/destination protocol mismatch",
	"Inner source/destination protocol mismatch",
	"Both inner ports and outer ports are set",
	"Pairing failed, target SA unsuitable for pairing",
	"Source/destination address differs from pair SA",
	"Already paired with another security association",
	"Command failed, pair security association not found",
	"Inappropriate SA direction",
	"Security association not found",
	"Security association is not valid",
	"Algorithm invalid or not supported",
	"Invalid Replay counter",
	"Inappropriate lifetimes",
	"Bad label",
};

static const char *const pfkey_text[] = {
	[SADB_X_DIAGNOSTIC_SHORT_MSG - 100] = "Message shorter than a PF_KEY header",
	[SADB_X_DIAGNOSTIC_BAD_VERSION - 100] = "Unsupported PF_KEY version",
	[SADB_X_DIAGNOSTIC_BAD_MSGLEN - 100] = "Message length does not match the bytes received",
	[SADB_X_DIAGNOSTIC_BAD_RESERVED - 100] = "Reserved field not zero",
	[SADB_X_DIAGNOSTIC_TRAILING_BYTES - 100] = "Bytes after the last extension",
	[SADB_X_DIAGNOSTIC_DUPLICATE_EXT - 100] = "Duplicate extension",
	[SADB_X_DIAGNOSTIC_MALFORMED_EXT - 100] = "Malformed extension",
	[SADB_X_DIAGNOSTIC_MISSING_EXT - 100] = "Missing required extension",
	[SADB_X_DIAGNOSTIC_EXT_NOT_ALLOWED - 100] = "Extension not allowed in this message",
	[SADB_X_DIAGNOSTIC_MALFORMED_POLICY - 100] = "Malformed policy",
	[SADB_X_DIAGNOSTIC_MALFORMED_SUPP - 100] = "Malformed supported algorithms extension",
	[SADB_X_DIAGNOSTIC_MALFORMED_LIFETIME - 100] = "Malformed lifetime",
	[SADB_X_DIAGNOSTIC_MALFORMED_IDENTITY - 100] = "Malformed identity",
	[SADB_X_DIAGNOSTIC_MALFORMED_SA2 - 100] = "Malformed SA2 extension",
	[SADB_X_DIAGNOSTIC_BAD_PREFIX - 100] = "Prefix length beyond the address family's maximum",
	[SADB_X_DIAGNOSTIC_BAD_POLICY_DIR - 100] = "Bad policy direction",
	[SADB_X_DIAGNOSTIC_BAD_POLICY_TYPE - 100] = "Bad policy type",
};

const char *pk_diag_text(unsigned code)
{
	if (code <= SADB_X_DIAGNOSTIC_SOLARIS_MAX)
		return solaris_text[code];
	if (code >= 100 && code - 100 < sizeof(pfkey_text) / sizeof(pfkey_text[0]))
		return pfkey_text[code - 100];
	return NULL;
}

/*
 * Every request clears a diagnostic two or three times on its way, so the
 * 160 bytes of detail are not wiped: an empty string is all it says.
 */
void pk_diag_clear(struct pk_diag *d)
{
	if (d != NULL) {
		d->err = 0;
		d->code = 0;
		d->ext_type = 0;
		d->offset = 0;
		d->field = NULL;
		d->detail[0] = '\0';
	}
}

int pk_diag_set(struct pk_diag *d, int err, uint16_t code, uint16_t ext_type,
		size_t offset, const char *field, const char *fmt, ...)
{
	if (d != NULL) {
		d->err = err;
		d->code = code;
		d->ext_type = ext_type;
		d->offset = (uint32_t)offset;
		d->field = field;
		d->detail[0] = '\0';
		if (fmt != NULL) {
			va_list ap;

			va_start(ap, fmt);
			vsnprintf(d->detail, sizeof(d->detail), fmt, ap);
			va_end(ap);
		}
	}
	return -err;
}
