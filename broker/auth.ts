// IoTDA CONNECT verification: the test oracle for the device's credentials. It recomputes the password
// with node:crypto, independently of our wasm core, so a bug in the core cannot hide itself here.
import type { Client } from "aedes";
import { createHmac, timingSafeEqual } from "node:crypto";
import type { TLSSocket } from "node:tls";
import type { DeviceRecord, Registry } from "./registry";

/** CONNACK return codes IoTDA uses: accepted, identifier rejected, bad username/password, not authorized. */
export type ConnackCode = 0 | 2 | 4 | 5;

export interface ConnectFields {
  clientId: string;
  username?: string;
  password?: Uint8Array;
  keepalive: number;
  /** The TLS client certificate, if the client sent one (X.509 authentication). */
  certificate?: ClientCertificate;
}

export interface ClientCertificate {
  /** SHA-256 of its DER, uppercase hex. */
  fingerprint: string;
  /** Chains to a device CA the platform trusts, and is within its dates (node:tls's `authorized`). */
  trusted: boolean;
  /** node:tls's reason when not trusted, e.g. CERT_HAS_EXPIRED. */
  error?: string;
}

/** The client certificate of an aedes client's TLS connection. */
export function clientCertificate(client: Client): ClientCertificate | undefined {
  const conn = (client as unknown as { conn: TLSSocket }).conn;
  const peer = conn.getPeerX509Certificate?.();
  if (peer === undefined) return undefined;
  const error = conn.authorizationError;
  return { fingerprint: peer.fingerprint256.replaceAll(":", ""), trusted: conn.authorized, error: error === null ? undefined : String(error) };
}

export interface AuthResult {
  returnCode: ConnackCode;
  /** For logs: names what failed, never carries the secret or the password. */
  reason: string;
  /** The id parsed from the clientId, when it parsed. */
  deviceId?: string;
}

export interface AuthOptions {
  /** Broker clock, epoch ms. */
  nowMs: number;
  /** How far (either side) the broker clock may be from the signed hour for signType 1. */
  toleranceMs?: number;
}

/**
 * One hour either side. The timestamp has hour granularity, so a device signing at 10:59:59 with a
 * clock a few seconds fast already sends hour 11; an hour of slack on each side of the signed hour
 * absorbs such boundary cases and a modestly wrong device clock, while credentials captured more than
 * ~2 hours ago (a replay) are still refused — the point of signType 1.
 */
export const DEFAULT_TOLERANCE_MS = 60 * 60 * 1000;

const HOUR_MS = 60 * 60 * 1000;
export const FIELD_MAX = 256; // IoTDA limit for clientId, username and password
export const KEEPALIVE_MIN = 30;
export const KEEPALIVE_MAX = 1200;
// id is greedy so device ids that contain '_' (product_node form) keep their underscores
const CLIENT_ID = /^(.+)_([012])_([01])_(\d{10})$/;

/** Lowercase hex HMAC-SHA256 with the timestamp string as key and the secret as message (IoTDA's rule). */
export function iotdaPassword(secret: string, timestamp: string): string {
  return createHmac("sha256", Buffer.from(timestamp, "utf8")).update(Buffer.from(secret, "utf8")).digest("hex");
}

/** `YYYYMMDDHH` -> epoch ms of that UTC hour, or undefined when it names no real hour. */
export function parseTimestamp(ts: string): number | undefined {
  const [y, mo, d, h] = [ts.slice(0, 4), ts.slice(4, 6), ts.slice(6, 8), ts.slice(8, 10)].map(Number);
  const ms = Date.UTC(y, mo - 1, d, h);
  const back = new Date(ms);
  // Date.UTC rolls over (month 13, Feb 30, hour 24); a round trip that changes any field means invalid
  const real = back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d &&
    back.getUTCHours() === h;
  return real && y >= 1970 ? ms : undefined;
}

