// Host stand-in for Moddable's "securesocket" on node:tls, making the device's handshake and
// refusing what the device refuses (modules/crypt/securesocket, modules/crypt/ssl in the SDK):
// - ClientHello: TLS 1.2, the suites of src/tls/ciphersuites.ts (the table the device build
//   uses) in its order, secp256r1 as the only group, ecdsa_secp256r1_sha256 and rsa_pkcs1_sha256
//   as the only signature schemes, SNI = serverName (or host), sent for IP addresses too;
// - trusted certificates: `certificate` (one, the SDK's) and `trustedCertificates` (the trust set,
//   an array: src/tls/cert.ts on the device); each must be DER X.509 ("x509: malformed input");
//   `certificate`'s dates are checked against the board clock in the constructor, which throws
//   "date validation failed" as CertificateManager.register does, while a member of the set out of
//   its dates is only left out; nothing trusted, nothing accepted;
// - the server must send its chain (the SDK never matches the name of a leaf sent alone); the name
//   is checked against the leaf's subjectAltName only (dNSName, a left-most "*" label, IPv4
//   iPAddress; never the CN); the chain's dates against the board clock; each certificate sent
//   must be signed by the next one up to the first trusted one sent, the last by a trusted one,
//   each signer a CA, as src/tls/cert.ts checks on the device in place of the SDK's verify. These
//   rules alone decide: OpenSSL's own path building would ignore a certificate the device refuses,
//   and would refuse a trusted intermediate that the device accepts as an anchor;
// - a client certificate (`clientCertificates`, `clientKey` as PKCS#8 DER) goes out only when the
//   server asks for one; the SDK signs the handshake with RSA PKCS#1 v1.5 only, so a key that is
//   not RSA PKCS#8 fails the handshake then (-2), and not before: the SDK parses it only then;
// - every refusal is -2 and comes before 1.
// Messages follow securesocket.js: 1 after the handshake, decrypted data in pieces of at most
// 1024 bytes that must be read inside the callback, -1/-2 once and then the socket closes itself.
import { createPrivateKey, X509Certificate, constants } from "node:crypto";
import net, { isIPv4 } from "node:net";
import { Duplex } from "node:stream";
import tls from "node:tls";
import suites from "../../../src/tls/ciphersuites";
import { readBytes, writeBytes } from "../bytes";
import { boardNow } from "../clock";
import { checkNetwork } from "../network";
import { loadTarget } from "../target";
import type { Message } from "./socket";

const OVERHEAD = 128;		// securesocket's estimate of TLS overhead, withheld from the free space
const PIECE = 1024;			// securesocket announces decrypted data in pieces of at most this
const SEND_BUFFER = loadTarget().tcp.sendBuffer;	// lwIP's TCP send buffer on the target

// OpenSSL's names for the suites the device's table may hold, by their two code bytes.
const OPENSSL_NAMES: Readonly<Record<string, string>> = {
	c027: "ECDHE-RSA-AES128-SHA256",
	c02f: "ECDHE-RSA-AES128-GCM-SHA256",
	c02b: "ECDHE-ECDSA-AES128-GCM-SHA256",
};
const CIPHERS = suites.map(({ value }) => {
	const code = value.map(byte => byte.toString(16).padStart(2, "0")).join("");
	const name = OPENSSL_NAMES[code];
	if (!name)
		throw new Error(`securesocket: no OpenSSL name for suite 0x${code} of src/tls/ciphersuites.ts`);
	return name;
}).join(":");
// What the device's ClientHello offers, as node:tls options (also for benchmarks that compare
// like with like). secureOptions drops the extensions the device does not send, as far as OpenSSL
// lets them go: session tickets, encrypt-then-MAC, extended master secret
// (SSL_OP_NO_EXTENDED_MASTER_SECRET, 1 in OpenSSL 3).
export const DEVICE_HELLO = Object.freeze({
	minVersion: "TLSv1.2",
	maxVersion: "TLSv1.2",
	ciphers: CIPHERS,
	ecdhCurve: "prime256v1",
	sigalgs: "ECDSA+SHA256:RSA+SHA256",
	secureOptions: constants.SSL_OP_NO_TICKET | constants.SSL_OP_NO_ENCRYPT_THEN_MAC | 1,
} satisfies tls.ConnectionOptions);

