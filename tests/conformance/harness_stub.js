// A minimal stand-in for WPT's testharness.js (its shell environment's
// surface that conformance/wpt_bridge.mjs and the tests below use), written
// for webnnpy's own tests of the bridge.
'use strict';
(function() {
  const resultCallbacks = [];
  const completionCallbacks = [];
  const tests = [];
  class AssertionError extends Error {}
  const fail = (msg) => { throw new AssertionError(msg); };
  Object.assign(self, {
    AssertionError,
    add_result_callback: (f) => resultCallbacks.push(f),
    add_completion_callback: (f) => completionCallbacks.push(f),
    promise_test: (fn, name) => tests.push({fn, name}),
    assert_true: (v, m) => v === true || fail(`assert_true: ${m}`),
    assert_equals: (a, b, m) => Object.is(a, b) || fail(`assert_equals: ${a} != ${b} ${m ?? ''}`),
    assert_array_equals: (a, b) => (a.length === b.length && a.every((x, i) => Object.is(x, b[i]))) ||
        fail(`assert_array_equals: [${a}] != [${b}]`),
    assert_throws_js: (ctor, f) => {
      try { f(); } catch (e) { return e.constructor === ctor || fail(`threw ${e} not ${ctor.name}`); }
      fail('did not throw');
    },
    promise_rejects_dom: async (t, name, p) => {
      try { await p; } catch (e) { return (e instanceof DOMException && e.name === name) || fail(`rejected with ${e}`); }
      fail('did not reject');
    },
  });
  setTimeout(async () => {
    for (const t of tests) {
      let status = 0, message = null;
      try { await t.fn({}); } catch (e) { status = 1; message = String(e && e.message || e); }
      for (const f of resultCallbacks) f({name: t.name, status, message});
    }
    for (const f of completionCallbacks) f(tests, {status: 0});
  }, 0);
})();
