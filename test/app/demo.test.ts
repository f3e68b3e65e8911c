// The demo device (examples/demo) end to end over real TLS: the local IoTDA's platform side, reached
// through its HTTP API and the iotda-local CLI, and the demo on the host board, one process for the
// whole file: the shadow and the messages waiting while it is offline, property set and get, the
// command echo, the platform's timeout for a get it does not answer, and payloads it must refuse,
// all on one connection.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type Certs, generateCerts } from "../../broker/certs";
import { type Broker, startBroker } from "../../broker/server";
import { bundleManifest } from "../../boards/host/bundle";
import { APP_MANIFEST, buildConfig, DEFAULT_TARGET, platformOf } from "../../boards/host/target";
import { callApi } from "../fixtures/device";
import { type HostApp, runHostApp } from "../fixtures/host-app";
import { until } from "../fixtures/until";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BUNDLE = join(ROOT, "build", `host-demo-test-${process.pid}.mjs`);
const DEVICE = "demo-dev";
const SECRET = "demo-secret-Qv4";
const TIMEOUT_MS = 1500;		// the platform's wait for an answer (IoTDA's 20 s)
const api = (what: string) => `/v5/iot/local/devices/${DEVICE}/${what}`;
const run = promisify(execFile);

let certs: Certs;
let broker: Broker;
let dir: string;
let app: HostApp;
const connects: string[] = [];
const reports: any[] = [];
const answers: { topic: string; body: any }[] = [];		// the device's answers on .../response/...

before(async () => {
	certs = generateCerts();
	broker = await startBroker({ devices: { [DEVICE]: { secret: SECRET } }, certs, http: { port: 0 }, requestTimeoutMs: TIMEOUT_MS });
	broker.events.on("client", ({ deviceId }) => connects.push(deviceId));
	broker.events.on("publish", ({ topic, payload }) => {
		if (topic.endsWith("/sys/properties/report"))
			reports.push(JSON.parse(payload.toString()));
		else if (topic.includes("/response/"))
			answers.push({ topic, body: JSON.parse(payload.toString()) });
	});
	await bundleManifest(APP_MANIFEST, platformOf(DEFAULT_TARGET), BUNDLE);
	dir = mkdtempSync(join(tmpdir(), "iotda-demo-test-"));
	mkdirSync(join(dir, "resources"));
	writeFileSync(join(dir, "resources", "iotda-ca.der"), certs.caDer);
	writeFileSync(join(dir, "prefs.json"), JSON.stringify({ iotda: { deviceId: DEVICE, secret: SECRET } }));
});

after(async () => {
	await app?.stop();
	await broker.close();
	certs.cleanup();
	rmSync(dir, { recursive: true, force: true });
	rmSync(BUNDLE, { force: true });
	assert.ok(!app?.output().includes(SECRET), "the secret appeared in the demo's output");
});

const latest = () => reports.at(-1)?.services[0];

test("offline: the shadow's desired reportInterval and messages down wait; after the connect the demo applies one and traces the others", async () => {
	const desired = await callApi(broker, "PUT", api("shadow"), { shadow: [{ service_id: "status", desired: { reportInterval: 7 } }] });
	assert.equal(desired.status, 200);
	for (const message of [
		{ name: "greeting", message: { text: "hello" } },
		{ message: "\u0001\u0002 not JSON", payload_format: "raw", topic_full_name: `$oc/devices/${DEVICE}/sys/messages/down` },
	]) {
		const sent = await callApi(broker, "POST", api("messages"), message);
		assert.equal(sent.status, 201);
		assert.equal(sent.body.result.status, "PENDING");
	}
	app = runHostApp(BUNDLE, {
		config: buildConfig(DEFAULT_TARGET, { sntp: "127.0.0.1", iotda: { host: broker.host, port: broker.port, serverName: "localhost", ca: ["iotda-ca.der"] } }),
		preferences: join(dir, "prefs.json"), resources: join(dir, "resources"),
	});
	await until(() => /message down, 11 bytes\n/.test(app.output()), "the raw message's trace");
	assert.match(app.output(), /iotda: message down "greeting": \{"text":"hello"\}\n/);
	await until(() => latest()?.properties.reportInterval === 7, "a report with the desired reportInterval");
	assert.match(app.output(), /iotda: reportInterval 7 s\n/);
	// the first report, before the shadow's answer, had the configured 60 s
	assert.deepEqual(reports[0].services.map((s: any) => [s.service_id, Object.keys(s.properties)]), [["status", ["uptime", "reportInterval"]]]);
	assert.equal(reports[0].services[0].properties.reportInterval, 60);
	assert.match(latest().event_time, /^\d{8}T\d{6}Z$/);
});

