// One HTTP/1.1 GET over TLS, its body streamed to the caller piece by piece as the socket delivers
// it: nothing but the response head (at most HEAD_MAX bytes) is buffered. One request per
// connection ("Connection: close"); a body must carry Content-Length (no chunked coding), so a
// short body is told apart from a complete one. A link silent for IDLE_MS (checked every IDLE_MS) is
// dropped. (Not named "http": that is the name of the SDK's HTTP module.)
import Timer from "timer";
import { CONNECTED, handshakeFailed, openStream, READABLE, type Stream, WRITABLE } from "./stream";
import { secureOptions, type TrustSet } from "./tls/secure";

const HEAD_MAX = 2048;
const IDLE_MS = 20_000;
const CR = 13;
const LF = 10;

export interface HttpsUrl {
	host: string;
	port: number;
	path: string;		// with its query, as sent in the request line
}

// https://host[:port]/path?query; the host a name or an IPv4 address (the certificate must name it).
export function parseHttpsUrl(url: string): HttpsUrl {
	const match = /^https:\/\/([A-Za-z0-9.-]+)(?::(\d{1,5}))?(\/[\x21-\x7e]*)?$/.exec(url);
	const port = match?.[2] ? Number(match[2]) : 443;
	if (!match || port < 1 || port > 65535)
		throw new Error("url: must be https://host[:port]/path with a host name or IPv4 address and a port of 1-65535");
	return { host: match[1], port, path: match[3] ?? "/" };
}

export interface HttpHead {
	status: number;
	length: number;			// Content-Length: the bytes of this body
	rangeStart: number;		// Content-Range's first byte (0 without one)
	total: number;			// Content-Range's complete length (length without one)
}

export interface HttpEvents {
	onHead(head: HttpHead): void;	// may close()
	onBody(bytes: Uint8Array): void;	// may close()
	onEnd(problem?: string): void;	// the whole body arrived (no problem), or why not; not after close()
}

export class HttpGet {
	#socket: Stream | undefined;
	#events: HttpEvents;
	#request: string | undefined;	// until written
	#head: Uint8Array<ArrayBuffer> | undefined = new Uint8Array(HEAD_MAX);	// until parsed
	#headBytes = 0;
	#remaining = 0;		// body bytes still due
	#received = 0;
	#heard = true;		// something arrived since the idle timer last looked
	#idle: Timer;

	// `headers`: further request header lines, each ending in CRLF (e.g. Authorization, Range).
	// Throws if the socket cannot be made (as Connection does).
	constructor(url: HttpsUrl, headers: string, trust: TrustSet, events: HttpEvents) {
		this.#events = events;
		this.#request = `GET ${url.path} HTTP/1.1\r\nHost: ${url.host}${443 === url.port ? "" : `:${url.port}`}\r\n${headers}Connection: close\r\n\r\n`;
		const socket = this.#socket = openStream(url.host, url.port, secureOptions(trust, url.host));
		socket.callback = message => this.#message(message);
		this.#idle = Timer.repeat(() => this.#check(), IDLE_MS);
	}

	// Idempotent; no event follows.
	close(): void {
		const socket = this.#socket;
		this.#socket = undefined;
		Timer.clear(this.#idle);
		socket?.close();
	}

	#message(message: number): void {
		const socket = this.#socket;
		if (!socket)
			return;
		this.#heard = true;
		if (CONNECTED === message) {
			if (handshakeFailed(socket))
				return this.#end("connect failed: the TLS handshake ended without keys (alert from the server)");
			this.#write(socket);
		}
		else if (WRITABLE === message)
			this.#write(socket);
		else if (READABLE === message) {
			const bytes = new Uint8Array(socket.read(ArrayBuffer));
			try {
				this.#head ? this.#readHead(bytes) : this.#readBody(bytes);
			}
			catch (e) {
				this.#end((e as Error).message);
			}
		}
		else if (message < 0) {
			if (this.#request !== undefined)
				this.#end("connect failed (socket or TLS error, e.g. the server's certificate refused)");
			else
				this.#end(`connection closed after ${this.#received} bytes of the body${this.#head ? " (before the response head)" : ""}`);
		}
	}

	#write(socket: Stream): void {
		const request = this.#request;
		if ((request !== undefined) && (socket.write() >= request.length)) {	// ASCII: characters are bytes
			this.#request = undefined;
			socket.write(ArrayBuffer.fromString(request));
		}
	}

	#readHead(bytes: Uint8Array): void {
		const head = this.#head!;
		const take = Math.min(bytes.length, HEAD_MAX - this.#headBytes);
		head.set(take < bytes.length ? bytes.subarray(0, take) : bytes, this.#headBytes);
		// The blank line may straddle two reads: look from 3 bytes before the new ones.
		const from = Math.max(0, this.#headBytes - 3);
		this.#headBytes += take;
		let end = -1;
		for (let i = from; i + 3 < this.#headBytes; i++)
			if ((CR === head[i]) && (LF === head[i + 1]) && (CR === head[i + 2]) && (LF === head[i + 3])) {
				end = i;
				break;
			}
		if (end < 0) {
			if (HEAD_MAX === this.#headBytes)
				throw new Error(`response head: longer than ${HEAD_MAX} bytes`);
			return;
		}
		this.#head = undefined;
		const parsed = parseHead(String.fromArrayBuffer(head.buffer.slice(0, end)));
		this.#remaining = parsed.length;
		this.#events.onHead(parsed);
		const body = end + 4 - (this.#headBytes - take);	// where the body starts in `bytes`
		if (this.#socket)
			this.#readBody(body < bytes.length ? bytes.subarray(body) : new Uint8Array(0));
	}

	#readBody(bytes: Uint8Array): void {
		const take = Math.min(bytes.length, this.#remaining);
		if (take) {
			this.#remaining -= take;
			this.#received += take;
			this.#events.onBody(take < bytes.length ? bytes.subarray(0, take) : bytes);
		}
		if (this.#socket && !this.#remaining)
			this.#end();
	}

	#check(): void {
		if (!this.#heard)
			this.#end(`no data for ${IDLE_MS / 1000} s`);
		this.#heard = false;
	}

	#end(problem?: string): void {
		if (!this.#socket)
			return;
		this.close();
		this.#events.onEnd(problem);
	}
}

// The status line and the headers that matter here; throws naming what is wrong.
function parseHead(text: string): HttpHead {
	const lines = text.split("\r\n");
	const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0]);
	if (!status)
		throw new Error("response head: not an HTTP/1.x status line");
	let length = -1, rangeStart = 0, total = -1;
	for (let i = 1; i < lines.length; i++) {
		const colon = lines[i].indexOf(":");
		const name = lines[i].slice(0, colon).toLowerCase();
		const value = lines[i].slice(colon + 1).trim();
		if ("content-length" === name && /^\d{1,10}$/.test(value))
			length = Number(value);
		else if ("content-range" === name) {
			const range = /^bytes (\d{1,10})-\d{1,10}\/(\d{1,10})$/.exec(value);
			if (range) {
				rangeStart = Number(range[1]);
				total = Number(range[2]);
			}
		}
		else if ("transfer-encoding" === name)
			throw new Error(`response head: Transfer-Encoding ${value} is not supported (Content-Length is)`);
	}
	if (length < 0)
		throw new Error("response head: no Content-Length");
	return { status: Number(status[1]), length, rangeStart, total: total < 0 ? length : total };
}
