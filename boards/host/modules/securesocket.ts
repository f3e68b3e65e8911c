// Host stand-in for Moddable's "securesocket" on node:tls, limited to what Moddable's TLS client
// offers the app: TLS 1.2 with ECDHE AES-128-GCM, the server chain checked against the CA given in
// DER and the certificate checked against serverName (or host). Messages follow securesocket.js:
// 1 only after the handshake, decrypted data in pieces of at most 1024 bytes that must be read
// inside the callback, -1/-2 once and then the socket closes itself.
import { X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import tls from "node:tls";
import { readBytes, writeBytes } from "../bytes";
import type { Message } from "./socket";

const SUITES = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256";
const SEND_BUFFER = 8192;	// the device's TCP send buffer, as in the host socket
const OVERHEAD = 128;		// securesocket's estimate of TLS overhead, withheld from the free space
const PIECE = 1024;			// securesocket announces decrypted data in pieces of at most this

export interface SecureOptions {
	certificate?: ArrayBuffer | ArrayBufferView;	// trusted CA, DER; without it Node's default CAs
	protocolVersion?: number;						// minimum version; only TLS 1.2 is offered anyway
	serverName?: string;							// SNI and the name the certificate must carry
	verify?: boolean;								// false skips the chain and name checks
}

export interface SecureDictionary {
	host?: string;
	port?: number;
	secure?: SecureOptions;
}

export default class SecureSocket {
	// Set by the owner, or defined as a method by a subclass (hence `declare`: no own property).
	declare callback: (message: Message, value?: number) => void;

	#conn: tls.TLSSocket | undefined;	// undefined once closed, by close() or after -1/-2
	#open = false;						// handshake completed
	#piece: Uint8Array | undefined;		// the piece being announced; gone when its callback returns
	#position = 0;
	#unsent = 0;						// written bytes not yet passed on to the TCP socket

	constructor(dictionary: SecureDictionary) {
		const { host, port, secure = {} } = dictionary;
		if (typeof host !== "string")
			throw new Error("invalid dictionary");
		const version = secure.protocolVersion;
		if (version !== undefined && (version < 0x301 || version > 0x303))
			throw new Error("protocolVersion: not supported");
		const name = secure.serverName ?? host;
		const conn = tls.connect({
			host,
			port: port ?? 0,
			servername: isIP(name) ? undefined : name,		// SNI carries host names only
			ca: secure.certificate === undefined ? undefined : pemFromDer(secure.certificate),
			minVersion: "TLSv1.2",
			maxVersion: "TLSv1.2",
			ciphers: SUITES,
			rejectUnauthorized: secure.verify !== false,
			checkServerIdentity: (_host, cert) => tls.checkServerIdentity(name, cert),
		});
		this.#conn = conn;
		conn.on("secureConnect", () => {
			this.#open = true;
			this.callback(1);
		});
		conn.on("data", (data: Buffer) => {
			for (let at = 0; at < data.length && this.#conn; at += PIECE) {
				this.#piece = data.subarray(at, at + PIECE);
				this.#position = 0;
				this.callback(2, this.#piece.length);
			}
			this.#piece = undefined;		// unread plaintext is dropped, as securesocket.js does
		});
		conn.on("end", () => this.#end(-1));
		conn.on("error", () => this.#end(-2));
	}

	/** Reads from the piece being announced; undefined once it is used up. */
	read<T extends typeof String | typeof ArrayBuffer>(type: T, until?: number): T extends typeof String ? string : ArrayBuffer {
		const piece = this.#piece;
		if (!this.#conn || !piece)
			throw new Error("nothing to read");
		if (this.#position === piece.length)
			return undefined as never;
		const { value, count } = readBytes(piece.subarray(this.#position), type, until);
		this.#position += count;
		return value as T extends typeof String ? string : ArrayBuffer;
	}

	/** Encrypts and sends every argument, or throws and sends nothing when they exceed the free space. */
	write(): number;
	write(...items: unknown[]): void;
	write(...items: unknown[]): number | void {
		const conn = this.#conn;
		if (!conn)
			throw new Error("write on closed socket");
		const room = this.#open ? Math.max(0, SEND_BUFFER - this.#unsent - OVERHEAD) : 0;
		if (!items.length)
			return room;
		const bytes = writeBytes(items);
		if (bytes.length > room)
			throw new Error("can't write all data");
		this.#unsent += bytes.length;
		conn.write(bytes, (error) => {
			this.#unsent -= bytes.length;
			if (!error && !this.#unsent && this.#conn)		// securesocket passes on the socket's 3, less the overhead
				this.callback(3, SEND_BUFFER - OVERHEAD);
		});
	}

	/** Closes the connection; no message follows. */
	close(): void {
		const conn = this.#conn;
		this.#conn = undefined;
		this.#piece = undefined;
		conn?.destroySoon();
	}

	#end(message: -1 | -2): void {
		const conn = this.#conn;
		if (!conn)
			return;
		this.#conn = undefined;
		conn.destroy();
		this.callback(message);
	}
}

// node:tls trusts PEM; the device takes the CA certificate in DER.
function pemFromDer(certificate: ArrayBuffer | ArrayBufferView): string {
	const der = ArrayBuffer.isView(certificate)
		? Buffer.from(certificate.buffer, certificate.byteOffset, certificate.byteLength)
		: Buffer.from(certificate);
	try {
		return new X509Certificate(der).toString();
	}
	catch {
		throw new Error("secure.certificate: must be an X.509 certificate in DER");
	}
}
