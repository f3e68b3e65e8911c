// src/mqtt/utf8 against Node's own UTF-8 (Buffer for encoding, a fatal TextDecoder for decoding),
// exhaustively over code points and over the byte patterns that matter for well-formedness.

import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeUtf8, encodeUtf8 } from "../../src/mqtt/utf8";
import { MqttError } from "../../src/mqtt/packets";
import "../../boards/host/globals";	// ArrayBuffer.fromString, as XS has it

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function throwsField(fn: () => unknown, message: string): void {
	assert.throws(fn, (e: unknown) => e instanceof MqttError && e.message === message);
}

test("every scalar value encodes like Buffer and decodes back", () => {
	// in batches of 4096 code points, which also exercises the decoder's slice flushing
	let checked = 0;
	for (let start = 0; start <= 0x10FFFF; start += 4096) {
		const points: number[] = [];
		for (let cp = start; cp < start + 4096 && cp <= 0x10FFFF; cp++) if (cp < 0xD800 || cp > 0xDFFF) points.push(cp);
		if (!points.length) continue;
		const text = String.fromCodePoint(...points);
		const bytes = encodeUtf8(text, "t", true);
		assert.deepEqual(Buffer.from(bytes), Buffer.from(text, "utf8"));
		assert.equal(decodeUtf8(bytes, "t", true), text);
		checked += points.length;
	}
	assert.equal(checked, 0x110000 - 0x800);
});

test("lone surrogates are refused by the encoder, paired ones accepted", () => {
	for (let u = 0xD800; u <= 0xDFFF; u++) {
		const lone = String.fromCharCode(u);
		throwsField(() => encodeUtf8(lone, "topic", true), "topic: must not contain a lone surrogate");
		throwsField(() => encodeUtf8("a" + lone + "b", "topic", true), "topic: must not contain a lone surrogate");
	}
	throwsField(() => encodeUtf8("\uD800\uD800", "x", true), "x: must not contain a lone surrogate");
	throwsField(() => encodeUtf8("\uDC00\uD800", "x", true), "x: must not contain a lone surrogate");
	throwsField(() => encodeUtf8("\uD83D", "x", true), "x: must not contain a lone surrogate");
	assert.deepEqual(Array.from(encodeUtf8("\uD83D\uDE00", "x", true)), [0xF0, 0x9F, 0x98, 0x80]);
});

test("U+0000 is refused only when not allowed", () => {
	throwsField(() => encodeUtf8("a\0b", "clientId", false), "clientId: must not contain U+0000");
	throwsField(() => decodeUtf8(Uint8Array.of(0x61, 0, 0x62), "PUBLISH.topic", false), "PUBLISH.topic: must not contain U+0000");
	assert.deepEqual(Array.from(encodeUtf8("a\0b", "payload", true)), [0x61, 0, 0x62]);
	assert.equal(decodeUtf8(Uint8Array.of(0x61, 0, 0x62), "payload", true), "a\0b");
	// the overlong form of U+0000 is ill-formed, not a way around the rule
	throwsField(() => decodeUtf8(Uint8Array.of(0xC0, 0x80), "t", false), "t: not well-formed UTF-8");
});

// Ours and the fatal TextDecoder must agree on acceptance and on the decoded text.
function agree(bytes: Uint8Array): void {
	let expected: string | undefined;
	try {
		expected = strict.decode(bytes);
	}
	catch {
		expected = undefined;
	}
	let actual: string | undefined;
	try {
		actual = decodeUtf8(bytes, "t", true);
	}
	catch (e) {
		if (!(e instanceof MqttError && e.message === "t: not well-formed UTF-8")) throw e;
		actual = undefined;
	}
	if (actual !== expected) assert.fail(`bytes ${Buffer.from(bytes).toString("hex")}: got ${actual}, expected ${expected}`);
}

test("decoder agrees with a strict decoder on all 1- and 2-byte inputs", () => {
	for (let a = 0; a < 256; a++) {
		agree(Uint8Array.of(a));
		for (let b = 0; b < 256; b++) agree(Uint8Array.of(a, b));
	}
});

test("decoder agrees on 3- and 4-byte sequences at every lead byte and range edge", () => {
	// Second bytes carry the lead-specific ranges (E0, ED, F0, F4), so they are enumerated fully for
	// the 3- and 4-byte leads; later bytes only need the edges of the continuation range.
	const edges = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xF4, 0xFF];
	const continuationEdges = [0x7F, 0x80, 0xBF, 0xC0];
	let count = 0;
	for (let lead = 0x80; lead <= 0xFF; lead++) {
		const seconds = lead >= 0xE0 && lead <= 0xF4 ? Array.from({ length: 256 }, (_, i) => i) : edges;
		for (const second of seconds) {
			agree(Uint8Array.of(0x61, lead, second, 0x80, 0x62));
			for (const third of continuationEdges) {
				agree(Uint8Array.of(lead, second, third));
				for (const fourth of continuationEdges) agree(Uint8Array.of(lead, second, third, fourth));
			}
			count += 21;
		}
	}
	assert.equal(count, (21 * 256 + 107 * edges.length) * 21);
});
