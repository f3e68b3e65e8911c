// The northbound OTA requests read into typed values: a package upload's query (ours: IoTDA's
// CreateOtaPackage points at an OBS object, locally the bytes come in the request), CreateBatchTask for
// an upgrade, StopBatchTask, ListOtaPackageInfo's filter. Anything else throws invalidInput naming the field.
import { invalidInput } from "./iotda-errors";
import { isObject } from "./json";
import type { NewTask, TaskType } from "./ota";
import type { NewPackage, PackageType } from "./ota-packages";

const PACKAGE_TYPES: readonly PackageType[] = ["firmwarePackage", "softwarePackage"];
const TASK_TYPES: readonly TaskType[] = ["firmwareUpgrade", "softwareUpgrade"];
// IoTDA: task_name up to 128 of letters (any script), digits, '_'; device ids up to 128; 30,000 targets
const TASK_NAME = /^[\p{L}\p{N}_]{1,128}$/u;
const DEVICE_ID = /^.{1,128}$/su;
const TARGETS_MAX = 30_000;
const PACKAGE_ID = /^[A-Za-z0-9-]{1,36}$/;

/** `?version=V&package_type=firmwarePackage&file_name=F[&description=][&custom_info=][&download=presigned]` */
export function readUpload(query: URLSearchParams): NewPackage {
  const version = query.get("version");
  if (version === null) throw invalidInput("version: required (query parameter)");
  const upload: NewPackage = {
    version,
    package_type: oneOf(query.get("package_type") ?? "firmwarePackage", PACKAGE_TYPES, "package_type"),
    file_name: query.get("file_name") ?? "package.bin",
    download: oneOf(query.get("download") ?? "token", ["token", "presigned"] as const, "download"),
  };
  for (const field of ["description", "custom_info"] as const) {
    const value = query.get(field);
    if (value !== null) upload[field] = value;
  }
  return upload;
}

export function readCreateTask(body: unknown): NewTask {
  if (!isObject(body)) throw invalidInput("body: must be a JSON object");
  if (typeof body.task_name !== "string" || !TASK_NAME.test(body.task_name)) {
    throw invalidInput("task_name: required, 1-128 letters, digits or '_'");
  }
  if (typeof body.task_type !== "string" || !TASK_TYPES.includes(body.task_type as TaskType)) {
    throw invalidInput(`task_type: the local IoTDA runs ${TASK_TYPES.join(" and ")} tasks`);
  }
  const targets = readTargets(body.targets);
  if (targets === undefined) throw invalidInput("targets: required, a non-empty array of device ids (targets_filter and document_source are not supported locally)");
  const packageId = isObject(body.document) ? body.document.package_id : undefined;
  if (typeof packageId !== "string" || !PACKAGE_ID.test(packageId)) throw invalidInput("document.package_id: required, 1-36 letters, digits or '-'");
  return { task_name: body.task_name, task_type: body.task_type as TaskType, targets, package_id: packageId };
}

/** StopBatchTask's optional body `{targets?}`: undefined stops every target. */
export function readStop(body: unknown): string[] | undefined {
  if (body === undefined) return undefined;
  if (!isObject(body)) throw invalidInput("body: must be a JSON object");
  return body.targets === undefined ? undefined : readTargets(body.targets) ?? invalidTargets();
}

export function readPackageFilter(query: URLSearchParams): { package_type?: PackageType; version?: string } {
  const type = query.get("package_type");
  const version = query.get("version");
  return {
    ...(type === null ? {} : { package_type: oneOf(type, PACKAGE_TYPES, "package_type") }),
    ...(version === null ? {} : { version }),
  };
}

function readTargets(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.length > TARGETS_MAX) invalidTargets();
  const seen = new Set<string>();
  value.forEach((id, i) => {
    if (typeof id !== "string" || !DEVICE_ID.test(id)) throw invalidInput(`targets[${i}]: must be a device id of 1-128 characters`);
    if (seen.has(id)) throw invalidInput(`targets[${i}]: ${id} is listed twice`);
    seen.add(id);
  });
  return value;
}

function invalidTargets(): never {
  throw invalidInput(`targets: must be an array of 1-${TARGETS_MAX} device ids`);
}

function oneOf<T extends string>(value: string, values: readonly T[], field: string): T {
  if (!values.includes(value as T)) throw invalidInput(`${field}: must be one of ${values.join(", ")}`);
  return value as T;
}
