// The core's streaming SHA-256 through native("xs_iotda_sha256_*") on whichever engine runs this:
// native/xs_iotda.c on XS (a collection before every allocation), the host board's on Node. Each
// piece is made behind garbage dropped just before the update, so a binding that kept a buffer
// pointer across an allocation would hash moved memory.
import { errorText } from "../scenario";

export interface Input {
	// Each message is hashed in pieces of these sizes (the last one repeated), as typed arrays at an
	// offset, ArrayBuffers or DataViews in turn.
	messages: { length: number; pieces: number[] }[];
}

export interface Output {
	digests: string[];
	errors: string[];
}

const start = native("xs_iotda_sha256_start");
const update = native("xs_iotda_sha256_update");
const digest = native("xs_iotda_sha256_digest");

let garbage: Uint8Array | undefined;

// The message's byte at `i`: the test computes the same bytes.
const byteAt = (i: number) => (i * 31 + 7) & 255;

function piece(from: number, length: number, kind: number): ArrayBuffer | ArrayBufferView {
	garbage = new Uint8Array(700);
	const buffer = new ArrayBuffer(length + 3);
	const bytes = new Uint8Array(buffer, 3, length);
	for (let i = 0; i < length; i++)
		bytes[i] = byteAt(from + i);
	garbage = undefined;
	if (0 === kind)
		return bytes;
	if (1 === kind)
		return buffer.slice(3);
	return new DataView(buffer, 3, length);
}

function attempt(f: () => unknown): string {
	try {
		return `returned ${String(f())}`;
	}
	catch (e) {
		return errorText(e);
	}
}

export function run(input: Input): Output {
	const digests = input.messages.map(({ length, pieces }) => {
		start();
		let kind = 0;
		for (let at = 0, n = 0; at < length; n++) {
			const size = Math.min(pieces[Math.min(n, pieces.length - 1)], length - at);
			update(piece(at, size, kind++ % 3));
			at += size;
		}
		return digest() as string;
	});
	const errors = [
		attempt(() => digest()),						// over: the last digest ended it
		attempt(() => update(new Uint8Array(1))),		// so is an update
		attempt(() => { start(); return update("text"); }),
		attempt(() => update()),
	];
	return { digests, errors };
}
