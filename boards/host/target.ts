// The device build of one target as the host board sees it, read from the files mcconfig reads:
// the "config" of manifest.json and of its own includes and platform fragment, merged as mcconfig
// merges them (includes first, the app's manifest last, then command-line overrides), the lwIP
// figures of boards/<target>/sdkconfig/sdkconfig.defaults and the memory profile of
// boards/<target>/manifest.json. The SDK's own manifests ($(MODDABLE)/...) are not read: the app's
// manifest sets every config key the app uses.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const TARGETS = ["esp32", "esp32c3", "esp32s3"] as const;
export type TargetName = typeof TARGETS[number];
export const DEFAULT_TARGET: TargetName = "esp32c3";		// the lead target

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface Target {
	name: TargetName;
	tcp: { mss: number; sendBuffer: number };	// CONFIG_LWIP_TCP_MSS, CONFIG_LWIP_TCP_SND_BUF_DEFAULT
	creation: Record<string, unknown>;			// what boards/<target>/manifest.json sets
}

type Json = Record<string, any>;

/** The target named by `name`, else HOST_TARGET, else the lead target; throws for an unknown name. */
export function loadTarget(name: string = process.env.HOST_TARGET || DEFAULT_TARGET): Target {
	if (!(TARGETS as readonly string[]).includes(name))
		throw new Error(`target: must be one of ${TARGETS.join(", ")}`);
	const dir = join(ROOT, "boards", name);
	const sdkconfig = readFileSync(join(dir, "sdkconfig", "sdkconfig.defaults"), "utf8");
	const option = (key: string) => {
		const value = Number(new RegExp(`^${key}=(\\d+)$`, "m").exec(sdkconfig)?.[1]);
		if (!value)
			throw new Error(`boards/${name}/sdkconfig/sdkconfig.defaults: ${key} is missing`);
		return value;
	};
	return {
		name: name as TargetName,
		tcp: { mss: option("CONFIG_LWIP_TCP_MSS"), sendBuffer: option("CONFIG_LWIP_TCP_SND_BUF_DEFAULT") },
		creation: readJson(join(dir, "manifest.json")).creation ?? {},
	};
}

/** mc/config for `target`: the manifests' config merged as mcconfig does, then `overrides` over it. */
export function buildConfig(target: TargetName, overrides: Json = {}): Json {
	const config: Json = {};
	for (const manifest of manifests(join(ROOT, "manifest.json"), target))
		merge(config, manifest.config ?? {});
	return merge(config, overrides);
}

// The app's manifest and the ones it includes, in mcconfig's merge order: depth first, a manifest
// after its includes, the matched platform's include appended to its own.
function manifests(path: string, target: TargetName): Json[] {
	const manifest = readJson(path);
	const platform = manifest.platforms?.[target === "esp32" ? "esp32" : `esp32/${target}`]?.include;
	const includes = [manifest.include ?? [], platform ?? []].flat() as string[];
	return [
		...includes.filter(include => !include.startsWith("$(")).flatMap(include => manifests(resolve(dirname(path), include), target)),
		manifest,
	];
}

function readJson(path: string): Json {
	if (!existsSync(path))
		throw new Error(`'${path}': manifest not found!${path.includes("/build/") ? " (run npm run build)" : ""}`);
	return JSON.parse(readFileSync(path, "utf8"));
}

// Objects merge key by key, anything else replaces (mcmanifest.js mergeProperties).
function merge(target: Json, source: Json): Json {
	for (const [key, value] of Object.entries(source)) {
		if (isObject(value) && isObject(target[key]))
			merge(target[key], value);
		else
			target[key] = isObject(value) ? merge({}, value) : value;
	}
	return target;
}

function isObject(value: unknown): value is Json {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}
