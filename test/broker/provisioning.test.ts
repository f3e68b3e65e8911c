// The local IoTDA's provisioning service (broker/provisioning.ts) with MQTT.js over TLS: the login
// as IoTDA checks it, a registration group's login (the device then registered with its derived
// secret, so it logs in to IoTDA), the answer to bootstrap/up (address or IoTDP's error), what the
// service refuses, and the assignment and group routes of the local API, through iotda-local too.
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import mqtt, { type MqttClient } from "mqtt";
import { type Certs, generateCerts } from "../../broker/certs";
import { NO_ASSIGNMENT } from "../../broker/provisioning";
import { type Broker, startBroker } from "../../broker/server";
import { credentialsAt, utcHour } from "../fixtures/iotda";
import { GROUP_VECTOR } from "../native/vectors";

const root = fileURLToPath(new URL("../../", import.meta.url));
const SECRET = "prov-secret-1";
const SCOPE = "scopeA1";
let certs: Certs;
let broker: Broker;
const clients: MqttClient[] = [];

before(async () => {
  execFileSync("npm", ["run", "--silent", "build:cli"], { cwd: root, stdio: "ignore" });
  certs = generateCerts();
  broker = await startBroker({
    devices: { p1: { secret: SECRET }, p2: { secret: SECRET } },
    certs,
    http: { port: 0 },
    provisioning: { port: 0, assignments: { p1: { address: "iotda.example:8883", initConfig: "{\"x\":1}" } } },
  });
});

after(async () => {
  for (const c of clients) c.end(true);
  await broker.close();
  certs.cleanup();
});

/** Logs in (provisioning port unless `port`), subscribes bootstrap/down, asks; the CONNACK code and the answer, if any. */
function bootstrap(deviceId: string, login: { clientId: string; username: string; password: string }, port = broker.provisioning!.port) {
  const client = mqtt.connect({
    protocol: "mqtts", host: "127.0.0.1", port, ca: certs.caPem, protocolVersion: 4, clean: true, reconnectPeriod: 0,
    connectTimeout: 5000, keepalive: 120, ...login,
  });
  clients.push(client);
  client.on("error", () => {});
  return new Promise<{ returnCode?: number; answer?: unknown }>((resolve) => {
    client.on("packetreceive", (p) => {
      if (p.cmd === "connack" && p.returnCode !== 0) resolve({ returnCode: p.returnCode });
    });
    client.on("connect", () => {
      if (port !== broker.provisioning!.port) return resolve({ returnCode: 0 });
      client.subscribe(`$oc/devices/${deviceId}/sys/bootstrap/down`, { qos: 1 }, () => client.publish(`$oc/devices/${deviceId}/sys/bootstrap/up`, "", { qos: 1 }));
    });
    client.on("message", (_topic, payload) => {
      resolve({ returnCode: 0, answer: JSON.parse(payload.toString()) });
      client.end(true);
    });
    client.on("close", () => resolve({}));
  });
}

function groupLogin(deviceId: string, groupSecret: string, scope = SCOPE, ms = Date.now()) {
  const timestamp = utcHour(ms);
  const derived = createHmac("sha256", deviceId).update(Buffer.from(groupSecret, "base64")).digest("hex");
  return { clientId: `${deviceId}_0_${scope}_1_${timestamp}`, username: deviceId, password: createHmac("sha256", timestamp).update(derived).digest("hex") };
}

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["dist/iotda-local.js", ...args, "--url", broker.http!.url], { cwd: root, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : (err as { code?: number }).code ?? null, stdout, stderr });
    });
  });
}

test("a registered device gets its assignment; one without gets IoTDP's error; a wrong secret CONNACK 4", async () => {
  assert.deepEqual(await bootstrap("p1", credentialsAt("p1", SECRET, Date.now())), { returnCode: 0, answer: { address: "iotda.example:8883", initConfig: "{\"x\":1}" } });
  assert.deepEqual(await bootstrap("p2", credentialsAt("p2", SECRET, Date.now())), { returnCode: 0, answer: NO_ASSIGNMENT });
  assert.deepEqual(await bootstrap("p2", credentialsAt("p2", "wrong", Date.now())), { returnCode: 4 });
});

