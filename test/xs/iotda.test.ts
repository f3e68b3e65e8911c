// src/iotda.ts (IoTDA topics, command requests and responses) run by the XS engine and by Node from
// the same scenario module, each engine's results held to the same expectations.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { type EngineName, ENGINES, runOnEngines } from "./engine";
import type { Input, Output } from "./scenarios/iotda";


const input: Input = {
	deviceIds: ["dev1", "5a9e_node-1", "é😀"],
	requests: [
		{ deviceId: "d1", topic: "$oc/devices/d1/sys/commands/request_id=abc" },
		{ deviceId: "d1", topic: "$oc/devices/d1/sys/commands/request_id=" },
		{ deviceId: "d1", topic: "$oc/devices/d1/sys/commands/request_id=a/b" },
		{ deviceId: "d1", topic: "$oc/devices/d2/sys/commands/request_id=abc" },
		{ deviceId: "d1", topic: "$oc/devices/d1/sys/messages/down" },
		{ deviceId: "d1", topic: "$oc/devices/d1/sys/commands/response/request_id=abc" },
		{ deviceId: "😀", topic: "$oc/devices/😀/sys/commands/request_id=é😀x" },
	],
	commands: [
		JSON.stringify({ object_device_id: "d1", service_id: "switch", command_name: "set", paras: { on: true, level: 0.25, label: "grüße 😀" } }),
		JSON.stringify({ service_id: "s" }),
		"[]",
		"null",
		"42",
		"\"text\"",
		"{bad",
	],
	reports: [
		[{ service_id: "status", properties: { uptime: 42, label: "grüße 😀", nested: { a: [1, 2, null] } } }],
		[{ service_id: "numbers", properties: { pi: 3.14159, tiny: 1e-7, big: 2 ** 53, huge: 1e21, negative: -0.5 } }],
		[{ service_id: "empty", properties: {} }],
		[{ service_id: "a", properties: { x: 1 }, event_time: "20261201T220501Z" }, { service_id: "b", properties: { y: "z" } }],
		[],
		[{ service_id: "", properties: {} }],
		[{ service_id: "s", properties: [] as unknown as Record<string, unknown> }],
		[{ service_id: "s", properties: {}, event_time: "2026-12-01T22:05:01Z" }],
	],
	times: [Date.UTC(2026, 11, 1, 22, 5, 1, 999), 0, Date.UTC(2099, 0, 31, 23, 59, 59)],
	responses: [
		{ result_code: 0 },
		{ result_code: 1, response_name: "set", paras: { error: "out of range" } },
		{ result_code: "0" } as unknown as Input["responses"][number],
		"nothing",
		"bigint",
		"cycle",
	],
};

let results: Record<EngineName, Output>;

before(async () => {
	results = await runOnEngines<Input, Output>("scenarios/iotda.ts", input);
});

test("XS and Node: the system topics of a device", () => {
	const expected = input.deviceIds.map(id => [
		`$oc/devices/${id}/sys/commands/#`,
		`$oc/devices/${id}/sys/properties/report`,
		`$oc/devices/${id}/sys/messages/up`,
		`$oc/devices/${id}/sys/commands/response/request_id=r-1`,
	]);
	for (const engine of ENGINES)
		assert.deepEqual(results[engine].topics, expected, engine);
});

test("XS and Node: a command's request id, only from this device's own command topic", () => {
	for (const engine of ENGINES)
		assert.deepEqual(results[engine].requestIds, ["abc", null, null, null, null, null, "é😀x"], engine);
});

test("XS and Node: command payloads parse into commands, and anything but a JSON object is refused", () => {
	const notObject = { error: "SyntaxError: command: payload is not a JSON object" };
	for (const engine of ENGINES) {
		const [full, bare, array, nul, number, text, bad] = results[engine].commands;
		assert.deepEqual(full, { requestId: "r-1", serviceId: "switch", commandName: "set", paras: { on: true, level: 0.25, label: "grüße 😀" } }, engine);
		assert.deepEqual(bare, { requestId: "r-1", serviceId: "s", paras: {} }, engine);
		assert.deepEqual([array, nul, number, text], [notObject, notObject, notObject, notObject], engine);
		// the engine's own JSON.parse message: only the class is ours to expect
		assert.match((bad as { error: string }).error, /^SyntaxError: /, engine);
	}
});

test("XS and Node: property reports (several services, event_time) and command responses as IoTDA's JSON, refusals as TypeError", () => {
	for (const engine of ENGINES) {
		assert.deepEqual(results[engine].reports, [
			'{"services":[{"service_id":"status","properties":{"uptime":42,"label":"grüße 😀","nested":{"a":[1,2,null]}}}]}',
			'{"services":[{"service_id":"numbers","properties":{"pi":3.14159,"tiny":1e-7,"big":9007199254740992,"huge":1e+21,"negative":-0.5}}]}',
			'{"services":[{"service_id":"empty","properties":{}}]}',
			'{"services":[{"service_id":"a","properties":{"x":1},"event_time":"20261201T220501Z"},{"service_id":"b","properties":{"y":"z"}}]}',
			{ error: "TypeError: report: services must be a non-empty list" },
			{ error: "TypeError: report: service_id must be a non-empty string" },
			{ error: "TypeError: report: properties must be an object" },
			{ error: "TypeError: report: event_time must be yyyyMMdd'T'HHmmss'Z' (UTC)" },
		], engine);
		assert.deepEqual(results[engine].times, ["20261201T220501Z", "19700101T000000Z", "20990131T235959Z"], engine);
		const [ok, failure, stringCode, nothing, bigint, cycle] = results[engine].responses;
		assert.equal(ok, '{"result_code":0}', engine);
		assert.equal(failure, '{"result_code":1,"response_name":"set","paras":{"error":"out of range"}}', engine);
		const noCode = { error: "TypeError: command response: result_code must be a number" };
		assert.deepEqual([stringCode, nothing], [noCode, noCode], engine);
		for (const refused of [bigint, cycle])
			assert.match((refused as { error: string }).error, /^TypeError: /, engine);
	}
});
