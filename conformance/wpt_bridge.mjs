// Runs one WPT WebNN test file in Node against webnnpy.
//
// usage: node wpt_bridge.mjs REQ_FIFO RESP_FIFO RESULTS_FILE TEST_FILE [VARIANT]
//
// WPT's own testharness.js runs in its shell environment.  The test file and
// the scripts its `// META: script=` lines name run as classic scripts in this
// realm, with a `navigator.ml` whose objects are handles to webnnpy objects
// held by conformance/server.py.  Every call is one JSON line on REQ_FIFO and
// blocks for its answer on RESP_FIFO, so synchronous WebNN methods stay
// synchronous; Promise-returning methods resolve (or reject) with what the
// Python call gave.  Each test result is appended to RESULTS_FILE as a JSON
// line as soon as it is known.

import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

const [reqPath, respPath, resultsPath, testFile, variant] = process.argv.slice(2);
const reqFd = fs.openSync(reqPath, 'w');
const respFd = fs.openSync(respPath, 'r');
const readBuffer = Buffer.alloc(1 << 20);

function rpc(message) {
  fs.writeSync(reqFd, JSON.stringify(message) + '\n');
  const parts = [];
  for (;;) {
    const n = fs.readSync(respFd, readBuffer, 0, readBuffer.length, null);
    if (n === 0) throw new Error('bridge: the Python side closed the pipe');
    parts.push(Buffer.from(readBuffer.subarray(0, n)));
    if (readBuffer[n - 1] === 10) break;
  }
  const answer = JSON.parse(Buffer.concat(parts).toString('utf8'));
  if ('err' in answer) throw toError(answer.err);
  return decode(answer.ok);
}

function toError(err) {
  if (err.kind === 'TypeError') return new TypeError(err.message);
  if (err.kind === 'DOMException') return new DOMException(err.message, err.name);
  const e = new Error(err.message);
  e.name = 'PythonError';
  return e;
}

const HANDLE = Symbol('webnnpy handle');
const INFO = Symbol('webnnpy info');
const wrappers = new Map();

function encode(v) {
  if (v === undefined) return {$undef: 1};
  if (v === null) return null;
  switch (typeof v) {
    case 'number':
      if (Number.isNaN(v)) return {$num: 'nan'};
      if (v === Infinity) return {$num: 'inf'};
      if (v === -Infinity) return {$num: '-inf'};
      if (Object.is(v, -0)) return {$num: '-0'};
      return v;
    case 'bigint':
      return {$big: v.toString()};
    case 'string':
    case 'boolean':
      return v;
    case 'function':
    case 'symbol':
      return {$fn: typeof v};
  }
  if (v[HANDLE] !== undefined) return {$ref: v[HANDLE]};
  if (ArrayBuffer.isView(v)) {
    const bytes = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    const t = Object.prototype.toString.call(v).slice(8, -1);
    return {$buf: bytes.toString('base64'), t};
  }
  const tag = Object.prototype.toString.call(v).slice(8, -1);
  if (tag === 'ArrayBuffer' || tag === 'SharedArrayBuffer') {
    return {$buf: Buffer.from(new Uint8Array(v)).toString('base64'), t: tag};
  }
  if (Array.isArray(v)) return v.map(encode);
  if (tag !== 'Object') return {$fn: tag};
  const members = {};
  for (const k of Object.keys(v)) members[k] = encode(v[k]);
  return {$obj: members};
}

function decode(r) {
  if (r === null || typeof r !== 'object') return r;
  if (Array.isArray(r)) return r.map(decode);
  if ('$num' in r) {
    return {nan: NaN, inf: Infinity, '-inf': -Infinity}[r.$num];
  }
  if ('$buf' in r) {
    const bytes = Buffer.from(r.$buf, 'base64');
    const ab = new ArrayBuffer(bytes.length);
    new Uint8Array(ab).set(bytes);
    return ab;
  }
  if ('$ref' in r) return wrap(r);
  if ('$obj' in r) {
    const o = {};
    for (const [k, x] of Object.entries(r.$obj)) o[k] = decode(x);
    return o;
  }
  return r;
}

function wrap(r) {
  let obj = wrappers.get(r.$ref);
  if (obj === undefined) {
    const cls = {MLOperand, MLTensor, MLGraph, MLContext, MLGraphBuilder}[r.k];
    obj = Object.create(cls.prototype);
    obj[HANDLE] = r.$ref;
    if (r.k === 'MLContext') initContext(obj);
    wrappers.set(r.$ref, obj);
  }
  obj[INFO] = r;
  return obj;
}

function call(target, method, args) {
  return rpc({op: 'call', target: target[HANDLE], method, args: args.map(encode)});
}

// A Promise-returning method: the Python `_async` form queues the work now,
// as the spec's method does; the Promise settles in a later task.
function callAsync(target, method, args) {
  let handle;
  try {
    handle = rpc({op: 'call', target: target[HANDLE], method: method + 'Async',
                  async: true, args: args.map(encode)});
  } catch (e) {
    return Promise.reject(e);
  }
  return new Promise((resolve, reject) => {
    setTimeout(() => {
      try {
        resolve(rpc({op: 'await', target: handle.$promise}));
      } catch (e) {
        reject(e);
      }
    }, 0);
  });
}

function promised(fn) {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e);
  }
}

class MLOperand {
  get dataType() { return this[INFO].dataType; }
  get shape() { return this[INFO].shape.slice(); }
}

class MLTensor {
  get dataType() { return this[INFO].dataType; }
  get shape() { return this[INFO].shape.slice(); }
  get readable() { return this[INFO].readable; }
  get writable() { return this[INFO].writable; }
  get constant() { return this[INFO].constant; }
  destroy() { call(this, 'destroy', []); }
}

