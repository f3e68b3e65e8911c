// Host stand-in for "mc/config", the manifest's config object: the JSON in HOST_CONFIG, or in the
// file named by HOST_CONFIG_FILE, else empty. Deep-frozen, as mcconfig's Object.freeze(config, true).
import { readFileSync } from "node:fs";

function load(): Record<string, any> {
	const { HOST_CONFIG: json, HOST_CONFIG_FILE: file } = process.env;
	if (json && file)
		throw new Error("mc/config: set HOST_CONFIG or HOST_CONFIG_FILE, not both");
	const [source, text] = json ? ["HOST_CONFIG", json] : file ? ["HOST_CONFIG_FILE", readFileSync(file, "utf8")] : ["", "{}"];
	let config: unknown;
	try {
		config = JSON.parse(text);
	}
	catch {
		throw new Error(`mc/config: ${source} is not valid JSON`);
	}
	if (typeof config !== "object" || config === null || Array.isArray(config))
		throw new Error(`mc/config: ${source} must hold a JSON object`);
	return deepFreeze(config as Record<string, any>);
}

function deepFreeze<T extends object>(value: T): T {
	for (const member of Object.values(value))
		if (typeof member === "object" && member !== null)
			deepFreeze(member);
	return Object.freeze(value);
}

export default load();
