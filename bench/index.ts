// `npm run bench` (`--quick` for a short run): each section prints its table; the last line is one JSON
// object with every section's figures, for scripts.
import { parseArgs } from "node:util";
import { runConnectBench } from "./connect";
import { runDownloadBench } from "./download";
import { runSignBench } from "./sign";
import { runXsBench } from "./xs";

const { values } = parseArgs({ options: { quick: { type: "boolean", default: false } }, strict: true });
const quick = values.quick ?? false;

const sign = await runSignBench({ quick });
// Second: loading the host board replaces the process's Date, which the sign section must not see.
const connect = await runConnectBench({ quick });
console.log(`\nconnect (TLS + CONNECT -> CONNACK), median of ${connect.iterations}: ` +
  `ours ${connect.oursMedianMs.toFixed(2)} ms, MQTT.js ${connect.mqttjsMedianMs.toFixed(2)} ms, ` +
  `ours/MQTT.js ${connect.ratio.toFixed(2)} (below 1 = ours faster)`);
const download = await runDownloadBench({ quick });
console.log(`\nOTA download of ${download.bytes >> 20} MiB hashed with the core's SHA-256, median of ${download.rounds}: ` +
  `ours (src/https-get.ts on the host securesocket) ${download.oursMBps.toFixed(1)} MB/s, Node https ${download.nodeMBps.toFixed(1)} MB/s, ` +
  `ours/Node ${download.ratio.toFixed(2)} (below 1 = ours slower)`);
const xs = await runXsBench();

console.log(
  JSON.stringify({
    quick,
    sign_uncached_vs_node_crypto: Number(sign.sign_uncached_vs_node_crypto.toFixed(3)),
    sign_cached_vs_node_crypto_midstate: Number(sign.sign_cached_vs_node_crypto_midstate.toFixed(3)),
    sign_cached_vs_node_crypto_keyobject: Number(sign.sign_cached_vs_node_crypto_keyobject.toFixed(3)),
    sign_uncached_vs_noble: Number(sign.sign_uncached_vs_noble.toFixed(3)),
    sign_cached_vs_noble: Number(sign.sign_cached_vs_noble.toFixed(3)),
    wasm_bytes: sign.wasm_bytes,
    connect_ours_vs_mqttjs: Number(connect.ratio.toFixed(3)),
    xs_session_cycle: xs.session_cycle,
    xs_session_live: xs.session_live,
    xs_parse_per_kib: xs.parse_per_kib,
    download_mbps: Number(download.oursMBps.toFixed(1)),
    download_ours_vs_node: Number(download.ratio.toFixed(3)),
    xs_encode_per_kib: xs.encode_per_kib,
    sign,
    connect,
    download,
    xs,
  }),
);
