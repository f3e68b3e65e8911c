// The MQTT codec (src/mqtt) cross-checked against mqtt-packet in both directions, its error messages,
// and fuzzing of the parser. All randomness is seeded (see the seed in each test) so a failure
// reproduces exactly. Every assert.ok has a message: without one, Node describes a failure by
// re-parsing the tsx-transformed (single-line) source, which takes minutes.

import { test } from "node:test";
import assert from "node:assert/strict";
import { generate } from "mqtt-packet";
import { encodeConnect, encodeDisconnect, encodePingreq, encodePuback, encodePublish, encodeSubscribe, encodeUnsubscribe, type ConnectOptions, type PublishOptions } from "../../src/mqtt/encode";
import { Parser } from "../../src/mqtt/parser";
import { MqttError, type Packet } from "../../src/mqtt/packets";
import {
	below, bytesOf, chance, connectReference, frames, fromMqttPacket, fuzzMutatedStreams, fuzzRandomBytes, mqttPacketParse, pick, plain,
	publishReference, random, randomConnect, randomFilter, randomMessageId, randomPublish, randomServerStream, randomSplit,
	take, type FuzzCase,
} from "../fixtures/mqtt";
import "../../boards/host/globals";	// ArrayBuffer.fromString, as XS has it

const bytewise = (bytes: Uint8Array) => Array.from(bytes, b => Uint8Array.of(b));

// Feeds chunks to a fresh parser and scribbles over each chunk afterwards, so a packet that kept a
// view into the caller's buffer instead of its own copy shows up as a mismatch.
function parseChunks(chunks: Uint8Array[], maxPacketSize = 1 << 20): Packet[] {
	const packets: Packet[] = [];
	const parser = new Parser(maxPacketSize, p => packets.push(p));
	for (const chunk of chunks) {
		parser.push(chunk);
		chunk.fill(0xEE);
	}
	return packets.map(plain);
}

function throwsMqtt(fn: () => unknown, message: string): void {
	assert.throws(fn, (e: unknown) => {
		assert.ok(e instanceof MqttError, `not an MqttError: ${e}`);
		assert.equal(e.message, message);
		return true;
	});
}

// ---- encoders -> mqtt-packet --------------------------------------------------------------------

function checkConnect(o: ConnectOptions): void {
	const bytes = encodeConnect(o);
	const clean = o.cleanSession ?? true;
	const password = o.password === undefined ? undefined : Buffer.from(o.password, "utf8");
	const will = o.will && { topic: o.will.topic, payload: bytesOf(o.will.payload), qos: o.will.qos, retain: o.will.retain ?? false };
	assert.deepEqual(Buffer.from(bytes), connectReference(o));
	const m = mqttPacketParse(bytes);
	if (m.cmd !== "connect") assert.fail(`got ${m.cmd}`);
	assert.deepEqual(
		{ protocolId: m.protocolId, protocolVersion: m.protocolVersion, clientId: m.clientId, keepalive: m.keepalive, clean: m.clean, username: m.username, password: m.password, will: m.will },
		{ protocolId: "MQTT", protocolVersion: 4, clientId: o.clientId, keepalive: o.keepalive, clean, username: o.username, password, will });
}

function checkPublish(o: PublishOptions): void {
	const bytes = encodePublish(o);
	const fields = { topic: o.topic, payload: bytesOf(o.payload), qos: o.qos, retain: o.retain ?? false, dup: o.dup ?? false };
	const messageId = o.qos ? o.messageId : undefined;
	assert.deepEqual(Buffer.from(bytes), publishReference(o));
	const m = mqttPacketParse(bytes);
	if (m.cmd !== "publish") assert.fail(`got ${m.cmd}`);
	assert.deepEqual({ topic: m.topic, payload: m.payload, qos: m.qos, retain: m.retain, dup: m.dup, messageId: m.messageId }, { ...fields, messageId });
}

