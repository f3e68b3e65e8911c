// Scripted stand-in for "mc/config": the keys src/upgrade.ts reads, with a small OTA slot, and the
// build time settings.ts needs (a fixed instant after 2024, so the clock counts as set).
export default {
	iotda: { fwVersion: "1.0.0", swVersion: "1.0.0" },
	ota: { slotBytes: 65_536 },
	buildTime: Date.UTC(2026, 0, 1),
};
