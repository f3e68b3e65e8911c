// An app's manifest as mcconfig reads it (tools/mcmanifest.js), for the host board and the tests:
// the manifest and those it includes, each once, in mcconfig's merge order (depth first, a manifest
// after its includes, the matched platform's include appended to its own); their "config" merged;
// and the module specifiers of our own "modules" entries with the files they name. Paths resolve
// against the folder of the manifest that names them, as mcconfig resolves them. The SDK's own
// manifests and modules ($(MODDABLE)/..., $(MODULES)/...) are not read.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

type Json = Record<string, any>;

export interface ModuleEntry {
	specifier: string;
	file: string | undefined;		// the .ts, .c or .js file, undefined when it does not exist
	source: string;					// as the manifest names it, without extension
	manifest: string;				// the manifest that names it
}

export interface AppManifest {
	manifests: string[];			// in merge order, the app's own last
	config: Json;
	modules: ModuleEntry[];
	preload: string[];				// as named, globs ("iotda/mqtt/*") included
	types: string[];				// typescript.tsconfig.compilerOptions.types, resolved
	resources: string[];			// resources["*"], resolved, without extension as mcconfig takes them
	/** Specifier -> TypeScript source, what mcconfig's tsconfig-base.json "paths" map. */
	typescript: Map<string, string>;
}

const EXTENSIONS = [".ts", ".c", ".js"];

/** Reads `path` and its includes for `platform` ("esp32/esp32c3", "esp32", "lin", ...). */
export function readManifest(path: string, platform: string): AppManifest {
	const app: AppManifest = { manifests: [], config: {}, modules: [], preload: [], types: [], resources: [], typescript: new Map() };
	visit(resolve(path), platform, app, new Set());
	for (const entry of app.modules)
		if (entry.file?.endsWith(".ts"))
			app.typescript.set(entry.specifier, entry.file);
	return app;
}

function visit(path: string, platform: string, app: AppManifest, seen: Set<string>): void {
	if (seen.has(path))
		return;
	seen.add(path);
	const manifest = readJson(path);
	const dir = dirname(path);
	const matched = manifest.platforms?.[platform] ?? {};
	for (const include of [manifest.include ?? [], matched.include ?? []].flat() as string[])
		if (!include.startsWith("$("))
			visit(resolve(dir, include), platform, app, seen);
	app.manifests.push(path);
	for (const part of [manifest, matched]) {
		merge(app.config, part.config ?? {});
		app.preload.push(...(part.preload ?? []));
		for (const resource of part.resources?.["*"] ?? [])
			if (!resource.startsWith("$("))
				app.resources.push(resolve(dir, resource));
		for (const type of part.typescript?.tsconfig?.compilerOptions?.types ?? [])
			if (!type.startsWith("$("))
				app.types.push(resolve(dir, type));
		for (const [target, sources] of Object.entries((part.modules ?? {}) as Record<string, string | string[]>))
			if (target !== "~")
				app.modules.push(...[sources].flat().filter(source => !source.startsWith("$(")).flatMap(source => entries(target, source, dir, path)));
	}
}

// mcmanifest's rule: a target ending in "*" takes each source's file name after its prefix, and a
// source ending in "/*" stands for every file of its folder; any other target names one module.
function entries(target: string, source: string, dir: string, manifest: string): ModuleEntry[] {
	const star = target.endsWith("*");
	if (source.endsWith("/*")) {
		const folder = resolve(dir, source.slice(0, -2));
		return readdirSync(folder).filter(name => EXTENSIONS.some(ext => name.endsWith(ext))).map(name => {
			const stem = name.slice(0, name.lastIndexOf("."));
			return { specifier: target.slice(0, -1) + stem, file: join(folder, name), source: `${source.slice(0, -1)}${stem}`, manifest };
		});
	}
	const base = resolve(dir, source);
	const file = EXTENSIONS.map(ext => base + ext).find(existsSync);
	return [{ specifier: star ? target.slice(0, -1) + basename(source) : target, file, source, manifest }];
}

function readJson(path: string): Json {
	if (!existsSync(path))
		throw new Error(`'${path}': manifest not found!${path.includes("/build/") ? " (run npm run build)" : ""}`);
	return JSON.parse(readFileSync(path, "utf8"));
}

// mcmanifest.js mergeProperties: an object or array over an object or array merges key by key (so
// a list merges entry by entry: ["a"] over ["roots", "b"] is ["a", "b"], and [] changes nothing);
// anything else replaces. Values are copied, never shared with the manifest read.
export function merge(target: Json, source: Json): Json {
	for (const [key, value] of Object.entries(source)) {
		if (isObject(value) && isObject(target[key]))
			merge(target[key], value);
		else
			target[key] = isObject(value) ? merge(Array.isArray(value) ? [] : {}, value) : value;
	}
	return target;
}

function isObject(value: unknown): value is Json {
	return typeof value === "object" && value !== null;
}