test("encoders agree with mqtt-packet byte for byte and parse back (seed 1, 4000 packets)", () => {
	const r = random(1);
	for (let i = 0; i < 4000; i++) {
		switch (i % 6) {
			case 0: checkConnect(randomConnect(r)); break;
			case 1: checkPublish(randomPublish(r)); break;
			case 2: {
				const messageId = randomMessageId(r);
				const subscriptions = Array.from({ length: 1 + below(r, 4) }, () => ({ topic: randomFilter(r), qos: below(r, 2) as 0 | 1 }));
				const bytes = encodeSubscribe(messageId, subscriptions);
				assert.deepEqual(Buffer.from(bytes), generate({ cmd: "subscribe", messageId, subscriptions }));
				const m = mqttPacketParse(bytes);
				if (m.cmd !== "subscribe") assert.fail(`got ${m.cmd}`);
				assert.deepEqual({ messageId: m.messageId, subscriptions: m.subscriptions }, { messageId, subscriptions });
				break;
			}
			case 3: {
				const messageId = randomMessageId(r);
				const topics = Array.from({ length: 1 + below(r, 4) }, () => randomFilter(r));
				const bytes = encodeUnsubscribe(messageId, topics);
				assert.deepEqual(Buffer.from(bytes), generate({ cmd: "unsubscribe", messageId, unsubscriptions: topics }));
				const m = mqttPacketParse(bytes);
				if (m.cmd !== "unsubscribe") assert.fail(`got ${m.cmd}`);
				assert.deepEqual({ messageId: m.messageId, topics: m.unsubscriptions }, { messageId, topics });
				break;
			}
			case 4: {
				const messageId = randomMessageId(r);
				const m = mqttPacketParse(encodePuback(messageId));
				assert.deepEqual({ cmd: m.cmd, messageId: m.messageId }, { cmd: "puback", messageId });
				break;
			}
			default:
				assert.deepEqual(Buffer.from(encodePingreq()), generate({ cmd: "pingreq" }));
				assert.deepEqual(Buffer.from(encodeDisconnect()), generate({ cmd: "disconnect" }));
		}
	}
});

test("edge values encode like mqtt-packet", () => {
	checkConnect({ clientId: "", keepalive: 0 });
	checkConnect({ clientId: "a".repeat(65535), keepalive: 65535, cleanSession: false, username: "", password: "" });
	checkConnect({ clientId: "\u{10FFFF}".repeat(16383) + "abc", keepalive: 1, username: "é".repeat(32767) + "a", password: "\0".repeat(65535) });
	checkConnect({ clientId: "c", keepalive: 30, will: { topic: "/", payload: new Uint8Array(65535), qos: 1, retain: true } });
	checkConnect({ clientId: "c", keepalive: 30, will: { topic: "w", payload: "", qos: 0 } });
	for (const topic of ["a", "/", "//", "a/b/c", "$SYS/x", "€/😀", "a".repeat(65535)]) checkPublish({ topic, payload: "", qos: 0 });
	for (const filter of ["#", "+", "+/+", "/", "a//b", "a/+/#", "/#", "+/#", "$SYS/#", "a".repeat(65535)])
		assert.deepEqual(Buffer.from(encodeSubscribe(65535, [{ topic: filter, qos: 1 }])), generate({ cmd: "subscribe", messageId: 65535, subscriptions: [{ topic: filter, qos: 1 }] }));
});

test("every Remaining Length size class round-trips: 1 to 4 bytes", () => {
	// body = 2 + 1 (topic "t") + payload; the sizes straddle 127, 16383 and 2097151
	for (const remaining of [0x7F, 0x80, 0x3FFF, 0x4000, 0x1F_FFFF, 0x20_0000]) {
		const payload = new Uint8Array(remaining - 3).fill(0x5A);
		const bytes = encodePublish({ topic: "t", payload, qos: 0 });
		assert.deepEqual(Buffer.from(bytes), generate({ cmd: "publish", topic: "t", payload: Buffer.from(payload), qos: 0, retain: false, dup: false }));
		const lengthBytes = remaining < 0x80 ? 1 : remaining < 0x4000 ? 2 : remaining < 0x20_0000 ? 3 : 4;
		assert.equal(bytes.length, 1 + lengthBytes + remaining);
		assert.deepEqual(parseChunks([bytes.slice()], bytes.length), [{ type: 3, topic: "t", payload, qos: 0, retain: false, dup: false }]);
	}
});

