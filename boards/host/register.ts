// Lets Node import src/ directly: installs the XS globals and maps the Moddable specifiers.
//   node --import tsx --import ./boards/host/register.ts --test test/...
// or, first thing in a test file: import "../../boards/host/register.ts", then `await import()` src.
import { register } from "node:module";
import "./globals";

register("./hooks.ts", import.meta.url);
