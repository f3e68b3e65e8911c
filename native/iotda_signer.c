/*
 * Runs the core's `credentials` export (ABI in assembly/index.ts) on one instance kept for the life
 * of the program, under a trap handler.
 *
 * Keeping the instance is what makes a device call cheap: no allocation, no copy of the data
 * segment, and the key cache of the core (the midstates of the hour stamp, which is public) carries
 * over, so a re-sign within the same hour costs two compressions instead of four. What held the
 * secret or anything derived from it does not outlive a call: the core clears its hash context and
 * schedule (assembly/hmac.ts), this file the input area and the password in the output area.
 */
#include "iotda_signer.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "iotda_core.h"
#include "wipe.h"

/* The core's output: out[0..64) password, out[64..74) timestamp, out[76..) clientId. */
#define PASSWORD_BYTES 64
#define STAMP_AT 64
#define STAMP_BYTES 10
#define CLIENT_ID_AT 76

_Static_assert(offsetof(iotda_credentials_t, password) % 4 == 0 && offsetof(iotda_credentials_t, client_id) % 4 == 0,
               "copy_words() needs word-aligned destinations");
_Static_assert(sizeof(((iotda_credentials_t*)0)->client_id) % 4 == 1, "client_id holds whole words and the NUL");

/* Static rather than heap: the firmware signs on every connect, so it would be held anyway. */
static w2c_iotda core;
/* False before the first call and after a trap, which may have left the instance inconsistent. */
static bool core_ready;
/* A hash was started on this instance and not finished. */
static bool hashing;

typedef struct {
  const char* device_id;
  size_t device_id_length;
  const char* secret;
  size_t secret_length;
  double time_ms;
  int auth_type;
  int sign_type;
  iotda_credentials_t* out;
  char* error;
  int code;
} sign_call_t;

/* Host pointer to [at, at + n) of the core's memory; traps unless all of it is backed. */
static uint8_t* span(uint32_t at, uint64_t n) {
  wasm_rt_memory_t* memory = w2c_iotda_memory(&core);
  if ((uint64_t)at + n > memory->size)
    wasm_rt_trap(WASM_RT_TRAP_OOB);
  return memory->data + at;
}

/* Wasm lengths are i32: anything longer still reads as "too long" to the core. */
static uint32_t wasm_length(size_t n) {
  return n > INT32_MAX ? (uint32_t)INT32_MAX : (uint32_t)n;
}

static void copy_message(char* error, const char* prefix, const uint8_t* text, size_t length) {
  size_t used = strlen(prefix);
  if (used + length >= IOTDA_ERROR_BYTES)
    length = IOTDA_ERROR_BYTES - 1 - used;
  memcpy(error, prefix, used);
  memcpy(error + used, text, length);
  error[used + length] = 0;
}

static size_t whole_words(size_t bytes) {
  return (bytes + 3) & ~(size_t)3;
}

/*
 * Copies `bytes` rounded up to whole words between word-aligned places. A loop the compiler must
 * not turn into a memcpy call: Moddable builds this file with -Os, where GCC calls memcpy even
 * for a fixed size, and small C libraries (picolibc) copy byte by byte.
 */
__attribute__((optimize("no-tree-loop-distribute-patterns")))
static void copy_words(void* dest, const uint8_t* src, size_t bytes) {
  uint32_t* d = dest;
  const uint32_t* s = (const uint32_t*)(const void*)src;
  for (size_t i = 0; i < whole_words(bytes) / 4; i++)
    d[i] = s[i];
}

static void ensure_core(void) {
  if (!core_ready) {
    wasm2c_iotda_instantiate(&core);
    core_ready = true;
  }
}

/* The deviceId, then the secret, into the input area; returns the bytes copied. Only what fits is
   copied: the core rejects longer fields by length alone, before it reads their bytes. */
