// A scripted board for scenarios, the same on XS and on Node: a virtual clock with the timers and
// the network events of the run loop, which only move when the scenario steps them, and a scripted
// MQTT broker behind the sockets (modules/socket.ts, modules/securesocket.ts). Nothing depends on
// the wall clock, so a run is the same every time and on both engines.
import { encodeUtf8 } from "../../src/mqtt/utf8";
import type { Timers } from "../../src/session";
import type { XsHost } from "./scenario";

// ---- the app's share of XS's meter ----------------------------------------------------------------
// The board is JavaScript on the same XS machine as the app. Given a probe, what runs while the app
// has control (the scenario's calls into it, the board's callbacks and timers) adds up in appCost;
// the board's own work and the scenario's do not. Nothing here allocates while the app is counted.

export const appCost = { compute: 0, slots: 0, chunks: 0 };
let probe: XsHost | undefined;
let appHasControl = false;
let compute = 0, slots = 0, chunks = 0;		// the probe's readings when the app last got control

// Starts counting from 0 with a probe; stops with undefined (appCost then keeps the figures).
export function meterApp(xs: XsHost | undefined): void {
	probe = xs;
	if (xs)
		appCost.compute = appCost.slots = appCost.chunks = 0;
}

// Gives control to the app (true) or to the board (false); returns who had it.
function control(app: boolean): boolean {
	const had = appHasControl;
	if (probe && app !== had) {
		if (app) {
			compute = probe.compute();
			slots = probe.slots();
			chunks = probe.chunks();
		}
		else {
			appCost.compute += probe.compute() - compute;
			appCost.slots += probe.slots() - slots;
			appCost.chunks += probe.chunks() - chunks;
		}
	}
	appHasControl = app;
	return had;
}

// The board or the scenario calls the app.
export function callApp<R>(f: () => R): R {
	const had = control(true);
	try {
		return f();
	}
	finally {
		control(had);
	}
}

// The app calls the board (fixed arity: a rest array would be allocated on the app's account).
function board<R>(f: (a: any, b: any, c: any) => R, a?: unknown, b?: unknown, c?: unknown): R {
	const had = control(false);
	try {
		return f(a, b, c);
	}
	finally {
		control(had);
	}
}

// ---- the run loop -------------------------------------------------------------------------------

export interface LoopTimer {
	at: number;				// due time on the virtual clock
	interval: number;		// 0: once
	callback: (() => void) | undefined;	// undefined once cleared
}

class Loop {
	now = 0;
	#tasks: (() => void)[] = [];
	#timers: LoopTimer[] = [];

	// A network event: runs on the next settle(), in order, at the current time.
	post(task: () => void): void {
		this.#tasks.push(task);
	}

	set(callback: () => void, ms: number, interval: number): LoopTimer {
		const timer = { at: this.now + ms, interval, callback };
		this.#timers.push(timer);
		return timer;
	}

	schedule(timer: LoopTimer, ms: number, interval: number): void {
		timer.at = this.now + ms;
		timer.interval = interval;
	}

	clear(timer: LoopTimer | undefined): void {
		if (timer)
			timer.callback = undefined;
	}

