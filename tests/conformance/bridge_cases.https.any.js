// META: script=helper.js
'use strict';

const desc = (dataType, shape) => ({dataType, shape});

promise_test(async () => {
  const context = await navigator.ml.createContext({deviceType: 'ignored'});
  const builder = new MLGraphBuilder(context);
  const a = builder.input('a', desc('float32', [2, 2]));
  const b = builder.constant(desc('float32', [2, 2]), new Float32Array([1, 2, 3, 4]));
  const c = builder.add(a, b);
  assert_equals(c.dataType, 'float32');
  assert_array_equals(c.shape, [2, 2]);
  const graph = await builder.build({sum: c});
  const ta = await context.createTensor({...desc('float32', [2, 2]), writable: true});
  const tc = await context.createTensor({...desc('float32', [2, 2]), readable: true});
  context.writeTensor(ta, new Float32Array([10, 20, 30, 40]));
  context.dispatch(graph, {a: ta}, {sum: tc});
  assert_array_equals(Array.from(new Float32Array(await context.readTensor(tc))), [11, 22, 33, 44]);
  const out = new Float32Array(4);
  await context.readTensor(tc, out);
  assert_array_equals(Array.from(out), [11, 22, 33, 44]);
  await promise_rejects_dom(null, 'InvalidStateError', builder.build({sum: c}));
}, 'build, dispatch and read back; a second build rejects');

promise_test(async () => {
  const context = await navigator.ml.createContext();
  const builder = new MLGraphBuilder(context);
  const x = builder.input('x', desc('float32', [2]));
  const y = builder.input('y', desc('int32', [2]));
  let error;
  try { builder.add(x, y, {label: 'my_add'}); } catch (e) { error = e; }
  assert_true(error instanceof TypeError);
  assert_true(/\[my_add\]/.test(error.message), error.message);
  assert_throws_js(TypeError, () => builder.softmax(x, 5));
}, 'validation errors are TypeErrors naming the label');

promise_test(async () => {
  const context = await navigator.ml.createContext();
  const limits = context.opSupportLimits();
  for (const op of ['gatherND', 'isNaN', 'l2Pool2d', 'reduceLogSumExp']) {
    assert_true(op in limits, op);
  }
  assert_true(Array.isArray(limits.input.dataTypes));
  assert_true('rankRange' in limits.conv2d.filter);
}, 'opSupportLimits uses the spec names');

promise_test(async () => {
  const context = await navigator.ml.createContext();
  const builder = new MLGraphBuilder(context);
  const h = builder.input('h', desc('float16', [2]));
  const i = builder.input('i', desc('int64', [2]));
  const graph = await builder.build({h2: builder.neg(h), i2: builder.neg(i)});
  const th = await context.createTensor({...desc('float16', [2]), writable: true});
  const ti = await context.createTensor({...desc('int64', [2]), writable: true});
  const oh = await context.createTensor({...desc('float16', [2]), readable: true});
  const oi = await context.createTensor({...desc('int64', [2]), readable: true});
  context.writeTensor(th, new Uint16Array([0x3c00, 0xc000]));       // 1, -2
  context.writeTensor(ti, new BigInt64Array([2n ** 60n, -5n]));
  context.dispatch(graph, {h: th, i: ti}, {h2: oh, i2: oi});
  assert_array_equals(Array.from(new Uint16Array(await context.readTensor(oh))), [0xbc00, 0x4000]);
  assert_array_equals(Array.from(new BigInt64Array(await context.readTensor(oi))), [-(2n ** 60n), 5n]);
}, 'float16 as Uint16Array bits and int64 as BigInt64Array');

promise_test(async () => {
  const context = await navigator.ml.createContext();
  const builder = new MLGraphBuilder(context);
  builder.relu(builder.input('x', desc('float32', [2])));
  assert_equals(helperValue, 42);
  assert_true(false, 'this test must be reported as failing');
}, 'a failing assertion is reported');
