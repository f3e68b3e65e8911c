// iotda-local as users run it (node dist/iotda-local.js, rebuilt first) against a local IoTDA whose
// device, MQTT.js over TLS, answers: each command end to end, IoTDA's errors, and bad input.
import assert from "node:assert/strict";
import { execFile, execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { type Certs, generateCerts } from "../../broker/certs";
import { type Broker, startBroker } from "../../broker/server";
import { connectDevice, type Device } from "../fixtures/device";
import { nextOtaEvent, sendOtaEvent } from "../fixtures/ota";
import { until } from "../fixtures/until";

const root = fileURLToPath(new URL("../..", import.meta.url));
const NOW = Date.UTC(2025, 3, 14, 1, 30);
const SECRETS = { demo: "demo-secret", mute: "mute-secret", gone: "gone-secret", flash: "flash-secret" };
const COMMANDS = "set-properties, get-properties, command, message, shadow, device, ota-upload, ota-task, ota-status, ota-stop, bootstrap-assign, bootstrap-unassign, bootstrap-group";
const T = { timeout: 20_000 };

let certs: Certs;
let broker: Broker;
let demo: Device;
let mute: Device;
let flash: Device;

/** Runs the CLI without blocking this process, which hosts the broker that must answer it. */
function run(args: string[], url = broker.http!.url): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["dist/iotda-local.js", ...args, "--url", url], { cwd: root }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : (err as { code?: number }).code ?? null, stdout, stderr });
    });
  });
}

before(async () => {
  execFileSync("npm", ["run", "--silent", "build:cli"], { cwd: root, stdio: "ignore" });
  certs = generateCerts();
  broker = await startBroker({
    devices: Object.fromEntries(Object.entries(SECRETS).map(([id, secret]) => [id, { secret }])),
    certs,
    now: () => NOW,
    requestTimeoutMs: 1000,
    http: { port: 0 },
  });
  demo = await connectDevice(broker, "demo", SECRETS.demo, NOW);
  mute = await connectDevice(broker, "mute", SECRETS.mute, NOW);
  flash = await connectDevice(broker, "flash", SECRETS.flash, NOW);
  let reportInterval = 10;
  demo.answer("properties/set", (body) => {
    const value = body.services[0].properties.reportInterval;
    if (!Number.isInteger(value) || value < 5 || value > 3600) return { result_code: 1, result_desc: "reportInterval: an integer 5-3600" };
    reportInterval = value;
    return { result_code: 0 };
  });
  demo.answer("properties/get", (body) => ({ services: [{ service_id: body.service_id ?? "status", properties: { uptime: 7, reportInterval } }] }));
  demo.answer("commands", (body) => ({ result_code: 0, response_name: body.command_name, paras: body.paras }));
});

after(async () => {
  await demo.end();
  await mute.end();
  await flash.end();
  await broker.close();
  certs.cleanup();
});

test("set-properties then get-properties: the device's answers", T, async () => {
  const set = await run(["set-properties", "--device", "demo", "--service", "status", "--properties", '{"reportInterval":30}']);
  assert.equal(set.code, 0, set.stderr);
  assert.deepEqual(JSON.parse(set.stdout).response, { result_code: 0 });
  const get = await run(["get-properties", "--device", "demo", "--service", "status"]);
  assert.equal(get.code, 0, get.stderr);
  assert.deepEqual(JSON.parse(get.stdout), { response: { services: [{ service_id: "status", properties: { uptime: 7, reportInterval: 30 } }] } });
  // the device's refusal is an answer, exit 0 with it
  const refused = await run(["set-properties", "--device", "demo", "--service", "status", "--properties", '{"reportInterval":1}']);
  assert.equal(refused.code, 0, refused.stderr);
  assert.deepEqual(JSON.parse(refused.stdout).response, { result_code: 1, result_desc: "reportInterval: an integer 5-3600" });
});

test("command: the device's response with the command_id", T, async () => {
  const r = await run(["command", "--device", "demo", "--service", "status", "--name", "echo", "--paras", '{"text":"hi"}']);
  assert.equal(r.code, 0, r.stderr);
  const body = JSON.parse(r.stdout);
  assert.match(body.command_id, /^[0-9a-f-]{36}$/);
  assert.deepEqual(body.response, { result_code: 0, response_name: "echo", paras: { text: "hi" } });
});

