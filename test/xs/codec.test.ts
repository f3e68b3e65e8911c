// The MQTT codec (src/mqtt) run by the XS engine and by Node from the same scenario module: round
// trips of every packet type against mqtt-packet, and a slice of the fuzz corpus of
// test/mqtt/codec.test.ts (same seeds), where both engines must reach the same verdicts.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { generate } from "mqtt-packet";
import type { ConnectOptions, PublishOptions } from "../../src/mqtt/encode";
import type { Packet } from "../../src/mqtt/packets";
import {
	below, connectReference, frames, fromMqttPacket, fuzzMutatedStreams, fuzzRandomBytes, mqttPacketParse, publishReference,
	random, randomConnect, randomFilter, randomMessageId, randomPublish, randomServerStream, randomSplit, take, type FuzzCase,
} from "../fixtures/mqtt";
import { type EngineName, ENGINES, runOnEngines } from "./engine";
import type { Input, Output, PacketJson, Payload } from "./scenarios/codec";

const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const payload = (p: Uint8Array | string): Payload => typeof p === "string" ? p : { hex: hexOf(p) };
const json = (p: Packet): PacketJson => p.type === 3 ? { ...p, payload: hexOf(p.payload) } : p;
const parseInput = ({ maxPacketSize, chunks }: FuzzCase) => ({ maxPacketSize, chunks: chunks.map(hexOf) });

// Client packets as the Node codec suite draws them (seed 1), server streams as its seed 3 does.
const r = random(1);
const connects: ConnectOptions[] = Array.from({ length: 300 }, () => randomConnect(r));
connects.push({ clientId: "\u{1F600}é\u{10FFFF}", keepalive: 120, username: "€😀", password: "p\0ss\u{1F600}" });
const publishes: PublishOptions[] = Array.from({ length: 300 }, () => randomPublish(r));
publishes.push({ topic: "a/😀/b", payload: "x😀y", qos: 1, messageId: 7 });
const subscribes = Array.from({ length: 150 }, () => ({
	messageId: randomMessageId(r),
	subscriptions: Array.from({ length: 1 + below(r, 4) }, () => ({ topic: randomFilter(r), qos: below(r, 2) as 0 | 1 })),
}));
const unsubscribes = Array.from({ length: 150 }, () => ({ messageId: randomMessageId(r), topics: Array.from({ length: 1 + below(r, 4) }, () => randomFilter(r)) }));
const pubacks = Array.from({ length: 50 }, () => randomMessageId(r));
const streamRandom = random(3);
const streams = Array.from({ length: 300 }, () => {
	const { bytes, expected } = randomServerStream(streamRandom, 1 + below(streamRandom, 8));
	return { input: { maxPacketSize: 1 << 20, chunks: randomSplit(streamRandom, bytes).map(hexOf) }, expected };
});
// The first inputs of both fuzz corpora of the Node suite.
const fuzzCases = [...take(fuzzRandomBytes(5), 2000), ...take(fuzzMutatedStreams(6), 2000)];

const input: Input = {
	connects: connects.map(o => ({ ...o, will: o.will && { ...o.will, payload: payload(o.will.payload) } })),
	publishes: publishes.map(o => ({ ...o, payload: payload(o.payload) })),
	subscribes,
	unsubscribes,
	pubacks,
	streams: streams.map(s => s.input),
	fuzz: fuzzCases.map(parseInput),
};

let results: Record<EngineName, Output>;

before(async () => {
	results = await runOnEngines<Input, Output>("scenarios/codec.ts", input);
});

test("XS and Node: every client packet type encodes to mqtt-packet's bytes (seed 1)", () => {
	const expected = {
		connects: connects.map(o => connectReference(o).toString("hex")),
		publishes: publishes.map(o => publishReference(o).toString("hex")),
		subscribes: subscribes.map(o => generate({ cmd: "subscribe", ...o }).toString("hex")),
		unsubscribes: unsubscribes.map(o => generate({ cmd: "unsubscribe", messageId: o.messageId, unsubscriptions: o.topics }).toString("hex")),
		pubacks: pubacks.map(messageId => generate({ cmd: "puback", messageId }).toString("hex")),
		pingreq: generate({ cmd: "pingreq" }).toString("hex"),
		disconnect: generate({ cmd: "disconnect" }).toString("hex"),
	};
	for (const engine of ENGINES) {
		const { streams: _s, fuzz: _f, ...encoded } = results[engine];
		assert.deepEqual(encoded, expected, engine);
	}
});

test("XS and Node: server packets of every type parse as mqtt-packet generated them, in any chunking (seed 3)", () => {
	const expected = streams.map(s => ({ packets: s.expected.map(json) }));
	for (const engine of ENGINES)
		assert.deepEqual(results[engine].streams, expected, engine);
});

test("XS: the first 2000 inputs of each fuzz corpus (seeds 5, 6) get Node's verdicts, each one sound", () => {
	assert.deepEqual(results.xs.fuzz, results.node.fuzz);
	for (const engine of ENGINES)
		results[engine].fuzz.forEach((outcome, i) => {
			const { bytes, maxPacketSize } = fuzzCases[i];
			const reference = frames(bytes, outcome.packets.length).map(frame => {
				assert.ok(frame.length <= maxPacketSize, `${engine} #${i}: accepted a packet over maxPacketSize`);
				return json(fromMqttPacket(mqttPacketParse(frame)));
			});
			assert.deepEqual(outcome.packets, reference, `${engine} #${i}`);
			if (outcome.error !== undefined) {
				assert.ok(!outcome.error.startsWith("escaped"), `${engine} #${i}: ${outcome.error}`);
				assert.deepEqual([outcome.staysFailed, outcome.recovers], [true, true], `${engine} #${i}`);
			}
		});
	// the slice reaches both outcomes often, not only the first checks
	const accepted = results.xs.fuzz.reduce((sum, outcome) => sum + outcome.packets.length, 0);
	const refused = results.xs.fuzz.filter(outcome => outcome.error !== undefined).length;
	assert.ok(accepted > 800 && refused > 2500, `accepted ${accepted}, refused ${refused}`);
});
