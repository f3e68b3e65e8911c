// The local provisioning service's assignments and registration groups, and the bodies of the
// local API's routes for them (http.ts; ours, IoTDP's own API is another service). No MQTT here:
// iotda-local's bundle reaches this module through http.ts.
import { invalidInput } from "./iotda-errors";

export interface Assignment {
  /** "host:port" of the IoTDA endpoint the device is sent to. */
  address: string;
  /** What the device gets as initConfig (IoTDP hands the user's JSON as a string). */
  initConfig?: string;
}

export interface RegistrationGroup {
  /** The group secret, Base64 (as IoTDP's console shows it). */
  secret: string;
  /** Where its devices go; the local IoTDA's own endpoint unless given. */
  assignment?: Assignment;
}

const ADDRESS = /^[A-Za-z0-9.-]{1,253}:\d{1,5}$/;

function optionalText(body: Record<string, unknown>, name: string, check: (text: string) => boolean, rule: string): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !check(value)) throw invalidInput(`${name}: ${rule}`);
  return value;
}

function object(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw invalidInput("body: must be a JSON object");
  return body as Record<string, unknown>;
}

/** The local API's assignment body, {address?: "host:port", init_config?: string}; IotdaError naming a bad field. */
export function readAssignment(body: unknown): Partial<Assignment> {
  const fields = object(body ?? {});
  const address = optionalText(fields, "address", (text) => ADDRESS.test(text) && Number(text.split(":")[1]) <= 65535, "must be \"host:port\"");
  const initConfig = optionalText(fields, "init_config", (text) => text.length <= 4096, "must be a string of at most 4096 characters");
  return { ...(address !== undefined && { address }), ...(initConfig !== undefined && { initConfig }) };
}

/** The local API's registration group body, {secret: Base64, address?, init_config?}. */
export function readGroup(body: unknown): RegistrationGroup {
  const fields = object(body);
  if (typeof fields.secret !== "string") throw invalidInput("secret: must be the group secret, padded Base64");
  const assignment = readAssignment({ address: fields.address, init_config: fields.init_config });
  return { secret: fields.secret, ...(assignment.address !== undefined && { assignment: { address: assignment.address, initConfig: assignment.initConfig } }) };
}

