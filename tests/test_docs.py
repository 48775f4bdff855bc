"""The docs run: every code block and command in ``docs/*.md`` is executed or checked, so
the docs cannot drift from the code.

Each fenced block is treated by its info string; any other (or none) fails the test:

``python``
    Executed. A block whose first line is a comment naming a file, ``# <dir>/src/<pkg>/x.py``,
    is that file (``# <path> (continued)`` appends to it): every file block of a doc is
    written into the doc's temp directory before anything runs, and compiled. The other
    python blocks run in document order in one namespace (a fresh ``__main__``), in one
    interpreter per doc whose working directory is the doc's temp directory.
``toml``
    Parsed with tomllib. A file block ``# <dir>/pyproject.toml`` with ``[project]`` entry
    points is installed as ``pip install -e <dir>`` would look to GeneLab: a ``.dist-info``
    holding its name, version and entry points in ``<dir>/src`` (or ``<dir>``), which goes on
    ``PYTHONPATH``; the packages its hatch wheel target lists must be files of the doc.
``bash``
    Runnable commands only. After joining ``\\`` continuations and dropping comments and
    blank lines, every line must start with ``genelab `` or ``python ``, and runs as a
    subprocess (``python -m genelab`` / this interpreter) in the doc's temp directory, in
    document order with the doc's python blocks; it must exit 0. There is no shell.
``bash install``
    Installation lines (``pip install ...``) only. They are NOT run: the dev environment has
    the project's distributions, and a doc's own distributions are installed from their
    pyproject file blocks as above.
``text``
    Not executed (directory trees, sample output).

Every ``genelab ...`` line of a text block and every inline ``genelab ...`` code span is
checked against the CLI: its subcommands and options must exist. Everything runs with
``GENELAB_STRICT_PLUGINS=1``, so a broken plugin in a doc is an error, not a warning. A
failure names the doc file and the line of the block or command.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest depends on tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
DOCS_DIR = ROOT / "docs"
DOCS = sorted(DOCS_DIR.glob("*.md"))
LANGUAGES = ("python", "toml", "bash", "bash install", "text")
COMMANDS = ("genelab", "python")
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
FILE_HEADER = re.compile(r"#\s*(?P<path>[\w.-]+(?:/[\w.-]+)*\.(?:py|toml))(?P<continued>\s+\(continued\))?")
INSTALL_LINE = re.compile(r"(python -m )?pip install \S")
INLINE_CODE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
#: Seconds one command may take (a doc as a whole gets the sum of its commands' limits).
COMMAND_TIMEOUT = 300


def rel(path: Path) -> str:
    """``path`` as messages name it: relative to the repository when it is inside."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


@dataclass
class Block:
    """One fenced block: its info string, body and where it starts (the fence's line)."""

    doc: Path
    line: int
    lang: str
    code: str

    @property
    def where(self) -> str:
        return f"{rel(self.doc)}:{self.line}"


@dataclass
class Doc:
    """A doc file split into its fenced blocks and the prose around them."""

    path: Path
    blocks: list[Block] = field(default_factory=list)
    prose: list[tuple[int, str]] = field(default_factory=list)  # (line, text) outside blocks


def parse(path: Path) -> Doc:
    """Split a Markdown file into fenced blocks (dedented to their fence) and prose lines."""
    doc = Doc(path)
    lines = path.read_text().splitlines()
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if match is None:
            doc.prose.append((i + 1, lines[i]))
            i += 1
            continue
        fence, indent = match["fence"], len(match["indent"])
        end = i + 1
        while end < len(lines):
            stripped = lines[end].strip()
            if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                break
            end += 1
        else:
            raise AssertionError(f"{rel(path)}:{i + 1}: code block is never closed")
        body = "\n".join(line[indent:] if not line[:indent].strip() else line
                         for line in lines[i + 1:end])
        doc.blocks.append(Block(path, i + 1, " ".join(match["info"].split()), body + "\n"))
        i = end + 1
    return doc


