// The host "securesocket" against node:tls servers with CAs made at test time. It must make the
// device's handshake and refuse what the device refuses (modules/crypt/ssl in the Moddable SDK):
// only the suites of src/tls/ciphersuites.ts, secp256r1, two signature schemes; the name checked
// against the leaf's subjectAltName only, and only when the server sends its chain; certificate
// dates against the board clock. Nothing reaches a server it refused.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { once } from "node:events";
import net, { type AddressInfo } from "node:net";
import { after, afterEach, before, test } from "node:test";
import tls from "node:tls";
import { type Certs, generateCerts } from "../../broker/certs";
import { boardNow, setBoardTime } from "../../boards/host/clock";
import type { SecureOptions } from "../../boards/host/modules/securesocket";
import type { Message } from "../../boards/host/modules/socket";
import { loadTarget } from "../../boards/host/target";
// The stand-in reads the device's suite table, which imports the SDK's "ssl/constants": the
// host board's module map must be registered first.
import "../../boards/host/register";

const { default: SecureSocket } = await import("../../boards/host/modules/securesocket");
const { default: suites } = await import("../../src/tls/ciphersuites");

type Event = [Message, number | undefined];

let ec: Certs;		// the server's CA (ECDSA P-256)
let rsa: Certs;		// another CA, with an RSA server key
let cnOnly: Certs;	// a server certificate naming localhost in its CN only
before(() => {
	ec = generateCerts();
	rsa = generateCerts({ keyType: "rsa" });
	cnOnly = generateCerts({ subjectAltName: false });
});
after(() => {
	ec.cleanup();
	rsa.cleanup();
	cnOnly.cleanup();
});

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

const ROOM = loadTarget().tcp.sendBuffer - 128;		// the TCP send buffer less securesocket's 128

interface Server {
	port: number;
	received: Buffer[];				// application data the server got, from every connection
	accepted: tls.TLSSocket[];		// connections whose handshake completed on the server side
}