type Der = ArrayBuffer | ArrayBufferView;

export interface SecureOptions {
	certificate?: Der;								// trusted CA, DER
	trustedCertificates?: readonly Der[];			// more trusted CAs, DER (src/tls/trust.ts)
	clientCertificates?: readonly Der[];			// the device's certificate (then intermediates), DER
	clientKey?: Der;								// its private key, PKCS#8 DER
	protocolVersion?: number;						// only TLS 1.2 is offered anyway
	serverName?: string;							// SNI and the name the certificate must carry
	verify?: boolean;								// false skips every certificate check
}

export interface SecureDictionary {
	host?: string;
	port?: number;
	secure?: SecureOptions;
}

export default class SecureSocket {
	// Set by the owner, or defined as a method by a subclass (hence `declare`: no own property).
	declare callback: (message: Message, value?: number) => void;
	// The part of the SDK's TLS session (ssl/session) an app may look at: the cipher once the
	// handshake made it, and the alert that ended it (node:tls never reports such a handshake done).
	ssl: { clientCipher: string | null; alert: undefined } = { clientCipher: null, alert: undefined };

	#conn: tls.TLSSocket | undefined;	// undefined once closed, by close() or after -1/-2
	#open = false;						// handshake completed
	#piece: Uint8Array | undefined;		// the piece being announced; gone when its callback returns
	#position = 0;
	#unsent = 0;						// bytes handed to TCP and not yet sent
	#tcp: net.Socket;

