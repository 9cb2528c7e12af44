"""The Terraform module as data: every ``.tf`` file parsed with python-hcl2 (no terraform binary).

Strings come back without their quotes; expressions keep their ``${...}`` form, so a test can
tell a literal (``"FC1"``) from a reference (``"${var.x}"``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "infra"
MODULE = INFRA / "terraform"

_OPTIONS = hcl2.SerializationOptions(strip_string_quotes=True, with_comments=False, explicit_blocks=False)


def parse(path: Path) -> dict[str, Any]:
    with path.open() as handle:
        return hcl2.load(handle, serialization_options=_OPTIONS)


@dataclass
class Module:
    files: dict[str, dict[str, Any]]
    resources: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)

    def resource(self, rtype: str, name: str = "this") -> dict[str, Any]:
        return self.resources[(rtype, name)]

    def of_type(self, rtype: str) -> dict[str, dict[str, Any]]:
        return {name: body for (kind, name), body in self.resources.items() if kind == rtype}


def load_module(directory: Path = MODULE) -> Module:
    module = Module(files={p.name: parse(p) for p in sorted(directory.glob("*.tf"))})
    for doc in module.files.values():
        for entry in doc.get("resource", []):
            for rtype, named in entry.items():
                for name, body in named.items():
                    module.resources[(rtype, name)] = body
        for entry in doc.get("variable", []):
            module.variables.update(entry)
        for entry in doc.get("locals", []):
            module.locals.update(entry)
    return module


def block(body: dict[str, Any], name: str) -> dict[str, Any]:
    """The single nested block ``name`` of a resource body (hcl2 gives blocks as lists)."""
    blocks = body[name]
    assert isinstance(blocks, list) and len(blocks) == 1, f"expected one {name} block, got {blocks!r}"
    return blocks[0]


_FOR = re.compile(r"%\{ for (\w+) in (\w+) ~\}\n(.*?)%\{ endfor ~\}\n", re.S)
_VAR = re.compile(r"\$\{(\w+)\}")


def render_template(text: str, values: dict[str, Any]) -> str:
    """Render the subset of Terraform's template syntax the policies use: ``${name}`` and
    ``%{ for x in list ~}...%{ endfor ~}`` (whose ``~`` strips the directive's own newline)."""

    def loop(match: re.Match[str]) -> str:
        var, seq, inner = match.groups()
        return "".join(
            _VAR.sub(lambda m: str({**values, var: item}[m.group(1)]), inner) for item in values[seq]
        )

    return _VAR.sub(lambda m: str(values[m.group(1)]), _FOR.sub(loop, text))
