// Device registry: the broker's stand-in for IoTDA's device list.
// File form: { "devices": { "<id>": { "secret": "...", "disabled"?: true } } }
import { readFileSync } from "node:fs";

export interface DeviceRecord {
  secret: string;
  disabled?: boolean;
}

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
    if (typeof record.secret !== "string" || record.secret.length === 0) {
      throw new TypeError(`devices.${id}.secret: must be a non-empty string`);
    }
    if (record.disabled !== undefined && typeof record.disabled !== "boolean") {
      throw new TypeError(`devices.${id}.disabled: must be a boolean`);
    }
    registry.set(id, { secret: record.secret, disabled: record.disabled === true });
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
