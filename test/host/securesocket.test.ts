// The host "securesocket" against node:tls servers with a CA made at test time: it connects only
// over TLS 1.2 with ECDHE AES-128-GCM to a server whose chain leads to the given DER CA and whose
// certificate names serverName (or host), and sends nothing anywhere else.
import assert from "node:assert/strict";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { after, afterEach, before, test } from "node:test";
import tls from "node:tls";
import { type Certs, generateCerts } from "../../broker/certs";
import SecureSocket, { type SecureOptions } from "../../boards/host/modules/securesocket";
import type { Message } from "../../boards/host/modules/socket";

type Event = [Message, number | undefined];

let ec: Certs;		// the server's CA (ECDSA P-256)
let rsa: Certs;		// another CA, with an RSA server key
before(() => {
	ec = generateCerts();
	rsa = generateCerts({ keyType: "rsa" });
});
after(() => {
	ec.cleanup();
	rsa.cleanup();
});

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

interface Server {
	port: number;
	received: Buffer[];				// application data the server got, from every connection
	accepted: tls.TLSSocket[];		// connections whose handshake completed on the server side
}

// An echo server on a free loopback port.
async function serve(certs: Certs, options: tls.TlsOptions = {}): Promise<Server> {
	const received: Buffer[] = [];
	const accepted: tls.TLSSocket[] = [];
	const server = tls.createServer({ key: certs.keyPem, cert: certs.certPem, ...options }, (conn) => {
		accepted.push(conn);
		conn.on("data", (data) => {
			received.push(data);
			conn.write(data);
		});
		conn.on("error", () => {});
	});
	server.on("tlsClientError", () => {});
	cleanups.push(() => {
		server.close();
		accepted.forEach((conn) => conn.destroy());
	});
	server.listen(0, "127.0.0.1");
	await once(server, "listening");
	return { port: (server.address() as AddressInfo).port, received, accepted };
}

// Connects with the given CA; on message 1 sends `greeting`; records every message and what was read.
function connect(port: number, secure: SecureOptions, host = "localhost", greeting = "ping") {
	const events: Event[] = [];
	const echoed: string[] = [];
	const overreads: unknown[] = [];	// read() once the piece is used up: undefined, as on the device
	const socket = new SecureSocket({ host, port, secure: { protocolVersion: 0x303, ...secure } });
	cleanups.push(() => socket.close());
	socket.callback = (message, value) => {
		events.push([message, value]);
		if (message === 1)
			socket.write(greeting);
		else if (message === 2) {
			echoed.push(socket.read(String));
			overreads.push(socket.read(String));
		}
	};
	return { socket, events, echoed, overreads };
}

function until(predicate: () => boolean): Promise<void> {
	return new Promise((resolve, reject) => {
		const started = Date.now();
		const poll = () => predicate() ? resolve() : Date.now() - started > 5000 ? reject(new Error("timed out")) : setTimeout(poll, 5);
		poll();
	});
}

const der = (certs: Certs) => certs.caDer.slice().buffer;		// as an ArrayBuffer, like a Resource

