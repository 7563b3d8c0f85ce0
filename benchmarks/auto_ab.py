"""The default context (``auto``) against both native runtimes, paired.

    python -m benchmarks.auto_ab MODEL DTYPE [--rounds 20] [--block 8]

MODEL is one of ``benchmarks.models`` (resnet50, mobilenetv2, encoder).  Five
implementations of the same network, built as ``benchmarks.run`` builds them:
webnnpy on ``auto``, ``openvino`` and ``onnxruntime`` contexts (dispatch +
read_tensor), native OpenVINO (``request.infer``) and native ONNX Runtime
(IOBinding).  Each round runs every implementation once unrecorded then
``--block`` recorded calls, in an order rotating per round; per round the
block median is kept.  Printed: each one's median of block medians, which
runtime ``auto`` chose and why, and each webnnpy row's paired ratio (median
over rounds of its block median ÷ the faster native runtime's block median
in the same round).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    import benchmarks.run as bench
    from benchmarks.models import MODELS
    from webnnpy.backends.auto import choice_of

    p = argparse.ArgumentParser(prog="python -m benchmarks.auto_ab",
                                description=__doc__.split("\n")[0])
    p.add_argument("model", choices=sorted(MODELS))
    p.add_argument("dtype", choices=["float32", "float16"])
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--block", type=int, default=8)
    args = p.parse_args(argv)
    spec = MODELS[args.model]
    config = spec.config
    weights = spec.make_weights(config, 0)
    x = bench.make_input(spec.input_shape(config), args.dtype, 1)
    build = (spec, config, args.dtype, weights, x)
    impls = {"webnnpy auto": bench._webnnpy_impl("a", "auto", "auto", *build),
             "webnnpy-OpenVINO": bench._webnnpy_impl("o", "ov", "openvino", *build),
             "webnnpy-ORT": bench._webnnpy_impl("r", "ort", "onnxruntime", *build),
             "native OpenVINO": bench._openvino_native_impl(*build)}
    impls["native ORT"] = next(i for i in bench._native_impls(*build)
                               if i.key == "ort-iobinding")
    bad = {k: i.status for k, i in impls.items() if not i.ok}
    if bad:
        print(f"not all implementations built: {bad}")
        return 1
    runtime, why = choice_of(impls["webnnpy auto"].extra["graph"])
    print(f"{spec.name} {args.dtype}: auto runs it on {runtime} ({why})")
    keys = list(impls)
    blocks: dict[str, list[float]] = {k: [] for k in keys}
    for k in keys:  # warm-up
        for _ in range(3):
            impls[k].call()  # type: ignore[misc]
    for r in range(args.rounds):
        j = r % len(keys)
        for k in keys[j:] + keys[:j]:
            call = impls[k].call
            assert call is not None
            call()
            ts = []
            for _ in range(args.block):
                t0 = time.perf_counter()
                call()
                ts.append(time.perf_counter() - t0)
            blocks[k].append(statistics.median(ts))
    for k in keys:
        print(f"  {k:18s} {statistics.median(blocks[k]) * 1e3:8.2f} ms "
              f"(median of {args.rounds} block medians)")
    best = min(("native OpenVINO", "native ORT"),
               key=lambda k: statistics.median(blocks[k]))
    for k in ("webnnpy auto", "webnnpy-OpenVINO", "webnnpy-ORT"):
        ratio = statistics.median(a / b for a, b in zip(blocks[k], blocks[best],
                                                        strict=True))
        print(f"  {k} ÷ {best} (paired): {ratio:.3f}")
    for impl in impls.values():
        if impl.cleanup is not None:
            impl.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
