"""The brew matcher's rules and preferences (issue 13), on the pure function alone.

``eventsite.brew_match.match`` needs no app and no database: these tests build pools of
``Candidate``s and check the groups it returns. How often someone is matched, and what
happens to a pool too small to match, are ``eventsite.brew_rounds``'s business, not these.
"""

import random
import subprocess
import sys
from itertools import combinations
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from eventsite.brew_match import Candidate, Matching, Rules, can_meet, match, pair_key

ONLINE_ONLY = {"in_person": False, "online": True}
IN_PERSON_ONLY = {"in_person": True, "online": False}


ROOT = Path(__file__).resolve().parent.parent


def person(person_id: int, sector: str, **fields) -> Candidate:
    return Candidate(id=person_id, sector=sector, **fields)


SECTORS = ["health", "arts", "law", "retail", "tech", "care", "food", "charity", "council"]
TAGS = ["tea", "jazz", "maps", "cycling", "books", "code", "walks", "film", "games", "food", "birds", "chess"]


def random_pool(rng: random.Random, size: int, online: float = 0.7) -> list[Candidate]:
    return [
        Candidate(
            id=i,
            sector=rng.choice(SECTORS),
            place=rng.choice([*range(8), None]),
            travels=rng.random() < 0.2,
            in_person=rng.random() < 0.8,
            online=rng.random() < online,
            interests=frozenset(rng.sample(TAGS, rng.randint(0, 4))),
            waited=rng.randint(0, 8),
            owed=rng.random() < 0.1,
        )
        for i in range(size)
    ]


def random_rules(rng: random.Random, ids: list[int], pairs: int = 200, exclusions: int = 10) -> Rules:
    def some(count: int) -> frozenset[frozenset[int]]:
        return frozenset(pair_key(*rng.sample(ids, 2)) for _ in range(count))

    return Rules(recent=some(pairs), excluded=some(exclusions))


def pairs_of(matching: Matching) -> set[frozenset[int]]:
    return {frozenset(group) for group in matching.groups}


def assert_rules_hold(pool: list[Candidate], rules: Rules, matching: Matching) -> None:
    """Everyone once; groups of 2 or 3; every two people in a group allowed together."""
    by_id = {p.id: p for p in pool}
    placed = [person_id for group in matching.groups for person_id in group] + matching.left_out
    assert sorted(placed) == sorted(by_id)
    for group in matching.groups:
        assert len(group) in (2, 3)
        for a, b in combinations(group, 2):
            assert rules.allowed(by_id[a], by_id[b]), (group, by_id[a], by_id[b])


def test_pairs_only_across_sectors_even_when_same_sector_weighs_more():
    # Same place and shared interests within each sector; the other sector is elsewhere.
    tea = frozenset({"tea", "cycling", "maps"})
    pool = [
        person(1, "health", place=1, interests=tea),
        person(2, "health", place=1, interests=tea),
        person(3, "arts", place=2, interests=frozenset({"jazz"})),
        person(4, "arts", place=2, interests=frozenset({"jazz"})),
    ]
    matching = match(pool)
    assert len(matching.groups) == 2
    assert matching.left_out == []
    sector = {p.id: p.sector for p in pool}
    for a, b in matching.groups:
        assert sector[a] != sector[b]


def test_pair_within_cooldown_is_never_made_even_as_the_only_option():
    pool = [person(1, "health"), person(2, "arts")]
    matching = match(pool, Rules(recent=frozenset({pair_key(1, 2)})))
    assert matching.groups == []
    assert matching.left_out == [1, 2]


def test_pair_within_cooldown_gives_way_to_another_pairing():
    pool = [person(1, "health", place=1), person(2, "arts", place=1), person(3, "law", place=2)]
    assert match(pool).groups == [(1, 2, 3)]  # without history, all three fit together
    matching = match(pool, Rules(recent=frozenset({pair_key(1, 2)})))
    assert len(matching.groups) == 1
    assert pair_key(1, 2) not in pairs_of(matching)
    assert len(matching.groups[0]) == 2
    assert len(matching.left_out) == 1


@pytest.mark.parametrize("excluded", [pair_key(1, 2), pair_key(2, 1), frozenset({2, 1})])
def test_exclusion_keeps_two_people_apart_either_way(excluded):
    pool = [person(1, "health"), person(2, "arts", owed=True), person(3, "arts")]
    assert match(pool).groups == [(1, 2)]  # without the exclusion, 2 (owed) is the better partner
    matching = match(pool, Rules(excluded=frozenset({excluded})))
    assert matching.groups == [(1, 3)]
    assert matching.left_out == [2]


def test_in_person_only_people_in_different_localities_are_never_paired():
    pool = [person(1, "health", place=1, **IN_PERSON_ONLY), person(2, "arts", place=2, **IN_PERSON_ONLY)]
    assert not can_meet(*pool)
    assert match(pool).groups == []
    assert match(pool).left_out == [1, 2]


