// Brings our Moddable declarations into the Node type-check (tsconfig.json), where tests and the
// host board import src/ modules that use them.
/// <reference path="../../types/moddable/xs.d.ts" />
/// <reference path="../../types/moddable/socket.d.ts" />
/// <reference path="../../types/moddable/securesocket.d.ts" />
/// <reference path="../../types/moddable/timer.d.ts" />
/// <reference path="../../types/moddable/time.d.ts" />
/// <reference path="../../types/moddable/preference.d.ts" />
/// <reference path="../../types/moddable/sntp.d.ts" />
/// <reference path="../../types/moddable/Resource.d.ts" />
/// <reference path="../../types/moddable/mc-config.d.ts" />
/// <reference path="../../types/moddable/ssl.d.ts" />
/// <reference path="../../types/moddable/ota.d.ts" />
