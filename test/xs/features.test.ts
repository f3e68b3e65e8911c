// The IoTDA features on XS and on Node (test/xs/scenarios/features.ts): what the platform asks
// gets the same answers on both engines, and the answers IoTDA expects.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { parser as mqttPacketParser, type IPublishPacket, type Packet } from "mqtt-packet";
import { type EngineName, ENGINES, runOnEngines } from "./engine";
import type { Input, Output } from "./scenarios/features";

const id = "xs_device-1";
const sys = `$oc/devices/${id}/sys/`;
const input: Input = {
	deviceId: id,
	secret: "xs-secret-Zq8",
	startMs: Date.UTC(2025, 3, 14, 1, 30),
	downlink: [
		{ topic: `${sys}commands/request_id=c1`, payload: JSON.stringify({ service_id: "status", command_name: "echo", paras: { text: "grüße 😀" } }) },
		{ topic: `${sys}properties/set/request_id=s1`, payload: JSON.stringify({ services: [{ service_id: "status", properties: { reportInterval: 5 } }] }) },
		{ topic: `${sys}properties/set/request_id=s2`, payload: JSON.stringify({ services: [{ service_id: "status", properties: { uptime: 1 } }] }) },
		{ topic: `${sys}properties/set/request_id=s3`, payload: "[1, 2" },
		{ topic: `${sys}properties/get/request_id=g1`, payload: JSON.stringify({ service_id: "status" }) },
		{ topic: `${sys}shadow/get/response/request_id=1`, payload: JSON.stringify({ object_device_id: id, shadow: [{ service_id: "status", desired: { properties: { reportInterval: 30 } }, version: 2 }] }) },
		{ topic: `${sys}messages/down`, payload: JSON.stringify({ name: "n", id: "m1", content: "hello" }) },
		{ topic: `${sys}messages/down`, payload: "plain bytes" },
		{ topic: `${sys}events/down`, payload: JSON.stringify({ services: [{ service_id: "demo", event_type: "ping", paras: { n: 1 } }, { service_id: "x", event_type: "y", paras: {} }] }) },
	],
};
let results: Record<EngineName, Output>;

before(async () => {
	results = await runOnEngines<Input, Output>("scenarios/features.ts", input);
});

// The device's PUBLISHes, decoded by mqtt-packet.
function published(output: Output): { topic: string; body: string }[] {
	const packets: Packet[] = [];
	const parser = mqttPacketParser({ protocolVersion: 4 });
	parser.on("packet", packet => packets.push(packet));
	for (const record of output.broker)
		if (record.event === "packet")
			parser.parse(Buffer.from(record.hex, "hex"));
	return packets.filter((p): p is IPublishPacket => p.cmd === "publish").map(p => ({ topic: p.topic, body: p.payload.toString() }));
}

test("XS: the features' transcript is Node's (but for the JSON parser's own words in one failure answer)", () => {
	const s3 = Buffer.from("request_id=s3").toString("hex");
	const comparable = (output: Output) => ({ ...output, broker: output.broker.filter(r => !("hex" in r && r.hex.includes(s3) && r.event === "packet")) });
	assert.deepEqual(comparable(results.xs), comparable(results.node));
});

test("XS and Node: each request answered on its response topic as IoTDA expects; shadow, messages and events handed over", () => {
	for (const engine of ENGINES) {
		const output = results[engine];
		assert.deepEqual(published(output), [
			{ topic: `${sys}shadow/get/request_id=1`, body: JSON.stringify({ service_id: "status" }) },
			{ topic: `${sys}commands/response/request_id=c1`, body: JSON.stringify({ result_code: 0, response_name: "echo", paras: { text: "grüße 😀" } }) },
			{ topic: `${sys}properties/set/response/request_id=s1`, body: JSON.stringify({ result_code: 0 }) },
			{ topic: `${sys}properties/set/response/request_id=s2`, body: JSON.stringify({ result_code: 1, result_desc: "reportInterval: must be a number" }) },
			{ topic: `${sys}properties/set/response/request_id=s3`, body: published(output)[4]?.body },
			{ topic: `${sys}properties/get/response/request_id=g1`, body: JSON.stringify({ services: [{ service_id: "status", properties: { reportInterval: 5 } }] }) },
		], engine);
		assert.equal(JSON.parse(published(output)[4].body).result_code, 1, `${engine}: a payload that is not JSON gets a failure answer`);
		assert.equal(output.interval, 5, engine);
		assert.deepEqual(output.seen, [
			{ shadow: [{ service_id: "status", desired: { properties: { reportInterval: 30 } }, version: 2 }] },
			{ message: { name: "n", id: "m1", content: "hello" } },
			{ message: Array.from(Buffer.from("plain bytes")) },
			{ event: { n: 1 } },
		], engine);
		assert.deepEqual(output.errors, ['event "x" "y": no handler, ignored'], engine);
	}
});
