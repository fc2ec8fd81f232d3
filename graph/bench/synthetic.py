"""Synthetic fact files at any size, in the project's own YAML format, for the benchmark.

Speed has to be measured on data shaped like the real fact base, not on random triples: the same classes
and properties, passages with verbatim quotes, entities redeclared across articles, offices held through
tenures, agreements produced by events, corridors made of legs. So the generator writes one synthetic
article (a .txt source) and one fact file quoting it per "article", until the estimate reaches the size
asked for. The ids the named queries use as defaults (kazakhstan, estonia, serbia, tokayev,
middle-corridor, ...) are the real ones with the real labels, so every named query finds rows at scale.
Output is deterministic for a given size and seed.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from kzlinks.dataset.export import atomic_write

PASSAGE_QUADS = 9  # the quads that describe one passage graph (mapping._passage_quads)
AMOUNT_QUADS = 4  # an amount or quantity: the link, its type, value and unit
QUADS_PER_ARTICLE = 1200  # about the size of a real article's fact file
QUOTES_PER_ENTITY = 2  # passages that declare an entity, per article (the curated files have 1 to 3)
FIXED_QUADS = 1500  # ontology and reference graphs, roughly

# The shared ids of the curators' brief, with their real types and labels.
REAL_STATES = {
    "kazakhstan": "Kazakhstan",
    "estonia": "Estonia",
    "serbia": "Serbia",
    "china": "China",
    "russia": "Russia",
    "azerbaijan": "Azerbaijan",
    "georgia": "Georgia",
    "turkiye": "Türkiye",
    "brazil": "Brazil",
    "united-states": "United States",
    "united-arab-emirates": "United Arab Emirates",
    "ukraine": "Ukraine",
    "afghanistan": "Afghanistan",
    "bulgaria": "Bulgaria",
    "romania": "Romania",
}
REAL_LEADERS = {
    "kazakhstan": ("tokayev", "Kassym-Jomart Tokayev"),
    "estonia": ("alar-karis", "Alar Karis"),
    "serbia": ("aleksandar-vucic", "Aleksandar Vučić"),
}
REAL_CAPITALS = {
    "kazakhstan": ("astana", "Astana"),
    "estonia": ("tallinn", "Tallinn"),
    "serbia": ("belgrade", "Belgrade"),
}
ALMATY = ("almaty", "City", "Almaty")
EU_BODIES = {
    "european-commission": "European Commission",
    "european-council": "European Council",
    "european-parliament": "European Parliament",
}
SECTORS = {
    "transport-and-logistics": "transport and logistics",
    "artificial-intelligence": "artificial intelligence",
    "digitalisation": "digitalisation",
    "agriculture": "agriculture",
    "education": "education",
    "trade": "trade",
    "investment": "investment",
    "energy": "energy",
    "manufacturing": "manufacturing",
    "innovative-technologies": "innovative technologies",
    "information-technology": "information technology",
    "green-economy": "green economy",
    "finance": "finance",
    "infrastructure": "infrastructure",
    "culture": "culture",
    "raw-materials": "critical raw materials",
}
UN = ("united-nations", "InternationalOrganisation", "United Nations")
FUNDERS = {
    "european-union": ("InternationalOrganisation", "European Union"),
    "eib": ("FinancialInstitution", "European Investment Bank"),
    "ebrd": ("FinancialInstitution", "European Bank for Reconstruction and Development"),
}
MINISTRIES = ("transport", "foreign affairs", "trade", "energy", "agriculture", "digital development", "education")
AGREEMENT_KINDS = (
    ("MemorandumOfUnderstanding", "memorandum of understanding"),
    ("JointStatement", "joint statement"),
    ("Treaty", "agreement"),
    ("Roadmap", "roadmap"),
)
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
SYLLABLES = (
    "ka",
    "ra",
    "vel",
    "dor",
    "mi",
    "sta",
    "lun",
    "ber",
    "to",
    "na",
    "zar",
    "il",
    "en",
    "os",
    "var",
    "tek",
    "li",
    "mon",
    "gar",
    "sel",
    "du",
    "rin",
    "pa",
    "qu",
    "yen",
    "ost",
    "hal",
    "fe",
)


@dataclass
class Decl:
    id: str
    type: str | list[str]
    label: str
    alt: list[str] = field(default_factory=list)


@dataclass
class Passage:
    """One sentence of a synthetic article: the entities it names and the statements it makes."""

    text: str
    entities: list[Decl] = field(default_factory=list)
    statements: list[dict] = field(default_factory=list)

    def quads(self) -> int:
        count = PASSAGE_QUADS
        for decl in self.entities:
            types = decl.type if isinstance(decl.type, list) else [decl.type]
            count += len(types) + 1 + len(decl.alt) + (2 if decl.type == "Sector" else 0)
        for statement in self.statements:
            for key, value in statement.items():
                if key in ("subject", "quote"):
                    continue
                values = value if isinstance(value, list) else [value]
                count += sum(AMOUNT_QUADS if isinstance(v, dict) else 1 for v in values)
        return count


@dataclass
class State:
    id: str
    label: str
    leader: Decl
    capital: Decl
    cities: list[Decl]
    ports: list[Decl]
    ministers: dict[str, Decl]


@dataclass
class Generated:
    folder: Path
    files: list[Path]
    estimated_quads: int


class World:
    """The recurring cast: states with leaders, cities, ports and ministers; corridors; seas; funders."""

    def __init__(self, articles: int, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set(REAL_STATES) | set(SECTORS) | set(FUNDERS) | set(EU_BODIES) | {ALMATY[0], UN[0]}
        self.states = [self._state(sid, label) for sid, label in REAL_STATES.items()]
        self.states[0].cities.append(Decl(*ALMATY))
        self.eu_officials = [
            (self.person(), Decl(self.slug(f"eu-commissioner-{n}"), "Office", f"European Commissioner for {n}"))
            for n in (self.name(2, 3) for _ in range(8 + articles // 20))
        ]
        for _ in range(min(400, 6 + articles // 6)):
            label = self.name(2, 3)
            self.states.append(self._state(self.slug(label), label))
        self.home = self.states[0]
        self.seas = [Decl("caspian-sea", "WaterBody", "Caspian Sea"), Decl("black-sea", "WaterBody", "Black Sea")]
        self.seas += [
            Decl(self.slug(f"{n} Sea"), "WaterBody", f"{n} Sea")
            for n in (self.name(2, 3) for _ in range(4 + articles // 100))
        ]
        self.corridors = [
            Decl(
                "middle-corridor",
                "TransportCorridor",
                "Trans-Caspian International Transport Route",
                ["Middle Corridor"],
            )
        ]
        for _ in range(2 + articles // 15):
            label = f"{self.name(2, 3)} transport corridor"
            self.corridors.append(Decl(self.slug(label), "TransportCorridor", label))

    def name(self, low: int, high: int) -> str:
        return "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(low, high))).capitalize()

    def slug(self, label: str) -> str:
        base = "".join(c if c.isalnum() else "-" for c in label.lower()).strip("-")
        base, n = "-".join(filter(None, base.split("-"))), 1
        candidate = base
        while candidate in self.used:
            n += 1
            candidate = f"{base}-{n}"
        self.used.add(candidate)
        return candidate

    def person(self, label: str | None = None) -> Decl:
        label = label or f"{self.name(2, 2)} {self.name(2, 3)}"
        return Decl(self.slug(label), "Person", label)

    def _state(self, sid: str, label: str) -> State:
        if sid in REAL_LEADERS:
            leader = Decl(REAL_LEADERS[sid][0], "Person", REAL_LEADERS[sid][1])
            self.used.add(leader.id)
        else:
            leader = self.person()
        if sid in REAL_CAPITALS:
            capital = Decl(REAL_CAPITALS[sid][0], "City", REAL_CAPITALS[sid][1])
            self.used.add(capital.id)
        else:
            capital = self._city()
        cities = [capital] + [self._city() for _ in range(self.rng.randint(1, 4))]
        ports = [self._city(port=True) for _ in range(self.rng.randint(0, 2))]
        ministers = {m: self.person() for m in MINISTRIES}
        return State(sid, label, leader, capital, cities, ports, ministers)

    def _city(self, port: bool = False) -> Decl:
        label = self.name(2, 3)
        return Decl(self.slug(label), ["City", "Port"] if port else "City", label)


def _date(rng: random.Random, low: int = 2010, high: int = 2026) -> tuple[str, str]:
    """An ISO date and the same date in words, as an article would write it."""
    year, month, day = rng.randint(low, high), rng.randint(1, 12), rng.randint(1, 28)
    return f"{year}-{month:02d}-{day:02d}", f"{day} {MONTHS[month - 1]} {year}"


def _office(state: State, ministry: str | None) -> Decl:
    if ministry is None:
        return Decl(f"president-of-{state.id}", "HeadOfStateOffice", f"President of {state.label}")
    slug = ministry.replace(" ", "-")
    return Decl(f"{state.id}-minister-of-{slug}", "Office", f"Minister of {ministry.capitalize()} of {state.label}")


class ArticleWriter:
    """Builds the passages of one synthetic article around Kazakhstan and one partner state.

    As in the curators' files, an entity is declared with the passages that introduce it, not with every
    passage that names it in passing (the states of an agreement are declared with the talks)."""

    def __init__(self, world: World, number: int) -> None:
        self.world, self.rng, self.n = world, world.rng, number
        self.passages: list[Passage] = []
        self.quoted: dict[str, int] = {}
        self.size = 0
        weights = [12 if s.id in ("estonia", "serbia") else 1 for s in world.states[1:]]
        self.partner = self.rng.choices(world.states[1:], weights=weights)[0]
        self.iso, self.words = _date(self.rng, 2019, 2026)

    def add(self, passage: Passage) -> None:
        """Like a curator, quote an entity where the article introduces it, not at every later mention."""
        kept = []
        for decl in passage.entities:
            if self.quoted.get(decl.id, 0) < QUOTES_PER_ENTITY:
                self.quoted[decl.id] = self.quoted.get(decl.id, 0) + 1
                kept.append(decl)
        passage.entities = kept
        self.passages.append(passage)
        self.size += passage.quads()

    def sid(self, kind: str, k: int = 0) -> str:
        return f"syn{self.n:05d}-{kind}-{k}"

    def state_decl(self, state: State) -> Decl:
        return Decl(state.id, "State", state.label)

    def tenure(self, person: Decl, office: Decl, state: State, when: str, text: str) -> None:
        tenure = Decl(f"{person.id}-as-{office.id}", "Tenure", f"{person.label} as {office.label}")
        self.add(
            Passage(
                text,
                [person, office, tenure, self.state_decl(state)],
                [
                    {"subject": office.id, "officeIn": state.id},
                    {"subject": tenure.id, "holder": person.id, "office": office.id, "heldAt": when},
                ],
            )
        )

    def write(self, target: int) -> None:
        self.talks()
        blocks = [
            self.meeting,
            self.agreement,
            self.agreement,
            self.trade,
            self.cooperation,
            self.meeting,
            self.corridor,
            self.finance,
            self.forum,
            self.visit,
            self.eu,
            self.un,
        ]
        k = 0
        while self.size < target:
            if k % len(blocks) == 0:
                self.rng.shuffle(blocks)  # every kind of passage turns up, in a different order per article
            blocks[k % len(blocks)](k)
            k += 1

    def talks(self) -> None:
        home, partner = self.world.home, self.partner
        host = self.rng.choice([home, partner])
        talks = Decl(
            self.sid("talks"), "Talks", f"talks of {home.leader.label} and {partner.leader.label} ({self.words})"
        )
        text = (
            f"On {self.words}, President {home.leader.label} of {home.label} and President "
            f"{partner.leader.label} of {partner.label} held talks in {host.capital.label} in narrow and "
            f"expanded formats (report {self.n})."
        )
        alts = ["Tokayev"] if home.leader.id == "tokayev" else []
        leader = Decl(home.leader.id, "Person", home.leader.label, alts)
        self.add(
            Passage(
                text,
                [leader, partner.leader, self.state_decl(home), self.state_decl(partner), host.capital, talks],
                [
                    {
                        "subject": talks.id,
                        "participant": [home.leader.id, partner.leader.id],
                        "place": host.capital.id,
                        "date": self.iso,
                        "format": "expanded format",
                        "host": host.id,
                        "status": "Completed",
                    },
                    {"subject": host.capital.id, "locatedIn": host.id},
                ],
            )
        )
        for state in (home, partner):
            self.tenure(
                state.leader,
                _office(state, None),
                state,
                self.iso,
                f"{state.leader.label}, President of {state.label}, took part in the talks of {self.words} "
                f"(report {self.n}).",
            )

    def visit(self, k: int) -> None:
        home, partner = self.world.home, self.partner
        kind = self.rng.choice(("StateVisit", "OfficialVisit"))
        visit = Decl(self.sid("visit", k), kind, f"{partner.leader.label} visit to {home.label} ({self.words}, {k})")
        minister = partner.ministers[self.rng.choice(MINISTRIES)]
        text = (
            f"The {kind == 'StateVisit' and 'state' or 'official'} visit of {partner.leader.label} to "
            f"{home.label}, accompanied by {minister.label}, began in {home.capital.label} "
            f"(report {self.n}, part {k})."
        )
        self.add(
            Passage(
                text,
                [visit, partner.leader, minister, self.state_decl(home), home.capital],
                [
                    {
                        "subject": visit.id,
                        "visitor": partner.leader.id,
                        "destination": home.id,
                        "place": home.capital.id,
                        "accompaniedBy": minister.id,
                        "date": self.iso,
                        "status": "Completed",
                    }
                ],
            )
        )

    def meeting(self, k: int) -> None:
        home, partner = self.world.home, self.partner
        ministry = self.rng.choice(MINISTRIES)
        iso, words = _date(self.rng, 2019, 2026)
        people = [(s, s.ministers[ministry]) for s in (home, partner)]
        meeting = Decl(
            self.sid("meeting", k),
            "Meeting",
            f"meeting of the ministers of {ministry} of {home.label} and {partner.label} ({words})",
        )
        sector = self.rng.choice(list(SECTORS))
        text = (
            f"On {words}, {people[0][1].label} and {people[1][1].label}, ministers of {ministry}, met in "
            f"{partner.capital.label} to discuss {SECTORS[sector]} (report {self.n}, part {k})."
        )
        self.add(
            Passage(
                text,
                [meeting, people[0][1], people[1][1], partner.capital, Decl(sector, "Sector", SECTORS[sector])],
                [
                    {
                        "subject": meeting.id,
                        "participant": [p.id for _, p in people],
                        "place": partner.capital.id,
                        "date": iso,
                        "sector": sector,
                        "status": "Completed",
                    }
                ],
            )
        )
        for state, person in people:
            self.tenure(
                person,
                _office(state, ministry),
                state,
                iso,
                f"{person.label} was then Minister of {ministry.capitalize()} of {state.label} "
                f"(report {self.n}, part {k}).",
            )

    def agreement(self, k: int) -> None:
        home, partner = self.world.home, self.partner
        cls, words = self.rng.choice(AGREEMENT_KINDS)
        sectors = self.rng.sample(list(SECTORS), self.rng.randint(1, 3))
        label = f"{words} between {home.label} and {partner.label} on {', '.join(SECTORS[s] for s in sectors)}"
        agreement = Decl(self.sid("agreement", k), cls, f"{label} ({self.words}, {k})")
        signatories = [home.ministers["foreign affairs"], partner.ministers["foreign affairs"]]
        points = self.rng.randint(5, 90)
        article = "an" if words[0] in "aeiou" else "a"
        text = (
            f"The parties signed {article} {label}, with {points} points, in {partner.capital.label} on "
            f"{self.words} (report {self.n}, part {k})."
        )
        self.add(
            Passage(
                text,
                [agreement, *signatories, partner.capital, *(Decl(s, "Sector", SECTORS[s]) for s in sectors)],
                [
                    {
                        "subject": agreement.id,
                        "party": [home.id, partner.id],
                        "signatory": [s.id for s in signatories],
                        "signedOn": self.iso,
                        "place": partner.capital.id,
                        "sector": sectors,
                        "numberOfPoints": str(points),
                        "status": "Completed",
                    },
                    {"subject": self.sid("talks"), "produced": agreement.id},
                ],
            )
        )

    def trade(self, k: int) -> None:
        home, partner = self.world.home, self.partner
        year = int(self.iso[:4])
        value, change = self.rng.randint(5, 5000) * 1_000_000, self.rng.randint(-300, 900) / 10
        figure = Decl(
            self.sid("trade", k),
            "TradeFigure",
            f"{home.label}–{partner.label} trade turnover in {year} ({self.n}, {k})",
        )
        target = Decl(self.sid("target", k), "Target", f"{home.label}–{partner.label} trade target ({self.n}, {k})")
        text = (
            f"Trade turnover between {home.label} and {partner.label} reached {value:,} US dollars in {year}, "
            f"a change of {change} percent (report {self.n}, part {k})."
        )
        self.add(
            Passage(
                text,
                [figure],
                [
                    {
                        "subject": figure.id,
                        "measures": "trade turnover",
                        "party": [home.id, partner.id],
                        "period": str(year),
                        "amount": {"value": str(value), "currency": "USD"},
                        "changePercent": str(change),
                        "comparedWith": str(year - 1),
                        "sector": "trade",
                    }
                ],
            )
        )
        text = (
            f"The presidents set the goal of raising trade to {value * 3:,} US dollars within five years "
            f"(report {self.n}, part {k})."
        )
        self.add(
            Passage(
                text,
                [target],
                [
                    {
                        "subject": target.id,
                        "measures": "trade turnover",
                        "party": [home.id, partner.id],
                        "amount": {"value": str(value * 3), "currency": "USD"},
                        "horizon": "within five years",
                        "status": "Planned",
                        "announcedBy": partner.leader.id,
                        "concerns": figure.id,
                    }
                ],
            )
        )

    def cooperation(self, k: int) -> None:
        home, partner = self.world.home, self.partner
        coop = Decl(f"kz-{partner.id}-cooperation", "Cooperation", f"{home.label}–{partner.label} cooperation")
        sectors = self.rng.sample(list(SECTORS), self.rng.randint(2, 5))
        names = ", ".join(SECTORS[s] for s in sectors)
        text = f"{home.label} and {partner.label} agreed to expand cooperation in {names} (report {self.n}, part {k})."
        status = self.rng.choice(("Ongoing", "Planned", "Intended"))
        self.add(
            Passage(
                text,
                [
                    coop,
                    self.state_decl(home),
                    self.state_decl(partner),
                    *(Decl(s, "Sector", SECTORS[s]) for s in sectors),
                ],
                [{"subject": coop.id, "party": [home.id, partner.id], "sector": sectors, "status": status}],
            )
        )
        if k < 6:
            relations = Decl(
                f"kz-{partner.id}-diplomatic-relations",
                "DiplomaticRelations",
                f"{home.label}–{partner.label} diplomatic relations",
            )
            year = 1992 + sum(map(ord, partner.id)) % 20
            self.add(
                Passage(
                    f"Diplomatic relations between {home.label} and {partner.label} were established "
                    f"in {year} (report {self.n}).",
                    [relations],
                    [{"subject": relations.id, "party": [home.id, partner.id], "establishedOn": str(year)}],
                )
            )

    def corridor(self, k: int) -> None:
        corridor = self.rng.choice(self.world.corridors[1:])  # the Middle Corridor's legs are the seed's only
        stops = self.rng.sample(self.world.states, self.rng.randint(3, 5))
        for j, (a, b) in enumerate(zip(stops, stops[1:], strict=False), 1):
            sea = bool(a.ports and b.ports) and self.rng.random() < 0.5
            start = self.rng.choice(a.ports) if sea else self.rng.choice(a.cities)
            end = self.rng.choice(b.ports) if sea else self.rng.choice(b.cities)
            leg = Decl(
                self.sid(f"leg{k}", j), "Leg", f"{corridor.label} leg {start.label} – {end.label} ({self.n}, {k}, {j})"
            )
            mode = "Sea" if sea else self.rng.choice(("Rail", "Road"))
            statement = {
                "subject": leg.id,
                "legOf": corridor.id,
                "sequence": str(j),
                "fromNode": start.id,
                "toNode": end.id,
                "mode": mode,
            }
            entities = [
                leg,
                Decl(corridor.id, corridor.type, corridor.label),
                start,
                end,
                self.state_decl(a),
                self.state_decl(b),
            ]
            how = f"by {mode.lower()}"
            if sea:
                water = self.rng.choice(self.world.seas)
                statement["crosses"] = water.id
                entities.append(water)
                how = f"across the {water.label}"
            text = (
                f"Along the {corridor.label}, goods travel from {start.label} in {a.label} to {end.label} in "
                f"{b.label} {how} (report {self.n}, part {k}.{j})."
            )
            self.add(
                Passage(
                    text,
                    entities,
                    [statement, {"subject": start.id, "locatedIn": a.id}, {"subject": end.id, "locatedIn": b.id}],
                )
            )

    def finance(self, k: int) -> None:
        funder_id = self.rng.choice(list(FUNDERS))
        funder = Decl(funder_id, *FUNDERS[funder_id])
        value = self.rng.randint(1, 400) * 10_000_000
        commitment = Decl(
            self.sid("finance", k),
            "FinancialCommitment",
            f"{funder.label} commitment for transport in {self.partner.label} ({self.n}, {k})",
        )
        text = (
            f"The {funder.label} pledged {value:,} euros for transport links with {self.partner.label} "
            f"(report {self.n}, part {k})."
        )
        self.add(
            Passage(
                text,
                [funder, commitment, Decl("transport-and-logistics", "Sector", SECTORS["transport-and-logistics"])],
                [
                    {
                        "subject": commitment.id,
                        "committedBy": funder_id,
                        "amount": {"value": str(value), "currency": "EUR"},
                        "purpose": "transport links",
                        "sector": "transport-and-logistics",
                        "status": self.rng.choice(("Planned", "Completed")),
                    }
                ],
            )
        )

    def forum(self, k: int) -> None:
        guests = self.rng.sample(self.world.states, self.rng.randint(3, 8))
        iso, words = _date(self.rng, 2019, 2026)
        forum = Decl(
            self.sid("forum", k),
            self.rng.choice(("Forum", "Summit", "Conference")),
            f"{self.world.name(2, 3)} forum ({words})",
        )
        venue = self.rng.choice(guests)
        text = (
            f"Delegations of {', '.join(g.label for g in guests)} met at the {forum.label} in "
            f"{venue.capital.label} (report {self.n}, part {k})."
        )
        self.add(
            Passage(
                text,
                [forum, venue.capital, *(self.state_decl(g) for g in guests)],
                [
                    {
                        "subject": forum.id,
                        "participant": [g.id for g in guests],
                        "place": venue.capital.id,
                        "startDate": iso,
                        "status": "Completed",
                    }
                ],
            )
        )

    def eu(self, k: int) -> None:
        """An EU official meets a Kazakh minister in Almaty or Astana; now and then, visa talks."""
        home = self.world.home
        person, office = self.rng.choice(self.world.eu_officials)
        minister = home.ministers[self.rng.choice(MINISTRIES)]
        city = self.rng.choice(home.cities[:1] + [home.cities[-1]])
        iso, words = _date(self.rng, 2019, 2026)
        meeting = Decl(
            self.sid("eu-meeting", k), "Meeting", f"meeting of {minister.label} and {person.label} ({words})"
        )
        body = self.rng.choice(list(EU_BODIES))
        text = (
            f"On {words} in {city.label}, {minister.label} met {person.label}, {office.label} of the "
            f"{EU_BODIES[body]} (report {self.n}, part {k})."
        )
        tenure = Decl(f"{person.id}-as-{office.id}", "Tenure", f"{person.label} as {office.label}")
        eu = Decl("european-union", *FUNDERS["european-union"])
        self.add(
            Passage(
                text,
                [meeting, minister, person, office, tenure, city, Decl(body, "Institution", EU_BODIES[body]), eu],
                [
                    {
                        "subject": meeting.id,
                        "participant": [minister.id, person.id],
                        "place": city.id,
                        "date": iso,
                        "status": "Completed",
                    },
                    {"subject": office.id, "officeIn": body},
                    {"subject": body, "partOf": "european-union"},
                    {"subject": tenure.id, "holder": person.id, "office": office.id, "heldAt": iso},
                ],
            )
        )
        if k % 3 == 0:
            talks = Decl(self.sid("visa", k), "Negotiations", f"consultations on visa facilitation ({self.n}, {k})")
            text = (
                f"{home.label} and the European Union held consultations on visa facilitation for the citizens "
                f"of {home.label} (report {self.n}, part {k})."
            )
            self.add(
                Passage(
                    text,
                    [talks, self.state_decl(home), eu],
                    [
                        {
                            "subject": talks.id,
                            "participant": [home.id, "european-union"],
                            "purpose": "visa facilitation",
                            "status": self.rng.choice(("Ongoing", "Planned")),
                        }
                    ],
                )
            )

    def un(self, k: int) -> None:
        """A UN conference or initiative that states back."""
        guests = self.rng.sample(self.world.states, self.rng.randint(2, 5))
        iso, words = _date(self.rng, 2019, 2026)
        conference = Decl(self.sid("un", k), "Conference", f"UN conference on {self.world.name(2, 3)} ({words})")
        venue = self.rng.choice(guests)
        text = (
            f"The United Nations convened the {conference.label} in {venue.capital.label}, supported by "
            f"{', '.join(g.label for g in guests)} (report {self.n}, part {k})."
        )
        self.add(
            Passage(
                text,
                [conference, Decl(*UN), venue.capital, *(self.state_decl(g) for g in guests)],
                [
                    {
                        "subject": conference.id,
                        "partOf": UN[0],
                        "place": venue.capital.id,
                        "startDate": iso,
                        "supportedBy": [g.id for g in guests],
                        "status": "Completed",
                    }
                ],
            )
        )


def _seed_passages(world: World) -> list[Passage]:
    """The article that declares every real id the queries default to, and the Middle Corridor's legs."""
    passages = [
        Passage(f"{label} is mentioned among the partners of Kazakhstan.", [Decl(sid, "State", label)])
        for sid, label in REAL_STATES.items()
    ]
    passages += [
        Passage(f"Cooperation covers {label}.", [Decl(sid, "Sector", label)]) for sid, label in SECTORS.items()
    ]
    passages += [
        Passage(f"The {label} supports transport in Central Asia.", [Decl(fid, cls, label)])
        for fid, (cls, label) in FUNDERS.items()
    ]
    passages.append(Passage("The United Nations supports sustainable development in Central Asia.", [Decl(*UN)]))
    passages.append(
        Passage("Almaty lies in Kazakhstan.", [Decl(*ALMATY)], [{"subject": ALMATY[0], "locatedIn": "kazakhstan"}])
    )
    nodes: list[tuple[str, str, str, str | list[str]]] = [
        ("xian", "Xi'an", "china", "City"),
        ("aktau", "Aktau", "kazakhstan", ["City", "Port"]),
        ("kuryk", "Kuryk", "kazakhstan", ["City", "Port"]),
        ("baku", "Baku", "azerbaijan", ["City", "Port"]),
        ("tbilisi", "Tbilisi", "georgia", "City"),
        ("poti", "Poti", "georgia", ["City", "Port"]),
        ("istanbul", "Istanbul", "turkiye", "City"),
        ("sofia", "Sofia", "bulgaria", "City"),
        ("constanta", "Constanța", "romania", ["City", "Port"]),
    ]
    legs = [
        ("xian", "aktau", "Rail", None),
        ("xian", "kuryk", "Rail", None),
        ("aktau", "baku", "Sea", "caspian-sea"),
        ("kuryk", "baku", "Sea", "caspian-sea"),
        ("baku", "tbilisi", "Rail", None),
        ("tbilisi", "istanbul", "Rail", None),
        ("istanbul", "sofia", "Rail", None),
        ("tbilisi", "poti", "Rail", None),
        ("poti", "constanta", "Sea", "black-sea"),
    ]
    sequence = {"xian": 1, "aktau": 2, "kuryk": 2, "baku": 3, "tbilisi": 4, "istanbul": 5, "poti": 5}
    decls = {nid: Decl(nid, cls, label) for nid, label, _, cls in nodes}
    corridor = world.corridors[0]
    for nid, label, state, _ in nodes:
        passages.append(
            Passage(f"{label} lies in {REAL_STATES[state]}.", [decls[nid]], [{"subject": nid, "locatedIn": state}])
        )
    for a, b, mode, sea in legs:
        leg = Decl(f"middle-corridor-leg-{a}-{b}", "Leg", f"Middle Corridor leg {decls[a].label} – {decls[b].label}")
        statement = {
            "subject": leg.id,
            "legOf": corridor.id,
            "sequence": str(sequence[a]),
            "fromNode": a,
            "toNode": b,
            "mode": mode,
        }
        entities = [leg, Decl(corridor.id, corridor.type, corridor.label, corridor.alt), decls[a], decls[b]]
        if sea:
            statement["crosses"] = sea
            entities.append(next(s for s in world.seas if s.id == sea))
        passages.append(
            Passage(
                f"On the Middle Corridor, cargo goes from {decls[a].label} to {decls[b].label} by {mode.lower()}.",
                entities,
                [statement],
            )
        )
    return passages


