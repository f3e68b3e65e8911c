// Scripted stand-in for Moddable's "securesocket": a link to the scripted broker, without a
// handshake; it keeps securesocket.js's shape of the stream (decrypted pieces of at most 1024
// bytes, 128 bytes of the send space withheld for TLS), its `ssl` session's cipher and alert, and
// records the server name it was given.
import { type Handshake, ScriptedSocket } from "../scripted";

const PIECE = 1024;
const OVERHEAD = 128;

export default class SecureSocket extends ScriptedSocket {
	ssl: { clientCipher: string | null; alert?: { level: number; description: number } } = { clientCipher: null };

	constructor(dictionary: { host: string; port: number; secure: { serverName?: string; certificate?: unknown; trustedCertificates?: unknown[] } }) {
		if (!dictionary.secure?.certificate && !dictionary.secure?.trustedCertificates?.length)
			throw new Error("securesocket: no certificate");
		super(dictionary.host, dictionary.port, dictionary.secure.serverName, PIECE, OVERHEAD);
	}

	// As ssl/session does: a close_notify ends the handshake as done, without a cipher.
	override opened(handshake: Handshake): void {
		if (handshake === "close_notify")
			this.ssl.alert = { level: 1, description: 0 };
		else
			this.ssl.clientCipher = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
		super.opened(handshake);
	}
}
