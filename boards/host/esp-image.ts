// What ESP-IDF's esp_image_verify() checks of an app image before esp_ota_end() accepts it, as far as
// it can be checked without the chip: the header (magic 0xE9, at most 16 segments, the target's chip
// id), segment lengths (whole words, inside the image), the checksum byte after the segments (0xEF
// XOR every segment byte, at the end of a 16-byte block) and, when the header says so, the SHA-256
// appended after it. Not checked: load addresses against the chip's memory map, chip revisions,
// secure-boot signatures.
import { createHash } from "node:crypto";
import type { TargetName } from "./target";

export const IMAGE_MAGIC = 0xe9;
/** esp_chip_id_t of each target, in the image header at offset 12. */
export const CHIP_IDS: Readonly<Record<TargetName, number>> = { esp32: 0x0000, esp32c3: 0x0005, esp32s3: 0x0009 };
export const HEADER_BYTES = 24;
const SEGMENT_HEADER_BYTES = 8;
const MAX_SEGMENTS = 16;
const CHECKSUM_SEED = 0xef;
const HASH_APPENDED_AT = 23;

/** Why esp_image_verify() would refuse `image` for `target`, or undefined when it would pass. */
export function imageProblem(image: Uint8Array, target: TargetName): string | undefined {
	if (image.length < HEADER_BYTES || image[0] !== IMAGE_MAGIC)
		return "no image header (magic 0xE9)";
	const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
	const segments = image[1];
	if (segments > MAX_SEGMENTS)
		return `${segments} segments, at most ${MAX_SEGMENTS}`;
	const chip = view.getUint16(12, true);
	if (chip !== CHIP_IDS[target])
		return `chip id ${chip}, not ${target}'s ${CHIP_IDS[target]}`;
	let at = HEADER_BYTES;
	let checksum = CHECKSUM_SEED;
	for (let i = 0; i < segments; i++) {
		if (at + SEGMENT_HEADER_BYTES > image.length)
			return `segment ${i}: header past the end of the image`;
		const length = view.getUint32(at + 4, true);
		at += SEGMENT_HEADER_BYTES;
		if (length % 4 || at + length > image.length)
			return `segment ${i}: ${length} bytes, not whole words inside the image`;
		for (const byte of image.subarray(at, at + length))
			checksum ^= byte;
		at += length;
	}
	const checksumAt = (at | 15);		// the last byte of the 16-byte block the segments end in
	if (checksumAt >= image.length || image[checksumAt] !== checksum)
		return "checksum mismatch";
	if (image[HASH_APPENDED_AT] === 1) {
		const end = checksumAt + 1;
		const digest = createHash("sha256").update(image.subarray(0, end)).digest();
		if (end + 32 > image.length || !digest.equals(image.subarray(end, end + 32)))
			return "appended SHA-256 mismatch";
	}
	return undefined;
}