test("message and shadow: delivered to the device, desired set and read back", T, async () => {
  const from = demo.received.length;
  const m = await run(["message", "--device", "demo", "--content", "hello there", "--topic", "notes"]);
  assert.equal(m.code, 0, m.stderr);
  assert.equal(JSON.parse(m.stdout).result.status, "DELIVERED");
  await until(() => demo.received.length > from, "the message", 3000);
  assert.equal(demo.received[from].topic, "$oc/devices/demo/user/notes");
  assert.equal(JSON.parse(demo.received[from].payload.toString()).content, "hello there");

  const set = await run(["shadow", "--device", "demo", "--service", "status", "--set-desired", '{"reportInterval":60}']);
  assert.equal(set.code, 0, set.stderr);
  const read = await run(["shadow", "--device", "demo"]);
  assert.equal(read.code, 0, read.stderr);
  assert.deepEqual(JSON.parse(read.stdout).shadow[0].desired.properties, { reportInterval: 60 });
});

test("IoTDA's errors: exit 1 with the API's JSON on stderr", T, async () => {
  const timeout = await run(["command", "--device", "mute", "--name", "echo"]);
  assert.equal(timeout.code, 1);
  assert.equal(JSON.parse(timeout.stderr).error_code, "IOTDA.014111");
  const offline = await run(["get-properties", "--device", "gone"]);
  assert.equal(offline.code, 1);
  assert.deepEqual(JSON.parse(offline.stderr), { error_code: "IOTDA.014016", error_msg: "Operation not allowed. The device is not online." });
  const unknown = await run(["shadow", "--device", "nobody"]);
  assert.equal(unknown.code, 1);
  assert.equal(JSON.parse(unknown.stderr).error_code, "IOTDA.014000");
  const unreachable = await run(["shadow", "--device", "demo"], "http://127.0.0.1:9");
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /^iotda-local: cannot reach http:\/\/127\.0\.0\.1:9: .+\n$/);
});

