// The UTF-8 encoder on XS and Node, on the strings whose bytes XS keeps in a form that is not UTF-8
// (see scenarios/utf8.ts): both engines give the same bytes and refuse the same strings, naming the
// field.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { type EngineName, ENGINES, runOnEngines } from "./engine";
import type { Input, Output } from "./scenarios/utf8";

const lone = "MqttError: field: must not contain a lone surrogate";
const nul = "MqttError: field: must not contain U+0000";
const illFormed = "MqttError: field: not well-formed UTF-8";
const input: Input = {
	joined: [["\uD83D", "\uDE00"], ["a\uDBFF", "\uDFFFb"], ["\uD800", "\uDC00\uD800"], ["\uDC00", "\uD800"], ["\uD800", "x\uDC00"]],
	plain: ["a\0b", "\0", "é\0€", "\uD800", "x\uDFFF", "\uDBFF\uDBFF\uDC00", "😀"],
	// overlong "A", overlong U+0000, a surrogate, above U+10FFFF, an 0xF8 lead
	madeFromBytes: ["c181", "e08080", "eda080", "f4908080", "f8808080"],
};
let results: Record<EngineName, Output>;

before(async () => {
	results = await runOnEngines<Input, Output>("scenarios/utf8.ts", input);
});

test("XS and Node: a surrogate pair made by concatenation is one 4-byte character; any other surrogate is lone", () => {
	for (const engine of ENGINES)
		assert.deepEqual(results[engine].joined, ["f09f9880", "61f48fbfbf62", lone, lone, lone], engine);
});

test("XS and Node: U+0000 is 00 where allowed and refused elsewhere; lone surrogates are refused", () => {
	for (const engine of ENGINES)
		assert.deepEqual(results[engine].plain, [
			[nul, "610062"], [nul, "00"], [nul, "c3a900e282ac"], [lone, lone], [lone, lone], [lone, lone], ["f09f9880", "f09f9880"],
		], engine);
});

test("XS: a string made from bytes that are not UTF-8 is refused, not sent (a surrogate as lone)", () => {
	assert.deepEqual(results.xs.madeFromBytes, [illFormed, illFormed, lone, illFormed, illFormed]);
});