def test_a_traveller_can_meet_someone_in_another_locality():
    pool = [person(1, "health", place=1, **IN_PERSON_ONLY), person(2, "arts", place=2, travels=True, **IN_PERSON_ONLY)]
    assert match(pool).groups == [(1, 2)]


def test_online_only_and_in_person_only_are_never_paired():
    for travels in (False, True):
        pool = [
            person(1, "health", place=1, travels=travels, **ONLINE_ONLY),
            person(2, "arts", place=1, travels=travels, **IN_PERSON_ONLY),
        ]
        assert not can_meet(*pool)
        assert match(pool).groups == []
        assert match(pool).left_out == [1, 2]


@pytest.mark.parametrize(
    ("places", "expected"),
    [
        ({1: 1, 2: 1, 3: 2, 4: 2}, {frozenset({1, 2}), frozenset({3, 4})}),
        ({1: 1, 4: 1, 2: 2, 3: 2}, {frozenset({1, 4}), frozenset({2, 3})}),
    ],
)
def test_people_in_the_same_locality_are_paired_when_possible(places, expected):
    # 1 and 3 are in one sector, 2 and 4 in another, and everyone is also online: both
    # pairings, (1,2)+(3,4) and (1,4)+(2,3), are allowed, and the one by place must win.
    sectors = {1: "health", 3: "health", 2: "arts", 4: "arts"}
    pool = [person(i, sectors[i], place=places[i]) for i in (1, 2, 3, 4)]
    assert pairs_of(match(pool)) == expected


@pytest.mark.parametrize(
    "shared",
    [
        [frozenset({1, 2}), frozenset({3, 4})],
        [frozenset({1, 4}), frozenset({2, 3})],
    ],
)
def test_shared_interests_decide_between_otherwise_equal_pairings(shared):
    # 1 and 3 are in one sector, 2 and 4 in another, all online and nowhere in
    # particular: (1,2)+(3,4) and (1,4)+(2,3) tie but for interests.
    interests = {}
    for index, pair in enumerate(shared):
        for person_id in pair:
            interests[person_id] = frozenset({f"tag{index}", f"other{index}"})
    sectors = {1: "health", 3: "health", 2: "arts", 4: "arts"}
    pool = [person(i, sectors[i], interests=interests[i]) for i in (1, 2, 3, 4)]
    assert pairs_of(match(pool)) == set(shared)


@pytest.mark.parametrize(
    ("waiting", "paired"),
    [
        ({2: {"owed": True}}, 2),
        ({3: {"owed": True}}, 3),
        ({2: {"waited": 4}, 3: {"waited": 1}}, 2),
        ({2: {"waited": 1}, 3: {"waited": 4}}, 3),
    ],
)
def test_the_owed_or_longest_waiting_person_is_paired_when_not_everyone_can_be(waiting, paired):
    # 2 and 3 share a sector, so only one of them can be paired with 1 (and no trio).
    pool = [person(1, "health"), *(person(i, "arts", **waiting.get(i, {})) for i in (2, 3))]
    matching = match(pool)
    assert matching.groups == [tuple(sorted((1, paired)))]
    assert matching.left_out == [5 - paired]


def varied_online_pool(size: int) -> list[Candidate]:
    sectors = ["health", "arts", "law", "retail", "tech", "care", "food"]
    return [person(i, sectors[i % len(sectors)], place=i % 4, interests=frozenset({f"t{i % 5}"})) for i in range(size)]


