/*
 * Shared test fixtures: real Linux 6.1 af_key messages, copied byte for
 * byte from the reference session log.
 */
#ifndef PFKEY_TESTS_FIXTURES_H
#define PFKEY_TESTS_FIXTURES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

extern const uint8_t kernel_add_request[136];
extern const size_t kernel_add_request_len;
extern const uint8_t kernel_get_reply[272];
extern const size_t kernel_get_reply_len;
extern const uint8_t kernel_add_eexist_reply[16];
extern const size_t kernel_add_eexist_reply_len;
extern const uint8_t kernel_get_esrch_reply[16];
extern const size_t kernel_get_esrch_reply_len;
extern const uint8_t kernel_add_einval_100_reply[16];
extern const size_t kernel_add_einval_100_reply_len;
extern const uint8_t kernel_add_einval_64_reply[16];
extern const size_t kernel_add_einval_64_reply_len;
extern const uint8_t kernel_add_einval_bits_reply[16];
extern const size_t kernel_add_einval_bits_reply_len;
extern const uint8_t kernel_get_after_delete_reply[16];
extern const size_t kernel_get_after_delete_reply_len;
extern const uint8_t kernel_dump_empty_reply[16];
extern const size_t kernel_dump_empty_reply_len;


/* A message built by the builder, for round trips, mutation and fuzz seeds. */
struct fixture {
	const char	*name;
	uint8_t		buf[2048] __attribute__((aligned(8)));
	size_t		len;
};

/*
 * Fills f (room for max) with valid messages covering every message type
 * and every extension type of the ABI; returns how many.  Each one passes
 * pk_msg_parse(), and the requests among them pass pk_msg_check().
 */
size_t fixtures_build_all(struct fixture *f, size_t max);

/* Fills a sockaddr_in / sockaddr_in6 from text and a port (host order). */
struct sockaddr *fixture_sa(struct sockaddr_storage *ss, const char *addr,
			    uint16_t port);

#endif
