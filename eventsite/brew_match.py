"""The brew matcher: who is paired with whom in a round, as a maximum-weight matching.

A pure function of its input (no database, no clock): the same pool, history and
exclusions always give the same groups. ``eventsite.brew_rounds`` feeds it and saves
what it returns.

The rules (``allowed``): two people may be paired only if they are in different
sectors, were not paired within the cooldown, neither excluded the other, and they can
meet (both online, or in person in the same locality or with one happy to travel).

The preferences (``weight``): the same locality (or both online), shared interests, and
people who have waited longest or were left out (or made a trio) last time.

Blossom matching (networkx, as Yelp's beans does) is exact but cubic in the number of
people, so a large pool is matched in groups of at most ``GROUP_SIZE`` people taken in
locality order, keeping each person's ``CANDIDATES`` best partners; whoever is left over
is matched again in new groups, with the sectors taken in turn (``PASSES`` in all; a
remainder of at most ``FINAL_SIZE`` people is matched in one group). With one person over, or anyone nobody could take,
they join the pair they fit best, as a trio (at most one extra per pair).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

GROUP_SIZE = 30
CANDIDATES = 12
PASSES = 3
FINAL_SIZE = 60  # a remainder this small is matched in one group
MAX_WAIT = 6  # rounds of waiting that still add weight
BASE, SAME_PLACE, TRAVEL, ONLINE = 100, 60, 30, 20
PER_INTEREST, MAX_INTERESTS = 15, 3
PER_ROUND_WAITED, OWED = 10, 40


@dataclass(frozen=True)
class Candidate:
    """One person in the pool, as the matcher sees them."""

    id: int
    sector: str
    place: int | None = None  # their locality
    travels: bool = False  # happy to travel to any locality
    in_person: bool = True  # would meet in person
    online: bool = True  # would meet online
    interests: frozenset[str] = field(default_factory=frozenset)
    waited: int = 0  # rounds since they were last paired (or since they joined)
    owed: bool = False  # left out, or the third in a trio, last time


def pair_key(a: int, b: int) -> frozenset[int]:
    return frozenset((a, b))


@dataclass(frozen=True)
class Rules:
    """What keeps two people apart: pairs within the cooldown, and exclusions (either way)."""

    recent: frozenset[frozenset[int]] = frozenset()
    excluded: frozenset[frozenset[int]] = frozenset()

    def allowed(self, a: Candidate, b: Candidate) -> bool:
        if a.id == b.id or a.sector == b.sector:
            return False
        key = pair_key(a.id, b.id)
        return key not in self.recent and key not in self.excluded and can_meet(a, b)


def can_meet(a: Candidate, b: Candidate) -> bool:
    if a.online and b.online:
        return True
    if not (a.in_person and b.in_person):
        return False
    return a.travels or b.travels or (a.place is not None and a.place == b.place)


def weight(a: Candidate, b: Candidate) -> int:
    """How good a pair is (integers, so ties break the same way everywhere)."""
    score = BASE
    if a.in_person and b.in_person and a.place is not None and a.place == b.place:
        score += SAME_PLACE
    elif a.in_person and b.in_person and (a.travels or b.travels):
        score += TRAVEL
    elif a.online and b.online:
        score += ONLINE
    score += PER_INTEREST * min(len(a.interests & b.interests), MAX_INTERESTS)
    return score + _waiting(a) + _waiting(b)


def _waiting(person: Candidate) -> int:
    return PER_ROUND_WAITED * min(person.waited, MAX_WAIT) + (OWED if person.owed else 0)


@dataclass(frozen=True)
class Matching:
    """The groups (pairs, and trios for people left over), each sorted; and who is left out."""

    groups: list[tuple[int, ...]]
    left_out: list[int]

    @property
    def trios(self) -> list[tuple[int, ...]]:
        return [group for group in self.groups if len(group) == 3]


def match(pool: Iterable[Candidate], rules: Rules = Rules()) -> Matching:
    """Pair the pool (see the module's docstring). Input order does not matter."""
    rest = sorted(pool, key=lambda person: person.id)
    by_id = {person.id: person for person in rest}
    pairs: list[tuple[int, int]] = []
    for number in range(PASSES):  # whoever is left over is matched again, in new groups
        chunks = _chunks(rest, number)
        keep = None if number and len(chunks) == 1 else CANDIDATES  # one last group: every allowed pair
        matched = [pair for chunk in chunks for pair in _blossom(chunk, rules, keep)]
        taken = {person_id for pair in matched for person_id in pair}
        pairs.extend(matched)
        rest = [person for person in rest if person.id not in taken]
        if len(rest) < 2:
            break
    groups, left_out = _make_trios(sorted(pairs), rest, by_id, rules)
    return Matching(groups=sorted(groups), left_out=sorted(left_out))


def _chunks(people: list[Candidate], number: int) -> list[list[Candidate]]:
    """The groups of one pass. First, people of one locality together (then travellers, then
    online only). After that, the sectors taken in turn, so that a group is never all one
    sector; and a remainder small enough to be matched exactly is matched all at once."""
    if number == 0:
        ordered = sorted(people, key=lambda p: (p.place is None, p.place or 0, not p.travels, p.id))
    elif len(people) <= FINAL_SIZE:
        return [people]
    else:
        ordered = _sectors_in_turn(people)
    return [ordered[start : start + GROUP_SIZE] for start in range(0, len(ordered), GROUP_SIZE)]


def _sectors_in_turn(people: list[Candidate]) -> list[Candidate]:
    """One of each sector, then one of each again, ...: in locality order within each sector."""
    by_sector: dict[str, list[Candidate]] = {}
    for person in sorted(people, key=lambda p: (p.place is None, p.place or 0, p.id)):
        by_sector.setdefault(person.sector, []).append(person)
    queues = [by_sector[sector] for sector in sorted(by_sector)]
    longest = max(len(queue) for queue in queues)
    return [queue[turn] for turn in range(longest) for queue in queues if turn < len(queue)]


def _blossom(people: list[Candidate], rules: Rules, keep: int | None) -> list[tuple[int, int]]:
    """Maximum-cardinality, then maximum-weight, matching over the allowed pairs; with
    ``keep``, over each person's ``keep`` best partners only (ties: the lower id)."""
    import networkx as nx  # here, not at the top: it adds ~24 MiB to every web worker that never pairs anyone

    best: dict[int, list[tuple[int, int]]] = {person.id: [] for person in people}
    for a, b in combinations(people, 2):
        if rules.allowed(a, b):
            score = weight(a, b)
            best[a.id].append((-score, b.id))
            best[b.id].append((-score, a.id))
    graph = nx.Graph()
    graph.add_nodes_from(person.id for person in people)
    for person_id in sorted(best):
        for negative_score, other in sorted(best[person_id])[:keep]:
            graph.add_edge(min(person_id, other), max(person_id, other), weight=-negative_score)
    matched = nx.max_weight_matching(graph, maxcardinality=True)
    return sorted((min(a, b), max(a, b)) for a, b in matched)


def _make_trios(
    pairs: list[tuple[int, int]], rest: list[Candidate], by_id: dict[int, Candidate], rules: Rules
) -> tuple[list[tuple[int, ...]], list[int]]:
    """Each person left over joins the pair they fit best (allowed with both), one per pair."""
    groups: list[tuple[int, ...]] = list(pairs)
    grown: set[int] = set()
    left_out = []
    for person in sorted(rest, key=lambda p: (-_waiting(p), p.id)):
        fits = [
            (-(weight(person, by_id[a]) + weight(person, by_id[b])), index)
            for index, (a, b) in enumerate(pairs)
            if index not in grown and rules.allowed(person, by_id[a]) and rules.allowed(person, by_id[b])
        ]
        if not fits:
            left_out.append(person.id)
            continue
        index = min(fits)[1]
        grown.add(index)
        groups[index] = tuple(sorted((*pairs[index], person.id)))
    return groups, left_out
