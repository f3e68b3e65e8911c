// XS figures: what the app's JavaScript costs the XS engine (test/xs/host.c: the device's build of
// the XS 13.3 that @agoric/xsnap ships), counted by XS itself, so they are the same on every run.
// compute: XS's meter, one unit per bytecode instruction run plus what built-ins charge for their
// work (mxMeterSome, e.g. one per character copied); native C (the signing core) is not in it.
// slots: heap slots allocated (currentHeapCount; a slot is 16 bytes on the 32-bit device, 32 on a
// 64-bit host). chunk bytes: chunk memory allocated (currentChunksSize) on this host, where chunks
// holding pointers are larger than on the device. No collection runs while counting.
import { fileURLToPath } from "node:url";
import { runScenario } from "../test/xs/engine";
import type { Input as EncodeInput, Output as EncodeOutput } from "../test/xs/scenarios/encode-cost";
import type { Input as SessionInput, Output as SessionOutput } from "../test/xs/scenarios/session";
import type { Input as LiveInput, Output as LiveOutput } from "./xs-live";
import type { Input as ParseInput, Output as ParseOutput } from "./xs-parse";

export interface XsCost {
  compute: number;
  slots: number;
  chunk_bytes: number;
}

export interface XsBenchFigures {
  /** One session cycle: sign, CONNECT, CONNACK, SUBSCRIBE and SUBACK, a QoS 1 report and its PUBACK. */
  session_cycle: XsCost;
  /** Slots a Session holds after a collection: made, and started with its link opening (the TLS
   * handshake on the device), the scripted board's socket and timer left out. */
  session_live: { made: number; opening: number };
  /** The MQTT parser, per KiB of a stream of QoS 1 command PUBLISH packets in 1024-byte chunks. */
  parse_per_kib: XsCost;
  parse_stream_bytes: number;
  /** encodePublish of a 16 KiB string payload, per KiB: ASCII ("x") and not ("é", 2 bytes each); with
   * the string bytes XS scanned to index by character, which compute does not count. */
  encode_per_kib: Record<"ascii" | "non_ascii", XsCost & { scanned_bytes: number }>;
}

// The device of the session scenarios: its credentials and the wall clock when the board's reads 0.
const DEVICE: LiveInput = { deviceId: "bench_device-1", secret: "0123456789abcdef0123456789abcdef", startMs: Date.UTC(2025, 3, 14, 1, 30) };
const PARSE: ParseInput = { packets: 64, chunkBytes: 1024 };
const ENCODE: EncodeInput = { characters: ["x", "é"], kib: [16] };

export async function runXsBench(): Promise<XsBenchFigures> {
  const session = await runScenario<SessionInput, SessionOutput>("scenarios/session.ts", { ...DEVICE, maxWaitMs: 600_000, holdCheckMs: 1000 }, "xs");
  const live = await runScenario<LiveInput, LiveOutput>(fileURLToPath(new URL("./xs-live.ts", import.meta.url)), DEVICE, "xs");
  const parse = await runScenario<ParseInput, ParseOutput>(fileURLToPath(new URL("./xs-parse.ts", import.meta.url)), PARSE, "xs");
  const [[ascii], [nonAscii]] = await runScenario<EncodeInput, EncodeOutput>("scenarios/encode-cost.ts", ENCODE, "xs");
  const perKiBOf = (cost: typeof ascii) => {
    const kib = cost.bytes / 1024;
    return { compute: Math.round(cost.compute / kib), slots: Math.round(cost.slots / kib), chunk_bytes: Math.round(cost.chunks / kib), scanned_bytes: Math.round(cost.scanned / kib) };
  };
  const { compute, slots, chunks } = session.cost!;
  const perKiB = parse.perKiB;
  const figures: XsBenchFigures = {
    session_cycle: { compute, slots, chunk_bytes: chunks },
    session_live: live,
    parse_per_kib: { compute: Math.round(perKiB.compute), slots: Math.round(perKiB.slots), chunk_bytes: Math.round(perKiB.chunks) },
    parse_stream_bytes: parse.bytes,
    encode_per_kib: { ascii: perKiBOf(ascii), non_ascii: perKiBOf(nonAscii) },
  };
  printTable(figures);
  return figures;
}

function printTable(f: XsBenchFigures): void {
  const row = (name: string, cost: XsCost) =>
    console.log(`  ${name.padEnd(44)}${`${cost.compute.toLocaleString("en")} units`.padStart(16)}${`${cost.slots.toLocaleString("en")} slots`.padStart(14)}${`${cost.chunk_bytes.toLocaleString("en")} B`.padStart(12)}`);
  console.log("\nXS (the device's build of XS 13.3): compute units, slots and chunk bytes allocated; the same every run");
  row("session cycle (sign .. report, PUBACK)", f.session_cycle);
  console.log(`  ${"session live slots: made / link opening".padEnd(44)}${`${f.session_live.made} / ${f.session_live.opening} slots`.padStart(42)}`);
  row(`parser, per KiB (${PARSE.packets} command PUBLISH, ${f.parse_stream_bytes} B)`, f.parse_per_kib);
  const { ascii, non_ascii } = f.encode_per_kib;
  row(`string payload encode, per KiB ("x")`, ascii);
  row(`string payload encode, per KiB ("é")`, non_ascii);
  console.log(`  string bytes XS scanned to index by character (not in compute), per KiB encoded: ${ascii.scanned_bytes.toLocaleString("en")} ("x"), ${non_ascii.scanned_bytes.toLocaleString("en")} ("é")`);
}