# -- static checks: block languages, command lines, CLI options --------------------------


@functools.cache
def _cli():
    """The ``genelab`` click command tree (typer's), built without loading any plugin."""
    import typer.main
    from genelab.cli.app import app

    return typer.main.get_command(app)


def cli_problem(argv: list[str]) -> str | None:
    """Why ``genelab ARGS`` names a command or option that does not exist, else ``None``."""
    command = _cli()
    args = argv[1:]
    while hasattr(command, "commands") and args and not args[0].startswith("-"):
        name = args.pop(0)
        if name.startswith("<"):  # a placeholder such as <command>
            return None
        if name not in command.commands:
            return f"genelab has no command '{name}' here (known: {', '.join(command.commands)})"
        command = command.commands[name]
    known = {"--help"}
    for param in command.params:
        if param.param_type_name == "option":
            known.update(param.opts, param.secondary_opts)
    extra = bool(command.context_settings.get("allow_extra_args"))
    for arg in args:
        if not arg.startswith("-") or arg == "-" or arg[1:2].isdigit():
            continue
        option = arg.split("=", 1)[0]
        if extra and option.startswith(("--env.", "--agent.")):
            continue  # a dotted override: checked when the command runs
        if option not in known:
            return f"'{option}' is not an option of genelab {command.name}"
    return None


def command_lines(block: Block) -> list[tuple[int, str]]:
    """(line, command) of a shell block: ``\\`` continuations joined, comments and blank
    lines dropped."""
    found: list[tuple[int, str]] = []
    pending, start = "", 0
    for offset, raw in enumerate(block.code.splitlines()):
        line = raw.strip()
        if not pending:
            start = block.line + 1 + offset
            if not line or line.startswith("#"):
                continue
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        found.append((start, pending + line))
        pending = ""
    if pending:
        found.append((start, pending))
    return found


def paragraphs(doc: Doc) -> list[tuple[int, str]]:
    """(first line, text) of each run of consecutive non-blank prose lines, joined with
    spaces, so that inline code wrapped over two lines is seen whole."""
    found: list[tuple[int, str]] = []
    previous = -1
    for line, text in doc.prose:
        if text.strip() and line == previous + 1 and found:
            found[-1] = (found[-1][0], f"{found[-1][1]} {text.strip()}")
        elif text.strip():
            found.append((line, text.strip()))
        previous = line if text.strip() else -1
    return found


def file_header(block: Block) -> tuple[str, bool] | None:
    """``(path, continued)`` of a file block, or ``None`` for a block that is no file."""
    first = block.code.split("\n", 1)[0].strip()
    match = FILE_HEADER.fullmatch(first)
    if match is None:
        return None
    path = match["path"]
    assert not path.startswith(("/", "..")) and "/../" not in path, f"{block.where}: bad path"
    return path, bool(match["continued"])


