// The platform's requests and the device's IoTDA features on the scripted board: commands,
// property set and get, the shadow, messages down, events; what the device answers is the
// transcript the test reads, the same on XS and on Node.
import { answerCommands } from "../../../src/commands";
import { Events } from "../../../src/events";
import { receiveMessages } from "../../../src/messages";
import { answerProperties } from "../../../src/properties";
import { Session } from "../../../src/session";
import { Shadow } from "../../../src/shadow";
import { boardSession, Broker, loop, useBroker } from "../scripted";

export interface Input {
	deviceId: string;
	secret: string;
	startMs: number;
	downlink: { topic: string; payload: string }[];		// sent one after another once online
}

export function run(input: Input) {
	const broker = new Broker([]);
	useBroker(broker);
	const seen: unknown[] = [];		// what reached the app's handlers
	const errors: string[] = [];
	const session = new Session({ ...boardSession(input), log: () => {}, onError: error => errors.push(error.message) });
	let interval = 60;
	answerCommands(session, command => ({ result_code: 0, response_name: command.commandName, paras: command.paras }));
	answerProperties(session, {
		set: services => {
			const value = services[0]?.properties.reportInterval;
			if (typeof value !== "number")
				return { result_code: 1, result_desc: "reportInterval: must be a number" };
			interval = value;
			return { result_code: 0 };
		},
		get: () => [{ service_id: "status", properties: { reportInterval: interval } }],
	});
	const shadow = new Shadow(session, services => seen.push({ shadow: services }));
	receiveMessages(session, message => seen.push({ message: message instanceof Uint8Array ? Array.from(message) : message }));
	new Events(session).on("demo", "ping", paras => seen.push({ event: paras }));
	session.start();
	loop.advance(60_000, () => session.state === "online");
	shadow.request("status");
	for (const { topic, payload } of input.downlink) {
		broker.deliver(topic, payload);
		loop.advance(1000);
	}
	session.stop();
	return { seen, errors, interval, broker: broker.records };
}

export type Output = ReturnType<typeof run>;
