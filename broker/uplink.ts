// Reading what a device publishes for the platform: property reports, shadow requests, and its answers
// to the platform's requests. Each reader names what is wrong instead of throwing.
import { isObject, parseJson } from "./json";
import type { ReportedService } from "./shadow";
import type { RequestKind } from "./topics";

const EVENT_TIME = /^\d{8}T\d{6}Z$/;

/** The well-formed services of a properties/report payload, and a problem for each one that is not. */
export function readReport(payload: Uint8Array): { services: ReportedService[]; problems: string[] } {
  const doc = parseJson(payload);
  if (!isObject(doc) || !Array.isArray(doc.services)) return { services: [], problems: ["services: must be an array"] };
  const services: ReportedService[] = [];
  const problems: string[] = [];
  doc.services.forEach((service: unknown, i) => {
    const problem = serviceProblem(service);
    if (problem === undefined) services.push(service as ReportedService);
    else problems.push(`services[${i}]${problem}`);
  });
  return { services, problems };
}

function serviceProblem(service: unknown): string | undefined {
  if (!isObject(service) || typeof service.service_id !== "string") return ".service_id: must be a string";
  if (!isObject(service.properties)) return ".properties: must be an object";
  if (service.event_time !== undefined && (typeof service.event_time !== "string" || !EVENT_TIME.test(service.event_time))) {
    return ".event_time: must be yyyyMMdd'T'HHmmss'Z'";
  }
  return undefined;
}

/** A shadow/get request: the service asked for (all when absent), or what is wrong with it. */
export function readShadowGet(payload: Uint8Array): { serviceId?: string } | { problem: string } {
  const doc = parseJson(payload);
  if (!isObject(doc)) return { problem: "payload: must be a JSON object" };
  if (doc.service_id !== undefined && typeof doc.service_id !== "string") return { problem: "service_id: must be a string" };
  return { serviceId: doc.service_id };
}

/** The device's answer to a request of this kind, or what is wrong with it. */
export function readResponse(kind: RequestKind, payload: Uint8Array): { response: unknown } | { problem: string } {
  const doc = parseJson(payload);
  if (!isObject(doc)) return { problem: "payload: must be a JSON object" };
  const problem = kind === "properties/get" ? getResponseProblem(doc) : resultProblem(doc);
  return problem === undefined ? { response: doc } : { problem };
}

// commands and properties/set answer with a result code (0 = done); commands may add response_name and paras
function resultProblem(doc: Record<string, unknown>): string | undefined {
  if (doc.result_code !== undefined && !Number.isInteger(doc.result_code)) return "result_code: must be an integer";
  if (doc.result_desc !== undefined && typeof doc.result_desc !== "string") return "result_desc: must be a string";
  if (doc.response_name !== undefined && typeof doc.response_name !== "string") return "response_name: must be a string";
  if (doc.paras !== undefined && !isObject(doc.paras)) return "paras: must be an object";
  return undefined;
}

function getResponseProblem(doc: Record<string, unknown>): string | undefined {
  if (!Array.isArray(doc.services)) return "services: must be an array";
  for (const [i, service] of doc.services.entries()) {
    const problem = serviceProblem(service);
    if (problem !== undefined) return `services[${i}]${problem}`;
  }
  return undefined;
}
