// Scripted stand-in for Moddable's "securesocket": a link to the scripted broker, without a
// handshake; it keeps securesocket.js's shape of the stream (decrypted pieces of at most 1024
// bytes, 128 bytes of the send space withheld for TLS) and records the server name it was given.
import { ScriptedSocket } from "../scripted";

const PIECE = 1024;
const OVERHEAD = 128;

export default class SecureSocket extends ScriptedSocket {
	constructor(dictionary: { host: string; port: number; secure: { serverName?: string; certificate?: unknown } }) {
		if (!dictionary.secure?.certificate)
			throw new Error("securesocket: no certificate");
		super(dictionary.host, dictionary.port, dictionary.secure.serverName, PIECE, OVERHEAD);
	}
}
