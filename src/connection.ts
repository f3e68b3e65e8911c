// One MQTT transport connection: a TLS (or, when configured, plain TCP) socket, the packet parser
// on its input and a write queue on its output. Moddable's socket write() throws when the data
// does not fit the free send space, so packets wait in the queue and go out on "writable". The
// queue is capped in bytes: a peer that stops reading cannot make it grow the heap.
import { type Packet } from "./mqtt/packets";
import { Parser } from "./mqtt/parser";
import { CONNECTED, ERROR, handshakeFailed, openStream, READABLE, type Stream, WRITABLE } from "./stream";
import type { SecureOptions } from "./tls/secure";

export interface ConnectionOptions {
	host: string;
	port: number;
	// Present = TLS 1.2, the server's chain checked against its trust set and name. Absent = TCP.
	secure?: SecureOptions;
}

// What a connection reports to, and the limits it asks it for once the link opens (so no field of
// the connection holds them through the TLS handshake).
export interface ConnectionEvents {
	readonly maxPacketSize: number;		// largest packet accepted (checked: checkMaxPacketSize)
	readonly writeQueueBytes: number;	// bytes the queue may hold beyond the packet being written
	linkOpened(): void;					// TCP connected and, with TLS, the handshake completed
	linkReceived(packet: Packet): void;
	linkDrained(): void;				// the queue emptied after send() refused a packet
	linkClosed(reason: string): void;	// not called for close()
}

// The socket as the connection holds it: Moddable's sockets (and the host boards') call their
// callback as a method, so `this` in it is the socket, and the socket names its connection.
interface OwnedStream extends Stream {
	connection: Connection;
}

// Connection.#Open's instances, as the connection's methods see them.
interface OpenLink extends Parser {
	queue: Uint8Array[];
	queued: number;
	refused: boolean;
	reading: boolean;
}

