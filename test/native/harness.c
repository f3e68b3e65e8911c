/*
 * Host harness for the wasm2c-compiled core: one request per stdin line, one reply per stdout line.
 *   sign <deviceId hex> <secret hex> <time ms> <authType> <signType>  (through iotda_sign)
 *   signer memory       the memory of iotda_sign's kept instance, as hex
 *   signer break        shrinks that memory's bound to the input area: the next sign copies its
 *                       input in, then traps at the core's first memory.copy past it (bulk copies
 *                       are checked against that bound, loads and stores against the backed size)
 *   hmac <key hex> <message hex> | sha <chunk hex>... | text <code> | backed
 *   trap load|load_offset <addr> | trap store <addr> <value> | trap fill <addr> <n>
 *   trap crash | trap divide <a> <b>                                      (the trap.wat module)
 * Replies: "ok ...", "error <code> <message>" or "trap <kind>". "-" is empty hex.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iotda_core.h"
#include "trap.h"
/* White-box: the signer's own source, so the tests can look into (and break) its kept instance. */
#include "iotda_signer.c"

#define LINE_BYTES 16384
#define BYTES_MAX 4096

static w2c_iotda bare; /* hmac, sha and text requests run on this instance, apart from the signer's */
static int bare_ready;
static w2c_trap trap_module;
static int trap_ready;

static size_t from_hex(const char* hex, uint8_t* out) {
  size_t n = 0;
  if (strcmp(hex, "-") == 0)
    return 0;
  for (; hex[0] && hex[1] && n < BYTES_MAX; hex += 2) {
    unsigned byte;
    if (sscanf(hex, "%2x", &byte) != 1)
      break;
    out[n++] = (uint8_t)byte;
  }
  return n;
}

static void to_hex(const uint8_t* bytes, size_t n, char* out) {
  for (size_t i = 0; i < n; i++)
    sprintf(out + 2 * i, "%02x", bytes[i]);
  out[2 * n] = 0;
}

static uint8_t* bare_bytes(uint32_t at) {
  return w2c_iotda_memory(&bare)->data + at;
}

/* The core's message for a negative code, as "error <code> <message>". */
static void core_error(int32_t code, char* reply) {
  uint32_t length = w2c_iotda_error_text(&bare, (uint32_t)code);
  sprintf(reply, "error %" PRId32 " %.*s", code, (int)length, (const char*)bare_bytes(w2c_iotda_out_ptr(&bare)));
}

static void hmac(char* args, char* reply) {
  static uint8_t key[BYTES_MAX], message[BYTES_MAX];
  size_t key_length = from_hex(strtok(args, " "), key);
  size_t message_length = from_hex(strtok(NULL, " "), message);
  uint8_t* input = bare_bytes(w2c_iotda_in_ptr(&bare));
  if (key_length + message_length <= IOTDA_INPUT_BYTES) {
    memcpy(input, key, key_length);
    memcpy(input + key_length, message, message_length);
  }
  int32_t n = (int32_t)w2c_iotda_hmac_hex(&bare, (uint32_t)key_length, (uint32_t)message_length);
  if (n < 0)
    return core_error(n, reply);
  sprintf(reply, "ok %.*s", (int)n, (const char*)bare_bytes(w2c_iotda_out_ptr(&bare)));
}

static void sha(char* args, char* reply) {
  static uint8_t chunk[BYTES_MAX];
  w2c_iotda_sha256_reset(&bare);
  for (char* hex = strtok(args, " "); hex != NULL; hex = strtok(NULL, " ")) {
    size_t n = from_hex(hex, chunk);
    if (n <= IOTDA_INPUT_BYTES)
      memcpy(bare_bytes(w2c_iotda_in_ptr(&bare)), chunk, n);
    int32_t code = (int32_t)w2c_iotda_sha256_update(&bare, (uint32_t)n);
    if (code < 0)
      return core_error(code, reply);
  }
  w2c_iotda_sha256_digest(&bare);
  strcpy(reply, "ok ");
  to_hex(bare_bytes(w2c_iotda_out_ptr(&bare)), 32, reply + 3);
}

static void trap_request(char* args, char* reply) {
  const char* op = strtok(args, " ");
  char* a = strtok(NULL, " ");
  char* b = strtok(NULL, " ");
  uint32_t x = a ? (uint32_t)strtoul(a, NULL, 0) : 0, y = b ? (uint32_t)strtoul(b, NULL, 0) : 0;
  if (!trap_ready) {
    wasm2c_trap_instantiate(&trap_module);
    trap_ready = 1;
  }
  uint32_t value = 0;
  if (strcmp(op, "load") == 0)
    value = w2c_trap_load(&trap_module, x);
  else if (strcmp(op, "load_offset") == 0)
    value = w2c_trap_load_offset(&trap_module, x);
  else if (strcmp(op, "store") == 0)
    w2c_trap_store(&trap_module, x, y);
  else if (strcmp(op, "fill") == 0)
    w2c_trap_fill(&trap_module, x, y);
  else if (strcmp(op, "crash") == 0)
    w2c_trap_crash(&trap_module);
  else if (strcmp(op, "divide") == 0)
    value = w2c_trap_divide(&trap_module, x, y);
  else
    return (void)sprintf(reply, "bad trap op");
  sprintf(reply, "ok %" PRIu32, value);
}