test("bad encoder input throws MqttError naming the field and the limit", () => {
	const c = (o: Partial<ConnectOptions>) => () => encodeConnect({ clientId: "c", keepalive: 60, ...o } as ConnectOptions);
	const p = (o: Partial<PublishOptions>) => () => encodePublish({ topic: "t", payload: "", qos: 0, ...o } as PublishOptions);
	const will = (o: object) => c({ will: { topic: "w", payload: "", qos: 0, ...o } as ConnectOptions["will"] });
	const cases: [() => unknown, string][] = [
		[c({ clientId: 5 as unknown as string }), "clientId: must be a string"],
		[c({ clientId: "a".repeat(65536) }), "clientId: at most 65535 bytes"],
		[c({ clientId: "é".repeat(32768) }), "clientId: at most 65535 bytes"],	// 32768 units, 65536 bytes
		[c({ clientId: "a\0" }), "clientId: must not contain U+0000"],
		[c({ clientId: "a\uD800" }), "clientId: must not contain a lone surrogate"],
		[c({ clientId: "", cleanSession: false }), "clientId: must not be empty unless cleanSession is true"],
		[c({ keepalive: -1 }), "keepalive: must be an integer 0..65535"],
		[c({ keepalive: 65536 }), "keepalive: must be an integer 0..65535"],
		[c({ keepalive: 1.5 }), "keepalive: must be an integer 0..65535"],
		[c({ keepalive: NaN }), "keepalive: must be an integer 0..65535"],
		[c({ keepalive: "60" as unknown as number }), "keepalive: must be an integer 0..65535"],
		[c({ cleanSession: 1 as unknown as boolean }), "cleanSession: must be a boolean"],
		[c({ username: "u".repeat(65536) }), "username: at most 65535 bytes"],
		[c({ username: "\0" }), "username: must not contain U+0000"],
		[c({ username: null as unknown as string }), "username: must be a string"],
		[c({ password: "pw" }), "password: requires a username"],
		[c({ username: "u", password: "x".repeat(65536) }), "password: at most 65535 bytes"],
		[c({ username: "u", password: "\uDC00" }), "password: must not contain a lone surrogate"],
		[c({ username: "u", password: 1234 as unknown as string }), "password: must be a string"],
		[will({ topic: "" }), "will.topic: must not be empty"],
		[will({ topic: "a/+" }), "will.topic: must not contain wildcards '+' or '#'"],
		[will({ topic: "a/#" }), "will.topic: must not contain wildcards '+' or '#'"],
		[will({ topic: 7 }), "will.topic: must be a string"],
		[will({ payload: new Uint8Array(65536) }), "will.payload: at most 65535 bytes"],
		[will({ payload: "\uD800" }), "will.payload: must not contain a lone surrogate"],
		[will({ payload: [1, 2] }), "will.payload: must be a Uint8Array or a string"],
		[will({ qos: 2 }), "will.qos: must be 0 or 1 (QoS 2 is not supported)"],
		[will({ qos: undefined }), "will.qos: must be 0 or 1 (QoS 2 is not supported)"],
		[will({ retain: "no" }), "will.retain: must be a boolean"],
		[p({ topic: "" }), "topic: must not be empty"],
		[p({ topic: "+" }), "topic: must not contain wildcards '+' or '#'"],
		[p({ topic: "a/b#" }), "topic: must not contain wildcards '+' or '#'"],
		[p({ topic: "a".repeat(65536) }), "topic: at most 65535 bytes"],
		[p({ topic: "a\0b" }), "topic: must not contain U+0000"],
		[p({ qos: 2 as 0 }), "qos: must be 0 or 1 (QoS 2 is not supported)"],
		[p({ qos: 3 as 0 }), "qos: must be 0 or 1 (QoS 2 is not supported)"],
		[p({ qos: 1 }), "messageId: must be an integer 1..65535"],
		[p({ qos: 1, messageId: 0 }), "messageId: must be an integer 1..65535"],
		[p({ qos: 1, messageId: 65536 }), "messageId: must be an integer 1..65535"],
		[p({ messageId: 1 }), "messageId: must be absent for QoS 0"],
		[p({ dup: true }), "dup: must be false for QoS 0"],
		[p({ retain: 0 as unknown as boolean }), "retain: must be a boolean"],
		[p({ payload: null as unknown as string }), "payload: must be a Uint8Array or a string"],
		[p({ payload: new ArrayBuffer(2) as unknown as string }), "payload: must be a Uint8Array or a string"],
		[p({ payload: "x\uDBFF" }), "payload: must not contain a lone surrogate"],
		// 2 + 1 + payload = 268435456; the large array is never touched, so it costs no real memory
		[p({ payload: new Uint8Array(268_435_453) }), "payload: packet too large (remaining length at most 268435455 bytes)"],
		[() => encodePuback(0), "messageId: must be an integer 1..65535"],
		[() => encodePuback(65536), "messageId: must be an integer 1..65535"],
		[() => encodePuback(2.5), "messageId: must be an integer 1..65535"],
		[() => encodeSubscribe(0, [{ topic: "a", qos: 0 }]), "messageId: must be an integer 1..65535"],
		[() => encodeSubscribe(1, []), "subscriptions: must be a non-empty array"],
		[() => encodeSubscribe(1, undefined as unknown as []), "subscriptions: must be a non-empty array"],
		[() => encodeSubscribe(1, [{ topic: "", qos: 0 }]), "subscriptions[0].topic: must not be empty"],
		[() => encodeSubscribe(1, [{ topic: "a", qos: 0 }, { topic: "a/b#", qos: 0 }]), "subscriptions[1].topic: '#' must be the whole last level"],
		[() => encodeSubscribe(1, [{ topic: "#/a", qos: 0 }]), "subscriptions[0].topic: '#' must be the whole last level"],
		[() => encodeSubscribe(1, [{ topic: "a+", qos: 0 }]), "subscriptions[0].topic: '+' must fill a whole level"],
		[() => encodeSubscribe(1, [{ topic: "+a/b", qos: 0 }]), "subscriptions[0].topic: '+' must fill a whole level"],
		[() => encodeSubscribe(1, [{ topic: "a/b\0", qos: 0 }]), "subscriptions[0].topic: must not contain U+0000"],
		[() => encodeSubscribe(1, [{ topic: "a", qos: 2 as 0 }]), "subscriptions[0].qos: must be 0 or 1 (QoS 2 is not supported)"],
		[() => encodeUnsubscribe(65536, ["a"]), "messageId: must be an integer 1..65535"],
		[() => encodeUnsubscribe(1, []), "topics: must be a non-empty array"],
		[() => encodeUnsubscribe(1, ["a/#/b"]), "topics[0]: '#' must be the whole last level"],
		[() => encodeUnsubscribe(1, ["a", ""]), "topics[1]: must not be empty"],
		[() => encodeUnsubscribe(1, [5 as unknown as string]), "topics[0]: must be a string"],
	];
	for (const [fn, message] of cases) throwsMqtt(fn, message);
});

