// Lowercase hex encoding.

/** The hex digits '0'..'9', 'a'..'f'; a table look-up is cheaper than computing each digit. */
const DIGITS: usize = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

/** Writes `length` bytes at `src` as 2 * `length` lowercase hex characters at `dst`. */
export function hexEncode(src: usize, length: i32, dst: usize): void {
  for (let i = 0; i < length; i++) {
    const byte = <usize>load<u8>(src + i);
    store<u8>(dst + (i << 1), load<u8>(DIGITS + (byte >> 4)));
    store<u8>(dst + (i << 1), load<u8>(DIGITS + (byte & 15)), 1);
  }
}
