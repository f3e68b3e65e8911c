// Scripted stand-in for Moddable's ESP32 "ota" (see boards/host/modules/ota.ts for the host board's):
// the SDK's refusals that need no flash (first byte 0xE9, nothing after the end, "bad state"), and
// a record of what happened, for the scenario to read. otaScript, set by the scenario, makes it
// refuse a write or the commit as the flash may ("write failed", "end failed"), or end the core's
// streaming hash once that many bytes were written (as a trap's reset of the core ends it).
export const otaLog: string[] = [];
export const otaScript: { refuse?: "write" | "complete"; loseHashAt?: number } = {};

export default class OTA {
	#open = true;
	#written = 0;

	constructor(_dictionary?: { byteLength?: number }) {
		otaLog.push("begin");
	}

	write(data: ArrayBuffer | ArrayBufferView): void {
		const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
		if (!this.#open || (!this.#written && bytes.length && (0xE9 !== bytes[0])) || ("write" === otaScript.refuse))
			throw new Error("write failed");
		const before = this.#written;
		this.#written += bytes.length;
		const at = otaScript.loseHashAt;
		if ((at !== undefined) && (before < at) && (this.#written >= at))
			native("xs_iotda_sha256_digest")();
	}

	cancel(): void {
		if (this.#open)
			otaLog.push(`cancel after ${this.#written} bytes`);
		this.#open = false;
	}

	complete(): void {
		if (!this.#open)
			throw new Error("bad state");
		this.#open = false;
		if ("complete" === otaScript.refuse)
			throw new Error("end failed");
		otaLog.push(`complete after ${this.#written} bytes`);
	}
}