export function verifyConnect(connect: ConnectFields, registry: Registry, opts: AuthOptions): AuthResult {
  const { clientId, username, password, keepalive } = connect;
  if (clientId.length > FIELD_MAX) return { returnCode: 2, reason: `clientId longer than ${FIELD_MAX} characters` };
  const m = CLIENT_ID.exec(clientId);
  if (m === null) {
    return { returnCode: 2, reason: "clientId not in the form {id}_{authType 0-2}_{signType 0-1}_{YYYYMMDDHH}" };
  }
  const [, deviceId, , signType, timestamp] = m;
  const bad = verifyHourAndKeepalive(timestamp, keepalive, deviceId);
  if (bad !== undefined) return bad;
  const device = registry.get(deviceId);
  if (device === undefined) return { returnCode: 4, reason: "unknown device", deviceId };
  if (username !== deviceId) return { returnCode: 4, reason: "username does not equal the device id", deviceId };
  if (device.fingerprint !== undefined) return verifyCertificate(connect.certificate, device, deviceId);
  const refused = verifySecret(password, device.secret!, signType, timestamp, opts);
  if (refused !== undefined) return { ...refused, deviceId };
  if (device.disabled === true) return { returnCode: 5, reason: "device disabled", deviceId };
  return { returnCode: 0, reason: "accepted", deviceId };
}

/** The clientId's hour and the keepalive, which every login must have right (else CONNACK 2); undefined when both do. */
export function verifyHourAndKeepalive(timestamp: string, keepalive: number, deviceId: string): AuthResult | undefined {
  if (parseTimestamp(timestamp) === undefined) return { returnCode: 2, reason: `clientId timestamp ${timestamp} is not a UTC hour`, deviceId };
  if (!(keepalive >= KEEPALIVE_MIN && keepalive <= KEEPALIVE_MAX)) {
    return { returnCode: 2, reason: `keepalive ${keepalive} s outside ${KEEPALIVE_MIN}-${KEEPALIVE_MAX}`, deviceId };
  }
  return undefined;
}

/**
 * The password of a secret-authenticated login, and for signType "1" its hour against the clock:
 * undefined when both pass, else the CONNACK 4 and its reason.
 */
export function verifySecret(password: Uint8Array | undefined, secret: string, signType: string, timestamp: string, opts: AuthOptions): AuthResult | undefined {
  if (password === undefined || password.length > FIELD_MAX) return { returnCode: 4, reason: "password missing or too long" };
  const expected = Buffer.from(iotdaPassword(secret, timestamp), "utf8");
  // constant time, as a real platform would; lengths are compared first because timingSafeEqual needs equal sizes
  if (password.length !== expected.length || !timingSafeEqual(password, expected)) return { returnCode: 4, reason: "password mismatch" };
  if (signType !== "1") return undefined;
  const signedAt = parseTimestamp(timestamp)!;
  const tolerance = opts.toleranceMs ?? DEFAULT_TOLERANCE_MS;
  // the timestamp names the whole hour [signedAt, signedAt + 1 h); measure the clock's distance from it
  const off = opts.nowMs < signedAt ? signedAt - opts.nowMs : Math.max(0, opts.nowMs - (signedAt + HOUR_MS));
  if (off <= tolerance) return undefined;
  return { returnCode: 4, reason: `timestamp ${timestamp} is ${Math.round(off / 60000)} min outside the signed hour (tolerance ${Math.round(tolerance / 60000)} min)` };
}

// X.509 authentication: the password is not used (the clientId's timestamp neither); the device is
// the holder of the registered certificate, which must chain to a trusted device CA and be in its
// dates. Refused as bad credentials (CONNACK 4), as a wrong secret is.
function verifyCertificate(certificate: ClientCertificate | undefined, device: DeviceRecord, deviceId: string): AuthResult {
  if (certificate === undefined) return { returnCode: 4, reason: "no client certificate for a certificate-authenticated device", deviceId };
  if (certificate.fingerprint !== device.fingerprint) return { returnCode: 4, reason: "client certificate fingerprint is not the registered one", deviceId };
  if (!certificate.trusted) return { returnCode: 4, reason: `client certificate not trusted: ${certificate.error ?? "unknown"}`, deviceId };
  if (device.disabled === true) return { returnCode: 5, reason: "device disabled", deviceId };
  return { returnCode: 0, reason: "accepted", deviceId };
}
