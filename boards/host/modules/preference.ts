// Host stand-in for Moddable's "preference", with the ESP32 (NVS) rules: names of at most 15
// characters, values boolean, 32-bit integer, string or ArrayBuffer of at most 4000 bytes.
// Kept in the JSON file named by HOST_PREFERENCES (rewritten on every change), else in memory.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

type Value = string | number | boolean | ArrayBuffer;
type Stored = string | number | boolean | { base64: string };	// JSON form; ArrayBuffers as base64

const NAME_MAX = 15;		// NVS namespace and key names
const VALUE_MAX = 4000;		// NVS string and blob size, per Moddable's documentation

const file = process.env.HOST_PREFERENCES || undefined;
const domains = file ? load(file) : new Map<string, Map<string, Stored>>();	// Maps: any name is a plain key

function load(path: string): Map<string, Map<string, Stored>> {
	if (!existsSync(path))
		return new Map();
	try {
		const json: Record<string, Record<string, Stored>> = JSON.parse(readFileSync(path, "utf8"));
		return new Map(Object.entries(json).map(([domain, keys]) => [domain, new Map(Object.entries(keys))]));
	}
	catch {
		throw new Error(`HOST_PREFERENCES: ${path} is not a preferences JSON file`);
	}
}

function save(): void {
	if (!file)
		return;
	const json = Object.fromEntries([...domains].map(([domain, keys]) => [domain, Object.fromEntries(keys)]));
	// Write-then-rename: a crash mid-write leaves the previous file intact, as NVS commits do.
	writeFileSync(`${file}.tmp`, JSON.stringify(json));
	renameSync(`${file}.tmp`, file);
}

function checkName(field: "domain" | "key", name: string): void {
	if (typeof name !== "string" || !name.length || name.length > NAME_MAX)
		throw new RangeError(`preference: ${field} must be 1 to ${NAME_MAX} characters`);
}

function encode(value: Value): Stored {
	if (typeof value === "boolean")
		return value;
	if (typeof value === "number") {
		if ((value | 0) !== value)
			throw new RangeError("preference: number must be a 32-bit integer");
		return value;
	}
	if (typeof value === "string") {
		if (Buffer.byteLength(value) > VALUE_MAX)
			throw new RangeError(`preference: value at most ${VALUE_MAX} bytes`);
		return value;
	}
	if (value instanceof ArrayBuffer) {
		if (value.byteLength > VALUE_MAX)
			throw new RangeError(`preference: value at most ${VALUE_MAX} bytes`);
		return { base64: Buffer.from(value).toString("base64") };
	}
	throw new TypeError("preference: value must be a boolean, integer, string or ArrayBuffer");
}

function decode(stored: Stored): Value {
	if (typeof stored !== "object")
		return stored;
	const bytes = Buffer.from(stored.base64, "base64");
	return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
}

const Preference = {
	set(domain: string, key: string, value: Value): void {
		checkName("domain", domain);
		checkName("key", key);
		const stored = encode(value);
		const keys = domains.get(domain) ?? domains.set(domain, new Map()).get(domain)!;
		keys.set(key, stored);
		save();
	},
	/** A fresh copy for ArrayBuffers; undefined when not set. */
	get(domain: string, key: string): Value | undefined {
		checkName("domain", domain);
		checkName("key", key);
		const stored = domains.get(domain)?.get(key);
		return stored === undefined ? undefined : decode(stored);
	},
	/** Missing keys are not an error. */
	delete(domain: string, key: string): void {
		checkName("domain", domain);
		checkName("key", key);
		const keys = domains.get(domain);
		if (!keys?.delete(key))
			return;
		if (!keys.size)
			domains.delete(domain);
		save();
	},
	keys(domain: string): string[] {
		checkName("domain", domain);
		return [...(domains.get(domain)?.keys() ?? [])];
	},
};

export default Preference;
