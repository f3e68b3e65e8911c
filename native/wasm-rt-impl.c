/*
 * wasm2c runtime for the device: in-instance partial memory and traps that unwind to the caller.
 */
#include "wasm-rt.h"

#include <stdlib.h>

#include "wipe.h"

jmp_buf* wasm_rt_trap_target = NULL;

void wasm_rt_trap(wasm_rt_trap_t kind) {
  if (wasm_rt_trap_target == NULL)
    abort(); /* core code run outside WASM_RT_TRY: a bug in the embedder, not a Wasm trap */
  longjmp(*wasm_rt_trap_target, (int)kind);
}

const char* wasm_rt_trap_name(wasm_rt_trap_t kind) {
  static const char* const names[] = {
      "none",        "oob",           "int-overflow", "div-by-zero", "invalid-conversion",
      "unreachable", "call-indirect", "exhaustion",
  };
  return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : "unknown";
}

void wasm_rt_memcpy_slow(void* dest, const void* src, size_t n) {
  memcpy(dest, src, n);
}

void wasm_rt_allocate_memory(wasm_rt_memory_t* memory,
                             uint64_t initial_pages,
                             uint64_t max_pages,
                             bool is64,
                             uint32_t page_size) {
  (void)max_pages; /* memory.grow is not supported: the core never grows */
  /* A 64-bit memory, or one declared smaller than what we back, is not the core we were built for. */
  if (is64 || initial_pages * page_size < WASM_RT_BACKED_BYTES)
    wasm_rt_trap(WASM_RT_TRAP_OOB);
  wipe(memory->data, WASM_RT_BACKED_BYTES);
  memory->size = WASM_RT_BACKED_BYTES;
}

void wasm_rt_free_memory(wasm_rt_memory_t* memory) {
  wipe(memory->data, WASM_RT_BACKED_BYTES);
  memory->size = 0;
}