	// Runs the network events (and those they cause) until there are none; no time passes.
	settle(): void {
		while (this.#tasks.length)
			this.#tasks.shift()!();
	}

	// Lets `ms` pass: every timer due meanwhile fires at its time, in order, each followed by the
	// events it caused. Stops early, at that moment, once `until()` holds; returns whether it did.
	advance(ms: number, until: () => boolean = () => false): boolean {
		const end = this.now + ms;
		this.settle();
		while (!until()) {
			this.#timers = this.#timers.filter(timer => timer.callback);
			const next = this.#timers.reduce<LoopTimer | undefined>((first, timer) => (!first || timer.at < first.at) ? timer : first, undefined);
			if (!next || next.at > end) {
				this.now = end;
				return false;
			}
			this.now = Math.max(this.now, next.at);
			const callback = next.callback!;
			if (next.interval)
				next.at += next.interval;
			else
				next.callback = undefined;
			callApp(callback);
			this.settle();
		}
		return true;
	}
}

export const loop = new Loop();

const set = (callback: () => void, ms: number, interval: number) => loop.set(callback, ms, interval);
const schedule = (timer: LoopTimer, ms: number, interval: number) => loop.schedule(timer, ms, interval);
const clear = (timer: LoopTimer | undefined) => loop.clear(timer);

// The app's timers: first firing after ms, then every interval (0: once).
export const setTimer = (callback: () => void, ms: number, interval: number) => board(set, callback, ms, interval);
export const scheduleTimer = (timer: LoopTimer, ms: number, interval: number) => board(schedule, timer, ms, interval);
export const clearTimer = (timer: LoopTimer | undefined) => board(clear, timer);

// Timer services for SessionOptions.timers.
export const timers: Timers = {
	once: (target, ms) => setTimer(() => target.onTimer(), ms, 0),
	repeat: (target, ms) => setTimer(() => target.onTimer(), ms, ms),
	schedule: (timer, ms) => scheduleTimer(timer as LoopTimer, ms, ms),
	clear: timer => clearTimer(timer as LoopTimer | undefined),
};

// A session's options on this board: its broker's address, its timers and clock (the wall clock
// reads startMs when the board's reads 0), a fixed jitter; the scenario adds its callbacks.
export function boardSession(device: { deviceId: string; secret: string; startMs: number }) {
	return {
		host: "iotda.test",
		port: 8883,
		ca: Uint8Array.of(0x30, 0x00),
		deviceId: device.deviceId,
		secret: device.secret,
		now: () => device.startMs + loop.now,
		timers,
		random: () => 0.5,
	};
}

// ---- the scripted broker ------------------------------------------------------------------------

export type BrokerRecord = { t: number } & (
	| { event: "open"; host: string; port: number; serverName?: string }
	| { event: "packet"; hex: string }		// a whole packet from the device
	| { event: "answer"; hex: string }
	| { event: "closed" }					// the device closed the link
	| { event: "dropped" }					// the broker dropped it
);

// The device side of a link: what a scripted socket offers the broker.
export interface Endpoint {
	opened(handshake: Handshake): void;
	receive(bytes: Uint8Array): void;
	drop(): void;
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

const hex = (bytes: Uint8Array) => Array.from(bytes, b => (b < 16 ? "0" : "") + b.toString(16)).join("");

// How a TLS handshake ends: with keys, or with the server's close_notify alert, which Moddable's
// TLS reports as connected too, with no cipher.
export type Handshake = "keys" | "close_notify";

// Answers CONNECT with the next CONNACK code of its script (0 once the script is used up),
// SUBSCRIBE with a SUBACK granting each filter the QoS asked, a QoS 1 PUBLISH with PUBACK,
// PINGREQ with PINGRESP and UNSUBSCRIBE with UNSUBACK; ends TLS handshakes as `handshakes` says
// (with keys once they are used up); records everything.
export class Broker {
	records: BrokerRecord[] = [];
	#connacks: number[];
	#handshakes: Handshake[];
	#endpoint: Endpoint | undefined;
	#input: number[] = [];

	constructor(connacks: number[], handshakes: Handshake[] = []) {
		this.#connacks = connacks.slice();
		this.#handshakes = handshakes.slice();
	}

