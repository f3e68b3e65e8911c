// Host stand-in for Moddable's "sntp": a real SNTP client on node:dgram with the rules of the SDK's
// sntp.js. One request, then one more every 5 s (message 2 each time); after 5 unanswered sends,
// or on a malformed answer, message -1 with the reason, and a host name returned by the callback
// starts over with that host. The server port is 123, or HOST_SNTP_PORT (for a local responder).
import dgram from "node:dgram";
import dns from "node:dns";
import { checkNetwork } from "../network";

const RETRY_MS = 5000;
const SENDS = 5;
const NTP_TO_UNIX = 2208988800;		// seconds from 1900 (NTP era 0) to 1970

type Message = -1 | 1 | 2;
type SNTPCallback = (message: Message, value?: number | string) => string | void | undefined;

export default class SNTP {
	static readonly time = 1;
	static readonly retry = 2;
	static readonly error = -1;

	#callback: SNTPCallback;
	#udp: dgram.Socket;
	#timer: NodeJS.Timeout | undefined;		// undefined once closed
	#sends = 0;								// sends left before giving up
	#address: string | undefined;
	#port = Number(process.env.HOST_SNTP_PORT || 123);

	constructor(dictionary: { host: string }, callback: SNTPCallback) {
		checkNetwork();
		this.#udp = dgram.createSocket("udp4");
		this.#callback = callback;
		this.#udp.on("message", (packet) => this.#receive(packet));
		this.#udp.on("error", () => {});		// like the device, a failed send just waits for the retry
		this.#start(dictionary.host);
	}

	/** Stops asking; no message follows. */
	close(): void {
		if (!this.#timer)
			return;
		clearInterval(this.#timer);
		this.#timer = undefined;
		this.#udp.close();
	}

	#start(host: string): void {
		this.#sends = SENDS;
		this.#address = undefined;
		this.#pace();
		dns.lookup(host, { family: 4 }, (error, address) => {
			if (!this.#timer)
				return;		// closed while resolving
			if (error)
				return this.#fail(`cannot resolve ${host}`);
			this.#address = address;
			this.#send();
			this.#pace();
		});
	}

	// (Re)starts the retry period, counted from now.
	#pace(): void {
		clearInterval(this.#timer);
		this.#timer = setInterval(() => this.#retry(), RETRY_MS);
	}

	#retry(): void {
		if (!--this.#sends)
			return this.#fail("no response from SNTP server");
		this.#send();
		this.#callback(SNTP.retry);
	}

	#send(): void {
		if (!this.#address)
			return;
		const request = new Uint8Array(48);
		request[0] = (4 << 3) | 3;		// version 4, mode 3 (client)
		this.#udp.send(request, this.#port, this.#address);
	}

	#receive(packet: Buffer): void {
		if (!this.#timer)
			return;
		if (packet.length !== 48)
			return this.#fail("unexpected SNTP packet length");
		if ((packet[0] & 7) !== 4)
			return this.#fail("unexpected SNTP packet first byte");
		if (packet[1] === 0)
			return;		// stratum 0: a Kiss-o'-Death, which RFC 4330 says to ignore
		// Transmit timestamp, whole seconds; int32 arithmetic like the device's.
		const time = (packet.readUInt32BE(40) - NTP_TO_UNIX) | 0;
		this.close();
		this.#callback(SNTP.time, time);
	}

	#fail(reason: string): void {
		const next = this.#callback(SNTP.error, reason);
		if (typeof next === "string" && next && this.#timer)
			this.#start(next);
		else
			this.close();
	}
}
