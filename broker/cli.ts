// Standalone local IoTDA for manual testing with a device, MQTTX or mosquitto_pub, and with backend
// scripts or iotda-local over its northbound HTTP API:
//   tsx broker/cli.ts --registry devices.json [--host 127.0.0.1] [--port 8883] [--tolerance-minutes 60]
//                     [--ca-out ./local-ca] [--hostname name]... [--http-port 8080] [--http-host 127.0.0.1] [--no-http]
//                     [--ota-port 8943] [--ota-url-host H] [--ota-dir DIR] [--ota-test-drop-after N] [--ota-test-untrusted-cert]
//                     [--ota-test-wrong-sign] [--ota-test-notice-at-same-version] [--device-ca FILE]... [--provisioning-port 8884]
// --provisioning-port: also the provisioning service (IoTDP bootstrap) on that TLS port; devices are
// assigned and registration groups added with iotda-local bootstrap-assign / bootstrap-group.
// --device-ca: a CA (PEM) whose device certificates the platform accepts, for devices registered by
// "fingerprint" (X.509 authentication, see npm run device-cert).
// Writes <ca-out>.pem and <ca-out>.der (the CA to trust) and prints the MQTTS port, the API's URL and
// the OTA file server's.
import { X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { generateCerts } from "./certs";
import { DEFAULT_HTTP_PORT } from "./http";
import { DEFAULT_OTA_PORT } from "./ota-files";
import { loadRegistry } from "./registry";
import { startBroker } from "./server";

const usage =
  "usage: tsx broker/cli.ts --registry devices.json [--host 127.0.0.1] [--port 8883] [--tolerance-minutes 60] [--ca-out ./local-ca] [--hostname name]..." +
  ` [--http-port ${DEFAULT_HTTP_PORT}] [--http-host 127.0.0.1] [--no-http]` +
  ` [--ota-port ${DEFAULT_OTA_PORT}] [--ota-url-host H (default: the first --hostname, else --host)] [--ota-dir DIR (packages kept there)]` +
  " [--ota-test-drop-after BYTES] [--ota-test-untrusted-cert] [--ota-test-wrong-sign] [--ota-test-notice-at-same-version] [--device-ca FILE]..." +
  " [--provisioning-port PORT]";

function fail(message: string): never {
  console.error(`${message}\n${usage}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      registry: { type: "string" },
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "8883" },
      "tolerance-minutes": { type: "string", default: "60" },
      "ca-out": { type: "string", default: "local-ca" },
      hostname: { type: "string", multiple: true, default: [] },
      "http-port": { type: "string", default: String(DEFAULT_HTTP_PORT) },
      // plain HTTP without authentication: loopback unless asked otherwise
      "http-host": { type: "string", default: "127.0.0.1" },
      "no-http": { type: "boolean", default: false },
      "ota-port": { type: "string", default: String(DEFAULT_OTA_PORT) },
      "ota-url-host": { type: "string" },
      "ota-dir": { type: "string" },
      // test hooks, for trying a device's resume, its refusals and its result codes 7 and 3 by hand
      "ota-test-drop-after": { type: "string" },
      "ota-test-untrusted-cert": { type: "boolean", default: false },
      "ota-test-wrong-sign": { type: "boolean", default: false },
      "ota-test-notice-at-same-version": { type: "boolean", default: false },
      "device-ca": { type: "string", multiple: true, default: [] },
      "provisioning-port": { type: "string" },
      help: { type: "boolean", default: false },
    },
  }));
} catch (err) {
  fail((err as Error).message);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
if (values.registry === undefined) fail("--registry is required");
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail("--port: must be an integer 0-65535");
const httpPort = Number(values["http-port"]);
if (!Number.isInteger(httpPort) || httpPort < 0 || httpPort > 65535) fail("--http-port: must be an integer 0-65535");
const otaPort = Number(values["ota-port"]);
if (!Number.isInteger(otaPort) || otaPort < 0 || otaPort > 65535) fail("--ota-port: must be an integer 0-65535");
const dropAfter = values["ota-test-drop-after"] === undefined ? undefined : Number(values["ota-test-drop-after"]);
if (dropAfter !== undefined && !(Number.isSafeInteger(dropAfter) && dropAfter >= 0)) fail("--ota-test-drop-after: must be an integer >= 0 (bytes)");
const provisioningPort = values["provisioning-port"] === undefined ? undefined : Number(values["provisioning-port"]);
if (provisioningPort !== undefined && !(Number.isInteger(provisioningPort) && provisioningPort >= 0 && provisioningPort <= 65535)) fail("--provisioning-port: must be an integer 0-65535");
const toleranceMinutes = Number(values["tolerance-minutes"]);
if (!Number.isFinite(toleranceMinutes) || toleranceMinutes < 0) fail("--tolerance-minutes: must be a number >= 0");

const devices = loadRegistry(values.registry);
const deviceCas = values["device-ca"].map((path) => {
  try {
    return new X509Certificate(readFileSync(path)).toString();
  } catch {
    fail(`--device-ca: ${path} is not a readable X.509 certificate in PEM or DER`);
  }
});
const certs = generateCerts({ hostnames: values.hostname });
const caOut = resolve(values["ca-out"]);
writeFileSync(`${caOut}.pem`, certs.caPem);
writeFileSync(`${caOut}.der`, certs.caDer);

let broker;
try {
  broker = await startBroker({
    host: values.host,
    port,
    devices,
    certs,
    deviceCas,
    toleranceMs: toleranceMinutes * 60_000,
    log: (line) => console.log(`${new Date().toISOString()} ${line}`),
    http: values["no-http"] ? undefined : { port: httpPort, host: values["http-host"] },
    ...(provisioningPort !== undefined && { provisioning: { port: provisioningPort } }),
    ota: {
      port: otaPort,
      // the address a device downloads from must be one the certificate names
      urlHost: values["ota-url-host"] ?? values.hostname[0] ?? (values.host === "0.0.0.0" ? "127.0.0.1" : values.host),
      packagesDir: values["ota-dir"],
      testHooks: {
        dropAfterBytes: dropAfter,
        untrustedCertificate: values["ota-test-untrusted-cert"],
        wrongSign: values["ota-test-wrong-sign"],
        noticeAtSameVersion: values["ota-test-notice-at-same-version"],
      },
    },
  });
} catch (err) {
  certs.cleanup();
  console.error((err as Error).message);
  process.exit(1);
}
console.log(`IoTDA test broker on mqtts://${broker.host}:${broker.port} (${devices.size} devices)`);
console.log(`CA: ${caOut}.pem and ${caOut}.der`);
if (broker.provisioning !== undefined) console.log(`provisioning service (IoTDP bootstrap) on mqtts://${broker.host}:${broker.provisioning.port}: npx iotda-local bootstrap-assign --device <id>`);
console.log(`OTA files on ${broker.otaFiles.url} (upgrade notices point here)`);
if (broker.http !== undefined) {
  console.log(`IoTDA API on ${broker.http.url}/v5/iot/{project_id}/devices/{device_id}/... (no authentication)`);
  console.log(`try: npx tsx broker/iotda-cli.ts shadow --device <id> --url ${broker.http.url}`);
}
console.log(`try (apt mosquitto-clients): mosquitto_sub -h ${broker.host} -p ${broker.port} --cafile ${caOut}.pem -i <id>_0_0_<YYYYMMDDHH> -u <id> -P <password> -k 120 -t '$oc/devices/<id>/#' -V mqttv311`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    broker.close().then(() => {
      certs.cleanup();
      process.exit(0);
    });
  });
}