/* Requests that run core or trap-module code directly: a trap unwinds to here. */
static void guarded(const char* op, char* args, char* reply) {
  jmp_buf env;
  wasm_rt_trap_t trap = WASM_RT_TRY(env);
  if (trap != WASM_RT_TRAP_NONE) {
    sprintf(reply, "trap %s", wasm_rt_trap_name(trap));
  } else if (strcmp(op, "trap") == 0) {
    trap_request(args, reply);
  } else {
    if (!bare_ready) {
      wasm2c_iotda_instantiate(&bare);
      bare_ready = 1;
    }
    if (strcmp(op, "hmac") == 0)
      hmac(args, reply);
    else if (strcmp(op, "sha") == 0)
      sha(args, reply);
    else if (strcmp(op, "text") == 0)
      core_error((int32_t)strtol(args, NULL, 10), reply);
    else
      sprintf(reply, "bad request %.32s", op);
  }
  WASM_RT_END_TRY();
}

static void sign(char* args, char* reply) {
  static uint8_t device_id[BYTES_MAX], secret[BYTES_MAX];
  size_t device_id_length = from_hex(strtok(args, " "), device_id);
  size_t secret_length = from_hex(strtok(NULL, " "), secret);
  double time_ms = strtod(strtok(NULL, " "), NULL);
  int auth_type = atoi(strtok(NULL, " "));
  int sign_type = atoi(strtok(NULL, " "));
  iotda_credentials_t credentials;
  char error[IOTDA_ERROR_BYTES];
  int code = iotda_sign((const char*)device_id, device_id_length, (const char*)secret, secret_length, time_ms,
                        auth_type, sign_type, &credentials, error);
  if (code != 0)
    sprintf(reply, "error %d %s", code, error);
  else
    sprintf(reply, "ok %s %s %s", credentials.timestamp, credentials.password, credentials.client_id);
}

static void signer_request(const char* args, char* reply) {
  wasm_rt_memory_t* memory = w2c_iotda_memory(&core);
  if (strcmp(args, "memory") == 0) {
    strcpy(reply, "ok ");
    to_hex(memory->data, sizeof memory->data, reply + 3); /* all of it, whatever the bound */
  } else if (strcmp(args, "break") == 0) {
    memory->size = w2c_iotda_in_ptr(&core) + IOTDA_INPUT_BYTES;
    strcpy(reply, "ok");
  } else {
    sprintf(reply, "bad signer request %.32s", args);
  }
}

/* The signer's streaming SHA-256 (iotda_sha256_*): "hash start", "hash update <hex>", "hash digest". */
static void hash_request(char* args, char* reply) {
  static uint8_t bytes[BYTES_MAX];
  char error[IOTDA_ERROR_BYTES];
  unsigned char digest[32];
  char* op = strtok(args, " ");
  int code;
  if (op && strcmp(op, "start") == 0)
    code = iotda_sha256_start(error);
  else if (op && strcmp(op, "update") == 0) {
    char* hex = strtok(NULL, " ");
    code = iotda_sha256_update(bytes, from_hex(hex ? hex : "-", bytes), error);
  } else if (op && strcmp(op, "digest") == 0)
    code = iotda_sha256_digest(digest, error);
  else {
    sprintf(reply, "bad hash request %.32s", op ? op : "");
    return;
  }
  if (code != 0)
    sprintf(reply, "error %d %s", code, error);
  else if (strcmp(op, "digest") == 0) {
    strcpy(reply, "ok ");
    to_hex(digest, sizeof digest, reply + 3);
  } else
    strcpy(reply, "ok");
}

int main(void) {
  static char line[LINE_BYTES], reply[LINE_BYTES];
  while (fgets(line, sizeof line, stdin) != NULL) {
    line[strcspn(line, "\r\n")] = 0;
    char* space = strchr(line, ' ');
    char* args = space ? space + 1 : line + strlen(line);
    if (space)
      *space = 0;
    if (strcmp(line, "sign") == 0)
      sign(args, reply);
    else if (strcmp(line, "signer") == 0)
      signer_request(args, reply);
    else if (strcmp(line, "hash") == 0)
      hash_request(args, reply);
    else if (strcmp(line, "backed") == 0)
      sprintf(reply, "ok %d", IOTDA_CORE_MEMORY_BYTES);
    else
      guarded(line, args, reply);
    puts(reply);
    fflush(stdout);
  }
  return 0;
}
