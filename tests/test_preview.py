"""Issue 14 item 4: ``mrcschema preview FILE [-o out.png]``, tested by decoding the PNG and comparing
its pixels with the data it shows (contrast recomputed here from the percentiles)."""

import os
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import CORPUS, REPO

import mrcschema
from mrcschema.cli.main import main
from mrcschema.preview import render as preview

Image = pytest.importorskip("PIL.Image")


def expected_grey(values, lo, hi):
    values = np.asarray(values, dtype=np.float64)
    if hi <= lo:  # a flat picture: black
        return np.zeros(values.shape, dtype=np.uint8)
    scaled = np.nan_to_num(np.clip((values - lo) / (hi - lo), 0.0, 1.0), nan=0.0)
    return np.rint(scaled * 255.0).astype(np.uint8)


def limits_of(*images, percentiles=(0.5, 99.5)):
    values = np.concatenate([np.asarray(i, dtype=np.float64).ravel() for i in images])
    lo, hi = np.percentile(values[np.isfinite(values)], percentiles)
    return lo, hi


def panels_of(png, picture):
    """The panels as decoded from the PNG file, each reduced by its zoom to one pixel per value."""
    pixels = np.asarray(Image.open(png))
    assert pixels.shape == picture.pixels.shape and (pixels == picture.pixels).all()
    out = []
    for top, left, height, width, zoom in picture.boxes:
        tile = pixels[top:top + height, left:left + width]
        assert (tile == np.repeat(np.repeat(tile[::zoom, ::zoom], zoom, 0), zoom, 1)).all()
        out.append(tile[::zoom, ::zoom])
    return out


def write_picture(path, tmp_path, **options):
    with mrcschema.open(path, permissive=True) as f:
        picture = preview.render(f, **options)
    return preview.write_png(picture, tmp_path / "out.png"), picture


