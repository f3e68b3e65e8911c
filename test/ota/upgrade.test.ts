// The device's OTA (src/upgrade.ts) end to end: the app bundled for the host board, run as its own
// process on a state directory and launched again when it restarts, against the local IoTDA over
// real TLS: packages uploaded and tasks started through the northbound API, the notice over MQTT,
// the download from the HTTPS file server, the broker's OTA test hooks for the failure paths.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type Certs, generateCerts } from "../../broker/certs";
import { type Broker, type BrokerOptions, startBroker } from "../../broker/server";
import { bundleManifest } from "../../boards/host/bundle";
import { otaSlots } from "../../boards/host/partitions";
import { RESTART_EXIT_CODE } from "../../boards/host/restart";
import { APP_MANIFEST, buildConfig, DEFAULT_TARGET, platformOf, TARGETS } from "../../boards/host/target";
import { espImage } from "../fixtures/esp-image";
import { until } from "../fixtures/until";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const APP = join(ROOT, "build", `host-app-ota-${process.pid}.mjs`);
const PROJECT = "/v5/iot/p";
const DEVICES = ["good", "sign", "drop", "cut", "large", "current", "untrusted", "v2", "soft"];
const SECRET = (id: string) => `${id}-ota-secret`;
const T = { timeout: 60_000 };
const SLOT = otaSlots(DEFAULT_TARGET)[1];		// the first upgrade writes ota_1

let certs: Certs;
let broker: Broker;
let dir: string;
const logLines: string[] = [];
const children = new Set<ChildProcess>();

before(async () => {
	await bundleManifest(APP_MANIFEST, platformOf(DEFAULT_TARGET), APP);
	certs = generateCerts();
	broker = await local({});
	dir = mkdtempSync(join(tmpdir(), "iotda-ota-test-"));
});

afterEach(async () => {
	for (const child of children)
		if (child.exitCode === null && child.signalCode === null) {
			child.kill();
			await once(child, "exit");
		}
	children.clear();
	broker.setOtaTestHooks({});
});

after(async () => {
	await broker.close();
	certs.cleanup();
	rmSync(dir, { recursive: true, force: true });
	rmSync(APP, { force: true });
});

function local(ota: BrokerOptions["ota"]) {
	return startBroker({
		devices: Object.fromEntries(DEVICES.map(id => [id, { secret: SECRET(id) }])), certs,
		log: line => logLines.push(line), http: { port: 0 }, ota,
	});
}

interface Device {
	state: string;				// its HOST_STATE_DIR
	output(): string;
	launches(): number;
}

// The app for `id` on its own state directory, launched again after each restart as npm start does.
function runDevice(id: string, on: Broker = broker): Device {
	const state = join(dir, id);
	mkdirSync(join(state, "resources"), { recursive: true });
	writeFileSync(join(state, "resources", "iotda-ca.der"), certs.caDer);
	const preferences = join(state, "preferences.json");
	writeFileSync(preferences, JSON.stringify({ iotda: { deviceId: id, secret: SECRET(id) } }));
	const config = buildConfig(DEFAULT_TARGET, { iotda: { host: on.host, port: on.port, serverName: "localhost", ca: ["iotda-ca.der"] } });
	let text = "", launches = 0;
	const launch = () => {
		launches++;
		const child = spawn(process.execPath, [APP], {
			env: { ...process.env, HOST_TARGET: DEFAULT_TARGET, HOST_CONFIG: JSON.stringify(config), HOST_PREFERENCES: preferences, HOST_RESOURCES: join(state, "resources"), HOST_STATE_DIR: state },
			stdio: ["ignore", "pipe", "pipe"],
		});
		children.add(child);
		child.stdout!.on("data", chunk => text += chunk);
		child.stderr!.on("data", chunk => text += chunk);
		child.on("exit", code => code === RESTART_EXIT_CODE && launch());
	};
	launch();
	return { state, output: () => text, launches: () => launches };
}

async function api(on: Broker, method: string, path: string, body?: unknown, query = "") {
	const binary = body instanceof Uint8Array;
	const res = await fetch(`${on.http!.url}${PROJECT}${path}${query}`, {
		method,
		headers: { "content-type": binary ? "application/octet-stream" : "application/json" },
		body: binary ? body : body === undefined ? undefined : JSON.stringify(body),
	});
	return { status: res.status, body: await res.json() as any };
}

