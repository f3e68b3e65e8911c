// Scripted stand-in for "mc/config": the keys src/upgrade.ts reads, with a small OTA slot.
export default {
	iotda: { fwVersion: "1.0.0", swVersion: "1.0.0" },
	ota: { slotBytes: 65_536 },
};
