// The IoTDA MQTT session: sign, connect, keep alive, reconnect. Callback-driven and holding no
// global state, so one process can run many (the load script runs 1,000).
//
//   idle --start()--> connecting --CONNACK 0--> online --drop--> waiting --timer--> connecting ...
//                         |                                         ^
//                         +--- CONNACK != 0, timeout, socket/TLS ---+          stop() from anywhere
//
// Every attempt signs anew (a fresh timestamp), so a reconnect in a later hour still passes
// IoTDA's sign type 1 check. The secret goes to the signer only: it is never traced, logged or
// put in an error, and neither is the password derived from it.
import Timer from "timer";
import { backoffDelay, holdDelay } from "./backoff";
import { clockValid } from "./clock";
import { Connection } from "./connection";
// Named imports: XS preloads this module, and a namespace object would stay unfrozen in flash.
import {
	type Command, type CommandResponse, KEEPALIVE_MAX, KEEPALIVE_MIN, commandRequestId, commandResponse,
	commandResponseTopic, commandsFilter, messagesUpTopic, parseCommand, propertiesReport, propertiesReportTopic,
} from "./iotda";
import { encodeConnect, encodeDisconnect, encodePingreq, encodePuback, encodePublish, encodeSubscribe } from "./mqtt/encode";
import { CONNACK, type Packet, PINGRESP, PUBACK, PUBLISH, SUBACK } from "./mqtt/packets";
import { decodeUtf8 } from "./mqtt/utf8";
import { sign } from "./signer";

// Timer services; the default is Moddable's Timer. Tests pass scaled timers to run a 30 s
// keepalive (IoTDA's minimum) in a fraction of a second.
export interface Timers {
	once(callback: () => void, ms: number): unknown;
	repeat(callback: () => void, ms: number): unknown;
	schedule(timer: unknown, ms: number): void;		// a live repeating timer: next firing in ms, then every ms
	clear(timer: unknown): void;
}

export interface SessionOptions {
	host: string;
	port: number;
	tls?: boolean;				// default true; plain TCP only when explicitly false
	ca?: ByteBuffer;			// CA certificate (DER) the server's chain must lead to; required with TLS
	serverName?: string;		// name the server certificate must carry, sent as SNI; default host
	deviceId: string;
	secret: string;
	authType?: number;			// 0 deviceId (default), 1 one-model-one-secret, 2 nodeId
	keepalive?: number;			// seconds, 30-1200, default 120
	connectTimeoutMs?: number;	// socket + TLS + CONNACK, default 30 s
	retryBaseMs?: number;		// backoff: ceiling of the first reconnect delay, default 1 s
	retryCapMs?: number;		// backoff: largest reconnect delay, default 120 s
	authRetryMs?: number;		// wait after CONNACK 2/4/5, default 15 min
	maxPacketSize?: number;		// largest packet accepted from the broker, default 16 KiB
	maxInflight?: number;		// QoS 1 messages awaiting PUBACK, default 16
	now?: () => number;			// wall clock in ms for signing, default Date.now
	timers?: Timers;
	random?: () => number;		// jitter source, default Math.random
	log?: (line: string) => void;	// diagnostics, default trace

	onConnected?: () => void;
	// The connection, or an attempt at one, ended; the next attempt starts in retryMs.
	onDisconnected?: (reason: string, retryMs: number) => void;
	// Return the response for the platform (answered on .../commands/response/request_id=...).
	onCommand?: (command: Command) => CommandResponse;
	onError?: (error: Error) => void;
}

export type SessionState = "idle" | "connecting" | "online" | "waiting" | "stopped";

interface Outgoing {
	topic: string;
	payload: string | Uint8Array;
	sent: boolean;			// a resend after reconnect carries DUP
}

// Frozen: module-level objects of preloaded modules live in flash on the device.
const moddableTimers = Object.freeze<Timers>({
	once: (callback, ms) => Timer.set(callback, ms),
	repeat: (callback, ms) => Timer.repeat(callback, ms),
	schedule: (timer, ms) => Timer.schedule(timer as Timer, ms, ms),
	clear: timer => Timer.clear(timer as Timer),
});

