/*
 * bench:device only: memcpy, memmove and memset a word at a time when the pointers allow it, as
 * ESP-IDF's newlib (in ROM) does, linked ahead of picolibc's byte-by-byte versions to show what the
 * firmware's path costs with such a C library. Not built for the device.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define WORD sizeof(uint32_t)

static int aligned(const void* a, const void* b) {
  return (((uintptr_t)a | (uintptr_t)b) & (WORD - 1)) == 0;
}

/* These loops are the library: GCC must not turn them back into calls to themselves. */
#pragma GCC optimize("no-tree-loop-distribute-patterns")

/* Forward copy: also right for an overlap with the destination below the source. */
static void* copy_forward(void* dest, const void* src, size_t n) {
  uint8_t* d = dest;
  const uint8_t* s = src;
  if (aligned(d, s)) {
    for (; n >= WORD; n -= WORD, d += WORD, s += WORD)
      *(uint32_t*)(void*)d = *(const uint32_t*)(const void*)s;
  }
  while (n--)
    *d++ = *s++;
  return dest;
}

void* memcpy(void* restrict dest, const void* restrict src, size_t n) {
  return copy_forward(dest, src, n);
}

void* memmove(void* dest, const void* src, size_t n) {
  uint8_t* d = dest;
  const uint8_t* s = src;
  if (d <= s || d >= s + n)
    return copy_forward(dest, src, n);
  d += n;
  s += n;
  if (aligned(d, s)) {
    for (; n >= WORD; n -= WORD) {
      d -= WORD;
      s -= WORD;
      *(uint32_t*)(void*)d = *(const uint32_t*)(const void*)s;
    }
  }
  while (n--)
    *--d = *--s;
  return dest;
}

void* memset(void* dest, int c, size_t n) {
  uint8_t* d = dest;
  for (; n > 0 && ((uintptr_t)d & (WORD - 1)) != 0; n--)
    *d++ = (uint8_t)c;
  uint32_t word = (uint8_t)c * 0x01010101u;
  for (; n >= WORD; n -= WORD, d += WORD)
    *(uint32_t*)(void*)d = word;
  while (n--)
    *d++ = (uint8_t)c;
  return dest;
}