@pytest.mark.parametrize("size", [3, 7, 31, 61])
def test_an_odd_pool_makes_exactly_one_trio_and_leaves_nobody_out(size):
    matching = match(varied_online_pool(size))
    assert len(matching.trios) == 1
    assert matching.left_out == []
    assert sorted(len(group) for group in matching.groups) == [2] * ((size - 3) // 2) + [3]


@pytest.mark.parametrize("size", [2, 8, 60])
def test_an_even_compatible_pool_is_all_pairs(size):
    matching = match(varied_online_pool(size))
    assert matching.trios == []
    assert matching.left_out == []
    assert len(matching.groups) == size // 2


def test_nobody_joins_a_pair_as_a_third_unless_allowed_with_both():
    # 2 could meet 1 but shares 3's sector; 5 was paired with 1 and 3 lately and excluded 2.
    pool = [person(1, "health"), person(2, "arts"), person(3, "arts", owed=True), person(5, "law")]
    rules = Rules(recent=frozenset({pair_key(1, 5), pair_key(3, 5)}), excluded=frozenset({pair_key(2, 5)}))
    matching = match(pool, rules)
    assert matching.trios == []
    assert matching.groups == [(1, 3)]  # 3 is owed
    assert matching.left_out == [2, 5]


def test_every_two_people_in_a_trio_are_allowed_together():
    trios = 0
    for seed in range(10):
        rng = random.Random(seed)
        pool = random_pool(rng, 41)
        rules = random_rules(rng, [p.id for p in pool], pairs=150, exclusions=20)
        matching = match(pool, rules)
        assert_rules_hold(pool, rules, matching)
        trios += len(matching.trios)
    assert trios >= 5  # the check above did look at trios


def test_same_input_gives_the_same_groups_whatever_its_order():
    pool = random_pool(random.Random(7), 300)
    rules = random_rules(random.Random(8), [p.id for p in pool])
    first = match(pool, rules)
    assert match(pool, rules) == first
    for seed in range(3):
        shuffled = pool[:]
        random.Random(seed).shuffle(shuffled)
        assert match(shuffled, rules) == first
        assert match(reversed(shuffled), rules) == first  # any iterable


def test_an_empty_pool_makes_no_groups():
    assert match([]) == Matching(groups=[], left_out=[])


def test_one_person_alone_is_left_out():
    assert match([person(5, "health")]) == Matching(groups=[], left_out=[5])


def test_a_large_compatible_pool_is_matched_in_full_under_every_rule():
    rng = random.Random(13)
    pool = random_pool(rng, 2_000, online=1.0)  # so everyone can meet anyone of another sector
    rules = random_rules(rng, [p.id for p in pool], pairs=6_000, exclusions=40)
    matching = match(pool, rules)
    assert_rules_hold(pool, rules, matching)
    assert matching.left_out == []
    assert len(matching.trios) == 0  # an even pool


# Property: any pool, any history.


@st.composite
def pools_and_rules(draw) -> tuple[list[Candidate], Rules]:
    size = draw(st.integers(0, 60))
    ids = draw(st.lists(st.integers(0, 10_000), min_size=size, max_size=size, unique=True))
    pool = [
        Candidate(
            id=person_id,
            sector=draw(st.sampled_from("abcd")),
            place=draw(st.one_of(st.none(), st.integers(0, 3))),
            travels=draw(st.booleans()),
            in_person=draw(st.booleans()),
            online=draw(st.booleans()),
            interests=draw(st.frozensets(st.sampled_from(TAGS[:5]), max_size=3)),
            waited=draw(st.integers(0, 10)),
            owed=draw(st.booleans()),
        )
        for person_id in ids
    ]
    possible = [pair_key(a, b) for a, b in combinations(ids, 2)]
    pair_sets = (
        st.frozensets(st.sampled_from(possible), max_size=len(possible) // 3) if possible else st.just(frozenset())
    )
    return pool, Rules(recent=draw(pair_sets), excluded=draw(pair_sets))


def one_sector_per_locality(size: int) -> list[Candidate]:
    """Everyone in locality 0 is in health and everyone in locality 1 in arts; all online."""
    return [person(i, "health", place=0) for i in range(size)] + [
        person(1_000 + i, "arts", place=1) for i in range(size)
    ]


def test_a_locality_of_one_sector_is_matched_online_with_the_others():
    # Any health person may meet any arts person online, so everyone can be paired.
    for size in (30, 45):
        matching = match(one_sector_per_locality(size))
        assert matching.left_out == []
        assert len(matching.groups) == size


@settings(max_examples=200, deadline=None)
@given(pools_and_rules())
@example((one_sector_per_locality(30), Rules()))
def test_any_pool_is_matched_under_the_rules_as_far_as_it_can_be(case):
    pool, rules = case
    matching = match(pool, rules)
    by_id = {p.id: p for p in pool}

    assert_rules_hold(pool, rules, matching)  # everyone once, sizes 2-3, every pair allowed
    pairs = [group for group in matching.groups if len(group) == 2]
    beyond_a_pair = len(pool) - 2 * len(matching.groups)  # the third in each trio, and the left out
    assert len(matching.trios) <= beyond_a_pair
    assert match(pool, rules) == matching
    assert match(list(reversed(pool)), rules) == matching

    left_out = [by_id[person_id] for person_id in matching.left_out]
    for a, b in combinations(left_out, 2):
        assert not rules.allowed(a, b), f"{a.id} and {b.id} were both left out but could meet"
    for extra in left_out:
        for a, b in pairs:
            fits = rules.allowed(extra, by_id[a]) and rules.allowed(extra, by_id[b])
            assert not fits, f"{extra.id} was left out but could join ({a}, {b})"


def test_a_web_worker_does_not_load_networkx_until_a_round_needs_it():
    """networkx adds about 24 MiB to a process: serving pages must not import it."""
    script = (
        "import sys\n"
        "from eventsite import create_app\n"
        "app = create_app(SQLALCHEMY_DATABASE_URI='sqlite://')\n"
        "app.test_client().get('/brew')\n"
        "from eventsite.brew_match import Candidate, match\n"
        "print('networkx' in sys.modules)\n"
        "match([Candidate(1, 'a'), Candidate(2, 'b')])\n"
        "print('networkx' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.split() == ["False", "True"]
