// The OTA pieces without a connection (ota.test.ts has them end to end): reading a device's $ota paras,
// the notices' event types, Range parsing, and the package store in memory and in a directory.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { text } from "node:stream/consumers";
import { test } from "node:test";
import { readOtaParas, upgradeNotice } from "../../broker/ota-events";
import { byteRange } from "../../broker/ota-files";
import { OtaPackages } from "../../broker/ota-packages";

const AT = Date.UTC(2025, 3, 14, 1, 30);

test("version_report: either version, both optional, strings of 1-256", () => {
  assert.deepEqual(readOtaParas("version_report", { fw_version: "1.0", sw_version: "a", extra: 1 }, "p"), { kind: "version_report", fw_version: "1.0", sw_version: "a" });
  assert.deepEqual(readOtaParas("version_report", {}, "p"), { kind: "version_report" });
  for (const fw_version of ["", "x".repeat(257), 1, null]) {
    assert.deepEqual(readOtaParas("version_report", { fw_version }, "p"), { problem: "p.fw_version: must be a string of 1-256 characters" }, String(fw_version));
  }
});

test("upgrade_progress_report: IoTDA's result codes, progress 0-100 when given, the version required", () => {
  for (const result_code of [0, 1, 5, 10, 255]) {
    assert.deepEqual(readOtaParas("upgrade_progress_report", { result_code, version: "v" }, "p"), { kind: "upgrade_progress", result_code, version: "v" });
  }
  for (const result_code of [11, 254, -1, 256, 1.5, "0", undefined]) {
    assert.deepEqual(readOtaParas("upgrade_progress_report", { result_code, version: "v" }, "p"), { problem: "p.result_code: must be one of 0-10 or 255" }, String(result_code));
  }
  assert.deepEqual(readOtaParas("upgrade_progress_report", { result_code: 0, progress: 0, version: "v", description: "d" }, "p"),
    { kind: "upgrade_progress", result_code: 0, progress: 0, version: "v", description: "d" });
  for (const progress of [-1, 101, 50.5, "50", null]) {
    assert.deepEqual(readOtaParas("upgrade_progress_report", { result_code: 0, progress, version: "v" }, "p"), { problem: "p.progress: must be an integer 0-100" }, String(progress));
  }
  assert.deepEqual(readOtaParas("upgrade_progress_report", { result_code: 0 }, "p"), { problem: "p.version: required, a string of 1-256 characters" });
  assert.deepEqual(readOtaParas("upgrade_progress_report", [], "p"), { problem: "p: must be an object" });
  // other $ota events are not the platform's to read
  assert.equal(readOtaParas("module_version_report", {}, "p"), undefined);
});

test("the notice's event type: the package's kind, _v2 when the credential is in the URL", () => {
  const paras = { version: "2", url: "https://h/p", file_size: 1, file_name: "f", expires: 60, sign: "s" };
  const type = (kind: "firmwarePackage" | "softwarePackage", token?: string) =>
    upgradeNotice("d", kind, token === undefined ? paras : { ...paras, access_token: token }, AT).services[0].event_type;
  assert.equal(type("firmwarePackage", "t"), "firmware_upgrade");
  assert.equal(type("softwarePackage", "t"), "software_upgrade");
  assert.equal(type("firmwarePackage"), "firmware_upgrade_v2");
  assert.equal(type("softwarePackage"), "software_upgrade_v2");
  assert.deepEqual(upgradeNotice("d", "firmwarePackage", paras, AT), {
    object_device_id: "d",
    services: [{ service_id: "$ota", event_type: "firmware_upgrade_v2", event_time: "20250414T013000Z", paras }],
  });
});

test("Range: one byte range, the end clipped; anything else unsatisfiable", () => {
  assert.deepEqual(byteRange("bytes=0-", 10), { start: 0, end: 9 });
  assert.deepEqual(byteRange("bytes=3-5", 10), { start: 3, end: 5 });
  assert.deepEqual(byteRange("bytes=9-9", 10), { start: 9, end: 9 });
  assert.deepEqual(byteRange("bytes=3-99999999999999999999", 10), { start: 3, end: 9 });
  assert.deepEqual(byteRange("bytes=-3", 10), { start: 7, end: 9 });
  assert.deepEqual(byteRange("bytes=-30", 10), { start: 0, end: 9 });
  assert.deepEqual(byteRange(" bytes=1-2 ", 10), { start: 1, end: 2 });
  assert.deepEqual(byteRange("Bytes=1-2", 10), { start: 1, end: 2 });
  for (const header of ["bytes=10-", "bytes=5-4", "bytes=-0", "bytes=-", "bytes=1-2,4-5", "bytes=a-", "items=1-2", "", "bytes 1-2"]) {
    assert.equal(byteRange(header, 10), null, header);
  }
});

test("packages in a directory: bytes and record written, ranges read from disk, reloaded in upload order", async () => {
  const dir = mkdtempSync(join(tmpdir(), "iotda-ota-"));
  try {
    const bytes = randomBytes(3000);
    const store = new OtaPackages(dir);
    const first = store.add({ version: "1", package_type: "firmwarePackage", file_name: "a.bin", download: "token" }, bytes, "20250414T013000Z");
    const second = store.add({ version: "2", package_type: "softwarePackage", file_name: "b.bin", download: "token" }, Buffer.from("hello"), "20250414T013001Z");
    assert.equal(first.sign, createHash("sha256").update(bytes).digest("hex"));
    assert.deepEqual(readdirSync(dir).sort(), [`${first.package_id}.bin`, `${first.package_id}.json`, `${second.package_id}.bin`, `${second.package_id}.json`].sort());
    const again = new OtaPackages(dir);
    assert.deepEqual(again.list().map((p) => p.package_id), [second.package_id, first.package_id]);
    assert.deepEqual(again.get(first.package_id), first);
    assert.deepEqual(again.list({ package_type: "softwarePackage" }).map((p) => p.version), ["2"]);
    assert.equal(await text(again.read(second.package_id, 1, 3)), "ell");
    const chunks: Buffer[] = [];
    for await (const chunk of again.read(first.package_id, 100, 2999)) chunks.push(chunk);
    assert.equal(Buffer.compare(Buffer.concat(chunks), bytes.subarray(100)), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("packages in memory: the same reads, nothing on disk", async () => {
  const store = new OtaPackages();
  const pkg = store.add({ version: "1", package_type: "firmwarePackage", file_name: "a.bin", download: "presigned" }, Buffer.from("0123456789"), "20250414T013000Z");
  assert.equal(await text(store.read(pkg.package_id, 2, 4)), "234");
  assert.equal(await text(store.read(pkg.package_id, 0, 9)), "0123456789");
  assert.deepEqual(store.list(), [pkg]);
});
