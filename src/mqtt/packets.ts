// MQTT 3.1.1 packet type numbers (the high nibble of the first header byte), the shapes the parser
// delivers for the packets a server may send, and the one error type of the codec.

export const CONNECT = 1, CONNACK = 2, PUBLISH = 3, PUBACK = 4, SUBSCRIBE = 8, SUBACK = 9,
	UNSUBSCRIBE = 10, UNSUBACK = 11, PINGREQ = 12, PINGRESP = 13, DISCONNECT = 14;

// Names for error messages, indexed by packet type; 0 and 15 are reserved by the spec (2.2.1).
export const PACKET_NAMES = Object.freeze(["type 0", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL",
	"PUBCOMP", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "type 15"]);

// Remaining Length is a varint of at most 4 bytes of 7 bits (2.2.3).
export const MAX_REMAINING_LENGTH = 268_435_455;
// Strings and binary fields carry a 16-bit length prefix (1.5.3).
export const MAX_STRING_BYTES = 65_535;

export interface Connack { type: 2; sessionPresent: boolean; returnCode: number }
export interface Publish { type: 3; topic: string; payload: Uint8Array; qos: 0 | 1; retain: boolean; dup: boolean; messageId?: number }
export interface Puback { type: 4; messageId: number }
export interface Suback { type: 9; messageId: number; granted: number[] }   // 0x80 = failure
export interface Unsuback { type: 11; messageId: number }
export interface Pingresp { type: 13 }
export type Packet = Connack | Publish | Puback | Suback | Unsuback | Pingresp;

// Every codec error. Messages are "field: rule" and never quote input values, so a password (or any
// other secret a caller passes) cannot leak into a log through them.
export class MqttError extends Error {
	override name = "MqttError";
}
