// IoTDA's northbound (application-side) HTTP API, for the operations the local platform has: paths,
// bodies, answers and errors as in IoTDA's API reference, so a backend written for IoTDA can be pointed
// here. Plain HTTP for local development; X-Auth-Token and Instance-Id are accepted and not checked,
// and any project_id is accepted.
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { optionalServiceId, readCommand, readDesired, readPropertiesSet } from "./api-bodies";
import { badFormat, invalidInput, IotdaError, noSuchApi } from "./iotda-errors";
import { parseJson } from "./json";
import { line } from "./log";
import type { Platform } from "./platform";

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

const ROUTE = /^\/v5\/iot\/([^/]+)\/devices\/([^/]+)\/(commands|properties|shadow|messages)$/;

type Handler = (platform: Platform, deviceId: string, body: () => Promise<unknown>, query: URLSearchParams) => Promise<[number, unknown]>;

const handlers: Record<string, Handler> = {
  "POST commands": async (p, id, body) => [200, await p.command(id, readCommand(await body()))],
  "PUT properties": async (p, id, body) => [200, await p.setProperties(id, readPropertiesSet(await body()))],
  "GET properties": async (p, id, _body, query) => [200, await p.getProperties(id, serviceIdOf(query))],
  "GET shadow": async (p, id) => [200, p.shadow(id)],
  "PUT shadow": async (p, id, body) => [200, p.setDesired(id, readDesired(await body()))],
  "POST messages": async (p, id, body) => [201, p.sendMessage(id, await body())],
};

function serviceIdOf(query: URLSearchParams) {
  return optionalServiceId(query.get("service_id") ?? undefined, "service_id");
}

export async function startHttpApi(platform: Platform, opts: { port: number; host?: string; log: (line: string) => void }): Promise<HttpApi> {
  const host = opts.host ?? "127.0.0.1";
  const server = createServer((req, res) => {
    handle(platform, req).then(([status, body]) => {
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
async function handle(platform: Platform, req: IncomingMessage): Promise<[number, unknown]> {
  try {
    const url = new URL(req.url ?? "/", "http://local");
    const route = ROUTE.exec(url.pathname);
    const handler = route === null ? undefined : handlers[`${req.method} ${route[3]}`];
    if (route === null || handler === undefined) throw noSuchApi();
    return await handler(platform, decode(route[2]), () => readBody(req), url.searchParams);
  } catch (err) {
    if (err instanceof IotdaError) return [err.status, err.body()];
    return [500, { error_code: "LOCAL.000500", error_msg: `Internal error: ${(err as Error).message}` }];
  }
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badFormat("device_id: not a valid percent-encoded path segment");
  }
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // keep reading so the answer reaches the client, but hold no more of it
    if (size <= BODY_MAX_BYTES) chunks.push(chunk);
  }
  if (size > BODY_MAX_BYTES) throw invalidInput(`body: at most ${BODY_MAX_BYTES} bytes`);
  if (size === 0) throw badFormat("body: required, JSON");
  const body = parseJson(Buffer.concat(chunks));
  if (body === undefined) throw badFormat("body: not JSON");
  return body;
}

function reply(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json;charset=UTF-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
