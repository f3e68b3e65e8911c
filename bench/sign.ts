// Password signing and raw SHA-256: our wasm core (through lib/signer) against node:crypto (OpenSSL) and
// @noble/hashes (pure JS). Candidates run interleaved, round after round in one process, so drift in a
// shared machine's load hits them alike; figures are medians over the rounds, ratios the median of the
// per-round ratios. Time is the process's CPU time, not wall time: on a machine shared with other jobs
// the wall clock also counts the time the scheduler gave them.
import { createHash, createHmac } from "node:crypto";
import { statSync } from "node:fs";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { CORE_URL, coreMemory, hmacHex, sha256, sign } from "../lib/signer";

export interface SignBenchFigures {
  /** Password signings per second (key 10 B, secret 32 B, hex out, strings in and out). */
  ops: { wasm: number; wasmNewKey: number; node: number; noble: number; wasmSign: number };
  /** wasm ops/s over node:crypto ops/s, and over @noble/hashes. */
  wasm_vs_node_crypto: number;
  wasm_vs_noble: number;
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

export async function runSignBench(opts: { quick: boolean }): Promise<SignBenchFigures> {
  const rounds = opts.quick ? 7 : 21;
  const sliceMs = opts.quick ? 80 : 250;
  // Hour keys in turn, so every call misses the midstate cache: the first signing of each hour.
  const keys = Array.from({ length: 24 }, (_, h) => `20250414${String(h).padStart(2, "0")}`);
  let next = 0;
  const signing = interleave(
    {
      wasm: () => hmacHex(KEY, SECRET),
      node: () => createHmac("sha256", KEY).update(SECRET).digest("hex"),
      noble: () => bytesToHex(hmac(nobleSha256, utf8ToBytes(KEY), utf8ToBytes(SECRET))),
      wasmNewKey: () => hmacHex(keys[next++ % 24], SECRET),
      wasmSign: () => sign({ deviceId: "dev1", secret: SECRET, time: 1744594200000 }),
    },
    rounds,
    sliceMs,
  );
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
      wasm: median(signing.wasm),
      wasmNewKey: median(signing.wasmNewKey),
      node: median(signing.node),
      noble: median(signing.noble),
      wasmSign: median(signing.wasmSign),
    },
    wasm_vs_node_crypto: medianRatio(signing.wasm, signing.node),
    wasm_vs_noble: medianRatio(signing.wasm, signing.noble),
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
  const row = (name: string, value: string, note = "") => console.log(`  ${name.padEnd(44)}${value.padStart(16)}  ${note}`);
  console.log(`Password signing (HMAC-SHA256, key 10 B, secret 32 B, hex out), median of ${f.rounds} interleaved rounds`);
  row("wasm core (lib/signer hmacHex)", k(f.ops.wasm), `${f.wasm_vs_node_crypto.toFixed(2)}x node:crypto`);
  row("wasm core, new key every call (cache miss)", k(f.ops.wasmNewKey));
  row("node:crypto createHmac", k(f.ops.node));
  row("@noble/hashes hmac + bytesToHex", k(f.ops.noble), `wasm is ${f.wasm_vs_noble.toFixed(2)}x`);
  row("wasm core, full sign() credentials", k(f.ops.wasmSign));
  console.log("SHA-256 of 1 MiB");
  row("wasm core (512-byte chunks)", `${f.sha256_mb_s.wasm.toFixed(0)} MB/s`);
  row("node:crypto createHash", `${f.sha256_mb_s.node.toFixed(0)} MB/s`);
  row("@noble/hashes sha256", `${f.sha256_mb_s.noble.toFixed(0)} MB/s`);
  console.log("Core size");
  row("build/core.wasm", `${f.wasm_bytes} B`);
  row("memory used (used())", `${f.wasm_used_bytes} B`);
}
