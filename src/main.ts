// The entry point (creation.main), which mcconfig never preloads: it only hands Moddable's
// Preference module to the preloaded app. A preloaded module importing "preference" would have the
// lin simulator read its preferences at build time (see test/app/manifest.test.ts).
import Preference from "preference";
import { startApp } from "./app";

startApp(Preference);
