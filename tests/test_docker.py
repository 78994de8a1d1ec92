"""The deployment files, checked without a Docker engine.

- ``docker/compose.yaml`` validates against the Compose Specification JSON schema (the copy
  shipped in the ``check-jsonschema`` package, a dev dependency: no network needed), and
  follows slawatch's rules: the worker services run ``slawatch worker`` with the embedded
  demo's topics and settings, with a health check on Faust's web endpoint.
- ``docker/Dockerfile`` passes a small lint written here (:func:`lint_dockerfile`).
- ``docker/requirements.lock`` pins every runtime dependency with ``==``.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import sys
import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
DOCKER = ROOT / "docker"
COMPOSE = DOCKER / "compose.yaml"
DOCKERFILE = DOCKER / "Dockerfile"
LOCK = DOCKER / "requirements.lock"
HEALTH_URL = "http://127.0.0.1:6066/"
DEV_ONLY = {"pytest", "pytest-timeout", "hypothesis", "ruff", "businesstime", "pandas", "numpy"}
DEV_ONLY |= {"jsonschema", "check-jsonschema", "pluggy", "iniconfig"}


# == the Compose file ==============================================================================


def compose_schema() -> dict[str, Any]:
    """The Compose Specification schema as shipped by check-jsonschema (read as a file: the
    package itself is not imported)."""
    dist = metadata.distribution("check-jsonschema")
    path = Path(str(dist.locate_file("check_jsonschema/builtin_schemas/vendor/compose-spec.json")))
    return json.loads(path.read_text(encoding="utf-8"))


def validate_compose(doc: Any) -> list[str]:
    """The schema's complaints about a Compose document (empty: valid)."""
    import jsonschema

    schema = compose_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    errors = sorted(cls(schema).iter_errors(doc), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def _workers(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: svc
        for name, svc in compose["services"].items()
        if isinstance(svc.get("command"), list) and svc["command"][:1] == ["worker"]
    }


def test_compose_schema_is_the_compose_specification() -> None:
    schema = compose_schema()
    assert schema["title"] == "Compose Specification"
    assert "services" in schema["properties"]


def test_compose_validates_against_the_specification(compose: dict[str, Any]) -> None:
    assert validate_compose(compose) == []


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["services"]["worker-1"].__setitem__("helthcheck", {}),
        lambda d: d["services"]["worker-1"].__setitem__("restart", ["no"]),
        lambda d: d["services"]["redis"].__setitem__("depends_on", 5),
        lambda d: d.__setitem__("servicez", {}),
    ],
)
def test_the_schema_catches_mistakes(compose: dict[str, Any], mutate: Any) -> None:
    doc = json.loads(json.dumps(compose))
    mutate(doc)
    assert validate_compose(doc) != []


def test_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["kafka"]["image"] == "apache/kafka:3.9.0"
    kafka_env = services["kafka"]["environment"]
    assert "controller" in kafka_env["KAFKA_PROCESS_ROLES"]  # KRaft, no ZooKeeper
    assert "broker" in kafka_env["KAFKA_PROCESS_ROLES"]
    assert not any("zookeeper" in name for name in services)
    assert services["redis"]["image"].startswith("redis:7")
    assert "--requirepass" in services["redis"]["command"]
    for name, svc in services.items():
        image = svc.get("image", "")
        tag = image.rsplit(":", 1)[-1] if ":" in image.split("/")[-1] else ""
        assert tag and tag != "latest", f"{name}: image {image!r} is not pinned to a tag"
        assert "healthcheck" in svc or svc.get("restart") == "no", f"{name}: no health check"


def test_two_workers_run_slawatch_worker(compose: dict[str, Any]) -> None:
    workers = _workers(compose)
    assert len(workers) >= 2
    entrypoint = _instructions_of(DOCKERFILE, "ENTRYPOINT")[-1]
    assert json.loads(entrypoint) == ["slawatch"]
    for name, svc in workers.items():
        assert "entrypoint" not in svc, name  # the image's: slawatch
        cmd = svc["command"]
        assert cmd[0] == "worker"
        assert cmd[cmd.index("--web-port") + 1] == "6066", name
        assert cmd[cmd.index("--web-bind") + 1] == "0.0.0.0", name
        health = svc["healthcheck"]["test"]
        assert health[0] == "CMD" and HEALTH_URL in " ".join(health), name
        assert svc["depends_on"]["kafka"]["condition"] == "service_healthy"
        assert svc.get("stop_grace_period"), f"{name}: SIGTERM needs time to drain"
        metrics = svc["environment"]["SLAWATCH_METRICS_PORT"]
        assert any(str(p).endswith(f":{metrics}") for p in svc["ports"]), name
    # each worker its own state volume
    data = [
        next(v for v in svc["volumes"] if "/var/lib/slawatch/data" in str(v))
        for svc in workers.values()
    ]
    assert len(set(map(str, data))) == len(data)


