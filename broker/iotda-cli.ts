#!/usr/bin/env node
// iotda-local: the northbound HTTP API of a running local IoTDA (tsx broker/cli.ts) from the command
// line. Prints the API's JSON answer and exits 0; an IoTDA error (offline device, timeout, ...) goes
// to stderr as the API's JSON and exits 1; bad input prints one line naming the option and exits 2.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_HTTP_PORT } from "./http";

const usage = `usage: iotda-local <command> [options] [--url http://127.0.0.1:${DEFAULT_HTTP_PORT}] [--project local]
  set-properties --device ID --service S --properties '{"reportInterval":30}'
  get-properties --device ID [--service S]
  command        --device ID --name N [--service S] [--paras '{"text":"hi"}']
  message        --device ID --content TEXT [--name NAME] [--topic SUFFIX (under $oc/devices/ID/user/)]
  shadow         --device ID [--set-desired '{"reportInterval":60}' --service S]
  device         --device ID   (its status and the fw_version/sw_version it reported)
  ota-upload     --file F --version V [--kind firmware|software] [--file-name NAME] [--custom-info TEXT] [--description TEXT] [--presigned]
  ota-task       --device ID [--device ID]... --package PACKAGE_ID [--name TASK_NAME]
  ota-status     --task TASK_ID
  ota-stop       --task TASK_ID [--device ID]...
  bootstrap-assign   --device ID [--address HOST:PORT (default: this IoTDA)] [--init-config TEXT]   (the provisioning service's answer)
  bootstrap-unassign --device ID   (its next bootstrap gets an error answer)
  bootstrap-group    --scope SCOPE_ID [--address HOST:PORT] [--init-config TEXT]   (group secret, Base64, in IOTDA_GROUP_SECRET)`;

// the options each command takes beyond --url and --project
const COMMANDS: Record<string, string[]> = {
  "set-properties": ["device", "service", "properties"],
  "get-properties": ["device", "service"],
  command: ["device", "service", "name", "paras"],
  message: ["device", "content", "name", "topic"],
  shadow: ["device", "service", "set-desired"],
  device: ["device"],
  "ota-upload": ["file", "version", "kind", "file-name", "custom-info", "description", "presigned"],
  "ota-task": ["device", "package", "name"],
  "ota-status": ["task"],
  "ota-stop": ["task", "device"],
  "bootstrap-assign": ["device", "address", "init-config"],
  "bootstrap-unassign": ["device"],
  "bootstrap-group": ["scope", "address", "init-config"],
};
// the commands that name several devices; the others take one
const DEVICE_LISTS = ["ota-task", "ota-stop"];
const KINDS: Record<string, string> = { firmware: "firmwarePackage", software: "softwarePackage" };

