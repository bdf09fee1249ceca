"""Flat string tables and string-to-integers maps (healthqa.mapped): the same answers as the dicts they replace,
after a round trip through memory-mapped .npy files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthqa import mapped
from healthqa.mapped import StringMultimap, StringTable, key_hash
from mapping import round_trip


def test_a_string_table_gives_back_every_string_by_position(tmp_path: Path) -> None:
    strings = ["lambert-eaton", "", "Sjögren's syndrome", "x"]
    table = StringTable(**round_trip(StringTable.pack(strings), tmp_path))
    assert list(table) == strings
    assert len(table) == 4
    assert table[2] == "Sjögren's syndrome"


def test_an_empty_map_finds_nothing(tmp_path: Path) -> None:
    empty = StringMultimap(round_trip(StringMultimap.pack({}), tmp_path))
    assert len(empty) == 0
    assert empty.get("anything") is None
    assert empty.get_many(["a", "b"]) == [None, None]


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(max_size=12), st.sets(st.integers(0, 2**31 - 1), max_size=5), max_size=40),
       st.lists(st.text(max_size=12), max_size=10))
def test_a_map_answers_as_the_dict_it_was_packed_from(mapping: dict[str, set[int]], others: list[str]) -> None:
    packed = StringMultimap(StringMultimap.pack(mapping))
    assert len(packed) == len(mapping)
    asked = [*mapping, *others]
    for key, found in zip(asked, packed.get_many(asked), strict=True):
        expected = mapping.get(key)
        single = packed.get(key)
        if expected is None:
            assert found is None and single is None and key not in packed
        else:
            assert found is not None and single is not None and key in packed
            assert set(found.tolist()) == expected == set(single.tolist())
    assert sorted(packed.keys()) == sorted(mapping)


def test_keys_whose_hashes_collide_keep_their_own_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mapped, "key_hash", lambda text: 7)  # every key collides with every other
    collided = StringMultimap(StringMultimap.pack({"first": [1], "second": [2, 3], "third": []}))
    first, second, third, fourth = collided.get_many(["first", "second", "third", "fourth"])
    assert first is not None and first.tolist() == [1]
    assert second is not None and second.tolist() == [2, 3]
    assert third is not None and third.tolist() == []
    assert fourth is None and collided.get("fourth") is None
    assert collided.get("second") is not None


def test_the_hash_is_the_same_in_every_process() -> None:
    assert key_hash("lems") == int.from_bytes(hashlib.blake2b(b"lems", digest_size=8).digest(), "little")


def test_a_key_s_position_finds_its_values_and_itself(tmp_path: Path) -> None:
    mapping = {"lems": [3, 1], "cadasil": [], "raynauds": [7]}
    packed = StringMultimap(round_trip(StringMultimap.pack(mapping), tmp_path))
    positions = {key: packed.position(key) for key in mapping}
    assert sorted(positions.values()) == [0, 1, 2]
    for key, position in positions.items():
        assert packed.key_at(position) == key
        assert sorted(packed.values_at(position).tolist()) == sorted(mapping[key])
    assert packed.position("absent") == -1