class MLGraph {
  destroy() { call(this, 'destroy', []); }
}

function initContext(ctx) {
  let resolveLost;
  ctx.__lost = new Promise((resolve) => { resolveLost = resolve; });
  ctx.__resolveLost = resolveLost;
}

class MLContext {
  get lost() { return this.__lost; }
  get accelerated() { return this[INFO].accelerated; }
  opSupportLimits() { return call(this, 'opSupportLimits', []); }
  createTensor(descriptor) {
    return callAsync(this, 'createTensor', [descriptor]);
  }
  createConstantTensor(descriptor, data) {
    return callAsync(this, 'createConstantTensor', [descriptor, data]);
  }
  writeTensor(tensor, data) { call(this, 'writeTensor', [tensor, data]); }
  readTensor(tensor, outputData) {
    if (arguments.length < 2) {
      return callAsync(this, 'readTensor', [tensor]);
    }
    return promised(() => {
      const bytes = new Uint8Array(rpc({
        op: 'readInto', target: this[HANDLE],
        args: [encode(tensor), encode(outputData)],
      }));
      const view = ArrayBuffer.isView(outputData) ?
          new Uint8Array(outputData.buffer, outputData.byteOffset,
                         outputData.byteLength) :
          new Uint8Array(outputData);
      view.set(bytes);
      return undefined;
    });
  }
  dispatch(graph, inputs, outputs) {
    call(this, 'dispatch', [graph, inputs, outputs]);
  }
  destroy() {
    call(this, 'destroy', []);
    this.__resolveLost({message: 'destroyed'});
  }
}

class MLGraphBuilder {
  constructor(context) {
    const r = rpc({op: 'new', args: [encode(context)]});
    wrappers.delete(r[HANDLE]);
    this[HANDLE] = r[HANDLE];
    wrappers.set(this[HANDLE], this);
  }
  build(outputs) {
    return callAsync(this, 'build', [outputs]);
  }
}

const opNames = rpc({op: 'names'}).ops;
for (const name of ['input', 'constant', ...opNames]) {
  if (name === 'build') continue;  // Promise-returning, defined above
  Object.defineProperty(MLGraphBuilder.prototype, name, {
    value: {[name](...args) { return call(this, name, args); }}[name],
    writable: true, configurable: true,
  });
}

class ML {
  createContext(options) {
    const args = arguments.length ? [options] : [];
    return promised(() => rpc({op: 'ml', method: 'createContext',
                               args: args.map(encode)}));
  }
}

// Node 20 lacks the ES2025 Set methods WPT's helpers use.
for (const [name, fn] of Object.entries({
  difference(other) { return new Set([...this].filter((x) => !other.has(x))); },
  union(other) { return new Set([...this, ...other]); },
  intersection(other) { return new Set([...this].filter((x) => other.has(x))); },
})) {
  if (!Set.prototype[name]) {
    Object.defineProperty(Set.prototype, name, {value: fn, writable: true,
                                                configurable: true});
  }
}

// ... and ES2024's ArrayBuffer.prototype.transfer / .detached.
if (!ArrayBuffer.prototype.transfer) {
  const transferred = new WeakSet();
  Object.defineProperty(ArrayBuffer.prototype, 'transfer', {
    value() {
      const moved = structuredClone(this, {transfer: [this]});
      transferred.add(this);
      return moved;
    },
    writable: true, configurable: true,
  });
  Object.defineProperty(ArrayBuffer.prototype, 'detached', {
    get() { return transferred.has(this); }, configurable: true,
  });
}

const ml = new ML();
Object.assign(globalThis, {
  MLOperand, MLTensor, MLGraph, MLContext, MLGraphBuilder, ML,
  self: globalThis,
  crossOriginIsolated: true,   // Node shares memory like an isolated page
  location: {search: variant ? `?${variant}` : '', href: `file://${testFile}`},
  GLOBAL: {isWindow: () => false, isWorker: () => false,
           isShadowRealm: () => false},
});
Object.defineProperty(globalThis, 'navigator', {
  value: {ml}, configurable: true, writable: true,
});

function runScript(file) {
  vm.runInThisContext(fs.readFileSync(file, 'utf8'), {filename: file});
}

const wptRoot = (() => {
  let dir = path.dirname(path.resolve(testFile));
  while (!fs.existsSync(path.join(dir, 'resources', 'testharness.js'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('bridge: no resources/testharness.js above ' + testFile);
    dir = up;
  }
  return dir;
})();

const results = fs.openSync(resultsPath, 'w');
const statusName = ['PASS', 'FAIL', 'TIMEOUT', 'NOTRUN', 'PRECONDITION_FAILED'];
runScript(path.join(wptRoot, 'resources', 'testharness.js'));
add_result_callback((test) => {
  fs.writeSync(results, JSON.stringify({
    name: test.name, status: statusName[test.status] ?? String(test.status),
    message: test.message}) + '\n');
});
add_completion_callback((tests, harnessStatus) => {
  if (harnessStatus.status !== 0) {
    fs.writeSync(results, JSON.stringify({
      name: '(harness)', status: 'HARNESS_ERROR',
      message: harnessStatus.message}) + '\n');
  }
  fs.closeSync(results);
  fs.closeSync(reqFd);
  fs.closeSync(respFd);
  process.exit(0);
});

const source = fs.readFileSync(testFile, 'utf8');
for (const m of source.matchAll(/^\/\/ META: script=(.+)$/gm)) {
  const ref = m[1].trim();
  runScript(ref.startsWith('/') ? path.join(wptRoot, ref) :
                                  path.resolve(path.dirname(testFile), ref));
}
runScript(testFile);