function fail(message: string): never {
  console.error(`iotda-local: ${message}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: "string", default: `http://127.0.0.1:${DEFAULT_HTTP_PORT}` },
      project: { type: "string", default: "local" },
      device: { type: "string", multiple: true },
      service: { type: "string" },
      properties: { type: "string" },
      name: { type: "string" },
      paras: { type: "string" },
      content: { type: "string" },
      topic: { type: "string" },
      "set-desired": { type: "string" },
      file: { type: "string" },
      version: { type: "string" },
      kind: { type: "string" },
      "file-name": { type: "string" },
      "custom-info": { type: "string" },
      description: { type: "string" },
      presigned: { type: "boolean" },
      package: { type: "string" },
      task: { type: "string" },
      address: { type: "string" },
      "init-config": { type: "string" },
      scope: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
} catch (err) {
  fail((err as Error).message);
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const [command, ...extra] = positionals;
if (command === undefined) fail(`a command is required: ${Object.keys(COMMANDS).join(", ")}`);
if (!(command in COMMANDS)) fail(`unknown command ${command}: one of ${Object.keys(COMMANDS).join(", ")}`);
if (extra.length > 0) fail(`unexpected argument ${extra[0]}`);
for (const option of new Set(Object.values(COMMANDS).flat())) {
  if (values[option as keyof typeof values] !== undefined && !COMMANDS[command].includes(option)) fail(`--${option}: not an option of ${command}`);
}
if ((values.device?.length ?? 0) > 1 && !DEVICE_LISTS.includes(command)) fail(`--device: ${command} takes one`);

type Text = "service" | "name" | "properties" | "content" | "file" | "version" | "package" | "task" | "scope";
const required = (option: Text) =>
  values[option] === undefined || values[option] === "" ? fail(`--${option} is required for ${command}`) : (values[option] as string);
const devices = () => (values.device ?? []).length === 0 ? fail(`--device is required for ${command}`) : values.device!;

function jsonObject(option: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    fail(`--${option}: not JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(`--${option}: must be a JSON object`);
  return value as Record<string, unknown>;
}

let base: URL;
try {
  base = new URL(values.url);
} catch {
  fail("--url: not a URL, e.g. http://127.0.0.1:8080");
}
if (base.protocol !== "http:" && base.protocol !== "https:") fail("--url: must be http:// or https://");
const project = `/v5/iot/${encodeURIComponent(values.project)}`;

interface Request {
  method: string;
  path: string;
  /** JSON, or the bytes of an upload. */
  body?: unknown;
}

function deviceRequest(): Request {
  const path = `${project}/devices/${encodeURIComponent(devices()[0])}`;
  switch (command) {
    case "set-properties":
      return { method: "PUT", path: `${path}/properties`, body: { services: [{ service_id: required("service"), properties: jsonObject("properties", required("properties")) }] } };
    case "get-properties":
      return { method: "GET", path: `${path}/properties${values.service === undefined ? "" : `?service_id=${encodeURIComponent(values.service)}`}` };
    case "command": {
      const body: Record<string, unknown> = { command_name: required("name"), paras: jsonObject("paras", values.paras ?? "{}") };
      if (values.service !== undefined) body.service_id = values.service;
      return { method: "POST", path: `${path}/commands`, body };
    }
    case "message":
      return { method: "POST", path: `${path}/messages`, body: { message: required("content"), name: values.name, topic: values.topic } };
    case "device":
      return { method: "GET", path };
    default: {
      if (values["set-desired"] === undefined) return { method: "GET", path: `${path}/shadow` };
      const desired = jsonObject("set-desired", values["set-desired"]);
      return { method: "PUT", path: `${path}/shadow`, body: { shadow: [{ service_id: required("service"), desired }] } };
    }
  }
}

function uploadRequest(): Request {
  const file = required("file");
  const version = required("version");
  const kind = values.kind ?? "firmware";
  if (!(kind in KINDS)) fail("--kind: firmware or software");
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    fail(`--file: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const query = new URLSearchParams({ version, package_type: KINDS[kind], file_name: values["file-name"] ?? basename(file) });
  if (values["custom-info"] !== undefined) query.set("custom_info", values["custom-info"]);
  if (values.description !== undefined) query.set("description", values.description);
  if (values.presigned === true) query.set("download", "presigned");
  return { method: "POST", path: `${project}/ota-upgrades/packages?${query}`, body: bytes };
}

/** The API's answer as JSON; exits 1 when it cannot be reached or does not answer JSON. */
async function call({ method, path, body }: Request): Promise<{ failed: boolean; answer: unknown }> {
  const target = new URL(path, base);
  const upload = Buffer.isBuffer(body);
  let res: Response;
  try {
    res = await fetch(target, {
      method,
      headers: body === undefined ? {} : { "content-type": upload ? "application/octet-stream" : "application/json" },
      body: body === undefined ? undefined : upload ? new Uint8Array(body) : JSON.stringify(body),
    });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    console.error(`iotda-local: cannot reach ${base.origin}: ${cause} (is tsx broker/cli.ts running?)`);
    process.exit(1);
  }
  const text = await res.text();
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    console.error(`iotda-local: ${method} ${target.pathname} answered HTTP ${res.status} without JSON`);
    process.exit(1);
  }
  // IoTDA reports a timed-out request with HTTP 200 and an error body, so both count as failures
  return { failed: !res.ok || (typeof answer === "object" && answer !== null && "error_code" in answer), answer };
}

/** CreateBatchTask wants the task type, which follows from the package's type. */
async function taskRequest(): Promise<Request | { failed: true; answer: unknown }> {
  const targets = devices();
  const packageId = required("package");
  const found = await call({ method: "GET", path: `${project}/ota-upgrades/packages/${encodeURIComponent(packageId)}` });
  if (found.failed) return { failed: true, answer: found.answer };
  const type = (found.answer as { package_type?: string }).package_type === "softwarePackage" ? "softwareUpgrade" : "firmwareUpgrade";
  return { method: "POST", path: `${project}/batchtasks`, body: { task_name: values.name ?? "local_upgrade", task_type: type, targets, document: { package_id: packageId } } };
}

/** The local provisioning service's assignment or registration group (not IoTDP's API: ours). */
function bootstrapRequest(): Request {
  const placement = { address: values.address, init_config: values["init-config"] };
  if (command === "bootstrap-group") {
    const secret = process.env.IOTDA_GROUP_SECRET;
    if (!secret) fail("IOTDA_GROUP_SECRET: set it to the group secret (Base64; it is never printed)");
    return { method: "PUT", path: `${project}/bootstrap/groups/${encodeURIComponent(required("scope"))}`, body: { secret, ...placement } };
  }
  const path = `${project}/bootstrap/devices/${encodeURIComponent(devices()[0])}`;
  return command === "bootstrap-assign" ? { method: "PUT", path, body: placement } : { method: "DELETE", path };
}

async function request(): Promise<Request | { failed: true; answer: unknown }> {
  const task = () => `${project}/batchtasks/${encodeURIComponent(required("task"))}`;
  if (command.startsWith("bootstrap-")) return bootstrapRequest();
  switch (command) {
    case "ota-upload":
      return uploadRequest();
    case "ota-task":
      return taskRequest();
    case "ota-status":
      return { method: "GET", path: task() };
    case "ota-stop":
      return { method: "POST", path: `${task()}/stop`, body: values.device === undefined ? undefined : { targets: values.device } };
    default:
      return deviceRequest();
  }
}

const prepared = await request();
const { failed, answer } = "failed" in prepared ? prepared : await call(prepared);
(failed ? console.error : console.log)(JSON.stringify(answer, null, 2));
// exitCode, not exit(): stdout may be a pipe that has not taken all of it yet
process.exitCode = failed ? 1 : 0;
