// IoTDA's northbound (application-side) HTTP API, for the operations the local platform has: paths,
// bodies, answers and errors as in IoTDA's API reference, so a backend written for IoTDA can be pointed
// here (README names where it differs, e.g. package uploads). Plain HTTP for local development; X-Auth-Token and Instance-Id are accepted and not checked,
// and any project_id is accepted.
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { optionalServiceId, readCommand, readDesired, readPropertiesSet } from "./api-bodies";
import { badFormat, invalidInput, IotdaError, noSuchApi } from "./iotda-errors";
import { parseJson } from "./json";
import { line } from "./log";
import { readCreateTask, readPackageFilter, readStop, readUpload } from "./ota-bodies";
import { PACKAGE_MAX_BYTES } from "./ota-packages";
import type { Platform } from "./platform";
import { readAssignment, readGroup } from "./bootstrap-bodies";
import type { Provisioning } from "./provisioning";

/** The port `tsx broker/cli.ts` serves the API on and `iotda-local` calls by default. */
export const DEFAULT_HTTP_PORT = 8080;
/** Above IoTDA's largest body (256 KB of properties or message) with room for JSON around it. */
export const BODY_MAX_BYTES = 1024 * 1024;

export interface HttpApi {
  host: string;
  port: number;
  /** http://host:port, the base of /v5/iot/... */
  url: string;
  close(): Promise<void>;
}

/** What a handler gets of its request; `param(i)` is the i-th path segment the route captured, decoded. */
interface Call {
  platform: Platform;
  /** The provisioning service (IoTDP bootstrap), when the broker runs one. */
  provisioning?: Provisioning;
  param(i: number): string;
  query: URLSearchParams;
  /** The JSON body; `optional` lets an empty body through as undefined. */
  json(optional?: boolean): Promise<unknown>;
  /** The raw body, of at most `max` bytes. */
  bytes(max: number): Promise<Buffer>;
  contentType: string;
}

type Handler = (call: Call) => Promise<[number, unknown]> | [number, unknown];

const PROJECT = String.raw`^/v5/iot/[^/]+`;
const DEVICE = String.raw`${PROJECT}/devices/([^/]+)`;

// path pattern -> method -> handler; a known path with another method is IoTDA's "no such API" too
// ours (IoTDP's own API is another service): a device's assignment and registration groups
const BOOTSTRAP = String.raw`${PROJECT}/bootstrap`;

function provisioningOf(c: Call): Provisioning {
  if (c.provisioning === undefined) throw noSuchApi();
  return c.provisioning;
}

