// The smallest IoTDA device: settings from the Preference domain "iotda" over config.iotda, its
// property reported on every connect, the command "ping" answered.
import Preference from "preference";
import { answerCommands } from "iotda/commands";
import { Device } from "iotda/device";
import { loadSettings } from "iotda/settings";

try {
	const device = new Device(loadSettings(Preference));
	device.onConnected = () => device.session.reportProperties("status", { online: true }, () => trace("iotda: property report acknowledged\n"));
	answerCommands(device.session, command => ({ result_code: 0, response_name: "pong", paras: command.paras }));
	device.start();
}
catch (e) {
	trace(`iotda: cannot start: ${(e as Error).message}\n`);		// names the setting, never its value
}
