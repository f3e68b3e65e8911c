// The session on XS and on Node against a TLS handshake that Moddable's TLS reports done without
// keys (a close_notify from the server): nothing may be written on that link.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { type EngineName, ENGINES, runOnEngines } from "./engine";
import type { Input, Output } from "./scenarios/tls";

const input: Input = { deviceId: "xs_device-1", secret: "xs-secret-Zq8", startMs: Date.UTC(2025, 3, 14, 1, 30) };
let results: Record<EngineName, Output>;

before(async () => {
	results = await runOnEngines<Input, Output>("scenarios/tls.ts", input);
});

test("XS and Node: a handshake ended by close_notify carries no CONNECT; the next one, with keys, connects", () => {
	for (const engine of ENGINES) {
		const { state, disconnects, broker } = results[engine];
		const first = broker.slice(0, broker.findIndex((r, i) => i > 0 && r.event === "open"));
		assert.deepEqual(first.map(r => r.event), ["open", "closed"], `${engine}: nothing written before the device closed the link`);
		assert.deepEqual(disconnects, ["connect failed: the TLS handshake ended without keys (alert from the server)"], engine);
		assert.equal(state, "online", engine);
		assert.ok(broker.some(r => r.event === "packet" && r.hex.startsWith("10")), `${engine}: the CONNECT went on the second link`);
	}
});
