// Node preload for the sandbox's Azurite: exit when the sandbox that started it goes away.
//
// The sandbox keeps this process's stdin open as a pipe; when the sandbox exits (even by SIGKILL) the pipe
// closes and this process exits too, so no Azurite is ever left behind. Closing stdin is also how the sandbox
// stops it.
"use strict";

process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