test("random bad CONNECT options: only MqttError, and the password never appears (seed 2, 10000 cases)", () => {
	const r = random(2);
	const junk = [undefined, null, 0, -1, 1.5, 65536, NaN, "", "x", "\0", "\uD800", "a/+", "#", true, false, {}, [], new Uint8Array(3), "a".repeat(70000)];
	let thrown = 0;
	for (let i = 0; i < 10_000; i++) {
		const secret = `S3cr3t-${below(r, 1e9)}`;
		const o = randomConnect(r) as unknown as Record<string, unknown>;
		o.username ??= "user";
		o.password = chance(r, 0.2) ? secret + pick(r, ["\0", "\uD800", "x".repeat(65536), ""]) : secret;
		const broken = pick(r, ["clientId", "keepalive", "cleanSession", "username", "will", "will.topic", "will.payload", "will.qos", "will.retain"]);
		const value = pick(r, junk);
		if (broken.startsWith("will.")) o.will = { topic: "w", payload: "", qos: 0, ...(o.will as object), [broken.slice(5)]: value };
		else o[broken] = value;
		try {
			const bytes = encodeConnect(o as unknown as ConnectOptions);
			assert.equal(mqttPacketParse(bytes).cmd, "connect");
		}
		catch (e) {
			if (!(e instanceof MqttError)) throw e;
			assert.ok(!e.message.includes(secret) && !String(e.stack).includes(secret), e.message);
			thrown++;
		}
	}
	assert.ok(thrown > 5000, `only ${thrown} cases were refused`);
});

