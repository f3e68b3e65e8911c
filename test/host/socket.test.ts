// The host "socket" against a local node:net server: message order, the lwIP read rules (one piece
// at a time, unread data kept, disconnect only after it is read) and the write rules (refused whole
// when it does not fit, then "writable").
import assert from "node:assert/strict";
import { once } from "node:events";
import net from "node:net";
import { afterEach, test } from "node:test";
import { type Message, Socket } from "../../boards/host/modules/socket";
import { loadTarget } from "../../boards/host/target";

type Event = [Message, number | undefined];

const SEND_BUFFER = loadTarget().tcp.sendBuffer;		// lwIP's, of the target the host board plays

// Whatever a test opened is closed after it, passed or failed, so a failure cannot hang the run.
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

function open(dictionary: ConstructorParameters<typeof Socket>[0]): Socket {
	const socket = new Socket(dictionary);
	cleanups.push(() => socket.close());
	return socket;
}

// A server on a free loopback port; `onConnection` gets each accepted socket.
async function serve(onConnection: (conn: net.Socket) => void): Promise<{ port: number; server: net.Server }> {
	const conns = new Set<net.Socket>();
	const server = net.createServer((conn) => {
		conns.add(conn);
		onConnection(conn);
	});
	cleanups.push(() => {
		server.close();
		conns.forEach((conn) => conn.destroy());
	});
	server.listen(0, "127.0.0.1");
	await once(server, "listening");
	return { port: (server.address() as net.AddressInfo).port, server };
}

// Resolves when `predicate` holds after some event; events are recorded in `events`.
function until(predicate: () => boolean): Promise<void> {
	return new Promise((resolve, reject) => {
		const started = Date.now();
		const poll = () => predicate() ? resolve() : Date.now() - started > 5000 ? reject(new Error("timed out")) : setTimeout(poll, 5);
		poll();
	});
}

test("connect, read inside the callback, then disconnect once everything was read", async () => {
	const { port } = await serve((conn) => conn.end("hello, world"));
	const events: Event[] = [];
	const reads: unknown[] = [];
	const socket = open({ host: "127.0.0.1", port });
	socket.callback = (message, value) => {
		events.push([message, value]);
		if (message === 2) {
			reads.push(socket.read(String, 5));
			reads.push(new Uint8Array(socket.read(ArrayBuffer)));
			assert.throws(() => socket.read(String), /nothing to read/);
		}
	};
	await until(() => events.some(([m]) => m < 0));
	assert.deepEqual(events, [[1, undefined], [2, 12], [-1, undefined]]);
	assert.deepEqual(reads, ["hello", new Uint8Array(Buffer.from(", world"))]);
});

test("data arrives in pieces of at most one segment; the next piece waits until this one is read", async () => {
	const sent = Buffer.alloc(5000).map((_, i) => i % 251);
	const { port } = await serve((conn) => conn.end(sent));
	const events: Event[] = [];
	const received: Buffer[] = [];
	const early: Event[] = [];		// messages that arrived while a piece was partly unread
	let unread = false;
	const socket = open({ host: "127.0.0.1", port });
	socket.callback = (message, value) => {
		if (unread)
			early.push([message, value]);
		events.push([message, value]);
		if (message !== 2)
			return;
		// Read a little now and the rest later, outside the callback (allowed, as on lwIP).
		const now = Math.min(value!, 10);
		received.push(Buffer.from(socket.read(ArrayBuffer, now)));
		if (now === value)
			return;
		unread = true;
		setTimeout(() => {
			unread = false;
			received.push(Buffer.from(socket.read(ArrayBuffer)));
		}, 20);
	};
	await until(() => events.some(([m]) => m < 0));
	assert.deepEqual(early, []);
	const pieces = events.filter(([m]) => m === 2).map(([, value]) => value!);
	assert.ok(pieces.length >= 4 && pieces.every((size) => size > 0 && size <= 1436), `piece sizes ${pieces}`);
	const got = Buffer.concat(received);
	assert.ok(got.equals(sent), `received ${got.length} bytes, first difference at ${got.findIndex((b, i) => b !== sent[i])}`);
	assert.deepEqual(events.at(-1), [-1, undefined]);
});

test("write sends all arguments, refuses what does not fit whole, and reports space again with 3", async () => {
	const chunks: Buffer[] = [];
	let ended!: Promise<unknown>;
	const { port } = await serve((conn) => {
		ended = once(conn, "end");
		conn.on("data", (data) => chunks.push(data));
	});
	const events: Event[] = [];
	const socket = open({ host: "127.0.0.1", port });
	socket.callback = (message, value) => events.push([message, value]);
	await until(() => events.length > 0);
	assert.deepEqual(events, [[1, undefined]]);

	assert.equal(socket.write(), SEND_BUFFER);
	socket.write("ab", 0x143, Uint8Array.of(0x44), new Uint8Array([0x45, 0x46]).buffer, new DataView(Uint8Array.of(0x47).buffer));
	assert.throws(() => socket.write(Buffer.alloc(SEND_BUFFER + 1)), /can't write all data/);
	assert.throws(() => socket.write(true), /unsupported type for write/);
	await until(() => events.length > 1);
	assert.deepEqual(events[1], [3, SEND_BUFFER]);

	const big = Buffer.alloc(SEND_BUFFER - 192, 0x5a);
	socket.write(big);
	assert.equal(socket.write(), 192);
	assert.throws(() => socket.write(Buffer.alloc(100), Buffer.alloc(100)), /can't write all data/);
	await until(() => events.length > 2);
	assert.deepEqual(events[2], [3, SEND_BUFFER]);
	socket.write(Buffer.alloc(500, 0x21));

	const expected = Buffer.concat([Buffer.from("abCDEFG"), big, Buffer.alloc(500, 0x21)]);
	await until(() => Buffer.concat(chunks).length >= expected.length);
	await new Promise((resolve) => setTimeout(resolve, 50));
	assert.deepEqual(Buffer.concat(chunks), expected, "refused writes sent nothing");
	socket.close();
	await ended;
});

test("a refused connection reports -2 and nothing else", async () => {
	const { port, server } = await serve(() => {});
	server.close();
	await once(server, "close");
	const events: Event[] = [];
	const socket = open({ host: "127.0.0.1", port });
	socket.callback = (message, value) => events.push([message, value]);
	await until(() => events.length > 0);
	await new Promise((resolve) => setTimeout(resolve, 50));
	assert.deepEqual(events, [[-2, undefined]]);
	assert.equal(socket.write(), 0);
});

test("after close() no message arrives and read/write throw; pending writes still go out", async () => {
	let ended!: Promise<unknown>;
	const received: Buffer[] = [];
	const { port } = await serve((conn) => {
		ended = once(conn, "end");
		conn.on("data", (data) => received.push(data));
		conn.write("unsolicited");
	});
	const events: Event[] = [];
	const socket = open({ host: "127.0.0.1", port });
	socket.callback = (message, value) => {
		events.push([message, value]);
		if (message === 1) {
			socket.write("bye");
			socket.close();
			socket.close();		// idempotent
		}
	};
	await until(() => events.length > 0 && ended !== undefined);
	await ended;
	await new Promise((resolve) => setTimeout(resolve, 50));
	assert.deepEqual(events, [[1, undefined]]);
	assert.equal(Buffer.concat(received).toString(), "bye");
	assert.throws(() => socket.read(String), /closed socket/);
	assert.throws(() => socket.write("x"), /closed socket/);
});

test("a missing host is refused at construction", () => {
	assert.throws(() => new Socket({ port: 80 }), /invalid dictionary/);
});
