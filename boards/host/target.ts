// The device build of one target as the host board sees it, read from the files mcconfig reads:
// the "config" of an app's manifest (by default manifest.json, the demo's) and of its includes and
// platform fragments (manifest.ts), merged as mcconfig
// merges them (includes first, the app's manifest last, then command-line overrides), the lwIP
// figures of boards/<target>/sdkconfig/sdkconfig.defaults and the memory profile of
// boards/<target>/manifest.json. The SDK's own manifests ($(MODDABLE)/...) are not read: the app's
// manifest sets every config key the app uses.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { merge, readManifest } from "./manifest";

export const TARGETS = ["esp32", "esp32c3", "esp32s3"] as const;
export type TargetName = typeof TARGETS[number];
export const DEFAULT_TARGET: TargetName = "esp32c3";		// the lead target

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The demo's, which the repo root's manifest.json includes. */
export const APP_MANIFEST = join(ROOT, "manifest.json");

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
		creation: JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")).creation ?? {},
	};
}

/** The mcconfig -p name of `target`, as manifests' "platforms" key it. */
export const platformOf = (target: TargetName) => target === "esp32" ? "esp32" : `esp32/${target}`;

/** mc/config for `target`: the manifests' config merged as mcconfig does, then `overrides` over it. */
export function buildConfig(target: TargetName, overrides: Json = {}, manifest = APP_MANIFEST): Json {
	return merge(readManifest(manifest, platformOf(target)).config, overrides);
}
