// Encoders for the packets a client sends. Each one validates every field and encodes every string
// first, then allocates the exact packet once and writes it: a bad field throws MqttError before the
// packet exists. Each string's UTF-8 is one allocation of its size (utf8.ts), copied into the packet.

import { CONNECT, PUBLISH, PUBACK, SUBSCRIBE, UNSUBSCRIBE, PINGREQ, DISCONNECT, MAX_REMAINING_LENGTH, MAX_STRING_BYTES, MqttError } from "./packets";
import { checkTopicFilter, checkTopicName } from "./topic";
import { encodeUtf8 } from "./utf8";

export interface ConnectOptions {
	clientId: string;
	username?: string;
	password?: string;
	keepalive: number;
	cleanSession?: boolean;
	will?: { topic: string; payload: Uint8Array | string; qos: 0 | 1; retain?: boolean };
}

export interface PublishOptions {
	topic: string;
	payload: Uint8Array | string;
	qos: 0 | 1;
	retain?: boolean;
	dup?: boolean;
	messageId?: number;
}

// Protocol Name "MQTT" and Protocol Level 4 (= 3.1.1), the fixed start of every CONNECT body (3.1.2.1-2).
const PROTOCOL = Object.freeze([0, 4, 0x4D, 0x51, 0x54, 0x54, 4]);

export function encodeConnect(o: ConnectOptions): Uint8Array {
	const clean = flag(o.cleanSession, "cleanSession", true);
	const clientId = stringBytes(o.clientId, "clientId", false);
	// an empty clientId asks the server to assign one, which is only allowed for a clean session (MQTT-3.1.3-7)
	if (clientId.length === 0 && !clean) throw new MqttError("clientId: must not be empty unless cleanSession is true");
	checkInteger(o.keepalive, "keepalive", 0, 65535);
	let flags = clean ? 0x02 : 0;
	let remaining = PROTOCOL.length + 1 + 2 + 2 + clientId.length;	// + flags byte, keepalive, clientId prefix

	const will = o.will;
	let willTopic: Uint8Array | undefined, willPayload: Uint8Array | undefined;
	if (will) {
		willTopic = stringBytes(will.topic, "will.topic", false);
		checkTopicName(will.topic, "will.topic");
		// unlike a PUBLISH payload, the will message carries a 16-bit length prefix (3.1.3.3)
		willPayload = payloadBytes(will.payload, "will.payload");
		if (willPayload.length > MAX_STRING_BYTES) throw new MqttError(`will.payload: at most ${MAX_STRING_BYTES} bytes`);
		flags |= 0x04 | (qos(will.qos, "will.qos") << 3) | (flag(will.retain, "will.retain", false) ? 0x20 : 0);
		remaining += 4 + willTopic.length + willPayload.length;
	}
	let username: Uint8Array | undefined, password: Uint8Array | undefined;
	if (o.username !== undefined) {
		username = stringBytes(o.username, "username", false);
		flags |= 0x80;
		remaining += 2 + username.length;
	}
	if (o.password !== undefined) {
		if (o.username === undefined) throw new MqttError("password: requires a username");	// MQTT-3.1.2-22
		// the password is Binary Data (3.1.3.5), so U+0000 is allowed in it
		password = stringBytes(o.password, "password", true);
		flags |= 0x40;
		remaining += 2 + password.length;
	}

	const out = frame(CONNECT << 4, remaining, "CONNECT");
	let at = out.length - remaining;
	out.set(PROTOCOL, at);
	at += PROTOCOL.length;
	out[at++] = flags;
	at = writeU16(out, at, o.keepalive);
	at = writeString(out, at, clientId);
	if (willTopic && willPayload) {
		at = writeString(out, at, willTopic);
		at = writeString(out, at, willPayload);
	}
	if (username) at = writeString(out, at, username);
	if (password) writeString(out, at, password);
	return out;
}

export function encodePublish(o: PublishOptions): Uint8Array {
	const q = qos(o.qos, "qos");
	const topic = stringBytes(o.topic, "topic", false);
	checkTopicName(o.topic, "topic");
	const retain = flag(o.retain, "retain", false), dup = flag(o.dup, "dup", false);
	if (q === 0) {
		// QoS 0 has no packet identifier and is never redelivered (MQTT-2.3.1-5, MQTT-3.3.1-2)
		if (o.messageId !== undefined) throw new MqttError("messageId: must be absent for QoS 0");
		if (dup) throw new MqttError("dup: must be false for QoS 0");
	}
	else checkInteger(o.messageId, "messageId", 1, 65535);
	const payload = payloadBytes(o.payload, "payload");
	const remaining = 2 + topic.length + (q ? 2 : 0) + payload.length;

	const out = frame((PUBLISH << 4) | (dup ? 0x08 : 0) | (q << 1) | (retain ? 0x01 : 0), remaining, "payload");
	let at = writeString(out, out.length - remaining, topic);
	if (q) at = writeU16(out, at, o.messageId!);
	out.set(payload, at);
	return out;
}

export function encodePuback(messageId: number): Uint8Array {
	checkInteger(messageId, "messageId", 1, 65535);
	return Uint8Array.of(PUBACK << 4, 2, messageId >> 8, messageId & 0xFF);
}

