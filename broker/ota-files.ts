// The HTTPS file server upgrade notices point at: GET (or HEAD) of a task's package for one device,
// credential checked by the task (Bearer token, or a pre-signed URL's Signature), one byte range at a
// time for resuming, every answer with Content-Length and the connection closed after it. Two test
// hooks, named so: cut every response after N bytes (a dropped link), serve an untrusted certificate.
import { once } from "node:events";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type Certs, generateCerts, serverTlsOptions } from "./certs";
import { IotdaError } from "./iotda-errors";
import { line } from "./log";
import { notFound, type Ota } from "./ota";

/** The port `tsx broker/cli.ts` serves packages on: the one in IoTDA's own download URLs. */
export const DEFAULT_OTA_PORT = 8943;

export interface OtaTestHooks {
  /** Test hook: every response's connection is destroyed once this many body bytes went out. */
  dropAfterBytes?: number;
  /** Test hook: the server presents a certificate from a CA of its own, which no device trusts. */
  untrustedCertificate?: boolean;
}

export interface OtaFileServer {
  /** https://host:port that download URLs start with. */
  url: string;
  port: number;
  setTestHooks(hooks: OtaTestHooks): void;
  close(): Promise<void>;
}

export interface OtaFileServerOptions {
  ota: Ota;
  certs: Certs;
  /** Where to listen (default 127.0.0.1) and the port (0: a free one). */
  host?: string;
  port?: number;
  /** The host put in download URLs: a name or address in the certificate's SAN (default: `host`). */
  urlHost?: string;
  log: (line: string) => void;
}

// the shape of IoTDA's own download URLs, with our task id in the place of its application id
const PATH = /^\/iodm\/dev\/v2\.0\/upgradefile\/applications\/([0-9a-f]{24})\/devices\/([^/]+)\/packages\/([^/]+)$/;
const BEARER = /^Bearer +(\S+)$/i;
const RANGE = /^bytes=(\d*)-(\d*)$/i; // range units compare case-insensitively (RFC 9110)

export const downloadPath = (taskId: string, deviceId: string, packageId: string) =>
  `/iodm/dev/v2.0/upgradefile/applications/${taskId}/devices/${encodeURIComponent(deviceId)}/packages/${packageId}`;

/**
 * The single range `bytes=a-b`, `bytes=a-` or `bytes=-n` within `size` (b clipped to the end);
 * null for anything else, answered 416: several ranges or another unit are refused, not ignored, so a
 * device's wrong request shows instead of turning into a whole body.
 */
export function byteRange(header: string, size: number): { start: number; end: number } | null {
  const m = RANGE.exec(header.trim());
  if (m === null || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    return suffix === 0 ? null : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start >= size || end < start ? null : { start, end };
}

export async function startOtaFileServer(opts: OtaFileServerOptions): Promise<OtaFileServer> {
  const host = opts.host ?? "127.0.0.1";
  let hooks: OtaTestHooks = {};
  let untrusted: Certs | undefined;
  const server: Server = createServer(serverTlsOptions(opts.certs), (req, res) => {
    serve(req, res).catch((err: Error) => {
      opts.log(line`ota download failed path=${withoutQuery(req)} error=${err.message}`);
      res.destroy();
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse) {
    // keep-alive is not offered: one request per connection, as a small device client expects
    res.setHeader("connection", "close");
    const url = new URL(req.url ?? "/", "https://local");
    const m = PATH.exec(url.pathname);
    const deviceId = m === null ? undefined : decoded(m[2]);
    if (req.method !== "GET" && req.method !== "HEAD") return refuse(res, req, new IotdaError(405, "LOCAL.000405", "Only GET and HEAD are served.", `method ${req.method}`));
    if (m === null || deviceId === undefined) return refuse(res, req, notFound("download"));
    let pkg;
    try {
      const bearer = BEARER.exec(req.headers.authorization ?? "")?.[1];
      pkg = opts.ota.authorize(m[1], deviceId, m[3], { bearer, signature: url.searchParams.get("Signature") ?? undefined });
    } catch (err) {
      if (err instanceof IotdaError) return refuse(res, req, err);
      throw err;
    }
    const size = pkg.file_size;
    const range = req.headers.range === undefined ? { start: 0, end: size - 1 } : byteRange(req.headers.range, size);
    if (range === null) {
      res.setHeader("content-range", `bytes */${size}`);
      return refuse(res, req, new IotdaError(416, "LOCAL.000416", `Range must be one of bytes=a-b, bytes=a- or bytes=-n within ${size} bytes.`, `range ${req.headers.range}`));
    }
    const length = range.end - range.start + 1;
    const partial = req.headers.range !== undefined;
    res.writeHead(partial ? 206 : 200, {
      "content-type": "application/octet-stream",
      "content-length": length,
      "accept-ranges": "bytes",
      ...(partial ? { "content-range": `bytes ${range.start}-${range.end}/${size}` } : {}),
    });
    opts.log(line`ota download deviceId=${deviceId} task_id=${m[1]} status=${res.statusCode} bytes=${`${range.start}-${range.end}/${size}`}`);
    if (req.method === "HEAD") return void res.end();
    await sendBody(res, opts.ota.packages.read(pkg.package_id, range.start, range.end), hooks.dropAfterBytes);
  }

  function refuse(res: ServerResponse, req: IncomingMessage, err: IotdaError) {
    opts.log(line`ota download refused path=${withoutQuery(req)} status=${err.status} reason=${err.message}`);
    const text = JSON.stringify(err.body());
    if (err.status === 401) res.setHeader("www-authenticate", "Bearer");
    res.writeHead(err.status, { "content-type": "application/json;charset=UTF-8", "content-length": Buffer.byteLength(text) });
    res.end(req.method === "HEAD" ? undefined : text);
  }

  function setTestHooks(next: OtaTestHooks) {
    if (next.untrustedCertificate === true && untrusted === undefined) untrusted = generateCerts();
    server.setSecureContext(serverTlsOptions(next.untrustedCertificate === true ? untrusted! : opts.certs));
    hooks = { ...next };
  }

  server.listen({ host, port: opts.port ?? 0 });
  try {
    await once(server, "listening");
  } catch (err) {
    untrusted?.cleanup();
    throw err;
  }
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("ota files: no TCP address after listen");
  const urlHost = opts.urlHost ?? host;
  return {
    url: `https://${urlHost.includes(":") ? `[${urlHost}]` : urlHost}:${address.port}`,
    port: address.port,
    setTestHooks,
    close: () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      return closed.finally(() => untrusted?.cleanup());
    },
  };
}

// a pre-signed URL's query is its credential: never in a log line
const withoutQuery = (req: IncomingMessage) => (req.url ?? "").split("?")[0];

function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Streams the body; with `limit`, the connection is destroyed once that many bytes were written. */
async function sendBody(res: ServerResponse, body: NodeJS.ReadableStream & { destroy(): void }, limit?: number) {
  let sent = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      const part = limit === undefined ? chunk : chunk.subarray(0, limit - sent);
      sent += part.length;
      const flushed = new Promise<void>((resolve) => res.write(part, () => resolve()));
      if (limit !== undefined && sent >= limit) {
        await flushed;
        res.destroy();
        return;
      }
      if (res.writableNeedDrain) await Promise.race([once(res, "drain"), once(res, "close")]);
      if (res.destroyed) return; // the client went away
    }
    res.end();
  } finally {
    body.destroy();
  }
}
