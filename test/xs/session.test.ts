// The IoTDA session (src/session.ts) on XS and on Node, on the scripted board (test/xs/scripted.ts):
// a broker that answers what the session sends, timers on a virtual clock, and signing through the
// real native/xs_iotda.c on XS (the .wasm binding on Node). Both engines must record the same
// transcript, and it must be what IoTDA expects.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { parser as mqttPacketParser, type Packet as MqttPacket } from "mqtt-packet";
import { credentialsAt } from "../fixtures/iotda";
import { type EngineName, ENGINES, runOnEngines } from "./engine";
import type { BrokerRecord } from "./scripted";
import type { Event, Input, Output } from "./scenarios/session";

const input: Input = {
	deviceId: "xs_device-1",
	secret: "xs-secret-Zq8 é😀",
	startMs: Date.UTC(2025, 3, 14, 1, 30),
	maxWaitMs: 600_000,
	holdCheckMs: 400_000,
};

let results: Record<EngineName, Output>;

before(async () => {
	results = await runOnEngines<Input, Output>("scenarios/session.ts", input);
});

function decode(hex: string): MqttPacket {
	const packets: MqttPacket[] = [];
	const parser = mqttPacketParser({ protocolVersion: 4 });
	parser.on("packet", packet => packets.push(packet));
	parser.on("error", error => assert.fail(`not MQTT: ${error.message} (${hex})`));
	parser.parse(Buffer.from(hex, "hex"));
	assert.equal(packets.length, 1, hex);
	return packets[0];
}

// The broker's transcript as packets, in order, with the moment each came.
const packets = (records: BrokerRecord[], event: "packet" | "answer") =>
	records.flatMap(r => r.event === event ? [{ t: r.t, packet: decode(r.hex) }] : []);
const steps = (events: Event[]) => Object.fromEntries(events.flatMap(e => e.event === "step" ? [[e.step, e]] : []));

test("XS: the session's transcript on the scripted board is Node's, event for event", () => {
	assert.deepEqual(results.xs.events, results.node.events);
	assert.deepEqual(results.xs.broker, results.node.broker);
});

test("XS and Node: CONNECT signed for the hour, CONNACK 0, the command subscription, a QoS 1 report and its PUBACK", () => {
	const expected = credentialsAt(input.deviceId, input.secret, input.startMs);
	for (const engine of ENGINES) {
		const { events, broker } = results[engine];
		const sent = packets(broker, "packet");
		const connects = sent.filter(s => s.packet.cmd === "connect");
		assert.equal(connects.length, 3, `${engine}: first connect, reconnect, refused connect`);
		for (const { packet } of connects)
			assert.deepEqual(packet.cmd === "connect" && [packet.clientId, packet.username, packet.password?.toString(), packet.clean],
				[expected.clientId, expected.username, expected.password, true], engine);
		const opens = broker.filter(r => r.event === "open");
		for (const open of opens)
			assert.deepEqual(open.event === "open" && [open.host, open.port, open.serverName], ["iotda.test", 8883, "iotda.test"], engine);

		// after each CONNACK 0 the command filter is subscribed, and every SUBSCRIBE is granted by a SUBACK
		const commands = `$oc/devices/${input.deviceId}/sys/commands/#`;
		const subscribes = sent.filter(s => s.packet.cmd === "subscribe").map(s => s.packet);
		assert.equal(subscribes.filter(s => s.cmd === "subscribe" && s.subscriptions.some(f => f.topic === commands)).length, 2, engine);
		assert.equal(packets(broker, "answer").filter(a => a.packet.cmd === "suback").length, subscribes.length, engine);

		const reports = sent.map(s => s.packet).filter(p => p.cmd === "publish" && p.topic === `$oc/devices/${input.deviceId}/sys/properties/report`);
		assert.equal(reports.length, 1, `${engine}: the report was acknowledged, so never resent`);
		const report = reports[0];
		assert.ok(report.cmd === "publish" && report.qos === 1, engine);
		assert.deepEqual(JSON.parse(report.payload.toString()), { services: [{ service_id: "status", properties: { uptime: 42, label: "grüße 😀" } }] }, engine);
		const step = steps(events);
		assert.deepEqual([step.reported.sent, step.reported.state, step.reported.pending], [true, "online", 0], engine);
		assert.equal(events.filter(e => e.event === "connected").length, 2, engine);
	}
});

test("XS and Node: a dropped link is retried after the delay the session announced, with a fresh CONNECT", () => {
	for (const engine of ENGINES) {
		const { events, broker } = results[engine];
		const drops = broker.filter(r => r.event === "dropped");
		const disconnects = events.filter(e => e.event === "disconnected");
		const opens = broker.filter(r => r.event === "open");
		assert.equal(drops.length, 2, engine);
		const first = disconnects[0];
		assert.ok(first.event === "disconnected" && first.t === drops[0].t, engine);
		assert.equal(opens[1].t, first.t + first.retryMs, `${engine}: the reconnect came when announced`);
		assert.equal(steps(events).reconnected.state, "online", engine);
	}
});

test("XS and Node: CONNACK 4 is reported and held off for between half and all of authRetryMs (15 min)", () => {
	for (const engine of ENGINES) {
		const { events, broker } = results[engine];
		const refusal = events.find(e => e.event === "error");
		assert.match(refusal?.event === "error" ? refusal.message : "", /^CONNACK 4: /, engine);
		const hold = events.filter(e => e.event === "disconnected").at(-1)!;
		assert.ok(hold.event === "disconnected" && /^CONNACK 4/.test(hold.reason), engine);
		assert.ok(hold.retryMs >= 450_000 && hold.retryMs <= 900_000, `${engine}: hold ${hold.retryMs} ms`);
		const step = steps(events);
		assert.equal(broker.filter(r => r.event === "open" && r.t > hold.t).length, 0, `${engine}: no attempt within ${input.holdCheckMs} ms`);
		assert.deepEqual([step.held.state, step.stopped.state], ["waiting", "stopped"], engine);
	}
});

test("XS and Node: neither the secret nor the password appears in a log line, an error or a reason", () => {
	const { password } = credentialsAt(input.deviceId, input.secret, input.startMs);
	for (const engine of ENGINES) {
		const text = JSON.stringify(results[engine].events);
		assert.ok(!text.includes(input.secret) && !text.includes(password), engine);
	}
});
