#!/usr/bin/env node
// iotda-device-cert: a device key and its certificate for IoTDA's X.509 authentication, signed by
// your CA; prints the SHA-256 fingerprint to register the device with in the IoTDA console. Input
// errors print one line on stderr and exit 2. No key is ever printed.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { generateDeviceCa, issueDeviceCertificate, type DeviceKeyType } from "../broker/device-certs";

const USAGE = `Usage: iotda-device-cert --ca-cert FILE --ca-key FILE --device-id ID [--out DIR] [--days N] [--key-type rsa|ec]
       iotda-device-cert --new-ca [--out DIR]

Writes DIR/<id>.der and DIR/<id>.key.der (the certificate, and the key as PKCS#8: what the device's
clientCert and clientKey take, as resources or in NVS), the same in PEM (<id>.pem, <id>.key.pem),
and prints the certificate's SHA-256 fingerprint.
  --ca-cert, --ca-key   the CA that signs device certificates (PEM); upload its certificate to IoTDA
  --device-id ID        the device's id (the certificate's CN)
  --out DIR             where to write (default .); existing files are not overwritten
  --days N              validity in days (default 365)
  --key-type rsa|ec     rsa (default, RSA 2048): Moddable's TLS signs with RSA only; ec: P-256
  --new-ca              make a CA for device certificates instead: DIR/device-ca.pem and device-ca.key.pem
`;

class InputError extends Error {}

const OPTIONS = {
  "ca-cert": { type: "string" },
  "ca-key": { type: "string" },
  "device-id": { type: "string" },
  out: { type: "string", default: "." },
  days: { type: "string" },
  "key-type": { type: "string", default: "rsa" },
  "new-ca": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

function read(option: string, path: string | undefined): string {
  if (path === undefined) throw new InputError(`--${option}: required; see --help`);
  try {
    return readFileSync(path, "utf8");
  } catch {
    throw new InputError(`--${option}: cannot read ${path}`);
  }
}

function write(files: Record<string, string | Uint8Array>, out: string, secret: readonly string[]): void {
  for (const name of Object.keys(files))
    if (existsSync(join(out, name))) throw new InputError(`--out: ${join(out, name)} exists; not overwriting it`);
  for (const [name, data] of Object.entries(files))
    writeFileSync(join(out, name), data, { mode: secret.includes(name) ? 0o600 : 0o644 });
}

function run(args: string[]): string {
  let values;
  try {
    values = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new InputError(`${(error as Error).message.split("\n")[0]}; see --help`);
  }
  if (values.help) return USAGE;
  if (!existsSync(values.out)) throw new InputError(`--out: ${values.out} does not exist`);
  if (values["new-ca"]) {
    const ca = generateDeviceCa();
    write({ "device-ca.pem": ca.certPem, "device-ca.key.pem": ca.keyPem }, values.out, ["device-ca.key.pem"]);
    return `device CA: ${join(values.out, "device-ca.pem")} (upload it to IoTDA), key ${join(values.out, "device-ca.key.pem")}`;
  }
  const keyType = values["key-type"];
  if (keyType !== "rsa" && keyType !== "ec") throw new InputError("--key-type: must be rsa or ec");
  const days = values.days === undefined ? undefined : Number(values.days);
  const deviceId = values["device-id"];
  if (!deviceId) throw new InputError("--device-id: required; see --help");
  const ca = { certPem: read("ca-cert", values["ca-cert"]), keyPem: read("ca-key", values["ca-key"]) };
  let device;
  try {
    device = issueDeviceCertificate(ca, { deviceId, keyType: keyType as DeviceKeyType, days });
  } catch (error) {
    throw new InputError((error as Error).message.split("\n")[0]);
  }
  write({
    [`${deviceId}.der`]: device.certDer, [`${deviceId}.pem`]: device.certPem,
    [`${deviceId}.key.der`]: device.keyDer, [`${deviceId}.key.pem`]: device.keyPem,
  }, values.out, [`${deviceId}.key.der`, `${deviceId}.key.pem`]);
  return `${device.fingerprint}`;
}

try {
  console.log(run(process.argv.slice(2)));
} catch (error) {
  if (!(error instanceof InputError)) throw error;
  console.error(`iotda-device-cert: ${error.message}`);
  process.exit(2);
}