def _yaml(value) -> str:
    """A YAML scalar, list or flow mapping; JSON strings are valid YAML double-quoted scalars."""
    if isinstance(value, list):
        return "[" + ", ".join(_yaml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_yaml(v)}" for k, v in value.items()) + "}"
    return json.dumps(value, ensure_ascii=False)


def render(source_name: str, passages: list[Passage]) -> str:
    """The fact file for one article: each entity declared once, with every passage that names it."""
    decls: dict[str, tuple[Decl, list[str], list[str]]] = {}
    for passage in passages:
        for decl in passage.entities:
            _, quotes, alts = decls.setdefault(decl.id, (decl, [], []))
            if passage.text not in quotes:
                quotes.append(passage.text)
            alts += [a for a in decl.alt if a not in alts]
    out = [f"source: {source_name}", "entities:"]
    for decl, quotes, alts in decls.values():
        out += [
            f"  - id: {decl.id}",
            f"    type: {_yaml(decl.type) if isinstance(decl.type, list) else decl.type}",
            f"    label: {_yaml(decl.label)}",
        ]
        if alts:
            out.append(f"    alt: {_yaml(alts)}")
        out.append(f"    quote: {_yaml(quotes[0])}" if len(quotes) == 1 else f"    quote: {_yaml(quotes)}")
    out.append("statements:")
    for passage in passages:
        for statement in passage.statements:
            out.append(f"  - quote: {_yaml(passage.text)}")
            out += [f"    {key}: {_yaml(value)}" for key, value in statement.items()]
    return "\n".join(out) + "\n"


