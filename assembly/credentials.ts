// IoTDA MQTT credentials: clientId `{deviceId}_{authType}_{signType}_{YYYYMMDDHH}` and password
// hex(HMAC-SHA256(key = YYYYMMDDHH, message = secret)), both from one timestamp.

import { IN, OUT } from "./areas";
import { Err } from "./errors";
import { HMAC_HEX_BYTES, hmacHex } from "./hmac";
import { STAMP_BYTES, isStampable, writeStamp } from "./time";
import { isUtf8 } from "./utf8";

const ID_MAX_BYTES: u32 = 128;
const SECRET_MAX_BYTES: u32 = 256;
/** IoTDA's limit on clientId, username and password. */
const FIELD_MAX_BYTES: i32 = 256;
/** What the clientId adds to the deviceId: `_a_s_` and the stamp. */
const CLIENT_ID_SUFFIX_BYTES: i32 = 5 + STAMP_BYTES;
/** Output layout: password, stamp, clientId; the first and last start on a word, where the device
 * copies them out a word at a time. */
const STAMP_AT: usize = HMAC_HEX_BYTES;
const CLIENT_ID_AT: usize = (STAMP_AT + STAMP_BYTES + 3) & ~3;

// The deviceId limit already keeps every field within IoTDA's: checked here, at compile time, so the
// clientId needs no run-time check (Err.LongClientId stays for bindings that assemble their own).
if (<i32>ID_MAX_BYTES + CLIENT_ID_SUFFIX_BYTES > FIELD_MAX_BYTES || HMAC_HEX_BYTES > FIELD_MAX_BYTES) {
  ERROR("deviceId limit lets the clientId or password exceed 256 characters");
}

/** One bit per ASCII code, set for '-' (45), '0'..'9' (48-57), 'A'..'Z' (65-90), '_' (95), 'a'..'z' (97-122). */
const ID_CHARSET: usize = memory.data<u32>([0, 0x03ff2000, 0x87fffffe, 0x07fffffe]);

/** True when every byte is a letter, digit, '_' or '-'. */
function isIdCharset(id: usize, length: i32): bool {
  for (let i = 0; i < length; i++) {
    const c = <u32>load<u8>(id + i);
    // Bit c % 32 of word c / 32; bytes above 127 lie past the table.
    if (c > 127 || ((load<u32>(ID_CHARSET + ((c >> 5) << 2)) >> (c & 31)) & 1) == 0) return false;
  }
  return true;
}

/** 0 for a deviceId the platform takes, else the error code of the first rule it breaks. */
export function checkId(id: usize, idLength: i32): i32 {
  if (idLength == 0) return Err.EmptyId;
  if (<u32>idLength > ID_MAX_BYTES) return Err.LongId;
  if (!isIdCharset(id, idLength)) return Err.IdCharset;
  return 0;
}

/**
 * Signs with deviceId at IN[0..idLength) and secret at IN[idLength..idLength + secretLength).
 * Returns the clientId length, or the first failing field's error code with nothing written.
 */
export function credentials(idLength: i32, secretLength: i32, timeMs: f64, authType: i32, signType: i32): i32 {
  // Lengths come first: only then is reading IN known to stay inside it. Unsigned compares reject
  // negative lengths as too long.
  const idError = checkId(IN, idLength);
  if (idError) return idError;
  if (secretLength == 0) return Err.EmptySecret;
  if (<u32>secretLength > SECRET_MAX_BYTES) return Err.LongSecret;
  // Bindings hand over a string's bytes as they are (lib/signer.ts: a lone surrogate as its
  // generalized 3-byte form), so host and device refuse the same secrets here, by name.
  if (!isUtf8(IN + idLength, secretLength)) return Err.SecretUtf8;
  if (!isStampable(timeMs)) return Err.Time;
  if (<u32>authType > 2) return Err.AuthType;
  if (<u32>signType > 1) return Err.SignType;
  // One stamp serves as the HMAC key and as the clientId's last field.
  const stamp = OUT + STAMP_AT;
  writeStamp(timeMs, stamp);
  hmacHex(stamp, STAMP_BYTES, IN + idLength, secretLength, OUT);
  const clientId = OUT + CLIENT_ID_AT;
  memory.copy(clientId, IN, idLength);
  const suffix = clientId + idLength;
  store<u8>(suffix, 95); // '_'
  store<u8>(suffix, 48 + authType, 1);
  store<u8>(suffix, 95, 2);
  store<u8>(suffix, 48 + signType, 3);
  store<u8>(suffix, 95, 4);
  memory.copy(suffix + 5, stamp, STAMP_BYTES);
  return idLength + CLIENT_ID_SUFFIX_BYTES;
}
