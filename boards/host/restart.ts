// A restart of the host board (esp_restart on the device): the app process exits with this code,
// and whoever launched it (start.ts, the tests) launches it again on the same state directory.
export const RESTART_EXIT_CODE = 75;
