/*
 * IoTDA credentials from the wasm2c-compiled core, for C callers (the XS binding, tests, bench).
 * Each call allocates a core instance (its memory inside) on the heap, signs, copies the result
 * out, then wipes and frees it: nothing stays allocated between signings.
 */
#ifndef IOTDA_SIGNER_H
#define IOTDA_SIGNER_H

#include <stddef.h>

#define IOTDA_INPUT_BYTES 512 /* the core's input area: deviceId then secret */
#define IOTDA_ERROR_BYTES 96  /* longest core or signer message, with its NUL */

typedef struct {
  char timestamp[11];  /* YYYYMMDDHH */
  char password[65];   /* lowercase hex HMAC-SHA256 */
  char client_id[257]; /* {deviceId}_{authType}_{signType}_{timestamp} */
  size_t client_id_length;
} iotda_credentials_t;

/*
 * Fills `out` (NUL-terminated strings) and returns 0. Otherwise writes a NUL-terminated message to
 * `error` and returns the core's negative code (its message names the field and limit, never an
 * input value), IOTDA_TRAP if the core trapped, or IOTDA_NO_MEMORY if the heap could not hold it.
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
#define IOTDA_NO_MEMORY (-1001)

#endif
