"""gladnet-enhance-beam: enhance a photo library with Apache Beam, on one machine or a cluster.

    gladnet-enhance-beam --inputs 'photos/**' --output_dir enhanced/
    gladnet-enhance-beam --inputs 'gs://bucket/photos/*.jpg' --output_dir gs://bucket/enhanced \\
        --runner=DataflowRunner --project=P --region=R --temp_location=gs://bucket/tmp

Files are matched through Beam's file systems (local, gs://, s3://, ...), decoded by the rule of
`gladnet-enhance` (imageio), enhanced with RunInference and a ModelHandler that loads the weights
once per worker and runs the same exact tiling, and written with `gladnet-enhance`'s naming,
bit depth and no-overwrite rule: OUTPUT_DIR/<name><suffix>.<format>, so the bytes are the ones
`gladnet-enhance FILE --output-dir OUTPUT_DIR` writes. Unreadable files go to the dead-letter
file (OUTPUT_DIR/_failed.txt, `path: reason` lines); the pipeline finishes. Exit status 1 when
any file failed. Other arguments are Beam pipeline options (--runner, --direct_num_workers, ...).
"""
import argparse
import os
import sys
import tempfile

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.ml.inference.base import ModelHandler, RunInference
from apache_beam.options.pipeline_options import PipelineOptions

from gladnet_tf import imageio

FAILED = "failed"


class GladnetModelHandler(ModelHandler):
    """(path, image, bits) -> (path, enhanced image, bits), one image at a time (any size: big
    photos run tiled). The weights (a local or remote .weights.h5; default: the shipped ones) are
    read once per worker."""

    def __init__(self, weights=None, precision="float32", memory_mb=None, engine="auto"):
        super().__init__()
        self.weights, self.precision, self.memory_mb, self.engine = weights, precision, memory_mb, engine

    def load_model(self):
        from gladnet_tf import engine
        from gladnet_tf.inference import shipped_weights
        weights = self.weights or shipped_weights()
        if not os.path.exists(weights):  # a remote file: copy it to the worker first
            with FileSystems.open(weights) as source, tempfile.NamedTemporaryFile(
                    suffix=".weights.h5", delete=False) as local:
                local.write(source.read())
            weights = local.name
        return engine.load(weights, self.engine, self.precision, self.memory_mb)[0]

    def run_inference(self, batch, model, inference_args=None):
        return [(path, model(image), bits) for path, image, bits in batch]

    def batch_elements_kwargs(self):
        return {"max_batch_size": 1}


def output_path(path, args):
    """gladnet-enhance's name for a file given by pattern: its base name in the output folder."""
    stem = os.path.splitext(path.rstrip("/").split("/")[-1])[0] + args.suffix
    return FileSystems.join(args.output_dir, f"{stem}.{args.format}")


class Decode(beam.DoFn):
    """ReadableFile -> (path, image, bits); skipped (existing output) and failed files counted,
    the failed ones sent to the FAILED output as `path: reason`."""

    def __init__(self, args):
        self.args = args
        self.skipped = Metrics.counter("gladnet", "skipped")
        self.failed = Metrics.counter("gladnet", "failed")

    def process(self, readable):
        path = readable.metadata.path
        if not self.args.overwrite and FileSystems.exists(output_path(path, self.args)):
            self.skipped.inc()
            return
        try:
            image, bits = imageio.decode_image(readable.read(), path)
        except imageio.ImageError as error:
            self.failed.inc()
            yield beam.pvalue.TaggedOutput(FAILED, str(error))
            return
        yield path, image, bits


class Write(beam.DoFn):
    """(path, enhanced, bits) -> the output file, written to a temporary name and renamed."""

    def __init__(self, args):
        self.args = args
        self.done = Metrics.counter("gladnet", "done")

    def process(self, element):
        path, image, bits = element
        target = output_path(path, self.args)
        encoded = imageio.encode_image(image, target, 16 if self.args.bits == 16 and bits == 16 else 8)
        staging = FileSystems.join(self.args.output_dir, f".tmp-{os.path.basename(target)}-{os.getpid()}")
        with FileSystems.create(staging) as handle:
            handle.write(encoded.tobytes())
        if FileSystems.exists(target):
            FileSystems.delete([target])
        FileSystems.rename([staging], [target])
        self.done.inc()
        yield target


def build(pipeline, args):
    """The pipeline: match, read, decode, RunInference, write; failures to the dead-letter file."""
    decoded = (pipeline
               | "Patterns" >> beam.Create(args.inputs)
               | "Match" >> fileio.MatchAll()
               | "Supported" >> beam.Filter(lambda m: imageio.is_supported(m.path))
               | "Read" >> fileio.ReadMatches()
               | "Decode" >> beam.ParDo(Decode(args)).with_outputs(FAILED, main="images"))
    written = (decoded.images
               | "Enhance" >> RunInference(GladnetModelHandler(
                   args.weights, args.precision, args.memory_mb, args.engine))
               | "Write" >> beam.ParDo(Write(args)))
    (decoded[FAILED]
     | "Sort" >> beam.combiners.ToList()
     | "Lines" >> beam.FlatMap(sorted)
     | "DeadLetter" >> beam.io.WriteToText(FileSystems.join(args.output_dir, "_failed"),
                                           file_name_suffix=".txt", shard_name_template=""))
    return written


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="gladnet-enhance-beam", description=__doc__.splitlines()[0],
                                     epilog="\n".join(__doc__.splitlines()[2:]),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", nargs="+", required=True,
                        help="file patterns (Beam's: local, gs://, s3://; ** matches subfolders)")
    parser.add_argument("--output_dir", required=True)
    parser.add_argument("--suffix", default="")
    parser.add_argument("--format", choices=("png", "jpg", "tif"), default="png")
    parser.add_argument("--bits", type=int, choices=(8, 16), default=8)
    parser.add_argument("--overwrite", action="store_true")
    parser.add_argument("--weights", help="Keras .weights.h5, local or remote (default: shipped)")
    parser.add_argument("--precision", choices=("auto", "float32", "bfloat16"), default="auto",
                        help="as gladnet-enhance's, decided on each worker's CPU")
    parser.add_argument("--engine", choices=("auto", "tf", "tflite"), default="auto",
                        help="as gladnet-enhance's, decided on each worker's CPU")
    parser.add_argument("--memory_mb", type=int)
    args, beam_args = parser.parse_known_args(argv)
    if args.bits == 16 and args.format == "jpg":
        parser.error("--bits 16 needs --format png or tif")
    if args.engine == "tflite" and args.precision == "bfloat16":
        parser.error("--engine tflite runs float32 only")
    return args, beam_args


def main(argv=None):
    args, beam_args = parse_args(argv)
    pipeline = beam.Pipeline(options=PipelineOptions(beam_args))
    build(pipeline, args)
    result = pipeline.run()
    result.wait_until_finish()
    counts = {}
    for name in ("done", "skipped", "failed"):
        query = result.metrics().query(beam.metrics.MetricsFilter().with_namespace("gladnet").with_name(name))
        counts[name] = sum(c.committed or c.attempted or 0 for c in query["counters"])
    if counts["failed"]:
        with FileSystems.open(FileSystems.join(args.output_dir, "_failed.txt")) as handle:
            sys.stderr.write(handle.read().decode())
    print(f"done {counts['done']}, skipped {counts['skipped']}, failed {counts['failed']}")
    return 1 if counts["failed"] else 0


def run():
    sys.exit(main())


if __name__ == "__main__":
    run()