test("the right CA: connects over TLS 1.2 with ECDHE-ECDSA-AES128-GCM-SHA256 and echoes", async () => {
	const server = await serve(ec);
	const { events, echoed, overreads } = connect(server.port, { certificate: der(ec) });
	await until(() => echoed.join("") === "ping" && events.some(([m]) => m === 3));
	assert.deepEqual(events.filter(([m]) => m !== 3), [[1, undefined], [2, 4]]);
	assert.deepEqual(events.filter(([m]) => m === 3), [[3, 8064]], "space reported once the greeting went out");
	assert.deepEqual(overreads, [undefined]);
	assert.equal(server.accepted[0].getProtocol(), "TLSv1.2");
	assert.equal(server.accepted[0].getCipher().standardName, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
});

test("an RSA server key: ECDHE-RSA-AES128-GCM-SHA256; an IP host is checked against the IP in the certificate", async () => {
	const server = await serve(rsa);
	const { echoed } = connect(server.port, { certificate: new Uint8Array(rsa.caDer) }, "127.0.0.1");
	await until(() => echoed.join("") === "ping");
	assert.equal(server.accepted[0].getCipher().standardName, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
});

test("a wrong CA: -2 and no application data reaches the server", async () => {
	const server = await serve(ec);
	const { events } = connect(server.port, { certificate: der(rsa) });
	await until(() => events.length > 0);
	await new Promise((resolve) => setTimeout(resolve, 50));
	assert.deepEqual(events, [[-2, undefined]]);
	assert.deepEqual(server.received, []);
});

test("a certificate that does not name serverName: refused", async () => {
	const server = await serve(ec);
	const { events } = connect(server.port, { certificate: der(ec), serverName: "iotda.example.com" });
	await until(() => events.length > 0);
	assert.deepEqual(events, [[-2, undefined]]);
	assert.deepEqual(server.received, []);
});

test("serverName overrides host for SNI and the name check", async () => {
	let sni: string | undefined;
	const server = await serve(ec, { SNICallback: (name, done) => { sni = name; done(null, undefined); } });
	const { echoed } = connect(server.port, { certificate: der(ec), serverName: "localhost" }, "127.0.0.1");
	await until(() => echoed.join("") === "ping");
	assert.equal(sni, "localhost");
});

test("a TLS 1.3-only server: refused", async () => {
	const server = await serve(ec, { minVersion: "TLSv1.3" });
	const { events } = connect(server.port, { certificate: der(ec) });
	await until(() => events.length > 0);
	assert.deepEqual(events, [[-2, undefined]]);
	assert.deepEqual(server.received, []);
});

test("a server without an AES-128-GCM ECDHE suite: refused", async () => {
	const server = await serve(ec, { ciphers: "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305", maxVersion: "TLSv1.2" });
	const { events } = connect(server.port, { certificate: der(ec) });
	await until(() => events.length > 0);
	assert.deepEqual(events, [[-2, undefined]]);
});

test("data comes in pieces of at most 1024 bytes; what the callback leaves unread is dropped", async () => {
	const server = await serve(ec);
	const events: Event[] = [];
	const firstBytes: string[] = [];
	const socket = new SecureSocket({ host: "localhost", port: server.port, secure: { certificate: der(ec) } });
	cleanups.push(() => socket.close());
	socket.callback = (message, value) => {
		events.push([message, value]);
		if (message === 1)
			socket.write("x".repeat(3000));
		else if (message === 2) {
			firstBytes.push(socket.read(String, 1));
		}
	};
	await until(() => events.filter(([m]) => m === 2).reduce((sum, [, v]) => sum + v!, 0) >= 3000);
	const pieces = events.filter(([m]) => m === 2).map(([, v]) => v!);
	assert.ok(pieces.length >= 3 && pieces.every((size) => size <= 1024), `piece sizes ${pieces}`);
	assert.equal(firstBytes.join(""), "x".repeat(pieces.length));
	assert.throws(() => socket.read(String), /nothing to read/);
});

test("write space is the send buffer less 128 bytes of TLS overhead; a write that does not fit is refused", async () => {
	const server = await serve(ec);
	const events: Event[] = [];
	const socket = new SecureSocket({ host: "localhost", port: server.port, secure: { certificate: der(ec) } });
	cleanups.push(() => socket.close());
	socket.callback = (message, value) => events.push([message, value]);
	assert.equal(socket.write(), 0, "no space before the handshake");
	await until(() => events.length > 0);
	assert.equal(socket.write(), 8064);
	assert.throws(() => socket.write(Buffer.alloc(8065)), /can't write all data/);
	socket.write("abc", 0x64);
	await until(() => events.some(([m]) => m === 3));
	assert.deepEqual(events.find(([m]) => m === 3), [3, 8064]);
	await until(() => Buffer.concat(server.received).toString() === "abcd");
});

test("the peer closing: -1, then the socket is closed", async () => {
	const server = await serve(ec);
	const { socket, events } = connect(server.port, { certificate: der(ec) });
	await until(() => server.received.length > 0);
	server.accepted[0].end();
	await until(() => events.some(([m]) => m < 0));
	assert.deepEqual(events.at(-1), [-1, undefined]);
	assert.throws(() => socket.write("x"), /closed socket/);
});

test("a certificate that is not DER X.509 is refused at construction", () => {
	assert.throws(() => new SecureSocket({ host: "localhost", port: 1, secure: { certificate: Buffer.from("junk") } }), /secure.certificate/);
});
