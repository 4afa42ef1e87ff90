// Loaded into every Node process the embedded LocalStack starts (NODE_OPTIONS=--require ...), which is
// kinesis-mock, the engine behind DynamoDB streams: a server asked to listen on every interface (no host, or a
// wildcard host) listens on 127.0.0.1 instead. Specific hosts and Unix sockets are left alone.
"use strict";
const net = require("net");
const WILDCARDS = new Set([undefined, null, "", "0.0.0.0", "::", "::0", "[::]"]);
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const first = args[0];
  if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
    if (typeof args[1] !== "string") {
      args.splice(1, 0, "127.0.0.1");
    } else if (WILDCARDS.has(args[1])) {
      args[1] = "127.0.0.1";
    }
  } else if (first && typeof first === "object" && first.port !== undefined && !first.path &&
             WILDCARDS.has(first.host)) {
    args[0] = { ...first, host: "127.0.0.1", ipv6Only: false };
  }
  return listen.apply(this, args);
};
