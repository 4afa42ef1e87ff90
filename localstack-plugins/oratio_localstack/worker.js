// The Node.js handler's process (nodejs20.x, 22.x, 24.x): the counterpart of worker.py, the stand-in for
// Lambda's Node runtime interface. Loads `file.handler` from LAMBDA_TASK_ROOT once (a warm environment), then
// runs one invocation per request. Requests arrive on stdin as JSON lines; each result goes back as one JSON line
// on the file descriptor named by ORATIO_RESULT_FD. console.* lines are written to stdout in Lambda's format
// ("<time>\t<request id>\tINFO\t<message>"), which the supervisor collects as the invocation's logs.
"use strict";

const fs = require("fs");
const path = require("path");
const readline = require("readline");
const util = require("util");
const { pathToFileURL } = require("url");

const RESULTS = Number(process.env.ORATIO_RESULT_FD);
const TASK_ROOT = process.env.LAMBDA_TASK_ROOT;
const LEVELS = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, FATAL: 5 };
const MINIMUM = LEVELS[(process.env.AWS_LAMBDA_LOG_LEVEL || "TRACE").toUpperCase()] ?? 0;
let currentRequestId = undefined;

function writeLine(fd, text) {
  const data = Buffer.from(text);
  let written = 0;
  while (written < data.length) {
    try {
      written += fs.writeSync(fd, data, written);
    } catch (error) {
      if (error.code !== "EAGAIN") throw error;
    }
  }
}

// Lambda's Node runtime patches console: every line carries the time, the request id and the level.
function patchConsole() {
  const methods = { log: "INFO", info: "INFO", warn: "WARN", error: "ERROR", debug: "DEBUG", trace: "TRACE" };
  for (const [method, level] of Object.entries(methods)) {
    console[method] = (...args) => {
      if (LEVELS[level] < MINIMUM) return;
      const message = util.format(...args).replace(/\n/g, "\r");
      writeLine(1, `${new Date().toISOString()}\t${currentRequestId ?? "undefined"}\t${level}\t${message}\n`);
    };
  }
}

function errorDocument(error, errorType) {
  if (error instanceof Error) {
    return { errorType: errorType || error.name || "Error", errorMessage: error.message,
      trace: String(error.stack || "").split("\n") };
  }
  return { errorType: errorType || "Error", errorMessage: typeof error === "string" ? error : JSON.stringify(error),
    trace: [] };
}

function sendResult(outcome) {
  let line;
  try {
    line = JSON.stringify(outcome);
    if (line === undefined) line = JSON.stringify({ result: null });
  } catch (error) {  // a result Lambda could not serialize is the function's error
    line = JSON.stringify({ error: errorDocument(error, "Runtime.MarshalError") });
  }
  writeLine(RESULTS, line + "\n");
}

async function loadHandler() {
  const spec = process.env._HANDLER || "";
  const dot = spec.lastIndexOf(".");
  if (dot < 1) {
    throw Object.assign(new Error(`Bad handler ${spec}: expected file.function`), { name: "Runtime.MalformedHandlerName" });
  }
  const moduleName = spec.slice(0, dot), names = spec.slice(dot + 1).split(".");
  const base = path.resolve(TASK_ROOT, moduleName);
  const file = [".js", ".mjs", ".cjs"].map((ext) => base + ext).find((candidate) => fs.existsSync(candidate));
  if (file === undefined) {
    throw Object.assign(new Error(`Cannot find module '${moduleName}'`), { name: "Runtime.ImportModuleError" });
  }
  let loaded;
  try {
    if (file.endsWith(".mjs")) {
      loaded = await import(pathToFileURL(file).href);
    } else {
      try {
        loaded = require(file);
      } catch (error) {
        if (error.code !== "ERR_REQUIRE_ESM" && error.code !== "ERR_REQUIRE_ASYNC_MODULE") throw error;
        loaded = await import(pathToFileURL(file).href);
      }
    }
  } catch (error) {
    if (error && error.code === "MODULE_NOT_FOUND") error.name = "Runtime.ImportModuleError";
    throw error;
  }
  let handler = loaded;
  for (const name of names) handler = handler == null ? undefined : handler[name];
  if (handler === undefined && loaded && loaded.default) {
    handler = loaded.default;
    for (const name of names) handler = handler == null ? undefined : handler[name];
  }
  if (typeof handler !== "function") {
    throw Object.assign(new Error(`${moduleName}.${names.join(".")} is undefined or not exported`),
      { name: "Runtime.HandlerNotFound" });
  }
  return handler;
}

