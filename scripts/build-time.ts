// `npm run build:time`: build/manifest_build.json, which modules/iotda/manifest.json includes, carries the time of
// the build as config.buildTime (ms since 1970). A device whose clock was never set starts its
// clock there, so certificate dates validate as of the build (src/device.ts); mcconfig has no
// variable for it, and a command-line config value would arrive as a string.
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const build = fileURLToPath(new URL("../build/", import.meta.url));
mkdirSync(build, { recursive: true });
writeFileSync(`${build}manifest_build.json`, `${JSON.stringify({ config: { buildTime: Date.now() } }, null, "\t")}\n`);
console.log(`build:time: build/manifest_build.json, config.buildTime ${new Date().toISOString()}`);