static size_t copy_input(uint8_t* input, const char* id, size_t id_length, const char* secret, size_t secret_length) {
  if (id_length > IOTDA_INPUT_BYTES)
    return 0;
  memcpy(input, id, id_length);
  if (secret_length > IOTDA_INPUT_BYTES - id_length)
    return id_length;
  memcpy(input + id_length, secret, secret_length);
  return id_length + secret_length;
}

/* For a negative result: the core's message into `error`, the code into `code`, and true. */
static bool refused(int32_t n, char* error, int* code) {
  if (n >= 0)
    return false;
  uint32_t length = w2c_iotda_error_text(&core, (uint32_t)n);
  copy_message(error, "", span(w2c_iotda_out_ptr(&core), length), length);
  *code = n;
  return true;
}

/* Everything that runs core code; kept apart so no local of it is live across a longjmp. */
static void sign_in_core(void* argument) {
  sign_call_t* call = argument;
  ensure_core();
  uint8_t* input = span(w2c_iotda_in_ptr(&core), IOTDA_INPUT_BYTES);
  size_t copied = copy_input(input, call->device_id, call->device_id_length, call->secret, call->secret_length);
  int32_t n = (int32_t)w2c_iotda_credentials(&core, wasm_length(call->device_id_length),
                                             wasm_length(call->secret_length), call->time_ms,
                                             (uint32_t)call->auth_type, (uint32_t)call->sign_type);
  wipe(input, whole_words(copied));
  uint32_t out = w2c_iotda_out_ptr(&core);
  if (refused(n, call->error, &call->code))
    return;
  if (n == 0 || n > (int32_t)sizeof call->out->client_id - 1)
    wasm_rt_trap(WASM_RT_TRAP_OOB); /* outside the ABI: never trust it for a copy */
  uint8_t* output = span(out, CLIENT_ID_AT + whole_words((size_t)n));
  copy_words(call->out->password, output, PASSWORD_BYTES);
  call->out->password[PASSWORD_BYTES] = 0;
  wipe(output, PASSWORD_BYTES);
  memcpy(call->out->timestamp, output + STAMP_AT, STAMP_BYTES);
  call->out->timestamp[STAMP_BYTES] = 0;
  copy_words(call->out->client_id, output + CLIENT_ID_AT, (size_t)n);
  call->out->client_id[n] = 0;
  call->out->client_id_length = (size_t)n;
  call->code = 0;
}

/* Runs `body(call)` under the trap handler; after a trap the core is wiped and made afresh next time. */
static wasm_rt_trap_t run(void (*body)(void*), void* call, char* error) {
  jmp_buf env;
  wasm_rt_trap_t trap = WASM_RT_TRY(env);
  if (trap == WASM_RT_TRAP_NONE)
    body(call);
  WASM_RT_END_TRY();
  if (trap != WASM_RT_TRAP_NONE) {
    /* Wherever the core stopped, the secret may still be in its memory: wipe all of it. */
    wasm2c_iotda_free(&core);
    core_ready = false;
    hashing = false;
    const char* name = wasm_rt_trap_name(trap);
    copy_message(error, "signer: trap ", (const uint8_t*)name, strlen(name));
  }
  return trap;
}

int iotda_sign(const char* device_id,
               size_t device_id_length,
               const char* secret,
               size_t secret_length,
               double time_ms,
               int auth_type,
               int sign_type,
               iotda_credentials_t* out,
               char error[IOTDA_ERROR_BYTES]) {
  sign_call_t call = {device_id, device_id_length, secret, secret_length, time_ms,
                      auth_type, sign_type,        out,    error,         IOTDA_TRAP};
  if (run(sign_in_core, &call, error) != WASM_RT_TRAP_NONE)
    call.code = IOTDA_TRAP;
  if (call.code != 0)
    memset(out, 0, sizeof *out); /* nothing partial */
  return call.code;
}

typedef struct {
  const char* device_id;
  size_t device_id_length;
  const char* secret;
  size_t secret_length;
  char* out;
  char* error;
  int code;
} group_call_t;