function contextFor(request, settle) {
  const deadline = request.deadline * 1000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME || "",
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION || "$LATEST",
    invokedFunctionArn: request["invoked-function-arn"] || "",
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE || "128",
    awsRequestId: request["invoke-id"],
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME || "",
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME || "",
    identity: undefined,
    clientContext: undefined,
    getRemainingTimeInMillis: () => Math.max(0, Math.floor(deadline - Date.now())),
    done: (error, result) => settle(error, result),
    succeed: (result) => settle(null, result),
    fail: (error) => settle(error ?? "handled", undefined),
  };
}

// Async handlers (or any returning a promise) and callback handlers (three parameters), as Lambda's runtime.
function run(handler, request) {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (error, result) => {
      if (settled) return;
      settled = true;
      resolve(error !== null && error !== undefined ? { error } : { result });
    };
    let event;
    try {
      event = JSON.parse(request.payload || "null");
    } catch (error) {
      settle(error);
      return;
    }
    try {
      const returned = handler(event, contextFor(request, settle), settle);
      if (returned && typeof returned.then === "function") {
        returned.then((value) => settle(null, value), (error) => settle(error ?? "rejected"));
      } else if (handler.length < 3) {
        settle(null, returned);
      }
    } catch (error) {
      settle(error);
    }
  });
}

// CloudFormation custom resources answer to ResponseURL with `https.request({hostname, path})` (the CDK's provider
// framework does): the local ResponseURL is LocalStack's gateway on loopback over plain HTTP (cfn_custom.py), so
// such requests go there.
function routeCustomResourceResponses() {
  const http = require("http"), https = require("https");
  const port = Number(process.env.EDGE_PORT);
  const local = (options) => options && typeof options === "object" && !(options instanceof URL) &&
    ["127.0.0.1", "localhost"].includes(options.hostname || options.host) &&
    String(options.path || "").startsWith("/_oratio/cloudformation/");
  const request = https.request;
  https.request = function (options, ...rest) {
    if (typeof options === "string" || options instanceof URL) {
      const url = new URL(String(options));
      if (url.protocol === "https:" && ["127.0.0.1", "localhost"].includes(url.hostname) &&
          url.pathname.startsWith("/_oratio/cloudformation/")) {
        const extra = rest.length && typeof rest[0] === "object" ? rest.shift() : {};
        return http.request({ ...extra, hostname: url.hostname, port: url.port || port,
          path: url.pathname + url.search }, ...rest);
      }
    } else if (local(options)) {
      const { agent, ...plain } = options;
      return http.request({ ...plain, port: options.port && Number(options.port) !== 443 ? options.port : port },
        ...rest);
    }
    return request.call(this, options, ...rest);
  };
}

let invoking = false;  // an uncaught error fails the running invocation and ends the process, as on Lambda

process.on("uncaughtException", (error) => crash(error, "Uncaught Exception"));
process.on("unhandledRejection", (error) => crash(error, "Unhandled Promise Rejection"));

function crash(error, what) {
  const document = errorDocument(error);
  console.error(what, JSON.stringify(document));
  if (invoking) sendResult({ error: document });
  process.exit(129);
}

async function main() {
  patchConsole();
  routeCustomResourceResponses();
  let handler;
  try {
    handler = await loadHandler();
  } catch (error) {
    const document = errorDocument(error, error && String(error.name).startsWith("Runtime.") ? error.name : undefined);
    writeLine(1, `${new Date().toISOString()}\tundefined\tERROR\t${JSON.stringify(document)}\n`);
    sendResult({ init_error: document });
    process.exit(1);
  }
  sendResult({ ready: true });
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const request = JSON.parse(line);
    currentRequestId = request["invoke-id"];
    invoking = true;
    const outcome = await run(handler, request);
    invoking = false;
    if ("error" in outcome) {
      const document = errorDocument(outcome.error);
      console.error("Invoke Error", JSON.stringify(document));
      sendResult({ error: document });
    } else {
      sendResult({ result: outcome.result === undefined ? null : outcome.result });
    }
  }
}

main();
