#!/usr/bin/env node
// iotda-local: the northbound HTTP API of a running local IoTDA (tsx broker/cli.ts) from the command
// line. Prints the API's JSON answer and exits 0; an IoTDA error (offline device, timeout, ...) goes
// to stderr as the API's JSON and exits 1; bad input prints one line naming the option and exits 2.
import { parseArgs } from "node:util";
import { DEFAULT_HTTP_PORT } from "./http";

const usage = `usage: iotda-local <command> --device ID [options] [--url http://127.0.0.1:${DEFAULT_HTTP_PORT}] [--project local]
  set-properties --device ID --service S --properties '{"reportInterval":30}'
  get-properties --device ID [--service S]
  command        --device ID --name N [--service S] [--paras '{"text":"hi"}']
  message        --device ID --content TEXT [--name NAME] [--topic SUFFIX (under $oc/devices/ID/user/)]
  shadow         --device ID [--set-desired '{"reportInterval":60}' --service S]`;

// the options each command takes beyond --device, --url and --project
const COMMANDS: Record<string, string[]> = {
  "set-properties": ["service", "properties"],
  "get-properties": ["service"],
  command: ["service", "name", "paras"],
  message: ["content", "name", "topic"],
  shadow: ["service", "set-desired"],
};

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
      device: { type: "string" },
      service: { type: "string" },
      properties: { type: "string" },
      name: { type: "string" },
      paras: { type: "string" },
      content: { type: "string" },
      topic: { type: "string" },
      "set-desired": { type: "string" },
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
for (const option of Object.keys(COMMANDS).flatMap((c) => COMMANDS[c])) {
  if (values[option as keyof typeof values] !== undefined && !COMMANDS[command].includes(option)) fail(`--${option}: not an option of ${command}`);
}

const required = (option: "device" | "service" | "name" | "properties" | "content") =>
  values[option] === undefined || values[option] === "" ? fail(`--${option} is required for ${command}`) : (values[option] as string);

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
const device = required("device");
const path = `/v5/iot/${encodeURIComponent(values.project)}/devices/${encodeURIComponent(device)}`;

function request(): { method: string; path: string; body?: unknown } {
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
    default: {
      if (values["set-desired"] === undefined) return { method: "GET", path: `${path}/shadow` };
      const desired = jsonObject("set-desired", values["set-desired"]);
      return { method: "PUT", path: `${path}/shadow`, body: { shadow: [{ service_id: required("service"), desired }] } };
    }
  }
}

const { method, path: apiPath, body } = request();
const target = new URL(apiPath, base);
let res: Response;
try {
  res = await fetch(target, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
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
const failed = !res.ok || (typeof answer === "object" && answer !== null && "error_code" in answer);
(failed ? console.error : console.log)(JSON.stringify(answer, null, 2));
// exitCode, not exit(): stdout may be a pipe that has not taken all of it yet
process.exitCode = failed ? 1 : 0;
