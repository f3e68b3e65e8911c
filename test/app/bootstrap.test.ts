// IoTDP bootstrap end to end on the host board, over real TLS: the demo (which includes
// iotda/bootstrap) against the local IoTDA and its provisioning service. The address comes from the
// bootstrap and is stored in the device's preferences (the host's NVS file), which a second boot
// uses without asking; an X.509 device bootstraps with its certificate; an error answer is asked
// again with the backoff, not in a loop; a registration group device bootstraps with its group's
// credentials and is registered with the derived secret; the platform's BootstrapRequestTrigger,
// and two CONNACK 5 in a row at the stored address, make the board forget the address and restart.
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { once } from "node:events";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, afterEach, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type Certs, generateCerts } from "../../broker/certs";
import { type DeviceCertificate, generateDeviceCa, issueDeviceCertificate } from "../../broker/device-certs";
import { groupDeviceSecret } from "../../broker/provisioning";
import type { DeviceRecord } from "../../broker/registry";
import { type Broker, startBroker } from "../../broker/server";
import { bundleManifest } from "../../boards/host/bundle";
import { RESTART_EXIT_CODE } from "../../boards/host/restart";
import { APP_MANIFEST, buildConfig, DEFAULT_TARGET, platformOf } from "../../boards/host/target";
import { type HostApp, makeAppFolder, runHostApp } from "../fixtures/host-app";
import { until } from "../fixtures/until";
import { GROUP_VECTOR } from "../native/vectors";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const APP = join(ROOT, "build", `host-app-bootstrap-${process.pid}.mjs`);
const SECRET = "bootstrap-secret-Zr8";
const SCOPE = "scope7f3a";
const TEST_CA = "test-ca.der";

// A Map the test keeps: it disables a device (CONNACK 5) as moving it away from this instance would.
const registry = new Map<string, DeviceRecord>(["bs-dev", "bs-none", "bs-again", "bs-moved", "bs-clock"].map(id => [id, { secret: SECRET }]));
let certs: Certs;
let broker: Broker;
let x509: DeviceCertificate;
let dir: string;
const brokerLog: string[] = [];
const outputs: string[] = [];
const apps = new Set<HostApp>();

before(async () => {
	await bundleManifest(APP_MANIFEST, platformOf(DEFAULT_TARGET), APP);
	certs = generateCerts();
	const deviceCa = generateDeviceCa();
	x509 = issueDeviceCertificate(deviceCa, { deviceId: "bs-x509" });
	registry.set("bs-x509", { fingerprint: x509.fingerprint });
	broker = await startBroker({
		devices: registry,
		certs,
		deviceCas: [deviceCa.certPem],
		log: line => brokerLog.push(line),
		provisioning: { port: 0, groups: { [SCOPE]: { secret: GROUP_VECTOR.groupSecret } }, assignments: { "bs-dev": { initConfig: "{\"init\":23}" }, "bs-again": {}, "bs-moved": {}, "bs-x509": {}, "bs-clock": {} } },
	});
	dir = makeAppFolder("iotda-bootstrap-test-", TEST_CA, certs.caDer);
});

afterEach(async () => {
	for (const app of apps)
		await app.stop();
	apps.clear();
});

after(async () => {
	await broker.close();
	certs.cleanup();
	rmSync(dir, { recursive: true, force: true });
	rmSync(APP, { force: true });
	const all = outputs.join("");
	assert.ok(!all.includes(SECRET) && !all.includes(GROUP_VECTOR.groupSecret) && !all.includes(GROUP_VECTOR.derived), "a secret appeared in the app's output");
});

// The app with the provisioning endpoint configured and no IoTDA address anywhere but what the
// preferences file (kept by the caller across runs) stores.
function runApp(prefs: string, iotda: Record<string, unknown> = {}, env: Record<string, string> = {}, overrides: Record<string, unknown> = {}): HostApp {
	const config = buildConfig(DEFAULT_TARGET, {
		sntp: "127.0.0.1",
		...overrides,
		iotda: {
			host: "<not-this-one>", bootstrapHost: broker.host, bootstrapPort: broker.provisioning!.port, bootstrapName: "localhost",
			serverName: "localhost", ca: [TEST_CA], retryBaseMs: 1000, retryCapMs: 4000, ...iotda,
		},
	});
	const app = runHostApp(APP, { config, preferences: prefs, resources: join(dir, "resources"), env, sink: text => outputs.push(text) });
	apps.add(app);
	return app;
}

