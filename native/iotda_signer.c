/*
 * Runs the core's `credentials` export (ABI in assembly/index.ts) on a fresh instance under a trap handler.
 */
#include "iotda_signer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iotda_core.h"

#define PASSWORD_AT 10  /* out[0..10) timestamp, out[10..74) password, out[74..) clientId */
#define CLIENT_ID_AT 74

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
static uint8_t* span(w2c_iotda* core, uint32_t at, uint64_t n) {
  wasm_rt_memory_t* memory = w2c_iotda_memory(core);
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

/* Everything that runs core code; kept apart so no local of it is live across a longjmp. */
static void sign_in_core(w2c_iotda* core, sign_call_t* call) {
  wasm2c_iotda_instantiate(core);
  uint32_t in = w2c_iotda_in_ptr(core);
  uint8_t* input = span(core, in, IOTDA_INPUT_BYTES);
  /* Copy only what fits the input area; the core rejects longer fields by length alone,
     before it reads their bytes. */
  if (call->device_id_length <= IOTDA_INPUT_BYTES) {
    memcpy(input, call->device_id, call->device_id_length);
    if (call->secret_length <= IOTDA_INPUT_BYTES - call->device_id_length)
      memcpy(input + call->device_id_length, call->secret, call->secret_length);
  }
  int32_t n = (int32_t)w2c_iotda_credentials(core, wasm_length(call->device_id_length),
                                             wasm_length(call->secret_length), call->time_ms,
                                             (uint32_t)call->auth_type, (uint32_t)call->sign_type);
  uint32_t out = w2c_iotda_out_ptr(core);
  if (n < 0) {
    uint32_t length = w2c_iotda_error_text(core, (uint32_t)n);
    copy_message(call->error, "", span(core, out, length), length);
    call->code = n;
    return;
  }
  if (n == 0 || n > (int32_t)sizeof call->out->client_id - 1)
    wasm_rt_trap(WASM_RT_TRAP_OOB); /* outside the ABI: never trust it for a copy */
  const uint8_t* result = span(core, out, CLIENT_ID_AT + (uint32_t)n);
  memcpy(call->out->timestamp, result, PASSWORD_AT);
  call->out->timestamp[PASSWORD_AT] = 0;
  memcpy(call->out->password, result + PASSWORD_AT, CLIENT_ID_AT - PASSWORD_AT);
  call->out->password[CLIENT_ID_AT - PASSWORD_AT] = 0;
  memcpy(call->out->client_id, result + CLIENT_ID_AT, (size_t)n);
  call->out->client_id[n] = 0;
  call->out->client_id_length = (size_t)n;
  call->code = 0;
}

static wasm_rt_trap_t run(w2c_iotda* core, sign_call_t* call) {
  jmp_buf env;
  wasm_rt_trap_t trap = WASM_RT_TRY(env);
  if (trap == WASM_RT_TRAP_NONE)
    sign_in_core(core, call);
  WASM_RT_END_TRY();
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
  w2c_iotda* core = malloc(sizeof *core); /* the instance holds the core's whole memory */
  if (core == NULL) {
    memset(out, 0, sizeof *out);
    copy_message(error, "signer: out of memory", (const uint8_t*)"", 0);
    return IOTDA_NO_MEMORY;
  }
  wasm_rt_trap_t trap = run(core, &call);
  wasm2c_iotda_free(core); /* wipes the memory: the input area with the secret, the hash state */
  free(core);
  if (trap != WASM_RT_TRAP_NONE) {
    const char* name = wasm_rt_trap_name(trap);
    copy_message(error, "signer: trap ", (const uint8_t*)name, strlen(name));
    call.code = IOTDA_TRAP;
  }
  if (call.code != 0)
    memset(out, 0, sizeof *out); /* nothing partial */
  return call.code;
}
