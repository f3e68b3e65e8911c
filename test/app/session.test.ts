// The app's IoTDA session on the host board against the local broker, over real TLS on loopback.
// A TCP relay between the two lets a test cut the connection from the broker's side or stall it,
// and counts the TLS records each way; a scripted broker plays what a real one will not on demand.
import assert from "node:assert/strict";
import type { EventEmitter } from "node:events";
import { after, before, test } from "node:test";
import { type Certs, generateCerts } from "../../broker/certs";
import { type Broker, startBroker } from "../../broker/server";
import { utcHour } from "../fixtures/iotda";
import "../../boards/host/register";
import type { SessionOptions, Timers } from "../../src/session";
import type Timer from "timer";
import type mqttPacket from "mqtt-packet";
import { answer, type Link, scriptedBroker } from "../fixtures/scripted-broker";
import { relay } from "../fixtures/relay";
import { until } from "../fixtures/until";

const { Session } = await import("../../src/session");
const { answerCommands } = await import("../../src/commands");
const { Events } = await import("../../src/events");
const { timeSync } = await import("../../src/timesync");
const { answerProperties } = await import("../../src/properties");
const { Shadow } = await import("../../src/shadow");
const { receiveMessages } = await import("../../src/messages");
const { default: BoardTimer } = await import("timer");

// The session's timers run 100x fast here: IoTDA's smallest keepalive, 30 s, is 300 ms, the 1 s
// backoff floor 10 ms and the 1 min hold floor 600 ms.
const SCALE = 100;
const fast: Timers = {
	once: (target, ms) => BoardTimer.set(() => target.onTimer(), ms / SCALE),
	repeat: (target, ms) => BoardTimer.repeat(() => target.onTimer(), ms / SCALE),
	schedule: (timer, ms) => BoardTimer.schedule(timer as Timer, ms / SCALE, ms / SCALE),
	clear: timer => BoardTimer.clear(timer as Timer),
};

const SECRETS: Record<string, string> = {
	good: "good-secret-Zq8",
	commands: "commands-secret-Zq8",
	offline: "offline-secret-Zq8",
	idle: "idle-secret-Zq8",
	stall: "stall-secret-Zq8",
	clockless: "clockless-secret-Zq8",
	wrongca: "wrongca-secret-Zq8",
};

let certs: Certs;
let otherCa: Certs;
let broker: Broker;
const lines: string[] = [];		// everything the sessions traced or reported, checked for secrets
const sessions: InstanceType<typeof Session>[] = [];

before(async () => {
	certs = generateCerts();
	otherCa = generateCerts();
	const devices = Object.fromEntries(Object.entries(SECRETS).map(([id, secret]) => [id, { secret }]));
	broker = await startBroker({ devices: { ...devices, frozen: { secret: "frozen-secret-Zq8", disabled: true } }, certs });
});

after(async () => {
	for (const session of sessions)
		session.stop();
	await broker.close();
	certs.cleanup();
	otherCa.cleanup();
	const text = lines.join("\n");
	for (const secret of [...Object.values(SECRETS), "frozen-secret-Zq8", "not-the-secret-Zq8"])
		assert.ok(!text.includes(secret), "a secret appeared in the session's trace or errors");
});

interface Record_ {
	connected: number;
	disconnects: { reason: string; retryMs: number }[];
	errors: Error[];
}

