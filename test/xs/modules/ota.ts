// Scripted stand-in for Moddable's ESP32 "ota" (see boards/host/modules/ota.ts for the host board's):
// the SDK's refusals that need no flash (first byte 0xE9, nothing after the end, "bad state"), and
// a record of what happened, for the scenario to read.
export const otaLog: string[] = [];

export default class OTA {
	#open = true;
	#written = 0;

	constructor(_dictionary?: { byteLength?: number }) {
		otaLog.push("begin");
	}

	write(data: ArrayBuffer | ArrayBufferView): void {
		const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
		if (!this.#open || (!this.#written && bytes.length && (0xE9 !== bytes[0])))
			throw new Error("write failed");
		this.#written += bytes.length;
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
		otaLog.push(`complete after ${this.#written} bytes`);
	}
}
