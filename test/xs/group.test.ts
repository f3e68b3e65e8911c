// A registration group device's secret through native/xs_iotda.c on XS (collecting before every
// allocation) and the host board's stand-in on Node: the openssl vector, node:crypto over bytes
// that are not UTF-8, bad input by name, and nothing secret left in the C stack.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { before, test } from "node:test";
import { GROUP_VECTOR } from "../native/vectors";
import { type EngineName, ENGINES, runOnEngines } from "./engine";
import type { Input, Output } from "./scenarios/group";

const bytes = Buffer.from([0, 0xff, 0xc0, 0x80, 0xed, 0xa0, 0x80, 1, 2, 3]);
const input: Input = [
	[GROUP_VECTOR.deviceId, GROUP_VECTOR.groupSecret],
	["node_1-x", bytes.toString("base64")],
	["dev1", "not base64"],
	["dev1", ""],
	["dev1", "QUJD".repeat(65)],
	["d".repeat(600), "QUJD"],
	["dev1", 42],
	[undefined, "QUJD"],
];

let results: Record<EngineName, Output>;
before(async () => {
	results = await runOnEngines<Input, Output>("scenarios/group.ts", input, { stressXs: true });
});

test("XS and Node: the derived secret is the vector's and node:crypto's; bad input is named", () => {
	for (const engine of ENGINES)
		assert.deepEqual(results[engine].map(({ reply }) => reply), [
			{ ok: GROUP_VECTOR.derived },
			{ ok: createHmac("sha256", "node_1-x").update(bytes).digest("hex") },
			{ error: "Error: groupSecret: must be padded Base64" },
			{ error: "Error: groupSecret: must not be empty" },
			{ error: "Error: groupSecret: at most 256 characters" },
			{ error: "Error: deviceId: at most 128 characters" },
			{ error: "TypeError: groupSecret: must be a string" },
			{ error: "TypeError: deviceId: must be a string" },
		], engine);
});

test("XS: neither the derived secret nor the group secret is left in the C stack", () => {
	for (const { reply, residue } of results.xs.filter(({ reply }) => "ok" in reply))
		assert.deepEqual(residue, [0, 0], JSON.stringify(reply));
});