const refusals: Readonly<Record<number, string>> = Object.freeze({
	1: "unacceptable protocol version",
	2: "identifier rejected: IoTDA refused the clientId or the keepalive (check deviceId, authType, keepalive 30-1200)",
	3: "server unavailable",
	4: "bad username or password: check deviceId and secret (sign type 1 also needs the clock right to the hour)",
	5: "not authorized: the device is unknown to the platform, disabled or frozen",
});

export class Session {
	onConnected?: () => void;
	onDisconnected?: (reason: string, retryMs: number) => void;
	onCommand?: (command: Command) => CommandResponse;
	onError?: (error: Error) => void;

	readonly deviceId: string;
	#secret: string;
	#authType: number;
	#keepalive: number;
	#transport: { host: string; port: number; secure?: { certificate: ByteBuffer; serverName: string }; maxPacketSize: number };
	#connectTimeoutMs: number;
	#backoff: { baseMs: number; capMs: number };
	#authRetryMs: number;
	#maxInflight: number;
	#now: () => number;
	#timers: Timers;
	#random: () => number;
	#log: (line: string) => void;

	#state: SessionState = "idle";
	#connection: Connection | undefined;
	#timer: unknown;			// connect timeout, or the wait before the next attempt
	#keepaliveTimer: unknown;	// fires one keepalive after the last packet sent, or at the PINGRESP deadline
	#attempt = 0;				// reconnects since the last CONNACK 0, drives the backoff
	#pingPending = false;
	#lastId = 0;
	#inflight = new Map<number, Outgoing>();	// QoS 1 by message id, in publish order

