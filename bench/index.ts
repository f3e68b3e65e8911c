// `npm run bench` (`--quick` for a short run): each section prints its table; the last line is one JSON
// object with every section's figures, for scripts.
import { parseArgs } from "node:util";
import { runSignBench } from "./sign";

const { values } = parseArgs({ options: { quick: { type: "boolean", default: false } }, strict: true });
const quick = values.quick ?? false;

const sign = await runSignBench({ quick });

console.log(
  JSON.stringify({
    quick,
    wasm_vs_node_crypto: Number(sign.wasm_vs_node_crypto.toFixed(3)),
    wasm_bytes: sign.wasm_bytes,
    sign,
  }),
);
