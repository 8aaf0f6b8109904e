"""Write the bundled example files with CCP-EM's ``mrcfile`` (an independent writer).

Run ``python examples/make_examples.py`` to regenerate ``examples/*.mrc``; the test
suite checks that the committed files are what this script writes.
"""

from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def example_volume():
    """A 24 x 20 x 16 float32 volume: a Gaussian blob, voxel 1.5 Å, one label."""
    z, y, x = np.mgrid[0:16, 0:20, 0:24].astype(np.float32)
    return np.exp(-((x - 12) ** 2 + (y - 10) ** 2 + (z - 8) ** 2) / 30.0).astype(np.float32)


def write_examples(folder=HERE):
    import mrcfile

    path = Path(folder) / "tiny_volume.mrc"
    with mrcfile.new(path, overwrite=True) as mrc:
        mrc.set_data(example_volume())
        mrc.set_volume()
        mrc.voxel_size = 1.5
        mrc.header.origin = (3.0, 4.5, 6.0)
        mrc.header.label[0] = b"mrcschema example volume written by mrcfile"
        mrc.header.nlabl = 1
    return [path]


if __name__ == "__main__":
    for p in write_examples():
        print(p)
