// A server that answers the ClientHello with a close_notify alert, which Moddable's TLS reports as
// "connected" without keys: the session must send nothing on that link (its CONNECT carries the
// password, and it would go out in the clear), drop it, and connect on the next attempt.
import { Session } from "../../../src/session";
import { boardSession, Broker, loop, useBroker } from "../scripted";

export interface Input {
	deviceId: string;
	secret: string;
	startMs: number;
}

export function run(input: Input) {
	const broker = new Broker([], ["close_notify"]);
	useBroker(broker);
	const disconnects: string[] = [];
	const session = new Session({
		...boardSession(input),
		log: () => {},
		onDisconnected: reason => disconnects.push(reason),
	});
	session.start();
	loop.advance(600_000, () => session.state === "online");
	const state = session.state;
	session.stop();
	return { state, disconnects, broker: broker.records };
}

export type Output = ReturnType<typeof run>;
