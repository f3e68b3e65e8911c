// Scripted stand-in for Moddable's "socket" (TCP client): a link to the scripted broker.
import { ScriptedSocket } from "../scripted";

const SEGMENT = 1436;	// lwIP's TCP MSS on the device: incoming data comes in pieces of at most this

export class Socket extends ScriptedSocket {
	constructor(dictionary: { host: string; port: number }) {
		super(dictionary.host, dictionary.port, undefined, SEGMENT, 0);
	}
}