	// Throws RangeError/Error naming the option for a configuration that can never work.
	constructor(options: SessionOptions) {
		const keepalive = options.keepalive ?? 120;
		if (!Number.isInteger(keepalive) || keepalive < KEEPALIVE_MIN || keepalive > KEEPALIVE_MAX)
			throw new RangeError(`keepalive: must be an integer from ${KEEPALIVE_MIN} to ${KEEPALIVE_MAX} seconds (IoTDA)`);
		if (!options.host)
			throw new Error("host: must not be empty");
		if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535)
			throw new RangeError("port: must be an integer from 1 to 65535");
		const tls = options.tls ?? true;
		if (tls && !options.ca)
			throw new Error("ca: a CA certificate (DER) is required for TLS");
		this.deviceId = options.deviceId;
		this.#secret = options.secret;
		this.#authType = options.authType ?? 0;
		this.#keepalive = keepalive;
		this.#transport = {
			host: options.host,
			port: options.port,
			secure: tls ? { certificate: options.ca!, serverName: options.serverName ?? options.host } : undefined,
			maxPacketSize: options.maxPacketSize ?? 16384,
		};
		this.#connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
		this.#backoff = { baseMs: options.retryBaseMs ?? 1000, capMs: options.retryCapMs ?? 120_000 };
		this.#authRetryMs = options.authRetryMs ?? 900_000;
		this.#maxInflight = options.maxInflight ?? 16;
		this.#now = options.now ?? Date.now;
		this.#timers = options.timers ?? moddableTimers;
		this.#random = options.random ?? Math.random;
		this.#log = options.log ?? (line => trace(line, "\n"));
		this.onConnected = options.onConnected;
		this.onDisconnected = options.onDisconnected;
		this.onCommand = options.onCommand;
		this.onError = options.onError;
	}

	get state(): SessionState {
		return this.#state;
	}

	// QoS 1 messages not yet acknowledged (including those queued while offline).
	get pending(): number {
		return this.#inflight.size;
	}

	start(): void {
		if (("idle" === this.#state) || ("stopped" === this.#state))
			this.#attemptNow();
	}

	// Ends the session for good: DISCONNECT if online, no further attempts.
	stop(): void {
		if ("online" === this.#state)
			this.#connection!.send(encodeDisconnect());
		this.#shut();
		this.#state = "stopped";
	}

	// QoS 1 (default): kept until PUBACK, sent when online (now or after the next CONNACK) and resent
	// with DUP after a reconnect. QoS 0: sent only if online. Returns whether it went out now.
	// Throws (before queuing anything) for a bad topic/payload or when maxInflight are pending.
	publish(topic: string, payload: string | Uint8Array, qos: 0 | 1 = 1): boolean {
		const online = "online" === this.#state;
		if (0 === qos) {
			const packet = encodePublish({ topic, payload, qos: 0 });
			if (online)
				this.#send(packet);
			return online;
		}
		if (this.#inflight.size >= this.#maxInflight)
			throw new Error(`publish: ${this.#maxInflight} messages already await PUBACK (maxInflight)`);
		const messageId = this.#nextId();
		const packet = encodePublish({ topic, payload, qos: 1, messageId });
		this.#inflight.set(messageId, { topic, payload, sent: online });
		if (online)
			this.#send(packet);
		return online;
	}

	// {"services":[{"service_id": serviceId, "properties": properties}]} on .../sys/properties/report
	reportProperties(serviceId: string, properties: Record<string, unknown>): boolean {
		return this.publish(propertiesReportTopic(this.deviceId), propertiesReport(serviceId, properties));
	}

	// Free-form device message on .../sys/messages/up
	sendMessage(payload: string | Uint8Array): boolean {
		return this.publish(messagesUpTopic(this.deviceId), payload);
	}

	#attemptNow(): void {
		const now = this.#now();
		// Sign type 1 lets the platform check the timestamp (limits replay); it needs a set clock.
		const signType = clockValid(now) ? 1 : 0;
		if (!signType)
			this.#log("iotda: clock not set, signing with sign type 0 (timestamp not checked)");
		let connect: Uint8Array;
		try {
			const credentials = sign(this.deviceId, this.#secret, now, this.#authType, signType);
			connect = encodeConnect({
				clientId: credentials.clientId,
				username: credentials.username,
				password: credentials.password,
				keepalive: this.#keepalive,
				cleanSession: true,
			});
			this.#log(`iotda: connecting to ${this.#transport.host}:${this.#transport.port} as ${credentials.clientId}`);
		}
		catch (e) {
			// Bad deviceId/secret/authType: no retry can fix configuration.
			this.#state = "stopped";
			this.#report(e as Error);
			return;
		}
		this.#state = "connecting";
		this.#timer = this.#timers.once(() => this.#drop(`no CONNACK within ${this.#connectTimeoutMs} ms`), this.#connectTimeoutMs);
		try {
			this.#connection = new Connection(this.#transport, {
				onOpen: () => this.#connection!.send(connect),
				onPacket: packet => this.#receive(packet),
				onClose: reason => this.#drop(reason),
			});
		}
		catch (e) {
			this.#drop(`socket: ${(e as Error).message}`);
		}
	}

	#receive(packet: Packet): void {
		switch (packet.type) {
			case CONNACK:
				if ("connecting" !== this.#state)
					return this.#drop("protocol error: unexpected CONNACK");
				if (packet.returnCode)
					return this.#refused(packet.returnCode);
				return this.#online();
			case PUBLISH:
				if (1 === packet.qos)
					this.#send(encodePuback(packet.messageId!));
				return this.#deliver(packet.topic, packet.payload);
			case PUBACK:
				this.#inflight.delete(packet.messageId);
				return;
			case SUBACK:
				if (packet.granted.includes(0x80))
					this.#report(new Error(`subscribe: broker refused ${commandsFilter(this.deviceId)}`));
				return;
			case PINGRESP:
				if (this.#pingPending) {
					this.#pingPending = false;
					this.#timers.schedule(this.#keepaliveTimer, this.#keepalive * 1000);
				}
				return;
		}
	}

	#online(): void {
		this.#timers.clear(this.#timer);
		this.#state = "online";
		this.#attempt = 0;
		// IoTDA may deliver commands without it, but the subscription makes delivery explicit.
		this.#send(encodeSubscribe(this.#nextId(), [{ topic: commandsFilter(this.deviceId), qos: 1 }]));
		for (const [messageId, message] of this.#inflight) {
			this.#send(encodePublish({ topic: message.topic, payload: message.payload, qos: 1, messageId, dup: message.sent }));
			message.sent = true;
		}
		if ("online" !== this.#state)
			return;		// a write failed and already scheduled the next attempt
		this.#keepaliveTimer = this.#timers.repeat(() => this.#idle(), this.#keepalive * 1000);
		this.#log("iotda: connected");
		this.onConnected?.();
	}

	// Nothing was sent for a whole keepalive period (the broker allows 1.5 periods): PINGREQ, and
	// half a period for the PINGRESP.
	#idle(): void {
		if (this.#pingPending)
			return this.#drop("no PINGRESP within half the keepalive");
		this.#pingPending = true;
		this.#timers.schedule(this.#keepaliveTimer, this.#keepalive * 500);
		this.#connection!.send(encodePingreq());
	}

	#refused(code: number): void {
		const reason = `CONNACK ${code}: ${refusals[code] ?? "refused"}`;
		this.#report(new Error(reason));
		// 2, 4 and 5 mean the platform rejects this device's configuration: retrying soon cannot
		// help and hammering the platform may get the device throttled.
		const hold = (2 === code) || (4 === code) || (5 === code);
		this.#wait(reason, hold ? holdDelay(this.#authRetryMs, this.#random) : this.#nextBackoff());
	}

	#drop(reason: string): void {
		if (("connecting" === this.#state) || ("online" === this.#state))
			this.#wait(reason, this.#nextBackoff());
	}

	#nextBackoff(): number {
		return backoffDelay(this.#backoff, this.#attempt++, this.#random);
	}

	#wait(reason: string, retryMs: number): void {
		this.#shut();
		this.#state = "waiting";
		this.#log(`iotda: ${reason}; next attempt in ${retryMs} ms`);
		this.#timer = this.#timers.once(() => this.#attemptNow(), retryMs);
		this.onDisconnected?.(reason, retryMs);
	}

	// Closes the connection and cancels every timer; the queued QoS 1 messages stay.
	#shut(): void {
		this.#timers.clear(this.#timer);
		this.#timers.clear(this.#keepaliveTimer);
		this.#timer = this.#keepaliveTimer = undefined;
		this.#connection?.close();
		this.#connection = undefined;
		this.#pingPending = false;
	}

	// Every packet sent restarts the keepalive period, except while a PINGRESP is awaited (its
	// deadline stands). Rescheduled before sending: a failed write drops the connection (through
	// onClose, clearing the timers) before send() returns.
	#send(packet: Uint8Array): void {
		if (this.#keepaliveTimer && !this.#pingPending)
			this.#timers.schedule(this.#keepaliveTimer, this.#keepalive * 1000);
		this.#connection?.send(packet);
	}

	// Message ids 1-65535, skipping ids still awaiting PUBACK.
	#nextId(): number {
		do
			this.#lastId = (this.#lastId % 65535) + 1;
		while (this.#inflight.has(this.#lastId));
		return this.#lastId;
	}

	#deliver(topic: string, payload: Uint8Array): void {
		const requestId = commandRequestId(this.deviceId, topic);
		if (undefined === requestId)
			return this.#log(`iotda: ignored message on ${topic}`);
		// A bad payload, a missing or throwing handler, or an answer JSON cannot carry all become a
		// failure answer: the platform hears back either way and the connection stays up.
		let answer: string;
		try {
			const command = parseCommand(requestId, decodeUtf8(payload, "command payload", true));
			if (!this.onCommand)
				throw new Error("no command handler");
			answer = commandResponse(this.onCommand(command));
		}
		catch (e) {
			answer = commandResponse({ result_code: 1, paras: { error: (e as Error).message } });
		}
		try {
			// QoS 0: the platform waits ~20 s for the answer, so a resend after a reconnect would be late.
			this.publish(commandResponseTopic(this.deviceId, requestId), answer, 0);
		}
		catch (e) {
			this.#report(e as Error);
		}
	}

	#report(error: Error): void {
		if (this.onError)
			this.onError(error);
		else
			this.#log(`iotda: ${error.message}`);
	}
}
