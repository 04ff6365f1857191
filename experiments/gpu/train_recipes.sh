#!/usr/bin/env bash
# Trains several synthesis recipes side by side on one accelerator machine (JAX, no TensorFlow
# needed there), each for MINUTES, and leaves each run in OUT/<recipe>/ (gladnet_fg.npz,
# checkpoint.npz, log). See experiments/gpu/README.md.
#   usage: experiments/gpu/train_recipes.sh PHOTOS OUT MINUTES RECIPE... [-- jax_train flags]
set -u
photos=$1 out=$2 minutes=$3
shift 3
recipes=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do recipes+=("$1"); shift; done
[ $# -gt 0 ] && shift
n=${#recipes[@]}
workers=$(( $(nproc) / n )); [ "$workers" -lt 1 ] && workers=1
fraction=$(python3 -c "print(round(0.9 / $n, 2))")
for recipe in "${recipes[@]}"; do
  mkdir -p "$out/$recipe"
  XLA_PYTHON_CLIENT_MEM_FRACTION=$fraction python3 -m gladnet_tf.jax_train --photos="$photos" \
    --model_dir="$out/$recipe" --recipe="$recipe" --workers="$workers" \
    --max_minutes="$minutes" "$@" > "$out/$recipe/log" 2>&1 &
done
wait
tail -n 3 "$out"/*/log
