"""The pull-request workflow, the templates and CONTRIBUTING.md say what the code does."""

from __future__ import annotations

import re

import pytest
import yaml
from tests_paths import PROJECT

from cli.main import make_parser
from ingest.annotations import read_annotation
from taxonomy import load_taxonomy

GITHUB = PROJECT / ".github"


def load(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def steps(workflow) -> list[dict]:
    [job] = workflow["jobs"].values()
    return job["steps"]


def step_running(workflow, needle: str) -> int:
    found = [i for i, s in enumerate(steps(workflow)) if needle in s.get("run", "")]
    assert found, f"no step runs {needle!r}"
    return found[0]


def test_pull_request_workflow():
    workflow = load(GITHUB / "workflows" / "pull-request.yml")
    assert "pull_request" in workflow["on"]
    checkout = steps(workflow)[0]
    assert checkout["uses"].startswith("actions/checkout@") and checkout["with"]["fetch-depth"] == 0
    preview = step_running(workflow, "--summary")
    strict = next(
        i for i, s in enumerate(steps(workflow)) if s.get("run", "").strip() == ".venv/bin/atlas validate --strict"
    )
    tests = step_running(workflow, ".ci/run")
    assert step_running(workflow, "make install") < preview < strict < tests
    run = steps(workflow)[preview]["run"]
    assert '>> "$GITHUB_STEP_SUMMARY"' in run and "--strict" in run and run.rstrip().endswith("|| true")
    assert (
        '--base "origin/$BASE_REF"' in run and steps(workflow)[preview]["env"]["BASE_REF"] == "${{ github.base_ref }}"
    )
    for step in steps(workflow):  # no expression is pasted into a shell script
        assert "${{" not in step.get("run", "")
    assert workflow["permissions"] == {"contents": "read"}


def test_main_branch_workflow_still_validates_and_tests():
    workflow = load(GITHUB / "workflows" / "ci.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert step_running(workflow, "atlas validate --strict") < step_running(workflow, ".ci/run")


def test_weekly_metadata_check_opens_an_issue_with_the_differences():
    workflow = load(GITHUB / "workflows" / "check-metadata.yml")
    [schedule] = workflow["on"]["schedule"]
    minute, hour, day, month, weekday = schedule["cron"].split()
    assert (day, month) == ("*", "*") and weekday.isdigit()  # once a week
    assert "workflow_dispatch" in workflow["on"]
    assert workflow["permissions"] == {"contents": "read", "issues": "write"}
    check = step_running(workflow, "atlas check-metadata > differences.txt")
    assert step_running(workflow, "make install") < check
    file_issue = steps(workflow)[check + 1]
    assert file_issue["if"] == f"steps.{steps(workflow)[check]['id']}.outputs.found == 'yes'"
    assert "gh issue create" in file_issue["run"] and "gh issue comment" in file_issue["run"]
    assert file_issue["env"]["GH_TOKEN"] == "${{ github.token }}"
    for step in steps(workflow):  # no expression is pasted into a shell script
        assert "${{" not in step.get("run", "")
    assert "check-metadata" in make_parser().format_help()  # the command the workflow runs exists


def test_pull_request_template_is_a_checklist():
    text = (GITHUB / "pull_request_template.md").read_text(encoding="utf-8")
    boxes = re.findall(r"^- \[ \] (.+)$", text, re.M)
    assert len(boxes) >= 10
    assert any("atlas validate --strict" in b for b in boxes)
    assert any("no existing key was renamed or removed" in b for b in boxes)


@pytest.mark.parametrize(
    "name, title",
    [
        ("suggest-paper.yml", "Suggest a paper"),
        ("report-wrong-data.yml", "Report wrong data"),
        ("propose-taxonomy-change.yml", "Propose a taxonomy change"),
    ],
)
def test_issue_forms(name, title):
    form = yaml.safe_load((GITHUB / "ISSUE_TEMPLATE" / name).read_text(encoding="utf-8"))
    assert form["name"] == title and form["description"] and form["body"]
    ids = [item["id"] for item in form["body"] if item["type"] != "markdown"]
    assert len(ids) == len(set(ids))
    for item in form["body"]:
        assert item["type"] in {"markdown", "input", "textarea", "dropdown", "checkboxes"}
        assert item["attributes"].get("label") or item["type"] == "markdown"
        if item["type"] == "dropdown":
            assert item["attributes"]["options"]


def test_suggest_form_offers_exactly_the_leaves():
    form = yaml.safe_load((GITHUB / "ISSUE_TEMPLATE" / "suggest-paper.yml").read_text(encoding="utf-8"))
    [dropdown] = [i for i in form["body"] if i["type"] == "dropdown"]
    assert dropdown["attributes"]["options"] == ["not sure", *[n.id for n in load_taxonomy().leaves]]


CONTRIBUTING = (PROJECT / "CONTRIBUTING.md").read_text(encoding="utf-8")


def test_contributing_covers_the_three_tasks():
    for heading in (
        "## Add a paper",
        "## Fix a paper",
        "## Propose a taxonomy change",
        "## The key convention",
        "## The annotation",
        "## What the checks catch",
        "## The pull request",
    ):
        assert heading in CONTRIBUTING


def test_contributing_names_only_real_commands_and_options():
    commands = make_parser()._subparsers._group_actions[0].choices
    for command, rest in re.findall(r"atlas (\w+)([^`\n]*)", CONTRIBUTING):
        if command not in commands:
            continue  # prose such as "atlas validate" is covered; other words are not commands
        options = {o for a in commands[command]._actions for o in a.option_strings}
        for option in re.findall(r"(--[a-z-]+)", rest):
            assert option in options, f"atlas {command} has no {option}"
    for command in ("add", "validate", "related"):
        assert f"atlas {command}" in CONTRIBUTING


def test_contributing_lists_exactly_the_leaves():
    listed = CONTRIBUTING.split("Leaf ids:", 1)[1].split("\n\n", 1)[0]
    assert re.findall(r"`([a-z/\-]+)`", listed) == [n.id for n in load_taxonomy().leaves]


def test_contributing_example_annotation_is_valid(tmp_path):
    block = CONTRIBUTING.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "neo2024interpreting.yaml"
    path.write_text(block, encoding="utf-8")
    annotation, problems = read_annotation(path)
    assert problems == [] and annotation.key == "neo2024interpreting"
