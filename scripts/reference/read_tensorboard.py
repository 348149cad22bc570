"""Reads a run's TensorBoard event files with the `tensorboard` package's own
reader (EventAccumulator, which checks the TFRecord CRCs and drops the steps a
session-start event supersedes) and prints the scalars as one JSON object:
{tag: [[step, value], ...]}.

Usage: python read_tensorboard.py RUN/tensorboard
"""
import json
import sys

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def main():
    accumulator = EventAccumulator(sys.argv[1], size_guidance={"scalars": 0})
    accumulator.Reload()
    scalars = {tag: [[e.step, e.value] for e in accumulator.Scalars(tag)]
               for tag in accumulator.Tags()["scalars"]}
    print(json.dumps(scalars, sort_keys=True))


if __name__ == "__main__":
    main()
