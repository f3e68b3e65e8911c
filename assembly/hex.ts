// Lowercase hex encoding.

// '0'..'9' for 0..9; above 9, (9 - nibble) wraps and its top bit adds the 39 from '9' + 1 to 'a'.
// @ts-ignore: decorator
@inline function hexDigit(nibble: u32): u32 {
  return nibble + 48 + ((9 - nibble) >> 31) * 39;
}

/** Writes `length` bytes at `src` as 2 * `length` lowercase hex characters at `dst`. */
export function hexEncode(src: usize, length: i32, dst: usize): void {
  for (let i = 0; i < length; i++) {
    const byte = <u32>load<u8>(src + i);
    // Little-endian u16: the high nibble's character lands first.
    store<u16>(dst + (i << 1), hexDigit(byte >> 4) | (hexDigit(byte & 15) << 8));
  }
}
