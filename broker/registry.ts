// Device registry: the broker's stand-in for IoTDA's device list.
// File form: { "devices": { "<id>": { "secret": "..." } | { "fingerprint": "<SHA-256 hex>" }, "disabled"?: true } }
// A device authenticates by its secret, or (IoTDA's X.509 authentication) by a TLS client
// certificate whose SHA-256 fingerprint is the registered one.
import { readFileSync } from "node:fs";

export interface DeviceRecord {
  secret?: string;
  /** SHA-256 of the device certificate's DER, hex (colons allowed); stored uppercase without colons. */
  fingerprint?: string;
  disabled?: boolean;
}

const FINGERPRINT = /^[0-9A-F]{64}$/;

export type Registry = ReadonlyMap<string, DeviceRecord>;

/** Validates a `devices` object (same shape as the file's "devices" member) into a Registry. */
export function toRegistry(devices: Record<string, DeviceRecord>): Registry {
  if (typeof devices !== "object" || devices === null || Array.isArray(devices)) {
    throw new TypeError("devices: must be an object keyed by device id");
  }
  const registry = new Map<string, DeviceRecord>();
  for (const [id, record] of Object.entries(devices)) {
    // error messages name the device id (not secret) so a broken file can be fixed
    if (id.length === 0 || id.length > 256) throw new RangeError("devices: ids must be 1-256 characters");
    if (typeof record !== "object" || record === null) throw new TypeError(`devices.${id}: must be an object`);
    if ((record.secret === undefined) === (record.fingerprint === undefined)) {
      throw new TypeError(`devices.${id}: needs a secret or a fingerprint (one of the two)`);
    }
    if (record.secret !== undefined && (typeof record.secret !== "string" || record.secret.length === 0)) {
      throw new TypeError(`devices.${id}.secret: must be a non-empty string`);
    }
    const fingerprint = typeof record.fingerprint === "string" ? record.fingerprint.replaceAll(":", "").toUpperCase() : undefined;
    if (record.fingerprint !== undefined && !FINGERPRINT.test(fingerprint ?? "")) {
      throw new TypeError(`devices.${id}.fingerprint: must be the certificate's SHA-256, 64 hex digits`);
    }
    if (record.disabled !== undefined && typeof record.disabled !== "boolean") {
      throw new TypeError(`devices.${id}.disabled: must be a boolean`);
    }
    registry.set(id, { secret: record.secret, fingerprint, disabled: record.disabled === true });
  }
  return registry;
}

export function parseRegistry(json: string): Registry {
  const doc = JSON.parse(json) as { devices?: Record<string, DeviceRecord> } | null;
  if (typeof doc !== "object" || doc === null || doc.devices === undefined) {
    throw new TypeError('registry: expected { "devices": { "<id>": { "secret": "..." } } }');
  }
  return toRegistry(doc.devices);
}

export function loadRegistry(path: string): Registry {
  return parseRegistry(readFileSync(path, "utf8"));
}
