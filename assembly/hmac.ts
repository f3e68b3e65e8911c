// HMAC-SHA256 (RFC 2104) with a one-entry cache of the key's inner and outer midstates.
//
// IoTDA keys are the UTC hour, so consecutive signings share the key. Caching the state after the
// (key ^ ipad) and (key ^ opad) blocks saves two of the four compressions of a short message.

import { hexEncode } from "./hex";
import { BLOCK_BYTES, CONTEXT_BLOCK, CONTEXT_BYTES, DIGEST_BYTES, IV, compress, finish, start, update } from "./sha256";

/** The HMAC hashing context; its pending block doubles as the pad block while keying. */
const CTX: usize = memory.data(CONTEXT_BYTES, 16);
/** The cached key, zero-padded to a block: K0 of RFC 2104 for keys of at most 64 bytes. */
const CACHED_KEY: usize = memory.data(BLOCK_BYTES, 16);
/** State after compressing K0 ^ ipad. */
const INNER: usize = memory.data(DIGEST_BYTES, 16);
/** State after compressing K0 ^ opad. */
const OUTER: usize = memory.data(DIGEST_BYTES, 16);
/** Digest of a key longer than a block, which stands in for that key. */
const KEY_DIGEST: usize = memory.data(DIGEST_BYTES, 16);
/** The inner, then the outer digest. */
const DIGEST: usize = memory.data(DIGEST_BYTES, 16);
/** Length of the cached key; -1 until the first key, so nothing matches the zeroed block. */
let cachedKeyLength: i32 = -1;

/** True when `length` bytes at `key` are the cached key. */
function isCached(key: usize, length: i32): bool {
  if (length != cachedKeyLength) return false;
  for (let i = 0; i < length; i++) if (load<u8>(key + i) != load<u8>(CACHED_KEY + i)) return false;
  return true;
}

/** Makes INNER and OUTER the midstates of `key` unless they already are. */
function useKey(key: usize, length: i32): void {
  // A key longer than a block is replaced by its digest (RFC 2104 section 2).
  if (length > BLOCK_BYTES) {
    start(CTX, IV, 0);
    update(CTX, key, length);
    finish(CTX, KEY_DIGEST);
    key = KEY_DIGEST;
    length = DIGEST_BYTES;
  }
  if (isCached(key, length)) return;
  memory.copy(CACHED_KEY, key, length);
  memory.fill(CACHED_KEY + length, 0, BLOCK_BYTES - length);
  cachedKeyLength = length;
  const pad = CTX + CONTEXT_BLOCK;
  for (let i: usize = 0; i < 64; i += 4) store<u32>(pad + i, load<u32>(CACHED_KEY + i) ^ 0x36363636);
  memory.copy(INNER, IV, DIGEST_BYTES);
  compress(INNER, pad);
  // ipad ^ opad turns the inner pad into the outer one in place.
  for (let i: usize = 0; i < 64; i += 4) store<u32>(pad + i, load<u32>(pad + i) ^ (0x36363636 ^ 0x5c5c5c5c));
  memory.copy(OUTER, IV, DIGEST_BYTES);
  compress(OUTER, pad);
}

/** Bytes of the hex HMAC. */
export const HMAC_HEX_BYTES: i32 = 64;

/**
 * Writes HMAC-SHA256(key, message) as 64 lowercase hex characters at `dst`. When it returns, the
 * message is gone from the context and the schedule: the outer hash overwrites both.
 */
export function hmacHex(key: usize, keyLength: i32, message: usize, messageLength: i32, dst: usize): void {
  useKey(key, keyLength);
  start(CTX, INNER, BLOCK_BYTES);
  update(CTX, message, messageLength);
  finish(CTX, DIGEST);
  start(CTX, OUTER, BLOCK_BYTES);
  update(CTX, DIGEST, DIGEST_BYTES);
  finish(CTX, DIGEST);
  hexEncode(DIGEST, DIGEST_BYTES, dst);
}
