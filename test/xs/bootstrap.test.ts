// src/bootstrap.ts on the scripted board, on XS and on Node alike (test/xs/scenarios/bootstrap.ts):
// the provisioning login and request, error answers asked again after the backoff, the address
// stored and the app started there, two CONNACK 5 there forgetting it and restarting; a
// registration group device's login (the scope in the clientId, the password over the derived
// secret: the vector's) and its strategy keyword.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { before, test } from "node:test";
import { GROUP_VECTOR } from "../native/vectors";
import { type EngineName, ENGINES, runOnEngines } from "./engine";
import type { Input, Output } from "./scenarios/bootstrap";

const common = { bootstrapHost: "iot-bs.test", bootstrapPort: 8443, retryBaseMs: 1000, retryCapMs: 4000, authRetryMs: 60_000 };
const registered: Input = {
	deviceId: "bs-dev", preferences: { ...common, deviceId: "bs-dev", secret: "s3cret-bs" },
	errors: 3, address: "iotda.test:8883", connacks: [0, 5, 5], runMs: 300_000,
};
const group: Input = {
	deviceId: GROUP_VECTOR.deviceId,
	preferences: { ...common, deviceId: GROUP_VECTOR.deviceId, scopeId: "scope7f3a", groupSecret: GROUP_VECTOR.groupSecret, strategyKeyword: "alpha" },
	errors: 0, address: "iotda.test:8883", connacks: [0, 0], runMs: 5000,
};

let results: Record<EngineName, { registered: Output; group: Output }>;
before(async () => {
	results = {} as typeof results;
	const [a, b] = [await runOnEngines<Input, Output>("scenarios/bootstrap.ts", registered), await runOnEngines<Input, Output>("scenarios/bootstrap.ts", group)];
	for (const engine of ENGINES)
		results[engine] = { registered: a[engine], group: b[engine] };
});

test("XS and Node: provisioning first, each error answer asked again after the backoff (1, 2, 4 s ceilings), then the app at the stored address", () => {
	for (const engine of ENGINES) {
		const run = results[engine].registered;
		assert.equal(run.requests.length, registered.errors + 1, engine);
		assert.ok(run.requests.every(request => request.payload === ""), `${engine}: an empty request`);
		// from each error answer to the next request: a draw below 1, 2, 4 s (and the 250 ms the scenario steps)
		const gaps = run.requests.slice(1).map((request, i) => request.t - run.answers[i]);
		gaps.forEach((gap, i) => assert.ok(gap <= 1000 * 2 ** i + 250, `${engine}: gap ${i} ${gap} ms`));
		assert.ok(gaps.reduce((a, b) => a + b) >= 250, `${engine}: asked again at once (${gaps})`);
		assert.deepEqual(run.opens.slice(0, 2).map(({ host, port }) => `${host}:${port}`), ["iot-bs.test:8443", "iotda.test:8883"], engine);
		assert.equal(run.started, 1, engine);
		assert.equal(run.initConfig, "{\"a\":1}", engine);
		assert.match(run.logins[0][0], /^bs-dev_0_1_\d{10}$/, engine);
		assert.match(run.logins[1][0], /^bs-dev_0_1_\d{10}$/, engine);
	}
});

test("XS and Node: two CONNACK 5 in a row at the stored address forget it and restart the board, after one hold, not before", () => {
	for (const engine of ENGINES) {
		const run = results[engine].registered;
		assert.equal(run.restarts, 1, engine);
		assert.deepEqual(run.stored, {}, `${engine}: the stored address is gone`);
		const atIotda = run.opens.filter(open => open.host === "iotda.test");
		assert.equal(atIotda.length, 2, `${engine}: ${JSON.stringify(run.opens)}`);
		// the session's hold after the first refusal: 30 to 60 s (authRetryMs 60 s)
		const hold = atIotda[1].t - atIotda[0].t;
		assert.ok(hold >= 30_000 && hold <= 61_000, `${engine}: hold ${hold} ms`);
		assert.deepEqual(run.log.filter(line => line.startsWith("CONNACK")).length, 2, engine);
	}
});

test("XS and Node: a registration group device logs in with its scope and the password over the derived secret (the vector's), asks with its keyword, and is the plain device at IoTDA", () => {
	for (const engine of ENGINES) {
		const run = results[engine].group;
		const [clientId, username, password] = run.logins[0];
		const match = /^mydevice_0_scope7f3a_1_(\d{10})$/.exec(clientId);
		assert.ok(match, `${engine}: ${clientId}`);
		assert.equal(username, GROUP_VECTOR.deviceId, engine);
		assert.equal(password, createHmac("sha256", match[1]).update(GROUP_VECTOR.derived).digest("hex"), engine);
		assert.deepEqual(run.requests.map(request => request.payload), ["{\"baseStrategyKeyword\":\"alpha\"}"], engine);
		const [iotdaId, , iotdaPassword] = run.logins[1];
		const stamp = /^mydevice_0_1_(\d{10})$/.exec(iotdaId);
		assert.ok(stamp, `${engine}: ${iotdaId}`);
		assert.equal(iotdaPassword, createHmac("sha256", stamp[1]).update(GROUP_VECTOR.derived).digest("hex"), engine);
		assert.deepEqual(run.stored, { host: "iotda.test", port: 8883 }, engine);
	}
});
