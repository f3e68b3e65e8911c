// src/https-get.ts (the OTA download's HTTP/1.1 client) on XS, collecting before every allocation,
// and on Node against the same scripted server: the request it writes, heads split anywhere,
// bodies streamed whole or cut off, and the responses it refuses, each reported once.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { before, test } from "node:test";
import { type EngineName, ENGINES, runOnEngines } from "./engine";
import type { Case, Input, Result } from "./scenarios/https-get";

const OK = (length: number) => `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\ncontent-length: ${length}\r\nConnection: close\r\n\r\n`;
const cases: Record<string, Case> = {
	whole: { head: OK(5000), body: 5000, pieces: [] },
	// the blank line split between pieces after "\r", "\r\n" and "\r\n\r"
	split: { head: OK(3000), body: 3000, pieces: [OK(3000).length - 3, 1, 1, 1, 1, 700] },
	tiny: { head: OK(600), body: 600, pieces: Array(700).fill(1) },
	partial: { head: "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 5-1004/1005\r\nContent-Length: 1000\r\n\r\n", body: 1000, pieces: [] },
	extra: { head: OK(100), body: 400, pieces: [] },
	refused: { head: "HTTP/1.1 401 Unauthorized\r\nContent-Length: 20\r\n\r\n", body: 20, pieces: [] },
	dropped: { head: OK(5000), body: 5000, pieces: [], dropAfter: OK(5000).length + 1234 },
	droppedInHead: { head: OK(5000), body: 5000, pieces: [], dropAfter: 20 },
	chunked: { head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", body: 10, pieces: [] },
	noLength: { head: "HTTP/1.1 200 OK\r\n\r\n", body: 10, pieces: [] },
	notHttp: { head: "SSH-2.0-OpenSSH\r\n\r\n", body: 0, pieces: [] },
	longHead: { head: `HTTP/1.1 200 OK\r\nX-Pad: ${"p".repeat(2100)}\r\nContent-Length: 1\r\n\r\n`, body: 1, pieces: [] },
	noKeys: { head: OK(1), body: 1, pieces: [], handshake: "close_notify" },
	silent: { head: OK(1), body: 1, pieces: [], silent: true },
};
const input: Input = {
	urls: ["https://iot.example.com/a/b?c=d", "https://10.0.0.1:8943", "http://x/y", "https://[::1]/", "https://h:0/", "https://h:99999/", "https://h/a b"],
	cases: Object.values(cases),
};
let results: Record<EngineName, { urls: unknown[]; results: Result[] }>;

before(async () => {
	results = await runOnEngines("scenarios/https-get.ts", input, { stressXs: true });
});

const bodyHash = (from: number, to: number) =>
	createHash("sha256").update(Uint8Array.from({ length: to - from }, (_, k) => ((from + k) * 7 + 3) & 255)).digest("hex");
const result = (engine: EngineName, name: string) => results[engine].results[Object.keys(cases).indexOf(name)];

test("XS and Node: https URLs with a name or IPv4 host, anything else refused by name", () => {
	const refused = "Error: url: must be https://host[:port]/path with a host name or IPv4 address and a port of 1-65535";
	for (const engine of ENGINES)
		assert.deepEqual(results[engine].urls, [
			{ host: "iot.example.com", port: 443, path: "/a/b?c=d" }, { host: "10.0.0.1", port: 8943, path: "/" },
			refused, refused, refused, refused, refused,
		], engine);
});

test("XS and Node: the request line and headers written once the handshake made keys", () => {
	for (const engine of ENGINES)
		assert.equal(result(engine, "whole").request, "GET /f?Expires=1&Signature=x HTTP/1.1\r\nHost: 192.0.2.7:8943\r\nRange: bytes=5-\r\nConnection: close\r\n\r\n", engine);
});

test("XS (collecting before every allocation) and Node: bodies arrive whole and in order, however the head and body are split", () => {
	for (const engine of ENGINES) {
		for (const [name, length] of [["whole", 5000], ["split", 3000], ["tiny", 600]] as const) {
			const r = result(engine, name);
			assert.deepEqual([r.end, r.bodyBytes, r.sha256, r.head], ["complete", length, bodyHash(0, length), { status: 200, length, rangeStart: 0, total: length }], `${engine} ${name}`);
		}
		assert.deepEqual(result(engine, "partial").head, { status: 206, length: 1000, rangeStart: 5, total: 1005 }, engine);
		// bytes past Content-Length are not the body's
		assert.deepEqual([result(engine, "extra").end, result(engine, "extra").bodyBytes, result(engine, "extra").sha256], ["complete", 100, bodyHash(0, 100)], engine);
		assert.deepEqual([result(engine, "refused").head, result(engine, "refused").end], [{ status: 401, length: 20, rangeStart: 0, total: 20 }, "complete"], engine);
	}
});

test("XS and Node: a dropped link, a refused response or a silent server each end the request once, with the reason", () => {
	for (const engine of ENGINES) {
		const end = (name: string) => result(engine, name).end;
		assert.equal(end("dropped"), "connection closed after 1234 bytes of the body", engine);
		assert.equal(result(engine, "dropped").sha256, bodyHash(0, 1234), engine);
		assert.equal(end("droppedInHead"), "connection closed after 0 bytes of the body (before the response head)", engine);
		assert.equal(end("chunked"), "response head: Transfer-Encoding chunked is not supported (Content-Length is)", engine);
		assert.equal(end("noLength"), "response head: no Content-Length", engine);
		assert.equal(end("notHttp"), "response head: not an HTTP/1.x status line", engine);
		assert.equal(end("longHead"), "response head: longer than 2048 bytes", engine);
		assert.equal(end("noKeys"), "connect failed: the TLS handshake ended without keys (alert from the server)", engine);
		assert.deepEqual([end("silent"), result(engine, "silent").at], ["no data for 20 s", 40_000], engine);
	}
});
