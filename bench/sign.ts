// Password signing and raw SHA-256: our wasm core (through lib/signer) against node:crypto (OpenSSL) and
// @noble/hashes (pure JS). Candidates run interleaved, round after round in one process, so drift in a
// shared machine's load hits them alike; figures are medians over the rounds, ratios the median of the
// per-round ratios. Time is the process's CPU time, not wall time: on a machine shared with other jobs
// the wall clock also counts the time the scheduler gave them.
import { createHash, createHmac, createSecretKey } from "node:crypto";
import { statSync } from "node:fs";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { CORE_URL, coreMemory, hmacHex, sha256, sign } from "../lib/signer";

export interface SignBenchFigures {
  /**
   * Password signings per second (key 10 B, secret 32 B, strings in, hex out). Uncached: a new key
   * every call, as the first signing of an hour and every connect's; cached: the key's midstates
   * made once and reused, by each library's own means.
   */
  ops: {
    oursUncached: number;
    nodeUncached: number;
    nobleUncached: number;
    oursCached: number;
    nodeMidstate: number;
    nodeKeyObject: number;
    nobleCloned: number;
    oursSign: number;
  };
  /** Ours over theirs, like for like: medians of the per-round ratios. */
  sign_uncached_vs_node_crypto: number;
  sign_cached_vs_node_crypto_midstate: number;
  /** Against createHmac with a KeyObject made once: no midstates, but node:crypto's fastest per call. */
  sign_cached_vs_node_crypto_keyobject: number;
  sign_uncached_vs_noble: number;
  sign_cached_vs_noble: number;
  /** SHA-256 throughput on 1 MiB, MB/s. */
  sha256_mb_s: { wasm: number; node: number; noble: number };
  wasm_bytes: number;
  wasm_used_bytes: number;
  rounds: number;
}

const KEY = "2025041401";
const SECRET = "0123456789abcdef0123456789abcdef";
const MIB = new Uint8Array(1 << 20).map((_, i) => (i * 31) & 255);

/** CPU seconds (user + system) `fn` takes for `count` calls. */
function cpuSeconds(fn: () => unknown, count: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < count; i++) fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

/** Calls per CPU second. */
function rate(fn: () => unknown, count: number): number {
  return count / cpuSeconds(fn, count);
}

