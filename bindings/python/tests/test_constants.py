"""The Python constants against the one definition of every TIE constant, ``src/tie/constants.rs``,
as the build writes it into ``include/dxltie.h`` (its generated "TIE constants" section, one
``/* `ClassName`: … */`` group per Python class). Compared by name and value in both directions,
so neither a constant missing on one side nor a changed value can pass, whatever the layout of
either file."""

import os
import re

import dxltie.client
import dxltie.constants

from conftest import REPO_ROOT

HEADER = os.path.join(REPO_ROOT, "include", "dxltie.h")
#: Groups with no class in the reference Python package: where their values live instead.
NOT_A_CLASS = {"topics": dxltie.client}


def snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()


def header_groups():
    """``{class name or 'topics' or '': {attribute: value}}`` from the generated section."""
    with open(HEADER) as f:
        text = f.read()
    start = text.index("/* ---- TIE constants (generated from src/tie/constants.rs")
    section = text[start:]
    groups, current, prefix = {}, None, "DXLTIE_"
    for line in section.splitlines()[1:]:
        group = re.match(r"^/\* (?:`(\w+)(?:\(\w+\))?`|(The DXL topics))[^*]*\*/$", line)
        if group:
            current = group.group(1) or "topics"
            prefix = "DXLTIE_" if current == "topics" else "DXLTIE_%s_" % snake(current)
            groups.setdefault(current, {})
            continue
        define = re.match(r'^#define (DXLTIE_\w+) (".*"|-?\d+)$', line)
        if define:
            name, value = define.groups()
            value = value[1:-1] if value.startswith('"') else int(value)
            if current is None or not name.startswith(prefix):
                groups.setdefault("", {})[name] = value
            else:
                groups[current][name[len(prefix):]] = value
        elif line.startswith(("typedef", "#include", "#ifdef", "enum", "struct")):
            break  # past the section
    return groups


def test_the_header_has_every_group():
    groups = header_groups()
    assert len(groups) >= 20, sorted(groups)
    assert groups["TrustLevel"]["KNOWN_TRUSTED"] == 99
    assert groups["FileType"]["JAR"] == 4328554496


def test_every_header_constant_is_in_python_with_the_same_value():
    for group, constants in header_groups().items():
        if group == "":
            continue  # constants outside any Python class (response timeout rules, defaults)
        owner = NOT_A_CLASS.get(group) or getattr(dxltie.constants, group)
        for name, value in constants.items():
            assert getattr(owner, name) == value, "%s.%s" % (group, name)


def test_every_python_constant_is_in_the_header():
    groups = header_groups()
    for class_name, constants in groups.items():
        if class_name in ("", "topics"):
            continue
        cls = getattr(dxltie.constants, class_name)
        own = {k: v for k, v in vars(cls).items() if k.isupper() and not callable(v)}
        missing = sorted(set(own) - set(constants))
        assert not missing, "%s has %s, which src/tie/constants.rs does not define" % (class_name, missing)
    python_classes = {name for name, value in vars(dxltie.constants).items()
                      if isinstance(value, type) and any(k.isupper() for k in vars(value))}
    assert python_classes <= set(groups), sorted(python_classes - set(groups))
    topics = {name for name in dxltie.client.__all__ if name.startswith("TIE_")}
    assert topics == set(groups["topics"]), sorted(topics ^ set(groups["topics"]))
