// IoTDA's `$ota` device events (device API: version query and report, upgrade notice, upgrade status):
// the events/down payloads the platform sends and the events/up paras it reads from a device.
import { eventTime } from "./events";
import { isObject } from "./json";
import type { PackageType } from "./ota-packages";

export const OTA_SERVICE = "$ota";

/** upgrade_progress_report's result codes, with IoTDA's meaning of each. */
export const RESULT_CODES: Readonly<Record<number, string>> = {
  0: "success",
  1: "device in use",
  2: "poor signal",
  3: "already the latest version",
  4: "low battery",
  5: "insufficient storage space",
  6: "download timeout",
  7: "upgrade package verification failure",
  8: "unsupported upgrade package type",
  9: "insufficient memory",
  10: "upgrade package installation failure",
  255: "internal exception",
};

export interface VersionReport {
  kind: "version_report";
  fw_version?: string;
  sw_version?: string;
}

export interface ProgressReport {
  kind: "upgrade_progress";
  result_code: number;
  /** 0-100; IoTDA documents it optional. */
  progress?: number;
  version: string;
  description?: string;
}

/** The paras of an upgrade notice; access_token is absent from the `_v2` (pre-signed URL) form. */
export interface UpgradeParas {
  version: string;
  url: string;
  file_size: number;
  file_name: string;
  access_token?: string;
  /** Seconds the credential stays valid. */
  expires: number;
  sign: string;
  custom_info?: string;
}

const TEXT_MAX = 256;

function envelope(deviceId: string, eventType: string, paras: object, nowMs: number) {
  return { object_device_id: deviceId, services: [{ service_id: OTA_SERVICE, event_type: eventType, event_time: eventTime(nowMs), paras }] };
}

export const versionQuery = (deviceId: string, nowMs: number) => envelope(deviceId, "version_query", {}, nowMs);

/** firmware_upgrade / software_upgrade, or their `_v2` forms for a pre-signed URL. */
export function upgradeNotice(deviceId: string, type: PackageType, paras: UpgradeParas, nowMs: number) {
  const kind = type === "firmwarePackage" ? "firmware" : "software";
  return envelope(deviceId, `${kind}_upgrade${paras.access_token === undefined ? "_v2" : ""}`, paras, nowMs);
}

/**
 * The paras of a `$ota` event a device sends: a reading, a problem naming the field (prefixed with
 * `where`), or undefined for an event type the platform does not read.
 */
export function readOtaParas(eventType: string, paras: unknown, where: string): VersionReport | ProgressReport | { problem: string } | undefined {
  if (eventType !== "version_report" && eventType !== "upgrade_progress_report") return undefined;
  if (!isObject(paras)) return { problem: `${where}: must be an object` };
  const problem = eventType === "version_report" ? versionProblem(paras) : progressProblem(paras);
  if (problem !== undefined) return { problem: `${where}.${problem}` };
  if (eventType === "version_report") {
    return { kind: "version_report", ...pick(paras, ["fw_version", "sw_version"]) } as VersionReport;
  }
  return { kind: "upgrade_progress", ...pick(paras, ["result_code", "progress", "version", "description"]) } as ProgressReport;
}

function versionProblem(paras: Record<string, unknown>): string | undefined {
  for (const field of ["fw_version", "sw_version"]) {
    if (paras[field] !== undefined && !isText(paras[field])) return `${field}: must be a string of 1-${TEXT_MAX} characters`;
  }
  return undefined;
}

function progressProblem(paras: Record<string, unknown>): string | undefined {
  if (!Number.isInteger(paras.result_code) || !((paras.result_code as number) in RESULT_CODES)) {
    return "result_code: must be one of 0-10 or 255";
  }
  const progress = paras.progress;
  if (progress !== undefined && !(Number.isInteger(progress) && (progress as number) >= 0 && (progress as number) <= 100)) {
    return "progress: must be an integer 0-100";
  }
  if (!isText(paras.version)) return `version: required, a string of 1-${TEXT_MAX} characters`;
  if (paras.description !== undefined && typeof paras.description !== "string") return "description: must be a string";
  return undefined;
}

const isText = (value: unknown) => typeof value === "string" && value.length > 0 && value.length <= TEXT_MAX;

function pick(paras: Record<string, unknown>, fields: string[]) {
  return Object.fromEntries(fields.filter((f) => paras[f] !== undefined).map((f) => [f, paras[f]]));
}
