// IoTDA's OTA on the local platform end to end: packages uploaded over the northbound API, upgrade
// tasks, the $ota events an MQTT.js device receives and sends over real TLS, and real HTTPS downloads
// from the OTA file server (token, Range, expiry, the test hooks). The broker clock is moved for the
// time limits; everything else runs as a device would run it.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash, randomBytes, X509Certificate } from "node:crypto";
import { once } from "node:events";
import { after, before, test } from "node:test";
import { connect } from "node:tls";
import { type Certs, generateCerts } from "../../broker/certs";
import { type Broker, startBroker } from "../../broker/server";
import { callApi, connectDevice, type Device } from "../fixtures/device";
import { download, nextOtaEvent, otaEvents, sendOtaEvent } from "../fixtures/ota";
import { until } from "../fixtures/until";

const NOW = Date.UTC(2025, 3, 14, 1, 30);
const DEVICES = ["ok", "resume", "tokens", "fails", "rude", "current", "silent", "later", "slow", "v2", "soft", "busy", "stopped", "guarded", "hooked"];
const SECRET = (id: string) => `${id}-secret`;
const TIMES = { versionQueryMs: 60_000, tokenTtlMs: 600_000, upgradeTimeoutMs: 3_600_000, onlineWaitMs: 7_200_000 };
const T = { timeout: 20_000 };
const PROJECT = "/v5/iot/my-project";
// a package a few TLS records long, so a dropped link lands mid-body
const FIRMWARE = randomBytes(100_000);
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

let certs: Certs;
let broker: Broker;
let clock = NOW;
const logLines: string[] = [];
const devices: Device[] = [];
let firmwareId: string;

before(async () => {
  certs = generateCerts();
  broker = await startBroker({
    devices: Object.fromEntries(DEVICES.map((id) => [id, { secret: SECRET(id) }])),
    certs,
    now: () => clock,
    log: (l) => logLines.push(l),
    http: { port: 0 },
    ota: TIMES,
  });
  firmwareId = (await upload(FIRMWARE, "version=2.0&file_name=app.bin&custom_info=new%20features")).body.package_id;
});

after(async () => {
  for (const d of devices) await d.end();
  await broker.close();
  certs.cleanup();
});

async function online(id: string) {
  const device = await connectDevice(broker, id, SECRET(id), clock);
  devices.push(device);
  return device;
}

function upload(bytes: Uint8Array, query: string) {
  return fetch(`${broker.http!.url}${PROJECT}/ota-upgrades/packages?${query}`, {
    method: "POST",
    headers: { "content-type": "application/octet-stream" },
    body: new Uint8Array(bytes),
  }).then(async (res) => ({ status: res.status, body: await res.json() as any }));
}

const createTask = (targets: string[], packageId = firmwareId, taskType = "firmwareUpgrade") =>
  callApi(broker, "POST", `${PROJECT}/batchtasks`, { task_name: "test_upgrade", task_type: taskType, targets, document: { package_id: packageId } });

const showTask = async (taskId: string) => (await callApi(broker, "GET", `${PROJECT}/batchtasks/${taskId}`)).body;