def static_problems(doc: Doc) -> list[str]:
    """Every block language, command line and CLI option of ``doc`` that breaks the rules."""
    problems = []
    for block in doc.blocks:
        if block.lang not in LANGUAGES:
            problems.append(f"{block.where}: block language {block.lang or '(none)'!r} is none of "
                            f"{', '.join(LANGUAGES)}")
            continue
        if block.lang == "toml":
            try:
                tomllib.loads(block.code)
            except tomllib.TOMLDecodeError as error:
                problems.append(f"{block.where}: invalid TOML: {error}")
        if block.lang == "bash install":
            for line, text in command_lines(block):
                if not INSTALL_LINE.match(text):
                    problems.append(f"{rel(doc.path)}:{line}: a 'bash install' block holds "
                                    f"pip install lines only, not {text!r}")
        if block.lang == "bash":
            for line, text in command_lines(block):
                try:
                    argv = shlex.split(text, comments=True)
                except ValueError as error:
                    problems.append(f"{rel(doc.path)}:{line}: {error}: {text}")
                    continue
                if not argv or argv[0] not in COMMANDS:
                    problems.append(f"{rel(doc.path)}:{line}: a bash block runs genelab and "
                                    f"python commands only (install lines: 'bash install'), "
                                    f"not {text!r}")
                elif argv[0] == "genelab" and (problem := cli_problem(argv)):
                    problems.append(f"{rel(doc.path)}:{line}: {problem}")
        if block.lang == "text":
            for offset, text in enumerate(block.code.splitlines()):
                if text.startswith("genelab ") and (problem := cli_problem(shlex.split(text, True))):
                    problems.append(f"{rel(doc.path)}:{block.line + 1 + offset}: {problem}")
    for line, text in paragraphs(doc):
        for span in INLINE_CODE.findall(text):
            if span.startswith("genelab "):
                try:
                    argv = shlex.split(span)
                except ValueError:
                    argv = span.split()
                if problem := cli_problem(argv):
                    problems.append(f"{rel(doc.path)}:{line}: `{span}`: {problem}")
    return problems


# -- running a doc -----------------------------------------------------------------------

#: Runs a doc's python blocks and commands in order; the first failure names its line.
RUNNER = textwrap.dedent('''
    import builtins, json, subprocess, sys, time, traceback, types

    def tail(text, limit=4000):
        return text if len(text) <= limit else "..." + text[-limit:]

    def main(steps):
        module = types.ModuleType("__main__")  # the blocks' own module: a script's globals
        module.__builtins__ = builtins
        sys.modules["__main__"] = module
        for step in steps:
            start = time.perf_counter()
            where = step["where"]
            if step["kind"] == "python":
                code = "\\n" * (step["first"] - 1) + step["code"]  # tracebacks: doc lines
                try:
                    exec(compile(code, step["doc"], "exec"), module.__dict__)
                except BaseException:
                    print(f"FAILED {where}: python block\\n{traceback.format_exc()}", flush=True)
                    return 1
                what = "python block"
            else:
                argv = step["argv"]
                run = [sys.executable, *(["-m", "genelab"] if argv[0] == "genelab" else []),
                       *argv[1:]]
                try:
                    done = subprocess.run(run, capture_output=True, text=True,
                                          stdin=subprocess.DEVNULL, timeout=step["timeout"])
                except subprocess.TimeoutExpired:
                    print(f"FAILED {where}: {step['text']}: no exit in {step['timeout']} s",
                          flush=True)
                    return 1
                if done.returncode != 0:
                    print(f"FAILED {where}: {step['text']}: exit {done.returncode}\\n"
                          f"--- stdout\\n{tail(done.stdout)}\\n--- stderr\\n{tail(done.stderr)}",
                          flush=True)
                    return 1
                what = step["text"]
            print(f"ok {time.perf_counter() - start:5.1f} s  {where}  {what}", flush=True)
        return 0

    with open(sys.argv[1]) as handle:
        sys.exit(main(json.load(handle)))
''')


@dataclass
class Plan:
    """What running a doc takes: files to write, installs, and the steps in order."""

    files: dict[str, list[str]] = field(default_factory=dict)  # path -> parts
    origins: dict[str, list[str]] = field(default_factory=dict)  # path -> block locations
    steps: list[dict] = field(default_factory=list)


def plan(doc: Doc) -> Plan:
    """Sort ``doc``'s blocks into files and ordered steps (python blocks and commands)."""
    result = Plan()
    for block in doc.blocks:
        header = file_header(block) if block.lang in ("python", "toml") else None
        if header is not None:
            path, continued = header
            if continued != (path in result.files):
                raise AssertionError(f"{block.where}: '(continued)' marks every block of "
                                     f"{path} but its first")
            body = block.code if not continued else block.code.split("\n", 1)[1]
            result.files.setdefault(path, []).append(body)
            result.origins.setdefault(path, []).append(block.where)
        elif block.lang == "python":
            result.steps.append({"kind": "python", "where": block.where, "doc": str(block.doc),
                                 "first": block.line + 1, "code": block.code})
        elif block.lang == "bash":
            for line, text in command_lines(block):
                result.steps.append({"kind": "command", "where": f"{rel(doc.path)}:{line}",
                                     "text": text, "argv": shlex.split(text, comments=True),
                                     "timeout": COMMAND_TIMEOUT})
    return result


