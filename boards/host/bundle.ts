// Bundles the app for Node with esbuild: the Moddable specifiers resolve to the host stand-ins
// (the same map as hooks.ts), the app manifest's own ones ("iotda/session", ...) to the files it maps
// them to, and the XS globals are installed before the app's first module runs.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Plugin } from "esbuild";
import { readManifest } from "./manifest";
import { GLOBALS, hostModule, SPECIFIERS } from "./modules";

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

const moddableModules: Plugin = {
	name: "moddable-host-modules",
	setup(build) {
		const filter = new RegExp(`^(${SPECIFIERS.map(escape).join("|")})$`);
		build.onResolve({ filter }, ({ path, importer }) =>
			importer.includes("/node_modules/") ? undefined : { path: fileURLToPath(hostModule(path)!) });
	},
};

// Our sources find files beside them through import.meta.url (lib/signer.ts: build/core.wasm).
// Each keeps its own source URL, so the bundle runs from wherever it is written.
const sourceUrls: Plugin = {
	name: "source-import-meta-url",
	setup(build) {
		build.onLoad({ filter: /\.ts$/ }, async ({ path }) => {
			if (path.includes("/node_modules/"))
				return undefined;
			const source = await readFile(path, "utf8");
			if (!source.includes("import.meta.url"))
				return undefined;
			return { contents: source.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(path).href)), loader: "ts" };
		});
	},
};

// The specifiers an app's manifest maps, as the device resolves them (only those: a module of the
// module that the app's manifest does not include is not found, as on the device).
function manifestModules(modules: Map<string, string>): Plugin {
	return {
		name: "manifest-modules",
		setup(build) {
			build.onResolve({ filter: /^[^./]/ }, ({ path, importer }) =>
				(importer.includes("/node_modules/") || !modules.has(path)) ? undefined : { path: modules.get(path)! });
		},
	};
}

/** Bundles the app of `manifest` (its "main" module) into `outfile`, for `platform` (e.g. esp32/esp32c3). */
export async function bundleManifest(manifest: string, platform: string, outfile: string): Promise<void> {
	const modules = readManifest(manifest, platform).typescript;
	const main = modules.get("main");
	if (!main)
		throw new Error(`${manifest}: maps no "main" module (the app's entry)`);
	await bundleApp(main, outfile, modules);
}

/** Writes `outfile`, an ES module for Node that installs the globals and then runs `entry`. */
export async function bundleApp(entry: string, outfile: string, modules = new Map<string, string>()): Promise<void> {
	await build({
		// ES modules run their imports in order: the globals first, then the app.
		stdin: {
			contents: `import ${JSON.stringify(fileURLToPath(GLOBALS))};\nimport ${JSON.stringify(resolve(entry))};\n`,
			resolveDir: process.cwd(),
			sourcefile: "host-entry.js",
		},
		bundle: true,
		platform: "node",
		format: "esm",
		target: "node20",
		outfile,
		sourcemap: "inline",
		plugins: [moddableModules, manifestModules(modules), sourceUrls],
		logLevel: "warning",
	});
}
