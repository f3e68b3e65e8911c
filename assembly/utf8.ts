// Well-formed UTF-8 (Unicode 15, table 3-7), checked on bytes the binding copied in.

/**
 * True when `length` bytes at `text` are well-formed UTF-8: no stray continuation byte, no
 * truncated sequence, no overlong form, no encoded surrogate (ED A0..BF), nothing past U+10FFFF.
 * NUL is a character like any other.
 */
export function isUtf8(text: usize, length: i32): bool {
  const end = text + length;
  while (text < end) {
    const lead = <u32>load<u8>(text++);
    if (lead < 0x80) continue;
    // C0 and C1 only start overlong forms of ASCII; F5 and up, points past U+10FFFF.
    if (lead < 0xc2 || lead > 0xf4) return false;
    const more: usize = 1 + <usize>(lead >= 0xe0) + <usize>(lead >= 0xf0);
    if (more > end - text) return false;
    let point = lead & (0x3f >> <u32>more);
    for (let i: usize = 0; i < more; i++) {
      const next = <u32>load<u8>(text + i);
      if ((next & 0xc0) != 0x80) return false;
      point = (point << 6) | (next & 0x3f);
    }
    text += more;
    // The shortest form only: 3 bytes from U+0800 (1 << 11), 4 from U+10000 (1 << 16); 2 bytes
    // always are, from lead C2. And no surrogate.
    if (point < <u32>1 << (5 * <u32>more + 1) || point > 0x10ffff || point - 0xd800 < 0x800) return false;
  }
  return true;
}