// Methods are TypeScript-private, not #private: XS gives every instance a slot per #method.
export class Connection {
	// An open link: the parser on its input (it is one) and the write queue on its output, made when
	// the link opens, as nothing arrives or leaves before and the TLS handshake is the app's memory
	// peak. It knows its connection, so the packet callback is one function shared by every
	// connection (the parser calls it with `this` the parser), not a closure. Plain fields: the
	// class is this module's, and #private ones would cost XS a slot more.
	static #Open = class Open extends Parser implements OpenLink {
		connection: Connection;
		queue: Uint8Array[] = [];
		queued = 0;			// bytes in queue not yet handed to the socket
		refused = false;	// send() said no since the queue last emptied
		reading = false;	// inside a READABLE message: what is sent goes out at its end
		constructor(connection: Connection, maxPacketSize: number) {
			super(maxPacketSize, Open.deliver);
			this.connection = connection;
		}
		// Packets still in a chunk after close() (e.g. after a refused CONNACK) are dropped.
		static deliver(this: Parser, packet: Packet): void {
			const connection = (this as Open).connection;
			if (connection.socket)
				connection.events.linkReceived(packet);
		}
	};

	// TypeScript-private too: a class with #private fields costs XS a slot more per instance, live
	// through the TLS handshake.
	private socket: OwnedStream | undefined;
	// While the link is open. Declared, not defined: a slot of the connection from when the link
	// opens, not through the TLS handshake.
	declare private open?: OpenLink;
	private readonly events: ConnectionEvents;

	// Throws if the socket cannot be created (no network; with TLS also a trust set rejected up front:
	// a member that is not DER X.509, or the SDK's single `certificate` out of its dates).
	constructor(options: ConnectionOptions, events: ConnectionEvents) {
		this.events = events;
		const socket = openStream(options.host, options.port, options.secure) as OwnedStream;
		this.socket = socket;
		// A method shared by every connection, and a property: a closure would cost XS a function
		// and its environment, live through the TLS handshake.
		socket.connection = this;
		socket.callback = Connection.relay;
	}

	private static relay(this: OwnedStream, message: number): void {
		this.connection.message(message);
	}

	// Queues one complete packet (the codec's output) and writes as much as the socket takes; false,
	// and nothing queued, when it would take the queue past maxQueued. An empty queue takes any
	// packet, so a message larger than the cap still goes out, alone.
	// Sent from inside the handling of received bytes (a PUBACK, a command's response, an OTA
	// report), the packet is written when the parser returns, in order: written here, the TLS
	// record's encryption would run on top of the whole receive path (the app's stack peak). What
	// the socket would have taken meanwhile is written first wherever the result depends on it.
	send(packet: Uint8Array): boolean {
		const open = this.open;
		if (!open)
			return false;		// before the link opens there is no CONNECT yet; after close(), nobody
		if (open.reading && this.full(open, packet.length))
			this.flush();
		if (this.full(open, packet.length)) {
			open.refused = true;
			return false;
		}
		open.queue.push(packet);
		open.queued += packet.length;
		if (!open.reading)
			this.flush();
		return true;
	}

	// Bytes queued and not yet handed to the socket.
	get queued(): number {
		const open = this.open;
		if (open?.reading)
			this.flush();
		return open?.queued ?? 0;
	}

	// Idempotent; a closed Connection is discarded (each attempt makes a new one).
	close(): void {
		const socket = this.socket, open = this.open;
		this.socket = this.open = undefined;	// no event from here: a write failing below is not reported
		if (open?.reading) {		// what was sent before goes out first, as if written at once
			open.reading = false;
			this.flush(socket, open);
		}
		if (open) {
			open.queue.length = 0;		// ends a flush under way
			open.queued = 0;
		}
		socket?.close();
	}

	private message(message: number): void {
		const socket = this.socket;
		if (!socket)
			return;
		if (CONNECTED === message) {
			// The CONNECT, with its password, must not go out after a handshake that made no keys.
			if (handshakeFailed(socket))
				return this.fail("connect failed: the TLS handshake ended without keys (alert from the server)");
			this.open = new Connection.#Open(this, this.events.maxPacketSize);
			this.events.linkOpened();
			this.flush();
		}
		else if (READABLE === message) {
			const open = this.open!;		// Moddable's sockets deliver data only once open
			open.reading = true;
			try {
				open.push(new Uint8Array(socket.read(ArrayBuffer)));
			}
			catch (e) {
				this.fail(`protocol error: ${(e as Error).message}`);
			}
			open.reading = false;
			this.flush();
		}
		else if (WRITABLE === message) {
			this.flush();
			// From the socket's callback only: a refused sender retrying from inside send() would nest.
			const open = this.open;
			if (open?.refused && !open.queue.length) {
				open.refused = false;
				this.events.linkDrained();
			}
		}
		else if (message < 0) {
			// Moddable's TLS reports a refused handshake (bad certificate, wrong name) as an error
			// before "connected", so the reason says which phase failed.
			const phase = this.open ? "connection" : "connect";
			this.fail(ERROR === message ? `${phase} failed (socket or TLS error)` : `${phase} closed by peer`);
		}
	}

	// Writes queued bytes in order while the socket has room. A packet larger than the free space
	// goes out in consecutive pieces on consecutive "writable" messages; nothing else is written
	// between its pieces, so the broker always sees whole packets in sequence.
	private flush(socket = this.socket, open = this.open): void {
		if (!socket || !open)
			return;
		const queue = open.queue;
		try {
			while (queue.length) {
				const room = socket.write();
				if (room <= 0)
					return;		// wait for the next writable message
				const packet = queue[0];
				if (packet.length > room) {
					socket.write(packet.subarray(0, room));
					queue[0] = packet.subarray(room);	// the packet's rest, written first next time
					open.queued -= room;
					return;
				}
				socket.write(packet);
				open.queued -= packet.length;
				queue.shift();
			}
		}
		catch (e) {
			this.fail(`socket: ${(e as Error).message}`);
		}
	}

	private full(open: OpenLink, bytes: number): boolean {
		return !!open.queued && (open.queued + bytes > this.events.writeQueueBytes);
	}

	private fail(reason: string): void {
		if (!this.socket)
			return;		// the owner closed it meanwhile (e.g. from inside linkReceived)
		this.close();
		this.events.linkClosed(reason);
	}
}
