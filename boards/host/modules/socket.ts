// Host stand-in for Moddable's "socket" (TCP client only) on node:net, following the ESP32 (lwIP)
// implementation: callback-driven, incoming data announced one segment at a time, writes refused
// whole when they do not fit the free send space.
import net from "node:net";
import { readBytes, writeBytes } from "../bytes";
import { checkNetwork } from "../network";
import { loadTarget } from "../target";

// The target's lwIP settings (boards/<target>/sdkconfig), so the app sees device-sized pieces.
const { mss: SEGMENT, sendBuffer: SEND_BUFFER } = loadTarget().tcp;	// pieces announced, bytes write() may hold unsent
const READ_QUEUE = 6;		// MODDEF_SOCKET_READQUEUE: pieces held before the peer is slowed down

export type Message = -2 | -1 | 1 | 2 | 3;

export interface SocketDictionary {
	host?: string;
	port?: number;
	noDelay?: boolean;
}

export class Socket {
	static readonly connected = 1;
	static readonly readable = 2;
	static readonly writable = 3;
	static readonly error = -2;
	static readonly disconnected = -1;

	// Set by the owner, or defined as a method by a subclass (hence `declare`: no own property).
	declare callback: (message: Message, value?: number) => void;

	#conn: net.Socket | undefined;		// undefined once close() was called
	#pieces: Uint8Array[] = [];			// received, not yet announced
	#piece: Uint8Array | undefined;		// announced by message 2 and not yet fully read
	#position = 0;						// bytes of #piece already read
	#unsent = 0;						// written bytes the OS has not taken yet
	#peerClosed = false;
	#ended = false;						// -1 or -2 delivered: no further messages

	constructor(dictionary: SocketDictionary) {
		checkNetwork();
		const { host, port } = dictionary;
		if (typeof host !== "string")
			throw new Error("invalid dictionary");
		// allowHalfOpen: as with lwIP, writing stays possible until the app has read up to the peer's FIN.
		const conn = net.connect({ host, port: port ?? 0, noDelay: !!dictionary.noDelay, allowHalfOpen: true });
		this.#conn = conn;
		conn.on("connect", () => this.#deliver(1));
		conn.on("data", (data: Buffer) => {
			for (let at = 0; at < data.length; at += SEGMENT)
				this.#pieces.push(data.subarray(at, at + SEGMENT));
			if (this.#pieces.length > READ_QUEUE)
				conn.pause();		// lwIP refuses more pbufs while its read queue is full
			this.#announce();
		});
		// Like lwIP, a disconnect is reported only after the data received before it was read.
		conn.on("end", () => {
			this.#peerClosed = true;
			this.#announce();
		});
		conn.on("error", () => this.#end(-2));
	}

	/** Reads from the piece announced by message 2; the next piece is announced once this one is used up. */
	read<T extends typeof String | typeof ArrayBuffer>(type: T, until?: number): T extends typeof String ? string : ArrayBuffer {
		if (!this.#conn)
			throw new Error("read on closed socket");
		const piece = this.#piece;
		if (!piece)
			throw new Error("nothing to read");
		const { value, count } = readBytes(piece.subarray(this.#position), type, until);
		this.#position += count;
		if (this.#position === piece.length) {
			this.#piece = undefined;
			setImmediate(() => this.#announce());		// a new message, not a nested callback
		}
		return value as T extends typeof String ? string : ArrayBuffer;
	}

	/** Sends every argument or, when together they exceed the free send space, throws and sends nothing. */
	write(): number;
	write(...items: unknown[]): void;
	write(...items: unknown[]): number | void {
		const conn = this.#conn;
		if (!conn)
			throw new Error("write on closed socket");
		if (this.#ended) {
			if (!items.length)
				return 0;
			process.stdout.write("write on closed socket\n");		// lwIP traces and drops it
			return;
		}
		const room = SEND_BUFFER - this.#unsent;
		if (!items.length)
			return room;
		const bytes = writeBytes(items);
		if (bytes.length > room)
			throw new Error("can't write all data");
		this.#unsent += bytes.length;
		conn.write(bytes, (error) => {
			this.#unsent -= bytes.length;
			if (!error && !this.#unsent)		// lwIP reports once everything written so far has gone out
				this.#deliver(3, SEND_BUFFER);
		});
	}

	/** Ends the connection (data already written still goes out); no message follows. */
	close(): void {
		const conn = this.#conn;
		if (!conn)
			return;
		this.#conn = undefined;
		this.#pieces.length = 0;
		this.#piece = undefined;
		conn.destroySoon();
	}

	#deliver(message: Message, value?: number): void {
		if (this.#conn && !this.#ended)
			this.callback(message, value);
	}

	#announce(): void {
		const conn = this.#conn;
		if (!conn || this.#ended || this.#piece)
			return;
		const piece = this.#pieces.shift();
		if (!piece) {
			if (this.#peerClosed)
				this.#end(-1);
			return;
		}
		this.#piece = piece;
		this.#position = 0;
		if (conn.isPaused() && this.#pieces.length <= READ_QUEUE)
			conn.resume();
		this.callback(2, piece.length);
	}

	#end(message: -1 | -2): void {
		const conn = this.#conn;
		if (!conn || this.#ended)
			return;
		this.#ended = true;
		this.#pieces.length = 0;
		this.#piece = undefined;
		conn.destroy();
		this.callback(message);
	}
}
