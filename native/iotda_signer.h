/*
 * IoTDA credentials from the wasm2c-compiled core, for C callers (the XS binding, tests, bench).
 * One core instance (its memory inside, about 2.7 KB) is kept in static memory for the life of the
 * program, with the midstates of the last hour's key; nothing secret stays in it between calls.
 * Not reentrant: call it from one thread (XS runs one machine per task).
 */
#ifndef IOTDA_SIGNER_H
#define IOTDA_SIGNER_H

#include <stddef.h>

#define IOTDA_INPUT_BYTES 512 /* the core's input area: deviceId then secret */
#define IOTDA_ERROR_BYTES 96  /* longest core or signer message, with its NUL */

/* In this order, password and client_id start on a word, where iotda_sign copies them a word at a time. */
typedef struct {
  char password[65];   /* lowercase hex HMAC-SHA256 */
  char timestamp[11];  /* YYYYMMDDHH */
  char client_id[257]; /* {deviceId}_{authType}_{signType}_{timestamp} */
  size_t client_id_length;
} iotda_credentials_t;

/*
 * Fills `out` (NUL-terminated strings) and returns 0. Otherwise writes a NUL-terminated message to
 * `error` and returns the core's negative code (its message names the field and limit, never an
 * input value), or IOTDA_TRAP if the core trapped (the next call instantiates it afresh).
 */
int iotda_sign(const char* device_id,
               size_t device_id_length,
               const char* secret,
               size_t secret_length,
               double time_ms,
               int auth_type,
               int sign_type,
               iotda_credentials_t* out,
               char error[IOTDA_ERROR_BYTES]);

#define IOTDA_TRAP (-1000)

/*
 * The secret of a device of an IoTDP registration group (the core's group_secret): `out` gets
 * hex(HMAC-SHA256(key = device_id, message = group_secret decoded from Base64)) and a NUL, and 0 is
 * returned; otherwise a message in `error` and the core's negative code (or IOTDA_TRAP), `out` zeroed.
 */
int iotda_group_secret(const char* device_id,
                       size_t device_id_length,
                       const char* group_secret,
                       size_t group_secret_length,
                       char out[65],
                       char error[IOTDA_ERROR_BYTES]);

/*
 * Streaming SHA-256 on the same kept instance (the core's sha256_* exports, a context of its own,
 * apart from the signing's): start, any number of updates, then the digest. Each returns 0, or
 * writes a message to `error` and returns IOTDA_TRAP, or IOTDA_HASH_NOT_STARTED when no hash was
 * started or a trap (of any call, signing too) reset the core since: the bytes hashed so far are gone.
 */
int iotda_sha256_start(char error[IOTDA_ERROR_BYTES]);
int iotda_sha256_update(const void* data, size_t length, char error[IOTDA_ERROR_BYTES]);
/* `out` gets the 32-byte digest; the hash is then over (start again for the next one). */
int iotda_sha256_digest(unsigned char out[32], char error[IOTDA_ERROR_BYTES]);

#define IOTDA_HASH_NOT_STARTED (-1001)

#endif
