"""The package as a Python user expects it: every public class and function documented, every
public function and method fully annotated (inline, or in the ``.pyi`` stub beside a module
whose runtime signatures must stay the reference's), the stubs in step with the code, and the
PEP 561 marker shipped.

"Public" is what a user can reach: the names in the ``__all__`` of the package and of each of its
public modules, and the methods and properties of those classes whose names do not start with
``_`` (plus ``__init__``, for its annotations).
"""

import ast
import importlib
import inspect
import os
import re

import pytest

import dxltie

from conftest import BINDING_ROOT

PACKAGE_DIR = os.path.dirname(dxltie.__file__)

PUBLIC_MODULES = ["dxltie", "dxltie.client", "dxltie.client_config", "dxltie.dxl_client", "dxltie.callbacks",
                  "dxltie.constants", "dxltie.exceptions", "dxltie.message", "dxltie.service", "dxltie.util"]


def public_objects():
    """``{qualified name: class or function}`` of everything public, defined in this package."""
    found = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        assert hasattr(module, "__all__"), module_name
        for name in module.__all__:
            obj = getattr(module, name)
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and obj.__module__.startswith("dxltie"):
                found["%s.%s" % (obj.__module__, obj.__qualname__)] = obj
    return found


def public_callables():
    """``{qualified name: (defining module, class name or None, name, function or property)}``
    of every public function, method and property, and every ``__init__`` of a public class."""
    found = {}
    for qualname, obj in public_objects().items():
        if inspect.isfunction(obj):
            found[qualname] = (obj.__module__, None, obj.__name__, obj)
            continue
        for name, value in vars(obj).items():
            if name.startswith("_") and name != "__init__":
                continue
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            if inspect.isfunction(value) or isinstance(value, property):
                found["%s.%s" % (qualname, name)] = (obj.__module__, obj.__name__, name, value)
    return found


# --------------------------------------------------------------------------------------------
# Docstrings
# --------------------------------------------------------------------------------------------

def test_the_public_api_is_what_is_expected():
    objects = public_objects()
    callables = public_callables()
    # The classes and functions a user of the reference reaches, and ours, all here.
    for name in ("dxltie.client.TieClient", "dxltie.dxl_client.DxlClient", "dxltie.client_config.DxlClientConfig",
                 "dxltie.client_config.Broker", "dxltie.callbacks.DetectionCallback", "dxltie.message.Event",
                 "dxltie.util.MessageUtils", "dxltie.exceptions.DxlTieFileNotFoundError",
                 "dxltie.constants.FileEnterpriseAttrib", "dxltie.get_version"):
        assert name in objects, name
    assert "dxltie.client.TieClient.get_file_reputation" in callables
    assert len(objects) >= 45 and len(callables) >= 60


@pytest.mark.parametrize("name", sorted(public_objects()))
def test_every_public_class_and_function_has_a_docstring(name):
    obj = public_objects()[name]
    doc = obj.__doc__  # a class's own: not inherited
    assert doc and len(doc.strip()) >= 15, name


def _documented_function(value):
    return value.fget if isinstance(value, property) else value


def _parameters(function):
    params = list(inspect.signature(function).parameters.values())
    if params and params[0].name in ("self", "cls"):
        params = params[1:]
    return params


@pytest.mark.parametrize("name", sorted(n for n in public_callables() if not n.endswith(".__init__")))
def test_every_public_function_method_and_property_has_a_docstring(name):
    _module, _cls, _attr, value = public_callables()[name]
    doc = _documented_function(value).__doc__
    assert doc and len(doc.strip()) >= 15, name


def _is_trivial(function):
    """Accessors and overrides whose one-line docstring says it all."""
    return not _parameters(function)


@pytest.mark.parametrize("name", sorted(n for n, (_m, _c, _a, v) in public_callables().items()
                                        if not n.endswith(".__init__") and not isinstance(v, property)))
def test_every_public_function_documents_its_parameters(name):
    """Like the reference's: each parameter with ``:param name:``, and a ``:return:`` when the
    function returns something."""
    _module, _cls, _attr, function = public_callables()[name]
    if _is_trivial(function) and "\n" not in function.__doc__.strip():
        return
    doc = inspect.getdoc(function)
    for param in _parameters(function):
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        assert re.search(r":param %s:" % re.escape(param.name), doc), "%s: no :param %s:" % (name, param.name)


@pytest.mark.parametrize("name", sorted(n for n, obj in public_objects().items()
                                        if inspect.isclass(obj) and "__init__" in vars(obj)
                                        and not issubclass(obj, BaseException)))
def test_every_public_constructor_is_documented_in_its_class(name):
    cls = public_objects()[name]
    doc = inspect.getdoc(cls)
    for param in _parameters(vars(cls)["__init__"]):
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        assert ":param %s:" % param.name in doc, "%s: no :param %s:" % (name, param.name)


def test_the_requests_document_their_result_and_errors():
    """The TIE requests say what they return (with an example) and what they raise."""
    for name in ("get_file_reputation", "get_certificate_reputation", "get_file_first_references",
                 "get_certificate_first_references"):
        doc = inspect.getdoc(getattr(dxltie.TieClient, name))
        assert "Example Usage" in doc and ":return:" in doc, name
        assert "code-block:: python" in doc, name
        for exc in ("Exception", "WaitTimeoutException", "binascii.Error", "DxlTieError"):
            assert ":raises %s:" % exc in doc, (name, exc)
    for name in ("set_file_reputation", "set_certificate_reputation", "set_external_file_reputation"):
        doc = inspect.getdoc(getattr(dxltie.TieClient, name))
        assert "Example Usage" in doc and ":raises" in doc, name


