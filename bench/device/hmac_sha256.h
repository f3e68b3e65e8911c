/* Plain portable C HMAC-SHA256 and SHA-256, the references for bench:device. */
#ifndef HMAC_SHA256_H
#define HMAC_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* Lowercase hex HMAC-SHA256(key, message) into hex (64 characters and a NUL). */
void hmac_sha256_hex(const uint8_t* key, size_t key_length, const uint8_t* message, size_t message_length,
                     char hex[65]);

/* SHA-256 of `length` bytes given in `pieces` equal pieces of `data` (a download's reads). */
void sha256_repeated(const uint8_t* data, size_t length, int pieces, uint8_t digest[32]);

#endif
