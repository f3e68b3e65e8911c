// src/https-get.ts on the scripted board, on XS and on Node: a scripted HTTP server behind the
// scripted SecureSocket answers each GET with a response delivered in the pieces the case gives,
// possibly dropping the link; what the client hands its caller is hashed with the core's streaming
// SHA-256 (native, as src/upgrade.ts does) and reported with the head and how the request ended.
import { HttpGet, parseHttpsUrl } from "../../../src/https-get";
import { encodeUtf8 } from "../../../src/mqtt/utf8";
import { errorText } from "../scenario";
import { type Broker, type Endpoint, type Handshake, loop, useBroker } from "../scripted";

export interface Case {
	head: string;			// the response head, "\r\n\r\n" included
	body: number;			// bytes of body the server sends (byte i is (i * 7 + 3) & 255)
	pieces: number[];		// the response's first pieces; the rest in one
	dropAfter?: number;		// the server drops the link once this many response bytes went out
	handshake?: Handshake;
	silent?: boolean;		// the server never answers
}

export interface Input {
	urls: string[];
	cases: Case[];
}

export interface Result {
	request?: string;
	head?: unknown;
	bodyBytes: number;
	sha256?: string;
	end?: string;
	at: number;				// virtual ms when it ended
}

const hashStart = native("xs_iotda_sha256_start");
const hashUpdate = native("xs_iotda_sha256_update");
const hashDigest = native("xs_iotda_sha256_digest");

// A server for one GET: the scripted broker's part for the sockets (open, write, closed).
class Server {
	request = "";
	#case: Case;
	#endpoint: Endpoint | undefined;

	constructor(c: Case) {
		this.#case = c;
	}

	open(endpoint: Endpoint, _host: string, _port: number, _serverName?: string): void {
		this.#endpoint = endpoint;
		loop.post(() => endpoint.opened(this.#case.handshake ?? "keys"));
	}

	closed(): void {
		this.#endpoint = undefined;
	}

	write(endpoint: Endpoint, bytes: Uint8Array): void {
		for (let i = 0; i < bytes.length; i++)
			this.request += String.fromCharCode(bytes[i]);
		if (!this.request.endsWith("\r\n\r\n") || this.#case.silent)
			return;
		const head = encodeUtf8(this.#case.head, "head", true);
		const response = new Uint8Array(head.length + this.#case.body);
		response.set(head);
		for (let i = 0; i < this.#case.body; i++)
			response[head.length + i] = (i * 7 + 3) & 255;
		const end = Math.min(response.length, this.#case.dropAfter ?? response.length);
		let at = 0;
		for (const size of [...this.#case.pieces, end]) {
			const piece = response.slice(at, Math.min(end, at + size));
			at += piece.length;
			if (piece.length)
				loop.post(() => endpoint === this.#endpoint && endpoint.receive(piece));
		}
		if (this.#case.dropAfter !== undefined)
			loop.post(() => endpoint === this.#endpoint && endpoint.drop());
	}
}

function get(c: Case): Result {
	const server = new Server(c);
	useBroker(server as unknown as Broker);
	const result: Result = { bodyBytes: 0, at: -1 };
	hashStart();
	new HttpGet(parseHttpsUrl("https://192.0.2.7:8943/f?Expires=1&Signature=x"), "Range: bytes=5-\r\n", [Uint8Array.of(0x30, 0)], {
		onHead: head => result.head = head,
		onBody: bytes => {
			result.bodyBytes += bytes.length;
			hashUpdate(bytes);
		},
		onEnd: problem => {
			result.end = problem ?? "complete";
			result.at = loop.now;
			result.sha256 = hashDigest();
		},
	});
	const start = loop.now;
	loop.advance(60_000, () => result.end !== undefined);
	result.at -= start;
	result.request = server.request;
	return result;
}

export function run(input: Input) {
	const urls = input.urls.map(url => {
		try {
			return parseHttpsUrl(url);
		}
		catch (e) {
			return errorText(e);
		}
	});
	return { urls, results: input.cases.map(get) };
}
