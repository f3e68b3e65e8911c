// Encoders for the packets a client sends. Each one validates every field and measures every string
// first, then allocates the exact packet once and writes it: a bad field throws MqttError before
// anything exists, and no intermediate buffers are made (strings go straight into the packet).

import { CONNECT, PUBLISH, PUBACK, SUBSCRIBE, UNSUBSCRIBE, PINGREQ, DISCONNECT, MAX_REMAINING_LENGTH, MAX_STRING_BYTES, MqttError } from "./packets";
import { checkTopicFilter, checkTopicName } from "./topic";
import { utf8Length, writeUtf8 } from "./utf8";

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
	const clientIdLength = stringLength(o.clientId, "clientId", false);
	// an empty clientId asks the server to assign one, which is only allowed for a clean session (MQTT-3.1.3-7)
	if (clientIdLength === 0 && !clean) throw new MqttError("clientId: must not be empty unless cleanSession is true");
	checkInteger(o.keepalive, "keepalive", 0, 65535);
	let flags = clean ? 0x02 : 0;
	let remaining = PROTOCOL.length + 1 + 2 + 2 + clientIdLength;	// + flags byte, keepalive, clientId prefix

	const will = o.will;
	let willTopicLength = 0, willPayloadLength = 0;
	if (will) {
		willTopicLength = stringLength(will.topic, "will.topic", false);
		checkTopicName(will.topic, "will.topic");
		// unlike a PUBLISH payload, the will message carries a 16-bit length prefix (3.1.3.3)
		willPayloadLength = payloadLength(will.payload, "will.payload");
		if (willPayloadLength > MAX_STRING_BYTES) throw new MqttError(`will.payload: at most ${MAX_STRING_BYTES} bytes`);
		flags |= 0x04 | (qos(will.qos, "will.qos") << 3) | (flag(will.retain, "will.retain", false) ? 0x20 : 0);
		remaining += 4 + willTopicLength + willPayloadLength;
	}
	let usernameLength = 0, passwordLength = 0;
	if (o.username !== undefined) {
		usernameLength = stringLength(o.username, "username", false);
		flags |= 0x80;
		remaining += 2 + usernameLength;
	}
	if (o.password !== undefined) {
		if (o.username === undefined) throw new MqttError("password: requires a username");	// MQTT-3.1.2-22
		// the password is Binary Data (3.1.3.5), so U+0000 is allowed in it
		passwordLength = stringLength(o.password, "password", true);
		flags |= 0x40;
		remaining += 2 + passwordLength;
	}

	const out = frame(CONNECT << 4, remaining, "CONNECT");
	let at = out.length - remaining;
	out.set(PROTOCOL, at);
	at += PROTOCOL.length;
	out[at++] = flags;
	at = writeU16(out, at, o.keepalive);
	at = writeString(out, at, o.clientId, clientIdLength);
	if (will) {
		at = writeString(out, at, will.topic, willTopicLength);
		at = writeU16(out, at, willPayloadLength);
		at = writePayload(out, at, will.payload);
	}
	if (o.username !== undefined) at = writeString(out, at, o.username, usernameLength);
	if (o.password !== undefined) writeString(out, at, o.password, passwordLength);
	return out;
}

export function encodePublish(o: PublishOptions): Uint8Array {
	const q = qos(o.qos, "qos");
	const topicLength = stringLength(o.topic, "topic", false);
	checkTopicName(o.topic, "topic");
	const retain = flag(o.retain, "retain", false), dup = flag(o.dup, "dup", false);
	if (q === 0) {
		// QoS 0 has no packet identifier and is never redelivered (MQTT-2.3.1-5, MQTT-3.3.1-2)
		if (o.messageId !== undefined) throw new MqttError("messageId: must be absent for QoS 0");
		if (dup) throw new MqttError("dup: must be false for QoS 0");
	}
	else checkInteger(o.messageId, "messageId", 1, 65535);
	const remaining = 2 + topicLength + (q ? 2 : 0) + payloadLength(o.payload, "payload");

	const out = frame((PUBLISH << 4) | (dup ? 0x08 : 0) | (q << 1) | (retain ? 0x01 : 0), remaining, "payload");
	let at = writeString(out, out.length - remaining, o.topic, topicLength);
	if (q) at = writeU16(out, at, o.messageId!);
	writePayload(out, at, o.payload);
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
	const lengths: number[] = [];
	let remaining = 2;
	for (let i = 0; i < subscriptions.length; i++) {
		const s = subscriptions[i];
		lengths.push(filterLength(s.topic, `subscriptions[${i}].topic`));
		qos(s.qos, `subscriptions[${i}].qos`);
		remaining += 2 + lengths[i] + 1;
	}

	// the fixed header flags of SUBSCRIBE are reserved as 0010 (MQTT-3.8.1-1)
	const out = frame((SUBSCRIBE << 4) | 0x02, remaining, "subscriptions");
	let at = writeU16(out, out.length - remaining, messageId);
	for (let i = 0; i < subscriptions.length; i++) {
		at = writeString(out, at, subscriptions[i].topic, lengths[i]);
		out[at++] = subscriptions[i].qos;
	}
	return out;
}

export function encodeUnsubscribe(messageId: number, topics: string[]): Uint8Array {
	checkInteger(messageId, "messageId", 1, 65535);
	if (!Array.isArray(topics) || topics.length === 0) throw new MqttError("topics: must be a non-empty array");	// MQTT-3.10.3-2
	const lengths: number[] = [];
	let remaining = 2;
	for (let i = 0; i < topics.length; i++) {
		lengths.push(filterLength(topics[i], `topics[${i}]`));
		remaining += 2 + lengths[i];
	}

	// the fixed header flags of UNSUBSCRIBE are reserved as 0010 (MQTT-3.10.1-1)
	const out = frame((UNSUBSCRIBE << 4) | 0x02, remaining, "topics");
	let at = writeU16(out, out.length - remaining, messageId);
	for (let i = 0; i < topics.length; i++) at = writeString(out, at, topics[i], lengths[i]);
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

// UTF-8 length of an MQTT string (or of the password), enforcing the 16-bit length prefix.
function stringLength(text: string, field: string, nulAllowed: boolean): number {
	if (typeof text !== "string") throw new MqttError(`${field}: must be a string`);
	// every UTF-16 unit becomes at least one byte, so a longer string cannot fit and is not scanned
	const length = text.length > MAX_STRING_BYTES ? Infinity : utf8Length(text, field, nulAllowed);
	if (length > MAX_STRING_BYTES) throw new MqttError(`${field}: at most ${MAX_STRING_BYTES} bytes`);
	return length;
}

function filterLength(filter: string, field: string): number {
	const length = stringLength(filter, field, false);
	checkTopicFilter(filter, field);
	return length;
}

// Payloads are opaque bytes; a string payload is sent as UTF-8 and may contain U+0000.
function payloadLength(payload: Uint8Array | string, field: string): number {
	if (typeof payload === "string") return utf8Length(payload, field, true);
	if (payload instanceof Uint8Array) return payload.length;
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

function writeString(out: Uint8Array, at: number, text: string, length: number): number {
	return writeUtf8(text, out, writeU16(out, at, length));
}

function writePayload(out: Uint8Array, at: number, payload: Uint8Array | string): number {
	if (typeof payload === "string") return writeUtf8(payload, out, at);
	out.set(payload, at);
	return at + payload.length;
}
