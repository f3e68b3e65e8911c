// IoTDP registration groups: a device of a group has no secret of its own; its secret is derived from
// the group's, hex(HMAC-SHA256(key = deviceId, message = the group secret decoded from Base64)), as
// IoTDA's documentation and its Java SDK have it (the C SDK feeds the Base64 text itself to the HMAC).
// With that secret the device signs as any other (credentials.ts); only the provisioning CONNECT's
// clientId carries the group's scopeId.

import { OUT } from "./areas";
import { checkId } from "./credentials";
import { Err } from "./errors";
import { HMAC_HEX_BYTES, hmacHex } from "./hmac";

/** The longest group secret taken, in Base64 characters (192 bytes decoded). */
const GROUP_SECRET_MAX: u32 = 256;

/** The 6-bit value of a Base64 character (RFC 4648 section 4), or -1. */
function sextet(c: u32): i32 {
  if (c - 65 < 26) return <i32>(c - 65); // A-Z
  if (c - 97 < 26) return <i32>(c - 71); // a-z
  if (c - 48 < 10) return <i32>(c + 4); // 0-9
  if (c == 43) return 62; // +
  if (c == 47) return 63; // /
  return -1;
}

/**
 * Decodes `length` characters of padded Base64 at `text` in place (the bytes never outrun the
 * characters they come from); returns the byte count, or -1 for anything but canonical Base64:
 * a length not a multiple of 4, a character outside the alphabet, misplaced '=', or non-zero
 * bits under the padding.
 */
function decodeInPlace(text: usize, length: i32): i32 {
  if (length & 3) return -1;
  let pad = 0;
  if (load<u8>(text + length - 1) == 61) pad = load<u8>(text + length - 2) == 61 ? 2 : 1;
  let bits: u32 = 0;
  let bytes = 0;
  for (let i = 0; i < length - pad; i++) {
    const v = sextet(<u32>load<u8>(text + i));
    if (v < 0) return -1;
    bits = (bits << 6) | <u32>v;
    if ((i & 3) == 3) {
      store<u8>(text + bytes, <u8>(bits >> 16));
      store<u8>(text + bytes + 1, <u8>(bits >> 8));
      store<u8>(text + bytes + 2, <u8>bits);
      bytes += 3;
      bits = 0;
    }
  }
  if (pad == 2) {
    if (bits & 0xf) return -1;
    store<u8>(text + bytes++, <u8>(bits >> 4));
  } else if (pad == 1) {
    if (bits & 0x3) return -1;
    store<u8>(text + bytes++, <u8>(bits >> 10));
    store<u8>(text + bytes++, <u8>(bits >> 2));
  }
  return bytes;
}

/**
 * The device secret of a registration group's device: deviceId at IN[0..idLength), the group secret
 * (Base64) right after it. Writes the 64 hex characters at OUT and returns 64, or an error code with
 * nothing written. The decoded bytes overwrite the Base64 in IN, which the binding wipes.
 */
export function groupSecret(input: usize, idLength: i32, secretLength: i32): i32 {
  const idError = checkId(input, idLength);
  if (idError) return idError;
  if (secretLength == 0) return Err.EmptyGroupSecret;
  if (<u32>secretLength > GROUP_SECRET_MAX) return Err.LongGroupSecret;
  const secret = input + idLength;
  const bytes = decodeInPlace(secret, secretLength);
  if (bytes < 0) return Err.GroupSecretBase64;
  hmacHex(input, idLength, secret, bytes, OUT);
  return HMAC_HEX_BYTES;
}