/** A device connected, a task for it, its version query answered with `running`: the upgrade notice. */
async function notified(id: string, running = "1.0", packageId = firmwareId) {
  const device = await online(id);
  const created = await createTask([id], packageId);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await nextOtaEvent(device, id, "version_query");
  const from = device.received.length;
  await sendOtaEvent(device, id, "version_report", { fw_version: running, sw_version: "app-1" });
  return { device, taskId: created.body.task_id as string, notice: await nextOtaEvent(device, id, "firmware_upgrade", from) };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

test("upload: the package's size and lowercase hex SHA-256, listed and shown in IoTDA's shape", T, async () => {
  const shown = await callApi(broker, "GET", `${PROJECT}/ota-upgrades/packages/${firmwareId}`);
  assert.equal(shown.status, 200);
  assert.deepEqual({ ...shown.body, package_id: undefined }, {
    package_id: undefined,
    package_type: "firmwarePackage",
    version: "2.0",
    file_name: "app.bin",
    custom_info: "new features",
    download: "token",
    file_size: FIRMWARE.length,
    sign: sha256(FIRMWARE),
    create_time: "20250414T013000Z",
  });
  assert.match(firmwareId, /^[0-9a-f]{24}$/);
  const listed = await callApi(broker, "GET", `${PROJECT}/ota-upgrades/packages?package_type=firmwarePackage&version=2.0`);
  assert.deepEqual(listed.body.packages.map((p: any) => p.package_id), [firmwareId]);
  assert.deepEqual((await callApi(broker, "GET", `${PROJECT}/ota-upgrades/packages?version=9.9`)).body, { packages: [], page: { count: 0 } });
});

test("upload: bad input names the field; JSON (an OBS location) is refused with the way to upload", T, async () => {
  assert.deepEqual((await upload(FIRMWARE, "file_name=a.bin")).body, { error_code: "IOTDA.000006", error_msg: "Invalid input data. version: required (query parameter)" });
  assert.equal((await upload(FIRMWARE, "version=a%20b")).body.error_msg, "Invalid input data. version: 1-256 letters, digits, '_', '-' or '.'");
  assert.equal((await upload(FIRMWARE, "version=1&package_type=modulePackage")).body.error_msg, "Invalid input data. package_type: must be one of firmwarePackage, softwarePackage");
  assert.equal((await upload(FIRMWARE, "version=1&file_name=../x")).body.error_msg, "Invalid input data. file_name: 1-256 characters without '/', '\\' or controls");
  assert.equal((await upload(new Uint8Array(0), "version=1")).body.error_msg, "Invalid input data. file: must not be empty");
  const json = await callApi(broker, "POST", `${PROJECT}/ota-upgrades/packages`, { package_type: "firmwarePackage", version: "2.0", file_location: { obs_location: {} } });
  assert.equal(json.status, 400);
  assert.equal(json.body.error_code, "IOTDA.000008");
  assert.match(json.body.error_msg, /application\/octet-stream/);
  assert.deepEqual((await callApi(broker, "GET", `${PROJECT}/ota-upgrades/packages/nope`)).body, { error_code: "LOCAL.000404", error_msg: "The package nope does not exist." });
});

test("a good upgrade: version query, the notice, a byte-identical download with the token, progress to success", T, async () => {
  const { device, taskId, notice } = await notified("ok");
  assert.deepEqual(Object.keys(notice.payload), ["object_device_id", "services"]);
  assert.equal(notice.payload.object_device_id, "ok");
  assert.equal(notice.event_time, "20250414T013000Z");
  const { paras } = notice;
  assert.deepEqual(Object.keys(paras).sort(), ["access_token", "custom_info", "expires", "file_name", "file_size", "sign", "url", "version"]);
  assert.deepEqual({ version: paras.version, file_size: paras.file_size, file_name: paras.file_name, expires: paras.expires, sign: paras.sign, custom_info: paras.custom_info },
    { version: "2.0", file_size: FIRMWARE.length, file_name: "app.bin", expires: 600, sign: sha256(FIRMWARE), custom_info: "new features" });
  assert.equal(paras.url, `${broker.otaFiles.url}/iodm/dev/v2.0/upgradefile/applications/${taskId}/devices/ok/packages/${firmwareId}`);
  assert.match(paras.url, /^https:\/\/127\.0\.0\.1:\d+\//);
  assert.match(paras.access_token, /^[0-9a-f]{32}$/);

  const got = await download(paras.url, { ca: certs.caPem, headers: bearer(paras.access_token) });
  assert.equal(got.status, 200);
  assert.equal(got.complete, true);
  assert.equal(got.headers["content-length"], String(FIRMWARE.length));
  assert.equal(got.headers["accept-ranges"], "bytes");
  assert.equal(got.headers.connection, "close");
  assert.equal(Buffer.compare(got.body, FIRMWARE), 0);
  assert.equal(sha256(got.body), paras.sign);
  const head = await download(paras.url, { ca: certs.caPem, headers: bearer(paras.access_token), method: "HEAD" });
  assert.deepEqual([head.status, head.headers["content-length"], head.body.length], [200, String(FIRMWARE.length), 0]);

  await sendOtaEvent(device, "ok", "upgrade_progress_report", { result_code: 0, progress: 40, version: "1.0", description: "downloading" });
  let shown = await showTask(taskId);
  assert.equal(shown.batchtask.status, "Processing");
  assert.deepEqual(shown.task_details, [{
    target: "ok", status: "Processing", output: "upgrade notice sent, progress 40%", state: "downloading", progress: 40, result_code: 0, version: "1.0", description: "downloading",
  }]);
  await sendOtaEvent(device, "ok", "upgrade_progress_report", { result_code: 0, progress: 100, version: "2.0" });
  shown = await showTask(taskId);
  assert.equal(shown.batchtask.status, "Success");
  assert.deepEqual(shown.batchtask.task_progress, { total: 1, processing: 0, success: 1, fail: 0, waitting: 0, fail_wait_retry: 0, stopped: 0, removed: 0 });
  assert.deepEqual(shown.task_details[0], { target: "ok", status: "Success", output: "upgraded to 2.0", state: "success", progress: 100, result_code: 0, version: "2.0" });
  // the upgrade is over: its credential with it
  assert.equal((await download(paras.url, { ca: certs.caPem, headers: bearer(paras.access_token) })).status, 401);

  // after its restart the device reports what it runs; ShowDevice shows it
  assert.equal((await callApi(broker, "GET", `${PROJECT}/devices/ok`)).body.fw_version, "1.0");
  await sendOtaEvent(device, "ok", "version_report", { fw_version: "2.0" });
  assert.deepEqual((await callApi(broker, "GET", `${PROJECT}/devices/ok`)).body, { device_id: "ok", status: "ONLINE", fw_version: "2.0", sw_version: "app-1" });
  // the token went out to the device only, never into a log line
  assert.equal(logLines.some((l) => l.includes(paras.access_token)), false);
});

test("Range: a link dropped mid-body is resumed with bytes=a- until the whole file is there", T, async (t) => {
  const { notice } = await notified("resume");
  const { url, access_token } = notice.paras;
  const cut = 30_000;
  broker.setOtaTestHooks({ dropAfterBytes: cut });
  t.after(() => broker.setOtaTestHooks({}));
  const first = await download(url, { ca: certs.caPem, headers: bearer(access_token) });
  assert.deepEqual([first.status, first.complete, first.body.length], [200, false, cut]);
  const parts = [first.body];
  let have = cut;
  while (have < FIRMWARE.length) {
    const next = await download(url, { ca: certs.caPem, headers: { ...bearer(access_token), range: `bytes=${have}-` } });
    assert.equal(next.status, 206);
    assert.equal(next.headers["content-range"], `bytes ${have}-${FIRMWARE.length - 1}/${FIRMWARE.length}`);
    assert.equal(next.headers["content-length"], String(FIRMWARE.length - have));
    assert.equal(next.body.length, Math.min(cut, FIRMWARE.length - have));
    parts.push(next.body);
    have += next.body.length;
  }
  assert.equal(parts.length, 4);
  assert.equal(Buffer.compare(Buffer.concat(parts), FIRMWARE), 0);
});

test("Range: a-b and -n slices, 416 with bytes */size for what cannot be served", T, async () => {
  const { notice } = await notified("guarded");
  const { url, access_token } = notice.paras;
  const get = (range: string) => download(url, { ca: certs.caPem, headers: { ...bearer(access_token), range } });
  const slice = await get("bytes=10-19");
  assert.deepEqual([slice.status, slice.headers["content-range"], slice.headers["content-length"]], [206, `bytes 10-19/${FIRMWARE.length}`, "10"]);
  assert.equal(Buffer.compare(slice.body, FIRMWARE.subarray(10, 20)), 0);
  const clipped = await get(`bytes=${FIRMWARE.length - 5}-${FIRMWARE.length + 100}`);
  assert.equal(Buffer.compare(clipped.body, FIRMWARE.subarray(-5)), 0);
  const tail = await get("bytes=-7");
  assert.equal(Buffer.compare(tail.body, FIRMWARE.subarray(-7)), 0);
  for (const range of [`bytes=${FIRMWARE.length}-`, "bytes=20-10", "bytes=0-1,5-6", "items=0-1", "bytes=-0", "bytes=-"]) {
    const refused = await get(range);
    assert.equal(refused.status, 416, range);
    assert.equal(refused.headers["content-range"], `bytes */${FIRMWARE.length}`, range);
    assert.equal(JSON.parse(refused.body.toString()).error_code, "LOCAL.000416", range);
  }
});

test("tokens: missing, wrong or expired is a 401 with an IoTDA-style body, and nothing else breaks", T, async () => {
  const { device, taskId, notice } = await notified("tokens");
  const { url, access_token } = notice.paras;
  const refusal = async (headers: Record<string, string>) => {
    const r = await download(url, { ca: certs.caPem, headers });
    assert.equal(r.status, 401);
    assert.equal(r.headers["www-authenticate"], "Bearer");
    assert.equal(r.headers["content-length"], String(r.body.length));
    return JSON.parse(r.body.toString());
  };
  assert.deepEqual(await refusal({}), { error_code: "LOCAL.000401", error_msg: "Download refused: Authorization: Bearer {access_token} is required" });
  assert.deepEqual(await refusal({ authorization: `Basic ${access_token}` }), { error_code: "LOCAL.000401", error_msg: "Download refused: Authorization: Bearer {access_token} is required" });
  assert.deepEqual(await refusal(bearer("0".repeat(32))), { error_code: "LOCAL.000401", error_msg: "Download refused: the access token is not this download's" });
  assert.equal((await refusal(bearer("short"))).error_msg, "Download refused: the access token is not this download's");
  // another device's download path with this token: no such download for the token
  const other = url.replace("/devices/tokens/", "/devices/ok/");
  assert.equal((await download(other, { ca: certs.caPem, headers: bearer(access_token) })).status, 404);
  const garbled = url.replace("/devices/tokens/", "/devices/%E0%A4%A/");
  assert.equal((await download(garbled, { ca: certs.caPem, headers: bearer(access_token) })).status, 404);
  assert.equal((await download(url, { ca: certs.caPem, headers: bearer(access_token), method: "PUT" })).status, 405);
  clock += TIMES.tokenTtlMs;
  try {
    assert.deepEqual(await refusal(bearer(access_token)), { error_code: "LOCAL.000401", error_msg: "Download refused: the access token expired at 20250414T014000Z" });
  } finally {
    clock = NOW;
  }
  // the task and the device's connection are as they were
  assert.equal((await showTask(taskId)).task_details[0].state, "downloading");
  assert.equal(device.client.connected, true);
  assert.equal((await download(url, { ca: certs.caPem, headers: bearer(access_token) })).status, 200);
  assert.ok(logLines.some((l) => l.startsWith("ota download refused") && l.includes("status=401")));
});

test("a failure code ends the upgrade as failed, with the code", T, async () => {
  const { device, taskId } = await notified("fails");
  await sendOtaEvent(device, "fails", "upgrade_progress_report", { result_code: 7, progress: 100, version: "1.0", description: "sha256 mismatch" });
  const shown = await showTask(taskId);
  assert.equal(shown.batchtask.status, "Fail");
  assert.deepEqual(shown.task_details[0], {
    target: "fails", status: "Fail", output: "The device reported result_code 7 (upgrade package verification failure): sha256 mismatch.",
    error: { error_code: "LOCAL.OTA_DEVICE", error_msg: "The device reported result_code 7 (upgrade package verification failure): sha256 mismatch." },
    state: "failed", progress: 0, result_code: 7, version: "1.0", description: "sha256 mismatch",
  });
  // a late report of a finished upgrade changes nothing
  await sendOtaEvent(device, "fails", "upgrade_progress_report", { result_code: 0, progress: 100, version: "2.0" });
  assert.equal((await showTask(taskId)).task_details[0].state, "failed");
  assert.ok(logLines.some((l) => l === "ota progress ignored, no upgrade notice outstanding deviceId=fails result_code=0"));
});

test("malformed reports: a log line each, the connection and the upgrade stay", T, async () => {
  const { device, taskId } = await notified("rude");
  const before = logLines.length;
  const bad: Array<[unknown, string]> = [
    [{ result_code: 99, progress: 10, version: "1.0" }, "services[0].paras.result_code: must be one of 0-10 or 255"],
    [{ result_code: 0, progress: 150, version: "1.0" }, "services[0].paras.progress: must be an integer 0-100"],
    [{ result_code: 0, progress: 10.5, version: "1.0" }, "services[0].paras.progress: must be an integer 0-100"],
    [{ result_code: 0, progress: 10 }, "services[0].paras.version: required, a string of 1-256 characters"],
    [{ result_code: 0, progress: 10, version: "1.0", description: 3 }, "services[0].paras.description: must be a string"],
    ["nope", "services[0].paras: must be an object"],
  ];
  for (const [paras] of bad) await sendOtaEvent(device, "rude", "upgrade_progress_report", paras);
  await sendOtaEvent(device, "rude", "version_report", { fw_version: 2 });
  await device.publish("$oc/devices/rude/sys/events/up", "{not json");
  await until(() => logLines.length - before >= bad.length + 2, "the log lines");
  const lines = logLines.slice(before);
  for (const [, reason] of bad) {
    assert.ok(lines.includes(`event ignored deviceId=rude event_type=upgrade_progress_report reason=${JSON.stringify(reason)}`), reason);
  }
  assert.ok(lines.includes(`event ignored deviceId=rude event_type=version_report reason="services[0].paras.fw_version: must be a string of 1-256 characters"`));
  assert.ok(lines.includes(`event ignored deviceId=rude reason="payload is not JSON"`));
  assert.equal(device.client.connected, true);
  const detail = (await showTask(taskId)).task_details[0];
  assert.deepEqual([detail.state, detail.progress], ["downloading", 0]);
  // a reasonable report still counts afterwards
  await sendOtaEvent(device, "rude", "upgrade_progress_report", { result_code: 0, progress: 30, version: "1.0" });
  assert.equal((await showTask(taskId)).task_details[0].progress, 30);
});

test("version_query: the package's version already running is a success without a notice", T, async () => {
  const device = await online("current");
  const created = await createTask(["current"]);
  await nextOtaEvent(device, "current", "version_query");
  const query = otaEvents(device, "current").find((e) => e.event_type === "version_query")!;
  assert.deepEqual(query.payload, { object_device_id: "current", services: [{ service_id: "$ota", event_type: "version_query", event_time: "20250414T013000Z", paras: {} }] });
  await sendOtaEvent(device, "current", "version_report", { fw_version: "2.0" });
  const shown = await showTask(created.body.task_id);
  assert.deepEqual([shown.batchtask.status, shown.task_details[0].output], ["Success", "upgraded to 2.0"]);
  assert.equal(otaEvents(device, "current").some((e) => e.event_type === "firmware_upgrade"), false);
});

test("version_query unanswered for its 3 minutes (shortened here): timed out", T, async () => {
  const device = await online("silent");
  const created = await createTask(["silent"]);
  await nextOtaEvent(device, "silent", "version_query");
  assert.equal((await showTask(created.body.task_id)).task_details[0].state, "querying");
  clock += TIMES.versionQueryMs;
  try {
    const detail = (await showTask(created.body.task_id)).task_details[0];
    assert.deepEqual([detail.status, detail.state, detail.error], ["Fail", "timed_out", { error_code: "LOCAL.OTA_TIMEOUT", error_msg: "No version_report within 60 s." }]);
    // a late answer starts nothing
    const from = device.received.length;
    await sendOtaEvent(device, "silent", "version_report", { fw_version: "1.0" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(otaEvents(device, "silent", from), []);
  } finally {
    clock = NOW;
  }
});

test("an offline device waits; it is asked for its version when it connects", T, async () => {
  const created = await createTask(["later"]);
  assert.equal(created.status, 201);
  assert.equal(created.body.status, "Waitting");
  assert.deepEqual((await showTask(created.body.task_id)).task_details[0].output, "waiting for the device to connect");
  const device = await online("later");
  await nextOtaEvent(device, "later", "version_query");
  assert.equal((await showTask(created.body.task_id)).batchtask.status, "Processing");
});

test("no final report within the upgrade time: timed out, the token refused", T, async () => {
  const { taskId, notice } = await notified("slow");
  clock += TIMES.upgradeTimeoutMs;
  try {
    const detail = (await showTask(taskId)).task_details[0];
    assert.deepEqual([detail.state, detail.error.error_msg], ["timed_out", "No final upgrade_progress_report within 3600 s."]);
    const refused = await download(notice.paras.url, { ca: certs.caPem, headers: bearer(notice.paras.access_token) });
    assert.equal(JSON.parse(refused.body.toString()).error_msg, "Download refused: the upgrade of this device is timed_out, nothing to download");
  } finally {
    clock = NOW;
  }
});

test("a pre-signed package: firmware_upgrade_v2, no access_token, the credential in the URL", T, async () => {
  const bytes = randomBytes(5000);
  const pkg = (await upload(bytes, "version=3.0&file_name=v2.bin&download=presigned")).body;
  const device = await online("v2");
  await createTask(["v2"], pkg.package_id);
  await nextOtaEvent(device, "v2", "version_query");
  await sendOtaEvent(device, "v2", "version_report", { fw_version: "1.0" });
  const notice = await nextOtaEvent(device, "v2", "firmware_upgrade_v2");
  assert.deepEqual(Object.keys(notice.paras).sort(), ["expires", "file_name", "file_size", "sign", "url", "version"]);
  const url = new URL(notice.paras.url);
  assert.equal(url.searchParams.get("Expires"), String(Math.floor((NOW + TIMES.tokenTtlMs) / 1000)));
  assert.match(url.searchParams.get("Signature")!, /^[0-9a-f]{32}$/);
  const got = await download(notice.paras.url, { ca: certs.caPem });
  assert.equal(sha256(got.body), pkg.sign);
  // the URL carries the credential: its query stays out of the log
  assert.equal(logLines.some((l) => l.includes(url.searchParams.get("Signature")!)), false);
  url.searchParams.delete("Signature");
  const bare = await download(url.href, { ca: certs.caPem, headers: bearer("x") });
  assert.equal(JSON.parse(bare.body.toString()).error_msg, "Download refused: the URL's Signature parameter is required");
});

test("a software package: software_upgrade, decided on sw_version", T, async () => {
  const pkg = (await upload(randomBytes(100), "version=app-2&package_type=softwarePackage")).body;
  assert.equal((await createTask(["soft"], pkg.package_id)).body.error_msg,
    `Invalid input data. document.package_id: firmwareUpgrade needs a firmwarePackage, package ${pkg.package_id} is a softwarePackage`);
  const device = await online("soft");
  const created = await createTask(["soft"], pkg.package_id, "softwareUpgrade");
  await nextOtaEvent(device, "soft", "version_query");
  // the firmware version equal to the package's does not count for software
  await sendOtaEvent(device, "soft", "version_report", { fw_version: "app-2", sw_version: "app-1" });
  const notice = await nextOtaEvent(device, "soft", "software_upgrade");
  assert.equal(notice.paras.file_name, "package.bin");
  await sendOtaEvent(device, "soft", "upgrade_progress_report", { result_code: 0, version: "app-2" });
  // a success without progress is the final report, as in Huawei's own samples
  assert.equal((await showTask(created.body.task_id)).batchtask.status, "Success");
});

test("CreateBatchTask: bad input, unknown device or package, a device already upgrading", T, async () => {
  const bad = async (body: unknown) => (await callApi(broker, "POST", `${PROJECT}/batchtasks`, body)).body.error_msg;
  assert.equal(await bad({ task_type: "firmwareUpgrade", targets: ["busy"], document: { package_id: firmwareId } }), "Invalid input data. task_name: required, 1-128 letters, digits or '_'");
  assert.equal(await bad({ task_name: "t", task_type: "createDevices", targets: ["busy"], document: { package_id: firmwareId } }), "Invalid input data. task_type: the local IoTDA runs firmwareUpgrade and softwareUpgrade tasks");
  assert.equal(await bad({ task_name: "t", task_type: "firmwareUpgrade", targets: [], document: { package_id: firmwareId } }), "Invalid input data. targets: must be an array of 1-30000 device ids");
  assert.equal(await bad({ task_name: "t", task_type: "firmwareUpgrade", targets: ["busy", "busy"], document: { package_id: firmwareId } }), "Invalid input data. targets[1]: busy is listed twice");
  assert.equal(await bad({ task_name: "t", task_type: "firmwareUpgrade", targets: ["busy"], document: {} }), "Invalid input data. document.package_id: required, 1-36 letters, digits or '-'");
  const unknownDevice = await createTask(["busy", "nobody"]);
  assert.deepEqual([unknownDevice.status, unknownDevice.body.error_code], [404, "IOTDA.014000"]);
  const unknownPackage = await createTask(["busy"], "f".repeat(24));
  assert.deepEqual([unknownPackage.status, unknownPackage.body.error_code], [404, "LOCAL.000404"]);

  const first = await createTask(["busy"]);
  assert.equal(first.status, 201);
  assert.match(first.body.task_id, /^[0-9a-f]{24}$/);
  assert.deepEqual({ ...first.body, task_id: undefined }, {
    task_id: undefined, task_name: "test_upgrade", task_type: "firmwareUpgrade", targets: ["busy"], document: { package_id: firmwareId },
    status: "Waitting", status_desc: "0 of 1 upgraded to 2.0",
    task_progress: { total: 1, processing: 0, success: 0, fail: 0, waitting: 1, fail_wait_retry: 0, stopped: 0, removed: 0 },
    create_time: "20250414T013000Z",
  });
  const second = await createTask(["busy"]);
  assert.deepEqual([second.status, second.body], [409, { error_code: "LOCAL.000409", error_msg: `The device busy is already being upgraded by task ${first.body.task_id}.` }]);
  assert.deepEqual((await callApi(broker, "GET", `${PROJECT}/batchtasks/${"0".repeat(24)}`)).body, { error_code: "LOCAL.000404", error_msg: `The task ${"0".repeat(24)} does not exist.` });
  assert.deepEqual((await callApi(broker, "GET", `${PROJECT}/batchtasks/%E0%A4%A`)).body, { error_code: "IOTDA.000008", error_msg: "Invalid input. The request format is invalid. path: %E0%A4%A is not valid percent-encoding" });
  // once that task ended, the device can have another
  clock += TIMES.onlineWaitMs;
  try {
    assert.equal((await showTask(first.body.task_id)).task_details[0].state, "timed_out");
  } finally {
    clock = NOW;
  }
  assert.equal((await createTask(["busy"])).status, 201);
});

test("StopBatchTask: unfinished upgrades stop, their credentials with them; the finished ones say so", T, async () => {
  const { taskId, notice } = await notified("stopped");
  const stop = await callApi(broker, "POST", `${PROJECT}/batchtasks/${taskId}/stop`);
  assert.deepEqual([stop.status, stop.body], [200, { targets: [{ target: "stopped", status: "Success" }] }]);
  assert.equal((await showTask(taskId)).batchtask.status, "Stopped");
  const refused = await download(notice.paras.url, { ca: certs.caPem, headers: bearer(notice.paras.access_token) });
  assert.equal(refused.status, 401);
  const again = await callApi(broker, "POST", `${PROJECT}/batchtasks/${taskId}/stop`, { targets: ["stopped"] });
  assert.deepEqual(again.body, { targets: [{ target: "stopped", status: "Fail", error_code: "LOCAL.000409", error_msg: "The upgrade has already ended (stopped)." }] });
  assert.equal((await callApi(broker, "POST", `${PROJECT}/batchtasks/${taskId}/stop`, { targets: ["ok"] })).body.error_msg, `Invalid input data. targets[0]: ok is not a target of task ${taskId}`);
});

test("test hooks for the device's result codes 7 and 3: a wrong sign, a notice at the running version", T, async (t) => {
  broker.setOtaTestHooks({ wrongSign: true, noticeAtSameVersion: true });
  t.after(() => broker.setOtaTestHooks({}));
  const { device, taskId, notice } = await notified("hooked", "2.0");
  assert.equal(notice.paras.version, "2.0");
  assert.notEqual(notice.paras.sign, sha256(FIRMWARE));
  assert.equal(notice.paras.sign.slice(0, -1), sha256(FIRMWARE).slice(0, -1));
  // the bytes served are still the package's
  assert.equal(sha256((await download(notice.paras.url, { ca: certs.caPem, headers: bearer(notice.paras.access_token) })).body), sha256(FIRMWARE));
  await sendOtaEvent(device, "hooked", "upgrade_progress_report", { result_code: 3, version: "2.0" });
  const detail = (await showTask(taskId)).task_details[0];
  assert.deepEqual([detail.status, detail.result_code], ["Fail", 3]);
});

test("test hook: an untrusted certificate is refused by a client trusting the broker's CA", T, async (t) => {
  broker.setOtaTestHooks({ untrustedCertificate: true });
  t.after(() => broker.setOtaTestHooks({}));
  await assert.rejects(download(`${broker.otaFiles.url}/`, { ca: certs.caPem }), (err: NodeJS.ErrnoException) => {
    assert.match(String(err.code), /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/);
    return true;
  });
  broker.setOtaTestHooks({});
  assert.equal((await download(`${broker.otaFiles.url}/`, { ca: certs.caPem })).status, 404);
});

test("the file server presents the MQTT listener's chain: leaf (SAN localhost, 127.0.0.1) and CA", T, async () => {
  const socket = connect({ host: "127.0.0.1", port: broker.otaFiles.port, ca: certs.caPem, servername: "localhost" });
  await once(socket, "secureConnect");
  assert.equal(socket.authorized, true);
  assert.equal(socket.getPeerCertificate().subjectaltname, "DNS:localhost, IP Address:127.0.0.1");
  socket.destroy();
  // what went over the wire, not what the client rebuilt from its trust store (asynchronously: the
  // server answering it runs in this process)
  const shown = await new Promise<string>((resolve, reject) => {
    const child = execFile("openssl", ["s_client", "-connect", `127.0.0.1:${broker.otaFiles.port}`, "-showcerts"], (err, stdout) => (err ? reject(err) : resolve(stdout)));
    child.stdin!.end();
  });
  const sent = shown.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g)!.map((pem) => new X509Certificate(pem).fingerprint256);
  assert.deepEqual(sent, [new X509Certificate(certs.certPem).fingerprint256, new X509Certificate(certs.caPem).fingerprint256]);
});
