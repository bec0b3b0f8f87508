"""python app.py build-static: a folder it cannot write is one `error:` line and exit status 2, no traceback (the
site itself is checked in a browser by tests/test_static_site_browser.py)."""
from pathlib import Path

import pytest


def test_an_unwritable_folder_is_one_error_line(capsys, tmp_path):
    import app

    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    with pytest.raises(SystemExit) as stop:
        app.build_static(Path(blocker) / "site")
    err = capsys.readouterr().err.strip().splitlines()
    assert stop.value.code == 2 and len(err) == 1 and err[0].startswith("error: cannot write the static site to ")
    assert app.parse_args(["build-static", "--out", "x"]).out == Path("x")
