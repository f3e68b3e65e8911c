// Scenario for `npm run bench` (bench/xs.ts), on XS only: the slots a started Session holds while its
// link opens, after a collection. On the device that is the TLS handshake, the app's memory peak,
// where every slot the session holds counts against the heap. The scripted board's own socket and
// timer (test/xs/scripted.ts) are measured alone and left out: on the device they are the SDK's.
import { Session } from "../src/session";
import { boardSession, Broker, loop, timers, useBroker } from "../test/xs/scripted";
import SecureSocket from "../test/xs/modules/securesocket";
import type { XsHost } from "../test/xs/scenario";

export interface Input {
  deviceId: string;
  secret: string;
  startMs: number;
}

export function run(input: Input, xs: XsHost | undefined) {
  if (!xs) throw new Error("bench/xs-live: XS only");
  const broker = new Broker([0]);
  useBroker(broker);
  const live = () => {
    broker.records.length = 0;
    xs.collect();
    return xs.slots();
  };
  const options = boardSession(input);
  const { host, port, ca } = options;

  // What the session makes on the board while its link opens: one socket, one timer (whose target,
  // the session itself there, exists before).
  const target = { onTimer() {} };
  let base = live();
  const socket = new SecureSocket({ host, port, secure: { trustedCertificates: [ca] } });
  const timer = timers.once(target, 30_000);
  const board = live() - base;
  socket.close();
  timers.clear(timer);
  loop.advance(1);

  base = live();
  const session = new Session(options);
  const made = live() - base;
  session.start();
  const opening = live() - base - board;
  session.stop();
  return { made, opening };
}

export type Output = ReturnType<typeof run>;
