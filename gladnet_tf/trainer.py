"""Loss, optimizer and learning-rate schedule of the original, and the one training step."""
import keras
import tensorflow as tf

# The original multiplies (output - target) by these weights along the channel axis. They are
# the BT.601 luma weights in B, G, R order, but the network works on RGB (PIL-loaded images), so
# R is weighted 0.11448 and B 0.29891. Kept as the code applies them: that is what was trained.
CHANNEL_WEIGHTS = (0.11448, 0.58661, 0.29891)

BASE_LR = 1e-3
DECAY_STEPS = 100
DECAY_RATE = 0.96
ADAM_EPSILON = 1e-8  # TF1's default; Keras' default is 1e-7


def weighted_l1_loss(output, target):
    """Mean over all elements of |output - target| weighted per channel, as the original."""
    weights = tf.constant(CHANNEL_WEIGHTS, output.dtype)
    return tf.reduce_mean(tf.abs((output - target) * weights))


def learning_rate_schedule(base_lr=BASE_LR, decay_steps=DECAY_STEPS, decay_rate=DECAY_RATE):
    """lr * decay_rate ** (step / decay_steps), continuous (not staircase), as TF1's exponential_decay."""
    return keras.optimizers.schedules.ExponentialDecay(base_lr, decay_steps, decay_rate)


def make_optimizer(learning_rate=None, mixed_float16=False):
    """Adam as TF1's AdamOptimizer (beta 0.9/0.999, epsilon 1e-8); loss scaling for float16."""
    optimizer = keras.optimizers.Adam(
        learning_rate if learning_rate is not None else learning_rate_schedule(),
        beta_1=0.9, beta_2=0.999, epsilon=ADAM_EPSILON)
    if mixed_float16:
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def train_step(model, optimizer, low, high):
    """One optimisation step on a (per-replica) batch; returns the batch's mean loss.

    Works inside `strategy.run`: the loss is divided by the replica count before the gradient, so
    the summed gradients equal those of the global batch's mean loss.
    """
    replicas = tf.distribute.get_replica_context().num_replicas_in_sync
    with tf.GradientTape() as tape:
        output = tf.cast(model(low, training=True), tf.float32)
        loss = weighted_l1_loss(output, tf.cast(high, tf.float32))
        scaled = optimizer.scale_loss(loss / replicas)
    gradients = tape.gradient(scaled, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return loss
