// Host stand-in for Moddable's ESP32 "ota" module (build/devices/esp32/modules/ota/ota.c over
// ESP-IDF's esp_ota_ops), writing the OTA slots of boards/<target>/partitions.csv as files in the
// host's state directory (HOST_STATE_DIR: ota_0.bin, ota_1.bin, and otadata.json for the boot slot).
// Like the SDK:
// - the constructor opens the slot after the one running (ota_0 until an upgrade booted another)
//   and ignores byteLength (esp_ota_begin with OTA_WITH_SEQUENTIAL_WRITES); "no update parition"
//   (sic) without a state directory;
// - write(): "write failed" for a first byte other than 0xE9, past the slot's size, or once
//   cancelled or completed; a buffer of 0 bytes is accepted and writes nothing;
// - complete(): "bad state" once cancelled or completed; "end failed" when nothing was written or
//   esp_image_verify would refuse the image (esp-image.ts); then the slot becomes the boot slot;
// - cancel(): ends the write, committing nothing; idempotent.
import { closeSync, existsSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { imageProblem, IMAGE_MAGIC } from "../esp-image";
import { otaSlots } from "../partitions";
import { loadTarget } from "../target";

const target = loadTarget().name;
const slots = otaSlots(target);
const dir = process.env.HOST_STATE_DIR || undefined;
// The slot this boot runs: read once, as the bootloader did before the app started.
const running = dir ? bootSlot(dir) : slots[0].name;

/** The boot slot recorded in `dir` (otadata), ota_0 when none was. */
export function bootSlot(dir: string): string {
	const path = join(dir, "otadata.json");
	return existsSync(path) ? JSON.parse(readFileSync(path, "utf8")).boot : slots[0].name;
}

type State = "open" | "ended" | "idle";	// ended: esp_ota_end ran, the SDK keeps the stale handle

export default class OTA {
	#state: State = "open";
	#fd: number;
	#slot: { name: string; bytes: number };
	#path: string;
	#written = 0;

	constructor(_dictionary?: { byteLength?: number }) {
		if (!dir)
			throw new Error("no update parition");
		const next = slots[(slots.findIndex(slot => slot.name === running) + 1) % slots.length];
		this.#slot = next;
		this.#path = join(dir, `${next.name}.bin`);
		this.#fd = openSync(this.#path, "w");	// erased as the writes proceed
	}

	write(data: ArrayBuffer | ArrayBufferView): void {
		const bytes = data instanceof ArrayBuffer ? new Uint8Array(data)
			: ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : undefined;
		if (!bytes)
			throw new TypeError("write: argument is not a buffer");
		if (this.#state !== "open")
			throw new Error("write failed");
		if (!bytes.length)
			return;
		if ((!this.#written && bytes[0] !== IMAGE_MAGIC) || this.#written + bytes.length > this.#slot.bytes)
			throw new Error("write failed");
		writeSync(this.#fd, bytes);
		this.#written += bytes.length;
	}

	cancel(): void {
		if (this.#state === "open")
			this.#end();
		this.#state = "idle";
	}

	complete(): void {
		if (this.#state !== "open")
			throw new Error(this.#state === "idle" ? "bad state" : "end failed");
		this.#end();
		if (!this.#written || imageProblem(readFileSync(this.#path), target))
			throw new Error("end failed");
		this.#state = "idle";
		const otadata = join(dir!, "otadata.json");
		writeFileSync(`${otadata}.tmp`, JSON.stringify({ boot: this.#slot.name }));
		renameSync(`${otadata}.tmp`, otadata);
	}

	#end(): void {
		this.#state = "ended";
		closeSync(this.#fd);
	}
}
