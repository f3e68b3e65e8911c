// native/xs_iotda.c's streaming SHA-256 (the core's sha256_* through the kept instance) on XS with a
// collection before every allocation, and the host board's stand-in on Node: the same digests as
// node:crypto for any piece sizes, and the same refusals.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { before, test } from "node:test";
import { type EngineName, ENGINES, runOnEngines } from "./engine";
import type { Input, Output } from "./scenarios/hash";

const input: Input = {
	messages: [
		{ length: 0, pieces: [1] },
		{ length: 3, pieces: [1] },
		{ length: 1000, pieces: [1, 63, 64, 65] },
		{ length: 5000, pieces: [511, 512, 513, 1024] },
		{ length: 20_000, pieces: [1460] },
	],
};
let results: Record<EngineName, Output>;

before(async () => {
	results = await runOnEngines<Input, Output>("scenarios/hash.ts", input, { stressXs: true });
});

const expected = (length: number) =>
	createHash("sha256").update(Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 255)).digest("hex");

test("XS (collecting before every allocation) and Node: the core's streaming SHA-256 digests like node:crypto, whatever the pieces", () => {
	for (const engine of ENGINES)
		assert.deepEqual(results[engine].digests, input.messages.map(({ length }) => expected(length)), engine);
});

test("XS and Node: no update or digest outside a started hash, and only byte buffers are hashed", () => {
	const notStarted = "Error: sha256: no hash started (or the core was reset since)";
	const notBytes = "TypeError: bytes: must be an ArrayBuffer, typed array or DataView";
	assert.deepEqual(results.node.errors, [notStarted, notStarted, notBytes, notBytes]);
	// XS's own message for a value that is not a buffer is its own; the class and the refusal are the same
	assert.deepEqual(results.xs.errors.slice(0, 2), [notStarted, notStarted]);
	for (const error of results.xs.errors.slice(2))
		assert.match(error, /^TypeError: /);
});