async function upload(bytes: Uint8Array, version: string, on = broker, query = "") {
	const answer = await api(on, "POST", "/ota-upgrades/packages", bytes, `?version=${version}&file_name=app.bin${query}`);
	assert.equal(answer.status, 201, JSON.stringify(answer.body));
	return answer.body.package_id as string;
}

// A task for `id` once its app is online; resolves with the device's task detail once final.
async function upgrade(id: string, packageId: string, on = broker, taskType = "firmwareUpgrade") {
	await until(() => logLines.some(line => line.includes(`ota version report deviceId=${id} `)), `${id}'s version report after boot`, 20_000);
	const created = await api(on, "POST", "/batchtasks", { task_name: `t_${id}`, task_type: taskType, targets: [id], document: { package_id: packageId } });
	assert.equal(created.status, 201, JSON.stringify(created.body));
	const end = performance.now() + 50_000;
	for (;;) {
		const detail = (await api(on, "GET", `/batchtasks/${created.body.task_id}`)).body.task_details[0];
		if (!["waiting", "querying", "downloading"].includes(detail.state))
			return detail;
		assert.ok(performance.now() < end, `${id}'s task still ${detail.state}`);
		await new Promise(resolve => setTimeout(resolve, 50));
	}
}

const committed = (device: Device) => existsSync(join(device.state, "otadata.json"));
const downloads = (id: string) => logLines.filter(line => line.startsWith(`ota download deviceId=${id} `));

test("every board builds with the SDK's ota module and its partition table, whose OTA slot is its config.ota.slotBytes", () => {
	for (const target of TARGETS) {
		const manifest = JSON.parse(readFileSync(join(ROOT, "boards", target, "manifest.json"), "utf8"));
		assert.deepEqual(manifest.include, ["$(MODDABLE)/build/devices/esp32/modules/ota/manifest.json"], target);
		assert.equal(manifest.build.PARTITIONS_FILE, "./partitions.csv", target);		// mcconfig: relative to the manifest
		assert.ok(existsSync(join(ROOT, "boards", target, "partitions.csv")), target);
		const slots = otaSlots(target);
		assert.deepEqual(slots.map(slot => slot.name), ["ota_0", "ota_1"], target);
		assert.equal(slots[0].bytes, slots[1].bytes, target);
		assert.equal(buildConfig(target).ota.slotBytes, slots[0].bytes, target);
	}
});

test("a good package: byte for byte in the OTA slot, result 0 at 100 with its version, then after the restart the new version reported", T, async () => {
	const image = espImage(DEFAULT_TARGET, 150_000);
	const device = runDevice("good");
	const detail = await upgrade("good", await upload(image, "2.0"));
	assert.deepEqual([detail.state, detail.result_code, detail.progress, detail.version], ["success", 0, 100, "2.0"], JSON.stringify(detail));
	assert.ok(Buffer.from(readFileSync(join(device.state, `${SLOT.name}.bin`))).equals(image));
	assert.deepEqual(JSON.parse(readFileSync(join(device.state, "otadata.json"), "utf8")), { boot: SLOT.name });
	await until(() => device.launches() === 2 && logLines.includes("ota version report deviceId=good fw_version=2.0 sw_version=1.0.0"), "the version report after the restart", 20_000);
	assert.equal((await api(broker, "GET", "/devices/good")).body.fw_version, "2.0");
	// progress at most every 10 %, never backwards
	const progress = logLines.filter(line => line.startsWith("ota progress deviceId=good ")).map(line => Number(/progress=(\d+)/.exec(line)![1]));
	progress.forEach((p, i) => i && assert.ok(p >= progress[i - 1] + 10, `${progress}`));
	assert.match(device.output(), /iotda: OTA 2\.0 installed, restarting/);
});

test("a wrong sign: result 7, the image cancelled and the boot slot unchanged", T, async () => {
	broker.setOtaTestHooks({ wrongSign: true });
	const device = runDevice("sign");
	const detail = await upgrade("sign", await upload(espImage(DEFAULT_TARGET, 20_000), "2.1"));
	assert.deepEqual([detail.state, detail.result_code], ["failed", 7], JSON.stringify(detail));
	assert.ok(!committed(device));
	assert.equal(device.launches(), 1);
});