def test_volume_shows_its_central_section(tmp_path):
    path = CORPUS / "mrcfile" / "EMD-3001.map"
    png, picture = write_picture(path, tmp_path)
    with mrcschema.open(path) as f:
        section = np.array(f.data[f.data.shape[0] // 2])
    (shown,) = panels_of(png, picture)
    lo, hi = limits_of(section)
    assert picture.limits == ((pytest.approx(lo), pytest.approx(hi)),)
    np.testing.assert_array_equal(shown, expected_grey(section, lo, hi))
    assert "shown: central section 12 of 25" in picture.caption
    assert any("space group P 1 21 1: 73 x 43 x 25 float32 (mode 2)" in line for line in picture.caption)


def test_montage_of_sections_shares_one_contrast(tmp_path):
    path = CORPUS / "mrcfile" / "EMD-3197.map"
    png, picture = write_picture(path, tmp_path, montage=True)
    with mrcschema.open(path) as f:
        chosen = sorted(set(np.linspace(0, 19, 9).round().astype(int)))
        sections = [np.array(f.data[i]) for i in chosen]
    lo, hi = limits_of(*sections)
    shown = panels_of(png, picture)
    assert len(shown) == 9 and [p.title for p in picture.panels] == [f"section {i}" for i in chosen]
    for tile, section in zip(shown, sections):
        np.testing.assert_array_equal(tile, expected_grey(section, lo, hi))


def test_stack_shows_its_first_frames_and_large_frames_are_sampled(tmp_path):
    data = np.random.default_rng(3).normal(size=(10, 600, 1000)).astype(np.float32)
    path = tmp_path / "stack.mrc"
    mrcschema.write(path, data, voxel_size=2.0)
    png, picture = write_picture(path, tmp_path)
    step = picture.panels[0].step
    assert step == 3  # 2 x 2 panels in 768 px: 3 x 3 blocks of 1000
    frames = [block_means(data[i], step) for i in range(4)]
    lo, hi = limits_of(*frames)
    for tile, frame in zip(panels_of(png, picture), frames):
        np.testing.assert_array_equal(tile, expected_grey(frame, lo, hi))
    assert "shown: frames 0-3 of 10, 3 x 3 pixels averaged" in picture.caption


def block_means(image, step):
    """The reference reduction: the mean of each whole step x step block."""
    rows, columns = image.shape[0] // step, image.shape[1] // step
    blocks = image[:rows * step, :columns * step].astype(np.float64)
    return blocks.reshape(rows, step, columns, step).mean(axis=(1, 3))


def test_a_large_image_is_reduced_by_area_averaging_not_decimation(tmp_path):
    """EPU 4096^2 shown at 683^2: the preview matches 6 x 6 block means (the particles), while every
    6th pixel alone is shot noise, nearly uncorrelated with them."""
    path = CORPUS / "mrcfile" / "epu2.9_example.mrc"
    _, picture = write_picture(path, tmp_path)
    shown, step = picture.panels[0].image, picture.panels[0].step
    with mrcschema.open(path) as f:
        data = np.asarray(f.data)
    reference = block_means(data, step)
    decimated = data[::step, ::step][:reference.shape[0], :reference.shape[1]].astype(np.float64)
    assert step == 6 and shown.shape == reference.shape
    ours = np.corrcoef(shown.ravel(), reference.ravel())[0, 1]
    theirs = np.corrcoef(decimated.ravel(), reference.ravel())[0, 1]
    assert ours == pytest.approx(1.0) and theirs < 0.5 and ours > 2 * theirs
    assert "6 x 6 pixels averaged" in picture.caption[2]


def test_4dstem_scan_is_a_virtual_image_on_the_scan_grid(tmp_path):
    """The virtual image is the sum of each frame placed as the HyperSpy reader places them."""
    for name in ("20241021_00405_movie.mrc", "ROI_Random_Scan_movie.mrc", "Custom_movie.mrc"):
        movie = CORPUS / "rsciio" / name
        png, picture = write_picture(movie, tmp_path)
        data = np.asarray(mrcschema.file_reader(movie)[0]["data"], dtype=np.float64)
        expected = data.sum(axis=(-2, -1))
        if expected.ndim == 3:  # repeated positions: the repeats summed
            expected = expected.sum(axis=0)
        virtual, mean = panels_of(png, picture)
        aspect = picture.panels[0].aspect  # the scan's y step / x step: rows drawn to scale
        zoom = picture.boxes[0][4]
        rows = (np.arange(virtual.shape[0]) * zoom / aspect).astype(int) // zoom
        assert virtual.shape[0] == round(expected.shape[0] * aspect)
        np.testing.assert_array_equal(virtual, expected_grey(expected, *limits_of(expected))[rows])
        with mrcschema.open(movie) as f:
            frames = np.asarray(f.data, dtype=np.float64)
        mean_frame = frames.mean(axis=0)
        np.testing.assert_allclose(picture.panels[1].image, mean_frame)
        np.testing.assert_array_equal(mean, expected_grey(mean_frame, *limits_of(mean_frame)))
        assert picture.caption[2].startswith("shown: virtual image of the")


def test_scale_bar_follows_the_voxel_size(tmp_path):
    data = np.arange(40 * 50, dtype=np.float32).reshape(40, 50)
    path = tmp_path / "image.mrc"
    mrcschema.write(path, data, voxel_size=12.5)
    png, picture = write_picture(path, tmp_path)
    length, label, pixels = picture.scale_bar
    zoom = picture.boxes[0][4]
    assert zoom == 5 and length == 100.0 and label == "10 nm"  # 250 px of 2.5 Å: a quarter is 156 Å
    assert pixels == round(length / (12.5 / zoom))
    image = np.asarray(Image.open(png))
    row = picture.boxes[0][0] + picture.boxes[0][2] + preview.MARGIN + 4
    lit = np.flatnonzero(image[row] == preview.TEXT)
    assert lit[0] == preview.MARGIN and (lit[:pixels] == np.arange(preview.MARGIN, preview.MARGIN + pixels)).all()


def test_a_100_gb_sparse_file_previews_in_the_time_of_a_small_one(tmp_path):
    big = mrcschema.new(tmp_path / "big.mrc", (1600, 4096, 4096), "float32", volume=True)  # 100 GiB, a hole
    big.close(update_stats=False)
    small = mrcschema.new(tmp_path / "small.mrc", (3, 4096, 4096), "float32", volume=True)
    small.close(update_stats=False)
    assert os.path.getsize(tmp_path / "big.mrc") > 100 << 30

    def timed(name):
        start = time.perf_counter()
        preview.preview_file(tmp_path / name, tmp_path / f"{name}.png")
        return time.perf_counter() - start

    timed("small.mrc")  # warm up imports
    small_time, big_time = timed("small.mrc"), timed("big.mrc")
    assert big_time < max(3 * small_time, 1.0), (small_time, big_time)


def test_cli_preview_writes_the_png(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["preview", str(CORPUS / "mrcfile" / "emd_3001.map.gz")]) == 0
    assert capsys.readouterr().out == "emd_3001.png\n" and Image.open(tmp_path / "emd_3001.png").format == "PNG"
    assert main(["preview", "--montage", "--frames", "4", "--percentiles", "0", "100", "--size", "200", "-o",
                 str(tmp_path / "m.png"), str(CORPUS / "mrcfile" / "EMD-3197.map")]) == 0
    with Image.open(tmp_path / "m.png") as image:
        pixels = np.asarray(image)
    assert pixels.max() == 255 and pixels.min() == 0
    assert main(["preview", "--section", "99", str(CORPUS / "mrcfile" / "EMD-3197.map")]) == 2
    err = capsys.readouterr().err
    assert err == (f"mrcschema preview: {CORPUS / 'mrcfile' / 'EMD-3197.map'}: section: section 99 does not exist: "
                   "the data has 20 sections (0 to 19)\n")


def test_cli_preview_errors_are_one_line(tmp_path):
    from crafting import valid_header, write_file

    empty = write_file(tmp_path / "empty.mrc", valid_header(nz=0), b"")
    text = tmp_path / "notes.mrc"
    text.write_text("not an MRC file " * 100)
    for target, message in ((empty, "no data to preview: the data block is empty"), (text, "not an MRC file"),
                            (tmp_path / "missing.mrc", "No such file")):
        result = subprocess.run([sys.executable, "-m", "mrcschema", "preview", str(target), "-o", str(tmp_path / "x.png")],
                                capture_output=True, text=True, cwd=REPO)
        assert result.returncode == 2 and result.stdout == "" and message in result.stderr
        assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr


def test_preview_without_pillow_names_the_extra(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "PIL", None)
    assert main(["preview", str(CORPUS / "mrcfile" / "EMD-3197.map"), "-o", str(tmp_path / "x.png")]) == 2
    assert "preview needs Pillow: pip install 'mrcschema[preview]'" in capsys.readouterr().err


def test_rgb_and_complex_data(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    path = tmp_path / "rgb.mrc"
    from crafting import valid_header, write_file

    write_file(path, valid_header(nx=30, ny=20, nz=1, mode=16, mz=1), rgb.tobytes())
    png, picture = write_picture(path, tmp_path)
    (shown,) = panels_of(png, picture)
    np.testing.assert_array_equal(shown, rgb)
    z = (np.arange(12.0).reshape(3, 4) * (1 + 1j)).astype(np.complex64)
    mrcschema.write(tmp_path / "c.mrc", z)
    png, picture = write_picture(tmp_path / "c.mrc", tmp_path)
    (shown,) = panels_of(png, picture)
    np.testing.assert_array_equal(shown, expected_grey(np.abs(z), *limits_of(np.abs(z))))


def test_readme_documents_preview():
    readme = (REPO / "README.md").read_text()
    for text in ("mrcschema preview", 'pip install ".[preview]"', "--montage", "--percentiles", "--section"):
        assert text in readme