test("iotda-local bootstrap-assign sends a device to this IoTDA by default, bootstrap-unassign takes it back", async () => {
  const assigned = await cli(["bootstrap-assign", "--device", "p2"]);
  assert.equal(assigned.code, 0, assigned.stderr);
  assert.deepEqual(JSON.parse(assigned.stdout), { device_id: "p2" });
  assert.deepEqual((await bootstrap("p2", credentialsAt("p2", SECRET, Date.now()))).answer, { address: `127.0.0.1:${broker.port}`, initConfig: "{}" });
  assert.equal((await cli(["bootstrap-unassign", "--device", "p2"])).code, 0);
  assert.deepEqual((await bootstrap("p2", credentialsAt("p2", SECRET, Date.now()))).answer, NO_ASSIGNMENT);
  const bad = await cli(["bootstrap-assign", "--device", "p2", "--address", "no-port"]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /address: must be \\"host:port\\"/);
});

test("a registration group (iotda-local bootstrap-group): its device logs in with the scope, is registered with the derived secret and then logs in to IoTDA", async () => {
  const unknown = await bootstrap(GROUP_VECTOR.deviceId, groupLogin(GROUP_VECTOR.deviceId, GROUP_VECTOR.groupSecret));
  assert.deepEqual(unknown, { returnCode: 2 }, "a scope the service does not know: not a clientId it takes");
  const added = await cli(["bootstrap-group", "--scope", SCOPE], { IOTDA_GROUP_SECRET: GROUP_VECTOR.groupSecret });
  assert.equal(added.code, 0, added.stderr);
  assert.ok(!added.stdout.includes(GROUP_VECTOR.groupSecret) && !added.stderr.includes(GROUP_VECTOR.groupSecret));
  // the C SDK's reading (the Base64 text itself as the HMAC's message) is refused
  const cSdk = { ...groupLogin(GROUP_VECTOR.deviceId, GROUP_VECTOR.groupSecret) };
  const stamp = cSdk.clientId.slice(-10);
  cSdk.password = createHmac("sha256", stamp).update(createHmac("sha256", GROUP_VECTOR.deviceId).update(GROUP_VECTOR.groupSecret).digest("hex")).digest("hex");
  assert.deepEqual(await bootstrap(GROUP_VECTOR.deviceId, cSdk), { returnCode: 4 });
  const answered = await bootstrap(GROUP_VECTOR.deviceId, groupLogin(GROUP_VECTOR.deviceId, GROUP_VECTOR.groupSecret));
  assert.deepEqual(answered, { returnCode: 0, answer: { address: `127.0.0.1:${broker.port}`, initConfig: "{}" } });
  // IoTDA now takes the device's plain login with the vector's derived secret
  assert.deepEqual(await bootstrap(GROUP_VECTOR.deviceId, credentialsAt(GROUP_VECTOR.deviceId, GROUP_VECTOR.derived, Date.now()), broker.port), { returnCode: 0 });
  const bad = await cli(["bootstrap-group", "--scope", "bad_scope"], { IOTDA_GROUP_SECRET: "QUJD" });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /scope_id: must be 1 to 64 letters and digits/);
  const noSecret = await cli(["bootstrap-group", "--scope", SCOPE], { IOTDA_GROUP_SECRET: "" });
  assert.equal(noSecret.code, 2);
});

test("the provisioning service takes bootstrap/up only: another publish drops the link, another subscription is refused", async () => {
  const client = mqtt.connect({
    protocol: "mqtts", host: "127.0.0.1", port: broker.provisioning!.port, ca: certs.caPem, protocolVersion: 4, reconnectPeriod: 0,
    keepalive: 120, ...credentialsAt("p1", SECRET, Date.now()),
  });
  clients.push(client);
  client.on("error", () => {});
  await new Promise((resolve) => client.on("connect", resolve));
  // MQTT.js rejects with the SUBACK attached; 0x80 is the refusal code for that filter
  await assert.rejects(client.subscribeAsync("$oc/devices/p1/sys/commands/#", { qos: 1 }), (err: { packet?: { granted?: number[] } }) => err.packet?.granted?.[0] === 0x80);
  const closed = new Promise((resolve) => client.on("close", () => resolve(undefined)));
  client.publish("$oc/devices/p1/sys/properties/report", "{}", { qos: 1 });
  await closed;
});