// ---- mqtt-packet -> our parser ---------------------------------------------------------------

test("mqtt-packet's server packets parse identically under any chunking (seed 3, 3000 streams)", () => {
	const r = random(3);
	for (let i = 0; i < 3000; i++) {
		const { bytes, expected } = randomServerStream(r, 1 + below(r, 8));
		assert.deepEqual(parseChunks([bytes.slice()]), expected);	// many packets in one chunk
		assert.deepEqual(parseChunks(randomSplit(r, bytes)), expected);
		if (i % 10 === 0) assert.deepEqual(parseChunks(bytewise(bytes)), expected);
	}
});

test("every two-way split of a stream parses identically (seed 4, 60 streams)", () => {
	const r = random(4);
	for (let i = 0; i < 60; i++) {
		const { bytes, expected } = randomServerStream(r, 2 + below(r, 4));
		for (let at = 0; at <= bytes.length; at++) assert.deepEqual(parseChunks([bytes.slice(0, at), bytes.slice(at)]), expected);
	}
});

test("malformed server input throws MqttError naming the field, in any chunking", () => {
	const cases: [number[], string][] = [
		[[0x00], "header: packet type 0 is reserved"],
		[[0xF0, 0], "header: packet type 15 is reserved"],
		[[0x10, 0], "CONNECT: a server does not send this packet type"],
		[[0x82, 0], "SUBSCRIBE: a server does not send this packet type"],
		[[0xA2, 0], "UNSUBSCRIBE: a server does not send this packet type"],
		[[0xC0, 0], "PINGREQ: a server does not send this packet type"],
		[[0xE0, 0], "DISCONNECT: a server does not send this packet type"],
		[[0x50, 2, 0, 1], "PUBREC: QoS 2 is not supported"],
		[[0x62, 2, 0, 1], "PUBREL: QoS 2 is not supported"],
		[[0x70, 2, 0, 1], "PUBCOMP: QoS 2 is not supported"],
		[[0x21, 2, 0, 0], "CONNACK: reserved header flags must be 0"],
		[[0x42, 2, 0, 1], "PUBACK: reserved header flags must be 0"],
		[[0x98, 3, 0, 1, 0], "SUBACK: reserved header flags must be 0"],
		[[0xB1, 2, 0, 1], "UNSUBACK: reserved header flags must be 0"],
		[[0xD4, 0], "PINGRESP: reserved header flags must be 0"],
		[[0x36, 3, 0, 1, 0x61], "PUBLISH.qos: 3 is invalid"],
		[[0x34, 5, 0, 1, 0x61, 0, 1], "PUBLISH.qos: QoS 2 is not supported"],
		[[0x38, 3, 0, 1, 0x61], "PUBLISH.dup: must be 0 for QoS 0"],
		[[0x20, 3, 0, 0, 0], "CONNACK: remaining length must be 2"],
		[[0x20, 1, 0], "CONNACK: remaining length must be 2"],
		[[0x40, 3, 0, 1, 0], "PUBACK: remaining length must be 2"],
		[[0xB0, 0], "UNSUBACK: remaining length must be 2"],
		[[0xD0, 1, 0], "PINGRESP: remaining length must be 0"],
		[[0x90, 2, 0, 1], "SUBACK: remaining length at least 3"],
		[[0x30, 2, 0, 0], "PUBLISH: remaining length at least 3"],
		[[0x32, 4, 0, 1, 0x61, 0], "PUBLISH: remaining length at least 5"],
		[[0x20, 2, 2, 0], "CONNACK.flags: reserved bits must be 0"],
		[[0x20, 2, 0x80, 0], "CONNACK.flags: reserved bits must be 0"],
		[[0x20, 2, 0, 6], "CONNACK.returnCode: must be 0..5"],
		[[0x20, 2, 0, 0xFF], "CONNACK.returnCode: must be 0..5"],
		[[0x20, 2, 1, 5], "CONNACK.sessionPresent: must be 0 when returnCode is not 0"],
		[[0x40, 2, 0, 0], "PUBACK.messageId: must be 1..65535"],
		[[0xB0, 2, 0, 0], "UNSUBACK.messageId: must be 1..65535"],
		[[0x90, 3, 0, 0, 0], "SUBACK.messageId: must be 1..65535"],
		[[0x90, 3, 0, 1, 3], "SUBACK.granted: each must be 0, 1, 2 or 0x80"],
		[[0x90, 4, 0, 1, 0x80, 0x81], "SUBACK.granted: each must be 0, 1, 2 or 0x80"],
		[[0x30, 3, 0, 2, 0x61], "PUBLISH.topic: length exceeds the packet"],
		[[0x30, 3, 0xFF, 0xFF, 0x61], "PUBLISH.topic: length exceeds the packet"],
		[[0x32, 5, 0, 2, 0x61, 0x62, 1], "PUBLISH.topic: length exceeds the packet"],
		[[0x30, 3, 0, 0, 0x61], "PUBLISH.topic: must not be empty"],
		[[0x30, 3, 0, 1, 0x2B], "PUBLISH.topic: must not contain wildcards '+' or '#'"],
		[[0x30, 5, 0, 3, 0x61, 0x2F, 0x23], "PUBLISH.topic: must not contain wildcards '+' or '#'"],
		[[0x30, 3, 0, 1, 0x00], "PUBLISH.topic: must not contain U+0000"],
		[[0x30, 3, 0, 1, 0xFF], "PUBLISH.topic: not well-formed UTF-8"],
		[[0x30, 4, 0, 2, 0xC3, 0x61], "PUBLISH.topic: not well-formed UTF-8"],
		[[0x30, 5, 0, 3, 0xED, 0xA0, 0x80], "PUBLISH.topic: not well-formed UTF-8"],	// an encoded surrogate
		[[0x30, 4, 0, 2, 0xC0, 0x80], "PUBLISH.topic: not well-formed UTF-8"],	// overlong U+0000
		[[0x32, 5, 0, 1, 0x61, 0, 0], "PUBLISH.messageId: must be 1..65535"],
		[[0x30, 0x80, 0x80, 0x80, 0x80], "remaining length: at most 4 bytes"],
		[[0xD0, 0x80, 0x00], "remaining length: must use the shortest encoding"],
		[[0x30, 0x83, 0x80, 0x00], "remaining length: must use the shortest encoding"],
	];
	const ping = [0xD0, 0];
	for (const [bytes, message] of cases) {
		const input = Uint8Array.from([...ping, ...bytes]);
		for (const chunks of [[input], bytewise(input)]) {
			const packets: Packet[] = [];
			const parser = new Parser(1024, p => packets.push(p));
			throwsMqtt(() => { for (const chunk of chunks) parser.push(chunk); }, message);
			assert.deepEqual(packets, [{ type: 13 }], message);	// the good packet before the bad one still arrived
		}
	}
});

