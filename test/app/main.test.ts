// The whole device app (the demo, examples/demo through manifest.json) bundled for the host board and run as its own process, the
// way `npm start` runs it: settings from mc/config and preferences, the trust set from resources
// (the manifest's bundled roots, plus the test CA) and preferences, the clock from SNTP. Everything the process prints is captured and checked for the secret.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import dgram from "node:dgram";
import { once } from "node:events";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, afterEach, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type Certs, generateCerts } from "../../broker/certs";
import { type Broker, startBroker } from "../../broker/server";
import { bundleManifest } from "../../boards/host/bundle";
import { APP_MANIFEST, buildConfig, DEFAULT_TARGET, platformOf } from "../../boards/host/target";
import { utcHour } from "../fixtures/iotda";
import { relay } from "../fixtures/relay";
import { type HostApp, makeAppFolder, runHostApp } from "../fixtures/host-app";
import { until } from "../fixtures/until";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
// In build/ so lib/signer.ts finds build/core.wasm relative to the bundle.
const APP = join(ROOT, "build", `host-app-test-${process.pid}.mjs`);
const SECRET = "main-secret-Qv4";
const WRONG = "wrong-secret-Qv4";
const TEST_CA = "test-ca.der";		// the broker's CA, a resource beside the bundled roots
// The certificates' validity starts before the build time the clock-less test boots with.
const BUILT = Date.now() - 3 * 86_400_000;

let certs: Certs;
let broker: Broker;
let dir: string;
const outputs: string[] = [];		// every byte any app process printed
const children = new Set<ChildProcess>();		// npm start
const apps = new Set<HostApp>();
let runs = 0;

before(async () => {
	await bundleManifest(APP_MANIFEST, platformOf(DEFAULT_TARGET), APP);
	certs = generateCerts({ validFrom: new Date(BUILT - 86_400_000) });
	broker = await startBroker({ devices: { "main-dev": { secret: SECRET }, "main-wrong": { secret: SECRET } }, certs });
	dir = makeAppFolder("iotda-main-test-", TEST_CA, certs.caDer);
});

// Each test's apps end with it: two live apps of one device would take the session from each other.
afterEach(async () => {
	for (const app of apps)
		await app.stop();
	apps.clear();
	for (const child of children) {
		if (child.exitCode === null && child.signalCode === null) {
			child.kill();
			await once(child, "exit");
		}
	}
	children.clear();
});

after(async () => {
	await broker.close();
	certs.cleanup();
	rmSync(dir, { recursive: true, force: true });
	rmSync(APP, { force: true });
	const all = outputs.join("");
	assert.ok(!all.includes(SECRET) && !all.includes(WRONG), "a secret appeared in the app's output");
});

// Starts the app with the manifest's config for the lead target, overridden by `config` and by
// config.iotda = iotda over the broker's address and the test CA, and with the preferences given.
function runApp(iotda: Record<string, unknown>, preferences: Record<string, unknown>, env: Record<string, string> = {}, config: Record<string, unknown> = {}): HostApp {
	const prefs = join(dir, `prefs-${++runs}.json`);
	writeFileSync(prefs, JSON.stringify({ iotda: preferences }));
	const overrides = { sntp: "127.0.0.1", ...config, iotda: { host: broker.host, port: broker.port, serverName: "localhost", ca: [TEST_CA], ...iotda } };
	const app = runHostApp(APP, {
		config: buildConfig(DEFAULT_TARGET, overrides), preferences: prefs, resources: join(dir, "resources"), env,
		sink: text => outputs.push(text),
	});
	apps.add(app);
	return app;
}

function collect(event: "client" | "rejected" | "publish"): any[] {
	const seen: any[] = [];
	(broker.events as import("node:events").EventEmitter).on(event, value => seen.push(value));
	return seen;
}

// A local SNTP server: answers every request with `time` (seconds since 1970), or with a 47-byte
// packet the client must reject when time is undefined.
async function sntpServer(time?: number) {
	const server = dgram.createSocket("udp4");
	server.on("message", (_request, peer) => {
		const answer = Buffer.alloc(time === undefined ? 47 : 48);
		if (time !== undefined) {
			answer[0] = (4 << 3) | 4;		// version 4, mode 4 (server)
			answer[1] = 2;					// stratum 2 (0 would be a Kiss-o'-Death)
			answer.writeUInt32BE(time + 2208988800, 40);		// transmit timestamp, NTP era 0
		}
		server.send(answer, peer.port, peer.address);
	});
	server.bind(0, "127.0.0.1");
	await once(server, "listening");
	return { port: String(server.address().port), close: () => server.close() };
}

