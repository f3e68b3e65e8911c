// The OTA app slots of a target's partition table (boards/<target>/partitions.csv, the file its
// manifest names as PARTITIONS_FILE): the host board's "flash" for the ota stand-in.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { TargetName } from "./target";

export interface Slot {
	name: string;		// ota_0, ota_1, ...
	bytes: number;
}

/** The app partitions of subtype ota_N, in table order; throws when the table has fewer than two. */
export function otaSlots(target: TargetName): Slot[] {
	const path = fileURLToPath(new URL(`../${target}/partitions.csv`, import.meta.url));
	const slots = readFileSync(path, "utf8").split("\n")
		.map(line => line.trim())
		.filter(line => line && !line.startsWith("#"))
		.map(line => line.split(",").map(field => field.trim()))
		.filter(([, type, subtype]) => type === "app" && /^ota_\d+$/.test(subtype))
		.map(([name, , , , size]) => ({ name, bytes: parseSize(size) }));
	if (slots.length < 2)
		throw new Error(`boards/${target}/partitions.csv: two OTA app slots (ota_0, ota_1) are needed, found ${slots.length}`);
	return slots;
}

// Sizes as ESP-IDF's gen_esp32part.py reads them: hex, decimal, or with K or M.
function parseSize(text: string): number {
	const match = /^(0x[0-9a-f]+|\d+)([KM]?)$/i.exec(text);
	if (!match)
		throw new Error(`partitions.csv: size ${text} is not hex, decimal, K or M`);
	return Number(match[1]) * ({ "": 1, K: 1024, M: 1024 * 1024 } as Record<string, number>)[match[2].toUpperCase()];
}