def _demo_worker_env(tmp_path: Path) -> dict[str, str]:
    from streams.demo.live import LiveDemo

    demo = LiveDemo()
    demo.kafka = SimpleNamespace(bootstrap="127.0.0.1:9092")  # type: ignore[attr-defined]
    demo.redis = SimpleNamespace(url="redis://127.0.0.1:6379/0")  # type: ignore[attr-defined]
    demo.workdir = tmp_path
    return demo._worker_env()


def test_workers_use_the_demo_topics_settings_and_policies(
    compose: dict[str, Any], tmp_path: Path
) -> None:
    demo = _demo_worker_env(tmp_path)
    for name, svc in _workers(compose).items():
        env = svc["environment"]
        assert env.get("SLAWATCH_TOPIC_PREFIX", "") == demo.get("SLAWATCH_TOPIC_PREFIX", ""), name
        assert env["SLAWATCH_PARTITIONS"] == demo["SLAWATCH_PARTITIONS"], name
        assert env["SLAWATCH_READ_MODEL"] == demo["SLAWATCH_READ_MODEL"], name
        assert env["SLAWATCH_BROKERS"] == "kafka:9092"
        assert re.fullmatch(
            r"redis://:\$\{REDIS_PASSWORD[^}]*\}@redis:6379/0", env["SLAWATCH_REDIS_URL"]
        )
        mounts = {m["target"]: m for m in svc["volumes"] if isinstance(m, dict)}
        tenants = mounts[env["SLAWATCH_TENANTS_FILE"]]
        # the same file (the installed demo reads the copy shipped under share/slawatch/)
        assert (DOCKER / tenants["source"]).read_bytes() == Path(
            demo["SLAWATCH_TENANTS_FILE"]
        ).read_bytes()
        policies = mounts[env["SLAWATCH_POLICIES_DIR"]]
        assert (DOCKER / policies["source"]).resolve() == ROOT / "policies"
        assert tenants["read_only"] and policies["read_only"]


def test_all_slawatch_services_share_the_settings(compose: dict[str, Any]) -> None:
    """The topic init and demo traffic services see the same topics as the workers."""
    envs = [
        svc["environment"]
        for svc in compose["services"].values()
        if "SLAWATCH_BROKERS" in (svc.get("environment") or {})
    ]
    assert len(envs) >= 4  # topics, 2 workers, traffic
    assert all(env == envs[0] for env in envs)


