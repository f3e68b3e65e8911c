/*
 * bench:device, on a simulated rv32imc (QEMU virt, semihosting): retired instructions (minstret) per
 * iotda_sign call (the firmware's path), per signing on the bare wasm2c core and through plain C,
 * the peak stack of one call, and per KiB hashed by the core's streaming SHA-256 (an OTA download).
 * Prints "<name> <value>" lines; exits non-zero if the two disagree on a password.
 * Built with -DSIGN_ONLY it calls no iotda_sha256_*, as a firmware without the OTA feature (its
 * image has no module calling the hash's XS binding): only linked, to size what that one keeps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmac_sha256.h"
#include "iotda_core.h"
#include "iotda_signer.h"

#define ROUNDS 64
#define PAINT_BYTES 6144
#define PAINT 0xa5

static const char DEVICE_ID[] = "5a9e_node-1";
static const char SECRET[] = "12345678";
/* 2025-04-14T01:30:00Z and an hour later: timestamps 2025041401 and 2025041402. */
static const double TIMES[2] = {1744594200000.0, 1744597800000.0};
static const char* const TIMESTAMPS[2] = {"2025041401", "2025041402"};

static inline uint32_t instret(void) {
  uint32_t count;
  __asm__ volatile(".insn i 0x73, 2, %0, x0, -1278" : "=r"(count) : : "memory"); /* csrrs count, minstret, x0 */
  return count;
}

static int failed;

/* Heap allocations made while the device path runs: linked with --wrap=malloc,--wrap=calloc. */
static int allocations;
void* __real_malloc(size_t size);
void* __real_calloc(size_t count, size_t size);
void* __wrap_malloc(size_t size) {
  allocations++;
  return __real_malloc(size);
}
void* __wrap_calloc(size_t count, size_t size) {
  allocations++;
  return __real_calloc(count, size);
}

static void expect_password(const char* what, const char* password, int hour) {
  char reference[65];
  hmac_sha256_hex((const uint8_t*)TIMESTAMPS[hour], 10, (const uint8_t*)SECRET, sizeof SECRET - 1, reference);
  if (memcmp(password, reference, 64) != 0) {
    printf("mismatch %s: %.64s != %s\n", what, password, reference);
    failed = 1;
  }
}

/* Signings on one kept instance; `alternate` switches the hour each time so the key cache never hits. */
static uint32_t kept_instance(w2c_iotda* core, int alternate) {
  uint8_t* memory = w2c_iotda_memory(core)->data;
  uint8_t* input = memory + w2c_iotda_in_ptr(core);
  int hour = 0;
  uint32_t start = instret();
  for (int i = 0; i < ROUNDS; i++) {
    hour = alternate ? i & 1 : 0;
    memcpy(input, DEVICE_ID, sizeof DEVICE_ID - 1);
    memcpy(input + sizeof DEVICE_ID - 1, SECRET, sizeof SECRET - 1);
    w2c_iotda_credentials(core, sizeof DEVICE_ID - 1, sizeof SECRET - 1, TIMES[hour], 0, 1);
  }
  uint32_t per_signing = (instret() - start) / ROUNDS;
  expect_password(alternate ? "core uncached" : "core cached", (const char*)memory + w2c_iotda_out_ptr(core), hour); /* the password comes first */
  return per_signing;
}

static void bench_kept_instance(void) {
  static w2c_iotda core;
  jmp_buf env;
  if (WASM_RT_TRY(env) != WASM_RT_TRAP_NONE) {
    puts("mismatch core: trapped");
    failed = 1;
  } else {
    wasm2c_iotda_instantiate(&core);
    printf("core_cached %lu\n", (unsigned long)kept_instance(&core, 0));
    printf("core_uncached %lu\n", (unsigned long)kept_instance(&core, 1));
    wasm2c_iotda_free(&core);
  }
  WASM_RT_END_TRY();
}

/* Instructions of one iotda_sign call, made exactly as native/xs_iotda.c makes it; checks the password. */
static uint32_t device_call(const char* what, int hour) {
  static iotda_credentials_t credentials;
  static char error[IOTDA_ERROR_BYTES];
  uint32_t start = instret();
  iotda_sign(DEVICE_ID, sizeof DEVICE_ID - 1, SECRET, sizeof SECRET - 1, TIMES[hour], 0, 1, &credentials, error);
  uint32_t used = instret() - start;
  expect_password(what, credentials.password, hour);
  return used;
}

