// Shared by the specs: ASCII in and out of static memory, and hex of raw bytes.

/** Writes the ASCII `text` at `dst`; returns its length. */
export function put(dst: usize, text: string): i32 {
  for (let i = 0; i < text.length; i++) store<u8>(dst + i, <u8>text.charCodeAt(i));
  return text.length;
}

/** `length` bytes at `src` as a string, one char per byte. */
export function take(src: usize, length: i32): string {
  return String.UTF8.decodeUnsafe(src, length);
}

/** `length` bytes at `src` as lowercase hex, computed independently of the core's encoder. */
export function hexOf(src: usize, length: i32): string {
  let out = "";
  for (let i = 0; i < length; i++) {
    const byte = load<u8>(src + i);
    out += (byte < 16 ? "0" : "") + byte.toString(16);
  }
  return out;
}
