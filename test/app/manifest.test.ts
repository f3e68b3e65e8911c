// What the manifests ask of mcconfig, checked against the sources, for every app (the repo's
// manifest.json, i.e. the demo, and each examples/*/manifest.json) and every manifest of the module
// (modules/iotda/): every module named exists; the module's relative imports land where XS resolves
// them (relative to the importing module's specifier, "iotda/session" + "./mqtt/encode" =
// "iotda/mqtt/encode"); an app imports only the features its manifest includes; and no preloaded
// module reaches "preference". A preloaded module is evaluated at build time, and on the lin
// simulator the Preference module reads its file when it is evaluated: settings read through a
// preloaded import would be the build machine's, and provisioned ones never seen.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { type AppManifest, merge, readManifest } from "../../boards/host/manifest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PLATFORM = "esp32/esp32c3";
const APPS = ["manifest.json", ...readdirSync(join(ROOT, "examples")).map(name => `examples/${name}/manifest.json`)];
const MODULE = join(ROOT, "modules/iotda");
const FEATURES = readdirSync(MODULE).filter(name => existsSync(join(MODULE, name, "manifest.json")));
const MODULE_MANIFESTS = ["modules/iotda/manifest.json", ...FEATURES.map(name => `modules/iotda/${name}/manifest.json`)];

const read = (path: string) => readManifest(join(ROOT, path), PLATFORM);
const json = (path: string) => JSON.parse(readFileSync(join(ROOT, path), "utf8"));

// The specifiers a source imports statically: [specifier, relative?].
function importsOf(file: string): string[] {
	return [...readFileSync(file, "utf8").matchAll(/^import (?!type )[^;]*?from "([^"]+)";/gms)].map(([, specifier]) => specifier);
}

// Every specifier reachable from `file` in `app`, following relative imports and the app's own specifiers.
function reach(app: AppManifest, file: string, seen = new Set<string>()): Set<string> {
	for (const specifier of importsOf(file)) {
		const next = specifier.startsWith(".") ? resolve(dirname(file), `${specifier}.ts`) : app.typescript.get(specifier);
		seen.add(specifier.startsWith(".") ? next! : specifier);
		if (next && !seen.has(`file:${next}`)) {
			seen.add(`file:${next}`);
			reach(app, next, seen);
		}
	}
	return seen;
}

function preloaded(app: AppManifest): string[] {
	return app.preload.flatMap(name => name.endsWith("/*")
		? [...app.typescript.keys()].filter(key => key.startsWith(name.slice(0, -1)) && !key.slice(name.length - 1).includes("/"))
		: [name]);
}

for (const path of [...APPS, ...MODULE_MANIFESTS]) {
	test(`${path}: every module it names exists, and each relative import is a module of the same name on the device`, () => {
		const app = read(path);
		for (const entry of app.modules)
			assert.ok(entry.file, `${entry.manifest} names ${entry.source}, which does not exist`);
		for (const [specifier, file] of app.typescript) {
			for (const imported of importsOf(file).filter(name => name.startsWith("."))) {
				const target = posix.join(posix.dirname(specifier), imported);
				assert.equal(app.typescript.get(target), resolve(dirname(file), `${imported}.ts`),
					`${specifier} imports ${imported}: XS looks for ${target}, which the manifest must map to that file`);
			}
		}
	});

	test(`${path}: no preloaded module imports preference, directly or through another module`, () => {
		const app = read(path);
		for (const name of preloaded(app)) {
			const file = app.typescript.get(name);
			assert.ok(file, `preload names ${name}, which the manifests do not map`);
			assert.ok(!reach(app, file).has("preference"), `${name} is preloaded and reaches "preference"`);
		}
	});
}

for (const path of APPS) {
	test(`${path}: main, never preloaded, hands Preference over; every iotda/ module it reaches is included`, () => {
		const app = read(path);
		const main = app.typescript.get("main")!;
		assert.ok(main && !preloaded(app).includes("main"));
		const reached = reach(app, main);
		// the check itself sees the one module that does read Preference
		assert.ok(reached.has("preference"));
		for (const specifier of [...reached].filter(name => name.startsWith("iotda/")))
			assert.ok(app.typescript.has(specifier), `${specifier} is imported but no included manifest maps it`);
		assert.ok(app.manifests.includes(join(MODULE, "manifest.json")), "the app includes the module");
	});
}

