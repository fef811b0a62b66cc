/*
 * vocab.c - ipseckey's vocabulary: one table of commands, one of extension
 * keywords (every synonym of both man pages), SA types, states and identity
 * types.  The parser, help text and completion read these tables only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ik.h"

#define SH	IK_CF_SHELL
#define FI	IK_CF_FILE
#define EX	IK_CF_EXTS

static const struct ik_cmd cmds[] = {
	{ "add", IK_C_ADD, SADB_ADD, IK_ST_SPECIFIC, FI | EX, "Add",
	  "add SA_TYPE spi N dst ADDR [EXTENSION value]...",
	  "Add a security association (not from the shell: keys would show in ps)." },
	{ "update", IK_C_UPDATE, SADB_UPDATE, IK_ST_SPECIFIC, FI | EX, "Update",
	  "update SA_TYPE spi N dst ADDR [EXTENSION value]...",
	  "Update an SA's lifetimes (and, for a larval SA, keys and the rest)." },
	{ "update-pair", IK_C_UPDATE_PAIR, SADB_X_UPDATEPAIR, IK_ST_SPECIFIC,
	  FI | EX, "Update",
	  "update-pair SA_TYPE spi N dst ADDR [EXTENSION value]...",
	  "As update, applied to the SA and to the SA it is paired with." },
	{ "delete", IK_C_DELETE, SADB_DELETE, IK_ST_SINGLE, SH | FI | EX,
	  "Delete", "delete SA_TYPE spi N dst ADDR",
	  "Delete one SA; its pair, if any, becomes unpaired." },
	{ "delete-pair", IK_C_DELETE_PAIR, SADB_X_DELPAIR, IK_ST_SINGLE,
	  SH | FI | EX, "Delete", "delete-pair SA_TYPE spi N dst ADDR",
	  "Delete one SA and the SA it is paired with." },
	{ "get", IK_C_GET, SADB_GET, IK_ST_SINGLE, SH | FI | EX, "Get",
	  "get SA_TYPE spi N dst ADDR", "Look up and display one SA." },
	{ "flush", IK_C_FLUSH, SADB_FLUSH, IK_ST_OPTIONAL, SH | FI, "Flush",
	  "flush [SA_TYPE]", "Remove every SA of a type, or of all types." },
	{ "dump", IK_C_DUMP, SADB_DUMP, IK_ST_OPTIONAL, SH, "Dump",
	  "dump [SA_TYPE]", "Display every SA of a type, or of all types." },
	{ "save", IK_C_SAVE, SADB_DUMP, IK_ST_SAVE, SH, "Save",
	  "save SA_TYPE [FILE]",
	  "Write the SAs of a type (or all) in a form -f reads back; '-' or no FILE is standard output." },
	{ "monitor", IK_C_MONITOR, SADB_X_PROMISC, IK_ST_NONE, SH, "Monitor",
	  "monitor", "Report every PF_KEY message (promiscuous)." },
	{ "passive_monitor", IK_C_PMONITOR, 0, IK_ST_NONE, SH, "Monitor",
	  "passive_monitor", "Report the PF_KEY messages a socket receives anyway." },
	{ "pmonitor", IK_C_PMONITOR, 0, IK_ST_NONE, SH, "Monitor",
	  "pmonitor", "Synonym for passive_monitor." },
	{ "help", IK_C_HELP, 0, IK_ST_NONE, SH | FI, "Help",
	  "help [COMMAND | attr]", "Print help on commands, one command, or the extensions (attr)." },
	{ "?", IK_C_HELP, 0, IK_ST_NONE, SH | FI, "Help",
	  "? [COMMAND | attr]", "Synonym for help." },
	{ "quit", IK_C_QUIT, 0, IK_ST_NONE, SH | FI, "Quit", "quit",
	  "Leave ipseckey." },
	{ "exit", IK_C_QUIT, 0, IK_ST_NONE, SH | FI, "Quit", "exit",
	  "Leave ipseckey." },
};

#define N	IK_A_NONE
#define NUM	IK_A_NUM
#define NN	IK_A_NAME_NUM
#define AD	IK_A_ADDR
#define PX	IK_A_PREFIX

/* In the order help attr prints them; synonyms follow their first name. */
static const struct ik_kw kws[] = {
	{ "spi", IK_K_SPI, NUM, false, true, "SPI value", "<number>" },
	{ "pair-spi", IK_K_PAIR_SPI, NUM, false, false, "pair-spi value", "<number>" },
	{ "inbound", IK_K_INBOUND, N, false, true, "inbound flag", "" },
	{ "outbound", IK_K_OUTBOUND, N, false, true, "outbound flag", "" },
	{ "replay", IK_K_REPLAY, NUM, false, false, "replay window size", "<number>" },
	{ "replay_value", IK_K_REPLAY_VALUE, NUM, false, false, "replay value", "<number>" },
	{ "state", IK_K_STATE, NN, false, false, "SA state", "larval|mature|dying|dead|<number>" },
	{ "auth_alg", IK_K_AUTH_ALG, NN, false, false, "authentication algorithm", "<name>|<number>" },
	{ "authalg", IK_K_AUTH_ALG, NN, false, false, "authentication algorithm", "<name>|<number>" },
	{ "encr_alg", IK_K_ENCR_ALG, NN, false, false, "encryption algorithm", "<name>|<number>" },
	{ "encralg", IK_K_ENCR_ALG, NN, false, false, "encryption algorithm", "<name>|<number>" },
	{ "soft_alloc", IK_K_SOFT_ALLOC, NUM, false, false, "soft_alloc value", "<number>" },
	{ "hard_alloc", IK_K_HARD_ALLOC, NUM, false, false, "hard_alloc value", "<number>" },
	{ "soft_bytes", IK_K_SOFT_BYTES, NUM, false, false, "soft_bytes value", "<number>" },
	{ "hard_bytes", IK_K_HARD_BYTES, NUM, false, false, "hard_bytes value", "<number>" },
	{ "soft_addtime", IK_K_SOFT_ADDTIME, NUM, false, false, "soft_addtime value", "<seconds>" },
	{ "hard_addtime", IK_K_HARD_ADDTIME, NUM, false, false, "hard_addtime value", "<seconds>" },
	{ "soft_usetime", IK_K_SOFT_USETIME, NUM, false, false, "soft_usetime value", "<seconds>" },
	{ "hard_usetime", IK_K_HARD_USETIME, NUM, false, false, "hard_usetime value", "<seconds>" },
	{ "idle_addtime", IK_K_IDLE_ADDTIME, NUM, false, false, "idle_addtime value", "<seconds>" },
	{ "idle_usetime", IK_K_IDLE_USETIME, NUM, false, false, "idle_usetime value", "<seconds>" },
	{ "src", IK_K_SRC, AD, false, true, "source address", "<address>|<name>" },
	{ "srcaddr", IK_K_SRC, AD, false, true, "source address", "<address>|<name>" },
	{ "saddr", IK_K_SRC, AD, false, true, "source address", "<address>|<name>" },
	{ "src6", IK_K_SRC, AD, true, true, "source address", "<IPv6 address>|<name>" },
	{ "srcaddr6", IK_K_SRC, AD, true, true, "source address", "<IPv6 address>|<name>" },
	{ "saddr6", IK_K_SRC, AD, true, true, "source address", "<IPv6 address>|<name>" },
	{ "dst", IK_K_DST, AD, false, true, "destination address", "<address>|<name>" },
	{ "dstaddr", IK_K_DST, AD, false, true, "destination address", "<address>|<name>" },
	{ "daddr", IK_K_DST, AD, false, true, "destination address", "<address>|<name>" },
	{ "dst6", IK_K_DST, AD, true, true, "destination address", "<IPv6 address>|<name>" },
	{ "dstaddr6", IK_K_DST, AD, true, true, "destination address", "<IPv6 address>|<name>" },
	{ "daddr6", IK_K_DST, AD, true, true, "destination address", "<IPv6 address>|<name>" },
	{ "isrc", IK_K_ISRC, PX, false, false, "inner source address", "<address>|<name>[/<prefix>]" },
	{ "innersrc", IK_K_ISRC, PX, false, false, "inner source address", "<address>|<name>[/<prefix>]" },
	{ "proxy", IK_K_ISRC, PX, false, false, "inner source address", "<address>|<name>[/<prefix>]" },
	{ "proxyaddr", IK_K_ISRC, PX, false, false, "inner source address", "<address>|<name>[/<prefix>]" },
	{ "isrc6", IK_K_ISRC, PX, true, false, "inner source address", "<IPv6 address>|<name>[/<prefix>]" },
	{ "innersrc6", IK_K_ISRC, PX, true, false, "inner source address", "<IPv6 address>|<name>[/<prefix>]" },
	{ "proxy6", IK_K_ISRC, PX, true, false, "inner source address", "<IPv6 address>|<name>[/<prefix>]" },
	{ "proxyaddr6", IK_K_ISRC, PX, true, false, "inner source address", "<IPv6 address>|<name>[/<prefix>]" },
	{ "idst", IK_K_IDST, PX, false, false, "inner destination address", "<address>|<name>[/<prefix>]" },
	{ "innerdst", IK_K_IDST, PX, false, false, "inner destination address", "<address>|<name>[/<prefix>]" },
	{ "idst6", IK_K_IDST, PX, true, false, "inner destination address", "<IPv6 address>|<name>[/<prefix>]" },
	{ "innerdst6", IK_K_IDST, PX, true, false, "inner destination address", "<IPv6 address>|<name>[/<prefix>]" },
	{ "nat_loc", IK_K_NAT_LOC, AD, false, false, "NAT-T local address", "<address>|<name>" },
	{ "nat_rem", IK_K_NAT_REM, AD, false, false, "NAT-T remote address", "<address>|<name>" },
	{ "sport", IK_K_SPORT, NUM, false, true, "source port", "<portnum>" },
	{ "dport", IK_K_DPORT, NUM, false, true, "destination port", "<portnum>" },
	{ "isport", IK_K_ISPORT, NUM, false, false, "inner source port", "<portnum>" },
	{ "innersport", IK_K_ISPORT, NUM, false, false, "inner source port", "<portnum>" },
	{ "idport", IK_K_IDPORT, NUM, false, false, "inner destination port", "<portnum>" },
	{ "innerdport", IK_K_IDPORT, NUM, false, false, "inner destination port", "<portnum>" },
	{ "nat_lport", IK_K_NAT_LPORT, NUM, false, false, "NAT-T local port", "<portnum>" },
	{ "nat_rport", IK_K_NAT_RPORT, NUM, false, false, "NAT-T remote port", "<portnum>" },
	{ "proto", IK_K_PROTO, NUM, false, true, "protocol", "<protocol number>" },
	{ "ulp", IK_K_PROTO, NUM, false, true, "protocol", "<protocol number>" },
	{ "iproto", IK_K_IPROTO, NUM, false, false, "inner protocol", "<protocol number>" },
	{ "iulp", IK_K_IPROTO, NUM, false, false, "inner protocol", "<protocol number>" },
	{ "encap", IK_K_ENCAP, IK_A_WORD, false, false, "encapsulation", "udp" },
	{ "authkey", IK_K_AUTHKEY, IK_A_KEY, false, false, "authentication key", "<hexstr>[/<bits>]" },
	{ "encrkey", IK_K_ENCRKEY, IK_A_KEY, false, false, "encryption key", "<hexstr>[/<bits>]" },
	{ "reserved_bits", IK_K_RESERVED_BITS, NUM, false, false, "reserved bits value", "<number>" },
	{ "srcidtype", IK_K_SRCIDTYPE, IK_A_ID, false, false, "source identity", "<type> <value>" },
	{ "dstidtype", IK_K_DSTIDTYPE, IK_A_ID, false, false, "destination identity", "<type> <value>" },
	{ "label", IK_K_LABEL, IK_A_WORD, false, false, "label", "<label>" },
	{ "outer-label", IK_K_OUTER_LABEL, IK_A_WORD, false, false, "outer label", "<label>" },
	{ "implicit-label", IK_K_IMPLICIT_LABEL, IK_A_WORD, false, false, "implicit label", "<label>" },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

const struct ik_cmd *ik_cmd_table(size_t *n)
{
	*n = NELEM(cmds);
	return cmds;
}

const struct ik_kw *ik_kw_table(size_t *n)
{
	*n = NELEM(kws);
	return kws;
}

const struct ik_cmd *ik_cmd_find(const char *name)
{
	for (size_t i = 0; i < NELEM(cmds); i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

const struct ik_kw *ik_kw_find(const char *name)
{
	for (size_t i = 0; i < NELEM(kws); i++)
		if (strcmp(kws[i].name, name) == 0)
			return &kws[i];
	return NULL;
}

const char *ik_kw_name(unsigned id)
{
	for (size_t i = 0; i < NELEM(kws); i++)
		if (kws[i].id == id)
			return kws[i].name;
	return "?";
}

/* Strict unsigned number: base 0, no junk, no sign. */
static int number(const char *s, unsigned long long max,
		  unsigned long long *out)
{
	char *end;

	if (*s == '\0' || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || *out > max)
		return -1;
	return 0;
}

static const struct { const char *name; unsigned v; } satypes[] = {
	{ "all", SADB_SATYPE_UNSPEC }, { "ah", SADB_SATYPE_AH },
	{ "esp", SADB_SATYPE_ESP },
};

int ik_satype_parse(const char *s, unsigned *satype)
{
	unsigned long long v;

	for (size_t i = 0; i < NELEM(satypes); i++)
		if (strcasecmp(s, satypes[i].name) == 0) {
			*satype = satypes[i].v;
			return 0;
		}
	if (number(s, 255, &v) != 0)
		return -1;
	*satype = (unsigned)v;
	return 0;
}

const char *ik_satype_name(unsigned satype)
{
	for (size_t i = 0; i < NELEM(satypes); i++)
		if (satypes[i].v == satype)
			return satypes[i].name;
	return NULL;
}

static const struct { const char *name; unsigned v; } states[] = {
	{ "larval", SADB_SASTATE_LARVAL }, { "mature", SADB_SASTATE_MATURE },
	{ "dying", SADB_SASTATE_DYING }, { "dead", SADB_SASTATE_DEAD },
};

int ik_state_parse(const char *s, unsigned *state)
{
	unsigned long long v;

	for (size_t i = 0; i < NELEM(states); i++)
		if (strcasecmp(s, states[i].name) == 0) {
			*state = states[i].v;
			return 0;
		}
	if (number(s, 255, &v) != 0)
		return -1;
	*state = (unsigned)v;
	return 0;
}

static const struct { const char *name; unsigned v; } idtypes[] = {
	{ "prefix", SADB_IDENTTYPE_PREFIX }, { "fqdn", SADB_IDENTTYPE_FQDN },
	{ "domain", SADB_IDENTTYPE_FQDN }, { "domainname", SADB_IDENTTYPE_FQDN },
	{ "user_fqdn", SADB_IDENTTYPE_USERFQDN },
	{ "mailbox", SADB_IDENTTYPE_USERFQDN },
	{ "der_dn", SADB_X_IDENTTYPE_DN }, { "der_gn", SADB_X_IDENTTYPE_GN },
};

int ik_idtype_parse(const char *s, unsigned *type)
{
	unsigned long long v;

	for (size_t i = 0; i < NELEM(idtypes); i++)
		if (strcasecmp(s, idtypes[i].name) == 0) {
			*type = idtypes[i].v;
			return 0;
		}
	if (number(s, 65535, &v) != 0)
		return -1;
	*type = (unsigned)v;
	return 0;
}

void ik_usage(FILE *f)
{
	fputs("Usage:\tipseckey [ -nvp ] | cmd [sa_type] [extfield value]*\n"
	      "\tipseckey [ -nvp ] -f infile\n"
	      "\tipseckey [ -nvp ] -c infile\n"
	      "\tipseckey [ -nvp ] -s outfile\n", f);
}

static void help_attr(FILE *f)
{
	fputs("Extensions (synonyms on one line):\n", f);
	for (size_t i = 0; i < NELEM(kws); i++) {
		if (i > 0 && kws[i].id == kws[i - 1].id &&
		    strcmp(kws[i].help, kws[i - 1].help) == 0)
			continue;
		fprintf(f, "    %s", kws[i].name);
		for (size_t j = i + 1; j < NELEM(kws) && kws[j].id == kws[i].id &&
		     strcmp(kws[j].help, kws[i].help) == 0; j++)
			fprintf(f, " | %s", kws[j].name);
		fprintf(f, "%s%s\n", *kws[i].help ? " " : "", kws[i].help);
	}
	fputs("SA types: all, ah, esp, or a number.\n"
	      "Numbers: hexadecimal (0x...), octal (0...) or decimal.\n"
	      "Identity types: prefix, fqdn, domain, domainname, user_fqdn, mailbox,\n"
	      "    der_dn, der_gn, or a number.\n", f);
}

void ik_help(FILE *f, const char *topic)
{
	if (topic != NULL && strcmp(topic, "attr") == 0) {
		help_attr(f);
		return;
	}
	if (topic != NULL) {
		const struct ik_cmd *c = ik_cmd_find(topic);
		const struct ik_kw *k = ik_kw_find(topic);

		if (c != NULL) {
			fprintf(f, "%s\n    %s\n", c->usage, c->help);
			return;
		}
		if (k != NULL) {
			fprintf(f, "%s %s\n", k->name, k->help);
			return;
		}
		fprintf(f, "No help for \"%s\".\n", topic);
	}
	fputs("Commands:\n", f);
	for (size_t i = 0; i < NELEM(cmds); i++)
		fprintf(f, "    %-42s %s\n", cmds[i].usage, cmds[i].help);
	fputs("Type \"help attr\" for the extensions, \"help COMMAND\" for one command.\n",
	      f);
}
