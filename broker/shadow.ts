// Per device and service, what IoTDA keeps: the properties the device reported (merged report after
// report), the properties applications desire, and a version that counts the desired changes.
import { invalidInput } from "./iotda-errors";

export type Properties = Record<string, unknown>;

export interface Section {
  properties: Properties;
  /** yyyyMMdd'T'HHmmss'Z'; absent until the section is first written. */
  event_time?: string;
}

export interface ShadowEntry {
  service_id: string;
  desired: Section;
  reported: Section;
  version: number;
}

export interface ReportedService {
  service_id: string;
  properties: Properties;
  event_time?: string;
}

export interface DesiredUpdate {
  service_id: string;
  desired: Properties;
  /** When given, must equal the current version (IoTDA's optimistic check). */
  version?: number;
}

export class Shadows {
  readonly #devices = new Map<string, Map<string, ShadowEntry>>();

  /** Merges each service's properties into reported; the event_time is the device's or `now`. */
  report(deviceId: string, services: readonly ReportedService[], now: string): void {
    for (const service of services) {
      const entry = this.#entry(deviceId, service.service_id);
      Object.assign(entry.reported.properties, service.properties);
      entry.reported.event_time = service.event_time ?? now;
    }
  }

  /**
   * IoTDA's desired rules: an empty object clears desired, a null value deletes that property, any
   * other value sets it. All versions are checked before anything changes.
   */
  setDesired(deviceId: string, updates: readonly DesiredUpdate[], now: string): void {
    updates.forEach((update, i) => {
      const current = this.#devices.get(deviceId)?.get(update.service_id)?.version ?? 0;
      if (update.version !== undefined && update.version !== current) {
        throw invalidInput(`shadow[${i}].version: ${update.version} is not the current version ${current}`);
      }
    });
    for (const update of updates) {
      const entry = this.#entry(deviceId, update.service_id);
      const desired = entry.desired.properties;
      if (Object.keys(update.desired).length === 0) for (const key of Object.keys(desired)) delete desired[key];
      for (const [key, value] of Object.entries(update.desired)) {
        if (value === null) delete desired[key];
        else desired[key] = value;
      }
      entry.desired.event_time = now;
      entry.version++;
    }
  }

  /** Copies, so callers can serialise or change them freely: every service, or the one named (if known). */
  view(deviceId: string, serviceId?: string): ShadowEntry[] {
    const services = [...(this.#devices.get(deviceId)?.values() ?? [])];
    const chosen = serviceId === undefined ? services : services.filter((s) => s.service_id === serviceId);
    return structuredClone(chosen);
  }

  #entry(deviceId: string, serviceId: string): ShadowEntry {
    let services = this.#devices.get(deviceId);
    if (services === undefined) this.#devices.set(deviceId, (services = new Map()));
    let entry = services.get(serviceId);
    if (entry === undefined) {
      // null prototypes: a property named __proto__ is data like any other, not the object's prototype
      entry = { service_id: serviceId, desired: { properties: Object.create(null) }, reported: { properties: Object.create(null) }, version: 0 };
      services.set(serviceId, entry);
    }
    return entry;
  }
}
