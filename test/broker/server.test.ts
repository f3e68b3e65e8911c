// The local IoTDA broker over real TLS with a run-time CA, driven by MQTT.js (and by raw mqtt-packet
// where we must see what the server does on the wire, e.g. that it closes the connection itself).
import assert from "node:assert/strict";
import { once } from "node:events";
import net, { type AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { connect as tlsConnect } from "node:tls";
import mqtt, { type MqttClient } from "mqtt";
import mqttPacket from "mqtt-packet";
import { type Certs, generateCerts } from "../../broker/certs";
import { type Broker, startBroker } from "../../broker/server";
import { credentialsAt, expectedPassword } from "../fixtures/iotda";
import { until } from "../fixtures/until";

const HOUR = 3_600_000;
// The broker clock is pinned so hour boundaries cannot flake; 01:30 UTC lies in hour 2025041401, the hour
// of Huawei's published vector.
const NOW = Date.UTC(2025, 3, 14, 1, 30);
const SECRETS: Record<string, string> = { dev1: "dev1-secret", dev2: "dev2-secret", relogin: "relogin-secret", huawei: "12345678" };
const CROWD = 100;
const T = { timeout: 20_000 }; // every test fails rather than hangs if the broker misbehaves
for (let i = 0; i < CROWD; i++) SECRETS[`crowd-${i}`] = `crowd-secret-${i}`;

let certs: Certs;
let otherCa: Certs;
let broker: Broker;
const clients: MqttClient[] = [];
const logLines: string[] = [];

before(async () => {
  certs = generateCerts();
  otherCa = generateCerts();
  const devices = Object.fromEntries(Object.entries(SECRETS).map(([id, secret]) => [id, { secret }]));
  broker = await startBroker({
    devices: { ...devices, off: { secret: "off-secret", disabled: true } },
    certs,
    now: () => NOW,
    log: (line) => logLines.push(line),
  });
});

after(async () => {
  for (const c of clients) c.end(true);
  await broker.close();
  certs.cleanup();
  otherCa.cleanup();
});

interface Attempt {
  client: MqttClient;
  returnCode?: number;
  error?: Error;
}

/** Connects with MQTT.js; resolves with the CONNACK return code, or the error if none came. */
function attempt(fields: { clientId: string; username?: string; password?: string; keepalive?: number }, ca = certs.caPem) {
  const client = mqtt.connect({
    protocol: "mqtts",
    host: "127.0.0.1",
    port: broker.port,
    ca,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    keepalive: 120,
    ...fields,
  });
  clients.push(client);
  client.on("error", () => {}); // reported through the promise below
  return new Promise<Attempt>((resolve) => {
    client.on("packetreceive", (p) => {
      if (p.cmd === "connack") resolve({ client, returnCode: p.returnCode });
    });
    client.on("error", (error) => resolve({ client, error }));
    client.on("close", () => resolve({ client, error: new Error("closed before CONNACK") }));
  });
}

function device(id: string, ms = NOW, signType = 1) {
  return credentialsAt(id, SECRETS[id], ms, 0, signType);
}

/** Rejects with `what` if the promise does not settle in time, so a broken broker fails instead of hanging. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// MqttClient's typed emitter does not satisfy events.once's signature
const closeOf = (client: MqttClient) => new Promise<void>((resolve) => client.once("close", () => resolve()));

async function online(id: string) {
  const a = await attempt(device(id));
  assert.equal(a.returnCode, 0, `${id} should connect`);
  return a.client;
}

/** Raw CONNECT over TLS: the CONNACK code and whether the server then closed the connection itself. */
async function rawConnect(fields: { clientId: string; username: string; password: string }) {
  const socket = tlsConnect({ host: "127.0.0.1", port: broker.port, ca: certs.caPem, servername: "localhost" });
  await once(socket, "secureConnect");
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const connack = new Promise<number>((resolve) => parser.on("packet", (p) => p.cmd === "connack" && resolve(p.returnCode!)));
  socket.on("data", (b: Buffer) => parser.parse(b));
  const ended = once(socket, "end").then(() => true);
  socket.write(mqttPacket.generate({
    cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clean: true, keepalive: 120,
    clientId: fields.clientId, username: fields.username, password: Buffer.from(fields.password),
  }));
  const returnCode = await connack;
  const closedByServer = await Promise.race([ended, new Promise<boolean>((r) => setTimeout(r, 3000, false))]);
  socket.destroy();
  return { returnCode, closedByServer };
}

test("good credentials -> CONNACK 0 and a 'client' event", T, async () => {
  const seen = once(broker.events, "client");
  const a = await attempt(device("dev1"));
  assert.equal(a.returnCode, 0);
  const [ev] = await seen;
  assert.deepEqual(ev, { deviceId: "dev1", clientId: device("dev1").clientId });
  a.client.end(true);
});

test("Huawei's published vector logs in verbatim", T, async () => {
  const a = await attempt({
    clientId: "huawei_0_1_2025041401",
    username: "huawei",
    password: "c75150e6cb841417396819e4d2ee4358a416344a03a083e3a8567074ddec820a",
  });
  assert.equal(a.returnCode, 0);
  a.client.end(true);
});

test("wrong secret -> CONNACK 4 and the broker closes the connection", T, async () => {
  const rejected = once(broker.events, "rejected");
  const creds = { ...device("dev1"), password: expectedPassword("not-the-secret", device("dev1").timestamp) };
  assert.deepEqual(await rawConnect(creds), { returnCode: 4, closedByServer: true });
  const [ev] = await rejected;
  assert.equal(ev.returnCode, 4);
  assert.equal(ev.clientId, creds.clientId);
});

test("unknown device -> 4, disabled device -> 5", T, async () => {
  const ghost = credentialsAt("ghost", "whatever", NOW);
  assert.equal((await attempt(ghost)).returnCode, 4);
  assert.equal((await attempt(credentialsAt("off", "off-secret", NOW))).returnCode, 5);
});

test("malformed clientId -> 2, keepalive 10 -> 2", T, async () => {
  const d = device("dev1");
  assert.equal((await attempt({ ...d, clientId: "dev1" })).returnCode, 2);
  assert.equal((await attempt({ ...d, clientId: `dev1_0_1_2025139901` })).returnCode, 2);
  assert.equal((await attempt({ ...d, keepalive: 10 })).returnCode, 2);
});

test("timestamp 3 hours old: signType 1 -> 4, signType 0 -> 0", T, async () => {
  assert.equal((await attempt(device("dev1", NOW - 3 * HOUR, 1))).returnCode, 4);
  const a = await attempt(device("dev1", NOW - 3 * HOUR, 0));
  assert.equal(a.returnCode, 0);
  a.client.end(true);
});

test("what clients send cannot forge log lines", T, async () => {
  // each forgery is cut by a different line break: LF, CR, NEL, U+2028
  const forged = (brk: string, n: number) => `${brk}connect accepted clientId=forged${n}_0_1_2025041401 keepalive=120`;
  const from = logLines.length;
  assert.equal((await attempt({ clientId: `x${forged("\n", 1)}`, username: `u${forged("\r", 2)}`, password: "p" })).returnCode, 2);
  const dev1 = await online("dev1");
  await assert.rejects(dev1.subscribeAsync(`$oc/devices/dev2/${forged("\u0085", 3)}`, { qos: 0 }));
  const published = once(broker.events, "publish");
  dev1.publish(`$oc/devices/dev1/sys/messages/up${forged("\u2028", 4)}`, "{}");
  await published;
  dev1.end(true);

  const lines = logLines.slice(from);
  for (const l of lines) assert.doesNotMatch(l, /[\p{Cc}\p{Zl}\p{Zp}]/u, `one event, one printable line: ${JSON.stringify(l)}`);
  const viewed = lines.join("\n").split(/\r\n|[\n\r\v\f\u0085\u2028\u2029]/);
  assert.ok(!viewed.some((l) => l.startsWith("connect accepted clientId=forged")), viewed.join("\n"));
  // the client's text is still there, quoted and escaped
  assert.ok(lines.some((l) => l.startsWith(`connect refused clientId="x\\nconnect accepted clientId=forged1_`)), lines.join("\n"));
  assert.ok(lines.some((l) => l.includes(`topic="$oc/devices/dev1/sys/messages/up\\u2028connect accepted`)), lines.join("\n"));
});

test("logs carry no secret or password", T, () => {
  assert.ok(logLines.some((l) => l.startsWith("connect accepted")));
  assert.ok(logLines.some((l) => l.startsWith("connect refused")));
  for (const [id, secret] of Object.entries(SECRETS)) {
    const password = device(id).password;
    for (const line of logLines) {
      assert.ok(!line.includes(secret) && !line.includes(password), `log leaks credentials of ${id}: ${line}`);
    }
  }
});

test("ACL: own topics allowed, other devices' topics and wildcards refused", T, async () => {
  const dev1 = await online("dev1");
  const dev2 = await online("dev2");
  const granted = await dev1.subscribeAsync("$oc/devices/dev1/sys/commands/#", { qos: 1 });
  assert.equal(granted[0].qos, 1);
  for (const topic of ["$oc/devices/dev2/sys/commands/#", "$oc/devices/+/sys/#", "#", "$oc/devices/dev1"]) {
    // MQTT.js rejects with the SUBACK attached; 0x80 is the refusal code for that filter
    await assert.rejects(dev1.subscribeAsync(topic, { qos: 0 }), (err: { packet?: { granted?: number[] } }) => err.packet?.granted?.[0] === 0x80, topic);
  }
  assert.ok(dev1.connected, "a refused SUBSCRIBE keeps the connection");

  // dev2 listens on its own topic; dev1 publishing there must be dropped and dev1 disconnected
  await dev2.subscribeAsync("$oc/devices/dev2/sys/#", { qos: 0 });
  const leaked: string[] = [];
  dev2.on("message", (topic) => leaked.push(topic));
  const published: string[] = [];
  const onPublish = (ev: { topic: string }) => published.push(ev.topic);
  broker.events.on("publish", onPublish);
  await dev1.publishAsync("$oc/devices/dev1/sys/properties/report", '{"services":[]}', { qos: 1 });
  const closed = closeOf(dev1);
  dev1.publish("$oc/devices/dev2/sys/messages/down", "spoof", { qos: 1 });
  await within(closed, 3000, "the broker should drop dev1 after its publish to dev2's topic");
  const denied = logLines.filter((l) => l.startsWith("publish denied"));
  assert.match(denied.at(-1) ?? "", /^publish denied, connection dropped clientId=dev1_\S+ topic=\$oc\/devices\/dev2\/sys\/messages\/down$/);
  // a later publish of dev2's reaching the broker proves the spoofed one was not merely slow
  dev2.publish("$oc/devices/dev2/sys/properties/report", "{}", { qos: 1 });
  await until(() => published.length === 2, "dev2's report should reach the broker", 3000);
  broker.events.off("publish", onPublish);
  assert.deepEqual(published, ["$oc/devices/dev1/sys/properties/report", "$oc/devices/dev2/sys/properties/report"]);
  assert.deepEqual(leaked, []);
  dev2.end(true);
});

test("each new login of a device drops its previous connection, whatever the clientId", T, async () => {
  const id = "relogin";
  const live = new Set<string>();
  const disconnects: Array<{ clientId: string; replacedBy?: string }> = [];
  const onClient = (ev: { deviceId: string; clientId: string }) => ev.deviceId === id && live.add(ev.clientId);
  const onDisconnect = (ev: { deviceId: string; clientId: string; replacedBy?: string }) => {
    if (ev.deviceId !== id) return;
    live.delete(ev.clientId);
    disconnects.push({ clientId: ev.clientId, replacedBy: ev.replacedBy });
  };
  broker.events.on("client", onClient);
  broker.events.on("disconnect", onDisconnect);
  // the same clientId again, then the other sign type, then the previous hour
  const logins = [device(id), device(id), device(id, NOW, 0), device(id, NOW - HOUR)];
  let previous: Promise<void> | undefined;
  let newest: MqttClient | undefined;
  for (const creds of logins) {
    const a = await attempt(creds);
    assert.equal(a.returnCode, 0, creds.clientId);
    if (previous !== undefined) await within(previous, 3000, `${creds.clientId} should end the connection before it`);
    previous = closeOf(a.client);
    newest = a.client;
  }
  broker.events.off("client", onClient);
  broker.events.off("disconnect", onDisconnect);
  const ids = logins.map((l) => l.clientId);
  assert.deepEqual([...live], [ids[3]], "one connection per device");
  assert.deepEqual(disconnects, ids.slice(0, 3).map((clientId, i) => ({ clientId, replacedBy: ids[i + 1] })));
  for (let i = 0; i < 3; i++) {
    assert.ok(logLines.includes(`disconnect, replaced by a new login clientId=${ids[i]} by=${ids[i + 1]}`), logLines.join("\n"));
  }
  // commands reach the newest connection
  newest!.on("message", (topic) => {
    const requestId = topic.split("request_id=")[1];
    newest!.publish(`$oc/devices/${id}/sys/commands/response/request_id=${requestId}`, '{"result_code":0}');
  });
  assert.deepEqual(await broker.publishCommand(id, { command_name: "PING", paras: {} }, { timeoutMs: 3000 }), { result_code: 0 });
  newest!.end(true);
});

test("a device's own publishes reach the broker but never a subscription; commands still reach it", T, async () => {
  const dev1 = await online("dev1");
  const received: string[] = [];
  dev1.on("message", (topic) => received.push(topic));
  const published: string[] = [];
  const onPublish = (ev: { deviceId: string; topic: string }) => ev.deviceId === "dev1" && published.push(ev.topic);
  broker.events.on("publish", onPublish);
  // retained before the subscription, so a replay on SUBSCRIBE would show too
  await dev1.publishAsync("$oc/devices/dev1/sys/messages/up", "kept", { qos: 1, retain: true });
  await dev1.subscribeAsync(["$oc/devices/dev1/sys/commands/#", "$oc/devices/dev1/sys/messages/#"], { qos: 1 });
  await dev1.publishAsync("$oc/devices/dev1/sys/commands/response/request_id=r0", '{"result_code":0}', { qos: 0 });
  await dev1.publishAsync("$oc/devices/dev1/sys/commands/response/request_id=r1", '{"result_code":0}', { qos: 1 });
  await until(() => published.length === 3, "the broker should see all three publishes", 3000);
  broker.events.off("publish", onPublish);
  // the command (QoS 1: aedes' other delivery path) is sent after the broker handled those publishes,
  // so an echo would come first
  dev1.on("message", (topic) => {
    const requestId = /\/commands\/request_id=(.+)$/.exec(topic)?.[1];
    if (requestId !== undefined) dev1.publish(`$oc/devices/dev1/sys/commands/response/request_id=${requestId}`, '{"result_code":0}');
  });
  assert.deepEqual(await broker.publishCommand("dev1", { command_name: "PING", paras: {} }, { timeoutMs: 3000, qos: 1 }), { result_code: 0 });
  assert.equal(received.length, 1, received.join("\n"));
  assert.match(received[0], /^\$oc\/devices\/dev1\/sys\/commands\/request_id=/);
  await dev1.publishAsync("$oc/devices/dev1/sys/messages/up", "", { qos: 1, retain: true }); // clears the retained one
  dev1.end(true);
});

test("$time_sync: answered on events/down by the broker's clock, without a subscription; the rest is logged", T, async () => {
  const dev1 = await online("dev1");
  const received: Array<{ topic: string; body: unknown }> = [];
  dev1.on("message", (topic, payload) => received.push({ topic, body: JSON.parse(payload.toString()) }));
  const from = logLines.length;
  const up = (body: unknown) => dev1.publishAsync("$oc/devices/dev1/sys/events/up", typeof body === "string" ? body : JSON.stringify(body), { qos: 1 });
  const timeSync = (paras: unknown) => ({ service_id: "$time_sync", event_type: "time_sync_request", paras });
  await up("not json");
  await up({ services: {} });
  await up({ services: [7] });
  await up({ services: [timeSync({})] });
  await up({ services: [timeSync({ device_send_time: "1" })] });
  const sentAt = NOW - 1234;
  await up({
    object_device_id: "dev1",
    services: [{ service_id: "$sub_device_manager", event_type: "sub_device_update_status", paras: {} }, timeSync({ device_send_time: sentAt })],
  });
  await until(() => received.length > 0, "the time sync answer", 3000);
  assert.deepEqual(received, [{
    topic: "$oc/devices/dev1/sys/events/down",
    body: {
      object_device_id: "dev1",
      services: [{
        service_id: "$time_sync",
        event_type: "time_sync_response",
        event_time: "20250414T013000Z",
        paras: { device_send_time: sentAt, server_recv_time: NOW, server_send_time: NOW },
      }],
    },
  }]);
  assert.ok(dev1.connected, "malformed events keep the connection");
  assert.deepEqual(logLines.slice(from).filter((l) => /^(event|time sync)/.test(l)), [
    'event ignored deviceId=dev1 reason="payload is not JSON"',
    'event ignored deviceId=dev1 reason="services: must be an array"',
    'event ignored deviceId=dev1 reason="services[0]: service_id and event_type must be strings"',
    'event ignored deviceId=dev1 reason="services[0].paras.device_send_time: must be an integer >= 0 (ms)"',
    'event ignored deviceId=dev1 reason="services[0].paras.device_send_time: must be an integer >= 0 (ms)"',
    "event deviceId=dev1 service_id=$sub_device_manager event_type=sub_device_update_status",
    `time sync answered deviceId=dev1 device_send_time=${sentAt}`,
  ]);
  dev1.end(true);
});

test("publishCommand round trip without an explicit subscription (IoTDA subscribes implicitly)", T, async () => {
  const dev2 = await online("dev2");
  const requests: Array<{ topic: string; body: Record<string, unknown> }> = [];
  dev2.on("message", (topic, payload) => {
    const body = JSON.parse(payload.toString());
    requests.push({ topic, body });
    const requestId = /^\$oc\/devices\/dev2\/sys\/commands\/request_id=([0-9a-f-]{36})$/.exec(topic)![1];
    dev2.publish(
      `$oc/devices/dev2/sys/commands/response/request_id=${requestId}`,
      JSON.stringify({ result_code: 0, response_name: "COMMAND_RESPONSE", paras: { echo: body.paras.value } }),
      { qos: 1 },
    );
  });
  const response = await broker.publishCommand("dev2", { service_id: "Switch", command_name: "ON_OFF", paras: { value: "ON" } });
  assert.deepEqual(response, { result_code: 0, response_name: "COMMAND_RESPONSE", paras: { echo: "ON" } });
  assert.equal(requests.length, 1);
  assert.deepEqual(requests[0].body, { object_device_id: "dev2", service_id: "Switch", command_name: "ON_OFF", paras: { value: "ON" } });

  dev2.removeAllListeners("message");
  await assert.rejects(broker.publishCommand("dev2", { command_name: "X", paras: {} }, { timeoutMs: 300 }), /no response from dev2 within 300 ms/);
  dev2.end(true);
  await once(broker.events, "disconnect");
  await assert.rejects(broker.publishCommand("dev2", { command_name: "X", paras: {} }), /dev2 is not connected/);
});

test("a client trusting a different CA refuses the broker's certificate", T, async () => {
  const before = broker.stats();
  const a = await attempt(device("dev1"), otherCa.caPem);
  assert.equal(a.returnCode, undefined);
  assert.match(String((a.error as NodeJS.ErrnoException).code), /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|CERT/);
  // the server sees the handshake fail, and nobody was accepted
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(broker.stats().tlsErrors, before.tlsErrors + 1);
  assert.equal(broker.stats().accepted, before.accepted);
});

test("the certificate is valid for 'localhost' too", T, async () => {
  const socket = tlsConnect({ host: "localhost", port: broker.port, ca: certs.caPem });
  await once(socket, "secureConnect");
  assert.equal(socket.authorized, true);
  assert.ok(["TLSv1.2", "TLSv1.3"].includes(socket.getProtocol()!));
  socket.destroy();
});

test(`${CROWD} devices connect concurrently`, T, async () => {
  const before = broker.stats().connected;
  const results = await Promise.all(Array.from({ length: CROWD }, (_, i) => attempt(device(`crowd-${i}`))));
  assert.deepEqual(results.map((r) => r.returnCode), Array(CROWD).fill(0));
  assert.equal(broker.stats().connected, before + CROWD);
  for (const r of results) r.client.end(true);
});

test("an OTA file port in use: startBroker fails naming the port, not with an error of its clean-up", T, async () => {
  const taken = net.createServer();
  taken.listen(0, "127.0.0.1");
  await once(taken, "listening");
  const port = (taken.address() as AddressInfo).port;
  try {
    await assert.rejects(startBroker({ certs, devices: new Map(), ota: { port }, provisioning: { port: 0 } }),
      new RegExp(`^Error: ota files: cannot listen on 127\\.0\\.0\\.1:${port}: listen EADDRINUSE`));
  } finally {
    taken.close();
  }
});
