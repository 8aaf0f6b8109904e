"""OME-NGFF 0.4 image metadata (``multiscales``), built and validated with ``ome-zarr-models``.

0.4 is the version the CZ cryo-ET data portal publishes and that napari-ome-zarr, Neuroglancer,
ome-zarr-py and the OME validator read today; 0.5 needs Zarr v3 (zarr-python 3), which the test
environment cannot have beside RosettaSciIO (it pins ``zarr<3``).
"""

from __future__ import annotations

from .axes import Axis

NGFF_VERSION = "0.4"


def level_transforms(axes: list[Axis], halve: tuple[bool, ...], level: int) -> list[dict]:
    """The ``coordinateTransformations`` of pyramid level ``level``: the scale doubles along the
    halved axes at each level, and the translation moves to the centre of the block of level-0
    voxels one voxel averages (``(2**level - 1) / 2`` level-0 voxels on)."""
    scale, translation = [], []
    for axis, halved in zip(axes, halve):
        factor = 2 ** level if halved else 1
        scale.append(axis.scale * factor)
        translation.append(axis.translation + (factor - 1) / 2 * axis.scale)
    transforms: list[dict] = [{"type": "scale", "scale": scale}]
    if any(translation):
        transforms.append({"type": "translation", "translation": translation})
    return transforms


def multiscales(axes: list[Axis], halve: tuple[bool, ...], levels: int, name: str) -> dict:
    """The ``multiscales`` attribute of the image group, as ome-zarr-models' :class:`ImageAttrs`
    validates it (it raises ``pydantic.ValidationError`` on anything NGFF 0.4 forbids)."""
    from ome_zarr_models.v04.image import ImageAttrs

    described = []
    for axis in axes:
        entry: dict = {"name": axis.name, "type": axis.type}
        if axis.unit is not None:
            entry["unit"] = axis.unit
        described.append(entry)
    attrs = {"multiscales": [{
        "version": NGFF_VERSION,
        "name": name,
        "axes": described,
        "datasets": [{"path": str(level), "coordinateTransformations": level_transforms(axes, halve, level)}
                     for level in range(levels)],
        "type": "mean",
        "metadata": {"method": "mrcschema.convert.pyramid.downsample",
                     "description": "area average over 2 voxels along each halved axis"},
    }]}
    return ImageAttrs.model_validate(attrs).model_dump(mode="json", exclude_none=True)
