// Run exported modules' buildGraph() against a recording MLGraphBuilder (no
// WebNN needed) and print, per module, one JSON line with every builder call:
//   node record_calls.mjs DIR1 DIR2 ...
// Operands are {"$ref": id}; buffers {"$bytes": base64, "$type": "Float32Array"};
// BigInts {"$bigint": "123"}; non-finite numbers {"$num": "Infinity"}.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

function encode(value) {
  if (typeof value === "bigint") return { $bigint: value.toString() };
  if (typeof value === "number" && !Number.isFinite(value)) return { $num: String(value) };
  if (typeof value === "number" && Object.is(value, -0)) return { $num: "-0" };
  if (value instanceof Operand) return { $ref: value.id };
  if (ArrayBuffer.isView(value)) {
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    return { $bytes: bytes.toString("base64"), $type: value.constructor.name };
  }
  if (Array.isArray(value)) return value.map(encode);
  if (value && typeof value === "object") {
    const out = Object.create(null);  // a key "__proto__" stays a key
    for (const [k, v] of Object.entries(value)) out[k] = encode(v);
    return out;
  }
  return value;
}

class Operand {
  constructor(id) { this.id = id; }
}

let calls;
let nextId;

function newOperand() { return new Operand(nextId++); }

// Every method records its call; a call returns one operand, or (for ops whose
// result is destructured) an endless iterable of operands recorded as used.
class RecordingBuilder {
  constructor(context) {
    return new Proxy(this, {
      get(target, prop) {
        if (prop === "build") {
          return async (outputs) => {
            calls.push({ op: "build", args: [encode(outputs)] });
            return { destroy() {} };
          };
        }
        return (...args) => {
          const call = { op: prop, args: encode(args), outputs: [] };
          calls.push(call);
          const first = newOperand();
          call.outputs.push(first.id);
          // `const [a, b] = builder.split(...)` iterates: hand out operands
          first[Symbol.iterator] = function* () {
            yield first;
            for (;;) {
              const o = newOperand();
              call.outputs.push(o.id);
              yield o;
            }
          };
          return first;
        };
      },
    });
  }
}

globalThis.MLGraphBuilder = RecordingBuilder;

for (const dir of process.argv.slice(2)) {
  calls = [];
  nextId = 0;
  try {
    const mod = await import(pathToFileURL(resolve(join(dir, "model.js"))).href);
    const bytes = readFileSync(join(dir, "weights.bin"));
    const weights = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    await mod.buildGraph({}, weights);
    process.stdout.write(JSON.stringify({ dir, calls }) + "\n");
  } catch (e) {
    process.stdout.write(JSON.stringify({ dir, error: String(e && e.stack || e) }) + "\n");
  }
}