function preferences(name: string, iotda: Record<string, unknown>): string {
	const path = join(dir, `${name}.json`);
	writeFileSync(path, JSON.stringify({ iotda }));
	return path;
}

const stored = (path: string) => JSON.parse(readFileSync(path, "utf8")).iotda;
const bootstraps = (deviceId: string) => brokerLog.filter(line => line.startsWith(`provisioning: bootstrap deviceId=${deviceId} `)).length;
const reported = (app: HostApp) => app.output().includes("iotda: property report acknowledged");

test("bootstrap gives the address, the device connects there and stores it; the next boot connects there without bootstrapping", async () => {
	const prefs = preferences("bs-dev", { deviceId: "bs-dev", secret: SECRET });
	const first = runApp(prefs);
	await until(() => reported(first), "the first boot's property report", 20_000);
	assert.equal(bootstraps("bs-dev"), 1);
	assert.match(first.output(), new RegExp(`bootstrap: asking the provisioning service at 127\\.0\\.0\\.1:${broker.provisioning!.port}\\n`));
	assert.match(first.output(), new RegExp(`bootstrap: assigned 127\\.0\\.0\\.1:${broker.port}, stored\\n[^]*connecting to 127\\.0\\.0\\.1:${broker.port} as bs-dev_0_1_`));
	assert.deepEqual({ host: stored(prefs).host, port: stored(prefs).port }, { host: "127.0.0.1", port: broker.port });
	await first.stop();

	const second = runApp(prefs);
	await until(() => reported(second), "the second boot's property report", 20_000);
	assert.equal(bootstraps("bs-dev"), 1, "the second boot asked the provisioning service");
	assert.doesNotMatch(second.output(), /bootstrap: asking/);
	assert.match(second.output(), new RegExp(`connecting to 127\\.0\\.0\\.1:${broker.port} as bs-dev_0_1_`));
});

test("no clock and SNTP unanswered: the provisioning login starts the clock at the build time, and the IoTDA login after it still signs with sign type 0", async () => {
	const sntp = dgram.createSocket("udp4");		// takes the requests, answers none
	sntp.bind(0, "127.0.0.1");
	await once(sntp, "listening");
	const built = Date.now() - 600_000;		// after the certificates' start, an hour ago
	const hour = new Date(built).toISOString().replace(/[^0-9]/g, "").slice(0, 10);
	try {
		const app = runApp(preferences("bs-clock", { deviceId: "bs-clock", secret: SECRET }), {}, { HOST_CLOCK: "unset", HOST_SNTP_PORT: String(sntp.address().port) }, { buildTime: built });
		await until(() => /bootstrap: assigned/.test(app.output()) && /connecting to [^\n]* as bs-clock_0_\d_\d{10}\n[^]*connecting to [^\n]* as bs-clock_0_\d_\d{10}\n/.test(app.output()), "the IoTDA login", 20_000);
		assert.match(app.output(), new RegExp(`connecting to 127\\.0\\.0\\.1:${broker.provisioning!.port} as bs-clock_0_0_${hour}\n`));
		// the clock reads the build time plus a few seconds now, a valid-looking date that SNTP never set
		assert.match(app.output(), new RegExp(`connecting to 127\\.0\\.0\\.1:${broker.port} as bs-clock_0_0_\\d{10}\n`));
	}
	finally {
		sntp.close();
	}
});

test("an error answer is traced with its code and asked again after the backoff, not in a loop; an assignment then lands", async () => {
	const app = runApp(preferences("bs-none", { deviceId: "bs-none", secret: SECRET }));
	await until(() => bootstraps("bs-none") >= 2, "a second request", 15_000);
	assert.match(app.output(), /bootstrap: the provisioning service answered error "IOTDP\.010001": "the device has no assignment to an IoTDA instance"; asking again in \d+ ms\n/);
	await new Promise(resolve => setTimeout(resolve, 6000));
	// Backoff 1 s doubling to 4 s: a handful in these seconds, where a loop would ask hundreds of times.
	const asked = bootstraps("bs-none");
	assert.ok(asked >= 2 && asked <= 8, `${asked} requests in about 8 s`);
	broker.provisioning!.assign("bs-none");
	await until(() => reported(app), "the report once assigned", 15_000);
});

