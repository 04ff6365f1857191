"""The authors' TF1 graph (GLADNet.meta), run in TF2 as the parity oracle and speed baseline."""
import numpy as np
import tensorflow as tf

from gladnet_tf.model import CONV_LAYERS

INPUT_LOW = "input_low:0"
INPUT_HIGH = "input_high:0"
OUTPUT = "FG/conv2d_16/Relu:0"
LOSS = "Mean:0"
TRAIN_OP = "AdamOptimizer"


class OriginalGraph:
    """The imported meta-graph in its own graph and session, with seeded random variables.

    Kernels are He-uniform and biases uniform in [-0.02, 0.1], which keeps most ReLUs active through
    all 17 layers (Glorot kernels and zero biases, the TF1 defaults, leave most outputs at exactly 0
    and the bias mapping untested).
    """

    def __init__(self, meta_path, seed=0, config=None):
        self.graph = tf.Graph()
        with self.graph.as_default():
            tf.compat.v1.train.import_meta_graph(meta_path)
            self.session = tf.compat.v1.Session(graph=self.graph, config=config)
            self.session.run(tf.compat.v1.global_variables_initializer())
            self.variables = {v.op.name: v for v in tf.compat.v1.global_variables()}
        self.randomize(seed)

    def randomize(self, seed):
        rng = np.random.default_rng(seed)
        initializers, feed = [], {}
        for name in self.weight_names():
            var = self.variables[name]
            shape = var.shape.as_list()
            if name.endswith("kernel"):
                limit = np.sqrt(6.0 / (shape[0] * shape[1] * shape[2]))
                value = rng.uniform(-limit, limit, shape)
            else:
                value = rng.uniform(-0.02, 0.1, shape)
            initializers.append(var.initializer)
            feed[var.initial_value] = value.astype(np.float32)
        self.session.run(initializers, feed)

    @staticmethod
    def weight_names():
        return [f"FG/{layer}/{part}" for layer in CONV_LAYERS for part in ("kernel", "bias")]

    def weights(self):
        """{'FG/conv2d/kernel': array, ...} of the current variable values."""
        names = self.weight_names()
        values = self.session.run([self.variables[n] for n in names])
        return dict(zip(names, values))

    def copy_to(self, model):
        """Copies the FG variables into a Keras GLADNet by layer name."""
        weights = self.weights()
        for layer in CONV_LAYERS:
            model.get_layer(layer).set_weights(
                [weights[f"FG/{layer}/kernel"], weights[f"FG/{layer}/bias"]])

    def enhance(self, low):
        return self.session.run(OUTPUT, {INPUT_LOW: low})

    def train_step(self, low, high):
        """Runs the original train op as main.py does; returns the loss of the batch."""
        _, loss = self.session.run([TRAIN_OP, LOSS], {INPUT_LOW: low, INPUT_HIGH: high})
        return loss

    def save(self, prefix):
        """Writes a TF1 checkpoint (.index/.data) like the authors' main.py."""
        with self.graph.as_default():
            return tf.compat.v1.train.Saver().save(self.session, prefix)