def test_help_for_get_file_reputation_is_close_to_the_reference():
    import pydoc
    lines = pydoc.render_doc(dxltie.TieClient.get_file_reputation, renderer=pydoc.plaintext).splitlines()
    # dxltieclient 0.3.0: 93 lines; before issue 18 this binding had 5.
    assert len(lines) >= 60, len(lines)


# --------------------------------------------------------------------------------------------
# Annotations: inline, or in the stub beside the module
# --------------------------------------------------------------------------------------------

def _stub_path(module_name):
    return os.path.join(PACKAGE_DIR, module_name.split(".")[-1] + ".pyi")


def _stub_functions(module_name):
    """``{"Class.name" or "name" (+ ".setter"): ast.FunctionDef}`` of a module's stub."""
    with open(_stub_path(module_name)) as f:
        tree = ast.parse(f.read())
    out = {}

    def add(prefix, node):
        for item in node.body:
            if isinstance(item, ast.FunctionDef):
                key = prefix + item.name
                if any(isinstance(d, ast.Attribute) and d.attr == "setter" for d in item.decorator_list):
                    key += ".setter"
                out[key] = item
            elif isinstance(item, ast.ClassDef):
                add(prefix + item.name + ".", item)

    add("", tree)
    return out


def _stub_fully_annotated(node):
    args = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
    if args and args[0].arg in ("self", "cls") and not any(
            isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list):
        args = args[1:]
    extra = [a for a in (node.args.vararg, node.args.kwarg) if a is not None]
    return node.returns is not None and all(a.annotation is not None for a in args + extra)


def _runtime_fully_annotated(function):
    signature = inspect.signature(function)
    if signature.return_annotation is inspect.Signature.empty:
        return False
    return all(p.annotation is not inspect.Parameter.empty for p in _parameters(function))


@pytest.mark.parametrize("name", sorted(public_callables()))
def test_every_public_function_method_and_property_is_annotated(name):
    module, cls, attr, value = public_callables()[name]
    functions = [("", value.fget), (".setter", value.fset)] if isinstance(value, property) else [("", value)]
    for suffix, function in functions:
        if function is None:
            continue
        if os.path.exists(_stub_path(module)):
            stub = _stub_functions(module)
            key = ("%s.%s" % (cls, attr) if cls else attr) + suffix
            if attr == "__init__" and key not in stub:
                assert not _parameters(function), "%s: __init__ with parameters missing from the stub" % name
                continue
            assert key in stub, "%s is missing from %s" % (key, _stub_path(module))
            assert _stub_fully_annotated(stub[key]), "%s%s is not fully annotated in the stub" % (name, suffix)
        else:
            assert _runtime_fully_annotated(function), "%s%s is not fully annotated" % (name, suffix)


@pytest.mark.parametrize("module_name", [m for m in PUBLIC_MODULES if os.path.exists(_stub_path(m))])
def test_stubs_agree_with_the_code(module_name):
    """Each stub function has the runtime's parameters (names, kinds, defaults); each public
    runtime function is in the stub; the stub's names are the module's ``__all__``."""
    module = importlib.import_module(module_name)
    stub = _stub_functions(module_name)
    assert stub, module_name
    for key, node in stub.items():
        owner, _, name = key.replace(".setter", "").rpartition(".")
        target = getattr(module, owner) if owner else module
        runtime = inspect.getattr_static(target, name)
        if isinstance(runtime, property):
            runtime = runtime.fset if key.endswith(".setter") else runtime.fget
        if isinstance(runtime, (staticmethod, classmethod)):
            runtime = runtime.__func__
        runtime_params = list(inspect.signature(runtime).parameters.values())
        stub_args = node.args.posonlyargs + node.args.args
        assert [a.arg for a in stub_args] == [p.name for p in runtime_params
                                              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)], key
        defaults = [ast.literal_eval(d) for d in node.args.defaults]
        runtime_defaults = [p.default for p in runtime_params if p.default is not inspect.Parameter.empty]
        assert defaults == runtime_defaults, key
    # every public runtime function and method has its stub
    for qualname, (defined_in, cls, attr, _value) in public_callables().items():
        if defined_in != module_name or attr == "__init__":
            continue
        key = "%s.%s" % (cls, attr) if cls else attr
        assert key in stub, "%s has no stub" % qualname
    # the stub declares the names the module exports
    with open(_stub_path(module_name)) as f:
        tree = ast.parse(f.read())
    declared = set()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            declared.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            declared.add(node.target.id)
        elif isinstance(node, ast.Assign):
            declared.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.ImportFrom):
            declared.update(a.asname for a in node.names if a.asname)
    assert set(module.__all__) <= declared, set(module.__all__) - declared


def test_pep561_marker_and_stubs_are_package_data():
    assert os.path.isfile(os.path.join(PACKAGE_DIR, "py.typed"))
    with open(os.path.join(BINDING_ROOT, "pyproject.toml")) as f:
        pyproject = f.read()
    package_data = re.search(r'^dxltie = \[(.*)\]$', pyproject, re.M).group(1)
    assert '"py.typed"' in package_data and '"*.pyi"' in package_data
