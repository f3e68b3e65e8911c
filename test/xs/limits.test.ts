// IoTDA's uplink limits (src/session.ts) on XS and on Node, on the scripted board's virtual clock:
// a payload over 1 MB (in bytes, of any characters) and a 51st message within a second are
// refused, naming the limit.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { type EngineName, ENGINES, runOnEngines } from "./engine";
import type { Input, Output } from "./scenarios/limits";

const input: Input = { deviceId: "xs_device-1", secret: "xs-secret-Zq8", startMs: Date.UTC(2025, 3, 14, 1, 30) };
let results: Record<EngineName, Output>;

before(async () => {
	results = await runOnEngines<Input, Output>("scenarios/limits.ts", input);
});

test("XS and Node: over 1 MB refused (ASCII, 2-byte, 4-byte characters), 50 messages a second and the 51st refused until the second is over", () => {
	const tooBig = "RangeError: payload: IoTDA takes at most 1048576 bytes (1 MB) per message";
	for (const engine of ENGINES) {
		const output = results[engine];
		assert.deepEqual(output.big, [tooBig, tooBig, tooBig, "sent"], engine);
		assert.equal(output.astral, tooBig, engine);
		assert.deepEqual(output.burst, Array(49).fill("sent"), engine);
		const tooMany = "RangeError: publish: IoTDA takes at most 50 messages a second per connection; the next in 1 ms";
		assert.deepEqual(output.refused, [tooMany, tooMany], engine);
		assert.equal(output.after, "sent", engine);
	}
});
