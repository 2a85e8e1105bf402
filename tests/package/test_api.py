"""The package's conventions: what the book uses is public, one keyword for randomness (``seed``)
and one for step counts (``n_steps``), old spellings deprecated but working for one release."""

import importlib
import inspect
import re
import warnings

import jupytext
import pytest
import torch
from _book import CHAPTERS, ROOT

import gencourse
from gencourse import ebm, flows, gan, losses, train

MODULES = [
    name
    for name in gencourse.__all__
    if inspect.ismodule(getattr(gencourse, name)) and name != "config"
]
HOMEWORK = sorted((ROOT / "homework").glob("*.py"))


def _book_code(path):
    """The code a reader meets: code cells of a chapter, or the homework's jupytext script."""
    if path.suffix == ".md":
        cells = jupytext.read(path, fmt="md:myst").cells
        return "\n".join(c.source for c in cells if c.cell_type == "code"), path.read_text()
    # the names a homework test disables (``disabled = (...)``, given to grading.forbidden) are
    # switched off, not used: private helpers that would answer the question are among them
    return re.sub(r"^ *disabled = \(.*?\)$", "", path.read_text(), flags=re.S | re.M), ""


def _used_names(path):
    """(module, name) for each ``module.name`` in the code and each ``:pyobject:`` shown."""
    code, markdown = _book_code(path)
    modules = "|".join(MODULES)
    used = set(re.findall(rf"(?<![\w.])(?:gencourse\.)?({modules})\.([A-Za-z_]\w*)", code))
    for module, names in re.findall(rf"from gencourse\.({modules}) import ([\w, ()]+)", code):
        used |= {(module, n.strip("() ")) for n in names.split(",") if n.strip("() ")}
    for module, dotted in re.findall(
        # gencourse/flows/_flow.py counts as gencourse.flows: a subpackage's private files
        r"```\{literalinclude\} \.\./gencourse/(\w+)(?:/\w+)?\.py\n"
        r"(?::[^\n]*\n)*?:pyobject: ([\w.]+)",
        markdown,
    ):
        # a listing shows the algorithm: a method of a public class (Flow._forward), or the
        # private _f behind the public f that checks the arguments and calls it (_kde_tv_error)
        used.add((module, dotted.split(".")[0].removeprefix("_")))
    return used


@pytest.mark.parametrize("path", CHAPTERS + HOMEWORK, ids=lambda p: p.stem)
def test_every_public_name_the_book_uses_is_in_its_modules_all(path):
    missing = []
    for module_name, name in sorted(_used_names(path)):
        module = importlib.import_module(f"gencourse.{module_name}")
        if not hasattr(module, name):
            continue  # a variable of the chapter that shares a module's name, not the module
        if name.startswith("_") or name not in module.__all__:
            missing.append(f"{module_name}.{name}")
    assert not missing, f"{path.name} uses names missing from __all__ (or private): {missing}"


def test_the_scan_finds_what_the_book_uses():
    # the test above is only as good as its scan: the names the issue found missing are found
    used = _used_names(ROOT / "chapters" / "04_coupling_flows.md")
    assert {("flows", "train_flow"), ("flows", "AffineCoupling"), ("flows", "soft_clamp")} <= used
    assert ("flows", "MaskedAutoregressive") in used  # from a :pyobject: MaskedAutoregressive._…
    # from :pyobject: Flow._forward, shown from a subpackage's private file (flows/_flow.py)
    assert ("flows", "Flow") in _used_names(ROOT / "chapters" / "03_change_of_variables.md")
    used = _used_names(ROOT / "chapters" / "01_distribution_learning.md")
    assert ("classical", "kde_tv_error") in used  # from :pyobject: _kde_tv_error, shown


@pytest.mark.parametrize("module_name", MODULES)
def test_all_names_exist_and_are_sorted_out(module_name):
    module = importlib.import_module(f"gencourse.{module_name}")
    assert len(set(module.__all__)) == len(module.__all__)
    for name in module.__all__:
        assert hasattr(module, name), f"{module_name}.__all__ lists a missing name {name!r}"


