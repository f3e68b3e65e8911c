// Lowercase hex encoding of 32-bit words, most significant nibble first.

/** Four nibbles, one per byte (each 0..15), as their four lowercase hex digits. */
// @ts-ignore: decorator
@inline function digits(nibbles: u32): u32 {
  // A nibble above 9 carries into bit 4 once 6 is added; no byte can carry into the next one.
  const letters = ((nibbles + 0x06060606) >> 4) & 0x01010101;
  // '0' + n for a digit, 'a' + n - 10 = '0' + n + 39 for a letter.
  return nibbles + 0x30303030 + letters * 39;
}

/** The 16 low bits of `half` as four hex digits, the first (most significant) in the lowest byte. */
// @ts-ignore: decorator
@inline function digitsOf16(half: u32): u32 {
  // High byte to byte 0, low byte to byte 2, then each byte's nibbles apart: high nibble first.
  const bytes = ((half >> 8) | (half << 16)) & 0x00ff00ff;
  return digits(((bytes >> 4) & 0x0f0f0f0f) | ((bytes & 0x0f0f0f0f) << 8));
}

/**
 * Writes `count` words at `src` as 8 * `count` hex characters at `dst`, each word big-endian, as a
 * hash's state words make its digest. Four digits at a time and no table; `dst` should be
 * word-aligned, as the core's outputs are, or the device stores byte by byte.
 */
export function hexWords(src: usize, count: i32, dst: usize): void {
  // Half-words in digit order: a little-endian word holds its high half 2 bytes in.
  for (let i: usize = 0; i < <usize>count << 1; i++) store<u32>(dst + (i << 2), digitsOf16(load<u16>(src + ((i ^ 1) << 1))));
}
