// What a scenario module sees. A scenario is code the XS suites run unchanged on XS (test/xs/host.c)
// and on Node: it exports `run(input, xs)`, which takes its input as JSON and returns JSON, and each
// engine's result is held to the same expectations. The helpers here run on both engines.

/** The XS host's test probes (host.c's xsHost); undefined on Node. */
export interface XsHost {
	compute(): number;
	scanned(): number;
	slots(): number;
	chunks(): number;
	collect(): void;
	collected(): boolean;
	signInput(): [string, string];
	residue(f: (...args: any[]) => unknown, args: unknown[], needles: string[]): number[];
}

const DIGITS = "0123456789abcdef";

export function hex(bytes: Uint8Array): string {
	let text = "";
	for (let i = 0; i < bytes.length; i++)
		text += DIGITS[bytes[i] >> 4] + DIGITS[bytes[i] & 15];
	return text;
}

export function fromHex(text: string): Uint8Array {
	const bytes = new Uint8Array(text.length >> 1);
	for (let i = 0; i < bytes.length; i++)
		bytes[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
	return bytes;
}

/** An error as a scenario reports it: its class and message, as the engine's String(error) gives. */
export function errorText(error: unknown): string {
	return error instanceof Error ? `${error.name}: ${error.message}` : `thrown: ${String(error)}`;
}
