// What encoding a string payload costs the XS engine, for test/xs/encode-cost.test.ts and bench/xs.ts
// (XS only): per character and payload size, the compute units, string bytes scanned (XsHost.scanned), slots
// and chunk bytes one encodePublish
// of a QoS 0 PUBLISH with that payload takes. The payloads are made before the meter starts.
import { encodePublish } from "../../../src/mqtt/encode";
import { encodeUtf8 } from "../../../src/mqtt/utf8";
import type { XsHost } from "../scenario";

export interface Input {
	/** Each payload repeats one of these characters to the size (rounded down to whole characters). */
	characters: string[];
	kib: number[];
}

export function run(input: Input, xs: XsHost | undefined) {
	if (!xs) throw new Error("encode-cost: XS only");
	return input.characters.map(character => input.kib.map(kib => {
		const size = encodeUtf8(character, "character", true).length;
		const bytes = Math.floor(kib * 1024 / size) * size;
		const payload = character.repeat(bytes / size);
		xs.collect();
		const compute = xs.compute(), scanned = xs.scanned(), slots = xs.slots(), chunks = xs.chunks();
		const packet = encodePublish({ topic: "t", payload, qos: 0 });
		const cost = { bytes, compute: xs.compute() - compute, scanned: xs.scanned() - scanned, slots: xs.slots() - slots, chunks: xs.chunks() - chunks };
		if (xs.collected()) throw new Error("encode-cost: the collector ran inside the measured window; give the XS host a larger heap");
		// 3 bytes of remaining length below 2 MiB, the topic's prefix and byte
		if (packet.length !== 1 + 3 + 3 + bytes) throw new Error(`encode-cost: a ${packet.length}-byte packet for ${bytes} bytes of payload`);
		return cost;
	}));
}

export type Output = ReturnType<typeof run>;