function open(options: Partial<SessionOptions> & { deviceId: string }) {
	const record: Record_ = { connected: 0, disconnects: [], errors: [] };
	const session = new Session({
		host: "127.0.0.1",
		port: broker.port,
		ca: certs.caDer,
		secret: SECRETS[options.deviceId],
		timers: fast,
		retryCapMs: 20_000,
		connectTimeoutMs: 300_000,
		log: line => lines.push(line),
		onConnected: () => record.connected++,
		onDisconnected: (reason, retryMs) => {
			lines.push(reason);
			record.disconnects.push({ reason, retryMs });
		},
		onError: error => {
			lines.push(error.message);
			record.errors.push(error);
		},
		...options,
	});
	sessions.push(session);
	return { session, record };
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

// Every event of this kind from now on (the broker's events are plain records).
function collect(event: "client" | "rejected" | "publish"): any[] {
	const seen: any[] = [];
	(broker.events as EventEmitter).on(event, value => seen.push(value));
	return seen;
}

test("good credentials: CONNACK 0 with sign type 1, and the property report reaches the broker as JSON", async () => {
	const clients = collect("client");
	const publishes = collect("publish");
	const { session, record } = open({ deviceId: "good" });
	session.start();
	await until(() => record.connected === 1, "CONNACK 0");
	const client = clients.find(c => c.deviceId === "good");
	// sign type 1: the platform checks the hour in the clientId against its clock
	assert.match(client.clientId, /^good_0_1_\d{10}$/);
	assert.ok([utcHour(Date.now()), utcHour(Date.now() - 60_000)].includes(client.clientId.slice(-10)));

	assert.equal(session.reportProperties("status", { uptime: 42, label: "grüße" }), true);
	await until(() => publishes.some(p => p.deviceId === "good"), "the property report");
	const report = publishes.find(p => p.deviceId === "good");
	assert.equal(report.topic, "$oc/devices/good/sys/properties/report");
	assert.deepEqual(JSON.parse(report.payload.toString("utf8")),
		{ services: [{ service_id: "status", properties: { uptime: 42, label: "grüße" } }] });
	await until(() => session.pending === 0, "PUBACK");
	assert.deepEqual(record.disconnects, []);
	session.stop();
	assert.equal(session.state, "stopped");
});

test("wrong secret: CONNACK 4 reported, then the long hold instead of quick retries", async () => {
	const rejected = collect("rejected");
	const { session, record } = open({ deviceId: "good", secret: "not-the-secret-Zq8", authRetryMs: 160_000 });
	session.start();
	await until(() => record.disconnects.length === 1, "the refusal");
	assert.match(record.disconnects[0].reason, /^CONNACK 4: bad username or password/);
	// holdDelay draws from [authRetryMs/2, authRetryMs]; a backoff retry would come within retryCapMs = 20 s
	assert.ok(record.disconnects[0].retryMs >= 80_000 && record.disconnects[0].retryMs <= 160_000, `retry in ${record.disconnects[0].retryMs} ms`);
	assert.match(record.errors[0].message, /CONNACK 4/);
	await sleep(700);
	assert.equal(rejected.filter(r => r.clientId.startsWith("good_")).length, 1, "no second attempt inside the hold");
	// ...and it does try again once the hold is over
	await until(() => rejected.filter(r => r.clientId.startsWith("good_")).length === 2, "the attempt after the hold");
	session.stop();
	assert.equal(record.connected, 0);
});

test("disabled device: CONNACK 5 is held off the same way", async () => {
	const { session, record } = open({ deviceId: "frozen", secret: "frozen-secret-Zq8", authRetryMs: 60_000 });
	session.start();
	await until(() => record.disconnects.length === 1, "the refusal");
	// mosquitto, too, answers a bad password with 5: the message names both readings
	assert.match(record.disconnects[0].reason, /^CONNACK 5: not authorized: on IoTDA the device is unknown, disabled or frozen; other brokers .* bad credentials/);
	assert.ok(record.disconnects[0].retryMs >= 30_000);
	session.stop();
});

test("broker drops the connection: reconnect re-signs with the new hour's timestamp", async () => {
	// One clock for the device and a broker that checks sign type 1 against it, 20 s before an hour ends.
	let now = Date.UTC(2025, 3, 14, 1, 59, 40);
	const clocked = await startBroker({ devices: { good: { secret: SECRETS.good } }, certs, now: () => now });
	const link = await relay(clocked.port);
	const clients: string[] = [];
	clocked.events.on("client", ({ clientId }) => clients.push(clientId));
	const { session, record } = open({ deviceId: "good", port: link.port, now: () => now });
	try {
		session.start();
		await until(() => record.connected === 1, "first CONNACK 0");
		assert.deepEqual(clients, ["good_0_1_2025041401"]);

		now += 60_000;		// 02:00:40 — the first signature's hour is over
		link.drop();
		await until(() => record.connected === 2, "reconnect");
		assert.match(record.disconnects[0].reason, /closed by peer|failed/);
		// A new timestamp in the clientId, and the broker accepted the password computed for it.
		assert.deepEqual(clients, ["good_0_1_2025041401", "good_0_1_2025041402"]);
	}
	finally {
		session.stop();
		link.close();
		await clocked.close();
	}
});

test("QoS 1 publishes made while the link is dead are delivered after the reconnect", async () => {
	const link = await relay(broker.port);
	const publishes = collect("publish");
	// random() = 0.99: the reconnect waits 0.99 * retryBaseMs, time enough to publish while offline
	const { session, record } = open({ deviceId: "offline", port: link.port, retryBaseMs: 30_000, retryCapMs: 30_000, random: () => 0.99 });
	try {
		session.start();
		await until(() => record.connected === 1, "CONNACK 0");
		link.stall = true;		// nothing gets through, the PUBACK cannot come back
		assert.equal(session.sendMessage("first"), true);
		link.drop();
		link.stall = false;
		await until(() => record.disconnects.length === 1, "the drop");
		assert.equal(session.sendMessage("second"), false, "queued while offline");
		assert.equal(session.pending, 2);
		await until(() => record.connected === 2 && session.pending === 0, "redelivery and PUBACKs");
		const up = publishes.filter(p => p.deviceId === "offline").map(p => p.payload.toString());
		assert.deepEqual(up, ["first", "second"]);
	}
	finally {
		session.stop();
		link.close();
	}
});

test("a message larger than the socket's free send space goes out in pieces and arrives whole", async () => {
	const publishes = collect("publish");
	const { session, record } = open({ deviceId: "good" });
	session.start();
	await until(() => record.connected === 1, "CONNACK 0");
	// 20,000 bytes against the board's 8 KiB send buffer; a byte pattern that shows any reordering
	const big = new Uint8Array(20_000).map((_, i) => (i * 7) & 0xff);
	const small = "after";
	session.sendMessage(big);
	session.sendMessage(small);
	await until(() => session.pending === 0, "both PUBACKs");
	const up = publishes.filter(p => p.deviceId === "good");
	assert.equal(up.length, 2);
	assert.deepEqual(new Uint8Array(up[0].payload), big);
	assert.equal(up[1].payload.toString(), small);
	session.stop();
});

test("a CA that did not sign the broker's certificate: TLS refused, the broker never sees a CONNECT", async () => {
	const accepted = collect("client"), rejected = collect("rejected");
	const { session, record } = open({ deviceId: "wrongca", ca: otherCa.caDer, retryBaseMs: 60_000, retryCapMs: 60_000 });
	session.start();
	await until(() => record.disconnects.length === 1, "the TLS failure");
	assert.match(record.disconnects[0].reason, /^connect failed/);
	await sleep(100);
	session.stop();
	assert.equal(record.connected, 0);
	assert.equal(accepted.length + rejected.length, 0);
});

test("a server name the certificate does not carry: TLS refused, nothing sent", async () => {
	const accepted = collect("client"), rejected = collect("rejected");
	const { session, record } = open({ deviceId: "wrongca", serverName: "iot-mqtts.example.com", retryBaseMs: 60_000, retryCapMs: 60_000 });
	session.start();
	await until(() => record.disconnects.length === 1, "the TLS failure");
	assert.match(record.disconnects[0].reason, /^connect failed/);
	session.stop();
	assert.equal(record.connected, 0);
	assert.equal(accepted.length + rejected.length, 0);
});

test("configuration the platform can never accept is refused up front", () => {
	const base = { host: "127.0.0.1", port: broker.port, ca: certs.caDer, deviceId: "good", secret: SECRETS.good };
	assert.throws(() => new Session({ ...base, keepalive: 29 }), /keepalive: must be an integer from 30 to 1200/);
	assert.throws(() => new Session({ ...base, keepalive: 1201 }), /keepalive/);
	assert.throws(() => new Session({ ...base, ca: undefined }), /ca: a CA certificate \(DER\) is required/);
	assert.throws(() => new Session({ ...base, port: 0 }), /port/);
	// delays that would turn a flapping link or a refused login into a storm
	assert.throws(() => new Session({ ...base, retryBaseMs: 999 }), /^RangeError: retryBaseMs: must be an integer from 1000 to 86400000 ms$/);
	assert.throws(() => new Session({ ...base, retryCapMs: 1 }), /^RangeError: retryCapMs: must be an integer from retryBaseMs \(1000\) to 86400000 ms$/);
	assert.throws(() => new Session({ ...base, retryBaseMs: 5000, retryCapMs: 4999 }), /retryCapMs: must be an integer from retryBaseMs \(5000\)/);
	assert.throws(() => new Session({ ...base, authRetryMs: 59_999 }), /^RangeError: authRetryMs: must be an integer from 60000 to 86400000 ms$/);
	assert.throws(() => new Session({ ...base, writeQueueBytes: 100 }), /writeQueueBytes: must be an integer of at least 256/);
	// Checked here, not when a link opens: no attempt could ever work with it.
	assert.throws(() => new Session({ ...base, maxPacketSize: 3 }), /maxPacketSize: must be an integer 4\.\./);
	// a bad deviceId surfaces from the signer through onError, and the session stops
	const { session, record } = open({ deviceId: "bad id!", secret: "x" });
	session.start();
	assert.equal(session.state, "stopped");
	assert.match(record.errors[0].message, /^deviceId: only letters, digits/);
});

test("commands: request_id parsed from the topic, the handler's answer published on the response topic", async () => {
	const { session, record } = open({ deviceId: "commands" });
	answerCommands(session, command => {
		if (command.commandName === "explode")
			throw new Error("handler refused");
		if (command.commandName === "shrug")
			return undefined as never;
		return { result_code: 0, response_name: "reply", paras: { echo: command.paras.value, service: command.serviceId } };
	});
	session.start();
	await until(() => record.connected === 1, "CONNACK 0");
	await sleep(50);		// let the SUBACK come back
	const ok = await broker.publishCommand("commands", { command_name: "ping", service_id: "status", paras: { value: 42 } });
	assert.deepEqual(ok, { result_code: 0, response_name: "reply", paras: { echo: 42, service: "status" } });
	const failed = await broker.publishCommand("commands", { command_name: "explode", paras: {} });
	assert.deepEqual(failed, { result_code: 1, paras: { error: "handler refused" } });
	const empty = await broker.publishCommand("commands", { command_name: "shrug", paras: {} });
	assert.deepEqual(empty, { result_code: 1, paras: { error: "command response: result_code must be a number" } });
	assert.equal(record.disconnects.length, 0);
	session.stop();
});

// Written after the parser returns: on the device the SDK's TLS encrypts each record in
// JavaScript, and a write made under the parser stacks that on top of the whole receive path (the
// demo's stack peak during an OTA notice).
test("a QoS 1 command gets a PUBACK from the device, a QoS 0 one none; the answers and the PUBACK are written after the parser returns, not under it", async () => {
	const { default: SecureSocket } = await import("securesocket");
	const proto = SecureSocket.prototype as unknown as { write(...items: unknown[]): unknown };
	const write = proto.write;
	const stackLimit = Error.stackTraceLimit;
	let writes = 0;
	const nested: string[] = [];
	Error.stackTraceLimit = Infinity;
	proto.write = function (this: unknown, ...items: unknown[]) {
		if (items.length) {
			writes++;
			const stack = new Error("write").stack!;
			if (/\bParser\.push\b/.test(stack))
				nested.push(stack);
		}
		return write.apply(this, items);
	};
	const { session, record } = open({ deviceId: "commands" });
	answerCommands(session, () => ({ result_code: 0, paras: {} }));
	let acks = 0;
	const onAck = (ack: { deviceId: string }) => ack.deviceId === "commands" && acks++;
	broker.events.on("ack", onAck);
	try {
		session.start();
		await until(() => record.connected === 1, "CONNACK 0");
		await sleep(50);		// let the SUBACK come back
		const before = writes;
		assert.deepEqual(await broker.publishCommand("commands", { command_name: "ping", paras: {} }), { result_code: 0, paras: {} });
		assert.equal(acks, 0, "PUBACK for a QoS 0 command");
		assert.deepEqual(await broker.publishCommand("commands", { command_name: "ping", paras: {} }, { qos: 1 }), { result_code: 0, paras: {} });
		await until(() => acks === 1, "PUBACK for the QoS 1 command");
		assert.ok(writes >= before + 3, `${writes - before} writes for two answers and a PUBACK`);
	}
	finally {
		broker.events.off("ack", onAck);
		proto.write = write;
		Error.stackTraceLimit = stackLimit;
		session.stop();
	}
	assert.deepEqual(nested, []);
});


test("keepalive: an idle session sends PINGREQ once per keepalive and stays up while PINGRESPs come back", async () => {
	const link = await relay(broker.port);
	const { session, record } = open({ deviceId: "idle", port: link.port, keepalive: 30 });
	try {
		session.start();
		await until(() => record.connected === 1, "CONNACK 0");
		await sleep(100);		// SUBSCRIBE/SUBACK settle
		const start = { ...link.counts };
		await sleep(1000);		// 3.3 scaled keepalive periods, nothing published
		const up = link.counts.up - start.up, down = link.counts.down - start.down;
		assert.ok(up >= 2 && up <= 4, `${up} records device->broker in 1 s of idling`);
		assert.ok(down >= 2 && down <= 4, `${down} records broker->device in 1 s of idling`);
		assert.deepEqual(record.disconnects, []);
	}
	finally {
		session.stop();
		link.close();
	}
});

test("keepalive: no PINGRESP within half the period drops the connection and reconnects", async () => {
	const link = await relay(broker.port);
	// the reconnect comes 0.99 * 20 s / SCALE = 198 ms after the drop, once the relay flows again
	const { session, record } = open({ deviceId: "stall", port: link.port, keepalive: 30, retryBaseMs: 20_000, random: () => 0.99 });
	try {
		session.start();
		await until(() => record.connected === 1, "CONNACK 0");
		link.stall = true;
		await until(() => record.disconnects.length === 1, "the PINGRESP timeout");
		assert.equal(record.disconnects[0].reason, "no PINGRESP within half the keepalive");
		link.stall = false;
		await until(() => record.connected === 2, "reconnect");
	}
	finally {
		session.stop();
		link.close();
	}
});

test("clock not set: signs with sign type 0, traced, and the platform accepts it", async () => {
	const clients = collect("client");
	const { session, record } = open({ deviceId: "clockless", now: () => 5_000 });
	session.start();
	await until(() => record.connected === 1, "CONNACK 0");
	assert.equal(clients.find(c => c.deviceId === "clockless").clientId, "clockless_0_0_1970010100");
	assert.ok(lines.some(line => /sign type 0/.test(line)));
	session.stop();
});

// The CONNECT goes out when the link opens, after the TLS handshake; it must be the one the attempt
// signed and logged, not one signed with a later reading of the clock.
test("the CONNECT carries the credentials the attempt logged, though the hour turns during the handshake", async () => {
	const clients = collect("client");
	const lastMs = Date.UTC(2026, 0, 1, 10) - 1;		// the hour's last millisecond; every later reading is in the next
	let readings = 0;
	const { session, record } = open({ deviceId: "clockless", now: () => lastMs + Math.min(readings++, 1), clockTrusted: () => false });
	session.start();
	await until(() => record.connected === 1, "CONNACK 0");
	assert.equal(clients.find(c => c.deviceId === "clockless").clientId, "clockless_0_0_2026010109");
	assert.ok(lines.includes(`iotda: connecting to 127.0.0.1:${broker.port} as clockless_0_0_2026010109`));
	session.stop();
});

// A scripted broker that accepts every login and ends the first `drops` links right after CONNACK.
async function droppingBroker(drops = Infinity) {
	const scripted = await scriptedBroker(certs, (link, packet) => {
		answer(link, packet);
		if (packet.cmd === "connect" && scripted.links.length <= drops)
			link.socket.end();
	});
	return scripted;
}

test("a broker that accepts every login and drops it at once gets logins backing off, not one a second", async () => {
	const scripted = await droppingBroker();
	const { session, record } = open({ deviceId: "good", port: scripted.port, random: () => 0.99, retryCapMs: 120_000 });
	try {
		session.start();
		await until(() => record.disconnects.length === 5, "five drops");
		// 0.99 of 1, 2, 4, 8, 16 s: the backoff grows although every attempt got CONNACK 0
		assert.deepEqual(record.disconnects.map(d => d.retryMs), [990, 1980, 3960, 7920, 15840]);
		assert.equal(record.connected, 5);
	}
	finally {
		session.stop();
		scripted.close();
	}
});

test("a link that stayed up a keepalive period counts as healthy: the backoff starts over", async () => {
	const scripted = await droppingBroker(3);
	const { session, record } = open({ deviceId: "good", port: scripted.port, keepalive: 30, random: () => 0.99 });
	try {
		session.start();
		await until(() => record.connected === 4, "the fourth login");
		await sleep(450);		// 45 s scaled: longer than the 30 s keepalive
		scripted.links[3].socket.end();
		await until(() => record.disconnects.length === 4, "the fourth drop");
		assert.deepEqual(record.disconnects.map(d => d.retryMs), [990, 1980, 3960, 990]);
	}
	finally {
		session.stop();
		scripted.close();
	}
});

// The keepalive timer first marks the link healthy, a minute after CONNACK, and only then keeps the
// keepalive: the first PINGREQ must still come a whole keepalive after CONNACK.
test("a keepalive over a minute: healthy after one minute, the first PINGREQ a keepalive after CONNACK", async () => {
	const scripted = await droppingBroker(2);
	const { session, record } = open({ deviceId: "good", port: scripted.port, keepalive: 120, random: () => 0.99 });
	const pings = () => scripted.links[2].received.filter(packet => packet.cmd === "pingreq").length;
	try {
		session.start();
		await until(() => record.connected === 3, "the third login");
		await sleep(900);		// 90 s scaled: healthy at 60 s, no PINGREQ before 120 s
		assert.equal(pings(), 0, "a PINGREQ before the keepalive");
		await until(() => pings() === 1, "the first PINGREQ");
		scripted.links[2].socket.end();
		await until(() => record.disconnects.length === 3, "the third drop");
		assert.deepEqual(record.disconnects.map(d => d.retryMs), [990, 1980, 990]);
	}
	finally {
		session.stop();
		scripted.close();
	}
});

test("no PUBACK within a keepalive period drops the link; the message is resent with DUP after the reconnect", async () => {
	let withhold = true;
	const scripted = await scriptedBroker(certs, (link, packet) => {
		if (packet.cmd !== "publish" || !withhold)
			answer(link, packet);		// PINGREQs keep being answered: only the PUBACK is missing
	});
	const { session, record } = open({ deviceId: "good", port: scripted.port, keepalive: 30, random: () => 0.5 });
	try {
		session.start();
		await until(() => record.connected === 1, "CONNACK 0");
		session.sendMessage("hold me");
		const sent = performance.now();
		await until(() => record.disconnects.length === 1, "the PUBACK timeout");
		assert.equal(record.disconnects[0].reason, "no PUBACK within the keepalive");
		// between one and two periods of 300 ms (scaled 30 s), not the 7.7 periods it took before
		assert.ok(performance.now() - sent < 1200, `dropped after ${Math.round(performance.now() - sent)} ms`);
		withhold = false;
		await until(() => record.connected === 2 && session.pending === 0, "the redelivery and its PUBACK");
		const publishes = scripted.links.flatMap(link => link.received).filter(packet => packet.cmd === "publish") as mqttPacket.IPublishPacket[];
		assert.deepEqual(publishes.map(p => [p.payload.toString(), p.dup, p.messageId]), [["hold me", false, 1], ["hold me", true, 1]]);
	}
	finally {
		session.stop();
		scripted.close();
	}
});

for (const qos of [0, 1] as const) {
	test(`a link that stalls while the device publishes QoS ${qos} every 0.4 keepalive is dropped by the PINGRESP deadline`, async () => {
		const link = await relay(broker.port);
		const { session, record } = open({ deviceId: "stall", port: link.port, keepalive: 30, retryBaseMs: 60_000, retryCapMs: 60_000 });
		const publisher = setInterval(() => (session.state === "online") && session.publish("$oc/devices/stall/sys/messages/up", "tick", qos), 120);
		try {
			session.start();
			await until(() => record.connected === 1, "CONNACK 0");
			await sleep(100);
			link.stall = true;
			const stalled = performance.now();
			await until(() => record.disconnects.length === 1, "the drop", 3000);
			// the PINGREQ goes out within a period whatever else is sent, and its answer is due half a period later
			assert.equal(record.disconnects[0].reason, "no PINGRESP within half the keepalive");
			assert.ok(performance.now() - stalled < 1000, `dropped after ${Math.round(performance.now() - stalled)} ms`);
		}
		finally {
			clearInterval(publisher);
			session.stop();
			link.close();
		}
	});
}

test("a broker that stops reading: QoS 0 publishes and command answers are dropped and counted, the write queue stays capped", async () => {
	let stopped: Link | undefined;
	const scripted = await scriptedBroker(certs, (link, packet) => {
		answer(link, packet);
		if (packet.cmd === "subscribe") {
			link.socket.pause();		// reads nothing more, so the device's bytes pile up in TCP
			stopped = link;
		}
	});
	const { session, record } = open({ deviceId: "good", port: scripted.port, writeQueueBytes: 4096, keepalive: 1200 });
	answerCommands(session, command => ({ result_code: 0, paras: command.paras }));
	try {
		session.start();
		await until(() => stopped !== undefined, "the SUBSCRIBE");
		// Fill TCP's buffers: big QoS 0 messages until the queue has refused them for 2 s on end, 40 a
		// second at most: a host whose TCP takes 50 of them within a second would hit IoTDA's rate limit.
		const big = new Uint8Array(60_000);
		for (let accepted = performance.now(); performance.now() - accepted < 2000; await sleep(25)) {
			if (session.publish("$oc/devices/good/sys/messages/up", big, 0))
				accepted = performance.now();
		}
		assert.ok(session.queued > 4096, `${session.queued} bytes queued`);
		assert.equal(session.publish("$oc/devices/good/sys/messages/up", "small", 0), false, "a QoS 0 publish into a full queue");
		const dropped = session.dropped;
		// A flood of commands: each answer finds the queue full.
		for (let i = 0; i < 2000; i++)
			stopped!.send({ cmd: "publish", topic: `$oc/devices/good/sys/commands/request_id=${i}`, payload: `{"paras":{"n":${i}}}`, qos: 0, retain: false, dup: false });
		await until(() => session.dropped >= dropped + 2000, "2,000 answers dropped");
		assert.ok(session.queued <= big.length + 4096, `${session.queued} bytes queued`);
		assert.equal(session.state, "online");
		// A QoS 1 command needs a PUBACK that cannot be queued: the link goes, the heap does not grow.
		stopped!.send({ cmd: "publish", topic: "$oc/devices/good/sys/commands/request_id=q1", payload: "{}", qos: 1, messageId: 7, retain: false, dup: false });
		await until(() => record.disconnects.length === 1, "the drop");
		assert.equal(record.disconnects[0].reason, "write queue full: the broker stopped reading");
	}
	finally {
		session.stop();
		scripted.close();
	}
});

test("user callbacks run isolated: what they throw is reported, never a protocol error or a reconnect", async () => {
	const scripted = await scriptedBroker(certs);
	const { session, record } = open({ deviceId: "good", port: scripted.port });
	session.onConnected = () => {
		record.connected++;
		throw new Error("app bug in onConnected");
	};
	session.subscribe("$oc/devices/good/user/news", () => { throw new Error("app bug in a receiver"); });
	try {
		session.start();
		await until(() => record.errors.length === 1, "the onConnected error");
		assert.equal(record.errors[0].message, "app bug in onConnected");
		await until(() => scripted.links[0]?.received.some(p => p.cmd === "subscribe"), "the SUBSCRIBE");
		scripted.links[0].send({ cmd: "publish", topic: "$oc/devices/good/user/news", payload: "x", qos: 1, messageId: 3, retain: false, dup: false });
		await until(() => record.errors.length === 2, "the receiver error");
		assert.equal(record.errors[1].message, "app bug in a receiver");
		await until(() => scripted.links[0].received.some(p => p.cmd === "puback"), "the PUBACK");
		assert.equal(session.state, "online");
		assert.deepEqual(record.disconnects, []);

		// onError and onDisconnected throwing: both traced, and the reconnect still comes
		session.onError = () => { throw new Error("app bug in onError"); };
		session.onDisconnected = () => { throw new Error("app bug in onDisconnected"); };
		scripted.links[0].socket.end();
		await until(() => scripted.links.length === 2 && session.state === "online", "the reconnect");
		assert.ok(lines.includes("iotda: onError threw: app bug in onError"));
		assert.ok(lines.includes("iotda: app bug in onDisconnected"));
	}
	finally {
		session.stop();
		scripted.close();
	}
});

test("a CONNACK claiming a stored session after a clean-session CONNECT drops the link", async () => {
	const scripted = await scriptedBroker(certs, (link, packet) =>
		packet.cmd === "connect" ? link.send({ cmd: "connack", returnCode: 0, sessionPresent: true }) : answer(link, packet));
	const { session, record } = open({ deviceId: "good", port: scripted.port, retryBaseMs: 60_000, retryCapMs: 60_000 });
	try {
		session.start();
		await until(() => record.disconnects.length === 1, "the drop");
		assert.equal(record.disconnects[0].reason, "protocol error: session present after a clean-session CONNECT");
		assert.equal(record.connected, 0);
	}
	finally {
		session.stop();
		scripted.close();
	}
});

test("with filters subscribed, onConnected waits for their SUBACK: an answer to a request made then has its subscription", async () => {
	let suback: (() => void) | undefined;		// the broker holds the SUBACK back until told
	const scripted = await scriptedBroker(certs, (link, packet) =>
		packet.cmd === "subscribe" ? (suback = () => link.send({ cmd: "suback", messageId: packet.messageId!, granted: [1] })) : answer(link, packet));
	const { session, record } = open({ deviceId: "good", port: scripted.port });
	session.subscribe("$oc/devices/good/sys/shadow/get/response/#", () => {});
	try {
		session.start();
		await until(() => session.state === "online" && suback !== undefined, "CONNACK 0 and the SUBSCRIBE");
		await new Promise(resolve => setTimeout(resolve, 50));
		assert.equal(record.connected, 0, "onConnected ran before the SUBACK");
		suback!();
		await until(() => record.connected === 1, "onConnected after the SUBACK");
	}
	finally {
		session.stop();
		scripted.close();
	}
});

test("a SUBACK refusing one of several filters reports that filter", async () => {
	const scripted = await scriptedBroker(certs, (link, packet) =>
		packet.cmd === "subscribe" ? link.send({ cmd: "suback", messageId: packet.messageId!, granted: [1, 0x80] }) : answer(link, packet));
	const { session, record } = open({ deviceId: "good", port: scripted.port });
	session.subscribe("$oc/devices/good/sys/commands/#", () => {});
	session.subscribe("$oc/devices/good/user/forbidden", () => {});
	try {
		session.start();
		await until(() => record.errors.length === 1, "the refusal");
		assert.equal(record.errors[0].message, "subscribe: broker refused $oc/devices/good/user/forbidden");
		assert.equal(session.state, "online");
	}
	finally {
		session.stop();
		scripted.close();
	}
});

test("events down: each service reaches its handler, unknown or failing ones are reported, the link stays; time sync sets the clock", async () => {
	const scripted = await scriptedBroker(certs);
	const { session, record } = open({ deviceId: "good", port: scripted.port });
	const events = new Events(session);
	let deviceNow = 1_000_000;		// the device's clock in ms, far off the platform's
	const set: number[] = [];
	const askTime = timeSync(events, ms => set.push(ms), () => deviceNow);
	const failing: unknown[] = [];
	events.on("$ota", "version_query", paras => { failing.push(paras); throw new Error("no OTA here"); });
	try {
		session.start();
		await until(() => scripted.links[0]?.received.some(p => p.cmd === "subscribe"), "the SUBSCRIBE");
		const subscribe = scripted.links[0].received.find(p => p.cmd === "subscribe") as mqttPacket.ISubscribePacket;
		assert.deepEqual(subscribe.subscriptions.map(s => s.topic), ["$oc/devices/good/sys/events/down"]);
		assert.equal(askTime(), true);
		await until(() => scripted.links[0].received.some(p => p.cmd === "publish"), "the time sync request");
		const request = scripted.links[0].received.find(p => p.cmd === "publish") as mqttPacket.IPublishPacket;
		assert.equal(request.topic, "$oc/devices/good/sys/events/up");
		assert.deepEqual(JSON.parse(request.payload.toString()),
			{ services: [{ service_id: "$time_sync", event_type: "time_sync_request", paras: { device_send_time: 1_000_000 } }] });
		deviceNow = 1_000_400;		// the answer comes back 400 ms later by the device's clock
		const down = {
			object_device_id: "good",
			services: [
				{ service_id: "$ota", event_type: "version_query", paras: { task: 1 } },
				{ service_id: "$time_sync", event_type: "time_sync_response", paras: { device_send_time: 1_000_000, server_recv_time: 1_800_000_000_150, server_send_time: 1_800_000_000_160 } },
				{ service_id: "$sdk_info", event_type: "sdk_info_query", paras: {} },
			],
		};
		scripted.links[0].send({ cmd: "publish", topic: "$oc/devices/good/sys/events/down", payload: JSON.stringify(down), qos: 0, retain: false, dup: false });
		await until(() => record.errors.length === 1, "the report of the failing and the unknown event");
		// (recv + send + device_recv - device_send) / 2: a symmetric 195 ms each way
		assert.deepEqual(set, [1_800_000_000_355]);
		assert.deepEqual(failing, [{ task: 1 }]);
		assert.equal(record.errors[0].message, 'event "$ota" "version_query": no OTA here; "$sdk_info" "sdk_info_query": no handler, ignored');
		scripted.links[0].send({ cmd: "publish", topic: "$oc/devices/good/sys/events/down", payload: "not json", qos: 0, retain: false, dup: false });
		await until(() => record.errors.length === 2, "the malformed payload's report");
		assert.equal(session.state, "online");
		assert.deepEqual(record.disconnects, []);
	}
	finally {
		session.stop();
		scripted.close();
	}
});

test("property set and get, shadow and messages down through a real session: handlers, answers, failures", async () => {
	const scripted = await scriptedBroker(certs);
	const { session, record } = open({ deviceId: "good", port: scripted.port });
	const state: Record<string, unknown> = { reportInterval: 60 };
	answerProperties(session, {
		set: services => {
			for (const { service_id, properties } of services) {
				if (service_id !== "status" || "uptime" in properties)
					return { result_code: 1, result_desc: "uptime is read-only" };
				Object.assign(state, properties);
			}
			return { result_code: 0 };
		},
		get: serviceId => {
			if (serviceId === "broken")
				throw new Error("no such service");
			return [{ service_id: "status", properties: { ...state } }];
		},
	});
	const shadows: unknown[] = [];
	const shadow = new Shadow(session, services => shadows.push(services));
	const messages: unknown[] = [];
	receiveMessages(session, message => messages.push(message instanceof Uint8Array ? Array.from(message) : message));
	const link = () => scripted.links[0];
	const down = (topic: string, payload: string | Buffer) =>
		link().send({ cmd: "publish", topic: `$oc/devices/good/sys/${topic}`, payload, qos: 0, retain: false, dup: false });
	const answers = () => link().received.filter(p => p.cmd === "publish") as mqttPacket.IPublishPacket[];
	const answer = async (topic: string) => {
		await until(() => answers().some(p => p.topic === `$oc/devices/good/sys/${topic}`), topic);
		return JSON.parse(answers().find(p => p.topic === `$oc/devices/good/sys/${topic}`)!.payload.toString());
	};
	try {
		session.start();
		await until(() => link()?.received.some(p => p.cmd === "subscribe"), "the SUBSCRIBE");
		const subscribe = link().received.find(p => p.cmd === "subscribe") as mqttPacket.ISubscribePacket;
		// one SUBSCRIBE per connect for every feature
		assert.deepEqual(subscribe.subscriptions.map(s => s.topic), [
			"$oc/devices/good/sys/properties/set/#", "$oc/devices/good/sys/properties/get/#",
			"$oc/devices/good/sys/shadow/get/response/#", "$oc/devices/good/sys/messages/down",
		]);

		down("properties/set/request_id=s1", JSON.stringify({ object_device_id: "good", services: [{ service_id: "status", properties: { reportInterval: 5 } }] }));
		assert.deepEqual(await answer("properties/set/response/request_id=s1"), { result_code: 0 });
		assert.equal(state.reportInterval, 5);
		down("properties/set/request_id=s2", JSON.stringify({ services: [{ service_id: "status", properties: { uptime: 1 } }] }));
		assert.deepEqual(await answer("properties/set/response/request_id=s2"), { result_code: 1, result_desc: "uptime is read-only" });
		down("properties/set/request_id=s3", "not json");
		assert.equal((await answer("properties/set/response/request_id=s3")).result_code, 1);
		down("properties/set/request_id=s4", JSON.stringify({ services: "status" }));
		assert.deepEqual(await answer("properties/set/response/request_id=s4"),
			{ result_code: 1, result_desc: "properties/set: services must be a list of {service_id, properties}" });

		down("properties/get/request_id=g1", JSON.stringify({ service_id: "status" }));
		assert.deepEqual(await answer("properties/get/response/request_id=g1"), { services: [{ service_id: "status", properties: { reportInterval: 5 } }] });
		// a get that fails is not answered (IoTDA's answer has no failure form): reported instead
		down("properties/get/request_id=g2", JSON.stringify({ service_id: "broken" }));
		await until(() => record.errors.some(e => e.message === "no such service"), "the failed get's report");
		assert.ok(!answers().some(p => p.topic.endsWith("request_id=g2")));

		assert.equal(shadow.request("status"), true);
		assert.deepEqual(await answer("shadow/get/request_id=1"), { service_id: "status" });
		const services = [{ service_id: "status", desired: { properties: { reportInterval: 30 }, event_time: "20251201T120000Z" }, version: 3 }];
		down("shadow/get/response/request_id=0", JSON.stringify({ object_device_id: "good", shadow: [] }));		// not the latest request: ignored
		down("shadow/get/response/request_id=1", JSON.stringify({ object_device_id: "good", shadow: services }));
		await until(() => shadows.length === 1, "the shadow");
		assert.deepEqual(shadows, [services]);

		down("messages/down", JSON.stringify({ object_device_id: "good", name: "hello", id: "m1", content: { text: "hi" } }));
		down("messages/down", Buffer.from([0xff, 0x00, 0x41]));
		await until(() => messages.length === 2, "the messages");
		assert.deepEqual(messages, [{ object_device_id: "good", name: "hello", id: "m1", content: { text: "hi" } }, [0xff, 0x00, 0x41]]);
		assert.equal(session.state, "online");
		assert.deepEqual(record.disconnects, []);
	}
	finally {
		session.stop();
		scripted.close();
	}
});

test("IoTDA's uplink limits: over 1 MB refused, the 51st message within a second refused naming the wait; nothing queued, the link kept", async () => {
	let now = Date.now();
	const publishes = collect("publish");
	const { session, record } = open({ deviceId: "good", now: () => now });
	const topic = "$oc/devices/good/sys/messages/up";
	const sent = () => publishes.filter(p => p.deviceId === "good" && p.topic === topic).length;
	try {
		session.start();
		await until(() => record.connected === 1, "CONNACK 0");
		const tooBig = { name: "RangeError", message: "payload: IoTDA takes at most 1048576 bytes (1 MB) per message" };
		assert.throws(() => session.publish(topic, new Uint8Array(1024 * 1024 + 1)), tooBig);
		assert.throws(() => session.publish(topic, "x".repeat(1024 * 1024 + 1), 0), tooBig);
		assert.throws(() => session.publish(topic, "é".repeat(512 * 1024 + 1), 0), tooBig, "2 bytes a UTF-16 unit: 1 MB + 2 in 524,289 units");
		assert.throws(() => session.reportProperties("status", { text: "x".repeat(1024 * 1024) }), tooBig);
		assert.equal(session.pending, 0);

		for (let i = 0; i < 50; i++)
			assert.equal(session.publish(topic, `m${i}`, i < 10 ? 1 : 0), true);
		now += 999;
		assert.throws(() => session.publish(topic, "m50", 0),
			{ name: "RangeError", message: "publish: IoTDA takes at most 50 messages a second per connection; the next in 1 ms" });
		assert.throws(() => session.sendMessage("m50"), RangeError, "QoS 1 is refused too, not queued");
		now += 1;
		assert.equal(session.publish(topic, "m50", 0), true);
		await until(() => sent() === 51, "the 51 messages");
		await until(() => session.pending === 0, "the PUBACKs");
		assert.deepEqual(record.disconnects, []);
	}
	finally {
		session.stop();
	}
});

test("a property report with several services and event_time reaches the platform's shadow; a bad event_time is refused before sending", async () => {
	const { session, record } = open({ deviceId: "good" });
	try {
		session.start();
		await until(() => record.connected === 1, "CONNACK 0");
		const services = [
			{ service_id: "status", properties: { uptime: 7 }, event_time: "20261201T220501Z" },
			{ service_id: "light", properties: { on: true } },
		];
		assert.equal(session.reportServices(services), true);
		await until(() => session.pending === 0, "the PUBACK");
		const shadow = broker.platform.shadow("good").shadow;
		const reported = (id: string) => shadow.find(s => s.service_id === id)!.reported;
		// earlier tests' reports of "good" are in the shadow too
		assert.equal(reported("status").properties.uptime, 7);
		assert.equal(reported("status").event_time, "20261201T220501Z");
		assert.deepEqual(reported("light").properties, { on: true });
		assert.throws(() => session.reportServices([{ service_id: "status", properties: {}, event_time: "2026-12-01T22:05:01Z" }]),
			{ name: "TypeError", message: "report: event_time must be yyyyMMdd'T'HHmmss'Z' (UTC)" });
		assert.equal(session.pending, 0);
	}
	finally {
		session.stop();
	}
});
