// Run-time test PKI: a throwaway CA and a server certificate it signs, made with the openssl CLI in a
// fresh private temp dir. Nothing here is ever committed; callers delete the dir with cleanup().
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isIP } from "node:net";
import { join } from "node:path";

export type KeyType = "ec" | "rsa";

export interface CertOptions {
  /** Extra DNS names or IP addresses for the server certificate (localhost and 127.0.0.1 are in unless subjectAltName is false). */
  hostnames?: string[];
  /** false: a server certificate naming its host only in the CN (localhost), as old servers did. */
  subjectAltName?: boolean;
  /** "ec" (default): ECDSA P-256, for ECDHE-ECDSA suites. "rsa": RSA 2048, for ECDHE-RSA suites. */
  keyType?: KeyType;
  /** Validity in days (default 30). */
  days?: number;
  /** Start of both certificates' validity (default an hour ago), e.g. earlier for a device clock set to its build time. */
  validFrom?: Date;
  /** true: the CA signs an intermediate CA, which signs the server certificate (public endpoints are served so). */
  intermediate?: boolean;
}

export interface Certs {
  caPem: string;
  /** The CA certificate in DER, as a device's trust store (Moddable Resource) wants it. */
  caDer: Uint8Array;
  keyPem: string;
  certPem: string;
  /** With `intermediate`: the intermediate CA certificate, which signed certPem. */
  intermediatePem?: string;
  intermediateDer?: Uint8Array;
  /** Temp dir holding ca.pem, ca.der, server.pem, server.key (the CA key is deleted once used). */
  dir: string;
  cleanup(): void;
}

// `openssl ca` rather than `x509 -req`: only it takes a start date (OpenSSL 3.0). rand_serial spares
// a serial file; the key identifiers are what Moddable's chain check looks up issuers by.
export const CA_CONFIG = `[ca]
default_ca = local
[local]
database = index.txt
new_certs_dir = .
default_md = sha256
policy = any
unique_subject = no
rand_serial = yes
[any]
commonName = supplied
`;

/**
 * What a TLS server of ours presents: the chain, not the leaf alone, because Moddable's TLS checks the
 * server's name only on a certificate that comes with its issuer (a leaf-only server fails the device's
 * hostname check); TLS 1.2 at least.
 */
export const serverTlsOptions = (certs: Certs) => ({ key: certs.keyPem, cert: certs.certPem + certs.caPem, minVersion: "TLSv1.2" as const });

/** OpenSSL's GeneralizedTime form, YYYYMMDDHHMMSSZ. */
export const asn1Time = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:T]/g, "");

/** Runs the openssl CLI in `dir`, its stderr kept for the error. */
export const opensslIn = (dir: string) => (...args: string[]) => {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
};

/** The error for a failed openssl run: its stderr, if any. */
export function opensslError(what: string, err: unknown): Error {
  const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
  return new Error(`${what}: openssl failed${stderr ? `: ${stderr}` : ""}`, { cause: err });
}

/** Each call makes an independent CA, so two calls give a "wrong CA" pair for negative tests. */
export function generateCerts(opts: CertOptions = {}): Certs {
  const keyType = opts.keyType ?? "ec";
  const from = opts.validFrom ?? new Date(Date.now() - 3_600_000);
  const validity = ["-startdate", asn1Time(from), "-enddate", asn1Time(new Date(from.getTime() + (opts.days ?? 30) * 86_400_000))];
  const dir = mkdtempSync(join(tmpdir(), "iotda-certs-")); // mkdtemp creates it mode 0700
  const path = (name: string) => join(dir, name);
  const openssl = opensslIn(dir);
  const genKey = (out: string) =>
    keyType === "ec"
      ? openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", out)
      : openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", out);
  try {
    const names = ["localhost", "127.0.0.1", ...(opts.hostnames ?? [])];
    const san = [...new Set(names)].map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
    // RSA key exchange is not offered by ECDHE suites, so RSA keys only need digitalSignature too;
    // keyEncipherment is added for older clients that insist on it.
    const usage = keyType === "ec" ? "digitalSignature" : "digitalSignature,keyEncipherment";
    writeFileSync(
      path("server.ext"),
      "basicConstraints=critical,CA:FALSE\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n" +
        `keyUsage=critical,${usage}\nextendedKeyUsage=serverAuth\n${opts.subjectAltName === false ? "" : `subjectAltName=${san}\n`}`,
    );
    writeFileSync(
      path("ca.ext"),
      "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n",
    );
    writeFileSync(path("ca.cnf"), CA_CONFIG);
    writeFileSync(path("index.txt"), "");
    const sign = (...args: string[]) => openssl("ca", "-batch", "-notext", "-config", "ca.cnf", "-keyfile", "ca.key", ...validity, ...args);
    genKey("ca.key");
    openssl("req", "-new", "-key", "ca.key", "-subj", `/CN=IoTDA local test CA ${process.pid}-${randomBytes(4).toString("hex")}`, "-out", "ca.csr");
    sign("-selfsign", "-extfile", "ca.ext", "-in", "ca.csr", "-out", "ca.pem");
    let issuer = "ca";
    if (opts.intermediate) {
      genKey("int.key");
      openssl("req", "-new", "-key", "int.key", "-subj", "/CN=IoTDA local test intermediate CA", "-out", "int.csr");
      sign("-cert", "ca.pem", "-extfile", "ca.ext", "-in", "int.csr", "-out", "int.pem");
      openssl("x509", "-in", "int.pem", "-outform", "DER", "-out", "int.der");
      issuer = "int";
    }
    genKey("server.key");
    openssl("req", "-new", "-key", "server.key", "-subj", "/CN=localhost", "-out", "server.csr");
    sign("-cert", `${issuer}.pem`, "-keyfile", `${issuer}.key`, "-extfile", "server.ext", "-in", "server.csr", "-out", "server.pem");
    openssl("x509", "-in", "ca.pem", "-outform", "DER", "-out", "ca.der");
    rmSync(path("ca.key"), { force: true }); // nothing else is ever signed by these CAs
    rmSync(path("int.key"), { force: true });
    return {
      caPem: readFileSync(path("ca.pem"), "utf8"),
      caDer: new Uint8Array(readFileSync(path("ca.der"))),
      keyPem: readFileSync(path("server.key"), "utf8"),
      certPem: readFileSync(path("server.pem"), "utf8"),
      ...(opts.intermediate && { intermediatePem: readFileSync(path("int.pem"), "utf8"), intermediateDer: new Uint8Array(readFileSync(path("int.der"))) }),
      dir,
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw opensslError("generateCerts", err);
  }
}
