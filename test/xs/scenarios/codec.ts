// The MQTT codec (src/mqtt) on whichever engine runs this: encodes what the test generated and parses
// the byte streams it made, reporting bytes, packets and errors as JSON for the test to check against
// mqtt-packet. Binary payloads travel as { hex }.
import { encodeConnect, encodeDisconnect, encodePingreq, encodePuback, encodePublish, encodeSubscribe, encodeUnsubscribe, type ConnectOptions, type PublishOptions } from "../../../src/mqtt/encode";
import { MqttError, type Packet } from "../../../src/mqtt/packets";
import { Parser } from "../../../src/mqtt/parser";
import { errorText, fromHex, hex } from "../scenario";

export type Payload = string | { hex: string };
export type ConnectInput = Omit<ConnectOptions, "will"> & { will?: Omit<NonNullable<ConnectOptions["will"]>, "payload"> & { payload: Payload } };
export type PublishInput = Omit<PublishOptions, "payload"> & { payload: Payload };
export type PacketJson = Exclude<Packet, { type: 3 }> | (Omit<Extract<Packet, { type: 3 }>, "payload"> & { payload: string });

export interface ParseInput { maxPacketSize: number; chunks: string[] }
export interface ParseOutcome {
	packets: PacketJson[];
	error?: string;			// the MqttError's message, or "escaped ..." for anything else thrown
	staysFailed?: boolean;	// after an error, the next push throws that same error
	recovers?: boolean;		// and after reset() a PINGRESP parses
}

export interface Input {
	connects: ConnectInput[];
	publishes: PublishInput[];
	subscribes: { messageId: number; subscriptions: { topic: string; qos: 0 | 1 }[] }[];
	unsubscribes: { messageId: number; topics: string[] }[];
	pubacks: number[];
	streams: ParseInput[];	// valid server streams
	fuzz: ParseInput[];
}

const payload = (p: Payload) => typeof p === "string" ? p : fromHex(p.hex);

// The encoder's bytes as hex, or its error.
function encoded(encode: () => Uint8Array): string {
	try {
		return hex(encode());
	}
	catch (e) {
		return errorText(e);
	}
}

const json = (p: Packet): PacketJson => p.type === 3 ? { ...p, payload: hex(p.payload) } : p;
const PINGRESP = Uint8Array.of(0xD0, 0);

// Each chunk is scribbled over once pushed, so a packet that kept a view into it instead of its own
// copy shows up as a mismatch.
export function parse({ maxPacketSize, chunks }: ParseInput): ParseOutcome {
	const packets: PacketJson[] = [];
	const parser = new Parser(maxPacketSize, p => packets.push(json(p)));
	for (const text of chunks) {
		const chunk = fromHex(text);
		try {
			parser.push(chunk);
			chunk.fill(0xEE);
		}
		catch (e) {
			if (!(e instanceof MqttError))
				return { packets, error: `escaped ${errorText(e)}` };
			const accepted = packets.slice();
			let staysFailed = false;
			try {
				parser.push(PINGRESP);
			}
			catch (again) {
				staysFailed = again === e;
			}
			parser.reset();
			parser.push(PINGRESP);
			return { packets: accepted, error: e.message, staysFailed, recovers: packets.length === accepted.length + 1 && packets.at(-1)!.type === 13 };
		}
	}
	return { packets };
}

export function run(input: Input) {
	return {
		connects: input.connects.map(o => encoded(() => encodeConnect({ ...o, will: o.will && { ...o.will, payload: payload(o.will.payload) } }))),
		publishes: input.publishes.map(o => encoded(() => encodePublish({ ...o, payload: payload(o.payload) }))),
		subscribes: input.subscribes.map(o => encoded(() => encodeSubscribe(o.messageId, o.subscriptions))),
		unsubscribes: input.unsubscribes.map(o => encoded(() => encodeUnsubscribe(o.messageId, o.topics))),
		pubacks: input.pubacks.map(id => encoded(() => encodePuback(id))),
		pingreq: encoded(encodePingreq),
		disconnect: encoded(encodeDisconnect),
		streams: input.streams.map(parse),
		fuzz: input.fuzz.map(parse),
	};
}

export type Output = ReturnType<typeof run>;
