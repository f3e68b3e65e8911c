// The IoTDA MQTT session: sign, connect, keep alive, reconnect, and the QoS 1 outbox. Features
// (commands, events, ...) register their topic filters with subscribe(); the session subscribes
// them on every connect and hands them what arrives, so it does not grow with them. Callback-driven
// and holding no global state, so one process can run many (the load script runs 1,000).
//
//   idle --start()--> connecting --CONNACK 0--> online --drop--> waiting --timer--> connecting ...
//                         |                                         ^
//                         +--- CONNACK != 0, timeout, socket/TLS ---+          stop() from anywhere
//
// Every attempt signs anew (a fresh timestamp), so a reconnect in a later hour still passes
// IoTDA's sign type 1 check. The secret goes to the signer only: it is never traced, logged or
// put in an error, and neither is the password derived from it.
import Timer from "timer";
import { backoffDelay, checkRetry, holdDelay } from "./backoff";
import { clockValid } from "./clock";
import { Connection, type ConnectionEvents } from "./connection";
// Named imports: XS preloads this module, and a namespace object would stay unfrozen in flash.
import { certificateLogin, KEEPALIVE_MAX, KEEPALIVE_MIN, messagesUpTopic, propertiesReport, propertiesReportTopic, type ServiceProperties } from "./iotda";
import { encodeConnect, encodeDisconnect, encodePingreq, encodePuback, encodePublish, encodeSubscribe } from "./mqtt/encode";
import { CONNACK, type Packet, PINGRESP, PUBACK, PUBLISH, SUBACK } from "./mqtt/packets";
import { checkMaxPacketSize } from "./mqtt/parser";
import { checkTopicFilter, topicMatches } from "./mqtt/topic";
import { encodeUtf8 } from "./mqtt/utf8";
import { type Sign, sign } from "./signer";
import { type ClientCertificate, secureOptions, type TrustSet } from "./tls/secure";

// What a timer calls: an object's method, not a closure, which would cost XS a function and its
// environment for as long as the timer waits (the connect timeout waits through the TLS handshake).
export interface TimerTarget {
	onTimer(): void;
}

// Timer services; the default is Moddable's Timer. Tests pass scaled timers to run a 30 s
// keepalive (IoTDA's minimum) in a fraction of a second.
export interface Timers {
	once(target: TimerTarget, ms: number): unknown;
	repeat(target: TimerTarget, ms: number): unknown;
	schedule(timer: unknown, ms: number): void;		// a live repeating timer: next firing in ms, then every ms
	clear(timer: unknown): void;
}

export interface SessionOptions {
	host: string;
	port: number;
	tls?: boolean;				// default true; plain TCP only when explicitly false
	ca?: ByteBuffer | TrustSet;	// the CA certificate(s) (DER) the server's chain may lead to; required with TLS
	serverName?: string;		// name the server certificate must carry, sent as SNI; default host
	deviceId: string;
	secret?: string;			// the device secret; or instead, with TLS:
	client?: ClientCertificate;	// the device certificate and key (IoTDA's X.509 authentication)
	authType?: number;			// 0 deviceId (default), 1 one-model-one-secret, 2 nodeId
	keepalive?: number;			// seconds, 30-1200, default 120
	connectTimeoutMs?: number;	// socket + TLS + CONNACK, default 30 s
	retryBaseMs?: number;		// backoff: ceiling of the first reconnect delay, default 1 s (at least 1 s)
	retryCapMs?: number;		// backoff: largest reconnect delay, default 120 s (at least retryBaseMs)
	authRetryMs?: number;		// wait after CONNACK 2/4/5, default 15 min (at least 1 min)
	maxPacketSize?: number;		// largest packet accepted from the broker, default 16 KiB
	maxInflight?: number;		// QoS 1 messages awaiting PUBACK, default 16
	writeQueueBytes?: number;	// bytes waiting for the socket beyond the packet being written, default 4 KiB
	now?: () => number;			// wall clock in ms for signing, default Date.now
	sign?: Sign;				// makes each attempt's credentials from the secret, default the core's (signer.ts)
	// Whether now() is right to the hour (SNTP or IoTDA's time sync set it): sign type 1 lets the
	// platform check the timestamp, which only a set clock passes. Default: now() is after 2024.
	clockTrusted?: () => boolean;
	timers?: Timers;
	random?: () => number;		// jitter source, default Math.random
	log?: (line: string) => void;	// diagnostics, default trace

