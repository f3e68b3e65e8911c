// SHA-256 (FIPS 180-4) over static memory: no allocation, 32-bit operations only in the rounds.
//
// The helpers are @inline: binaryen would leave them as calls, costing 3x. `@ts-ignore: decorator` is
// AssemblyScript's own idiom for tsc, which knows no function decorators (assembly/tsconfig.json).
//
// A context is CONTEXT_BYTES of memory: the eight state words, the pending partial block and the
// count of bytes hashed so far.

/** Offset of the 64-byte pending block inside a context. */
export const CONTEXT_BLOCK: usize = 32;
/** Offset of the u64 count of bytes hashed inside a context. */
const COUNT: usize = 96;
/** Bytes one context takes. */
export const CONTEXT_BYTES: i32 = 104;
/** Bytes of a digest. */
export const DIGEST_BYTES: i32 = 32;
/** Bytes of a block. */
export const BLOCK_BYTES: i32 = 64;

/** Initial hash value H(0). */
export const IV: usize = memory.data<u32>([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

/** Round constants K(0..63). */
const K: usize = memory.data<u32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** Message schedule W(0..63), shared by all contexts (compression never nests). */
const SCHEDULE_BYTES: i32 = 256;
const W: usize = memory.data(SCHEDULE_BYTES, 16);

// Big-endian word from bytes: byte loads keep it alignment-free, which also suits strict-align MCUs.
// @ts-ignore: decorator
@inline function loadBE(p: usize): u32 {
  return (<u32>load<u8>(p) << 24) | (<u32>load<u8>(p, 1) << 16) | (<u32>load<u8>(p, 2) << 8) | <u32>load<u8>(p, 3);
}

// @ts-ignore: decorator
@inline function storeBE(p: usize, v: u32): void {
  store<u8>(p, v >> 24);
  store<u8>(p, v >> 16, 1);
  store<u8>(p, v >> 8, 2);
  store<u8>(p, v, 3);
}

// @ts-ignore: decorator
@inline function sum0(x: u32): u32 { return rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22); }
// @ts-ignore: decorator
@inline function sum1(x: u32): u32 { return rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25); }
// @ts-ignore: decorator
@inline function sigma0(x: u32): u32 { return rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3); }
// @ts-ignore: decorator
@inline function sigma1(x: u32): u32 { return rotr(x, 17) ^ rotr(x, 19) ^ (x >> 10); }
// Ch in its three-operation form.
// @ts-ignore: decorator
@inline function choose(e: u32, f: u32, g: u32): u32 { return g ^ (e & (f ^ g)); }
// Maj(a, b, c) = ((a ^ b) & (b ^ c)) ^ b, where b ^ c is the previous round's a ^ b: three operations
// a round instead of four.
// @ts-ignore: decorator
@inline function majority(ab: u32, bc: u32, b: u32): u32 { return (ab & bc) ^ b; }

/**
 * Runs the compression function on the 64 bytes at `block` and the 8 state words at `state`, and
 * writes the new state at `out`: `state` itself, or elsewhere, as HMAC keying writes IV's successors.
 */
export function compress(out: usize, state: usize, block: usize): void {
  for (let i: usize = 0; i < 64; i += 4) store<u32>(W + i, loadBE(block + i));
  // p points at W[t-16] while W[t] (p + 64) and W[t+1] are computed from W[t-2], W[t-7], W[t-15] and
  // W[t-16] (and their successors); two words per iteration halve the loop's overhead. The words
  // the last iteration made or read again (W[t-2], W[t-1], W[t-16] = its W[t-14]) stay in locals:
  // the C compiler cannot tell that a store through p + 64 does not change what p + 56 reads next.
  let previous2 = load<u32>(W, 56), previous1 = load<u32>(W, 60), oldest = load<u32>(W);
  for (let p = W; p < W + 192; p += 8) {
    const second = load<u32>(p, 4), third = load<u32>(p, 8);
    const next2 = sigma1(previous2) + load<u32>(p, 36) + sigma0(second) + oldest;
    const next1 = sigma1(previous1) + load<u32>(p, 40) + sigma0(third) + second;
    store<u32>(p, next2, 64);
    store<u32>(p, next1, 68);
    previous2 = next2;
    previous1 = next1;
    oldest = third;
  }
  let a = load<u32>(state), b = load<u32>(state, 4), c = load<u32>(state, 8), d = load<u32>(state, 12);
  let e = load<u32>(state, 16), f = load<u32>(state, 20), g = load<u32>(state, 24), h = load<u32>(state, 28);
  // x and y alternate as this round's a ^ b and the previous round's (majority above).
  let x: u32, y = b ^ c;
  // Eight rounds per iteration; instead of shifting a..h each round, the roles rotate by one variable
  // per line, and after eight lines every variable is back in its own role.
  for (let i: usize = 0; i < 256; i += 32) {
    const k = K + i, w = W + i;
    h += sum1(e) + choose(e, f, g) + load<u32>(k) + load<u32>(w); d += h; x = a ^ b; h += sum0(a) + majority(x, y, b);
    g += sum1(d) + choose(d, e, f) + load<u32>(k, 4) + load<u32>(w, 4); c += g; y = h ^ a; g += sum0(h) + majority(y, x, a);
    f += sum1(c) + choose(c, d, e) + load<u32>(k, 8) + load<u32>(w, 8); b += f; x = g ^ h; f += sum0(g) + majority(x, y, h);
    e += sum1(b) + choose(b, c, d) + load<u32>(k, 12) + load<u32>(w, 12); a += e; y = f ^ g; e += sum0(f) + majority(y, x, g);
    d += sum1(a) + choose(a, b, c) + load<u32>(k, 16) + load<u32>(w, 16); h += d; x = e ^ f; d += sum0(e) + majority(x, y, f);
    c += sum1(h) + choose(h, a, b) + load<u32>(k, 20) + load<u32>(w, 20); g += c; y = d ^ e; c += sum0(d) + majority(y, x, e);
    b += sum1(g) + choose(g, h, a) + load<u32>(k, 24) + load<u32>(w, 24); f += b; x = c ^ d; b += sum0(c) + majority(x, y, d);
    a += sum1(f) + choose(f, g, h) + load<u32>(k, 28) + load<u32>(w, 28); e += a; y = b ^ c; a += sum0(b) + majority(y, x, c);
  }
  store<u32>(out, load<u32>(state) + a);
  store<u32>(out, load<u32>(state, 4) + b, 4);
  store<u32>(out, load<u32>(state, 8) + c, 8);
  store<u32>(out, load<u32>(state, 12) + d, 12);
  store<u32>(out, load<u32>(state, 16) + e, 16);
  store<u32>(out, load<u32>(state, 20) + f, 20);
  store<u32>(out, load<u32>(state, 24) + g, 24);
  store<u32>(out, load<u32>(state, 28) + h, 28);
}