test("maxPacketSize bounds the whole packet and is enforced from the header alone", () => {
	for (const bad of [3, 1.5, NaN, Infinity, 268_435_461, "64" as unknown as number])
		throwsMqtt(() => new Parser(bad, () => {}), "maxPacketSize: must be an integer 4..268435460");
	for (const max of [4, 5, 64, 130, 131, 132, 200, 16_386, 16_387])
		for (const total of [max - 1, max, max + 1]) {
			// PUBLISH "t" with a payload sized to make the whole packet `total` bytes long (some totals,
			// like 130, no packet can have: 127 + 1 + 2 and 128 + 2 + 1 both miss it)
			const remaining = [1, 2, 3].map(n => total - 1 - n).find(n => n >= 3 && 1 + (n < 128 ? 1 : n < 16384 ? 2 : 3) + n === total);
			if (remaining === undefined) continue;
			const bytes = encodePublish({ topic: "t", payload: new Uint8Array(remaining - 3), qos: 0 });
			assert.equal(bytes.length, total);
			const header = bytes.subarray(0, bytes.length - remaining);
			if (total <= max) {
				assert.equal(parseChunks([bytes.slice()], max).length, 1);
				// the one buffer is the body, at its exact size (this also shows the measurement works)
				assert.equal(largestAllocation(() => new Parser(max, () => {}).push(bytes)), remaining);
			}
			// the header alone is refused: nothing of the body is awaited or buffered
			else throwsMqtt(() => new Parser(max, () => {}).push(header), `packet: at most ${max} bytes (maxPacketSize)`);
		}
	// the largest Remaining Length decodes exactly: one byte over the limit, then exactly at it
	const largest = Uint8Array.of(0xD0, 0xFF, 0xFF, 0xFF, 0x7F);
	throwsMqtt(() => new Parser(268_435_459, () => {}).push(largest), "packet: at most 268435459 bytes (maxPacketSize)");
	throwsMqtt(() => new Parser(268_435_460, () => {}).push(largest), "PINGRESP: remaining length must be 0");
});