	constructor(dictionary: SecureDictionary) {
		checkNetwork();
		const { host, port, secure = {} } = dictionary;
		if (typeof host !== "string")
			throw new Error("invalid dictionary");
		const version = secure.protocolVersion;
		if (version !== undefined && (version < 0x301 || version > 0x303))
			throw new Error("protocolVersion: not supported");
		const verify = secure.verify !== false;
		const ca = trustSet(secure, verify);
		const name = "serverName" in secure ? secure.serverName! : host;
		const client = clientCertificate(secure);
		const chain = new ServerCertificates(() => {
			if (client === "unusable")
				this.#end(-2);		// the SDK's PKCS8.parse / PKCS1_5 sign throws on the CertificateRequest
		});
		const raw = this.#tcp = net.connect({ host, port: port ?? 0 });
		const conn = tls.connect({
			socket: this.#tap(raw, chain),
			servername: name,
			...(client !== "unusable" && client),
			...DEVICE_HELLO,
			rejectUnauthorized: false,		// the device's own rules, below
		});
		this.#conn = conn;
		conn.on("secureConnect", () => {
			const refusal = verify ? checkChain(chain.list, name, ca) : undefined;
			if (refusal) {
				process.stdout.write(`${refusal}\n`);		// the SDK's ssl_cert traces its refusals
				return this.#end(-2);
			}
			this.#open = true;
			this.ssl.clientCipher = conn.getCipher().standardName;
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

	/**
	 * The TCP free space less 128, before the handshake too; with data, encrypts and sends all of it
	 * or throws and sends nothing. (The device would send data written before the handshake in the
	 * clear; this refuses it.)
	 */
	write(): number;
	write(...items: unknown[]): void;
	write(...items: unknown[]): number | void {
		const conn = this.#conn;
		if (!conn)
			throw new Error("write on closed socket");
		// Until TCP connects, the ClientHello node:tls already wrote is not in lwIP's buffer yet.
		const room = Math.max(0, SEND_BUFFER - (this.#tcp.connecting ? 0 : this.#unsent) - OVERHEAD);
		if (!items.length)
			return room;
		if (!this.#open)
			throw new Error("write before the TLS handshake completed");
		const bytes = writeBytes(items);
		if (bytes.length > room)
			throw new Error("can't write all data");
		conn.write(bytes);
	}

	/** Closes the connection; no message follows. */
	close(): void {
		const conn = this.#conn;
		this.#conn = undefined;
		this.#piece = undefined;
		conn?.destroySoon();
	}

	// The TCP stream under TLS: counts what waits to be sent, as lwIP's send buffer does, and shows
	// the server's handshake records to `chain` (TLS 1.2 sends its certificates in the clear).
	#tap(raw: net.Socket, chain: ServerCertificates): Duplex {
		const tap = new Duplex({
			read: () => raw.resume(),
			write: (chunk: Buffer, _encoding, done) => {
				this.#unsent += chunk.length;
				raw.write(chunk, error => {
					this.#unsent -= chunk.length;
					// securesocket passes on the TCP socket's 3 once everything went out, less the overhead
					if (!error && !this.#unsent && this.#open && this.#conn)
						this.callback(3, SEND_BUFFER - OVERHEAD);
				});
				done();
			},
			final: done => {
				raw.end();
				done();
			},
			destroy: (error, done) => {
				raw.destroy();
				done(error);
			},
		});
		raw.on("data", (data: Buffer) => {
			chain.push(data);
			if (!tap.push(data))
				raw.pause();
		});
		raw.on("end", () => tap.push(null));
		raw.on("error", error => tap.destroy(error));
		return tap;
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

// What the socket trusts, refused as src/tls/cert.ts refuses it: `certificate` as the SDK's
// CertificateManager.register (dates checked, throwing), `trustedCertificates` kept only while in
// their dates (the device skips one out of its dates when it would be the anchor).
function trustSet(secure: SecureOptions, verify: boolean): X509Certificate[] {
	const set = secure.trustedCertificates ?? [];
	if (!Array.isArray(set))
		throw new Error("trustedCertificates: must be an array of DER certificates");
	const members = set.map(decode);
	if (secure.certificate === undefined)
		return verify ? members.filter(validNow) : members;
	const certificate = decode(secure.certificate);
	if (verify && !validNow(certificate))
		throw new Error("date validation failed");
	return [certificate, ...(verify ? members.filter(validNow) : members)];
}

function decode(certificate: Der): X509Certificate {
	try {
		return new X509Certificate(bytes(certificate));
	}
	catch {
		throw new Error("x509: malformed input");
	}
}

function bytes(der: Der): Buffer {
	return ArrayBuffer.isView(der) ? Buffer.from(der.buffer, der.byteOffset, der.byteLength) : Buffer.from(der);
}

// The client certificate as node:tls takes it; "unusable" where the SDK would fail once asked
// (no key, not PKCS#8, not RSA); undefined without certificates: an empty list is sent if asked.
function clientCertificate(secure: SecureOptions): { key: string; cert: string } | "unusable" | undefined {
	const certificates = secure.clientCertificates;
	if (certificates === undefined)
		return undefined;
	if (!Array.isArray(certificates))
		throw new Error("clientCertificates: must be an array of DER certificates");
	const cert = certificates.map(certificate => decode(certificate).toString()).join("");		// one chain
	if (!cert.length)
		return undefined;
	try {
		const key = createPrivateKey({ key: bytes(secure.clientKey!), format: "der", type: "pkcs8" });
		return key.asymmetricKeyType === "rsa" ? { key: key.export({ type: "pkcs8", format: "pem" }) as string, cert } : "unusable";
	}
	catch {
		return "unusable";
	}
}

// Strictly inside the validity period, by the board clock (ssl_cert.js compares from < now < to).
function validNow(certificate: X509Certificate): boolean {
	const now = boardNow();
	return Date.parse(certificate.validFrom) < now && now < Date.parse(certificate.validTo);
}

// The device's checks of the chain the server sent, with src/tls/cert.ts's traces, against the trust
// set (`trusted`, already without members out of their dates); a refusal's trace, or undefined to accept.
function checkChain(chain: readonly Buffer[], name: string, trusted: readonly X509Certificate[]): string | undefined {
	// A leaf sent without its issuer is refused, as the SDK's ssl_cert.js refuses it.
	if (chain.length < 2)
		return `subjectAltName match failed for ${name}`;
	// said here, not left to how node:tls treats an empty CA list (its own store must never count)
	if (!trusted.length)
		return "certificate: not signed by a trusted certificate";
	const certificates = chain.map(der => new X509Certificate(der));
	if (!certificates.every(validNow))
		return "date validation failed on received certificate";
	for (let i = 0; i < certificates.length; i++) {
		if (i && trusted.some(certificate => certificates[i].raw.equals(certificate.raw)))
			break;		// a trusted certificate sent, intermediate or root: the path ends there
		const last = i === certificates.length - 1;
		if (i && !certificates[i].ca)
			return "certificate: an issuer in the chain is not a CA certificate";
		if (last ? !anchored(certificates[i], trusted) : !certificates[i].verify(certificates[i + 1].publicKey))
			return last ? "certificate: not signed by a trusted certificate" : "certificate: not signed by the next one in the chain";
	}
	if (!leafNames(certificates[0]).some(entry => matches(entry, name.toLowerCase())))
		return `subjectAltName match failed for ${name}`;
	return undefined;
}

// Whether a trusted certificate named as `certificate`'s issuer signed it (cert.ts's #anchored).
function anchored(certificate: X509Certificate, trusted: readonly X509Certificate[]): boolean {
	return trusted.some(candidate => (candidate.subject === certificate.issuer) && certificate.verify(candidate.publicKey));
}

// The leaf's subjectAltName entries the SDK looks at: dNSName (lowercased) and IPv4 addresses.
function leafNames(leaf: X509Certificate): string[] {
	return (leaf.subjectAltName ?? "").split(", ").flatMap(entry => {
		if (entry.startsWith("DNS:"))
			return [entry.slice(4).toLowerCase()];
		const ip = entry.startsWith("IP Address:") ? entry.slice(11) : "";
		return isIPv4(ip) ? [ip] : [];
	});
}

// Exact, or "*" as the whole left-most label standing for exactly one label.
function matches(entry: string, name: string): boolean {
	if (entry === name)
		return true;
	const dot = name.indexOf(".");
	return entry.startsWith("*.") && dot > 0 && entry.slice(1) === name.slice(dot);
}

// The certificate list of the server's Certificate message, read from its handshake records.
class ServerCertificates {
	list: Buffer[] = [];
	#requested: () => void;			// called on a CertificateRequest
	constructor(requested: () => void) {
		this.#requested = requested;
	}
	#records = Buffer.alloc(0);		// server bytes not yet parsed into records
	#handshake = Buffer.alloc(0);	// handshake messages not yet complete
	#done = false;					// ChangeCipherSpec seen: what follows is encrypted

	push(data: Buffer): void {
		if (this.#done)
			return;
		this.#records = Buffer.concat([this.#records, data]);
		while (this.#records.length >= 5 && !this.#done) {
			const length = this.#records.readUInt16BE(3);
			if (this.#records.length < 5 + length)
				return;
			const type = this.#records[0];
			if (type === 22)
				this.#messages(this.#records.subarray(5, 5 + length));
			this.#done = type === 20;
			this.#records = this.#records.subarray(5 + length);
		}
	}

	#messages(fragment: Buffer): void {
		this.#handshake = Buffer.concat([this.#handshake, fragment]);
		while (this.#handshake.length >= 4) {
			const length = this.#handshake.readUIntBE(1, 3);
			if (this.#handshake.length < 4 + length)
				return;
			if (this.#handshake[0] === 13)
				this.#requested();
			if (this.#handshake[0] === 11)		// Certificate: 3-byte list length, then 3-byte-length DER each
				for (let at = 7; at < 4 + length; at += 3 + this.#handshake.readUIntBE(at, 3))
					this.list.push(Buffer.from(this.#handshake.subarray(at + 3, at + 3 + this.#handshake.readUIntBE(at, 3))));
			this.#handshake = this.#handshake.subarray(4 + length);
		}
	}
}
