// Error codes of the core ABI and their messages. Messages name the field and its limit and never
// carry an input value, so a secret cannot leak through an error.

export const enum Err {
  EmptyId = -1,
  LongId = -2,
  IdCharset = -3,
  EmptySecret = -4,
  LongSecret = -5,
  Time = -6,
  AuthType = -7,
  SignType = -8,
  LongClientId = -9,
  LongInput = -10,
  SecretUtf8 = -11,
  EmptyGroupSecret = -12,
  LongGroupSecret = -13,
  GroupSecretBase64 = -14,
}

// Line n holds the message for code -n. One literal instead of one per code keeps the .wasm small.
const MESSAGES = `deviceId: must not be empty
deviceId: at most 128 characters
deviceId: only letters, digits, '_' and '-'
secret: must not be empty
secret: at most 256 bytes
time: must be within years 1970-9999 UTC
authType: must be 0, 1 or 2
signType: must be 0 or 1
clientId: at most 256 characters
input: at most 512 bytes
secret: must be valid UTF-8
groupSecret: must not be empty
groupSecret: at most 256 characters
groupSecret: must be padded Base64
`;
const LINE_FEED: u16 = 10;

/** Writes the message for `code` at `dst` as UTF-8; returns its length, 0 for an unknown code. */
export function errorText(code: i32, dst: usize): i32 {
  if (code >= 0) return 0;
  let units = changetype<usize>(MESSAGES);
  const end = units + (<usize>MESSAGES.length << 1);
  // Skip the -code - 1 lines before the wanted one; codes past the last line find no text.
  for (let skip = -code - 1; skip > 0 && units < end; units += 2) {
    if (load<u16>(units) == LINE_FEED) skip--;
  }
  let length = 0;
  // The messages are ASCII, so each UTF-16 code unit of the literal is one UTF-8 byte.
  for (; units < end && load<u16>(units) != LINE_FEED; units += 2) store<u8>(dst + length++, load<u16>(units));
  return length;
}
