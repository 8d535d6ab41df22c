"""taxonomy/vocabulary.surely_valid: the quick schema check every build runs before (instead of) jsonschema.

It may send a valid file to jsonschema, never let an invalid one pass: whatever it accepts, jsonschema accepts.
"""

from __future__ import annotations

import copy

import jsonschema
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_support import examples

from taxonomy.text import SAFE_LOADER
from taxonomy.vocabulary import _SECTIONS, SCHEMA_FILE, VOCABULARY_DIR, _inlined_schema, surely_valid

SCHEMA = _inlined_schema((VOCABULARY_DIR / SCHEMA_FILE).read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
FILES = {name: yaml.load((VOCABULARY_DIR / name).read_text(encoding="utf-8"), Loader=SAFE_LOADER) for name in _SECTIONS}
RECORDS = [(name, section, i) for name, data in FILES.items() for section in data for i in range(len(data[section]))]
FIELDS = sorted({key for data in FILES.values() for items in data.values() for item in items for key in item})

# Values of every kind a hand-edited YAML file can hold, near the schema's limits.
VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=1975, max_value=2105)
    | st.floats(allow_nan=True)
    | st.text(max_size=30)
    | st.sampled_from(["", "x", "llava-1.5", "Llava", "https://x.org", "http://a b", "abc", "x" * 401]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from([*FIELDS, "extra"]), inner, max_size=3),
    max_leaves=6,
)


def test_the_vocabulary_as_it_is_takes_the_quick_path():
    for name, data in FILES.items():
        assert surely_valid(SCHEMA, data), name


@settings(max_examples=examples(300))
@given(st.sampled_from(RECORDS), st.sampled_from([*FIELDS, "extra"]), VALUES, st.booleans())
def test_what_the_quick_check_accepts_jsonschema_accepts(record, field_name, value, remove):
    name, section, i = record
    data = copy.deepcopy(FILES[name])
    item = data[section][i]
    if remove:
        item.pop(field_name, None)
    else:
        item[field_name] = value
    if surely_valid(SCHEMA, data):
        assert not list(VALIDATOR.iter_errors(data)), (section, item)


def test_each_kind_of_mistake_goes_to_jsonschema():
    model = FILES["models.yaml"]["models"][0]
    for change in (
        {"id": "Not A Slug"},  # pattern
        {"year": 1800},  # minimum
        {"year": True},  # a bool is no integer
        {"name": ""},  # minLength
        {"aliases": ["a", "a"]},  # uniqueItems
        {"homepage": 5},  # type
        {"colour": "red"},  # additionalProperties
    ):
        data = {"models": [{**model, **change}]}
        assert list(VALIDATOR.iter_errors(data)) and not surely_valid(SCHEMA, data), change
    missing = {"models": [{k: v for k, v in model.items() if k != "kind"}]}  # required
    assert not surely_valid(SCHEMA, missing)