	// User callbacks run isolated: what they throw goes to onError (else the log), never into the session.
	// They, and clockTrusted, are called with `this` the session.
	// After CONNACK 0 and, when filters are subscribed, their SUBACK: a request made then (a shadow
	// get, say) has its answer's topic subscribed already, whatever order the broker works in.
	onConnected?: () => void;
	// The connection, or an attempt at one, ended; the next attempt starts in retryMs.
	onDisconnected?: (reason: string, retryMs: number) => void;
	onError?: (error: Error) => void;
}

export type SessionState = "idle" | "connecting" | "online" | "waiting" | "stopped";

// Hands a PUBLISH that matched its filter to a feature, with `this` the target given to subscribe()
// and the session, which a feature answering on it would otherwise keep in its target.
export type Receiver = (this: any, topic: string, payload: Uint8Array, session: Session) => void;

// A feature's topic filter and where what matches it goes.
interface Route {
	filter: string;
	receive: Receiver;
	target: unknown;
	subscribe?: number;		// the SUBSCRIBE that carried it, until its SUBACK; 0 or absent none
}

interface Outgoing {
	packet: Uint8Array;		// encoded once; a resend sets its DUP bit in place
	sent: boolean;			// handed to some connection: a resend carries DUP
	queued: boolean;		// handed to the current connection
	period: number;			// keepalive period in which it was queued
	onAck?: () => void;
}

// Moddable's Timer calls its callback with the timer itself: the timer carries its target, and
// one module-level function serves every timer.
interface TargetedTimer extends Timer {
	target: TimerTarget;
}

function fire(timer: TargetedTimer): void {
	timer.target.onTimer();
}

function targeted(timer: Timer, target: TimerTarget): Timer {
	(timer as TargetedTimer).target = target;
	return timer;
}

// Frozen: module-level objects of preloaded modules live in flash on the device.
const moddableTimers = Object.freeze<Timers>({
	once: (target, ms) => targeted(Timer.set(fire as (timer: Timer) => void, ms), target),
	repeat: (target, ms) => targeted(Timer.repeat(fire as (timer: Timer) => void, ms), target),
	schedule: (timer, ms) => Timer.schedule(timer as Timer, ms, ms),
	clear: timer => Timer.clear(timer as Timer),
});

// The default log; module-level, so a session does not carry a closure for it.
function traceLine(line: string): void {
	trace(line, "\n");
}

const refusals: Readonly<Record<number, string>> = Object.freeze({
	1: "unacceptable protocol version",
	2: "identifier rejected: IoTDA refused the clientId or the keepalive (check deviceId, authType, keepalive 30-1200)",
	3: "server unavailable",
	4: "bad username or password: check deviceId and secret (sign type 1 also needs the clock right to the hour)",
	5: "not authorized: on IoTDA the device is unknown, disabled or frozen; other brokers (e.g. mosquitto) also answer bad credentials this way",
});

