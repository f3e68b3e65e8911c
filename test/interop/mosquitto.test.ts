// Our MQTT 3.1.1 codec (src/mqtt) against an implementation we did not write: Debian's mosquitto over
// real TLS, logging in with IoTDA-shaped credentials computed by the node:crypto oracle.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { test } from "node:test";
import { connect as tlsConnect } from "node:tls";
import { fileURLToPath } from "node:url";
import { type Certs, generateCerts } from "../../broker/certs";
import { encodeConnect, encodeDisconnect, encodePingreq, encodePublish, encodeSubscribe } from "../../src/mqtt/encode";
import type { Packet } from "../../src/mqtt/packets";
import { Parser } from "../../src/mqtt/parser";
import { expectedPassword, utcHour } from "../fixtures/iotda";
import { mosquittoMissing, startMosquitto } from "../fixtures/mosquitto";
import "../../boards/host/globals";	// ArrayBuffer.fromString, as XS has it

const DEVICE = "prod_node-1";
const SECRET = "interop-secret";
const TIMESTAMP = "2025041401"; // mosquitto does not check time; the password just has to match this hour
const CLIENT_ID = `${DEVICE}_0_0_${TIMESTAMP}`;
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A TLS connection whose incoming bytes go through our Parser; packets are awaited one at a time. */
async function session(port: number, ca: string) {
  const socket = tlsConnect({ host: "127.0.0.1", port, ca, servername: "localhost" });
  await once(socket, "secureConnect");
  const queue: Packet[] = [];
  let wake: (() => void) | undefined;
  let parseError: unknown;
  const parser = new Parser(64 * 1024, (packet) => {
    queue.push(packet);
    wake?.();
  });
  socket.on("data", (chunk: Buffer) => {
    try {
      parser.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    } catch (err) {
      parseError = err;
      wake?.();
    }
  });
  const closed = once(socket, "close").then(() => wake?.());
  let isClosed = false;
  void closed.then(() => (isClosed = true));
  return {
    send: (bytes: Uint8Array) => socket.write(bytes),
    /** The next packet from mosquitto; fails on a parse error, a close, or 3 s of silence. */
    async next(): Promise<Packet> {
      const deadline = Date.now() + 3000;
      while (queue.length === 0) {
        if (parseError !== undefined) throw parseError;
        if (isClosed) throw new Error("connection closed while waiting for a packet");
        if (Date.now() > deadline) throw new Error("no packet within 3 s");
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100);
        });
      }
      return queue.shift()!;
    },
    closed,
    destroy: () => socket.destroy(),
  };
}

test("our codec against mosquitto over TLS", async (t) => {
  const missing = mosquittoMissing();
  if (missing) {
    t.skip(missing);
    return;
  }
  const mosquitto = await startMosquitto({ deviceId: DEVICE, secret: SECRET, timestamp: TIMESTAMP });
  t.after(() => mosquitto.stop());
  const ca = mosquitto.certs.caPem;
  const password = expectedPassword(SECRET, TIMESTAMP);

  await t.test("CONNECT -> CONNACK 0, PUBLISH QoS 1 -> PUBACK, SUBSCRIBE echo, PINGREQ -> PINGRESP, DISCONNECT", async () => {
    const s = await session(mosquitto.port, ca);
    s.send(encodeConnect({ clientId: CLIENT_ID, username: DEVICE, password, keepalive: 120, cleanSession: true }));
    assert.deepEqual(await s.next(), { type: 2, sessionPresent: false, returnCode: 0 });

    s.send(encodePublish({ topic: `$oc/devices/${DEVICE}/sys/properties/report`, payload: '{"services":[]}', qos: 1, messageId: 4242 }));
    assert.deepEqual(await s.next(), { type: 4, messageId: 4242 });

    // a message mosquitto routes back to us exercises the PUBLISH decoder on a real broker's bytes
    const topic = `$oc/devices/${DEVICE}/sys/commands/request_id=1`;
    s.send(encodeSubscribe(7, [{ topic: `$oc/devices/${DEVICE}/sys/commands/#`, qos: 0 }]));
    assert.deepEqual(await s.next(), { type: 9, messageId: 7, granted: [0] });
    s.send(encodePublish({ topic, payload: "héllo", qos: 0 }));
    const echo = await s.next();
    assert.equal(echo.type, 3);
    assert.equal(echo.type === 3 && echo.topic, topic);
    assert.equal(echo.type === 3 && Buffer.from(echo.payload).toString("utf8"), "héllo");

    s.send(encodePingreq());
    assert.deepEqual(await s.next(), { type: 13 });

    s.send(encodeDisconnect());
    await s.closed; // mosquitto closes the connection after DISCONNECT
  });

  // MQTT 3.1.1 has code 4 for "bad user name or password", yet mosquitto (2.0.11, Debian) answers 5,
  // "not authorized", when a 3.1.1 client fails its password-file check: it reports every failed
  // authentication that way. We assert what mosquitto really sends; a client must therefore treat both
  // 4 and 5 as a credentials failure. IoTDA itself sends 4 (see broker/auth.ts).
  await t.test("wrong password -> CONNACK 5 from mosquitto, then the connection closes", async () => {
    const s = await session(mosquitto.port, ca);
    const wrong = expectedPassword("not-the-secret", TIMESTAMP);
    s.send(encodeConnect({ clientId: CLIENT_ID, username: DEVICE, password: wrong, keepalive: 120, cleanSession: true }));
    assert.deepEqual(await s.next(), { type: 2, sessionPresent: false, returnCode: 5 });
    await s.closed;
  });

  await t.test("a password for another hour is refused the same way", async () => {
    const s = await session(mosquitto.port, ca);
    const otherHour = expectedPassword(SECRET, "2025041402");
    s.send(encodeConnect({ clientId: `${DEVICE}_0_0_2025041402`, username: DEVICE, password: otherHour, keepalive: 120 }));
    assert.deepEqual(await s.next(), { type: 2, sessionPresent: false, returnCode: 5 });
    s.destroy();
  });
});