export function encodeSubscribe(messageId: number, subscriptions: { topic: string; qos: 0 | 1 }[]): Uint8Array {
	checkInteger(messageId, "messageId", 1, 65535);
	// a SUBSCRIBE without filters is a protocol violation (MQTT-3.8.3-3)
	if (!Array.isArray(subscriptions) || subscriptions.length === 0) throw new MqttError("subscriptions: must be a non-empty array");
	const filters: Uint8Array[] = [];
	let remaining = 2;
	for (let i = 0; i < subscriptions.length; i++) {
		const s = subscriptions[i];
		filters.push(filterBytes(s.topic, `subscriptions[${i}].topic`));
		qos(s.qos, `subscriptions[${i}].qos`);
		remaining += 2 + filters[i].length + 1;
	}

	// the fixed header flags of SUBSCRIBE are reserved as 0010 (MQTT-3.8.1-1)
	const out = frame((SUBSCRIBE << 4) | 0x02, remaining, "subscriptions");
	let at = writeU16(out, out.length - remaining, messageId);
	for (let i = 0; i < subscriptions.length; i++) {
		at = writeString(out, at, filters[i]);
		out[at++] = subscriptions[i].qos;
	}
	return out;
}

export function encodeUnsubscribe(messageId: number, topics: string[]): Uint8Array {
	checkInteger(messageId, "messageId", 1, 65535);
	if (!Array.isArray(topics) || topics.length === 0) throw new MqttError("topics: must be a non-empty array");	// MQTT-3.10.3-2
	const filters: Uint8Array[] = [];
	let remaining = 2;
	for (let i = 0; i < topics.length; i++) {
		filters.push(filterBytes(topics[i], `topics[${i}]`));
		remaining += 2 + filters[i].length;
	}

	// the fixed header flags of UNSUBSCRIBE are reserved as 0010 (MQTT-3.10.1-1)
	const out = frame((UNSUBSCRIBE << 4) | 0x02, remaining, "topics");
	let at = writeU16(out, out.length - remaining, messageId);
	for (let i = 0; i < topics.length; i++) at = writeString(out, at, filters[i]);
	return out;
}

// Fresh arrays rather than shared constants: a transport may take ownership of what it writes.
export function encodePingreq(): Uint8Array {
	return Uint8Array.of(PINGREQ << 4, 0);
}

export function encodeDisconnect(): Uint8Array {
	return Uint8Array.of(DISCONNECT << 4, 0);
}

// Allocates the complete packet and writes its fixed header; the body starts at out.length - remaining.
function frame(first: number, remaining: number, field: string): Uint8Array {
	if (remaining > MAX_REMAINING_LENGTH) throw new MqttError(`${field}: packet too large (remaining length at most ${MAX_REMAINING_LENGTH} bytes)`);
	const lengthBytes = remaining < 0x80 ? 1 : remaining < 0x4000 ? 2 : remaining < 0x20_0000 ? 3 : 4;
	const out = new Uint8Array(1 + lengthBytes + remaining);
	out[0] = first;
	// Remaining Length: 7 bits per byte, least significant group first, high bit set while more follow (2.2.3)
	for (let i = 1, n = remaining; i <= lengthBytes; i++, n >>>= 7) out[i] = (n & 0x7F) | (i < lengthBytes ? 0x80 : 0);
	return out;
}

// UTF-8 of an MQTT string (or of the password), enforcing the 16-bit length prefix.
function stringBytes(text: string, field: string, nulAllowed: boolean): Uint8Array {
	if (typeof text !== "string") throw new MqttError(`${field}: must be a string`);
	// every character is at least one byte, so a longer string cannot fit and is not encoded (counting
	// its characters is one pass on XS, with no allocation)
	const bytes = text.length > MAX_STRING_BYTES ? undefined : encodeUtf8(text, field, nulAllowed);
	if (!bytes || bytes.length > MAX_STRING_BYTES) throw new MqttError(`${field}: at most ${MAX_STRING_BYTES} bytes`);
	return bytes;
}

function filterBytes(filter: string, field: string): Uint8Array {
	const bytes = stringBytes(filter, field, false);
	checkTopicFilter(filter, field);
	return bytes;
}

// Payloads are opaque bytes; a string payload is sent as UTF-8 and may contain U+0000.
function payloadBytes(payload: Uint8Array | string, field: string): Uint8Array {
	if (typeof payload === "string") return encodeUtf8(payload, field, true);
	if (payload instanceof Uint8Array) return payload;
	throw new MqttError(`${field}: must be a Uint8Array or a string`);
}

function qos(value: number, field: string): 0 | 1 {
	if (value === 0 || value === 1) return value;
	throw new MqttError(`${field}: must be 0 or 1 (QoS 2 is not supported)`);
}

function flag(value: boolean | undefined, field: string, absent: boolean): boolean {
	if (value === undefined) return absent;
	if (typeof value !== "boolean") throw new MqttError(`${field}: must be a boolean`);
	return value;
}

function checkInteger(value: number | undefined, field: string, min: number, max: number): void {
	if (!Number.isInteger(value) || value! < min || value! > max) throw new MqttError(`${field}: must be an integer ${min}..${max}`);
}

function writeU16(out: Uint8Array, at: number, value: number): number {
	out[at] = value >> 8;
	out[at + 1] = value & 0xFF;
	return at + 2;
}

// A string or the will payload: a 16-bit length, then the bytes.
function writeString(out: Uint8Array, at: number, bytes: Uint8Array): number {
	at = writeU16(out, at, bytes.length);
	out.set(bytes, at);
	return at + bytes.length;
}