	// A socket was created: the connection succeeds (a new one replaces any other).
	open(endpoint: Endpoint, host: string, port: number, serverName?: string): void {
		this.#endpoint = endpoint;
		this.#input.length = 0;
		this.#record({ event: "open", host, port, serverName });
		const handshake = this.#handshakes.shift() ?? "keys";
		loop.post(() => endpoint === this.#endpoint && endpoint.opened(handshake));
	}

	closed(endpoint: Endpoint): void {
		if (endpoint !== this.#endpoint)
			return;
		this.#endpoint = undefined;
		this.#record({ event: "closed" });
	}

	// Ends the link from the broker's side.
	drop(): void {
		const endpoint = this.#endpoint;
		if (!endpoint)
			return;
		this.#endpoint = undefined;
		this.#record({ event: "dropped" });
		loop.post(() => endpoint.drop());
	}

	// A PUBLISH (QoS 0) from the platform to the device: topic and payload as UTF-8, unasked.
	deliver(topic: string, payload: string): void {
		const endpoint = this.#endpoint;
		if (!endpoint)
			throw new Error("scripted broker: no device connected");
		// the device's own encoder: XS has no TextEncoder
		const topicBytes = encodeUtf8(topic, "topic", false), payloadBytes = encodeUtf8(payload, "payload", true);
		const body = [topicBytes.length >> 8, topicBytes.length & 0xFF, ...topicBytes, ...payloadBytes];
		const length: number[] = [];
		for (let n = body.length; ; n >>= 7) {
			length.push((n & 0x7F) | ((n > 0x7F) ? 0x80 : 0));
			if (n <= 0x7F)
				break;
		}
		const packet = Uint8Array.from([0x30, ...length, ...body]);
		this.#record({ event: "answer", hex: hex(packet) });
		loop.post(() => endpoint === this.#endpoint && endpoint.receive(packet));
	}

	// Bytes the device wrote: framed into packets, each answered.
	write(endpoint: Endpoint, bytes: Uint8Array): void {
		if (endpoint !== this.#endpoint)
			return;
		this.#input.push(...bytes);
		for (let packet; (packet = this.#frame());) {
			this.#record({ event: "packet", hex: hex(packet) });
			const answer = this.#answer(packet);
			if (answer) {
				this.#record({ event: "answer", hex: hex(answer) });
				loop.post(() => endpoint === this.#endpoint && endpoint.receive(answer));
			}
		}
	}

	#frame(): Uint8Array | undefined {
		const input = this.#input;
		let length = 0, at = 1;
		for (let shift = 0; ; shift += 7) {
			if (at >= input.length)
				return undefined;
			const b = input[at++];
			length += (b & 0x7F) * 2 ** shift;
			if (!(b & 0x80))
				break;
		}
		if (input.length < at + length)
			return undefined;
		return Uint8Array.from(input.splice(0, at + length));
	}

	#answer(packet: Uint8Array): Uint8Array | undefined {
		let at = 1;
		while (packet[at++] & 0x80);		// past the Remaining Length
		const body = packet.subarray(at);
		switch (packet[0] >> 4) {
			case 1:		// CONNECT
				return Uint8Array.of(0x20, 2, 0, this.#connacks.shift() ?? 0);
			case 3: {	// PUBLISH
				if (!(packet[0] & 0x06))
					return undefined;
				const id = 2 + ((body[0] << 8) | body[1]);
				return Uint8Array.of(0x40, 2, body[id], body[id + 1]);
			}
			case 8: {	// SUBSCRIBE: the packet identifier, then (length, filter, QoS) per filter
				const granted: number[] = [];
				for (let at = 2; at < body.length;) {
					const length = (body[at] << 8) | body[at + 1];
					granted.push(body[at + 2 + length]);
					at += 3 + length;
				}
				return Uint8Array.of(0x90, 2 + granted.length, body[0], body[1], ...granted);
			}
			case 10:	// UNSUBSCRIBE
				return Uint8Array.of(0xB0, 2, body[0], body[1]);
			case 12:	// PINGREQ
				return Uint8Array.of(0xD0, 0);
			default:	// PUBACK, DISCONNECT: nothing to answer
				return undefined;
		}
	}

	#record(record: DistributiveOmit<BrokerRecord, "t">): void {
		this.records.push({ t: loop.now, ...record });
	}
}

let current: Broker | undefined;

// The broker the sockets connect to from now on.
export function useBroker(broker: Broker): void {
	current = broker;
}

export function broker(): Broker {
	if (!current)
		throw new Error("scripted board: no broker (useBroker first)");
	return current;
}

// ---- the device's sockets -----------------------------------------------------------------------

const SEND_BUFFER = 8192;	// the device's TCP send buffer, as on the host board

// A Moddable socket on a scripted link (modules/socket.ts, modules/securesocket.ts): messages
// 1 connected, 2 readable (one piece at a time, the next once it was read), 3 writable (when all
// written bytes were taken), -1 once the broker dropped the link and its data was read; write()
// without arguments gives the free space, and data that does not fit is refused whole.
export class ScriptedSocket implements Endpoint {
	// Set by the owner, or defined as a method by a subclass (hence `declare`: no own property).
	declare callback: (message: number, value?: number) => void;
	readonly #piece: number;
	readonly #room: number;
	#pieces: Uint8Array[] = [];
	#reading: Uint8Array | undefined;	// announced by message 2, not yet read
	#unsent = 0;
	#dropped = false;
	#ended = false;						// closed, or -1 delivered: no further messages

	constructor(host: string, port: number, serverName: string | undefined, piece: number, overhead: number) {
		if (typeof host !== "string")
			throw new Error("invalid dictionary");
		this.#piece = piece;
		this.#room = SEND_BUFFER - overhead;
		const had = control(false);
		try {
			broker().open(this, host, port, serverName);
		}
		finally {
			control(had);
		}
	}

	opened(_handshake: Handshake): void {
		this.#tell(1);
	}

	receive(bytes: Uint8Array): void {
		for (let at = 0; at < bytes.length; at += this.#piece)
			this.#pieces.push(bytes.subarray(at, at + this.#piece));
		this.#announce();
	}

	drop(): void {
		this.#dropped = true;
		this.#announce();
	}

	read(type: unknown): ArrayBuffer {
		const had = control(false);
		try {
			if (type !== ArrayBuffer)
				throw new Error("scripted socket: reads ArrayBuffer only");
			const piece = this.#reading;
			if (!piece)
				throw new Error("nothing to read");
			this.#reading = undefined;
			loop.post(() => this.#announce());
			return piece.slice().buffer;
		}
		finally {
			control(had);
		}
	}

	write(): number;
	write(data: ArrayBuffer | ArrayBufferView): void;
	write(data?: ArrayBuffer | ArrayBufferView): number | void {
		const had = control(false);
		try {
			const room = this.#ended ? 0 : this.#room - this.#unsent;
			if (data === undefined)
				return room;
			if (this.#ended)
				return;
			const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
			if (bytes.length > room)
				throw new Error("can't write all data");
			const copy = bytes.slice();
			this.#unsent += copy.length;
			loop.post(() => {
				this.#unsent -= copy.length;
				broker().write(this, copy);
				if (!this.#unsent)
					this.#tell(3, this.#room);
			});
		}
		finally {
			control(had);
		}
	}

	close(): void {
		const had = control(false);
		try {
			if (!this.#ended) {
				this.#ended = true;
				broker().closed(this);
			}
		}
		finally {
			control(had);
		}
	}

	#tell(message: number, value?: number): void {
		if (this.#ended)
			return;
		const had = control(true);
		try {
			this.callback(message, value);
		}
		finally {
			control(had);
		}
	}

	#announce(): void {
		if (this.#ended || this.#reading)
			return;
		const piece = this.#pieces.shift();
		if (piece) {
			this.#reading = piece;
			this.#tell(2, piece.length);
		}
		else if (this.#dropped) {
			this.#tell(-1);
			this.#ended = true;
		}
	}
}
