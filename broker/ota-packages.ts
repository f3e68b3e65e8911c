// Upgrade packages (IoTDA's OTA packages): each file with its version, kind, size and SHA-256, kept in
// memory or, given a directory, on disk (the bytes and a small JSON record each, reloaded on start).
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { invalidInput } from "./iotda-errors";

export type PackageType = "firmwarePackage" | "softwarePackage";

/** What a download needs to know of a package; package_type, version and sign are IoTDA's names. */
export interface OtaPackage {
  package_id: string;
  package_type: PackageType;
  version: string;
  file_name: string;
  file_size: number;
  /** Lowercase hex SHA-256 of the file, as the upgrade notice's `sign`. */
  sign: string;
  /** yyyyMMdd'T'HHmmss'Z'. */
  create_time: string;
  description?: string;
  /** Sent to the device with the upgrade notice. */
  custom_info?: string;
  /** Local: "presigned" packages go out as IoTDA's OBS-stored ones do (`*_upgrade_v2`, credential in the URL). */
  download: "token" | "presigned";
}

export type NewPackage = Omit<OtaPackage, "package_id" | "file_size" | "sign" | "create_time">;

// IoTDA's limits (CreateOtaPackage): version 1-256 of [A-Za-z0-9_.-], description 1024, custom_info 4096
const VERSION = /^[A-Za-z0-9_.-]{1,256}$/;
// a file name goes into the notice only; no path separators or controls, so it cannot pose as a path on the device
const FILE_NAME = /^[^/\\\p{C}]{1,256}$/u;
const DESCRIPTION_MAX = 1024;
const CUSTOM_INFO_MAX = 4096;
/** Ours: a package is held whole (in memory without a directory); 64 MiB is above any ESP32 OTA slot. */
export const PACKAGE_MAX_BYTES = 64 * 1024 * 1024;
const RECORD = ".json";

export class OtaPackages {
  readonly #packages = new Map<string, OtaPackage>();
  readonly #bytes = new Map<string, Buffer>();
  readonly #dir: string | undefined;

  /** With `dir`, files are kept there and the packages already in it are loaded. */
  constructor(dir?: string) {
    this.#dir = dir;
    if (dir === undefined) return;
    mkdirSync(dir, { recursive: true });
    const records = readdirSync(dir).filter((n) => n.endsWith(RECORD))
      .map((name) => JSON.parse(readFileSync(join(dir, name), "utf8")) as OtaPackage);
    // in upload order, as a store that was never restarted holds them
    records.sort((a, b) => a.create_time.localeCompare(b.create_time));
    for (const record of records) this.#packages.set(record.package_id, record);
  }

  /** Checks the fields (invalidInput naming the one that is wrong), hashes the bytes and keeps both. */
  add(fields: NewPackage, bytes: Buffer, createTime: string): OtaPackage {
    if (!VERSION.test(fields.version)) throw invalidInput("version: 1-256 letters, digits, '_', '-' or '.'");
    if (!FILE_NAME.test(fields.file_name)) throw invalidInput("file_name: 1-256 characters without '/', '\\' or controls");
    if (fields.description !== undefined && fields.description.length > DESCRIPTION_MAX) {
      throw invalidInput(`description: at most ${DESCRIPTION_MAX} characters`);
    }
    if (fields.custom_info !== undefined && fields.custom_info.length > CUSTOM_INFO_MAX) {
      throw invalidInput(`custom_info: at most ${CUSTOM_INFO_MAX} characters`);
    }
    if (bytes.length === 0) throw invalidInput("file: must not be empty");
    if (bytes.length > PACKAGE_MAX_BYTES) throw invalidInput(`file: at most ${PACKAGE_MAX_BYTES} bytes, got ${bytes.length}`);
    const record: OtaPackage = {
      package_id: randomBytes(12).toString("hex"),
      ...fields,
      file_size: bytes.length,
      sign: createHash("sha256").update(bytes).digest("hex"),
      create_time: createTime,
    };
    if (this.#dir === undefined) this.#bytes.set(record.package_id, bytes);
    else {
      // the bytes first: a record on disk always has its file
      writeFileSync(this.#file(record.package_id), bytes);
      writeFileSync(join(this.#dir, record.package_id + RECORD), JSON.stringify(record));
    }
    this.#packages.set(record.package_id, record);
    return record;
  }

  get(packageId: string): OtaPackage | undefined {
    return this.#packages.get(packageId);
  }

  /** Newest first, as IoTDA lists them; filtered by type and version when given. */
  list(filter: { package_type?: PackageType; version?: string } = {}): OtaPackage[] {
    return [...this.#packages.values()]
      .filter((p) => (filter.package_type ?? p.package_type) === p.package_type && (filter.version ?? p.version) === p.version)
      .reverse();
  }

  /** Bytes start..end (inclusive) of a package that exists. */
  read(packageId: string, start: number, end: number): Readable {
    if (this.#dir !== undefined) return createReadStream(this.#file(packageId), { start, end });
    return Readable.from([this.#bytes.get(packageId)!.subarray(start, end + 1)]);
  }

  #file(packageId: string) {
    return join(this.#dir!, `${packageId}.bin`);
  }
}