/* The core decodes the Base64 in place, in the input area, which is wiped after. */
static void group_in_core(void* argument) {
  group_call_t* call = argument;
  ensure_core();
  uint8_t* input = span(w2c_iotda_in_ptr(&core), IOTDA_INPUT_BYTES);
  size_t copied = copy_input(input, call->device_id, call->device_id_length, call->secret, call->secret_length);
  int32_t n = (int32_t)w2c_iotda_group_secret(&core, wasm_length(call->device_id_length), wasm_length(call->secret_length));
  wipe(input, whole_words(copied));
  uint32_t out = w2c_iotda_out_ptr(&core);
  if (refused(n, call->error, &call->code))
    return;
  if (n != PASSWORD_BYTES)
    wasm_rt_trap(WASM_RT_TRAP_OOB); /* outside the ABI */
  uint8_t* output = span(out, PASSWORD_BYTES);
  memcpy(call->out, output, PASSWORD_BYTES);
  call->out[PASSWORD_BYTES] = 0;
  wipe(output, PASSWORD_BYTES);
  call->code = 0;
}

int iotda_group_secret(const char* device_id,
                       size_t device_id_length,
                       const char* group_secret,
                       size_t group_secret_length,
                       char out[65],
                       char error[IOTDA_ERROR_BYTES]) {
  group_call_t call = {device_id, device_id_length, group_secret, group_secret_length, out, error, IOTDA_TRAP};
  if (run(group_in_core, &call, error) != WASM_RT_TRAP_NONE)
    call.code = IOTDA_TRAP;
  if (call.code != 0)
    memset(out, 0, 65);
  return call.code;
}

typedef struct {
  const uint8_t* data;
  size_t length;
  unsigned char* digest;
} hash_call_t;

static void hash_start_in_core(void* argument) {
  (void)argument;
  ensure_core();
  w2c_iotda_sha256_reset(&core);
}

/* Through the input area, a whole area at a time: the core hashes only its own memory. */
static void hash_update_in_core(void* argument) {
  hash_call_t* call = argument;
  uint8_t* input = span(w2c_iotda_in_ptr(&core), IOTDA_INPUT_BYTES);
  for (size_t at = 0; at < call->length; at += IOTDA_INPUT_BYTES) {
    size_t take = call->length - at < IOTDA_INPUT_BYTES ? call->length - at : IOTDA_INPUT_BYTES;
    memcpy(input, call->data + at, take);
    if (w2c_iotda_sha256_update(&core, (uint32_t)take) != 0)
      wasm_rt_trap(WASM_RT_TRAP_OOB); /* outside the ABI: the length was checked here */
  }
}

static void hash_digest_in_core(void* argument) {
  hash_call_t* call = argument;
  w2c_iotda_sha256_digest(&core);
  memcpy(call->digest, span(w2c_iotda_out_ptr(&core), 32), 32);
}

static int hash_call(void (*body)(void*), hash_call_t* call, char* error) {
  if (body != hash_start_in_core && !hashing) {
    copy_message(error, "sha256: no hash started (or the core was reset since)", (const uint8_t*)"", 0);
    return IOTDA_HASH_NOT_STARTED;
  }
  if (run(body, call, error) != WASM_RT_TRAP_NONE)
    return IOTDA_TRAP;
  hashing = body != hash_digest_in_core;
  return 0;
}

int iotda_sha256_start(char error[IOTDA_ERROR_BYTES]) {
  hash_call_t call = {NULL, 0, NULL};
  return hash_call(hash_start_in_core, &call, error);
}

int iotda_sha256_update(const void* data, size_t length, char error[IOTDA_ERROR_BYTES]) {
  hash_call_t call = {data, length, NULL};
  return hash_call(hash_update_in_core, &call, error);
}

int iotda_sha256_digest(unsigned char out[32], char error[IOTDA_ERROR_BYTES]) {
  hash_call_t call = {NULL, 0, out};
  return hash_call(hash_digest_in_core, &call, error);
}