def _write_article(folder: Path, stem: str, headline: str, passages: list[Passage]) -> Path:
    source = f"{stem}.txt"
    atomic_write(folder / source, (headline + "\n\n" + "\n".join(p.text for p in passages) + "\n").encode("utf-8"))
    path = folder / f"{stem}.yaml"
    atomic_write(path, render(source, passages).encode("utf-8"))
    return path


def generate(folder: Path, size: int, seed: int = 7) -> Generated:
    """Write synthetic sources and fact files into `folder` for about `size` quads in all."""
    folder.mkdir(parents=True, exist_ok=True)
    articles = max(1, (size - FIXED_QUADS) // QUADS_PER_ARTICLE)
    rng = random.Random(seed)
    world = World(articles, rng)
    seed_passages = _seed_passages(world)
    files = [
        _write_article(folder, "syn00000_seed", "Partners, sectors and the Middle Corridor: an overview", seed_passages)
    ]
    total = FIXED_QUADS + sum(p.quads() for p in seed_passages)
    number = 0
    while total < size:
        number += 1
        writer = ArticleWriter(world, number)
        writer.write(min(QUADS_PER_ARTICLE, max(200, size - total)))
        headline = f"{world.home.label} and {writer.partner.label} deepen cooperation: talks of {writer.words}"
        files.append(_write_article(folder, f"syn{number:05d}", headline, writer.passages))
        total += writer.size
    return Generated(folder, files, total)


def edit_one(path: Path, version: int = 1) -> None:
    """A curator's small edit: the last statement gets a (new) description, so one passage graph changes."""
    lines = [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if not line.startswith('    description: "benchmark edit')
    ]
    at = max(i for i, line in enumerate(lines) if line.startswith("  - quote:"))
    lines.insert(at + 2, f'    description: "benchmark edit {version}"')
    atomic_write(path, ("\n".join(lines) + "\n").encode("utf-8"))


__all__ = ["generate", "edit_one", "Generated"]