test("each feature manifest includes the core and maps only its own modules under iotda/", () => {
	const core = new Set(read("modules/iotda/manifest.json").typescript.keys());
	assert.deepEqual(FEATURES.sort(), ["bootstrap", "commands", "events", "messages", "ota", "properties", "shadow"]);
	for (const feature of FEATURES) {
		const manifest = json(`modules/iotda/${feature}/manifest.json`);
		// the core first, then any feature it stands on (ota on events), whose modules are not its own
		const [first, ...features] = manifest.include as string[];
		assert.equal(first, "../manifest.json", feature);
		const inherited = new Set(core);
		for (const include of features) {
			assert.match(include, /^\.\.\/(\w+)\/manifest\.json$/, feature);
			assert.ok(FEATURES.includes(include.split("/")[1]), `${feature} includes ${include}`);
			for (const name of read(`modules/iotda/${include.slice(3)}`).typescript.keys())
				inherited.add(name);
		}
		const own = [...read(`modules/iotda/${feature}/manifest.json`).typescript.keys()].filter(name => !inherited.has(name));
		assert.ok(own.length && own.every(name => name.startsWith("iotda/")), `${feature}: ${own}`);
		assert.deepEqual(own, manifest.preload, `${feature}: its modules are preloaded`);
	}
	// the minimal example ships no feature it does not use
	const minimal = read("examples/minimal/manifest.json").typescript;
	assert.ok(minimal.has("iotda/commands") && !minimal.has("iotda/properties") && !minimal.has("iotda/shadow"));
});

test("the module's cipher suites replace the SDK's", () => {
	const app = read("manifest.json");
	assert.ok(existsSync(app.typescript.get("ssl/ciphersuites")!) && existsSync(app.typescript.get("ssl/cert")!));
	// without "~" the SDK's ssl/* would take the name first and ours would be ignored
	assert.deepEqual(json("modules/iotda/manifest.json").modules["~"], ["$(MODULES)/crypt/ssl/ssl_ciphersuites"]);
});

// Our ssl/cert extends the SDK's, which must therefore build under another name. "~" excludes a
// file under every name (mcconfig marks the path used), so the SDK's ssl_cert cannot be in it; a
// fragment included before tls.json names it ssl/sdk-cert first, and the SDK's "ssl/*" then skips it.
test("the SDK's ssl_cert builds as ssl/sdk-cert, named before the SDK's ssl/* names it ssl/cert", () => {
	const core = json("modules/iotda/manifest.json");
	const sdkCert = "$(MODULES)/crypt/ssl/ssl_cert";
	assert.ok(!core.modules["~"].includes(sdkCert), `"~" would exclude ${sdkCert} as ssl/sdk-cert too`);
	const fragment = "../../src/tls/manifest.json";
	assert.equal(json("src/tls/manifest.json").modules["ssl/sdk-cert"], sdkCert);
	const includes = core.include as string[];
	assert.ok(includes.includes(fragment), `the module includes ${fragment}`);
	assert.ok(includes.indexOf(fragment) < includes.indexOf("$(MODDABLE)/modules/crypt/tls.json"), `${fragment} comes before tls.json`);
	// and the declarations of those SDK modules reach a user's tsc through the module's typescript.types
	assert.deepEqual(read("examples/minimal/manifest.json").types, [join(ROOT, "types/moddable/ssl")]);
});

// mcconfig's tsc sees the SDK's own declarations ($(MODDABLE)/typings: these are the ones the
// sources use) and those the manifests list in typescript.tsconfig.compilerOptions.types, not
// types/moddable as npm run typecheck does: an SDK module without typings (ssl/constants, bin,
// x509, the ESP32 ota module, all JavaScript) is TS7016 there unless a manifest lists ours.
const SDK_TYPINGS = new Set(["Resource", "mc/config", "preference", "securesocket", "sntp", "socket", "time", "timer"]);

for (const path of APPS)
	for (const platform of [PLATFORM, "lin"])
		test(`${path} on ${platform}: every SDK module it imports is declared where mcconfig's tsc looks`, () => {
			const app = readManifest(join(ROOT, path), platform);
			const declared = new Set(app.types.flatMap(file =>
				[...readFileSync(`${file}.d.ts`, "utf8").matchAll(/^declare module "([^"]+)"/gm)].map(([, name]) => name)));
			const sdk = [...reach(app, app.typescript.get("main")!)].filter(name => !/^(\/|file:)/.test(name) && !app.typescript.has(name));
			assert.ok(sdk.includes("timer"), `${sdk}`);		// the check sees SDK modules
			for (const name of sdk)
				assert.ok(SDK_TYPINGS.has(name) || declared.has(name), `${name}: the SDK declares no types for it and no manifest lists a declaration of it`);
		});

// mcmanifest.js mergeProperties treats arrays as objects: an app's config list merges into an
// included manifest's entry by entry. The host's mc/config must merge the same way.
test("config merges as mcconfig merges it: objects key by key, lists entry by entry, the rest replaced", () => {
	const base = { iotda: { ca: ["roots", "b.der"], port: 8883 }, sntp: "pool.ntp.org" };
	assert.deepEqual(merge(structuredClone(base), { iotda: { ca: ["a.der"] } }), { iotda: { ca: ["a.der", "b.der"], port: 8883 }, sntp: "pool.ntp.org" });
	assert.deepEqual(merge(structuredClone(base), { iotda: { ca: [] } }), base);
	assert.deepEqual(merge(structuredClone(base), { iotda: { ca: "x.der", port: 1883 }, sntp: ["a"] }), { iotda: { ca: "x.der", port: 1883 }, sntp: ["a"] });
	const source = { list: [{ a: 1 }] };
	const merged = merge({}, source);
	merged.list[0].a = 2;
	assert.equal(source.list[0].a, 1, "the merged config shares nothing with its source");
});