test("a failed parser refuses input until reset()", () => {
	const packets: Packet[] = [];
	const parser = new Parser(64, p => packets.push(p));
	throwsMqtt(() => parser.push(Uint8Array.of(0x20, 2, 0, 9)), "CONNACK.returnCode: must be 0..5");
	throwsMqtt(() => parser.push(Uint8Array.of(0xD0, 0)), "CONNACK.returnCode: must be 0..5");
	parser.reset();
	parser.push(Uint8Array.of(0xD0, 0, 0x20));	// reset() also drops a partial packet
	parser.reset();
	parser.push(Uint8Array.of(0x20, 2, 1, 0));
	assert.deepEqual(packets, [{ type: 13 }, { type: 2, sessionPresent: true, returnCode: 0 }]);
});

test("onPacket may reset the parser; it may not push, and its errors fail the parser", () => {
	const seen: Packet[] = [];
	const resetting = new Parser(64, p => { seen.push(p); resetting.reset(); });
	resetting.push(Uint8Array.of(0xD0, 0, 0xD0, 0));	// the second packet belonged to the reset stream
	resetting.push(Uint8Array.of(0x40, 2, 0, 7));
	assert.deepEqual(seen, [{ type: 13 }, { type: 4, messageId: 7 }]);

	const nested: Parser = new Parser(64, () => nested.push(Uint8Array.of(0xD0, 0)));
	throwsMqtt(() => nested.push(Uint8Array.of(0xD0, 0)), "push: must not be called from onPacket");
	throwsMqtt(() => nested.push(Uint8Array.of(0xD0, 0)), "push: must not be called from onPacket");

	const boom = new Error("boom");
	const throwing = new Parser(64, () => { throw boom; });
	assert.throws(() => throwing.push(Uint8Array.of(0xD0, 0, 0xD0, 0)), e => e === boom);
	throwsMqtt(() => throwing.push(Uint8Array.of(0xD0, 0)), "onPacket: threw; call reset()");
});

