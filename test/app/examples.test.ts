// The examples as a user's apps: each type-checks against the module the way mcconfig's tsc sees it
// (tsconfig-base.json: "paths" from every TypeScript module the manifests map, the manifests'
// typescript "types"), and an app outside the repo that includes modules/iotda/ by its path (the
// minimal example, copied) runs on the host board against the local IoTDA: it reports, and a
// command sent through the IoTDA HTTP API gets its answer.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type Certs, generateCerts } from "../../broker/certs";
import { type Broker, startBroker } from "../../broker/server";
import { bundleManifest } from "../../boards/host/bundle";
import { readManifest } from "../../boards/host/manifest";
import { buildConfig, DEFAULT_TARGET, platformOf, TARGETS } from "../../boards/host/target";
import { callApi } from "../fixtures/device";
import { type HostApp, runHostApp } from "../fixtures/host-app";
import { until } from "../fixtures/until";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PLATFORM = platformOf(DEFAULT_TARGET);
const TSC = join(ROOT, "node_modules", ".bin", "tsc");
const SECRET = "minimal-secret-Qv4";
const run = promisify(execFile);

let dir: string;
let user: string;			// the user's app: the minimal example in a folder of its own
before(() => {
	dir = mkdtempSync(join(tmpdir(), "iotda-examples-"));
	user = join(dir, "my-app");
	mkdirSync(user);
	copyFileSync(join(ROOT, "examples/minimal/main.ts"), join(user, "main.ts"));
	writeFileSync(join(user, "manifest.json"), JSON.stringify({
		include: ["$(MODDABLE)/examples/manifest_base.json", join(ROOT, "modules/iotda/manifest.json"), join(ROOT, "modules/iotda/commands/manifest.json")],
		modules: { "*": "./main" },
		config: { iotda: { host: "<your-instance>.iot-mqtts.cn-north-4.myhuaweicloud.com" } },
	}));
});
after(() => rmSync(dir, { recursive: true, force: true }));

// The declarations of SDK modules the SDK itself declares no types for: the module brings them
// through its typescript "types" entry.
const MODULE_TYPES = join(ROOT, "types/moddable/ssl.d.ts");

// What mcconfig hands tsc for `manifest`; the SDK's typings are stood in for by the rest of
// types/moddable/ (a subset of them).
async function typecheck(manifest: string): Promise<string> {
	const app = readManifest(manifest, PLATFORM);
	const paths = Object.fromEntries([...app.typescript].map(([specifier, file]) => [specifier, [file.slice(0, -3)]]));
	const sdk = readdirSync(join(ROOT, "types/moddable")).map(name => join(ROOT, "types/moddable", name))
		.filter(file => file !== MODULE_TYPES);
	const config = join(mkdtempSync(join(dir, "tsc-")), "tsconfig.json");
	writeFileSync(config, JSON.stringify({
		compilerOptions: { module: "preserve", target: "es2025", lib: ["es2025"], strict: true, noEmit: true, paths, types: app.types },
		files: [...app.typescript.values(), ...sdk],		// mcconfig compiles every module, each on its own
	}));
	return run(TSC, ["-p", config]).then(({ stdout }) => stdout, ({ stdout }) => stdout || "tsc failed");
}

for (const example of readdirSync(join(ROOT, "examples"))) {
	test(`examples/${example} type-checks against the module as mcconfig's tsc sees it`, async () => {
		assert.equal(await typecheck(join(ROOT, "examples", example, "manifest.json")), "");
	});
}

test("each example's mc/config for each target: the module's TLS and SNTP settings, the build time, the app's iotda keys", () => {
	for (const example of readdirSync(join(ROOT, "examples"))) {
		for (const target of TARGETS) {
			const config = buildConfig(target, {}, join(ROOT, "examples", example, "manifest.json"));
			const where = `${example} on ${target}`;
			assert.deepEqual(config.tls, { ECDHE_RSA: true, DHE_RSA: false }, where);
			assert.equal(config.sntp, "pool.ntp.org", where);
			assert.ok(Number.isSafeInteger(config.buildTime) && config.buildTime > 0, where);
			assert.match(config.iotda.host, /^<your-instance>\./, where);
		}
	}
});

test("an app outside the repo type-checks, and fails to when it imports a feature it does not include", async () => {
	assert.equal(await typecheck(join(user, "manifest.json")), "");
	writeFileSync(join(user, "extra.ts"), 'import { answerProperties } from "iotda/properties";\nexport const use = answerProperties;\n');
	const main = join(user, "main.ts");
	copyFileSync(main, join(dir, "main.ts.saved"));
	writeFileSync(main, `import "./extra";\n${readFileSync(main)}`);
	try {
		assert.match(await typecheck(join(user, "manifest.json")), /extra\.ts.*Cannot find module 'iotda\/properties'/);
	}
	finally {
		copyFileSync(join(dir, "main.ts.saved"), main);
		rmSync(join(user, "extra.ts"));
	}
});

test("that app runs against the local IoTDA: it reports, and answers a command sent through the HTTP API", async () => {
	const certs: Certs = generateCerts();
	const broker: Broker = await startBroker({ devices: { "minimal-dev": { secret: SECRET } }, certs, http: { port: 0 } });
	const bundle = join(ROOT, "build", `host-minimal-test-${process.pid}.mjs`);
	let app: HostApp | undefined;
	try {
		await bundleManifest(join(user, "manifest.json"), PLATFORM, bundle);
		mkdirSync(join(dir, "resources"), { recursive: true });
		writeFileSync(join(dir, "resources", "iotda-ca.der"), certs.caDer);
		writeFileSync(join(dir, "prefs.json"), JSON.stringify({ iotda: { deviceId: "minimal-dev", secret: SECRET } }));
		const config = buildConfig(DEFAULT_TARGET, { sntp: "127.0.0.1", iotda: { host: broker.host, port: broker.port, serverName: "localhost", ca: ["iotda-ca.der"] } }, join(user, "manifest.json"));
		const reports: unknown[] = [];
		broker.events.on("publish", ({ topic, payload }) => topic.endsWith("/sys/properties/report") && reports.push(JSON.parse(payload.toString())));
		app = runHostApp(bundle, { config, preferences: join(dir, "prefs.json"), resources: join(dir, "resources") });
		await until(() => reports.length > 0, "the property report");
		assert.deepEqual(reports[0], { services: [{ service_id: "status", properties: { online: true } }] });
		const answer = await callApi(broker, "POST", "/v5/iot/p/devices/minimal-dev/commands", { service_id: "status", command_name: "ping", paras: { n: 1 } });
		assert.equal(answer.status, 200);
		assert.deepEqual(answer.body.response, { result_code: 0, response_name: "pong", paras: { n: 1 } });
		assert.ok(!app.output().includes(SECRET));
	}
	finally {
		await app?.stop();
		await broker.close();
		certs.cleanup();
		rmSync(bundle, { force: true });
	}
});