test("the app connects, reports its property as IoTDA JSON and answers a command", async () => {
	const publishes = collect("publish");
	// the preference (NVS) wins over the manifest's config
	const app = runApp({ deviceId: "from-config" }, { deviceId: "main-dev", secret: SECRET });
	const isReport = (p: any) => p.deviceId === "main-dev" && p.topic === "$oc/devices/main-dev/sys/properties/report";
	await until(() => publishes.some(isReport), "the property report");
	const report = publishes.find(isReport);
	// the OTA's version report after boot (src/upgrade.ts) went first, queued before the connect
	assert.deepEqual(JSON.parse(publishes.find(p => p.deviceId === "main-dev").payload.toString()),
		{ services: [{ service_id: "$ota", event_type: "version_report", paras: { fw_version: "1.0.0", sw_version: "1.0.0" } }] });
	const body = JSON.parse(report.payload.toString());
	const [{ properties, event_time }] = body.services;
	assert.deepEqual(body, { services: [{ service_id: "status", properties: { uptime: properties.uptime, reportInterval: 60 }, event_time }] });
	assert.ok(Number.isInteger(properties.uptime));
	assert.match(event_time, /^\d{8}T\d{6}Z$/);

	const response = await broker.publishCommand("main-dev", { command_name: "echo", service_id: "status", paras: { times: 3 } });
	assert.deepEqual(response, { result_code: 0, response_name: "echo", paras: { times: 3 } });
	await until(() => /command echo request /.test(app.output()), "the command trace");
	assert.match(app.output(), /connecting to 127\.0\.0\.1:\d+ as main-dev_0_1_\d{10}\n/);
});

test("a wrong secret: CONNACK 4 traced, then the configured hold before the next attempt", async () => {
	const rejected = collect("rejected");
	const app = runApp({ authRetryMs: 60_000 }, { deviceId: "main-wrong", secret: WRONG });
	// The refusal and the retry line can arrive in separate chunks: wait for the latter.
	await until(() => /CONNACK 4: bad username or password.*next attempt in \d+ ms/s.test(app.output()), "the refusal and retry traces");
	assert.match(app.output(), /next attempt in \d{5} ms/);		// 30-60 s, not the 200 ms backoff cap
	await new Promise(resolve => setTimeout(resolve, 1000));
	assert.equal(rejected.filter(r => r.clientId.startsWith("main-wrong_")).length, 1);
});

test("missing credentials or an out-of-range keepalive stop the app with an error naming the key", async () => {
	const noId = runApp({}, { secret: SECRET });
	assert.equal(await noId.exited, 0);
	assert.match(noId.output(), /cannot start: deviceId: must be set \(Preference "iotda" or config\.iotda\.deviceId\)/);

	const keepalive = runApp({ keepalive: 20 }, { deviceId: "main-dev", secret: SECRET });
	await keepalive.exited;
	assert.match(keepalive.output(), /cannot start: keepalive: must be an integer from 30 to 1200/);

	const placeholder = runApp({ host: "<your-instance>.iot-mqtts.cn-north-4.myhuaweicloud.com" }, { deviceId: "main-dev", secret: SECRET });
	await placeholder.exited;
	assert.match(placeholder.output(), /cannot start: host: replace the placeholder/);
});

test("the trust set: the bundled roots by default (refusing the local CA), roots plus a resource, or a CA in Preference", async () => {
	const clients = collect("client");
	const preferences = { deviceId: "main-dev", secret: SECRET };
	// the manifest's default, ["roots"]: the broker's chain leads to none of them
	const bundle = runApp({ ca: undefined }, preferences);
	await until(() => /next attempt in \d+ ms/.test(bundle.output()), "the refused attempt");
	assert.match(bundle.output(), /iotda: connect failed \(socket or TLS error\); next attempt/);
	await bundle.stop();
	assert.equal(clients.length, 0, "nothing connected under the bundled roots alone");

	// added to the bundle by the manifest's config (an array) or by Preference (a comma-separated list)
	for (const [config, prefs] of [[{ ca: ["roots", TEST_CA] }, {}], [{}, { ca: `roots, ${TEST_CA}` }]] as const) {
		const before = clients.length;
		const app = runApp(config, { ...preferences, ...prefs });
		await until(() => clients.length > before, `CONNACK 0 with ${JSON.stringify({ ...config, ...prefs })}`);
		await app.stop();
	}
	// a CA provisioned into Preference as DER, replacing the bundle without a rebuild
	const before = clients.length;
	runApp({ ca: ["roots"] }, { ...preferences, ca: "@myca", myca: { base64: Buffer.from(certs.caDer).toString("base64") } });
	await until(() => clients.length > before, "CONNACK 0 with the CA from Preference");
});