// ---- fuzzing ---------------------------------------------------------------------------------

// Records the largest Uint8Array allocated while `fn` runs (views share their buffer's size),
// measuring the parser's buffering from outside instead of exposing its internals.
function largestAllocation(fn: () => void): number {
	const Original = globalThis.Uint8Array;
	let largest = 0;
	class Measured extends Original {
		constructor(...args: unknown[]) {
			super(...(args as [number]));
			largest = Math.max(largest, this.buffer.byteLength);
		}
	}
	globalThis.Uint8Array = Measured as Uint8ArrayConstructor;
	try {
		fn();
	}
	finally {
		globalThis.Uint8Array = Original;
	}
	return largest;
}

interface Outcome { packets: Packet[]; error?: MqttError }

// Runs one fuzz input. Only MqttError may escape push; a failed parser must stay failed and recover
// on reset(); every packet we accept must be accepted identically by mqtt-packet; and the parser
// must never buffer more than maxPacketSize.
function fuzz({ bytes, maxPacketSize, chunks }: FuzzCase, measure: boolean): Outcome {
	const packets: Packet[] = [];
	const parser = new Parser(maxPacketSize, p => packets.push(p));
	let error: MqttError | undefined;
	const run = () => {
		for (const chunk of chunks) {
			try {
				parser.push(chunk);
			}
			catch (e) {
				if (!(e instanceof MqttError)) throw e;
				error = e;
				return;
			}
		}
	};
	if (measure) assert.ok(largestAllocation(run) < maxPacketSize - 1, "buffered more than maxPacketSize allows");
	else run();
	const accepted = packets.map(plain);
	frames(bytes, accepted.length).forEach((frame, i) => {
		assert.ok(frame.length <= maxPacketSize, "accepted a packet over maxPacketSize");
		assert.deepEqual(fromMqttPacket(mqttPacketParse(frame)), accepted[i]);
	});
	if (error) {
		assert.throws(() => parser.push(Uint8Array.of(0xD0, 0)), e => e === error);
		parser.reset();
		parser.push(Uint8Array.of(0xD0, 0));
		assert.deepEqual(packets.at(-1), { type: 13 });
	}
	return { packets: accepted, error };
}

test("fuzz: random bytes (seed 5, 25000 inputs)", () => {
	const errors = new Set<string>();
	let accepted = 0;
	take(fuzzRandomBytes(5), 25_000).forEach((input, i) => {
		const outcome = fuzz(input, i % 16 === 0);
		accepted += outcome.packets.length;
		if (outcome.error) errors.add(outcome.error.message.replace(/\d+/g, "N"));
	});
	// random bytes rarely form a packet; the point is reaching many different refusals
	assert.ok(accepted > 50, `accepted ${accepted}`);
	assert.ok(errors.size >= 25, `only ${errors.size} distinct errors: ${[...errors].join("; ")}`);
});

test("fuzz: mutated valid streams (seed 6, 25000 inputs)", () => {
	const errors = new Set<string>();
	let accepted = 0;
	take(fuzzMutatedStreams(6), 25_000).forEach((input, i) => {
		const outcome = fuzz(input, i % 16 === 0);
		accepted += outcome.packets.length;
		if (outcome.error) errors.add(outcome.error.message.replace(/\d+/g, "N"));
	});
	// the mutations must reach deep into the decoder, not just trip the first checks
	assert.ok(accepted > 10_000, `accepted ${accepted}`);
	assert.ok(errors.size >= 35, `only ${errors.size} distinct errors: ${[...errors].join("; ")}`);
});
