// The IoTDA session (src/session.ts) on the scripted board, through its public API only: start,
// CONNACK 0 and the subscription, one QoS 1 property report and its PUBACK, a drop and the
// reconnect, then a drop whose next CONNECT gets CONNACK 4 and the long hold. Time moves only when
// this script lets it (the session's timers, now and random are the scripted board's), so every
// run records the same transcript, on XS and on Node.
import { answerCommands } from "../../../src/commands";
import { Session } from "../../../src/session";
import { appCost, boardSession, Broker, type BrokerRecord, callApp, loop, meterApp, useBroker } from "../scripted";
import type { XsHost } from "../scenario";

export interface Input {
	deviceId: string;
	secret: string;
	startMs: number;		// the wall clock when the board's clock reads 0
	maxWaitMs: number;		// longest the script waits for the session to do the next thing
	holdCheckMs: number;	// how long the script watches for an attempt during the hold
}

export type Event = { t: number } & (
	| { event: "connected" }
	| { event: "disconnected"; reason: string; retryMs: number }
	| { event: "error"; message: string }
	| { event: "log"; line: string }
	| { event: "step"; step: string; state: string; pending: number; sent?: boolean }
);

// What one session cycle costs the app on XS (host.c's meter, the scripted board's own work left
// out, see scripted.ts): compute units, and the slots and chunk bytes it allocated.
export interface Cost { compute: number; slots: number; chunks: number }

function measure(xs: XsHost, cycle: () => void): Cost {
	xs.collect();
	meterApp(xs);
	cycle();
	meterApp(undefined);
	if (xs.collected())
		throw new Error("session cost: the collector ran inside the measured cycle; give the XS host a larger heap");
	return { ...appCost };
}

export function run(input: Input, xs: XsHost | undefined) {
	const broker = new Broker([0, 0, 4]);
	useBroker(broker);
	const events: Event[] = [];
	const note = (event: Event) => events.push(event);
	const session = new Session({
		...boardSession(input),
		log: line => note({ t: loop.now, event: "log", line }),
		onConnected: () => note({ t: loop.now, event: "connected" }),
		onDisconnected: (reason, retryMs) => note({ t: loop.now, event: "disconnected", reason, retryMs }),
		onError: error => note({ t: loop.now, event: "error", message: error.message }),
	});
	// The app's commands feature: its filter is what the session subscribes after each CONNACK 0.
	answerCommands(session, command => ({ result_code: 0, paras: command.paras }));
	const step = (name: string, sent?: boolean) =>
		note({ t: loop.now, event: "step", step: name, state: session.state, pending: session.pending, ...(sent === undefined ? {} : { sent }) });
	const opens = () => broker.records.filter(r => r.event === "open").length;
	const waitFor = (done: () => boolean) => loop.advance(input.maxWaitMs, done);

	// The cycle the bench measures: sign, CONNECT, CONNACK, SUBSCRIBE and SUBACK, one QoS 1 report and its PUBACK.
	let sent = false;
	const cycle = () => {
		callApp(() => session.start());
		waitFor(() => session.state === "online" && broker.records.some(r => r.event === "answer" && r.hex.startsWith("90")));
		sent = callApp(() => session.reportProperties("status", { uptime: 42, label: "grüße 😀" }));
		waitFor(() => session.pending === 0);
	};
	const cost = xs ? measure(xs, cycle) : (cycle(), undefined);
	step("reported", sent);

	broker.drop();
	waitFor(() => opens() === 2 && session.state === "online");
	step("reconnected");

	broker.drop();
	waitFor(() => events.some(e => e.event === "error"));
	step("refused");
	loop.advance(input.holdCheckMs);
	step("held");
	callApp(() => session.stop());
	step("stopped");
	return { events, broker: broker.records as BrokerRecord[], cost };
}

export type Output = ReturnType<typeof run>;
