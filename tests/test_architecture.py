"""The import contract in setup.cfg: layers only import downwards, only the engine's Whoosh
backend imports Whoosh, and its core knows no backend. Run through import-linter, as CI does."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LINT_IMPORTS = shutil.which("lint-imports")

pytestmark = pytest.mark.skipif(
    LINT_IMPORTS is None, reason="import-linter comes with the test extras"
)


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LINT_IMPORTS, str(root / "setup.cfg"), "--no-cache"],
        cwd=root, capture_output=True, text=True, env={"PYTHONPATH": str(root), "PATH": ""},
        timeout=300,
    )


def copy_of_package(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "searcher", tmp_path / "searcher",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "setup.cfg", tmp_path / "setup.cfg")
    return tmp_path


def test_the_package_keeps_its_import_contracts():
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 5 kept, 0 broken." in result.stdout


# A module in a package the contract once listed, a new top-level module, one that exists
# but was never listed, and one of the engine's core: the wall must stop each of them.
@pytest.mark.parametrize("path, module", [
    ("search/leak.py", "searcher.search.leak"),
    ("engine/leak.py", "searcher.engine.leak"),
    ("leak.py", "searcher.leak"),
    ("__main__.py", "searcher.__main__"),
])
def test_any_module_outside_the_engine_importing_whoosh_breaks_the_wall(tmp_path, path, module):
    root = copy_of_package(tmp_path)
    leak = root / "searcher" / path
    leak.write_text((leak.read_text() if leak.exists() else "") + "import whoosh.query\n")
    result = lint_imports(root)
    assert result.returncode == 1
    assert "searcher is not allowed to import whoosh" in result.stdout
    assert f"{module} -> whoosh" in result.stdout


def test_an_upward_import_breaks_the_layers(tmp_path):
    root = copy_of_package(tmp_path)
    (root / "searcher" / "engine" / "upward.py").write_text(
        "from searcher.search import ranked\n")
    result = lint_imports(root)
    assert result.returncode == 1
    assert "searcher.engine.upward -> searcher.search.ranked" in result.stdout


# The core knows no backend, even through another module; search, indexing and the CLI reach
# the backend only through engine.interface and engine.store.
@pytest.mark.parametrize("path, text, expected", [
    ("engine/format/leak.py", "from searcher.engine.whoosh import reader\n",
     "searcher.engine.format.leak -> searcher.engine.whoosh.reader"),
    ("engine/scoring.py", "from searcher.engine import store\n",
     "searcher.engine.scoring -> searcher.engine.store"),
    ("search/leak.py", "from searcher.engine.whoosh.reader import GenerationReader\n",
     "searcher.search.leak -> searcher.engine.whoosh.reader"),
])
def test_reaching_past_the_engines_interface_breaks_a_contract(tmp_path, path, text, expected):
    root = copy_of_package(tmp_path)
    leak = root / "searcher" / path
    leak.write_text((leak.read_text() if leak.exists() else "") + text)
    result = lint_imports(root)
    assert result.returncode == 1
    assert expected in result.stdout


CORE_WITHOUT_WHOOSH = """
import sys
import numpy as np
import searcher.engine.directory, searcher.engine.fieldnorms, searcher.engine.integrity
import searcher.engine.interface, searcher.engine.rollback, searcher.engine.scoring
from searcher.engine.format import postings, records, stored, terms

values = [0, 1, 300, 70000, 2**31]
unpacked, end = records.unpack_ints(records.pack_ints(values), 0)
assert list(unpacked) == values
area, lengths = postings.encode_positions([2, 1], [3, 4, 9])
counts, deltas = postings.decode_positions(np.frombuffer(area, np.uint8), np.array(lengths))
assert counts.tolist() == [2, 1] and deltas.tolist() == [3, 4, 9]
print(sorted({name.split(".")[0] for name in sys.modules} & {"whoosh"}))
"""


def test_the_engines_core_and_byte_format_load_and_run_without_whoosh():
    result = subprocess.run([sys.executable, "-c", CORE_WITHOUT_WHOOSH], cwd=REPO,
                            capture_output=True, text=True, timeout=60,
                            env={"PYTHONPATH": str(REPO), "PATH": ""})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[]"]