// A link counts as healthy, and the backoff starts over, once it stayed up this long (or a
// keepalive period, if shorter): a broker that accepts and then drops must not get a login a second.
const HEALTHY_MS = 60_000;
// What the online timer waits for (Session's beat).
const HEALTHY_MARK = 0;
const PING_DUE = 1;
const PINGRESP_DUE = 2;
// The options' defaults. The session's copy of its options leaves out one equal to its default, as
// one given as undefined: on XS each would be a slot through the TLS handshake.
const DEFAULTS = Object.freeze({
	tls: true,
	authType: 0,
	keepalive: 120,
	connectTimeoutMs: 30_000,
	retryBaseMs: 1000,
	retryCapMs: 120_000,
	authRetryMs: 900_000,
	maxPacketSize: 16384,
	maxInflight: 16,
	writeQueueBytes: 4096,
});
// Iterated in place of the outbox and the routes before the first use made them; frozen, so in flash.
const noMessages: readonly Outgoing[] = Object.freeze([]);
const noRoutes: readonly Route[] = Object.freeze([]);
const DUP = 0x08;
// IoTDA's uplink limits: a message's payload, and messages a second per device connection.
const PAYLOAD_MAX = 1024 * 1024;
const UPLINK_PER_SECOND = 50;

// What the session has published: one object, made by the first publish, so that none of its
// fields is a slot of the session through the first TLS handshake. Plain fields: a class with
// #private ones costs XS a slot more per instance.
class Uplink {
	inflight: Map<number, Outgoing> | undefined;	// QoS 1 awaiting PUBACK, made by the first
	waiting = 0;		// of those, not handed to the current connection (queue full or offline)
	period = 0;			// keepalive periods since CONNACK: a message queued before the last one is late
	dropped = 0;		// QoS 0 not sent
	// now() of the last publishes: a ring, whose oldest the next publish overwrites
	times = new Float64Array(UPLINK_PER_SECOND).fill(-Infinity);
	next = 0;

	oldest(): number {
		return this.times[this.next];
	}

	count(now: number): true {
		this.times[this.next] = now;
		this.next = (this.next + 1) % UPLINK_PER_SECOND;
		return true;
	}
}

// TypeScript-private, not #private: XS gives every instance a slot per #method, and a slot more
// for a class with #private fields.
export class Session implements ConnectionEvents, TimerTarget {
	// A copy of the options, read where they are used: on XS every field is a slot of every
	// session, live through the TLS handshake, and most options are left to their defaults.
	private readonly options: SessionOptions;		// its ca: the trust set with TLS, else undefined

	private status: SessionState = "idle";
	private connection: Connection | undefined;
	// The attempt's clock reading and sign type: its CONNECT, signed and logged by the attempt, is
	// encoded again from them when the link opens, so no packet waits through the TLS handshake.
	private signedAt = 0;
	private signType = 0;
	// The state's one timer: connecting, the connect timeout; waiting, the wait before the next
	// attempt; online, first the healthy mark, then PINGREQ every keepalive period, or the PINGRESP
	// deadline half a period after one.
	private timer: unknown;
	// Declared, not defined: each is a slot of the session from when it is first set, and none is
	// set before the first CONNACK, so none is live through the first TLS handshake, the memory peak.
	// What the online timer waits for: the healthy mark (the link stayed up long enough to reset the
	// backoff), the next PINGREQ, or the PINGRESP; set when a link opens.
	declare private beat?: number;
	declare private attempt?: number;		// reconnects since the link was last healthy, drives the backoff
	declare private lastId?: number;		// the last message id used
	// Made by the first use (publish, subscribe).
	declare private uplink?: Uplink;
	declare private routes?: Route[];
	declare private ready?: number;			// the connect's SUBSCRIBE, whose SUBACK onConnected waits for; 0 none

