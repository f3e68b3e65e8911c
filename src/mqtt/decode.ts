// Validation and decoding of the packets a server sends to a client, one function per stage of a
// packet: its first byte, its Remaining Length, and its complete body. The parser calls each stage as
// soon as the bytes for it have arrived, so a bad packet is refused before its body is buffered.

import { CONNACK, PUBLISH, PUBACK, SUBACK, UNSUBACK, PINGRESP, PACKET_NAMES, MqttError, type Packet, type Publish } from "./packets";
import { checkTopicName } from "./topic";
import { decodeUtf8 } from "./utf8";

// Packet type and fixed-header flags (2.2.1, 2.2.2).
export function checkFirstByte(first: number): void {
	const type = first >> 4, flags = first & 0x0F, name = PACKET_NAMES[type];
	switch (type) {
		case PUBLISH: {
			const qos = (flags >> 1) & 3;
			if (qos === 3) throw new MqttError("PUBLISH.qos: 3 is invalid");	// MQTT-3.3.1-4
			if (qos === 2) throw new MqttError("PUBLISH.qos: QoS 2 is not supported");
			if (qos === 0 && flags & 0x08) throw new MqttError("PUBLISH.dup: must be 0 for QoS 0");	// MQTT-3.3.1-2
			return;
		}
		case CONNACK: case PUBACK: case SUBACK: case UNSUBACK: case PINGRESP:
			if (flags) throw new MqttError(`${name}: reserved header flags must be 0`);	// MQTT-2.2.2-2
			return;
		case 0: case 15:
			throw new MqttError(`header: packet ${name} is reserved`);
		case 5: case 6: case 7:
			// PUBREC/PUBREL/PUBCOMP only follow a QoS 2 PUBLISH, which we neither send nor accept
			throw new MqttError(`${name}: QoS 2 is not supported`);
		default:
			throw new MqttError(`${name}: a server does not send this packet type`);
	}
}

// Remaining Length against the packet type's fixed or minimum size.
export function checkRemainingLength(first: number, length: number): void {
	const type = first >> 4, name = PACKET_NAMES[type];
	if (type === PINGRESP) {
		if (length !== 0) throw new MqttError(`${name}: remaining length must be 0`);
	}
	else if (type === PUBLISH || type === SUBACK) {
		// PUBLISH: topic length prefix + at least one topic byte + the QoS 1 packet identifier;
		// SUBACK: packet identifier + at least one return code
		const min = type === SUBACK ? 3 : first & 0x06 ? 5 : 3;
		if (length < min) throw new MqttError(`${name}: remaining length at least ${min}`);
	}
	else if (length !== 2) throw new MqttError(`${name}: remaining length must be 2`);	// CONNACK, PUBACK, UNSUBACK
}

// The packet from its (checked) first byte and complete body; `body` becomes owned by the packet.
export function decodePacket(first: number, body: Uint8Array): Packet {
	switch (first >> 4) {
		case CONNACK: {
			const flags = body[0], returnCode = body[1];
			if (flags & 0xFE) throw new MqttError("CONNACK.flags: reserved bits must be 0");	// MQTT-2.2.2-2
			if (returnCode > 5) throw new MqttError("CONNACK.returnCode: must be 0..5");	// 3.2.2.3
			// a refused connection has no session (MQTT-3.2.2-4)
			if (returnCode !== 0 && flags) throw new MqttError("CONNACK.sessionPresent: must be 0 when returnCode is not 0");
			return { type: CONNACK, sessionPresent: flags === 1, returnCode };
		}
		case PUBLISH:
			return decodePublish(first, body);
		case PUBACK:
			return { type: PUBACK, messageId: messageId(body, 0, "PUBACK") };
		case SUBACK: {
			const granted: number[] = [];
			for (let i = 2; i < body.length; i++) {
				const code = body[i];
				if (code > 2 && code !== 0x80) throw new MqttError("SUBACK.granted: each must be 0, 1, 2 or 0x80");	// 3.9.3
				granted.push(code);
			}
			return { type: SUBACK, messageId: messageId(body, 0, "SUBACK"), granted };
		}
		case UNSUBACK:
			return { type: UNSUBACK, messageId: messageId(body, 0, "UNSUBACK") };
		default:	// PINGRESP; checkFirstByte let no other type through
			return { type: PINGRESP };
	}
}

function decodePublish(first: number, body: Uint8Array): Publish {
	const qos = first & 0x02 ? 1 : 0;	// QoS 2 and 3 were refused by checkFirstByte
	const topicEnd = 2 + ((body[0] << 8) | body[1]);
	if (topicEnd + qos * 2 > body.length) throw new MqttError("PUBLISH.topic: length exceeds the packet");
	const topic = decodeUtf8(body.subarray(2, topicEnd), "PUBLISH.topic", false);
	checkTopicName(topic, "PUBLISH.topic");
	const retain = (first & 0x01) !== 0, dup = (first & 0x08) !== 0;
	// the payload is a view into the body: no copy, and the body is not reused by the parser
	if (qos === 0) return { type: PUBLISH, topic, payload: body.subarray(topicEnd), qos, retain, dup };
	return { type: PUBLISH, topic, payload: body.subarray(topicEnd + 2), qos, retain, dup, messageId: messageId(body, topicEnd, "PUBLISH") };
}

// Packet identifiers are never 0 (MQTT-2.3.1-1).
function messageId(body: Uint8Array, at: number, name: string): number {
	const id = (body[at] << 8) | body[at + 1];
	if (id === 0) throw new MqttError(`${name}.messageId: must be 1..65535`);
	return id;
}
