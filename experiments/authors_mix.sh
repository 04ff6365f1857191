#!/usr/bin/env bash
# The shipped weights' last two stages in one command, on a CPU, from stage 15's weights (MX3, the
# weights shipped at commit 575344b): builds the two data sets where they are missing (synthetic
# `lowlight_dark` pairs from shared/data/photos; the LOL pairs of shared/data/lol_train_subset, 26
# held out), fine-tunes on both mixed half and half (experiments/authors_mix_cpu.flags, 450 steps:
# stage 17, docs/experiment_log.md step 49), then on the same mix with the SSIM + L1 loss at a
# learning rate halving every 100 steps (300 steps, step 53), mixes the two half and half (stage
# 18), and scores the result on both cameras.
#
#   bash experiments/authors_mix.sh [RUN_DIR]     (default runs/authors_mix; data in $TFDS_DATA_DIR
#                                                  or ~/tensorflow_datasets; ../shared beside the clone)
# A killed run resumes when the same command is run again.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${1:-runs/authors_mix}
DATA=${TFDS_DATA_DIR:-$HOME/tensorflow_datasets}
SHARED=${GLADNET_SHARED:-../shared}
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
  --model_dir="$RUN/stage17" --init_weights="$RUN/stage15.weights.h5" --steps=450
$BIN/python -m gladnet_tf.train --flagfile=experiments/authors_mix_cpu.flags --data_dir="$DATA" \
  --tfds=gladnet_raw/lowlight_dark:0.5,paired_images:0.5 --seed=2 --loss=l1_ssim \
  --base_lr=0.000025 --decay_rate=0.5 --model_dir="$RUN/stage18" \
  --init_weights="$RUN/stage17/gladnet.weights.h5" --steps=300
$BIN/gladnet-convert --checkpoint "$RUN/stage17/gladnet.weights.h5" --output "$RUN/stage17.npz" --overwrite
$BIN/gladnet-convert --checkpoint "$RUN/stage18/gladnet.weights.h5" --output "$RUN/stage18.npz" --overwrite
rm -f "$RUN/mixed.npz"
$BIN/python experiments/gpu/mix_params.py "$RUN/stage17.npz" "$RUN/stage18.npz" 0.5 "$RUN/mixed.npz"
$BIN/gladnet-convert --checkpoint "$RUN/mixed.npz" --output "$RUN/gladnet.weights.h5" --overwrite
$BIN/python experiments/two_cameras.py "$RUN/gladnet.weights.h5" --lol "$DATA/paired_images/1.1.0"
