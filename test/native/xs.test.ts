// native/xs_iotda.c inside a real XS machine: the Moddable SDK's own engine, built here from the
// checkout $MODDABLE points at (never copied into this repo), with a garbage collection before every
// allocation. Opt-in: skipped unless MODDABLE is set; building XS takes a minute or two.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { credentialsAt } from "../fixtures/iotda";
import { ask, generateSources, hex } from "./harness";
import { HUAWEI, MESSAGES } from "./vectors";

const sdk = process.env.MODDABLE;
const makefiles = sdk && join(sdk, "xs", "makefiles", "lin");
const skip = !makefiles || !existsSync(join(makefiles, "xst.mk")) ? "skipped: set MODDABLE to a Moddable SDK checkout to run the XS binding in XS" : false;

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const native = join(root, "native");

// xst.mk's own defines for the engine: the binding must see the same structures.
const XS_DEFINES = ["-DINCLUDE_XSPLATFORM", '-DXSPLATFORM="xst.h"', "-DmxDebug=1", "-DmxNoConsole=1", "-DmxProfile=1", "-DmxStringInfoCacheLength=4", "-DmxStress=1"];
const SANITIZE = ["-g", "-fsanitize=address,undefined", "-fno-omit-frame-pointer"];

/** A call's arguments in xs_harness.c's request form. */
const args = (...values: (string | number)[]) => values.map((v) => (typeof v === "string" ? `s:${hex(Buffer.from(v))}` : `n:${v}`)).join(" ");

describe("XS binding xs_iotda_credentials in a real XS machine", { skip }, () => {
  let exe = "";
  const sources = skip ? undefined : generateSources();
  after(() => sources && rmSync(sources.dir, { recursive: true, force: true }));

  before(() => {
    const dir = sources!.dir;
    const xs = join(sdk!, "xs");
    // The engine as xst builds it (debug: ASan), plus mxStress: every chunk allocation may move strings.
    execFileSync("make", ["-f", "xst.mk", "GOAL=debug", `BUILD_DIR=${dir}`, "CC=gcc -DmxStress=1", "-j2"], { cwd: makefiles, stdio: "ignore" });
    const objects = join(dir, "tmp", "lin", "debug", "xst");
    // xst.o holds the platform glue we need and a main() we do not.
    execFileSync("objcopy", ["--redefine-sym", "main=xst_main", join(objects, "xst.o"), join(dir, "xst-glue.o")]);
    const engine = readdirSync(objects).filter((name) => name.endsWith(".o") && name !== "xst.o").map((name) => join(objects, name));
    const includes = ["includes", "platforms", "sources", "tools", "tools/fdlibm"].flatMap((sub) => ["-I", join(xs, sub)]);
    exe = join(dir, "xs-harness");
    execFileSync("gcc", [
      "-Wall", "-Wextra", "-Werror", "-O1", ...SANITIZE, ...XS_DEFINES, ...includes, "-I", dir, "-I", native,
      join(root, "test", "native", "xs_harness.c"), join(native, "xs_iotda.c"), join(native, "iotda_signer.c"),
      join(native, "wasm-rt-impl.c"), join(dir, "iotda_core.c"), join(dir, "xst-glue.o"), ...engine,
      "-rdynamic", "-o", exe, "-ldl", "-lm", "-lpthread", "-latomic",
    ], { stdio: ["ignore", "ignore", "pipe"] });
  });

  test("credentials, with the defaults authType 0 and signType 1", () => {
    const cases = [
      { id: "dev1", secret: HUAWEI.secret, time: HUAWEI.time, authType: 0, signType: 1 },
      { id: "5a9e_node-1", secret: "s3cret! \u00e9\u4e2d", time: Date.parse("2018-07-24T17:56:20Z"), authType: 2, signType: 0 },
      { id: "x".repeat(128), secret: "y".repeat(256), time: 0, authType: 1, signType: 1 },
    ];
    const replies = ask(exe, [
      ...cases.map((c) => args(c.id, c.secret, c.time, c.authType, c.signType)),
      args("dev1", HUAWEI.secret, HUAWEI.time),
    ]);
    cases.forEach((c, i) => {
      const expected = credentialsAt(c.id, c.secret, c.time, c.authType, c.signType);
      assert.equal(replies[i], `ok ${expected.clientId} ${c.id} ${expected.password} ${expected.timestamp}`);
    });
    assert.equal(replies[0].split(" ")[3], HUAWEI.password);
    assert.equal(replies[cases.length], replies[0]);
  });

  test("bad input throws the core's message, or a TypeError for a wrong JS type, never the secret", () => {
    const secret = "never-in-a-message";
    const cases: [string, string][] = [
      [args("dev 1", secret, HUAWEI.time), `Error: ${MESSAGES[-3]}`],
      [args("", secret, HUAWEI.time), `Error: ${MESSAGES[-1]}`],
      [args("d".repeat(600), secret, HUAWEI.time), `Error: ${MESSAGES[-2]}`],
      [args("dev1", "s".repeat(300), HUAWEI.time), `Error: ${MESSAGES[-5]}`],
      [args("dev1", secret, NaN), `Error: ${MESSAGES[-6]}`],
      [args("dev1", secret, HUAWEI.time, 1.5), `Error: ${MESSAGES[-7]}`],
      [args("dev1", secret, HUAWEI.time, 0, 2), `Error: ${MESSAGES[-8]}`],
      [args("dev1", secret, HUAWEI.time, "0"), `Error: ${MESSAGES[-7]}`],
      [args("dev1", 42, HUAWEI.time), "TypeError: secret: must be a string"],
      [args(), "TypeError: deviceId: must be a string"],
      [args("dev1", secret, "now"), "TypeError: time: must be a number"],
    ];
    const replies = ask(exe, cases.map(([request]) => request));
    cases.forEach(([request, expected], i) => {
      // Debug builds of XS append " (in <function>)" to messages thrown from C.
      assert.equal(replies[i].replace(/ \(in [^)]*\)$/, ""), `throw ${expected}`, request.slice(0, 60));
      assert.ok(!replies[i].includes(secret));
    });
  });
});
