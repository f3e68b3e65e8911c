// Scenario for `npm run bench` (bench/xs.ts), on XS only: what the MQTT parser costs per KiB of a
// command stream as IoTDA sends it (QoS 1 PUBLISH on .../commands/request_id=..., a JSON command),
// pushed in securesocket's 1024-byte pieces. The stream is made before the meter starts.
import { encodePublish } from "../src/mqtt/encode";
import { Parser } from "../src/mqtt/parser";
import type { XsHost } from "../test/xs/scenario";

export interface Input {
  packets: number;
  chunkBytes: number;
}

export function run(input: Input, xs: XsHost | undefined) {
  if (!xs) throw new Error("bench/xs-parse: XS only");
  const packets: Uint8Array[] = [];
  for (let i = 0; i < input.packets; i++) {
    const command = { object_device_id: "dev1", service_id: "switch", command_name: "set", paras: { on: i % 2 === 0, level: i } };
    packets.push(encodePublish({ topic: `$oc/devices/dev1/sys/commands/request_id=${1000 + i}`, payload: JSON.stringify(command), qos: 1, messageId: 1 + i }));
  }
  const stream = new Uint8Array(packets.reduce((sum, packet) => sum + packet.length, 0));
  packets.reduce((at, packet) => (stream.set(packet, at), at + packet.length), 0);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < stream.length; at += input.chunkBytes) chunks.push(stream.slice(at, at + input.chunkBytes));
  let parsed = 0;
  const parser = new Parser(16384, () => parsed++);

  xs.collect();
  const compute = xs.compute(), slots = xs.slots(), chunkBytes = xs.chunks();
  for (let i = 0; i < chunks.length; i++) parser.push(chunks[i]);
  const cost = { compute: xs.compute() - compute, slots: xs.slots() - slots, chunks: xs.chunks() - chunkBytes };
  if (xs.collected()) throw new Error("bench/xs-parse: the collector ran inside the measured window; give the XS host a larger heap");
  if (parsed !== input.packets) throw new Error(`bench/xs-parse: ${parsed} of ${input.packets} packets parsed`);
  const kib = stream.length / 1024;
  return { bytes: stream.length, perKiB: { compute: cost.compute / kib, slots: cost.slots / kib, chunks: cost.chunks / kib } };
}

export type Output = ReturnType<typeof run>;
