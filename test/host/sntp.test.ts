// The host "sntp" against a local UDP responder on 127.0.0.1 (HOST_SNTP_PORT): the request it sends,
// the answers it accepts, ignores or refuses, retries and fail-over to the host the callback returns.
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { afterEach, test } from "node:test";
import SNTP from "../../boards/host/modules/sntp";

const NTP_TO_UNIX = 2208988800;
const UNIX = 1_744_592_400;		// 2025-04-14T01:00:00Z

type Event = [number, number | string | undefined];

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

// A server answers each request with the next of `replies` (null: stay silent).
async function responder(replies: (Buffer | null)[]): Promise<{ requests: Buffer[] }> {
	const requests: Buffer[] = [];
	const udp = dgram.createSocket("udp4");
	udp.on("message", (request, from) => {
		requests.push(request);
		const reply = replies.shift();
		if (reply)
			udp.send(reply, from.port, from.address);
	});
	udp.bind(0, "127.0.0.1");
	await once(udp, "listening");
	process.env.HOST_SNTP_PORT = String((udp.address() as AddressInfo).port);
	cleanups.push(() => {
		udp.close();
		delete process.env.HOST_SNTP_PORT;
	});
	return { requests };
}

// A server reply: mode 4 (server), stratum as given, transmit time `unix` seconds.
function reply(unix: number, { stratum = 2, length = 48 } = {}): Buffer {
	const packet = Buffer.alloc(length);
	packet[0] = (4 << 3) | 4;
	packet[1] = stratum;
	if (length >= 44)
		packet.writeUInt32BE(unix + NTP_TO_UNIX, 40);
	return packet;
}

function ask(host: string, onError?: (reason: string) => string | void): { events: Event[]; sntp: SNTP } {
	const events: Event[] = [];
	const sntp = new SNTP({ host }, (message, value) => {
		events.push([message, value]);
		if (message === SNTP.error)
			return onError?.(value as string);
	});
	cleanups.push(() => sntp.close());
	return { events, sntp };
}

function until(predicate: () => boolean, ms = 5000): Promise<void> {
	return new Promise((resolve, reject) => {
		const started = Date.now();
		const poll = () => predicate() ? resolve() : Date.now() - started > ms ? reject(new Error("timed out")) : setTimeout(poll, 5);
		poll();
	});
}

test("one SNTPv4 client request; the server's transmit seconds come back as message 1", async () => {
	const server = await responder([reply(UNIX)]);
	const { events } = ask("127.0.0.1");
	await until(() => events.length > 0);
	assert.deepEqual(events, [[SNTP.time, UNIX]]);
	assert.equal(server.requests.length, 1);
	assert.equal(server.requests[0].length, 48);
	assert.equal(server.requests[0][0], 0x23, "version 4, mode 3");
	assert.ok(server.requests[0].subarray(1).every((byte) => byte === 0));
});

test("a host name is resolved first", async () => {
	await responder([reply(UNIX)]);
	const { events } = ask("localhost");
	await until(() => events.length > 0);
	assert.deepEqual(events, [[SNTP.time, UNIX]]);
});

test("a Kiss-o'-Death is ignored; the retry 5 s later reports message 2 and gets the time", async () => {
	const server = await responder([reply(0, { stratum: 0 }), reply(UNIX)]);
	const { events } = ask("127.0.0.1");
	await until(() => events.length > 1, 8000);
	assert.deepEqual(events, [[SNTP.retry, undefined], [SNTP.time, UNIX]]);
	assert.equal(server.requests.length, 2);
});

test("a malformed answer: message -1 with the reason; a host returned by the callback is tried next", async () => {
	const server = await responder([reply(UNIX, { length: 47 }), Object.assign(reply(UNIX), { 0: 0x23 }), reply(UNIX + 60)]);
	const { events } = ask("127.0.0.1", () => "localhost");
	await until(() => events.some(([m]) => m === SNTP.time));
	assert.deepEqual(events, [
		[SNTP.error, "unexpected SNTP packet length"],
		[SNTP.error, "unexpected SNTP packet first byte"],
		[SNTP.time, UNIX + 60],
	]);
	assert.equal(server.requests.length, 3);
});

test("without a host from the callback, a failure closes the client", async () => {
	const server = await responder([reply(UNIX, { length: 12 }), reply(UNIX)]);
	const { events } = ask("127.0.0.1");
	await until(() => events.length > 0);
	await new Promise((resolve) => setTimeout(resolve, 50));
	assert.deepEqual(events, [[SNTP.error, "unexpected SNTP packet length"]]);
	assert.equal(server.requests.length, 1);
});
