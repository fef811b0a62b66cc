/*
 * test_diag.c - diagnostic codes and texts (lib/diag.c): the Solaris codes
 * 0-83 keep their ipseckey texts (reference/ipseckey-behavior.md section 6),
 * pfkey's own codes 100..MAX all have one, nothing in between does, and
 * pk_diag_set/pk_diag_clear fill and clear a struct pk_diag safely.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "pfkey/diag.h"
#include "pfkey/msg.h"
#include "pfkey/pfkeyv2.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void test_solaris_texts_present_and_distinct(void **state)
{
	(void)state;
	assert_int_equal(SADB_X_DIAGNOSTIC_SOLARIS_MAX, 83);
	for (unsigned i = 0; i <= SADB_X_DIAGNOSTIC_SOLARIS_MAX; i++) {
		const char *a = pk_diag_text(i);

		assert_non_null(a);
		assert_true(strlen(a) > 0);
		for (unsigned j = 0; j < i; j++)
			if (strcmp(a, pk_diag_text(j)) == 0)
				fail_msg("codes %u and %u share \"%s\"", j, i, a);
	}
}

/* Texts from reference/ipseckey-behavior.md section 6, verbatim. */
static void test_solaris_texts_exact(void **state)
{
	static const struct {
		unsigned	code;
		const char	*text;
	} ref[] = {
		{ 0, "No diagnostic" },
		{ 1, "Unknown message type" },
		{ 2, "Unknown extension type" },
		{ 3, "Bad extension length" },
		{ 4, "Unknown Security Association type" },
		{ 5, "Specific Security Association type needed" },
		{ 7, "No extensions needed for message" },
		{ 8, "Bad source address family" },
		{ 10, "Bad inner-source address family" },
		{ 11, "Source/destination address family mismatch" },
		{ 16, "Soft add expiration time later than hard expiration time" },
		{ 18, "Missing source address" },
		{ 20, "Missing SA extension" },
		{ 26, "Duplicate SA extension" },
		{ 33, "Malformed encryption key" },
		{ 34, "Malformed authentication key" },
		{ 36, "Authentication key not needed" },
		{ 39, "Supported algorithms extension not needed" },
		{ 43, "Invalid SA state" },
		{ 44, "Bad number of authentication bits" },
		{ 45, "Bad number of encryption bits" },
		{ 50, "Duplicate key management cookie" },
		{ 57, "Duplicate NAT-T ports" },
		{ 64, "Invalid inner-source prefix length" },
		{ 66, "Bad inner-destination address family" },
		{ 68, "Bad NAT-T remote address family" },
		{ 69, "Bad NAT-T local address family" },
		{ 71, "Inner source/destination protocol mismatch" },
		{ 72, "Both inner ports and outer ports are set" },
		{ 73, "Pairing failed, target SA unsuitable for pairing" },
		{ 76, "Command failed, pair security association not found" },
		{ 79, "Security association is not valid" },
		{ 80, "Algorithm invalid or not supported" },
		{ 81, "Invalid Replay counter" },
		{ 82, "Inappropriate lifetimes" },
		{ 83, "Bad label" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ref); i++) {
		const char *t = pk_diag_text(ref[i].code);

		assert_non_null(t);
		assert_string_equal(t, ref[i].text);
	}
	/* the named constants are the Solaris numbers */
	assert_int_equal(SADB_X_DIAGNOSTIC_BAD_AKEYBITS, 44);
	assert_int_equal(SADB_X_DIAGNOSTIC_PAIR_INAPPROPRIATE, 73);
	assert_int_equal(SADB_X_DIAGNOSTIC_BAD_LABEL, 83);
	assert_int_equal(SADB_X_DIAGNOSTIC_BAD_PROXY_AF,
			 SADB_X_DIAGNOSTIC_BAD_INNER_SRC_AF);
}

static void test_pfkey_texts(void **state)
{
	(void)state;
	assert_int_equal(SADB_X_DIAGNOSTIC_MAX, 116);
	for (unsigned i = 100; i <= SADB_X_DIAGNOSTIC_MAX; i++) {
		const char *a = pk_diag_text(i);

		assert_non_null(a);
		assert_true(strlen(a) > 0);
		/* distinct from every other code's text */
		for (unsigned j = 0; j <= SADB_X_DIAGNOSTIC_MAX; j++) {
			const char *b = pk_diag_text(j);

			if (j != i && b != NULL && strcmp(a, b) == 0)
				fail_msg("codes %u and %u share \"%s\"", j, i, a);
		}
	}
	assert_string_equal(pk_diag_text(SADB_X_DIAGNOSTIC_SHORT_MSG),
			    "Message shorter than a PF_KEY header");
	assert_string_equal(pk_diag_text(SADB_X_DIAGNOSTIC_TRAILING_BYTES),
			    "Bytes after the last extension");
	assert_string_equal(pk_diag_text(SADB_X_DIAGNOSTIC_BAD_POLICY_TYPE),
			    "Bad policy type");
}

static void test_no_text_outside_ranges(void **state)
{
	(void)state;
	for (unsigned i = SADB_X_DIAGNOSTIC_SOLARIS_MAX + 1; i < 100; i++)
		assert_null(pk_diag_text(i));
	assert_null(pk_diag_text(SADB_X_DIAGNOSTIC_MAX + 1));
	assert_null(pk_diag_text(200));
	assert_null(pk_diag_text(UINT16_MAX));
	assert_null(pk_diag_text(UINT32_MAX));
	assert_null(pk_diag_text((unsigned)-100));
}