/*
 * The firmware's path. The first call instantiates the kept core (as the first call after a trap
 * does); then re-signs within one hour (the key cache hits) and signs in another hour each time.
 */
static void bench_device_path(void) {
  allocations = 0;
  printf("device_call_first %lu\n", (unsigned long)device_call("first call", 0));
  uint32_t same = 0, other = 0;
  for (int i = 0; i < ROUNDS; i++)
    same += device_call("same hour", 0);
  for (int i = 1; i <= ROUNDS; i++)
    other += device_call("new hour", i & 1);
  printf("device_call_same_hour %lu\n", (unsigned long)(same / ROUNDS));
  printf("device_call_new_hour %lu\n", (unsigned long)(other / ROUNDS));
  printf("device_call_allocations %d\n", allocations);
}

#ifndef SIGN_ONLY
#define HASH_PIECES 32 /* KiB: pieces of 1024 bytes, as the device's TLS hands them over */

/* The OTA download's hash through iotda_sha256_* (its copies into the core included), and plain C. */
static void bench_hash(void) {
  static uint8_t piece[1024];
  static char error[IOTDA_ERROR_BYTES];
  uint8_t digest[32], reference[32];
  for (size_t i = 0; i < sizeof piece; i++)
    piece[i] = (uint8_t)(i * 31 + 7);
  allocations = 0;
  uint32_t start = instret();
  int code = iotda_sha256_start(error);
  for (int i = 0; i < HASH_PIECES; i++)
    code |= iotda_sha256_update(piece, sizeof piece, error);
  code |= iotda_sha256_digest(digest, error);
  uint32_t used = instret() - start;
  start = instret();
  sha256_repeated(piece, sizeof piece, HASH_PIECES, reference);
  uint32_t plain = instret() - start;
  if (code != 0 || memcmp(digest, reference, sizeof digest) != 0) {
    puts("mismatch sha256 of the pieces");
    failed = 1;
  }
  printf("hash_per_kib %lu\n", (unsigned long)(used / HASH_PIECES));
  printf("hash_allocations %d\n", allocations);
  printf("reference_hash_per_kib %lu\n", (unsigned long)(plain / HASH_PIECES));
}
#endif

static void bench_reference(void) {
  char hex[65];
  uint32_t start = instret();
  for (int i = 0; i < ROUNDS; i++)
    hmac_sha256_hex((const uint8_t*)TIMESTAMPS[i & 1], 10, (const uint8_t*)SECRET, sizeof SECRET - 1, hex);
  printf("reference %lu\n", (unsigned long)((instret() - start) / ROUNDS));
  expect_password("reference", hex, (ROUNDS - 1) & 1);
}

/* Deepest stack byte one iotda_sign call touches, found by painting the unused stack below us. */
static void __attribute__((noinline)) measure_stack(void) {
  volatile uint8_t* top = (volatile uint8_t*)__builtin_frame_address(0) - 256; /* leave this frame alone */
  for (int i = 0; i < PAINT_BYTES; i++)
    top[-i] = PAINT;
  static iotda_credentials_t credentials; /* static: not in the painted stack */
  static char error[IOTDA_ERROR_BYTES];
  /* After bench_device_path's last call, in hour 0: a new hour, the deepest path but the first. */
  iotda_sign(DEVICE_ID, sizeof DEVICE_ID - 1, SECRET, sizeof SECRET - 1, TIMES[1], 0, 1, &credentials, error);
  int depth = PAINT_BYTES;
  while (depth > 0 && top[-(depth - 1)] == PAINT)
    depth--;
  printf("stack_bytes %d\n", depth + 256);
}

int main(void) {
  bench_kept_instance();
  bench_device_path();
  bench_reference();
  measure_stack();
#ifndef SIGN_ONLY
  bench_hash();
#endif
  printf("instance_bytes %u\n", (unsigned)sizeof(w2c_iotda)); /* iotda_signer.c's static instance */
  return failed;
}
