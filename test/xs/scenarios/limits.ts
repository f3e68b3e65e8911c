// IoTDA's uplink limits in the session on whichever engine runs this, on the scripted board's
// virtual clock: what each publish attempt gave, "sent" or the error. The strings over 1 MB: ASCII,
// whose length settles the size; 2-byte characters, which the session measures; and characters
// above U+FFFF, one string index each on the device (two in Node) for 4 bytes.
import { Session } from "../../../src/session";
import { errorText } from "../scenario";
import { boardSession, Broker, loop, useBroker } from "../scripted";

export interface Input {
	deviceId: string;
	secret: string;
	startMs: number;
}

export function run(input: Input) {
	useBroker(new Broker([]));
	const session = new Session({ ...boardSession(input), log: () => {} });
	const topic = `$oc/devices/${input.deviceId}/sys/messages/up`;
	const attempt = (payload: string | Uint8Array, qos: 0 | 1) => {
		try {
			return session.publish(topic, payload, qos) ? "sent" : "not sent";
		}
		catch (e) {
			return errorText(e);
		}
	};
	// before start, so that a payload the session wrongly takes is dropped, not sent
	const astral = attempt("😀".repeat(256 * 1024 + 1), 0);
	session.start();
	loop.advance(60_000, () => session.state === "online");
	const big = [attempt(new Uint8Array(1024 * 1024 + 1), 1), attempt("x".repeat(1024 * 1024 + 1), 0),
		attempt("é".repeat(512 * 1024 + 1), 0), attempt("x".repeat(1000), 0)];
	const burst = [];
	for (let i = 1; i < 50; i++)
		burst.push(attempt(`m${i}`, (i % 5) ? 0 : 1));
	loop.advance(999);
	const refused = [attempt("late", 0), attempt("late", 1)];
	loop.advance(1);
	const after = attempt("later", 0);
	session.stop();
	return { astral, big, burst, refused, after };
}

export type Output = ReturnType<typeof run>;