test("a link dropped mid-download resumes with Range from the byte it reached", T, async () => {
	const image = espImage(DEFAULT_TARGET, 100_000);
	broker.setOtaTestHooks({ dropAfterBytes: 40_000 });
	const device = runDevice("drop");
	const detail = await upgrade("drop", await upload(image, "2.2"));
	assert.deepEqual([detail.state, detail.result_code], ["success", 0], JSON.stringify(detail));
	assert.deepEqual(downloads("drop").map(line => /bytes=(\d+)-/.exec(line)![1]), ["0", "40000", "80000"]);
	assert.ok(Buffer.from(readFileSync(join(device.state, `${SLOT.name}.bin`))).equals(image));
});

test("a link that keeps dropping: result 6 after the bounded retries, nothing committed", T, async () => {
	broker.setOtaTestHooks({ dropAfterBytes: 1000 });
	const device = runDevice("cut");
	const detail = await upgrade("cut", await upload(espImage(DEFAULT_TARGET, 100_000), "2.3"));
	assert.deepEqual([detail.state, detail.result_code], ["failed", 6], JSON.stringify(detail));
	assert.equal(downloads("cut").length, 5);		// the first GET and 4 resumes
	assert.ok(!committed(device));
});

test("a package larger than the OTA slot: result 5 before any download", T, async () => {
	runDevice("large");
	const detail = await upgrade("large", await upload(new Uint8Array(SLOT.bytes + 1).fill(0xe9), "3.0"));
	assert.deepEqual([detail.state, detail.result_code], ["failed", 5], JSON.stringify(detail));
	assert.equal(downloads("large").length, 0);
});

test("the version already running: result 3, no download", T, async () => {
	broker.setOtaTestHooks({ noticeAtSameVersion: true });
	runDevice("current");
	const detail = await upgrade("current", await upload(espImage(DEFAULT_TARGET, 10_000), "1.0.0"));
	assert.deepEqual([detail.state, detail.result_code, detail.version], ["failed", 3, "1.0.0"], JSON.stringify(detail));
	assert.equal(downloads("current").length, 0);
});

test("a download server the device does not trust: refused by the TLS checks and reported (6), nothing fetched", T, async () => {
	broker.setOtaTestHooks({ untrustedCertificate: true });
	const device = runDevice("untrusted");
	const detail = await upgrade("untrusted", await upload(espImage(DEFAULT_TARGET, 10_000), "2.4"));
	assert.deepEqual([detail.state, detail.result_code], ["failed", 6], JSON.stringify(detail));
	assert.match(detail.error?.error_msg ?? "", /connect failed/);
	assert.equal(downloads("untrusted").length, 0);
	assert.ok(!committed(device));
});

test("a pre-signed URL (firmware_upgrade_v2): downloaded without a token", T, async () => {
	const device = runDevice("v2");
	const detail = await upgrade("v2", await upload(espImage(DEFAULT_TARGET, 30_000), "2.5", broker, "&download=presigned"));
	assert.deepEqual([detail.state, detail.result_code], ["success", 0], JSON.stringify(detail));
	assert.ok(committed(device));
});

test("a software package (software_upgrade): the same image replaced, its version reported as sw_version after the restart", T, async () => {
	const device = runDevice("soft");
	const detail = await upgrade("soft", await upload(espImage(DEFAULT_TARGET, 20_000), "app-2", broker, "&package_type=softwarePackage"), broker, "softwareUpgrade");
	assert.deepEqual([detail.state, detail.result_code, detail.version], ["success", 0, "app-2"], JSON.stringify(detail));
	await until(() => device.launches() === 2 && logLines.includes("ota version report deviceId=soft fw_version=1.0.0 sw_version=app-2"), "the version report after the restart", 20_000);
});

test("an expired token: HTTP 401 reported (6), not a crash", T, async () => {
	const short = await local({ tokenTtlMs: 1 });
	try {
		const device = runDevice("good", short);
		const detail = await upgrade("good", await upload(espImage(DEFAULT_TARGET, 10_000), "4.0", short), short);
		assert.deepEqual([detail.state, detail.result_code], ["failed", 6], JSON.stringify(detail));
		assert.match(detail.error?.error_msg ?? "", /HTTP 401/);
		assert.equal(device.launches(), 1);
		assert.doesNotMatch(device.output(), /TypeError|RangeError|uncaught/i);
	}
	finally {
		for (const child of children)
			child.kill();
		await short.close();
	}
});
