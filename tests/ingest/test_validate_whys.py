"""Every category needs its own reason: no blank `why`, none copied between categories or papers."""

from __future__ import annotations

from contribute_support import at, edit, line_of, only, problems

NEO_WHY_1 = (
    "    why: Ablates the image tokens at an object's position and finds the object information localised there."
)
NEO_WHY_2 = (
    "    why: Blocks attention edges layer by layer to show where object information reaches the answer position."
)


def test_empty_why_is_a_schema_error(data_dir):
    path = edit(data_dir, "neo2024interpreting.yaml", NEO_WHY_1, '    why: ""')
    problem = only(problems(data_dir), "'why' is empty")
    assert at(problem, path, line_of(path, 'why: ""'))
    assert problem.message == "categories/0/why: 'why' is empty: say in one sentence why the paper belongs in this leaf"


def test_blank_why(data_dir):
    path = edit(data_dir, "neo2024interpreting.yaml", NEO_WHY_1, '    why: "   "')
    problem = only(problems(data_dir), "blank")
    assert at(problem, path, line_of(path, 'why: "   "'))
    assert problem.severity == "error"
    assert problem.message == (
        "categories/0/why: 'why' is blank: say in one sentence why the paper belongs in 'model/token/visual-token'"
    )


def test_missing_why(data_dir):
    path = edit(data_dir, "neo2024interpreting.yaml", NEO_WHY_1 + "\n", "")
    problem = only(problems(data_dir), "has no 'why'")
    assert at(problem, path, line_of(path, "- id: model/token/visual-token"))
    assert problem.message == (
        "categories/0: category has no 'why': add one sentence saying why the paper belongs in this leaf"
    )


def test_why_copied_between_categories_of_a_paper(data_dir):
    copied = NEO_WHY_1.replace("    why: ", "    why: ").replace("localised there.", "localised there")  # same words
    path = edit(data_dir, "neo2024interpreting.yaml", NEO_WHY_2, copied)
    problem = only(problems(data_dir), "repeats")
    first_line = line_of(path, "why: Ablates", 1)
    assert at(problem, path, line_of(path, "why: Ablates", 2))
    assert problem.severity == "error"
    assert problem.message == (
        f"categories/1/why: the why for 'model/layer/decision-making-workflow' repeats the one "
        f"for 'model/token/visual-token' (line {first_line}): say what puts the paper in each leaf"
    )


def test_why_copied_from_another_paper_is_a_warning(data_dir):
    source = data_dir / "papers" / "leng2024mitigating.yaml"
    why = "Changes only the decoding step, contrasting logits from the clean and a distorted image."
    path = edit(data_dir, "neo2024interpreting.yaml", NEO_WHY_2, f"    why: {why}")
    problem = only(problems(data_dir), "copied word for word")
    assert at(problem, path, line_of(path, why))
    assert problem.severity == "warning"
    assert problem.message.startswith("categories/1/why: copied word for word from 'leng2024mitigating' (")
    assert problem.message.endswith(
        f"leng2024mitigating.yaml:{line_of(source, 'why:')}, 'training-inference/inference'): "
        "write what puts this paper in 'model/layer/decision-making-workflow'"
    )