// The device app itself, as a user runs it against their own broker: npm start -- --host ... --once.
test("the device app against mosquitto over TLS: connects, and refuses a leaf-only or an RSA-key-exchange-only server", async (t) => {
  const missing = mosquittoMissing();
  if (missing) {
    t.skip(missing);
    return;
  }
  const secret = "app-interop-secret";
  const start = async (options: { certs?: Certs; chain?: boolean; ciphers?: string }) => {
    // the app signs with sign type 1 for this hour: mosquitto stores that hour's password
    const mosquitto = await startMosquitto({ deviceId: DEVICE, secret, timestamp: utcHour(Date.now()), ...options });
    t.after(() => mosquitto.stop());
    const ca = join(mosquitto.certs.dir, "ca.pem");
    // spawn, not spawnSync: mosquitto's log is read by this process's event loop meanwhile
    const app = spawn("npm", ["start", "--", "--host", "127.0.0.1", "--port", String(mosquitto.port), "--ca", ca,
      "--server-name", "localhost", "--device-id", DEVICE, "--once"],
      { cwd: ROOT, env: { ...process.env, IOTDA_SECRET: secret }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    app.stdout.on("data", (chunk) => (output += chunk));
    app.stderr.on("data", (chunk) => (output += chunk));
    const [status] = await once(app, "exit");
    assert.ok(!output.includes(secret), "the secret appeared in the output");
    return { status, output, log: mosquitto.log() };
  };

  await t.test("a chained ECDSA server: CONNACK 0 and the report's PUBACK, exit 0", async () => {
    const { status, output, log } = await start({});
    assert.equal(status, 0, output);
    assert.match(output, /^connected$/m);
    assert.match(output, /\[app\] iotda: property report acknowledged/);
    assert.match(log, new RegExp(`New client connected from 127\\.0\\.0\\.1:\\d+ as ${DEVICE}_0_1_\\d{10}`));
  });

  await t.test("the leaf sent without its issuer: refused before anything is sent, exit 1", async () => {
    const { status, output, log } = await start({ chain: false });
    assert.equal(status, 1, output);
    assert.match(output, /^not connected: connect failed \(socket or TLS error\)$/m);
    assert.doesNotMatch(log, /New client connected/);
  });

  await t.test("RSA key exchange only (AES128-SHA256): no forward secrecy, so refused, exit 1", async () => {
    const rsa = generateCerts({ keyType: "rsa" });
    t.after(() => rsa.cleanup());
    const { status, output, log } = await start({ certs: rsa, ciphers: "AES128-SHA256" });
    assert.equal(status, 1, output);
    assert.match(output, /^not connected: connect failed \(socket or TLS error\)$/m);
    assert.doesNotMatch(log, /New client connected/);
  });
});
