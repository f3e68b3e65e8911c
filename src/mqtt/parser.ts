// Incremental parser for the server-to-client byte stream. Bytes may arrive in any chunking; the
// fixed header is decoded byte by byte into a few numbers, and only a packet's body is buffered, in
// an array allocated at its exact declared size once the header has passed every check. The body is
// handed to the packet (a PUBLISH payload is a view into it), so nothing is copied twice and no
// buffer outlives its packet.

import { MAX_REMAINING_LENGTH, MqttError, type Packet } from "./packets";
import { checkFirstByte, checkRemainingLength, decodePacket } from "./decode";

// Methods are TypeScript-private, not #private: XS gives every instance a slot per #method.
export class Parser {
	readonly #maxPacketSize: number;
	readonly #onPacket: (this: Parser, packet: Packet) => void;
	#first = 0;				// first header byte; 0 (a reserved type, refused) while awaiting one
	#length = 0;			// Remaining Length gathered so far
	#lengthBytes = 0;		// Remaining Length bytes read so far
	#body: Uint8Array | null = null;	// allocated once the header is complete
	#filled = 0;
	#failure: MqttError | null = null;
	#pushing = false;
	#resets = 0;			// lets push notice a reset() made by onPacket

	// maxPacketSize bounds a whole packet, fixed header included (as MQTT 5's Maximum Packet Size does),
	// so the body buffer is always smaller than it. onPacket is called with `this` the parser, so a
	// subclass can pass one function shared by all its instances rather than a closure per parser.
	constructor(maxPacketSize: number, onPacket: (this: Parser, packet: Packet) => void) {
		checkMaxPacketSize(maxPacketSize);
		this.#maxPacketSize = maxPacketSize;
		this.#onPacket = onPacket;
	}

	// Calls onPacket for each packet completed by `chunk`. A malformed stream cannot be resynchronised,
	// so after any error (including one thrown by onPacket) the parser refuses input until reset().
	push(chunk: Uint8Array): void {
		if (this.#failure) throw this.#failure;
		// a nested push would parse its bytes ahead of the rest of the current chunk
		if (this.#pushing) throw new MqttError("push: must not be called from onPacket");
		const resets = this.#resets;
		this.#pushing = true;
		try {
			// every pass consumes at least one byte, so the loop ends after chunk.length passes at most
			for (let i = 0; i < chunk.length;) {
				if (this.#first === 0) {
					checkFirstByte(chunk[i]);
					this.#first = chunk[i++];
					continue;
				}
				if (this.#body === null) {
					const b = chunk[i++];
					this.#length |= (b & 0x7F) << (7 * this.#lengthBytes++);
					if (b & 0x80) {
						if (this.#lengthBytes === 4) throw new MqttError("remaining length: at most 4 bytes");
						continue;
					}
					// a final 0 after a continuation byte is a longer encoding of a smaller value
					if (b === 0 && this.#lengthBytes > 1) throw new MqttError("remaining length: must use the shortest encoding");
					if (1 + this.#lengthBytes + this.#length > this.#maxPacketSize)
						throw new MqttError(`packet: at most ${this.#maxPacketSize} bytes (maxPacketSize)`);
					checkRemainingLength(this.#first, this.#length);
					this.#body = new Uint8Array(this.#length);
					this.#filled = 0;
				}
				else {
					const n = Math.min(this.#body.length - this.#filled, chunk.length - i);
					this.#body.set(chunk.subarray(i, i + n), this.#filled);
					this.#filled += n;
					i += n;
				}
				if (this.#filled === this.#body.length) {
					const packet = decodePacket(this.#first, this.#body);
					this.clear();
					this.#onPacket(packet);
					// the rest of the chunk belonged to the stream that onPacket reset
					if (this.#resets !== resets) return;
				}
			}
		}
		catch (error) {
			// a reset() from within onPacket already started a new stream; leave it usable
			if (this.#resets === resets)
				this.#failure = error instanceof MqttError ? error : new MqttError("onPacket: threw; call reset()");
			throw error;
		}
		finally {
			this.#pushing = false;
		}
	}

	// Forgets any partial packet and a failure, for a new connection.
	reset(): void {
		this.clear();
		this.#failure = null;
		this.#resets++;
	}

	private clear(): void {
		this.#first = 0;
		this.#length = 0;
		this.#lengthBytes = 0;
		this.#body = null;
	}
}

// Throws MqttError unless `maxPacketSize` is one the Parser accepts (lets a caller that makes its
// Parser later refuse the setting up front).
export function checkMaxPacketSize(maxPacketSize: number): void {
	if (!Number.isInteger(maxPacketSize) || maxPacketSize < 4 || maxPacketSize > MAX_REMAINING_LENGTH + 5)
		throw new MqttError(`maxPacketSize: must be an integer 4..${MAX_REMAINING_LENGTH + 5}`);
}
