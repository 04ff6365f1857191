#!/usr/bin/env bash
# The shipped weights' stage 16 in one command, on a CPU, from stage 15's weights (MX3, the
# weights shipped at commit 575344b): builds the two data sets where they are missing (synthetic
# `lowlight` pairs from shared/data/photos; the LOL pairs of shared/data/lol_train_subset, 26 held
# out), fine-tunes on both mixed half and half (experiments/authors_mix_cpu.flags, STEPS steps),
# mixes the result half and half with stage 15, and scores it on both cameras.
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
[ -d "$DATA/gladnet_raw/lowlight/1.9.0" ] || $BIN/tfds build datasets/gladnet_raw --config=lowlight \
  --manual_dir="$SHARED/data/photos" --data_dir="$DATA"
[ -d "$DATA/paired_images/1.1.0" ] || $BIN/tfds build datasets/paired_images \
  --manual_dir="$SHARED/data/lol_train_subset" --data_dir="$DATA"
$BIN/python -m gladnet_tf.train --flagfile=experiments/authors_mix_cpu.flags --data_dir="$DATA" \
  --model_dir="$RUN/stage16" --init_weights="$RUN/stage15.weights.h5" --steps=$STEPS
$BIN/gladnet-convert --checkpoint "$RUN/stage15.weights.h5" --output "$RUN/stage15.npz" --overwrite
$BIN/gladnet-convert --checkpoint "$RUN/stage16/gladnet.weights.h5" --output "$RUN/stage16.npz" --overwrite
rm -f "$RUN/mixed.npz"
$BIN/python experiments/gpu/mix_params.py "$RUN/stage15.npz" "$RUN/stage16.npz" 0.5 "$RUN/mixed.npz"
$BIN/gladnet-convert --checkpoint "$RUN/mixed.npz" --output "$RUN/gladnet.weights.h5" --overwrite
$BIN/python experiments/two_cameras.py "$RUN/gladnet.weights.h5" --lol "$DATA/paired_images/1.1.0"
