#!/usr/bin/env bash
# The shipped weights' last stage in one command, on a CPU, from stage 15's weights (MX3, the
# weights shipped at commit 575344b): builds the two data sets where they are missing (synthetic
# `lowlight_dark` pairs from shared/data/photos; the LOL pairs of shared/data/lol_train_subset, 26
# held out), fine-tunes on both mixed half and half (experiments/authors_mix_cpu.flags, STEPS
# steps), and scores the result on both cameras (docs/experiment_log.md, step 49).
#
#   bash experiments/authors_mix.sh [RUN_DIR]     (default runs/authors_mix; data in $TFDS_DATA_DIR
#                                                  or ~/tensorflow_datasets; ../shared beside the clone)
# A killed run resumes when the same command is run again.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${1:-runs/authors_mix}
DATA=${TFDS_DATA_DIR:-$HOME/tensorflow_datasets}
SHARED=${GLADNET_SHARED:-../shared}
STEPS=450
BIN=.venv/bin
mkdir -p "$RUN"
if [ ! -f "$RUN/stage15.weights.h5" ]; then
  git show 575344b:gladnet_tf/weights/gladnet.weights.h5 > "$RUN/stage15.weights.h5.tmp"
  mv "$RUN/stage15.weights.h5.tmp" "$RUN/stage15.weights.h5"
fi
[ -d "$DATA/gladnet_raw/lowlight_dark/1.9.0" ] || $BIN/tfds build datasets/gladnet_raw --config=lowlight_dark \
  --manual_dir="$SHARED/data/photos" --data_dir="$DATA"
[ -d "$DATA/paired_images/1.1.0" ] || $BIN/tfds build datasets/paired_images \
  --manual_dir="$SHARED/data/lol_train_subset" --data_dir="$DATA"
$BIN/python -m gladnet_tf.train --flagfile=experiments/authors_mix_cpu.flags --data_dir="$DATA" \
  --tfds=gladnet_raw/lowlight_dark:0.5,paired_images:0.5 --seed=0 \
  --model_dir="$RUN/stage17" --init_weights="$RUN/stage15.weights.h5" --steps=$STEPS
cp "$RUN/stage17/gladnet.weights.h5" "$RUN/gladnet.weights.h5"
$BIN/python experiments/two_cameras.py "$RUN/gladnet.weights.h5" --lol "$DATA/paired_images/1.1.0"
