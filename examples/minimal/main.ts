// The smallest IoTDA device: settings from the Preference domain "iotda" over config.iotda, its
// property reported on every connect, the command "ping" answered.
// The callbacks are module-level functions, not closures over the device: a closure would keep its
// scope in the heap, slots live through every TLS handshake.
import Preference from "preference";
import { answerCommands } from "iotda/commands";
import { Device } from "iotda/device";
import type { Command, CommandResponse } from "iotda/iotda";
import { loadSettings } from "iotda/settings";

try {
	const device = new Device(loadSettings(Preference));
	device.onConnected = reportOnline;
	answerCommands(device.session, ping);
	device.start();
}
catch (e) {
	trace(`iotda: cannot start: ${(e as Error).message}\n`);		// names the setting, never its value
}

// Called with `this` the device.
function reportOnline(this: Device): void {
	this.session.reportProperties("status", { online: true }, () => trace("iotda: property report acknowledged\n"));
}

function ping(command: Command): CommandResponse {
	return { result_code: 0, response_name: "pong", paras: command.paras };
}
