"""SummaryWriter: event files with valid framing and the values written, read back by our decoder."""
import io
import os

import numpy as np
import pytest

import zoo_core as zoo
from zoo_core.utils.tensorboard import SummaryWriter, _events


def _events_of(path):
    raw = open(path, "rb").read()
    return [_events.decode(r) for r in _events.read_records(raw)]


def _values(ev):
    summary = _events.decode(ev[5][0])
    return [_events.decode(v) for v in summary[1]]


def _files(d):
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.startswith("events.out.tfevents"))


def test_crc32c_known_vector():
    assert _events.crc32c(b"123456789") == 0xE3069283


def test_scalars_text_and_framing(tmp_path):
    with SummaryWriter(tmp_path) as w:
        for step in range(3):
            w.add_scalar("loss/train", zoo.tensor(1.0 / (step + 1)), step)
        w.add_text("notes", "hello **world**", 7)
    (path,) = _files(tmp_path)
    events = _events_of(path)
    assert events[0][3] == [b"brain.Event:2"]
    scalars = [(e[2][0], _values(e)[0]) for e in events[1:4]]
    assert [s for s, _ in scalars] == [0, 1, 2]
    assert [v[1][0] for _, v in scalars] == [b"loss/train"] * 3
    np.testing.assert_allclose([v[2][0] for _, v in scalars], [1.0, 0.5, 1 / 3], rtol=1e-6)
    text = _values(events[4])[0]
    assert text[1] == [b"notes/text_summary"]
    assert b"hello **world**" in text[8][0] and b"text" in text[9][0]
    with pytest.raises(ValueError, match="single number"):
        SummaryWriter(tmp_path / "x").add_scalar("bad", zoo.ones(2))


def test_scalars_groups_histogram_and_image(tmp_path):
    w = SummaryWriter(str(tmp_path), flush_secs=0)
    w.add_scalars("run", {"a": 1.0, "b": 2.0}, 5)
    w.add_histogram("weights", zoo.randn(1000), 1)
    w.add_histogram("counts", np.arange(10.0), 2, bins=5)
    w.add_image("img", zoo.rand(3, 8, 6), 0)
    w.add_images("batch", zoo.rand(5, 1, 4, 4), 0)
    with pytest.warns(UserWarning, match="add_graph"):
        w.add_graph(zoo.nn.Linear(2, 2))
    w.close()
    assert sorted(os.listdir(tmp_path)) == sorted(["run_a", "run_b"] + [os.path.basename(p) for p in _files(tmp_path)])
    a = _events_of(_files(tmp_path / "run_a")[0])[1]
    assert _values(a)[0][2][0] == 1.0 and a[2] == [5]
    events = _events_of(_files(tmp_path)[0])
    histo = _events.decode(_values(events[1])[0][5][0])
    assert histo[3][0] == 1000.0 and sum(np.frombuffer(histo[7][0], "<f8")) == 1000
    h2 = _events.decode(_values(events[2])[0][5][0])
    np.testing.assert_array_equal(np.frombuffer(h2[7][0], "<f8"), [0, 2, 2, 2, 2, 2])   # PyTorch's layout
    np.testing.assert_allclose(np.frombuffer(h2[6][0], "<f8"), [0, 1.8, 3.6, 5.4, 7.2, 9.0])
    img = _events.decode(_values(events[3])[0][4][0])
    assert (img[1][0], img[2][0], img[3][0]) == (8, 6, 3)
    from PIL import Image
    assert Image.open(io.BytesIO(img[4][0])).size == (6, 8)
    grid = _events.decode(_values(events[4])[0][4][0])
    assert (grid[1][0], grid[2][0], grid[3][0]) == (4, 20, 3)   # 5 images of 4x4 in one row (up to 8), RGB


def test_review_records_flushed_at_exit_without_close(tmp_path):
    import subprocess
    import sys
    code = ("from zoo_core.utils.tensorboard import SummaryWriter\n"
            f"w = SummaryWriter({str(tmp_path)!r})\n"
            "w.add_scalar('loss', 0.5, 3)\n")
    subprocess.run([sys.executable, "-c", code], check=True)
    (path,) = _files(tmp_path)
    evs = _events_of(path)
    assert len(evs) == 2 and evs[1][2] == [3]


def test_review_image_pixels_truncate_as_pytorch(tmp_path):
    from PIL import Image
    w = SummaryWriter(str(tmp_path))
    w.add_image("half", np.full((2, 2), 0.5), 0, dataformats="HW")
    w.close()
    img = _events.decode(_values(_events_of(_files(tmp_path)[0])[1])[0][4][0])
    assert img[3][0] == 3   # grey written as RGB
    px = np.asarray(Image.open(io.BytesIO(img[4][0])))
    assert px.shape == (2, 2, 3) and (px == 127).all()   # int(0.5 * 255), not rounded