test("a trust set that cannot work stops the app with an error naming ca and the entry", async () => {
	writeFileSync(join(dir, "resources", "pem-ca.der"), certs.caPem);
	const cases: [Record<string, unknown>, Record<string, unknown>, RegExp][] = [
		[{}, { ca: "" }, /cannot start: ca: must be a list of names \(an array, or a comma-separated string\) without empty entries/],
		[{}, { ca: "roots,," }, /cannot start: ca: must be a list of names/],
		[{ ca: ["missing.der"] }, {}, /cannot start: ca: resource missing\.der not found \(add the file in DER form to the manifest's resources\)/],
		[{ ca: ["pem-ca.der"] }, {}, /cannot start: ca: resource pem-ca\.der is not DER \(convert PEM with openssl\)/],
		[{ ca: ["@myca"] }, {}, /cannot start: ca: @myca: Preference "iotda" key myca must hold DER/],
		[{ ca: ["@myca"] }, { myca: "not DER" }, /cannot start: ca: @myca: Preference "iotda" key myca must hold DER/],
		// X.509 authentication: the certificate and key are named as ca's entries are
		[{}, { clientCert: "@devcert" }, /cannot start: clientKey: must be set/],
		[{}, { clientKey: "@devkey" }, /cannot start: clientCert: must be a list of names/],
		[{ tls: false }, { clientCert: "@devcert", clientKey: "@devkey" }, /cannot start: clientCert: a device certificate needs tls/],
		[{}, { clientCert: "@devcert", clientKey: "@devkey" }, /cannot start: clientCert: @devcert: Preference "iotda" key devcert must hold DER/],
		[{}, { clientCert: TEST_CA, clientKey: "missing.der" }, /cannot start: clientKey: resource missing\.der not found/],
	];
	for (const [config, prefs, expected] of cases) {
		const app = runApp(config, { deviceId: "main-dev", secret: SECRET, ...prefs });
		assert.equal(await app.exited, 0);
		assert.match(app.output(), expected);
	}
});

test("a board that boots without a clock sets it by SNTP and then signs with sign type 1", async () => {
	const clients = collect("client");
	const sntp = await sntpServer(Math.floor(Date.now() / 1000));
	try {
		const app = runApp({}, { deviceId: "main-dev", secret: SECRET }, { HOST_CLOCK: "unset", HOST_SNTP_PORT: sntp.port });
		await until(() => clients.length > 0, "CONNACK 0");
		assert.match(clients[0].clientId, /^main-dev_0_1_20\d{8}$/);
		assert.doesNotMatch(app.output(), /sign type 0/);
	}
	finally {
		sntp.close();
	}
});

test("no clock and SNTP unanswered: the clock starts at the build time, sign type 0, IoTDA time sync, then sign type 1", async () => {
	const clients = collect("client");
	const sntp = dgram.createSocket("udp4");		// takes the requests, answers none
	sntp.bind(0, "127.0.0.1");
	await once(sntp, "listening");
	const link = await relay(broker.port);
	try {
		const app = runApp({ port: link.port }, { deviceId: "main-dev", secret: SECRET },
			{ HOST_CLOCK: "unset", HOST_SNTP_PORT: String(sntp.address().port) }, { buildTime: BUILT });
		await until(() => clients.length === 1, "CONNACK 0", 15_000);
		// Signed for the build's hour, and IoTDA told not to check it.
		assert.equal(clients[0].clientId, `main-dev_0_0_${utcHour(BUILT)}`);
		assert.match(app.output(), new RegExp(`clock not set, starting it at the firmware's build time ${new Date(BUILT).toISOString()}`));
		await until(() => /clock set by IoTDA time sync/.test(app.output()), "the time sync");
		link.drop();
		await until(() => clients.length === 2, "the reconnect");
		assert.equal(clients[1].clientId, `main-dev_0_1_${utcHour(Date.now())}`);
		assert.doesNotMatch(app.output(), /SNTP failed/);		// still asking: SNTP gives up after 25 s
	}
	finally {
		sntp.close();
		link.close();
	}
});

test("no network: SNTP and the session keep retrying instead of the app stopping or crashing", async () => {
	const app = runApp({}, { deviceId: "main-dev", secret: SECRET }, { HOST_CLOCK: "unset", HOST_NETWORK: "down" });
	await until(() => /SNTP failed, retrying in 10 min/.test(app.output()), "the SNTP failure");
	await until(() => /iotda: socket: no network; next attempt in \d+ ms/.test(app.output()), "the session's retry", 15_000);
	assert.doesNotMatch(app.output(), /cannot start/);
	assert.equal(await Promise.race([app.exited, new Promise(resolve => setTimeout(() => resolve("running"), 200))]), "running");
});

test("retry delays that would make a storm stop the app with an error naming the key", async () => {
	const app = runApp({ retryCapMs: 1 }, { deviceId: "main-dev", secret: SECRET });
	assert.equal(await app.exited, 0);
	assert.match(app.output(), /cannot start: retryCapMs: must be an integer from 1000 to 86400000\n/);
});

// `npm start -- ...args --once`: exits 0 printing connected, the broker and the app's lines prefixed.
async function startOnce(args: string[]): Promise<void> {
	const child = spawn("npm", ["start", "--", ...args, "--once"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
	children.add(child);
	let text = "";
	child.stdout.on("data", chunk => { text += chunk; outputs.push(chunk.toString()); });
	child.stderr.on("data", chunk => { text += chunk; outputs.push(chunk.toString()); });
	const [code] = await once(child, "exit");
	assert.equal(code, 0, text);
	assert.match(text, /^connected$/m);
	assert.match(text, /\[broker\] connect accepted clientId=demo-device_0_1_\d{10}/);
	assert.match(text, /\[app\] iotda: connected/);
}

test("npm start -- --once prints connected and exits 0", () => startOnce([]));

// The bundle and the host config from the example's own manifest; the CA resource's name from the module's.
test("npm start -- --example minimal --once prints connected and exits 0", () => startOnce(["--example", "minimal"]));