def install(pyproject: Path, where: str) -> Path:
    """Make the distribution of ``pyproject`` visible to ``importlib.metadata`` the way an
    editable install does; return the folder to put on ``PYTHONPATH``."""
    data = tomllib.loads(pyproject.read_text())
    project = data["project"]
    folder = pyproject.parent
    root = folder / "src" if (folder / "src").is_dir() else folder
    packages = data.get("tool", {}).get("hatch", {}).get("build", {}).get("targets", {}).get(
        "wheel", {}).get("packages", [])
    for package in packages:
        assert (folder / package / "__init__.py").is_file(), \
            f"{where}: the wheel package {package} has no __init__.py in the doc"
    name, version = project["name"], project["version"]
    info = root / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    groups = project.get("entry-points", {})
    (info / "entry_points.txt").write_text("".join(
        f"[{group}]\n" + "".join(f"{key} = {value}\n" for key, value in points.items())
        for group, points in groups.items()))
    return root


def prepare(doc: Doc, work: Path) -> tuple[Plan, dict[str, str]]:
    """Write the doc's files into ``work``, install its distributions; the plan and the env."""
    steps = plan(doc)
    for path, parts in steps.files.items():
        target = work / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("".join(parts))
        if path.endswith(".py"):
            try:
                compile(target.read_text(), str(target), "exec")
            except SyntaxError as error:
                raise AssertionError(f"{path} ({', '.join(steps.origins[path])}): {error}") from None
    roots = [str(install(work / path, steps.origins[path][0])) for path in steps.files
             if path.endswith("pyproject.toml")]
    env = {**os.environ, "COLUMNS": "200", "GENELAB_STRICT_PLUGINS": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [*roots, os.environ.get("PYTHONPATH")]))}
    env.pop("GENELAB_DEBUG", None)
    return steps, env


# -- the tests ---------------------------------------------------------------------------


def test_docs_exist() -> None:
    assert (DOCS_DIR / "README.md").is_file() and len(DOCS) > 1


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_doc_is_well_formed(path: Path) -> None:
    """Known block languages, runnable command lines, CLI options that exist."""
    problems = static_problems(parse(path))
    assert not problems, "\n".join(problems)


def run_doc(doc: Doc, work: Path) -> tuple[subprocess.CompletedProcess | None, Plan]:
    """Write and install ``doc``'s files in ``work``, then run its steps in one runner."""
    steps, env = prepare(doc, work)
    if not steps.steps:
        return None, steps
    steps_file = work.parent / f"{work.name}-steps.json"
    steps_file.write_text(json.dumps(steps.steps))
    limit = COMMAND_TIMEOUT * max(1, sum(s["kind"] == "command" for s in steps.steps))
    done = subprocess.run([sys.executable, "-c", RUNNER, str(steps_file)], cwd=work, env=env,
                          capture_output=True, text=True, timeout=limit)
    return done, steps


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_doc_runs(path: Path, tmp_path: Path) -> None:
    """Every python block and command of the doc, in order, in a fresh temp directory."""
    doc = parse(path)
    problems = static_problems(doc)
    assert not problems, "\n".join(problems)
    work = tmp_path / "work"
    work.mkdir()
    done, steps = run_doc(doc, work)
    if done is None:
        return
    print(done.stdout)  # one line per step with its time (pytest -s shows them)
    if done.returncode != 0:
        files = "".join(f"\n  {p} <- {', '.join(o)}" for p, o in steps.origins.items())
        pytest.fail(f"{rel(path)} failed (files of the doc, written to {work}:{files})\n"
                    f"{done.stdout[-8000:]}\n{done.stderr[-3000:]}", pytrace=False)