const ROUTES: Array<[RegExp, Record<string, Handler>]> = [
  [new RegExp(`${BOOTSTRAP}/devices/([^/]+)$`), {
    PUT: async (c) => {
      const assignment = readAssignment(await c.json(true));
      provisioningOf(c).assign(c.param(0), assignment);
      return [200, { device_id: c.param(0), ...assignment }];
    },
    DELETE: (c) => {
      provisioningOf(c).unassign(c.param(0));
      return [200, { device_id: c.param(0) }];
    },
  }],
  [new RegExp(`${BOOTSTRAP}/groups/([^/]+)$`), {
    PUT: async (c) => {
      provisioningOf(c).addGroup(c.param(0), readGroup(await c.json()));
      return [200, { scope_id: c.param(0) }];
    },
  }],
  [new RegExp(`${DEVICE}$`), { GET: (c) => [200, c.platform.device(c.param(0))] }],
  [new RegExp(`${DEVICE}/commands$`), { POST: async (c) => [200, await c.platform.command(c.param(0), readCommand(await c.json()))] }],
  [new RegExp(`${DEVICE}/properties$`), {
    PUT: async (c) => [200, await c.platform.setProperties(c.param(0), readPropertiesSet(await c.json()))],
    GET: async (c) => [200, await c.platform.getProperties(c.param(0), optionalServiceId(c.query.get("service_id") ?? undefined, "service_id"))],
  }],
  [new RegExp(`${DEVICE}/shadow$`), {
    GET: (c) => [200, c.platform.shadow(c.param(0))],
    PUT: async (c) => [200, c.platform.setDesired(c.param(0), readDesired(await c.json()))],
  }],
  [new RegExp(`${DEVICE}/messages$`), { POST: async (c) => [201, c.platform.sendMessage(c.param(0), await c.json())] }],
  [new RegExp(`${PROJECT}/ota-upgrades/packages$`), {
    POST: async (c) => {
      // the body first, whatever is wrong: an answer sent mid-upload would reach the client as a reset
      const bytes = await c.bytes(PACKAGE_MAX_BYTES);
      // ours: IoTDA's CreateOtaPackage names an OBS object; locally the request carries the file
      if (c.contentType !== "application/octet-stream") {
        throw badFormat("Content-Type: application/octet-stream, with the package file as the body and version, package_type, file_name in the query (OBS locations are not reachable locally)");
      }
      return [201, c.platform.ota.addPackage(readUpload(c.query), bytes)];
    },
    GET: (c) => {
      const packages = c.platform.ota.packages.list(readPackageFilter(c.query));
      return [200, { packages, page: { count: packages.length } }];
    },
  }],
  [new RegExp(`${PROJECT}/ota-upgrades/packages/([^/]+)$`), {
    GET: (c) => [200, c.platform.ota.showPackage(c.param(0))],
  }],
  [new RegExp(`${PROJECT}/batchtasks$`), { POST: async (c) => [201, c.platform.ota.create(readCreateTask(await c.json()))] }],
  [new RegExp(`${PROJECT}/batchtasks/([^/]+)$`), { GET: (c) => [200, c.platform.ota.show(c.param(0))] }],
  [new RegExp(`${PROJECT}/batchtasks/([^/]+)/stop$`), { POST: async (c) => [200, c.platform.ota.stop(c.param(0), readStop(await c.json(true)))] }],
];

export async function startHttpApi(platform: Platform, opts: { port: number; host?: string; log: (line: string) => void; provisioning?: Provisioning }): Promise<HttpApi> {
  const host = opts.host ?? "127.0.0.1";
  const server = createServer((req, res) => {
    handle(platform, opts.provisioning, req).then(([status, body]) => {
      opts.log(line`http method=${req.method} path=${req.url} status=${status}`);
      reply(res, status, body);
    });
  });
  server.listen({ host, port: opts.port });
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("http api: no TCP address after listen");
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    host,
    port: address.port,
    url: `http://${urlHost}:${address.port}`,
    close: () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      return closed;
    },
  };
}

/** Status and body for one request; every failure becomes an IoTDA error body, nothing throws. */
async function handle(platform: Platform, provisioning: Provisioning | undefined, req: IncomingMessage): Promise<[number, unknown]> {
  try {
    const url = new URL(req.url ?? "/", "http://local");
    let match: RegExpExecArray | null = null;
    const route = ROUTES.find(([pattern]) => (match = pattern.exec(url.pathname)) !== null);
    const handler = route?.[1][req.method ?? ""];
    if (handler === undefined) throw noSuchApi();
    const params = match!.slice(1);
    return await handler({
      platform,
      provisioning,
      param: (i) => decode(params[i]),
      query: url.searchParams,
      json: (optional = false) => readJson(req, optional),
      bytes: (max) => readBytes(req, max),
      contentType: (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase(),
    });
  } catch (err) {
    if (err instanceof IotdaError) return [err.status, err.body()];
    return [500, { error_code: "LOCAL.000500", error_msg: `Internal error: ${(err as Error).message}` }];
  }
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badFormat(`path: ${segment} is not valid percent-encoding`);
  }
}

async function readBytes(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // keep reading so the answer reaches the client, but hold no more of it
    if (size <= max) chunks.push(chunk);
  }
  if (size > max) throw invalidInput(`body: at most ${max} bytes`);
  return Buffer.concat(chunks);
}

async function readJson(req: IncomingMessage, optional: boolean): Promise<unknown> {
  const bytes = await readBytes(req, BODY_MAX_BYTES);
  if (bytes.length === 0) {
    if (optional) return undefined;
    throw badFormat("body: required, JSON");
  }
  const body = parseJson(bytes);
  if (body === undefined) throw badFormat("body: not JSON");
  return body;
}

function reply(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json;charset=UTF-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
