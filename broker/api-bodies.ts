// The northbound request bodies (CreateCommand, UpdateProperties, UpdateDeviceShadowDesiredData) read
// into typed values; anything else throws invalidInput naming the field and its limit.
import { invalidInput } from "./iotda-errors";
import { isObject } from "./json";
import type { DesiredUpdate, Properties } from "./shadow";

const SERVICE_ID_MAX = 64;
const COMMAND_NAME_MAX = 128;
/** UpdateProperties: at most 256 KB of services. */
const SERVICES_MAX_BYTES = 256 * 1024;
// IoTDA refuses shadow keys with '.', '$' or NUL
const SHADOW_KEY = /^[^.$\0]+$/;

export interface Command {
  service_id?: string;
  command_name?: string;
  paras: Record<string, unknown>;
}

export interface ServiceProperties {
  service_id: string;
  properties: Properties;
}

export function readCommand(body: unknown): Command {
  if (!isObject(body)) throw invalidInput("body: must be a JSON object");
  const command: Command = { paras: {} };
  const serviceId = optionalServiceId(body.service_id, "service_id");
  if (serviceId !== undefined) command.service_id = serviceId;
  if (body.command_name !== undefined) {
    if (typeof body.command_name !== "string" || body.command_name.length > COMMAND_NAME_MAX) {
      throw invalidInput(`command_name: must be a string of at most ${COMMAND_NAME_MAX} characters`);
    }
    command.command_name = body.command_name;
  }
  if (!isObject(body.paras)) throw invalidInput("paras: required, a JSON object");
  command.paras = body.paras;
  return command;
}

export function readPropertiesSet(body: unknown): ServiceProperties[] {
  const services = listOf(body, "services");
  if (JSON.stringify(services).length > SERVICES_MAX_BYTES) throw invalidInput(`services: at most ${SERVICES_MAX_BYTES} bytes`);
  return services.map((service, i) => {
    if (!isObject(service)) throw invalidInput(`services[${i}]: must be an object`);
    const serviceId = requiredServiceId(service.service_id, `services[${i}].service_id`);
    if (!isObject(service.properties)) throw invalidInput(`services[${i}].properties: required, a JSON object`);
    return { service_id: serviceId, properties: service.properties };
  });
}

export function readDesired(body: unknown): DesiredUpdate[] {
  return listOf(body, "shadow").map((entry, i) => {
    if (!isObject(entry)) throw invalidInput(`shadow[${i}]: must be an object`);
    const update: DesiredUpdate = { service_id: requiredServiceId(entry.service_id, `shadow[${i}].service_id`), desired: {} };
    if (!isObject(entry.desired)) throw invalidInput(`shadow[${i}].desired: required, a JSON object`);
    for (const key of Object.keys(entry.desired)) {
      if (!SHADOW_KEY.test(key)) throw invalidInput(`shadow[${i}].desired: keys must be non-empty, without '.', '$' or NUL`);
    }
    update.desired = entry.desired;
    if (entry.version !== undefined) {
      if (!Number.isSafeInteger(entry.version) || (entry.version as number) < 0) throw invalidInput(`shadow[${i}].version: must be an integer >= 0`);
      update.version = entry.version as number;
    }
    return update;
  });
}

/** The service_id query parameter of ListProperties and ShowDeviceShadow (optional here). */
export const optionalServiceId = (value: unknown, field: string): string | undefined =>
  value === undefined ? undefined : requiredServiceId(value, field);

function requiredServiceId(value: unknown, field: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > SERVICE_ID_MAX) {
    throw invalidInput(`${field}: must be a string of 1-${SERVICE_ID_MAX} characters`);
  }
  return value;
}

function listOf(body: unknown, field: string): unknown[] {
  const list = isObject(body) ? body[field] : undefined;
  if (!Array.isArray(list) || list.length === 0) throw invalidInput(`${field}: required, a non-empty array`);
  return list;
}
