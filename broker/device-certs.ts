// X.509 device certificates for IoTDA's certificate authentication: a CA of the user's (or one made
// here for tests) signs a device key's certificate; the platform knows the device by the
// certificate's SHA-256 fingerprint. Made with the openssl CLI in a fresh private temp dir.
import { createHash, createPrivateKey, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asn1Time, CA_CONFIG, opensslError, opensslIn } from "./certs";

/** "rsa" (default): RSA 2048, the only kind Moddable's TLS can sign its handshake with. "ec": P-256. */
export type DeviceKeyType = "rsa" | "ec";

export interface Pem {
  certPem: string;
  keyPem: string;
}

export interface DeviceCertificate extends Pem {
  /** The private key as PKCS#8 DER, which SecureSocket's clientKey takes. */
  keyDer: Uint8Array;
  certDer: Uint8Array;
  /** SHA-256 of the certificate's DER, uppercase hex: what IoTDA registers the device by. */
  fingerprint: string;
}

export interface IssueOptions {
  deviceId: string;
  keyType?: DeviceKeyType;
  /** Validity in days (default 365). */
  days?: number;
  /** Start of the validity (default an hour ago). */
  validFrom?: Date;
}

/** The fingerprint IoTDA binds a device to: SHA-256 of the DER, uppercase hex without separators. */
export function fingerprint(der: Uint8Array): string {
  return createHash("sha256").update(der).digest("hex").toUpperCase();
}

function inTempDir<T>(what: string, make: (dir: string, openssl: (...args: string[]) => void) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "iotda-device-certs-")); // mode 0700: holds keys
  try {
    return make(dir, opensslIn(dir));
  } catch (err) {
    throw err instanceof Error && !(err as { stderr?: unknown }).stderr ? err : opensslError(what, err);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function validity(from: Date, days: number): string[] {
  return ["-startdate", asn1Time(from), "-enddate", asn1Time(new Date(from.getTime() + days * 86_400_000))];
}

/** A CA for device certificates, kept with its key (tests; a deployment brings its own). */
export function generateDeviceCa(opts: { days?: number; validFrom?: Date; name?: string } = {}): Pem {
  return inTempDir("generateDeviceCa", (dir, openssl) => {
    writeFileSync(join(dir, "ca.ext"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n");
    writeFileSync(join(dir, "ca.cnf"), CA_CONFIG);
    writeFileSync(join(dir, "index.txt"), "");
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ca.key");
    openssl("req", "-new", "-key", "ca.key", "-subj", `/CN=${opts.name ?? "IoTDA local device CA"}`, "-out", "ca.csr");
    openssl("ca", "-batch", "-notext", "-config", "ca.cnf", "-keyfile", "ca.key", "-selfsign", "-extfile", "ca.ext",
      ...validity(opts.validFrom ?? new Date(Date.now() - 3_600_000), opts.days ?? 3650), "-in", "ca.csr", "-out", "ca.pem");
    return { certPem: readFileSync(join(dir, "ca.pem"), "utf8"), keyPem: readFileSync(join(dir, "ca.key"), "utf8") };
  });
}

/** A fresh device key and its certificate (CN = deviceId, clientAuth) signed by `ca`. */
export function issueDeviceCertificate(ca: Pem, opts: IssueOptions): DeviceCertificate {
  if (!opts.deviceId || /[/\\\n]/.test(opts.deviceId)) throw new Error("deviceId: must be set, without / \\ or newlines");
  const days = opts.days ?? 365;
  if (!Number.isInteger(days) || days < 1 || days > 36500) throw new RangeError("days: must be an integer from 1 to 36500");
  try {
    new X509Certificate(ca.certPem);
    createPrivateKey(ca.keyPem);
  } catch {
    throw new Error("ca: needs the CA certificate and its private key, in PEM");
  }
  return inTempDir("issueDeviceCertificate", (dir, openssl) => {
    writeFileSync(join(dir, "ca.pem"), ca.certPem);
    writeFileSync(join(dir, "ca.key"), ca.keyPem, { mode: 0o600 });
    writeFileSync(join(dir, "ca.cnf"), CA_CONFIG);
    writeFileSync(join(dir, "index.txt"), "");
    writeFileSync(join(dir, "device.ext"),
      "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n");
    if ((opts.keyType ?? "rsa") === "rsa") openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "device.key");
    else openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "device.key");
    openssl("req", "-new", "-key", "device.key", "-subj", `/CN=${opts.deviceId}`, "-out", "device.csr");
    openssl("ca", "-batch", "-notext", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-extfile", "device.ext",
      ...validity(opts.validFrom ?? new Date(Date.now() - 3_600_000), days), "-in", "device.csr", "-out", "device.pem");
    const keyPem = readFileSync(join(dir, "device.key"), "utf8");
    const certPem = readFileSync(join(dir, "device.pem"), "utf8");
    const certDer = new Uint8Array(new X509Certificate(certPem).raw);
    const keyDer = new Uint8Array(createPrivateKey(keyPem).export({ type: "pkcs8", format: "der" }));
    return { keyPem, certPem, keyDer, certDer, fingerprint: fingerprint(certDer) };
  });
}
