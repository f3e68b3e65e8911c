// The byte stream under MQTT and the downloads: Moddable's SecureSocket (TLS 1.2, the server's
// chain checked against the trust set and a name: src/tls/secure.ts), or its TCP Socket when TLS
// is configured off.
import { Socket } from "socket";
import SecureSocket from "securesocket";
import type { SecureOptions } from "./tls/secure";

// What is used of Moddable's TCP Socket and SecureSocket (the SDK's SecureSocket typing leaves
// out callback, the argument-less write() that returns the free send space, and ssl).
export interface Stream {
	callback: (message: number, value?: number) => void;
	ssl?: { clientCipher?: unknown; alert?: unknown };	// SecureSocket's TLS session (ssl/session)
	read(type: typeof ArrayBuffer): ArrayBuffer;
	write(): number;
	write(data: ByteBuffer): void;
	close(): void;
}

// Socket callback messages (Socket.connected etc.); anything below 0 is a disconnect or error.
export const CONNECTED = 1;
export const READABLE = 2;
export const WRITABLE = 3;
export const ERROR = -2;

// Throws if the socket cannot be created (no network; with TLS also a CA rejected up front,
// e.g. Moddable refuses to register a certificate while the clock is unset).
export function openStream(host: string, port: number, secure: SecureOptions | undefined): Stream {
	return (secure ? new SecureSocket({ host, port, secure }) : new Socket({ host, port })) as unknown as Stream;
}

// Moddable's TLS also reports "connected" when the server answered the ClientHello with a
// close_notify alert (ssl/session's handshake() stops on any alert): no keys were made, and
// whatever is written next would go out in the clear. Only a handshake that set up its cipher
// counts; a TCP socket (TLS configured off) has none to set up.
export function handshakeFailed(socket: Stream): boolean {
	if (!(socket instanceof SecureSocket))
		return false;
	const tls = socket.ssl;
	return !tls?.clientCipher || (undefined !== tls.alert);
}