def _public_callables():
    for module_name in MODULES:
        module = importlib.import_module(f"gencourse.{module_name}")
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                yield f"{module_name}.{name}", obj
            # a class defined in the module, or in a private file of the subpackage
            elif inspect.isclass(obj) and (
                obj.__module__ == module.__name__
                or obj.__module__.startswith(module.__name__ + "._")
            ):
                yield f"{module_name}.{name}", obj.__init__
                for attr, member in vars(obj).items():
                    if inspect.isfunction(member) and not attr.startswith("_"):
                        yield f"{module_name}.{name}.{attr}", member


# An int-only seed where it is also arithmetic (seed + k per repeat), a scikit-learn split or
# torch.manual_seed's; everywhere else a seed may also be a torch.Generator.
INT_SEEDS = {
    "classical.kde_tv_error",
    "classical.curse_of_dimensionality",
    "data.digits",
    "classifier.train_digits_classifier",
}


def test_one_keyword_for_randomness_and_one_for_step_counts():
    offenders = []
    for qualified, function in _public_callables():
        parameters = inspect.signature(function).parameters
        for name, parameter in parameters.items():
            # "generator" may be the model G_θ; as a torch.Generator it must be called seed
            if name == "steps" or (name != "seed" and "torch.Generator" in str(parameter)):
                offenders.append(f"{qualified}({parameter})")
        seed = parameters.get("seed")
        if seed is not None and qualified not in INT_SEEDS and "Generator" not in str(seed):
            offenders.append(f"{qualified}({seed})")
    assert not offenders, offenders


def test_old_spellings_work_with_a_deprecation_warning():
    flow = flows.real_nvp(2, 2, 8, device="cpu")
    generator = gan.MLPGenerator(2, 2, 8, 1, device="cpu")
    with pytest.warns(DeprecationWarning, match="'generator' is deprecated, use 'seed'"):
        old = flow.sample(5, generator=torch.Generator().manual_seed(3))
    assert torch.equal(old, flow.sample(5, seed=3))
    assert torch.equal(old, flow.sample(5, torch.Generator().manual_seed(3)))  # positional
    with pytest.warns(DeprecationWarning, match="'generator' is deprecated"):
        old = generator.sample(4, generator=torch.Generator().manual_seed(1))
    assert torch.equal(old, generator.sample(4, seed=1))
    with pytest.warns(DeprecationWarning, match="'generator' is deprecated"):
        _, old_lp = flow.sample_with_log_prob(3, generator=torch.Generator().manual_seed(2))
    assert torch.equal(old_lp, flow.sample_with_log_prob(3, seed=2)[1])
    critic = losses.LipschitzCritic(2, device="cpu")
    x, y = torch.randn(8, 2), torch.randn(8, 2) + 1
    with pytest.warns(DeprecationWarning, match="'generator' is deprecated"):
        old = losses.gradient_penalty(critic, x, y, generator=torch.Generator().manual_seed(0))
    assert torch.equal(old, losses.gradient_penalty(critic, x, y, seed=0))
    torch.manual_seed(0)  # the default critic's initialisation
    with pytest.warns(DeprecationWarning, match="'steps' is deprecated, use 'n_steps'"):
        value, _, history = losses.neural_distance(x, y, steps=3, batch_size=4)
    assert len(history) == 3
    torch.manual_seed(0)
    assert value == losses.neural_distance(x, y, n_steps=3, batch_size=4)[0]
    with pytest.raises(TypeError, match="got both 'steps' and 'n_steps'"):
        losses.neural_distance(x, y, steps=3, n_steps=3)
    for module, old in ((ebm, "TrainingHistory"), (gan, "GeneratorHistory")):
        with pytest.warns(DeprecationWarning, match=f"{old} is deprecated, use gencourse.train"):
            assert getattr(module, old) is train.History
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchName'"):
        _ = ebm.NoSuchName


def test_new_spellings_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        flows.real_nvp(2, 2, 8, device="cpu").sample(3, seed=0)
        losses.neural_distance(torch.randn(6, 1), torch.randn(6, 1), n_steps=2, batch_size=3)
