// The entry point (creation.main), which mcconfig never preloads: it only hands Moddable's
// Preference module to the preloaded demo. A preloaded module importing "preference" would have the
// lin simulator read its preferences at build time (see test/app/manifest.test.ts).
import Preference from "preference";
import { startDemo } from "./app";

startDemo(Preference);
