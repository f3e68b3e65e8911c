/*
 * The one wipe of memory that held a secret (the core's memory, the credentials, the binding's copy
 * of the secret), before it is freed or goes out of scope. Volatile stores: the compiler may neither
 * drop them as dead stores, as GCC -O2 does with a memset before free() or return, nor turn the loop
 * into a library memset, which small C libraries (picolibc on rv32) run byte by byte at four times
 * the cost. Four word stores per 16 bytes, then bytes; `memory` must be 4-byte aligned.
 */
#ifndef IOTDA_WIPE_H
#define IOTDA_WIPE_H

#include <stddef.h>
#include <stdint.h>

static inline void wipe(void* memory, size_t bytes) {
  volatile uint32_t* word = (volatile uint32_t*)memory;
  for (size_t blocks = bytes / 16; blocks > 0; blocks--, word += 4) {
    word[0] = 0;
    word[1] = 0;
    word[2] = 0;
    word[3] = 0;
  }
  volatile uint8_t* byte = (volatile uint8_t*)word;
  for (size_t at = 0; at < bytes % 16; at++)
    byte[at] = 0;
}

#endif