test("property set from the CLI, get through the API: the demo's answers reach the caller", async () => {
	const cli = await run(process.execPath, [join(ROOT, "dist/iotda-local.js"), "set-properties", "--url", broker.http!.url,
		"--device", DEVICE, "--service", "status", "--properties", '{"reportInterval":30}']);
	assert.deepEqual(JSON.parse(cli.stdout).response, { result_code: 0 });
	await until(() => latest()?.properties.reportInterval === 30, "the report after the set");
	for (const query of ["", "?service_id=status"]) {
		const got = await callApi(broker, "GET", api(`properties${query}`));
		assert.equal(got.status, 200);
		const [service] = got.body.response.services;
		assert.equal(service.service_id, "status");
		assert.equal(service.properties.reportInterval, 30);
		assert.ok(Number.isInteger(service.properties.uptime) && service.properties.uptime >= 0);
	}
});

test("property set refused: uptime is read-only, reportInterval only 5-3600, unknown names; nothing applied", async () => {
	const rule = "reportInterval: must be an integer from 5 to 3600 (seconds)";
	for (const [services, result_desc] of [
		[[{ service_id: "status", properties: { uptime: 5 } }], "uptime: read-only"],
		[[{ service_id: "status", properties: { reportInterval: 4 } }], rule],
		[[{ service_id: "status", properties: { reportInterval: 3601 } }], rule],
		[[{ service_id: "status", properties: { reportInterval: "10" } }], rule],
		[[{ service_id: "status", properties: { reportInterval: 10, color: "red" } }], '"color": no such property of "status"'],
		[[{ service_id: "status", properties: { reportInterval: 10 } }, { service_id: "light", properties: {} }], 'service "light": unknown (this device has "status")'],
	] as const) {
		const set = await callApi(broker, "PUT", api("properties"), { services });
		assert.equal(set.status, 200);
		assert.deepEqual(set.body.response, { result_code: 1, result_desc }, JSON.stringify(services));
	}
	const got = await callApi(broker, "GET", api("properties?service_id=status"));
	assert.equal(got.body.response.services[0].properties.reportInterval, 30);
});

test("command echo returns its paras with result_code 0; another command fails", async () => {
	const echo = await callApi(broker, "POST", api("commands"), { service_id: "status", command_name: "echo", paras: { text: "hi", n: [1, 2] } });
	assert.equal(echo.status, 200);
	assert.deepEqual(echo.body.response, { result_code: 0, response_name: "echo", paras: { text: "hi", n: [1, 2] } });
	const other = await callApi(broker, "POST", api("commands"), { service_id: "status", command_name: "reboot", paras: {} });
	assert.deepEqual(other.body.response, { result_code: 1, response_name: "reboot", paras: { error: 'unknown command "reboot"' } });
});

test("a get the demo does not answer (unknown service): the caller gets the platform's timeout error, the demo logs why", async () => {
	const started = performance.now();
	const got = await callApi(broker, "GET", api("properties?service_id=light"));
	assert.ok(performance.now() - started >= TIMEOUT_MS);
	assert.equal(got.status, 200);
	assert.equal(got.body.error_code, "IOTDA.014111");
	assert.match(app.output(), /iotda: properties\/get: unknown service "light"\n/);
});

test("payloads the demo must refuse: not JSON on properties/set gets a failure answer, a bad event a log line; the link stays", async () => {
	const raw = (topic: string, message: string) =>
		callApi(broker, "POST", api("messages"), { message, payload_format: "raw", topic_full_name: `$oc/devices/${DEVICE}/sys/${topic}` });
	assert.equal((await raw("properties/set/request_id=bad-1", "{not json")).status, 201);
	await until(() => answers.some(answer => answer.topic.endsWith("/properties/set/response/request_id=bad-1")), "the failure answer");
	const { body } = answers.find(answer => answer.topic.endsWith("/request_id=bad-1"))!;
	assert.equal(body.result_code, 1);
	assert.equal(typeof body.result_desc, "string");
	const before = app.output().length;
	assert.equal((await raw("events/down", "garbage")).status, 201);
	await until(() => /iotda: .*JSON/.test(app.output().slice(before)), "the log line");
	// still the first connection, and still answering
	const echo = await callApi(broker, "POST", api("commands"), { command_name: "echo", paras: { after: true } });
	assert.deepEqual(echo.body.response.paras, { after: true });
	assert.deepEqual(connects, [DEVICE]);
});