/** Calls that take about `ms` of CPU, from trials that also warm up the JIT. */
function callsFor(fn: () => unknown, ms: number): number {
  for (let count = 16; ; count *= 4) {
    const seconds = cpuSeconds(fn, count);
    if (seconds > 0.02) return Math.max(1, Math.round((count * ms) / (seconds * 1000)));
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

/** Interleaved rounds of every candidate; per-candidate rates, round by round. */
function interleave<K extends string>(candidates: Record<K, () => unknown>, rounds: number, sliceMs: number): Record<K, number[]> {
  const names = Object.keys(candidates) as K[];
  const counts = names.map((name) => callsFor(candidates[name], sliceMs));
  const rates = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  for (let round = 0; round < rounds; round++) {
    names.forEach((name, i) => rates[name].push(rate(candidates[name], counts[i])));
  }
  return rates;
}

function medianRatio(a: number[], b: number[]): number {
  return median(a.map((value, i) => value / b[i]));
}

/**
 * HMAC with node:crypto reusing the key's midstates: hashes keyed with K0 ^ ipad and K0 ^ opad,
 * made once and copied per call, as our core keeps INNER and OUTER.
 */
function nodeWithMidstates(key: string): (message: string) => string {
  const block = Buffer.alloc(64); // the keys here are shorter than a block: K0 is the key zero-padded
  block.write(key);
  const inner = createHash("sha256").update(block.map((byte) => byte ^ 0x36));
  const outer = createHash("sha256").update(block.map((byte) => byte ^ 0x5c));
  return (message) => outer.copy().update(inner.copy().update(message).digest()).digest("hex");
}

export async function runSignBench(opts: { quick: boolean }): Promise<SignBenchFigures> {
  const rounds = opts.quick ? 7 : 21;
  const sliceMs = opts.quick ? 80 : 250;
  // Hour keys in turn, so every uncached call has a key other than the last one's.
  const keys = Array.from({ length: 24 }, (_, h) => `20250414${String(h).padStart(2, "0")}`);
  let next = 0;
  const nextKey = () => keys[next++ % 24];
  const nodeMidstate = nodeWithMidstates(KEY);
  const nodeKey = createSecretKey(Buffer.from(KEY));
  const nobleKeyed = hmac.create(nobleSha256, utf8ToBytes(KEY));
  const candidates = {
    oursUncached: () => hmacHex(nextKey(), SECRET),
    nodeUncached: () => createHmac("sha256", nextKey()).update(SECRET).digest("hex"),
    nobleUncached: () => bytesToHex(hmac(nobleSha256, utf8ToBytes(nextKey()), utf8ToBytes(SECRET))),
    oursCached: () => hmacHex(KEY, SECRET),
    nodeMidstate: () => nodeMidstate(SECRET),
    nodeKeyObject: () => createHmac("sha256", nodeKey).update(SECRET).digest("hex"),
    nobleCloned: () => bytesToHex(nobleKeyed.clone().update(utf8ToBytes(SECRET)).digest()),
    oursSign: () => sign({ deviceId: "dev1", secret: SECRET, time: 1744594200000 }),
  };
  // Every HMAC candidate must compute the same thing before its speed means anything.
  const expected = createHmac("sha256", KEY).update(SECRET).digest("hex");
  for (const [name, candidate] of Object.entries(candidates)) {
    if (name === "oursSign") continue;
    next = 1; // keys[1] is KEY: the uncached ones sign with it too
    if (candidate() !== expected) throw new Error(`bench: ${name} computes another HMAC`);
  }
  const signing = interleave(candidates, rounds, sliceMs);
  const hashing = interleave(
    {
      wasm: () => sha256(MIB),
      node: () => createHash("sha256").update(MIB).digest(),
      noble: () => nobleSha256(MIB),
    },
    rounds,
    sliceMs,
  );
  const figures: SignBenchFigures = {
    ops: {
      oursUncached: median(signing.oursUncached),
      nodeUncached: median(signing.nodeUncached),
      nobleUncached: median(signing.nobleUncached),
      oursCached: median(signing.oursCached),
      nodeMidstate: median(signing.nodeMidstate),
      nodeKeyObject: median(signing.nodeKeyObject),
      nobleCloned: median(signing.nobleCloned),
      oursSign: median(signing.oursSign),
    },
    sign_uncached_vs_node_crypto: medianRatio(signing.oursUncached, signing.nodeUncached),
    sign_cached_vs_node_crypto_midstate: medianRatio(signing.oursCached, signing.nodeMidstate),
    sign_cached_vs_node_crypto_keyobject: medianRatio(signing.oursCached, signing.nodeKeyObject),
    sign_uncached_vs_noble: medianRatio(signing.oursUncached, signing.nobleUncached),
    sign_cached_vs_noble: medianRatio(signing.oursCached, signing.nobleCloned),
    sha256_mb_s: { wasm: median(hashing.wasm), node: median(hashing.node), noble: median(hashing.noble) },
    wasm_bytes: statSync(CORE_URL).size,
    wasm_used_bytes: coreMemory().length,
    rounds,
  };
  // 1 MiB per call: calls per second are MiB/s; MB/s as usual for hashes.
  for (const name of ["wasm", "node", "noble"] as const) figures.sha256_mb_s[name] *= (1 << 20) / 1e6;
  printTable(figures);
  return figures;
}

function printTable(f: SignBenchFigures): void {
  const k = (ops: number) => `${(ops / 1000).toFixed(0)}k ops/s`;
  const x = (ratio: number) => `ours ${ratio.toFixed(2)}x`;
  const row = (name: string, value: string, note = "") => console.log(`  ${name.padEnd(52)}${value.padStart(16)}  ${note}`);
  console.log(
    `Per connect (a new key every call): wasm core ${k(f.ops.oursUncached)}, ${f.sign_uncached_vs_node_crypto.toFixed(2)}x node:crypto createHmac, ` +
      `${f.sign_uncached_vs_noble.toFixed(2)}x @noble/hashes`,
  );
  console.log(`Password signing (HMAC-SHA256, key 10 B, secret 32 B, hex out), median of ${f.rounds} interleaved rounds`);
  console.log("Per connect: a new key every call, set up by each");
  row("wasm core (lib/signer hmacHex)", k(f.ops.oursUncached));
  row("node:crypto createHmac", k(f.ops.nodeUncached), x(f.sign_uncached_vs_node_crypto));
  row("@noble/hashes hmac", k(f.ops.nobleUncached), x(f.sign_uncached_vs_noble));
  console.log("Key set up once and reused (as the hour key is between connects)");
  row("wasm core, key cache hit", k(f.ops.oursCached));
  row("node:crypto keyed hashes, copy() per call", k(f.ops.nodeMidstate), x(f.sign_cached_vs_node_crypto_midstate));
  row("node:crypto createHmac, KeyObject made once", k(f.ops.nodeKeyObject), x(f.sign_cached_vs_node_crypto_keyobject));
  row("@noble/hashes hmac.create, clone() per call", k(f.ops.nobleCloned), x(f.sign_cached_vs_noble));
  row("wasm core, full sign() credentials (key cached)", k(f.ops.oursSign));
  console.log("SHA-256 of 1 MiB");
  row("wasm core (512-byte chunks)", `${f.sha256_mb_s.wasm.toFixed(0)} MB/s`);
  row("node:crypto createHash", `${f.sha256_mb_s.node.toFixed(0)} MB/s`);
  row("@noble/hashes sha256", `${f.sha256_mb_s.noble.toFixed(0)} MB/s`);
  console.log("Core size");
  row("build/core.wasm", `${f.wasm_bytes} B`);
  row("memory used (used())", `${f.wasm_used_bytes} B`);
}
