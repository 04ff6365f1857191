"""A 3x3 stride-1 Conv2D whose kernel gradient is computed on strips, for faster training.

Profiling the mixed_bfloat16 training step at 384x384 (bench/profile_train_step.py) showed
oneDNN's bf16 backward-weights convolution slowing down as the image grows: ~340 GFLOP/s on
128x128 images but ~210 on 384x384 on this CPU, while the forward runs at ~420. Cutting the input
(with a 1-row halo) and the output gradient into strips of at most `strip_rows` rows, stacked
along the batch, gives the same kernel gradient (a sum over positions) at ~340 GFLOP/s. One
gather builds the overlapping input strips and a reshape the output-gradient strips, so the
copies are cheap. (float32's op gains ~1.1x at 384x384, its whole step nothing measurable.)
Small images keep the plain gradient (see MIN_PIXELS). The forward pass and the input gradient
are the plain convolution. On AMX, oneDNN's bf16 kernel gradient is faster whole (the trainer keeps
it there: gladnet_tf/cpu.py).
"""
import math

import keras
import tensorflow as tf

STRIP_ROWS = 32
# bf16, measured: strips break even at 160x160 (1.04x), gain 1.16x at 192x192, 1.40x at 256x256.
MIN_PIXELS = 160 * 160


def strip_kernel_gradient(x, dy, kernel_shape, strip_rows):
    """d(loss)/d(kernel) of a 3x3 stride-1 'same' conv from its input `x` and output gradient `dy`.

    Needs a static height; rows are zero-padded up to whole strips (zeros in `dy` contribute
    nothing, zeros in `x` are the 'same' padding).
    """
    height = x.shape[1]
    strips = math.ceil(height / strip_rows)
    rows = math.ceil(height / strips)
    extra = strips * rows - height
    x = tf.pad(x, [[0, 0], [1, 1 + extra], [1, 1], [0, 0]])
    dy = tf.pad(dy, [[0, 0], [0, extra], [0, 0], [0, 0]])
    halo_rows = [s * rows + r for s in range(strips) for r in range(rows + 2)]
    x_strips = tf.gather(x, halo_rows, axis=1)  # (batch, strips * (rows + 2), width + 2, channels)
    padded_width = tf.shape(x)[2]
    x_strips = tf.reshape(x_strips, [-1, rows + 2, padded_width, tf.shape(x)[3]])
    dy_strips = tf.reshape(dy, [-1, rows, padded_width - 2, tf.shape(dy)[3]])
    return tf.raw_ops.Conv2DBackpropFilter(input=x_strips, filter_sizes=kernel_shape,
                                           out_backprop=dy_strips, strides=[1, 1, 1, 1],
                                           padding="VALID")


@keras.saving.register_keras_serializable(package="gladnet_tf")
class Conv2D(keras.layers.Conv2D):
    """keras.layers.Conv2D (3x3, stride 1, 'same') with its kernel gradient computed on strips.

    Named Conv2D on purpose: Keras derives .weights.h5 paths from class names, so a training
    model built with it saves and loads the same files as the inference model.
    """

    def __init__(self, *args, strip_rows=STRIP_ROWS, **kwargs):
        super().__init__(*args, **kwargs)
        if self.kernel_size != (3, 3) or self.strides != (1, 1) or self.padding != "same":
            raise ValueError("strip_gradient.Conv2D supports only 3x3, stride 1, 'same' convs")
        self.strip_rows = strip_rows

    def convolution_op(self, inputs, kernel):
        height, width = inputs.shape[1], inputs.shape[2]
        if height is None or width is None or height * width <= MIN_PIXELS or height <= self.strip_rows:
            return super().convolution_op(inputs, kernel)

        @tf.custom_gradient
        def conv(x, k):
            def grad(dy):
                dx = tf.raw_ops.Conv2DBackpropInput(input_sizes=tf.shape(x), filter=k,
                                                    out_backprop=dy, strides=[1, 1, 1, 1],
                                                    padding="SAME")
                return dx, strip_kernel_gradient(x, dy, k.shape, self.strip_rows)
            return tf.nn.conv2d(x, k, 1, "SAME"), grad

        return conv(inputs, tf.convert_to_tensor(kernel))  # a tensor: custom_gradient rejects variables

    def get_config(self):
        return {**super().get_config(), "strip_rows": self.strip_rows}
