"""New names in a sentence, each with a suggested class of the ontology, found by rules alone.

Two kinds of mention are proposed: capitalised names (`European Investment Bank`, `Aleksandar Vučić`,
`Raw Materials Week`), classed by their head word (the word before the first `of`/`on`/`for`, else the
last keyword: Bank -> FinancialInstitution, Forum -> Forum, Sea -> WaterBody) or, for two or three bare
capitalised words, as a person; and lower-case events and documents (`state visit`, `narrow-format talks`,
`memorandum of understanding on port collaboration`), classed by their head noun. Titles (President,
Minister) and nationality adjectives are not names; offices are left to the curator. Spans the graph
already knows are cut out before, so a known name is never proposed as a new one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Candidate", "find_candidates", "is_headline"]

HEAD_CLASSES = {
    "bank": "FinancialInstitution",
    "fund": "FinancialInstitution",
    "ministry": "Institution",
    "commission": "Institution",
    "council": "Institution",
    "parliament": "Institution",
    "agency": "Institution",
    "committee": "Institution",
    "senate": "Institution",
    "mazhilis": "Institution",
    "government": "Institution",
    "embassy": "Institution",
    "court": "Institution",
    "chamber": "Institution",
    "assembly": "Institution",
    "authority": "Institution",
    "administration": "Institution",
    "department": "Institution",
    "akimat": "Institution",
    "secretariat": "Institution",
    "centre": "Institution",
    "center": "Institution",
    "union": "InternationalOrganisation",
    "nations": "InternationalOrganisation",
    "organization": "InternationalOrganisation",
    "organisation": "InternationalOrganisation",
    "alliance": "InternationalOrganisation",
    "company": "Company",
    "corporation": "Company",
    "railways": "Company",
    "airlines": "Company",
    "airways": "Company",
    "holding": "Company",
    "jsc": "Company",
    "llc": "Company",
    "ltd": "Company",
    "inc": "Company",
    "university": "EducationalInstitution",
    "institute": "EducationalInstitution",
    "college": "EducationalInstitution",
    "academy": "EducationalInstitution",
    "school": "EducationalInstitution",
    "forum": "Forum",
    "summit": "Summit",
    "conference": "Conference",
    "congress": "Conference",
    "exhibition": "Exhibition",
    "expo": "Exhibition",
    "fair": "Exhibition",
    "week": "Forum",
    "festival": "Event",
    "games": "Event",
    "war": "Event",
    "meeting": "Meeting",
    "talks": "Talks",
    "visit": "Visit",
    "anniversary": "Commemoration",
    "agreement": "Agreement",
    "treaty": "Treaty",
    "convention": "Treaty",
    "charter": "Treaty",
    "pact": "Treaty",
    "memorandum": "MemorandumOfUnderstanding",
    "declaration": "JointStatement",
    "communique": "JointStatement",
    "roadmap": "Roadmap",
    "resolution": "Resolution",
    "report": "Report",
    "strategy": "Document",
    "programme": "Document",
    "program": "Document",
    "law": "Document",
    "decree": "Document",
    "sea": "WaterBody",
    "ocean": "WaterBody",
    "lake": "WaterBody",
    "river": "WaterBody",
    "gulf": "WaterBody",
    "strait": "WaterBody",
    "bay": "WaterBody",
    "canal": "WaterBody",
    "port": "Port",
    "airport": "Venue",
    "palace": "Venue",
    "hall": "Venue",
    "arena": "Venue",
    "square": "Venue",
    "region": "Region",
    "province": "Region",
    "oblast": "Region",
    "asia": "Region",
    "europe": "Region",
    "caucasus": "Region",
    "balkans": "Region",
    "corridor": "TransportCorridor",
    "route": "TransportCorridor",
    "network": "Route",
    "republic": "State",
    "army": "Institution",
    "alley": "Venue",
    "street": "Venue",
    "avenue": "Venue",
    "park": "Venue",
    "monument": "Venue",
    "kingdom": "State",
    "emirates": "State",
}
# Lower-case heads of events and documents, longest first when tried.
PHRASE_HEADS = {
    "memorandum of understanding": "MemorandumOfUnderstanding",
    "memorandums of understanding": "MemorandumOfUnderstanding",
    "memoranda of understanding": "MemorandumOfUnderstanding",
    "memorandums": "MemorandumOfUnderstanding",
    "memorandum": "MemorandumOfUnderstanding",
    "roundtable discussion": "Forum",
    "joint statement": "JointStatement",
    "state visit": "StateVisit",
    "official visit": "OfficialVisit",
    "visit": "Visit",
    "visits": "Visit",
    "talks": "Talks",
    "negotiations": "Negotiations",
    "consultations": "Negotiations",
    "meeting": "Meeting",
    "summit": "Summit",
    "forum": "Forum",
    "conference": "Conference",
    "exhibition": "Exhibition",
    "interview": "Interview",
    "agreement": "Agreement",
    "agreements": "Agreement",
    "treaty": "Treaty",
    "roadmap": "Roadmap",
    "resolution": "Resolution",
    "report": "Report",
    "speech": "Document",
}
TITLES = {
    "president",
    "vice-president",
    "prime",
    "minister",
    "deputy",
    "commissioner",
    "ambassador",
    "chairman",
    "chair",
    "secretary",
    "general",
    "mr",
    "mrs",
    "ms",
    "dr",
    "sheikh",
    "king",
    "queen",
    "prince",
    "emir",
    "governor",
    "mayor",
    "director",
    "ceo",
    "head",
    "rector",
    "speaker",
    "representative",
    "high",
    "foreign",
    "affairs",
    "senator",
    "excellency",
    "his",
    "her",
    "vice",
    "premier",
    "chancellor",
}
DEMONYMS = {
    "kazakh",
    "kazakhstani",
    "uzbek",
    "kyrgyz",
    "tajik",
    "turkmen",
    "azerbaijani",
    "chinese",
    "turkish",
    "european",
    "asian",
    "arab",
    "emirati",
    "saudi",
    "qatari",
    "czech",
    "swiss",
    "dutch",
    "greek",
    "french",
    "british",
    "irish",
    "thai",
    "afghan",
    "soviet",
    "western",
    "eastern",
    "northern",
    "southern",
}
STOP_WORDS = {
    "the",
    "his",
    "her",
    "a",
    "an",
    "this",
    "that",
    "these",
    "those",
    "in",
    "on",
    "at",
    "for",
    "with",
    "we",
    "i",
    "you",
    "he",
    "she",
    "it",
    "they",
    "our",
    "its",
    "their",
    "as",
    "but",
    "and",
    "or",
    "if",
    "when",
    "while",
    "after",
    "before",
    "during",
    "following",
    "meanwhile",
    "additionally",
    "moreover",
    "however",
    "also",
    "today",
    "yesterday",
    "there",
    "here",
    "what",
    "which",
    "who",
    "how",
    "why",
    "yes",
    "no",
    "thank",
    "let",
    "all",
    "both",
    "each",
    "some",
    "many",
    "most",
    "one",
    "my",
    "your",
    "of",
    "by",
    "to",
    "from",
    "so",
    "then",
    "is",
    "was",
    "will",
    "has",
    "have",
    "had",
    "be",
    "been",
    "are",
    "were",
    "not",
    "held",
    "signed",
    "said",
    "announced",
    "such",
    "other",
    "every",
    "any",
    "more",
    "further",
    "new",
}
MONTHS_AND_DAYS = {
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
}
DIRECTIONS = {"north", "south", "east", "west", "central", "middle", "greater"}
PLACE_PREPOSITIONS = {"in", "to", "from", "at", "via", "through", "across", "near", "visited", "visit", "between"}
_FUNCTION_AFTER_NAME = {
    "in",
    "at",
    "to",
    "from",
    "with",
    "was",
    "is",
    "has",
    "had",
    "said",
    "who",
    "will",
    "also",
    "and",
}
_CONNECTORS = {"of", "for", "on", "and", "de", "the", "du", "von", "van", "al", "el", "la"}
_WORD = r"(?:[A-Z\u00C0-\u00DE\u0100-\u017F][\w'’\u00C0-\u017F]*(?:-[\w\u00C0-\u017F]+)*)"
_SPAN = re.compile(rf"{_WORD}(?:\s+(?:(?:of|for|on|and|de|the|du|von|van|al|el|la)\s+)*{_WORD})*")
_WORDS = re.compile(r"\S+")
_TAIL_STOP = r"(?:and|to|in|at|with|by|between|the|a|an|for|of|on|which|that|who|was|were|is|are|will|held|during)\b"
_DETERMINERS = {"a", "an", "the", "this", "that", "their", "his", "her", "its", "our", "of", "two", "first", "second"}
_PHRASE = re.compile(
    r"(?<![\w-])(?P<mods>(?:[a-z][\w-]*\s+){0,2}?)(?P<head>"
    + "|".join(sorted(PHRASE_HEADS, key=len, reverse=True))
    + r")(?![\w-])(?P<tail>\s+(?:on|of)(?:\s+(?!"
    + _TAIL_STOP
    + r")[\w-]+){1,3})?"
)


# Plural nouns that introduce examples of a class: "companies such as Google and Microsoft".
LIST_CLASSES = {
    "companies": "Company",
    "countries": "State",
    "states": "State",
    "cities": "City",
    "ports": "Port",
    "banks": "FinancialInstitution",
    "universities": "EducationalInstitution",
    "organisations": "InternationalOrganisation",
    "organizations": "InternationalOrganisation",
}
_LIST = re.compile(
    r"\b(?P<kind>"
    + "|".join(LIST_CLASSES)
    + r")\s+(?:such as|like|including|as)\s+(?P<items>"
    + rf"{_WORD}(?:\s+{_WORD})?(?:\s*,\s*{_WORD}(?:\s+{_WORD})?)*(?:,?\s+and\s+{_WORD}(?:\s+{_WORD})?)?)"
)


@dataclass(frozen=True)
class Candidate:
    """A name the graph does not know yet: the words as written, a suggested class, where it is, why."""

    text: str
    suggested_class: str
    start: int
    end: int
    rule: str
    is_person_name: bool = False

    @property
    def head(self) -> str:
        """The word that decided the class (quoted in the rule), else the last word."""
        quoted = re.search(r"'([^']+)'", self.rule)
        return quoted.group(1) if quoted and "head" in self.rule else self.text.split()[-1]


def is_headline(line: str) -> bool:
    """Title Case lines (a headline) capitalise ordinary words: no name can be read from their case."""
    if re.search(r"[.!?:;]\W*$", line.strip()) or len(line.split()) > 25:
        return False
    words = [w for w in re.findall(r"[A-Za-z][\w'-]*", line) if len(w) >= 4]
    return len(words) >= 4 and sum(w[0].isupper() for w in words) / len(words) > 0.6


def find_candidates(sentence: str, known: list[tuple[int, int]]) -> list[Candidate]:
    """New names in a sentence outside the spans `known` (already matched to graph entities)."""
    listed = list(_listed(sentence, known))
    taken = known + [(c.start, c.end) for c in listed]
    found = listed + [
        c for piece in _capitalised_pieces(sentence, taken) if (c := _classify(sentence, *piece)) is not None
    ]
    taken = known + [(c.start, c.end) for c in found]
    for phrase, head_end in _phrases(sentence):
        if any(phrase.start < end and start < phrase.end for start, end in taken):
            # a tail that runs into a known name (`talks on transport links`): keep the words up to the head
            phrase = Candidate(
                sentence[phrase.start : head_end], phrase.suggested_class, phrase.start, head_end, phrase.rule
            )
            if any(phrase.start < end and start < phrase.end for start, end in taken):
                continue
        found.append(phrase)
        taken.append((phrase.start, phrase.end))
    return sorted(found, key=lambda c: c.start)


def _spans(sentence: str):
    """Capitalised spans; `X and Y` is two names unless X already has an of/for/on (`Bank for
    Reconstruction and Development`)."""
    for span in _SPAN.finditer(sentence):
        start = span.start()
        for part in re.finditer(r"\s+(and|for|on)\s+", span.group()):
            before = span.group()[: part.start()]
            last_word = before.split()[-1].lower()
            if part.group(1) == "and":
                whole_has_head = _head_class(span.group().split()) is not None and not span.group()[
                    part.end() :
                ].startswith("the ")
                keep = re.search(r"\s(?:of|for|on)\s", before) or (
                    whole_has_head and _head_class(before.split()) is None
                )
            else:
                keep = last_word in HEAD_CLASSES or last_word in TITLES
            if not keep:
                yield start, span.start() + part.start()
                start = span.start() + part.end()
        yield start, span.end()


def _listed(sentence: str, known: list[tuple[int, int]]):
    """Names listed after a plural class noun: `companies such as Google and Microsoft`."""
    for match in _LIST.finditer(sentence):
        cls = LIST_CLASSES[match.group("kind").lower()]
        base = match.start("items")
        for item in re.finditer(rf"{_WORD}(?:\s+{_WORD})?", match.group("items")):
            start, end = base + item.start(), base + item.end()
            if not any(start < b and a < end for a, b in known):
                yield Candidate(item.group(), cls, start, end, f"listed after '{match.group('kind')}'")


def _capitalised_pieces(sentence: str, known: list[tuple[int, int]]):
    for start, end in _spans(sentence):
        cuts = sorted((max(a, start), min(b, end)) for a, b in known if a < end and start < b)
        at = start
        for cut_start, cut_end in [*cuts, (end, end)]:
            if at < cut_start:
                piece = _trim(sentence, at, cut_start)
                if piece is not None:
                    yield piece
            at = max(at, cut_end)


def _trim(sentence: str, start: int, end: int) -> tuple[int, int] | None:
    """Drop connectors and sentence-initial function words at both ends of a span."""
    words = [(m.start() + start, m.end() + start) for m in _WORDS.finditer(sentence[start:end])]
    while words and sentence[words[0][0] : words[0][1]].lower() in _CONNECTORS | STOP_WORDS | {"'s", "’s"}:
        words.pop(0)
    while words and sentence[words[-1][0] : words[-1][1]].lower() in _CONNECTORS:
        words.pop()
    if not words:
        return None
    return words[0][0], words[-1][1]


def _head_class(tokens: list[str]) -> str | None:
    lower = [t.lower() for t in tokens]
    for i, token in enumerate(lower):
        if token in ("of", "on", "for", "between") and i > 0:
            if lower[i - 1] in HEAD_CLASSES:
                return HEAD_CLASSES[lower[i - 1]]
            break
    for token in reversed(lower):
        if token in HEAD_CLASSES:
            return HEAD_CLASSES[token]
        if token == "understanding":
            return "MemorandumOfUnderstanding"
    return None


def _classify(sentence: str, start: int, end: int) -> Candidate | None:
    text = sentence[start:end]
    if sentence[end : end + 1] == ":" and len(sentence[:start].split()) <= 3:
        return None  # a heading ("Rewind to History:", "On the International Stage:")
    tokens = text.split()
    cls = _head_class(tokens)
    if re.fullmatch(r"COP\d+", text):
        return Candidate(text, "Conference", start, end, "name of a conference of the parties")
    if cls is not None:
        if len(tokens) == 1 and tokens[0].lower() in HEAD_CLASSES:
            if cls in ("Region", "WaterBody") and sentence[:start].rstrip().endswith(("the", "The")):
                return Candidate(text, "Region", start, end, f"the {text}: a region by name")
            return None  # a bare keyword: 'Forum', 'Bank'
        return Candidate(text, cls, start, end, f"head word '{_head_word(tokens)}'")
    return _person_or_place(sentence, start, tokens)


def _head_word(tokens: list[str]) -> str:
    """The word `_head_class` read the class from."""
    lower = [t.lower() for t in tokens]
    for i, token in enumerate(lower):
        if token in ("of", "on", "for", "between") and i > 0:
            if lower[i - 1] in HEAD_CLASSES:
                return tokens[i - 1]
            break
    for token in reversed(tokens):
        if token.lower() in HEAD_CLASSES or token.lower() == "understanding":
            return token
    return tokens[-1]


def _person_or_place(sentence: str, start: int, tokens: list[str]) -> Candidate | None:
    titled = False
    offset = 0
    while tokens and (tokens[0].lower().rstrip(".") in TITLES | _CONNECTORS or _is_demonym(tokens[0])):
        titled = titled or tokens[0].lower().rstrip(".") in TITLES
        offset = sentence.index(tokens[0], start + offset) - start + len(tokens[0])
        tokens = tokens[1:]
    if not tokens or any(t.lower() in TITLES | _CONNECTORS | MONTHS_AND_DAYS for t in tokens):
        return None
    if tokens[-1].endswith(("’s", "'s")):
        tokens[-1] = tokens[-1][:-2]
    begin = sentence.index(tokens[0], start + offset)
    end = begin + len(" ".join(tokens))
    text = sentence[begin:end]
    if not re.fullmatch(r"[\w'’\-\s\u00C0-\u017F]+", text) or any(c.isdigit() for c in text):
        return None
    if all(_is_name_word(t) for t in tokens) and 2 <= len(tokens) <= 3:
        if tokens[0].lower() in DIRECTIONS:
            return Candidate(text, "Region", begin, end, "direction word and a name")
        after = sentence[end:].split()
        follows = after[0].lower().strip(",.;)") if after else ""
        free = sentence[end : end + 1] in (",", ".", ")", "") or follows in _FUNCTION_AFTER_NAME
        rule = (
            "title and name"
            if titled
            else ("name before a verb or preposition" if free and begin > 0 else "two or three names")
        )
        return Candidate(text, "Person", begin, end, rule, True)
    if len(tokens) == 1 and _is_name_word(tokens[0]) and not _is_adjective(tokens[0]):
        before = sentence[:begin].split()
        if titled:
            return Candidate(text, "Person", begin, end, "title and name", True)
        if before and before[-1].lower() in PLACE_PREPOSITIONS:
            return Candidate(text, "City", begin, end, f"place after '{before[-1]}'")
        if before and before[-1].endswith(",") and len(before) >= 2 and before[-2].lower() in PLACE_PREPOSITIONS:
            return Candidate(text, "State", begin, end, "place after a place")
        return Candidate(text, "", begin, end, "a capitalised word")  # a surname, maybe: the draft decides
    return None


def _is_name_word(token: str) -> bool:
    return bool(
        re.fullmatch(r"[A-Z\u00C0-\u00DE\u0100-\u017F][a-z\u00DF-\u017F'’]+(?:-[A-Z]?[a-z\u00DF-\u017F]+)*", token)
    )


def _is_demonym(token: str) -> bool:
    low = token.lower()
    return low in DEMONYMS or low.endswith(("ian", "ese", "ish"))


def _is_adjective(token: str) -> bool:
    low = token.lower()
    return low in DEMONYMS | STOP_WORDS | MONTHS_AND_DAYS | TITLES or low.endswith(("ian", "ese", "ish"))


def _modifiers(before: str, words: list[str]) -> list[str]:
    """The words before a head noun that belong to the name: hyphenated ones (`narrow-format`), or any
    after a determiner (`a high-level state visit`, `their joint meeting`); never a verb before it."""
    words = [w for w in words]
    while words and words[0].lower() in STOP_WORDS:
        words.pop(0)
    if any(w.lower() in STOP_WORDS for w in words):
        return []
    previous = before.split()[-1].lower() if before.split() else ""
    if previous in _DETERMINERS and not words == []:
        return words
    kept: list[str] = []
    for word in reversed(words):
        if "-" not in word:
            break
        kept.insert(0, word)
    return kept


def _phrases(sentence: str):
    for match in _PHRASE.finditer(sentence):
        mods = _modifiers(sentence[: match.start("mods")], match.group("mods").split())
        head = match.group("head")
        tail = match.group("tail") or ""
        words = [*mods, head] + tail.split()
        text_start = match.start("head") - (len(" ".join(mods)) + 1 if mods else 0)
        text = sentence[text_start : match.end("tail") if tail else match.end("head")]
        if " ".join(text.split()) != " ".join(words):
            text_start = match.start("head")
            text = sentence[text_start : match.end("tail") if tail else match.end("head")]
        if text.lower() == head and head in ("report", "agreement", "agreements", "visit", "meeting", "resolution"):
            continue  # a bare common noun: too vague to be an entity
        candidate = Candidate(text, PHRASE_HEADS[head], text_start, text_start + len(text), f"head noun '{head}'")
        yield candidate, match.end("head")