test("a registration group device: clientId with the scope, registered with the derived secret (the vector's), then connected", async () => {
	const prefs = preferences("group", { deviceId: GROUP_VECTOR.deviceId, scopeId: SCOPE, groupSecret: GROUP_VECTOR.groupSecret });
	const app = runApp(prefs);
	await until(() => reported(app), "the group device's property report", 20_000);
	assert.match(app.output(), new RegExp(`connecting to 127\\.0\\.0\\.1:${broker.provisioning!.port} as ${GROUP_VECTOR.deviceId}_0_${SCOPE}_1_\\d{10}\\n`));
	assert.match(app.output(), new RegExp(`connecting to 127\\.0\\.0\\.1:${broker.port} as ${GROUP_VECTOR.deviceId}_0_1_\\d{10}\\n`));
	assert.ok(brokerLog.includes(`provisioning: registered deviceId=${GROUP_VECTOR.deviceId} scopeId=${SCOPE}`));
	// IoTDA took the device's login with the secret the broker derived by node:crypto, the vector's
	assert.equal(groupDeviceSecret(GROUP_VECTOR.deviceId, GROUP_VECTOR.groupSecret), GROUP_VECTOR.derived);
	assert.equal(stored(prefs).secret, undefined, "the derived secret was stored");
});

test("an X.509 device bootstraps with its certificate, as it logs in to IoTDA", async () => {
	const base64 = (der: Uint8Array) => ({ base64: Buffer.from(der).toString("base64") });
	const prefs = preferences("bs-x509", { deviceId: "bs-x509", clientCert: "@devcert", clientKey: "@devkey", devcert: base64(x509.certDer), devkey: base64(x509.keyDer) });
	const app = runApp(prefs);
	await until(() => reported(app), "the certificate device's report", 20_000);
	assert.match(app.output(), new RegExp(`connecting to 127\\.0\\.0\\.1:${broker.provisioning!.port} as bs-x509_0_0_\\d{10}\\n`));
	assert.equal(bootstraps("bs-x509"), 1);
});

test("the platform's BootstrapRequestTrigger: the stored address is forgotten and the board restarts, then bootstraps again", async () => {
	const prefs = preferences("bs-again", { deviceId: "bs-again", secret: SECRET });
	const first = runApp(prefs);
	await until(() => reported(first), "the first boot's report", 20_000);
	broker.platform.sendMessage("bs-again", { message: "BootstrapRequestTrigger" });
	await until(() => first.child.exitCode !== null, "the restart", 10_000);
	assert.equal(first.child.exitCode, RESTART_EXIT_CODE);
	assert.match(first.output(), /bootstrap: the platform asked \(BootstrapRequestTrigger\): forgetting the stored address and restarting\n/);
	assert.equal(stored(prefs).host, undefined);
	const second = runApp(prefs);
	await until(() => reported(second), "the report after the restart", 20_000);
	assert.equal(bootstraps("bs-again"), 2);
});

test("two CONNACK 5 in a row at the stored address (one 30-60 s hold apart): the address is forgotten and the board restarts, then bootstraps again", async () => {
	// As if an earlier boot had bootstrapped: the address stored, and the device since gone from this instance.
	const prefs = preferences("bs-moved", { deviceId: "bs-moved", secret: SECRET, host: "127.0.0.1", port: broker.port });
	registry.get("bs-moved")!.disabled = true;
	const first = runApp(prefs, { authRetryMs: 60_000 });
	await until(() => first.child.exitCode !== null, "the restart after the second refusal", 75_000);
	assert.equal(first.child.exitCode, RESTART_EXIT_CODE);
	assert.equal(first.output().match(/CONNACK 5: not authorized[^\n]*; next attempt in/g)?.length, 2);
	assert.match(first.output(), /bootstrap: CONNACK 5 2 times in a row at the stored address: forgetting the stored address and restarting\n/);
	assert.doesNotMatch(first.output(), /bootstrap: asking/);
	assert.equal(stored(prefs).host, undefined);
	registry.get("bs-moved")!.disabled = false;
	const second = runApp(prefs);
	await until(() => reported(second), "the report after bootstrapping again", 20_000);
	assert.equal(bootstraps("bs-moved"), 1);
});