test("ota-upload, ota-task, ota-status, ota-stop, device: a package to a device and back", T, async () => {
  const dir = mkdtempSync(join(tmpdir(), "iotda-local-"));
  try {
    const bytes = randomBytes(2048);
    writeFileSync(join(dir, "app-v2.bin"), bytes);
    const up = await run(["ota-upload", "--file", join(dir, "app-v2.bin"), "--version", "2.0", "--kind", "software", "--custom-info", "fixes"]);
    assert.equal(up.code, 0, up.stderr);
    const pkg = JSON.parse(up.stdout);
    assert.deepEqual([pkg.package_type, pkg.version, pkg.file_name, pkg.file_size, pkg.sign, pkg.custom_info],
      ["softwarePackage", "2.0", "app-v2.bin", 2048, createHash("sha256").update(bytes).digest("hex"), "fixes"]);

    const from = flash.received.length;
    const task = await run(["ota-task", "--device", "flash", "--package", pkg.package_id, "--name", "cli_upgrade"]);
    assert.equal(task.code, 0, task.stderr);
    const created = JSON.parse(task.stdout);
    // the task type follows from the package's
    assert.deepEqual([created.task_name, created.task_type, created.targets, created.status], ["cli_upgrade", "softwareUpgrade", ["flash"], "Processing"]);
    await nextOtaEvent(flash, "flash", "version_query", from);
    await sendOtaEvent(flash, "flash", "version_report", { fw_version: "fw-1", sw_version: "1.0" });
    const notice = await nextOtaEvent(flash, "flash", "software_upgrade", from);
    assert.equal(notice.paras.sign, pkg.sign);

    const status = await run(["ota-status", "--task", created.task_id]);
    assert.equal(status.code, 0, status.stderr);
    assert.equal(JSON.parse(status.stdout).task_details[0].state, "downloading");
    const stop = await run(["ota-stop", "--task", created.task_id, "--device", "flash"]);
    assert.deepEqual([stop.code, JSON.parse(stop.stdout)], [0, { targets: [{ target: "flash", status: "Success" }] }]);
    const device = await run(["device", "--device", "flash"]);
    assert.deepEqual(JSON.parse(device.stdout), { device_id: "flash", status: "ONLINE", fw_version: "fw-1", sw_version: "1.0" });

    // IoTDA's errors come back as for the other commands
    const unknown = await run(["ota-task", "--device", "flash", "--package", "nope"]);
    assert.deepEqual([unknown.code, JSON.parse(unknown.stderr).error_code], [1, "LOCAL.000404"]);
    const missing = await run(["ota-status", "--task", "0".repeat(24)]);
    assert.deepEqual([missing.code, JSON.parse(missing.stderr).error_code], [1, "LOCAL.000404"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bad input: exit 2, one line naming the option", T, async () => {
  const cases: Array<[string[], string]> = [
    [[], `a command is required: ${COMMANDS}`],
    [["reboot", "--device", "demo"], `unknown command reboot: one of ${COMMANDS}`],
    [["shadow"], "--device is required for shadow"],
    [["set-properties", "--device", "demo", "--properties", "{}"], "--service is required for set-properties"],
    [["set-properties", "--device", "demo", "--service", "s", "--properties", "{x"], "--properties: not JSON"],
    [["set-properties", "--device", "demo", "--service", "s", "--properties", "[1]"], "--properties: must be a JSON object"],
    [["command", "--device", "demo"], "--name is required for command"],
    [["command", "--device", "demo", "--name", "n", "--paras", "7"], "--paras: must be a JSON object"],
    [["message", "--device", "demo"], "--content is required for message"],
    [["shadow", "--device", "demo", "--set-desired", "{}"], "--service is required for shadow"],
    [["shadow", "--device", "demo", "--content", "x"], "--content: not an option of shadow"],
    [["shadow", "--device", "demo", "--device", "mute"], "--device: shadow takes one"],
    [["ota-upload", "--version", "2"], "--file is required for ota-upload"],
    [["ota-upload", "--file", "package.json"], "--version is required for ota-upload"],
    [["ota-upload", "--file", "package.json", "--version", "2", "--kind", "bootloader"], "--kind: firmware or software"],
    [["ota-upload", "--file", "no/such/file", "--version", "2"], "--file: cannot read no/such/file: ENOENT"],
    [["ota-upload", "--file", "package.json", "--version", "2", "--device", "demo"], "--device: not an option of ota-upload"],
    [["ota-task", "--package", "p"], "--device is required for ota-task"],
    [["ota-task", "--device", "flash"], "--package is required for ota-task"],
    [["ota-status"], "--task is required for ota-status"],
  ];
  for (const [args, message] of cases) {
    const r = await run(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.stderr, `iotda-local: ${message}\n`, args.join(" "));
    assert.equal(r.stdout, "");
  }
  // Node's parseArgs words this one
  const unknown = await run(["shadow", "--device", "demo", "--colour", "red"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^iotda-local: Unknown option '--colour'[^\n]*\n$/);
  const badUrl = await run(["shadow", "--device", "demo"], "ftp://x");
  assert.deepEqual([badUrl.code, badUrl.stderr], [2, "iotda-local: --url: must be http:// or https://\n"]);
});

test("the standalone broker prints its API's URL, and iotda-local reaches the broker with it", T, async () => {
  const dir = mkdtempSync(join(tmpdir(), "iotda-local-"));
  writeFileSync(join(dir, "devices.json"), JSON.stringify({ devices: { solo: { secret: "solo-secret" } } }));
  const child = spawn(process.execPath, ["--import", "tsx", "broker/cli.ts", "--registry", join(dir, "devices.json"), "--port", "0", "--http-port", "0", "--ota-port", "0", "--ca-out", join(dir, "ca")], { cwd: root });
  try {
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    await until(() => /IoTDA API on http:\/\/127\.0\.0\.1:\d+\//.test(out), "the API line", 10_000);
    assert.match(out, /^OTA files on https:\/\/127\.0\.0\.1:\d+ \(upgrade notices point here\)$/m);
    const url = /IoTDA API on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)![1];
    const r = await run(["shadow", "--device", "solo"], url);
    assert.deepEqual([r.code, JSON.parse(r.stdout)], [0, { device_id: "solo", shadow: [] }]);
  } finally {
    const exited = once(child, "exit");
    child.kill("SIGINT");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the standalone broker with its HTTP port taken: one line and exit 1", T, async () => {
  const dir = mkdtempSync(join(tmpdir(), "iotda-local-"));
  writeFileSync(join(dir, "devices.json"), JSON.stringify({ devices: {} }));
  try {
    const args = ["--import", "tsx", "broker/cli.ts", "--registry", join(dir, "devices.json"), "--port", "0", "--http-port", String(broker.http!.port), "--ota-port", "0", "--ca-out", join(dir, "ca")];
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, args, { cwd: root }, (err, _stdout, stderr) => resolve({ code: (err as { code?: number } | null)?.code ?? 0, stderr }));
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^http api: cannot listen on 127\\.0\\.0\\.1:${broker.http!.port}: listen EADDRINUSE[^\\n]*\\n$`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