def test_every_doc_is_in_the_index() -> None:
    index = (DOCS_DIR / "README.md").read_text()
    missing = [p.name for p in DOCS if p.name != "README.md" and f"]({p.name})" not in index]
    assert not missing, f"docs/README.md links no {', '.join(missing)}"


LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lstrip("#").strip().lower())
    return text.replace(" ", "-")


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_links_resolve(path: Path) -> None:
    """Relative links point at files of the repository, anchors at their headings."""
    broken = []
    for line, text in parse(path).prose:
        for match in LINK.finditer(text):
            target = match["target"]
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto:
            file, _, anchor = target.partition("#")
            resolved = (path.parent / file).resolve() if file else path
            if not resolved.exists():
                broken.append(f"{rel(path)}:{line}: {target} does not exist")
            elif anchor and anchor not in {slug(t) for _, t in parse(resolved).prose
                                           if t.startswith("#")}:
                broken.append(f"{rel(path)}:{line}: {target}: no such heading")
    assert not broken, "\n".join(broken)


def test_backend_doc_names_every_public_name() -> None:
    import genelab.rl

    text = (DOCS_DIR / "backend.md").read_text()
    missing = [name for name in genelab.rl.__all__ if f"`{name}" not in text]
    assert not missing, f"docs/backend.md does not mention {', '.join(missing)}"


def test_at_most_one_multi_process_launch_runs() -> None:
    """``--gpus`` launches are slow (torchrun and a process per rank): one in all the docs."""
    launches = [f"{rel(path)}:{line}" for path in DOCS for block in parse(path).blocks
                if block.lang == "bash" for line, text in command_lines(block)
                if "--gpus" in shlex.split(text, comments=True)]
    assert len(launches) <= 1, launches


def test_the_checks_catch_mistakes(tmp_path: Path) -> None:
    """The rules above fail what they should (so nothing escapes silently)."""
    doc = tmp_path / "bad.md"
    doc.write_text("```sh\ngenelab list tasks\n```\n"
                   "Wrapped: `genelab train TASK\n--max-iteration 2`.\n"
                   "```bash\npip install genelab-core\n```\n"
                   "```bash install\ngenelab list tasks\n```\n"
                   "```bash\ngenelab train GeneLab-Cartpole-v0 --max-iteration 2\n```\n"
                   "```toml\n[project\n```\n"
                   "Run `genelab lst tasks`.\n")
    problems = "\n".join(static_problems(parse(doc)))
    for expected in ("'sh' is none of", "not 'pip install genelab-core'",
                     "pip install lines only", "'--max-iteration' is not an option",
                     "invalid TOML", "no command 'lst'", "bad.md:4: `genelab train TASK"):
        assert expected in problems, problems


@pytest.mark.parametrize(("code", "expected"), [
    ("```python\nx = 1\n```\n\n```python\nassert x == 2, 'x is 1'\n```\n",
     ["FAILED {doc}:5: python block", 'File "{doc}", line 6', "AssertionError: x is 1"]),
    ("```bash\npython -c 'pass'\n# a comment\npython -c \\\n  'raise SystemExit(3)'\n```\n",
     ["ok", "FAILED {doc}:4: python -c 'raise SystemExit(3)': exit 3"]),
])
def test_a_failure_names_the_doc_and_line(tmp_path: Path, code: str, expected: list[str]) -> None:
    doc = tmp_path / "failing.md"
    doc.write_text(code)
    work = tmp_path / "work"
    work.mkdir()
    done, _ = run_doc(parse(doc), work)
    assert done is not None and done.returncode == 1
    for text in expected:
        assert text.format(doc=doc) in done.stdout, done.stdout