// An echo server on a free loopback port, sending its certificate with its issuer unless told otherwise.
async function serve(certs: Certs, options: tls.TlsOptions = {}): Promise<Server> {
	const received: Buffer[] = [];
	const accepted: tls.TLSSocket[] = [];
	const server = tls.createServer({ key: certs.keyPem, cert: certs.certPem + certs.caPem, ...options }, (conn) => {
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

// A server the device must refuse: -2 only, and no application data reaches it.
async function assertRefused(server: Server, secure: SecureOptions, host?: string): Promise<void> {
	const { events } = connect(server.port, secure, host);
	await until(() => events.length > 0);
	await new Promise((resolve) => setTimeout(resolve, 50));
	assert.deepEqual(events, [[-2, undefined]]);
	assert.deepEqual(server.received, []);
}

test("the right CA: connects over TLS 1.2 with ECDHE-ECDSA-AES128-GCM-SHA256 and echoes", async () => {
	const server = await serve(ec);
	const { events, echoed, overreads } = connect(server.port, { certificate: der(ec) });
	await until(() => echoed.join("") === "ping" && events.some(([m]) => m === 3));
	assert.deepEqual(events.filter(([m]) => m !== 3), [[1, undefined], [2, 4]]);
	assert.deepEqual(events.filter(([m]) => m === 3), [[3, ROOM]], "space reported once the greeting went out");
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

test("the ClientHello is the device's: its suites in order, secp256r1 only, two signature schemes, SNI even for an IP", async () => {
	const hellos: Buffer[] = [];
	const server = net.createServer((socket) => socket.once("data", (data) => { hellos.push(data); socket.destroy(); }));
	cleanups.push(() => server.close());
	server.listen(0, "127.0.0.1");
	await once(server, "listening");
	const port = (server.address() as AddressInfo).port;
	for (const [host, serverName] of [["127.0.0.1", undefined], ["127.0.0.1", "iot-mqtts.example.com"]] as const) {
		const { events } = connect(port, { certificate: der(ec), ...(serverName && { serverName }) }, host);
		await until(() => events.length > 0);
		const hello = parseClientHello(hellos.at(-1)!);
		// OpenSSL adds the renegotiation SCSV (0x00ff), which the device does not send; everything else matches.
		assert.deepEqual(hello.suites.filter((suite) => suite !== 0x00ff), suites.map(({ value }) => (value[0] << 8) | value[1]));
		assert.deepEqual(hello.suites.filter((suite) => suite !== 0x00ff), [0xc027, 0xc02f, 0xc02b]);
		assert.equal(hello.version, 0x0303);
		assert.deepEqual(hello.groups, [0x0017]);
		assert.deepEqual(hello.signatureSchemes, [0x0403, 0x0401]);
		assert.equal(hello.serverName, serverName ?? host);
		assert.ok(!hello.extensions.includes(0x0023) && !hello.extensions.includes(0x0016) && !hello.extensions.includes(0x0017),
			`no session ticket, encrypt-then-MAC or extended master secret: ${hello.extensions.map((e) => e.toString(16))}`);
	}
});

test("a server that allows only RSA key exchange (AES128-SHA256): refused, no session without forward secrecy", async () => {
	const server = await serve(rsa, { ciphers: "AES128-SHA256:AES128-SHA", maxVersion: "TLSv1.2" });
	await assertRefused(server, { certificate: der(rsa) });
});

test("a server sending its certificate without its issuer: refused, as the device never checks its name then", async () => {
	const server = await serve(ec, { cert: ec.certPem });
	await assertRefused(server, { certificate: der(ec) });
});

test("a server offering only X25519 for ECDHE: refused, the device speaks secp256r1 only", async () => {
	const server = await serve(ec, { ecdhCurve: "X25519" });
	await assertRefused(server, { certificate: der(ec) });
});

test("a certificate naming the host in its CN but not in a subjectAltName: refused", async () => {
	const server = await serve(cnOnly);
	await assertRefused(server, { certificate: der(cnOnly) });
});

test("a board clock before the CA's validity (1970, never set): the constructor throws, as CertificateManager.register does", () => {
	const saved = boardNow();
	setBoardTime(0);
	try {
		assert.throws(() => new SecureSocket({ host: "localhost", port: 1, secure: { certificate: der(ec) } }), /^Error: date validation failed$/);
		// verify: false registers nothing, so it does not look at dates
		new SecureSocket({ host: "localhost", port: 1, secure: { certificate: der(ec), verify: false } }).close();
	}
	finally {
		setBoardTime(saved);
	}
});

test("a self-made leaf sent in front of the trusted CA's certificate: refused, every link must be signed", async () => {
	// the leaf and key of another CA's server, chained to our CA's certificate, which did not sign it
	await assertRefused(await serve(rsa, { cert: rsa.certPem + ec.caPem }), { certificate: der(ec) });
});

test("an unrelated certificate sent after an intermediate: refused, every link up to a trusted one must be signed by the next", async () => {
	// OpenSSL would build its own path and ignore it; src/tls/cert.ts wants every link signed by the next
	const chained = generateCerts({ intermediate: true });
	cleanups.push(chained.cleanup);
	await assertRefused(await serve(chained, { cert: chained.certPem + chained.intermediatePem! + rsa.caPem }), { certificate: der(chained) });
	// after the trusted certificate itself, the path has ended: what follows is not looked at
	const { echoed } = connect((await serve(ec, { cert: ec.certPem + ec.caPem + rsa.caPem })).port, { certificate: der(ec) });
	await until(() => echoed.length > 0);
	assert.deepEqual(echoed, ["ping"]);
});

test("a wrong CA: -2 and no application data reaches the server", async () => {
	await assertRefused(await serve(ec), { certificate: der(rsa) });
});

test("a certificate that does not name serverName: refused", async () => {
	await assertRefused(await serve(ec), { certificate: der(ec), serverName: "iotda.example.com" });
});

test("serverName overrides host for SNI and the name check", async () => {
	let sni: string | undefined;
	const server = await serve(ec, { SNICallback: (name, done) => { sni = name; done(null, undefined); } });
	const { echoed } = connect(server.port, { certificate: der(ec), serverName: "localhost" }, "127.0.0.1");
	await until(() => echoed.join("") === "ping");
	assert.equal(sni, "localhost");
});

test("a TLS 1.3-only server: refused", async () => {
	await assertRefused(await serve(ec, { minVersion: "TLSv1.3" }), { certificate: der(ec) });
});

test("a server without one of the device's suites: refused", async () => {
	await assertRefused(await serve(ec, { ciphers: "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305", maxVersion: "TLSv1.2" }), { certificate: der(ec) });
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

test("write space is the TCP free space less 128, before the handshake too; a write that does not fit is refused", async () => {
	const server = await serve(ec);
	const events: Event[] = [];
	const socket = new SecureSocket({ host: "localhost", port: server.port, secure: { certificate: der(ec) } });
	cleanups.push(() => socket.close());
	socket.callback = (message, value) => events.push([message, value]);
	assert.equal(socket.write(), ROOM, "free space before the handshake");
	await until(() => events.length > 0);
	assert.equal(socket.write(), ROOM);
	assert.throws(() => socket.write(Buffer.alloc(ROOM + 1)), /can't write all data/);
	socket.write("abc", 0x64);
	await until(() => events.some(([m]) => m === 3));
	assert.deepEqual(events.find(([m]) => m === 3), [3, ROOM]);
	await until(() => Buffer.concat(server.received).toString() === "abcd");
});

test("the send buffer is the target's: 8192 on esp32, 5744 on esp32c3 and esp32s3 (lwIP sdkconfig)", () => {
	const script = `import SecureSocket from "./boards/host/modules/securesocket.ts";
		const socket = new SecureSocket({ host: "localhost", port: 1, secure: { verify: false } });
		socket.callback = () => {};
		process.stdout.write(String(socket.write()));
		socket.close();`;
	const room = (target: string) => execFileSync(process.execPath, ["--import", "tsx", "--import", "./boards/host/register.ts", "--input-type=module", "-e", script],
		{ cwd: new URL("../../", import.meta.url), env: { ...process.env, HOST_TARGET: target }, encoding: "utf8" });
	assert.deepEqual(["esp32", "esp32c3", "esp32s3"].map(room), ["8064", "5616", "5616"]);
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

test("a certificate that is not DER X.509 is refused at construction, with the device's message", () => {
	assert.throws(() => new SecureSocket({ host: "localhost", port: 1, secure: { certificate: Buffer.from("junk") } }), /^Error: x509: malformed input$/);
});

test("HOST_NETWORK=down: the constructor throws as lwIP's does without a network", () => {
	process.env.HOST_NETWORK = "down";
	try {
		assert.throws(() => new SecureSocket({ host: "localhost", port: 1, secure: { certificate: der(ec) } }), /^Error: no network$/);
	}
	finally {
		delete process.env.HOST_NETWORK;
	}
});

// The fields of a TLS ClientHello record that the device fixes.
function parseClientHello(record: Buffer) {
	assert.equal(record[0], 22, "a handshake record");
	const hello = record.subarray(5);
	assert.equal(hello[0], 1, "a ClientHello");
	let at = 4;
	const version = hello.readUInt16BE(at);
	at += 2 + 32;							// version, random
	at += 1 + hello[at];					// session id
	const suiteBytes = hello.readUInt16BE(at);
	const suitesOffered = Array.from({ length: suiteBytes / 2 }, (_, i) => hello.readUInt16BE(at + 2 + 2 * i));
	at += 2 + suiteBytes;
	at += 1 + hello[at];					// compression methods
	const end = at + 2 + hello.readUInt16BE(at);
	const extensions: number[] = [];
	let groups: number[] = [], signatureSchemes: number[] = [], serverName: string | undefined;
	const list16 = (data: Buffer) => Array.from({ length: data.readUInt16BE(0) / 2 }, (_, i) => data.readUInt16BE(2 + 2 * i));
	for (at += 2; at < end;) {
		const type = hello.readUInt16BE(at), length = hello.readUInt16BE(at + 2);
		const data = hello.subarray(at + 4, at + 4 + length);
		extensions.push(type);
		if (type === 0x000a)
			groups = list16(data);
		else if (type === 0x000d)
			signatureSchemes = list16(data);
		else if (type === 0x0000)
			serverName = data.subarray(5, 5 + data.readUInt16BE(3)).toString();
		at += 4 + length;
	}
	return { version, suites: suitesOffered, groups, signatureSchemes, serverName, extensions };
}

// The trust set (src/tls/trust.ts): several CAs at once, as `trustedCertificates`.
const ROOTS_DIR = new URL("../../certs/roots/", import.meta.url);
const bundled = () => JSON.parse(readFileSync(new URL("roots.json", ROOTS_DIR), "utf8"))
	.map(({ file }: { file: string }) => new Uint8Array(readFileSync(new URL(file, ROOTS_DIR))).buffer);

test("a trust set of several CAs: a chain under any of them connects, a chain under none is refused", async () => {
	const third = generateCerts();
	const outsider = generateCerts();
	cleanups.push(third.cleanup, outsider.cleanup);
	const trustedCertificates = [der(third), der(rsa), der(ec)];
	for (const certs of [ec, rsa, third]) {
		const { echoed } = connect((await serve(certs)).port, { trustedCertificates });
		await until(() => echoed.length > 0);
		assert.deepEqual(echoed, ["ping"]);
	}
	await assertRefused(await serve(outsider), { trustedCertificates });
	await assertRefused(await serve(ec), { trustedCertificates: [] });
});

test("a chain through an intermediate: the root or the intermediate alone anchors it, as the device stops at the first trusted certificate", async () => {
	const chained = generateCerts({ intermediate: true });
	const other = generateCerts({ intermediate: true });
	cleanups.push(chained.cleanup, other.cleanup);
	const intermediate = chained.intermediateDer!.slice().buffer;
	const sent = chained.certPem + chained.intermediatePem!;
	for (const [cert, trusted] of [[sent, der(chained)], [sent, intermediate], [sent + chained.caPem, intermediate]] as const) {
		const { echoed } = connect((await serve(chained, { cert })).port, { trustedCertificates: [der(ec), trusted] });
		await until(() => echoed.length > 0);
		assert.deepEqual(echoed, ["ping"]);
	}
	// another chain's intermediate, same subject: the signature decides, not the name
	await assertRefused(await serve(other, { cert: other.certPem + other.intermediatePem! }), { trustedCertificates: [intermediate] });
	await assertRefused(await serve(chained, { cert: chained.certPem }), { trustedCertificates: [intermediate] });
});

test("the bundled public roots trust no chain made here; with the test CA added, it connects", async () => {
	const server = await serve(ec);
	await assertRefused(server, { trustedCertificates: bundled() });
	const { echoed } = connect(server.port, { trustedCertificates: [...bundled(), der(ec)] });
	await until(() => echoed.length > 0);
	assert.deepEqual(echoed, ["ping"]);
});

test("a member of the trust set out of its dates is left out, not thrown: the others still anchor", async () => {
	const expired = generateCerts({ validFrom: new Date(Date.now() - 40 * 86_400_000), days: 30 });
	cleanups.push(expired.cleanup);
	const { echoed } = connect((await serve(ec)).port, { trustedCertificates: [der(expired), der(ec)] });
	await until(() => echoed.length > 0);
	assert.deepEqual(echoed, ["ping"]);
	await assertRefused(await serve(expired), { trustedCertificates: [der(expired), der(ec)] });
	// as the SDK's one `certificate`, it is refused at construction
	assert.throws(() => new SecureSocket({ host: "localhost", port: 1, secure: { certificate: der(expired) } }), /^Error: date validation failed$/);
});

test("a trust set that is not an array of DER certificates is refused at construction, as src/tls/cert.ts refuses it", () => {
	assert.throws(() => new SecureSocket({ host: "localhost", port: 1, secure: { trustedCertificates: der(ec) as never } }),
		/^Error: trustedCertificates: must be an array of DER certificates$/);
	assert.throws(() => new SecureSocket({ host: "localhost", port: 1, secure: { trustedCertificates: [der(ec), Buffer.from("junk")] } }),
		/^Error: x509: malformed input$/);
});

test("a second socket (the OTA download) given the session's trust set with secureOptions connects to a server under it", async () => {
	const { Session } = await import("../../src/session");
	const { secureOptions } = await import("../../src/tls/secure");
	const session = new Session({ host: "127.0.0.1", port: 1, ca: [der(rsa), der(ec)], deviceId: "d", secret: "s" });
	assert.equal(session.trust!.length, 2);
	const server = await serve(ec);
	const events: Event[] = [];
	const socket = new SecureSocket({ host: "127.0.0.1", port: server.port, secure: secureOptions(session.trust!, "localhost") as SecureOptions });	// ByteBuffer: HostBuffer too, never on the host
	cleanups.push(() => socket.close());
	socket.callback = (message, value) => events.push([message, value]);
	await until(() => events.length > 0);
	assert.deepEqual(events, [[1, undefined]]);
	const lone = new Session({ host: "127.0.0.1", port: 1, ca: der(ec), deviceId: "d", secret: "s" });
	assert.equal(lone.trust!.length, 1, "one certificate is a set of one");
});

// The device's certificate (IoTDA's X.509 authentication): sent when the server asks, RSA only.
test("a client certificate: an RSA key's goes to a server asking for one; an EC key fails the handshake then, as the SDK's RSA-only signing does", async () => {
	const { generateDeviceCa, issueDeviceCertificate } = await import("../../broker/device-certs");
	const ca = generateDeviceCa();
	const rsaDevice = issueDeviceCertificate(ca, { deviceId: "dev-rsa" });
	const ecDevice = issueDeviceCertificate(ca, { deviceId: "dev-ec", keyType: "ec" });
	const askingServer = () => serve(ec, { requestCert: true, rejectUnauthorized: false, ca: ca.certPem });
	const asking = await askingServer();
	const client = (device: typeof rsaDevice) => ({ certificate: der(ec), clientCertificates: [device.certDer], clientKey: device.keyDer });
	const { echoed } = connect(asking.port, client(rsaDevice));
	await until(() => echoed.length > 0);
	const peer = asking.accepted[0].getPeerX509Certificate()!;
	assert.equal(peer.fingerprint256.replaceAll(":", ""), rsaDevice.fingerprint);
	assert.ok(asking.accepted[0].authorized, "signed by the device CA");

	await assertRefused(await askingServer(), client(ecDevice));
	await assertRefused(await askingServer(), { ...client(rsaDevice), clientKey: Buffer.from("not a key") });
	// a server that does not ask never sees the key: the EC one does no harm there
	const { echoed: plain } = connect((await serve(ec)).port, client(ecDevice));
	await until(() => plain.length > 0);
	assert.deepEqual(plain, ["ping"]);
});