def test_settings_in_compose_are_valid(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from models.settings import Settings

    env = next(iter(_workers(compose).values()))["environment"]
    for key, value in env.items():
        monkeypatch.setenv(key, re.sub(r"\$\{(\w+):-([^}]*)\}", r"\2", str(value)))
    s = Settings()
    assert s.partitions == 4 and s.topic("sla.breaches") == "sla.breaches"


def test_demo_traffic_is_optional(compose: dict[str, Any]) -> None:
    traffic = compose["services"]["traffic"]
    assert traffic["profiles"] == ["demo"]
    assert traffic["command"][0] == "produce"
    target = traffic["command"][1]
    mount = next(m for m in traffic["volumes"] if target.startswith(m["target"] + "/"))
    assert (DOCKER / mount["source"] / target.removeprefix(mount["target"] + "/")).resolve() == (
        ROOT / "examples" / "events.jsonl"
    )
    for name, svc in compose["services"].items():
        if name != "traffic":
            assert "profiles" not in svc, f"{name} must start by default"


def test_topics_are_created_once_before_the_workers(compose: dict[str, Any]) -> None:
    topics = compose["services"]["topics"]
    assert "ensure_topics" in " ".join(topics["command"])
    for svc in _workers(compose).values():
        assert svc["depends_on"]["topics"]["condition"] == "service_completed_successfully"


# == the Dockerfile ================================================================================


@dataclass(frozen=True)
class Instruction:
    line: int
    keyword: str
    args: str


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions with their continuation lines joined; comments and blank lines dropped."""
    out: list[Instruction] = []
    buf: list[str] = []
    start = 0
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if buf and line.startswith("#"):
            continue  # a comment inside a continued instruction
        if not buf:
            start = n
        if line.endswith("\\"):
            buf.append(line[:-1].strip())
            continue
        buf.append(line)
        joined = " ".join(p for p in buf if p)
        keyword, _, args = joined.partition(" ")
        out.append(Instruction(start, keyword.upper(), args.strip()))
        buf = []
    if buf:
        raise ValueError("Dockerfile ends inside a continued instruction")
    return out


def _instructions_of(path: Path, keyword: str) -> list[str]:
    return [i.args for i in parse_dockerfile(path.read_text()) if i.keyword == keyword]


def _pip_installs(args: str) -> list[list[str]]:
    """The argument lists of each ``pip install`` in a RUN (split on ``&&``/``;``)."""
    found = []
    for part in re.split(r"&&|;|\|\|", args):
        words = shlex.split(part)
        for i, w in enumerate(words[:-1]):
            if (w == "pip" or w.endswith("/pip") or w.endswith("/pip3")) and words[
                i + 1
            ] == "install":
                found.append(words[i + 2 :])
            elif w == "-m" and words[i + 1] == "pip" and words[i + 2 : i + 3] == ["install"]:
                found.append(words[i + 3 :])
    return found


def hadolint(text: str) -> list[str]:
    """hadolint's findings (``CODE line``) on a Dockerfile's text: the well-kept linter's
    rules (pinned base images, no ``latest``, a non-root last USER, COPY not ADD, exec-form
    CMD, ``pip install --no-cache-dir``, …), with the pragmas the file carries."""
    import shutil
    import subprocess

    exe = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    r = subprocess.run(
        [exe, "--no-color", "-f", "json", "-"], input=text, capture_output=True, text=True
    )
    if r.returncode not in (0, 1):
        raise RuntimeError(r.stderr)
    return [f"{f['code']} {f['line']}" for f in json.loads(r.stdout or "[]")]


def project_rules(text: str, lock_name: str = "requirements.lock") -> list[str]:
    """slawatch's own rules hadolint has no opinion on: the final stage has a HEALTHCHECK
    (not ``NONE``), and every ``pip install`` installs against the lock file (``-r``/``-c``)."""
    problems: list[str] = []
    instructions = parse_dockerfile(text)
    starts = [i for i, ins in enumerate(instructions) if ins.keyword == "FROM"]
    final = instructions[starts[-1] :] if starts else []
    health = [i for i in final if i.keyword == "HEALTHCHECK"]
    if not health or health[-1].args.upper().startswith("NONE"):
        problems.append("the final stage has no HEALTHCHECK")
    for ins in instructions:
        if ins.keyword == "RUN":
            for args in _pip_installs(ins.args):
                uses_lock = any(
                    a in ("-r", "-c", "--requirement", "--constraint")
                    and i + 1 < len(args)
                    and args[i + 1].endswith(lock_name)
                    for i, a in enumerate(args)
                )
                if not uses_lock:
                    problems.append(f"line {ins.line}: pip install without -r/-c {lock_name}")
    return problems


def test_dockerfile_is_clean() -> None:
    text = DOCKERFILE.read_text()
    assert hadolint(text) == []
    assert project_rules(text) == []


GOOD = """\
FROM python:3.11.11-slim AS build
RUN pip install --no-cache-dir -r requirements.lock
FROM python:3.11.11-slim
COPY --from=build /opt /opt
USER 10001:10001
HEALTHCHECK CMD ["true"]
CMD ["slawatch"]
"""


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("", "", None),
        ("FROM python:3.11.11-slim\n", "FROM python:latest\n", "DL3007"),
        ("FROM python:3.11.11-slim AS", "FROM python AS", "DL3006"),
        ("USER 10001:10001\n", "USER root\n", "DL3002"),
        ('CMD ["slawatch"]', "CMD slawatch worker", "DL3025"),
        ("--no-cache-dir ", "", "DL3042"),
        ('HEALTHCHECK CMD ["true"]\n', "", "no HEALTHCHECK"),
        ('HEALTHCHECK CMD ["true"]\n', "HEALTHCHECK NONE\n", "no HEALTHCHECK"),
        ("-r requirements.lock", "slawatch", "without -r/-c"),
        ("-r requirements.lock", "\\\n    -r requirements.lock && pip install x", "without -r/-c"),
    ],
)
def test_the_checks_catch_each_rule(old: str, new: str, problem: str | None) -> None:
    text = GOOD.replace(old, new, 1) if old else GOOD
    problems = hadolint(text) + project_rules(text)
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems


def test_dockerfile_health_check_matches_the_worker_command() -> None:
    instructions = parse_dockerfile(DOCKERFILE.read_text())
    health = [i.args for i in instructions if i.keyword == "HEALTHCHECK"][-1]
    assert HEALTH_URL in health
    cmd = json.loads([i.args for i in instructions if i.keyword == "CMD"][-1])
    assert cmd[0] == "worker" and cmd[cmd.index("--web-port") + 1] == "6066"
    exposed = " ".join(i.args for i in instructions if i.keyword == "EXPOSE").split()
    assert "6066" in exposed and "9464" in exposed


def _ignored(path: str, patterns: list[str]) -> bool:
    """``.dockerignore`` semantics for a path (last matching pattern wins, ``!`` re-includes)."""
    result = False
    for pat in patterns:
        neg = pat.startswith("!")
        pat = pat.lstrip("!").rstrip("/")
        pat_re = pat.replace("**/", "*")
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(fnmatch.fnmatch(p, pat) or fnmatch.fnmatch(p, pat_re) for p in prefixes):
            result = not neg
    return result


def test_copy_sources_exist_and_are_in_the_build_context() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for must_skip in (".git", ".venv", "tests", ".env", "docker/compose.yaml"):
        assert _ignored(must_skip, patterns), must_skip
    for ins in parse_dockerfile(DOCKERFILE.read_text()):
        if ins.keyword != "COPY" or "--from=" in ins.args:
            continue
        *sources, _dest = [w for w in shlex.split(ins.args) if not w.startswith("--")]
        for src in sources:
            assert (ROOT / src).exists(), f"line {ins.line}: COPY {src}: no such path"
            assert not _ignored(src, patterns), f"line {ins.line}: {src} is in .dockerignore"


# == the lock ======================================================================================


def _lock_pins() -> dict[str, str]:
    pins = {}
    for raw in LOCK.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9.+!-]+", line), raw
        name, version = line.split("==")
        pins[canonicalize_name(name)] = version
    return pins


def test_lock_pins_every_line() -> None:
    pins = _lock_pins()
    assert len(pins) >= 10
    assert "slawatch" not in pins
    assert not (set(pins) & {canonicalize_name(n) for n in DEV_ONLY})


def test_lock_covers_every_runtime_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = _lock_pins()
    for spec in project["dependencies"]:
        req = Requirement(spec)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is missing from docker/requirements.lock"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"{req.name}=={pins[name]} does not satisfy pyproject's {spec!r}: "
            "run .venv/bin/python docker/lock.py"
        )


def test_the_board_listens_beyond_loopback_only_with_a_token(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``slawatch web`` on 0.0.0.0 in its container: the settings it gets carry a token (the
    board refuses that address without one), its health check asks its own port, and the
    port is published on the host's loopback only."""
    from models.settings import Settings
    from streams.web.auth import Tokens, check_bind

    board = compose["services"]["board"]
    cmd = board["command"]
    assert cmd[0] == "web" and cmd[cmd.index("--bind") + 1] == "0.0.0.0"
    port = cmd[cmd.index("--port") + 1]
    assert f"http://127.0.0.1:{port}/healthz" in " ".join(board["healthcheck"]["test"])
    assert board["ports"] == [f"127.0.0.1:${{BOARD_HOST_PORT:-8080}}:{port}"]
    for key, value in board["environment"].items():
        monkeypatch.setenv(key, re.sub(r"\$\{(\w+):-([^}]*)\}", r"\2", str(value)))
    assert check_bind("0.0.0.0", Tokens.from_settings(Settings())) is None