/* Every diagnostic the extension table can give has a text. */
static void test_ext_table_codes_have_texts(void **state)
{
	unsigned n = 0;

	(void)state;
	for (unsigned t = 0; t < 256; t++) {
		const struct pk_ext_info *e = pk_ext_info(t);

		if (e == NULL)
			continue;
		n++;
		assert_int_equal(e->type, t);
		assert_non_null(e->name);
		assert_string_equal(pk_ext_name(t), e->name);
		assert_true(e->min_len >= sizeof(struct sadb_ext));
		assert_int_equal(e->min_len % 8, 0);
		assert_non_null(pk_diag_text(e->diag_missing));
		assert_non_null(pk_diag_text(e->diag_duplicate));
		assert_non_null(pk_diag_text(e->diag_malformed));
		assert_int_not_equal(e->diag_missing, SADB_X_DIAGNOSTIC_NONE);
		assert_int_not_equal(e->diag_duplicate, SADB_X_DIAGNOSTIC_NONE);
		assert_int_not_equal(e->diag_malformed, SADB_X_DIAGNOSTIC_NONE);
	}
	assert_int_equal(n, 34);
	assert_null(pk_ext_info(SADB_EXT_RESERVED));
	assert_null(pk_ext_info(SADB_PFKEY_EXT_MAX + 1));
}

static void test_diag_set_fills_all(void **state)
{
	struct pk_diag d;

	(void)state;
	memset(&d, 0x5a, sizeof(d));
	assert_int_equal(pk_diag_set(&d, EINVAL, SADB_X_DIAGNOSTIC_BAD_SASTATE,
				     SADB_EXT_SA, 25, "sadb_sa_state",
				     "state %u, expected 0-%u", 9, 5), -EINVAL);
	assert_int_equal(d.err, EINVAL);
	assert_int_equal(d.code, SADB_X_DIAGNOSTIC_BAD_SASTATE);
	assert_int_equal(d.ext_type, SADB_EXT_SA);
	assert_int_equal(d.offset, 25);
	assert_string_equal(d.field, "sadb_sa_state");
	assert_string_equal(d.detail, "state 9, expected 0-5");

	assert_int_equal(pk_diag_set(&d, EMSGSIZE, SADB_X_DIAGNOSTIC_SHORT_MSG,
				     0, 0, "sadb_msg_len", NULL), -EMSGSIZE);
	assert_int_equal(d.err, EMSGSIZE);
	assert_int_equal(d.code, SADB_X_DIAGNOSTIC_SHORT_MSG);
	assert_int_equal(d.ext_type, 0);
	assert_int_equal(d.offset, 0);
	/* no format: the previous detail does not linger */
	assert_string_equal(d.detail, "");

	assert_int_equal(pk_diag_set(&d, EOPNOTSUPP, SADB_X_DIAGNOSTIC_MAX,
				     UINT16_MAX, 524279, NULL, "%s", "x"),
			 -EOPNOTSUPP);
	assert_null(d.field);
	assert_int_equal(d.ext_type, UINT16_MAX);
	assert_int_equal(d.offset, 524279);
	assert_string_equal(d.detail, "x");
}

static void test_diag_set_null(void **state)
{
	(void)state;
	assert_int_equal(pk_diag_set(NULL, EINVAL, 1, 2, 3, "f", "%d", 4),
			 -EINVAL);
	assert_int_equal(pk_diag_set(NULL, ENOBUFS, 0, 0, 0, NULL, NULL),
			 -ENOBUFS);
	assert_int_equal(pk_diag_set(NULL, 0, 0, 0, 0, NULL, NULL), 0);
	pk_diag_clear(NULL);
}

static void test_diag_set_truncates(void **state)
{
	char big[400];
	struct pk_diag d;
	size_t cap = sizeof(d.detail);

	(void)state;
	memset(big, 'k', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(&d, 0x5a, sizeof(d));
	assert_int_equal(pk_diag_set(&d, EINVAL, 3, 4, 5, "f", "<%s>", big),
			 -EINVAL);
	assert_int_equal(strlen(d.detail), cap - 1);
	assert_int_equal(d.detail[0], '<');
	assert_int_equal(d.detail[cap - 2], 'k');
	assert_int_equal(d.detail[cap - 1], '\0');
	/* the fields after the detail are intact */
	assert_int_equal(d.err, EINVAL);
	assert_int_equal(d.code, 3);
	assert_int_equal(d.ext_type, 4);
	assert_int_equal(d.offset, 5);
	/* exactly cap - 1 characters fit */
	big[cap - 1] = '\0';
	pk_diag_set(&d, EINVAL, 0, 0, 0, NULL, "%s", big);
	assert_int_equal(strlen(d.detail), cap - 1);
}

static void test_diag_clear(void **state)
{
	struct pk_diag d;

	(void)state;
	pk_diag_set(&d, EINVAL, 12, 5, 40, "sa_family", "bad %s", "family");
	pk_diag_clear(&d);
	assert_int_equal(d.err, 0);
	assert_int_equal(d.code, SADB_X_DIAGNOSTIC_NONE);
	assert_int_equal(d.ext_type, 0);
	assert_int_equal(d.offset, 0);
	assert_null(d.field);
	assert_string_equal(d.detail, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_solaris_texts_present_and_distinct),
		cmocka_unit_test(test_solaris_texts_exact),
		cmocka_unit_test(test_pfkey_texts),
		cmocka_unit_test(test_no_text_outside_ranges),
		cmocka_unit_test(test_ext_table_codes_have_texts),
		cmocka_unit_test(test_diag_set_fills_all),
		cmocka_unit_test(test_diag_set_null),
		cmocka_unit_test(test_diag_set_truncates),
		cmocka_unit_test(test_diag_clear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