	// Throws RangeError/Error naming the option for a configuration that can never work.
	constructor(options: SessionOptions) {
		const keepalive = options.keepalive ?? DEFAULTS.keepalive;
		if (!Number.isInteger(keepalive) || keepalive < KEEPALIVE_MIN || keepalive > KEEPALIVE_MAX)
			throw new RangeError(`keepalive: must be an integer from ${KEEPALIVE_MIN} to ${KEEPALIVE_MAX} seconds (IoTDA)`);
		if (!options.host)
			throw new Error("host: must not be empty");
		if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535)
			throw new RangeError("port: must be an integer from 1 to 65535");
		const tls = options.tls ?? DEFAULTS.tls;
		const trust = (options.ca === undefined) || Array.isArray(options.ca) ? options.ca as TrustSet | undefined : [options.ca as ByteBuffer];
		if (tls && !trust?.length)
			throw new Error("ca: a CA certificate (DER) is required for TLS");
		if ((options.secret === undefined) === (options.client === undefined))
			throw new Error("secret: give the device secret or, with TLS, a client certificate (one of the two)");
		if (options.client && !tls)
			throw new Error("client: a client certificate needs TLS");
		checkRetry(options.retryBaseMs ?? DEFAULTS.retryBaseMs, options.retryCapMs ?? DEFAULTS.retryCapMs, options.authRetryMs ?? DEFAULTS.authRetryMs);
		const writeQueueBytes = options.writeQueueBytes ?? DEFAULTS.writeQueueBytes;
		if (!Number.isInteger(writeQueueBytes) || writeQueueBytes < 256)
			throw new RangeError("writeQueueBytes: must be an integer of at least 256");
		checkMaxPacketSize(options.maxPacketSize ?? DEFAULTS.maxPacketSize);
		const copy: Record<string, unknown> = { ...options, ca: tls ? trust : undefined };
		for (const key in copy)
			if ((undefined === copy[key]) || ((DEFAULTS as Record<string, unknown>)[key] === copy[key]))
				delete copy[key];
		if (copy.serverName === copy.host)
			delete copy.serverName;		// its default
		this.options = copy as unknown as SessionOptions;
	}

	get deviceId(): string {
		return this.options.deviceId;
	}

	get onConnected(): (() => void) | undefined {
		return this.options.onConnected;
	}

	set onConnected(callback: (() => void) | undefined) {
		this.options.onConnected = callback;
	}

	get onDisconnected(): ((reason: string, retryMs: number) => void) | undefined {
		return this.options.onDisconnected;
	}

	set onDisconnected(callback: ((reason: string, retryMs: number) => void) | undefined) {
		this.options.onDisconnected = callback;
	}

	get onError(): ((error: Error) => void) | undefined {
		return this.options.onError;
	}

	set onError(callback: ((error: Error) => void) | undefined) {
		this.options.onError = callback;
	}

	// The limits a connection asks for when its link opens (ConnectionEvents).
	get maxPacketSize(): number {
		return this.options.maxPacketSize ?? DEFAULTS.maxPacketSize;
	}

	get writeQueueBytes(): number {
		return this.options.writeQueueBytes ?? DEFAULTS.writeQueueBytes;
	}

	// The options read in more than one place, with their defaults.
	private get keepaliveMs(): number {
		return (this.options.keepalive ?? DEFAULTS.keepalive) * 1000;
	}

	private get connectTimeoutMs(): number {
		return this.options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
	}

	private get timers(): Timers {
		return this.options.timers ?? moddableTimers;
	}

	private get now(): () => number {
		return this.options.now ?? Date.now;
	}

	private get random(): () => number {
		return this.options.random ?? Math.random;
	}

	private get log(): (line: string) => void {
		return this.options.log ?? traceLine;
	}

	// QoS 1 by message id, in publish order; made by the first QoS 1 publish.
	private get inflight(): Map<number, Outgoing> | undefined {
		return this.uplink?.inflight;
	}

	// What the MQTT socket trusts, for another socket to the platform (the OTA download): pass it to
	// secureOptions (src/tls/trust.ts) with that server's name. Undefined without TLS.
	get trust(): TrustSet | undefined {
		return this.options.ca as TrustSet | undefined;
	}

	get state(): SessionState {
		return this.status;
	}

	// QoS 1 messages not yet acknowledged (including those queued while offline).
	get pending(): number {
		return this.inflight?.size ?? 0;
	}

	// QoS 0 messages not sent: offline, or the write queue was full.
	get dropped(): number {
		return this.uplink?.dropped ?? 0;
	}

	// Bytes in the write queue, waiting for the socket.
	get queued(): number {
		return this.connection?.queued ?? 0;
	}

	start(): void {
		if (("idle" === this.status) || ("stopped" === this.status))
			this.attemptNow();
	}

	// Ends the session for good: DISCONNECT if online, no further attempts.
	stop(): void {
		if ("online" === this.status)
			this.connection!.send(encodeDisconnect());
		this.shut();
		this.status = "stopped";
	}

	// Subscribes `filter` (QoS 1) on every connect, now too if online, and hands each PUBLISH whose
	// topic it matches to `receive` (the first matching filter wins), called with `this` the `target`
	// (default the session): a feature's state in an object and a module-level function, instead of a
	// closure, which costs XS about three times the slots. A throw in `receive` is reported.
	subscribe(filter: string, receive: Receiver, target: unknown = this): void {
		checkTopicFilter(filter, "filter");
		const route: Route = { filter, receive, target };
		(this.routes ??= []).push(route);
		if ("online" === this.status)
			this.subscribeRoutes([route]);
	}

	// QoS 1 (default): kept until PUBACK (then onAck runs), sent when online and the write queue has
	// room (now or later, in publish order) and resent with DUP after a reconnect. QoS 0: sent only
	// if online and the write queue has room, else dropped and counted. Returns whether it went out
	// now. Throws (before queuing anything) for a bad topic/payload or when maxInflight are pending.
	// IoTDA's limits are refused, not queued, with a RangeError naming the limit: a payload over
	// 1 MB, and a 51st publish within a second (QoS 0 that went out and QoS 1 count, resends not).
	publish(topic: string, payload: string | Uint8Array, qos: 0 | 1 = 1, onAck?: () => void): boolean {
		checkPayloadSize(payload);
		const now = this.now();
		const uplink = this.uplink ??= new Uplink();
		const since = now - uplink.oldest();
		if ((since >= 0) && (since < 1000))
			throw new RangeError(`publish: IoTDA takes at most ${UPLINK_PER_SECOND} messages a second per connection; the next in ${1000 - since} ms`);
		if (0 === qos) {
			const packet = encodePublish({ topic, payload, qos: 0 });
			if (("online" === this.status) && this.connection!.send(packet))
				return uplink.count(now);
			uplink.dropped++;
			return false;
		}
		const inflight = uplink.inflight ??= new Map();
		const maxInflight = this.options.maxInflight ?? DEFAULTS.maxInflight;
		if (inflight.size >= maxInflight)
			throw new Error(`publish: ${maxInflight} messages already await PUBACK (maxInflight)`);
		uplink.count(now);
		const messageId = this.nextId();
		const message: Outgoing = { packet: encodePublish({ topic, payload, qos: 1, messageId }), sent: false, queued: false, period: 0, onAck };
		inflight.set(messageId, message);
		uplink.waiting++;
		// Behind messages still waiting for room, to keep the publish order.
		return ("online" === this.status) && (1 === uplink.waiting) && this.queue(message);
	}

	// {"services":[{"service_id": serviceId, "properties": properties}]} on .../sys/properties/report
	reportProperties(serviceId: string, properties: Record<string, unknown>, onAck?: () => void): boolean {
		return this.reportServices([{ service_id: serviceId, properties }], onAck);
	}

	// Several services in one report, each with its event_time if given; throws TypeError naming a bad field.
	reportServices(services: readonly ServiceProperties[], onAck?: () => void): boolean {
		return this.publish(propertiesReportTopic(this.deviceId), propertiesReport(services), 1, onAck);
	}

	// Free-form device message on .../sys/messages/up
	sendMessage(payload: string | Uint8Array, onAck?: () => void): boolean {
		return this.publish(messagesUpTopic(this.deviceId), payload, 1, onAck);
	}

	// Hooks a subclass overrides to keep its state in itself rather than in two callbacks of its
	// options, each a slot through the TLS handshake (the Device's session does).
	protected clockTrusted(now: number): boolean {
		return this.options.clockTrusted?.call(this) ?? clockValid(now);
	}

	// Run isolated, as the user callbacks are.
	protected connected(): void {
		this.onConnected?.();
	}

	private attemptNow(): void {
		const now = this.now();
		const secret = this.options.secret;
		const signType = this.clockTrusted(now) ? 1 : 0;
		if (!signType && (secret !== undefined))
			this.log("iotda: clock not known to the hour, signing with sign type 0 (timestamp not checked)");
		try {
			this.log(`iotda: connecting to ${this.options.host}:${this.options.port} as ${this.credentials(now, signType).clientId}`);
		}
		catch (e) {
			return this.refuseConfiguration(e);
		}
		this.signedAt = now;
		this.signType = signType;
		this.status = "connecting";
		this.timer = this.timers.once(this, this.connectTimeoutMs);
		try {
			const trust = this.options.ca as TrustSet | undefined;
			this.connection = new Connection({
				host: this.options.host,
				port: this.options.port,
				secure: trust && secureOptions(trust, this.options.serverName ?? this.options.host, this.options.client),
			}, this);
		}
		catch (e) {
			this.drop(`socket: ${(e as Error).message}`);
		}
	}

	// The credentials of the attempt made at `now`; throws for a deviceId/secret/authType the signer refuses.
	private credentials(now: number, signType: number): { clientId: string; username: string; password?: string } {
		const secret = this.options.secret;
		return (secret === undefined) ? certificateLogin(this.deviceId, now) : (this.options.sign ?? sign)(this.deviceId, secret, now, this.options.authType ?? DEFAULTS.authType, signType);
	}

	// The session is what its connections report to and what its timers call (ConnectionEvents,
	// TimerTarget), with these public methods: an object in between, to reach private ones, would
	// be live through the TLS handshake, the app's memory peak. They are not for apps to call.

	// The link is open: the attempt's CONNECT, with the credentials it logged (the same inputs sign the same).
	linkOpened(): void {
		let connect: Uint8Array;
		try {
			const credentials = this.credentials(this.signedAt, this.signType);
			connect = encodeConnect({
				clientId: credentials.clientId,
				username: credentials.username,
				password: credentials.password,
				keepalive: this.keepaliveMs / 1000,
				cleanSession: true,
			});
		}
		catch (e) {
			// The signer checked the deviceId; with a certificate login only MQTT does.
			return this.refuseConfiguration(e);
		}
		this.connection!.send(connect);
	}

	// Bad deviceId/secret/authType: no retry can fix configuration.
	private refuseConfiguration(error: unknown): void {
		this.shut();
		this.status = "stopped";
		this.report(error);
	}

	// The state's timer fired.
	onTimer(): void {
		if ("connecting" === this.status)
			this.drop(`no CONNACK within ${this.connectTimeoutMs} ms`);
		else if ("waiting" === this.status)
			this.attemptNow();
		else if ("online" === this.status)
			this.tick();
	}

	linkReceived(packet: Packet): void {
		switch (packet.type) {
			case CONNACK:
				if ("connecting" !== this.status)
					return this.drop("protocol error: unexpected CONNACK");
				if (packet.returnCode)
					return this.refused(packet.returnCode);
				if (packet.sessionPresent)
					return this.drop("protocol error: session present after a clean-session CONNECT");
				return this.online();
			case PUBLISH:
				if ((1 === packet.qos) && !this.control(encodePuback(packet.messageId!)))
					return;
				return this.deliver(packet.topic, packet.payload);
			case PUBACK: {
				// Only for a message this connection carried: a stray id must not unqueue a waiting one.
				const message = this.inflight?.get(packet.messageId);
				if (message?.queued) {
					this.inflight!.delete(packet.messageId);
					this.isolate(this, message.onAck);
				}
				return;
			}
			case SUBACK: {
				// That SUBSCRIBE's filters, in its order: the routes it carried.
				const routes = this.routes?.filter(route => route.subscribe === packet.messageId) ?? noRoutes;
				for (const route of routes)
					route.subscribe = 0;
				packet.granted.forEach((granted, i) => (0x80 === granted) && this.report(new Error(`subscribe: broker refused ${routes[i]?.filter}`)));
				if (packet.messageId === this.ready) {
					this.ready = 0;
					this.isolate(this, this.connected);
				}
				return;
			}
			case PINGRESP:
				if (PINGRESP_DUE === this.beat) {
					this.beat = PING_DUE;
					this.timers.schedule(this.timer, this.keepaliveMs);
				}
				return;
		}
	}

	linkDrained(): void {
		this.flushOutbox();
	}

	linkClosed(reason: string): void {
		this.drop(reason);
	}

	private online(): void {
		this.timers.clear(this.timer);
		this.status = "online";
		this.beat = HEALTHY_MARK;
		this.timer = this.timers.repeat(this, Math.min(HEALTHY_MS, this.keepaliveMs));
		this.ready = this.routes ? this.subscribeRoutes(this.routes) : 0;
		if (this.uplink) {
			this.uplink.waiting = this.pending;
			this.uplink.period = 0;
		}
		for (const message of (this.inflight?.values() ?? noMessages)) {
			message.queued = false;
			if (message.sent)
				message.packet[0] |= DUP;
		}
		this.flushOutbox();
		if ("online" !== this.status)
			return;		// a write failed and already scheduled the next attempt
		this.log("iotda: connected");
		if (!this.ready)
			this.isolate(this, this.connected);
	}

	// Every keepalive period a PINGREQ, sent or not: any packet would satisfy the broker, but only an
	// answer shows the link still carries data back, so a session that publishes all the time still
	// notices a stalled link. Half a period later, the PINGRESP deadline. A QoS 1 message that was
	// queued before the previous period began and is still without PUBACK drops the link too: it is
	// resent, with DUP, after the reconnect.
	private tick(): void {
		if (HEALTHY_MARK === this.beat) {
			this.beat = PING_DUE;
			this.attempt = 0;
			if (this.keepaliveMs > HEALTHY_MS)
				return this.timers.schedule(this.timer, this.keepaliveMs - HEALTHY_MS);
		}
		if (PINGRESP_DUE === this.beat)
			return this.drop("no PINGRESP within half the keepalive");
		const uplink = this.uplink;
		const period = uplink ? ++uplink.period : 0;
		for (const message of (uplink?.inflight?.values() ?? noMessages))
			if (message.queued && (message.period < period - 1))
				return this.drop("no PUBACK within the keepalive");
		if (!this.control(encodePingreq()))
			return;
		this.beat = PINGRESP_DUE;
		this.timers.schedule(this.timer, this.keepaliveMs / 2);
	}

	private refused(code: number): void {
		const reason = `CONNACK ${code}: ${refusals[code] ?? "refused"}`;
		this.report(new Error(reason));
		// 2, 4 and 5 mean the platform rejects this device's configuration: retrying soon cannot
		// help and hammering the platform may get the device throttled.
		const hold = (2 === code) || (4 === code) || (5 === code);
		this.wait(reason, hold ? holdDelay(this.options.authRetryMs ?? DEFAULTS.authRetryMs, this.random) : this.nextBackoff());
	}

	private drop(reason: string): void {
		if (("connecting" === this.status) || ("online" === this.status))
			this.wait(reason, this.nextBackoff());
	}

	private nextBackoff(): number {
		const attempt = this.attempt ?? 0;
		this.attempt = attempt + 1;
		return backoffDelay({ baseMs: this.options.retryBaseMs ?? DEFAULTS.retryBaseMs, capMs: this.options.retryCapMs ?? DEFAULTS.retryCapMs }, attempt, this.random);
	}

	private wait(reason: string, retryMs: number): void {
		this.shut();
		this.status = "waiting";
		this.log(`iotda: ${reason}; next attempt in ${retryMs} ms`);
		this.timer = this.timers.once(this, retryMs);
		this.isolate(this, this.onDisconnected, reason, retryMs);
	}

	// Closes the connection and cancels every timer; the queued QoS 1 messages stay.
	private shut(): void {
		this.timers.clear(this.timer);
		this.timer = undefined;
		this.connection?.close();
		this.connection = undefined;
		this.beat = HEALTHY_MARK;	// for the next link; a PINGRESP before its CONNACK must find none due
		for (const route of this.routes ?? noRoutes)
			route.subscribe = 0;
		this.ready = 0;
	}

	// A packet the protocol needs (PUBACK, PINGREQ, SUBSCRIBE). A full write queue means the broker
	// stopped reading while it keeps sending: drop the link rather than buffer without bound.
	private control(packet: Uint8Array): boolean {
		if (this.connection!.send(packet))
			return true;
		this.drop("write queue full: the broker stopped reading");
		return false;
	}

	// The SUBSCRIBE's message id, 0 when it could not be written.
	private subscribeRoutes(routes: readonly Route[]): number {
		const messageId = this.nextId();
		if (!this.control(encodeSubscribe(messageId, routes.map(route => ({ topic: route.filter, qos: 1 })))))
			return 0;
		for (const route of routes)
			route.subscribe = messageId;
		return messageId;
	}

	private queue(message: Outgoing): boolean {
		if (!this.connection!.send(message.packet))
			return false;
		message.sent = message.queued = true;
		message.period = this.uplink!.period;
		this.uplink!.waiting--;
		return true;
	}

	// Hands waiting QoS 1 messages to the connection, in order, while the write queue takes them.
	private flushOutbox(): void {
		if (!this.uplink?.waiting || ("online" !== this.status))
			return;
		for (const message of this.inflight!.values())
			if (!message.queued && !this.queue(message))
				return;
	}

	// Message ids 1-65535, skipping ids still awaiting PUBACK.
	private nextId(): number {
		do
			this.lastId = ((this.lastId ?? 0) % 65535) + 1;
		while (this.inflight?.has(this.lastId));
		return this.lastId;
	}

	private deliver(topic: string, payload: Uint8Array): void {
		const route = this.routes?.find(route => topicMatches(route.filter, topic));
		if (route)
			this.isolate(route.target, route.receive, topic, payload, this);
		else
			this.log(`iotda: ignored message on ${JSON.stringify(topic)}`);
	}

	// Runs a user or feature callback with `this` the target; what it throws is reported, never
	// passed up into the parser, the timer or the socket callback that called us.
	private isolate<A extends unknown[]>(target: unknown, callback: ((...args: A) => void) | undefined, ...args: A): void {
		try {
			callback?.apply(target, args);
		}
		catch (e) {
			this.report(e);
		}
	}

	private report(error: unknown): void {
		const e = error instanceof Error ? error : new Error(String(error));
		try {
			if (this.onError)
				return this.onError(e);
		}
		catch (thrown) {
			this.log(`iotda: onError threw: ${(thrown as Error)?.message ?? thrown}`);
		}
		this.log(`iotda: ${e.message}`);
	}
}

// Without encoding the string when its length settles it: a string index is 1 to 4 bytes of UTF-8
// (on the device a character above U+FFFF is one index, in Node two).
function checkPayloadSize(payload: string | Uint8Array): void {
	const size = (typeof payload !== "string") ? payload.byteLength
		: ((payload.length > PAYLOAD_MAX) || ((payload.length * 4) <= PAYLOAD_MAX)) ? payload.length : encodeUtf8(payload, "payload", true).length;
	if (size > PAYLOAD_MAX)
		throw new RangeError(`payload: IoTDA takes at most ${PAYLOAD_MAX} bytes (1 MB) per message`);
}