/**
 * Starts `ctx` from the 8 words at `state`, as if `count` bytes were hashed: a whole number of blocks,
 * plus count % 64 bytes already in the context's pending block.
 */
export function start(ctx: usize, state: usize, count: u64): void {
  // Eight word moves, where memory.copy is a call into the C library.
  for (let i: usize = 0; i < 32; i += 4) store<u32>(ctx + i, load<u32>(state + i));
  store<u64>(ctx, count, COUNT);
}

/** Hashes `length` bytes at `data`. */
export function update(ctx: usize, data: usize, length: i32): void {
  const count = load<u64>(ctx, COUNT);
  store<u64>(ctx, count + <u64>length, COUNT);
  const block = ctx + CONTEXT_BLOCK;
  // Every block is gathered in the context, even whole ones: compress then only reads blocks in
  // static memory, and the C compiler that builds wasm2c's output proves their loads in bounds
  // instead of checking each one. (Node's streaming hash pays about 6% for the copy.)
  for (let pending = <i32>count & 63; length > 0; pending = 0) {
    const take = min(BLOCK_BYTES - pending, length);
    memory.copy(block + pending, data, take);
    if (pending + take < BLOCK_BYTES) return;
    compress(ctx, ctx, block);
    data += take;
    length -= take;
  }
}

/** Zeroes block[from..to), `to` a multiple of 4: bytes up to a word boundary, then whole words. */
function zero(block: usize, from: usize, to: usize): void {
  // Rounding up with a mask lets the C compiler see that the word stores are aligned.
  let word = (from + 3) & ~3;
  for (; from < word; from++) store<u8>(block + from, 0);
  for (; word < to; word += 4) store<u32>(block + word, 0);
}

/** Pads and compresses the last block(s): the digest is then the eight state words at `ctx`. */
export function pad(ctx: usize): void {
  const count = load<u64>(ctx, COUNT);
  const block = ctx + CONTEXT_BLOCK;
  let used = <usize>count & 63;
  store<u8>(block + used++, 0x80);
  // No room for the 8-byte length: pad this block out and start another.
  if (used > 56) {
    zero(block, used, BLOCK_BYTES);
    compress(ctx, ctx, block);
    used = 0;
  }
  zero(block, used, 56);
  const bits = count << 3;
  storeBE(block + 56, <u32>(bits >> 32));
  storeBE(block + 60, <u32>bits);
  compress(ctx, ctx, block);
}

/** Pads, compresses the last block(s) and writes the 32-byte digest at `dst`. */
export function finish(ctx: usize, dst: usize): void {
  pad(ctx);
  for (let i: usize = 0; i < 32; i += 4) storeBE(dst + i, load<u32>(ctx + i));
}

/** Zeroes `bytes` (a multiple of 8) at the 8-byte aligned `at`. */
// @ts-ignore: decorator
@inline function zeroAligned(at: usize, bytes: usize): void {
  for (let p = at; p < at + bytes; p += 8) store<u64>(p, 0);
}

/** Zeroes `ctx` and the schedule, from which what the last compression hashed could be recovered. */
// @ts-ignore: decorator
@inline export function forget(ctx: usize): void {
  // Inlined, the callers' constant addresses let the C compiler drop the per-store checks.
  zeroAligned(ctx, CONTEXT_BYTES);
  zeroAligned(W, SCHEDULE_BYTES);
}
