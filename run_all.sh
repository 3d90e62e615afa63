#!/usr/bin/env bash
# Reproduce every number and figure of the lab write-ups, then rebuild and check the README's
# results table. Exits non-zero when a step fails or a number falls outside its tolerance.
#
#   bash run_all.sh                          # full run at the write-ups' settings -> results/
#   bash run_all.sh --smoke                  # same steps, capped loops (seconds) -> runs/smoke/
#   bash run_all.sh --device cuda --data-dir /path/to/data --out-dir /tmp/results
#
# SMOKE=1 is the same as --smoke. PYTHON picks the interpreter (default: python).
set -euo pipefail
cd "$(dirname "$0")"

smoke="${SMOKE:-0}"
device=auto
data_dir=""
out_dir=""
while [ $# -gt 0 ]; do
    case "$1" in
        --smoke) smoke=1 ;;
        --device) device="$2"; shift ;;
        --data-dir) data_dir="$2"; shift ;;
        --out-dir) out_dir="$2"; shift ;;
        -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run_all.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done
case "$smoke" in 1|true|yes) smoke=1 ;; *) smoke=0 ;; esac
if [ -z "$out_dir" ]; then
    if [ "$smoke" = 1 ]; then out_dir=runs/smoke; else out_dir=results; fi
fi
py="${PYTHON:-python}"
common=(--device "$device" --out-dir "$out_dir")
[ -n "$data_dir" ] && common+=(--data-dir "$data_dir")
[ "$smoke" = 1 ] && common+=(--smoke)
mkdir -p "$out_dir/logs"
rm -f "$out_dir/mnist_checkpoint.pt"  # the MNIST tutorial starts from scratch

steps=(
    "lab1: tensor ops and autograd|lab1_tensor_ops.py"
    "lab2: logistic + softmax regression|lab2_logistic.py --writeup-defect"
    "lab3: blitz LeNet walkthrough + MNIST 32x32|lab3_lenet.py --model blitz"
    "lab3: d2l LeNet, batch 4 (write-up)|lab3_lenet.py --batch-size 4"
    "lab3: d2l LeNet, batch 256 (book)|lab3_lenet.py --batch-size 256"
    "lab4: wine MLP|lab4_wine_mlp.py"
    "mnist: tutorial epochs 1-3|mnist_checkpoint.py --epochs 3"
    "mnist: resume epochs 4-8|mnist_checkpoint.py --epochs 8 --resume $out_dir/mnist_checkpoint.pt"
)
total_start=$(date +%s)
i=0
for step in "${steps[@]}"; do
    i=$((i + 1))
    label="${step%%|*}"
    read -r -a cmd <<< "${step#*|}"
    start=$(date +%s)
    printf '[%d/%d] %-48s ' "$i" "${#steps[@]}" "$label"
    log="$out_dir/logs/${i}_$(basename "${cmd[0]}" .py).log"
    if ! "$py" "${cmd[@]}" "${common[@]}" > "$log" 2>&1; then
        echo "FAILED (log: $log)"
        tail -n 20 "$log" >&2
        exit 1
    fi
    echo "done in $(( $(date +%s) - start )) s (log: $log)"
done
echo "all steps done in $(( $(date +%s) - total_start )) s"

if [ "$smoke" = 1 ]; then
    "$py" tools/report.py --results "$out_dir" --smoke
elif [ "$out_dir" = results ]; then
    "$py" tools/report.py --results "$out_dir" --write
else
    "$py" tools/report.py --results "$out_dir"
fi
