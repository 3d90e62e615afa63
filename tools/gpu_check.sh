#!/usr/bin/env bash
# Everything a GPU has to show, in one run, into one folder: every lab at the write-ups'
# settings on the device (run_all), the speed of the training step eager and as a CUDA graph
# against this machine's CPU (with a profiler summary), the write-up's batch-4 run captured in
# a CUDA graph, a checkpoint resumed on the CPU, --deterministic on the device, and one lab in
# a real Jupyter kernel; and the tests that need a GPU (tests/test_cuda.py). Each part's exit code goes to summary.txt; a failing part does not
# stop the others.
#
#   bash tools/gpu_check.sh                      # on a CUDA machine -> results/cuda/
#   bash tools/gpu_check.sh --device cpu --smoke --out runs/gpu_check   # a dry run, anywhere
#
# On one H100 the whole run takes about 6 minutes (docs/devices.md has its numbers).
set -uo pipefail
cd "$(dirname "$0")/.."
device=cuda out=results/cuda smoke=""
while [ $# -gt 0 ]; do
    case "$1" in
        --device) device=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --smoke) smoke="--smoke"; shift ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "gpu_check.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
py="${PYTHON:-$(command -v python || command -v python3)}"
export PYTHONUNBUFFERED=1 LABS_PROGRESS=0
mkdir -p "$out/logs"
summary="$out/summary.txt"
: > "$summary"
part() {  # part NAME COMMAND...: run it, log it, note its exit code and time
    local name=$1 start=$SECONDS code
    shift
    "$@" > "$out/logs/$name.log" 2>&1
    code=$?
    echo "$name: exit $code in $((SECONDS - start)) s: $*" | tee -a "$summary"
    return 0
}
quick=$([ -n "$smoke" ] && echo "--quick" || echo "")
epochs=$([ -n "$smoke" ] && echo "--smoke" || echo "")
{ echo "device: $device"; "$py" -c "import torch, platform; print('torch', torch.__version__, \
'cuda', torch.version.cuda, 'python', platform.python_version()); \
print('gpu', torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'none')"; \
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null; \
} >> "$summary"

# 1. Every lab, the captured runs, the checks: side by side (the device has room for them).
part run_all "$py" run_all.py --device "$device" --out-dir "$out" --jobs 4 $smoke &
part cuda_graph_bs4 "$py" lab3_lenet.py --device "$device" --cuda-graph --batch-size 4 \
    --out-dir "$out/cuda_graph" $epochs &
part cuda_graph_bs256 "$py" lab3_lenet.py --device "$device" --cuda-graph --batch-size 256 \
    --out-dir "$out/cuda_graph" $epochs &
for lab in "lab2_logistic.py --part softmax" "lab3_lenet.py" "lab3_lenet.py --model blitz" \
           "lab4_wine_mlp.py" "mnist_checkpoint.py"; do
    name="deterministic_$(echo "$lab" | tr -cs 'a-z0-9' '_' | sed 's/_$//')"
    # shellcheck disable=SC2086
    part "$name" "$py" $lab --smoke --deterministic --device "$device" \
        --out-dir "$out/deterministic"
done
part pytest_cuda "$py" -m pytest -q -s -p no:cacheprovider tests/test_cuda.py
part jupyter "$py" -m tools.notebooks lab3_lenet.py --out "$out/notebooks/lab3_d2l_bs256.ipynb" \
    -- --device "$device" --batch-size 256 --epochs 2 --out-dir "$out/notebooks" &
wait

# 2. The speed, on a quiet machine: the CPU against the device, eager and as a CUDA graph.
part speed "$py" -m tools.benchmark --device "$device" --sections accelerator --quick \
    --out "$out/speed.json" --profile "$out/profile.txt"

# 3. The device's checkpoint (run_all: 3 epochs, then --resume to 8) resumed on the CPU.
part resume_on_cpu "$py" mnist_checkpoint.py --device cpu --epochs 9 --resume \
    "$out/mnist_checkpoint.pt" --out-dir "$out/resumed_on_cpu" $([ -n "$smoke" ] && echo --smoke)
rm -f "$out"/*.pt "$out"/*/*.pt
echo "done" >> "$summary"
