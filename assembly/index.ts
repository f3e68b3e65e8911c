// The core's ABI, shared by lib/signer.ts (Node) and native/iotda_signer.c (wasm2c on the device).
// Everything works on two static 512-byte areas, IN and OUT; nothing allocates, so memory never grows
// and only [0, used()) is ever touched.
//   credentials(idLength, secretLength, timeMs, authType, signType): id at IN[0..), the secret (which
//     must be well-formed UTF-8) right after it. Returns the clientId's length, or a negative code
//     (errors.ts) before touching OUT.
//     OUT[0..64) password (lowercase hex), OUT[64..74) timestamp (ASCII), OUT[76..) clientId.
//   group_secret(idLength, secretLength): id at IN[0..), a registration group's secret (Base64) right
//     after it: the device's secret, 64 lowercase hex chars at OUT; returns 64 or a negative code.
//   hmac_hex(keyLength, messageLength): key at IN[0..), message after it; 64 hex chars at OUT.
//   sha256_reset / sha256_update(length) from IN / sha256_digest: 32 bytes at OUT.
//   error_text(code): the message for a negative code at OUT; returns its length.

import { AREA_BYTES, IN, OUT } from "./areas";
import { Err, errorText } from "./errors";
import { HMAC_HEX_BYTES, hmacHex } from "./hmac";
import { CONTEXT_BYTES, IV, finish, start, update } from "./sha256";

export { credentials } from "./credentials";
import { groupSecret } from "./group";

/** The streaming context behind sha256_reset/update/digest, apart from the HMAC one. */
const HASH: usize = memory.data(CONTEXT_BYTES, 16);

/** First byte past all static data and buffers: memory beyond it is never touched. */
export function used(): i32 {
  return <i32>__heap_base;
}

export function in_ptr(): i32 {
  return <i32>IN;
}

export function out_ptr(): i32 {
  return <i32>OUT;
}

/** Lowercase hex HMAC-SHA256 of key IN[0..keyLength) and message IN[keyLength..) into OUT. */
export function hmac_hex(keyLength: i32, messageLength: i32): i32 {
  // Unsigned: negative lengths are rejected, and the second test cannot wrap once the first passed.
  if (<u32>keyLength > <u32>AREA_BYTES || <u32>messageLength > <u32>(AREA_BYTES - keyLength)) return Err.LongInput;
  hmacHex(IN, keyLength, IN + keyLength, messageLength, OUT);
  return HMAC_HEX_BYTES;
}

/** A registration group device's secret from IN (group.ts); 64 or a negative code. */
export function group_secret(idLength: i32, secretLength: i32): i32 {
  // Its limits (128 + 256 bytes) keep both inside IN, and are checked before either is read.
  return groupSecret(IN, idLength, secretLength);
}

export function sha256_reset(): void {
  start(HASH, IV, 0);
}

/** Hashes IN[0..length); 0 or Err.LongInput. */
export function sha256_update(length: i32): i32 {
  if (<u32>length > <u32>AREA_BYTES) return Err.LongInput;
  update(HASH, IN, length);
  return 0;
}

/** Writes the 32-byte digest at OUT; call sha256_reset before hashing again. */
export function sha256_digest(): void {
  finish(HASH, OUT);
}

/** Writes the message for a negative code at OUT; returns its length. */
export function error_text(code: i32): i32 {
  return errorText(code, OUT);
}
