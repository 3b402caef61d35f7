// Node preload: force every TCP server (and UDP socket) of this process onto loopback.
//
// The Microsoft 365 Agents Playground listens on all interfaces and has no bind-host option, yet it
// drives a bot that runs without authentication. Load this file before it:
//
//     NODE_OPTIONS='--require /abs/path/deploy/local/loopback-listen.cjs' node_modules/.bin/agentsplayground ...
//
// NODE_OPTIONS (rather than `node --require`) also reaches any Node child process it starts.
// Any listen host that is not already a loopback address (none, "0.0.0.0", "::", a LAN address) becomes
// LOOPBACK_LISTEN_HOST (default 127.0.0.1). Unix sockets, pipes and inherited handles are left alone.
"use strict";

const net = require("net");
const dgram = require("dgram");

const HOST = process.env.LOOPBACK_LISTEN_HOST || "127.0.0.1";
if (!isLoopback(HOST)) {
  throw new Error(`loopback-listen: LOOPBACK_LISTEN_HOST=${HOST} is not a loopback address`);
}

function isLoopback(host) {
  if (typeof host !== "string") return false;
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\./.test(h);
}

function isPort(value) {
  return typeof value === "number" || (typeof value === "string" && /^\d+$/.test(value));
}

const originalListen = net.Server.prototype.listen;
net.Server.prototype.listen = function listen(...args) {
  const first = args[0];
  if (first === undefined || typeof first === "function" || first === null) {
    // listen() / listen(callback): a random port on all interfaces.
    args = [0, HOST, ...args.slice(first === undefined ? 1 : 0)];
  } else if (isPort(first)) {
    // listen(port[, host][, backlog][, callback])
    if (typeof args[1] === "string" || args[1] === null || args[1] === undefined) {
      if (!isLoopback(args[1])) args[1] = HOST;
    } else {
      args.splice(1, 0, HOST);
    }
  } else if (typeof first === "object" && !first._handle && !first.handle && first.fd === undefined) {
    // listen(options[, callback]); options.path means a Unix socket or pipe: leave it.
    if (first.path === undefined && !isLoopback(first.host)) {
      args[0] = { ...first, host: HOST, ipv6Only: false };
    }
  }
  // Anything else (a pipe path string, a handle) is not a network listener.
  return originalListen.apply(this, args);
};

const HOST4 = HOST;
const originalBind = dgram.Socket.prototype.bind;
dgram.Socket.prototype.bind = function bind(...args) {
  const first = args[0];
  const HOST = this.type === "udp6" ? "::1" : HOST4;
  if (first !== null && typeof first === "object") {
    if (first.fd === undefined && !isLoopback(first.address)) args[0] = { ...first, address: HOST };
  } else if (first === undefined || typeof first === "function") {
    args = [0, HOST, ...args.slice(first === undefined ? 1 : 0)];
  } else if (typeof args[1] === "string") {
    if (!isLoopback(args[1])) args[1] = HOST;
  } else {
    args.splice(1, 0, HOST);
  }
  return originalBind.apply(this, args);
};
