#!/usr/bin/env bash
# The prepared GPU check: the env and backend suites on CUDA, then the env and training
# benchmarks, in one short run. Writes logs under ${OUT:-gpu-check}/.
# Run from the repository root on a machine with a CUDA GPU: bash benchmarks/gpu_check.sh
set -uo pipefail
out=${OUT:-gpu-check}
mkdir -p "$out"
export GENELAB_TEST_DEVICE=${GENELAB_TEST_DEVICE:-cuda}
python -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'; print(torch.__version__, torch.cuda.get_device_name(0))" \
    | tee "$out/device.txt" || exit 1
status=0
python -m pytest -q -p no:cacheprovider -m "not learning" \
    genelab-core/tests/test_env.py genelab-core/tests/test_tasks.py genelab-core/tests/test_metrics.py \
    genelab-backend-rslrl/tests genelab-backend-skrl/tests genelab-backend-sb3/tests \
    > "$out/suite.txt" 2>&1 || status=1
tail -3 "$out/suite.txt"
python benchmarks/bench_env.py --device cuda --sizes 4096 65536 --seconds 1 --rounds 3 \
    > "$out/bench_env.txt" 2>&1 || status=1
cat "$out/bench_env.txt"
python benchmarks/bench_rslrl.py --repeats 2 > "$out/bench_rslrl.txt" 2>&1 || status=1
tail -15 "$out/bench_rslrl.txt"
exit $status
