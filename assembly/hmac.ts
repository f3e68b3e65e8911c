// HMAC-SHA256 (RFC 2104) with a one-entry cache of the key's inner and outer midstates.
//
// IoTDA keys are the UTC hour, so consecutive signings share the key. Caching the state after the
// (key ^ ipad) and (key ^ opad) blocks saves two of the four compressions of a short message.

import { hexWords } from "./hex";
import { BLOCK_BYTES, CONTEXT_BLOCK, CONTEXT_BYTES, DIGEST_BYTES, IV, compress, finish, forget, pad, start, update } from "./sha256";

/** The HMAC hashing context. */
const CTX: usize = memory.data(CONTEXT_BYTES, 16);
/** K0 ^ opad for the cached key (K0 ^ ipad while keying); K0 is the key zero-padded to a block. */
const PAD: usize = memory.data(BLOCK_BYTES, 16);
/** State after compressing K0 ^ ipad. */
const INNER: usize = memory.data(DIGEST_BYTES, 16);
/** State after compressing K0 ^ opad. */
const OUTER: usize = memory.data(DIGEST_BYTES, 16);
/** Digest of a key longer than a block, which stands in for that key. */
const DIGEST: usize = memory.data(DIGEST_BYTES, 16);
/** Length of the cached key; -1 until the first key, so nothing matches. */
let cachedKeyLength: i32 = -1;
const IPAD: u32 = 0x36363636;
const OPAD: u32 = 0x5c5c5c5c;

/** True when `length` bytes at `key` are the cached key, which PAD holds as K0 ^ opad. */
function isCached(key: usize, length: i32): bool {
  if (length != cachedKeyLength) return false;
  // From the end: successive hour stamps differ in their last digit.
  for (let i = length - 1; i >= 0; i--) if ((load<u8>(key + i) ^ <u8>OPAD) != load<u8>(PAD + i)) return false;
  return true;
}

/** Makes INNER and OUTER the midstates of `key` unless they already are. */
function useKey(key: usize, length: i32): void {
  // A key longer than a block is replaced by its digest (RFC 2104 section 2).
  if (length > BLOCK_BYTES) {
    start(CTX, IV, 0);
    update(CTX, key, length);
    finish(CTX, DIGEST);
    key = DIGEST;
    length = DIGEST_BYTES;
  }
  if (isCached(key, length)) return;
  cachedKeyLength = length;
  // K0 ^ ipad: the pad byte everywhere, then the key's bytes folded into the first ones.
  for (let i: usize = 0; i < 64; i += 4) store<u32>(PAD + i, IPAD);
  for (let i = 0; i < length; i++) store<u8>(PAD + i, load<u8>(key + i) ^ <u8>IPAD);
  compress(INNER, IV, PAD);
  // ipad ^ opad turns the inner pad into the outer one in place.
  for (let i: usize = 0; i < 64; i += 4) store<u32>(PAD + i, load<u32>(PAD + i) ^ (IPAD ^ OPAD));
  compress(OUTER, IV, PAD);
}

/** Bytes of the hex HMAC. */
export const HMAC_HEX_BYTES: i32 = 64;

/**
 * Writes HMAC-SHA256(key, message) as 64 lowercase hex characters at `dst`. When it returns, nothing
 * derived from the message is left in the core's memory but that hex: the context and the schedule
 * are zeroed, and the key's midstates (kept) depend on the key alone.
 */
export function hmacHex(key: usize, keyLength: i32, message: usize, messageLength: i32, dst: usize): void {
  useKey(key, keyLength);
  start(CTX, INNER, BLOCK_BYTES);
  update(CTX, message, messageLength);
  // The inner digest goes straight into the pending block, where the outer hash takes it as the
  // 32 bytes that follow its key block: no copy, and its one block is padded in place.
  finish(CTX, CTX + CONTEXT_BLOCK);
  start(CTX, OUTER, BLOCK_BYTES + DIGEST_BYTES);
  pad(CTX);
  hexWords(CTX, DIGEST_BYTES >> 2, dst);
  forget(CTX);
}
