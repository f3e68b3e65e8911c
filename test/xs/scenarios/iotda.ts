// src/iotda.ts on whichever engine runs this: topics, command requests and responses for the cases
// the test sends. An error is reported as "Class: message"; a response that JSON cannot carry
// (BigInt, a cycle) is built here from its name, since it cannot travel as JSON.
import {
	commandResponse, eventTime, messagesUpTopic, parseCommand, propertiesReport, propertiesReportTopic, requestId, requestsFilter,
	responseTopic, type CommandResponse, type ServiceProperties,
} from "../../../src/iotda";
import { errorText } from "../scenario";

export interface Input {
	deviceIds: string[];
	requests: { deviceId: string; topic: string }[];
	commands: string[];		// payloads, parsed with request id "r-1"
	reports: ServiceProperties[][];		// each one report's services
	times: number[];					// ms since 1970, as event times
	responses: (CommandResponse | "bigint" | "cycle" | "nothing")[];
}

function attempt<T>(f: () => T): T | { error: string } {
	try {
		return f();
	}
	catch (e) {
		return { error: errorText(e) };
	}
}

function special(response: Input["responses"][number]): CommandResponse {
	if (response === "bigint")
		return { result_code: 0, paras: { big: BigInt(1) } };
	if (response === "cycle") {
		const paras: Record<string, unknown> = {};
		paras.self = paras;
		return { result_code: 0, paras };
	}
	if (response === "nothing")
		return undefined as unknown as CommandResponse;
	return response;
}

export function run(input: Input) {
	return {
		topics: input.deviceIds.map(id => [requestsFilter(id, "commands"), propertiesReportTopic(id), messagesUpTopic(id), responseTopic(id, "commands", "r-1")]),
		requestIds: input.requests.map(({ deviceId, topic }) => requestId(deviceId, "commands", topic) ?? null),
		commands: input.commands.map(json => attempt(() => parseCommand("r-1", json))),
		reports: input.reports.map(services => attempt(() => propertiesReport(services))),
		times: input.times.map(eventTime),
		responses: input.responses.map(response => attempt(() => commandResponse(special(response)))),
	};
}

export type Output = ReturnType<typeof run>;
