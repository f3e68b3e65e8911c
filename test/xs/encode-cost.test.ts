// Encoding a string costs XS work linear in its length: a 32 KiB payload takes about twice the
// compute units and string scanning of a 16 KiB one, ASCII or not. XS keeps strings as UTF-8 and
// finds a character by index (and a string's length) by scanning from the start, in C the meter does
// not charge for, so an encoder that indexes the string per character scans 4 times the bytes for
// twice the text (host.c's scanned() counts them).
import assert from "node:assert/strict";
import { test } from "node:test";
import { runScenario } from "./engine";
import type { Input, Output } from "./scenarios/encode-cost";

test("XS: the work to encode a string payload grows linearly with its size (16 and 32 KiB)", async () => {
	const input: Input = { characters: ["x", "é", "€", "😀"], kib: [16, 32] };
	const output = await runScenario<Input, Output>("scenarios/encode-cost.ts", input, "xs");
	output.forEach(([small, large], i) => {
		const seen = `"${input.characters[i]}", ${small.bytes} and ${large.bytes} bytes: ${small.compute} and ${large.compute} units, ${small.scanned} and ${large.scanned} bytes scanned`;
		const ratio = large.compute / small.compute;
		assert.ok(ratio > 1.8 && ratio < 2.2, seen);
		// at most one pass over the payload, of which the meter sees nothing
		assert.ok(large.scanned - small.scanned <= large.bytes - small.bytes, seen);
	});
});
